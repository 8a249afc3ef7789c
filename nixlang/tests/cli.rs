//! `drvlab eval` / `drvlab instantiate` over real files: paths relative to the file, `import`,
//! `<name>` through `-I`, `-A`, and `drv!out` for another output. Values checked against
//! nix-instantiate 2.8 when it is installed.
#![cfg(not(target_arch = "wasm32"))]

use drvlab_nixlang::cli::{eval, instantiate, Request};
use std::process::Command;

fn tree() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("drvlab-nixlang-cli-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::create_dir_all(dir.join("search/pkgs")).unwrap();
    std::fs::write(dir.join("lib/default.nix"), "{ inc = x: x + 1; }\n").unwrap();
    std::fs::write(dir.join("search/pkgs/default.nix"), "{ name = \"from-search-path\"; }\n").unwrap();
    std::fs::write(dir.join("src.txt"), "hello\n").unwrap();
    std::fs::write(
        dir.join("default.nix"),
        r#"{ n ? 2 }:
let
  lib = import ./lib;
  pkgs = import <pkgs>;
  base = derivation { name = "base"; builder = "/bin/sh"; system = "x86_64-linux"; outputs = [ "out" "dev" ]; src = ./src.txt; };
in {
  value = lib.inc n;
  name = pkgs.name;
  file = builtins.readFile ./src.txt;
  inherit base;
  app = derivation { name = "app"; builder = "/bin/sh"; system = "x86_64-linux"; dev = base.dev; drv = base.drvPath; };
  fetched = import <nix/fetchurl.nix> { url = "https://example.org/x"; sha256 = "0000000000000000000000000000000000000000000000000000"; };
}
"#,
    )
    .unwrap();
    dir
}

fn req(dir: &std::path::Path, attr: &str) -> Request {
    Request {
        file: Some(dir.join("default.nix").to_string_lossy().into_owned()),
        attr: Some(attr.to_string()),
        include: vec![format!("pkgs={}", dir.join("search/pkgs").display())],
        strict: true,
        ..Request::default()
    }
}

fn nix(dir: &std::path::Path, args: &[&str]) -> Option<String> {
    let out = Command::new("nix-instantiate")
        .args(args)
        .arg(dir.join("default.nix"))
        .arg("-I")
        .arg(format!("pkgs={}", dir.join("search/pkgs").display()))
        .env("NIX_CONFIG", "build-users-group =")
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn eval_and_instantiate_files() {
    let dir = tree();
    assert_eq!(eval(req(&dir, "value")).unwrap(), "3\n");
    assert_eq!(eval(req(&dir, "name")).unwrap(), "\"from-search-path\"\n");
    assert_eq!(eval(req(&dir, "file")).unwrap(), "\"hello\\n\"\n");
    let dev = instantiate(req(&dir, "base.dev")).unwrap();
    assert!(dev.trim_end().ends_with("-base.drv!dev"), "{dev}");
    let mut json = req(&dir, "value");
    json.json = true;
    assert_eq!(eval(json).unwrap(), "3");
    for attr in ["value", "name", "base.outPath", "app.drvPath", "fetched.outPath"] {
        let Some(theirs) = nix(&dir, &["--eval", "--strict", "--read-write-mode", "-A", attr]) else {
            eprintln!("nix-instantiate not available: {attr} checked against drvlab only");
            continue;
        };
        assert_eq!(eval(req(&dir, attr)).unwrap(), theirs, "-A {attr}");
    }
    for attr in ["base.dev", "app", "fetched"] {
        if let Some(theirs) = nix(&dir, &["-A", attr]) {
            assert_eq!(instantiate(req(&dir, attr)).unwrap(), theirs, "instantiate -A {attr}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
