#!/usr/bin/env bash
# Server benchmarks.
#
#   bench/server/run.sh          # both parts
#   bench/server/run.sh pages    # the dashboard pages (below)
#   bench/server/run.sh api      # the REST API under load (api() further down)
#
# pages: render time in process, HTTP latency and throughput, and page-load
# time in headless Chromium, for the dashboard serving a large generated data
# set (crates/server/examples/bench_server.rs), against the same HTML saved as
# static files and served by Python's http.server. Needs: cargo, python3, node,
# /usr/bin/chromium, and `npm ci` in tests/browser (it borrows playwright-core).
#
# api: requests/s and p50/p99 latency with wrk for release queries and live
# (analyst) queries against `evident serve` on a generated country, and in the
# same run the same release served by a standard-library Python API
# (baseline_api.py), and its CSV as a static file by Python's http.server and
# nginx. Needs: cargo, python3, wrk, nginx (Debian packages `wrk`, `nginx`).
# Environment: EVIDENT_BIN (a built evident; default: build `--profile fast`),
# BENCH_OFFENCES (default 50000), BENCH_SECONDS (per run, default 10),
# BENCH_CONNECTIONS (default 16), BENCH_LIVE_TIMEOUT (s, default 600), BENCH_WORKSPACE (reuse a workspace that has a
# release called `bench`; skips generating the country).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
here="$root/bench/server"
pids=()
dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # evident serve waits for running blocking jobs before it exits on SIGTERM
  # (see README, "Known problem"); do not leave it burning CPU.
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for d in "${dirs[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT

pages() {
  [ -d "$root/tests/browser/node_modules/playwright-core" ] || { echo "run npm ci in tests/browser first" >&2; exit 1; }

  cargo build --quiet --release -p evident-server --example bench_server
  bin="$CARGO_TARGET_DIR/release/examples/bench_server"

  echo "== rendering in process (200 renders each)"
  "$bin" render 200

  work=$(mktemp -d); dirs+=("$work")

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
}

# Waits until FILE has a line matching PATTERN (at most SECONDS), or fails.
wait_for() {
  local file=$1 pattern=$2 seconds=$3
  for _ in $(seq $((seconds * 10))); do grep -q "$pattern" "$file" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$pattern' in $file:" >&2; cat "$file" >&2; exit 1
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

api() {
  command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
  local bin=${EVIDENT_BIN:-}
  if [ -z "$bin" ]; then
    cargo build --quiet --profile fast -p evident
    bin="$CARGO_TARGET_DIR/fast/evident"
  fi
  local offences=${BENCH_OFFENCES:-50000} seconds=${BENCH_SECONDS:-10} connections=${BENCH_CONNECTIONS:-16}
  local work ws
  work=$(mktemp -d); dirs+=("$work")
  if [ -n "${BENCH_WORKSPACE:-}" ]; then
    ws=$BENCH_WORKSPACE
  else
    ws="$work/ws"
    echo "== a country of $offences offences, through to a release (timed)"
    local start=$SECONDS schemas="$root/schemas/synthetic"
    # Its output goes to a log, shown only if a step fails.
    ev() { "$bin" "$@" >> "$work/pipeline.log" 2>&1 || { tail -20 "$work/pipeline.log" >&2; exit 1; }; }
    ev generate --out "$work/raw" --offences "$offences" --quiet
    ev init "$ws" --key-file "$work/key" --quiet
    for pair in areas.csv:areas.toml offence_codes.csv:offence_codes.toml population.csv:population.toml \
        prison_facilities.csv:facilities.toml police_offences.csv:offences.toml police_persons.csv:persons.toml \
        court_decisions.csv:court_decisions.toml prison_movements.csv:prison_movements.toml; do
      ev --workspace "$ws" ingest "$work/raw/${pair%%:*}" --schema "$schemas/${pair##*:}"
    done
    ev --workspace "$ws" map import "$work/raw/correspondence.csv" --source shipped
    ev --workspace "$ws" classify
    ev --workspace "$ws" compute
    ev --workspace "$ws" compute --for publication
    ev --workspace "$ws" publish --release bench
    echo "   done in $((SECONDS - start)) s"
  fi
  local release="$ws/releases/bench"
  [ -f "$release/data/offences.csv" ] || { echo "$ws has no release 'bench'" >&2; exit 1; }
  # An analyst account and token, through the command line (stored hashed in the catalog).
  local user="bench-$$"
  "$bin" --workspace "$ws" --quiet users add "$user" --role analyst > /dev/null
  local token
  token=$("$bin" --workspace "$ws" tokens create "$user" --label load-benchmark | grep -o 'evt_[0-9a-z_]*' | head -1)
  [ -n "$token" ] || { echo "no token was printed" >&2; exit 1; }

  "$bin" --workspace "$ws" serve --addr 127.0.0.1:0 > "$work/evident.log" 2>&1 &
  pids+=($!)
  wait_for "$work/evident.log" "Evident is serving" 60
  local evident
  evident=$(grep -o 'http://[0-9.:]*' "$work/evident.log" | head -1)

  python3 -u "$here/baseline_api.py" "$release" bench > "$work/baseline.log" 2>&1 &
  pids+=($!)
  wait_for "$work/baseline.log" listening 60
  local baseline
  baseline=$(sed -n 's/^listening on //p' "$work/baseline.log")

  python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$release" > "$work/static.log" 2>&1 &
  pids+=($!)
  wait_for "$work/static.log" port 10
  local static
  static="http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/static.log" | head -1)"

  local nginx=""
  if command -v nginx > /dev/null || [ -x /usr/sbin/nginx ]; then
    local port
    port=$(free_port)
    mkdir -p "$work/nginx"
    # Workers run as root only when we are root (the release is under a 0700 temporary directory).
    local user_line=""
    [ "$(id -u)" = 0 ] && user_line="user root;"
    cat > "$work/nginx/nginx.conf" <<CONF
$user_line
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$port; root $release; }
}
CONF
    "$(command -v nginx || echo /usr/sbin/nginx)" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
    pids+=($!)
    nginx="http://127.0.0.1:$port"
    for _ in $(seq 50); do curl -fsS -o /dev/null "$nginx/data/offences.csv" 2>/dev/null && break; sleep 0.1; done
    curl -fsS -o /dev/null "$nginx/data/offences.csv" || { echo "(nginx does not serve the release; left out)"; nginx=""; }
  else
    echo "(nginx is not installed: apt-get install nginx to include it)"
  fi

  # Five filtered queries on the offences table, rotated by wrk.
  local filters="area=01 area=01&period=2024 iccs=0101 iccs=01&area=05 period=2020"
  local release_paths="" live_paths=""
  local one_row="/api/releases/bench/indicators/offences?iccs=01&area=05&period=2024"
  for f in $filters; do
    release_paths+="/api/releases/bench/indicators/offences?$f "
    live_paths+="/api/live/indicators/offences?$f "
  done

  # Both APIs must return the same rows before either is timed.
  python3 - "$evident" "$baseline" $filters <<'PY'
import json, sys, urllib.request
evident, baseline, filters = sys.argv[1], sys.argv[2], sys.argv[3:]
for f in filters:
    path = f"/api/releases/bench/indicators/offences?{f}"
    a = json.load(urllib.request.urlopen(evident + path))
    b = json.load(urllib.request.urlopen(baseline + path))
    if a["total"] != b["total"] or a["rows"] != b["rows"]:
        sys.exit(f"{f}: Evident and the baseline disagree ({a['total']} vs {b['total']} rows)")
    print(f"   {f}: {a['total']} rows, identical in both")
PY
  printf '\n== wrk, 1 thread, %s connections, %s s per run, on the same 2 cores as the servers\n' "$connections" "$seconds"
  printf '%-58s %10s %8s %8s %8s %7s %10s\n' "server and request" "requests/s" "p50 ms" "p99 ms" "max ms" "errors" "bytes/req"
  measure() {
    local label=$1 base=$2 paths=$3 auth=${4:-}
    WRK_PATHS="$paths" WRK_TOKEN="$auth" wrk -t1 -c2 -d1s -s "$here/rotate.lua" "$base" > /dev/null # warm-up
    WRK_PATHS="$paths" WRK_TOKEN="$auth" wrk -t1 -c"$connections" -d"${seconds}s" -s "$here/rotate.lua" "$base" \
      | awk -v label="$label" '$1 == "RESULT" {
          printf "%-58s %10.0f %8.2f %8.2f %8.1f %7d %10.0f\n", label, $2 / ($3 / 1e6), $4, $5, $6, $7 + $8, $9 / ($2 ? $2 : 1)
        }'
  }
  measure "evident: release query (5 filters rotated)" "$evident" "$release_paths"
  measure "python stdlib API: the same release queries" "$baseline" "$release_paths"
  measure "evident: release query answering one row" "$evident" "$one_row"
  measure "python stdlib API: the same one-row query" "$baseline" "$one_row"
  measure "evident: whole offences.csv (release file)" "$evident" "/api/releases/bench/files/data/offences.csv"
  measure "python http.server: whole offences.csv" "$static" "/data/offences.csv"
  if [ -n "$nginx" ]; then
    measure "nginx: whole offences.csv" "$nginx" "/data/offences.csv"
  fi
  echo "   (offences.csv is $(wc -c < "$release/data/offences.csv") bytes, $(($(wc -l < "$release/data/offences.csv") - 1)) rows)"
  # Live queries last: the first one protects the live tables (once per data
  # version) on a blocking thread, which would otherwise compete with the runs above.
  # The server answers 408 after 120 s; a live query is retried until the
  # protected tables are ready or BENCH_LIVE_TIMEOUT has passed.
  local t0=$SECONDS limit=${BENCH_LIVE_TIMEOUT:-600} code=000
  while [ $((SECONDS - t0)) -lt "$limit" ]; do
    code=$(curl -s -m $((limit < 130 ? limit : 130)) -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
      "$evident/api/live/indicators/offences?area=01" || true)
    [ "$code" = 200 ] && break
    echo "   first live query: HTTP $code after $((SECONDS - t0)) s, asking again"
  done
  if [ "$code" = 200 ]; then
    echo "   first live query (protects the live tables): $((SECONDS - t0)) s"
    measure "evident: live query, analyst token (5 filters)" "$evident" "$live_paths" "$token"
  else
    echo "   live queries: no answer within $limit s (last HTTP $code); left out"
  fi
}

case "${1:-all}" in
  pages) pages ;;
  api) api ;;
  all) pages; api ;;
  *) echo "usage: $0 [pages|api]" >&2; exit 2 ;;
esac
