-- Version 2: correspondence-table files and classified offences.

-- Where the imported table is kept (mappings/v<id>.csv) and who imported it.
ALTER TABLE mapping_versions ADD COLUMN path TEXT;
ALTER TABLE mapping_versions ADD COLUMN actor TEXT;

-- Offences with their ICCS code attached: one file per stored offence file and
-- correspondence-table version. A newer classification of the same file
-- supersedes the older one, which stays listed for the record.
CREATE TABLE classified_files (
    id              INTEGER PRIMARY KEY,
    dataset_file_id INTEGER NOT NULL REFERENCES dataset_files(id),
    batch_id        INTEGER NOT NULL REFERENCES batches(id),
    mapping_version INTEGER NOT NULL REFERENCES mapping_versions(id),
    path            TEXT    NOT NULL UNIQUE,
    rows            INTEGER NOT NULL,
    mapped          INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    superseded_at   TEXT,
    CHECK (mapped <= rows)
);
CREATE INDEX classified_files_current ON classified_files(dataset_file_id, superseded_at);
