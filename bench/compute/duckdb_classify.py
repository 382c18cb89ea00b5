"""DuckDB classifying the stored offences with the correspondence table.

    python duckdb_classify.py WORKSPACE CORRESPONDENCE.csv OUT_DIR [THREADS]

The same join as `evident classify` (crates/engine/src/classification.rs):
each stored offence file meets the table rows of its national code whose
validity period and condition hold, conditions on the victim reading the
youngest victim of the record, and is written back as one Parquet file with
`iccs_code`, `mapping_status` and `mapping_version` attached. Prints timings
and the number of records per ICCS code as JSON, for comparison with
Evident's classified files.
"""

import csv
import os
import sqlite3
import sys
import time

import duckdb

from common import emit, peak_rss_mib

VICTIM_FIELDS = {"victim_age", "victim_sex", "relationship"}
FLAGS = {"attempted", "cyber"}
OPERATORS = [(">=", ">="), ("<=", "<="), ("!=", "<>"), ("=", "="), ("<", "<"), (">", ">")]


def clause_sql(clause):
    """One `field op value` clause of a correspondence-table condition as SQL."""
    name_end = 0
    while name_end < len(clause) and (clause[name_end].isalnum() or clause[name_end] == "_"):
        name_end += 1
    field, rest = clause[:name_end].lower(), clause[name_end:].strip()
    column = f"v.{field}" if field in VICTIM_FIELDS else f"o.{field}"

    def literal(value):
        value = value.strip()
        if field in FLAGS:
            return value.upper()
        if field == "victim_age":
            return str(int(value))
        return "'" + value.replace("'", "''") + "'"

    if rest[:2].lower() == "in" and rest[2:3].isspace():
        values = []
        for v in rest[2:].split("|"):
            if literal(v) not in values:
                values.append(literal(v))
        return f"{column} IN ({', '.join(values)})", field
    for symbol, sql in OPERATORS:
        if rest.startswith(symbol):
            return f"{column} {sql} {literal(rest[len(symbol):])}", field
    raise ValueError(f"cannot read condition clause {clause!r}")


def condition_sql(text):
    parts = [clause_sql(p.strip()) for p in text.split(";") if p.strip()]
    if not parts:
        return "TRUE", False
    victims = any(field in VICTIM_FIELDS for _, field in parts)
    if len(parts) == 1:
        return parts[0][0], victims
    return "(" + " AND ".join(sql for sql, _ in parts) + ")", victims


def main():
    ws, table, out = sys.argv[1], sys.argv[2], sys.argv[3]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
    os.makedirs(out, exist_ok=True)
    catalog = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    offence_files = [os.path.join(ws, p) for (p,) in catalog.execute(
        "SELECT path FROM dataset_files WHERE kind = 'offence' ORDER BY id")]
    person_files = [os.path.join(ws, p) for (p,) in catalog.execute(
        "SELECT path FROM dataset_files WHERE kind = 'person' ORDER BY id")]

    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    conditions, rows, uses_victims = {}, [], False
    with open(table, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            sql, victims = condition_sql(row["condition"])
            uses_victims |= victims
            ident = conditions.setdefault(sql, len(conditions))
            rows.append((row["national_code"], row["iccs_code"], ident,
                         row["valid_from"] or None, row["valid_to"] or None))
    con.execute("CREATE TABLE mapping_rows (national_code VARCHAR, iccs_code VARCHAR, "
                "condition_id BIGINT, valid_from DATE, valid_to DATE)")
    con.executemany("INSERT INTO mapping_rows VALUES (?, ?, ?, ?, ?)", rows)
    persons = ", ".join("'" + p + "'" for p in person_files)
    con.execute(f"CREATE VIEW classify_persons AS SELECT * FROM read_parquet([{persons}], hive_partitioning = false)")
    branches = "".join(f" WHEN {i} THEN ({sql})" for sql, i in conditions.items())
    victims = (
        "LEFT JOIN (SELECT record_id, MIN(age) AS victim_age, "
        "first(sex ORDER BY age ASC NULLS LAST) AS victim_sex, "
        "first(relationship ORDER BY age ASC NULLS LAST) AS relationship "
        "FROM classify_persons WHERE role = 'victim' GROUP BY record_id) v ON v.record_id = o.record_id"
        if uses_victims else ""
    )
    columns = ("o.record_id, o.source, o.recorded_date, o.occurred_date, o.area_code, o.national_code, "
               "o.description, o.attempted, o.weapon, o.location_type, o.cyber, o.case_id")
    records = mapped = 0
    for n, path in enumerate(offence_files):
        target = os.path.join(out, f"classified-{n}.parquet")
        con.execute(
            f"COPY (SELECT {columns}, m.iccs_code AS iccs_code, "
            "CASE WHEN m.iccs_code IS NULL THEN 'unmapped' ELSE 'mapped' END AS mapping_status, "
            "CAST(1 AS BIGINT) AS mapping_version "
            f"FROM read_parquet('{path}', hive_partitioning = false) o {victims} "
            "LEFT JOIN mapping_rows m ON o.national_code = m.national_code "
            "AND (m.valid_from IS NULL OR o.recorded_date >= m.valid_from) "
            "AND (m.valid_to IS NULL OR o.recorded_date <= m.valid_to) "
            f"AND (CASE m.condition_id{branches} ELSE FALSE END)) TO '{target}' (FORMAT parquet)"
        )
        r, m = con.execute(f"SELECT COUNT(*), COUNT(iccs_code) FROM read_parquet('{target}')").fetchone()
        records += r
        mapped += m
    seconds = time.perf_counter() - start
    by_code = dict(con.execute(
        f"SELECT COALESCE(iccs_code, 'NC'), COUNT(*) FROM read_parquet('{out}/classified-*.parquet') GROUP BY 1"
    ).fetchall())
    emit({"tool": "duckdb", "version": duckdb.__version__, "threads": threads, "seconds": seconds,
          "records": records, "mapped": mapped, "files": len(offence_files),
          "conditions": len(conditions), "peak_rss_mib": peak_rss_mib(), "by_code": by_code})


if __name__ == "__main__":
    main()
