//! The planned cube queries against the textbook `GROUPING SETS` query and
//! against cells counted record by record in plain Rust, on random records with
//! repeat persons, records without a person and categories that stop above the
//! finest level.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use evident_engine::cube::{
    self, Aggregate, Cell, CubeDimension, CubeMeasure, CubeQuery, TOTAL, UnitCounter, cube_queries,
    cube_sql, merge_cells,
};

/// One input record.
struct Record {
    /// ICCS-like levels; the third is `None` when the category has no groups.
    iccs: [Option<String>; 3],
    area: [String; 2],
    period: [String; 2],
    person: Option<i64>,
    value: i64,
}

/// A small linear congruential generator: the test needs variety, not quality.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn records(seed: u64, n: usize, persons: u64) -> Vec<Record> {
    let mut rng = Lcg(seed);
    (0..n)
        .map(|_| {
            let section = rng.below(3) + 1;
            let division = rng.below(3) + 1;
            let group = (section != 3).then(|| format!("0{section}0{division}{}", rng.below(2)));
            let region = rng.below(2) + 1;
            let year = 2020 + rng.below(2);
            let month = rng.below(4) + 1;
            Record {
                iccs: [
                    Some(format!("0{section}")),
                    Some(format!("0{section}0{division}")),
                    group,
                ],
                area: [format!("R{region}"), format!("R{region}D{}", rng.below(3))],
                period: [format!("{year}"), format!("{year}-{month:02}")],
                // One record in five has nobody linked; persons repeat.
                person: (rng.below(5) != 0).then(|| rng.below(persons) as i64),
                value: rng.below(10) as i64,
            }
        })
        .collect()
}

fn dimensions() -> Vec<CubeDimension> {
    vec![
        CubeDimension::new("iccs", vec!["r.l1".into(), "r.l2".into(), "r.l3".into()]),
        CubeDimension::new("area", vec!["r.region".into(), "r.district".into()]),
        CubeDimension::new("period", vec!["r.year".into(), "r.month".into()]).without_total(),
    ]
}

fn measures() -> Vec<CubeMeasure> {
    vec![
        CubeMeasure::new("records", Aggregate::Count, "1"),
        CubeMeasure::new("persons", Aggregate::CountDistinct, "r.person"),
        CubeMeasure::new("value", Aggregate::Sum, "r.value"),
        CubeMeasure::new(
            "persons_high",
            Aggregate::CountDistinct,
            "CASE WHEN r.value >= 5 THEN r.person END",
        ),
        CubeMeasure::new("linked", Aggregate::Count, "r.person"),
    ]
}

/// The cells, counted record by record: for every grouping set (a depth per
/// dimension), the record's code at that depth, skipped where the level is
/// missing.
fn by_hand(records: &[Record]) -> BTreeMap<Vec<String>, Vec<i64>> {
    struct Accumulated {
        records: i64,
        persons: HashSet<i64>,
        value: i64,
        persons_high: HashSet<i64>,
        linked: i64,
    }
    let mut cells: BTreeMap<Vec<String>, Accumulated> = BTreeMap::new();
    for r in records {
        for iccs in 0..=3 {
            for area in 0..=2 {
                for period in 1..=2 {
                    let code = match iccs {
                        0 => Some(TOTAL.to_owned()),
                        depth => r.iccs[depth - 1].clone(),
                    };
                    let Some(code) = code else { continue };
                    let key = vec![
                        code,
                        match area {
                            0 => TOTAL.to_owned(),
                            depth => r.area[depth - 1].clone(),
                        },
                        r.period[period - 1].clone(),
                    ];
                    let cell = cells.entry(key).or_insert_with(|| Accumulated {
                        records: 0,
                        persons: HashSet::new(),
                        value: 0,
                        persons_high: HashSet::new(),
                        linked: 0,
                    });
                    cell.records += 1;
                    cell.value += r.value;
                    if let Some(p) = r.person {
                        cell.persons.insert(p);
                        cell.linked += 1;
                        if r.value >= 5 {
                            cell.persons_high.insert(p);
                        }
                    }
                }
            }
        }
    }
    cells
        .into_iter()
        .map(|(k, a)| {
            let values = vec![
                a.records,
                a.persons.len() as i64,
                a.value,
                a.persons_high.len() as i64,
                a.linked,
            ];
            (k, values)
        })
        .collect()
}

fn context(records: &[Record]) -> SessionContext {
    let text = |f: &dyn Fn(&Record) -> Option<String>| -> ArrayRef {
        Arc::new(records.iter().map(f).collect::<StringArray>())
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("l1", DataType::Utf8, true),
        Field::new("l2", DataType::Utf8, true),
        Field::new("l3", DataType::Utf8, true),
        Field::new("region", DataType::Utf8, false),
        Field::new("district", DataType::Utf8, false),
        Field::new("year", DataType::Utf8, false),
        Field::new("month", DataType::Utf8, false),
        Field::new("person", DataType::Int64, true),
        Field::new("value", DataType::Int64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text(&|r| r.iccs[0].clone()),
            text(&|r| r.iccs[1].clone()),
            text(&|r| r.iccs[2].clone()),
            text(&|r| Some(r.area[0].clone())),
            text(&|r| Some(r.area[1].clone())),
            text(&|r| Some(r.period[0].clone())),
            text(&|r| Some(r.period[1].clone())),
            Arc::new(records.iter().map(|r| r.person).collect::<Int64Array>()),
            Arc::new(
                records
                    .iter()
                    .map(|r| Some(r.value))
                    .collect::<Int64Array>(),
            ),
        ],
    )
    .expect("batch");
    // Several partitions, so that the plan's window and aggregations really
    // repartition.
    let chunk = records.len().div_ceil(3).max(1);
    let partitions = (0..records.len())
        .step_by(chunk)
        .map(|start| vec![batch.slice(start, chunk.min(records.len() - start))])
        .collect();
    let ctx = SessionContext::new();
    let table = MemTable::try_new(schema, partitions).expect("table");
    ctx.register_table("records", Arc::new(table))
        .expect("register");
    ctx
}

async fn run(ctx: &SessionContext, sql: &str, measures: &[CubeMeasure]) -> Vec<Cell> {
    let batches = ctx
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    cube::read_cells(&batches, &dimensions(), measures).expect("cells")
}

/// The planned cells; with `count_units`, distinct counts go through the
/// [`UnitCounter`] as on the local engine, otherwise through SQL alone.
async fn planned(ctx: &SessionContext, count_units: bool) -> Vec<Cell> {
    let measures = measures();
    let mut parts = Vec::new();
    for query in cube_queries("records r", &dimensions(), &measures, count_units) {
        let collect = |sql: String| async move {
            ctx.sql(&sql)
                .await
                .unwrap_or_else(|e| panic!("{e}: {sql}"))
                .collect()
                .await
                .unwrap_or_else(|e| panic!("{e}: {sql}"))
        };
        let cells = match &query {
            CubeQuery::Cells {
                sql,
                measures: yielded,
            } => {
                let yielded: Vec<CubeMeasure> =
                    yielded.iter().map(|&i| measures[i].clone()).collect();
                cube::read_cells(&collect(sql.clone()).await, &dimensions(), &yielded)
                    .expect("cells")
            }
            CubeQuery::Units { sql, .. } => {
                // Three parts, each person (and all records without one) in
                // one part, each part sorted by person and counted on its own,
                // as the engine splits the records over its cores; small
                // batches, so that persons straddle batch boundaries.
                let mut counters = Vec::new();
                for part in 0..3 {
                    let batches = collect(format!(
                        "SELECT * FROM ({sql}) WHERE COALESCE(unit % 3, 0) = {part} \
                         ORDER BY unit NULLS LAST"
                    ))
                    .await;
                    let mut counter = UnitCounter::new(&dimensions());
                    for batch in &batches {
                        for start in (0..batch.num_rows()).step_by(7) {
                            let len = 7.min(batch.num_rows() - start);
                            counter.push(&batch.slice(start, len)).expect("push");
                        }
                    }
                    counters.push(counter);
                }
                let mut counters = counters.into_iter();
                let mut counter = counters.next().expect("a part");
                for other in counters {
                    counter.absorb(other);
                }
                counter.finish()
            }
        };
        parts.push((cells, query.measures()));
    }
    merge_cells(parts, measures.len())
}

fn as_map(cells: &[Cell]) -> BTreeMap<Vec<String>, Vec<i64>> {
    cells
        .iter()
        .map(|c| {
            (
                c.codes.iter().map(|s| s.to_string()).collect(),
                c.values.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn planned_queries_give_the_textbook_cells() {
    for (seed, n, persons) in [(1, 400, 60), (2, 3_000, 2_500), (3, 2_000, 40)] {
        let records = records(seed, n, persons);
        let ctx = context(&records);
        let expected = by_hand(&records);
        let textbook = as_map(
            &run(
                &ctx,
                &cube_sql("records r", &dimensions(), &measures()),
                &measures(),
            )
            .await,
        );
        assert_eq!(textbook, expected, "textbook query, seed {seed}");
        for count_units in [false, true] {
            let planned = as_map(&planned(&ctx, count_units).await);
            assert_eq!(
                planned, expected,
                "planned queries, seed {seed}, count_units {count_units}"
            );
        }
        // The grand total per period: every record, every linked person.
        let total: i64 = records.len() as i64;
        let all_years: i64 = ["2020", "2021"]
            .iter()
            .map(|y| expected[&vec![TOTAL.to_owned(), TOTAL.to_owned(), (*y).to_owned()]][0])
            .sum();
        assert_eq!(all_years, total);
    }
}

#[tokio::test]
async fn a_person_in_two_cells_counts_once_above_them() {
    // Person 7 in two districts of one region, person 8 twice in one district,
    // one record without a person: worked by hand below.
    let record = |district: &str, person: Option<i64>| Record {
        iccs: [Some("01".into()), Some("0101".into()), None],
        area: ["R1".into(), district.into()],
        period: ["2020".into(), "2020-01".into()],
        person,
        value: 1,
    };
    let records = vec![
        record("R1D1", Some(7)),
        record("R1D2", Some(7)),
        record("R1D1", Some(8)),
        record("R1D1", Some(8)),
        record("R1D2", None),
    ];
    let ctx = context(&records);
    let cells = as_map(&planned(&ctx, true).await);
    assert_eq!(cells, as_map(&planned(&ctx, false).await));
    let get = |area: &str| &cells[&vec!["01".to_owned(), area.to_owned(), "2020".to_owned()]];
    // [records, persons, value, persons_high, linked]
    assert_eq!(get("R1D1"), &vec![3, 2, 3, 0, 3]);
    assert_eq!(get("R1D2"), &vec![2, 1, 2, 0, 1]);
    assert_eq!(get("R1"), &vec![5, 2, 5, 0, 4]);
    assert_eq!(get(TOTAL), &vec![5, 2, 5, 0, 4]);
    // ICCS 0101 has no groups: no third-level cell exists.
    assert!(cells.keys().all(|k| k[0].len() <= 4));
}
