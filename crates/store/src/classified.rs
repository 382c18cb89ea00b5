//! Correspondence-table versions and classified offences in the catalog.
//!
//! An imported table is kept as the file the user gave (`mappings/v<id>.csv`)
//! with one catalog row per version; versions are never changed or deleted.
//! Classification writes one Parquet file per stored offence file and version
//! (`classified/v<version>/f<file id>.parquet`), moved into place and recorded
//! in one transaction, like a batch. A reader lists the current classified file
//! of every committed, non-retracted offence file.

use std::path::PathBuf;

use sqlx::Row;

use crate::error::StoreError;
use crate::workspace::{
    CLASSIFIED_DIR, MAPPINGS_DIR, Workspace, WriteLock, current_actor, insert_audit, now_utc,
    sha256_hex,
};

/// One imported version of the correspondence table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingVersion {
    /// The version number (1, 2, …).
    pub id: i64,
    /// Where the table came from (`--source`).
    pub source: String,
    /// When it was imported (UTC, RFC 3339).
    pub imported_at: String,
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// Rows in the table.
    pub row_count: u64,
    /// Free text.
    pub note: String,
    /// The stored copy of the table.
    pub path: PathBuf,
    /// Who imported it.
    pub actor: String,
}

/// A stored offence file whose classification is missing or outdated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnclassifiedFile {
    /// Catalog id of the offence file.
    pub dataset_file_id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// Its path.
    pub path: PathBuf,
}

/// A classified file to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClassifiedFile {
    /// The offence file it classifies.
    pub dataset_file_id: i64,
    /// That file's batch.
    pub batch_id: i64,
    /// Where it was written (in the staging directory).
    pub staged_path: PathBuf,
    /// Records.
    pub rows: u64,
    /// Records with an ICCS code.
    pub mapped: u64,
}

/// A current classified file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifiedFile {
    /// The batch of the offences.
    pub batch_id: i64,
    /// The correspondence-table version that classified them.
    pub mapping_version: i64,
    /// Absolute path.
    pub path: PathBuf,
    /// Records.
    pub rows: u64,
    /// Records with an ICCS code.
    pub mapped: u64,
}

impl Workspace {
    /// Stores a new correspondence-table version; returns it.
    pub async fn import_mapping(
        &self,
        _lock: &WriteLock,
        source: &str,
        table_csv: &[u8],
        row_count: u64,
        note: &str,
    ) -> Result<MappingVersion, StoreError> {
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM mapping_versions")
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        let rel = PathBuf::from(MAPPINGS_DIR).join(format!("v{next}.csv"));
        let staged = self.staging_path(&format!("mapping-v{next}.csv"));
        std::fs::write(&staged, table_csv).map_err(StoreError::io(&staged))?;
        let target = self.root().join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
        }
        std::fs::rename(&staged, &target).map_err(StoreError::io(&staged))?;
        let (at, actor, sha) = (now_utc(), current_actor(), sha256_hex(table_csv));
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO mapping_versions (id, source, imported_at, file_sha256, row_count, note, path, actor)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(next)
        .bind(source)
        .bind(&at)
        .bind(&sha)
        .bind(row_count as i64)
        .bind(note)
        .bind(rel.to_string_lossy().as_ref())
        .bind(&actor)
        .execute(&mut *tx)
        .await?;
        insert_audit(
            &mut tx,
            &at,
            &actor,
            "map-import",
            &format!("mapping version {next}"),
            &serde_json::json!({ "source": source, "sha256": sha, "rows": row_count }),
        )
        .await?;
        tx.commit().await?;
        self.mapping_version(next).await
    }

    /// All correspondence-table versions, oldest first.
    pub async fn mapping_versions(&self) -> Result<Vec<MappingVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, imported_at, file_sha256, row_count, note, path, actor
             FROM mapping_versions WHERE path IS NOT NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| self.mapping_from_row(r)).collect()
    }

    /// One version.
    pub async fn mapping_version(&self, id: i64) -> Result<MappingVersion, StoreError> {
        let row = sqlx::query(
            "SELECT id, source, imported_at, file_sha256, row_count, note, path, actor
             FROM mapping_versions WHERE id = ? AND path IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NoSuchMapping(id))?;
        self.mapping_from_row(&row)
    }

    /// The latest version, if any table was imported.
    pub async fn current_mapping(&self) -> Result<Option<MappingVersion>, StoreError> {
        Ok(self.mapping_versions().await?.pop())
    }

    fn mapping_from_row(
        &self,
        row: &sqlx::sqlite::SqliteRow,
    ) -> Result<MappingVersion, StoreError> {
        Ok(MappingVersion {
            id: row.try_get(0)?,
            source: row.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
            imported_at: row.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
            file_sha256: row.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
            row_count: row.try_get::<Option<i64>, _>(4)?.unwrap_or(0).max(0) as u64,
            note: row.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            path: self.root().join(row.try_get::<String, _>(6)?),
            actor: row.try_get::<Option<String>, _>(7)?.unwrap_or_default(),
        })
    }

    /// Offence files (committed, not retracted) without a current classification
    /// by `version`; with `all`, every offence file.
    pub async fn offence_files_to_classify(
        &self,
        version: i64,
        all: bool,
    ) -> Result<Vec<UnclassifiedFile>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.id, f.batch_id, f.path FROM dataset_files f JOIN batches b ON b.id = f.batch_id
             WHERE f.kind = 'offence' AND b.retracted_at IS NULL
               AND (? OR NOT EXISTS (SELECT 1 FROM classified_files c
                        WHERE c.dataset_file_id = f.id AND c.superseded_at IS NULL
                          AND c.mapping_version = ?))
             ORDER BY f.batch_id, f.path",
        )
        .bind(all)
        .bind(version)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnclassifiedFile {
                    dataset_file_id: r.try_get(0)?,
                    batch_id: r.try_get(1)?,
                    path: self.root().join(r.try_get::<String, _>(2)?),
                })
            })
            .collect()
    }

    /// A path in the staging directory (removed if the process dies before commit).
    pub fn staging_path(&self, name: &str) -> PathBuf {
        self.root().join("staging").join(name)
    }

    /// Moves classified files into place and records them in one transaction,
    /// superseding earlier classifications of the same offence files.
    pub async fn commit_classified(
        &self,
        _lock: &WriteLock,
        version: i64,
        files: &[NewClassifiedFile],
    ) -> Result<(), StoreError> {
        let mut placed: Vec<(PathBuf, &NewClassifiedFile)> = Vec::new();
        let created = now_utc();
        let stamp: String = created.chars().filter(char::is_ascii_digit).collect();
        for file in files {
            let rel = PathBuf::from(CLASSIFIED_DIR)
                .join(format!("v{version}"))
                .join(format!("f{}-{stamp}.parquet", file.dataset_file_id));
            let target = self.root().join(&rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
            }
            std::fs::rename(&file.staged_path, &target)
                .map_err(StoreError::io(&file.staged_path))?;
            placed.push((rel, file));
        }
        crate::failpoint("classify-before-catalog");
        let mut tx = self.pool().begin().await?;
        for (rel, file) in &placed {
            sqlx::query(
                "UPDATE classified_files SET superseded_at = ?
                 WHERE dataset_file_id = ? AND superseded_at IS NULL",
            )
            .bind(&created)
            .bind(file.dataset_file_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO classified_files (dataset_file_id, batch_id, mapping_version, path,
                    rows, mapped, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(file.dataset_file_id)
            .bind(file.batch_id)
            .bind(version)
            .bind(rel.to_string_lossy().as_ref())
            .bind(file.rows as i64)
            .bind(file.mapped as i64)
            .bind(&created)
            .execute(&mut *tx)
            .await?;
        }
        let rows: u64 = files.iter().map(|f| f.rows).sum();
        let mapped: u64 = files.iter().map(|f| f.mapped).sum();
        insert_audit(
            &mut tx,
            &created,
            &current_actor(),
            "classify",
            &format!("mapping version {version}"),
            &serde_json::json!({ "files": files.len(), "records": rows, "mapped": mapped }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The current classified file of every committed, non-retracted offence
    /// file, in batch order.
    pub async fn classified_files(&self) -> Result<Vec<ClassifiedFile>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.batch_id, c.mapping_version, c.path, c.rows, c.mapped
             FROM classified_files c
             JOIN dataset_files f ON f.id = c.dataset_file_id
             JOIN batches b ON b.id = c.batch_id
             WHERE c.superseded_at IS NULL AND b.retracted_at IS NULL
             ORDER BY c.batch_id, c.path",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClassifiedFile {
                    batch_id: r.try_get(0)?,
                    mapping_version: r.try_get(1)?,
                    path: self.root().join(r.try_get::<String, _>(2)?),
                    rows: r.try_get::<i64, _>(3)?.max(0) as u64,
                    mapped: r.try_get::<i64, _>(4)?.max(0) as u64,
                })
            })
            .collect()
    }

    /// Committed, non-retracted offence files that have no current classification.
    pub async fn unclassified_offence_files(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) FROM dataset_files f JOIN batches b ON b.id = f.batch_id
             WHERE f.kind = 'offence' AND b.retracted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM classified_files c
                   WHERE c.dataset_file_id = f.id AND c.superseded_at IS NULL)",
        )
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        Ok(count.max(0) as u64)
    }
}
