"""DuckDB computing Evident's standard set over the same Parquet files.

    python duckdb_standard.py WORKSPACE EVIDENT_LOG RESULTS_DIR [THREADS]

DUCKDB_MEMORY_LIMIT and DUCKDB_MAX_TEMP (e.g. `12GB`) set DuckDB's memory limit
and the most its temporary files may take; an indicator whose queries fail
(out of memory or temporary space) is reported with its error and the run
goes on with the next one.

Runs, in Evident's order, every query `evident compute` ran: the cube queries
copied from Evident's debug log (EVIDENT_LOG) and the few scalar queries the
indicators make besides (population, data horizons, facility capacities,
conviction totals), written out here from the engine's source. Each cube
result is written to RESULTS_DIR as Parquet for `check.py`; timings go to
stdout as JSON. The Rust post-processing Evident does on the aggregated
results (rates, intervals, weights) is not repeated: it takes milliseconds.
"""

import os
import sys
import time

import duckdb
import pyarrow.parquet as pq

from common import emit, evident_log, for_duckdb, iccs_levels, peak_rss_mib, workspace_files

# Court decisions with the ICCS code of the offence they decide (the engine's
# `classified_court_decisions()`).
COURT = (
    "(SELECT d.case_id, d.person_id, d.offence_date, d.prosecution_date, d.decision_date, "
    "d.national_code, d.outcome, d.sentence_type, d.sentence_months, "
    "COALESCE(by_case.iccs_code, by_code.iccs_code, 'NC') AS iccs_code "
    "FROM court_decisions d "
    "LEFT JOIN (SELECT case_id, national_code, MIN(iccs_code) AS iccs_code FROM offences "
    "WHERE case_id IS NOT NULL AND iccs_code IS NOT NULL GROUP BY case_id, national_code) by_case "
    "ON d.case_id = by_case.case_id AND d.national_code = by_case.national_code "
    "LEFT JOIN (SELECT national_code, iccs_code FROM "
    "(SELECT national_code, iccs_code, ROW_NUMBER() OVER "
    "(PARTITION BY national_code ORDER BY COUNT(*) DESC, iccs_code) AS rank "
    "FROM offences WHERE iccs_code IS NOT NULL GROUP BY national_code, iccs_code) WHERE rank = 1) by_code "
    "ON d.national_code = by_code.national_code)"
)

REFERENCE_DATES = [
    "SELECT CAST(MIN(event_date) AS VARCHAR), CAST(MAX(event_date) AS VARCHAR) FROM prison_events",
    "SELECT CAST(MIN(recorded_date) AS VARCHAR) FROM offences",
]

# Scalar queries each indicator runs before its cubes.
BEFORE = {
    "sdg_16_3_2": REFERENCE_DATES,
    "prison_occupancy": REFERENCE_DATES
    + [
        "SELECT facility_id, COALESCE(area_code, '_U'), CAST(capacity AS BIGINT), "
        "CAST(valid_from AS VARCHAR) FROM facilities"
    ]
    + REFERENCE_DATES,
    "reoffending": [f"SELECT CAST(MAX(decision_date) AS VARCHAR) FROM {COURT} d"],
    "recidivism": [
        "SELECT CAST(MAX(recorded_date) AS VARCHAR) FROM offences",
        f"SELECT CAST(MAX(decision_date) AS VARCHAR) FROM {COURT} d",
    ],
}


def severity_totals(con):
    """The severity index's conviction totals over the latest five years."""
    last = con.execute(
        f"SELECT CAST(MAX(decision_date) AS VARCHAR) FROM {COURT} d WHERE d.outcome = 'convicted'"
    ).fetchone()[0]
    if last is None:
        return
    con.execute(
        "SELECT COALESCE(c.l2, c.l1) AS category, COUNT(*) AS convictions, "
        "COUNT(CASE WHEN d.sentence_type = 'custody' THEN 1 END) AS custody, "
        "COALESCE(SUM(CASE WHEN d.sentence_type = 'custody' "
        "THEN CAST(ROUND(d.sentence_months * 1000) AS BIGINT) END), 0) AS milli_months "
        f"FROM {COURT} d JOIN iccs_levels c ON d.iccs_code = c.code "
        f"WHERE d.outcome = 'convicted' AND d.decision_date >= DATE '{int(last[:4]) - 4:04}-01-01' "
        "GROUP BY COALESCE(c.l2, c.l1)"
    ).fetchall()


def main():
    ws, log, out = sys.argv[1], sys.argv[2], sys.argv[3]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
    os.makedirs(out, exist_ok=True)
    indicators = evident_log(log)
    if not indicators:
        sys.exit(f"no 'computing indicator' lines in {log}: run evident with EVIDENT_LOG=evident_engine=debug")

    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET temp_directory = '{out}/duckdb.tmp'")
    for setting, variable in [("memory_limit", "DUCKDB_MEMORY_LIMIT"), ("max_temp_directory_size", "DUCKDB_MAX_TEMP")]:
        if os.environ.get(variable):
            con.execute(f"SET {setting} = '{os.environ[variable]}'")
    for table, files in workspace_files(ws).items():
        listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listing}], "
            "hive_partitioning = false, union_by_name = true)"
        )
    con.execute("CREATE TABLE iccs_levels (code VARCHAR, l1 VARCHAR, l2 VARCHAR, l3 VARCHAR, l4 VARCHAR)")
    con.executemany("INSERT INTO iccs_levels VALUES (?, ?, ?, ?, ?)", iccs_levels(root))
    # What every compute run starts with: the population and the data horizon.
    con.execute(
        "SELECT p.area_code, COALESCE(a.parent_code, '_U') AS region, CAST(p.year AS BIGINT) AS year, "
        "p.sex, p.age_group, CAST(p.population AS DOUBLE) AS population "
        "FROM population p LEFT JOIN areas a ON p.area_code = a.area_code"
    ).fetchall()
    con.execute("SELECT CAST(MAX(recorded_date) AS VARCHAR) FROM offences").fetchall()
    setup = time.perf_counter() - start

    timings = []
    cube_rows = {}
    cube_seconds = {}
    writing = 0.0
    for indicator in indicators:
        began = time.perf_counter()
        results = []
        try:
            for sql in BEFORE.get(indicator["id"], []):
                con.execute(sql).fetchall()
            if indicator["id"] == "severity_index":
                severity_totals(con)
            # Evident writes these once and reads them in later indicators too:
            # DuckDB builds the same table at the same point, inside the timing.
            for name, sql in indicator.get("tables", []):
                con.execute(f"CREATE TEMP TABLE {name} AS {for_duckdb(sql)}")
            for n, sql in enumerate(indicator["sql"]):
                began_cube = time.perf_counter()
                results.append(con.sql(for_duckdb(sql)).to_arrow_table())
                cube_seconds[f"{indicator['id']}-{n}"] = time.perf_counter() - began_cube
        except duckdb.Error as error:
            timings.append(
                {
                    "indicator": indicator["id"],
                    "seconds": time.perf_counter() - began,
                    "error": str(error).splitlines()[0],
                }
            )
            continue
        timings.append({"indicator": indicator["id"], "seconds": time.perf_counter() - began})
        # Saving the results for check.py is not part of the measured work.
        saving = time.perf_counter()
        for n, table in enumerate(results):
            cube_rows[f"{indicator['id']}-{n}"] = table.num_rows
            pq.write_table(table, os.path.join(out, f"{indicator['id']}-{n}.parquet"))
        writing += time.perf_counter() - saving
    total = time.perf_counter() - start - writing
    emit(
        {
            "tool": "duckdb",
            "version": duckdb.__version__,
            "threads": threads,
            "setup_seconds": setup,
            "seconds": total,
            "indicators": timings,
            "cube_rows": cube_rows,
            "cube_seconds": cube_seconds,
            "peak_rss_mib": peak_rss_mib(),
        }
    )


if __name__ == "__main__":
    main()
