#!/usr/bin/env bash
# Coverage of `evident evaluate` on generated countries: for each seed, generate a
# country, take it through the store (init, ingest, map, classify) and evaluate the
# burglary programme (ICCS 0501, 30 treated districts from 2022-04-01, true effect
# -25 %) with all three methods; then count how often each 95 % interval contains
# -25 %, and recompute every estimate from the exported panel with statsmodels,
# linearmodels and scipy (crates/cli/tests/python/evaluate_crosscheck.py).
#
# Usage: bench/coverage/country.sh [seeds] [offences] [first seed]   (defaults 100 200000 1)
# Environment: PROFILE=release for an optimised build (default: the debug build the
# tests use), or EVIDENT=/path/to/evident to use a given binary; EVIDENT_PYTHON
# (default python3) with the packages of scripts/requirements-test.txt; RESULTS=FILE
# to keep the per-seed reports (JSON lines); CROSSCHECK_EVERY=K to run the Python
# cross-check on every K-th seed only (default 1: every seed; it takes about half the
# time of a seed in the debug build).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seeds="${1:-100}"
offences="${2:-200000}"
first="${3:-1}"
profile="${PROFILE:-dev}"
python="${EVIDENT_PYTHON:-python3}"
every="${CROSSCHECK_EVERY:-1}"
cd "$root"
if [ -n "${EVIDENT:-}" ]; then
  evident="$EVIDENT"   # a given binary (e.g. a copy, so that rebuilding does not change it mid-run)
else
  cargo build -q -p evident --profile "$profile"
  target="${CARGO_TARGET_DIR:-$root/target}"
  dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
  evident="$target/$dir/evident"
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
    treated=$("$python" -c "import json; print(','.join(json.load(open('raw/truth.json'))['effects']['programme']['treated_districts']))")
    "$evident" evaluate --workspace ws --outcome 0501 --treated "$treated" --start 2022-04-01 \
      --export exp --json > report.json || true
    if (( (seed - first) % every == 0 )); then
      "$python" "$root/crates/cli/tests/python/evaluate_crosscheck.py" exp/panel.csv reference.json
    fi
  )
  "$python" -c "
import json, os
r = json.load(open('$run/report.json'))
ref = json.load(open('$run/reference.json')) if os.path.exists('$run/reference.json') else None
print(json.dumps({'seed': $seed, 'report': r, 'reference': ref}))" >> "$results"
  echo "seed $seed done ($(( $(date +%s) - started )) s)" >&2
done
"$python" "$root/bench/coverage/country.py" "$results" -0.25
