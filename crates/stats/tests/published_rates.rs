//! Rates per 100,000 against figures published by the Maryland Statewide Vital
//! Crime Statistics (shared/data/maryland-crime-by-county-1975-2020, see SOURCE.md).
//! Published rates are rounded to one decimal, so each must agree within 0.05.

use std::path::PathBuf;

use evident_stats::{RateMethod, poisson_rate_interval};

fn data_file() -> PathBuf {
    // The shared folder sits beside the repository (locally and in CI).
    let base = std::env::var_os("EVIDENT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/real"));
    base.join("maryland-crime-by-county-1975-2020/MD_Crime_Data.csv")
}

#[test]
fn every_published_maryland_rate_is_reproduced() {
    let path = data_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); set EVIDENT_SHARED_DATA to the shared data folder",
            path.display()
        )
    });
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    // The header quotes names containing commas; split it with that in mind.
    let mut names = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for ch in header.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => names.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    names.push(current);
    let col = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let pairs = [
        (
            "VIOLENT CRIME TOTAL",
            "VIOLENT CRIME RATE PER 100,000 PEOPLE",
        ),
        ("MURDER", "MURDER PER 100,000 PEOPLE"),
        ("ROBBERY", "ROBBERY PER 100,000 PEOPLE"),
        (
            "PROPERTY CRIME TOTALS",
            "PROPERTY CRIME RATE PER 100,000 PEOPLE",
        ),
    ];
    let pop = col("POPULATION");
    let mut checked = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let population: f64 = f[pop].parse().expect("population");
        for (count_col, rate_col) in pairs {
            let count: u64 = f[col(count_col)].parse().expect("count");
            let published: f64 = f[col(rate_col)].parse().expect("rate");
            let r =
                poisson_rate_interval(count, population, 100_000.0, 0.95, RateMethod::ExactPoisson)
                    .expect("interval");
            assert!(
                (r.rate - published).abs() <= 0.05 + 1e-9,
                "{line}: {count_col} rate {} vs published {published}",
                r.rate
            );
            assert!(
                r.lower <= r.rate
                    && r.rate <= r.upper
                    && r.lower.is_finite()
                    && r.upper.is_finite()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 1104 * 4, "24 jurisdictions × 46 years × 4 rates");
}
