#!/usr/bin/env bash
# Coverage of 95 % intervals.
#   bench/coverage/run.sh [seeds] [offences] [first seed]
#       evident evaluate through the store on generated countries (default 100 seeds of
#       200,000 offences from seed 1; see country.sh for the environment variables)
#   bench/coverage/run.sh --simulated [seeds]
#       the statistics alone on small simulated designs (crates/stats/examples/coverage.rs,
#       release build; default 200 seeds)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ "${1:-}" = "--simulated" ]; then
  cargo run --release -q -p evident-stats --example coverage -- "${2:-200}"
else
  exec "$root/bench/coverage/country.sh" "$@"
fi
