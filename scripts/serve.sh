#!/usr/bin/env bash
# drvlab — build the page and serve it at http://127.0.0.1:8080 (rebuilds on change).
#
#   scripts/serve.sh              trunk serve --release (watch + live reload)
#   scripts/serve.sh --static     trunk build --release, then serve dist/ with python3 (no watcher)
#   PORT=9000 scripts/serve.sh    another port
#
# Both bundles are built and served: the page, and the embed (dist/embed/) that ?embed pages load
# (index.html names both; Trunk.toml's loader picks one per page).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${PORT:-8080}"

"$ROOT/scripts/setup.sh"
# shellcheck disable=SC1090
source "${DRVLAB_ENV_FILE:-$ROOT/.drvlab-env}"
cargo fetch -q   # Trunk.toml has offline = true (no tool downloads), which also makes cargo --offline

if [[ "${1:-}" == "--static" ]]; then
  trunk build --release
  echo "serving dist/ at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
  exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$ROOT/dist"
fi
echo "trunk serve --release at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
exec trunk serve --release --address 127.0.0.1 --port "$PORT"
