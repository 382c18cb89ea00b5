//! The engine's tiny test country (two regions, three districts, seven
//! offences; see `crates/engine/tests/it/fixture.rs`), computed by the engine
//! and handed to the release builder as it would be by `evident publish`.

use std::path::Path;
use std::sync::Arc;

use evident_engine::tables::{self, canonical_schema};
use evident_engine::{ComputeRequest, Engine, EngineOptions, IndicatorTable, Sources};

const AREAS: &str = "area_code,name,level,parent_code
R1,Region One,1,
R2,Region Two,1,
D11,District 11,2,R1
D12,District 12,2,R1
D21,District 21,2,R2
";

const POPULATION: &str = "area_code,year,sex,age_group,population
D11,2021,M,Y15T29,1000
D11,2021,F,Y15T29,1000
D12,2021,M,Y30T44,1500
D12,2021,F,Y30T44,1500
D21,2021,M,Y45T59,2500
D21,2021,F,Y45T59,2500
D11,2022,M,Y15T29,1000
D11,2022,F,Y15T29,1000
D12,2022,M,Y30T44,1500
D12,2022,F,Y30T44,1500
D21,2022,M,Y45T59,2500
D21,2022,F,Y45T59,2500
";

const OFFENCES: &str = "record_id,source,recorded_date,occurred_date,area_code,national_code,description,attempted,weapon,location_type,cyber,case_id,iccs_code,mapping_status,mapping_version
o1,police,2021-01-10,2021-01-09,D11,N101,Murder,false,2,2,false,C1,0101,mapped,1
o2,police,2021-03-05,2021-03-05,D11,N201,Grievous bodily harm,false,,,false,C2,020111,mapped,1
o3,police,2021-03-20,2021-03-01,D12,N501,Burglary,false,,,false,C3,0501,mapped,1
o4,police,2021-07-01,2021-07-01,D21,N512,Burglary of a dwelling,false,,,false,,050121,mapped,1
o5,police,2021-07-15,2021-07-15,D21,N999,Unknown,false,,,false,,,unmapped,1
o7,police,2021-05-05,2021-05-05,D12,N211,Theft,false,,,false,C6,0502,mapped,1
o6,police,2022-02-01,2022-01-31,D21,N101,Murder,false,,,false,,0101,mapped,1
";

const PERSONS: &str =
    "person_id,role,record_id,sex,age,age_group,citizenship,relationship,occupation,exploitation
v1,victim,o1,M,25,Y15T29,national,10,other,
s1,suspect,o1,M,30,Y30T44,national,,,
v2,victim,o2,F,40,Y30T44,national,6,other,
s1,suspect,o2,M,30,Y30T44,national,,,
p9,suspect,o3,M,20,Y15T29,national,,,
v3,victim,o6,F,50,Y45T59,national,10,journalist,
";

const COURT: &str = "case_id,person_id,offence_date,prosecution_date,decision_date,national_code,outcome,sentence_type,sentence_months
C1,s1,2021-01-10,2021-02-01,2021-06-01,N101,convicted,custody,24
C2,s1,2021-03-05,2021-04-01,2021-08-01,N201,convicted,custody,6
C3,p9,2021-03-20,2021-05-01,2021-09-01,N501,convicted,fine,
C4,p9,2022-03-01,2022-06-01,2022-12-01,N211,convicted,fine,
C6,p5,2021-05-05,2021-06-01,2021-10-01,N211,convicted,community,
C5,p7,2023-01-01,2023-02-01,2023-07-01,N211,acquitted,none,
";

const PRISON: &str = "person_id,facility_id,event_date,event,status
s1,F1,2021-02-01,admission,unsentenced
s1,F1,2021-06-01,status_change,sentenced
s1,F1,2022-06-01,release,sentenced
p8,F1,2021-11-01,admission,unsentenced
";

const FACILITIES: &str = "facility_id,name,area_code,capacity,valid_from
F1,Central Prison,R1,10,2020-01-01
";

/// Writes the canonical tables as Parquet (read from CSV with the canonical
/// schemas, so codes stay text) and returns them as the engine's sources.
fn write_country(dir: &Path) -> Sources {
    std::fs::create_dir_all(dir).expect("fixture directory");
    let mut sources = Sources::default();
    for (name, csv) in [
        (tables::AREAS, AREAS),
        (tables::POPULATION, POPULATION),
        (tables::OFFENCES, OFFENCES),
        (tables::PERSONS, PERSONS),
        (tables::COURT_DECISIONS, COURT),
        (tables::PRISON_EVENTS, PRISON),
        (tables::FACILITIES, FACILITIES),
    ] {
        let schema = canonical_schema(name).expect("canonical table");
        let reader = arrow::csv::ReaderBuilder::new(Arc::clone(&schema))
            .with_header(true)
            .build(csv.as_bytes())
            .expect("csv reader");
        let batches: Vec<_> = reader.map(|b| b.expect("csv batch")).collect();
        let parquet = dir.join(format!("{name}.parquet"));
        evident_engine::output::write_parquet(&parquet, Arc::clone(&schema), &batches)
            .expect("parquet");
        sources = sources.with(name, vec![parquet], schema);
    }
    sources
}

/// The engine's standard set of tables for the tiny country.
pub async fn standard_tables(dir: &Path) -> Vec<IndicatorTable> {
    tables(dir, &[], None).await
}

/// Some indicators (none: the standard set) with a `--by` breakdown.
pub async fn tables(dir: &Path, indicators: &[&str], by: Option<&str>) -> Vec<IndicatorTable> {
    let sources = write_country(&dir.join("store"));
    let engine = Engine::start(&EngineOptions::local(dir.join("scratch")))
        .await
        .expect("engine");
    engine.register_sources(&sources).await.expect("register");
    let request = ComputeRequest {
        indicators: indicators.iter().map(|i| (*i).to_owned()).collect(),
        breakdown: by.map(|b| b.parse().expect("breakdown")),
        // Up to the last court decision, so that 2022 (with its one homicide, of
        // a journalist) is computed although the police data end in February.
        to: Some("2023".parse().expect("period")),
        ..ComputeRequest::default()
    };
    evident_engine::compute(&engine, &request)
        .await
        .expect("compute")
}
