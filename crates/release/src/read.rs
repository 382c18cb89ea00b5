//! Reading indicator tables back from the Parquet files the engine writes
//! (`IndicatorTable::write`), so that a release can be built from a directory
//! of computed tables.

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatchReader};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use evident_engine::{Column, IndicatorTable, Values};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{ReleaseError, Result};

/// Reads `<dir>/<indicator>.parquet` as the engine wrote it. Text columns
/// become codes, integer columns counts, floating-point columns numbers.
pub fn read_table(path: &Path) -> Result<IndicatorTable> {
    let indicator = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .ok_or_else(|| ReleaseError::malformed(path, "no file name"))?;
    let file = std::fs::File::open(path).map_err(|e| ReleaseError::io(path, e))?;
    let fail = |e: String| ReleaseError::malformed(path, e);
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| fail(e.to_string()))?
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let schema = reader.schema();
    let mut columns: Vec<Column> = schema
        .fields()
        .iter()
        .map(|f| {
            let values = match f.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    Ok(Values::Text(Vec::new()))
                }
                DataType::Int64 | DataType::Int32 | DataType::Int16 | DataType::Int8 => {
                    Ok(Values::Int(Vec::new()))
                }
                DataType::Float64 | DataType::Float32 => Ok(Values::Float(Vec::new())),
                other => Err(fail(format!(
                    "column {} has type {other}, not text, integer or number",
                    f.name()
                ))),
            }?;
            Ok(Column {
                name: f.name().clone(),
                values,
            })
        })
        .collect::<Result<_>>()?;
    for batch in reader {
        let batch = batch.map_err(|e| fail(e.to_string()))?;
        for (column, array) in columns.iter_mut().zip(batch.columns()) {
            match &mut column.values {
                Values::Text(v) => {
                    let a = arrow::compute::cast(array, &DataType::Utf8)
                        .map_err(|e| fail(e.to_string()))?;
                    let a = a.as_string::<i32>();
                    for i in 0..a.len() {
                        if a.is_null(i) {
                            return Err(fail(format!("column {} has an empty code", column.name)));
                        }
                        v.push(a.value(i).into());
                    }
                }
                Values::Int(v) => {
                    let a = arrow::compute::cast(array, &DataType::Int64)
                        .map_err(|e| fail(e.to_string()))?;
                    let a = a.as_primitive::<Int64Type>();
                    v.extend((0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i))));
                }
                Values::Float(v) => {
                    let a = arrow::compute::cast(array, &DataType::Float64)
                        .map_err(|e| fail(e.to_string()))?;
                    let a = a.as_primitive::<Float64Type>();
                    v.extend((0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i))));
                }
            }
        }
    }
    Ok(IndicatorTable { indicator, columns })
}

/// Reads every `*.parquet` table of a directory, in file-name order.
pub fn read_tables(dir: &Path) -> Result<Vec<IndicatorTable>> {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ReleaseError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    paths.sort();
    paths.iter().map(|p| read_table(p)).collect()
}

/// Reads an indicator table from CSV text with a header row, as the engine
/// would have computed it (hand-made tables for tests and examples). Column
/// types follow the indicator's publication layout: codes and labels are
/// text, counts and levels integers, derived values numbers; a public column
/// is an integer when every value is one. Empty fields are empty values.
pub fn table_from_csv(indicator: &str, text: &str) -> Result<IndicatorTable> {
    let path = Path::new(indicator);
    let layout = crate::layout::layout(indicator)
        .ok_or_else(|| ReleaseError::UnknownIndicator(indicator.to_owned()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ReleaseError::malformed(path, e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for record in reader.records() {
        let record = record.map_err(|e| ReleaseError::malformed(path, e.to_string()))?;
        for (c, v) in record.iter().enumerate() {
            if let Some(column) = cells.get_mut(c) {
                column.push(v.to_owned());
            }
        }
    }
    let mut columns = Vec::with_capacity(headers.len());
    for (name, raw) in headers.iter().zip(cells) {
        let n = name.as_str();
        let text = layout.dimensions.contains(&n) || layout.labels.contains(&n);
        let integer = layout.levels.contains(&n)
            || layout.internal.contains(&n)
            || layout.counts.iter().any(|c| c.column == n)
            || (layout.public.contains(&n)
                && raw.iter().all(|v| v.is_empty() || v.parse::<i64>().is_ok()));
        let bad =
            |v: &str| ReleaseError::malformed(path, format!("column {n}: {v:?} is not a number"));
        let values = if text {
            Values::Text(raw.into_iter().map(Into::into).collect())
        } else if integer {
            Values::Int(
                raw.iter()
                    .map(|v| {
                        if v.is_empty() {
                            Ok(None)
                        } else {
                            v.parse().map(Some).map_err(|_| bad(v))
                        }
                    })
                    .collect::<Result<_>>()?,
            )
        } else {
            Values::Float(
                raw.iter()
                    .map(|v| {
                        if v.is_empty() {
                            Ok(None)
                        } else {
                            v.parse().map(Some).map_err(|_| bad(v))
                        }
                    })
                    .collect::<Result<_>>()?,
            )
        };
        columns.push(Column {
            name: name.clone(),
            values,
        });
    }
    Ok(IndicatorTable {
        indicator: indicator.to_owned(),
        columns,
    })
}
