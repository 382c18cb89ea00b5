//! Server accounts, their API tokens and queries over the audit log.
//!
//! The catalog keeps who may use `evident serve` (`users`: a name, a role, and
//! whether the account is disabled) and their API tokens (`tokens`): only a
//! hash of each token's secret is stored, computed by the caller, so this
//! module never sees a secret. Every change here (a user added, a role
//! changed, an account disabled, a token created or revoked) is written to the
//! append-only audit log in the same transaction as the change itself.
//!
//! It knows nothing of HTTP or of how tokens are hashed and checked: that is
//! the server's business.

use std::fmt;
use std::str::FromStr;

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::error::StoreError;
use crate::workspace::{AuditEntry, Workspace, audit_entry, insert_audit, now_utc};

/// What a server account may see and do. Each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Published releases only (what anyone without a token gets).
    Public,
    /// Also live queries on the store, after disclosure control.
    Analyst,
    /// Also live queries without disclosure control.
    Microdata,
    /// Also batches, quarantine, mapping coverage and the audit log.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Public, Role::Analyst, Role::Microdata, Role::Admin];

    /// The name stored in the catalog and used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Analyst => "analyst",
            Role::Microdata => "microdata",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = UserError;

    fn from_str(s: &str) -> Result<Role, UserError> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UserError::UnknownRole(s.to_owned()))
    }
}

/// What can go wrong with accounts and tokens.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A role name that is not one of the four.
    #[error("unknown role {0:?}: expected public, analyst, microdata or admin")]
    UnknownRole(String),
    /// A user name that cannot be used.
    #[error("user name {name:?} is not valid: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Adding a user whose name is taken.
    #[error("user {0:?} exists already")]
    UserExists(String),
    /// A user the catalog does not know.
    #[error("no user {0:?} in this workspace (see `evident users list`)")]
    NoSuchUser(String),
    /// A disabled user cannot be given new tokens.
    #[error("user {0:?} is disabled")]
    UserDisabled(String),
    /// A token id the catalog does not know.
    #[error("no token {0} in this workspace (see `evident tokens list`)")]
    NoSuchToken(i64),
    /// Revoking a token twice.
    #[error("token {id} was already revoked at {at}")]
    AlreadyRevoked {
        /// The token.
        id: i64,
        /// When.
        at: String,
    },
    /// The catalog failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for UserError {
    fn from(error: sqlx::Error) -> Self {
        UserError::Store(StoreError::from(error))
    }
}

/// A server account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: i64,
    /// Its unique name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// When it was added (RFC 3339, UTC).
    pub created_at: String,
    /// When it was disabled, if it was.
    pub disabled_at: Option<String>,
}

/// An API token as the catalog records it (its hash is not included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its id (part of the token, so the server can find its hash).
    pub id: i64,
    /// The user it belongs to.
    pub user: String,
    /// What it is for, in the owner's words.
    pub label: String,
    /// When it was created.
    pub created_at: String,
    /// When it stops working, if ever.
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Everything the server needs to decide whether a token may be used now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCredential {
    /// The token id.
    pub id: i64,
    /// The stored hash of its secret.
    pub hash: String,
    /// When it expires, if ever.
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Its user.
    pub user: User,
}

/// An entry for the audit log, written with others in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details.
    pub detail: serde_json::Value,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this action (`request`, `publish`, `user.role` …).
    pub action: Option<String>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only entries at or after this time (RFC 3339, compared as text).
    pub since: Option<String>,
    /// Only entries with an id above this one (for paging forward).
    pub after_id: Option<i64>,
    /// At most this many, the newest ones (all when `None`).
    pub limit: Option<u64>,
}

/// Letters, digits and `.`, `_`, `-`, `@`; 1 to 64 characters; not starting
/// with punctuation (so a name never looks like a command-line flag).
pub fn check_user_name(name: &str) -> Result<(), UserError> {
    let invalid = |reason| {
        Err(UserError::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() || name.len() > 64 {
        return invalid("it must have 1 to 64 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return invalid("it must start with a letter or a digit");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return invalid("only letters, digits, '.', '_', '-' and '@' are allowed");
    }
    Ok(())
}

fn user_from_row(row: &SqliteRow) -> Result<User, UserError> {
    let role: Option<String> = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        name: row
            .try_get::<Option<String>, _>("name")?
            .unwrap_or_default(),
        role: role.as_deref().unwrap_or("public").parse()?,
        created_at: row
            .try_get::<Option<String>, _>("created_at")?
            .unwrap_or_default(),
        disabled_at: row.try_get("disabled_at")?,
    })
}

fn token_from_row(row: &SqliteRow) -> Result<TokenRecord, UserError> {
    Ok(TokenRecord {
        id: row.try_get("id")?,
        user: row
            .try_get::<Option<String>, _>("user_name")?
            .unwrap_or_default(),
        label: row
            .try_get::<Option<String>, _>("label")?
            .unwrap_or_default(),
        created_at: row
            .try_get::<Option<String>, _>("created_at")?
            .unwrap_or_default(),
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

macro_rules! user_select {
    () => {
        "SELECT id, name, role, created_at, disabled_at FROM users"
    };
}

macro_rules! token_select {
    () => {
        "SELECT t.id, u.name AS user_name, t.label, t.created_at, t.expires_at, t.revoked_at \
         FROM tokens t JOIN users u ON u.id = t.user_id"
    };
}

impl Workspace {
    /// Adds a server account (refused if the name is taken) and audits it.
    pub async fn add_user(&self, name: &str, role: Role, actor: &str) -> Result<User, UserError> {
        check_user_name(name)?;
        let at = now_utc();
        let mut tx = self.pool().begin().await?;
        let taken: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE name = ?")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if taken > 0 {
            return Err(UserError::UserExists(name.to_owned()));
        }
        sqlx::query("INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(role.name())
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        insert_audit(
            &mut tx,
            &at,
            actor,
            "user.add",
            &format!("user {name}"),
            &serde_json::json!({ "role": role.name() }),
        )
        .await?;
        tx.commit().await?;
        self.user(name).await
    }

    /// Changes a user's role and audits the change (old and new role). Tokens
    /// carry no role of their own, so the change applies to them at once.
    pub async fn set_role(&self, name: &str, role: Role, actor: &str) -> Result<User, UserError> {
        let before = self.user(name).await?;
        let at = now_utc();
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE users SET role = ? WHERE id = ?")
            .bind(role.name())
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
        insert_audit(
            &mut tx,
            &at,
            actor,
            "user.role",
            &format!("user {name}"),
            &serde_json::json!({ "from": before.role.name(), "to": role.name() }),
        )
        .await?;
        tx.commit().await?;
        self.user(name).await
    }

    /// Disables an account: its tokens stop working at once. Audited.
    pub async fn disable_user(&self, name: &str, actor: &str) -> Result<User, UserError> {
        let before = self.user(name).await?;
        if before.disabled_at.is_some() {
            return Ok(before);
        }
        let at = now_utc();
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE users SET disabled_at = ? WHERE id = ?")
            .bind(&at)
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
        insert_audit(
            &mut tx,
            &at,
            actor,
            "user.disable",
            &format!("user {name}"),
            &serde_json::json!({ "role": before.role.name() }),
        )
        .await?;
        tx.commit().await?;
        self.user(name).await
    }

    /// One user, by name.
    pub async fn user(&self, name: &str) -> Result<User, UserError> {
        let row = sqlx::query(concat!(user_select!(), " WHERE name = ?"))
            .bind(name)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
        user_from_row(&row)
    }

    /// Every user, in order of creation.
    pub async fn users(&self) -> Result<Vec<User>, UserError> {
        let rows = sqlx::query(concat!(user_select!(), " ORDER BY id"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Records a new token of `user` whose secret hashes to `hash`, and audits
    /// it (without the hash). The caller builds the token from the returned id.
    pub async fn add_token(
        &self,
        user: &str,
        hash: &str,
        label: &str,
        expires_at: Option<&str>,
        actor: &str,
    ) -> Result<TokenRecord, UserError> {
        let owner = self.user(user).await?;
        if owner.disabled_at.is_some() {
            return Err(UserError::UserDisabled(user.to_owned()));
        }
        let at = now_utc();
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO tokens (user_id, hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(owner.id)
        .bind(hash)
        .bind(label)
        .bind(&at)
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        insert_audit(
            &mut tx,
            &at,
            actor,
            "token.create",
            &format!("token {id}"),
            &serde_json::json!({ "user": user, "label": label, "expires_at": expires_at }),
        )
        .await?;
        tx.commit().await?;
        self.token(id).await
    }

    /// Revokes a token (it stops working at once) and audits it.
    pub async fn revoke_token(&self, id: i64, actor: &str) -> Result<TokenRecord, UserError> {
        let token = self.token(id).await?;
        if let Some(at) = token.revoked_at {
            return Err(UserError::AlreadyRevoked { id, at });
        }
        let at = now_utc();
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE tokens SET revoked_at = ? WHERE id = ?")
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_audit(
            &mut tx,
            &at,
            actor,
            "token.revoke",
            &format!("token {id}"),
            &serde_json::json!({ "user": token.user, "label": token.label }),
        )
        .await?;
        tx.commit().await?;
        self.token(id).await
    }

    /// One token, by id.
    pub async fn token(&self, id: i64) -> Result<TokenRecord, UserError> {
        let row = sqlx::query(concat!(token_select!(), " WHERE t.id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(UserError::NoSuchToken(id))?;
        token_from_row(&row)
    }

    /// Every token, or those of one user, in order of creation.
    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenRecord>, UserError> {
        let rows = sqlx::query(concat!(
            token_select!(),
            " WHERE (?1 IS NULL OR u.name = ?1) ORDER BY t.id"
        ))
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// The stored hash, validity and owner of a token, for checking a
    /// presented token; `None` if there is no such token.
    pub async fn token_credential(&self, id: i64) -> Result<Option<TokenCredential>, UserError> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.hash, t.expires_at, t.revoked_at, \
                    u.id, u.name, u.role, u.created_at, u.disabled_at \
             FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(TokenCredential {
                id: row.try_get("token_id")?,
                hash: row
                    .try_get::<Option<String>, _>("hash")?
                    .unwrap_or_default(),
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
                user: user_from_row(&row)?,
            })
        })
        .transpose()
    }

    /// Appends several entries to the audit log in one transaction (all or none).
    pub async fn append_audit_entries(&self, entries: &[NewAuditEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        for e in entries {
            insert_audit(&mut tx, &e.at, &e.actor, &e.action, &e.target, &e.detail).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Audit entries matching `query`, oldest first (the newest `limit` of them).
    pub async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = query
            .limit
            .map(|l| l.min(i64::MAX as u64) as i64)
            .unwrap_or(-1);
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, detail_json FROM (
                 SELECT * FROM audit_log
                 WHERE (?1 IS NULL OR action = ?1) AND (?2 IS NULL OR actor = ?2)
                   AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR id > ?4)
                 ORDER BY id DESC LIMIT ?5
             ) ORDER BY id",
        )
        .bind(&query.action)
        .bind(&query.actor)
        .bind(&query.since)
        .bind(query.after_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_entry).collect()
    }

    /// Rows set aside as invalid, counted by reason, largest first; retracted
    /// batches are left out.
    pub async fn quarantine_reasons(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.reason, COUNT(DISTINCT q.batch_id || ':' || q.row_index) AS n
             FROM quarantine q JOIN batches b ON b.id = q.batch_id
             WHERE q.category = 'invalid' AND b.retracted_at IS NULL
             GROUP BY q.reason ORDER BY n DESC, q.reason",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get::<i64, _>(1)?.max(0) as u64)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::InitOptions;

    async fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let options = InitOptions {
            key_file: Some(dir.path().join("key")),
            ..InitOptions::default()
        };
        let (ws, _) = Workspace::init(&dir.path().join("ws"), options)
            .await
            .unwrap();
        (dir, ws)
    }

    #[test]
    fn roles_are_ordered_and_named() {
        assert!(Role::Public < Role::Analyst && Role::Analyst < Role::Microdata);
        assert!(Role::Microdata < Role::Admin);
        assert_eq!("microdata".parse::<Role>().unwrap(), Role::Microdata);
        assert!(matches!("root".parse::<Role>(), Err(UserError::UnknownRole(r)) if r == "root"));
        for bad in ["", "-rf", "a b", "x/y", &"a".repeat(65)] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_user_name("ana.lopez@nso").is_ok());
    }

    #[tokio::test]
    async fn users_tokens_and_their_audit_trail() {
        let (_dir, ws) = workspace().await;
        let ana = ws.add_user("ana", Role::Analyst, "admin1").await.unwrap();
        assert_eq!((ana.name.as_str(), ana.role), ("ana", Role::Analyst));
        assert!(matches!(
            ws.add_user("ana", Role::Admin, "admin1").await,
            Err(UserError::UserExists(_))
        ));
        let ana = ws.set_role("ana", Role::Microdata, "admin1").await.unwrap();
        assert_eq!(ana.role, Role::Microdata);

        let token = ws
            .add_token(
                "ana",
                "$argon2id$stub",
                "laptop",
                Some("2030-01-01T00:00:00Z"),
                "admin1",
            )
            .await
            .unwrap();
        assert_eq!(token.user, "ana");
        let credential = ws.token_credential(token.id).await.unwrap().unwrap();
        assert_eq!(credential.hash, "$argon2id$stub");
        assert_eq!(credential.user.role, Role::Microdata);
        assert!(ws.token_credential(token.id + 100).await.unwrap().is_none());

        let revoked = ws.revoke_token(token.id, "admin1").await.unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(matches!(
            ws.revoke_token(token.id, "admin1").await,
            Err(UserError::AlreadyRevoked { .. })
        ));
        ws.disable_user("ana", "admin1").await.unwrap();
        assert!(matches!(
            ws.add_token("ana", "h", "", None, "admin1").await,
            Err(UserError::UserDisabled(_))
        ));

        // Every change is in the log, in order, with who did it; the hash never is.
        let log = ws.audit_entries(&AuditQuery::default()).await.unwrap();
        let actions: Vec<&str> = log
            .iter()
            .filter(|e| e.actor == "admin1")
            .map(|e| e.action.as_str())
            .collect();
        assert_eq!(
            actions,
            [
                "user.add",
                "user.role",
                "token.create",
                "token.revoke",
                "user.disable"
            ]
        );
        let role_change = log.iter().find(|e| e.action == "user.role").unwrap();
        assert_eq!(role_change.detail["from"], "analyst");
        assert_eq!(role_change.detail["to"], "microdata");
        assert!(log.iter().all(|e| !e.detail.to_string().contains("argon2")));

        // Filters and the newest-n limit.
        let query = AuditQuery {
            action: Some("token.create".into()),
            ..AuditQuery::default()
        };
        assert_eq!(ws.audit_entries(&query).await.unwrap().len(), 1);
        let last_two = AuditQuery {
            limit: Some(2),
            ..AuditQuery::default()
        };
        let got: Vec<String> = ws
            .audit_entries(&last_two)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(got, ["token.revoke", "user.disable"]);
    }

    #[tokio::test]
    async fn many_entries_are_appended_at_once_and_stay_append_only() {
        let (_dir, ws) = workspace().await;
        let entries: Vec<NewAuditEntry> = (0..3)
            .map(|i| NewAuditEntry {
                at: now_utc(),
                actor: "ana".into(),
                action: "request".into(),
                target: format!("GET /api/live/{i}"),
                detail: serde_json::json!({ "status": 200 }),
            })
            .collect();
        ws.append_audit_entries(&entries).await.unwrap();
        let query = AuditQuery {
            actor: Some("ana".into()),
            ..AuditQuery::default()
        };
        let targets: Vec<String> = ws
            .audit_entries(&query)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.target)
            .collect();
        assert_eq!(
            targets,
            ["GET /api/live/0", "GET /api/live/1", "GET /api/live/2"]
        );
        let refused = sqlx::query("DELETE FROM audit_log")
            .execute(ws.pool())
            .await;
        assert!(refused.is_err(), "the audit log must refuse deletion");
    }
}
