//! `releases diff`: a known change between two releases, found cell by cell.

use evident_release::{diff, publish, table_from_csv};

/// The second release re-counts one offence of section 02 in region R2
/// (12 -> 13) and adds the justice chain. (02,R2) is withheld in both, so the
/// change shows only in the three totals above it, with their rates.
#[test]
fn diff_finds_the_revised_totals_and_the_new_table() {
    let out = tempfile::tempdir().unwrap();
    let first = publish(
        &[table_from_csv("offences", crate::common::OFFENCES).unwrap()],
        &crate::common::settings("REL_A"),
        None,
        out.path(),
    )
    .unwrap();
    let revised = crate::common::OFFENCES
        .replace(
            "_T,0,_T,0,2021,A,30,30,10000,300,",
            "_T,0,_T,0,2021,A,31,31,10000,310,",
        )
        .replace(
            "_T,0,R2,1,2021,A,21,21,6000,350,",
            "_T,0,R2,1,2021,A,22,22,6000,366.7,",
        )
        .replace(
            "02,1,_T,0,2021,A,20,20,10000,200,",
            "02,1,_T,0,2021,A,21,21,10000,210,",
        )
        .replace(
            "02,1,R2,1,2021,A,12,12,6000,200,",
            "02,1,R2,1,2021,A,13,13,6000,216.7,",
        );
    assert_ne!(revised, crate::common::OFFENCES);
    let chain = table_from_csv(
        "justice_chain",
        "iccs,iccs_level,period,freq,stage,counting_unit,count,contributors,pct_of_previous_stage
         _T,0,2021,A,recorded,offence,31,31,
         01,1,2021,A,recorded,offence,10,10,
         02,1,2021,A,recorded,offence,21,21,",
    )
    .unwrap();
    let second = publish(
        &[table_from_csv("offences", &revised).unwrap(), chain],
        &crate::common::settings("REL_B"),
        None,
        out.path(),
    )
    .unwrap();

    let d = diff(&first.dir, &second.dir).unwrap();
    assert_eq!((d.from.as_str(), d.to.as_str()), ("REL_A", "REL_B"));
    assert_eq!(d.tables.len(), 2);
    let offences = &d.tables[0];
    assert_eq!(offences.indicator, "offences");
    assert!(offences.rows_added.is_empty() && offences.rows_removed.is_empty());
    assert_eq!(offences.rows_changed, 3);
    let mut changes: Vec<(String, String, String, String, String)> = offences
        .changes
        .iter()
        .map(|c| {
            (
                c.key["iccs"].clone(),
                c.key["area"].clone(),
                c.column.clone(),
                c.before.clone(),
                c.after.clone(),
            )
        })
        .collect();
    changes.sort();
    let expected: Vec<(String, String, String, String, String)> = [
        ("02", "_T", "offences", "20", "21"),
        ("02", "_T", "rate_per_100k", "200", "210"),
        ("_T", "R2", "offences", "21", "22"),
        ("_T", "R2", "rate_per_100k", "350", "366.7"),
        ("_T", "_T", "offences", "30", "31"),
        ("_T", "_T", "rate_per_100k", "300", "310"),
    ]
    .iter()
    .map(|(a, b, c, d, e)| {
        (
            (*a).into(),
            (*b).into(),
            (*c).into(),
            (*d).into(),
            (*e).into(),
        )
    })
    .collect();
    assert_eq!(changes, expected);

    let chain = &d.tables[1];
    assert_eq!(
        (chain.indicator.as_str(), chain.in_first, chain.in_second),
        ("justice_chain", false, true)
    );
    assert_eq!(chain.rows_added.len(), 3);
    // A release compared with itself has no differences.
    assert!(
        diff(&second.dir, &second.dir)
            .unwrap()
            .tables
            .iter()
            .all(|t| t.is_unchanged())
    );
}
