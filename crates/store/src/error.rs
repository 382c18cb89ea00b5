//! What can go wrong with a workspace.

use std::path::PathBuf;

/// Errors of the workspace, its catalog and its files.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory has no `evident.toml`.
    #[error(
        "{} is not an Evident workspace (no evident.toml); create one with `evident init {}` or pass --workspace DIR",
        path.display(),
        path.display()
    )]
    NotAWorkspace {
        /// The directory looked at.
        path: PathBuf,
    },
    /// `evident init` on a directory that already holds a workspace or other files.
    #[error("{} already exists and is not empty; choose a new directory", path.display())]
    AlreadyExists {
        /// The directory.
        path: PathBuf,
    },
    /// `evident.toml` is malformed.
    #[error("{}: {message}", path.display())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// The key file named in the configuration does not exist.
    #[error(
        "the pseudonymisation key {} does not exist; restore it from your backup (without it, new person identifiers cannot be linked to stored ones)",
        path.display()
    )]
    KeyMissing {
        /// The key file.
        path: PathBuf,
    },
    /// The key file can be read by others.
    #[error(
        "the pseudonymisation key {} is readable by other users (mode {mode:04o}); run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    KeyPermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file does not hold 64 hexadecimal digits.
    #[error("the pseudonymisation key {} is not 64 hexadecimal digits", path.display())]
    KeyMalformed {
        /// The key file.
        path: PathBuf,
    },
    /// The key would be inside the workspace.
    #[error(
        "the pseudonymisation key must live outside the workspace, but {} is inside {}",
        key.display(),
        workspace.display()
    )]
    KeyInsideWorkspace {
        /// The proposed key file.
        key: PathBuf,
        /// The workspace.
        workspace: PathBuf,
    },
    /// Another process holds the write lock.
    #[error(
        "another evident process is writing to the workspace {} (lock {}); wait for it to finish",
        workspace.display(),
        lock.display()
    )]
    Busy {
        /// The workspace.
        workspace: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// A correspondence-table version that the catalog does not know.
    #[error("no correspondence table version {0} in this workspace (see `evident map list`)")]
    NoSuchMapping(i64),
    /// A release id that the catalog does not know.
    #[error("no release {0:?} in this workspace (see `evident releases list`)")]
    NoSuchRelease(String),
    /// Publishing an id twice.
    #[error("release {0:?} exists already: releases are immutable, choose a new id")]
    ReleaseExists(String),
    /// A batch id that the catalog does not know.
    #[error("no batch {0} in this workspace (see `evident batches list`)")]
    NoSuchBatch(i64),
    /// Retracting a batch twice.
    #[error("batch {id} was already retracted at {at}")]
    AlreadyRetracted {
        /// The batch.
        id: i64,
        /// When.
        at: String,
    },
    /// A file-system error, with the path involved.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error (in the message, so not a `source`).
        error: std::io::Error,
    },
    /// A catalog (SQLite) error.
    #[error("catalog: {0}")]
    Catalog(sqlx::Error),
    /// A catalog migration failed.
    #[error("catalog migration: {0}")]
    Migration(sqlx::migrate::MigrateError),
    /// A Parquet file in the store could not be read.
    #[error("{}: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

// Written out rather than `#[from]`, which would also make the error a
// `source` and print it twice in a `{:#}` chain (the message already has it).
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Catalog(error)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migration(error)
    }
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |error| StoreError::Io { path, error }
    }
}
