//! Balanced perturbation patterns: the generalised hypercubes that both
//! secondary suppression and the audit's certificates are made of.
//!
//! The hypercube method (Repsilber 1994, "Preservation of confidentiality in
//! aggregated data", *Second International Seminar on Statistical
//! Confidentiality*, Luxembourg; Giessing & Repsilber 2002, "Tools and strategies
//! to protect multiple tables with the GHQUAR cell suppression engine", in
//! Domingo-Ferrer (ed.), *Inference Control in Statistical Databases*, LNCS 2316)
//! protects a sensitive cell by suppressing the corners of a hypercube around it:
//! adding `+t` and `-t` alternately at the corners leaves every row, column and
//! layer sum unchanged, so an attacker cannot tell the true table from the
//! perturbed one.
//!
//! We use the same idea on hierarchical, linked tables. For each dimension we
//! pick a *line pattern* `u_d`: signs on codes of that dimension's hierarchy that
//! balance at every parent (a parent's sign equals the sum of its children's).
//! The hypercube is the tensor product `v = u_1 ⊗ … ⊗ u_k`; it satisfies every
//! additive equation of every table of the release, because each equation fixes
//! all dimensions but one and `u_d` balances along that one. Restricting `v` to
//! the cells a release actually has keeps it balanced (an equation exists only
//! where all its cells exist), so one construction serves any set of tables that
//! share margins. A line pattern pairs the cell's code with a sibling (signs `+`
//! and `-`, the classic hypercube edge) or with its ancestors up to the total
//! (all `+`); when a code has children, a chain of descendants carries its sign
//! down to a leaf.
//!
//! If all cells of `v` are suppressed, the table `x + t v` is consistent with
//! everything published for `-down <= t <= up`, where `up` is the smallest value
//! among the cells signed `-` and `down` the smallest among those signed `+`.

use crate::{Release, Rules};

/// Signs on codes of one dimension (code id, +1 or -1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) entries: Vec<(u32, i8)>,
}

/// How a line pattern was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Partner {
    /// Paired with `partner`, a sibling of the code or of one of its ancestors
    /// (the code and the ancestors in between move with it).
    Sibling(u32),
    /// The code and all its ancestors up to the total move together.
    Ancestors,
}

/// How a descendant chain picks its child at each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chain {
    /// The child already unknown (largest first), else absent, else the smallest positive:
    /// cheapest to suppress.
    Cheap,
    /// The child with the largest count: most room to move.
    Large,
}

/// The line patterns available to a cell with coordinates `anchor` in dimension `d`.
/// Where codes have children, each pattern comes in two variants: descendant
/// chains through the cheapest children and through the largest ones (judged on
/// the anchor's line; `unknown` tells which cells are already suppressed).
pub(crate) fn candidates(
    release: &Release,
    d: usize,
    anchor: &[u32],
    unknown: &dyn Fn(usize) -> bool,
) -> Vec<(Partner, Line)> {
    let h = &release.dimensions()[d];
    let x = anchor[d];
    let mut out: Vec<(Partner, Line)> = Vec::new();
    let push = |partner: Partner, line: Line, out: &mut Vec<(Partner, Line)>| {
        if !out.iter().any(|(p, l)| *p == partner && *l == line) {
            out.push((partner, line));
        }
    };
    for chain in [Chain::Cheap, Chain::Large] {
        // Pair the code, or an ancestor `a` reached by climbing, with a sibling of `a`.
        let mut climbed: Vec<u32> = Vec::new();
        let mut a = x;
        while let Some(parent) = h.parent(a) {
            for &s in h.children(parent) {
                if s == a {
                    continue;
                }
                let mut entries = vec![(x, 1i8)];
                entries.extend(climbed.iter().map(|&c| (c, 1i8)));
                descend(release, d, anchor, x, 1, chain, unknown, &mut entries);
                entries.push((s, -1));
                descend(release, d, anchor, s, -1, chain, unknown, &mut entries);
                push(Partner::Sibling(s), Line { entries }, &mut out);
            }
            climbed.push(parent);
            a = parent;
        }
        let mut entries = vec![(x, 1i8)];
        let mut up = h.parent(x);
        while let Some(a) = up {
            entries.push((a, 1));
            up = h.parent(a);
        }
        descend(release, d, anchor, x, 1, chain, unknown, &mut entries);
        push(Partner::Ancestors, Line { entries }, &mut out);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn descend(
    release: &Release,
    d: usize,
    anchor: &[u32],
    mut code: u32,
    sign: i8,
    chain: Chain,
    unknown: &dyn Fn(usize) -> bool,
    entries: &mut Vec<(u32, i8)>,
) {
    let h = &release.dimensions()[d];
    let mut probe = anchor.to_vec();
    loop {
        let kids = h.children(code);
        if kids.is_empty() {
            return;
        }
        let mut best: Option<((u8, u64), u32)> = None;
        for &kid in kids {
            probe[d] = kid;
            let found = release.find_coords(&probe);
            let rank = match (chain, found) {
                (Chain::Cheap, Some(c)) if unknown(c) => (0, u64::MAX - release.cell(c).count),
                (Chain::Cheap, None) => (1, 0),
                (Chain::Cheap, Some(c)) if release.cell(c).count > 0 => (2, release.cell(c).count),
                (Chain::Cheap, Some(_)) => (3, 0),
                (Chain::Large, Some(c)) => (0, u64::MAX - release.cell(c).count),
                (Chain::Large, None) => (1, 0),
            };
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, kid));
            }
        }
        let Some((_, kid)) = best else { return };
        entries.push((kid, sign));
        code = kid;
    }
}

/// Calls `visit(key, sign)` for every cell of the tensor product of `lines`
/// (one line per dimension), whether or not the release has it.
pub(crate) fn for_each_cell(
    release: &Release,
    lines: &[&Line],
    mut visit: impl FnMut(u128, i8) -> bool,
) {
    let k = lines.len();
    if lines.iter().any(|l| l.entries.is_empty()) {
        return;
    }
    let strides = release.strides();
    let mut pos = vec![0usize; k];
    loop {
        let mut key: u128 = 0;
        let mut sign: i8 = 1;
        for d in 0..k {
            let (code, s) = lines[d].entries[pos[d]];
            key += code as u128 * strides[d];
            sign *= s;
        }
        if !visit(key, sign) {
            return;
        }
        let mut d = k;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            pos[d] += 1;
            if pos[d] < lines[d].entries.len() {
                break;
            }
            pos[d] = 0;
        }
    }
}

/// The coordinates of the cells of a tensor product, with their signs.
pub(crate) fn support(lines: &[Line]) -> Vec<(Vec<u32>, i8)> {
    let mut out = Vec::new();
    let k = lines.len();
    if lines.iter().any(|l| l.entries.is_empty()) {
        return out;
    }
    let mut pos = vec![0usize; k];
    loop {
        let mut coords = Vec::with_capacity(k);
        let mut sign = 1i8;
        for d in 0..k {
            let (code, s) = lines[d].entries[pos[d]];
            coords.push(code);
            sign *= s;
        }
        out.push((coords, sign));
        let mut d = k;
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            pos[d] += 1;
            if pos[d] < lines[d].entries.len() {
                break;
            }
            pos[d] = 0;
        }
    }
}

/// Compares two (value, cells) costs under the rules' cost function.
pub(crate) fn cheaper(rules: &Rules, a: (u128, u64), b: (u128, u64)) -> std::cmp::Ordering {
    match rules.cost {
        crate::Cost::Value => a.cmp(&b),
        crate::Cost::Cells => (a.1, a.0).cmp(&(b.1, b.0)),
    }
}
