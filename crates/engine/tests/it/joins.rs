//! Joins too large for a hash table become sort-merge joins, with the same
//! results.

use evident_engine::{ComputeRequest, compute};

use crate::fixture;

#[tokio::test]
async fn sort_merge_joins_give_the_hash_join_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hashed = fixture::engine(&dir.path().join("hash"), "local").await;
    // A limit of 0 bytes turns every join with a known build side into a
    // sort-merge join.
    let merged = fixture::engine_with(&dir.path().join("merge"), "local", |options| {
        options.hash_join_bytes_limit = Some(0);
    })
    .await;

    let plan = |engine: &evident_engine::Engine| {
        let ctx = engine.context().clone();
        async move {
            let sql = "EXPLAIN SELECT COUNT(*) FROM persons p JOIN offences o ON p.record_id = o.record_id";
            let batches = ctx
                .sql(sql)
                .await
                .expect("plan")
                .collect()
                .await
                .expect("explain");
            datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                .expect("format")
                .to_string()
        }
    };
    let hashed_plan = plan(&hashed).await;
    let merged_plan = plan(&merged).await;
    assert!(hashed_plan.contains("HashJoinExec"), "{hashed_plan}");
    assert!(!hashed_plan.contains("SortMergeJoin"), "{hashed_plan}");
    assert!(merged_plan.contains("SortMergeJoin"), "{merged_plan}");
    assert!(!merged_plan.contains("HashJoinExec"), "{merged_plan}");

    let request = ComputeRequest::default();
    let expected = compute(&hashed, &request).await.expect("hash joins");
    let actual = compute(&merged, &request).await.expect("sort-merge joins");
    assert_eq!(expected.len(), actual.len());
    for (e, a) in expected.iter().zip(&actual) {
        assert!(e.rows() > 0 || matches!(e.indicator.as_str(), "sdg_16_2_2" | "recidivism"));
        for (ec, ac) in e.columns.iter().zip(&a.columns) {
            assert_eq!(ec, ac, "{} column {}", e.indicator, ec.name);
        }
        assert_eq!(e, a, "{}", e.indicator);
    }
}
