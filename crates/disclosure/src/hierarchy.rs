//! Code hierarchies: one per dimension of a release (offence, area, period, …).

use std::collections::HashMap;

use evident_iccs::Level;

use crate::Error;

/// The SDMX code for "total, no breakdown" (`_T`), the default root of a hierarchy.
pub const TOTAL: &str = "_T";

/// A tree of codes with a single total at the top.
///
/// Every code except the total has one parent, and a parent's value is the sum of
/// its children's values. The hierarchy must therefore be exhaustive: if records
/// can be coded at a parent without a child, give the parent a residual child
/// (for example an "unspecified" code) so the sum holds; [`crate::ReleaseBuilder::build`]
/// rejects tables where it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    name: String,
    codes: Vec<String>,
    index: HashMap<String, u32>,
    parent: Vec<Option<u32>>,
    children: Vec<Vec<u32>>,
    depth: Vec<u32>,
}

impl Hierarchy {
    /// An empty hierarchy whose total is `_T`.
    pub fn new(name: &str) -> Hierarchy {
        Hierarchy::with_total(name, TOTAL)
    }

    /// An empty hierarchy whose total has another code, such as a year whose
    /// children are its months.
    pub fn with_total(name: &str, total: &str) -> Hierarchy {
        let mut index = HashMap::new();
        index.insert(total.to_owned(), 0);
        Hierarchy {
            name: name.to_owned(),
            codes: vec![total.to_owned()],
            index,
            parent: vec![None],
            children: vec![Vec::new()],
            depth: vec![0],
        }
    }

    /// A one-level hierarchy: the total and the given codes below it.
    pub fn flat(name: &str, codes: &[&str]) -> Result<Hierarchy, Error> {
        let mut hierarchy = Hierarchy::new(name);
        for code in codes {
            hierarchy.add(code, TOTAL)?;
        }
        Ok(hierarchy)
    }

    /// The ICCS from the total down to `deepest` (sections under `_T`, then
    /// divisions, groups, classes). Categories without children above `deepest`
    /// are leaves, as the ICCS's lower levels are not exhaustive.
    pub fn iccs(name: &str, deepest: Level) -> Hierarchy {
        let mut hierarchy = Hierarchy::new(name);
        for category in evident_iccs::iccs().categories() {
            if category.level > deepest {
                continue;
            }
            let parent = category.parent.unwrap_or(TOTAL);
            // The classification is embedded and lists parents before children,
            // so this cannot fail; a failure would be a bug in the ICCS crate's data.
            if let Err(error) = hierarchy.add(category.code, parent) {
                debug_assert!(false, "embedded ICCS is not a tree: {error}");
            }
        }
        hierarchy
    }

    /// Adds `code` below `parent`, which must already be in the hierarchy.
    pub fn add(&mut self, code: &str, parent: &str) -> Result<(), Error> {
        if code.is_empty() {
            return Err(Error::InvalidHierarchy {
                dimension: self.name.clone(),
                reason: "empty code".to_owned(),
            });
        }
        if self.index.contains_key(code) {
            return Err(Error::InvalidHierarchy {
                dimension: self.name.clone(),
                reason: format!("code {code:?} is listed twice"),
            });
        }
        let Some(&parent_id) = self.index.get(parent) else {
            return Err(Error::InvalidHierarchy {
                dimension: self.name.clone(),
                reason: format!(
                    "parent {parent:?} of {code:?} is not in the hierarchy (add parents first)"
                ),
            });
        };
        let id = u32::try_from(self.codes.len()).map_err(|_| Error::InvalidHierarchy {
            dimension: self.name.clone(),
            reason: "more than 2^32 codes".to_owned(),
        })?;
        self.codes.push(code.to_owned());
        self.index.insert(code.to_owned(), id);
        self.parent.push(Some(parent_id));
        self.children.push(Vec::new());
        self.depth.push(self.depth[parent_id as usize] + 1);
        self.children[parent_id as usize].push(id);
        Ok(())
    }

    /// The dimension's name (`offence`, `area`, `period` …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The total code at the top.
    pub fn total(&self) -> &str {
        &self.codes[0]
    }

    /// The number of codes, the total included.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Always false: a hierarchy holds at least its total.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether the code is in the hierarchy.
    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    /// All codes, the total first, each parent before its children.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(String::as_str)
    }

    /// The parent of a code (`None` for the total and for unknown codes).
    pub fn parent_of(&self, code: &str) -> Option<&str> {
        let id = self.id(code)?;
        self.parent(id).map(|p| self.code(p))
    }

    /// The children of a code in code order (empty for leaves and unknown codes).
    pub fn children_of(&self, code: &str) -> Vec<&str> {
        match self.id(code) {
            Some(id) => self.children(id).iter().map(|&c| self.code(c)).collect(),
            None => Vec::new(),
        }
    }

    /// How many steps below the total a code is (the total is 0).
    pub fn level_of(&self, code: &str) -> Option<u32> {
        self.id(code).map(|id| self.depth(id))
    }

    pub(crate) fn id(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    pub(crate) fn code(&self, id: u32) -> &str {
        &self.codes[id as usize]
    }

    pub(crate) fn parent(&self, id: u32) -> Option<u32> {
        self.parent[id as usize]
    }

    pub(crate) fn children(&self, id: u32) -> &[u32] {
        &self.children[id as usize]
    }

    pub(crate) fn depth(&self, id: u32) -> u32 {
        self.depth[id as usize]
    }

    /// The same tree renumbered depth first with children in code order, so that
    /// identifiers (and every tie broken by them) do not depend on the order in
    /// which the caller added codes.
    pub(crate) fn canonical(&self) -> Hierarchy {
        let mut out = Hierarchy::with_total(&self.name, self.total());
        let mut stack: Vec<u32> = vec![0];
        while let Some(id) = stack.pop() {
            if let Some(parent) = self.parent(id) {
                // Preorder visits parents first and codes are unique, so `add` succeeds.
                let _ = out.add(self.code(id), self.code(parent));
            }
            let mut kids: Vec<u32> = self.children(id).to_vec();
            kids.sort_by(|a, b| self.code(*b).cmp(self.code(*a)));
            stack.extend(kids);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_order_ignores_insertion_order() {
        let mut a = Hierarchy::new("area");
        a.add("R2", TOTAL).unwrap();
        a.add("R1", TOTAL).unwrap();
        a.add("D21", "R2").unwrap();
        a.add("D11", "R1").unwrap();
        a.add("D12", "R1").unwrap();
        let c = a.canonical();
        let codes: Vec<&str> = c.codes().collect();
        // Depth first, children in code order.
        assert_eq!(codes, ["_T", "R1", "D11", "D12", "R2", "D21"]);
        assert_eq!(c.parent_of("D21"), Some("R2"));
        assert_eq!(c.level_of("D12"), Some(2));
    }

    #[test]
    fn rejects_unknown_parent_and_duplicates() {
        let mut h = Hierarchy::new("area");
        assert!(matches!(
            h.add("D1", "R9"),
            Err(Error::InvalidHierarchy { .. })
        ));
        h.add("R1", TOTAL).unwrap();
        assert!(matches!(
            h.add("R1", TOTAL),
            Err(Error::InvalidHierarchy { .. })
        ));
        assert!(matches!(
            h.add("", TOTAL),
            Err(Error::InvalidHierarchy { .. })
        ));
    }

    #[test]
    fn iccs_to_sections_has_eleven_children_of_the_total() {
        let h = Hierarchy::iccs("offence", Level::Section);
        assert_eq!(h.children_of(TOTAL).len(), 11);
        assert_eq!(h.len(), 12);
        let groups = Hierarchy::iccs("offence", Level::Group);
        // 1 total + 11 sections + 63 divisions + 148 groups (ICCS 1.0, p. 13).
        assert_eq!(groups.len(), 1 + 11 + 63 + 148);
        assert_eq!(groups.parent_of("02011"), Some("0201"));
    }
}
