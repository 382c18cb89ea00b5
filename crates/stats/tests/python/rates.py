"""Reference rate and proportion intervals from scipy and statsmodels.

Input: {"counts": [...], "levels": [...], "proportions": [[x, n], ...], "ratios": [[a, ea, b, eb], ...]}
Output: the same cases with limits computed independently of Evident.
"""
import json
import sys

from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson_2indep

inp = json.load(open(sys.argv[1]))
out = {"poisson": [], "wilson": [], "clopper_pearson": [], "wald_log": []}
for level in inp["levels"]:
    a = 1 - level
    for k in inp["counts"]:
        lo = stats.chi2.ppf(a / 2, 2 * k) / 2 if k > 0 else 0.0
        hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
        out["poisson"].append([float(lo), float(hi)])
    for x, n in inp["proportions"]:
        out["wilson"].append([float(v) for v in proportion_confint(x, n, a, method="wilson")])
        out["clopper_pearson"].append([float(v) for v in proportion_confint(x, n, a, method="beta")])
    for ca, ea, cb, eb in inp["ratios"]:
        ci = confint_poisson_2indep(ca, ea, cb, eb, method="wald-log", compare="ratio", alpha=a)
        out["wald_log"].append([float(ci[0]), float(ci[1])])
json.dump(out, open(sys.argv[2], "w"))
