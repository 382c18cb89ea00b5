//! The pseudonymisation key: 32 random bytes in a file outside the workspace,
//! readable by its owner only. The key never enters the store, the catalog, logs
//! or releases; this module is the only place that reads or writes it.

use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::error::StoreError;

/// Bytes in a key (the HMAC-SHA-256 block-size guidance: at least the output length).
pub const KEY_BYTES: usize = 32;

/// The secret behind person pseudonyms. `Debug` never shows it.
#[derive(Clone)]
pub struct PseudonymKey {
    bytes: [u8; KEY_BYTES],
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    /// The raw key, for the keyed hash. Do not print, log or store it.
    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.bytes
    }

    /// A key from known bytes (tests and key rotation tools).
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> PseudonymKey {
        PseudonymKey { bytes }
    }

    /// Creates a new random key file at `path` with mode 0600. An existing file
    /// is never overwritten: it is loaded instead, so several workspaces can share
    /// a key and link the same people.
    pub fn create_or_load(path: &Path) -> Result<(PseudonymKey, bool), StoreError> {
        if path.exists() {
            return Ok((PseudonymKey::load(path)?, false));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.to_path_buf(),
                error: source,
            })?;
        }
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let io = |error| StoreError::Io {
            path: path.to_path_buf(),
            error,
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        writeln!(file, "{}", hex::encode(bytes)).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok((PseudonymKey { bytes }, true))
    }

    /// Reads the key, refusing a file that others can read.
    pub fn load(path: &Path) -> Result<PseudonymKey, StoreError> {
        let io = |error| StoreError::Io {
            path: path.to_path_buf(),
            error,
        };
        let meta = std::fs::metadata(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StoreError::KeyMissing {
                    path: path.to_path_buf(),
                }
            } else {
                io(source)
            }
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreError::KeyPermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let decoded = hex::decode(text.trim()).ok();
        let bytes: [u8; KEY_BYTES] =
            decoded
                .and_then(|d| d.try_into().ok())
                .ok_or_else(|| StoreError::KeyMalformed {
                    path: path.to_path_buf(),
                })?;
        Ok(PseudonymKey { bytes })
    }
}

/// Where `evident init` puts a new key unless told otherwise:
/// `$EVIDENT_KEY_DIR`, else `$XDG_CONFIG_HOME/evident/keys`, else
/// `$HOME/.config/evident/keys`, named after the workspace.
pub fn default_key_path(workspace_name: &str) -> PathBuf {
    let dir = std::env::var_os("EVIDENT_KEY_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("evident/keys"))
        })
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/evident/keys")))
        .unwrap_or_else(|| PathBuf::from("/etc/evident/keys"));
    let mut tag = [0u8; 4];
    rand::rng().fill_bytes(&mut tag);
    let safe: String = workspace_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}-{}.key", hex::encode(tag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_key_is_owner_only_and_reloads_identically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/k.key");
        let (created, fresh) = PseudonymKey::create_or_load(&path).unwrap();
        assert!(fresh);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 64, "hex of 32 bytes");
        let (again, fresh) = PseudonymKey::create_or_load(&path).unwrap();
        assert!(!fresh, "an existing key is reused, never overwritten");
        assert_eq!(again.bytes(), created.bytes());
        assert_eq!(format!("{again:?}"), "PseudonymKey(..)");
    }

    #[test]
    fn key_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        std::fs::write(&path, format!("{}\n", "ab".repeat(32))).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let message = PseudonymKey::load(&path).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "the pseudonymisation key {} is readable by other users (mode 0644); run `chmod 600 {}`",
                path.display(),
                path.display()
            )
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let key = PseudonymKey::load(&path).unwrap();
        assert_eq!(key.bytes(), &[0xab; 32]);
    }
}
