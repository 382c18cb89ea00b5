#!/usr/bin/env bash
# Benchmark: Evident's SDMX writers against pysdmx on the same synthetic release.
# Usage: bench/sdmx/run.sh [AREAS]   (default 300 districts: 300 x 322 ICCS codes x 3 sexes)
# Needs EVIDENT_PYTHON (default python3) with scripts/requirements-test.txt installed.
set -euo pipefail
AREAS="${1:-300}"
PYTHON="${EVIDENT_PYTHON:-python3}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
cd "$ROOT"
cargo build --release -q -p evident-sdmx --example write_release
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
echo "evident-sdmx:"
"$TARGET/release/examples/write_release" "$AREAS" "$OUT"
ls -l "$OUT" | awk 'NR>1 {print "  " $5 " bytes  " $9}'
echo "pysdmx (same data, loaded from Evident's data.csv):"
"$PYTHON" "$HERE/pysdmx_write.py" "$OUT"
