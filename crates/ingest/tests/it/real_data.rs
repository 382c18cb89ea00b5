//! Real files from `shared/data` (see each SOURCE.md), with the expected counts
//! computed independently with Python's csv module:
//!
//! ```text
//! rows = list(csv.DictReader(open('2017-07-west-yorkshire-street.csv', encoding='utf-8-sig')))
//! bad = [r for r in rows if not r['Crime ID'] or not r['LSOA code'] or r['LSOA code'] not in lsoas]
//! # 28537 rows; 5955 without Crime ID, 1541 without LSOA, 43 without both → 7453 bad, 21084 good, 0 duplicate ids
//! ```

use std::path::PathBuf;

use evident_store::RecordKind;

use crate::support::{Env, stored_rows};

/// A real data file: from `EVIDENT_SHARED_DATA` if set, else the copy in the
/// repository's `tests/data/real` (large files kept zstd-compressed, which the
/// reader recognises by their magic bytes).
fn shared_data(path: &str) -> PathBuf {
    let base = std::env::var_os("EVIDENT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/real"));
    let plain = base.join(path);
    let file = if plain.exists() {
        plain
    } else {
        base.join(format!("{path}.zst"))
    };
    assert!(
        file.exists(),
        "test data {} is missing: set EVIDENT_SHARED_DATA to the shared/data folder",
        file.display()
    );
    file
}

#[tokio::test]
async fn west_yorkshire_street_crime_reconciles_with_python() {
    let env = Env::empty().await;
    let lsoa = r#"
kind = "area"
[columns.area_code]
from = "LSOA Code"
[columns.name]
from = "LSOA Name"
[columns.level]
value = "3"
[columns.parent_code]
from = "MSOA Code"
"#;
    let areas = env
        .ingest_path(
            lsoa,
            &shared_data("uk-police-west-yorkshire-2017-07/lsoa_to_police_force_lookup.csv"),
        )
        .await
        .unwrap();
    let evident_ingest::Outcome::Stored {
        batch: areas,
        summary,
    } = areas
    else {
        panic!("areas not stored")
    };
    assert_eq!((areas.rows_read, areas.rows_stored), (32_844, 32_844));
    assert_eq!(
        summary.ignored,
        [
            "",
            "Region code",
            "Region name",
            "Local authority code",
            "Local authority name",
            "MSOA Name",
            "Police_force"
        ]
    );

    let street = r#"
kind = "offence"
[columns.record_id]
from = "Crime ID"
[columns.source]
from = "Reported by"
[columns.recorded_date]
from = "Month"
format = "%Y-%m"
[columns.area_code]
from = "LSOA code"
[columns.description]
from = "Crime type"
"#;
    let crimes = env
        .ingest_path(
            street,
            &shared_data("uk-police-west-yorkshire-2017-07/2017-07-west-yorkshire-street.csv"),
        )
        .await
        .unwrap();
    let evident_ingest::Outcome::Stored { batch, summary } = crimes else {
        panic!("crimes not stored")
    };
    assert_eq!(
        (
            batch.rows_read,
            batch.rows_stored,
            batch.rows_quarantined,
            batch.rows_duplicate
        ),
        (28_537, 21_084, 7_453, 0)
    );
    assert_eq!(summary.problems_by_column.get("Crime ID"), Some(&5_955));
    assert_eq!(summary.problems_by_column.get("LSOA code"), Some(&1_541));
    assert_eq!(summary.partitions.get("2017"), Some(&21_084));
    let rows = stored_rows(&env.ws, RecordKind::Offence).await;
    assert!(
        rows.iter()
            .all(|r| r[2] == "2017-07-01" && r[1] == "West Yorkshire Police")
    );
}

#[tokio::test]
async fn maryland_counties_dedupe_and_populations_load() {
    let env = Env::empty().await;
    let file = shared_data("maryland-crime-by-county-1975-2020/MD_Crime_Data.csv");
    // 24 jurisdictions, each on 46 rows (1975–2020): the area list keeps the first
    // row of each and counts the other 45 × 24 = 1,080 as duplicates.
    let area = r#"
kind = "area"
[columns.area_code]
from = "JURISDICTION"
[columns.name]
from = "JURISDICTION"
[columns.level]
value = "2"
"#;
    let (batch, _) = env.stored_path(area, &file).await;
    assert_eq!(
        (batch.rows_read, batch.rows_stored, batch.rows_duplicate),
        (1_104, 24, 1_080)
    );
    let population = r#"
kind = "population"
[columns.area_code]
from = "JURISDICTION"
[columns.year]
from = "YEAR"
[columns.sex]
value = "U"
[columns.age_group]
value = "U"
[columns.population]
from = "POPULATION"
"#;
    let (batch, _) = env.stored_path(population, &file).await;
    assert_eq!((batch.rows_read, batch.rows_stored), (1_104, 1_104));
    let rows = stored_rows(&env.ws, RecordKind::Population).await;
    // SOURCE.md check value: Baltimore City 2019, population 597,239.
    let baltimore = rows
        .iter()
        .find(|r| r[0] == "Baltimore City" && r[1] == "2019")
        .unwrap();
    assert_eq!(baltimore[4], "597239");
    // Python: sum of POPULATION over the 24 rows of 2020 = 6,055,802.
    let total: i64 = rows
        .iter()
        .filter(|r| r[1] == "2020")
        .map(|r| r[4].parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 6_055_802);
}
