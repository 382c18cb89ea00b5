//! Command-line grammar. Parsing produces plain data; `commands` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Crime and criminal-justice statistics, classified by ICCS, published as open data.
#[derive(Debug, Parser)]
#[command(
    name = "evident",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = "Start with `evident demo`, or see `evident <COMMAND> --help`.")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print the result as JSON on stdout (progress and logs stay on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress display and no status lines on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More log output on stderr (-v info, -vv debug); `EVIDENT_LOG` overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The workspace directory [default: the current directory].
    #[arg(long, global = true, env = "EVIDENT_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Attach ICCS codes to stored offences with the current correspondence table.
    Classify(crate::commands::classify::ClassifyArgs),
    /// Compute indicator tables from the store (DataFusion, local or Ballista).
    Compute(crate::commands::compute::ComputeArgs),
    /// Run the whole chain on a built-in synthetic country.
    Demo(crate::commands::demo::DemoArgs),
    /// Estimate a prevention programme's effect: interrupted time series,
    /// difference-in-differences, synthetic control.
    Evaluate(crate::commands::evaluate::EvaluateArgs),
    /// Write the raw files of a synthetic country, with the known answers in truth.json.
    Generate(crate::commands::generate::GenerateArgs),
    /// Browse the ICCS 1.0 classification.
    #[command(subcommand)]
    Iccs(IccsCommand),
    /// Build an immutable, disclosure-controlled release (SDMX, CSV, Parquet) from computed tables.
    Publish(crate::commands::publish::PublishArgs),
    /// List, show and compare releases.
    #[command(subcommand)]
    Releases(crate::commands::publish::ReleasesCommand),
    /// Correspondence tables (national codes → ICCS) and the offence-text classifier.
    #[command(subcommand)]
    Map(crate::commands::map::MapCommand),
    /// The indicator catalogue: definitions, methods, SDG series, Kyoto paragraphs.
    #[command(subcommand)]
    Indicators(crate::commands::indicators::IndicatorsCommand),
    /// Create a workspace: configuration, store, catalog and pseudonymisation key.
    Init(crate::commands::workspace::InitArgs),
    /// Ingest one source file as one batch (rows stored, quarantined or counted as duplicates).
    Ingest(crate::commands::ingest::IngestArgs),
    /// Serve the dashboard and the REST API (OpenAPI document at /api/openapi.json).
    Serve(crate::commands::serve::ServeArgs),
    /// Early warning: flag offence categories × areas that rise beyond their seasonal baseline.
    Trends(crate::commands::trends::TrendsArgs),
    /// See, fix and resend the rows ingest set aside.
    #[command(subcommand)]
    Quarantine(crate::commands::quarantine::QuarantineCommand),
    /// List, inspect and retract ingested batches.
    #[command(subcommand)]
    Batches(crate::commands::batches::BatchesCommand),
    /// Write and check schema files (how a source maps onto a record kind).
    #[command(subcommand)]
    Schema(crate::commands::schema::SchemaCommand),
    /// Server accounts and their roles (public, analyst, microdata, admin).
    #[command(subcommand)]
    Users(crate::commands::users::UsersCommand),
    /// API tokens: create (shown once), list, revoke.
    #[command(subcommand)]
    Tokens(crate::commands::users::TokensCommand),
    /// Read the append-only audit log (releases, accounts, tokens, API requests).
    Audit(crate::commands::audit::AuditArgs),
}

#[derive(Debug, Subcommand)]
pub enum IccsCommand {
    /// Show one category: name, level, parent, children and index terms.
    #[command(after_help = "Example:\n  evident iccs show 0101\n  evident iccs show 0501 --json")]
    Show {
        /// An ICCS code with its leading zeros (2, 4, 5 or 6 digits).
        code: String,
    },
    /// Print the hierarchy, optionally down to a level or for one section.
    #[command(
        after_help = "Example:\n  evident iccs tree --level 1\n  evident iccs tree --section 05 --level 3"
    )]
    Tree {
        /// The most detailed level to show (1 sections … 4 classes).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=4))]
        level: u8,
        /// Only this section (level-1 code, e.g. 05).
        #[arg(long, value_name = "CODE")]
        section: Option<String>,
    },
    /// Search category names and alphabetical-index terms.
    #[command(
        after_help = "Example:\n  evident iccs search burglary\n  evident iccs search money laundering --json"
    )]
    Search {
        /// Words to look for (all must match).
        #[arg(required = true)]
        words: Vec<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// List the disaggregating variables (tags) and their value codes.
    #[command(after_help = "Example:\n  evident iccs tags\n  evident iccs tags --json")]
    Tags,
}
