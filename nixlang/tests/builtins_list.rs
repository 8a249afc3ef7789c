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

/// `builtins.fetchurl` / `fetchTarball` with a `sha256`: the path drvlab computes is the one
/// Nix 2.8 returns once the store holds the download (put there by `nix-store --add-fixed`).
#[test]
fn fetch_with_a_hash_is_nixs_path() {
    let sh = |cmd: &str| {
        let o = Command::new("sh").arg("-c").arg(cmd).env("NIX_CONFIG", "build-users-group =").output().ok()?;
        o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let dir = std::env::temp_dir().join(format!("drvlab-fetch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("source")).expect("dir");
    std::fs::write(dir.join("source/f"), "unpacked\n").expect("write");
    std::fs::write(dir.join("pkg-1.0.tar.gz"), "not really a tarball").expect("write");
    let d = dir.display();
    let (Some(_), Some(_), Some(flat), Some(nar)) = (
        sh(&format!("nix-store --add-fixed sha256 {d}/pkg-1.0.tar.gz")),
        sh(&format!("nix-store --add-fixed --recursive sha256 {d}/source")),
        sh(&format!("nix-hash --type sha256 --flat --base32 {d}/pkg-1.0.tar.gz")),
        sh(&format!("nix-hash --type sha256 --base32 {d}/source")),
    ) else {
        eprintln!("fetch test skipped: nix-store is not usable here");
        return;
    };
    let expr = format!(
        "[ (builtins.fetchurl {{ url = \"https://example.org/dl/pkg-1.0.tar.gz\"; sha256 = \"{flat}\"; }}) \
         (builtins.fetchTarball {{ url = \"https://example.org/x.tar.gz\"; sha256 = \"{nar}\"; }}) \
         (builtins.fetchTarball {{ url = \"https://example.org/x.tar.gz\"; name = \"source\"; sha256 = \"{nar}\"; }}) ]"
    );
    let theirs = nix(&expr).expect("nix evaluates with the downloads in its store");
    let mut ev = Evaluator::new(Box::new(MemFs::new()), Options::default());
    let v = ev.eval_str(&expr, "/").expect("drvlab evaluates");
    ev.deep_force(&v, Default::default()).expect("forces");
    assert_eq!(ev.print_json(&v).expect("prints"), theirs);
    let _ = std::fs::remove_dir_all(&dir);
}
