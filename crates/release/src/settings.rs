//! What the caller decides about a release: its id and timestamp, the area
//! codelist, the inputs recorded in the manifest, and the disclosure method.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use evident_disclosure::Rules;
pub use evident_sdmx::crime::Area;

use crate::error::{ReleaseError, Result};

/// How the counts of a release are protected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Control {
    /// Primary and secondary cell suppression with the interval audit
    /// (`evident-disclosure`'s `protect`).
    Suppression {
        /// Thresholds and protection.
        rules: Rules,
    },
    /// Unbiased random rounding of every count to a multiple of `base`.
    RandomRounding {
        /// The rounding base (3 or 5 in practice).
        base: u64,
        /// The seed: the same seed gives the same rounding.
        seed: u64,
    },
    /// Unbiased controlled rounding (Cox 1987); only groups that reduce to a
    /// one- or two-way table with one level below each total can be rounded so.
    ControlledRounding {
        /// The rounding base.
        base: u64,
        /// The seed.
        seed: u64,
    },
}

impl Default for Control {
    fn default() -> Control {
        Control::Suppression {
            rules: Rules::default(),
        }
    }
}

/// A batch of records the release was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputBatch {
    /// The store's batch id.
    pub id: i64,
    /// Its record kind (`offence`, `person` …).
    pub kind: String,
}

/// What the release was computed from, recorded in its manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// The version of Evident that computed it (e.g. a git commit or `0.1.0`).
    pub code_version: String,
    /// The committed batches the store listed when the tables were computed.
    pub batches: Vec<InputBatch>,
    /// Versions of the correspondence tables that classified the offences.
    pub mapping_versions: Vec<i64>,
    /// Parameters of the computation (periods, breakdown, date basis …).
    pub parameters: BTreeMap<String, String>,
}

/// Everything about a release except its tables.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseSettings {
    /// The release id: letters, digits, `_` and `-`, at most 64 characters,
    /// starting with a letter or digit. It names the directory and the SDMX messages.
    pub id: String,
    /// When the release was made, as an ISO 8601 / `xs:dateTime` UTC timestamp
    /// (`2025-03-31T09:00:00Z`). Given by the caller so that the same inputs
    /// give the same bytes.
    pub created: String,
    /// The publishing agency (SDMX maintenance agency), e.g. `NSO_XX`.
    pub agency: String,
    /// The version of the release's SDMX artefacts, e.g. `1.0`.
    pub sdmx_version: String,
    /// The area codelist (regions have no parent).
    pub areas: Vec<Area>,
    /// What the release was computed from.
    pub inputs: Inputs,
    /// How the counts are protected.
    pub control: Control,
}

impl ReleaseSettings {
    /// Checks the id, the timestamp and the disclosure settings.
    pub fn validate(&self) -> Result<()> {
        check_id(&self.id)?;
        if !is_timestamp(&self.created) {
            return Err(ReleaseError::Settings(format!(
                "created {:?} is not a UTC timestamp such as 2025-03-31T09:00:00Z",
                self.created
            )));
        }
        if self.agency.is_empty() || self.sdmx_version.is_empty() {
            return Err(ReleaseError::Settings(
                "agency and sdmx_version must not be empty".to_owned(),
            ));
        }
        match &self.control {
            Control::Suppression { rules } => rules
                .validate()
                .map_err(|e| ReleaseError::Settings(e.to_string())),
            Control::RandomRounding { base, .. } | Control::ControlledRounding { base, .. } => {
                if *base < 2 {
                    Err(ReleaseError::Settings(format!(
                        "rounding base must be at least 2, got {base}"
                    )))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Checks that a release id can name a directory and an SDMX message.
pub fn check_id(id: &str) -> Result<()> {
    let invalid = |reason: &str| {
        Err(ReleaseError::InvalidId {
            id: id.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if id.is_empty() || id.len() > 64 {
        return invalid("it must have 1 to 64 characters");
    }
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return invalid("it must start with a letter or a digit");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return invalid("only letters, digits, '_' and '-' are allowed");
    }
    Ok(())
}

/// `YYYY-MM-DDThh:mm:ss` with optional fraction, ending in `Z`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20 || !s.ends_with('Z') {
        return false;
    }
    let fixed = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    let rest = &s[19..s.len() - 1];
    fixed
        && (rest.is_empty()
            || (rest.starts_with('.')
                && rest.len() > 1
                && rest[1..].bytes().all(|c| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_timestamps() {
        assert!(check_id("REL_2025-1").is_ok());
        for bad in ["", "../x", ".hidden", "a b", "a/b", &"x".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        assert!(is_timestamp("2025-03-31T09:00:00Z"));
        assert!(is_timestamp("2025-03-31T09:00:00.125Z"));
        for bad in [
            "2025-03-31",
            "2025-03-31T09:00:00",
            "2025-03-31 09:00:00Z",
            "2025-03-31T09:00:00.Z",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }
}
