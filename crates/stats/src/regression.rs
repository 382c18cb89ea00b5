//! Linear and count regression with classical and robust standard errors.
//!
//! * OLS by Householder QR.
//! * Poisson and negative binomial (NB2: variance μ + αμ²) generalised linear
//!   models with a log link and an optional offset (log population), fitted by
//!   iteratively reweighted least squares (McCullagh & Nelder 1989, *Generalized
//!   Linear Models*, 2nd ed., §2.5). With α unknown, the negative binomial
//!   dispersion is estimated by maximising the profile likelihood (Lawless 1987,
//!   "Negative binomial and mixed Poisson regression", *Can. J. Stat.* 15:209–225).
//! * Covariance: classical; White (1980) heteroskedasticity-robust HC0 and its
//!   n/(n−k) rescaling HC1 (MacKinnon & White 1985); Newey & West (1987) HAC with
//!   Bartlett weights; cluster-robust (Liang & Zeger 1986; Cameron & Miller 2015,
//!   "A practitioner's guide to cluster-robust inference", *J. Human Resources*
//!   50:317–372) with the small-sample factor G/(G−1)·(N−1)/(N−K).
//!
//! For GLMs the robust "bread" is the inverse observed information and the
//! "meat" sums the per-observation scores, as in statsmodels, so results match it
//! (see `docs/methods.md` for the exact conventions and the cross-checks).

use serde::Serialize;

use crate::linalg::{Matrix, least_squares};
use crate::special::{ln_gamma, normal_quantile, normal_two_sided_p, t_quantile, t_two_sided_p};
use crate::{StatsError, check_values};

/// Which covariance matrix to report for the coefficients.
#[derive(Debug, Clone, PartialEq)]
pub enum Covariance {
    /// Model-based: σ²(X′X)⁻¹ for OLS, the inverse Fisher information for GLMs.
    Classical,
    /// White's heteroskedasticity-robust sandwich.
    Hc0,
    /// HC0 × n/(n − k).
    Hc1,
    /// Newey–West heteroskedasticity-and-autocorrelation-consistent sandwich with
    /// Bartlett weights 1 − l/(lags + 1). Rows must be consecutive, equally spaced
    /// periods of one series. `lags: None` uses ⌊4 (n/100)^(2/9)⌋ (Newey & West
    /// 1994). `small_sample` multiplies by n/(n − k).
    NeweyWest {
        /// Highest lag in the kernel.
        lags: Option<usize>,
        /// Apply the n/(n − k) factor.
        small_sample: bool,
    },
    /// Cluster-robust by group label (one label per row), with the
    /// G/(G−1)·(N−1)/(N−K) factor; inference uses t with G − 1 degrees of freedom.
    Cluster {
        /// Cluster label of each row.
        groups: Vec<usize>,
    },
}

/// The reference distribution for tests and intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "distribution", rename_all = "snake_case")]
pub enum Reference {
    /// Standard normal (count models with model-based or HC/HAC covariance).
    Normal,
    /// Student's t with the given degrees of freedom.
    StudentT {
        /// Degrees of freedom.
        df: f64,
    },
}

impl Reference {
    /// Two-sided p-value of a statistic.
    pub fn two_sided_p(&self, stat: f64) -> f64 {
        match self {
            Reference::Normal => normal_two_sided_p(stat),
            Reference::StudentT { df } => t_two_sided_p(stat, *df).unwrap_or(f64::NAN),
        }
    }

    /// The critical value for a two-sided interval at `level`.
    pub fn critical(&self, level: f64) -> Result<f64, StatsError> {
        crate::rates::check_level(level)?;
        let p = 0.5 + 0.5 * level;
        match self {
            Reference::Normal => normal_quantile(p),
            Reference::StudentT { df } => t_quantile(p, *df),
        }
    }
}

/// The count distribution of a GLM.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Family {
    /// Poisson: variance = mean.
    Poisson,
    /// Negative binomial NB2 with known α: variance = μ + αμ².
    NegativeBinomial {
        /// Overdispersion α ≥ 0 (0 is Poisson).
        alpha: f64,
    },
}

impl Family {
    fn alpha(&self) -> f64 {
        match self {
            Family::Poisson => 0.0,
            Family::NegativeBinomial { alpha } => *alpha,
        }
    }
}

/// A fitted regression.
#[derive(Debug, Clone, Serialize)]
pub struct RegressionFit {
    /// Coefficients, in the order of the design matrix columns.
    pub coef: Vec<f64>,
    /// Their standard errors (square roots of the covariance diagonal).
    pub se: Vec<f64>,
    /// Covariance matrix of the coefficients, row-major k × k.
    pub cov: Vec<f64>,
    /// Fitted means (including the offset for GLMs).
    pub fitted: Vec<f64>,
    /// Number of observations.
    pub nobs: usize,
    /// Residual degrees of freedom n − k.
    pub df_resid: f64,
    /// The distribution used for p-values and intervals.
    pub reference: Reference,
    /// Log-likelihood at the estimate (Gaussian for OLS).
    pub log_likelihood: f64,
    /// Deviance (residual sum of squares for OLS).
    pub deviance: f64,
    /// Pearson chi-square statistic Σ (y − μ)²/V(μ).
    pub pearson_chi2: f64,
    /// σ² for OLS; 1 for count models.
    pub scale: f64,
    /// The family for GLMs (with the α used), `None` for OLS.
    pub family: Option<Family>,
    /// IRLS iterations (0 for OLS).
    pub iterations: usize,
    /// Number of clusters for cluster-robust covariance.
    pub clusters: Option<usize>,
}

impl RegressionFit {
    /// coef / se.
    pub fn statistics(&self) -> Vec<f64> {
        self.coef.iter().zip(&self.se).map(|(b, s)| b / s).collect()
    }

    /// Two-sided p-values for each coefficient being zero.
    pub fn p_values(&self) -> Vec<f64> {
        self.statistics()
            .iter()
            .map(|t| self.reference.two_sided_p(*t))
            .collect()
    }

    /// Confidence intervals (lower, upper) for each coefficient.
    pub fn conf_int(&self, level: f64) -> Result<Vec<(f64, f64)>, StatsError> {
        let c = self.reference.critical(level)?;
        Ok(self
            .coef
            .iter()
            .zip(&self.se)
            .map(|(b, s)| (b - c * s, b + c * s))
            .collect())
    }

    /// Element (i, j) of the covariance matrix.
    pub fn cov_at(&self, i: usize, j: usize) -> f64 {
        self.cov[i * self.coef.len() + j]
    }

    /// Standard error of a linear combination c′β.
    pub fn se_of(&self, c: &[f64]) -> f64 {
        let k = self.coef.len();
        let mut v = 0.0;
        for i in 0..k {
            for j in 0..k {
                v += c[i] * c[j] * self.cov[i * k + j];
            }
        }
        v.max(0.0).sqrt()
    }
}

/// Default Newey–West lag: ⌊4 (n/100)^(2/9)⌋.
pub fn newey_west_default_lags(n: usize) -> usize {
    (4.0 * (n as f64 / 100.0).powf(2.0 / 9.0)).floor() as usize
}

fn check_design(x: &Matrix, y: &[f64]) -> Result<(), StatsError> {
    if y.len() != x.rows() {
        return Err(StatsError::LengthMismatch {
            what: "response (one value per design row)",
            expected: x.rows(),
            got: y.len(),
        });
    }
    if x.cols() == 0 {
        return Err(StatsError::TooFewObservations {
            what: "design matrix columns",
            needed: 1,
            got: 0,
        });
    }
    if x.rows() <= x.cols() {
        return Err(StatsError::TooFewObservations {
            what: "regression (more rows than coefficients)",
            needed: x.cols() + 1,
            got: x.rows(),
        });
    }
    if !x.is_finite() {
        return Err(StatsError::BadValue {
            what: "design matrix",
            index: 0,
            value: f64::NAN,
            extra: " (all entries finite)",
        });
    }
    Ok(())
}

/// Dense cluster indices 0..G from arbitrary labels.
fn dense_groups(groups: &[usize]) -> (Vec<usize>, usize) {
    let mut map = std::collections::HashMap::new();
    let idx = groups
        .iter()
        .map(|g| {
            let n = map.len();
            *map.entry(*g).or_insert(n)
        })
        .collect();
    (idx, map.len())
}

/// Sandwich covariance bread · meat · bread, where `scores` holds one row per
/// observation (its contribution to the estimating equations).
fn sandwich(
    bread: &Matrix,
    scores: &Matrix,
    cov: &Covariance,
) -> Result<(Matrix, Option<usize>), StatsError> {
    let (n, k) = (scores.rows(), scores.cols());
    let mut meat = Matrix::zeros(k, k);
    let mut clusters = None;
    let mut factor = 1.0;
    match cov {
        Covariance::Classical => unreachable_classical()?,
        Covariance::Hc0 | Covariance::Hc1 => {
            meat = scores.weighted_gram(None);
            if matches!(cov, Covariance::Hc1) {
                factor = n as f64 / (n - k) as f64;
            }
        }
        Covariance::NeweyWest { lags, small_sample } => {
            let lags = lags
                .unwrap_or_else(|| newey_west_default_lags(n))
                .min(n.saturating_sub(1));
            meat = scores.weighted_gram(None);
            for l in 1..=lags {
                let w = 1.0 - l as f64 / (lags as f64 + 1.0);
                for t in l..n {
                    let (a, b) = (scores.row(t), scores.row(t - l));
                    for i in 0..k {
                        for j in 0..k {
                            meat[(i, j)] += w * (a[i] * b[j] + b[i] * a[j]);
                        }
                    }
                }
            }
            if *small_sample {
                factor = n as f64 / (n - k) as f64;
            }
        }
        Covariance::Cluster { groups } => {
            if groups.len() != n {
                return Err(StatsError::LengthMismatch {
                    what: "cluster labels (one per row)",
                    expected: n,
                    got: groups.len(),
                });
            }
            let (idx, g) = dense_groups(groups);
            if g < 2 {
                return Err(StatsError::TooFewObservations {
                    what: "cluster-robust covariance: clusters",
                    needed: 2,
                    got: g,
                });
            }
            let mut sums = Matrix::zeros(g, k);
            for (t, &c) in idx.iter().enumerate() {
                for (j, v) in scores.row(t).iter().enumerate() {
                    sums[(c, j)] += v;
                }
            }
            meat = sums.weighted_gram(None);
            factor = g as f64 / (g as f64 - 1.0) * (n as f64 - 1.0) / (n - k) as f64;
            clusters = Some(g);
        }
    }
    let mut out = bread.matmul(&meat)?.matmul(bread)?;
    for i in 0..k {
        for j in 0..k {
            out[(i, j)] *= factor;
        }
    }
    Ok((out, clusters))
}

fn unreachable_classical() -> Result<(), StatsError> {
    Err(StatsError::Design {
        reason: "internal: classical covariance has no sandwich".into(),
    })
}

fn finish_cov(cov: &Matrix) -> Result<Vec<f64>, StatsError> {
    let k = cov.rows();
    let se: Vec<f64> = (0..k).map(|i| cov[(i, i)]).collect();
    if se.iter().any(|v| !v.is_finite() || *v < -1e-12) {
        return Err(StatsError::Singular {
            what: "covariance matrix has negative or non-finite variances",
        });
    }
    Ok(se.iter().map(|v| v.max(0.0).sqrt()).collect())
}

fn flatten(m: &Matrix) -> Vec<f64> {
    (0..m.rows()).flat_map(|i| m.row(i).to_vec()).collect()
}

/// Ordinary least squares.
///
/// Inference uses Student's t with n − k degrees of freedom (G − 1 for
/// cluster-robust covariance).
pub fn ols(x: &Matrix, y: &[f64], cov: &Covariance) -> Result<RegressionFit, StatsError> {
    check_design(x, y)?;
    check_values("response", y, false)?;
    let (n, k) = (x.rows(), x.cols());
    let ls = least_squares(x, y)?;
    let fitted = x.matvec(&ls.coef)?;
    let resid: Vec<f64> = y.iter().zip(&fitted).map(|(a, b)| a - b).collect();
    let ssr: f64 = resid.iter().map(|r| r * r).sum();
    let df_resid = (n - k) as f64;
    let sigma2 = ssr / df_resid;
    let (covm, clusters) = if matches!(cov, Covariance::Classical) {
        let mut c = ls.xtx_inv.clone();
        for i in 0..k {
            for j in 0..k {
                c[(i, j)] *= sigma2;
            }
        }
        (c, None)
    } else {
        let mut scores = x.clone();
        for (i, r) in resid.iter().enumerate() {
            for j in 0..k {
                scores[(i, j)] *= r;
            }
        }
        sandwich(&ls.xtx_inv, &scores, cov)?
    };
    let se = finish_cov(&covm)?;
    let reference = match clusters {
        Some(g) => Reference::StudentT { df: (g - 1) as f64 },
        None => Reference::StudentT { df: df_resid },
    };
    let nf = n as f64;
    let log_likelihood = -0.5 * nf * ((2.0 * std::f64::consts::PI).ln() + (ssr / nf).ln() + 1.0);
    Ok(RegressionFit {
        coef: ls.coef,
        se,
        cov: flatten(&covm),
        fitted,
        nobs: n,
        df_resid,
        reference,
        log_likelihood,
        deviance: ssr,
        pearson_chi2: ssr,
        scale: sigma2,
        family: None,
        iterations: 0,
        clusters,
    })
}

/// Options for IRLS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IrlsOptions {
    /// Maximum iterations.
    pub max_iter: usize,
    /// Convergence: relative change in deviance.
    pub tol: f64,
}

impl Default for IrlsOptions {
    fn default() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-12,
        }
    }
}

fn nb_log_likelihood(y: &[f64], mu: &[f64], alpha: f64) -> f64 {
    if alpha <= 0.0 {
        return y
            .iter()
            .zip(mu)
            .map(|(&y, &m)| if y > 0.0 { y * m.ln() } else { 0.0 } - m - ln_gamma(y + 1.0))
            .sum();
    }
    let r = 1.0 / alpha;
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let base = ln_gamma(y + r) - ln_gamma(r) - ln_gamma(y + 1.0) - r * (alpha * m).ln_1p();
            base + if y > 0.0 {
                y * (alpha * m / (1.0 + alpha * m)).ln()
            } else {
                0.0
            }
        })
        .sum()
}

fn deviance_weighted(y: &[f64], mu: &[f64], alpha: f64, prior: &[f64]) -> f64 {
    (0..y.len())
        .map(|i| prior[i] * deviance(&y[i..=i], &mu[i..=i], alpha))
        .sum()
}

fn deviance(y: &[f64], mu: &[f64], alpha: f64) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let ylog = if y > 0.0 { y * (y / m).ln() } else { 0.0 };
            if alpha <= 0.0 {
                2.0 * (ylog - (y - m))
            } else {
                2.0 * (ylog - (y + 1.0 / alpha) * ((1.0 + alpha * y) / (1.0 + alpha * m)).ln())
            }
        })
        .sum()
}

pub(crate) struct IrlsState {
    pub(crate) coef: Vec<f64>,
    pub(crate) mu: Vec<f64>,
    pub(crate) xtwx_inv: Matrix,
    pub(crate) iterations: usize,
}

fn irls(
    x: &Matrix,
    y: &[f64],
    offset: &[f64],
    alpha: f64,
    start: Option<&[f64]>,
    opts: IrlsOptions,
) -> Result<IrlsState, StatsError> {
    irls_weighted(x, y, offset, alpha, None, start, opts)
}

/// IRLS with optional prior (case) weights.
pub(crate) fn irls_weighted(
    x: &Matrix,
    y: &[f64],
    offset: &[f64],
    alpha: f64,
    prior: Option<&[f64]>,
    start: Option<&[f64]>,
    opts: IrlsOptions,
) -> Result<IrlsState, StatsError> {
    let (n, k) = (x.rows(), x.cols());
    let ybar = y.iter().sum::<f64>() / n as f64;
    // Start from the data (as GLM software conventionally does) or from given coefficients.
    let mut eta: Vec<f64> = match start {
        Some(b) => x
            .matvec(b)?
            .iter()
            .zip(offset)
            .map(|(e, o)| e + o)
            .collect(),
        None => y
            .iter()
            .map(|&v| (0.5 * (v + ybar)).max(1e-3).ln())
            .collect(),
    };
    let mut mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
    let mut dev_old = deviance(y, &mu, alpha);
    let mut sw = Matrix::zeros(n, k);
    let mut z = vec![0.0; n];
    for it in 1..=opts.max_iter {
        for i in 0..n {
            let w = prior.map_or(1.0, |p| p[i]) * mu[i] / (1.0 + alpha * mu[i]);
            let s = w.sqrt();
            z[i] = s * (eta[i] - offset[i] + (y[i] - mu[i]) / mu[i]);
            for (j, v) in x.row(i).iter().enumerate() {
                sw[(i, j)] = s * v;
            }
        }
        let ls = least_squares(&sw, &z)?;
        let (coef, xtwx_inv) = (ls.coef, ls.xtx_inv);
        eta = x
            .matvec(&coef)?
            .iter()
            .zip(offset)
            .map(|(e, o)| e + o)
            .collect();
        if eta.iter().any(|e| !e.is_finite() || *e > 700.0) {
            return Err(StatsError::NoConvergence {
                what: "count regression (fitted means overflow)",
                iterations: it,
            });
        }
        mu = eta.iter().map(|e| e.exp()).collect();
        let dev = match prior {
            Some(p) => deviance_weighted(y, &mu, alpha, p),
            None => deviance(y, &mu, alpha),
        };
        if (dev - dev_old).abs() <= opts.tol * (dev.abs() + 0.1) {
            return Ok(IrlsState {
                coef,
                mu,
                xtwx_inv,
                iterations: it,
            });
        }
        dev_old = dev;
    }
    Err(StatsError::NoConvergence {
        what: "count regression (IRLS)",
        iterations: opts.max_iter,
    })
}

fn check_counts(x: &Matrix, y: &[f64], offset: Option<&[f64]>) -> Result<Vec<f64>, StatsError> {
    check_design(x, y)?;
    check_values("counts", y, true)?;
    let offset = match offset {
        Some(o) => {
            if o.len() != y.len() {
                return Err(StatsError::LengthMismatch {
                    what: "offset (one per row)",
                    expected: y.len(),
                    got: o.len(),
                });
            }
            check_values("offset", o, false)?;
            o.to_vec()
        }
        None => vec![0.0; y.len()],
    };
    if y.iter().all(|v| *v == 0.0) {
        return Err(StatsError::Design {
            reason: "all counts are zero: a count model has no finite estimate".into(),
        });
    }
    Ok(offset)
}

fn glm_from_state(
    x: &Matrix,
    y: &[f64],
    state: IrlsState,
    family: Family,
    cov: &Covariance,
) -> Result<RegressionFit, StatsError> {
    let (n, k) = (x.rows(), x.cols());
    let alpha = family.alpha();
    let mu = &state.mu;
    let (covm, clusters) = if matches!(cov, Covariance::Classical) {
        (state.xtwx_inv.clone(), None)
    } else {
        // Observed information for the log link: μ(1 + αy)/(1 + αμ)² per row.
        let h: Vec<f64> = y
            .iter()
            .zip(mu)
            .map(|(&y, &m)| m * (1.0 + alpha * y) / (1.0 + alpha * m).powi(2))
            .collect();
        let bread = crate::linalg::spd_inverse(&x.weighted_gram(Some(&h)))?;
        let mut scores = x.clone();
        for i in 0..n {
            let u = (y[i] - mu[i]) / (1.0 + alpha * mu[i]);
            for j in 0..k {
                scores[(i, j)] *= u;
            }
        }
        sandwich(&bread, &scores, cov)?
    };
    let se = finish_cov(&covm)?;
    let reference = match clusters {
        Some(g) => Reference::StudentT { df: (g - 1) as f64 },
        None => Reference::Normal,
    };
    let pearson_chi2 = y
        .iter()
        .zip(mu)
        .map(|(&y, &m)| (y - m).powi(2) / (m + alpha * m * m))
        .sum();
    Ok(RegressionFit {
        coef: state.coef,
        se,
        cov: flatten(&covm),
        fitted: state.mu.clone(),
        nobs: n,
        df_resid: (n - k) as f64,
        reference,
        log_likelihood: nb_log_likelihood(y, mu, alpha),
        deviance: deviance(y, mu, alpha),
        pearson_chi2,
        scale: 1.0,
        family: Some(family),
        iterations: state.iterations,
        clusters,
    })
}

/// A Poisson or negative binomial (known α) regression with log link:
/// log E\[y\] = offset + Xβ. Counts must be finite and non-negative (they may be
/// non-integer, e.g. weighted counts).
pub fn glm(
    x: &Matrix,
    y: &[f64],
    offset: Option<&[f64]>,
    family: Family,
    cov: &Covariance,
) -> Result<RegressionFit, StatsError> {
    let offset = check_counts(x, y, offset)?;
    if let Family::NegativeBinomial { alpha } = family
        && !(alpha.is_finite() && alpha >= 0.0)
    {
        return Err(StatsError::InvalidArgument {
            name: "alpha",
            value: alpha,
            expected: "a finite overdispersion ≥ 0",
        });
    }
    let state = irls(x, y, &offset, family.alpha(), None, IrlsOptions::default())?;
    glm_from_state(x, y, state, family, cov)
}

/// Negative binomial (NB2) regression with α estimated by maximum likelihood
/// (profile likelihood over ln α, golden-section search on [e⁻¹⁶, e⁶]).
/// Standard errors treat α as known (the information for β and α is
/// block-diagonal in expectation, Lawless 1987).
pub fn negative_binomial(
    x: &Matrix,
    y: &[f64],
    offset: Option<&[f64]>,
    cov: &Covariance,
) -> Result<RegressionFit, StatsError> {
    let offset = check_counts(x, y, offset)?;
    let opts = IrlsOptions::default();
    let poisson = irls(x, y, &offset, 0.0, None, opts)?;
    let start = poisson.coef.clone();
    let profile = |ln_alpha: f64| -> Result<(f64, IrlsState), StatsError> {
        let a = ln_alpha.exp();
        let s = irls(x, y, &offset, a, Some(&start), opts)?;
        Ok((nb_log_likelihood(y, &s.mu, a), s))
    };
    let (mut lo, mut hi) = (-16.0_f64, 6.0_f64);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = hi - g * (hi - lo);
    let mut d = lo + g * (hi - lo);
    // An α at which IRLS fails (extreme dispersion) simply loses the comparison.
    let mut fc = profile(c).map_or(f64::NEG_INFINITY, |r| r.0);
    let mut fd = profile(d).map_or(f64::NEG_INFINITY, |r| r.0);
    while hi - lo > 1e-10 {
        if fc > fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - g * (hi - lo);
            fc = profile(c).map_or(f64::NEG_INFINITY, |r| r.0);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + g * (hi - lo);
            fd = profile(d).map_or(f64::NEG_INFINITY, |r| r.0);
        }
    }
    let ln_alpha = 0.5 * (lo + hi);
    let (_, state) = profile(ln_alpha)?;
    glm_from_state(
        x,
        y,
        state,
        Family::NegativeBinomial {
            alpha: ln_alpha.exp(),
        },
        cov,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> (Matrix, Vec<f64>) {
        let x = Matrix::from_rows(&[
            vec![1.0, 1.0],
            vec![1.0, 2.0],
            vec![1.0, 3.0],
            vec![1.0, 4.0],
        ])
        .unwrap();
        (x, vec![1.0, 2.0, 2.0, 4.0])
    }

    #[test]
    fn ols_classical_and_hc_by_hand() {
        // Residuals of y = 0.9x: (0.1, 0.2, −0.7, 0.4); SSR = 0.7; s² = 0.35;
        // var(slope) = s²/Sxx = 0.07.
        let (x, y) = line();
        let f = ols(&x, &y, &Covariance::Classical).unwrap();
        assert!((f.coef[1] - 0.9).abs() < 1e-14);
        assert!((f.se[1] - 0.07f64.sqrt()).abs() < 1e-14);
        assert!((f.deviance - 0.7).abs() < 1e-14);
        // HC0 slope variance = Σ(xᵢ − x̄)² eᵢ² / Sxx² = 0.515 / 25.
        let f = ols(&x, &y, &Covariance::Hc0).unwrap();
        assert!((f.se[1] - (0.515f64 / 25.0).sqrt()).abs() < 1e-14);
        let f1 = ols(&x, &y, &Covariance::Hc1).unwrap();
        assert!((f1.se[1] - (0.515f64 / 25.0 * 2.0).sqrt()).abs() < 1e-14);
        // t(2) critical value 4.302653 for the 95 % interval (t table).
        let ci = f.conf_int(0.95).unwrap();
        assert!((ci[1].1 - (0.9 + 4.302_652_729_911_275 * f.se[1])).abs() < 1e-10);
    }

    #[test]
    fn newey_west_by_hand() {
        // One regressor (a constant): scores are the residuals eᵢ = yᵢ − ȳ.
        // y = (1, 3, 2, 6): ȳ = 3, e = (−2, 0, −1, 3); Σe² = 14; lag 1 products
        // e₂e₁ + e₃e₂ + e₄e₃ = 0 + 0 − 3 = −3, weight ½ ⇒ meat = 14 + 2·½·(−3) = 11;
        // bread = 1/n = ¼ ⇒ variance = 11/16.
        let x = Matrix::from_columns(&[vec![1.0; 4]]).unwrap();
        let f = ols(
            &x,
            &[1.0, 3.0, 2.0, 6.0],
            &Covariance::NeweyWest {
                lags: Some(1),
                small_sample: false,
            },
        )
        .unwrap();
        assert!((f.se[0] - (11.0f64 / 16.0).sqrt()).abs() < 1e-14);
        assert_eq!(newey_west_default_lags(100), 4);
        assert_eq!(newey_west_default_lags(120), 4);
    }

    #[test]
    fn cluster_by_hand() {
        // Constant only; clusters {1,2} and {3,4}; e = (−2, 0, −1, 3):
        // cluster sums −2 and 2 ⇒ meat 8; bread ¼ ⇒ 8/16; factor G/(G−1)·(N−1)/(N−K) = 2·3/3 = 2.
        let x = Matrix::from_columns(&[vec![1.0; 4]]).unwrap();
        let f = ols(
            &x,
            &[1.0, 3.0, 2.0, 6.0],
            &Covariance::Cluster {
                groups: vec![7, 7, 9, 9],
            },
        )
        .unwrap();
        assert!((f.se[0] - 1.0).abs() < 1e-14);
        assert_eq!(f.reference, Reference::StudentT { df: 1.0 });
        assert!(
            ols(
                &x,
                &[1.0, 3.0, 2.0, 6.0],
                &Covariance::Cluster { groups: vec![1; 4] }
            )
            .is_err()
        );
    }

    #[test]
    fn poisson_two_groups_closed_form() {
        // With one binary regressor the MLE reproduces the group means:
        // intercept ln 3, effect ln(8/3), SE of effect √(1/9 + 1/24).
        let x = Matrix::from_columns(&[vec![1.0; 6], vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]]).unwrap();
        let y = [2.0, 3.0, 4.0, 6.0, 8.0, 10.0];
        let f = glm(&x, &y, None, Family::Poisson, &Covariance::Classical).unwrap();
        assert!((f.coef[0] - 3f64.ln()).abs() < 1e-10);
        assert!((f.coef[1] - (8.0f64 / 3.0).ln()).abs() < 1e-10);
        assert!((f.se[1] - (1.0 / 9.0 + 1.0 / 24.0f64).sqrt()).abs() < 1e-10);
        // With an offset of ln(exposure), the coefficients are log rates: group 0 has
        // 9 events in 30 units of exposure, group 1 has 24 in 40.
        let off = [
            10f64.ln(),
            10f64.ln(),
            10f64.ln(),
            20f64.ln(),
            10f64.ln(),
            10f64.ln(),
        ];
        let f = glm(&x, &y, Some(&off), Family::Poisson, &Covariance::Classical).unwrap();
        assert!((f.coef[0] - 0.3f64.ln()).abs() < 1e-10);
        assert!((f.coef[1] - (0.6f64 / 0.3).ln()).abs() < 1e-10);
        // NB with known α: same means, var(effect) = (1 + 3α)/(3·3) + (1 + 8α)/(3·8).
        let a = 0.2;
        let f = glm(
            &x,
            &y,
            None,
            Family::NegativeBinomial { alpha: a },
            &Covariance::Classical,
        )
        .unwrap();
        assert!((f.coef[1] - (8.0f64 / 3.0).ln()).abs() < 1e-10);
        let want = ((1.0 + 3.0 * a) / 9.0 + (1.0 + 8.0 * a) / 24.0f64).sqrt();
        assert!((f.se[1] - want).abs() < 1e-10);
    }

    #[test]
    fn count_models_reject_bad_input() {
        let x = Matrix::from_columns(&[vec![1.0; 4]]).unwrap();
        assert!(matches!(
            glm(&x, &[0.0; 4], None, Family::Poisson, &Covariance::Classical),
            Err(StatsError::Design { .. })
        ));
        assert!(matches!(
            glm(
                &x,
                &[1.0, -1.0, 2.0, 3.0],
                None,
                Family::Poisson,
                &Covariance::Classical
            ),
            Err(StatsError::BadValue { index: 1, .. })
        ));
        assert!(
            glm(
                &x,
                &[1.0, f64::NAN, 2.0, 3.0],
                None,
                Family::Poisson,
                &Covariance::Classical
            )
            .is_err()
        );
        assert!(
            glm(
                &x,
                &[1.0, 2.0],
                None,
                Family::Poisson,
                &Covariance::Classical
            )
            .is_err()
        );
    }
}
