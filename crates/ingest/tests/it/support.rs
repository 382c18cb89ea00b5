//! Shared set-up: a workspace with reference data, and small helpers.

use std::path::{Path, PathBuf};

use evident_ingest::{IngestError, IngestOptions, Outcome, Schema, Summary, ingest_file};
use evident_store::{BatchInfo, InitOptions, Workspace};

pub struct Env {
    pub dir: tempfile::TempDir,
    _keys: tempfile::TempDir,
    pub ws: Workspace,
}

pub const AREA_SCHEMA: &str = r#"
kind = "area"
[columns.area_code]
from = "code"
[columns.name]
from = "name"
[columns.level]
from = "level"
[columns.parent_code]
from = "parent"
"#;

pub const AREAS: &str = "code,name,level,parent\nR1,North,1,\nD1,Hill,2,R1\nD2,Vale,2,R1\n";

pub const CODE_SCHEMA: &str = r#"
kind = "offence_code"
[columns.national_code]
from = "code"
[columns.description]
from = "title"
"#;

pub const CODES: &str = "code,title\n0101,Murder\n0401,Assault\n0501,Burglary\n";

/// Offences with every check the tests need: dates in ISO, area and code columns.
pub const OFFENCE_SCHEMA: &str = r#"
kind = "offence"
[columns.record_id]
from = "id"
[columns.source]
value = "police"
[columns.recorded_date]
from = "recorded"
[columns.occurred_date]
from = "occurred"
[columns.area_code]
from = "area"
[columns.national_code]
from = "code"
[columns.attempted]
from = "attempt"
"#;

pub const OFFENCE_HEADER: &str = "id,recorded,occurred,area,code,attempt\n";

impl Env {
    /// A workspace with areas and offence codes ingested.
    pub async fn with_reference_data() -> Env {
        let env = Env::empty().await;
        env.ingest_text(AREA_SCHEMA, "areas.csv", AREAS)
            .await
            .unwrap();
        env.ingest_text(CODE_SCHEMA, "codes.csv", CODES)
            .await
            .unwrap();
        env
    }

    pub async fn empty() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let keys = tempfile::tempdir().unwrap();
        let options = InitOptions {
            key_file: Some(keys.path().join("test.key")),
            ..InitOptions::default()
        };
        let (ws, _) = Workspace::init(&dir.path().join("ws"), options)
            .await
            .unwrap();
        Env {
            dir,
            _keys: keys,
            ws,
        }
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn schema(&self, text: &str) -> Schema {
        Schema::parse(Path::new("test.toml"), text).unwrap()
    }

    pub async fn ingest_path(&self, schema: &str, path: &Path) -> Result<Outcome, IngestError> {
        let options = IngestOptions {
            actor: "tester".to_owned(),
            today: Some("2026-01-31".to_owned()),
            progress: None,
        };
        ingest_file(&self.ws, &self.schema(schema), path, options).await
    }

    pub async fn ingest_text(
        &self,
        schema: &str,
        name: &str,
        contents: impl AsRef<[u8]>,
    ) -> Result<Outcome, IngestError> {
        let path = self.write(name, contents);
        self.ingest_path(schema, &path).await
    }

    /// Ingests and expects a new batch.
    pub async fn stored(
        &self,
        schema: &str,
        name: &str,
        contents: impl AsRef<[u8]>,
    ) -> (BatchInfo, Summary) {
        match self.ingest_text(schema, name, contents).await {
            Ok(Outcome::Stored { batch, summary }) => (*batch, *summary),
            Ok(Outcome::AlreadyIngested { batch }) => {
                panic!("already ingested as batch {}", batch.id)
            }
            Err(e) => panic!("ingest failed: {e}"),
        }
    }

    /// The reasons recorded for a batch, as "line N, column C: reason".
    pub async fn reasons(&self, batch: i64) -> Vec<String> {
        self.ws
            .quarantine_entries(Some(batch), None, None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                format!(
                    "line {}, column {}: {}",
                    e.line,
                    e.column.unwrap_or_default(),
                    e.reason
                )
            })
            .collect()
    }
}

/// Expects an ingest error and returns its message.
pub fn error_message(result: Result<Outcome, IngestError>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// The stored rows of a kind, as text (nulls empty), in batch and file order.
pub async fn stored_rows(ws: &Workspace, kind: evident_store::RecordKind) -> Vec<Vec<String>> {
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    let mut rows = Vec::new();
    for file in ws.dataset_files(kind).await.unwrap() {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&file.path).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let options = FormatOptions::default().with_null("");
            let formatters: Vec<_> = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
                .collect();
            for r in 0..batch.num_rows() {
                rows.push(formatters.iter().map(|f| f.value(r).to_string()).collect());
            }
        }
    }
    rows
}

impl Env {
    /// Ingests an existing file and expects a new batch.
    pub async fn stored_path(&self, schema: &str, path: &Path) -> (BatchInfo, Summary) {
        match self.ingest_path(schema, path).await {
            Ok(Outcome::Stored { batch, summary }) => (*batch, *summary),
            Ok(Outcome::AlreadyIngested { batch }) => {
                panic!("already ingested as batch {}", batch.id)
            }
            Err(e) => panic!("ingest failed: {e}"),
        }
    }
}
