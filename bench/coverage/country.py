"""Summarises bench/coverage/country.sh: coverage of the true programme effect by
each method's interval, and agreement with the independent reference estimates.

Usage: python country.py results.jsonl TRUE_RELATIVE_EFFECT
"""
import json
import math
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
truth = float(sys.argv[2])


def row(name, values):
    n = len(values)
    if n == 0:
        print(f"| {name} | 0 | | | | | |")
        return
    covered = sum(1 for v in values if v["lower"] <= truth <= v["upper"])
    cov = covered / n
    margin = 1.96 * math.sqrt(cov * (1 - cov) / n)
    bias = sum(v["estimate"] - truth for v in values) / n
    width = sum(v["upper"] - v["lower"] for v in values) / n
    sig = sum(1 for v in values if v["upper"] < 0) / n
    print(f"| {name} | {n} | {100 * cov:.1f} % | ±{100 * margin:.1f} | {bias:+.4f} | {width:.3f} | {100 * sig:.0f} % |")


print(f"{len(rows)} countries (seeds {rows[0]['seed']}–{rows[-1]['seed']}), true relative effect {truth:+.2f}\n")
print("| method | n | 95 % interval covers the truth | ±95 % | mean bias | mean width | interval below 0 |")
print("|---|---:|---:|---:|---:|---:|---:|")
by_method = {"its": [], "did": [], "synth": []}
errors = {"its": 0, "did": 0, "synth": 0}
for r in rows:
    for m in r["report"]["methods"]:
        if m.get("result") and m["result"].get("relative"):
            by_method[m["method"]].append(m["result"]["relative"])
        else:
            errors[m["method"]] += 1
titles = {"its": "Interrupted time series (treated districts combined)",
          "did": "Difference-in-differences (TWFE on the rate index)",
          "synth": "Synthetic control (regions' untreated districts as donors)"}
for k in ["its", "did", "synth"]:
    row(titles[k], by_method[k])
print("\nMethod errors:", errors)

# Pre-trend test and placebo p-values under the truth (no pre-programme difference).
pre = [m["result"]["diagnostics"]["pretrend_p_value"] for r in rows for m in r["report"]["methods"]
       if m["method"] == "did" and m.get("result") and m["result"]["diagnostics"].get("pretrend_p_value") is not None]
if pre:
    print(f"Event-study pre-trend test rejects at 5 %: {100 * sum(p < 0.05 for p in pre) / len(pre):.1f} % of {len(pre)}")

# Agreement with the reference implementations, over all seeds.
worst = {"did att": 0.0, "did se": 0.0, "event params": 0.0, "its level change": 0.0,
         "its level se": 0.0, "its relative": 0.0, "staggered overall": 0.0, "synth gap": 0.0}


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


checked = 0
for r in rows:
    ref = r.get("reference")
    if ref is None:
        continue
    checked += 1
    methods = {m["method"]: m for m in r["report"]["methods"]}
    d = methods.get("did", {}).get("result")
    if d:
        g = d["diagnostics"]
        worst["did att"] = max(worst["did att"], rel(g["twfe"]["estimate"], ref["did"]["att"]))
        worst["did se"] = max(worst["did se"], rel(g["twfe"]["se"], ref["did"]["se"]))
        worst["staggered overall"] = max(worst["staggered overall"],
                                         rel(g["staggered"]["estimate"], ref["staggered"]["overall"]))
        for e, p in zip(g["event_study"], ref["event"]["params"]):
            worst["event params"] = max(worst["event params"], abs(e["estimate"] - p))
    i = methods.get("its", {}).get("result")
    if i:
        g = i["diagnostics"]
        worst["its level change"] = max(worst["its level change"],
                                        rel(g["level_change"]["estimate"], ref["its"]["level_change"]))
        worst["its level se"] = max(worst["its level se"], rel(g["level_change"]["se"], ref["its"]["level_se"]))
        worst["its relative"] = max(worst["its relative"], abs(i["relative"]["estimate"] - ref["its"]["relative"]))
    s = methods.get("synth", {}).get("result")
    if s:
        worst["synth gap"] = max(worst["synth gap"], abs(s["diagnostics"]["gap"]["estimate"] - ref["synth"]["gap"]))
print(f"\nLargest difference from the reference over the {checked} cross-checked countries "
      "(relative, or absolute for event params, ITS relative and the synthetic gap):")
for k, v in worst.items():
    print(f"  {k:<20} {v:.1e}")
