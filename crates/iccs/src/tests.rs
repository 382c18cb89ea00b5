use super::*;

// Counts printed in ICCS 1.0, Part Two (11 sections, 63 divisions, 148 groups, 98 classes).
#[test]
fn counts_per_level_match_the_publication() {
    let iccs = iccs();
    assert_eq!(iccs.categories().len(), 320);
    let count = |level| iccs.at_level(level).count();
    assert_eq!(count(Level::Section), 11);
    assert_eq!(count(Level::Division), 63);
    assert_eq!(count(Level::Group), 148);
    assert_eq!(count(Level::Class), 98);
}

#[test]
fn every_parent_exists_and_is_the_code_prefix_one_level_up() {
    let iccs = iccs();
    for category in iccs.categories() {
        assert_eq!(
            category.code.len(),
            category.level.code_length(),
            "{}",
            category.code
        );
        assert!(
            category.code.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            category.code
        );
        match category.level {
            Level::Section => assert_eq!(category.parent, None),
            level => {
                let parent = iccs.parent(category.code).expect("parent exists");
                assert_eq!(
                    parent.level.number(),
                    level.number() - 1,
                    "{}",
                    category.code
                );
                assert!(category.code.starts_with(parent.code), "{}", category.code);
            }
        }
    }
}

#[test]
fn codes_are_unique() {
    let mut codes: Vec<&str> = iccs().categories().iter().map(|c| c.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 320);
}

// Names checked by hand against ICCS 1.0 Part Two (pp. 23-31).
#[test]
fn sample_of_codes_and_names_matches_the_publication() {
    let expected = [
        ("01", "Acts leading to death or intending to cause death"),
        ("0101", "Intentional homicide"),
        ("0102", "Attempted intentional homicide"),
        ("010321", "Vehicular homicide"),
        (
            "0109",
            "Other acts leading to death or intending to cause death",
        ),
        (
            "02",
            "Acts causing harm or intending to cause harm to the person",
        ),
        ("020111", "Serious assault"),
        ("020112", "Minor assault"),
        ("0204", "Trafficking in persons (TIP)"),
        ("03011", "Rape"),
        ("03012", "Sexual assault"),
        ("0401", "Robbery"),
        ("040121", "Robbery of a car or vehicle"),
        ("0501", "Burglary"),
        ("0502", "Theft"),
        (
            "060121",
            "Unlawful trafficking of controlled drugs not for personal consumption",
        ),
        ("07031", "Bribery"),
        ("070212", "Counterfeiting means of non-cash payment"),
        ("10041", "Illegal logging"),
        ("11", "Other criminal acts not elsewhere classified"),
        ("11012", "Piracy"),
        ("110135", "Conscripting or enlisting child soldiers"),
    ];
    for (code, name) in expected {
        assert_eq!(iccs().get(code).map(|c| c.name), Some(name), "{code}");
    }
}

#[test]
fn codes_that_do_not_exist_are_rejected() {
    // The PDF's own illustrative codes 01011 and 010111 do not exist; there is no 0108.
    for code in ["01011", "010111", "0108", "12", "00", "1"] {
        assert!(iccs().get(code).is_none(), "{code}");
    }
}

#[test]
fn the_eleven_sections_in_order() {
    let codes: Vec<&str> = iccs().sections().map(|c| c.code).collect();
    assert_eq!(
        codes,
        [
            "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"
        ]
    );
}

#[test]
fn hierarchy_navigation() {
    let iccs = iccs();
    let children: Vec<&str> = iccs.children("0103").map(|c| c.code).collect();
    assert_eq!(children, ["01031", "01032"]);
    let ancestors: Vec<&str> = iccs.ancestors("010321").iter().map(|c| c.code).collect();
    assert_eq!(ancestors, ["01", "0103", "01032"]);
    let descendants: Vec<&str> = iccs.descendants("0103").iter().map(|c| c.code).collect();
    assert_eq!(descendants, ["01031", "01032", "010321", "010322"]);
    assert!(
        iccs.children("0101").next().is_none(),
        "0101 is not split further"
    );
    assert!(iccs.is_within("020111", "02"));
    assert!(!iccs.is_within("020111", "03"));
}

#[test]
fn roll_up_goes_to_the_ancestor_or_keeps_a_coarser_code() {
    let iccs = iccs();
    let up = |code, level| iccs.roll_up(code, level).map(|c| c.code);
    assert_eq!(up("020111", Level::Section), Some("02"));
    assert_eq!(up("020111", Level::Division), Some("0201"));
    assert_eq!(up("020111", Level::Group), Some("02011"));
    assert_eq!(up("020111", Level::Class), Some("020111"));
    // 0101 is complete at level 2; it stays 0101 in a level-4 table.
    assert_eq!(up("0101", Level::Class), Some("0101"));
    assert_eq!(up("9999", Level::Section), None);
}

#[test]
fn every_index_term_points_at_an_existing_category() {
    let iccs = iccs();
    assert_eq!(iccs.index_terms().len(), 968);
    for term in iccs.index_terms() {
        assert!(
            iccs.get(term.code).is_some(),
            "{} -> {}",
            term.term,
            term.code
        );
    }
}

// SOURCE.md of the shared ICCS data lists index entries printed with a wrong
// but existing code; the embedded copy must carry the corrected code.
#[test]
fn known_wrong_index_codes_are_corrected() {
    let corrections = [
        ("Illegal feticide", "0105", "0106"),
        (
            "Illegal use of a motorized land vehicle",
            "050219",
            "050212",
        ),
        (
            "Other acts leading to death or intending to cause death",
            "0106",
            "0109",
        ),
        ("Other acts under universal jurisdiction", "11014", "11019"),
        ("Other sexual exploitation of children", "030223", "030229"),
        (
            "Unlawful production, trafficking or distribution of alcohol products",
            "060219",
            "060212",
        ),
        ("Discrimination", "02092", "0210"),
        ("Piracy", "011012", "11012"),
    ];
    for (term, printed, corrected) in corrections {
        let entry = iccs()
            .index_terms()
            .iter()
            .find(|t| t.term == term)
            .unwrap_or_else(|| panic!("{term} is in the index"));
        assert_eq!(entry.code, corrected, "{term}");
        assert_eq!(entry.printed_code, Some(printed), "{term}");
    }
}

#[test]
fn tags_and_their_value_codes() {
    let iccs = iccs();
    let at = iccs.tag(TagGroup::Event, "At").expect("At");
    let labels: Vec<&str> = at.values.iter().map(|v| v.label).collect();
    assert_eq!(
        labels,
        ["Attempted", "Completed", "Not applicable", "Not known"]
    );
    let weapon = iccs.tag(TagGroup::Event, "We").expect("We");
    assert_eq!(weapon.value("1").map(|v| v.label), Some("Firearm"));
    // Table II skips value 3 of the situational context.
    let sic = iccs.tag(TagGroup::Event, "SiC").expect("SiC");
    assert!(sic.value("3").is_none());
    assert_eq!(
        sic.value("5").map(|v| v.label),
        Some("Intimate partner/family-related")
    );
    let age = iccs.tag(TagGroup::Victim, "AV").expect("AV");
    assert_eq!(age.values.len(), 6);
    assert_eq!(age.value("5").map(|v| v.label), Some("60+"));
    let relationship = iccs.tag(TagGroup::Perpetrator, "ViP").expect("ViP");
    assert_eq!(relationship.values.len(), 11);
    let date = iccs.tag(TagGroup::Event, "DaT").expect("DaT");
    assert!(date.values.is_empty() && date.format_note.is_some());
    assert_eq!(
        iccs.tag(TagGroup::Victim, "Rec"),
        None,
        "recidivism is a perpetrator tag"
    );
}

fn check_error(input: &str, problem: CodeProblem, first_suggestion: Option<&str>) {
    let error = iccs().lookup(input).expect_err("invalid");
    assert_eq!(error.problem, problem, "{input}");
    assert_eq!(
        error.suggestions.first().copied(),
        first_suggestion,
        "{input}: {error}"
    );
}

#[test]
fn validation_explains_and_suggests() {
    check_error(
        "01011",
        CodeProblem::Unknown {
            level: Level::Group,
        },
        Some("0101"),
    );
    check_error("101", CodeProblem::WrongLength { digits: 3 }, Some("0101"));
    check_error(
        "ICCS0101",
        CodeProblem::NotDigits { found: 'I' },
        Some("0101"),
    );
    check_error("02.01", CodeProblem::NotDigits { found: '.' }, Some("0201"));
    check_error("", CodeProblem::Empty, None);
    check_error(
        "0108",
        CodeProblem::Unknown {
            level: Level::Division,
        },
        Some("0107"),
    );
    let error = iccs().lookup("0108").expect_err("invalid");
    assert!(error.suggestions.contains(&"0109"), "{error}");
    assert_eq!(
        error.to_string(),
        "\"0108\" is not an ICCS 1.0 code: it has the shape of a division code, but no such \
         category exists; nearest valid codes: 0107, 0109, 0106, 0105, 0104"
    );
}

#[test]
fn search_finds_names_and_index_terms() {
    let iccs = iccs();
    let first = |q: &str| iccs.search(q, 5).first().map(|h| h.code);
    assert_eq!(first("burglary"), Some("0501"));
    assert_eq!(first("Piracy"), Some("11012"));
    assert_eq!(first("illegal logging"), Some("10041"));
    assert_eq!(
        first("femicide"),
        Some("0101"),
        "index term for intentional homicide"
    );
    assert!(iccs.search("zzzz", 5).is_empty());
    assert!(iccs.search("  ", 5).is_empty());
}
