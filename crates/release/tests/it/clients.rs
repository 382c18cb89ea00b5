//! Independent clients read releases: sdmx1 reads the SDMX-ML and SDMX-JSON
//! data with the release's own structure message, pandas the SDMX-CSV file and
//! every table's CSV file, pyarrow every Parquet file (`read_release.py`).
//!
//! The interpreter is `EVIDENT_PYTHON` (default `python3`) with
//! `scripts/requirements-test.txt` installed; a missing interpreter or package
//! fails the test with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use evident_release::{publish, table_from_csv};
use serde_json::Value;

fn run(release: &Path) -> Value {
    let program = std::env::var("EVIDENT_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/read_release.py");
    let output = Command::new(&program)
        .arg(&script)
        .arg(release)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{program}` (set EVIDENT_PYTHON to the interpreter to use): {e}")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "read_release.py failed ({}) under `{program}`:\n{stderr}",
        output.status
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}); stderr:\n{stderr}"))
}

/// Observations as comparable strings: key, value, statuses.
fn observations(read: &Value, client: &str) -> Vec<String> {
    let mut out: Vec<String> = read[client]
        .as_array()
        .unwrap_or_else(|| panic!("{client} missing"))
        .iter()
        .map(|o| {
            let key: BTreeMap<&str, &str> = o["key"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            let key: Vec<String> = [
                "FREQ",
                "SERIES",
                "ICCS",
                "REF_AREA",
                "SEX",
                "AGE",
                "TIME_PERIOD",
            ]
            .iter()
            .map(|d| key.get(d).copied().unwrap_or("?").to_owned())
            .collect();
            format!(
                "{} = {} {}/{}",
                key.join("."),
                o["value"].as_str().unwrap_or("-"),
                o["status"][0].as_str().unwrap_or("?"),
                o["status"][1].as_str().unwrap_or("?")
            )
        })
        .collect();
    out.sort();
    out
}

fn check_clients_agree(read: &Value) -> Vec<String> {
    let xml = observations(read, "sdmx1_xml");
    assert_eq!(
        xml,
        observations(read, "sdmx1_json"),
        "sdmx1: SDMX-ML and SDMX-JSON differ"
    );
    assert_eq!(
        xml,
        observations(read, "pandas_csv"),
        "sdmx1's SDMX-ML and pandas' SDMX-CSV differ"
    );
    for o in &xml {
        if o.contains(" Q/") {
            assert!(
                o.contains(" = - Q/"),
                "a withheld observation has a value: {o}"
            );
        }
    }
    for (table, t) in read["tables"].as_object().unwrap() {
        assert_eq!(t["rows"], t["parquet_rows"], "{table}");
        assert_eq!(
            t["mismatches"].as_array().map(Vec::len),
            Some(0),
            "{table}: {}",
            t["mismatches"]
        );
    }
    xml
}

#[test]
fn sdmx1_pandas_and_pyarrow_read_the_hand_worked_release() {
    let out = tempfile::tempdir().unwrap();
    let tables = [table_from_csv("offences", crate::common::OFFENCES).unwrap()];
    let published = publish(
        &tables,
        &crate::common::settings("REL_HAND"),
        None,
        out.path(),
    )
    .unwrap();
    let read = run(&published.dir);
    let seen = check_clients_agree(&read);
    // The hand-worked pattern of tests/hand.rs: four inner cells withheld, (01,R1)
    // as primary; the totals published with their rates.
    let mut expected: Vec<String> = Vec::new();
    for (iccs, area, count, rate) in [
        ("_T", "_T", "30.0", "300.0"),
        ("_T", "R1", "9.0", "225.0"),
        ("_T", "R2", "21.0", "350.0"),
        ("01", "_T", "10.0", "100.0"),
        ("02", "_T", "20.0", "200.0"),
    ] {
        expected.push(format!("A.OFFENCES.{iccs}.{area}._T._T.2021 = {count} A/F"));
        expected.push(format!(
            "A.OFFENCES_RATE.{iccs}.{area}._T._T.2021 = {rate} A/F"
        ));
    }
    for (iccs, area, conf) in [
        ("01", "R1", "C"),
        ("01", "R2", "D"),
        ("02", "R1", "D"),
        ("02", "R2", "D"),
    ] {
        for series in ["OFFENCES", "OFFENCES_RATE"] {
            expected.push(format!("A.{series}.{iccs}.{area}._T._T.2021 = - Q/{conf}"));
        }
    }
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn sdmx1_pandas_and_pyarrow_read_the_tiny_country_release() {
    let work = tempfile::tempdir().unwrap();
    let tables = crate::tiny::standard_tables(work.path()).await;
    let published = publish(
        &tables,
        &crate::common::settings("TINY"),
        None,
        &work.path().join("out"),
    )
    .unwrap();
    let read = run(&published.dir);
    let seen = check_clients_agree(&read);
    assert!(seen.len() > 500, "{} observations", seen.len());
    // Unmapped offences under ICCS _X and SDG series under their SDG codes; the
    // ICCS codelist has the total, the 320 ICCS categories and _X (the standard
    // breakdown stops at divisions, where the tiny country has no _NFS code).
    assert!(
        seen.iter()
            .any(|o| o.starts_with("A.OFFENCES._X._T._T._T.2021"))
    );
    assert!(
        seen.iter()
            .any(|o| o.starts_with("A.VC_IHR_PSRCN.0101.R1.M._T.2021 = - Q/C"))
    );
    assert_eq!(read["iccs_codes"], 322);
}

/// At ICCS level 3 the burglary coded only `0501` is `0501_NFS` ("burglary,
/// not further specified") and the theft coded only `0502` is `0502_NFS`
/// (both divisions have groups; homicide, 0101, has none and stays 0101).
/// The release adds the two codes to the SDMX codelist: 1 total + 320 ICCS
/// categories + `_X` + 2 = 324 codes, and sdmx1 reads the data with them.
#[tokio::test]
async fn a_not_further_specified_code_is_in_the_sdmx_codelist() {
    let work = tempfile::tempdir().unwrap();
    let tables = crate::tiny::tables(work.path(), &["offences"], Some("iccs:3,period:year")).await;
    let published = publish(
        &tables,
        &crate::common::settings("TINY_L3"),
        None,
        &work.path().join("out"),
    )
    .unwrap();
    let read = run(&published.dir);
    let seen = check_clients_agree(&read);
    assert_eq!(read["iccs_codes"], 324);
    for code in ["0501_NFS", "0502_NFS"] {
        let prefix = format!("A.OFFENCES.{code}._T._T._T.2021 = - Q/");
        assert!(
            seen.iter().any(|o| o.starts_with(&prefix)),
            "{code}: {seen:?}"
        );
    }
    let structure = std::fs::read_to_string(published.dir.join("sdmx/structure.xml")).unwrap();
    assert!(structure.contains("id=\"0501_NFS\""));
}
