# drvlab's prelude: a STAND-IN for a small part of nixpkgs, in plain Nix, so that code written
# against nixpkgs runs here. Real nixpkgs gives other paths: its stdenv has a real shell, a
# compiler, setup hooks and dozens of inputs; this one is a single `derivation` call.
rec {
  system = "x86_64-linux";

  lib = rec {
    optionalString = cond: s: if cond then s else "";
    concatMapStrings = f: list: builtins.concatStringsSep "" (map f list);
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (builtins.attrNames attrs);
    fix = f: let x = f x; in x;
  };

  stdenv = {
    inherit system;
    # As nixpkgs' mkDerivation: null attributes are left out (__ignoreNulls), `passthru` is
    # not passed to the builder, and `overrideAttrs` re-runs it with changed attributes.
    # Its `name` defaults to "${pname}-${version}" (or `pname`), as nixpkgs' does.
    mkDerivation = attrs0:
      let
        attrs = (if attrs0 ? pname && !(attrs0 ? name)
          then { name = if attrs0 ? version then "${attrs0.pname}-${attrs0.version}" else attrs0.pname; }
          else { }) // attrs0;
        drv = derivation ({
          inherit system;
          builder = "/bin/sh";
          args = [ "-c" (attrs.buildCommand or "echo 'no buildCommand' > $out") ];
          __ignoreNulls = true;
        } // builtins.removeAttrs attrs [ "buildCommand" "passthru" ]);
      in
      drv // (attrs.passthru or { }) // {
        overrideAttrs = f: stdenv.mkDerivation (attrs0 // (if builtins.isFunction f then f attrs else f));
      };
  };

  runCommandLocal = name: env: buildCommand:
    stdenv.mkDerivation ({ inherit name buildCommand; preferLocalBuild = true; allowSubstitutes = false; } // env);

  # Nix's own fetcher (builtin:fetchurl), exactly as Nix ships it.
  fetchurl = import <nix/fetchurl.nix>;

  # Stand-ins for packages the seeds' examples mention.
  skopeo = stdenv.mkDerivation { name = "skopeo-1.9.0"; buildCommand = "echo stand-in > $out"; };
  curl = stdenv.mkDerivation { name = "curl-7.86.0"; buildCommand = "echo stand-in > $out"; };
}
