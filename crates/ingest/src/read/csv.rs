//! Delimited text, read with `csv-core` so that this module decides how much
//! memory a record may take: a field over the limit (or a quote left open to
//! the end of the file) becomes a quarantined record instead of an
//! ever-growing buffer.

use std::io::Read;
use std::path::PathBuf;

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::{RawRecord, RecordProblem, RecordSource};
use crate::error::IngestError;

/// Fields per record beyond which the rest of the record is skipped.
const MAX_FIELDS: usize = 10_000;

/// Records of a delimited text file.
pub(crate) struct CsvRecords {
    path: PathBuf,
    input: Box<dyn Read + Send>,
    inbuf: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    core: Reader,
    max_field: usize,
    max_record: usize,
    header: Vec<String>,
    scratch: Vec<u8>,
    scratch_ends: Vec<usize>,
    pending: Option<RawRecord>,
    lines: u64,
    last_byte: u8,
    newline_fed: bool,
}

impl CsvRecords {
    /// Reads the header (if `has_header`) and prepares to stream records.
    pub(crate) fn new(
        path: PathBuf,
        input: Box<dyn Read + Send>,
        delimiter: u8,
        quote: u8,
        has_header: bool,
        max_field: usize,
    ) -> Result<CsvRecords, IngestError> {
        let core = ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote)
            .double_quote(true)
            .build();
        let mut records = CsvRecords {
            path,
            input,
            inbuf: vec![0; 256 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            core,
            max_field,
            max_record: max_field.saturating_mul(16).max(1 << 20),
            header: Vec::new(),
            scratch: vec![0; 64 * 1024],
            scratch_ends: vec![0; 1024],
            pending: None,
            lines: 0,
            last_byte: b'\n',
            newline_fed: false,
        };
        let mut first = RawRecord::default();
        if !records.read(&mut first)? {
            return Err(IngestError::Empty {
                path: records.path.clone(),
            });
        }
        if has_header {
            records.header = (0..first.len())
                .map(|i| {
                    let bytes = first.field(i).unwrap_or_default();
                    String::from_utf8_lossy(bytes).trim().to_owned()
                })
                .collect();
        } else {
            records.header = (1..=first.len()).map(|i| format!("column {i}")).collect();
            records.pending = Some(first);
        }
        Ok(records)
    }

    fn refill(&mut self) -> Result<(), IngestError> {
        if self.in_start == self.in_end && !self.eof {
            let n = loop {
                match self.input.read(&mut self.inbuf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(IngestError::read(&self.path, e)),
                }
            };
            self.in_start = 0;
            self.in_end = n;
            self.eof = n == 0;
        }
        Ok(())
    }

    /// Reads one record; false at the end of the input.
    fn read(&mut self, record: &mut RawRecord) -> Result<bool, IngestError> {
        record.clear();
        let mut out = std::mem::take(&mut record.buf);
        let mut ends = std::mem::take(&mut record.ends);
        if out.len() < 256 {
            out.resize(256, 0);
        }
        if ends.len() < 64 {
            ends.resize(64, 0);
        }
        let (mut out_len, mut ends_len) = (0usize, 0usize);
        // After a field went over the limit, output is discarded until the record ends.
        let mut skip: Option<Skip> = None;
        let mut start_line: Option<u64> = None;
        let mut open_at_eof = false;
        let found = loop {
            self.refill()?;
            // At the end of the file the parser is fed one synthetic newline:
            // it ends a record left without one, and inside an open quoted
            // field it becomes one byte of output instead, which tells us the
            // quote was never closed.
            let synthetic = self.eof && self.in_start == self.in_end && !self.newline_fed;
            if synthetic {
                self.newline_fed = true;
                if out_len == out.len() {
                    out.push(0);
                }
                if ends_len == ends.len() {
                    ends.push(0);
                }
            }
            let input: &[u8] = if synthetic {
                b"\n"
            } else {
                &self.inbuf[self.in_start..self.in_end]
            };
            let (res, nin, nout, nend) = match skip.as_mut() {
                Some(skip) => {
                    let (res, nin, _, nend) =
                        self.core
                            .read_record(input, &mut self.scratch, &mut self.scratch_ends);
                    if skip.field_end.is_none() && nend > 0 {
                        skip.field_end = Some(self.scratch_ends[0]);
                    }
                    skip.fields_seen += nend;
                    (res, nin, 0, 0)
                }
                None => self
                    .core
                    .read_record(input, &mut out[out_len..], &mut ends[ends_len..]),
            };
            let consumed: &[u8] = if synthetic { &[] } else { &input[..nin] };
            if start_line.is_none()
                && let Some(p) = consumed.iter().position(|&b| b != b'\n' && b != b'\r')
            {
                start_line = Some(self.lines + 1 + count_newlines(&consumed[..p]));
            }
            self.lines += count_newlines(consumed);
            if let Some(&last) = consumed.last() {
                self.last_byte = last;
            }
            if !synthetic {
                self.in_start += nin;
            }
            out_len += nout;
            ends_len += nend;
            if synthetic && res == ReadRecordResult::InputEmpty && (nout == 1 || skip.is_some()) {
                open_at_eof = true;
                out_len -= nout;
            }
            if skip.is_some() {
                match res {
                    ReadRecordResult::Record => break true,
                    ReadRecordResult::End => break false,
                    _ => continue,
                }
            }
            match res {
                ReadRecordResult::InputEmpty => continue,
                ReadRecordResult::OutputFull => {
                    let field_start = if ends_len == 0 { 0 } else { ends[ends_len - 1] };
                    if out_len - field_start >= self.max_field || out.len() >= self.max_record {
                        // Keep the first bytes of the oversized field for the quarantine.
                        out_len = (field_start + 256).min(out_len);
                        if ends_len == ends.len() {
                            ends.push(0);
                        }
                        ends[ends_len] = out_len;
                        skip = Some(Skip {
                            field: ends_len,
                            field_start,
                            field_end: None,
                            fields_seen: ends_len,
                        });
                        ends_len += 1;
                    } else {
                        let grown = (out.len() * 2).min(self.max_record);
                        out.resize(grown.max(out.len() + 1), 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    if ends.len() >= MAX_FIELDS {
                        skip = Some(Skip {
                            field: usize::MAX,
                            field_start: out_len,
                            field_end: Some(out_len),
                            fields_seen: ends_len,
                        });
                    } else {
                        let grown = ends.len() * 2;
                        ends.resize(grown, 0);
                    }
                }
                ReadRecordResult::Record => break true,
                ReadRecordResult::End => break false,
            }
        };
        if found {
            let unterminated = open_at_eof;
            let last_line = self.lines + u64::from(self.last_byte != b'\n');
            record.line = start_line.unwrap_or(last_line).max(1);
            record.problem = match skip {
                Some(s) if s.field == usize::MAX => Some(RecordProblem::TooManyFields {
                    count: s.fields_seen,
                }),
                Some(s) if unterminated => Some(RecordProblem::Unterminated {
                    field: s.field,
                    last_line,
                }),
                Some(s) => Some(RecordProblem::Oversized {
                    field: s.field,
                    bytes: s.field_end.map_or(0, |e| (e - s.field_start) as u64),
                }),
                None if unterminated => Some(RecordProblem::Unterminated {
                    field: ends_len.saturating_sub(1),
                    last_line,
                }),
                None => None,
            };
        }
        record.buf = out;
        record.used = out_len;
        record.ends = ends;
        record.nfields = ends_len;
        Ok(found)
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

struct Skip {
    field: usize,
    field_start: usize,
    field_end: Option<usize>,
    fields_seen: usize,
}

impl RecordSource for CsvRecords {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self, record: &mut RawRecord) -> Result<bool, IngestError> {
        if let Some(first) = self.pending.take() {
            *record = first;
            return Ok(true);
        }
        self.read(record)
    }
}
