//! A revised release must not expose what the earlier release protected.

mod common;

use common::{codes, suppressed_codes};
use evident_disclosure::{
    Cell, Error, Hierarchy, Method, Protection, Publication, Release, ReleaseBuilder, Rules,
    Status, TOTAL, audit, protect, protect_revision,
};

/// offence × month, with totals; the year 2024 is the period's total.
fn release(values: [[u64; 3]; 2]) -> Release {
    let offence = Hierarchy::flat("offence", &["01", "02"]).unwrap();
    let mut period = Hierarchy::with_total("period", "2024");
    for m in ["2024-01", "2024-02", "2024-03"] {
        period.add(m, "2024").unwrap();
    }
    let mut b = ReleaseBuilder::new(vec![offence, period]).unwrap();
    let months = ["2024-01", "2024-02", "2024-03"];
    let c = |n: u64| Cell {
        count: n,
        contributors: n,
        sensitive: false,
    };
    let mut col = [0u64; 3];
    for (o, row) in ["01", "02"].iter().zip(values) {
        for (j, m) in months.iter().enumerate() {
            b.add(&[o, m], c(row[j])).unwrap();
            col[j] += row[j];
        }
        b.add(&[o, "2024"], c(row.iter().sum())).unwrap();
    }
    for (j, m) in months.iter().enumerate() {
        b.add(&[TOTAL, m], c(col[j])).unwrap();
    }
    b.add(&[TOTAL, "2024"], c(col.iter().sum())).unwrap();
    b.build().unwrap()
}

//           01   02   03  2024
// 01         5    1    6    12
// 02         7    8    9    24
// _T        12    9   15    36
const FIRST: [[u64; 3]; 2] = [[5, 1, 6], [7, 8, 9]];
// February of offence 01 is revised from 1 to 4 (late records): no cell is
// sensitive any more.
const REVISED: [[u64; 3]; 2] = [[5, 4, 6], [7, 8, 9]];

fn first_release() -> (Release, Protection) {
    let r = release(FIRST);
    let p = protect(&r, &Rules::default()).unwrap();
    (r, p)
}

#[test]
fn the_first_release_suppresses_the_cheapest_rectangle() {
    // (01, Feb) = 1 is sensitive. With Jan and offence 02 the rectangle costs
    // 5 + 8 + 7 = 20 (with March: 6 + 8 + 9 = 23) and gives width
    // min(5, 8) + min(1, 7) = 6.
    let (r, p) = first_release();
    assert_eq!(
        suppressed_codes(&r, p.suppressed()),
        codes(&[
            &["01", "2024-01"],
            &["01", "2024-02"],
            &["02", "2024-01"],
            &["02", "2024-02"]
        ])
    );
}

#[test]
fn republishing_naively_exposes_the_earlier_cell() {
    let (old, old_p) = first_release();
    let new = release(REVISED);
    // On its own, the revised release has nothing to protect and publishes everything.
    let naive = protect(&new, &Rules::default()).unwrap();
    assert_eq!(naive.report.primary + naive.report.secondary, 0);
    // Jan of 01 is 5 in both releases, now published; the old row 01 then gives
    // (01, Feb) = 12 - 5 - 6 = 1.
    let both = [naive.publication(&new), old_p.publication(&old)];
    let result = audit(&both, &Rules::default()).unwrap();
    let failures: Vec<_> = result.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].layer, 1);
    assert_eq!(old.codes(failures[0].cell), ["01", "2024-02"]);
    assert_eq!((failures[0].lower, failures[0].upper), (1, Some(1)));
}

#[test]
fn a_revision_keeps_earlier_suppressions_and_passes_the_joint_audit() {
    let (old, old_p) = first_release();
    let new = release(REVISED);
    let p = protect_revision(&new, &[old_p.publication(&old)], &Rules::default()).unwrap();
    // The four cells suppressed before stay suppressed (none is sensitive now).
    assert_eq!(
        suppressed_codes(&new, p.suppressed()),
        suppressed_codes(&old, old_p.suppressed())
    );
    assert_eq!(
        (p.report.primary, p.report.secondary, p.report.carried),
        (0, 0, 4)
    );
    assert_eq!(
        p.status()[new.find(&["01", "2024-02"]).unwrap()],
        Status::Carried
    );
    // Joint system, with m = (01, Jan), the same unknown in both releases (its
    // count is unchanged, 5), and a = old (01, Feb):
    //   old row 01: a + m = 12 - 6 = 6          new row 01: a' + m = 15 - 6 = 9
    //   column Jan: m + (02, Jan) = 12          row 02: (02, Jan) + (02, Feb) = 15
    // so a = 6 - m, (02, Jan) = 12 - m, (02, Feb) = 3 + m, a' = 9 - m, and
    // non-negativity leaves m in [0, 6]: a lies in [0, 6].
    let joint = audit(
        &[p.publication(&new), old_p.publication(&old)],
        &Rules::default(),
    )
    .unwrap();
    assert!(joint.passed());
    let old_feb = old.find(&["01", "2024-02"]).unwrap();
    let c = joint
        .cells
        .iter()
        .find(|c| c.layer == 1 && c.cell == old_feb)
        .unwrap();
    assert_eq!((c.lower, c.upper, c.method), (0, Some(6), Method::Exact));
    // (01, Jan) is one unknown shared by both releases and reported for each.
    let jan_new = new.find(&["01", "2024-01"]).unwrap();
    let jan_old = old.find(&["01", "2024-01"]).unwrap();
    let a = joint
        .cells
        .iter()
        .find(|c| c.layer == 0 && c.cell == jan_new)
        .unwrap();
    let b = joint
        .cells
        .iter()
        .find(|c| c.layer == 1 && c.cell == jan_old)
        .unwrap();
    assert_eq!((a.lower, a.upper), (0, Some(6)));
    assert_eq!((b.lower, b.upper), (0, Some(6)));
}

#[test]
fn a_new_sensitive_cell_in_a_revision_is_protected_jointly() {
    // March of 02 is revised from 9 to 2: newly sensitive. Its protection must
    // hold against both releases.
    let (old, old_p) = first_release();
    let new = release([[5, 1, 6], [7, 8, 2]]);
    let p = protect_revision(&new, &[old_p.publication(&old)], &Rules::default()).unwrap();
    assert!(p.status()[new.find(&["02", "2024-03"]).unwrap()] == Status::Primary);
    let joint = audit(
        &[p.publication(&new), old_p.publication(&old)],
        &Rules::default(),
    )
    .unwrap();
    assert!(joint.passed(), "{:?}", joint.failures().collect::<Vec<_>>());
    // Protecting the same release again gives the same pattern.
    let again = protect_revision(&new, &[old_p.publication(&old)], &Rules::default()).unwrap();
    assert_eq!(p.suppressed(), again.suppressed());
}

#[test]
fn a_cell_published_before_cannot_be_protected_now() {
    // Suppose the earlier release published everything (say under a lower
    // threshold). The same count of 1 cannot be hidden again.
    let old = release(FIRST);
    let everything = vec![false; old.len()];
    let new = release(FIRST);
    let result = protect_revision(
        &new,
        &[Publication {
            release: &old,
            suppressed: &everything,
        }],
        &Rules::default(),
    );
    match result {
        Err(Error::CannotProtect(cells)) => assert_eq!(cells[0], ["01", "2024-02"]),
        other => panic!("expected CannotProtect, got {other:?}"),
    }
}
