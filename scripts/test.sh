#!/usr/bin/env bash
# drvlab — the whole check, in order; exits non-zero on the first failure.
#
#   scripts/test.sh
#
#   setup -> cargo fmt --check -> clippy (native, wasm32) -> cargo test (native) ->
#   cargo test --target wasm32-unknown-unknown (headless Chromium via chromedriver) ->
#   trunk build --release -> serve dist/ on 127.0.0.1 -> budgets -> e2e (node --test, Playwright)
#
# The output ends with node's test runner summary (# pass N / # fail N).
# Knobs: DRVLAB_SKIP="fmt clippy native wasm trunk e2e" skips steps (local use only; CI runs all),
#        DRVLAB_ENV_FILE (default .drvlab-env), CARGO_TARGET_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SKIP="${DRVLAB_SKIP:-}"
skipped() { [[ " $SKIP " == *" $1 "* ]]; }

T0=$(date +%s)
TIMINGS=()
run() { # run LABEL cmd... : print a banner, run, record the time
  local label=$1; shift
  printf '\n>>> %s\n' "$label"
  local s; s=$(date +%s.%N)
  "$@"
  local d; d=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  TIMINGS+=("$(printf '%-58s %7ss' "$label" "$d")")
  printf '<<< %s: %ss\n' "$label" "$d"
}

run "setup" "$ROOT/scripts/setup.sh"
# shellcheck disable=SC1090
source "${DRVLAB_ENV_FILE:-$ROOT/.drvlab-env}"
export CARGO_TERM_COLOR=never

WASM=(--target wasm32-unknown-unknown)
run "cargo fetch" cargo fetch -q
skipped fmt || run "cargo fmt --check" cargo fmt --all --check
if ! skipped clippy; then
  run "cargo clippy --all-targets (native)" cargo clippy -q --workspace --all-targets -- -D warnings
  run "cargo clippy --all-targets (wasm32)" cargo clippy -q "${WASM[@]}" --workspace --all-targets -- -D warnings
fi
skipped native || run "cargo test --workspace (native: engine and lab unit, golden, integration, differential vs nix)" cargo test --workspace
skipped wasm || run "cargo test --target wasm32 (headless Chromium)" cargo test "${WASM[@]}"
# The engine's figures in the browser, built as the page is (profile web); printed, not asserted.
skipped wasm || run "wasm benchmark in headless Chromium (release)" \
  cargo test "${WASM[@]}" --profile web --test web -- --nocapture bench_in_the_browser
skipped trunk || run "trunk build --release" trunk build --release

if skipped e2e; then
  echo "e2e skipped (DRVLAB_SKIP)"; exit 0
fi

# ------------------------------------------------------------------ serve dist/ on a free port
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$ROOT/dist" >/tmp/drvlab-http-$PORT.log 2>&1 &
SRV=$!
disown "$SRV"   # no "Terminated" job notice after the e2e summary
trap 'kill "$SRV" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/" || { echo "static server on :$PORT did not come up"; exit 1; }

# ------------------------------------------------------------------ budgets
# The page, the embed, the exercises and any worker bundle against their gzip budgets
# (scripts/budgets.sh says how).
printf '\n>>> budgets (dist/, gzip -9)\n'
"$ROOT/scripts/budgets.sh" dist
printf '\n>>> timings\n'
printf '  %s\n' "${TIMINGS[@]}"
printf '  %-58s %7ss\n' "total before e2e" "$(( $(date +%s) - T0 ))"

# ------------------------------------------------------------------ e2e (must be last: its summary closes the output)
printf '\n>>> e2e: node --test e2e/*.test.mjs against http://127.0.0.1:%s/ (time to first paths is printed below)\n' "$PORT"
export DRVLAB_URL="http://127.0.0.1:$PORT/"
export DRVLAB_SHOTS="$ROOT/shots"
mkdir -p "$DRVLAB_SHOTS"
set +e
node --test --test-reporter=tap e2e/*.test.mjs
rc=$?
exit $rc
