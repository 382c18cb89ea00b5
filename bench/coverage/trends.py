"""Summarises bench/coverage/trends.sh: how often the emerging threat is flagged, where
its level shift starts, whether the shift's 95 % interval holds the true multiplier, and
how many flags have nothing to do with it.

Usage: python trends.py results.jsonl
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]


def related(flag, threat):
    # The class itself or a parent (05 > 0502 > 05021 > 050213), in its region or nationally.
    return threat["iccs_code"].startswith(flag["code"]) and flag["area"] in (threat["region"], "_T")


print(f"{len(rows)} countries (seeds {rows[0]['seed']}-{rows[-1]['seed']}), "
      f"{sum(r['assessed'] for r in rows) / len(rows):,.0f} series assessed on average\n")
print("| FDR | threat flagged in its region | start = truth | interval holds x2.5 | "
      "other flags of the threat | unrelated flags (total, countries with any) |")
print("|---:|---:|---:|---:|---:|---:|")
for fdr in (0.05, 0.2):
    hit = start = holds = related_other = unrelated = with_unrelated = 0
    for r in rows:
        t = r["threat"]
        flags = [f for f in r["flagged"] if f["q_value"] <= fdr]
        own = [f for f in flags if f["code"] == t["iccs_code"] and f["area"] == t["region"]]
        if own:
            hit += 1
            f = own[0]
            start += f.get("start") == t["start_month"]
            size = f.get("size") or {}
            holds += size.get("lower", 9) <= t["multiplier"] <= size.get("upper", -9)
        related_other += sum(1 for f in flags if related(f, t)) - len(own)
        bad = [f for f in flags if not related(f, t)]
        unrelated += len(bad)
        with_unrelated += bool(bad)
    n = len(rows)
    print(f"| {fdr} | {hit}/{n} | {start}/{hit} | {holds}/{hit} | {related_other} | "
          f"{unrelated}, {with_unrelated}/{n} |")
