//! The "what moves" matrix: each field perturbed, the graph re-evaluated by the engine, every
//! path compared — never a table of which field "should" move what.

use super::computed::Computed;
use crate::lab::edit::{spec_fields, SpecEdit};
use crate::lab::eval::{evaluate, Evaluated, SpecGraph};
use crate::lab::explain::{PathChange, PathId};
use crate::lab::rerun::NameFollows;
use drvlab_engine::graph::Options;
use std::collections::{BTreeMap, BTreeSet};

/// The sensitivity sweep over the spec graph: each field of each derivation (or of `only`)
/// perturbed in turn, the graph re-evaluated by the engine, every path compared with the
/// unperturbed one.
pub fn sweep(specs: &SpecGraph, opts: &Options, only: Option<&str>) -> crate::lab::explain::Sweep {
    sweep_following(specs, opts, only, None)
}

/// The sweep, with a name that follows its recipe ([`NameFollows`]) re-applied after each
/// perturbation, as the reducer applies it after each edit.
pub fn sweep_following(
    specs: &SpecGraph,
    opts: &Options,
    only: Option<&str>,
    follows: Option<&NameFollows>,
) -> crate::lab::explain::Sweep {
    sweep_reporting(specs, opts, only, follows, &mut |_, _| {})
}

/// [`sweep_following`], calling `progress(swept, to sweep)` (in derivations) before each
/// derivation and once at the end: the CLI's progress line.
pub fn sweep_reporting(
    specs: &SpecGraph,
    opts: &Options,
    only: Option<&str>,
    follows: Option<&NameFollows>,
    progress: &mut dyn FnMut(usize, usize),
) -> crate::lab::explain::Sweep {
    let quiet = Options { trace: false, ..opts.clone() };
    let base = evaluate(specs, &quiet);
    let columns: Vec<PathId> = crate::lab::explain::all_paths(&base.resolution).into_iter().map(|(id, _)| id).collect();
    let refs: BTreeMap<&str, BTreeSet<String>> =
        drvlab_engine::collect::map(specs.iter().map(|(k, s)| (k.as_str(), crate::lab::eval::references(s, specs))));
    let mut rows = Vec::new();
    let total = base.resolution.order.iter().filter(|k| only.is_none_or(|o| o == k.as_str())).count();
    for (n, key) in base.resolution.order.iter().filter(|k| only.is_none_or(|o| o == k.as_str())).enumerate() {
        progress(n, total);
        // The edited derivation and everything that uses it, in dependency order: only these can
        // move (a derivation's paths depend on its own attributes and its inputs' paths alone).
        let mut downstream: BTreeSet<&str> = BTreeSet::from([key.as_str()]);
        for k in &base.resolution.order {
            if refs[k.as_str()].iter().any(|r| downstream.contains(r.as_str())) {
                downstream.insert(k.as_str());
            }
        }
        let spec = &specs[key];
        for (label, edit) in spec_fields(spec) {
            let mut g = specs.clone();
            if let Some(s) = g.get_mut(key) {
                edit.apply(s);
            }
            if let Some(f) = follows {
                f.apply(&mut g, &quiet);
            }
            let same_inputs = crate::lab::eval::references(&g[key], &g) == refs[key.as_str()];
            let moved = if base.errors.is_empty() && same_inputs && follows.is_none() {
                moves_downstream(&g, &base, &downstream, &columns, &quiet)
            } else {
                // A new input (or a graph with errors elsewhere): evaluate it all.
                let after = evaluate(&g, &quiet);
                match after.errors.first() {
                    Some(e) => Err(e.to_string()),
                    None => {
                        let ch = crate::lab::explain::compare(&base.resolution, &after.resolution);
                        Ok(ch.iter().take(columns.len()).map(PathChange::moved).collect())
                    }
                }
            };
            let value = format!("{edit:?}");
            rows.push(crate::lab::explain::SweepRow { key: key.clone(), field: label, value, moved });
        }
    }
    progress(total, total);
    crate::lab::explain::Sweep { columns, rows }
}

/// Which columns move when only `downstream` (in `base`'s dependency order) is re-evaluated in
/// `g`; every other derivation keeps its resolution from `base`, and only the direct inputs of
/// re-evaluated derivations are looked up, so a sweep row costs what its cascade costs.
fn moves_downstream(
    g: &SpecGraph,
    base: &Evaluated,
    downstream: &BTreeSet<&str>,
    columns: &[PathId],
    opts: &Options,
) -> Result<Vec<bool>, String> {
    let mut done: BTreeMap<String, drvlab_engine::graph::Resolved> = BTreeMap::new();
    for k in base.resolution.order.iter().filter(|k| downstream.contains(k.as_str())) {
        for r in crate::lab::eval::references(&g[k], g) {
            if !downstream.contains(r.as_str()) && !done.contains_key(&r) {
                if let Some(res) = base.resolution.entries.get(&r) {
                    done.insert(r, res.clone());
                }
            }
        }
        let (_, r) = crate::lab::eval::evaluate_one(k, g, &done, opts).map_err(|e| e.to_string())?;
        done.insert(k.clone(), r);
    }
    Ok(columns
        .iter()
        .map(|c| {
            if !downstream.contains(c.key.as_str()) {
                return false;
            }
            let (before, after) = (&base.resolution.entries[&c.key], &done[&c.key]);
            match &c.output {
                None => before.drv_path != after.drv_path,
                Some(o) => before.outputs.get(o) != after.outputs.get(o),
            }
        })
        .collect())
}

/// The same graph with `key` switched between input-addressed and fixed-output (keeping the
/// last declared hash, or the sha256 of nothing), so the page can show both pipelines.
pub fn flipped(specs: &SpecGraph, key: &str, opts: &Options) -> Option<(SpecGraph, Computed)> {
    let mut g = specs.clone();
    let s = g.get_mut(key)?;
    if s.content_addressed {
        return None;
    }
    SpecEdit::Fixed(s.fixed.is_none()).apply(s);
    let c = Computed::new(&g, opts);
    Some((g, c))
}
