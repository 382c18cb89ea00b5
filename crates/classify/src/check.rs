//! `evident map check`: what is wrong or incomplete in a correspondence table.
//!
//! For every national code the check looks at its rows together:
//!
//! * ICCS codes that do not exist, with the nearest valid codes (from `evident-iccs`);
//! * conditions that can never hold (contradictory clauses such as
//!   `victim_age<16;victim_age>=18`);
//! * pairs of rows that can apply to the same record on the same day
//!   (overlaps: the engine would count such a record twice, or not know which
//!   code to give it);
//! * gaps: combinations of condition values for which no row applies (for
//!   example an `attempted=true` row but no row for `attempted=false`), and
//!   stretches of time between validity periods with no row at all.
//!
//! Conditions are compared exactly, not by sampling: each field's values are
//! split into the finitely many classes that the table's clauses can tell
//! apart (the two flag values, each code, the age intervals between the ages
//! named in clauses, and "missing"), and every combination of classes is
//! examined.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use evident_iccs::{CodeError, iccs};

use crate::condition::{Field, FieldKind, MAX_AGE, ValueRef};
use crate::date::Date;
use crate::table::{CorrespondenceTable, Row};

/// Combinations of condition values examined per national code and period at most;
/// beyond it the gap search is skipped with a note.
pub const MAX_COMBINATIONS: u64 = 500_000;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The table must not be used as it is (records would be lost, double-counted or miscoded).
    Error,
    /// Records will be left unmapped; fine only if intended.
    Warning,
    /// Worth a reviewer's look.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// A stretch of recorded dates; `None` bounds are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First day, or open.
    pub from: Option<Date>,
    /// Last day, or open.
    pub to: Option<Date>,
}

impl Period {
    fn of(row: &Row) -> Period {
        Period {
            from: row.valid_from,
            to: row.valid_to,
        }
    }

    fn intersect(self, other: Period) -> Option<Period> {
        let from = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let to = match (self.to, other.to) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (from, to) {
            (Some(f), Some(t)) if t < f => None,
            _ => Some(Period { from, to }),
        }
    }

    fn contains_period(self, inner: Period) -> bool {
        let starts = match (self.from, inner.from) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a <= b,
        };
        let ends = match (self.to, inner.to) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => b <= a,
        };
        starts && ends
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.from, self.to) {
            (None, None) => f.write_str("at all dates"),
            (Some(a), None) => write!(f, "from {a}"),
            (None, Some(b)) => write!(f, "up to {b}"),
            (Some(a), Some(b)) => write!(f, "from {a} to {b}"),
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    /// The row's ICCS code is not a code of ICCS 1.0.
    InvalidIccsCode {
        /// The diagnosis, with the nearest valid codes.
        error: CodeError,
    },
    /// The row's condition can never hold, so the row never applies.
    Contradiction {
        /// The field whose clauses exclude each other.
        field: Field,
        /// The condition as written.
        condition: String,
    },
    /// Two rows apply to the same records.
    Overlap {
        /// The ICCS codes of the two rows (equal for a duplicate).
        iccs_codes: (String, String),
        /// The values for which both apply (empty: always).
        when: String,
        /// The dates on which both apply.
        period: Period,
    },
    /// No row applies to records with these values.
    Gap {
        /// The uncovered values.
        when: String,
        /// The dates concerned.
        period: Period,
        /// Whether the gap arises only from missing tag values.
        only_missing: bool,
    },
    /// No row at all between two validity periods.
    PeriodGap {
        /// The uncovered dates.
        period: Period,
    },
    /// The rows of one code carry different descriptions.
    DescriptionMismatch {
        /// The distinct descriptions.
        descriptions: Vec<String>,
    },
    /// Too many value combinations to search for gaps.
    TooManyCombinations {
        /// How many combinations there would be.
        combinations: u64,
    },
}

/// One thing the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// The national code concerned.
    pub national_code: String,
    /// The lines of the rows concerned (empty when about the code as a whole).
    pub lines: Vec<u64>,
    /// What was found.
    pub kind: FindingKind,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.lines.iter().map(u64::to_string).collect();
        if lines.is_empty() {
            write!(
                f,
                "{}: national code {:?}: ",
                self.severity, self.national_code
            )?;
        } else {
            write!(
                f,
                "{}: line {}: national code {:?}: ",
                self.severity,
                lines.join(" and "),
                self.national_code
            )?;
        }
        match &self.kind {
            FindingKind::InvalidIccsCode { error } => write!(f, "{error}"),
            FindingKind::Contradiction { field, condition } => {
                write!(
                    f,
                    "condition {condition:?} can never hold: its clauses on {field} exclude each other"
                )
            }
            FindingKind::Overlap {
                iccs_codes: (a, b),
                when,
                period,
            } => {
                let what = if a == b {
                    format!("both map to {a} (duplicate rows)")
                } else {
                    format!("they map to {a} and {b}")
                };
                let when = if when.is_empty() {
                    "always".to_owned()
                } else {
                    format!("when {when}")
                };
                write!(
                    f,
                    "two rows apply to the same records {when}, {period}: {what}"
                )
            }
            FindingKind::Gap {
                when,
                period,
                only_missing,
            } => {
                write!(f, "no row applies when {when}, {period}")?;
                if *only_missing {
                    f.write_str(" (records without these tags stay unmapped)")?;
                }
                Ok(())
            }
            FindingKind::PeriodGap { period } => {
                write!(f, "no row applies {period}, between validity periods")
            }
            FindingKind::DescriptionMismatch { descriptions } => {
                write!(
                    f,
                    "rows give different descriptions: {}",
                    descriptions.join(" | ")
                )
            }
            FindingKind::TooManyCombinations { combinations } => write!(
                f,
                "gaps not searched: the conditions make {combinations} value combinations (limit {MAX_COMBINATIONS})"
            ),
        }
    }
}

/// All findings for one table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    /// The table's source.
    pub source: String,
    /// Findings, ordered by national code, then line.
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// Findings of one severity.
    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.with_severity(Severity::Error).next().is_some()
    }
}

/// Checks a correspondence table.
pub fn check(table: &CorrespondenceTable) -> CheckReport {
    let mut findings = Vec::new();
    for code in table.national_codes() {
        let rows: Vec<&Row> = table.rows_for(code).collect();
        check_code(code, &rows, &mut findings);
    }
    CheckReport {
        source: table.source.clone(),
        findings,
    }
}

fn finding(severity: Severity, code: &str, lines: Vec<u64>, kind: FindingKind) -> Finding {
    Finding {
        severity,
        national_code: code.to_owned(),
        lines,
        kind,
    }
}

fn check_code(code: &str, rows: &[&Row], out: &mut Vec<Finding>) {
    for row in rows {
        if let Err(error) = iccs().lookup(&row.iccs_code) {
            out.push(finding(
                Severity::Error,
                code,
                vec![row.line],
                FindingKind::InvalidIccsCode { error },
            ));
        }
    }

    let mut descriptions: Vec<String> = Vec::new();
    for row in rows {
        let d = row.national_description.trim();
        if !d.is_empty() && !descriptions.iter().any(|x| x.eq_ignore_ascii_case(d)) {
            descriptions.push(d.to_owned());
        }
    }
    if descriptions.len() > 1 {
        out.push(finding(
            Severity::Note,
            code,
            Vec::new(),
            FindingKind::DescriptionMismatch { descriptions },
        ));
    }

    // Rows whose condition cannot hold take no further part.
    let mut live: Vec<&Row> = Vec::new();
    for row in rows {
        let space = Space::new(&[row]);
        match space.fields.iter().find(|axis| axis.allowed(row) == 0) {
            Some(axis) => out.push(finding(
                Severity::Error,
                code,
                vec![row.line],
                FindingKind::Contradiction {
                    field: axis.field,
                    condition: row.condition.to_string(),
                },
            )),
            None => live.push(row),
        }
    }

    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            let Some(period) = Period::of(a).intersect(Period::of(b)) else {
                continue;
            };
            let space = Space::new(&[a, b]);
            let masks: Vec<u64> = space
                .fields
                .iter()
                .map(|axis| axis.allowed(a) & axis.allowed(b))
                .collect();
            if masks.contains(&0) {
                continue;
            }
            let severity = Severity::Error;
            out.push(finding(
                severity,
                code,
                vec![a.line, b.line],
                FindingKind::Overlap {
                    iccs_codes: (a.iccs_code.clone(), b.iccs_code.clone()),
                    when: space.describe(&masks),
                    period,
                },
            ));
        }
    }

    search_gaps(code, &live, out);
}

/// The gaps found in one stretch of time (description, only-missing flag),
/// or the number of combinations when too many to search.
type StretchGaps = Result<Vec<(String, bool)>, u64>;

/// Splits time at every validity boundary and searches each stretch for gaps.
fn search_gaps(code: &str, rows: &[&Row], out: &mut Vec<Finding>) {
    if rows.is_empty() {
        return;
    }
    let mut bounds: BTreeSet<Date> = BTreeSet::new();
    for row in rows {
        if let Some(from) = row.valid_from {
            bounds.insert(from);
        }
        if let Some(to) = row.valid_to {
            bounds.insert(to.next_day());
        }
    }
    let bounds: Vec<Date> = bounds.into_iter().collect();
    let mut stretches: Vec<Period> = Vec::with_capacity(bounds.len() + 1);
    let mut start: Option<Date> = None;
    for b in &bounds {
        stretches.push(Period {
            from: start,
            to: Some(b.previous_day()),
        });
        start = Some(*b);
    }
    stretches.push(Period {
        from: start,
        to: None,
    });

    let earliest = rows.iter().map(|r| r.valid_from).min().flatten();
    let latest = if rows.iter().any(|r| r.valid_to.is_none()) {
        None
    } else {
        rows.iter().filter_map(|r| r.valid_to).max()
    };
    let covered_span = Period {
        from: earliest,
        to: latest,
    };

    // (period, gap descriptions) per stretch; equal neighbours are merged before reporting.
    let mut results: Vec<(Period, StretchGaps)> = Vec::new();
    for stretch in stretches {
        let active: Vec<&Row> = rows
            .iter()
            .copied()
            .filter(|r| Period::of(r).contains_period(stretch))
            .collect();
        if active.is_empty() {
            if covered_span.contains_period(stretch) {
                out.push(finding(
                    Severity::Warning,
                    code,
                    Vec::new(),
                    FindingKind::PeriodGap { period: stretch },
                ));
            }
            continue;
        }
        results.push((stretch, gaps_among(&active)));
    }
    let mut merged: Vec<(Period, StretchGaps)> = Vec::new();
    for (period, result) in results {
        match merged.last_mut() {
            Some((last, last_result))
                if *last_result == result && last.to.map(Date::next_day) == period.from =>
            {
                last.to = period.to;
            }
            _ => merged.push((period, result)),
        }
    }
    for (period, result) in merged {
        match result {
            Ok(gaps) => {
                for (when, only_missing) in gaps {
                    let severity = if only_missing {
                        Severity::Note
                    } else {
                        Severity::Warning
                    };
                    out.push(finding(
                        severity,
                        code,
                        Vec::new(),
                        FindingKind::Gap {
                            when,
                            period,
                            only_missing,
                        },
                    ));
                }
            }
            Err(combinations) => out.push(finding(
                Severity::Note,
                code,
                Vec::new(),
                FindingKind::TooManyCombinations { combinations },
            )),
        }
    }
}

/// The uncovered value combinations among rows that are all valid at once,
/// as descriptions with a flag "arises only from missing values".
fn gaps_among(rows: &[&Row]) -> StretchGaps {
    let space = Space::new(rows);
    if space.fields.is_empty() {
        return Ok(Vec::new());
    }
    let combinations = space
        .fields
        .iter()
        .try_fold(1u64, |n, axis| n.checked_mul(axis.atoms.len() as u64));
    let combinations = combinations.unwrap_or(u64::MAX);
    if combinations > MAX_COMBINATIONS {
        return Err(combinations);
    }
    let allowed: Vec<Vec<u64>> = rows
        .iter()
        .map(|r| space.fields.iter().map(|axis| axis.allowed(r)).collect())
        .collect();
    let covered = |cell: &[usize]| {
        allowed.iter().any(|masks| {
            masks
                .iter()
                .zip(cell)
                .all(|(mask, atom)| mask & (1 << atom) != 0)
        })
    };
    let mut cell = vec![0usize; space.fields.len()];
    // Gaps among known values, and gaps that only arise because a value is missing.
    let mut known_gaps: Vec<Vec<u64>> = Vec::new();
    let mut missing_gaps: Vec<Vec<u64>> = Vec::new();
    loop {
        if !covered(&cell) {
            let masks: Vec<u64> = cell.iter().map(|atom| 1u64 << atom).collect();
            if !cell.contains(&0) {
                known_gaps.push(masks);
            } else if missing_matters(&space, &cell, &covered) {
                missing_gaps.push(masks);
            }
        }
        // Mixed-radix increment over the fields' atoms.
        let mut position = 0;
        loop {
            if position == cell.len() {
                let mut out = space.summarise(known_gaps, false);
                out.extend(space.summarise(missing_gaps, true));
                return Ok(out);
            }
            cell[position] += 1;
            if cell[position] < space.fields[position].atoms.len() {
                break;
            }
            cell[position] = 0;
            position += 1;
        }
    }
}

/// Whether an uncovered cell with missing values would be covered if the
/// missing values were known; otherwise the known-value gap already says it.
fn missing_matters(space: &Space, cell: &[usize], covered: &dyn Fn(&[usize]) -> bool) -> bool {
    let missing: Vec<usize> = cell
        .iter()
        .enumerate()
        .filter(|(_, atom)| **atom == 0)
        .map(|(i, _)| i)
        .collect();
    let mut trial = cell.to_vec();
    for &i in &missing {
        trial[i] = 1;
    }
    loop {
        if covered(&trial) {
            return true;
        }
        let mut k = 0;
        loop {
            if k == missing.len() {
                return false;
            }
            let i = missing[k];
            trial[i] += 1;
            if trial[i] < space.fields[i].atoms.len() {
                break;
            }
            trial[i] = 1;
            k += 1;
        }
    }
}

/// A class of values of one field that no clause of the rows at hand can split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atom {
    Missing,
    Flag(bool),
    Code(&'static str),
    /// Ages `from..=to`; `to == MAX_AGE` means "and older".
    Age {
        from: u32,
        to: u32,
    },
}

impl Atom {
    fn value(self) -> Option<ValueRef<'static>> {
        match self {
            Atom::Missing => None,
            Atom::Flag(b) => Some(ValueRef::Flag(b)),
            Atom::Code(c) => Some(ValueRef::Code(c)),
            Atom::Age { from, .. } => Some(ValueRef::Age(from)),
        }
    }
}

struct Axis {
    field: Field,
    atoms: Vec<Atom>,
}

impl Axis {
    /// Bit mask of the atoms that satisfy all of the row's clauses on this field.
    fn allowed(&self, row: &Row) -> u64 {
        let clauses: Vec<_> = row
            .condition
            .clauses()
            .iter()
            .filter(|c| c.field == self.field)
            .collect();
        let mut mask = 0u64;
        for (i, atom) in self.atoms.iter().enumerate() {
            if clauses.iter().all(|c| c.holds(atom.value())) {
                mask |= 1 << i;
            }
        }
        mask
    }

    fn full(&self) -> u64 {
        if self.atoms.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << self.atoms.len()) - 1
        }
    }

    fn describe(&self, mask: u64) -> String {
        let name = self.field.name();
        let chosen: Vec<Atom> = self
            .atoms
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, a)| *a)
            .collect();
        let missing = chosen.contains(&Atom::Missing);
        let mut parts: Vec<String> = Vec::new();
        let codes: Vec<String> = chosen
            .iter()
            .filter_map(|a| match a {
                Atom::Flag(b) => Some(b.to_string()),
                Atom::Code(c) => Some((*c).to_owned()),
                _ => None,
            })
            .collect();
        match codes.len() {
            0 => {}
            1 => parts.push(format!("{name}={}", codes[0])),
            _ => parts.push(format!("{name} in {}", codes.join("|"))),
        }
        // Adjacent age intervals read better as one range.
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for atom in &chosen {
            if let Atom::Age { from, to } = atom {
                match ranges.last_mut() {
                    Some(last) if last.1 + 1 == *from => last.1 = *to,
                    _ => ranges.push((*from, *to)),
                }
            }
        }
        for (from, to) in ranges {
            parts.push(match (from, to) {
                (0, t) if t == MAX_AGE => format!("{name} known"),
                (0, t) => format!("{name}<{}", t + 1),
                (f, t) if t == MAX_AGE => format!("{name}>={f}"),
                (f, t) if f == t => format!("{name}={f}"),
                (f, t) => format!("{name} {f}-{t}"),
            });
        }
        if missing {
            parts.push(format!("{name} missing"));
        }
        parts.join(" or ")
    }
}

/// The fields the rows test, each split into atoms.
struct Space {
    fields: Vec<Axis>,
}

impl Space {
    fn new(rows: &[&Row]) -> Space {
        let mut used: Vec<Field> = rows.iter().flat_map(|r| r.condition.fields()).collect();
        used.sort();
        used.dedup();
        let fields = used
            .into_iter()
            .map(|field| {
                let mut atoms = vec![Atom::Missing];
                match field.kind() {
                    FieldKind::Flag => atoms.extend([Atom::Flag(true), Atom::Flag(false)]),
                    FieldKind::Code => atoms.extend(field.codes().into_iter().map(Atom::Code)),
                    FieldKind::Age => atoms.extend(age_atoms(field, rows)),
                }
                // Masks are u64; more than 63 age intervals would need a table with
                // over 60 distinct ages for one code, which is not a real table.
                atoms.truncate(64);
                Axis { field, atoms }
            })
            .collect();
        Space { fields }
    }

    fn describe(&self, masks: &[u64]) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .zip(masks)
            .filter(|(axis, mask)| **mask != axis.full())
            .map(|(axis, mask)| axis.describe(*mask))
            .collect();
        parts.join("; ")
    }

    /// Merges uncovered cells into few descriptions: cells that differ in one
    /// field only are united, repeatedly, until nothing changes.
    fn summarise(&self, cells: Vec<Vec<u64>>, only_missing: bool) -> Vec<(String, bool)> {
        // The greedy merge depends on the order of fields; try both directions
        // and keep the shorter description (fewer blocks, then fewer constrained fields).
        let forward: Vec<usize> = (0..self.fields.len()).collect();
        let backward: Vec<usize> = forward.iter().rev().copied().collect();
        let normalise = |mut blocks: Vec<Vec<u64>>| {
            if !only_missing {
                // Known-value gaps say nothing about missing values: "all known
                // values" of a field is no constraint here.
                for masks in &mut blocks {
                    for (mask, axis) in masks.iter_mut().zip(&self.fields) {
                        if *mask == axis.full() & !1 {
                            *mask = axis.full();
                        }
                    }
                }
            }
            blocks
        };
        let cost = |blocks: &[Vec<u64>]| {
            let constrained: usize = blocks
                .iter()
                .map(|m| {
                    m.iter()
                        .zip(&self.fields)
                        .filter(|(mask, axis)| **mask != axis.full())
                        .count()
                })
                .sum();
            (blocks.len(), constrained)
        };
        let a = normalise(merge_blocks(cells.clone(), &forward));
        let b = normalise(merge_blocks(cells, &backward));
        let mut cells = if cost(&b) < cost(&a) { b } else { a };
        cells.sort();
        cells
            .into_iter()
            .map(|masks| {
                let when = self.describe(&masks);
                (
                    if when.is_empty() {
                        "any tag values".to_owned()
                    } else {
                        when
                    },
                    only_missing,
                )
            })
            .collect()
    }
}

/// Unites blocks that differ in one field only, field by field in `order`,
/// repeatedly, until nothing changes.
fn merge_blocks(mut cells: Vec<Vec<u64>>, order: &[usize]) -> Vec<Vec<u64>> {
    loop {
        let before = cells.len();
        for &f in order {
            let mut groups: HashMap<Vec<u64>, u64> = HashMap::new();
            let mut keys: Vec<Vec<u64>> = Vec::new();
            for cell in &cells {
                let mut key = cell.clone();
                key[f] = 0;
                let entry = groups.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    0
                });
                *entry |= cell[f];
            }
            cells = keys
                .into_iter()
                .map(|mut key| {
                    key[f] = groups.get(&key).copied().unwrap_or(0);
                    key
                })
                .collect();
        }
        if cells.len() == before {
            return cells;
        }
    }
}

fn age_atoms(field: Field, rows: &[&Row]) -> Vec<Atom> {
    use crate::condition::{Op, Value};
    let mut cuts: BTreeSet<u32> = BTreeSet::new();
    for row in rows {
        for clause in row.condition.clauses().iter().filter(|c| c.field == field) {
            for value in &clause.values {
                let Value::Age(v) = value else { continue };
                match clause.op {
                    Op::Lt | Op::Ge => {
                        cuts.insert(*v);
                    }
                    Op::Le | Op::Gt => {
                        cuts.insert(v + 1);
                    }
                    Op::Eq | Op::Ne | Op::In => {
                        cuts.insert(*v);
                        cuts.insert(v + 1);
                    }
                }
            }
        }
    }
    let mut atoms = Vec::new();
    let mut from = 0u32;
    for cut in cuts.into_iter().filter(|c| *c > 0 && *c <= MAX_AGE) {
        atoms.push(Atom::Age { from, to: cut - 1 });
        from = cut;
    }
    atoms.push(Atom::Age { from, to: MAX_AGE });
    atoms
}
