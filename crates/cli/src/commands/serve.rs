//! `evident serve`: the dashboard and the REST API over a workspace.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;

use crate::cli::GlobalArgs;
use crate::output::{Output, UsageError};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  evident serve\n  \
    evident --workspace ws serve --addr 0.0.0.0:8080\n  \
    curl http://127.0.0.1:8080/api/releases\n  \
    curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/live/indicators")]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
}

pub fn run(args: ServeArgs, global: &GlobalArgs, _out: &Output) -> anyhow::Result<()> {
    let addr: SocketAddr = args.addr.parse().map_err(|e| {
        anyhow::Error::new(UsageError(format!(
            "--addr {}: {e}; expected HOST:PORT such as 127.0.0.1:8080",
            args.addr
        )))
    })?;
    let workspace = match &global.workspace {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("finding the current directory")?,
    };
    let rt = super::runtime()?;
    let served = rt
        .block_on(evident_server::serve(evident_server::ServeConfig {
            workspace,
            addr,
        }))
        .with_context(|| format!("serving {}", args.addr));
    stop(rt);
    served
}

/// Stops the runtime without waiting for a blocking task still protecting the
/// live tables: they are only a cache, and Ctrl-C must stop the server.
pub(crate) fn stop(rt: tokio::runtime::Runtime) {
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
}
