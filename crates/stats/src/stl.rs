//! Seasonal-trend decomposition by loess (STL).
//!
//! Cleveland, R. B., Cleveland, W. S., McRae, J. E. & Terpenning, I. (1990).
//! "STL: A seasonal-trend decomposition procedure based on loess". *Journal of
//! Official Statistics* 6(1), 3–73.
//!
//! The inner loop alternates (1) loess smoothing of each cycle-subseries of the
//! detrended series, extended by one period at both ends, (2) a low-pass filter of
//! that seasonal estimate (moving averages of length period, period and 3, then
//! loess) whose output is subtracted so the seasonal component has no trend, and
//! (3) loess smoothing of the deseasonalised series to get the trend. The outer
//! loop recomputes bisquare robustness weights from the remainder, with the
//! scale 6 × median |remainder|. Window defaults follow the paper (§3.5) as
//! implemented in statsmodels' `STL`: trend window = the smallest odd integer ≥
//! 1.5·period / (1 − 1.5/seasonal), low-pass window = the smallest odd integer >
//! period; iterations (inner, outer) = (5, 0) without and (2, 15) with robustness.
//! With the same settings the output agrees with statsmodels to rounding error.

use serde::Serialize;

use crate::StatsError;

/// STL settings. Windows are numbers of points (odd, ≥ 3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StlConfig {
    /// Length of the seasonal cycle (12 for months, 52 for weeks).
    pub period: usize,
    /// Seasonal smoother window (odd, ≥ 3); 7 is the customary choice.
    pub seasonal: usize,
    /// Trend smoother window; `None` for the default.
    pub trend: Option<usize>,
    /// Low-pass filter window; `None` for the default.
    pub low_pass: Option<usize>,
    /// Degrees of the seasonal, trend and low-pass loess fits (0 or 1).
    pub degrees: (u8, u8, u8),
    /// Evaluate the seasonal, trend and low-pass smoothers every `jump` points and
    /// interpolate linearly in between (1 = every point).
    pub jumps: (usize, usize, usize),
    /// Use robustness weights (recommended when there may be outliers).
    pub robust: bool,
    /// Inner iterations; `None` for 5 (2 when robust).
    pub inner: Option<usize>,
    /// Outer (robustness) iterations; `None` for 0 (15 when robust).
    pub outer: Option<usize>,
}

impl StlConfig {
    /// Customary settings for a given period: seasonal window 7, degree 1 everywhere, no jumps.
    pub fn new(period: usize, robust: bool) -> Self {
        Self {
            period,
            seasonal: 7,
            trend: None,
            low_pass: None,
            degrees: (1, 1, 1),
            jumps: (1, 1, 1),
            robust,
            inner: None,
            outer: None,
        }
    }

    /// The trend window actually used.
    pub fn trend_window(&self) -> usize {
        self.trend.unwrap_or_else(|| {
            let t = (1.5 * self.period as f64 / (1.0 - 1.5 / self.seasonal as f64)).ceil() as usize;
            if t.is_multiple_of(2) { t + 1 } else { t }
        })
    }

    /// The low-pass window actually used.
    pub fn low_pass_window(&self) -> usize {
        self.low_pass.unwrap_or_else(|| {
            let l = self.period + 1;
            if l.is_multiple_of(2) { l + 1 } else { l }
        })
    }
}

/// The components of an STL decomposition: observed = seasonal + trend + remainder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StlDecomposition {
    /// Seasonal component.
    pub seasonal: Vec<f64>,
    /// Trend component.
    pub trend: Vec<f64>,
    /// Remainder.
    pub remainder: Vec<f64>,
    /// Final robustness weights (all 1 when not robust).
    pub weights: Vec<f64>,
}

/// Reusable scratch space so that decomposing many series does not allocate per call.
#[derive(Debug, Default, Clone)]
pub struct StlWorkspace {
    season_ext: Vec<f64>,
    low: Vec<f64>,
    tmp1: Vec<f64>,
    tmp2: Vec<f64>,
    sub_y: Vec<f64>,
    sub_w: Vec<f64>,
    sub_fit: Vec<f64>,
    detrended: Vec<f64>,
    deseason: Vec<f64>,
    abs_res: Vec<f64>,
}

fn check_window(name: &'static str, w: usize) -> Result<(), StatsError> {
    if w < 3 || w.is_multiple_of(2) {
        return Err(StatsError::InvalidArgument {
            name,
            value: w as f64,
            expected: "an odd window of at least 3 points",
        });
    }
    Ok(())
}

/// Decomposes a complete series (no missing values) with STL.
pub fn stl(y: &[f64], config: &StlConfig) -> Result<StlDecomposition, StatsError> {
    let mut ws = StlWorkspace::default();
    stl_with(y, config, &mut ws)
}

/// [`stl`] with caller-provided scratch space.
pub fn stl_with(
    y: &[f64],
    config: &StlConfig,
    ws: &mut StlWorkspace,
) -> Result<StlDecomposition, StatsError> {
    let np = config.period;
    if np < 2 {
        return Err(StatsError::InvalidArgument {
            name: "period",
            value: np as f64,
            expected: "a seasonal period of at least 2",
        });
    }
    let n = y.len();
    if n < 2 * np {
        return Err(StatsError::TooFewObservations {
            what: "STL (two full seasonal cycles)",
            needed: 2 * np,
            got: n,
        });
    }
    crate::check_values("series for STL", y, false)?;
    let ns = config.seasonal;
    let nt = config.trend_window();
    let nl = config.low_pass_window();
    check_window("seasonal window", ns)?;
    check_window("trend window", nt)?;
    check_window("low-pass window", nl)?;
    let (sdeg, tdeg, ldeg) = config.degrees;
    let (sjump, tjump, ljump) = config.jumps;
    if sjump == 0 || tjump == 0 || ljump == 0 {
        return Err(StatsError::InvalidArgument {
            name: "jump",
            value: 0.0,
            expected: "jumps of at least 1",
        });
    }
    let inner = config.inner.unwrap_or(if config.robust { 2 } else { 5 });
    let outer = config.outer.unwrap_or(if config.robust { 15 } else { 0 });

    let ext = n + 2 * np;
    ws.season_ext.resize(ext, 0.0);
    ws.low.resize(ext, 0.0);
    ws.tmp1.resize(ext, 0.0);
    ws.tmp2.resize(ext, 0.0);
    ws.detrended.resize(n, 0.0);
    ws.deseason.resize(n, 0.0);
    let cycles = n / np + 2;
    ws.sub_y.resize(cycles, 0.0);
    ws.sub_w.resize(cycles, 0.0);
    ws.sub_fit.resize(cycles + 2, 0.0);

    let mut trend = vec![0.0; n];
    let mut season = vec![0.0; n];
    let mut rw = vec![1.0; n];
    let mut use_rw = false;
    let mut k = 0;
    loop {
        for _ in 0..inner {
            for i in 0..n {
                ws.detrended[i] = y[i] - trend[i];
            }
            cycle_subseries(ws, n, np, ns, sdeg, sjump, use_rw.then_some(&rw[..]));
            // Low-pass filter of the extended seasonal: MA(np), MA(np), MA(3), then loess.
            moving_average(&ws.season_ext[..ext], np, &mut ws.tmp1);
            moving_average(&ws.tmp1[..ext - np + 1], np, &mut ws.tmp2);
            moving_average(&ws.tmp2[..ext - 2 * np + 2], 3, &mut ws.tmp1);
            loess(&ws.tmp1[..n], nl, ldeg, ljump, None, &mut ws.low[..n]);
            for i in 0..n {
                season[i] = ws.season_ext[np + i] - ws.low[i];
                ws.deseason[i] = y[i] - season[i];
            }
            loess(
                &ws.deseason[..n],
                nt,
                tdeg,
                tjump,
                use_rw.then_some(&rw[..]),
                &mut trend,
            );
        }
        k += 1;
        if k > outer {
            break;
        }
        robustness_weights(y, &trend, &season, &mut rw, &mut ws.abs_res);
        use_rw = true;
    }
    let remainder = (0..n).map(|i| y[i] - season[i] - trend[i]).collect();
    Ok(StlDecomposition {
        seasonal: season,
        trend,
        remainder,
        weights: rw,
    })
}

/// Smooths each cycle-subseries of `ws.detrended` and writes the extended
/// seasonal (one extra cycle at each end) to `ws.season_ext`.
fn cycle_subseries(
    ws: &mut StlWorkspace,
    n: usize,
    np: usize,
    ns: usize,
    deg: u8,
    jump: usize,
    rw: Option<&[f64]>,
) {
    for j in 0..np {
        let k = (n - j - 1) / np + 1;
        for i in 0..k {
            ws.sub_y[i] = ws.detrended[i * np + j];
            if let Some(rw) = rw {
                ws.sub_w[i] = rw[i * np + j];
            }
        }
        let sub_w = rw.map(|_| &ws.sub_w[..k]);
        {
            let (ys, fit) = (&ws.sub_y[..k], &mut ws.sub_fit[1..k + 1]);
            loess(ys, ns, deg, jump, sub_w, fit);
        }
        // Extrapolate one cycle back (position 0) and forward (k + 1).
        let ys = &ws.sub_y[..k];
        let nright = ns.min(k);
        ws.sub_fit[0] = loess_point(ys, ns, deg, 0.0, 1, nright, sub_w).unwrap_or(ws.sub_fit[1]);
        let nleft = if k > ns { k - ns + 1 } else { 1 };
        ws.sub_fit[k + 1] =
            loess_point(ys, ns, deg, (k + 1) as f64, nleft, k, sub_w).unwrap_or(ws.sub_fit[k]);
        for m in 0..k + 2 {
            ws.season_ext[m * np + j] = ws.sub_fit[m];
        }
    }
}

/// Moving average of length `len`; writes x.len() − len + 1 values.
fn moving_average(x: &[f64], len: usize, out: &mut [f64]) {
    let newn = x.len() + 1 - len;
    let flen = len as f64;
    let mut v: f64 = x[..len].iter().sum();
    out[0] = v / flen;
    for j in 1..newn {
        v += x[len + j - 1] - x[j - 1];
        out[j] = v / flen;
    }
}

/// Loess fit at every point of `y` (positions 1..n), with window `len`,
/// local degree `deg`, evaluating every `jump` points and interpolating.
fn loess(y: &[f64], len: usize, deg: u8, jump: usize, rw: Option<&[f64]>, ys: &mut [f64]) {
    let n = y.len();
    if n < 2 {
        ys[0] = y[0];
        return;
    }
    let jump = jump.min(n - 1);
    let mut nleft = 1;
    let mut nright = n;
    if len >= n {
        let mut i = 0;
        while i < n {
            ys[i] = loess_point(y, len, deg, (i + 1) as f64, 1, n, rw).unwrap_or(y[i]);
            i += jump;
        }
    } else if jump == 1 {
        let half = len.div_ceil(2);
        nleft = 1;
        nright = len;
        for i in 0..n {
            if i + 1 > half && nright != n {
                nleft += 1;
                nright += 1;
            }
            ys[i] = loess_point(y, len, deg, (i + 1) as f64, nleft, nright, rw).unwrap_or(y[i]);
        }
    } else {
        let half = len.div_ceil(2);
        let mut i = 0;
        while i < n {
            if i + 1 < half {
                nleft = 1;
                nright = len;
            } else if i >= n - half {
                nleft = n - len + 1;
                nright = n;
            } else {
                nleft = i + 2 - half;
                nright = len + i + 1 - half;
            }
            ys[i] = loess_point(y, len, deg, (i + 1) as f64, nleft, nright, rw).unwrap_or(y[i]);
            i += jump;
        }
    }
    if jump == 1 {
        return;
    }
    let mut i = 0;
    while i + jump < n {
        let delta = (ys[i + jump] - ys[i]) / jump as f64;
        for j in i + 1..i + jump {
            ys[j] = ys[i] + delta * (j - i) as f64;
        }
        i += jump;
    }
    let k = ((n - 1) / jump) * jump + 1;
    if k != n {
        ys[n - 1] = loess_point(y, len, deg, n as f64, nleft, nright, rw).unwrap_or(y[n - 1]);
        if k != n - 1 {
            let delta = (ys[n - 1] - ys[k - 1]) / (n - k) as f64;
            for j in k..n - 1 {
                ys[j] = ys[k - 1] + delta * (j + 1 - k) as f64;
            }
        }
    }
}

/// Local (degree 0 or 1) weighted regression at position `xs` (1-based) using
/// points nleft..=nright (1-based) with tricube distance weights, times the
/// robustness weights if given. `None` when all weights vanish.
///
/// One pass accumulates the weighted moments in coordinates centred on `xs`;
/// the local-linear value is then ȳ + (0 − d̄)·cov(d, y)/var(d), the same
/// estimate as the original formulation (which rescales the weights), including
/// its rule of falling back to the local mean when var(d) is tiny.
#[inline]
fn loess_point(
    y: &[f64],
    len: usize,
    deg: u8,
    xs: f64,
    nleft: usize,
    nright: usize,
    rw: Option<&[f64]>,
) -> Option<f64> {
    // Two monomorphised copies keep the robustness-weight test out of the inner loop.
    match rw {
        Some(rw) => loess_point_core::<true>(y, len, deg, xs, nleft, nright, rw),
        None => loess_point_core::<false>(y, len, deg, xs, nleft, nright, &[]),
    }
}

#[inline]
fn loess_point_core<const ROBUST: bool>(
    y: &[f64],
    len: usize,
    deg: u8,
    xs: f64,
    nleft: usize,
    nright: usize,
    rw: &[f64],
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - nleft as f64).max(nright as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let h9 = 0.999 * h;
    let h1 = 0.001 * h;
    let inv_h = if h > 0.0 { 1.0 / h } else { 0.0 };
    let (mut sw, mut swd, mut swdd, mut swy, mut swdy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let ys = &y[nleft - 1..nright];
    let rws = if ROBUST {
        &rw[nleft - 1..nright]
    } else {
        &[][..]
    };
    for (i, &yj) in ys.iter().enumerate() {
        let d = (nleft + i) as f64 - xs;
        let r = d.abs();
        if r > h9 {
            continue;
        }
        let mut w = if r <= h1 {
            1.0
        } else {
            let q = r * inv_h;
            let t = 1.0 - q * q * q;
            t * t * t
        };
        if ROBUST {
            w *= rws[i];
        }
        sw += w;
        swd += w * d;
        swdd += w * d * d;
        swy += w * yj;
        swdy += w * d * yj;
    }
    if sw <= 0.0 {
        return None;
    }
    let ybar = swy / sw;
    if h > 0.0 && deg > 0 {
        let dbar = swd / sw;
        let c = swdd / sw - dbar * dbar;
        if c.max(0.0).sqrt() > 0.001 * range {
            let cov = swdy / sw - dbar * ybar;
            return Some(ybar - dbar * cov / c);
        }
    }
    Some(ybar)
}

/// Bisquare robustness weights from the remainder, scale 6 × median |remainder|.
fn robustness_weights(
    y: &[f64],
    trend: &[f64],
    season: &[f64],
    rw: &mut [f64],
    abs_res: &mut Vec<f64>,
) {
    let n = y.len();
    abs_res.clear();
    abs_res.extend((0..n).map(|i| (y[i] - trend[i] - season[i]).abs()));
    let mut sorted = abs_res.clone();
    let m0 = n / 2;
    let m1 = n - m0 - 1;
    let (_, hi, _) = sorted.select_nth_unstable_by(m0, f64::total_cmp);
    let hi = *hi;
    let lo = if m1 == m0 {
        hi
    } else {
        *sorted[..m0]
            .iter()
            .max_by(|a, b| a.total_cmp(b))
            .unwrap_or(&hi)
    };
    let cmad = 3.0 * (hi + lo);
    if cmad == 0.0 {
        rw.iter_mut().for_each(|w| *w = 1.0);
        return;
    }
    let (c9, c1) = (0.999 * cmad, 0.001 * cmad);
    for i in 0..n {
        let r = abs_res[i];
        rw[i] = if r <= c1 {
            1.0
        } else if r <= c9 {
            let u = r / cmad;
            (1.0 - u * u).powi(2)
        } else {
            0.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_linear_trend_and_fixed_seasonal_pattern_exactly() {
        // Degree-1 loess reproduces straight lines, and the moving averages of a
        // zero-sum seasonal pattern over a full period vanish, so STL must return
        // the two parts exactly (up to rounding).
        let pattern = [
            3.0, -1.0, 4.0, -1.5, -5.0, 9.0, -2.0, -6.0, 5.0, -3.0, 5.0, -7.5,
        ];
        assert!(pattern.iter().sum::<f64>().abs() < 1e-12);
        let y: Vec<f64> = (0..72)
            .map(|t| 100.0 + 0.5 * t as f64 + pattern[t % 12])
            .collect();
        for robust in [false, true] {
            let d = stl(&y, &StlConfig::new(12, robust)).unwrap();
            for t in 0..72 {
                assert!(
                    (d.trend[t] - (100.0 + 0.5 * t as f64)).abs() < 1e-9,
                    "trend at {t}: {}",
                    d.trend[t]
                );
                assert!((d.seasonal[t] - pattern[t % 12]).abs() < 1e-9);
                assert!(d.remainder[t].abs() < 1e-9);
            }
        }
    }

    #[test]
    fn default_windows_follow_the_paper() {
        // period 12, seasonal 7: 1.5·12/(1 − 1.5/7) = 22.9 → 23; low-pass 13.
        let c = StlConfig::new(12, false);
        assert_eq!((c.trend_window(), c.low_pass_window()), (23, 13));
        // period 52: 1.5·52/(1 − 1.5/7) = 99.3 → 100 → odd 101; low-pass 53.
        let c = StlConfig::new(52, false);
        assert_eq!((c.trend_window(), c.low_pass_window()), (101, 53));
    }

    #[test]
    fn rejects_short_or_bad_input() {
        assert!(matches!(
            stl(&[1.0; 20], &StlConfig::new(12, false)),
            Err(StatsError::TooFewObservations { .. })
        ));
        let mut y = vec![1.0; 40];
        y[3] = f64::NAN;
        assert!(stl(&y, &StlConfig::new(12, false)).is_err());
        let mut c = StlConfig::new(12, false);
        c.seasonal = 6;
        assert!(stl(&[1.0; 40], &c).is_err());
    }
}
