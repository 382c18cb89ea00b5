//! SDMX publication of Evident releases.
//!
//! This crate owns the SDMX rendering of computed, disclosure-controlled indicator
//! tables: a small model of the SDMX 2.1 information model ([`model`]), the checks
//! that make every message valid before a byte is written ([`check`]), and writers
//! for
//! - the SDMX-ML 2.1 structure message (codelists, concept scheme, DSD, dataflow),
//! - SDMX-ML 2.1 structure-specific data (time-series form),
//! - SDMX-CSV 1.0 and 2.0,
//! - SDMX-JSON 1.0 data.
//!
//! [`crime`] builds Evident's standard crime-statistics structure: the full ICCS as a
//! hierarchical codelist, areas, sex, age, units, SDMX observation and
//! confidentiality status, and SDG series codes for the SDG indicators Evident
//! computes. Its cell rules make sure a suppressed cell is published with its status
//! codes and without a value, in every format.
//!
//! Writers are deterministic: the same structures and observations give the same
//! bytes, whatever order the observations arrive in (they are sorted by codelist
//! order and time), and the preparation time comes from the caller, not the clock.
//!
//! Deliberately not here: computing indicators or deciding suppression (the engine
//! and the disclosure crate do), files and directories of a release (the release
//! builder decides names and writes checksums), and reading SDMX (clients such as
//! sdmx1, pysdmx and rsdmx check our output in the tests).

pub mod check;
pub mod crime;
mod csv;
mod error;
mod json;
pub mod model;
mod xml;

use std::io::Write;

pub use crate::csv::{CsvVersion, write_csv};
pub use crate::error::{Result, SdmxError};
pub use crate::json::write_json;
pub use crate::model::{
    ArtefactRef, Assignment, Attachment, Attribute, Code, Codelist, Concept, ConceptScheme,
    DataSet, DataStructure, Dataflow, Dimension, Header, Observation, Representation, Structures,
    TextType, format_number,
};
pub use crate::xml::{write_structure, write_structure_specific};

/// The data formats a release publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// SDMX-ML 2.1 structure-specific data.
    StructureSpecificXml,
    /// SDMX-CSV 1.0.
    CsvV1,
    /// SDMX-CSV 2.0.0.
    CsvV2,
    /// SDMX-JSON 1.0 data.
    Json,
}

impl DataFormat {
    /// Every data format, in the order a release lists them.
    pub const ALL: [DataFormat; 4] = [
        DataFormat::StructureSpecificXml,
        DataFormat::CsvV1,
        DataFormat::CsvV2,
        DataFormat::Json,
    ];

    /// The media type SDMX REST services use for the format (SDMX 2.1 RESTful web
    /// services specification, content negotiation).
    pub fn media_type(self) -> &'static str {
        match self {
            DataFormat::StructureSpecificXml => {
                "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
            }
            DataFormat::CsvV1 => "application/vnd.sdmx.data+csv;version=1.0.0",
            DataFormat::CsvV2 => "application/vnd.sdmx.data+csv;version=2.0.0",
            DataFormat::Json => "application/vnd.sdmx.data+json;version=1.0.0",
        }
    }

    /// A file-name suffix that tells the formats apart in one release directory.
    pub fn file_suffix(self) -> &'static str {
        match self {
            DataFormat::StructureSpecificXml => "data.xml",
            DataFormat::CsvV1 => "data.csv",
            DataFormat::CsvV2 => "data-v2.csv",
            DataFormat::Json => "data.json",
        }
    }
}

/// The media type of the structure message.
pub const STRUCTURE_MEDIA_TYPE: &str = "application/vnd.sdmx.structure+xml;version=2.1";

/// Writes `data` in one of the data formats.
pub fn write_data<W: Write>(
    out: W,
    format: DataFormat,
    header: &Header,
    structures: &Structures,
    data: &DataSet,
) -> Result<W> {
    match format {
        DataFormat::StructureSpecificXml => write_structure_specific(out, header, structures, data),
        DataFormat::CsvV1 => write_csv(out, structures, data, CsvVersion::V1),
        DataFormat::CsvV2 => write_csv(out, structures, data, CsvVersion::V2),
        DataFormat::Json => write_json(out, header, structures, data),
    }
}

/// Renders the structure message to bytes.
pub fn structure_bytes(header: &Header, structures: &Structures) -> Result<Vec<u8>> {
    write_structure(Vec::new(), header, structures)
}

/// Renders `data` in every [`DataFormat`], checking the data once. This is what a
/// release needs, and cheaper than four calls to [`data_bytes`].
pub fn all_data_bytes(
    header: &Header,
    structures: &Structures,
    data: &DataSet,
) -> Result<Vec<(DataFormat, Vec<u8>)>> {
    check::check_header(header)?;
    let resolved = check::resolve(structures, data)?;
    let mut rendered = Vec::with_capacity(DataFormat::ALL.len());
    for format in DataFormat::ALL {
        let bytes = match format {
            DataFormat::StructureSpecificXml => xml::write_resolved(Vec::new(), header, &resolved)?,
            DataFormat::CsvV1 => {
                let mut out = Vec::new();
                csv::write_resolved(&mut out, &resolved, CsvVersion::V1)?;
                out
            }
            DataFormat::CsvV2 => {
                let mut out = Vec::new();
                csv::write_resolved(&mut out, &resolved, CsvVersion::V2)?;
                out
            }
            DataFormat::Json => json::write_resolved(Vec::new(), header, structures, &resolved)?,
        };
        rendered.push((format, bytes));
    }
    Ok(rendered)
}

/// Renders `data` in `format` to bytes.
pub fn data_bytes(
    format: DataFormat,
    header: &Header,
    structures: &Structures,
    data: &DataSet,
) -> Result<Vec<u8>> {
    write_data(Vec::new(), format, header, structures, data)
}

#[cfg(test)]
mod tests;
