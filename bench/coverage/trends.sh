#!/usr/bin/env bash
# Detection of the emerging threat by `evident trends` on generated countries: for each
# seed, generate a country, take it through the store (init, ingest, map, classify) and run
# `evident trends --since 2023-07 --fdr 0.2` over every ICCS level x area level; then count
# how often the injected rise (ICCS 050213 x 2.5 in region 01 from 2023-07) is flagged, at
# which start, and how many series unrelated to it are flagged (at q <= 0.05 and <= 0.2).
#
# Usage: bench/coverage/trends.sh [seeds] [offences] [first seed]   (defaults 20 200000 1)
# Environment: EVIDENT=/path/to/evident (default: the debug build), EVIDENT_PYTHON,
# RESULTS=FILE to keep the per-seed reports (JSON lines).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seeds="${1:-20}"
offences="${2:-200000}"
first="${3:-1}"
python="${EVIDENT_PYTHON:-python3}"
cd "$root"
if [ -n "${EVIDENT:-}" ]; then
  evident="$EVIDENT"
else
  cargo build -q -p evident
  evident="${CARGO_TARGET_DIR:-$root/target}/debug/evident"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
results="${RESULTS:-$work/results.jsonl}"
: > "$results"
schemas="$root/schemas/synthetic"
started=$(date +%s)
for ((seed = first; seed < first + seeds; seed++)); do
  run="$work/run"
  rm -rf "$run"
  mkdir -p "$run"
  (
    cd "$run"
    "$evident" generate --out raw --offences "$offences" --seed "$seed" --quiet > /dev/null
    "$evident" init ws --key-file "$run/key" --quiet > /dev/null
    for pair in areas.csv:areas offence_codes.csv:offence_codes population.csv:population \
                police_offences.csv:offences; do
      "$evident" ingest "raw/${pair%%:*}" --schema "$schemas/${pair##*:}.toml" \
        --workspace ws --quiet > /dev/null
    done
    "$evident" map import raw/correspondence.csv --source shipped --workspace ws --quiet > /dev/null
    "$evident" classify --workspace ws --quiet > /dev/null
    since=$("$python" -c "import json; print(json.load(open('raw/truth.json'))['effects']['emerging_threat']['start_month'])")
    "$evident" trends --workspace ws --since "$since" --fdr 0.2 --json --out trends.json > report.json
  )
  "$python" -c "
import json
r = json.load(open('$run/report.json'))
t = json.load(open('$run/raw/truth.json'))['effects']['emerging_threat']
for f in r['flagged']:
    f.pop('chart', None)
print(json.dumps({'seed': $seed, 'threat': t, 'assessed': r['assessed'], 'flagged': r['flagged']}))" >> "$results"
  echo "seed $seed done ($(( $(date +%s) - started )) s)" >&2
done
"$python" "$root/bench/coverage/trends.py" "$results"
