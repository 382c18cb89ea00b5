//! Disclosure control of each group: suppression with the audit (alone or
//! jointly with the previous release), or rounding.

use std::collections::HashMap;

use evident_disclosure as sdc;
use serde::Serialize;

use crate::error::{ReleaseError, Result};
use crate::model::{Decision, GroupModel, Model};
use crate::settings::Control;

/// The earlier release of each group, with its true counts and what it withheld.
pub(crate) struct PreviousGroups {
    /// The previous release's id.
    pub id: String,
    /// Group name → its cells and suppression pattern (indexed by cell id).
    pub groups: HashMap<String, (sdc::Release, Vec<bool>)>,
}

/// The audit of one group, as published: aggregates only, never a cell's
/// value, interval or required width (the width gives away the size of a
/// large cell).
#[derive(Debug, Clone, Serialize)]
pub struct GroupAudit {
    /// The group.
    pub group: String,
    /// Whether the audit passed (always true in a written release).
    pub passed: bool,
    /// Rounds of audit and repair.
    pub rounds: usize,
    /// Connected components of withheld cells the attacker's system splits into.
    pub components: usize,
    /// Unknowns in the largest component.
    pub largest_component: usize,
    /// Unknowns whose interval was computed exactly by linear programming.
    pub exact: usize,
    /// Sensitive cells proven protected by verified alternative tables.
    pub verified: usize,
    /// The release audited jointly with this one, if it revises it.
    pub jointly_with: Option<String>,
}

/// Figures for the publisher only: they include the value withheld, which
/// must not be published (with the totals, it gives back sums of withheld cells).
#[derive(Debug, Clone, Serialize)]
pub struct GroupLoss {
    /// The group.
    pub group: String,
    /// Cells of the group, implicit ones included.
    pub cells: usize,
    /// Cells withheld.
    pub suppressed_cells: usize,
    /// Sum of all counts of the group (every margin counted).
    pub total_value: u128,
    /// Sum of the withheld counts.
    pub suppressed_value: u128,
    /// `suppressed_value / total_value`.
    pub share_value: f64,
}

/// Applies the release's disclosure method to every group and records each
/// cell's decision and published value in the model.
pub(crate) fn apply(
    model: &mut Model,
    control: &Control,
    previous: Option<&PreviousGroups>,
) -> Result<(Vec<GroupAudit>, Vec<GroupLoss>)> {
    let mut audits = Vec::new();
    let mut losses = Vec::new();
    for group in &mut model.groups {
        let name = group.def.name.to_owned();
        let wrap = |source: sdc::Error| ReleaseError::Disclosure {
            group: name.clone(),
            source,
        };
        let release = group.release().map_err(wrap)?;
        match control {
            Control::Suppression { rules } => {
                let earlier = previous.and_then(|p| p.groups.get(&name));
                let publications: Vec<sdc::Publication> = earlier
                    .map(|(release, suppressed)| sdc::Publication {
                        release,
                        suppressed,
                    })
                    .into_iter()
                    .collect();
                let protection =
                    sdc::protect_revision(&release, &publications, rules).map_err(|e| match e {
                        sdc::Error::CannotProtect(cells) => ReleaseError::CannotProtect {
                            group: name.clone(),
                            cells,
                        },
                        other => wrap(other),
                    })?;
                set_decisions(group, &release, |id| match protection.status()[id] {
                    sdc::Status::Published => Decision::Published,
                    sdc::Status::Primary => Decision::Primary,
                    sdc::Status::Secondary => Decision::Secondary,
                    sdc::Status::Carried => Decision::Carried,
                })?;
                let report = &protection.report;
                audits.push(GroupAudit {
                    group: name.clone(),
                    passed: protection.audit.passed(),
                    rounds: report.rounds,
                    components: protection.audit.components,
                    largest_component: protection.audit.largest_component,
                    exact: protection.audit.exact,
                    verified: protection.audit.verified,
                    jointly_with: earlier.and(previous).map(|p| p.id.clone()),
                });
                losses.push(GroupLoss {
                    group: name,
                    cells: report.cells,
                    suppressed_cells: report.primary + report.secondary + report.carried,
                    total_value: report.total_value,
                    suppressed_value: report.suppressed_value,
                    share_value: report.share_value,
                });
            }
            Control::RandomRounding { base, seed } => {
                // Each cell is rounded on its own, so the figure the tables
                // show is rounded, whatever the additive model holds.
                let shown = shown_release(group).map_err(wrap)?;
                let rounded =
                    sdc::random_rounding(&shown, *base, seed ^ name_hash(&name)).map_err(wrap)?;
                set_rounded(group, &shown, |id| Some(rounded[id]))?;
            }
            Control::ControlledRounding { base, seed } => {
                if group.def.overlapping {
                    return Err(wrap(sdc::Error::RoundingUnsupported(format!(
                        "the totals of group {name} are not the sums of their parts (one person can be in \
                         several categories); use random rounding or suppression"
                    ))));
                }
                // Dimensions where every cell is the total add nothing; without
                // them a group may be the one- or two-way table Cox's method needs.
                let kept: Vec<usize> = (0..group.dims.len())
                    .filter(|&d| group.dims[d].codes.len() > 1)
                    .collect();
                let reduced = reduced_release(group, &release, &kept).map_err(wrap)?;
                let rounded = sdc::controlled_rounding(&reduced, *base, seed ^ name_hash(&name))
                    .map_err(wrap)?;
                set_rounded(group, &release, |id| {
                    let codes = release.codes(id);
                    let short: Vec<&str> = kept.iter().map(|&d| codes[d]).collect();
                    reduced.find(&short).map(|r| rounded[r])
                })?;
            }
        }
    }
    Ok((audits, losses))
}

/// The group's cells with the counts the tables show, without equations
/// between them (every code hangs under a root no cell uses): random rounding
/// draws from the cell's codes, so it rounds each cell as in the real structure.
fn shown_release(group: &GroupModel) -> std::result::Result<sdc::Release, sdc::Error> {
    const ROOT: &str = "*";
    let mut dims = Vec::with_capacity(group.dims.len());
    for dim in &group.dims {
        let mut h = sdc::Hierarchy::with_total(dim.name, ROOT);
        for code in &dim.codes {
            h.add(code, ROOT)?;
        }
        dims.push(h);
    }
    let mut builder = sdc::ReleaseBuilder::new(dims)?;
    for (key, cell) in &group.cells {
        builder.add(
            &group.codes(key),
            sdc::Cell {
                count: cell.shown,
                contributors: cell.contributors,
                sensitive: false,
            },
        )?;
    }
    builder.build()
}

fn set_decisions(
    group: &mut GroupModel,
    release: &sdc::Release,
    decide: impl Fn(usize) -> Decision,
) -> Result<()> {
    let keys: Vec<Vec<u32>> = group.cells.keys().cloned().collect();
    for key in keys {
        let codes: Vec<String> = group.codes(&key).iter().map(|c| (*c).to_owned()).collect();
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let id = release.find(&refs).ok_or_else(|| missing(group, &key))?;
        if let Some(cell) = group.cells.get_mut(&key) {
            cell.decision = decide(id);
            cell.published = cell.shown;
        }
    }
    Ok(())
}

fn set_rounded(
    group: &mut GroupModel,
    release: &sdc::Release,
    value: impl Fn(usize) -> Option<u64>,
) -> Result<()> {
    let keys: Vec<Vec<u32>> = group.cells.keys().cloned().collect();
    for key in keys {
        let codes: Vec<String> = group.codes(&key).iter().map(|c| (*c).to_owned()).collect();
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let rounded = release
            .find(&refs)
            .and_then(&value)
            .ok_or_else(|| missing(group, &key))?;
        if let Some(cell) = group.cells.get_mut(&key) {
            cell.decision = Decision::Published;
            cell.published = rounded;
        }
    }
    Ok(())
}

fn missing(group: &GroupModel, key: &[u32]) -> ReleaseError {
    ReleaseError::Table {
        indicator: format!("group {}", group.def.name),
        reason: format!(
            "cell {} is missing from its disclosure release",
            group.describe(key)
        ),
    }
}

fn reduced_release(
    group: &GroupModel,
    release: &sdc::Release,
    kept: &[usize],
) -> std::result::Result<sdc::Release, sdc::Error> {
    let dims: Vec<sdc::Hierarchy> = kept
        .iter()
        .map(|&d| release.dimensions()[d].clone())
        .collect();
    if dims.is_empty() {
        return Err(sdc::Error::RoundingUnsupported(format!(
            "group {} has no dimension with more than its total",
            group.def.name
        )));
    }
    let mut builder = sdc::ReleaseBuilder::new(dims)?;
    for id in 0..release.len() {
        let codes = release.codes(id);
        let short: Vec<&str> = kept.iter().map(|&d| codes[d]).collect();
        builder.add(&short, *release.cell(id))?;
    }
    builder.build()
}

/// FNV-1a of a group name, so that each group draws its own rounding stream.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
