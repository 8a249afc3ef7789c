//! Differential test against real Nix 2.8: seeded random programs over the whole language,
//! their values compared with `nix-instantiate --eval --strict`, their `.drv` paths with
//! `nix-instantiate`, and failing programs compared on Nix's error message. Skips (and says why)
//! where `nix-instantiate` is missing.
//!
//! Knobs: `DRVLAB_DIFF_PROGRAMS` (default 800: 25–45 s on two shared cores), `DRVLAB_DIFF_SEED` (default 1),
//! `DRVLAB_DIFF_ASSERT_KIND` (see [`same_kind`]).
#![cfg(not(target_arch = "wasm32"))]

mod gen;

use drvlab_nixlang::cli::{self, Request};
use std::collections::BTreeMap;
use std::process::Command;

fn nix(args: &[&str], expr: &str) -> Result<String, String> {
    let out = Command::new("nix-instantiate")
        .args(args)
        .arg("-E")
        .arg(expr)
        .current_dir("/tmp")
        .env("NIX_CONFIG", "build-users-group =")
        .output()
        .map_err(|e| format!("spawn: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let err: String = err.lines().filter(|l| !l.starts_with("warning:")).collect::<Vec<_>>().join("\n");
        Err(first_line(err))
    }
}

fn nix_eval(expr: &str) -> Result<String, String> {
    nix(&["--eval", "--strict", "--read-write-mode"], expr)
}

fn nix_json(expr: &str) -> Result<String, String> {
    nix(&["--eval", "--strict", "--json", "--read-write-mode"], expr)
}

fn nix_lazy(expr: &str) -> Result<String, String> {
    nix(&["--eval", "--read-write-mode"], expr)
}

fn mine_json(expr: &str) -> Result<String, String> {
    cli::eval(Request { expr: Some(expr.to_string()), strict: true, json: true, ..Request::default() })
        .map(|s| s.trim_end().to_string())
        .map_err(first_line)
}

fn mine_lazy(expr: &str) -> Result<String, String> {
    cli::eval(Request { expr: Some(expr.to_string()), ..Request::default() })
        .map(|s| s.trim_end().to_string())
        .map_err(first_line)
}

fn nix_drvs(expr: &str) -> Result<String, String> {
    nix(&[], expr).map(|s| s.lines().filter(|l| !l.starts_with("warning:")).collect::<Vec<_>>().join("\n"))
}

/// An error's first line; for a syntax error, with its position (`at «string»:1:9:`).
fn first_line(e: String) -> String {
    let first = e.lines().find(|l| l.starts_with("error:")).unwrap_or("error: (no message)").to_string();
    if first.starts_with("error: syntax error") {
        if let Some(at) = e.lines().map(str::trim).find(|l| l.starts_with("at ")) {
            return format!("{first} {at}");
        }
    }
    first
}

fn mine_eval(expr: &str) -> Result<String, String> {
    cli::eval(Request { expr: Some(expr.to_string()), strict: true, ..Request::default() })
        .map(|s| s.trim_end().to_string())
        .map_err(first_line)
}

fn mine_drvs(expr: &str) -> Result<String, String> {
    cli::instantiate(Request { expr: Some(expr.to_string()), ..Request::default() })
        .map(|s| s.trim_end().to_string())
        .map_err(first_line)
}

/// Failures compare on Nix's whole message (first line), failed assertions included (drvlab
/// renders the condition as Nix's `Expr::show` does; `DRVLAB_DIFF_ASSERT_KIND=1` compares only
/// the kind there, since Nix orders a shown set's attributes by symbol address). Syntax errors
/// compare whole too: the unexpected token, bison's `, expecting …` list and the position.
fn same_kind(e: String) -> String {
    let e = e.trim_end().to_string();
    if e.starts_with("error: assertion '")
        && e.ends_with("' failed")
        && std::env::var("DRVLAB_DIFF_ASSERT_KIND").is_ok()
    {
        return "error: assertion '…' failed".into();
    }
    if e.starts_with("error: while parsing a TOML string: ") {
        // toml11's messages against the `toml` crate's: the failure must match, not the words.
        return "error: while parsing a TOML string: …".into();
    }
    e
}

fn nix_available() -> Option<String> {
    match Command::new("nix-instantiate").arg("--version").output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        _ => None,
    }
}

/// Compares a batch as one program; where the batch differs, each program on its own.
fn compare_batch(
    progs: &[String],
    mine: fn(&str) -> Result<String, String>,
    theirs: fn(&str) -> Result<String, String>,
    kind: &str,
) -> Vec<(String, String, String, String)> {
    let text = format!("[\n{}\n]", progs.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join("\n"));
    if mine(&text) == theirs(&text) {
        return Vec::new();
    }
    let mut bad = Vec::new();
    for p in progs {
        let (a, b) = (mine(p), theirs(p));
        if a != b {
            bad.push((kind.to_string(), p.clone(), format!("{a:?}"), format!("{b:?}")));
        }
    }
    bad
}

#[test]
fn differential_against_nix_2_8() {
    let Some(version) = nix_available() else {
        eprintln!("differential test skipped: nix-instantiate is not installed");
        return;
    };
    if !version.contains("2.8") {
        eprintln!("note: comparing against {version}; the evaluator follows Nix 2.8");
    }
    // Relative paths resolve against the working directory, for Nix and for drvlab alike.
    std::env::set_current_dir("/tmp").expect("cd /tmp");
    gen::make_tree();
    let n: usize = std::env::var("DRVLAB_DIFF_PROGRAMS").ok().and_then(|s| s.parse().ok()).unwrap_or(800);
    let seed: u64 = std::env::var("DRVLAB_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut g = gen::Gen::new(seed);

    // Programs expected to evaluate (by drvlab); those that fail go with the failures.
    let mut ok = Vec::new();
    let mut failing = Vec::new();
    let mut drvs = Vec::new();
    for i in 0..n {
        let p = g.program();
        match mine_eval(&p) {
            Ok(_) => ok.push(p),
            Err(_) => failing.push(p),
        }
        if i % 3 == 0 {
            drvs.push(g.expr(gen::Ty::Drv, 3));
        }
        if i % 4 == 0 {
            failing.push(g.failing());
        }
    }

    let batches: Vec<Vec<String>> = ok.chunks(40).map(|c| c.to_vec()).collect();
    let drv_batches: Vec<Vec<String>> = drvs.chunks(40).map(|c| c.to_vec()).collect();
    let fail_chunks: Vec<Vec<String>> = failing.chunks(failing.len().div_ceil(2).max(1)).map(|c| c.to_vec()).collect();

    // Two workers (the machine has two cores).
    let work: Vec<(String, Vec<String>)> = batches
        .into_iter()
        .map(|b| ("value".to_string(), b))
        .chain(drv_batches.into_iter().map(|b| (".drv path".to_string(), b)))
        .chain(fail_chunks.into_iter().map(|b| ("failure".to_string(), b)))
        .collect();
    let (a, b): (Vec<_>, Vec<_>) = work.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let run = |items: Vec<(usize, (String, Vec<String>))>| {
        std::thread::spawn(move || {
            let mut bad = Vec::new();
            for (_, (kind, progs)) in items {
                match kind.as_str() {
                    "value" => {
                        bad.extend(compare_batch(&progs, mine_eval, nix_eval, "value"));
                        bad.extend(compare_batch(&progs, mine_json, nix_json, "--json value"));
                        // Without --strict, one program in eight on its own: what is left unforced prints `<CODE>`.
                        for p in progs.iter().step_by(8) {
                            let (x, y) = (mine_lazy(p), nix_lazy(p));
                            if x != y {
                                bad.push(("lazy value".to_string(), p.clone(), format!("{x:?}"), format!("{y:?}")));
                            }
                        }
                    }
                    ".drv path" => bad.extend(compare_batch(&progs, mine_drvs, nix_drvs, ".drv path")),
                    _ => {
                        for p in progs {
                            let (x, y) = (mine_eval(&p).map_err(same_kind), nix_eval(&p).map_err(same_kind));
                            if x != y {
                                bad.push(("failure".to_string(), p, format!("{x:?}"), format!("{y:?}")));
                            }
                        }
                    }
                }
            }
            bad
        })
    };
    let (ta, tb) = (run(a), run(b));
    let mut bad = ta.join().expect("worker");
    bad.extend(tb.join().expect("worker"));

    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for (k, p, mine, theirs) in &bad {
        *by_kind.entry(k.clone()).or_default() += 1;
        eprintln!("MISMATCH ({k}): {p}\n   drvlab: {mine}\n   nix:    {theirs}");
    }
    eprintln!(
        "differential (seed {seed}): {} programs evaluated, {} derivation programs, {} failing programs; {} mismatches {:?}",
        ok.len(),
        drvs.len(),
        failing.len(),
        bad.len(),
        by_kind
    );
    assert!(bad.is_empty(), "{} mismatches with Nix", bad.len());
}
