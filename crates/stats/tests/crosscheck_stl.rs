//! STL against statsmodels' STL on simulated monthly and weekly crime counts.

mod common;

use common::{assert_all_close, nums, run_python};
use evident_stats::stl::{StlConfig, stl};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use serde_json::json;

fn series(n: usize, period: usize, level: f64, seed: u64, outliers: bool) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|t| {
            let s = (2.0 * std::f64::consts::PI * t as f64 / period as f64).sin();
            let mean = level * (1.0 + 0.3 * s) * (1.0 + 0.002 * t as f64);
            let mut v = Poisson::new(mean).unwrap().sample(&mut rng);
            if outliers && t % 37 == 5 {
                v *= 3.0;
            }
            v
        })
        .collect()
}

#[test]
fn stl_agrees_with_statsmodels() {
    let mut cases = Vec::new();
    let mut configs = Vec::new();
    let push = |y: Vec<f64>,
                c: StlConfig,
                cases: &mut Vec<serde_json::Value>,
                configs: &mut Vec<(Vec<f64>, StlConfig)>| {
        cases.push(json!({"y": y, "period": c.period, "seasonal": c.seasonal, "robust": c.robust, "trend": c.trend,
                          "degrees": [c.degrees.0, c.degrees.1, c.degrees.2], "jumps": [c.jumps.0, c.jumps.1, c.jumps.2]}));
        configs.push((y, c));
    };
    push(
        series(120, 12, 40.0, 1, false),
        StlConfig::new(12, false),
        &mut cases,
        &mut configs,
    );
    push(
        series(120, 12, 40.0, 2, true),
        StlConfig::new(12, true),
        &mut cases,
        &mut configs,
    );
    push(
        series(37, 12, 30.0, 3, false),
        StlConfig::new(12, true),
        &mut cases,
        &mut configs,
    );
    push(
        series(260, 52, 15.0, 4, true),
        StlConfig::new(52, true),
        &mut cases,
        &mut configs,
    );
    let mut odd = StlConfig::new(12, true);
    odd.seasonal = 13;
    odd.trend = Some(31);
    odd.degrees = (0, 1, 0);
    odd.jumps = (2, 3, 2);
    push(
        series(100, 12, 25.0, 5, true),
        odd,
        &mut cases,
        &mut configs,
    );
    let mut jumpy = StlConfig::new(4, false);
    jumpy.jumps = (2, 2, 2);
    push(
        series(30, 4, 8.0, 6, false),
        jumpy,
        &mut cases,
        &mut configs,
    );

    let reference = run_python("stl.py", &json!({"cases": cases}));
    for (i, (y, c)) in configs.iter().enumerate() {
        let d = stl(y, c).unwrap();
        let r = &reference[i];
        assert_all_close(
            &format!("case {i} seasonal"),
            &d.seasonal,
            &nums(&r["seasonal"]),
            1e-9,
            1e-9,
        );
        assert_all_close(
            &format!("case {i} trend"),
            &d.trend,
            &nums(&r["trend"]),
            1e-9,
            1e-9,
        );
        assert_all_close(
            &format!("case {i} weights"),
            &d.weights,
            &nums(&r["weights"]),
            1e-9,
            1e-9,
        );
    }
}
