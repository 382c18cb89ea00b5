//! Hierarchical cross-tabulations ("cubes").
//!
//! A published table carries every level of its hierarchies with their totals
//! (ICCS section → division → group, region → district, year → month), so that
//! users, disclosure control and SDMX all see an additive table. The cells are
//! those of `GROUP BY GROUPING SETS` over the product of each dimension's
//! roll-up; distinct counts (persons) are exact at every level — sums of
//! children would count a person who appears in two cells twice.
//!
//! Each dimension is given as SQL expressions for its levels, coarse to fine. A
//! level expression may be NULL for a record whose category stops above that
//! level (ICCS `0101` has no groups): such rows duplicate the coarser cell and
//! are dropped.
//!
//! [`cube_sql`] is the textbook query. It is not what runs: DataFusion evaluates
//! `COUNT(DISTINCT …)` under grouping sets with one hash set per cell per grouping
//! set, which cannot spill and which stalled the victims cube (36 grouping sets)
//! for more than 20 minutes at a million offences. [`cube_queries`] plans the
//! same cells as queries made only of ordinary, spillable aggregations:
//!
//! * additive measures (counts, sums) are aggregated once to the finest cells and
//!   only those cells are rolled up;
//! * a distinct count first reduces the input to distinct (finest cell, person)
//!   pairs. A person found in one finest cell only (most victims, most one-off
//!   offenders) counts once in every cell above it, so those persons are summed
//!   per finest cell and rolled up like a count; only persons spread over several
//!   finest cells are carried, one row per (cell, person), through the roll-up
//!   and counted after it.
//!
//! The two plans are compared cell for cell on random inputs in this module's
//! tests.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Int64Type};

use crate::error::{EngineError, Result};

/// The code of a total over a whole dimension (SDMX convention).
pub const TOTAL: &str = "_T";

/// One dimension of a cube.
#[derive(Debug, Clone)]
pub struct CubeDimension {
    /// Output column name (`iccs`, `area`, `period`, `sex` …).
    pub name: &'static str,
    /// SQL expressions for each level, coarsest first.
    pub levels: Vec<String>,
    /// Whether the table includes the total over the whole dimension.
    pub with_total: bool,
}

impl CubeDimension {
    /// A hierarchical dimension with a total.
    pub fn new(name: &'static str, levels: Vec<String>) -> CubeDimension {
        CubeDimension {
            name,
            levels,
            with_total: true,
        }
    }

    /// A dimension without the grand total over all its codes (e.g. periods:
    /// months roll up to years, but adding years makes no sense for a rate).
    pub fn without_total(mut self) -> CubeDimension {
        self.with_total = false;
        self
    }
}

/// How a measure aggregates its per-record input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Number of records where the input is not NULL.
    Count,
    /// Number of distinct non-NULL inputs (persons, cases).
    CountDistinct,
    /// Sum of the input.
    Sum,
}

/// An aggregate computed for every cell.
#[derive(Debug, Clone)]
pub struct CubeMeasure {
    /// Output name.
    pub name: &'static str,
    /// SQL expression evaluated for each input record.
    pub input: String,
    /// How the inputs combine in a cell.
    pub aggregate: Aggregate,
}

impl CubeMeasure {
    /// A measure named `name` aggregating `input` with `aggregate`.
    pub fn new(name: &'static str, aggregate: Aggregate, input: impl Into<String>) -> CubeMeasure {
        CubeMeasure {
            name,
            input: input.into(),
            aggregate,
        }
    }

    fn aggregate_sql(&self) -> String {
        let column = format!("m_{}", self.name);
        match self.aggregate {
            Aggregate::Count => format!("COUNT({column})"),
            Aggregate::CountDistinct => format!("COUNT(DISTINCT {column})"),
            Aggregate::Sum => format!("COALESCE(SUM({column}), 0)"),
        }
    }
}

/// One cell of a cube.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// One code per dimension (`_T` for the total).
    pub codes: Vec<String>,
    /// The level of each code (0 for the total, 1 for the coarsest level …).
    pub levels: Vec<u8>,
    /// One value per measure.
    pub values: Vec<i64>,
}

/// The level columns of a cube's input (`d{dimension}_{level}`) with their
/// expressions.
fn level_columns(dimensions: &[CubeDimension]) -> Vec<(String, &str)> {
    dimensions
        .iter()
        .enumerate()
        .flat_map(|(d, dimension)| {
            dimension
                .levels
                .iter()
                .enumerate()
                .map(move |(l, expr)| (format!("d{d}_{l}"), expr.as_str()))
        })
        .collect()
}

/// The grouping sets of a cube: each dimension contributes its roll-up
/// prefixes (), (l1), (l1, l2) …, and the sets are their product.
fn grouping_sets(dimensions: &[CubeDimension]) -> Vec<Vec<String>> {
    let mut sets: Vec<Vec<String>> = vec![Vec::new()];
    for (d, dimension) in dimensions.iter().enumerate() {
        let first = if dimension.with_total { 0 } else { 1 };
        let prefixes: Vec<Vec<String>> = (first..=dimension.levels.len())
            .map(|n| (0..n).map(|l| format!("d{d}_{l}")).collect())
            .collect();
        sets = sets
            .iter()
            .flat_map(|set| {
                prefixes.iter().map(move |prefix| {
                    let mut s = set.clone();
                    s.extend(prefix.iter().cloned());
                    s
                })
            })
            .collect();
    }
    sets
}

/// `GROUP BY GROUPING SETS ((…, extra), …)`.
fn grouping_sets_clause(dimensions: &[CubeDimension], extra: Option<&str>) -> String {
    let sets = grouping_sets(dimensions)
        .into_iter()
        .map(|mut set| {
            set.extend(extra.map(str::to_owned));
            format!("({})", set.join(", "))
        })
        .collect::<Vec<_>>();
    format!("GROUP BY GROUPING SETS ({})", sets.join(", "))
}

/// `d0_0, GROUPING(d0_0) AS g_d0_0, …`: the columns [`read_cells`] reads.
fn cell_columns(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("{c}, GROUPING({c}) AS g_{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `cube_input` common table: level columns and measure inputs per record.
fn input_cte(from: &str, dimensions: &[CubeDimension], measures: &[&CubeMeasure]) -> String {
    let select_list = level_columns(dimensions)
        .iter()
        .map(|(column, expr)| format!("{expr} AS {column}"))
        .chain(
            measures
                .iter()
                .map(|m| format!("{} AS m_{}", m.input, m.name)),
        )
        .collect::<Vec<_>>()
        .join(", ");
    format!("cube_input AS (SELECT {select_list} FROM {from})")
}

/// The textbook query of a cube over `from` (a FROM clause body, with optional
/// WHERE): one `GROUP BY GROUPING SETS` with every measure. It defines the
/// cells; [`cube_queries`] computes the same cells faster.
pub fn cube_sql(from: &str, dimensions: &[CubeDimension], measures: &[CubeMeasure]) -> String {
    let columns: Vec<String> = level_columns(dimensions)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let aggregates = measures
        .iter()
        .map(|m| format!("CAST({} AS BIGINT) AS {}", m.aggregate_sql(), m.name))
        .collect::<Vec<_>>()
        .join(", ");
    let input = input_cte(from, dimensions, &measures.iter().collect::<Vec<_>>());
    if columns.is_empty() {
        return format!("WITH {input} SELECT {aggregates} FROM cube_input");
    }
    format!(
        "WITH {input} SELECT {cells}, {aggregates} FROM cube_input {sets}",
        cells = cell_columns(&columns),
        sets = grouping_sets_clause(dimensions, None),
    )
}

/// One step of a cube's plan: tables to materialize first, then queries whose
/// results together are the cells of some of the cube's measures.
#[derive(Debug, Clone)]
pub struct CubeQuery {
    /// Intermediate tables (name, SQL) to write and register before `cells`
    /// runs; they are the engine's to delete afterwards.
    pub materialize: Vec<(String, String)>,
    /// Queries giving the columns [`read_cells`] reads; their rows together
    /// are the cells.
    pub cells: Vec<String>,
    /// Which of the cube's measures the queries compute.
    pub measures: Vec<usize>,
}

/// Plans a cube as queries of ordinary (spillable) aggregations: one for the
/// additive measures, and per distinct count either one query or, when the
/// engine can `materialize` intermediate tables, the reduced (cell, unit)
/// table written once and one small query per grouping set over it (each
/// holds only its own set's groups in memory; one query over all sets at
/// once spilled for minutes at 10 million offences). Every step yields every
/// cell that has input records, so merging them with [`merge_cells`] gives the
/// cells of [`cube_sql`]. `materialize` is the prefix of the intermediate
/// tables' names, or `None` for an engine that cannot write them.
pub fn cube_queries(
    from: &str,
    dimensions: &[CubeDimension],
    measures: &[CubeMeasure],
    materialize: Option<&str>,
) -> Vec<CubeQuery> {
    let columns: Vec<String> = level_columns(dimensions)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    if columns.is_empty() {
        return vec![CubeQuery {
            materialize: Vec::new(),
            cells: vec![cube_sql(from, dimensions, measures)],
            measures: (0..measures.len()).collect(),
        }];
    }
    let list = columns.join(", ");
    let cells = cell_columns(&columns);
    let sets = grouping_sets_clause(dimensions, None);
    let mut queries = Vec::new();

    let additive: Vec<usize> = (0..measures.len())
        .filter(|&i| measures[i].aggregate != Aggregate::CountDistinct)
        .collect();
    if !additive.is_empty() {
        let inputs: Vec<&CubeMeasure> = additive.iter().map(|&i| &measures[i]).collect();
        let finest = inputs
            .iter()
            .map(|m| format!("{} AS m_{}", m.aggregate_sql(), m.name))
            .collect::<Vec<_>>()
            .join(", ");
        let rolled = inputs
            .iter()
            .map(|m| format!("CAST(COALESCE(SUM(m_{0}), 0) AS BIGINT) AS {0}", m.name))
            .collect::<Vec<_>>()
            .join(", ");
        queries.push(CubeQuery {
            materialize: Vec::new(),
            cells: vec![format!(
                "WITH {input}, finest AS (SELECT {list}, {finest} FROM cube_input GROUP BY {list}) \
                 SELECT {cells}, {rolled} FROM finest {sets}",
                input = input_cte(from, dimensions, &inputs),
            )],
            measures: additive,
        });
    }

    for (i, measure) in measures.iter().enumerate() {
        if measure.aggregate != Aggregate::CountDistinct {
            continue;
        }
        let m = format!("m_{}", measure.name);
        let name = measure.name;
        // `spread`: whether a record's unit also has another record, found by
        // its neighbours in unit order. `COUNT(*) OVER (PARTITION BY unit)`
        // would say the same, but DataFusion buffers a whole input partition for
        // it; a global sort spills and LAG/LEAD then stream. A unit with one
        // record (so in one finest cell) is counted in `singles`; the others stay
        // as one `multi` row per (cell, unit) — a unit with two records in one
        // cell among them, which costs a row, not exactness. Records without a
        // unit keep their cell alive with nothing counted.
        let common = format!(
            "{input}, \
             spans AS (SELECT {list}, {m}, \
               COALESCE(LAG({m}) OVER (ORDER BY {m}) = {m} OR LEAD({m}) OVER (ORDER BY {m}) = {m}, FALSE) AS spread \
               FROM cube_input)",
            input = input_cte(from, dimensions, &[measure]),
        );
        let reduced = format!(
            "SELECT {list}, CASE WHEN spread THEN {m} END AS multi, \
               SUM(CASE WHEN {m} IS NOT NULL AND NOT spread THEN 1 ELSE 0 END) AS singles \
             FROM spans GROUP BY {list}, CASE WHEN spread THEN {m} END"
        );
        let groupings = columns
            .iter()
            .map(|c| format!("g_{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let query = match materialize {
            None => CubeQuery {
                materialize: Vec::new(),
                cells: vec![format!(
                    "WITH {common}, finest AS ({reduced}), \
                     rolled AS (SELECT {cells}, multi, SUM(singles) AS singles FROM finest {multi_sets}) \
                     SELECT {list}, {groupings}, CAST(SUM(singles) + COUNT(multi) AS BIGINT) AS {name} \
                     FROM rolled GROUP BY {list}, {groupings}",
                    multi_sets = grouping_sets_clause(dimensions, Some("multi")),
                )],
                measures: vec![i],
            },
            Some(prefix) => {
                let table = format!("{prefix}_{name}");
                let per_set = grouping_sets(dimensions).into_iter().map(|set| {
                    let select = columns
                        .iter()
                        .map(|c| {
                            if set.contains(c) {
                                format!("{c}, 0 AS g_{c}")
                            } else {
                                format!("CAST(NULL AS VARCHAR) AS {c}, 1 AS g_{c}")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let group_by = if set.is_empty() {
                        String::new()
                    } else {
                        format!(" GROUP BY {}", set.join(", "))
                    };
                    format!(
                        "SELECT {select}, CAST(COUNT(DISTINCT multi) AS BIGINT) AS {name} \
                             FROM {table} WHERE multi IS NOT NULL{group_by}"
                    )
                });
                // The singles roll up like a count, in one query; a cell may come
                // from both it and a per-set query, and `read_cells` adds them.
                let singles = format!(
                    "SELECT {cells}, CAST(COALESCE(SUM(singles), 0) AS BIGINT) AS {name} \
                     FROM {table} WHERE multi IS NULL {sets}"
                );
                CubeQuery {
                    cells: std::iter::once(singles).chain(per_set).collect(),
                    materialize: vec![(table, format!("WITH {common} {reduced}"))],
                    measures: vec![i],
                }
            }
        };
        queries.push(query);
    }
    queries
}

/// Merges the cells of a cube's queries (each with the measures it computed,
/// each sorted by codes as [`read_cells`] returns them) into cells with every
/// measure; a measure a query lacks a cell for is 0.
pub fn merge_cells(mut parts: Vec<(Vec<Cell>, Vec<usize>)>, measure_count: usize) -> Vec<Cell> {
    let capacity = parts
        .iter()
        .map(|(cells, _)| cells.len())
        .max()
        .unwrap_or(0);
    let mut next = vec![0usize; parts.len()];
    let mut merged = Vec::with_capacity(capacity);
    // The smallest code among the parts' next cells is the next cell.
    while let Some(first) = (0..parts.len())
        .filter(|&i| next[i] < parts[i].0.len())
        .min_by(|&a, &b| parts[a].0[next[a]].codes.cmp(&parts[b].0[next[b]].codes))
    {
        let mut cell = std::mem::replace(
            &mut parts[first].0[next[first]],
            Cell {
                codes: Vec::new(),
                levels: Vec::new(),
                values: Vec::new(),
            },
        );
        next[first] += 1;
        let mut values = vec![0; measure_count];
        for (value, &m) in cell.values.iter().zip(&parts[first].1) {
            values[m] = *value;
        }
        for (i, (cells, measures)) in parts.iter().enumerate() {
            if let Some(other) = cells.get(next[i]).filter(|c| c.codes == cell.codes) {
                for (value, &m) in other.values.iter().zip(measures) {
                    values[m] = *value;
                }
                next[i] += 1;
            }
        }
        cell.values = values;
        merged.push(cell);
    }
    merged
}

/// Reads the result of a cube query into cells, sorted by codes. Rows of the
/// same cell (from several queries that each compute part of it) are added.
pub fn read_cells(
    batches: &[RecordBatch],
    dimensions: &[CubeDimension],
    measures: &[CubeMeasure],
) -> Result<Vec<Cell>> {
    let mut cells = Vec::new();
    for batch in batches {
        let mut level_arrays = Vec::new();
        let mut grouping_arrays = Vec::new();
        for (d, dimension) in dimensions.iter().enumerate() {
            let mut levels = Vec::new();
            let mut groupings = Vec::new();
            for l in 0..dimension.levels.len() {
                let column = format!("d{d}_{l}");
                let array = batch.column_by_name(&column).ok_or_else(|| {
                    EngineError::InvalidRequest(format!("cube result lacks column {column}"))
                })?;
                levels.push(datafusion::arrow::compute::cast(array, &DataType::Utf8)?);
                let grouping = batch
                    .column_by_name(&format!("g_{column}"))
                    .ok_or_else(|| {
                        EngineError::InvalidRequest(format!("cube result lacks GROUPING({column})"))
                    })?;
                groupings.push(datafusion::arrow::compute::cast(
                    grouping,
                    &DataType::Int64,
                )?);
            }
            level_arrays.push(levels);
            grouping_arrays.push(groupings);
        }
        let measure_arrays = measures
            .iter()
            .map(|m| {
                let array = batch.column_by_name(m.name).ok_or_else(|| {
                    EngineError::InvalidRequest(format!("cube result lacks measure {}", m.name))
                })?;
                Ok(datafusion::arrow::compute::cast(array, &DataType::Int64)?)
            })
            .collect::<Result<Vec<_>>>()?;

        'rows: for row in 0..batch.num_rows() {
            let mut codes = Vec::with_capacity(dimensions.len());
            let mut levels = Vec::with_capacity(dimensions.len());
            for (d, dimension) in dimensions.iter().enumerate() {
                // The deepest level not rolled up gives the cell's code.
                let depth = (0..dimension.levels.len())
                    .take_while(|&l| {
                        grouping_arrays[d][l].as_primitive::<Int64Type>().value(row) == 0
                    })
                    .count();
                if depth == 0 {
                    codes.push(TOTAL.to_owned());
                    levels.push(0);
                    continue;
                }
                let array = level_arrays[d][depth - 1].as_string::<i32>();
                if array.is_null(row) {
                    // The records' category stops above this level: same cell as the
                    // coarser one, already present.
                    continue 'rows;
                }
                codes.push(array.value(row).to_owned());
                levels.push(depth as u8);
            }
            let values = measure_arrays
                .iter()
                .map(|a| {
                    let a = a.as_primitive::<Int64Type>();
                    if a.is_null(row) { 0 } else { a.value(row) }
                })
                .collect();
            cells.push(Cell {
                codes,
                levels,
                values,
            });
        }
    }
    cells.sort_unstable_by(|a, b| a.codes.cmp(&b.codes));
    // A cell computed in parts (by several queries of a plan) is their sum.
    cells.dedup_by(|later, kept| {
        if later.codes != kept.codes {
            return false;
        }
        for (k, l) in kept.values.iter_mut().zip(&later.values) {
            *k += *l;
        }
        true
    });
    Ok(cells)
}

/// A result column as UTF-8 strings, whatever string type the engine produced
/// (DataFusion maps `VARCHAR` to `Utf8View`).
pub(crate) fn text_column(
    batch: &RecordBatch,
    index: usize,
) -> Result<datafusion::arrow::array::StringArray> {
    let array = datafusion::arrow::compute::cast(batch.column(index), &DataType::Utf8)?;
    Ok(array.as_string::<i32>().clone())
}

/// A result column as 64-bit integers.
pub(crate) fn int_column(
    batch: &RecordBatch,
    index: usize,
) -> Result<datafusion::arrow::array::Int64Array> {
    let array = datafusion::arrow::compute::cast(batch.column(index), &DataType::Int64)?;
    Ok(array.as_primitive::<Int64Type>().clone())
}

/// A result column as 64-bit floats.
pub(crate) fn float_column(
    batch: &RecordBatch,
    index: usize,
) -> Result<datafusion::arrow::array::Float64Array> {
    let array = datafusion::arrow::compute::cast(batch.column(index), &DataType::Float64)?;
    Ok(array
        .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
        .clone())
}
