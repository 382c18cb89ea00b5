#!/usr/bin/env bash
# Compute and classify benchmark: Evident vs DuckDB vs Polars on the same Parquet.
#
#   bench/compute/run.sh              # 10 million generated offences
#   bench/compute/run.sh 1000000      # any size
#
# Environment:
#   EVIDENT_BIN     the evident binary [default: build with `cargo build --release`]
#   EVIDENT_PYTHON  Python with duckdb and polars (bench/compute/requirements.txt) [python3]
#   BENCH_DIR       where data go [/tmp/evident-bench-compute]; 10 M offences take ~6 GB
#   THREADS         threads for DuckDB and Polars [nproc]; DataFusion uses every core
#
# Steps: generate → init → ingest → map import → classify (timed: Evident, then
# DuckDB running the same join) → compute the standard set (timed: Evident, then
# DuckDB running the same SQL, then Polars on the three heaviest tables) →
# check that the baselines' results equal Evident's tables → results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="$PWD"
N="${1:-10000000}"
PYTHON="${EVIDENT_PYTHON:-python3}"
THREADS="${THREADS:-$(nproc)}"
DIR="${BENCH_DIR:-/tmp/evident-bench-compute}/$N"
here="$root/bench/compute"

"$PYTHON" -c 'import duckdb, polars, pyarrow' 2>/dev/null || {
  echo "error: $PYTHON cannot import duckdb, polars and pyarrow: pip install -r bench/compute/requirements.txt" >&2
  exit 1
}
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed for CPU and peak memory" >&2; exit 1; }

if [ -z "${EVIDENT_BIN:-}" ]; then
  # A release build (opt-level 3): the `fast` profile of the README's first
  # command (opt-level 1) runs DataFusion about half as fast. A cold release
  # build takes ~30 minutes on 2 cores.
  cargo build --release --quiet -p evident
  EVIDENT_BIN="${CARGO_TARGET_DIR:-$root/target}/release/evident"
fi
ev() { "$EVIDENT_BIN" --quiet "$@"; }
timed() { local name="$1"; shift; /usr/bin/time -v -o "$DIR/logs/$name.time" "$@"; }

mkdir -p "$DIR/logs"
if [ ! -f "$DIR/raw/truth.json" ]; then
  echo "generating $N offences into $DIR/raw" >&2
  timed generate "$EVIDENT_BIN" --quiet generate --out "$DIR/raw" --offences "$N" --json > "$DIR/logs/generate.json"
fi

ws="$DIR/workspace"
export EVIDENT_WORKSPACE="$ws"
rm -rf "$DIR/tables" "$DIR/duckdb" "$DIR/polars" "$DIR/duckdb-classified"
# The store is built once per size; a rerun reuses it (delete BENCH_DIR/N/workspace to rebuild).
if [ ! -f "$DIR/logs/ingest.ms" ]; then
  rm -rf "$ws"
  ev init "$ws" --name bench --key-file "$DIR/keys/bench.key" > /dev/null
  echo "ingesting" >&2
  start=$(date +%s%N)
  while read -r file schema; do
    ev ingest --schema "schemas/synthetic/$schema" "$DIR/raw/$file" --json > "$DIR/logs/ingest-$file.json"
  done <<'FILES'
areas.csv areas.toml
offence_codes.csv offence_codes.toml
population.csv population.toml
prison_facilities.csv facilities.toml
police_offences.csv offences.toml
police_persons.csv persons.toml
court_decisions.csv court_decisions.toml
prison_movements.csv prison_movements.toml
FILES
  ev map import "$DIR/raw/correspondence.csv" --source "benchmark" > /dev/null
  echo $(( ($(date +%s%N) - start) / 1000000 )) > "$DIR/logs/ingest.ms"
fi
[ "${SETUP_ONLY:-0}" = 1 ] && exit 0

echo "classify: evident" >&2
sync
timed classify-evident "$EVIDENT_BIN" --quiet classify --all --json > "$DIR/logs/classify-evident.json"
echo "classify: duckdb" >&2
timed classify-duckdb "$PYTHON" "$here/duckdb_classify.py" "$ws" "$DIR/raw/correspondence.csv" \
  "$DIR/duckdb-classified" "$THREADS" > "$DIR/logs/classify-duckdb.json"

echo "compute: evident" >&2
date -u +%Y-%m-%dT%H:%M:%S.%NZ > "$DIR/logs/compute-evident.start"
EVIDENT_LOG=evident_engine=debug timed compute-evident "$EVIDENT_BIN" compute --out "$DIR/tables" \
  > "$DIR/logs/compute-evident.out" 2> "$DIR/logs/compute-evident.log"
date -u +%Y-%m-%dT%H:%M:%S.%NZ > "$DIR/logs/compute-evident.end"
echo "compute: duckdb" >&2
timed compute-duckdb "$PYTHON" "$here/duckdb_standard.py" "$ws" "$DIR/logs/compute-evident.log" \
  "$DIR/duckdb" "$THREADS" > "$DIR/logs/compute-duckdb.json"
echo "compute: polars" >&2
POLARS_MAX_THREADS="$THREADS" timed compute-polars "$PYTHON" "$here/polars_standard.py" "$ws" \
  "$DIR/polars" > "$DIR/logs/compute-polars.json"

echo "checking results" >&2
(cd "$here" && "$PYTHON" check.py "$DIR/tables" "$DIR/duckdb" "$DIR/polars") > "$DIR/logs/check.json"
(cd "$here" && "$PYTHON" report.py "$DIR" "$N") | tee "$DIR/results.md"
