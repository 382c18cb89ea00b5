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

    let run = |engine: &evident_engine::Engine, sql: String| {
        let ctx = engine.context().clone();
        async move {
            let batches = ctx
                .sql(&sql)
                .await
                .expect("plan")
                .collect()
                .await
                .expect("run");
            datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                .expect("format")
                .to_string()
        }
    };
    let equi = "SELECT COUNT(*) FROM persons p JOIN offences o ON p.record_id = o.record_id";
    let hashed_plan = run(&hashed, format!("EXPLAIN {equi}")).await;
    let merged_plan = run(&merged, format!("EXPLAIN {equi}")).await;
    assert!(hashed_plan.contains("HashJoinExec"), "{hashed_plan}");
    assert!(!hashed_plan.contains("SortMergeJoin"), "{hashed_plan}");
    assert!(merged_plan.contains("SortMergeJoin"), "{merged_plan}");
    assert!(!merged_plan.contains("HashJoinExec"), "{merged_plan}");

    // A condition beyond the keys: the inner join merges on the keys and
    // filters after; the outer join keeps its hash join.
    let condition = "p.age < 2 * CAST(date_part('day', o.recorded_date) AS BIGINT)";
    let inner = format!(
        "SELECT COUNT(*), COUNT(DISTINCT p.person_id) FROM persons p JOIN offences o \
         ON p.record_id = o.record_id AND {condition}"
    );
    let merged_plan = run(&merged, format!("EXPLAIN {inner}")).await;
    assert!(merged_plan.contains("SortMergeJoin"), "{merged_plan}");
    assert!(merged_plan.contains("FilterExec"), "{merged_plan}");
    assert!(!merged_plan.contains("HashJoinExec"), "{merged_plan}");
    let outer = format!(
        "SELECT COUNT(*) FROM persons p LEFT JOIN offences o \
         ON p.record_id = o.record_id AND {condition}"
    );
    let merged_plan = run(&merged, format!("EXPLAIN {outer}")).await;
    assert!(merged_plan.contains("HashJoinExec"), "{merged_plan}");
    // The inner join's counts against a join done here, row by row.
    let (rows, persons) = count_by_hand(&hashed).await;
    let expected_inner = run(&hashed, inner.clone()).await;
    assert!(
        expected_inner.contains(&format!("| {rows} "))
            && expected_inner.contains(&format!("| {persons} ")),
        "{expected_inner}: expected {rows} rows of {persons} persons"
    );
    assert!(rows > 0);
    assert_eq!(run(&merged, inner).await, expected_inner);
    assert_eq!(run(&merged, outer.clone()).await, run(&hashed, outer).await);

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

/// Person rows whose age is below twice the day of the month their offence was
/// recorded on, and the distinct persons among them, joined in a map.
async fn count_by_hand(engine: &evident_engine::Engine) -> (usize, usize) {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;
    let ctx = engine.context();
    let batches = |sql: &'static str| async move {
        ctx.sql(sql)
            .await
            .expect("plan")
            .collect()
            .await
            .expect("run")
    };
    let mut day = std::collections::HashMap::new();
    for b in
        batches("SELECT record_id, CAST(date_part('day', recorded_date) AS BIGINT) FROM offences")
            .await
    {
        let ids = b.column(0).as_string::<i32>();
        let days = b.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            if !days.is_null(i) {
                day.insert(ids.value(i).to_owned(), days.value(i));
            }
        }
    }
    let (mut rows, mut persons) = (0, std::collections::HashSet::new());
    for b in batches("SELECT record_id, person_id, CAST(age AS BIGINT) FROM persons").await {
        let ids = b.column(0).as_string::<i32>();
        let people = b.column(1).as_string::<i32>();
        let ages = b.column(2).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            if ages.is_null(i) {
                continue;
            }
            if day
                .get(ids.value(i))
                .is_some_and(|&d| ages.value(i) < 2 * d)
            {
                rows += 1;
                if !people.is_null(i) {
                    persons.insert(people.value(i).to_owned());
                }
            }
        }
    }
    (rows, persons.len())
}
