//! `evident map coverage`: how much of the data a correspondence table classifies.
//!
//! Pure arithmetic on per-code record counts that the engine supplies, so the
//! same function serves a dry run (counts per national code before
//! classification, [`coverage_of_table`]) and a report after classification
//! (counts of mapped records per code, [`coverage`]).

use std::collections::HashMap;

use crate::table::CorrespondenceTable;

/// Records of one national code, and how many of them a table classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeVolume {
    /// The national code (an empty string for records without one).
    pub national_code: String,
    /// All records with this code.
    pub records: u64,
    /// Records that received an ICCS code.
    pub mapped_records: u64,
}

/// A national code with unmapped records.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmappedCode {
    /// The national code.
    pub national_code: String,
    /// Its unmapped records.
    pub unmapped_records: u64,
    /// Those records as a share of all records (0–1).
    pub share_of_records: f64,
}

/// Coverage of a table over a body of records.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageReport {
    /// All records.
    pub records: u64,
    /// Records that received an ICCS code.
    pub mapped_records: u64,
    /// Distinct national codes among the records.
    pub codes: usize,
    /// Codes all of whose records were mapped.
    pub fully_mapped_codes: usize,
    /// Codes some but not all of whose records were mapped (conditions leave gaps).
    pub partly_mapped_codes: usize,
    /// Codes with unmapped records, most unmapped records first (ties by code).
    pub top_unmapped: Vec<UnmappedCode>,
}

impl CoverageReport {
    /// Share of records mapped (0–1), `None` when there are no records.
    pub fn record_share(&self) -> Option<f64> {
        (self.records > 0).then(|| self.mapped_records as f64 / self.records as f64)
    }

    /// Share of distinct codes whose records are all mapped, `None` without codes.
    pub fn code_share(&self) -> Option<f64> {
        (self.codes > 0).then(|| self.fully_mapped_codes as f64 / self.codes as f64)
    }
}

/// Coverage from per-code counts; the same code listed twice is added up.
/// `top` limits the list of unmapped codes.
pub fn coverage(volumes: &[CodeVolume], top: usize) -> CoverageReport {
    let mut by_code: HashMap<&str, (u64, u64)> = HashMap::new();
    for v in volumes {
        let entry = by_code.entry(v.national_code.trim()).or_insert((0, 0));
        entry.0 += v.records;
        entry.1 += v.mapped_records.min(v.records);
    }
    let records: u64 = by_code.values().map(|(r, _)| r).sum();
    let mapped_records: u64 = by_code.values().map(|(_, m)| m).sum();
    let fully_mapped_codes = by_code.values().filter(|(r, m)| r == m).count();
    let partly_mapped_codes = by_code.values().filter(|(r, m)| *m > 0 && m < r).count();
    let mut unmapped: Vec<UnmappedCode> = by_code
        .iter()
        .filter(|(_, (r, m))| r > m)
        .map(|(code, (r, m))| UnmappedCode {
            national_code: (*code).to_owned(),
            unmapped_records: r - m,
            share_of_records: (r - m) as f64 / records as f64,
        })
        .collect();
    unmapped.sort_by(|a, b| {
        b.unmapped_records
            .cmp(&a.unmapped_records)
            .then_with(|| a.national_code.cmp(&b.national_code))
    });
    unmapped.truncate(top);
    CoverageReport {
        records,
        mapped_records,
        codes: by_code.len(),
        fully_mapped_codes,
        partly_mapped_codes,
        top_unmapped: unmapped,
    }
}

/// Coverage before classification: a code counts as mapped when the table has
/// a row for it (conditions and dates are not evaluated; use [`coverage`] with
/// the engine's counts for that).
pub fn coverage_of_table(
    table: &CorrespondenceTable,
    counts: &[(String, u64)],
    top: usize,
) -> CoverageReport {
    let known = table.national_codes();
    let volumes: Vec<CodeVolume> = counts
        .iter()
        .map(|(code, records)| CodeVolume {
            national_code: code.clone(),
            records: *records,
            mapped_records: if known.binary_search(&code.trim()).is_ok() {
                *records
            } else {
                0
            },
        })
        .collect();
    coverage(&volumes, top)
}
