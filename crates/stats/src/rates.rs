//! Rates per population and proportions, with confidence intervals.
//!
//! * Counts of offences are treated as Poisson. The exact interval for the mean
//!   count is Garwood's (1936, "Fiducial limits for the Poisson distribution",
//!   *Biometrika* 28:437–442), computed from chi-square (gamma) quantiles; Byar's
//!   approximation is the closed form given by Breslow & Day (1987, *Statistical
//!   Methods in Cancer Research* vol. II, IARC Sci. Publ. 82, p. 69), accurate to
//!   a few per cent even for small counts.
//! * Shares (reoffending, pretrial detention, clearance) are binomial: Wilson's
//!   (1927, "Probable inference, the law of succession, and statistical inference",
//!   *JASA* 22:209–212) score interval and the Clopper & Pearson (1934, "The use of
//!   confidence or fiducial limits illustrated in the case of the binomial",
//!   *Biometrika* 26:404–413) exact interval; Newcombe (1998, *Statistics in
//!   Medicine* 17:857–872) compares them.
//! * The ratio of two rates uses the exact conditional method: given the total
//!   count, the first count is binomial, so a Clopper–Pearson interval for its
//!   share maps onto the rate ratio (Breslow & Day 1987, §2.2; Ulm 1990,
//!   "A simple method to calculate the confidence interval of a standardized
//!   mortality ratio", *Am. J. Epidemiol.* 131:373–375, for the Poisson link).
//!   The log-normal (Wald) interval is offered for comparison with other tools.

use serde::Serialize;

use crate::StatsError;
use crate::special::{beta_inv_pq, binomial_cdf_raw, gamma_inv_pq, normal_quantile};

/// How to compute the interval for a Poisson count or rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateMethod {
    /// Garwood's exact interval (guaranteed coverage at least the nominal level).
    ExactPoisson,
    /// Byar's approximation to the exact interval.
    Byar,
}

/// A rate per `per` population with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateInterval {
    /// The observed count.
    pub count: u64,
    /// The population at risk (the denominator).
    pub population: f64,
    /// The rate's base, e.g. 100,000.
    pub per: f64,
    /// count / population × per.
    pub rate: f64,
    /// Lower limit of the rate.
    pub lower: f64,
    /// Upper limit of the rate.
    pub upper: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// The method used.
    pub method: RateMethod,
}

pub(crate) fn check_level(level: f64) -> Result<(), StatsError> {
    if level.is_finite() && level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument {
            name: "level",
            value: level,
            expected: "a confidence level strictly between 0 and 1, e.g. 0.95",
        })
    }
}

/// Confidence limits for the mean of a Poisson variable observed as `count`.
pub fn poisson_count_interval(
    count: u64,
    level: f64,
    method: RateMethod,
) -> Result<(f64, f64), StatsError> {
    check_level(level)?;
    let alpha = 1.0 - level;
    let k = count as f64;
    let (lower, upper) = match method {
        RateMethod::ExactPoisson => {
            // lower = χ²(α/2; 2k)/2 and upper = χ²(1 − α/2; 2k + 2)/2, i.e. gamma quantiles.
            let lower = if count == 0 {
                0.0
            } else {
                gamma_inv_pq(k, 0.5 * alpha, 1.0 - 0.5 * alpha)
            };
            let upper = gamma_inv_pq(k + 1.0, 1.0 - 0.5 * alpha, 0.5 * alpha);
            (lower, upper)
        }
        RateMethod::Byar => {
            let z = normal_quantile(1.0 - 0.5 * alpha)?;
            let lower = if count == 0 {
                0.0
            } else {
                let c = 1.0 - 1.0 / (9.0 * k) - z / (3.0 * k.sqrt());
                k * c.max(0.0).powi(3)
            };
            let k1 = k + 1.0;
            let c = 1.0 - 1.0 / (9.0 * k1) + z / (3.0 * k1.sqrt());
            (lower, k1 * c.powi(3))
        }
    };
    if !(lower.is_finite() && upper.is_finite()) {
        return Err(StatsError::NoConvergence {
            what: "Poisson interval",
            iterations: 0,
        });
    }
    Ok((lower, upper))
}

/// A count → rate per `per` population (e.g. 100,000) with a confidence interval.
///
/// `population` must be positive and finite; `level` is e.g. 0.95.
pub fn poisson_rate_interval(
    count: u64,
    population: f64,
    per: f64,
    level: f64,
    method: RateMethod,
) -> Result<RateInterval, StatsError> {
    if !(population.is_finite() && population > 0.0) {
        return Err(StatsError::InvalidArgument {
            name: "population",
            value: population,
            expected: "a finite population > 0",
        });
    }
    if !(per.is_finite() && per > 0.0) {
        return Err(StatsError::InvalidArgument {
            name: "per",
            value: per,
            expected: "a finite base > 0, e.g. 100000",
        });
    }
    let (lo, hi) = poisson_count_interval(count, level, method)?;
    let scale = per / population;
    Ok(RateInterval {
        count,
        population,
        per,
        rate: count as f64 * scale,
        lower: lo * scale,
        upper: hi * scale,
        level,
        method,
    })
}

/// [`poisson_rate_interval`] for many cells at once; an error names the first bad cell.
pub fn poisson_rate_intervals(
    counts: &[u64],
    populations: &[f64],
    per: f64,
    level: f64,
    method: RateMethod,
) -> Result<Vec<RateInterval>, StatsError> {
    if counts.len() != populations.len() {
        return Err(StatsError::LengthMismatch {
            what: "populations (one per count)",
            expected: counts.len(),
            got: populations.len(),
        });
    }
    counts
        .iter()
        .zip(populations)
        .enumerate()
        .map(|(i, (&c, &p))| {
            poisson_rate_interval(c, p, per, level, method).map_err(|e| StatsError::AtIndex {
                index: i,
                source: Box::new(e),
            })
        })
        .collect()
}

/// How to compute the interval for a binomial proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProportionMethod {
    /// Wilson's score interval (recommended by Newcombe 1998; close to nominal coverage).
    Wilson,
    /// Clopper–Pearson's exact interval (coverage at least nominal; conservative).
    ClopperPearson,
}

/// A proportion with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProportionInterval {
    /// Number of "successes" (e.g. people reconvicted).
    pub successes: u64,
    /// Number of trials (e.g. people released).
    pub trials: u64,
    /// successes / trials.
    pub proportion: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
    /// Confidence level.
    pub level: f64,
    /// The method used.
    pub method: ProportionMethod,
}

/// A binomial proportion `successes / trials` with a confidence interval.
pub fn proportion_interval(
    successes: u64,
    trials: u64,
    level: f64,
    method: ProportionMethod,
) -> Result<ProportionInterval, StatsError> {
    check_level(level)?;
    if trials == 0 {
        return Err(StatsError::InvalidArgument {
            name: "trials",
            value: 0.0,
            expected: "at least one trial (a share of nothing is undefined)",
        });
    }
    if successes > trials {
        return Err(StatsError::InvalidArgument {
            name: "successes",
            value: successes as f64,
            expected: "no more than the number of trials",
        });
    }
    let (x, n) = (successes as f64, trials as f64);
    let p = x / n;
    let alpha = 1.0 - level;
    let (lower, upper) = match method {
        ProportionMethod::Wilson => {
            let z = normal_quantile(1.0 - 0.5 * alpha)?;
            let z2 = z * z;
            let denom = 1.0 + z2 / n;
            let centre = (p + z2 / (2.0 * n)) / denom;
            let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
            // At the boundaries the limits are exactly 0 or 1; rounding must not move them.
            let lower = if successes == 0 {
                0.0
            } else {
                (centre - half).max(0.0)
            };
            let upper = if successes == trials {
                1.0
            } else {
                (centre + half).min(1.0)
            };
            (lower, upper)
        }
        ProportionMethod::ClopperPearson => {
            let lower = if successes == 0 {
                0.0
            } else {
                beta_inv_pq(x, n - x + 1.0, 0.5 * alpha, 1.0 - 0.5 * alpha)
            };
            let upper = if successes == trials {
                1.0
            } else {
                beta_inv_pq(x + 1.0, n - x, 1.0 - 0.5 * alpha, 0.5 * alpha)
            };
            (lower, upper)
        }
    };
    Ok(ProportionInterval {
        successes,
        trials,
        proportion: p,
        lower,
        upper,
        level,
        method,
    })
}

/// How to compute the interval for a ratio of two rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateRatioMethod {
    /// Exact conditional (binomial) interval; defined for any counts except both zero.
    ExactConditional,
    /// Wald interval on the log scale, exp(ln RR ± z √(1/a + 1/b)); needs both counts > 0.
    LogNormal,
}

/// The ratio of rate A to rate B with its confidence interval and a test of equal rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateRatio {
    /// (count_a / exposure_a) / (count_b / exposure_b); +∞ when count_b is 0.
    pub ratio: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit; +∞ when count_b is 0 (no upper bound can be set).
    pub upper: f64,
    /// Two-sided p-value for "the two rates are equal": for the exact method,
    /// twice the smaller binomial tail (capped at 1); for the log-normal method,
    /// the Wald z test.
    pub p_value: f64,
    /// Confidence level.
    pub level: f64,
    /// The method used.
    pub method: RateRatioMethod,
}

/// Ratio of two Poisson rates, `count_a / exposure_a` over `count_b / exposure_b`.
pub fn rate_ratio(
    count_a: u64,
    exposure_a: f64,
    count_b: u64,
    exposure_b: f64,
    level: f64,
    method: RateRatioMethod,
) -> Result<RateRatio, StatsError> {
    check_level(level)?;
    for (name, e) in [("exposure_a", exposure_a), ("exposure_b", exposure_b)] {
        if !(e.is_finite() && e > 0.0) {
            return Err(StatsError::InvalidArgument {
                name,
                value: e,
                expected: "a finite exposure (population × time) > 0",
            });
        }
    }
    if count_a == 0 && count_b == 0 {
        return Err(StatsError::InvalidArgument {
            name: "count_a + count_b",
            value: 0.0,
            expected: "at least one event in either group (0/0 has no ratio)",
        });
    }
    let (a, b) = (count_a as f64, count_b as f64);
    let scale = exposure_b / exposure_a; // converts odds of A among all events to a rate ratio
    let ratio = if count_b == 0 {
        f64::INFINITY
    } else {
        a / b * scale
    };
    let alpha = 1.0 - level;
    match method {
        RateRatioMethod::ExactConditional => {
            let n = a + b;
            let pi_lo = if count_a == 0 {
                0.0
            } else {
                beta_inv_pq(a, n - a + 1.0, 0.5 * alpha, 1.0 - 0.5 * alpha)
            };
            let pi_hi = if count_b == 0 {
                1.0
            } else {
                beta_inv_pq(a + 1.0, n - a, 1.0 - 0.5 * alpha, 0.5 * alpha)
            };
            let to_ratio = |pi: f64| {
                if pi >= 1.0 {
                    f64::INFINITY
                } else {
                    pi / (1.0 - pi) * scale
                }
            };
            // Under equal rates, A's share of the events is its share of the exposure.
            let pi0 = exposure_a / (exposure_a + exposure_b);
            let total = count_a + count_b;
            let below = binomial_cdf_raw(count_a, total, pi0);
            let above = if count_a == 0 {
                1.0
            } else {
                1.0 - binomial_cdf_raw(count_a - 1, total, pi0)
            };
            let p_value = (2.0 * below.min(above)).min(1.0);
            Ok(RateRatio {
                ratio,
                lower: to_ratio(pi_lo),
                upper: to_ratio(pi_hi),
                p_value,
                level,
                method,
            })
        }
        RateRatioMethod::LogNormal => {
            if count_a == 0 || count_b == 0 {
                return Err(StatsError::InvalidArgument {
                    name: if count_a == 0 { "count_a" } else { "count_b" },
                    value: 0.0,
                    expected: "a count > 0 for the log-normal method (use the exact conditional method for zero counts)",
                });
            }
            let z = normal_quantile(1.0 - 0.5 * alpha)?;
            let se = (1.0 / a + 1.0 / b).sqrt();
            let lr = ratio.ln();
            let p_value = crate::special::normal_two_sided_p(lr / se);
            Ok(RateRatio {
                ratio,
                lower: (lr - z * se).exp(),
                upper: (lr + z * se).exp(),
                p_value,
                level,
                method,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!(
            (got - want).abs() <= tol,
            "got {got}, want {want} (tolerance {tol})"
        );
    }

    #[test]
    fn exact_poisson_limits_match_published_table() {
        // 95 % exact limits for a Poisson count, as tabulated to 4 decimals in e.g.
        // Breslow & Day (1987), Appendix; also chi-square quantiles from scipy.
        let table = [
            (0, 0.0, 3.6889),
            (1, 0.0253, 5.5716),
            (2, 0.2422, 7.2247),
            (3, 0.6187, 8.7673),
            (4, 1.0899, 10.2416),
            (5, 1.6235, 11.6683),
            (10, 4.7954, 18.3904),
            (20, 12.2165, 30.8884),
            (50, 37.1110, 65.9188),
            (100, 81.3640, 121.6268),
        ];
        for (k, lo, hi) in table {
            let (l, h) = poisson_count_interval(k, 0.95, RateMethod::ExactPoisson).unwrap();
            close(l, lo, 5e-5);
            close(h, hi, 5e-5);
        }
    }

    #[test]
    fn exact_poisson_closed_forms() {
        // k = 0: upper solves e^(−U) = 0.025, so U = −ln 0.025.
        let (l, h) = poisson_count_interval(0, 0.95, RateMethod::ExactPoisson).unwrap();
        assert_eq!(l, 0.0);
        close(h, -(0.025f64).ln(), 1e-12);
        // k = 1: lower solves 1 − e^(−L) = 0.025, so L = −ln 0.975;
        // upper solves e^(−U)(1 + U) = 0.025 (checked by substitution).
        let (l, h) = poisson_count_interval(1, 0.95, RateMethod::ExactPoisson).unwrap();
        close(l, -(0.975f64).ln(), 1e-14);
        close((-h).exp() * (1.0 + h), 0.025, 1e-14);
        // 90 % level, k = 0: U = −ln 0.05.
        let (_, h) = poisson_count_interval(0, 0.90, RateMethod::ExactPoisson).unwrap();
        close(h, -(0.05f64).ln(), 1e-12);
    }

    #[test]
    fn byar_by_hand_and_close_to_exact() {
        // k = 10, z = 1.959964: lower = 10 (1 − 1/90 − z/(3√10))³,
        // upper = 11 (1 − 1/99 + z/(3√11))³.
        let z = 1.959_963_984_540_054_f64;
        let lo = 10.0 * (1.0 - 1.0 / 90.0 - z / (3.0 * 10f64.sqrt())).powi(3);
        let hi = 11.0 * (1.0 - 1.0 / 99.0 + z / (3.0 * 11f64.sqrt())).powi(3);
        let (l, h) = poisson_count_interval(10, 0.95, RateMethod::Byar).unwrap();
        close(l, lo, 1e-12);
        close(h, hi, 1e-12);
        // Breslow & Day: Byar's limits are within a few per cent of the exact ones.
        close(l, 4.7954, 0.02 * 4.7954);
        close(h, 18.3904, 0.01 * 18.3904);
    }

    #[test]
    fn rate_per_100k_reproduces_published_maryland_figures() {
        // Maryland Statewide Vital Crime Statistics, Baltimore City 2019:
        // population 597,239, murders 348 → published 58.3 per 100,000.
        let r = poisson_rate_interval(348, 597_239.0, 100_000.0, 0.95, RateMethod::ExactPoisson)
            .unwrap();
        close(r.rate, 58.3, 0.05);
        // Exact limits: chi-square quantiles /2 for 348 and 349 (scipy), scaled.
        close(r.lower, 312.393_515_833_218_94 / 597_239.0 * 1e5, 1e-9);
        close(r.upper, 386.552_906_886_643_03 / 597_239.0 * 1e5, 1e-9);
        assert!(r.lower < r.rate && r.rate < r.upper);
    }

    #[test]
    fn rate_rejects_bad_denominators() {
        assert!(poisson_rate_interval(3, 0.0, 1e5, 0.95, RateMethod::ExactPoisson).is_err());
        assert!(poisson_rate_interval(3, f64::NAN, 1e5, 0.95, RateMethod::Byar).is_err());
        assert!(poisson_rate_interval(3, 100.0, 1e5, 1.0, RateMethod::Byar).is_err());
        let batch = poisson_rate_intervals(&[1, 2], &[10.0, -1.0], 1e5, 0.95, RateMethod::Byar);
        assert!(matches!(batch, Err(StatsError::AtIndex { index: 1, .. })));
    }

    #[test]
    fn proportions_match_newcombe_1998_table() {
        // Newcombe (1998), Statistics in Medicine 17:857–872, Table II, methods 3 (Wilson) and 5 (exact).
        let cases = [
            (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
            (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
            (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
            (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
        ];
        for (x, n, wilson, exact) in cases {
            let w = proportion_interval(x, n, 0.95, ProportionMethod::Wilson).unwrap();
            close(w.lower, wilson.0, 5e-5);
            close(w.upper, wilson.1, 5e-5);
            let e = proportion_interval(x, n, 0.95, ProportionMethod::ClopperPearson).unwrap();
            close(e.lower, exact.0, 5e-5);
            close(e.upper, exact.1, 5e-5);
        }
    }

    #[test]
    fn proportion_boundaries_by_hand() {
        // x = n: Clopper–Pearson lower = (α/2)^(1/n); x = 0: upper = 1 − (α/2)^(1/n).
        let e = proportion_interval(29, 29, 0.95, ProportionMethod::ClopperPearson).unwrap();
        close(e.lower, 0.025f64.powf(1.0 / 29.0), 1e-12);
        assert_eq!(e.upper, 1.0);
        let e = proportion_interval(0, 10, 0.95, ProportionMethod::ClopperPearson).unwrap();
        close(e.upper, 1.0 - 0.025f64.powf(0.1), 1e-12);
        // Wilson with x = 0: upper = z²/(n + z²).
        let z2 = 1.959_963_984_540_054_f64.powi(2);
        let w = proportion_interval(0, 10, 0.95, ProportionMethod::Wilson).unwrap();
        close(w.upper, z2 / (10.0 + z2), 1e-12);
        assert!(proportion_interval(1, 0, 0.95, ProportionMethod::Wilson).is_err());
        assert!(proportion_interval(5, 4, 0.95, ProportionMethod::Wilson).is_err());
    }

    #[test]
    fn rate_ratio_exact_and_log_normal() {
        // 12 events in 1,000 person-years against 5 in 1,500: ratio 3.6.
        // Exact: Clopper–Pearson for 12 of 17 (scipy binomtest: 0.440417…, 0.896864…)
        // mapped by π/(1 − π) × 1500/1000.
        let r = rate_ratio(
            12,
            1000.0,
            5,
            1500.0,
            0.95,
            RateRatioMethod::ExactConditional,
        )
        .unwrap();
        close(r.ratio, 3.6, 1e-12);
        close(r.lower, 1.180_568_841_259_224, 1e-8);
        close(r.upper, 13.043_971_678_020_403, 1e-7);
        // Doubled binomial tail 2 P(X ≥ 12 | 17, 0.4) (scipy.stats.binom.sf).
        close(r.p_value, 0.021_188_405_111_029_773, 1e-12);
        // Log-normal: exp(ln 3.6 ± z √(1/12 + 1/5)); statsmodels wald-log lower 1.26828…, upper 10.21854….
        let r = rate_ratio(12, 1000.0, 5, 1500.0, 0.95, RateRatioMethod::LogNormal).unwrap();
        close(r.lower, 1.268_282_150_217_833_4, 1e-12);
        close(r.upper, 10.218_546_399_769_217, 1e-10);
        // Zero in the reference group: the exact method still gives a lower bound.
        let r = rate_ratio(4, 100.0, 0, 100.0, 0.95, RateRatioMethod::ExactConditional).unwrap();
        assert!(r.ratio.is_infinite() && r.upper.is_infinite());
        // π lower = 0.025^(1/4) (all 4 events in A), ratio = π/(1 − π).
        let pi = 0.025f64.powf(0.25);
        close(r.lower, pi / (1.0 - pi), 1e-10);
        assert!(rate_ratio(0, 100.0, 0, 100.0, 0.95, RateRatioMethod::ExactConditional).is_err());
        assert!(rate_ratio(0, 100.0, 3, 100.0, 0.95, RateRatioMethod::LogNormal).is_err());
    }
}
