//! Programme evaluation on the store: did the offences a programme targets fall
//! in the areas that had it, compared with what they would otherwise have been?
//!
//! [`evaluation_data`] reads the monthly district series of the outcome (one
//! ICCS category) with the population, and [`analyse`] runs the chosen methods
//! of `evident_stats::evaluation` on them:
//!
//! * **Interrupted time series** on the treated areas' combined monthly count
//!   (population as offset, month-of-year indicators, Newey–West standard errors
//!   floored by the quasi-Poisson ones; Bernal, Cummins & Gasparrini 2017).
//! * **Difference-in-differences** on the district panel: two-way fixed effects
//!   with standard errors clustered by district (Bertrand, Duflo & Mullainathan
//!   2004), an event study of leads and lags to check parallel trends, and the
//!   Callaway & Sant'Anna (2021) estimator, which is the headline when areas
//!   started at different dates.
//! * **Synthetic control** for the treated areas combined, with weights over
//!   untreated areas and placebo-in-space inference (Abadie, Diamond &
//!   Hainmueller 2010; interval by test inversion, Firpo & Possebom 2018).
//!
//! **The outcome of the panel methods** is each area's monthly rate (per
//! 100,000 residents; counts when the population is not known for every area)
//! divided by its own mean rate before the programme's first start. Crime moves
//! multiplicatively (a trend of −4 % a year, a season of ±15 %), so rates of
//! areas at different levels are not parallel on the additive scale that two-way
//! fixed effects assume, while areas indexed to a common pre-period are: the
//! index of every area follows the common trend and season, and a programme
//! lowering crime by 25 % lowers the treated areas' index by a quarter of its
//! counterfactual level whatever their size. Areas with no offence of the
//! outcome before the programme have no index and are left out (reported).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use evident_stats::evaluation::{
    Caveat, CountFamily, DidResult, Effect, EventStudyResult, ItsInput, ItsResult, Panel,
    Seasonality, StaggeredResult, SyntheticControlResult, difference_in_differences, event_study,
    interrupted_time_series, staggered_did, synthetic_control,
};
use evident_stats::nowcast::nowcast;
use serde::Serialize;

use super::summary;
use super::{date_basis_label, finite, nowcast_config};
use crate::error::{EngineError, Result};
use crate::indicators::Population;
use crate::request::DateBasis;
use crate::series::{
    AreaLevel, Areas, Calendar, SeriesFrequency, SeriesRequest, category_level, category_name,
    count_series,
};
use crate::session::Engine;

/// Residents per rate unit.
const PER: f64 = 100_000.0;
/// By occurrence, trailing months with less than this share of their final
/// count recorded are left out of an evaluation.
const COMPLETE_SHARE: f64 = 0.98;

/// An evaluation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationMethod {
    /// Interrupted time series.
    Its,
    /// Difference-in-differences (with event study and staggered adoption).
    Did,
    /// Synthetic control.
    Synth,
}

impl EvaluationMethod {
    /// Every method, in report order.
    pub const ALL: [EvaluationMethod; 3] = [
        EvaluationMethod::Its,
        EvaluationMethod::Did,
        EvaluationMethod::Synth,
    ];

    /// The method's name for people.
    pub fn title(self) -> &'static str {
        match self {
            EvaluationMethod::Its => "Interrupted time series",
            EvaluationMethod::Did => "Difference-in-differences",
            EvaluationMethod::Synth => "Synthetic control",
        }
    }
}

impl std::str::FromStr for EvaluationMethod {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<EvaluationMethod> {
        match s {
            "its" => Ok(EvaluationMethod::Its),
            "did" => Ok(EvaluationMethod::Did),
            "synth" => Ok(EvaluationMethod::Synth),
            _ => Err(EngineError::InvalidRequest(format!(
                "unknown method {s:?}: expected its, did or synth"
            ))),
        }
    }
}

/// Which untreated areas a synthetic control is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DonorPool {
    /// The untreated districts of each region combined: one donor per region
    /// (district series of a few offences a month are mostly noise, which a
    /// synthetic control would fit instead of the signal).
    #[default]
    Regions,
    /// Every untreated district.
    Districts,
}

/// An area under the programme, with its own start date if it differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreatedArea {
    /// A district, or a region (all its districts).
    pub code: String,
    /// First day (or month) under the programme; `None`: the request's start.
    pub start: Option<String>,
}

impl std::str::FromStr for TreatedArea {
    type Err = EngineError;
    /// `CODE` or `CODE@START` (`01001@2022-04-01`).
    fn from_str(s: &str) -> Result<TreatedArea> {
        let (code, start) = match s.split_once('@') {
            Some((c, d)) => (c.trim(), Some(d.trim().to_owned())),
            None => (s.trim(), None),
        };
        if code.is_empty() {
            return Err(EngineError::InvalidRequest(format!(
                "{s:?}: expected an area code, optionally with @START"
            )));
        }
        Ok(TreatedArea {
            code: code.to_owned(),
            start,
        })
    }
}

/// What to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRequest {
    /// ICCS category of the offences the programme targets.
    pub outcome: String,
    /// The treated areas.
    pub treated: Vec<TreatedArea>,
    /// The programme's start for areas without their own (date or month; the
    /// month that contains the date is the first month under the programme).
    pub start: Option<String>,
    /// Methods to run.
    pub methods: Vec<EvaluationMethod>,
    /// Recording or occurrence date.
    pub date_basis: DateBasis,
    /// First month used (default: the first month of data).
    pub from: Option<String>,
    /// Last month used (default: the latest complete month).
    pub until: Option<String>,
    /// Interval level.
    pub level: f64,
    /// Donors of the synthetic control.
    pub donors: DonorPool,
}

impl EvaluationRequest {
    /// All three methods by recording date, 95 % intervals.
    pub fn new(outcome: &str, treated: Vec<TreatedArea>, start: &str) -> EvaluationRequest {
        EvaluationRequest {
            outcome: outcome.to_owned(),
            treated,
            start: Some(start.to_owned()),
            methods: EvaluationMethod::ALL.to_vec(),
            date_basis: DateBasis::Recorded,
            from: None,
            until: None,
            level: 0.95,
            donors: DonorPool::Regions,
        }
    }
}

/// The monthly district series an evaluation runs on.
#[derive(Debug, Clone)]
pub struct EvaluationData {
    /// ICCS category.
    pub outcome: String,
    /// Recording or occurrence date.
    pub date_basis: DateBasis,
    /// The months.
    pub calendar: Calendar,
    /// Every district with offences in the store, sorted.
    pub districts: Vec<String>,
    /// Offences of the outcome per district and month (`NaN` in data gaps).
    pub counts: Vec<Vec<f64>>,
    /// Residents per district and month (the year's figure), when known for all.
    pub population: Option<Vec<Vec<f64>>>,
    /// First month under the programme (position), per district.
    pub treated_from: Vec<Option<usize>>,
    /// The area codelist.
    pub areas: Areas,
    /// What the data preparation left out or assumed.
    pub notes: Vec<String>,
}

/// Reads the outcome's monthly district series and resolves the treated areas.
pub async fn evaluation_data(
    engine: &Engine,
    request: &EvaluationRequest,
) -> Result<EvaluationData> {
    let level = category_level(&request.outcome)
        .filter(|_| !request.outcome.contains('_'))
        .ok_or_else(|| {
            EngineError::InvalidRequest(format!(
                "--outcome {:?} is not an ICCS category (see `evident iccs search`)",
                request.outcome
            ))
        })?;
    if request.treated.is_empty() {
        return Err(EngineError::InvalidRequest(
            "--treated: name at least one district or region".into(),
        ));
    }
    let nc = nowcast_config(SeriesFrequency::Month, None);
    let set = count_series(
        engine,
        &SeriesRequest {
            frequency: SeriesFrequency::Month,
            date_basis: request.date_basis,
            iccs_levels: vec![level],
            area_levels: vec![AreaLevel::District],
            category: Some(request.outcome.clone()),
            from: request.from.clone(),
            until: request.until.clone(),
            max_delay: (request.date_basis == DateBasis::Occurred).then_some(nc.max_delay),
            min_total: 0.0,
        },
    )
    .await?;
    let mut notes = Vec::new();
    let mut calendar = set.calendar;
    let districts = set.districts.clone();
    let mut counts: Vec<Vec<f64>> = vec![vec![0.0; calendar.len]; districts.len()];
    let gap_mask: Vec<bool> = (0..calendar.len).map(|t| set.gaps.contains(&t)).collect();
    for row in counts.iter_mut() {
        for (t, v) in row.iter_mut().enumerate() {
            if gap_mask[t] {
                *v = f64::NAN;
            }
        }
    }
    let mut national_triangle: Option<Vec<Vec<f64>>> = None;
    for s in &set.series {
        if s.key.iccs != request.outcome {
            continue;
        }
        if let Ok(u) = districts.binary_search(&s.key.area) {
            counts[u] = s.counts.clone();
        }
        if let Some(tri) = &s.triangle {
            let total = national_triangle
                .get_or_insert_with(|| tri.iter().map(|row| vec![0.0; row.len()]).collect());
            for (a, b) in total.iter_mut().zip(tri) {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
            }
        }
    }
    if !set.gaps.is_empty() {
        notes.push(format!(
            "{} month(s) without any offence in the store are treated as missing: {}",
            set.gaps.len(),
            set.gaps
                .iter()
                .map(|&g| calendar.label(g))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // By occurrence, the latest months are still being recorded: leave out those
    // with less than 98 % of their final count in, as estimated by a nowcast of
    // the outcome's national recording delays.
    if let Some(triangle) = &national_triangle
        && request.until.is_none()
        && let Ok(n) = nowcast(triangle, &nc)
    {
        let mut keep = calendar.len;
        while keep > 0 && n.periods[keep - 1].share_reported < COMPLETE_SHARE {
            keep -= 1;
        }
        if keep < calendar.len {
            notes.push(format!(
                "by occurrence date, the last {} month(s) ({} to {}) are left out: less than {:.0} % of their offences are recorded yet",
                calendar.len - keep,
                calendar.label(keep),
                calendar.label(calendar.len - 1),
                100.0 * COMPLETE_SHARE
            ));
            calendar.len = keep;
            for row in counts.iter_mut() {
                row.truncate(keep);
            }
        }
    }
    let areas = set.areas.clone();
    // Treated districts and their start months.
    let mut treated_from: Vec<Option<usize>> = vec![None; districts.len()];
    let mut start_of: BTreeMap<usize, (usize, String)> = BTreeMap::new();
    for area in &request.treated {
        let start_text = area
            .start
            .as_deref()
            .or(request.start.as_deref())
            .ok_or_else(|| {
                EngineError::InvalidRequest(format!(
                    "no start date for treated area {}: give --start DATE or {}@DATE",
                    area.code, area.code
                ))
            })?;
        let period = SeriesFrequency::Month.parse(start_text).map_err(|_| {
            EngineError::InvalidRequest(format!(
                "start {start_text:?} of area {}: expected a date YYYY-MM-DD or a month YYYY-MM",
                area.code
            ))
        })?;
        let position = calendar
            .position(period)
            .filter(|&p| p >= 2 && p + 2 <= calendar.len);
        let Some(position) = position else {
            return Err(EngineError::InvalidRequest(format!(
                "the programme start {} in {} leaves too little data: the series run from {} to {} and need at least 2 months before the start and 2 from it",
                SeriesFrequency::Month.label(period),
                area.code,
                calendar.label(0),
                calendar.label(calendar.len.saturating_sub(1))
            )));
        };
        let members: Vec<usize> = if let Ok(u) = districts.binary_search(&area.code) {
            vec![u]
        } else if areas.is_parent(&area.code) {
            (0..districts.len())
                .filter(|&u| areas.region_of(&districts[u]) == area.code)
                .collect()
        } else if areas.contains(&area.code) {
            return Err(EngineError::InvalidRequest(format!(
                "treated area {} ({}) has no offences recorded in the store",
                area.code,
                areas.name(&area.code)
            )));
        } else {
            return Err(EngineError::InvalidRequest(format!(
                "treated area {:?} is not in the area codelist (give district or region codes)",
                area.code
            )));
        };
        for u in members {
            if let Some((p, by)) = start_of.get(&u)
                && *p != position
            {
                return Err(EngineError::InvalidRequest(format!(
                    "district {} is given two starts ({} via {by}, {} via {})",
                    districts[u],
                    calendar.label(*p),
                    calendar.label(position),
                    area.code
                )));
            }
            start_of.insert(u, (position, area.code.clone()));
            treated_from[u] = Some(position);
        }
    }
    // Population of each district in each month (its year's figure).
    let residents = Population::load(engine).await?;
    let mut population: Vec<Vec<f64>> = Vec::with_capacity(districts.len());
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for d in &districts {
        let row: Vec<f64> = (0..calendar.len)
            .map(|t| {
                let year = SeriesFrequency::Month
                    .first_day(calendar.first + t as i64)
                    .year;
                residents.get(d, year, "_T", "_T").unwrap_or_else(|| {
                    unknown.insert(d.clone());
                    f64::NAN
                })
            })
            .collect();
        population.push(row);
    }
    let population = if unknown.is_empty() {
        Some(population)
    } else {
        notes.push(format!(
            "the population is not known for {} district(s) (e.g. {}): counts are compared instead of rates",
            unknown.len(),
            unknown.iter().next().map_or("", String::as_str)
        ));
        None
    };
    Ok(EvaluationData {
        outcome: request.outcome.clone(),
        date_basis: request.date_basis,
        calendar,
        districts,
        counts,
        population,
        treated_from,
        areas,
        notes,
    })
}

impl EvaluationData {
    /// The first month under the programme in any treated area.
    pub fn first_start(&self) -> Option<usize> {
        self.treated_from.iter().flatten().copied().min()
    }

    /// Rate (or count) of district u in month t.
    fn rate(&self, u: usize, t: usize) -> f64 {
        match &self.population {
            Some(p) => self.counts[u][t] / p[u][t] * PER,
            None => self.counts[u][t],
        }
    }

    /// Mean rate of district u before the first start (NaN-free; 0 if none).
    fn baseline(&self, u: usize, before: usize) -> f64 {
        let v: Vec<f64> = (0..before)
            .map(|t| self.rate(u, t))
            .filter(|r| r.is_finite())
            .collect();
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    }

    /// Offences district u would have at its baseline rate in month t.
    fn baseline_count(&self, u: usize, base: f64, t: usize) -> f64 {
        match &self.population {
            Some(p) => base * p[u][t] / PER,
            None => base,
        }
    }

    /// Writes the panel as CSV (`district,region,period,treated_from,count,population`),
    /// one row per district and month, for checking the figures elsewhere.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let file = std::fs::File::create(path).map_err(|e| EngineError::io(path, e))?;
        let mut w = std::io::BufWriter::new(file);
        let io = |e: std::io::Error| EngineError::io(path, e);
        writeln!(w, "district,region,period,treated_from,count,population").map_err(io)?;
        for (u, d) in self.districts.iter().enumerate() {
            let start = self.treated_from[u]
                .map(|p| self.calendar.label(p))
                .unwrap_or_default();
            for t in 0..self.calendar.len {
                let count = self.counts[u][t];
                let pop = self.population.as_ref().map(|p| p[u][t]);
                writeln!(
                    w,
                    "{d},{},{},{start},{},{}",
                    self.areas.region_of(d),
                    self.calendar.label(t),
                    if count.is_finite() {
                        format!("{count}")
                    } else {
                        String::new()
                    },
                    pop.map(|p| format!("{p}")).unwrap_or_default()
                )
                .map_err(io)?;
            }
        }
        w.flush().map_err(io)
    }
}

/// An estimate with its interval.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Interval {
    /// Point estimate.
    pub estimate: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

impl Interval {
    fn new(estimate: f64, lower: f64, upper: f64) -> Interval {
        let estimate = finite(estimate, 0.0);
        Interval {
            estimate,
            lower: finite(lower.min(upper), estimate),
            upper: finite(upper.max(lower), estimate),
        }
    }

    fn scaled(e: &Effect, by: f64) -> Interval {
        Interval::new(e.estimate * by, e.lower * by, e.upper * by)
    }
}

/// The report of `evident evaluate`.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationReport {
    /// ICCS category.
    pub outcome: String,
    /// Its name.
    pub outcome_name: String,
    /// `recorded` or `occurred`.
    pub date_basis: &'static str,
    /// First month used.
    pub first_period: String,
    /// Last month used.
    pub last_period: String,
    /// `rate per 100,000` or `count`: what the panel methods index.
    pub measure: &'static str,
    /// The treated districts with their first month under the programme.
    pub treated: Vec<TreatedDistrict>,
    /// Districts never treated (the comparison group).
    pub comparison_districts: usize,
    /// Interval level.
    pub level: f64,
    /// What the data preparation left out or assumed.
    pub notes: Vec<String>,
    /// One result per method asked for.
    pub methods: Vec<MethodOutcome>,
}

/// A treated district.
#[derive(Debug, Clone, Serialize)]
pub struct TreatedDistrict {
    /// District code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// First month under the programme.
    pub start: String,
}

/// One method's result, or why it could not run.
#[derive(Debug, Clone, Serialize)]
pub struct MethodOutcome {
    /// The method.
    pub method: EvaluationMethod,
    /// Its name.
    pub title: &'static str,
    /// The estimates, when the method ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<MethodEstimate>,
    /// Why it could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A method's estimates.
#[derive(Debug, Clone, Serialize)]
pub struct MethodEstimate {
    /// Proportional change in the treated areas after the start (−0.25 = 25 %
    /// fewer offences than without the programme), with its interval; absent
    /// when the counterfactual level is not positive.
    pub relative: Option<Interval>,
    /// Change in the number of offences in the treated areas over all months
    /// from the start (negative = offences prevented), with its interval.
    pub absolute: Interval,
    /// p-value for "no effect".
    pub p_value: f64,
    /// What weakens the conclusion.
    pub caveats: Vec<Caveat>,
    /// A paragraph for policymakers.
    pub summary: String,
    /// Method-specific figures.
    pub diagnostics: Diagnostics,
    /// Chart-ready series.
    pub chart: Vec<EvaluationPoint>,
}

/// One month of an evaluation chart.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationPoint {
    /// Month.
    pub period: String,
    /// The treated areas: combined count (ITS) or index (DiD mean, synthetic control).
    pub treated: Option<f64>,
    /// The comparison: model fit (ITS), untreated mean index (DiD), synthetic area.
    pub comparison: Option<f64>,
    /// ITS only: the fitted counterfactual without the programme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterfactual: Option<f64>,
}

/// Method-specific diagnostics.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Diagnostics {
    /// Interrupted time series.
    Its {
        /// Immediate change in level (rate ratio).
        level_change: Effect,
        /// Change in trend per month (ratio).
        slope_change: Effect,
        /// Joint test of no level and no slope change.
        joint_p_value: f64,
        /// Pearson dispersion of the Poisson fit.
        dispersion: f64,
        /// Lag-1 autocorrelation of the residuals.
        residual_lag1: f64,
        /// Newey–West lags.
        lags: usize,
        /// First month of the programme in the series.
        start: String,
    },
    /// Difference-in-differences.
    Did {
        /// Headline estimator: `twfe` or `staggered` (Callaway–Sant'Anna).
        headline: &'static str,
        /// Two-way fixed effects: effect on the index (share of the pre-programme level).
        twfe: Effect,
        /// Observations in the panel.
        observations: usize,
        /// Districts in the panel (clusters).
        clusters: usize,
        /// Treated districts in the panel.
        treated_districts: usize,
        /// Untreated districts in the panel.
        comparison_districts: usize,
        /// Event study: joint test that the leads are zero.
        pretrend_p_value: Option<f64>,
        /// Event study coefficients (months relative to the start; −1 is the reference).
        event_study: Vec<EventPoint>,
        /// Callaway–Sant'Anna: overall effect on the index.
        staggered: Option<Effect>,
        /// Callaway–Sant'Anna: joint test of the placebo pre-period effects.
        staggered_pretrend_p_value: Option<f64>,
        /// Start months and how many districts started in each.
        cohorts: Vec<Cohort>,
    },
    /// Synthetic control.
    Synth {
        /// The donors' weights, largest first.
        weights: Vec<DonorWeight>,
        /// Pre-programme root mean squared prediction error (index units).
        pre_rmspe: f64,
        /// Post-programme RMSPE.
        post_rmspe: f64,
        /// post / pre RMSPE of the treated areas.
        rmspe_ratio: f64,
        /// Placebo runs (each donor as if treated).
        placebos: usize,
        /// Effect on the index (mean post-programme gap).
        gap: Effect,
        /// Donor pool.
        donors: DonorPool,
    },
}

/// One event-study coefficient.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EventPoint {
    /// Months since the start (binned at both ends).
    pub relative_month: i64,
    /// Effect on the index.
    pub estimate: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// A start month and its districts.
#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    /// First month under the programme.
    pub start: String,
    /// Districts starting then.
    pub districts: usize,
}

/// A donor of a synthetic control.
#[derive(Debug, Clone, Serialize)]
pub struct DonorWeight {
    /// Region code (untreated districts combined) or district code.
    pub area: String,
    /// Its name.
    pub name: String,
    /// Weight (weights sum to 1).
    pub weight: f64,
}

/// Reads the data and runs every method asked for.
pub async fn evaluate(engine: &Engine, request: &EvaluationRequest) -> Result<EvaluationReport> {
    let data = evaluation_data(engine, request).await?;
    analyse(&data, request)
}

/// Runs the methods on prepared data. A method that cannot run reports why; the
/// others still run.
pub fn analyse(data: &EvaluationData, request: &EvaluationRequest) -> Result<EvaluationReport> {
    if !(request.level > 0.0 && request.level < 1.0) {
        return Err(EngineError::InvalidRequest(format!(
            "--level {}: expected a confidence level strictly between 0 and 1 (e.g. 0.95)",
            request.level
        )));
    }
    let t0 = data
        .first_start()
        .ok_or_else(|| EngineError::InvalidRequest("no treated district in the data".into()))?;
    let mut notes = data.notes.clone();
    let context = summary::Context {
        outcome: format!("{} (ICCS {})", category_name(&data.outcome), data.outcome),
        treated: data.treated_from.iter().filter(|g| g.is_some()).count(),
        start: data.calendar.label(t0),
        months_after: data.calendar.len - t0,
        level: request.level,
        date_basis: data.date_basis,
    };
    let mut methods = Vec::new();
    let mut wanted = request.methods.clone();
    wanted.sort();
    wanted.dedup();
    let mut staggered_noted = false;
    for method in wanted {
        let outcome = match method {
            EvaluationMethod::Its => its(data, t0, request.level, &context),
            EvaluationMethod::Did => did(data, t0, request.level, &context),
            EvaluationMethod::Synth => synth(data, t0, request.level, request.donors, &context),
        };
        if method != EvaluationMethod::Did
            && !staggered_noted
            && data
                .treated_from
                .iter()
                .flatten()
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        {
            notes.push(format!(
                "the areas started at different dates: the interrupted time series and the synthetic control take the first start ({}); difference-in-differences uses each area's own",
                data.calendar.label(t0)
            ));
            staggered_noted = true;
        }
        methods.push(match outcome {
            Ok(result) => MethodOutcome {
                method,
                title: method.title(),
                result: Some(result),
                error: None,
            },
            Err(reason) => MethodOutcome {
                method,
                title: method.title(),
                result: None,
                error: Some(reason),
            },
        });
    }
    let treated = data
        .districts
        .iter()
        .zip(&data.treated_from)
        .filter_map(|(d, g)| {
            g.map(|p| TreatedDistrict {
                code: d.clone(),
                name: data.areas.name(d),
                start: data.calendar.label(p),
            })
        })
        .collect();
    Ok(EvaluationReport {
        outcome: data.outcome.clone(),
        outcome_name: category_name(&data.outcome),
        date_basis: date_basis_label(data.date_basis),
        first_period: data.calendar.label(0),
        last_period: data.calendar.label(data.calendar.len - 1),
        measure: if data.population.is_some() {
            "rate per 100,000"
        } else {
            "count"
        },
        treated,
        comparison_districts: data.treated_from.iter().filter(|g| g.is_none()).count(),
        level: request.level,
        notes,
        methods,
    })
}

/// Months before the start that the interrupted time series and the synthetic
/// control need: a full year, so that the season (eleven month effects in the
/// segmented regression) and the pre-programme fit are not estimated from a
/// handful of months. With fewer the regression is singular or the synthetic
/// control's placebo intervals are meaningless.
const MIN_MONTHS_BEFORE: usize = 12;

fn too_few_months_before(method: &str, months: usize, data: &EvaluationData) -> String {
    format!(
        "{method} needs at least {MIN_MONTHS_BEFORE} months before the programme starts; the data have {months} ({} to {}): use an earlier --from, or difference-in-differences",
        data.calendar.label(0),
        data.calendar.label(data.calendar.len - 1)
    )
}

fn stats_message(e: evident_stats::StatsError) -> String {
    format!("the data cannot support this method: {e}")
}

fn its(
    data: &EvaluationData,
    t0: usize,
    level: f64,
    context: &summary::Context,
) -> std::result::Result<MethodEstimate, String> {
    let n = data.calendar.len;
    let treated: Vec<usize> = (0..data.districts.len())
        .filter(|&u| data.treated_from[u].is_some())
        .collect();
    let counts: Vec<f64> = (0..n)
        .map(|t| treated.iter().map(|&u| data.counts[u][t]).sum())
        .collect();
    let observed: f64 = counts.iter().filter(|c| c.is_finite()).sum();
    if observed <= 0.0 {
        return Err(format!(
            "the treated areas have no offences of {} in the period",
            context.outcome
        ));
    }
    let months_before = counts[..t0].iter().filter(|c| c.is_finite()).count();
    if months_before < MIN_MONTHS_BEFORE {
        return Err(too_few_months_before(
            "an interrupted time series",
            months_before,
            data,
        ));
    }
    if counts[..t0].iter().filter(|c| c.is_finite()).sum::<f64>() <= 0.0 {
        return Err(format!(
            "the treated areas have no offences of {} before the programme, so there is no earlier level to compare with",
            context.outcome
        ));
    }
    let population: Option<Vec<f64>> = data.population.as_ref().map(|p| {
        (0..n)
            .map(|t| treated.iter().map(|&u| p[u][t]).sum())
            .collect()
    });
    let input = ItsInput {
        counts: &counts,
        population: population.as_deref(),
        start: t0,
        seasonality: Seasonality::Factor { period: 12 },
        family: CountFamily::Poisson,
        lags: None,
        level,
    };
    let r: ItsResult = interrupted_time_series(&input).map_err(stats_message)?;
    let relative = Interval::new(
        r.relative_effect.estimate - 1.0,
        r.relative_effect.lower - 1.0,
        r.relative_effect.upper - 1.0,
    );
    let absolute = Interval::scaled(&r.absolute_effect, 1.0);
    let p_value = finite(r.relative_effect.p_value, 1.0);
    let summary = summary::its(context, &relative, &absolute, p_value, &r);
    let chart = (0..n)
        .map(|t| EvaluationPoint {
            period: data.calendar.label(t),
            treated: Some(counts[t]).filter(|v| v.is_finite()),
            comparison: Some(finite(r.fitted[t], 0.0)),
            counterfactual: Some(finite(r.counterfactual[t], 0.0)),
        })
        .collect();
    Ok(MethodEstimate {
        relative: Some(relative),
        absolute,
        p_value,
        caveats: r.caveats.clone(),
        summary,
        diagnostics: Diagnostics::Its {
            level_change: r.level_change,
            slope_change: r.slope_change,
            joint_p_value: finite(r.p_value, 1.0),
            dispersion: finite(r.dispersion, 1.0),
            residual_lag1: finite(r.residual_lag1, 0.0),
            lags: r.lags,
            start: data.calendar.label(t0),
        },
        chart,
    })
}

/// The indexed district panel: each included district's rate over its own mean
/// rate before `t0`. Returns the panel, the included districts and their baselines.
fn indexed_panel(data: &EvaluationData, t0: usize) -> (Panel, Vec<usize>, Vec<f64>) {
    let n = data.calendar.len;
    let mut units = Vec::new();
    let mut bases = Vec::new();
    for u in 0..data.districts.len() {
        let base = data.baseline(u, t0);
        if base > 0.0 {
            units.push(u);
            bases.push(base);
        }
    }
    let mut outcome = Vec::with_capacity(units.len() * n);
    for (&u, &base) in units.iter().zip(&bases) {
        outcome.extend((0..n).map(|t| data.rate(u, t) / base));
    }
    let panel = Panel {
        units: units.len(),
        periods: n,
        outcome,
        treated_from: units.iter().map(|&u| data.treated_from[u]).collect(),
    };
    (panel, units, bases)
}

fn left_out_note(data: &EvaluationData, units: &[usize]) -> Option<String> {
    let kept: BTreeSet<usize> = units.iter().copied().collect();
    let out: Vec<usize> = (0..data.districts.len())
        .filter(|u| !kept.contains(u))
        .collect();
    if out.is_empty() {
        return None;
    }
    let treated_out = out
        .iter()
        .filter(|&&u| data.treated_from[u].is_some())
        .count();
    Some(format!(
        "{} district(s) with no such offence before the programme have no baseline and are left out ({} of them treated)",
        out.len(),
        treated_out
    ))
}

fn did(
    data: &EvaluationData,
    t0: usize,
    level: f64,
    context: &summary::Context,
) -> std::result::Result<MethodEstimate, String> {
    let (panel, units, bases) = indexed_panel(data, t0);
    let treated_units = panel.treated_from.iter().filter(|g| g.is_some()).count();
    let controls = panel.units - treated_units;
    if treated_units == 0 {
        return Err(format!(
            "no treated district has offences of {} before the programme, so none has a baseline to compare with",
            context.outcome
        ));
    }
    if controls == 0 {
        return Err(
            "there is no comparison area: every district with such offences before the programme is treated"
                .into(),
        );
    }
    let twfe: DidResult = difference_in_differences(&panel, level).map_err(stats_message)?;
    let leads = t0.min(12);
    let lags = (panel.periods - t0 - 1).min(24);
    let events: Option<EventStudyResult> = if leads >= 2 {
        event_study(&panel, leads, lags, level).ok()
    } else {
        None
    };
    let staggered: Option<StaggeredResult> = staggered_did(&panel, level).ok();
    let mut cohorts: BTreeMap<usize, usize> = BTreeMap::new();
    for g in panel.treated_from.iter().flatten() {
        *cohorts.entry(*g).or_default() += 1;
    }
    let use_staggered = cohorts.len() > 1 && staggered.is_some();
    // Offences the treated districts would have had at their baseline rates in
    // their months under the programme: the scale of one index unit.
    let exposure: f64 = units
        .iter()
        .zip(&bases)
        .filter_map(|(&u, &base)| data.treated_from[u].map(|g| (u, base, g)))
        .map(|(u, base, g)| {
            (g..panel.periods)
                .map(|t| data.baseline_count(u, base, t))
                .filter(|v| v.is_finite())
                .sum::<f64>()
        })
        .sum();
    let (headline, relative) = match (&staggered, use_staggered) {
        (Some(s), true) => (s.overall, s.relative),
        _ => (twfe.att, twfe.relative),
    };
    let relative = relative.map(|r| Interval::new(r.estimate, r.lower, r.upper));
    let absolute = Interval::scaled(&headline, exposure);
    let p_value = finite(headline.p_value, 1.0);
    let mut caveats = twfe.caveats.clone();
    for c in events.iter().flat_map(|e| e.caveats.iter()).chain(
        staggered
            .iter()
            .filter(|_| use_staggered)
            .flat_map(|s| s.caveats.iter()),
    ) {
        if !caveats.contains(c) {
            caveats.push(c.clone());
        }
    }
    let left_out = left_out_note(data, &units);
    let summary = summary::did(
        context,
        relative.as_ref(),
        &absolute,
        p_value,
        controls,
        events.as_ref().map(|e| e.pretrend_p_value),
        use_staggered,
        &caveats,
        left_out.as_deref(),
    );
    let chart = (0..panel.periods)
        .map(|t| {
            let mean = |treated: bool| -> Option<f64> {
                let v: Vec<f64> = (0..panel.units)
                    .filter(|&i| panel.treated_from[i].is_some() == treated)
                    .map(|i| panel.outcome[i * panel.periods + t])
                    .filter(|v| v.is_finite())
                    .collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            };
            EvaluationPoint {
                period: data.calendar.label(t),
                treated: mean(true),
                comparison: mean(false),
                counterfactual: None,
            }
        })
        .collect();
    Ok(MethodEstimate {
        relative,
        absolute,
        p_value,
        caveats,
        summary,
        diagnostics: Diagnostics::Did {
            headline: if use_staggered { "staggered" } else { "twfe" },
            twfe: twfe.att,
            observations: twfe.nobs,
            clusters: twfe.clusters,
            treated_districts: twfe.treated_units,
            comparison_districts: twfe.control_units,
            pretrend_p_value: events.as_ref().map(|e| finite(e.pretrend_p_value, 1.0)),
            event_study: events
                .as_ref()
                .map(|e| {
                    e.coefficients
                        .iter()
                        .map(|c| EventPoint {
                            relative_month: c.relative_period,
                            estimate: finite(c.effect.estimate, 0.0),
                            lower: finite(c.effect.lower, 0.0),
                            upper: finite(c.effect.upper, 0.0),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            staggered: staggered.as_ref().map(|s| s.overall),
            staggered_pretrend_p_value: staggered.as_ref().map(|s| finite(s.pretrend_p_value, 1.0)),
            cohorts: cohorts
                .iter()
                .map(|(&g, &n)| Cohort {
                    start: data.calendar.label(g),
                    districts: n,
                })
                .collect(),
        },
        chart,
    })
}

fn synth(
    data: &EvaluationData,
    t0: usize,
    level: f64,
    pool: DonorPool,
    context: &summary::Context,
) -> std::result::Result<MethodEstimate, String> {
    let n = data.calendar.len;
    // Months with data (gaps are left out: a synthetic control needs every
    // area observed in every month it uses).
    let months: Vec<usize> = (0..n)
        .filter(|&t| data.counts.iter().any(|row| row[t].is_finite()))
        .collect();
    let start = months.iter().position(|&t| t >= t0).unwrap_or(months.len());
    if start < MIN_MONTHS_BEFORE {
        return Err(too_few_months_before("a synthetic control", start, data));
    }
    // Combined rate of a group of districts in month t.
    let group_rate = |members: &[usize], t: usize| -> f64 {
        let count: f64 = members.iter().map(|&u| data.counts[u][t]).sum();
        match &data.population {
            Some(p) => count / members.iter().map(|&u| p[u][t]).sum::<f64>() * PER,
            None => count,
        }
    };
    let treated: Vec<usize> = (0..data.districts.len())
        .filter(|&u| data.treated_from[u].is_some())
        .collect();
    let mut groups: Vec<(String, String, Vec<usize>)> = Vec::new();
    match pool {
        DonorPool::Regions => {
            let mut by_region: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for u in 0..data.districts.len() {
                if data.treated_from[u].is_none() {
                    by_region
                        .entry(data.areas.region_of(&data.districts[u]).to_owned())
                        .or_default()
                        .push(u);
                }
            }
            for (region, members) in by_region {
                let name = format!("{} (untreated districts)", data.areas.name(&region));
                groups.push((region, name, members));
            }
        }
        DonorPool::Districts => {
            for u in 0..data.districts.len() {
                if data.treated_from[u].is_none() {
                    let d = data.districts[u].clone();
                    groups.push((d.clone(), data.areas.name(&d), vec![u]));
                }
            }
        }
    }
    // Index every unit by its own pre-programme mean; donors without offences
    // before the programme cannot be indexed and are left out.
    let index = |members: &[usize]| -> Option<Vec<f64>> {
        let series: Vec<f64> = months.iter().map(|&t| group_rate(members, t)).collect();
        let pre: Vec<f64> = series[..start]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let base = pre.iter().sum::<f64>() / pre.len().max(1) as f64;
        (base > 0.0 && series.iter().all(|v| v.is_finite()))
            .then(|| series.iter().map(|v| v / base).collect())
    };
    let Some(treated_index) = index(&treated) else {
        return Err(format!(
            "the treated areas have no offences of {} before the programme",
            context.outcome
        ));
    };
    let donors: Vec<(String, String, Vec<f64>)> = groups
        .into_iter()
        .filter_map(|(code, name, members)| index(&members).map(|s| (code, name, s)))
        .collect();
    if donors.len() < 2 {
        return Err(format!(
            "a synthetic control needs at least 2 comparison areas with offences before the programme; there {} {}",
            if donors.len() == 1 { "is" } else { "are" },
            donors.len()
        ));
    }
    let periods = months.len();
    let mut outcome = treated_index.clone();
    for (_, _, s) in &donors {
        outcome.extend(s.iter().copied());
    }
    let mut treated_from = vec![Some(start)];
    treated_from.extend(donors.iter().map(|_| None));
    let panel = Panel {
        units: donors.len() + 1,
        periods,
        outcome,
        treated_from,
    };
    let r: SyntheticControlResult = synthetic_control(&panel, 0, level).map_err(stats_message)?;
    // The treated areas' offences at their baseline rate in the months from the start.
    let pre_rates: Vec<f64> = months[..start]
        .iter()
        .map(|&t| group_rate(&treated, t))
        .collect();
    let base = pre_rates.iter().sum::<f64>() / pre_rates.len().max(1) as f64;
    let exposure: f64 = months[start..]
        .iter()
        .map(|&t| match &data.population {
            Some(p) => base * treated.iter().map(|&u| p[u][t]).sum::<f64>() / PER,
            None => base,
        })
        .sum();
    let synthetic_post: Vec<f64> = r.synthetic[start..].to_vec();
    let synth_mean = synthetic_post.iter().sum::<f64>() / synthetic_post.len().max(1) as f64;
    let relative = (synth_mean > 0.0).then(|| {
        Interval::new(
            r.effect.estimate / synth_mean,
            r.effect.lower / synth_mean,
            r.effect.upper / synth_mean,
        )
    });
    let absolute = Interval::scaled(&r.effect, exposure);
    let p_value = finite(r.p_value, 1.0);
    let weights: Vec<DonorWeight> = r
        .weights
        .iter()
        .filter_map(|&(unit, w)| {
            donors
                .get(unit.checked_sub(1)?)
                .map(|(code, name, _)| DonorWeight {
                    area: code.clone(),
                    name: name.clone(),
                    weight: w,
                })
        })
        .collect();
    let summary = summary::synth(
        context,
        relative.as_ref(),
        &absolute,
        p_value,
        &weights,
        r.placebo_ratios.len(),
        &r.caveats,
    );
    let chart = months
        .iter()
        .enumerate()
        .map(|(i, &t)| EvaluationPoint {
            period: data.calendar.label(t),
            treated: Some(treated_index[i]),
            comparison: Some(finite(r.synthetic[i], 0.0)),
            counterfactual: None,
        })
        .collect();
    Ok(MethodEstimate {
        relative,
        absolute,
        p_value,
        caveats: r.caveats.clone(),
        summary,
        diagnostics: Diagnostics::Synth {
            weights,
            pre_rmspe: finite(r.pre_rmspe, 0.0),
            post_rmspe: finite(r.post_rmspe, 0.0),
            rmspe_ratio: finite(r.rmspe_ratio, 0.0),
            placebos: r.placebo_ratios.len(),
            gap: r.effect,
            donors: pool,
        },
        chart,
    })
}
