//! `evident iccs …` and the general command-line contract (exit codes, --json, --help).

use crate::common::evident;

#[test]
fn show_intentional_homicide_as_json() {
    let value = evident(&["iccs", "show", "0101", "--json"])
        .success()
        .json();
    assert_eq!(value["name"], "Intentional homicide");
    assert_eq!(value["level"], 2);
    assert_eq!(value["parent"]["code"], "01");
    assert_eq!(value["children"].as_array().map(Vec::len), Some(0));
    let terms = value["index_terms"].as_array().expect("index terms");
    assert!(terms.iter().any(|t| t == "Femicide"), "{terms:?}");
}

#[test]
fn show_lists_children() {
    let value = evident(&["iccs", "show", "0501", "--json"])
        .success()
        .json();
    let children: Vec<&str> = value["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(children, ["05011", "05012", "05013", "05019"]);
}

#[test]
fn invalid_code_is_a_usage_error_with_suggestions() {
    let run = evident(&["iccs", "show", "01011"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert_eq!(
        run.stderr.trim(),
        "error: \"01011\" is not an ICCS 1.0 code: it has the shape of a group code, but no such \
         category exists; nearest valid codes: 0101, 01031, 01041"
    );
}

#[test]
fn tree_level_one_lists_the_eleven_sections() {
    let run = evident(&["iccs", "tree", "--level", "1"]).success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(lines[0].starts_with("01 "), "{}", lines[0]);
    assert!(lines[10].starts_with("11 "), "{}", lines[10]);
    let json = evident(&["iccs", "tree", "--level", "2", "--json"])
        .success()
        .json();
    assert_eq!(json.as_array().map(Vec::len), Some(11 + 63));
}

#[test]
fn tree_of_one_section() {
    let json = evident(&["iccs", "tree", "--section", "05", "--json"])
        .success()
        .json();
    let rows = json.as_array().expect("rows");
    assert!(
        rows.iter()
            .all(|r| r["code"].as_str().is_some_and(|c| c.starts_with("05")))
    );
    assert_eq!(rows[0]["code"], "05");
    let run = evident(&["iccs", "tree", "--section", "0501"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--section takes a level-1 code"),
        "{}",
        run.stderr
    );
}

#[test]
fn search_ranks_the_exact_name_first() {
    let json = evident(&["iccs", "search", "burglary", "--json"])
        .success()
        .json();
    assert_eq!(json[0]["code"], "0501");
    let none = evident(&["iccs", "search", "qwertyuiop"]).success();
    assert!(none.stdout.starts_with("no category"), "{}", none.stdout);
}

#[test]
fn tags_include_attempted_and_weapon() {
    let json = evident(&["iccs", "tags", "--json"]).success().json();
    let tags = json.as_array().expect("tags");
    let at = tags.iter().find(|t| t["tag"] == "At").expect("At");
    assert_eq!(at["values"][0]["label"], "Attempted");
    assert!(
        tags.iter()
            .any(|t| t["tag"] == "We" && t["values"][0]["label"] == "Firearm")
    );
}

#[test]
fn usage_errors_exit_two_and_help_exits_zero() {
    assert_eq!(evident(&["--no-such-flag"]).code, 2);
    assert_eq!(evident(&["iccs", "tree", "--level", "7"]).code, 2);
    let help = evident(&["iccs", "show", "--help"]).success();
    assert!(help.stdout.contains("Example:"), "{}", help.stdout);
    let version = evident(&["--version"]).success();
    assert!(version.stdout.starts_with("evident "), "{}", version.stdout);
}
