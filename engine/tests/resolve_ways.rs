//! The engine's resolution, checked against itself: traces on or off, `resolve_one` step by
//! step, `resolve_each` handing over — the same paths, ATerms and hashes every way.
#![cfg(not(target_arch = "wasm32"))]

use drvlab_engine::graph::{resolve, resolve_each, resolve_one, InputMerge, Options};
use std::collections::BTreeMap;

/// Traces on or off, in either merge mode, the same computation: every path, ATerm, hash
/// modulo and mismatch agree (the traced run writes its ATerms again for the spans; the
/// quiet one hashes spliced buffers).
#[test]
fn traces_change_no_result() {
    for (n, seed) in [(200, 42), (40, 7)] {
        let g = drvlab_engine::synth::graph(n, seed);
        for merge in [InputMerge::Merge, InputMerge::Overwrite] {
            let on = resolve(&g, &Options { merge, ..Options::default() }).unwrap();
            let off = resolve(&g, &Options { merge, trace: false, ..Options::default() }).unwrap();
            assert_eq!(on.order, off.order);
            for (k, a) in &on.entries {
                let b = &off.entries[k];
                assert!(!a.traces.drv_path.steps.is_empty() && b.traces.drv_path.steps.is_empty());
                assert_eq!((&a.drv, &a.aterm, &a.drv_path, &a.outputs), (&b.drv, &b.aterm, &b.drv_path, &b.outputs));
                assert_eq!((&a.modulo, &a.mismatches), (&b.modulo, &b.mismatches));
                assert_eq!(a.traces.drv_path.get("path"), Some(a.drv_path.as_str()));
            }
        }
    }
}

/// `resolve_one` over a map of resolved inputs is `resolve`'s step.
#[test]
fn resolve_one_is_resolves_step() {
    let g = drvlab_engine::synth::graph(60, 3);
    let all = resolve(&g, &Options::default()).unwrap();
    let mut done = BTreeMap::new();
    for k in &all.order {
        let r = resolve_one(k, &g[k], &done, &Options::default()).unwrap();
        assert_eq!(&r, &all.entries[k]);
        done.insert(k.clone(), r);
    }
}

/// `resolve_each` hands over exactly what `resolve` keeps, traced where asked.
#[test]
fn resolve_each_hands_over_resolve() {
    let g = drvlab_engine::synth::graph(80, 5);
    let quiet = Options { trace: false, ..Options::default() };
    let all = resolve(&g, &quiet).unwrap();
    let traced = resolve(&g, &Options::default()).unwrap();
    let mut seen = Vec::new();
    let order = resolve_each(&g, &quiet, &|k| k == "d7", |k, r| {
        let want = if k == "d7" { &traced.entries[k] } else { &all.entries[k] };
        assert_eq!(&r, want, "{k}");
        seen.push(k.to_string());
    })
    .unwrap();
    assert_eq!((&order, &seen), (&all.order, &all.order));
}

/// `resolve_json`'s one pass (each entry read on its own and moved into the derivation it
/// writes) hands over what importing the whole document and resolving it gives: the same
/// written derivation, ATerm, paths, hash modulo and mismatches, on a generated closure keyed
/// by `.drv` path (as `nix derivation show -r` prints one) and on the documents real Nix 2.8
/// wrote (fixed-output, content-addressed, structured attributes, several outputs).
#[test]
fn one_pass_over_json_hands_over_import_then_resolve() {
    use drvlab_engine::import::{dependency_order_json, export_json_2_8, import_json, resolve_json};
    let nix28 = Some(drvlab_engine::graph::NixVersion::new(2, 8, 0));
    let quiet = Options { trace: false, nix: nix28, ..Options::default() };
    let g = drvlab_engine::synth::graph(120, 9);
    let res = resolve(&g, &quiet).unwrap();
    let by_path: BTreeMap<String, drvlab_engine::Derivation> =
        res.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())).collect();
    let mut docs = vec![export_json_2_8(&by_path).to_string()];
    for f in ["forms.nix28.json", "ca.nix28.json", "fetch-build.nix28.json"] {
        docs.push(std::fs::read_to_string(format!("{}/tests/golden/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap());
    }
    for doc in &docs {
        let store = drvlab_engine::store_path::DEFAULT_STORE_DIR;
        let whole = resolve(&import_json(doc, store).unwrap().graph, &quiet).unwrap();
        let mut seen = Vec::new();
        let (_, order) = resolve_json(doc, store, &quiet, &|_| false, |k, r| {
            assert_eq!(&r, &whole.entries[k], "{k}");
            seen.push(k.to_string());
        })
        .unwrap();
        assert_eq!((&order, &seen), (&whole.order, &whole.order));
        assert_eq!(dependency_order_json(doc, store).unwrap(), whole.order, "the order alone, nothing resolved");
        assert!(whole.entries.values().all(|r| r.mismatches.is_empty()), "what Nix wrote is what Nix computes");
    }
}

/// The order alone fails as resolving fails where the document's inputs are wrong (a cycle,
/// an input not in the document), and not where only resolving can tell (a bad name).
#[test]
fn dependency_order_json_names_what_resolving_names() {
    use drvlab_engine::import::{dependency_order_json, resolve_json};
    let store = drvlab_engine::store_path::DEFAULT_STORE_DIR;
    let entry = |name: &str, input: &str| {
        let inputs = if input.is_empty() { String::new() } else { format!(r#""{input}": ["out"]"#) };
        format!(
            r#""{name}": {{"outputs": {{"out": {{}}}}, "inputSrcs": [], "inputDrvs": {{{inputs}}}, "system": "x", "builder": "/bin/sh", "args": [], "env": {{"name": "{name}"}}}}"#
        )
    };
    let quiet = Options { trace: false, ..Options::default() };
    for doc in [
        format!("{{{}, {}}}", entry("a", "b"), entry("b", "a")),
        format!("{{{}}}", entry("a", "zz")),
        format!("{{{}, {}}}", entry("a", ""), entry("b", "a")),
    ] {
        let resolved = resolve_json(&doc, store, &quiet, &|_| false, |_, _| {}).map(|(_, order)| order);
        assert_eq!(dependency_order_json(&doc, store), resolved, "{doc}");
    }
    let bad_name = format!("{{{}}}", entry("a b", ""));
    assert!(resolve_json(&bad_name, store, &quiet, &|_| false, |_, _| {}).is_err());
    assert_eq!(dependency_order_json(&bad_name, store).unwrap(), ["a b"]);
}
