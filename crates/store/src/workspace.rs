//! The workspace: its directories, the catalog, batch commits and retractions.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use arrow::array::{Array, AsArray};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use crate::config::{
    ChecksSection, FORMAT_VERSION, PrivacySection, WorkspaceConfig, WorkspaceSection,
};
use crate::error::StoreError;
use crate::failpoint::failpoint;
use crate::key::{PseudonymKey, default_key_path};
use crate::records::RecordKind;

// The columns of a batch and its source file; a macro so that `concat!` keeps
// the SQL a literal.
macro_rules! batch_select {
    () => {
        "SELECT b.id, b.kind, b.schema_name, b.schema_sha256, b.started_at,
        b.committed_at, b.actor, b.rows_read, b.rows_stored, b.rows_quarantined, b.rows_duplicate,
        b.summary_json, b.quarantine_path, b.retracted_at, b.retracted_by, b.retraction_reason,
        s.path AS source_path, s.sha256 AS source_sha256, s.size_bytes AS source_size,
        s.format AS source_format, s.compression AS source_compression, s.encoding AS source_encoding
    FROM batches b JOIN source_files s ON s.batch_id = b.id"
    };
}

/// The catalog database file at the workspace root.
pub const CATALOG_FILE: &str = "catalog.sqlite";
const LOCK_FILE: &str = "write.lock";
/// Directories under the root, each holding files that some batch owns.
const STORE_DIR: &str = "store";
const QUARANTINE_DIR: &str = "quarantine";
const INDEX_DIR: &str = "index";
const STAGING_DIR: &str = "staging";
pub(crate) const CLASSIFIED_DIR: &str = "classified";
pub(crate) const MAPPINGS_DIR: &str = "mappings";

/// Settings for a new workspace.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// A name for people; defaults to the directory name.
    pub name: Option<String>,
    /// Where the pseudonymisation key goes (or an existing key to share).
    pub key_file: Option<PathBuf>,
    /// Checks applied at ingest.
    pub checks: ChecksSection,
}

/// What `Workspace::init` did.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The workspace root (absolute).
    pub root: PathBuf,
    /// The key file (absolute).
    pub key_file: PathBuf,
    /// False if an existing key file was reused.
    pub key_created: bool,
}

/// An open workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    config: WorkspaceConfig,
    pool: SqlitePool,
}

/// Proof that this process may change the workspace: an exclusive lock on
/// `write.lock`, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
    root: PathBuf,
}

/// A committed Parquet file of one record kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFile {
    /// The catalog id of the file.
    pub id: i64,
    /// The record kind.
    pub kind: RecordKind,
    /// The batch that wrote it.
    pub batch_id: i64,
    /// Absolute path.
    pub path: PathBuf,
    /// The year partition, for partitioned kinds.
    pub partition_year: Option<i32>,
    /// Rows in the file.
    pub rows: u64,
    /// Bytes on disk.
    pub size_bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// A batch being written: files go under its staging directory with the
/// same relative paths they will have in the workspace. Clones name the same
/// staging directory (for writer threads).
#[derive(Debug, Clone)]
pub struct StagedBatch {
    id: i64,
    kind: RecordKind,
    dir: PathBuf,
    started_at: String,
}

impl StagedBatch {
    /// The id the batch will have once committed.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The record kind.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// When the batch was started.
    pub fn started_at(&self) -> &str {
        &self.started_at
    }

    /// The staging path of the `part`-th data file of a partition.
    pub fn data_path(&self, partition_year: Option<i32>, part: u32) -> PathBuf {
        self.dir
            .join(data_rel(self.kind, self.id, partition_year, part))
    }

    /// The staging path of the batch's quarantine file.
    pub fn quarantine_path(&self) -> PathBuf {
        self.dir.join(quarantine_rel(self.id))
    }

    /// The staging path of the batch's record-key index.
    pub fn index_path(&self) -> PathBuf {
        self.dir.join(index_rel(self.kind, self.id))
    }
}

fn batch_tag(id: i64) -> String {
    format!("b{id:06}")
}

fn data_rel(kind: RecordKind, id: i64, partition_year: Option<i32>, part: u32) -> PathBuf {
    let mut rel = PathBuf::from(STORE_DIR).join(kind.name());
    if let Some(year) = partition_year {
        rel.push(format!("year={year}"));
    }
    rel.push(format!("{}-{part:03}.parquet", batch_tag(id)));
    rel
}

fn quarantine_rel(id: i64) -> PathBuf {
    PathBuf::from(QUARANTINE_DIR).join(format!("{}.jsonl", batch_tag(id)))
}

fn index_rel(kind: RecordKind, id: i64) -> PathBuf {
    PathBuf::from(INDEX_DIR)
        .join(kind.name())
        .join(format!("{}.keys", batch_tag(id)))
}

/// A data file written into the staging area, ready to commit.
#[derive(Debug, Clone)]
pub struct StagedDataFile {
    /// Its staging path (from [`StagedBatch::data_path`]).
    pub staged_path: PathBuf,
    /// The year partition.
    pub partition_year: Option<i32>,
    /// Rows written.
    pub rows: u64,
    /// Bytes written.
    pub size_bytes: u64,
    /// SHA-256 of the bytes written, hex.
    pub sha256: String,
}

/// The source file of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFileInfo {
    /// The path as given by the user (absolute).
    pub path: PathBuf,
    /// SHA-256 of the file's bytes as stored on disk (compressed, if it is).
    pub sha256: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// `csv`, `jsonl` or `parquet`.
    pub format: String,
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    /// The character encoding read.
    pub encoding: String,
}

/// Why a row is in the quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineCategory {
    /// It failed a check.
    Invalid,
    /// Its key repeats an earlier row or a stored record.
    Duplicate,
}

impl QuarantineCategory {
    /// The name in the catalog.
    pub fn name(self) -> &'static str {
        match self {
            QuarantineCategory::Invalid => "invalid",
            QuarantineCategory::Duplicate => "duplicate",
        }
    }

    fn from_name(name: &str) -> QuarantineCategory {
        if name == "duplicate" {
            QuarantineCategory::Duplicate
        } else {
            QuarantineCategory::Invalid
        }
    }
}

/// One problem with one row, to record at commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuarantineEntry {
    /// The row's position in the batch's quarantine file (0-based).
    pub row_index: u64,
    /// The line (or row number) in the source file where the row starts.
    pub line: u64,
    /// The source column at fault, if one is.
    pub column: Option<String>,
    /// The offending value, shortened and with identifiers pseudonymised.
    pub value: Option<String>,
    /// What is wrong and what was expected.
    pub reason: String,
    /// Invalid or duplicate.
    pub category: QuarantineCategory,
}

/// A recorded problem, as read back from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineEntry {
    /// The batch.
    pub batch_id: i64,
    /// The row's position in the batch's quarantine file.
    pub row_index: u64,
    /// The line in the source file.
    pub line: u64,
    /// The source column at fault.
    pub column: Option<String>,
    /// The offending value.
    pub value: Option<String>,
    /// What is wrong.
    pub reason: String,
    /// Invalid or duplicate.
    pub category: QuarantineCategory,
}

/// Everything a batch commit records.
#[derive(Debug, Clone)]
pub struct NewBatch {
    /// The schema file's name (its file stem).
    pub schema_name: String,
    /// The schema file's text (it holds no secrets).
    pub schema_toml: String,
    /// Who ran the ingest.
    pub actor: String,
    /// The source file.
    pub source: SourceFileInfo,
    /// Rows read from the source.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_stored: u64,
    /// Rows quarantined as invalid.
    pub rows_quarantined: u64,
    /// Rows recognised as duplicates.
    pub rows_duplicate: u64,
    /// The data files.
    pub files: Vec<StagedDataFile>,
    /// Whether [`StagedBatch::index_path`] was written.
    pub has_index: bool,
    /// Whether [`StagedBatch::quarantine_path`] was written.
    pub has_quarantine_file: bool,
    /// The problems found.
    pub quarantine: Vec<NewQuarantineEntry>,
    /// The ingest summary for people and programs (counts per reason, dropped columns …).
    pub summary: serde_json::Value,
}

/// Whether a batch counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchStatus {
    /// Committed and in use.
    Committed,
    /// Retracted: excluded from every later computation.
    Retracted {
        /// When.
        at: String,
        /// By whom.
        by: String,
        /// Why.
        reason: String,
    },
}

/// A committed batch, as the catalog records it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchInfo {
    /// The batch id.
    pub id: i64,
    /// The record kind.
    pub kind: RecordKind,
    /// The schema file's name.
    pub schema_name: String,
    /// SHA-256 of the schema text.
    pub schema_sha256: String,
    /// When ingest started.
    pub started_at: String,
    /// When it committed.
    pub committed_at: String,
    /// Who ran it.
    pub actor: String,
    /// Rows read.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_stored: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// Duplicate rows.
    pub rows_duplicate: u64,
    /// The source file.
    pub source: SourceFileInfo,
    /// The ingest summary.
    pub summary: serde_json::Value,
    /// Committed or retracted.
    pub status: BatchStatus,
    /// The quarantine file (absolute), if the batch had problem rows.
    pub quarantine_path: Option<PathBuf>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The entry's sequence number.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What (`init`, `ingest`, `retract` …).
    pub action: String,
    /// On what (`batch 3` …).
    pub target: String,
    /// Details.
    pub detail: serde_json::Value,
}

/// The current time, RFC 3339 in UTC to the second.
pub fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Who is running this process, for the audit log: `EVIDENT_ACTOR`, else
/// `USER` or `LOGNAME`, else the account of the process's user id.
pub fn current_actor() -> String {
    ["EVIDENT_ACTOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(account_name)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The login name of this process's real user id, from /proc and /etc/passwd.
fn account_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    })
}

impl Workspace {
    /// Creates a workspace in `root` (which must not exist or be empty).
    pub async fn init(
        root: &Path,
        options: InitOptions,
    ) -> Result<(Workspace, InitReport), StoreError> {
        if root.exists() {
            let mut entries = std::fs::read_dir(root).map_err(StoreError::io(root))?;
            if entries.next().is_some() {
                return Err(StoreError::AlreadyExists {
                    path: root.to_path_buf(),
                });
            }
        }
        std::fs::create_dir_all(root).map_err(StoreError::io(root))?;
        let root = root.canonicalize().map_err(StoreError::io(root))?;
        let name = options.name.clone().unwrap_or_else(|| {
            root.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "evident".to_owned())
        });
        let key_file = match &options.key_file {
            Some(path) if path.is_absolute() => path.clone(),
            Some(path) => std::env::current_dir()
                .map_err(StoreError::io("."))?
                .join(path),
            None => default_key_path(&name),
        };
        let key_dir = key_file.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(key_dir).map_err(StoreError::io(key_dir))?;
        let key_dir = key_dir.canonicalize().map_err(StoreError::io(key_dir))?;
        if key_dir.starts_with(&root) {
            let _ = std::fs::remove_dir(&root);
            return Err(StoreError::KeyInsideWorkspace {
                key: key_file,
                workspace: root,
            });
        }
        let key_file = key_dir.join(key_file.file_name().unwrap_or_default());
        options.checks.earliest()?;
        let (_, key_created) = PseudonymKey::create_or_load(&key_file)?;
        for dir in [STORE_DIR, QUARANTINE_DIR, INDEX_DIR, STAGING_DIR] {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(StoreError::io(path))?;
        }
        let config = WorkspaceConfig {
            workspace: WorkspaceSection {
                name,
                created_at: now_utc(),
                format_version: FORMAT_VERSION,
            },
            privacy: PrivacySection {
                key_file: key_file.clone(),
            },
            checks: options.checks,
        };
        config.save(&root)?;
        let pool = connect(&root, true).await?;
        let workspace = Workspace {
            root: root.clone(),
            config,
            pool,
        };
        workspace
            .append_audit(
                &current_actor(),
                "init",
                &root.display().to_string(),
                serde_json::json!({ "key_created": key_created }),
            )
            .await?;
        let report = InitReport {
            root,
            key_file,
            key_created,
        };
        Ok((workspace, report))
    }

    /// Opens an existing workspace, migrating its catalog if needed and, when no
    /// other process is writing, deleting files left behind by a killed ingest.
    pub async fn open(root: &Path) -> Result<Workspace, StoreError> {
        let config = WorkspaceConfig::load(root)?;
        let root = root.canonicalize().map_err(StoreError::io(root))?;
        if !root.join(CATALOG_FILE).exists() {
            return Err(StoreError::Io {
                path: root.join(CATALOG_FILE),
                error: std::io::Error::new(std::io::ErrorKind::NotFound, "the catalog is missing"),
            });
        }
        let pool = connect(&root, false).await?;
        let workspace = Workspace { root, config, pool };
        if let Some(lock) = workspace.try_lock()? {
            workspace.remove_orphans(&lock).await?;
        }
        Ok(workspace)
    }

    /// The workspace root (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The configuration.
    pub fn config(&self) -> &WorkspaceConfig {
        &self.config
    }

    /// The catalog's connection pool, for stages that keep their own tables
    /// (mapping versions, releases, users, tokens). Prefer adding typed
    /// functions to this crate over raw SQL elsewhere.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Loads the pseudonymisation key named in the configuration.
    pub fn key(&self) -> Result<PseudonymKey, StoreError> {
        PseudonymKey::load(&self.config.privacy.key_file)
    }

    /// Closes the catalog connections (waits for them to finish).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn try_lock(&self) -> Result<Option<WriteLock>, StoreError> {
        let path = self.root.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(StoreError::io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(WriteLock {
                _file: file,
                root: self.root.clone(),
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(error)) => Err(StoreError::Io { path, error }),
        }
    }

    /// Takes the write lock, or fails at once if another process holds it.
    /// Files left by a killed writer are removed first.
    pub async fn lock_for_writing(&self) -> Result<WriteLock, StoreError> {
        let lock = self.try_lock()?.ok_or_else(|| StoreError::Busy {
            workspace: self.root.clone(),
            lock: self.root.join(LOCK_FILE),
        })?;
        self.remove_orphans(&lock).await?;
        Ok(lock)
    }

    /// Deletes staging directories and any file under `store/`, `quarantine/`,
    /// `index/`, `classified/` or `mappings/` that the catalog does not list.
    /// Returns the paths removed.
    pub async fn remove_orphans(&self, _lock: &WriteLock) -> Result<Vec<PathBuf>, StoreError> {
        let mut owned: HashSet<PathBuf> = HashSet::new();
        for row in sqlx::query("SELECT path FROM dataset_files")
            .fetch_all(&self.pool)
            .await?
        {
            owned.insert(self.root.join(row.try_get::<String, _>(0)?));
        }
        for row in sqlx::query(
            "SELECT path FROM classified_files UNION ALL \
             SELECT path FROM mapping_versions WHERE path IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?
        {
            owned.insert(self.root.join(row.try_get::<String, _>(0)?));
        }
        for row in sqlx::query("SELECT index_path, quarantine_path FROM batches")
            .fetch_all(&self.pool)
            .await?
        {
            for i in 0..2 {
                if let Some(p) = row.try_get::<Option<String>, _>(i)? {
                    owned.insert(self.root.join(p));
                }
            }
        }
        let mut removed = Vec::new();
        let staging = self.root.join(STAGING_DIR);
        if staging.exists() {
            for entry in std::fs::read_dir(&staging).map_err(StoreError::io(&staging))? {
                let entry = entry.map_err(StoreError::io(&staging))?;
                let path = entry.path();
                if is_scratch_of_running_process(&entry.file_name().to_string_lossy()) {
                    continue;
                }
                let result = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                result.map_err(StoreError::io(&path))?;
                removed.push(path);
            }
        } else {
            std::fs::create_dir_all(&staging).map_err(StoreError::io(&staging))?;
        }
        for dir in [
            STORE_DIR,
            QUARANTINE_DIR,
            INDEX_DIR,
            CLASSIFIED_DIR,
            MAPPINGS_DIR,
        ] {
            let mut files = Vec::new();
            list_files(&self.root.join(dir), &mut files)?;
            for path in files {
                if !owned.contains(&path) {
                    std::fs::remove_file(&path).map_err(StoreError::io(&path))?;
                    removed.push(path);
                }
            }
        }
        if !removed.is_empty() {
            tracing::info!(
                count = removed.len(),
                "removed files left by an interrupted ingest"
            );
        }
        Ok(removed)
    }

    /// The committed, non-retracted Parquet files of `kind`, in batch order.
    /// Readers must register exactly these files.
    pub async fn dataset_files(&self, kind: RecordKind) -> Result<Vec<DatasetFile>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.batch_id, f.path, f.partition_year, f.rows, f.size_bytes, f.sha256, f.id
             FROM dataset_files f JOIN batches b ON b.id = f.batch_id
             WHERE f.kind = ? AND b.retracted_at IS NULL
             ORDER BY f.batch_id, f.path",
        )
        .bind(kind.name())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DatasetFile {
                    id: row.try_get(6)?,
                    kind,
                    batch_id: row.try_get(0)?,
                    path: self.root.join(row.try_get::<String, _>(1)?),
                    partition_year: row.try_get(2)?,
                    rows: row.try_get::<i64, _>(3)?.max(0) as u64,
                    size_bytes: row.try_get::<i64, _>(4)?.max(0) as u64,
                    sha256: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// The record-key index files of the committed, non-retracted batches of `kind`.
    pub async fn record_index_files(
        &self,
        kind: RecordKind,
    ) -> Result<Vec<(i64, PathBuf)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, index_path FROM batches
             WHERE kind = ? AND retracted_at IS NULL AND index_path IS NOT NULL ORDER BY id",
        )
        .bind(kind.name())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    self.root.join(row.try_get::<String, _>(1)?),
                ))
            })
            .collect()
    }

    /// The distinct values of a text column across the committed files of
    /// `kind` (used to check codes against reference data). `None` when the
    /// kind has no committed data.
    pub async fn text_values(
        &self,
        kind: RecordKind,
        column: &str,
    ) -> Result<Option<HashSet<String>>, StoreError> {
        let files = self.dataset_files(kind).await?;
        if files.is_empty() {
            return Ok(None);
        }
        let column = column.to_owned();
        let values = tokio::task::spawn_blocking(move || {
            let mut values = HashSet::new();
            for file in &files {
                read_text_column(&file.path, &column, &mut values)?;
            }
            Ok::<_, StoreError>(values)
        })
        .await
        .map_err(|e| StoreError::Parquet {
            path: PathBuf::new(),
            message: e.to_string(),
        })??;
        Ok(Some(values))
    }

    /// Starts a batch of `kind`: reserves its id and a clean staging directory.
    pub async fn begin_batch(
        &self,
        lock: &WriteLock,
        kind: RecordKind,
    ) -> Result<StagedBatch, StoreError> {
        debug_assert_eq!(lock.root, self.root);
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM batches")
            .fetch_one(&self.pool)
            .await?;
        let dir = self.root.join(STAGING_DIR).join(batch_tag(id));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(StoreError::io(&dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        Ok(StagedBatch {
            id,
            kind,
            dir,
            started_at: now_utc(),
        })
    }

    /// Throws a staged batch away.
    pub fn discard_batch(&self, staged: StagedBatch) -> Result<(), StoreError> {
        if staged.dir.exists() {
            std::fs::remove_dir_all(&staged.dir).map_err(StoreError::io(&staged.dir))?;
        }
        Ok(())
    }

    /// Makes a staged batch part of the workspace. Its files are moved into
    /// place first; they become visible only when the catalog transaction that
    /// records them commits, so a crash at any point leaves the workspace as it
    /// was (the moved files are then orphans, removed at the next open).
    pub async fn commit_batch(
        &self,
        lock: &WriteLock,
        staged: StagedBatch,
        batch: NewBatch,
    ) -> Result<BatchInfo, StoreError> {
        debug_assert_eq!(lock.root, self.root);
        let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
        for file in &batch.files {
            moves.push((
                file.staged_path.clone(),
                self.relative_in(&staged, &file.staged_path)?,
            ));
        }
        let index_rel = batch.has_index.then(|| index_rel(staged.kind, staged.id));
        let quarantine_rel = batch.has_quarantine_file.then(|| quarantine_rel(staged.id));
        for rel in index_rel.iter().chain(quarantine_rel.iter()) {
            moves.push((staged.dir.join(rel), rel.clone()));
        }
        failpoint("commit-before-move");
        let mut dirs = HashSet::new();
        for (from, rel) in &moves {
            let to = self.root.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
                dirs.insert(parent.to_path_buf());
            }
            std::fs::rename(from, &to).map_err(StoreError::io(from))?;
            failpoint("commit-moved-file");
        }
        for dir in &dirs {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(StoreError::io(dir))?;
        }
        failpoint("commit-before-catalog");

        let committed_at = now_utc();
        let schema_sha256 = sha256_hex(batch.schema_toml.as_bytes());
        let summary_json = batch.summary.to_string();
        let rel_str = |p: &Option<PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO batches (id, kind, schema_name, schema_sha256, schema_toml, started_at,
                committed_at, actor, rows_read, rows_stored, rows_quarantined, rows_duplicate,
                summary_json, index_path, quarantine_path)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(staged.id)
        .bind(staged.kind.name())
        .bind(&batch.schema_name)
        .bind(&schema_sha256)
        .bind(&batch.schema_toml)
        .bind(&staged.started_at)
        .bind(&committed_at)
        .bind(&batch.actor)
        .bind(batch.rows_read as i64)
        .bind(batch.rows_stored as i64)
        .bind(batch.rows_quarantined as i64)
        .bind(batch.rows_duplicate as i64)
        .bind(&summary_json)
        .bind(rel_str(&index_rel))
        .bind(rel_str(&quarantine_rel))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO source_files (batch_id, path, sha256, size_bytes, format, compression, encoding)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(staged.id)
        .bind(batch.source.path.to_string_lossy().into_owned())
        .bind(&batch.source.sha256)
        .bind(batch.source.size_bytes as i64)
        .bind(&batch.source.format)
        .bind(&batch.source.compression)
        .bind(&batch.source.encoding)
        .execute(&mut *tx)
        .await?;
        for (file, (_, rel)) in batch.files.iter().zip(&moves) {
            sqlx::query(
                "INSERT INTO dataset_files (batch_id, kind, path, partition_year, rows, size_bytes, sha256)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(staged.id)
            .bind(staged.kind.name())
            .bind(rel.to_string_lossy().into_owned())
            .bind(file.partition_year)
            .bind(file.rows as i64)
            .bind(file.size_bytes as i64)
            .bind(&file.sha256)
            .execute(&mut *tx)
            .await?;
        }
        // Multi-row inserts: one statement per 400 entries (8 parameters each,
        // well under SQLite's limit of 32,766 parameters per statement).
        for chunk in batch.quarantine.chunks(400) {
            let mut sql = String::from(
                "INSERT INTO quarantine (batch_id, row_index, line, column_name, value, reason, category) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str("(?, ?, ?, ?, ?, ?, ?)");
            }
            // Built only from fixed text and placeholders; values are bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for entry in chunk {
                query = query
                    .bind(staged.id)
                    .bind(entry.row_index as i64)
                    .bind(entry.line as i64)
                    .bind(entry.column.clone())
                    .bind(entry.value.clone())
                    .bind(entry.reason.clone())
                    .bind(entry.category.name());
            }
            query.execute(&mut *tx).await?;
        }
        let detail = serde_json::json!({
            "kind": staged.kind.name(),
            "source": batch.source.path.to_string_lossy(),
            "sha256": batch.source.sha256,
            "rows_read": batch.rows_read,
            "rows_stored": batch.rows_stored,
            "rows_quarantined": batch.rows_quarantined,
            "rows_duplicate": batch.rows_duplicate,
        });
        insert_audit(
            &mut tx,
            &committed_at,
            &batch.actor,
            "ingest",
            &format!("batch {}", staged.id),
            &detail,
        )
        .await?;
        failpoint("commit-in-transaction");
        tx.commit().await?;
        failpoint("commit-after-catalog");
        let _ = std::fs::remove_dir_all(&staged.dir);
        self.batch(staged.id).await
    }

    fn relative_in(&self, staged: &StagedBatch, path: &Path) -> Result<PathBuf, StoreError> {
        path.strip_prefix(&staged.dir)
            .map(Path::to_path_buf)
            .map_err(|_| StoreError::Io {
                path: path.to_path_buf(),
                error: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a staged file must be inside its batch's staging directory",
                ),
            })
    }

    /// All batches, newest first, optionally of one kind.
    pub async fn batches(&self, kind: Option<RecordKind>) -> Result<Vec<BatchInfo>, StoreError> {
        let rows = sqlx::query(concat!(
            batch_select!(),
            " WHERE (?1 IS NULL OR b.kind = ?1) ORDER BY b.id DESC"
        ))
        .bind(kind.map(RecordKind::name))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.batch_from_row(r)).collect()
    }

    /// One batch.
    pub async fn batch(&self, id: i64) -> Result<BatchInfo, StoreError> {
        let row = sqlx::query(concat!(batch_select!(), " WHERE b.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NoSuchBatch(id))?;
        self.batch_from_row(&row)
    }

    /// The committed, non-retracted batch of `kind` whose source file had this
    /// SHA-256, if any (a re-sent file).
    pub async fn batch_with_source(
        &self,
        kind: RecordKind,
        sha256: &str,
    ) -> Result<Option<BatchInfo>, StoreError> {
        let row = sqlx::query(concat!(
            batch_select!(),
            " WHERE b.kind = ? AND s.sha256 = ? AND b.retracted_at IS NULL ORDER BY b.id LIMIT 1"
        ))
        .bind(kind.name())
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.batch_from_row(&r)).transpose()
    }

    fn batch_from_row(&self, row: &SqliteRow) -> Result<BatchInfo, StoreError> {
        let kind_name: String = row.try_get("kind")?;
        let kind = RecordKind::from_name(&kind_name).ok_or_else(|| {
            StoreError::Catalog(sqlx::Error::Decode(
                format!("unknown record kind {kind_name:?} in the catalog").into(),
            ))
        })?;
        let count = |name: &str| -> Result<u64, StoreError> {
            Ok(row.try_get::<i64, _>(name)?.max(0) as u64)
        };
        let retracted_at: Option<String> = row.try_get("retracted_at")?;
        let status = match retracted_at {
            Some(at) => BatchStatus::Retracted {
                at,
                by: row
                    .try_get::<Option<String>, _>("retracted_by")?
                    .unwrap_or_default(),
                reason: row
                    .try_get::<Option<String>, _>("retraction_reason")?
                    .unwrap_or_default(),
            },
            None => BatchStatus::Committed,
        };
        let summary_text: String = row.try_get("summary_json")?;
        Ok(BatchInfo {
            id: row.try_get("id")?,
            kind,
            schema_name: row.try_get("schema_name")?,
            schema_sha256: row.try_get("schema_sha256")?,
            started_at: row.try_get("started_at")?,
            committed_at: row.try_get("committed_at")?,
            actor: row.try_get("actor")?,
            rows_read: count("rows_read")?,
            rows_stored: count("rows_stored")?,
            rows_quarantined: count("rows_quarantined")?,
            rows_duplicate: count("rows_duplicate")?,
            source: SourceFileInfo {
                path: PathBuf::from(row.try_get::<String, _>("source_path")?),
                sha256: row.try_get("source_sha256")?,
                size_bytes: count("source_size")?,
                format: row.try_get("source_format")?,
                compression: row.try_get("source_compression")?,
                encoding: row.try_get("source_encoding")?,
            },
            summary: serde_json::from_str(&summary_text).unwrap_or(serde_json::Value::Null),
            status,
            quarantine_path: row
                .try_get::<Option<String>, _>("quarantine_path")?
                .map(|p| self.root.join(p)),
        })
    }

    /// Retracts a batch: its rows disappear from every later computation. The
    /// files stay on disk for the audit trail; the retraction is logged.
    pub async fn retract_batch(
        &self,
        _lock: &WriteLock,
        id: i64,
        actor: &str,
        reason: &str,
    ) -> Result<BatchInfo, StoreError> {
        let batch = self.batch(id).await?;
        if let BatchStatus::Retracted { at, .. } = batch.status {
            return Err(StoreError::AlreadyRetracted { id, at });
        }
        let at = now_utc();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE batches SET retracted_at = ?, retracted_by = ?, retraction_reason = ? WHERE id = ?",
        )
        .bind(&at)
        .bind(actor)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({
            "kind": batch.kind.name(),
            "reason": reason,
            "rows_stored": batch.rows_stored,
            "source_sha256": batch.source.sha256,
        });
        insert_audit(
            &mut tx,
            &at,
            actor,
            "retract",
            &format!("batch {id}"),
            &detail,
        )
        .await?;
        tx.commit().await?;
        self.batch(id).await
    }

    /// Problems recorded for quarantined and duplicate rows, in batch and row
    /// order; all batches when `batch` is `None`.
    pub async fn quarantine_entries(
        &self,
        batch: Option<i64>,
        category: Option<QuarantineCategory>,
        limit: Option<u64>,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT batch_id, row_index, line, column_name, value, reason, category FROM quarantine
             WHERE (?1 IS NULL OR batch_id = ?1) AND (?2 IS NULL OR category = ?2)
             ORDER BY batch_id, row_index, id LIMIT ?3",
        )
        .bind(batch)
        .bind(category.map(QuarantineCategory::name))
        .bind(limit.map(|l| l.min(i64::MAX as u64) as i64).unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(QuarantineEntry {
                    batch_id: row.try_get(0)?,
                    row_index: row.try_get::<i64, _>(1)?.max(0) as u64,
                    line: row.try_get::<i64, _>(2)?.max(0) as u64,
                    column: row.try_get(3)?,
                    value: row.try_get(4)?,
                    reason: row.try_get(5)?,
                    category: QuarantineCategory::from_name(&row.try_get::<String, _>(6)?),
                })
            })
            .collect()
    }

    /// Appends to the audit log.
    pub async fn append_audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_audit(&mut tx, &now_utc(), actor, action, target, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The audit log, oldest first.
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, detail_json FROM audit_log ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_entry).collect()
    }
}

pub(crate) async fn insert_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    at: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, detail_json) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(detail.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn connect(root: &Path, create: bool) -> Result<SqlitePool, StoreError> {
    let path = root.join(CATALOG_FILE);
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(StoreError::Catalog)?
        .filename(&path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL makes a commit durable once it returns, even across power loss.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), StoreError> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(StoreError::io(dir))? {
        let entry = entry.map_err(StoreError::io(dir))?;
        let path = entry.path();
        if entry.file_type().map_err(StoreError::io(&path))?.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn read_text_column(
    path: &Path,
    column: &str,
    out: &mut HashSet<String>,
) -> Result<(), StoreError> {
    let err = |message: String| StoreError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let file = File::open(path).map_err(StoreError::io(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| err(e.to_string()))?;
    let index = builder
        .schema()
        .index_of(column)
        .map_err(|_| err(format!("no column {column}")))?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| err(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| err(e.to_string()))?;
        let array = batch.column(0);
        let strings = array
            .as_string_opt::<i32>()
            .ok_or_else(|| err(format!("column {column} is not text")))?;
        for i in 0..strings.len() {
            if strings.is_valid(i) {
                out.insert(strings.value(i).to_owned());
            }
        }
    }
    Ok(())
}

/// SHA-256 of bytes, as lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Whether a staging entry is the query scratch directory of a process that is
/// still running (`engine-PURPOSE-PID`, see `evident_engine::workspace::scratch_dir`):
/// read-only commands never take the write lock, so their spill files must
/// survive another command's clean-up.
fn is_scratch_of_running_process(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("engine-") else {
        return false;
    };
    let Some(pid) = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    if pid == std::process::id() {
        return true;
    }
    // Where /proc is absent the directory is kept: a stale one costs disk, a
    // deleted live one fails a query.
    let proc = std::path::Path::new("/proc");
    !proc.exists() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod scratch_tests {
    use super::is_scratch_of_running_process;

    #[test]
    fn only_live_engine_scratch_directories_are_kept() {
        let me = std::process::id();
        assert!(is_scratch_of_running_process(&format!(
            "engine-trends-{me}"
        )));
        assert!(is_scratch_of_running_process(&format!(
            "engine-compute-x-{me}"
        )));
        // PIDs above the kernel's maximum (4194304) never run.
        assert!(
            !is_scratch_of_running_process("engine-trends-4294967295")
                || !std::path::Path::new("/proc").exists()
        );
        assert!(!is_scratch_of_running_process("batch-12"));
        assert!(!is_scratch_of_running_process("engine-trends-notapid"));
    }
}

/// An audit entry from a row `(id, at, actor, action, target, detail_json)`.
pub(crate) fn audit_entry(row: &SqliteRow) -> Result<AuditEntry, StoreError> {
    let detail: Option<String> = row.try_get(5)?;
    Ok(AuditEntry {
        id: row.try_get(0)?,
        at: row.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
        actor: row.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
        action: row.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
        target: row.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
        detail: detail
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or(serde_json::Value::Null),
    })
}
