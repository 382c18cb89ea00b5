//! Rate, proportion and rate-ratio intervals against scipy and statsmodels.

mod common;

use common::{assert_close, num, run_python};
use evident_stats::{
    ProportionMethod, RateMethod, RateRatioMethod, poisson_count_interval, proportion_interval,
    rate_ratio,
};
use serde_json::json;

#[test]
fn intervals_agree_with_scipy_and_statsmodels() {
    let counts: Vec<u64> = vec![0, 1, 2, 3, 7, 15, 40, 99, 250, 1_000, 12_345, 1_000_000];
    let levels = [0.8, 0.9, 0.95, 0.99, 0.999];
    let proportions: Vec<[u64; 2]> = vec![
        [0, 1],
        [1, 1],
        [0, 7],
        [3, 7],
        [7, 7],
        [49, 200],
        [500, 1000],
        [1, 10_000],
        [9_990, 10_000],
        [123_456, 1_000_000],
    ];
    let ratios: Vec<(u64, f64, u64, f64)> = vec![
        (12, 1000.0, 5, 1500.0),
        (1, 10.0, 1, 30.0),
        (300, 2.5e5, 410, 3.1e5),
        (5000, 1e6, 40, 2e4),
    ];
    let reference = run_python(
        "rates.py",
        &json!({"counts": counts, "levels": levels, "proportions": proportions, "ratios": ratios}),
    );
    let mut i = 0;
    let mut j = 0;
    let mut r = 0;
    for level in levels {
        for &k in &counts {
            let (lo, hi) = poisson_count_interval(k, level, RateMethod::ExactPoisson).unwrap();
            let want = &reference["poisson"][i];
            assert_close(
                &format!("Poisson lower k={k} level={level}"),
                lo,
                num(&want[0]),
                1e-10,
                1e-14,
            );
            assert_close(
                &format!("Poisson upper k={k} level={level}"),
                hi,
                num(&want[1]),
                1e-10,
                1e-14,
            );
            i += 1;
        }
        for &[x, n] in &proportions {
            let w = proportion_interval(x, n, level, ProportionMethod::Wilson).unwrap();
            let want = &reference["wilson"][j];
            assert_close(
                &format!("Wilson lower {x}/{n}"),
                w.lower,
                num(&want[0]),
                1e-11,
                1e-14,
            );
            assert_close(
                &format!("Wilson upper {x}/{n}"),
                w.upper,
                num(&want[1]),
                1e-11,
                1e-14,
            );
            let c = proportion_interval(x, n, level, ProportionMethod::ClopperPearson).unwrap();
            let want = &reference["clopper_pearson"][j];
            assert_close(
                &format!("Clopper-Pearson lower {x}/{n} level={level}"),
                c.lower,
                num(&want[0]),
                1e-9,
                1e-14,
            );
            assert_close(
                &format!("Clopper-Pearson upper {x}/{n} level={level}"),
                c.upper,
                num(&want[1]),
                1e-9,
                1e-14,
            );
            j += 1;
        }
        for &(ca, ea, cb, eb) in &ratios {
            let rr = rate_ratio(ca, ea, cb, eb, level, RateRatioMethod::LogNormal).unwrap();
            let want = &reference["wald_log"][r];
            assert_close("wald-log lower", rr.lower, num(&want[0]), 1e-11, 0.0);
            assert_close("wald-log upper", rr.upper, num(&want[1]), 1e-11, 0.0);
            r += 1;
        }
    }
}
