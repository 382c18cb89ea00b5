//! The indicator engine: the catalogue of indicators and their computation on
//! Apache DataFusion, in this process or on an Apache DataFusion Ballista cluster.
//!
//! It owns every query over the store's Parquet datasets: classification of
//! offences against a correspondence table, the indicator tables (counts, rates,
//! SDG indicators, the justice chain, the severity index, reoffending) and the
//! series that early warning and evaluation read.
//!
//! Architecture invariant: this is the only crate that knows DataFusion and
//! Ballista. It reads the store only through the catalog's file lists. Numerics come from `evident-stats`; the crate does no disclosure
//! control and writes no SDMX — it hands plain tables to the release builder.

pub mod catalogue;
pub mod classification;
pub mod cube;
mod error;
pub mod indicators;
mod joins;
pub mod output;
pub mod request;
pub mod series;
mod session;
pub mod tables;
pub mod trends;
pub mod workspace;

pub use catalogue::{CATALOGUE, Dimension, Indicator, indicator};
pub use error::{EngineError, Result};
pub use indicators::{STANDARD_SET, compute, compute_each};
pub use output::{Column, IndicatorTable, Values};
pub use request::{Breakdown, ComputeRequest, DateBasis, Frequency, Period, Purpose};
pub use session::{Engine, EngineOptions, EngineTarget};
pub use tables::{Sources, TableFiles};
