//! Whole programs of the kind people paste (a small nixpkgs-like prelude in plain Nix:
//! `mkDerivation`, `overrideAttrs`, `runCommandLocal`, `fetchurl` through `<nix/fetchurl.nix>`,
//! the blog's `rerunOnChange`), compared with what nix-instantiate 2.8 printed for them
//! (`tests/programs/*.drvs`, `*.strict`, recorded with Nix 2.8.0).
#![cfg(not(target_arch = "wasm32"))]

use drvlab_nixlang::cli::{eval, instantiate, Request};

fn file(name: &str) -> String {
    format!("{}/tests/programs/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn prelude_program_matches_nix() {
    let req = Request { file: Some(file("main.nix")), ..Request::default() };
    let drvs = std::fs::read_to_string(file("main.drvs")).unwrap();
    assert_eq!(instantiate(req.clone()).unwrap(), drvs);
    let strict = std::fs::read_to_string(file("main.strict")).unwrap();
    assert_eq!(eval(Request { strict: true, ..req }).unwrap(), strict);
}
