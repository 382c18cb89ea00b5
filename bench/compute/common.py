"""Shared pieces of the compute benchmark's DuckDB and Polars sides.

The workspace's catalog says which Parquet files make up each table; the
baselines read exactly those files, as Evident's engine does. The cube queries
are taken verbatim from Evident's own debug log of the timed run, so that
DuckDB executes the same SQL (only `to_char`, DataFusion's name for
`strftime`, is renamed).
"""

import csv
import json
import os
import re
import sqlite3
import sys

# Canonical table name -> catalog record kind (the offences table is the
# classified offences, listed in `classified_files`).
KINDS = {
    "persons": "person",
    "court_decisions": "court_decision",
    "prison_events": "prison_event",
    "facilities": "facility",
    "population": "population",
    "areas": "area",
}


def workspace_files(ws):
    """Absolute Parquet paths of every table the indicators read."""
    con = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    retracted = {
        row[0]
        for row in con.execute("SELECT id FROM batches WHERE retracted_at IS NOT NULL")
    } if has_column(con, "batches", "retracted_at") else set()
    files = {}
    for table, kind in KINDS.items():
        files[table] = [
            os.path.join(ws, path)
            for path, batch in con.execute(
                "SELECT path, batch_id FROM dataset_files WHERE kind = ? ORDER BY id", (kind,)
            )
            if batch not in retracted
        ]
    files["offences"] = [
        os.path.join(ws, path)
        for path, batch in con.execute(
            "SELECT path, batch_id FROM classified_files WHERE superseded_at IS NULL ORDER BY id"
        )
        if batch not in retracted
    ]
    return files


def has_column(con, table, column):
    return any(row[1] == column for row in con.execute(f"PRAGMA table_info({table})"))


def iccs_levels(root):
    """Rows (code, l1, l2, l3, l4) of Evident's derived `iccs_levels` table,
    rebuilt from the ICCS structure file: a record coded `code` counts in
    `code[:length]` at levels down to its own, in `<code>_NFS` one level below
    when the category has subdivisions, and nowhere finer."""
    lengths = [2, 4, 5, 6]
    with open(os.path.join(root, "crates/iccs/data/structure.csv"), encoding="utf-8") as f:
        categories = [(r["code"], int(r["level"]), r["parent"]) for r in csv.DictReader(f)]
    parents = {parent for _, _, parent in categories if parent}
    rows = []
    for code, own, _ in categories:
        row = [code]
        for k in range(1, 5):
            if k <= own:
                row.append(code[: lengths[k - 1]])
            elif k == own + 1 and code in parents:
                row.append(code + "_NFS")
            else:
                row.append(None)
        rows.append(tuple(row))
    rows.append(("NC", "NC", None, None, None))
    return rows


ANSI = re.compile(r"\x1b\[[0-9;]*m")
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z")


def evident_log(path):
    """The indicators Evident computed, in order, each with the time it started
    (seconds since the epoch), the cube SQL it ran and the intermediate tables
    (name, SQL) it wrote first (court decisions with their ICCS codes)."""
    from datetime import datetime, timezone

    indicators = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = ANSI.sub("", line.rstrip("\n"))
            stamp = STAMP.match(line)
            if not stamp:
                continue
            at = datetime.fromisoformat(stamp.group(1)).replace(tzinfo=timezone.utc).timestamp()
            m = re.search(r'computing indicator="([^"]+)"', line)
            if m:
                indicators.append({"id": m.group(1), "start": at, "sql": [], "tables": []})
                continue
            m = re.search(r" intermediate table name=(\S+) sql=(.*)$", line)
            if m and indicators:
                indicators[-1]["tables"].append((m.group(1), m.group(2)))
                continue
            m = re.search(r" cube sql=(.*)$", line)
            if m and indicators:
                indicators[-1]["sql"].append(m.group(1))
    return indicators


def for_duckdb(sql):
    """DataFusion's `to_char(date, fmt)` is DuckDB's `strftime(date, fmt)`."""
    return sql.replace("to_char(", "strftime(")


def cube_cells(columns, rows):
    """A cube query's result as {codes: measures}, read the way Evident's
    `cube::read_cells` reads it: the deepest level not rolled up gives a
    dimension's code (`_T` for none); a NULL code there means the records'
    category stops above that level, a duplicate of the coarser cell, dropped."""
    index = {c: i for i, c in enumerate(columns)}
    dims = []
    d = 0
    while f"d{d}_0" in index:
        levels = 0
        while f"d{d}_{levels}" in index:
            levels += 1
        dims.append(levels)
        d += 1
    measures = [c for c in columns if not re.match(r"^(g_)?d\d+_\d+$", c)]
    cells = {}
    for row in rows:
        codes = []
        keep = True
        for d, levels in enumerate(dims):
            depth = 0
            while depth < levels and int(row[index[f"g_d{d}_{depth}"]]) == 0:
                depth += 1
            if depth == 0:
                codes.append("_T")
                continue
            value = row[index[f"d{d}_{depth - 1}"]]
            if value is None:
                keep = False
                break
            codes.append(str(value))
        if keep:
            cells[tuple(codes)] = tuple(int(row[index[m]] or 0) for m in measures)
    return cells, measures


# What is compared with Evident's written tables: indicator -> (cube number
# within the indicator, dimension names in cube order, table column ->
# function of the cube's measures).
CHECKS = {
    "offences": [
        (0, ["iccs", "area", "period"], {"offences": lambda m: m[0]}),
        (1, ["iccs", "area", "period"], {"contributors": lambda m: m[0] + m[1]}),
    ],
    "victims": [
        (0, ["iccs", "area", "period", "sex"], {"victims": lambda m: m[0], "contributors": lambda m: m[1]}),
    ],
    "sdg_16_1_1": [
        (0, ["area", "period", "sex", "age"], {"victims": lambda m: m[0], "contributors": lambda m: m[1]}),
    ],
}


def compare(tables_dir, results):
    """Compares cube results {indicator: [(columns, rows) per cube]} with
    Evident's tables in `tables_dir`. Every cell of Evident's table (which
    drops incomplete periods) must be in the baseline's cube with equal
    values. Returns {indicator: {"cells": n, "mismatches": k, "totals": …}}."""
    import pyarrow.parquet as pq

    report = {}
    for indicator, checks in CHECKS.items():
        if indicator not in results:
            continue
        table = pq.read_table(os.path.join(tables_dir, f"{indicator}.parquet")).to_pylist()
        entry = {"cells": len(table), "mismatches": 0, "missing": 0}
        for number, names, columns in checks:
            cube_columns, cube_rows = results[indicator][number]
            cells, _ = cube_cells(cube_columns, cube_rows)
            for row in table:
                key = tuple(str(row[n]) for n in names)
                measures = cells.get(key)
                if measures is None:
                    entry["missing"] += 1
                    continue
                for column, value in columns.items():
                    if int(row[column]) != value(measures):
                        entry["mismatches"] += 1
        # The national total of the first year, for the README.
        first = min((r for r in table if all(r.get(n, "_T") == "_T" for n in names if n != "period")
                     and len(str(r["period"])) == 4), key=lambda r: r["period"], default=None)
        if first is not None:
            count = "offences" if indicator == "offences" else "victims"
            entry["first_year_total"] = [first["period"], int(first[count])]
        report[indicator] = entry
    return report


def peak_rss_mib():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(obj):
    json.dump(obj, sys.stdout, indent=1)
    sys.stdout.write("\n")
