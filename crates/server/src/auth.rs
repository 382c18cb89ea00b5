//! API tokens and who is calling.
//!
//! A token reads `evt_<id>_<secret>`: the id finds the token's row in the
//! catalog, the secret (32 random bytes, 64 hexadecimal digits) is checked
//! against the Argon2id hash stored there (Biryukov, Dinu & Khovratovich 2016,
//! *Argon2: new generation of memory-hard functions for password hashing and
//! other applications*, RFC 9106). The secret itself is shown once, when the
//! token is created, and never stored.
//!
//! Argon2 is slow on purpose, so a token that has been checked once is
//! remembered by the SHA-256 of its text; every request still reads the
//! token's row, so revocation, expiry, a disabled account and a role change
//! take effect at once. Failed attempts are slowed down per client address:
//! each one waits before it is answered, longer after every failure, and
//! attempts from an address with failures are checked one at a time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use evident_store::{Role, Workspace};
use rand::TryRngCore;
use sha2::{Digest, Sha256};

/// The start of every token, so that a leaked one is easy to recognise (and
/// to search for in logs and repositories).
pub const TOKEN_PREFIX: &str = "evt_";

/// The shortest wait before a failed attempt is answered.
const FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest.
const MAX_DELAY: Duration = Duration::from_secs(8);
/// Failures older than this are forgotten.
const FAILURE_MEMORY: Duration = Duration::from_secs(15 * 60);
/// Checked tokens remembered (beyond this, the oldest half is forgotten).
const MAX_REMEMBERED: usize = 10_000;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account, or `None` for an anonymous (public) caller.
    pub user: Option<String>,
    /// The role: `Public` without a token.
    pub role: Role,
    /// The token used.
    pub token_id: Option<i64>,
}

impl Caller {
    /// Someone without a token.
    pub fn anonymous() -> Caller {
        Caller {
            user: None,
            role: Role::Public,
            token_id: None,
        }
    }

    /// Whether the caller's role includes `role`.
    pub fn may(&self, role: Role) -> bool {
        self.role >= role
    }
}

/// Why a presented token was refused. The message is safe to show: it never
/// says whether the token's id exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a token of ours, unknown, or the secret does not match.
    Invalid,
    /// It expired.
    Expired,
    /// It was revoked, or its account disabled.
    Revoked,
}

impl Refusal {
    /// Stable code for API errors.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Invalid => "invalid_token",
            Refusal::Expired => "expired_token",
            Refusal::Revoked => "revoked_token",
        }
    }

    /// A message for people.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Invalid => "The token is not valid.",
            Refusal::Expired => "The token has expired: ask an administrator for a new one.",
            Refusal::Revoked => "The token was revoked or its account disabled.",
        }
    }
}

/// Hashing failed (the random source or the hash parameters).
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the token: {0}")]
pub struct HashError(String);

/// A new token: the text to hand to its owner once, and the hash to store.
#[derive(Debug, Clone)]
pub struct NewSecret {
    /// The secret part (64 hexadecimal digits).
    pub secret: String,
    /// Its Argon2id hash (PHC string).
    pub hash: String,
}

/// Draws a new secret from the operating system's random source and hashes it.
pub fn new_secret() -> Result<NewSecret, HashError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| HashError(e.to_string()))?;
    let secret = hex::encode(bytes);
    let hash = hash_secret(&secret)?;
    Ok(NewSecret { secret, hash })
}

/// The Argon2id hash (default parameters of RFC 9106's second recommended
/// option: 19 MiB, 2 passes) of a secret, with a random salt.
pub fn hash_secret(secret: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `secret` matches a stored hash (false for a malformed hash).
pub fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The hash checked when a presented token's id is unknown (a hash of a
/// secret no token can have: it is not 64 hexadecimal digits).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_secret("no token has this secret").unwrap_or_default())
}

/// The text of a token.
pub fn format_token(id: i64, secret: &str) -> String {
    format!("{TOKEN_PREFIX}{id}_{secret}")
}

/// The id and secret of a token's text, if it has the shape of one.
pub fn parse_token(text: &str) -> Option<(i64, &str)> {
    let rest = text.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id: i64 = id.parse().ok().filter(|&i| i > 0)?;
    (secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())).then_some((id, secret))
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Checks tokens against the catalog and slows down failed attempts.
pub struct Authenticator {
    ws: Arc<Workspace>,
    /// SHA-256 of a token's text → its id, for tokens whose secret was verified.
    verified: Mutex<HashMap<[u8; 32], i64>>,
    failures: Mutex<HashMap<IpAddr, Failures>>,
    /// One lock per address with recent failures: its attempts queue up.
    queues: Mutex<HashMap<IpAddr, Arc<tokio::sync::Mutex<()>>>>,
    first_delay: Duration,
}

impl Authenticator {
    /// An authenticator over the workspace's catalog.
    pub fn new(ws: Arc<Workspace>) -> Authenticator {
        Authenticator {
            ws,
            verified: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            queues: Mutex::new(HashMap::new()),
            first_delay: FIRST_DELAY,
        }
    }

    /// How long the next failed attempt from `ip` waits: 250 ms, doubling with
    /// each recent failure, at most 8 s.
    pub fn delay_for(&self, ip: IpAddr) -> Duration {
        let count = self
            .failures
            .lock()
            .ok()
            .and_then(|f| f.get(&ip).copied())
            .filter(|f| f.last.elapsed() < FAILURE_MEMORY)
            .map_or(0, |f| f.count);
        let factor = 1u32 << count.min(6);
        (self.first_delay * factor).min(MAX_DELAY)
    }

    fn recent_failures(&self, ip: IpAddr) -> bool {
        self.failures
            .lock()
            .ok()
            .and_then(|f| f.get(&ip).copied())
            .is_some_and(|f| f.last.elapsed() < FAILURE_MEMORY)
    }

    fn record_failure(&self, ip: IpAddr) {
        if let Ok(mut failures) = self.failures.lock() {
            if failures.len() > MAX_REMEMBERED {
                failures.retain(|_, f| f.last.elapsed() < FAILURE_MEMORY);
            }
            let entry = failures.entry(ip).or_insert(Failures {
                count: 0,
                last: Instant::now(),
            });
            if entry.last.elapsed() >= FAILURE_MEMORY {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = Instant::now();
        }
    }

    fn forget_failures(&self, ip: IpAddr) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&ip);
        }
    }

    fn queue(&self, ip: IpAddr) -> Arc<tokio::sync::Mutex<()>> {
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if queues.len() > MAX_REMEMBERED {
            queues.retain(|_, q| Arc::strong_count(q) > 1);
        }
        queues.entry(ip).or_default().clone()
    }

    /// Who presents this token (the text after `Bearer `). A refusal has
    /// already waited out its delay when it is returned.
    pub async fn authenticate(&self, token: &str, ip: IpAddr) -> Result<Caller, Refusal> {
        if self.recent_failures(ip) {
            let queue = self.queue(ip);
            let _turn = queue.lock().await;
            self.check_or_wait(token, ip).await
        } else {
            self.check_or_wait(token, ip).await
        }
    }

    async fn check_or_wait(&self, token: &str, ip: IpAddr) -> Result<Caller, Refusal> {
        match self.check(token).await {
            Ok(caller) => {
                self.forget_failures(ip);
                Ok(caller)
            }
            Err(refusal) => {
                let delay = self.delay_for(ip);
                self.record_failure(ip);
                tokio::time::sleep(delay).await;
                Err(refusal)
            }
        }
    }

    async fn check(&self, token: &str) -> Result<Caller, Refusal> {
        let (id, secret) = parse_token(token).ok_or(Refusal::Invalid)?;
        let credential = self.ws.token_credential(id).await.map_err(|e| {
            tracing::error!(error = %e, "reading a token from the catalog");
            Refusal::Invalid
        })?;
        let Some(credential) = credential else {
            // An unknown id costs one hash verification too, so that the time
            // of the answer does not tell which token ids exist.
            let secret = secret.to_owned();
            let _ = tokio::task::spawn_blocking(move || verify_secret(&secret, decoy_hash())).await;
            return Err(Refusal::Invalid);
        };
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let known = self.verified.lock().ok().and_then(|v| v.get(&key).copied()) == Some(id);
        if !known {
            let secret = secret.to_owned();
            let hash = credential.hash.clone();
            let matches = tokio::task::spawn_blocking(move || verify_secret(&secret, &hash))
                .await
                .unwrap_or(false);
            if !matches {
                return Err(Refusal::Invalid);
            }
            if let Ok(mut verified) = self.verified.lock() {
                if verified.len() >= MAX_REMEMBERED {
                    verified.clear();
                }
                verified.insert(key, id);
            }
        }
        if credential.revoked_at.is_some() || credential.user.disabled_at.is_some() {
            return Err(Refusal::Revoked);
        }
        if let Some(expires) = &credential.expires_at
            && evident_store::now_utc().as_str() >= expires.as_str()
        {
            return Err(Refusal::Expired);
        }
        Ok(Caller {
            user: Some(credential.user.name),
            role: credential.user.role,
            token_id: Some(credential.id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_one_shape() {
        let secret = "a".repeat(64);
        let token = format_token(12, &secret);
        assert_eq!(token, format!("evt_12_{secret}"));
        assert_eq!(parse_token(&token), Some((12, secret.as_str())));
        for bad in [
            "".to_owned(),
            "evt_".to_owned(),
            format!("evt_0_{secret}"),
            format!("evt_-3_{secret}"),
            format!("evt_12_{}", "a".repeat(63)),
            format!("evt_12_{}", "g".repeat(64)),
            format!("xyz_12_{secret}"),
            format!("evt_12x_{secret}"),
        ] {
            assert_eq!(parse_token(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_hash_verifies_its_secret_only() {
        let new = new_secret().unwrap();
        assert_eq!(new.secret.len(), 64);
        assert!(new.hash.starts_with("$argon2id$v=19$"), "{}", new.hash);
        assert!(verify_secret(&new.secret, &new.hash));
        let mut other = new.secret.clone();
        other.replace_range(0..1, if other.starts_with('0') { "1" } else { "0" });
        assert!(!verify_secret(&other, &new.hash));
        assert!(!verify_secret(&new.secret, "not a hash"));
        // Two hashes of one secret differ (random salt), both verify.
        let again = hash_secret(&new.secret).unwrap();
        assert_ne!(again, new.hash);
        assert!(verify_secret(&new.secret, &again));
    }

    #[tokio::test]
    async fn an_unknown_token_id_is_checked_against_the_decoy_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let options = evident_store::InitOptions {
            key_file: Some(dir.path().join("key")),
            ..Default::default()
        };
        let (ws, _) = Workspace::init(&dir.path().join("ws"), options)
            .await
            .unwrap();
        let auth = Authenticator::new(Arc::new(ws));
        let token = format_token(42, &"a".repeat(64));
        assert_eq!(auth.check(&token).await, Err(Refusal::Invalid));
        // The decoy is a real Argon2id hash that no 64-digit secret matches.
        assert!(decoy_hash().starts_with("$argon2id$"));
        assert!(!verify_secret(&"a".repeat(64), decoy_hash()));
        assert!(verify_secret("no token has this secret", decoy_hash()));
    }

    #[tokio::test]
    async fn delays_double_with_each_failure_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let options = evident_store::InitOptions {
            key_file: Some(dir.path().join("key")),
            ..Default::default()
        };
        let (ws, _) = Workspace::init(&dir.path().join("ws"), options)
            .await
            .unwrap();
        let mut auth = Authenticator::new(Arc::new(ws));
        auth.first_delay = Duration::from_millis(1);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(auth.delay_for(ip).as_millis());
            assert_eq!(
                auth.authenticate("evt_1_nope", ip).await,
                Err(Refusal::Invalid)
            );
        }
        assert_eq!(seen, [1, 2, 4, 8]);
        assert_eq!(auth.delay_for(other).as_millis(), 1);
        auth.first_delay = Duration::from_secs(1);
        assert_eq!(auth.delay_for(ip), MAX_DELAY, "1 s × 16 is capped at 8 s");
    }
}
