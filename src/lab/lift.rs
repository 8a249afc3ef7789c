//! From derivations as Nix stored them back to editable `derivation { … }` attributes.
//!
//! An imported `.drv` holds its inputs' output paths as literal text (Nix substituted them when
//! it evaluated `"${dep}"`). To let a person edit an imported closure and see what really moves,
//! those literals are turned back into `${key}` / `${key.output}` references, so a change to an
//! input flows into its users exactly as it would through re-evaluation. Evaluating the lifted
//! graph reproduces the imported paths; the tests check that on every differential case.

use crate::lab::eval::{DrvSpec, FixedSpec, SpecGraph};
use drvlab_engine::derivation::Derivation;
use drvlab_engine::derivation::DrvKind;
use drvlab_engine::graph::{Graph, Resolution};
use drvlab_engine::hash::HashAlgo;
use drvlab_engine::store_path::FixedMode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The lifted graph and, for each original key, the spec key it became.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifted {
    pub specs: SpecGraph,
    pub keys: BTreeMap<String, String>,
}

/// A Nix identifier for a derivation, from its name (`hello-2.12.1` → `hello-2_12_1`).
fn ident_for(name: &str, taken: &BTreeSet<String>, literal: &BTreeSet<String>) -> String {
    let mut base: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if !base.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        base.insert(0, 'd');
    }
    base.truncate(36);
    // A key that already appears as `${key}` in some string would turn that literal text into a
    // reference, so such keys are avoided too.
    let used = |k: &str| taken.contains(k) || literal.contains(k);
    if !used(&base) {
        return base;
    }
    (2..).map(|i| format!("{base}{i}")).find(|k| !used(k)).unwrap_or(base)
}

/// The attributes `derivation` was called with, as far as the `.drv` tells: the env entries
/// (every value a string), or with structured attributes the object in `env.__json`; and
/// whether they were structured.
struct Attrs(BTreeMap<String, Value>, bool);

impl Attrs {
    fn of(d: &Derivation) -> Attrs {
        if let Some(json) = d.env.get("__json") {
            if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(json) {
                return Attrs(m.into_iter().collect(), true);
            }
        }
        Attrs(d.env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect(), false)
    }

    /// The `outputs` attribute: a space-separated string, or with structured attributes a list;
    /// empty when absent.
    fn outputs(&self) -> Vec<String> {
        match self.0.get("outputs") {
            Some(Value::String(o)) => o.split_whitespace().map(str::to_string).collect(),
            Some(Value::Array(items)) => items.iter().filter_map(|o| o.as_str().map(str::to_string)).collect(),
            _ => vec![],
        }
    }

    fn string(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(Value::as_str)
    }
}

/// Relinks every string (and key) inside a JSON value.
fn relink_json(v: &Value, relink: &mut dyn FnMut(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(relink(s)),
        Value::Array(items) => Value::Array(items.iter().map(|x| relink_json(x, relink)).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (relink(k), relink_json(x, relink))).collect()),
        other => other.clone(),
    }
}

/// Lifts a resolved graph. Attributes that `derivation` sets itself (name, system, builder,
/// outputs, the output hash attributes, each output's own path) become fields again; the rest
/// stay env rows, with input paths replaced by references.
pub fn lift(graph: &Graph, res: &Resolution) -> Lifted {
    let mut job = Lifting::default();
    while !job.step(graph, res, usize::MAX) {}
    job.finish()
}

/// [`lift`] as a job, a few derivations at a time ([`Lifting::step`]), so the page can import a
/// big closure in slices between frames: every string is scanned for `${…}` first, then each
/// derivation's key is chosen, then the derivations are lifted.
#[derive(Debug, Clone, Default)]
pub struct Lifting {
    /// The identifiers that appear as `${…}` in some string, and how many derivations were
    /// scanned for them.
    literal: BTreeSet<String>,
    scanned: usize,
    /// Each derivation's key in the lifted graph, once every string is scanned.
    keys: Option<BTreeMap<String, String>>,
    specs: SpecGraph,
    at: usize,
}

impl Lifting {
    /// Does up to `n` more units of work on `graph` (resolved as `res`: the graph and
    /// resolution the job was made for): a derivation scanned, the keys chosen, or a
    /// derivation lifted; true when all are lifted.
    pub fn step(&mut self, graph: &Graph, res: &Resolution, n: usize) -> bool {
        let mut n = n;
        while n > 0 && self.scanned < res.order.len() {
            scan_literals(&graph[&res.order[self.scanned]], &mut self.literal);
            self.scanned += 1;
            n -= 1;
        }
        if n == 0 {
            return false;
        }
        let Some(keys) = &self.keys else {
            self.keys = Some(keys_for(graph, res, &self.literal));
            return false;
        };
        for k in res.order.iter().skip(self.at).take(n) {
            let spec = lift_one(graph, res, keys, k);
            self.specs.insert(keys[k].clone(), spec.into());
            self.at += 1;
        }
        self.at == res.order.len()
    }

    /// Whether the next unit of work is the one that cannot be split (choosing every
    /// derivation's key, from all the literals scanned): a job run in slices begins a slice
    /// with it.
    pub fn next_is_fixed(&self, res: &Resolution) -> bool {
        self.scanned == res.order.len() && self.keys.is_none()
    }

    /// (derivations lifted, derivations to lift).
    pub fn progress(&self, res: &Resolution) -> (usize, usize) {
        (self.at, res.order.len())
    }

    pub fn finish(self) -> Lifted {
        Lifted { specs: self.specs, keys: self.keys.unwrap_or_default() }
    }
}

/// Every identifier that appears as `${…}` in one of `d`'s strings, into `literal`: a key chosen
/// from those would turn that literal text into a reference.
fn scan_literals(d: &Derivation, literal: &mut BTreeSet<String>) {
    for text in d.args.iter().chain(d.env.iter().flat_map(|(k, v)| [k, v])).chain(std::iter::once(&d.builder)) {
        for part in text.split("${").skip(1) {
            let ident: String =
                part.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\'')).collect();
            literal.insert(ident);
        }
    }
}

/// Each derivation's key in the lifted graph.
fn keys_for(graph: &Graph, res: &Resolution, literal: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for k in &res.order {
        let id = ident_for(&graph[k].name, &taken, literal);
        taken.insert(id.clone());
        keys.insert(k.clone(), id);
    }
    keys
}

/// One derivation lifted: its input paths (or placeholders) replaced by references.
fn lift_one(graph: &Graph, res: &Resolution, keys: &BTreeMap<String, String>, k: &str) -> DrvSpec {
    let d = &graph[k];
    let r = &res.entries[k];
    let mut replacements: Vec<(String, String)> = Vec::new();
    for (input, outs) in &d.input_drvs {
        let ir = &res.entries[input];
        let ikey = &keys[input];
        let default_out = Attrs::of(&graph[input]).outputs().into_iter().next().unwrap_or_else(|| "out".to_string());
        for o in outs {
            let text = match ir.outputs.get(o).cloned().flatten() {
                Some(p) => p,
                None => crate::lab::eval::downstream_placeholder(&ir.drv_path, &ir.drv.name, o),
            };
            let reference = if *o == default_out { format!("${{{ikey}}}") } else { format!("${{{ikey}.{o}}}") };
            replacements.push((text, reference));
        }
    }
    // Group the references by the text they stand for: two inputs can have the same output
    // path (fixed-output derivations with one name and hash), and then successive
    // occurrences of that path are given to each of them in turn, so every input stays an
    // input. Longest text first, so a path that is a prefix of another is not split.
    let mut by_text: Vec<(String, Vec<String>)> = Vec::new();
    for (text, reference) in replacements {
        match by_text.iter_mut().find(|(t, _)| *t == text) {
            Some((_, refs)) => refs.push(reference),
            None => by_text.push((text, vec![reference])),
        }
    }
    by_text.sort_unstable_by_key(|r| std::cmp::Reverse(r.0.len()));
    let mut used = vec![0usize; by_text.len()];
    let mut relink = |s: &str| {
        let mut out = s.to_string();
        for (i, (from, refs)) in by_text.iter().enumerate() {
            if !out.contains(from.as_str()) {
                continue;
            }
            let mut next = String::with_capacity(out.len());
            let mut rest = out.as_str();
            while let Some(at) = rest.find(from.as_str()) {
                next.push_str(&rest[..at]);
                next.push_str(&refs[used[i].min(refs.len() - 1)]);
                used[i] += 1;
                rest = &rest[at + from.len()..];
            }
            next.push_str(rest);
            out = next;
        }
        out
    };
    let attrs = Attrs::of(d);
    let outputs = attrs.outputs();
    let fixed = match &r.kind {
        DrvKind::Fixed { mode, hash } => Some(FixedSpec {
            mode: *mode,
            algo: attrs.string("outputHashAlgo").and_then(|a| HashAlgo::parse(a).ok()),
            hash: attrs
                .string("outputHash")
                .map(str::to_string)
                .unwrap_or_else(|| hash.to_format(drvlab_engine::hash::HashFormat::Sri, true)),
            omit_mode: attrs.string("outputHashMode").is_none(),
            // `outputHashAlgo = ""` (fetchurl.nix with an SRI hash) is kept as written.
            empty_algo: attrs.string("outputHashAlgo") == Some(""),
        }),
        _ => None,
    };
    let content_addressed = matches!(r.kind, DrvKind::Floating { .. });
    let impure = matches!(r.kind, DrvKind::Impure { .. });
    let own: Vec<&String> = d.outputs.keys().collect();
    let skip = |key: &str| {
        matches!(key, "name" | "system" | "builder" | "outputs")
            || (!attrs.1 && own.iter().any(|o| o.as_str() == key))
            || ((fixed.is_some() || content_addressed)
                && matches!(key, "outputHash" | "outputHashAlgo" | "outputHashMode"))
    };
    let builder = relink(&d.builder);
    let args: Vec<String> = d.args.iter().map(|a| relink(a)).collect();
    let mut env = Vec::new();
    let mut typed_env = Vec::new();
    for (k, v) in attrs.0.iter().filter(|(k, _)| !skip(k)) {
        match v {
            Value::String(s) => env.push((relink(k), relink(s))),
            other => typed_env.push((relink(k), relink_json(other, &mut relink))),
        }
    }
    let mut fixed = fixed;
    if let Some(f) = &mut fixed {
        // outputHashMode defaults to flat when absent; keep what the kind says.
        match attrs.string("outputHashMode") {
            Some("recursive") => f.mode = FixedMode::Recursive,
            Some("text") => f.mode = FixedMode::Text,
            _ => {}
        }
    }
    let spec = DrvSpec {
        name: d.name.clone(),
        system: d.system.clone(),
        builder,
        args,
        env,
        outputs,
        fixed,
        content_addressed,
        sources: vec![],
        store_srcs: d.input_srcs.iter().cloned().collect(),
        structured_attrs: attrs.1,
        typed_env,
        impure,
    };
    spec
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::lab::eval::evaluate;
    use drvlab_engine::graph::{resolve, Options};
    use drvlab_engine::import::import_json;

    /// `nix show-derivation -r` of the fetch/build pair, as real Nix 2.8 printed it.
    const NIX_JSON: &str = r#"{
  "/nix/store/vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv": {
    "outputs": {"dev": {"path": "/nix/store/6a20jg0ixr78i10ql34jgagcf01pw7vi-build-dev"}, "out": {"path": "/nix/store/kxw3pl42mdb1mmj60iwc1gsqv86r4hsi-build"}},
    "inputSrcs": [], "inputDrvs": {"/nix/store/yhfk2f2pz97kxlah1j7dvf2rbvld55ps-src.drv": ["out"]},
    "system": "x86_64-linux", "builder": "/bin/sh", "args": ["-c", "echo /nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src"],
    "env": {"builder": "/bin/sh", "dev": "/nix/store/6a20jg0ixr78i10ql34jgagcf01pw7vi-build-dev", "name": "build", "out": "/nix/store/kxw3pl42mdb1mmj60iwc1gsqv86r4hsi-build", "outputs": "out dev", "system": "x86_64-linux"}
  },
  "/nix/store/yhfk2f2pz97kxlah1j7dvf2rbvld55ps-src.drv": {
    "outputs": {"out": {"path": "/nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src", "hashAlgo": "sha256", "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
    "inputSrcs": [], "inputDrvs": {}, "system": "x86_64-linux", "builder": "/bin/sh", "args": ["-c", "echo"],
    "env": {"builder": "/bin/sh", "name": "src", "out": "/nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src", "outputHash": "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", "outputHashAlgo": "sha256", "outputHashMode": "flat", "system": "x86_64-linux"}
  }
}"#;

    #[test]
    fn lifted_graph_evaluates_to_the_imported_paths() {
        let imp = import_json(NIX_JSON, "/nix/store").unwrap();
        let res = resolve(&imp.graph, &Options::default()).unwrap();
        let lifted = lift(&imp.graph, &res);
        assert_eq!(lifted.specs["build"].args[1], "echo ${src}");
        let ev = evaluate(&lifted.specs, &Options::default());
        assert!(ev.errors.is_empty(), "{:?}", ev.errors);
        for (orig, key) in &lifted.keys {
            assert_eq!(ev.resolution.entries[key].drv_path, res.entries[orig].drv_path);
            assert_eq!(ev.resolution.entries[key].outputs, res.entries[orig].outputs);
        }
    }
}
