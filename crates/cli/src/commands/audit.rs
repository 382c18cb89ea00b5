//! `evident audit`: read the workspace's append-only audit log (ingests,
//! retractions, releases, accounts and tokens, and every authenticated
//! request the server answered or refused).

use std::io::Write;

use clap::Args;
use evident_store::{AuditEntry, AuditQuery};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::workspace;
use crate::output::{Output, UsageError};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  evident audit\n  \
    evident audit --action user.role\n  \
    evident audit --actor ana.lopez --limit 50 --json\n  \
    evident audit --action auth.failed --since 2026-11-01")]
pub struct AuditArgs {
    /// The newest N entries (shown oldest first).
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: u64,
    /// Only entries by this actor (a server account, or the person who ran a command).
    #[arg(long, value_name = "NAME")]
    pub actor: Option<String>,
    /// Only this action: request, auth.failed, publish, ingest, retract, user.add,
    /// user.role, user.disable, token.create, token.revoke …
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only entries at or after this time (YYYY-MM-DD or an RFC 3339 time, UTC).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
}

#[derive(Serialize)]
struct EntryView<'a> {
    id: i64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    target: &'a str,
    detail: &'a serde_json::Value,
}

impl<'a> From<&'a AuditEntry> for EntryView<'a> {
    fn from(e: &'a AuditEntry) -> Self {
        EntryView {
            id: e.id,
            at: &e.at,
            actor: &e.actor,
            action: &e.action,
            target: &e.target,
            detail: &e.detail,
        }
    }
}

/// Times in the log are `YYYY-MM-DDTHH:MM:SSZ` and compared as text, so a
/// bound must start with a full date.
fn check_since(since: &str) -> Result<(), UsageError> {
    let b = since.as_bytes();
    let date_shaped = b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if date_shaped {
        Ok(())
    } else {
        Err(UsageError(format!(
            "--since {since:?}: expected a date (2026-11-01) or a UTC time (2026-11-01T08:00:00Z)"
        )))
    }
}

pub fn run(args: AuditArgs, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    if let Some(since) = &args.since {
        check_since(since)?;
    }
    let query = AuditQuery {
        action: args.action.clone(),
        actor: args.actor.clone(),
        since: args.since.clone(),
        after_id: None,
        limit: Some(args.limit),
    };
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let entries = rt.block_on(ws.audit_entries(&query));
    rt.block_on(ws.close());
    let entries = entries?;
    let views: Vec<EntryView<'_>> = entries.iter().map(EntryView::from).collect();
    out.emit(&views, |w| human(w, &views))
}

fn human(w: &mut dyn Write, entries: &[EntryView<'_>]) -> std::io::Result<()> {
    if entries.is_empty() {
        return writeln!(w, "no audit entries match");
    }
    for e in entries {
        let detail = match e.detail {
            serde_json::Value::Null => String::new(),
            serde_json::Value::Object(map) if map.is_empty() => String::new(),
            other => format!("  {other}"),
        };
        writeln!(
            w,
            "{:>6}  {}  {:<16} {:<13} {}{detail}",
            e.id, e.at, e.actor, e.action, e.target
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_must_start_with_a_date() {
        assert!(check_since("2026-11-01").is_ok());
        assert!(check_since("2026-11-01T08:00:00Z").is_ok());
        for bad in ["2026", "yesterday", "01-11-2026", "2026/11/01"] {
            assert!(check_since(bad).is_err(), "{bad}");
        }
    }
}
