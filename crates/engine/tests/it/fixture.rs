//! A tiny country: two regions, three districts, 10,000 people, seven offences.
//!
//! ```text
//! R1 ── D11 (2,000: M 1,000 F 1,000, all aged 15–29)
//!    └─ D12 (3,000: M 1,500 F 1,500, all aged 30–44)
//! R2 ── D21 (5,000: M 2,500 F 2,500, all aged 45–59)        same in 2021 and 2022
//!
//! offence  district recorded    ICCS    national case  persons
//! o1       D11      2021-01-10  0101    N101     C1    victim v1 (M 25), suspect s1 (M 30)
//! o2       D11      2021-03-05  020111  N201     C2    victim v2 (F 40), suspect s1
//! o3       D12      2021-03-20  0501    N501     C3    suspect p9 (M 20)
//! o4       D21      2021-07-01  050121  N512     -     -
//! o5       D21      2021-07-15  (unmapped) N999  -     -
//! o7       D12      2021-05-05  0502    N211     C6    -
//! o6       D21      2022-02-01  0101    N101     -     victim v3 (F 50, journalist)
//! o8       D21      2022-12-31  05029   N211     -     -          (the data run to 2022-12-31)
//!
//! court: C1 s1 N101 offence 2021-01-10 prosecuted 2021-02-01 decided 2021-06-01 convicted custody 24 months
//!        C2 s1 N201 offence 2021-03-05 prosecuted 2021-04-01 decided 2021-08-01 convicted custody 6 months
//!        C3 p9 N501 offence 2021-03-20 prosecuted 2021-05-01 decided 2021-09-01 convicted fine
//!        C4 p9 N211 offence 2022-03-01 prosecuted 2022-06-01 decided 2022-12-01 convicted fine   (reoffence)
//!        C6 p5 N211 offence 2021-05-05 prosecuted 2021-06-01 decided 2021-10-01 convicted community
//!        C5 p7 N211 offence 2023-01-01 prosecuted 2023-02-01 decided 2023-07-01 acquitted
//! prison (facility F1 in R1, capacity 10):
//!        s1 admission 2021-02-01 unsentenced; status_change 2021-06-01 sentenced; release 2022-06-01 sentenced
//!        p8 admission 2021-11-01 unsentenced
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::prelude::{CsvReadOptions, SessionContext};
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
o8,police,2022-12-31,2022-12-30,D21,N211,Theft,false,,,false,,05029,mapped,1
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

/// Writes every table as Parquet under `dir` and returns the sources.
pub async fn write_country(dir: &Path) -> Sources {
    std::fs::create_dir_all(dir).expect("fixture directory");
    let ctx = SessionContext::new();
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
        let csv_path = dir.join(format!("{name}.csv"));
        std::fs::write(&csv_path, csv).expect("write csv");
        let frame = ctx
            .read_csv(
                csv_path.to_string_lossy().as_ref(),
                CsvReadOptions::new()
                    .schema(schema.as_ref())
                    .has_header(true),
            )
            .await
            .expect("read csv");
        let batches = frame.collect().await.expect("collect");
        let parquet: PathBuf = dir.join(format!("{name}.parquet"));
        evident_engine::output::write_parquet(&parquet, Arc::clone(&schema), &batches)
            .expect("parquet");
        sources = sources.with(name, vec![parquet], schema);
    }
    sources
}

/// An engine over the tiny country, on the given target.
pub async fn engine(dir: &Path, target: &str) -> Engine {
    engine_with(dir, target, |_| {}).await
}

/// The tiny country on an engine with adjusted options.
pub async fn engine_with(
    dir: &Path,
    target: &str,
    adjust: impl FnOnce(&mut EngineOptions),
) -> Engine {
    let sources = write_country(dir).await;
    let mut options = EngineOptions::local(dir.join("scratch"));
    options.target = target.parse().expect("engine target");
    adjust(&mut options);
    let engine = Engine::start(&options).await.expect("engine");
    engine.register_sources(&sources).await.expect("register");
    engine
}

/// Computes one indicator with the given `--by` breakdown (None: standard).
pub async fn compute(engine: &Engine, id: &str, by: Option<&str>) -> Vec<IndicatorTable> {
    let request = ComputeRequest {
        indicators: vec![id.to_owned()],
        breakdown: by.map(|b| b.parse().expect("breakdown")),
        ..ComputeRequest::default()
    };
    evident_engine::compute(engine, &request)
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"))
}
