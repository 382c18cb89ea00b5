//! Parsing of the embedded reference files. The files are part of the binary and
//! checked by the tests, so a malformed line is a build defect, not user input:
//! `load` panics with the file and line rather than returning an error.

use std::collections::HashMap;

use crate::tags::{Tag, TagGroup, TagValue};
use crate::{Category, Classification, IndexTerm, Level};

const STRUCTURE: &str = include_str!("../data/structure.csv");
const INDEX_TERMS: &str = include_str!("../data/index_terms.csv");
const TAGS: &str = include_str!("../data/tags.csv");

pub(crate) fn load() -> Classification {
    let mut categories = Vec::with_capacity(320);
    for (line, fields) in records("structure.csv", STRUCTURE) {
        let [code, level, parent, _section, name] = fields_n::<5>("structure.csv", line, fields);
        let level = level
            .parse::<u8>()
            .ok()
            .and_then(Level::from_number)
            .unwrap_or_else(|| panic!("structure.csv:{line}: bad level {level:?}"));
        categories.push(Category {
            code,
            level,
            parent: (!parent.is_empty()).then_some(parent),
            name,
        });
    }
    // Code order puts every section before its descendants, which the tree views rely on.
    categories.sort_by(|a, b| a.code.cmp(b.code));

    let by_code: HashMap<&'static str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code, i))
        .collect();
    let mut children = vec![Vec::new(); categories.len()];
    for (i, category) in categories.iter().enumerate() {
        if let Some(parent) = category.parent {
            let p = by_code[parent];
            children[p].push(i);
        }
    }

    let index_terms = records("index_terms.csv", INDEX_TERMS)
        .map(|(line, fields)| {
            let [term, code, printed] = fields_n::<3>("index_terms.csv", line, fields);
            IndexTerm {
                term,
                code,
                printed_code: (!printed.is_empty()).then_some(printed),
            }
        })
        .collect();

    let mut tags: Vec<Tag> = Vec::new();
    for (line, fields) in records("tags.csv", TAGS) {
        let [group, acronym, name, value_code, value_label] =
            fields_n::<5>("tags.csv", line, fields);
        let group = TagGroup::from_name(group)
            .unwrap_or_else(|| panic!("tags.csv:{line}: unknown group {group:?}"));
        let position = tags
            .iter()
            .position(|t| t.group == group && t.acronym == acronym);
        let tag = match position {
            Some(i) => &mut tags[i],
            None => {
                tags.push(Tag {
                    group,
                    acronym,
                    name,
                    values: Vec::new(),
                    format_note: None,
                });
                tags.last_mut().expect("just pushed")
            }
        };
        if value_code.is_empty() {
            // Tags without coded values (date and time, economic sector, the data
            // description flags) carry a format note instead.
            tag.format_note = Some(value_label);
        } else {
            tag.values.push(TagValue {
                code: value_code,
                label: value_label,
            });
        }
    }

    Classification {
        categories,
        by_code,
        children,
        index_terms,
        tags,
    }
}

fn fields_n<const N: usize>(
    file: &str,
    line: usize,
    fields: Vec<&'static str>,
) -> [&'static str; N] {
    let count = fields.len();
    fields
        .try_into()
        .unwrap_or_else(|_| panic!("{file}:{line}: expected {N} fields, found {count}"))
}

/// Lines of an RFC 4180 file after its header, as (line number, fields).
///
/// Quoted fields may contain commas; doubled quotes do not occur in these
/// files, and a field with one would fail the field-count check.
fn records(
    file: &'static str,
    text: &'static str,
) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.is_empty())
        .map(move |(i, l)| (i + 1, split_line(file, i + 1, l)))
}

fn split_line(file: &str, line: usize, text: &'static str) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let mut rest = text;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .unwrap_or_else(|| panic!("{file}:{line}: unterminated quote"));
            fields.push(&quoted[..end]);
            rest = &quoted[end + 1..];
            match rest.strip_prefix(',') {
                Some(r) => rest = r,
                None if rest.is_empty() => return fields,
                None => panic!("{file}:{line}: text after closing quote"),
            }
        } else {
            match rest.find(',') {
                Some(comma) => {
                    fields.push(&rest[..comma]);
                    rest = &rest[comma + 1..];
                }
                None => {
                    fields.push(rest);
                    return fields;
                }
            }
        }
    }
}
