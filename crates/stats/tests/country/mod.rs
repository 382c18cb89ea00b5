//! Monthly offence series of the synthetic country (Valmora), built from its raw
//! police file the way the engine would: dirty rows skipped, national codes
//! classified to the ICCS with the true correspondence table, counts by ICCS
//! category × area × month, by recording month and as occurrence × recording-delay
//! triangles. Shared by `tests/early_warning_country.rs` and the
//! `early_warning_country` example (`bench/early-warning`).

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::Path;

/// One clean offence record.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    /// Index into `Country::iccs`.
    pub iccs: u16,
    /// Index into `Country::districts`.
    pub district: u16,
    /// Month of occurrence since the start (None when the date is unknown).
    pub occurred: Option<u16>,
    /// Month of recording since the start.
    pub recorded: u16,
}

/// The clean records and the calendar.
#[derive(Debug)]
pub struct Country {
    pub start_year: i32,
    /// Months in the period (occurrence months 0..months).
    pub months: usize,
    /// Month index of the extraction date (the last recording month, complete).
    pub extraction_month: usize,
    pub districts: Vec<String>,
    pub iccs: Vec<String>,
    pub records: Vec<Record>,
    /// Rows of the police file skipped as dirty.
    pub skipped: usize,
    pub truth: serde_json::Value,
}

/// Day, month, year from `dd/mm/yyyy`, with a real calendar check.
fn parse_date(s: &str) -> Option<(u32, u32, i32)> {
    let mut it = s.split('/');
    let d: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let y: i32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
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
    ];
    (d <= days[(m - 1) as usize]).then_some((d, m, y))
}

fn month_index(start_year: i32, m: u32, y: i32) -> Option<u16> {
    let k = (y - start_year) * 12 + m as i32 - 1;
    (0..=u16::MAX as i32).contains(&k).then_some(k as u16)
}

/// Reads `police_offences.csv` (and, for age-conditional codes, `police_persons.csv`).
pub fn load(dir: &Path) -> Result<Country, String> {
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("truth.json")).map_err(|e| format!("truth.json: {e}"))?,
    )
    .map_err(|e| format!("truth.json: {e}"))?;
    let start = truth["period"]["start"].as_str().ok_or("period.start")?;
    let start_year: i32 = start[..4].parse().map_err(|_| "period.start year")?;
    let end = truth["period"]["end"].as_str().ok_or("period.end")?;
    let end_year: i32 = end[..4].parse().map_err(|_| "period.end year")?;
    let months = ((end_year - start_year + 1) * 12) as usize;
    let extraction = truth["period"]["extraction_date"]
        .as_str()
        .ok_or("extraction_date")?;
    let ex_y: i32 = extraction[..4].parse().map_err(|_| "extraction year")?;
    let ex_m: u32 = extraction[5..7].parse().map_err(|_| "extraction month")?;
    let extraction_month = ((ex_y - start_year) * 12 + ex_m as i32 - 1) as usize;

    // Districts from the area register (Windows-1252, but codes and levels are ASCII).
    let areas = std::fs::read(dir.join("areas.csv")).map_err(|e| format!("areas.csv: {e}"))?;
    let mut districts: Vec<String> = Vec::new();
    for line in areas.split(|&b| b == b'\n').skip(1) {
        let fields: Vec<&[u8]> = line.split(|&b| b == b';').collect();
        if fields.len() >= 3 && fields[2].starts_with(b"District") {
            districts.push(String::from_utf8_lossy(fields[0]).into_owned());
        }
    }
    districts.sort();
    let district_index: HashMap<&str, u16> = districts
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i as u16))
        .collect();

    // National code → (ICCS, condition) rows of the true correspondence.
    let mut table: HashMap<&'static str, Vec<(&'static str, String)>> = HashMap::new();
    for row in evident_synthetic::true_correspondence() {
        table
            .entry(row.national_code)
            .or_default()
            .push((row.iccs_code, row.condition));
    }
    let mut iccs: Vec<String> = table
        .values()
        .flatten()
        .map(|(c, _)| c.to_string())
        .collect();
    iccs.sort();
    iccs.dedup();
    let iccs_index: HashMap<String, u16> = iccs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), i as u16))
        .collect();

    struct Pending {
        code: &'static str,
        number: String,
        district: u16,
        occurred: Option<u16>,
        recorded: u16,
        attempted: bool,
        weapon: u8,
        location: u8,
    }
    let text = std::fs::read(dir.join("police_offences.csv"))
        .map_err(|e| format!("police_offences.csv: {e}"))?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut skipped = 0usize;
    for raw in text.split(|&b| b == b'\n').skip(1) {
        if raw.is_empty() {
            continue;
        }
        let Ok(line) = std::str::from_utf8(raw) else {
            skipped += 1;
            continue;
        };
        let f: Vec<&str> = line.trim_end_matches('\r').split(';').collect();
        if f.len() != 11 || [0, 1, 3, 4, 5].iter().any(|&i| f[i].is_empty()) {
            skipped += 1;
            continue;
        }
        let Some((_, rm, ry)) = parse_date(f[3]) else {
            skipped += 1;
            continue;
        };
        let occurred = if f[2].is_empty() {
            None
        } else {
            match parse_date(f[2]) {
                Some((_, om, oy)) => month_index(start_year, om, oy),
                None => {
                    skipped += 1;
                    continue;
                }
            }
        };
        let (Some(recorded), Some(&district), Some((code, _))) = (
            month_index(start_year, rm, ry),
            district_index.get(f[4]),
            table.get_key_value(f[5]),
        ) else {
            skipped += 1;
            continue;
        };
        if !seen.insert(f[0].to_string()) {
            skipped += 1;
            continue;
        }
        let weapon = ["SW", "MS", "AM", "UM", "KW", "KA"]
            .iter()
            .position(|w| *w == f[7])
            .map_or(0, |i| i as u8 + 1);
        let location = [
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
        .position(|w| *w == f[8])
        .map_or(0, |i| i as u8 + 1);
        pending.push(Pending {
            code,
            number: f[0].to_string(),
            district,
            occurred,
            recorded,
            attempted: f[6] == "J",
            weapon,
            location,
        });
    }
    // Youngest victim's age, only for records whose code depends on it.
    let needs_age: HashSet<&str> = pending
        .iter()
        .filter(|p| table[p.code].iter().any(|(_, c)| c.contains("victim_age")))
        .map(|p| p.number.as_str())
        .collect();
    let mut victim_age: HashMap<String, u32> = HashMap::new();
    if !needs_age.is_empty() {
        let persons = std::fs::read(dir.join("police_persons.csv"))
            .map_err(|e| format!("police_persons.csv: {e}"))?;
        for raw in persons.split(|&b| b == b'\n').skip(1) {
            let Ok(line) = std::str::from_utf8(raw) else {
                continue;
            };
            let f: Vec<&str> = line.split(';').collect();
            if f.len() < 6 || f[1] != "Opfer" || !needs_age.contains(f[0]) {
                continue;
            }
            if let Ok(age) = f[5].parse::<u32>() {
                let e = victim_age.entry(f[0].to_string()).or_insert(age);
                *e = (*e).min(age);
            }
        }
    }
    let mut records = Vec::with_capacity(pending.len());
    for p in &pending {
        let holds = |cond: &str| -> bool {
            if cond.is_empty() {
                return true;
            }
            let value = |field: &str| -> Option<i64> {
                match field {
                    "attempted" => Some(i64::from(p.attempted)),
                    "weapon" => Some(i64::from(p.weapon)),
                    "location_type" => Some(i64::from(p.location)),
                    "victim_age" => victim_age.get(&p.number).map(|&a| i64::from(a)),
                    _ => None,
                }
            };
            let parse = |v: &str| -> Option<i64> {
                match v.trim() {
                    "true" => Some(1),
                    "false" => Some(0),
                    s => s.parse().ok(),
                }
            };
            if let Some((field, list)) = cond.split_once(" in ") {
                let Some(x) = value(field.trim()) else {
                    return false;
                };
                return list.split('|').filter_map(parse).any(|v| v == x);
            }
            for op in [">=", "<=", "<", ">", "="] {
                if let Some((field, v)) = cond.split_once(op) {
                    let (Some(x), Some(v)) = (value(field.trim()), parse(v)) else {
                        return false;
                    };
                    return match op {
                        ">=" => x >= v,
                        "<=" => x <= v,
                        "<" => x < v,
                        ">" => x > v,
                        _ => x == v,
                    };
                }
            }
            false
        };
        let Some((code, _)) = table[p.code].iter().find(|(_, c)| holds(c)) else {
            skipped += 1;
            continue;
        };
        records.push(Record {
            iccs: iccs_index[*code],
            district: p.district,
            occurred: p.occurred,
            recorded: p.recorded,
        });
    }
    Ok(Country {
        start_year,
        months,
        extraction_month,
        districts,
        iccs,
        records,
        skipped,
        truth,
    })
}

/// Which areas a series covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AreaLevel {
    National,
    Region,
    District,
}

/// What one series counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    /// ICCS code at the series' level (4, 5 or 6 characters: levels 2, 3, 4).
    pub iccs: String,
    pub area_level: AreaLevel,
    /// "" (national), a region code or a district code.
    pub area: String,
}

impl SeriesKey {
    pub fn iccs_level(&self) -> usize {
        match self.iccs.len() {
            4 => 2,
            5 => 3,
            6 => 4,
            n => n,
        }
    }
}

/// Monthly series for every ICCS category at the given code lengths × area,
/// keeping only series with at least `min_total` offences.
pub struct SeriesSet {
    pub keys: Vec<SeriesKey>,
    /// Offences by recording month, months 0..country.months.
    pub by_recording: Vec<Vec<f64>>,
    /// Offences by occurrence month × delay (recording month − occurrence month,
    /// delays from `max_delay` on lumped together), with the delays observed by
    /// the extraction date: row t has min(max_delay, extraction − t) + 1 cells.
    pub triangles: Vec<Vec<Vec<f64>>>,
}

pub fn build_series(
    country: &Country,
    code_lengths: &[usize],
    areas: &[AreaLevel],
    max_delay: usize,
    min_total: f64,
) -> SeriesSet {
    build_series_as_of(
        country,
        code_lengths,
        areas,
        max_delay,
        min_total,
        country.months,
        country.extraction_month,
    )
}

/// [`build_series`] as an extract would have shown it earlier: occurrence months
/// `0..months`, and only what was recorded by the end of month `as_of`.
pub fn build_series_as_of(
    country: &Country,
    code_lengths: &[usize],
    areas: &[AreaLevel],
    max_delay: usize,
    min_total: f64,
    months: usize,
    as_of: usize,
) -> SeriesSet {
    let mut index: HashMap<SeriesKey, usize> = HashMap::new();
    let mut keys: Vec<SeriesKey> = Vec::new();
    let mut rec: Vec<Vec<f64>> = Vec::new();
    let mut tri: Vec<Vec<Vec<f64>>> = Vec::new();
    let row_len = |t: usize| (as_of - t).min(max_delay) + 1;
    for r in &country.records {
        let code = &country.iccs[r.iccs as usize];
        let district = &country.districts[r.district as usize];
        for &len in code_lengths {
            if code.len() < len {
                continue;
            }
            for &level in areas {
                let area = match level {
                    AreaLevel::National => "",
                    AreaLevel::Region => &district[..2],
                    AreaLevel::District => district.as_str(),
                };
                let key = SeriesKey {
                    iccs: code[..len].to_string(),
                    area_level: level,
                    area: area.to_string(),
                };
                let i = *index.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    rec.push(vec![0.0; months]);
                    tri.push((0..months).map(|t| vec![0.0; row_len(t)]).collect());
                    keys.len() - 1
                });
                let rm = r.recorded as usize;
                if rm < months && rm <= as_of {
                    rec[i][rm] += 1.0;
                }
                if let Some(om) = r.occurred {
                    let om = om as usize;
                    if om < months && rm >= om && rm <= as_of {
                        let d = (rm - om).min(max_delay);
                        tri[i][om][d] += 1.0;
                    }
                }
            }
        }
    }
    // Deterministic order, small series dropped.
    let mut order: Vec<usize> = (0..keys.len())
        .filter(|&i| rec[i].iter().sum::<f64>() >= min_total)
        .collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    SeriesSet {
        keys: order.iter().map(|&i| keys[i].clone()).collect(),
        by_recording: order.iter().map(|&i| std::mem::take(&mut rec[i])).collect(),
        triangles: order.iter().map(|&i| std::mem::take(&mut tri[i])).collect(),
    }
}

/// Month label `yyyy-mm` of a month index.
pub fn month_label(country: &Country, m: usize) -> String {
    format!("{}-{:02}", country.start_year + (m / 12) as i32, m % 12 + 1)
}

/// The distribution of the recording delay in calendar months (delays from
/// `max_delay` on lumped), computed from the generator's stated lag model for
/// a family (`truth.json` → `families.<f>.recording_lag`): with probability
/// `quick` a geometric number of days with mean `quick_mean`, with probability
/// `medium` an exponential with mean `medium_mean` rounded down, otherwise a
/// log-normal with median `long_median` and σ `long_sigma` rounded down
/// (`docs/synthetic-country.md`, "Volume model"), capped at 3,650 days, for
/// occurrence dates spread evenly over a non-leap year.
pub fn true_delay_distribution(lag: &serde_json::Value, max_delay: usize) -> Vec<f64> {
    let get = |k: &str| lag[k].as_f64().unwrap_or(f64::NAN);
    let (quick, quick_mean) = (get("quick"), get("quick_mean"));
    let (medium, medium_mean) = (get("medium"), get("medium_mean"));
    let (median, sigma) = (get("long_median"), get("long_sigma"));
    let normal_cdf = |x: f64| 0.5 * evident_stats::special::erfc(-x / std::f64::consts::SQRT_2);
    let p = 1.0 / (1.0 + quick_mean);
    let days_pmf: Vec<f64> = (0..=3650)
        .map(|k| {
            let kf = k as f64;
            let geo = p * (1.0 - p).powf(kf);
            let exp = (-kf / medium_mean).exp() - (-(kf + 1.0) / medium_mean).exp();
            let ln_lo = if k == 0 {
                0.0
            } else {
                normal_cdf((kf.ln() - median.ln()) / sigma)
            };
            let ln_hi = normal_cdf(((kf + 1.0).ln() - median.ln()) / sigma);
            let mut v = quick * geo + medium * exp + (1.0 - quick - medium) * (ln_hi - ln_lo);
            if k == 3650 {
                // Everything beyond the cap is recorded at the cap.
                let beyond_geo = (1.0 - p).powf(kf + 1.0);
                let beyond_exp = (-(kf + 1.0) / medium_mean).exp();
                let beyond_ln = 1.0 - ln_hi;
                v += quick * beyond_geo + medium * beyond_exp + (1.0 - quick - medium) * beyond_ln;
            }
            v
        })
        .collect();
    let lengths = [31u32, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    // Month index of each day of a long calendar starting on 1 January.
    let mut month_of_day = Vec::new();
    for year in 0..12 {
        for (m, &len) in lengths.iter().enumerate() {
            for _ in 0..len {
                month_of_day.push(year * 12 + m);
            }
        }
    }
    let mut out = vec![0.0; max_delay + 1];
    for day in 0..365 {
        for (k, &pk) in days_pmf.iter().enumerate() {
            let d = month_of_day[day + k] - month_of_day[day];
            out[d.min(max_delay)] += pk / 365.0;
        }
    }
    out
}
