//! What each page shows, as plain data.
//!
//! The data layer (store, engine, release builder) fills these structs; the
//! templates turn them into HTML. They carry figures exactly as published:
//! disclosure control has already run, so a suppressed cell arrives as
//! [`Cell::Suppressed`] and never as a number.

use crate::query::ExplorerQuery;

/// One published figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A published value.
    Value(f64),
    /// Withheld by disclosure control. Shown as "suppressed", never as a number.
    Suppressed,
    /// No figure for this cell (not collected, not applicable, or not yet computed).
    Missing,
}

impl Cell {
    /// The value, if one is published.
    pub fn value(self) -> Option<f64> {
        match self {
            Cell::Value(v) if v.is_finite() => Some(v),
            _ => None,
        }
    }

    /// Whether disclosure control withheld this cell.
    pub fn is_suppressed(self) -> bool {
        matches!(self, Cell::Suppressed)
    }
}

/// Which way an indicator moved between its two latest periods.
///
/// The data layer decides (for example, whether the change exceeds the
/// confidence interval); the dashboard only shows it, in words and with an arrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The latest value is higher.
    Rising,
    /// The latest value is lower.
    Falling,
    /// No change worth reporting.
    Stable,
    /// Not enough published values to say.
    Unknown,
}

impl Direction {
    /// The words shown to readers.
    pub fn words(self) -> &'static str {
        match self {
            Direction::Rising => "rising",
            Direction::Falling => "falling",
            Direction::Stable => "no clear change",
            Direction::Unknown => "direction not known",
        }
    }

    /// A decorative arrow (hidden from screen readers, which read the words).
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Rising => "↑",
            Direction::Falling => "↓",
            Direction::Stable => "→",
            Direction::Unknown => "·",
        }
    }

    /// The CSS class that colours the arrow.
    pub fn css_class(self) -> &'static str {
        match self {
            Direction::Rising => "dir-up",
            Direction::Falling => "dir-down",
            Direction::Stable => "dir-flat",
            Direction::Unknown => "dir-unknown",
        }
    }
}

/// An option of a filter (a `<select>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The code sent in the query string.
    pub value: String,
    /// What readers see.
    pub label: String,
}

impl Choice {
    /// A choice from a code and a label.
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
        }
    }
}

/// The latest published value of an indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Latest {
    /// The period it refers to (`2023`, `2023-Q4`, `2023-12`).
    pub period: String,
    /// The figure.
    pub value: Cell,
    /// Its unit ("victims per 100,000 population").
    pub unit: String,
    /// Decimals to show.
    pub decimals: u8,
}

/// An indicator in one line: used on the home page and the Kyoto page.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorSummary {
    /// Catalogue id (`sdg_16_1_1`), or `trends` / `evaluation` for the two views.
    pub id: String,
    /// Title for people.
    pub title: String,
    /// The latest national value, if computed.
    pub latest: Option<Latest>,
    /// Its direction against the period before.
    pub direction: Direction,
    /// A short remark when there is no single value ("3 series flagged in 2024-03").
    pub note: Option<String>,
}

/// What the explorer is showing: the indicator's definition in brief.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInfo {
    /// Catalogue id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Unit of the values.
    pub unit: String,
    /// Decimals to show.
    pub decimals: u8,
    /// What the band around the trend is ("95 % confidence interval, exact Poisson"),
    /// if the indicator has one.
    pub interval: Option<String>,
    /// How it is computed, in a few sentences.
    pub method: String,
    /// Where the definition comes from.
    pub source: String,
}

/// The filters the explorer offers for the current indicator. An empty list
/// means the indicator cannot be broken down that way, and the filter is not shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExplorerOptions {
    /// Indicators.
    pub indicators: Vec<Choice>,
    /// Periods, oldest first (used for "from" and "to").
    pub periods: Vec<Choice>,
    /// Areas (regions and districts).
    pub areas: Vec<Choice>,
    /// ICCS levels the table by category can be shown at (1 to 4).
    pub levels: Vec<Choice>,
    /// ICCS categories the whole page can be restricted to.
    pub iccs: Vec<Choice>,
    /// Sexes.
    pub sexes: Vec<Choice>,
    /// Age groups.
    pub ages: Vec<Choice>,
}

/// One period of a trend.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    /// Period label, in order.
    pub period: String,
    /// The value.
    pub value: Cell,
    /// Lower bound of the interval, if any (ignored when the value is not published).
    pub lower: Option<f64>,
    /// Upper bound of the interval, if any (ignored when the value is not published).
    pub upper: Option<f64>,
}

/// One row of a breakdown (by ICCS category or by area).
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownRow {
    /// Code (ICCS code or area code).
    pub code: String,
    /// Name.
    pub label: String,
    /// The value.
    pub value: Cell,
    /// Lower bound of the interval, if any.
    pub lower: Option<f64>,
    /// Upper bound of the interval, if any.
    pub upper: Option<f64>,
}

/// A breakdown of one period's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    /// The period the rows refer to.
    pub period: String,
    /// The rows, in display order.
    pub rows: Vec<BreakdownRow>,
}

/// The indicator explorer.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplorerView {
    /// The indicator shown.
    pub indicator: IndicatorInfo,
    /// The filters as applied (defaults filled in by the data layer).
    pub filters: ExplorerQuery,
    /// The filters available.
    pub options: ExplorerOptions,
    /// The trend over the selected periods, oldest first.
    pub series: Vec<SeriesPoint>,
    /// The latest period by ICCS category at the selected level, if the indicator has it.
    pub by_iccs: Option<Breakdown>,
    /// The latest period by area, if the indicator has it.
    pub by_area: Option<Breakdown>,
    /// Footnotes (breaks in series, provisional data, suppression rule).
    pub notes: Vec<String>,
}

/// One period of a series checked by early warning.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningPoint {
    /// Period label.
    pub period: String,
    /// What was recorded.
    pub observed: Cell,
    /// What the baseline expected, if it had enough history.
    pub expected: Option<f64>,
    /// Lower limit of the expected range.
    pub lower: Option<f64>,
    /// Upper limit of the expected range.
    pub upper: Option<f64>,
    /// Whether this period was flagged.
    pub flagged: bool,
}

/// A series flagged by early warning.
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggedSeries {
    /// Stable id, used as the page anchor.
    pub id: String,
    /// Indicator title.
    pub indicator: String,
    /// Which series ("Burglary (0501), North district").
    pub label: String,
    /// The flagged period.
    pub period: String,
    /// The value recorded in that period.
    pub observed: Cell,
    /// What was expected.
    pub expected: f64,
    /// Lower limit of the expected range.
    pub lower: f64,
    /// Upper limit of the expected range.
    pub upper: f64,
    /// Decimals to show.
    pub decimals: u8,
    /// The series' recent history, oldest first.
    pub points: Vec<WarningPoint>,
    /// Link to the explorer for this series, if it has one.
    pub explorer_href: Option<String>,
}

/// The early-warning page.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyWarningView {
    /// The latest period checked.
    pub as_of: String,
    /// How series are checked, in a sentence or two, with its citation.
    pub method: String,
    /// How many series were checked.
    pub series_checked: usize,
    /// The flagged series, most unusual first.
    pub flagged: Vec<FlaggedSeries>,
    /// Footnotes.
    pub notes: Vec<String>,
}

/// Whether a batch is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchState {
    /// Committed and used by every computation.
    Committed,
    /// Retracted, with the reason given.
    Retracted(String),
}

/// One ingest batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// Batch id.
    pub id: String,
    /// Record kind (offence, person, court decision …).
    pub kind: String,
    /// Source file name.
    pub source: String,
    /// When it was committed.
    pub committed_at: String,
    /// Rows read from the file.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_stored: u64,
    /// Rows quarantined with a reason.
    pub rows_quarantined: u64,
    /// Rows recognised as already stored.
    pub rows_duplicate: u64,
    /// Committed or retracted.
    pub state: BatchState,
}

impl BatchRow {
    /// Whether every row read is accounted for: stored, quarantined or a duplicate.
    pub fn reconciles(&self) -> bool {
        let accounted = self
            .rows_stored
            .checked_add(self.rows_quarantined)
            .and_then(|n| n.checked_add(self.rows_duplicate));
        accounted == Some(self.rows_read)
    }
}

/// Quarantined rows for one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonCount {
    /// The reason, as ingest words it ("date in the future").
    pub reason: String,
    /// Rows.
    pub rows: u64,
}

/// Classification coverage of one source's offences.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingCoverage {
    /// Source (reporting agency).
    pub source: String,
    /// Version of the correspondence table used.
    pub mapping_version: String,
    /// Offences mapped to ICCS by the correspondence table.
    pub mapped: u64,
    /// Offences with a suggested code awaiting review.
    pub suggested: u64,
    /// Offences not mapped (counted under ICCS "not classifiable").
    pub unmapped: u64,
}

impl MappingCoverage {
    /// All offences of the source.
    pub fn total(&self) -> u64 {
        self.mapped
            .saturating_add(self.suggested)
            .saturating_add(self.unmapped)
    }
}

/// The data-quality page.
#[derive(Debug, Clone, PartialEq)]
pub struct DataQualityView {
    /// Batches, newest first.
    pub batches: Vec<BatchRow>,
    /// Quarantined rows by reason, largest first.
    pub quarantine: Vec<ReasonCount>,
    /// Mapping coverage by source.
    pub mapping: Vec<MappingCoverage>,
    /// Footnotes.
    pub notes: Vec<String>,
}

/// One file of a release.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    /// File name.
    pub name: String,
    /// Format ("SDMX-ML 3.0", "CSV", "Parquet", "manifest").
    pub format: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, in hexadecimal.
    pub sha256: String,
    /// Where to download it.
    pub href: String,
}

/// A published release.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    /// Release id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Publication date.
    pub published: String,
    /// Periods covered ("2019-2023").
    pub periods: String,
    /// What it contains, in a sentence.
    pub description: String,
    /// Its files.
    pub files: Vec<Download>,
}

/// The releases page.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasesView {
    /// Releases, newest first.
    pub releases: Vec<ReleaseRow>,
    /// Footnotes.
    pub notes: Vec<String>,
}

/// A release in one line, for the home page.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseSummary {
    /// Release id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Publication date.
    pub published: String,
}

/// The home page.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeView {
    /// Who publishes these statistics ("National Statistics Office of …").
    pub publisher: String,
    /// Headline indicators.
    pub headlines: Vec<IndicatorSummary>,
    /// Series flagged by early warning in the latest check.
    pub flagged: usize,
    /// The latest release, if any.
    pub latest_release: Option<ReleaseSummary>,
}
