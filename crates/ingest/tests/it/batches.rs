//! Batches: idempotent re-sends, retraction, the audit log, quarantine round trips,
//! and cleanup after an interrupted ingest.

use evident_ingest::Outcome;
use evident_ingest::quarantine::{export_quarantine, read_quarantine};
use evident_store::{BatchStatus, RecordKind};

use crate::support::{Env, OFFENCE_HEADER, OFFENCE_SCHEMA, stored_rows};

const ROWS: &str = "A1,2021-03-04,,D1,0101,\nA2,2021-03-05,,D9,0401,\nA3,2021-03-06,,D2,0401,\n";

#[tokio::test]
async fn the_same_file_again_changes_nothing() {
    let env = Env::with_reference_data().await;
    let path = env.write("o.csv", format!("{OFFENCE_HEADER}{ROWS}"));
    let first = env.ingest_path(OFFENCE_SCHEMA, &path).await.unwrap();
    let Outcome::Stored { batch, .. } = first else {
        panic!("first ingest must store")
    };
    let files_before = env.ws.dataset_files(RecordKind::Offence).await.unwrap();
    let audit_before = env.ws.audit_log().await.unwrap().len();
    // A copy under another name is the same file.
    let copy = env.write("copy-of-o.csv", format!("{OFFENCE_HEADER}{ROWS}"));
    let again = env.ingest_path(OFFENCE_SCHEMA, &copy).await.unwrap();
    match again {
        Outcome::AlreadyIngested { batch: earlier } => assert_eq!(earlier.id, batch.id),
        Outcome::Stored { .. } => panic!("a re-sent file must not be stored twice"),
    }
    assert_eq!(
        env.ws.dataset_files(RecordKind::Offence).await.unwrap(),
        files_before
    );
    assert_eq!(env.ws.audit_log().await.unwrap().len(), audit_before);
    assert_eq!(
        env.ws
            .batches(Some(RecordKind::Offence))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn counts_reconcile_and_the_summary_explains_them() {
    let env = Env::with_reference_data().await;
    let (batch, summary) = env
        .stored(
            OFFENCE_SCHEMA,
            "o.csv",
            format!("{OFFENCE_HEADER}{ROWS}A1,2021-03-04,,D1,0101,\n"),
        )
        .await;
    assert_eq!(
        (
            batch.rows_read,
            batch.rows_stored,
            batch.rows_quarantined,
            batch.rows_duplicate
        ),
        (4, 2, 1, 1)
    );
    assert_eq!(summary.problems.get("unknown_reference"), Some(&1));
    assert_eq!(summary.problems.get("duplicate"), Some(&1));
    assert_eq!(summary.problems_by_column.get("area"), Some(&1));
    assert_eq!(summary.sha256.len(), 64);
    assert_eq!(
        batch.summary["rows_read"], 4,
        "the catalog keeps the summary"
    );
}

#[tokio::test]
async fn a_retracted_batch_disappears_and_is_audited() {
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
            format!("{OFFENCE_HEADER}B1,2021-03-04,,D1,0101,\n"),
        )
        .await;
    let lock = env.ws.lock_for_writing().await.unwrap();
    let retracted = env
        .ws
        .retract_batch(&lock, first.id, "analyst", "sent twice by mistake")
        .await
        .unwrap();
    drop(lock);
    assert!(
        matches!(retracted.status, BatchStatus::Retracted { ref reason, .. } if reason == "sent twice by mistake")
    );
    let files = env.ws.dataset_files(RecordKind::Offence).await.unwrap();
    assert!(files.iter().all(|f| f.batch_id == second.id), "{files:?}");
    let rows = stored_rows(&env.ws, RecordKind::Offence).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "B1");
    let last = env.ws.audit_log().await.unwrap().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("retract", "analyst")
    );
    assert_eq!(last.target, format!("batch {}", first.id));
    assert_eq!(last.detail["reason"], "sent twice by mistake");
    // A retracted record id may be sent again, and a retraction cannot be repeated.
    let (again, _) = env
        .stored(
            OFFENCE_SCHEMA,
            "a2.csv",
            format!("{OFFENCE_HEADER}A1,2021-03-04,,D1,0101,\n\n"),
        )
        .await;
    assert_eq!((again.rows_stored, again.rows_duplicate), (1, 0));
    let lock = env.ws.lock_for_writing().await.unwrap();
    let err = env
        .ws
        .retract_batch(&lock, first.id, "analyst", "again")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("batch {} was already retracted at ", first.id)),
        "{err}"
    );
}

#[tokio::test]
async fn quarantined_rows_can_be_exported_fixed_and_ingested_again() {
    let env = Env::with_reference_data().await;
    let (batch, _) = env
        .stored(
            OFFENCE_SCHEMA,
            "o.csv",
            format!("{OFFENCE_HEADER}{ROWS}A4,2021-02-30,,D1,0101,\n"),
        )
        .await;
    assert_eq!(batch.rows_quarantined, 2);
    let quarantine = batch.quarantine_path.clone().unwrap();
    let (header, rows) = read_quarantine(&quarantine).unwrap();
    assert_eq!(
        header.columns,
        ["id", "recorded", "occurred", "area", "code", "attempt"]
    );
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 5]);
    let exported = env.dir.path().join("fix.csv");
    let report = export_quarantine(&quarantine, &exported, false, false).unwrap();
    assert_eq!(report.rows, 2);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(
        text,
        format!("{OFFENCE_HEADER}A2,2021-03-05,,D9,0401,\nA4,2021-02-30,,D1,0101,\n")
    );
    // The analyst corrects the two rows and sends the file back.
    std::fs::write(
        &exported,
        text.replace("D9", "D2").replace("02-30", "02-28"),
    )
    .unwrap();
    let fixed = env.ingest_path(OFFENCE_SCHEMA, &exported).await.unwrap();
    let Outcome::Stored { batch: fixed, .. } = fixed else {
        panic!("not stored")
    };
    assert_eq!((fixed.rows_read, fixed.rows_stored), (2, 2));
    let ids: Vec<String> = stored_rows(&env.ws, RecordKind::Offence)
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(ids, ["A1", "A3", "A2", "A4"]);
}

#[tokio::test]
async fn exports_can_carry_the_reasons() {
    let env = Env::with_reference_data().await;
    let (batch, _) = env
        .stored(OFFENCE_SCHEMA, "o.csv", format!("{OFFENCE_HEADER}{ROWS}"))
        .await;
    let out = env.dir.path().join("reasons.csv");
    export_quarantine(&batch.quarantine_path.unwrap(), &out, false, true).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        // RFC 4180: a field with quotes is quoted, its quotes doubled.
        "id,recorded,occurred,area,code,attempt,_line,_problems\nA2,2021-03-05,,D9,0401,,3,"
            .to_owned()
            + "\"area: \"\"D9\"\" is not in the area codelist\"\n"
    );
}

#[tokio::test]
async fn files_left_by_a_killed_ingest_are_removed_on_open() {
    let env = Env::with_reference_data().await;
    let (batch, _) = env
        .stored(OFFENCE_SCHEMA, "o.csv", format!("{OFFENCE_HEADER}{ROWS}"))
        .await;
    let root = env.ws.root().to_path_buf();
    let orphan = root.join("store/offence/year=2021/b000099-000.parquet");
    let staging = root.join("staging/b000099/store/offence/x.parquet");
    std::fs::create_dir_all(staging.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"half a file").unwrap();
    std::fs::write(&staging, b"half a file").unwrap();
    let reopened = evident_store::Workspace::open(&root).await.unwrap();
    assert!(!orphan.exists() && !root.join("staging/b000099").exists());
    let files = reopened.dataset_files(RecordKind::Offence).await.unwrap();
    assert_eq!(files.len(), 1);
    assert!(files[0].path.exists());
    assert_eq!(files[0].batch_id, batch.id);
}
