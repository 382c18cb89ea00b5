//! The International Classification of Crime for Statistical Purposes (ICCS),
//! version 1.0, embedded.
//!
//! This crate owns the classification every Evident statistic is keyed by: all
//! 320 categories in four levels (11 sections, 63 divisions, 148 groups, 98
//! classes) with their official names, the alphabetical index of offence terms,
//! and the disaggregating variables ("tags") with their value codes.
//!
//! Source: United Nations Office on Drugs and Crime, *International
//! Classification of Crime for Statistical Purposes (ICCS), Version 1.0*,
//! Vienna, March 2015 (Part Two, "Broad and detailed structure"; Annex 2,
//! "Alphabetical index"; Table II, "Disaggregating variable categories").
//! © United Nations. Codes, names, index terms and tag codes are reproduced as
//! reference data; the classification's descriptions, inclusions and exclusions
//! are not, and readers should consult the UNODC publication for them.
//!
//! The alphabetical index as printed contains codes that do not exist or point
//! to the wrong category; the embedded copy corrects them and keeps the printed
//! code beside the correction (`data/index_terms.csv`, column `printed_code`).
//!
//! Architecture invariant: no I/O, no async, no dependency on the query engine.
//! Everything is parsed once from data compiled into the binary.

mod code;
mod data;
mod search;
mod tags;

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

pub use code::{CodeError, CodeProblem};
pub use search::SearchHit;
pub use tags::{Tag, TagGroup, TagValue};

/// One of the four levels of the ICCS hierarchy (ICCS 1.0, p. 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Level 1, two-digit codes such as `01`.
    Section = 1,
    /// Level 2, four-digit codes such as `0101`.
    Division = 2,
    /// Level 3, five-digit codes such as `02011`.
    Group = 3,
    /// Level 4, six-digit codes such as `020111`.
    Class = 4,
}

impl Level {
    /// All levels, from the most aggregated to the most detailed.
    pub const ALL: [Level; 4] = [Level::Section, Level::Division, Level::Group, Level::Class];

    /// The level with this number (1 to 4).
    pub fn from_number(number: u8) -> Option<Level> {
        match number {
            1 => Some(Level::Section),
            2 => Some(Level::Division),
            3 => Some(Level::Group),
            4 => Some(Level::Class),
            _ => None,
        }
    }

    /// The level number, 1 to 4.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// How many digits a code of this level has.
    pub fn code_length(self) -> usize {
        match self {
            Level::Section => 2,
            Level::Division => 4,
            Level::Group => 5,
            Level::Class => 6,
        }
    }

    /// The level whose codes have this many digits.
    pub fn from_code_length(len: usize) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|level| level.code_length() == len)
    }

    /// The ICCS's own word for the level ("section", "division", "group", "class").
    pub fn name(self) -> &'static str {
        match self {
            Level::Section => "section",
            Level::Division => "division",
            Level::Group => "group",
            Level::Class => "class",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "level {} ({})", self.number(), self.name())
    }
}

/// One category of the classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The code, as a string with its leading zeros (`"0101"`).
    pub code: &'static str,
    /// The level of the category.
    pub level: Level,
    /// The code of the parent category; `None` for sections.
    pub parent: Option<&'static str>,
    /// The official English name.
    pub name: &'static str,
}

impl Category {
    /// The section (level-1 code) this category belongs to.
    pub fn section(&self) -> &'static str {
        &self.code[..2]
    }

    /// Whether the category is a residual "other …" category (final digit 9, ICCS p. 19).
    pub fn is_residual(&self) -> bool {
        self.level != Level::Section && self.code.ends_with('9')
    }
}

/// An entry of the ICCS alphabetical index: an offence term and its category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTerm {
    /// The offence term as printed in the index.
    pub term: &'static str,
    /// The category the term belongs to (corrected where the printed code was wrong).
    pub code: &'static str,
    /// The code as printed in the source, when it differs from `code`.
    pub printed_code: Option<&'static str>,
}

/// The whole classification. Obtain it with [`iccs()`].
#[derive(Debug)]
pub struct Classification {
    categories: Vec<Category>,
    by_code: HashMap<&'static str, usize>,
    children: Vec<Vec<usize>>,
    index_terms: Vec<IndexTerm>,
    tags: Vec<Tag>,
}

static ICCS: LazyLock<Classification> = LazyLock::new(data::load);

/// The embedded ICCS 1.0.
pub fn iccs() -> &'static Classification {
    &ICCS
}

/// The version of the classification this crate embeds.
pub const VERSION: &str = "1.0";

impl Classification {
    /// All 320 categories in code order (a section is followed by its descendants).
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The category with exactly this code, if it exists.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.by_code.get(code).map(|&i| &self.categories[i])
    }

    /// Validates a code and returns its category, or an error that says what is
    /// wrong and which valid codes are nearest.
    pub fn lookup(&self, code: &str) -> Result<&Category, CodeError> {
        match self.get(code) {
            Some(category) => Ok(category),
            None => Err(code::diagnose(self, code)),
        }
    }

    /// The 11 sections.
    pub fn sections(&self) -> impl Iterator<Item = &Category> {
        self.at_level(Level::Section)
    }

    /// All categories of one level, in code order.
    pub fn at_level(&self, level: Level) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(move |c| c.level == level)
    }

    /// The direct children of a category, in code order (empty for unknown codes).
    pub fn children(&self, code: &str) -> impl Iterator<Item = &Category> {
        let indices: &[usize] = match self.by_code.get(code) {
            Some(&i) => &self.children[i],
            None => &[],
        };
        indices.iter().map(|&i| &self.categories[i])
    }

    /// All descendants of a category, depth first in code order.
    pub fn descendants(&self, code: &str) -> Vec<&Category> {
        let mut out = Vec::new();
        let mut stack: Vec<&Category> = self.children(code).collect();
        stack.reverse();
        while let Some(category) = stack.pop() {
            out.push(category);
            let mut kids: Vec<&Category> = self.children(category.code).collect();
            kids.reverse();
            stack.extend(kids);
        }
        out
    }

    /// The parent of a category.
    pub fn parent(&self, code: &str) -> Option<&Category> {
        self.get(code)?.parent.and_then(|p| self.get(p))
    }

    /// The ancestors of a category, from its section down to its parent.
    pub fn ancestors(&self, code: &str) -> Vec<&Category> {
        let mut out = Vec::new();
        let mut current = self.parent(code);
        while let Some(category) = current {
            out.push(category);
            current = self.parent(category.code);
        }
        out.reverse();
        out
    }

    /// The category that counts a record coded `code` in a table at `level`.
    ///
    /// A code finer than `level` rolls up to its ancestor at `level`. A code at
    /// or above `level` is returned unchanged: lower levels are not exhaustive
    /// (ICCS p. 14, footnote 21), so a record coded `0101` is complete at levels
    /// 2, 3 and 4. Returns `None` for an unknown code.
    pub fn roll_up(&self, code: &str, level: Level) -> Option<&Category> {
        let category = self.get(code)?;
        if category.level <= level {
            return Some(category);
        }
        self.get(&code[..level.code_length()])
    }

    /// Whether `code` is `ancestor` or lies below it.
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        self.get(code).is_some() && self.get(ancestor).is_some() && code.starts_with(ancestor)
    }

    /// The alphabetical index (Annex 2), with corrected codes.
    pub fn index_terms(&self) -> &[IndexTerm] {
        &self.index_terms
    }

    /// The index terms that point at one category.
    pub fn index_terms_for(&self, code: &str) -> impl Iterator<Item = &IndexTerm> {
        let code = code.to_owned();
        self.index_terms.iter().filter(move |t| t.code == code)
    }

    /// The disaggregating variables (Table II).
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// One disaggregating variable of one group, by its acronym (`At`, `We`, `SV` …).
    ///
    /// Some acronyms (`ViP`, `Cit`, `LS`, `Int`) exist for both victims and
    /// perpetrators; give the group to choose.
    pub fn tag(&self, group: TagGroup, acronym: &str) -> Option<&Tag> {
        self.tags
            .iter()
            .find(|t| t.group == group && t.acronym.eq_ignore_ascii_case(acronym))
    }

    /// Word search over category names and index terms, best matches first.
    pub fn search(&self, words: &str, limit: usize) -> Vec<SearchHit> {
        search::search(self, words, limit)
    }
}

#[cfg(test)]
mod tests;
