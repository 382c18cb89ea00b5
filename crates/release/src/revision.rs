//! Revisions: protecting a release together with the one it revises.
//!
//! Disclosure control of a revision needs the previous release's true counts,
//! including those it withheld. They are never written anywhere: the caller
//! recomputes the previous release's tables from the store, with the inputs
//! its manifest records, and this module checks them against what the
//! previous release published (every published count must come out the same,
//! every row must be there) before trusting them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use evident_engine::IndicatorTable;

use crate::codes::Areas;
use crate::dictionary::Dictionary;
use crate::error::{ReleaseError, Result};
use crate::files::verify;
use crate::model::{Model, Origin};
use crate::protect::PreviousGroups;
use crate::settings::{Area, Control};

/// The release a new release revises.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    /// Its directory, as published (it is checked against its manifest).
    pub dir: &'a Path,
    /// Its tables recomputed from the store with the inputs its manifest
    /// lists: the true counts, withheld ones included.
    pub tables: &'a [IndicatorTable],
}

/// Loads the previous release's groups with their true counts and the cells it withheld.
pub(crate) fn load(previous: &Previous) -> Result<PreviousGroups> {
    let dir = previous.dir;
    let fail = |id: &str, reason: String| ReleaseError::Previous {
        id: id.to_owned(),
        reason,
    };
    let check = verify(dir)?;
    let id = check.manifest.release_id.clone();
    if !check.is_intact() {
        return Err(fail(
            &id,
            format!(
                "its files do not match its manifest: {}",
                check.problems.join("; ")
            ),
        ));
    }
    if !matches!(check.manifest.disclosure, Control::Suppression { .. }) {
        return Err(fail(
            &id,
            "it was rounded, not suppressed; a revision is audited against a suppressed release"
                .to_owned(),
        ));
    }
    let mut given: Vec<&str> = previous
        .tables
        .iter()
        .map(|t| t.indicator.as_str())
        .collect();
    given.sort_unstable();
    let mut listed: Vec<&str> = check
        .manifest
        .indicators
        .iter()
        .map(String::as_str)
        .collect();
    listed.sort_unstable();
    if given != listed {
        return Err(fail(
            &id,
            format!("it published {listed:?}, but the recomputed tables are {given:?}"),
        ));
    }
    let path = dir.join("data/dictionary.json");
    let bytes = std::fs::read(&path).map_err(|e| ReleaseError::io(&path, e))?;
    let dictionary: Dictionary = serde_json::from_slice(&bytes)
        .map_err(|e| ReleaseError::malformed(&path, e.to_string()))?;
    let areas: Vec<Area> = dictionary
        .codelists
        .get("area")
        .map(|codes| {
            codes
                .iter()
                .filter(|c| c.code != crate::codes::TOTAL)
                .map(|c| Area {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    parent: c.parent.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let areas =
        Areas::new(&areas).map_err(|reason| fail(&id, format!("its area codelist: {reason}")))?;
    let model = Model::build(previous.tables, areas)?;

    // What the previous release did with each cell, from its own files.
    let mut withheld: HashMap<(usize, Vec<u32>), bool> = HashMap::new();
    for (t, table) in model.tables.iter().enumerate() {
        let path = dir.join(format!("data/{}.csv", table.indicator()));
        let mut reader = csv::Reader::from_path(&path)
            .map_err(|e| ReleaseError::malformed(&path, e.to_string()))?;
        let headers = reader
            .headers()
            .map_err(|e| ReleaseError::malformed(&path, e.to_string()))?
            .clone();
        let mut columns: Vec<&str> = table.layout.counts.iter().map(|c| c.column).collect();
        columns.dedup();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| ReleaseError::malformed(&path, e.to_string()))?;
            let row: BTreeMap<String, String> = headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect();
            for column in &columns {
                let at = || format!("{}, line {}", path.display(), line + 2);
                let member = model
                    .member_of(t, column, &row)
                    .ok_or_else(|| fail(&id, format!("{}: no place for {column}", at())))?;
                let key = model.member_key(member, &row).ok_or_else(|| {
                    fail(
                        &id,
                        format!("{}: the recomputed tables have no such {column} cell", at()),
                    )
                })?;
                let group = model.members[member].group;
                let cell = model.groups[group].cells.get(&key).ok_or_else(|| {
                    fail(
                        &id,
                        format!("{}: the recomputed tables have no such {column} cell", at()),
                    )
                })?;
                let text = row.get(*column).map(String::as_str).unwrap_or("");
                let suppressed = text.is_empty();
                if !suppressed {
                    let published: u64 = text.parse().map_err(|_| {
                        ReleaseError::malformed(
                            &path,
                            format!("line {}: {column} {text:?}", line + 2),
                        )
                    })?;
                    if published != cell.shown {
                        return Err(fail(
                            &id,
                            format!(
                                "{}: it published {column} = {published}, the recomputed tables give {}; \
                                 recompute with the inputs its manifest lists",
                                at(),
                                cell.shown
                            ),
                        ));
                    }
                }
                if let Some(before) = withheld.insert((group, key), suppressed)
                    && before != suppressed
                {
                    return Err(fail(
                        &id,
                        format!("{}: a cell is both published and withheld", at()),
                    ));
                }
            }
        }
    }

    let mut groups = HashMap::new();
    for (g, group) in model.groups.iter().enumerate() {
        let release = group.release().map_err(|source| ReleaseError::Disclosure {
            group: group.def.name.to_owned(),
            source,
        })?;
        let mut suppressed = vec![false; release.len()];
        for (key, cell) in &group.cells {
            let flag = match (withheld.get(&(g, key.clone())), cell.origin) {
                (Some(&flag), _) => flag,
                // Never shown, so unknown to a reader (unless the equations give it away,
                // which the joint audit works out).
                (None, Origin::Implicit) => true,
                // A zero its tables omit: published as zero.
                (None, Origin::Filled) => false,
                (None, Origin::Row) => {
                    return Err(fail(
                        &id,
                        format!(
                            "the recomputed tables have a {} cell ({}) that it did not publish",
                            group.def.name,
                            group.describe(key)
                        ),
                    ));
                }
            };
            let codes = group.codes(key);
            if let Some(cell_id) = release.find(&codes) {
                suppressed[cell_id] = flag;
            }
        }
        groups.insert(group.def.name.to_owned(), (release, suppressed));
    }
    Ok(PreviousGroups { id, groups })
}
