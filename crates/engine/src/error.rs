//! The engine's error type.

use std::path::PathBuf;

/// Everything that can go wrong computing indicators.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The query engine failed (planning, execution, or reading Parquet).
    #[error("query engine: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// Arrow failed while building or converting a result.
    #[error("arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The request cannot be computed as asked (unknown indicator, bad period …).
    #[error("{0}")]
    InvalidRequest(String),
    /// The store lacks data the indicator needs.
    #[error("{0}")]
    MissingData(String),
    /// A statistical computation failed.
    #[error("statistics: {0}")]
    Stats(#[from] evident_stats::StatsError),
    /// The engine target string is not understood.
    #[error(
        "unknown engine {0:?}: expected `local` or `ballista://HOST:PORT` (a running Ballista scheduler)"
    )]
    UnknownEngine(String),
}

impl EngineError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> EngineError {
        EngineError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
