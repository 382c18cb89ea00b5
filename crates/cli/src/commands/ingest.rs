//! `evident ingest FILE --schema SCHEMA`: one file, one batch.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use evident_ingest::{IngestOptions, Outcome, Progress, Schema, Summary};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::workspace;
use crate::output::{Output, UsageError};

/// `evident ingest`.
#[derive(Debug, Args)]
#[command(
    after_help = "Reference data first: areas and the offence code list before offences,\n\
facilities before prison events.\n\n\
Example:\n  evident ingest --schema schemas/synthetic/areas.toml areas.csv\n  \
evident ingest --schema offences.toml police_2024.csv.gz --json"
)]
pub struct IngestArgs {
    /// The source file (CSV, TSV, JSON lines or Parquet; may be .gz or .zst).
    pub file: PathBuf,
    /// The schema file that maps the source onto a record kind.
    #[arg(long, short, value_name = "TOML")]
    pub schema: PathBuf,
    /// The date that counts as today for the future-date check.
    #[arg(long, value_name = "YYYY-MM-DD", hide = true)]
    pub today: Option<String>,
}

#[derive(Serialize)]
struct IngestView<'a> {
    status: &'static str,
    batch: i64,
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_memory_bytes: Option<u64>,
}

/// An indicatif bar driven by bytes read, showing rows and rows per second.
struct Bar {
    bar: indicatif::ProgressBar,
    started: Instant,
    total: u64,
}

impl Progress for Bar {
    fn begin(&self, _total_bytes: u64) {
        self.bar.set_length(self.total);
    }

    fn advance(&self, rows: u64, bytes: u64) {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_position(bytes.min(self.total));
        self.bar.set_message(format!(
            "{} rows, {}/s",
            group(rows),
            group((rows as f64 / seconds) as u64)
        ));
    }

    fn end(&self) {
        self.bar.finish_and_clear();
    }
}

pub fn run(args: IngestArgs, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    if let Some(today) = &args.today
        && evident_ingest::DateFormat::iso().parse(today).is_err()
    {
        return Err(UsageError(format!(
            "--today {today:?} is not a date in the form YYYY-MM-DD"
        ))
        .into());
    }
    let schema = Schema::load(&args.schema)?;
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let total = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    let bar = out.progress(total, "ingest");
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} ingest [{bar:30}] {percent:>3}% {msg} (eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let progress: Arc<dyn Progress> = Arc::new(Bar {
        bar,
        started: Instant::now(),
        total,
    });
    let options = IngestOptions {
        actor: evident_store::current_actor(),
        today: args.today.clone(),
        progress: Some(progress),
    };
    let outcome = rt.block_on(evident_ingest::ingest_file(
        &ws, &schema, &args.file, options,
    ));
    rt.block_on(ws.close());
    let outcome = outcome?;
    match outcome {
        Outcome::AlreadyIngested { batch } => {
            let view = IngestView {
                status: "already_ingested",
                batch: batch.id,
                kind: batch.kind.name().to_owned(),
                summary: None,
                source: Some(batch.source.path.clone()),
                sha256: Some(batch.source.sha256.clone()),
                peak_memory_bytes: None,
            };
            out.emit(&view, |w| {
                writeln!(
                    w,
                    "{} was already ingested as batch {} (same SHA-256, {}); nothing changed",
                    args.file.display(),
                    batch.id,
                    &batch.source.sha256[..12.min(batch.source.sha256.len())]
                )
            })
        }
        Outcome::Stored { batch, summary } => {
            let view = IngestView {
                status: "stored",
                batch: batch.id,
                kind: batch.kind.name().to_owned(),
                summary: Some(&summary),
                source: None,
                sha256: None,
                peak_memory_bytes: peak_memory(),
            };
            out.emit(&view, |w| human_summary(w, batch.id, &summary))
        }
    }
}

fn human_summary(w: &mut dyn Write, id: i64, s: &Summary) -> std::io::Result<()> {
    writeln!(
        w,
        "batch {id}: {} records from {} (schema {})",
        s.kind,
        s.source.display(),
        s.schema
    )?;
    writeln!(
        w,
        "  read {}: stored {}, quarantined {}, duplicates {}",
        group(s.rows_read),
        group(s.rows_stored),
        group(s.rows_quarantined),
        group(s.rows_duplicate)
    )?;
    if !s.problems.is_empty() {
        let mut problems: Vec<(&String, &u64)> = s.problems.iter().collect();
        problems.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let text: Vec<String> = problems
            .iter()
            .map(|(k, v)| format!("{k} {}", group(**v)))
            .collect();
        writeln!(w, "  problems: {}", text.join(", "))?;
        let mut columns: Vec<(&String, &u64)> = s.problems_by_column.iter().collect();
        columns.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let text: Vec<String> = columns
            .iter()
            .take(8)
            .map(|(k, v)| format!("{k} {}", group(**v)))
            .collect();
        writeln!(w, "  by column: {}", text.join(", "))?;
    }
    if s.partitions.len() > 1 || s.partitions.keys().any(|k| k != "all") {
        let text: Vec<String> = s
            .partitions
            .iter()
            .map(|(k, v)| format!("{k} {}", group(*v)))
            .collect();
        writeln!(w, "  stored by year: {}", text.join(", "))?;
    }
    if !s.pseudonymised.is_empty() {
        writeln!(
            w,
            "  pseudonymised (keyed hash): {}",
            s.pseudonymised.join(", ")
        )?;
    }
    if !s.dropped_identifiers.is_empty() {
        writeln!(
            w,
            "  dropped direct identifiers: {}",
            s.dropped_identifiers.join(", ")
        )?;
    }
    if !s.ignored.is_empty() {
        let shown: Vec<&str> = s
            .ignored
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "(unnamed)"
                } else {
                    c.as_str()
                }
            })
            .collect();
        writeln!(w, "  columns not read: {}", shown.join(", "))?;
    }
    writeln!(
        w,
        "  {:.1} s, {} rows/s; {} {}, {}, {}",
        s.seconds,
        group(s.rows_per_second as u64),
        s.format,
        s.encoding,
        if s.compression == "none" {
            "uncompressed"
        } else {
            s.compression.as_str()
        },
        &s.sha256[..12.min(s.sha256.len())]
    )?;
    if s.rows_quarantined + s.rows_duplicate > 0 {
        writeln!(w, "  see the rows set aside: evident quarantine show {id}")?;
    }
    Ok(())
}

/// The process's peak resident memory (Linux `VmHWM`), if known.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// 1234567 → "1,234,567".
pub(crate) fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
