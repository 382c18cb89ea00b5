//! Count series from the store and early warning over them, on small stores
//! whose every count is written out by hand below.

use std::path::Path;
use std::sync::Arc;

use datafusion::prelude::{CsvReadOptions, SessionContext};
use evident_engine::series::{AreaLevel, SeriesFrequency, SeriesKey, SeriesRequest, count_series};
use evident_engine::tables::{self, canonical_schema};
use evident_engine::trends::{Direction, TrendsRequest, trends};
use evident_engine::{DateBasis, Engine, EngineOptions, Sources};

const AREAS: &str = "area_code,name,level,parent_code
R1,Region One,1,
R2,Region Two,1,
D11,District 11,2,R1
D12,District 12,2,R1
D21,District 21,2,R2
";

const HEADER: &str = "record_id,source,recorded_date,occurred_date,area_code,national_code,description,attempted,weapon,location_type,cyber,case_id,iccs_code,mapping_status,mapping_version\n";

/// Eight offences, January to May 2021, none in April:
///
/// ```text
/// r1 D11 recorded 2021-01-10 occurred 2021-01-09 050121
/// r2 D11          2021-02-03          2021-01-28 050121   (recorded a month late)
/// r3 D12          2021-02-15          2021-02-15 0501     (burglary, not further specified)
/// r4 D21          2021-03-01          2020-12-30 050211   (occurred before the data begin)
/// r5 D21          2021-03-31          -          0101     (no occurrence date)
/// r6 D11          2021-03-20          2021-03-02 -        (not classifiable)
/// r7 D12          2021-05-02          2021-03-15 050122   (recorded two months late)
/// r8 D21          2021-05-31          2021-05-31 050121   (the last day of the data)
/// ```
const EIGHT: &[(&str, &str, &str, &str, &str)] = &[
    ("r1", "D11", "2021-01-10", "2021-01-09", "050121"),
    ("r2", "D11", "2021-02-03", "2021-01-28", "050121"),
    ("r3", "D12", "2021-02-15", "2021-02-15", "0501"),
    ("r4", "D21", "2021-03-01", "2020-12-30", "050211"),
    ("r5", "D21", "2021-03-31", "", "0101"),
    ("r6", "D11", "2021-03-20", "2021-03-02", ""),
    ("r7", "D12", "2021-05-02", "2021-03-15", "050122"),
    ("r8", "D21", "2021-05-31", "2021-05-31", "050121"),
];

/// Offence rows as CSV: (id, district, recorded, occurred, ICCS code).
pub fn offences_csv(rows: &[(&str, &str, &str, &str, &str)]) -> String {
    let mut csv = HEADER.to_owned();
    for (id, district, recorded, occurred, code) in rows {
        let status = if code.is_empty() {
            "unmapped"
        } else {
            "mapped"
        };
        csv.push_str(&format!(
            "{id},police,{recorded},{occurred},{district},N1,,false,,,false,,{code},{status},1\n"
        ));
    }
    csv
}

/// Writes the tables as Parquet under `dir` and starts a local engine over them.
pub async fn store(dir: &Path, offences: &str, population: &str) -> Engine {
    std::fs::create_dir_all(dir).expect("store directory");
    let ctx = SessionContext::new();
    let mut sources = Sources::default();
    let population = format!("area_code,year,sex,age_group,population\n{population}");
    for (name, csv) in [
        (tables::AREAS, AREAS),
        (tables::OFFENCES, offences),
        (tables::POPULATION, population.as_str()),
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
        let parquet = dir.join(format!("{name}.parquet"));
        evident_engine::output::write_parquet(&parquet, Arc::clone(&schema), &batches)
            .expect("parquet");
        sources = sources.with(name, vec![parquet], schema);
    }
    let engine = Engine::start(&EngineOptions::local(dir.join("scratch")))
        .await
        .expect("engine");
    engine.register_sources(&sources).await.expect("register");
    engine
}

fn key(level: u8, code: &str, area_level: AreaLevel, area: &str) -> SeriesKey {
    SeriesKey {
        iccs_level: level,
        iccs: code.to_owned(),
        area_level,
        area: area.to_owned(),
    }
}

/// Compares series with NaN (a gap) equal to NaN.
fn same(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(a, b)| (a.is_nan() && b.is_nan()) || a == b)
}

const NAN: f64 = f64::NAN;

#[tokio::test]
async fn monthly_series_add_up_by_category_area_and_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = store(dir.path(), &offences_csv(EIGHT), "").await;
    let mut request = SeriesRequest::monthly(vec![1, 2, 3, 4], AreaLevel::ALL.to_vec());
    let set = count_series(&engine, &request).await.expect("series");
    // January to May: the last recording date, 31 May, completes May. April
    // has no offence at all: a gap, missing in every series.
    assert_eq!(
        (set.calendar.label(0), set.calendar.len),
        ("2021-01".into(), 5)
    );
    assert_eq!(set.gaps, vec![3]);
    assert_eq!(set.districts, vec!["D11", "D12", "D21"]);
    let counts = |k: SeriesKey| {
        set.get(&k)
            .unwrap_or_else(|| panic!("no series {k:?}"))
            .counts
            .clone()
    };
    use AreaLevel::{District, National, Region};
    // By recording month (r6 is not classifiable and counts nowhere):
    // 0501 = r1 (Jan), r2 r3 (Feb), r7 r8 (May).
    let cases: Vec<(SeriesKey, Vec<f64>)> = vec![
        (
            key(2, "0501", National, "_T"),
            vec![1.0, 2.0, 0.0, NAN, 2.0],
        ),
        (key(2, "0501", Region, "R1"), vec![1.0, 2.0, 0.0, NAN, 1.0]),
        (key(2, "0501", Region, "R2"), vec![0.0, 0.0, 0.0, NAN, 1.0]),
        (key(1, "05", National, "_T"), vec![1.0, 2.0, 1.0, NAN, 2.0]),
        // r3 is coded 0501 itself: at level 3 it is "0501, not further specified".
        (
            key(3, "0501_NFS", District, "D12"),
            vec![0.0, 1.0, 0.0, NAN, 0.0],
        ),
        (
            key(3, "05012", National, "_T"),
            vec![1.0, 1.0, 0.0, NAN, 2.0],
        ),
        (
            key(4, "050121", District, "D11"),
            vec![1.0, 1.0, 0.0, NAN, 0.0],
        ),
        (key(2, "0101", Region, "R2"), vec![0.0, 0.0, 1.0, NAN, 0.0]),
    ];
    for (k, want) in &cases {
        let got = counts(k.clone());
        assert!(same(&got, want), "{k:?}: {got:?} vs {want:?}");
    }
    // 0101 is not divided: it has no level-3 series.
    assert!(
        set.series
            .iter()
            .all(|s| !(s.key.iccs_level == 3 && s.key.iccs.starts_with("0101")))
    );

    // By occurrence (recording date when unknown): r4 occurred before the data
    // begin and is left out; 0501 = r1 r2 (Jan), r3 (Feb), r7 (Mar), r8 (May).
    request.date_basis = DateBasis::Occurred;
    request.max_delay = Some(2);
    request.iccs_levels = vec![2];
    request.area_levels = vec![National];
    let set = count_series(&engine, &request)
        .await
        .expect("series by occurrence");
    assert_eq!(set.gaps, vec![3]);
    let burglary = set.get(&key(2, "0501", National, "_T")).expect("0501");
    assert!(
        same(&burglary.counts, &[2.0, 1.0, 1.0, NAN, 1.0]),
        "{:?}",
        burglary.counts
    );
    // Row t holds the delays observed by May: 3, 3, 3, 2 and 1 cells. January:
    // r1 at delay 0, r2 at 1; February: r3 at 0; March: r7 at 2; May: r8 at 0.
    let triangle = burglary.triangle.as_ref().expect("triangle");
    let want: Vec<Vec<f64>> = vec![
        vec![1.0, 1.0, 0.0],
        vec![1.0, 0.0, 0.0],
        vec![0.0, 0.0, 1.0],
        vec![0.0, 0.0],
        vec![1.0],
    ];
    assert_eq!(triangle, &want);
    let homicide = set.get(&key(2, "0101", National, "_T")).expect("0101");
    assert!(
        same(&homicide.counts, &[0.0, 0.0, 1.0, NAN, 0.0]),
        "{:?}",
        homicide.counts
    );
    assert_eq!(
        homicide.triangle.as_ref().expect("triangle")[2],
        vec![1.0, 0.0, 0.0]
    );

    // A category filter keeps only its offences; a request past the data fails.
    request.category = Some("0101".into());
    let set = count_series(&engine, &request).await.expect("filtered");
    assert_eq!(set.series.len(), 1);
    request.until = Some("2021-06".into());
    let err = count_series(&engine, &request)
        .await
        .expect_err("until past the data");
    assert!(
        err.to_string().contains("complete only up to 2021-05"),
        "{err}"
    );
}

#[tokio::test]
async fn weekly_series_use_iso_weeks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = store(dir.path(), &offences_csv(EIGHT), "").await;
    let mut request = SeriesRequest::monthly(vec![2], vec![AreaLevel::National]);
    request.frequency = SeriesFrequency::Week;
    let set = count_series(&engine, &request).await.expect("weekly");
    // 2021-01-10 is the Sunday of 2021-W01 (4–10 January). The last recording
    // date, Monday 31 May, opens 2021-W22, which is incomplete: the series end
    // with W21 (24–30 May), and r8 is left out.
    assert_eq!(set.calendar.label(0), "2021-W01");
    assert_eq!(set.calendar.label(set.calendar.len - 1), "2021-W21");
    let burglary = set
        .get(&key(2, "0501", AreaLevel::National, "_T"))
        .expect("0501");
    // Recorded in W01 (r1, Sun 10 Jan), W05 (r2, Wed 3 Feb), W07 (r3, Mon 15 Feb)
    // and W17 (r7, Sun 2 May); weeks with some other offence are 0 (W09 r4,
    // W11 r6, W13 r5), weeks with none at all are gaps.
    let mut want = vec![NAN; 21];
    for (week, n) in [
        (1, 1.0),
        (5, 1.0),
        (7, 1.0),
        (9, 0.0),
        (11, 0.0),
        (13, 0.0),
        (17, 1.0),
    ] {
        want[week - 1] = n;
    }
    assert!(same(&burglary.counts, &want), "{:?}", burglary.counts);
}

/// Sixty months (2019–2023) of constant counts in three districts, 20 burglaries
/// (050121) and 10 car thefts (050211) a month each, except that burglary in D21
/// triples to 60 a month from January 2023. Month `skip` (if any) has no records.
fn step_country(skip: Option<usize>) -> String {
    let mut rows = Vec::new();
    for m in 0..60 {
        if Some(m) == skip {
            continue;
        }
        let date = format!("{}-{:02}-15", 2019 + m / 12, m % 12 + 1);
        for district in ["D11", "D12", "D21"] {
            let burglaries = if district == "D21" && m >= 48 { 60 } else { 20 };
            for (code, n) in [("050121", burglaries), ("050211", 10)] {
                for i in 0..n {
                    rows.push((
                        format!("{district}-{code}-{m}-{i}"),
                        district,
                        date.clone(),
                        code,
                    ));
                }
            }
        }
    }
    let mut csv = HEADER.to_owned();
    for (id, district, date, code) in &rows {
        csv.push_str(&format!(
            "{id},police,{date},{date},{district},N1,,false,,,false,,{code},mapped,1\n"
        ));
    }
    // The data run to the end of December 2023.
    csv.push_str("last,police,2023-12-31,2023-12-31,D11,N1,,false,,,false,,,unmapped,1\n");
    csv
}

#[tokio::test]
async fn trends_flags_exactly_the_series_that_contain_the_rise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = store(dir.path(), &step_country(None), "").await;
    let request = TrendsRequest {
        since: Some("2023-01".into()),
        ..TrendsRequest::default()
    };
    let report = trends(&engine, &request).await.expect("trends");
    assert_eq!(
        (report.first_period.as_str(), report.last_period.as_str()),
        ("2019-01", "2023-12")
    );
    assert_eq!(
        (report.since.as_str(), report.scored_periods),
        ("2023-01", 12)
    );
    // The rise is in D21's burglary, hence in every series that contains it:
    // 05, 0501, 05012, 050121 × national, R2, D21 (12 series); nothing else moved.
    let mut flagged: Vec<(String, String)> = report
        .flagged
        .iter()
        .map(|f| (f.code.clone(), f.area.clone()))
        .collect();
    flagged.sort();
    let mut want = Vec::new();
    for code in ["05", "0501", "05012", "050121"] {
        for area in ["D21", "R2", "_T"] {
            want.push((code.to_owned(), area.to_owned()));
        }
    }
    want.sort();
    assert_eq!(flagged, want);
    for f in &report.flagged {
        assert_eq!(f.change, "rise");
        assert_eq!(f.start.as_deref(), Some("2023-01"), "{}/{}", f.code, f.area);
        assert_eq!(f.chart.len(), 60);
        assert_eq!(f.chart.iter().filter(|p| p.scored).count(), 12);
        // Burglary in D21 goes from 20 to 60 a month (40 more); region R2 is
        // D21 alone. Section 05 also holds the 10 car thefts a month, so a
        // district's 05 goes 30 → 70 (×7/3) and the national 05 90 → 130
        // (×13/9); burglary nationally 60 → 100 (×5/3), in D21 ×3.
        let per_district = if f.code == "05" { 30.0 } else { 20.0 };
        let before = if f.area == "_T" {
            3.0 * per_district
        } else {
            per_district
        };
        let ratio = (before + 40.0) / before;
        let size = f.size.expect("level shift");
        assert!(
            (size.ratio / ratio - 1.0).abs() < 0.02,
            "{}/{}: {size:?}",
            f.code,
            f.area
        );
        assert!(
            (size.extra_per_period - 40.0).abs() < 1.0,
            "{}/{}: {size:?}",
            f.code,
            f.area
        );
        assert!(
            (f.scored.expected / (12.0 * before) - 1.0).abs() < 0.05,
            "{}/{}: {:?}",
            f.code,
            f.area,
            f.scored
        );
    }
    assert_eq!(report.families.len(), 12);
    let json = serde_json::to_string(&report).expect("json");
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");

    // A month with no records at all is missing, not zero: the same flags, and
    // the chart shows no observation there.
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = store(dir.path(), &step_country(Some(30)), "").await;
    let report = trends(&engine, &request).await.expect("trends with a gap");
    assert_eq!(report.gaps, vec!["2021-07".to_owned()]);
    assert_eq!(report.flagged.len(), 12);
    assert!(
        report
            .flagged
            .iter()
            .all(|f| f.chart[30].observed.is_none() && f.chart[29].observed.is_some())
    );

    // Looking for falls finds none.
    let falls = TrendsRequest {
        direction: Direction::Decrease,
        ..request.clone()
    };
    assert!(
        trends(&engine, &falls)
            .await
            .expect("falls")
            .flagged
            .is_empty()
    );
}

#[tokio::test]
async fn short_or_misdated_requests_get_clear_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = store(dir.path(), &offences_csv(EIGHT), "").await;
    // Five months cannot carry a seasonal baseline: every series is skipped,
    // each with its reason, and nothing is flagged.
    let report = trends(&engine, &TrendsRequest::default())
        .await
        .expect("short");
    assert_eq!(report.assessed, 0);
    assert!(report.series_count > 0);
    assert!(report.flagged.is_empty());
    for family in &report.families {
        assert_eq!(family.skipped, family.series);
        assert!(family.series == 0 || !family.skipped_reasons.is_empty());
    }
    let json = serde_json::to_string(&report).expect("json");
    assert!(!json.contains("NaN"));
    // A scored period outside the series.
    let bad = TrendsRequest {
        since: Some("2020-01".into()),
        ..TrendsRequest::default()
    };
    let err = trends(&engine, &bad)
        .await
        .expect_err("since before the data");
    assert!(err.to_string().contains("--since 2020-01"), "{err}");
    let bad = TrendsRequest {
        since: Some("July".into()),
        ..TrendsRequest::default()
    };
    assert!(trends(&engine, &bad).await.is_err());
    // An empty store says so.
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = store(dir.path(), HEADER, "").await;
    let err = trends(&engine, &TrendsRequest::default())
        .await
        .expect_err("empty");
    assert!(err.to_string().contains("no offences"), "{err}");
}
