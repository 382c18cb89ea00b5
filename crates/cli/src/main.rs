//! The `evident` command: a thin layer that parses arguments into plain data,
//! calls the library crates, and renders their results for people (stderr
//! progress, stdout text) or for programs (`--json` on stdout).
//!
//! Exit codes: 0 success, 1 runtime error, 2 usage error (bad flags or an
//! argument value that cannot be valid, such as a malformed ICCS code).

mod cli;
mod commands;
mod output;

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::output::UsageError;

// DataFusion's threads allocate and free many short-lived buffers; with the
// system allocator the freed memory stayed in per-thread arenas and counted in
// the resident size long after the query that used it (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with exit 0, usage errors with 2.
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    output::init_logging(&cli.global);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let broken_pipe = error.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {error:#}");
            if error.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
