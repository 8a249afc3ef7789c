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

/// `--arg` / `--argstr` (`autoCallFunction`): given to the function at the top and along `-A`,
/// only the formals it names unless it has `...`; `--eval` calls the top only when there are
/// arguments; a formal with no value and no default fails where it is written, as Nix words
/// it; a set with `__functor` is called. Expected values are nix-instantiate 2.8's.
#[test]
fn arg_and_argstr_call_the_function_at_the_top() {
    use drvlab_nixlang::AutoArg::{Expr, Str};
    let dir = std::env::temp_dir().join(format!("drvlab-nixlang-autoargs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("f.nix");
    std::fs::write(
        &file,
        "{ x, y ? 2 }: { sum = x + y; f = { z }: { w = z; }; g = { __functor = s: { q ? 3 }: q; }; }\n",
    )
    .unwrap();
    let r = |attr: &str, args: Vec<(&str, drvlab_nixlang::AutoArg)>| Request {
        file: Some(file.to_string_lossy().into_owned()),
        attr: Some(attr.to_string()),
        strict: true,
        args: args.into_iter().map(|(n, a)| (n.to_string(), a)).collect(),
        ..Request::default()
    };
    type Args = Vec<(&'static str, drvlab_nixlang::AutoArg)>;
    let cases: Vec<(&str, Args, Result<&str, &str>)> = vec![
        ("sum", vec![("x", Expr("1 + 1".into()))], Ok("4\n")),
        ("sum", vec![("x", Expr("1".into())), ("y", Expr("10".into()))], Ok("11\n")),
        ("f.w", vec![("x", Expr("1".into())), ("z", Str("s".into()))], Ok("\"s\"\n")),
        // Unused arguments are never evaluated.
        ("g", vec![("x", Expr("1".into())), ("q", Expr("throw \"no\"".into()))], Err("error: no")),
        ("g", vec![("x", Expr("1".into())), ("r", Expr("throw \"no\"".into()))], Ok("3\n")),
        ("sum", vec![], Err("error: cannot evaluate a function that has an argument without a value ('x')")),
        ("sum", vec![("x", Expr("1 +".into()))], Err("error: syntax error, unexpected end of file")),
    ];
    for (attr, args, want) in cases {
        let flags: Vec<String> = args
            .iter()
            .flat_map(|(n, a)| match a {
                Expr(e) => ["--arg".to_string(), n.to_string(), e.clone()],
                Str(s) => ["--argstr".to_string(), n.to_string(), s.clone()],
            })
            .collect();
        let got = eval(r(attr, args));
        match want {
            Ok(v) => assert_eq!(got.as_deref(), Ok(v), "-A {attr} {flags:?}"),
            Err(first) => {
                let e = got.expect_err(attr);
                assert_eq!(e.lines().next(), Some(first), "-A {attr} {flags:?}: {e}");
            }
        }
        let live = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "-A", attr])
            .args(&flags)
            .arg(&file)
            .env("NIX_CONFIG", "build-users-group =")
            .output();
        if let Ok(out) = live {
            let theirs = if out.status.success() {
                Ok(String::from_utf8_lossy(&out.stdout).into_owned())
            } else {
                let err = String::from_utf8_lossy(&out.stderr).into_owned();
                Err(err.lines().find(|l| l.starts_with("error:")).unwrap_or_default().to_string())
            };
            match (&theirs, want) {
                (Ok(t), Ok(v)) => assert_eq!(t, v, "nix-instantiate -A {attr} {flags:?}"),
                (Err(t), Err(first)) => assert_eq!(t, first, "nix-instantiate -A {attr} {flags:?}"),
                _ => panic!("nix-instantiate -A {attr} {flags:?} gave {theirs:?}, recorded {want:?}"),
            }
        }
    }
    // The missing formal's message points at the formal.
    let e = eval(r("sum", vec![])).unwrap_err();
    assert!(e.contains(&format!("at {}:1:3:", file.display())), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
