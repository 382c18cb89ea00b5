//! The published tables: the engine's rows with protected values and their
//! statuses, plus a row for every withheld zero a table omits (so that a
//! missing row always means zero and never hides a withheld cell).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use evident_engine::{Column, Values};
use evident_sdmx::crime::CellStatus;
use evident_stats::{ProportionMethod, RateMethod, poisson_rate_interval, proportion_interval};
use serde::Serialize;

use crate::codes::{self, TOTAL};
use crate::error::Result;
use crate::layout::{self, Bound, Inputs, Layout, Recompute};
use crate::model::{Decision, Model, ModelCell, Replaced, Row, TableRow};
use crate::settings::Control;

/// Confidence level of recomputed intervals (the engine's).
const LEVEL: f64 = 0.95;

/// What a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Role {
    Dimension,
    Label,
    Level,
    Count,
    Derived,
    Public,
}

/// A table as published.
#[derive(Debug, Clone)]
pub(crate) struct PublishedTable {
    pub indicator: String,
    pub layout: &'static Layout,
    pub columns: Vec<Column>,
    pub roles: Vec<Role>,
    /// Per column, per row: the status of the value (normal for dimensions and labels).
    pub status: Vec<Vec<CellStatus>>,
    /// Per row: the strongest status of its counts.
    pub row_status: Vec<CellStatus>,
    /// Per count column, per row: the decision behind the value.
    pub decisions: BTreeMap<String, Vec<Decision>>,
    /// Rows added for withheld zeros.
    pub added: usize,
}

impl PublishedTable {
    pub fn rows(&self) -> usize {
        self.row_status.len()
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The code of a text column at a row.
    pub fn text(&self, name: &str, row: usize) -> Option<&str> {
        match &self.columns[self.column(name)?].values {
            Values::Text(v) => v.get(row).map(|code| &**code),
            _ => None,
        }
    }

    /// A numeric value at a row (`None`: empty).
    pub fn number(&self, name: &str, row: usize) -> Option<f64> {
        match &self.columns[self.column(name)?].values {
            Values::Int(v) => v.get(row).copied().flatten().map(|x| x as f64),
            Values::Float(v) => v.get(row).copied().flatten(),
            Values::Text(_) => None,
        }
    }
}

/// Where a published row comes from.
enum Source {
    Engine(usize),
    Added(BTreeMap<String, String>),
}

fn status_of(decision: Decision) -> CellStatus {
    match decision {
        Decision::Published => CellStatus::Normal,
        Decision::Primary => CellStatus::PrimarySuppressed,
        Decision::Secondary | Decision::Carried => CellStatus::SecondarySuppressed,
    }
}

/// The stronger of two statuses of withheld values (primary over secondary).
fn stronger(a: CellStatus, b: CellStatus) -> CellStatus {
    let rank = |s: CellStatus| match s {
        CellStatus::PrimarySuppressed => 2,
        CellStatus::SecondarySuppressed => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Builds every published table from the protected model.
pub(crate) fn publish(model: &Model, control: &Control) -> Result<Vec<PublishedTable>> {
    (0..model.tables.len())
        .map(|t| publish_table(model, t, control))
        .collect()
}

fn publish_table(model: &Model, t: usize, control: &Control) -> Result<PublishedTable> {
    let table = &model.tables[t];
    let source = table.source;
    let layout = table.layout;

    // Rows: the engine's, and one for each withheld cell that a member's domain
    // covers but its table did not list.
    let mut keys: HashSet<Vec<String>> = (0..source.rows()).map(|r| table.key(r)).collect();
    let mut rows: Vec<(Vec<String>, Source)> = (0..source.rows())
        .map(|r| (table.key(r), Source::Engine(r)))
        .collect();
    for (m, member) in model.members.iter().enumerate() {
        if member.table != t {
            continue;
        }
        let group = &model.groups[member.group];
        let bit = 1u64 << member.local;
        let mut found: Vec<BTreeMap<String, String>> = Vec::new();
        group.for_each_in_domain(member.local, |key| {
            if let Some(cell) = group.cells.get(key)
                && cell.decision.suppressed()
                && cell.placed & bit == 0
            {
                found.push(model.row_of(m, key));
            }
            Ok(())
        })?;
        for row in found {
            let key: Vec<String> = table
                .dims
                .iter()
                .map(|d| row.get(*d).cloned().unwrap_or_default())
                .collect();
            if keys.insert(key.clone()) {
                rows.push((key, Source::Added(row)));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let added = rows
        .iter()
        .filter(|r| matches!(r.1, Source::Added(_)))
        .count();

    let row_view = |source_row: &Source| -> Box<dyn Row + '_> {
        match source_row {
            Source::Engine(r) => Box::new(TableRow {
                table: source,
                row: *r,
            }),
            Source::Added(map) => Box::new(map.clone()),
        }
    };

    // Counts first: derived values depend on them.
    let mut count_columns: Vec<&'static str> = layout.counts.iter().map(|c| c.column).collect();
    count_columns.dedup();
    let mut counts: HashMap<&str, Vec<(Decision, u64)>> = HashMap::new();
    for column in &count_columns {
        let mut values = Vec::with_capacity(rows.len());
        for (_, row) in &rows {
            let view = row_view(row);
            let cell = model
                .member_of(t, column, view.as_ref())
                .and_then(|m| model.cell(m, view.as_ref()))
                .ok_or_else(|| {
                    crate::error::ReleaseError::table(
                        table.indicator(),
                        format!("a row of {column} has no cell"),
                    )
                })?;
            values.push((cell.decision, cell.published));
        }
        counts.insert(column, values);
    }
    let rounding = !matches!(control, Control::Suppression { .. });
    let row_status: Vec<CellStatus> = (0..rows.len())
        .map(|i| {
            counts.values().fold(CellStatus::Normal, |acc, v| {
                stronger(acc, status_of(v[i].0))
            })
        })
        .collect();

    let mut columns = Vec::new();
    let mut roles = Vec::new();
    let mut status = Vec::new();
    for column in &source.columns {
        let name = column.name.as_str();
        if layout.internal.contains(&name) {
            continue;
        }
        let (role, values, statuses) = if layout.dimensions.contains(&name) {
            let v = rows
                .iter()
                .map(|(_, r)| row_view(r).code(name).unwrap_or_default().into())
                .collect();
            (Role::Dimension, Values::Text(v), normal(rows.len()))
        } else if layout.labels.contains(&name) {
            let v = rows
                .iter()
                .zip(&row_status)
                .map(|((_, r), status)| match r {
                    // A label only the engine knows would tell a withheld zero
                    // (an added row) from a withheld count.
                    Source::Engine(_) if status.is_suppressed() && !derivable_label(name) => {
                        Arc::from("")
                    }
                    Source::Engine(i) => source
                        .text(name)
                        .map_or_else(|| Arc::from(""), |c| c[*i].clone()),
                    Source::Added(map) => added_label(name, map).into(),
                })
                .collect();
            (Role::Label, Values::Text(v), normal(rows.len()))
        } else if layout.levels.contains(&name) {
            let dimension = name.trim_end_matches("_level");
            let v = rows
                .iter()
                .map(|(_, r)| match r {
                    Source::Engine(i) => source.ints(name).and_then(|c| c[*i]),
                    Source::Added(map) => map
                        .get(dimension)
                        .and_then(|code| codes::depth(codes::kind(dimension), code, &model.areas))
                        .map(i64::from),
                })
                .collect();
            (Role::Level, Values::Int(v), normal(rows.len()))
        } else if let Some(decided) = counts.get(name) {
            let v = decided
                .iter()
                .map(|(d, x)| (!d.suppressed()).then_some(*x as i64))
                .collect();
            let s = decided.iter().map(|(d, _)| status_of(*d)).collect();
            (Role::Count, Values::Int(v), s)
        } else if let Some(derived) = layout.derived(name) {
            let mut v = Vec::with_capacity(rows.len());
            let mut s = Vec::with_capacity(rows.len());
            for (i, (_, r)) in rows.iter().enumerate() {
                let view = row_view(r);
                let engine_row = match r {
                    Source::Engine(e) => Some(*e),
                    Source::Added(_) => None,
                };
                let (value, st) = if rounding {
                    recompute(
                        model,
                        t,
                        derived.rounded,
                        view.as_ref(),
                        i,
                        engine_row,
                        &counts,
                    )
                } else {
                    let inputs = input_cells(model, t, derived.inputs, view.as_ref())?;
                    let withheld = inputs
                        .iter()
                        .filter(|c| c.decision.suppressed())
                        .fold(CellStatus::Normal, |acc, c| {
                            stronger(acc, status_of(c.decision))
                        });
                    if withheld.is_suppressed() {
                        (None, withheld)
                    } else {
                        let value = engine_row.and_then(|e| number(source, name, e));
                        (
                            value,
                            if value.is_some() {
                                CellStatus::Normal
                            } else {
                                CellStatus::Missing
                            },
                        )
                    }
                };
                v.push(value);
                s.push(st);
            }
            let values = match &column.values {
                Values::Int(_) => {
                    Values::Int(v.iter().map(|x| x.map(|x| x.round() as i64)).collect())
                }
                _ => Values::Float(v),
            };
            (Role::Derived, values, s)
        } else {
            // Public columns (population, capacity …) are published as they
            // are, except in rows with a withheld count: an added row (a
            // withheld zero) has none, so no withheld row may have them, or the
            // zeros would stand out.
            let shown = |r: &Source, status: &CellStatus| -> Option<usize> {
                match r {
                    Source::Engine(i) if !status.is_suppressed() => Some(*i),
                    _ => None,
                }
            };
            let values = match &column.values {
                Values::Int(c) => Values::Int(
                    rows.iter()
                        .zip(&row_status)
                        .map(|((_, r), s)| shown(r, s).and_then(|i| c[i]))
                        .collect(),
                ),
                Values::Float(c) => Values::Float(
                    rows.iter()
                        .zip(&row_status)
                        .map(|((_, r), s)| shown(r, s).and_then(|i| c[i]))
                        .collect(),
                ),
                Values::Text(c) => Values::Text(
                    rows.iter()
                        .zip(&row_status)
                        .map(|((_, r), s)| shown(r, s).map(|i| c[i].clone()).unwrap_or_default())
                        .collect(),
                ),
            };
            (Role::Public, values, normal(rows.len()))
        };
        columns.push(Column {
            name: name.to_owned(),
            values,
        });
        roles.push(role);
        status.push(statuses);
    }
    let decisions = counts
        .iter()
        .map(|(c, v)| ((*c).to_owned(), v.iter().map(|(d, _)| *d).collect()))
        .collect();
    Ok(PublishedTable {
        indicator: source.indicator.clone(),
        layout,
        columns,
        roles,
        status,
        row_status,
        decisions,
        added,
    })
}

fn normal(n: usize) -> Vec<CellStatus> {
    vec![CellStatus::Normal; n]
}

/// Whether the release can give a label for a row it adds (so that it is the
/// same in added and engine rows).
fn derivable_label(name: &str) -> bool {
    matches!(name, "freq" | "counting_unit")
}

/// A label for a row the release adds.
fn added_label(name: &str, row: &BTreeMap<String, String>) -> String {
    match name {
        "freq" => row
            .get("period")
            .map_or("A", |p| codes::frequency(p))
            .to_owned(),
        "counting_unit" => row
            .get("stage")
            .map_or("person", |s| layout::stage_unit(s))
            .to_owned(),
        _ => String::new(),
    }
}

/// A numeric engine value.
fn number(source: &evident_engine::IndicatorTable, column: &str, row: usize) -> Option<f64> {
    match source.column(column)? {
        Values::Int(v) => v[row].map(|x| x as f64),
        Values::Float(v) => v[row].filter(|x| x.is_finite()),
        Values::Text(_) => None,
    }
}

/// The cells a derived value of a row is computed from.
fn input_cells<'m>(
    model: &'m Model,
    t: usize,
    inputs: Inputs,
    row: &dyn Row,
) -> Result<Vec<&'m ModelCell>> {
    let table = &model.tables[t];
    let cell_of = |column: &str, row: &dyn Row| -> Result<&'m ModelCell> {
        model
            .member_of(t, column, row)
            .and_then(|m| model.cell(m, row))
            .ok_or_else(|| {
                crate::error::ReleaseError::table(
                    table.indicator(),
                    format!("no cell for {column}"),
                )
            })
    };
    match inputs {
        Inputs::Counts(columns) => columns.iter().map(|c| cell_of(c, row)).collect(),
        Inputs::PreviousStage => {
            let mut cells = vec![cell_of("count", row)?];
            if let Some(previous) = row.code("stage").and_then(layout::previous_stage) {
                let earlier = Replaced {
                    row,
                    column: "stage",
                    code: previous,
                };
                // The previous stage's row may be absent (zero); then there is no ratio.
                if let Some(cell) = model
                    .member_of(t, "count", &earlier)
                    .and_then(|m| model.cell(m, &earlier))
                {
                    cells.push(cell);
                }
            }
            Ok(cells)
        }
        Inputs::Severity => {
            let own = cell_of("offences", row)?;
            let mut cells = vec![own];
            cells.extend(severity_divisions(model, row));
            Ok(cells)
        }
    }
}

/// The offence counts by ICCS division behind a row of the severity index:
/// the division (or, for records without one, the section residual or NC) of
/// every offence of the row's area, period and sub-index, where the release
/// publishes them.
fn severity_divisions<'m>(model: &'m Model, row: &dyn Row) -> Vec<&'m ModelCell> {
    let Some(group) = model.groups.iter().find(|g| g.def.name == "offences") else {
        return Vec::new();
    };
    let (Some(iccs), Some(area), Some(period), Some(sub)) = (
        group.dim("iccs"),
        group.dim("area"),
        group.dim("period"),
        group.dim("sub_index"),
    ) else {
        return Vec::new();
    };
    let class = row.code("sub_index").unwrap_or("total");
    let area_code = row.code("area").unwrap_or(TOTAL);
    let (Some(a), Some(p), Some(total)) = (
        group.dims[area].id(area_code),
        row.code("period").and_then(|c| group.dims[period].id(c)),
        group.dims[sub].id(TOTAL),
    ) else {
        return Vec::new();
    };
    let dim = &group.dims[iccs];
    let mut cells = Vec::new();
    for (c, code) in dim.codes.iter().enumerate() {
        let depth = dim.depth[c];
        let category = depth == 2 || (depth == 1 && dim.children[c].is_empty());
        if !category {
            continue;
        }
        let violent = layout::VIOLENT_SECTIONS.iter().any(|s| code.starts_with(s));
        let wanted = match class {
            "violent" => violent,
            "non_violent" => !violent,
            _ => true,
        };
        if !wanted {
            continue;
        }
        let mut key = vec![0u32; group.dims.len()];
        for (d, k) in key.iter_mut().enumerate() {
            *k = group.dims[d].id(TOTAL).unwrap_or(0);
        }
        key[iccs] = c as u32;
        key[area] = a;
        key[period] = p;
        key[sub] = total;
        if let Some(cell) = group.cells.get(&key) {
            cells.push(cell);
        }
    }
    cells
}

/// A derived value recomputed from the row's rounded counts.
fn recompute(
    model: &Model,
    t: usize,
    how: Recompute,
    row: &dyn Row,
    i: usize,
    engine_row: Option<usize>,
    counts: &HashMap<&str, Vec<(Decision, u64)>>,
) -> (Option<f64>, CellStatus) {
    let source = model.tables[t].source;
    let value = |column: &str| -> Option<f64> {
        match counts.get(column) {
            Some(v) => Some(v[i].1 as f64),
            None => engine_row.and_then(|e| number(source, column, e)),
        }
    };
    let rounded = |column: &str| counts.get(column).map(|v| v[i].1);
    let result = match how {
        Recompute::Withheld => return (None, CellStatus::SecondarySuppressed),
        Recompute::PoissonRate { count, bound } => rounded(count)
            .zip(value("population"))
            .and_then(|(n, pop)| {
                let r = poisson_rate_interval(n, pop, 100_000.0, LEVEL, RateMethod::ExactPoisson)
                    .ok()?;
                Some(match bound {
                    Bound::Point => r.rate,
                    Bound::Lower => r.lower,
                    Bound::Upper => r.upper,
                })
            }),
        Recompute::PerPopulation { count } => value(count)
            .zip(value("population"))
            .filter(|(_, p)| *p > 0.0)
            .map(|(n, p)| n / p * 100_000.0),
        Recompute::WilsonPercent { part, whole, bound } => {
            rounded(part).zip(rounded(whole)).and_then(|(k, n)| {
                let p = proportion_interval(k.min(n), n, LEVEL, ProportionMethod::Wilson).ok()?;
                Some(
                    100.0
                        * match bound {
                            Bound::Point => p.proportion,
                            Bound::Lower => p.lower,
                            Bound::Upper => p.upper,
                        },
                )
            })
        }
        Recompute::Percent { part, whole } => value(part)
            .zip(value(whole))
            .filter(|(_, w)| *w > 0.0)
            .map(|(p, w)| 100.0 * p / w),
        Recompute::Ratio {
            numerator,
            denominator,
        } => value(numerator)
            .zip(value(denominator))
            .filter(|(_, d)| *d > 0.0)
            .map(|(n, d)| n / d),
        Recompute::PreviousStagePercent => {
            let previous = row
                .code("stage")
                .and_then(layout::previous_stage)
                .and_then(|p| {
                    let earlier = Replaced {
                        row,
                        column: "stage",
                        code: p,
                    };
                    model
                        .member_of(t, "count", &earlier)
                        .and_then(|m| model.cell(m, &earlier))
                        .map(|c| c.published as f64)
                });
            value("count")
                .zip(previous)
                .filter(|(_, p)| *p > 0.0)
                .map(|(c, p)| 100.0 * c / p)
        }
    };
    match result {
        Some(v) => (Some(v), CellStatus::Normal),
        None => (None, CellStatus::Missing),
    }
}
