//! `evident trends`: early warning over every offence category × area.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use evident_engine::series::{AreaLevel, SeriesFrequency};
use evident_engine::trends::{
    Direction, FlaggedSeries, TrendsReport, TrendsRequest, describe_flag, trends,
};
use evident_engine::{DateBasis, EngineError, EngineTarget};

use crate::cli::GlobalArgs;
use crate::commands::{data, workspace};
use crate::output::{Output, UsageError};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  evident trends\n  \
    evident trends --since 2023-07 --level 4 --area-level 1\n  \
    evident trends --date occurred --direction both --json\n  \
    evident trends --frequency week --since 2024-W40")]
pub struct TrendsArgs {
    /// ICCS level(s) of the series, 1 (sections) to 4 (classes); each level ×
    /// area level is one family, within which false alarms are controlled
    /// [default: 1,2,3,4].
    #[arg(long = "level", value_name = "N", value_delimiter = ',',
          value_parser = clap::value_parser!(u8).range(1..=4))]
    pub levels: Vec<u8>,
    /// Area level(s): 0 national, 1 regions, 2 districts [default: 0,1,2].
    #[arg(long = "area-level", value_name = "N", value_delimiter = ',',
          value_parser = clap::value_parser!(u8).range(0..=2))]
    pub area_levels: Vec<u8>,
    /// First scored period (2023-07, 2023-W27 or a date); a level shift may start
    /// from here on [default: the last 3 months or 4 weeks].
    #[arg(long, value_name = "PERIOD")]
    pub since: Option<String>,
    /// Last period [default: the latest complete period].
    #[arg(long, value_name = "PERIOD")]
    pub until: Option<String>,
    /// Months or ISO weeks.
    #[arg(long, value_parser = ["month", "week"], default_value = "month")]
    pub frequency: String,
    /// Place offences by recording date (complete counts) or occurrence date
    /// (the latest periods are corrected for late recording by a nowcast).
    #[arg(long, value_parser = ["recorded", "occurred"], default_value = "recorded")]
    pub date: String,
    /// By occurrence date, do not correct for late recording (to see what the
    /// correction changes).
    #[arg(long)]
    pub no_nowcast: bool,
    /// Which changes to flag.
    #[arg(long, value_parser = ["increase", "decrease", "both"], default_value = "increase")]
    pub direction: String,
    /// False discovery rate within each family of series.
    #[arg(long, default_value_t = 0.05)]
    pub fdr: f64,
    /// Where queries run: local, or ballista://HOST:PORT.
    #[arg(long, default_value = "local")]
    pub engine: String,
    /// Where to write the result [default: WORKSPACE/trends/latest.json, read by the dashboard].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(UsageError(e.to_string()))
}

/// Request errors are the user's (exit 2); the rest are failures.
pub(crate) fn engine_error(e: EngineError) -> anyhow::Error {
    match e {
        EngineError::InvalidRequest(_) | EngineError::UnknownEngine(_) => usage(e),
        other => anyhow::Error::new(other),
    }
}

pub fn run(args: TrendsArgs, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let target: EngineTarget = args.engine.parse().map_err(usage)?;
    if !(args.fdr > 0.0 && args.fdr < 1.0) {
        return Err(usage(format!(
            "--fdr {}: expected a rate strictly between 0 and 1 (e.g. 0.05)",
            args.fdr
        )));
    }
    let request = TrendsRequest {
        frequency: args.frequency.parse::<SeriesFrequency>().map_err(usage)?,
        date_basis: if args.date == "occurred" {
            DateBasis::Occurred
        } else {
            DateBasis::Recorded
        },
        nowcast: !args.no_nowcast,
        iccs_levels: if args.levels.is_empty() {
            vec![1, 2, 3, 4]
        } else {
            dedup(args.levels.clone())
        },
        area_levels: if args.area_levels.is_empty() {
            AreaLevel::ALL.to_vec()
        } else {
            dedup(args.area_levels.clone())
                .into_iter()
                .filter_map(AreaLevel::from_number)
                .collect()
        },
        since: args.since.clone(),
        until: args.until.clone(),
        direction: match args.direction.as_str() {
            "decrease" => Direction::Decrease,
            "both" => Direction::Both,
            _ => Direction::Increase,
        },
        fdr: args.fdr,
        max_delay: None,
    };
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| ws.root().join("trends").join("latest.json"));
    let report = rt.block_on(async {
        let engine = data::engine(&ws, "trends", target).await?;
        data::register_workspace(&engine, &ws).await?;
        let report = trends(&engine, &request).await.map_err(engine_error);
        let _ = std::fs::remove_dir_all(data::scratch_dir(&ws, "trends"));
        report
    })?;
    write_latest(&path, &report)?;
    out.emit(&report, |w| human(w, &report, &path))
}

fn dedup(mut v: Vec<u8>) -> Vec<u8> {
    v.sort_unstable();
    v.dedup();
    v
}

/// How the dashboard's early-warning page states the method.
const METHOD: &str = "Seasonal baseline per series (STL, Cleveland et al. 1990; or the same \
    season of earlier years, after Noufaily et al. 2013), a count-model alarm on the scored \
    periods and a level-shift test, with false alarms controlled by Benjamini & Hochberg \
    (1995) within each ICCS level × area level; see docs/trends.md.";

/// The dashboard's view of one flagged series (the fields `crates/server`'s
/// early-warning page reads; see docs/trends.md).
fn dashboard_series(f: &FlaggedSeries, last_period: &str) -> serde_json::Value {
    let periods: Vec<&str> = f.chart.iter().map(|p| p.period.as_str()).collect();
    // The periods the flag is about: from the level shift's start, else the scored ones.
    let flagged_periods: Vec<&str> = f
        .chart
        .iter()
        .filter(|p| match &f.start {
            Some(start) => p.period.as_str() >= start.as_str(),
            None => p.scored,
        })
        .map(|p| p.period.as_str())
        .collect();
    serde_json::json!({
        "id": format!("{}-{}", f.code, f.area),
        "indicator": "offences",
        "label": format!("{}, {}", f.name, f.area_name),
        "filters": { "iccs": f.code, "area": f.area },
        "flagged": true,
        "period": last_period,
        "periods": periods,
        "observed": f.chart.iter().map(|p| p.observed).collect::<Vec<_>>(),
        "expected": f.chart.iter().map(|p| p.expected).collect::<Vec<_>>(),
        "lower": f.chart.iter().map(|p| p.lower).collect::<Vec<_>>(),
        "upper": f.chart.iter().map(|p| p.upper).collect::<Vec<_>>(),
        "flagged_periods": flagged_periods,
        "q_value": f.q_value,
        "p_value": f.p_value,
    })
}

/// Writes the report with its time stamp, replacing the previous one
/// atomically. Besides the report's own fields the file carries what the
/// dashboard reads: `as_of`, `method`, `series_checked` and `series`, one entry
/// per flagged series with its chart as parallel arrays.
pub(crate) fn write_latest(path: &Path, report: &TrendsReport) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(report)?;
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "computed_at".to_owned(),
            serde_json::Value::String(evident_store::now_utc()),
        );
        map.insert(
            "evident_version".to_owned(),
            serde_json::Value::String(env!("CARGO_PKG_VERSION").to_owned()),
        );
        map.insert("as_of".to_owned(), report.last_period.clone().into());
        map.insert("method".to_owned(), METHOD.into());
        map.insert("series_checked".to_owned(), report.assessed.into());
        map.insert(
            "series".to_owned(),
            report
                .flagged
                .iter()
                .map(|f| dashboard_series(f, &report.last_period))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&value)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn human(w: &mut dyn Write, r: &TrendsReport, path: &Path) -> std::io::Result<()> {
    let direction = match r.direction {
        Direction::Increase => "rises",
        Direction::Decrease => "falls",
        Direction::Both => "rises and falls",
    };
    let basis = match (r.date_basis, r.nowcast) {
        ("occurred", true) => "by occurrence date, corrected for late recording",
        ("occurred", false) => "by occurrence date, as recorded so far",
        _ => "by recording date",
    };
    writeln!(
        w,
        "early warning on {} series ({} assessed), {} {basis}, {} to {}",
        r.series_count,
        r.assessed,
        match r.frequency {
            SeriesFrequency::Month => "monthly",
            SeriesFrequency::Week => "weekly",
        },
        r.first_period,
        r.last_period
    )?;
    writeln!(
        w,
        "scored from {} ({} periods), looking for {direction}, false discovery rate {} % within each ICCS level × area level",
        r.since,
        r.scored_periods,
        100.0 * r.fdr
    )?;
    if !r.gaps.is_empty() {
        writeln!(
            w,
            "periods without any offence in the store (treated as missing): {}",
            r.gaps.join(", ")
        )?;
    }
    if r.flagged.is_empty() {
        writeln!(w, "no series flagged")?;
    } else {
        writeln!(
            w,
            "{} series flagged, most significant first:",
            r.flagged.len()
        )?;
        for (i, f) in r.flagged.iter().enumerate() {
            writeln!(w, "  {:>2}. {}", i + 1, describe_flag(f))?;
        }
    }
    let skipped: usize = r.families.iter().map(|f| f.skipped).sum();
    if skipped > 0 {
        let mut reasons: Vec<(&str, usize)> = Vec::new();
        for f in &r.families {
            for reason in &f.skipped_reasons {
                match reasons.iter_mut().find(|(t, _)| *t == reason.reason) {
                    Some((_, n)) => *n += reason.series,
                    None => reasons.push((&reason.reason, reason.series)),
                }
            }
        }
        reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
        writeln!(w, "{skipped} series skipped, mostly:")?;
        for (reason, n) in reasons.iter().take(3) {
            writeln!(w, "  {n:>6}  {reason}")?;
        }
    }
    writeln!(w, "wrote {}", path.display())
}
