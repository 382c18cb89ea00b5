//! SDG 16.1.1 against published figures: Maryland's murder rates per 100,000
//! (Governor's Office of Crime Prevention, Youth, and Victim Services, "Violent
//! Crime & Property Crime by County: 1975 to Present"; copy and provenance in
//! `tests/data/real/maryland-crime-by-county-1975-2020/SOURCE.md`). Every murder of
//! the published counts becomes one intentional-homicide offence with one victim;
//! the engine's rate must equal the published one to its rounding (one decimal).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::prelude::{CsvReadOptions, SessionContext};
use evident_engine::tables::{self, canonical_schema};
use evident_engine::{ComputeRequest, Engine, EngineOptions, Sources};

const JURISDICTIONS: &[&str] = &[
    "Allegany County",
    "Baltimore City",
    "Prince George's County",
    "Montgomery County",
];
const YEARS: &[&str] = &["2016", "2017", "2018", "2019", "2020"];

struct Published {
    code: String,
    year: String,
    population: u64,
    murders: u64,
    rate: f64,
}

fn published() -> Vec<Published> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/real/maryland-crime-by-county-1975-2020/MD_Crime_Data.csv");
    let mut reader = csv::Reader::from_path(&path).expect("Maryland data");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (j, y, p, m, r) = (
        column("JURISDICTION"),
        column("YEAR"),
        column("POPULATION"),
        column("MURDER"),
        column("MURDER PER 100,000 PEOPLE"),
    );
    reader
        .records()
        .map(|row| row.expect("row"))
        .filter(|row| JURISDICTIONS.contains(&&row[j]) && YEARS.contains(&&row[y]))
        .map(|row| Published {
            code: format!(
                "MD{:02}",
                JURISDICTIONS
                    .iter()
                    .position(|x| *x == &row[j])
                    .unwrap_or(0)
            ),
            year: row[y].to_owned(),
            population: row[p].parse().expect("population"),
            murders: row[m].parse().expect("murders"),
            rate: row[r].parse().expect("rate"),
        })
        .collect()
}

async fn write(
    ctx: &SessionContext,
    dir: &Path,
    name: &str,
    csv: &str,
) -> (
    Vec<std::path::PathBuf>,
    Arc<datafusion::arrow::datatypes::Schema>,
) {
    let schema = canonical_schema(name).expect("schema");
    let csv_path = dir.join(format!("{name}.csv"));
    std::fs::write(&csv_path, csv).expect("csv");
    let batches = ctx
        .read_csv(
            csv_path.to_string_lossy().as_ref(),
            CsvReadOptions::new().schema(schema.as_ref()),
        )
        .await
        .expect("read")
        .collect()
        .await
        .expect("collect");
    let parquet = dir.join(format!("{name}.parquet"));
    evident_engine::output::write_parquet(&parquet, Arc::clone(&schema), &batches)
        .expect("parquet");
    (vec![parquet], schema)
}

#[tokio::test]
async fn homicide_rates_equal_marylands_published_murder_rates() {
    let rows = published();
    assert_eq!(rows.len(), JURISDICTIONS.len() * YEARS.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = SessionContext::new();
    let mut areas = String::from("area_code,name,level,parent_code\nMD,Maryland,1,\n");
    for (i, name) in JURISDICTIONS.iter().enumerate() {
        areas.push_str(&format!("MD{i:02},\"{name}\",2,MD\n"));
    }
    let mut population = String::from("area_code,year,sex,age_group,population\n");
    let mut offences = String::from(
        "record_id,source,recorded_date,occurred_date,area_code,national_code,description,attempted,weapon,location_type,cyber,case_id,iccs_code,mapping_status,mapping_version\n",
    );
    let mut persons = String::from(
        "person_id,role,record_id,sex,age,age_group,citizenship,relationship,occupation,exploitation\n",
    );
    for row in &rows {
        population.push_str(&format!(
            "{},{},U,U,{}\n",
            row.code, row.year, row.population
        ));
        for k in 0..row.murders {
            let id = format!("{}-{}-{k}", row.code, row.year);
            offences.push_str(&format!(
                "{id},UCR,{}-06-30,,{},MURDER,Murder,false,,,false,,0101,mapped,1\n",
                row.year, row.code
            ));
            persons.push_str(&format!("v{id},victim,{id},U,,U,,,,\n"));
        }
    }
    let mut sources = Sources::default();
    for (name, csv) in [
        (tables::AREAS, areas.as_str()),
        (tables::POPULATION, population.as_str()),
        (tables::OFFENCES, offences.as_str()),
        (tables::PERSONS, persons.as_str()),
        (
            tables::COURT_DECISIONS,
            "case_id,person_id,offence_date,prosecution_date,decision_date,national_code,outcome,sentence_type,sentence_months\n",
        ),
        (
            tables::PRISON_EVENTS,
            "person_id,facility_id,event_date,event,status\n",
        ),
        (
            tables::FACILITIES,
            "facility_id,name,area_code,capacity,valid_from\n",
        ),
    ] {
        let (files, schema) = write(&ctx, dir.path(), name, csv).await;
        sources = sources.with(name, files, schema);
    }
    let engine = Engine::start(&EngineOptions::local(dir.path().join("scratch")))
        .await
        .expect("engine");
    engine.register_sources(&sources).await.expect("register");
    let request = ComputeRequest {
        indicators: vec!["sdg_16_1_1".into()],
        breakdown: Some("area:2,period:year".parse().expect("breakdown")),
        to: Some("2020".parse().expect("period")),
        ..ComputeRequest::default()
    };
    let table = &evident_engine::compute(&engine, &request)
        .await
        .expect("compute")[0];
    let rates: BTreeMap<(String, String), Option<f64>> = (0..table.rows())
        .map(|r| {
            let key = (
                table.text("area").expect("area")[r].to_string(),
                table.text("period").expect("period")[r].to_string(),
            );
            (key, table.floats("rate_per_100k").expect("rate")[r])
        })
        .collect();
    let mut checked = 0;
    for row in &rows {
        if row.murders == 0 {
            // No victims, no row: Allegany County 2019 publishes 0.
            assert!(!rates.contains_key(&(row.code.clone(), row.year.clone())));
            continue;
        }
        let rate = rates[&(row.code.clone(), row.year.clone())].expect("a rate");
        assert!(
            (rate - row.rate).abs() <= 0.05 + 1e-9,
            "{} {}: {rate} vs published {}",
            row.code,
            row.year,
            row.rate
        );
        checked += 1;
    }
    assert!(checked >= 18, "{checked} rates checked");
    // The check value of SOURCE.md: Baltimore City 2019, 348 murders, 58.3 per 100,000.
    let baltimore = rates[&("MD01".to_owned(), "2019".to_owned())].expect("Baltimore 2019");
    assert!((baltimore - 58.3).abs() < 0.05, "{baltimore}");
}
