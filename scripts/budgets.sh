#!/usr/bin/env bash
# drvlab — the bundles in dist/ against their budgets (scripts/test.sh runs it after trunk build).
#
#   scripts/budgets.sh [DIST]        DIST defaults to dist
#
# Each download is a wasm + its JS glue, gzip -9: the page (the bundle dist/index.html's loader
# starts for the full page: <= 250 KB), the embed (DIST/embed/, what a ?embed page downloads
# instead: <= 120 KB), the exercises (DIST/exercises/, the page with the exercises panel, what a
# ?exercises page downloads instead: <= 250 KB, as the page) and any other wasm or JS in DIST (the
# Nix-code panel's Web Worker, fetched when that panel runs; printed, no budget). Each line says within or OVER. A budget named in
# DRVLAB_ENFORCED_BUDGETS (e.g. "page embed") makes an OVER fail the run (exit 1); put a budget
# there once the bundle meets it, so CI keeps it met.
set -euo pipefail
DIST="${1:-dist}"
ENFORCED="${DRVLAB_ENFORCED_BUDGETS:-}"
page_js=$(grep -o "drvlab-web-[0-9a-f]*\.js" "$DIST/index.html" | head -1)
page_wasm=$(grep -o "drvlab-web-[0-9a-f]*_bg\.wasm" "$DIST/index.html" | head -1)
[[ -n "$page_js" && -n "$page_wasm" ]] || { echo "$DIST/index.html names no drvlab-web bundle"; exit 1; }
budget() { # budget NAME KB FILE... : prints each file and the total against KB; returns 1 when over and enforced
  local name=$1 kb=$2; shift 2
  local raw=0 gz=0 f r g
  for f in "$@"; do
    r=$(stat -c %s "$f"); g=$(gzip -9c "$f" | wc -c)
    raw=$((raw + r)); gz=$((gz + g))
    printf '    %-52s raw %8d B  gzip %7d B\n' "${f#$DIST/}" "$r" "$g"
  done
  if [[ -z "$kb" ]]; then
    printf '  %-54s raw %8d B  gzip %7d B  (%.1f KB; no budget: not part of the first download)\n' "$name" "$raw" "$gz" "$(awk -v g="$gz" 'BEGIN{print g/1024}')"
    return 0
  fi
  local verdict=within
  ((gz <= kb * 1024)) || verdict=OVER
  printf '  %-54s raw %8d B  gzip %7d B  (%.1f KB of %d KB: %s)\n' "$name" "$raw" "$gz" "$(awk -v g="$gz" 'BEGIN{print g/1024}')" "$kb" "$verdict"
  if [[ $verdict == OVER && " $ENFORCED " == *" $name "* ]]; then
    echo "  budget $name is enforced (DRVLAB_ENFORCED_BUDGETS) and over: failing"
    return 1
  fi
}
budget_rc=0
budget page 250 "$DIST/$page_wasm" "$DIST/$page_js" || budget_rc=1
shopt -s nullglob
embed_files=("$DIST"/embed/*.wasm "$DIST"/embed/*.js)
if ((${#embed_files[@]})); then budget embed 120 "${embed_files[@]}" || budget_rc=1; else echo "  embed: no $DIST/embed/ bundle"; budget_rc=1; fi
ex_files=("$DIST"/exercises/*.wasm "$DIST"/exercises/*.js)
if ((${#ex_files[@]})); then budget exercises 250 "${ex_files[@]}" || budget_rc=1; else echo "  exercises: no $DIST/exercises/ bundle"; budget_rc=1; fi
others=()
for f in $(find "$DIST" -name '*.wasm' -o -name '*.js' | sort); do
  [[ "$f" == "$DIST/$page_wasm" || "$f" == "$DIST/$page_js" || "$f" == "$DIST"/embed/* || "$f" == "$DIST"/exercises/* ]] || others+=("$f")
done
if ((${#others[@]})); then budget worker "" "${others[@]}"; else echo "  worker: none in $DIST/"; fi
shopt -u nullglob
((budget_rc == 0)) || exit 1
