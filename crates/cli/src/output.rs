//! How results reach the user: JSON or text on stdout, progress and logs on stderr.

use std::io::{IsTerminal, Write};

use anyhow::Context;
use serde::Serialize;

use crate::cli::GlobalArgs;

/// An error in what the user asked for, reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Where a command writes its result.
pub struct Output {
    json: bool,
    quiet: bool,
}

impl Output {
    pub fn new(global: &GlobalArgs) -> Output {
        Output {
            json: global.json,
            quiet: global.quiet,
        }
    }

    /// Writes `value` as JSON, or calls `human` to write text, on stdout.
    pub fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        if self.json {
            serde_json::to_writer_pretty(&mut lock, value).context("writing JSON to stdout")?;
            writeln!(lock)?;
        } else {
            human(&mut lock)?;
        }
        lock.flush()?;
        Ok(())
    }

    /// A progress bar on stderr, hidden when stderr is not a terminal, with
    /// `--quiet`, or with `--json`.
    pub fn progress(&self, total: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {human_pos}/{human_len} ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_owned());
        bar
    }

    /// A status line on stderr, unless `--quiet`.
    pub fn status(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}

/// Logs go to stderr; `-v` raises the level, `EVIDENT_LOG` overrides it.
pub fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info,evident=info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("EVIDENT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
