//! The dashboard in a real browser against the real `evident serve`.
//!
//! Builds a small workspace of the synthetic country with the command line
//! (generate, init, ingest, map, classify, compute for analysis and for
//! publication, publish, trends), starts `evident serve` on a free port and
//! runs `tests/browser/run.mjs` (playwright-core driving Debian's headless
//! Chromium). The script opens every page (HTTP 200, no console or
//! Content-Security-Policy errors, `load` within a second), applies the area
//! filter through the explorer's form and reports the numbers the page shows.
//! This test then checks those numbers against an independent source: the
//! published release's `data/offences.csv`, read here, so what a member of the
//! public sees is exactly the released figures, suppressed cells included.
//!
//! Needs `node`, `npm ci` in `tests/browser` and `/usr/bin/chromium`
//! (`scripts/test.sh` installs them); fails with a message when they are
//! missing. The screenshot goes to `EVIDENT_SCREENSHOT`, or
//! `out/browser/serve-explorer.png` under the repository (a CI artefact).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::{FILES, Run, evident_in, generate_and_ingest};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// The release the test publishes.
const RELEASE: &str = "browser-check";

/// The area the test filters on, and the period the by-area chart shows (the latest).
const AREA: &str = "01";

/// A running `evident serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_evident"))
            .args(["--workspace", "ws", "serve", "--addr", "127.0.0.1:0"])
            .current_dir(dir)
            .env_remove("EVIDENT_WORKSPACE")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start evident serve");
        let stdout = child.stdout.take().expect("serve stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the serve banner");
        // "Evident is serving http://127.0.0.1:PORT/ (API at …)"
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("evident serve printed no URL: {line:?}")
            })
            .trim_end_matches('/')
            .to_owned();
        Server { child, url }
    }

    /// One plain HTTP/1.1 GET: status and body.
    fn get(&self, path: &str) -> (u16, String) {
        let host = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).expect("connect to evident serve");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("send request");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read response");
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {text:.200}"));
        let body = text
            .split_once("\r\n\r\n")
            .map_or(String::new(), |(_, b)| b.to_owned());
        (status, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--workspace", "ws", "--quiet"]);
    evident_in(Some(dir), &all)
}

/// Generates the synthetic country and takes it through to a release and an
/// early-warning run.
fn published_country(dir: &Path) {
    generate_and_ingest(dir, 20_000, FILES);
    run_in(
        dir,
        &[
            "map",
            "import",
            "raw/correspondence.csv",
            "--source",
            "shipped",
        ],
    )
    .success();
    run_in(dir, &["classify"]).success();
    run_in(dir, &["compute"]).success();
    run_in(dir, &["compute", "--for", "publication"]).success();
    run_in(dir, &["publish", "--release", RELEASE]).success();
    run_in(dir, &["trends"]).success();
}

/// A published cell: its value, or `None` where the release withholds it.
type Cell = Option<f64>;

/// Offence rates per 100,000 for all offences, annual, by (area, period), from
/// a table written as CSV (the release's, or the workspace's unprotected one).
fn offence_rates(csv_path: &Path) -> BTreeMap<(String, String), Cell> {
    let mut reader =
        csv::Reader::from_path(csv_path).unwrap_or_else(|e| panic!("{}: {e}", csv_path.display()));
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("offences.csv has no {name} column: {headers:?}"))
    };
    let (iccs, area, freq, period, rate) = (
        column("iccs"),
        column("area"),
        column("freq"),
        column("period"),
        column("rate_per_100k"),
    );
    let mut rates = BTreeMap::new();
    for row in reader.records() {
        let row = row.expect("row");
        if &row[iccs] != "_T" || &row[freq] != "A" {
            continue;
        }
        let value = (!row[rate].is_empty()).then(|| row[rate].parse::<f64>().expect("rate"));
        rates.insert((row[area].to_owned(), row[period].to_owned()), value);
    }
    rates
}

/// The release's area names by code, from its data dictionary.
fn area_names(release: &Path) -> BTreeMap<String, String> {
    let dictionary: Value = serde_json::from_slice(
        &std::fs::read(release.join("data/dictionary.json")).expect("dictionary"),
    )
    .expect("dictionary json");
    dictionary["codelists"]["area"]
        .as_array()
        .expect("area codelist")
        .iter()
        .map(|a| {
            (
                a["code"].as_str().expect("code").to_owned(),
                a["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect()
}

/// What a figure's data table shows: `None` for a withheld cell, else the number.
fn shown(figure: &Value) -> Vec<(String, Cell)> {
    figure["table"]
        .as_array()
        .expect("table rows")
        .iter()
        .map(|row| {
            let text = row["text"].as_str().expect("text").replace(',', "");
            let value = text.parse::<f64>().ok();
            if value.is_none() {
                assert_eq!(
                    text, "suppressed",
                    "a table cell that is neither a number nor suppressed"
                );
            }
            (row["label"].as_str().expect("label").to_owned(), value)
        })
        .collect()
}

/// The released cells the figure should show, rounded as the table rounds.
fn expected_rounded(cells: Vec<(String, Cell)>) -> Vec<(String, Cell)> {
    cells
        .into_iter()
        .map(|(label, cell)| (label, cell.map(|v| (v * 10.0).round() / 10.0)))
        .collect()
}

#[test]
fn the_public_dashboard_shows_exactly_the_released_figures_in_a_real_browser() {
    let repo = PathBuf::from(REPO);
    let harness = repo.join("tests/browser");
    assert!(
        harness.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci` in {} (scripts/test.sh does this)",
        harness.display()
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (apt-get install chromium), or set CHROMIUM"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    published_country(dir.path());
    let release = dir.path().join("ws/releases").join(RELEASE);
    let rates = offence_rates(&release.join("data/offences.csv"));
    let unprotected = offence_rates(&dir.path().join("ws/tables/analysis/offences.csv"));
    let names = area_names(&release);
    let server = Server::start(dir.path());

    // Anonymous callers get the release and nothing live.
    assert_eq!(server.get("/api/live/indicators").0, 401);
    let (status, latest) = server.get("/api/releases");
    assert_eq!(status, 200);
    assert!(
        latest.contains(RELEASE),
        "{RELEASE} is not listed: {latest}"
    );
    let (status, early_warning) = server.get("/early-warning");
    assert_eq!(status, 200);
    assert!(
        !early_warning.contains("data-chart"),
        "the public early-warning page draws live series"
    );

    let screenshot = std::env::var("EVIDENT_SCREENSHOT").map_or_else(
        |_| repo.join("out/browser/serve-explorer.png"),
        PathBuf::from,
    );
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".to_owned());
    let output = Command::new(&node)
        .arg(harness.join("run.mjs"))
        .arg(&server.url)
        .env("EVIDENT_START", "/explorer?indicator=offences")
        .env("EVIDENT_FILTER", format!("area={AREA}"))
        .env("EVIDENT_SCREENSHOT", &screenshot)
        .env("EVIDENT_MAX_LOAD_MS", "1000")
        .current_dir(&harness)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {node}: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "run.mjs failed:\n{stderr}");
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "run.mjs printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    });

    // Every page answered 200 and loaded within a second (run.mjs fails
    // otherwise; this guards against a page silently dropped from its list).
    for page in [
        "/",
        "/explorer",
        "/early-warning",
        "/data-quality",
        "/releases",
        "/kyoto",
    ] {
        let load = seen["pages"][page]["loadMs"]
            .as_f64()
            .unwrap_or_else(|| panic!("{page} was not visited: {}", seen["pages"]));
        assert!(load <= 1000.0, "{page} loaded in {load} ms");
    }
    assert_eq!(
        seen["pages"]["/explorer"]["charts"], 3,
        "trend, ICCS and area charts"
    );

    let periods: Vec<String> = rates
        .keys()
        .filter(|(area, _)| area == "_T")
        .map(|(_, period)| period.clone())
        .collect();
    assert_eq!(
        periods.len(),
        6,
        "the country has six annual periods: {periods:?}"
    );
    let latest_period = periods.last().expect("a period").clone();
    let trend_of = |area: &str| {
        expected_rounded(
            periods
                .iter()
                .map(|p| (p.clone(), rates[&(area.to_owned(), p.clone())]))
                .collect(),
        )
    };

    // Before: the whole country, every year published.
    let before = shown(&seen["before"]["trend"]);
    assert_eq!(before, trend_of("_T"));
    assert!(before.iter().all(|(_, v)| v.is_some()), "{before:?}");

    // After area=01: that region's series, with the cells the release withholds
    // shown as withheld, and the chart (read from Chart.js) following the table.
    let after = shown(&seen["after"]["trend"]);
    assert_eq!(after, trend_of(AREA));
    assert_ne!(after, before, "the trend did not change with the filter");
    let chart: Vec<Option<f64>> = seen["after"]["trend"]["chart"]["values"]
        .as_array()
        .expect("chart values")
        .iter()
        .map(Value::as_f64)
        .collect();
    for ((period, table), drawn) in after.iter().zip(&chart) {
        let released = rates[&(AREA.to_owned(), period.clone())];
        match (table, drawn, released) {
            (None, None, None) => {}
            (Some(_), Some(drawn), Some(released)) => assert!(
                (drawn - released).abs() < 1e-9,
                "{period}: chart {drawn}, release {released}"
            ),
            other => panic!("{period}: table, chart and release disagree: {other:?}"),
        }
    }
    // The regions in the latest year, by name from the release's dictionary.
    let regions: Vec<(String, Cell)> = rates
        .iter()
        .filter(|((area, period), _)| area != "_T" && *period == latest_period)
        .map(|((area, _), value)| (names[area].clone(), *value))
        .collect();
    assert_eq!(regions.len(), 20, "twenty regions");
    assert_eq!(shown(&seen["before"]["byArea"]), expected_rounded(regions));
    // The page shows every withheld cell as withheld (checked above), and each
    // one exists in the workspace's unprotected table: the dashboard had a
    // figure to leak and showed the release's gap instead.
    let withheld: Vec<&(String, String)> = rates
        .iter()
        .filter(|((area, period), value)| {
            value.is_none() && (area == AREA || *period == latest_period)
        })
        .map(|(key, _)| key)
        .collect();
    assert!(
        !withheld.is_empty() && regions_withheld(&seen["before"]["byArea"]) > 0,
        "a small country has withheld regional cells, so the test covers them"
    );
    for key in withheld {
        assert!(
            unprotected[key].is_some(),
            "{key:?}: no unprotected figure either"
        );
    }

    let png = std::fs::read(&screenshot).expect("the screenshot");
    assert_eq!(
        &png[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        screenshot.display()
    );
}

fn regions_withheld(figure: &Value) -> usize {
    shown(figure).iter().filter(|(_, v)| v.is_none()).count()
}
