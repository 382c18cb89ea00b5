//! `evident classify`: attach ICCS codes to stored offences.

use anyhow::Context;
use clap::Args;
use evident_classify::CorrespondenceTable;
use evident_engine::classification::classify_offences;
use evident_store::{NewClassifiedFile, RecordKind};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::{data, workspace};
use crate::output::{Output, UsageError};

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  evident classify\n  evident classify --all --json")]
pub struct ClassifyArgs {
    /// Reclassify every offence file, not only those without a classification
    /// by the current table version (a new version reclassifies everything anyway).
    #[arg(long)]
    pub all: bool,
}

#[derive(Serialize)]
pub struct ClassifyView {
    pub mapping_version: i64,
    pub files: usize,
    pub records: u64,
    pub mapped: u64,
    pub unmapped: u64,
}

/// Classifies what needs it with the current table; shared with `evident demo`.
pub async fn classify_workspace(
    ws: &evident_store::Workspace,
    all: bool,
    out: &Output,
) -> anyhow::Result<ClassifyView> {
    let lock = ws.lock_for_writing().await?;
    let version = ws.current_mapping().await?.ok_or_else(|| {
            UsageError(
                "no correspondence table in this workspace: run `evident map import TABLE --source NAME` first"
                    .into(),
            )
        })?;
    let text = std::fs::read_to_string(&version.path)
        .with_context(|| format!("reading {}", version.path.display()))?;
    let table = CorrespondenceTable::parse(&text, &version.path.display().to_string())?;
    let files = ws.offence_files_to_classify(version.id, all).await?;
    let persons: Vec<_> = ws
        .dataset_files(RecordKind::Person)
        .await?
        .into_iter()
        .map(|f| f.path)
        .collect();
    let engine = data::local_engine(ws, "classify").await?;
    let bar = out.progress(files.len() as u64, "classifying");
    let mut staged = Vec::new();
    let mut view = ClassifyView {
        mapping_version: version.id,
        files: files.len(),
        records: 0,
        mapped: 0,
        unmapped: 0,
    };
    for file in &files {
        let path = ws.staging_path(&format!(
            "classified-{}-v{}.parquet",
            file.dataset_file_id, version.id
        ));
        let counts = classify_offences(
            &engine,
            std::slice::from_ref(&file.path),
            &persons,
            &table,
            version.id,
            &path,
        )
        .await
        .with_context(|| format!("classifying {}", file.path.display()))?;
        view.records += counts.records;
        view.mapped += counts.mapped;
        view.unmapped += counts.unmapped;
        staged.push(NewClassifiedFile {
            dataset_file_id: file.dataset_file_id,
            batch_id: file.batch_id,
            staged_path: path,
            rows: counts.records,
            mapped: counts.mapped,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    ws.commit_classified(&lock, version.id, &staged).await?;
    let _ = std::fs::remove_dir_all(data::scratch_dir(ws, "classify"));
    Ok(view)
}

pub fn run(args: ClassifyArgs, global: &GlobalArgs, out: &Output) -> anyhow::Result<()> {
    let rt = workspace::runtime()?;
    let ws = workspace::open(global, &rt)?;
    let view = rt.block_on(classify_workspace(&ws, args.all, out))?;
    out.emit(&view, |w| {
        if view.files == 0 {
            return writeln!(w, "every offence file is already classified by table version {}", view.mapping_version);
        }
        let share = if view.records > 0 { 100.0 * view.mapped as f64 / view.records as f64 } else { 0.0 };
        writeln!(
            w,
            "classified {} records in {} files with table version {}: {} mapped ({share:.2} %), {} not classifiable",
            view.records, view.files, view.mapping_version, view.mapped, view.unmapped
        )?;
        writeln!(w, "next: evident map coverage, then evident compute")
    })
}
