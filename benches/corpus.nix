# A nixpkgs-shaped closure for `cargo bench --bench cli` (real Nix instantiates it; the bench
# reads `nix show-derivation -r` of the result): fetchurl-like fixed-output sources, a bootstrap
# chain of shells, a stdenv-like setup everything builds with, and `n` packages with stdenv-sized
# environments, each using a few earlier packages (some through their `dev` output) — the shape
# of every real closure: chained, with shared dependencies.
#
#   nix-instantiate benches/corpus.nix --arg n 800
{ n ? 800 }:
let
  sys = "x86_64-linux";
  fetchurl = { name, url, sha256 }: derivation {
    inherit name url; system = sys; builder = "/bin/sh";
    args = [ "-c" "curl -L $url -o $out" ];
    outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = sha256;
    preferLocalBuild = true; impureEnvVars = "http_proxy https_proxy ftp_proxy all_proxy no_proxy";
  };
  src = n: fetchurl { name = "${n}.tar.gz"; url = "https://ftp.example.org/pub/${n}.tar.gz"; sha256 = builtins.hashString "sha256" n; };
  boot0 = derivation { name = "bootstrap-tools"; system = sys; builder = "/bin/sh"; args = [ "-c" "unpack" ]; src = src "bootstrap-tools"; };
  stage = i: prev: derivation {
    name = "bootstrap-stage${toString i}-bash"; system = sys; builder = "${prev}/bin/bash";
    args = [ "-c" "build stage ${toString i}" ]; src = src "bash-stage${toString i}"; tools = boot0;
  };
  boot = builtins.foldl' (prev: i: stage i prev) boot0 [ 1 2 3 4 5 ];
  bash = derivation { name = "bash-5.2-p15"; system = sys; builder = "${boot}/bin/bash"; args = [ "-c" "build bash" ]; src = src "bash-5.2"; outputs = [ "out" "dev" "man" ]; };
  coreutils = derivation { name = "coreutils-9.1"; system = sys; builder = "${bash}/bin/bash"; args = [ "-c" "build coreutils" ]; src = src "coreutils-9.1"; outputs = [ "out" "info" ]; };
  setup = builtins.toFile "setup.sh" "export PATH=$initialPath\ngenericBuild() { unpackPhase; configurePhase; buildPhase; installPhase; }\n";
  stdenv = derivation { name = "stdenv-linux"; system = sys; builder = "${bash}/bin/bash"; args = [ "-e" setup ]; inherit setup; initialPath = "${coreutils}/bin ${bash}/bin"; shell = "${bash}/bin/bash"; preHook = ""; defaultNativeBuildInputs = "${coreutils}"; };
  builder = builtins.toFile "default-builder.sh" "source $stdenv/setup\ngenericBuild\n";
  mk = { pname, version, deps, i }: derivation {
    name = "${pname}-${version}"; inherit pname version; system = sys;
    builder = "${bash}/bin/bash"; args = [ "-e" builder ];
    inherit stdenv; src = src "${pname}-${version}";
    outputs = if i - (i / 3) * 3 == 0 then [ "out" "dev" "lib" ] else [ "out" "dev" ];
    buildInputs = builtins.concatStringsSep " " (map (d: "${d.dev}") deps);
    nativeBuildInputs = "${coreutils}";
    propagatedBuildInputs = if deps == [ ] then "" else "${(builtins.head deps).out}";
    depsBuildBuild = ""; depsBuildTarget = ""; depsHostHost = ""; depsTargetTarget = "";
    configureFlags = "--prefix=${placeholder "out"} --enable-shared --disable-static --with-level=${toString (i - (i / 9) * 9)}";
    cmakeFlags = ""; mesonFlags = ""; doCheck = "1"; doInstallCheck = ""; strictDeps = "1";
    enableParallelBuilding = "1"; patches = ""; dontAddDisableDepTrack = "1";
    NIX_CFLAGS_COMPILE = "-O2 -pipe -fstack-protector-strong";
  };
  # Package i uses up to four earlier packages, picked by a fixed hash of i.
  pick = i: k: let h = (i * 7919 + k * 104729 + 13) * 31; in h - (h / i) * i;
  deps = i: if i == 0 then [ ] else
    builtins.genList (k: builtins.elemAt pkgs (pick i k)) (1 + i - (i / 4) * 4);
  pkgs = builtins.genList (i: mk { pname = "p${toString i}"; version = "1.${toString (i - (i / 7) * 7)}"; deps = deps i; inherit i; }) n;
in pkgs
