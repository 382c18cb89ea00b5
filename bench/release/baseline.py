"""The file-writing part of a release done with pandas and pyarrow, for comparison.

Usage: python baseline.py TABLES_DIR OUT_DIR

Reads every <indicator>.parquet of TABLES_DIR (engine output), writes it as CSV
(pandas) and Parquet (pyarrow, zstd), computes the SHA-256 of both files and
prints the seconds it took. This is what a user without Evident would do to
publish the same tables, without disclosure control and without SDMX.
"""

import hashlib
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


def main():
    tables, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = 0
    for path in sorted(tables.glob("*.parquet")):
        frame = pq.read_table(path).to_pandas()
        rows += len(frame)
        csv = out / (path.stem + ".csv")
        parquet = out / (path.stem + ".parquet")
        frame.to_csv(csv, index=False)
        frame.to_parquet(parquet, compression="zstd", index=False)
        for written in (csv, parquet):
            hashlib.sha256(written.read_bytes()).hexdigest()
    print(f"pandas/pyarrow: {rows} rows read, written as CSV and Parquet and hashed in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
