//! Early warning and programme evaluation on the store's count series: the
//! orchestration behind `evident trends` and `evident evaluate`.
//!
//! This module turns a user's question (which offences, which areas, since
//! when) into series from [`crate::series`], runs the statistics of
//! `evident-stats` on them (seasonal baselines, count alarms, level shifts,
//! Benjamini–Hochberg across series, nowcasts of late recording; interrupted
//! time series, difference-in-differences, synthetic control) and returns
//! reports that name offences and areas, carry chart-ready series and explain
//! themselves in plain language. The methods themselves, and their sources,
//! are documented in `evident-stats` and `docs/methods.md`; the choices made
//! here (families, calendars, outcomes) in `docs/trends.md`.

pub mod evaluation;
mod summary;

use std::collections::BTreeMap;

use evident_stats::nowcast::{NowcastConfig, SeriesDelays, nowcast_by_group};
use evident_stats::trends::{
    BaselineMethod, EarlyWarningConfig, EarlyWarningReport, SeriesOutcome, SeriesWarning,
    early_warning, early_warning_recorded,
};
use serde::Serialize;

use crate::error::{EngineError, Result};
use crate::request::DateBasis;
use crate::series::{
    AreaLevel, Calendar, CountSeries, SeriesFrequency, SeriesRequest, SeriesSet, category_name,
    count_series,
};
use crate::session::Engine;

pub use evaluation::{
    DonorPool, EvaluationMethod, EvaluationReport, EvaluationRequest, TreatedArea, evaluate,
};
/// Which changes count as alarms (re-exported so callers need not depend on `evident-stats`).
pub use evident_stats::trends::Direction;

/// What `evident trends` looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendsRequest {
    /// Months or weeks.
    pub frequency: SeriesFrequency,
    /// Recording date (complete counts) or occurrence date.
    pub date_basis: DateBasis,
    /// By occurrence: correct the latest periods for offences not yet recorded
    /// (a nowcast of the recording delay). Ignored by recording date.
    pub nowcast: bool,
    /// ICCS levels (1–4); each level × area level is one family of series.
    pub iccs_levels: Vec<u8>,
    /// Area levels.
    pub area_levels: Vec<AreaLevel>,
    /// First scored period (label or date); default: the last 3 months or 4 weeks.
    pub since: Option<String>,
    /// Last period (label or date); default: the latest complete period.
    pub until: Option<String>,
    /// Rises, falls or both.
    pub direction: Direction,
    /// False discovery rate within each family.
    pub fdr: f64,
    /// Longest recording delay modelled by the nowcast (later ones are lumped):
    /// 12 months or 26 weeks by default.
    pub max_delay: Option<usize>,
}

impl Default for TrendsRequest {
    fn default() -> TrendsRequest {
        TrendsRequest {
            frequency: SeriesFrequency::Month,
            date_basis: DateBasis::Recorded,
            nowcast: true,
            iccs_levels: vec![1, 2, 3, 4],
            area_levels: AreaLevel::ALL.to_vec(),
            since: None,
            until: None,
            direction: Direction::Increase,
            fdr: 0.05,
            max_delay: None,
        }
    }
}

/// The result of an early-warning run.
#[derive(Debug, Clone, Serialize)]
pub struct TrendsReport {
    /// `month` or `week`.
    pub frequency: SeriesFrequency,
    /// `recorded` or `occurred`.
    pub date_basis: &'static str,
    /// Whether the latest periods were corrected for late recording.
    pub nowcast: bool,
    /// First period of every series.
    pub first_period: String,
    /// Latest period.
    pub last_period: String,
    /// First scored period.
    pub since: String,
    /// Number of scored periods.
    pub scored_periods: usize,
    /// Candidate starts of a level shift lie in this many latest periods.
    pub shift_window: usize,
    /// Which changes are flagged.
    pub direction: Direction,
    /// False discovery rate controlled within each family.
    pub fdr: f64,
    /// Periods without any offence in the store (missing in every series).
    pub gaps: Vec<String>,
    /// Series built (named `series_count` because `latest.json` uses `series`
    /// for the dashboard's list of flagged series).
    pub series_count: usize,
    /// Series assessed.
    pub assessed: usize,
    /// One entry per ICCS level × area level.
    pub families: Vec<FamilySummary>,
    /// Flagged series, most significant first.
    pub flagged: Vec<FlaggedSeries>,
}

/// One family of series, in which Benjamini–Hochberg controls false alarms.
#[derive(Debug, Clone, Serialize)]
pub struct FamilySummary {
    /// ICCS level.
    pub iccs_level: u8,
    /// Area level.
    pub area_level: AreaLevel,
    /// Series in the family.
    pub series: usize,
    /// Assessed.
    pub assessed: usize,
    /// Skipped (too short, empty, …), with the reasons below.
    pub skipped: usize,
    /// Flagged.
    pub flagged: usize,
    /// The most common reasons for skipping, with their counts.
    pub skipped_reasons: Vec<ReasonCount>,
}

/// Why some series were skipped.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonCount {
    /// The reason.
    pub reason: String,
    /// How many series.
    pub series: usize,
}

/// A flagged series: what changed, where, from when, by how much, and a chart.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedSeries {
    /// ICCS level.
    pub iccs_level: u8,
    /// ICCS category.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Area level.
    pub area_level: AreaLevel,
    /// Area code (`_T` national).
    pub area: String,
    /// Area name.
    pub area_name: String,
    /// `rise` or `fall`.
    pub change: &'static str,
    /// First period of the new level, when a level shift was found.
    pub start: Option<String>,
    /// The size of the level shift: new level / old level, with its 95 % interval.
    pub size: Option<ShiftSize>,
    /// The scored periods against the baseline.
    pub scored: ScoredPeriods,
    /// Simes' combination of the alarm and level-shift tests.
    pub p_value: f64,
    /// Benjamini–Hochberg q-value within the family.
    pub q_value: f64,
    /// p-value of the scored periods.
    pub alarm_p: f64,
    /// p-value of the level shift (corrected for the search over starts).
    pub shift_p: f64,
    /// `stl` or `same_season`.
    pub baseline: BaselineMethod,
    /// Variance / mean of the counts around the baseline (1 = Poisson).
    pub dispersion: f64,
    /// One point per period, for a chart.
    pub chart: Vec<ChartPoint>,
}

/// A level shift's size.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ShiftSize {
    /// New level / old level.
    pub ratio: f64,
    /// Lower 95 % limit.
    pub lower: f64,
    /// Upper 95 % limit.
    pub upper: f64,
    /// Extra offences per period since the start (negative for a fall).
    pub extra_per_period: f64,
}

/// The scored periods taken together.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ScoredPeriods {
    /// Offences recorded so far.
    pub observed: f64,
    /// Estimated final count (the nowcast; equal to observed when complete).
    pub estimated: f64,
    /// Expected from the baseline.
    pub expected: f64,
    /// estimated / expected.
    pub ratio: f64,
}

/// One period of a flagged series' chart.
#[derive(Debug, Clone, Serialize)]
pub struct ChartPoint {
    /// Period label.
    pub period: String,
    /// Offences recorded (null where the data have a gap).
    pub observed: Option<f64>,
    /// Baseline expectation (in-sample fit, then forecast over the scored periods).
    pub expected: f64,
    /// Lower limit of the band (95 % by default).
    pub lower: f64,
    /// Upper limit of the band.
    pub upper: f64,
    /// Whether the period is scored.
    pub scored: bool,
    /// Nowcast of the final count, for periods still being recorded.
    pub estimate: Option<NowcastPoint>,
}

/// The nowcast of one period.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NowcastPoint {
    /// Estimated final count.
    pub count: f64,
    /// Lower 95 % limit.
    pub lower: f64,
    /// Upper 95 % limit.
    pub upper: f64,
    /// Share of the final count recorded so far.
    pub share_recorded: f64,
}

/// The label of a date basis in reports.
pub fn date_basis_label(basis: DateBasis) -> &'static str {
    match basis {
        DateBasis::Recorded => "recorded",
        DateBasis::Occurred => "occurred",
    }
}

/// The nowcast settings for a frequency: delays up to a year (12 months, 26
/// weeks beyond which weekly counts are sparse), fitted on the last three years.
pub fn nowcast_config(frequency: SeriesFrequency, max_delay: Option<usize>) -> NowcastConfig {
    let (delay, window) = match frequency {
        SeriesFrequency::Month => (12, 36),
        SeriesFrequency::Week => (26, 156),
    };
    NowcastConfig {
        max_delay: max_delay.unwrap_or(delay),
        window: Some(window),
        level: 0.95,
    }
}

/// Runs early warning over every family of series the request names.
pub async fn trends(engine: &Engine, request: &TrendsRequest) -> Result<TrendsReport> {
    if !(request.fdr > 0.0 && request.fdr < 1.0) {
        return Err(EngineError::InvalidRequest(format!(
            "--fdr {}: expected a rate strictly between 0 and 1 (e.g. 0.05)",
            request.fdr
        )));
    }
    let use_nowcast = request.nowcast && request.date_basis == DateBasis::Occurred;
    let nc = nowcast_config(request.frequency, request.max_delay);
    let set = count_series(
        engine,
        &SeriesRequest {
            frequency: request.frequency,
            date_basis: request.date_basis,
            iccs_levels: request.iccs_levels.clone(),
            area_levels: request.area_levels.clone(),
            category: None,
            from: None,
            until: request.until.clone(),
            max_delay: use_nowcast.then_some(nc.max_delay),
            min_total: 1.0,
        },
    )
    .await?;
    let calendar = set.calendar;
    let mut config = match request.frequency {
        SeriesFrequency::Month => EarlyWarningConfig::monthly(),
        SeriesFrequency::Week => EarlyWarningConfig::weekly(),
    };
    config.direction = request.direction;
    config.fdr = request.fdr;
    if let Some(since) = &request.since {
        let period = request.frequency.parse(since)?;
        let Some(position) = calendar.position(period).filter(|&p| p > 0) else {
            return Err(EngineError::InvalidRequest(format!(
                "--since {}: expected a period after {} and no later than {} (the series run from {} to {})",
                request.frequency.label(period),
                calendar.label(0),
                calendar.label(calendar.len - 1),
                calendar.label(0),
                calendar.label(calendar.len - 1)
            )));
        };
        config.recent = calendar.len - position;
    } else {
        config.recent = config.recent.min(calendar.len.saturating_sub(1)).max(1);
    }
    // Candidate starts of a level shift: from --since on, and at least the default window.
    config.shift_window = config.shift_window.max(config.recent);

    let mut families = Vec::new();
    let mut flagged = Vec::new();
    let mut assessed_total = 0;
    for &iccs_level in &request.iccs_levels {
        for &area_level in &request.area_levels {
            let members: Vec<&CountSeries> = set
                .series
                .iter()
                .filter(|s| s.key.iccs_level == iccs_level && s.key.area_level == area_level)
                .collect();
            let run = run_family(&members, &config, use_nowcast.then_some(&nc))?;
            let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
            let mut assessed = 0;
            for outcome in &run.report.series {
                match outcome {
                    SeriesOutcome::Assessed(_) => assessed += 1,
                    SeriesOutcome::Skipped { reason } => {
                        *reasons.entry(reason.clone()).or_default() += 1;
                    }
                }
            }
            assessed_total += assessed;
            let mut skipped_reasons: Vec<ReasonCount> = reasons
                .into_iter()
                .map(|(reason, series)| ReasonCount { reason, series })
                .collect();
            skipped_reasons.sort_by(|a, b| b.series.cmp(&a.series).then(a.reason.cmp(&b.reason)));
            skipped_reasons.truncate(5);
            families.push(FamilySummary {
                iccs_level,
                area_level,
                series: members.len(),
                assessed,
                skipped: members.len() - assessed,
                flagged: run.report.flagged.len(),
                skipped_reasons,
            });
            for &i in &run.report.flagged {
                if let SeriesOutcome::Assessed(w) = &run.report.series[i] {
                    let nowcast = run.nowcasts.as_ref().and_then(|n| match &n[i] {
                        SeriesDelays::Nowcast { periods } => Some(periods.as_slice()),
                        SeriesDelays::Failed { .. } => None,
                    });
                    flagged.push(flagged_series(members[i], w, nowcast, &set, &config));
                }
            }
        }
    }
    flagged.sort_by(|a, b| {
        a.q_value
            .total_cmp(&b.q_value)
            .then(a.p_value.total_cmp(&b.p_value))
            .then(a.iccs_level.cmp(&b.iccs_level))
            .then(a.code.cmp(&b.code))
            .then(a.area_level.cmp(&b.area_level))
            .then(a.area.cmp(&b.area))
    });
    Ok(TrendsReport {
        frequency: request.frequency,
        date_basis: date_basis_label(request.date_basis),
        nowcast: use_nowcast,
        first_period: calendar.label(0),
        last_period: calendar.label(calendar.len - 1),
        since: calendar.label(calendar.len - config.recent),
        scored_periods: config.recent,
        shift_window: config.shift_window,
        direction: request.direction,
        fdr: request.fdr,
        gaps: set.gaps.iter().map(|&g| calendar.label(g)).collect(),
        series_count: set.series.len(),
        assessed: assessed_total,
        families,
        flagged,
    })
}

/// One family's early-warning result, with the nowcasts when by occurrence.
struct FamilyRun {
    report: EarlyWarningReport,
    nowcasts: Option<Vec<SeriesDelays>>,
}

fn run_family(
    members: &[&CountSeries],
    config: &EarlyWarningConfig,
    nowcast: Option<&NowcastConfig>,
) -> Result<FamilyRun> {
    let counts: Vec<Vec<f64>> = members.iter().map(|s| s.counts.clone()).collect();
    if members.is_empty() {
        return Ok(FamilyRun {
            report: early_warning(&counts, config)?,
            nowcasts: None,
        });
    }
    let Some(nc) = nowcast else {
        return Ok(FamilyRun {
            report: early_warning(&counts, config)?,
            nowcasts: None,
        });
    };
    // One delay distribution per ICCS category, its areas pooled: a district's
    // own triangle is too sparse to estimate one.
    let mut group_of: BTreeMap<&str, usize> = BTreeMap::new();
    let groups: Vec<usize> = members
        .iter()
        .map(|s| {
            let n = group_of.len();
            *group_of.entry(s.key.iccs.as_str()).or_insert(n)
        })
        .collect();
    let triangles: Vec<Vec<Vec<f64>>> = members
        .iter()
        .map(|s| s.triangle.clone().unwrap_or_default())
        .collect();
    let delays = nowcast_by_group(&triangles, &groups, nc)?;
    // A series with no offence in the nowcast's window has nothing still to
    // come (its category has no recent records, e.g. a code no longer used): it
    // is complete as recorded, whatever happened to its group's delay model.
    let window = nc.window.unwrap_or(usize::MAX);
    let complete: Vec<bool> = counts
        .iter()
        .map(|c| {
            c.iter()
                .rev()
                .take(window)
                .all(|v| !v.is_finite() || *v == 0.0)
        })
        .collect();
    let shares: Vec<Vec<f64>> = delays
        .series
        .iter()
        .zip(&counts)
        .zip(&complete)
        .map(|((d, c), &complete)| match d {
            _ if complete => vec![1.0; c.len()],
            SeriesDelays::Nowcast { periods } => periods.iter().map(|p| p.share_reported).collect(),
            // A share of 0 makes the series skipped; the reason is set below.
            SeriesDelays::Failed { .. } => vec![0.0; c.len()],
        })
        .collect();
    let mut report = early_warning_recorded(&counts, &shares, config)?;
    for ((outcome, d), &complete) in report.series.iter_mut().zip(&delays.series).zip(&complete) {
        if let (SeriesDelays::Failed { reason }, false) = (d, complete) {
            *outcome = SeriesOutcome::Skipped {
                reason: format!("nowcast: {reason}"),
            };
        }
    }
    report
        .flagged
        .retain(|&i| matches!(report.series[i], SeriesOutcome::Assessed(_)));
    Ok(FamilyRun {
        report,
        nowcasts: Some(delays.series),
    })
}

/// A finite number, or `fallback` (the stats crate promises finite results; this
/// keeps a NaN out of any report even if that promise were broken).
pub(crate) fn finite(value: f64, fallback: f64) -> f64 {
    if value.is_finite() { value } else { fallback }
}

fn flagged_series(
    series: &CountSeries,
    w: &SeriesWarning,
    nowcast: Option<&[evident_stats::nowcast::NowcastPeriod]>,
    set: &SeriesSet,
    config: &EarlyWarningConfig,
) -> FlaggedSeries {
    let calendar: &Calendar = &set.calendar;
    let key = &series.key;
    let n = w.expected.len();
    let first_scored = n.saturating_sub(config.recent);
    let observed: f64 = w.recent.iter().map(|p| p.observed).sum();
    let expected: f64 = w.recent.iter().map(|p| p.expected).sum();
    let estimated = expected + w.recent_excess;
    // The direction of the evidence that flagged the series.
    let rising = match (w.shift, w.shift_p <= w.alarm_p) {
        (Some(s), true) => s.ratio >= 1.0,
        _ => w.recent_ratio >= 1.0,
    };
    let chart = (0..n)
        .map(|t| {
            let estimate = nowcast
                .and_then(|periods| periods.get(t))
                .filter(|p| p.share_reported < 1.0 - 1e-9)
                .map(|p| NowcastPoint {
                    count: finite(p.estimate, p.reported),
                    lower: finite(p.lower, p.reported),
                    upper: finite(p.upper, p.reported),
                    share_recorded: finite(p.share_reported, 1.0),
                });
            ChartPoint {
                period: calendar.label(t),
                observed: w.observed[t].filter(|v| v.is_finite()),
                expected: finite(w.expected[t], 0.0),
                lower: finite(w.lower[t], 0.0),
                upper: finite(w.upper[t], 0.0),
                scored: t >= first_scored,
                estimate,
            }
        })
        .collect();
    FlaggedSeries {
        iccs_level: key.iccs_level,
        code: key.iccs.clone(),
        name: category_name(&key.iccs),
        area_level: key.area_level,
        area: key.area.clone(),
        area_name: set.areas.name(&key.area),
        change: if rising { "rise" } else { "fall" },
        start: w.shift.map(|s| calendar.label(s.start)),
        size: w.shift.map(|s| ShiftSize {
            ratio: finite(s.ratio, 1.0),
            lower: finite(s.ratio_lower, 0.0),
            upper: finite(s.ratio_upper, f64::MAX),
            extra_per_period: finite(s.extra_per_period, 0.0),
        }),
        scored: ScoredPeriods {
            observed,
            estimated: finite(estimated, observed),
            expected: finite(expected, 0.0),
            ratio: finite(w.recent_ratio, 1.0),
        },
        p_value: finite(w.p_value, 1.0),
        q_value: finite(w.q_value, 1.0),
        alarm_p: finite(w.alarm_p, 1.0),
        shift_p: finite(w.shift_p, 1.0),
        baseline: w.baseline,
        dispersion: finite(w.dispersion, 1.0),
        chart,
    }
}

pub use summary::describe_flag;
