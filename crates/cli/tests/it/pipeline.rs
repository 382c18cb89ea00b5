//! The synthetic country through the whole chain — generate, ingest with the
//! shipped schemas, map, classify, compute — checked against `truth.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Run, evident_in};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas/synthetic");

/// Raw file → shipped schema, reference data first.
const FILES: &[(&str, &str)] = &[
    ("areas.csv", "areas.toml"),
    ("offence_codes.csv", "offence_codes.toml"),
    ("population.csv", "population.toml"),
    ("prison_facilities.csv", "facilities.toml"),
    ("police_offences.csv", "offences.toml"),
    ("police_persons.csv", "persons.toml"),
    ("court_decisions.csv", "court_decisions.toml"),
    ("prison_movements.csv", "prison_movements.toml"),
];

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
        country
            .run(&[
                "generate",
                "--out",
                "raw",
                "--offences",
                &offences.to_string(),
                "--quiet",
            ])
            .success();
        let key = country.path("key");
        country
            .run(&["init", "ws", "--key-file", key.to_str().expect("utf-8")])
            .success();
        for (file, schema) in FILES {
            let schema = Path::new(SCHEMAS).join(schema);
            country
                .run_in_ws(&[
                    "ingest",
                    &format!("raw/{file}"),
                    "--schema",
                    schema.to_str().expect("utf-8"),
                ])
                .success();
        }
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
