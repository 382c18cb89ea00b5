//! One ingest, from source file to committed batch.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use evident_store::{
    BatchInfo, NewBatch, NewQuarantineEntry, QuarantineCategory, SourceFileInfo, StagedBatch,
    Workspace,
};
use serde::Serialize;

use crate::dates::DateFormat;
use crate::error::IngestError;
use crate::keys::{KeyTable, Seen, load_index, write_index};
use crate::pseudonym::Pseudonymiser;
use crate::quarantine::{QuarantineHeader, QuarantineWriter};
use crate::read::decoding_reader;
use crate::read::{
    CsvRecords, JsonLines, OpenedFile, ParquetRows, RawRecord, RecordSource, Tally, open_source,
};
use crate::schema::{Format, Schema};
use crate::stages::Stages;
use crate::validate::{Limits, Plan, Problem, References, needed_references, reference_name};
use crate::write::RowSink;

/// Told about progress from the reading thread.
pub trait Progress: Send + Sync {
    /// The source's size in bytes (compressed size for compressed files).
    fn begin(&self, total_bytes: u64);
    /// Rows read and source bytes consumed so far.
    fn advance(&self, rows: u64, bytes: u64);
    /// Reading is over (committing follows).
    fn end(&self);
}

/// Settings of one ingest.
#[derive(Clone, Default)]
pub struct IngestOptions {
    /// Who runs it (for the catalog and audit log).
    pub actor: String,
    /// "Today" for the future-date check, as `YYYY-MM-DD`; the real date when `None`.
    pub today: Option<String>,
    /// Progress display.
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for IngestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestOptions")
            .field("actor", &self.actor)
            .field("today", &self.today)
            .finish_non_exhaustive()
    }
}

/// How a source column was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnUse {
    /// The canonical column.
    pub column: String,
    /// The source column(s) or constant.
    pub from: String,
}

/// The numbers and facts of one ingest, for people and programs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The record kind.
    pub kind: String,
    /// The schema's name.
    pub schema: String,
    /// The source file.
    pub source: PathBuf,
    /// Its format.
    pub format: String,
    /// Its compression.
    pub compression: String,
    /// Its encoding as read.
    pub encoding: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size.
    pub size_bytes: u64,
    /// Rows read = stored + quarantined + duplicates.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_stored: u64,
    /// Rows quarantined for problems.
    pub rows_quarantined: u64,
    /// Rows that repeat an earlier row or stored record.
    pub rows_duplicate: u64,
    /// Problems by kind (`required`, `not_a_date`, …).
    pub problems: BTreeMap<String, u64>,
    /// Problems by source column.
    pub problems_by_column: BTreeMap<String, u64>,
    /// Rows stored per year partition (`all` for unpartitioned kinds).
    pub partitions: BTreeMap<String, u64>,
    /// Canonical column ← source.
    pub mapped: Vec<ColumnUse>,
    /// Source columns replaced by keyed hashes.
    pub pseudonymised: Vec<String>,
    /// Direct identifiers the schema lists and that were not read.
    pub dropped_identifiers: Vec<String>,
    /// Other source columns nobody reads.
    pub ignored: Vec<String>,
    /// Seconds spent reading, checking and writing.
    pub seconds: f64,
    /// Rows per second.
    pub rows_per_second: f64,
}

/// What an ingest did.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A new batch was committed.
    Stored {
        /// The batch as recorded.
        batch: Box<BatchInfo>,
        /// The summary.
        summary: Box<Summary>,
    },
    /// The same file (by SHA-256) was already ingested; nothing changed.
    AlreadyIngested {
        /// The earlier batch.
        batch: Box<BatchInfo>,
    },
}

/// Ingests one file into the workspace as one batch. Either the whole batch
/// is committed, or nothing changes.
pub async fn ingest_file(
    workspace: &Workspace,
    schema: &Schema,
    path: &Path,
    options: IngestOptions,
) -> Result<Outcome, IngestError> {
    let path = std::path::absolute(path).map_err(|e| IngestError::read(path, e))?;
    let lock = workspace.lock_for_writing().await?;
    let kind = schema.kind;

    // A file of the same size as an earlier source may be a re-send: hash it
    // first and stop early if so. Otherwise the hash is taken while reading.
    let size = std::fs::metadata(&path)
        .map(|m| m.len())
        .map_err(|e| IngestError::read(&path, e))?;
    if std::fs::metadata(&path)
        .map(|m| m.is_dir())
        .unwrap_or(false)
    {
        return Err(IngestError::NotAFile {
            path,
            what: "a directory",
        });
    }
    let same_size = workspace.batches(Some(kind)).await?.into_iter().any(|b| {
        b.source.size_bytes == size && matches!(b.status, evident_store::BatchStatus::Committed)
    });
    if same_size {
        let sha = sha256_of(&path)?;
        if let Some(batch) = workspace.batch_with_source(kind, &sha).await? {
            return Ok(Outcome::AlreadyIngested {
                batch: Box::new(batch),
            });
        }
    }

    let config = workspace.config();
    let key = workspace.key()?;
    let earliest = match schema.checks.earliest_date {
        Some(d) => d,
        None => DateFormat::iso()
            .parse(&config.checks.earliest_date)
            .unwrap_or(i32::MIN),
    };
    let today = match &options.today {
        Some(t) => DateFormat::iso()
            .parse(t)
            .map_err(|_| IngestError::Format {
                path: PathBuf::from("--today"),
                message: format!("{t:?} is not a date in the form YYYY-MM-DD"),
            })?,
        None => {
            let now = chrono::Utc::now().date_naive();
            DateFormat::iso()
                .parse(&now.format("%Y-%m-%d").to_string())
                .unwrap_or(i32::MAX)
        }
    };
    let limits = Limits {
        earliest,
        today,
        max_age: schema.checks.max_age.unwrap_or(config.checks.max_age),
        max_field: schema
            .checks
            .max_field_bytes
            .unwrap_or(config.checks.max_field_bytes),
    };

    let mut references: References = HashMap::new();
    for ref_kind in needed_references(schema) {
        let column = ref_kind.reference_column().unwrap_or("");
        match workspace.text_values(ref_kind, column).await? {
            Some(values) => {
                references.insert(ref_kind, Arc::new(values.into_iter().collect()));
            }
            None => {
                return Err(IngestError::MissingReference {
                    what: reference_name(ref_kind),
                    kind: ref_kind.name(),
                });
            }
        }
    }

    // Open the source and resolve the schema against its columns.
    let opened = open_source(&path)?;
    let compression = opened.compression.name().to_owned();
    let format = schema
        .file
        .format
        .unwrap_or_else(|| detect_format(&path, &opened.head));
    let (source, tally, encoding_name, delimiter) =
        open_records(schema, &path, opened, format, limits.max_field)?;
    let header = source.header().to_vec();
    let plan = Plan::new(
        schema,
        &header,
        &path,
        limits,
        &references,
        Pseudonymiser::new(&key),
    )?;

    let staged = workspace.begin_batch(&lock, kind).await?;
    let result = async {
        let mut table = KeyTable::with_capacity(estimate_rows(size));
        for (batch_id, index) in workspace.record_index_files(kind).await? {
            load_index(&index, batch_id, &mut table)?;
        }
        let quarantine = QuarantineWriter::new(
            staged.quarantine_path(),
            QuarantineHeader {
                evident_quarantine: 1,
                batch: staged.id(),
                kind: kind.name().to_owned(),
                schema: schema.name.clone(),
                format: format.name().to_owned(),
                delimiter: char::from(delimiter).to_string(),
                quote: char::from(schema.file.quote).to_string(),
                encoding: encoding_name.clone(),
                has_header: schema.file.header || format != Format::Csv,
                columns: header.clone(),
            },
        );
        let staged_for_thread = staged.clone();
        let progress = options.progress.clone();
        let started = Instant::now();
        let run = tokio::task::spawn_blocking(move || {
            run_rows(
                source,
                plan,
                table,
                staged_for_thread,
                quarantine,
                progress,
                tally.clone(),
            )
            .map(|out| (out, tally))
        })
        .await
        .map_err(|e| IngestError::write(&path, format!("the ingest thread failed: {e}")))?;
        let (out, tally) = run?;
        let seconds = started.elapsed().as_secs_f64();
        let sha256 = match tally {
            Some(t) => t.finish(&path)?,
            None => sha256_of(&path)?,
        };
        if let Some(batch) = workspace.batch_with_source(kind, &sha256).await? {
            return Ok(Outcome::AlreadyIngested {
                batch: Box::new(batch),
            });
        }
        if out.rows_read == 0 {
            return Err(IngestError::HeaderOnly { path: path.clone() });
        }
        write_index(&staged.index_path(), &out.file_keys)?;
        let summary = Summary {
            kind: kind.name().to_owned(),
            schema: schema.name.clone(),
            source: path.clone(),
            format: format.name().to_owned(),
            compression: compression.clone(),
            encoding: encoding_name.clone(),
            sha256: sha256.clone(),
            size_bytes: size,
            rows_read: out.rows_read,
            rows_stored: out.rows_stored,
            rows_quarantined: out.rows_quarantined,
            rows_duplicate: out.rows_duplicate,
            problems: out.problem_counts.clone(),
            problems_by_column: out.column_counts.clone(),
            partitions: out
                .rows_by_partition
                .iter()
                .map(|(k, v)| (k.map_or_else(|| "all".to_owned(), |y| y.to_string()), *v))
                .collect(),
            mapped: out.mapped.clone(),
            pseudonymised: out.pseudonymised.clone(),
            dropped_identifiers: schema
                .direct_identifiers
                .iter()
                .filter(|d| !out.pseudonymised.contains(d))
                .cloned()
                .collect(),
            ignored: out
                .ignored
                .iter()
                .filter(|c| !schema.direct_identifiers.contains(c))
                .cloned()
                .collect(),
            seconds,
            rows_per_second: if seconds > 0.0 {
                out.rows_read as f64 / seconds
            } else {
                0.0
            },
        };
        let summary_json = serde_json::to_value(&summary).unwrap_or(serde_json::Value::Null);
        let new_batch = NewBatch {
            schema_name: schema.name.clone(),
            schema_toml: schema.text.clone(),
            actor: if options.actor.is_empty() {
                evident_store::current_actor()
            } else {
                options.actor.clone()
            },
            source: SourceFileInfo {
                path: path.clone(),
                sha256,
                size_bytes: size,
                format: format.name().to_owned(),
                compression: compression.clone(),
                encoding: encoding_name.clone(),
            },
            rows_read: out.rows_read,
            rows_stored: out.rows_stored,
            rows_quarantined: out.rows_quarantined,
            rows_duplicate: out.rows_duplicate,
            files: out.files,
            has_index: true,
            has_quarantine_file: out.quarantine_file,
            quarantine: out.entries,
            summary: summary_json,
        };
        let batch = workspace
            .commit_batch(&lock, staged.clone(), new_batch)
            .await?;
        Ok(Outcome::Stored {
            batch: Box::new(batch),
            summary: Box::new(summary),
        })
    }
    .await;
    match result {
        Ok(Outcome::Stored { batch, summary }) => Ok(Outcome::Stored { batch, summary }),
        other => {
            let _ = workspace.discard_batch(staged);
            other
        }
    }
}

/// A source ready to read: its records, the byte tally (text formats), the
/// encoding read and the delimiter.
type OpenRecords = (Box<dyn RecordSource>, Option<Arc<Tally>>, String, u8);

fn open_records(
    schema: &Schema,
    path: &Path,
    opened: OpenedFile,
    format: Format,
    max_field: usize,
) -> Result<OpenRecords, IngestError> {
    match format {
        Format::Parquet => {
            let rows = ParquetRows::open(path)?;
            Ok((Box::new(rows), None, "binary".to_owned(), b','))
        }
        Format::Csv => {
            let OpenedFile {
                reader,
                head,
                tally,
                ..
            } = opened;
            let (reader, encoding) = decoding_reader(reader, schema.file.encoding, &head);
            let delimiter = schema
                .file
                .delimiter
                .unwrap_or_else(|| default_delimiter(path, &head));
            let records = CsvRecords::new(
                path.to_path_buf(),
                reader,
                delimiter,
                schema.file.quote,
                schema.file.header,
                max_field,
            )?;
            Ok((
                Box::new(records),
                Some(tally),
                encoding.to_owned(),
                delimiter,
            ))
        }
        Format::JsonLines => {
            let OpenedFile {
                reader,
                head,
                tally,
                ..
            } = opened;
            let (reader, encoding) = decoding_reader(reader, schema.file.encoding, &head);
            let mut keys: Vec<String> = Vec::new();
            for column in schema.source_columns() {
                match column {
                    crate::schema::ColumnRef::Name(name) => {
                        if !keys.contains(name) {
                            keys.push(name.clone());
                        }
                    }
                    crate::schema::ColumnRef::Position(p) => {
                        return Err(IngestError::Format {
                            path: path.to_path_buf(),
                            message: format!(
                                "JSON lines have no column positions; schema {} uses from = {p}",
                                schema.name
                            ),
                        });
                    }
                }
            }
            let mut records = JsonLines::new(path.to_path_buf(), reader, keys, max_field);
            // An empty file has no rows at all.
            let mut probe = RawRecord::default();
            if !records.next_record(&mut probe)? {
                return Err(IngestError::Empty {
                    path: path.to_path_buf(),
                });
            }
            let source = Replay {
                first: Some(probe),
                inner: records,
            };
            Ok((Box::new(source), Some(tally), encoding.to_owned(), b','))
        }
    }
}

/// Gives back a record that was read ahead, then continues.
struct Replay<S> {
    first: Option<RawRecord>,
    inner: S,
}

impl<S: RecordSource> RecordSource for Replay<S> {
    fn header(&self) -> &[String] {
        self.inner.header()
    }

    fn next_record(&mut self, record: &mut RawRecord) -> Result<bool, IngestError> {
        if let Some(first) = self.first.take() {
            *record = first;
            return Ok(true);
        }
        self.inner.next_record(record)
    }
}

/// `.tsv` files and files whose first line has more tabs than commas or
/// semicolons are tab-separated; semicolons likewise; otherwise commas.
fn default_delimiter(path: &Path, head: &[u8]) -> u8 {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tsv") || name.ends_with(".tsv.gz") || name.ends_with(".tsv.zst") {
        return b'\t';
    }
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |c: u8| first_line.iter().filter(|&&b| b == c).count();
    let (commas, semicolons, tabs) = (count(b','), count(b';'), count(b'\t'));
    if tabs > commas && tabs > semicolons {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// The format from the file name, else from the first bytes.
pub(crate) fn detect_format(path: &Path, head: &[u8]) -> Format {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name
        .trim_end_matches(".gz")
        .trim_end_matches(".zst")
        .trim_end_matches(".zstd");
    if name.ends_with(".parquet") || head.starts_with(b"PAR1") {
        Format::Parquet
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
        Format::JsonLines
    } else if name.ends_with(".csv") || name.ends_with(".tsv") || name.ends_with(".txt") {
        Format::Csv
    } else if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        Format::JsonLines
    } else {
        Format::Csv
    }
}

fn estimate_rows(size: u64) -> usize {
    // Unit-record CSV rows are rarely under 100 bytes; a table sized too small
    // doubles as needed, one sized too large would hold memory for nothing.
    ((size / 100) as usize).clamp(1024, 64 << 20)
}

fn sha256_of(path: &Path) -> Result<String, IngestError> {
    let tally = Tally::default();
    tally.finish(path)
}

struct RowsOut {
    rows_read: u64,
    rows_stored: u64,
    rows_quarantined: u64,
    rows_duplicate: u64,
    files: Vec<evident_store::StagedDataFile>,
    entries: Vec<NewQuarantineEntry>,
    problem_counts: BTreeMap<String, u64>,
    column_counts: BTreeMap<String, u64>,
    file_keys: Vec<u128>,
    rows_by_partition: BTreeMap<Option<i32>, u64>,
    quarantine_file: bool,
    mapped: Vec<crate::pipeline::ColumnUse>,
    pseudonymised: Vec<String>,
    ignored: Vec<String>,
}

const PROGRESS_EVERY: u64 = 64 * 1024;

fn run_rows(
    source: Box<dyn RecordSource>,
    plan: Plan,
    mut table: KeyTable,
    staged: StagedBatch,
    mut quarantine: QuarantineWriter,
    progress: Option<Arc<dyn Progress>>,
    tally: Option<Arc<Tally>>,
) -> Result<RowsOut, IngestError> {
    let mut sink = RowSink::new(&plan, &staged);
    let mut out = RowsOut {
        rows_read: 0,
        rows_stored: 0,
        rows_quarantined: 0,
        rows_duplicate: 0,
        files: Vec::new(),
        entries: Vec::new(),
        problem_counts: BTreeMap::new(),
        column_counts: BTreeMap::new(),
        file_keys: Vec::new(),
        rows_by_partition: BTreeMap::new(),
        quarantine_file: false,
        mapped: plan
            .mapped_columns()
            .into_iter()
            .map(|(column, from)| ColumnUse { column, from })
            .collect(),
        pseudonymised: plan.identifying_columns(),
        ignored: plan.ignored_columns(),
    };
    let identifying: HashSet<String> = out.pseudonymised.iter().cloned().collect();
    let key_label = plan.key_column_label();
    let key_description = plan.key_description();
    if let Some(p) = &progress {
        p.begin(0);
    }
    let plan = Arc::new(plan);
    let mut stages = Stages::start(source, Arc::clone(&plan));
    let mut seen: Vec<Option<Seen>> = Vec::with_capacity(crate::stages::CHUNK);
    let result = (|| -> Result<(), IngestError> {
        while let Some(chunk) = stages.next_chunk() {
            let mut chunk = chunk?;
            // Duplicate decisions first, in a tight loop of independent table
            // probes that the processor can overlap; then the rows.
            seen.clear();
            for (checked, record) in chunk.checked.iter().zip(&chunk.records).take(chunk.filled) {
                seen.push(if checked.ok {
                    table.insert(checked.fingerprint, Seen::Line(record.line))
                } else {
                    None
                });
            }
            let rows = chunk
                .records
                .iter()
                .zip(chunk.checked.iter_mut())
                .zip(&seen);
            for ((record, checked), seen) in rows.take(chunk.filled) {
                out.rows_read += 1;
                if out.rows_read.is_multiple_of(PROGRESS_EVERY) {
                    if let Some(p) = &progress {
                        p.advance(out.rows_read, tally.as_ref().map_or(0, |t| t.bytes()));
                    }
                    evident_store::failpoint("ingest-rows");
                }
                let structural = record.problem.is_some();
                if checked.ok {
                    match *seen {
                        None => {
                            // Text was copied out by the checker: no second UTF-8 pass.
                            sink.push(&plan, record, None, &checked.scratch, checked.partition)?;
                            out.rows_stored += 1;
                        }
                        Some(first) => {
                            let reason = match first {
                                Seen::Line(line) => {
                                    format!("duplicate of line {line} ({key_description})")
                                }
                                Seen::Batch(id) => {
                                    format!("already stored by batch {id} ({key_description})")
                                }
                            };
                            let problem = Problem {
                                column: key_label.clone(),
                                value: Some(plan.key_text(record, None, &checked.scratch)),
                                reason,
                                code: "duplicate",
                            };
                            record_problems(
                                &mut out,
                                &mut quarantine,
                                &plan,
                                record,
                                vec![(problem, "duplicate")],
                                false,
                                &identifying,
                            )?;
                            out.rows_duplicate += 1;
                        }
                    }
                } else {
                    let ragged = checked
                        .scratch
                        .problems
                        .iter()
                        .any(|p| p.code == "ragged_row");
                    let problems: Vec<(Problem, &'static str)> = checked
                        .scratch
                        .problems
                        .drain(..)
                        .map(|p| (p, "invalid"))
                        .collect();
                    record_problems(
                        &mut out,
                        &mut quarantine,
                        &plan,
                        record,
                        problems,
                        structural || ragged,
                        &identifying,
                    )?;
                    out.rows_quarantined += 1;
                }
            }
            stages.give_back(chunk);
        }
        Ok(())
    })();
    drop(stages);
    if let Some(p) = &progress {
        p.advance(out.rows_read, tally.as_ref().map_or(0, |t| t.bytes()));
        p.end();
    }
    // Always stop the writer thread, even after an error.
    let files = sink.finish();
    result?;
    out.files = files?;
    out.rows_by_partition = sink.rows_by_partition.clone();
    out.quarantine_file = quarantine.rows() > 0;
    quarantine.finish()?;
    out.file_keys = table.into_file_keys();
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn record_problems(
    out: &mut RowsOut,
    quarantine: &mut QuarantineWriter,
    plan: &Plan,
    record: &RawRecord,
    mut problems: Vec<(Problem, &'static str)>,
    structural: bool,
    identifying: &HashSet<String>,
) -> Result<(), IngestError> {
    for (problem, _) in &mut problems {
        // Never keep a raw identifier, not even in a message.
        if identifying.contains(&problem.column) || problem.column.contains('+') {
            problem.value = problem
                .value
                .as_deref()
                .map(|v| plan.pseudonymise_for_quarantine(v));
        }
        if structural {
            problem.value = None;
        }
    }
    let row_index = quarantine.write(plan, record, &problems, structural)?;
    for (problem, category) in problems {
        *out.problem_counts
            .entry(problem.code.to_owned())
            .or_insert(0) += 1;
        *out.column_counts.entry(problem.column.clone()).or_insert(0) += 1;
        out.entries.push(NewQuarantineEntry {
            row_index,
            line: record.line,
            column: Some(problem.column),
            value: problem.value.map(|v| shorten(&v)),
            reason: problem.reason,
            category: if category == "duplicate" {
                QuarantineCategory::Duplicate
            } else {
                QuarantineCategory::Invalid
            },
        });
    }
    Ok(())
}

fn shorten(value: &str) -> String {
    if value.chars().count() <= 200 {
        value.to_owned()
    } else {
        format!("{}…", value.chars().take(200).collect::<String>())
    }
}

/// What `check_file` learned about a source file and a schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    /// The record kind.
    pub kind: String,
    /// The format read.
    pub format: String,
    /// The compression.
    pub compression: String,
    /// The encoding as read.
    pub encoding: String,
    /// The CSV delimiter used.
    pub delimiter: String,
    /// The file's columns.
    pub columns: Vec<String>,
    /// Canonical column ← source.
    pub mapped: Vec<ColumnUse>,
    /// Source columns nobody reads.
    pub ignored: Vec<String>,
}

/// Checks that a schema fits a file's columns, without ingesting anything:
/// every mapped column exists (once), and the header can be read.
pub fn check_file(schema: &Schema, path: &Path) -> Result<FileCheck, IngestError> {
    let opened = open_source(path)?;
    let compression = opened.compression.name().to_owned();
    let format = schema
        .file
        .format
        .unwrap_or_else(|| detect_format(path, &opened.head));
    let (source, _, encoding, delimiter) = open_records(schema, path, opened, format, 1 << 20)?;
    let header = source.header().to_vec();
    let limits = Limits {
        earliest: i32::MIN,
        today: i32::MAX,
        max_age: 150,
        max_field: 1 << 20,
    };
    let key = evident_store::PseudonymKey::from_bytes([0; 32]);
    let plan = Plan::new(
        schema,
        &header,
        path,
        limits,
        &HashMap::new(),
        Pseudonymiser::new(&key),
    )?;
    Ok(FileCheck {
        kind: schema.kind.name().to_owned(),
        format: format.name().to_owned(),
        compression,
        encoding,
        delimiter: if delimiter == b'\t' {
            "tab".to_owned()
        } else {
            char::from(delimiter).to_string()
        },
        columns: header,
        mapped: plan
            .mapped_columns()
            .into_iter()
            .map(|(column, from)| ColumnUse { column, from })
            .collect(),
        ignored: plan.ignored_columns(),
    })
}

/// What [`check_rows`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowCheck {
    /// Rows read.
    pub rows_read: u64,
    /// Rows that would be stored.
    pub rows_valid: u64,
    /// Rows that would be quarantined.
    pub rows_invalid: u64,
    /// Valid rows whose key repeats an earlier row of the same input.
    pub rows_duplicate: u64,
    /// (line, source column, reason) of each problem, at most `max_problems`.
    pub problems: Vec<(u64, String, String)>,
}

/// Reads and checks rows held in memory against a schema, without a
/// workspace: reference codes are not checked and nothing is written. Used
/// by the fuzz target and for trying a schema on a sample. `name` decides
/// the format as a file name would.
pub fn check_rows(
    schema: &Schema,
    name: &str,
    bytes: &[u8],
    max_problems: usize,
) -> Result<RowCheck, IngestError> {
    let path = PathBuf::from(name);
    let head: Vec<u8> = bytes.iter().take(4096).copied().collect();
    let format = schema
        .file
        .format
        .unwrap_or_else(|| detect_format(&path, &head));
    let max_field = schema.checks.max_field_bytes.unwrap_or(64 * 1024);
    let reader: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(bytes.to_vec()));
    let (reader, _) = decoding_reader(reader, schema.file.encoding, &head);
    let mut source: Box<dyn RecordSource> = match format {
        Format::Parquet => {
            return Err(IngestError::Format {
                path,
                message: "check_rows reads text formats only".to_owned(),
            });
        }
        Format::Csv => {
            let delimiter = schema
                .file
                .delimiter
                .unwrap_or_else(|| default_delimiter(&path, &head));
            Box::new(CsvRecords::new(
                path.clone(),
                reader,
                delimiter,
                schema.file.quote,
                schema.file.header,
                max_field,
            )?)
        }
        Format::JsonLines => {
            let mut keys: Vec<String> = Vec::new();
            for column in schema.source_columns() {
                if let crate::schema::ColumnRef::Name(n) = column
                    && !keys.contains(n)
                {
                    keys.push(n.clone());
                }
            }
            Box::new(JsonLines::new(path.clone(), reader, keys, max_field))
        }
    };
    let header = source.header().to_vec();
    let limits = Limits {
        earliest: schema
            .checks
            .earliest_date
            .unwrap_or(DateFormat::iso().parse("1900-01-01").unwrap_or(i32::MIN)),
        today: i32::MAX,
        max_age: schema.checks.max_age.unwrap_or(120),
        max_field,
    };
    let key = evident_store::PseudonymKey::from_bytes([0; 32]);
    let plan = Plan::new(
        schema,
        &header,
        &path,
        limits,
        &HashMap::new(),
        Pseudonymiser::new(&key),
    )?;
    let mut table = KeyTable::with_capacity(1024);
    let mut record = RawRecord::default();
    let mut scratch = crate::validate::RowScratch::default();
    let mut result = RowCheck {
        rows_read: 0,
        rows_valid: 0,
        rows_invalid: 0,
        rows_duplicate: 0,
        problems: Vec::new(),
    };
    while source.next_record(&mut record)? {
        result.rows_read += 1;
        let whole = std::str::from_utf8(record.data()).ok();
        if plan.check(&record, whole, &mut scratch) {
            let fingerprint = plan.key(&record, whole, &mut scratch);
            match table.insert(fingerprint, Seen::Line(record.line)) {
                None => result.rows_valid += 1,
                Some(_) => result.rows_duplicate += 1,
            }
        } else {
            result.rows_invalid += 1;
            for problem in scratch.problems.drain(..) {
                if result.problems.len() < max_problems {
                    result
                        .problems
                        .push((record.line, problem.column, problem.reason));
                }
            }
        }
    }
    Ok(result)
}
