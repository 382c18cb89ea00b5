//! Nowcast intervals cover the true final counts on simulated recording delays.

#![allow(clippy::needless_range_loop)]

use evident_stats::nowcast::{NowcastConfig, nowcast};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson};

/// T occurrence periods, delays 0–5 with a known distribution; the triangle
/// shows what is recorded by the end of period T − 1. Returns (triangle, truth).
fn simulate(
    rng: &mut ChaCha8Rng,
    t: usize,
    level: f64,
    shape: Option<f64>,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let delay = [0.35, 0.25, 0.15, 0.12, 0.08, 0.05];
    let mut tri = Vec::new();
    let mut truth = Vec::new();
    for i in 0..t {
        let season = 1.0 + 0.2 * (2.0 * std::f64::consts::PI * i as f64 / 12.0).sin();
        let mut row = Vec::new();
        let mut total = 0.0;
        for (d, p) in delay.iter().enumerate() {
            let mut mean = level * season * p;
            if let Some(k) = shape {
                mean = Gamma::new(k, mean / k).unwrap().sample(rng);
            }
            let n: f64 = Poisson::new(mean).unwrap().sample(rng);
            total += n;
            if i + d < t {
                row.push(n);
            }
        }
        tri.push(row);
        truth.push(total);
    }
    (tri, truth)
}

#[test]
fn intervals_cover_the_truth_about_95_percent_of_the_time() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let cfg = NowcastConfig {
        max_delay: 5,
        window: Some(24),
        level: 0.95,
    };
    for (level, shape) in [(40.0, None), (200.0, Some(15.0))] {
        let (mut covered, mut total) = (0, 0);
        let mut naive_low = 0;
        for _ in 0..150 {
            let (tri, truth) = simulate(&mut rng, 30, level, shape);
            let nc = nowcast(&tri, &cfg).unwrap();
            for i in 25..30 {
                let p = nc.periods[i];
                total += 1;
                if p.lower <= truth[i] && truth[i] <= p.upper {
                    covered += 1;
                }
                if p.reported < truth[i] {
                    naive_low += 1;
                }
                assert!(p.lower <= p.estimate && p.estimate <= p.upper);
            }
        }
        let coverage = covered as f64 / total as f64;
        assert!(
            (0.90..=0.99).contains(&coverage),
            "level {level}: coverage {coverage:.3} of {total}"
        );
        // The point of nowcasting: counts recorded so far are almost always too low.
        assert!(naive_low as f64 / total as f64 > 0.95);
    }
}

#[test]
fn zero_rows_and_windows_are_handled() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (mut tri, _) = simulate(&mut rng, 20, 5.0, None);
    tri[19] = vec![0.0];
    tri[18] = vec![0.0, 0.0];
    let nc = nowcast(
        &tri,
        &NowcastConfig {
            max_delay: 5,
            window: Some(12),
            level: 0.9,
        },
    )
    .unwrap();
    for p in &nc.periods {
        assert!(p.estimate.is_finite() && p.lower.is_finite() && p.upper.is_finite());
        assert!(p.lower <= p.estimate && p.estimate <= p.upper);
    }
    // Nothing recorded yet with share s: estimate 0, upper = −ln(0.05)/s · (1 − s).
    let last = nc.periods[19];
    assert_eq!(last.estimate, 0.0);
    let s = nc.delay_distribution[0];
    assert!((last.upper - (-(0.05f64).ln()) / s * (1.0 - s)).abs() < 1e-9);
    assert!((nc.delay_distribution.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}
