//! Benchmark companion: protects a smaller release (ICCS sections × one region's
//! districts × months), audits it with every component solved exactly, and
//! writes the release, the pattern and our intervals as JSON so that
//! `bench/disclosure/highs_audit.py` can redo the interval attack with HiGHS.
//!
//! Usage: audit_compare OUT.json

use std::time::Instant;

use evident_disclosure::{Cell, Hierarchy, Method, ReleaseBuilder, Rules, audit, protect};
use evident_iccs::Level;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "audit_compare.json".to_owned());
    let offence = Hierarchy::iccs("offence", Level::Section);
    let mut area = Hierarchy::new("area");
    area.add("R01", "_T").unwrap();
    for d in 0..15 {
        area.add(&format!("R01D{d:02}"), "R01").unwrap();
    }
    let mut period = Hierarchy::with_total("period", "2024");
    for m in 1..=12 {
        period.add(&format!("2024-{m:02}"), "2024").unwrap();
    }
    let leaves = |h: &Hierarchy| -> Vec<String> {
        h.codes()
            .filter(|c| h.children_of(c).is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (lo, la, lp) = (leaves(&offence), leaves(&area), leaves(&period));
    let mut state = 7u64;
    let mut builder =
        ReleaseBuilder::new(vec![offence.clone(), area.clone(), period.clone()]).unwrap();
    let mut leaf = std::collections::BTreeMap::new();
    for (i, o) in lo.iter().enumerate() {
        for a in &la {
            for p in &lp {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let scale = [40, 3, 1, 12, 30, 2, 5, 1, 2, 1, 1][i % 11];
                leaf.insert(
                    (o.clone(), a.clone(), p.clone()),
                    (state >> 33) % (2 * scale as u64 + 1),
                );
            }
        }
    }
    // Every level combination, totals included.
    let chain = |h: &Hierarchy, c: &str| -> Vec<String> {
        let mut v = vec![c.to_owned()];
        let mut cur = c.to_owned();
        while let Some(p) = h.parent_of(&cur) {
            v.push(p.to_owned());
            cur = p.to_owned();
        }
        v
    };
    let mut totals: std::collections::BTreeMap<(String, String, String), u64> = Default::default();
    for ((o, a, p), v) in &leaf {
        for x in chain(&offence, o) {
            for y in chain(&area, a) {
                for z in chain(&period, p) {
                    *totals.entry((x.clone(), y.clone(), z.clone())).or_default() += v;
                }
            }
        }
    }
    for ((o, a, p), v) in &totals {
        builder
            .add(
                &[o, a, p],
                Cell {
                    count: *v,
                    contributors: *v,
                    sensitive: false,
                },
            )
            .unwrap();
    }
    let release = builder.build().unwrap();
    let rules = Rules {
        exact_audit_limit: usize::MAX,
        ..Rules::default()
    };
    let protection = protect(&release, &Rules::default()).unwrap();
    let t = Instant::now();
    let result = audit(&[protection.publication(&release)], &rules).unwrap();
    let seconds = t.elapsed().as_secs_f64();
    let exact = result
        .cells
        .iter()
        .filter(|c| matches!(c.method, Method::Exact | Method::Determined))
        .count();
    println!(
        "cells {}, suppressed {}, exact intervals {exact}",
        release.len(),
        result.unknowns
    );
    println!(
        "evident exact audit: {seconds:.3} s (largest component {})",
        result.largest_component
    );
    let dims: Vec<String> = release
        .dimensions()
        .iter()
        .map(|h| {
            let parents: Vec<String> = h
                .codes()
                .map(|c| match h.parent_of(c) {
                    Some(p) => format!("\"{c}\":\"{p}\""),
                    None => format!("\"{c}\":null"),
                })
                .collect();
            format!(
                "{{\"name\":\"{}\",\"parent\":{{{}}}}}",
                h.name(),
                parents.join(",")
            )
        })
        .collect();
    let cells: Vec<String> = (0..release.len())
        .map(|c| {
            let codes: Vec<String> = release
                .codes(c)
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect();
            let ours = result.cells.iter().find(|a| a.cell == c);
            let bounds = match ours {
                Some(a) => format!(
                    ",\"lower\":{},\"upper\":{}",
                    a.lower,
                    a.upper.map_or("null".to_owned(), |u| u.to_string())
                ),
                None => String::new(),
            };
            format!(
                "{{\"codes\":[{}],\"count\":{},\"suppressed\":{}{bounds}}}",
                codes.join(","),
                release.cell(c).count,
                !protection.is_published(c)
            )
        })
        .collect();
    let json = format!(
        "{{\"seconds\":{seconds},\"dimensions\":[{}],\"cells\":[{}]}}",
        dims.join(","),
        cells.join(",")
    );
    std::fs::write(&out, json).unwrap_or_else(|e| panic!("cannot write {out}: {e}"));
}
