//! Disclosure control across tables and across releases, checked with the
//! disclosure crate's independent interval audit (its own linear programs),
//! not with the suppression that chose the pattern.

use evident_disclosure as sdc;
use evident_engine::IndicatorTable;

use crate::codes::Areas;
use crate::model::Model;
use crate::protect::{self, PreviousGroups};
use crate::read::table_from_csv;
use crate::settings::{Area, Control, Inputs, ReleaseSettings, Rules};

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

fn settings(id: &str) -> ReleaseSettings {
    ReleaseSettings {
        id: id.to_owned(),
        created: "2025-03-31T09:00:00Z".to_owned(),
        agency: "NSO_XX".to_owned(),
        sdmx_version: "1.0".to_owned(),
        areas: areas(),
        inputs: Inputs::default(),
        control: Control::default(),
    }
}

fn rules() -> Rules {
    Rules::default()
}

fn protected<'a>(tables: &'a [IndicatorTable], previous: Option<&PreviousGroups>) -> Model<'a> {
    let mut model = Model::build(tables, Areas::new(&areas()).unwrap()).unwrap();
    protect::apply(&mut model, &Control::default(), previous).unwrap();
    model
}

/// The offences group of a model as a disclosure release, with a mask saying
/// which cells are withheld.
fn offences_group(model: &Model) -> (sdc::Release, Vec<bool>) {
    let group = model
        .groups
        .iter()
        .find(|g| g.def.name == "offences")
        .unwrap();
    let release = group.release().unwrap();
    let mut mask = vec![false; release.len()];
    for (key, cell) in &group.cells {
        mask[release.find(&group.codes(key)).unwrap()] = cell.decision.suppressed();
    }
    (release, mask)
}

/// Whether a cell with these codes is withheld by a model (None: not in it).
fn withheld(model: &Model, codes: &[&str]) -> Option<bool> {
    let group = model.groups.iter().find(|g| g.def.name == "offences")?;
    let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
    let key = group.key(&codes)?;
    group.cells.get(&key).map(|c| c.decision.suppressed())
}

/// Table A, offences by section and region in 2021:
///
/// ```text
///              R1        R2        _T          (offences / persons behind them)
/// 01         5 / 1     0 / 0     5 / 1         one person, five offences: sensitive
/// 02        20 / 20   30 / 30   50 / 50
/// _T        25 / 21   30 / 30   55 / 51
/// ```
///
/// Table B, the justice chain's recorded offences: 01 = 5, 02 = 50, _T = 55,
/// with the engine's convention that recorded offences are their own
/// contributors (5 for section 01, so not sensitive on its own).
fn linked() -> (IndicatorTable, IndicatorTable) {
    let a = table_from_csv(
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
    .unwrap();
    let b = table_from_csv(
        "justice_chain",
        "iccs,iccs_level,period,freq,stage,counting_unit,count,contributors,pct_of_previous_stage
         _T,0,2021,A,recorded,offence,55,55,
         01,1,2021,A,recorded,offence,5,5,
         02,1,2021,A,recorded,offence,50,50,",
    )
    .unwrap();
    (a, b)
}

#[test]
fn linked_tables_leak_through_a_shared_margin_when_protected_one_by_one() {
    let (a, b) = linked();
    let only_a = [a.clone()];
    let only_b = [b.clone()];
    let both = [a, b];
    let model_a = protected(&only_a, None);
    let model_b = protected(&only_b, None);
    // A withholds its margin (01,_T): it has the same single person as (01,R1).
    assert_eq!(withheld(&model_a, &["01", "R1", "2021", "_T"]), Some(true));
    assert_eq!(withheld(&model_a, &["01", "_T", "2021", "_T"]), Some(true));
    // B alone sees five offences and publishes the same cell.
    assert_eq!(withheld(&model_b, &["01", "_T", "2021", "_T"]), Some(false));

    // The two publications together: a cell is known if either table publishes it.
    let joint = Model::build(&both, Areas::new(&areas()).unwrap()).unwrap();
    let group = joint
        .groups
        .iter()
        .find(|g| g.def.name == "offences")
        .unwrap();
    let release = group.release().unwrap();
    let mut mask = vec![false; release.len()];
    for key in group.cells.keys() {
        let codes = group.codes(key);
        let in_a = withheld(&model_a, &codes);
        let in_b = withheld(&model_b, &codes);
        mask[release.find(&codes).unwrap()] = in_a.unwrap_or(true) && in_b.unwrap_or(true);
    }
    let leak = sdc::audit(
        &[sdc::Publication {
            release: &release,
            suppressed: &mask,
        }],
        &rules(),
    )
    .unwrap();
    assert!(!leak.passed());
    // (01,R1) = (01,_T) from B minus (01,R2) = 0 (a row A does not list): exactly 5.
    let failure = leak
        .failures()
        .find(|f| release.codes(f.cell) == ["01", "R1", "2021", "_T"])
        .expect("(01,R1) is disclosed");
    assert_eq!((failure.lower, failure.upper), (5, Some(5)));
    assert_eq!(failure.method, sdc::Method::Determined);

    // Protected as one group, B's cell takes the smaller number of persons (1)
    // and is withheld in both tables; the independent audit passes.
    let model = protected(&both, None);
    assert_eq!(withheld(&model, &["01", "_T", "2021", "_T"]), Some(true));
    let (release, mask) = offences_group(&model);
    let audit = sdc::audit(
        &[sdc::Publication {
            release: &release,
            suppressed: &mask,
        }],
        &rules(),
    )
    .unwrap();
    assert!(audit.passed(), "{:?}", audit.failures().collect::<Vec<_>>());
}

/// Offences by region and month, before and after February was re-counted.
///
/// ```text
/// before      R1   R2   _T           after       R1   R2   _T
/// 2021-01      8   10   18           2021-01      8   10   18
/// 2021-02      1   12   13           2021-02      4   12   16
/// 2021         9   22   31           2021        12   22   34
/// ```
///
/// Before, (R1, February) is one offence by one person: the cheapest hypercube
/// withholds it with (R2,Feb), (R1,Jan) and (R2,Jan) (cost 12 + 8 + 10 = 30;
/// through the year total 9 + 12 + 22 = 43, through the regions' total
/// 13 + 8 + 18 = 39). After the re-count nothing is sensitive.
fn months(after: bool) -> IndicatorTable {
    let (feb_r1, feb_t, year_r1, year_t) = if after {
        (4, 16, 12, 34)
    } else {
        (1, 13, 9, 31)
    };
    table_from_csv(
        "offences",
        &format!(
            "area,area_level,period,freq,offences,contributors
             _T,0,2021,A,{year_t},{year_t}
             _T,0,2021-01,M,18,18
             _T,0,2021-02,M,{feb_t},{feb_t}
             R1,1,2021,A,{year_r1},{year_r1}
             R1,1,2021-01,M,8,8
             R1,1,2021-02,M,{feb_r1},{feb_r1}
             R2,1,2021,A,22,22
             R2,1,2021-01,M,10,10
             R2,1,2021-02,M,12,12"
        ),
    )
    .unwrap()
}

#[test]
fn a_revised_month_does_not_expose_the_earlier_release() {
    let dir = tempfile::tempdir().unwrap();
    let before = [months(false)];
    let published = crate::publish(&before, &settings("R2021_1"), None, dir.path()).unwrap();
    let old = protected(&before, None);
    for (codes, expected) in [
        (["_T", "R1", "2021-02", "_T"], true),
        (["_T", "R2", "2021-02", "_T"], true),
        (["_T", "R1", "2021-01", "_T"], true),
        (["_T", "R2", "2021-01", "_T"], true),
        (["_T", "R1", "2021", "_T"], false),
        (["_T", "_T", "2021-01", "_T"], false),
    ] {
        assert_eq!(withheld(&old, &codes), Some(expected), "{codes:?}");
    }

    let previous = crate::revision::load(&crate::Previous {
        dir: &published.dir,
        tables: &before,
    })
    .unwrap();
    let (old_release, old_mask) = previous.groups["offences"].clone();
    let after = [months(true)];
    let joint_audit = |model: &Model| {
        let (release, mask) = offences_group(model);
        sdc::audit(
            &[
                sdc::Publication {
                    release: &release,
                    suppressed: &mask,
                },
                sdc::Publication {
                    release: &old_release,
                    suppressed: &old_mask,
                },
            ],
            &rules(),
        )
        .unwrap()
    };

    // Protected on its own, the revision publishes January (unchanged at 8),
    // and the earlier release's R1 total gives February back: 9 - 8 = 1.
    let naive = protected(&after, None);
    assert_eq!(
        withheld(&naive, &["_T", "R1", "2021-01", "_T"]),
        Some(false)
    );
    let leak = joint_audit(&naive);
    let failure = leak.failures().next().expect("the old cell leaks");
    assert_eq!(failure.layer, 1);
    assert_eq!(
        old_release.codes(failure.cell),
        ["_T", "R1", "2021-02", "_T"]
    );
    assert_eq!((failure.lower, failure.upper), (1, Some(1)));

    // With the earlier release, its four withheld cells stay withheld, and
    // (R1,Feb) before can be anything in [0, 9]: with x = (R1,Feb) before,
    // (R1,Jan) = 9 - x, (R2,Jan) = 9 + x, (R2,Feb) = 13 - x, (R1,Feb) after = 3 + x.
    let revised = protected(&after, Some(&previous));
    let audit = joint_audit(&revised);
    assert!(audit.passed(), "{:?}", audit.failures().collect::<Vec<_>>());
    let old_cell = audit
        .cells
        .iter()
        .find(|c| c.layer == 1 && old_release.codes(c.cell) == ["_T", "R1", "2021-02", "_T"])
        .unwrap();
    assert_eq!((old_cell.lower, old_cell.upper), (0, Some(9)));
    let group = revised
        .groups
        .iter()
        .find(|g| g.def.name == "offences")
        .unwrap();
    let carried = group
        .cells
        .values()
        .filter(|c| c.decision == crate::model::Decision::Carried)
        .count();
    assert_eq!(carried, 4);

    // The same through the public API: the four cells are withheld (Q/D) in the
    // files of the revision, counted as carried, and the manifest names the
    // release it revises.
    let revision = crate::publish(
        &after,
        &settings("R2021_2"),
        Some(&crate::Previous {
            dir: &published.dir,
            tables: &before,
        }),
        dir.path(),
    )
    .unwrap();
    assert_eq!(revision.manifest.revises.as_deref(), Some("R2021_1"));
    assert_eq!(revision.report.tables[0].carried, 4);
    let text = std::fs::read_to_string(revision.dir.join("data/offences.csv")).unwrap();
    for line in [
        "R1,1,2021-01,M,,Q,D",
        "R2,1,2021-02,M,,Q,D",
        "R1,1,2021,A,12,A,F",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    let audit = std::fs::read_to_string(revision.dir.join("disclosure/audit.json")).unwrap();
    assert!(audit.contains("\"jointly_with\": \"R2021_1\""));
}

#[test]
fn overlapping_person_counts_are_protected_as_sums_and_published_as_given() {
    // s1 was prosecuted for 01 and 02 in 2021, p9 for 05: three section counts
    // of one, but two distinct persons in all.
    let table = table_from_csv(
        "justice_chain",
        "iccs,iccs_level,period,freq,stage,counting_unit,count,contributors,pct_of_previous_stage
         _T,0,2021,A,prosecuted,person,2,2,
         01,1,2021,A,prosecuted,person,1,1,
         02,1,2021,A,prosecuted,person,1,1,
         05,1,2021,A,prosecuted,person,1,1,",
    )
    .unwrap();
    let tables = [table];
    let model = protected(&tables, None);
    let group = model
        .groups
        .iter()
        .find(|g| g.def.name == "prosecuted")
        .unwrap();
    let key = group.key(&["_T".to_owned(), "2021".to_owned()]).unwrap();
    let total = &group.cells[&key];
    assert_eq!((total.count, total.shown), (3, 2));
    // Every count has fewer than 3 persons: all withheld, as primary.
    assert!(
        group
            .cells
            .values()
            .all(|c| c.decision == crate::model::Decision::Primary)
    );
}
