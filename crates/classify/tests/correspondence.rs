//! Correspondence tables: reading, conditions, SQL, lookup, check and coverage,
//! each against a hand-worked expectation.

use evident_classify::{
    CodeVolume, Condition, ConditionError, CorrespondenceTable, Date, Field, FindingKind, Lookup,
    RecordTags, Severity, TableError, check, coverage, coverage_of_table,
};

fn table(text: &str) -> CorrespondenceTable {
    match CorrespondenceTable::parse(text, "t.csv") {
        Ok(table) => table,
        Err(e) => panic!("test table does not parse: {e}"),
    }
}

fn date(text: &str) -> Date {
    Date::parse(text).unwrap_or_else(|| panic!("bad test date {text}"))
}

const HEADER: &str =
    "national_code,national_description,iccs_code,condition,valid_from,valid_to,note\n";

#[test]
fn the_documented_example_table_reads_and_classifies() {
    // The example of docs/correspondence-tables.md.
    let t = table(&format!(
        "{HEADER}PC-211,Theft,0502,,,,\n\
         PC-101,Murder,0101,attempted=false,,,completed killings only\n\
         PC-101,Murder,0102,attempted=true,,,attempts have their own ICCS division\n\
         PC-310,Sexual intercourse without consent,030111,victim_age>=16,,,\n\
         PC-310,Sexual intercourse without consent,030113,victim_age<16,,,below the age of consent: statutory rape\n"
    ));
    assert_eq!(t.rows().len(), 5);
    assert_eq!(t.national_codes(), ["PC-101", "PC-211", "PC-310"]);
    let on = date("2021-06-30");
    let attempt = RecordTags {
        attempted: Some(true),
        ..RecordTags::default()
    };
    let child = RecordTags {
        victim_age: Some(15),
        ..RecordTags::default()
    };
    let adult = RecordTags {
        victim_age: Some(16),
        ..RecordTags::default()
    };
    let code = |n: &str, tags: &RecordTags| match t.lookup(n, on, tags) {
        Lookup::Mapped(row) => row.iccs_code.clone(),
        Lookup::Unmapped => "unmapped".to_owned(),
        Lookup::Ambiguous(_) => "ambiguous".to_owned(),
    };
    assert_eq!(code("PC-101", &attempt), "0102");
    assert_eq!(code("PC-310", &child), "030113");
    assert_eq!(code("PC-310", &adult), "030111", "16 is not below 16");
    assert_eq!(
        code(" PC-211 ", &RecordTags::default()),
        "0502",
        "codes are compared trimmed"
    );
    // A missing tag satisfies no clause: a murder record without `attempted` is unmapped.
    assert_eq!(code("PC-101", &RecordTags::default()), "unmapped");
    assert_eq!(code("PC-999", &RecordTags::default()), "unmapped");
}

#[test]
fn conditions_parse_with_spaces_and_in_lists() {
    let c =
        Condition::parse(" weapon in 1 | 2 ; victim_sex = f ;attempted=TRUE").unwrap_or_default();
    assert_eq!(c.to_string(), "weapon in 1|2;victim_sex=F;attempted=true");
    assert_eq!(
        c.fields(),
        [Field::Attempted, Field::Weapon, Field::VictimSex]
    );
    let firearm_woman = RecordTags {
        weapon: Some("1".into()),
        victim_sex: Some("F".into()),
        attempted: Some(true),
        ..RecordTags::default()
    };
    assert!(c.matches(&firearm_woman));
    let knife = RecordTags {
        weapon: Some("3".into()),
        ..firearm_woman.clone()
    };
    assert!(!c.matches(&knife));
    assert!(Condition::parse("").is_ok_and(|c| c.is_always()));
}

#[test]
fn condition_errors_say_what_was_expected() {
    let e = Condition::parse("weapon=7").err();
    assert!(matches!(
        e,
        Some(ConditionError::BadValue {
            field: Field::Weapon,
            ..
        })
    ));
    let text = e.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        text,
        "in clause \"weapon=7\", \"7\" is not a weapon value (allowed: 1, 2, 3, 4, 5, 6)"
    );

    assert!(matches!(
        Condition::parse("weapon<3"),
        Err(ConditionError::OperatorNotAllowed { .. })
    ));
    assert!(matches!(
        Condition::parse("colour=red"),
        Err(ConditionError::UnknownField { .. })
    ));
    assert!(matches!(
        Condition::parse("attempted"),
        Err(ConditionError::NoOperator { .. })
    ));
    assert!(matches!(
        Condition::parse("victim_age>=200"),
        Err(ConditionError::BadValue { .. })
    ));
    assert!(matches!(
        Condition::parse("attempted=yes"),
        Err(ConditionError::BadValue { .. })
    ));
}

#[test]
fn conditions_render_as_the_expected_sql() {
    let c = Condition::parse("attempted=false;weapon in 1|2;victim_age<16;victim_sex!=F")
        .unwrap_or_default();
    let column_of = |f: Field| match f {
        Field::VictimAge => "v.age".to_owned(),
        Field::VictimSex => "v.sex".to_owned(),
        other => format!("o.{}", other.name()),
    };
    assert_eq!(
        c.to_sql(&column_of),
        "(o.attempted = FALSE AND o.weapon IN ('1', '2') AND v.age < 16 AND v.sex <> 'F')"
    );
    assert_eq!(Condition::always().to_sql(&column_of), "TRUE");
    let one = Condition::parse("cyber=true").unwrap_or_default();
    assert_eq!(one.to_sql(&column_of), "o.cyber = TRUE");

    let t = table(&format!(
        "{HEADER}X1,,0502,location_type=1,2020-01-01,2020-12-31,\n"
    ));
    let sql = t.rows()[0].applies_sql("o.recorded_date", &column_of);
    assert_eq!(
        sql,
        "o.recorded_date >= DATE '2020-01-01' AND o.recorded_date <= DATE '2020-12-31' AND o.location_type = '1'"
    );
}

#[test]
fn bad_cells_are_reported_with_file_line_column_value_and_expectation() {
    let text = format!(
        "{HEADER}A,ok,0502,,,,\n\
         B,bad condition,0502,weapon=9,,,\n\
         C,bad date,0502,,2020-02-30,,\n\
         ,no code,0502,,,,\n\
         E,reversed,0502,,2021-01-01,2020-01-01,\n"
    );
    let outcome = match CorrespondenceTable::read(text.as_bytes(), "map.csv") {
        Ok(outcome) => outcome,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(outcome.table.rows().len(), 1, "only the good row is kept");
    let found: Vec<(u64, &str, &str)> = outcome
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "condition", "weapon=9"),
            (4, "valid_from", "2020-02-30"),
            (5, "national_code", ""),
            (6, "valid_to", "2020-01-01")
        ]
    );
    let message = outcome.errors[1].to_string();
    assert_eq!(
        message,
        "map.csv:4: column `valid_from`: \"2020-02-30\" is not valid: expected a date YYYY-MM-DD that exists, or nothing"
    );
    assert!(
        matches!(CorrespondenceTable::parse(&text, "map.csv"), Err(TableError::Cells(v)) if v.len() == 4)
    );
}

#[test]
fn header_problems_fail_the_whole_file() {
    let missing = CorrespondenceTable::parse("national_code,description\nA,b\n", "m.csv");
    assert!(
        matches!(missing, Err(TableError::UnknownColumn { column, .. }) if column == "description")
    );
    let no_iccs = CorrespondenceTable::parse("national_code,note\nA,b\n", "m.csv");
    assert!(
        matches!(no_iccs, Err(TableError::MissingColumn { column, .. }) if column == "iccs_code")
    );
    assert!(matches!(
        CorrespondenceTable::parse("", "m.csv"),
        Err(TableError::Empty { .. })
    ));
    // A byte-order mark (Excel's UTF-8) and any column order are accepted.
    let t = CorrespondenceTable::parse("\u{feff}iccs_code,national_code\n0101,M1\n", "m.csv");
    assert!(t.is_ok_and(|t| t.rows()[0].national_code == "M1"));
}

#[test]
fn written_tables_read_back_identically() {
    let original = table(&format!(
        "{HEADER}PC-1,\"Theft, simple\",0502,,2019-01-01,,\"note with, comma\"\nPC-2,Murder,0102,attempted=true;weapon in 1|2,,2020-12-31,\n"
    ));
    let mut buffer = Vec::new();
    assert!(original.write_csv(&mut buffer).is_ok());
    let text = String::from_utf8(buffer).unwrap_or_default();
    let again = table(&text);
    assert_eq!(again.rows().len(), 2);
    for (a, b) in original.rows().iter().zip(again.rows()) {
        assert_eq!(
            (&a.national_code, &a.iccs_code, &a.note),
            (&b.national_code, &b.iccs_code, &b.note)
        );
        assert_eq!(a.condition, b.condition);
        assert_eq!((a.valid_from, a.valid_to), (b.valid_from, b.valid_to));
    }
}

fn kinds(report: &evident_classify::CheckReport) -> Vec<String> {
    report.findings.iter().map(|f| f.to_string()).collect()
}

#[test]
fn check_reports_an_unknown_iccs_code_with_suggestions() {
    let report = check(&table(&format!("{HEADER}A,,101,,,,\nB,,0502,,,,\n")));
    assert_eq!(report.findings.len(), 1, "{:?}", kinds(&report));
    let f = &report.findings[0];
    assert_eq!(
        (f.severity, f.lines.as_slice()),
        (Severity::Error, &[2u64][..])
    );
    match &f.kind {
        FindingKind::InvalidIccsCode { error } => {
            assert!(error.suggestions.contains(&"0101"), "{error}")
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn check_reports_contradictory_clauses() {
    let report = check(&table(&format!(
        "{HEADER}A,,030113,victim_age<16;victim_age>=18,,,\n"
    )));
    assert!(report.has_errors());
    assert!(matches!(
        &report.findings[0].kind,
        FindingKind::Contradiction {
            field: Field::VictimAge,
            ..
        }
    ));
}

#[test]
fn check_reports_overlapping_rows_and_where_they_overlap() {
    // victim_age<=16 and victim_age>=16 overlap at exactly 16, with different codes.
    let report = check(&table(&format!(
        "{HEADER}A,,030113,victim_age<=16,,,\nA,,030111,victim_age>=16,,,\n"
    )));
    let overlaps: Vec<&FindingKind> = report
        .findings
        .iter()
        .map(|f| &f.kind)
        .filter(|k| matches!(k, FindingKind::Overlap { .. }))
        .collect();
    assert_eq!(overlaps.len(), 1, "{:?}", kinds(&report));
    match overlaps[0] {
        FindingKind::Overlap {
            iccs_codes, when, ..
        } => {
            assert_eq!(iccs_codes, &("030113".to_owned(), "030111".to_owned()));
            assert_eq!(when, "victim_age=16");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Records without a victim age match neither row: a note, not an error.
    assert!(report.findings.iter().any(|f| f.severity == Severity::Note
        && matches!(&f.kind, FindingKind::Gap { when, only_missing: true, .. } if when == "victim_age missing")));
}

#[test]
fn check_finds_the_missing_completed_form() {
    // Only attempts are mapped: completed acts (attempted=false) fall through.
    let report = check(&table(&format!("{HEADER}B,,0501,attempted=true,,,\n")));
    let gaps: Vec<(Severity, String)> = report
        .findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::Gap { when, .. } => Some((f.severity, when.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        gaps,
        [
            (Severity::Warning, "attempted=false".to_owned()),
            (Severity::Note, "attempted missing".to_owned())
        ]
    );
}

#[test]
fn check_merges_gaps_over_several_fields() {
    // Rows cover weapon=1 (any victim sex) and weapon=2 with a female victim.
    // Uncovered, worked out by hand: weapon 3-6, weapon=2 with sex M/X/U, and missing values.
    let report = check(&table(&format!(
        "{HEADER}W,,0201,weapon=1,,,\nW,,0201,weapon=2;victim_sex=F,,,\n"
    )));
    let warnings: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .filter_map(|f| match &f.kind {
            FindingKind::Gap { when, .. } => Some(when.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        warnings,
        ["weapon=2; victim_sex in M|X|U", "weapon in 3|4|5|6"]
    );
}

#[test]
fn check_reports_time_gaps_and_overlapping_periods() {
    let report = check(&table(&format!(
        "{HEADER}T,,0502,,2018-01-01,2018-12-31,\nT,,0502,,2019-02-01,2019-12-31,\nT,,05021,,2019-12-01,,\n"
    )));
    let texts = kinds(&report);
    assert!(
        report
            .findings
            .iter()
            .any(|f| matches!(&f.kind, FindingKind::PeriodGap { period }
            if period.from == Date::parse("2019-01-01") && period.to == Date::parse("2019-01-31"))),
        "{texts:?}"
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| matches!(&f.kind, FindingKind::Overlap { period, .. }
            if period.from == Date::parse("2019-12-01") && period.to == Date::parse("2019-12-31"))),
        "{texts:?}"
    );
    assert_eq!(report.findings.len(), 2, "{texts:?}");
}

#[test]
fn a_clean_table_has_no_findings() {
    let t = table(&format!(
        "{HEADER}PC-101,Murder,0101,attempted=false,,,\nPC-101,Murder,0102,attempted=true,,,\nPC-7,Fraud,0701,,,,\n"
    ));
    let report = check(&t);
    // Only the note that records without the At tag stay unmapped.
    assert_eq!(report.findings.len(), 1, "{:?}", kinds(&report));
    assert_eq!(report.findings[0].severity, Severity::Note);
    assert!(!report.has_errors());
}

#[test]
fn coverage_matches_a_hand_computation() {
    // 100 records: A 60 (all mapped), B 25 (20 mapped), C 10 (none), D 5 (none).
    // Records mapped: 80 of 100. Codes: A fully, B partly, C and D not at all.
    let volumes = [
        CodeVolume {
            national_code: "A".into(),
            records: 60,
            mapped_records: 60,
        },
        CodeVolume {
            national_code: "B".into(),
            records: 25,
            mapped_records: 20,
        },
        CodeVolume {
            national_code: "C".into(),
            records: 10,
            mapped_records: 0,
        },
        CodeVolume {
            national_code: "D".into(),
            records: 5,
            mapped_records: 0,
        },
    ];
    let report = coverage(&volumes, 2);
    assert_eq!((report.records, report.mapped_records), (100, 80));
    assert_eq!(report.record_share(), Some(0.8));
    assert_eq!(
        (
            report.codes,
            report.fully_mapped_codes,
            report.partly_mapped_codes
        ),
        (4, 1, 1)
    );
    assert_eq!(report.code_share(), Some(0.25));
    let top: Vec<(&str, u64, f64)> = report
        .top_unmapped
        .iter()
        .map(|u| {
            (
                u.national_code.as_str(),
                u.unmapped_records,
                u.share_of_records,
            )
        })
        .collect();
    assert_eq!(top, [("C", 10, 0.10), ("B", 5, 0.05)]);
    assert_eq!(coverage(&[], 5).record_share(), None);
}

#[test]
fn coverage_of_a_table_counts_known_codes() {
    let t = table(&format!("{HEADER}A,,0502,,,,\nB,,0101,,,,\n"));
    let counts = [
        ("A".to_owned(), 30u64),
        ("B".to_owned(), 10),
        ("Z".to_owned(), 60),
    ];
    let report = coverage_of_table(&t, &counts, 10);
    assert_eq!(report.mapped_records, 40);
    assert_eq!(report.top_unmapped.len(), 1);
    assert_eq!(report.top_unmapped[0].national_code, "Z");
}

#[test]
fn odd_condition_text_is_an_error_not_a_panic() {
    for text in [
        "weapon€3",
        "€",
        "in",
        "ñ=1",
        "victim_age>=-1",
        "victim_age in",
        "weapon in ||",
        "=true",
        "attempted==",
    ] {
        assert!(
            Condition::parse(text).is_err(),
            "{text:?} should be rejected"
        );
    }
}
