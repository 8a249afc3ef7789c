//! The `drvlab` CLI on golden files made by real Nix 2.8:
//! `engine/tests/golden/fetch-build.nix` and `ca.nix` were instantiated with `nix-instantiate`, and
//! `nix --extra-experimental-features 'nix-command ca-derivations' show-derivation -r` printed
//! the `*.nix28.json` files; the two `.drv` files are the bytes Nix wrote. The newer JSON shapes
//! are derived from the 2.8 document here, following each Nix version's documented format, and
//! must give the same paths.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Map, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const GOLDEN: &str = include_str!("../engine/tests/golden/fetch-build.nix28.json");
const CA: &str = include_str!("../engine/tests/golden/ca.nix28.json");
const BUILD_DRV: &str = "/nix/store/vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv";
const SRC_DRV: &str = "/nix/store/yhfk2f2pz97kxlah1j7dvf2rbvld55ps-src.drv";

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drvlab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn paths(doc: &str) -> Value {
    let (code, out, err) = run(&["paths", "-"], doc);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// Expected paths, from the golden document itself (what Nix printed).
fn expected() -> Value {
    let doc: Value = serde_json::from_str(GOLDEN).unwrap();
    let mut m = Map::new();
    for (k, v) in doc.as_object().unwrap() {
        let outs: Map<String, Value> =
            v["outputs"].as_object().unwrap().iter().map(|(o, x)| (o.clone(), x["path"].clone())).collect();
        m.insert(k.clone(), json!({"drvPath": k, "outputs": outs}));
    }
    Value::Object(m)
}

fn base(p: &str) -> String {
    p.rsplit('/').next().unwrap().to_string()
}

/// Rewrites the 2.8 document into a later shape.
fn reshape(shape: &str) -> String {
    let doc: Value = serde_json::from_str(GOLDEN).unwrap();
    let mut out = Map::new();
    for (k, v) in doc.as_object().unwrap() {
        let mut e = v.clone();
        let name = drvlab_engine::Derivation::name_from_drv_path(k).unwrap().to_string();
        e["name"] = json!(name);
        if shape != "2.15" {
            let inputs: Map<String, Value> = e["inputDrvs"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(d, outs)| {
                    let key = if matches!(shape, "2.32" | "v4") { base(d) } else { d.clone() };
                    (key, json!({"outputs": outs, "dynamicOutputs": {}}))
                })
                .collect();
            e["inputDrvs"] = Value::Object(inputs);
        }
        if matches!(shape, "2.23" | "2.32" | "v4") {
            for (_, o) in e["outputs"].as_object_mut().unwrap() {
                if let Some(a) = o.get("hashAlgo").and_then(Value::as_str).map(str::to_string) {
                    let (method, algo) = match a.strip_prefix("r:") {
                        Some(rest) => ("nar", rest.to_string()),
                        None => ("flat", a.clone()),
                    };
                    o["method"] = json!(method);
                    o["hashAlgo"] = json!(algo);
                    if shape == "v4" {
                        let hex = o["hash"].as_str().unwrap();
                        let h = drvlab_engine::Hash::parse(hex, drvlab_engine::HashAlgo::parse(&algo).ok()).unwrap();
                        o["hash"] = json!(h.to_sri());
                        o.as_object_mut().unwrap().remove("hashAlgo");
                    }
                }
                if matches!(shape, "2.32" | "v4") {
                    if let Some(p) = o.get("path").and_then(Value::as_str).map(base) {
                        o["path"] = json!(p);
                    }
                }
            }
        }
        if matches!(shape, "2.32" | "v4") {
            e["version"] = json!(3);
        }
        let key = if matches!(shape, "2.32" | "v4") { base(k) } else { k.clone() };
        if shape == "v4" {
            let obj = e.as_object_mut().unwrap();
            let srcs = obj.remove("inputSrcs").unwrap();
            let drvs = obj.remove("inputDrvs").unwrap();
            obj.insert("inputs".into(), json!({"srcs": srcs, "drvs": drvs}));
            obj.remove("version");
        }
        out.insert(key, e);
    }
    let doc = Value::Object(out);
    if shape == "v4" {
        json!({"version": 4, "derivations": doc}).to_string()
    } else {
        doc.to_string()
    }
}

#[test]
fn paths_reproduces_every_path_nix_printed() {
    assert_eq!(paths(GOLDEN), expected());
}

#[test]
fn every_json_shape_gives_the_same_paths_and_explain_names_it() {
    for (shape, described) in [
        ("2.15", "Nix 2.15–2.17"),
        ("2.18", "Nix 2.18–2.22"),
        ("2.23", "Nix 2.23–2.31"),
        ("2.32", "Nix 2.32"),
        ("v4", "version-4 document"),
    ] {
        let doc = reshape(shape);
        let got = paths(&doc);
        let want = expected();
        for (k, v) in want.as_object().unwrap() {
            let key = if matches!(shape, "2.32" | "v4") { base(k) } else { k.clone() };
            assert_eq!(got[key.as_str()], *v, "shape {shape}, entry {k}");
        }
        let (code, out, err) = run(&["explain", "-"], &doc);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(described), "shape {shape}: {}", out.lines().next().unwrap_or(""));
    }
}

#[test]
fn blanked_labelled_input_still_gives_nix_paths() {
    let doc = r#"{
      "fetch": {"outputs": {"out": {"hashAlgo": "sha256", "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
                "inputSrcs": [], "inputDrvs": {}, "system": "x86_64-linux", "builder": "/bin/sh", "args": ["-c", "echo"],
                "env": {"builder": "/bin/sh", "name": "src", "out": "", "outputHash": "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", "outputHashAlgo": "sha256", "outputHashMode": "flat", "system": "x86_64-linux"}},
      "build": {"outputs": {"dev": {}, "out": {}}, "inputSrcs": [], "inputDrvs": {"fetch": ["out"]}, "system": "x86_64-linux",
                "builder": "/bin/sh", "args": ["-c", "echo /nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src"],
                "env": {"builder": "/bin/sh", "dev": "", "name": "build", "out": "", "outputs": "out dev", "system": "x86_64-linux"}}
    }"#;
    let got = paths(doc);
    assert_eq!(got["build"]["drvPath"], BUILD_DRV);
    assert_eq!(got["build"]["outputs"]["out"], "/nix/store/kxw3pl42mdb1mmj60iwc1gsqv86r4hsi-build");
    assert_eq!(got["fetch"]["drvPath"], SRC_DRV);
}

#[test]
fn content_addressed_outputs_are_null_not_invented() {
    let got = paths(CA);
    for (_, e) in got.as_object().unwrap() {
        for (_, p) in e["outputs"].as_object().unwrap() {
            assert!(p.is_null(), "{got}");
        }
    }
    assert!(got.get("/nix/store/5n8c9dj6y2ixjiyz0d3kfsbp28agkc8m-dep.drv").is_some());
}

#[test]
fn explain_text_and_json() {
    let (code, out, _) = run(&["explain", "-", "--key", BUILD_DRV], GOLDEN);
    assert_eq!(code, 0);
    for needle in [
        "masked ATerm",
        "fingerprint: output:out:sha256:",
        "fold to 20 bytes",
        "kxw3pl42mdb1mmj60iwc1gsqv86r4hsi",
        "== .drv path",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let (code, out, _) = run(&["explain", "-", "--json", "--key", SRC_DRV], GOLDEN);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "fixed-output");
    assert_eq!(v["outputs"]["out"], "/nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src");
    assert!(v["traces"]["modulo"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["value"].as_str().unwrap().starts_with("fixed:out:sha256:")));
    let (code, _, err) = run(&["explain", "-", "--key", "nope"], GOLDEN);
    assert_eq!(code, 2);
    assert!(err.contains("--key \"nope\": no such entry"));
}

#[test]
fn drv_verifies_real_drv_files() {
    let (code, out, err) = run(
        &[
            "drv",
            "engine/tests/golden/vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv",
            "engine/tests/golden/yhfk2f2pz97kxlah1j7dvf2rbvld55ps-src.drv",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{BUILD_DRV} (matches its file name)")), "{out}");
    assert!(out.contains(&format!("{BUILD_DRV}: outputs verified (2)")), "{out}");
    // Alone, the build's outputs cannot be verified: its input is missing.
    let (code, out, _) = run(&["drv", "engine/tests/golden/vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv"], "");
    assert_eq!(code, 0);
    assert!(out.contains("outputs not verified (not all of its inputs were given)"));
}

#[test]
fn hash_converts_every_form() {
    let (code, out, _) = run(&["hash", "sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"], "");
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "algo sha256\nread as nix32\nbase16  sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nnix32   sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73\nbase64  sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nsri     sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    );
    let (_, out, _) = run(&["hash", "--algo", "md5", "--to", "sri", "d41d8cd98f00b204e9800998ecf8427e"], "");
    assert_eq!(out, "md5-1B2M2Y8AsgTpgAmY7PhCfg==\n");
    let (code, _, err) = run(&["hash", "--to", "hex2", "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="], "");
    assert_eq!(code, 2);
    assert!(err.contains("use base16, nix32, base64 or sri"));
}

#[test]
fn moves_single_edit_and_sweep() {
    let (code, out, err) = run(&["moves", "-", "--key", "src", "--set", "args.1=echo hi", "--json"], GOLDEN);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let moved: Vec<String> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["moved"] == true)
        .map(|c| format!("{} {}", c["key"].as_str().unwrap(), c["output"].as_str().unwrap_or(".drv")))
        .collect();
    assert_eq!(moved, ["src .drv", "build .drv"], "a FOD's args move .drv paths only");
    let (code, out, _) = run(&["moves", "-", "--key", BUILD_DRV, "--set", "builder=/bin/bash"], GOLDEN);
    assert_eq!(code, 0);
    assert!(out.contains("MOVES build out"), "{out}");
    let (code, out, _) = run(&["moves", "-", "--sweep"], GOLDEN);
    assert_eq!(code, 0);
    assert!(out.contains("src name: moves src .drv, src out, build .drv, build dev, build out"), "{out}");
    assert!(out.contains("src args.1: moves src .drv, build .drv"), "{out}");
    let (code, _, err) = run(&["moves", "-", "--key", "src", "--set", "colour=red"], GOLDEN);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field \"colour\""), "{err}");
}

#[test]
fn help_documents_every_command() {
    let (code, out, _) = run(&["--help"], "");
    assert_eq!(code, 0);
    for c in ["paths", "explain", "drv", "hash", "moves"] {
        assert!(out.contains(c), "--help lists {c}");
        let (code, sub, _) = run(&[c, "--help"], "");
        assert_eq!(code, 0, "{c} --help");
        assert!(sub.len() > 100, "{c} --help says something");
    }
}

/// `--nix` chooses a release's rules: the golden forms (names `.`, `..a`, `.hidden`, an SRI hash
/// with unused bits) are Nix 2.8's and give Nix's paths with `--nix 2.8`; without it they are
/// refused with the entry named; `--nix 2.21` refuses `.` but not `..a`; `--inputs` still works
/// and wins over the merge rule the version implies.
#[test]
fn nix_version_selector() {
    let forms = include_str!("../engine/tests/golden/forms.nix28.json");
    let (code, out, err) = run(&["--nix", "2.8", "paths", "-"], forms);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let nix: Map<String, Value> = serde_json::from_str(forms).unwrap();
    for (k, e) in &nix {
        assert_eq!(v[k]["drvPath"], json!(k));
        for (o, out) in e["outputs"].as_object().unwrap() {
            assert_eq!(v[k]["outputs"][o], out.get("path").cloned().unwrap_or(Value::Null), "{k} {o}");
        }
    }
    let (code, _, err) = run(&["paths", "-"], forms);
    assert_eq!(code, 2);
    assert!(err.contains("-..drv: name: store path name \".\" starts with a dot"), "{err}");
    let (code, _, err) = run(&["--nix", "2.21.0", "paths", "-"], forms);
    assert_eq!(code, 2);
    assert!(err.contains("is \".\" or \"..\""), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_drvlab")).args(["--nix", "two", "hash", "sha256:00"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Nix version"));
    let (code, _, err) = run(&["--inputs", "overwrite", "--nix", "2.35.1", "paths", "-"], GOLDEN);
    assert_eq!(code, 0, "{err}");
}

fn run_progress(args: &[&str], stdin: &str, progress: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_drvlab"));
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    match progress {
        Some(p) => cmd.env("DRVLAB_PROGRESS", p),
        None => cmd.env_remove("DRVLAB_PROGRESS"),
    };
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// Long commands show a progress line on a terminal and nothing in a pipe: piped, stderr stays
/// empty; forced on (`DRVLAB_PROGRESS=always`, as a terminal gets it), the line is written and
/// erased on stderr and stdout is the same bytes.
#[test]
fn progress_only_on_a_terminal() {
    for args in [&["moves", "-", "--sweep"][..], &["paths", "-"], &["explain", "-"]] {
        let (code, piped, err) = run_progress(args, GOLDEN, None);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}: no progress in a pipe");
        let (code, shown, err) = run_progress(args, GOLDEN, Some("always"));
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_eq!(shown, piped, "{args:?}: progress never reaches stdout");
        let what = match args[0] {
            "moves" => "sweeping: 0/12 fields (0%)",
            // `explain` finds the last derivation from the inputs alone (no progress to show),
            // then resolves every derivation.
            _ => "resolving: 0 derivations",
        };
        assert!(err.starts_with(&format!("\r{what}")), "{args:?}: {err:?}");
        assert!(err.ends_with("\r\x1b[K"), "{args:?}: the line is erased: {err:?}");
        let (_, _, err) = run_progress(args, GOLDEN, Some("never"));
        assert_eq!(err, "");
    }
}
