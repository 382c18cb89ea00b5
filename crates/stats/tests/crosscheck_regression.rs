//! OLS and count regression against statsmodels on a simulated monthly panel.

mod common;

use common::{assert_all_close, assert_close, num, nums, run_python};
use evident_stats::linalg::Matrix;
use evident_stats::regression::{Covariance, Family, RegressionFit, glm, negative_binomial, ols};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson};
use serde_json::json;

/// 6 areas × 48 months; log mean = log population + trend + seasonality +
/// a programme effect from month 30 in areas 0–2; gamma-Poisson (NB) noise.
fn data() -> (Matrix, Vec<f64>, Vec<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(20240601);
    let mut rows = Vec::new();
    let mut y = Vec::new();
    let mut offset = Vec::new();
    let mut groups = Vec::new();
    for area in 0..6 {
        let pop = 20_000.0 + 7_000.0 * area as f64;
        for t in 0..48 {
            let season = (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin();
            let treated = if area < 3 && t >= 30 { 1.0 } else { 0.0 };
            let trend = t as f64 / 48.0;
            let eta =
                pop.ln() - 7.0 + 0.3 * trend + 0.2 * season - 0.25 * treated + 0.1 * area as f64;
            let shape = 8.0;
            let lambda = Gamma::new(shape, eta.exp() / shape)
                .unwrap()
                .sample(&mut rng);
            let count = Poisson::new(lambda).unwrap().sample(&mut rng);
            rows.push(vec![
                1.0,
                trend,
                season,
                (2.0 * std::f64::consts::PI * t as f64 / 12.0).cos(),
                treated,
            ]);
            y.push(count);
            offset.push(pop.ln());
            groups.push(area);
        }
    }
    (Matrix::from_rows(&rows).unwrap(), y, offset, groups)
}

fn check(name: &str, fit: &RegressionFit, reference: &serde_json::Value, se_rel: f64) {
    assert_all_close(
        &format!("{name} params"),
        &fit.coef,
        &nums(&reference[name]["params"]),
        1e-6,
        1e-9,
    );
    assert_all_close(
        &format!("{name} standard errors"),
        &fit.se,
        &nums(&reference[name]["bse"]),
        se_rel,
        1e-10,
    );
}

#[test]
fn regressions_agree_with_statsmodels() {
    let (x, y, offset, groups) = data();
    let lags = 3;
    let alpha = 0.15;
    let rows: Vec<Vec<f64>> = (0..x.rows()).map(|i| x.row(i).to_vec()).collect();
    let reference = run_python(
        "regression.py",
        &json!({"x": rows, "y": y, "offset": offset, "groups": groups, "lags": lags, "alpha": alpha}),
    );

    let ly: Vec<f64> = y.iter().map(|v| (v + 1.0f64).ln()).collect();
    let hac = Covariance::NeweyWest {
        lags: Some(lags),
        small_sample: false,
    };
    let cluster = Covariance::Cluster {
        groups: groups.clone(),
    };
    check(
        "ols_nonrobust",
        &ols(&x, &ly, &Covariance::Classical).unwrap(),
        &reference,
        1e-9,
    );
    check(
        "ols_hc0",
        &ols(&x, &ly, &Covariance::Hc0).unwrap(),
        &reference,
        1e-9,
    );
    check(
        "ols_hc1",
        &ols(&x, &ly, &Covariance::Hc1).unwrap(),
        &reference,
        1e-9,
    );
    check("ols_hac", &ols(&x, &ly, &hac).unwrap(), &reference, 1e-9);
    check(
        "ols_hac_corr",
        &ols(
            &x,
            &ly,
            &Covariance::NeweyWest {
                lags: Some(lags),
                small_sample: true,
            },
        )
        .unwrap(),
        &reference,
        1e-9,
    );
    check(
        "ols_cluster",
        &ols(&x, &ly, &cluster).unwrap(),
        &reference,
        1e-9,
    );

    let pois = |c: &Covariance| glm(&x, &y, Some(&offset), Family::Poisson, c).unwrap();
    check(
        "pois_nonrobust",
        &pois(&Covariance::Classical),
        &reference,
        1e-6,
    );
    check("pois_hc0", &pois(&Covariance::Hc0), &reference, 1e-6);
    check("pois_hac", &pois(&hac), &reference, 1e-6);
    check("pois_cluster", &pois(&cluster), &reference, 1e-6);
    let p = pois(&Covariance::Classical);
    assert_close(
        "Poisson log-likelihood",
        p.log_likelihood,
        num(&reference["pois_llf"]),
        1e-10,
        0.0,
    );
    assert_close(
        "Poisson deviance",
        p.deviance,
        num(&reference["pois_deviance"]),
        1e-8,
        0.0,
    );
    assert_close(
        "Poisson Pearson chi2",
        p.pearson_chi2,
        num(&reference["pois_pearson"]),
        1e-8,
        0.0,
    );

    let nb =
        |c: &Covariance| glm(&x, &y, Some(&offset), Family::NegativeBinomial { alpha }, c).unwrap();
    check(
        "nb_nonrobust",
        &nb(&Covariance::Classical),
        &reference,
        1e-6,
    );
    check("nb_hc0", &nb(&Covariance::Hc0), &reference, 1e-6);
    check("nb_hac", &nb(&hac), &reference, 1e-6);
    check("nb_cluster", &nb(&cluster), &reference, 1e-6);
    assert_close(
        "NB log-likelihood",
        nb(&Covariance::Classical).log_likelihood,
        num(&reference["nb_llf"]),
        1e-10,
        0.0,
    );

    let ml = negative_binomial(&x, &y, Some(&offset), &Covariance::Classical).unwrap();
    let Some(Family::NegativeBinomial { alpha: a_hat }) = ml.family else {
        panic!("family")
    };
    assert_close(
        "NB alpha (ML)",
        a_hat,
        num(&reference["nbml_alpha"]),
        1e-6,
        0.0,
    );
    assert_all_close(
        "NB params (ML)",
        &ml.coef,
        &nums(&reference["nbml_params"]),
        1e-6,
        1e-9,
    );
    assert_close(
        "NB log-likelihood (ML)",
        ml.log_likelihood,
        num(&reference["nbml_llf"]),
        1e-10,
        0.0,
    );
}
