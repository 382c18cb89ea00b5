//! `evident iccs show|tree|search|tags`.

use evident_iccs::{Category, Level, iccs};
use serde::Serialize;

use crate::cli::IccsCommand;
use crate::output::{Output, UsageError};

#[derive(Serialize)]
struct CategoryRef {
    code: &'static str,
    name: &'static str,
}

impl From<&Category> for CategoryRef {
    fn from(c: &Category) -> Self {
        CategoryRef {
            code: c.code,
            name: c.name,
        }
    }
}

#[derive(Serialize)]
struct CategoryView {
    code: &'static str,
    name: &'static str,
    level: u8,
    level_name: &'static str,
    parent: Option<CategoryRef>,
    ancestors: Vec<CategoryRef>,
    children: Vec<CategoryRef>,
    index_terms: Vec<&'static str>,
    classification: &'static str,
}

#[derive(Serialize)]
struct TreeRow {
    code: &'static str,
    level: u8,
    parent: Option<&'static str>,
    name: &'static str,
}

#[derive(Serialize)]
struct SearchRow {
    code: &'static str,
    name: &'static str,
    matched: &'static str,
    score: f64,
}

#[derive(Serialize)]
struct TagView {
    group: &'static str,
    tag: &'static str,
    name: &'static str,
    values: Vec<TagValueView>,
    format: Option<&'static str>,
}

#[derive(Serialize)]
struct TagValueView {
    code: &'static str,
    label: &'static str,
}

pub fn run(command: IccsCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        IccsCommand::Show { code } => show(&code, out),
        IccsCommand::Tree { level, section } => tree(level, section.as_deref(), out),
        IccsCommand::Search { words, limit } => search(&words.join(" "), limit, out),
        IccsCommand::Tags => tags(out),
    }
}

/// A code typed on the command line that is not an ICCS code is a usage error.
fn lookup(code: &str) -> anyhow::Result<&'static Category> {
    iccs()
        .lookup(code)
        .map_err(|e| UsageError(e.to_string()).into())
}

fn show(code: &str, out: &Output) -> anyhow::Result<()> {
    let iccs = iccs();
    let category = lookup(code)?;
    let view = CategoryView {
        code: category.code,
        name: category.name,
        level: category.level.number(),
        level_name: category.level.name(),
        parent: iccs.parent(category.code).map(CategoryRef::from),
        ancestors: iccs
            .ancestors(category.code)
            .into_iter()
            .map(CategoryRef::from)
            .collect(),
        children: iccs
            .children(category.code)
            .map(CategoryRef::from)
            .collect(),
        index_terms: iccs
            .index_terms_for(category.code)
            .map(|t| t.term)
            .collect(),
        classification: "ICCS 1.0 (UNODC, 2015)",
    };
    out.emit(&view, |w| {
        writeln!(w, "{}  {}", view.code, view.name)?;
        writeln!(w, "  {}", category.level)?;
        for ancestor in &view.ancestors {
            writeln!(w, "  within {}  {}", ancestor.code, ancestor.name)?;
        }
        if view.children.is_empty() {
            writeln!(w, "  not divided further")?;
        } else {
            writeln!(w, "  divided into:")?;
            for child in &view.children {
                writeln!(w, "    {}  {}", child.code, child.name)?;
            }
        }
        if !view.index_terms.is_empty() {
            writeln!(w, "  index terms: {}", view.index_terms.join("; "))?;
        }
        Ok(())
    })
}

fn tree(level: u8, section: Option<&str>, out: &Output) -> anyhow::Result<()> {
    let iccs = iccs();
    let max_level = Level::from_number(level).unwrap_or(Level::Class);
    let section = match section {
        Some(code) => {
            let category = lookup(code)?;
            if category.level != Level::Section {
                return Err(UsageError(format!(
                    "--section takes a level-1 code (two digits, e.g. 05); {code} is a {}",
                    category.level.name()
                ))
                .into());
            }
            Some(category.code)
        }
        None => None,
    };
    let rows: Vec<TreeRow> = iccs
        .categories()
        .iter()
        .filter(|c| c.level <= max_level)
        .filter(|c| section.is_none_or(|s| c.section() == s))
        .map(|c| TreeRow {
            code: c.code,
            level: c.level.number(),
            parent: c.parent,
            name: c.name,
        })
        .collect();
    out.emit(&rows, |w| {
        for row in &rows {
            let indent = "  ".repeat(usize::from(row.level - 1));
            writeln!(w, "{indent}{:<6}  {}", row.code, row.name)?;
        }
        Ok(())
    })
}

fn search(words: &str, limit: usize, out: &Output) -> anyhow::Result<()> {
    let hits: Vec<SearchRow> = iccs()
        .search(words, limit)
        .into_iter()
        .map(|h| SearchRow {
            code: h.code,
            name: h.name,
            matched: h.matched,
            score: h.score,
        })
        .collect();
    out.emit(&hits, |w| {
        if hits.is_empty() {
            writeln!(w, "no category or index term contains all of: {words}")?;
        }
        for hit in &hits {
            if hit.matched == hit.name {
                writeln!(w, "{:<6}  {}", hit.code, hit.name)?;
            } else {
                writeln!(w, "{:<6}  {}  (index: {})", hit.code, hit.name, hit.matched)?;
            }
        }
        Ok(())
    })
}

fn tags(out: &Output) -> anyhow::Result<()> {
    let views: Vec<TagView> = iccs()
        .tags()
        .iter()
        .map(|t| TagView {
            group: t.group.name(),
            tag: t.acronym,
            name: t.name,
            values: t
                .values
                .iter()
                .map(|v| TagValueView {
                    code: v.code,
                    label: v.label,
                })
                .collect(),
            format: t.format_note,
        })
        .collect();
    out.emit(&views, |w| {
        for tag in &views {
            writeln!(w, "{:<11} {:<5} {}", tag.group, tag.tag, tag.name)?;
            for value in &tag.values {
                writeln!(w, "                  {:>3}  {}", value.code, value.label)?;
            }
            if let Some(format) = tag.format {
                writeln!(w, "                  {format}")?;
            }
        }
        Ok(())
    })
}
