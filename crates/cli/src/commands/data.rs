//! The engine over a workspace: which store files make up each table.

use std::collections::BTreeMap;

use anyhow::Context;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use evident_engine::{Engine, EngineOptions, EngineTarget};
use evident_store::Workspace;

pub use evident_engine::workspace::scratch_dir;

/// A local engine for `purpose` (tables not registered).
pub async fn local_engine(ws: &Workspace, purpose: &str) -> anyhow::Result<Engine> {
    engine(ws, purpose, EngineTarget::Local).await
}

/// An engine on `target` with a scratch directory in the workspace (tables not registered).
pub async fn engine(ws: &Workspace, purpose: &str, target: EngineTarget) -> anyhow::Result<Engine> {
    engine_with_memory(ws, purpose, target, None).await
}

/// [`engine`] with a memory limit in bytes for the local engine's pool
/// [default: the engine's 2 GiB].
pub async fn engine_with_memory(
    ws: &Workspace,
    purpose: &str,
    target: EngineTarget,
    memory_limit: Option<usize>,
) -> anyhow::Result<Engine> {
    let mut options = EngineOptions::local(scratch_dir(ws, purpose));
    options.target = target;
    if let Some(limit) = memory_limit {
        options.memory_limit = limit;
    }
    Engine::start(&options)
        .await
        .with_context(|| format!("starting the {} engine", options.target))
}

/// Registers the workspace's tables in `engine`.
pub async fn register_workspace(engine: &Engine, ws: &Workspace) -> anyhow::Result<()> {
    let sources = evident_engine::workspace::sources(ws).await?;
    engine.register_sources(&sources).await?;
    Ok(())
}

/// National code → title, from the offence code list (latest entry per code).
pub async fn offence_code_titles(engine: &Engine) -> anyhow::Result<BTreeMap<String, String>> {
    let batches = engine
        .query("SELECT national_code, description FROM offence_codes ORDER BY valid_from")
        .await?;
    let mut titles = BTreeMap::new();
    for batch in &batches {
        let codes = text_values(batch, 0)?;
        let names = text_values(batch, 1)?;
        for (code, name) in codes.into_iter().zip(names) {
            if let (Some(code), Some(name)) = (code, name) {
                titles.insert(code, name);
            }
        }
    }
    Ok(titles)
}

/// A column of a result as optional strings.
pub fn text_values(batch: &RecordBatch, column: usize) -> anyhow::Result<Vec<Option<String>>> {
    let array = datafusion::arrow::compute::cast(batch.column(column), &DataType::Utf8)?;
    let array = array.as_string::<i32>();
    Ok((0..array.len())
        .map(|i| (!array.is_null(i)).then(|| array.value(i).to_owned()))
        .collect())
}

/// One integer of a result (0 when NULL).
pub fn int_at(batch: &RecordBatch, column: usize, row: usize) -> anyhow::Result<u64> {
    let array = datafusion::arrow::compute::cast(batch.column(column), &DataType::Int64)?;
    let array = array.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    Ok(if array.is_null(row) {
        0
    } else {
        array.value(row).max(0) as u64
    })
}
