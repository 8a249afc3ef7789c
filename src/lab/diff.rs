//! A structured diff of two derivations, like nix-diff, joined to what each difference moves.
//!
//! Two levels: [`diff_specs`] compares two versions of a playground graph (before and after
//! edits) attribute by attribute; [`diff_derivations`] compares two derivations as Nix stored
//! them (two pastes). Each difference is then applied *alone* to the "before" side and the
//! engine recomputes, so "which differences move which paths" is computed, not inferred.

use crate::lab::eval::{evaluate, DrvSpec, SpecGraph};
use crate::lab::explain::{compare, PathId};
use drvlab_engine::derivation::Derivation;
use drvlab_engine::graph::Options;
use std::collections::BTreeSet;

/// One difference between two versions of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    /// Which derivation (spec key, or "A"/"B" for pastes).
    pub key: String,
    /// The field, as the page names it (`env.url`, `args.1`, `outputs`, …).
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The paths this difference moves when applied alone (empty: moves nothing).
    pub moves: Vec<PathId>,
}

fn fields(s: &DrvSpec) -> Vec<(String, String)> {
    let mut f = vec![
        ("name".to_string(), s.name.clone()),
        ("system".into(), s.system.clone()),
        ("builder".into(), s.builder.clone()),
        ("outputs".into(), s.output_names().join(" ")),
    ];
    for (i, a) in s.args.iter().enumerate() {
        f.push((format!("args.{i}"), a.clone()));
    }
    for (k, v) in &s.env {
        f.push((format!("env.{k}"), v.clone()));
    }
    for src in &s.sources {
        let body = match &src.tree {
            None => src.contents.clone(),
            // One line per entry, so two trees differ in the entries that differ.
            Some(files) => files
                .iter()
                .map(|t| format!("{} ({}): {:?}", t.path, format!("{:?}", t.kind).to_lowercase(), t.contents))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        f.push((format!("sources.{}", src.attr), format!("{}: {body}", src.name)));
    }
    if let Some(x) = &s.fixed {
        f.push(("outputHash".into(), x.hash.clone()));
        f.push(("outputHashMode".into(), format!("{:?}", x.mode).to_lowercase()));
        f.push(("outputHashAlgo".into(), x.algo.map(|a| a.to_string()).unwrap_or_default()));
    }
    f.push((
        "kind".into(),
        (if s.fixed.is_some() {
            "fixed-output"
        } else if s.content_addressed {
            "content-addressed"
        } else {
            "input-addressed"
        })
        .into(),
    ));
    f
}

/// Sets one field of `s` to the value it has in `to`.
fn transplant(s: &mut DrvSpec, to: &DrvSpec, field: &str) {
    match field {
        "name" => s.name = to.name.clone(),
        "system" => s.system = to.system.clone(),
        "builder" => s.builder = to.builder.clone(),
        "outputs" => s.outputs = to.outputs.clone(),
        "kind" => {
            s.fixed = to.fixed.clone();
            s.content_addressed = to.content_addressed;
        }
        "outputHash" | "outputHashMode" | "outputHashAlgo" => match (&mut s.fixed, &to.fixed) {
            (Some(a), Some(b)) => match field {
                "outputHash" => a.hash = b.hash.clone(),
                "outputHashMode" => a.mode = b.mode,
                _ => a.algo = b.algo,
            },
            _ => s.fixed = to.fixed.clone(),
        },
        f => {
            if let Some(i) = f.strip_prefix("args.").and_then(|i| i.parse::<usize>().ok()) {
                match to.args.get(i) {
                    Some(v) if i < s.args.len() => s.args[i] = v.clone(),
                    Some(v) => s.args.push(v.clone()),
                    None => {
                        s.args.truncate(i);
                    }
                }
            } else if let Some(k) = f.strip_prefix("env.") {
                let v = to.env.iter().find(|(e, _)| e == k).map(|(_, v)| v.clone());
                match (s.env.iter().position(|(e, _)| e == k), v) {
                    (Some(p), Some(v)) => s.env[p].1 = v,
                    (None, Some(v)) => s.env.push((k.to_string(), v)),
                    (Some(p), None) => {
                        s.env.remove(p);
                    }
                    (None, None) => {}
                }
            } else if let Some(a) = f.strip_prefix("sources.") {
                s.sources.retain(|x| x.attr != a);
                s.sources.extend(to.sources.iter().filter(|x| x.attr == a).cloned());
            }
        }
    }
}

/// Differences between two versions of a spec graph, each with the paths it moves alone.
pub fn diff_specs(before: &SpecGraph, after: &SpecGraph, opts: &Options) -> Vec<FieldDiff> {
    let quiet = Options { trace: false, ..opts.clone() };
    let base = evaluate(before, &quiet);
    let mut out = Vec::new();
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for key in keys {
        match (before.get(key), after.get(key)) {
            (Some(b), Some(a)) => {
                let fb = fields(b);
                let fa = fields(a);
                let names: BTreeSet<&String> = fb.iter().chain(fa.iter()).map(|(n, _)| n).collect();
                for name in names {
                    let vb = fb.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                    let va = fa.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                    if vb == va {
                        continue;
                    }
                    let mut g = before.clone();
                    if let Some(s) = g.get_mut(key) {
                        transplant(std::rc::Rc::make_mut(s), a, name);
                    }
                    let alone = evaluate(&g, &quiet);
                    let moves = compare(&base.resolution, &alone.resolution)
                        .into_iter()
                        .filter(|c| c.moved())
                        .map(|c| c.id)
                        .collect();
                    out.push(FieldDiff { key: key.clone(), field: name.clone(), before: vb, after: va, moves });
                }
            }
            (b, a) => out.push(FieldDiff {
                key: key.clone(),
                field: "derivation".into(),
                before: b.map(|_| "present".into()),
                after: a.map(|_| "present".into()),
                moves: vec![],
            }),
        }
    }
    out
}

/// Differences between two stored derivations (two pastes): every ATerm field, with whether it
/// moves the `.drv` path (always, when it differs) noted by recomputing A's `.drv` path with
/// that one field taken from B.
pub fn diff_derivations(a: &Derivation, b: &Derivation, store_dir: &str) -> Vec<FieldDiff> {
    let drv_path = |d: &Derivation| {
        let mut refs: Vec<String> = d.input_srcs.iter().cloned().collect();
        refs.extend(d.input_drvs.keys().cloned());
        drvlab_engine::store_path::text_path(
            store_dir,
            &format!("{}.drv", d.name),
            &d.to_aterm_bytes(),
            &refs,
            &mut drvlab_engine::trace::Trace::off(),
        )
    };
    let base = drv_path(a);
    let mut out = Vec::new();
    let mut push = |field: String, before: Option<String>, after: Option<String>, patched: Derivation| {
        if before != after {
            let moved = drv_path(&patched) != base;
            let moves = if moved { vec![PathId { key: "A".into(), output: None }] } else { vec![] };
            out.push(FieldDiff { key: "A→B".into(), field, before, after, moves });
        }
    };
    push("name".into(), Some(a.name.clone()), Some(b.name.clone()), Derivation { name: b.name.clone(), ..a.clone() });
    push(
        "system".into(),
        Some(a.system.clone()),
        Some(b.system.clone()),
        Derivation { system: b.system.clone(), ..a.clone() },
    );
    push(
        "builder".into(),
        Some(a.builder.clone()),
        Some(b.builder.clone()),
        Derivation { builder: b.builder.clone(), ..a.clone() },
    );
    for i in 0..a.args.len().max(b.args.len()) {
        let mut p = a.clone();
        p.args = b.args.clone();
        push(format!("args.{i}"), a.args.get(i).cloned(), b.args.get(i).cloned(), p);
    }
    let keys: BTreeSet<&String> = a.env.keys().chain(b.env.keys()).collect();
    for k in keys {
        let mut p = a.clone();
        match b.env.get(k) {
            Some(v) => p.env.insert(k.clone(), v.clone()),
            None => p.env.remove(k),
        };
        push(format!("env.{k}"), a.env.get(k).cloned(), b.env.get(k).cloned(), p);
    }
    let outs: BTreeSet<&String> = a.outputs.keys().chain(b.outputs.keys()).collect();
    for o in outs {
        let show = |d: &Derivation| {
            d.outputs.get(o).map(|x| format!("{} {} {}", x.path, x.hash_algo, x.hash).trim().to_string())
        };
        let mut p = a.clone();
        match b.outputs.get(o) {
            Some(x) => p.outputs.insert(o.clone(), x.clone()),
            None => p.outputs.remove(o),
        };
        push(format!("outputs.{o}"), show(a), show(b), p);
    }
    let inputs: BTreeSet<&String> = a.input_drvs.keys().chain(b.input_drvs.keys()).collect();
    for i in inputs {
        let show = |d: &Derivation| d.input_drvs.get(i).map(|s| s.iter().cloned().collect::<Vec<_>>().join(","));
        let mut p = a.clone();
        match b.input_drvs.get(i) {
            Some(x) => p.input_drvs.insert(i.clone(), x.clone()),
            None => p.input_drvs.remove(i),
        };
        push(format!("inputDrvs.{i}"), show(a), show(b), p);
    }
    let srcs: BTreeSet<&String> = a.input_srcs.symmetric_difference(&b.input_srcs).collect();
    for s in srcs {
        let mut p = a.clone();
        if !p.input_srcs.remove(s) {
            p.input_srcs.insert(s.clone());
        }
        push(format!("inputSrcs.{s}"), a.input_srcs.get(s).cloned(), b.input_srcs.get(s).cloned(), p);
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::lab::playground::{parse_edit, Action, Playground};

    #[test]
    fn each_difference_is_joined_to_what_it_moves() {
        let p = Playground::default();
        let url = parse_edit(&p.specs["fetch"], "env.url", "https://example.org/x.tar.gz").unwrap();
        let q = p.reduce(Action::Edit("fetch".into(), url)).unwrap();
        let builder = parse_edit(&q.specs["build"], "builder", "/bin/bash").unwrap();
        let r = q.reduce(Action::Edit("build".into(), builder)).unwrap();
        let d = diff_specs(&p.specs, &r.specs, &Options::default());
        assert_eq!(d.len(), 2, "{d:?}");
        let url = d.iter().find(|x| x.field == "env.url").unwrap();
        assert!(url.moves.iter().all(|m| m.output.is_none()), "a FOD's url moves only .drv paths: {:?}", url.moves);
        let b = d.iter().find(|x| x.field == "builder").unwrap();
        assert!(b.moves.iter().any(|m| m.key == "app" && m.output.as_deref() == Some("out")));
    }

    #[test]
    fn two_stored_derivations() {
        let p = Playground::default();
        let a = p.computed.eval.resolution.entries["fetch"].drv.clone();
        let mut b = a.clone();
        b.env.insert("url".into(), "https://example.org/y".into());
        b.args.push("extra".into());
        let d = diff_derivations(&a, &b, "/nix/store");
        let fields: Vec<&str> = d.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["args.2", "env.url"]);
        assert!(d.iter().all(|x| !x.moves.is_empty()));
    }
}
