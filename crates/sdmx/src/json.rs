//! SDMX-JSON 1.0 data message writer (the JSON format of SDMX 2.1 web services;
//! field guide in sdmx-twg/sdmx-json, `data-message/docs`, tag v1.0).
//!
//! Shape: `header`, `structure` and `dataSets` at the top, in that order. The structure lists, per
//! level, the dimensions and attributes used in the message with the values that
//! occur; the data set refers to those values by position. Series are keyed by the
//! colon-joined positions of their dimension values (`"0:3:1:0:2:0"`); each series
//! holds `attributes` (positions of its series-level attribute values) and
//! `observations` keyed by the position of the time period, each an array
//! `[value, attribute positions…]`. A suppressed cell has `null` as its value.
//!
//! Only dimension values and attributes that occur are listed, in codelist order.
//! Attributes without any value are left out, which keeps the positions in the
//! observation arrays aligned for readers that drop empty attributes (sdmx1 does).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde_json::{Value, json};

use crate::check::{self, Resolved};
use crate::error::Result;
use crate::model::{DataSet, Header, Structures, format_number};

/// Writes `data` as an SDMX-JSON 1.0 data message.
pub fn write_json<W: Write>(
    out: W,
    header: &Header,
    structures: &Structures,
    data: &DataSet,
) -> Result<W> {
    check::check_header(header)?;
    let resolved = check::resolve(structures, data)?;
    Ok(write_resolved(out, header, structures, &resolved)?)
}

pub(crate) fn write_resolved<W: Write>(
    mut out: W,
    header: &Header,
    structures: &Structures,
    resolved: &Resolved<'_>,
) -> std::io::Result<W> {
    write_message(&mut out, header, structures, resolved)?;
    out.write_all(b"\n")?;
    Ok(out)
}

/// Writes a position into an array, or `null`.
fn write_position<W: Write>(out: &mut W, position: Option<usize>) -> std::io::Result<()> {
    match position {
        Some(position) => write!(out, "{position}"),
        None => out.write_all(b"null"),
    }
}

/// Values of one component as they occur, with their positions.
struct Used<'a> {
    /// (id, display name) in listing order.
    values: Vec<(&'a str, &'a str)>,
    position: BTreeMap<&'a str, usize>,
}

impl<'a> Used<'a> {
    fn from_sorted(values: Vec<(&'a str, &'a str)>) -> Self {
        let position = values
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        Used { values, position }
    }
}

/// Writes the message. Header and structure are small and built as JSON values;
/// the data set, which holds every observation, is streamed.
fn write_message<W: Write>(
    out: &mut W,
    header: &Header,
    structures: &Structures,
    resolved: &Resolved<'_>,
) -> std::io::Result<()> {
    let dsd = resolved.dsd;
    let concept_name = |id: &str| -> String {
        structures
            .concept_scheme(&dsd.concepts)
            .and_then(|scheme| scheme.concepts.iter().find(|c| c.id == id))
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };

    // Dimension values in codelist order: mark the positions used.
    let dimension_values: Vec<Used> = resolved
        .dimension_codelists
        .iter()
        .enumerate()
        .map(|(d, codelist)| {
            let mut used = vec![false; codelist.codes.len()];
            for series in &resolved.series {
                used[series.positions[d]] = true;
            }
            Used::from_sorted(
                codelist
                    .codes
                    .iter()
                    .zip(used)
                    .filter(|(_, used)| *used)
                    .map(|(code, _)| (code.id.as_str(), code.name.as_str()))
                    .collect(),
            )
        })
        .collect();

    let periods: BTreeSet<(usize, &str)> = resolved
        .observations()
        .map(|o| (o.time_period.len(), o.time_period.as_str()))
        .collect();
    let time_values = Used::from_sorted(periods.into_iter().map(|(_, p)| (p, p)).collect());

    // Attribute values: coded ones in codelist order, text ones in text order.
    // Collect the distinct values first: there are few, observations are many.
    let mut distinct: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); dsd.attributes.len()];
    for observation in resolved.observations() {
        for (a, attribute) in dsd.attributes.iter().enumerate() {
            if let Some(value) = observation.attributes.get(&attribute.id) {
                distinct[a].insert(value);
            }
        }
    }
    let attribute_values: Vec<Used> = distinct
        .into_iter()
        .enumerate()
        .map(|(a, values)| match resolved.attribute_codelists[a] {
            Some(codelist) => {
                let mut positions: Vec<usize> = values
                    .iter()
                    .filter_map(|v| codelist.codes.iter().position(|c| c.id == *v))
                    .collect();
                positions.sort_unstable();
                Used::from_sorted(
                    positions
                        .into_iter()
                        .map(|p| {
                            (
                                codelist.codes[p].id.as_str(),
                                codelist.codes[p].name.as_str(),
                            )
                        })
                        .collect(),
                )
            }
            None => Used::from_sorted(values.into_iter().map(|v| (v, v)).collect()),
        })
        .collect();

    let listed = |indexes: Vec<usize>| -> Vec<usize> {
        indexes
            .into_iter()
            .filter(|&a| !attribute_values[a].values.is_empty())
            .collect()
    };
    let series_attributes = listed(resolved.series_attributes());
    let observation_attributes = listed(resolved.observation_attributes());

    let attribute_json = |a: usize| -> Value {
        let attribute = &dsd.attributes[a];
        let coded = resolved.attribute_codelists[a].is_some();
        let values: Vec<Value> = attribute_values[a]
            .values
            .iter()
            .map(|(id, name)| {
                if coded {
                    json!({ "id": id, "name": name })
                } else {
                    json!({ "name": name })
                }
            })
            .collect();
        json!({ "id": attribute.id, "name": concept_name(&attribute.id), "values": values })
    };

    let series_dimensions: Vec<Value> = dsd
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dimension)| {
            let values: Vec<Value> = dimension_values[d]
                .values
                .iter()
                .map(|(id, name)| json!({ "id": id, "name": name }))
                .collect();
            json!({ "id": dimension.id, "name": concept_name(&dimension.id), "keyPosition": d, "values": values })
        })
        .collect();
    let time_dimension = json!({
        "id": dsd.time_dimension,
        "name": concept_name(&dsd.time_dimension),
        "keyPosition": dsd.dimensions.len(),
        "role": "time",
        "values": time_values.values.iter().map(|(id, _)| json!({ "id": id, "name": id })).collect::<Vec<_>>(),
    });

    let head = json!({
        "header": {
            "id": header.id,
            "test": header.test,
            "prepared": header.prepared,
            "sender": { "id": header.sender },
        },
        "structure": {
            "name": resolved.dataflow.name,
            "dimensions": {
                "dataSet": [],
                "series": series_dimensions,
                "observation": [time_dimension],
            },
            "attributes": {
                "dataSet": [],
                "series": series_attributes.iter().map(|&a| attribute_json(a)).collect::<Vec<_>>(),
                "observation": observation_attributes.iter().map(|&a| attribute_json(a)).collect::<Vec<_>>(),
            },
        },
    });
    // `head` is an object; open it up to append the streamed data set after it.
    let head = serde_json::to_vec(&head).map_err(std::io::Error::from)?;
    out.write_all(head.strip_suffix(b"}").unwrap_or(&head))?;
    out.write_all(b",\"dataSets\":[{\"action\":\"Information\",\"series\":{")?;
    for (s, series) in resolved.series.iter().enumerate() {
        if s > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\"")?;
        for (d, code) in series.key.iter().enumerate() {
            if d > 0 {
                out.write_all(b":")?;
            }
            write!(out, "{}", dimension_values[d].position[code.as_str()])?;
        }
        out.write_all(b"\":{\"attributes\":[")?;
        for (i, &a) in series_attributes.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let id = &dsd.attributes[a].id;
            let value = series
                .observations
                .iter()
                .find_map(|o| o.attributes.get(id));
            write_position(out, value.map(|v| attribute_values[a].position[v.as_str()]))?;
        }
        out.write_all(b"],\"observations\":{")?;
        for (o, observation) in series.observations.iter().enumerate() {
            if o > 0 {
                out.write_all(b",")?;
            }
            let period = time_values.position[observation.time_period.as_str()];
            write!(out, "\"{period}\":[")?;
            match observation.value {
                Some(value) => out.write_all(format_number(value).as_bytes())?,
                None => out.write_all(b"null")?,
            }
            for &a in &observation_attributes {
                out.write_all(b",")?;
                let value = observation.attributes.get(&dsd.attributes[a].id);
                write_position(out, value.map(|v| attribute_values[a].position[v.as_str()]))?;
            }
            out.write_all(b"]")?;
        }
        out.write_all(b"}}")?;
    }
    out.write_all(b"}}]}")
}
