//! Pseudonymisation: identifiers are replaced by HMAC-SHA-256 (Krawczyk,
//! Bellare and Canetti, RFC 2104, 1997; SHA-256 per FIPS 180-4) keyed with the
//! workspace key, as 64 lowercase hex digits. The same identifier gives the
//! same pseudonym in every file and batch, so records link; without the key
//! the pseudonym cannot be reversed or recomputed from a guessed identifier.
//!
//! A quarantine export writes pseudonyms as `pseudonym:<hex>`; such a value is
//! taken as already pseudonymised when the corrected file is ingested again.

use evident_store::PseudonymKey;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The prefix that marks an already pseudonymised value.
pub const TOKEN_PREFIX: &str = "pseudonym:";

/// Separates namespace and parts inside the hashed message; a control
/// character that does not occur in identifiers.
const SEPARATOR: u8 = 0x1f;

/// Computes pseudonyms with one key.
#[derive(Clone)]
pub struct Pseudonymiser {
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(..)")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser keyed with the workspace key.
    pub fn new(key: &PseudonymKey) -> Pseudonymiser {
        Pseudonymiser::from_key_bytes(key.bytes())
    }

    fn from_key_bytes(bytes: &[u8]) -> Pseudonymiser {
        // HMAC accepts keys of any length, so this cannot fail; fall back to an
        // empty-key state only to avoid a panic path.
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(bytes)
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        Pseudonymiser { keyed }
    }

    /// The pseudonym of the identifier made of `parts` (one part for a plain
    /// identifier, several for a linkage key such as surname + date of birth),
    /// within `namespace` (empty for none), written into `out` as hex.
    pub fn pseudonym_into(&self, namespace: &str, parts: &[&str], out: &mut String) {
        let mut mac = self.keyed.clone();
        if !namespace.is_empty() {
            mac.update(namespace.as_bytes());
            mac.update(&[SEPARATOR]);
        }
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(&[SEPARATOR]);
            }
            mac.update(part.as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        out.clear();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for byte in digest.iter() {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }

    /// The pseudonym as a new string.
    pub fn pseudonym(&self, namespace: &str, parts: &[&str]) -> String {
        let mut out = String::with_capacity(64);
        self.pseudonym_into(namespace, parts, &mut out);
        out
    }
}

/// The hex of a `pseudonym:<hex>` token, if `value` is one.
pub fn token_value(value: &str) -> Option<&str> {
    let hex = value.strip_prefix(TOKEN_PREFIX)?;
    (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let p = Pseudonymiser::from_key_bytes(b"Jefe");
        assert_eq!(
            p.pseudonym("", &["what do ya want for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn matches_rfc_4231_test_case_1() {
        // RFC 4231 §4.2: key 0x0b × 20, data "Hi There".
        let p = Pseudonymiser::from_key_bytes(&[0x0b; 20]);
        assert_eq!(
            p.pseudonym("", &["Hi There"]),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn parts_and_namespaces_are_kept_apart() {
        let p = Pseudonymiser::new(&PseudonymKey::from_bytes([7; 32]));
        // "ab"+"c" and "a"+"bc" must differ, and so must a namespaced identifier.
        assert_ne!(p.pseudonym("", &["ab", "c"]), p.pseudonym("", &["a", "bc"]));
        assert_ne!(p.pseudonym("police", &["123"]), p.pseudonym("", &["123"]));
        assert_eq!(p.pseudonym("", &["123"]), p.pseudonym("", &["123"]));
        let other = Pseudonymiser::new(&PseudonymKey::from_bytes([8; 32]));
        assert_ne!(p.pseudonym("", &["123"]), other.pseudonym("", &["123"]));
    }

    #[test]
    fn tokens_are_recognised_only_when_well_formed() {
        let hex = "a".repeat(64);
        assert_eq!(token_value(&format!("pseudonym:{hex}")), Some(hex.as_str()));
        assert_eq!(token_value(&format!("pseudonym:{}", "A".repeat(64))), None);
        assert_eq!(token_value("pseudonym:abc"), None);
        assert_eq!(token_value(&hex), None);
    }
}
