"""Reference TWFE DiD / event study (linearmodels PanelOLS) and ITS (statsmodels GLM).

PanelOLS: entity and time effects, standard errors clustered by entity with
debiased=True, group_debias=True, auto_df=False, count_effects=False, i.e. the
factor G/(G-1) * (N-1)/N * N/(N-K) = G/(G-1) * (N-1)/(N-K), K the number of regressors.
ITS: Poisson GLM with log(population) offset, design [1, t, post, (t-start)*post,
sin/cos harmonics]; HAC (Newey-West, Bartlett) with the given lags and the n/(n-k)
correction, and the model-based SE times sqrt(max(1, Pearson chi2 / df)).
"""
import json
import sys

import numpy as np
import pandas as pd
import statsmodels.api as sm
from linearmodels.panel import PanelOLS

inp = json.load(open(sys.argv[1]))
out = {}

units, periods = inp["units"], inp["periods"]
y = np.array(inp["outcome"], dtype=float)
treated_from = inp["treated_from"]
idx = pd.MultiIndex.from_product([range(units), range(periods)], names=["unit", "period"])
df = pd.DataFrame({"y": y}, index=idx)
d = np.zeros(units * periods)
for u in range(units):
    g = treated_from[u]
    if g is not None:
        for t in range(g, periods):
            d[u * periods + t] = 1.0
df["d"] = d
df = df.dropna()
fit_kw = dict(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True,
              auto_df=False, count_effects=False)
res = PanelOLS(df["y"], df[["d"]], entity_effects=True, time_effects=True).fit(**fit_kw)
out["did"] = {"params": res.params.tolist(), "bse": res.std_errors.tolist()}

# Event study with leads/lags binned at the ends, omitting -1.
leads, lags = inp["leads"], inp["lags"]
rel = [k for k in range(-leads, lags + 1) if k != -1]
full = pd.DataFrame({"y": y}, index=idx)
for k in rel:
    col = np.zeros(units * periods)
    for u in range(units):
        g = treated_from[u]
        if g is None:
            continue
        for t in range(periods):
            e = min(max(t - g, -leads), lags)
            if e == k:
                col[u * periods + t] = 1.0
    full[f"e{k}"] = col
full = full.dropna()
cols = [f"e{k}" for k in rel if full[f"e{k}"].abs().sum() > 0]
res = PanelOLS(full["y"], full[cols], entity_effects=True, time_effects=True).fit(**fit_kw)
out["event"] = {"params": res.params.tolist(), "bse": res.std_errors.tolist()}

# Interrupted time series.
its = inp["its"]
c = np.array(its["counts"], dtype=float)
pop = np.array(its["population"], dtype=float)
n = len(c)
t = np.arange(n, dtype=float)
post = (t >= its["start"]).astype(float)
X = [np.ones(n), t, post, post * (t - its["start"])]
for k in range(1, its["harmonics"] + 1):
    a = 2 * np.pi * k * t / its["period"]
    X += [np.sin(a), np.cos(a)]
X = np.column_stack(X)
model = sm.GLM(c, X, family=sm.families.Poisson(), offset=np.log(pop))
g = model.fit(tol=1e-13, cov_type="HAC", cov_kwds={"maxlags": its["lags"], "use_correction": True})
q = model.fit(tol=1e-13)
phi = max(1.0, q.pearson_chi2 / q.df_resid)
out["its"] = {"params": g.params.tolist(), "bse_hac": g.bse.tolist(), "bse_quasi": (q.bse * np.sqrt(phi)).tolist()}
json.dump(out, open(sys.argv[2], "w"))
