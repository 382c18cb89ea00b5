//! Secondary suppression on hand-worked tables: which cells it picks and why.

mod common;

use common::{cell, codes, suppressed_codes, two_way};
use evident_disclosure::{
    Cell, Cost, Error, Hierarchy, Method, Publication, Release, ReleaseBuilder, Rules, Status,
    TOTAL, audit, derived_publishable, mark_derived, protect, rate_publishable,
};

#[test]
fn the_cheapest_rectangle_protects_a_two_way_table() {
    //         F    M   _T
    // R1      1    6    7
    // R2      4    5    9
    // R3      8    3   11
    // _T     13   14   27
    //
    // Only (R1,F) = 1 is below the threshold of 3. Rectangles with a partner row
    // and the partner column M: R2 costs 4 + 6 + 5 = 15, R3 costs 8 + 6 + 3 = 17;
    // pairing with totals costs more (R2 with the row total: 4 + 7 + 9 = 20).
    // The R2 rectangle lets (R1,F) move up by min(4, 6) = 4 and down by
    // min(1, 5) = 1: width 5 >= 3.
    let release = two_way(
        "area",
        &["R1", "R2", "R3"],
        "sex",
        &["F", "M"],
        &[&[1, 6], &[4, 5], &[8, 3]],
    );
    let protection = protect(&release, &Rules::default()).unwrap();
    assert_eq!(
        suppressed_codes(&release, protection.suppressed()),
        codes(&[&["R1", "F"], &["R1", "M"], &["R2", "F"], &["R2", "M"]])
    );
    let r = &protection.report;
    assert_eq!((r.cells, r.primary, r.secondary, r.carried), (12, 1, 3, 0));
    // Cells 1 + 6 + 4 + 5 = 16 of a total value of 2 × 27 (interior) + 27 + 27 (margins) = 108.
    assert_eq!((r.suppressed_value, r.total_value), (16, 108));
    assert!((r.share_value - 16.0 / 108.0).abs() < 1e-12);
    assert!((r.share_cells - 4.0 / 12.0).abs() < 1e-12);
    assert!(r.audit_passed);
    assert_eq!(
        protection.status()[release.find(&["R1", "F"]).unwrap()],
        Status::Primary
    );
    assert_eq!(
        protection.status()[release.find(&["R2", "M"]).unwrap()],
        Status::Secondary
    );
}

#[test]
fn counting_cells_instead_of_value_can_choose_a_different_rectangle() {
    //         F    M    N   _T
    // R1      1   50    2   53
    // R2     60   70    2  132
    // _T     61  120    4  185
    //
    // (R1,F) = 1, (R1,N) = 2 and (R2,N) = 2 are sensitive. The second and third
    // already form a column with a published total 4, so both need partners.
    // Whatever is chosen, the audit must pass; by value the cheapest pattern for
    // (R1,F) uses the suppressed column N: rectangle {R1,R2} × {F,N} costs
    // only (R2,F) = 60.
    let release = two_way(
        "area",
        &["R1", "R2"],
        "sex",
        &["F", "M", "N"],
        &[&[1, 50, 2], &[60, 70, 2]],
    );
    let p = protect(&release, &Rules::default()).unwrap();
    assert_eq!(
        suppressed_codes(&release, p.suppressed()),
        codes(&[&["R1", "F"], &["R1", "N"], &["R2", "F"], &["R2", "N"]])
    );
    let by_cells = protect(
        &release,
        &Rules {
            cost: Cost::Cells,
            ..Rules::default()
        },
    )
    .unwrap();
    assert!(by_cells.audit.passed());
    assert!(by_cells.report.secondary >= 1);
}

#[test]
fn a_hierarchy_of_regions_and_districts() {
    // area: _T -> R1 -> {D1, D2}, R2 -> {D3, D4}; counts D1 = 1, D2 = 1, D3 = 20, D4 = 30,
    // so R1 = 2, R2 = 50, _T = 52. Sensitive: D1, D2 and R1 (all below 3).
    //
    // R1 is processed first (most aggregated). Pairing it with its ancestor
    // would suppress the grand total, which is kept as the last resort. Pairing
    // it with R2 needs, below R2, a district to carry the minus sign (the
    // cheapest is D3 = 20) and, below R1, one of its suppressed districts (D1):
    // cost 50 + 20 = 70, width min(50, 20) + min(2, 1) = 21. D1 then climbs to
    // R1 and pairs with R2 at no further cost (width again 21); pairing it with
    // D2 alone would give width 1 + 1 = 2 < 3. D2 likewise.
    let mut area = Hierarchy::new("area");
    for (code, parent) in [
        ("R1", TOTAL),
        ("R2", TOTAL),
        ("D1", "R1"),
        ("D2", "R1"),
        ("D3", "R2"),
        ("D4", "R2"),
    ] {
        area.add(code, parent).unwrap();
    }
    let mut b = ReleaseBuilder::new(vec![area]).unwrap();
    for (code, n) in [
        ("D1", 1),
        ("D2", 1),
        ("D3", 20),
        ("D4", 30),
        ("R1", 2),
        ("R2", 50),
        (TOTAL, 52),
    ] {
        b.add(&[code], cell(n)).unwrap();
    }
    let release = b.build().unwrap();
    let p = protect(&release, &Rules::default()).unwrap();
    assert_eq!(
        suppressed_codes(&release, p.suppressed()),
        codes(&[&["D1"], &["D2"], &["D3"], &["R1"], &["R2"]])
    );
    // The attacker knows R1 + R2 = 52, R1 = D1 + D2 and D3 = R2 - 30, so
    // D3 = 22 - R1 >= 0: R1 and D1 lie in [0, 22], R2 in [30, 52], D3 in [0, 22].
    let a = &p.audit;
    let get = |code: &str| {
        a.cells
            .iter()
            .find(|c| c.cell == release.find(&[code]).unwrap())
            .unwrap()
    };
    assert_eq!((get("D1").lower, get("D1").upper), (0, Some(22)));
    assert_eq!((get("R1").lower, get("R1").upper), (0, Some(22)));
    assert_eq!((get("R2").lower, get("R2").upper), (30, Some(52)));
    assert_eq!((get("D3").lower, get("D3").upper), (0, Some(22)));
    assert_eq!(get("R1").method, Method::Exact);
}

#[test]
fn victim_identifying_cells_use_the_stricter_threshold() {
    // Sexual offences (03) with 4 victims in R1: above the general threshold 3,
    // below the sensitive threshold 5.
    let offence = Hierarchy::flat("offence", &["03", "05"]).unwrap();
    let area = Hierarchy::flat("area", &["R1", "R2"]).unwrap();
    let mut b = ReleaseBuilder::new(vec![offence, area]).unwrap();
    let rows = [("03", [4u64, 9], true), ("05", [30, 40], false)];
    let mut col = [0u64; 2];
    for (o, v, sensitive) in rows {
        b.add(
            &[o, "R1"],
            Cell {
                count: v[0],
                contributors: v[0],
                sensitive,
            },
        )
        .unwrap();
        b.add(
            &[o, "R2"],
            Cell {
                count: v[1],
                contributors: v[1],
                sensitive,
            },
        )
        .unwrap();
        b.add(
            &[o, TOTAL],
            Cell {
                count: v[0] + v[1],
                contributors: v[0] + v[1],
                sensitive,
            },
        )
        .unwrap();
        col[0] += v[0];
        col[1] += v[1];
    }
    b.add(&[TOTAL, "R1"], cell(col[0])).unwrap();
    b.add(&[TOTAL, "R2"], cell(col[1])).unwrap();
    b.add(&[TOTAL, TOTAL], cell(col[0] + col[1])).unwrap();
    let release = b.build().unwrap();
    let p = protect(&release, &Rules::default()).unwrap();
    assert_eq!(
        p.status()[release.find(&["03", "R1"]).unwrap()],
        Status::Primary
    );
    assert_eq!(p.report.primary, 1);
    let relaxed = Rules {
        sensitive_threshold: 3,
        ..Rules::default()
    };
    assert_eq!(protect(&release, &relaxed).unwrap().report.primary, 0);
}

/// A three-way release: offence (2 levels) × area (2 levels) × month, with all totals.
fn three_way(seed: u64) -> (Vec<Hierarchy>, Vec<(Vec<String>, u64)>) {
    let mut offence = Hierarchy::new("offence");
    for (c, p) in [
        ("01", TOTAL),
        ("02", TOTAL),
        ("0101", "01"),
        ("0102", "01"),
        ("0201", "02"),
        ("0202", "02"),
    ] {
        offence.add(c, p).unwrap();
    }
    let mut area = Hierarchy::new("area");
    for (c, p) in [
        ("R1", TOTAL),
        ("R2", TOTAL),
        ("D1", "R1"),
        ("D2", "R1"),
        ("D3", "R1"),
        ("D4", "R2"),
        ("D5", "R2"),
    ] {
        area.add(c, p).unwrap();
    }
    let period = Hierarchy::flat("period", &["M1", "M2", "M3"]).unwrap();
    let leaves_o = ["0101", "0102", "0201", "0202"];
    let leaves_a = ["D1", "D2", "D3", "D4", "D5"];
    let months = ["M1", "M2", "M3"];
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % 9
    };
    let mut leaf: Vec<(Vec<String>, u64)> = Vec::new();
    for o in leaves_o {
        for a in leaves_a {
            for m in months {
                leaf.push((vec![o.into(), a.into(), m.into()], next()));
            }
        }
    }
    // Aggregate to every combination of levels.
    let dims = vec![offence, area, period];
    let mut totals: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
    for (codes, v) in &leaf {
        let ups: Vec<Vec<String>> = codes
            .iter()
            .zip(&dims)
            .map(|(c, h)| {
                let mut chain = vec![c.clone()];
                let mut cur = c.as_str();
                while let Some(p) = h.parent_of(cur) {
                    chain.push(p.to_string());
                    cur = p;
                }
                chain
            })
            .collect();
        for a in &ups[0] {
            for b in &ups[1] {
                for c in &ups[2] {
                    *totals
                        .entry(vec![a.clone(), b.clone(), c.clone()])
                        .or_default() += v;
                }
            }
        }
    }
    (dims, totals.into_iter().collect())
}

fn build(dims: &[Hierarchy], cells: &[(Vec<String>, u64)]) -> Release {
    let mut b = ReleaseBuilder::new(dims.to_vec()).unwrap();
    for (codes, v) in cells {
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        b.add(&refs, cell(*v)).unwrap();
    }
    b.build().unwrap()
}

#[test]
fn hierarchical_three_way_release_passes_the_exact_audit() {
    for seed in 1..6 {
        let (dims, cells) = three_way(seed);
        let release = build(&dims, &cells);
        assert_eq!(release.len(), 7 * 8 * 4);
        let rules = Rules {
            exact_audit_limit: 10_000,
            ..Rules::default()
        };
        let p = protect(&release, &rules).unwrap();
        // Re-audit from scratch, without the suppression's hints, exactly.
        let a = audit(&[p.publication(&release)], &rules).unwrap();
        assert!(a.passed(), "seed {seed}: {:?}", a.failures().next());
        assert_eq!(a.verified, 0);
        for c in a.cells.iter().filter(|c| c.required.is_some()) {
            assert_eq!(c.method, Method::Exact);
            assert!(c.width().is_none_or(|w| w >= c.required.unwrap_or(0)));
        }
        assert!(p.report.primary > 0, "seed {seed} has sensitive cells");
    }
}

#[test]
fn the_same_data_gives_the_same_pattern_whatever_the_order() {
    let (dims, cells) = three_way(7);
    let first = build(&dims, &cells);
    let p1 = protect(&first, &Rules::default()).unwrap();
    let p2 = protect(&build(&dims, &cells), &Rules::default()).unwrap();
    assert_eq!(p1.suppressed(), p2.suppressed());
    // Cells in reverse order, hierarchy codes added in another order.
    let mut reversed = cells.clone();
    reversed.reverse();
    let mut area = Hierarchy::new("area");
    for (c, p) in [
        ("R2", TOTAL),
        ("D5", "R2"),
        ("D4", "R2"),
        ("R1", TOTAL),
        ("D3", "R1"),
        ("D1", "R1"),
        ("D2", "R1"),
    ] {
        area.add(c, p).unwrap();
    }
    let dims2 = vec![dims[0].clone(), area, dims[2].clone()];
    let second = build(&dims2, &reversed);
    let p3 = protect(&second, &Rules::default()).unwrap();
    assert_eq!(
        suppressed_codes(&first, p1.suppressed()),
        suppressed_codes(&second, p3.suppressed())
    );
}

#[test]
fn rates_on_suppressed_counts_are_withheld() {
    let release = two_way(
        "area",
        &["R1", "R2", "R3"],
        "sex",
        &["F", "M"],
        &[&[1, 6], &[4, 5], &[8, 3]],
    );
    let p = protect(&release, &Rules::default()).unwrap();
    assert!(!rate_publishable(&release, &p, &["R1", "F"]).unwrap());
    assert!(rate_publishable(&release, &p, &["R3", "F"]).unwrap());
    assert!(matches!(
        rate_publishable(&release, &p, &["R9", "F"]),
        Err(Error::UnknownCell(_))
    ));
    // A share of R3 in the total uses two published cells; a change between R1
    // and R3 uses a suppressed one.
    let r3 = release.find(&["R3", "F"]).unwrap();
    let total = release.find(&[TOTAL, "F"]).unwrap();
    let r1 = release.find(&["R1", "F"]).unwrap();
    assert!(derived_publishable(&p, &[r3, total]));
    assert_eq!(
        mark_derived(&p, &[vec![r3, total], vec![r1, r3]]),
        [true, false]
    );
}

#[test]
fn a_release_without_sensitive_cells_publishes_everything() {
    let release = two_way(
        "area",
        &["R1", "R2"],
        "sex",
        &["F", "M"],
        &[&[10, 6], &[4, 5]],
    );
    let p = protect(&release, &Rules::default()).unwrap();
    assert!(p.suppressed().iter().all(|s| !s));
    assert_eq!(p.report.share_cells, 0.0);
    let a = audit(
        &[Publication {
            release: &release,
            suppressed: p.suppressed(),
        }],
        &Rules::default(),
    )
    .unwrap();
    assert!(a.passed() && a.cells.is_empty());
}

#[test]
fn bad_rules_are_an_error_not_a_panic() {
    let release = two_way(
        "area",
        &["R1", "R2"],
        "sex",
        &["F", "M"],
        &[&[10, 6], &[4, 5]],
    );
    let rules = Rules {
        threshold: 0,
        ..Rules::default()
    };
    assert!(matches!(
        protect(&release, &rules),
        Err(Error::InvalidRules(_))
    ));
    let short = vec![false; 2];
    assert!(
        audit(
            &[Publication {
                release: &release,
                suppressed: &short
            }],
            &Rules::default()
        )
        .is_err()
    );
}

#[test]
fn the_grand_total_is_suppressed_only_as_a_last_resort() {
    //         F    M   _T
    // R1      1    0    1
    // R2      0   20   20
    // _T      1   20   21
    //
    // (R1,F), (R1,_T) and (_T,F) are sensitive (count 1). Every hypercube that
    // pairs a code with a sibling puts a zero cell under a minus sign, so nothing
    // can move; the only protection is to let (R1,F) grow with both its totals
    // and the grand total. Then r = a, f = a and g = a + 20: a lies in [0, inf).
    let release = two_way(
        "area",
        &["R1", "R2"],
        "sex",
        &["F", "M"],
        &[&[1, 0], &[0, 20]],
    );
    let p = protect(&release, &Rules::default()).unwrap();
    assert_eq!(
        suppressed_codes(&release, p.suppressed()),
        codes(&[&["R1", "F"], &["R1", TOTAL], &[TOTAL, "F"], &[TOTAL, TOTAL]])
    );
    assert_eq!(p.report.secondary, 1);
    let a = p
        .audit
        .cells
        .iter()
        .find(|c| c.cell == release.find(&["R1", "F"]).unwrap())
        .unwrap();
    assert_eq!((a.lower, a.upper), (0, None));
    let g = p
        .audit
        .cells
        .iter()
        .find(|c| c.cell == release.find(&[TOTAL, TOTAL]).unwrap())
        .unwrap();
    assert_eq!((g.lower, g.upper), (20, None));
}
