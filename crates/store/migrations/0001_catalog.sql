-- The Evident catalog, version 1. Later stages add columns or tables in new
-- migration files; never edit this one after a release.

-- One ingest of one source file. A row exists only for committed batches: a
-- killed ingest leaves no trace here.
CREATE TABLE batches (
    id                INTEGER PRIMARY KEY,
    kind              TEXT    NOT NULL,
    schema_name       TEXT    NOT NULL,
    schema_sha256     TEXT    NOT NULL,
    schema_toml       TEXT    NOT NULL,
    started_at        TEXT    NOT NULL,
    committed_at      TEXT    NOT NULL,
    actor             TEXT    NOT NULL,
    rows_read         INTEGER NOT NULL,
    rows_stored       INTEGER NOT NULL,
    rows_quarantined  INTEGER NOT NULL,
    rows_duplicate    INTEGER NOT NULL,
    summary_json      TEXT    NOT NULL,
    index_path        TEXT,
    quarantine_path   TEXT,
    retracted_at      TEXT,
    retracted_by      TEXT,
    retraction_reason TEXT,
    CHECK (rows_read = rows_stored + rows_quarantined + rows_duplicate)
);
CREATE INDEX batches_kind ON batches(kind);

-- The source file of each batch, with its checksum (re-sent files are recognised by it).
CREATE TABLE source_files (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    path        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    format      TEXT    NOT NULL,
    compression TEXT    NOT NULL,
    encoding    TEXT    NOT NULL
);
CREATE INDEX source_files_sha256 ON source_files(sha256);

-- The Parquet files of the store. A file belongs to exactly one batch.
CREATE TABLE dataset_files (
    id             INTEGER PRIMARY KEY,
    batch_id       INTEGER NOT NULL REFERENCES batches(id),
    kind           TEXT    NOT NULL,
    path           TEXT    NOT NULL UNIQUE,
    partition_year INTEGER,
    rows           INTEGER NOT NULL,
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT    NOT NULL
);
CREATE INDEX dataset_files_kind ON dataset_files(kind, batch_id);

-- One line per problem found in a quarantined or duplicate row. The rows
-- themselves are in the batch's quarantine file (row_index is their position).
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    row_index   INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    column_name TEXT,
    value       TEXT,
    reason      TEXT    NOT NULL,
    category    TEXT    NOT NULL CHECK (category IN ('invalid', 'duplicate'))
);
CREATE INDEX quarantine_batch ON quarantine(batch_id, row_index);

-- Correspondence tables (national code -> ICCS) imported by `evident map`.
CREATE TABLE mapping_versions (
    id          INTEGER PRIMARY KEY,
    source      TEXT,
    imported_at TEXT,
    file_sha256 TEXT,
    row_count   INTEGER,
    note        TEXT
);

-- Published releases.
CREATE TABLE releases (
    id              TEXT PRIMARY KEY,
    created_at      TEXT,
    out_dir         TEXT,
    manifest_sha256 TEXT,
    inputs_json     TEXT
);

-- People who use the server, and their API tokens (hashes only).
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT UNIQUE,
    role        TEXT,
    created_at  TEXT,
    disabled_at TEXT
);
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id),
    hash       TEXT,
    label      TEXT,
    created_at TEXT,
    expires_at TEXT,
    revoked_at TEXT
);

-- Who did what, when. Append-only: the triggers below refuse changes.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT,
    actor       TEXT,
    action      TEXT,
    target      TEXT,
    detail_json TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
