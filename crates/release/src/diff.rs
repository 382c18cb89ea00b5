//! What changed between two releases, table by table and cell by cell.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::dictionary::Dictionary;
use crate::error::{ReleaseError, Result};
use crate::files::read_manifest;

/// Codes of a row, by dimension column.
pub type RowKey = BTreeMap<String, String>;

/// One value that differs between the releases (a count, a derived value, a
/// status column …), as text exactly as published (empty: withheld or missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    /// The row.
    pub key: RowKey,
    /// The column.
    pub column: String,
    /// In the first release.
    pub before: String,
    /// In the second release.
    pub after: String,
}

/// How a table differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableDiff {
    /// The indicator.
    pub indicator: String,
    /// Whether the table is in the first release.
    pub in_first: bool,
    /// Whether the table is in the second release.
    pub in_second: bool,
    /// Rows only in the second release.
    pub rows_added: Vec<RowKey>,
    /// Rows only in the first release.
    pub rows_removed: Vec<RowKey>,
    /// Rows in both whose values or statuses differ.
    pub rows_changed: usize,
    /// The values that differ, row by row, column by column.
    pub changes: Vec<CellChange>,
}

impl TableDiff {
    /// Whether the table is the same in both releases.
    pub fn is_unchanged(&self) -> bool {
        self.in_first == self.in_second
            && self.rows_added.is_empty()
            && self.rows_removed.is_empty()
            && self.changes.is_empty()
    }
}

/// The differences between two releases (`evident releases diff A B`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseDiff {
    /// The first release's id.
    pub from: String,
    /// The second release's id.
    pub to: String,
    /// Per table, in the order the releases list them.
    pub tables: Vec<TableDiff>,
}

struct Loaded {
    key_columns: Vec<String>,
    rows: BTreeMap<Vec<String>, BTreeMap<String, String>>,
}

fn dictionary(dir: &Path) -> Result<Dictionary> {
    let path = dir.join("data/dictionary.json");
    let bytes = std::fs::read(&path).map_err(|e| ReleaseError::io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| ReleaseError::malformed(&path, e.to_string()))
}

fn load(dir: &Path, dictionary: &Dictionary, indicator: &str) -> Result<Option<Loaded>> {
    let Some(entry) = dictionary.tables.iter().find(|t| t.indicator == indicator) else {
        return Ok(None);
    };
    let key_columns: Vec<String> = entry
        .columns
        .iter()
        .filter(|c| c.role == "dimension")
        .map(|c| c.name.clone())
        .collect();
    let path = dir.join(&entry.csv);
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| ReleaseError::malformed(&path, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| ReleaseError::malformed(&path, e.to_string()))?
        .clone();
    let mut rows = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReleaseError::malformed(&path, e.to_string()))?;
        let row: BTreeMap<String, String> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.to_owned(), v.to_owned()))
            .collect();
        let key: Vec<String> = key_columns
            .iter()
            .map(|c| row.get(c).cloned().unwrap_or_default())
            .collect();
        if rows.insert(key, row).is_some() {
            return Err(ReleaseError::malformed(
                &path,
                format!(
                    "line {}: a row with the same codes as an earlier one",
                    line + 2
                ),
            ));
        }
    }
    Ok(Some(Loaded { key_columns, rows }))
}

/// Compares two release directories.
pub fn diff(first: &Path, second: &Path) -> Result<ReleaseDiff> {
    let (a, b) = (read_manifest(first)?, read_manifest(second)?);
    let (da, db) = (dictionary(first)?, dictionary(second)?);
    let mut indicators: Vec<String> = a.indicators.clone();
    for i in &b.indicators {
        if !indicators.contains(i) {
            indicators.push(i.clone());
        }
    }
    let mut tables = Vec::new();
    for indicator in indicators {
        let before = load(first, &da, &indicator)?;
        let after = load(second, &db, &indicator)?;
        let mut d = TableDiff {
            indicator: indicator.clone(),
            in_first: before.is_some(),
            in_second: after.is_some(),
            rows_added: Vec::new(),
            rows_removed: Vec::new(),
            rows_changed: 0,
            changes: Vec::new(),
        };
        let empty = BTreeMap::new();
        let key_columns = before
            .as_ref()
            .or(after.as_ref())
            .map_or_else(Vec::new, |l| l.key_columns.clone());
        let ra = before.as_ref().map_or(&empty, |l| &l.rows);
        let rb = after.as_ref().map_or(&empty, |l| &l.rows);
        let named = |key: &Vec<String>| -> RowKey {
            key_columns
                .iter()
                .cloned()
                .zip(key.iter().cloned())
                .collect()
        };
        for (key, row_b) in rb {
            match ra.get(key) {
                None => d.rows_added.push(named(key)),
                Some(row_a) => {
                    let columns: BTreeSet<&String> = row_a.keys().chain(row_b.keys()).collect();
                    let mut changed = false;
                    for column in columns {
                        if key_columns.contains(column) {
                            continue;
                        }
                        let (x, y) = (
                            row_a.get(column).cloned().unwrap_or_default(),
                            row_b.get(column).cloned().unwrap_or_default(),
                        );
                        if x != y {
                            changed = true;
                            d.changes.push(CellChange {
                                key: named(key),
                                column: column.clone(),
                                before: x,
                                after: y,
                            });
                        }
                    }
                    d.rows_changed += usize::from(changed);
                }
            }
        }
        for key in ra.keys() {
            if !rb.contains_key(key) {
                d.rows_removed.push(named(key));
            }
        }
        tables.push(d);
    }
    Ok(ReleaseDiff {
        from: a.release_id,
        to: b.release_id,
        tables,
    })
}
