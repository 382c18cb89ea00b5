//! Runs a reference Python script on a JSON input and returns its JSON output.
//!
//! The interpreter is `EVIDENT_PYTHON` (default `python3`). A missing interpreter
//! or package is a test failure with a clear message, never a silent pass.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

pub fn run_python(script: &str, input: &Value) -> Value {
    let python = std::env::var("EVIDENT_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let dir = tempfile::tempdir().expect("temporary directory");
    let input_path = dir.path().join("input.json");
    let output_path = dir.path().join("output.json");
    std::fs::write(
        &input_path,
        serde_json::to_vec(input).expect("serialise input"),
    )
    .expect("write input");
    let script_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let out = Command::new(&python)
        .arg(&script_path)
        .arg(&input_path)
        .arg(&output_path)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run the Python interpreter `{python}` ({e}). Set EVIDENT_PYTHON to a Python with the packages in scripts/requirements-test.txt"
        ),
    };
    if !out.status.success() {
        panic!(
            "reference script {script} failed under `{python}` (are the packages in scripts/requirements-test.txt installed? set EVIDENT_PYTHON):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(&output_path).expect("reference script wrote no output");
    serde_json::from_str(&text).expect("reference output is JSON")
}

pub fn num(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

pub fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(num)
        .collect()
}

/// Asserts |got − want| ≤ rel·|want| + abs.
pub fn assert_close(what: &str, got: f64, want: f64, rel: f64, abs: f64) {
    let ok = (got - want).abs() <= rel * want.abs() + abs;
    assert!(
        ok,
        "{what}: got {got:.12e}, reference {want:.12e} (rel {rel:e}, abs {abs:e})"
    );
}

pub fn assert_all_close(what: &str, got: &[f64], want: &[f64], rel: f64, abs: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_close(&format!("{what}[{i}]"), *g, *w, rel, abs);
    }
}
