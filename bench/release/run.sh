#!/usr/bin/env bash
# Release-builder benchmark: build a release from engine output tables and time
# each step; compare the CSV/Parquet part with pandas and pyarrow.
#
# Usage (from anywhere):
#   bench/release/run.sh                          synthetic tables, 200,000 and 10,000,000 offences a year
#   bench/release/run.sh 500000                   synthetic tables of that size
#   bench/release/run.sh --tables DIR AREAS_CSV   a directory of engine output (<indicator>.parquet,
#                                                 as IndicatorTable::write writes them) and the area file
#
# PROFILE=release builds optimised (a cold DataFusion release build takes about
# 26 minutes on 2 cores); the default is the dev profile with the crates doing
# the work (evident-release, -disclosure, -sdmx) at opt-level 3.
# EVIDENT_PYTHON picks the Python with pandas and pyarrow (default python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
python="${EVIDENT_PYTHON:-python3}"
if [ "${PROFILE:-dev}" = release ]; then
  cargo build --release -q -p evident-release --examples
  bin="$CARGO_TARGET_DIR/release/examples"
else
  cargo build -q -p evident-release --examples \
    --config 'profile.dev.package.evident-release.opt-level=3' \
    --config 'profile.dev.package.evident-disclosure.opt-level=3' \
    --config 'profile.dev.package.evident-sdmx.opt-level=3'
  bin="$CARGO_TARGET_DIR/debug/examples"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() { # tables_dir areas_csv label
  echo "-- evident-release (suppression and audit, CSV, Parquet, SDMX, manifest)"
  "$bin/release_from_tables" "$1" "$2" "$work/releases" "$3"
  echo "-- the same tables written as CSV and Parquet by pandas/pyarrow (no disclosure control, no SDMX)"
  "$python" bench/release/baseline.py "$1" "$work/baseline-$3"
}

if [ "${1:-}" = --tables ]; then
  run "$2" "$3" GIVEN
  exit 0
fi
for offences in "${@:-200000 10000000}"; do
  for n in $offences; do
    echo "== synthetic country: $n offences in 2024, ICCS divisions x 300 districts in 20 regions x 12 months"
    "$bin/synthetic_tables" "$work/tables-$n" "$n"
    run "$work/tables-$n" "$work/tables-$n/areas.csv" "N$n"
  done
done
