//! Values derived from counts (rates per 100 000, shares, changes) inherit the
//! protection of the counts they come from: a rate whose numerator is
//! suppressed would give the numerator back to anyone who knows the (public)
//! population, so it must be withheld too.

use crate::{CellId, Error, Protection, Release};

/// Whether a value computed from these cells may be published: only when every
/// one of them is published.
pub fn derived_publishable(protection: &Protection, inputs: &[CellId]) -> bool {
    inputs.iter().all(|&c| protection.is_published(c))
}

/// For each derived value (given by the cells it is computed from), whether it
/// may be published.
pub fn mark_derived(protection: &Protection, derived: &[Vec<CellId>]) -> Vec<bool> {
    derived
        .iter()
        .map(|inputs| derived_publishable(protection, inputs))
        .collect()
}

/// Whether the rate whose numerator is the count cell with these codes may be
/// published. Denominators (population) are public and do not matter.
pub fn rate_publishable(
    release: &Release,
    protection: &Protection,
    numerator: &[&str],
) -> Result<bool, Error> {
    let cell = release
        .find(numerator)
        .ok_or_else(|| Error::UnknownCell(numerator.iter().map(|s| s.to_string()).collect()))?;
    Ok(protection.is_published(cell))
}
