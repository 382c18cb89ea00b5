//! Builds a release from a directory of engine output tables and prints how
//! long each step took.
//!
//! ```text
//! release_from_tables TABLES_DIR AREAS_CSV OUT_DIR [RELEASE_ID] [rounding:BASE]
//! ```
//!
//! `TABLES_DIR` holds `<indicator>.parquet` files as `IndicatorTable::write`
//! writes them (`severity_weights.parquet` beside `severity_index.parquet`);
//! `AREAS_CSV` is the area reference file (`area_code,name,level,parent_code`).
//! The release goes to `OUT_DIR/<RELEASE_ID>` (default `BENCH`); an existing
//! one is refused.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use evident_release::{Area, Control, Inputs, ReleaseSettings, Rules, publish, read_tables};

fn areas(path: &Path) -> Result<Vec<Area>, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let position = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{}: no column {name}", path.display()))
    };
    let (code, name, parent) = (
        position("area_code")?,
        position("name")?,
        position("parent_code")?,
    );
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
        out.push(Area {
            code: record[code].to_owned(),
            name: record[name].to_owned(),
            parent: Some(record[parent].to_owned()).filter(|p| !p.is_empty()),
        });
    }
    Ok(out)
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err(
            "usage: release_from_tables TABLES_DIR AREAS_CSV OUT_DIR [RELEASE_ID] [rounding:BASE]"
                .to_owned(),
        );
    }
    let id = args.get(3).cloned().unwrap_or_else(|| "BENCH".to_owned());
    let control = match args.get(4).and_then(|a| a.strip_prefix("rounding:")) {
        Some(base) => Control::RandomRounding {
            base: base
                .parse()
                .map_err(|_| format!("rounding base {base:?}"))?,
            seed: 1,
        },
        None => Control::Suppression {
            rules: Rules::default(),
        },
    };
    let started = Instant::now();
    let tables = read_tables(Path::new(&args[0])).map_err(|e| e.to_string())?;
    let rows: usize = tables.iter().map(|t| t.rows()).sum();
    let read = started.elapsed();
    let settings = ReleaseSettings {
        id,
        created: "2025-01-01T00:00:00Z".to_owned(),
        agency: "NSO_XX".to_owned(),
        sdmx_version: "1.0".to_owned(),
        areas: areas(Path::new(&args[1]))?,
        inputs: Inputs {
            code_version: env!("CARGO_PKG_VERSION").to_owned(),
            ..Inputs::default()
        },
        control,
    };
    let started = Instant::now();
    let published =
        publish(&tables, &settings, None, Path::new(&args[2])).map_err(|e| e.to_string())?;
    let build = started.elapsed();
    let bytes: u64 = published.manifest.files.iter().map(|f| f.bytes).sum();
    println!(
        "read {} tables ({rows} rows) in {:.2} s; built and wrote the release in {:.2} s ({:.1} MB in {} files)",
        tables.len(),
        read.as_secs_f64(),
        build.as_secs_f64(),
        bytes as f64 / 1e6,
        published.manifest.files.len()
    );
    for (step, seconds) in &published.steps {
        println!("  {seconds:>7.2} s  {step}");
    }
    for (t, (_, added)) in published.report.tables.iter().zip(&published.rows_added) {
        println!(
            "  {:<18} {:>9} rows ({:>6} added) {:>9} counts: {:>8} primary {:>8} secondary ({:.1} % withheld)",
            t.indicator,
            t.rows,
            added,
            t.values,
            t.primary,
            t.secondary,
            100.0 * t.withheld_share
        );
    }
    for (audit, loss) in published
        .audit
        .iter()
        .zip(&published.loss)
        .filter(|(_, l)| l.cells > 0)
    {
        println!(
            "  group {:<18} {:>9} cells, {:>8} withheld ({:.1} % of the value); audit: {} exact, {} proven, largest component {}",
            audit.group,
            loss.cells,
            loss.suppressed_cells,
            100.0 * loss.share_value,
            audit.exact,
            audit.verified,
            audit.largest_component
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("release_from_tables: {e}");
            ExitCode::FAILURE
        }
    }
}
