//! Random and controlled rounding: multiples of the base, unbiased, and (for
//! controlled rounding) still additive.

mod common;

use common::{cell, two_way};
use evident_disclosure::{
    Error, Hierarchy, Release, ReleaseBuilder, TOTAL, controlled_rounding, random_rounding,
};

//         F    M    N   _T
// R1      1    7   13   21
// R2      4    5    2   11
// R3     11    0    9   20
// _T     16   12   24   52
fn table() -> Release {
    two_way(
        "area",
        &["R1", "R2", "R3"],
        "sex",
        &["F", "M", "N"],
        &[&[1, 7, 13], &[4, 5, 2], &[11, 0, 9]],
    )
}

#[test]
fn random_rounding_gives_adjacent_multiples_and_is_reproducible() {
    let release = table();
    for base in [3u64, 5] {
        let a = random_rounding(&release, base, 42).unwrap();
        assert_eq!(a, random_rounding(&release, base, 42).unwrap());
        for (id, &r) in a.iter().enumerate() {
            let x = release.cell(id).count;
            assert_eq!(r % base, 0);
            assert!(
                r == x / base * base || r == x.div_ceil(base) * base,
                "{x} -> {r}"
            );
            if x.is_multiple_of(base) {
                assert_eq!(r, x);
            }
        }
    }
}

#[test]
fn random_rounding_is_unbiased_over_seeds() {
    // A count of 7 in base 5 rounds to 10 with probability 2/5 and to 5 with
    // probability 3/5: mean 7, variance 0.4 * 0.6 * 25 = 6. Over 20 000 seeds the
    // mean's standard error is sqrt(6 / 20000) = 0.017; allow 5 of them.
    let release = table();
    let id = release.find(&["R1", "M"]).unwrap();
    assert_eq!(release.cell(id).count, 7);
    let n = 20_000u64;
    let sum: u64 = (0..n)
        .map(|seed| random_rounding(&release, 5, seed).unwrap()[id])
        .sum();
    let mean = sum as f64 / n as f64;
    assert!(
        (mean - 7.0).abs() < 5.0 * (6.0f64 / n as f64).sqrt(),
        "mean {mean}"
    );
}

#[test]
fn random_rounding_of_a_cell_does_not_depend_on_the_other_cells() {
    let one = table();
    let other = two_way(
        "area",
        &["R1", "R2", "R3"],
        "sex",
        &["F", "M", "N"],
        &[&[1, 7, 14], &[4, 5, 2], &[11, 0, 9]],
    );
    let a = random_rounding(&one, 3, 9).unwrap();
    let b = random_rounding(&other, 3, 9).unwrap();
    let id = one.find(&["R2", "F"]).unwrap();
    assert_eq!(a[id], b[other.find(&["R2", "F"]).unwrap()]);
}

fn check_controlled(release: &Release, rounded: &[u64], base: u64) {
    for (id, &r) in rounded.iter().enumerate() {
        let x = release.cell(id).count;
        assert_eq!(r % base, 0, "cell {:?}", release.codes(id));
        assert!(
            r == x / base * base || r == x.div_ceil(base) * base,
            "{x} -> {r}"
        );
    }
    // Every generated equation (row, column, totals) still holds.
    for e in 0..release.equation_count() {
        let eq = release.equation(e);
        let parts: u64 = eq[1..].iter().map(|&c| rounded[c as usize]).sum();
        assert_eq!(rounded[eq[0] as usize], parts, "equation {e}");
    }
}

#[test]
fn controlled_rounding_keeps_the_table_additive() {
    let release = table();
    for base in [3u64, 5] {
        for seed in 0..200 {
            let rounded = controlled_rounding(&release, base, seed).unwrap();
            check_controlled(&release, &rounded, base);
        }
    }
}

#[test]
fn controlled_rounding_is_unbiased_over_seeds() {
    // Cox (1987): each cell's expected rounded value is its true value. Check the
    // grand total 52 (base 5: 50 or 55) and an interior cell 13 (10 or 15); each
    // has standard deviation at most 2.5, so over 4000 seeds the mean is within
    // 5 standard errors (5 * 2.5 / sqrt(4000) = 0.2) of the truth.
    let release = table();
    let n = 4000u64;
    let ids = [
        release.find(&[TOTAL, TOTAL]).unwrap(),
        release.find(&["R1", "N"]).unwrap(),
    ];
    let mut sums = [0u64; 2];
    for seed in 0..n {
        let r = controlled_rounding(&release, 5, seed).unwrap();
        sums[0] += r[ids[0]];
        sums[1] += r[ids[1]];
    }
    let means = [sums[0] as f64 / n as f64, sums[1] as f64 / n as f64];
    assert!((means[0] - 52.0).abs() < 0.2, "{means:?}");
    assert!((means[1] - 13.0).abs() < 0.2, "{means:?}");
}

#[test]
fn controlled_rounding_of_a_one_way_table() {
    // 4, 4, 4 with total 12 in base 3: each part becomes 3 or 6, the total (a
    // multiple already) stays 12, so the parts must be 3, 3 and 6 in some order.
    let area = Hierarchy::flat("area", &["A", "B", "C"]).unwrap();
    let mut b = ReleaseBuilder::new(vec![area]).unwrap();
    for code in ["A", "B", "C"] {
        b.add(&[code], cell(4)).unwrap();
    }
    b.add(&[TOTAL], cell(12)).unwrap();
    let release = b.build().unwrap();
    for seed in 0..50 {
        let r = controlled_rounding(&release, 3, seed).unwrap();
        check_controlled(&release, &r, 3);
        let mut parts: Vec<u64> = ["A", "B", "C"]
            .iter()
            .map(|c| r[release.find(&[c]).unwrap()])
            .collect();
        parts.sort();
        assert_eq!(parts, [3, 3, 6]);
        assert_eq!(r[release.find(&[TOTAL]).unwrap()], 12);
    }
}

#[test]
fn controlled_rounding_refuses_what_it_cannot_guarantee() {
    let mut area = Hierarchy::new("area");
    area.add("R1", TOTAL).unwrap();
    area.add("D1", "R1").unwrap();
    let mut b = ReleaseBuilder::new(vec![area]).unwrap();
    for code in [TOTAL, "R1", "D1"] {
        b.add(&[code], cell(4)).unwrap();
    }
    let deep = b.build().unwrap();
    assert!(matches!(
        controlled_rounding(&deep, 3, 1),
        Err(Error::RoundingUnsupported(_))
    ));
    assert!(matches!(
        random_rounding(&deep, 1, 1),
        Err(Error::InvalidRules(_))
    ));
    let dims = ["a", "b", "c"]
        .map(|n| Hierarchy::flat(n, &["X"]).unwrap())
        .to_vec();
    let mut b = ReleaseBuilder::new(dims).unwrap();
    b.add(&[TOTAL, TOTAL, TOTAL], cell(1)).unwrap();
    assert!(matches!(
        controlled_rounding(&b.build().unwrap(), 3, 1),
        Err(Error::RoundingUnsupported(_))
    ));
}
