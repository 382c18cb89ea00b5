//! Statistical disclosure control for Evident releases.
//!
//! This crate owns the decision of which count cells of a release may be
//! published. It knows a release only as cells over shared code hierarchies
//! (offence, area, period, …) with a count, a number of contributing persons
//! and a victim-identifying flag; it generates the additive equations between
//! them itself. It does not read or write files, query the store, or know how
//! the counts were computed; the release builder hands it the tables and
//! publishes what it allows.
//!
//! - [`protect`]: primary suppression by the threshold rule on contributing
//!   persons (a stricter threshold for victim-identifying cells), secondary
//!   suppression by a hypercube method generalised to linked hierarchical tables
//!   (Repsilber 1994; Giessing & Repsilber 2002; see the `pattern` and
//!   `suppress` modules), then the audit; [`protect_revision`] does the same for
//!   a release that revises earlier published ones and keeps their suppressions.
//! - [`audit`]: the independent interval attack: for every suppressed cell, the
//!   smallest and largest value consistent with everything published in this and
//!   earlier releases, by linear programming.
//! - [`random_rounding`] and [`controlled_rounding`]: the alternative to
//!   suppression, per release.
//! - [`derived_publishable`]: whether a rate or share built on some cells may be
//!   published.
//!
//! The method and its limits are described for users in `docs/disclosure-control.md`.

mod audit;
mod derived;
mod hierarchy;
mod lp;
mod pattern;
mod release;
mod rounding;
mod rules;
mod suppress;

pub use audit::{Audit, CellAudit, Method, Publication, audit};
pub use derived::{derived_publishable, mark_derived, rate_publishable};
pub use hierarchy::{Hierarchy, TOTAL};
pub use release::{Cell, CellId, Release, ReleaseBuilder};
pub use rounding::{controlled_rounding, random_rounding};
pub use rules::{Cost, Rules};
pub use suppress::{Protection, Report, Status, protect, protect_revision};

/// Everything that can go wrong. Messages name the codes involved.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// A hierarchy cannot be built as given.
    #[error("dimension {dimension:?}: {reason}")]
    InvalidHierarchy {
        /// The dimension's name.
        dimension: String,
        /// What is wrong.
        reason: String,
    },
    /// A cell names a code its dimension does not have.
    #[error("dimension {dimension:?} has no code {code:?}")]
    UnknownCode {
        /// The dimension's name.
        dimension: String,
        /// The code given.
        code: String,
    },
    /// No cell has these codes.
    #[error("the release has no cell {0:?}")]
    UnknownCell(Vec<String>),
    /// The same cell was added twice.
    #[error("cell {0:?} is given twice")]
    DuplicateCell(Vec<String>),
    /// A cell has some of its children in a dimension but not all.
    #[error(
        "cell {cell:?} is broken down by {dimension:?} but cell {missing:?} is missing; add it (as zero if it is zero)"
    )]
    IncompleteBreakdown {
        /// The total cell.
        cell: Vec<String>,
        /// The dimension of the breakdown.
        dimension: String,
        /// The first missing child cell.
        missing: Vec<String>,
    },
    /// A total is not the sum of its parts.
    #[error("cell {cell:?} is {total} but its parts by {dimension:?} add up to {sum}")]
    NotAdditive {
        /// The total cell.
        cell: Vec<String>,
        /// The dimension of the breakdown.
        dimension: String,
        /// The total's count.
        total: u64,
        /// The sum of the parts.
        sum: u128,
    },
    /// The release as a whole is malformed.
    #[error("invalid release: {0}")]
    InvalidRelease(String),
    /// The rules contradict themselves.
    #[error("invalid rules: {0}")]
    InvalidRules(String),
    /// An earlier release cannot be compared with this one.
    #[error("earlier release does not match: {0}")]
    HistoryMismatch(String),
    /// Some sensitive cells could not be protected (for example because an
    /// earlier release published them); the release must not be published.
    #[error("cannot protect {} cell(s), first {:?}", .0.len(), .0.first())]
    CannotProtect(Vec<Vec<String>>),
    /// The audit could not be computed.
    #[error("audit failed to run: {0}")]
    Audit(String),
    /// Controlled rounding was asked for a table it cannot handle.
    #[error("controlled rounding not possible: {0}")]
    RoundingUnsupported(String),
}
