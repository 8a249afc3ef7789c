# A source fetched with Nix's own fetchurl (<nix/fetchurl.nix>, the builtin:fetchurl
# fixed-output derivation), and a build that uses it.
let
  fetchurl = import <nix/fetchurl.nix>;
  inherit (import ./prelude.nix) stdenv;
in
rec {
  src = fetchurl {
    url = "https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz";
    sha256 = "086vqwk2wl8zfs47sq2xpjc9k066ilmb8z6dn0q6ymwjzlm196cd";
  };
  hello = stdenv.mkDerivation {
    pname = "hello";
    version = "2.12.1";
    name = "hello-2.12.1";
    inherit src;
    buildCommand = ''
      tar xf $src
      cd hello-2.12.1 && ./configure --prefix=$out && make install
    '';
  };
}
