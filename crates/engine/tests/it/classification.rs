//! Classification of the tiny country's offences by a correspondence table with
//! conditions (attempted, victim age) and validity dates.

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, AsArray};
use evident_classify::CorrespondenceTable;
use evident_engine::classification::classify_offences;
use evident_engine::{Engine, EngineOptions};

use crate::fixture;

const TABLE: &str =
    "national_code,national_description,iccs_code,condition,valid_from,valid_to,note
N101,Murder,0101,attempted=false,,,
N101,Murder,0102,attempted=true,,,
N201,Grievous bodily harm,020111,victim_age>=18,,,
N201,Grievous bodily harm,02011,victim_age<18,,,
N501,Burglary,0501,,,,
N512,Burglary of a dwelling,050121,,,,
N211,Theft,0502,,,2021-12-31,
N211,Theft,05029,,2022-01-01,,
";

#[tokio::test]
async fn records_get_the_row_whose_condition_and_dates_hold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sources = fixture::write_country(dir.path()).await;
    let engine = Engine::start(&EngineOptions::local(dir.path().join("scratch")))
        .await
        .expect("engine");
    let table = CorrespondenceTable::parse(TABLE, "table.csv").expect("table");
    let out = dir.path().join("classified.parquet");
    let counts = classify_offences(
        &engine,
        &sources.tables["offences"].files,
        &sources.tables["persons"].files,
        &table,
        7,
        &out,
    )
    .await
    .expect("classify");
    // o5 (N999) is not in the table; the seven others are.
    assert_eq!((counts.records, counts.mapped, counts.unmapped), (8, 7, 1));

    let batches = engine
        .query("SELECT record_id, iccs_code, mapping_status, mapping_version FROM classified_output ORDER BY record_id")
        .await
        .expect("read back");
    let mut got = BTreeMap::new();
    for b in &batches {
        let id = datafusion::arrow::compute::cast(
            b.column(0),
            &datafusion::arrow::datatypes::DataType::Utf8,
        )
        .expect("cast");
        let code = datafusion::arrow::compute::cast(
            b.column(1),
            &datafusion::arrow::datatypes::DataType::Utf8,
        )
        .expect("cast");
        let status = datafusion::arrow::compute::cast(
            b.column(2),
            &datafusion::arrow::datatypes::DataType::Utf8,
        )
        .expect("cast");
        let version = b
            .column(3)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        for r in 0..b.num_rows() {
            let code = code.as_string::<i32>();
            got.insert(
                id.as_string::<i32>().value(r).to_owned(),
                (
                    (!code.is_null(r)).then(|| code.value(r).to_owned()),
                    status.as_string::<i32>().value(r).to_owned(),
                    version.value(r),
                ),
            );
        }
    }
    let expect = |code: Option<&str>, status: &str| (code.map(str::to_owned), status.to_owned(), 7);
    // o1 and o6 are completed murders; o2's victim is 40, so the adult row applies;
    // o7 (2021-05-05) falls in the first validity period of N211 and o8 in the second.
    assert_eq!(got["o1"], expect(Some("0101"), "mapped"));
    assert_eq!(got["o2"], expect(Some("020111"), "mapped"));
    assert_eq!(got["o3"], expect(Some("0501"), "mapped"));
    assert_eq!(got["o4"], expect(Some("050121"), "mapped"));
    assert_eq!(got["o5"], expect(None, "unmapped"));
    assert_eq!(got["o6"], expect(Some("0101"), "mapped"));
    assert_eq!(got["o7"], expect(Some("0502"), "mapped"));
    // o8 (2022-12-31) falls in the second validity period of N211.
    assert_eq!(got["o8"], expect(Some("05029"), "mapped"));
}
