//! The disclosure model of a release: every count of every table placed in
//! the cells of its group, the zeros and implicit cells the additive structure
//! needs, and one disclosure-control release per group.
//!
//! A *member* is one count column of one table (or one stage of it): the cells
//! it fills in its group. Cells are shared: the national victims of homicide
//! in 2021 are one cell whether the `victims` table or `sdg_16_1_1` shows it,
//! so protecting the group protects both tables at once.

use std::collections::{BTreeSet, HashMap, HashSet};

use evident_disclosure as sdc;
use evident_engine::{IndicatorTable, Values};

use crate::codes::{self, Areas, Kind, TOTAL};
use crate::error::{ReleaseError, Result};
use crate::layout::{self, BINARY_DIMENSIONS, Contributors, Count, GroupDef, Layout};

/// Access to the codes of one row, whatever it comes from (an engine table, a
/// row added by the release, a published CSV file).
pub(crate) trait Row {
    fn code(&self, column: &str) -> Option<&str>;
}

/// A row of an engine table.
pub(crate) struct TableRow<'a> {
    pub table: &'a IndicatorTable,
    pub row: usize,
}

impl Row for TableRow<'_> {
    fn code(&self, column: &str) -> Option<&str> {
        self.table
            .text(column)
            .and_then(|c| c.get(self.row))
            .map(|code| &**code)
    }
}

/// A row given as column → code.
impl Row for std::collections::BTreeMap<String, String> {
    fn code(&self, column: &str) -> Option<&str> {
        self.get(column).map(String::as_str)
    }
}

/// A row given by another row with some codes replaced.
pub(crate) struct Replaced<'a> {
    pub row: &'a dyn Row,
    pub column: &'a str,
    pub code: &'a str,
}

impl Row for Replaced<'_> {
    fn code(&self, column: &str) -> Option<&str> {
        if column == self.column {
            Some(self.code)
        } else {
            self.row.code(column)
        }
    }
}

/// An indicator table checked against its layout.
#[derive(Debug)]
pub(crate) struct Table<'a> {
    pub source: &'a IndicatorTable,
    pub layout: &'static Layout,
    /// The layout's dimensions that the table has.
    pub dims: Vec<&'static str>,
}

impl<'a> Table<'a> {
    /// Checks that every column is known to the layout and has the right type.
    pub fn new(source: &'a IndicatorTable) -> Result<Table<'a>> {
        let id = source.indicator.as_str();
        let layout =
            layout::layout(id).ok_or_else(|| ReleaseError::UnknownIndicator(id.to_owned()))?;
        let rows = source.rows();
        for column in &source.columns {
            let name = column.name.as_str();
            let expected = if layout.dimensions.contains(&name) || layout.labels.contains(&name) {
                "text"
            } else if layout.levels.contains(&name)
                || layout.internal.contains(&name)
                || layout.counts.iter().any(|c| c.column == name)
            {
                "integer"
            } else if layout.derived.iter().any(|d| d.column == name)
                || layout.public.contains(&name)
            {
                "number"
            } else {
                return Err(ReleaseError::table(
                    id,
                    format!(
                        "column {name:?} is not in the publication layout; it would be published \
                         without disclosure control, so the release is refused"
                    ),
                ));
            };
            let ok = matches!(
                (&column.values, expected),
                (Values::Text(_), "text")
                    | (Values::Int(_), "integer")
                    | (Values::Int(_) | Values::Float(_), "number")
            );
            if !ok {
                return Err(ReleaseError::table(
                    id,
                    format!("column {name:?} should hold {expected} values"),
                ));
            }
            let len = match &column.values {
                Values::Text(v) => v.len(),
                Values::Int(v) => v.len(),
                Values::Float(v) => v.len(),
            };
            if len != rows {
                return Err(ReleaseError::table(
                    id,
                    format!("column {name:?} has {len} rows, the table {rows}"),
                ));
            }
        }
        for count in layout.counts {
            if source.ints(count.column).is_none() {
                return Err(ReleaseError::table(
                    id,
                    format!("count column {:?} is missing", count.column),
                ));
            }
            if let Contributors::Column(c) = count.contributors
                && source.ints(c).is_none()
            {
                return Err(ReleaseError::table(
                    id,
                    format!("column {c:?} (persons behind {}) is missing", count.column),
                ));
            }
        }
        let dims: Vec<&'static str> = layout
            .dimensions
            .iter()
            .copied()
            .filter(|d| source.text(d).is_some())
            .collect();
        // A row filter names a dimension the table must have.
        for count in layout.counts {
            for (d, _) in count.when.iter().chain(count.repeats_over.iter()) {
                if !dims.contains(d) {
                    return Err(ReleaseError::table(
                        id,
                        format!("dimension column {d:?} is missing"),
                    ));
                }
            }
        }
        Ok(Table {
            source,
            layout,
            dims,
        })
    }

    pub fn indicator(&self) -> &str {
        &self.source.indicator
    }

    /// The row key (dimension codes, in `dims` order) of an engine row.
    pub fn key(&self, row: usize) -> Vec<String> {
        self.dims
            .iter()
            .map(|d| {
                self.source
                    .text(d)
                    .map(|c| c[row].to_string())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// One count column (or one stage of it) of one table.
#[derive(Debug)]
pub(crate) struct Member {
    pub table: usize,
    pub count: &'static Count,
    pub group: usize,
    /// Position among the group's members (bit in [`ModelCell::placed`]).
    pub local: usize,
}

/// Where a cell comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A row of a table.
    Row,
    /// A zero the tables omit but the additive structure needs.
    Filled,
    /// A cell no table shows but the equations imply (a complement, or a
    /// section's share of a sub-index); never published.
    Implicit,
}

/// What disclosure control decided for a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Published,
    /// Withheld by the threshold rule.
    Primary,
    /// Withheld to protect other cells.
    Secondary,
    /// Withheld because the previous release withheld it.
    Carried,
}

impl Decision {
    pub fn suppressed(self) -> bool {
        self != Decision::Published
    }
}

/// One cell of a group.
#[derive(Debug, Clone)]
pub(crate) struct ModelCell {
    /// The count disclosure control works with. In groups whose categories
    /// overlap, an aggregate cell holds the sum of its parts (see
    /// [`Model::sum_overlaps`]).
    pub count: u64,
    /// The count as the tables give it (for aggregates of overlapping groups:
    /// distinct persons, at most `count`).
    pub shown: u64,
    pub contributors: u64,
    pub origin: Origin,
    /// Members (bits by local index) whose rows give this cell.
    pub placed: u64,
    /// The member that first gave or filled the cell.
    pub first: usize,
    pub decision: Decision,
    /// The value published: the count, or its rounding.
    pub published: u64,
}

/// A dimension of a group with its interned codes.
#[derive(Debug)]
pub(crate) struct Dim {
    pub name: &'static str,
    pub kind: Kind,
    pub codes: Vec<String>,
    index: HashMap<String, u32>,
    pub parent: Vec<Option<u32>>,
    pub children: Vec<Vec<u32>>,
    pub depth: Vec<u32>,
}

impl Dim {
    fn new(name: &'static str) -> Dim {
        Dim {
            name,
            kind: codes::kind(name),
            codes: Vec::new(),
            index: HashMap::new(),
            parent: Vec::new(),
            children: Vec::new(),
            depth: Vec::new(),
        }
    }

    /// The id of a code, adding it; `true` when it is new.
    fn intern(&mut self, code: &str) -> (u32, bool) {
        if let Some(&id) = self.index.get(code) {
            return (id, false);
        }
        let id = self.codes.len() as u32;
        self.codes.push(code.to_owned());
        self.index.insert(code.to_owned(), id);
        (id, true)
    }

    pub fn id(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    /// Adds the ancestors of every code and computes parents, children and depths.
    fn complete(&mut self, areas: &Areas) -> std::result::Result<(), String> {
        self.intern(TOTAL);
        let mut i = 0;
        let mut parents: Vec<Option<String>> = Vec::new();
        while i < self.codes.len() {
            let p = codes::parent(self.kind, &self.codes[i], areas)?;
            if let Some(p) = &p {
                self.intern(p);
            }
            parents.push(p);
            i += 1;
        }
        if matches!(self.kind, Kind::Period) {
            let quarters = self.codes.iter().any(|c| c.contains("-Q"));
            let months = self.codes.iter().any(|c| c.len() == 7 && !c.contains("-Q"));
            if quarters && months {
                return Err(
                    "tables that share counts divide years both into quarters and into months; \
                            compute them with the same period length"
                        .to_owned(),
                );
            }
        }
        self.parent = parents
            .iter()
            .map(|p| p.as_deref().and_then(|p| self.id(p)))
            .collect();
        self.children = vec![Vec::new(); self.codes.len()];
        for (id, p) in self.parent.iter().enumerate() {
            if let Some(p) = p {
                self.children[*p as usize].push(id as u32);
            }
        }
        for kids in &mut self.children {
            kids.sort_by(|a, b| self.codes[*a as usize].cmp(&self.codes[*b as usize]));
        }
        self.depth = (0..self.codes.len())
            .map(|id| {
                let mut d = 0;
                let mut c = id as u32;
                while let Some(p) = self.parent[c as usize] {
                    d += 1;
                    c = p;
                }
                d
            })
            .collect();
        Ok(())
    }

    /// The disclosure crate's hierarchy of this dimension.
    fn hierarchy(&self) -> std::result::Result<sdc::Hierarchy, sdc::Error> {
        let mut order: Vec<u32> = (0..self.codes.len() as u32).collect();
        order.sort_by(|a, b| {
            (self.depth[*a as usize], &self.codes[*a as usize])
                .cmp(&(self.depth[*b as usize], &self.codes[*b as usize]))
        });
        let mut h = sdc::Hierarchy::new(self.name);
        for id in order {
            if let Some(p) = self.parent[id as usize] {
                h.add(&self.codes[id as usize], &self.codes[p as usize])?;
            }
        }
        Ok(h)
    }
}

/// The cells of one group.
#[derive(Debug)]
pub(crate) struct GroupModel {
    pub def: &'static GroupDef,
    pub dims: Vec<Dim>,
    pub cells: HashMap<Vec<u32>, ModelCell>,
    /// Global member ids, by local index.
    pub members: Vec<usize>,
    /// Per local member, per dimension: the codes its rows use.
    observed: Vec<Vec<HashSet<u32>>>,
}

impl GroupModel {
    pub fn dim(&self, name: &str) -> Option<usize> {
        self.dims.iter().position(|d| d.name == name)
    }

    /// The codes of a cell.
    pub fn codes(&self, key: &[u32]) -> Vec<&str> {
        key.iter()
            .zip(&self.dims)
            .map(|(&c, d)| d.codes[c as usize].as_str())
            .collect()
    }

    /// `dimension=code` pairs of a cell, for messages.
    pub fn describe(&self, key: &[u32]) -> String {
        key.iter()
            .zip(&self.dims)
            .map(|(&c, d)| format!("{}={}", d.name, d.codes[c as usize]))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The key of the cell with these codes, if the group has it.
    pub fn key(&self, codes: &[String]) -> Option<Vec<u32>> {
        codes.iter().zip(&self.dims).map(|(c, d)| d.id(c)).collect()
    }

    /// Whether a cell identifies victims (the stricter threshold applies).
    fn sensitive(&self, key: &[u32]) -> bool {
        key.iter().zip(&self.dims).any(|(&c, d)| {
            let code = d.codes[c as usize].as_str();
            (d.name == "iccs" && codes::victim_identifying_offence(code))
                || (self.def.victims && d.name == "age" && code == "Y0T14")
        })
    }

    /// The member's domain: for each dimension, the codes its table covers. A
    /// table covers every code of the hierarchy down to its deepest level below
    /// each code it gives: below the total, everything; below a year, its
    /// months; a month it gives without its year (the engine leaves out an
    /// incomplete year), that month.
    fn domain(&self, local: usize) -> Option<Vec<Vec<u32>>> {
        let mut domain = Vec::with_capacity(self.dims.len());
        for (d, dim) in self.dims.iter().enumerate() {
            let seen = &self.observed[local][d];
            let max = seen.iter().map(|&c| dim.depth[c as usize]).max()?;
            // Whether a code or one of its ancestors is given, parents first.
            let mut order: Vec<u32> = (0..dim.codes.len() as u32).collect();
            order.sort_by_key(|&c| dim.depth[c as usize]);
            let mut covered = vec![false; dim.codes.len()];
            for c in order {
                covered[c as usize] = seen.contains(&c)
                    || dim.parent[c as usize].is_some_and(|p| covered[p as usize]);
            }
            let codes: Vec<u32> = (0..dim.codes.len() as u32)
                .filter(|&c| covered[c as usize] && dim.depth[c as usize] <= max)
                .collect();
            domain.push(codes);
        }
        Some(domain)
    }

    /// Calls `visit` with every key of a member's domain.
    pub fn for_each_in_domain(
        &self,
        local: usize,
        mut visit: impl FnMut(&[u32]) -> Result<()>,
    ) -> Result<()> {
        let Some(domain) = self.domain(local) else {
            return Ok(());
        };
        if domain.iter().any(Vec::is_empty) {
            return Ok(());
        }
        let mut position = vec![0usize; domain.len()];
        let mut key: Vec<u32> = domain.iter().map(|c| c[0]).collect();
        loop {
            visit(&key)?;
            let mut d = domain.len();
            loop {
                if d == 0 {
                    return Ok(());
                }
                d -= 1;
                position[d] += 1;
                if position[d] < domain[d].len() {
                    key[d] = domain[d][position[d]];
                    break;
                }
                position[d] = 0;
                key[d] = domain[d][0];
            }
        }
    }

    /// In a group whose categories overlap (one person prosecuted for two
    /// offences is one person in the total), a total can be less than the sum
    /// of its parts. Disclosure control needs additive tables, so every cell
    /// with parts gets the sum of the finest cells below it as its count; the
    /// tables' own figure stays in `shown` and is what is published. The audit
    /// then assumes an attacker who knows the sums exactly, but not that each
    /// part is at most the published total (see `docs/releases.md`).
    pub fn sum_overlaps(&mut self) {
        for d in 0..self.dims.len() {
            let mut keys: Vec<Vec<u32>> = self.cells.keys().cloned().collect();
            // Deepest first, so that a parent adds up children already summed.
            keys.sort_by_key(|k| std::cmp::Reverse(self.dims[d].depth[k[d] as usize]));
            for key in keys {
                let kids = &self.dims[d].children[key[d] as usize];
                if kids.is_empty() {
                    continue;
                }
                let mut sum = 0u64;
                let mut all = true;
                for &kid in kids {
                    let mut k = key.clone();
                    k[d] = kid;
                    match self.cells.get(&k) {
                        Some(c) => sum += c.count,
                        None => all = false,
                    }
                }
                if all && let Some(cell) = self.cells.get_mut(&key) {
                    cell.count = sum;
                }
            }
        }
    }

    /// The disclosure-control release of the group.
    pub fn release(&self) -> std::result::Result<sdc::Release, sdc::Error> {
        let hierarchies = self
            .dims
            .iter()
            .map(Dim::hierarchy)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut builder = sdc::ReleaseBuilder::new(hierarchies)?;
        let mut keys: Vec<&Vec<u32>> = self.cells.keys().collect();
        keys.sort_unstable();
        for key in keys {
            let cell = &self.cells[key];
            builder.add(
                &self.codes(key),
                sdc::Cell {
                    count: cell.count,
                    contributors: cell.contributors,
                    sensitive: self.sensitive(key),
                },
            )?;
        }
        builder.build()
    }
}

/// All groups of a release.
#[derive(Debug)]
pub(crate) struct Model<'a> {
    pub tables: Vec<Table<'a>>,
    pub members: Vec<Member>,
    pub groups: Vec<GroupModel>,
    pub areas: Areas,
}

impl<'a> Model<'a> {
    /// Places every count of every table, then adds the zeros and implicit cells.
    pub fn build(sources: &'a [IndicatorTable], areas: Areas) -> Result<Model<'a>> {
        let mut tables = Vec::with_capacity(sources.len());
        let mut seen = HashSet::new();
        for source in sources {
            if !seen.insert(source.indicator.as_str()) {
                return Err(ReleaseError::DuplicateTable(source.indicator.clone()));
            }
            tables.push(Table::new(source)?);
        }
        tables.sort_by_key(|t| layout::order(t.indicator()));

        let mut groups: Vec<GroupModel> = Vec::new();
        let mut members = Vec::new();
        for (t, table) in tables.iter().enumerate() {
            check_row_filters(table)?;
            for count in table.layout.counts {
                let def = layout::group(count.group).ok_or_else(|| {
                    ReleaseError::table(table.indicator(), format!("unknown group {}", count.group))
                })?;
                let g = match groups.iter().position(|g| g.def.name == def.name) {
                    Some(g) => g,
                    None => {
                        groups.push(GroupModel {
                            def,
                            dims: def.dimensions.iter().map(|d| Dim::new(d)).collect(),
                            cells: HashMap::new(),
                            members: Vec::new(),
                            observed: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                let local = groups[g].members.len();
                if local >= 64 {
                    return Err(ReleaseError::table(
                        table.indicator(),
                        "too many tables share one group",
                    ));
                }
                groups[g].members.push(members.len());
                groups[g]
                    .observed
                    .push(vec![HashSet::new(); def.dimensions.len()]);
                members.push(Member {
                    table: t,
                    count,
                    group: g,
                    local,
                });
            }
        }
        groups.sort_by_key(|g| layout::GROUPS.iter().position(|d| d.name == g.def.name));
        for (g, group) in groups.iter().enumerate() {
            for &m in &group.members {
                members[m].group = g;
            }
        }
        let mut model = Model {
            tables,
            members,
            groups,
            areas,
        };
        for m in 0..model.members.len() {
            model.place(m)?;
        }
        for g in 0..model.groups.len() {
            let areas = &model.areas;
            let group = &mut model.groups[g];
            for dim in &mut group.dims {
                dim.complete(areas).map_err(|reason| ReleaseError::Table {
                    indicator: format!("group {}", group.def.name),
                    reason: format!("dimension {}: {reason}", dim.name),
                })?;
            }
            model.fill_zeros(g)?;
            model.add_sub_index_shares(g)?;
            model.add_complements(g)?;
            if model.groups[g].def.overlapping {
                model.groups[g].sum_overlaps();
            }
        }
        Ok(model)
    }

    /// The group codes of the cell a row's count goes to (`None` when the row
    /// is not this member's).
    pub fn member_codes(&self, m: usize, row: &dyn Row) -> Option<Vec<String>> {
        let member = &self.members[m];
        let table = &self.tables[member.table];
        let def = self.groups[member.group].def;
        member_codes(member.count, &table.dims, def, row)
    }

    /// The key of the cell a row's count goes to, if the group has it.
    pub fn member_key(&self, m: usize, row: &dyn Row) -> Option<Vec<u32>> {
        let codes = self.member_codes(m, row)?;
        self.groups[self.members[m].group].key(&codes)
    }

    /// The member of a table that a row's count column belongs to.
    pub fn member_of(&self, table: usize, column: &str, row: &dyn Row) -> Option<usize> {
        self.members.iter().position(|m| {
            m.table == table
                && m.count.column == column
                && m.count.when.is_none_or(|(c, v)| row.code(c) == Some(v))
        })
    }

    /// The cell of a member for a row.
    pub fn cell(&self, m: usize, row: &dyn Row) -> Option<&ModelCell> {
        let key = self.member_key(m, row)?;
        self.groups[self.members[m].group].cells.get(&key)
    }

    /// The table row (column → code) that shows a member's cell.
    pub fn row_of(&self, m: usize, key: &[u32]) -> std::collections::BTreeMap<String, String> {
        let member = &self.members[m];
        let table = &self.tables[member.table];
        let group = &self.groups[member.group];
        let mut row = std::collections::BTreeMap::new();
        for d in &table.dims {
            let code = if let Some(g) = group.dim(d) {
                codes::to_table(d, &group.dims[g].codes[key[g] as usize]).to_owned()
            } else if let Some((_, v)) = member.count.when.filter(|(c, _)| c == d) {
                v.to_owned()
            } else if let Some((_, v)) = member.count.repeats_over.filter(|(c, _)| c == d) {
                v.to_owned()
            } else {
                String::new()
            };
            row.insert((*d).to_owned(), code);
        }
        row
    }

    fn place(&mut self, m: usize) -> Result<()> {
        let (t, count, g, local) = {
            let member = &self.members[m];
            (member.table, member.count, member.group, member.local)
        };
        let table = &self.tables[t];
        let source = table.source;
        let indicator = source.indicator.clone();
        let values = source.ints(count.column).unwrap_or(&[]);
        let contributors = match count.contributors {
            Contributors::Column(c) => source.ints(c),
            Contributors::Count => None,
        };
        let dims = table.dims.clone();
        let group = &mut self.groups[g];
        let areas = &self.areas;
        for row in 0..source.rows() {
            let Some(codes) =
                member_codes(count, &dims, group.def, &TableRow { table: source, row })
            else {
                continue;
            };
            let value = match values[row] {
                Some(v) if v >= 0 => v as u64,
                Some(v) => {
                    return Err(ReleaseError::table(
                        &indicator,
                        format!("row {}: {} is negative ({v})", row + 1, count.column),
                    ));
                }
                None => {
                    return Err(ReleaseError::table(
                        &indicator,
                        format!("row {}: {} is empty", row + 1, count.column),
                    ));
                }
            };
            let persons = match contributors {
                Some(c) => match c[row] {
                    Some(p) if p >= 0 => p as u64,
                    Some(p) => {
                        return Err(ReleaseError::table(
                            &indicator,
                            format!("row {}: negative number of persons ({p})", row + 1),
                        ));
                    }
                    None => value,
                },
                None => value,
            };
            let mut key = Vec::with_capacity(codes.len());
            for (d, code) in codes.iter().enumerate() {
                let (id, new) = group.dims[d].intern(code);
                if new {
                    codes::parent(group.dims[d].kind, code, areas).map_err(|reason| {
                        ReleaseError::table(
                            &indicator,
                            format!("row {}, {}: {reason}", row + 1, group.dims[d].name),
                        )
                    })?;
                }
                group.observed[local][d].insert(id);
                key.push(id);
            }
            if let Some(cell) = group.cells.get(&key)
                && cell.count != value
            {
                let first = self.tables[self.members[group.members[cell.first]].table]
                    .indicator()
                    .to_owned();
                return Err(ReleaseError::Disagree {
                    group: group.def.name.to_owned(),
                    cell: group.describe(&key),
                    first,
                    first_count: cell.count,
                    second: indicator,
                    second_count: value,
                });
            }
            match group.cells.get_mut(&key) {
                None => {
                    group.cells.insert(
                        key,
                        ModelCell {
                            count: value,
                            shown: value,
                            contributors: persons,
                            origin: Origin::Row,
                            placed: 1 << local,
                            first: local,
                            decision: Decision::Published,
                            published: value,
                        },
                    );
                }
                Some(cell) => {
                    // When two tables count different persons behind one cell,
                    // the smaller number decides: the threshold rule errs on
                    // the side of protection.
                    cell.contributors = cell.contributors.min(persons);
                    cell.placed |= 1 << local;
                }
            }
        }
        Ok(())
    }

    /// Adds the zero cells each member's table omits within its domain. A cell
    /// in a member's domain that the member did not give is a zero by that
    /// table's account; another table giving it a count is a contradiction.
    fn fill_zeros(&mut self, g: usize) -> Result<()> {
        let group = &self.groups[g];
        let mut added: Vec<(Vec<u32>, usize)> = Vec::new();
        let mut seen_new: HashSet<Vec<u32>> = HashSet::new();
        for local in 0..group.members.len() {
            group.for_each_in_domain(local, |key| {
                match group.cells.get(key) {
                    None => {
                        if seen_new.insert(key.to_vec()) {
                            added.push((key.to_vec(), local));
                        }
                    }
                    Some(cell) if cell.placed & (1 << local) == 0 && cell.count != 0 => {
                        let indicator = |l: usize| {
                            self.tables[self.members[group.members[l]].table]
                                .indicator()
                                .to_owned()
                        };
                        return Err(ReleaseError::Disagree {
                            group: group.def.name.to_owned(),
                            cell: group.describe(key),
                            first: indicator(cell.first),
                            first_count: cell.count,
                            second: format!("{} (no row, so zero)", indicator(local)),
                            second_count: 0,
                        });
                    }
                    Some(_) => {}
                }
                Ok(())
            })?;
        }
        let group = &mut self.groups[g];
        for (key, local) in added {
            group.cells.insert(
                key,
                ModelCell {
                    count: 0,
                    shown: 0,
                    contributors: 0,
                    origin: Origin::Filled,
                    placed: 0,
                    first: local,
                    decision: Decision::Published,
                    published: 0,
                },
            );
        }
        Ok(())
    }

    /// The severity index counts violent and non-violent offences; they are sums
    /// of ICCS sections, which the offences table may publish too. So that the
    /// equations see it, each section also gets a cell per sub-index: its own
    /// count under its class, zero under the other.
    fn add_sub_index_shares(&mut self, g: usize) -> Result<()> {
        let group = &mut self.groups[g];
        let (Some(iccs), Some(sub)) = (group.dim("iccs"), group.dim("sub_index")) else {
            return Ok(());
        };
        let (Some(total_iccs), Some(total_sub)) =
            (group.dims[iccs].id(TOTAL), group.dims[sub].id(TOTAL))
        else {
            return Ok(());
        };
        let sections = group.dims[iccs].children[total_iccs as usize].clone();
        let classes: Vec<u32> = group.dims[sub].children[total_sub as usize].clone();
        let anchors: BTreeSet<Vec<u32>> = group
            .cells
            .keys()
            .filter(|k| k[iccs] == total_iccs && k[sub] != total_sub)
            .map(|k| {
                let mut a = k.clone();
                a[sub] = total_sub;
                a
            })
            .collect();
        for anchor in anchors {
            let present: Vec<Option<ModelCell>> = sections
                .iter()
                .map(|&s| {
                    let mut k = anchor.clone();
                    k[iccs] = s;
                    group.cells.get(&k).cloned()
                })
                .collect();
            if present.iter().all(Option::is_none) {
                continue;
            }
            if present.iter().any(Option::is_none) {
                return Err(ReleaseError::Table {
                    indicator: format!("group {}", group.def.name),
                    reason: format!(
                        "the sections at {} are only partly present; cannot link the severity index's sub-indices",
                        group.describe(&anchor)
                    ),
                });
            }
            for (&s, cell) in sections.iter().zip(present.into_iter().flatten()) {
                let section = group.dims[iccs].codes[s as usize].as_str();
                let violent = crate::layout::VIOLENT_SECTIONS
                    .iter()
                    .any(|v| section.starts_with(v));
                for &class in &classes {
                    let mut k = anchor.clone();
                    k[iccs] = s;
                    k[sub] = class;
                    let mine = (group.dims[sub].codes[class as usize] == "violent") == violent;
                    group.cells.entry(k).or_insert(ModelCell {
                        count: if mine { cell.count } else { 0 },
                        shown: if mine { cell.shown } else { 0 },
                        contributors: if mine { cell.contributors } else { 0 },
                        origin: Origin::Implicit,
                        placed: 0,
                        first: cell.first,
                        decision: Decision::Published,
                        published: 0,
                    });
                }
            }
        }
        Ok(())
    }

    /// For a count that is a subset of another (code `Y` of a binary
    /// dimension), adds the complement at `N`.
    fn add_complements(&mut self, g: usize) -> Result<()> {
        let group = &mut self.groups[g];
        let binaries: Vec<usize> = (0..group.dims.len())
            .filter(|&d| BINARY_DIMENSIONS.contains(&group.dims[d].name))
            .collect();
        for &b in &binaries {
            let dim = &group.dims[b];
            let (Some(total), Some(yes)) = (dim.id(TOTAL), dim.id("Y")) else {
                continue;
            };
            let no = group.dims[b].intern("N").0;
            // `N` is a new code: give it its place in the hierarchy.
            if group.dims[b].parent.len() < group.dims[b].codes.len() {
                group.dims[b].parent.push(Some(total));
                group.dims[b].children.push(Vec::new());
                group.dims[b].depth.push(1);
                let codes = group.dims[b].codes.clone();
                let kids = &mut group.dims[b].children[total as usize];
                kids.push(no);
                kids.sort_by(|x, y| codes[*x as usize].cmp(&codes[*y as usize]));
            }
            let subsets: Vec<Vec<u32>> = group
                .cells
                .keys()
                .filter(|k| {
                    k[b] == yes
                        && binaries
                            .iter()
                            .all(|&o| o == b || group.dims[o].id(TOTAL) == Some(k[o]))
                })
                .cloned()
                .collect();
            for key in subsets {
                let mut whole = key.clone();
                whole[b] = total;
                let part = &group.cells[&key];
                let Some(all) = group.cells.get(&whole) else {
                    return Err(ReleaseError::Table {
                        indicator: format!("group {}", group.def.name),
                        reason: format!(
                            "{} has no total for its {}",
                            group.describe(&key),
                            group.dims[b].name
                        ),
                    });
                };
                let Some(rest) = all.count.checked_sub(part.count) else {
                    return Err(ReleaseError::Table {
                        indicator: format!("group {}", group.def.name),
                        reason: format!(
                            "{}: the subset ({}) exceeds its total ({})",
                            group.describe(&key),
                            part.count,
                            all.count
                        ),
                    });
                };
                let first = all.first;
                let mut complement = key.clone();
                complement[b] = no;
                group.cells.entry(complement).or_insert(ModelCell {
                    count: rest,
                    shown: rest,
                    contributors: rest,
                    origin: Origin::Implicit,
                    placed: 0,
                    first,
                    decision: Decision::Published,
                    published: rest,
                });
            }
        }
        Ok(())
    }
}

/// The group codes of a count's cell for a row, or `None` when the row is not
/// the count's (its `when` filter).
fn member_codes(
    count: &Count,
    table_dims: &[&str],
    def: &GroupDef,
    row: &dyn Row,
) -> Option<Vec<String>> {
    if let Some((column, value)) = count.when
        && row.code(column)? != value
    {
        return None;
    }
    def.dimensions
        .iter()
        .map(|d| {
            if table_dims.contains(d) {
                row.code(d).map(|c| codes::to_group(d, c).to_owned())
            } else {
                Some(
                    count
                        .fixed
                        .iter()
                        .find(|(f, _)| f == d)
                        .map_or(TOTAL, |(_, c)| *c)
                        .to_owned(),
                )
            }
        })
        .collect()
}

/// Every row must belong to one member per count column: a stage or follow-up
/// the layout does not know would otherwise go unpublished and unprotected.
fn check_row_filters(table: &Table) -> Result<()> {
    let source = table.source;
    let mut columns: Vec<&str> = table.layout.counts.iter().map(|c| c.column).collect();
    columns.dedup();
    for column in columns {
        let counts: Vec<&Count> = table
            .layout
            .counts
            .iter()
            .filter(|c| c.column == column)
            .collect();
        for row in 0..source.rows() {
            let r = TableRow { table: source, row };
            let matching = counts
                .iter()
                .filter(|c| c.when.is_none_or(|(col, v)| r.code(col) == Some(v)))
                .count();
            if matching != 1 {
                let codes: Vec<String> = table
                    .dims
                    .iter()
                    .map(|d| format!("{d}={}", r.code(d).unwrap_or("")))
                    .collect();
                return Err(ReleaseError::table(
                    table.indicator(),
                    format!(
                        "row {} ({}) has no place for its {column}",
                        row + 1,
                        codes.join(",")
                    ),
                ));
            }
        }
    }
    Ok(())
}
