//! The canonical tables of a workspace: which committed store files make up each.

use std::path::PathBuf;

use evident_store::{RecordKind, Workspace};

use crate::error::{EngineError, Result};
use crate::session::{Engine, EngineOptions, EngineTarget};
use crate::tables::{self, Sources, canonical_schema};

/// The table of the national offence code list (code → title).
pub const OFFENCE_CODES: &str = "offence_codes";

/// The store files of every canonical table: the current classified file of
/// each committed offence file for `offences`, the committed, non-retracted
/// files of the other kinds. Fails if an offence file is not classified yet.
pub async fn sources(ws: &Workspace) -> Result<Sources> {
    let store = |e: evident_store::StoreError| EngineError::MissingData(e.to_string());
    let unclassified = ws.unclassified_offence_files().await.map_err(store)?;
    if unclassified > 0 {
        return Err(EngineError::MissingData(format!(
            "{unclassified} stored offence file(s) are not classified yet: run `evident classify` \
             (after `evident map import TABLE --source NAME` if no table is imported)"
        )));
    }
    let classified: Vec<PathBuf> = ws
        .classified_files()
        .await
        .map_err(store)?
        .into_iter()
        .map(|f| f.path)
        .collect();
    let offences = canonical_schema(tables::OFFENCES)
        .ok_or_else(|| EngineError::InvalidRequest("no offence schema".into()))?;
    let mut sources = Sources::default().with(tables::OFFENCES, classified, offences);
    for (table, kind) in [
        (tables::PERSONS, RecordKind::Person),
        (tables::COURT_DECISIONS, RecordKind::CourtDecision),
        (tables::PRISON_EVENTS, RecordKind::PrisonEvent),
        (tables::FACILITIES, RecordKind::Facility),
        (tables::POPULATION, RecordKind::Population),
        (tables::AREAS, RecordKind::Area),
        (OFFENCE_CODES, RecordKind::OffenceCode),
    ] {
        let files = ws
            .dataset_files(kind)
            .await
            .map_err(store)?
            .into_iter()
            .map(|f| f.path)
            .collect();
        sources = sources.with(table, files, kind.arrow_schema());
    }
    Ok(sources)
}

/// An engine on `target` over the workspace's tables, with its scratch
/// directory inside the workspace's staging area (cleared by the next writer
/// if the process dies).
pub async fn engine_for(ws: &Workspace, purpose: &str, target: EngineTarget) -> Result<Engine> {
    let mut options = EngineOptions::local(scratch_dir(ws, purpose));
    options.target = target;
    let engine = Engine::start(&options).await?;
    engine.register_sources(&sources(ws).await?).await?;
    Ok(engine)
}

/// The scratch directory of one engine use.
pub fn scratch_dir(ws: &Workspace, purpose: &str) -> PathBuf {
    ws.staging_path(&format!("engine-{purpose}-{}", std::process::id()))
}
