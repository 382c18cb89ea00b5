//! A release: the cells of all its tables over shared dimensions, and the
//! additive equations that tie them together.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::{Error, Hierarchy};

/// One cell of a count table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cell {
    /// The published quantity: offences, victims, offenders …
    pub count: u64,
    /// How many distinct persons (victims or offenders) contribute to the cell;
    /// the threshold rule is applied to this number, not to `count`.
    pub contributors: u64,
    /// Whether the cell's offences identify victims (sexual offences, offences
    /// against children, domestic violence); such cells get the stricter threshold.
    pub sensitive: bool,
}

/// Position of a cell in a [`Release`]. Cells are numbered in a canonical order
/// (by code, dimension by dimension), so the same cells give the same numbers
/// whatever order they were added in.
pub type CellId = usize;

/// Collects the cells of a release before its equations are generated.
#[derive(Debug, Clone)]
pub struct ReleaseBuilder {
    dims: Vec<Hierarchy>,
    entries: Vec<(Vec<u32>, Cell)>,
}

impl ReleaseBuilder {
    /// Starts a release over these dimensions (at least one, names unique).
    pub fn new(dimensions: Vec<Hierarchy>) -> Result<ReleaseBuilder, Error> {
        if dimensions.is_empty() {
            return Err(Error::InvalidRelease(
                "a release needs at least one dimension".to_owned(),
            ));
        }
        for (i, d) in dimensions.iter().enumerate() {
            if dimensions[..i].iter().any(|e| e.name() == d.name()) {
                return Err(Error::InvalidRelease(format!(
                    "dimension {:?} is listed twice",
                    d.name()
                )));
            }
        }
        let dims: Vec<Hierarchy> = dimensions.iter().map(Hierarchy::canonical).collect();
        // Keys are mixed-radix numbers over the code counts; they must fit in 128 bits.
        let mut capacity: u128 = 1;
        for d in &dims {
            capacity = capacity.checked_mul(d.len() as u128).ok_or_else(|| {
                Error::InvalidRelease("too many dimensions or codes to index cells".to_owned())
            })?;
        }
        Ok(ReleaseBuilder {
            dims,
            entries: Vec::new(),
        })
    }

    /// Adds one cell, given one code per dimension in the order of the dimensions.
    /// A table that does not break a dimension down uses that dimension's total.
    pub fn add(&mut self, codes: &[&str], cell: Cell) -> Result<(), Error> {
        if codes.len() != self.dims.len() {
            return Err(Error::InvalidRelease(format!(
                "cell {codes:?} has {} codes, the release has {} dimensions ({})",
                codes.len(),
                self.dims.len(),
                self.dims
                    .iter()
                    .map(Hierarchy::name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut coords = Vec::with_capacity(codes.len());
        for (d, code) in self.dims.iter().zip(codes) {
            let id = d.id(code).ok_or_else(|| Error::UnknownCode {
                dimension: d.name().to_owned(),
                code: (*code).to_owned(),
            })?;
            coords.push(id);
        }
        self.entries.push((coords, cell));
        Ok(())
    }

    /// Adds every cell of a table whose dimension `d` runs over `codes[d]`, taking
    /// each cell's values from `cell`; cells for which it returns `None` are zero.
    /// This is how sparse counts become a complete table (zeros included), which
    /// the additive equations need.
    pub fn add_table<F>(&mut self, codes: &[Vec<&str>], mut cell: F) -> Result<(), Error>
    where
        F: FnMut(&[&str]) -> Option<Cell>,
    {
        if codes.len() != self.dims.len() || codes.iter().any(Vec::is_empty) {
            return Err(Error::InvalidRelease(
                "a table needs a non-empty code list for every dimension".to_owned(),
            ));
        }
        let mut position = vec![0usize; codes.len()];
        let mut current: Vec<&str> = codes.iter().map(|c| c[0]).collect();
        loop {
            let value = cell(&current).unwrap_or_default();
            self.add(&current, value)?;
            let mut d = codes.len();
            loop {
                if d == 0 {
                    return Ok(());
                }
                d -= 1;
                position[d] += 1;
                if position[d] < codes[d].len() {
                    current[d] = codes[d][position[d]];
                    break;
                }
                position[d] = 0;
                current[d] = codes[d][0];
            }
        }
    }

    /// Sorts the cells into canonical order, generates the additive equations
    /// and checks that the counts satisfy them.
    pub fn build(mut self) -> Result<Release, Error> {
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        for pair in self.entries.windows(2) {
            if pair[0].0 == pair[1].0 {
                return Err(Error::DuplicateCell(codes_of(&self.dims, &pair[0].0)));
            }
        }
        let k = self.dims.len();
        let mut coords = Vec::with_capacity(self.entries.len() * k);
        let mut cells = Vec::with_capacity(self.entries.len());
        for (c, cell) in self.entries {
            coords.extend_from_slice(&c);
            cells.push(cell);
        }
        let index = CellIndex::new(&self.dims, &coords, cells.len());
        let mut release = Release {
            dims: self.dims,
            coords,
            cells,
            index,
            eq_start: vec![0],
            eq_cells: Vec::new(),
            cell_eq_start: Vec::new(),
            cell_eqs: Vec::new(),
        };
        release.generate_equations()?;
        Ok(release)
    }
}

fn codes_of(dims: &[Hierarchy], coords: &[u32]) -> Vec<String> {
    dims.iter()
        .zip(coords)
        .map(|(d, &c)| d.code(c).to_owned())
        .collect()
}

/// The cells of one release and the equations between them.
///
/// An equation says that a cell equals the sum of the cells one level below it
/// in one dimension, all other codes fixed. Equations are generated wherever a
/// cell and all its children in some dimension are present; a cell with some but
/// not all of its children present is an error (add the missing cells as zeros).
#[derive(Debug, Clone)]
pub struct Release {
    dims: Vec<Hierarchy>,
    coords: Vec<u32>,
    cells: Vec<Cell>,
    index: CellIndex,
    eq_start: Vec<u32>,
    eq_cells: Vec<u32>,
    cell_eq_start: Vec<u32>,
    cell_eqs: Vec<u32>,
}

impl Release {
    /// The dimensions, in the order cells give their codes.
    pub fn dimensions(&self) -> &[Hierarchy] {
        &self.dims
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the release has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The values of a cell.
    pub fn cell(&self, id: CellId) -> &Cell {
        &self.cells[id]
    }

    /// All cells in canonical order.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The codes of a cell, one per dimension.
    pub fn codes(&self, id: CellId) -> Vec<&str> {
        self.coords(id)
            .iter()
            .zip(&self.dims)
            .map(|(&c, d)| d.code(c))
            .collect()
    }

    /// The cell with these codes, if the release has it.
    pub fn find(&self, codes: &[&str]) -> Option<CellId> {
        if codes.len() != self.dims.len() {
            return None;
        }
        let mut coords = Vec::with_capacity(codes.len());
        for (d, code) in self.dims.iter().zip(codes) {
            coords.push(d.id(code)?);
        }
        self.find_coords(&coords)
    }

    /// The number of additive equations generated.
    pub fn equation_count(&self) -> usize {
        self.eq_start.len() - 1
    }

    /// One equation as cell ids: the total first, then the cells that add up to it.
    pub fn equation(&self, e: usize) -> &[u32] {
        &self.eq_cells[self.eq_start[e] as usize..self.eq_start[e + 1] as usize]
    }

    /// The equations a cell takes part in (as total or as part).
    pub fn equations_of(&self, id: CellId) -> &[u32] {
        &self.cell_eqs[self.cell_eq_start[id] as usize..self.cell_eq_start[id + 1] as usize]
    }

    pub(crate) fn coords(&self, id: CellId) -> &[u32] {
        let k = self.dims.len();
        &self.coords[id * k..(id + 1) * k]
    }

    pub(crate) fn find_coords(&self, coords: &[u32]) -> Option<CellId> {
        self.index.get(self.index.key(coords))
    }

    pub(crate) fn key(&self, coords: &[u32]) -> u128 {
        self.index.key(coords)
    }

    pub(crate) fn find_key(&self, key: u128) -> Option<CellId> {
        self.index.get(key)
    }

    /// What each dimension's code id is multiplied by in a cell key.
    pub(crate) fn strides(&self) -> Vec<u128> {
        let mut strides = vec![1u128; self.dims.len()];
        for d in (0..self.dims.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * self.index.radix[d + 1];
        }
        strides
    }

    /// The sum of the depths of a cell's codes: 0 for the grand total, larger for
    /// more detailed cells.
    pub(crate) fn detail(&self, id: CellId) -> u32 {
        self.coords(id)
            .iter()
            .zip(&self.dims)
            .map(|(&c, d)| d.depth(c))
            .sum()
    }

    fn generate_equations(&mut self) -> Result<(), Error> {
        let k = self.dims.len();
        let n = self.cells.len();
        let mut probe = vec![0u32; k];
        let mut members: Vec<u32> = Vec::new();
        for id in 0..n {
            for d in 0..k {
                let code = self.coords[id * k + d];
                let kids = self.dims[d].children(code);
                if kids.is_empty() {
                    continue;
                }
                probe.copy_from_slice(self.coords(id));
                members.clear();
                let mut missing = None;
                for &kid in kids {
                    probe[d] = kid;
                    match self.find_coords(&probe) {
                        Some(c) => members.push(c as u32),
                        None => missing = missing.or(Some(kid)),
                    }
                }
                if members.is_empty() {
                    continue;
                }
                if let Some(kid) = missing {
                    probe[d] = kid;
                    return Err(Error::IncompleteBreakdown {
                        cell: self.codes(id).iter().map(|s| s.to_string()).collect(),
                        dimension: self.dims[d].name().to_owned(),
                        missing: codes_of(&self.dims, &probe),
                    });
                }
                let sum: u128 = members
                    .iter()
                    .map(|&c| self.cells[c as usize].count as u128)
                    .sum();
                if sum != self.cells[id].count as u128 {
                    return Err(Error::NotAdditive {
                        cell: self.codes(id).iter().map(|s| s.to_string()).collect(),
                        dimension: self.dims[d].name().to_owned(),
                        total: self.cells[id].count,
                        sum,
                    });
                }
                self.eq_cells.push(id as u32);
                self.eq_cells.extend_from_slice(&members);
                self.eq_start.push(self.eq_cells.len() as u32);
            }
        }
        // Cell -> equations, as a compressed sparse row index.
        let mut counts = vec![0u32; n + 1];
        for &c in &self.eq_cells {
            counts[c as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut cell_eqs = vec![0u32; self.eq_cells.len()];
        for e in 0..self.equation_count() {
            for &c in self.equation(e) {
                cell_eqs[fill[c as usize] as usize] = e as u32;
                fill[c as usize] += 1;
            }
        }
        self.cell_eq_start = counts;
        self.cell_eqs = cell_eqs;
        Ok(())
    }
}

/// Finds cells by coordinates: a dense table when the code space is small
/// enough, a hash map otherwise.
#[derive(Debug, Clone)]
enum CellIndexKind {
    Dense(Vec<u32>),
    Sparse(HashMap<u128, u32, BuildHasherDefault<KeyHasher>>),
}

#[derive(Debug, Clone)]
struct CellIndex {
    radix: Vec<u128>,
    kind: CellIndexKind,
}

const EMPTY: u32 = u32::MAX;

impl CellIndex {
    fn new(dims: &[Hierarchy], coords: &[u32], n: usize) -> CellIndex {
        let radix: Vec<u128> = dims.iter().map(|d| d.len() as u128).collect();
        let space: u128 = radix.iter().product();
        let k = dims.len();
        let mut index = CellIndex {
            radix,
            kind: CellIndexKind::Dense(Vec::new()),
        };
        // A dense table costs 4 bytes per possible cell; use it while that is at
        // most a few times the cells actually present.
        let dense_limit = (8 * n as u128).max(1 << 20);
        if space <= dense_limit {
            let mut table = vec![EMPTY; space as usize];
            for id in 0..n {
                table[index.key(&coords[id * k..(id + 1) * k]) as usize] = id as u32;
            }
            index.kind = CellIndexKind::Dense(table);
        } else {
            let mut map = HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default());
            for id in 0..n {
                map.insert(index.key(&coords[id * k..(id + 1) * k]), id as u32);
            }
            index.kind = CellIndexKind::Sparse(map);
        }
        index
    }

    fn key(&self, coords: &[u32]) -> u128 {
        let mut key: u128 = 0;
        for (&c, &r) in coords.iter().zip(&self.radix) {
            key = key * r + c as u128;
        }
        key
    }

    fn get(&self, key: u128) -> Option<CellId> {
        let found = match &self.kind {
            CellIndexKind::Dense(table) => table.get(key as usize).copied().unwrap_or(EMPTY),
            CellIndexKind::Sparse(map) => map.get(&key).copied().unwrap_or(EMPTY),
        };
        (found != EMPTY).then_some(found as usize)
    }
}

/// A multiplicative hasher for cell keys (which are already well spread
/// integers); the default SipHash is several times slower here.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u128(&mut self, i: u128) {
        let folded = (i as u64) ^ ((i >> 64) as u64).rotate_left(29);
        self.0 = (self.0 ^ folded)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(23);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0 ^ i)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(23);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TOTAL;

    fn area() -> Hierarchy {
        Hierarchy::flat("area", &["A", "B"]).unwrap()
    }

    fn cell(count: u64) -> Cell {
        Cell {
            count,
            contributors: count,
            sensitive: false,
        }
    }

    #[test]
    fn one_dimension_gives_one_equation() {
        let mut b = ReleaseBuilder::new(vec![area()]).unwrap();
        b.add(&["B"], cell(2)).unwrap();
        b.add(&[TOTAL], cell(5)).unwrap();
        b.add(&["A"], cell(3)).unwrap();
        let r = b.build().unwrap();
        assert_eq!(r.equation_count(), 1);
        // Canonical order: _T, A, B; the total comes first in its equation.
        assert_eq!(r.codes(0), [TOTAL]);
        assert_eq!(r.equation(0), &[0, 1, 2]);
        assert_eq!(r.equations_of(2), &[0]);
        assert_eq!(r.find(&["B"]), Some(2));
    }

    #[test]
    fn non_additive_counts_are_rejected_with_the_cell_named() {
        let mut b = ReleaseBuilder::new(vec![area()]).unwrap();
        b.add(&[TOTAL], cell(6)).unwrap();
        b.add(&["A"], cell(3)).unwrap();
        b.add(&["B"], cell(2)).unwrap();
        match b.build() {
            Err(Error::NotAdditive {
                total: 6,
                sum: 5,
                cell,
                ..
            }) => assert_eq!(cell, [TOTAL]),
            other => panic!("expected NotAdditive, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_child_is_an_error_but_no_children_is_fine() {
        let mut b = ReleaseBuilder::new(vec![area()]).unwrap();
        b.add(&[TOTAL], cell(6)).unwrap();
        b.add(&["A"], cell(6)).unwrap();
        assert!(matches!(b.build(), Err(Error::IncompleteBreakdown { .. })));
        let mut b = ReleaseBuilder::new(vec![area()]).unwrap();
        b.add(&[TOTAL], cell(6)).unwrap();
        assert_eq!(b.build().unwrap().equation_count(), 0);
    }

    #[test]
    fn duplicates_and_unknown_codes_are_rejected() {
        let mut b = ReleaseBuilder::new(vec![area()]).unwrap();
        assert!(matches!(
            b.add(&["Z"], cell(1)),
            Err(Error::UnknownCode { .. })
        ));
        b.add(&["A"], cell(1)).unwrap();
        b.add(&["A"], cell(1)).unwrap();
        assert!(matches!(b.build(), Err(Error::DuplicateCell(_))));
    }

    #[test]
    fn add_table_fills_zeros_and_two_dimensions_give_row_and_column_equations() {
        let sex = Hierarchy::flat("sex", &["F", "M"]).unwrap();
        let mut b = ReleaseBuilder::new(vec![area(), sex]).unwrap();
        let counts = |codes: &[&str]| -> Option<Cell> {
            match codes {
                ["A", "F"] => Some(cell(1)),
                ["A", "M"] | ["A", TOTAL] => Some(cell(if codes[1] == "M" { 2 } else { 3 })),
                [TOTAL, "F"] => Some(cell(1)),
                [TOTAL, "M"] => Some(cell(2)),
                [TOTAL, TOTAL] => Some(cell(3)),
                _ => None,
            }
        };
        b.add_table(&[vec![TOTAL, "A", "B"], vec![TOTAL, "F", "M"]], counts)
            .unwrap();
        let r = b.build().unwrap();
        assert_eq!(r.len(), 9);
        // Three rows (_T, A, B) sum across sex, three columns sum across area.
        assert_eq!(r.equation_count(), 6);
        assert_eq!(r.cell(r.find(&["B", "M"]).unwrap()).count, 0);
    }
}
