//! `builtins.fromTOML` against real Nix 2.8 (toml11) on TOML documents covering the format:
//! the same value, or both refuse. Skips (and says why) without `nix-instantiate`.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

const DOCS: &[&str] = &[
    "a = 1\nb = \"x\"",
    "a.b.c = 1\na.b.d = 2",
    "[t]\nx = 1\n[t.u]\ny = 2",
    "[[arr]]\nx = 1\n[[arr]]\ny = 2\n[[arr.sub]]\nz = 3",
    "a = [ 1, 2, 3, ]",
    "a = [\n  1, # one\n  2,\n]",
    "a = { b = 1, c = { d = 'e' } }",
    "a = 0x1F\nb = 0o17\nc = 0b101\nd = 1_000\ne = -5\nf = +7",
    "a = 1.5\nb = -0.0\nc = 1e3\nd = 6.25e-2\ne = 1_0.5\nf = inf\ng = -inf\nh = nan",
    "a = \"\\u00e9\\t\\n\\\\ \\\" \\U0001F600\"",
    "a = 'C:\\path\\x'",
    "a = \"\"\"\nline1\nline2\\\n   joined\"\"\"",
    "a = '''\nraw \\n\n'''",
    "a = \"\"\"\"quoted\"\"\"\"",
    "\"quoted key\" = 1\n'lit key' = 2\n\"\" = 3",
    "a = true\nb = false",
    "# comment only\n\n",
    "",
    "a = 1 # trailing",
    "[a]\n[a.b]\n[a]\nc = 1",
    "[a.b]\nc = 1\n[a]\nd = 2",
    "a = 1\na = 2",
    "a.b = 1\na = 2",
    "[a]\nb = 1\n[a]\nc = 2",
    "a = [ 1, \"mixed\" ]",
    "a = 01",
    "a = 1__0",
    "a = _1",
    "a = 1.",
    "a = .5",
    "a = 9223372036854775807",
    "a = -9223372036854775808",
    "a = 1e400",
    "a = {b = 1,}",
    "a = { b = 1 }\na.c = 2",
    "a = \"unterminated",
    "a =",
    "= 1",
    "a = 1 b = 2",
    "[t]]\n",
    "[[t]\n",
    "a = \"\\x41\"",
    "a = tru",
    "bare-key_1 = 1\n1234 = 2",
    "a.\"b.c\".d = 1",
    "a = [ [ 1 ], [ 'x', \"y\" ], [] ]",
    "a = \"tab\there\"",
    "[x]\ny.z = 1\n[x.y.w]\nq = 2",
];

fn nix_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '$' => o.push_str("\\$"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[test]
fn from_toml_as_nix() {
    if Command::new("nix-instantiate").arg("--version").output().is_err() {
        eprintln!("fromTOML test skipped: nix-instantiate is not installed");
        return;
    }
    let mut bad = Vec::new();
    for doc in DOCS {
        let expr = format!("builtins.fromTOML {}", nix_str(doc));
        let out = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "-E", &expr])
            .env("NIX_CONFIG", "build-users-group =")
            .output()
            .expect("nix-instantiate");
        let theirs = out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string());
        let mine = drvlab_nixlang::eval_to_string(&expr).ok();
        if theirs != mine {
            bad.push(format!("{doc:?}\n   drvlab: {mine:?}\n   nix:    {theirs:?}"));
        }
    }
    assert!(bad.is_empty(), "{} differences:\n{}", bad.len(), bad.join("\n"));
}
