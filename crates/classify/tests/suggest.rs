//! The offence-text classifier: shipped data, worked examples, draft tables and
//! the accuracy floor on the labelled evaluation set.

use evident_classify::{
    CorrespondenceTable, LabelledItem, Suggester, check, evaluate, read_labelled, write_draft_table,
};
use evident_iccs::iccs;

const LEXICONS: [(&str, &str); 2] = [
    ("lexicon_en.csv", include_str!("../data/lexicon_en.csv")),
    ("lexicon_es.csv", include_str!("../data/lexicon_es.csv")),
];

#[test]
fn every_lexicon_line_names_an_existing_iccs_code() {
    for (file, text) in LEXICONS {
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("term,code"), "{file}: header");
        for (n, line) in lines.enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((term, code)) = line.rsplit_once(',') else {
                panic!("{file}:{}: no comma in {line:?}", n + 2)
            };
            assert!(!term.trim().is_empty(), "{file}:{}: empty term", n + 2);
            assert!(
                !term.contains('"'),
                "{file}:{}: quotes are not supported",
                n + 2
            );
            assert!(
                iccs().get(code).is_some(),
                "{file}:{}: {code:?} is not an ICCS code",
                n + 2
            );
        }
    }
}

#[test]
fn the_spanish_names_cover_exactly_the_320_categories() {
    let text = include_str!("../data/iccs_names_es.csv");
    let mut codes: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    codes.sort_unstable();
    let mut expected: Vec<&str> = iccs().categories().iter().map(|c| c.code).collect();
    expected.sort_unstable();
    assert_eq!(codes, expected);
}

fn top(s: &Suggester, text: &str) -> (String, bool) {
    s.suggest(text, 3)
        .first()
        .map(|x| (x.code.to_owned(), x.attempted))
        .unwrap_or_default()
}

#[test]
fn worked_examples() {
    let s = Suggester::new();
    // Each expected code follows from the ICCS structure and inclusions.
    let cases = [
        ("Murder", "0101", false),
        ("Attempted murder", "0102", true), // homicide attempts have their own division
        ("Att. murder", "0102", true),      // abbreviation
        ("Tentativa de homicidio", "0102", true),
        ("Attempted burglary", "0501", true), // other attempts keep the completed act's code
        ("B&E", "0501", false),
        ("Breaking and entering", "0501", false),
        ("Housebreaking", "05012", false),
        ("Larceny", "0502", false),
        ("Shoplifting", "050231", false),
        ("Theft from shop", "050231", false),
        ("DUI", "02072", false),
        ("GBH", "020111", false),
        ("Criminal damage", "0504", false),
        ("Robbery with violence", "0401", false),
        ("Robo con violencia", "0401", false),
        ("Hurto", "0502", false),
        ("Robo de vehículo sin violencia", "050211", false),
        // "con violencia" turns a vehicle theft into robbery of a vehicle (ICCS 0401).
        ("Robo de vehículo con violencia", "040121", false),
        ("Lesiones graves", "020111", false),
        ("Violación", "03011", false),
        ("Tráfico de drogas", "060121", false),
        // Word order does not matter.
        ("Vehicle theft", "050211", false),
        ("Theft of vehicle", "050211", false),
    ];
    for (text, code, attempted) in cases {
        assert_eq!(top(&s, text), (code.to_owned(), attempted), "{text}");
    }
}

#[test]
fn suggestions_explain_themselves_and_stay_in_range() {
    let s = Suggester::new();
    let out = s.suggest("Attempted burglary of a dwelling", 3);
    assert!(!out.is_empty() && out.len() <= 3);
    assert!(
        out[0].reason.contains("burglary") && out[0].reason.contains("At tag"),
        "{}",
        out[0].reason
    );
    for x in &out {
        assert!((0.0..=1.0).contains(&x.confidence) && (0.0..=1.0).contains(&x.score));
        assert!(iccs().get(x.code).is_some());
    }
    assert!(
        out.windows(2)
            .all(|w| w[0].score >= w[1].score - 1e-9 || w[1].confidence < w[0].confidence)
    );
    assert!(
        s.suggest("qwzx plorb", 3).is_empty(),
        "no known word: no suggestion"
    );
    assert!(s.suggest("", 3).is_empty());
    assert!(s.suggest("Murder", 0).is_empty());
}

#[test]
fn the_classifier_is_deterministic() {
    let a = Suggester::new();
    let b = Suggester::new();
    for text in [
        "Other theft",
        "Violence and sexual offences",
        "Robo a casa habitación",
        "Fraud by false representation",
    ] {
        assert_eq!(a.suggest(text, 5), b.suggest(text, 5), "{text}");
    }
}

#[test]
fn a_draft_table_loads_once_reviewed_and_checks_clean() {
    let s = Suggester::new();
    let codes = vec![
        ("101".to_owned(), "Murder".to_owned()),
        ("102".to_owned(), "Attempted murder".to_owned()),
        ("501".to_owned(), "Shoplifting".to_owned()),
        ("999".to_owned(), "qwzx plorb".to_owned()),
    ];
    let draft = s.draft_table(&codes);
    assert_eq!(draft.len(), 4);
    assert!(draft[3].suggestion.is_none());
    let mut out = Vec::new();
    assert!(write_draft_table(&draft, &mut out).is_ok());
    let text = String::from_utf8(out).unwrap_or_default();
    // The unknown description is left without an ICCS code, so the table does not load as is.
    assert!(CorrespondenceTable::parse(&text, "draft.csv").is_err());
    // A reviewer removes (or fills) that row; the rest loads and checks clean.
    let reviewed: String = text
        .lines()
        .filter(|l| !l.starts_with("999,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let table = CorrespondenceTable::parse(&reviewed, "draft.csv").unwrap_or_default();
    let mapped: Vec<(&str, &str)> = table
        .rows()
        .iter()
        .map(|r| (r.national_code.as_str(), r.iccs_code.as_str()))
        .collect();
    assert_eq!(
        mapped,
        [("101", "0101"), ("102", "0102"), ("501", "050231")]
    );
    assert!(table.rows().iter().all(|r| r.note.starts_with("DRAFT")));
    assert!(check(&table).findings.is_empty());
}

fn item(text: &str, label: &str) -> LabelledItem {
    LabelledItem {
        id: String::new(),
        source: "hand".into(),
        lang: "en".into(),
        split: "dev".into(),
        text: text.into(),
        label: label.into(),
    }
}

#[test]
fn evaluation_counts_levels_as_defined() {
    // Shoplifting → 050231: right at every level. Murder labelled 0103 (on
    // purpose) → top-1 0101: right at level 1 only. "Rape" labelled with
    // section 03: counted at level 1 only.
    let s = Suggester::new();
    let items = [
        item("Shoplifting", "050231"),
        item("Murder", "0103"),
        item("Rape", "03"),
    ];
    let reports = evaluate(&s, &items);
    assert_eq!(reports.len(), 1);
    let t = reports[0].overall;
    assert_eq!(
        (t.items, t.counted, t.top1, t.top1_own),
        (3, [3, 2], [3, 1], 2)
    );
    assert_eq!(t.top1_at(2), 0.5);
    assert_eq!(reports[0].misses.len(), 1);
    assert_eq!(reports[0].misses[0].suggested, Some("0101"));
}

#[test]
fn accuracy_floor_on_the_labelled_set() {
    // Guards against regressions; the measured figures are in docs/classification.md.
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval/offences.csv");
    let reader = std::fs::File::open(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let items = read_labelled(reader, file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(items.len(), 536);
    let s = Suggester::new();
    for report in evaluate(&s, &items) {
        let t = report.overall;
        assert!(
            t.top1_at(2) >= 0.90,
            "{} level-2 top-1 {:.3}",
            report.split,
            t.top1_at(2)
        );
        assert!(
            t.top3_at(2) >= 0.95,
            "{} level-2 top-3 {:.3}",
            report.split,
            t.top3_at(2)
        );
        assert!(
            t.top1_at(1) >= 0.93,
            "{} level-1 top-1 {:.3}",
            report.split,
            t.top1_at(1)
        );
    }
}
