//! Shared helpers of the integration tests: settings, and reading the
//! published files back with plain CSV and Arrow readers.

use std::collections::BTreeMap;
use std::path::Path;

use evident_release::{Area, Control, Inputs, ReleaseSettings};

/// Offences by section and region, 2021 (every offence its own person):
///
/// ```text
///          R1   R2   _T          population: R1 4,000, R2 6,000
/// 01        1    9   10
/// 02        8   12   20
/// _T        9   21   30
/// ```
///
/// (01,R1) has one person behind it: below the threshold of 3, so withheld
/// (primary). It needs an interval at least max(10 % of 1, 3) = 3 wide. The
/// cheapest hypercube pairs R1 with R2 and 01 with 02: its cells under a minus
/// sign, (01,R2) = 9 and (02,R1) = 8, let (01,R1) grow by 8; its plus cell
/// (02,R2) = 12 and itself let it shrink by 1; width 9. It costs 9 + 8 + 12 =
/// 29, against 10 + 8 + 20 = 38 through the region total and 9 + 9 + 21 = 39
/// through the offence total. So the four inner cells are withheld and every
/// total is published; with a = (01,R1), the totals give (01,R2) = 10 - a,
/// (02,R1) = 9 - a, (02,R2) = 11 + a, hence a in [0, 9].
pub const OFFENCES: &str = "iccs,iccs_level,area,area_level,period,freq,offences,contributors,population,rate_per_100k,rate_lower,rate_upper
    _T,0,_T,0,2021,A,30,30,10000,300,202.4,428.3
    _T,0,R1,1,2021,A,9,9,4000,225,102.9,427.1
    _T,0,R2,1,2021,A,21,21,6000,350,216.7,535.0
    01,1,_T,0,2021,A,10,10,10000,100,48.0,183.9
    01,1,R1,1,2021,A,1,1,4000,25,0.6,139.3
    01,1,R2,1,2021,A,9,9,6000,150,68.6,284.7
    02,1,_T,0,2021,A,20,20,10000,200,122.2,308.9
    02,1,R1,1,2021,A,8,8,4000,200,86.3,394.1
    02,1,R2,1,2021,A,12,12,6000,200,103.3,349.4";

/// Regions R1 and R2 with districts D11, D12 and D21 (the engine's tiny country).
pub fn areas() -> Vec<Area> {
    [
        ("R1", None),
        ("R2", None),
        ("D11", Some("R1")),
        ("D12", Some("R1")),
        ("D21", Some("R2")),
    ]
    .iter()
    .map(|(c, p)| Area {
        code: (*c).to_owned(),
        name: format!("Area {c}"),
        parent: p.map(str::to_owned),
    })
    .collect()
}

pub fn settings(id: &str) -> ReleaseSettings {
    ReleaseSettings {
        id: id.to_owned(),
        created: "2025-03-31T09:00:00Z".to_owned(),
        agency: "NSO_XX".to_owned(),
        sdmx_version: "1.0".to_owned(),
        areas: areas(),
        inputs: Inputs {
            code_version: "test".to_owned(),
            ..Inputs::default()
        },
        control: Control::default(),
    }
}

/// A published CSV file as rows of column → text.
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// The row whose columns have these codes.
pub fn row<'a>(
    rows: &'a [BTreeMap<String, String>],
    key: &[(&str, &str)],
) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| {
            key.iter()
                .all(|(c, v)| r.get(*c).map(String::as_str) == Some(*v))
        })
        .unwrap_or_else(|| panic!("no row {key:?}"))
}

/// Every file of a directory (relative path → bytes).
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("prefix")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(relative, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

/// One SDMX observation as read from a file: its key (dimensions and
/// TIME_PERIOD), its value as text (None: no value) and its attributes.
#[derive(Debug, Clone, PartialEq, PartialOrd, Eq, Ord)]
pub struct Obs {
    pub key: BTreeMap<String, String>,
    pub value: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

const SDMX_DIMENSIONS: [&str; 6] = ["FREQ", "SERIES", "ICCS", "REF_AREA", "SEX", "AGE"];
const SERIES_ATTRIBUTES: [&str; 2] = ["UNIT_MEASURE", "UNIT_MULT"];

/// Values compared as numbers (text formats may differ in trailing zeros).
fn number(text: &str) -> String {
    text.parse::<f64>()
        .map(|v| format!("{v:?}"))
        .unwrap_or_else(|_| text.to_owned())
}

/// SDMX-CSV 1.0 (`DATAFLOW,FREQ,…,TIME_PERIOD,OBS_VALUE,attributes…`).
pub fn sdmx_csv(path: &Path) -> Vec<Obs> {
    let mut out: Vec<Obs> = read_csv(path)
        .into_iter()
        .map(|mut r| {
            r.remove("DATAFLOW");
            let value = r
                .remove("OBS_VALUE")
                .filter(|v| !v.is_empty())
                .map(|v| number(&v));
            let mut key = BTreeMap::new();
            for d in SDMX_DIMENSIONS.iter().chain(["TIME_PERIOD"].iter()) {
                key.insert((*d).to_owned(), r.remove(*d).unwrap_or_default());
            }
            let attributes = r
                .into_iter()
                .filter(|(k, v)| !v.is_empty() && !SERIES_ATTRIBUTES.contains(&k.as_str()))
                .map(|(k, v)| {
                    let v = if k.ends_with("_BOUND") { number(&v) } else { v };
                    (k, v)
                })
                .collect();
            Obs {
                key,
                value,
                attributes,
            }
        })
        .collect();
    out.sort();
    out
}

/// SDMX-ML 2.1 structure-specific data.
pub fn sdmx_xml(path: &Path) -> Vec<Obs> {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).expect("data.xml");
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut series: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    let attributes = |e: &quick_xml::events::BytesStart| -> BTreeMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.expect("attribute");
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("value")
                        .into_owned(),
                )
            })
            .collect()
    };
    loop {
        match reader.read_event().expect("xml") {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Series" => {
                series = attributes(&e);
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Obs" => {
                let mut a = attributes(&e);
                let mut key: BTreeMap<String, String> = SDMX_DIMENSIONS
                    .iter()
                    .map(|d| ((*d).to_owned(), series.get(*d).cloned().unwrap_or_default()))
                    .collect();
                key.insert(
                    "TIME_PERIOD".to_owned(),
                    a.remove("TIME_PERIOD").unwrap_or_default(),
                );
                let value = a.remove("OBS_VALUE").map(|v| number(&v));
                let attributes = a
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if k.ends_with("_BOUND") { number(&v) } else { v };
                        (k, v)
                    })
                    .collect();
                out.push(Obs {
                    key,
                    value,
                    attributes,
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.sort();
    out
}

/// SDMX-JSON 1.0 data message.
pub fn sdmx_json(path: &Path) -> Vec<Obs> {
    let message: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("data.json")).expect("json");
    let structure = &message["structure"];
    let ids = |list: &serde_json::Value| -> Vec<(String, Vec<String>)> {
        list.as_array()
            .map(|a| {
                a.iter()
                    .map(|d| {
                        let values = d["values"]
                            .as_array()
                            .map(|v| {
                                v.iter()
                                    .map(|x| {
                                        x["id"]
                                            .as_str()
                                            .or(x["name"].as_str())
                                            .unwrap_or("")
                                            .to_owned()
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        (d["id"].as_str().unwrap_or("").to_owned(), values)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let series_dims = ids(&structure["dimensions"]["series"]);
    let time = ids(&structure["dimensions"]["observation"]);
    let obs_attributes = ids(&structure["attributes"]["observation"]);
    let mut out = Vec::new();
    let data = message["dataSets"][0]["series"]
        .as_object()
        .expect("series");
    for (series_key, s) in data {
        let mut key = BTreeMap::new();
        for (position, (id, values)) in series_key.split(':').zip(&series_dims) {
            let p: usize = position.parse().expect("position");
            key.insert(id.clone(), values[p].clone());
        }
        for (t, observation) in s["observations"].as_object().expect("observations") {
            let mut key = key.clone();
            let p: usize = t.parse().expect("time position");
            key.insert("TIME_PERIOD".to_owned(), time[0].1[p].clone());
            let array = observation.as_array().expect("array");
            let value = match &array[0] {
                serde_json::Value::Null => None,
                v => Some(number(v.to_string().trim_matches('"'))),
            };
            let mut attributes = BTreeMap::new();
            for (i, (id, values)) in obs_attributes.iter().enumerate() {
                if let Some(p) = array.get(i + 1).and_then(|v| v.as_u64()) {
                    let v = values.get(p as usize).cloned().unwrap_or_default();
                    attributes.insert(
                        id.clone(),
                        if id.ends_with("_BOUND") {
                            number(&v)
                        } else {
                            v
                        },
                    );
                }
            }
            out.push(Obs {
                key,
                value,
                attributes,
            });
        }
    }
    out.sort();
    out
}
