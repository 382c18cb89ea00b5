//! `evident init`, and finding the workspace for every other command:
//! `--workspace DIR`, else `EVIDENT_WORKSPACE`, else the current directory.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use evident_store::{ChecksSection, InitOptions, Workspace};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::output::{Output, UsageError};

/// `evident init DIR`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  evident init ./valmora\n  evident init ./valmora --key-file ~/secure/valmora.key"
)]
pub struct InitArgs {
    /// The new workspace directory (must not exist, or be empty).
    pub dir: PathBuf,
    /// A name shown in summaries [default: the directory name].
    #[arg(long)]
    pub name: Option<String>,
    /// Where to create the pseudonymisation key, outside the workspace; an
    /// existing key there is reused (to link people across workspaces)
    /// [default: ~/.config/evident/keys/NAME-XXXXXXXX.key].
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Dates before this are rejected at ingest.
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "1900-01-01")]
    pub earliest_date: String,
    /// Ages above this are rejected at ingest.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(i32).range(1..=150))]
    pub max_age: i32,
}

#[derive(Serialize)]
struct InitView {
    workspace: PathBuf,
    key_file: PathBuf,
    key_created: bool,
    earliest_date: String,
    max_age: i32,
}

/// A runtime for the catalog (see `commands::runtime`).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    super::runtime()
}

/// Opens the workspace the user pointed at.
pub(crate) fn open(global: &GlobalArgs, rt: &tokio::runtime::Runtime) -> anyhow::Result<Workspace> {
    let dir = match &global.workspace {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("finding the current directory")?,
    };
    Ok(rt.block_on(Workspace::open(&dir))?)
}

pub fn init(args: InitArgs, out: &Output) -> anyhow::Result<()> {
    if chrono_like_date(&args.earliest_date).is_none() {
        return Err(UsageError(format!(
            "--earliest-date {:?} is not a date in the form YYYY-MM-DD",
            args.earliest_date
        ))
        .into());
    }
    let rt = runtime()?;
    let options = InitOptions {
        name: args.name,
        key_file: args.key_file,
        checks: ChecksSection {
            earliest_date: args.earliest_date.clone(),
            max_age: args.max_age,
            ..ChecksSection::default()
        },
    };
    let (workspace, report) = rt.block_on(Workspace::init(&args.dir, options))?;
    rt.block_on(workspace.close());
    let view = InitView {
        workspace: report.root.clone(),
        key_file: report.key_file.clone(),
        key_created: report.key_created,
        earliest_date: args.earliest_date,
        max_age: args.max_age,
    };
    out.emit(&view, |w| {
        writeln!(w, "created workspace {}", view.workspace.display())?;
        if view.key_created {
            writeln!(
                w,
                "  pseudonymisation key: {} (new, mode 0600)",
                view.key_file.display()
            )?;
            writeln!(
                w,
                "  keep the key outside the workspace and back it up separately: without it,"
            )?;
            writeln!(
                w,
                "  new person identifiers cannot be linked to stored ones"
            )?;
        } else {
            writeln!(
                w,
                "  pseudonymisation key: {} (existing key reused)",
                view.key_file.display()
            )?;
        }
        writeln!(w, "next:")?;
        writeln!(
            w,
            "  evident schema guess FILE > FILE.toml   (then check and edit it)"
        )?;
        writeln!(
            w,
            "  evident ingest --workspace {} --schema FILE.toml FILE",
            view.workspace.display()
        )
    })
}

fn chrono_like_date(text: &str) -> Option<()> {
    evident_ingest::DateFormat::iso()
        .parse(text)
        .ok()
        .map(|_| ())
}
