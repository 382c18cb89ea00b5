//! The files of a release and the directory they are written to: built in a
//! hidden sibling directory and renamed into place only when complete.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use evident_engine::Values;
use evident_sdmx::format_number;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ReleaseError, Result};
use crate::publish::PublishedTable;
use crate::settings::{Control, Inputs};

/// The manifest's format tag.
pub const MANIFEST_FORMAT: &str = "evident-release/1";
/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// One file of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the release directory, with `/`.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the contents, lower-case hex.
    pub sha256: String,
}

/// `manifest.json`: what the release is, what it was made from, how it was
/// protected, and every file with its checksum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: String,
    /// The release id.
    pub release_id: String,
    /// When it was made (given by the caller).
    pub created: String,
    /// The publishing agency.
    pub agency: String,
    /// The version of the SDMX artefacts.
    pub sdmx_version: String,
    /// The release this one revises, if any (audited jointly with it).
    pub revises: Option<String>,
    /// What the release was computed from.
    pub inputs: Inputs,
    /// The indicator tables, in release order.
    pub indicators: Vec<String>,
    /// The disclosure method and its settings.
    pub disclosure: Control,
    /// Every file except the manifest, sorted by path.
    pub files: Vec<FileEntry>,
}

/// The SHA-256 of some bytes, as lower-case hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A release directory being written. Dropped without [`Staging::commit`], it
/// removes everything it wrote.
pub(crate) struct Staging {
    root: PathBuf,
    target: PathBuf,
    files: Vec<FileEntry>,
    committed: bool,
}

impl Staging {
    /// Refuses an existing release; creates the hidden sibling directory.
    pub fn new(out: &Path, id: &str) -> Result<Staging> {
        std::fs::create_dir_all(out).map_err(|e| ReleaseError::io(out, e))?;
        let target = out.join(id);
        if target.exists() {
            return Err(ReleaseError::AlreadyExists {
                id: id.to_owned(),
                path: target,
            });
        }
        let root = out.join(format!(".{id}.partial-{}", std::process::id()));
        if root.exists() {
            // Left by a process with our id that died: nothing of it was published.
            std::fs::remove_dir_all(&root).map_err(|e| ReleaseError::io(&root, e))?;
        }
        std::fs::create_dir(&root).map_err(|e| ReleaseError::io(&root, e))?;
        Ok(Staging {
            root,
            target,
            files: Vec::new(),
            committed: false,
        })
    }

    /// Writes one file (flushed to disk) and records its size and checksum.
    pub fn write(&mut self, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ReleaseError::io(parent, e))?;
        }
        let mut file = File::create(&path).map_err(|e| ReleaseError::io(&path, e))?;
        file.write_all(bytes)
            .map_err(|e| ReleaseError::io(&path, e))?;
        file.sync_all().map_err(|e| ReleaseError::io(&path, e))?;
        self.files.push(FileEntry {
            path: relative.to_owned(),
            bytes: bytes.len() as u64,
            sha256: sha256(bytes),
        });
        Ok(())
    }

    /// The files written so far, sorted by path.
    pub fn files(&self) -> Vec<FileEntry> {
        let mut files = self.files.clone();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// Writes the manifest and renames the directory into place.
    pub fn commit(mut self, manifest: &[u8]) -> Result<PathBuf> {
        let path = self.root.join(MANIFEST);
        let mut file = File::create(&path).map_err(|e| ReleaseError::io(&path, e))?;
        file.write_all(manifest)
            .map_err(|e| ReleaseError::io(&path, e))?;
        file.sync_all().map_err(|e| ReleaseError::io(&path, e))?;
        if self.target.exists() {
            return Err(ReleaseError::AlreadyExists {
                id: self
                    .target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                path: self.target.clone(),
            });
        }
        std::fs::rename(&self.root, &self.target).map_err(|e| ReleaseError::io(&self.target, e))?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

fn text_of(values: &Values, row: usize) -> String {
    match values {
        Values::Text(v) => v[row].to_string(),
        Values::Int(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
        Values::Float(v) => v[row]
            .filter(|x| x.is_finite())
            .map(format_number)
            .unwrap_or_default(),
    }
}

/// The table as CSV: its columns, then the row's `obs_status` and `conf_status`.
pub(crate) fn csv_bytes(table: &PublishedTable) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    header.extend(["obs_status", "conf_status"]);
    let fail = |e: csv::Error| ReleaseError::table(&table.indicator, format!("CSV: {e}"));
    writer.write_record(&header).map_err(fail)?;
    for row in 0..table.rows() {
        let mut record: Vec<String> = table
            .columns
            .iter()
            .map(|c| text_of(&c.values, row))
            .collect();
        record.push(table.row_status[row].obs_status().to_owned());
        record.push(table.row_status[row].conf_status().to_owned());
        writer.write_record(&record).map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| ReleaseError::table(&table.indicator, format!("CSV: {e}")))
}

/// The table as Parquet (zstd), with the same columns as the CSV file.
pub(crate) fn parquet_bytes(table: &PublishedTable) -> Result<Vec<u8>> {
    let fail = |e: String| ReleaseError::table(&table.indicator, format!("Parquet: {e}"));
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for column in &table.columns {
        match &column.values {
            Values::Text(v) => {
                fields.push(Field::new(&column.name, DataType::Utf8, false));
                arrays.push(Arc::new(StringArray::from_iter_values(v)));
            }
            Values::Int(v) => {
                fields.push(Field::new(&column.name, DataType::Int64, true));
                arrays.push(Arc::new(Int64Array::from(v.clone())));
            }
            Values::Float(v) => {
                fields.push(Field::new(&column.name, DataType::Float64, true));
                let finite: Vec<Option<f64>> =
                    v.iter().map(|x| x.filter(|x| x.is_finite())).collect();
                arrays.push(Arc::new(Float64Array::from(finite)));
            }
        }
    }
    for (name, code) in [
        ("obs_status", CellStatusCode::Obs),
        ("conf_status", CellStatusCode::Conf),
    ] {
        fields.push(Field::new(name, DataType::Utf8, false));
        arrays.push(Arc::new(StringArray::from_iter_values(
            table.row_status.iter().map(|s| match code {
                CellStatusCode::Obs => s.obs_status(),
                CellStatusCode::Conf => s.conf_status(),
            }),
        )));
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| fail(e.to_string()))?;
    let level = ZstdLevel::try_new(3).map_err(|e| fail(e.to_string()))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_created_by(format!("evident-release {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), schema, Some(properties))
        .map_err(|e| fail(e.to_string()))?;
    writer.write(&batch).map_err(|e| fail(e.to_string()))?;
    writer.into_inner().map_err(|e| fail(e.to_string()))
}

enum CellStatusCode {
    Obs,
    Conf,
}

/// Pretty JSON with a final newline.
pub(crate) fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| ReleaseError::Settings(format!("cannot render JSON: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads a release's manifest.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|e| ReleaseError::io(&path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| ReleaseError::malformed(&path, e.to_string()))?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(ReleaseError::malformed(
            &path,
            format!("format {:?}, expected {MANIFEST_FORMAT:?}", manifest.format),
        ));
    }
    Ok(manifest)
}

/// The result of checking a release directory against its manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The manifest.
    pub manifest: Manifest,
    /// Every discrepancy: a file missing, of another size or checksum, or not listed.
    pub problems: Vec<String>,
}

impl Verification {
    /// Whether every file matches the manifest.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every file of a release against the size and SHA-256 in its manifest
/// and looks for files the manifest does not list.
pub fn verify(dir: &Path) -> Result<Verification> {
    let manifest = read_manifest(dir)?;
    let mut problems = Vec::new();
    for entry in &manifest.files {
        let path = dir.join(&entry.path);
        match std::fs::read(&path) {
            Err(e) => problems.push(format!("{}: {e}", entry.path)),
            Ok(bytes) => {
                if bytes.len() as u64 != entry.bytes {
                    problems.push(format!(
                        "{}: {} bytes, manifest says {}",
                        entry.path,
                        bytes.len(),
                        entry.bytes
                    ));
                } else if sha256(&bytes) != entry.sha256 {
                    problems.push(format!("{}: SHA-256 differs from the manifest", entry.path));
                }
            }
        }
    }
    let mut found = Vec::new();
    list_files(dir, dir, &mut found)?;
    for path in found {
        if path != MANIFEST && !manifest.files.iter().any(|f| f.path == path) {
            problems.push(format!("{path}: not listed in the manifest"));
        }
    }
    Ok(Verification { manifest, problems })
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| ReleaseError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ReleaseError::io(dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            list_files(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(
                relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
    Ok(())
}
