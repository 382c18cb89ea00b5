//! Real SDMX clients read a sample release and must see exactly Evident's tables.
//!
//! The test writes the sample release (see `sample/mod.rs`) to a temporary directory,
//! then runs
//! - `validate_with_xsd.py`: the SDMX-ML files against the official SDMX 2.1 schemas;
//! - `read_with_sdmx1.py`: sdmx1, pysdmx and pandas read the structure and every
//!   data format;
//! - `read_with_rsdmx.R`: rsdmx reads the structure and the structure-specific data.
//!
//! Each reader's observations are compared with the raw table cells (before they were
//! turned into SDMX), so the comparison does not trust the crate's own conversion:
//! keys, values, OBS_STATUS, CONF_STATUS, units and confidence bounds must match, and
//! every suppressed cell must come back without a value.
//!
//! Interpreters: `EVIDENT_PYTHON` (default `python3`) and `EVIDENT_RSCRIPT` (default
//! `Rscript`). A missing interpreter or package fails the test with the reason. Set
//! `EVIDENT_SDMX_KEEP_DIR` to write the release there instead, to look at the files.

mod sample;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use evident_iccs::iccs;
use evident_sdmx::crime::{Cell, CellStatus};
use serde_json::Value;

const DIMENSIONS: [&str; 6] = ["FREQ", "SERIES", "ICCS", "REF_AREA", "SEX", "AGE"];

/// Units of the sample's series: the SDG database attaches `PER_100000_POP` to
/// rates, `NUMBER` to counts and `PT` to proportions (research notes §4, from the
/// global SDG DSD `IAEG-SDGs:SDG(1.4)`).
const UNITS: [(&str, &str); 5] = [
    ("OFFENCES_RECORDED", "NUMBER"),
    ("OFFENCE_RATE", "PER_100000_POP"),
    ("VC_IHR_PSRC", "PER_100000_POP"),
    ("VC_IHR_PSRCN", "NUMBER"),
    ("VC_PRS_UNSNT", "PT"),
];

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Runs an interpreter and parses the JSON it prints; fails with the interpreter's
/// own words when it is missing or the script fails.
fn run_json(variable: &str, default: &str, script: &str, args: &[&Path]) -> Value {
    let program = std::env::var(variable).unwrap_or_else(|_| default.to_owned());
    let output = Command::new(&program)
        .arg(scripts().join(script))
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run `{program}` (set {variable} to the interpreter to use): {error}")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}) under `{program}`:\n{stderr}",
        output.status
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!("{script} printed invalid JSON ({error}); stderr:\n{stderr}")
    })
}

fn release_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("EVIDENT_SDMX_KEEP_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("create EVIDENT_SDMX_KEEP_DIR");
            (None, dir)
        }
        None => {
            let temp = tempfile::tempdir().expect("temporary directory");
            let path = temp.path().to_owned();
            (Some(temp), path)
        }
    }
}

fn cell_key(cell: &Cell) -> String {
    format!(
        "{}.{}.{}.{}.{}.{}@{}",
        cell.frequency, cell.series, cell.iccs, cell.area, cell.sex, cell.age, cell.time_period
    )
}

fn read_key(observation: &Value) -> String {
    let key = observation["key"].as_object().expect("key object");
    assert_eq!(
        key.len(),
        7,
        "a key has six dimensions and the time period: {key:?}"
    );
    let codes: Vec<&str> = DIMENSIONS
        .iter()
        .map(|d| key[*d].as_str().expect("code is a string"))
        .collect();
    format!(
        "{}@{}",
        codes.join("."),
        key["TIME_PERIOD"].as_str().expect("time period")
    )
}

/// Compares what one reader saw with the raw cells. `series_attributes` says whether
/// the reader reports series-level attributes (UNIT_MEASURE, UNIT_MULT).
fn compare(reader: &str, observations: &Value, cells: &[Cell], series_attributes: bool) {
    let observations = observations
        .as_array()
        .unwrap_or_else(|| panic!("{reader}: no observations"));
    let expected: BTreeMap<String, &Cell> = cells.iter().map(|c| (cell_key(c), c)).collect();
    let read: BTreeMap<String, &Value> = observations.iter().map(|o| (read_key(o), o)).collect();
    assert_eq!(read.len(), observations.len(), "{reader}: repeated keys");
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !read.contains_key(*k))
        .take(3)
        .collect();
    let extra: Vec<_> = read
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{reader}: missing {missing:?}, unexpected {extra:?}"
    );

    let units: BTreeMap<&str, &str> = UNITS.into_iter().collect();
    for (key, cell) in &expected {
        let observation = read[key];
        let attributes: BTreeMap<&str, &str> = observation["attributes"]
            .as_object()
            .expect("attributes object")
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().expect("attribute value is text")))
            .collect();
        // Values arrive as text and are parsed here, exactly (serde_json's default
        // number parsing is not correctly rounded).
        let value = observation["value"].as_str().map(|text| {
            text.parse::<f64>()
                .unwrap_or_else(|_| panic!("{reader}: value `{text}` of {key}"))
        });
        assert!(
            value.is_some() || observation["value"].is_null(),
            "{reader}: value of {key}"
        );
        let (obs_status, conf_status) = match cell.status {
            CellStatus::Normal => ("A", "F"),
            CellStatus::Provisional => ("P", "F"),
            CellStatus::Estimated => ("E", "F"),
            CellStatus::PrimarySuppressed => ("Q", "C"),
            CellStatus::SecondarySuppressed => ("Q", "D"),
            CellStatus::Missing => ("O", "F"),
        };
        let mut wanted: BTreeMap<&str, String> = BTreeMap::new();
        wanted.insert("OBS_STATUS", obs_status.to_owned());
        wanted.insert("CONF_STATUS", conf_status.to_owned());
        if series_attributes {
            wanted.insert("UNIT_MEASURE", units[cell.series.as_str()].to_owned());
            wanted.insert("UNIT_MULT", "0".to_owned());
        }
        let suppressed = matches!(
            cell.status,
            CellStatus::PrimarySuppressed | CellStatus::SecondarySuppressed
        );
        if suppressed {
            assert_eq!(
                value, None,
                "{reader}: suppressed cell {key} was published with a value"
            );
        } else {
            // Exact: every writer prints the shortest text that reads back as the same
            // double, and every reader converts decimal text correctly rounded.
            assert_eq!(value, cell.value, "{reader}: value of {key}");
            if let Some((lower, upper)) = cell.bounds {
                wanted.insert("LOWER_BOUND", lower.to_string());
                wanted.insert("UPPER_BOUND", upper.to_string());
            }
        }
        let got: BTreeMap<&str, String> = attributes
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect();
        // Bounds are compared as numbers: a reader may print them its own way.
        let as_number = |m: &BTreeMap<&str, String>, k: &str| {
            m.get(k)
                .map(|v| v.parse::<f64>().expect("bound is a number"))
        };
        for bound in ["LOWER_BOUND", "UPPER_BOUND"] {
            assert_eq!(
                as_number(&got, bound),
                as_number(&wanted, bound),
                "{reader}: {bound} of {key}"
            );
        }
        let strip = |m: BTreeMap<&str, String>| -> BTreeMap<String, String> {
            m.into_iter()
                .filter(|(k, _)| !k.ends_with("_BOUND"))
                .map(|(k, v)| (k.to_owned(), v))
                .collect()
        };
        assert_eq!(strip(got), strip(wanted), "{reader}: attributes of {key}");
    }
}

fn check_structure(reader: &str, structure: &Value, has_parents: bool) {
    let release = sample::release();
    let codelists = &structure["codelists"];
    let names: BTreeSet<&str> = codelists
        .as_object()
        .expect("codelists")
        .keys()
        .map(String::as_str)
        .collect();
    let expected_names: BTreeSet<&str> = [
        "CL_FREQ",
        "CL_SERIES",
        "CL_ICCS",
        "CL_AREA",
        "CL_SEX",
        "CL_AGE",
        "CL_UNIT_MEASURE",
        "CL_UNIT_MULT",
        "CL_OBS_STATUS",
        "CL_CONF_STATUS",
    ]
    .into_iter()
    .collect();
    assert_eq!(names, expected_names, "{reader}: codelists");

    // ICCS: the total, the 320 categories of ICCS 1.0 in code order, then "not classifiable".
    let iccs_codes = codelists["CL_ICCS"]["codes"]
        .as_array()
        .expect("ICCS codes");
    assert_eq!(iccs_codes.len(), 322, "{reader}: ICCS codelist size");
    assert_eq!(iccs_codes[0]["id"], "_T");
    assert_eq!(iccs_codes[321]["id"], "_X");
    for (code, category) in iccs_codes[1..321].iter().zip(iccs().categories()) {
        assert_eq!(code["id"], category.code, "{reader}");
        assert_eq!(code["name"], category.name, "{reader}");
        if has_parents {
            assert_eq!(
                code["parent"].as_str(),
                category.parent,
                "{reader}: parent of {}",
                category.code
            );
        }
    }
    // Areas keep their names through XML escaping.
    let areas = codelists["CL_AREA"]["codes"]
        .as_array()
        .expect("area codes");
    let read_areas: Vec<(&str, &str)> = areas
        .iter()
        .map(|a| {
            (
                a["id"].as_str().expect("id"),
                a["name"].as_str().expect("name"),
            )
        })
        .collect();
    let input_areas: Vec<(&str, &str)> = release
        .areas
        .iter()
        .map(|a| (a.code.as_str(), a.name.as_str()))
        .collect();
    // sdmx1 lists a hierarchical codelist parent-first, so compare as sets.
    assert_eq!(
        read_areas.iter().collect::<BTreeSet<_>>(),
        input_areas.iter().collect::<BTreeSet<_>>(),
        "{reader}: areas"
    );
    if has_parents {
        let parent_of = |id: &str| {
            areas
                .iter()
                .find(|a| a["id"] == id)
                .map(|a| a["parent"].clone())
        };
        assert_eq!(
            parent_of("R1D1"),
            Some(Value::from("R1")),
            "{reader}: parent of R1D1"
        );
        assert_eq!(parent_of("XY"), Some(Value::Null), "{reader}: parent of XY");
    }
    // The SDG series codes are in CL_SERIES.
    let series: BTreeSet<&str> = codelists["CL_SERIES"]["codes"]
        .as_array()
        .expect("series codes")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    for code in [
        "VC_IHR_PSRC",
        "VC_IHR_PSRCN",
        "VC_HTF_DETV",
        "VC_PRS_UNSNT",
        "VC_VAW_MTUHRA",
        "OFFENCES_RECORDED",
    ] {
        assert!(series.contains(code), "{reader}: CL_SERIES lacks {code}");
    }

    let dsd = &structure["data_structures"]["DSD_CRIME"];
    let dimensions: Vec<(&str, &str)> = dsd["dimensions"]
        .as_array()
        .expect("dimensions")
        .iter()
        .map(|d| {
            (
                d["id"].as_str().expect("id"),
                d["codelist"].as_str().expect("codelist"),
            )
        })
        .collect();
    assert_eq!(
        dimensions,
        [
            ("FREQ", "CL_FREQ"),
            ("SERIES", "CL_SERIES"),
            ("ICCS", "CL_ICCS"),
            ("REF_AREA", "CL_AREA"),
            ("SEX", "CL_SEX"),
            ("AGE", "CL_AGE")
        ],
        "{reader}: dimensions"
    );
    assert_eq!(
        dsd["time_dimension"],
        serde_json::json!(["TIME_PERIOD"]),
        "{reader}"
    );
    assert_eq!(
        dsd["measures"],
        serde_json::json!(["OBS_VALUE"]),
        "{reader}"
    );
    let attribute = |id: &str| {
        let a = &dsd["attributes"][id];
        (
            a["mandatory"].as_bool(),
            a["codelist"].as_str(),
            a["level"].as_str(),
        )
    };
    assert_eq!(
        attribute("UNIT_MEASURE"),
        (Some(true), Some("CL_UNIT_MEASURE"), Some("series")),
        "{reader}"
    );
    assert_eq!(
        attribute("UNIT_MULT"),
        (Some(true), Some("CL_UNIT_MULT"), Some("series")),
        "{reader}"
    );
    assert_eq!(
        attribute("OBS_STATUS"),
        (Some(true), Some("CL_OBS_STATUS"), Some("observation")),
        "{reader}"
    );
    assert_eq!(
        attribute("CONF_STATUS"),
        (Some(true), Some("CL_CONF_STATUS"), Some("observation")),
        "{reader}"
    );
    assert_eq!(
        attribute("LOWER_BOUND"),
        (Some(false), None, Some("observation")),
        "{reader}"
    );
    assert_eq!(
        attribute("UPPER_BOUND"),
        (Some(false), None, Some("observation")),
        "{reader}"
    );

    let dataflow = &structure["dataflows"]["DF_CRIME"];
    assert_eq!(dataflow["agency"], sample::AGENCY, "{reader}");
    assert_eq!(dataflow["version"], "1.0", "{reader}");
    assert_eq!(dataflow["structure"], "DSD_CRIME", "{reader}");
}

#[test]
fn official_schemas_accept_the_sdmx_ml() {
    let (_keep, dir) = release_dir();
    sample::write_release(&dir);
    let structure = dir.join("structure.xml");
    let data = dir.join("data.xml");
    let report = run_json(
        "EVIDENT_PYTHON",
        "python3",
        "validate_with_xsd.py",
        &[&structure, &data],
    );
    let entry = |path: &Path| &report[path.to_str().expect("utf-8 path")];
    assert_eq!(
        entry(&structure)["errors"],
        serde_json::json!([]),
        "structure message"
    );
    assert_eq!(
        entry(&structure)["ignored"],
        serde_json::json!([]),
        "structure message"
    );
    assert_eq!(
        entry(&data)["errors"],
        serde_json::json!([]),
        "structure-specific data"
    );
    // Only the two complaints about the DSD-specific data set type, nothing else.
    assert_eq!(
        entry(&data)["ignored"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
}

#[test]
fn python_clients_read_what_evident_wrote() {
    let (_keep, dir) = release_dir();
    sample::write_release(&dir);
    let cells = sample::cells();
    let read = run_json("EVIDENT_PYTHON", "python3", "read_with_sdmx1.py", &[&dir]);

    check_structure("sdmx1", &read["structure"]["sdmx1"], true);
    // pysdmx does not expose the code hierarchy of a codelist.
    check_structure("pysdmx", &read["structure"]["pysdmx"], false);

    let data = read["data"].as_object().expect("data by reader");
    let readers: BTreeSet<&str> = data.keys().map(String::as_str).collect();
    assert_eq!(
        readers,
        [
            "pandas/csv-v1",
            "pysdmx/csv-v1",
            "pysdmx/csv-v2",
            "pysdmx/structure-specific",
            "sdmx1/csv-v2",
            "sdmx1/json",
            "sdmx1/structure-specific",
        ]
        .into_iter()
        .collect(),
    );
    for (reader, observations) in data {
        // sdmx1 2.28's SDMX-JSON reader takes series attributes from the data set
        // object instead of the series object (sdmx/reader/json.py, read_dataset), so
        // it never reports them; the same attributes are checked in every other format.
        let series_attributes = reader != "sdmx1/json";
        compare(reader, observations, &cells, series_attributes);
    }
}

#[test]
fn rsdmx_reads_what_evident_wrote() {
    let (_keep, dir) = release_dir();
    sample::write_release(&dir);
    let cells = sample::cells();
    let read = run_json("EVIDENT_RSCRIPT", "Rscript", "read_with_rsdmx.R", &[&dir]);

    let release = sample::release();
    let areas: Vec<(&str, &str)> = read["codelists"]["CL_AREA"]
        .as_array()
        .expect("areas")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().expect("id"),
                a["name"].as_str().expect("name"),
            )
        })
        .collect();
    let input_areas: Vec<(&str, &str)> = release
        .areas
        .iter()
        .map(|a| (a.code.as_str(), a.name.as_str()))
        .collect();
    assert_eq!(areas, input_areas);
    let iccs_codes = read["codelists"]["CL_ICCS"].as_array().expect("ICCS");
    assert_eq!(iccs_codes.len(), 322);
    for (code, category) in iccs_codes[1..321].iter().zip(iccs().categories()) {
        assert_eq!(code["id"], category.code);
        assert_eq!(code["name"], category.name);
    }
    let components: Vec<(&str, &str, Option<&str>)> = read["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            (
                c["component"].as_str().expect("kind"),
                c["concept"].as_str().expect("concept"),
                c["codelist"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        components,
        [
            ("Dimension", "FREQ", Some("CL_FREQ")),
            ("Dimension", "SERIES", Some("CL_SERIES")),
            ("Dimension", "ICCS", Some("CL_ICCS")),
            ("Dimension", "REF_AREA", Some("CL_AREA")),
            ("Dimension", "SEX", Some("CL_SEX")),
            ("Dimension", "AGE", Some("CL_AGE")),
            ("TimeDimension", "TIME_PERIOD", None),
            ("PrimaryMeasure", "OBS_VALUE", None),
            ("Attribute", "UNIT_MEASURE", Some("CL_UNIT_MEASURE")),
            ("Attribute", "UNIT_MULT", Some("CL_UNIT_MULT")),
            ("Attribute", "OBS_STATUS", Some("CL_OBS_STATUS")),
            ("Attribute", "CONF_STATUS", Some("CL_CONF_STATUS")),
            ("Attribute", "LOWER_BOUND", None),
            ("Attribute", "UPPER_BOUND", None),
        ]
    );
    compare(
        "rsdmx/structure-specific",
        &read["observations"],
        &cells,
        true,
    );
}

#[test]
fn the_sample_release_exercises_suppression_and_sdg_series() {
    // Guards the other tests: they prove little if the sample had no suppressed
    // cells, no bounds or no SDG series.
    let cells = sample::cells();
    let count = |status: CellStatus| cells.iter().filter(|c| c.status == status).count();
    assert!(count(CellStatus::PrimarySuppressed) >= 5, "primary");
    assert!(count(CellStatus::SecondarySuppressed) >= 5, "secondary");
    assert_eq!(count(CellStatus::Missing), 1);
    assert!(
        cells
            .iter()
            .any(|c| c.bounds.is_some() && c.status == CellStatus::PrimarySuppressed)
    );
    assert!(cells.iter().any(|c| c.series.starts_with("VC_")));
    assert!(cells.iter().any(|c| c.iccs == "_X"));
}
