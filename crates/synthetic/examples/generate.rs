//! Writes a synthetic country: `cargo run --release -p evident-synthetic --example generate -- OUT_DIR [OFFENCES] [SEED] [THREADS]`.
//!
//! Prints the files written (rows, bytes), the dirty rows and the wall time.

use std::path::PathBuf;
use std::process::ExitCode;

use evident_synthetic::{CountrySpec, Progress, Stage, generate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: generate OUT_DIR [OFFENCES] [SEED] [THREADS]");
        return ExitCode::from(2);
    };
    let mut spec = CountrySpec::default();
    let number = |i: usize, name: &str| -> Result<Option<u64>, String> {
        args.get(i)
            .map(|s| {
                s.replace('_', "")
                    .parse::<u64>()
                    .map_err(|e| format!("{name} {s:?}: {e}"))
            })
            .transpose()
    };
    let parsed = (|| -> Result<(), String> {
        if let Some(n) = number(1, "offences")? {
            spec.offences = n;
        }
        if let Some(n) = number(2, "seed")? {
            spec.seed = n;
        }
        if let Some(n) = number(3, "threads")? {
            spec.threads = n as usize;
        }
        Ok(())
    })();
    if let Err(message) = parsed {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    let last = std::cell::Cell::new(0u64);
    let progress = |p: Progress| {
        if p.stage == Stage::Offences && p.done * 10 / p.total.max(1) != last.get() {
            last.set(p.done * 10 / p.total.max(1));
            eprintln!("offences {:>3} %", p.done * 100 / p.total.max(1));
        }
    };
    match generate(&spec, &PathBuf::from(out), &progress) {
        Ok(summary) => {
            for f in &summary.files {
                println!(
                    "{:<32} {:>12} rows {:>14} bytes",
                    f.path.display(),
                    f.rows,
                    f.bytes
                );
            }
            for d in summary.dirty.iter().filter(|d| d.rows > 0) {
                println!("dirty {:<24} {:<22} {:>8}", d.file, d.kind, d.rows);
            }
            println!(
                "offences generated {}, recorded by extraction {}, wall time {:.2} s",
                summary.offences_generated,
                summary.offences_recorded,
                summary.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
