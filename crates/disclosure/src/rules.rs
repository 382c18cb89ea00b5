//! The settings of disclosure control: which cells are sensitive and how much
//! protection a suppressed cell needs.

use serde::{Deserialize, Serialize};

use crate::{Cell, Error};

/// What secondary suppression minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cost {
    /// The total value of the extra suppressed cells, then their number (the
    /// usual choice: small cells are the cheapest to hide).
    #[default]
    Value,
    /// The number of extra suppressed cells, then their total value.
    Cells,
}

/// Settings for primary suppression, protection and the audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// A cell with a positive count is sensitive when fewer than this many
    /// persons contribute to it.
    pub threshold: u64,
    /// The threshold for victim-identifying cells ([`Cell::sensitive`]); at least `threshold`.
    pub sensitive_threshold: u64,
    /// Required width of a protected cell's feasible interval, as a percentage of its value.
    pub protection_percent: u64,
    /// Required width in absolute terms; at least 1, so no cell is ever disclosed exactly.
    pub minimum_width: u64,
    /// What secondary suppression minimises.
    pub cost: Cost,
    /// How many partner codes per dimension the hypercube search keeps before it
    /// combines dimensions (more finds cheaper patterns, slower).
    pub candidates_per_dimension: usize,
    /// Components of suppressed cells up to this many unknowns are audited by an
    /// exact linear program; larger ones by verified alternative tables.
    pub exact_audit_limit: usize,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            threshold: 3,
            sensitive_threshold: 5,
            protection_percent: 10,
            minimum_width: 3,
            cost: Cost::Value,
            candidates_per_dimension: 3,
            exact_audit_limit: 300,
        }
    }
}

impl Rules {
    /// Checks the settings for contradictions.
    pub fn validate(&self) -> Result<(), Error> {
        let problem = if self.threshold == 0 {
            Some("threshold must be at least 1")
        } else if self.sensitive_threshold < self.threshold {
            Some("sensitive_threshold must be at least threshold")
        } else if self.minimum_width == 0 {
            Some("minimum_width must be at least 1 (0 would allow exact disclosure)")
        } else if self.candidates_per_dimension == 0 {
            Some("candidates_per_dimension must be at least 1")
        } else {
            None
        };
        match problem {
            Some(reason) => Err(Error::InvalidRules(reason.to_owned())),
            None => Ok(()),
        }
    }

    /// Whether a cell must be suppressed on its own (the threshold rule): it has
    /// a positive count and fewer contributors than the applicable threshold. A
    /// zero count is published as zero.
    pub fn is_primary(&self, cell: &Cell) -> bool {
        let threshold = if cell.sensitive {
            self.sensitive_threshold
        } else {
            self.threshold
        };
        cell.count > 0 && cell.contributors < threshold
    }

    /// The width the feasible interval of a sensitive cell with this count must have:
    /// `max(ceil(protection_percent % of count), minimum_width)`.
    pub fn required_width(&self, count: u64) -> u64 {
        let percent = (count as u128 * self.protection_percent as u128).div_ceil(100);
        (percent.min(u64::MAX as u128) as u64).max(self.minimum_width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_rule_counts_persons_not_offences() {
        let rules = Rules {
            threshold: 3,
            sensitive_threshold: 10,
            ..Rules::default()
        };
        // Seven offences committed against two victims: sensitive.
        assert!(rules.is_primary(&Cell {
            count: 7,
            contributors: 2,
            sensitive: false
        }));
        assert!(!rules.is_primary(&Cell {
            count: 7,
            contributors: 3,
            sensitive: false
        }));
        // Victim-identifying offences use the stricter threshold.
        assert!(rules.is_primary(&Cell {
            count: 7,
            contributors: 9,
            sensitive: true
        }));
        assert!(!rules.is_primary(&Cell {
            count: 0,
            contributors: 0,
            sensitive: true
        }));
    }

    #[test]
    fn required_width_is_percent_or_minimum() {
        let rules = Rules {
            protection_percent: 10,
            minimum_width: 3,
            ..Rules::default()
        };
        assert_eq!(rules.required_width(2), 3);
        // 10 % of 41 is 4.1, rounded up to 5.
        assert_eq!(rules.required_width(41), 5);
    }

    #[test]
    fn contradictory_rules_are_rejected() {
        assert!(
            Rules {
                minimum_width: 0,
                ..Rules::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Rules {
                threshold: 5,
                sensitive_threshold: 3,
                ..Rules::default()
            }
            .validate()
            .is_err()
        );
        assert!(Rules::default().validate().is_ok());
    }
}
