"""Baselines for bench/generate: write a police-offence-like CSV of N rows
(same 11 columns, `;` delimiter, dd/mm/yyyy dates) with uniformly random
values, the way one might quickly fake such a file with DuckDB or pandas.

No seasonality, effects, victims, courts or prisons: these are lower bounds
on the cost of the police file alone.

usage: python baseline.py duckdb|pandas N OUT.csv
"""

import sys
import time


def with_duckdb(n: int, out: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute(
        f"""
        COPY (
          SELECT
            '20' || lpad(((i % 6) + 19)::VARCHAR, 2, '0') || '-' || lpad(i::VARCHAR, 7, '0') AS Vorgangsnummer,
            'Polizei Region ' || (1 + hash(i) % 20)::VARCHAR AS Dienststelle,
            strftime(DATE '2019-01-01' + (hash(i * 3) % 2192)::INTEGER, '%d/%m/%Y') AS Tatdatum,
            strftime(DATE '2019-01-01' + (hash(i * 3) % 2192)::INTEGER + (hash(i * 5) % 10)::INTEGER, '%d/%m/%Y') AS Erfassungsdatum,
            lpad((1 + hash(i * 7) % 20)::VARCHAR, 2, '0') || lpad((1 + hash(i * 11) % 15)::VARCHAR, 3, '0') AS Bezirk,
            'PC-' || (111 + hash(i * 13) % 290)::VARCHAR AS Delikt,
            CASE WHEN hash(i * 17) % 10 = 0 THEN 'J' ELSE 'N' END AS Versuch,
            ['SW', 'MS', 'AM', 'UM', 'KW', 'KA'][1 + (hash(i * 19) % 6)::INTEGER] AS Waffe,
            ['WOHNUNG', 'STRASSE', 'SCHULE', 'ANSTALT', 'HEIM', 'GEWERBE', 'SONSTIGE', 'UNBEKANNT'][1 + (hash(i * 23) % 8)::INTEGER] AS Tatort,
            CASE WHEN hash(i * 29) % 5 = 0 THEN 'J' ELSE 'N' END AS Cyber,
            CASE WHEN hash(i * 31) % 4 = 0 THEN 'AZ-' || lpad(i::VARCHAR, 7, '0') ELSE '' END AS Aktenzeichen
          FROM range({n}) t(i)
        ) TO '{out}' (HEADER, DELIMITER ';')
        """
    )


def with_pandas(n: int, out: str) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(42)
    occurred = np.datetime64("2019-01-01") + rng.integers(0, 2192, n).astype("timedelta64[D]")
    recorded = occurred + rng.integers(0, 10, n).astype("timedelta64[D]")
    seq = np.arange(n)
    frame = pd.DataFrame(
        {
            "Vorgangsnummer": pd.Series(seq).map("{:07d}".format).radd("2021-"),
            "Dienststelle": pd.Series(rng.integers(1, 21, n)).map("Polizei Region {}".format),
            "Tatdatum": pd.Series(occurred).dt.strftime("%d/%m/%Y"),
            "Erfassungsdatum": pd.Series(recorded).dt.strftime("%d/%m/%Y"),
            "Bezirk": pd.Series(rng.integers(1, 21, n) * 1000 + rng.integers(1, 16, n)).map("{:05d}".format),
            "Delikt": pd.Series(rng.integers(111, 401, n)).map("PC-{}".format),
            "Versuch": np.where(rng.random(n) < 0.1, "J", "N"),
            "Waffe": np.array(["SW", "MS", "AM", "UM", "KW", "KA"])[rng.integers(0, 6, n)],
            "Tatort": np.array(["WOHNUNG", "STRASSE", "SCHULE", "ANSTALT", "HEIM", "GEWERBE", "SONSTIGE", "UNBEKANNT"])[
                rng.integers(0, 8, n)
            ],
            "Cyber": np.where(rng.random(n) < 0.2, "J", "N"),
            "Aktenzeichen": np.where(rng.random(n) < 0.25, "AZ-" + pd.Series(seq).map("{:07d}".format), ""),
        }
    )
    frame.to_csv(out, sep=";", index=False)


def main() -> None:
    tool, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    start = time.perf_counter()
    {"duckdb": with_duckdb, "pandas": with_pandas}[tool](n, out)
    print(f"{tool} {n} rows {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
