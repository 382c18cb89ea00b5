//! Builders for the small tables the tests reason about by hand.
#![allow(dead_code)]

use evident_disclosure::{Cell, Hierarchy, Release, ReleaseBuilder, TOTAL};

/// A count whose contributors equal the count (one person per offence).
pub fn cell(count: u64) -> Cell {
    Cell {
        count,
        contributors: count,
        sensitive: false,
    }
}

/// A two-way table `rows × cols` with all margins, from its interior values;
/// `values[i][j]` is the cell of row `i`, column `j`.
pub fn two_way(
    row_dim: &str,
    rows: &[&str],
    col_dim: &str,
    cols: &[&str],
    values: &[&[u64]],
) -> Release {
    let r = Hierarchy::flat(row_dim, rows).unwrap();
    let c = Hierarchy::flat(col_dim, cols).unwrap();
    let mut b = ReleaseBuilder::new(vec![r, c]).unwrap();
    add_two_way(&mut b, rows, cols, values, |i, j| vec![i, j]);
    b.build().unwrap()
}

/// Adds a two-way table with margins to a builder; `place` turns a (row code,
/// column code) pair into the full list of codes.
pub fn add_two_way<'a>(
    b: &mut ReleaseBuilder,
    rows: &[&'a str],
    cols: &[&'a str],
    values: &[&[u64]],
    place: impl Fn(&'a str, &'a str) -> Vec<&'a str>,
) {
    let mut col_totals = vec![0u64; cols.len()];
    let mut grand = 0;
    for (i, row) in rows.iter().enumerate() {
        let mut total = 0;
        for (j, col) in cols.iter().enumerate() {
            let v = values[i][j];
            b.add(&place(row, col), cell(v)).unwrap();
            total += v;
            col_totals[j] += v;
        }
        b.add(&place(row, TOTAL), cell(total)).unwrap();
        grand += total;
    }
    for (j, col) in cols.iter().enumerate() {
        b.add(&place(TOTAL, col), cell(col_totals[j])).unwrap();
    }
    b.add(&place(TOTAL, TOTAL), cell(grand)).unwrap();
}

/// The suppression mask with exactly these cells suppressed.
pub fn mask(release: &Release, suppressed: &[&[&str]]) -> Vec<bool> {
    let mut m = vec![false; release.len()];
    for codes in suppressed {
        m[release.find(codes).expect("cell exists")] = true;
    }
    m
}

/// The suppressed cells as code lists, sorted.
pub fn suppressed_codes(release: &Release, mask: &[bool]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = (0..release.len())
        .filter(|&c| mask[c])
        .map(|c| release.codes(c).iter().map(|s| s.to_string()).collect())
        .collect();
    out.sort();
    out
}

pub fn codes(list: &[&[&str]]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = list
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    out.sort();
    out
}

/// Every combination of codes of `dims` (all levels, totals included), with the
/// leaf cells' counts taken from `value` and every other cell the sum of its leaves.
pub fn full_release(dims: Vec<Hierarchy>, mut value: impl FnMut(&[&str]) -> u64) -> Release {
    use std::collections::BTreeMap;
    let leaves: Vec<Vec<String>> = dims
        .iter()
        .map(|h| {
            h.codes()
                .filter(|c| h.children_of(c).is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect();
    let chains = |d: usize, code: &str| -> Vec<String> {
        let mut chain = vec![code.to_owned()];
        let mut cur = code.to_owned();
        while let Some(p) = dims[d].parent_of(&cur) {
            chain.push(p.to_owned());
            cur = p.to_owned();
        }
        chain
    };
    let mut totals: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let k = dims.len();
    let mut pos = vec![0usize; k];
    loop {
        let codes: Vec<&str> = (0..k).map(|d| leaves[d][pos[d]].as_str()).collect();
        let v = value(&codes);
        // All combinations of ancestors-or-self, one per dimension.
        let ups: Vec<Vec<String>> = (0..k).map(|d| chains(d, codes[d])).collect();
        let mut q = vec![0usize; k];
        loop {
            let key: Vec<String> = (0..k).map(|d| ups[d][q[d]].clone()).collect();
            *totals.entry(key).or_default() += v;
            let mut d = k;
            let mut done = true;
            while d > 0 {
                d -= 1;
                q[d] += 1;
                if q[d] < ups[d].len() {
                    done = false;
                    break;
                }
                q[d] = 0;
            }
            if done {
                break;
            }
        }
        let mut d = k;
        let mut done = true;
        while d > 0 {
            d -= 1;
            pos[d] += 1;
            if pos[d] < leaves[d].len() {
                done = false;
                break;
            }
            pos[d] = 0;
        }
        if done {
            break;
        }
    }
    let mut b = ReleaseBuilder::new(dims).unwrap();
    for (codes, v) in &totals {
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        b.add(&refs, cell(*v)).unwrap();
    }
    b.build().unwrap()
}
