//! The synthetic country's national code list as a third evaluation source,
//! labelled from the generator's true correspondence
//! (`evident_synthetic::true_correspondence()`). Never tuned on: neither the
//! tests nor the `accuracy` example print its items or misses.
//!
//! Shared by `tests/suggest.rs` and `examples/accuracy.rs` (included with `#[path]`).

use evident_classify::LabelledItem;
use evident_iccs::iccs;

/// One item per national code, in the generator's order, with split `synthetic`.
///
/// A code with one row takes that row's ICCS code. A code with several
/// conditional rows takes the longest code that every row falls within (the
/// unconditional parent they share), when that parent is at level 2 or finer:
/// weapon and location splits (`020111`/`020112` → `02011`, the location split
/// of burglary → `0501`). The homicide codes split by the attempt tag (`0101`
/// completed, `0102` attempted) share only section `01`; they take `0101`, the
/// row of completed acts, which the generator makes the more common one or, for
/// one code, equally common, and which their titles name.
pub fn synthetic_items() -> Vec<LabelledItem> {
    let rows = evident_synthetic::true_correspondence();
    let mut items: Vec<LabelledItem> = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let code = rows[start].national_code;
        let end = rows[start..]
            .iter()
            .position(|r| r.national_code != code)
            .map_or(rows.len(), |n| start + n);
        let group = &rows[start..end];
        let label = label_of(group.iter().map(|r| r.iccs_code).collect());
        items.push(LabelledItem {
            id: code.to_owned(),
            source: "synthetic".to_owned(),
            lang: "en".to_owned(),
            split: "synthetic".to_owned(),
            text: group[0].title.to_owned(),
            label,
        });
        start = end;
    }
    items
}

/// The label for the ICCS codes of one national code's rows (see [`synthetic_items`]).
pub fn label_of(codes: Vec<&'static str>) -> String {
    let Some(first) = codes.first() else {
        return String::new();
    };
    if codes.iter().all(|c| c == first) {
        return (*first).to_owned();
    }
    let common = codes.iter().fold(first.len(), |n, c| {
        first
            .bytes()
            .zip(c.bytes())
            .take(n)
            .take_while(|(a, b)| a == b)
            .count()
    });
    // The longest shared prefix that is itself an ICCS category.
    let parent = (1..=common)
        .rev()
        .map(|n| &first[..n])
        .find(|p| iccs().get(p).is_some());
    match parent {
        Some(p) if p.len() >= 4 => p.to_owned(),
        // Only a section in common: the attempt split of intentional homicide.
        _ if codes.contains(&"0101") => "0101".to_owned(),
        _ => (*first).to_owned(),
    }
}
