"""Reference STL decompositions with statsmodels.tsa.seasonal.STL."""
import json
import sys

import numpy as np
from statsmodels.tsa.seasonal import STL

inp = json.load(open(sys.argv[1]))
out = []
for case in inp["cases"]:
    kw = dict(period=case["period"], seasonal=case["seasonal"], robust=case["robust"],
              seasonal_deg=case["degrees"][0], trend_deg=case["degrees"][1], low_pass_deg=case["degrees"][2],
              seasonal_jump=case["jumps"][0], trend_jump=case["jumps"][1], low_pass_jump=case["jumps"][2])
    if case["trend"] is not None:
        kw["trend"] = case["trend"]
    res = STL(np.array(case["y"], dtype=float), **kw).fit()
    out.append({"seasonal": res.seasonal.tolist(), "trend": res.trend.tolist(), "weights": res.weights.tolist()})
json.dump(out, open(sys.argv[2], "w"))
