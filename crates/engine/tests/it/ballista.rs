//! The same catalogue on an in-process Ballista cluster (scheduler and executor
//! talking gRPC over loopback) gives the same tables as the local engine.

use evident_engine::{ComputeRequest, Values, compute};

use crate::fixture;

// Ballista plans and serialises deep expression trees recursively; in a debug
// build that needs more than tokio's default 2 MiB worker stack.
#[test]
fn every_indicator_equals_the_local_result() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(64 << 20)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(compare_engines());
}

async fn compare_engines() {
    let only: Option<Vec<String>> = std::env::var("EVIDENT_BALLISTA_ONLY")
        .ok()
        .map(|v| v.split(',').map(String::from).collect());
    let dir = tempfile::tempdir().expect("tempdir");
    let local = fixture::engine(&dir.path().join("local"), "local").await;
    let cluster = fixture::engine(&dir.path().join("cluster"), "ballista-standalone").await;
    let breakdowns: &[Option<&str>] = if only.is_some() {
        &[None]
    } else {
        &[None, Some("iccs:3,area:2,period:month")]
    };
    for &by in breakdowns {
        let request = ComputeRequest {
            breakdown: by.map(|b| b.parse().expect("breakdown")),
            indicators: match (by, &only) {
                (_, Some(only)) => only.clone(),
                (None, None) => Vec::new(),
                (Some(_), None) => vec!["offences".into()],
            },
            ..ComputeRequest::default()
        };
        let expected = compute(&local, &request).await.expect("local");
        let actual = compute(&cluster, &request).await.expect("ballista");
        assert_eq!(expected.len(), actual.len());
        for (e, a) in expected.iter().zip(&actual) {
            assert_eq!(e.indicator, a.indicator);
            assert!(
                e.rows() > 0 || e.indicator == "sdg_16_2_2" || e.indicator == "recidivism",
                "{} is empty",
                e.indicator
            );
            assert_eq!(e.columns.len(), a.columns.len(), "{}", e.indicator);
            for (ec, ac) in e.columns.iter().zip(&a.columns) {
                assert_eq!(ec.name, ac.name, "{}", e.indicator);
                match (&ec.values, &ac.values) {
                    (Values::Float(x), Values::Float(y)) => {
                        assert_eq!(x.len(), y.len());
                        for (u, v) in x.iter().zip(y) {
                            match (u, v) {
                                (Some(u), Some(v)) => assert!(
                                    (u - v).abs() <= 1e-9 * u.abs().max(1.0),
                                    "{}.{}: {u} vs {v}",
                                    e.indicator,
                                    ec.name
                                ),
                                (u, v) => assert_eq!(u, v, "{}.{}", e.indicator, ec.name),
                            }
                        }
                    }
                    (x, y) => assert_eq!(x, y, "{}.{}", e.indicator, ec.name),
                }
            }
        }
    }
}
