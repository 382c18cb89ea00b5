//! The workspace and its catalog, without ingest.

use std::path::Path;

use evident_store::{InitOptions, RecordKind, StoreError, Workspace};

async fn init(dir: &Path, keys: &Path) -> Workspace {
    let options = InitOptions {
        key_file: Some(keys.join("k.key")),
        ..InitOptions::default()
    };
    Workspace::init(&dir.join("ws"), options).await.unwrap().0
}

#[tokio::test]
async fn init_lays_out_the_workspace_and_logs_it() {
    let (dir, keys) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ws = init(dir.path(), keys.path()).await;
    for sub in [
        "store",
        "quarantine",
        "index",
        "staging",
        "evident.toml",
        "catalog.sqlite",
    ] {
        assert!(ws.root().join(sub).exists(), "{sub}");
    }
    let config = std::fs::read_to_string(ws.root().join("evident.toml")).unwrap();
    assert!(config.contains(&format!(
        "key_file = \"{}\"",
        keys.path().canonicalize().unwrap().join("k.key").display()
    )));
    let log = ws.audit_log().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "init");
    assert_eq!(log[0].detail["key_created"], true);
    // The migrations are recorded with their versions, so later ones apply in order.
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(ws.pool())
            .await
            .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count() as i64;
    assert_eq!(versions, (1..=files).collect::<Vec<_>>());
    for kind in RecordKind::ALL {
        assert!(ws.dataset_files(kind).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_audit_log_refuses_changes() {
    let (dir, keys) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ws = init(dir.path(), keys.path()).await;
    ws.append_audit(
        "ana",
        "publish",
        "release 1",
        serde_json::json!({"cells": 3}),
    )
    .await
    .unwrap();
    let update = sqlx::query("UPDATE audit_log SET actor = 'mallory'")
        .execute(ws.pool())
        .await
        .unwrap_err();
    assert!(
        update.to_string().contains("audit_log is append-only"),
        "{update}"
    );
    let delete = sqlx::query("DELETE FROM audit_log")
        .execute(ws.pool())
        .await
        .unwrap_err();
    assert!(
        delete.to_string().contains("audit_log is append-only"),
        "{delete}"
    );
    let log = ws.audit_log().await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(),
        [evident_store::current_actor().as_str(), "ana"]
    );
}

#[tokio::test]
async fn later_stages_find_their_tables() {
    let (dir, keys) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ws = init(dir.path(), keys.path()).await;
    for table in [
        "mapping_versions",
        "releases",
        "users",
        "tokens",
        "batches",
        "source_files",
        "dataset_files",
        "quarantine",
    ] {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(ws.pool())
                .await
                .unwrap();
        assert_eq!(count, 0, "{table}");
    }
    sqlx::query("INSERT INTO users (name, role, created_at) VALUES ('ana', 'admin', '2026-01-01')")
        .execute(ws.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn init_refuses_a_non_empty_directory_and_a_key_inside() {
    let (dir, keys) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let target = dir.path().join("ws");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "x").unwrap();
    let options = InitOptions {
        key_file: Some(keys.path().join("k.key")),
        ..InitOptions::default()
    };
    let err = Workspace::init(&target, options).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} already exists and is not empty; choose a new directory",
            target.display()
        )
    );

    let fresh = dir.path().join("fresh");
    let options = InitOptions {
        key_file: Some(fresh.join("secret.key")),
        ..InitOptions::default()
    };
    let err = Workspace::init(&fresh, options).await.unwrap_err();
    assert!(
        matches!(err, StoreError::KeyInsideWorkspace { .. }),
        "{err}"
    );
    assert!(!fresh.join("secret.key").exists());
}

#[tokio::test]
async fn opening_a_plain_directory_explains_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let err = Workspace::open(dir.path()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not an Evident workspace (no evident.toml); create one with `evident init {}` or pass --workspace DIR",
            dir.path().display(),
            dir.path().display()
        )
    );
}

#[tokio::test]
async fn a_second_writer_is_turned_away() {
    let (dir, keys) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ws = init(dir.path(), keys.path()).await;
    let lock = ws.lock_for_writing().await.unwrap();
    let other = Workspace::open(ws.root()).await.unwrap();
    let err = other.lock_for_writing().await.unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err}");
    drop(lock);
    other.lock_for_writing().await.unwrap();
}

#[tokio::test]
async fn a_typo_in_the_configuration_is_named() {
    let (dir, keys) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ws = init(dir.path(), keys.path()).await;
    let path = ws.root().join("evident.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("max_age", "max_ages");
    std::fs::write(&path, text).unwrap();
    let err = Workspace::open(ws.root()).await.unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: unknown field `max_ages`, expected one of `earliest_date`, `max_age`, `max_field_bytes` (line 15)",
            path.display()
        )
    );
}
