//! Ingest: from a source file and a schema file to a committed batch of
//! canonical records.
//!
//! This crate owns schema contracts ([`Schema`]: the TOML files that map a
//! source's columns, date formats, code values and encoding onto a record
//! kind), the readers (CSV with any delimiter and quote, UTF-8 with or without
//! BOM, Windows-1252/Latin-1, UTF-16 with BOM; JSON lines; Parquet; gzip and
//! zstd compression, all streamed), row validation, the quarantine of rejected
//! rows with their reasons, duplicate detection within a file and against
//! earlier batches, and pseudonymisation of person identifiers with the
//! workspace key.
//!
//! It deliberately does not know where files live or how batches commit (that
//! is `evident-store`), nor anything about classification or indicators.
//!
//! Architecture invariants:
//! - Every row read is stored, quarantined or counted as a duplicate:
//!   `rows_read = rows_stored + rows_quarantined + rows_duplicate`, and the
//!   catalog refuses a batch where it does not hold.
//! - A raw person identifier never leaves this crate: it is replaced by its
//!   keyed hash before a row is stored, quarantined or described in a message.
//! - Memory does not grow with file size except for the duplicate index
//!   (21 to 43 bytes per stored row, see `keys`).

mod dates;
mod error;
mod guess;
mod keys;
mod pipeline;
mod pseudonym;
pub mod quarantine;
mod read;
mod schema;
mod stages;
mod validate;
mod write;

pub use dates::{DateError, DateFormat, FormatError};
pub use error::{IngestError, MissingColumn};
pub use guess::{GuessOptions, guess_schema};
pub use pipeline::{
    ColumnUse, FileCheck, IngestOptions, Outcome, Progress, RowCheck, Summary, check_file,
    check_rows, ingest_file,
};
pub use pseudonym::{Pseudonymiser, TOKEN_PREFIX};
pub use schema::{
    CheckOverrides, ColumnRef, Encoding, FileOptions, Format, Mapping, Schema, SchemaError, Source,
};
