//! Benchmark server: the dashboard over a LARGE generated data set, to time
//! page rendering and loading at realistic sizes (bench/server/run.sh).
//!
//! The explorer shows 120 monthly periods, 63 ICCS divisions and 300 districts;
//! early warning 25 flagged series of 36 months; data quality 200 batches;
//! releases 20 releases of 6 files. Figures come from a fixed formula: they are
//! not statistics, only realistic in size.
//!
//! ```sh
//! cargo run --release -p evident-server --example bench_server -- serve 127.0.0.1:8081
//! cargo run --release -p evident-server --example bench_server -- render 200
//! ```

use std::sync::Arc;
use std::time::Instant;

use evident_server::*;

/// A deterministic, wiggly value in [base/2, 3·base/2].
fn wiggle(i: usize, base: f64) -> f64 {
    let x = (i as f64 * 12.9898).sin() * 43_758.545;
    base * (0.5 + (x - x.floor()))
}

fn month(i: usize) -> String {
    format!("{}-{:02}", 2014 + i / 12, i % 12 + 1)
}

fn breakdown(n: usize, prefix: &str, period: &str) -> Breakdown {
    Breakdown {
        period: period.to_owned(),
        rows: (0..n)
            .map(|i| {
                let v = wiggle(i + 7, 80.0);
                BreakdownRow {
                    code: format!("{prefix}{i:03}"),
                    label: format!("Category {i} with a realistically long name for its kind"),
                    value: if i % 17 == 5 {
                        Cell::Suppressed
                    } else {
                        Cell::Value(v)
                    },
                    lower: Some(v * 0.9),
                    upper: Some(v * 1.1),
                }
            })
            .collect(),
    }
}

fn explorer(query: &ExplorerQuery) -> ExplorerView {
    let choices = |n: usize, f: &dyn Fn(usize) -> (String, String)| {
        (0..n)
            .map(f)
            .map(|(v, l)| Choice::new(v, l))
            .collect::<Vec<_>>()
    };
    ExplorerView {
        indicator: IndicatorInfo {
            id: "offences".into(),
            title: "Police-recorded offences".into(),
            unit: "offences per 100,000 population".into(),
            decimals: 1,
            interval: Some("95 % confidence interval".into()),
            method: "Generated for the benchmark.".into(),
            source: "none".into(),
        },
        filters: query.clone(),
        options: ExplorerOptions {
            indicators: choices(13, &|i| (format!("ind_{i}"), format!("Indicator {i}"))),
            periods: choices(120, &|i| (month(i), month(i))),
            areas: choices(300, &|i| (format!("D{i:03}"), format!("District {i}"))),
            levels: choices(4, &|i| ((i + 1).to_string(), format!("Level {}", i + 1))),
            iccs: choices(63, &|i| {
                (format!("{:04}", 101 + i), format!("Division {i}"))
            }),
            sexes: choices(2, &|i| {
                (["F", "M"][i].to_owned(), ["Female", "Male"][i].to_owned())
            }),
            ages: choices(5, &|i| (format!("A{i}"), format!("Age group {i}"))),
        },
        series: (0..120)
            .map(|i| {
                let v = 350.0 + wiggle(i, 40.0);
                SeriesPoint {
                    period: month(i),
                    value: Cell::Value(v),
                    lower: Some(v - 9.0),
                    upper: Some(v + 9.0),
                }
            })
            .collect(),
        by_iccs: Some(breakdown(63, "", "2023-12")),
        by_area: Some(breakdown(300, "D", "2023-12")),
        notes: vec!["Generated for the benchmark.".into()],
    }
}

fn early_warning() -> EarlyWarningView {
    EarlyWarningView {
        as_of: "2023-12".into(),
        method: "Generated for the benchmark.".into(),
        series_checked: 18_900,
        flagged: (0..25)
            .map(|s| FlaggedSeries {
                id: format!("s{s}"),
                indicator: "Police-recorded offences".into(),
                label: format!("Series {s}"),
                period: "2023-12".into(),
                observed: Cell::Value(80.0),
                expected: 40.0,
                lower: 30.0,
                upper: 50.0,
                decimals: 0,
                points: (0..36)
                    .map(|i| WarningPoint {
                        period: month(84 + i),
                        observed: Cell::Value(wiggle(i + s, 40.0).round()),
                        expected: Some(40.0),
                        lower: Some(30.0),
                        upper: Some(50.0),
                        flagged: i == 35,
                    })
                    .collect(),
                explorer_href: None,
            })
            .collect(),
        notes: Vec::new(),
    }
}

fn data_quality() -> DataQualityView {
    DataQualityView {
        batches: (0..200)
            .map(|i| BatchRow {
                id: i.to_string(),
                kind: "offence".into(),
                source: format!("offences-{i}.csv"),
                committed_at: "2024-01-15T09:12:00Z".into(),
                rows_read: 100_000,
                rows_stored: 99_000,
                rows_quarantined: 900,
                rows_duplicate: 100,
                state: BatchState::Committed,
            })
            .collect(),
        quarantine: (0..15)
            .map(|i| ReasonCount {
                reason: format!("reason {i}"),
                rows: 1000 - i * 50,
            })
            .collect(),
        mapping: (0..10)
            .map(|i| MappingCoverage {
                source: format!("Agency {i}"),
                mapping_version: "v2".into(),
                mapped: 90_000,
                suggested: 5_000,
                unmapped: 5_000,
            })
            .collect(),
        notes: Vec::new(),
    }
}

fn releases() -> ReleasesView {
    ReleasesView {
        releases: (0..20)
            .map(|r| ReleaseRow {
                id: format!("r{r}"),
                title: format!("Release {r}"),
                published: "2024-02-01".into(),
                periods: "2014–2023".into(),
                description: "Generated for the benchmark.".into(),
                files: (0..6)
                    .map(|f| Download {
                        name: format!("file-{f}.csv"),
                        format: "CSV".into(),
                        bytes: 1_000_000 * (f + 1),
                        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                            .into(),
                        href: format!("/releases/r{r}/file-{f}.csv"),
                    })
                    .collect(),
            })
            .collect(),
        notes: Vec::new(),
    }
}

fn summaries() -> Vec<IndicatorSummary> {
    kyoto::EVIDENCE_SOURCES
        .iter()
        .map(|s| IndicatorSummary {
            id: s.id.to_owned(),
            title: s.title.to_owned(),
            latest: Some(Latest {
                period: "2023".into(),
                value: Cell::Value(12.3),
                unit: "per 100,000".into(),
                decimals: 1,
            }),
            direction: Direction::Rising,
            note: None,
        })
        .collect()
}

struct Large;

impl DashboardData for Large {
    fn home(&self) -> DataFuture<'_, HomeView> {
        Box::pin(async {
            Ok(HomeView {
                publisher: "the benchmark".into(),
                headlines: summaries(),
                flagged: 25,
                latest_release: None,
            })
        })
    }
    fn explorer<'a>(&'a self, query: &'a ExplorerQuery) -> DataFuture<'a, ExplorerView> {
        Box::pin(async move { Ok(explorer(query)) })
    }
    fn early_warning(&self) -> DataFuture<'_, EarlyWarningView> {
        Box::pin(async { Ok(early_warning()) })
    }
    fn data_quality(&self) -> DataFuture<'_, DataQualityView> {
        Box::pin(async { Ok(data_quality()) })
    }
    fn releases(&self) -> DataFuture<'_, ReleasesView> {
        Box::pin(async { Ok(releases()) })
    }
    fn indicator_summaries(&self) -> DataFuture<'_, Vec<IndicatorSummary>> {
        Box::pin(async { Ok(summaries()) })
    }
}

fn time(name: &str, n: usize, mut render: impl FnMut() -> usize) {
    let bytes = render();
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(render());
    }
    let per = start.elapsed().as_secs_f64() * 1000.0 / n as f64;
    println!(
        "{name:<14} {:>8.1} kB  {per:>7.3} ms per render",
        bytes as f64 / 1000.0
    );
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("render") => {
            let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
            let (ex, ew, dq, rel) = (
                explorer(&ExplorerQuery::default()),
                early_warning(),
                data_quality(),
                releases(),
            );
            let sums = summaries();
            let len = |r: Result<String, RenderError>| r.map_or(0, |s| s.len());
            time("explorer", n, || len(render_explorer(&ex)));
            time("early-warning", n, || len(render_early_warning(&ew)));
            time("data-quality", n, || len(render_data_quality(&dq)));
            time("releases", n, || len(render_releases(&rel)));
            time("kyoto", n, || {
                kyoto_view(&sums, false).map_or(0, |v| len(render_kyoto(&v)))
            });
            Ok(())
        }
        _ => {
            let addr = args
                .get(2)
                .cloned()
                .unwrap_or_else(|| "127.0.0.1:8081".to_owned());
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            println!("listening on http://{}", listener.local_addr()?);
            axum::serve(listener, router(Arc::new(Large))).await
        }
    }
}
