//! The one error type of the crate. Every variant names the artefact, observation or
//! value at fault and what was expected, so a release that fails can be fixed from
//! the message alone.

use std::io;

/// Why a structure or a data set could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SdmxError {
    /// An identifier breaks the SDMX 2.1 pattern for its kind (`SDMXCommonReferences.xsd`).
    #[error("{what} `{value}` is not a valid SDMX identifier: {rule}")]
    InvalidId {
        /// What the identifier names, e.g. "code of codelist NSO:CL_AREA(1.0)".
        what: String,
        /// The offending identifier.
        value: String,
        /// The rule it breaks, in words.
        rule: &'static str,
    },

    /// A version string is not numbers separated by dots (SDMX 2.1 `VersionType`).
    #[error("{what}: version `{value}` is not numbers separated by dots (like 1.0)")]
    InvalidVersion {
        /// The artefact the version belongs to.
        what: String,
        /// The offending version.
        value: String,
    },

    /// A name or other text holds a character that XML 1.0 cannot carry, or is empty
    /// where SDMX requires a name.
    #[error("{what}: {problem}")]
    InvalidText {
        /// Where the text sits.
        what: String,
        /// What is wrong with it.
        problem: String,
    },

    /// The same identifier is used twice where identifiers must be unique.
    #[error("duplicate {kind} `{id}` in {container}")]
    Duplicate {
        /// Kind of the repeated item ("code", "dimension", …).
        kind: &'static str,
        /// The repeated identifier.
        id: String,
        /// The artefact that holds both.
        container: String,
    },

    /// An artefact refers to another one that the message does not contain.
    #[error("{from} refers to {kind} {target}, which is not in the structures")]
    MissingReference {
        /// The referring artefact or component.
        from: String,
        /// Kind of the missing target ("codelist", "concept", …).
        kind: &'static str,
        /// The missing target, as `AGENCY:ID(VERSION)` or a plain ID.
        target: String,
    },

    /// A hierarchical code names a parent that is not in its codelist, or the parent
    /// chain loops.
    #[error("codelist {codelist}: code `{code}` has parent `{parent}`, {problem}")]
    BadParent {
        /// The codelist, as `AGENCY:ID(VERSION)`.
        codelist: String,
        /// The child code.
        code: String,
        /// The named parent.
        parent: String,
        /// "which is not in the codelist" or "which makes the hierarchy loop".
        problem: &'static str,
    },

    /// A data structure definition is not usable (no dimensions, a component ID reused…).
    #[error("data structure {dsd}: {problem}")]
    BadDataStructure {
        /// The DSD, as `AGENCY:ID(VERSION)`.
        dsd: String,
        /// What is wrong.
        problem: String,
    },

    /// An observation's key has the wrong number of dimension codes.
    #[error(
        "observation {index}: expected {expected} dimension codes ({dimensions}), found {found}"
    )]
    KeyLength {
        /// Position of the observation in the caller's data set (0-based).
        index: usize,
        /// Number of non-time dimensions in the DSD.
        expected: usize,
        /// Their IDs, in order.
        dimensions: String,
        /// Number of codes given.
        found: usize,
    },

    /// An observation uses a code that its dimension's codelist does not have.
    #[error("observation {index}: `{code}` is not a code of {codelist} (dimension {dimension})")]
    UnknownCode {
        /// Position of the observation in the caller's data set (0-based).
        index: usize,
        /// The dimension.
        dimension: String,
        /// The codelist, as `AGENCY:ID(VERSION)`.
        codelist: String,
        /// The unknown code.
        code: String,
    },

    /// A time period is not an SDMX observational time period, or does not match FREQ.
    #[error("observation {index}: time period `{value}`: {problem}")]
    InvalidTimePeriod {
        /// Position of the observation in the caller's data set (0-based).
        index: usize,
        /// The time period given.
        value: String,
        /// What was expected.
        problem: String,
    },

    /// An observation value is NaN or infinite.
    #[error("observation {index}: value {value} is not a finite number")]
    NonFiniteValue {
        /// Position of the observation in the caller's data set (0-based).
        index: usize,
        /// The value, as Rust prints it.
        value: String,
    },

    /// An observation carries an attribute that the DSD does not define.
    #[error("observation {index}: attribute `{attribute}` is not defined by data structure {dsd}")]
    UnknownAttribute {
        /// Position of the observation in the caller's data set (0-based).
        index: usize,
        /// The attribute ID.
        attribute: String,
        /// The DSD, as `AGENCY:ID(VERSION)`.
        dsd: String,
    },

    /// A mandatory attribute is missing from an observation.
    #[error("observation {index}: mandatory attribute `{attribute}` is missing")]
    MissingAttribute {
        /// Position of the observation in the caller's data set (0-based).
        index: usize,
        /// The attribute ID.
        attribute: String,
    },

    /// An attribute value does not fit the attribute's representation.
    #[error("observation {index}: attribute `{attribute}` = `{value}`: {problem}")]
    InvalidAttributeValue {
        /// Position of the observation in the caller's data set (0-based).
        index: usize,
        /// The attribute ID.
        attribute: String,
        /// The value given.
        value: String,
        /// What was expected.
        problem: String,
    },

    /// Two observations of one series disagree on a series-level attribute.
    #[error(
        "observation {index}: series {series} already has {attribute} = `{first}`, this observation says `{second}`"
    )]
    InconsistentSeriesAttribute {
        /// Position of the later observation in the caller's data set (0-based).
        index: usize,
        /// The series key, dot-separated.
        series: String,
        /// The attribute ID.
        attribute: String,
        /// Value seen first.
        first: String,
        /// Conflicting value.
        second: String,
    },

    /// Two observations share a series key and time period.
    #[error("observations {first} and {second} both have key {key} at {time_period}")]
    DuplicateObservation {
        /// Position of the first observation (0-based).
        first: usize,
        /// Position of the repeat (0-based).
        second: usize,
        /// The series key, dot-separated.
        key: String,
        /// The time period.
        time_period: String,
    },

    /// A cell marked confidential still carries a value: publishing it would leak it.
    #[error(
        "observation {index} ({key} at {time_period}) has CONF_STATUS `{status}` but carries a value; \
         a confidential cell must be published without OBS_VALUE"
    )]
    ConfidentialValue {
        /// Position of the observation (0-based).
        index: usize,
        /// The series key, dot-separated.
        key: String,
        /// The time period.
        time_period: String,
        /// The CONF_STATUS code.
        status: String,
    },

    /// The data set names a dataflow that is not among the structures.
    #[error("the data set belongs to dataflow {0}, which is not in the structures")]
    UnknownDataflow(String),

    /// The message header is not usable.
    #[error("message header: {0}")]
    BadHeader(String),

    /// Writing to the output failed.
    #[error("writing the message failed: {0}")]
    Io(#[from] io::Error),
}

/// Result with [`SdmxError`].
pub type Result<T> = std::result::Result<T, SdmxError>;
