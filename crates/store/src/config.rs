//! The workspace configuration file, `evident.toml`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;

/// The name of the configuration file at the workspace root.
pub const CONFIG_FILE: &str = "evident.toml";

/// The current layout version of a workspace.
pub const FORMAT_VERSION: u32 = 1;

/// What `evident.toml` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// Identity of the workspace.
    pub workspace: WorkspaceSection,
    /// Where the pseudonymisation key lives.
    pub privacy: PrivacySection,
    /// Limits that ingest applies to every file (a schema may narrow them).
    #[serde(default)]
    pub checks: ChecksSection,
}

/// `[workspace]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSection {
    /// A name for people (shown in summaries).
    pub name: String,
    /// When `evident init` created it (RFC 3339, UTC).
    pub created_at: String,
    /// The layout version; a newer Evident refuses to guess at an older layout.
    pub format_version: u32,
}

/// `[privacy]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySection {
    /// The pseudonymisation key file: outside the workspace, mode 0600.
    pub key_file: PathBuf,
}

/// `[checks]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksSection {
    /// Dates before this are rejected as implausible (`YYYY-MM-DD`).
    #[serde(default = "default_earliest_date")]
    pub earliest_date: String,
    /// Ages above this are rejected as implausible.
    #[serde(default = "default_max_age")]
    pub max_age: i32,
    /// Fields longer than this many bytes are rejected.
    #[serde(default = "default_max_field_bytes")]
    pub max_field_bytes: usize,
}

impl Default for ChecksSection {
    fn default() -> Self {
        ChecksSection {
            earliest_date: default_earliest_date(),
            max_age: default_max_age(),
            max_field_bytes: default_max_field_bytes(),
        }
    }
}

impl ChecksSection {
    /// The earliest date as a date.
    pub fn earliest(&self) -> Result<NaiveDate, StoreError> {
        NaiveDate::parse_from_str(&self.earliest_date, "%Y-%m-%d").map_err(|_| StoreError::Config {
            path: PathBuf::from(CONFIG_FILE),
            message: format!(
                "[checks] earliest_date = {:?} is not a date in the form YYYY-MM-DD",
                self.earliest_date
            ),
        })
    }
}

fn default_earliest_date() -> String {
    "1900-01-01".to_owned()
}

fn default_max_age() -> i32 {
    120
}

fn default_max_field_bytes() -> usize {
    64 * 1024
}

impl WorkspaceConfig {
    /// Reads and checks `evident.toml` in `root`.
    pub fn load(root: &Path) -> Result<WorkspaceConfig, StoreError> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotAWorkspace {
                    path: root.to_path_buf(),
                }
            } else {
                StoreError::Io {
                    path: path.clone(),
                    error: source,
                }
            }
        })?;
        let config: WorkspaceConfig = toml::from_str(&text).map_err(|e| StoreError::Config {
            path: path.clone(),
            message: match e.span() {
                Some(span) => format!(
                    "{} (line {})",
                    e.message().trim(),
                    text[..span.start.min(text.len())].matches('\n').count() + 1
                ),
                None => e.message().trim().to_owned(),
            },
        })?;
        if config.workspace.format_version != FORMAT_VERSION {
            return Err(StoreError::Config {
                path,
                message: format!(
                    "workspace format version {} is not supported by this Evident (it reads version {FORMAT_VERSION})",
                    config.workspace.format_version
                ),
            });
        }
        config.checks.earliest().map_err(|e| match e {
            StoreError::Config { message, .. } => StoreError::Config {
                path: path.clone(),
                message,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Writes the file with a short explanatory header.
    pub fn save(&self, root: &Path) -> Result<(), StoreError> {
        let path = root.join(CONFIG_FILE);
        let body = toml::to_string_pretty(self).map_err(|e| StoreError::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let text = format!(
            "# Evident workspace configuration (see docs/workspace.md).\n\
             # The pseudonymisation key is deliberately NOT in this directory: keep\n\
             # [privacy] key_file outside the workspace, readable only by its owner.\n\n{body}"
        );
        std::fs::write(&path, text).map_err(|error| StoreError::Io { path, error })
    }
}
