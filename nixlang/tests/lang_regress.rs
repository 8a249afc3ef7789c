//! Programs written for the places where drvlab once differed from Nix 2.8 on Nix's own language
//! tests (`rec { __overrides }`, JSON output, deep recursion, bison's `, expecting …` lists and
//! positions, duplicate attributes, interpolation and regular-expression errors, …). Each case in
//! `tests/lang/regress.txt` holds a program and what `nix-instantiate --eval --strict` (and
//! `--json`) printed for it with Nix 2.8.0: the value byte for byte, or the error's first line
//! and its `at` line. Where `nix-instantiate` is installed, it is run too and must still agree
//! with the recorded text.
#![cfg(not(target_arch = "wasm32"))]

use drvlab_nixlang::cli::{eval, Request};
use std::path::Path;
use std::process::Command;

struct Case {
    name: String,
    program: String,
    eval: String,
    json: String,
}

fn cases() -> Vec<Case> {
    let text = include_str!("lang/regress.txt");
    let mut out = Vec::new();
    for block in text.split("=== ").filter(|b| !b.is_empty()) {
        let (name, rest) = block.split_once('\n').expect("name line");
        let (program, rest) = rest.split_once("--- eval\n").expect("--- eval");
        let (eval, json) = rest.split_once("--- json\n").expect("--- json");
        let dec = |s: &str| serde_json::from_str::<String>(s.trim_end()).expect("a JSON string");
        out.push(Case { name: name.to_string(), program: program.to_string(), eval: dec(eval), json: dec(json) });
    }
    out
}

/// An error as the recorded text holds it: the `error:` line and the `at` line, with the
/// file's path as `FILE` and its directory as `DIR`.
fn normal(out: Result<String, String>, file: &Path) -> String {
    let dir = file.parent().expect("dir").to_string_lossy().into_owned();
    let file = file.to_string_lossy().into_owned();
    match out {
        Ok(s) => s,
        Err(e) => {
            let lines: Vec<&str> = e.lines().filter(|l| !l.starts_with("warning:")).collect();
            let first = lines.iter().find(|l| l.starts_with("error:")).copied().unwrap_or("error: (none)");
            let at = lines.iter().map(|l| l.trim()).find(|l| l.starts_with("at "));
            let s = match at {
                Some(at) => format!("{first}\n{at}"),
                None => first.to_string(),
            };
            s.replace(&file, "FILE").replace(&dir, "DIR")
        }
    }
}

fn nix(file: &Path, json: bool) -> Option<Result<String, String>> {
    let mut c = Command::new("nix-instantiate");
    c.args(["--eval", "--strict"]);
    if json {
        c.arg("--json");
    }
    let o = c.arg(file).env("NIX_CONFIG", "build-users-group =").output().ok()?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Some(if o.status.success() { Ok(text(&o.stdout)) } else { Err(text(&o.stderr)) })
}

#[test]
fn language_regressions_match_nix_2_8() {
    let dir = std::env::temp_dir().join(format!("drvlab-lang-regress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let have_nix = Command::new("nix-instantiate").arg("--version").output().is_ok_and(|o| o.status.success());
    if !have_nix {
        eprintln!("nix-instantiate is not installed: comparing with the recorded output only");
    }
    let mut bad = Vec::new();
    let all = cases();
    assert!(all.len() >= 40, "{} cases", all.len());
    for c in &all {
        // Unoptimised frames are several times larger: 100,000 nested calls need more stack
        // than a debug build's evaluator thread gives (`tail-call-5000` runs everywhere).
        if c.name.starts_with("deep-") && cfg!(debug_assertions) {
            eprintln!("{}: skipped in a debug build (run with --release)", c.name);
            continue;
        }
        let file = dir.join(format!("{}.nix", c.name));
        std::fs::write(&file, &c.program).expect("write case");
        for (json, want) in [(false, &c.eval), (true, &c.json)] {
            let req =
                Request { file: Some(file.to_string_lossy().into_owned()), strict: true, json, ..Request::default() };
            let mine = normal(eval(req), &file);
            if &mine != want {
                bad.push(format!("{} (json {json}):\n   drvlab:   {mine:?}\n   recorded: {want:?}", c.name));
            }
            if have_nix {
                let theirs = normal(nix(&file, json).expect("nix-instantiate runs"), &file);
                if &theirs != want {
                    bad.push(format!("{} (json {json}): nix now prints {theirs:?}, recorded {want:?}", c.name));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(bad.is_empty(), "{} differences:\n{}", bad.len(), bad.join("\n"));
}
