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
