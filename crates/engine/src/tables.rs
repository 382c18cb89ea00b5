//! The tables the indicators read, and the reference tables the engine derives.
//!
//! The canonical record kinds are described in `docs/data-model.md`; the store
//! decides which Parquet files make up each table (committed, not retracted) and
//! the engine registers exactly those files.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use evident_iccs::{Level, iccs};

use crate::error::Result;
use crate::session::Engine;

/// Classified police-recorded offences (offence records with `iccs_code`,
/// `mapping_status` and `mapping_version`).
pub const OFFENCES: &str = "offences";
/// Victims and suspects.
pub const PERSONS: &str = "persons";
/// Court decisions.
pub const COURT_DECISIONS: &str = "court_decisions";
/// Prison admissions, releases and status changes.
pub const PRISON_EVENTS: &str = "prison_events";
/// Prison facilities and their capacity.
pub const FACILITIES: &str = "facilities";
/// Population by district, year, sex and age group.
pub const POPULATION: &str = "population";
/// The area codelist (regions and districts).
pub const AREAS: &str = "areas";
/// Derived: the category of every ICCS code at each level (see [`iccs_levels`]).
pub const ICCS_LEVELS: &str = "iccs_levels";

/// The code under which offences with an unmapped national code are counted.
pub const NOT_CLASSIFIABLE: &str = "NC";
/// Suffix of the cell that holds records coded to a category that has
/// subdivisions, but not to any of them ("0501_NFS": burglary, not further specified).
pub const NOT_FURTHER_SPECIFIED: &str = "_NFS";

/// The columns and types the engine reads from each canonical table
/// (`docs/data-model.md`); a store file must have at least these.
pub fn canonical_schema(table: &str) -> Option<SchemaRef> {
    use DataType::{Boolean, Date32, Float64, Int32, Int64, Utf8};
    let fields: &[(&str, DataType)] = match table {
        OFFENCES => &[
            ("record_id", Utf8),
            ("source", Utf8),
            ("recorded_date", Date32),
            ("occurred_date", Date32),
            ("area_code", Utf8),
            ("national_code", Utf8),
            ("description", Utf8),
            ("attempted", Boolean),
            ("weapon", Utf8),
            ("location_type", Utf8),
            ("cyber", Boolean),
            ("case_id", Utf8),
            ("iccs_code", Utf8),
            ("mapping_status", Utf8),
            ("mapping_version", Int64),
        ],
        PERSONS => &[
            ("person_id", Utf8),
            ("role", Utf8),
            ("record_id", Utf8),
            ("sex", Utf8),
            ("age", Int32),
            ("age_group", Utf8),
            ("citizenship", Utf8),
            ("relationship", Utf8),
            ("occupation", Utf8),
            ("exploitation", Utf8),
        ],
        COURT_DECISIONS => &[
            ("case_id", Utf8),
            ("person_id", Utf8),
            ("offence_date", Date32),
            ("prosecution_date", Date32),
            ("decision_date", Date32),
            ("national_code", Utf8),
            ("outcome", Utf8),
            ("sentence_type", Utf8),
            ("sentence_months", Float64),
        ],
        PRISON_EVENTS => &[
            ("person_id", Utf8),
            ("facility_id", Utf8),
            ("event_date", Date32),
            ("event", Utf8),
            ("status", Utf8),
        ],
        FACILITIES => &[
            ("facility_id", Utf8),
            ("name", Utf8),
            ("area_code", Utf8),
            ("capacity", Int64),
            ("valid_from", Date32),
        ],
        POPULATION => &[
            ("area_code", Utf8),
            ("year", Int32),
            ("sex", Utf8),
            ("age_group", Utf8),
            ("population", Int64),
        ],
        AREAS => &[
            ("area_code", Utf8),
            ("name", Utf8),
            ("level", Int32),
            ("parent_code", Utf8),
        ],
        _ => return None,
    };
    Some(Arc::new(Schema::new(
        fields
            .iter()
            .map(|(name, t)| Field::new(*name, t.clone(), true))
            .collect::<Vec<_>>(),
    )))
}

/// Every canonical table the indicators read.
pub const CANONICAL_TABLES: &[&str] = &[
    OFFENCES,
    PERSONS,
    COURT_DECISIONS,
    PRISON_EVENTS,
    FACILITIES,
    POPULATION,
    AREAS,
];

/// The Parquet files of one table and their common schema.
#[derive(Debug, Clone)]
pub struct TableFiles {
    /// Absolute paths of the files.
    pub files: Vec<PathBuf>,
    /// The schema every file has.
    pub schema: SchemaRef,
}

/// The tables an engine computes from, by name.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Table name → files.
    pub tables: BTreeMap<String, TableFiles>,
}

impl Sources {
    /// Adds (or replaces) a table.
    pub fn with(mut self, name: &str, files: Vec<PathBuf>, schema: SchemaRef) -> Sources {
        self.tables
            .insert(name.to_owned(), TableFiles { files, schema });
        self
    }
}

impl Engine {
    /// Registers the source tables and the derived reference tables.
    pub async fn register_sources(&self, sources: &Sources) -> Result<()> {
        for (name, table) in &sources.tables {
            self.register_parquet(name, &table.files, table.schema.clone())
                .await?;
        }
        let (schema, batch) = iccs_levels()?;
        self.register_batches(ICCS_LEVELS, schema, &[batch]).await
    }
}

/// The ICCS category of a record at each level, as a table
/// `(code, l1, l2, l3, l4)` with one row per ICCS code and one for `NC`.
///
/// For a record coded `code`, `l<k>` is the level-k category that counts it.
/// Coarser codes are complete at lower levels when the category has no
/// subdivisions (ICCS p. 14), so `l<k>` is NULL there and the coarser cell is the
/// whole story. When the category does have subdivisions, the record sits in a
/// `<code>_NFS` cell beside them, so the level below still adds up.
pub fn iccs_levels() -> Result<(SchemaRef, RecordBatch)> {
    let iccs = iccs();
    let mut rows: Vec<[Option<String>; 5]> = Vec::new();
    for category in iccs.categories() {
        let mut row: [Option<String>; 5] = [Some(category.code.to_owned()), None, None, None, None];
        let own = usize::from(category.level.number());
        let has_children = iccs.children(category.code).next().is_some();
        for level in Level::ALL {
            let k = usize::from(level.number());
            row[k] = if k <= own {
                Some(category.code[..level.code_length()].to_owned())
            } else if k == own + 1 && has_children {
                Some(format!("{}{NOT_FURTHER_SPECIFIED}", category.code))
            } else {
                None
            };
        }
        rows.push(row);
    }
    rows.push([
        Some(NOT_CLASSIFIABLE.to_owned()),
        Some(NOT_CLASSIFIABLE.to_owned()),
        None,
        None,
        None,
    ]);
    let names = ["code", "l1", "l2", "l3", "l4"];
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Field::new(*n, DataType::Utf8, i != 0))
            .collect::<Vec<_>>(),
    ));
    let columns = (0..5)
        .map(|i| {
            Arc::new(rows.iter().map(|r| r[i].clone()).collect::<StringArray>())
                as datafusion::arrow::array::ArrayRef
        })
        .collect();
    Ok((schema.clone(), RecordBatch::try_new(schema, columns)?))
}

/// The name of a code of the ICCS dimension, including Evident's own cells.
pub fn iccs_cell_name(code: &str) -> String {
    if code == NOT_CLASSIFIABLE {
        return "Not classifiable (national code not mapped to ICCS)".to_owned();
    }
    if let Some(base) = code.strip_suffix(NOT_FURTHER_SPECIFIED) {
        if let Some(category) = iccs().get(base) {
            return format!("{}, not further specified", category.name);
        }
    }
    iccs()
        .get(code)
        .map_or_else(|| code.to_owned(), |c| c.name.to_owned())
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, AsArray};

    use super::*;

    fn levels_of(code: &str) -> Vec<Option<String>> {
        let (_, batch) = iccs_levels().expect("levels");
        let codes = batch.column(0).as_string::<i32>();
        let row = (0..batch.num_rows())
            .find(|&r| codes.value(r) == code)
            .expect("code present");
        (1..5)
            .map(|c| {
                let a = batch.column(c).as_string::<i32>();
                (!a.is_null(row)).then(|| a.value(row).to_owned())
            })
            .collect()
    }

    #[test]
    fn levels_follow_the_hierarchy() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            levels_of("020111"),
            [s("02"), s("0201"), s("02011"), s("020111")]
        );
        // 0101 is not divided: complete at level 2.
        assert_eq!(levels_of("0101"), [s("01"), s("0101"), None, None]);
        // 0501 is divided; a record coded only 0501 is "not further specified" at level 3.
        assert_eq!(levels_of("0501"), [s("05"), s("0501"), s("0501_NFS"), None]);
        assert_eq!(levels_of("NC"), [s("NC"), None, None, None]);
        assert_eq!(
            iccs_cell_name("0501_NFS"),
            "Burglary, not further specified"
        );
    }
}
