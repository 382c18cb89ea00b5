//! Pseudonymisation: raw identifiers never reach the workspace, pseudonyms link
//! across files and kinds, direct identifiers are dropped and reported.

use std::path::Path;

use evident_ingest::quarantine::export_quarantine;
use evident_store::{PseudonymKey, RecordKind};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::support::{Env, stored_rows};

const PERSON_SCHEMA: &str = r#"
kind = "person"
[privacy]
direct_identifiers = ["Name", "Address"]
[columns.person_id]
from = "PersonRef"
[columns.role]
from = "Role"
[columns.record_id]
from = "Crime"
[columns.age]
from = "Age"
"#;

const PERSONS: &str = "PersonRef,Name,Address,Role,Crime,Age\n\
    NI-4471-X,Alice Smith,1 Long Lane,victim,A1,34\n\
    NI-9902-Q,Bob Jones,2 Short St,suspect,A1,19\n\
    NI-5555-Z,Carol White,3 Mid Rd,suspect,A2,200\n";

/// HMAC-SHA-256 written out with the hmac crate, independently of the ingest code.
fn expected_pseudonym(key_file: &Path, id: &str) -> String {
    let key = PseudonymKey::load(key_file).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.bytes()).unwrap();
    mac.update(id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn raw_identifiers_never_reach_the_workspace() {
    let env = Env::with_reference_data().await;
    let (batch, summary) = env.stored(PERSON_SCHEMA, "persons.csv", PERSONS).await;
    assert_eq!((batch.rows_stored, batch.rows_quarantined), (2, 1));
    assert_eq!(summary.pseudonymised, ["PersonRef"]);
    assert_eq!(summary.dropped_identifiers, ["Name", "Address"]);
    let key_file = env.ws.config().privacy.key_file.clone();
    let rows = stored_rows(&env.ws, RecordKind::Person).await;
    assert_eq!(rows[0][0], expected_pseudonym(&key_file, "NI-4471-X"));
    assert_eq!(rows[1][0], expected_pseudonym(&key_file, "NI-9902-Q"));
    assert_eq!(rows[0][5], "Y30T44", "age group derived from age 34");
    // Close the catalog so its write-ahead log is checkpointed, then search every byte.
    env.ws.close().await;
    let mut files = Vec::new();
    all_files(env.ws.root(), &mut files);
    let key_hex = std::fs::read_to_string(&key_file).unwrap();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for secret in [
            "NI-4471-X",
            "NI-9902-Q",
            "NI-5555-Z",
            "Alice Smith",
            "1 Long Lane",
            "Carol White",
            key_hex.trim(),
        ] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{secret} found in {}",
                file.display()
            );
        }
    }
    assert!(!key_file.starts_with(env.ws.root()));
}

#[tokio::test]
async fn pseudonyms_link_people_across_files_and_kinds() {
    let env = Env::with_reference_data().await;
    env.stored(PERSON_SCHEMA, "persons.csv", PERSONS).await;
    let court = r#"
kind = "court_decision"
[columns.case_id]
from = "case"
[columns.person_id]
from = "defendant"
[columns.offence_date]
from = "offence"
[columns.prosecution_date]
from = "charged"
[columns.decision_date]
from = "decided"
[columns.national_code]
from = "code"
[columns.outcome]
from = "outcome"
[columns.sentence_type]
from = "sentence"
[columns.sentence_months]
from = "months"
"#;
    let file = "case,defendant,offence,charged,decided,code,outcome,sentence,months\n\
        C1,NI-9902-Q,2021-01-02,2021-02-01,2021-06-30,0401,convicted,custody,18\n\
        C2,NI-0000-A,2021-01-02,2021-02-01,,0401,acquitted,custody,\n";
    let (batch, _) = env.stored(court, "court.csv", file).await;
    assert_eq!(
        env.reasons(batch.id).await,
        [
            "line 3, column sentence: sentence_type \"custody\" needs outcome \"convicted\" (outcome is \"acquitted\")"
        ]
    );
    let persons = stored_rows(&env.ws, RecordKind::Person).await;
    let decisions = stored_rows(&env.ws, RecordKind::CourtDecision).await;
    assert_eq!(decisions.len(), 1);
    assert_eq!(
        decisions[0][1], persons[1][0],
        "the suspect and the defendant are one person"
    );
    assert_eq!(decisions[0][8], "18.0");
}

#[tokio::test]
async fn linkage_keys_of_several_columns_and_namespaces() {
    let env = Env::with_reference_data().await;
    let schema = r#"
kind = "person"
[columns.person_id]
from = ["Surname", "Born"]
namespace = "police"
[columns.role]
value = "suspect"
[columns.record_id]
from = "Crime"
"#;
    let file =
        "Surname,Born,Crime\nSMITH,1980-02-03,A1\nSMITH,1980-02-03,A2\nSMITH,1991-07-08,A3\n";
    env.stored(schema, "p.csv", file).await;
    let rows = stored_rows(&env.ws, RecordKind::Person).await;
    assert_eq!(rows[0][0], rows[1][0]);
    assert_ne!(rows[0][0], rows[2][0]);
    // namespace, unit separator, surname, unit separator, date of birth.
    let key_file = env.ws.config().privacy.key_file.clone();
    assert_eq!(
        rows[0][0],
        expected_pseudonym(&key_file, "police\u{1f}SMITH\u{1f}1980-02-03")
    );
}

#[tokio::test]
async fn quarantined_people_come_back_with_the_same_pseudonym() {
    let env = Env::with_reference_data().await;
    let (batch, _) = env.stored(PERSON_SCHEMA, "persons.csv", PERSONS).await;
    let out = env.dir.path().join("fix.csv");
    export_quarantine(&batch.quarantine_path.unwrap(), &out, false, false).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let key_file = env.ws.config().privacy.key_file.clone();
    let token = format!("pseudonym:{}", expected_pseudonym(&key_file, "NI-5555-Z"));
    // Name and Address are direct identifiers: not kept, so empty in the export.
    assert_eq!(
        text,
        format!("PersonRef,Name,Address,Role,Crime,Age\n{token},,,suspect,A2,200\n")
    );
    std::fs::write(&out, text.replace(",200", ",20")).unwrap();
    let outcome = env.ingest_path(PERSON_SCHEMA, &out).await.unwrap();
    assert!(matches!(outcome, evident_ingest::Outcome::Stored { .. }));
    let rows = stored_rows(&env.ws, RecordKind::Person).await;
    assert_eq!(rows[2][0], expected_pseudonym(&key_file, "NI-5555-Z"));
    assert_eq!(rows[2][4], "20");
}
