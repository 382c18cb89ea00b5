//! Nowcasting counts that are still being recorded.
//!
//! Offences are recorded with a delay, so the latest periods look low until the
//! late records arrive. Given a reporting triangle (occurrence period × delay),
//! the multiplicative delay model E[N(i, d)] = λᵢ·p_d, fitted as an
//! overdispersed Poisson log-linear model with occurrence and delay effects,
//! reproduces the chain-ladder estimates (Kremer 1982; Renshaw & Verrall 1998,
//! "A stochastic model underlying the chain-ladder technique", *British
//! Actuarial Journal* 4:903–923) and is the delay model of nowcasting in
//! epidemiology (Höhle & an der Heiden 2014, "Bayesian nowcasting during the
//! STEC O104:H4 outbreak in Germany, 2011", *Biometrics* 70:993–1002, whose
//! multiplicative model this is without the Bayesian layer).
//!
//! The still-missing count of period i is estimated by Σ λ̂ᵢ p̂_d over the delays
//! not yet observed. Its prediction error combines process variance φ·R̂ and
//! estimation variance g′ Cov(θ̂) g (England & Verrall 2002, "Stochastic claims
//! reserving in general insurance", *British Actuarial Journal* 8:443–544, §7),
//! and the interval takes the quantiles of a negative binomial with that mean
//! and variance.
//!
//! [`nowcast_by_group`] nowcasts many small series (areas of one offence
//! category) with a delay distribution estimated once per group from their summed
//! triangles.

use serde::Serialize;

use crate::StatsError;
use crate::linalg::{Cholesky, Matrix};
use crate::rates::check_level;
use crate::special::{negative_binomial_quantile, poisson_quantile};

/// Settings for [`nowcast`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NowcastConfig {
    /// Largest delay (in periods) after which nothing more is recorded.
    pub max_delay: usize,
    /// Fit the delay distribution on the last `window` occurrence periods only
    /// (delays change as recording practice changes); `None` for all.
    pub window: Option<usize>,
    /// Interval level, e.g. 0.95.
    pub level: f64,
}

/// The nowcast for one occurrence period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NowcastPeriod {
    /// Position of the occurrence period in the triangle.
    pub period: usize,
    /// Count recorded so far.
    pub reported: f64,
    /// Estimated final count.
    pub estimate: f64,
    /// Lower limit of the final count.
    pub lower: f64,
    /// Upper limit of the final count.
    pub upper: f64,
    /// Estimated share of the final count already recorded.
    pub share_reported: f64,
}

/// The result of a nowcast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nowcast {
    /// One entry per occurrence period, in order.
    pub periods: Vec<NowcastPeriod>,
    /// Estimated delay distribution p₀ … p_D (sums to 1).
    pub delay_distribution: Vec<f64>,
    /// Overdispersion φ (Pearson, at least 1).
    pub dispersion: f64,
}

/// Nowcasts final counts from a reporting triangle.
///
/// `triangle[i][d]` is the number of offences that occurred in period i and
/// were recorded d periods later. Row i holds only the delays observed so far
/// (typically `min(max_delay + 1, T − i)` entries for T periods); shorter rows
/// are the incomplete recent periods.
pub fn nowcast(triangle: &[Vec<f64>], config: &NowcastConfig) -> Result<Nowcast, StatsError> {
    check_level(config.level)?;
    let ncol = config.max_delay + 1;
    let t = triangle.len();
    if t == 0 {
        return Err(StatsError::TooFewObservations {
            what: "nowcast (occurrence periods)",
            needed: 2,
            got: 0,
        });
    }
    for (i, row) in triangle.iter().enumerate() {
        if row.len() > ncol {
            return Err(StatsError::LengthMismatch {
                what: "triangle row (at most max_delay + 1 delays)",
                expected: ncol,
                got: row.len(),
            });
        }
        crate::check_values("reporting triangle", row, true).map_err(|e| StatsError::AtIndex {
            index: i,
            source: Box::new(e),
        })?;
    }
    if !triangle.iter().any(|r| r.len() == ncol) {
        return Err(StatsError::Design { reason: "no occurrence period is complete (observed up to max_delay): the delay distribution cannot be estimated".into() });
    }
    let first = config.window.map_or(0, |w| t.saturating_sub(w));
    // Rows and delay columns with at least one recorded offence carry information;
    // the others have MLEs at zero and are handled separately.
    let rows: Vec<usize> = (first..t)
        .filter(|&i| triangle[i].iter().any(|v| *v > 0.0))
        .collect();
    let cols: Vec<usize> = (0..ncol)
        .filter(|&d| (first..t).any(|i| triangle[i].get(d).is_some_and(|v| *v > 0.0)))
        .collect();
    if rows.is_empty() || cols.is_empty() {
        return Err(StatsError::Design {
            reason: "the reporting triangle holds no recorded offences".into(),
        });
    }
    let fit = fit_delay_model(triangle, &rows, &cols)?;
    let z_level = config.level;
    // Delay distribution p_d ∝ exp(β_d).
    let mut p = vec![0.0; ncol];
    let total: f64 = cols.iter().map(|&d| fit.beta_of(d)).map(f64::exp).sum();
    for &d in &cols {
        p[d] = fit.beta_of(d).exp() / total;
    }
    let a = 0.5 * (1.0 - z_level);
    let mut periods = Vec::with_capacity(t);
    for (i, row) in triangle.iter().enumerate() {
        let reported: f64 = row.iter().sum();
        let observed_share: f64 = (0..row.len()).map(|d| p[d]).sum();
        let unobserved: Vec<usize> = cols.iter().copied().filter(|&d| d >= row.len()).collect();
        let share_reported = observed_share.clamp(0.0, 1.0);
        if unobserved.is_empty() {
            periods.push(NowcastPeriod {
                period: i,
                reported,
                estimate: reported,
                lower: reported,
                upper: reported,
                share_reported: 1.0,
            });
            continue;
        }
        let Some(ri) = rows.iter().position(|&r| r == i) else {
            // Nothing recorded yet (or the row is outside the fitting window): scale
            // up by the share observed, with the exact Poisson limit when zero.
            let (estimate, lower, upper) = unfitted_row(reported, share_reported, config.level)?;
            periods.push(NowcastPeriod {
                period: i,
                reported,
                estimate,
                lower,
                upper,
                share_reported,
            });
            continue;
        };
        // Missing count R = Σ over unobserved delays of exp(α_i + β_d).
        let alpha = fit.coef[ri];
        let mut r_hat = 0.0;
        let mut grad = vec![0.0; fit.coef.len()];
        for &d in &unobserved {
            let mu = (alpha + fit.beta_of(d)).exp();
            r_hat += mu;
            grad[ri] += mu;
            if let Some(j) = fit.beta_index(d) {
                grad[j] += mu;
            }
        }
        let inv_g = fit.chol.solve(&grad);
        let est_var = fit.phi * grad.iter().zip(&inv_g).map(|(a, b)| a * b).sum::<f64>();
        let var = fit.phi * r_hat + est_var.max(0.0);
        let (lo, hi) = count_interval(r_hat, var, a)?;
        periods.push(NowcastPeriod {
            period: i,
            reported,
            estimate: reported + r_hat,
            lower: reported + lo,
            upper: reported + hi,
            share_reported,
        });
    }
    Ok(Nowcast {
        periods,
        delay_distribution: p,
        dispersion: fit.phi,
    })
}

/// The nowcast of one series whose delay distribution is shared with its group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SeriesDelays {
    /// One entry per occurrence period, in order.
    Nowcast {
        /// The periods.
        periods: Vec<NowcastPeriod>,
    },
    /// The series could not be nowcast.
    Failed {
        /// Why.
        reason: String,
    },
}

/// The delay distribution estimated for one group of series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDelays {
    /// The group identifier given by the caller.
    pub group: usize,
    /// Number of series in the group.
    pub series: usize,
    /// Estimated delay distribution p₀ … p_D (empty if it could not be estimated).
    pub delay_distribution: Vec<f64>,
    /// Overdispersion of the pooled triangle (Pearson, at least 1).
    pub dispersion: f64,
    /// Why the distribution could not be estimated, if it could not.
    pub error: Option<String>,
}

/// The result of [`nowcast_by_group`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupedNowcast {
    /// Per series, in input order.
    pub series: Vec<SeriesDelays>,
    /// Per group, in order of first appearance.
    pub groups: Vec<GroupDelays>,
}

/// Nowcasts many series whose delay distributions are shared within groups.
///
/// `triangles[i]` is series i's reporting triangle (as for [`nowcast`]; rows
/// aligned on the latest occurrence period, which is the last row). The delay
/// distribution of group g is estimated by [`nowcast`] on the cell-wise sum of
/// its series' triangles: areas of one offence category share their recording
/// practice, and a district's own triangle is too sparse to estimate it.
///
/// Each series is then nowcast with its group's distribution: with a share q of
/// the final count recorded by the delays observed so far and R recorded, the
/// estimate is R/q. The interval is the predictive distribution of the count
/// still to come, U = Y − R: binomial thinning of a Poisson count with a
/// Jeffreys prior on its mean gives λ | R ~ Gamma(R + ½, q), so
/// U | R ~ negative binomial with size R + ½ and success probability q
/// (mean (R + ½)(1 − q)/q); the limits are R plus its quantiles. The error
/// of the pooled shares is ignored (they rest on the whole group).
pub fn nowcast_by_group(
    triangles: &[Vec<Vec<f64>>],
    groups: &[usize],
    config: &NowcastConfig,
) -> Result<GroupedNowcast, StatsError> {
    check_level(config.level)?;
    if groups.len() != triangles.len() {
        return Err(StatsError::LengthMismatch {
            what: "delay groups (one per series)",
            expected: triangles.len(),
            got: groups.len(),
        });
    }
    let ncol = config.max_delay + 1;
    let mut series: Vec<SeriesDelays> = triangles
        .iter()
        .map(|tri| match check_triangle(tri, ncol) {
            Ok(()) => SeriesDelays::Nowcast {
                periods: Vec::new(),
            },
            Err(e) => SeriesDelays::Failed {
                reason: e.to_string(),
            },
        })
        .collect();
    let mut order: Vec<usize> = Vec::new();
    let mut members: std::collections::HashMap<usize, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, &g) in groups.iter().enumerate() {
        let list = members.entry(g).or_insert_with(|| {
            order.push(g);
            Vec::new()
        });
        list.push(i);
    }
    let a = 0.5 * (1.0 - config.level);
    let mut out_groups = Vec::with_capacity(order.len());
    for g in order {
        let all = &members[&g];
        let good: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| matches!(series[i], SeriesDelays::Nowcast { .. }))
            .collect();
        let pooled = pool_triangles(triangles, &good);
        let fit = if good.is_empty() {
            Err(StatsError::Design {
                reason: "no valid triangle in the group".into(),
            })
        } else {
            nowcast(&pooled, config)
        };
        let fit = match fit {
            Ok(f) => f,
            Err(e) => {
                let reason = format!("delay group {g}: {e}");
                for &i in &good {
                    series[i] = SeriesDelays::Failed {
                        reason: reason.clone(),
                    };
                }
                out_groups.push(GroupDelays {
                    group: g,
                    series: all.len(),
                    delay_distribution: Vec::new(),
                    dispersion: 1.0,
                    error: Some(reason),
                });
                continue;
            }
        };
        for &i in &good {
            series[i] = match thinned_nowcast(&triangles[i], &fit.delay_distribution, a) {
                Ok(periods) => SeriesDelays::Nowcast { periods },
                Err(e) => SeriesDelays::Failed {
                    reason: e.to_string(),
                },
            };
        }
        out_groups.push(GroupDelays {
            group: g,
            series: all.len(),
            delay_distribution: fit.delay_distribution,
            dispersion: fit.dispersion,
            error: None,
        });
    }
    Ok(GroupedNowcast {
        series,
        groups: out_groups,
    })
}

fn check_triangle(tri: &[Vec<f64>], ncol: usize) -> Result<(), StatsError> {
    if tri.is_empty() {
        return Err(StatsError::TooFewObservations {
            what: "nowcast (occurrence periods)",
            needed: 1,
            got: 0,
        });
    }
    for (i, row) in tri.iter().enumerate() {
        if row.len() > ncol {
            return Err(StatsError::LengthMismatch {
                what: "triangle row (at most max_delay + 1 delays)",
                expected: ncol,
                got: row.len(),
            });
        }
        if row.is_empty() {
            return Err(StatsError::AtIndex {
                index: i,
                source: Box::new(StatsError::TooFewObservations {
                    what: "triangle row (delay 0 is always observed)",
                    needed: 1,
                    got: 0,
                }),
            });
        }
        crate::check_values("reporting triangle", row, true).map_err(|e| StatsError::AtIndex {
            index: i,
            source: Box::new(e),
        })?;
    }
    Ok(())
}

/// Cell-wise sum of the members' triangles, aligned on the last row; a pooled
/// row keeps only the delays every member has observed.
fn pool_triangles(triangles: &[Vec<Vec<f64>>], members: &[usize]) -> Vec<Vec<f64>> {
    let rows = members
        .iter()
        .map(|&i| triangles[i].len())
        .max()
        .unwrap_or(0);
    let mut pooled: Vec<Option<Vec<f64>>> = vec![None; rows];
    for &i in members {
        let tri = &triangles[i];
        let shift = rows - tri.len();
        for (r, row) in tri.iter().enumerate() {
            let cell = &mut pooled[shift + r];
            match cell {
                None => *cell = Some(row.clone()),
                Some(acc) => {
                    acc.truncate(row.len());
                    for (a, b) in acc.iter_mut().zip(row) {
                        *a += b;
                    }
                }
            }
        }
    }
    pooled.into_iter().map(Option::unwrap_or_default).collect()
}

/// One series nowcast with a given delay distribution (see [`nowcast_by_group`]).
fn thinned_nowcast(
    tri: &[Vec<f64>],
    delays: &[f64],
    a: f64,
) -> Result<Vec<NowcastPeriod>, StatsError> {
    let mut out = Vec::with_capacity(tri.len());
    for (i, row) in tri.iter().enumerate() {
        let reported: f64 = row.iter().sum();
        let share: f64 = delays.iter().take(row.len()).sum::<f64>().min(1.0);
        if share >= 1.0 - 1e-12 || row.len() >= delays.len() {
            out.push(NowcastPeriod {
                period: i,
                reported,
                estimate: reported,
                lower: reported,
                upper: reported,
                share_reported: 1.0,
            });
            continue;
        }
        if share < 1e-6 {
            return Err(StatsError::Design {
                reason: format!(
                    "period {i}: the delays observed so far hold no estimated share of the final count"
                ),
            });
        }
        let size = reported + 0.5;
        let to_come = size * (1.0 - share) / share;
        let lo = negative_binomial_quantile(a, to_come, size)? as f64;
        let hi = negative_binomial_quantile(1.0 - a, to_come, size)? as f64;
        out.push(NowcastPeriod {
            period: i,
            reported,
            estimate: reported / share,
            lower: reported + lo,
            upper: reported + hi,
            share_reported: share,
        });
    }
    Ok(out)
}

/// Quantiles a and 1 − a of a count with the given mean and variance: negative
/// binomial when overdispersed, Poisson otherwise.
fn count_interval(mean: f64, var: f64, a: f64) -> Result<(f64, f64), StatsError> {
    if mean <= 0.0 {
        return Ok((0.0, 0.0));
    }
    if var > mean * (1.0 + 1e-9) {
        let size = mean * mean / (var - mean);
        Ok((
            negative_binomial_quantile(a, mean, size)? as f64,
            negative_binomial_quantile(1.0 - a, mean, size)? as f64,
        ))
    } else {
        Ok((
            poisson_quantile(a, mean)? as f64,
            poisson_quantile(1.0 - a, mean)? as f64,
        ))
    }
}

/// Estimate and limits for a row not in the fit: reported/share, with the
/// exact Poisson interval for the rate scaled by the share.
fn unfitted_row(reported: f64, share: f64, level: f64) -> Result<(f64, f64, f64), StatsError> {
    if share <= 0.0 {
        return Err(StatsError::Design {
            reason: "an occurrence period has no delay with a positive estimated share".into(),
        });
    }
    let (lo, hi) = crate::rates::poisson_count_interval(
        reported.round() as u64,
        level,
        crate::rates::RateMethod::ExactPoisson,
    )?;
    let missing = 1.0 - share;
    Ok((
        reported / share,
        reported + lo / share * missing,
        reported + hi / share * missing,
    ))
}

struct DelayFit {
    /// Row effects α for `rows`, then β for `cols[1..]` (β of cols[0] is 0).
    coef: Vec<f64>,
    cols: Vec<usize>,
    nrows: usize,
    chol: Cholesky,
    phi: f64,
}

impl DelayFit {
    fn beta_index(&self, d: usize) -> Option<usize> {
        let pos = self.cols.iter().position(|&c| c == d)?;
        (pos > 0).then_some(self.nrows + pos - 1)
    }

    fn beta_of(&self, d: usize) -> f64 {
        self.beta_index(d).map_or(0.0, |j| self.coef[j])
    }
}

/// Poisson log-linear model with row and column effects by Fisher scoring,
/// exploiting its structure: the information matrix has diagonal row and column
/// blocks, so it is built in one pass over the cells.
fn fit_delay_model(
    tri: &[Vec<f64>],
    rows: &[usize],
    cols: &[usize],
) -> Result<DelayFit, StatsError> {
    let nr = rows.len();
    let nb = cols.len() - 1;
    let k = nr + nb;
    let col_pos = |d: usize| cols.iter().position(|&c| c == d);
    // Cells: (row index, beta index or None, y).
    let mut cells = Vec::new();
    for (ri, &i) in rows.iter().enumerate() {
        for (d, &y) in tri[i].iter().enumerate() {
            if let Some(cp) = col_pos(d) {
                cells.push((ri, if cp == 0 { None } else { Some(nr + cp - 1) }, y));
            }
        }
    }
    let n = cells.len();
    let mut coef = vec![0.0; k];
    for (ri, &i) in rows.iter().enumerate() {
        let s: f64 = tri[i].iter().sum();
        coef[ri] = (s / tri[i].len().max(1) as f64 + 0.5).ln();
    }
    let loglik = |c: &[f64]| -> f64 {
        cells
            .iter()
            .map(|&(r, b, y)| {
                let eta = c[r] + b.map_or(0.0, |j| c[j]);
                y * eta - eta.exp()
            })
            .sum()
    };
    let mut ll = loglik(&coef);
    let mut chol = None;
    for _ in 0..200 {
        let mut info = Matrix::zeros(k, k);
        let mut score = vec![0.0; k];
        for &(r, b, y) in &cells {
            let mu = (coef[r] + b.map_or(0.0, |j| coef[j])).exp();
            score[r] += y - mu;
            info[(r, r)] += mu;
            if let Some(j) = b {
                score[j] += y - mu;
                info[(j, j)] += mu;
                info[(r, j)] += mu;
                info[(j, r)] += mu;
            }
        }
        let c = Cholesky::new(&info)?;
        let step = c.solve(&score);
        chol = Some(c);
        // Step halving keeps the likelihood increasing.
        let mut scale = 1.0;
        let mut improved = false;
        for _ in 0..30 {
            let trial: Vec<f64> = coef.iter().zip(&step).map(|(a, s)| a + scale * s).collect();
            let l = loglik(&trial);
            if l.is_finite() && l >= ll - 1e-12 * ll.abs() {
                let change = (l - ll).abs();
                coef = trial;
                ll = l;
                improved = true;
                if change <= 1e-12 * ll.abs().max(1.0) {
                    scale = 0.0;
                }
                break;
            }
            scale *= 0.5;
        }
        if !improved || scale == 0.0 {
            break;
        }
    }
    // Information at the final estimate.
    let mut info = Matrix::zeros(k, k);
    let mut pearson = 0.0;
    for &(r, b, y) in &cells {
        let mu = (coef[r] + b.map_or(0.0, |j| coef[j])).exp();
        pearson += (y - mu).powi(2) / mu;
        info[(r, r)] += mu;
        if let Some(j) = b {
            info[(j, j)] += mu;
            info[(r, j)] += mu;
            info[(j, r)] += mu;
        }
    }
    let chol = Cholesky::new(&info).or_else(|e| chol.ok_or(e))?;
    let phi = if n > k {
        (pearson / (n - k) as f64).max(1.0)
    } else {
        1.0
    };
    if coef.iter().any(|v| !v.is_finite()) {
        return Err(StatsError::NoConvergence {
            what: "nowcast delay model",
            iterations: 200,
        });
    }
    Ok(DelayFit {
        coef,
        cols: cols.to_vec(),
        nrows: nr,
        chol,
        phi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ladder_by_hand() {
        // Three periods, delays 0–2. Complete row 0: (6, 3, 1); row 1: (8, 4);
        // row 2: (5). Chain-ladder development factors: f₁ = (6+3 + 8+4)/(6 + 8) = 1.5,
        // f₂ = (6+3+1)/(6+3) = 10/9. Ultimates: row 1 = 12·10/9 = 13.333…,
        // row 2 = 5·1.5·10/9 = 8.333…; the Poisson model must reproduce them.
        let tri = vec![vec![6.0, 3.0, 1.0], vec![8.0, 4.0], vec![5.0]];
        let nc = nowcast(
            &tri,
            &NowcastConfig {
                max_delay: 2,
                window: None,
                level: 0.95,
            },
        )
        .unwrap();
        assert!((nc.periods[0].estimate - 10.0).abs() < 1e-12);
        assert_eq!((nc.periods[0].lower, nc.periods[0].upper), (10.0, 10.0));
        assert!(
            (nc.periods[1].estimate - 12.0 * 10.0 / 9.0).abs() < 1e-8,
            "{}",
            nc.periods[1].estimate
        );
        assert!(
            (nc.periods[2].estimate - 5.0 * 1.5 * 10.0 / 9.0).abs() < 1e-8,
            "{}",
            nc.periods[2].estimate
        );
        // Delay distribution: p₀ = 1/(1.5·10/9) = 0.6, p₀ + p₁ = 0.9, p₂ = 0.1.
        let p = &nc.delay_distribution;
        assert!(
            (p[0] - 0.6).abs() < 1e-8 && (p[1] - 0.3).abs() < 1e-8 && (p[2] - 0.1).abs() < 1e-8
        );
        assert!(
            nc.periods[2].lower <= nc.periods[2].estimate
                && nc.periods[2].estimate <= nc.periods[2].upper
        );
    }

    #[test]
    fn grouped_nowcast_by_hand() {
        // Two series whose sum is the chain-ladder example above, so the group's
        // delay distribution is (0.6, 0.3, 0.1). Series A: rows (4, 2, 1), (5, 3), (3).
        // Its last row has 3 recorded with a share 0.6 recorded: estimate 3/0.6 = 5;
        // still to come U | R ~ NB(size 3.5, probability 0.6), mean 3.5·0.4/0.6,
        // whose 2.5 % and 97.5 % quantiles are 0 and 7 (scipy.stats.nbinom.ppf), so
        // the interval is [3, 10]. Its middle row: 8 recorded, share 0.9, estimate
        // 8/0.9; NB(8.5, 0.9) quantiles 0 and 3: [8, 11]. A third series in its own
        // group has no complete row and fails alone.
        let a = vec![vec![4.0, 2.0, 1.0], vec![5.0, 3.0], vec![3.0]];
        let b = vec![vec![2.0, 1.0, 0.0], vec![3.0, 1.0], vec![2.0]];
        let lonely = vec![vec![1.0, 1.0], vec![2.0]];
        let cfg = NowcastConfig {
            max_delay: 2,
            window: None,
            level: 0.95,
        };
        let g = nowcast_by_group(&[a, b, lonely], &[7, 7, 9], &cfg).unwrap();
        let d = &g.groups[0].delay_distribution;
        assert!((d[0] - 0.6).abs() < 1e-8 && (d[1] - 0.3).abs() < 1e-8);
        assert_eq!((g.groups[0].group, g.groups[0].series), (7, 2));
        let SeriesDelays::Nowcast { periods } = &g.series[0] else {
            panic!("series A failed");
        };
        let last = periods[2];
        assert!((last.share_reported - 0.6).abs() < 1e-8);
        assert!((last.estimate - 5.0).abs() < 1e-7);
        assert_eq!((last.lower, last.upper), (3.0, 10.0));
        let mid = periods[1];
        assert!((mid.estimate - 8.0 / 0.9).abs() < 1e-7);
        assert_eq!((mid.lower, mid.upper), (8.0, 11.0));
        assert_eq!(periods[0].estimate, 7.0);
        assert!(matches!(g.series[2], SeriesDelays::Failed { .. }));
        assert!(g.groups[1].error.is_some() && g.groups[1].delay_distribution.is_empty());
        assert!(nowcast_by_group(&[vec![vec![1.0]]], &[], &cfg).is_err());
    }

    #[test]
    fn bad_triangles_are_rejected() {
        let cfg = NowcastConfig {
            max_delay: 2,
            window: None,
            level: 0.95,
        };
        assert!(nowcast(&[], &cfg).is_err());
        assert!(nowcast(&[vec![1.0, 2.0]], &cfg).is_err(), "no complete row");
        assert!(
            nowcast(&[vec![1.0, 2.0, 3.0, 4.0]], &cfg).is_err(),
            "row too long"
        );
        assert!(nowcast(&[vec![1.0, -2.0, 3.0]], &cfg).is_err());
        assert!(
            nowcast(&[vec![0.0, 0.0, 0.0], vec![0.0]], &cfg).is_err(),
            "nothing recorded"
        );
    }
}
