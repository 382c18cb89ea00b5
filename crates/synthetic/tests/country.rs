//! Checks of one generated country (200,000 offences, seed 42), made by
//! reading the raw files from the outside and comparing with truth.json or
//! with hand computations.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};

use common::{
    Facts, Generated, code_list, correspondence, country, data_lines, day_of, district_parents,
    dmy, holds, iso,
};

const N: u64 = 200_000;

fn g() -> &'static Generated {
    country(N, 42)
}

fn truth() -> &'static serde_json::Value {
    &g().truth
}

#[test]
fn row_and_byte_counts_match_the_summary() {
    let g = g();
    assert_eq!(g.summary.offences_generated, N);
    for file in &g.summary.files {
        let name = file.path.to_string_lossy();
        let bytes = g.bytes(&name);
        assert_eq!(bytes.len() as u64, file.bytes, "{name} bytes");
        if name != "truth.json" {
            assert_eq!(data_lines(&bytes).len() as u64, file.rows, "{name} rows");
            assert_eq!(
                truth()["files"][name.as_ref()]["rows"],
                file.rows,
                "{name} rows in truth"
            );
        }
    }
    // Every raw file the docs promise is there.
    let names: HashSet<String> = g
        .summary
        .files
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect();
    for expected in [
        "police_offences.csv",
        "police_persons.csv",
        "court_decisions.csv",
        "prison_movements.csv",
        "prison_facilities.csv",
        "areas.csv",
        "population.csv",
        "offence_codes.csv",
        "correspondence.csv",
        "truth/correspondence_true.csv",
        "truth.json",
    ] {
        assert!(names.contains(expected), "{expected} missing");
    }
}

#[test]
fn encodings_delimiters_and_line_ends_are_as_documented() {
    let g = g();
    let areas = g.bytes("areas.csv");
    assert!(
        std::str::from_utf8(&areas).is_err(),
        "areas.csv must be Windows-1252, not UTF-8"
    );
    assert!(
        areas.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'),
        "areas.csv uses CRLF"
    );
    let text = common::decode_windows_1252(&areas);
    assert!(
        text.contains("Sainte-Anne-du-Lac")
            && text.contains("Mont-Cœur")
            && text.contains("Région")
    );
    assert!(
        g.bytes("court_decisions.csv")
            .starts_with(b"\xEF\xBB\xBFnumero_affaire,")
    );
    let prison = g.bytes("prison_movements.csv");
    assert!(prison.starts_with(b"Ident-Nr;Name;Anstalt;Datum;Bewegung;Haftart\r\n"));
    let police = g.bytes("police_offences.csv");
    assert!(police.starts_with(
        b"Vorgangsnummer;Dienststelle;Tatdatum;Erfassungsdatum;Bezirk;Delikt;Versuch;Waffe;Tatort;Cyber;Aktenzeichen\n"
    ));
    assert!(!police.contains(&b'\r'));
    // 20 regions and 300 districts; codes keep their leading zeros.
    let parents = district_parents(g);
    assert_eq!(parents.len(), 300);
    assert!(parents.keys().all(|k| k.len() == 5) && parents.contains_key("01001"));
    // Population: 300 districts × 6 years × 2 sexes × 5 age groups.
    assert_eq!(
        data_lines(&g.bytes("population.csv")).len(),
        300 * 6 * 2 * 5
    );
}

/// Classifies each police row by its one defect, from the file alone.
fn police_defects(g: &Generated) -> BTreeMap<&'static str, u64> {
    let districts = district_parents(g);
    let codes = code_list(g);
    let mut seen: HashMap<String, Vec<u8>> = HashMap::new();
    let mut out = BTreeMap::new();
    let bytes = g.bytes("police_offences.csv");
    for line in data_lines(&bytes) {
        let kind = match std::str::from_utf8(line) {
            Err(_) => Some("invalid_utf8"),
            Ok(text) => {
                let f: Vec<&str> = text.split(';').collect();
                if f.len() != 11 {
                    Some("ragged")
                } else if [0, 1, 3, 4, 5].iter().any(|i| f[*i].is_empty()) {
                    Some("missing_required")
                } else if dmy(f[3], '/').is_none() || (!f[2].is_empty() && dmy(f[2], '/').is_none())
                {
                    Some("malformed_date")
                } else if !districts.contains_key(f[4]) {
                    Some("unknown_district")
                } else if !codes.contains_key(f[5]) {
                    Some("unknown_offence_code")
                } else if let Some(first) = seen.get(f[0]) {
                    assert_eq!(first.as_slice(), line, "a re-sent record is an exact copy");
                    Some("duplicate")
                } else {
                    seen.insert(f[0].to_string(), line.to_vec());
                    None
                }
            }
        };
        if let Some(kind) = kind {
            *out.entry(kind).or_default() += 1;
        }
    }
    out
}

/// Classifies rows of the other files: identical lines seen before are duplicates.
fn other_defects(g: &Generated, file: &str) -> BTreeMap<&'static str, u64> {
    let codes = code_list(g);
    let bytes = g.bytes(file);
    let body = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&bytes);
    let mut seen = HashSet::new();
    let mut out = BTreeMap::new();
    for line in data_lines(body) {
        let text = std::str::from_utf8(line).expect("UTF-8 file");
        let kind = match file {
            "police_persons.csv" => {
                let f: Vec<&str> = text.split(';').collect();
                assert_eq!(f.len(), 10);
                if f[0].is_empty() || f[1].is_empty() || f[2].is_empty() {
                    Some("missing_required")
                } else {
                    None
                }
            }
            "court_decisions.csv" => {
                let f: Vec<&str> = text.split(',').collect();
                assert_eq!(f.len(), 10);
                let bad_date = [2, 3, 4].iter().any(|i| iso(f[*i]).is_none())
                    || (!f[5].is_empty() && iso(f[5]).is_none());
                if bad_date {
                    Some("malformed_date")
                } else if !codes.contains_key(f[6]) {
                    Some("unknown_offence_code")
                } else {
                    None
                }
            }
            _ => None,
        };
        let kind = kind.or_else(|| (!seen.insert(line.to_vec())).then_some("duplicate"));
        if let Some(kind) = kind {
            *out.entry(kind).or_default() += 1;
        }
    }
    out
}

#[test]
fn dirty_rows_counted_from_the_files_match_truth() {
    let g = g();
    for file in [
        "police_offences.csv",
        "police_persons.csv",
        "court_decisions.csv",
        "prison_movements.csv",
    ] {
        let counted = if file == "police_offences.csv" {
            police_defects(g)
        } else {
            other_defects(g, file)
        };
        let listed = &truth()["dirty_rows"][file];
        let kinds = listed["kinds"].as_object().expect("kinds");
        for (kind, n) in kinds {
            assert_eq!(
                counted.get(kind.as_str()).copied().unwrap_or(0),
                n.as_u64().expect("count"),
                "{file} {kind}"
            );
        }
        for kind in counted.keys() {
            assert!(
                kinds.contains_key(*kind),
                "{file}: {kind} found but not in truth"
            );
        }
        let total: u64 = counted.values().sum();
        let rows = data_lines(&g.bytes(file)).len() as u64;
        assert_eq!(listed["total"], total);
        let share = listed["share"].as_f64().expect("share");
        assert!(
            (share - total as f64 / rows as f64).abs() < 1e-6,
            "{file}: {share}"
        );
    }
    // The police file carries every kind, at the documented 0.85 % of N:
    // 0.15 + 0.15 + 0.10 + 0.15 + 0.20 + 0.05 + 0.05 % of 200,000 = 1,700 rows.
    let police = police_defects(g);
    assert_eq!(police.len(), 7, "{police:?}");
    assert_eq!(police.values().sum::<u64>(), 1_700);
    assert_eq!(police["duplicate"], 400);
}

#[test]
fn every_code_in_the_records_is_listed_or_a_known_unknown_code() {
    let g = g();
    let codes = code_list(g);
    let unknown: HashSet<&str> = truth()["codes"]["unknown_codes_in_dirty_rows"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        unknown.iter().all(|u| !codes.contains_key(*u)),
        "unknown codes must not be in the code list"
    );
    let bytes = g.bytes("police_offences.csv");
    let mut seen_unknown = 0;
    for line in data_lines(&bytes) {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        let f: Vec<&str> = text.split(';').collect();
        if f.len() < 6 || f[5].is_empty() {
            continue;
        }
        if !codes.contains_key(f[5]) {
            assert!(
                unknown.contains(f[5]),
                "{} is neither listed nor a recorded unknown code",
                f[5]
            );
            seen_unknown += 1;
        }
    }
    assert_eq!(
        seen_unknown,
        truth()["dirty_rows"]["police_offences.csv"]["kinds"]["unknown_offence_code"]
    );
    // Common codes all occur: every code with an expected count of at least 20.
    let clean = common::clean_offences(g);
    let mut by_code: HashMap<&str, u64> = HashMap::new();
    for f in clean {
        *by_code.entry(f[5].as_str()).or_default() += 1;
    }
    for (code, entry) in truth()["codes"]["by_code"].as_object().expect("codes") {
        let share = entry["share_percent"].as_f64().expect("share") / 100.0;
        if share * N as f64 >= 20.0 {
            assert!(
                by_code.get(code.as_str()).copied().unwrap_or(0) > 0,
                "{code} never occurs"
            );
        }
        assert_eq!(
            by_code.get(code.as_str()).copied().unwrap_or(0),
            entry["records"],
            "{code} records"
        );
    }
}

#[test]
fn shipped_table_omits_exactly_the_listed_codes_which_still_occur() {
    let g = g();
    let shipped: HashSet<String> = correspondence(&g.path("correspondence.csv"))
        .into_iter()
        .map(|r| r.code)
        .collect();
    let full: HashSet<String> = correspondence(&g.path("truth/correspondence_true.csv"))
        .into_iter()
        .map(|r| r.code)
        .collect();
    let codes: HashSet<String> = code_list(g).into_keys().collect();
    assert_eq!(full, codes, "the true table covers the whole code list");
    let mut missing: Vec<String> = full.difference(&shipped).cloned().collect();
    missing.sort();
    let listed: Vec<String> = truth()["codes"]["omitted_from_shipped_correspondence"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("code").to_string())
        .collect();
    assert_eq!(missing, listed);
    let clean = common::clean_offences(g);
    for code in &listed {
        let n = clean.iter().filter(|f| &f[5] == code).count();
        assert!(n > 0, "{code} must occur so coverage reports list it");
        // Introduced mid-period: no record before the code came into force.
        let from = truth()["codes"]["by_code"][code]["in_force_from"]
            .as_str()
            .expect("date");
        let from = day_of(iso(from).expect("ISO date"));
        assert!(
            clean
                .iter()
                .filter(|f| &f[5] == code && !f[2].is_empty())
                .all(|f| day_of(dmy(&f[2], '/').expect("date")) >= from)
        );
    }
}

/// Victims (age, sex) of each clean record, from the persons file.
fn victims(g: &Generated) -> HashMap<String, Vec<(Option<i64>, String)>> {
    let bytes = g.bytes("police_persons.csv");
    let mut seen = HashSet::new();
    let mut out: HashMap<String, Vec<(Option<i64>, String)>> = HashMap::new();
    for line in data_lines(&bytes) {
        if !seen.insert(line) {
            continue;
        }
        let text = std::str::from_utf8(line).expect("UTF-8");
        let f: Vec<&str> = text.split(';').collect();
        if f[1] != "Opfer" || f[2].is_empty() {
            continue;
        }
        out.entry(f[0].to_string())
            .or_default()
            .push((f[5].parse().ok(), f[4].to_string()));
    }
    out
}

/// True ICCS code of each clean record, applying the true correspondence to the recorded fields.
fn true_iccs(g: &Generated) -> Vec<(Vec<String>, Option<String>)> {
    let table = correspondence(&g.path("truth/correspondence_true.csv"));
    let mut by_code: HashMap<&str, Vec<&common::Row>> = HashMap::new();
    for row in &table {
        by_code.entry(row.code.as_str()).or_default().push(row);
    }
    let victims = victims(g);
    common::clean_offences(g)
        .iter()
        .cloned()
        .map(|f| {
            let facts = Facts {
                attempted: Some(f[6] == "J"),
                weapon: common::weapon_code(&f[7]),
                location: common::location_code(&f[8]),
                victim_age: victims
                    .get(&f[0])
                    .and_then(|v| v.iter().filter_map(|x| x.0).min()),
            };
            let rows = &by_code[f[5].as_str()];
            let applying: Vec<&&common::Row> = rows
                .iter()
                .filter(|r| holds(&r.condition, &facts))
                .collect();
            assert!(
                applying.len() <= 1,
                "{} {:?}: {} rows apply",
                f[5],
                facts,
                applying.len()
            );
            let iccs = applying.first().map(|r| r.iccs.clone());
            (f, iccs)
        })
        .collect()
}

#[test]
fn true_correspondence_applied_to_the_records_reproduces_truth() {
    let g = g();
    let classified = true_iccs(g);
    let mut by_iccs: BTreeMap<String, u64> = BTreeMap::new();
    for (_, iccs) in &classified {
        *by_iccs
            .entry(
                iccs.clone()
                    .expect("every clean record maps under the true table"),
            )
            .or_default() += 1;
    }
    let expected: BTreeMap<String, u64> = truth()["volumes"]["records_by_true_iccs"]
        .as_object()
        .expect("map")
        .iter()
        .filter(|(_, n)| n.as_u64() != Some(0))
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
        .collect();
    assert_eq!(by_iccs, expected);

    // Conditional codes are really split by their condition in the records.
    let count = |code: &str, iccs: &str| {
        classified
            .iter()
            .filter(|(f, i)| f[5] == code && i.as_deref() == Some(iccs))
            .count()
    };
    for (code, a, b) in [
        ("PC-111", "0101", "0102"),
        ("PC-161", "030111", "030113"),
        ("PC-122", "020111", "020112"),
        ("PC-181", "040111", "040112"),
        ("PC-241", "05042", "05043"),
    ] {
        assert!(
            count(code, a) > 20 && count(code, b) > 20,
            "{code}: {} / {}",
            count(code, a),
            count(code, b)
        );
    }

    // Victims of intentional homicide (0101) by sex, from the persons file.
    let victims = victims(g);
    let mut by_sex: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_year: BTreeMap<String, u64> = BTreeMap::new();
    for (f, iccs) in &classified {
        if iccs.as_deref() == Some("0101") {
            for (_, sex) in victims.get(&f[0]).map(|v| v.as_slice()).unwrap_or(&[]) {
                let key = match sex.as_str() {
                    "m" => "M",
                    "w" => "F",
                    "d" => "X",
                    _ => "U",
                };
                *by_sex.entry(key.to_string()).or_default() += 1;
                *by_year.entry(f[3][6..].to_string()).or_default() += 1;
            }
        }
    }
    let hom = &truth()["victims"]["intentional_homicide"];
    for (sex, n) in hom["by_sex"].as_object().expect("by sex") {
        assert_eq!(
            by_sex.get(sex).copied().unwrap_or(0),
            n.as_u64().expect("n"),
            "homicide victims {sex}"
        );
    }
    for (year, entry) in hom["by_recording_year"].as_object().expect("by year") {
        assert_eq!(
            by_year.get(year).copied().unwrap_or(0),
            entry["victims"].as_u64().expect("n"),
            "{year}"
        );
        // Homicide rate of a European country: 1-3 per 100,000 (UNODC, Global Study on Homicide 2019).
        let rate = entry["rate_per_100000"].as_f64().expect("rate");
        assert!((0.8..4.0).contains(&rate), "{year}: {rate}");
    }
    // About four in five homicide victims are men (UNODC 2019: 81 %); 519 victims give a
    // binomial SE of 1.8 points, so 0.70-0.88 is a wide 4-SE band.
    let men = by_sex["M"] as f64 / by_sex.values().sum::<u64>() as f64;
    assert!((0.70..0.88).contains(&men), "{men}");
}

#[test]
fn persons_carry_valid_consistent_identity_numbers() {
    let g = g();
    let mut name_of: HashMap<String, String> = HashMap::new();
    let persons = String::from_utf8(g.bytes("police_persons.csv")).expect("UTF-8");
    let mut appearances: HashMap<String, u32> = HashMap::new();
    for line in data_lines(persons.as_bytes()) {
        let f: Vec<&str> = std::str::from_utf8(line)
            .expect("UTF-8")
            .split(';')
            .collect();
        if f[2].is_empty() {
            continue;
        }
        assert!(common::luhn_ok(f[2]), "{}", f[2]);
        // The serial's last digit is odd for men: the recorded sex agrees unless missing or diverse.
        let odd = (f[2].as_bytes()[11] - b'0') % 2 == 1;
        match f[4] {
            "m" => assert!(odd, "{}", f[2]),
            "w" => assert!(!odd, "{}", f[2]),
            _ => {}
        }
        let previous = name_of
            .entry(f[2].to_string())
            .or_insert_with(|| f[3].to_string());
        assert_eq!(previous, f[3], "one identity number, one name");
        *appearances.entry(f[2].to_string()).or_default() += 1;
    }
    let repeated = appearances.values().filter(|n| **n > 1).count();
    assert!(repeated > 1_000, "persons appear repeatedly: {repeated}");
    // Court: the date of birth is the identity number's first eight digits.
    let court = g.bytes("court_decisions.csv");
    let mut linked = 0;
    for line in data_lines(&court[3..]) {
        let f: Vec<&str> = std::str::from_utf8(line)
            .expect("UTF-8")
            .split(',')
            .collect();
        assert_eq!(
            f[2].replace('-', ""),
            f[1][..8],
            "birth date and identity number agree"
        );
        linked += name_of.contains_key(f[1]) as u32;
    }
    assert!(
        linked > 10_000,
        "court persons are police suspects: {linked}"
    );
    // Prison: the same identity numbers and names.
    let prison = String::from_utf8(g.bytes("prison_movements.csv")).expect("UTF-8");
    for line in data_lines(prison.as_bytes()) {
        let f: Vec<&str> = std::str::from_utf8(line)
            .expect("UTF-8")
            .split(';')
            .collect();
        if let Some(name) = name_of.get(f[0]) {
            assert_eq!(name, f[1]);
        }
    }
}

/// log(ratio of ratios) and its standard error, for counts a/b (treated after/before)
/// and c/d (controls after/before): SE² = 1/a + 1/b + 1/c + 1/d (Poisson counts).
fn log_ratio_of_ratios(a: u64, b: u64, c: u64, d: u64) -> (f64, f64) {
    let (a, b, c, d) = (a as f64, b as f64, c as f64, d as f64);
    (
        ((a / b) / (c / d)).ln(),
        (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt(),
    )
}

#[test]
fn programme_and_emerging_threat_are_visible_in_the_raw_data() {
    let g = g();
    let parents = district_parents(g);
    let clean = common::clean_offences(g);
    let occurred = |f: &Vec<String>| {
        day_of(dmy(if f[2].is_empty() { &f[3] } else { &f[2] }, '/').expect("date"))
    };

    let p = &truth()["effects"]["programme"];
    let codes: HashSet<&str> = p["national_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let treated: HashSet<&str> = p["treated_districts"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(treated.len(), 30);
    assert!(treated.iter().all(|d| parents.contains_key(*d)));
    let start = day_of(iso(p["start_date"].as_str().expect("date")).expect("ISO"));
    let mut c = [[0u64; 2]; 2];
    for f in clean.iter().filter(|f| codes.contains(f[5].as_str())) {
        c[treated.contains(f[4].as_str()) as usize][(occurred(f) >= start) as usize] += 1;
    }
    let (log, se) = log_ratio_of_ratios(c[1][1], c[1][0], c[0][1], c[0][0]);
    let injected = p["multiplier"].as_f64().expect("multiplier");
    assert_eq!(p["relative_change"].as_f64(), Some(-0.25));
    assert!(
        (log - injected.ln()).abs() < 4.0 * se,
        "burglary DiD {} vs {injected} (se {se})",
        log.exp()
    );
    assert!(log < -2.0 * se, "the reduction is detectable");

    let e = &truth()["effects"]["emerging_threat"];
    let code = e["national_code"].as_str().expect("code");
    let region = e["region"].as_str().expect("region");
    let start = day_of(iso(e["start_date"].as_str().expect("date")).expect("ISO"));
    let mut c = [[0u64; 2]; 2];
    for f in clean.iter().filter(|f| f[5] == code) {
        c[(parents[&f[4]] == region) as usize][(occurred(f) >= start) as usize] += 1;
    }
    let (log, se) = log_ratio_of_ratios(c[1][1], c[1][0], c[0][1], c[0][0]);
    let injected = e["multiplier"].as_f64().expect("multiplier");
    assert!(
        (log - injected.ln()).abs() < 4.0 * se,
        "emerging ratio {} vs {injected} (se {se})",
        log.exp()
    );
}

#[test]
fn weekday_pattern_and_recording_lag_show_in_the_raw_data() {
    let g = g();
    let clean = common::clean_offences(g);
    // Bodily harm (violence family): Saturday factor 1.35, Tuesday 0.80 before
    // normalising. 2019-01-01 was a Tuesday and the period has 2,192 days, so it
    // holds 314 Tuesdays and 313 Saturdays: expected ratio 1.6875 × 313/314 = 1.6821.
    let mut by_weekday = [0u64; 7];
    for f in clean
        .iter()
        .filter(|f| f[5] == "PC-122" && !f[2].is_empty())
    {
        // 1900-01-01 was a Monday.
        by_weekday[(day_of(dmy(&f[2], '/').expect("date")) % 7) as usize] += 1;
    }
    let ratio = by_weekday[5] as f64 / by_weekday[1] as f64;
    let se = ratio * (1.0 / by_weekday[5] as f64 + 1.0 / by_weekday[1] as f64).sqrt();
    assert!(
        (ratio - 1.6821).abs() < 4.0 * se,
        "Saturday/Tuesday {ratio} ± {se}"
    );

    // Recording lag of fraud (PC-251): P(lag ≥ 31 days) =
    //   0.35 · 0.75^31                      (geometric, mean 3: p = 1/4)      = 0.00005
    // + 0.40 · exp(−31/30)                  (exponential, mean 30)            = 0.14233
    // + 0.25 · Φ(ln(120/31) / 0.9) = 0.25 · Φ(1.50387) = 0.25 · 0.93369      = 0.23342
    //                                                                          = 0.37580.
    // Offences of 2019-2021 are all recorded by 2025 except a negligible tail.
    let mut late = 0u64;
    let mut all = 0u64;
    for f in clean
        .iter()
        .filter(|f| f[5] == "PC-251" && !f[2].is_empty())
    {
        let occ = dmy(&f[2], '/').expect("date");
        let lag = day_of(dmy(&f[3], '/').expect("date")) - day_of(occ);
        assert!(lag >= 0);
        if occ.0 <= 2021 {
            all += 1;
            late += (lag >= 31) as u64;
        }
    }
    let share = late as f64 / all as f64;
    let se = (0.37580 * (1.0 - 0.37580) / all as f64).sqrt();
    assert!(
        (share - 0.37580).abs() < 4.0 * se,
        "late fraud share {share} ± {se} of {all}"
    );
}

#[test]
fn reoffending_recomputed_from_court_and_prison_files_matches_truth() {
    let g = g();
    let codes = code_list(g);
    // Court rows, cleaned: valid dates, known codes, duplicates dropped.
    let court = g.bytes("court_decisions.csv");
    let mut seen = HashSet::new();
    let mut convictions: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    let mut index: HashMap<String, Vec<i64>> = HashMap::new();
    for line in data_lines(&court[3..]) {
        if !seen.insert(line) {
            continue;
        }
        let f: Vec<&str> = std::str::from_utf8(line)
            .expect("UTF-8")
            .split(',')
            .collect();
        let dates: Option<Vec<i64>> = [3, 4].iter().map(|i| iso(f[*i]).map(day_of)).collect();
        if dates.is_none() || !codes.contains_key(f[6]) || f[7] != "CONDAMNATION" {
            continue;
        }
        let Some(decided) = iso(f[5]).map(day_of) else {
            continue;
        };
        let offence = dates.expect("checked")[0];
        convictions
            .entry(f[1].to_string())
            .or_default()
            .push((offence, decided));
        if f[8] != "PRISON" {
            index.entry(f[1].to_string()).or_default().push(decided);
        }
    }
    let prison = String::from_utf8(g.bytes("prison_movements.csv")).expect("UTF-8");
    for line in data_lines(prison.as_bytes()) {
        let f: Vec<&str> = std::str::from_utf8(line)
            .expect("UTF-8")
            .split(';')
            .collect();
        if f[4] == "Abgang" && f[5] == "Strafhaft" {
            index
                .entry(f[0].to_string())
                .or_default()
                .push(day_of(dmy(f[3], '.').expect("date")));
        }
    }
    let r = &truth()["effects"]["reoffending"];
    let (follow, wait) = (
        r["follow_up_days"].as_i64().expect("days"),
        r["waiting_days"].as_i64().expect("days"),
    );
    let share = r["share"].as_f64().expect("share");
    let mut complete = 0;
    for cohort in r["cohorts"].as_array().expect("cohorts") {
        if cohort["complete"] != true {
            continue;
        }
        complete += 1;
        let year = cohort["year"].as_i64().expect("year") as i32;
        let (from, to) = (common::days(year, 1, 1), common::days(year, 12, 31));
        let mut persons = 0u64;
        let mut reoffenders = 0u64;
        for (id, events) in &index {
            let Some(first) = events
                .iter()
                .copied()
                .filter(|d| (from..=to).contains(d))
                .min()
            else {
                continue;
            };
            persons += 1;
            let proven = convictions.get(id).is_some_and(|c| {
                c.iter()
                    .any(|(o, d)| *o > first && *o <= first + follow && *d <= first + follow + wait)
            });
            reoffenders += proven as u64;
        }
        assert_eq!(
            persons,
            cohort["persons"].as_u64().expect("n"),
            "{year} cohort size"
        );
        assert_eq!(
            reoffenders,
            cohort["reoffenders"].as_u64().expect("n"),
            "{year} reoffenders"
        );
        let observed = reoffenders as f64 / persons as f64;
        let se = (share * (1.0 - share) / persons as f64).sqrt();
        assert!(
            (observed - share).abs() < 4.0 * se,
            "{year}: {observed} vs {share}"
        );
    }
    assert_eq!(
        complete, 4,
        "2019-2022 have their 18 months of follow-up before the extraction"
    );
}

#[test]
fn prison_stock_recomputed_from_movements_matches_truth() {
    let g = g();
    let prison = String::from_utf8(g.bytes("prison_movements.csv")).expect("UTF-8");
    let mut seen = HashSet::new();
    let mut moves: Vec<(i64, String, String, String)> = Vec::new();
    for line in data_lines(prison.as_bytes()) {
        if !seen.insert(line) {
            continue;
        }
        let f: Vec<&str> = std::str::from_utf8(line)
            .expect("UTF-8")
            .split(';')
            .collect();
        moves.push((
            day_of(dmy(f[3], '.').expect("date")),
            f[0].to_string(),
            f[4].to_string(),
            f[5].to_string(),
        ));
    }
    for entry in truth()["prison"]["stock"].as_array().expect("stock") {
        let day = day_of(iso(entry["date"].as_str().expect("date")).expect("ISO"));
        let mut held: HashMap<&str, &str> = HashMap::new();
        for (_, id, movement, status) in moves.iter().filter(|m| m.0 <= day) {
            if movement == "Abgang" {
                held.remove(id.as_str());
            } else {
                held.insert(id, status);
            }
        }
        let unsentenced = held.values().filter(|s| **s == "U-Haft").count() as u64;
        let sentenced = held.values().filter(|s| **s == "Strafhaft").count() as u64;
        assert_eq!(
            unsentenced,
            entry["unsentenced"].as_u64().expect("n"),
            "{}",
            entry["date"]
        );
        assert_eq!(
            sentenced,
            entry["sentenced"].as_u64().expect("n"),
            "{}",
            entry["date"]
        );
        // Pretrial detainees are a fifth to a third of prisoners in Europe (UNODC data portal, SDG 16.3.2).
        let share = unsentenced as f64 / (unsentenced + sentenced) as f64;
        assert!((0.15..0.35).contains(&share), "{share}");
    }
    // Capacities in the facility file are those in truth.
    let facilities = String::from_utf8(g.bytes("prison_facilities.csv")).expect("UTF-8");
    let rows: Vec<Vec<String>> = data_lines(facilities.as_bytes())
        .into_iter()
        .map(|l| {
            std::str::from_utf8(l)
                .expect("UTF-8")
                .split(';')
                .map(String::from)
                .collect()
        })
        .collect();
    let listed = truth()["prison"]["facilities"]
        .as_array()
        .expect("facilities");
    assert_eq!(rows.len(), listed.len());
    for (row, entry) in rows.iter().zip(listed) {
        assert_eq!(row[0], entry["id"].as_str().expect("id"));
        assert_eq!(row[3].parse::<u64>().ok(), entry["capacity"].as_u64());
    }
}

#[test]
fn public_code_list_matches_the_written_true_table() {
    let table = correspondence(&g().path("truth/correspondence_true.csv"));
    let api = evident_synthetic::true_correspondence();
    assert_eq!(api.len(), table.len());
    for (a, row) in api.iter().zip(&table) {
        assert_eq!(
            (a.national_code, a.iccs_code, a.condition.as_str()),
            (row.code.as_str(), row.iccs.as_str(), row.condition.as_str())
        );
    }
    let shipped = correspondence(&g().path("correspondence.csv"));
    assert_eq!(
        api.iter().filter(|r| r.in_shipped_table).count(),
        shipped.len()
    );
}

#[test]
fn truth_lists_every_parameter_the_later_stages_need() {
    let t = truth();
    for path in [
        "/effects/programme/iccs_code",
        "/effects/programme/start_date",
        "/effects/programme/relative_change",
        "/effects/emerging_threat/national_code",
        "/effects/emerging_threat/region",
        "/effects/emerging_threat/start_month",
        "/effects/emerging_threat/multiplier",
        "/effects/reoffending/share",
        "/families/burglary/seasonal_amplitude",
        "/families/burglary/peak_month",
        "/families/violence/weekday_factors_mon_to_sun",
        "/families/fraud/trend_per_year",
        "/families/fraud/recording_lag/long_median",
        "/period/extraction_date",
        "/codes/by_code/PC-111/justice/severity_weight_months",
        "/codes/by_code/PC-111/justice/sentence_mix/custody",
        "/prison/stock/0/unsentenced_share",
        "/prison/facilities/0/capacity",
        "/victims/trafficking_by_form/sexual/victims",
        "/victims/intentional_homicide/by_occupation/journalist",
        "/recodings/prison_status/U-Haft",
    ] {
        assert!(t.pointer(path).is_some(), "truth.json lacks {path}");
    }
    // Severity weight = custody share × mean custodial months: murder 0.97 × 150 · exp(0.35²/2).
    let w = t
        .pointer("/codes/by_code/PC-111/justice/severity_weight_months")
        .and_then(|v| v.as_f64())
        .expect("weight");
    assert!(
        (w - 0.97 * 150.0 * (0.35f64 * 0.35 / 2.0).exp()).abs() < 1e-4,
        "{w}"
    );
    // The programme's codes all map inside burglary (0501) in the true table.
    let table = correspondence(&g().path("truth/correspondence_true.csv"));
    for code in t["effects"]["programme"]["national_codes"]
        .as_array()
        .expect("codes")
    {
        let code = code.as_str().expect("code");
        assert!(
            table
                .iter()
                .filter(|r| r.code == code)
                .all(|r| r.iccs.starts_with("0501")),
            "{code}"
        );
    }
}
