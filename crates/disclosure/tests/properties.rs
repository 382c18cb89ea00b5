//! Property tests on random hierarchical tables.

mod common;

use common::full_release;
use evident_disclosure::{Hierarchy, Method, Publication, Release, Rules, TOTAL, audit, protect};
use proptest::prelude::*;

/// A hierarchy named `name`: flat with `shape.0` leaves, or, when `shape.1 > 0`,
/// `shape.0` parents with `shape.1` children each.
fn hierarchy(name: &str, shape: (usize, usize)) -> Hierarchy {
    let mut h = Hierarchy::new(name);
    for i in 0..shape.0 {
        let parent = format!("{name}{i}");
        h.add(&parent, TOTAL).unwrap();
        for j in 0..shape.1 {
            h.add(&format!("{parent}.{j}"), &parent).unwrap();
        }
    }
    h
}

fn release_strategy() -> impl Strategy<Value = Release> {
    let shape = (2usize..4, prop_oneof![Just(0usize), 2usize..3]);
    (
        prop::collection::vec(shape, 2..4),
        prop::collection::vec(0u64..12, 200),
        any::<u64>(),
    )
        .prop_map(|(shapes, values, salt)| {
            let dims: Vec<Hierarchy> = shapes
                .iter()
                .enumerate()
                .map(|(d, &s)| hierarchy(&format!("d{d}_"), s))
                .collect();
            let mut i = salt as usize;
            full_release(dims, |_| {
                i = i.wrapping_add(1);
                // Many small counts: square the draw down.
                let v = values[i % values.len()];
                v * v / 12
            })
        })
}

fn rules_strategy() -> impl Strategy<Value = Rules> {
    (2u64..5, 1u64..5, 0u64..30).prop_map(|(threshold, minimum_width, protection_percent)| Rules {
        threshold,
        sensitive_threshold: threshold,
        minimum_width,
        protection_percent,
        exact_audit_limit: 100_000,
        ..Rules::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// After suppression, the exact interval attack finds every sensitive cell
    /// suppressed and wide enough.
    #[test]
    fn protected_releases_pass_the_exact_audit(release in release_strategy(), rules in rules_strategy()) {
        let p = protect(&release, &rules).unwrap();
        for c in 0..release.len() {
            if rules.is_primary(release.cell(c)) {
                prop_assert!(!p.is_published(c));
            }
        }
        let a = audit(&[p.publication(&release)], &rules).unwrap();
        prop_assert!(a.passed(), "{:?}", a.failures().next());
        prop_assert_eq!(a.verified, 0);
    }

    /// On any suppression pattern, an interval proven by alternative tables lies
    /// inside the exact interval, and disclosed cells agree.
    #[test]
    fn proven_intervals_lie_inside_exact_ones(
        release in release_strategy(),
        flips in prop::collection::vec(any::<bool>(), 64),
    ) {
        let rules = Rules { exact_audit_limit: 100_000, ..Rules::default() };
        // Suppress the sensitive cells and a pseudo-random set of others.
        let mask: Vec<bool> = (0..release.len())
            .map(|c| rules.is_primary(release.cell(c)) || (flips[c % 64] && c % 3 == 0))
            .collect();
        let p = [Publication { release: &release, suppressed: &mask }];
        let exact = audit(&p, &rules).unwrap();
        let proven = audit(&p, &Rules { exact_audit_limit: 0, ..rules.clone() }).unwrap();
        for c in &proven.cells {
            let e = exact.cells.iter().find(|e| e.cell == c.cell).unwrap();
            match c.method {
                Method::Verified | Method::Unproven => {
                    prop_assert!(c.lower >= e.lower, "{c:?} vs {e:?}");
                    prop_assert!(match (c.upper, e.upper) {
                        (Some(a), Some(b)) => a <= b,
                        (Some(_), None) | (None, None) => true,
                        (None, Some(_)) => false,
                    }, "{c:?} vs {e:?}");
                }
                Method::Determined | Method::Published => prop_assert_eq!(c.method, e.method),
                Method::Exact => prop_assert!(false, "no exact tier when the limit is 0"),
            }
            // A pass without the exact tier implies a pass with it.
            if c.safe {
                prop_assert!(e.safe);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Revising one month of a protected release: the new pattern, audited
    /// together with the old one, exposes nothing either protected.
    #[test]
    fn a_revised_month_exposes_nothing(
        values in prop::collection::vec(0u64..10, 64),
        revision in prop::collection::vec(0u64..10, 64),
        month in 0usize..3,
        shape in (2usize..4, prop_oneof![Just(0usize), 2usize..3]),
    ) {
        let dims = || {
            let mut period = Hierarchy::with_total("period", "2024");
            for m in ["2024-01", "2024-02", "2024-03"] {
                period.add(m, "2024").unwrap();
            }
            vec![hierarchy("offence", shape), hierarchy("area", (2, 2)), period]
        };
        let revised = format!("2024-0{}", month + 1);
        let mut i = 0usize;
        let old = full_release(dims(), |_| {
            i += 1;
            values[i % 64] * values[i % 64] / 9
        });
        let mut j = 0usize;
        let new = full_release(dims(), |codes| {
            j += 1;
            let v = if codes[2] == revised { revision[j % 64] } else { values[j % 64] };
            v * v / 9
        });
        // Exact audits throughout: in large components the auditor's own search
        // may fail to prove old cells (a refusal, never a leak; see the docs).
        let rules = Rules { exact_audit_limit: 100_000, ..Rules::default() };
        let old_p = protect(&old, &rules).unwrap();
        let new_p = evident_disclosure::protect_revision(&new, &[old_p.publication(&old)], &rules).unwrap();
        let joint = audit(&[new_p.publication(&new), old_p.publication(&old)], &rules).unwrap();
        prop_assert!(joint.passed(), "{:?}", joint.failures().next());
        // Everything withheld before is still withheld.
        for c in 0..old.len() {
            if !old_p.is_published(c) {
                let codes = old.codes(c);
                prop_assert!(!new_p.is_published(new.find(&codes).unwrap()));
            }
        }
    }
}
