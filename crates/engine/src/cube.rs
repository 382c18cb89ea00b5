//! Hierarchical cross-tabulations ("cubes") computed in one SQL query.
//!
//! A published table carries every level of its hierarchies with their totals
//! (ICCS section → division → group, region → district, year → month), so that
//! users, disclosure control and SDMX all see an additive table. The query groups
//! by `GROUPING SETS` (the product of each dimension's roll-up), which keeps
//! distinct counts (persons) exact at every level — sums of children would count
//! a person who appears in two cells twice.
//!
//! Each dimension is given as SQL expressions for its levels, coarse to fine. A
//! level expression may be NULL for a record whose category stops above that
//! level (ICCS `0101` has no groups): such rows duplicate the coarser cell and
//! are dropped.

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

/// Builds the SQL of a cube over `from` (a FROM clause body, with optional WHERE).
pub fn cube_sql(from: &str, dimensions: &[CubeDimension], measures: &[CubeMeasure]) -> String {
    let mut select = Vec::new();
    let mut columns = Vec::new();
    for (d, dimension) in dimensions.iter().enumerate() {
        for (l, expr) in dimension.levels.iter().enumerate() {
            let column = format!("d{d}_{l}");
            select.push(format!("{expr} AS {column}"));
            columns.push(column);
        }
    }
    let measure_inputs: Vec<String> = measures
        .iter()
        .map(|m| format!("CAST({} AS BIGINT) AS {}", m.aggregate_sql(), m.name))
        .collect();

    // Each dimension contributes its roll-up prefixes: (), (l1), (l1, l2) …
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
    let grouping_sets = sets
        .iter()
        .map(|s| format!("({})", s.join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    let groupings = columns
        .iter()
        .map(|c| format!("GROUPING({c}) AS g_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let aggregates = measure_inputs.join(", ");
    let inner_columns = if columns.is_empty() {
        String::new()
    } else {
        format!("{}, ", columns.join(", "))
    };
    let grouping_clause = if columns.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY GROUPING SETS ({grouping_sets})")
    };
    let grouping_select = if columns.is_empty() {
        String::new()
    } else {
        format!("{groupings}, ")
    };
    format!(
        "WITH cube_input AS (SELECT {select_list} FROM {from}) \
         SELECT {inner_columns}{grouping_select}{aggregates} FROM cube_input{grouping_clause}",
        select_list = select
            .iter()
            .cloned()
            .chain(
                measures
                    .iter()
                    .map(|m| format!("{} AS m_{}", m.input, m.name))
            )
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Reads the result of a cube query into cells.
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
    cells.sort_by(|a, b| a.codes.cmp(&b.codes));
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
