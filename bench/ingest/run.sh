#!/usr/bin/env bash
# Ingest benchmark: Evident vs DuckDB on the same generated offence CSV.
#
#   bench/ingest/run.sh                 # 1 and 10 million rows
#   bench/ingest/run.sh 1000000 10000000 50000000
#
# Needs: cargo, and Python with duckdb (EVIDENT_PYTHON, default python3;
# `pip install -r scripts/requirements-test.txt`). Data goes to BENCH_DIR
# (default /tmp/evident-bench-ingest; 10 M rows take about 1 GB).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PYTHON="${EVIDENT_PYTHON:-python3}"
WORK="${BENCH_DIR:-/tmp/evident-bench-ingest}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

"$PYTHON" -c 'import duckdb' 2>/dev/null || {
  echo "error: $PYTHON cannot import duckdb; install it (see scripts/requirements-test.txt) or set EVIDENT_PYTHON" >&2
  exit 1
}

start=$(date +%s)
cargo build --release --quiet -p evident-ingest --example ingest_bench
echo "release build of the benchmark driver: $(( $(date +%s) - start )) s" >&2
BIN="$CARGO_TARGET_DIR/release/examples/ingest_bench"

printf '%-12s %-8s %12s %10s %14s %12s %s\n' rows tool seconds "rows/s" "peak MiB" stored note
for rows in "${@:-1000000 10000000}"; do
  dir="$WORK/$rows"
  if [ ! -f "$dir/offences.csv" ]; then
    "$BIN" generate "$rows" "$dir"
  fi
  size=$(stat -c %s "$dir/offences.csv")
  cat "$dir/offences.csv" > /dev/null          # same warm page cache for both
  ev=$("$BIN" ingest "$dir")
  rm -f "$dir/duckdb.parquet"
  dk=$("$PYTHON" bench/ingest/duckdb_ingest.py "$dir/offences.csv" "$dir/duckdb.parquet" 2)
  rm -rf "$dir/ws" "$dir/duckdb.parquet"
  "$PYTHON" - "$rows" "$size" "$ev" "$dk" <<'PY'
import json, sys
rows, size = int(sys.argv[1]), int(sys.argv[2])
ev, dk = json.loads(sys.argv[3]), json.loads(sys.argv[4])
ev_rate, dk_rate = rows / ev["seconds"], rows / dk["seconds"]
fmt = "%-12s %-8s %12.2f %10.0f %14.0f %12d %s"
print(fmt % (rows, "evident", ev["seconds"], ev_rate, ev["peak_memory_bytes"] / 2**20, ev["rows_stored"],
             f"quarantined {ev['rows_quarantined']}, duplicates {ev['rows_duplicate']}, parquet {ev['parquet_bytes'] / 2**20:.0f} MiB, csv {size / 2**20:.0f} MiB"))
print(fmt % (rows, "duckdb", dk["seconds"], dk_rate, dk["peak_memory_bytes"] / 2**20, dk["rows_stored"],
             f"rejected {dk['rows_rejected']}, duckdb {dk['duckdb']}"))
print(f"{'':12} ratio    evident/duckdb rows per second = {ev_rate / dk_rate:.2f}")
PY
done
