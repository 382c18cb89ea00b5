#!/usr/bin/env bash
# Runs the CSV-and-schema fuzz target (fuzz/fuzz_targets/csv_schema.rs) for a
# bounded time and reports what it found.
#
#   bench/ingest/fuzz.sh [SECONDS]        # default 300
#
# cargo-fuzz needs unstable compiler flags (-Zsanitizer=address); with the
# one stable toolchain here they are allowed by RUSTC_BOOTSTRAP=1. Install
# cargo-fuzz once with `cargo install cargo-fuzz --locked`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../fuzz"
seconds="${1:-300}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v cargo-fuzz >/dev/null || { echo "error: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2; exit 1; }
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp seeds/csv_schema/* "$corpus/"
# -rss_limit_mb guards the promise that field size, not file size, bounds memory.
cargo fuzz run csv_schema "$corpus" -- \
  -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 -print_final_stats=1 2>&1 | tee /tmp/evident-fuzz.log | tail -25
if ls artifacts/csv_schema/crash-* artifacts/csv_schema/oom-* artifacts/csv_schema/timeout-* >/dev/null 2>&1; then
  echo "FOUND problems: see fuzz/artifacts/csv_schema/" >&2
  exit 1
fi
echo "no crash, leak, timeout or out-of-memory in ${seconds} s"
