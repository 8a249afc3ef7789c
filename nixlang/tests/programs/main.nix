let
  lib = import ./prelude.nix;
  inherit (lib) stdenv;
  src = lib.fetchurl { url = "https://example.org/hello-2.12.tar.gz"; sha256 = "1ayhp9v4m4rdhjmnl2bq3cibrbqqkgjbl3s7yk2nhlh8vj3ay16g"; };
  hello = stdenv.mkDerivation {
    pname = "hello"; version = "2.12"; name = "hello-2.12";
    inherit src;
    buildCommand = ''
      tar xf $src
      ${lib.optionalString true "echo configured"}
      make install PREFIX=$out
    '';
    outputs = [ "out" "man" ];
    passthru.tests = { };
  };
  rerunOnChange = drv: let
      hash = builtins.substring 11 32 (builtins.unsafeDiscardStringContext drv.outPath);
    in drv.overrideAttrs (old: { name = "${old.name}-${hash}"; outputHash = null; });
  garbage = lib.runCommandLocal "garbage" { nativeBuildInputs = [ hello ]; } "echo ${hello.man} > $out";
  app = stdenv.mkDerivation {
    name = "app";
    deps = lib.concatMapStrings (d: "${d} ") [ hello garbage src ];
    json = builtins.toJSON { inherit (hello) name; v = lib.foldr (a: b: a + b) 0 [ 1 2 3 ]; };
    listing = lib.mapAttrsToList (n: v: "${n}=${toString v}") { a = 1; b = [ 2 3 ]; };
    __structuredAttrs = false;
  };
  pulled = map (n: lib.fetchurl { url = "https://example.org/${n}"; sha256 = "1ayhp9v4m4rdhjmnl2bq3cibrbqqkgjbl3s7yk2nhlh8vj3ay16g"; name = "image"; }) [ "a" "b" ];
in {
  inherit hello garbage app src;

  rerun2 = rerunOnChange (garbage.overrideAttrs (o: { __ignoreNulls = true; outputHashAlgo = "sha256"; outputHash = "1ayhp9v4m4rdhjmnl2bq3cibrbqqkgjbl3s7yk2nhlh8vj3ay16g"; }));
  pulled0 = builtins.elemAt pulled 0;
  pulled1 = builtins.elemAt pulled 1;
  sameImage = (builtins.elemAt pulled 0).outPath == (builtins.elemAt pulled 1).outPath;
  fixed = (lib.fix (self: { a = 1; b = self.a + 1; })).b;
}
