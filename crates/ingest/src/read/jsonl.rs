//! JSON lines: one object per line. The fields of a record are the values of
//! the keys the schema reads, as text (numbers and booleans as written, null
//! as empty), so one validation path serves every format.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use super::{RawRecord, RecordProblem, RecordSource};
use crate::error::IngestError;

/// Records of a JSON-lines file.
pub(crate) struct JsonLines {
    path: PathBuf,
    input: BufReader<Box<dyn Read + Send>>,
    header: Vec<String>,
    line: Vec<u8>,
    line_no: u64,
    max_line: usize,
}

impl JsonLines {
    /// `keys` are the object keys to read, in the order fields will have.
    pub(crate) fn new(
        path: PathBuf,
        input: Box<dyn Read + Send>,
        keys: Vec<String>,
        max_field: usize,
    ) -> JsonLines {
        JsonLines {
            path,
            input: BufReader::with_capacity(256 * 1024, input),
            header: keys,
            line: Vec::new(),
            line_no: 0,
            max_line: max_field.saturating_mul(16).max(1 << 20),
        }
    }

    /// Reads one line into `self.line` without holding more than `max_line`
    /// bytes; returns (found, length of the whole line).
    fn read_line(&mut self) -> Result<(bool, usize), IngestError> {
        self.line.clear();
        let mut total = 0usize;
        let mut any = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(IngestError::read(&self.path, e)),
            };
            if available.is_empty() {
                return Ok((any, total));
            }
            any = true;
            let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], true),
                None => (available, false),
            };
            let room = self.max_line.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            total += chunk.len();
            let used = chunk.len() + usize::from(done);
            self.input.consume(used);
            if done {
                return Ok((true, total));
            }
        }
    }
}

impl RecordSource for JsonLines {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self, record: &mut RawRecord) -> Result<bool, IngestError> {
        loop {
            let (found, total) = self.read_line()?;
            if !found {
                return Ok(false);
            }
            self.line_no += 1;
            let mut text: &[u8] = &self.line;
            if self.line_no == 1 && text.starts_with(&[0xef, 0xbb, 0xbf]) {
                text = &text[3..];
            }
            if text.ends_with(b"\r") {
                text = &text[..text.len() - 1];
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            record.clear();
            record.line = self.line_no;
            if total > self.line.len() {
                record.problem = Some(RecordProblem::Malformed(format!(
                    "the line is {total} bytes long, over the limit of {} bytes",
                    self.max_line
                )));
                return Ok(true);
            }
            match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text) {
                Ok(object) => {
                    for key in &self.header {
                        match object.get(key) {
                            None | Some(serde_json::Value::Null) => record.push(b""),
                            Some(serde_json::Value::String(s)) => record.push(s.as_bytes()),
                            Some(other) => record.push(other.to_string().as_bytes()),
                        }
                    }
                }
                Err(e) => {
                    let what = match std::str::from_utf8(text) {
                        Err(u) => format!("invalid UTF-8 at byte {} of the line", u.valid_up_to()),
                        Ok(_) => format!("not a JSON object: {e}"),
                    };
                    record.problem = Some(RecordProblem::Malformed(what));
                }
            }
            return Ok(true);
        }
    }
}
