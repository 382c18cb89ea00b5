//! Errors that stop a whole ingest. Problems with single rows are not errors:
//! they send the row to the quarantine (see `validate`).

use std::path::{Path, PathBuf};

use evident_store::StoreError;

use crate::schema::SchemaError;

/// Why a file could not be ingested at all. Nothing is stored when one occurs.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The schema file is unusable.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The workspace or catalog failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source path is a directory or a device.
    #[error("{} is {what}, not a file", path.display())]
    NotAFile {
        /// The path given.
        path: PathBuf,
        /// What it is instead.
        what: &'static str,
    },
    /// Reading the source failed (missing, no permission, corrupt compression …).
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The source file.
        path: PathBuf,
        /// The operating system's or decoder's error (in the message, so not a `source`).
        error: std::io::Error,
    },
    /// The file has no bytes, or only blank lines.
    #[error("{} is empty: no header and no rows", path.display())]
    Empty {
        /// The source file.
        path: PathBuf,
    },
    /// The file has a header but no rows.
    #[error("{} has a header but no rows; nothing to ingest", path.display())]
    HeaderOnly {
        /// The source file.
        path: PathBuf,
    },
    /// A column the schema maps is not in the file.
    #[error("{0}")]
    MissingColumn(Box<MissingColumn>),
    /// A mapped column name appears more than once in the header.
    #[error(
        "{} has {count} columns named {column:?} (positions {positions}); map it by position instead, e.g. from = {first}",
        path.display()
    )]
    AmbiguousColumn {
        /// The source file.
        path: PathBuf,
        /// The repeated name.
        column: String,
        /// How many times it appears.
        count: usize,
        /// Its 1-based positions.
        positions: String,
        /// The first position.
        first: usize,
    },
    /// Reference data the checks need is not in the workspace yet.
    #[error(
        "no {what} in this workspace: ingest {kind} records first (evident ingest --schema <{kind} schema> FILE)"
    )]
    MissingReference {
        /// What is missing ("area codelist").
        what: &'static str,
        /// The kind to ingest first.
        kind: &'static str,
    },
    /// The file is not in the format expected.
    #[error("{}: {message}", path.display())]
    Format {
        /// The source file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Writing the store's files failed.
    #[error("writing {}: {message}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// The details of [`IngestError::MissingColumn`] (boxed: errors stay small).
#[derive(Debug, thiserror::Error)]
#[error(
    "{} has no column {column} (schema {schema} maps it to {target}){hint}; the file's columns are: {found}",
    path.display()
)]
pub struct MissingColumn {
    /// The source file.
    pub path: PathBuf,
    /// The schema's name.
    pub schema: String,
    /// The source column as the schema names it.
    pub column: String,
    /// The canonical column it feeds.
    pub target: String,
    /// A close match, if any (` (did you mean "X"?)`).
    pub hint: String,
    /// The header.
    pub found: String,
}

impl IngestError {
    pub(crate) fn read(path: &Path, error: std::io::Error) -> IngestError {
        IngestError::Read {
            path: path.to_path_buf(),
            error,
        }
    }

    pub(crate) fn write(path: &Path, message: impl std::fmt::Display) -> IngestError {
        IngestError::Write {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}
