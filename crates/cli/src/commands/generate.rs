//! `evident generate`: the synthetic country's raw files.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use evident_synthetic::{CountrySpec, Stage, Summary, generate};
use serde::Serialize;

use crate::output::{Output, UsageError};

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  evident generate --out valmora\n  \
                        evident generate --out big --offences 10000000 --seed 7 --json")]
pub struct GenerateArgs {
    /// Directory to write into (created if missing; existing files are overwritten).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Offences occurring over the period.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub offences: u64,
    /// Seed of the random generator: the same seed gives the same bytes.
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
    /// First year of the period.
    #[arg(long, default_value_t = 2019)]
    pub start_year: i32,
    /// Number of years.
    #[arg(long, default_value_t = 6)]
    pub years: u32,
}

#[derive(Serialize)]
pub struct GenerateReport {
    pub out: String,
    pub seed: u64,
    pub offences_generated: u64,
    pub offences_recorded: u64,
    pub files: Vec<FileReport>,
    pub dirty_rows: Vec<DirtyReport>,
    pub seconds: f64,
}

#[derive(Serialize)]
pub struct FileReport {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

#[derive(Serialize)]
pub struct DirtyReport {
    pub file: String,
    pub kind: String,
    pub rows: u64,
}

pub fn run(args: GenerateArgs, out: &Output) -> anyhow::Result<()> {
    let spec = CountrySpec {
        offences: args.offences,
        seed: args.seed,
        start_year: args.start_year,
        years: args.years,
        ..CountrySpec::default()
    };
    let report = write_country(&spec, &args.out, out)?;
    out.emit(&report, |w| print_report(w, &report))
}

/// Generates the country with a progress bar; shared with `evident demo`.
pub fn write_country(
    spec: &CountrySpec,
    dir: &Path,
    out: &Output,
) -> anyhow::Result<GenerateReport> {
    let bar = out.progress(spec.offences, "generating");
    let summary = generate(spec, dir, &|p| {
        if p.stage == Stage::Offences {
            bar.set_position(p.done);
        }
    })
    .map_err(|e| match e {
        evident_synthetic::GenerateError::InvalidSpec { .. } => {
            anyhow::Error::new(UsageError(e.to_string()))
        }
        other => anyhow::Error::new(other),
    })
    .with_context(|| format!("generating the synthetic country in {}", dir.display()))?;
    bar.finish_and_clear();
    Ok(report(spec, dir, &summary))
}

fn report(spec: &CountrySpec, dir: &Path, summary: &Summary) -> GenerateReport {
    GenerateReport {
        out: dir.display().to_string(),
        seed: spec.seed,
        offences_generated: summary.offences_generated,
        offences_recorded: summary.offences_recorded,
        files: summary
            .files
            .iter()
            .map(|f| FileReport {
                path: f.path.display().to_string(),
                rows: f.rows,
                bytes: f.bytes,
            })
            .collect(),
        dirty_rows: summary
            .dirty
            .iter()
            .map(|d| DirtyReport {
                file: d.file.clone(),
                kind: d.kind.clone(),
                rows: d.rows,
            })
            .collect(),
        seconds: summary.elapsed.as_secs_f64(),
    }
}

pub fn print_report(w: &mut dyn Write, report: &GenerateReport) -> std::io::Result<()> {
    writeln!(
        w,
        "Wrote the Republic of Valmora to {} in {:.1} s (seed {}):",
        report.out, report.seconds, report.seed
    )?;
    writeln!(
        w,
        "  {} offences occurred, {} recorded by the extraction date",
        report.offences_generated, report.offences_recorded
    )?;
    for file in &report.files {
        writeln!(
            w,
            "  {:<34} {:>10} rows {:>12} bytes",
            file.path, file.rows, file.bytes
        )?;
    }
    let dirty: u64 = report.dirty_rows.iter().map(|d| d.rows).sum();
    writeln!(
        w,
        "  {dirty} dirty rows planted (kinds and files in truth.json)"
    )?;
    Ok(())
}
