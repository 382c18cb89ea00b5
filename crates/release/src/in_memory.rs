//! Disclosure control without writing a release: the protected tables in
//! memory, for a server that answers queries from them.
//!
//! The protection is the one [`crate::publish`] applies (same model, same
//! groups, same audit, optionally jointly with an earlier release); only the
//! files are not written. Each returned table has the columns of the release's
//! `data/<indicator>.parquet`: the published columns, then `obs_status` and
//! `conf_status` as text.

use evident_engine::{Column, IndicatorTable, Values};

use crate::codes::Areas;
use crate::error::{ReleaseError, Result};
use crate::model::Model;
use crate::protect::{self, GroupAudit};
use crate::revision::{self, Previous};
use crate::settings::{Area, Control};

/// Tables after disclosure control, with the audit of every group.
#[derive(Debug, Clone)]
pub struct ProtectedTables {
    /// One table per input table, in release order, with `obs_status` and
    /// `conf_status` columns; withheld values are empty (`None`).
    pub tables: Vec<IndicatorTable>,
    /// The audit of each disclosure group (all passed, or this is an error).
    pub audit: Vec<GroupAudit>,
}

/// Protects `tables` as [`crate::publish`] would, without writing anything.
///
/// With `previous`, the tables are audited jointly with that release (as a
/// revision is), so that comparing them with it exposes nothing it withheld;
/// this requires suppression.
pub fn protect_tables(
    tables: &[IndicatorTable],
    areas: &[Area],
    control: &Control,
    previous: Option<&Previous>,
) -> Result<ProtectedTables> {
    let areas =
        Areas::new(areas).map_err(|reason| ReleaseError::Settings(format!("areas: {reason}")))?;
    let earlier = match previous {
        None => None,
        Some(p) => {
            if !matches!(control, Control::Suppression { .. }) {
                return Err(ReleaseError::Settings(
                    "joint protection with an earlier release needs suppression".to_owned(),
                ));
            }
            Some(revision::load(p)?)
        }
    };
    let mut model = Model::build(tables, areas)?;
    let (audit, _loss) = protect::apply(&mut model, control, earlier.as_ref())?;
    if let Some(failed) = audit.iter().find(|a| !a.passed) {
        return Err(ReleaseError::CannotProtect {
            group: failed.group.clone(),
            cells: Vec::new(),
        });
    }
    let published = crate::publish::publish(&model, control)?;
    let tables = published
        .into_iter()
        .map(|table| {
            let mut columns = table.columns;
            columns.push(Column {
                name: "obs_status".to_owned(),
                values: Values::Text(
                    table
                        .row_status
                        .iter()
                        .map(|s| s.obs_status().into())
                        .collect(),
                ),
            });
            columns.push(Column {
                name: "conf_status".to_owned(),
                values: Values::Text(
                    table
                        .row_status
                        .iter()
                        .map(|s| s.conf_status().into())
                        .collect(),
                ),
            });
            IndicatorTable {
                indicator: table.indicator,
                columns,
            }
        })
        .collect();
    Ok(ProtectedTables { tables, audit })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{read_table, table_from_csv};
    use crate::settings::{Inputs, ReleaseSettings};

    fn areas() -> Vec<Area> {
        ["R1", "R2"]
            .iter()
            .map(|c| Area {
                code: (*c).to_owned(),
                name: format!("Region {c}"),
                parent: None,
            })
            .collect()
    }

    /// Offences by section and region in 2021 (offences / persons behind them):
    ///
    /// ```text
    ///              R1        R2        _T
    /// 01         5 / 1     0 / 0     5 / 1     one person: below the threshold of 3
    /// 02        20 / 20   30 / 30   50 / 50
    /// _T        25 / 21   30 / 30   55 / 51
    /// ```
    fn offences() -> IndicatorTable {
        table_from_csv(
            "offences",
            "iccs,iccs_level,area,area_level,period,freq,offences,contributors
             _T,0,_T,0,2021,A,55,51
             _T,0,R1,1,2021,A,25,21
             _T,0,R2,1,2021,A,30,30
             01,1,_T,0,2021,A,5,1
             01,1,R1,1,2021,A,5,1
             02,1,_T,0,2021,A,50,50
             02,1,R1,1,2021,A,20,20
             02,1,R2,1,2021,A,30,30",
        )
        .unwrap()
    }

    fn row(table: &IndicatorTable, iccs: &str, area: &str) -> usize {
        table
            .find(&[("iccs", iccs), ("area", area)])
            .unwrap_or_else(|| panic!("no row {iccs} {area}"))
    }

    #[test]
    fn in_memory_protection_equals_the_written_release() {
        let tables = [offences()];
        let control = Control::default();
        let protected = protect_tables(&tables, &areas(), &control, None).unwrap();
        assert_eq!(protected.tables.len(), 1);
        let memory = &protected.tables[0];

        // By hand: section 01 rests on one person, so 01/R1 and 01/_T (the same
        // five offences) are primary suppressions ("Q", "C"); R1's total then
        // equals 01/R1 + 02/R1, so one more cell of R1 must go too.
        let status = |r: usize| {
            (
                memory.text("obs_status").unwrap()[r].as_ref(),
                memory.text("conf_status").unwrap()[r].as_ref(),
            )
        };
        let offences = memory.ints("offences").unwrap();
        for (iccs, area) in [("01", "R1"), ("01", "_T")] {
            let r = row(memory, iccs, area);
            assert_eq!(status(r), ("Q", "C"), "{iccs} {area}");
            assert_eq!(offences[r], None);
        }
        let r1_withheld = [("02", "R1"), ("_T", "R1")]
            .iter()
            .filter(|(i, a)| offences[row(memory, i, a)].is_none())
            .count();
        assert!(r1_withheld >= 1, "R1 would give 01/R1 away by subtraction");
        let r = row(memory, "02", "R2");
        assert_eq!((status(r), offences[r]), (("A", "F"), Some(30)));

        // The same as the files `publish` writes, column by column.
        let out = tempfile::tempdir().unwrap();
        let settings = ReleaseSettings {
            id: "memory-check".to_owned(),
            created: "2025-03-31T09:00:00Z".to_owned(),
            agency: "NSO_XX".to_owned(),
            sdmx_version: "1.0".to_owned(),
            areas: areas(),
            inputs: Inputs::default(),
            control,
        };
        let published = crate::publish(&tables, &settings, None, out.path()).unwrap();
        let file = read_table(&published.dir.join("data/offences.parquet")).unwrap();
        assert_eq!(file.columns, memory.columns);
    }

    #[test]
    fn joint_protection_needs_suppression() {
        let tables = [offences()];
        let dir = tempfile::tempdir().unwrap();
        let previous = Previous {
            dir: dir.path(),
            tables: &tables,
        };
        let err = protect_tables(
            &tables,
            &areas(),
            &Control::RandomRounding { base: 5, seed: 1 },
            Some(&previous),
        )
        .unwrap_err();
        assert!(err.to_string().contains("needs suppression"), "{err}");
    }
}
