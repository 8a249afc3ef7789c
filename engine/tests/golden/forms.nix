# New forms of issue 10, instantiated by real Nix 2.8 with
# --extra-experimental-features 'ca-derivations impure-derivations'.
let
  sys = "x86_64-linux";
  bash = derivation { name = "bash-5.2"; builder = "/bin/sh"; system = sys; args = [ "-c" "echo > $out" ]; };
  sa = derivation {
    __structuredAttrs = true; name = "structured"; builder = "${bash}/bin/bash"; system = sys;
    outputs = [ "out" "dev" ]; args = [ "-c" "${bash}/bin/bash" ];
    ints = [ 0 1 (-3) 4294967296 ]; floats = [ 2.5 0.1 1.0e20 1.5e-7 123456789.0 (-1.5) 1.0 ];
    bools = [ true false ]; nothing = null; str = "ünï\n\"\\☃\ttab";
    nested = { z = 1; a = { b = [ ]; c = { }; }; "with space" = "x"; };
    dep = bash; interp = "${bash}/lib"; p = ./forms.nix;
  };
  saUser = derivation { name = "uses-structured"; builder = "${bash}/bin/bash"; system = sys; args = [ "${sa.dev}" "${sa}" ]; };
  imp = derivation { __impure = true; name = "impure"; builder = "${bash}/bin/bash"; system = sys; args = [ "-c" "date > $out" ]; };
  impUser = derivation { name = "uses-impure"; builder = "${bash}/bin/bash"; system = sys; args = [ "${imp}" ]; };
  impUser2 = derivation { name = "uses-uses-impure"; builder = "/bin/sh"; system = sys; args = [ "${impUser}" ]; };
  saImp = derivation { __structuredAttrs = true; __impure = true; name = "structured-impure"; builder = "/bin/sh"; system = sys; x = 1; };
  ca = derivation {
    __contentAddressed = true; outputHashMode = "recursive"; outputHashAlgo = "sha256";
    name = "ca-odd"; builder = "/bin/sh"; system = sys; outputs = [ "out/" "foo$" "out" ];
  };
  caUser = derivation { name = "uses-ca-odd"; builder = "/bin/sh"; system = sys; args = [ "${ca.out}" ]; x = ca."foo$"; };
  hidden = derivation { name = ".hidden"; builder = "/bin/sh"; system = sys; outputs = [ "out" "dev" ]; };
  dotdot = derivation { name = "..a"; builder = "/bin/sh"; system = sys; args = [ "${hidden.dev}" ]; };
  dot = derivation { name = "."; builder = "/bin/sh"; system = sys; };
  sri = derivation { name = "sri-bits"; builder = "/bin/sh"; system = sys; outputHashMode = "flat";
    outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="; };
  envName = derivation { name = "env-name"; builder = "${bash}/bin/bash"; system = sys;
    ${builtins.unsafeDiscardStringContext "${bash}"} = "name is a path"; "x${builtins.unsafeDiscardStringContext "${sri}"}" = "${sri}"; };
in [ sa saUser imp impUser impUser2 saImp ca caUser hidden dotdot dot sri envName ]
