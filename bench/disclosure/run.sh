#!/usr/bin/env bash
# Disclosure-control benchmark: secondary suppression + audit of a ~1 million
# cell release, and the exact interval attack against HiGHS on a smaller one.
# Usage: bench/disclosure/run.sh   (from the workspace root; EVIDENT_PYTHON picks
# the Python with numpy and scipy, default python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
python="${EVIDENT_PYTHON:-python3}"
cargo build --release -q -p evident-disclosure --example bench_release --example audit_compare
bin="$CARGO_TARGET_DIR/release/examples"

echo "== 1. ICCS level 3 x 300 districts in 20 regions x 12 months, all totals"
echo "-- sparse: 1.5 million offences a year (most detailed cells hold 0-3)"
"$bin/bench_release" 1500000
echo "-- denser: 15 million offences a year"
"$bin/bench_release" 15000000

echo "== 2. Exact interval attack: evident's simplex against HiGHS (SciPy)"
json="$(mktemp --suffix .json)"
trap 'rm -f "$json"' EXIT
"$bin/audit_compare" "$json"
"$python" bench/disclosure/highs_audit.py "$json"
