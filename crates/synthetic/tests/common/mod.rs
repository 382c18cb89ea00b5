//! Readers the tests use to look at the generated files from the outside:
//! they share no code with the generator, so a mistake in the generator's
//! formatting or counting cannot hide itself.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use evident_synthetic::{CountrySpec, Summary, generate};

/// A generated country kept for the whole test process.
pub struct Generated {
    pub dir: PathBuf,
    pub summary: Summary,
    pub truth: serde_json::Value,
}

impl Generated {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    }
}

/// Generates once per test process, into `CARGO_TARGET_TMPDIR/country-PID`.
/// A static is never dropped, and nextest runs each test in its own process,
/// so a temporary directory here would outlive every test (it filled /tmp with
/// 100 MB countries, ~20 per run); instead each process removes the countries
/// of processes that have ended.
pub fn country(offences: u64, seed: u64) -> &'static Generated {
    static CELL: OnceLock<Generated> = OnceLock::new();
    CELL.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        forget_ended_processes(tmp);
        let dir = tmp.join(format!("country-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("country directory");
        let spec = CountrySpec {
            offences,
            seed,
            ..CountrySpec::default()
        };
        let summary = generate(&spec, &dir, &|_| {}).expect("generation succeeds");
        let text = std::fs::read_to_string(dir.join("truth.json")).expect("truth.json exists");
        let truth = serde_json::from_str(&text).expect("truth.json is JSON");
        Generated {
            dir,
            summary,
            truth,
        }
    })
}

/// Removes `country-PID` directories whose process has ended (Linux: no
/// `/proc/PID`; elsewhere nothing is removed).
fn forget_ended_processes(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("country-") else {
            continue;
        };
        if cfg!(target_os = "linux") && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Lines of a file without the header, with the line end (LF or CRLF) removed.
pub fn data_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
        .into_iter()
        .skip(1)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// Splits a line on a delimiter, honouring RFC 4180 double quotes.
pub fn split_csv(line: &str, delimiter: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c == delimiter {
            out.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    out.push(field);
    out
}

fn leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_len(y: i32, m: u32) -> u32 {
    [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][m as usize - 1]
}

/// Days since 1900-01-01, counted the slow obvious way.
pub fn days(y: i32, m: u32, d: u32) -> i64 {
    let mut n: i64 = 0;
    for year in 1900..y {
        n += if leap(year) { 366 } else { 365 };
    }
    for month in 1..m {
        n += month_len(y, month) as i64;
    }
    n + d as i64 - 1
}

fn valid(y: i32, m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && d >= 1 && d <= month_len(y, m)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A strict `dd<sep>mm<sep>yyyy` date.
pub fn dmy(s: &str, sep: char) -> Option<(i32, u32, u32)> {
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 3 || parts[0].len() != 2 || parts[1].len() != 2 || parts[2].len() != 4 {
        return None;
    }
    if !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let (d, m, y) = (
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    );
    valid(y, m, d).then_some((y, m, d))
}

/// A strict `yyyy-mm-dd` date.
pub fn iso(s: &str) -> Option<(i32, u32, u32)> {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return None;
    }
    if !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let (y, m, d) = (
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    );
    valid(y, m, d).then_some((y, m, d))
}

pub fn day_of(date: (i32, u32, u32)) -> i64 {
    days(date.0, date.1, date.2)
}

/// One row of a correspondence table.
#[derive(Debug, Clone)]
pub struct Row {
    pub code: String,
    pub iccs: String,
    pub condition: String,
}

pub fn correspondence(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).expect("correspondence is UTF-8");
    data_lines(text.as_bytes())
        .into_iter()
        .map(|l| {
            let f = split_csv(std::str::from_utf8(l).expect("UTF-8"), ',');
            assert_eq!(f.len(), 7, "correspondence row {f:?}");
            Row {
                code: f[0].clone(),
                iccs: f[2].clone(),
                condition: f[3].clone(),
            }
        })
        .collect()
}

/// The recorded facts a correspondence condition may test.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub attempted: Option<bool>,
    pub weapon: Option<u32>,
    pub location: Option<u32>,
    pub victim_age: Option<i64>,
}

/// Evaluates a condition in the syntax of docs/correspondence-tables.md.
pub fn holds(condition: &str, facts: &Facts) -> bool {
    if condition.trim().is_empty() {
        return true;
    }
    condition.split(';').all(|clause| {
        let clause = clause.trim();
        let (field, op, value) = if let Some((f, v)) = clause.split_once(" in ") {
            (f.trim(), "in", v.trim())
        } else {
            let ops = ["<=", ">=", "!=", "=", "<", ">"];
            let (pos, op) = ops
                .iter()
                .filter_map(|op| clause.find(op).map(|p| (p, *op)))
                .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
                .unwrap_or_else(|| panic!("no operator in {clause}"));
            (clause[..pos].trim(), op, clause[pos + op.len()..].trim())
        };
        let number: Option<i64> = match field {
            "attempted" => {
                let Some(a) = facts.attempted else {
                    return false;
                };
                let want = value == "true";
                return match op {
                    "=" => a == want,
                    "!=" => a != want,
                    _ => panic!("bad attempted clause {clause}"),
                };
            }
            "weapon" => facts.weapon.map(i64::from),
            "location_type" => facts.location.map(i64::from),
            "victim_age" => facts.victim_age,
            other => panic!("unexpected field {other}"),
        };
        let Some(x) = number else { return false };
        match op {
            "in" => value
                .split('|')
                .any(|v| v.trim().parse::<i64>().ok() == Some(x)),
            "=" => value.parse::<i64>().ok() == Some(x),
            "!=" => value.parse::<i64>().ok() != Some(x),
            "<" => value.parse::<i64>().is_ok_and(|v| x < v),
            "<=" => value.parse::<i64>().is_ok_and(|v| x <= v),
            ">" => value.parse::<i64>().is_ok_and(|v| x > v),
            ">=" => value.parse::<i64>().is_ok_and(|v| x >= v),
            _ => unreachable!(),
        }
    })
}

/// Police weapon words → ICCS We (docs/synthetic-country.md).
pub fn weapon_code(word: &str) -> Option<u32> {
    ["SW", "MS", "AM", "UM", "KW", "KA"]
        .iter()
        .position(|w| *w == word)
        .map(|p| p as u32 + 1)
}

/// Police place words → ICCS Lo (docs/synthetic-country.md).
pub fn location_code(word: &str) -> Option<u32> {
    [
        "WOHNUNG",
        "STRASSE",
        "SCHULE",
        "ANSTALT",
        "HEIM",
        "GEWERBE",
        "SONSTIGE",
        "UNBEKANNT",
    ]
    .iter()
    .position(|w| *w == word)
    .map(|p| p as u32 + 1)
}

/// Decodes Windows-1252 (only the characters the area register can contain
/// outside Latin-1 need the table; the rest map byte = code point).
pub fn decode_windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            0x8C => 'Œ',
            0x9C => 'œ',
            0x80 => '€',
            0x8A => 'Š',
            0x9A => 'š',
            0x9F => 'Ÿ',
            _ => *b as char,
        })
        .collect()
}

/// Luhn check of the `YYYYMMDD-SSSC` identity number (payload YYMMDDSSS).
pub fn luhn_ok(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 13 || b[8] != b'-' {
        return false;
    }
    let payload: Vec<u32> = b[2..8]
        .iter()
        .chain(&b[9..12])
        .map(|c| (c - b'0') as u32)
        .collect();
    let check = (b[12] - b'0') as u32;
    let mut sum = 0;
    for (i, d) in payload.iter().enumerate() {
        // Weights 2,1,2,1,... from the left for a 9-digit payload.
        let mut v = if i % 2 == 0 { d * 2 } else { *d };
        if v > 9 {
            v -= 9;
        }
        sum += v;
    }
    (sum + check).is_multiple_of(10)
}

/// Clean rows of the police offence file: valid UTF-8, 11 fields, required
/// fields present, valid dates, known district and code, first copy of each record.
/// Parsed once per test binary (the data set is the same for all tests).
pub fn clean_offences(g: &Generated) -> &'static [Vec<String>] {
    static CELL: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    CELL.get_or_init(|| parse_clean_offences(g))
}

fn parse_clean_offences(g: &Generated) -> Vec<Vec<String>> {
    let districts = district_parents(g);
    let codes = code_list(g);
    let bytes = g.bytes("police_offences.csv");
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in data_lines(&bytes) {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        let f: Vec<String> = text.split(';').map(String::from).collect();
        if f.len() != 11 || [0, 1, 3, 4, 5].iter().any(|i| f[*i].is_empty()) {
            continue;
        }
        if dmy(&f[3], '/').is_none() || (!f[2].is_empty() && dmy(&f[2], '/').is_none()) {
            continue;
        }
        if !districts.contains_key(&f[4]) || !codes.contains_key(&f[5]) {
            continue;
        }
        if seen.insert(f[0].clone()) {
            out.push(f);
        }
    }
    out
}

/// District code → region code, from the Windows-1252 area register.
pub fn district_parents(g: &Generated) -> HashMap<String, String> {
    let text = decode_windows_1252(&g.bytes("areas.csv"));
    data_lines(text.as_bytes())
        .into_iter()
        .filter_map(|l| {
            let f: Vec<&str> = std::str::from_utf8(l).ok()?.split(';').collect();
            (f.len() == 4 && f[2] == "District").then(|| (f[0].to_string(), f[3].to_string()))
        })
        .collect()
}

/// National code → title, from the code list.
pub fn code_list(g: &Generated) -> HashMap<String, String> {
    let text = String::from_utf8(g.bytes("offence_codes.csv")).expect("code list is UTF-8");
    data_lines(text.as_bytes())
        .into_iter()
        .map(|l| {
            let f = split_csv(std::str::from_utf8(l).expect("UTF-8"), ',');
            (f[0].clone(), f[1].clone())
        })
        .collect()
}
