#!/usr/bin/env bash
# drvlab — idempotent machine setup (Debian 12, root; only crates.io / PyPI / Debian apt / npm reachable).
#
#   scripts/setup.sh            install whatever is missing; silent when nothing is (one summary line)
#
# Installs only what is missing (checked by version, never rebuilt when present):
#   apt    chromium chromium-driver nix-bin (+ nodejs npm if absent)
#   Rust   wasm32-unknown-unknown std, by one of two routes (recorded in .drvlab-env):
#            rustup  `rustup target add wasm32-unknown-unknown` (timeout 120 s)
#            debian  when that fails or DRVLAB_FORCE_DEBIAN_RUST=1: apt rustc-web 1.96 (+ cargo-web
#                    rust-web-src rust-web-llvm lld-22 rustfmt-web rust-web-clippy), the wasm32 std
#                    built ONCE from rust-web-src into a sysroot, `rustup toolchain link` to /usr
#   std    the page's wasm32 std, built once from the toolchain's std source (rustup: `rustup
#          component add rust-src`; debian: rust-web-src) with opt-level z, panic=immediate-abort,
#          -Zlocation-detail=none, into ~/.cache/drvlab/wasm32-web-sysroot (scripts/rustc-web.sh)
#   npm    binaryen@132 (wasm-opt) globally into /usr/local; `npm ci` (playwright-core) in the repo
#   cargo  wasm-bindgen-cli == wasm-bindgen in Cargo.lock; trunk 0.21.14 (--debug build)
#
# Writes .drvlab-env (git-ignored; DRVLAB_ENV_FILE overrides the path) which serve.sh/test.sh source:
# PATH, RUSTUP_TOOLCHAIN (debian route), wasm32 rustflags, test runner, chromedriver, ...
#
# Knobs: DRVLAB_FORCE_DEBIAN_RUST=1, DRVLAB_FORCE="wasm-bindgen trunk sysroot web-std npm" (redo those),
#        DRVLAB_VERBOSE=1 (print the "already there" lines), WASM_SYSROOT, TRUNK_VERSION.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ENV_FILE="${DRVLAB_ENV_FILE:-$ROOT/.drvlab-env}"
TRUNK_VERSION="${TRUNK_VERSION:-0.21.14}"
BINARYEN_VERSION="${BINARYEN_VERSION:-132}"
WASM_SYSROOT="${WASM_SYSROOT:-$HOME/.cache/drvlab/wasm32-sysroot}"
WASM_STD_OPT_LEVEL="${WASM_STD_OPT_LEVEL:-z}"
DEBIAN_TOOLCHAIN_NAME="${DEBIAN_TOOLCHAIN_NAME:-drvlab-debian}"
FORCE_DEBIAN="${DRVLAB_FORCE_DEBIAN_RUST:-0}"
FORCE="${DRVLAB_FORCE:-}"
VERBOSE="${DRVLAB_VERBOSE:-0}"
forced() { [[ " $FORCE " == *" $1 "* ]]; }

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="/usr/local/bin:$CARGO_HOME/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

T0=$(date +%s)
say() { printf 'setup: %s\n' "$*"; }                      # something is being done
have() { [[ "$VERBOSE" == 1 ]] && printf 'setup: ok %s\n' "$*"; return 0; }   # already there
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }
step() { # step NAME cmd... : run, and report the time only when it did work (the step says so via DID)
  local s; s=$(date +%s); DID=0; "$@"
  if [[ "$DID" == 1 ]]; then say "step $1 took $(( $(date +%s) - s ))s"; fi
}

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
APT_UPDATED=0
apt_install() { # apt_install pkg... : install those not installed; apt-get update only if needed
  local missing=() p
  for p in "$@"; do deb_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  DID=1
  say "apt-get install ${missing[*]}"
  if [[ "$APT_UPDATED" == 0 ]]; then apt-get update -qq; APT_UPDATED=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2> >(grep -v "^debconf: " >&2)
}

# ------------------------------------------------------------------ apt (always needed)
apt_step() {
  local pkgs=(chromium chromium-driver nix-bin)
  command -v node >/dev/null || pkgs+=(nodejs)
  command -v npm >/dev/null || pkgs+=(npm)
  command -v curl >/dev/null || pkgs+=(curl)
  command -v python3 >/dev/null || pkgs+=(python3)
  apt_install "${pkgs[@]}"
  [[ "$DID" == 1 ]] || have "apt: ${pkgs[*]}"
  # Nix as root without a daemon: nix-instantiate writes .drv files straight into /nix/store.
  mkdir -p /nix/store /nix/var/nix
  local sd
  sd=$(NIX_CONFIG="build-users-group =" nix-instantiate --eval -E 'builtins.storeDir' 2>&1) ||
    die "nix-instantiate does not work: $sd"
  [[ "$sd" == '"/nix/store"' ]] || die "nix-instantiate storeDir is $sd, expected \"/nix/store\""
}

# ------------------------------------------------------------------ Rust route
ROUTE=""
rustup_route() { # 0 when rustup's active toolchain has (or gets) the wasm32 std
  command -v rustup >/dev/null || return 1
  [[ "$FORCE_DEBIAN" == 1 ]] && return 1
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    have "rustup target wasm32-unknown-unknown"; return 0
  fi
  DID=1
  say "rustup target add wasm32-unknown-unknown (timeout 120s)"
  if timeout 120 rustup target add wasm32-unknown-unknown; then return 0; fi
  say "rustup target add failed or timed out; falling back to Debian rustc-web + a self-built wasm32 std"
  return 1
}

debian_route() {
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22 rustfmt-web rust-web-clippy
  # rust-web-llvm's /usr/bin/rust-lld links to lld-22, which nothing pulls in: check the link resolves.
  [[ -x /usr/bin/rust-lld ]] || die "/usr/bin/rust-lld missing or dangling (lld-22 not installed?)"
  test -d /usr/lib/rustlib/src/rust/library/std || die "rust-web-src missing (/usr/lib/rustlib/src)"
  if command -v rustup >/dev/null; then
    if ! rustup toolchain list 2>/dev/null | grep -q "^$DEBIAN_TOOLCHAIN_NAME"; then
      DID=1; say "rustup toolchain link $DEBIAN_TOOLCHAIN_NAME /usr"
      rustup toolchain link "$DEBIAN_TOOLCHAIN_NAME" /usr
    fi
  fi
  sysroot_build
}

sysroot_build() { # the wasm32 std, built once from Debian's std source (-Zbuild-std), then reused
  local stamp="$WASM_SYSROOT/stamp.txt" want
  want="$(/usr/bin/rustc -vV) opt-level=${WASM_STD_OPT_LEVEL}"
  if ! forced sysroot && [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    have "wasm32 sysroot $WASM_SYSROOT"; return 0
  fi
  DID=1; say "building the wasm32-unknown-unknown std from /usr/lib/rustlib/src into $WASM_SYSROOT"
  local b; b=$(mktemp -d)
  mkdir -p "$b/src"
  cat >"$b/Cargo.toml" <<'EOF'
[package]
name = "wasm32-sysroot-dummy"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[workspace]
EOF
  echo '#![no_std]' >"$b/src/lib.rs"
  # -Cembed-bitcode=yes: the rlibs carry object code AND bitcode, so LTO (release) and non-LTO
  # (dev, tests) builds both link them. `test` is needed by `cargo test --target wasm32`.
  (cd "$b" && env -u RUSTUP_TOOLCHAIN RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTFLAGS="-Cembed-bitcode=yes" \
      CARGO_PROFILE_RELEASE_OPT_LEVEL="$WASM_STD_OPT_LEVEL" CARGO_TARGET_DIR="$b/target" \
      /usr/bin/cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort,test)
  local lib="$WASM_SYSROOT/lib/rustlib/wasm32-unknown-unknown/lib"
  rm -rf "$WASM_SYSROOT"; mkdir -p "$lib"
  cp "$b"/target/wasm32-unknown-unknown/release/deps/*.rlib "$lib/"
  rm -f "$lib"/libwasm32_sysroot_dummy-*.rlib
  # host libs/tools stay Debian's (proc-macros, build scripts, gcc-ld, rust-objcopy)
  ln -sfn /usr/lib/rustlib/x86_64-unknown-linux-gnu "$WASM_SYSROOT/lib/rustlib/x86_64-unknown-linux-gnu"
  printf '%s' "$want" >"$stamp"
  rm -rf "$b"
}

rust_step() {
  if rustup_route; then
    ROUTE=rustup
  else
    ROUTE=debian
    debian_route
    export RUSTUP_TOOLCHAIN="$DEBIAN_TOOLCHAIN_NAME"
    command -v rustup >/dev/null || export PATH="/usr/local/bin:/usr/bin:$PATH"
  fi
}

# ------------------------------------------------------------------ the page's size-built std
# The page's wasm (cargo profile `web`) is compiled by scripts/rustc-web.sh (.cargo/config.toml's
# rustc-wrapper) against a wasm32 std built here from the toolchain's own std source, with
# opt-level z, -Cpanic=immediate-abort and -Zlocation-detail=none (-Zbuild-std; RUSTC_BOOTSTRAP on
# stable). The source: rustup's rust-src component (rustup route), Debian's rust-web-src (debian).
WEB_SYSROOT="${DRVLAB_WEB_SYSROOT:-$HOME/.cache/drvlab/wasm32-web-sysroot}"
web_std_step() {
  local src want stamp="$WEB_SYSROOT/stamp.txt"
  src="$(rustc --print sysroot)/lib/rustlib/src/rust/library"
  if [[ ! -d "$src/std" && "$ROUTE" == rustup ]]; then
    DID=1; say "rustup component add rust-src (timeout 120s; the page's std is built from it)"
    timeout 120 rustup component add rust-src >/dev/null 2>&1 || true
  fi
  if [[ ! -d "$src/std" ]]; then
    say "WARNING: no std source at $src: the page builds with the stock std (larger; the budgets step says so)"
    return 0
  fi
  want="$(rustc -vV) opt-level=z panic=immediate-abort location-detail=none"
  # What the web profile built against another std (or none: before this std existed) is built
  # again; scripts/rustc-web.sh would otherwise refuse to mix the two.
  local web="${CARGO_TARGET_DIR:-$ROOT/target}/wasm32-unknown-unknown/web"
  if ! forced web-std && [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    have "the page's wasm32 std $WEB_SYSROOT"
    if [[ -d "$web" && "$(cat "$web/.drvlab-web-std" 2>/dev/null)" != "$want" ]]; then
      DID=1; say "clearing $web (built against another std)"; rm -rf "$web"
    fi
    return 0
  fi
  DID=1; say "building the page's wasm32 std (opt-level z, panic=immediate-abort) into $WEB_SYSROOT"
  local b; b=$(mktemp -d)
  mkdir -p "$b/src"
  printf '[package]\nname = "wasm32-web-std"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n[workspace]\n' >"$b/Cargo.toml"
  echo '#![no_std]' >"$b/src/lib.rs"
  # -Cembed-bitcode=yes: the page links with LTO. `test`: the wasm benchmark is built with the
  # page's profile (scripts/test.sh). RUSTFLAGS unset: the debian route's --sysroot must not apply.
  (cd "$b" && env -u CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS -u RUSTC_WRAPPER RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="-Cembed-bitcode=yes -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
      CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_PANIC=abort CARGO_TARGET_DIR="$b/target" \
      cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort,test) ||
    die "building the page's wasm32 std failed (see above)"
  local lib="$WEB_SYSROOT/lib/rustlib/wasm32-unknown-unknown/lib"
  rm -rf "$WEB_SYSROOT"; mkdir -p "$lib"
  cp "$b"/target/wasm32-unknown-unknown/release/deps/*.rlib "$lib/"
  rm -f "$lib"/libwasm32_web_std-*.rlib
  ln -sfn "$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu" "$WEB_SYSROOT/lib/rustlib/x86_64-unknown-linux-gnu"
  printf '%s' "$want" >"$stamp"
  rm -rf "$b"
  rm -rf "$web"
}

# ------------------------------------------------------------------ npm
npm_step() {
  if [[ "$(/usr/local/bin/wasm-opt --version 2>/dev/null)" == *"(version_${BINARYEN_VERSION})"* ]]; then
    have "wasm-opt $BINARYEN_VERSION"
  else
    DID=1; say "npm install -g binaryen@${BINARYEN_VERSION} (into /usr/local)"
    npm install -g --prefix /usr/local --no-audit --no-fund --loglevel=error "binaryen@${BINARYEN_VERSION}" >/dev/null
    [[ "$(/usr/local/bin/wasm-opt --version)" == *"(version_${BINARYEN_VERSION})"* ]] || die "wasm-opt is not version $BINARYEN_VERSION"
  fi
  # Debian's binaryen (108) cannot read wasm from rustc >= 1.82: /usr/local/bin must come first.
  [[ "$(command -v wasm-opt)" == /usr/local/bin/wasm-opt ]] || die "wasm-opt on PATH is $(command -v wasm-opt), not /usr/local/bin/wasm-opt"

  local want stamp=node_modules/.drvlab-lock.sha256
  want=$(sha256sum package-lock.json package.json | sha256sum | cut -c1-64)
  if ! forced npm && [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d node_modules/playwright-core ]]; then
    have "node_modules (npm ci)"
  else
    DID=1; say "npm ci (playwright-core; no browser download)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null
    echo "$want" >"$stamp"
  fi
}

# ------------------------------------------------------------------ wasm-bindgen-cli
lock_version() { # version of a package in Cargo.lock
  awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
wasm_bindgen_step() {
  [[ -f Cargo.lock ]] || { DID=1; say "cargo generate-lockfile"; cargo generate-lockfile -q; }
  WBG=$(lock_version wasm-bindgen)
  [[ -n "$WBG" ]] || die "no wasm-bindgen in Cargo.lock"
  grep -q "^wasm_bindgen = \"$WBG\"" Trunk.toml ||
    die "Trunk.toml [tools] wasm_bindgen must be \"$WBG\" (the wasm-bindgen version in Cargo.lock)"
  if ! forced wasm-bindgen && [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $WBG" &&
        "$(wasm-bindgen-test-runner --version 2>/dev/null)" == "wasm-bindgen-test-runner $WBG" ]]; then
    have "wasm-bindgen-cli $WBG"; return 0
  fi
  DID=1; say "cargo install --locked wasm-bindgen-cli $WBG"
  if ! cargo install -q --locked --force wasm-bindgen-cli --version "$WBG"; then
    # 0.2.130's shipped Cargo.lock pins webpki-roots 1.0.11, which the crates.io mirror here does not
    # carry ("failed to select a version for the requirement `webpki-roots = "^1.0.10"` (locked to
    # 1.0.11)"). Re-lock only that crate and install from the unpacked .crate.
    say "retrying wasm-bindgen-cli with webpki-roots re-locked to 1.0.10"
    local crate src
    crate=$(ls "$CARGO_HOME"/registry/cache/*/wasm-bindgen-cli-"$WBG".crate | head -1)
    src=$(mktemp -d)
    tar -C "$src" -xzf "$crate"
    (cd "$src/wasm-bindgen-cli-$WBG" && cargo update -q -p webpki-roots --precise 1.0.10 &&
      cargo install -q --locked --force --path .)
    rm -rf "$src"
  fi
  [[ "$(wasm-bindgen --version)" == "wasm-bindgen $WBG" ]] || die "wasm-bindgen is not $WBG after install"
}

# ------------------------------------------------------------------ trunk
trunk_step() {
  if ! forced trunk && [[ "$(trunk --version 2>/dev/null)" == "trunk ${TRUNK_VERSION}" ]]; then
    have "trunk $TRUNK_VERSION"; return 0
  fi
  # trunk 0.22.x declares rust-version 1.96.1, so with rustup's 1.95 it is 0.21.x. A --debug build
  # (~5 min on 2 cores from nothing, vs ~14 min release): trunk only orchestrates.
  DID=1; say "cargo install --locked --debug trunk $TRUNK_VERSION (rustls, no default features)"
  cargo install -q --locked --force --debug trunk --version "$TRUNK_VERSION" --no-default-features --features rustls
  [[ "$(trunk --version)" == "trunk ${TRUNK_VERSION}" ]] || die "trunk is not $TRUNK_VERSION after install"
}

# ------------------------------------------------------------------ .drvlab-env
write_env() {
  local tmp; tmp=$(mktemp)
  {
    echo "# Written by scripts/setup.sh — sourced by scripts/serve.sh and scripts/test.sh. Git-ignored."
    echo "# Rust route: $ROUTE ($( [[ $ROUTE == rustup ]] && echo "rustup toolchain + rustup's wasm32 std" || echo "Debian rustc-web 1.96 + wasm32 std built from rust-web-src"))"
    echo "export DRVLAB_RUST_ROUTE=$ROUTE"
    echo "export CARGO_HOME=\"$CARGO_HOME\""
    if [[ "$ROUTE" == debian ]] && ! command -v rustup >/dev/null; then
      echo "export PATH=\"/usr/local/bin:/usr/bin:$CARGO_HOME/bin:\$PATH\""
    else
      echo "export PATH=\"/usr/local/bin:$CARGO_HOME/bin:\$PATH\""
    fi
    if [[ "$ROUTE" == debian ]]; then
      command -v rustup >/dev/null && echo "export RUSTUP_TOOLCHAIN=$DEBIAN_TOOLCHAIN_NAME"
      echo "export DRVLAB_WASM_SYSROOT=\"$WASM_SYSROOT\""
      echo "export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS=\"--sysroot=$WASM_SYSROOT\""
      # cargo >= 1.89 also runs wasm32 doctests: rustdoc needs the sysroot too
      echo "export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTDOCFLAGS=\"--sysroot=$WASM_SYSROOT\""
    else
      echo "unset RUSTUP_TOOLCHAIN CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTDOCFLAGS"
    fi
    echo "export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner"
    echo "export CHROMEDRIVER=/usr/bin/chromedriver"
    echo "export CHROMIUM=/usr/bin/chromium"
    echo "export WASM_BINDGEN_TEST_TIMEOUT=\${WASM_BINDGEN_TEST_TIMEOUT:-180}"
    echo "export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1"
    echo "# Nix as root without a daemon or nixbld group: silence the build-users-group warning."
    echo "export NIX_CONFIG=\"build-users-group =\""
    echo "export DRVLAB_WASM_BINDGEN_VERSION=$WBG"
  } >"$tmp"
  if [[ -f "$ENV_FILE" ]] && cmp -s "$tmp" "$ENV_FILE"; then rm -f "$tmp"; else mv "$tmp" "$ENV_FILE"; fi
}

step apt_step
step rust_step
step web_std_step
step npm_step
step wasm_bindgen_step
step trunk_step
write_env
say "ready: route=$ROUTE, $(rustc --version | cut -d' ' -f1-2), trunk $TRUNK_VERSION, wasm-bindgen $WBG, wasm-opt $BINARYEN_VERSION ($(( $(date +%s) - T0 ))s)"
