//! Readers: delimiters, quotes, encodings, line endings, compression, JSON lines, Parquet.

use std::io::Write;

use evident_store::RecordKind;

use crate::support::{Env, OFFENCE_SCHEMA, stored_rows};

/// The offence columns the store keeps, for rows A1 and A2 of `offences()`.
fn expected() -> Vec<Vec<String>> {
    // record_id, source, recorded_date, occurred_date, area_code, national_code,
    // description, attempted, weapon, location_type, cyber, case_id
    let row = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        row(&[
            "A1",
            "police",
            "2021-03-04",
            "2021-03-01",
            "D1",
            "0101",
            "",
            "false",
            "",
            "",
            "",
            "",
        ]),
        row(&[
            "A2",
            "police",
            "2021-03-05",
            "",
            "D2",
            "0401",
            "",
            "true",
            "",
            "",
            "",
            "",
        ]),
    ]
}

fn offences(delimiter: &str, newline: &str) -> String {
    [
        "id,recorded,occurred,area,code,attempt",
        "A1,2021-03-04,2021-03-01,D1,0101,no",
        "A2,2021-03-05,,D2,0401,yes",
        "",
    ]
    .join(newline)
    .replace(',', delimiter)
}

async fn check(name: &str, bytes: impl AsRef<[u8]>, schema_extra: &str) {
    let env = Env::with_reference_data().await;
    let schema = format!("{OFFENCE_SCHEMA}\n{schema_extra}");
    let (batch, _) = env.stored(&schema, name, bytes).await;
    assert_eq!((batch.rows_read, batch.rows_stored), (2, 2), "{name}");
    assert_eq!(
        stored_rows(&env.ws, RecordKind::Offence).await,
        expected(),
        "{name}"
    );
}

#[tokio::test]
async fn utf8_with_bom_and_crlf() {
    check("bom.csv", format!("\u{feff}{}", offences(",", "\r\n")), "").await;
}

#[tokio::test]
async fn semicolons_and_tabs_are_detected_or_declared() {
    check("semi.csv", offences(";", "\n"), "").await;
    check("tabs.tsv", offences("\t", "\n"), "").await;
    check(
        "pipes.txt",
        offences("|", "\n"),
        "[file]\ndelimiter = \"|\"",
    )
    .await;
}

#[tokio::test]
async fn gzip_and_zstd_are_read_transparently() {
    let text = offences(",", "\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    check("o.csv.gz", gz.finish().unwrap(), "").await;
    check(
        "o.csv.zst",
        zstd::encode_all(text.as_bytes(), 3).unwrap(),
        "",
    )
    .await;
}

#[tokio::test]
async fn quoted_fields_keep_delimiters_quotes_and_newlines() {
    let env = Env::with_reference_data().await;
    let schema = r#"
kind = "offence"
[columns.record_id]
from = "id"
[columns.source]
value = "police"
[columns.recorded_date]
from = "recorded"
[columns.area_code]
from = "area"
[columns.description]
from = "text"
"#;
    let file = "id,recorded,area,text\nA1,2021-03-04,D1,\"Theft, of a \"\"bike\"\"\nfrom a shed\"\nA2,2021-03-04,D1,plain\n";
    let (batch, _) = env.stored(schema, "q.csv", file).await;
    assert_eq!(batch.rows_stored, 2);
    let rows = stored_rows(&env.ws, RecordKind::Offence).await;
    assert_eq!(rows[0][6], "Theft, of a \"bike\"\nfrom a shed");
    assert_eq!(rows[1][6], "plain");
}

#[tokio::test]
async fn windows_1252_text_is_converted() {
    let env = Env::with_reference_data().await;
    let schema = r#"
kind = "offence"
[file]
encoding = "windows-1252"
[columns.record_id]
from = "id"
[columns.source]
value = "police"
[columns.recorded_date]
from = "date"
format = "%d/%m/%Y"
[columns.area_code]
from = "area"
[columns.description]
from = "text"
"#;
    let (batch, summary) = env
        .stored(
            schema,
            "latin.csv",
            b"id,date,area,text\r\nA1,04/03/2021,D1,Vol \xe0 l'\xe9talage \x80 5\r\n".to_vec(),
        )
        .await;
    assert_eq!(batch.rows_stored, 1);
    assert_eq!(summary.encoding, "windows-1252");
    let rows = stored_rows(&env.ws, RecordKind::Offence).await;
    assert_eq!(rows[0][2], "2021-03-04");
    assert_eq!(rows[0][6], "Vol à l'étalage € 5");
}

#[tokio::test]
async fn files_without_a_header_map_columns_by_position() {
    let env = Env::with_reference_data().await;
    let schema = r#"
kind = "offence"
[file]
header = false
[columns.record_id]
from = 1
[columns.source]
value = "police"
[columns.recorded_date]
from = 2
[columns.area_code]
from = 3
[columns.national_code]
from = 4
"#;
    let (batch, _) = env
        .stored(
            schema,
            "noheader.csv",
            "A1,2021-03-04,D1,0101\nA2,2021-03-05,D2,0401\n",
        )
        .await;
    assert_eq!((batch.rows_read, batch.rows_stored), (2, 2));
    let rows = stored_rows(&env.ws, RecordKind::Offence).await;
    assert_eq!((rows[0][0].as_str(), rows[1][5].as_str()), ("A1", "0401"));
}

#[tokio::test]
async fn json_lines_with_numbers_and_nulls() {
    let env = Env::with_reference_data().await;
    let lines = r#"{"id":"A1","recorded":"2021-03-04","occurred":"2021-03-01","area":"D1","code":"0101","attempt":false}
{"id":"A2","recorded":"2021-03-05","occurred":null,"area":"D2","code":"0401","attempt":true}

not json
"#;
    let (batch, _) = env.stored(OFFENCE_SCHEMA, "o.jsonl", lines).await;
    assert_eq!(
        (batch.rows_read, batch.rows_stored, batch.rows_quarantined),
        (3, 2, 1)
    );
    assert_eq!(stored_rows(&env.ws, RecordKind::Offence).await, expected());
    let reasons = env.reasons(batch.id).await;
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].starts_with("line 4, column (whole line): not a JSON object: expected ident"),
        "{}",
        reasons[0]
    );
}

#[tokio::test]
async fn parquet_sources_are_read_by_column_name() {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
    let env = Env::with_reference_data().await;
    let column = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("id", column(vec![Some("A1"), Some("A2")])),
        (
            "recorded",
            column(vec![Some("2021-03-04"), Some("2021-03-05")]),
        ),
        ("occurred", column(vec![Some("2021-03-01"), None])),
        ("area", column(vec![Some("D1"), Some("D2")])),
        ("code", column(vec![Some("0101"), Some("0401")])),
        (
            "attempt",
            Arc::new(BooleanArray::from(vec![false, true])) as ArrayRef,
        ),
    ])
    .unwrap();
    let path = env.dir.path().join("o.parquet");
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let outcome = env.ingest_path(OFFENCE_SCHEMA, &path).await.unwrap();
    let evident_ingest::Outcome::Stored { batch, summary } = outcome else {
        panic!("not stored")
    };
    assert_eq!((batch.rows_stored, summary.format.as_str()), (2, "parquet"));
    assert_eq!(stored_rows(&env.ws, RecordKind::Offence).await, expected());
}

#[tokio::test]
async fn partitions_follow_the_recorded_year() {
    let env = Env::with_reference_data().await;
    let file = "id,recorded,occurred,area,code,attempt\nA1,2020-12-31,,D1,0101,\nA2,2021-01-01,,D1,0101,\nA3,2021-06-01,,D1,0101,\n";
    let (_, summary) = env.stored(OFFENCE_SCHEMA, "years.csv", file).await;
    let files = env.ws.dataset_files(RecordKind::Offence).await.unwrap();
    let years: Vec<(Option<i32>, u64)> = files.iter().map(|f| (f.partition_year, f.rows)).collect();
    assert_eq!(years, [(Some(2020), 1), (Some(2021), 2)]);
    assert!(
        files[0]
            .path
            .to_string_lossy()
            .contains("/store/offence/year=2020/")
    );
    assert_eq!(summary.partitions.get("2021"), Some(&2));
}

#[tokio::test]
async fn thousands_separators_in_quoted_numbers() {
    // The shape of the 2011 census file in shared/data: "1,563" in quotes.
    let env = Env::with_reference_data().await;
    let schema = r#"
kind = "population"
[columns.area_code]
from = "area"
[columns.year]
value = "2011"
[columns.sex]
value = "U"
[columns.age_group]
value = "U"
[columns.population]
from = "Persons"
thousands = ","
"#;
    let (batch, _) = env
        .stored(
            schema,
            "pop.csv",
            "area,Persons\nD1,\"1,563\"\nD2,\"12,034\"\n",
        )
        .await;
    assert_eq!(batch.rows_stored, 2);
    let rows = stored_rows(&env.ws, RecordKind::Population).await;
    assert_eq!(
        (rows[0][4].as_str(), rows[1][4].as_str()),
        ("1563", "12034")
    );
}
