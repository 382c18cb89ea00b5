#!/usr/bin/env bash
# Coverage of 95 % intervals on simulated data. Usage: bench/coverage/run.sh [seeds] (default 200)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cargo run --release -q -p evident-stats --example coverage -- "${1:-200}"
