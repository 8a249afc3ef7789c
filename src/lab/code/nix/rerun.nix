# The blog's rerun-on-change trick, its four steps as written: unfix the fetcher, take its
# output path without context, cut out the hash, put it in the name. Change the url and watch
# src's name follow its recipe.
with (import ./prelude.nix);
let
  rerunOnChange = fixedOutputDerivation:
    let
      unfixedDerivation =
        fixedOutputDerivation.overrideAttrs(attrs: {
            outputHash = null;
            outputHashAlgo = null;
            outputHashMode = null;
        });
      outputPath = builtins.unsafeDiscardStringContext unfixedDerivation.outPath;
      inputsHash = builtins.substring 11 32 outputPath;
    in
    fixedOutputDerivation.overrideAttrs (attrs: { name = "${inputsHash}_${attrs.name}"; });
in
rec {
  src = rerunOnChange (stdenv.mkDerivation {
    name = "source";
    url = "https://example.org/v1.tar.gz";
    buildCommand = ''curl -L "$url" -o "$out"'';
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73";
  });
  pkg = stdenv.mkDerivation {
    name = "pkg";
    buildCommand = "tar xf ${src}";
  };
}
