//! Correspondence tables: reading, writing and applying national code → ICCS rows.
//!
//! The file format is specified in `docs/correspondence-tables.md`.

use std::fmt;
use std::io::{Read, Write};

use crate::condition::{Condition, Field, RecordTags};
use crate::date::Date;

/// The columns of a correspondence table, in the order the writer uses.
pub const COLUMNS: [&str; 7] = [
    "national_code",
    "national_description",
    "iccs_code",
    "condition",
    "valid_from",
    "valid_to",
    "note",
];

const REQUIRED: [&str; 2] = ["national_code", "iccs_code"];

/// One row: a national code (under a condition, for a period) and its ICCS code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Line of the file where the row starts (1 is the header), 0 for rows built in code.
    pub line: u64,
    /// The country's offence code.
    pub national_code: String,
    /// The country's name for the offence.
    pub national_description: String,
    /// The ICCS code, as written (checked by [`crate::check()`], not by the reader).
    pub iccs_code: String,
    /// When the row applies.
    pub condition: Condition,
    /// First recorded date the row applies to.
    pub valid_from: Option<Date>,
    /// Last recorded date the row applies to.
    pub valid_to: Option<Date>,
    /// Reasoning for reviewers.
    pub note: String,
}

impl Row {
    /// A row that maps `national_code` to `iccs_code` always.
    pub fn new(national_code: &str, iccs_code: &str) -> Row {
        Row {
            line: 0,
            national_code: national_code.to_owned(),
            national_description: String::new(),
            iccs_code: iccs_code.to_owned(),
            condition: Condition::always(),
            valid_from: None,
            valid_to: None,
            note: String::new(),
        }
    }

    /// Whether the row's validity period contains `date`.
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_to.is_none_or(|to| date <= to)
    }

    /// Whether the row applies to a record with this code, date and tags.
    pub fn applies(&self, national_code: &str, recorded: Date, tags: &RecordTags) -> bool {
        self.national_code == national_code.trim()
            && self.is_valid_on(recorded)
            && self.condition.matches(tags)
    }

    /// SQL that is true when the row applies to a record whose code matched:
    /// validity dates on `date_column` and the condition on `column_of`.
    pub fn applies_sql(&self, date_column: &str, column_of: &dyn Fn(Field) -> String) -> String {
        let mut parts = Vec::new();
        if let Some(from) = self.valid_from {
            parts.push(format!("{date_column} >= DATE '{from}'"));
        }
        if let Some(to) = self.valid_to {
            parts.push(format!("{date_column} <= DATE '{to}'"));
        }
        if !self.condition.is_always() {
            parts.push(self.condition.to_sql(column_of));
        }
        if parts.is_empty() {
            "TRUE".to_owned()
        } else {
            parts.join(" AND ")
        }
    }
}

/// What a table says about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Exactly one row applies.
    Mapped(&'a Row),
    /// No row applies: the record is `unmapped`.
    Unmapped,
    /// Several rows apply: the table is faulty for this record (`check` reports it).
    Ambiguous(Vec<&'a Row>),
}

/// A correspondence table read from a file (or built in code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorrespondenceTable {
    /// Where the table came from, for messages (a file name).
    pub source: String,
    rows: Vec<Row>,
}

/// A cell that could not be read: file, line, column, value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: column `{column}`: {value:?} is not valid: expected {expected}")]
pub struct CellError {
    /// The file.
    pub file: String,
    /// The line where the row starts (1 is the header).
    pub line: u64,
    /// The column name.
    pub column: String,
    /// The value found.
    pub value: String,
    /// What the column accepts.
    pub expected: String,
}

/// A table that could not be read at all, or (from [`CorrespondenceTable::parse`]) had bad cells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The file could not be read as CSV (I/O error, invalid UTF-8, broken quoting).
    #[error("{file}:{line}: cannot read the file as UTF-8 CSV: {message}")]
    Unreadable {
        /// The file.
        file: String,
        /// The line where reading failed (0 if unknown).
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// The file has no header row.
    #[error("{file}: the file is empty; expected a header row with the columns {}", COLUMNS.join(", "))]
    Empty {
        /// The file.
        file: String,
    },
    /// A required column is absent from the header.
    #[error("{file}:1: the header has no column `{column}`; expected the columns {}", COLUMNS.join(", "))]
    MissingColumn {
        /// The file.
        file: String,
        /// The missing column.
        column: String,
    },
    /// The header names a column the format does not have (often a typo).
    #[error("{file}:1: unknown column `{column}`; expected only {}", COLUMNS.join(", "))]
    UnknownColumn {
        /// The file.
        file: String,
        /// The unknown column.
        column: String,
    },
    /// The header names a column twice.
    #[error("{file}:1: column `{column}` appears twice in the header")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The repeated column.
        column: String,
    },
    /// Some cells were invalid (every one is listed).
    #[error("{} invalid cell(s); first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Cells(Vec<CellError>),
}

/// The result of reading a table leniently: the good rows and every bad cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    /// The rows that were read without error.
    pub table: CorrespondenceTable,
    /// The cells that could not be read; their rows are not in `table`.
    pub errors: Vec<CellError>,
}

impl CorrespondenceTable {
    /// A table made of these rows.
    pub fn from_rows(source: &str, rows: Vec<Row>) -> CorrespondenceTable {
        CorrespondenceTable {
            source: source.to_owned(),
            rows,
        }
    }

    /// Reads a table, keeping the good rows and listing every bad cell.
    ///
    /// Fails only when the file as a whole cannot be read (not CSV, no header,
    /// missing or unknown columns). Cells are trimmed of surrounding spaces; a
    /// UTF-8 byte-order mark before the header is ignored.
    pub fn read(reader: impl Read, file: &str) -> Result<ReadOutcome, TableError> {
        let mut csv_reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut records = csv_reader.records();
        let unreadable = |e: csv::Error| TableError::Unreadable {
            file: file.to_owned(),
            line: e.position().map(|p| p.line()).unwrap_or(0),
            message: e.to_string(),
        };
        let header = match records.next() {
            None => {
                return Err(TableError::Empty {
                    file: file.to_owned(),
                });
            }
            Some(record) => record.map_err(unreadable)?,
        };
        let mut index: [Option<usize>; 7] = [None; 7];
        for (position, name) in header.iter().enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}').trim();
            let Some(slot) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(TableError::UnknownColumn {
                    file: file.to_owned(),
                    column: name.to_owned(),
                });
            };
            if index[slot].is_some() {
                return Err(TableError::DuplicateColumn {
                    file: file.to_owned(),
                    column: name.to_owned(),
                });
            }
            index[slot] = Some(position);
        }
        for required in REQUIRED {
            let slot = COLUMNS.iter().position(|c| *c == required).unwrap_or(0);
            if index[slot].is_none() {
                return Err(TableError::MissingColumn {
                    file: file.to_owned(),
                    column: required.to_owned(),
                });
            }
        }

        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for record in records {
            let record = record.map_err(unreadable)?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            let cell = |slot: usize| -> &str {
                index[slot].and_then(|i| record.get(i)).unwrap_or("").trim()
            };
            let mut row_errors: Vec<CellError> = Vec::new();
            let mut bad = |column: &str, value: &str, expected: &str| {
                row_errors.push(CellError {
                    file: file.to_owned(),
                    line,
                    column: column.to_owned(),
                    value: value.to_owned(),
                    expected: expected.to_owned(),
                });
            };
            if record.len() != header.len() {
                bad(
                    "(row)",
                    &format!("{} fields", record.len()),
                    &format!("{} fields, as in the header", header.len()),
                );
            }
            let national_code = cell(0);
            if national_code.is_empty() {
                bad("national_code", "", "a national offence code");
            }
            let iccs_code = cell(2);
            if iccs_code.is_empty() {
                bad("iccs_code", "", "an ICCS code such as 0101");
            }
            let condition = match Condition::parse(cell(3)) {
                Ok(condition) => condition,
                Err(e) => {
                    bad(
                        "condition",
                        cell(3),
                        &format!("clauses `field op value` joined by `;`; {e}"),
                    );
                    Condition::always()
                }
            };
            let mut date = |slot: usize| -> Option<Date> {
                let text = cell(slot);
                if text.is_empty() {
                    return None;
                }
                let parsed = Date::parse(text);
                if parsed.is_none() {
                    bad(
                        COLUMNS[slot],
                        text,
                        "a date YYYY-MM-DD that exists, or nothing",
                    );
                }
                parsed
            };
            let valid_from = date(4);
            let valid_to = date(5);
            if let (Some(from), Some(to)) = (valid_from, valid_to)
                && to < from
            {
                bad(
                    "valid_to",
                    cell(5),
                    &format!("a date on or after valid_from ({from})"),
                );
            }
            if row_errors.is_empty() {
                rows.push(Row {
                    line,
                    national_code: national_code.to_owned(),
                    national_description: cell(1).to_owned(),
                    iccs_code: iccs_code.to_owned(),
                    condition,
                    valid_from,
                    valid_to,
                    note: cell(6).to_owned(),
                });
            }
            errors.extend(row_errors);
        }
        Ok(ReadOutcome {
            table: CorrespondenceTable {
                source: file.to_owned(),
                rows,
            },
            errors,
        })
    }

    /// Reads a table strictly: any bad cell makes the whole table an error.
    pub fn parse(text: &str, file: &str) -> Result<CorrespondenceTable, TableError> {
        let outcome = CorrespondenceTable::read(text.as_bytes(), file)?;
        if outcome.errors.is_empty() {
            Ok(outcome.table)
        } else {
            Err(TableError::Cells(outcome.errors))
        }
    }

    /// All rows, in file order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows for one national code, in file order.
    pub fn rows_for<'a>(&'a self, national_code: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows
            .iter()
            .filter(move |r| r.national_code == national_code)
    }

    /// The distinct national codes, sorted.
    pub fn national_codes(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self.rows.iter().map(|r| r.national_code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    /// Which row applies to a record with this code, recorded date and tags.
    pub fn lookup(&self, national_code: &str, recorded: Date, tags: &RecordTags) -> Lookup<'_> {
        let national_code = national_code.trim();
        let mut applying: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.applies(national_code, recorded, tags))
            .collect();
        match applying.len() {
            0 => Lookup::Unmapped,
            1 => Lookup::Mapped(applying.remove(0)),
            _ => Lookup::Ambiguous(applying),
        }
    }

    /// Writes the table as CSV in the documented format (all seven columns).
    pub fn write_csv(&self, writer: impl Write) -> Result<(), TableError> {
        let mut out = csv::Writer::from_writer(writer);
        let fail = |e: csv::Error| TableError::Unreadable {
            file: self.source.clone(),
            line: 0,
            message: e.to_string(),
        };
        out.write_record(COLUMNS).map_err(fail)?;
        for row in &self.rows {
            let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
            out.write_record([
                row.national_code.as_str(),
                row.national_description.as_str(),
                row.iccs_code.as_str(),
                &row.condition.to_string(),
                &date(row.valid_from),
                &date(row.valid_to),
                row.note.as_str(),
            ])
            .map_err(fail)?;
        }
        out.flush().map_err(|e| TableError::Unreadable {
            file: self.source.clone(),
            line: 0,
            message: e.to_string(),
        })
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {}", self.national_code, self.iccs_code)?;
        if !self.condition.is_always() {
            write!(f, " when {}", self.condition)?;
        }
        Ok(())
    }
}
