//! Benchmark driver for `bench/ingest/run.sh` (not a test).
//!
//! `ingest_bench generate ROWS DIR` writes `offences.csv`, `areas.csv` and
//! `codes.csv` shaped like a police extract (semicolons, dd/mm/yyyy dates,
//! 0.5 % bad rows, 0.1 % repeated ids).
//! `ingest_bench ingest DIR` creates a workspace in DIR/ws, ingests the
//! reference data, then times the offence file and prints one JSON line with
//! rows per second and the process's peak memory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use evident_ingest::{IngestOptions, Outcome, Schema, ingest_file};
use evident_store::{InitOptions, Workspace};

const AREAS: u32 = 300;
const CODES: u32 = 180;

const OFFENCE_SCHEMA: &str = r#"
kind = "offence"
[file]
delimiter = ";"
[columns.record_id]
from = "id"
[columns.source]
from = "agency"
[columns.occurred_date]
from = "occurred"
format = "%d/%m/%Y"
[columns.recorded_date]
from = "recorded"
format = "%d/%m/%Y"
[columns.area_code]
from = "district"
[columns.national_code]
from = "offence"
[columns.attempted]
from = "attempted"
true_values = ["J"]
false_values = ["N"]
[columns.weapon]
from = "weapon"
codes = { SW = "1", MS = "2", AM = "3", UM = "4", KW = "5", KA = "6" }
[columns.location_type]
from = "place"
codes = { WOHNUNG = "1", STRASSE = "2", SCHULE = "3", ANSTALT = "4", HEIM = "5", GEWERBE = "6", SONSTIGE = "7", UNBEKANNT = "8" }
[columns.cyber]
from = "cyber"
true_values = ["J"]
false_values = ["N"]
[columns.case_id]
from = "case"
"#;

/// A small deterministic generator (SplitMix64, Steele, Lea and Flood 2014).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn generate(rows: u64, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut areas = std::io::BufWriter::new(std::fs::File::create(dir.join("areas.csv"))?);
    writeln!(areas, "code;name;level")?;
    for a in 0..AREAS {
        writeln!(areas, "{:05};District {a};2", 1000 + a)?;
    }
    let mut codes = std::io::BufWriter::new(std::fs::File::create(dir.join("codes.csv"))?);
    writeln!(codes, "code;title")?;
    for c in 0..CODES {
        writeln!(codes, "PC-{:03};Offence {c}", 100 + c)?;
    }
    let weapons = ["SW", "MS", "AM", "UM", "KW", "KA"];
    let places = [
        "WOHNUNG",
        "STRASSE",
        "SCHULE",
        "ANSTALT",
        "HEIM",
        "GEWERBE",
        "SONSTIGE",
        "UNBEKANNT",
    ];
    let agencies = [
        "Polizei Lindenau",
        "Police Valmora-Capitale",
        "Police Pré-aux-Cerfs",
        "Polizei Hochwald",
    ];
    let mut rng = SplitMix(42);
    let mut out = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(dir.join("offences.csv"))?,
    );
    writeln!(
        out,
        "id;agency;occurred;recorded;district;offence;attempted;weapon;place;cyber;case"
    )?;
    for i in 0..rows {
        let year = 2019 + rng.below(6);
        let month = 1 + rng.below(12);
        let day = 1 + rng.below(28);
        let lag = rng.below(3);
        let bad = rng.below(1000);
        // 0.1 % repeat an earlier id; 0.5 % are bad in one of five ways.
        let id = if bad == 0 && i > 0 { rng.below(i) } else { i };
        let (mut occurred_day, mut district, mut code) = (
            day,
            1000 + rng.below(u64::from(AREAS)),
            100 + rng.below(u64::from(CODES)),
        );
        match bad {
            1 => occurred_day = 31 + rng.below(2), // impossible date (31 or 32)
            2 => district = 9999,                  // unknown district
            3 => code = 999,                       // unknown offence code
            _ => {}
        }
        let recorded_day = (day + lag).min(28);
        let case = if rng.below(3) == 0 {
            format!("AZ-{year}-{i:07}")
        } else {
            String::new()
        };
        if bad == 4 {
            // A required value missing.
            writeln!(
                out,
                "{id:09};;{occurred_day:02}/{month:02}/{year};;{district:05};PC-{code:03};N;KW;STRASSE;N;"
            )?;
            continue;
        }
        if bad == 5 {
            writeln!(out, "{id:09};{}", agencies[0])?; // ragged
            continue;
        }
        writeln!(
            out,
            "{id:09};{};{occurred_day:02}/{month:02}/{year};{recorded_day:02}/{month:02}/{year};{district:05};PC-{code:03};{};{};{};{};{case}",
            agencies[rng.below(4) as usize],
            if rng.below(10) == 0 { "J" } else { "N" },
            weapons[rng.below(6) as usize],
            places[rng.below(8) as usize],
            if rng.below(8) == 0 { "J" } else { "N" },
        )?;
    }
    out.flush()
}

fn peak_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

async fn ingest(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let ws_dir = dir.join("ws");
    if ws_dir.exists() {
        std::fs::remove_dir_all(&ws_dir)?;
    }
    let options = InitOptions {
        key_file: Some(dir.join("bench.key")),
        ..InitOptions::default()
    };
    let (ws, _) = Workspace::init(&ws_dir, options).await?;
    let reference = [
        (
            "kind = \"area\"\n[file]\ndelimiter = \";\"\n[columns.area_code]\nfrom = \"code\"\n[columns.name]\nfrom = \"name\"\n[columns.level]\nfrom = \"level\"\n",
            "areas.csv",
        ),
        (
            "kind = \"offence_code\"\n[file]\ndelimiter = \";\"\n[columns.national_code]\nfrom = \"code\"\n[columns.description]\nfrom = \"title\"\n",
            "codes.csv",
        ),
    ];
    for (text, file) in reference {
        let schema = Schema::parse(Path::new("reference.toml"), text)?;
        ingest_file(&ws, &schema, &dir.join(file), IngestOptions::default()).await?;
    }
    let schema = Schema::parse(Path::new("offences.toml"), OFFENCE_SCHEMA)?;
    let started = Instant::now();
    let outcome = ingest_file(
        &ws,
        &schema,
        &dir.join("offences.csv"),
        IngestOptions::default(),
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let Outcome::Stored { summary, .. } = outcome else {
        return Err("the file was already ingested".into());
    };
    let store_bytes: u64 = ws
        .dataset_files(evident_store::RecordKind::Offence)
        .await?
        .iter()
        .map(|f| f.size_bytes)
        .sum();
    println!(
        "{}",
        serde_json::json!({
            "rows_read": summary.rows_read,
            "rows_stored": summary.rows_stored,
            "rows_quarantined": summary.rows_quarantined,
            "rows_duplicate": summary.rows_duplicate,
            "seconds": seconds,
            "rows_per_second": summary.rows_read as f64 / seconds,
            "peak_memory_bytes": peak_memory_bytes(),
            "parquet_bytes": store_bytes,
        })
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result: Result<(), Box<dyn std::error::Error>> = match args.get(1).map(String::as_str) {
        Some("generate") if args.len() == 4 => match args[2].parse::<u64>() {
            Ok(rows) => generate(rows, &PathBuf::from(&args[3])).map_err(Into::into),
            Err(e) => Err(e.into()),
        },
        Some("ingest") if args.len() == 3 => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(Into::into)
            .and_then(|rt| rt.block_on(ingest(&PathBuf::from(&args[2])))),
        _ => Err("usage: ingest_bench generate ROWS DIR | ingest_bench ingest DIR".into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
