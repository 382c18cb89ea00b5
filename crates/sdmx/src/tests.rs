//! Unit tests on a tiny release whose every output line is worked out by hand from
//! the format rules (SDMX-CSV field guide, SDMX-JSON 1.0 field guide, SDMX-ML 2.1).

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::Event;

use crate::crime::{self, Area, Cell, CellStatus, CrimeRelease, CrimeStructures, Indicator, Unit};
use crate::*;

const AGENCY: &str = "TL";

fn reference(id: &str) -> ArtefactRef {
    ArtefactRef::new(AGENCY, id, "1.0")
}

fn codelist(id: &str, codes: Vec<Code>) -> Codelist {
    Codelist {
        agency: AGENCY.to_owned(),
        id: id.to_owned(),
        version: "1.0".to_owned(),
        name: format!("{id} codes"),
        description: None,
        codes,
    }
}

/// Two dimensions (FREQ, ICCS), a series-level unit and observation-level statuses.
fn tiny_structures() -> Structures {
    let attribute = |id: &str, codelist: &str, attachment| Attribute {
        id: id.to_owned(),
        representation: Representation::Coded(reference(codelist)),
        assignment: Assignment::Mandatory,
        attachment,
    };
    Structures {
        codelists: vec![
            codelist(
                "CL_FREQ",
                vec![Code::new("A", "Annual"), Code::new("Q", "Quarterly")],
            ),
            codelist(
                "CL_ICCS",
                vec![
                    Code::new("01", "Acts leading to death"),
                    Code::new("0101", "Intentional homicide").with_parent("01"),
                ],
            ),
            codelist("CL_UNIT", vec![Code::new("NUMBER", "Number")]),
            codelist(
                "CL_OBS_STATUS",
                vec![
                    Code::new("A", "Normal value"),
                    Code::new("Q", "Missing value; suppressed"),
                ],
            ),
            codelist(
                "CL_CONF_STATUS",
                vec![Code::new("F", "Free"), Code::new("C", "Confidential")],
            ),
        ],
        concept_schemes: vec![ConceptScheme {
            agency: AGENCY.to_owned(),
            id: "CS".to_owned(),
            version: "1.0".to_owned(),
            name: "Concepts".to_owned(),
            concepts: [
                ("FREQ", "Frequency"),
                ("ICCS", "Offence"),
                ("TIME_PERIOD", "Time"),
                ("OBS_VALUE", "Value"),
                ("UNIT_MEASURE", "Unit"),
                ("OBS_STATUS", "Status"),
                ("CONF_STATUS", "Confidentiality"),
            ]
            .into_iter()
            .map(|(id, name)| Concept::new(id, name))
            .collect(),
        }],
        data_structures: vec![DataStructure {
            agency: AGENCY.to_owned(),
            id: "DSD".to_owned(),
            version: "1.0".to_owned(),
            name: "Tiny".to_owned(),
            concepts: reference("CS"),
            dimensions: vec![
                Dimension {
                    id: "FREQ".to_owned(),
                    codelist: reference("CL_FREQ"),
                },
                Dimension {
                    id: "ICCS".to_owned(),
                    codelist: reference("CL_ICCS"),
                },
            ],
            time_dimension: "TIME_PERIOD".to_owned(),
            primary_measure: "OBS_VALUE".to_owned(),
            attributes: vec![
                attribute("UNIT_MEASURE", "CL_UNIT", Attachment::Series),
                attribute("OBS_STATUS", "CL_OBS_STATUS", Attachment::Observation),
                attribute("CONF_STATUS", "CL_CONF_STATUS", Attachment::Observation),
            ],
        }],
        dataflows: vec![Dataflow {
            agency: AGENCY.to_owned(),
            id: "DF".to_owned(),
            version: "1.0".to_owned(),
            name: "Tiny flow".to_owned(),
            structure: reference("DSD"),
        }],
    }
}

/// Three cells, deliberately out of order; the unit is given on one cell of its series.
fn tiny_data() -> DataSet {
    DataSet {
        dataflow: reference("DF"),
        observations: vec![
            Observation::new(["A", "0101"], "2023", Some(0.5))
                .with("UNIT_MEASURE", "NUMBER")
                .with("OBS_STATUS", "A")
                .with("CONF_STATUS", "F"),
            Observation::new(["A", "01"], "2023", None)
                .with("UNIT_MEASURE", "NUMBER")
                .with("OBS_STATUS", "Q")
                .with("CONF_STATUS", "C"),
            Observation::new(["A", "01"], "2022", Some(12.0))
                .with("UNIT_MEASURE", "NUMBER")
                .with("OBS_STATUS", "A")
                .with("CONF_STATUS", "F"),
        ],
    }
}

fn header() -> Header {
    Header::new("REL1", "2025-03-31T09:00:00Z", AGENCY)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("writers produce UTF-8")
}

#[test]
fn sdmx_csv_1_0_rows_by_hand() {
    // Header: DATAFLOW, dimensions in DSD order, TIME_PERIOD, OBS_VALUE, attributes.
    // Rows sorted by codelist order (01 before 0101), then time; the suppressed cell
    // has an empty OBS_VALUE; RFC 4180 line ends.
    let expected = "DATAFLOW,FREQ,ICCS,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,CONF_STATUS\r\n\
                    TL:DF(1.0),A,01,2022,12,NUMBER,A,F\r\n\
                    TL:DF(1.0),A,01,2023,,NUMBER,Q,C\r\n\
                    TL:DF(1.0),A,0101,2023,0.5,NUMBER,A,F\r\n";
    let csv = data_bytes(
        DataFormat::CsvV1,
        &header(),
        &tiny_structures(),
        &tiny_data(),
    )
    .unwrap();
    assert_eq!(text(csv), expected);
}

#[test]
fn sdmx_csv_2_0_rows_by_hand() {
    let expected = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,ICCS,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,CONF_STATUS\r\n\
                    dataflow,TL:DF(1.0),I,A,01,2022,12,NUMBER,A,F\r\n\
                    dataflow,TL:DF(1.0),I,A,01,2023,,NUMBER,Q,C\r\n\
                    dataflow,TL:DF(1.0),I,A,0101,2023,0.5,NUMBER,A,F\r\n";
    let csv = data_bytes(
        DataFormat::CsvV2,
        &header(),
        &tiny_structures(),
        &tiny_data(),
    )
    .unwrap();
    assert_eq!(text(csv), expected);
}

#[test]
fn series_attributes_are_repeated_on_every_csv_row() {
    let mut data = tiny_data();
    data.observations[1].attributes.remove("UNIT_MEASURE");
    let csv = text(data_bytes(DataFormat::CsvV1, &header(), &tiny_structures(), &data).unwrap());
    assert!(
        csv.contains("TL:DF(1.0),A,01,2023,,NUMBER,Q,C\r\n"),
        "{csv}"
    );
}

#[test]
fn sdmx_json_positions_by_hand() {
    let json = data_bytes(
        DataFormat::Json,
        &header(),
        &tiny_structures(),
        &tiny_data(),
    )
    .unwrap();
    let message: serde_json::Value = serde_json::from_slice(&json).unwrap();
    // FREQ values [A], ICCS values [01, 0101], periods [2022, 2023].
    // OBS_STATUS values in codelist order [A, Q]; CONF_STATUS [F, C]; UNIT [NUMBER].
    let expected_series = serde_json::json!({
        "0:0": {
            "attributes": [0],
            "observations": { "0": [12, 0, 0], "1": [null, 1, 1] }
        },
        "0:1": {
            "attributes": [0],
            "observations": { "1": [0.5, 0, 0] }
        }
    });
    assert_eq!(message["dataSets"][0]["series"], expected_series);
    let structure = &message["structure"];
    assert_eq!(
        structure["dimensions"]["series"][1]["values"][1]["id"],
        "0101"
    );
    assert_eq!(structure["dimensions"]["series"][1]["keyPosition"], 1);
    assert_eq!(
        structure["dimensions"]["observation"][0]["values"][1]["id"],
        "2023"
    );
    assert_eq!(structure["dimensions"]["observation"][0]["keyPosition"], 2);
    assert_eq!(
        structure["attributes"]["observation"][0]["id"],
        "OBS_STATUS"
    );
    assert_eq!(
        structure["attributes"]["observation"][0]["values"][1]["id"],
        "Q"
    );
    assert_eq!(
        structure["attributes"]["series"][0]["values"][0]["name"],
        "Number"
    );
    assert_eq!(message["header"]["prepared"], "2025-03-31T09:00:00Z");
}

/// Elements of an XML document as (name, attributes), with entities resolved.
fn xml_elements(xml: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut reader = Reader::from_str(xml);
    let mut elements = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_owned();
                let attributes = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        let value = a
                            .normalized_value(XmlVersion::Explicit1_0)
                            .expect("escaped value")
                            .into_owned();
                        (a.key.as_ref().to_owned(), value)
                    })
                    .collect();
                elements.push((name, attributes));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    elements
}

#[test]
fn structure_specific_data_by_hand() {
    let xml = text(
        data_bytes(
            DataFormat::StructureSpecificXml,
            &header(),
            &tiny_structures(),
            &tiny_data(),
        )
        .unwrap(),
    );
    let elements = xml_elements(&xml);
    let pick = |name: &str| -> Vec<&BTreeMap<String, String>> {
        elements
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, a)| a)
            .collect()
    };
    let series = pick("Series");
    let observations = pick("Obs");
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        series,
        [
            &map(&[("FREQ", "A"), ("ICCS", "01"), ("UNIT_MEASURE", "NUMBER")]),
            &map(&[("FREQ", "A"), ("ICCS", "0101"), ("UNIT_MEASURE", "NUMBER")]),
        ]
    );
    assert_eq!(
        observations,
        [
            &map(&[
                ("TIME_PERIOD", "2022"),
                ("OBS_VALUE", "12"),
                ("OBS_STATUS", "A"),
                ("CONF_STATUS", "F")
            ]),
            // The suppressed cell: statuses, and no OBS_VALUE at all.
            &map(&[
                ("TIME_PERIOD", "2023"),
                ("OBS_STATUS", "Q"),
                ("CONF_STATUS", "C")
            ]),
            &map(&[
                ("TIME_PERIOD", "2023"),
                ("OBS_VALUE", "0.5"),
                ("OBS_STATUS", "A"),
                ("CONF_STATUS", "F")
            ]),
        ]
    );
    let structure = pick("mes:Structure")[0];
    assert_eq!(
        structure["namespace"],
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=TL:DSD(1.0):ObsLevelDim:TIME_PERIOD"
    );
    assert_eq!(structure["dimensionAtObservation"], "TIME_PERIOD");
}

#[test]
fn names_survive_xml_escaping() {
    let mut structures = tiny_structures();
    let awkward = "Theft & \"robbery\" <aggravated>, O'Neil\tcase\nline two";
    structures.codelists[1].codes[0].name = awkward.to_owned();
    let xml = text(structure_bytes(&header(), &structures).unwrap());
    let mut reader = Reader::from_str(&xml);
    let mut names = Vec::new();
    let mut in_name = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == "com:Name" => {
                in_name = true;
                names.push(String::new());
            }
            Event::Text(t) if in_name => names
                .last_mut()
                .expect("inside a name")
                .push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_name => {
                let entity: &str = &r;
                let resolved = match entity {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                names.last_mut().expect("inside a name").push_str(resolved);
            }
            Event::End(e) if e.name().as_ref() == "com:Name" => in_name = false,
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(names.iter().any(|n| n == awkward), "{names:?}");
}

#[test]
fn the_structure_message_lists_parents_and_references() {
    let xml = text(structure_bytes(&header(), &tiny_structures()).unwrap());
    let elements = xml_elements(&xml);
    // The code 0101 is followed by its Parent reference to 01.
    let at = elements
        .iter()
        .position(|(n, a)| n == "str:Code" && a.get("id").map(String::as_str) == Some("0101"))
        .unwrap();
    assert_eq!(elements[at + 2].0, "str:Parent");
    assert_eq!(elements[at + 3].1["id"], "01");
    let dimension_positions: Vec<(&str, &str)> = elements
        .iter()
        .filter(|(n, _)| n == "str:Dimension" || n == "str:TimeDimension")
        .filter_map(|(_, a)| Some((a.get("id")?.as_str(), a.get("position")?.as_str())))
        .collect();
    assert_eq!(
        dimension_positions,
        [("FREQ", "1"), ("ICCS", "2"), ("TIME_PERIOD", "3")]
    );
}

#[test]
fn output_does_not_depend_on_observation_order() {
    let structures = tiny_structures();
    let data = tiny_data();
    let mut reversed = data.clone();
    reversed.observations.reverse();
    for format in DataFormat::ALL {
        assert_eq!(
            data_bytes(format, &header(), &structures, &data).unwrap(),
            data_bytes(format, &header(), &structures, &reversed).unwrap(),
            "{format:?}"
        );
    }
}

#[test]
fn writing_all_formats_at_once_gives_the_same_bytes() {
    let (structures, data) = (tiny_structures(), tiny_data());
    let all = all_data_bytes(&header(), &structures, &data).unwrap();
    assert_eq!(all.len(), 4);
    for (format, bytes) in all {
        assert_eq!(
            bytes,
            data_bytes(format, &header(), &structures, &data).unwrap(),
            "{format:?}"
        );
    }
}

#[test]
fn numbers_are_printed_in_plain_decimal() {
    assert_eq!(format_number(12.0), "12");
    assert_eq!(format_number(0.1), "0.1");
    assert_eq!(format_number(1234.5), "1234.5");
    assert_eq!(format_number(-0.0), "0");
    assert_eq!(format_number(1e21), "1000000000000000000000");
    assert_eq!(format_number(1e-7), "0.0000001");
    assert_eq!(format_number(2.0 / 3.0), "0.6666666666666666");
}

fn write_error(data: &DataSet) -> SdmxError {
    data_bytes(DataFormat::CsvV1, &header(), &tiny_structures(), data).unwrap_err()
}

#[test]
fn bad_observations_get_typed_errors() {
    let mut data = tiny_data();
    data.observations[0].key[1] = "0199".to_owned();
    assert!(
        matches!(write_error(&data), SdmxError::UnknownCode { index: 0, ref dimension, ref code, .. }
            if dimension == "ICCS" && code == "0199")
    );

    let mut data = tiny_data();
    data.observations[2].key.pop();
    assert!(matches!(
        write_error(&data),
        SdmxError::KeyLength {
            index: 2,
            expected: 2,
            found: 1,
            ..
        }
    ));

    let mut data = tiny_data();
    data.observations[0].key[1] = "01".to_owned();
    data.observations[0].value = None;
    data.observations[0]
        .attributes
        .insert("OBS_STATUS".into(), "Q".into());
    data.observations[0]
        .attributes
        .insert("CONF_STATUS".into(), "C".into());
    assert!(matches!(
        write_error(&data),
        SdmxError::DuplicateObservation {
            first: 0,
            second: 1,
            ..
        }
    ));

    let mut data = tiny_data();
    data.observations[2].time_period = "2022-Q1".to_owned();
    let error = write_error(&data);
    assert!(
        matches!(error, SdmxError::InvalidTimePeriod { index: 2, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("FREQ is A"), "{error}");

    let mut data = tiny_data();
    data.observations[2].time_period = "22".to_owned();
    assert!(matches!(
        write_error(&data),
        SdmxError::InvalidTimePeriod { index: 2, .. }
    ));

    let mut data = tiny_data();
    data.observations[2].value = Some(f64::NAN);
    assert!(matches!(
        write_error(&data),
        SdmxError::NonFiniteValue { index: 2, .. }
    ));

    let mut data = tiny_data();
    data.observations[2].attributes.remove("OBS_STATUS");
    assert!(
        matches!(write_error(&data), SdmxError::MissingAttribute { index: 2, ref attribute } if attribute == "OBS_STATUS")
    );

    // A series-level attribute may be left off some observations of its series, but
    // not off all of them: series A.01 is observations 1 and 2; the error names the
    // first of them.
    let mut data = tiny_data();
    data.observations[1].attributes.remove("UNIT_MEASURE");
    data.observations[2].attributes.remove("UNIT_MEASURE");
    assert!(matches!(
        write_error(&data),
        SdmxError::MissingAttribute { index: 1, ref attribute } if attribute == "UNIT_MEASURE"
    ));

    let mut data = tiny_data();
    data.observations[2]
        .attributes
        .insert("COMMENT".into(), "x".into());
    assert!(matches!(
        write_error(&data),
        SdmxError::UnknownAttribute { index: 2, .. }
    ));

    let mut data = tiny_data();
    data.observations[2]
        .attributes
        .insert("OBS_STATUS".into(), "Z".into());
    assert!(matches!(
        write_error(&data),
        SdmxError::InvalidAttributeValue { index: 2, .. }
    ));

    let mut data = tiny_data();
    data.dataflow = reference("OTHER");
    assert!(matches!(write_error(&data), SdmxError::UnknownDataflow(_)));
}

#[test]
fn a_confidential_cell_with_a_value_is_refused() {
    let mut data = tiny_data();
    data.observations[1].value = Some(3.0);
    let error = write_error(&data);
    assert!(
        matches!(error, SdmxError::ConfidentialValue { index: 1, ref status, .. } if status == "C"),
        "{error}"
    );
}

#[test]
fn series_attributes_must_agree_within_a_series() {
    let mut structures = tiny_structures();
    structures.codelists[2]
        .codes
        .push(Code::new("PT", "Percent"));
    let mut data = tiny_data();
    data.observations[1]
        .attributes
        .insert("UNIT_MEASURE".into(), "PT".into());
    let error = data_bytes(DataFormat::Json, &header(), &structures, &data).unwrap_err();
    assert!(
        matches!(error, SdmxError::InconsistentSeriesAttribute { ref attribute, ref series, .. }
            if attribute == "UNIT_MEASURE" && series == "A.01"),
        "{error}"
    );
}

#[test]
fn bad_structures_get_typed_errors() {
    let mut structures = tiny_structures();
    structures.codelists[1]
        .codes
        .push(Code::new("01 1", "Space"));
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::InvalidId { .. }
    ));

    let mut structures = tiny_structures();
    structures.codelists[1].codes[1].parent = Some("02".to_owned());
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::BadParent {
            problem: "which is not in the codelist",
            ..
        }
    ));

    let mut structures = tiny_structures();
    structures.codelists[1].codes[0].parent = Some("0101".to_owned());
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::BadParent {
            problem: "which makes the hierarchy loop",
            ..
        }
    ));

    let mut structures = tiny_structures();
    structures.codelists[1].codes.push(Code::new("01", "Again"));
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::Duplicate { kind: "code", .. }
    ));

    let mut structures = tiny_structures();
    structures.codelists.remove(0);
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::MissingReference {
            kind: "codelist",
            ..
        }
    ));

    let mut structures = tiny_structures();
    structures.concept_schemes[0]
        .concepts
        .retain(|c| c.id != "ICCS");
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::MissingReference {
            kind: "concept",
            ..
        }
    ));

    let mut structures = tiny_structures();
    structures.data_structures[0].dimensions[1].id = "1CCS".to_owned();
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::InvalidId { .. }
    ));

    let mut structures = tiny_structures();
    structures.codelists[0].codes[0].name = "Annual\u{1}".to_owned();
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::InvalidText { .. }
    ));

    let mut structures = tiny_structures();
    structures.codelists[0].version = "1.0-draft".to_owned();
    assert!(matches!(
        structure_bytes(&header(), &structures).unwrap_err(),
        SdmxError::InvalidVersion { .. }
    ));

    let mut bad_header = header();
    bad_header.prepared = "31/03/2025".to_owned();
    assert!(matches!(
        structure_bytes(&bad_header, &tiny_structures()).unwrap_err(),
        SdmxError::BadHeader(_)
    ));
}

fn crime_release() -> CrimeRelease {
    CrimeRelease {
        agency: "NSO".to_owned(),
        version: "1.0".to_owned(),
        dataflow_id: "DF_CRIME".to_owned(),
        dataflow_name: "Crime".to_owned(),
        areas: vec![Area {
            code: "XY".to_owned(),
            name: "Testland".to_owned(),
            parent: None,
        }],
        indicators: vec![Indicator {
            code: "OFFENCES_RECORDED".to_owned(),
            name: "Offences recorded".to_owned(),
            unit: Unit::Number,
        }],
    }
}

#[test]
fn the_iccs_codelist_has_the_whole_classification() {
    let built = CrimeStructures::build(&crime_release()).unwrap();
    let iccs = built
        .structures
        .codelist(&ArtefactRef::new("NSO", "CL_ICCS", "1.0"))
        .unwrap();
    // ICCS 1.0 has 320 categories (11 sections, 63 divisions, 148 groups, 98 classes);
    // with _T and _X the codelist has 322 codes, and only the 11 sections, _T and _X
    // have no parent.
    assert_eq!(iccs.codes.len(), 322);
    assert_eq!(iccs.codes.iter().filter(|c| c.parent.is_none()).count(), 13);
    assert_eq!(iccs.code("0101").unwrap().name, "Intentional homicide");
    assert_eq!(iccs.code("0101").unwrap().parent.as_deref(), Some("01"));
    assert_eq!(iccs.code("02011").unwrap().parent.as_deref(), Some("0201"));
    assert_eq!(iccs.codes[0].id, crime::TOTAL);
    assert_eq!(iccs.codes[321].id, crime::NOT_CLASSIFIABLE);
}

#[test]
fn suppressed_cells_lose_value_and_bounds() {
    let built = CrimeStructures::build(&crime_release()).unwrap();
    let cell = |status| Cell {
        frequency: "A".to_owned(),
        series: "VC_IHR_PSRC".to_owned(),
        iccs: "0101".to_owned(),
        area: "XY".to_owned(),
        sex: "_T".to_owned(),
        age: "_T".to_owned(),
        time_period: "2023".to_owned(),
        value: Some(0.13),
        status,
        bounds: Some((0.05, 0.3)),
    };
    let primary = built
        .observation(0, &cell(CellStatus::PrimarySuppressed))
        .unwrap();
    assert_eq!(primary.value, None);
    assert_eq!(
        primary.attributes.get("CONF_STATUS").map(String::as_str),
        Some("C")
    );
    assert_eq!(
        primary.attributes.get("OBS_STATUS").map(String::as_str),
        Some("Q")
    );
    assert!(!primary.attributes.contains_key("LOWER_BOUND"));
    assert!(!primary.attributes.contains_key("UPPER_BOUND"));
    let secondary = built
        .observation(0, &cell(CellStatus::SecondarySuppressed))
        .unwrap();
    assert_eq!(secondary.value, None);
    assert_eq!(
        secondary.attributes.get("CONF_STATUS").map(String::as_str),
        Some("D")
    );
    let normal = built.observation(0, &cell(CellStatus::Normal)).unwrap();
    assert_eq!(normal.value, Some(0.13));
    assert_eq!(
        normal.attributes.get("UNIT_MEASURE").map(String::as_str),
        Some("PER_100000_POP")
    );
    assert_eq!(
        normal.attributes.get("LOWER_BOUND").map(String::as_str),
        Some("0.05")
    );
    assert_eq!(
        normal.attributes.get("UPPER_BOUND").map(String::as_str),
        Some("0.3")
    );

    // End to end: the suppressed cell's CSV row has an empty OBS_VALUE and no bounds.
    let data = built
        .data_set(&[cell(CellStatus::PrimarySuppressed)])
        .unwrap();
    let csv = text(data_bytes(DataFormat::CsvV1, &header(), &built.structures, &data).unwrap());
    let row = csv.lines().nth(1).unwrap();
    assert_eq!(
        row,
        "NSO:DF_CRIME(1.0),A,VC_IHR_PSRC,0101,XY,_T,_T,2023,,PER_100000_POP,0,Q,C,,"
    );
}

#[test]
fn crime_structures_refuse_reused_series_codes_and_unknown_series() {
    let mut release = crime_release();
    release.indicators.push(Indicator {
        code: "VC_IHR_PSRC".to_owned(),
        name: "Homicide rate, again".to_owned(),
        unit: Unit::Per100000Population,
    });
    assert!(matches!(
        CrimeStructures::build(&release).unwrap_err(),
        SdmxError::Duplicate { kind: "code", .. }
    ));

    let built = CrimeStructures::build(&crime_release()).unwrap();
    let cell = Cell {
        frequency: "A".to_owned(),
        series: "NO_SUCH_SERIES".to_owned(),
        iccs: "_T".to_owned(),
        area: "XY".to_owned(),
        sex: "_T".to_owned(),
        age: "_T".to_owned(),
        time_period: "2023".to_owned(),
        value: Some(1.0),
        status: CellStatus::Normal,
        bounds: None,
    };
    assert!(matches!(
        built.data_set(&[cell]).unwrap_err(),
        SdmxError::UnknownCode { index: 0, ref dimension, .. } if dimension == "SERIES"
    ));
}

#[test]
fn evident_sex_and_age_codes_map_to_sdmx_codes() {
    // Stored codes from docs/data-model.md: sex M, F, X (other / not applicable),
    // U (not known); age bands Y0T14 … Y_GE60 and U.
    let sexes: Vec<_> = ["M", "F", "X", "U", "_T", "?"].map(crime::sex_code).into();
    assert_eq!(
        sexes,
        [
            Some("M"),
            Some("F"),
            Some("_O"),
            Some("_U"),
            Some("_T"),
            None
        ]
    );
    let ages: Vec<_> = ["Y0T14", "Y30T44", "Y_GE60", "U", "Y60T64"]
        .map(crime::age_code)
        .into();
    assert_eq!(
        ages,
        [
            Some("Y0T14"),
            Some("Y30T44"),
            Some("Y_GE60"),
            Some("_U"),
            None
        ]
    );
}

#[test]
fn every_sdg_series_is_a_code_with_its_unit() {
    let built = CrimeStructures::build(&crime_release()).unwrap();
    let series = built
        .structures
        .codelist(&ArtefactRef::new("NSO", "CL_SERIES", "1.0"))
        .unwrap();
    // The four SDG indicators the issue names, each with at least one series.
    for indicator in ["16.1.1", "16.2.2", "16.3.2", "16.10.1"] {
        assert!(
            crime::SDG_SERIES.iter().any(|s| s.indicator == indicator),
            "{indicator}"
        );
    }
    for sdg in crime::SDG_SERIES {
        assert!(series.code(sdg.code).is_some(), "{}", sdg.code);
        assert_eq!(built.unit(sdg.code), Some(sdg.unit));
    }
    assert_eq!(
        crime::sdg_series("VC_PRS_UNSNT").map(|s| s.unit),
        Some(Unit::Percent)
    );
}
