//! The dashboard's data over a real workspace: [`WorkspaceData`] implements
//! [`DashboardData`] for one audience.
//!
//! | role | explorer, overview, Kyoto | early warning | quarantine reasons |
//! |---|---|---|---|
//! | public (no token) | the latest release's protected tables | not shown (it works on unpublished monthly figures) | not shown |
//! | analyst | the live tables after disclosure control | observed values from the protected live tables | not shown |
//! | microdata | the live tables as computed | as `evident trends` wrote them | not shown |
//! | admin | as microdata | as microdata | shown (they quote values from rows) |
//!
//! Batches and mapping coverage (counts of rows, not of people) are shown to everyone.
//!
//! **Direction** of an indicator compares its two latest annual national
//! values. Where the table gives a confidence interval, the direction is
//! *rising* or *falling* only when the two intervals do not overlap, a
//! conservative test of the difference (Schenker & Gentleman 2001, *On
//! judging the significance of differences by examining the overlap between
//! confidence intervals*, The American Statistician 55(3)); otherwise *no
//! clear change*. Without intervals, a change of more than 2 % of the earlier
//! value counts as a rise or a fall.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use evident_engine::tables::iccs_cell_name;
use evident_store::{BatchStatus, Role};

use crate::Download;
use crate::data::{DashboardData, DataError, DataFuture};
use crate::figures::{Figures, FiguresError};
use crate::kyoto::EVIDENCE_SOURCES;
use crate::query::ExplorerQuery;
use crate::table::{RowStatus, Table};
use crate::view::{
    BatchRow, BatchState, Breakdown, BreakdownRow, Cell, Choice, DataQualityView, Direction,
    EarlyWarningView, ExplorerOptions, ExplorerView, FlaggedSeries, HomeView, IndicatorInfo,
    IndicatorSummary, Latest, MappingCoverage, ReasonCount, ReleaseRow, ReleaseSummary,
    ReleasesView, SeriesPoint, WarningPoint,
};

/// How the dashboard shows one indicator: its main value, interval, count,
/// decimals, and the codes that pin the dimensions the explorer has no filter for.
#[derive(Debug, Clone, Copy)]
pub struct Presentation {
    /// Indicator id.
    pub id: &'static str,
    /// The value shown.
    pub value: &'static str,
    /// Lower bound of its interval, if the table has one.
    pub lower: Option<&'static str>,
    /// Upper bound.
    pub upper: Option<&'static str>,
    /// What the interval is.
    pub interval: Option<&'static str>,
    /// The count behind the value (early warning's series are counts).
    pub count: Option<&'static str>,
    /// Decimals shown.
    pub decimals: u8,
    /// Dimensions fixed to one code.
    pub fixed: &'static [(&'static str, &'static str)],
}

const POISSON: &str = "95 % confidence interval (exact Poisson, Garwood 1936)";
const WILSON: &str = "95 % confidence interval (Wilson 1927)";

/// The indicators the dashboard shows, in menu order.
pub const PRESENTATIONS: &[Presentation] = &[
    Presentation {
        id: "offences",
        value: "rate_per_100k",
        lower: Some("rate_lower"),
        upper: Some("rate_upper"),
        interval: Some(POISSON),
        count: Some("offences"),
        decimals: 1,
        fixed: &[],
    },
    Presentation {
        id: "victims",
        value: "rate_per_100k",
        lower: Some("rate_lower"),
        upper: Some("rate_upper"),
        interval: Some(POISSON),
        count: Some("victims"),
        decimals: 1,
        fixed: &[],
    },
    Presentation {
        id: "sdg_16_1_1",
        value: "rate_per_100k",
        lower: Some("rate_lower"),
        upper: Some("rate_upper"),
        interval: Some(POISSON),
        count: Some("victims"),
        decimals: 2,
        fixed: &[],
    },
    Presentation {
        id: "sdg_16_2_2",
        value: "rate_per_100k",
        lower: Some("rate_lower"),
        upper: Some("rate_upper"),
        interval: Some(POISSON),
        count: Some("victims"),
        decimals: 2,
        fixed: &[("exploitation", "_T")],
    },
    Presentation {
        id: "sdg_16_3_2",
        value: "unsentenced_pct",
        lower: Some("unsentenced_pct_lower"),
        upper: Some("unsentenced_pct_upper"),
        interval: Some(WILSON),
        count: Some("unsentenced"),
        decimals: 1,
        fixed: &[],
    },
    Presentation {
        id: "sdg_16_10_1",
        value: "victims",
        lower: None,
        upper: None,
        interval: None,
        count: Some("victims"),
        decimals: 0,
        fixed: &[("occupation", "_T")],
    },
    Presentation {
        id: "prison_occupancy",
        value: "occupancy_pct",
        lower: None,
        upper: None,
        interval: None,
        count: Some("held"),
        decimals: 1,
        fixed: &[],
    },
    Presentation {
        id: "severity_index",
        value: "index",
        lower: None,
        upper: None,
        interval: None,
        count: None,
        decimals: 1,
        fixed: &[("sub_index", "total")],
    },
    Presentation {
        id: "reoffending",
        value: "reoffending_pct",
        lower: Some("reoffending_pct_lower"),
        upper: Some("reoffending_pct_upper"),
        interval: Some(WILSON),
        count: Some("reoffenders"),
        decimals: 1,
        fixed: &[],
    },
    Presentation {
        id: "recidivism",
        value: "rearrest_pct",
        lower: None,
        upper: None,
        interval: None,
        count: Some("rearrested"),
        decimals: 1,
        fixed: &[("follow_up", "Y3")],
    },
];

/// Headline indicators on the overview, in order.
const HEADLINES: &[&str] = &[
    "offences",
    "victims",
    "sdg_16_1_1",
    "sdg_16_3_2",
    "prison_occupancy",
    "reoffending",
];

/// Dimensions the explorer pins to a code (all except period).
const DIMENSIONS: &[&str] = &[
    "iccs",
    "area",
    "sex",
    "age",
    "exploitation",
    "occupation",
    "stage",
    "sub_index",
    "follow_up",
];

/// The presentation of an indicator.
pub fn presentation(id: &str) -> Option<&'static Presentation> {
    PRESENTATIONS.iter().find(|p| p.id == id)
}

/// The figures one audience may see, with what to say about them.
struct Source {
    tables: BTreeMap<String, Arc<Table>>,
    notes: Vec<String>,
    area_names: BTreeMap<String, String>,
    area_parents: BTreeMap<String, Option<String>>,
}

/// [`DashboardData`] over a workspace, for one role.
pub struct WorkspaceData {
    figures: Arc<Figures>,
    role: Role,
}

fn data_error(e: FiguresError) -> DataError {
    match e {
        FiguresError::NotFound(m) => DataError::NotFound(m),
        FiguresError::Unavailable(m) => DataError::Unavailable(m),
        FiguresError::Internal(m) => DataError::Internal(m),
    }
}

fn store_error(e: impl std::fmt::Display) -> DataError {
    DataError::Internal(e.to_string())
}

/// Which direction between two values, by their intervals where known.
pub fn direction(
    previous: (f64, Option<f64>, Option<f64>),
    latest: (f64, Option<f64>, Option<f64>),
) -> Direction {
    match (previous, latest) {
        ((_, Some(pl), Some(pu)), (_, Some(ll), Some(lu))) => {
            if ll > pu {
                Direction::Rising
            } else if lu < pl {
                Direction::Falling
            } else {
                Direction::Stable
            }
        }
        ((p, ..), (l, ..)) => {
            let change = l - p;
            if change.abs() <= 0.02 * p.abs() {
                Direction::Stable
            } else if change > 0.0 {
                Direction::Rising
            } else {
                Direction::Falling
            }
        }
    }
}

fn cell_of(table: &Table, column: &str, row: usize) -> Cell {
    match table.status(row) {
        RowStatus::Suppressed => Cell::Suppressed,
        RowStatus::Missing => Cell::Missing,
        RowStatus::Published => table.number(column, row).map_or(Cell::Missing, Cell::Value),
    }
}

fn bound(table: &Table, column: Option<&str>, row: usize) -> Option<f64> {
    if table.status(row) != RowStatus::Published {
        return None;
    }
    table.number(column?, row)
}

/// Sorts periods of one frequency (they are zero-padded, so text order is time order).
fn freq_of(period: &str) -> &'static str {
    match period.split_once('-') {
        None => "A",
        Some((_, rest)) if rest.starts_with('Q') => "Q",
        Some(_) => "M",
    }
}

fn sex_label(code: &str) -> String {
    match code {
        "F" => "Female".into(),
        "M" => "Male".into(),
        "_O" => "Other".into(),
        "_U" => "Not known".into(),
        other => other.into(),
    }
}

fn age_label(code: &str) -> String {
    if code == "_U" {
        return "Not known".into();
    }
    if let Some(from) = code.strip_prefix("Y_GE") {
        return format!("{from} and over");
    }
    if let Some(rest) = code.strip_prefix('Y')
        && let Some((a, b)) = rest.split_once('T')
    {
        return format!("{a}–{b}");
    }
    code.to_owned()
}

fn level_label(level: &str) -> String {
    match level {
        "1" => "Sections (level 1)".into(),
        "2" => "Divisions (level 2)".into(),
        "3" => "Groups (level 3)".into(),
        "4" => "Classes (level 4)".into(),
        other => other.into(),
    }
}

/// The trends file `evident trends` writes (see `docs/dashboard.md`), read leniently.
#[derive(Debug, Clone, Default)]
struct Trends {
    as_of: String,
    method: String,
    series_checked: usize,
    flagged: Vec<TrendSeries>,
}

#[derive(Debug, Clone)]
struct TrendSeries {
    id: String,
    indicator: String,
    label: String,
    filters: BTreeMap<String, String>,
    period: String,
    periods: Vec<String>,
    observed: Vec<Option<f64>>,
    expected: Vec<Option<f64>>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
    flagged_periods: Vec<String>,
    score: f64,
}

fn floats(value: &serde_json::Value) -> Vec<Option<f64>> {
    value
        .as_array()
        .map(|a| a.iter().map(serde_json::Value::as_f64).collect())
        .unwrap_or_default()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn read_trends(path: &std::path::Path) -> Result<Option<Trends>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let doc: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut flagged = Vec::new();
    for (i, s) in doc["series"].as_array().into_iter().flatten().enumerate() {
        if s["flagged"].as_bool() != Some(true) {
            continue;
        }
        let periods = strings(&s["periods"]);
        let observed = floats(&s["observed"]);
        if periods.is_empty() || observed.len() != periods.len() {
            continue;
        }
        let filters = s["filters"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let period = s["period"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| periods.last().cloned())
            .unwrap_or_default();
        let mut flagged_periods = strings(&s["flagged_periods"]);
        if flagged_periods.is_empty() {
            flagged_periods.push(period.clone());
        }
        flagged.push(TrendSeries {
            id: s["id"]
                .as_str()
                .map_or_else(|| format!("series-{i}"), str::to_owned),
            indicator: text(&s["indicator"]),
            label: s["label"]
                .as_str()
                .map_or_else(|| format!("Series {}", i + 1), str::to_owned),
            filters,
            period,
            expected: floats(&s["expected"]),
            lower: floats(&s["lower"]),
            upper: floats(&s["upper"]),
            periods,
            observed,
            flagged_periods,
            score: s["q_value"]
                .as_f64()
                .or_else(|| s["p_value"].as_f64())
                .unwrap_or(1.0),
        });
    }
    flagged.sort_by(|a, b| a.score.total_cmp(&b.score));
    Ok(Some(Trends {
        as_of: text(&doc["as_of"]),
        method: text(&doc["method"]),
        series_checked: doc["series_checked"].as_u64().map_or_else(
            || doc["series"].as_array().map_or(0, Vec::len),
            |n| n as usize,
        ),
        flagged,
    }))
}

impl WorkspaceData {
    /// The dashboard's data for callers with `role`.
    pub fn new(figures: Arc<Figures>, role: Role) -> WorkspaceData {
        WorkspaceData { figures, role }
    }

    fn trends_path(&self) -> PathBuf {
        self.figures
            .workspace()
            .root()
            .join("trends")
            .join("latest.json")
    }

    async fn source(&self) -> Result<Source, DataError> {
        let areas = self.figures.areas().await.map_err(data_error)?;
        let area_parents = areas
            .iter()
            .map(|a| (a.code.clone(), a.parent.clone()))
            .collect();
        let mut area_names: BTreeMap<String, String> = areas
            .iter()
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect();
        let (tables, notes) = match self.role {
            Role::Public => {
                let release = self.figures.release("latest").await.map_err(data_error)?;
                for (code, name) in &release.area_names {
                    area_names
                        .entry(code.clone())
                        .or_insert_with(|| name.clone());
                }
                let note = format!(
                    "Figures of release {} (published {}). Cells withheld by disclosure control read “suppressed”.",
                    release.record.id, release.manifest.created
                );
                (release.tables.clone(), vec![note])
            }
            Role::Analyst => {
                let (live, cube) = self.figures.protected().await.map_err(data_error)?;
                let mut notes = vec![format!(
                    "Live figures computed {} from the store, protected by cell suppression as one set of tables{}.",
                    live.computed_at,
                    cube.jointly_with
                        .as_ref()
                        .map(|r| format!(" and audited jointly with release {r}"))
                        .unwrap_or_default()
                )];
                notes.extend(live.stale.clone());
                (cube.tables.clone(), notes)
            }
            Role::Microdata | Role::Admin => {
                let live = self.figures.live().await.map_err(data_error)?;
                let mut notes = vec![format!(
                    "Unprotected working figures computed {} (microdata role): small counts are shown as they are; not for publication.",
                    live.computed_at
                )];
                notes.extend(live.stale.clone());
                (live.raw.clone(), notes)
            }
        };
        area_names.insert("_T".into(), "Whole country".into());
        Ok(Source {
            tables,
            notes,
            area_names,
            area_parents,
        })
    }

    fn area_label(source: &Source, code: &str) -> String {
        source.area_names.get(code).cloned().unwrap_or_else(|| {
            if code == "_U" {
                "Area not known".into()
            } else {
                code.to_owned()
            }
        })
    }
}

/// The national annual series of an indicator: (period, value, lower, upper) published.
fn national_series(
    table: &Table,
    p: &Presentation,
) -> Vec<(String, Cell, Option<f64>, Option<f64>)> {
    let mut key: Vec<(&str, &str)> = DIMENSIONS
        .iter()
        .filter(|d| table.has(d))
        .map(|d| {
            (
                *d,
                p.fixed
                    .iter()
                    .find(|(f, _)| f == d)
                    .map_or("_T", |(_, c)| *c),
            )
        })
        .collect();
    if table.has("freq") {
        key.push(("freq", "A"));
    }
    let mut rows: Vec<(String, Cell, Option<f64>, Option<f64>)> = table
        .select(&key)
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let r = r as usize;
            (
                table.text("period", r).unwrap_or_default().to_owned(),
                cell_of(table, p.value, r),
                bound(table, p.lower, r),
                bound(table, p.upper, r),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

fn summary(table: &Table, p: &Presentation) -> IndicatorSummary {
    let info = evident_engine::indicator(p.id);
    let series = national_series(table, p);
    let latest = series.last().map(|(period, value, ..)| Latest {
        period: period.clone(),
        value: *value,
        unit: info.map(|i| i.unit.to_owned()).unwrap_or_default(),
        decimals: p.decimals,
    });
    let published: Vec<(f64, Option<f64>, Option<f64>)> = series
        .iter()
        .rev()
        .take(2)
        .filter_map(|(_, v, lo, hi)| v.value().map(|v| (v, *lo, *hi)))
        .collect();
    let dir = match published.as_slice() {
        [latest, previous] if series.len() >= 2 => direction(*previous, *latest),
        _ => Direction::Unknown,
    };
    IndicatorSummary {
        id: p.id.to_owned(),
        title: info.map_or_else(|| p.id.to_owned(), |i| i.title.to_owned()),
        latest,
        direction: dir,
        note: None,
    }
}

impl WorkspaceData {
    async fn trends(&self) -> Result<Option<Trends>, DataError> {
        let path = self.trends_path();
        tokio::task::spawn_blocking(move || read_trends(&path))
            .await
            .map_err(store_error)?
            .map_err(DataError::Internal)
    }

    async fn build_home(&self) -> Result<HomeView, DataError> {
        let ws = self.figures.workspace();
        let mut publisher = ws.config().workspace.name.clone();
        if self.role >= Role::Microdata {
            publisher.push_str(
                " (unprotected working figures: you are signed in with the microdata role)",
            );
        }
        let releases = self.figures.releases().await.map_err(data_error)?;
        let latest_release = releases.last().map(|r| ReleaseSummary {
            id: r.id.clone(),
            title: format!("Release {}", r.id),
            published: r.created_at.clone(),
        });
        let headlines = match self.source().await {
            Ok(source) => HEADLINES
                .iter()
                .filter_map(|id| Some(summary(source.tables.get(*id)?, presentation(id)?)))
                .collect(),
            Err(DataError::Unavailable(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        let flagged = self.trends().await?.map_or(0, |t| t.flagged.len());
        Ok(HomeView {
            publisher,
            headlines,
            flagged,
            latest_release,
        })
    }

    async fn build_explorer(&self, query: &ExplorerQuery) -> Result<ExplorerView, DataError> {
        let source = self.source().await?;
        let available: Vec<&Presentation> = PRESENTATIONS
            .iter()
            .filter(|p| source.tables.contains_key(p.id))
            .collect();
        let id = match &query.indicator {
            Some(id) => id.clone(),
            None => available.first().map(|p| p.id.to_owned()).ok_or_else(|| {
                DataError::Unavailable("No indicator table is available yet.".into())
            })?,
        };
        let p = presentation(&id)
            .filter(|p| source.tables.contains_key(p.id))
            .ok_or_else(|| {
                DataError::NotFound(format!("The indicator {id:?} is not available here."))
            })?;
        let table = &source.tables[p.id];
        let info = evident_engine::indicator(p.id);
        let title = info.map_or(p.id, |i| i.title);
        for (asked, column, what) in [
            (query.area.is_some(), "area", "area"),
            (
                query.iccs.is_some() || query.level.is_some(),
                "iccs",
                "offence category",
            ),
            (query.sex.is_some(), "sex", "sex"),
            (query.age.is_some(), "age", "age group"),
        ] {
            if asked && !table.has(column) {
                return Err(DataError::BadRequest(format!(
                    "{title} cannot be broken down by {what}."
                )));
            }
        }
        let freq = match (&query.from, &query.to) {
            (Some(a), Some(b)) if freq_of(a) != freq_of(b) => {
                return Err(DataError::BadRequest(
                    "The first and last periods must be of the same length (both years, quarters or months).".into(),
                ));
            }
            (Some(p), _) | (_, Some(p)) => freq_of(p),
            (None, None) => "A",
        };
        let mut filters = query.clone();
        filters.indicator = Some(p.id.to_owned());
        let pinned = |skip: &str| -> Vec<(&'static str, String)> {
            let mut key: Vec<(&'static str, String)> = DIMENSIONS
                .iter()
                .copied()
                .filter(|d| table.has(d) && *d != skip)
                .map(|d| {
                    let chosen = match d {
                        "area" => query.area.clone(),
                        "iccs" => query.iccs.clone(),
                        "sex" => query.sex.clone(),
                        "age" => query.age.clone(),
                        _ => None,
                    };
                    let code = chosen.unwrap_or_else(|| {
                        p.fixed
                            .iter()
                            .find(|(f, _)| *f == d)
                            .map_or("_T", |(_, c)| *c)
                            .to_owned()
                    });
                    (d, code)
                })
                .collect();
            if table.has("freq") {
                key.push(("freq", freq.to_owned()));
            }
            key
        };
        let select = |key: &[(&'static str, String)]| -> Vec<usize> {
            let refs: Vec<(&str, &str)> = key.iter().map(|(k, v)| (*k, v.as_str())).collect();
            table
                .select(&refs)
                .unwrap_or_default()
                .into_iter()
                .map(|r| r as usize)
                .collect()
        };
        let in_span = |period: &str| {
            query.from.as_deref().is_none_or(|f| period >= f)
                && query.to.as_deref().is_none_or(|t| period <= t)
        };

        let mut series: Vec<SeriesPoint> = select(&pinned(""))
            .into_iter()
            .filter_map(|r| {
                let period = table.text("period", r)?.to_owned();
                in_span(&period).then(|| SeriesPoint {
                    value: cell_of(table, p.value, r),
                    lower: bound(table, p.lower, r),
                    upper: bound(table, p.upper, r),
                    period,
                })
            })
            .collect();
        series.sort_by(|a, b| a.period.cmp(&b.period));
        let latest = series.last().map(|s| s.period.clone());

        let row_of = |r: usize, code: String, label: String| BreakdownRow {
            code,
            label,
            value: cell_of(table, p.value, r),
            lower: bound(table, p.lower, r),
            upper: bound(table, p.upper, r),
        };
        let by_iccs = match (&latest, table.has("iccs")) {
            (Some(period), true) => {
                let depth = query.iccs.as_deref().map_or(0, |c| {
                    evident_iccs::Level::from_code_length(c.len()).map_or(0, |l| l.number())
                });
                let level = query.level.unwrap_or((depth + 1).min(4)).to_string();
                let mut key = pinned("iccs");
                key.push(("period", period.clone()));
                if table.has("iccs_level") {
                    key.push(("iccs_level", level));
                }
                let mut rows: Vec<BreakdownRow> = select(&key)
                    .into_iter()
                    .filter_map(|r| {
                        let code = table.text("iccs", r)?.to_owned();
                        let within = query
                            .iccs
                            .as_deref()
                            .is_none_or(|c| code.starts_with(c) && code != c);
                        (within && code != "_T")
                            .then(|| row_of(r, code.clone(), iccs_cell_name(&code)))
                    })
                    .collect();
                rows.sort_by(|a, b| a.code.cmp(&b.code));
                (!rows.is_empty()).then(|| Breakdown {
                    period: period.clone(),
                    rows,
                })
            }
            _ => None,
        };
        let by_area = match (&latest, table.has("area")) {
            (Some(period), true) => {
                let mut key = pinned("area");
                key.push(("period", period.clone()));
                let children = |parent: Option<&str>| -> Vec<BreakdownRow> {
                    let mut rows: Vec<BreakdownRow> = select(&key)
                        .into_iter()
                        .filter_map(|r| {
                            let code = table.text("area", r)?.to_owned();
                            if code == "_T" {
                                return None;
                            }
                            let up = source.area_parents.get(&code).cloned().flatten();
                            let fits = match parent {
                                None => up.is_none() && code != "_U",
                                Some(parent) => up.as_deref() == Some(parent),
                            };
                            fits.then(|| {
                                row_of(r, code.clone(), WorkspaceData::area_label(&source, &code))
                            })
                        })
                        .collect();
                    rows.sort_by(|a, b| a.code.cmp(&b.code));
                    rows
                };
                let mut rows = match query.area.as_deref() {
                    Some(area) => children(Some(area)),
                    None => Vec::new(),
                };
                if rows.is_empty() {
                    rows = children(None);
                }
                (!rows.is_empty()).then(|| Breakdown {
                    period: period.clone(),
                    rows,
                })
            }
            _ => None,
        };

        let choices = |column: &str, label: &dyn Fn(&str) -> String| -> Vec<Choice> {
            if !table.has(column) {
                return Vec::new();
            }
            table
                .codes(column)
                .into_iter()
                .filter(|c| *c != "_T")
                .map(|c| Choice::new(c, label(c)))
                .collect()
        };
        let areas = if table.has("area") {
            let mut regions: Vec<&str> = Vec::new();
            let mut districts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            let codes = table.codes("area");
            for code in &codes {
                if *code == "_T" {
                    continue;
                }
                match source.area_parents.get(*code).cloned().flatten() {
                    Some(parent) => districts
                        .entry(codes.iter().copied().find(|c| *c == parent).unwrap_or(code))
                        .or_default()
                        .push(code),
                    None => regions.push(code),
                }
            }
            let mut out = Vec::new();
            for region in regions {
                out.push(Choice::new(
                    region,
                    WorkspaceData::area_label(&source, region),
                ));
                for district in districts.get(region).into_iter().flatten() {
                    if district != &region {
                        out.push(Choice::new(
                            *district,
                            format!("— {}", WorkspaceData::area_label(&source, district)),
                        ));
                    }
                }
            }
            out
        } else {
            Vec::new()
        };
        let periods: Vec<Choice> = {
            let all: Vec<&str> = if table.has("freq") {
                let mut set: Vec<&str> = table
                    .select(&[("freq", freq)])
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| table.text("period", r as usize))
                    .collect();
                set.sort_unstable();
                set.dedup();
                set
            } else {
                table.codes("period")
            };
            all.into_iter().map(|c| Choice::new(c, c)).collect()
        };
        let levels: Vec<Choice> = if table.has("iccs_level") {
            table
                .codes("iccs_level")
                .into_iter()
                .filter(|l| *l != "0")
                .map(|l| Choice::new(l, level_label(l)))
                .collect()
        } else {
            Vec::new()
        };
        let iccs: Vec<Choice> = if table.has("iccs") {
            table
                .codes("iccs")
                .into_iter()
                .filter(|c| *c != "_T" && (c.len() <= 4 || query.iccs.as_deref() == Some(*c)))
                .map(|c| Choice::new(c, format!("{c} {}", iccs_cell_name(c))))
                .collect()
        } else {
            Vec::new()
        };
        let options = ExplorerOptions {
            indicators: available
                .iter()
                .map(|p| {
                    Choice::new(
                        p.id,
                        evident_engine::indicator(p.id).map_or(p.id, |i| i.title),
                    )
                })
                .collect(),
            periods,
            areas,
            levels,
            iccs,
            sexes: choices("sex", &sex_label),
            ages: choices("age", &age_label),
        };
        let mut notes = source.notes.clone();
        if freq != "A" {
            notes.push("Monthly and quarterly rates are not annualised.".into());
        }
        Ok(ExplorerView {
            indicator: IndicatorInfo {
                id: p.id.to_owned(),
                title: title.to_owned(),
                unit: info.map(|i| i.unit.to_owned()).unwrap_or_default(),
                decimals: p.decimals,
                interval: p.interval.map(str::to_owned),
                method: info.map(|i| i.method.to_owned()).unwrap_or_default(),
                source: info.map(|i| i.source.to_owned()).unwrap_or_default(),
            },
            filters,
            options,
            series,
            by_iccs,
            by_area,
            notes,
        })
    }

    async fn build_early_warning(&self) -> Result<EarlyWarningView, DataError> {
        let empty = |method: String, notes: Vec<String>| EarlyWarningView {
            as_of: String::new(),
            method,
            series_checked: 0,
            flagged: Vec::new(),
            notes,
        };
        if self.role == Role::Public {
            return Ok(empty(
                "Early warning looks at unpublished monthly figures by area and offence, so it is shown to \
                 signed-in analysts only. The published figures are in the explorer and on the releases page."
                    .into(),
                Vec::new(),
            ));
        }
        let Some(trends) = self.trends().await? else {
            return Ok(empty(
                "No early-warning check has been run yet. Run `evident trends`: it writes \
                 WORKSPACE/trends/latest.json, which this page shows."
                    .into(),
                Vec::new(),
            ));
        };
        // Analysts see observed counts only as the protected live tables publish them.
        let protected = if self.role == Role::Analyst {
            Some(self.figures.protected().await.map_err(data_error)?.1)
        } else {
            None
        };
        let mut flagged = Vec::new();
        for s in &trends.flagged {
            let decimals = 0;
            let observed_at = |i: usize| -> Cell {
                match &protected {
                    None => s.observed[i].map_or(Cell::Missing, Cell::Value),
                    Some(cube) => {
                        let count = presentation(&s.indicator).and_then(|p| p.count);
                        let (Some(table), Some(count)) = (cube.tables.get(&s.indicator), count)
                        else {
                            return Cell::Suppressed;
                        };
                        let mut key: Vec<(&str, &str)> = DIMENSIONS
                            .iter()
                            .filter(|d| table.has(d))
                            .map(|d| (*d, s.filters.get(*d).map_or("_T", String::as_str)))
                            .collect();
                        key.push(("period", s.periods[i].as_str()));
                        if table.has("freq") {
                            key.push(("freq", freq_of(&s.periods[i])));
                        }
                        match table
                            .select(&key)
                            .ok()
                            .and_then(|rows| rows.first().copied())
                        {
                            Some(r) => cell_of(table, count, r as usize),
                            None => Cell::Suppressed,
                        }
                    }
                }
            };
            let at = |v: &Vec<Option<f64>>, i: usize| v.get(i).copied().flatten();
            let points: Vec<WarningPoint> = (0..s.periods.len())
                .map(|i| WarningPoint {
                    period: s.periods[i].clone(),
                    observed: observed_at(i),
                    expected: at(&s.expected, i),
                    lower: at(&s.lower, i),
                    upper: at(&s.upper, i),
                    flagged: s.flagged_periods.contains(&s.periods[i]),
                })
                .collect();
            let Some(i) = s.periods.iter().position(|p| *p == s.period) else {
                continue;
            };
            let (Some(expected), Some(lower), Some(upper)) =
                (at(&s.expected, i), at(&s.lower, i), at(&s.upper, i))
            else {
                continue;
            };
            let explorer_href = presentation(&s.indicator).map(|_| {
                ExplorerQuery {
                    indicator: Some(s.indicator.clone()),
                    area: s.filters.get("area").filter(|c| *c != "_T").cloned(),
                    iccs: s.filters.get("iccs").filter(|c| *c != "_T").cloned(),
                    from: s.periods.first().cloned(),
                    to: s.periods.last().cloned(),
                    ..ExplorerQuery::default()
                }
                .href()
            });
            flagged.push(FlaggedSeries {
                id: s
                    .id
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect(),
                indicator: evident_engine::indicator(&s.indicator)
                    .map_or_else(|| s.indicator.clone(), |i| i.title.to_owned()),
                label: s.label.clone(),
                period: s.period.clone(),
                observed: points[i].observed,
                expected,
                lower,
                upper,
                decimals,
                points,
                explorer_href,
            });
        }
        let mut notes = Vec::new();
        if protected.is_some() {
            notes.push(
                "Recorded counts are shown as the protected live tables publish them; the expected values and ranges are the early-warning model's."
                    .into(),
            );
        }
        Ok(EarlyWarningView {
            as_of: trends.as_of,
            method: if trends.method.is_empty() {
                "The method is not stated in the trends file.".into()
            } else {
                trends.method
            },
            series_checked: trends.series_checked.max(1),
            flagged,
            notes,
        })
    }

    async fn build_data_quality(&self) -> Result<DataQualityView, DataError> {
        let ws = self.figures.workspace();
        let batches = ws.batches(None).await.map_err(store_error)?;
        let rows = batches
            .iter()
            .map(|b| BatchRow {
                id: b.id.to_string(),
                kind: b.kind.name().replace('_', " "),
                source: b
                    .source
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                committed_at: b.committed_at.clone(),
                rows_read: b.rows_read,
                rows_stored: b.rows_stored,
                rows_quarantined: b.rows_quarantined,
                rows_duplicate: b.rows_duplicate,
                state: match &b.status {
                    BatchStatus::Committed => BatchState::Committed,
                    BatchStatus::Retracted { reason, .. } => BatchState::Retracted(reason.clone()),
                },
            })
            .collect();
        let mut notes = Vec::new();
        let quarantine = if self.role == Role::Admin {
            ws.quarantine_reasons()
                .await
                .map_err(store_error)?
                .into_iter()
                .map(|(reason, rows)| ReasonCount { reason, rows })
                .collect()
        } else {
            notes.push(
                "Quarantine reasons are shown to administrators only: they quote values from the rows set aside."
                    .to_owned(),
            );
            Vec::new()
        };
        let coverage = crate::api::mapping_coverage(&self.figures)
            .await
            .map_err(|e| DataError::Internal(e.message))?;
        let mapping = coverage
            .iter()
            .map(|c| MappingCoverage {
                source: c["source"].as_str().unwrap_or_default().to_owned(),
                mapping_version: c["mapping_versions"]
                    .as_array()
                    .map(|v| {
                        v.iter()
                            .filter_map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                mapped: c["mapped"].as_u64().unwrap_or(0),
                suggested: 0,
                unmapped: c["unmapped"].as_u64().unwrap_or(0),
            })
            .collect();
        notes.push(
            "Suggested codes awaiting review are not recorded in the catalog; offences without a mapping are counted as not classifiable."
                .to_owned(),
        );
        Ok(DataQualityView {
            batches: rows,
            quarantine,
            mapping,
            notes,
        })
    }

    async fn build_releases(&self) -> Result<ReleasesView, DataError> {
        let records = self.figures.releases().await.map_err(data_error)?;
        let mut releases = Vec::new();
        let mut notes = Vec::new();
        for record in records.iter().rev() {
            let loaded = match self.figures.release(&record.id).await {
                Ok(l) => l,
                Err(e) => {
                    notes.push(format!("Release {} cannot be shown: {e}", record.id));
                    continue;
                }
            };
            let files = std::iter::once(loaded.file(evident_release::MANIFEST))
                .flatten()
                .chain(loaded.manifest.files.iter().cloned())
                .map(|f| Download {
                    href: format!("/api/releases/{}/files/{}", record.id, f.path),
                    format: file_format(&f.path).to_owned(),
                    name: f.path,
                    bytes: f.bytes,
                    sha256: f.sha256,
                })
                .collect();
            let method = match &loaded.manifest.disclosure {
                evident_release::Control::Suppression { rules } => format!(
                    "cell suppression (at least {} contributors, {} for victim-identifying cells)",
                    rules.threshold, rules.sensitive_threshold
                ),
                evident_release::Control::RandomRounding { base, .. } => {
                    format!("random rounding to base {base}")
                }
                evident_release::Control::ControlledRounding { base, .. } => {
                    format!("controlled rounding to base {base}")
                }
            };
            releases.push(ReleaseRow {
                id: record.id.clone(),
                title: format!("Release {}", record.id),
                published: loaded.manifest.created.clone(),
                periods: loaded
                    .period_span()
                    .map(|(a, b)| if a == b { a } else { format!("{a}–{b}") })
                    .unwrap_or_default(),
                description: format!(
                    "{} indicator tables{}, protected by {method}.",
                    loaded.manifest.indicators.len(),
                    loaded
                        .manifest
                        .revises
                        .as_ref()
                        .map(|r| format!(", revising {r}"))
                        .unwrap_or_default()
                ),
                files,
            });
        }
        notes.push(
            "Check a download with `sha256sum FILE` against the checksum listed here.".into(),
        );
        Ok(ReleasesView { releases, notes })
    }

    async fn build_summaries(&self) -> Result<Vec<IndicatorSummary>, DataError> {
        let mut out = Vec::new();
        match self.source().await {
            Ok(source) => {
                for evidence in EVIDENCE_SOURCES {
                    if let (Some(p), Some(table)) =
                        (presentation(evidence.id), source.tables.get(evidence.id))
                    {
                        out.push(summary(table, p));
                    }
                }
            }
            Err(DataError::Unavailable(_)) => {}
            Err(e) => return Err(e),
        }
        if let Some(trends) = self.trends().await? {
            out.push(IndicatorSummary {
                id: "trends".into(),
                title: "Early warning".into(),
                latest: None,
                direction: Direction::Unknown,
                note: Some(format!(
                    "{} series flagged{}",
                    trends.flagged.len(),
                    if trends.as_of.is_empty() {
                        String::new()
                    } else {
                        format!(" in {}", trends.as_of)
                    }
                )),
            });
        }
        Ok(out)
    }
}

fn file_format(path: &str) -> &'static str {
    match path {
        "manifest.json" => "manifest",
        "sdmx/structure.xml" => "SDMX-ML structure",
        "sdmx/data.xml" => "SDMX-ML data",
        "sdmx/data.csv" | "sdmx/data-v2.csv" => "SDMX-CSV",
        "sdmx/data.json" => "SDMX-JSON",
        _ => match path.rsplit_once('.').map(|(_, e)| e) {
            Some("csv") => "CSV",
            Some("parquet") => "Parquet",
            Some("json") => "JSON",
            Some("md") => "Markdown",
            Some("xml") => "XML",
            _ => "file",
        },
    }
}

impl DashboardData for WorkspaceData {
    fn home(&self) -> DataFuture<'_, HomeView> {
        Box::pin(self.build_home())
    }

    fn explorer<'a>(&'a self, query: &'a ExplorerQuery) -> DataFuture<'a, ExplorerView> {
        Box::pin(self.build_explorer(query))
    }

    fn early_warning(&self) -> DataFuture<'_, EarlyWarningView> {
        Box::pin(self.build_early_warning())
    }

    fn data_quality(&self) -> DataFuture<'_, DataQualityView> {
        Box::pin(self.build_data_quality())
    }

    fn releases(&self) -> DataFuture<'_, ReleasesView> {
        Box::pin(self.build_releases())
    }

    fn indicator_summaries(&self) -> DataFuture<'_, Vec<IndicatorSummary>> {
        Box::pin(self.build_summaries())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_needs_intervals_apart_or_a_two_percent_change() {
        // Intervals [10, 12] then [12.5, 14]: apart, so rising.
        assert_eq!(
            direction(
                (11.0, Some(10.0), Some(12.0)),
                (13.0, Some(12.5), Some(14.0))
            ),
            Direction::Rising
        );
        // [10, 12] then [11.5, 14]: they overlap, so no clear change although the value rose 18 %.
        assert_eq!(
            direction(
                (11.0, Some(10.0), Some(12.0)),
                (13.0, Some(11.5), Some(14.0))
            ),
            Direction::Stable
        );
        assert_eq!(
            direction(
                (13.0, Some(12.5), Some(14.0)),
                (11.0, Some(10.0), Some(12.0))
            ),
            Direction::Falling
        );
        // Without intervals: 100 → 101.5 is within 2 %; 100 → 97 is a fall.
        assert_eq!(
            direction((100.0, None, None), (101.5, None, None)),
            Direction::Stable
        );
        assert_eq!(
            direction((100.0, None, None), (97.0, None, None)),
            Direction::Falling
        );
        assert_eq!(
            direction((100.0, None, None), (102.5, None, None)),
            Direction::Rising
        );
    }

    #[test]
    fn labels_for_codes() {
        assert_eq!(age_label("Y15T29"), "15–29");
        assert_eq!(age_label("Y_GE60"), "60 and over");
        assert_eq!(sex_label("F"), "Female");
        assert_eq!(freq_of("2023"), "A");
        assert_eq!(freq_of("2023-Q2"), "Q");
        assert_eq!(freq_of("2023-07"), "M");
        assert_eq!(file_format("sdmx/data.json"), "SDMX-JSON");
        assert_eq!(file_format("data/offences.parquet"), "Parquet");
    }

    #[test]
    fn the_trends_file_is_read_leniently() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latest.json");
        assert!(read_trends(&path).unwrap().is_none());
        std::fs::write(
            &path,
            r#"{"as_of": "2024-06", "method": "Quasi-Poisson baseline (Farrington et al. 1996)", "series_checked": 40,
                "series": [
                  {"indicator": "offences", "label": "Burglary, North", "filters": {"iccs": "0501", "area": "01"},
                   "flagged": true, "periods": ["2024-04", "2024-05", "2024-06"], "observed": [10, 12, 30],
                   "expected": [11, 11, 12], "lower": [5, 5, 6], "upper": [18, 18, 19], "q_value": 0.01},
                  {"indicator": "offences", "label": "Calm", "flagged": false, "periods": ["2024-06"], "observed": [1]},
                  {"indicator": "offences", "label": "Broken", "flagged": true, "periods": ["2024-06"], "observed": [1, 2]}
                ]}"#,
        )
        .unwrap();
        let trends = read_trends(&path).unwrap().unwrap();
        assert_eq!(
            (trends.as_of.as_str(), trends.series_checked),
            ("2024-06", 40)
        );
        assert_eq!(
            trends.flagged.len(),
            1,
            "unflagged and malformed series are skipped"
        );
        let s = &trends.flagged[0];
        assert_eq!(s.period, "2024-06");
        assert_eq!(s.flagged_periods, ["2024-06"]);
        assert_eq!(s.filters["iccs"], "0501");
        std::fs::write(&path, "{not json").unwrap();
        assert!(read_trends(&path).is_err());
    }
}
