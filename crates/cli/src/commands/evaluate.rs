//! `evident evaluate`: did a prevention programme lower the offences it targets?

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use evident_engine::trends::evaluation::{
    DonorPool, EvaluationMethod, EvaluationReport, EvaluationRequest, Interval, TreatedArea,
    analyse, evaluation_data,
};
use evident_engine::{DateBasis, EngineTarget};

use crate::cli::GlobalArgs;
use crate::commands::trends::engine_error;
use crate::commands::{data, workspace};
use crate::output::{Output, UsageError};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    evident evaluate --outcome 0501 --treated 01001,01002,03001 --start 2022-04-01\n  \
    evident evaluate --outcome 0501 --treated-file treated.txt --start 2022-04 --method did --json\n  \
    evident evaluate --outcome 0501 --treated 03,05001@2022-10-01 --start 2022-04-01\n\n\
    A region code stands for all its districts; CODE@DATE gives an area its own start\n\
    (staggered adoption). --treated-file holds one CODE or CODE@DATE (or CODE,DATE) per line.")]
pub struct EvaluateArgs {
    /// ICCS category the programme targets (e.g. 0501 burglary).
    #[arg(long, value_name = "ICCS_CODE")]
    pub outcome: String,
    /// Treated districts or regions, comma-separated, each optionally CODE@START.
    #[arg(long, value_name = "AREAS", value_delimiter = ',')]
    pub treated: Vec<String>,
    /// A file listing the treated areas, one per line.
    #[arg(long, value_name = "FILE")]
    pub treated_file: Option<PathBuf>,
    /// First day (or month) of the programme; the month containing it is the first
    /// month under the programme.
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Method(s) [default: its, did and synth].
    #[arg(long = "method", value_name = "METHOD", value_delimiter = ',',
          value_parser = ["its", "did", "synth"])]
    pub methods: Vec<String>,
    /// Place offences by recording date or occurrence date (by occurrence, months
    /// still being recorded are left out).
    #[arg(long, value_parser = ["recorded", "occurred"], default_value = "recorded")]
    pub date: String,
    /// First month used [default: the first month of data].
    #[arg(long, value_name = "PERIOD")]
    pub from: Option<String>,
    /// Last month used [default: the latest complete month].
    #[arg(long, value_name = "PERIOD")]
    pub until: Option<String>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Synthetic control donors: the untreated districts of each region combined,
    /// or every untreated district.
    #[arg(long, value_parser = ["regions", "districts"], default_value = "regions")]
    pub donors: String,
    /// Also write the district panel used (panel.csv) into this directory.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Where queries run: local, or ballista://HOST:PORT.
    #[arg(long, default_value = "local")]
    pub engine: String,
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(UsageError(e.to_string()))
}

fn treated_areas(args: &EvaluateArgs) -> anyhow::Result<Vec<TreatedArea>> {
    let mut specs: Vec<String> = args.treated.clone();
    if let Some(file) = &args.treated_file {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            specs.push(match line.split_once(',') {
                Some((code, start)) if !start.trim().is_empty() => {
                    format!("{}@{}", code.trim(), start.trim())
                }
                Some((code, _)) => code.trim().to_owned(),
                None => line.to_owned(),
            });
        }
    }
    if specs.is_empty() {
        return Err(usage(
            "name the treated areas with --treated CODES or --treated-file FILE",
        ));
    }
    specs
        .iter()
        .map(|s| s.parse::<TreatedArea>().map_err(usage))
        .collect()
}

pub fn run(args: EvaluateArgs, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let target: EngineTarget = args.engine.parse().map_err(usage)?;
    if !(args.level > 0.0 && args.level < 1.0) {
        return Err(usage(format!(
            "--level {}: expected a confidence level strictly between 0 and 1 (e.g. 0.95)",
            args.level
        )));
    }
    let methods: Vec<EvaluationMethod> = if args.methods.is_empty() {
        EvaluationMethod::ALL.to_vec()
    } else {
        args.methods
            .iter()
            .map(|m| m.parse().map_err(usage))
            .collect::<anyhow::Result<_>>()?
    };
    let request = EvaluationRequest {
        outcome: args.outcome.trim().to_owned(),
        treated: treated_areas(&args)?,
        start: args.start.clone(),
        methods,
        date_basis: if args.date == "occurred" {
            DateBasis::Occurred
        } else {
            DateBasis::Recorded
        },
        from: args.from.clone(),
        until: args.until.clone(),
        level: args.level,
        donors: if args.donors == "districts" {
            DonorPool::Districts
        } else {
            DonorPool::Regions
        },
    };
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let prepared = rt.block_on(async {
        let engine = data::engine(&ws, "evaluate", target).await?;
        data::register_workspace(&engine, &ws).await?;
        let prepared = evaluation_data(&engine, &request)
            .await
            .map_err(engine_error);
        let _ = std::fs::remove_dir_all(data::scratch_dir(&ws, "evaluate"));
        prepared
    })?;
    if let Some(dir) = &args.export {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        prepared.write_csv(&dir.join("panel.csv"))?;
    }
    let report = analyse(&prepared, &request).map_err(engine_error)?;
    out.emit(&report, |w| human(w, &report))?;
    if report.methods.iter().all(|m| m.result.is_none()) {
        let reasons: Vec<String> = report
            .methods
            .iter()
            .map(|m| format!("{}: {}", m.title, m.error.as_deref().unwrap_or("failed")))
            .collect();
        anyhow::bail!(
            "no method could estimate the effect ({})",
            reasons.join("; ")
        );
    }
    Ok(())
}

fn pct(v: f64) -> String {
    format!("{:+.1} %", 100.0 * v)
}

fn interval(i: &Interval, scale: impl Fn(f64) -> String) -> String {
    format!(
        "{} [{}, {}]",
        scale(i.estimate),
        scale(i.lower),
        scale(i.upper)
    )
}

/// Wraps a paragraph at 96 columns with an indent.
fn wrap(text: &str, indent: &str) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 96 - indent.len() {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines.join("\n")
}

fn human(w: &mut dyn Write, r: &EvaluationReport) -> std::io::Result<()> {
    let starts: std::collections::BTreeSet<&str> =
        r.treated.iter().map(|t| t.start.as_str()).collect();
    writeln!(
        w,
        "{} (ICCS {}), offences by {} date, {} to {}: {} treated district(s) from {}, {} comparison district(s); panel measure: {}",
        r.outcome_name,
        r.outcome,
        r.date_basis,
        r.first_period,
        r.last_period,
        r.treated.len(),
        starts.into_iter().collect::<Vec<_>>().join(", "),
        r.comparison_districts,
        r.measure
    )?;
    for note in &r.notes {
        writeln!(w, "note: {note}")?;
    }
    let level = format!("{:.0} %", 100.0 * r.level);
    for m in &r.methods {
        writeln!(w)?;
        match (&m.result, &m.error) {
            (Some(e), _) => {
                let relative = e
                    .relative
                    .as_ref()
                    .map_or("n/a".to_owned(), |i| interval(i, pct));
                writeln!(
                    w,
                    "{}: change {relative} ({level} interval), offences {}, p = {:.2e}",
                    m.title,
                    interval(&e.absolute, |v| format!("{v:+.0}")),
                    e.p_value
                )?;
                writeln!(w, "{}", wrap(&e.summary, "  "))?;
            }
            (None, error) => {
                writeln!(
                    w,
                    "{}: not estimated: {}",
                    m.title,
                    error.as_deref().unwrap_or("unknown reason")
                )?;
            }
        }
    }
    Ok(())
}
