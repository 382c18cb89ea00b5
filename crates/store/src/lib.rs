//! The on-disk workspace: Parquet datasets (one per record kind, partitioned by
//! year) and the SQLite catalog that says which files are committed.
//!
//! This crate owns the workspace layout (`docs/workspace.md`), the canonical
//! record kinds and their Arrow schemas ([`records`]), the catalog and its
//! migrations (batches, source files, dataset files, quarantine index, mapping
//! versions, releases, users, tokens and the append-only audit log), atomic
//! batch commits, and the pseudonymisation key file.
//!
//! Architecture invariants:
//! - A reader sees only committed data: [`Workspace::dataset_files`] lists the
//!   Parquet files recorded by committed, non-retracted batches, and nothing
//!   else. Files appear in the store before their catalog transaction commits,
//!   but no reader looks at a file the catalog does not list; orphans left by a
//!   killed process are deleted the next time the workspace is opened.
//! - The pseudonymisation key lives outside the workspace and is read only by
//!   [`key`]; it is never written into the store, the catalog or a log.
//! - This crate does not parse source files, validate rows or hash identifiers
//!   (that is `evident-ingest`), and knows nothing of the query engine.

mod classified;
pub mod config;
mod error;
mod failpoint;
pub mod key;
pub mod records;
mod releases;
mod users;
mod workspace;

pub use classified::{ClassifiedFile, MappingVersion, NewClassifiedFile, UnclassifiedFile};
pub use config::{ChecksSection, WorkspaceConfig};
pub use error::StoreError;
pub use failpoint::failpoint;
pub use key::PseudonymKey;
pub use records::{Codelist, Column, ColumnType, Presence, RecordKind, Values};
pub use releases::ReleaseRecord;
pub use users::{
    AuditQuery, NewAuditEntry, Role, TokenCredential, TokenRecord, User, UserError, check_user_name,
};
pub use workspace::{
    AuditEntry, BatchInfo, BatchStatus, DatasetFile, InitOptions, InitReport, NewBatch,
    NewQuarantineEntry, QuarantineCategory, QuarantineEntry, SourceFileInfo, StagedBatch,
    StagedDataFile, Workspace, WriteLock, current_actor, now_utc,
};
