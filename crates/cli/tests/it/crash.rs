//! Killing `evident ingest` with SIGKILL at any point of a large ingest leaves
//! the store and the catalog exactly as they were before the batch, and a rerun
//! then succeeds. The catalog is compared as a full SQL dump made by Python's
//! own sqlite3 module; the store as the list of files and their sizes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::ingest::{Cli, workspace_files};

fn python() -> String {
    std::env::var("EVIDENT_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Every table of the catalog as SQL, in a stable order.
fn catalog_dump(ws: &Path) -> String {
    let script = "import sqlite3, sys\n\
        c = sqlite3.connect(sys.argv[1])\n\
        print('\\n'.join(c.iterdump()))\n";
    let out = Command::new(python())
        .args(["-c", script, ws.join("catalog.sqlite").to_str().unwrap()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} (set EVIDENT_PYTHON): {e}", python()));
    assert!(
        out.status.success(),
        "python sqlite3 dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// 60,000 offences over five years, with impossible dates and repeated ids.
fn big_file(cli: &Cli, name: &str, salt: &str) {
    let mut text = String::from("id,recorded,area,code\n");
    for i in 0..60_000u32 {
        let year = 2019 + i % 5;
        let day = if i % 997 == 0 { 30 } else { 1 + i % 28 };
        let id = if i % 1_001 == 0 { 7 } else { i };
        text.push_str(&format!(
            "{salt}{id},{year}-02-{day:02},D{},0{}01\n",
            1 + i % 2,
            1 + 3 * (i % 2)
        ));
    }
    cli.write(name, &text);
}

/// Starts an ingest that pauses at `failpoint`, waits until it says so, kills it.
fn kill_at(cli: &Cli, file: &str, failpoint: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_evident"))
        .args([
            "ingest",
            "--schema",
            "offence.toml",
            file,
            "--workspace",
            "ws",
        ])
        .current_dir(cli.dir.path())
        .env("EVIDENT_FAILPOINT", failpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let name = failpoint.split(':').next().unwrap_or(failpoint);
    let stderr = child.stderr.take().unwrap();
    let mut reached = false;
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line == format!("failpoint {name} reached") {
            reached = true;
            break;
        }
        seen.push(line);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        reached,
        "the ingest never reached {failpoint}; stderr: {seen:?}"
    );
}

fn state(cli: &Cli) -> (String, Vec<(String, u64)>) {
    // Any command opens the workspace, which removes what a killed ingest left.
    cli.run(&["batches", "list"]).success();
    let ws = cli.path("ws");
    (catalog_dump(&ws), workspace_files(&ws))
}

/// `evident ingest big.csv` into the test's workspace.
fn ingest_big(cli: &Cli) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_evident"));
    command
        .args([
            "ingest",
            "--schema",
            "offence.toml",
            "big.csv",
            "--workspace",
            "ws",
        ])
        .current_dir(cli.dir.path());
    command
}

#[test]
fn sigkill_at_any_point_leaves_the_workspace_as_before() {
    let cli = Cli::new().with_reference_data();
    big_file(&cli, "big.csv", "B");
    let before = state(&cli);
    assert!(
        before.0.contains("CREATE TABLE batches"),
        "the dump has the catalog"
    );

    for failpoint in [
        "ingest-flush:2",
        "commit-before-move",
        "commit-moved-file:3",
        "commit-before-catalog",
        "commit-in-transaction",
    ] {
        kill_at(&cli, "big.csv", failpoint);
        // Something was left behind before cleanup, from the staging area on.
        let leftovers = workspace_files(&cli.path("ws"));
        assert_ne!(
            leftovers, before.1,
            "{failpoint}: the killed ingest wrote nothing?"
        );
        let after = state(&cli);
        assert_eq!(after.1, before.1, "{failpoint}: store files differ");
        assert!(
            after.0 == before.0,
            "{failpoint}: catalog differs:\n{}",
            diff(&before.0, &after.0)
        );
    }

    // Kills at arbitrary moments, without a failpoint.
    for delay_ms in [150u64, 600, 1_200] {
        let mut child = ingest_big(&cli)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        if finished {
            break;
        }
        let after = state(&cli);
        if after.1 != before.1 {
            // The kill landed after the commit but before the process exited
            // (seen on a loaded machine): the batch must then be whole, so
            // sending the same file again is recognised and changes nothing.
            let again = ingest_big(&cli).output().unwrap();
            assert!(
                again.status.success(),
                "killed after {delay_ms} ms: re-ingest failed"
            );
            assert_eq!(
                state(&cli).1,
                after.1,
                "killed after {delay_ms} ms: store files differ and the batch is not whole"
            );
            break;
        }
        assert!(
            after.0 == before.0,
            "killed after {delay_ms} ms: catalog differs:\n{}",
            diff(&before.0, &after.0)
        );
    }

    // A rerun succeeds and stores every good row once (or, if a timed run
    // above finished before its kill, recognises the file as ingested).
    let run = cli
        .run(&["ingest", "--schema", "offence.toml", "big.csv", "--json"])
        .success()
        .json();
    let batch = run["batch"].as_i64().unwrap().to_string();
    let shown = cli
        .run(&["batches", "show", &batch, "--json"])
        .success()
        .json();
    let summary = &shown["summary"];
    // 61 ids repeat id 7 (i = 0, 1001, …, 60060 → 60 repeats); 61 rows have 30 February.
    assert_eq!(summary["rows_read"], 60_000);
    assert_eq!(summary["rows_quarantined"], 61);
    let stored = summary["rows_stored"].as_u64().unwrap();
    assert_eq!(
        stored + summary["rows_duplicate"].as_u64().unwrap(),
        60_000 - 61
    );
}

#[test]
fn sigkill_after_the_catalog_commit_keeps_the_whole_batch() {
    let cli = Cli::new().with_reference_data();
    big_file(&cli, "late.csv", "L");
    kill_at(&cli, "late.csv", "commit-after-catalog");
    let (catalog, files) = state(&cli);
    assert!(catalog.contains("late.csv"), "the batch is committed");
    assert!(
        !files.iter().any(|(f, _)| f.starts_with("staging/")),
        "{files:?}"
    );
    let listed = cli
        .run(&["batches", "show", "3", "--json"])
        .success()
        .json();
    let parquet: Vec<&str> = files
        .iter()
        .map(|(f, _)| f.as_str())
        .filter(|f| f.ends_with(".parquet"))
        .collect();
    assert_eq!(
        listed["files"].as_array().map(Vec::len),
        Some(parquet.len() - 2),
        "two reference files"
    );
    let again = cli
        .run(&["ingest", "--schema", "offence.toml", "late.csv", "--json"])
        .success()
        .json();
    assert_eq!(again["status"], "already_ingested");
}

fn diff(a: &str, b: &str) -> String {
    let only = |x: &str, y: &str| -> Vec<String> {
        x.lines()
            .filter(|l| !y.lines().any(|m| m == *l))
            .map(|l| l.chars().take(200).collect())
            .collect()
    };
    format!(
        "only before: {:?}\nonly after: {:?}",
        only(a, b),
        only(b, a)
    )
}
