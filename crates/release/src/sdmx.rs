//! The release in SDMX: the crime DSD of `evident-sdmx` with the release's
//! areas and series, and one observation per published count, rate and
//! percentage.
//!
//! Dimensions Evident tables have beyond the DSD's key (form of exploitation,
//! occupation, stage, sub-index, follow-up) are told apart by the series code;
//! where a series is an SDG series, its SDG code is used. Indices and ratios
//! have no unit in the DSD and are published in the CSV and Parquet files only.

use std::collections::{BTreeSet, HashMap};

use evident_sdmx::crime::{self, Area, Cell, CellStatus, CrimeRelease, CrimeStructures, Indicator};
use evident_sdmx::{Code, DataFormat, Header, all_data_bytes, structure_bytes};

use crate::codes::{self, Areas, NOT_CLASSIFIABLE, NOT_FURTHER_SPECIFIED, TOTAL, UNKNOWN_AREA};
use crate::error::{ReleaseError, Result};
use crate::publish::PublishedTable;
use crate::settings::ReleaseSettings;

/// The dataflow of every release.
pub(crate) const DATAFLOW: &str = "DF_CRIME";

/// The SDMX files of a release: `(file name, bytes)`.
pub(crate) fn render(
    settings: &ReleaseSettings,
    areas: &Areas,
    tables: &[PublishedTable],
) -> Result<Vec<(String, Vec<u8>)>> {
    // The writers sort observations by codelist order and time, so the order
    // here does not reach the files.
    let mut observations: HashMap<[String; 7], Cell> = HashMap::new();
    let mut own: Vec<Indicator> = Vec::new();
    let mut extra_iccs: BTreeSet<String> = BTreeSet::new();
    let mut unknown_area = false;
    for table in tables {
        if table.column("period").is_none() {
            continue;
        }
        for series in table.layout.series {
            let Some(column) = table.column(series.column) else {
                continue;
            };
            if series.code.is_empty() {
                continue;
            }
            if crime::sdg_series(series.code).is_none()
                && !own.iter().any(|i| i.code == series.code)
            {
                own.push(Indicator {
                    code: series.code.to_owned(),
                    name: series.name.to_owned(),
                    unit: series.unit,
                });
            }
            for row in 0..table.rows() {
                if let Some((c, v)) = series.when
                    && table.text(c, row) != Some(v)
                {
                    continue;
                }
                let period = table.text("period", row).unwrap_or_default().to_owned();
                let iccs = match table.text("iccs", row) {
                    Some(code) => code,
                    None => series.iccs.unwrap_or(TOTAL),
                };
                if iccs.ends_with(NOT_FURTHER_SPECIFIED) {
                    extra_iccs.insert(iccs.to_owned());
                }
                let iccs = if iccs == NOT_CLASSIFIABLE {
                    crime::NOT_CLASSIFIABLE
                } else {
                    iccs
                };
                let area = table.text("area", row).unwrap_or(TOTAL);
                unknown_area |= area == UNKNOWN_AREA;
                let sex = code_or_total(table.text("sex", row), crime::sex_code, "sex")?;
                let age = code_or_total(table.text("age", row), crime::age_code, "age")?;
                let status = table.status[column][row];
                let value = if status.is_suppressed() {
                    None
                } else {
                    table.number(series.column, row)
                };
                let status = match (status, value) {
                    (CellStatus::Normal, None) => CellStatus::Missing,
                    (s, _) => s,
                };
                let bounds = series.bounds.and_then(|(lower, upper)| {
                    if status.is_suppressed() {
                        return None;
                    }
                    table.number(lower, row).zip(table.number(upper, row))
                });
                let cell = Cell {
                    frequency: codes::frequency(&period).to_owned(),
                    series: series.code.to_owned(),
                    iccs: iccs.to_owned(),
                    area: area.to_owned(),
                    sex: sex.to_owned(),
                    age: age.to_owned(),
                    time_period: period,
                    value,
                    status,
                    bounds,
                };
                let key = [
                    cell.series.clone(),
                    cell.frequency.clone(),
                    cell.iccs.clone(),
                    cell.area.clone(),
                    cell.sex.clone(),
                    cell.age.clone(),
                    cell.time_period.clone(),
                ];
                match observations.get_mut(&key) {
                    None => {
                        observations.insert(key, cell);
                    }
                    // Two tables show the same figure (persons held in the SDG
                    // table and the occupancy table): one observation.
                    Some(existing) => {
                        if existing.value != cell.value || existing.status != cell.status {
                            return Err(ReleaseError::table(
                                &table.indicator,
                                format!(
                                    "SDMX series {} at {} is published twice with different values",
                                    cell.series,
                                    key.join(".")
                                ),
                            ));
                        }
                        if existing.bounds.is_none() {
                            existing.bounds = cell.bounds;
                        }
                    }
                }
            }
        }
    }

    let mut area_list = vec![Area {
        code: TOTAL.to_owned(),
        name: "All areas".to_owned(),
        parent: None,
    }];
    let mut listed: Vec<&Area> = settings.areas.iter().collect();
    listed.sort_by(|a, b| a.code.cmp(&b.code));
    area_list.extend(listed.into_iter().cloned());
    if unknown_area && !settings.areas.iter().any(|a| a.code == UNKNOWN_AREA) {
        area_list.push(Area {
            code: UNKNOWN_AREA.to_owned(),
            name: areas
                .name(UNKNOWN_AREA)
                .unwrap_or("Region not known")
                .to_owned(),
            parent: None,
        });
    }
    let release = CrimeRelease {
        agency: settings.agency.clone(),
        version: settings.sdmx_version.clone(),
        dataflow_id: DATAFLOW.to_owned(),
        dataflow_name: "Crime and criminal-justice statistics".to_owned(),
        areas: area_list,
        indicators: own,
    };
    let mut structures = CrimeStructures::build(&release)?;
    // Records coded to a category but to none of its subdivisions have their
    // own code below the category, so that every level adds up.
    if let Some(list) = structures
        .structures
        .codelists
        .iter_mut()
        .find(|c| c.id == "CL_ICCS")
    {
        for code in &extra_iccs {
            let base = code.trim_end_matches(NOT_FURTHER_SPECIFIED);
            list.codes.push(
                Code::new(code.as_str(), evident_engine::tables::iccs_cell_name(code))
                    .with_parent(base),
            );
        }
    }
    let data = structures.data_set(observations.values())?;
    let header = Header::new(&settings.id, &settings.created, &settings.agency);
    let mut files = vec![(
        "structure.xml".to_owned(),
        structure_bytes(&header, &structures.structures)?,
    )];
    for (format, bytes) in all_data_bytes(&header, &structures.structures, &data)? {
        let name = match format {
            DataFormat::StructureSpecificXml => "data.xml",
            DataFormat::CsvV1 => "data.csv",
            DataFormat::CsvV2 => "data-v2.csv",
            DataFormat::Json => "data.json",
        };
        files.push((name.to_owned(), bytes));
    }
    Ok(files)
}

fn code_or_total(
    code: Option<&str>,
    map: fn(&str) -> Option<&'static str>,
    dimension: &str,
) -> Result<&'static str> {
    match code {
        None => Ok(TOTAL),
        Some(c) => map(c).ok_or_else(|| {
            ReleaseError::Settings(format!("{dimension} code {c:?} has no SDMX code"))
        }),
    }
}
