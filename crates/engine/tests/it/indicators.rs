//! Every figure below is worked out by hand from the table in `fixture.rs`.

use evident_engine::IndicatorTable;

use crate::fixture;

fn value(table: &IndicatorTable, key: &[(&str, &str)], column: &str) -> Option<f64> {
    let row = table
        .find(key)
        .unwrap_or_else(|| panic!("{}: no row {key:?}", table.indicator));
    if let Some(ints) = table.ints(column) {
        return ints[row].map(|v| v as f64);
    }
    table
        .floats(column)
        .unwrap_or_else(|| panic!("{}: no column {column}", table.indicator))[row]
}

fn close(actual: Option<f64>, expected: f64, tolerance: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, got nothing"));
    assert!(
        (actual - expected).abs() <= tolerance,
        "expected {expected}, got {actual}"
    );
}

/// Wilson score interval, written out (Wilson 1927; Newcombe 1998, method 3).
fn wilson(successes: f64, n: f64) -> (f64, f64) {
    let z = 1.959_963_984_540_054;
    let p = successes / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

#[tokio::test]
async fn offence_counts_rates_and_hierarchy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let tables = fixture::compute(&engine, "offences", Some("iccs:2,area:2,period:year")).await;
    let t = &tables[0];
    let key = |iccs, area| [("iccs", iccs), ("area", area), ("period", "2021")];
    // o1 o2 o3 o4 o5 o7 were recorded in 2021.
    close(value(t, &key("_T", "_T"), "offences"), 6.0, 0.0);
    close(value(t, &key("_T", "_T"), "population"), 10_000.0, 0.0);
    close(value(t, &key("_T", "_T"), "rate_per_100k"), 60.0, 1e-9);
    // Exact Poisson limits for 6 events (Garwood 1936): chi2(0.025; 12)/2 = 4.40379/2 =
    // 2.20189 and chi2(0.975; 14)/2 = 26.11895/2 = 13.05947 (chi-square quantiles from
    // standard tables), scaled by 100,000 / 10,000.
    close(value(t, &key("_T", "_T"), "rate_lower"), 22.0189, 0.001);
    close(value(t, &key("_T", "_T"), "rate_upper"), 130.5947, 0.001);
    close(value(t, &key("01", "_T"), "offences"), 1.0, 0.0);
    close(value(t, &key("0101", "D11"), "offences"), 1.0, 0.0);
    close(value(t, &key("05", "_T"), "offences"), 3.0, 0.0);
    close(value(t, &key("0501", "_T"), "offences"), 2.0, 0.0);
    close(value(t, &key("NC", "R2"), "offences"), 1.0, 0.0);
    close(value(t, &key("_T", "R1"), "offences"), 4.0, 0.0);
    close(value(t, &key("_T", "R1"), "rate_per_100k"), 80.0, 1e-9);
    close(value(t, &key("_T", "D21"), "offences"), 2.0, 0.0);
    // Contributors: v1 s1 v2 p9 plus the three offences with nobody recorded.
    close(value(t, &key("_T", "_T"), "contributors"), 7.0, 0.0);
    close(value(t, &key("0101", "D11"), "contributors"), 2.0, 0.0);
    close(value(t, &key("05", "_T"), "contributors"), 3.0, 0.0);
    // Levels are reported and the table is additive over sections.
    let row = t.find(&key("0101", "D11")).expect("row");
    assert_eq!(t.ints("iccs_level").expect("level")[row], Some(2));
    assert_eq!(t.ints("area_level").expect("level")[row], Some(2));
    let sections: f64 = ["01", "02", "05", "NC"]
        .iter()
        .map(|s| value(t, &key(s, "_T"), "offences").unwrap_or(0.0))
        .sum();
    assert_eq!(sections, 6.0);
}

#[tokio::test]
async fn level_three_keeps_categories_that_stop_above_it_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let t = &fixture::compute(&engine, "offences", Some("iccs:3,period:year")).await[0];
    let key = |iccs| [("iccs", iccs), ("period", "2021")];
    // o3 was coded 0501 only: at level 3 it is "burglary, not further specified".
    close(value(t, &key("0501_NFS"), "offences"), 1.0, 0.0);
    close(value(t, &key("05012"), "offences"), 1.0, 0.0);
    let iccs = t.text("iccs").expect("iccs");
    let level = t.ints("iccs_level").expect("level");
    let homicide: Vec<Option<i64>> = (0..t.rows())
        .filter(|&r| &*iccs[r] == "0101")
        .map(|r| level[r])
        .collect();
    assert_eq!(
        homicide,
        [Some(2), Some(2)],
        "0101 appears once per period, at level 2"
    );
}

#[tokio::test]
async fn homicide_victims_sdg_16_1_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let t = &fixture::compute(&engine, "sdg_16_1_1", None).await[0];
    let key = |area, period, sex, age| {
        [
            ("area", area),
            ("period", period),
            ("sex", sex),
            ("age", age),
        ]
    };
    close(
        value(t, &key("_T", "2021", "_T", "_T"), "victims"),
        1.0,
        0.0,
    );
    close(
        value(t, &key("_T", "2021", "_T", "_T"), "rate_per_100k"),
        10.0,
        1e-9,
    );
    // Exact Poisson limits for 1 event: chi2(0.025; 2)/2 = 0.025318 and
    // chi2(0.975; 4)/2 = 11.14329/2 = 5.571643.
    close(
        value(t, &key("_T", "2021", "_T", "_T"), "rate_lower"),
        0.25318,
        0.0001,
    );
    close(
        value(t, &key("_T", "2021", "_T", "_T"), "rate_upper"),
        55.71643,
        0.0001,
    );
    close(
        value(t, &key("_T", "2021", "M", "_T"), "rate_per_100k"),
        20.0,
        1e-9,
    );
    close(
        value(t, &key("_T", "2021", "_T", "Y15T29"), "rate_per_100k"),
        50.0,
        1e-9,
    );
    close(
        value(t, &key("R1", "2021", "_T", "_T"), "rate_per_100k"),
        20.0,
        1e-9,
    );
    close(
        value(t, &key("R2", "2022", "F", "Y45T59"), "victims"),
        1.0,
        0.0,
    );
    assert!(
        t.find(&key("_T", "2021", "F", "_T")).is_none(),
        "no female homicide victim in 2021"
    );
}

#[tokio::test]
async fn victims_by_sex() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let t = &fixture::compute(&engine, "victims", Some("period:year,sex")).await[0];
    let key = |sex| [("period", "2021"), ("sex", sex)];
    close(value(t, &key("_T"), "victims"), 2.0, 0.0);
    close(value(t, &key("M"), "victims"), 1.0, 0.0);
    close(value(t, &key("M"), "rate_per_100k"), 20.0, 1e-9);
    close(value(t, &key("F"), "victims"), 1.0, 0.0);
}

#[tokio::test]
async fn trafficking_and_defenders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let trafficking = &fixture::compute(&engine, "sdg_16_2_2", None).await[0];
    assert_eq!(trafficking.rows(), 0, "nobody was trafficked");
    assert!(trafficking.column("exploitation").is_some());
    let t = &fixture::compute(&engine, "sdg_16_10_1", None).await[0];
    close(
        value(
            t,
            &[("period", "2022"), ("sex", "_T"), ("occupation", "_T")],
            "victims",
        ),
        1.0,
        0.0,
    );
    close(
        value(
            t,
            &[
                ("period", "2022"),
                ("sex", "F"),
                ("occupation", "journalist"),
            ],
            "victims",
        ),
        1.0,
        0.0,
    );
    assert!(
        t.find(&[("period", "2021"), ("sex", "_T"), ("occupation", "_T")])
            .is_none()
    );
}

#[tokio::test]
async fn justice_chain_by_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let t = &fixture::compute(&engine, "justice_chain", None).await[0];
    let count = |iccs, period, stage| {
        value(
            t,
            &[("iccs", iccs), ("period", period), ("stage", stage)],
            "count",
        )
    };
    for (stage, expected) in [
        ("recorded", 1.0),
        ("suspects", 1.0),
        ("prosecuted", 1.0),
        ("convicted", 1.0),
        ("custody", 1.0),
    ] {
        close(count("01", "2021", stage), expected, 0.0);
    }
    // Section 05 in 2021: o3 o4 o7 recorded; p9 suspected; p9 (C3) and p5 (C6) prosecuted
    // and convicted; nobody sent to custody.
    for (stage, expected) in [
        ("recorded", 3.0),
        ("suspects", 1.0),
        ("prosecuted", 2.0),
        ("convicted", 2.0),
        ("custody", 0.0),
    ] {
        close(count("05", "2021", stage), expected, 0.0);
    }
    // All sections: s1 is counted once although prosecuted in two cases.
    for (stage, expected) in [
        ("recorded", 6.0),
        ("suspects", 2.0),
        ("prosecuted", 3.0),
        ("convicted", 3.0),
        ("custody", 1.0),
    ] {
        close(count("_T", "2021", stage), expected, 0.0);
    }
    close(
        value(
            t,
            &[("iccs", "_T"), ("period", "2021"), ("stage", "suspects")],
            "pct_of_previous_stage",
        ),
        100.0 * 2.0 / 6.0,
        1e-9,
    );
    // C4 has no police case: its national code N211 is classified like o7 (0502).
    close(count("05", "2022", "convicted"), 1.0, 0.0);
}

#[tokio::test]
async fn prison_stock_sdg_16_3_2_and_occupancy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let t = &fixture::compute(&engine, "sdg_16_3_2", None).await[0];
    let key = |area, period| [("area", area), ("period", period)];
    // 31 Dec 2021: s1 (sentenced since June) and p8 (unsentenced) are held.
    close(value(t, &key("_T", "2021"), "held"), 2.0, 0.0);
    close(value(t, &key("_T", "2021"), "unsentenced_pct"), 50.0, 1e-9);
    let (lo, hi) = wilson(1.0, 2.0);
    close(
        value(t, &key("_T", "2021"), "unsentenced_pct_lower"),
        100.0 * lo,
        1e-6,
    );
    close(
        value(t, &key("_T", "2021"), "unsentenced_pct_upper"),
        100.0 * hi,
        1e-6,
    );
    close(value(t, &key("R1", "2021"), "held"), 2.0, 0.0);
    // The data end on 2022-06-01, the day s1 was released: only p8 is held.
    close(value(t, &key("_T", "2022"), "held"), 1.0, 0.0);
    close(value(t, &key("_T", "2022"), "unsentenced_pct"), 100.0, 1e-9);
    let o = &fixture::compute(&engine, "prison_occupancy", None).await[0];
    close(value(o, &key("_T", "2021"), "capacity"), 10.0, 0.0);
    close(value(o, &key("_T", "2021"), "occupancy_pct"), 20.0, 1e-9);
}

#[tokio::test]
async fn severity_index_statistics_canada_method() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let tables = fixture::compute(&engine, "severity_index", None).await;
    let (index, weights) = (&tables[0], &tables[1]);
    // Weights: custodial days per conviction. 0101: 24 months = 730.5 days; 0201: 6 months.
    let month = 365.25 / 12.0;
    close(
        value(weights, &[("iccs", "0101")], "weight_days"),
        24.0 * month,
        1e-9,
    );
    close(
        value(weights, &[("iccs", "0201")], "weight_days"),
        6.0 * month,
        1e-9,
    );
    close(value(weights, &[("iccs", "0502")], "weight_days"), 0.0, 0.0);
    let key = |area, period, sub| [("area", area), ("period", period), ("sub_index", sub)];
    // 2021 nationally: 730.5 + 182.625 weighted offences over 10,000 people; base year 2021.
    close(
        value(index, &key("_T", "2021", "total"), "severity_per_100k"),
        30.0 * month * 10.0,
        1e-6,
    );
    close(
        value(index, &key("_T", "2021", "total"), "index"),
        100.0,
        1e-9,
    );
    // 2022: one homicide (730.5) -> 730.5 / 913.125 = 0.8.
    close(
        value(index, &key("_T", "2022", "total"), "index"),
        80.0,
        1e-9,
    );
    close(
        value(index, &key("_T", "2022", "violent"), "index"),
        80.0,
        1e-9,
    );
    // R1 has all of 2021's weight and half the population: twice the national level.
    close(
        value(index, &key("R1", "2021", "total"), "index"),
        200.0,
        1e-9,
    );
    close(
        value(index, &key("_T", "2021", "total"), "volume_per_100k"),
        60.0,
        1e-9,
    );
    assert_eq!(
        value(index, &key("_T", "2021", "non_violent"), "index"),
        None,
        "no non-violent weight in the base"
    );
}

#[tokio::test]
async fn proven_reoffending_moj_measure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let t = &fixture::compute(&engine, "reoffending", None).await[0];
    let key = |iccs, sex, age| {
        [
            ("iccs", iccs),
            ("period", "2021"),
            ("sex", sex),
            ("age", age),
        ]
    };
    // 2021 cohort: p9 (fine, 2021-09-01) and p5 (community order, 2021-10-01). p9 commits
    // C4 on 2022-03-01 (within 12 months), convicted 2022-12-01 (within 18): one reoffender.
    close(value(t, &key("_T", "_T", "_T"), "offenders"), 2.0, 0.0);
    close(value(t, &key("_T", "_T", "_T"), "reoffenders"), 1.0, 0.0);
    close(
        value(t, &key("_T", "_T", "_T"), "reoffending_pct"),
        50.0,
        1e-9,
    );
    close(
        value(t, &key("_T", "_T", "_T"), "reoffences_per_reoffender"),
        1.0,
        1e-9,
    );
    close(
        value(t, &key("_T", "_T", "_T"), "reoffences_per_offender"),
        0.5,
        1e-9,
    );
    let (lo, _) = wilson(1.0, 2.0);
    close(
        value(t, &key("_T", "_T", "_T"), "reoffending_pct_lower"),
        100.0 * lo,
        1e-6,
    );
    close(value(t, &key("05", "M", "Y15T29"), "reoffenders"), 1.0, 0.0);
    close(value(t, &key("05", "U", "U"), "offenders"), 1.0, 0.0);
    // 2022 cohorts are not complete: their follow-up runs past the last decision (2023-07-01).
    let periods = t.text("period").expect("period");
    assert!(periods.iter().all(|p| &**p == "2021"), "{periods:?}");
    let recidivism = &fixture::compute(&engine, "recidivism", None).await[0];
    assert_eq!(
        recidivism.rows(),
        0,
        "s1's 2022 release has no complete 3-year follow-up"
    );
}

#[tokio::test]
async fn bad_requests_are_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = fixture::engine(dir.path(), "local").await;
    let request = evident_engine::ComputeRequest {
        indicators: vec!["sdg_16_1_1".into()],
        breakdown: Some("iccs:2".parse().expect("breakdown")),
        ..Default::default()
    };
    let error = evident_engine::compute(&engine, &request)
        .await
        .expect_err("no iccs for 16.1.1");
    assert_eq!(
        error.to_string(),
        "indicator sdg_16_1_1 cannot be broken down by ICCS category"
    );
    let request = evident_engine::ComputeRequest {
        indicators: vec!["crime_rate".into()],
        ..Default::default()
    };
    let error = evident_engine::compute(&engine, &request)
        .await
        .expect_err("unknown");
    assert!(
        error
            .to_string()
            .starts_with("unknown indicator \"crime_rate\""),
        "{error}"
    );
}
