//! Classification of offence records by the ICCS.
//!
//! This crate owns two things:
//!
//! * **Correspondence tables** (national offence code → ICCS code, possibly
//!   under conditions on the record's tags and for a validity period): reading
//!   and writing the documented CSV format ([`CorrespondenceTable`]),
//!   evaluating which row applies to a record ([`CorrespondenceTable::lookup`],
//!   [`Condition::matches`]), rendering conditions as SQL for the engine
//!   ([`Condition::to_sql`]), checking a table for invalid codes, overlaps,
//!   contradictions and gaps ([`check()`]), and coverage arithmetic
//!   ([`coverage()`]).
//! * **The offence-text classifier** ([`Suggester`]): proposes ICCS codes with a
//!   confidence and a reason for free-text offence descriptions in English or
//!   Spanish, and drafts correspondence tables for whole code lists. It runs
//!   offline and deterministically from data compiled into the crate (`data/`).
//!   Its accuracy is measured on a labelled set of real offence category names
//!   ([`evaluate()`], `tests/eval/`).
//!
//! Architecture invariant: pure and synchronous. The crate knows nothing of
//! files beyond what a caller hands it as a reader, nothing of the store, and
//! nothing of DataFusion: the engine applies tables with a join and the SQL
//! this crate renders, and supplies record counts for coverage.

mod check;
mod condition;
mod coverage;
mod date;
mod evaluate;
mod suggest;
mod table;
mod text;

pub use check::{CheckReport, Finding, FindingKind, MAX_COMBINATIONS, Period, Severity, check};
pub use condition::{
    Clause, Condition, ConditionError, Field, FieldKind, MAX_AGE, Op, RecordTags, Value, ValueRef,
};
pub use coverage::{CodeVolume, CoverageReport, UnmappedCode, coverage, coverage_of_table};
pub use date::Date;
pub use evaluate::{
    LabelledFileError, LabelledItem, Miss, SplitReport, Tally, evaluate, read_labelled,
};
pub use suggest::{DraftRow, PhraseSource, Suggester, Suggestion, write_draft_table};
pub use table::{COLUMNS, CellError, CorrespondenceTable, Lookup, ReadOutcome, Row, TableError};
