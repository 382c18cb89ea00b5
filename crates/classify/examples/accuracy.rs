//! Prints the classifier's measured accuracy on the labelled evaluation set:
//! `cargo run -p evident-classify --example accuracy [-- [--split dev|test|synthetic] [--misses] [--synthetic] [FILE ...]]`.
//!
//! Without FILE arguments it reads `tests/eval/offences.csv` of this crate.
//! `--synthetic` adds the synthetic country's national code list, labelled
//! from its true correspondence (split `synthetic`). `--misses` lists the
//! top-1 misses of the dev split only: the test and synthetic items are never
//! printed, so that nobody tunes on them by accident.

use std::fs::File;
use std::process::ExitCode;

use evident_classify::{Suggester, evaluate, read_labelled};

#[path = "../tests/eval/synthetic_items.rs"]
mod synthetic_items;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let with_synthetic = args.iter().any(|a| a == "--synthetic");
    let only_split = args
        .iter()
        .position(|a| a == "--split")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let mut files: Vec<String> = Vec::new();
    let mut skip_next = false;
    for arg in &args {
        if skip_next {
            skip_next = false;
        } else if arg == "--split" {
            skip_next = true;
        } else if arg != "--misses" && arg != "--synthetic" {
            files.push(arg.clone());
        }
    }
    if files.is_empty() {
        files.push(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval/offences.csv").to_owned());
    }
    let mut items = Vec::new();
    for path in &files {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) => {
                eprintln!("error: {path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        match read_labelled(file, path) {
            Ok(mut read) => items.append(&mut read),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if with_synthetic {
        items.extend(synthetic_items::synthetic_items());
    }
    let suggester = Suggester::new();
    for report in evaluate(&suggester, &items) {
        if only_split.as_ref().is_some_and(|s| *s != report.split) {
            continue;
        }
        println!("{report}");
        if show_misses && report.split == "dev" {
            println!("dev top-1 misses ({}):", report.misses.len());
            for miss in &report.misses {
                let top = suggester.suggest(&miss.item.text, 3);
                let reason = top
                    .first()
                    .map(|s| s.reason.as_str())
                    .unwrap_or("no known word");
                let alternatives: Vec<&str> = top.iter().skip(1).map(|s| s.code).collect();
                println!(
                    "  [{}] {:?} label {} got {} [alt {}] ({})",
                    miss.item.source,
                    miss.item.text,
                    miss.item.label,
                    miss.suggested.unwrap_or("--"),
                    alternatives.join(" "),
                    reason
                );
            }
            println!();
        }
    }
    ExitCode::SUCCESS
}
