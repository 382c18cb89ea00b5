//! Early-warning benchmark data and Rust timings. Run through `bench/trends/run.sh`.
//!
//! Usage: `cargo run --release -p evident-stats --example trends_bench -- OUT_DIR [series] [months]`

use std::io::Write;
use std::time::Instant;

use evident_stats::stl::{StlConfig, StlWorkspace, stl_with};
use evident_stats::trends::{EarlyWarningConfig, early_warning, early_warning_stl};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: trends_bench OUT_DIR [series] [months]")?,
    );
    let n_series: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let months: usize = args.next().map_or(Ok(120), |s| s.parse())?;
    std::fs::create_dir_all(&out)?;

    // Monthly counts: levels from 1 to 300, seasonality, NB noise; 2 % of series rise
    // by 60 % over their last 6 months.
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut series = Vec::with_capacity(n_series);
    for i in 0..n_series {
        let level = 1.0 + 299.0 * ((i * 7919) % 1000) as f64 / 1000.0;
        let rise = i % 50 == 0;
        let s: Vec<f64> = (0..months)
            .map(|t| {
                let season = 1.0 + 0.2 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).cos();
                let mut m = level * season * if rise && t + 6 >= months { 1.6 } else { 1.0 };
                m = Gamma::new(20.0, m / 20.0)
                    .map(|g| g.sample(&mut rng))
                    .unwrap_or(m);
                Poisson::new(m.max(1e-9))
                    .map(|p| p.sample(&mut rng))
                    .unwrap_or(0.0)
            })
            .collect();
        series.push(s);
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(out.join("series.csv"))?);
    for s in &series {
        let line: Vec<String> = s.iter().map(|v| format!("{v}")).collect();
        writeln!(f, "{}", line.join(","))?;
    }
    f.flush()?;

    let cfg = early_warning_stl(12);
    let decompose_all = |cfg: &StlConfig, part: &[Vec<f64>]| {
        let mut ws = StlWorkspace::default();
        part.iter()
            .map(|s| stl_with(s, cfg, &mut ws).map(|d| d.trend[0]).unwrap_or(0.0))
            .sum::<f64>()
    };
    // Same decompositions as the Python script: one STL per full series.
    let t = Instant::now();
    let check = decompose_all(&cfg, &series);
    let stl_1 = t.elapsed().as_secs_f64();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    let chunk = series.len().div_ceil(threads);
    let check2: f64 = std::thread::scope(|sc| {
        let hs: Vec<_> = series
            .chunks(chunk)
            .map(|p| sc.spawn(|| decompose_all(&cfg, p)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
    });
    let stl_n = t.elapsed().as_secs_f64();
    assert!((check - check2).abs() <= 1e-6 * check.abs().max(1.0));
    // statsmodels' default robust STL, on the first 1,000 series.
    let robust = StlConfig::new(12, true);
    let t = Instant::now();
    decompose_all(&robust, &series[..series.len().min(1000)]);
    let robust_1 = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let report = early_warning(&series, &EarlyWarningConfig::monthly())?;
    let ew = t.elapsed().as_secs_f64();
    let rises: Vec<usize> = (0..n_series).filter(|i| i % 50 == 0).collect();
    let hits = report.flagged.iter().filter(|i| *i % 50 == 0).count();

    // Decompositions of the first 20 series, for the equality check in Python.
    let sample: Vec<serde_json::Value> = series
        .iter()
        .take(20)
        .map(|s| {
            let d = evident_stats::stl::stl(s, &cfg).expect("decomposition");
            serde_json::json!({"seasonal": d.seasonal, "trend": d.trend})
        })
        .collect();
    std::fs::write(
        out.join("rust_stl_sample.json"),
        serde_json::to_vec(&sample)?,
    )?;
    let timings = serde_json::json!({
        "series": n_series, "months": months, "threads": threads,
        "stl_seconds_1_thread": stl_1, "stl_seconds_all_threads": stl_n,
        "robust_stl_seconds_1000_1_thread": robust_1,
        "early_warning_seconds": ew,
        "flagged": report.flagged.len(), "true_rises": rises.len(), "rises_flagged": hits,
    });
    std::fs::write(
        out.join("rust_timings.json"),
        serde_json::to_vec_pretty(&timings)?,
    )?;
    println!("{}", serde_json::to_string_pretty(&timings)?);
    Ok(())
}
