//! Rounding, the alternative to suppression: every cell is published, rounded
//! to a multiple of a base (3 or 5 in practice).

use crate::{Error, Release};

/// Unbiased random rounding: a count `q·b + r` becomes `(q+1)·b` with probability
/// `r/b` and `q·b` otherwise, so its expectation is the true count; multiples of
/// the base stay as they are. Each cell draws from its own stream, derived from
/// `seed` and the cell's codes, so the result depends on neither the order of
/// the cells nor the other cells. Totals are rounded independently and need not
/// equal the sum of their rounded parts; use [`controlled_rounding`] where they must.
///
/// Returns the rounded counts indexed by cell id.
pub fn random_rounding(release: &Release, base: u64, seed: u64) -> Result<Vec<u64>, Error> {
    check_base(base)?;
    let mut out = Vec::with_capacity(release.len());
    for id in 0..release.len() {
        let x = release.cell(id).count;
        let r = x % base;
        if r == 0 {
            out.push(x);
            continue;
        }
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for code in release.codes(id) {
            for &b in code.as_bytes().iter().chain(std::iter::once(&0x1f)) {
                h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        let mut state = seed ^ h.rotate_left(17);
        let draw = below(&mut state, base);
        out.push(if draw < r { x - r + base } else { x - r });
    }
    Ok(out)
}

/// Unbiased controlled rounding of a two-way table with its totals (Cox 1987,
/// "A constructive procedure for unbiased controlled rounding", *Journal of the
/// American Statistical Association* 82(398), 520–524). Every cell, margins
/// included, is rounded to one of the two multiples of `base` around it, each
/// rounded row and column still adds up to its rounded total, and each cell's
/// expected rounded value is its true value.
///
/// The release must be one table with one or two dimensions, each a total with
/// one level of codes below it, every cell present. Deeper hierarchies and more
/// dimensions are refused: a controlled rounding need not exist for three-way
/// tables (Cox 1987, §4) and Cox's cycle argument does not carry over.
pub fn controlled_rounding(release: &Release, base: u64, seed: u64) -> Result<Vec<u64>, Error> {
    check_base(base)?;
    let dims = release.dimensions();
    if dims.len() > 2 {
        return Err(Error::RoundingUnsupported(format!(
            "controlled rounding handles one- and two-way tables; this release has {} dimensions",
            dims.len()
        )));
    }
    for d in dims {
        if d.codes().any(|c| d.level_of(c).unwrap_or(0) > 1) {
            return Err(Error::RoundingUnsupported(format!(
                "dimension {:?} has more than one level below its total",
                d.name()
            )));
        }
    }
    // Rows: the codes of the first dimension, leaves first and the total last;
    // columns likewise for the second. A one-way table becomes a two-way table
    // whose two columns both hold it (the second as the row totals).
    let order = |h: &crate::Hierarchy| -> Vec<u32> {
        let mut ids: Vec<u32> = h.children(0).to_vec();
        ids.push(0);
        ids
    };
    let rows = order(&dims[0]);
    let cols = if dims.len() == 2 {
        order(&dims[1])
    } else {
        vec![0, 0]
    };
    let (m, n) = (rows.len(), cols.len());
    let cells_expected = if dims.len() == 2 { m * n } else { m };
    if release.len() != cells_expected {
        return Err(Error::RoundingUnsupported(format!(
            "controlled rounding needs exactly one complete table ({cells_expected} cells); the release has {}",
            release.len()
        )));
    }
    let mut cell_at = vec![0usize; m * n];
    let mut y = vec![0i128; m * n];
    for (i, &ri) in rows.iter().enumerate() {
        for (j, &cj) in cols.iter().enumerate() {
            let coords: Vec<u32> = if dims.len() == 2 {
                vec![ri, cj]
            } else {
                vec![ri]
            };
            let id = release.find_coords(&coords).ok_or_else(|| {
                Error::RoundingUnsupported(
                    "the table is incomplete: every cell, totals included, is needed".into(),
                )
            })?;
            cell_at[i * n + j] = id;
            // Signs make every row and column of `y` sum to zero: margins are
            // negated, the grand total (both margins) keeps its sign.
            let margin = (i == m - 1) as u8 + (j == n - 1) as u8;
            let x = release.cell(id).count as i128;
            y[i * n + j] = if margin == 1 { -x } else { x };
        }
    }
    let b = base as i128;
    let mut rest: Vec<i128> = y.iter().map(|v| v.rem_euclid(b)).collect();
    let mut state = seed;
    let fractional = |rest: &[i128], e: usize| rest[e] != 0 && rest[e] != b;
    // Vertices 0..m are rows, m..m+n columns; an edge is a cell with a fractional rest.
    while let Some(start) = (0..m * n).find(|&e| fractional(&rest, e)) {
        // Walk from the start cell's row, alternating row -> column -> row, never
        // leaving by the edge we came in on, until a vertex repeats.
        let mut path_vertices: Vec<usize> = vec![start / n];
        let mut path_edges: Vec<usize> = Vec::new();
        let mut came_by = usize::MAX;
        let cycle = loop {
            let v = *path_vertices.last().unwrap_or(&0);
            let next_edge = if v < m {
                (0..n)
                    .map(|j| v * n + j)
                    .find(|&e| e != came_by && fractional(&rest, e))
            } else {
                let j = v - m;
                (0..m)
                    .map(|i| i * n + j)
                    .find(|&e| e != came_by && fractional(&rest, e))
            };
            let Some(e) = next_edge else {
                return Err(Error::RoundingUnsupported(
                    "internal: a row or column has a single fractional cell (the table is not additive)".into(),
                ));
            };
            let w = if v < m { m + e % n } else { e / n };
            path_edges.push(e);
            came_by = e;
            if let Some(p) = path_vertices.iter().position(|&x| x == w) {
                break path_edges[p..].to_vec();
            }
            path_vertices.push(w);
        };
        // Alternate signs around the (even) cycle.
        let plus = |k: usize| k.is_multiple_of(2);
        let mut step_a = i128::MAX;
        let mut step_b = i128::MAX;
        for (k, &e) in cycle.iter().enumerate() {
            if plus(k) {
                step_a = step_a.min(b - rest[e]);
                step_b = step_b.min(rest[e]);
            } else {
                step_a = step_a.min(rest[e]);
                step_b = step_b.min(b - rest[e]);
            }
        }
        // Take step A with probability step_b / (step_a + step_b): the expected
        // change of every cell is then zero (Cox 1987, §3).
        let take_a = (below(&mut state, (step_a + step_b) as u64) as i128) < step_b;
        for (k, &e) in cycle.iter().enumerate() {
            rest[e] += match (take_a, plus(k)) {
                (true, true) => step_a,
                (true, false) => -step_a,
                (false, true) => -step_b,
                (false, false) => step_b,
            };
        }
    }
    let mut out = vec![0u64; release.len()];
    for i in 0..m {
        // In a one-way table both columns hold the same rounded values; read the first.
        for j in 0..if dims.len() == 2 { n } else { 1 } {
            let e = i * n + j;
            let rounded = y[e] - y[e].rem_euclid(b) + rest[e];
            let margin = (i == m - 1) as u8 + (j == n - 1) as u8;
            let x = if margin == 1 { -rounded } else { rounded };
            out[cell_at[e]] = x.max(0) as u64;
        }
    }
    Ok(out)
}

fn check_base(base: u64) -> Result<(), Error> {
    if base < 2 {
        return Err(Error::InvalidRules(format!(
            "rounding base must be at least 2, got {base}"
        )));
    }
    Ok(())
}

/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
/// generators", OOPSLA), then Lemire's multiply-shift to a number below `bound`.
fn below(state: &mut u64, bound: u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    ((z as u128 * bound as u128) >> 64) as u64
}
