//! Valid rows go into Arrow builders, one set per year partition; full
//! builders become record batches that a second thread encodes into Parquet
//! files in the batch's staging directory, so parsing and compression overlap.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};
use std::thread::JoinHandle;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder,
    RecordBatch, StringBuilder,
};
use arrow::datatypes::SchemaRef;
use evident_store::{ColumnType, StagedBatch, StagedDataFile};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};

use crate::error::IngestError;
use crate::read::RawRecord;
use crate::validate::{Cell, Plan, RowScratch};

/// Rows buffered per partition before they are handed to the writer thread.
const FLUSH_ROWS: usize = 16 * 1024;
/// Rows per Parquet row group (DuckDB writes 122,880; this is close and a power of two).
const ROW_GROUP_ROWS: usize = 128 * 1024;

enum Builder {
    Text(StringBuilder),
    Date(Date32Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(ty: ColumnType) -> Builder {
        match ty {
            ColumnType::Text => {
                Builder::Text(StringBuilder::with_capacity(FLUSH_ROWS, FLUSH_ROWS * 16))
            }
            ColumnType::Date => Builder::Date(Date32Builder::with_capacity(FLUSH_ROWS)),
            ColumnType::Int32 => Builder::Int32(Int32Builder::with_capacity(FLUSH_ROWS)),
            ColumnType::Int64 => Builder::Int64(Int64Builder::with_capacity(FLUSH_ROWS)),
            ColumnType::Float64 => Builder::Float(Float64Builder::with_capacity(FLUSH_ROWS)),
            ColumnType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(FLUSH_ROWS)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Int32(b) => Arc::new(b.finish()),
            Builder::Int64(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }
}

struct Partition {
    builders: Vec<Builder>,
    rows: usize,
}

/// What the writer thread is told.
enum Message {
    Batch(Option<i32>, RecordBatch),
}

/// Collects valid rows and feeds the writer thread.
pub(crate) struct RowSink {
    schema: SchemaRef,
    types: Vec<ColumnType>,
    partitions: BTreeMap<Option<i32>, Partition>,
    sender: Option<SyncSender<Message>>,
    writer: Option<JoinHandle<Result<Vec<StagedDataFile>, IngestError>>>,
    pub rows_by_partition: BTreeMap<Option<i32>, u64>,
}

impl RowSink {
    pub(crate) fn new(plan: &Plan, staged: &StagedBatch) -> RowSink {
        let schema = plan.kind.arrow_schema();
        let types = plan.columns().map(|c| c.ty).collect();
        // Two batches in flight: enough to keep both threads busy, little memory.
        let (sender, receiver) = std::sync::mpsc::sync_channel(2);
        let writer_schema = Arc::clone(&schema);
        let layout = staged.clone();
        let metadata = vec![
            KeyValue::new("evident.batch_id".to_owned(), staged.id().to_string()),
            KeyValue::new("evident.kind".to_owned(), staged.kind().name().to_owned()),
        ];
        let path_for = move |year: Option<i32>| (layout.data_path(year, 0), metadata.clone());
        let writer = std::thread::Builder::new()
            .name("evident-parquet".to_owned())
            .spawn(move || write_files(receiver, writer_schema, path_for))
            .ok();
        RowSink {
            schema,
            types,
            partitions: BTreeMap::new(),
            sender: Some(sender),
            writer,
            rows_by_partition: BTreeMap::new(),
        }
    }

    /// Appends a valid row.
    pub(crate) fn push(
        &mut self,
        plan: &Plan,
        record: &RawRecord,
        whole: Option<&str>,
        scratch: &RowScratch,
        partition: Option<i32>,
    ) -> Result<(), IngestError> {
        let types = &self.types;
        let part = self
            .partitions
            .entry(partition)
            .or_insert_with(|| Partition {
                builders: types.iter().map(|t| Builder::new(*t)).collect(),
                rows: 0,
            });
        for (builder, cell) in part.builders.iter_mut().zip(&scratch.cells) {
            match (builder, *cell) {
                (Builder::Text(b), Cell::Null) => b.append_null(),
                (Builder::Text(b), text) => b.append_value(plan.text(text, record, whole, scratch)),
                (Builder::Date(b), Cell::Date(d)) => b.append_value(d),
                (Builder::Date(b), _) => b.append_null(),
                (Builder::Int32(b), Cell::Int(v)) => b.append_value(v as i32),
                (Builder::Int32(b), _) => b.append_null(),
                (Builder::Int64(b), Cell::Int(v)) => b.append_value(v),
                (Builder::Int64(b), _) => b.append_null(),
                (Builder::Float(b), Cell::Float(v)) => b.append_value(v),
                (Builder::Float(b), _) => b.append_null(),
                (Builder::Bool(b), Cell::Bool(v)) => b.append_value(v),
                (Builder::Bool(b), _) => b.append_null(),
            }
        }
        part.rows += 1;
        *self.rows_by_partition.entry(partition).or_insert(0) += 1;
        if part.rows >= FLUSH_ROWS {
            self.flush(partition)?;
        }
        Ok(())
    }

    fn flush(&mut self, partition: Option<i32>) -> Result<(), IngestError> {
        let Some(part) = self.partitions.get_mut(&partition) else {
            return Ok(());
        };
        if part.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = part.builders.iter_mut().map(Builder::finish).collect();
        part.rows = 0;
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)
            .map_err(|e| IngestError::write(&PathBuf::from("record batch"), e))?;
        let sent = self
            .sender
            .as_ref()
            .map(|s| s.send(Message::Batch(partition, batch)).is_ok())
            .unwrap_or(false);
        if !sent {
            // The writer stopped early: its error explains why.
            return self.finish().map(|_| ()).and(Err(IngestError::write(
                &PathBuf::from("staging"),
                "the Parquet writer stopped unexpectedly",
            )));
        }
        evident_store::failpoint("ingest-flush");
        Ok(())
    }

    /// Flushes everything, waits for the writer and returns the files written.
    pub(crate) fn finish(&mut self) -> Result<Vec<StagedDataFile>, IngestError> {
        let keys: Vec<Option<i32>> = self.partitions.keys().copied().collect();
        if self.sender.is_some() {
            for key in keys {
                self.flush(key)?;
            }
        }
        self.sender = None;
        match self.writer.take() {
            Some(handle) => handle.join().unwrap_or_else(|_| {
                Err(IngestError::write(
                    &PathBuf::from("staging"),
                    "the Parquet writer thread panicked",
                ))
            }),
            None => Err(IngestError::write(
                &PathBuf::from("staging"),
                "could not start the Parquet writer thread",
            )),
        }
    }
}

/// A file being written, with its running SHA-256.
struct HashingFile {
    inner: BufWriter<File>,
    sha: Sha256,
    bytes: u64,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct OpenFile {
    path: PathBuf,
    writer: ArrowWriter<HashingFile>,
    rows: u64,
}

fn properties(metadata: Vec<KeyValue>) -> WriterProperties {
    // Identifiers are nearly all distinct: a dictionary would only cost time
    // before Parquet gives up on it.
    let mut builder = WriterProperties::builder();
    for column in ["record_id", "case_id"] {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), false);
    }
    builder
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("evident {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(metadata))
        .build()
}

fn write_files(
    receiver: Receiver<Message>,
    schema: SchemaRef,
    path_for: impl Fn(Option<i32>) -> (PathBuf, Vec<KeyValue>),
) -> Result<Vec<StagedDataFile>, IngestError> {
    let mut open: BTreeMap<Option<i32>, OpenFile> = BTreeMap::new();
    for message in receiver {
        let Message::Batch(partition, batch) = message;
        if let std::collections::btree_map::Entry::Vacant(slot) = open.entry(partition) {
            let (path, metadata) = path_for(partition);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| IngestError::write(parent, e))?;
            }
            let file = File::create(&path).map_err(|e| IngestError::write(&path, e))?;
            let sink = HashingFile {
                inner: BufWriter::with_capacity(1 << 20, file),
                sha: Sha256::new(),
                bytes: 0,
            };
            let writer =
                ArrowWriter::try_new(sink, Arc::clone(&schema), Some(properties(metadata)))
                    .map_err(|e| IngestError::write(&path, e))?;
            slot.insert(OpenFile {
                path,
                writer,
                rows: 0,
            });
        }
        if let Some(file) = open.get_mut(&partition) {
            file.rows += batch.num_rows() as u64;
            file.writer
                .write(&batch)
                .map_err(|e| IngestError::write(&file.path, e))?;
        }
    }
    let mut files = Vec::new();
    for (partition, file) in open {
        let path = file.path;
        let mut sink = file
            .writer
            .into_inner()
            .map_err(|e| IngestError::write(&path, e))?;
        sink.flush().map_err(|e| IngestError::write(&path, e))?;
        let HashingFile { inner, sha, bytes } = sink;
        let handle = inner
            .into_inner()
            .map_err(|e| IngestError::write(&path, e.into_error()))?;
        // Durable before the catalog can refer to it.
        handle
            .sync_all()
            .map_err(|e| IngestError::write(&path, e))?;
        files.push(StagedDataFile {
            staged_path: path,
            partition_year: partition,
            rows: file.rows,
            size_bytes: bytes,
            sha256: hex::encode(sha.finalize()),
        });
    }
    Ok(files)
}
