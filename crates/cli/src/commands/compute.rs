//! `evident compute`: indicator tables from the store.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use evident_engine::{ComputeRequest, DateBasis, EngineTarget, Purpose, compute_each};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::{data, workspace};
use crate::output::{Output, UsageError};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  evident compute\n  \
    evident compute --indicator offences --by iccs:3,area:1,period:quarter --from 2022 --to 2023\n  \
    evident compute --indicator sdg_16_1_1 --engine ballista://scheduler:50050 --json")]
pub struct ComputeArgs {
    /// Indicator id (repeat for several) [default: the standard set; see `evident indicators list`].
    #[arg(long = "indicator", value_name = "ID")]
    pub indicators: Vec<String>,
    /// First period: a year (2021), quarter (2021-Q1) or month (2021-03).
    #[arg(long, value_name = "PERIOD")]
    pub from: Option<String>,
    /// Last period, same forms.
    #[arg(long, value_name = "PERIOD")]
    pub to: Option<String>,
    /// Breakdown, e.g. iccs:2,area:2,period:month,sex,age [default: each indicator's own].
    #[arg(long, value_name = "DIMENSIONS")]
    pub by: Option<String>,
    /// Where queries run: local, or ballista://HOST:PORT for a Ballista scheduler
    /// (the store must be on storage every executor reads at the same path).
    #[arg(long, default_value = "local")]
    pub engine: String,
    /// Place offences in periods by recording date or by occurrence date.
    #[arg(long, value_parser = ["recorded", "occurred"], default_value = "recorded")]
    pub date: String,
    /// Base year of the crime severity index [default: the first year of data].
    #[arg(long)]
    pub base_year: Option<i32>,
    /// Standard detail of each table: `analysis` (districts and months, for the
    /// dashboard and analysts) or `publication` (regions and years; the input of
    /// `evident publish`). Ignored for indicators broken down by --by.
    #[arg(long = "for", value_parser = ["analysis", "publication"], default_value = "analysis")]
    pub purpose: String,
    /// Directory for the tables [default: WORKSPACE/tables/analysis or WORKSPACE/tables/publication].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Memory the local engine may hold before it spills aggregations and sorts
    /// to disk, e.g. 2GiB, 512MiB, 8G. The process uses some more for the
    /// tables it writes.
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = parse_size)]
    pub memory_limit: usize,
}

/// Parses a byte size: a number with an optional unit (B, K/KiB, M/MiB, G/GiB;
/// powers of 1024).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 2GiB or 512MiB, found {text:?}"))?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KiB, MiB or GiB)"
            ));
        }
    };
    let bytes = number * scale;
    if !(bytes >= 64.0 * 1024.0 * 1024.0 && bytes.is_finite()) {
        return Err(format!(
            "{text:?} is too small: the engine needs at least 64MiB"
        ));
    }
    Ok(bytes as usize)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_in_powers_of_1024() {
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(parse_size("100000000"), Ok(100_000_000));
        assert!(parse_size("10MiB").unwrap_err().contains("too small"));
        assert!(parse_size("2TB").unwrap_err().contains("unknown size unit"));
        assert!(parse_size("lots").unwrap_err().contains("expected a size"));
    }
}

#[derive(Serialize)]
pub struct ComputeView {
    pub engine: String,
    pub out: PathBuf,
    pub tables: Vec<TableView>,
    pub inputs: Inputs,
}

#[derive(Serialize)]
pub struct TableView {
    pub indicator: String,
    pub rows: usize,
    pub files: Vec<PathBuf>,
}

/// What a compute run read: recorded beside the tables (`tables.json`) so that a
/// release can say which data produced it.
#[derive(Serialize, Clone)]
pub struct Inputs {
    pub evident_version: &'static str,
    pub iccs_version: &'static str,
    pub computed_at: String,
    pub batches: Vec<i64>,
    pub mapping_versions: Vec<i64>,
    pub request: serde_json::Value,
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(UsageError(e.to_string()))
}

pub fn run(args: ComputeArgs, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let target: EngineTarget = args.engine.parse().map_err(usage)?;
    let request = ComputeRequest {
        indicators: args.indicators.clone(),
        from: args
            .from
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(usage)?,
        to: args
            .to
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(usage)?,
        breakdown: args
            .by
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(usage)?,
        date_basis: if args.date == "occurred" {
            DateBasis::Occurred
        } else {
            DateBasis::Recorded
        },
        base_year: args.base_year,
        purpose: if args.purpose == "publication" {
            Purpose::Publication
        } else {
            Purpose::Analysis
        },
    };
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| tables_dir(&ws, request.purpose));
    let described = serde_json::json!({
        "indicators": args.indicators,
        "from": args.from,
        "to": args.to,
        "by": args.by,
        "engine": args.engine,
        "date": args.date,
        "base_year": args.base_year,
        "for": args.purpose,
    });
    let view = rt.block_on(run_request(
        &ws,
        target,
        &request,
        &dir,
        described,
        Some(args.memory_limit),
    ))?;
    out.emit(&view, |w| {
        writeln!(
            w,
            "computed {} tables on the {} engine into {}",
            view.tables.len(),
            view.engine,
            view.out.display()
        )?;
        for t in &view.tables {
            writeln!(w, "  {:<18} {:>9} rows", t.indicator, t.rows)?;
        }
        writeln!(
            w,
            "next: evident publish --release ID (from tables computed --for publication)"
        )
    })
}

/// Where tables of each purpose go by default.
pub fn tables_dir(ws: &evident_store::Workspace, purpose: Purpose) -> PathBuf {
    ws.root().join("tables").join(match purpose {
        Purpose::Analysis => "analysis",
        Purpose::Publication => "publication",
    })
}

/// Runs one compute request and writes the tables; shared with `evident demo`.
pub async fn run_request(
    ws: &evident_store::Workspace,
    target: EngineTarget,
    request: &ComputeRequest,
    dir: &std::path::Path,
    described: serde_json::Value,
    memory_limit: Option<usize>,
) -> anyhow::Result<ComputeView> {
    let engine = data::engine_with_memory(ws, "compute", target.clone(), memory_limit).await?;
    data::register_workspace(&engine, ws).await?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // Each table is written as soon as it is computed and then dropped.
    let mut views = Vec::new();
    compute_each(&engine, request, |table| {
        let files = table
            .write(dir)
            .with_context(|| format!("writing {} into {}", table.indicator, dir.display()))?;
        views.push(TableView {
            indicator: table.indicator.clone(),
            rows: table.rows(),
            files,
        });
        Ok::<(), anyhow::Error>(())
    })
    .await
    .map_err(|e| match e.downcast_ref::<evident_engine::EngineError>() {
        Some(
            evident_engine::EngineError::InvalidRequest(_)
            | evident_engine::EngineError::UnknownEngine(_),
        ) => usage(e),
        _ => e,
    })?;
    let classified = ws.classified_files().await?;
    let mut batches: BTreeSet<i64> = classified.iter().map(|f| f.batch_id).collect();
    for kind in evident_store::RecordKind::ALL {
        for file in ws.dataset_files(kind).await? {
            batches.insert(file.batch_id);
        }
    }
    let inputs = Inputs {
        evident_version: env!("CARGO_PKG_VERSION"),
        iccs_version: evident_iccs::VERSION,
        computed_at: evident_store::now_utc(),
        batches: batches.into_iter().collect(),
        mapping_versions: classified
            .iter()
            .map(|f| f.mapping_version)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        request: described,
    };
    let manifest = serde_json::json!({
        "tables": views.iter().map(|v| serde_json::json!({
            "indicator": v.indicator,
            "rows": v.rows,
            "files": v.files.iter().map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned())).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "inputs": serde_json::to_value(&inputs)?,
    });
    let path = dir.join("tables.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest)?)
        .with_context(|| format!("writing {}", path.display()))?;
    let _ = std::fs::remove_dir_all(data::scratch_dir(ws, "compute"));
    Ok(ComputeView {
        engine: target.to_string(),
        out: dir.to_path_buf(),
        tables: views,
        inputs,
    })
}
