//! The audit: what an attacker can learn about each suppressed cell from
//! everything published, in this release and in earlier ones.
//!
//! The attacker knows every published value, that counts are non-negative, and
//! that every table adds up. For a suppressed cell the attack is the pair of
//! linear programs `min x_c` and `max x_c` subject to those facts (the
//! "interval attack" of the cell-suppression literature; see Fischetti &
//! Salazar-González 2000, "Models and algorithms for optimizing cell suppression
//! in tabular data with linear constraints", *Journal of the American
//! Statistical Association* 95(451), and Hundepool et al. 2012, *Statistical
//! Disclosure Control*, Wiley, §4.3 and §5.4). A protected cell passes when the
//! interval `[min, max]` is at least as wide as [`Rules::required_width`].
//!
//! The auditor works independently of the suppression that produced the pattern:
//! it recomputes which cells are sensitive from the rules, builds the attacker's
//! system itself and answers in three tiers, all sound.
//!
//! 1. Equations with a single unknown are solved and substituted until none is
//!    left: every cell reached this way is disclosed exactly.
//! 2. The remaining unknowns split into connected components (published cells are
//!    constants, so only equations between unknowns link them). Components up to
//!    [`Rules::exact_audit_limit`] unknowns are solved exactly, both bounds for
//!    every unknown.
//! 3. In larger components the exact programs are too many to solve in time, so
//!    the auditor proves protection instead: it exhibits alternative tables
//!    `x ± t v` (`v` a balanced direction, see `pattern.rs`), checks itself that
//!    `v` moves only unknowns and keeps every equation of every release balanced,
//!    and derives from the values how far `t` can go. Such an interval lies
//!    inside the attacker's, so a pass is a proof; a cell it cannot prove is
//!    reported as unproven and fails.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Serialize};

use crate::lp::{self, Row};
use crate::pattern::{self, Line};
use crate::release::KeyHasher;
use crate::{CellId, Error, Release, Rules};

type KeyMap<V> = HashMap<u128, V, BuildHasherDefault<KeyHasher>>;

/// A release as published: its cells and which of them were suppressed.
#[derive(Debug, Clone, Copy)]
pub struct Publication<'a> {
    /// The cells with their true counts.
    pub release: &'a Release,
    /// `suppressed[cell]` is true when the cell was withheld.
    pub suppressed: &'a [bool],
}

/// How a cell's interval was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A sensitive cell that is published, here or with the same value in another release.
    Published,
    /// Fixed by equations with a single unknown: disclosed exactly.
    Determined,
    /// Both bounds from the exact linear programs.
    Exact,
    /// A proven inner interval: the attacker's interval contains it.
    Verified,
    /// In a large component, and no alternative table wide enough was found.
    Unproven,
}

/// The audit's verdict on one suppressed (or wrongly published) cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellAudit {
    /// 0 for the release being checked, then the earlier releases in the order given.
    pub layer: usize,
    /// The cell in that layer's release.
    pub cell: CellId,
    /// The true count.
    pub value: u64,
    /// The smallest value consistent with what is published.
    pub lower: u64,
    /// The largest value consistent with what is published (`None`: unbounded).
    pub upper: Option<u64>,
    /// How the bounds were obtained.
    pub method: Method,
    /// The interval width the cell needs, when it is sensitive.
    pub required: Option<u64>,
    /// Whether the cell is protected well enough (always true for cells that need no protection).
    pub safe: bool,
}

impl CellAudit {
    /// `upper - lower`, or `None` when unbounded.
    pub fn width(&self) -> Option<u64> {
        self.upper.map(|u| u - self.lower)
    }
}

/// The result of an audit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Audit {
    /// Sensitive cells (safe or not) and every cell whose bounds were computed.
    pub cells: Vec<CellAudit>,
    /// Unknowns in the attacker's system (a cell suppressed in two releases with the same value is one unknown).
    pub unknowns: usize,
    /// Connected components of unknowns after substitution.
    pub components: usize,
    /// Unknowns in the largest component.
    pub largest_component: usize,
    /// Unknowns whose bounds were computed exactly.
    pub exact: usize,
    /// Sensitive unknowns proven by alternative tables.
    pub verified: usize,
}

impl Audit {
    /// True when no sensitive cell can be narrowed below its required width.
    pub fn passed(&self) -> bool {
        self.cells.iter().all(|c| c.safe)
    }

    /// The cells that fail.
    pub fn failures(&self) -> impl Iterator<Item = &CellAudit> {
        self.cells.iter().filter(|c| !c.safe)
    }
}

/// A direction proposed by secondary suppression for one sensitive cell: the
/// auditor re-checks it from scratch and uses it only if it holds.
#[derive(Debug, Clone)]
pub(crate) struct Hint {
    pub(crate) anchor: Vec<u32>,
    /// Hypercubes (one line pattern per dimension each) to be summed.
    pub(crate) patterns: Vec<Vec<Line>>,
}

/// Audits a release (`layers[0]`) together with earlier releases
/// (`layers[1..]`) over the same dimensions. A cell with the same codes and the
/// same count in two releases is taken to be the same unknown: an attacker who
/// compares the releases learns that much.
pub fn audit(layers: &[Publication], rules: &Rules) -> Result<Audit, Error> {
    audit_with_hints(layers, rules, &[])
}

const NONE: u32 = u32::MAX;

struct System<'a> {
    layers: &'a [Publication<'a>],
    /// Unified code ids per dimension: the current release's ids, then codes only earlier releases have.
    code_maps: Vec<Vec<Vec<u32>>>,
    ustrides: Vec<u128>,
    /// For earlier releases: unified key -> cell.
    old_index: Vec<KeyMap<u32>>,
    /// Per layer, per cell: the unknown it is, or NONE for a constant.
    node_var: Vec<Vec<u32>>,
    value: Vec<u64>,
    required: Vec<Option<u64>>,
    members: Vec<Vec<(usize, u32)>>,
    row_start: Vec<u32>,
    row_terms: Vec<(u32, i8)>,
    /// The release and equation each row comes from.
    row_layer_eq: Vec<(u32, u32)>,
    var_row_start: Vec<u32>,
    var_rows: Vec<u32>,
    determined: Vec<bool>,
}

pub(crate) fn audit_with_hints(
    layers: &[Publication],
    rules: &Rules,
    hints: &[Hint],
) -> Result<Audit, Error> {
    rules.validate()?;
    let Some(first) = layers.first() else {
        return Err(Error::InvalidRelease(
            "the audit needs a release".to_owned(),
        ));
    };
    for (l, p) in layers.iter().enumerate() {
        if p.suppressed.len() != p.release.len() {
            return Err(Error::InvalidRelease(format!(
                "release {l}: the suppression pattern has {} entries for {} cells",
                p.suppressed.len(),
                p.release.len()
            )));
        }
        check_compatible(first.release, p.release)?;
    }
    let mut failures_published = Vec::new();
    let mut system = System::build(layers, rules, &mut failures_published)?;
    let mut rhs = system.rhs(layers);
    let determined_values = system.propagate(&mut rhs);
    let (components, comp_rows) = system.components(&rhs);

    let mut audit = Audit {
        unknowns: system.value.len(),
        components: components.len(),
        largest_component: components.iter().map(Vec::len).max().unwrap_or(0),
        ..Audit::default()
    };
    audit.cells.extend(failures_published);

    // Results per unknown: (lower, upper, method).
    let mut results: Vec<Option<(u64, Option<u64>, Method)>> = vec![None; system.value.len()];
    for (v, &d) in system.determined.iter().enumerate() {
        if d {
            let x = determined_values[v];
            results[v] = Some((x, Some(x), Method::Determined));
        }
    }
    let mut hint_index: HashMap<&[u32], Vec<usize>> = HashMap::new();
    for (i, h) in hints.iter().enumerate() {
        hint_index.entry(h.anchor.as_slice()).or_default().push(i);
    }
    for (component, rows) in components.iter().zip(&comp_rows) {
        if component.len() <= rules.exact_audit_limit {
            let local: HashMap<u32, usize> =
                component.iter().enumerate().map(|(i, &v)| (v, i)).collect();
            let lp_rows: Vec<Row> = rows
                .iter()
                .map(|&r| Row {
                    terms: system
                        .row(r)
                        .iter()
                        .filter(|(v, _)| !system.determined[*v as usize])
                        .map(|&(v, c)| (local[&v], c as f64))
                        .collect(),
                    rhs: rhs[r as usize] as f64,
                })
                .collect();
            let targets: Vec<usize> = (0..component.len()).collect();
            let bounds = lp::intervals(component.len(), &lp_rows, &targets)
                .map_err(|e| Error::Audit(format!("linear program failed: {e}")))?;
            for (&v, (lo, hi)) in component.iter().zip(bounds) {
                let x = system.value[v as usize];
                let lower = ((lo - 1e-6).ceil().max(0.0) as u64).min(x);
                let upper = hi.map(|h| ((h + 1e-6).floor() as u64).max(x));
                results[v as usize] = Some((lower, upper, Method::Exact));
            }
            audit.exact += component.len();
        } else {
            for &v in component {
                let Some(need) = system.required[v as usize] else {
                    continue;
                };
                let (up, down) = system.certify(v, need, &hint_index, hints);
                let x = system.value[v as usize];
                let width = crate::suppress::interval_width(x, up, down);
                let method = if width >= need {
                    Method::Verified
                } else {
                    Method::Unproven
                };
                if method == Method::Verified {
                    audit.verified += 1;
                }
                let upper = (!up.is_infinite()).then(|| (x as f64 + up + 1e-9).floor() as u64);
                let lower = (x as f64 - down.min(x as f64) - 1e-9).ceil().max(0.0) as u64;
                results[v as usize] = Some((lower, upper, method));
            }
        }
    }
    for (v, result) in results.iter().enumerate() {
        let Some((lower, upper, method)) = *result else {
            continue;
        };
        let required = system.required[v];
        let width = upper.map(|u| u - lower);
        let safe = match required {
            None => true,
            Some(need) => method != Method::Unproven && width.is_none_or(|w| w >= need),
        };
        for &(layer, cell) in &system.members[v] {
            audit.cells.push(CellAudit {
                layer,
                cell: cell as usize,
                value: system.value[v],
                lower,
                upper,
                method,
                required,
                safe,
            });
        }
    }
    audit.cells.sort_by_key(|c| (c.layer, c.cell));
    Ok(audit)
}

/// The sum of a direction and some moves, sorted by unknown.
fn add_moves(direction: &[(u32, i32)], moves: &[(u32, i8)]) -> Vec<(u32, i32)> {
    let mut out = Vec::with_capacity(direction.len() + moves.len());
    let (mut i, mut j) = (0, 0);
    while i < direction.len() || j < moves.len() {
        if j == moves.len() || (i < direction.len() && direction[i].0 < moves[j].0) {
            out.push(direction[i]);
            i += 1;
        } else if i == direction.len() || moves[j].0 < direction[i].0 {
            out.push((moves[j].0, moves[j].1 as i32));
            j += 1;
        } else {
            out.push((direction[i].0, direction[i].1 + moves[j].1 as i32));
            i += 1;
            j += 1;
        }
    }
    out
}

fn check_compatible(a: &Release, b: &Release) -> Result<(), Error> {
    let names = |r: &Release| {
        r.dimensions()
            .iter()
            .map(|d| d.name().to_owned())
            .collect::<Vec<_>>()
    };
    if names(a) != names(b) {
        return Err(Error::HistoryMismatch(format!(
            "dimensions differ: {:?} and {:?}",
            names(a),
            names(b)
        )));
    }
    Ok(())
}

impl<'a> System<'a> {
    fn build(
        layers: &'a [Publication<'a>],
        rules: &Rules,
        published_failures: &mut Vec<CellAudit>,
    ) -> Result<System<'a>, Error> {
        let current = layers[0].release;
        let k = current.dimensions().len();
        // Unified code ids.
        let mut interners: Vec<HashMap<&str, u32>> = current
            .dimensions()
            .iter()
            .map(|h| h.codes().enumerate().map(|(i, c)| (c, i as u32)).collect())
            .collect();
        let mut code_maps = Vec::with_capacity(layers.len());
        for p in layers {
            let mut maps = Vec::with_capacity(k);
            for (d, h) in p.release.dimensions().iter().enumerate() {
                let mut map = Vec::with_capacity(h.len());
                for code in h.codes() {
                    let next = interners[d].len() as u32;
                    map.push(*interners[d].entry(code).or_insert(next));
                }
                maps.push(map);
            }
            code_maps.push(maps);
        }
        let radix: Vec<u128> = interners.iter().map(|m| m.len() as u128).collect();
        if radix
            .iter()
            .try_fold(1u128, |acc, &r| acc.checked_mul(r))
            .is_none()
        {
            return Err(Error::InvalidRelease(
                "too many codes to index cells".to_owned(),
            ));
        }
        let mut ustrides = vec![1u128; k];
        for d in (0..k.saturating_sub(1)).rev() {
            ustrides[d] = ustrides[d + 1] * radix[d + 1];
        }
        let mut system = System {
            layers,
            code_maps,
            ustrides,
            old_index: Vec::new(),
            node_var: Vec::new(),
            value: Vec::new(),
            required: Vec::new(),
            members: Vec::new(),
            row_start: vec![0],
            row_terms: Vec::new(),
            row_layer_eq: Vec::new(),
            var_row_start: Vec::new(),
            var_rows: Vec::new(),
            determined: Vec::new(),
        };
        for (l, p) in layers.iter().enumerate().skip(1) {
            let mut map = KeyMap::default();
            for c in 0..p.release.len() {
                map.insert(system.ukey(l, c), c as u32);
            }
            system.old_index.push(map);
        }
        // Group suppressed copies of a cell with equal counts into one unknown;
        // a group with a published copy is known.
        let mut groups: HashMap<(u128, u64), u32, BuildHasherDefault<KeyHasher>> =
            HashMap::default();
        let mut group_nodes: Vec<Vec<(usize, u32)>> = Vec::new();
        let mut node_group: Vec<Vec<u32>> = Vec::with_capacity(layers.len());
        for (l, p) in layers.iter().enumerate() {
            let mut ng = vec![NONE; p.release.len()];
            for (c, slot) in ng.iter_mut().enumerate() {
                if !p.suppressed[c] {
                    continue;
                }
                let key = (system.ukey(l, c), p.release.cell(c).count);
                let g = if layers.len() == 1 {
                    group_nodes.len() as u32
                } else {
                    let next = group_nodes.len() as u32;
                    *groups.entry(key).or_insert(next)
                };
                if g as usize == group_nodes.len() {
                    group_nodes.push(Vec::new());
                }
                group_nodes[g as usize].push((l, c as u32));
                *slot = g;
            }
            node_group.push(ng);
        }
        let mut known = vec![false; group_nodes.len()];
        if layers.len() > 1 {
            for (l, p) in layers.iter().enumerate() {
                for c in 0..p.release.len() {
                    if !p.suppressed[c]
                        && let Some(&g) = groups.get(&(system.ukey(l, c), p.release.cell(c).count))
                    {
                        known[g as usize] = true;
                    }
                }
            }
        }
        let mut var_of_group = vec![NONE; group_nodes.len()];
        for (g, nodes) in group_nodes.into_iter().enumerate() {
            if known[g] {
                continue;
            }
            var_of_group[g] = system.value.len() as u32;
            let (l, c) = nodes[0];
            system.value.push(layers[l].release.cell(c as usize).count);
            system.required.push(None);
            system.members.push(nodes);
        }
        system.node_var = node_group
            .iter()
            .map(|ng| {
                ng.iter()
                    .map(|&g| {
                        if g == NONE {
                            NONE
                        } else {
                            var_of_group[g as usize]
                        }
                    })
                    .collect()
            })
            .collect();
        // Sensitive cells.
        for (l, p) in layers.iter().enumerate() {
            for c in 0..p.release.len() {
                let cell = p.release.cell(c);
                if !rules.is_primary(cell) {
                    continue;
                }
                let need = rules.required_width(cell.count);
                let v = system.node_var[l][c];
                if v != NONE {
                    let r = &mut system.required[v as usize];
                    *r = Some(r.map_or(need, |x| x.max(need)));
                } else if l == 0 || p.suppressed[c] {
                    // Published now, or suppressed but published with the same count elsewhere.
                    published_failures.push(CellAudit {
                        layer: l,
                        cell: c,
                        value: cell.count,
                        lower: cell.count,
                        upper: Some(cell.count),
                        method: Method::Published,
                        required: Some(need),
                        safe: false,
                    });
                }
            }
        }
        system.build_rows();
        system.determined = vec![false; system.value.len()];
        Ok(system)
    }

    fn ukey(&self, layer: usize, cell: usize) -> u128 {
        let r = self.layers[layer].release;
        r.coords(cell)
            .iter()
            .enumerate()
            .map(|(d, &c)| self.code_maps[layer][d][c as usize] as u128 * self.ustrides[d])
            .sum()
    }

    fn build_rows(&mut self) {
        let layers = self.layers;
        for (l, p) in layers.iter().enumerate() {
            for e in 0..p.release.equation_count() {
                let eq = p.release.equation(e);
                let start = self.row_terms.len();
                for (i, &c) in eq.iter().enumerate() {
                    let v = self.node_var[l][c as usize];
                    if v != NONE {
                        self.row_terms.push((v, if i == 0 { 1 } else { -1 }));
                    }
                }
                if self.row_terms.len() > start {
                    self.row_start.push(self.row_terms.len() as u32);
                    self.row_layer_eq.push((l as u32, e as u32));
                }
            }
        }
        let n = self.value.len();
        let mut counts = vec![0u32; n + 1];
        for &(v, _) in &self.row_terms {
            counts[v as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut var_rows = vec![0u32; self.row_terms.len()];
        for r in 0..self.row_count() {
            for &(v, _) in self.row(r as u32) {
                var_rows[fill[v as usize] as usize] = r as u32;
                fill[v as usize] += 1;
            }
        }
        self.var_row_start = counts;
        self.var_rows = var_rows;
    }

    fn row_count(&self) -> usize {
        self.row_start.len() - 1
    }

    fn row(&self, r: u32) -> &[(u32, i8)] {
        &self.row_terms
            [self.row_start[r as usize] as usize..self.row_start[r as usize + 1] as usize]
    }

    fn rows_of(&self, v: u32) -> &[u32] {
        &self.var_rows
            [self.var_row_start[v as usize] as usize..self.var_row_start[v as usize + 1] as usize]
    }

    /// Right-hand sides: `sum(coef * unknown) = -(sum of coef * published value)`.
    fn rhs(&self, layers: &[Publication]) -> Vec<i128> {
        let mut rhs = Vec::with_capacity(self.row_count());
        for &(l, e) in &self.row_layer_eq {
            let p = &layers[l as usize];
            let eq = p.release.equation(e as usize);
            let mut sum: i128 = 0;
            for (i, &c) in eq.iter().enumerate() {
                if self.node_var[l as usize][c as usize] == NONE {
                    let coef: i128 = if i == 0 { 1 } else { -1 };
                    sum -= coef * p.release.cell(c as usize).count as i128;
                }
            }
            rhs.push(sum);
        }
        rhs
    }

    /// Solves equations with one unknown left, repeatedly. Returns the values found.
    fn propagate(&mut self, rhs: &mut [i128]) -> Vec<u64> {
        let mut open: Vec<u32> = (0..self.row_count())
            .map(|r| self.row(r as u32).len() as u32)
            .collect();
        let mut values = vec![0u64; self.value.len()];
        let mut queue: Vec<u32> = (0..self.row_count() as u32)
            .filter(|&r| open[r as usize] == 1)
            .collect();
        while let Some(r) = queue.pop() {
            if open[r as usize] != 1 {
                continue;
            }
            let Some(&(v, coef)) = self
                .row(r)
                .iter()
                .find(|(v, _)| !self.determined[*v as usize])
            else {
                continue;
            };
            let x = rhs[r as usize] * coef as i128;
            self.determined[v as usize] = true;
            values[v as usize] = x.max(0) as u64;
            for i in 0..self.rows_of(v).len() {
                let q = self.rows_of(v)[i];
                let c = self.row(q).iter().find(|(w, _)| *w == v).map_or(0, |t| t.1);
                rhs[q as usize] -= c as i128 * x;
                open[q as usize] -= 1;
                if open[q as usize] == 1 {
                    queue.push(q);
                }
            }
        }
        values
    }

    /// Connected components of the undetermined unknowns, with their rows.
    fn components(&self, _rhs: &[i128]) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
        let n = self.value.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                parent[x as usize] = parent[parent[x as usize] as usize];
                x = parent[x as usize];
            }
            x
        }
        for r in 0..self.row_count() {
            let mut first = None;
            for &(v, _) in self.row(r as u32) {
                if self.determined[v as usize] {
                    continue;
                }
                match first {
                    None => first = Some(v),
                    Some(f) => {
                        let (a, b) = (find(&mut parent, f), find(&mut parent, v));
                        if a != b {
                            parent[a.max(b) as usize] = a.min(b);
                        }
                    }
                }
            }
        }
        let mut index: HashMap<u32, usize> = HashMap::new();
        let mut components: Vec<Vec<u32>> = Vec::new();
        for v in 0..n as u32 {
            if self.determined[v as usize] {
                continue;
            }
            let root = find(&mut parent, v);
            let next = components.len();
            let i = *index.entry(root).or_insert(next);
            if i == components.len() {
                components.push(Vec::new());
            }
            components[i].push(v);
        }
        let mut rows: Vec<Vec<u32>> = vec![Vec::new(); components.len()];
        for r in 0..self.row_count() {
            if let Some(&(v, _)) = self
                .row(r as u32)
                .iter()
                .find(|(v, _)| !self.determined[*v as usize])
            {
                let root = find(&mut parent, v);
                rows[index[&root]].push(r as u32);
            }
        }
        (components, rows)
    }

    /// The largest upward and downward moves of unknown `v` proven by verified
    /// directions: first the hints, then the auditor's own search. Directions
    /// that each hold add up to one that holds, so verified hypercubes are summed
    /// while that widens the interval.
    fn certify(
        &self,
        v: u32,
        need: u64,
        hint_index: &HashMap<&[u32], Vec<usize>>,
        hints: &[Hint],
    ) -> (f64, f64) {
        let Some(anchor) = self.anchor(v) else {
            return (0.0, 0.0);
        };
        let x = self.value[v as usize];
        let mut direction: Vec<(u32, i32)> = Vec::new();
        let mut best = (0.0, 0.0);
        let consider =
            |moves: &[(u32, i8)], direction: &mut Vec<(u32, i32)>, best: &mut (f64, f64)| -> bool {
                let sum = add_moves(direction, moves);
                let (up, down) = self.limits(&sum, v);
                if crate::suppress::interval_width(x, up, down)
                    > crate::suppress::interval_width(x, best.0, best.1)
                {
                    *direction = sum;
                    *best = (up, down);
                }
                crate::suppress::interval_width(x, best.0, best.1) >= need
            };
        if let Some(list) = hint_index.get(anchor.as_slice()) {
            for &i in list {
                for lines in &hints[i].patterns {
                    if let Some(moves) = self.verify(v, lines)
                        && consider(&moves, &mut direction, &mut best)
                    {
                        return best;
                    }
                }
            }
        }
        // The auditor's own search: line patterns whose cells on the anchor's
        // lines are all suppressed, combined dimension by dimension.
        let current = self.layers[0];
        let release = current.release;
        let unknown = |c: usize| current.suppressed[c];
        let k = release.dimensions().len();
        let mut per_dim: Vec<Vec<Line>> = Vec::with_capacity(k);
        let mut probe = anchor.clone();
        for d in 0..k {
            let mut lines = Vec::new();
            for (_, line) in pattern::candidates(release, d, &anchor, &unknown) {
                let valid = line.entries.iter().all(|&(code, _)| {
                    probe[d] = code;
                    release
                        .find_coords(&probe)
                        .is_none_or(|c| current.suppressed[c])
                });
                if valid {
                    lines.push(line);
                }
            }
            probe[d] = anchor[d];
            if lines.is_empty() {
                return best;
            }
            per_dim.push(lines);
        }
        let mut pos = vec![0usize; k];
        let mut tried = 0;
        loop {
            let lines: Vec<Line> = (0..k).map(|d| per_dim[d][pos[d]].clone()).collect();
            if let Some(moves) = self.verify(v, &lines)
                && consider(&moves, &mut direction, &mut best)
            {
                return best;
            }
            tried += 1;
            if tried >= 256 {
                return best;
            }
            let mut d = k;
            loop {
                if d == 0 {
                    return best;
                }
                d -= 1;
                pos[d] += 1;
                if pos[d] < per_dim[d].len() {
                    break;
                }
                pos[d] = 0;
            }
        }
    }

    /// How far `v` moves up and down along `direction` before a count would go negative.
    fn limits(&self, direction: &[(u32, i32)], v: u32) -> (f64, f64) {
        let Ok(i) = direction.binary_search_by_key(&v, |m| m.0) else {
            return (0.0, 0.0);
        };
        let k = direction[i].1;
        if k <= 0 {
            return (0.0, 0.0);
        }
        let mut up = f64::INFINITY;
        let mut down = f64::INFINITY;
        for &(w, c) in direction {
            if c == 0 {
                continue;
            }
            let step = self.value[w as usize] as f64 / c.unsigned_abs() as f64;
            if c < 0 {
                up = up.min(step);
            } else {
                down = down.min(step);
            }
        }
        (up * k as f64, down * k as f64)
    }

    /// Coordinates, in the current release's code ids, of a copy of unknown `v`.
    fn anchor(&self, v: u32) -> Option<Vec<u32>> {
        let current = self.layers[0].release;
        self.members[v as usize].iter().find_map(|&(l, c)| {
            let r = self.layers[l].release;
            r.coords(c as usize)
                .iter()
                .enumerate()
                .map(|(d, &code)| current.dimensions()[d].id(r.dimensions()[d].code(code)))
                .collect::<Option<Vec<u32>>>()
        })
    }

    /// Checks that the tensor product of `lines` is a direction that moves only
    /// unknowns, moves `v` by +1 and keeps every equation balanced; returns the
    /// moves (unknown, sign), sorted.
    fn verify(&self, v: u32, lines: &[Line]) -> Option<Vec<(u32, i8)>> {
        let current = self.layers[0].release;
        let k = current.dimensions().len();
        if lines.len() != k {
            return None;
        }
        let cells = pattern::support(lines);
        // First move only the release being checked, then all releases together.
        for all_layers in [false, true] {
            if all_layers && self.layers.len() == 1 {
                break;
            }
            let mut moves: Vec<(u32, i8)> = Vec::with_capacity(cells.len());
            let mut ok = true;
            'cells: for (coords, sign) in &cells {
                let ukey: u128 = coords
                    .iter()
                    .zip(&self.ustrides)
                    .map(|(&c, &s)| c as u128 * s)
                    .sum();
                let mut nodes: Vec<(usize, usize)> = Vec::new();
                if let Some(c) = current.find_coords(coords) {
                    nodes.push((0, c));
                }
                if all_layers {
                    for (i, index) in self.old_index.iter().enumerate() {
                        if let Some(&c) = index.get(&ukey) {
                            nodes.push((i + 1, c as usize));
                        }
                    }
                }
                for (l, c) in nodes {
                    let var = self.node_var[l][c];
                    if var == NONE || self.determined[var as usize] {
                        ok = false;
                        break 'cells;
                    }
                    moves.push((var, *sign));
                }
            }
            if !ok {
                continue;
            }
            moves.sort_unstable();
            moves.dedup();
            if moves.windows(2).any(|w| w[0].0 == w[1].0) {
                continue;
            }
            let sign_of = |w: u32| {
                moves
                    .binary_search_by_key(&w, |m| m.0)
                    .ok()
                    .map(|i| moves[i].1)
            };
            if sign_of(v) != Some(1) {
                continue;
            }
            let balanced = moves.iter().all(|&(w, _)| {
                self.rows_of(w).iter().all(|&r| {
                    let sum: i64 = self
                        .row(r)
                        .iter()
                        .filter_map(|&(x, c)| sign_of(x).map(|s| c as i64 * s as i64))
                        .sum();
                    sum == 0
                })
            });
            if !balanced {
                continue;
            }
            return Some(moves);
        }
        None
    }
}
