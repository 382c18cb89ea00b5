//! The audit's exact intervals against SciPy's HiGHS solver, which derives the
//! equations on its own from the codes (`tests/interval_attack.py`).
//! Runs the interpreter named by `EVIDENT_PYTHON` (default `python3`); fails if
//! NumPy or SciPy is missing.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::full_release;
use evident_disclosure::{Hierarchy, Method, Publication, Release, Rules, TOTAL, audit};
use serde_json::{Value, json};

fn python_intervals(release: &Release, mask: &[bool]) -> Vec<(Vec<String>, f64, Option<f64>)> {
    let dimensions: Vec<Value> = release
        .dimensions()
        .iter()
        .map(|h| {
            let parents: serde_json::Map<String, Value> = h
                .codes()
                .map(|c| (c.to_owned(), json!(h.parent_of(c))))
                .collect();
            json!({ "name": h.name(), "parent": parents })
        })
        .collect();
    let cells: Vec<Value> = (0..release.len())
        .map(|c| json!({ "codes": release.codes(c), "count": release.cell(c).count, "suppressed": mask[c] }))
        .collect();
    let input = json!({ "dimensions": dimensions, "cells": cells }).to_string();
    let python = std::env::var("EVIDENT_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interval_attack.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python} (set EVIDENT_PYTHON): {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{python} {script} failed (needs numpy and scipy, see scripts/requirements-test.txt): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    parsed
        .into_iter()
        .map(|v| {
            let codes = v["codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            (codes, v["lower"].as_f64().unwrap(), v["upper"].as_f64())
        })
        .collect()
}

fn hierarchy(name: &str, parents: usize, children: usize) -> Hierarchy {
    let mut h = Hierarchy::new(name);
    for i in 0..parents {
        let p = format!("{name}{i}");
        h.add(&p, TOTAL).unwrap();
        for j in 0..children {
            h.add(&format!("{p}.{j}"), &p).unwrap();
        }
    }
    h
}

#[test]
fn exact_intervals_match_highs() {
    let mut state = 12345u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let mut compared = 0;
    for round in 0..6 {
        let dims = if round % 2 == 0 {
            vec![hierarchy("a", 2, 3), hierarchy("b", 3, 0)]
        } else {
            vec![
                hierarchy("a", 2, 2),
                hierarchy("b", 2, 0),
                hierarchy("c", 2, 0),
            ]
        };
        let release = full_release(dims, |_| {
            let v = next(10);
            v * v / 8
        });
        // An arbitrary suppression pattern: about one cell in three, leaky or not.
        let mask: Vec<bool> = (0..release.len()).map(|_| next(3) == 0).collect();
        let rules = Rules {
            exact_audit_limit: 100_000,
            ..Rules::default()
        };
        let ours = audit(
            &[Publication {
                release: &release,
                suppressed: &mask,
            }],
            &rules,
        )
        .unwrap();
        let theirs = python_intervals(&release, &mask);
        assert_eq!(theirs.len(), mask.iter().filter(|&&m| m).count());
        for (codes, lower, upper) in theirs {
            let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
            let id = release.find(&refs).unwrap();
            let c = ours.cells.iter().find(|c| c.cell == id).unwrap();
            assert!(matches!(c.method, Method::Exact | Method::Determined));
            // Counts are integers, so the attacker rounds the LP bounds inwards.
            assert_eq!(c.lower, (lower - 1e-6).ceil() as u64, "{codes:?}");
            assert_eq!(
                c.upper,
                upper.map(|u| (u + 1e-6).floor() as u64),
                "{codes:?}"
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "compared {compared} intervals");
}
