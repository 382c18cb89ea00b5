#!/usr/bin/env bash
# Benchmark of the synthetic country generator against quick DuckDB and pandas fakes.
# usage: bench/generate/run.sh [OFFENCES] [OUT_DIR]     (defaults: 10000000, a temporary directory)
# Needs: cargo; EVIDENT_PYTHON (default python3) with duckdb, numpy and pandas.
set -euo pipefail
N=${1:-10000000}
OUT=${2:-$(mktemp -d)}
PY=${EVIDENT_PYTHON:-python3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

cargo build --release -q -p evident-synthetic --example generate --manifest-path "$ROOT/Cargo.toml"
BIN=$CARGO_TARGET_DIR/release/examples/generate
"$PY" -c "import duckdb, numpy, pandas" || { echo "EVIDENT_PYTHON=$PY lacks duckdb/numpy/pandas" >&2; exit 1; }

run() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/.time" "$@" >/dev/null 2>&1
  read -r wall user sys rss < "$OUT/.time"
  printf "%-34s wall %7.2f s   cpu %7.2f s   max rss %6d MB\n" "$label" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
  echo "$wall" > "$OUT/.wall-$label"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc), N = $N"
rm -rf "$OUT/country"
run evident-synthetic "$BIN" "$OUT/country" "$N"
run evident-synthetic-1-thread "$BIN" "$OUT/country1" "$N" 42 1
cmp -s "$OUT/country/police_offences.csv" "$OUT/country1/police_offences.csv" && echo "1 and 2 threads: identical police file"
rm -rf "$OUT/country1"
run duckdb-police-file-only "$PY" "$ROOT/bench/generate/baseline.py" duckdb "$N" "$OUT/duckdb.csv"
run pandas-police-file-only "$PY" "$ROOT/bench/generate/baseline.py" pandas "$N" "$OUT/pandas.csv"
du -b "$OUT/country"/*.csv "$OUT/duckdb.csv" "$OUT/pandas.csv" | awk '{printf "%12d bytes  %s\n", $1, $2}'
ours=$(cat "$OUT/.wall-evident-synthetic")
for other in duckdb-police-file-only pandas-police-file-only; do
  echo "wall-time ratio $other / evident-synthetic: $(echo "scale=2; $(cat "$OUT/.wall-$other") / $ours" | bc)"
done
