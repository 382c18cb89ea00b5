//! Pure numerics for crime statistics.
//!
//! This crate owns the statistical methods Evident publishes: confidence
//! intervals for rates and proportions, count regression with robust standard
//! errors, seasonal baselines and early-warning alarms over many series,
//! nowcasts of late-recorded counts, and evaluations of prevention programmes
//! (interrupted time series, difference-in-differences, synthetic control).
//!
//! It deliberately knows nothing about files, offences, areas or the store:
//! everything takes plain slices and returns plain structs, so the engine can
//! call it on any indicator and the tests can check it against published
//! worked examples and other tools. It never panics on bad input; it returns a
//! [`StatsError`] that says what was wrong, and it never returns NaN.
//!
//! Methods and their sources are listed in `docs/methods.md`.

// Numerical kernels index several arrays in step; explicit indices read closer
// to the formulas than zipped iterators.
#![allow(clippy::needless_range_loop)]

pub mod evaluation;
pub mod linalg;
pub mod multiple;
pub mod nowcast;
pub mod rates;
pub mod regression;
pub mod special;
pub mod stl;
pub mod trends;

pub use rates::{
    ProportionInterval, ProportionMethod, RateInterval, RateMethod, RateRatio, RateRatioMethod,
    poisson_count_interval, poisson_rate_interval, poisson_rate_intervals, proportion_interval,
    rate_ratio,
};

/// Everything that can go wrong in a statistical computation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// An argument is outside its domain.
    #[error("{name} = {value} is not valid: expected {expected}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// Two inputs that must have matching lengths do not.
    #[error("length mismatch in {what}: expected {expected}, got {got}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// The expected length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// Not enough data for the method.
    #[error("{what}: needs at least {needed} observations, got {got}")]
    TooFewObservations {
        /// The method or quantity.
        what: &'static str,
        /// The minimum.
        needed: usize,
        /// What was available.
        got: usize,
    },
    /// A value that must be finite (and, for counts, non-negative) is not.
    #[error("{what}: value at position {index} is {value}, expected a finite number{extra}")]
    BadValue {
        /// Which input.
        what: &'static str,
        /// Position of the value.
        index: usize,
        /// The value.
        value: f64,
        /// Further requirement, e.g. " ≥ 0".
        extra: &'static str,
    },
    /// A linear system has no unique solution (collinear regressors, a
    /// dummy with no observations, ...).
    #[error("singular system: {what}")]
    Singular {
        /// What was singular.
        what: &'static str,
    },
    /// An iterative method did not converge.
    #[error("{what} did not converge after {iterations} iterations")]
    NoConvergence {
        /// The method.
        what: &'static str,
        /// Iterations tried.
        iterations: usize,
    },
    /// The data cannot support the requested design (e.g. no untreated area).
    #[error("cannot estimate: {reason}")]
    Design {
        /// What is missing.
        reason: String,
    },
    /// An error in one element of a batch.
    #[error("element {index}: {source}")]
    AtIndex {
        /// Position in the batch.
        index: usize,
        /// The error.
        source: Box<StatsError>,
    },
}

/// Checks that every value is finite (and non-negative when `nonnegative`).
pub(crate) fn check_values(
    what: &'static str,
    values: &[f64],
    nonnegative: bool,
) -> Result<(), StatsError> {
    for (index, &value) in values.iter().enumerate() {
        if !value.is_finite() {
            return Err(StatsError::BadValue {
                what,
                index,
                value,
                extra: "",
            });
        }
        if nonnegative && value < 0.0 {
            return Err(StatsError::BadValue {
                what,
                index,
                value,
                extra: " ≥ 0",
            });
        }
    }
    Ok(())
}
