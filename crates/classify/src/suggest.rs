//! The offence-text classifier: proposes ICCS codes for free-text offence
//! descriptions, with a confidence and the reason.
//!
//! # Method
//!
//! A weighted term-matching model over a phrase lexicon, chosen because it is
//! offline, deterministic, fast, and explains itself. The lexicon holds every
//! phrase known to name a category: the ICCS 1.0 names (English, and Spanish
//! from the UNODC Spanish edition), the ICCS alphabetical index, and our own
//! lexicon of police and legal vocabulary (`data/lexicon_en.csv`,
//! `data/lexicon_es.csv`). Texts and phrases are reduced to light stems
//! (`text.rs`); a stem's weight is its inverse document frequency
//! (K. Spärck Jones, 1972, "A statistical interpretation of term specificity
//! and its application in retrieval", *Journal of Documentation* 28(1)),
//! counting as documents the ICCS divisions whose phrases use the stem, so
//! that words shared by a whole branch ("theft") are not penalised for the
//! branch's depth.
//!
//! A phrase *p* scores against a text *t* by the weight *M* of their common
//! stems relative to the phrase's own weight *P* and the text's weight *T*:
//! `score = (M / P) · sqrt(M / T)`. A phrase wholly present in the text scores
//! by how much of the text it explains; a phrase only partly present is
//! discounted linearly. A category scores as its best phrase. Word order does
//! not matter; abbreviations (B&E, GBH, DUI, M/V …) are expanded first.
//!
//! Attempts: words such as "attempted", "tentativa" are taken out of the text
//! and reported with the suggestion. For intentional homicide the ICCS has its
//! own division for attempts, so an attempt whose best match lies in 0101 is
//! suggested as 0102; every other category keeps the completed act's code,
//! and the attempt is to be recorded with the ICCS `At` tag (ICCS 1.0, p. 20).
//!
//! Violence: a theft or burglary described as taken "with violence", "armed",
//! "con violencia" (and not "sin violencia") becomes the matching robbery
//! category, since the ICCS defines robbery as theft with force or threat of
//! force against a person (0401). "Other …" matched to a whole section becomes
//! the section's residual division.
//!
//! The measured accuracy and its limits are in `docs/classification.md`.

use std::collections::HashMap;

use evident_iccs::iccs;

use crate::text;

const LEXICON_EN: &str = include_str!("../data/lexicon_en.csv");
const LEXICON_ES: &str = include_str!("../data/lexicon_es.csv");
const NAMES_ES: &str = include_str!("../data/iccs_names_es.csv");

/// The stem every attempt word reduces to (after abbreviation expansion).
const ATTEMPT_STEM: &str = "attempt";

/// Weight given to a word of the text that no phrase uses.
const UNKNOWN_WEIGHT: f64 = 1.5;

/// Where a phrase of the lexicon comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhraseSource {
    /// An ICCS 1.0 category name (English).
    IccsName,
    /// An ICCS 1.0 category name in the Spanish edition.
    IccsNameSpanish,
    /// A term of the ICCS alphabetical index.
    IccsIndex,
    /// Evident's own lexicon.
    Lexicon,
}

impl PhraseSource {
    fn label(self) -> &'static str {
        match self {
            PhraseSource::IccsName => "ICCS name",
            PhraseSource::IccsNameSpanish => "ICCS Spanish name",
            PhraseSource::IccsIndex => "ICCS index term",
            PhraseSource::Lexicon => "lexicon term",
        }
    }
}

#[derive(Debug, Clone)]
struct Phrase {
    code: &'static str,
    text: String,
    source: PhraseSource,
    stems: Vec<u32>,
    weight: f64,
}

/// One proposed ICCS code for a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The ICCS code.
    pub code: &'static str,
    /// Its official English name.
    pub name: &'static str,
    /// A heuristic confidence in [0, 1]: the match score, lowered when a
    /// category in another branch scores nearly as well. Not a calibrated probability.
    pub confidence: f64,
    /// The raw match score in [0, 1].
    pub score: f64,
    /// Whether the text describes an attempt.
    pub attempted: bool,
    /// Why: the phrase that matched and the words it shares with the text.
    pub reason: String,
}

/// The offence-text classifier. Build once ([`Suggester::new`]) and reuse.
#[derive(Debug, Clone)]
pub struct Suggester {
    vocabulary: HashMap<String, u32>,
    stem_text: Vec<String>,
    weights: Vec<f64>,
    phrases: Vec<Phrase>,
    postings: Vec<Vec<u32>>,
}

impl Default for Suggester {
    fn default() -> Self {
        Suggester::new()
    }
}

/// Lexicon lines: `term,code`, comments with `#`. Malformed lines are a bug
/// in the shipped data, caught by this crate's tests, and skipped here.
fn lexicon_lines(data: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    data.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let (term, code) = line.rsplit_once(',')?;
            Some((term.trim(), code.trim()))
        })
}

/// Spanish names: `code,name` with the name possibly quoted.
fn spanish_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    NAMES_ES.lines().skip(1).filter_map(|line| {
        let (code, name) = line.split_once(',')?;
        Some((code, name.trim_matches('"')))
    })
}

/// The division (or section) a code counts under for word frequencies.
fn division_of(code: &str) -> &str {
    &code[..code.len().min(4)]
}

impl Suggester {
    /// Builds the classifier from the embedded ICCS and lexicon data.
    pub fn new() -> Suggester {
        let classification = iccs();
        let mut raw: Vec<(&'static str, String, PhraseSource)> = Vec::new();
        for category in classification.categories() {
            raw.push((
                category.code,
                category.name.to_owned(),
                PhraseSource::IccsName,
            ));
        }
        for term in classification.index_terms() {
            raw.push((term.code, term.term.to_owned(), PhraseSource::IccsIndex));
        }
        for (code, name) in spanish_names() {
            if let Some(category) = classification.get(code) {
                raw.push((
                    category.code,
                    name.to_owned(),
                    PhraseSource::IccsNameSpanish,
                ));
            }
        }
        for data in [LEXICON_EN, LEXICON_ES] {
            for (term, code) in lexicon_lines(data) {
                if let Some(category) = classification.get(code) {
                    raw.push((category.code, term.to_owned(), PhraseSource::Lexicon));
                }
            }
        }

        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut stem_text: Vec<String> = Vec::new();
        let mut phrases: Vec<Phrase> = Vec::new();
        let mut seen: HashMap<(&'static str, Vec<u32>), ()> = HashMap::new();
        for (code, phrase_text, source) in raw {
            let mut stems = text::stems(&phrase_text);
            let had_attempt = stems.iter().any(|s| s == ATTEMPT_STEM);
            stems.retain(|s| s != ATTEMPT_STEM);
            // Attempts are handled by rule, so "attempted intentional homicide"
            // teaches the words of 0101 and the rule turns them into 0102.
            let code = if had_attempt && code == "0102" {
                "0101"
            } else {
                code
            };
            if stems.is_empty() {
                continue;
            }
            let mut ids: Vec<u32> = stems
                .into_iter()
                .map(|s| {
                    let next = vocabulary.len() as u32;
                    *vocabulary.entry(s.clone()).or_insert_with(|| {
                        stem_text.push(s);
                        next
                    })
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if seen.insert((code, ids.clone()), ()).is_some() {
                continue;
            }
            phrases.push(Phrase {
                code,
                text: phrase_text,
                source,
                stems: ids,
                weight: 0.0,
            });
        }

        // Inverse document frequency over divisions.
        let mut divisions_of_stem: Vec<Vec<&str>> = vec![Vec::new(); vocabulary.len()];
        for phrase in &phrases {
            for &id in &phrase.stems {
                let division = division_of(phrase.code);
                let list = &mut divisions_of_stem[id as usize];
                if !list.contains(&division) {
                    list.push(division);
                }
            }
        }
        let units = {
            let mut all: Vec<&str> = phrases.iter().map(|p| division_of(p.code)).collect();
            all.sort_unstable();
            all.dedup();
            all.len() as f64
        };
        let weights: Vec<f64> = divisions_of_stem
            .iter()
            .map(|d| ((units + 1.0) / (d.len() as f64 + 0.5)).ln().max(0.05))
            .collect();
        let mut postings: Vec<Vec<u32>> = vec![Vec::new(); vocabulary.len()];
        for (index, phrase) in phrases.iter_mut().enumerate() {
            phrase.weight = phrase.stems.iter().map(|&id| weights[id as usize]).sum();
            for &id in &phrase.stems {
                postings[id as usize].push(index as u32);
            }
        }
        Suggester {
            vocabulary,
            stem_text,
            weights,
            phrases,
            postings,
        }
    }

    /// How many phrases the classifier knows.
    pub fn phrase_count(&self) -> usize {
        self.phrases.len()
    }

    /// Up to `k` suggestions for a text, best first. Empty when no word of the
    /// text is known.
    pub fn suggest(&self, description: &str, k: usize) -> Vec<Suggestion> {
        let mut stems = text::stems(description);
        let violent = mentions_violence(description);
        let residual = mentions_other(description);
        let attempted = stems.iter().any(|s| s == ATTEMPT_STEM);
        stems.retain(|s| s != ATTEMPT_STEM);
        stems.sort_unstable();
        stems.dedup();
        let mut known: Vec<u32> = Vec::with_capacity(stems.len());
        let mut text_weight = 0.0;
        for stem in &stems {
            match self.vocabulary.get(stem) {
                Some(&id) => {
                    known.push(id);
                    text_weight += self.weights[id as usize];
                }
                None => text_weight += UNKNOWN_WEIGHT,
            }
        }
        if known.is_empty() || k == 0 {
            return Vec::new();
        }
        known.sort_unstable();

        // Weight shared with the text, per phrase that shares any stem.
        let mut shared: HashMap<u32, f64> = HashMap::new();
        for &id in &known {
            for &phrase in &self.postings[id as usize] {
                *shared.entry(phrase).or_insert(0.0) += self.weights[id as usize];
            }
        }
        let mut best: HashMap<&'static str, (f64, u32)> = HashMap::new();
        for (&index, &common) in &shared {
            let phrase = &self.phrases[index as usize];
            let score = (common / phrase.weight) * (common / text_weight).sqrt();
            let entry = best.entry(phrase.code).or_insert((0.0, index));
            // Ties go to the phrase listed first (ICCS names before index and lexicon).
            if score > entry.0 + 1e-12 || (score > entry.0 - 1e-12 && index < entry.1) {
                *entry = (score, index);
            }
        }
        let mut ranked: Vec<(&'static str, f64, u32)> =
            best.into_iter().map(|(c, (s, i))| (c, s, i)).collect();
        // Best score first; among equal scores the broader category, then code order.
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(a.0.len().cmp(&b.0.len()))
                .then(a.0.cmp(b.0))
        });

        let top_score = ranked.first().map(|r| r.1).unwrap_or(0.0);
        let rival = ranked
            .iter()
            .skip(1)
            .find(|r| ranked.first().is_some_and(|t| !related(t.0, r.0)))
            .map(|r| r.1)
            .unwrap_or(0.0);
        let spread = if top_score > 0.0 {
            1.0 - 0.5 * (rival / top_score)
        } else {
            0.0
        };

        let classification = iccs();
        let mut out = Vec::with_capacity(k);
        let mut held_back: Vec<(&'static str, f64, String)> = Vec::new();
        for (rank, (code, score, index)) in ranked.into_iter().enumerate() {
            if out.len() == k {
                break;
            }
            let phrase = &self.phrases[index as usize];
            let shared_words: Vec<&str> = phrase
                .stems
                .iter()
                .filter(|id| known.binary_search(id).is_ok())
                .map(|id| self.stem_text[*id as usize].as_str())
                .collect();
            let mut reason = format!(
                "{} \"{}\" (shared words: {})",
                phrase.source.label(),
                phrase.text,
                shared_words.join(", ")
            );
            let mut code = code;
            if residual && code.len() == 2 {
                // "Other offences against property": the section's residual division.
                if let Some(other) = classification
                    .children(code)
                    .filter(|c| c.is_residual())
                    .last()
                {
                    code = other.code;
                    reason.push_str("; \"other\" offences of a section: its residual division");
                }
            }
            if violent && (code.starts_with("0501") || code.starts_with("0502")) {
                code = robbery_counterpart(code);
                reason.push_str(
                    "; taken with violence or threat against a person: robbery (ICCS 0401)",
                );
            }
            if attempted {
                if classification.is_within(code, "0101") {
                    code = "0102";
                    reason.push_str(
                        "; attempted intentional homicide has its own ICCS division 0102",
                    );
                } else {
                    reason.push_str("; attempt: coded as the completed act, record the ICCS At tag as attempted");
                }
            }
            // The last place goes to another division when one matched at all:
            // a reviewer gains more from a different reading than from a third
            // granularity of the same one.
            let divisions_covered = out.len() + 1 == k
                && out
                    .iter()
                    .any(|s: &Suggestion| division_of(s.code) == division_of(code));
            if out.iter().any(|s: &Suggestion| s.code == code) || divisions_covered {
                held_back.push((code, score, reason));
                continue;
            }
            let Some(category) = classification.get(code) else {
                continue;
            };
            let confidence = if rank == 0 {
                score * spread
            } else {
                score * 0.5
            };
            out.push(Suggestion {
                code: category.code,
                name: category.name,
                confidence: confidence.clamp(0.0, 1.0),
                score,
                attempted,
                reason,
            });
        }
        // Too few divisions matched: fill up with the held-back categories.
        for (code, score, reason) in held_back {
            if out.len() == k {
                break;
            }
            if out.iter().any(|s| s.code == code) {
                continue;
            }
            let Some(category) = classification.get(code) else {
                continue;
            };
            out.push(Suggestion {
                code: category.code,
                name: category.name,
                confidence: (score * 0.5).clamp(0.0, 1.0),
                score,
                attempted,
                reason,
            });
        }
        out
    }

    /// A draft correspondence table for a code list of `(national code, description)`.
    pub fn draft_table(&self, codes: &[(String, String)]) -> Vec<DraftRow> {
        codes
            .iter()
            .map(|(national_code, description)| {
                let mut suggestions = self.suggest(description, 3);
                let best = if suggestions.is_empty() {
                    None
                } else {
                    Some(suggestions.remove(0))
                };
                DraftRow {
                    national_code: national_code.clone(),
                    national_description: description.clone(),
                    suggestion: best,
                    alternatives: suggestions,
                }
            })
            .collect()
    }
}

/// Whether the text speaks of the remaining ("other") offences of a kind.
fn mentions_other(description: &str) -> bool {
    text::expanded_words(description).iter().any(|w| {
        matches!(
            w.as_str(),
            "other" | "otros" | "otras" | "otro" | "otra" | "resto" | "miscellaneous"
        )
    })
}

/// Whether the text says the act involved violence against a person
/// ("con violencia", "with violence", "armed"), and does not deny it ("sin violencia").
fn mentions_violence(description: &str) -> bool {
    let words = text::expanded_words(description);
    words.iter().enumerate().any(|(i, w)| {
        let marker = matches!(
            w.as_str(),
            "violence"
                | "violent"
                | "violencia"
                | "violento"
                | "violenta"
                | "intimidacion"
                | "intimidation"
                | "armed"
        );
        let denied = i > 0 && matches!(words[i - 1].as_str(), "sin" | "without" | "non" | "no");
        marker && !denied
    })
}

/// The robbery category for a theft or burglary taken by force or threat
/// against a person (ICCS 0401: robbery is theft with force or threat of force).
fn robbery_counterpart(code: &str) -> &'static str {
    if code.starts_with("05021") {
        "040121"
    } else if code.starts_with("05012") {
        "040112"
    } else if code == "050221" {
        "040111"
    } else if code.starts_with("05023") || code == "05011" {
        "040132"
    } else if code == "05025" {
        "04014"
    } else {
        "0401"
    }
}

fn related(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// One line of a draft correspondence table, for a person to review.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftRow {
    /// The national code.
    pub national_code: String,
    /// Its description, as given.
    pub national_description: String,
    /// The best suggestion, if any word of the description was known.
    pub suggestion: Option<Suggestion>,
    /// Up to two further suggestions.
    pub alternatives: Vec<Suggestion>,
}

impl DraftRow {
    /// The row in correspondence-table form. Without a suggestion the ICCS
    /// code is left empty on purpose: the table will not load until a person
    /// fills it in.
    pub fn to_row(&self) -> crate::table::Row {
        let mut row = crate::table::Row::new(&self.national_code, "");
        row.national_description = self.national_description.clone();
        match &self.suggestion {
            Some(s) => {
                row.iccs_code = s.code.to_owned();
                let mut note = format!(
                    "DRAFT, review: confidence {:.2}; {}",
                    s.confidence, s.reason
                );
                if !self.alternatives.is_empty() {
                    let alternatives: Vec<String> = self
                        .alternatives
                        .iter()
                        .map(|a| format!("{} {} ({:.2})", a.code, a.name, a.score))
                        .collect();
                    note.push_str(&format!("; alternatives: {}", alternatives.join(", ")));
                }
                row.note = note;
            }
            None => {
                row.note =
                    "DRAFT: no suggestion, no word of the description is known; classify by hand"
                        .to_owned()
            }
        }
        row
    }
}

/// Writes draft rows as a correspondence table CSV.
pub fn write_draft_table(
    rows: &[DraftRow],
    writer: impl std::io::Write,
) -> Result<(), crate::table::TableError> {
    let table = crate::table::CorrespondenceTable::from_rows(
        "draft",
        rows.iter().map(DraftRow::to_row).collect(),
    );
    table.write_csv(writer)
}
