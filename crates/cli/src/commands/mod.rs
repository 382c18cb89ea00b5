//! One module per command group; each turns parsed arguments into library calls.

pub(crate) mod audit;
pub(crate) mod batches;
pub(crate) mod classify;
pub(crate) mod compute;
pub(crate) mod data;
pub(crate) mod demo;
pub(crate) mod evaluate;
pub(crate) mod generate;
mod iccs;
pub(crate) mod indicators;
pub(crate) mod ingest;
pub(crate) mod map;
pub(crate) mod publish;
pub(crate) mod quarantine;
pub(crate) mod schema;
pub(crate) mod serve;
pub(crate) mod trends;
pub(crate) mod users;
pub(crate) mod workspace;

use crate::cli::{Cli, Command};
use crate::output::Output;

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let out = Output::new(&cli.global);
    match cli.command {
        Command::Classify(args) => classify::run(args, &cli.global, &out),
        Command::Compute(args) => compute::run(args, &cli.global, &out),
        Command::Demo(args) => demo::run(args, &out),
        Command::Evaluate(args) => evaluate::run(args, &cli.global, &out),
        Command::Generate(args) => generate::run(args, &out),
        Command::Iccs(command) => iccs::run(command, &out),
        Command::Indicators(command) => indicators::run(command, &out),
        Command::Map(command) => map::run(command, &cli.global, &out),
        Command::Publish(args) => publish::run(args, &cli.global, &out),
        Command::Releases(command) => publish::releases(command, &cli.global, &out),
        Command::Init(args) => workspace::init(args, &out),
        Command::Ingest(args) => ingest::run(args, &cli.global, &out),
        Command::Serve(args) => serve::run(args, &cli.global, &out),
        Command::Trends(args) => trends::run(args, &cli.global, &out),
        Command::Quarantine(command) => quarantine::run(command, &cli.global, &out),
        Command::Batches(command) => batches::run(command, &cli.global, &out),
        Command::Schema(command) => schema::run(command, &out),
        Command::Users(command) => users::users(command, &cli.global, &out),
        Command::Tokens(command) => users::tokens(command, &cli.global, &out),
        Command::Audit(args) => audit::run(args, &cli.global, &out),
    }
}

/// A tokio runtime for commands that use the catalog (sqlx is async).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    // Ballista plans deep expression trees recursively: more than tokio's
    // default 2 MiB worker stack in a debug build.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(32 << 20)
        .enable_all()
        .build()
        .context("starting the async runtime")
}
