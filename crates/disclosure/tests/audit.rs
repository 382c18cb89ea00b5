//! The interval attack on hand-worked tables, including the classic failures of
//! naive suppression.

mod common;

use common::{add_two_way, cell, mask, two_way};
use evident_disclosure::{
    Hierarchy, Method, Publication, ReleaseBuilder, Rules, TOTAL, audit, protect,
};

/// The table used below (threshold 3, so only (R1, F) = 1 is sensitive):
///
/// ```text
///         F    M   _T
/// R1      1    6    7
/// R2      4    5    9
/// R3      8    3   11
/// _T     13   14   27
/// ```
fn area_by_sex() -> evident_disclosure::Release {
    two_way(
        "area",
        &["R1", "R2", "R3"],
        "sex",
        &["F", "M"],
        &[&[1, 6], &[4, 5], &[8, 3]],
    )
}

#[test]
fn one_suppressed_cell_in_a_row_with_a_published_total_is_disclosed_exactly() {
    let release = area_by_sex();
    let m = mask(&release, &[&["R1", "F"]]);
    let result = audit(
        &[Publication {
            release: &release,
            suppressed: &m,
        }],
        &Rules::default(),
    )
    .unwrap();
    assert!(!result.passed());
    // (R1, F) = (R1, _T) - (R1, M) = 7 - 6 = 1.
    let c = &result.cells[0];
    assert_eq!(
        (c.value, c.lower, c.upper, c.method),
        (1, 1, Some(1), Method::Determined)
    );
    assert_eq!(c.required, Some(3));
}

#[test]
fn a_rectangle_of_suppressions_gives_the_hand_computed_intervals() {
    let release = area_by_sex();
    let m = mask(
        &release,
        &[&["R1", "F"], &["R1", "M"], &["R2", "F"], &["R2", "M"]],
    );
    let result = audit(
        &[Publication {
            release: &release,
            suppressed: &m,
        }],
        &Rules::default(),
    )
    .unwrap();
    assert!(result.passed());
    // With a = (R1,F), b = (R1,M), c = (R2,F), d = (R2,M):
    //   a + b = 7, c + d = 9, a + c = 13 - 8 = 5, b + d = 14 - 3 = 11.
    // So b = 7 - a, c = 5 - a, d = 4 + a, and non-negativity gives a in [0, 5];
    // then b in [2, 7], c in [0, 5], d in [4, 9].
    let interval = |codes: &[&str]| {
        let id = release.find(codes).unwrap();
        let c = result.cells.iter().find(|c| c.cell == id).unwrap();
        assert_eq!(c.method, Method::Exact);
        (c.lower, c.upper)
    };
    assert_eq!(interval(&["R1", "F"]), (0, Some(5)));
    assert_eq!(interval(&["R1", "M"]), (2, Some(7)));
    assert_eq!(interval(&["R2", "F"]), (0, Some(5)));
    assert_eq!(interval(&["R2", "M"]), (4, Some(9)));
    assert_eq!(result.exact, 4);
}

#[test]
fn a_rectangle_too_narrow_for_the_rules_fails() {
    let release = area_by_sex();
    let m = mask(
        &release,
        &[&["R1", "F"], &["R1", "M"], &["R2", "F"], &["R2", "M"]],
    );
    // The interval of (R1, F) is [0, 5], width 5: enough for a minimum width of 5, not 6.
    let p = [Publication {
        release: &release,
        suppressed: &m,
    }];
    assert!(
        audit(
            &p,
            &Rules {
                minimum_width: 5,
                ..Rules::default()
            }
        )
        .unwrap()
        .passed()
    );
    assert!(
        !audit(
            &p,
            &Rules {
                minimum_width: 6,
                ..Rules::default()
            }
        )
        .unwrap()
        .passed()
    );
}

#[test]
fn a_chain_of_single_unknowns_is_followed_to_the_end() {
    // Suppress (R1,F), (R1,M) and (_T,M): column M gives (_T,M) nothing as it
    // is unknown, but row _T gives (_T,M) = 27 - 13 = 14, then column M gives
    // (R1,M) = 14 - 5 - 3 = 6 and row R1 gives (R1,F) = 7 - 6 = 1.
    let release = area_by_sex();
    let m = mask(&release, &[&["R1", "F"], &["R1", "M"], &[TOTAL, "M"]]);
    let result = audit(
        &[Publication {
            release: &release,
            suppressed: &m,
        }],
        &Rules::default(),
    )
    .unwrap();
    for c in &result.cells {
        assert_eq!(c.method, Method::Determined);
        assert_eq!((c.lower, c.upper), (c.value, Some(c.value)));
    }
    assert_eq!(result.cells.len(), 3);
}

#[test]
fn a_sensitive_cell_left_published_fails() {
    let release = area_by_sex();
    let m = vec![false; release.len()];
    let result = audit(
        &[Publication {
            release: &release,
            suppressed: &m,
        }],
        &Rules::default(),
    )
    .unwrap();
    let failures: Vec<_> = result.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].method, Method::Published);
    assert_eq!(release.codes(failures[0].cell), ["R1", "F"]);
}

/// Two tables of one release share the margin (offence, _T, _T):
///
/// ```text
/// A: offence × area (sex = _T)        B: offence × sex (area = _T)
///         R1   R2   _T                        F    M   _T
/// 01       2   40   42                01     20   22   42
/// 02      30   50   80                02     40   40   80
/// _T      32   90  122                _T     60   62  122
/// ```
fn linked_tables() -> evident_disclosure::Release {
    let offence = Hierarchy::flat("offence", &["01", "02"]).unwrap();
    let area = Hierarchy::flat("area", &["R1", "R2"]).unwrap();
    let sex = Hierarchy::flat("sex", &["F", "M"]).unwrap();
    let mut b = ReleaseBuilder::new(vec![offence, area, sex]).unwrap();
    add_two_way(
        &mut b,
        &["01", "02"],
        &["R1", "R2"],
        &[&[2, 40], &[30, 50]],
        |o, a| vec![o, a, TOTAL],
    );
    // Table B repeats the shared margin (x, _T, _T); add only its other cells.
    for (o, f, m) in [("01", 20, 22), ("02", 40, 40), (TOTAL, 60, 62)] {
        b.add(&[o, TOTAL, "F"], cell(f)).unwrap();
        b.add(&[o, TOTAL, "M"], cell(m)).unwrap();
    }
    b.build().unwrap()
}

#[test]
fn linked_tables_leak_through_a_shared_margin_when_protected_one_by_one() {
    let release = linked_tables();
    // Protecting table A on its own, the pattern (01,R1), (01,_T), (02,R1), (02,_T)
    // (area: R1 paired with its total; offence: 01 paired with 02) is safe:
    // with a = (01,R1): (01,_T) = a + 40, (02,R1) = 32 - a, (02,_T) = 82 - a,
    // so a ranges over [0, 32].
    let a_only = mask(
        &release,
        &[
            &["01", "R1", TOTAL],
            &["01", TOTAL, TOTAL],
            &["02", "R1", TOTAL],
            &["02", TOTAL, TOTAL],
        ],
    );
    let a_alone = two_way(
        "offence",
        &["01", "02"],
        "area",
        &["R1", "R2"],
        &[&[2, 40], &[30, 50]],
    );
    let a_alone_mask = mask(
        &a_alone,
        &[&["01", "R1"], &["01", TOTAL], &["02", "R1"], &["02", TOTAL]],
    );
    let a_audit = audit(
        &[Publication {
            release: &a_alone,
            suppressed: &a_alone_mask,
        }],
        &Rules::default(),
    )
    .unwrap();
    assert!(a_audit.passed());
    let a_cell = a_audit
        .cells
        .iter()
        .find(|c| c.cell == a_alone.find(&["01", "R1"]).unwrap())
        .unwrap();
    assert_eq!((a_cell.lower, a_cell.upper), (0, Some(32)));

    // Table B has no sensitive cell and, protected on its own, publishes all of
    // its cells, the shared (01,_T,_T) = 42 and (02,_T,_T) = 80 among them.
    let mut naive = a_only.clone();
    naive[release.find(&["01", TOTAL, TOTAL]).unwrap()] = false;
    naive[release.find(&["02", TOTAL, TOTAL]).unwrap()] = false;
    let leak = audit(
        &[Publication {
            release: &release,
            suppressed: &naive,
        }],
        &Rules::default(),
    )
    .unwrap();
    assert!(!leak.passed());
    // (01,R1) = (01,_T) - (01,R2) = 42 - 40 = 2.
    let f: Vec<_> = leak.failures().collect();
    assert_eq!(release.codes(f[0].cell), ["01", "R1", TOTAL]);
    assert_eq!(
        (f[0].lower, f[0].upper, f[0].method),
        (2, Some(2), Method::Determined)
    );

    // Protecting the release as a whole sees both tables.
    let protection = protect(&release, &Rules::default()).unwrap();
    let full = audit(&[protection.publication(&release)], &Rules::default()).unwrap();
    assert!(full.passed());
    // The cheapest safe pattern is the rectangle inside A (cost 40 + 30 + 50 = 120,
    // against 152 for the one through the margin), which leaves every shared cell
    // published; (01,R1) then lies in [0, 32] (a + b = 42, a + c = 32, b + d = 90).
    for codes in [
        ["01", TOTAL, TOTAL],
        ["02", TOTAL, TOTAL],
        [TOTAL, TOTAL, TOTAL],
    ] {
        assert!(protection.is_published(release.find(&codes).unwrap()));
    }
    let id = release.find(&["01", "R1", TOTAL]).unwrap();
    let c = full.cells.iter().find(|c| c.cell == id).unwrap();
    assert_eq!((c.lower, c.upper), (0, Some(32)));
}

#[test]
fn a_large_component_is_proven_by_alternative_tables_inside_the_exact_interval() {
    // Same rectangle as above, audited with the exact tier switched off: the
    // auditor must find and verify an alternative table itself. Its interval is
    // a proven part of the exact one: (R1,F) can move up to +4 (the smallest
    // cell signed minus, (R2,F) = 4) and down to -1 (its own value).
    let release = area_by_sex();
    let m = mask(
        &release,
        &[&["R1", "F"], &["R1", "M"], &["R2", "F"], &["R2", "M"]],
    );
    let rules = Rules {
        exact_audit_limit: 0,
        ..Rules::default()
    };
    let result = audit(
        &[Publication {
            release: &release,
            suppressed: &m,
        }],
        &rules,
    )
    .unwrap();
    assert!(result.passed());
    let c = &result.cells[0];
    assert_eq!(release.codes(c.cell), ["R1", "F"]);
    assert_eq!((c.method, c.lower, c.upper), (Method::Verified, 0, Some(5)));
    // Under the same switch, the naive single suppression is not proven.
    let m = mask(&release, &[&["R1", "F"]]);
    let result = audit(
        &[Publication {
            release: &release,
            suppressed: &m,
        }],
        &rules,
    )
    .unwrap();
    assert!(!result.passed());
}
