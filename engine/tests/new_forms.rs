//! The forms of issue 10, checked through the engine library against golden files written by
//! real Nix 2.8 (`golden/forms.nix`, instantiated with `--extra-experimental-features
//! 'ca-derivations impure-derivations'`; `nix show-derivation -r` of the result is
//! `golden/forms.nix28.json`, the `.drv` files are in `golden/forms-drv/`): structured
//! attributes with every JSON type, impure derivations and two levels of dependents, floating
//! outputs named `out/` and `foo$`, store names `.`, `..a`, `.hidden`, an SRI hash with unused
//! bits set, a builder and env names holding another derivation's output path. Each is also
//! reshaped into the later JSON shapes.
#![cfg(not(target_arch = "wasm32"))]

use drvlab_engine::aterm::parse_aterm;
use drvlab_engine::derivation::Derivation;
use drvlab_engine::graph::{resolve, Graph, NixVersion, Options, Resolution};
use drvlab_engine::import::import_json;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
}

fn nix_json() -> Map<String, Value> {
    serde_json::from_str(&std::fs::read_to_string(golden("forms.nix28.json")).unwrap()).unwrap()
}

fn nix_2_8() -> Options {
    Options { nix: Some(NixVersion::new(2, 8, 0)), ..Options::default() }
}

/// Every key's `.drv` path and every output path as Nix printed them (no path where Nix has
/// none), and no value given that differs from what the engine computes.
fn assert_matches_nix(res: &Resolution, nix: &Map<String, Value>, keys: &BTreeMap<String, String>) {
    for (drv_path, entry) in nix {
        let r = &res.entries[&keys[drv_path]];
        assert_eq!(&r.drv_path, drv_path);
        assert!(r.mismatches.is_empty(), "{drv_path}: {:?}", r.mismatches);
        for (o, out) in entry["outputs"].as_object().unwrap() {
            assert_eq!(r.outputs[o].as_deref(), out.get("path").and_then(Value::as_str), "{drv_path} output {o}");
        }
    }
}

fn identity_keys(nix: &Map<String, Value>) -> BTreeMap<String, String> {
    nix.keys().map(|k| (k.clone(), k.clone())).collect()
}

#[test]
fn nix_2_8_json_resolves_to_nix_paths() {
    let nix = nix_json();
    let text = std::fs::read_to_string(golden("forms.nix28.json")).unwrap();
    let imp = import_json(&text, "/nix/store").unwrap();
    let res = resolve(&imp.graph, &nix_2_8()).unwrap();
    assert_matches_nix(&res, &nix, &identity_keys(&nix));
    // The impure derivation and both levels of its users have no paths before building.
    for (k, r) in &res.entries {
        if k.contains("impure") || k.contains("ca-odd") {
            assert!(r.outputs.values().all(Option::is_none), "{k}");
        }
    }
    // Without choosing a Nix, the names with a leading dot are refused, naming the entry.
    let e = resolve(&imp.graph, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("-..drv: name: store path name \".\" starts with a dot"), "{e}");
    // Nix 2.21+ refuses `.` but takes `..a` and `.hidden`.
    let e = resolve(&imp.graph, &Options { nix: Some(NixVersion::new(2, 21, 0)), ..Options::default() }).unwrap_err();
    assert!(e.to_string().contains("is \".\" or \"..\""), "{e}");
}

#[test]
fn every_drv_file_parses_prints_back_and_resolves() {
    let nix = nix_json();
    let mut graph = Graph::new();
    for drv_path in nix.keys() {
        let base = drv_path.rsplit('/').next().unwrap();
        let bytes = std::fs::read(golden("forms-drv").join(base)).unwrap();
        let name = Derivation::name_from_drv_path(drv_path).unwrap();
        let drv = parse_aterm(&bytes, name).unwrap_or_else(|e| panic!("{base}: {e}"));
        assert_eq!(drv.to_aterm_bytes(), bytes, "{base} prints back");
        graph.insert(drv_path.clone(), drv);
    }
    let res = resolve(&graph, &nix_2_8()).unwrap();
    assert_matches_nix(&res, &nix, &identity_keys(&nix));
}

/// A `.drv` with its env and inputs in reverse order, which Nix 2.8 accepted (`nix-store --add`
/// checks a `.drv`'s outputs; `nix show-derivation` printed it sorted): the same derivation.
#[test]
fn unsorted_drv_reads_as_nix_reads_it() {
    let text =
        std::fs::read(golden("forms-drv/unsorted-b2mg9kkksjglrjry0rlagdzsmcn06d1s-uses-structured.txt")).unwrap();
    let sorted = std::fs::read(golden("forms-drv/n67d7v777drhh7id8yx0gjnwy6mqwh55-uses-structured.drv")).unwrap();
    let drv = parse_aterm(&text, "uses-structured").unwrap();
    assert_ne!(text, sorted);
    assert_eq!(drv.to_aterm_bytes(), sorted);
}

/// The structured derivation's `__json` is the engine's JSON printing of the same object, as
/// Nix 2.8 wrote it: floats `%g`, unicode raw, keys sorted.
#[test]
fn structured_attrs_json_prints_as_nix_2_8() {
    let nix = nix_json();
    let (_, sa) = nix.iter().find(|(k, _)| k.ends_with("-structured.drv") && !k.contains("uses")).unwrap();
    let json_text = sa["env"]["__json"].as_str().unwrap();
    assert!(json_text.contains("\"floats\":[2.5,0.1,1e+20,1.5e-07,1.23457e+08,-1.5,1]"), "{json_text}");
    let v: Value = serde_json::from_str(json_text).unwrap();
    let mut back = String::new();
    drvlab_engine::json::write(&mut back, &v, drvlab_engine::json::Writer::Nix2_8);
    assert_eq!(back, json_text);
}

/// One Nix 2.8 entry in a later shape: 2.18 (`name`, inputs as `{outputs, dynamicOutputs}`,
/// basenames keep full paths here) or the version-4 document (`inputs`, `method`, SRI hashes,
/// `structuredAttrs` as an object).
fn reshape(entry: &Value, drv_path: &str, v4: bool) -> Value {
    let mut e = entry.as_object().unwrap().clone();
    let name = drvlab_engine::derivation::Derivation::name_from_drv_path(drv_path).unwrap();
    e.insert("name".into(), json!(name));
    let drvs: Map<String, Value> = e["inputDrvs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), json!({"outputs": v, "dynamicOutputs": {}})))
        .collect();
    if !v4 {
        e.insert("inputDrvs".into(), Value::Object(drvs));
        return Value::Object(e);
    }
    let srcs = e.remove("inputSrcs").unwrap();
    e.remove("inputDrvs");
    e.insert("inputs".into(), json!({"srcs": srcs, "drvs": drvs}));
    let mut outputs = Map::new();
    for (o, out) in e["outputs"].as_object().unwrap() {
        let mut n = out.as_object().unwrap().clone();
        if let Some(Value::String(a)) = n.remove("hashAlgo") {
            let (method, algo) = a.strip_prefix("r:").map_or(("flat", a.as_str()), |x| ("nar", x));
            n.insert("method".into(), json!(method));
            n.insert("hashAlgo".into(), json!(algo));
            if let Some(Value::String(h)) = n.remove("hash") {
                let hash =
                    drvlab_engine::hash::Hash::parse(&h, drvlab_engine::hash::HashAlgo::parse(algo).ok()).unwrap();
                n.insert("hash".into(), json!(hash.to_sri()));
            }
        }
        outputs.insert(o.clone(), Value::Object(n));
    }
    e.insert("outputs".into(), Value::Object(outputs));
    let env = e.get_mut("env").unwrap().as_object_mut().unwrap();
    if let Some(Value::String(j)) = env.remove("__json") {
        let sa: Value = serde_json::from_str(&j).unwrap();
        e.insert("structuredAttrs".into(), sa);
    }
    Value::Object(e)
}

#[test]
fn later_json_shapes_resolve_to_the_same_paths() {
    let nix = nix_json();
    // nlohmann prints floats differently from Nix 2.8, so a version-4 document of the
    // float-holding structured derivation would stand for another `.drv`: it is left out.
    let v4_ok = |k: &str| !k.ends_with("-structured.drv") && !k.ends_with("uses-structured.drv");
    for v4 in [false, true] {
        let mut doc = Map::new();
        let mut expect = Map::new();
        for (k, entry) in &nix {
            if v4 && !v4_ok(k) {
                continue;
            }
            doc.insert(k.clone(), reshape(entry, k, v4));
            expect.insert(k.clone(), entry.clone());
        }
        let text = if v4 { json!({"version": 4, "derivations": doc}) } else { Value::Object(doc) }.to_string();
        let imp = import_json(&text, "/nix/store").unwrap_or_else(|e| panic!("v4={v4}: {e}"));
        let res = resolve(&imp.graph, &nix_2_8()).unwrap();
        assert_matches_nix(&res, &expect, &identity_keys(&expect));
    }
}

/// A dynamic derivation (`xp-dyn-drv`, which Nix 2.8 does not have; the form is Nix's
/// `DerivedPathMap` printing, paths made up): parsed, printed back, refused by resolution with
/// the reason, and read from the JSON `dynamicOutputs` into the same model.
#[test]
fn dynamic_derivations_parse_print_and_say_what_cannot_be_computed() {
    let text = r#"DrvWithVersion("xp-dyn-drv",[("out","","","")],[("/nix/store/00000000000000000000000000000000-dep.drv",(["cat","dog"],[("cat",["kitten"]),("goose",(["gosling"],[("egg",["yolk"])]))]))],[],"x86_64-linux","/bin/sh",[],[("out","")])"#;
    let drv = parse_aterm(text.as_bytes(), "dyn").unwrap();
    assert_eq!(drv.to_aterm_string(), text);
    let dep = "/nix/store/00000000000000000000000000000000-dep.drv";
    assert_eq!(drv.dynamic_outputs[dep]["goose"].children["egg"].outputs.iter().next().unwrap(), "yolk");
    let graph = Graph::from([("dyn".to_string(), Derivation { input_drvs: BTreeMap::new(), ..drv.clone() })]);
    let e = resolve(&graph, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("dynamic derivation"), "{e}");
    let doc = json!({"dyn": {"name": "dyn", "outputs": {"out": {}}, "inputSrcs": [], "system": "x86_64-linux", "builder": "/bin/sh", "args": [], "env": {"out": ""},
        "inputDrvs": {"dep": {"outputs": ["cat", "dog"], "dynamicOutputs": {"cat": {"outputs": ["kitten"], "dynamicOutputs": {}}, "goose": {"outputs": ["gosling"], "dynamicOutputs": {"egg": {"outputs": ["yolk"], "dynamicOutputs": {}}}}}}}},
        "dep": {"name": "dep", "outputs": {"out": {}}, "inputSrcs": [], "inputDrvs": {}, "system": "x86_64-linux", "builder": "/bin/sh", "args": [], "env": {"out": ""}}});
    let imp = import_json(&doc.to_string(), "/nix/store").unwrap();
    assert_eq!(imp.graph["dyn"].dynamic_outputs["dep"], drv.dynamic_outputs[dep]);
}

/// Nix hashes the env as given: a `.drv` without an `out` env entry, and with `z` twice (the
/// last stays), was refused by Nix 2.8's `nix-store --add` with "has incorrect environment
/// variable 'out', should be '/nix/store/dgzzbdjdnkv7lkqyk50l4q5pbbqascnh-s2'": the path Nix
/// computed from the env without `out`. The engine computes the same path, adds no `out`, and
/// reports the missing entry as a mismatch.
#[test]
fn env_without_its_output_is_hashed_as_given() {
    let text = br#"Derive([("out","","","")],[],[],"x86_64-linux","/bin/sh",[],[("z","1"),("a","2"),("z","3")])"#;
    let drv = parse_aterm(text, "s2").unwrap();
    let graph = Graph::from([("s2".to_string(), drv)]);
    let res = resolve(&graph, &Options::default()).unwrap();
    let r = &res.entries["s2"];
    assert_eq!(r.outputs["out"].as_deref(), Some("/nix/store/dgzzbdjdnkv7lkqyk50l4q5pbbqascnh-s2"));
    assert!(!r.drv.env.contains_key("out"));
    assert_eq!(r.mismatches.len(), 1);
    assert_eq!((r.mismatches[0].field.as_str(), r.mismatches[0].given.as_str()), ("env.out", "(absent)"));
}

/// A floating derivation whose env `out` is empty: Nix 2.8 stores it and prints it with `"out":
/// ""` (`nix-store --add`, then `nix show-derivation`); it fills in no placeholder, and neither
/// does the engine, so the `.drv` is the one given.
#[test]
fn floating_output_env_is_left_as_given() {
    let text = br#"Derive([("out","","r:sha256","")],[],[],"x86_64-linux","/bin/sh",[],[("builder","/bin/sh"),("name","cae"),("out",""),("outputHashAlgo","sha256"),("outputHashMode","recursive"),("system","x86_64-linux")])"#;
    let drv = parse_aterm(text, "cae").unwrap();
    let graph = Graph::from([("cae".to_string(), drv)]);
    let r = &resolve(&graph, &Options::default()).unwrap().entries["cae"];
    assert_eq!(r.drv.env["out"], "");
    assert_eq!(r.aterm, text);
    assert!(r.mismatches.is_empty());
}

/// Printed back in the 2.8 shape, the resolved golden derivations are the document Nix printed,
/// value for value (impure outputs as `"impure": true`).
#[test]
fn export_in_the_2_8_shape_is_what_nix_printed() {
    let nix = nix_json();
    let text = std::fs::read_to_string(golden("forms.nix28.json")).unwrap();
    let imp = import_json(&text, "/nix/store").unwrap();
    let res = resolve(&imp.graph, &nix_2_8()).unwrap();
    let by_path: BTreeMap<String, Derivation> =
        res.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())).collect();
    assert_eq!(drvlab_engine::import::export_json_2_8(&by_path), Value::Object(nix));
}
