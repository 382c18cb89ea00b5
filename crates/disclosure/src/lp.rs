//! A small dense simplex solver for the attacker's linear programs.
//!
//! The audit asks, for each unknown cell of a component, for the smallest and
//! largest value it can take subject to `A x = b, x >= 0`. We solve phase 1
//! once (Dantzig 1963, *Linear Programming and Extensions*, ch. 5: artificial
//! variables), then reuse the feasible basis for every objective (a warm start:
//! each new objective only needs phase 2 from where the last one ended). Pivots
//! follow Dantzig's largest-reduced-cost rule and fall back to Bland's rule
//! (Bland 1977, "New finite pivoting rules for the simplex method", *Mathematics
//! of Operations Research* 2(2)) after a run of degenerate pivots, which rules
//! out cycling.

use thiserror::Error;

/// Why the solver could not answer.
#[derive(Debug, Error, PartialEq)]
pub(crate) enum LpError {
    #[error("the equations have no non-negative solution (the counts are not additive)")]
    Infeasible,
    #[error("the simplex method did not finish within {0} pivots")]
    IterationLimit(usize),
}

/// One equation: `sum(coefficient * x[variable]) = rhs`.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) terms: Vec<(usize, f64)>,
    pub(crate) rhs: f64,
}

const EPS: f64 = 1e-9;

struct Tableau {
    rows: usize,
    width: usize,
    data: Vec<f64>,
    basis: Vec<usize>,
    objective: Vec<f64>,
    pivots: usize,
    limit: usize,
}

impl Tableau {
    fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.width + c]
    }

    fn rhs(&self, r: usize) -> f64 {
        self.at(r, self.width - 1)
    }

    fn pivot(&mut self, r: usize, c: usize) {
        let w = self.width;
        let p = self.data[r * w + c];
        for j in 0..w {
            self.data[r * w + j] /= p;
        }
        let (before, rest) = self.data.split_at_mut(r * w);
        let (pivot_row, after) = rest.split_at_mut(w);
        for row in before.chunks_exact_mut(w).chain(after.chunks_exact_mut(w)) {
            let f = row[c];
            if f != 0.0 {
                for (x, &y) in row.iter_mut().zip(pivot_row.iter()) {
                    *x -= f * y;
                }
                row[c] = 0.0;
            }
        }
        let f = self.objective[c];
        if f != 0.0 {
            for (x, &y) in self.objective.iter_mut().zip(pivot_row.iter()) {
                *x -= f * y;
            }
            self.objective[c] = 0.0;
        }
        self.basis[r] = c;
        self.pivots += 1;
    }

    /// Maximises with the current reduced costs over columns `0..columns`.
    /// Returns false when the objective is unbounded.
    fn optimise(&mut self, columns: usize) -> Result<bool, LpError> {
        let mut degenerate_run = 0usize;
        loop {
            if self.pivots > self.limit {
                return Err(LpError::IterationLimit(self.limit));
            }
            let bland = degenerate_run > 50;
            let mut entering = None;
            let mut best = EPS;
            for j in 0..columns {
                let d = self.objective[j];
                if d > best {
                    entering = Some(j);
                    if bland {
                        break;
                    }
                    best = d;
                }
            }
            let Some(c) = entering else { return Ok(true) };
            let mut leaving: Option<(usize, f64)> = None;
            for r in 0..self.rows {
                let a = self.at(r, c);
                if a > EPS {
                    let ratio = self.rhs(r) / a;
                    let better = match leaving {
                        None => true,
                        Some((l, best_ratio)) => {
                            ratio < best_ratio - EPS
                                || (ratio <= best_ratio + EPS && self.basis[r] < self.basis[l])
                        }
                    };
                    if better {
                        leaving = Some((r, ratio));
                    }
                }
            }
            let Some((r, ratio)) = leaving else {
                return Ok(false);
            };
            degenerate_run = if ratio.abs() <= EPS {
                degenerate_run + 1
            } else {
                0
            };
            self.pivot(r, c);
        }
    }
}

/// The smallest and largest value of each target variable over `{x >= 0 : rows}`.
/// `None` as a maximum means unbounded.
pub(crate) fn intervals(
    variables: usize,
    rows: &[Row],
    targets: &[usize],
) -> Result<Vec<(f64, Option<f64>)>, LpError> {
    let m = rows.len();
    let n = variables;
    let width = n + m + 1;
    let mut data = vec![0.0; m * width];
    let mut scale: f64 = 1.0;
    for (r, row) in rows.iter().enumerate() {
        let sign = if row.rhs < 0.0 { -1.0 } else { 1.0 };
        for &(v, a) in &row.terms {
            data[r * width + v] += sign * a;
        }
        data[r * width + n + r] = 1.0;
        data[r * width + width - 1] = sign * row.rhs;
        scale = scale.max(row.rhs.abs());
    }
    // Phase 1: maximise minus the sum of the artificial variables.
    let mut objective = vec![0.0; width];
    for r in 0..m {
        for j in 0..n {
            objective[j] += data[r * width + j];
        }
        objective[width - 1] += data[r * width + width - 1];
    }
    let limit = 50 * (m + n) + 1000;
    let mut t = Tableau {
        rows: m,
        width,
        data,
        basis: (n..n + m).collect(),
        objective,
        pivots: 0,
        limit,
    };
    t.optimise(n)?;
    if t.objective[width - 1].abs() > 1e-7 * scale.max(1.0) {
        return Err(LpError::Infeasible);
    }
    // Move the remaining (zero-valued) artificial variables out of the basis;
    // a row where that is impossible is a linear combination of others.
    let mut keep = vec![true; m];
    for (r, kept) in keep.iter_mut().enumerate() {
        if t.basis[r] >= n {
            match (0..n).find(|&j| t.at(r, j).abs() > 1e-7) {
                Some(j) => t.pivot(r, j),
                None => *kept = false,
            }
        }
    }
    // Rebuild without artificial columns and redundant rows.
    let kept: Vec<usize> = (0..m).filter(|&r| keep[r]).collect();
    let w2 = n + 1;
    let mut data = Vec::with_capacity(kept.len() * w2);
    let mut basis = Vec::with_capacity(kept.len());
    for &r in &kept {
        data.extend_from_slice(&t.data[r * width..r * width + n]);
        data.push(t.rhs(r));
        basis.push(t.basis[r]);
    }
    let mut t = Tableau {
        rows: kept.len(),
        width: w2,
        data,
        basis,
        objective: vec![0.0; w2],
        pivots: 0,
        limit,
    };
    let mut out = Vec::with_capacity(targets.len());
    for &k in targets {
        let max = solve_for(&mut t, k, 1.0)?;
        let min = solve_for(&mut t, k, -1.0)?;
        let min = min.map_or(0.0, |v| -v).max(0.0);
        out.push((min, max));
    }
    Ok(out)
}

/// Maximises `sign * x[k]` from the current basis; `None` when unbounded.
fn solve_for(t: &mut Tableau, k: usize, sign: f64) -> Result<Option<f64>, LpError> {
    let w = t.width;
    t.objective.iter_mut().for_each(|x| *x = 0.0);
    t.pivots = 0;
    match t.basis.iter().position(|&b| b == k) {
        Some(r) => {
            for j in 0..w - 1 {
                t.objective[j] = -sign * t.at(r, j);
            }
            t.objective[k] = 0.0;
            t.objective[w - 1] = -sign * t.rhs(r);
        }
        None => t.objective[k] = sign,
    }
    if !t.optimise(w - 1)? {
        return Ok(None);
    }
    let value = t
        .basis
        .iter()
        .position(|&b| b == k)
        .map_or(0.0, |r| t.rhs(r));
    Ok(Some(sign * value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(terms: &[(usize, f64)], rhs: f64) -> Row {
        Row {
            terms: terms.to_vec(),
            rhs,
        }
    }

    #[test]
    fn two_unknowns_with_a_known_sum() {
        // x0 + x1 = 7: each lies in [0, 7].
        let r = intervals(2, &[row(&[(0, 1.0), (1, 1.0)], 7.0)], &[0, 1]).unwrap();
        assert_eq!(r, vec![(0.0, Some(7.0)), (0.0, Some(7.0))]);
    }

    #[test]
    fn two_by_two_block_of_a_table() {
        // Unknown 2x2 block with row sums 5, 6 and column sums 4, 7:
        // a + b = 5, c + d = 6, a + c = 4, b + d = 7 (one equation redundant).
        // a ranges over [0, 4]: b = 5 - a >= 0, c = 4 - a >= 0, d = 2 + a >= 0.
        let rows = [
            row(&[(0, 1.0), (1, 1.0)], 5.0),
            row(&[(2, 1.0), (3, 1.0)], 6.0),
            row(&[(0, 1.0), (2, 1.0)], 4.0),
            row(&[(1, 1.0), (3, 1.0)], 7.0),
        ];
        let r = intervals(4, &rows, &[0, 3]).unwrap();
        assert!((r[0].0 - 0.0).abs() < 1e-9 && (r[0].1.unwrap() - 4.0).abs() < 1e-9);
        // d = 2 + a, so d lies in [2, 6].
        assert!((r[1].0 - 2.0).abs() < 1e-9 && (r[1].1.unwrap() - 6.0).abs() < 1e-9);
    }

    #[test]
    fn difference_equation_is_unbounded_above() {
        // x0 - x1 = 3 (a total and one part unknown): x0 in [3, inf), x1 in [0, inf).
        let r = intervals(2, &[row(&[(0, 1.0), (1, -1.0)], 3.0)], &[0, 1]).unwrap();
        assert_eq!(r[0], (3.0, None));
        assert_eq!(r[1], (0.0, None));
    }

    #[test]
    fn negative_right_hand_side_and_infeasibility() {
        // -x0 - x1 = -4 is x0 + x1 = 4.
        let r = intervals(2, &[row(&[(0, -1.0), (1, -1.0)], -4.0)], &[1]).unwrap();
        assert_eq!(r, vec![(0.0, Some(4.0))]);
        // x0 + x1 = -1 has no non-negative solution.
        let e = intervals(2, &[row(&[(0, 1.0), (1, 1.0)], -1.0)], &[0]);
        assert_eq!(e, Err(LpError::Infeasible));
    }
}
