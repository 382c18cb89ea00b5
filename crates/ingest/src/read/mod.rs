//! Readers: turn a source file, whatever its format, compression and encoding,
//! into a stream of raw records (a line number and a list of fields as bytes),
//! reading in fixed-size chunks so file size is not bounded by memory.

mod csv;
mod file;
mod jsonl;
mod parquet;
mod text;

pub(crate) use self::csv::CsvRecords;
pub(crate) use self::file::{OpenedFile, Tally, open_source};
pub(crate) use self::jsonl::JsonLines;
pub(crate) use self::parquet::ParquetRows;
pub(crate) use self::text::decoding_reader;

use crate::error::IngestError;

/// Something wrong with a whole record, found while reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RecordProblem {
    /// A field is longer than the limit; the rest of the record was skipped.
    Oversized {
        /// 0-based field index.
        field: usize,
        /// The field's full length in bytes.
        bytes: u64,
    },
    /// A quoted field was still open at the end of the file.
    Unterminated {
        /// 0-based index of the field that was open.
        field: usize,
        /// The line where the record ended (the end of the file).
        last_line: u64,
    },
    /// More fields than any real file has; the rest was skipped.
    TooManyFields {
        /// Fields seen before giving up.
        count: usize,
    },
    /// A JSON line that is not an object.
    Malformed(String),
}

/// One record as read: fields are byte ranges in `buf`. The buffers keep
/// their full size between records (only `used` and `nfields` say how much is
/// in use), so reading a record never clears memory.
#[derive(Debug, Default, Clone)]
pub(crate) struct RawRecord {
    /// The line (CSV, JSON lines) or row number (Parquet) where it starts, from 1.
    pub line: u64,
    /// The field bytes, back to back (valid up to `used`).
    pub buf: Vec<u8>,
    /// Bytes of `buf` in use.
    pub used: usize,
    /// The end offset of each field in `buf` (valid up to `nfields`).
    pub ends: Vec<usize>,
    /// Fields in use.
    pub nfields: usize,
    /// A problem found while reading.
    pub problem: Option<RecordProblem>,
}

impl RawRecord {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.nfields
    }

    /// The field bytes, back to back.
    pub fn data(&self) -> &[u8] {
        &self.buf[..self.used]
    }

    /// The end offset of each field.
    pub fn ends(&self) -> &[usize] {
        &self.ends[..self.nfields]
    }

    /// Field `i` as bytes.
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        if i >= self.nfields {
            return None;
        }
        let end = self.ends[i];
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.get(start..end)
    }

    /// Clears for reuse, keeping the allocations.
    pub fn clear(&mut self) {
        self.used = 0;
        self.nfields = 0;
        self.problem = None;
        self.line = 0;
    }

    /// Appends a field.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.truncate(self.used);
        self.buf.extend_from_slice(bytes);
        self.used = self.buf.len();
        self.ends.truncate(self.nfields);
        self.ends.push(self.used);
        self.nfields = self.ends.len();
    }
}

/// A source of raw records.
pub(crate) trait RecordSource: Send {
    /// The column names (from the header, the JSON keys the schema reads, or
    /// the Parquet schema); for CSV files without a header, `column 1` …
    fn header(&self) -> &[String];

    /// Reads the next record into `record`; false at the end of the file.
    fn next_record(&mut self, record: &mut RawRecord) -> Result<bool, IngestError>;
}
