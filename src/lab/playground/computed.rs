//! The engine's answer for one spec graph: evaluation, lints and each source's trace — computed
//! whole, or after an edit of one derivation by re-evaluating only that derivation and the
//! derivations that use it (nothing else can move: a derivation's paths depend on its own
//! attributes and its inputs' paths alone).

use crate::lab::eval::{evaluate_one, references, spec_order, EvalError, Evaluated, Evaluating, SpecGraph};
use crate::lab::explain::{PathChange, PathId};
use crate::lab::lint::{lints, lints_where, Lint};
use drvlab_engine::graph::{Options, Resolution, Resolved};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::rc::Rc;

/// Each derivation's inputs in the graph (the keys its strings refer to).
pub type Refs = BTreeMap<String, BTreeSet<String>>;

/// Each derivation's resolution by key, every one shared (`Rc`) between the computations that
/// have it: an edit replaces the resolutions it reaches and copies only pointers for the rest,
/// so a keystroke in a 5,000-derivation closure does not copy 5,000 resolutions. Read like the
/// map it replaces (`get`, `contains_key`, `iter`, `values`, `[key]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entries {
    /// Every key of the graph, sorted (shared while the keys stay the same).
    keys: Rc<Vec<String>>,
    /// `keys[i]`'s resolution, or `None` where it failed.
    slots: Vec<Option<Rc<Resolved>>>,
}

impl Entries {
    fn of(keys: Rc<Vec<String>>, mut map: BTreeMap<String, Resolved>) -> Entries {
        let slots = keys.iter().map(|k| map.remove(k).map(Rc::new)).collect();
        Entries { keys, slots }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.keys.binary_search_by(|k| k.as_str().cmp(key)).ok()
    }

    pub fn get(&self, key: &str) -> Option<&Resolved> {
        self.slots[self.index(key)?].as_deref()
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every resolved derivation, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Resolved)> {
        self.keys.iter().zip(&self.slots).filter_map(|(k, r)| Some((k, r.as_deref()?)))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Resolved> {
        self.iter().map(|(_, r)| r)
    }

    /// How many derivations resolved.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|r| r.is_some()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn set(&mut self, key: &str, r: Option<Resolved>) {
        if let Some(i) = self.index(key) {
            self.slots[i] = r.map(Rc::new);
        }
    }

    /// A map of `keys`' resolutions (copies): what the engine's `resolve_one` is given.
    fn map_of<'a>(&self, keys: impl IntoIterator<Item = &'a String>) -> BTreeMap<String, Resolved> {
        drvlab_engine::collect::map(keys.into_iter().filter_map(|k| Some((k.clone(), self.get(k)?.clone()))))
    }
}

impl<Q: AsRef<str> + ?Sized> std::ops::Index<&Q> for Entries {
    type Output = Resolved;
    fn index(&self, key: &Q) -> &Resolved {
        self.get(key.as_ref()).expect("a resolved key")
    }
}

/// A [`Resolution`] as the page holds it: its order and its entries shared between
/// computations ([`Entries`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedResolution {
    pub order: Rc<Vec<String>>,
    pub entries: Entries,
}

impl SharedResolution {
    /// The engine's resolution (a copy of every entry: for a build or an export, not a
    /// keystroke).
    pub fn to_resolution(&self) -> Resolution {
        Resolution { order: self.order.to_vec(), entries: self.entries.map_of(self.order.iter()) }
    }
}

/// [`Evaluated`], shared: the resolution ([`SharedResolution`]) and the errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedEval {
    pub resolution: SharedResolution,
    pub errors: Vec<EvalError>,
}

impl SharedEval {
    fn of(specs: &SpecGraph, eval: Evaluated) -> SharedEval {
        let keys = Rc::new(specs.keys().cloned().collect());
        let Evaluated { resolution, errors } = eval;
        let resolution =
            SharedResolution { order: Rc::new(resolution.order), entries: Entries::of(keys, resolution.entries) };
        SharedEval { resolution, errors }
    }
}

/// The engine's answer for one spec graph, shared by every view of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub eval: SharedEval,
    pub lints: Vec<Lint>,
    /// How each source of each derivation became its store path (traces on only).
    pub sources: BTreeMap<String, Vec<Option<drvlab_engine::trace::Trace>>>,
    /// Each derivation's inputs; shared (the same `Rc`) while no reference changes, so a view
    /// keyed on it (the graph drawing) is not redone on every keystroke.
    pub refs: Rc<Refs>,
    /// Every key in dependency order (those caught in a cycle left out), as [`spec_order`] gives.
    pub order: Rc<Vec<String>>,
    /// `None`: every derivation's traces are kept (as `opts.trace` says); `Some(key)`: only
    /// `key`'s ([`Computed::for_page`]).
    pub only: Option<String>,
}

fn source_traces(s: &crate::lab::eval::DrvSpec, opts: &Options) -> Vec<Option<drvlab_engine::trace::Trace>> {
    (0..s.sources.len()).map(|i| crate::lab::eval::source_trace(s, i, &opts.store_dir)).collect()
}

/// A graph of more derivations than this keeps traces (the "how" pipelines) of one derivation
/// only, the selected one: [`Computed::for_page`].
pub const TRACE_ALL: usize = 200;

/// A graph of more derivations than this lists, after an edit, only the paths of the
/// derivations the edit reaches ([`Computed::changes_to`]); the rest are counted.
pub const LIST_ALL: usize = 200;

impl Computed {
    pub fn new(specs: &SpecGraph, opts: &Options) -> Computed {
        Computed::traced(specs, opts, None)
    }

    /// What the page computes: with traces of every derivation, or in a big graph
    /// ([`TRACE_ALL`]) of `selected` only.
    pub fn for_page(specs: &SpecGraph, opts: &Options, selected: &str) -> Computed {
        Computed::traced(specs, opts, (specs.len() > TRACE_ALL).then_some(selected))
    }

    fn traced(specs: &SpecGraph, opts: &Options, only: Option<&str>) -> Computed {
        let mut job = Computing::new(specs, opts, only);
        job.step(specs, usize::MAX);
        job.finish(specs)
    }

    /// Whether `key`'s traces were kept.
    pub fn has_traces(&self, key: &str) -> bool {
        self.only.as_deref().is_none_or(|o| o == key)
    }

    /// The same answer with `key`'s traces kept instead (a new selection in a big graph): that
    /// one derivation is evaluated again, with its inputs' resolutions.
    pub fn retraced(&self, specs: &SpecGraph, key: &str, opts: &Options) -> Option<Computed> {
        if self.has_traces(key) || !specs.contains_key(key) {
            return None;
        }
        let mut c = self.clone();
        c.only = Some(key.to_string());
        if c.eval.resolution.entries.contains_key(key) {
            let inputs = c.eval.resolution.entries.map_of(c.refs.get(key).into_iter().flatten());
            if let Ok((_, r)) = evaluate_one(key, specs, &inputs, opts) {
                c.eval.resolution.entries.set(key, Some(r));
            }
        }
        c.sources.clear();
        if opts.trace && !specs[key].sources.is_empty() {
            c.sources.insert(key.to_string(), source_traces(&specs[key], opts));
        }
        Some(c)
    }

    /// The answer after `key`'s attributes (only) changed from `prev`'s graph to `specs`:
    /// `key` and every derivation that uses it, directly or not, are evaluated again in
    /// dependency order; every other derivation keeps its resolution, errors and lints. Gives
    /// exactly what [`Computed::new`] gives (the tests check it), falling back to it when the
    /// edit changes which keys exist or closes a cycle.
    pub fn after_edit(prev: &Computed, specs: &SpecGraph, key: &str, opts: &Options) -> Computed {
        let only = prev.only.clone();
        let full = || Computed::traced(specs, opts, only.as_deref());
        let Some(spec) = specs.get(key) else { return full() };
        let cyclic = prev.order.len() != prev.refs.len();
        if cyclic || prev.refs.len() != specs.len() || prev.eval.errors.iter().any(|e| e.key.is_empty()) {
            return full();
        }
        let new_refs = references(spec, specs);
        let (refs, order) = if prev.refs.get(key) == Some(&new_refs) {
            (prev.refs.clone(), prev.order.clone())
        } else {
            let mut r = (*prev.refs).clone();
            r.insert(key.to_string(), new_refs);
            match order_of(&r) {
                Some(o) => (Rc::new(r), Rc::new(o)),
                None => return full(),
            }
        };
        let downstream = downstream_of(key, &refs, &order);
        let quiet = Options { trace: false, ..opts.clone() };
        let mut eval = prev.eval.clone();
        let mut errors: BTreeMap<String, EvalError> = drvlab_engine::collect::map(
            std::mem::take(&mut eval.errors)
                .into_iter()
                .filter(|e| !downstream.contains(e.key.as_str()))
                .map(|e| (e.key.clone(), e)),
        );
        for k in &downstream {
            eval.resolution.entries.set(k, None);
        }
        for k in order.iter().filter(|k| downstream.contains(k.as_str())) {
            let o = if only.as_deref().is_some_and(|t| t != k) { &quiet } else { opts };
            // Only the direct inputs are looked up: they are all the engine is given.
            let inputs = eval.resolution.entries.map_of(refs.get(k).into_iter().flatten());
            match evaluate_one(k, specs, &inputs, o) {
                Ok((_, r)) => eval.resolution.entries.set(k, Some(r)),
                Err(e) => {
                    errors.insert(k.clone(), e);
                }
            }
        }
        eval.errors = order.iter().filter_map(|k| errors.remove(k)).collect();
        // With no error every key of `order` resolved (a cycle took the full path above).
        eval.resolution.order = if eval.errors.is_empty() {
            order.clone()
        } else {
            Rc::new(order.iter().filter(|k| eval.resolution.entries.contains_key(k)).cloned().collect())
        };
        let touched: SpecGraph =
            drvlab_engine::collect::map(downstream.iter().map(|k| (k.to_string(), specs[*k].clone())));
        let mut lint_list: Vec<Lint> =
            prev.lints.iter().filter(|l| !downstream.contains(l.key.as_str())).cloned().collect();
        let resolved = |k: &str| eval.resolution.entries.contains_key(k);
        lint_list.extend(lints_where(&touched, &resolved));
        // `lints` reports in key order.
        lint_list.sort_by(|a, b| a.key.cmp(&b.key));
        let mut sources = prev.sources.clone();
        sources.remove(key);
        if opts.trace && !spec.sources.is_empty() && only.as_deref().is_none_or(|o| o == key) {
            sources.insert(key.to_string(), source_traces(spec, opts));
        }
        Computed { eval, lints: lint_list, sources, refs, order, only }
    }

    /// Every path before and after, as [`crate::lab::explain::compare`] gives it, from `self`
    /// to `after` where only `edited` and its users can have changed: the others are copied,
    /// not looked up (falls back to `compare` when the order or an output set changed). In a
    /// graph of more than [`LIST_ALL`] derivations only the paths of the derivations the edit
    /// reaches are listed; the second number counts the others' paths (all stayed).
    pub fn changes_to(&self, after: &Computed, edited: &str) -> (Vec<PathChange>, usize) {
        let (b, a) = (&self.eval.resolution, &after.eval.resolution);
        let down = downstream_of(edited, &after.refs, &after.order);
        // Outside `down` every resolution is the one before (the same `Rc`).
        let same_outputs = |k: &&str| {
            a.entries.get(k).is_some_and(|x| b.entries.get(k).is_some_and(|y| x.outputs.keys().eq(y.outputs.keys())))
        };
        if b.order != a.order || !down.iter().all(same_outputs) {
            return (crate::lab::explain::compare(&b.to_resolution(), &a.to_resolution()), 0);
        }
        let list_all = b.order.len() <= LIST_ALL;
        let mut out = Vec::new();
        let mut unlisted = 0;
        for k in b.order.iter() {
            let x = &b.entries[k];
            let moved = down.contains(k.as_str());
            if !moved && !list_all {
                unlisted += 1 + x.outputs.len();
                continue;
            }
            let y = &a.entries[k];
            let id = |output: Option<&String>| PathId { key: k.clone(), output: output.cloned() };
            let after_drv = if moved { &y.drv_path } else { &x.drv_path };
            out.push(PathChange { id: id(None), before: Some(x.drv_path.clone()), after: Some(after_drv.clone()) });
            for (o, p) in &x.outputs {
                let q = if moved { y.outputs.get(o).cloned().flatten() } else { p.clone() };
                out.push(PathChange { id: id(Some(o)), before: p.clone(), after: q });
            }
        }
        (out, unlisted)
    }

    pub fn errors_for(&self, key: &str) -> Vec<&EvalError> {
        self.eval.errors.iter().filter(|e| e.key == key).collect()
    }

    /// How many paths [`Computed::paths`] lists.
    pub fn path_count(&self) -> usize {
        self.eval.resolution.entries.values().map(|r| 1 + r.outputs.len()).sum()
    }

    /// Every path, `.drv` then outputs, per derivation in dependency order.
    pub fn paths(&self) -> Vec<(PathId, Option<String>)> {
        let res = &self.eval.resolution;
        let mut v = Vec::new();
        for key in res.order.iter() {
            let r = &res.entries[key];
            v.push((PathId { key: key.clone(), output: None }, Some(r.drv_path.clone())));
            for (o, p) in &r.outputs {
                v.push((PathId { key: key.clone(), output: Some(o.clone()) }, p.clone()));
            }
        }
        v
    }

    /// The resolutions of `keys`' inputs that are not among `keys`, for re-evaluating `keys`.
    pub fn inputs_outside(&self, keys: &BTreeSet<&str>) -> BTreeMap<String, Resolved> {
        let outside =
            keys.iter().flat_map(|k| self.refs.get(*k).into_iter().flatten()).filter(|r| !keys.contains(r.as_str()));
        self.eval.resolution.entries.map_of(outside)
    }
}

/// [`Computed::for_page`] as a job, so the page can load a big graph in slices between
/// frames: the references and order first, then the derivations evaluated a few at a time
/// ([`Evaluating`]), then the lints and the sources' traces.
#[derive(Debug, Clone)]
pub struct Computing {
    /// Each derivation's references, found one derivation at a time in key order.
    refs: Refs,
    /// The dependency order and its evaluation, once every reference is found.
    eval: Option<(Vec<String>, Evaluating)>,
    total: usize,
    opts: Options,
    only: Option<String>,
}

impl Computing {
    /// What [`Computed::for_page`] computes, begun.
    pub fn for_page(specs: &SpecGraph, opts: &Options, selected: &str) -> Computing {
        Computing::new(specs, opts, (specs.len() > TRACE_ALL).then_some(selected))
    }

    fn new(specs: &SpecGraph, opts: &Options, only: Option<&str>) -> Computing {
        let total = specs.len();
        Computing { refs: Refs::new(), eval: None, total, opts: opts.clone(), only: only.map(str::to_string) }
    }

    /// Does up to `n` more units of work on `specs` (the graph it was begun for): one
    /// derivation's references found, the dependency order made (once, from all of them), or
    /// one derivation evaluated; true when all are evaluated.
    pub fn step(&mut self, specs: &SpecGraph, n: usize) -> bool {
        let mut n = n;
        while self.eval.is_none() && n > 0 {
            n -= 1;
            // The next key after the last one whose references are found.
            let next = match self.refs.keys().next_back() {
                Some(last) => specs.range::<str, _>((Bound::Excluded(last.as_str()), Bound::Unbounded)).next(),
                None => specs.iter().next(),
            };
            match next {
                Some((k, s)) => {
                    let r = references(s, specs);
                    self.refs.insert(k.clone(), r);
                }
                None => self.eval = Some(self.ordered(specs)),
            }
        }
        match &mut self.eval {
            Some((_, eval)) if n > 0 => eval.step(specs, n),
            _ => false,
        }
    }

    /// The dependency order of the references found, with its evaluation begun.
    fn ordered(&self, specs: &SpecGraph) -> (Vec<String>, Evaluating) {
        let (order, errors) = match order_of(&self.refs) {
            Some(order) => (order, vec![]),
            None => spec_order(specs),
        };
        let eval = Evaluating::new(order.clone(), errors, &self.opts, self.only.as_deref());
        (order, eval)
    }

    /// Whether the next unit of work is the one that cannot be split (the dependency order
    /// of all the references): a job run in slices begins a slice with it.
    pub fn next_is_fixed(&self) -> bool {
        self.eval.is_none() && self.refs.len() == self.total
    }

    /// (derivations evaluated, derivations to evaluate).
    pub fn progress(&self) -> (usize, usize) {
        self.eval.as_ref().map_or((0, self.total), |(_, eval)| eval.progress())
    }

    /// The answer, once [`Computing::step`] has said it is done.
    pub fn finish(mut self, specs: &SpecGraph) -> Computed {
        while !self.step(specs, usize::MAX) {}
        let Computing { refs, eval, opts, only, .. } = self;
        let (order, eval) = eval.expect("stepped to the end");
        let eval = eval.finish();
        let lints = lints(specs, &eval);
        let eval = SharedEval::of(specs, eval);
        let sources = if opts.trace {
            drvlab_engine::collect::map(
                specs
                    .iter()
                    .filter(|(k, s)| !s.sources.is_empty() && only.as_deref().is_none_or(|o| o == k.as_str()))
                    .map(|(k, s)| (k.clone(), source_traces(s, &opts))),
            )
        } else {
            BTreeMap::new()
        };
        Computed { eval, lints, sources, refs: Rc::new(refs), order: Rc::new(order), only }
    }
}

/// `key` and every key that uses it, directly or not (`order` is a dependency order of `refs`).
pub fn downstream_of<'a>(key: &'a str, refs: &'a Refs, order: &'a [String]) -> BTreeSet<&'a str> {
    let mut down: BTreeSet<&str> = BTreeSet::from([key]);
    let start = order.iter().position(|k| k == key).unwrap_or(order.len());
    for k in &order[start..] {
        if refs.get(k).is_some_and(|r| r.iter().any(|x| down.contains(x.as_str()))) {
            down.insert(k.as_str());
        }
    }
    down
}

/// The dependency order [`spec_order`] gives, from the references alone (Kahn's algorithm,
/// smallest key first among the ready ones); `None` for a cycle.
pub fn order_of(refs: &Refs) -> Option<Vec<String>> {
    let keys: Vec<&String> = refs.keys().collect();
    let index = |k: &str| keys.binary_search_by(|x| x.as_str().cmp(k)).ok();
    let mut missing: Vec<usize> = Vec::with_capacity(keys.len());
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    for (i, r) in refs.values().enumerate() {
        missing.push(r.len());
        for input in r {
            users[index(input)?].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = drvlab_engine::collect::set((0..keys.len()).filter(|&i| missing[i] == 0));
    let mut order = Vec::with_capacity(keys.len());
    while let Some(i) = ready.pop_first() {
        order.push(keys[i].clone());
        for &u in &users[i] {
            missing[u] -= 1;
            if missing[u] == 0 {
                ready.insert(u);
            }
        }
    }
    (order.len() == keys.len()).then_some(order)
}

/// Paths of the last good computation, by id, for greyed display while there are errors.
pub fn path_map(c: &Computed) -> BTreeMap<PathId, Option<String>> {
    drvlab_engine::collect::map(c.paths())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::lab::edit::spec_fields;
    use crate::lab::eval::DrvSpec;

    /// After every field of every derivation is perturbed (in every scenario, and in a graph
    /// with errors and a new reference), the shortcut gives exactly what a full evaluation gives.
    #[test]
    fn after_edit_agrees_with_a_full_computation() {
        let mut graphs: Vec<SpecGraph> = crate::lab::scenarios::scenarios().into_iter().map(|s| s.specs).collect();
        let mut g = SpecGraph::new();
        g.insert("a".into(), DrvSpec::new("a", "x86_64-linux", "/bin/sh", &["-c", "echo a > $out"]).into());
        g.insert("b".into(), DrvSpec::new("b", "x86_64-linux", "/bin/sh", &["-c", "echo ${a} > $out"]).into());
        g.insert("c".into(), DrvSpec::new("c", "x86_64-linux", "", &["-c", "echo ${b} > $out"]).into());
        g.insert("d".into(), DrvSpec::new("d", "x86_64-linux", "/bin/sh", &["-c", "echo > $out"]).into());
        graphs.push(g);
        let opts = Options::default();
        for specs in graphs {
            let before = Computed::new(&specs, &opts);
            for key in specs.keys() {
                let mut edits: Vec<crate::lab::edit::SpecEdit> =
                    spec_fields(&specs[key]).into_iter().map(|(_, e)| e).collect();
                // A new input, an input on itself (a cycle), a fix of the empty builder.
                for other in specs.keys() {
                    edits.push(crate::lab::edit::SpecEdit::Builder(format!("/bin/sh ${{{other}}}")));
                }
                edits.push(crate::lab::edit::SpecEdit::Builder("/bin/bash".into()));
                for edit in edits {
                    let mut g = specs.clone();
                    edit.apply(Rc::make_mut(g.get_mut(key).unwrap()));
                    let quick = Computed::after_edit(&before, &g, key, &opts);
                    assert_eq!(quick, Computed::new(&g, &opts), "{key}: {edit:?}");
                }
            }
        }
    }
}
