"""DuckDB side of the ingest benchmark: read the generated offences.csv with
explicit column types (codes as VARCHAR, dates parsed with the file's format,
so impossible dates and ragged rows are rejected), drop rows missing a
required value, and write Parquet with ZSTD. Prints one JSON line.

Usage: python duckdb_ingest.py OFFENCES.csv OUT.parquet [THREADS]
"""

import json
import resource
import sys
import time

import duckdb


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    started = time.perf_counter()
    con.execute(
        f"""
        CREATE VIEW offences AS SELECT * FROM read_csv(
            '{source}', delim = ';', header = true, quote = '"',
            dateformat = '%d/%m/%Y', store_rejects = true,
            columns = {{
                'id': 'VARCHAR', 'agency': 'VARCHAR', 'occurred': 'DATE', 'recorded': 'DATE',
                'district': 'VARCHAR', 'offence': 'VARCHAR', 'attempted': 'VARCHAR',
                'weapon': 'VARCHAR', 'place': 'VARCHAR', 'cyber': 'VARCHAR', 'case': 'VARCHAR'
            }})
        """
    )
    con.execute(
        f"""
        COPY (
            SELECT id, agency, occurred, recorded, district, offence,
                   attempted = 'J' AS attempted, weapon, place, cyber = 'J' AS cyber, "case"
            FROM offences
            WHERE id IS NOT NULL AND agency IS NOT NULL AND recorded IS NOT NULL
              AND district IS NOT NULL
        ) TO '{target}' (FORMAT parquet, COMPRESSION zstd)
        """
    )
    seconds = time.perf_counter() - started
    stored = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]
    rejected = con.execute("SELECT count(*) FROM reject_errors").fetchone()[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({
        "duckdb": duckdb.__version__,
        "rows_stored": stored,
        "rows_rejected": rejected,
        "seconds": seconds,
        "peak_memory_bytes": peak,
    }))


if __name__ == "__main__":
    main()
