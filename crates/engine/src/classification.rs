//! Classification of stored offences by a correspondence table.
//!
//! One DataFusion join per batch of offences: each record meets the table rows
//! of its national code, and the row whose validity period and condition hold
//! gives its ICCS code. Conditions are rendered to SQL by `evident-classify`
//! and grouped, so the join evaluates one `CASE` branch per distinct condition,
//! not per table row. Conditions on the victim (age, sex, relationship) read
//! the youngest victim of the record. The table must be free of overlaps
//! (`evident map check`), so a record meets at most one applicable row.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::dataframe::DataFrameWriteOptions;
use evident_classify::{CorrespondenceTable, Field as TagField};

use crate::error::{EngineError, Result};
use crate::session::Engine;
use crate::tables::{OFFENCES, PERSONS, canonical_schema};

/// Columns classification adds to an offence record.
pub const CLASSIFICATION_COLUMNS: [&str; 3] = ["iccs_code", "mapping_status", "mapping_version"];

/// The offence record as ingest stores it: the canonical offence columns
/// without the classification.
pub fn recorded_offence_schema() -> Result<SchemaRef> {
    let full = canonical_schema(OFFENCES)
        .ok_or_else(|| EngineError::InvalidRequest("no offence schema".into()))?;
    let fields: Vec<Field> = full
        .fields()
        .iter()
        .filter(|f| !CLASSIFICATION_COLUMNS.contains(&f.name().as_str()))
        .map(|f| f.as_ref().clone())
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

/// What one classification run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassifyCounts {
    /// Records read.
    pub records: u64,
    /// Records with an ICCS code.
    pub mapped: u64,
    /// Records without one (counted as "not classifiable").
    pub unmapped: u64,
}

/// Classifies the offences in `offence_files` with `table` (version `version`)
/// and writes them, classification attached, as one Parquet file `out`.
/// `person_files` supply victims' tags for conditions on the victim.
pub async fn classify_offences(
    engine: &Engine,
    offence_files: &[PathBuf],
    person_files: &[PathBuf],
    table: &CorrespondenceTable,
    version: i64,
    out: &Path,
) -> Result<ClassifyCounts> {
    let recorded = recorded_offence_schema()?;
    engine
        .register_parquet("unclassified_offences", offence_files, recorded.clone())
        .await?;
    let persons = canonical_schema(PERSONS)
        .ok_or_else(|| EngineError::InvalidRequest("no person schema".into()))?;
    engine
        .register_parquet("classify_persons", person_files, persons)
        .await?;

    // Distinct conditions (validity is a column of its own) get one id each.
    let column_of = |field: TagField| -> String {
        match field {
            TagField::VictimAge | TagField::VictimSex | TagField::Relationship => {
                format!("v.{}", field.name())
            }
            other => format!("o.{}", other.name()),
        }
    };
    let mut conditions: BTreeMap<String, i64> = BTreeMap::new();
    let mut uses_victims = false;
    let (mut codes, mut iccs, mut ids, mut from, mut to) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for row in table.rows() {
        let sql = if row.condition.is_always() {
            "TRUE".to_owned()
        } else {
            row.condition.to_sql(&column_of)
        };
        uses_victims |= row.condition.fields().iter().any(|f| {
            matches!(
                f,
                TagField::VictimAge | TagField::VictimSex | TagField::Relationship
            )
        });
        let next = conditions.len() as i64;
        let id = *conditions.entry(sql).or_insert(next);
        codes.push(row.national_code.clone());
        iccs.push(row.iccs_code.clone());
        ids.push(id);
        from.push(row.valid_from.map(|d| d.days_since_epoch() as i32));
        to.push(row.valid_to.map(|d| d.days_since_epoch() as i32));
    }
    let mapping_schema = Arc::new(Schema::new(vec![
        Field::new("national_code", DataType::Utf8, false),
        Field::new("iccs_code", DataType::Utf8, false),
        Field::new("condition_id", DataType::Int64, false),
        Field::new("valid_from", DataType::Date32, true),
        Field::new("valid_to", DataType::Date32, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(codes)),
        Arc::new(StringArray::from(iccs)),
        Arc::new(Int64Array::from(ids)),
        Arc::new(Date32Array::from(from)),
        Arc::new(Date32Array::from(to)),
    ];
    let batch = RecordBatch::try_new(mapping_schema.clone(), columns)?;
    engine
        .register_batches("mapping_rows", mapping_schema, &[batch])
        .await?;

    let mut by_id: Vec<(&String, &i64)> = conditions.iter().collect();
    by_id.sort_by_key(|(_, id)| **id);
    let branches: String = by_id
        .iter()
        .map(|(sql, id)| format!(" WHEN {id} THEN ({sql})"))
        .collect();
    let victims = if uses_victims {
        "LEFT JOIN (SELECT record_id, MIN(age) AS victim_age, \
                    first_value(sex ORDER BY age ASC NULLS LAST) AS victim_sex, \
                    first_value(relationship ORDER BY age ASC NULLS LAST) AS relationship \
                    FROM classify_persons WHERE role = 'victim' GROUP BY record_id) v \
         ON v.record_id = o.record_id"
    } else {
        ""
    };
    let record_columns: Vec<String> = recorded
        .fields()
        .iter()
        .map(|f| format!("o.{}", f.name()))
        .collect();
    let sql = format!(
        "SELECT {columns}, m.iccs_code AS iccs_code, \
                CASE WHEN m.iccs_code IS NULL THEN 'unmapped' ELSE 'mapped' END AS mapping_status, \
                CAST({version} AS BIGINT) AS mapping_version \
         FROM unclassified_offences o {victims} \
         LEFT JOIN mapping_rows m ON o.national_code = m.national_code \
           AND (m.valid_from IS NULL OR o.recorded_date >= m.valid_from) \
           AND (m.valid_to IS NULL OR o.recorded_date <= m.valid_to) \
           AND (CASE m.condition_id{branches} ELSE FALSE END)",
        columns = record_columns.join(", ")
    );
    let frame = engine.context().sql(&sql).await?;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| EngineError::io(parent, e))?;
    }
    frame
        .write_parquet(
            &out.to_string_lossy(),
            DataFrameWriteOptions::new().with_single_file_output(true),
            None,
        )
        .await?;

    let schema = canonical_schema(OFFENCES)
        .ok_or_else(|| EngineError::InvalidRequest("no offence schema".into()))?;
    engine
        .register_parquet("classified_output", &[out.to_path_buf()], schema)
        .await?;
    let batches = engine
        .query("SELECT COUNT(*), COUNT(iccs_code) FROM classified_output")
        .await?;
    let mut counts = ClassifyCounts::default();
    for batch in &batches {
        if batch.num_rows() > 0 {
            let records = crate::cube::int_column(batch, 0)?.value(0) as u64;
            let mapped = crate::cube::int_column(batch, 1)?.value(0) as u64;
            counts = ClassifyCounts {
                records,
                mapped,
                unmapped: records - mapped,
            };
        }
    }
    Ok(counts)
}
