//! Running the binary and reading what it prints.

use std::path::Path;
use std::process::{Command, Output};

/// The result of one `evident` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses stdout as JSON, failing the test with both streams on error.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts exit code 0 and returns self.
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `evident` with `args` in `dir` (or the current directory).
pub fn evident_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_evident"));
    command
        .args(args)
        .env_remove("EVIDENT_WORKSPACE")
        .env("NO_COLOR", "1");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run evident");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `evident` with `args` in the current directory.
pub fn evident(args: &[&str]) -> Run {
    evident_in(None, args)
}

/// The synthetic country's shipped schemas.
const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas/synthetic");

/// Raw file → shipped schema, reference data first.
pub const FILES: &[(&str, &str)] = &[
    ("areas.csv", "areas.toml"),
    ("offence_codes.csv", "offence_codes.toml"),
    ("population.csv", "population.toml"),
    ("prison_facilities.csv", "facilities.toml"),
    ("police_offences.csv", "offences.toml"),
    ("police_persons.csv", "persons.toml"),
    ("court_decisions.csv", "court_decisions.toml"),
    ("prison_movements.csv", "prison_movements.toml"),
];

/// Generates a synthetic country of `offences` into `dir/raw` and ingests the
/// raw `files` (e.g. [`FILES`]) into a new workspace `dir/ws` (key in
/// `dir/key`), as a user would.
pub fn generate_and_ingest(dir: &Path, offences: u64, files: &[(&str, &str)]) {
    let offences = offences.to_string();
    evident_in(
        Some(dir),
        &[
            "generate",
            "--out",
            "raw",
            "--offences",
            &offences,
            "--quiet",
        ],
    )
    .success();
    let key = dir.join("key");
    let key = key.to_str().expect("utf-8 path");
    evident_in(Some(dir), &["init", "ws", "--key-file", key, "--quiet"]).success();
    for (file, schema) in files {
        let schema = Path::new(SCHEMAS).join(schema);
        let raw = format!("raw/{file}");
        let schema = schema.to_str().expect("utf-8 path");
        evident_in(
            Some(dir),
            &[
                "ingest",
                &raw,
                "--schema",
                schema,
                "--workspace",
                "ws",
                "--quiet",
            ],
        )
        .success();
    }
}
