//! `evident batches list|show|retract`.

use std::path::PathBuf;

use clap::Subcommand;
use evident_store::{BatchInfo, BatchStatus, RecordKind};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::ingest::group;
use crate::commands::workspace;
use crate::output::{Output, UsageError};

/// `evident batches …`.
#[derive(Debug, Subcommand)]
pub enum BatchesCommand {
    /// List batches, newest first.
    #[command(
        after_help = "Example:\n  evident batches list\n  evident batches list --kind offence --json"
    )]
    List {
        /// Only batches of this record kind.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Show one batch: source file, checksums, counts, problems, files.
    #[command(after_help = "Example:\n  evident batches show 3")]
    Show {
        /// The batch id.
        id: i64,
    },
    /// Retract a batch: its rows disappear from every later computation.
    /// The files are kept and the retraction is written to the audit log.
    #[command(
        after_help = "Example:\n  evident batches retract 3 --reason \"sent twice by the district office\""
    )]
    Retract {
        /// The batch id.
        id: i64,
        /// Why (recorded in the audit log).
        #[arg(long, required = true)]
        reason: String,
    },
}

#[derive(Serialize)]
struct BatchView {
    id: i64,
    kind: &'static str,
    status: &'static str,
    source: PathBuf,
    sha256: String,
    size_bytes: u64,
    format: String,
    compression: String,
    encoding: String,
    schema: String,
    schema_sha256: String,
    started_at: String,
    committed_at: String,
    actor: String,
    rows_read: u64,
    rows_stored: u64,
    rows_quarantined: u64,
    rows_duplicate: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    retracted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retracted_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retraction_reason: Option<String>,
}

impl From<&BatchInfo> for BatchView {
    fn from(b: &BatchInfo) -> Self {
        let (status, at, by, reason) = match &b.status {
            BatchStatus::Committed => ("committed", None, None, None),
            BatchStatus::Retracted { at, by, reason } => (
                "retracted",
                Some(at.clone()),
                Some(by.clone()),
                Some(reason.clone()),
            ),
        };
        BatchView {
            id: b.id,
            kind: b.kind.name(),
            status,
            source: b.source.path.clone(),
            sha256: b.source.sha256.clone(),
            size_bytes: b.source.size_bytes,
            format: b.source.format.clone(),
            compression: b.source.compression.clone(),
            encoding: b.source.encoding.clone(),
            schema: b.schema_name.clone(),
            schema_sha256: b.schema_sha256.clone(),
            started_at: b.started_at.clone(),
            committed_at: b.committed_at.clone(),
            actor: b.actor.clone(),
            rows_read: b.rows_read,
            rows_stored: b.rows_stored,
            rows_quarantined: b.rows_quarantined,
            rows_duplicate: b.rows_duplicate,
            retracted_at: at,
            retracted_by: by,
            retraction_reason: reason,
        }
    }
}

#[derive(Serialize)]
struct FileView {
    path: PathBuf,
    partition_year: Option<i32>,
    rows: u64,
    size_bytes: u64,
    sha256: String,
}

#[derive(Serialize)]
struct ShowView {
    #[serde(flatten)]
    batch: BatchView,
    summary: serde_json::Value,
    files: Vec<FileView>,
}

pub(crate) fn parse_kind(name: &str) -> anyhow::Result<RecordKind> {
    RecordKind::from_name(name).ok_or_else(|| {
        UsageError(format!(
            "{name:?} is not a record kind; expected one of {}",
            RecordKind::ALL.map(RecordKind::name).join(", ")
        ))
        .into()
    })
}

pub fn run(command: BatchesCommand, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let result = match command {
        BatchesCommand::List { kind } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let batches = rt.block_on(ws.batches(kind))?;
            let views: Vec<BatchView> = batches.iter().map(BatchView::from).collect();
            out.emit(&views, |w| {
                if views.is_empty() {
                    return writeln!(
                        w,
                        "no batches yet; add data with `evident ingest --schema SCHEMA FILE`"
                    );
                }
                writeln!(
                    w,
                    "{:>5}  {:<14} {:<10} {:>11} {:>11} {:>9} {:>9}  source",
                    "batch", "kind", "status", "read", "stored", "quarant.", "dupl."
                )?;
                for v in &views {
                    writeln!(
                        w,
                        "{:>5}  {:<14} {:<10} {:>11} {:>11} {:>9} {:>9}  {}",
                        v.id,
                        v.kind,
                        v.status,
                        group(v.rows_read),
                        group(v.rows_stored),
                        group(v.rows_quarantined),
                        group(v.rows_duplicate),
                        v.source.display()
                    )?;
                }
                Ok(())
            })
        }
        BatchesCommand::Show { id } => {
            let batch = rt.block_on(ws.batch(id))?;
            let files = rt.block_on(ws.dataset_files(batch.kind))?;
            // Retracted batches are not in dataset_files; show what the catalog lists for live ones.
            let files: Vec<FileView> = files
                .into_iter()
                .filter(|f| f.batch_id == id)
                .map(|f| FileView {
                    path: f.path,
                    partition_year: f.partition_year,
                    rows: f.rows,
                    size_bytes: f.size_bytes,
                    sha256: f.sha256,
                })
                .collect();
            let view = ShowView {
                batch: BatchView::from(&batch),
                summary: batch.summary.clone(),
                files,
            };
            out.emit(&view, |w| {
                let b = &view.batch;
                writeln!(w, "batch {} ({} records, {})", b.id, b.kind, b.status)?;
                writeln!(w, "  source:   {}", b.source.display())?;
                writeln!(
                    w,
                    "  sha256:   {} ({} bytes, {} {}, {})",
                    b.sha256,
                    group(b.size_bytes),
                    b.format,
                    b.encoding,
                    b.compression
                )?;
                writeln!(
                    w,
                    "  schema:   {} (sha256 {})",
                    b.schema,
                    &b.schema_sha256[..12.min(b.schema_sha256.len())]
                )?;
                writeln!(w, "  by:       {} at {}", b.actor, b.committed_at)?;
                writeln!(
                    w,
                    "  rows:     read {}, stored {}, quarantined {}, duplicates {}",
                    group(b.rows_read),
                    group(b.rows_stored),
                    group(b.rows_quarantined),
                    group(b.rows_duplicate)
                )?;
                if let Some(problems) = view.summary.get("problems").and_then(|p| p.as_object())
                    && !problems.is_empty()
                {
                    let text: Vec<String> =
                        problems.iter().map(|(k, v)| format!("{k} {v}")).collect();
                    writeln!(w, "  problems: {}", text.join(", "))?;
                }
                if let (Some(at), Some(by), Some(reason)) =
                    (&b.retracted_at, &b.retracted_by, &b.retraction_reason)
                {
                    writeln!(w, "  retracted by {by} at {at}: {reason}")?;
                }
                for f in &view.files {
                    writeln!(
                        w,
                        "  file:     {} ({} rows)",
                        f.path.display(),
                        group(f.rows)
                    )?;
                }
                Ok(())
            })
        }
        BatchesCommand::Retract { id, reason } => {
            if reason.trim().is_empty() {
                return Err(
                    UsageError("--reason must say why the batch is retracted".to_owned()).into(),
                );
            }
            let lock = rt.block_on(ws.lock_for_writing())?;
            let batch = rt.block_on(ws.retract_batch(
                &lock,
                id,
                &evident_store::current_actor(),
                reason.trim(),
            ))?;
            drop(lock);
            let view = BatchView::from(&batch);
            out.emit(&view, |w| {
                writeln!(
                    w,
                    "retracted batch {} ({} {} rows from {}); recorded in the audit log",
                    view.id,
                    group(view.rows_stored),
                    view.kind,
                    view.source.display()
                )
            })
        }
    };
    rt.block_on(ws.close());
    result
}
