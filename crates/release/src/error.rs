//! What can go wrong while building, reading or comparing a release.

use std::path::{Path, PathBuf};

/// Every failure of this crate. Messages name the release, table, column, cell
/// or file involved; a failed build has written nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// The release id cannot name a directory and an SDMX message.
    #[error("release id {id:?} is not valid: {reason}")]
    InvalidId {
        /// The id given.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A release with this id was published before; releases are immutable.
    #[error("release {id} already exists at {}; a published release is never replaced", path.display())]
    AlreadyExists {
        /// The release id.
        id: String,
        /// Its directory.
        path: PathBuf,
    },
    /// The settings contradict themselves or are malformed.
    #[error("release settings: {0}")]
    Settings(String),
    /// No publication layout is known for this indicator, so none of its columns
    /// could be published safely.
    #[error(
        "indicator {0:?} has no publication layout (known: offences, victims, sdg_16_1_1, sdg_16_2_2, \
         sdg_16_3_2, sdg_16_10_1, justice_chain, prison_occupancy, severity_index, severity_weights, \
         reoffending, recidivism)"
    )]
    UnknownIndicator(String),
    /// The same indicator table was given twice.
    #[error("indicator {0} is given twice")]
    DuplicateTable(String),
    /// A table does not have the shape its layout expects.
    #[error("table {indicator}: {reason}")]
    Table {
        /// The indicator id.
        indicator: String,
        /// What is wrong.
        reason: String,
    },
    /// Two tables publish the same cell with different counts.
    #[error(
        "tables {first} and {second} give different {group} counts for the same cell {cell}: {first_count} and {second_count}"
    )]
    Disagree {
        /// The disclosure group (what is counted).
        group: String,
        /// The cell's codes, `dimension=code` joined by commas.
        cell: String,
        /// The first table.
        first: String,
        /// Its count.
        first_count: u64,
        /// The second table.
        second: String,
        /// Its count.
        second_count: u64,
    },
    /// The cells of a group could not be assembled into additive tables.
    #[error("disclosure group {group}: {source}")]
    Disclosure {
        /// The group.
        group: String,
        /// The disclosure crate's error.
        #[source]
        source: evident_disclosure::Error,
    },
    /// Disclosure control found no pattern that passes the audit; nothing was written.
    #[error(
        "disclosure control cannot protect {} cell(s) of group {group} (first: {}); nothing was written",
        cells.len(),
        cells.first().map(|c| c.join(",")).unwrap_or_default()
    )]
    CannotProtect {
        /// The group.
        group: String,
        /// The codes of the cells that could not be protected.
        cells: Vec<Vec<String>>,
    },
    /// The previous release cannot be used to protect this revision.
    #[error("previous release {id}: {reason}")]
    Previous {
        /// The previous release's id (or directory).
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing SDMX failed (the message names the observation or artefact).
    #[error("SDMX: {0}")]
    Sdmx(#[from] evident_sdmx::SdmxError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A release file (manifest, table, dictionary) is not what this crate writes.
    #[error("{}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl ReleaseError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> ReleaseError {
        ReleaseError::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn malformed(path: &Path, reason: impl Into<String>) -> ReleaseError {
        ReleaseError::Malformed {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn table(indicator: &str, reason: impl Into<String>) -> ReleaseError {
        ReleaseError::Table {
            indicator: indicator.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, ReleaseError>;
