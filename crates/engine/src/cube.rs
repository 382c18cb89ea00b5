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
//! same cells with ordinary, spillable operators:
//!
//! * additive measures (counts, sums) are aggregated once to the finest cells and
//!   only those cells are rolled up;
//! * a distinct count on the local engine is one query whose records are split
//!   by unit (person, case) over the cores and sorted by unit; a [`UnitCounter`]
//!   per part reads its stream once and counts each unit once in every cell its
//!   records reach, and the counters are added up. A unit found in one finest
//!   cell only (most victims, most one-off offenders) is tallied there and
//!   rolled up like a count; only units spread over several finest cells are
//!   projected into each grouping set.
//! * on a cluster, where the sorted stream would funnel through the client, the
//!   same idea runs as SQL: a LAG/LEAD flag marks spread units, single units are
//!   summed, spread ones carried through the roll-up as (cell, unit) rows.
//!
//! Both plans are compared cell for cell with the textbook query and with a
//! record-by-record count on random inputs (`tests/it/cube.rs`).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, LargeStringArray, RecordBatch, StringArray, StringViewArray,
};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::HashMap;

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
    /// One code per dimension (`_T` for the total). Shared: a cube has
    /// millions of cells but few distinct codes.
    pub codes: Vec<Arc<str>>,
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

/// The grouping sets of a cube as the depth kept in each dimension: each
/// dimension contributes its roll-up prefixes (), (l1), (l1, l2) …, and the
/// sets are their product.
fn set_depths(dimensions: &[CubeDimension]) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
    for dimension in dimensions {
        let first = if dimension.with_total { 0 } else { 1 };
        sets = sets
            .iter()
            .flat_map(|set| {
                (first..=dimension.levels.len()).map(move |depth| {
                    let mut s = set.clone();
                    s.push(depth);
                    s
                })
            })
            .collect();
    }
    sets
}

/// The grouping sets of a cube as lists of level columns.
fn grouping_sets(dimensions: &[CubeDimension]) -> Vec<Vec<String>> {
    set_depths(dimensions)
        .into_iter()
        .map(|set| {
            set.iter()
                .enumerate()
                .flat_map(|(d, &depth)| (0..depth).map(move |l| format!("d{d}_{l}")))
                .collect()
        })
        .collect()
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

/// One step of a cube's plan.
#[derive(Debug, Clone, PartialEq)]
pub enum CubeQuery {
    /// A query whose rows are cells ([`read_cells`]) of these measures.
    Cells {
        /// The query.
        sql: String,
        /// Which of the cube's measures it computes.
        measures: Vec<usize>,
    },
    /// A query whose rows are the records' level columns and unit (column
    /// `unit`); split by unit and sorted by it, each part fed to a
    /// [`UnitCounter`], they give the cells of one distinct count.
    Units {
        /// The query.
        sql: String,
        /// Which of the cube's measures it computes.
        measure: usize,
    },
}

impl CubeQuery {
    /// The query's SQL.
    pub fn sql(&self) -> &str {
        match self {
            CubeQuery::Cells { sql, .. } | CubeQuery::Units { sql, .. } => sql,
        }
    }

    /// Which of the cube's measures the step computes.
    pub fn measures(&self) -> Vec<usize> {
        match self {
            CubeQuery::Cells { measures, .. } => measures.clone(),
            CubeQuery::Units { measure, .. } => vec![*measure],
        }
    }
}

/// Plans a cube as queries of ordinary (spillable) operators: one aggregation
/// for the additive measures, and per distinct count either one query or, when
/// the caller can count streams of records ordered by unit
/// (`count_units`, the local engine), the records for [`UnitCounter`]s. Every step yields every cell that has input records, so
/// merging them with [`merge_cells`] gives the cells of [`cube_sql`].
pub fn cube_queries(
    from: &str,
    dimensions: &[CubeDimension],
    measures: &[CubeMeasure],
    count_units: bool,
) -> Vec<CubeQuery> {
    let columns: Vec<String> = level_columns(dimensions)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    if columns.is_empty() {
        return vec![CubeQuery::Cells {
            sql: cube_sql(from, dimensions, measures),
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
        queries.push(CubeQuery::Cells {
            sql: format!(
                "WITH {input}, finest AS (SELECT {list}, {finest} FROM cube_input GROUP BY {list}) \
                 SELECT {cells}, {rolled} FROM finest {sets}",
                input = input_cte(from, dimensions, &inputs),
            ),
            measures: additive,
        });
    }

    for (i, measure) in measures.iter().enumerate() {
        if measure.aggregate != Aggregate::CountDistinct {
            continue;
        }
        let m = format!("m_{}", measure.name);
        let name = measure.name;
        let input = input_cte(from, dimensions, &[measure]);
        if count_units {
            // One sort (which spills) and one pass: the counter sees each unit's
            // records together and counts it once in every cell they reach.
            queries.push(CubeQuery::Units {
                sql: format!("WITH {input} SELECT {list}, {m} AS unit FROM cube_input"),
                measure: i,
            });
            continue;
        }
        // In SQL alone: `spread` tells whether a record's unit also has another
        // record, found by its neighbours in unit order (`COUNT(*) OVER
        // (PARTITION BY unit)` says the same, but DataFusion buffers a whole
        // input partition for it). A unit with one record (so in one finest
        // cell) is summed like a count; the others are carried as one row per
        // (cell, unit) through the roll-up and counted after it. Records without
        // a unit keep their cell alive with nothing counted.
        let groupings = columns
            .iter()
            .map(|c| format!("g_{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        queries.push(CubeQuery::Cells {
            sql: format!(
                "WITH {input}, \
                 spans AS (SELECT {list}, {m}, \
                   COALESCE(LAG({m}) OVER (ORDER BY {m}) = {m} OR LEAD({m}) OVER (ORDER BY {m}) = {m}, FALSE) AS spread \
                   FROM cube_input), \
                 finest AS (SELECT {list}, CASE WHEN spread THEN {m} END AS multi, \
                   SUM(CASE WHEN {m} IS NOT NULL AND NOT spread THEN 1 ELSE 0 END) AS singles \
                   FROM spans GROUP BY {list}, CASE WHEN spread THEN {m} END), \
                 rolled AS (SELECT {cells}, multi, SUM(singles) AS singles FROM finest {multi_sets}) \
                 SELECT {list}, {groupings}, CAST(SUM(singles) + COUNT(multi) AS BIGINT) AS {name} \
                 FROM rolled GROUP BY {list}, {groupings}",
                multi_sets = grouping_sets_clause(dimensions, Some("multi")),
            ),
            measures: vec![i],
        });
    }
    queries
}

/// A level code interned as a number; two values are reserved.
type CodeId = u32;
/// Counts keyed by a row of level codes.
type Tallies = HashMap<Box<[CodeId]>, i64>;
/// A level rolled up in a cell (the dimension's total or a coarser level).
const ROLLED: CodeId = CodeId::MAX;
/// A NULL level: the record's category stops above it.
const MISSING: CodeId = CodeId::MAX - 1;

/// Level codes of one column, interned.
#[derive(Default)]
struct Codebook {
    codes: HashMap<Arc<str>, CodeId>,
    names: Vec<Arc<str>>,
}

impl Codebook {
    fn code(&mut self, value: Option<&str>) -> CodeId {
        let Some(value) = value else {
            return MISSING;
        };
        if let Some(&code) = self.codes.get(value) {
            return code;
        }
        let code = self.names.len() as CodeId;
        let name: Arc<str> = Arc::from(value);
        self.names.push(name.clone());
        self.codes.insert(name, code);
        code
    }

    /// The shared copy of a code.
    fn shared(&mut self, value: &str) -> Arc<str> {
        let code = self.code(Some(value));
        self.names[code as usize].clone()
    }
}

/// Counts the distinct units of every cell of a cube from its records ordered
/// by unit (a [`CubeQuery::Units`] result, fed batch by batch). Several
/// counters can share the work, each fed the records of its own units, and
/// [`UnitCounter::absorb`] adds them up.
///
/// A unit whose records all fall in one finest cell (most victims, most
/// one-off offenders) counts once there and in every cell above it, so such
/// units are tallied per finest cell and rolled up at the end. A unit spread
/// over several finest cells is projected into every grouping set while its
/// records are at hand, and counted once per distinct cell it reaches. Memory
/// is one entry per finest cell and per output cell, whatever the number of
/// records or units.
pub struct UnitCounter {
    /// Levels per dimension.
    depths: Vec<usize>,
    /// Each grouping set as the depth kept per dimension.
    sets: Vec<Vec<usize>>,
    columns: Vec<String>,
    codebooks: Vec<Codebook>,
    /// Units with all their records in one finest cell, per finest cell.
    single: Tallies,
    /// Units spread over several finest cells, per output cell.
    spread: Tallies,
    unit: Option<String>,
    /// The current unit's records, one row of codes each.
    rows: Vec<CodeId>,
    /// Scratch for one unit's projections.
    keys: Vec<CodeId>,
    order: Vec<usize>,
}

impl UnitCounter {
    /// A counter for a cube with these dimensions.
    pub fn new(dimensions: &[CubeDimension]) -> UnitCounter {
        let columns: Vec<String> = level_columns(dimensions)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        UnitCounter {
            depths: dimensions.iter().map(|d| d.levels.len()).collect(),
            sets: set_depths(dimensions),
            codebooks: columns.iter().map(|_| Codebook::default()).collect(),
            columns,
            single: HashMap::default(),
            spread: HashMap::default(),
            unit: None,
            rows: Vec::new(),
            keys: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Adds a batch of records (level columns and `unit`, ordered by unit
    /// with NULLs last, continuing the previous batch's order).
    pub fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut owned = Vec::with_capacity(self.columns.len() + 1);
        for name in self.columns.iter().map(String::as_str).chain(["unit"]) {
            let array = batch.column_by_name(name).ok_or_else(|| {
                EngineError::InvalidRequest(format!("unit query result lacks column {name}"))
            })?;
            owned.push(string_array(array)?);
        }
        let (level_arrays, unit_array) = owned.split_at(self.columns.len());
        let levels: Vec<Strings> = level_arrays.iter().map(Strings::new).collect();
        let unit = Strings::new(&unit_array[0]);
        let width = self.columns.len();
        let mut row = vec![0; width];
        for i in 0..batch.num_rows() {
            for (c, column) in levels.iter().enumerate() {
                row[c] = self.codebooks[c].code(column.get(i));
            }
            match unit.get(i) {
                // A record without a unit keeps its cell, counting nothing.
                None => {
                    self.finish_unit();
                    add(&mut self.single, &row, 0);
                }
                Some(u) if self.unit.as_deref() == Some(u) => self.rows.extend_from_slice(&row),
                Some(u) => {
                    self.finish_unit();
                    self.unit = Some(u.to_owned());
                    self.rows.extend_from_slice(&row);
                }
            }
        }
        Ok(())
    }

    /// Counts the current unit.
    fn finish_unit(&mut self) {
        self.unit = None;
        let width = self.columns.len();
        if self.rows.is_empty() {
            return;
        }
        let first = &self.rows[..width];
        if self.rows.chunks(width).all(|r| r == first) {
            add(&mut self.single, first, 1);
            self.rows.clear();
            return;
        }
        let count = self.rows.len() / width;
        for set in &self.sets {
            self.keys.clear();
            let mut kept = 0;
            for r in 0..count {
                let row = &self.rows[r * width..(r + 1) * width];
                if project(row, &self.depths, set, &mut self.keys) {
                    kept += 1;
                }
            }
            // Each distinct cell the unit reaches in this set counts it once.
            self.order.clear();
            self.order.extend(0..kept);
            let keys = &self.keys;
            let key = |k: usize| &keys[k * width..(k + 1) * width];
            self.order.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
            self.order.dedup_by(|a, b| key(*a) == key(*b));
            for &k in &self.order {
                add(&mut self.spread, key(k), 1);
            }
        }
        self.rows.clear();
    }

    /// Adds the counts of a counter that was fed other units: another part of
    /// a split in which each unit's records all went to one part.
    pub fn absorb(&mut self, mut other: UnitCounter) {
        self.finish_unit();
        other.finish_unit();
        // Each counter numbered the codes in the order it met them.
        let ours: Vec<Vec<CodeId>> = other
            .codebooks
            .iter()
            .zip(&mut self.codebooks)
            .map(|(theirs, ours)| theirs.names.iter().map(|n| ours.code(Some(n))).collect())
            .collect();
        let mut key = Vec::with_capacity(self.columns.len());
        for (tallies, into) in [
            (other.single, &mut self.single),
            (other.spread, &mut self.spread),
        ] {
            for (theirs, count) in tallies {
                key.clear();
                key.extend(theirs.iter().zip(&ours).map(|(&code, ours)| {
                    if code == ROLLED || code == MISSING {
                        code
                    } else {
                        ours[code as usize]
                    }
                }));
                add(into, &key, count);
            }
        }
    }

    /// The cells, sorted by codes as [`read_cells`] returns them.
    pub fn finish(mut self) -> Vec<Cell> {
        self.finish_unit();
        let mut cells = std::mem::take(&mut self.spread);
        for (set, tallies) in self.roll_up_single() {
            for (key, count) in &tallies {
                if kept(key, &self.depths, &set) {
                    add(&mut cells, key, *count);
                }
            }
        }
        self.into_sorted_cells(cells)
    }

    /// The single units' tallies in every grouping set, level by level: each
    /// set is rolled up from a set one level finer in one dimension, so each
    /// step reads a table that the previous steps have already shrunk (rather
    /// than the finest cells once per grouping set). Keys keep NULL levels here
    /// (a coarser level still counts them); [`kept`] drops them at the end.
    fn roll_up_single(&mut self) -> Vec<(Vec<usize>, Tallies)> {
        let rolled = |set: &Vec<usize>| -> usize {
            self.depths
                .iter()
                .zip(set)
                .map(|(max, depth)| max - depth)
                .sum()
        };
        let mut order = self.sets.clone();
        order.sort_by_key(rolled);
        let mut done: HashMap<Vec<usize>, Tallies> = HashMap::default();
        done.insert(self.depths.clone(), std::mem::take(&mut self.single));
        let mut key = Vec::with_capacity(self.columns.len());
        for set in order {
            if done.contains_key(&set) {
                continue;
            }
            // Every set but the finest has a parent one level finer in its first
            // dimension that is not at full depth; parents sort first.
            let Some(d) = (0..set.len()).find(|&d| set[d] < self.depths[d]) else {
                continue;
            };
            let mut parent = set.clone();
            parent[d] += 1;
            let column = self.depths[..d].iter().sum::<usize>() + set[d];
            let Some(source) = done.get(&parent) else {
                continue;
            };
            let mut tallies = HashMap::with_capacity(source.len() / 2);
            for (parent_key, count) in source {
                key.clear();
                key.extend_from_slice(parent_key);
                key[column] = ROLLED;
                add(&mut tallies, &key, *count);
            }
            done.insert(set, tallies);
        }
        self.sets
            .iter()
            .filter_map(|set| done.remove(set).map(|t| (set.clone(), t)))
            .collect()
    }

    /// Cells from keyed counts, sorted by codes. The codes are ranked once per
    /// dimension so that the sort compares numbers, not strings.
    fn into_sorted_cells(self, cells: Tallies) -> Vec<Cell> {
        // rank[column][code] and the rank of the total, per dimension.
        let mut rank: Vec<Vec<u32>> = Vec::with_capacity(self.columns.len());
        let mut total_rank = Vec::with_capacity(self.depths.len());
        let mut offset = 0;
        for &levels in &self.depths {
            let books = &self.codebooks[offset..offset + levels];
            let mut all: Vec<&str> = books
                .iter()
                .flat_map(|b| b.names.iter().map(|n| &**n))
                .chain([TOTAL])
                .collect();
            all.sort_unstable();
            all.dedup();
            let position = |name: &str| all.binary_search(&name).unwrap_or(0) as u32;
            for book in books {
                rank.push(book.names.iter().map(|n| position(n)).collect());
            }
            total_rank.push(position(TOTAL));
            offset += levels;
        }
        let total: Arc<str> = Arc::from(TOTAL);
        let mut ranked: Vec<(Vec<u32>, Cell)> = cells
            .into_iter()
            .map(|(key, count)| {
                let mut order = Vec::with_capacity(self.depths.len());
                let mut codes = Vec::with_capacity(self.depths.len());
                let mut levels = Vec::with_capacity(self.depths.len());
                let mut offset = 0;
                for (d, &levels_in_dimension) in self.depths.iter().enumerate() {
                    let part = &key[offset..offset + levels_in_dimension];
                    let depth = part.iter().take_while(|&&c| c != ROLLED).count();
                    if depth == 0 {
                        order.push(total_rank[d]);
                        codes.push(total.clone());
                    } else {
                        let column = offset + depth - 1;
                        let code = part[depth - 1] as usize;
                        order.push(rank[column][code]);
                        codes.push(self.codebooks[column].names[code].clone());
                    }
                    levels.push(depth as u8);
                    offset += levels_in_dimension;
                }
                let cell = Cell {
                    codes,
                    levels,
                    values: vec![count],
                };
                (order, cell)
            })
            .collect();
        ranked.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        ranked.into_iter().map(|(_, cell)| cell).collect()
    }
}

/// Whether a key of a grouping set is a cell: no dimension's deepest kept
/// level is NULL (that cell would duplicate the coarser one, and
/// [`read_cells`] drops it too).
fn kept(key: &[CodeId], depths: &[usize], set: &[usize]) -> bool {
    let mut offset = 0;
    for (&levels, &depth) in depths.iter().zip(set) {
        if depth > 0 && key[offset + depth - 1] == MISSING {
            return false;
        }
        offset += levels;
    }
    true
}

/// Adds `n` to a cell's count, creating the cell at `n`.
fn add(cells: &mut Tallies, key: &[CodeId], n: i64) {
    match cells.get_mut(key) {
        Some(count) => *count += n,
        None => {
            cells.insert(key.into(), n);
        }
    }
}

/// Appends `row` projected on a grouping set (levels below the set's depth
/// rolled up) to `out`; false, appending nothing, when the record's category
/// stops above the set's depth in some dimension (that cell is the coarser
/// one's duplicate, dropped as [`read_cells`] drops it).
fn project(row: &[CodeId], depths: &[usize], set: &[usize], out: &mut Vec<CodeId>) -> bool {
    if !kept(row, depths, set) {
        return false;
    }
    let mut offset = 0;
    for (&levels, &depth) in depths.iter().zip(set) {
        out.extend_from_slice(&row[offset..offset + depth]);
        out.extend(std::iter::repeat_n(ROLLED, levels - depth));
        offset += levels;
    }
    true
}

/// A column as some kind of UTF-8 array (other types are cast).
fn string_array(array: &ArrayRef) -> Result<ArrayRef> {
    Ok(match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array.clone(),
        _ => datafusion::arrow::compute::cast(array, &DataType::Utf8)?,
    })
}

/// Reads strings from whichever string array DataFusion produced, without
/// copying the column.
enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    fn new(array: &'a ArrayRef) -> Strings<'a> {
        match array.data_type() {
            DataType::LargeUtf8 => Strings::Large(array.as_string::<i64>()),
            DataType::Utf8View => Strings::View(array.as_string_view()),
            _ => Strings::Utf8(array.as_string::<i32>()),
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
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
    // One shared copy of each code string read.
    let mut shared = Codebook::default();
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
                    codes.push(shared.shared(TOTAL));
                    levels.push(0);
                    continue;
                }
                let array = level_arrays[d][depth - 1].as_string::<i32>();
                if array.is_null(row) {
                    // The records' category stops above this level: same cell as the
                    // coarser one, already present.
                    continue 'rows;
                }
                codes.push(shared.shared(array.value(row)));
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
