//! Calibration of the early-warning p-values on simulated series with no change,
//! and the false-discovery proportion when a few series do change. Run through
//! `bench/early-warning/calibration.sh`.
//!
//! Usage: `cargo run --release -p evident-stats --example early_warning_calibration -- [series per shape] [seed]`
//!
//! Null shapes: mean level 0.5, 3, 15, 80 or 400 a month; Poisson or
//! gamma-Poisson noise (shape 20 or 5: variance μ + μ²/shape); no trend, +10 %
//! or −5 % a year; a seasonal swing of ±25 %. Two designs: 120 months scored on
//! the last 3 (the monthly default), and 72 months scored on the last 18 (the
//! synthetic country with `--since 2023-07`).

use std::time::Instant;

use evident_stats::trends::{EarlyWarningConfig, SeriesOutcome, early_warning};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson};

const LEVELS: [f64; 5] = [0.5, 3.0, 15.0, 80.0, 400.0];
const NOISES: [Option<f64>; 3] = [None, Some(20.0), Some(5.0)];
const TRENDS: [f64; 3] = [0.0, 0.10, -0.05];

struct Shape {
    level: f64,
    noise: Option<f64>,
    trend: f64,
}

fn simulate(
    rng: &mut ChaCha8Rng,
    shape: &Shape,
    n: usize,
    change: Option<(usize, f64)>,
) -> Vec<f64> {
    (0..n)
        .map(|t| {
            let season = 1.0 + 0.25 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).cos();
            let mut m = shape.level * season * (1.0 + shape.trend).powf(t as f64 / 12.0);
            if let Some((start, ratio)) = change
                && t >= start
            {
                m *= ratio;
            }
            if let Some(k) = shape.noise {
                m = Gamma::new(k, m / k).map_or(m, |g| g.sample(rng));
            }
            Poisson::new(m.max(1e-12)).map_or(0.0, |p| p.sample(rng))
        })
        .collect()
}

#[derive(Default, Clone)]
struct Tally {
    n: usize,
    alarm: [usize; 3],
    shift: [usize; 3],
    combined: [usize; 3],
    alarm_p: Vec<f64>,
}

const CUTS: [f64; 3] = [0.01, 0.05, 0.10];

impl Tally {
    fn add(&mut self, alarm: f64, shift: f64, combined: f64) {
        self.n += 1;
        for (i, c) in CUTS.iter().enumerate() {
            self.alarm[i] += usize::from(alarm <= *c);
            self.shift[i] += usize::from(shift <= *c);
            self.combined[i] += usize::from(combined <= *c);
        }
        self.alarm_p.push(alarm);
    }

    fn merge(&mut self, o: &Tally) {
        self.n += o.n;
        for i in 0..3 {
            self.alarm[i] += o.alarm[i];
            self.shift[i] += o.shift[i];
            self.combined[i] += o.combined[i];
        }
        self.alarm_p.extend(&o.alarm_p);
    }

    fn row(&self, label: &str) -> String {
        let pct = |k: usize| 100.0 * k as f64 / self.n.max(1) as f64;
        format!(
            "{label:<22} {:>6} | alarm {:>5.1} {:>5.1} {:>5.1} | shift {:>5.1} {:>5.1} {:>5.1} | combined {:>5.1} {:>5.1} {:>5.1}",
            self.n,
            pct(self.alarm[0]),
            pct(self.alarm[1]),
            pct(self.alarm[2]),
            pct(self.shift[0]),
            pct(self.shift[1]),
            pct(self.shift[2]),
            pct(self.combined[0]),
            pct(self.combined[1]),
            pct(self.combined[2]),
        )
    }
}

/// One batch: false flags, all flags, and the null p-values at or below 1e-3
/// and 1e-4 for (alarm, shift, combined).
type Flags = (usize, usize, [[usize; 2]; 3]);

fn run_design(
    name: &str,
    months: usize,
    config: &EarlyWarningConfig,
    per_shape: usize,
    seed: u64,
    quiet: bool,
) -> Result<Flags, Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shapes = Vec::new();
    for &level in &LEVELS {
        for &noise in &NOISES {
            for &trend in &TRENDS {
                shapes.push(Shape {
                    level,
                    noise,
                    trend,
                });
            }
        }
    }
    // Null series, shape by shape.
    let mut series = Vec::new();
    let mut shape_of = Vec::new();
    for (si, s) in shapes.iter().enumerate() {
        for _ in 0..per_shape {
            series.push(simulate(&mut rng, s, months, None));
            shape_of.push(si);
        }
    }
    let nulls = series.len();
    // 2 % of series with a real change: +60 % over the scored periods.
    let changed = nulls / 50;
    for i in 0..changed {
        let s = &shapes[i % shapes.len()];
        let start = months - config.recent;
        series.push(simulate(&mut rng, s, months, Some((start, 1.6))));
    }
    let t = Instant::now();
    let report = early_warning(&series, config)?;
    let seconds = t.elapsed().as_secs_f64();

    let mut by_shape = vec![Tally::default(); shapes.len()];
    let mut skipped = 0;
    for (i, o) in report.series.iter().take(nulls).enumerate() {
        match o {
            SeriesOutcome::Assessed(w) => {
                by_shape[shape_of[i]].add(w.alarm_p, w.shift_p, w.p_value)
            }
            SeriesOutcome::Skipped { .. } => skipped += 1,
        }
    }
    let false_flags = report.flagged.iter().filter(|&&i| i < nulls).count();
    let true_flags = report.flagged.len() - false_flags;
    if quiet {
        if std::env::var("CALIBRATION_SHAPES").is_ok() {
            for &i in report.flagged.iter().filter(|&&i| i < nulls) {
                let s = &shapes[shape_of[i]];
                if let SeriesOutcome::Assessed(w) = &report.series[i] {
                    eprintln!(
                        "false flag: level {} noise {:?} trend {} alarm {:.1e} shift {:.1e}",
                        s.level, s.noise, s.trend, w.alarm_p, w.shift_p
                    );
                }
            }
        }
        let mut far = [[0usize; 2]; 3];
        for o in report.series.iter().take(nulls) {
            if let SeriesOutcome::Assessed(w) = o {
                for (k, p) in [w.alarm_p, w.shift_p, w.p_value].iter().enumerate() {
                    far[k][0] += usize::from(*p <= 1e-3);
                    far[k][1] += usize::from(*p <= 1e-4);
                }
            }
        }
        return Ok((false_flags, report.flagged.len(), far));
    }
    println!(
        "\n## {name}: {months} months, last {} scored, {} null + {changed} changed series ({seconds:.2} s)",
        config.recent, nulls
    );
    println!("share of null p-values at or below 0.01 0.05 0.10 (%); skipped {skipped}");
    let mut total = Tally::default();
    for (li, level) in LEVELS.iter().enumerate() {
        let mut t = Tally::default();
        for (si, s) in shapes.iter().enumerate() {
            if s.level == *level {
                t.merge(&by_shape[si]);
            }
            let _ = li;
        }
        println!("{}", t.row(&format!("level {level}")));
        total.merge(&t);
    }
    for noise in NOISES {
        let mut t = Tally::default();
        for (si, s) in shapes.iter().enumerate() {
            if s.noise == noise {
                t.merge(&by_shape[si]);
            }
        }
        let label = match noise {
            None => "Poisson".to_string(),
            Some(k) => format!("gamma-Poisson k={k}"),
        };
        println!("{}", t.row(&label));
    }
    for trend in TRENDS {
        let mut t = Tally::default();
        for (si, s) in shapes.iter().enumerate() {
            if s.trend == trend {
                t.merge(&by_shape[si]);
            }
        }
        println!("{}", t.row(&format!("trend {:+.0} %/yr", trend * 100.0)));
    }
    // Worst shapes for the combined p-value at 0.05.
    let mut worst: Vec<(usize, f64)> = by_shape
        .iter()
        .enumerate()
        .map(|(i, t)| (i, t.combined[1] as f64 / t.n.max(1) as f64))
        .collect();
    worst.sort_by(|a, b| b.1.total_cmp(&a.1));
    let show = std::env::var("CALIBRATION_SHAPES").is_ok();
    for &(i, _) in worst.iter().take(if show { worst.len() } else { 4 }) {
        let s = &shapes[i];
        println!(
            "{}",
            by_shape[i].row(&format!(
                "worst: {} {} {:+.0}%",
                s.level,
                s.noise.map_or("P".into(), |k| format!("k{k}")),
                s.trend * 100.0
            ))
        );
    }
    println!("{}", total.row("all null series"));
    // Power by level for the changed series.
    let mut power = Vec::new();
    for &level in &LEVELS {
        let (mut n, mut hit, mut a05, mut s05) = (0, 0, 0, 0);
        for i in 0..changed {
            if shapes[i % shapes.len()].level != level {
                continue;
            }
            n += 1;
            if let SeriesOutcome::Assessed(w) = &report.series[nulls + i] {
                hit += usize::from(w.flagged);
                a05 += usize::from(w.alarm_p <= 0.05);
                s05 += usize::from(w.shift_p <= 0.05);
            }
        }
        power.push(format!(
            "{level}: {hit}/{n} (alarm≤.05 {a05}, shift≤.05 {s05})"
        ));
    }
    println!("changed series flagged by level: {}", power.join("; "));
    let flagged = report.flagged.len();
    println!(
        "BH at {}: flagged {flagged}: {true_flags} of {changed} changed series, {false_flags} null series; false-discovery proportion {:.1} %",
        config.fdr,
        100.0 * false_flags as f64 / flagged.max(1) as f64
    );
    Ok((false_flags, flagged, [[0; 2]; 3]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let per_shape: usize = args.next().map_or(Ok(200), |s| s.parse())?;
    let seed: u64 = args.next().map_or(Ok(1), |s| s.parse())?;
    let replicates: usize = args.next().map_or(Ok(1), |s| s.parse())?;
    let monthly = EarlyWarningConfig::monthly();
    let mut country = EarlyWarningConfig::monthly();
    country.recent = 18;
    if replicates <= 1 {
        run_design("monthly default", 120, &monthly, per_shape, seed, false)?;
        run_design("country-like", 72, &country, per_shape, seed + 1, false)?;
        return Ok(());
    }
    // The false discovery rate is an expectation: average the false-discovery
    // proportion over independent batches.
    for (name, months, config) in [
        ("monthly default", 120, &monthly),
        ("country-like", 72, &country),
    ] {
        let (mut fdp, mut false_total, mut flags_total) = (0.0, 0, 0);
        let mut far = [[0usize; 2]; 3];
        for r in 0..replicates {
            let (f, t, tails) = run_design(
                name,
                months,
                config,
                per_shape,
                seed + 1000 * r as u64,
                true,
            )?;
            fdp += if t > 0 { f as f64 / t as f64 } else { 0.0 };
            false_total += f;
            flags_total += t;
            for k in 0..3 {
                far[k][0] += tails[k][0];
                far[k][1] += tails[k][1];
            }
        }
        let nulls = per_shape * LEVELS.len() * NOISES.len() * TRENDS.len() * replicates;
        println!(
            "{name}: {replicates} batches of {} series: mean false-discovery proportion {:.1} % ({false_total} false of {flags_total} flags)",
            per_shape * LEVELS.len() * NOISES.len() * TRENDS.len() * 51 / 50,
            100.0 * fdp / replicates as f64
        );
        println!(
            "  null p ≤ 1e-3 / ≤ 1e-4 (uniform: {:.0} / {:.1}): alarm {} / {}, shift {} / {}, combined {} / {}",
            nulls as f64 * 1e-3,
            nulls as f64 * 1e-4,
            far[0][0],
            far[0][1],
            far[1][0],
            far[1][1],
            far[2][0],
            far[2][1]
        );
    }
    Ok(())
}
