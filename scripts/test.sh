#!/usr/bin/env bash
# Runs Evident's whole test suite: the README's second command, and what CI runs.
#
# Some tests compare our numbers and files with other tools (statsmodels,
# linearmodels, sdmx1, pysdmx, rsdmx, DuckDB) and drive a real browser. This
# script first installs whatever of that is missing, idempotently:
#   - Debian packages (Chromium, R with rsdmx, Node.js and npm), when run as root;
#   - a Python virtual environment with scripts/requirements-test.txt, kept in
#     ~/.cache/evident and reused while the requirements file is unchanged;
#   - npm packages for the browser test (tests/browser).
# Then it runs the tests with cargo-nextest (or cargo test when nextest is absent).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------
apt_packages=()
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
{ command -v Rscript >/dev/null && Rscript -e 'library(rsdmx)' >/dev/null 2>&1; } || apt_packages+=(r-cran-rsdmx)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  else
    say "missing Debian packages (${apt_packages[*]}); install them as root, tests that need them will fail"
  fi
fi

# --- Python reference implementations ---------------------------------------
req="$root/scripts/requirements-test.txt"
req_hash=$(sha256sum "$req" | cut -c1-16)
venv="${EVIDENT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/evident/venv-$req_hash}"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  say "creating Python environment $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$req"
  touch "$venv/.complete"
fi
export EVIDENT_PYTHON="$venv/bin/python"
export EVIDENT_RSCRIPT="${EVIDENT_RSCRIPT:-Rscript}"

# --- Browser test -------------------------------------------------------------
if [ -f "$root/tests/browser/package.json" ]; then
  if [ ! -d "$root/tests/browser/node_modules" ]; then
    say "installing npm packages for the browser test"
    (cd "$root/tests/browser" && npm ci --silent --no-audit --no-fund)
  fi
fi

# --- Tests --------------------------------------------------------------------
say "running the tests"
if cargo nextest --version >/dev/null 2>&1; then
  exec cargo nextest run --workspace --all-features --locked --no-fail-fast "$@"
else
  exec cargo test --workspace --all-features --locked --no-fail-fast "$@"
fi
