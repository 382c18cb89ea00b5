//! Word search over category names and alphabetical-index terms.
//!
//! This is the lookup a person does when browsing the classification: every
//! query word must appear (as a word or a word prefix, ignoring case and plural
//! endings) in the name or in one index term of the category. The offence-text
//! classifier in `evident-classify` is the tool for free-text descriptions.

use crate::Classification;

/// A category that matches a search, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The matching category's code.
    pub code: &'static str,
    /// The matching category's name.
    pub name: &'static str,
    /// The text that matched: the name itself, or an index term.
    pub matched: &'static str,
    /// Share of the matched text's words that the query covers (1.0 = exact).
    pub score: f64,
}

pub(crate) fn search(iccs: &Classification, query: &str, limit: usize) -> Vec<SearchHit> {
    let query_words = words(query);
    if query_words.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<SearchHit> = Vec::new();
    let candidates = iccs
        .categories()
        .iter()
        .map(|c| (c.code, c.name))
        .chain(iccs.index_terms().iter().map(|t| (t.code, t.term)));
    for (code, text) in candidates {
        let Some(category) = iccs.get(code) else {
            continue;
        };
        let text_words = words(text);
        let all_found = query_words
            .iter()
            .all(|q| text_words.iter().any(|t| t.starts_with(q.as_str())));
        if !all_found {
            continue;
        }
        let covered = text_words
            .iter()
            .filter(|t| query_words.iter().any(|q| t.starts_with(q.as_str())))
            .count();
        let score = covered as f64 / text_words.len() as f64;
        match hits.iter_mut().find(|h| h.code == code) {
            Some(hit) if hit.score >= score => {}
            Some(hit) => {
                hit.matched = text;
                hit.score = score;
            }
            None => hits.push(SearchHit {
                code,
                name: category.name,
                matched: text,
                score,
            }),
        }
    }
    // Best score first; among equals the broader category (shorter code) first.
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.code.len().cmp(&b.code.len()))
            .then(a.code.cmp(b.code))
    });
    hits.truncate(limit);
    hits
}

/// Lower-case words without punctuation and without a plural "s".
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_lowercase();
            match w.strip_suffix('s') {
                Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_owned(),
                _ => w,
            }
        })
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "of", "or", "the", "to", "in", "on", "for", "with", "by",
];
