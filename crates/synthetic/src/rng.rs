//! A small, fast, reproducible random-number generator and the samplers the
//! generator needs.
//!
//! We carry our own generator instead of `rand` so that the same seed gives
//! the same bytes forever: `rand` documents that its algorithms and sampler
//! implementations may change between versions, which would silently change
//! every synthetic country.
//!
//! Generator: xoshiro256++, seeded through SplitMix64 (Blackman, D. and
//! Vigna, S., 2021, "Scrambled linear pseudorandom number generators", ACM
//! Transactions on Mathematical Software 47(4)). Discrete sampling with many
//! categories uses Walker's alias method in Vose's linear-time construction
//! (Vose, M. D., 1991, "A linear algorithm for generating random numbers with
//! a given distribution", IEEE Transactions on Software Engineering 17(9)).

/// SplitMix64 step (Steele, Lea and Flood, 2014, "Fast splittable
/// pseudorandom number generators", OOPSLA), used to expand seeds.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes several integers into one 64-bit value; used to derive independent
/// streams (one per chunk of records) and stable per-object hashes.
pub(crate) fn mix(parts: &[u64]) -> u64 {
    let mut state = 0x5851_F42D_4C95_7F2D_u64;
    let mut out = 0;
    for &part in parts {
        state ^= part;
        out = splitmix64(&mut state);
        state ^= out.rotate_left(17);
    }
    out
}

/// xoshiro256++.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for one named stream of one master seed.
    pub(crate) fn stream(seed: u64, stream: &[u64]) -> Rng {
        let mut parts = Vec::with_capacity(stream.len() + 1);
        parts.push(seed);
        parts.extend_from_slice(stream);
        let mut state = mix(&parts);
        let s = [
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
        ];
        Rng { s }
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform on [0, 1).
    #[inline]
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (Lemire's multiply-high; the bias is below
    /// n / 2^64 and irrelevant here). `n` must be positive.
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform integer in `lo..=hi`.
    #[inline]
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal by the Box–Muller transform (one value per call; the
    /// second is discarded to keep the stream state simple).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal with the given median and log-scale standard deviation.
    pub(crate) fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Exponential with the given mean.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    /// Geometric number of failures before the first success, with the given mean.
    pub(crate) fn geometric(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        let p = 1.0 / (1.0 + mean);
        let u = 1.0 - self.uniform();
        (u.ln() / (1.0 - p).ln()).floor().min(1e6) as u32
    }

    /// Index drawn with probability proportional to `weights` (short tables).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        // Rounding can leave x a hair above the last weight: take the last positive one.
        weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }
}

/// Walker/Vose alias table: O(1) draws from a fixed discrete distribution.
#[derive(Debug, Clone)]
pub(crate) struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    /// `None` when no weight is positive.
    pub(crate) fn new(weights: &[f64]) -> Option<Alias> {
        let n = weights.len();
        let total: f64 = weights.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
        if n == 0 || total <= 0.0 {
            return None;
        }
        let mut scaled: Vec<f64> = weights
            .iter()
            .map(|w| {
                if w.is_finite() && *w > 0.0 {
                    w * n as f64 / total
                } else {
                    0.0
                }
            })
            .collect();
        let mut prob = vec![0.0; n];
        let mut alias = vec![0u32; n];
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, p) in scaled.iter().enumerate() {
            if *p < 1.0 {
                small.push(i);
            } else {
                large.push(i);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in large.into_iter().chain(small) {
            prob[i] = 1.0;
            alias[i] = i as u32;
        }
        Some(Alias { prob, alias })
    }

    #[inline]
    pub(crate) fn sample(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len() as u64) as usize;
        if rng.uniform() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_stream_same_numbers_and_streams_differ() {
        let mut a = Rng::stream(42, &[1, 2]);
        let mut b = Rng::stream(42, &[1, 2]);
        let mut c = Rng::stream(42, &[1, 3]);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn xoshiro_matches_reference_sequence() {
        // Reference: the C code of xoshiro256++ (prng.di.unimi.it) started from
        // the state {1, 2, 3, 4}. The first output is rotl(1 + 4, 23) + 1 =
        // 5 * 2^23 + 1 = 41943041; the second was computed by hand from the
        // state update: s = {7, 0, 262146, 211106232532992}, giving
        // rotl(7 + 211106232532992, 23) + 7 = 58720359.
        let mut rng = Rng { s: [1, 2, 3, 4] };
        assert_eq!(rng.next_u64(), 41_943_041);
        assert_eq!(rng.next_u64(), 58_720_359);
    }

    #[test]
    fn alias_frequencies_follow_weights() {
        // Weights 1:2:7 → expected shares 0.1, 0.2, 0.7; with 200,000 draws the
        // binomial standard error of a share is at most 0.0011, so 0.005 is > 4 SE.
        let alias = Alias::new(&[1.0, 2.0, 7.0]).expect("positive weights");
        let mut rng = Rng::stream(7, &[]);
        let mut counts = [0u32; 3];
        let n = 200_000;
        for _ in 0..n {
            counts[alias.sample(&mut rng)] += 1;
        }
        let shares: Vec<f64> = counts.iter().map(|c| *c as f64 / n as f64).collect();
        assert!((shares[0] - 0.1).abs() < 0.005, "{shares:?}");
        assert!((shares[1] - 0.2).abs() < 0.005, "{shares:?}");
        assert!((shares[2] - 0.7).abs() < 0.005, "{shares:?}");
        assert!(Alias::new(&[0.0, 0.0]).is_none());
    }

    #[test]
    fn geometric_and_lognormal_have_their_stated_centres() {
        // Geometric failures with mean 3: sample mean within 0.05 of 3 for 200k draws
        // (variance = mean(1+mean) = 12, SE = 0.0077). Log-normal median 10: half the
        // draws fall below 10 (SE of the share 0.0011).
        let mut rng = Rng::stream(9, &[]);
        let n = 200_000;
        let mean = (0..n).map(|_| rng.geometric(3.0) as f64).sum::<f64>() / n as f64;
        assert!((mean - 3.0).abs() < 0.05, "{mean}");
        let below = (0..n).filter(|_| rng.lognormal(10.0, 0.8) < 10.0).count() as f64 / n as f64;
        assert!((below - 0.5).abs() < 0.005, "{below}");
    }
}
