//! The release builder: turns computed indicator tables into an immutable,
//! disclosure-controlled release directory.
//!
//! This crate owns what a release *is* on disk: the layout of
//! `DIR/<release-id>/` (protected tables as CSV and Parquet with their status
//! columns, the data dictionary and README, SDMX-ML structure and data,
//! SDMX-CSV and SDMX-JSON, the disclosure report and audit summary, and a
//! manifest with every file's size and SHA-256), the decision of how every
//! column of every indicator table is published (`layout`), the grouping of
//! counts into disclosure-control releases (`model`), reading releases back,
//! checking them, and comparing two of them ([`diff`]).
//!
//! It deliberately does not compute indicators (the engine does), decide which
//! cells to suppress or audit them (`evident-disclosure` does, on the cells
//! this crate hands it), write SDMX syntax (`evident-sdmx`), or keep the
//! catalog of releases (the store; the caller records what [`publish`]
//! returns). It never writes a true count that it withholds, and nothing it
//! writes depends on the clock: the same tables and settings give the same bytes.
//!
//! - [`publish`]: tables + [`ReleaseSettings`] (+ the [`Previous`] release for a
//!   revision) → the release directory, or an error and nothing written.
//! - [`verify`] and [`read_manifest`]: check a release against its manifest.
//! - [`protect_tables`]: the same disclosure control in memory, nothing written
//!   (for a server answering queries from protected tables).
//! - [`diff`]: cells added, removed and changed between two releases.
//! - [`read_table`], [`read_tables`]: the engine's Parquet output back into tables.
//!
//! Users' documentation: `docs/releases.md`.

mod codes;
mod dictionary;
mod diff;
mod error;
mod files;
mod in_memory;
mod layout;
mod model;
mod protect;
mod publish;
mod read;
mod revision;
mod sdmx;
mod settings;

use std::path::{Path, PathBuf};
use std::time::Instant;

use evident_engine::IndicatorTable;

pub use crate::dictionary::{
    CodeEntry, ColumnEntry, Dictionary, GroupEntry, Report, TableEntry, TableReport,
};
pub use crate::diff::{CellChange, ReleaseDiff, RowKey, TableDiff, diff};
pub use crate::error::{ReleaseError, Result};
pub use crate::files::{
    FileEntry, MANIFEST, MANIFEST_FORMAT, Manifest, Verification, read_manifest, sha256, verify,
};
pub use crate::in_memory::{ProtectedTables, protect_tables};
pub use crate::protect::{GroupAudit, GroupLoss};
pub use crate::read::{read_table, read_tables, table_from_csv};
pub use crate::revision::Previous;
pub use crate::settings::{Area, Control, InputBatch, Inputs, ReleaseSettings, Rules, check_id};

use crate::codes::Areas;
use crate::files::{Staging, csv_bytes, json_bytes, parquet_bytes};
use crate::model::Model;

/// What [`publish`] made.
#[derive(Debug, Clone)]
pub struct Published {
    /// The release directory, `out/<id>`.
    pub dir: PathBuf,
    /// Its manifest (also in `manifest.json`), for the catalog.
    pub manifest: Manifest,
    /// The disclosure report (also in `disclosure/report.json`).
    pub report: Report,
    /// The audit of each group (also in `disclosure/audit.json`).
    pub audit: Vec<GroupAudit>,
    /// For the publisher's eyes only, never written: the value withheld per
    /// group, which with the published totals would give back sums of withheld cells.
    pub loss: Vec<GroupLoss>,
    /// Rows added to each table for withheld zeros the engine omitted. Never
    /// written: it would say how many withheld cells are zeros.
    pub rows_added: Vec<(String, usize)>,
    /// Seconds each step of the build took, for progress reports and benchmarks
    /// (the release's bytes never depend on them).
    pub steps: Vec<(String, f64)>,
}

/// Builds release `settings.id` under `out` from computed indicator tables.
///
/// Every count goes through disclosure control (suppression with the interval
/// audit, or rounding), every derived value follows its counts, and every file
/// is written into a hidden sibling directory that is renamed to `out/<id>`
/// only when all of them are complete. An existing `out/<id>` is refused, as is
/// any failure of disclosure control; in both cases nothing is left behind.
///
/// For a revision, `previous` gives the release it revises and that release's
/// tables recomputed from the store: the new release is audited jointly with
/// it, and everything it withheld stays withheld.
pub fn publish(
    tables: &[IndicatorTable],
    settings: &ReleaseSettings,
    previous: Option<&Previous>,
    out: &Path,
) -> Result<Published> {
    settings.validate()?;
    let target = out.join(&settings.id);
    if target.exists() {
        return Err(ReleaseError::AlreadyExists {
            id: settings.id.clone(),
            path: target,
        });
    }
    let areas = Areas::new(&settings.areas)
        .map_err(|reason| ReleaseError::Settings(format!("areas: {reason}")))?;
    let earlier = match previous {
        None => None,
        Some(p) => {
            if !matches!(settings.control, Control::Suppression { .. }) {
                return Err(ReleaseError::Settings(
                    "a revision must use suppression, like the release it revises".to_owned(),
                ));
            }
            let loaded = revision::load(p)?;
            if loaded.id == settings.id {
                return Err(ReleaseError::Settings(format!(
                    "release {} cannot revise itself",
                    settings.id
                )));
            }
            Some(loaded)
        }
    };

    let mut clock = Steps::start();
    let mut model = Model::build(tables, areas)?;
    clock.step("place counts in disclosure groups");
    let (audit, loss) = protect::apply(&mut model, &settings.control, earlier.as_ref())?;
    if let Some(failed) = audit.iter().find(|a| !a.passed) {
        return Err(ReleaseError::CannotProtect {
            group: failed.group.clone(),
            cells: Vec::new(),
        });
    }
    clock.step("disclosure control and audit");
    let tables = publish::publish(&model, &settings.control)?;
    clock.step("protected tables");

    let mut staging = Staging::new(out, &settings.id)?;
    for table in &tables {
        staging.write(&format!("data/{}.csv", table.indicator), &csv_bytes(table)?)?;
        staging.write(
            &format!("data/{}.parquet", table.indicator),
            &parquet_bytes(table)?,
        )?;
    }
    clock.step("CSV and Parquet files");
    let dictionary = dictionary::dictionary(settings, &model, &tables);
    staging.write("data/dictionary.json", &json_bytes(&dictionary)?)?;
    let report = dictionary::report(settings, &tables);
    staging.write("disclosure/report.json", &json_bytes(&report)?)?;
    let method = match settings.control {
        Control::Suppression { .. } => "suppression",
        Control::RandomRounding { .. } => "random_rounding",
        Control::ControlledRounding { .. } => "controlled_rounding",
    };
    let audit_file = dictionary::AuditFile {
        release_id: &settings.id,
        method,
        passed: audit.iter().all(|a| a.passed),
        groups: &audit,
        note: "Aggregates only: the audit's interval for each withheld cell, its true value and the width it \
               needed are not published (the width gives away the size of a large cell).",
    };
    staging.write("disclosure/audit.json", &json_bytes(&audit_file)?)?;
    for (name, bytes) in sdmx::render(settings, &model.areas, &tables)? {
        staging.write(&format!("sdmx/{name}"), &bytes)?;
    }
    clock.step("dictionary, report and SDMX files");
    let revises = earlier.as_ref().map(|e| e.id.as_str());
    staging.write(
        "README.md",
        dictionary::readme(settings, &dictionary, &report, revises).as_bytes(),
    )?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        release_id: settings.id.clone(),
        created: settings.created.clone(),
        agency: settings.agency.clone(),
        sdmx_version: settings.sdmx_version.clone(),
        revises: revises.map(str::to_owned),
        inputs: settings.inputs.clone(),
        indicators: tables.iter().map(|t| t.indicator.clone()).collect(),
        disclosure: settings.control.clone(),
        files: staging.files(),
    };
    let dir = staging.commit(&json_bytes(&manifest)?)?;
    clock.step("README, manifest and rename into place");
    Ok(Published {
        dir,
        manifest,
        report,
        audit,
        loss,
        rows_added: tables
            .iter()
            .map(|t| (t.indicator.clone(), t.added))
            .collect(),
        steps: clock.steps,
    })
}

/// Wall-clock time of each step of a build (never written into the release).
struct Steps {
    last: Instant,
    steps: Vec<(String, f64)>,
}

impl Steps {
    fn start() -> Steps {
        Steps {
            last: Instant::now(),
            steps: Vec::new(),
        }
    }

    fn step(&mut self, name: &str) {
        let now = Instant::now();
        self.steps
            .push((name.to_owned(), (now - self.last).as_secs_f64()));
        self.last = now;
    }
}

#[cfg(test)]
mod tests;
