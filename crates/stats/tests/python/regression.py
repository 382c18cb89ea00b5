"""Reference regression fits with statsmodels (OLS, GLM Poisson/NB, NB with ML alpha).

Conventions matched: HAC uses Bartlett weights without small-sample correction
(statsmodels' default use_correction=False); cluster uses G/(G-1)*(N-1)/(N-K);
GLM robust covariances use statsmodels' default (observed Hessian bread).
"""
import json
import sys

import numpy as np
import statsmodels.api as sm

inp = json.load(open(sys.argv[1]))
out = {}
X = np.array(inp["x"], dtype=float)
y = np.array(inp["y"], dtype=float)
off = np.array(inp["offset"], dtype=float)
groups = np.array(inp["groups"], dtype=int)
lags = inp["lags"]


def pack(res):
    return {"params": res.params.tolist(), "bse": res.bse.tolist()}


ly = np.log(y + 1.0)
out["ols_nonrobust"] = pack(sm.OLS(ly, X).fit())
out["ols_hc0"] = pack(sm.OLS(ly, X).fit(cov_type="HC0"))
out["ols_hc1"] = pack(sm.OLS(ly, X).fit(cov_type="HC1"))
out["ols_hac"] = pack(sm.OLS(ly, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags}))
out["ols_hac_corr"] = pack(sm.OLS(ly, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}))
out["ols_cluster"] = pack(sm.OLS(ly, X).fit(cov_type="cluster", cov_kwds={"groups": groups}))

pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=off)
out["pois_nonrobust"] = pack(pois.fit(tol=1e-13))
out["pois_hc0"] = pack(pois.fit(tol=1e-13, cov_type="HC0"))
out["pois_hac"] = pack(pois.fit(tol=1e-13, cov_type="HAC", cov_kwds={"maxlags": lags}))
out["pois_cluster"] = pack(pois.fit(tol=1e-13, cov_type="cluster", cov_kwds={"groups": groups}))
r = pois.fit(tol=1e-13)
out["pois_llf"] = float(r.llf)
out["pois_deviance"] = float(r.deviance)
out["pois_pearson"] = float(r.pearson_chi2)

a = inp["alpha"]
nbg = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=a), offset=off)
out["nb_nonrobust"] = pack(nbg.fit(tol=1e-13))
out["nb_hc0"] = pack(nbg.fit(tol=1e-13, cov_type="HC0"))
out["nb_hac"] = pack(nbg.fit(tol=1e-13, cov_type="HAC", cov_kwds={"maxlags": lags}))
out["nb_cluster"] = pack(nbg.fit(tol=1e-13, cov_type="cluster", cov_kwds={"groups": groups}))
out["nb_llf"] = float(nbg.fit(tol=1e-13).llf)

nbml = sm.NegativeBinomial(y, X, offset=off, loglike_method="nb2").fit(
    method="newton", maxiter=200, tol=1e-12, disp=0)
out["nbml_params"] = nbml.params[:-1].tolist()
out["nbml_alpha"] = float(nbml.params[-1])
out["nbml_llf"] = float(nbml.llf)
json.dump(out, open(sys.argv[2], "w"))
