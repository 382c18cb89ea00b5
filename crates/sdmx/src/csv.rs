//! SDMX-CSV writers, one observation per row (SDMX-CSV field guide, sdmx-twg/sdmx-csv,
//! versions 1.0 of 2018 and 2.0.0 of 2021).
//!
//! - **1.0** (companion of SDMX 2.1): `DATAFLOW` column holding `AGENCY:ID(VERSION)`,
//!   then every dimension in DSD order, `TIME_PERIOD`, `OBS_VALUE`, every attribute.
//! - **2.0** (companion of SDMX 3.0): `STRUCTURE` (`dataflow`), `STRUCTURE_ID`,
//!   `ACTION` (`I`, information), then the same component columns.
//!
//! Both versions include a column for every DSD attribute even when unused, replicate
//! series-level attributes on each row, leave `OBS_VALUE` empty for suppressed cells,
//! and quote fields per RFC 4180 (rows end with CRLF). Codes are written as they are
//! (`01`, not `1`): readers must be told to read code columns as text.

use std::io::Write;

use crate::check::{self, Resolved};
use crate::error::Result;
use crate::model::{Attachment, DataSet, Structures, format_number};

/// Which SDMX-CSV version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvVersion {
    /// SDMX-CSV 1.0, the version defined alongside SDMX 2.1.
    V1,
    /// SDMX-CSV 2.0.0, the version defined alongside SDMX 3.0 (read by `sdmx1`).
    V2,
}

/// Quotes a field when RFC 4180 requires it (comma, quote, CR or LF inside).
fn field(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

fn write_row<W: Write>(out: &mut W, fields: &[&str]) -> std::io::Result<()> {
    for (i, value) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(field(value).as_bytes())?;
    }
    out.write_all(b"\r\n")
}

/// Writes `data` as SDMX-CSV of the given version.
pub fn write_csv<W: Write>(
    mut out: W,
    structures: &Structures,
    data: &DataSet,
    version: CsvVersion,
) -> Result<W> {
    let resolved = check::resolve(structures, data)?;
    write_resolved(&mut out, &resolved, version)?;
    Ok(out)
}

pub(crate) fn write_resolved<W: Write>(
    out: &mut W,
    resolved: &Resolved<'_>,
    version: CsvVersion,
) -> std::io::Result<()> {
    let dsd = resolved.dsd;
    let dataflow = resolved.dataflow.reference().to_string();
    let mut header: Vec<&str> = match version {
        CsvVersion::V1 => vec!["DATAFLOW"],
        CsvVersion::V2 => vec!["STRUCTURE", "STRUCTURE_ID", "ACTION"],
    };
    header.extend(dsd.dimensions.iter().map(|d| d.id.as_str()));
    header.push(&dsd.time_dimension);
    header.push(&dsd.primary_measure);
    header.extend(dsd.attributes.iter().map(|a| a.id.as_str()));
    write_row(out, &header)?;

    let lead: Vec<&str> = match version {
        CsvVersion::V1 => vec![&dataflow],
        CsvVersion::V2 => vec!["dataflow", &dataflow, "I"],
    };
    for series in &resolved.series {
        for observation in &series.observations {
            let value = observation.value.map(format_number).unwrap_or_default();
            let mut row = lead.clone();
            row.extend(observation.key.iter().map(String::as_str));
            row.push(&observation.time_period);
            row.push(&value);
            for attribute in &dsd.attributes {
                // Series attributes may be given on only some observations of a series;
                // every row repeats the series' value.
                let own = observation.attributes.get(&attribute.id);
                let value = match attribute.attachment {
                    Attachment::Series => own.or_else(|| {
                        series
                            .observations
                            .iter()
                            .find_map(|o| o.attributes.get(&attribute.id))
                    }),
                    Attachment::Observation => own,
                };
                let value = value.map(String::as_str).unwrap_or("");
                row.push(value);
            }
            write_row(out, &row)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("Theft, burglary"), "\"Theft, burglary\"");
        assert_eq!(
            field("the \"so-called\" crime"),
            "\"the \"\"so-called\"\" crime\""
        );
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
