//! Early warning over many count series (offences per area × month or week).
//!
//! For each series:
//!
//! 1. **Seasonal baseline** from the history before the scored periods.
//!    * Long series (at least `stl_min_cycles` full cycles): STL (Cleveland et
//!      al. 1990, see [`crate::stl`] and [`early_warning_stl`]) and forecasting
//!      by decomposition (Hyndman & Athanasopoulos 2021, *Forecasting:
//!      Principles and Practice*, 3rd ed., §5.7): the seasonally adjusted series
//!      is projected from the mean of its last cycle along a least-squares line
//!      fitted to its last five cycles (so steady growth, such as that of fraud,
//!      is not mistaken for an emerging rise); the seasonal part is the same
//!      season averaged over the last three cycles. Series averaging 20 or more
//!      a period are decomposed on the log scale (multiplicative seasonality and
//!      trend).
//!    * Short series: a robust same-season count model in the manner of the
//!      improved Farrington algorithm (Farrington, Andrews, Beale & Catchpole 1996,
//!      "A statistical algorithm for the early detection of outbreaks of infectious
//!      disease", *JRSS A* 159:547–563; Noufaily, Enki, Farrington, Garthwaite,
//!      Andrews & Charlett 2013, "An improved algorithm for outbreak detection in
//!      multiple surveillance systems", *Statistics in Medicine* 32:1206–1222): a
//!      quasi-Poisson log-linear model on all history with a factor for the part
//!      of the cycle (the same-season window around the target and blocks of the
//!      rest of the year), a trend only when there are three cycles or more and
//!      it is significant, and outlying past counts down-weighted by their
//!      Anscombe residuals (threshold 2.58).
//!    * A leading run of zeros that the later level makes implausible
//!      (probability below 1e-6) means the category did not exist yet (an
//!      offence code introduced during the period): the series is assessed from
//!      its first count.
//! 2. **Alarm score**: the tail probability of each scored count, and of their
//!    total, under a *predictive* distribution that includes the error of the
//!    baseline itself and of its estimated overdispersion.
//!    Non-robust STL and the forecast are linear in the history, y ↦ Hy and
//!    y ↦ Wy (found once per history length by decomposing unit vectors), so
//!    with independent counts of variance V(μ) = μ + αμ² (negative binomial,
//!    NB2) the forecast's own error has variance Σₛ W²ₜₛ V(μₛ): the
//!    prediction-error variance of a linear forecast. α is estimated by the
//!    method of moments from the residuals y − Hy, whose variances are
//!    Σₛ (I − H)²ₜₛ V(μₛ) (so the smoother's own degrees of freedom are
//!    accounted for), with ν = tr(M)²/tr(M²), M = (I − H)′(I − H), degrees of
//!    freedom (Satterthwaite 1946, "An approximate distribution of estimates of
//!    variance components", *Biometrics Bulletin* 2:110–114) reduced for the
//!    counts' kurtosis. (For the same-season model the prediction variance is
//!    φ(μ + μ²x′(X′WX)⁻¹x), Farrington et al. 1996, §3.4.) The exact negative
//!    binomial tail is integrated over the estimate's sampling distribution
//!    (see `Predictive`), so small counts and zeros get exact discrete tails
//!    and large, overdispersed counts are not over-confident. The scored periods
//!    and their total (a sustained change of a few counts a period shows only
//!    there) are combined by Simes' test.
//! 3. **Level shift**: a score test, for every candidate start in the last
//!    `shift_window` periods, of a step change in a log-linear model with trend
//!    and seasonality fitted to the whole series, with NB2 variances (a sandwich
//!    around the Poisson fit). Each candidate's tail uses a scaled Poisson with
//!    the score's mean and variance (so that sparse series are not judged by a
//!    normal approximation), widened for the estimated dispersion. The most
//!    extreme candidate is corrected for the search over starts with the
//!    change-point approximation of James, James & Siegmund (1987), capped by
//!    Worsley's (1982) improved Bonferroni bound (see `scan_p_value`). For a
//!    flagged series the start is then located by maximum likelihood and the step
//!    estimated by refitting with it (ratio, interval and extra offences per
//!    period).
//! 4. **False alarms across series**: each series' p-value is Simes'
//!    combination of the two, min(1, 2·min(alarm, shift), max(alarm, shift)), and
//!    the Benjamini–Hochberg procedure over all series flags those with q ≤ `fdr`.
//!
//! **Late recording.** [`early_warning_recorded`] takes, with each count, the
//! share of its final value expected to be recorded already (from a nowcast of
//! the recording delay, see [`crate::nowcast`]): the baseline history uses the
//! counts scaled up by their share, each scored count recorded so far is tested
//! against the *thinned* predictive distribution (a negative binomial thinned by
//! a share q stays negative binomial with mean qμ), and the level-shift model
//! carries log q as an offset. An apparent drop that is only late recording is
//! then not a fall. [`early_warning_nowcast`] does all of it from the
//! occurrence × delay counts.
//!
//! Counts are `f64` so that missing periods can be passed as NaN: missing
//! periods are skipped by the models (and linearly interpolated inside STL's
//! history only). Negative or infinite counts make that series "skipped" with a
//! reason; they never abort the batch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

use crate::StatsError;
use crate::linalg::{Matrix, dot};
use crate::multiple::{benjamini_hochberg, simes};
use crate::nowcast::{NowcastConfig, NowcastPeriod, SeriesDelays, nowcast_by_group};
use crate::regression::{IrlsOptions, irls_weighted};
use crate::special::{
    negative_binomial_cdf, negative_binomial_quantile, negative_binomial_sf_inclusive,
    normal_quantile, owens_t, poisson_cdf, poisson_quantile, poisson_sf_inclusive, t_cdf,
};
use crate::stl::{StlConfig, StlWorkspace, stl_with};

/// Cycles of seasonally adjusted history over which the STL forecast's trend is fitted.
const TREND_CYCLES: usize = 5;

/// Which changes count as alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Only rises (the usual crime early-warning question).
    Increase,
    /// Only falls.
    Decrease,
    /// Either.
    Both,
}

/// Which baseline to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineChoice {
    /// STL when the history has at least `stl_min_cycles` cycles, else same-season.
    Auto,
    /// Always STL (series shorter than two cycles are skipped).
    Stl,
    /// Always the same-season count model.
    SameSeason,
}

/// The baseline a series actually got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineMethod {
    /// STL forecast by decomposition.
    Stl,
    /// Robust same-season quasi-Poisson model.
    SameSeason,
}

/// Settings for [`early_warning`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EarlyWarningConfig {
    /// Periods per seasonal cycle: 12 for months, 52 for weeks.
    pub period: usize,
    /// How many of the latest periods to score (they are kept out of the baseline).
    pub recent: usize,
    /// Baseline choice.
    pub baseline: BaselineChoice,
    /// Full cycles of history needed for STL under `Auto`.
    pub stl_min_cycles: usize,
    /// Half-width of the same-season window (1 month, 3 weeks).
    pub season_window: usize,
    /// False discovery rate across series.
    pub fdr: f64,
    /// Coverage of the chart band, e.g. 0.95.
    pub band_level: f64,
    /// Which direction of change to flag.
    pub direction: Direction,
    /// Candidate level-shift starts lie in the last `shift_window` periods (for
    /// `evident trends --since P`: at least the periods since P).
    pub shift_window: usize,
    /// A level shift needs at least this many periods after its start.
    pub min_after_shift: usize,
}

impl EarlyWarningConfig {
    /// Monthly series: score the last 3 months, look for shifts in the last 24.
    pub fn monthly() -> Self {
        Self {
            period: 12,
            recent: 3,
            baseline: BaselineChoice::Auto,
            stl_min_cycles: 3,
            season_window: 1,
            fdr: 0.05,
            band_level: 0.95,
            direction: Direction::Increase,
            shift_window: 24,
            min_after_shift: 3,
        }
    }

    /// Weekly series: score the last 4 weeks, look for shifts in the last 26.
    pub fn weekly() -> Self {
        Self {
            period: 52,
            recent: 4,
            season_window: 3,
            shift_window: 26,
            min_after_shift: 4,
            ..Self::monthly()
        }
    }

    fn validate(&self) -> Result<(), StatsError> {
        if self.period < 2 {
            return Err(StatsError::InvalidArgument {
                name: "period",
                value: self.period as f64,
                expected: "at least 2",
            });
        }
        if self.recent == 0 {
            return Err(StatsError::InvalidArgument {
                name: "recent",
                value: 0.0,
                expected: "at least one scored period",
            });
        }
        if !(self.fdr > 0.0 && self.fdr < 1.0) {
            return Err(StatsError::InvalidArgument {
                name: "fdr",
                value: self.fdr,
                expected: "a rate strictly between 0 and 1",
            });
        }
        crate::rates::check_level(self.band_level)?;
        if self.stl_min_cycles < 2 {
            return Err(StatsError::InvalidArgument {
                name: "stl_min_cycles",
                value: self.stl_min_cycles as f64,
                expected: "at least 2",
            });
        }
        if self.min_after_shift == 0 {
            return Err(StatsError::InvalidArgument {
                name: "min_after_shift",
                value: 0.0,
                expected: "at least 1",
            });
        }
        Ok(())
    }
}

/// The assessment of one scored period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeriodAlarm {
    /// Position in the series.
    pub index: usize,
    /// Count recorded so far.
    pub observed: f64,
    /// Share of the final count expected to be recorded so far (1 when complete).
    pub share_recorded: f64,
    /// Baseline expectation of the final count.
    pub expected: f64,
    /// P(Y ≥ observed) under the predictive distribution of the recorded count.
    pub upper_tail_p: f64,
    /// P(Y ≤ observed) under the predictive distribution of the recorded count.
    pub lower_tail_p: f64,
}

/// A detected level shift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LevelShift {
    /// First period of the new level (position in the series): located by
    /// maximum likelihood for flagged series, the most extreme score otherwise.
    pub start: usize,
    /// Multiplicative size: new level / old level.
    pub ratio: f64,
    /// Lower limit of the ratio (95 %).
    pub ratio_lower: f64,
    /// Upper limit of the ratio (95 %).
    pub ratio_upper: f64,
    /// Average extra counts per period since the start (negative for a fall).
    pub extra_per_period: f64,
    /// Score statistic at the most extreme candidate start.
    pub z: f64,
    /// p-value corrected for the search over candidate starts.
    pub p_value: f64,
}

/// One series' result, with a chart-ready series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesWarning {
    /// The baseline used.
    pub baseline: BaselineMethod,
    /// Counts as recorded (`None` where missing).
    pub observed: Vec<Option<f64>>,
    /// Share of each period's final count recorded so far (all 1 without a
    /// nowcast); observed / share is the nowcast estimate of the final count.
    pub share_recorded: Vec<f64>,
    /// Expected final counts: in-sample fit over the history, forecast over the scored periods.
    pub expected: Vec<f64>,
    /// Lower band (quantile (1 − band_level)/2 of the count's distribution:
    /// the count model over the history, the predictive distribution, which
    /// includes the forecast's own error, over the scored periods).
    pub lower: Vec<f64>,
    /// Upper band.
    pub upper: Vec<f64>,
    /// Overdispersion at the history's mean level: variance / mean (1 = Poisson).
    pub dispersion: f64,
    /// The scored periods.
    pub recent: Vec<PeriodAlarm>,
    /// Simes-combined p-value of the scored periods and their total, in the
    /// flagged direction.
    pub alarm_p: f64,
    /// The most likely level shift (whether or not significant), if the series allows one.
    pub shift: Option<LevelShift>,
    /// The level-shift p-value (1 when no shift could be tested).
    pub shift_p: f64,
    /// Simes' combination of the two: min(1, 2·min(alarm_p, shift_p), max(alarm_p, shift_p)).
    pub p_value: f64,
    /// Benjamini–Hochberg q-value across all assessed series.
    pub q_value: f64,
    /// q_value ≤ fdr.
    pub flagged: bool,
    /// Change in the scored periods: Σ estimated final − Σ expected.
    pub recent_excess: f64,
    /// Σ estimated final / Σ expected over the scored periods.
    pub recent_ratio: f64,
}

/// A series result: assessed, or skipped with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SeriesOutcome {
    /// The series was assessed.
    Assessed(Box<SeriesWarning>),
    /// The series could not be assessed.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// The result for a batch of series, in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EarlyWarningReport {
    /// One outcome per input series.
    pub series: Vec<SeriesOutcome>,
    /// Positions of the flagged series, most significant first.
    pub flagged: Vec<usize>,
}

/// Runs the early-warning assessment on many series at once (in parallel on
/// the available cores). Series may have different lengths; all share the same
/// calendar position for the last element (the latest period). Every count is
/// taken as complete; see [`early_warning_recorded`] for counts still being recorded.
pub fn early_warning(
    series: &[Vec<f64>],
    config: &EarlyWarningConfig,
) -> Result<EarlyWarningReport, StatsError> {
    run(series, None, config)
}

/// [`early_warning`] for counts that are still being recorded: `shares[i][t]`
/// is the share of period t's final count expected to be recorded so far in
/// series i (1 for complete periods, e.g. `share_reported` of a nowcast), with
/// the same length as `series[i]`. A share outside (0, 1] skips that series.
pub fn early_warning_recorded(
    series: &[Vec<f64>],
    shares: &[Vec<f64>],
    config: &EarlyWarningConfig,
) -> Result<EarlyWarningReport, StatsError> {
    if shares.len() != series.len() {
        return Err(StatsError::LengthMismatch {
            what: "shares (one vector per series)",
            expected: series.len(),
            got: shares.len(),
        });
    }
    for (index, (s, q)) in series.iter().zip(shares).enumerate() {
        if s.len() != q.len() {
            return Err(StatsError::AtIndex {
                index,
                source: Box::new(StatsError::LengthMismatch {
                    what: "shares (one per period)",
                    expected: s.len(),
                    got: q.len(),
                }),
            });
        }
    }
    run(series, Some(shares), config)
}

/// Early warning on counts by occurrence period that are still being recorded.
///
/// `triangles[i][t][d]` is the number of offences of series i that occurred in
/// period t and were recorded d periods later, for the delays observed so far
/// (row t is shorter for recent periods; see [`crate::nowcast::nowcast`]). The
/// last row is the latest occurrence period. Series with the same
/// `delay_groups[i]` share one delay distribution, estimated from their summed
/// triangles (e.g. one group per offence category, pooling the areas, whose
/// own triangles are too sparse). Each series is nowcast with that
/// distribution and assessed by [`early_warning_recorded`].
pub fn early_warning_nowcast(
    triangles: &[Vec<Vec<f64>>],
    delay_groups: &[usize],
    warning: &EarlyWarningConfig,
    nowcast: &NowcastConfig,
) -> Result<NowcastWarningReport, StatsError> {
    warning.validate()?;
    let delays = nowcast_by_group(triangles, delay_groups, nowcast)?;
    let mut counts = Vec::with_capacity(triangles.len());
    let mut shares = Vec::with_capacity(triangles.len());
    for (tri, d) in triangles.iter().zip(&delays.series) {
        let observed: Vec<f64> = tri.iter().map(|row| row.iter().sum()).collect();
        let share: Vec<f64> = match d {
            SeriesDelays::Nowcast { periods } => periods.iter().map(|p| p.share_reported).collect(),
            // A share of 0 skips the series with the group's reason below.
            SeriesDelays::Failed { .. } => vec![0.0; tri.len()],
        };
        counts.push(observed);
        shares.push(share);
    }
    let mut report = run(&counts, Some(&shares), warning)?;
    for (outcome, d) in report.series.iter_mut().zip(&delays.series) {
        if let SeriesDelays::Failed { reason } = d {
            *outcome = SeriesOutcome::Skipped {
                reason: format!("nowcast: {reason}"),
            };
        }
    }
    report
        .flagged
        .retain(|&i| matches!(report.series[i], SeriesOutcome::Assessed(_)));
    Ok(NowcastWarningReport {
        nowcasts: delays.series,
        delay_groups: delays.groups,
        warning: report,
    })
}

/// The result of [`early_warning_nowcast`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NowcastWarningReport {
    /// Per series: the nowcast of each occurrence period (count recorded so far,
    /// estimated final count with its interval, share recorded), or why it failed.
    pub nowcasts: Vec<SeriesDelays>,
    /// Per delay group: the estimated delay distribution.
    pub delay_groups: Vec<crate::nowcast::GroupDelays>,
    /// The early-warning assessment on the nowcast-corrected series.
    pub warning: EarlyWarningReport,
}

impl NowcastWarningReport {
    /// The nowcast periods of series `i` (empty if its nowcast failed).
    pub fn periods(&self, i: usize) -> &[NowcastPeriod] {
        match self.nowcasts.get(i) {
            Some(SeriesDelays::Nowcast { periods }) => periods,
            _ => &[],
        }
    }
}

fn run(
    series: &[Vec<f64>],
    shares: Option<&[Vec<f64>]>,
    config: &EarlyWarningConfig,
) -> Result<EarlyWarningReport, StatsError> {
    config.validate()?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(series.len().max(1));
    let chunk = series.len().div_ceil(threads.max(1)).max(1);
    let cache = OperatorCache::new(config.period);
    let mut outcomes: Vec<SeriesOutcome> = Vec::with_capacity(series.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = series
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let cache = &cache;
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(k, y)| {
                            let q = shares.map(|s| s[c * chunk + k].as_slice());
                            match assess(y, q, config, cache) {
                                Ok(w) => SeriesOutcome::Assessed(Box::new(w)),
                                Err(e) => SeriesOutcome::Skipped {
                                    reason: e.to_string(),
                                },
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for (h, part) in handles.into_iter().zip(series.chunks(chunk)) {
            match h.join() {
                Ok(v) => outcomes.extend(v),
                Err(_) => outcomes.extend(part.iter().map(|_| SeriesOutcome::Skipped {
                    reason: "internal error in a worker thread".into(),
                })),
            }
        }
    });
    // Benjamini–Hochberg across the assessed series.
    let idx: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, SeriesOutcome::Assessed(_)))
        .map(|(i, _)| i)
        .collect();
    let ps: Vec<f64> = idx
        .iter()
        .map(|&i| match &outcomes[i] {
            SeriesOutcome::Assessed(w) => w.p_value,
            SeriesOutcome::Skipped { .. } => 1.0,
        })
        .collect();
    let qs = benjamini_hochberg(&ps)?;
    let mut flagged = Vec::new();
    for (&i, &q) in idx.iter().zip(&qs) {
        if let SeriesOutcome::Assessed(w) = &mut outcomes[i] {
            w.q_value = q;
            w.flagged = q <= config.fdr;
            if w.flagged {
                flagged.push((i, w.p_value));
            }
        }
    }
    flagged.sort_by(|a, b| a.1.total_cmp(&b.1));
    // Locate the flagged shifts' starts by maximum likelihood (see `level_shift`).
    for &(i, _) in &flagged {
        if let SeriesOutcome::Assessed(w) = &mut outcomes[i]
            && w.shift.is_some_and(|s| s.p_value < 0.05)
        {
            let first = structural_start(&series[i], config.recent);
            let q = shares.map(|s| &s[i][first..]);
            if let Ok(Some(mut s)) = level_shift(&series[i][first..], q, config, true) {
                s.start += first;
                w.shift = Some(s);
            }
        }
    }
    Ok(EarlyWarningReport {
        series: outcomes,
        flagged: flagged.into_iter().map(|(i, _)| i).collect(),
    })
}

/// A count distribution given by its mean and variance: negative binomial
/// (NB2, size = μ²/(variance − μ)) when overdispersed, Poisson otherwise.
#[derive(Debug, Clone, Copy)]
struct CountModel {
    mean: f64,
    size: Option<f64>,
}

impl CountModel {
    fn from_moments(mean: f64, variance: f64) -> Self {
        let mean = mean.max(0.0);
        let size = (mean > 0.0 && variance > mean * (1.0 + 1e-9))
            .then(|| mean * mean / (variance - mean))
            .filter(|s| s.is_finite() && *s > 0.0);
        Self { mean, size }
    }

    fn variance(&self) -> f64 {
        self.size
            .map_or(self.mean, |s| self.mean + self.mean * self.mean / s)
    }

    /// P(Y ≥ y) with y rounded up to an integer.
    fn upper_tail(&self, y: f64) -> f64 {
        let k = y.max(0.0).ceil() as u64;
        let p = match self.size {
            Some(s) => negative_binomial_sf_inclusive(k, self.mean, s),
            None => poisson_sf_inclusive(k, self.mean),
        };
        p.unwrap_or(1.0).clamp(0.0, 1.0)
    }

    /// P(Y ≤ y) with y rounded down to an integer.
    fn lower_tail(&self, y: f64) -> f64 {
        let k = y.max(0.0).floor() as u64;
        let p = match self.size {
            Some(s) => negative_binomial_cdf(k, self.mean, s),
            None => poisson_cdf(k, self.mean),
        };
        p.unwrap_or(1.0).clamp(0.0, 1.0)
    }

    fn quantile(&self, p: f64) -> f64 {
        let q = match self.size {
            Some(s) => negative_binomial_quantile(p, self.mean, s),
            None => poisson_quantile(p, self.mean),
        };
        q.map_or(self.mean, |v| v as f64)
    }

    /// The a and 1 − a quantiles in one pass: one exact CDF evaluation about four
    /// standard deviations below the mean, then the probability mass recurrence
    /// p(k+1) = p(k)·(k + r)/(k + 1)·μ/(r + μ) (Poisson: p(k)·μ/(k + 1)) walks
    /// up through both quantiles. Falls back to the exact search if the walk
    /// would be long or loses accuracy.
    fn band(&self, a: f64) -> (f64, f64) {
        let sd = self.variance().sqrt();
        let start = (self.mean - 4.0 * sd).floor().max(0.0) as u64;
        let (cdf, pmf) = match self.size {
            Some(s) => (
                negative_binomial_cdf(start, self.mean, s),
                crate::special::negative_binomial_pmf(start, self.mean, s),
            ),
            None => (
                poisson_cdf(start, self.mean),
                crate::special::poisson_pmf(start, self.mean),
            ),
        };
        let exact = || (self.quantile(a), self.quantile(1.0 - a));
        let (Ok(mut c), Ok(mut f)) = (cdf, pmf) else {
            return exact();
        };
        if (c >= a && start > 0) || f.is_nan() || f <= 1e-250 {
            return exact();
        }
        let limit = start + 64 + (40.0 * sd) as u64;
        let mut k = start;
        // From zero, P(Y ≤ 0) ≥ a means the lower quantile is 0 (small means).
        let mut lower = (c >= a).then_some(start);
        while k < limit {
            if lower.is_none() && c >= a {
                lower = Some(k);
            }
            if c >= 1.0 - a {
                break;
            }
            let kf = k as f64;
            f *= match self.size {
                Some(r) => (kf + r) / (kf + 1.0) * self.mean / (r + self.mean),
                None => self.mean / (kf + 1.0),
            };
            k += 1;
            c += f;
        }
        match lower {
            Some(lo) if c >= 1.0 - a => (lo as f64, k as f64),
            _ => exact(),
        }
    }
}

/// Widens a tail probability computed with an estimated variance, as Student's
/// t widens the normal: the tail p is mapped to its normal deviate z and
/// replaced by P(T_ν ≥ z), with ν = df / w² (Satterthwaite) when a share w of
/// the variance comes from an estimate with `df` degrees of freedom.
fn studentize(p: f64, estimated_share: f64, df: f64) -> f64 {
    if !(estimated_share > 1e-9 && df > 0.0 && p > 0.0 && p < 1.0) {
        return p;
    }
    let nu = df / (estimated_share * estimated_share);
    if nu > 1e7 {
        return p;
    }
    // z = Φ⁻¹(1 − p), so P(T ≥ z) = F_T(−z) keeps precision in the far tail.
    match normal_quantile(p) {
        Ok(minus_z) => t_cdf(minus_z, nu).map_or(p, |v| v.clamp(0.0, 1.0)),
        Err(_) => p,
    }
}

/// How a count's variance depends on its mean μ, given the overdispersion κ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VarianceFunction {
    /// μ + κμ² (negative binomial, NB2; κ = α).
    Nb2,
    /// μ + κμ (quasi-Poisson, variance φμ with κ = φ − 1).
    QuasiPoisson,
}

/// Probabilists' Gauss–Hermite nodes and weights for E f(Z), Z ~ N(0, 1), with
/// 6 points (the physicists' nodes × √2 and weights / √π), positive half.
const GH_Z: [f64; 3] = [
    0.616_706_590_192_594_2,
    1.889_175_877_753_711,
    3.324_257_433_552_119,
];
const GH_W: [f64; 3] = [
    0.408_828_469_556_029_2,
    0.088_615_746_041_914_44,
    0.002_555_784_402_056_241,
];

/// The predictive distribution of one scored count (or of a total): the count
/// model around a mean that is itself only estimated. Given the true mean μ and
/// overdispersion κ the count has variance V(μ; κ); the baseline's forecast f̂
/// estimates μ with error variance a + κb (a relative, log-scale error for
/// multiplicative forecasts), and κ̂ estimates κ with `df` degrees of freedom.
///
/// The tail probability integrates the exact count tail over both:
/// * the true variance θ·(μ + κ̂b) with θ = ν/χ²_ν (the sampling distribution of
///   a variance estimate inverted, as in Student's t, which is exactly this
///   scale mixture for a normal count), i.e. κ = κ̂θ + (θ − 1)μ/b. The residuals
///   estimate the whole variance, so even an estimate κ̂ = 0 is uncertain by
///   about √(2/ν)·μ/b: on small counts κ̂ is far less precise than the total
///   variance. The moment estimate enters before its truncation at 0 (a Poisson
///   series' estimate is as often below 0 as above), and κ itself is kept at 0
///   or more;
/// * on the log scale, the true mean f̂·exp(ε) (log-normal error with mean 1):
///   when the forecast is too low its NB2 variance is too small as well, and a
///   single negative binomial with the total variance made the far tail, where
///   Benjamini–Hochberg works with thousands of series, twice too light. On the
///   count scale (series under 20 a period, where the variance barely depends
///   on the mean) the forecast error is folded into the variance of one
///   negative binomial, a gamma mixture with the same mean.
///
/// The expectation over χ²_ν/ν uses its Wilson–Hilferty (1931) normal
/// approximation; both use 6-point Gauss–Hermite quadrature. This is the
/// predictive distribution of Bayesian forecasting with flat priors, evaluated
/// by quadrature (cf. Höhle & Paul 2008, "Count data regression charts for the
/// monitoring of surveillance time series", *Computational Statistics & Data
/// Analysis* 52:4357–4368, who integrate the same parameter uncertainty by
/// simulation).
#[derive(Debug, Clone, Copy)]
struct Predictive {
    mean: f64,
    /// κ̂, at least 0.
    kappa: f64,
    /// The moment estimate before truncation at 0 (for the sampling distribution).
    kappa_raw: f64,
    /// The count-variance part not scaled by κ, per unit of κ's coefficient, at
    /// the level where κ was estimated (1/μ̄ for NB2, 1 for quasi-Poisson).
    kappa_noise: f64,
    df: f64,
    function: VarianceFunction,
    err_a: f64,
    err_b: f64,
    log_error: bool,
}

impl Predictive {
    /// A Poisson count with a known mean.
    fn poisson(mean: f64) -> Self {
        Self {
            mean,
            kappa: 0.0,
            kappa_raw: 0.0,
            kappa_noise: 0.0,
            df: f64::INFINITY,
            function: VarianceFunction::Nb2,
            err_a: 0.0,
            err_b: 0.0,
            log_error: false,
        }
    }

    fn count_variance(&self, mu: f64, kappa: f64) -> f64 {
        match self.function {
            VarianceFunction::Nb2 => mu + kappa * mu * mu,
            VarianceFunction::QuasiPoisson => mu + kappa * mu,
        }
    }

    /// Variance of the count around the forecast (count model plus the forecast's error).
    fn total_variance(&self) -> f64 {
        let err = self.err_a + self.kappa * self.err_b;
        let err = if self.log_error {
            self.mean * self.mean * err
        } else {
            err
        };
        self.count_variance(self.mean, self.kappa) + err
    }

    /// P(R ≥ y) (upper) or P(R ≤ y) for the count R recorded so far, a share q of Y.
    fn tail(&self, y: f64, q: f64, upper: bool) -> f64 {
        // Thinning keeps the family: mean qμ, variance qμ + q²(V(μ) − μ).
        let at = |mu: f64, kappa: f64, extra: f64| {
            let mu = mu.max(0.0);
            let var = q * mu + q * q * (self.count_variance(mu, kappa) - mu + extra);
            let m = CountModel::from_moments(q * mu, var);
            if upper {
                m.upper_tail(y)
            } else {
                m.lower_tail(y)
            }
        };
        let plug_in = at(
            self.mean,
            self.kappa,
            self.total_variance() - self.count_variance(self.mean, self.kappa),
        );
        let uncertain_mean = self.err_a + self.kappa * self.err_b > 0.0;
        let uncertain_kappa = self.df > 0.0 && self.df.is_finite() && self.kappa_noise > 0.0;
        // Far from the tail the integration barely moves p (and p-values above
        // 0.1 never lead to a flag); keep the cost where it matters.
        if plug_in >= 0.1 || !(uncertain_mean || uncertain_kappa) {
            return plug_in;
        }
        const ONE: [(f64, f64); 1] = [(0.0, 1.0)];
        let six: [(f64, f64); 6] = [
            (-GH_Z[0], GH_W[0]),
            (GH_Z[0], GH_W[0]),
            (-GH_Z[1], GH_W[1]),
            (GH_Z[1], GH_W[1]),
            (-GH_Z[2], GH_W[2]),
            (GH_Z[2], GH_W[2]),
        ];
        let nodes = |on: bool| -> &[(f64, f64)] { if on { &six } else { &ONE } };
        let a = if uncertain_kappa {
            2.0 / (9.0 * self.df)
        } else {
            0.0
        };
        let mut p = 0.0;
        for &(zk, wk) in nodes(uncertain_kappa) {
            let c = (1.0 - a + zk * a.sqrt()).max(0.05);
            let theta = 1.0 / (c * c * c);
            // The residuals estimate the whole variance m + κb, so the true one is
            // θ(m + κ̂b): κ = κ̂θ + (θ − 1)·m/b, at least 0 (no underdispersion).
            let kappa = (self.kappa_raw * theta + (theta - 1.0) * self.kappa_noise).max(0.0);
            let err = (self.err_a + kappa * self.err_b).max(0.0);
            if self.log_error {
                // Multiplicative error: the true mean is f̂·exp(ε), integrated.
                let sd = err.sqrt();
                for &(zm, wm) in nodes(uncertain_mean && sd > 0.0) {
                    let mu = self.mean * (sd * zm - 0.5 * err).exp();
                    p += wk * wm * at(mu, kappa, 0.0);
                }
            } else {
                // Error on the count scale (a linear forecast of small counts, where
                // the count's variance barely depends on the mean): folded into the
                // variance of one negative binomial, a gamma mixture with the same mean.
                p += wk * at(self.mean, kappa, err);
            }
        }
        p.clamp(0.0, 1.0)
    }
}

/// What a baseline gives for every period of a series.
struct Baseline {
    method: BaselineMethod,
    /// Expected final count: in-sample over the history, forecast over the scored periods.
    expected: Vec<f64>,
    /// Variance of a count around `expected` (scored periods: including the
    /// forecast's own error), for the chart band.
    variance: Vec<f64>,
    /// The predictive distribution of each scored period.
    predictive: Vec<Predictive>,
    /// The predictive distribution of the total over the observed scored
    /// periods (when there are two or more), whose forecast errors are correlated.
    total: Option<Predictive>,
    /// Variance / mean at the history's mean level.
    dispersion: f64,
}

fn assess(
    y: &[f64],
    share: Option<&[f64]>,
    config: &EarlyWarningConfig,
    cache: &OperatorCache,
) -> Result<SeriesWarning, StatsError> {
    for (index, &v) in y.iter().enumerate() {
        if v.is_infinite() || v < 0.0 {
            return Err(StatsError::BadValue {
                what: "counts",
                index,
                value: v,
                extra: " ≥ 0 (NaN marks a missing period)",
            });
        }
    }
    if let Some(q) = share {
        for (index, &v) in q.iter().enumerate() {
            if !(v > 0.0 && v <= 1.0) {
                return Err(StatsError::BadValue {
                    what: "shares recorded",
                    index,
                    value: v,
                    extra: " in (0, 1]",
                });
            }
        }
    }
    let n = y.len();
    let recent = config.recent;
    if n < recent + 4 {
        return Err(StatsError::TooFewObservations {
            what: "early warning (history before the scored periods)",
            needed: recent + 4,
            got: n,
        });
    }
    let h = n - recent;
    let observed_history = y[..h].iter().filter(|v| !v.is_nan()).count();
    if observed_history < 4 {
        return Err(StatsError::TooFewObservations {
            what: "early warning (observed history)",
            needed: 4,
            got: observed_history,
        });
    }
    let first = structural_start(y, recent);
    if first > 0 {
        let mut w = assess(&y[first..], share.map(|q| &q[first..]), config, cache)?;
        let pad = |v: &mut Vec<f64>| {
            v.splice(0..0, std::iter::repeat_n(0.0, first));
        };
        pad(&mut w.expected);
        pad(&mut w.lower);
        pad(&mut w.upper);
        w.observed
            .splice(0..0, y[..first].iter().map(|v| (!v.is_nan()).then_some(*v)));
        w.share_recorded
            .splice(0..0, (0..first).map(|t| share.map_or(1.0, |q| q[t])));
        for a in &mut w.recent {
            a.index += first;
        }
        if let Some(sh) = &mut w.shift {
            sh.start += first;
        }
        return Ok(w);
    }
    let q_at = |t: usize| share.map_or(1.0, |q| q[t]);
    // The baseline sees the history on the final-count scale.
    let history: Vec<f64> = (0..h).map(|t| y[t] / q_at(t)).collect();
    let missing_history = h - observed_history;
    let p = config.period;
    let use_stl = match config.baseline {
        BaselineChoice::Stl => true,
        BaselineChoice::SameSeason => false,
        BaselineChoice::Auto => h >= config.stl_min_cycles * p && missing_history * 10 <= h,
    };
    // Offsets of the observed scored periods.
    let scored: Vec<usize> = (h..n).filter(|&t| !y[t].is_nan()).map(|t| t - h).collect();
    let base = if use_stl {
        let op = cache.get(h, recent)?;
        stl_baseline(&history, &op, &scored)
    } else {
        same_season_baseline(&history, n, config, &scored)?
    };
    // Scored periods: the count recorded so far against the thinned predictive distribution.
    let mut recent_alarms = Vec::new();
    let mut ps = Vec::new();
    let (mut sum_est, mut sum_exp) = (0.0, 0.0);
    for t in h..n {
        if y[t].is_nan() {
            continue;
        }
        let q = q_at(t);
        let f = base.expected[t];
        let pred = &base.predictive[t - h];
        let up = if config.direction != Direction::Decrease {
            pred.tail(y[t], q, true)
        } else {
            1.0
        };
        let lo = if config.direction != Direction::Increase {
            pred.tail(y[t], q, false)
        } else {
            1.0
        };
        ps.push(match config.direction {
            Direction::Increase => up,
            Direction::Decrease => lo,
            Direction::Both => (2.0 * up.min(lo)).min(1.0),
        });
        sum_est += y[t] / q;
        sum_exp += f;
        recent_alarms.push(PeriodAlarm {
            index: t,
            observed: y[t],
            share_recorded: q,
            expected: f,
            upper_tail_p: up,
            lower_tail_p: lo,
        });
    }
    // The total over the scored periods: a sustained change of a few counts a
    // period, invisible month by month, shows in the sum. Recorded shares are
    // pooled as the expected-count-weighted mean share.
    if let Some(pred) = &base.total {
        let (mut obs, mut qf, mut f) = (0.0, 0.0, 0.0);
        for a in &recent_alarms {
            obs += a.observed;
            qf += a.share_recorded * a.expected;
            f += a.expected;
        }
        let q = if f > 0.0 { qf / f } else { 1.0 };
        let up = || pred.tail(obs, q, true);
        let lo = || pred.tail(obs, q, false);
        ps.push(match config.direction {
            Direction::Increase => up(),
            Direction::Decrease => lo(),
            Direction::Both => (2.0 * up().min(lo())).min(1.0),
        });
    }
    let alarm_p = simes(&ps)?;
    // Chart band on the final-count scale.
    let a = 0.5 * (1.0 - config.band_level);
    let mut lower = Vec::with_capacity(n);
    let mut upper = Vec::with_capacity(n);
    for (e, v) in base.expected.iter().zip(&base.variance) {
        let (lo, hi) = CountModel::from_moments(*e, *v).band(a);
        lower.push(lo);
        upper.push(hi);
    }
    let shift = level_shift(y, share, config, false).ok().flatten();
    let shift_p = shift.map_or(1.0, |s| s.p_value);
    // Simes (1986) over the two tests: min(2·min, max); valid for the positively
    // dependent alarm and shift p-values, and never above Bonferroni's 2·min.
    let p_value = (2.0 * alarm_p.min(shift_p))
        .min(alarm_p.max(shift_p))
        .min(1.0);
    Ok(SeriesWarning {
        baseline: base.method,
        observed: y.iter().map(|v| (!v.is_nan()).then_some(*v)).collect(),
        share_recorded: (0..n).map(q_at).collect(),
        expected: base.expected,
        lower,
        upper,
        dispersion: base.dispersion,
        recent: recent_alarms,
        alarm_p,
        shift,
        shift_p,
        p_value,
        q_value: 1.0,
        flagged: false,
        recent_excess: sum_est - sum_exp,
        recent_ratio: if sum_exp > 0.0 {
            sum_est / sum_exp
        } else {
            1.0
        },
    })
}

/// Where a series starts: after a leading run of zeros that the later level
/// makes implausible (P(L zeros) = e^(−L·m) < 1e-6 for the later history mean
/// m), the category did not exist yet (e.g. an offence code introduced during
/// the period), and those periods are left out of the models; otherwise 0.
fn structural_start(y: &[f64], recent: usize) -> usize {
    let n = y.len();
    let h = n.saturating_sub(recent);
    let first = y.iter().position(|v| *v > 0.0).unwrap_or(n);
    if first == 0 || first >= h || n - first < recent + 4 {
        return 0;
    }
    let later: Vec<f64> = y[first..h]
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .collect();
    let m = later.iter().sum::<f64>() / later.len().max(1) as f64;
    let zeros = y[..first].iter().filter(|v| **v == 0.0).count() as f64;
    if later.len() >= 4 && zeros * m > 1e-6_f64.ln().abs() {
        first
    } else {
        0
    }
}

/// A floor for expected counts: a fifth of the history's mean count (an additive
/// decomposition can dip below zero on small counts), and at least half an event
/// spread over the observed history, so that a count after a long run of zeros
/// is unusual but not impossible.
fn mean_floor(y: &[f64]) -> f64 {
    let (sum, obs): (f64, f64) = y
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0.0), |(s, n), v| (s + v, n + 1.0));
    (0.5 / obs.max(1.0)).max(0.2 * sum / obs.max(1.0))
}

/// The parts of the forecast of the `horizon` periods after `y` from its STL
/// seasonal component: the seasonally adjusted series a = y − s is projected
/// from the mean of its last cycle (`level[j]` holds that mean plus the
/// seasonal part), optionally along a least-squares line fitted to its last
/// `TREND_CYCLES` cycles (`slope`, times `lag[j]` periods from the last cycle's
/// centre). The seasonal part is the same season averaged over the last (up
/// to) three cycles (the seasonal at the end of each cycle-subseries is a
/// boundary loess value and varies a lot from one cycle to the next). All
/// linear in y.
struct ForecastParts {
    level: Vec<f64>,
    slope: f64,
    lag: Vec<f64>,
}

fn forecast_parts(y: &[f64], seasonal: &[f64], horizon: usize, period: usize) -> ForecastParts {
    let h = y.len();
    let last = period.min(h);
    let mean = (h - last..h).map(|t| y[t] - seasonal[t]).sum::<f64>() / last as f64;
    let centre = (2 * h - last - 1) as f64 / 2.0;
    let len = h.min(TREND_CYCLES * period);
    let t0 = h - len;
    let tbar = (t0 + h - 1) as f64 / 2.0;
    let abar = (t0..h).map(|t| y[t] - seasonal[t]).sum::<f64>() / len as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for t in t0..h {
        let d = t as f64 - tbar;
        sxy += d * (y[t] - seasonal[t] - abar);
        sxx += d * d;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let level = (h..h + horizon)
        .map(|t| {
            let mut s = t;
            while s >= h {
                s -= period;
            }
            let (mut sum, mut k) = (0.0, 0.0);
            let mut u = s as isize;
            while u >= 0 && k < 3.0 {
                sum += seasonal[u as usize];
                k += 1.0;
                u -= period as isize;
            }
            mean + sum / k
        })
        .collect();
    ForecastParts {
        level,
        slope,
        lag: (h..h + horizon).map(|t| t as f64 - centre).collect(),
    }
}

/// The forecast with its trend (see [`forecast_parts`]).
#[cfg(test)]
fn linear_forecast(y: &[f64], seasonal: &[f64], horizon: usize, period: usize) -> Vec<f64> {
    let f = forecast_parts(y, seasonal, horizon, period);
    f.level
        .iter()
        .zip(&f.lag)
        .map(|(l, g)| l + f.slope * g)
        .collect()
}

/// The STL baseline as linear maps of the history: fitted = H·y and
/// forecast = W·y. Non-robust STL is a fixed sequence of loess smoothers and
/// moving averages, so both maps are found once per history length by
/// decomposing the unit vectors, then reused for every series of that length.
struct StlOperator {
    h: usize,
    /// H, row-major h × h.
    fit: Vec<f64>,
    /// Forecasts without the trend, row-major horizon × h.
    level: Vec<f64>,
    /// The trend's slope as weights on the history (h).
    slope: Vec<f64>,
    /// Periods from the last cycle's centre to each forecast period (horizon).
    lag: Vec<f64>,
    /// (I − H)², elementwise: the residual variances' weights.
    resid_sq: Vec<f64>,
    /// H², elementwise: the fitted values' variances' weights.
    fit_sq: Vec<f64>,
    /// Satterthwaite degrees of freedom of the residual sum of squares.
    df: f64,
}

impl StlOperator {
    fn build(h: usize, horizon: usize, period: usize) -> Result<Self, StatsError> {
        let cfg = early_warning_stl(period);
        let mut ws = StlWorkspace::default();
        let mut fit = vec![0.0; h * h];
        let mut level = vec![0.0; horizon * h];
        let mut slope = vec![0.0; h];
        let mut lag = Vec::new();
        let mut e = vec![0.0; h];
        for s in 0..h {
            e[s] = 1.0;
            let d = stl_with(&e, &cfg, &mut ws)?;
            for t in 0..h {
                fit[t * h + s] = d.trend[t] + d.seasonal[t];
            }
            let parts = forecast_parts(&e, &d.seasonal, horizon, period);
            for (j, v) in parts.level.iter().enumerate() {
                level[j * h + s] = *v;
            }
            slope[s] = parts.slope;
            lag = parts.lag;
            e[s] = 0.0;
        }
        let mut r: Vec<f64> = fit.iter().map(|v| -v).collect();
        for t in 0..h {
            r[t * h + t] += 1.0;
        }
        let resid_sq: Vec<f64> = r.iter().map(|v| v * v).collect();
        let fit_sq: Vec<f64> = fit.iter().map(|v| v * v).collect();
        // M = R′R (upper triangle); tr(M) = Σ r², tr(M²) = Σ M²ᵢⱼ.
        let mut m = vec![0.0; h * h];
        for t in 0..h {
            let row = &r[t * h..(t + 1) * h];
            for i in 0..h {
                let ri = row[i];
                if ri == 0.0 {
                    continue;
                }
                for j in i..h {
                    m[i * h + j] += ri * row[j];
                }
            }
        }
        let mut tr = 0.0;
        let mut tr2 = 0.0;
        for i in 0..h {
            tr += m[i * h + i];
            tr2 += m[i * h + i] * m[i * h + i];
            for j in i + 1..h {
                tr2 += 2.0 * m[i * h + j] * m[i * h + j];
            }
        }
        let df = if tr2 > 0.0 { tr * tr / tr2 } else { 0.0 };
        Ok(Self {
            h,
            fit,
            level,
            slope,
            lag,
            resid_sq,
            fit_sq,
            df,
        })
    }
}

type OperatorCell = Arc<OnceLock<Result<Arc<StlOperator>, StatsError>>>;

/// STL operators by (history length, horizon), built once per call and shared by
/// the worker threads (a thread that needs one being built waits for it).
struct OperatorCache {
    period: usize,
    cells: Mutex<HashMap<(usize, usize), OperatorCell>>,
}

impl OperatorCache {
    fn new(period: usize) -> Self {
        Self {
            period,
            cells: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, h: usize, horizon: usize) -> Result<Arc<StlOperator>, StatsError> {
        let cell = {
            let mut map = self.cells.lock().map_err(|_| StatsError::Design {
                reason: "STL operator cache unavailable after a worker failed".into(),
            })?;
            map.entry((h, horizon)).or_default().clone()
        };
        cell.get_or_init(|| StlOperator::build(h, horizon, self.period).map(Arc::new))
            .clone()
    }
}

/// History mean (per period) from which the STL baseline works on the log scale.
const LOG_SCALE_FROM: f64 = 20.0;

/// STL baseline (see the module documentation): expected counts, count and
/// prediction-error variances under V(μ) = μ + αμ², α by moments.
///
/// Series averaging at least `LOG_SCALE_FROM` a period are decomposed on the log
/// scale (multiplicative seasonality and exponential trend, the usual shape of
/// larger crime series: an additive decomposition lags behind a seasonal swing
/// that grows with the level); there the count's log has variance 1/μ + α
/// (delta method) and the forecast is bias-corrected by half that variance.
/// Smaller series, where logs of counts near zero are unusable and absolute
/// seasonal swings are small, are decomposed as they are.
fn stl_baseline(history: &[f64], op: &StlOperator, scored: &[usize]) -> Baseline {
    let h = op.h;
    let horizon = op.lag.len();
    let hist = interpolate_missing(history);
    let floor = mean_floor(history);
    let observed: Vec<usize> = (0..h).filter(|&t| !history[t].is_nan()).collect();
    let mean = observed.iter().map(|&t| history[t]).sum::<f64>() / observed.len().max(1) as f64;
    let log_scale = mean >= LOG_SCALE_FROM;
    let z: Vec<f64> = if log_scale {
        hist.iter().map(|v| v.max(0.5).ln()).collect()
    } else {
        hist.clone()
    };
    let raw: Vec<f64> = (0..h)
        .map(|t| dot(&op.fit[t * h..(t + 1) * h], &z))
        .collect();
    let r2: Vec<f64> = (0..h).map(|t| (z[t] - raw[t]).powi(2)).collect();
    // Per-observation variance on the decomposed scale: a + α·b.
    //   counts: a = μ, b = μ²;   logs: a = 1/μ, b = 1.
    let level = |fit: f64| if log_scale { fit.exp() } else { fit.max(floor) };
    let mu0: Vec<f64> = raw.iter().map(|&v| level(v).max(floor)).collect();
    let (va, vb): (Vec<f64>, Vec<f64>) = if log_scale {
        mu0.iter().map(|m| (1.0 / m, 1.0)).unzip()
    } else {
        mu0.iter().map(|m| (*m, m * m)).unzip()
    };
    // E r²ₜ = Σₛ (I − H)²ₜₛ (aₛ + α bₛ) = m1ₜ + α m2ₜ. On the count scale bₛ = μₛ²
    // is only known through the fitted μ̂ₛ, and E μ̂²ₛ = μ²ₛ + Var μ̂ₛ with
    // Var μ̂ₛ = Σⱼ H²ₛⱼ (μⱼ + αμ²ⱼ) = p1ₛ + α p2ₛ: without that correction α
    // comes out 10–20 % low on small overdispersed counts.
    let mut m1 = vec![0.0; h];
    let mut m2 = vec![0.0; h];
    let (mut m2p1, mut m2p2) = (vec![0.0; h], vec![0.0; h]);
    let (mut p1, mut p2) = (vec![0.0; h], vec![0.0; h]);
    if !log_scale {
        for s in 0..h {
            let row = &op.fit_sq[s * h..(s + 1) * h];
            (p1[s], p2[s]) = dot2(row, &va, &vb);
        }
    }
    for &t in &observed {
        let row = &op.resid_sq[t * h..(t + 1) * h];
        (m1[t], m2[t]) = dot2(row, &va, &vb);
        if !log_scale {
            (m2p1[t], m2p2[t]) = dot2(row, &p1, &p2);
        }
    }
    // Weighted least squares of r² on α·m2 with offset m1; weights 1/Var(r²),
    // Var(r²) ≈ 2v² (+ v for the Poisson fourth moment of raw counts), iterated.
    let mut alpha = 0.0_f64;
    let mut alpha_raw = 0.0_f64;
    for _ in 0..5 {
        let (mut num, mut den) = (0.0, 0.0);
        for &t in &observed {
            let b = (m2[t] - m2p1[t] - alpha * m2p2[t]).max(0.5 * m2[t]);
            let v = (m1[t] + alpha * b).max(1e-12);
            let g = if log_scale {
                1.0 / (2.0 * v * v)
            } else {
                1.0 / (v * (2.0 * v + 1.0))
            };
            num += g * b * (r2[t] - m1[t]);
            den += g * b * b;
        }
        alpha_raw = if den > 0.0 { num / den } else { 0.0 };
        alpha = alpha_raw.max(0.0);
    }
    // Back on the count scale: E ln y ≈ ln μ − (1/μ + α)/2.
    let back = |fit: f64| {
        if log_scale {
            let m = fit.exp();
            (m * (0.5 * (1.0 / m + alpha)).exp()).max(floor)
        } else {
            fit.max(floor)
        }
    };
    let mu: Vec<f64> = raw.iter().map(|&v| back(v)).collect();
    let mean_mu = observed.iter().map(|&t| mu[t]).sum::<f64>() / observed.len().max(1) as f64;
    // Heavy tails make a variance estimate less stable than its normal-theory
    // degrees of freedom say: Var(s²) = σ⁴(2 + γ₂)/ν, so ν_eff = 2ν/(2 + γ₂), with
    // γ₂ the excess kurtosis of a count at the mean level (negative binomial:
    // κ₄/κ₂² with κ₂ = μ + αμ², κ₄ = μ + 7αμ² + 12α²μ³ + 6α³μ⁴) or of its log
    // (≈ 2α, the log-gamma's ψ‴(k)/ψ′(k)² for shape k = 1/α).
    let kurtosis = if log_scale {
        2.0 * alpha
    } else {
        let (m, a) = (mean_mu, alpha);
        let k2 = m + a * m * m;
        (m + 7.0 * a * m * m + 12.0 * a * a * m.powi(3) + 6.0 * a.powi(3) * m.powi(4)) / (k2 * k2)
    };
    let df = op.df * 2.0 / (2.0 + kurtosis);
    let n = h + horizon;
    let mut expected = Vec::with_capacity(n);
    let mut variance = Vec::with_capacity(n);
    for &m in &mu {
        expected.push(m);
        variance.push(m + alpha * m * m);
    }
    // The trend is always extrapolated: dropping it when not significant
    // (Farrington et al. 1996's rule) left growing series with too many alarms
    // in the calibration study; its variance is accounted for instead.
    let weights: Vec<f64> = (0..horizon)
        .flat_map(|j| {
            let g = op.lag[j];
            (0..h).map(move |s| op.level[j * h + s] + g * op.slope[s])
        })
        .collect();
    let mut predictive = Vec::with_capacity(horizon);
    for j in 0..horizon {
        let w = &weights[j * h..(j + 1) * h];
        let f = back(dot(w, &z));
        // Σ W²ₛ aₛ and Σ W²ₛ bₛ: the forecast's own error variance, a + αb, on
        // the decomposed scale (relative error on the log scale).
        let (mut sa, mut sb) = (0.0, 0.0);
        for s in 0..h {
            let w2 = w[s] * w[s];
            sa += w2 * va[s];
            sb += w2 * vb[s];
        }
        let pred = Predictive {
            mean: f,
            kappa: alpha,
            kappa_raw: alpha_raw,
            kappa_noise: 1.0 / mean_mu.max(1e-9),
            df,
            function: VarianceFunction::Nb2,
            err_a: sa,
            err_b: sb,
            log_error: log_scale,
        };
        expected.push(f);
        variance.push(pred.total_variance());
        predictive.push(pred);
    }
    // The total over the scored periods: mean F = Σ fⱼ, count variance
    // F + α Σ f²ⱼ (NB2 in F with κ = α Σf²ⱼ/F²), and forecast error Σⱼ uⱼ·ε with
    // uₛ = Σⱼ cⱼWⱼₛ (cⱼ = fⱼ on the log scale, 1 on the count scale).
    let total = (scored.len() >= 2).then(|| {
        let mut u = vec![0.0; h];
        let (mut fsum, mut f2sum) = (0.0, 0.0);
        for &j in scored {
            let f = expected[h + j];
            fsum += f;
            f2sum += f * f;
            let coef = if log_scale { f } else { 1.0 };
            for (us, w) in u.iter_mut().zip(&weights[j * h..(j + 1) * h]) {
                *us += coef * w;
            }
        }
        let (mut ea, mut eb) = (0.0, 0.0);
        for s in 0..h {
            ea += u[s] * u[s] * va[s];
            eb += u[s] * u[s] * vb[s];
        }
        let r = if fsum > 0.0 {
            f2sum / (fsum * fsum)
        } else {
            1.0
        };
        Predictive {
            mean: fsum,
            kappa: alpha * r,
            kappa_raw: alpha_raw * r,
            kappa_noise: r / mean_mu.max(1e-9),
            df,
            function: VarianceFunction::Nb2,
            err_a: ea,
            err_b: eb / r,
            log_error: false,
        }
    });
    Baseline {
        method: BaselineMethod::Stl,
        expected,
        variance,
        predictive,
        total,
        dispersion: 1.0 + alpha * mean_mu,
    }
}

/// (row·a, row·b) in one pass.
fn dot2(row: &[f64], a: &[f64], b: &[f64]) -> (f64, f64) {
    let (mut x, mut y) = (0.0, 0.0);
    for ((r, u), v) in row.iter().zip(a).zip(b) {
        x += r * u;
        y += r * v;
    }
    (x, y)
}

/// The STL settings used for baselines: a local-constant seasonal smoother
/// (degree 0, as in R's `stl` default, so the seasonal does not extrapolate
/// noise across cycles), seasonal window 7, the smoother jumps the paper
/// recommends (about a tenth of each window, Cleveland et al. 1990, §3.4), no
/// robustness iterations (on small counts the bisquare weights of robust STL
/// zero out whole runs of months and destabilise the seasonal; without them the
/// decomposition is linear in the data, which is what makes the exact
/// prediction-error variance possible). statsmodels accepts the same settings,
/// which is how the benchmark compares the two.
pub fn early_warning_stl(period: usize) -> StlConfig {
    let mut c = StlConfig::new(period, false);
    c.degrees.0 = 0;
    let jump = |w: usize| w.div_ceil(10).max(1);
    c.jumps = (
        jump(c.seasonal),
        jump(c.trend_window()),
        jump(c.low_pass_window()),
    );
    c
}

/// Linear interpolation of NaNs (constant extension at the ends).
fn interpolate_missing(y: &[f64]) -> Vec<f64> {
    let mut out = y.to_vec();
    let known: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan()).collect();
    if known.is_empty() {
        return vec![0.0; y.len()];
    }
    for i in 0..y.len() {
        if !out[i].is_nan() {
            continue;
        }
        let next = known.iter().position(|&k| k > i);
        out[i] = match next {
            None => y[*known.last().unwrap_or(&0)],
            Some(0) => y[known[0]],
            Some(j) => {
                let (a, b) = (known[j - 1], known[j]);
                y[a] + (y[b] - y[a]) * (i - a) as f64 / (b - a) as f64
            }
        };
    }
    out
}

/// Same-season quasi-Poisson baseline over `history` (the first h periods of a
/// series of length n). Fits the model for the last scored period (whose fitted
/// values give the history curve), then predicts each scored period with its own
/// same-season factor and the prediction-error variance φ(μ + μ²x′(X′WX)⁻¹x).
fn same_season_baseline(
    history: &[f64],
    n: usize,
    config: &EarlyWarningConfig,
    scored: &[usize],
) -> Result<Baseline, StatsError> {
    let h = history.len();
    let floor = mean_floor(history);
    let rows: Vec<usize> = (0..h).filter(|&t| !history[t].is_nan()).collect();
    let total: f64 = rows.iter().map(|&t| history[t]).sum();
    let mut expected = vec![floor; n];
    let mut variance = vec![floor; n];
    if total == 0.0 {
        // Nothing ever recorded: a Poisson with the floor's mean.
        return Ok(Baseline {
            method: BaselineMethod::SameSeason,
            expected,
            variance,
            predictive: vec![Predictive::poisson(floor); n - h],
            total: (scored.len() >= 2).then(|| Predictive::poisson(floor * scored.len() as f64)),
            dispersion: 1.0,
        });
    }
    let mut predictive = vec![Predictive::poisson(floor); n - h];
    let mut phi_out = 1.0;
    // Score periods in reverse so the history fit comes from the latest target.
    for (step, target) in (h..n).rev().enumerate() {
        let fit = same_season_fit(history, &rows, target, config)?;
        let f = fit.prediction.max(floor);
        // A prediction below the floor (a season that never saw an offence) is
        // replaced by the floor, a fixed minimum rather than an estimate; and a
        // log-scale variance above 1 (a factor e either way) only reflects an
        // almost empty season, not information.
        let eta_var = if fit.prediction < floor {
            0.0
        } else {
            fit.eta_var.min(1.0)
        };
        // Var(log f̂) = φ·x′(X′WX)⁻¹x = c + (φ − 1)c; count variance φμ = μ + (φ − 1)μ.
        let pred = Predictive {
            mean: f,
            kappa: fit.phi - 1.0,
            kappa_raw: fit.phi - 1.0,
            kappa_noise: 1.0,
            df: fit.df,
            function: VarianceFunction::QuasiPoisson,
            err_a: eta_var,
            err_b: eta_var,
            log_error: true,
        };
        expected[target] = f;
        variance[target] = pred.total_variance();
        predictive[target - h] = pred;
        if step == 0 {
            phi_out = fit.phi;
            for (&t, &m) in rows.iter().zip(&fit.fitted) {
                expected[t] = m.max(floor);
            }
            // Missing history periods: borrow the nearest fitted value.
            for t in 0..h {
                if history[t].is_nan() {
                    let near = rows
                        .iter()
                        .min_by_key(|&&r| r.abs_diff(t))
                        .copied()
                        .unwrap_or(0);
                    expected[t] = expected[near].max(floor);
                }
            }
            for t in 0..h {
                variance[t] = fit.phi * expected[t];
            }
        }
    }
    // The total over the scored periods: each has its own fit, so their
    // forecast errors are taken as perfectly correlated (conservative):
    // error sd Σ fⱼ√(φcⱼ), count variance φΣfⱼ.
    let total = (scored.len() >= 2).then(|| {
        let (mut fsum, mut sd) = (0.0, 0.0);
        let (mut kappa, mut df) = (0.0_f64, f64::INFINITY);
        for &j in scored {
            let pr = &predictive[j];
            fsum += pr.mean;
            sd += pr.mean * pr.err_a.sqrt();
            kappa = kappa.max(pr.kappa);
            df = df.min(pr.df);
        }
        Predictive {
            mean: fsum,
            kappa,
            kappa_raw: kappa,
            kappa_noise: 1.0,
            df,
            function: VarianceFunction::QuasiPoisson,
            err_a: sd * sd,
            err_b: sd * sd,
            log_error: false,
        }
    });
    Ok(Baseline {
        method: BaselineMethod::SameSeason,
        expected,
        variance,
        predictive,
        total,
        dispersion: phi_out,
    })
}

struct SameSeasonFit {
    prediction: f64,
    /// x′(X′WX)⁻¹x at the target: Var(log prediction) / φ.
    eta_var: f64,
    fitted: Vec<f64>,
    phi: f64,
    /// Residual degrees of freedom of φ.
    df: f64,
}

fn season_segment(t: usize, target: usize, period: usize, w: usize) -> usize {
    let d = (target + period * (t / period + 1) - t) % period; // (target − t) mod period
    if d <= w || d + w >= period {
        return 0;
    }
    // The rest of the cycle in blocks of 2w + 1 periods.
    1 + (d - w - 1) / (2 * w + 1)
}

fn same_season_fit(
    y: &[f64],
    rows: &[usize],
    target: usize,
    config: &EarlyWarningConfig,
) -> Result<SameSeasonFit, StatsError> {
    let p = config.period;
    let w = config.season_window.min(p / 2);
    let span = rows.last().map_or(0, |&l| l + 1 - rows[0]);
    // Seasonal segments observed in the history (segment 0 must be one of them).
    let segs: Vec<usize> = rows
        .iter()
        .map(|&t| season_segment(t, target, p, w))
        .collect();
    let mut levels: Vec<usize> = segs.clone();
    levels.sort_unstable();
    levels.dedup();
    let seasonal = span >= p && levels.first() == Some(&0) && levels.len() > 1;
    let mut try_trend = span >= 3 * p;
    loop {
        let mut cols: Vec<Vec<f64>> = vec![vec![1.0; rows.len()]];
        let scale = span.max(1) as f64;
        if try_trend {
            cols.push(rows.iter().map(|&t| t as f64 / scale).collect());
        }
        if seasonal {
            for &l in levels.iter().skip(1) {
                cols.push(
                    segs.iter()
                        .map(|&s| if s == l { 1.0 } else { 0.0 })
                        .collect(),
                );
            }
        }
        let x = Matrix::from_columns(&cols)?;
        let yy: Vec<f64> = rows.iter().map(|&t| y[t]).collect();
        let offset = vec![0.0; rows.len()];
        let k = x.cols();
        if rows.len() <= k {
            if try_trend {
                try_trend = false;
                continue;
            }
            let mean = yy.iter().sum::<f64>() / yy.len() as f64;
            return Ok(SameSeasonFit {
                prediction: mean,
                eta_var: if mean > 0.0 {
                    1.0 / (mean * yy.len() as f64)
                } else {
                    0.0
                },
                fitted: vec![mean; rows.len()],
                phi: 1.0,
                df: yy.len() as f64,
            });
        }
        let opts = IrlsOptions {
            max_iter: 50,
            tol: 1e-8,
        };
        let first = match irls_weighted(&x, &yy, &offset, 0.0, None, None, opts) {
            Ok(s) => s,
            Err(_) if try_trend => {
                try_trend = false;
                continue;
            }
            Err(e) => return Err(e),
        };
        let phi0 = pearson_phi(&yy, &first.mu, None, k);
        // Down-weight outlying past counts by their Anscombe residuals (Noufaily et al. 2013).
        let mut weights = vec![1.0; rows.len()];
        let mut any = false;
        for i in 0..rows.len() {
            let m = first.mu[i];
            let lev = leverage(&x, i, &first.xtwx_inv, m);
            let r = 1.5 * (yy[i].powf(2.0 / 3.0) - m.powf(2.0 / 3.0))
                / (m.powf(1.0 / 6.0) * (phi0 * (1.0 - lev).max(1e-6)).sqrt());
            if r > 2.58 {
                weights[i] = (2.58 / r).powi(2);
                any = true;
            }
        }
        let total_w: f64 = weights.iter().sum();
        let norm = rows.len() as f64 / total_w;
        weights.iter_mut().for_each(|v| *v *= norm);
        let fit = if any {
            irls_weighted(
                &x,
                &yy,
                &offset,
                0.0,
                Some(&weights),
                Some(&first.coef),
                opts,
            )
            .unwrap_or(first)
        } else {
            first
        };
        let phi = pearson_phi(&yy, &fit.mu, Some(&weights), k);
        // Predict for the target: same-season segment (the reference level), trend at target.
        let mut xt = vec![1.0];
        if try_trend {
            xt.push(target as f64 / scale);
        }
        if seasonal {
            xt.extend(std::iter::repeat_n(0.0, levels.len() - 1));
        }
        let eta: f64 = xt.iter().zip(&fit.coef).map(|(a, b)| a * b).sum();
        let prediction = eta.exp();
        if try_trend {
            // Farrington's rule: keep the trend only if significant and if the
            // prediction does not exceed every reference count.
            let se = (fit.xtwx_inv[(1, 1)] * phi).sqrt();
            let z = fit.coef[1] / se;
            let max_ref = yy.iter().cloned().fold(0.0, f64::max);
            if z.abs() < 1.959_963_984_540_054 || prediction > max_ref || !prediction.is_finite() {
                try_trend = false;
                continue;
            }
        }
        if !prediction.is_finite() {
            return Err(StatsError::NoConvergence {
                what: "same-season baseline",
                iterations: opts.max_iter,
            });
        }
        let mut eta_var = 0.0;
        for a in 0..k {
            for b in 0..k {
                eta_var += xt[a] * fit.xtwx_inv[(a, b)] * xt[b];
            }
        }
        return Ok(SameSeasonFit {
            prediction,
            eta_var: eta_var.max(0.0),
            fitted: fit.mu,
            phi,
            df: (rows.len() - k) as f64,
        });
    }
}

fn leverage(x: &Matrix, i: usize, xtwx_inv: &Matrix, mu: f64) -> f64 {
    let r = x.row(i);
    let k = r.len();
    let mut s = 0.0;
    for a in 0..k {
        for b in 0..k {
            s += r[a] * xtwx_inv[(a, b)] * r[b];
        }
    }
    mu * s
}

fn pearson_phi(y: &[f64], mu: &[f64], w: Option<&[f64]>, k: usize) -> f64 {
    let n = y.len();
    if n <= k {
        return 1.0;
    }
    let s: f64 = (0..n)
        .map(|i| w.map_or(1.0, |w| w[i]) * (y[i] - mu[i]).powi(2) / mu[i].max(1e-12))
        .sum();
    (s / (n - k) as f64).max(1.0)
}

/// Seasonal design columns for period `p` at time t: month dummies (p ≤ 12) or
/// three Fourier harmonics (longer periods, e.g. weeks).
fn seasonal_columns(t: usize, p: usize, out: &mut Vec<f64>) {
    if p <= 12 {
        for s in 1..p {
            out.push(if t % p == s { 1.0 } else { 0.0 });
        }
    } else {
        for k in 1..=3 {
            let a = 2.0 * std::f64::consts::PI * k as f64 * t as f64 / p as f64;
            out.push(a.sin());
            out.push(a.cos());
        }
    }
}

/// The p-value of the most extreme of a scan of correlated score statistics,
/// from the smallest single tail p* and the correlations ρᵢ of neighbouring
/// statistics.
///
/// For these strongly correlated scores (ρ ≈ 0.9–0.99) the approximation of
/// James, James & Siegmund (1987, "Tests for a change-point", *Biometrika*
/// 74:71–83), in its discrete form P(max Zᵢ > z) ≈ Q(z) + zφ(z)Σλᵢν(z√(2λᵢ)),
/// λᵢ = 1 − ρᵢ, is accurate; ν is Siegmund's overshoot correction
/// ν(x) ≈ (2/x)(Φ(x/2) − ½)/((x/2)Φ(x/2) + φ(x/2)) (Siegmund & Yakir 2007,
/// *The Statistics of Gene Mapping*, eq. 4.35). It is capped by Worsley's
/// (1982, "An improved Bonferroni inequality and applications", *Biometrika*
/// 69:297–302) upper bound ΣP(Aᵢ) − ΣP(Aᵢ ∩ Aᵢ₊₁), with the pair probabilities
/// of the bivariate normal Q(z) − 2T(z, √((1 − ρ)/(1 + ρ))) (Owen 1956), which
/// counts a re-crossing of the threshold as a new exceedance and so is about
/// twice too large here (measured: `bench/early-warning`), and by Bonferroni.
fn scan_p_value(p_star: f64, rhos: &[f64], two_sided: bool) -> f64 {
    let k = rhos.len() + 1;
    let tail = if two_sided { 0.5 * p_star } else { p_star };
    let z = normal_quantile(tail.clamp(1e-300, 1.0)).map_or(0.0, |q| -q);
    let z = if z.is_finite() { z } else { 40.0 };
    let sides = if two_sided { 2.0 } else { 1.0 };
    let mut worsley = p_star;
    let mut crossings = 0.0;
    let mut independent = 0.0;
    for &rho in rhos {
        if rho > 0.0 && rho < 1.0 {
            worsley += 2.0 * sides * owens_t(z, ((1.0 - rho) / (1.0 + rho)).sqrt());
            let lambda = 1.0 - rho;
            crossings += lambda * overshoot(z * (2.0 * lambda).sqrt());
        } else if rho <= 0.0 {
            worsley += p_star;
            independent += p_star;
        }
    }
    let phi_z = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let approx = if z > 0.0 {
        p_star + sides * z * phi_z * crossings + independent
    } else {
        1.0
    };
    approx
        .min(worsley)
        .min(p_star * k as f64)
        .clamp(p_star, 1.0)
}

/// Siegmund's overshoot correction ν(x) for a discretely observed process.
fn overshoot(x: f64) -> f64 {
    if x < 1e-8 {
        return 1.0;
    }
    let h = 0.5 * x;
    let big_phi = crate::special::normal_cdf(h);
    let small_phi = (-0.5 * h * h).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (2.0 / x) * (big_phi - 0.5) / (h * big_phi + small_phi)
}

/// One candidate start of the level-shift scan.
struct Candidate {
    start: usize,
    /// Score statistic u/√var.
    z: f64,
    /// Observed and expected counts from the start on, and the score's variance.
    observed: f64,
    expected: f64,
    variance: f64,
    /// Share of the variance resting on the estimated overdispersion.
    estimated_share: f64,
}

/// Score test for a step change; see the module documentation. With
/// `relocate`, a significant shift's start is moved to the maximum-likelihood
/// start among the candidates (a refit per candidate, so the batch does it only
/// for flagged series).
fn level_shift(
    y: &[f64],
    share: Option<&[f64]>,
    config: &EarlyWarningConfig,
    relocate: bool,
) -> Result<Option<LevelShift>, StatsError> {
    let n = y.len();
    let p = config.period;
    let rows: Vec<usize> = (0..n).filter(|&t| !y[t].is_nan()).collect();
    let last = n.saturating_sub(config.min_after_shift);
    let first = n
        .saturating_sub(config.shift_window)
        .max(config.min_after_shift)
        .max(2);
    if first > last || rows.len() < 8 {
        return Ok(None);
    }
    // Seasonal terms need two cycles and enough counts to estimate them (about
    // five per term); sparse series get a level and a trend only, which also keeps
    // the fit finite when a month never saw an offence.
    let total: f64 = rows.iter().map(|&t| y[t]).sum();
    let season_terms = if p <= 12 { p - 1 } else { 6 };
    let seasonal = n >= 2 * p && total >= 5.0 * season_terms as f64;
    let design_row = |t: usize, step: Option<usize>| {
        let mut r = vec![1.0, t as f64 / n as f64];
        if seasonal {
            seasonal_columns(t, p, &mut r);
        }
        if let Some(s) = step {
            r.push(if t >= s { 1.0 } else { 0.0 });
        }
        r
    };
    let x0 = Matrix::from_rows(
        &rows
            .iter()
            .map(|&t| design_row(t, None))
            .collect::<Vec<_>>(),
    )?;
    let yy: Vec<f64> = rows.iter().map(|&t| y[t]).collect();
    if yy.iter().all(|v| *v == 0.0) || rows.len() <= x0.cols() + 2 {
        return Ok(None);
    }
    // Counts still being recorded: E(recorded) = share × E(final), a log offset.
    let offset: Vec<f64> = rows
        .iter()
        .map(|&t| share.map_or(0.0, |q| q[t].ln()))
        .collect();
    let opts = IrlsOptions {
        max_iter: 50,
        tol: 1e-9,
    };
    let null = irls_weighted(&x0, &yy, &offset, 0.0, None, None, opts)?;
    let k = x0.cols();
    let m = rows.len();
    let df = (m - k) as f64;
    // Count variance V = μ + αμ² (NB2), α by moments from the Pearson residuals
    // (Σ(y − μ̂)² ≈ (m − k)/m · Σ V): a single quasi-Poisson φ would understate
    // the variance of the larger counts, e.g. at the end of a rising series.
    let (mut ss, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for (yv, mv) in yy.iter().zip(&null.mu) {
        ss += (yv - mv).powi(2);
        s1 += mv;
        s2 += mv * mv;
    }
    let alpha = if s2 > 0.0 {
        ((ss * m as f64 / df - s1) / s2).max(0.0)
    } else {
        0.0
    };
    let var_t: Vec<f64> = null.mu.iter().map(|mv| mv + alpha * mv * mv).collect();
    // x′ₜ(X′WX)⁻¹ for every row, so that each candidate's projection is cheap.
    let xw: Vec<Vec<f64>> = (0..m)
        .map(|i| null.xtwx_inv.matvec(x0.row(i)))
        .collect::<Result<_, _>>()?;
    // Scan the starts from the end, with running sums over t ≥ τ: observed s,
    // expected v = Σμ, c = Σμx. The score u = s − v is a′(y − μ) with
    // aₜ = 1[t ≥ τ] − xₜ′(X′WX)⁻¹c (the Poisson fit's projection), so
    // Var(u) = Σ a²ₜVₜ and neighbouring scores have covariance Σ aₜa′ₜVₜ.
    let mut cands: Vec<Candidate> = Vec::new();
    let mut rhos: Vec<f64> = Vec::new();
    let mut a = vec![0.0; m];
    let mut prev_a = vec![0.0; m];
    let mut prev_var = 0.0;
    let (mut s_obs, mut v) = (0.0, 0.0);
    let mut c = vec![0.0; k];
    let mut ri = m;
    for tau in (first..=last).rev() {
        while ri > 0 && rows[ri - 1] >= tau {
            ri -= 1;
            let mu = null.mu[ri];
            s_obs += yy[ri];
            v += mu;
            for (cj, xj) in c.iter_mut().zip(x0.row(ri)) {
                *cj += mu * xj;
            }
        }
        if v <= 0.0 || ri == 0 {
            continue;
        }
        let (mut var, mut var_est) = (0.0, 0.0);
        for i in 0..m {
            a[i] = f64::from(u8::from(i >= ri)) - dot(&xw[i], &c);
            let a2 = a[i] * a[i];
            var += a2 * var_t[i];
            var_est += a2 * alpha * null.mu[i] * null.mu[i];
        }
        if var <= 1e-9 * v {
            continue;
        }
        if !cands.is_empty() {
            let cov: f64 = (0..m).map(|i| prev_a[i] * a[i] * var_t[i]).sum();
            rhos.push((cov / (prev_var * var).sqrt()).clamp(-1.0, 1.0));
        }
        std::mem::swap(&mut a, &mut prev_a);
        prev_var = var;
        cands.push(Candidate {
            start: tau,
            z: (s_obs - v) / var.sqrt(),
            observed: s_obs,
            expected: v,
            variance: var,
            estimated_share: var_est / var,
        });
    }
    if cands.is_empty() {
        return Ok(None);
    }
    // Each candidate's tail: a scaled Poisson with the score's mean and variance,
    // S ≈ κ·Poisson(v/κ), so that sparse series are not judged by a normal
    // approximation, widened for the estimated α. Only candidates whose score is
    // near the most extreme one can hold the smallest tail.
    let tail = |cand: &Candidate, upper: bool| {
        let kappa = cand.variance / cand.expected;
        let lam = cand.expected / kappa;
        let raw = if upper {
            let kk = (cand.observed / kappa - 1e-9).ceil().max(0.0) as u64;
            poisson_sf_inclusive(kk, lam)
        } else {
            let kk = (cand.observed / kappa + 1e-9).floor().max(0.0) as u64;
            poisson_cdf(kk, lam)
        };
        studentize(raw.unwrap_or(1.0), cand.estimated_share, df)
    };
    let p_of = |cand: &Candidate| match config.direction {
        Direction::Increase => tail(cand, true),
        Direction::Decrease => tail(cand, false),
        Direction::Both => (2.0 * tail(cand, true).min(tail(cand, false))).min(1.0),
    };
    let signed = |z: f64| match config.direction {
        Direction::Increase => z,
        Direction::Decrease => -z,
        Direction::Both => z.abs(),
    };
    let top = cands
        .iter()
        .map(|cd| signed(cd.z))
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut best, mut p_star) = (0usize, f64::INFINITY);
    for (i, cd) in cands.iter().enumerate() {
        if signed(cd.z) >= top - 1.0 {
            let pt = p_of(cd);
            if pt < p_star {
                best = i;
                p_star = pt;
            }
        }
    }
    let p_value = scan_p_value(p_star, &rhos, config.direction == Direction::Both);
    let mut start = cands[best].start;
    let z = cands[best].z;
    let fit_at = |s: usize, start_coef: Option<&[f64]>| {
        let x1 = Matrix::from_rows(
            &rows
                .iter()
                .map(|&t| design_row(t, Some(s)))
                .collect::<Vec<_>>(),
        )?;
        irls_weighted(&x1, &yy, &offset, 0.0, None, start_coef, opts)
    };
    // The score statistic's argmax is a biased estimate of where the change
    // starts (the null fit's trend absorbs part of it). When there is evidence
    // of a shift, locate it by maximum likelihood over the candidates instead.
    if relocate && p_value < 0.05 {
        let mut warm = null.coef.clone();
        warm.push(0.0);
        let mut best_ll = f64::NEG_INFINITY;
        for s in first..=last {
            let Ok(f) = fit_at(s, Some(&warm)) else {
                continue;
            };
            let d = f.coef[k];
            let right_way = match config.direction {
                Direction::Increase => d > 0.0,
                Direction::Decrease => d < 0.0,
                Direction::Both => true,
            };
            let ll: f64 = yy
                .iter()
                .zip(&f.mu)
                .map(|(y, m)| if *y > 0.0 { y * m.ln() } else { 0.0 } - m)
                .sum();
            if right_way && ll > best_ll {
                best_ll = ll;
                start = s;
            }
        }
    }
    // Estimate the step at the chosen start.
    let mut warm = null.coef.clone();
    warm.push(0.0);
    let alt = fit_at(start, Some(&warm))?;
    let phi1 = pearson_phi(&yy, &alt.mu, None, k + 1);
    let delta = alt.coef[k];
    let se = (alt.xtwx_inv[(k, k)] * phi1).sqrt();
    let zc = normal_quantile(0.975)?;
    let (mut extra, mut count) = (0.0, 0.0);
    for (i, &t) in rows.iter().enumerate() {
        if t >= start {
            // On the final-count scale.
            extra += alt.mu[i] / share.map_or(1.0, |q| q[t]) * (1.0 - (-delta).exp());
            count += 1.0;
        }
    }
    if !(delta.is_finite() && se.is_finite()) {
        return Ok(None);
    }
    Ok(Some(LevelShift {
        start,
        ratio: delta.exp(),
        ratio_lower: (delta - zc * se).exp(),
        ratio_upper: (delta + zc * se).exp(),
        extra_per_period: if count > 0.0 { extra / count } else { 0.0 },
        z,
        p_value,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stl_operator_reproduces_the_decomposition() {
        // Linearity of non-robust STL: H·y equals trend + seasonal of y.
        let y: Vec<f64> = (0..60)
            .map(|t| 20.0 + (t % 12) as f64 + ((t * 7919) % 13) as f64 * 0.5)
            .collect();
        let op = StlOperator::build(60, 3, 12).unwrap();
        let d = crate::stl::stl(&y, &early_warning_stl(12)).unwrap();
        for t in 0..60 {
            let fit = dot(&op.fit[t * 60..(t + 1) * 60], &y);
            assert!((fit - d.trend[t] - d.seasonal[t]).abs() < 1e-9);
        }
        let f = linear_forecast(&y, &d.seasonal, 3, 12);
        for (j, fj) in f.iter().enumerate() {
            let w: Vec<f64> = (0..60)
                .map(|s| op.level[j * 60 + s] + op.lag[j] * op.slope[s])
                .collect();
            assert!((dot(&w, &y) - fj).abs() < 1e-9);
        }
        assert!(op.df > 20.0 && op.df < 60.0, "df {}", op.df);
    }

    #[test]
    fn linear_forecast_by_hand() {
        // No seasonal component, y = 2t over 24 periods (period 12): the last
        // cycle's mean is 2·17.5 = 35 at its centre t = 17.5, the slope 2, so the
        // forecasts for t = 24, 25 are 35 + 2·6.5 = 48 and 50.
        let y: Vec<f64> = (0..24).map(|t| 2.0 * t as f64).collect();
        let f = linear_forecast(&y, &[0.0; 24], 2, 12);
        assert!((f[0] - 48.0).abs() < 1e-12 && (f[1] - 50.0).abs() < 1e-12);
    }

    #[test]
    fn scan_p_value_by_hand() {
        // ν(0) = 1; ν(0.7371) = (2/0.7371)(Φ(0.36855) − ½)/(0.36855·Φ(0.36855)
        // + φ(0.36855)) = 0.639486 (scipy.stats.norm, computed by hand).
        assert!((overshoot(0.0) - 1.0).abs() < 1e-12);
        assert!((overshoot(0.7371) - 0.639_486).abs() < 1e-6);
        // 21 neighbours at ρ = 0.95 and p* = Q(2.326348) = 0.01: λ = 0.05,
        // z√(2λ) = 0.735656, ν = 0.640029, zφ(z) = 0.062002, so
        // p ≈ 0.01 + 0.062002·21·0.05·0.640029 = 0.051667 (Bonferroni: 0.22);
        // a simulated scan of this kind exceeded the threshold in 5.0 % of runs.
        let p = scan_p_value(0.01, &[0.95; 21], false);
        assert!((p - 0.051_667).abs() < 1e-5, "{p}");
        // Independent candidates (ρ = 0) fall back to Bonferroni.
        assert!((scan_p_value(0.01, &[0.0; 3], false) - 0.04).abs() < 1e-12);
    }

    #[test]
    fn studentize_matches_the_t_tail() {
        // All the variance estimated (w = 1) with 10 df: a normal tail of
        // Q(2.5) = 0.00621 becomes P(T₁₀ ≥ 2.5) = 0.015723 (scipy.stats.t.sf(2.5, 10)
        // = 0.01572342211830441).
        let p = crate::special::normal_sf(2.5);
        assert!((studentize(p, 1.0, 10.0) - 0.015_723_422_118_304_41).abs() < 1e-12);
        assert_eq!(studentize(p, 0.0, 10.0), p);
        // w = ½ quadruples the degrees of freedom.
        let want = t_cdf(-2.5, 40.0).unwrap();
        assert!((studentize(p, 0.5, 10.0) - want).abs() < 1e-12);
    }
}
