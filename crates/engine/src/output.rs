//! Result tables and the files they are written to.
//!
//! Results are written on the machine that asked for them, from collected
//! batches, so the bytes do not depend on which engine computed them (Ballista's
//! own CSV writer quotes every field; DataFusion's does not).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use crate::error::{EngineError, Result};

/// The values of one column of a result table.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Codes and labels (dimension columns). A table of millions of cells
    /// repeats a few hundred codes, so each row shares its code's string.
    Text(Vec<Arc<str>>),
    /// Counts.
    Int(Vec<Option<i64>>),
    /// Rates, shares, interval limits.
    Float(Vec<Option<f64>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            Values::Text(_) => DataType::Utf8,
            Values::Int(_) => DataType::Int64,
            Values::Float(_) => DataType::Float64,
        }
    }

    fn to_array(&self) -> ArrayRef {
        match self {
            Values::Text(v) => Arc::new(StringArray::from_iter_values(v.iter().map(|s| &**s))),
            Values::Int(v) => Arc::new(Int64Array::from(v.clone())),
            Values::Float(v) => Arc::new(Float64Array::from(v.clone())),
        }
    }
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The stable column name (see `docs/indicators.md`).
    pub name: String,
    /// Its values, one per row.
    pub values: Values,
}

/// A computed indicator table: dimension columns (codes) then measure columns.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorTable {
    /// The indicator's id in the catalogue.
    pub indicator: String,
    /// The columns, all of the same length.
    pub columns: Vec<Column>,
}

impl IndicatorTable {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&Values> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.values)
    }

    /// The text column with this name.
    pub fn text(&self, name: &str) -> Option<&[Arc<str>]> {
        match self.column(name)? {
            Values::Text(v) => Some(v),
            _ => None,
        }
    }

    /// The integer column with this name.
    pub fn ints(&self, name: &str) -> Option<&[Option<i64>]> {
        match self.column(name)? {
            Values::Int(v) => Some(v),
            _ => None,
        }
    }

    /// The float column with this name.
    pub fn floats(&self, name: &str) -> Option<&[Option<f64>]> {
        match self.column(name)? {
            Values::Float(v) => Some(v),
            _ => None,
        }
    }

    /// Index of the first row whose text columns equal the given values.
    pub fn find(&self, key: &[(&str, &str)]) -> Option<usize> {
        let columns: Vec<&[Arc<str>]> = key
            .iter()
            .map(|(name, _)| self.text(name))
            .collect::<Option<_>>()?;
        (0..self.rows()).find(|&row| {
            key.iter()
                .zip(&columns)
                .all(|((_, value), column)| &*column[row] == *value)
        })
    }

    /// Keeps the rows for which `keep` is true.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        for column in &mut self.columns {
            let mut flags = keep.iter();
            let mut next = || *flags.next().unwrap_or(&true);
            match &mut column.values {
                Values::Text(v) => v.retain(|_| next()),
                Values::Int(v) => v.retain(|_| next()),
                Values::Float(v) => v.retain(|_| next()),
            }
        }
    }

    /// The Arrow schema of the table.
    pub fn schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                Field::new(
                    &c.name,
                    c.values.data_type(),
                    !matches!(c.values, Values::Text(_)),
                )
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// The table as one Arrow record batch.
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self.columns.iter().map(|c| c.values.to_array()).collect();
        Ok(RecordBatch::try_new(self.schema(), arrays)?)
    }

    /// Writes `<dir>/<indicator>.parquet` and `<dir>/<indicator>.csv`; returns both paths.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
        let batch = self.to_record_batch()?;
        let parquet = dir.join(format!("{}.parquet", self.indicator));
        write_parquet(&parquet, self.schema(), std::slice::from_ref(&batch))?;
        let csv = dir.join(format!("{}.csv", self.indicator));
        write_csv(&csv, std::slice::from_ref(&batch))?;
        Ok(vec![parquet, csv])
    }
}

/// Writes batches to one Parquet file (zstd), atomically: a temporary file
/// renamed into place, so a reader never sees half a file.
pub fn write_parquet(path: &Path, schema: SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = File::create(&tmp).map_err(|e| EngineError::io(&tmp, e))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3)
                .map_err(|e| EngineError::InvalidRequest(format!("zstd level: {e}")))?,
        ))
        .build();
    let mut writer = ArrowWriter::try_new(BufWriter::new(file), schema, Some(properties))
        .map_err(|e| EngineError::InvalidRequest(format!("{}: {e}", path.display())))?;
    for batch in batches {
        writer
            .write(batch)
            .map_err(|e| EngineError::InvalidRequest(format!("{}: {e}", path.display())))?;
    }
    writer
        .close()
        .map_err(|e| EngineError::InvalidRequest(format!("{}: {e}", path.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| EngineError::io(path, e))
}

/// Writes batches as CSV with a header row (RFC 4180 quoting only where needed).
pub fn write_csv(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    let tmp = path.with_extension("csv.tmp");
    let file = File::create(&tmp).map_err(|e| EngineError::io(&tmp, e))?;
    let mut writer = WriterBuilder::new()
        .with_header(true)
        .build(BufWriter::new(file));
    for batch in batches {
        writer.write(batch)?;
    }
    drop(writer);
    std::fs::rename(&tmp, path).map_err(|e| EngineError::io(path, e))
}
