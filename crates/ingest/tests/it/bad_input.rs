//! Every kind of bad input, with the exact message it must produce.

use crate::support::{Env, OFFENCE_HEADER, OFFENCE_SCHEMA, error_message};

/// Ingests `rows` (after the standard header) and returns the batch's reasons.
async fn reasons_for(rows: &str) -> (Vec<String>, u64, u64, u64, u64) {
    let env = Env::with_reference_data().await;
    let (batch, _) = env
        .stored(
            OFFENCE_SCHEMA,
            "offences.csv",
            format!("{OFFENCE_HEADER}{rows}"),
        )
        .await;
    let reasons = env.reasons(batch.id).await;
    (
        reasons,
        batch.rows_read,
        batch.rows_stored,
        batch.rows_quarantined,
        batch.rows_duplicate,
    )
}

#[tokio::test]
async fn a_clean_file_is_stored_whole() {
    let (reasons, read, stored, quarantined, duplicate) =
        reasons_for("A1,2021-03-04,2021-03-01,D1,0101,no\nA2,2021-03-05,,D2,0401,yes\n").await;
    assert!(reasons.is_empty(), "{reasons:?}");
    assert_eq!((read, stored, quarantined, duplicate), (2, 2, 0, 0));
}

#[tokio::test]
async fn wrong_types_name_the_value_and_the_expectation() {
    let (reasons, read, stored, quarantined, _) =
        reasons_for("A1,04/03/2021,,D1,0101,no\nA2,2021-03-05,,D2,0401,maybe\n").await;
    assert_eq!(
        reasons,
        [
            "line 2, column recorded: \"04/03/2021\" does not match the date format %Y-%m-%d",
            "line 3, column attempt: \"maybe\" is not true or false (accepted: true, t, yes, y, 1, false, f, no, n, 0)",
        ]
    );
    assert_eq!((read, stored, quarantined), (2, 0, 2));
}

#[tokio::test]
async fn missing_required_values_are_named() {
    let (reasons, ..) =
        reasons_for(",2021-03-04,,D1,0101,\nA2,2021-03-04,,,0101,\nA3,2021-03-04,,D1,,\n").await;
    assert_eq!(
        reasons,
        [
            "line 2, column id: required value is missing",
            "line 3, column area: required value is missing",
            "line 4, column code: national_code and description are all empty; at least one is required",
        ]
    );
}

#[tokio::test]
async fn impossible_future_and_too_early_dates_are_quarantined() {
    let (reasons, ..) = reasons_for(
        "A1,2021-02-30,,D1,0101,\nA2,2021-13-01,,D1,0101,\nA3,2027-01-01,,D1,0101,\nA4,1899-12-31,,D1,0101,\nA5,2021-03-01,2021-03-02,D1,0101,\n",
    )
    .await;
    assert_eq!(
        reasons,
        [
            "line 2, column recorded: \"2021-02-30\" is not a real date: February 2021 has 28 days",
            "line 3, column recorded: \"2021-13-01\" is not a real date: there is no month 13",
            "line 4, column recorded: 2027-01-01 is in the future",
            "line 5, column recorded: 1899-12-31 is before the earliest accepted date 1900-01-01 ([checks] earliest_date)",
            "line 6, column occurred: occurred_date 2021-03-02 is after recorded_date 2021-03-01",
        ]
    );
}

#[tokio::test]
async fn unknown_areas_and_codes_are_quarantined() {
    let (reasons, ..) = reasons_for("A1,2021-03-04,,D9,0101,\nA2,2021-03-04,,D1,9999,\n").await;
    assert_eq!(
        reasons,
        [
            "line 2, column area: \"D9\" is not in the area codelist",
            "line 3, column code: \"9999\" is not in the offence code list",
        ]
    );
}

#[tokio::test]
async fn duplicates_within_the_file_point_at_the_first_row() {
    let (reasons, read, stored, quarantined, duplicate) =
        reasons_for("A1,2021-03-04,,D1,0101,\nA2,2021-03-04,,D1,0101,\nA1,2021-03-05,,D2,0401,\n")
            .await;
    assert_eq!(
        reasons,
        ["line 4, column id: duplicate of line 2 (same source and record_id)"]
    );
    assert_eq!((read, stored, quarantined, duplicate), (3, 2, 0, 1));
}

#[tokio::test]
async fn duplicates_of_earlier_batches_name_the_batch() {
    let env = Env::with_reference_data().await;
    let (first, _) = env
        .stored(
            OFFENCE_SCHEMA,
            "a.csv",
            format!("{OFFENCE_HEADER}A1,2021-03-04,,D1,0101,\n"),
        )
        .await;
    let (second, _) = env
        .stored(
            OFFENCE_SCHEMA,
            "b.csv",
            format!("{OFFENCE_HEADER}A2,2021-03-04,,D1,0101,\nA1,2021-03-04,,D1,0101,\n"),
        )
        .await;
    assert_eq!(
        env.reasons(second.id).await,
        [format!(
            "line 3, column id: already stored by batch {} (same source and record_id)",
            first.id
        )]
    );
    assert_eq!((second.rows_stored, second.rows_duplicate), (1, 1));
}

#[tokio::test]
async fn ragged_rows_say_how_many_fields() {
    let (reasons, ..) = reasons_for("A1,2021-03-04,,D1\nA2,2021-03-04,,D1,0101,,extra\n").await;
    assert_eq!(
        reasons,
        [
            "line 2, column code: row has 4 fields but the header has 6",
            "line 3, column field 7: row has 7 fields but the header has 6",
        ]
    );
}

#[tokio::test]
async fn an_unterminated_quote_is_one_quarantined_row() {
    let (reasons, read, stored, quarantined, _) = reasons_for(
        "A1,2021-03-04,,D1,0101,\n\"A2,2021-03-04,,D1,0101,\nA3,2021-03-04,,D1,0101,\n",
    )
    .await;
    assert_eq!(
        reasons,
        [
            "line 3, column id: a quoted field opened here is not closed before the end of the file (line 4)"
        ]
    );
    assert_eq!((read, stored, quarantined), (2, 1, 1));
}

#[tokio::test]
async fn invalid_utf8_names_the_byte() {
    let env = Env::with_reference_data().await;
    let mut bytes = OFFENCE_HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"A\xe91,2021-03-04,,D1,0101,\nA2,2021-03-04,,D1,0101,\n");
    let (batch, _) = env.stored(OFFENCE_SCHEMA, "latin.csv", bytes).await;
    assert_eq!(
        env.reasons(batch.id).await,
        [
            "line 2, column id: invalid UTF-8 (byte 0xE9 at position 2); if the file is Latin-1 or Windows-1252, set encoding = \"windows-1252\" in [file]"
        ]
    );
    assert_eq!((batch.rows_stored, batch.rows_quarantined), (1, 1));
}

#[tokio::test]
async fn oversized_fields_are_cut_off_and_quarantined() {
    let env = Env::with_reference_data().await;
    let schema = format!("{OFFENCE_SCHEMA}\n[checks]\nmax_field_bytes = 100\n");
    // One field a little over the limit, and one far over (past the reader's buffer).
    let long = "x".repeat(150);
    let huge = "y".repeat(3_000_000);
    let rows = format!(
        "{OFFENCE_HEADER}A1,2021-03-04,,D1,0101,{long}\nA2,2021-03-04,,D1,0101,\nA3,2021-03-04,,D1,{huge},\nA4,2021-03-04,,D1,0101,\n"
    );
    let (batch, _) = env.stored(&schema, "big.csv", rows).await;
    assert_eq!(
        env.reasons(batch.id).await,
        [
            "line 2, column attempt: field is 150 bytes long, over the limit of 100 bytes ([checks] max_field_bytes)",
            "line 4, column code: field is 3000000 bytes long, over the limit of 100 bytes ([checks] max_field_bytes)",
        ]
    );
    assert_eq!(
        (batch.rows_read, batch.rows_stored, batch.rows_quarantined),
        (4, 2, 2)
    );
}

#[tokio::test]
async fn an_empty_file_is_refused() {
    let env = Env::with_reference_data().await;
    let path = env.write("empty.csv", "");
    let message = error_message(env.ingest_path(OFFENCE_SCHEMA, &path).await);
    assert_eq!(
        message,
        format!("{} is empty: no header and no rows", path.display())
    );
}

#[tokio::test]
async fn a_header_without_rows_is_refused_and_nothing_is_stored() {
    let env = Env::with_reference_data().await;
    let before = env.ws.batches(None).await.unwrap().len();
    let path = env.write("header.csv", OFFENCE_HEADER);
    let message = error_message(env.ingest_path(OFFENCE_SCHEMA, &path).await);
    assert_eq!(
        message,
        format!(
            "{} has a header but no rows; nothing to ingest",
            path.display()
        )
    );
    assert_eq!(env.ws.batches(None).await.unwrap().len(), before);
}

#[tokio::test]
async fn a_missing_column_lists_the_columns_found() {
    let env = Env::with_reference_data().await;
    let path = env.write(
        "cols.csv",
        "id,recorded,occurred,area,attempt,kode\nA1,2021-03-04,,D1,,0101\n",
    );
    let message = error_message(env.ingest_path(OFFENCE_SCHEMA, &path).await);
    assert_eq!(
        message,
        format!(
            "{} has no column \"code\" (schema test maps it to national_code) (did you mean \"kode\"?); the file's columns are: id, recorded, occurred, area, attempt, kode",
            path.display()
        )
    );
}

#[tokio::test]
async fn a_directory_is_not_a_file() {
    let env = Env::with_reference_data().await;
    let dir = env.dir.path().join("adir");
    std::fs::create_dir(&dir).unwrap();
    let message = error_message(env.ingest_path(OFFENCE_SCHEMA, &dir).await);
    assert_eq!(
        message,
        format!("{} is a directory, not a file", dir.display())
    );
}

#[tokio::test]
async fn an_unreadable_file_reports_the_system_error() {
    let env = Env::with_reference_data().await;
    // Reading a process's own memory at offset 0 fails with EIO even for root,
    // unlike a chmod 000 file, which root can read.
    let path = std::path::Path::new("/proc/self/mem");
    let message = error_message(env.ingest_path(OFFENCE_SCHEMA, path).await);
    assert_eq!(
        message,
        "cannot read /proc/self/mem: Input/output error (os error 5)"
    );
    let missing = env.dir.path().join("nope.csv");
    let message = error_message(env.ingest_path(OFFENCE_SCHEMA, &missing).await);
    assert_eq!(
        message,
        format!(
            "cannot read {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
}

#[tokio::test]
async fn offences_before_reference_data_are_refused() {
    let env = Env::empty().await;
    let path = env.write(
        "o.csv",
        format!("{OFFENCE_HEADER}A1,2021-03-04,,D1,0101,\n"),
    );
    let message = error_message(env.ingest_path(OFFENCE_SCHEMA, &path).await);
    assert_eq!(
        message,
        "no area codelist in this workspace: ingest area records first (evident ingest --schema <area schema> FILE)"
    );
}

#[tokio::test]
async fn codes_and_ages_are_checked_for_persons() {
    let env = Env::with_reference_data().await;
    let schema = r#"
kind = "person"
[columns.person_id]
from = "pid"
[columns.role]
from = "role"
[columns.record_id]
from = "crime"
[columns.sex]
from = "sex"
codes = { Male = "M", Female = "F" }
[columns.age]
from = "age"
"#;
    let rows = "pid,role,crime,sex,age\np1,victim,A1,Male,34\np2,witness,A1,F,20\np3,suspect,A1,Mle,40\np4,suspect,A2,F,-3\np5,victim,A2,F,150\np6,victim,A3,,abc\n";
    let (batch, _) = env.stored(schema, "persons.csv", rows).await;
    assert_eq!(
        env.reasons(batch.id).await,
        [
            "line 3, column role: \"witness\" is not a known role code (expected victim or suspect)",
            "line 4, column sex: \"Mle\" is not a known sex code (expected M, F, X or U or a value listed in its codes)",
            "line 5, column age: -3 is not a possible age (0 to 120)",
            "line 6, column age: 150 is not a possible age (0 to 120)",
            "line 7, column age: \"abc\" is not a whole number",
        ]
    );
    assert_eq!(
        (batch.rows_read, batch.rows_stored, batch.rows_quarantined),
        (6, 1, 5)
    );
}

#[tokio::test]
async fn unnamed_header_columns_are_named_by_position() {
    // Found by the fuzz target: a ragged row whose first missing column had
    // an empty name gave a reason without a column.
    let env = Env::with_reference_data().await;
    let file = "id,recorded,,area,code\nA1,2021-03-04,x,D1,0101\nA2,2021-03-04\n";
    let (batch, _) = env
        .stored(
            &OFFENCE_SCHEMA
                .replace("[columns.occurred_date]\nfrom = \"occurred\"\n", "")
                .replace("[columns.attempted]\nfrom = \"attempt\"\n", ""),
            "unnamed.csv",
            file,
        )
        .await;
    assert_eq!(
        env.reasons(batch.id).await,
        ["line 3, column column 3: row has 2 fields but the header has 5"]
    );
}
