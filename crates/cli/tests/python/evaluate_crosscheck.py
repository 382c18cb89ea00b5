"""Independent estimates for `evident evaluate` from the panel it exports.

Usage: python evaluate_crosscheck.py panel.csv out.json

Reads the district panel (`evident evaluate --export DIR` writes DIR/panel.csv:
district, region, period, treated_from, count, population) and recomputes, with
pandas, linearmodels and statsmodels, what the command reports:

* the outcome of the panel methods: each district's rate per 100,000 divided
  by its mean rate before the first start (districts without offences before
  the start are left out);
* difference-in-differences: linearmodels PanelOLS with entity and time
  effects, standard errors clustered by district (debiased, group_debias,
  no effect counting: the CRV1 factor G/(G-1)(N-1)/(N-K));
* the event study: indicators for months -12 ... +24 around the start (binned at
  the ends, -1 omitted), same estimator;
* Callaway & Sant'Anna's overall effect for one cohort: the mean over the
  post-start months of the change since the month before the start in the
  treated districts minus that in the never-treated ones;
* the interrupted time series on the treated districts' combined counts:
  statsmodels Poisson GLM with log population offset, design
  [1, t, post, (t - start) post, 11 month indicators]; standard errors the larger
  of HAC (Bartlett, floor(4 (n/100)^(2/9)) lags, n/(n-k) correction) and the
  model-based ones times sqrt(max(1, Pearson chi2 / df)), t(n - k) intervals;
  the relative effect sum(fitted)/sum(counterfactual) over the post months with
  the delta method;
* the synthetic control's weights over the regions' untreated districts
  combined, by scipy's SLSQP on the pre-start months, and its mean post gap.
"""
import json
import sys

try:
    import numpy as np
    import pandas as pd
    import scipy.optimize
    import scipy.stats
    import statsmodels.api as sm
    from linearmodels.panel import PanelOLS
except ImportError as missing:
    sys.exit(f"evaluate_crosscheck.py: {missing}; install the pinned packages with "
             "pip install -r scripts/requirements-test.txt (numpy, pandas, scipy, "
             "statsmodels, linearmodels)")

panel_path, out_path = sys.argv[1], sys.argv[2]
df = pd.read_csv(panel_path, dtype={"district": str, "region": str, "period": str,
                                    "treated_from": str})
periods = sorted(df["period"].unique())
pos = {p: i for i, p in enumerate(periods)}
df["t"] = df["period"].map(pos)
df["g"] = df["treated_from"].map(lambda s: pos.get(s) if isinstance(s, str) else None)
t0 = int(df["g"].dropna().min())
df["rate"] = df["count"] / df["population"] * 1e5
base = df[df["t"] < t0].groupby("district")["rate"].mean()
keep = base[base > 0].index
p = df[df["district"].isin(keep)].copy()
p["y"] = p["rate"] / p["district"].map(base)
p["treated"] = p["g"].notna()
p["d"] = (p["treated"] & (p["t"] >= p["g"].fillna(10**9))).astype(float)
p = p.set_index(["district", "t"]).sort_index()
out = {"t0": t0, "districts": int(len(keep))}

fit_kw = dict(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True,
              auto_df=False, count_effects=False)
res = PanelOLS(p["y"], p[["d"]], entity_effects=True, time_effects=True).fit(**fit_kw)
att, se = float(res.params["d"]), float(res.std_errors["d"])
post_mean = float(p.loc[p["d"] == 1, "y"].mean())
out["did"] = {"att": att, "se": se, "relative": att / (post_mean - att),
              "clusters": int(len(keep))}

# Event study.
leads, lags = min(12, t0), min(24, len(periods) - t0 - 1)
rel = [k for k in range(-leads, lags + 1) if k != -1]
e = (p.index.get_level_values("t").to_numpy() - p["g"].fillna(0).to_numpy())
e = np.clip(e, -leads, lags)
cols = []
for k in rel:
    name = f"e{k}"
    p[name] = ((e == k) & p["treated"].to_numpy()).astype(float)
    if p[name].abs().sum() > 0:
        cols.append(name)
res = PanelOLS(p["y"], p[cols], entity_effects=True, time_effects=True).fit(**fit_kw)
# Intervals with Student's t on G - 1 degrees of freedom (G clusters).
q_event = scipy.stats.t.ppf(0.975, int(len(keep)) - 1)
out["event"] = {"relative_month": [int(c[1:]) for c in cols],
                "params": res.params.tolist(), "bse": res.std_errors.tolist(),
                "lower": (res.params - q_event * res.std_errors).tolist(),
                "upper": (res.params + q_event * res.std_errors).tolist(),
                "df": int(len(keep)) - 1}

# Callaway-Sant'Anna overall effect for one cohort (never-treated comparison).
wide = p["y"].unstack("t")
treated_ids = p[p["treated"]].index.get_level_values("district").unique()
control_ids = p[~p["treated"]].index.get_level_values("district").unique()
gaps = []
for t in range(t0, len(periods)):
    dt = (wide.loc[treated_ids, t] - wide.loc[treated_ids, t0 - 1]).mean()
    dc = (wide.loc[control_ids, t] - wide.loc[control_ids, t0 - 1]).mean()
    gaps.append(dt - dc)
out["staggered"] = {"overall": float(np.mean(gaps))}

# Interrupted time series on the treated districts combined.
tr = df[df["g"].notna()].groupby("t")[["count", "population"]].sum().sort_index()
c = tr["count"].to_numpy(dtype=float)
pop = tr["population"].to_numpy(dtype=float)
n = len(c)
t = np.arange(n, dtype=float)


def design(programme):
    post = ((t >= t0) & programme).astype(float)
    cols = [np.ones(n), t, post, post * (t - t0)]
    for s in range(1, 12):
        cols.append((t.astype(int) % 12 == s).astype(float))
    return np.column_stack(cols)


X, X0 = design(True), design(False)
k = X.shape[1]
lags_nw = int(np.floor(4 * (n / 100) ** (2 / 9)))
model = sm.GLM(c, X, family=sm.families.Poisson(), offset=np.log(pop))
hac = model.fit(tol=1e-13, cov_type="HAC", cov_kwds={"maxlags": lags_nw, "use_correction": True})
plain = model.fit(tol=1e-13)
phi = max(1.0, plain.pearson_chi2 / plain.df_resid)
v_hac = np.asarray(hac.cov_params())
v_model = np.asarray(plain.cov_params()) * phi


def se_of(g):
    return max(np.sqrt(g @ v_hac @ g), np.sqrt(g @ v_model @ g))


beta = hac.params
tq = scipy.stats.t.ppf(0.975, n - k)
fitted = np.exp(X @ beta + np.log(pop))
counter = np.exp(X0 @ beta + np.log(pop))
post = t >= t0
sf, sc = fitted[post].sum(), counter[post].sum()
grad = (X[post] * fitted[post, None]).sum(0) / sf - (X0[post] * counter[post, None]).sum(0) / sc
log_rel, se_rel = np.log(sf / sc), se_of(grad)
g_level = np.zeros(k)
g_level[2] = 1.0
out["its"] = {
    "lags": lags_nw,
    "level_change": float(np.exp(beta[2])),
    "level_se": float(se_of(g_level)),
    "relative": float(sf / sc - 1),
    "relative_lower": float(np.exp(log_rel - tq * se_rel) - 1),
    "relative_upper": float(np.exp(log_rel + tq * se_rel) - 1),
}

# Synthetic control: treated districts combined vs each region's untreated districts combined.
def indexed(frame):
    g = frame.groupby("t")[["count", "population"]].sum().sort_index()
    r = (g["count"] / g["population"] * 1e5).to_numpy()
    return r / r[:t0].mean()


y1 = indexed(df[df["g"].notna()])
donors = {}
for region, frame in df[df["g"].isna()].groupby("region"):
    g = frame.groupby("t")[["count", "population"]].sum().sort_index()
    r = (g["count"] / g["population"] * 1e5).to_numpy()
    if r[:t0].mean() > 0:
        donors[region] = r / r[:t0].mean()
names = sorted(donors)
D = np.column_stack([donors[r] for r in names])
objective = lambda w: float(np.sum((D[:t0] @ w - y1[:t0]) ** 2))
gradient = lambda w: 2 * D[:t0].T @ (D[:t0] @ w - y1[:t0])
w0 = np.full(len(names), 1 / len(names))
opt = scipy.optimize.minimize(objective, w0, jac=gradient, method="SLSQP",
                              bounds=[(0, 1)] * len(names),
                              constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
                              options={"ftol": 1e-16, "maxiter": 2000})
w = opt.x
synthetic = D @ w
out["synth"] = {"weights": dict(zip(names, w.tolist())),
                "gap": float(np.mean(y1[t0:] - synthetic[t0:])),
                "pre_rmspe": float(np.sqrt(np.mean((y1[:t0] - synthetic[:t0]) ** 2))),
                "relative": float(np.mean(y1[t0:] - synthetic[t0:]) / np.mean(synthetic[t0:]))}

json.dump(out, open(out_path, "w"), indent=1)
