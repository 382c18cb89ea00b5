#!/usr/bin/env bash
# Dashboard benchmark: render time in process, HTTP latency and throughput, and
# page-load time in headless Chromium, for the dashboard serving a large
# generated data set (crates/server/examples/bench_server.rs), against the same
# HTML saved as static files and served by Python's http.server.
#
#   bench/server/run.sh
#
# Needs: cargo, python3, node, /usr/bin/chromium, and `npm ci` in tests/browser
# (the benchmark borrows its playwright-core).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
[ -d "$root/tests/browser/node_modules/playwright-core" ] || { echo "run npm ci in tests/browser first" >&2; exit 1; }

cargo build --quiet --release -p evident-server --example bench_server
bin="$CARGO_TARGET_DIR/release/examples/bench_server"

echo "== rendering in process (200 renders each)"
"$bin" render 200

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

"$bin" serve 127.0.0.1:0 > "$work/evident.log" &
pids+=($!)
for _ in $(seq 50); do grep -q listening "$work/evident.log" 2>/dev/null && break; sleep 0.1; done
evident=$(sed -n 's/^listening on //p' "$work/evident.log")

# The same pages and assets as static files.
mkdir -p "$work/static/assets/vendor"
for page in "" explorer early-warning data-quality releases kyoto; do
  curl -fsS "$evident/$page" -o "$work/static/${page:-index}.html"
done
for asset in dashboard.css dashboard.js favicon.svg vendor/chart.umd.min.js vendor/chart.js-LICENSE.md; do
  curl -fsS "$evident/assets/$asset" -o "$work/static/assets/$asset"
done
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/static" > "$work/static.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "port" "$work/static.log" 2>/dev/null && break; sleep 0.1; done
static="http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/static.log" | head -1)"

node "$root/bench/server/bench.mjs" "$evident" "$static"
