//! Programme evaluation: a worked example whose effect is exact by
//! construction, and the store path with its error messages.

use evident_engine::series::{Areas, Calendar, SeriesFrequency};
use evident_engine::trends::evaluation::{
    DonorPool, EvaluationData, EvaluationMethod, EvaluationRequest, MethodOutcome, TreatedArea,
    analyse, evaluate, evaluation_data,
};
use evident_engine::{DateBasis, EngineError};

use crate::series::{offences_csv, store};

fn seasonal_trend(t: usize) -> f64 {
    (1.0 + 0.2 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).cos()) * 1.005f64.powi(t as i32)
}

/// Six districts in two regions, 48 months from January 2019. District u has
/// a_u × s(t) × 1.005^t offences in month t (a = 10 … 60, s a ±20 % season);
/// D1 and D4 have the programme from month 36 (January 2022), which multiplies
/// their counts by 0.75. Populations differ, so rates differ between districts.
fn worked_example() -> EvaluationData {
    let districts: Vec<String> = (1..=6).map(|i| format!("D{i}")).collect();
    let level = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
    let residents = [1e4, 3e4, 2e4, 5e4, 4e4, 6e4];
    let treated_from: Vec<Option<usize>> =
        (0..6).map(|u| (u == 0 || u == 3).then_some(36)).collect();
    let counts = (0..6)
        .map(|u| {
            (0..48)
                .map(|t| {
                    let effect = if treated_from[u].is_some_and(|g| t >= g) {
                        0.75
                    } else {
                        1.0
                    };
                    level[u] * seasonal_trend(t) * effect
                })
                .collect()
        })
        .collect();
    let population = Some((0..6).map(|u| vec![residents[u]; 48]).collect());
    let areas = Areas::new([
        ("R1", "Region One", None),
        ("R2", "Region Two", None),
        ("D1", "One", Some("R1")),
        ("D2", "Two", Some("R1")),
        ("D3", "Three", Some("R1")),
        ("D4", "Four", Some("R2")),
        ("D5", "Five", Some("R2")),
        ("D6", "Six", Some("R2")),
    ]);
    EvaluationData {
        outcome: "0501".into(),
        date_basis: DateBasis::Recorded,
        calendar: Calendar {
            frequency: SeriesFrequency::Month,
            first: 2019 * 12,
            len: 48,
            last_recorded: 2019 * 12 + 47,
        },
        districts,
        counts,
        population,
        treated_from,
        areas,
        notes: Vec::new(),
    }
}

fn result(methods: &[MethodOutcome], method: EvaluationMethod) -> &MethodOutcome {
    methods
        .iter()
        .find(|m| m.method == method)
        .unwrap_or_else(|| panic!("{method:?} missing"))
}

#[test]
fn every_method_recovers_an_exact_multiplicative_effect() {
    let data = worked_example();
    let request = EvaluationRequest::new("0501", Vec::new(), "2022-01");
    let report = analyse(&data, &request).expect("analyse");
    // Without the programme D1 and D4 would have had (10 + 40) × s(t) × 1.005^t
    // offences in months 36–47; they had a quarter fewer.
    let counterfactual: f64 = (36..48).map(|t| 50.0 * seasonal_trend(t)).sum();
    let prevented = -0.25 * counterfactual;
    // By hand: the season sums to about zero over a whole year, so the
    // counterfactual is about 50 × Σ_{t=36}^{47} 1.005^t = 50 × 1.005^36 ×
    // (1.005^12 − 1) / 0.005 = 50 × 1.19668 × 12.3356 ≈ 738.1, a quarter of
    // which is about 184.5 offences prevented.
    assert!((prevented + 184.5).abs() < 1.0, "{prevented}");
    for method in EvaluationMethod::ALL {
        let m = result(&report.methods, method);
        let r = m
            .result
            .as_ref()
            .unwrap_or_else(|| panic!("{method:?}: {:?}", m.error));
        let relative = r.relative.expect("relative effect");
        assert!(
            (relative.estimate + 0.25).abs() < 1e-6,
            "{method:?}: {relative:?}"
        );
        assert!(
            (r.absolute.estimate - prevented).abs() < 1e-6 * counterfactual,
            "{method:?}: {:?} vs {prevented}",
            r.absolute
        );
        assert!(r.summary.contains("25 % lower"), "{}", r.summary);
    }
    assert_eq!(report.treated.len(), 2);
    assert_eq!(report.comparison_districts, 4);
    assert_eq!(report.measure, "rate per 100,000");
    let json = serde_json::to_string(&report).expect("json");
    assert!(!json.contains("NaN") && !json.contains("inf"));
}

#[test]
fn a_short_history_before_the_start_is_named_not_fitted() {
    // The worked example with the programme from month 6 (July 2019): six
    // months cannot separate eleven month effects from a level change, nor fit
    // a synthetic control; difference-in-differences needs only a baseline and
    // still finds the exact −25 %.
    let mut data = worked_example();
    for g in data.treated_from.iter_mut().flatten() {
        *g = 6;
    }
    for (u, row) in data.counts.iter_mut().enumerate() {
        let level = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0][u];
        for (t, c) in row.iter_mut().enumerate() {
            let effect = if (u == 0 || u == 3) && t >= 6 {
                0.75
            } else {
                1.0
            };
            *c = level * seasonal_trend(t) * effect;
        }
    }
    let request = EvaluationRequest::new("0501", Vec::new(), "2019-07");
    let report = analyse(&data, &request).expect("analyse");
    for method in [EvaluationMethod::Its, EvaluationMethod::Synth] {
        let m = result(&report.methods, method);
        let error = m
            .error
            .as_deref()
            .unwrap_or_else(|| panic!("{method:?} ran"));
        assert!(
            error.contains("at least 12 months before the programme starts; the data have 6"),
            "{method:?}: {error}"
        );
    }
    let did = result(&report.methods, EvaluationMethod::Did);
    let relative = did.result.as_ref().and_then(|r| r.relative).expect("DiD");
    assert!((relative.estimate + 0.25).abs() < 1e-6, "{relative:?}");
}

/// Sixty months of constant counts (see `series::step_country`) with the
/// population of each district: 50,000 residents.
fn population() -> String {
    let mut csv = String::new();
    for d in ["D11", "D12", "D21"] {
        for year in 2019..=2023 {
            csv.push_str(&format!(
                "{d},{year},M,Y15T29,25000\n{d},{year},F,Y15T29,25000\n"
            ));
        }
    }
    csv
}

fn step_store_csv() -> String {
    // D21's burglaries triple from January 2023 (the same as `series::step_country`).
    let mut rows: Vec<(String, &str, String, &str)> = Vec::new();
    for m in 0..60 {
        let date = format!("{}-{:02}-15", 2019 + m / 12, m % 12 + 1);
        for district in ["D11", "D12", "D21"] {
            let n = if district == "D21" && m >= 48 { 60 } else { 20 };
            for i in 0..n {
                rows.push((
                    format!("{district}-{m}-{i}"),
                    district,
                    date.clone(),
                    "050121",
                ));
            }
        }
    }
    let borrowed: Vec<(&str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|(id, d, date, code)| (id.as_str(), *d, date.as_str(), date.as_str(), *code))
        .collect();
    let mut csv = offences_csv(&borrowed);
    csv.push_str("last,police,2023-12-31,2023-12-31,D11,N1,,false,,,false,,,unmapped,1\n");
    csv
}

fn treated(codes: &[&str]) -> Vec<TreatedArea> {
    codes.iter().map(|c| c.parse().expect("area")).collect()
}

#[tokio::test]
async fn evaluation_from_the_store_and_its_error_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = store(dir.path(), &step_store_csv(), &population()).await;
    // D21 alone, from January 2023: its burglaries went from 20 to 60 a month
    // while D11 and D12 stayed at 20, a change of +200 % (40 a month × 12 months
    // = 480 offences).
    let mut request = EvaluationRequest::new("0501", treated(&["D21"]), "2023-01-10");
    request.donors = DonorPool::Districts;
    let report = evaluate(&engine, &request).await.expect("evaluate");
    assert_eq!(report.first_period, "2019-01");
    assert_eq!(report.last_period, "2023-12");
    assert_eq!(report.treated[0].start, "2023-01");
    for method in EvaluationMethod::ALL {
        let m = result(&report.methods, method);
        let r = m
            .result
            .as_ref()
            .unwrap_or_else(|| panic!("{method:?}: {:?}", m.error));
        let relative = r.relative.expect("relative");
        assert!(
            (relative.estimate - 2.0).abs() < 1e-6,
            "{method:?}: {relative:?}"
        );
        assert!(
            (r.absolute.estimate - 480.0).abs() < 1e-6,
            "{method:?}: {:?}",
            r.absolute
        );
    }
    // Three districts: too few clusters, said in words.
    let did = result(&report.methods, EvaluationMethod::Did)
        .result
        .as_ref()
        .expect("did");
    assert!(did.summary.contains("Only 3 areas"), "{}", did.summary);

    // The regions' untreated districts as donors: region R2 has none left, so
    // only one donor remains and the synthetic control says why it cannot run.
    request.donors = DonorPool::Regions;
    let report = evaluate(&engine, &request).await.expect("evaluate");
    let synth = result(&report.methods, EvaluationMethod::Synth);
    assert!(synth.result.is_none());
    assert!(
        synth
            .error
            .as_deref()
            .unwrap_or("")
            .contains("at least 2 comparison areas"),
        "{:?}",
        synth.error
    );

    // Every district treated (regions stand for their districts): no comparison
    // area for difference-in-differences or synthetic control; the interrupted
    // time series still runs.
    let all = EvaluationRequest::new("0501", treated(&["R1", "R2"]), "2023-01");
    let data = evaluation_data(&engine, &all).await.expect("data");
    assert_eq!(data.treated_from.iter().filter(|g| g.is_some()).count(), 3);
    let report = analyse(&data, &all).expect("analyse");
    let did = result(&report.methods, EvaluationMethod::Did);
    assert!(
        did.error
            .as_deref()
            .unwrap_or("")
            .contains("no comparison area"),
        "{:?}",
        did.error
    );
    assert!(
        result(&report.methods, EvaluationMethod::Synth)
            .error
            .is_some()
    );
    assert!(
        result(&report.methods, EvaluationMethod::Its)
            .result
            .is_some()
    );

    // Requests that cannot be valid are refused with what was wrong.
    let refused = |r: EvaluationRequest, says: &'static str| {
        let engine = &engine;
        async move {
            match evaluate(engine, &r).await {
                Err(EngineError::InvalidRequest(m)) => assert!(m.contains(says), "{m}"),
                other => panic!("expected a refusal saying {says:?}, got {other:?}"),
            }
        }
    };
    refused(
        EvaluationRequest::new("0501", treated(&["D99"]), "2023-01"),
        "\"D99\" is not in the area codelist",
    )
    .await;
    refused(
        EvaluationRequest::new("0501", treated(&["D21"]), "2019-01-15"),
        "at least 2 months before the start",
    )
    .await;
    refused(
        EvaluationRequest::new("0599", treated(&["D21"]), "2023-01"),
        "not an ICCS category",
    )
    .await;
    refused(
        EvaluationRequest::new("0501_NFS", treated(&["D21"]), "2023-01"),
        "not an ICCS category",
    )
    .await;
    let mut no_start = EvaluationRequest::new("0501", treated(&["D21"]), "2023-01");
    no_start.start = None;
    refused(no_start, "no start date for treated area D21").await;
}
