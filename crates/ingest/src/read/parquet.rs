//! Parquet sources, read in record batches and rendered to text per value so
//! that the schema's conversions and checks apply as for CSV.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::{RawRecord, RecordSource};
use crate::error::IngestError;

/// Rows of a Parquet file.
pub(crate) struct ParquetRows {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    header: Vec<String>,
    batch: Option<RecordBatch>,
    row: usize,
    row_no: u64,
    text: String,
}

impl ParquetRows {
    pub(crate) fn open(path: &Path) -> Result<ParquetRows, IngestError> {
        let file = File::open(path).map_err(|e| IngestError::read(path, e))?;
        let bad = |e: parquet::errors::ParquetError| IngestError::Format {
            path: path.to_path_buf(),
            message: format!("not a readable Parquet file: {e}"),
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(bad)?;
        let header = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let reader = builder.with_batch_size(8192).build().map_err(bad)?;
        Ok(ParquetRows {
            path: path.to_path_buf(),
            reader,
            header,
            batch: None,
            row: 0,
            row_no: 0,
            text: String::new(),
        })
    }
}

impl RecordSource for ParquetRows {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self, record: &mut RawRecord) -> Result<bool, IngestError> {
        loop {
            if let Some(batch) = &self.batch
                && self.row < batch.num_rows()
            {
                break;
            }
            match self.reader.next() {
                None => return Ok(false),
                Some(Ok(batch)) => {
                    self.batch = Some(batch);
                    self.row = 0;
                }
                Some(Err(e)) => {
                    return Err(IngestError::Format {
                        path: self.path.clone(),
                        message: format!("reading row {}: {e}", self.row_no + 1),
                    });
                }
            }
        }
        let Some(batch) = &self.batch else {
            return Ok(false);
        };
        record.clear();
        self.row_no += 1;
        record.line = self.row_no;
        let options = FormatOptions::default().with_null("");
        for column in batch.columns() {
            self.text.clear();
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options).map_err(|e| {
                IngestError::Format {
                    path: self.path.clone(),
                    message: e.to_string(),
                }
            })?;
            use std::fmt::Write;
            let _ = write!(self.text, "{}", formatter.value(self.row));
            record.push(self.text.as_bytes());
        }
        self.row += 1;
        Ok(true)
    }
}
