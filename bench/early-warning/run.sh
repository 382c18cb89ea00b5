#!/usr/bin/env bash
# Early-warning benchmark: calibration on simulated series without change, and
# `evident trends`-style runs on the synthetic country.
# Usage: bench/early-warning/run.sh [offences] [seed]   (defaults 1000000 42)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$root"
run() { cargo run --release -q -p "$1" --example "$2" -- "${@:3}"; }

echo "## Calibration: p-values and false discoveries on simulated series"
run evident-stats early_warning_calibration 200 1
run evident-stats early_warning_calibration 100 1 20

run evident-synthetic generate "$out/country" "${1:-1000000}" "${2:-42}" > /dev/null
echo
echo "## The synthetic country, scored from 2023-07, rises only (the default)"
run evident-stats early_warning_country "$out/country" 2023-07 increase
echo
echo "## The synthetic country, scored from 2023-07, rises and falls"
run evident-stats early_warning_country "$out/country" 2023-07 both
echo
echo "## The synthetic country, scored from 2022-04 (the programme's start), rises and falls"
run evident-stats early_warning_country "$out/country" 2022-04 both
