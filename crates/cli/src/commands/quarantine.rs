//! `evident quarantine list|show|export`: the rows ingest set aside, why, and
//! a way to fix them and send them back.

use std::path::PathBuf;

use clap::Subcommand;
use evident_ingest::quarantine::{QuarantinedRow, export_quarantine, read_quarantine};
use evident_store::{QuarantineCategory, QuarantineEntry};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::ingest::group;
use crate::commands::workspace;
use crate::output::{Output, UsageError};

/// `evident quarantine …`.
#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// One line per problem: batch, source line, column, value and reason.
    #[command(
        after_help = "Example:\n  evident quarantine list\n  evident quarantine list --batch 3 --limit 0 --json"
    )]
    List {
        /// Only this batch.
        #[arg(long)]
        batch: Option<i64>,
        /// Include rows set aside as duplicates.
        #[arg(long)]
        duplicates: bool,
        /// At most this many lines (0 for all).
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// The quarantined rows of one batch, with their problems and kept values.
    #[command(
        after_help = "Example:\n  evident quarantine show 3\n  evident quarantine show 3 --line 1734"
    )]
    Show {
        /// The batch id.
        batch: i64,
        /// Only the row that starts on this source line.
        #[arg(long)]
        line: Option<u64>,
        /// At most this many rows (0 for all).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Write a batch's quarantined rows in the source's own layout, to correct
    /// and ingest again with the same schema.
    #[command(
        after_help = "Example:\n  evident quarantine export 3 --output fix.csv\n  \
(edit fix.csv)\n  evident ingest --schema offences.toml fix.csv"
    )]
    Export {
        /// The batch id.
        batch: i64,
        /// The file to write.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Include rows set aside as duplicates.
        #[arg(long)]
        duplicates: bool,
        /// Add `_line` and `_problems` columns (ignored when ingested again).
        #[arg(long)]
        with_reasons: bool,
    },
}

#[derive(Serialize)]
struct EntryView {
    batch: i64,
    line: u64,
    column: Option<String>,
    value: Option<String>,
    reason: String,
    category: &'static str,
}

impl From<QuarantineEntry> for EntryView {
    fn from(e: QuarantineEntry) -> Self {
        EntryView {
            batch: e.batch_id,
            line: e.line,
            column: e.column,
            value: e.value,
            reason: e.reason,
            category: e.category.name(),
        }
    }
}

pub fn run(command: QuarantineCommand, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let result = match command {
        QuarantineCommand::List {
            batch,
            duplicates,
            limit,
        } => {
            if let Some(id) = batch {
                rt.block_on(ws.batch(id))?;
            }
            let category = (!duplicates).then_some(QuarantineCategory::Invalid);
            let limit = (limit > 0).then_some(limit);
            let entries = rt.block_on(ws.quarantine_entries(batch, category, limit))?;
            let views: Vec<EntryView> = entries.into_iter().map(EntryView::from).collect();
            out.emit(&views, |w| {
                if views.is_empty() {
                    return writeln!(w, "nothing in quarantine");
                }
                for v in &views {
                    let value = v
                        .value
                        .as_deref()
                        .map(|v| format!(" [{v}]"))
                        .unwrap_or_default();
                    writeln!(
                        w,
                        "batch {} line {}, column {}{value}: {}",
                        v.batch,
                        v.line,
                        v.column.as_deref().unwrap_or("-"),
                        v.reason
                    )?;
                }
                if limit.is_some_and(|l| views.len() as u64 == l) {
                    writeln!(w, "(first {} shown; --limit 0 for all)", views.len())?;
                }
                Ok(())
            })
        }
        QuarantineCommand::Show { batch, line, limit } => {
            let info = rt.block_on(ws.batch(batch))?;
            let rows: Vec<QuarantinedRow> = match &info.quarantine_path {
                None => Vec::new(),
                Some(path) => read_quarantine(path)?.1,
            };
            let header = match &info.quarantine_path {
                None => Vec::new(),
                Some(path) => read_quarantine(path)?.0.columns,
            };
            let selected: Vec<&QuarantinedRow> = rows
                .iter()
                .filter(|r| line.is_none_or(|l| r.line == l))
                .take(if limit == 0 { usize::MAX } else { limit })
                .collect();
            if let Some(l) = line
                && selected.is_empty()
            {
                return Err(UsageError(format!(
                    "batch {batch} has no quarantined row on line {l}"
                ))
                .into());
            }
            out.emit(&selected, |w| {
                if selected.is_empty() {
                    return writeln!(w, "batch {batch} has no quarantined rows");
                }
                for row in &selected {
                    writeln!(w, "line {}:", row.line)?;
                    for p in &row.problems {
                        let value = p
                            .value
                            .as_deref()
                            .map(|v| format!(" [{v}]"))
                            .unwrap_or_default();
                        writeln!(w, "  {} {}{value}: {}", p.category, p.column, p.reason)?;
                    }
                    match &row.fields {
                        Some(fields) => {
                            let kept: Vec<String> = header
                                .iter()
                                .zip(fields)
                                .filter_map(|(h, f)| f.as_ref().map(|f| format!("{h}={f:?}")))
                                .collect();
                            writeln!(w, "  values: {}", kept.join(", "))?;
                        }
                        None => writeln!(
                            w,
                            "  (row structure broken: fix line {} in the source file)",
                            row.line
                        )?,
                    }
                }
                let shown = selected.len();
                if shown < rows.len() && line.is_none() {
                    writeln!(
                        w,
                        "({shown} of {} rows shown; --limit 0 for all)",
                        group(rows.len() as u64)
                    )?;
                }
                Ok(())
            })
        }
        QuarantineCommand::Export {
            batch,
            output,
            duplicates,
            with_reasons,
        } => {
            let info = rt.block_on(ws.batch(batch))?;
            let Some(path) = info.quarantine_path.clone() else {
                return Err(
                    UsageError(format!("batch {batch} has no quarantined rows to export")).into(),
                );
            };
            let report = export_quarantine(&path, &output, duplicates, with_reasons)?;
            out.emit(&report, |w| {
                writeln!(w, "wrote {} rows to {} ({})", group(report.rows), report.path.display(), report.format)?;
                if !report.not_exported_lines.is_empty() {
                    let lines: Vec<String> = report.not_exported_lines.iter().take(20).map(u64::to_string).collect();
                    writeln!(
                        w,
                        "{} rows with a broken structure were not exported; fix them in the source file at lines {}{}",
                        report.not_exported_lines.len(),
                        lines.join(", "),
                        if report.not_exported_lines.len() > 20 { ", …" } else { "" }
                    )?;
                }
                writeln!(
                    w,
                    "correct the rows, then ingest them with the same schema: evident ingest --schema {}.toml {}",
                    info.schema_name,
                    report.path.display()
                )
            })
        }
    };
    rt.block_on(ws.close());
    result
}
