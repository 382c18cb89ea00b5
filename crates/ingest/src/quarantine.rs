//! The quarantine file of a batch: one JSON line per rejected or duplicate
//! row, with the source line, the problems and the row's fields in the
//! source's own column layout, so a corrected export can be ingested again with
//! the same schema.
//!
//! Privacy: fields of pseudonymised columns hold `pseudonym:<hex>` tokens, and
//! columns the schema does not read (which may hold names or addresses) are
//! left out. Rows whose structure is broken (ragged, an unterminated quote, a
//! field over the size limit, malformed JSON) keep no fields at all, because
//! their values cannot be trusted to sit in their columns; they are fixed in
//! the source file, at the line the quarantine names.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::IngestError;
use crate::read::RawRecord;
use crate::schema::Encoding;
use crate::validate::{Plan, Problem};

/// The first line of a quarantine file: how to write rows back out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineHeader {
    /// Format marker and version.
    pub evident_quarantine: u32,
    /// The batch.
    pub batch: i64,
    /// The record kind.
    pub kind: String,
    /// The schema's name.
    pub schema: String,
    /// The source's format (`csv`, `jsonl`, `parquet`).
    pub format: String,
    /// CSV delimiter.
    pub delimiter: String,
    /// CSV quote character.
    pub quote: String,
    /// The source's encoding.
    pub encoding: String,
    /// Whether the source had a header row.
    pub has_header: bool,
    /// The source's column names.
    pub columns: Vec<String>,
}

/// One problem, as kept in the quarantine file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProblem {
    /// The source column.
    pub column: String,
    /// The value (pseudonymised for identifying columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What is wrong.
    pub reason: String,
    /// `invalid` or `duplicate`.
    pub category: String,
}

/// One quarantined row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRow {
    /// Position in the file (0-based).
    pub row: u64,
    /// The source line.
    pub line: u64,
    /// Its problems.
    pub problems: Vec<StoredProblem>,
    /// The fields in source order; `None` for fields not kept. `None` as a
    /// whole for rows whose structure is broken.
    pub fields: Option<Vec<Option<String>>>,
}

/// Writes a batch's quarantine file, creating it with the first row.
pub(crate) struct QuarantineWriter {
    path: PathBuf,
    header: QuarantineHeader,
    out: Option<BufWriter<File>>,
    rows: u64,
}

impl QuarantineWriter {
    pub(crate) fn new(path: PathBuf, header: QuarantineHeader) -> QuarantineWriter {
        QuarantineWriter {
            path,
            header,
            out: None,
            rows: 0,
        }
    }

    /// Rows written.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends a row and returns its index.
    pub(crate) fn write(
        &mut self,
        plan: &Plan,
        record: &RawRecord,
        problems: &[(Problem, &'static str)],
        structural: bool,
    ) -> Result<u64, IngestError> {
        let err = |e: std::io::Error, path: &Path| IngestError::write(path, e);
        if self.out.is_none() {
            if let Some(parent) = self.path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| err(e, parent))?;
            }
            let file = File::create(&self.path).map_err(|e| err(e, &self.path))?;
            let mut out = BufWriter::new(file);
            serde_json::to_writer(&mut out, &self.header)
                .map_err(|e| IngestError::write(&self.path, e))?;
            out.write_all(b"\n").map_err(|e| err(e, &self.path))?;
            self.out = Some(out);
        }
        let fields = (!structural).then(|| {
            (0..record.len())
                .map(|i| {
                    if !plan.source_used.get(i).copied().unwrap_or(false) {
                        None
                    } else if plan.source_identifying.get(i).copied().unwrap_or(false) {
                        plan.quarantine_identifier(record, i)
                    } else {
                        record
                            .field(i)
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                    }
                })
                .collect()
        });
        let row = QuarantinedRow {
            row: self.rows,
            line: record.line,
            problems: problems
                .iter()
                .map(|(p, category)| StoredProblem {
                    column: p.column.clone(),
                    value: p.value.clone(),
                    reason: p.reason.clone(),
                    category: (*category).to_owned(),
                })
                .collect(),
            fields,
        };
        if let Some(out) = self.out.as_mut() {
            serde_json::to_writer(&mut *out, &row)
                .map_err(|e| IngestError::write(&self.path, e))?;
            out.write_all(b"\n").map_err(|e| err(e, &self.path))?;
        }
        self.rows += 1;
        Ok(row.row)
    }

    /// Flushes and syncs; true if a file was written.
    pub(crate) fn finish(self) -> Result<bool, IngestError> {
        match self.out {
            None => Ok(false),
            Some(out) => {
                let file = out
                    .into_inner()
                    .map_err(|e| IngestError::write(&self.path, e.into_error()))?;
                file.sync_all()
                    .map_err(|e| IngestError::write(&self.path, e))?;
                Ok(true)
            }
        }
    }
}

/// Reads a quarantine file.
pub fn read_quarantine(
    path: &Path,
) -> Result<(QuarantineHeader, Vec<QuarantinedRow>), IngestError> {
    let bad = |message: String| IngestError::Format {
        path: path.to_path_buf(),
        message,
    };
    let file = File::open(path).map_err(|e| IngestError::read(path, e))?;
    let mut lines = BufReader::new(file).lines();
    let first = lines
        .next()
        .ok_or_else(|| bad("empty quarantine file".to_owned()))?
        .map_err(|e| IngestError::read(path, e))?;
    let header: QuarantineHeader =
        serde_json::from_str(&first).map_err(|e| bad(format!("damaged header: {e}")))?;
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| IngestError::read(path, e))?;
        let row: QuarantinedRow =
            serde_json::from_str(&line).map_err(|e| bad(format!("damaged row {}: {e}", i + 1)))?;
        rows.push(row);
    }
    Ok((header, rows))
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// The file written.
    pub path: PathBuf,
    /// Its format.
    pub format: String,
    /// Rows written.
    pub rows: u64,
    /// Lines of rows that could not be exported (broken structure); fix them
    /// in the source file.
    pub not_exported_lines: Vec<u64>,
}

/// Writes the quarantined rows of a batch back out in the source's layout,
/// for correction and re-ingest. Duplicates are included only if asked;
/// `with_reasons` adds `_line` and `_problems` columns at the end.
pub fn export_quarantine(
    quarantine_file: &Path,
    out_path: &Path,
    include_duplicates: bool,
    with_reasons: bool,
) -> Result<ExportReport, IngestError> {
    let (header, rows) = read_quarantine(quarantine_file)?;
    let werr = |e: &dyn std::fmt::Display| IngestError::write(out_path, e);
    let selected: Vec<&QuarantinedRow> = rows
        .iter()
        .filter(|r| include_duplicates || r.problems.iter().any(|p| p.category != "duplicate"))
        .collect();
    let mut not_exported_lines = Vec::new();
    let file = File::create(out_path).map_err(|e| werr(&e))?;
    let mut out = BufWriter::new(file);
    let mut count = 0u64;
    let reasons = |row: &QuarantinedRow| {
        row.problems
            .iter()
            .map(|p| format!("{}: {}", p.column, p.reason))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let format = if header.format == "jsonl" {
        "jsonl"
    } else {
        "csv"
    };
    if format == "jsonl" {
        for row in selected {
            let Some(fields) = &row.fields else {
                not_exported_lines.push(row.line);
                continue;
            };
            let mut object = serde_json::Map::new();
            for (name, value) in header.columns.iter().zip(fields) {
                if let Some(v) = value {
                    object.insert(name.clone(), serde_json::Value::String(v.clone()));
                }
            }
            if with_reasons {
                object.insert("_line".to_owned(), row.line.into());
                object.insert("_problems".to_owned(), reasons(row).into());
            }
            serde_json::to_writer(&mut out, &object).map_err(|e| werr(&e))?;
            out.write_all(b"\n").map_err(|e| werr(&e))?;
            count += 1;
        }
    } else {
        // Parquet sources come back as UTF-8 CSV; CSV sources keep their dialect.
        let (delimiter, quote, encoding) = if header.format == "csv" {
            (
                header.delimiter.bytes().next().unwrap_or(b','),
                header.quote.bytes().next().unwrap_or(b'"'),
                if header.encoding == Encoding::Windows1252.name() {
                    Encoding::Windows1252
                } else {
                    Encoding::Utf8
                },
            )
        } else {
            (b',', b'"', Encoding::Utf8)
        };
        let mut buffer = Vec::new();
        {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .quote(quote)
                .from_writer(&mut buffer);
            if header.has_header {
                let mut names: Vec<String> = header.columns.clone();
                if with_reasons {
                    names.push("_line".to_owned());
                    names.push("_problems".to_owned());
                }
                writer.write_record(&names).map_err(|e| werr(&e))?;
            }
            for row in selected {
                let Some(fields) = &row.fields else {
                    not_exported_lines.push(row.line);
                    continue;
                };
                let mut record: Vec<String> = fields
                    .iter()
                    .map(|f| f.clone().unwrap_or_default())
                    .collect();
                record.resize(header.columns.len().max(record.len()), String::new());
                if with_reasons {
                    record.push(row.line.to_string());
                    record.push(reasons(row));
                }
                writer.write_record(&record).map_err(|e| werr(&e))?;
                count += 1;
            }
            writer.flush().map_err(|e| werr(&e))?;
        }
        match encoding {
            Encoding::Utf8 => out.write_all(&buffer).map_err(|e| werr(&e))?,
            Encoding::Windows1252 => {
                let text = String::from_utf8_lossy(&buffer);
                let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
                out.write_all(&bytes).map_err(|e| werr(&e))?;
            }
        }
    }
    out.flush().map_err(|e| werr(&e))?;
    Ok(ExportReport {
        path: out_path.to_path_buf(),
        format: format.to_owned(),
        rows: count,
        not_exported_lines,
    })
}
