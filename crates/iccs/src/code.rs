//! Validation of codes with a diagnosis: what is wrong and which valid codes are nearest.

use std::fmt;

use crate::{Category, Classification, Level};

/// Why a string is not an ICCS code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// Nothing was given.
    Empty,
    /// The string holds something other than digits.
    NotDigits {
        /// The first character that is not a digit.
        found: char,
    },
    /// Codes have 2, 4, 5 or 6 digits.
    WrongLength {
        /// How many digits were given.
        digits: usize,
    },
    /// The string has the shape of a code of this level, but no such category exists.
    Unknown {
        /// The level the length implies.
        level: Level,
    },
}

/// A string that is not a valid ICCS 1.0 code, with the nearest valid codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CodeError {
    /// The string that was checked.
    pub input: String,
    /// What is wrong with it.
    pub problem: CodeProblem,
    /// Valid codes the user may have meant, best first (at most five).
    pub suggestions: Vec<&'static str>,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an ICCS 1.0 code: ", self.input)?;
        match &self.problem {
            CodeProblem::Empty => f.write_str("the code is empty")?,
            CodeProblem::NotDigits { found } => write!(
                f,
                "codes are digits only, with their leading zeros, but it contains {found:?}"
            )?,
            CodeProblem::WrongLength { digits } => write!(
                f,
                "codes have 2 (section), 4 (division), 5 (group) or 6 (class) digits, but it has {digits}"
            )?,
            CodeProblem::Unknown { level } => write!(
                f,
                "it has the shape of a {} code, but no such category exists",
                level.name()
            )?,
        }
        if !self.suggestions.is_empty() {
            write!(f, "; nearest valid codes: {}", self.suggestions.join(", "))?;
        }
        Ok(())
    }
}

pub(crate) fn diagnose(iccs: &Classification, input: &str) -> CodeError {
    let trimmed = input.trim();
    let problem = if trimmed.is_empty() {
        CodeProblem::Empty
    } else if let Some(found) = trimmed.chars().find(|c| !c.is_ascii_digit()) {
        CodeProblem::NotDigits { found }
    } else {
        match Level::from_code_length(trimmed.len()) {
            Some(level) => CodeProblem::Unknown { level },
            None => CodeProblem::WrongLength {
                digits: trimmed.len(),
            },
        }
    };
    CodeError {
        input: input.to_owned(),
        problem,
        suggestions: suggest(iccs, trimmed),
    }
}

/// Candidates in order of how likely they are what the user meant.
fn suggest(iccs: &Classification, input: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut push = |c: Option<&Category>| {
        if let Some(c) = c {
            if !out.contains(&c.code) {
                out.push(c.code);
            }
        }
    };

    // Common spellings of a valid code: Eurostat's "ICCS0101", separators, and
    // the zero-stripped form of spreadsheets ("101" for 0101).
    let digits: String = input
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '-' | '_' | '/'))
        .collect();
    if digits.chars().all(|c| c.is_ascii_digit()) && !digits.is_empty() {
        push(iccs.get(&digits));
        push(iccs.get(&format!("0{digits}")));
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.is_empty() {
        return out;
    }

    // The deepest existing ancestor below section level, and its children: the
    // code may be a level too deep (ICCS p. 14: not every category is split further).
    let ancestor = (4..=digits.len().min(6))
        .rev()
        .find_map(|len| iccs.get(&digits[..len]));
    if let Some(ancestor) = ancestor {
        push(Some(ancestor));
        for child in iccs.children(ancestor.code) {
            push(Some(child));
        }
    }

    // Same length and section, one digit different: a typo. Nearer digits first.
    let mut typos: Vec<(u8, &Category)> = iccs
        .categories()
        .iter()
        .filter(|c| c.code.len() == digits.len() && c.code.get(..2) == digits.get(..2))
        .filter_map(|c| {
            let diffs: Vec<(u8, u8)> = c
                .code
                .bytes()
                .zip(digits.bytes())
                .filter(|(a, b)| a != b)
                .collect();
            match diffs.as_slice() {
                [(a, b)] => Some((a.abs_diff(*b), c)),
                _ => None,
            }
        })
        .collect();
    typos.sort_by_key(|(distance, c)| (*distance, c.code));
    for (_, category) in typos {
        push(Some(category));
    }
    out.truncate(5);
    out
}
