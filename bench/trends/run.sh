#!/usr/bin/env bash
# Early-warning benchmark: Evident vs statsmodels on the same STL decompositions.
# Usage: bench/trends/run.sh [series] [months]   (defaults 10000 120)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${EVIDENT_PYTHON:-python3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$root"
cargo run --release -q -p evident-stats --example trends_bench -- "$out" "${1:-10000}" "${2:-120}" > /dev/null
"$python" bench/trends/stl_statsmodels.py "$out"
