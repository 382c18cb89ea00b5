//! The synthetic country's raw files ingest with the schemas shipped in
//! `schemas/synthetic/`, and every file's counts reconcile with what
//! `truth.json` says about its clean and dirty rows.

use std::path::PathBuf;

use evident_store::RecordKind;

use crate::support::{Env, stored_rows};

fn schema(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas/synthetic")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn valmora_ingests_and_reconciles_with_truth() {
    let env = Env::empty().await;
    let out = env.dir.path().join("valmora");
    let spec = evident_synthetic::CountrySpec {
        offences: 5_000,
        ..Default::default()
    };
    evident_synthetic::generate(&spec, &out, &|_| {}).unwrap();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap();

    // Reference data first, then the records that are checked against it.
    let order = [
        ("areas.toml", "areas.csv"),
        ("offence_codes.toml", "offence_codes.csv"),
        ("facilities.toml", "prison_facilities.csv"),
        ("population.toml", "population.csv"),
        ("offences.toml", "police_offences.csv"),
        ("persons.toml", "police_persons.csv"),
        ("court_decisions.toml", "court_decisions.csv"),
        ("prison_movements.toml", "prison_movements.csv"),
    ];
    for (schema_file, data_file) in order {
        let (batch, summary) = env
            .stored_path(&schema(schema_file), &out.join(data_file))
            .await;
        let facts = &truth["files"][data_file];
        let dirty = &truth["dirty_rows"][data_file];
        let duplicates = dirty["kinds"]["duplicate"].as_u64().unwrap_or(0);
        let invalid = dirty["total"].as_u64().unwrap_or(0) - duplicates;
        assert_eq!(
            batch.rows_read,
            facts["rows"].as_u64().unwrap(),
            "{data_file}: rows read"
        );
        assert_eq!(
            batch.rows_stored,
            facts["clean_rows"].as_u64().unwrap(),
            "{data_file}: stored = clean rows; problems {:?}",
            summary.problems
        );
        assert_eq!(batch.rows_duplicate, duplicates, "{data_file}: duplicates");
        assert_eq!(
            batch.rows_quarantined, invalid,
            "{data_file}: quarantined; problems {:?}",
            summary.problems
        );
    }

    // Police and court problems by kind, as truth.json counts them.
    let offences = env
        .ws
        .batches(Some(RecordKind::Offence))
        .await
        .unwrap()
        .remove(0);
    let kinds = &truth["dirty_rows"]["police_offences.csv"]["kinds"];
    let problems = &offences.summary["problems"];
    assert_eq!(problems["invalid_utf8"], kinds["invalid_utf8"]);
    assert_eq!(problems["ragged_row"], kinds["ragged"]);
    assert_eq!(
        problems["not_a_date"].as_u64().unwrap_or(0)
            + problems["impossible_date"].as_u64().unwrap_or(0),
        kinds["malformed_date"].as_u64().unwrap()
    );
    let unknown = kinds["unknown_offence_code"].as_u64().unwrap()
        + kinds["unknown_district"].as_u64().unwrap();
    assert_eq!(problems["unknown_reference"].as_u64().unwrap(), unknown);

    // Recoded values: the police's J/N, weapon and place codes became ICCS tags.
    let rows = stored_rows(&env.ws, RecordKind::Offence).await;
    assert!(
        rows.iter()
            .all(|r| ["true", "false"].contains(&r[7].as_str()))
    );
    assert!(rows.iter().all(|r| ("1"..="6").contains(&r[8].as_str())));
    let areas = stored_rows(&env.ws, RecordKind::Area).await;
    assert_eq!(
        areas.iter().filter(|r| r[2] == "1").count(),
        20,
        "20 régions"
    );
    assert!(
        areas.iter().any(|r| r[1].contains('é')),
        "Windows-1252 names decoded"
    );
}
