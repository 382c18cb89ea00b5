//! Evaluation of prevention programmes: did crime change because of the programme?
//!
//! * [`interrupted_time_series`]: segmented count regression (level and slope
//!   change at the start of the programme, seasonality, optional population
//!   offset) with Newey–West standard errors (Bernal, Cummins & Gasparrini 2017,
//!   "Interrupted time series regression for the evaluation of public health
//!   interventions: a tutorial", *Int. J. Epidemiol.* 46:348–355).
//! * [`difference_in_differences`]: two-way fixed effects (area and period) with
//!   standard errors clustered by area (Bertrand, Duflo & Mullainathan 2004,
//!   "How much should we trust differences-in-differences estimates?", *QJE*
//!   119:249–275), and [`event_study`] with leads and lags to check parallel trends.
//! * [`staggered_did`]: group-time average effects when areas start at different
//!   dates, compared with never-treated areas, aggregated by exposure time and
//!   overall (Callaway & Sant'Anna 2021, "Difference-in-differences with multiple
//!   time periods", *J. Econometrics* 225:200–230), which avoids the negative
//!   weights of two-way fixed effects under staggered adoption.
//! * [`synthetic_control`]: non-negative weights summing to one over untreated
//!   areas, fitted on the pre-period outcomes, with placebo-in-space inference
//!   (Abadie, Diamond & Hainmueller 2010, "Synthetic control methods for
//!   comparative case studies", *JASA* 105:493–505).
//!
//! Each result carries the effect in absolute and relative terms with an
//! interval and p-value, diagnostics, and [`Caveat`]s detected in the data
//! (failed pre-trends, few clusters, poor pre-period fit, …) for the plain
//! language summary written by the command line.

use serde::Serialize;

use crate::StatsError;
use crate::linalg::{Matrix, inverse, simplex_least_squares};
use crate::rates::check_level;
use crate::regression::{
    Covariance, Family, RegressionFit, glm, negative_binomial, newey_west_default_lags, ols,
};
use crate::special::{
    chi_square_sf, f_sf, normal_quantile, normal_two_sided_p, t_quantile, t_two_sided_p,
};

/// Something in the data that weakens the conclusion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caveat {
    /// Fewer than 8 periods before (or after) the start: trends are poorly pinned down.
    FewPeriods {
        /// Periods before the start.
        before: usize,
        /// Periods after the start.
        after: usize,
    },
    /// Cluster-robust inference with fewer than 20 clusters is unreliable (Cameron & Miller 2015).
    FewClusters {
        /// Number of clusters.
        clusters: usize,
    },
    /// The leads in the event study are jointly significant: treated and control
    /// areas were already diverging before the programme.
    FailedPreTrends {
        /// p-value of the joint test.
        p_value: f64,
    },
    /// Synthetic control: the pre-period fit is poor relative to the outcome's variation.
    PoorPreFit {
        /// Pre-period RMSPE divided by the treated area's pre-period standard deviation.
        relative_rmspe: f64,
    },
    /// Too few comparison areas for the permutation p-value to reach 0.05.
    FewControls {
        /// Number of untreated areas.
        controls: usize,
    },
    /// Strong residual autocorrelation remains (lag-1 correlation of Pearson residuals).
    Autocorrelation {
        /// Lag-1 autocorrelation.
        lag1: f64,
    },
    /// Counts vary much more than a Poisson model allows.
    Overdispersion {
        /// Pearson dispersion.
        dispersion: f64,
    },
    /// Only one treated area: cluster-robust standard errors are not reliable.
    SingleTreatedUnit,
}

/// An effect with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Effect {
    /// Point estimate.
    pub estimate: f64,
    /// Standard error (0 when the interval comes from a permutation distribution).
    pub se: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
    /// Two-sided p-value for "no effect".
    pub p_value: f64,
}

fn t_or_z(df: Option<f64>, level: f64) -> Result<f64, StatsError> {
    match df {
        Some(df) => t_quantile(0.5 + 0.5 * level, df),
        None => normal_quantile(0.5 + 0.5 * level),
    }
}

fn effect(estimate: f64, se: f64, df: Option<f64>, level: f64) -> Result<Effect, StatsError> {
    let c = t_or_z(df, level)?;
    let stat = if se > 0.0 { estimate / se } else { 0.0 };
    // A zero standard error (a perfect fit) makes any non-zero estimate certain.
    let p_value = if se > 0.0 {
        match df {
            Some(df) => t_two_sided_p(stat, df)?,
            None => normal_two_sided_p(stat),
        }
    } else if estimate == 0.0 {
        1.0
    } else {
        0.0
    };
    Ok(Effect {
        estimate,
        se,
        lower: estimate - c * se,
        upper: estimate + c * se,
        p_value,
    })
}

// ---------------------------------------------------------------------------
// Interrupted time series
// ---------------------------------------------------------------------------

/// Seasonal terms for the interrupted time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seasonality {
    /// None (e.g. annual data).
    None,
    /// `harmonics` pairs of sine and cosine terms with the given period.
    Fourier {
        /// Period length (12 for months).
        period: usize,
        /// Number of harmonics.
        harmonics: usize,
    },
    /// One indicator per season (period − 1 columns).
    Factor {
        /// Period length.
        period: usize,
    },
}

/// Count model for the interrupted time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountFamily {
    /// Poisson (the Newey–West standard errors also cover overdispersion).
    Poisson,
    /// Negative binomial with the dispersion estimated by maximum likelihood.
    NegativeBinomial,
}

/// Input for [`interrupted_time_series`].
#[derive(Debug, Clone, PartialEq)]
pub struct ItsInput<'a> {
    /// Counts per period (NaN = missing).
    pub counts: &'a [f64],
    /// Population per period (for rates); `None` for plain counts.
    pub population: Option<&'a [f64]>,
    /// First period under the programme.
    pub start: usize,
    /// Seasonal adjustment.
    pub seasonality: Seasonality,
    /// Count model.
    pub family: CountFamily,
    /// Newey–West lags; `None` for ⌊4(n/100)^(2/9)⌋.
    pub lags: Option<usize>,
    /// Interval level.
    pub level: f64,
}

/// Result of an interrupted time series analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItsResult {
    /// Immediate change in level at the start, as a rate ratio (exp of the coefficient).
    pub level_change: Effect,
    /// Change in the trend per period after the start, as a ratio per period.
    pub slope_change: Effect,
    /// Relative effect over the post period: Σ fitted / Σ counterfactual (1 = no effect).
    pub relative_effect: Effect,
    /// Absolute effect: Σ (fitted − counterfactual) over the post period, in counts
    /// (negative = offences prevented).
    pub absolute_effect: Effect,
    /// Joint Wald test of no level and no slope change (F with 2 and n − k degrees of freedom).
    pub p_value: f64,
    /// Pearson dispersion of the Poisson fit.
    pub dispersion: f64,
    /// Lag-1 autocorrelation of the Pearson residuals.
    pub residual_lag1: f64,
    /// Newey–West lags used.
    pub lags: usize,
    /// Fitted values.
    pub fitted: Vec<f64>,
    /// Counterfactual: the fit without the programme terms.
    pub counterfactual: Vec<f64>,
    /// Things that weaken the conclusion.
    pub caveats: Vec<Caveat>,
}

/// Segmented count regression: log E\[yₜ\] = offset + β₀ + β₁t + β₂·postₜ +
/// β₃·(t − start)·postₜ + seasonal terms. Each standard error is the larger of
/// the Newey–West one (times n/(n − k)) and the quasi-likelihood one (model
/// covariance × max(1, Pearson dispersion)); t inference with n − k degrees of
/// freedom. The floor matters in short series, where Newey–West alone gave 95 %
/// intervals covering the truth only 81–89 % of the time in simulation.
pub fn interrupted_time_series(input: &ItsInput) -> Result<ItsResult, StatsError> {
    check_level(input.level)?;
    let n = input.counts.len();
    let start = input.start;
    if start < 2 || start + 2 > n {
        return Err(StatsError::Design {
            reason: format!(
                "the programme must start after at least 2 and before the last 2 of {n} periods (start = {start})"
            ),
        });
    }
    for (index, &v) in input.counts.iter().enumerate() {
        if v.is_infinite() || v < 0.0 {
            return Err(StatsError::BadValue {
                what: "counts",
                index,
                value: v,
                extra: " ≥ 0 (NaN marks a missing period)",
            });
        }
    }
    if let Some(p) = input.population {
        if p.len() != n {
            return Err(StatsError::LengthMismatch {
                what: "population (one per period)",
                expected: n,
                got: p.len(),
            });
        }
        for (index, &v) in p.iter().enumerate() {
            if !(v.is_finite() && v > 0.0) {
                return Err(StatsError::BadValue {
                    what: "population",
                    index,
                    value: v,
                    extra: " > 0",
                });
            }
        }
    }
    let rows: Vec<usize> = (0..n).filter(|&t| !input.counts[t].is_nan()).collect();
    let design = |t: usize, programme: bool| {
        let tf = t as f64;
        let post = if programme && t >= start { 1.0 } else { 0.0 };
        let mut r = vec![1.0, tf, post, post * (tf - start as f64)];
        match input.seasonality {
            Seasonality::None => {}
            Seasonality::Fourier { period, harmonics } => {
                for k in 1..=harmonics {
                    let a = 2.0 * std::f64::consts::PI * k as f64 * tf / period as f64;
                    r.push(a.sin());
                    r.push(a.cos());
                }
            }
            Seasonality::Factor { period } => {
                for s in 1..period {
                    r.push(if t % period == s { 1.0 } else { 0.0 });
                }
            }
        }
        r
    };
    let x = Matrix::from_rows(&rows.iter().map(|&t| design(t, true)).collect::<Vec<_>>())?;
    let y: Vec<f64> = rows.iter().map(|&t| input.counts[t]).collect();
    let offset: Option<Vec<f64>> = input
        .population
        .map(|p| rows.iter().map(|&t| p[t].ln()).collect());
    let lags = input
        .lags
        .unwrap_or_else(|| newey_west_default_lags(rows.len()));
    // In short series Newey–West is optimistic; the n/(n − k) factor and t
    // inference with n − k degrees of freedom bring simulated coverage of the
    // 95 % interval to about 90 % (bench/coverage).
    let cov = Covariance::NeweyWest {
        lags: Some(lags),
        small_sample: true,
    };
    let poisson = glm(
        &x,
        &y,
        offset.as_deref(),
        Family::Poisson,
        &Covariance::Classical,
    )?;
    let dispersion = poisson.pearson_chi2 / poisson.df_resid.max(1.0);
    let fit: RegressionFit = match input.family {
        CountFamily::Poisson => glm(&x, &y, offset.as_deref(), Family::Poisson, &cov)?,
        CountFamily::NegativeBinomial => negative_binomial(&x, &y, offset.as_deref(), &cov)?,
    };
    let k = fit.coef.len();
    let tdf = Some(fit.df_resid);
    // The model-based (quasi-likelihood) covariance scaled by the Pearson
    // dispersion of this fit: a floor under the Newey–West standard errors,
    // which are noisy and tend to be too small in short series.
    let model = match input.family {
        CountFamily::Poisson => glm(
            &x,
            &y,
            offset.as_deref(),
            Family::Poisson,
            &Covariance::Classical,
        )?,
        CountFamily::NegativeBinomial => {
            negative_binomial(&x, &y, offset.as_deref(), &Covariance::Classical)?
        }
    };
    let phi_model = (model.pearson_chi2 / model.df_resid.max(1.0)).max(1.0);
    let se_of = |g: &[f64]| -> f64 { fit.se_of(g).max(model.se_of(g) * phi_model.sqrt()) };
    let unit = |i: usize| -> Vec<f64> { (0..k).map(|j| if j == i { 1.0 } else { 0.0 }).collect() };
    let se = |i: usize| se_of(&unit(i));
    let ratio_effect = |i: usize| -> Result<Effect, StatsError> {
        let e = effect(fit.coef[i], se(i), tdf, input.level)?;
        Ok(Effect {
            estimate: e.estimate.exp(),
            se: e.se,
            lower: e.lower.exp(),
            upper: e.upper.exp(),
            p_value: e.p_value,
        })
    };
    let level_change = ratio_effect(2)?;
    let slope_change = ratio_effect(3)?;
    // Joint Wald test of β₂ = β₃ = 0.
    let b = [fit.coef[2], fit.coef[3]];
    let v = Matrix::from_rows(&[
        vec![fit.cov_at(2, 2), fit.cov_at(2, 3)],
        vec![fit.cov_at(3, 2), fit.cov_at(3, 3)],
    ])?;
    let vinv = inverse(&v)?;
    let wald = b[0] * (vinv[(0, 0)] * b[0] + vinv[(0, 1)] * b[1])
        + b[1] * (vinv[(1, 0)] * b[0] + vinv[(1, 1)] * b[1]);
    let p_value = f_sf(wald / 2.0, 2.0, fit.df_resid)?;
    // Fitted and counterfactual for every period (missing ones included, for charts).
    let offset_all = |t: usize| input.population.map_or(0.0, |p| p[t].ln());
    let lin = |r: &[f64]| r.iter().zip(&fit.coef).map(|(a, b)| a * b).sum::<f64>();
    let fitted: Vec<f64> = (0..n)
        .map(|t| (lin(&design(t, true)) + offset_all(t)).exp())
        .collect();
    let counterfactual: Vec<f64> = (0..n)
        .map(|t| (lin(&design(t, false)) + offset_all(t)).exp())
        .collect();
    // Post-period totals and their gradients for the delta method.
    let mut sum_f = 0.0;
    let mut sum_c = 0.0;
    let mut grad_f = vec![0.0; k];
    let mut grad_c = vec![0.0; k];
    for t in start..n {
        let rf = design(t, true);
        let rc = design(t, false);
        sum_f += fitted[t];
        sum_c += counterfactual[t];
        for j in 0..k {
            grad_f[j] += fitted[t] * rf[j];
            grad_c[j] += counterfactual[t] * rc[j];
        }
    }
    let quad = |g: &[f64]| se_of(g);
    // log relative effect = ln Σf − ln Σc.
    let g_log: Vec<f64> = (0..k)
        .map(|j| grad_f[j] / sum_f - grad_c[j] / sum_c)
        .collect();
    let rel = effect((sum_f / sum_c).ln(), quad(&g_log), tdf, input.level)?;
    let relative_effect = Effect {
        estimate: rel.estimate.exp(),
        se: rel.se,
        lower: rel.lower.exp(),
        upper: rel.upper.exp(),
        p_value: rel.p_value,
    };
    let g_abs: Vec<f64> = (0..k).map(|j| grad_f[j] - grad_c[j]).collect();
    let absolute_effect = effect(sum_f - sum_c, quad(&g_abs), tdf, input.level)?;
    // Diagnostics.
    let pearson: Vec<f64> = rows
        .iter()
        .zip(&y)
        .enumerate()
        .map(|(i, (_, &yy))| (yy - fit.fitted[i]) / fit.fitted[i].sqrt())
        .collect();
    let residual_lag1 = lag1_autocorrelation(&pearson);
    let mut caveats = Vec::new();
    let before = rows.iter().filter(|&&t| t < start).count();
    let after = rows.len() - before;
    if before < 8 || after < 8 {
        caveats.push(Caveat::FewPeriods { before, after });
    }
    if residual_lag1.abs() > 0.3 {
        caveats.push(Caveat::Autocorrelation {
            lag1: residual_lag1,
        });
    }
    if dispersion > 2.0 && input.family == CountFamily::Poisson {
        caveats.push(Caveat::Overdispersion { dispersion });
    }
    Ok(ItsResult {
        level_change,
        slope_change,
        relative_effect,
        absolute_effect,
        p_value,
        dispersion,
        residual_lag1,
        lags,
        fitted,
        counterfactual,
        caveats,
    })
}

fn lag1_autocorrelation(r: &[f64]) -> f64 {
    if r.len() < 3 {
        return 0.0;
    }
    let m = r.iter().sum::<f64>() / r.len() as f64;
    let den: f64 = r.iter().map(|v| (v - m).powi(2)).sum();
    if den <= 0.0 {
        return 0.0;
    }
    let num: f64 = r.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum();
    num / den
}

// ---------------------------------------------------------------------------
// Panels
// ---------------------------------------------------------------------------

/// Outcomes of several areas over the same periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Panel {
    /// Number of areas.
    pub units: usize,
    /// Number of periods.
    pub periods: usize,
    /// Outcome of area u in period t at `u * periods + t` (NaN = missing). Use
    /// rates, or log counts, so that areas of different size are comparable.
    pub outcome: Vec<f64>,
    /// First period under the programme for each area (`None` = never treated).
    pub treated_from: Vec<Option<usize>>,
}

impl Panel {
    fn validate(&self) -> Result<(), StatsError> {
        if self.outcome.len() != self.units * self.periods {
            return Err(StatsError::LengthMismatch {
                what: "panel outcome (units × periods)",
                expected: self.units * self.periods,
                got: self.outcome.len(),
            });
        }
        if self.treated_from.len() != self.units {
            return Err(StatsError::LengthMismatch {
                what: "treated_from (one per unit)",
                expected: self.units,
                got: self.treated_from.len(),
            });
        }
        for (index, &v) in self.outcome.iter().enumerate() {
            if v.is_infinite() {
                return Err(StatsError::BadValue {
                    what: "panel outcome",
                    index,
                    value: v,
                    extra: " (NaN marks a missing value)",
                });
            }
        }
        for (u, g) in self.treated_from.iter().enumerate() {
            if let Some(g) = g
                && *g >= self.periods
            {
                return Err(StatsError::Design {
                    reason: format!(
                        "unit {u} starts treatment in period {g}, after the last period {}",
                        self.periods - 1
                    ),
                });
            }
        }
        if self.treated_from.iter().all(|g| g.is_some()) {
            return Err(StatsError::Design {
                reason: "every area is treated: there is no comparison area".into(),
            });
        }
        if self.treated_from.iter().all(|g| g.is_none()) {
            return Err(StatsError::Design {
                reason: "no area is treated".into(),
            });
        }
        Ok(())
    }

    fn y(&self, u: usize, t: usize) -> f64 {
        self.outcome[u * self.periods + t]
    }
}

/// Removes area and period means by alternating projections until the change
/// is below 1e-13 of the data's scale (exact in one pass for balanced panels);
/// Guimarães & Portugal (2010), "A simple feasible procedure to fit models with
/// high-dimensional fixed effects", *Stata Journal* 10:628–649.
fn two_way_demean(values: &mut [f64], obs: &[(usize, usize)], units: usize, periods: usize) {
    let scale = values
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()))
        .max(1e-300);
    let mut ucount = vec![0.0; units];
    let mut tcount = vec![0.0; periods];
    for &(u, t) in obs {
        ucount[u] += 1.0;
        tcount[t] += 1.0;
    }
    for _ in 0..10_000 {
        let mut change = 0.0_f64;
        let mut um = vec![0.0; units];
        for (i, &(u, _)) in obs.iter().enumerate() {
            um[u] += values[i];
        }
        for (i, &(u, _)) in obs.iter().enumerate() {
            let m = um[u] / ucount[u];
            values[i] -= m;
            change = change.max(m.abs());
        }
        let mut tm = vec![0.0; periods];
        for (i, &(_, t)) in obs.iter().enumerate() {
            tm[t] += values[i];
        }
        for (i, &(_, t)) in obs.iter().enumerate() {
            let m = tm[t] / tcount[t];
            values[i] -= m;
            change = change.max(m.abs());
        }
        if change <= 1e-13 * scale {
            break;
        }
    }
}

/// Result of a two-way fixed effects difference-in-differences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DidResult {
    /// Average effect on the treated, in outcome units.
    pub att: Effect,
    /// The effect relative to the treated areas' counterfactual post-period mean
    /// (att / (mean treated post − att)); `None` when that mean is not positive.
    pub relative: Option<Effect>,
    /// Observations used.
    pub nobs: usize,
    /// Number of clusters (areas).
    pub clusters: usize,
    /// Treated areas.
    pub treated_units: usize,
    /// Never-treated areas.
    pub control_units: usize,
    /// Things that weaken the conclusion.
    pub caveats: Vec<Caveat>,
}

struct Twfe {
    coef: Vec<f64>,
    cov: Matrix,
    nobs: usize,
    clusters: usize,
}

/// OLS of the two-way demeaned outcome on the demeaned regressors, with
/// covariance clustered by unit and the CRV1 factor G/(G − 1)·(N − 1)/(N − K),
/// K = number of regressors (the absorbed effects are not counted; this is
/// linearmodels' `debiased=True, group_debias=True, count_effects=False` and
/// Stata's `xtreg, fe vce(cluster)` convention).
fn twfe(panel: &Panel, regressors: &[Vec<f64>]) -> Result<Twfe, StatsError> {
    let obs: Vec<(usize, usize)> = (0..panel.units)
        .flat_map(|u| (0..panel.periods).map(move |t| (u, t)))
        .filter(|&(u, t)| !panel.y(u, t).is_nan())
        .collect();
    let n = obs.len();
    let k = regressors.len();
    let mut y: Vec<f64> = obs.iter().map(|&(u, t)| panel.y(u, t)).collect();
    two_way_demean(&mut y, &obs, panel.units, panel.periods);
    let mut cols = Vec::with_capacity(k);
    for r in regressors {
        let mut c: Vec<f64> = obs.iter().map(|&(u, t)| r[u * panel.periods + t]).collect();
        two_way_demean(&mut c, &obs, panel.units, panel.periods);
        cols.push(c);
    }
    let x = Matrix::from_columns(&cols)?;
    if n <= k {
        return Err(StatsError::TooFewObservations {
            what: "difference-in-differences",
            needed: k + 1,
            got: n,
        });
    }
    let groups: Vec<usize> = obs.iter().map(|&(u, _)| u).collect();
    let fit = ols(&x, &y, &Covariance::Cluster { groups })?;
    let cov = Matrix::from_row_major(k, k, fit.cov.clone())?;
    Ok(Twfe {
        coef: fit.coef,
        cov,
        nobs: n,
        clusters: fit.clusters.unwrap_or(1),
    })
}

/// Two-way fixed effects difference-in-differences: outcome on a treatment
/// indicator with area and period effects, standard errors clustered by area,
/// t inference with G − 1 degrees of freedom.
pub fn difference_in_differences(panel: &Panel, level: f64) -> Result<DidResult, StatsError> {
    check_level(level)?;
    panel.validate()?;
    let d: Vec<f64> = (0..panel.units)
        .flat_map(|u| (0..panel.periods).map(move |t| (u, t)))
        .map(|(u, t)| {
            if panel.treated_from[u].is_some_and(|g| t >= g) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let fit = twfe(panel, &[d])?;
    let df = (fit.clusters - 1) as f64;
    let se = fit.cov[(0, 0)].max(0.0).sqrt();
    let att = effect(fit.coef[0], se, Some(df), level)?;
    // Relative: to the treated areas' post-period mean minus the effect.
    let mut post = Vec::new();
    for u in 0..panel.units {
        if let Some(g) = panel.treated_from[u] {
            post.extend(
                (g..panel.periods)
                    .map(|t| panel.y(u, t))
                    .filter(|v| !v.is_nan()),
            );
        }
    }
    let mean_post = post.iter().sum::<f64>() / post.len().max(1) as f64;
    let base = mean_post - att.estimate;
    let relative = (base > 0.0).then(|| Effect {
        estimate: att.estimate / base,
        se: att.se / base,
        lower: att.lower / base,
        upper: att.upper / base,
        p_value: att.p_value,
    });
    let treated_units = panel.treated_from.iter().filter(|g| g.is_some()).count();
    let control_units = panel.units - treated_units;
    let mut caveats = Vec::new();
    if fit.clusters < 20 {
        caveats.push(Caveat::FewClusters {
            clusters: fit.clusters,
        });
    }
    if treated_units == 1 {
        caveats.push(Caveat::SingleTreatedUnit);
    }
    Ok(DidResult {
        att,
        relative,
        nobs: fit.nobs,
        clusters: fit.clusters,
        treated_units,
        control_units,
        caveats,
    })
}

/// One coefficient of an event study.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EventTime {
    /// Periods since the start (negative = before; −1 is the reference).
    pub relative_period: i64,
    /// The effect at that distance from the start.
    pub effect: Effect,
}

/// Result of an event study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventStudyResult {
    /// Coefficients for each relative period (the reference −1 is 0 by construction
    /// and not listed; the end bins collect everything further away).
    pub coefficients: Vec<EventTime>,
    /// Joint test that all leads are zero (F with q and G − 1 degrees of freedom).
    pub pretrend_p_value: f64,
    /// Number of clusters.
    pub clusters: usize,
    /// Things that weaken the conclusion.
    pub caveats: Vec<Caveat>,
}

/// Event study: two-way fixed effects with indicators for each period relative
/// to the start, from −`leads` to +`lags` (binned at both ends), omitting −1.
pub fn event_study(
    panel: &Panel,
    leads: usize,
    lags: usize,
    level: f64,
) -> Result<EventStudyResult, StatsError> {
    check_level(level)?;
    panel.validate()?;
    if leads < 2 {
        return Err(StatsError::InvalidArgument {
            name: "leads",
            value: leads as f64,
            expected: "at least 2 (−1 is the reference)",
        });
    }
    let rel: Vec<i64> = (-(leads as i64)..=(lags as i64))
        .filter(|&k| k != -1)
        .collect();
    let mut regs = vec![vec![0.0; panel.units * panel.periods]; rel.len()];
    for u in 0..panel.units {
        let Some(g) = panel.treated_from[u] else {
            continue;
        };
        for t in 0..panel.periods {
            let e = (t as i64 - g as i64).clamp(-(leads as i64), lags as i64);
            if let Some(j) = rel.iter().position(|&k| k == e) {
                regs[j][u * panel.periods + t] = 1.0;
            }
        }
    }
    // Drop relative periods with no observations (e.g. lags beyond the panel).
    let keep: Vec<usize> = (0..rel.len())
        .filter(|&j| regs[j].iter().any(|v| *v != 0.0))
        .collect();
    let regs: Vec<Vec<f64>> = keep.iter().map(|&j| regs[j].clone()).collect();
    let rel: Vec<i64> = keep.iter().map(|&j| rel[j]).collect();
    let fit = twfe(panel, &regs)?;
    let df = (fit.clusters - 1) as f64;
    let mut coefficients = Vec::new();
    for (j, &k) in rel.iter().enumerate() {
        coefficients.push(EventTime {
            relative_period: k,
            effect: effect(
                fit.coef[j],
                fit.cov[(j, j)].max(0.0).sqrt(),
                Some(df),
                level,
            )?,
        });
    }
    let lead_idx: Vec<usize> = (0..rel.len()).filter(|&j| rel[j] < -1).collect();
    let pretrend_p_value = if lead_idx.is_empty() {
        1.0
    } else {
        let q = lead_idx.len();
        let b: Vec<f64> = lead_idx.iter().map(|&j| fit.coef[j]).collect();
        let v = Matrix::from_rows(
            &lead_idx
                .iter()
                .map(|&a| lead_idx.iter().map(|&c| fit.cov[(a, c)]).collect())
                .collect::<Vec<_>>(),
        )?;
        let vinv = inverse(&v)?;
        let w = vinv.matvec(&b)?;
        let wald: f64 = b.iter().zip(&w).map(|(a, c)| a * c).sum();
        f_sf(wald / q as f64, q as f64, df)?
    };
    let mut caveats = Vec::new();
    if fit.clusters < 20 {
        caveats.push(Caveat::FewClusters {
            clusters: fit.clusters,
        });
    }
    if pretrend_p_value < 0.05 {
        caveats.push(Caveat::FailedPreTrends {
            p_value: pretrend_p_value,
        });
    }
    Ok(EventStudyResult {
        coefficients,
        pretrend_p_value,
        clusters: fit.clusters,
        caveats,
    })
}

/// One group-time average effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupTime {
    /// The group: areas first treated in this period.
    pub group: usize,
    /// The period.
    pub period: usize,
    /// ATT(g, t) with its uncertainty.
    pub effect: Effect,
}

/// Result of the staggered-adoption estimator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaggeredResult {
    /// Overall effect: the average of post-treatment ATT(g, t) weighted by group size.
    pub overall: Effect,
    /// The overall effect relative to the treated counterfactual mean, if positive.
    pub relative: Option<Effect>,
    /// Effects by periods since the start (negative = placebo pre-periods).
    pub by_event_time: Vec<EventTime>,
    /// Every ATT(g, t).
    pub group_time: Vec<GroupTime>,
    /// Joint test that the pre-period (placebo) effects are zero (chi-square).
    pub pretrend_p_value: f64,
    /// Number of never-treated comparison areas.
    pub control_units: usize,
    /// Things that weaken the conclusion.
    pub caveats: Vec<Caveat>,
}

/// Callaway & Sant'Anna (2021) without covariates, never-treated comparison
/// group: ATT(g, t) = mean over group g of (Yₜ − Y_base) minus the same mean over
/// never-treated areas, with base g − 1 for t ≥ g and t − 1 before (the
/// "varying" base for placebo periods). Standard errors from the areas'
/// influence functions (clustered by area), treating the aggregation weights as
/// fixed; the normal distribution for intervals.
pub fn staggered_did(panel: &Panel, level: f64) -> Result<StaggeredResult, StatsError> {
    check_level(level)?;
    panel.validate()?;
    let nu = panel.units;
    let controls: Vec<usize> = (0..nu)
        .filter(|&u| panel.treated_from[u].is_none())
        .collect();
    let mut groups: Vec<usize> = panel.treated_from.iter().flatten().copied().collect();
    groups.sort_unstable();
    groups.dedup();
    // Unit-level influence contributions for every ATT(g, t).
    struct Gt {
        group: usize,
        period: usize,
        att: f64,
        infl: Vec<f64>,
        size: f64,
    }
    let mut gts: Vec<Gt> = Vec::new();
    for &g in &groups {
        if g == 0 {
            continue; // treated from the first period: no pre-period base
        }
        let members: Vec<usize> = (0..nu)
            .filter(|&u| panel.treated_from[u] == Some(g))
            .collect();
        for t in 0..panel.periods {
            if t == g - 1 {
                continue;
            }
            let base = if t >= g { g - 1 } else { t.saturating_sub(1) };
            if t < g && t == 0 {
                continue;
            }
            let diffs = |us: &[usize]| -> Vec<(usize, f64)> {
                us.iter()
                    .filter_map(|&u| {
                        let d = panel.y(u, t) - panel.y(u, base);
                        (!d.is_nan()).then_some((u, d))
                    })
                    .collect()
            };
            let tr = diffs(&members);
            let co = diffs(&controls);
            if tr.is_empty() || co.is_empty() {
                continue;
            }
            let mt = tr.iter().map(|p| p.1).sum::<f64>() / tr.len() as f64;
            let mc = co.iter().map(|p| p.1).sum::<f64>() / co.len() as f64;
            let mut infl = vec![0.0; nu];
            for &(u, d) in &tr {
                infl[u] += (d - mt) / tr.len() as f64;
            }
            for &(u, d) in &co {
                infl[u] -= (d - mc) / co.len() as f64;
            }
            gts.push(Gt {
                group: g,
                period: t,
                att: mt - mc,
                infl,
                size: members.len() as f64,
            });
        }
    }
    let post: Vec<usize> = (0..gts.len())
        .filter(|&i| gts[i].period >= gts[i].group)
        .collect();
    if post.is_empty() {
        return Err(StatsError::Design {
            reason: "no treated area has both a pre-period and a post-period".into(),
        });
    }
    let g_correction = nu as f64 / (nu as f64 - 1.0);
    let aggregate = |idx: &[usize]| -> (f64, f64) {
        let wsum: f64 = idx.iter().map(|&i| gts[i].size).sum();
        let est = idx.iter().map(|&i| gts[i].size * gts[i].att).sum::<f64>() / wsum;
        let mut var = 0.0;
        for u in 0..nu {
            let psi: f64 = idx
                .iter()
                .map(|&i| gts[i].size * gts[i].infl[u])
                .sum::<f64>()
                / wsum;
            var += psi * psi;
        }
        (est, (var * g_correction).sqrt())
    };
    let (est, se) = aggregate(&post);
    let overall = effect(est, se, None, level)?;
    // By event time.
    let mut events: Vec<i64> = gts
        .iter()
        .map(|g| g.period as i64 - g.group as i64)
        .collect();
    events.sort_unstable();
    events.dedup();
    let mut by_event_time = Vec::new();
    let mut pre_est = Vec::new();
    let mut pre_infl = Vec::new();
    for &e in &events {
        let idx: Vec<usize> = (0..gts.len())
            .filter(|&i| gts[i].period as i64 - gts[i].group as i64 == e)
            .collect();
        let (est_e, se_e) = aggregate(&idx);
        by_event_time.push(EventTime {
            relative_period: e,
            effect: effect(est_e, se_e, None, level)?,
        });
        if e < 0 {
            let wsum: f64 = idx.iter().map(|&i| gts[i].size).sum();
            pre_est.push(est_e);
            pre_infl.push(
                (0..nu)
                    .map(|u| {
                        idx.iter()
                            .map(|&i| gts[i].size * gts[i].infl[u])
                            .sum::<f64>()
                            / wsum
                    })
                    .collect::<Vec<f64>>(),
            );
        }
    }
    // Joint Wald test of the placebo effects with the influence-function covariance.
    let pretrend_p_value = if pre_est.is_empty() {
        1.0
    } else {
        let q = pre_est.len();
        let mut v = Matrix::zeros(q, q);
        for a in 0..q {
            for b in 0..q {
                v[(a, b)] = g_correction
                    * (0..nu)
                        .map(|u| pre_infl[a][u] * pre_infl[b][u])
                        .sum::<f64>();
            }
        }
        match inverse(&v) {
            Ok(vinv) => {
                let w = vinv.matvec(&pre_est)?;
                chi_square_sf(pre_est.iter().zip(&w).map(|(a, b)| a * b).sum(), q as f64)?
            }
            Err(_) => 1.0,
        }
    };
    let mut group_time = Vec::new();
    for g in &gts {
        let se = (g_correction * g.infl.iter().map(|v| v * v).sum::<f64>()).sqrt();
        group_time.push(GroupTime {
            group: g.group,
            period: g.period,
            effect: effect(g.att, se, None, level)?,
        });
    }
    // Relative effect against the treated areas' counterfactual post mean.
    let mut post_vals = Vec::new();
    for u in 0..nu {
        if let Some(g) = panel.treated_from[u] {
            post_vals.extend(
                (g..panel.periods)
                    .map(|t| panel.y(u, t))
                    .filter(|v| !v.is_nan()),
            );
        }
    }
    let base = post_vals.iter().sum::<f64>() / post_vals.len().max(1) as f64 - overall.estimate;
    let relative = (base > 0.0).then(|| Effect {
        estimate: overall.estimate / base,
        se: overall.se / base,
        lower: overall.lower / base,
        upper: overall.upper / base,
        p_value: overall.p_value,
    });
    let mut caveats = Vec::new();
    if nu < 20 {
        caveats.push(Caveat::FewClusters { clusters: nu });
    }
    if controls.len() < 5 {
        caveats.push(Caveat::FewControls {
            controls: controls.len(),
        });
    }
    if pretrend_p_value < 0.05 {
        caveats.push(Caveat::FailedPreTrends {
            p_value: pretrend_p_value,
        });
    }
    Ok(StaggeredResult {
        overall,
        relative,
        by_event_time,
        group_time,
        pretrend_p_value,
        control_units: controls.len(),
        caveats,
    })
}

// ---------------------------------------------------------------------------
// Synthetic control
// ---------------------------------------------------------------------------

/// Result of a synthetic control analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyntheticControlResult {
    /// Donor weights (area index, weight), weights above 0.001 only, largest first.
    pub weights: Vec<(usize, f64)>,
    /// The synthetic area's outcome in every period.
    pub synthetic: Vec<f64>,
    /// Treated minus synthetic in every period.
    pub gaps: Vec<f64>,
    /// Average post-period gap, with the confidence set for a constant effect
    /// obtained by inverting the placebo test (Firpo & Possebom 2018); with too
    /// few donors for the level, the range of placebo-shifted effects instead
    /// (and a `FewControls` caveat).
    pub effect: Effect,
    /// Average post gap relative to the synthetic post mean, if positive.
    pub relative: Option<f64>,
    /// Root mean squared prediction error before the start.
    pub pre_rmspe: f64,
    /// ... and after.
    pub post_rmspe: f64,
    /// post/pre RMSPE ratio for the treated area.
    pub rmspe_ratio: f64,
    /// The same ratio for each placebo (donor treated as if it had the programme).
    pub placebo_ratios: Vec<f64>,
    /// Share of areas (treated included) whose ratio is at least the treated one's.
    pub p_value: f64,
    /// Things that weaken the conclusion.
    pub caveats: Vec<Caveat>,
}

fn synth_fit(
    panel: &Panel,
    treated: usize,
    donors: &[usize],
    start: usize,
) -> Result<(Vec<f64>, Vec<f64>), StatsError> {
    let pre: Vec<usize> = (0..start)
        .filter(|&t| {
            !panel.y(treated, t).is_nan() && donors.iter().all(|&d| !panel.y(d, t).is_nan())
        })
        .collect();
    if pre.len() < 2 {
        return Err(StatsError::TooFewObservations {
            what: "synthetic control pre-period",
            needed: 2,
            got: pre.len(),
        });
    }
    let x = Matrix::from_columns(
        &donors
            .iter()
            .map(|&d| pre.iter().map(|&t| panel.y(d, t)).collect())
            .collect::<Vec<_>>(),
    )?;
    let y: Vec<f64> = pre.iter().map(|&t| panel.y(treated, t)).collect();
    let w = simplex_least_squares(&x, &y, 20_000, 1e-12)?;
    let synthetic: Vec<f64> = (0..panel.periods)
        .map(|t| {
            donors
                .iter()
                .zip(&w)
                .map(|(&d, wi)| wi * panel.y(d, t))
                .sum()
        })
        .collect();
    Ok((w, synthetic))
}

fn rmspe(a: &[f64], b: &[f64], range: std::ops::Range<usize>) -> f64 {
    let v: Vec<f64> = range
        .filter(|&t| !(a[t] - b[t]).is_nan())
        .map(|t| (a[t] - b[t]).powi(2))
        .collect();
    (v.iter().sum::<f64>() / v.len().max(1) as f64).sqrt()
}

/// Synthetic control for one treated area (`treated`) against the never-treated
/// areas, with placebo-in-space inference.
pub fn synthetic_control(
    panel: &Panel,
    treated: usize,
    level: f64,
) -> Result<SyntheticControlResult, StatsError> {
    check_level(level)?;
    panel.validate()?;
    if treated >= panel.units {
        return Err(StatsError::InvalidArgument {
            name: "treated",
            value: treated as f64,
            expected: "the index of an area in the panel",
        });
    }
    let Some(start) = panel.treated_from[treated] else {
        return Err(StatsError::Design {
            reason: format!("area {treated} is not treated"),
        });
    };
    // Donors: never-treated areas observed in every period.
    let donors: Vec<usize> = (0..panel.units)
        .filter(|&u| {
            panel.treated_from[u].is_none() && (0..panel.periods).all(|t| !panel.y(u, t).is_nan())
        })
        .collect();
    if (0..panel.periods).any(|t| panel.y(treated, t).is_nan()) {
        return Err(StatsError::Design {
            reason: format!(
                "synthetic control needs the treated area {treated} observed in every period"
            ),
        });
    }
    if donors.len() < 2 {
        return Err(StatsError::Design {
            reason: format!(
                "synthetic control needs at least 2 untreated areas observed in every period, got {}",
                donors.len()
            ),
        });
    }
    if start < 2 || start >= panel.periods {
        return Err(StatsError::Design {
            reason: "synthetic control needs at least 2 pre-periods and 1 post-period".into(),
        });
    }
    let treated_y: Vec<f64> = (0..panel.periods).map(|t| panel.y(treated, t)).collect();
    let (w, synthetic) = synth_fit(panel, treated, &donors, start)?;
    let gaps: Vec<f64> = (0..panel.periods)
        .map(|t| treated_y[t] - synthetic[t])
        .collect();
    let pre_rmspe = rmspe(&treated_y, &synthetic, 0..start);
    let post_rmspe = rmspe(&treated_y, &synthetic, start..panel.periods);
    let ratio = post_rmspe / pre_rmspe.max(1e-12);
    let post_gaps: Vec<f64> = (start..panel.periods)
        .map(|t| gaps[t])
        .filter(|v| !v.is_nan())
        .collect();
    let att = post_gaps.iter().sum::<f64>() / post_gaps.len().max(1) as f64;
    // Placebos: each donor in turn, against the other donors.
    let mut placebo_ratios = Vec::new();
    let mut placebo_effects = Vec::new();
    for (j, &d) in donors.iter().enumerate() {
        let others: Vec<usize> = donors
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != j)
            .map(|(_, &u)| u)
            .collect();
        let Ok((_, s)) = synth_fit(panel, d, &others, start) else {
            continue;
        };
        let yd: Vec<f64> = (0..panel.periods).map(|t| panel.y(d, t)).collect();
        let pre = rmspe(&yd, &s, 0..start);
        let post = rmspe(&yd, &s, start..panel.periods);
        placebo_ratios.push(post / pre.max(1e-12));
        let g: Vec<f64> = (start..panel.periods)
            .map(|t| yd[t] - s[t])
            .filter(|v| !v.is_nan())
            .collect();
        placebo_effects.push(g.iter().sum::<f64>() / g.len().max(1) as f64);
    }
    let at_least = placebo_ratios.iter().filter(|&&r| r >= ratio).count();
    let p_value = (at_least + 1) as f64 / (placebo_ratios.len() + 1) as f64;
    // Interval by test inversion (Firpo & Possebom 2018, "Synthetic control method:
    // inference, sensitivity analysis and confidence sets", J. Causal Inference 6):
    // a constant effect c is kept when the treated post/pre RMSPE ratio of the gaps
    // minus c is not in the top α share of the placebo ratios. The pre-period fit
    // does not depend on c, so the set is {c : mean((g − c)²) ≤ (R·pre)²}, an
    // interval around the mean gap, with R the m-th largest placebo ratio.
    let alpha = 1.0 - level;
    let mut desc = placebo_ratios.clone();
    desc.sort_by(|a, b| b.total_cmp(a));
    let j = desc.len();
    // Largest m with (m + 1)/(J + 1) > α fails ⇔ keep c while #{R ≥ r(c)} ≥ m.
    let m = (0..=j)
        .find(|&m| (m + 1) as f64 / (j + 1) as f64 > alpha + 1e-12)
        .unwrap_or(j);
    let var_g =
        post_gaps.iter().map(|g| (g - att).powi(2)).sum::<f64>() / post_gaps.len().max(1) as f64;
    let (lower, upper) = if m == 0 {
        (f64::NEG_INFINITY, f64::INFINITY)
    } else {
        let bound = (desc[m - 1] * pre_rmspe).powi(2) - var_g;
        if bound >= 0.0 {
            (att - bound.sqrt(), att + bound.sqrt())
        } else {
            (att, att)
        }
    };
    let (lower, upper) = if lower.is_finite() {
        (lower, upper)
    } else {
        // Too few donors for this level: report the range of placebo-shifted effects.
        let lo = placebo_effects
            .iter()
            .fold(f64::INFINITY, |a, &b| a.min(att - b));
        let hi = placebo_effects
            .iter()
            .fold(f64::NEG_INFINITY, |a, &b| a.max(att - b));
        (lo.min(att), hi.max(att))
    };
    let synth_post: Vec<f64> = (start..panel.periods)
        .map(|t| synthetic[t])
        .filter(|v| !v.is_nan())
        .collect();
    let synth_mean = synth_post.iter().sum::<f64>() / synth_post.len().max(1) as f64;
    let relative = (synth_mean > 0.0).then(|| att / synth_mean);
    let mut weights: Vec<(usize, f64)> = donors
        .iter()
        .zip(&w)
        .filter(|(_, v)| **v > 1e-3)
        .map(|(&d, &v)| (d, v))
        .collect();
    weights.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut caveats = Vec::new();
    let pre_vals: Vec<f64> = (0..start)
        .map(|t| treated_y[t])
        .filter(|v| !v.is_nan())
        .collect();
    let mean = pre_vals.iter().sum::<f64>() / pre_vals.len().max(1) as f64;
    let sd = (pre_vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
        / (pre_vals.len().max(2) - 1) as f64)
        .sqrt();
    let relative_rmspe = if sd > 0.0 { pre_rmspe / sd } else { 0.0 };
    if relative_rmspe > 0.5 {
        caveats.push(Caveat::PoorPreFit { relative_rmspe });
    }
    if ((1.0 - level) * (donors.len() + 1) as f64) < 1.0 {
        caveats.push(Caveat::FewControls {
            controls: donors.len(),
        });
    }
    if start < 8 || panel.periods - start < 2 {
        caveats.push(Caveat::FewPeriods {
            before: start,
            after: panel.periods - start,
        });
    }
    Ok(SyntheticControlResult {
        weights,
        synthetic,
        gaps,
        effect: Effect {
            estimate: att,
            se: 0.0,
            lower,
            upper,
            p_value,
        },
        relative,
        pre_rmspe,
        post_rmspe,
        rmspe_ratio: ratio,
        placebo_ratios,
        p_value,
        caveats,
    })
}
