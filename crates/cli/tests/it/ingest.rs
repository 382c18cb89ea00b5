//! `evident init`, `ingest`, `batches`, `quarantine` and `schema` through the real binary.

use std::path::{Path, PathBuf};

use crate::common::{Run, evident_in};

/// A workspace made by `evident init` in a temporary directory, with the key beside it.
pub struct Cli {
    pub dir: tempfile::TempDir,
}

impl Cli {
    pub fn new() -> Cli {
        let cli = Cli {
            dir: tempfile::tempdir().unwrap(),
        };
        let key = cli.path("keys/test.key");
        cli.run(&["init", "ws", "--key-file", key.to_str().unwrap()])
            .success();
        cli
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Runs `evident` inside the temporary directory with `--workspace ws`.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        if args.first() != Some(&"init") {
            all.extend(["--workspace", "ws"]);
        }
        evident_in(Some(self.dir.path()), &all)
    }

    /// Ingests reference areas and offence codes.
    pub fn with_reference_data(self) -> Cli {
        self.write("area.toml", "kind = \"area\"\n[columns.area_code]\nfrom = \"code\"\n[columns.name]\nfrom = \"name\"\n[columns.level]\nfrom = \"level\"\n");
        self.write(
            "areas.csv",
            "code,name,level\nR1,North,1\nD1,Hill,2\nD2,Vale,2\n",
        );
        self.run(&["ingest", "--schema", "area.toml", "areas.csv"])
            .success();
        self.write("code.toml", "kind = \"offence_code\"\n[columns.national_code]\nfrom = \"code\"\n[columns.description]\nfrom = \"title\"\n");
        self.write("codes.csv", "code,title\n0101,Murder\n0401,Assault\n");
        self.run(&["ingest", "--schema", "code.toml", "codes.csv"])
            .success();
        self.write("offence.toml", OFFENCE_SCHEMA);
        self
    }
}

pub const OFFENCE_SCHEMA: &str = "kind = \"offence\"
[columns.record_id]
from = \"id\"
[columns.source]
value = \"police\"
[columns.recorded_date]
from = \"recorded\"
[columns.area_code]
from = \"area\"
[columns.national_code]
from = \"code\"
";

fn ws_file(cli: &Cli, rel: &str) -> PathBuf {
    cli.path("ws").join(rel)
}

#[test]
fn init_creates_the_workspace_and_a_private_key_outside_it() {
    let cli = Cli::new();
    assert!(ws_file(&cli, "evident.toml").exists() && ws_file(&cli, "catalog.sqlite").exists());
    let key = cli.path("keys/test.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = cli.run(&["init", "ws"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("already exists and is not empty"),
        "{}",
        again.stderr
    );
    let bad = cli.run(&["init", "other", "--earliest-date", "1900-13-01"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_eq!(
        bad.stderr.trim(),
        "error: --earliest-date \"1900-13-01\" is not a date in the form YYYY-MM-DD"
    );
}

#[test]
fn commands_find_the_workspace_from_the_environment_or_the_directory() {
    let cli = Cli::new();
    let ws = cli.path("ws");
    let run = crate::common::evident_in(Some(&ws), &["batches", "list", "--json"]).success();
    assert_eq!(run.json(), serde_json::json!([]));
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_evident"));
    let out = command
        .args(["batches", "list", "--json"])
        .env("EVIDENT_WORKSPACE", &ws)
        .current_dir("/")
        .output()
        .unwrap();
    assert!(out.status.success());
    let outside = crate::common::evident_in(Some(cli.dir.path()), &["batches", "list"]);
    assert_eq!(outside.code, 1);
    assert_eq!(
        outside.stderr.trim(),
        format!(
            "error: {} is not an Evident workspace (no evident.toml); create one with `evident init {}` or pass --workspace DIR",
            cli.dir.path().display(),
            cli.dir.path().display()
        )
    );
}

#[test]
fn ingest_reports_counts_and_is_idempotent() {
    let cli = Cli::new().with_reference_data();
    cli.write("o.csv", "id,recorded,area,code\nA1,2021-03-04,D1,0101\nA2,2021-02-30,D1,0101\nA1,2021-03-04,D1,0101\n");
    let first = cli
        .run(&["ingest", "--schema", "offence.toml", "o.csv", "--json"])
        .success()
        .json();
    assert_eq!(first["status"], "stored");
    let s = &first["summary"];
    assert_eq!(
        (
            s["rows_read"].as_u64(),
            s["rows_stored"].as_u64(),
            s["rows_quarantined"].as_u64(),
            s["rows_duplicate"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );
    assert!(first["peak_memory_bytes"].as_u64().unwrap() > 0);
    let batch = first["batch"].as_i64().unwrap();
    let human = cli
        .run(&["ingest", "--schema", "offence.toml", "o.csv"])
        .success();
    assert_eq!(
        human.stdout.trim(),
        format!(
            "o.csv was already ingested as batch {batch} (same SHA-256, {}); nothing changed",
            &s["sha256"].as_str().unwrap()[..12]
        )
    );
    let listed = cli
        .run(&["batches", "list", "--kind", "offence", "--json"])
        .success()
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
}

#[test]
fn the_human_summary_says_what_happened() {
    let cli = Cli::new().with_reference_data();
    cli.write("o.csv", "id,recorded,area,code\nA1,2021-03-04,D1,0101\nA2,2021-02-30,D1,0101\nA3,2020-01-01,D9,0101\n");
    let run = cli
        .run(&["ingest", "--schema", "offence.toml", "o.csv"])
        .success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("batch 3: offence records from "),
        "{}",
        run.stdout
    );
    assert_eq!(lines[1], "  read 3: stored 1, quarantined 2, duplicates 0");
    assert_eq!(
        lines[2],
        "  problems: impossible_date 1, unknown_reference 1"
    );
    assert_eq!(lines[3], "  by column: area 1, recorded 1");
    assert_eq!(lines[4], "  stored by year: 2021 1");
    assert_eq!(
        lines.last().copied(),
        Some("  see the rows set aside: evident quarantine show 3")
    );
}

#[test]
fn quarantine_list_show_export_and_reingest() {
    let cli = Cli::new().with_reference_data();
    cli.write(
        "o.csv",
        "id,recorded,area,code\nA1,2021-03-04,D1,0101\nA2,2021-02-30,D1,0101\n",
    );
    cli.run(&["ingest", "--schema", "offence.toml", "o.csv"])
        .success();
    let list = cli.run(&["quarantine", "list"]).success();
    assert_eq!(
        list.stdout.trim(),
        "batch 3 line 3, column recorded [2021-02-30]: \"2021-02-30\" is not a real date: February 2021 has 28 days"
    );
    let show = cli
        .run(&["quarantine", "show", "3", "--json"])
        .success()
        .json();
    assert_eq!(show[0]["line"], 3);
    assert_eq!(
        show[0]["fields"],
        serde_json::json!(["A2", "2021-02-30", "D1", "0101"])
    );
    let missing = cli.run(&["quarantine", "show", "3", "--line", "2"]);
    assert_eq!(
        (missing.code, missing.stderr.trim()),
        (2, "error: batch 3 has no quarantined row on line 2")
    );
    cli.run(&["quarantine", "export", "3", "--output", "fix.csv"])
        .success();
    let fixed = std::fs::read_to_string(cli.path("fix.csv"))
        .unwrap()
        .replace("02-30", "02-28");
    cli.write("fix.csv", &fixed);
    let again = cli
        .run(&["ingest", "--schema", "offence.toml", "fix.csv", "--json"])
        .success()
        .json();
    assert_eq!(again["summary"]["rows_stored"], 1);
}

#[test]
fn retraction_is_logged_and_a_reason_is_required() {
    let cli = Cli::new().with_reference_data();
    cli.write("o.csv", "id,recorded,area,code\nA1,2021-03-04,D1,0101\n");
    cli.run(&["ingest", "--schema", "offence.toml", "o.csv"])
        .success();
    let no_reason = cli.run(&["batches", "retract", "3"]);
    assert_eq!(no_reason.code, 2, "{}", no_reason.stderr);
    let done = cli
        .run(&[
            "batches",
            "retract",
            "3",
            "--reason",
            "wrong month",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(
        (done["status"].as_str(), done["retraction_reason"].as_str()),
        (Some("retracted"), Some("wrong month"))
    );
    let twice = cli.run(&["batches", "retract", "3", "--reason", "again"]);
    assert_eq!(twice.code, 1);
    assert!(
        twice
            .stderr
            .starts_with("error: batch 3 was already retracted at "),
        "{}",
        twice.stderr
    );
    let unknown = cli.run(&["batches", "show", "99"]);
    assert_eq!(
        unknown.stderr.trim(),
        "error: no batch 99 in this workspace (see `evident batches list`)"
    );
}

#[test]
fn schema_errors_name_the_key_and_exit_1() {
    let cli = Cli::new().with_reference_data();
    cli.write(
        "typo.toml",
        &OFFENCE_SCHEMA.replace("[columns.area_code]\nfrom", "[columns.area_code]\nfrmo"),
    );
    cli.write("o.csv", "id,recorded,area,code\nA1,2021-03-04,D1,0101\n");
    let run = cli.run(&["ingest", "--schema", "typo.toml", "o.csv"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim(),
        "error: schema typo.toml: unknown field `frmo`, expected one of `from`, `value`, `default`, `format`, `codes`, `other`, `true_values`, `false_values`, `decimal`, `thousands`, `pseudonymise`, `namespace` (line 9)"
    );
}

#[test]
fn schema_guess_writes_a_schema_that_checks() {
    let cli = Cli::new().with_reference_data();
    cli.write(
        "police.csv",
        "Crime ID,Month,LSOA code,Crime type\nA1,2017-07,D1,Burglary\nA2,2017-07,D2,Robbery\n",
    );
    let guess = cli.run(&["schema", "guess", "police.csv"]).success();
    assert!(
        guess.stdout.contains("kind = \"offence\""),
        "{}",
        guess.stdout
    );
    assert!(guess.stdout.contains("[columns.recorded_date]   # required: when the police recorded it; partition key\nfrom = \"Month\"\nformat = \"%Y-%m\"\n"), "{}", guess.stdout);
    // The guess leaves the reporting agency to the user.
    cli.write(
        "police.toml",
        &guess
            .stdout
            .replace("TODO: the reporting agency", "West Yorkshire Police"),
    );
    let check = cli
        .run(&["schema", "check", "police.toml", "police.csv", "--json"])
        .success()
        .json();
    assert_eq!(
        check["mapped"][0],
        serde_json::json!({"column": "record_id", "from": "Crime ID"})
    );
    let stored = cli
        .run(&["ingest", "--schema", "police.toml", "police.csv", "--json"])
        .success()
        .json();
    assert_eq!(stored["summary"]["rows_stored"], 2);
    let kinds = cli
        .run(&["schema", "kinds", "person", "--json"])
        .success()
        .json();
    assert_eq!(
        kinds["key"],
        serde_json::json!(["record_id", "role", "person_id"])
    );
}

#[test]
fn a_directory_and_a_missing_file_are_clear_errors() {
    let cli = Cli::new().with_reference_data();
    std::fs::create_dir(cli.path("adir")).unwrap();
    let dir = cli.run(&["ingest", "--schema", "offence.toml", "adir"]);
    assert_eq!(dir.code, 1);
    assert!(
        dir.stderr
            .trim()
            .ends_with("/adir is a directory, not a file"),
        "{}",
        dir.stderr
    );
    let missing = cli.run(&["ingest", "--schema", "offence.toml", "nope.csv"]);
    assert!(
        missing
            .stderr
            .trim()
            .ends_with("/nope.csv: No such file or directory (os error 2)"),
        "{}",
        missing.stderr
    );
}

/// Every file under the workspace except the lock, with its size.
pub fn workspace_files(root: &Path) -> Vec<(String, u64)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, u64)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if !rel.starts_with("catalog.sqlite") && rel != "write.lock" {
                    out.push((rel, std::fs::metadata(&path).unwrap().len()));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}
