"""Times statsmodels' STL on the same series and settings as the Rust benchmark,
checks that the decompositions agree, and prints the comparison."""
import json
import sys
import time

import numpy as np
from statsmodels.tsa.seasonal import STL

out = sys.argv[1]
series = np.loadtxt(f"{out}/series.csv", delimiter=",", ndmin=2)
rust = json.load(open(f"{out}/rust_timings.json"))
# Evident's early-warning STL: period 12, seasonal window 7 of degree 0,
# jumps (1, 3, 2), not robust (5 inner iterations).
kw = dict(period=12, seasonal=7, seasonal_deg=0, seasonal_jump=1, trend_jump=3, low_pass_jump=2, robust=False)

t = time.perf_counter()
for y in series:
    STL(y, **kw).fit()
sm_time = time.perf_counter() - t

t = time.perf_counter()
for y in series[:1000]:
    STL(y, period=12, robust=True).fit()
sm_robust = time.perf_counter() - t

sample = json.load(open(f"{out}/rust_stl_sample.json"))
worst = 0.0
for y, r in zip(series[: len(sample)], sample):
    res = STL(y, **kw).fit()
    worst = max(worst, np.abs(res.seasonal - r["seasonal"]).max(), np.abs(res.trend - r["trend"]).max())

n = len(series)
print(f"series: {n} x {series.shape[1]} months")
print(f"STL (early-warning settings), {n} decompositions:")
print(f"  statsmodels, 1 process:   {sm_time:8.2f} s")
print(f"  Evident, 1 thread:        {rust['stl_seconds_1_thread']:8.2f} s   ratio {sm_time / rust['stl_seconds_1_thread']:.1f}x")
print(f"  Evident, {rust['threads']} threads:       {rust['stl_seconds_all_threads']:8.2f} s   ratio {sm_time / rust['stl_seconds_all_threads']:.1f}x")
print(f"robust STL (statsmodels defaults: 2 inner, 15 outer), 1000 decompositions:")
print(f"  statsmodels:              {sm_robust:8.2f} s")
print(f"  Evident, 1 thread:        {rust['robust_stl_seconds_1000_1_thread']:8.2f} s   ratio {sm_robust / rust['robust_stl_seconds_1000_1_thread']:.1f}x")
print(f"full early warning (STL operator + predictive count tails + level-shift GLM per series, BH): {rust['early_warning_seconds']:.2f} s on {rust['threads']} threads")
print(f"  flagged {rust['flagged']} series; {rust['rises_flagged']} of {rust['true_rises']} injected rises")
print(f"largest difference between the two STL implementations on {len(sample)} series: {worst:.2e}")
