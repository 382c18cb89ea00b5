//! End to end: the engine computes the standard set of the tiny country and
//! the release builder publishes it. The country is so small that nearly
//! every count is withheld, which is what these tests look at: withheld cells
//! must be withheld in every table and every file that shows them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{Obs, read_csv, row, sdmx_csv, sdmx_json, sdmx_xml, settings};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use evident_release::{Dictionary, publish, verify};

fn dictionary(dir: &Path) -> Dictionary {
    serde_json::from_slice(&std::fs::read(dir.join("data/dictionary.json")).unwrap()).unwrap()
}

/// A Parquet table as rows of column → text, formatted like the CSV file.
fn read_parquet(path: &Path) -> Vec<BTreeMap<String, String>> {
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for i in 0..batch.num_rows() {
            let mut row = BTreeMap::new();
            for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
                let text = if array.is_null(i) {
                    String::new()
                } else {
                    match field.data_type() {
                        DataType::Utf8 => array.as_string::<i32>().value(i).to_owned(),
                        DataType::Int64 => array.as_primitive::<Int64Type>().value(i).to_string(),
                        DataType::Float64 => {
                            format!("{:?}", array.as_primitive::<Float64Type>().value(i))
                        }
                        other => panic!("unexpected type {other}"),
                    }
                };
                row.insert(field.name().clone(), text);
            }
            rows.push(row);
        }
    }
    rows
}

/// Numbers as the same double, whatever the text.
fn same(a: &str, b: &str) -> bool {
    a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

#[tokio::test]
async fn the_tiny_country_is_published_consistently_in_every_file() {
    // EVIDENT_RELEASE_KEEP_DIR=dir keeps the computed tables and the release there.
    let temp = tempfile::tempdir().unwrap();
    let work = match std::env::var_os("EVIDENT_RELEASE_KEEP_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => temp.path().to_owned(),
    };
    let _ = std::fs::remove_dir_all(work.join("releases"));
    let _ = std::fs::remove_dir_all(work.join("again"));
    let tables = crate::tiny::standard_tables(&work).await;
    for table in &tables {
        table.write(&work.join("tables")).unwrap();
    }
    assert_eq!(
        tables.len(),
        12,
        "the standard set with the severity weights"
    );
    let out = work.join("releases");
    let published = publish(&tables, &settings("TINY_2023"), None, &out).unwrap();
    let dir = &published.dir;
    let check = verify(dir).unwrap();
    assert!(check.is_intact(), "{:?}", check.problems);
    let dictionary = dictionary(dir);
    assert_eq!(dictionary.tables.len(), 12);

    let mut withheld_rows = 0;
    for table in &dictionary.tables {
        let csv = read_csv(&dir.join(&table.csv));
        assert_eq!(csv.len(), table.rows, "{}", table.indicator);
        // Parquet and CSV hold the same values, nulls where the CSV is empty.
        let parquet = read_parquet(&dir.join(&table.parquet));
        assert_eq!(parquet.len(), csv.len(), "{}", table.indicator);
        for (p, c) in parquet.iter().zip(&csv) {
            assert_eq!(p.keys().collect::<Vec<_>>(), c.keys().collect::<Vec<_>>());
            for (column, value) in c {
                assert!(
                    same(&p[column], value),
                    "{} {column}: {} vs {value}",
                    table.indicator,
                    p[column]
                );
            }
        }
        // A row's status says whether its counts are withheld, and a withheld
        // count has no value; derived values of withheld counts are empty too.
        let counts: Vec<&str> = table
            .columns
            .iter()
            .filter(|c| c.role == "count")
            .map(|c| c.name.as_str())
            .collect();
        for r in &csv {
            let empty = counts.iter().filter(|c| r[**c].is_empty()).count();
            match (r["obs_status"].as_str(), r["conf_status"].as_str()) {
                ("A", "F") => assert_eq!(empty, 0, "{}: {r:?}", table.indicator),
                ("Q", "C" | "D") => {
                    withheld_rows += 1;
                    assert!(empty > 0, "{}: {r:?}", table.indicator);
                    // Rows added for withheld zeros and the engine's withheld rows
                    // look alike: no public value, no label only the engine knows.
                    for c in &table.columns {
                        let hidden = c.role == "public"
                            || (c.role == "label"
                                && !["freq", "counting_unit"].contains(&c.name.as_str()));
                        if hidden {
                            assert_eq!(r[&c.name], "", "{} {}", table.indicator, c.name);
                        }
                    }
                    for c in table.columns.iter().filter(|c| c.role == "derived") {
                        if c.derived_from
                            .iter()
                            .all(|input| counts.contains(&input.as_str()) && r[input].is_empty())
                        {
                            assert_eq!(r[&c.name], "", "{} {}", table.indicator, c.name);
                        }
                    }
                }
                other => panic!("{}: status {other:?}", table.indicator),
            }
            assert!(!r.contains_key("contributors"));
        }
    }
    assert!(withheld_rows > 0);

    // One cell, two tables: the male homicide victim of 2021 in region R1 is
    // one person, withheld as primary in `victims` and in `sdg_16_1_1`.
    let victims = read_csv(&dir.join("data/victims.csv"));
    let sdg = read_csv(&dir.join("data/sdg_16_1_1.csv"));
    let v = row(
        &victims,
        &[
            ("iccs", "0101"),
            ("area", "R1"),
            ("period", "2021"),
            ("sex", "M"),
        ],
    );
    let s = row(
        &sdg,
        &[
            ("area", "R1"),
            ("period", "2021"),
            ("sex", "M"),
            ("age", "_T"),
        ],
    );
    for r in [v, s] {
        assert_eq!(
            (r["victims"].as_str(), r["rate_per_100k"].as_str()),
            ("", "")
        );
        assert_eq!(
            (r["obs_status"].as_str(), r["conf_status"].as_str()),
            ("Q", "C")
        );
    }
    // Every homicide cell both tables show has the same value and status.
    for s in sdg.iter().filter(|r| r["age"] == "_T") {
        let key = [
            ("iccs", "0101"),
            ("area", s["area"].as_str()),
            ("period", s["period"].as_str()),
            ("sex", s["sex"].as_str()),
        ];
        if let Some(v) = victims
            .iter()
            .find(|r| key.iter().all(|(c, x)| r[*c] == *x))
        {
            assert_eq!(
                (&v["victims"], &v["conf_status"]),
                (&s["victims"], &s["conf_status"]),
                "{key:?}"
            );
        }
    }
    // Persons held appear in two tables: identical.
    let held = read_csv(&dir.join("data/sdg_16_3_2.csv"));
    let occupancy = read_csv(&dir.join("data/prison_occupancy.csv"));
    assert_eq!(held.len(), occupancy.len());
    for (a, b) in held.iter().zip(&occupancy) {
        for c in [
            "area",
            "period",
            "held",
            "unsentenced",
            "obs_status",
            "conf_status",
        ] {
            assert_eq!(a[c], b[c], "{c}");
        }
    }
    // The journalist killed in 2022 is one person: withheld.
    let defenders = read_csv(&dir.join("data/sdg_16_10_1.csv"));
    let j = row(
        &defenders,
        &[
            ("period", "2022"),
            ("sex", "F"),
            ("occupation", "journalist"),
        ],
    );
    assert_eq!(
        (j["victims"].as_str(), j["conf_status"].as_str()),
        ("", "C")
    );

    // SDMX: three formats, the same observations; a withheld one has no value.
    let observations = sdmx_csv(&dir.join("sdmx/data.csv"));
    assert_eq!(observations, sdmx_xml(&dir.join("sdmx/data.xml")));
    assert_eq!(observations, sdmx_json(&dir.join("sdmx/data.json")));
    for o in &observations {
        match o.attributes["OBS_STATUS"].as_str() {
            "Q" => {
                assert_eq!(o.value, None, "{o:?}");
                assert!(!o.attributes.contains_key("LOWER_BOUND"));
            }
            "A" => assert!(o.value.is_some(), "{o:?}"),
            "O" => assert_eq!(o.value, None),
            other => panic!("status {other}"),
        }
    }
    let find = |series: &str, key: &[(&str, &str)]| -> &Obs {
        observations
            .iter()
            .find(|o| o.key["SERIES"] == series && key.iter().all(|(d, c)| o.key[*d] == *c))
            .unwrap_or_else(|| panic!("{series} {key:?}"))
    };
    // The same homicide cell in SDMX, under Evident's and the SDG's series code.
    let cell = [
        ("ICCS", "0101"),
        ("REF_AREA", "R1"),
        ("SEX", "M"),
        ("AGE", "_T"),
        ("TIME_PERIOD", "2021"),
    ];
    for series in ["VICTIMS", "VC_IHR_PSRCN", "VICTIMS_RATE", "VC_IHR_PSRC"] {
        let o = find(series, &cell);
        assert_eq!(
            (o.value.as_deref(), o.attributes["CONF_STATUS"].as_str()),
            (None, "C"),
            "{series}"
        );
    }
    // Unmapped offences are ICCS `_X` in SDMX.
    find(
        "OFFENCES",
        &[("ICCS", "_X"), ("REF_AREA", "_T"), ("TIME_PERIOD", "2021")],
    );

    // The same tables give the same bytes.
    let again = publish(&tables, &settings("TINY_2023"), None, &work.join("again")).unwrap();
    let (a, b) = (crate::common::files(dir), crate::common::files(&again.dir));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between two builds");
    }
}
