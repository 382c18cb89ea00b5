//! Primary and secondary cell suppression, followed by the audit.
//!
//! Secondary suppression is a hypercube method (Repsilber 1994; Giessing &
//! Repsilber 2002, as implemented in tau-ARGUS's GHMITER) generalised to linked
//! hierarchical tables by the tensor-product patterns of `pattern.rs`. Sensitive
//! cells are taken from the most aggregated to the most detailed, as the
//! hierarchical hypercube works top-down; ties go to the canonical cell order, so
//! the pattern depends on the data and the rules only. For each sensitive cell:
//!
//! 1. For each dimension, list the line patterns (partner sibling, or the
//!    ancestors up to the total) and score each along the cell's own line: is it
//!    possible, how much must be newly suppressed, how much protection it gives.
//!    Keep the best [`Rules::candidates_per_dimension`].
//! 2. Combine the kept lines into hypercubes; among those that protect the cell
//!    by at least [`Rules::required_width`], take the cheapest ([`Rules::cost`]),
//!    then the most protective, then the first in canonical order. A hypercube
//!    whose cells are all suppressed already costs nothing.
//! 3. If none qualifies, use the ancestors in every dimension, which always
//!    qualifies within one release (the cell can grow without bound).
//!
//! The audit then checks the whole release, with earlier releases if given. If it
//! finds a cell short of protection (possible across releases), that cell gets a
//! wider search that must hold in all releases at once, and the audit runs
//! again.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Serialize};

use crate::audit::{self, Audit, Hint, Publication};
use crate::pattern::{self, Line, Partner};
use crate::release::KeyHasher;
use crate::{CellId, Error, Release, Rules};

/// What happens to a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Published as is.
    Published,
    /// Suppressed by the threshold rule.
    Primary,
    /// Suppressed to protect a primary cell.
    Secondary,
    /// Suppressed because an earlier release suppressed it (stable patterns across revisions).
    Carried,
}

impl Status {
    /// Whether the cell is withheld.
    pub fn is_suppressed(self) -> bool {
        self != Status::Published
    }
}

/// The numbers a release reports about its disclosure control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Cells in the release.
    pub cells: usize,
    /// Cells suppressed by the threshold rule.
    pub primary: usize,
    /// Cells suppressed to protect them.
    pub secondary: usize,
    /// Cells suppressed because an earlier release suppressed them.
    pub carried: usize,
    /// Sum of the counts of all cells (every table and margin counted).
    pub total_value: u128,
    /// Sum of the counts of the suppressed cells.
    pub suppressed_value: u128,
    /// Suppressed cells as a share of all cells.
    pub share_cells: f64,
    /// Suppressed value as a share of the total value.
    pub share_value: f64,
    /// Whether the final audit passed (always true in a returned [`Protection`]).
    pub audit_passed: bool,
    /// Unknowns whose bounds the audit computed exactly.
    pub audit_exact: usize,
    /// Sensitive cells the audit proved protected by verified alternative tables.
    pub audit_verified: usize,
    /// Rounds of audit and repair.
    pub rounds: usize,
}

/// The outcome of disclosure control for one release.
#[derive(Debug, Clone)]
pub struct Protection {
    status: Vec<Status>,
    suppressed: Vec<bool>,
    /// Counts for the release report.
    pub report: Report,
    /// The final audit (it passed, or [`protect`] would have returned an error).
    pub audit: Audit,
}

impl Protection {
    /// The status of each cell, indexed by [`CellId`].
    pub fn status(&self) -> &[Status] {
        &self.status
    }

    /// Whether each cell is withheld, indexed by [`CellId`].
    pub fn suppressed(&self) -> &[bool] {
        &self.suppressed
    }

    /// Whether one cell may be published (false for an id outside the release).
    pub fn is_published(&self, cell: CellId) -> bool {
        self.suppressed.get(cell).is_some_and(|s| !s)
    }

    /// This release as published, for auditing or protecting a later revision.
    pub fn publication<'a>(&'a self, release: &'a Release) -> Publication<'a> {
        Publication {
            release,
            suppressed: &self.suppressed,
        }
    }
}

/// Suppresses the sensitive cells of a release and enough others that none of
/// them can be recovered, then audits the result.
pub fn protect(release: &Release, rules: &Rules) -> Result<Protection, Error> {
    protect_revision(release, &[], rules)
}

/// As [`protect`], for a release that revises or extends earlier ones already
/// published: cells suppressed before stay suppressed, and the audit checks the
/// new release together with `previous` so that comparing them exposes nothing.
pub fn protect_revision(
    release: &Release,
    previous: &[Publication],
    rules: &Rules,
) -> Result<Protection, Error> {
    rules.validate()?;
    let mut engine = Suppressor::new(release, previous, rules)?;
    engine.primary_and_carried();
    engine.secondary();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let audit = {
            let mut layers = vec![Publication {
                release,
                suppressed: &engine.unknown,
            }];
            layers.extend_from_slice(previous);
            audit::audit_with_hints(&layers, rules, &engine.hints)?
        };
        if audit.passed() {
            return Ok(engine.finish(audit, rounds));
        }
        let failing: Vec<(usize, CellId, u64)> = audit
            .failures()
            .map(|c| (c.layer, c.cell, c.required.unwrap_or(rules.minimum_width)))
            .collect();
        let mut progress = false;
        if rounds <= 6 {
            for &(layer, cell, need) in &failing {
                progress |= engine.repair(layer, cell, need, previous);
            }
        }
        if !progress && !engine.old.is_empty() && !engine.withheld_all_revised {
            // Last resort across releases: withhold every revised cell, so that
            // everything published now was published before with the same count.
            progress = engine.withhold_all_revised();
        }
        if !progress {
            let cells = failing
                .iter()
                .map(|&(layer, cell, _)| {
                    let r = if layer == 0 {
                        release
                    } else {
                        previous[layer - 1].release
                    };
                    let mut codes: Vec<String> =
                        r.codes(cell).iter().map(|s| s.to_string()).collect();
                    if layer > 0 {
                        codes.push(format!("(earlier release {layer})"));
                    }
                    codes
                })
                .collect();
            return Err(Error::CannotProtect(cells));
        }
    }
}

struct Old<'a> {
    release: &'a Release,
    suppressed: &'a [bool],
    /// Current-release cell key -> cell of the earlier release with the same codes.
    by_key: HashMap<u128, u32, BuildHasherDefault<KeyHasher>>,
}

struct Suppressor<'a> {
    release: &'a Release,
    rules: &'a Rules,
    old: Vec<Old<'a>>,
    status: Vec<Status>,
    unknown: Vec<bool>,
    hints: Vec<Hint>,
    withheld_all_revised: bool,
}

/// Cost and protection of a direction. `up` and `down` are how far the anchor
/// can move (real numbers once directions are summed).
#[derive(Debug, Clone, Copy)]
struct Evaluation {
    cost: (u128, u64),
    up: f64,
    down: f64,
    anchor: u64,
}

impl Evaluation {
    /// The width of the integer interval the attacker is left with.
    fn protection(&self) -> u64 {
        interval_width(self.anchor, self.up, self.down)
    }
}

/// Width of `[ceil(x - down), floor(x + up)]`, saturating when unbounded.
pub(crate) fn interval_width(x: u64, up: f64, down: f64) -> u64 {
    if up.is_infinite() {
        return u64::MAX;
    }
    let hi = (x as f64 + up + 1e-9).floor();
    let lo = (x as f64 - down.min(x as f64) - 1e-9).ceil().max(0.0);
    (hi - lo).max(0.0) as u64
}

/// A sum of hypercubes: cell key -> coefficient.
struct Direction {
    anchor: u128,
    moves: HashMap<u128, i32, BuildHasherDefault<KeyHasher>>,
}

impl Direction {
    fn of(release: &Release, anchor: &[u32], patterns: &[Vec<Line>]) -> Direction {
        let mut moves: HashMap<u128, i32, BuildHasherDefault<KeyHasher>> = HashMap::default();
        for lines in patterns {
            let refs: Vec<&Line> = lines.iter().collect();
            pattern::for_each_cell(release, &refs, |key, sign| {
                *moves.entry(key).or_insert(0) += sign as i32;
                true
            });
        }
        Direction {
            anchor: release.key(anchor),
            moves,
        }
    }
}

impl<'a> Suppressor<'a> {
    fn new(
        release: &'a Release,
        previous: &[Publication<'a>],
        rules: &'a Rules,
    ) -> Result<Suppressor<'a>, Error> {
        let mut old = Vec::with_capacity(previous.len());
        for p in previous {
            let names = |r: &Release| {
                r.dimensions()
                    .iter()
                    .map(|d| d.name().to_owned())
                    .collect::<Vec<_>>()
            };
            if names(p.release) != names(release) {
                return Err(Error::HistoryMismatch(format!(
                    "dimensions differ: {:?} and {:?}",
                    names(release),
                    names(p.release)
                )));
            }
            if p.suppressed.len() != p.release.len() {
                return Err(Error::InvalidRelease(
                    "an earlier release's suppression pattern does not match its cells".to_owned(),
                ));
            }
            let mut by_key = HashMap::default();
            'cells: for c in 0..p.release.len() {
                let mut coords = Vec::with_capacity(release.dimensions().len());
                for (d, &code) in p.release.coords(c).iter().enumerate() {
                    match release.dimensions()[d].id(p.release.dimensions()[d].code(code)) {
                        Some(id) => coords.push(id),
                        None => continue 'cells,
                    }
                }
                by_key.insert(release.key(&coords), c as u32);
            }
            old.push(Old {
                release: p.release,
                suppressed: p.suppressed,
                by_key,
            });
        }
        Ok(Suppressor {
            release,
            rules,
            old,
            status: vec![Status::Published; release.len()],
            unknown: vec![false; release.len()],
            hints: Vec::new(),
            withheld_all_revised: false,
        })
    }

    fn primary_and_carried(&mut self) {
        for c in 0..self.release.len() {
            if self.rules.is_primary(self.release.cell(c)) {
                self.status[c] = Status::Primary;
                self.unknown[c] = true;
            }
        }
        for old in &self.old {
            for (&key, &o) in &old.by_key {
                if old.suppressed[o as usize]
                    && let Some(c) = self.release.find_key(key)
                    && !self.unknown[c]
                {
                    self.status[c] = Status::Carried;
                    self.unknown[c] = true;
                }
            }
        }
    }

    fn secondary(&mut self) {
        let mut order: Vec<CellId> = (0..self.release.len())
            .filter(|&c| self.status[c] == Status::Primary)
            .collect();
        order.sort_by_key(|&c| (self.release.detail(c), c));
        let breadth = self.rules.candidates_per_dimension;
        for c in order {
            let anchor = self.release.coords(c).to_vec();
            let need = self.rules.required_width(self.release.cell(c).count);
            let found = self
                .search(&anchor, need, breadth, false)
                .or_else(|| self.search(&anchor, need, breadth, true));
            if let Some(patterns) = found {
                self.apply(&anchor, &patterns);
                self.hints.push(Hint { anchor, patterns });
            }
        }
    }

    /// A further pattern for a cell the audit found short of protection.
    fn repair(&mut self, layer: usize, cell: CellId, need: u64, previous: &[Publication]) -> bool {
        let r = if layer == 0 {
            self.release
        } else {
            previous[layer - 1].release
        };
        let mut anchor = Vec::with_capacity(r.dimensions().len());
        for (d, &code) in r.coords(cell).iter().enumerate() {
            match self.release.dimensions()[d].id(r.dimensions()[d].code(code)) {
                Some(id) => anchor.push(id),
                None => return false,
            }
        }
        let before = self.unknown.iter().filter(|&&u| u).count();
        // Across releases, the usual leak is a revised total: the old and new
        // totals differ by exactly the revision, so withhold the revised
        // totals above the cell.
        if !self.old.is_empty() {
            self.withhold_revised_totals(&anchor);
        }
        let found = self
            .search(&anchor, need, usize::MAX, true)
            .or_else(|| self.search(&anchor, need, usize::MAX, false));
        let mut new_hint = false;
        if let Some(patterns) = found {
            self.apply(&anchor, &patterns);
            new_hint = !self
                .hints
                .iter()
                .any(|h| h.anchor == anchor && h.patterns == patterns);
            self.hints.push(Hint { anchor, patterns });
        }
        self.unknown.iter().filter(|&&u| u).count() > before || new_hint
    }

    /// Withholds every published cell whose count differs from every earlier
    /// release's (or that no earlier release had). Returns whether any changed.
    fn withhold_all_revised(&mut self) -> bool {
        self.withheld_all_revised = true;
        let mut changed = false;
        for c in 0..self.release.len() {
            if self.unknown[c] {
                continue;
            }
            let key = self.release.key(self.release.coords(c));
            let x = self.release.cell(c).count;
            let revised = self.old.iter().all(|old| {
                old.by_key
                    .get(&key)
                    .is_none_or(|&o| old.release.cell(o as usize).count != x)
            });
            if revised {
                self.unknown[c] = true;
                self.status[c] = Status::Secondary;
                changed = true;
            }
        }
        changed
    }

    /// Withholds every cell above `anchor` (its codes or their ancestors, in
    /// every combination) whose count differs from an earlier release's, or
    /// which no earlier release had.
    fn withhold_revised_totals(&mut self, anchor: &[u32]) {
        let dims = self.release.dimensions();
        let chains: Vec<Vec<u32>> = anchor
            .iter()
            .zip(dims)
            .map(|(&c, h)| {
                let mut chain = vec![c];
                let mut up = h.parent(c);
                while let Some(p) = up {
                    chain.push(p);
                    up = h.parent(p);
                }
                chain
            })
            .collect();
        let lines: Vec<Line> = chains
            .iter()
            .map(|chain| Line {
                entries: chain.iter().map(|&c| (c, 1)).collect(),
            })
            .collect();
        let refs: Vec<&Line> = lines.iter().collect();
        let mut revised = Vec::new();
        pattern::for_each_cell(self.release, &refs, |key, _| {
            if let Some(c) = self.release.find_key(key)
                && !self.unknown[c]
            {
                let x = self.release.cell(c).count;
                let changed = self.old.iter().all(|old| {
                    old.by_key
                        .get(&key)
                        .is_none_or(|&o| old.release.cell(o as usize).count != x)
                });
                if changed {
                    revised.push(c);
                }
            }
            true
        });
        for c in revised {
            self.unknown[c] = true;
            self.status[c] = Status::Secondary;
        }
    }

    /// Suppresses every cell of every pattern (also where patterns cancel out:
    /// each pattern must hold on its own for the audit to verify it).
    fn apply(&mut self, anchor: &[u32], patterns: &[Vec<Line>]) {
        let direction = Direction::of(self.release, anchor, patterns);
        for &key in direction.moves.keys() {
            if let Some(c) = self.release.find_key(key)
                && !self.unknown[c]
            {
                self.unknown[c] = true;
                self.status[c] = Status::Secondary;
            }
        }
    }

    /// The cheapest set of patterns that protects the cell at `anchor` by
    /// `need`. With `all_layers`, every pattern must also move the copies of its
    /// cells in every earlier release, so they must all be suppressed there.
    fn search(
        &self,
        anchor: &[u32],
        need: u64,
        breadth: usize,
        all_layers: bool,
    ) -> Option<Vec<Vec<Line>>> {
        let (combos, ancestors) = self.combos(anchor, need, breadth, all_layers);
        if let Some(found) = self.choose(anchor, need, &combos, all_layers) {
            return Some(found);
        }
        self.descend(anchor, need, ancestors, all_layers)
            .map(|lines| vec![lines])
    }

    /// Local search from the all-ancestors hypercube (always wide enough within
    /// one release, but it suppresses the grand total): change one dimension's
    /// line at a time to the cheapest one that keeps the hypercube wide enough,
    /// until no change helps.
    fn descend(
        &self,
        anchor: &[u32],
        need: u64,
        start: Vec<Line>,
        all_layers: bool,
    ) -> Option<Vec<Line>> {
        let k = anchor.len();
        let refs: Vec<&Line> = start.iter().collect();
        let mut best = self
            .evaluate(&refs, all_layers)
            .filter(|e| e.protection() >= need)?;
        let mut current = start;
        let unknown = |c: usize| self.unknown[c];
        let options: Vec<Vec<Line>> = (0..k)
            .map(|d| {
                pattern::candidates(self.release, d, anchor, &unknown)
                    .into_iter()
                    .map(|(_, l)| l)
                    .collect()
            })
            .collect();
        for _ in 0..3 {
            let mut improved = false;
            for d in 0..k {
                let mut choice = None;
                for (i, line) in options[d].iter().enumerate() {
                    if *line == current[d] {
                        continue;
                    }
                    let mut lines: Vec<&Line> = current.iter().collect();
                    lines[d] = line;
                    if let Some(e) = self.evaluate(&lines, all_layers)
                        && e.protection() >= need
                        && pattern::cheaper(self.rules, e.cost, best.cost).is_lt()
                    {
                        best = e;
                        choice = Some(i);
                    }
                }
                if let Some(i) = choice {
                    current[d] = options[d][i].clone();
                    improved = true;
                }
            }
            if !improved {
                break;
            }
        }
        Some(current)
    }

    /// The hypercubes built from the best `breadth` line patterns of each
    /// dimension that move no published value, with their evaluations; and the
    /// all-ancestors pattern.
    #[allow(clippy::type_complexity)]
    fn combos(
        &self,
        anchor: &[u32],
        need: u64,
        breadth: usize,
        all_layers: bool,
    ) -> (Vec<(Vec<Line>, Evaluation)>, Vec<Line>) {
        let k = anchor.len();
        let unknown = |c: usize| self.unknown[c];
        let mut per_dim: Vec<Vec<Line>> = Vec::with_capacity(k);
        let fixed: Vec<Line> = anchor
            .iter()
            .map(|&c| Line {
                entries: vec![(c, 1)],
            })
            .collect();
        let mut ancestors: Vec<Line> = Vec::with_capacity(k);
        for d in 0..k {
            let mut scored: Vec<(usize, Line, Evaluation, bool)> = Vec::new();
            for (i, (partner, line)) in pattern::candidates(self.release, d, anchor, &unknown)
                .into_iter()
                .enumerate()
            {
                let is_ancestors = partner == Partner::Ancestors;
                if is_ancestors && ancestors.len() == d {
                    ancestors.push(line.clone());
                }
                let mut lines: Vec<&Line> = fixed.iter().collect();
                lines[d] = &line;
                if let Some(e) = self.evaluate(&lines, all_layers) {
                    scored.push((i, line, e, is_ancestors));
                }
            }
            scored.sort_by(|a, b| {
                pattern::cheaper(self.rules, a.2.cost, b.2.cost)
                    .then_with(|| b.2.protection().cmp(&a.2.protection()))
                    .then_with(|| a.0.cmp(&b.0))
            });
            // The cheapest few; also the cheapest that suffices on the cell's own
            // line, and the cheapest all-ancestors line, which never needs a
            // partner cell in this dimension.
            let width = breadth.min(16);
            let mut kept: Vec<usize> = (0..scored.len().min(width)).collect();
            if let Some(i) = scored.iter().position(|s| s.2.protection() >= need) {
                kept.push(i);
            }
            if let Some(i) = scored.iter().position(|s| s.3) {
                kept.push(i);
            }
            kept.sort_unstable();
            kept.dedup();
            per_dim.push(kept.into_iter().map(|i| scored[i].1.clone()).collect());
        }
        let mut combos = Vec::new();
        if per_dim.iter().any(Vec::is_empty) {
            return (combos, ancestors);
        }
        let mut pos = vec![0usize; k];
        'combos: loop {
            let lines: Vec<&Line> = (0..k).map(|d| &per_dim[d][pos[d]]).collect();
            // The all-ancestors hypercube is the last resort (it suppresses the
            // grand total), tried only when nothing else works.
            let last_resort = lines.iter().zip(&ancestors).all(|(l, a)| *l == a);
            if last_resort {
            } else if let Some(e) = self.evaluate(&lines, all_layers) {
                let free = e.cost == (0, 0) && e.protection() >= need;
                combos.push((lines.into_iter().cloned().collect(), e));
                if free {
                    // Nothing beats a pattern that suppresses nothing new.
                    let last = combos.len() - 1;
                    combos.swap(0, last);
                    combos.truncate(1);
                    break;
                }
            }
            if combos.len() >= 4096 {
                break;
            }
            let mut d = k;
            loop {
                if d == 0 {
                    break 'combos;
                }
                d -= 1;
                pos[d] += 1;
                if pos[d] < per_dim[d].len() {
                    break;
                }
                pos[d] = 0;
            }
        }
        (combos, ancestors)
    }

    /// Picks the cheapest protection from the hypercubes: one that suffices on
    /// its own, or several whose sum does (alternative tables add up: if each
    /// lets the cell move, their sum lets it move further unless they share a
    /// small cell).
    fn choose(
        &self,
        anchor: &[u32],
        need: u64,
        combos: &[(Vec<Line>, Evaluation)],
        all_layers: bool,
    ) -> Option<Vec<Vec<Line>>> {
        let mut order: Vec<usize> = (0..combos.len()).collect();
        order.sort_by(|&a, &b| {
            pattern::cheaper(self.rules, combos[a].1.cost, combos[b].1.cost)
                .then_with(|| combos[b].1.protection().cmp(&combos[a].1.protection()))
                .then_with(|| a.cmp(&b))
        });
        let single = order
            .iter()
            .copied()
            .find(|&i| combos[i].1.protection() >= need);
        if let Some(i) = single
            && combos[i].1.cost == (0, 0)
        {
            return Some(vec![combos[i].0.clone()]);
        }
        // Greedy sum, cheapest first, keeping a pattern only if it widens the interval.
        let mut chosen: Vec<Vec<Line>> = Vec::new();
        let mut best: Option<Evaluation> = None;
        for &i in order.iter().take(64) {
            if let (Some(s), Some(b)) = (single, &best)
                && pattern::cheaper(self.rules, b.cost, combos[s].1.cost).is_ge()
            {
                break;
            }
            chosen.push(combos[i].0.clone());
            let direction = Direction::of(self.release, anchor, &chosen);
            match self.evaluate_direction(&direction, all_layers) {
                Some(e) if best.is_none_or(|b| e.protection() > b.protection()) => {
                    best = Some(e);
                    if e.protection() >= need {
                        break;
                    }
                }
                _ => {
                    chosen.pop();
                }
            }
            if chosen.len() >= 16 {
                break;
            }
        }
        let summed = best.filter(|b| b.protection() >= need);
        match (single, summed) {
            (Some(s), Some(b))
                if pattern::cheaper(self.rules, b.cost, combos[s].1.cost).is_lt() =>
            {
                Some(chosen)
            }
            (Some(s), _) => Some(vec![combos[s].0.clone()]),
            (None, Some(_)) => Some(chosen),
            (None, None) => None,
        }
    }

    /// Cost and protection of one hypercube, or `None` if it would have to move
    /// a published value (of this release, or of an earlier one it is tied to).
    fn evaluate(&self, lines: &[&Line], all_layers: bool) -> Option<Evaluation> {
        let mut e = Evaluation {
            cost: (0, 0),
            up: f64::INFINITY,
            down: f64::INFINITY,
            anchor: 0,
        };
        let mut valid = true;
        let cells = self.release.cells();
        let mut first = true;
        pattern::for_each_cell(self.release, lines, |key, sign| {
            let current = self.release.find_key(key).map(|c| (c, cells[c].count));
            if first {
                // The first cell of the product is the anchor (every line starts with it).
                e.anchor = current.map_or(0, |(_, x)| x);
                first = false;
            }
            if !self.check_cell(key, current, sign as i32, all_layers, &mut e) {
                valid = false;
                return false;
            }
            true
        });
        valid.then_some(e)
    }

    /// As [`Self::evaluate`] for a sum of hypercubes.
    fn evaluate_direction(&self, direction: &Direction, all_layers: bool) -> Option<Evaluation> {
        let cells = self.release.cells();
        let k = direction.moves.get(&direction.anchor).copied().unwrap_or(0);
        if k <= 0 {
            return None;
        }
        let mut e = Evaluation {
            cost: (0, 0),
            up: f64::INFINITY,
            down: f64::INFINITY,
            anchor: 0,
        };
        e.anchor = self
            .release
            .find_key(direction.anchor)
            .map_or(0, |c| cells[c].count);
        for (&key, &coef) in &direction.moves {
            let current = self.release.find_key(key).map(|c| (c, cells[c].count));
            if !self.check_cell(key, current, coef, all_layers, &mut e) {
                return None;
            }
        }
        // The anchor moves k times as far as the direction's step.
        e.up *= k as f64;
        e.down *= k as f64;
        Some(e)
    }

    /// Accounts for one moved cell; false if the move is impossible.
    fn check_cell(
        &self,
        key: u128,
        current: Option<(CellId, u64)>,
        coef: i32,
        all_layers: bool,
        e: &mut Evaluation,
    ) -> bool {
        if let Some((c, x)) = current {
            if !self.unknown[c] {
                e.cost.0 += x as u128;
                e.cost.1 += 1;
            }
            limit(e, coef, x);
        }
        for old in &self.old {
            let Some(&o) = old.by_key.get(&key) else {
                continue;
            };
            let ox = old.release.cell(o as usize).count;
            let suppressed = old.suppressed[o as usize];
            if all_layers {
                if !suppressed {
                    return false;
                }
                limit(e, coef, ox);
            } else if current.is_some_and(|(_, x)| x == ox) && !suppressed {
                // The earlier release published this very value.
                return false;
            }
        }
        true
    }

    fn finish(self, audit: Audit, rounds: usize) -> Protection {
        let count = |s: Status| self.status.iter().filter(|&&x| x == s).count();
        let total_value: u128 = self.release.cells().iter().map(|c| c.count as u128).sum();
        let suppressed_value: u128 = self
            .release
            .cells()
            .iter()
            .zip(&self.unknown)
            .filter(|(_, u)| **u)
            .map(|(c, _)| c.count as u128)
            .sum();
        let suppressed = self.unknown.iter().filter(|&&u| u).count();
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        let report = Report {
            cells: self.release.len(),
            primary: count(Status::Primary),
            secondary: count(Status::Secondary),
            carried: count(Status::Carried),
            total_value,
            suppressed_value,
            share_cells: ratio(suppressed as f64, self.release.len() as f64),
            share_value: ratio(suppressed_value as f64, total_value as f64),
            audit_passed: audit.passed(),
            audit_exact: audit.exact,
            audit_verified: audit.verified,
            rounds,
        };
        Protection {
            status: self.status,
            suppressed: self.unknown,
            report,
            audit,
        }
    }
}

fn limit(e: &mut Evaluation, coef: i32, x: u64) {
    if coef == 0 {
        return;
    }
    let step = x as f64 / coef.unsigned_abs() as f64;
    if coef < 0 {
        e.up = e.up.min(step);
    } else {
        e.down = e.down.min(step);
    }
}
