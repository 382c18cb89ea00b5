//! Early warning on simulated series with known truth: false-alarm control under
//! no change, power and change-point location under injected changes, and the
//! edge cases (zeros, missing months, short and weekly series).

use evident_stats::special::poisson_sf_inclusive;
use evident_stats::trends::{
    BaselineChoice, BaselineMethod, Direction, EarlyWarningConfig, SeriesOutcome, SeriesWarning,
    early_warning, early_warning_recorded,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson};

/// Monthly counts: level × seasonal × (optional NB noise with shape `shape`).
fn simulate(
    rng: &mut ChaCha8Rng,
    n: usize,
    level: f64,
    shape: Option<f64>,
    shift: Option<(usize, f64)>,
) -> Vec<f64> {
    (0..n)
        .map(|t| {
            let season = 1.0 + 0.25 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).cos();
            let mut mean = level * season;
            if let Some((start, ratio)) = shift
                && t >= start
            {
                mean *= ratio;
            }
            if let Some(k) = shape {
                mean = Gamma::new(k, mean / k).unwrap().sample(rng);
            }
            Poisson::new(mean.max(1e-9)).unwrap().sample(rng)
        })
        .collect()
}

fn assessed(o: &SeriesOutcome) -> &SeriesWarning {
    match o {
        SeriesOutcome::Assessed(w) => w,
        SeriesOutcome::Skipped { reason } => panic!("skipped: {reason}"),
    }
}

fn no_nan(w: &SeriesWarning) {
    let all = w.expected.iter().chain(&w.lower).chain(&w.upper).chain([
        &w.alarm_p,
        &w.shift_p,
        &w.q_value,
        &w.dispersion,
        &w.recent_excess,
        &w.recent_ratio,
    ]);
    for v in all {
        assert!(v.is_finite(), "non-finite value in output");
    }
}

#[test]
fn false_alarms_are_controlled_when_nothing_changes() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let levels = [2.0, 8.0, 30.0, 120.0];
    let series: Vec<Vec<f64>> = (0..240)
        .map(|i| {
            simulate(
                &mut rng,
                96,
                levels[i % 4],
                if i % 2 == 0 { None } else { Some(10.0) },
                None,
            )
        })
        .collect();
    let report = early_warning(&series, &EarlyWarningConfig::monthly()).unwrap();
    // Under the global null BH keeps P(any flag) ≤ 5 % for calibrated p-values.
    assert!(
        report.flagged.len() <= 1,
        "flagged {} of 240 unchanged series",
        report.flagged.len()
    );
    // Per-series p-values should not be anti-conservative: about 5 % below 0.05
    // (binomial sd for 240 series is 1.4 %, so 8 % is two sd above; measured:
    // 11 alarm and 9 level-shift p-values of 240, 4.6 % and 3.8 %).
    let below = report
        .series
        .iter()
        .map(assessed)
        .filter(|w| w.alarm_p < 0.05)
        .count();
    assert!(
        below as f64 / 240.0 <= 0.08,
        "{below} of 240 alarm p-values below 0.05"
    );
    let below = report
        .series
        .iter()
        .map(assessed)
        .filter(|w| w.shift_p < 0.05)
        .count();
    assert!(
        below as f64 / 240.0 <= 0.08,
        "{below} of 240 shift p-values below 0.05"
    );
    for o in &report.series {
        let w = assessed(o);
        assert_eq!(w.baseline, BaselineMethod::Stl);
        no_nan(w);
    }
}

#[test]
fn injected_rises_are_flagged_with_their_start_and_size() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut series: Vec<Vec<f64>> = (0..120)
        .map(|_| simulate(&mut rng, 96, 25.0, Some(20.0), None))
        .collect();
    // 20 series rise by 80 % from month 84 (12 months before the end).
    for s in series.iter_mut().take(20) {
        *s = simulate(&mut rng, 96, 25.0, Some(20.0), Some((84, 1.8)));
    }
    let report = early_warning(&series, &EarlyWarningConfig::monthly()).unwrap();
    let hits = report.flagged.iter().filter(|&&i| i < 20).count();
    let false_hits = report.flagged.len() - hits;
    // 80 % power; the baseline history already holds 9 months of the rise, so the
    // level-shift test does most of the work here.
    assert!(hits >= 16, "only {hits} of 20 rises flagged");
    assert!(false_hits <= 2, "{false_hits} unchanged series flagged");
    let mut starts = Vec::new();
    for w in report.series.iter().take(20).map(assessed) {
        let s = w.shift.expect("a shift estimate");
        starts.push(s.start);
        assert!(
            s.ratio_lower < 1.8 && 1.8 < s.ratio_upper * 1.15,
            "ratio {} [{}, {}]",
            s.ratio,
            s.ratio_lower,
            s.ratio_upper
        );
        assert!(s.extra_per_period > 0.0);
    }
    starts.sort_unstable();
    let median = starts[starts.len() / 2];
    assert!(
        (82..=86).contains(&median),
        "median estimated start {median}, true 84"
    );
}

#[test]
fn a_count_after_a_run_of_zeros_uses_the_exact_poisson_tail() {
    // 60 zeros then a single offence in the last month. The baseline is zero,
    // floored at half an event over the 57 observed history months: μ = 0.5/57.
    let mut y = vec![0.0; 60];
    y[59] = 1.0;
    let mu: f64 = 0.5 / 57.0;
    let poisson = 1.0 - (-mu).exp();
    let mut cfg = EarlyWarningConfig::monthly();
    cfg.shift_window = 0;
    // Same-season model: nothing was ever recorded, so the count is Poisson with
    // that mean and P(Y ≥ 1) = 1 − e^(−μ) exactly.
    cfg.baseline = BaselineChoice::SameSeason;
    let report = early_warning(std::slice::from_ref(&y), &cfg).unwrap();
    let w = assessed(&report.series[0]);
    let last = w.recent.last().unwrap();
    assert!((last.expected - mu).abs() < 1e-12);
    assert!((last.upper_tail_p - poisson).abs() < 1e-12);
    assert!((last.upper_tail_p - poisson_sf_inclusive(1, mu).unwrap()).abs() < 1e-15);
    // Simes over the three scored months (p = 1, 1, 1 − e^(−μ)) and their total
    // (one offence against a Poisson mean of 3μ: p = 1 − e^(−3μ)), sorted
    // 1 − e^(−μ), 1 − e^(−3μ), 1, 1: min(4(1 − e^(−μ)), 2(1 − e^(−3μ)), …) = 4(1 − e^(−μ)).
    let total = 1.0 - (-3.0 * mu).exp();
    assert!(4.0 * poisson < 2.0 * total);
    assert!((w.alarm_p - 4.0 * poisson).abs() < 1e-12, "{}", w.alarm_p);
    no_nan(w);
    // STL baseline: the same mean, but the forecast's own error makes the
    // predictive distribution a gamma mixture of Poissons, and by Jensen's
    // inequality P(Y = 0) = E[e^(−λ)] ≥ e^(−μ): the tail is below the Poisson
    // tail. The forecast error is a fraction of the count noise here (the
    // 57-month history pins the level down), so the tail stays above half of it.
    cfg.baseline = BaselineChoice::Stl;
    let report = early_warning(&[y], &cfg).unwrap();
    let w = assessed(&report.series[0]);
    let last = w.recent.last().unwrap();
    assert!((last.expected - mu).abs() < 1e-12);
    assert!(
        last.upper_tail_p < poisson && last.upper_tail_p > 0.5 * poisson,
        "{} vs Poisson {poisson}",
        last.upper_tail_p
    );
    // Simes over four p-values, the smallest being this month's: at most 4 p.
    assert!(w.alarm_p <= 4.0 * last.upper_tail_p + 1e-15 && w.alarm_p >= last.upper_tail_p);
    no_nan(w);
}

#[test]
fn edge_cases_never_panic_or_produce_nan() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut missing = simulate(&mut rng, 72, 10.0, None, None);
    for t in [5, 6, 40, 70] {
        missing[t] = f64::NAN;
    }
    let series = vec![
        vec![0.0; 72],                                 // all zero
        simulate(&mut rng, 18, 6.0, None, None),       // short: same-season model
        missing,                                       // missing months, incl. a scored one
        vec![5.0; 72],                                 // perfectly flat
        vec![1.0, 2.0, 3.0],                           // too short
        vec![1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], // negative count
        vec![f64::NAN; 30],                            // nothing observed
        vec![f64::INFINITY; 30],
    ];
    let report = early_warning(&series, &EarlyWarningConfig::monthly()).unwrap();
    for i in 0..4 {
        let w = assessed(&report.series[i]);
        no_nan(w);
        assert!(!w.flagged, "series {i} flagged");
    }
    assert_eq!(
        assessed(&report.series[1]).baseline,
        BaselineMethod::SameSeason
    );
    assert_eq!(
        assessed(&report.series[2]).recent.len(),
        2,
        "the missing scored month is skipped"
    );
    assert_eq!(assessed(&report.series[2]).observed[70], None);
    for i in 4..8 {
        assert!(
            matches!(report.series[i], SeriesOutcome::Skipped { .. }),
            "series {i} should be skipped"
        );
    }
    // Bad settings are an error for the whole call.
    let mut bad = EarlyWarningConfig::monthly();
    bad.fdr = 0.0;
    assert!(early_warning(&series, &bad).is_err());
    assert!(
        early_warning(&[], &EarlyWarningConfig::monthly())
            .unwrap()
            .series
            .is_empty()
    );
}

#[test]
fn short_series_spike_is_caught_by_the_same_season_model() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut series: Vec<Vec<f64>> = (0..50)
        .map(|_| simulate(&mut rng, 20, 12.0, None, None))
        .collect();
    series[0][19] = 45.0; // about 4× the seasonal level in the latest month
    let report = early_warning(&series, &EarlyWarningConfig::monthly()).unwrap();
    assert_eq!(report.flagged.first(), Some(&0));
    assert!(report.flagged.len() <= 2);
    let w = assessed(&report.series[0]);
    assert_eq!(w.baseline, BaselineMethod::SameSeason);
    let last = w.recent.last().unwrap();
    assert!(
        last.expected > 6.0 && last.expected < 20.0,
        "expected {}",
        last.expected
    );
}

#[test]
fn weekly_series_and_falls() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let weekly = |rng: &mut ChaCha8Rng, drop: bool| -> Vec<f64> {
        (0..260)
            .map(|t| {
                let mut m =
                    20.0 * (1.0 + 0.3 * (2.0 * std::f64::consts::PI * t as f64 / 52.0).sin());
                if drop && t >= 240 {
                    m *= 0.4;
                }
                Poisson::new(m).unwrap().sample(rng)
            })
            .collect()
    };
    let mut series: Vec<Vec<f64>> = (0..60).map(|_| weekly(&mut rng, false)).collect();
    series[3] = weekly(&mut rng, true);
    let mut cfg = EarlyWarningConfig::weekly();
    cfg.direction = Direction::Decrease;
    let report = early_warning(&series, &cfg).unwrap();
    assert!(report.flagged.contains(&3));
    assert!(report.flagged.len() <= 2);
    let s = assessed(&report.series[3]).shift.unwrap();
    assert!((236..=244).contains(&s.start), "start {}", s.start);
    assert!(s.ratio < 0.6 && s.extra_per_period < 0.0);
}

#[test]
fn counts_still_being_recorded_are_tested_against_the_thinned_distribution() {
    // Same-season model on an all-zero history: the final count is Poisson with
    // the floor's mean μ = 0.5/57. Half of the last month recorded so far
    // (share 0.5): the count recorded is Poisson with mean 0.5μ, so one offence
    // has P(R ≥ 1) = 1 − e^(−μ/2), and the chart's expected count stays μ.
    let mut y = vec![0.0; 60];
    y[59] = 1.0;
    let mut share = vec![1.0; 60];
    share[59] = 0.5;
    let mut cfg = EarlyWarningConfig::monthly();
    cfg.shift_window = 0;
    cfg.baseline = BaselineChoice::SameSeason;
    let report = early_warning_recorded(&[y.clone()], &[share.clone()], &cfg).unwrap();
    let w = assessed(&report.series[0]);
    let mu: f64 = 0.5 / 57.0;
    let last = w.recent.last().unwrap();
    assert!((last.expected - mu).abs() < 1e-12);
    assert_eq!(last.share_recorded, 0.5);
    assert!((last.upper_tail_p - (1.0 - (-0.5 * mu).exp())).abs() < 1e-12);
    assert_eq!(w.share_recorded[59], 0.5);
    // The estimated final count is the recorded one over its share: 2 against μ.
    assert!((w.recent_excess - (2.0 - 3.0 * mu)).abs() < 1e-12);
    // Lengths must match; a share outside (0, 1] skips that series only.
    assert!(early_warning_recorded(&[y.clone()], &[], &cfg).is_err());
    assert!(early_warning_recorded(&[y.clone()], &[vec![1.0; 59]], &cfg).is_err());
    share[10] = 0.0;
    let report = early_warning_recorded(&[y.clone(), y], &[share, vec![1.0; 60]], &cfg).unwrap();
    assert!(matches!(report.series[0], SeriesOutcome::Skipped { .. }));
    assert!(matches!(report.series[1], SeriesOutcome::Assessed(_)));
}

#[test]
fn a_category_that_did_not_exist_yet_is_assessed_from_its_first_count() {
    // 30 months of zeros, then about 20 a month: 30 zeros under a mean of 20
    // have probability e^(−600), so the category did not exist (a new offence
    // code). The series must be assessed exactly as its part from month 30 on.
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let mut y = vec![0.0; 30];
    y.extend(simulate(&mut rng, 60, 20.0, None, None));
    let cfg = EarlyWarningConfig::monthly();
    let report = early_warning(&[y.clone(), y[30..].to_vec()], &cfg).unwrap();
    let (full, part) = (assessed(&report.series[0]), assessed(&report.series[1]));
    assert_eq!(full.expected.len(), 90);
    assert!(full.expected[..30].iter().all(|v| *v == 0.0));
    assert_eq!(&full.expected[30..], &part.expected[..]);
    assert_eq!(full.alarm_p, part.alarm_p);
    assert_eq!(full.shift_p, part.shift_p);
    assert_eq!(full.recent[0].index, part.recent[0].index + 30);
    // A few zeros before a low level are ordinary: 5 zeros under a mean of 2
    // have probability e^(−10) > 1e-6, so nothing is cut.
    let mut low = vec![0.0; 5];
    low.extend(simulate(&mut rng, 60, 2.0, None, None));
    let report = early_warning(&[low], &cfg).unwrap();
    assert!(assessed(&report.series[0]).expected[0] > 0.0);
}
