//! `evident demo`: the whole chain on the built-in synthetic country.
//!
//! Generate the Republic of Valmora, ingest its raw files with the schemas
//! shipped for it, import the office's correspondence table, classify, compute
//! the standard indicators, run early warning, publish a release, compare what
//! was found with `truth.json`, and serve the dashboard over the result.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use evident_engine::trends::{TrendsRequest, describe_flag, trends};
use evident_engine::{ComputeRequest, EngineTarget, Purpose};
use evident_ingest::{IngestOptions, Outcome, Schema};
use evident_store::{InitOptions, Workspace};
use evident_synthetic::CountrySpec;
use serde::Serialize;

use super::classify::{ClassifyView, classify_workspace};
use super::compute::{ComputeView, run_request, tables_dir};
use super::generate::{GenerateReport, write_country};
use super::publish::{PublishArgs, PublishView, publish_release};
use crate::output::{Output, UsageError};

/// The raw files of the synthetic country and the schema that reads each,
/// reference data first. The schemas are compiled in so the demo runs anywhere.
const FILES: &[(&str, &str, &str)] = &[
    (
        "areas.csv",
        "areas.toml",
        include_str!("../../../../schemas/synthetic/areas.toml"),
    ),
    (
        "offence_codes.csv",
        "offence_codes.toml",
        include_str!("../../../../schemas/synthetic/offence_codes.toml"),
    ),
    (
        "population.csv",
        "population.toml",
        include_str!("../../../../schemas/synthetic/population.toml"),
    ),
    (
        "prison_facilities.csv",
        "facilities.toml",
        include_str!("../../../../schemas/synthetic/facilities.toml"),
    ),
    (
        "police_offences.csv",
        "offences.toml",
        include_str!("../../../../schemas/synthetic/offences.toml"),
    ),
    (
        "police_persons.csv",
        "persons.toml",
        include_str!("../../../../schemas/synthetic/persons.toml"),
    ),
    (
        "court_decisions.csv",
        "court_decisions.toml",
        include_str!("../../../../schemas/synthetic/court_decisions.toml"),
    ),
    (
        "prison_movements.csv",
        "prison_movements.toml",
        include_str!("../../../../schemas/synthetic/prison_movements.toml"),
    ),
];

/// A file in the demo directory that marks it as the demo's own, so a rerun may
/// replace what an earlier run wrote there.
const MARKER: &str = ".evident-demo";

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  evident demo\n  evident demo --addr 127.0.0.1:9000\n  \
        evident demo --dir /tmp/valmora --offences 1000000 --no-serve"
)]
pub struct DemoArgs {
    /// Where the demo writes the raw files, the workspace and the tables.
    #[arg(long, default_value = "evident-demo", value_name = "DIR")]
    pub dir: PathBuf,
    /// Offences in the synthetic country.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub offences: u64,
    /// Seed of the synthetic country.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to serve the dashboard and the API at the end (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
    /// Stop after the report instead of serving the dashboard.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Serialize)]
struct DemoReport {
    dir: PathBuf,
    generated: GenerateReport,
    ingested: Vec<IngestLine>,
    classified: ClassifyView,
    computed: ComputeView,
    early_warning: EarlyWarningLine,
    published: PublishView,
    findings: Vec<Finding>,
}

#[derive(Serialize)]
struct IngestLine {
    file: String,
    read: u64,
    stored: u64,
    quarantined: u64,
    duplicates: u64,
}

/// What early warning flagged, in words.
#[derive(Serialize)]
struct EarlyWarningLine {
    series: usize,
    since: String,
    flagged: Vec<String>,
    file: PathBuf,
}

/// One figure found by Evident beside the truth it should recover.
#[derive(Serialize)]
struct Finding {
    what: String,
    found: String,
    truth: String,
}

pub fn run(args: DemoArgs, out: &Output) -> anyhow::Result<()> {
    // Checked first so a typo does not cost a whole run.
    let addr: SocketAddr = args.addr.parse().map_err(|e| {
        UsageError(format!(
            "--addr {}: {e}; expected HOST:PORT such as 127.0.0.1:8080",
            args.addr
        ))
    })?;
    prepare(&args.dir)?;
    let steps = if args.no_serve { 7 } else { 8 };
    let raw = args.dir.join("raw");
    out.status(format!(
        "1/{steps} generating the Republic of Valmora ({} offences)",
        args.offences
    ));
    let spec = CountrySpec {
        offences: args.offences,
        seed: args.seed,
        ..CountrySpec::default()
    };
    let generated = write_country(&spec, &raw, out)?;

    let rt = super::runtime()?;
    let report = rt.block_on(async {
        out.status(format!("2/{steps} ingesting the raw files into {}", args.dir.join("workspace").display()));
        let options = InitOptions {
            name: Some("valmora-demo".into()),
            key_file: Some(std::path::absolute(args.dir.join("keys/demo.key"))?),
            ..InitOptions::default()
        };
        let (ws, _) = Workspace::init(&args.dir.join("workspace"), options).await?;
        let ingested = ingest_all(&ws, &raw).await?;

        out.status(format!("3/{steps} classifying offences with the office's correspondence table"));
        let table = std::fs::read(raw.join("correspondence.csv")).context("reading correspondence.csv")?;
        let rows = table.iter().filter(|&&b| b == b'\n').count().saturating_sub(1) as u64;
        {
            let lock = ws.lock_for_writing().await?;
            ws.import_mapping(&lock, "Valmora correspondence table (as shipped)", &table, rows, "demo")
                .await?;
        }
        let classified = classify_workspace(&ws, false, out).await?;

        out.status(format!("4/{steps} computing the standard indicators (analysis and publication detail)"));
        let analysis = tables_dir(&ws, Purpose::Analysis);
        let computed = run_request(
            &ws,
            EngineTarget::Local,
            &ComputeRequest::default(),
            &analysis,
            serde_json::json!({ "indicators": "standard set", "engine": "local", "for": "analysis" }),
            None,
        )
        .await?;
        let publication = ComputeRequest {
            purpose: Purpose::Publication,
            ..ComputeRequest::default()
        };
        run_request(
            &ws,
            EngineTarget::Local,
            &publication,
            &tables_dir(&ws, Purpose::Publication),
            serde_json::json!({ "indicators": "standard set", "engine": "local", "for": "publication" }),
            None,
        )
        .await?;

        out.status(format!("5/{steps} early warning: every ICCS category × area against its seasonal baseline"));
        let (early_warning, rise) = early_warning(&ws, &raw).await?;

        out.status(format!("6/{steps} publishing release valmora-demo (disclosure control, audit, SDMX)"));
        let published = publish_release(&ws, &PublishArgs::demo("valmora-demo"), out).await?;

        out.status(format!("7/{steps} comparing with truth.json"));
        let mut findings = compare_with_truth(&raw, &analysis)?;
        findings.push(rise);
        ws.close().await;
        anyhow::Ok(DemoReport {
            dir: args.dir.clone(),
            generated,
            ingested,
            classified,
            computed,
            early_warning,
            published,
            findings,
        })
    })?;
    out.emit(&report, |w| print_report(w, &report))?;
    if args.no_serve {
        return Ok(());
    }
    out.status(format!(
        "8/{steps} serving the dashboard and the API (Ctrl-C to stop)"
    ));
    let config = evident_server::ServeConfig {
        workspace: args.dir.join("workspace"),
        addr,
    };
    let served = rt.block_on(evident_server::serve(config)).with_context(|| {
        format!("serving the dashboard on {addr} (choose another with --addr, or --no-serve)")
    });
    super::serve::stop(rt);
    served
}

/// Runs `evident trends` with its defaults and writes the file the dashboard's
/// early-warning page reads; says whether the generator's emerging rise was flagged.
async fn early_warning(ws: &Workspace, raw: &Path) -> anyhow::Result<(EarlyWarningLine, Finding)> {
    let engine = super::data::engine(ws, "trends", EngineTarget::Local).await?;
    super::data::register_workspace(&engine, ws).await?;
    let report = trends(&engine, &TrendsRequest::default())
        .await
        .map_err(super::trends::engine_error);
    let _ = std::fs::remove_dir_all(super::data::scratch_dir(ws, "trends"));
    let report = report?;
    let file = ws.root().join("trends").join("latest.json");
    super::trends::write_latest(&file, &report)?;

    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(raw.join("truth.json"))?)?;
    let threat = &truth["effects"]["emerging_threat"];
    let (code, region) = (
        threat["iccs_code"].as_str().unwrap_or_default(),
        threat["region"].as_str().unwrap_or_default(),
    );
    // The rise counts as found when the category or one of its ancestors is
    // flagged in its region or nationally.
    let found = report
        .flagged
        .iter()
        .find(|f| {
            code.starts_with(&f.code)
                && (f.area == region && f.area_level == evident_engine::series::AreaLevel::Region
                    || f.area_level == evident_engine::series::AreaLevel::National)
        })
        .map_or_else(
            || format!("not flagged from {} on (FDR 5 %)", report.since),
            |f| {
                let size = f
                    .size
                    .as_ref()
                    .map_or_else(String::new, |s| format!(" ×{:.2}", s.ratio));
                format!(
                    "{} {} from {}{size}",
                    f.code,
                    f.area,
                    f.start.as_deref().unwrap_or("?")
                )
            },
        );
    let rise = Finding {
        what: "emerging rise (early warning)".to_owned(),
        found,
        truth: format!(
            "{code} region {region} from {} ×{}",
            threat["start_month"].as_str().unwrap_or("?"),
            threat["multiplier"]
        ),
    };
    let line = EarlyWarningLine {
        series: report.assessed,
        since: report.since.clone(),
        flagged: report.flagged.iter().map(describe_flag).collect(),
        file,
    };
    Ok((line, rise))
}

/// Makes the demo directory, or clears what an earlier demo run left in it.
fn prepare(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let ours = dir.join(MARKER).exists();
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !ours && !empty {
            return Err(crate::output::UsageError(format!(
                "{} exists and was not made by `evident demo`; choose another --dir",
                dir.display()
            ))
            .into());
        }
        for sub in ["raw", "workspace", "keys"] {
            let path = dir.join(sub);
            if path.exists() {
                std::fs::remove_dir_all(&path)
                    .with_context(|| format!("clearing {}", path.display()))?;
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "made by `evident demo`; it may delete and rewrite this directory\n",
    )?;
    Ok(())
}

async fn ingest_all(ws: &Workspace, raw: &Path) -> anyhow::Result<Vec<IngestLine>> {
    let mut lines = Vec::new();
    for (file, schema_name, schema_text) in FILES {
        let schema = Schema::parse(Path::new(schema_name), schema_text)?;
        let options = IngestOptions {
            actor: evident_store::current_actor(),
            today: None,
            progress: None,
        };
        let path = raw.join(file);
        match evident_ingest::ingest_file(ws, &schema, &path, options)
            .await
            .with_context(|| format!("ingesting {}", path.display()))?
        {
            Outcome::Stored { summary, .. } => lines.push(IngestLine {
                file: (*file).to_owned(),
                read: summary.rows_read,
                stored: summary.rows_stored,
                quarantined: summary.rows_quarantined,
                duplicates: summary.rows_duplicate,
            }),
            Outcome::AlreadyIngested { .. } => {}
        }
    }
    Ok(lines)
}

/// Rows of a CSV table as maps column → value.
fn read_table(path: &Path) -> anyhow::Result<Vec<std::collections::BTreeMap<String, String>>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        rows.push(
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect(),
        );
    }
    Ok(rows)
}

fn compare_with_truth(raw: &Path, tables: &Path) -> anyhow::Result<Vec<Finding>> {
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(raw.join("truth.json"))?)?;
    let mut findings = Vec::new();
    let homicide = read_table(&tables.join("sdg_16_1_1.csv"))?;
    if let Some(by_year) = truth["victims"]["intentional_homicide"]["by_recording_year"].as_object()
    {
        for (year, expected) in by_year {
            let found = homicide
                .iter()
                .find(|r| {
                    r["period"] == *year
                        && r["area"] == "_T"
                        && r["sex"] == "_T"
                        && r["age"] == "_T"
                })
                .map_or_else(
                    || "-".to_owned(),
                    |r| {
                        format!(
                            "{} victims, {:.2} per 100,000",
                            r["victims"],
                            num(&r["rate_per_100k"])
                        )
                    },
                );
            findings.push(Finding {
                what: format!("SDG 16.1.1 homicide victims {year}"),
                found,
                truth: format!(
                    "{} victims, {:.2} per 100,000",
                    expected["victims"],
                    expected["rate_per_100000"].as_f64().unwrap_or(0.0)
                ),
            });
        }
    }
    let reoffending = read_table(&tables.join("reoffending.csv"))?;
    for cohort in truth["effects"]["reoffending"]["cohorts"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if cohort["complete"] != true {
            continue;
        }
        let year = cohort["year"].to_string();
        let found = reoffending
            .iter()
            .find(|r| {
                r["period"] == year && r["iccs"] == "_T" && r["sex"] == "_T" && r["age"] == "_T"
            })
            .map_or_else(
                || "-".to_owned(),
                |r| {
                    format!(
                        "{:.1} % (95 % CI {:.1}–{:.1})",
                        num(&r["reoffending_pct"]),
                        num(&r["reoffending_pct_lower"]),
                        num(&r["reoffending_pct_upper"])
                    )
                },
            );
        findings.push(Finding {
            what: format!("proven reoffending, {year} cohort"),
            found,
            truth: format!("{:.1} %", 100.0 * cohort["share"].as_f64().unwrap_or(0.0)),
        });
    }
    Ok(findings)
}

fn num(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

fn print_report(w: &mut dyn Write, report: &DemoReport) -> std::io::Result<()> {
    writeln!(
        w,
        "Evident demo: the Republic of Valmora, in {}",
        report.dir.display()
    )?;
    writeln!(
        w,
        "  generated {} offences ({} recorded by the extraction date) in {:.1} s",
        report.generated.offences_generated,
        report.generated.offences_recorded,
        report.generated.seconds
    )?;
    writeln!(
        w,
        "  ingested (every row stored, quarantined with a reason, or a duplicate):"
    )?;
    for line in &report.ingested {
        writeln!(
            w,
            "    {:<24} read {:>9}  stored {:>9}  quarantined {:>6}  duplicates {:>6}",
            line.file, line.read, line.stored, line.quarantined, line.duplicates
        )?;
    }
    let c = &report.classified;
    writeln!(
        w,
        "  classified {} offences to ICCS: {} mapped, {} not classifiable (codes the table lacks)",
        c.records, c.mapped, c.unmapped
    )?;
    writeln!(
        w,
        "  computed {} indicator tables into {}",
        report.computed.tables.len(),
        report.computed.out.display()
    )?;
    let e = &report.early_warning;
    writeln!(
        w,
        "  early warning on {} series from {}: {} flagged (written to {})",
        e.series,
        e.since,
        e.flagged.len(),
        e.file.display()
    )?;
    for line in e.flagged.iter().take(5) {
        writeln!(w, "    {line}")?;
    }
    let p = &report.published;
    let (values, published): (usize, usize) = p
        .tables
        .iter()
        .fold((0, 0), |(v, q), t| (v + t.values, q + t.published));
    writeln!(
        w,
        "  published release {} in {}: {} of {} count values, the rest withheld to protect people; the audit passed",
        p.release,
        p.dir.display(),
        published,
        values
    )?;
    writeln!(w, "  found vs truth:")?;
    for f in &report.findings {
        writeln!(w, "    {:<40} {:<32} truth {}", f.what, f.found, f.truth)?;
    }
    Ok(())
}
