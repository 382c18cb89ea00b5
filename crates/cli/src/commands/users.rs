//! `evident users add|list|role|disable` and `evident tokens create|list|revoke`:
//! who may use `evident serve`, with which role, and their API tokens.
//!
//! A token's secret is drawn and hashed here (Argon2id, see
//! `evident_server::auth`), printed once, and never stored: the catalog keeps
//! the hash only. Every change is written to the audit log by the store, in
//! the same transaction as the change, with the person running the command
//! as its actor.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;
use evident_store::{Role, TokenRecord, User, UserError, current_actor};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::workspace;
use crate::output::{Output, UsageError};

/// The role names accepted on the command line, weakest first.
const ROLES: [&str; 4] = ["public", "analyst", "microdata", "admin"];

/// The longest a token may live, in days (ten years).
const MAX_EXPIRY_DAYS: u32 = 3650;

/// `evident users …`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a server account with a role: public, analyst (live figures after
    /// disclosure control), microdata (live figures without it) or admin.
    #[command(
        after_help = "Example:\n  evident users add ana.lopez --role analyst\n  \
        evident tokens create ana.lopez --label laptop --expires 90"
    )]
    Add {
        /// The account name: letters, digits, '.', '_', '-', '@' (1 to 64).
        name: String,
        /// What the account may see.
        #[arg(long, value_parser = ROLES)]
        role: String,
    },
    /// List the accounts, their roles and whether they are disabled.
    #[command(after_help = "Example:\n  evident users list\n  evident users list --json")]
    List,
    /// Change an account's role (takes effect at once, on every token; audited).
    #[command(after_help = "Example:\n  evident users role ana.lopez microdata")]
    Role {
        /// The account.
        name: String,
        /// Its new role.
        #[arg(value_parser = ROLES)]
        role: String,
    },
    /// Disable an account: all its tokens stop working at once (audited).
    #[command(after_help = "Example:\n  evident users disable ana.lopez")]
    Disable {
        /// The account.
        name: String,
    },
}

/// `evident tokens …`.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token for an account; it is printed once and only its
    /// hash is kept, so store it now.
    #[command(
        after_help = "Example:\n  evident tokens create ana.lopez --label laptop --expires 90\n  \
        curl -H \"Authorization: Bearer evt_…\" http://127.0.0.1:8080/api/whoami"
    )]
    Create {
        /// The account the token acts for (it has the account's role).
        user: String,
        /// What the token is for, to recognise it in `evident tokens list`.
        #[arg(long, default_value = "")]
        label: String,
        /// Days until the token stops working [default: never]; 0 makes a
        /// token that has already expired (to test a client's handling of expiry).
        #[arg(long, value_name = "DAYS",
              value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_EXPIRY_DAYS)))]
        expires: Option<u32>,
    },
    /// List tokens (never their secrets): owner, label, expiry, revocation.
    #[command(
        after_help = "Example:\n  evident tokens list\n  evident tokens list --user ana.lopez --json"
    )]
    List {
        /// Only this account's tokens.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id: it stops working at once (audited).
    #[command(after_help = "Example:\n  evident tokens revoke 3")]
    Revoke {
        /// The token id (the number after `evt_`, shown by `evident tokens list`).
        id: i64,
    },
}

#[derive(Serialize)]
struct UserView {
    id: i64,
    name: String,
    role: &'static str,
    created_at: String,
    disabled_at: Option<String>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            name: u.name,
            role: u.role.name(),
            created_at: u.created_at,
            disabled_at: u.disabled_at,
        }
    }
}

#[derive(Serialize)]
struct TokenView {
    id: i64,
    user: String,
    label: String,
    created_at: String,
    expires_at: Option<String>,
    revoked_at: Option<String>,
}

impl From<TokenRecord> for TokenView {
    fn from(t: TokenRecord) -> Self {
        TokenView {
            id: t.id,
            user: t.user,
            label: t.label,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Serialize)]
struct RoleChangeView {
    #[serde(flatten)]
    user: UserView,
    previous_role: &'static str,
}

#[derive(Serialize)]
struct NewTokenView {
    #[serde(flatten)]
    record: TokenView,
    /// The whole token, shown this once.
    token: String,
}

/// Mistakes in what was typed exit with 2; the catalog's refusals (a name
/// taken, an unknown account) and failures with 1.
fn user_error(e: UserError) -> anyhow::Error {
    match e {
        UserError::InvalidName { .. } | UserError::UnknownRole(_) => {
            anyhow::Error::new(UsageError(e.to_string()))
        }
        other => anyhow::Error::new(other),
    }
}

fn role(name: &str) -> anyhow::Result<Role> {
    name.parse::<Role>().map_err(user_error)
}

pub fn users(command: UsersCommand, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let actor = current_actor();
    let result = rt.block_on(async {
        match command {
            UsersCommand::Add { name, role: r } => {
                let user = ws
                    .add_user(&name, role(&r)?, &actor)
                    .await
                    .map_err(user_error)?;
                let view = UserView::from(user);
                out.emit(&view, |w| {
                    writeln!(w, "added user {} with role {}", view.name, view.role)?;
                    writeln!(
                        w,
                        "next: evident tokens create {} --label WHAT-FOR --expires 90",
                        view.name
                    )
                })
            }
            UsersCommand::List => {
                let list: Vec<UserView> = ws
                    .users()
                    .await
                    .map_err(user_error)?
                    .into_iter()
                    .map(UserView::from)
                    .collect();
                out.emit(&list, |w| list_users(w, &list))
            }
            UsersCommand::Role { name, role: r } => {
                let new_role = role(&r)?;
                let before = ws.user(&name).await.map_err(user_error)?;
                let user = ws
                    .set_role(&name, new_role, &actor)
                    .await
                    .map_err(user_error)?;
                let view = RoleChangeView {
                    user: UserView::from(user),
                    previous_role: before.role.name(),
                };
                out.emit(&view, |w| {
                    writeln!(
                        w,
                        "user {}: role {} → {} (recorded in the audit log; applies to its tokens at once)",
                        view.user.name, view.previous_role, view.user.role
                    )
                })
            }
            UsersCommand::Disable { name } => {
                let user = ws.disable_user(&name, &actor).await.map_err(user_error)?;
                let view = UserView::from(user);
                out.emit(&view, |w| {
                    writeln!(
                        w,
                        "user {} is disabled (since {}); its tokens no longer work",
                        view.name,
                        view.disabled_at.as_deref().unwrap_or("now")
                    )
                })
            }
        }
    });
    rt.block_on(ws.close());
    result
}

fn list_users(w: &mut dyn Write, list: &[UserView]) -> std::io::Result<()> {
    if list.is_empty() {
        return writeln!(
            w,
            "no users yet: evident users add NAME --role analyst|microdata|admin|public"
        );
    }
    writeln!(w, "{:<24} {:<10} {:<21} status", "name", "role", "added")?;
    for u in list {
        let status = match &u.disabled_at {
            Some(at) => format!("disabled {at}"),
            None => "active".to_owned(),
        };
        writeln!(
            w,
            "{:<24} {:<10} {:<21} {status}",
            u.name, u.role, u.created_at
        )?;
    }
    Ok(())
}

/// When a token created now for `days` days expires, in the catalog's
/// RFC 3339 form (compared as text with the current time).
fn expiry(days: u32) -> String {
    let at = chrono::Utc::now() + chrono::Duration::days(i64::from(days));
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn tokens(command: TokensCommand, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let actor = current_actor();
    let result = rt.block_on(async {
        match command {
            TokensCommand::Create {
                user,
                label,
                expires,
            } => {
                let owner = ws.user(&user).await.map_err(user_error)?;
                if owner.disabled_at.is_some() {
                    return Err(user_error(UserError::UserDisabled(user)));
                }
                let secret = tokio::task::spawn_blocking(evident_server::auth::new_secret)
                    .await
                    .context("hashing the token")??;
                let expires_at = expires.map(expiry);
                let record = ws
                    .add_token(&user, &secret.hash, &label, expires_at.as_deref(), &actor)
                    .await
                    .map_err(user_error)?;
                let token = evident_server::auth::format_token(record.id, &secret.secret);
                let view = NewTokenView {
                    record: TokenView::from(record),
                    token,
                };
                out.emit(&view, |w| {
                    writeln!(w, "{}", view.token)?;
                    writeln!(
                        w,
                        "token {} for {} ({}), {}",
                        view.record.id,
                        view.record.user,
                        if view.record.label.is_empty() {
                            "no label"
                        } else {
                            &view.record.label
                        },
                        match &view.record.expires_at {
                            Some(at) => format!("expires {at}"),
                            None => "does not expire".to_owned(),
                        }
                    )?;
                    writeln!(
                        w,
                        "this is the only time the token is shown: only its hash is kept"
                    )
                })
            }
            TokensCommand::List { user } => {
                if let Some(name) = &user {
                    ws.user(name).await.map_err(user_error)?;
                }
                let list: Vec<TokenView> = ws
                    .tokens(user.as_deref())
                    .await
                    .map_err(user_error)?
                    .into_iter()
                    .map(TokenView::from)
                    .collect();
                out.emit(&list, |w| list_tokens(w, &list))
            }
            TokensCommand::Revoke { id } => {
                let record = ws.revoke_token(id, &actor).await.map_err(user_error)?;
                let view = TokenView::from(record);
                out.emit(&view, |w| {
                    writeln!(
                        w,
                        "token {} of {} is revoked (recorded in the audit log)",
                        view.id, view.user
                    )
                })
            }
        }
    });
    rt.block_on(ws.close());
    result
}

fn list_tokens(w: &mut dyn Write, list: &[TokenView]) -> std::io::Result<()> {
    if list.is_empty() {
        return writeln!(w, "no tokens: evident tokens create USER --label WHAT-FOR");
    }
    writeln!(
        w,
        "{:>4}  {:<20} {:<16} {:<21} status",
        "id", "user", "label", "created"
    )?;
    let now = evident_store::now_utc();
    for t in list {
        let status = match (&t.revoked_at, &t.expires_at) {
            (Some(at), _) => format!("revoked {at}"),
            (None, Some(at)) if now.as_str() >= at.as_str() => format!("expired {at}"),
            (None, Some(at)) => format!("expires {at}"),
            (None, None) => "no expiry".to_owned(),
        };
        writeln!(
            w,
            "{:>4}  {:<20} {:<16} {:<21} {status}",
            t.id, t.user, t.label, t.created_at
        )?;
    }
    Ok(())
}
