//! Times the classifier on a file of descriptions, one per line:
//! `cargo run --release -p evident-classify --example throughput -- FILE [OUT]`.
//! Writes the top-1 code of each line to OUT when given. Used by `bench/classify/run.sh`.

use std::fs;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use evident_classify::Suggester;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: throughput FILE [OUT]");
        return ExitCode::from(2);
    };
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let lines: Vec<&str> = text.lines().collect();

    let start = Instant::now();
    let suggester = Suggester::new();
    let build = start.elapsed();

    let start = Instant::now();
    let mut top1: Vec<&'static str> = Vec::with_capacity(lines.len());
    for line in &lines {
        top1.push(
            suggester
                .suggest(line, 3)
                .first()
                .map(|s| s.code)
                .unwrap_or(""),
        );
    }
    let run = start.elapsed();
    println!(
        "evident-classify: {} descriptions in {:.3} s ({:.1} µs each); building the classifier ({} phrases) took {:.3} s",
        lines.len(),
        run.as_secs_f64(),
        run.as_secs_f64() * 1e6 / lines.len().max(1) as f64,
        suggester.phrase_count(),
        build.as_secs_f64()
    );
    if let Some(out) = args.get(1) {
        let written = fs::File::create(out).and_then(|mut f| {
            for code in &top1 {
                writeln!(f, "{code}")?;
            }
            Ok(())
        });
        if let Err(e) = written {
            eprintln!("error: {out}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
