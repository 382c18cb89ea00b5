//! Published releases in the catalog, and the private copy of the tables each
//! was built from (kept inside the workspace, never published, so that a later
//! revision can be audited jointly with it).

use std::path::PathBuf;

use sqlx::Row;

use crate::error::StoreError;
use crate::workspace::{Workspace, WriteLock, current_actor, insert_audit, now_utc};

/// A release recorded in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    /// The release id.
    pub id: String,
    /// When it was made (UTC).
    pub created_at: String,
    /// Its directory.
    pub out_dir: PathBuf,
    /// SHA-256 of its manifest.
    pub manifest_sha256: String,
    /// What produced it (batches, mapping versions, code version, parameters) as JSON.
    pub inputs_json: String,
}

impl Workspace {
    /// Where the unprotected tables a release was built from are kept: inside
    /// the workspace (which holds microdata anyway), never under a release
    /// directory.
    pub fn release_inputs_dir(&self, id: &str) -> PathBuf {
        self.root().join("private").join("release-inputs").join(id)
    }

    /// Whether a release id is already taken.
    pub async fn release_exists(&self, id: &str) -> Result<bool, StoreError> {
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM releases WHERE id = ?")
            .bind(id)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        Ok(count > 0)
    }

    /// Records a published release (refused if the id exists) and audits it.
    pub async fn record_release(
        &self,
        _lock: &WriteLock,
        release: &ReleaseRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        let taken: i64 = sqlx::query("SELECT COUNT(*) FROM releases WHERE id = ?")
            .bind(&release.id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if taken > 0 {
            return Err(StoreError::ReleaseExists(release.id.clone()));
        }
        sqlx::query(
            "INSERT INTO releases (id, created_at, out_dir, manifest_sha256, inputs_json) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&release.id)
        .bind(&release.created_at)
        .bind(release.out_dir.to_string_lossy().as_ref())
        .bind(&release.manifest_sha256)
        .bind(&release.inputs_json)
        .execute(&mut *tx)
        .await?;
        insert_audit(
            &mut tx,
            &now_utc(),
            &current_actor(),
            "publish",
            &format!("release {}", release.id),
            &serde_json::json!({ "dir": release.out_dir, "manifest_sha256": release.manifest_sha256 }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every release, oldest first.
    pub async fn releases(&self) -> Result<Vec<ReleaseRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_at, out_dir, manifest_sha256, inputs_json FROM releases ORDER BY created_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReleaseRecord {
                    id: r.try_get(0)?,
                    created_at: r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                    out_dir: PathBuf::from(r.try_get::<Option<String>, _>(2)?.unwrap_or_default()),
                    manifest_sha256: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                    inputs_json: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// One release.
    pub async fn release(&self, id: &str) -> Result<ReleaseRecord, StoreError> {
        self.releases()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| StoreError::NoSuchRelease(id.to_owned()))
    }
}
