//! A hand-worked release: one sensitive cell in a two-way table, followed
//! through every file the release writes.

use std::collections::BTreeMap;

use crate::common::{OFFENCES, Obs, read_csv, row, sdmx_csv, sdmx_json, sdmx_xml, settings};
use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use evident_release::{Control, ReleaseError, publish, table_from_csv, verify};

const WITHHELD: [(&str, &str, &str); 4] = [
    ("01", "R1", "C"),
    ("01", "R2", "D"),
    ("02", "R1", "D"),
    ("02", "R2", "D"),
];

fn key<'a>(iccs: &'a str, area: &'a str) -> [(&'static str, &'a str); 2] {
    [("iccs", iccs), ("area", area)]
}

#[test]
fn the_hand_worked_pattern_reaches_every_file() {
    let out = tempfile::tempdir().unwrap();
    let tables = [table_from_csv("offences", OFFENCES).unwrap()];
    let published = publish(&tables, &settings("REL_HAND"), None, out.path()).unwrap();
    let dir = &published.dir;
    assert_eq!(dir, &out.path().join("REL_HAND"));

    // data/offences.csv: the withheld cells are empty, with their rates.
    let rows = read_csv(&dir.join("data/offences.csv"));
    assert_eq!(rows.len(), 9);
    assert!(
        !rows[0].contains_key("contributors"),
        "persons behind a count are not published"
    );
    for (iccs, area, conf) in WITHHELD {
        let r = row(&rows, &key(iccs, area));
        for column in ["offences", "rate_per_100k", "rate_lower", "rate_upper"] {
            assert_eq!(r[column], "", "{iccs} {area} {column}");
        }
        assert_eq!(
            (r["obs_status"].as_str(), r["conf_status"].as_str()),
            ("Q", conf)
        );
        // Public, but empty in every withheld row: a row added for a withheld
        // zero has no population, and must not stand out.
        assert_eq!(r["population"], "");
    }
    for (iccs, area, count, rate) in [
        ("_T", "_T", "30", "300"),
        ("01", "_T", "10", "100"),
        ("_T", "R1", "9", "225"),
        ("02", "_T", "20", "200"),
    ] {
        let r = row(&rows, &key(iccs, area));
        assert_eq!(
            (r["offences"].as_str(), r["rate_per_100k"].as_str()),
            (count, rate)
        );
        assert_eq!(
            (r["obs_status"].as_str(), r["conf_status"].as_str()),
            ("A", "F")
        );
    }

    // data/offences.parquet: the same values and nulls, read with Arrow.
    let file = std::fs::File::open(dir.join("data/offences.parquet")).unwrap();
    let batches: Vec<_> =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .map(|b| b.unwrap())
            .collect();
    let batch = &batches[0];
    let text = |name: &str| {
        batch
            .column_by_name(name)
            .unwrap()
            .as_string::<i32>()
            .clone()
    };
    let (iccs, area, conf) = (text("iccs"), text("area"), text("conf_status"));
    let offences = batch
        .column_by_name("offences")
        .unwrap()
        .as_primitive::<Int64Type>()
        .clone();
    assert_eq!(batch.num_rows(), 9);
    for i in 0..batch.num_rows() {
        let withheld = WITHHELD
            .iter()
            .find(|(c, a, _)| *c == iccs.value(i) && *a == area.value(i));
        match withheld {
            Some((_, _, status)) => {
                assert!(offences.is_null(i));
                assert_eq!(conf.value(i), *status);
            }
            None => {
                let csv = row(&rows, &key(iccs.value(i), area.value(i)));
                assert_eq!(offences.value(i).to_string(), csv["offences"]);
                assert_eq!(conf.value(i), "F");
            }
        }
    }

    // SDMX: the three data formats carry the same observations; withheld ones
    // have statuses and no value, and their rate no bounds.
    let from_csv = sdmx_csv(&dir.join("sdmx/data.csv"));
    assert_eq!(from_csv, sdmx_xml(&dir.join("sdmx/data.xml")));
    assert_eq!(from_csv, sdmx_json(&dir.join("sdmx/data.json")));
    assert_eq!(from_csv.len(), 18, "9 counts and 9 rates");
    let find = |series: &str, iccs: &str, area: &str| -> &Obs {
        from_csv
            .iter()
            .find(|o| {
                o.key["SERIES"] == series && o.key["ICCS"] == iccs && o.key["REF_AREA"] == area
            })
            .unwrap_or_else(|| panic!("{series} {iccs} {area}"))
    };
    for (iccs, area, conf) in WITHHELD {
        for series in ["OFFENCES", "OFFENCES_RATE"] {
            let o = find(series, iccs, area);
            assert_eq!(o.value, None);
            assert_eq!(o.attributes["OBS_STATUS"], "Q");
            assert_eq!(o.attributes["CONF_STATUS"], conf);
            assert!(!o.attributes.contains_key("LOWER_BOUND"));
        }
    }
    let total = find("OFFENCES_RATE", "_T", "_T");
    assert_eq!(total.value.as_deref(), Some("300.0"));
    assert_eq!(total.attributes["LOWER_BOUND"], "202.4");
    assert_eq!(total.key["TIME_PERIOD"], "2021");
    assert_eq!(total.key["FREQ"], "A");

    // The report counts what anyone can count in the files.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("disclosure/report.json")).unwrap())
            .unwrap();
    let t = &report["tables"][0];
    assert_eq!(
        (
            t["values"].as_u64(),
            t["primary"].as_u64(),
            t["secondary"].as_u64()
        ),
        (Some(9), Some(1), Some(3))
    );
    assert_eq!(
        t["derived_withheld"].as_u64(),
        Some(12),
        "three rate columns of four rows"
    );
    assert!((t["withheld_share"].as_f64().unwrap() - 4.0 / 9.0).abs() < 1e-12);
    let audit = std::fs::read_to_string(dir.join("disclosure/audit.json")).unwrap();
    assert!(audit.contains("\"passed\": true"));
    // No true value of a withheld cell is written anywhere: (02,R2) = 12 is the only
    // cell of value 12, and 12 appears in no file of the release except as part of
    // other numbers and the population of R2 (6000 does not contain "12").
    let csv_text = std::fs::read_to_string(dir.join("data/offences.csv")).unwrap();
    assert!(!csv_text.split([',', '\n']).any(|f| f == "12"));

    // Manifest: every file with its size and SHA-256, and nothing else.
    let check = verify(dir).unwrap();
    assert!(check.is_intact(), "{:?}", check.problems);
    let listed: Vec<&str> = check
        .manifest
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    for expected in [
        "README.md",
        "data/dictionary.json",
        "data/offences.csv",
        "data/offences.parquet",
        "disclosure/audit.json",
        "disclosure/report.json",
        "sdmx/data.csv",
        "sdmx/data.json",
        "sdmx/data.xml",
        "sdmx/structure.xml",
    ] {
        assert!(listed.contains(&expected), "{expected} not in the manifest");
    }
    // The SHA-256 of the CSV file, computed here independently of the crate.
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(
        std::fs::read(dir.join("data/offences.csv")).unwrap(),
    ));
    assert_eq!(
        check
            .manifest
            .files
            .iter()
            .find(|f| f.path == "data/offences.csv")
            .unwrap()
            .sha256,
        digest
    );
    // A changed byte is found.
    std::fs::write(
        dir.join("data/offences.csv"),
        csv_text.replace("300", "301"),
    )
    .unwrap();
    let check = verify(dir).unwrap();
    assert_eq!(
        check.problems,
        ["data/offences.csv: SHA-256 differs from the manifest"]
    );
}

#[test]
fn the_same_inputs_give_the_same_bytes_and_an_id_is_published_once() {
    let tables = [table_from_csv("offences", OFFENCES).unwrap()];
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    publish(&tables, &settings("REL_SAME"), None, a.path()).unwrap();
    publish(&tables, &settings("REL_SAME"), None, b.path()).unwrap();
    let (fa, fb) = (
        crate::common::files(&a.path().join("REL_SAME")),
        crate::common::files(&b.path().join("REL_SAME")),
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(bytes == &fb[path], "{path} differs");
    }
    // Publishing the id again is refused and changes nothing.
    let before = crate::common::files(&a.path().join("REL_SAME"));
    match publish(&tables, &settings("REL_SAME"), None, a.path()) {
        Err(ReleaseError::AlreadyExists { id, .. }) => assert_eq!(id, "REL_SAME"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(before, crate::common::files(&a.path().join("REL_SAME")));
    assert_eq!(
        std::fs::read_dir(a.path()).unwrap().count(),
        1,
        "no partial directory left"
    );
}

/// The previous release published (R1, February) = 3 offences, three persons
/// behind them. The revision counts the same 3 offences but finds that two of
/// the records are the same person: 2 persons, below the threshold. The value
/// is already public, so no pattern can protect it: the revision fails, and
/// nothing of it is written.
#[test]
fn a_release_that_cannot_be_protected_writes_nothing() {
    let table = |persons: u32| {
        table_from_csv(
            "offences",
            &format!(
                "area,area_level,period,freq,offences,contributors
                 _T,0,2021,A,33,33
                 _T,0,2021-01,M,18,18
                 _T,0,2021-02,M,15,15
                 R1,1,2021,A,11,11
                 R1,1,2021-01,M,8,8
                 R1,1,2021-02,M,3,{persons}
                 R2,1,2021,A,22,22
                 R2,1,2021-01,M,10,10
                 R2,1,2021-02,M,12,12"
            ),
        )
        .unwrap()
    };
    let out = tempfile::tempdir().unwrap();
    let before = [table(3)];
    let first = publish(&before, &settings("REL_1"), None, out.path()).unwrap();
    let rows = read_csv(&first.dir.join("data/offences.csv"));
    assert_eq!(
        row(&rows, &[("area", "R1"), ("period", "2021-02")])["offences"],
        "3"
    );

    let after = [table(2)];
    let previous = evident_release::Previous {
        dir: &first.dir,
        tables: &before,
    };
    match publish(&after, &settings("REL_2"), Some(&previous), out.path()) {
        Err(ReleaseError::CannotProtect { group, cells }) => {
            assert_eq!(group, "offences");
            assert!(
                cells.iter().any(|c| c[..3] == ["_T", "R1", "2021-02"]),
                "{cells:?}"
            );
        }
        other => panic!("expected CannotProtect, got {other:?}"),
    }
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["REL_1"]);
    // Without the earlier release the same tables would be published: the
    // refusal comes from the joint audit.
    assert!(publish(&after, &settings("REL_2"), None, out.path()).is_ok());
}

#[test]
fn a_column_without_a_layout_is_refused() {
    let mut table = table_from_csv("offences", OFFENCES).unwrap();
    table.columns.push(evident_engine::Column {
        name: "median_age".to_owned(),
        values: evident_engine::Values::Float(vec![Some(30.0); table.rows()]),
    });
    let out = tempfile::tempdir().unwrap();
    let error = publish(&[table], &settings("REL_X"), None, out.path()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"median_age\" is not in the publication layout"),
        "{error}"
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn two_tables_that_disagree_on_a_shared_cell_are_refused() {
    let offences = table_from_csv("offences", OFFENCES).unwrap();
    // The justice chain says 11 offences of section 01 where the offences table says 10.
    let chain = table_from_csv(
        "justice_chain",
        "iccs,iccs_level,period,freq,stage,counting_unit,count,contributors,pct_of_previous_stage
         _T,0,2021,A,recorded,offence,31,31,
         01,1,2021,A,recorded,offence,11,11,
         02,1,2021,A,recorded,offence,20,20,",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    match publish(&[offences, chain], &settings("REL_X"), None, out.path()) {
        Err(ReleaseError::Disagree {
            first,
            second,
            first_count,
            second_count,
            ..
        }) => {
            assert_eq!(
                (first.as_str(), second.as_str()),
                ("offences", "justice_chain")
            );
            assert_eq!((first_count, second_count), (30, 31));
        }
        other => panic!("expected Disagree, got {other:?}"),
    }
}

/// Random rounding to base 5: every count is a multiple of 5 within 4 of the
/// true count, and each rate is recomputed from the rounded count (a rate from
/// the true count would give it back): rate = rounded × 100,000 / population.
#[test]
fn rounding_publishes_multiples_of_the_base_and_rates_from_them() {
    let tables = [table_from_csv("offences", OFFENCES).unwrap()];
    let out = tempfile::tempdir().unwrap();
    let mut s = settings("REL_ROUND");
    s.control = Control::RandomRounding {
        base: 5,
        seed: 2025,
    };
    let published = publish(&tables, &s, None, out.path()).unwrap();
    let rows = read_csv(&published.dir.join("data/offences.csv"));
    let truth: BTreeMap<(String, String), u64> = read_csv_text(OFFENCES)
        .into_iter()
        .map(|r| {
            (
                (r["iccs"].clone(), r["area"].clone()),
                r["offences"].parse().unwrap(),
            )
        })
        .collect();
    for r in &rows {
        let rounded: u64 = r["offences"].parse().unwrap();
        let true_count = truth[&(r["iccs"].clone(), r["area"].clone())];
        assert_eq!(rounded % 5, 0);
        assert!(
            rounded.abs_diff(true_count) < 5,
            "{true_count} -> {rounded}"
        );
        let population: f64 = r["population"].parse().unwrap();
        let rate: f64 = r["rate_per_100k"].parse().unwrap();
        assert!((rate - rounded as f64 * 100_000.0 / population).abs() < 1e-9);
        // Garwood's lower limit is 0 for a count of 0 and positive otherwise.
        let lower: f64 = r["rate_lower"].parse().unwrap();
        assert_eq!(lower == 0.0, rounded == 0);
        assert_eq!(
            (r["obs_status"].as_str(), r["conf_status"].as_str()),
            ("A", "F")
        );
    }
    // Multiples of the base stay as they are: 30, 10, 20.
    assert_eq!(row(&rows, &key("_T", "_T"))["offences"], "30");
    assert_eq!(row(&rows, &key("01", "_T"))["offences"], "10");
}

fn read_csv_text(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// Victim-identifying cells have the stricter threshold (5 persons): four
/// victims of a sexual offence, or four victims under 15, are withheld as
/// primary (C), while four victims of a burglary, or aged 15 to 29, are not
/// (they are withheld only as partners of the others, D).
#[test]
fn victim_identifying_cells_have_the_stricter_threshold() {
    let offences = table_from_csv(
        "offences",
        "iccs,iccs_level,period,freq,offences,contributors
         _T,0,2021,A,48,48
         03,1,2021,A,4,4
         05,1,2021,A,4,4
         07,1,2021,A,40,40",
    )
    .unwrap();
    let victims = table_from_csv(
        "victims",
        "iccs,iccs_level,period,freq,age,victims,contributors
         05,1,2021,A,_T,48,48
         05,1,2021,A,Y0T14,4,4
         05,1,2021,A,Y15T29,4,4
         05,1,2021,A,Y30T44,40,40",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let published = publish(
        &[offences, victims],
        &settings("REL_VICTIMS"),
        None,
        out.path(),
    )
    .unwrap();
    let offences = read_csv(&published.dir.join("data/offences.csv"));
    assert_eq!(row(&offences, &[("iccs", "03")])["conf_status"], "C");
    assert_eq!(row(&offences, &[("iccs", "05")])["conf_status"], "D");
    assert_eq!(row(&offences, &[("iccs", "07")])["conf_status"], "F");
    let victims = read_csv(&published.dir.join("data/victims.csv"));
    assert_eq!(row(&victims, &[("age", "Y0T14")])["conf_status"], "C");
    assert_eq!(row(&victims, &[("age", "Y15T29")])["conf_status"], "D");
    assert_eq!(row(&victims, &[("age", "Y30T44")])["conf_status"], "F");
}

/// The engine leaves out a year whose data are not complete but keeps its
/// months: the months then stand on their own, with no year above them, and
/// their zeros are still filled in (here district D11 in February), so that
/// the regions add up.
#[test]
fn months_without_their_year_still_add_up() {
    let table = table_from_csv(
        "offences",
        "area,area_level,period,freq,offences,contributors
         _T,0,2021,A,40,40
         _T,0,2021-12,M,40,40
         _T,0,2022-01,M,25,25
         _T,0,2022-02,M,12,12
         R1,1,2021,A,40,40
         R1,1,2021-12,M,40,40
         R1,1,2022-01,M,25,25
         R1,1,2022-02,M,12,12
         D11,2,2021,A,20,20
         D11,2,2021-12,M,20,20
         D11,2,2022-01,M,10,10
         D12,2,2021,A,20,20
         D12,2,2021-12,M,20,20
         D12,2,2022-01,M,15,15
         D12,2,2022-02,M,12,12",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let published = publish(&[table], &settings("REL_MONTHS"), None, out.path()).unwrap();
    let rows = read_csv(&published.dir.join("data/offences.csv"));
    // Nothing is sensitive: every row published, and no zero row added.
    assert_eq!(rows.len(), 15);
    assert!(rows.iter().all(|r| r["conf_status"] == "F"));
}
