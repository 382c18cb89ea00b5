//! The end-to-end browser test: serves the dashboard over the hand-written
//! FIXTURE data on a free local port, then runs `tests/browser/run.mjs`
//! (playwright-core driving Debian's headless Chromium). The script checks that
//! the chart and the data table agree before and after applying the sex filter
//! through the page's form, and that nothing breaks the Content-Security-Policy;
//! this test then checks the numbers it read against the fixture's.
//!
//! Needs `node`, `npm ci` in `tests/browser` and `/usr/bin/chromium`
//! (`scripts/test.sh` installs them); fails with a message when they are missing.
//! The screenshot goes to `EVIDENT_SCREENSHOT` or `out/browser/explorer.png`.

mod fixture;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use serde_json::Value;

fn texts(figure: &Value) -> Vec<String> {
    figure["table"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect()
}

fn chart_values(figure: &Value) -> Vec<Option<f64>> {
    figure["chart"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::as_f64)
        .collect()
}

#[test]
fn applying_a_filter_changes_the_chart_and_the_table_in_a_real_browser() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let harness = repo.join("tests/browser");
    assert!(
        harness.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci` in {} (scripts/test.sh does this)",
        harness.display()
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        PathBuf::from(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (apt-get install chromium), or set CHROMIUM"
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = evident_server::router(Arc::new(fixture::FixtureData));
    runtime.spawn(async move { axum::serve(listener, app).await });

    let node = std::env::var("NODE").unwrap_or_else(|_| "node".to_owned());
    let output = Command::new(&node)
        .arg(harness.join("run.mjs"))
        .arg(format!("http://{addr}"))
        .env("EVIDENT_FILTER", "sex=F")
        .env("EVIDENT_START", "/explorer?indicator=victims")
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

    // Before: both sexes, whole country (fixture VICTIM_SERIES row ("", "")), as the table shows them.
    let before = &seen["before"]["trend"];
    assert_eq!(texts(before), ["512.4", "488.9", "501.3", "530.6", "547.2"]);
    assert_eq!(
        chart_values(before),
        [512.4, 488.9, 501.3, 530.6, 547.2].map(Some)
    );
    // After sex=F: the female series, in the chart (read from Chart.js) and in the table.
    let after = &seen["after"]["trend"];
    assert_eq!(texts(after), ["498.1", "470.3", "489.9", "521.4", "556.0"]);
    assert_eq!(
        chart_values(after),
        [498.1, 470.3, 489.9, 521.4, 556.0].map(Some)
    );
    assert_eq!(
        after["caption"],
        "The value (victims per 100,000 population) rose from 498.1 in 2019 to 556.0 in 2023 (+11.6 %). \
         Lowest: 470.3 in 2020; highest: 556.0 in 2023."
    );
    // The bars by area follow the filter too (VICTIMS_BY_AREA, "F").
    assert_eq!(texts(&seen["after"]["byArea"]), ["652.3", "478.0", "26.0"]);
    assert_eq!(
        chart_values(&seen["after"]["byArea"]),
        [652.3, 478.0, 26.0].map(Some)
    );

    // Every page drew all its charts; the explorer has three (trend, ICCS, area).
    assert_eq!(seen["pages"]["/explorer"]["charts"], 3);
    assert_eq!(seen["pages"]["/data-quality"]["charts"], 2);
    assert_eq!(seen["nojs"]["rows"], 5);

    let screenshot = PathBuf::from(seen["screenshot"].as_str().unwrap());
    let png = std::fs::read(&screenshot).unwrap();
    assert_eq!(
        &png[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        screenshot.display()
    );
}
