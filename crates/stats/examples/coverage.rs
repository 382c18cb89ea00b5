//! Coverage study: how often does each method's 95 % interval contain the true
//! effect on simulated data? Run through `bench/coverage/run.sh`.
//!
//! Usage: `cargo run --release -p evident-stats --example coverage -- [seeds]`

#![allow(clippy::needless_range_loop)]

use evident_stats::evaluation::{
    CountFamily, ItsInput, Panel, Seasonality, difference_in_differences, event_study,
    interrupted_time_series, staggered_did, synthetic_control,
};
use evident_stats::nowcast::{NowcastConfig, nowcast};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Normal, Poisson};

struct Tally {
    name: &'static str,
    covered: usize,
    total: usize,
    errors: usize,
    width: f64,
    bias: f64,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            covered: 0,
            total: 0,
            errors: 0,
            width: 0.0,
            bias: 0.0,
        }
    }
    fn add(&mut self, truth: f64, estimate: f64, lower: f64, upper: f64) {
        self.total += 1;
        if lower <= truth && truth <= upper {
            self.covered += 1;
        }
        self.width += upper - lower;
        self.bias += estimate - truth;
    }
    fn report(&self) {
        let n = self.total.max(1) as f64;
        let cov = self.covered as f64 / n;
        // Binomial standard error of the coverage estimate.
        let se = (cov * (1.0 - cov) / n).sqrt();
        println!(
            "| {:<44} | {:>5} | {:>6.1} % | ±{:>4.1} | {:>9.4} | {:>9.4} | {:>3} |",
            self.name,
            self.total,
            100.0 * cov,
            100.0 * 1.96 * se,
            self.bias / n,
            self.width / n,
            self.errors
        );
    }
}

/// Gaussian panel with area and period effects and AR(1) errors within areas
/// (ρ = 0.5, σ = 1): the classic setting where only area-clustered standard
/// errors are valid.
fn gaussian_panel(
    rng: &mut ChaCha8Rng,
    units: usize,
    periods: usize,
    treated_from: &[Option<usize>],
    effect: impl Fn(usize, usize) -> f64,
) -> Panel {
    let noise = Normal::new(0.0, 1.0).unwrap();
    let area_fx: Vec<f64> = (0..units).map(|_| 5.0 * noise.sample(rng)).collect();
    let period_fx: Vec<f64> = (0..periods)
        .map(|t| 0.2 * t as f64 + noise.sample(rng))
        .collect();
    let mut outcome = Vec::with_capacity(units * periods);
    for u in 0..units {
        let mut e = noise.sample(rng) / (1.0f64 - 0.25).sqrt();
        for t in 0..periods {
            e = 0.5 * e + noise.sample(rng);
            let d = treated_from[u].is_some_and(|g| t >= g);
            outcome.push(50.0 + area_fx[u] + period_fx[t] + e + if d { effect(u, t) } else { 0.0 });
        }
    }
    Panel {
        units,
        periods,
        outcome,
        treated_from: treated_from.to_vec(),
    }
}

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let mut did = Tally::new("DiD (TWFE, clustered by area), 40 areas");
    let mut did_few = Tally::new("DiD (TWFE, clustered by area), 12 areas");
    let mut pre = Tally::new("Event study: pre-trend test rejects (want 5%)");
    let mut cs = Tally::new("Staggered DiD (Callaway–Sant'Anna), overall");
    let mut twfe_stag = Tally::new("TWFE under staggered, heterogeneous effects");
    let mut its = Tally::new("ITS Poisson + Newey–West, relative effect");
    let mut its_nb = Tally::new("ITS negative binomial + NW, relative effect");
    let mut sc = Tally::new("Synthetic control, placebo interval");
    let mut sc_p = Tally::new("Synthetic control: placebo p < 0.05 under null");
    let mut now = Tally::new("Nowcast 95 % interval (last 5 months)");

    for seed in 0..seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);

        // 1. DiD: 40 areas, half treated from period 12 of 24, effect −2.
        let tf: Vec<Option<usize>> = (0..40).map(|u| (u < 20).then_some(12)).collect();
        let p = gaussian_panel(&mut rng, 40, 24, &tf, |_, _| -2.0);
        match difference_in_differences(&p, 0.95) {
            Ok(r) => did.add(-2.0, r.att.estimate, r.att.lower, r.att.upper),
            Err(_) => did.errors += 1,
        }
        match event_study(&p, 6, 6, 0.95) {
            // Counts rejections of a true null, reported in the "coverage" column as 1 − rate.
            Ok(r) => pre.add(
                0.0,
                0.0,
                if r.pretrend_p_value < 0.05 { 1.0 } else { 0.0 },
                1.0,
            ),
            Err(_) => pre.errors += 1,
        }
        let tf12: Vec<Option<usize>> = (0..12).map(|u| (u < 6).then_some(12)).collect();
        let p = gaussian_panel(&mut rng, 12, 24, &tf12, |_, _| -2.0);
        match difference_in_differences(&p, 0.95) {
            Ok(r) => did_few.add(-2.0, r.att.estimate, r.att.lower, r.att.upper),
            Err(_) => did_few.errors += 1,
        }

        // 2. Staggered: cohorts start at 8, 12, 16 (10 areas each), 10 never treated;
        // the effect grows with exposure: −0.25 × (1 + periods since start), capped at −3.
        let tf: Vec<Option<usize>> = (0..40)
            .map(|u| match u / 10 {
                0 => Some(8),
                1 => Some(12),
                2 => Some(16),
                _ => None,
            })
            .collect();
        let eff = |g: usize, t: usize| (-0.25 * (1.0 + (t - g) as f64)).max(-3.0);
        let tf2 = tf.clone();
        let p = gaussian_panel(&mut rng, 40, 24, &tf, move |u, t| {
            eff(tf2[u].unwrap_or(0), t)
        });
        // Truth: the cohort-size weighted mean over post (g, t) cells.
        let mut truth = 0.0;
        let mut cells = 0.0;
        for g in [8usize, 12, 16] {
            for t in g..24 {
                truth += eff(g, t);
                cells += 1.0;
            }
        }
        truth /= cells;
        match staggered_did(&p, 0.95) {
            Ok(r) => cs.add(truth, r.overall.estimate, r.overall.lower, r.overall.upper),
            Err(_) => cs.errors += 1,
        }
        match difference_in_differences(&p, 0.95) {
            Ok(r) => twfe_stag.add(truth, r.att.estimate, r.att.lower, r.att.upper),
            Err(_) => twfe_stag.errors += 1,
        }

        // 3. ITS: 72 months, population 400,000, seasonality, level change −20 % at 48.
        let n = 72;
        let pop: Vec<f64> = (0..n).map(|t| 400_000.0 + 500.0 * t as f64).collect();
        let mut latent = 0.0;
        let noise = Normal::new(0.0, 0.05).unwrap();
        let mut means = Vec::new();
        for t in 0..n {
            latent = 0.3 * latent + noise.sample(&mut rng); // mild autocorrelated extra variation
            let s = (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin();
            let programme = if t >= 48 { 0.8f64.ln() } else { 0.0 };
            means.push(pop[t] * 2.5e-4 * (0.003 * t as f64 + 0.15 * s + programme + latent).exp());
        }
        let counts: Vec<f64> = means
            .iter()
            .map(|m| Poisson::new(*m).unwrap().sample(&mut rng))
            .collect();
        for (family, tally) in [
            (CountFamily::Poisson, &mut its),
            (CountFamily::NegativeBinomial, &mut its_nb),
        ] {
            let r = interrupted_time_series(&ItsInput {
                counts: &counts,
                population: Some(&pop),
                start: 48,
                seasonality: Seasonality::Fourier {
                    period: 12,
                    harmonics: 2,
                },
                family,
                lags: None,
                level: 0.95,
            });
            match r {
                Ok(r) => tally.add(
                    0.8,
                    r.relative_effect.estimate,
                    r.relative_effect.lower,
                    r.relative_effect.upper,
                ),
                Err(_) => tally.errors += 1,
            }
        }

        // 4. Synthetic control: 30 donors with heterogeneous trends; the treated area is
        // a convex mixture of three of them plus noise, with effect −3 from period 20 of 30.
        let (donors, periods) = (30, 30);
        let noise = Normal::new(0.0, 1.0).unwrap();
        let mut outcome = vec![0.0; (donors + 1) * periods];
        let mut donor_paths = Vec::new();
        for _ in 0..donors {
            let level = 40.0 + 10.0 * noise.sample(&mut rng);
            let slope = 0.3 * noise.sample(&mut rng);
            donor_paths.push(
                (0..periods)
                    .map(|t| level + slope * t as f64 + noise.sample(&mut rng))
                    .collect::<Vec<f64>>(),
            );
        }
        for t in 0..periods {
            let mix = 0.5 * donor_paths[0][t] + 0.3 * donor_paths[1][t] + 0.2 * donor_paths[2][t];
            outcome[t] = mix + 0.5 * noise.sample(&mut rng) + if t >= 20 { -3.0 } else { 0.0 };
            for d in 0..donors {
                outcome[(d + 1) * periods + t] = donor_paths[d][t];
            }
        }
        let tf: Vec<Option<usize>> = (0..=donors).map(|u| (u == 0).then_some(20)).collect();
        let p = Panel {
            units: donors + 1,
            periods,
            outcome: outcome.clone(),
            treated_from: tf.clone(),
        };
        match synthetic_control(&p, 0, 0.95) {
            Ok(r) => sc.add(-3.0, r.effect.estimate, r.effect.lower, r.effect.upper),
            Err(_) => sc.errors += 1,
        }
        // Same data without the effect: how often is the placebo p-value below 0.05?
        for t in 20..periods {
            outcome[t] += 3.0;
        }
        let p = Panel {
            units: donors + 1,
            periods,
            outcome,
            treated_from: tf,
        };
        match synthetic_control(&p, 0, 0.95) {
            Ok(r) => sc_p.add(0.0, 0.0, if r.p_value < 0.05 { 1.0 } else { 0.0 }, 1.0),
            Err(_) => sc_p.errors += 1,
        }

        // 5. Nowcast: 30 months, delays 0–5, overdispersed counts around 150 a month.
        let delay = [0.35, 0.25, 0.15, 0.12, 0.08, 0.05];
        let t_len = 30;
        let mut tri = Vec::new();
        let mut truth = Vec::new();
        for i in 0..t_len {
            let mut row = Vec::new();
            let mut total = 0.0;
            for (d, pd) in delay.iter().enumerate() {
                let m = 150.0 * pd * (1.0 + 0.2 * (i as f64 / 3.0).sin());
                let m = Gamma::new(20.0, m / 20.0).unwrap().sample(&mut rng);
                let c: f64 = Poisson::new(m).unwrap().sample(&mut rng);
                total += c;
                if i + d < t_len {
                    row.push(c);
                }
            }
            tri.push(row);
            truth.push(total);
        }
        match nowcast(
            &tri,
            &NowcastConfig {
                max_delay: 5,
                window: Some(24),
                level: 0.95,
            },
        ) {
            Ok(r) => {
                for i in 25..30 {
                    let q = r.periods[i];
                    now.add(truth[i], q.estimate, q.lower, q.upper);
                }
            }
            Err(_) => now.errors += 1,
        }
    }

    println!(
        "Coverage of nominal 95 % intervals over {seeds} simulated data sets (seeds 1000–{}).\n",
        1000 + seeds - 1
    );
    println!(
        "| method                                       |     n | coverage | ±95%  |      bias | mean width | err |"
    );
    println!(
        "|----------------------------------------------|------:|---------:|------:|----------:|----------:|----:|"
    );
    for t in [&did, &did_few, &cs, &twfe_stag, &its, &its_nb, &sc, &now] {
        t.report();
    }
    println!("\nFalse-positive rates under a true null (share of runs rejecting at 5 %):");
    for t in [&pre, &sc_p] {
        let n = t.total.max(1) as f64;
        println!(
            "- {}: {:.1} % of {} runs",
            t.name,
            100.0 * (t.total - t.covered) as f64 / n,
            t.total
        );
    }
}
