//! Measured accuracy of the offence-text classifier on a labelled set.
//!
//! A labelled item is a real offence category name with the ICCS code a person
//! gave it. A suggestion is correct *at level L* when the suggested code and
//! the label fall in the same category of level L; items labelled coarser than
//! L are not counted at L, and a suggestion coarser than L is wrong at L.
//! "Own level" compares at the label's own level. Top-k is correct when any of
//! the first k suggestions is.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use evident_iccs::{Level, iccs};

use crate::suggest::Suggester;

/// One labelled offence description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledItem {
    /// Identifier within its file.
    pub id: String,
    /// Where the description comes from.
    pub source: String,
    /// Language code (`en`, `es`).
    pub lang: String,
    /// `dev` (may be used for tuning) or `test` (never tuned on).
    pub split: String,
    /// The offence description.
    pub text: String,
    /// The ICCS code a person assigned.
    pub label: String,
}

/// Why a labelled file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct LabelledFileError {
    /// The file.
    pub file: String,
    /// The line (0 for the file as a whole).
    pub line: u64,
    /// What is wrong, and what was expected.
    pub message: String,
}

/// Reads a labelled set: CSV with columns `id,source,lang,split,text,iccs_code`
/// (more columns, such as `reasoning`, are ignored). Labels must be valid ICCS codes.
pub fn read_labelled(
    reader: impl Read,
    file: &str,
) -> Result<Vec<LabelledItem>, LabelledFileError> {
    let error = |line: u64, message: String| LabelledFileError {
        file: file.to_owned(),
        line,
        message,
    };
    let mut csv_reader = csv::Reader::from_reader(reader);
    let headers = csv_reader
        .headers()
        .map_err(|e| error(1, e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                error(
                    1,
                    format!(
                        "no column `{name}`; expected id, source, lang, split, text, iccs_code"
                    ),
                )
            })
    };
    let (id, source, lang, split, text, code) = (
        column("id")?,
        column("source")?,
        column("lang")?,
        column("split")?,
        column("text")?,
        column("iccs_code")?,
    );
    let mut items = Vec::new();
    for record in csv_reader.records() {
        let record = record
            .map_err(|e| error(e.position().map(|p| p.line()).unwrap_or(0), e.to_string()))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
        let label = get(code);
        if let Err(e) = iccs().lookup(&label) {
            return Err(error(line, format!("column `iccs_code`: {e}")));
        }
        let split_value = get(split);
        if split_value != "dev" && split_value != "test" {
            return Err(error(
                line,
                format!("column `split`: {split_value:?} is not valid; expected dev or test"),
            ));
        }
        items.push(LabelledItem {
            id: get(id),
            source: get(source),
            lang: get(lang),
            split: split_value,
            text: get(text),
            label,
        });
    }
    Ok(items)
}

/// Hit counts for one group of items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Items evaluated.
    pub items: usize,
    /// Items counted at levels 1 and 2 (labels at least that detailed).
    pub counted: [usize; 2],
    /// Top-1 hits at levels 1 and 2.
    pub top1: [usize; 2],
    /// Top-3 hits at levels 1 and 2.
    pub top3: [usize; 2],
    /// Top-1 hits at the label's own level.
    pub top1_own: usize,
    /// Top-3 hits at the label's own level.
    pub top3_own: usize,
}

impl Tally {
    fn share(hits: usize, of: usize) -> f64 {
        if of == 0 {
            f64::NAN
        } else {
            hits as f64 / of as f64
        }
    }

    /// Top-1 accuracy at level 1 or 2.
    pub fn top1_at(&self, level: usize) -> f64 {
        Tally::share(self.top1[level - 1], self.counted[level - 1])
    }

    /// Top-3 accuracy at level 1 or 2.
    pub fn top3_at(&self, level: usize) -> f64 {
        Tally::share(self.top3[level - 1], self.counted[level - 1])
    }

    /// Top-1 accuracy at the labels' own levels.
    pub fn top1_own(&self) -> f64 {
        Tally::share(self.top1_own, self.items)
    }

    /// Top-3 accuracy at the labels' own levels.
    pub fn top3_own(&self) -> f64 {
        Tally::share(self.top3_own, self.items)
    }

    fn add(&mut self, other: &Tally) {
        self.items += other.items;
        for i in 0..2 {
            self.counted[i] += other.counted[i];
            self.top1[i] += other.top1[i];
            self.top3[i] += other.top3[i];
        }
        self.top1_own += other.top1_own;
        self.top3_own += other.top3_own;
    }
}

/// An item whose top-1 suggestion is wrong at level 2 (or at level 1 for section labels).
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// The item.
    pub item: LabelledItem,
    /// The top suggestion's code, if any.
    pub suggested: Option<&'static str>,
}

/// Results for one split.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SplitReport {
    /// Split name.
    pub split: String,
    /// All items of the split.
    pub overall: Tally,
    /// Per source.
    pub by_source: BTreeMap<String, Tally>,
    /// Per language.
    pub by_lang: BTreeMap<String, Tally>,
    /// (label section, top-1 section or "--") → count, off-diagonal only.
    pub confusion: BTreeMap<(String, String), usize>,
    /// Top-1 misses.
    pub misses: Vec<Miss>,
}

/// Does `code` fall in the same category as `label` at `length` digits?
fn agrees(code: &str, label: &str, length: usize) -> bool {
    code.len() >= length && label.len() >= length && code[..length] == label[..length]
}

/// Evaluates the classifier on the items, one report per split (in order of first appearance).
pub fn evaluate(suggester: &Suggester, items: &[LabelledItem]) -> Vec<SplitReport> {
    let mut reports: Vec<SplitReport> = Vec::new();
    for item in items {
        let index = match reports.iter().position(|r| r.split == item.split) {
            Some(i) => i,
            None => {
                reports.push(SplitReport {
                    split: item.split.clone(),
                    ..SplitReport::default()
                });
                reports.len() - 1
            }
        };
        let report = &mut reports[index];
        let suggestions = suggester.suggest(&item.text, 3);
        let codes: Vec<&'static str> = suggestions.iter().map(|s| s.code).collect();
        let label_length = item.label.len();
        let mut tally = Tally {
            items: 1,
            ..Tally::default()
        };
        for (i, level) in [Level::Section, Level::Division].into_iter().enumerate() {
            let length = level.code_length();
            if label_length < length {
                continue;
            }
            tally.counted[i] = 1;
            tally.top1[i] = usize::from(
                codes
                    .first()
                    .is_some_and(|c| agrees(c, &item.label, length)),
            );
            tally.top3[i] = usize::from(codes.iter().any(|c| agrees(c, &item.label, length)));
        }
        tally.top1_own = usize::from(
            codes
                .first()
                .is_some_and(|c| agrees(c, &item.label, label_length)),
        );
        tally.top3_own = usize::from(codes.iter().any(|c| agrees(c, &item.label, label_length)));

        let judged_length = label_length.min(4);
        if !codes
            .first()
            .is_some_and(|c| agrees(c, &item.label, judged_length))
        {
            report.misses.push(Miss {
                item: item.clone(),
                suggested: codes.first().copied(),
            });
        }
        let predicted_section = codes
            .first()
            .map(|c| c[..2].to_owned())
            .unwrap_or_else(|| "--".to_owned());
        let label_section = item.label[..2].to_owned();
        if predicted_section != label_section {
            *report
                .confusion
                .entry((label_section, predicted_section))
                .or_insert(0) += 1;
        }
        report.overall.add(&tally);
        report
            .by_source
            .entry(item.source.clone())
            .or_default()
            .add(&tally);
        report
            .by_lang
            .entry(item.lang.clone())
            .or_default()
            .add(&tally);
    }
    reports
}

fn percent(x: f64) -> String {
    if x.is_nan() {
        "   -  ".to_owned()
    } else {
        format!("{:5.1}%", 100.0 * x)
    }
}

fn tally_line(f: &mut fmt::Formatter<'_>, name: &str, t: &Tally) -> fmt::Result {
    writeln!(
        f,
        "{name:<16} {:>5} | {} {} | {} {} | {} {}",
        t.items,
        percent(t.top1_at(1)),
        percent(t.top3_at(1)),
        percent(t.top1_at(2)),
        percent(t.top3_at(2)),
        percent(t.top1_own()),
        percent(t.top3_own()),
    )
}

impl fmt::Display for SplitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "split: {}", self.split)?;
        writeln!(
            f,
            "{:<16} {:>5} | level 1 top1/top3 | level 2 top1/top3 | own level top1/top3",
            "group", "items"
        )?;
        tally_line(f, "all", &self.overall)?;
        for (lang, t) in &self.by_lang {
            tally_line(f, &format!("lang {lang}"), t)?;
        }
        for (source, t) in &self.by_source {
            tally_line(f, source, t)?;
        }
        writeln!(
            f,
            "level-2 figures count the {} items labelled at level 2 or finer",
            self.overall.counted[1]
        )?;
        writeln!(f, "confusions (label section -> top-1 section: items):")?;
        let mut pairs: Vec<(&(String, String), &usize)> = self.confusion.iter().collect();
        pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for ((label, predicted), n) in pairs {
            writeln!(f, "  {label} -> {predicted}: {n}")?;
        }
        Ok(())
    }
}
