//! `evident map import|check|list|coverage|suggest`: correspondence tables
//! (national offence codes → ICCS) and the offence-text classifier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use evident_classify::{
    CheckReport, CodeVolume, CorrespondenceTable, Severity, Suggester, check, coverage,
    write_draft_table,
};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::{data, workspace};
use crate::output::{Output, UsageError};

#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Store a correspondence table as a new version (older versions stay).
    #[command(
        after_help = "Example:\n  evident map import correspondence.csv --source \"police code list 2024\""
    )]
    Import {
        /// The table (CSV; format in docs/correspondence-tables.md).
        file: PathBuf,
        /// Where the table comes from, for the record.
        #[arg(long)]
        source: String,
        /// A note kept with the version.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Check a table for invalid ICCS codes, overlapping or contradictory rows, and gaps.
    #[command(
        after_help = "Example:\n  evident map check correspondence.csv\n  evident map check   # the current version"
    )]
    Check {
        /// The table to check [default: the workspace's current version].
        file: Option<PathBuf>,
    },
    /// List the imported versions.
    #[command(after_help = "Example:\n  evident map list")]
    List,
    /// Share of records and of national codes mapped, and the top unmapped codes.
    #[command(
        after_help = "Example:\n  evident map coverage\n  evident map coverage --top 20 --json"
    )]
    Coverage {
        /// How many unmapped codes to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Propose ICCS codes for offence descriptions (offline, English and Spanish).
    #[command(
        after_help = "Example:\n  evident map suggest --input codes.csv --column title --top 3\n  \
                            evident map suggest --input codes.csv --column title --code-column code \
                            --draft-table draft.csv"
    )]
    Suggest {
        /// A CSV file with a header row.
        #[arg(long)]
        input: PathBuf,
        /// The column holding the descriptions.
        #[arg(long)]
        column: String,
        /// Suggestions per description.
        #[arg(long, default_value_t = 3)]
        top: usize,
        /// Field delimiter of the input.
        #[arg(long, default_value = ",")]
        delimiter: char,
        /// Write a draft correspondence table for review here.
        #[arg(long, value_name = "OUT")]
        draft_table: Option<PathBuf>,
        /// The column holding national codes (for --draft-table) [default: the first column].
        #[arg(long)]
        code_column: Option<String>,
    },
}

pub fn run(command: MapCommand, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    match command {
        MapCommand::Import { file, source, note } => import(&file, &source, &note, global, out),
        MapCommand::Check { file } => check_table(file.as_deref(), global, out),
        MapCommand::List => list(global, out),
        MapCommand::Coverage { top } => coverage_report(top, global, out),
        MapCommand::Suggest {
            input,
            column,
            top,
            delimiter,
            draft_table,
            code_column,
        } => suggest(
            &input,
            &column,
            top,
            delimiter,
            draft_table.as_deref(),
            code_column.as_deref(),
            out,
        ),
    }
}

fn read_table(path: &Path) -> anyhow::Result<(CorrespondenceTable, Vec<u8>)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let table = CorrespondenceTable::parse(
        std::str::from_utf8(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: not UTF-8 text ({e})", path.display()))?,
        &path.display().to_string(),
    )?;
    Ok((table, bytes))
}

#[derive(Serialize)]
struct FindingView {
    severity: String,
    national_code: String,
    lines: Vec<u64>,
    message: String,
}

fn findings(report: &CheckReport) -> Vec<FindingView> {
    report
        .findings
        .iter()
        .map(|f| FindingView {
            severity: f.severity.to_string(),
            national_code: f.national_code.clone(),
            lines: f.lines.clone(),
            message: f.to_string(),
        })
        .collect()
}

#[derive(Serialize)]
struct ImportView {
    version: i64,
    source: String,
    rows: u64,
    sha256: String,
    warnings: Vec<FindingView>,
}

fn import(
    file: &Path,
    source: &str,
    note: &str,
    global: &GlobalArgs,
    out: &Output,
) -> anyhow::Result<()> {
    let (table, bytes) = read_table(file)?;
    let report = check(&table);
    if report.has_errors() {
        let errors: Vec<String> = report
            .with_severity(Severity::Error)
            .map(ToString::to_string)
            .collect();
        anyhow::bail!(
            "{} has {} error(s); fix them before importing (evident map check {}):\n{}",
            file.display(),
            errors.len(),
            file.display(),
            errors.join("\n")
        );
    }
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let version = rt.block_on(async {
        let lock = ws.lock_for_writing().await?;
        ws.import_mapping(&lock, source, &bytes, table.rows().len() as u64, note)
            .await
    })?;
    let view = ImportView {
        version: version.id,
        source: version.source,
        rows: version.row_count,
        sha256: version.file_sha256,
        warnings: findings(&report),
    };
    out.emit(&view, |w| {
        writeln!(
            w,
            "imported {} rows as correspondence table version {}",
            view.rows, view.version
        )?;
        for f in &view.warnings {
            writeln!(w, "  {}", f.message)?;
        }
        writeln!(w, "next: evident classify")
    })
}

#[derive(Serialize)]
struct CheckView {
    table: String,
    rows: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    findings: Vec<FindingView>,
}

fn check_table(file: Option<&Path>, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => {
            let rt = workspace::runtime()?;
            let ws = workspace::open(global, &rt)?;
            rt.block_on(ws.current_mapping())?
                .ok_or_else(|| UsageError("no correspondence table imported yet: give a FILE, or run `evident map import FILE --source NAME`".into()))?
                .path
        }
    };
    let (table, _) = read_table(&path)?;
    let report = check(&table);
    let count = |s: Severity| report.with_severity(s).count();
    let view = CheckView {
        table: path.display().to_string(),
        rows: table.rows().len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        findings: findings(&report),
    };
    out.emit(&view, |w| {
        for f in &view.findings {
            writeln!(w, "{}", f.message)?;
        }
        writeln!(
            w,
            "{}: {} rows, {} errors, {} warnings, {} notes",
            view.table, view.rows, view.errors, view.warnings, view.notes
        )
    })?;
    if view.errors > 0 {
        anyhow::bail!("the table has {} error(s)", view.errors);
    }
    Ok(())
}

#[derive(Serialize)]
struct VersionView {
    version: i64,
    source: String,
    imported_at: String,
    rows: u64,
    sha256: String,
    actor: String,
    note: String,
}

fn list(global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let versions: Vec<VersionView> = rt
        .block_on(ws.mapping_versions())?
        .into_iter()
        .map(|v| VersionView {
            version: v.id,
            source: v.source,
            imported_at: v.imported_at,
            rows: v.row_count,
            sha256: v.file_sha256,
            actor: v.actor,
            note: v.note,
        })
        .collect();
    out.emit(&versions, |w| {
        if versions.is_empty() {
            writeln!(w, "no correspondence table imported yet")?;
        }
        for v in &versions {
            writeln!(
                w,
                "v{:<3} {}  {:>5} rows  {}  {}",
                v.version, v.imported_at, v.rows, v.source, v.actor
            )?;
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct CoverageView {
    mapping_version: Option<i64>,
    records: u64,
    mapped_records: u64,
    record_share: Option<f64>,
    codes: usize,
    fully_mapped_codes: usize,
    partly_mapped_codes: usize,
    code_share: Option<f64>,
    top_unmapped: Vec<UnmappedView>,
}

#[derive(Serialize)]
struct UnmappedView {
    national_code: String,
    unmapped_records: u64,
    description: Option<String>,
    suggestion: Option<String>,
}

fn coverage_report(top: usize, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let (volumes, descriptions, version) = rt.block_on(async {
        let engine = data::local_engine(&ws, "coverage").await?;
        data::register_workspace(&engine, &ws).await?;
        let batches = engine
            .query(
                "SELECT national_code, COUNT(*) AS records, COUNT(iccs_code) AS mapped \
                 FROM offences GROUP BY national_code",
            )
            .await?;
        let mut volumes = Vec::new();
        for batch in &batches {
            let text = data::text_values(batch, 0)?;
            for row in 0..batch.num_rows() {
                volumes.push(CodeVolume {
                    national_code: text[row].clone().unwrap_or_default(),
                    records: data::int_at(batch, 1, row)?,
                    mapped_records: data::int_at(batch, 2, row)?,
                });
            }
        }
        let descriptions = data::offence_code_titles(&engine).await?;
        let version = ws.current_mapping().await?.map(|v| v.id);
        anyhow::Ok((volumes, descriptions, version))
    })?;
    let report = coverage(&volumes, top);
    let suggester = Suggester::new();
    let view = CoverageView {
        mapping_version: version,
        records: report.records,
        mapped_records: report.mapped_records,
        record_share: report.record_share(),
        codes: report.codes,
        fully_mapped_codes: report.fully_mapped_codes,
        partly_mapped_codes: report.partly_mapped_codes,
        code_share: report.code_share(),
        top_unmapped: report
            .top_unmapped
            .iter()
            .map(|u| {
                let description = descriptions.get(&u.national_code).cloned();
                let suggestion = description
                    .as_deref()
                    .and_then(|d| suggester.suggest(d, 1).into_iter().next())
                    .map(|s| format!("{} {} ({:.0} %)", s.code, s.name, s.confidence * 100.0));
                UnmappedView {
                    national_code: u.national_code.clone(),
                    unmapped_records: u.unmapped_records,
                    description,
                    suggestion,
                }
            })
            .collect(),
    };
    let pct = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), |v| format!("{:.2} %", v * 100.0));
    out.emit(&view, |w| {
        writeln!(
            w,
            "records mapped: {} of {} ({})",
            view.mapped_records,
            view.records,
            pct(view.record_share)
        )?;
        writeln!(
            w,
            "national codes fully mapped: {} of {} ({}); partly mapped: {}",
            view.fully_mapped_codes,
            view.codes,
            pct(view.code_share),
            view.partly_mapped_codes
        )?;
        if !view.top_unmapped.is_empty() {
            writeln!(w, "top unmapped codes:")?;
            for u in &view.top_unmapped {
                writeln!(
                    w,
                    "  {:<10} {:>8} records  {}{}",
                    u.national_code,
                    u.unmapped_records,
                    u.description.as_deref().unwrap_or(""),
                    u.suggestion
                        .as_deref()
                        .map(|s| format!("  → suggested {s}"))
                        .unwrap_or_default()
                )?;
            }
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct SuggestView {
    description: String,
    suggestions: Vec<SuggestionView>,
}

#[derive(Serialize)]
struct SuggestionView {
    code: &'static str,
    name: &'static str,
    confidence: f64,
    attempted: bool,
    reason: String,
}

fn suggest(
    input: &Path,
    column: &str,
    top: usize,
    delimiter: char,
    draft: Option<&Path>,
    code_column: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    if !delimiter.is_ascii() {
        return Err(UsageError(format!(
            "--delimiter {delimiter:?} must be one ASCII character"
        ))
        .into());
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .from_path(input)
        .with_context(|| format!("opening {}", input.display()))?;
    let headers = reader.headers()?.clone();
    let find = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            anyhow::Error::new(UsageError(format!(
                "{} has no column {name:?}; its columns are: {}",
                input.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )))
        })
    };
    let text_index = find(column)?;
    let code_index = match code_column {
        Some(name) => find(name)?,
        None => 0,
    };
    let mut rows: Vec<(String, String)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", input.display(), i + 2))?;
        let text = record.get(text_index).unwrap_or("").to_owned();
        let code = record.get(code_index).unwrap_or("").to_owned();
        rows.push((code, text));
    }
    let suggester = Suggester::new();
    if let Some(draft) = draft {
        let drafted = suggester.draft_table(&rows);
        let mut file = std::fs::File::create(draft)
            .with_context(|| format!("creating {}", draft.display()))?;
        write_draft_table(&drafted, &mut file)
            .with_context(|| format!("writing {}", draft.display()))?;
        out.status(format!(
            "wrote a draft table of {} codes to {} (review every row before importing)",
            drafted.len(),
            draft.display()
        ));
    }
    // Each distinct description once, in input order.
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let views: Vec<SuggestView> = rows
        .iter()
        .filter(|(_, text)| seen.insert(text.clone(), ()).is_none())
        .map(|(_, text)| SuggestView {
            description: text.clone(),
            suggestions: suggester
                .suggest(text, top)
                .into_iter()
                .map(|s| SuggestionView {
                    code: s.code,
                    name: s.name,
                    confidence: s.confidence,
                    attempted: s.attempted,
                    reason: s.reason,
                })
                .collect(),
        })
        .collect();
    out.emit(&views, |w| {
        for v in &views {
            writeln!(w, "{}", v.description)?;
            if v.suggestions.is_empty() {
                writeln!(w, "  (no known offence words)")?;
            }
            for s in &v.suggestions {
                let attempt = if s.attempted { ", attempted" } else { "" };
                writeln!(
                    w,
                    "  {:<7} {:>3.0} %  {}{attempt}  — {}",
                    s.code,
                    s.confidence * 100.0,
                    s.name,
                    s.reason
                )?;
            }
        }
        Ok(())
    })
}
