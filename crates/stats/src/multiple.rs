//! Multiple testing across many series.
//!
//! * Benjamini & Hochberg (1995), "Controlling the false discovery rate: a
//!   practical and powerful approach to multiple testing", *JRSS B* 57:289–300:
//!   adjusted p-values (q-values) q₍ᵢ₎ = min over j ≥ i of m·p₍ⱼ₎/j; rejecting
//!   q ≤ α controls the expected share of false alarms among alarms at α
//!   (independent or positively dependent tests, Benjamini & Yekutieli 2001).
//! * Simes (1986), "An improved Bonferroni procedure for multiple tests of
//!   significance", *Biometrika* 73:751–754: one p-value for "nothing is
//!   unusual in any of these k periods", min over i of k·p₍ᵢ₎/i.

use crate::StatsError;

fn check_p(p: &[f64]) -> Result<(), StatsError> {
    for (index, &v) in p.iter().enumerate() {
        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
            return Err(StatsError::BadValue {
                what: "p-values",
                index,
                value: v,
                extra: " in [0, 1]",
            });
        }
    }
    Ok(())
}

/// Benjamini–Hochberg adjusted p-values, in the input order.
pub fn benjamini_hochberg(p: &[f64]) -> Result<Vec<f64>, StatsError> {
    check_p(p)?;
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![0.0; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    Ok(q)
}

/// Simes' combined p-value for the global null over `p` (1 for an empty set).
pub fn simes(p: &[f64]) -> Result<f64, StatsError> {
    check_p(p)?;
    let mut s = p.to_vec();
    s.sort_by(f64::total_cmp);
    let k = s.len() as f64;
    Ok(s.iter()
        .enumerate()
        .map(|(i, v)| k * v / (i + 1) as f64)
        .fold(1.0, f64::min))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bh_worked_example() {
        // Benjamini & Hochberg (1995), §4: 15 p-values from a clinical trial; at
        // q = 0.05 the procedure rejects the four smallest.
        let p = [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
            0.5719, 0.6528, 0.7590, 1.0,
        ];
        let q = benjamini_hochberg(&p).unwrap();
        let rejected = q.iter().filter(|v| **v <= 0.05).count();
        assert_eq!(rejected, 4);
        // By hand: q₍₄₎ = min(15·0.0095/4, q₍₅₎ = 15·0.0201/5 …) = 0.035625.
        assert!((q[3] - 0.035_625).abs() < 1e-12);
        // q₍₉₎ = min over j ≥ 9 of 15 p₍ⱼ₎/j = 15·0.0459/9 = 0.0765.
        assert!((q[8] - 0.0765).abs() < 1e-12);
        assert_eq!(q[14], 1.0);
        assert!(benjamini_hochberg(&[0.1, 1.2]).is_err());
    }

    #[test]
    fn simes_by_hand() {
        // p = (0.04, 0.01, 0.5): sorted 0.01, 0.04, 0.5 → min(3·0.01, 3·0.04/2, 3·0.5/3) = 0.03.
        assert!((simes(&[0.04, 0.01, 0.5]).unwrap() - 0.03).abs() < 1e-15);
        assert_eq!(simes(&[]).unwrap(), 1.0);
    }
}
