//! Programme evaluation: hand-worked examples, cross-checks against linearmodels
//! and statsmodels, and the edge cases.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_all_close, assert_close, nums, run_python};
use evident_stats::StatsError;
use evident_stats::evaluation::{
    Caveat, CountFamily, ItsInput, Panel, Seasonality, difference_in_differences, event_study,
    interrupted_time_series, staggered_did, synthetic_control,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};
use serde_json::json;

/// 30 areas × 16 periods; areas 0–9 start at period 8, areas 10–14 at period 11;
/// true effect −2 on the outcome; area and period effects; AR-free noise.
fn panel(seed: u64) -> Panel {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 1.0).unwrap();
    let (units, periods) = (30, 16);
    let treated_from: Vec<Option<usize>> = (0..units)
        .map(|u| {
            if u < 10 {
                Some(8)
            } else if u < 15 {
                Some(11)
            } else {
                None
            }
        })
        .collect();
    let mut outcome = Vec::new();
    for u in 0..units {
        for t in 0..periods {
            let mut y = 20.0 + u as f64 * 0.7 + 0.3 * t as f64 + noise.sample(&mut rng);
            if treated_from[u].is_some_and(|g| t >= g) {
                y -= 2.0;
            }
            outcome.push(y);
        }
    }
    outcome[5 * 16 + 3] = f64::NAN; // one missing cell: unbalanced panel
    Panel {
        units,
        periods,
        outcome,
        treated_from,
    }
}

fn its_data() -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    let n = 72;
    let pop: Vec<f64> = (0..n).map(|t| 250_000.0 + 300.0 * t as f64).collect();
    let counts = (0..n)
        .map(|t| {
            let s = (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin();
            let eff = if t >= 48 {
                -0.2 - 0.01 * (t - 48) as f64
            } else {
                0.0
            };
            let mean = pop[t] * 2e-4 * (0.002 * t as f64 + 0.15 * s + eff).exp();
            Poisson::new(mean).unwrap().sample(&mut rng)
        })
        .collect();
    (counts, pop)
}

#[test]
fn twfe_event_study_and_its_agree_with_linearmodels_and_statsmodels() {
    let p = panel(3);
    let (counts, pop) = its_data();
    let lags = 3;
    let input = json!({
        "units": p.units, "periods": p.periods,
        "outcome": p.outcome.iter().map(|v| if v.is_nan() { serde_json::Value::Null } else { json!(v) }).collect::<Vec<_>>(),
        "treated_from": p.treated_from, "leads": 4, "lags": 3,
        "its": {"counts": counts, "population": pop, "start": 48, "period": 12, "harmonics": 2, "lags": lags},
    });
    let reference = run_python("evaluation.py", &input);

    let did = difference_in_differences(&p, 0.95).unwrap();
    assert_close(
        "DiD estimate",
        did.att.estimate,
        nums(&reference["did"]["params"])[0],
        1e-9,
        1e-12,
    );
    assert_close(
        "DiD clustered SE",
        did.att.se,
        nums(&reference["did"]["bse"])[0],
        1e-8,
        1e-12,
    );
    assert_eq!(did.clusters, 30);

    let es = event_study(&p, 4, 3, 0.95).unwrap();
    let est: Vec<f64> = es.coefficients.iter().map(|c| c.effect.estimate).collect();
    let se: Vec<f64> = es.coefficients.iter().map(|c| c.effect.se).collect();
    assert_all_close(
        "event study estimates",
        &est,
        &nums(&reference["event"]["params"]),
        1e-8,
        1e-10,
    );
    assert_all_close(
        "event study SEs",
        &se,
        &nums(&reference["event"]["bse"]),
        1e-7,
        1e-10,
    );

    let its = interrupted_time_series(&ItsInput {
        counts: &counts,
        population: Some(&pop),
        start: 48,
        seasonality: Seasonality::Fourier {
            period: 12,
            harmonics: 2,
        },
        family: CountFamily::Poisson,
        lags: Some(lags),
        level: 0.95,
    })
    .unwrap();
    let params = nums(&reference["its"]["params"]);
    let hac = nums(&reference["its"]["bse_hac"]);
    let quasi = nums(&reference["its"]["bse_quasi"]);
    assert_close(
        "ITS level change",
        its.level_change.estimate.ln(),
        params[2],
        1e-6,
        1e-9,
    );
    assert_close(
        "ITS slope change",
        its.slope_change.estimate.ln(),
        params[3],
        1e-6,
        1e-9,
    );
    // Each SE is the larger of the corrected Newey–West and the quasi-Poisson one.
    assert_close(
        "ITS level change SE",
        its.level_change.se,
        hac[2].max(quasi[2]),
        1e-6,
        1e-10,
    );
    assert_close(
        "ITS slope change SE",
        its.slope_change.se,
        hac[3].max(quasi[3]),
        1e-6,
        1e-10,
    );
    // The simulated programme cut crime: the relative effect is below 1 and significant.
    assert!(its.relative_effect.upper < 1.0 && its.absolute_effect.estimate < 0.0);
}

#[test]
fn two_by_two_did_by_hand() {
    // Two areas × 2 periods plus a second control: the TWFE estimate is the
    // difference of changes: treated (10 → 7) = −3, controls (8 → 9, 5 → 7) mean +1.5,
    // so ATT = −4.5.
    let p = Panel {
        units: 3,
        periods: 2,
        outcome: vec![10.0, 7.0, 8.0, 9.0, 5.0, 7.0],
        treated_from: vec![Some(1), None, None],
    };
    let did = difference_in_differences(&p, 0.95).unwrap();
    assert!((did.att.estimate + 4.5).abs() < 1e-12);
    assert!(did.caveats.contains(&Caveat::SingleTreatedUnit));
    assert!(did.caveats.contains(&Caveat::FewClusters { clusters: 3 }));
    // Callaway–Sant'Anna gives the same number for one group and one post-period.
    let cs = staggered_did(&p, 0.95).unwrap();
    assert!((cs.overall.estimate + 4.5).abs() < 1e-12);
}

#[test]
fn staggered_recovers_group_time_effects_by_hand() {
    // Group A (area 0) starts at 2, group B (area 1) at 3, area 2 never treated.
    // Outcomes: never treated rises by 1 per period; effects: A +5 from period 2,
    // B +2 from period 3.
    let y = [
        [0.0, 1.0, 7.0, 8.0], // area 0: trend + 5 from t = 2
        [3.0, 4.0, 5.0, 8.0], // area 1: trend + 2 from t = 3
        [1.0, 2.0, 3.0, 4.0], // area 2
    ];
    let p = Panel {
        units: 3,
        periods: 4,
        outcome: y.iter().flatten().copied().collect(),
        treated_from: vec![Some(2), Some(3), None],
    };
    let cs = staggered_did(&p, 0.95).unwrap();
    let att = |g: usize, t: usize| {
        cs.group_time
            .iter()
            .find(|x| x.group == g && x.period == t)
            .unwrap()
            .effect
            .estimate
    };
    // ATT(2,2) = (7 − 1) − (3 − 2) = 5; ATT(2,3) = (8 − 1) − (4 − 2) = 5; ATT(3,3) = (8 − 5) − (4 − 3) = 2.
    assert!(
        (att(2, 2) - 5.0).abs() < 1e-12
            && (att(2, 3) - 5.0).abs() < 1e-12
            && (att(3, 3) - 2.0).abs() < 1e-12
    );
    // Placebo ATT(3,1) = (4 − 3) − (2 − 1) = 0.
    assert!(att(3, 1).abs() < 1e-12);
    // Overall: equal group sizes, so the mean of the three post cells = 4.
    assert!((cs.overall.estimate - 4.0).abs() < 1e-12);
    // Event time 0: mean of ATT(2,2) and ATT(3,3) = 3.5.
    let e0 = cs
        .by_event_time
        .iter()
        .find(|e| e.relative_period == 0)
        .unwrap();
    assert!((e0.effect.estimate - 3.5).abs() < 1e-12);
}

#[test]
fn synthetic_control_recovers_a_known_mixture() {
    // Treated = 0.3·A + 0.7·B before the start, then +4. Donor C is unrelated.
    let a = [10.0, 12.0, 11.0, 13.0, 12.0, 14.0, 13.0, 15.0];
    let b = [20.0, 19.0, 21.0, 20.0, 22.0, 21.0, 23.0, 22.0];
    let c = [5.0, 9.0, 4.0, 8.0, 3.0, 7.0, 2.0, 6.0];
    let treated: Vec<f64> = (0..8)
        .map(|t| 0.3 * a[t] + 0.7 * b[t] + if t >= 6 { 4.0 } else { 0.0 })
        .collect();
    let outcome: Vec<f64> = treated
        .iter()
        .chain(&a)
        .chain(&b)
        .chain(&c)
        .copied()
        .collect();
    let p = Panel {
        units: 4,
        periods: 8,
        outcome,
        treated_from: vec![Some(6), None, None, None],
    };
    let sc = synthetic_control(&p, 0, 0.95).unwrap();
    let w = |u: usize| sc.weights.iter().find(|x| x.0 == u).map_or(0.0, |x| x.1);
    assert!(
        (w(1) - 0.3).abs() < 1e-5 && (w(2) - 0.7).abs() < 1e-5 && w(3) < 1e-5,
        "{:?}",
        sc.weights
    );
    assert!((sc.effect.estimate - 4.0).abs() < 1e-4);
    assert!(sc.pre_rmspe < 1e-4);
    // Only three donors: the smallest attainable p-value is 1/4 and a 95 % level is out of reach.
    assert!(sc.caveats.contains(&Caveat::FewControls { controls: 3 }));
    assert!(sc.p_value >= 0.25 - 1e-12);
}

#[test]
fn edge_cases_give_errors_or_finite_results() {
    // A treated area with no controls.
    let p = Panel {
        units: 2,
        periods: 4,
        outcome: vec![1.0; 8],
        treated_from: vec![Some(2), Some(1)],
    };
    assert!(matches!(
        difference_in_differences(&p, 0.95),
        Err(StatsError::Design { .. })
    ));
    assert!(matches!(
        synthetic_control(&p, 0, 0.95),
        Err(StatsError::Design { .. })
    ));
    assert!(staggered_did(&p, 0.95).is_err());
    // Wrong shapes.
    let bad = Panel {
        units: 2,
        periods: 4,
        outcome: vec![1.0; 7],
        treated_from: vec![Some(2), None],
    };
    assert!(difference_in_differences(&bad, 0.95).is_err());
    // All-zero counts in an interrupted time series.
    let zeros = vec![0.0; 24];
    let its = |c: &[f64], start| {
        interrupted_time_series(&ItsInput {
            counts: c,
            population: None,
            start,
            seasonality: Seasonality::None,
            family: CountFamily::Poisson,
            lags: None,
            level: 0.95,
        })
    };
    assert!(matches!(its(&zeros, 12), Err(StatsError::Design { .. })));
    // Too short, and a start at the very end.
    assert!(its(&[1.0, 2.0, 3.0], 1).is_err());
    assert!(its(&[3.0; 24], 23).is_err());
    // Missing months are skipped; output stays finite.
    let mut c: Vec<f64> = (0..36).map(|t| 20.0 + (t % 5) as f64).collect();
    c[7] = f64::NAN;
    c[30] = f64::NAN;
    let r = its(&c, 24).unwrap();
    assert!(
        r.fitted
            .iter()
            .chain(&r.counterfactual)
            .all(|v| v.is_finite())
    );
    assert!(r.relative_effect.lower.is_finite() && r.p_value.is_finite());
    // Perfect fit in a DiD (no noise): the effect is exact and its p-value well defined.
    let outcome: Vec<f64> = (0..4)
        .flat_map(|u| {
            (0..6).map(move |t| u as f64 + t as f64 + if u < 2 && t >= 3 { 2.5 } else { 0.0 })
        })
        .collect();
    let p = Panel {
        units: 4,
        periods: 6,
        outcome,
        treated_from: vec![Some(3), Some(3), None, None],
    };
    let d = difference_in_differences(&p, 0.95).unwrap();
    assert!((d.att.estimate - 2.5).abs() < 1e-10);
    assert!(d.att.p_value.is_finite() && d.att.lower.is_finite());
    let e = event_study(&p, 2, 2, 0.95).unwrap();
    assert!(e.pretrend_p_value.is_finite());
    let cs = staggered_did(&p, 0.95).unwrap();
    assert!((cs.overall.estimate - 2.5).abs() < 1e-10 && cs.overall.p_value == 0.0);
}

#[test]
fn failed_pre_trends_are_detected() {
    // Treated areas already rising faster than controls before the start.
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let noise = Normal::new(0.0, 0.3).unwrap();
    let (units, periods) = (24, 12);
    let treated_from: Vec<Option<usize>> = (0..units)
        .map(|u| if u < 12 { Some(8) } else { None })
        .collect();
    let outcome: Vec<f64> = (0..units)
        .flat_map(|u| (0..periods).map(move |t| (u, t)))
        .map(|(u, t)| 10.0 + if u < 12 { 0.6 * t as f64 } else { 0.0 } + noise.sample(&mut rng))
        .collect();
    let p = Panel {
        units,
        periods,
        outcome,
        treated_from,
    };
    let es = event_study(&p, 4, 2, 0.95).unwrap();
    assert!(es.pretrend_p_value < 0.01);
    assert!(
        es.caveats
            .iter()
            .any(|c| matches!(c, Caveat::FailedPreTrends { .. }))
    );
}
