//! The synthetic country through the whole chain — generate, ingest with the
//! shipped schemas, map, classify, compute — checked against `truth.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{FILES, Run, evident_in, generate_and_ingest};

struct Country {
    dir: tempfile::TempDir,
    truth: Value,
}

impl Country {
    /// Generates a small country and ingests it into a new workspace.
    fn ingested(offences: u64) -> Country {
        let dir = tempfile::tempdir().expect("tempdir");
        let country = Country {
            dir,
            truth: Value::Null,
        };
        generate_and_ingest(country.dir.path(), offences, FILES);
        let truth =
            serde_json::from_slice(&std::fs::read(country.path("raw/truth.json")).expect("truth"))
                .expect("truth json");
        Country { truth, ..country }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Run {
        evident_in(Some(self.dir.path()), args)
    }

    fn run_in_ws(&self, args: &[&str]) -> Run {
        let mut all = args.to_vec();
        all.extend(["--workspace", "ws", "--quiet"]);
        self.run(&all)
    }

    /// Rows of a computed table (CSV) as maps column → value.
    fn table(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let mut reader =
            csv::Reader::from_path(self.path(&format!("ws/tables/analysis/{name}.csv")))
                .expect("table");
        let headers = reader.headers().expect("headers").clone();
        reader
            .records()
            .map(|r| {
                let r = r.expect("row");
                headers
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| (h.to_owned(), v.to_owned()))
                    .collect()
            })
            .collect()
    }
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

#[test]
fn the_synthetic_country_is_classified_and_its_indicators_recover_the_truth() {
    let country = Country::ingested(20_000);
    let truth = &country.truth;

    // Mapping: the shipped table leaves out exactly the codes truth.json says.
    country
        .run_in_ws(&[
            "map",
            "import",
            "raw/correspondence.csv",
            "--source",
            "shipped",
        ])
        .success();
    let classified = country.run_in_ws(&["classify", "--json"]).success().json();
    let recorded = truth["volumes"]["offences_recorded_by_extraction"]
        .as_u64()
        .expect("recorded");
    assert_eq!(
        classified["records"], recorded,
        "every clean police row is stored and classified"
    );
    let coverage = country
        .run_in_ws(&["map", "coverage", "--top", "50", "--json"])
        .success()
        .json();
    let unmapped: BTreeSet<String> = coverage["top_unmapped"]
        .as_array()
        .expect("unmapped")
        .iter()
        .map(|u| u["national_code"].as_str().expect("code").to_owned())
        .collect();
    let omitted: BTreeSet<String> = truth["codes"]["omitted_from_shipped_correspondence"]
        .as_array()
        .expect("omitted")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(unmapped, omitted);
    assert_eq!(
        coverage["partly_mapped_codes"], 0,
        "every code the table covers is fully mapped"
    );
    let omitted_records: u64 = omitted
        .iter()
        .map(|c| {
            truth["codes"]["by_code"][c]["correspondence"]
                .as_array()
                .map_or(0, |rows| {
                    rows.iter().filter_map(|r| r["records"].as_u64()).sum()
                })
        })
        .sum();
    assert_eq!(coverage["mapped_records"], recorded - omitted_records);

    // Indicators against the truth.
    country
        .run_in_ws(&[
            "compute",
            "--indicator",
            "sdg_16_1_1",
            "--indicator",
            "sdg_16_3_2",
            "--indicator",
            "reoffending",
        ])
        .success();
    let homicide = country.table("sdg_16_1_1");
    let by_year = truth["victims"]["intentional_homicide"]["by_recording_year"]
        .as_object()
        .expect("by year");
    for (year, expected) in by_year {
        let row = homicide
            .iter()
            .find(|r| {
                r["period"] == *year && r["area"] == "_T" && r["sex"] == "_T" && r["age"] == "_T"
            })
            .unwrap_or_else(|| panic!("no national 16.1.1 row for {year}"));
        assert_eq!(
            number(row, "victims"),
            expected["victims"].as_f64().expect("victims"),
            "{year}"
        );
        let rate = expected["rate_per_100000"].as_f64().expect("rate");
        assert!(
            (number(row, "rate_per_100k") - rate).abs() < 1e-5,
            "{year}: {row:?} vs {rate}"
        );
    }

    let prison = country.table("sdg_16_3_2");
    for stock in truth["prison"]["stock"].as_array().expect("stock") {
        let date = stock["date"].as_str().expect("date");
        if !date.ends_with("-12-31") || date < "2019" {
            continue;
        }
        let year = &date[..4];
        let row = prison
            .iter()
            .find(|r| r["period"] == year && r["area"] == "_T")
            .unwrap_or_else(|| panic!("no prison stock for {year}"));
        let sentenced = stock["sentenced"].as_f64().expect("sentenced");
        let unsentenced = stock["unsentenced"].as_f64().expect("unsentenced");
        assert_eq!(number(row, "held"), sentenced + unsentenced, "{year}");
        assert_eq!(number(row, "unsentenced"), unsentenced, "{year}");
    }

    // The injected reoffending share (30 %) lies inside the 95 % interval of every
    // complete cohort, and each cohort's own realised share is matched closely.
    let reoffending = country.table("reoffending");
    let injected = truth["effects"]["reoffending"]["share"]
        .as_f64()
        .expect("share");
    let mut cohorts = 0;
    for cohort in truth["effects"]["reoffending"]["cohorts"]
        .as_array()
        .expect("cohorts")
    {
        if cohort["complete"] != true {
            continue;
        }
        let year = cohort["year"].as_u64().expect("year").to_string();
        let row = reoffending
            .iter()
            .find(|r| {
                r["period"] == year && r["iccs"] == "_T" && r["sex"] == "_T" && r["age"] == "_T"
            })
            .unwrap_or_else(|| panic!("no reoffending cohort {year}"));
        let (lower, upper) = (
            number(row, "reoffending_pct_lower"),
            number(row, "reoffending_pct_upper"),
        );
        assert!(
            lower <= 100.0 * injected && 100.0 * injected <= upper,
            "{year}: {lower}..{upper}"
        );
        let realised = 100.0 * cohort["share"].as_f64().expect("share");
        assert!(
            (number(row, "reoffending_pct") - realised).abs() < 1.0,
            "{year}: {row:?} vs {realised}"
        );
        cohorts += 1;
    }
    assert!(cohorts >= 3, "complete cohorts checked: {cohorts}");

    // A newer table (the true one, with the five new codes) reclassifies everything,
    // and the records say which version classified them.
    country
        .run_in_ws(&[
            "map",
            "import",
            "raw/truth/correspondence_true.csv",
            "--source",
            "revised",
        ])
        .success();
    let second = country.run_in_ws(&["classify", "--json"]).success().json();
    assert_eq!(
        (
            second["mapping_version"].as_i64(),
            second["records"].as_u64()
        ),
        (Some(2), Some(recorded))
    );
    assert_eq!(second["unmapped"], 0);
    let tables = country
        .run_in_ws(&["compute", "--indicator", "offences", "--json"])
        .success()
        .json();
    assert_eq!(tables["inputs"]["mapping_versions"], serde_json::json!([2]));
    let offences = country.table("offences");
    assert!(
        offences.iter().all(|r| r["iccs"] != "NC"),
        "nothing is left unclassifiable"
    );
}

/// Every table of the standard set, computed on an in-process Ballista cluster,
/// is byte for byte the table the local engine writes.
#[cfg(feature = "ballista-standalone")]
#[test]
fn the_standard_set_on_ballista_equals_the_local_engine() {
    let country = Country::ingested(20_000);
    country
        .run_in_ws(&[
            "map",
            "import",
            "raw/correspondence.csv",
            "--source",
            "shipped",
        ])
        .success();
    country.run_in_ws(&["classify"]).success();
    country.run_in_ws(&["compute", "--out", "local"]).success();
    country
        .run_in_ws(&[
            "compute",
            "--engine",
            "ballista-standalone",
            "--out",
            "cluster",
        ])
        .success();
    let mut compared = 0;
    for entry in std::fs::read_dir(country.path("local")).expect("local tables") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "csv") {
            let name = path.file_name().expect("name");
            let local = std::fs::read(&path).expect("local");
            let cluster = std::fs::read(country.path("cluster").join(name)).expect("cluster");
            assert!(local == cluster, "{name:?} differs between the engines");
            assert!(
                local.iter().filter(|&&b| b == b'\n').count() > 1 || name == "sdg_16_10_1.csv",
                "{name:?} is empty"
            );
            compared += 1;
        }
    }
    // The eleven indicators of the standard set, plus the severity weights.
    assert_eq!(compared, 12, "every table was compared");
}

/// A release of the country, read by independent SDMX clients — sdmx1, pysdmx and
/// pandas (Python) and rsdmx (R) — gives back exactly the keys, values and
/// statuses of the SDMX-CSV file Evident wrote, and no value for a withheld cell.
#[test]
fn a_release_of_the_country_reads_back_identically_in_sdmx_clients() {
    let country = Country::ingested(20_000);
    country
        .run_in_ws(&[
            "map",
            "import",
            "raw/correspondence.csv",
            "--source",
            "shipped",
        ])
        .success();
    country.run_in_ws(&["classify"]).success();
    country
        .run_in_ws(&["compute", "--for", "publication"])
        .success();
    country
        .run_in_ws(&["publish", "--release", "sdmx-check"])
        .success();
    let sdmx = country.path("ws/releases/sdmx-check/sdmx");

    // Evident's own SDMX-CSV 1.0: key → (value, OBS_STATUS, CONF_STATUS).
    let mut reader = csv::Reader::from_path(sdmx.join("data.csv")).expect("data.csv");
    let headers = reader.headers().expect("headers").clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let dims = ["FREQ", "SERIES", "ICCS", "REF_AREA", "SEX", "AGE"].map(|d| at(d));
    let (time, value, obs, conf) = (
        at("TIME_PERIOD"),
        at("OBS_VALUE"),
        at("OBS_STATUS"),
        at("CONF_STATUS"),
    );
    let mut ours: BTreeMap<String, (Option<f64>, String, String)> = BTreeMap::new();
    for row in reader.records() {
        let row = row.expect("row");
        let key = format!("{}@{}", dims.map(|d| &row[d]).join("."), &row[time]);
        let v = (!row[value].is_empty()).then(|| row[value].parse::<f64>().expect("number"));
        ours.insert(key, (v, row[obs].to_owned(), row[conf].to_owned()));
    }
    let withheld = ours
        .values()
        .filter(|(v, _, c)| v.is_none() && c != "F")
        .count();
    assert!(
        ours.len() > 1000 && withheld > 0,
        "{} observations, {withheld} withheld",
        ours.len()
    );

    let python = std::env::var("EVIDENT_PYTHON").unwrap_or_else(|_| "python3".into());
    let rscript = std::env::var("EVIDENT_RSCRIPT").unwrap_or_else(|_| "Rscript".into());
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdmx/tests");
    let run = |program: &str, script: &str| -> Value {
        let output = std::process::Command::new(program)
            .arg(scripts.join(script))
            .arg(&sdmx)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {program} (set EVIDENT_PYTHON / EVIDENT_RSCRIPT): {e}")
            });
        assert!(
            output.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("reader JSON")
    };
    let python_read = run(&python, "read_with_sdmx1.py");
    let r_read = run(&rscript, "read_with_rsdmx.R");
    let mut readers: Vec<(String, &Value)> = python_read["data"]
        .as_object()
        .expect("readers")
        .iter()
        // pysdmx 1.21 turns codes such as ICCS "03" into "3" when reading SDMX-CSV
        // (docs/sdmx.md); its SDMX-ML reading is checked instead.
        .filter(|(name, _)| !name.starts_with("pysdmx/csv"))
        .map(|(name, v)| (name.clone(), v))
        .collect();
    readers.push(("rsdmx/structure-specific".into(), &r_read["observations"]));
    assert!(
        readers.len() >= 5,
        "{:?}",
        readers.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    for (name, observations) in readers {
        let observations = observations
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no observations"));
        assert_eq!(
            observations.len(),
            ours.len(),
            "{name}: number of observations"
        );
        for o in observations {
            let key = o["key"].as_object().expect("key");
            let code = |d: &str| {
                key[d]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: {d}"))
                    .to_owned()
            };
            let id = format!(
                "{}@{}",
                ["FREQ", "SERIES", "ICCS", "REF_AREA", "SEX", "AGE"]
                    .map(code)
                    .join("."),
                code("TIME_PERIOD")
            );
            let (value, obs_status, conf_status) = ours
                .get(&id)
                .unwrap_or_else(|| panic!("{name}: unexpected observation {id}"));
            let read = o["value"]
                .as_str()
                .map(|v| v.parse::<f64>().expect("number"));
            match (read, value) {
                (Some(a), Some(b)) => assert!(
                    (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                    "{name} {id}: {a} vs {b}"
                ),
                (a, b) => assert_eq!(a, *b, "{name} {id}: value"),
            }
            let attribute = |a: &str| o["attributes"][a].as_str().unwrap_or("").to_owned();
            assert_eq!(&attribute("OBS_STATUS"), obs_status, "{name} {id}");
            assert_eq!(&attribute("CONF_STATUS"), conf_status, "{name} {id}");
        }
    }
}
