//! `evident publish` and `evident releases list|show|diff`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use evident_release::{
    Area, Control, InputBatch, Inputs, Previous, ReleaseSettings, Rules, diff, publish,
    read_manifest, read_tables, verify,
};
use evident_store::{ReleaseRecord, Workspace};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::{data, workspace};
use crate::output::{Output, UsageError};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Method {
    /// Primary and secondary cell suppression, with the interval audit.
    Suppression,
    /// Unbiased random rounding to a multiple of --base.
    RandomRounding,
    /// Controlled rounding that keeps totals additive (simple tables only).
    ControlledRounding,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  evident publish --release 2024-annual\n  \
    evident publish --release 2024-annual-r1 --revises 2024-annual\n  \
    evident publish --release 2024-rounded --method random-rounding --base 5")]
pub struct PublishArgs {
    /// The release id (letters, digits, `_` and `-`); releases are immutable.
    #[arg(long = "release", value_name = "ID")]
    pub id: String,
    /// Only these indicators [default: every table in --tables].
    #[arg(long = "indicators", value_name = "ID", num_args = 1..)]
    pub indicators: Vec<String>,
    /// The computed tables [default: WORKSPACE/tables/publication, from
    /// `evident compute --for publication`].
    #[arg(long, value_name = "DIR")]
    pub tables: Option<PathBuf>,
    /// Where the release directory is written [default: WORKSPACE/releases].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// How counts are protected.
    #[arg(long, value_enum, default_value_t = Method::Suppression)]
    pub method: Method,
    /// Fewest contributing persons for a cell to be published.
    #[arg(long, default_value_t = 3)]
    pub threshold: u64,
    /// The same for victim-identifying cells (sexual offences, children, trafficking).
    #[arg(long, default_value_t = 5)]
    pub sensitive_threshold: u64,
    /// Narrowest interval an attacker may derive for a withheld cell, in persons
    /// (at least 1: a withheld cell is never disclosed exactly).
    #[arg(long, default_value_t = 3)]
    pub minimum_width: u64,
    /// Narrowest interval as a percentage of the withheld cell's count.
    #[arg(long, default_value_t = 10)]
    pub protection_percent: u64,
    /// Breadth of the secondary-suppression search: partner codes kept per
    /// dimension (more can withhold less, and takes longer).
    #[arg(long, default_value_t = 3, hide_short_help = true)]
    pub search_breadth: usize,
    /// Rounding base for the rounding methods.
    #[arg(long, default_value_t = 5)]
    pub base: u64,
    /// Seed of the rounding methods.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The release this one revises: both are audited together, so the revision
    /// cannot expose a cell the earlier release protected.
    #[arg(long, value_name = "ID")]
    pub revises: Option<String>,
    /// SDMX maintenance agency.
    #[arg(long, default_value = "EVIDENT")]
    pub agency: String,
}

impl PublishArgs {
    /// The settings `evident demo` publishes with: the defaults above.
    pub fn demo(id: &str) -> PublishArgs {
        PublishArgs {
            id: id.to_owned(),
            indicators: Vec::new(),
            tables: None,
            out: None,
            method: Method::Suppression,
            threshold: 3,
            sensitive_threshold: 5,
            minimum_width: 3,
            protection_percent: 10,
            search_breadth: 3,
            base: 5,
            seed: 1,
            revises: None,
            agency: "EVIDENT".to_owned(),
        }
    }
}

#[derive(Serialize)]
pub struct PublishView {
    pub release: String,
    pub dir: PathBuf,
    pub files: usize,
    pub manifest_sha256: String,
    pub tables: Vec<TableSummary>,
    pub audit_passed: bool,
}

#[derive(Serialize)]
pub struct TableSummary {
    pub indicator: String,
    pub rows: usize,
    pub values: usize,
    pub published: usize,
    pub primary: usize,
    pub secondary: usize,
}

pub fn run(args: PublishArgs, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let view = rt.block_on(publish_release(&ws, &args, out))?;
    out.emit(&view, |w| {
        writeln!(
            w,
            "published release {} in {} ({} files)",
            view.release,
            view.dir.display(),
            view.files
        )?;
        writeln!(
            w,
            "  {:<18} {:>8} {:>9} {:>9} {:>8} {:>9}",
            "table", "rows", "values", "published", "primary", "secondary"
        )?;
        for t in &view.tables {
            writeln!(
                w,
                "  {:<18} {:>8} {:>9} {:>9} {:>8} {:>9}",
                t.indicator, t.rows, t.values, t.published, t.primary, t.secondary
            )?;
        }
        writeln!(
            w,
            "  the interval audit passed: no withheld cell can be recovered from what is published"
        )
    })
}

/// Builds, audits and records one release; shared with `evident demo`.
pub async fn publish_release(
    ws: &Workspace,
    args: &PublishArgs,
    out: &Output,
) -> anyhow::Result<PublishView> {
    let lock = ws.lock_for_writing().await?;
    if ws.release_exists(&args.id).await? {
        return Err(UsageError(format!(
            "release {:?} exists already: releases are immutable, choose a new id",
            args.id
        ))
        .into());
    }
    let tables_dir = args
        .tables
        .clone()
        .unwrap_or_else(|| super::compute::tables_dir(ws, evident_engine::Purpose::Publication));
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| ws.root().join("releases"));
    let mut tables = read_tables(&tables_dir).with_context(|| {
        format!(
            "reading the computed tables in {} (run `evident compute --for publication` first)",
            tables_dir.display()
        )
    })?;
    if tables.is_empty() {
        return Err(UsageError(format!(
            "{} holds no computed tables: run `evident compute --for publication` first",
            tables_dir.display()
        ))
        .into());
    }
    if !args.indicators.is_empty() {
        for wanted in &args.indicators {
            if !tables.iter().any(|t| &t.indicator == wanted) {
                return Err(UsageError(format!(
                    "{} has no table {wanted:?}",
                    tables_dir.display()
                ))
                .into());
            }
        }
        tables.retain(|t| args.indicators.contains(&t.indicator));
    }
    let computed: serde_json::Value = std::fs::read(tables_dir.join("tables.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    let settings = ReleaseSettings {
        id: args.id.clone(),
        created: evident_store::now_utc(),
        agency: args.agency.clone(),
        sdmx_version: "1.0".into(),
        areas: areas(ws).await?,
        inputs: inputs(ws, &computed).await?,
        control: match args.method {
            Method::Suppression => Control::Suppression {
                rules: Rules {
                    threshold: args.threshold,
                    sensitive_threshold: args.sensitive_threshold,
                    minimum_width: args.minimum_width,
                    protection_percent: args.protection_percent,
                    candidates_per_dimension: args.search_breadth.max(1),
                    ..Rules::default()
                },
            },
            Method::RandomRounding => Control::RandomRounding {
                base: args.base,
                seed: args.seed,
            },
            Method::ControlledRounding => Control::ControlledRounding {
                base: args.base,
                seed: args.seed,
            },
        },
    };
    settings.validate().map_err(|e| UsageError(e.to_string()))?;

    let previous_tables;
    let previous_dir;
    let previous = match &args.revises {
        None => None,
        Some(old) => {
            let record = ws.release(old).await?;
            previous_tables = read_tables(&ws.release_inputs_dir(old))
                .with_context(|| format!("reading the tables release {old} was built from"))?;
            previous_dir = record.out_dir.join(old);
            Some(Previous {
                dir: &previous_dir,
                tables: &previous_tables,
            })
        }
    };
    out.status(format!("protecting and writing release {}", args.id));
    let published = publish(&tables, &settings, previous.as_ref(), &out_dir)?;

    // Keep the unprotected tables privately for a later revision's joint audit.
    let private = ws.release_inputs_dir(&args.id);
    std::fs::create_dir_all(&private).with_context(|| format!("creating {}", private.display()))?;
    for table in &tables {
        table.write(&private)?;
    }
    let manifest_bytes = std::fs::read(published.dir.join(evident_release::MANIFEST))?;
    ws.record_release(
        &lock,
        &ReleaseRecord {
            id: args.id.clone(),
            created_at: settings.created.clone(),
            out_dir: out_dir.clone(),
            manifest_sha256: evident_release::sha256(&manifest_bytes),
            inputs_json: serde_json::to_string(&settings.inputs)?,
        },
    )
    .await?;
    Ok(PublishView {
        release: args.id.clone(),
        dir: published.dir.clone(),
        files: published.manifest.files.len() + 1,
        manifest_sha256: evident_release::sha256(&manifest_bytes),
        tables: published
            .report
            .tables
            .iter()
            .map(|t| TableSummary {
                indicator: t.indicator.clone(),
                rows: t.rows,
                values: t.values,
                published: t.published,
                primary: t.primary,
                secondary: t.secondary,
            })
            .collect(),
        audit_passed: published.audit.iter().all(|a| a.passed),
    })
}

/// The area codelist of the workspace.
async fn areas(ws: &Workspace) -> anyhow::Result<Vec<Area>> {
    let engine = data::local_engine(ws, "areas").await?;
    data::register_workspace(&engine, ws).await?;
    let batches = engine
        .query("SELECT area_code, name, parent_code FROM areas ORDER BY level, area_code")
        .await?;
    let mut areas = Vec::new();
    for batch in &batches {
        let codes = data::text_values(batch, 0)?;
        let names = data::text_values(batch, 1)?;
        let parents = data::text_values(batch, 2)?;
        for ((code, name), parent) in codes.into_iter().zip(names).zip(parents) {
            if let Some(code) = code {
                areas.push(Area {
                    name: name.unwrap_or_else(|| code.clone()),
                    code,
                    parent,
                });
            }
        }
    }
    let _ = std::fs::remove_dir_all(data::scratch_dir(ws, "areas"));
    Ok(areas)
}

/// What the tables were computed from, from `tables.json` and the catalog.
async fn inputs(ws: &Workspace, computed: &serde_json::Value) -> anyhow::Result<Inputs> {
    let recorded = &computed["inputs"];
    let batch_ids: Vec<i64> = recorded["batches"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
        .unwrap_or_default();
    let kinds: BTreeMap<i64, String> = ws
        .batches(None)
        .await?
        .into_iter()
        .map(|b| (b.id, b.kind.name().to_owned()))
        .collect();
    let mut parameters = BTreeMap::new();
    if let Some(request) = recorded["request"].as_object() {
        for (k, v) in request {
            if !v.is_null() {
                parameters.insert(k.clone(), v.to_string());
            }
        }
    }
    if let Some(at) = recorded["computed_at"].as_str() {
        parameters.insert("computed_at".into(), at.to_owned());
    }
    Ok(Inputs {
        code_version: format!("evident {}", env!("CARGO_PKG_VERSION")),
        batches: batch_ids
            .into_iter()
            .map(|id| InputBatch {
                id,
                kind: kinds.get(&id).cloned().unwrap_or_default(),
            })
            .collect(),
        mapping_versions: recorded["mapping_versions"]
            .as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
            .unwrap_or_default(),
        parameters,
    })
}

#[derive(Debug, Subcommand)]
pub enum ReleasesCommand {
    /// List the releases of this workspace.
    #[command(after_help = "Example:\n  evident releases list")]
    List,
    /// Show a release: its manifest, inputs and disclosure report; checks every checksum.
    #[command(after_help = "Example:\n  evident releases show 2024-annual --json")]
    Show {
        /// The release id.
        id: String,
    },
    /// What changed between two releases: rows added and removed, values and statuses.
    #[command(after_help = "Example:\n  evident releases diff 2024-annual 2024-annual-r1")]
    Diff {
        /// The earlier release.
        a: String,
        /// The later release.
        b: String,
    },
}

#[derive(Serialize)]
struct ReleaseLine {
    id: String,
    created_at: String,
    dir: PathBuf,
    manifest_sha256: String,
}

fn release_dir(record: &ReleaseRecord) -> PathBuf {
    record.out_dir.join(&record.id)
}

pub fn releases(command: ReleasesCommand, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    match command {
        ReleasesCommand::List => {
            let lines: Vec<ReleaseLine> = rt
                .block_on(ws.releases())?
                .iter()
                .map(|r| ReleaseLine {
                    id: r.id.clone(),
                    created_at: r.created_at.clone(),
                    dir: release_dir(r),
                    manifest_sha256: r.manifest_sha256.clone(),
                })
                .collect();
            out.emit(&lines, |w| {
                if lines.is_empty() {
                    writeln!(w, "no releases yet: evident publish --release ID")?;
                }
                for l in &lines {
                    writeln!(w, "{:<24} {}  {}", l.id, l.created_at, l.dir.display())?;
                }
                Ok(())
            })
        }
        ReleasesCommand::Show { id } => {
            let record = rt.block_on(ws.release(&id))?;
            let dir = release_dir(&record);
            let manifest = read_manifest(&dir)?;
            let verification = verify(&dir)?;
            let report: serde_json::Value = serde_json::from_slice(
                &std::fs::read(dir.join("disclosure/report.json"))
                    .context("reading the disclosure report")?,
            )?;
            let view = serde_json::json!({
                "release": id,
                "dir": dir,
                "created": manifest.created,
                "agency": manifest.agency,
                "revises": manifest.revises,
                "indicators": manifest.indicators,
                "inputs": manifest.inputs,
                "disclosure": manifest.disclosure,
                "files": manifest.files,
                "checksums_ok": verification.problems.is_empty(),
                "problems": verification.problems,
                "report": report,
            });
            out.emit(&view, |w| {
                writeln!(
                    w,
                    "release {id}, created {}, in {}",
                    manifest.created,
                    dir.display()
                )?;
                if let Some(r) = &manifest.revises {
                    writeln!(w, "  revises {r}")?;
                }
                writeln!(w, "  indicators: {}", manifest.indicators.join(", "))?;
                writeln!(
                    w,
                    "  inputs: {} batches, correspondence table versions {:?}, {}",
                    manifest.inputs.batches.len(),
                    manifest.inputs.mapping_versions,
                    manifest.inputs.code_version
                )?;
                writeln!(
                    w,
                    "  {} files; checksums {}",
                    manifest.files.len(),
                    if verification.problems.is_empty() {
                        "verified"
                    } else {
                        "DO NOT MATCH"
                    }
                )?;
                for p in &verification.problems {
                    writeln!(w, "    {p}")?;
                }
                Ok(())
            })?;
            if !verification.problems.is_empty() {
                anyhow::bail!("release {id} does not match its manifest");
            }
            Ok(())
        }
        ReleasesCommand::Diff { a, b } => {
            let (ra, rb) = (rt.block_on(ws.release(&a))?, rt.block_on(ws.release(&b))?);
            let changes = diff(&release_dir(&ra), &release_dir(&rb))?;
            let view = serde_json::to_value(&changes)?;
            out.emit(&view, |w| write_diff(w, &a, &b, &changes))
        }
    }
}

fn write_diff(
    w: &mut dyn Write,
    a: &str,
    b: &str,
    changes: &evident_release::ReleaseDiff,
) -> std::io::Result<()> {
    writeln!(w, "{a} → {b}")?;
    for t in &changes.tables {
        writeln!(
            w,
            "  {:<18} {} rows added, {} removed, {} changed",
            t.indicator,
            t.rows_added.len(),
            t.rows_removed.len(),
            t.rows_changed
        )?;
    }
    Ok(())
}
