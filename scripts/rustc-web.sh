#!/usr/bin/env bash
# drvlab — the rustc wrapper (.cargo/config.toml [build] rustc-wrapper). It passes every call
# through unchanged, except the crates of the page's wasm: target wasm32-unknown-unknown, cargo
# profile `web` (the one `trunk build --release` uses, index.html data-cargo-profile-release="web").
# Those it compiles against the size-built std that scripts/setup.sh makes from the toolchain's
# rust-src (std with opt-level z, -Cpanic=immediate-abort, -Zlocation-detail=none), with the same
# flags, so no panic machinery, no formatting of panic messages and no file:line strings reach the
# bundle (~34 KB gzip). Cargo profiles cannot carry rustflags or build-std on stable Rust, hence
# a wrapper; without that std (setup not run) the page builds as before, only larger.
#
# A panic then aborts at once (a wasm trap): index.html's loader shows the "drvlab hit a bug"
# notice with the link of the state for that case (ui/share.rs keeps the fragment current).
#
# Knob: DRVLAB_WEB_STD=0 turns it off (then remove target/wasm32-unknown-unknown/web first).
rustc=$1
shift
case " $* " in
  *"/wasm32-unknown-unknown/web/deps "*) ;;
  *) exec "$rustc" "$@" ;;
esac
sysroot="${DRVLAB_WEB_SYSROOT:-$HOME/.cache/drvlab/wasm32-web-sysroot}"
if [[ "${DRVLAB_WEB_STD:-1}" == 0 || ! -f "$sysroot/stamp.txt" ]]; then
  exec "$rustc" "$@"
fi
# The web profile's artifacts must all be built against this std (a crate built against the
# stock one does not link with it): scripts/setup.sh clears target/wasm32-unknown-unknown/web
# when it builds the std and leaves this stamp; a mismatch is a clear error, not a link error.
args=()
skip=0
outdir=""
for a in "$@"; do
  if [[ $skip == 1 ]]; then skip=0; continue; fi
  case "$a" in
    --sysroot) skip=1; continue ;;   # the debian route's wasm32 sysroot: replaced by ours
    --sysroot=*) continue ;;
  esac
  args+=("$a")
done
prev=""
for a in "$@"; do
  [[ "$prev" == --out-dir ]] && outdir=$a
  prev=$a
done
webdir=${outdir%/deps}
if [[ -n "$webdir" && "$(cat "$webdir/.drvlab-web-std" 2>/dev/null)" != "$(cat "$sysroot/stamp.txt")" ]]; then
  if compgen -G "$outdir/*.rlib" >/dev/null; then
    echo "drvlab: $webdir was built against another std; run scripts/setup.sh (or rm -rf $webdir) and build again" >&2
    exit 1
  fi
  cp "$sysroot/stamp.txt" "$webdir/.drvlab-web-std"
fi
extra=()
# A test harness built with the web profile (scripts/test.sh's wasm benchmark) aborts as well.
case " $* " in *" --test "*) extra+=(-Zpanic_abort_tests) ;; esac
RUSTC_BOOTSTRAP=1 exec "$rustc" "${args[@]}" --sysroot="$sysroot" \
  -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none "${extra[@]}"
