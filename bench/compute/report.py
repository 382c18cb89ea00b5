"""Writes the markdown results of one `run.sh` run (stdout).

    python report.py BENCH_DIR/N N
"""

import glob
import json
import os
import platform
import re
import sqlite3
import sys
from datetime import datetime, timezone

import duckdb

from common import evident_log, workspace_files

SUBSET = ["offences", "victims", "sdg_16_1_1"]


def gnu_time(path):
    """Wall seconds, CPU seconds and peak RSS (MiB) from `/usr/bin/time -v`."""
    text = open(path, encoding="utf-8").read()
    field = lambda name: re.search(rf"{re.escape(name)}: (.*)", text).group(1).strip()
    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return {"wall": wall, "cpu": cpu, "rss": int(field("Maximum resident set size (kbytes)")) / 1024}


def stamp(path):
    text = open(path, encoding="utf-8").read().strip()
    return datetime.fromisoformat(text[:26]).replace(tzinfo=timezone.utc).timestamp()


def ratio(a, b):
    return f"{a / b:.2f}" if b else "–"


def main():
    d, n = sys.argv[1], int(sys.argv[2])
    logs = os.path.join(d, "logs")
    ws = os.path.join(d, "workspace")
    load = lambda name: json.load(open(os.path.join(logs, name), encoding="utf-8"))
    out = []
    p = out.append

    cpu = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        m = re.search(r"model name\s*: (.*)", open("/proc/cpuinfo").read())
        cpu = m.group(1) if m else cpu
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    files = workspace_files(ws)
    con = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    rows = dict(con.execute("SELECT kind, SUM(rows) FROM dataset_files GROUP BY kind").fetchall())
    size = sum(os.path.getsize(f) for fs in files.values() for f in fs) / 2**20
    p(f"## {n:,} generated offences")
    p("")
    p(f"{os.cpu_count()} × {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}; "
      f"DuckDB {duckdb.__version__}, Polars {load('compute-polars.json')['version']}, "
      f"{load('compute-duckdb.json')['threads']} threads for DuckDB and Polars. "
      f"Stored: {rows.get('offence', 0):,} offences, {rows.get('person', 0):,} persons, "
      f"{rows.get('court_decision', 0):,} court decisions, {rows.get('prison_event', 0):,} prison events; "
      f"{size:,.0f} MiB of Parquet read by compute. Ingest of all files took "
      f"{int(open(os.path.join(logs, 'ingest.ms')).read()) / 1000:.0f} s.")
    p("")

    # Classification.
    ec, dc = gnu_time(os.path.join(logs, "classify-evident.time")), gnu_time(os.path.join(logs, "classify-duckdb.time"))
    ej, dj = load("classify-evident.json"), load("classify-duckdb.json")
    classified = [f for f in files["offences"]]
    listing = ", ".join(f"'{f}'" for f in classified)
    differ = duckdb.sql(
        f"SELECT COUNT(*) FROM read_parquet([{listing}]) e "
        f"FULL JOIN read_parquet('{d}/duckdb-classified/*.parquet') k ON e.record_id = k.record_id "
        "WHERE e.record_id IS NULL OR k.record_id IS NULL OR e.iccs_code IS DISTINCT FROM k.iccs_code"
    ).fetchall()[0][0]
    p("### Classify (issue 4): attach ICCS codes to every stored offence")
    p("")
    p("| tool | wall s | CPU s | peak RSS MiB | records | mapped | Evident / tool (wall) |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    p(f"| Evident `classify` | {ec['wall']:.1f} | {ec['cpu']:.1f} | {ec['rss']:.0f} | {ej['records']:,} | {ej['mapped']:,} | 1 |")
    p(f"| DuckDB, same join | {dc['wall']:.1f} | {dc['cpu']:.1f} | {dc['rss']:.0f} | {dj['records']:,} | {dj['mapped']:,} | {ratio(ec['wall'], dc['wall'])} |")
    p("")
    p(f"Records whose ICCS code differs between the two outputs (full join on record_id): **{differ}**.")
    p("")

    # Standard set.
    e = gnu_time(os.path.join(logs, "compute-evident.time"))
    k = gnu_time(os.path.join(logs, "compute-duckdb.time"))
    pl = gnu_time(os.path.join(logs, "compute-polars.time"))
    kj, pj = load("compute-duckdb.json"), load("compute-polars.json")
    indicators = evident_log(os.path.join(logs, "compute-evident.log"))
    started, ended = stamp(os.path.join(logs, "compute-evident.start")), stamp(os.path.join(logs, "compute-evident.end"))
    evident_times = {}
    for i, ind in enumerate(indicators):
        end = indicators[i + 1]["start"] if i + 1 < len(indicators) else ended
        evident_times[ind["id"]] = end - ind["start"]
    last = indicators[-1]["id"] if indicators else ""
    duck_times = {t["indicator"]: t["seconds"] for t in kj["indicators"] if "error" not in t}
    duck_errors = {t["indicator"]: t for t in kj["indicators"] if "error" in t}
    polars_times = {t["indicator"]: t["seconds"] for t in pj["indicators"]}
    p("### Compute: the standard set (issue 5)")
    p("")
    p("Whole process, as a user runs it (`evident compute` writes 12 tables as Parquet and CSV; "
      "the DuckDB script runs the same queries and keeps the results in memory):")
    p("")
    p("| tool | wall s | CPU s | peak RSS MiB | Evident / tool (wall) | Evident / tool (CPU) |")
    p("|---|---:|---:|---:|---:|---:|")
    p(f"| Evident `compute` (DataFusion) | {e['wall']:.1f} | {e['cpu']:.1f} | {e['rss']:.0f} | 1 | 1 |")
    p(f"| DuckDB, same SQL | {k['wall']:.1f} | {k['cpu']:.1f} | {k['rss']:.0f} | {ratio(e['wall'], k['wall'])} | {ratio(e['cpu'], k['cpu'])} |")
    p(f"| Polars (3 of 12 tables only) | {pl['wall']:.1f} | {pl['cpu']:.1f} | {pl['rss']:.0f} | – | – |")
    p("")
    p("Per indicator (wall seconds; Evident's from its log timestamps, so including its "
      "Rust post-processing; Polars only where implemented):")
    p("")
    p("| indicator | Evident | DuckDB | Polars | Evident / DuckDB | Evident / Polars |")
    p("|---|---:|---:|---:|---:|---:|")
    for ind in indicators:
        i = ind["id"]
        ev, dk, po = evident_times.get(i), duck_times.get(i), polars_times.get(i)
        label = f"{i} (+ writing tables)" if i == last else i
        if i in duck_errors:
            failed = duck_errors[i]
            p(f"| {label} | {ev:.2f} | failed after {failed['seconds']:.0f} s: {failed['error']} | – | – | – |")
            continue
        p(f"| {label} | {ev:.2f} | {dk:.2f} | {po:.2f} | {ratio(ev, dk)} | {ratio(ev, po)} |" if po is not None
          else f"| {label} | {ev:.2f} | {dk:.2f} | – | {ratio(ev, dk)} | – |")
    setup = (indicators[0]["start"] - started) if indicators else 0
    p(f"| setup (open, register, population) | {setup:.2f} | {kj['setup_seconds']:.2f} | – | | |")
    sub = lambda t: sum(t.get(i, 0) for i in SUBSET)
    p(f"| **offences + victims + 16.1.1** | **{sub(evident_times):.2f}** | **{sub(duck_times):.2f}** | "
      f"**{sub(polars_times):.2f}** | **{ratio(sub(evident_times), sub(duck_times))}** | "
      f"**{ratio(sub(evident_times), sub(polars_times))}** |")
    p(f"| all queries | {sum(evident_times.values()) + setup:.2f} | {kj['seconds']:.2f} | | {ratio(sum(evident_times.values()) + setup, kj['seconds'])} | |")
    p("")
    check = load("check.json")
    p("Agreement (every cell of Evident's table found in the baseline's cube with equal values):")
    p("")
    for tool, result in check.items():
        parts = [f"{ind} {r['cells']:,} cells, {r['mismatches']} mismatches, {r['missing']} missing"
                 for ind, r in result["checked"].items()]
        p(f"* {tool}: " + "; ".join(parts))
    p("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
