//! View models to HTML.
//!
//! Each `render_*` function turns a view model into a complete page. The
//! templates (in `templates/`, checked at compile time by askama) only lay out
//! text prepared here: every number is formatted, every chart has its caption
//! and data table, and a suppressed cell is the word "suppressed" before a
//! template ever sees it. Askama escapes all text for HTML.

use askama::Template;
use thiserror::Error;

use crate::assets;
use crate::chart::{BarSeries, ChartData, counts};
use crate::format;
use crate::kyoto::KyotoView;
use crate::view::{
    BatchState, Breakdown, Cell, Choice, DataQualityView, Direction, Download, EarlyWarningView,
    ExplorerView, HomeView, Latest, ReleaseRow, ReleasesView,
};

/// A template failed to render (only possible through a formatting error).
#[derive(Debug, Error)]
#[error("rendering the {page} page: {source}")]
pub struct RenderError {
    page: &'static str,
    #[source]
    source: askama::Error,
}

/// The pages of the dashboard, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// `/`
    Home,
    /// `/explorer`
    Explorer,
    /// `/early-warning`
    EarlyWarning,
    /// `/data-quality`
    DataQuality,
    /// `/releases`
    Releases,
    /// `/kyoto`
    Kyoto,
    /// Error pages: nothing is current.
    None,
}

const NAV: &[(Section, &str, &str)] = &[
    (Section::Home, "/", "Overview"),
    (Section::Explorer, "/explorer", "Indicator explorer"),
    (Section::EarlyWarning, "/early-warning", "Early warning"),
    (Section::DataQuality, "/data-quality", "Data quality"),
    (Section::Releases, "/releases", "Releases"),
    (Section::Kyoto, "/kyoto", "Kyoto Declaration"),
];

/// Page frame: title, navigation, stylesheet and scripts.
struct Layout {
    title: String,
    nav: Vec<NavLink>,
    css: String,
    favicon: String,
    /// Scripts, only on pages with charts.
    scripts: Vec<String>,
    licence: String,
}

struct NavLink {
    href: &'static str,
    label: &'static str,
    current: bool,
}

impl Layout {
    fn new(title: impl Into<String>, section: Section, charts: bool) -> Layout {
        let scripts = if charts {
            vec![
                assets::url("vendor/chart.umd.min.js"),
                assets::url("dashboard.js"),
            ]
        } else {
            Vec::new()
        };
        Layout {
            title: title.into(),
            nav: NAV
                .iter()
                .map(|&(s, href, label)| NavLink {
                    href,
                    label,
                    current: s == section,
                })
                .collect(),
            css: assets::url("dashboard.css"),
            favicon: assets::url("favicon.svg"),
            scripts,
            licence: assets::url("vendor/chart.js-LICENSE.md"),
        }
    }
}

/// A table cell, formatted.
struct TableCell {
    text: String,
    /// Right-aligned with tabular figures.
    numeric: bool,
    /// A withheld value (styled, and announced as such).
    suppressed: bool,
}

impl TableCell {
    fn text(text: impl Into<String>) -> TableCell {
        TableCell {
            text: text.into(),
            numeric: false,
            suppressed: false,
        }
    }

    fn number(text: impl Into<String>) -> TableCell {
        TableCell {
            text: text.into(),
            numeric: true,
            suppressed: false,
        }
    }

    fn cell(value: Cell, decimals: u8) -> TableCell {
        TableCell {
            text: format::cell(value, decimals),
            numeric: true,
            suppressed: value.is_suppressed(),
        }
    }
}

/// A row: a header cell (the row's label) and data cells.
struct TableRow {
    head: TableCell,
    cells: Vec<TableCell>,
}

/// A chart with its text alternative: a caption in words and the data table.
struct Figure {
    /// Element id; the chart data is `<id>-data`, the table `<id>-table`.
    id: String,
    title: String,
    caption: String,
    /// `None` when there is nothing to draw (the table still shows why).
    chart_json: Option<String>,
    /// Column headings; the first heads the row labels.
    columns: Vec<Column>,
    rows: Vec<TableRow>,
}

struct Column {
    label: String,
    numeric: bool,
}

/// Column headings, right-aligned over numeric cells.
fn columns(labels: Vec<String>, rows: &[TableRow]) -> Vec<Column> {
    labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| Column {
            numeric: i > 0
                && rows
                    .first()
                    .and_then(|r| r.cells.get(i - 1))
                    .is_some_and(|c| c.numeric),
            label,
        })
        .collect()
}

fn interval_cell(value: Cell, lower: Option<f64>, upper: Option<f64>, decimals: u8) -> TableCell {
    TableCell::number(format::interval(value, lower, upper, decimals))
}

fn latest_text(latest: &Option<Latest>) -> String {
    match latest {
        None => "no value yet".to_owned(),
        Some(l) => match l.value {
            Cell::Value(_) => format!(
                "{} {} ({})",
                format::cell(l.value, l.decimals),
                l.unit,
                l.period
            ),
            _ => format!("{} ({})", format::cell(l.value, l.decimals), l.period),
        },
    }
}

fn render<T: Template>(page: &'static str, template: &T) -> Result<String, RenderError> {
    template
        .render()
        .map_err(|source| RenderError { page, source })
}

// ---------------------------------------------------------------------------
// Home

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    publisher: String,
    headlines: Vec<Headline>,
    flagged: usize,
    latest_release: Option<(String, String)>,
}

struct Headline {
    title: String,
    href: Option<String>,
    /// The figure (or "suppressed"), large.
    value: String,
    /// Its unit and period, small.
    detail: String,
    suppressed: bool,
    /// `None` when there is no value to have a direction.
    direction: Option<Direction>,
    note: Option<String>,
}

/// The home page.
pub fn render_home(view: &HomeView) -> Result<String, RenderError> {
    let headlines = view
        .headlines
        .iter()
        .map(|s| {
            let (value, detail) = match &s.latest {
                Some(l) => {
                    let detail = match l.value {
                        Cell::Value(_) => format!("{}, {}", l.unit, l.period),
                        _ => l.period.clone(),
                    };
                    (format::cell(l.value, l.decimals), detail)
                }
                None => (String::new(), String::new()),
            };
            Headline {
                title: s.title.clone(),
                href: crate::kyoto::evidence_href(&s.id),
                value,
                detail,
                suppressed: s.latest.as_ref().is_some_and(|l| l.value.is_suppressed()),
                direction: s.latest.as_ref().map(|_| s.direction),
                note: match (&s.latest, &s.note) {
                    (None, None) => Some("No value yet.".to_owned()),
                    (_, note) => note.clone(),
                },
            }
        })
        .collect();
    render(
        "home",
        &HomePage {
            layout: Layout::new("Overview", Section::Home, false),
            publisher: view.publisher.clone(),
            headlines,
            flagged: view.flagged,
            latest_release: view
                .latest_release
                .as_ref()
                .map(|r| (r.title.clone(), r.published.clone())),
        },
    )
}

// ---------------------------------------------------------------------------
// Explorer

#[derive(Template)]
#[template(path = "explorer.html")]
struct ExplorerPage<'a> {
    layout: Layout,
    view: &'a ExplorerView,
    fields: Vec<FilterField>,
    applied: Vec<String>,
    trend: Figure,
    by_iccs: Option<Figure>,
    by_area: Option<Figure>,
    permalink: String,
    reset: String,
}

struct FilterField {
    name: &'static str,
    label: &'static str,
    /// Label of the "no filter" option; `None` when a value is required.
    all: Option<&'static str>,
    options: Vec<FilterOption>,
}

struct FilterOption {
    value: String,
    label: String,
    selected: bool,
}

fn label_of<'a>(choices: &'a [Choice], value: &'a str) -> &'a str {
    choices
        .iter()
        .find(|c| c.value == value)
        .map_or(value, |c| c.label.as_str())
}

/// The explorer: filters, the trend with its band, and the latest period by
/// ICCS category and by area, each with its data table.
pub fn render_explorer(view: &ExplorerView) -> Result<String, RenderError> {
    let f = &view.filters;
    let o = &view.options;
    let field = |name, label, all, choices: &[Choice]| FilterField {
        name,
        label,
        all,
        options: choices
            .iter()
            .map(|c| FilterOption {
                value: c.value.clone(),
                label: c.label.clone(),
                selected: f.field(name) == c.value,
            })
            .collect(),
    };
    let fields: Vec<FilterField> = [
        field("indicator", "Indicator", None, &o.indicators),
        field("from", "From", Some("Earliest"), &o.periods),
        field("to", "To", Some("Latest"), &o.periods),
        field("area", "Area", Some("Whole country"), &o.areas),
        field("iccs", "Offence (ICCS)", Some("All offences"), &o.iccs),
        field(
            "level",
            "Categories at ICCS level",
            Some("Default"),
            &o.levels,
        ),
        field("sex", "Sex", Some("All"), &o.sexes),
        field("age", "Age group", Some("All ages"), &o.ages),
    ]
    .into_iter()
    .filter(|field| !field.options.is_empty())
    .collect();

    let mut applied = Vec::new();
    match (&f.from, &f.to) {
        (Some(a), Some(b)) => applied.push(format!("Periods: {a} to {b}")),
        (Some(a), None) => applied.push(format!("Periods: from {a}")),
        (None, Some(b)) => applied.push(format!("Periods: up to {b}")),
        (None, None) => {}
    }
    for (value, name, choices) in [
        (&f.area, "Area", &o.areas),
        (&f.iccs, "Offence", &o.iccs),
        (&f.sex, "Sex", &o.sexes),
        (&f.age, "Age group", &o.ages),
    ] {
        if let Some(v) = value {
            applied.push(format!("{name}: {}", label_of(choices, v)));
        }
    }

    let ind = &view.indicator;
    let d = ind.decimals;
    // An interval column only where the indicator has one and some row carries it.
    let band_label = ind.interval.clone().unwrap_or_default();
    let with_interval = |mut bounds: std::slice::Iter<'_, (Option<f64>, Option<f64>)>| {
        ind.interval.is_some() && bounds.any(|(lo, hi)| lo.is_some() && hi.is_some())
    };
    let value_column = format!("Value ({})", ind.unit);
    let bounds: Vec<_> = view.series.iter().map(|p| (p.lower, p.upper)).collect();
    let has_interval = with_interval(bounds.iter());
    let mut labels = vec!["Period".to_owned(), value_column.clone()];
    if has_interval {
        labels.push(band_label.clone());
    }
    let rows: Vec<TableRow> = view
        .series
        .iter()
        .map(|p| {
            let mut cells = vec![TableCell::cell(p.value, d)];
            if has_interval {
                cells.push(interval_cell(p.value, p.lower, p.upper, d));
            }
            TableRow {
                head: TableCell::text(&p.period),
                cells,
            }
        })
        .collect();
    let trend = Figure {
        id: "trend".to_owned(),
        title: format!("Trend: {}", ind.title),
        caption: format::describe_trend(&view.series, &ind.unit, d),
        chart_json: (!view.series.is_empty())
            .then(|| ChartData::trend(&view.series, &ind.title, &band_label, d).to_script_json()),
        columns: columns(labels, &rows),
        rows,
    };

    let breakdown_figure =
        |b: &Breakdown, id: &str, what: &str, code_label: &str, name_label: &str| {
            let bounds: Vec<_> = b.rows.iter().map(|r| (r.lower, r.upper)).collect();
            let has_interval = with_interval(bounds.iter());
            let mut labels = vec![
                code_label.to_owned(),
                name_label.to_owned(),
                value_column.clone(),
            ];
            if has_interval {
                labels.push(band_label.clone());
            }
            let rows: Vec<TableRow> = b
                .rows
                .iter()
                .map(|r| {
                    let mut cells = vec![TableCell::text(&r.label), TableCell::cell(r.value, d)];
                    if has_interval {
                        cells.push(interval_cell(r.value, r.lower, r.upper, d));
                    }
                    TableRow {
                        head: TableCell::text(&r.code),
                        cells,
                    }
                })
                .collect();
            Figure {
                id: id.to_owned(),
                title: format!("By {what}, {}", b.period),
                caption: format::describe_breakdown(b, what, &ind.unit, d),
                chart_json: (!b.rows.is_empty())
                    .then(|| ChartData::breakdown(b, &ind.title, d).to_script_json()),
                columns: columns(labels, &rows),
                rows,
            }
        };
    let level_name = match f.level.unwrap_or(1) {
        2 => "ICCS division",
        3 => "ICCS group",
        4 => "ICCS class",
        _ => "ICCS section",
    };
    let by_iccs = view
        .by_iccs
        .as_ref()
        .map(|b| breakdown_figure(b, "by-iccs", level_name, "ICCS code", "Category"));
    let by_area = view
        .by_area
        .as_ref()
        .map(|b| breakdown_figure(b, "by-area", "area", "Area code", "Area"));

    let reset = crate::query::ExplorerQuery {
        indicator: Some(ind.id.clone()),
        ..Default::default()
    }
    .href();
    render(
        "explorer",
        &ExplorerPage {
            layout: Layout::new(
                format!("{} – Indicator explorer", ind.title),
                Section::Explorer,
                true,
            ),
            view,
            fields,
            applied,
            trend,
            by_iccs,
            by_area,
            permalink: f.href(),
            reset,
        },
    )
}

// ---------------------------------------------------------------------------
// Early warning

#[derive(Template)]
#[template(path = "early_warning.html")]
struct EarlyWarningPage<'a> {
    layout: Layout,
    view: &'a EarlyWarningView,
    series: Vec<Flagged>,
}

struct Flagged {
    id: String,
    indicator: String,
    label: String,
    figure: Figure,
    explorer_href: Option<String>,
}

/// Says how a flagged value compares with its expected range.
fn flag_summary(s: &crate::view::FlaggedSeries) -> String {
    let d = s.decimals;
    let range = format!(
        "{} to {}",
        format::number(s.lower, d),
        format::number(s.upper, d)
    );
    match s.observed.value() {
        Some(v) => {
            let side = if v > s.upper {
                format!("{} above the upper limit", format::number(v - s.upper, d))
            } else if v < s.lower {
                format!("{} below the lower limit", format::number(s.lower - v, d))
            } else {
                "within the range".to_owned()
            };
            format!(
                "{}: recorded {} against an expected {} (range {range}), {side}.",
                s.period,
                format::number(v, d),
                format::number(s.expected, d)
            )
        }
        None => format!(
            "{}: the recorded value is {}; expected {} (range {range}).",
            s.period,
            format::cell(s.observed, d),
            format::number(s.expected, d)
        ),
    }
}

/// The early-warning page: each flagged series with its chart and table.
pub fn render_early_warning(view: &EarlyWarningView) -> Result<String, RenderError> {
    let series = view
        .flagged
        .iter()
        .map(|s| {
            let d = s.decimals;
            let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format::number(v, d));
            let rows: Vec<TableRow> = s
                .points
                .iter()
                .map(|p| TableRow {
                    head: TableCell::text(&p.period),
                    cells: vec![
                        TableCell::cell(p.observed, d),
                        TableCell::number(opt(p.expected)),
                        TableCell::number(match (p.lower, p.upper) {
                            (Some(lo), Some(hi)) => {
                                format!("{} – {}", format::number(lo, d), format::number(hi, d))
                            }
                            _ => String::new(),
                        }),
                        TableCell::text(if p.flagged { "flagged" } else { "" }),
                    ],
                })
                .collect();
            Flagged {
                id: s.id.clone(),
                indicator: s.indicator.clone(),
                label: s.label.clone(),
                figure: Figure {
                    id: format!("warn-{}", s.id),
                    title: format!("{}: observed and expected", s.label),
                    caption: flag_summary(s),
                    chart_json: (!s.points.is_empty())
                        .then(|| ChartData::warning(s).to_script_json()),
                    columns: columns(
                        ["Period", "Observed", "Expected", "Expected range", "Flag"]
                            .map(String::from)
                            .to_vec(),
                        &rows,
                    ),
                    rows,
                },
                explorer_href: s.explorer_href.clone(),
            }
        })
        .collect();
    render(
        "early warning",
        &EarlyWarningPage {
            layout: Layout::new("Early warning", Section::EarlyWarning, true),
            view,
            series,
        },
    )
}

// ---------------------------------------------------------------------------
// Data quality

#[derive(Template)]
#[template(path = "data_quality.html")]
struct DataQualityPage<'a> {
    layout: Layout,
    view: &'a DataQualityView,
    batches: Vec<BatchLine>,
    totals: [String; 4],
    unreconciled: usize,
    quarantine: Figure,
    mapping: Figure,
}

struct BatchLine {
    id: String,
    kind: String,
    source: String,
    committed_at: String,
    counts: [String; 4],
    state: String,
    retracted: bool,
    reconciles: bool,
    gap: String,
}

/// The data-quality page: batches and their reconciliation, quarantined rows by
/// reason, and classification coverage by source.
pub fn render_data_quality(view: &DataQualityView) -> Result<String, RenderError> {
    let n = |v: u64| format::number(v as f64, 0);
    let batches: Vec<BatchLine> = view
        .batches
        .iter()
        .map(|b| {
            let accounted = u128::from(b.rows_stored)
                + u128::from(b.rows_quarantined)
                + u128::from(b.rows_duplicate);
            let read = u128::from(b.rows_read);
            let gap = match read.cmp(&accounted) {
                std::cmp::Ordering::Equal => "all rows accounted for".to_owned(),
                std::cmp::Ordering::Greater => format!(
                    "{} rows unaccounted for",
                    format::number((read - accounted) as f64, 0)
                ),
                std::cmp::Ordering::Less => format!(
                    "{} rows more than were read",
                    format::number((accounted - read) as f64, 0)
                ),
            };
            BatchLine {
                id: b.id.clone(),
                kind: b.kind.clone(),
                source: b.source.clone(),
                committed_at: b.committed_at.clone(),
                counts: [
                    n(b.rows_read),
                    n(b.rows_stored),
                    n(b.rows_quarantined),
                    n(b.rows_duplicate),
                ],
                state: match &b.state {
                    BatchState::Committed => "committed".to_owned(),
                    BatchState::Retracted(reason) => format!("retracted: {reason}"),
                },
                retracted: matches!(b.state, BatchState::Retracted(_)),
                reconciles: b.reconciles(),
                gap,
            }
        })
        .collect();
    let sum = |f: fn(&crate::view::BatchRow) -> u64| {
        view.batches.iter().map(f).fold(0u64, u64::saturating_add)
    };
    let totals = [
        n(sum(|b| b.rows_read)),
        n(sum(|b| b.rows_stored)),
        n(sum(|b| b.rows_quarantined)),
        n(sum(|b| b.rows_duplicate)),
    ];
    let unreconciled = view.batches.iter().filter(|b| !b.reconciles()).count();

    let quarantined: u64 = view
        .quarantine
        .iter()
        .map(|r| r.rows)
        .fold(0, u64::saturating_add);
    let quarantine_rows: Vec<TableRow> = view
        .quarantine
        .iter()
        .map(|r| TableRow {
            head: TableCell::text(&r.reason),
            cells: vec![
                TableCell::number(n(r.rows)),
                TableCell::number(format::percent(r.rows, quarantined)),
            ],
        })
        .collect();
    let quarantine = Figure {
        id: "quarantine".to_owned(),
        title: "Quarantined rows by reason".to_owned(),
        caption: match view.quarantine.first() {
            None => "No rows are in quarantine.".to_owned(),
            Some(top) => format!(
                "{} rows in quarantine for {} reasons; the most common is “{}” ({} rows, {}).",
                n(quarantined),
                view.quarantine.len(),
                top.reason,
                n(top.rows),
                format::percent(top.rows, quarantined)
            ),
        },
        chart_json: (!view.quarantine.is_empty()).then(|| {
            ChartData::bars(
                view.quarantine.iter().map(|r| r.reason.clone()).collect(),
                vec![BarSeries {
                    label: "Rows".to_owned(),
                    values: counts(view.quarantine.iter().map(|r| r.rows)),
                }],
            )
            .to_script_json()
        }),
        columns: columns(
            ["Reason", "Rows", "Share"].map(String::from).to_vec(),
            &quarantine_rows,
        ),
        rows: quarantine_rows,
    };

    let mapping_rows: Vec<TableRow> = view
        .mapping
        .iter()
        .map(|m| TableRow {
            head: TableCell::text(&m.source),
            cells: vec![
                TableCell::text(&m.mapping_version),
                TableCell::number(n(m.mapped)),
                TableCell::number(n(m.suggested)),
                TableCell::number(n(m.unmapped)),
                TableCell::number(format::percent(m.mapped, m.total())),
            ],
        })
        .collect();
    let mapping = Figure {
        id: "mapping".to_owned(),
        title: "Classification coverage by source".to_owned(),
        caption: {
            let mapped: u64 = view
                .mapping
                .iter()
                .map(|m| m.mapped)
                .fold(0, u64::saturating_add);
            let total: u64 = view
                .mapping
                .iter()
                .map(|m| m.total())
                .fold(0, u64::saturating_add);
            if total == 0 {
                "No offences have been classified yet.".to_owned()
            } else {
                format!(
                    "{} of {} offences ({}) are mapped to ICCS by a correspondence table; unmapped offences are counted as not classifiable.",
                    n(mapped),
                    n(total),
                    format::percent(mapped, total)
                )
            }
        },
        chart_json: (!view.mapping.is_empty()).then(|| {
            ChartData::bars(
                view.mapping.iter().map(|m| m.source.clone()).collect(),
                vec![
                    BarSeries {
                        label: "Mapped".to_owned(),
                        values: counts(view.mapping.iter().map(|m| m.mapped)),
                    },
                    BarSeries {
                        label: "Suggested, awaiting review".to_owned(),
                        values: counts(view.mapping.iter().map(|m| m.suggested)),
                    },
                    BarSeries {
                        label: "Unmapped".to_owned(),
                        values: counts(view.mapping.iter().map(|m| m.unmapped)),
                    },
                ],
            )
            .to_script_json()
        }),
        columns: columns(
            [
                "Source",
                "Mapping version",
                "Mapped",
                "Suggested",
                "Unmapped",
                "Mapped share",
            ]
            .map(String::from)
            .to_vec(),
            &mapping_rows,
        ),
        rows: mapping_rows,
    };
    render(
        "data quality",
        &DataQualityPage {
            layout: Layout::new("Data quality", Section::DataQuality, true),
            view,
            batches,
            totals,
            unreconciled,
            quarantine,
            mapping,
        },
    )
}

// ---------------------------------------------------------------------------
// Releases

#[derive(Template)]
#[template(path = "releases.html")]
struct ReleasesPage<'a> {
    layout: Layout,
    view: &'a ReleasesView,
    releases: Vec<ReleaseBlock<'a>>,
}

struct ReleaseBlock<'a> {
    release: &'a ReleaseRow,
    files: Vec<FileLine<'a>>,
}

struct FileLine<'a> {
    file: &'a Download,
    size: String,
}

/// The releases page: each release with its files, sizes and checksums.
pub fn render_releases(view: &ReleasesView) -> Result<String, RenderError> {
    let releases = view
        .releases
        .iter()
        .map(|release| ReleaseBlock {
            release,
            files: release
                .files
                .iter()
                .map(|file| FileLine {
                    file,
                    size: format::bytes(file.bytes),
                })
                .collect(),
        })
        .collect();
    render(
        "releases",
        &ReleasesPage {
            layout: Layout::new("Releases", Section::Releases, false),
            view,
            releases,
        },
    )
}

// ---------------------------------------------------------------------------
// Kyoto

#[derive(Template)]
#[template(path = "kyoto.html")]
struct KyotoPage<'a> {
    layout: Layout,
    view: &'a KyotoView,
}

impl KyotoPage<'_> {
    /// The latest value, or the data layer's remark when there is none.
    fn value(&self, e: &crate::kyoto::Evidence) -> String {
        match (&e.latest, &e.note) {
            (None, Some(note)) => note.clone(),
            (latest, _) => latest_text(latest),
        }
    }

    fn is_suppressed(&self, latest: &Option<Latest>) -> bool {
        latest.as_ref().is_some_and(|l| l.value.is_suppressed())
    }

    fn paragraphs(&self, numbers: &[u16]) -> String {
        numbers
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The Kyoto Declaration page: commitments under the Declaration's headings,
/// each with its summary and the indicators that measure it.
pub fn render_kyoto(view: &KyotoView) -> Result<String, RenderError> {
    render(
        "Kyoto Declaration",
        &KyotoPage {
            layout: Layout::new("Kyoto Declaration", Section::Kyoto, false),
            view,
        },
    )
}

// ---------------------------------------------------------------------------
// Errors

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: String,
    message: String,
}

/// An error page: the status, a heading and the message.
pub fn render_error(status: u16, heading: &str, message: &str) -> Result<String, RenderError> {
    render(
        "error",
        &ErrorPage {
            layout: Layout::new(heading, Section::None, false),
            status,
            heading: heading.to_owned(),
            message: message.to_owned(),
        },
    )
}
