#!/usr/bin/env bash
# Benchmark of the offence-text classifier (`evident map suggest`) against the
# tools a user would otherwise reach for. See README.md beside this file.
#
#   bash bench/classify/run.sh            # from the repository root
#   EVIDENT_PYTHON=/path/to/python bash bench/classify/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${EVIDENT_PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 10,000 descriptions: the 536 distinct texts of the labelled set, cycled.
"$python" - "$root" "$work/descriptions.txt" <<'PY'
import csv, sys
root, out = sys.argv[1], sys.argv[2]
texts = [r["text"] for r in csv.DictReader(open(f"{root}/crates/classify/tests/eval/offences.csv", encoding="utf-8"))]
with open(out, "w", encoding="utf-8") as f:
    for i in range(10000):
        f.write(texts[i % len(texts)] + "\n")
PY
# The real police.uk file: 28,537 crime-type cells of West Yorkshire, July 2017.
police="$root/../shared/data/uk-police-west-yorkshire-2017-07/2017-07-west-yorkshire-street.csv"
if [ -f "$police" ]; then
  "$python" -c "import csv,sys; [print(r['Crime type']) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))]" "$police" > "$work/police.txt"
fi

cd "$root"
cargo build --release -q -p evident-classify --example throughput
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/throughput"
"$bin" "$work/descriptions.txt"
if [ -f "$work/police.txt" ]; then "$bin" "$work/police.txt"; fi
cargo run --release -q -p evident-classify --example accuracy -- --split test | sed -n '1,4p'

"$python" -c "import rapidfuzz, sklearn" 2>/dev/null || {
  echo "baselines skipped: install rapidfuzz==3.14.6 scikit-learn==1.9.1 into $python" >&2
  exit 1
}
"$python" "$root/bench/classify/baselines.py" "$root" "$work/descriptions.txt"
