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

mod common;
use common::*;

use drvlab::lab::eval::{evaluate, to_nix_expression, SpecGraph};
use drvlab::lab::lift::{lift, Lifted};
use drvlab::lab::nix_choice::NixChoice;
use drvlab::lab::playground::{import_text, parse_edit, Action, Playground};
use drvlab_engine::graph::{resolve, NixVersion, Options, Resolution};
use drvlab_engine::import::import_json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const FEATURES: &str = "nix-command ca-derivations impure-derivations";

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
    // The golden `.drv`s take `./forms.nix` as an input source: the export names it by its
    // store path, which nix-instantiate needs in the local store (a fresh machine has not
    // instantiated forms.nix); `nix-store --add` puts it there at the same path.
    let golden = concat!(env!("CARGO_MANIFEST_DIR"), "/engine/tests/golden/forms.nix");
    let added = nix("nix-store", &["--add", golden]);
    assert_eq!(added.trim(), "/nix/store/9g60f7gg0dbza0am8i33wmyayxgd11zl-forms.nix", "the golden forms.nix changed");
    let dir = tempdir("forms");
    export_matches_nix(&lifted.specs, &dir, "forms");
}

/// SplitMix64, so the closure is the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// A nixpkgs-shaped closure as a Nix expression: fetchurl-like fixed-output sources, a
/// bootstrap chain of shells (each built by the previous one's `${bash}/bin/bash`), the final
/// `bash`, a stdenv-like setup with a `builtins.toFile` setup script, and `packages` packages
/// built by `${bash}/bin/bash` with `stdenv` and earlier packages (and their `dev` outputs) as
/// inputs, some with structured attributes. `bash_script` is the final bash's `args.1`.
fn nixpkgs_like(packages: usize, bash_script: &str) -> String {
    let mut r = Rng(0x005e_ed0f_c105);
    let mut s = String::from(
        r#"let
  sys = "x86_64-linux";
  fetchurl = { name, url, sha256 }: derivation {
    inherit name url; system = sys; builder = "/bin/sh"; args = [ "-c" "fetch $url" ];
    outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = sha256;
  };
  src = n: fetchurl { name = "${n}.tar.gz"; url = "https://example.org/${n}.tar.gz"; sha256 = builtins.hashString "sha256" n; };
  boot0 = derivation { name = "bootstrap-tools"; system = sys; builder = "/bin/sh"; args = [ "-c" "unpack" ]; src = src "bootstrap-tools"; };
"#,
    );
    let chain = 5;
    for i in 1..=chain {
        let prev = if i == 1 { "${boot0}/bin/sh".to_string() } else { format!("${{boot{}}}/bin/bash", i - 1) };
        s.push_str(&format!(
            "  boot{i} = derivation {{ name = \"bootstrap-bash-{i}\"; system = sys; builder = \"{prev}\"; args = [ \"-c\" \"build stage {i}\" ]; src = src \"bash-stage{i}\"; tools = boot0; }};\n"
        ));
    }
    s.push_str(&format!(
        r#"  bash = derivation {{ name = "bash"; system = sys; builder = "${{boot{chain}}}/bin/bash"; args = [ "-c" "{bash_script}" ]; src = src "bash-5.2"; outputs = [ "out" "dev" ]; }};
  coreutils = derivation {{ name = "coreutils-9.1"; system = sys; builder = "${{bash}}/bin/bash"; args = [ "-c" "build coreutils" ]; src = src "coreutils-9.1"; }};
  setup = builtins.toFile "setup.sh" "export PATH=$initialPath\n";
  stdenv = derivation {{ name = "stdenv-linux"; system = sys; builder = "${{bash}}/bin/bash"; args = [ "-e" setup ]; inherit setup; initialPath = "${{coreutils}}/bin ${{bash}}/bin"; shell = "${{bash}}/bin/bash"; }};
  mk = attrs: derivation ({{ system = sys; builder = "${{bash}}/bin/bash"; args = [ "-e" "${{stdenv}}/setup" ]; inherit stdenv; }} // attrs);
"#
    ));
    let mut names = vec!["coreutils".to_string(), "hello".to_string()];
    s.push_str("  hello = mk { name = \"hello-2.12\"; src = src \"hello-2.12\"; buildInputs = \"${coreutils}\"; };\n");
    for i in 0..packages {
        let mut deps = Vec::new();
        for _ in 0..r.below(5) {
            let d = &names[r.below(names.len())];
            let out = if d.starts_with('p') && r.below(2) == 0 { format!("${{{d}.dev}}") } else { format!("${{{d}}}") };
            if !deps.contains(&out) {
                deps.push(out);
            }
        }
        let shared_src =
            if r.below(8) == 0 { "\"shared-lib\"".to_string() } else { format!("\"p{i}-1.{}\"", r.below(9)) };
        let structured = if r.below(6) == 0 {
            format!(
                "__structuredAttrs = true; flags = [ \"-O{}\" {} ]; meta = {{ n = {i}; f = {}.5; }};",
                r.below(4),
                r.below(100),
                r.below(10)
            )
        } else {
            String::new()
        };
        s.push_str(&format!(
            "  p{i} = mk {{ name = \"p{i}-1.0\"; src = src {shared_src}; outputs = [ \"out\" \"dev\" ]; buildInputs = \"{}\"; {structured} }};\n",
            deps.join(" ")
        ));
        names.push(format!("p{i}"));
    }
    s.push_str(&format!("in [ hello {} ]\n", (0..packages).map(|i| format!("p{i}")).collect::<Vec<_>>().join(" ")));
    s
}

/// One closure of 600 derivations: imported, lifted (every path Nix's), exported, and an edit
/// of `bash` (its `args.1`) moves exactly the `.drv` paths that `nix-instantiate` of the edited
/// expression moves, to exactly Nix's new paths.
#[test]
fn nixpkgs_shaped_closure_lifts_and_an_edit_of_bash_moves_what_nix_moves() {
    if !require_nix() {
        return;
    }
    let dir = tempdir("closure");
    let packages = 305;
    let (script, edited) = ("build bash", "build bash, patched");
    let file = dir.join("closure.nix");
    std::fs::write(&file, nixpkgs_like(packages, script)).unwrap();
    let tops = instantiate(&file);
    let mut args = vec!["show-derivation", "-r"];
    args.extend(tops.iter().map(String::as_str));
    let json = nix("nix", &args);
    let (res, lifted) = import_and_lift(&json);
    let n = res.entries.len();
    assert!((550..=650).contains(&n), "{n} derivations");
    eprintln!("closure: {n} derivations lifted to Nix's paths");

    // The edit, in the lifted model and in the expression.
    let mut specs = lifted.specs.clone();
    let bash_key = lifted.keys.iter().find(|(k, _)| k.ends_with("-bash.drv")).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(bash_key, "bash");
    assert_eq!(specs["bash"].args[1], script);
    std::rc::Rc::make_mut(specs.get_mut("bash").unwrap()).args[1] = edited.to_string();
    let after = evaluate(&specs, &opts());
    assert!(after.errors.is_empty(), "{:?}", after.errors);
    let edited_file = dir.join("edited.nix");
    std::fs::write(&edited_file, nixpkgs_like(packages, edited)).unwrap();
    let edited_tops = instantiate(&edited_file);
    let mut args = vec!["show-derivation", "-r"];
    args.extend(edited_tops.iter().map(String::as_str));
    let nix_after: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&nix("nix", &args)).unwrap();

    let ours: std::collections::BTreeSet<String> =
        after.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
    let theirs: std::collections::BTreeSet<String> = nix_after.keys().cloned().collect();
    assert_eq!(ours, theirs, "the edited closure's .drv paths");
    let before: std::collections::BTreeSet<&String> = res.entries.keys().collect();
    let moved_ours = lifted.keys.iter().filter(|(orig, key)| after.resolution.entries[*key].drv_path != **orig).count();
    let moved_nix = theirs.iter().filter(|p| !before.contains(p)).count();
    assert_eq!(moved_ours, moved_nix);
    assert!(moved_ours > 0 && moved_ours < n, "bash moves some, not all: {moved_ours}");
    let hello = &lifted.keys.iter().find(|(k, _)| k.ends_with("-hello-2.12.drv")).unwrap().1;
    assert!(!before.contains(&after.resolution.entries[*hello].drv_path), "hello moves");
    eprintln!("closure: the edit of bash moves {moved_ours} of {n} .drv paths, as nix-instantiate does");
    export_matches_nix(&lifted.specs, &dir, "closure-export");

    // The page's own path says the same: its import (verify + lift), the reducer's Load, the
    // edit as the editor dispatches it, and the change set "What moved" is written from.
    let page_opts = Options { nix: Some(NixVersion::new(2, 8, 0)), ..Options::default() };
    let report = import_text(&json, &page_opts).expect("the page imports the closure");
    assert!(report.verified.iter().all(|v| v.mismatches.is_empty()), "every imported path verified");
    let (specs, selected) = report.specs.expect("a complete closure is editable");
    let p = Playground::default().reduce(Action::SetNix(NixChoice::Nix2_8)).unwrap();
    let p = p.reduce(Action::Load { specs, selected, label: "import".into() }).unwrap();
    assert!(p.computed.eval.errors.is_empty(), "{:?}", p.computed.eval.errors);
    let page_paths: std::collections::BTreeSet<String> =
        p.computed.eval.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
    assert_eq!(page_paths, before.iter().map(|s| s.to_string()).collect(), "the page shows Nix's .drv paths");
    let edit = parse_edit(&p.specs["bash"], "args.1", edited).unwrap();
    let q = p.reduce(Action::Edit("bash".into(), edit)).unwrap();
    let change = q.last_change.as_ref().expect("What moved");
    let moved_page = change.changes.iter().filter(|c| c.id.output.is_none() && c.moved()).count();
    assert_eq!(moved_page, moved_nix, "What moved on the page: the .drv paths nix-instantiate moves");
    let page_after: std::collections::BTreeSet<String> =
        q.computed.eval.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
    assert_eq!(page_after, theirs, "the page's edited closure is Nix's");

    // The CLI says the same: hello MOVES.
    let jf = dir.join("closure.json");
    std::fs::write(&jf, &json).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_drvlab"))
        .args(["--nix", "2.8", "moves"])
        .arg(&jf)
        .args(["--key", "bash", "--set", &format!("args.1={edited}")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.lines().any(|l| l.starts_with("MOVES hello-2_12 .drv")), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("MOVES") && l.contains(".drv ")).count(), moved_nix);
}

/// One random derivation of [`random_forms`]: its Nix attribute name, its outputs, and whether
/// users must treat it as impure.
struct Made {
    var: String,
    outputs: Vec<String>,
    impure: bool,
}

/// A Nix string literal for `s`.
fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A random Nix value for a structured attribute: every JSON type, unicode, floats that print
/// with six significant digits, nested sets and lists, references to inputs.
fn random_value(r: &mut Rng, refs: &[String], depth: usize) -> String {
    match r.below(if depth > 2 { 6 } else { 9 }) {
        0 => format!("({})", r.below(1000) as i64 - 500),
        1 => ["0.1", "2.5", "1.0e20", "1.5e-7", "123456789.0", "(-1.5)", "1.0", "3.14159265358979"][r.below(8)]
            .to_string(),
        2 => ["true", "false", "null"][r.below(3)].to_string(),
        3 => lit(["ü☃", "tab\there", "q\"uote", "back\\slash", "new\nline", "", "日本"][r.below(7)]),
        4 | 5 if !refs.is_empty() => format!("\"{}/bin\"", refs[r.below(refs.len())]),
        6 => format!("[ {} ]", (0..r.below(4)).map(|_| random_value(r, refs, depth + 1)).collect::<Vec<_>>().join(" ")),
        7 | 8 => format!(
            "{{ {} }}",
            (0..r.below(4))
                .map(|i| format!("k{i}{} = {};", ["", "x", " s"][i % 3].trim(), random_value(r, refs, depth + 1)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        _ => lit("plain"),
    }
}

/// Random graphs of the forms of issue 10, as one Nix expression: structured attributes,
/// impure derivations and their users, floating outputs with odd names, fixed outputs with SRI
/// hashes (some with unused bits set), names with leading dots, builders, arguments and env
/// names that interpolate other derivations' outputs. Returns the expression and counts by kind.
fn random_forms(graphs: usize, seed: u64) -> (String, BTreeMap<&'static str, usize>) {
    let mut r = Rng(seed);
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut s = String::from("let sys = \"x86_64-linux\"; in builtins.concatLists [\n");
    let names = ["pkg", ".hidden", "..a", "a.b-1.0", "x+y=z?", "_u"];
    for g in 0..graphs {
        let mut made: Vec<Made> = Vec::new();
        s.push_str("(let\n");
        for i in 0..2 + r.below(6) {
            let var = format!("d{i}");
            let name = format!("{}{g}x{i}", names[r.below(names.len())]);
            if name.starts_with('.') {
                *counts.entry("dotted name").or_default() += 1;
            }
            // Inputs: earlier derivations (an impure one only for input-addressed users).
            let kind = r.below(10);
            let mut refs = Vec::new();
            for _ in 0..r.below(3) {
                if made.is_empty() {
                    break;
                }
                let m = &made[r.below(made.len())];
                if m.impure && kind < 5 {
                    continue;
                }
                let o = &m.outputs[r.below(m.outputs.len())];
                let sel =
                    if o.chars().all(|c| c.is_ascii_alphanumeric()) { format!(".{o}") } else { format!(".{}", lit(o)) };
                refs.push(format!("${{{}{sel}}}", m.var));
            }
            let mut attrs = format!("name = {}; system = sys;", lit(&name));
            let builder = if !refs.is_empty() && r.below(2) == 0 {
                *counts.entry("builder from an input").or_default() += 1;
                format!("{}/bin/sh", refs[0])
            } else {
                "/bin/sh".to_string()
            };
            attrs.push_str(&format!(" builder = \"{builder}\"; args = [ \"-c\" \"echo {}\" ];", refs.join(" ")));
            if !refs.is_empty() && r.below(3) == 0 {
                *counts.entry("env name holding a path").or_default() += 1;
                attrs.push_str(&format!(" \"${{builtins.unsafeDiscardStringContext \"{}\"}}\" = \"v\";", refs[0]));
            }
            let mut outputs = vec!["out".to_string()];
            let mut impure = false;
            match kind {
                0 => {
                    *counts.entry("fixed-output (SRI)").or_default() += 1;
                    let h = if r.below(2) == 0 {
                        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
                    } else {
                        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="
                    };
                    attrs.push_str(&format!(" outputHashMode = \"flat\"; outputHash = \"sha256-{h}\";"));
                }
                1 | 2 => {
                    *counts.entry("floating CA, odd output names").or_default() += 1;
                    outputs = [["out/", "foo$"], ["out", "a-b"], ["lib", "out"]][r.below(3)]
                        .iter()
                        .map(|o| o.to_string())
                        .collect();
                    let outs: Vec<String> = outputs.iter().map(|o| lit(o)).collect();
                    attrs.push_str(&format!(" __contentAddressed = true; outputHashMode = \"recursive\"; outputHashAlgo = \"sha256\"; outputs = [ {} ];", outs.join(" ")));
                }
                3 | 4 => {
                    *counts.entry("impure").or_default() += 1;
                    impure = true;
                    attrs.push_str(" __impure = true;");
                }
                _ => {
                    if refs.iter().any(|x| made.iter().any(|m| m.impure && x.starts_with(&format!("${{{}", m.var)))) {
                        *counts.entry("user of an impure derivation").or_default() += 1;
                    }
                    if r.below(2) == 0 {
                        outputs.push("dev".into());
                        attrs.push_str(" outputs = [ \"out\" \"dev\" ];");
                    }
                }
            }
            if r.below(3) == 0 {
                *counts.entry("structured attributes").or_default() += 1;
                attrs.push_str(&format!(" __structuredAttrs = true; v = {};", random_value(&mut r, &refs, 0)));
            } else if !refs.is_empty() {
                attrs.push_str(&format!(" dep = \"{}\";", refs.join(":")));
            }
            s.push_str(&format!("  {var} = derivation {{ {attrs} }};\n"));
            *counts.entry("derivations").or_default() += 1;
            made.push(Made { var, outputs, impure });
        }
        s.push_str(&format!("in [ {} ])\n", made.iter().map(|m| m.var.as_str()).collect::<Vec<_>>().join(" ")));
    }
    s.push_str("]\n");
    (s, counts)
}

/// Random graphs of the new forms, instantiated by Nix 2.8: imported (every `.drv` path and
/// output path Nix's), every `.drv` file parsed and printed back byte for byte, lifted (the
/// same paths again) and exported (nix-instantiate of the export gives them too).
#[test]
fn random_forms_match_real_nix() {
    if !require_nix() {
        return;
    }
    let seed = std::env::var("DRVLAB_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x1010_2026);
    let (expr, counts) = random_forms(120, seed);
    let dir = tempdir("forms-random");
    let file = dir.join("forms.nix");
    std::fs::write(&file, &expr).unwrap();
    let tops = instantiate(&file);
    let mut args = vec!["show-derivation", "-r"];
    args.extend(tops.iter().map(String::as_str));
    let json = nix("nix", &args);
    let (res, lifted) = import_and_lift(&json);
    for (k, r) in &res.entries {
        let text = std::fs::read(k).unwrap();
        let name = drvlab_engine::derivation::Derivation::name_from_drv_path(k).unwrap();
        let parsed = drvlab_engine::aterm::parse_aterm(&text, name).unwrap_or_else(|e| panic!("{k}: {e}"));
        assert_eq!(parsed.to_aterm_bytes(), text, "{k} prints back");
        assert_eq!(r.aterm, text, "{k}: the engine's ATerm");
    }
    export_matches_nix(&lifted.specs, &dir, "forms-export");
    // The CLI on the same document: every path Nix's.
    let jf = dir.join("forms.json");
    std::fs::write(&jf, &json).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_drvlab")).args(["--nix", "2.8", "paths"]).arg(&jf).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nix_doc: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&json).unwrap();
    for (k, e) in &nix_doc {
        assert_eq!(printed[k]["drvPath"], serde_json::json!(k));
        for (o, out) in e["outputs"].as_object().unwrap() {
            assert_eq!(
                printed[k]["outputs"][o],
                out.get("path").cloned().unwrap_or(serde_json::Value::Null),
                "{k} {o}"
            );
        }
    }
    eprintln!(
        "random forms: {} derivations in Nix's closures, 0 mismatches; generated by kind {counts:?}",
        res.entries.len()
    );
}
