//! Indicator tables held in memory for queries: the rows of each table, an
//! index from every dimension code to the rows that carry it, and each row
//! already rendered as a JSON object, so that answering a query is selecting
//! rows and copying bytes.
//!
//! A query only *selects* cells by exact codes; it never adds cells up. That
//! is what keeps differencing harmless: every figure a caller can obtain is a
//! cell of a table that passed disclosure control as a whole.

use std::collections::HashMap;

use evident_engine::{IndicatorTable, Values};

/// Columns a query may filter on: the dimensions of the indicator tables and
/// the level of their hierarchical codes.
pub const FILTERABLE: &[&str] = &[
    "iccs",
    "iccs_level",
    "area",
    "area_level",
    "freq",
    "period",
    "sex",
    "age",
    "exploitation",
    "occupation",
    "stage",
    "sub_index",
    "follow_up",
];

/// Whether a row's figures are published, withheld or absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Published (or, for unprotected tables, simply present).
    Published,
    /// Withheld by disclosure control (`obs_status` `Q`).
    Suppressed,
    /// No value (`obs_status` `O`).
    Missing,
}

/// A table ready for queries.
#[derive(Debug)]
pub struct Table {
    /// The indicator.
    pub indicator: String,
    table: IndicatorTable,
    /// Filterable column name → (code → rows, ascending).
    index: HashMap<String, HashMap<String, Vec<u32>>>,
    /// Each row as a JSON object.
    json_rows: Vec<Box<str>>,
    /// The columns of the JSON rows.
    shown: Vec<String>,
    status: Vec<RowStatus>,
}

/// A query asked for a column the table does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFilter {
    /// The column asked for.
    pub column: String,
    /// The columns that can be filtered on.
    pub allowed: Vec<String>,
}

impl Table {
    /// Indexes a table. Columns listed in `hidden` are left out of the JSON
    /// rows and cannot be filtered on.
    pub fn new(table: IndicatorTable, hidden: &[&str]) -> Table {
        let rows = table.rows();
        let mut index: HashMap<String, HashMap<String, Vec<u32>>> = HashMap::new();
        for column in &table.columns {
            if !FILTERABLE.contains(&column.name.as_str()) || hidden.contains(&column.name.as_str())
            {
                continue;
            }
            let mut codes: HashMap<String, Vec<u32>> = HashMap::new();
            for row in 0..rows {
                let code = match &column.values {
                    Values::Text(v) => v[row].to_string(),
                    Values::Int(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
                    Values::Float(_) => continue,
                };
                codes.entry(code).or_default().push(row as u32);
            }
            index.insert(column.name.clone(), codes);
        }
        let shown: Vec<&evident_engine::Column> = table
            .columns
            .iter()
            .filter(|c| !hidden.contains(&c.name.as_str()))
            .collect();
        // Written by hand to keep the table's column order (serde_json's map sorts keys).
        let json_rows = (0..rows)
            .map(|row| {
                let mut out = String::from("{");
                for (i, column) in shown.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::from(column.name.as_str()).to_string());
                    out.push(':');
                    let value = match &column.values {
                        Values::Text(v) => serde_json::Value::from(&*v[row]),
                        Values::Int(v) => v[row].map_or(serde_json::Value::Null, Into::into),
                        Values::Float(v) => v[row]
                            .filter(|x| x.is_finite())
                            .map_or(serde_json::Value::Null, Into::into),
                    };
                    out.push_str(&value.to_string());
                }
                out.push('}');
                out.into_boxed_str()
            })
            .collect();
        let status = match table.text("obs_status") {
            Some(codes) => codes
                .iter()
                .map(|c| match &**c {
                    "Q" => RowStatus::Suppressed,
                    "O" => RowStatus::Missing,
                    _ => RowStatus::Published,
                })
                .collect(),
            None => vec![RowStatus::Published; rows],
        };
        let shown = shown.iter().map(|c| c.name.clone()).collect();
        Table {
            indicator: table.indicator.clone(),
            table,
            index,
            json_rows,
            shown,
            status,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.status.len()
    }

    /// The columns, as they appear in the JSON rows.
    pub fn column_names(&self) -> &[String] {
        &self.shown
    }

    /// The columns a query may filter on, in table order.
    pub fn filters(&self) -> Vec<String> {
        self.table
            .columns
            .iter()
            .filter(|c| self.index.contains_key(&c.name))
            .map(|c| c.name.clone())
            .collect()
    }

    /// The codes of a filterable column, sorted.
    pub fn codes(&self, column: &str) -> Vec<&str> {
        let mut codes: Vec<&str> = self
            .index
            .get(column)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        codes.sort_unstable();
        codes
    }

    /// Whether the table has this column.
    pub fn has(&self, column: &str) -> bool {
        self.table.column(column).is_some()
    }

    /// The rows whose codes equal every filter, in table order.
    pub fn select(&self, filters: &[(&str, &str)]) -> Result<Vec<u32>, UnknownFilter> {
        let mut lists: Vec<&[u32]> = Vec::with_capacity(filters.len());
        for (column, code) in filters {
            let codes = self.index.get(*column).ok_or_else(|| UnknownFilter {
                column: (*column).to_owned(),
                allowed: self.filters(),
            })?;
            match codes.get(*code) {
                Some(rows) => lists.push(rows),
                None => return Ok(Vec::new()),
            }
        }
        if lists.is_empty() {
            return Ok((0..self.rows() as u32).collect());
        }
        lists.sort_by_key(|l| l.len());
        let (first, rest) = lists
            .split_first()
            .map_or((&[][..], &[][..]), |(f, r)| (*f, r));
        Ok(first
            .iter()
            .copied()
            .filter(|row| rest.iter().all(|l| l.binary_search(row).is_ok()))
            .collect())
    }

    /// The first row with exactly these codes (columns the table lacks are ignored
    /// when their code is `_T`, the total, which is what a missing dimension means).
    pub fn find(&self, key: &[(&str, &str)]) -> Option<usize> {
        let present: Vec<(&str, &str)> = key
            .iter()
            .copied()
            .filter(|(c, code)| self.index.contains_key(*c) || *code != "_T")
            .collect();
        self.select(&present)
            .ok()
            .and_then(|rows| rows.first().map(|&r| r as usize))
    }

    /// A row rendered as a JSON object.
    pub fn json_row(&self, row: u32) -> &str {
        &self.json_rows[row as usize]
    }

    /// Whether a row is published, withheld or missing.
    pub fn status(&self, row: usize) -> RowStatus {
        self.status[row]
    }

    /// A text cell.
    pub fn text(&self, column: &str, row: usize) -> Option<&str> {
        self.table
            .text(column)
            .and_then(|v| v.get(row))
            .map(|code| &**code)
    }

    /// A numeric cell (`None` when empty or not numeric).
    pub fn number(&self, column: &str, row: usize) -> Option<f64> {
        match self.table.column(column)? {
            Values::Int(v) => v.get(row).copied().flatten().map(|x| x as f64),
            Values::Float(v) => v.get(row).copied().flatten().filter(|x| x.is_finite()),
            Values::Text(_) => None,
        }
    }

    /// The underlying table.
    pub fn source(&self) -> &IndicatorTable {
        &self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evident_engine::Column;

    fn table() -> Table {
        let text = |v: &[&str]| Values::Text(v.iter().map(|s| (*s).into()).collect());
        Table::new(
            IndicatorTable {
                indicator: "offences".into(),
                columns: vec![
                    Column {
                        name: "area".into(),
                        values: text(&["_T", "R1", "R2", "_T", "R1", "R2"]),
                    },
                    Column {
                        name: "period".into(),
                        values: text(&["2022", "2022", "2022", "2023", "2023", "2023"]),
                    },
                    Column {
                        name: "offences".into(),
                        values: Values::Int(vec![Some(10), None, None, Some(12), Some(7), Some(5)]),
                    },
                    Column {
                        name: "contributors".into(),
                        values: Values::Int(vec![
                            Some(9),
                            Some(2),
                            Some(7),
                            Some(12),
                            Some(7),
                            Some(5),
                        ]),
                    },
                    Column {
                        name: "obs_status".into(),
                        values: text(&["A", "Q", "Q", "A", "A", "A"]),
                    },
                ],
            },
            &["contributors"],
        )
    }

    #[test]
    fn filters_select_exact_cells_and_never_add_up() {
        let t = table();
        assert_eq!(t.select(&[("period", "2023")]).unwrap(), [3, 4, 5]);
        assert_eq!(
            t.select(&[("period", "2023"), ("area", "R1")]).unwrap(),
            [4]
        );
        assert_eq!(t.select(&[("area", "R9")]).unwrap(), Vec::<u32>::new());
        assert_eq!(t.select(&[]).unwrap().len(), 6);
        let err = t.select(&[("sex", "F")]).unwrap_err();
        assert_eq!(err.column, "sex");
        assert_eq!(err.allowed, ["area", "period"]);
        // Hidden columns are neither shown nor filterable.
        assert!(t.select(&[("contributors", "2")]).is_err());
        assert_eq!(
            t.json_row(1),
            r#"{"area":"R1","period":"2022","offences":null,"obs_status":"Q"}"#
        );
        assert_eq!(t.status(1), RowStatus::Suppressed);
        assert_eq!(t.number("offences", 4), Some(7.0));
        assert_eq!(
            t.find(&[("area", "R2"), ("period", "2023"), ("sex", "_T")]),
            Some(5)
        );
        assert_eq!(
            t.column_names(),
            ["area", "period", "offences", "obs_status"]
        );
    }
}
