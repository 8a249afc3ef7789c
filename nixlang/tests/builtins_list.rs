//! The `builtins` set against real Nix 2.8's: every name Nix has, drvlab has (and no other),
//! bound in the global scope exactly where Nix binds it (`map`, `__map`, …). A few are
//! refused — they need the network, a clock or a store drvlab does not have — each with a
//! message saying so; they are listed in [`REFUSED`]. Skips (and says why) without
//! `nix-instantiate`.
#![cfg(not(target_arch = "wasm32"))]

use drvlab_nixlang::{eval_to_string, fs::MemFs, Evaluator, Options};
use std::collections::BTreeSet;
use std::process::Command;

/// Built-ins drvlab provides but refuses to run, and an expression that calls each.
const REFUSED: &[(&str, &str)] = &[
    ("fetchGit", "builtins.fetchGit { url = \"https://example.org/r.git\"; }"),
    ("fetchMercurial", "builtins.fetchMercurial { url = \"https://example.org/r\"; }"),
    ("fetchTree", "builtins.fetchTree { type = \"github\"; owner = \"o\"; repo = \"r\"; }"),
    // Without a sha256 the path depends on what the server sends.
    ("fetchurl", "builtins.fetchurl \"https://example.org/a.tar.gz\""),
    ("fetchTarball", "builtins.fetchTarball \"https://example.org/a.tar.gz\""),
    // The page has no clock (the CLI reads it).
    ("currentTime", "builtins.currentTime"),
];

fn nix(expr: &str) -> Option<String> {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", expr])
        .env("NIX_CONFIG", "build-users-group =")
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn names(json: &str) -> BTreeSet<String> {
    let v: Vec<String> = serde_json::from_str(json).expect("a JSON list of names");
    v.into_iter().collect()
}

#[test]
fn builtins_are_nixs() {
    let Some(theirs) = nix("builtins.attrNames builtins") else {
        eprintln!("builtins list test skipped: nix-instantiate is not installed");
        return;
    };
    let theirs = names(&theirs);
    let mut ev = Evaluator::new(Box::new(MemFs::new()), Options::default());
    let v = ev.eval_str("builtins.attrNames builtins", "/").expect("evaluates");
    let ours = names(&ev.print_json(&v).expect("prints"));
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(missing.is_empty(), "built-ins Nix 2.8 has and drvlab lacks: {missing:?}");
    assert!(extra.is_empty(), "built-ins drvlab has and Nix 2.8 lacks: {extra:?}");

    // Bound without the `__` prefix exactly where Nix binds them so.
    for n in &theirs {
        let bare = nix(&format!("builtins.seq {n} 1")).is_some();
        let mine = eval_to_string(&format!("builtins.seq {n} 1"));
        let mine_bare = !matches!(&mine, Err(e) if e.contains("undefined variable"));
        assert_eq!(mine_bare, bare, "is '{n}' a global name without '__'?");
        if !bare {
            let prefixed = eval_to_string(&format!("builtins.seq __{n} 1"));
            assert!(!matches!(&prefixed, Err(e) if e.contains("undefined variable")), "'__{n}' is bound: {prefixed:?}");
        }
    }
}

#[test]
fn refused_builtins_say_why() {
    for (name, expr) in REFUSED {
        let e = drvlab_nixlang::cli::on_big_stack(move || eval_to_string(expr)).expect_err(name);
        assert!(e.contains("drvlab"), "{name}: {e}");
        assert!(e.contains(name), "{name}: the message names the built-in: {e}");
    }
}
