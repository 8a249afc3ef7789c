//! A graph of derivations resolved in dependency order: every output path, every `.drv` path,
//! every hash modulo, each with the trace of how it was made.
//!
//! Mirrors `derivationStrict` (in `libexpr/primops.cc`) for filling in output paths and
//! `hashDerivationModulo` / `writeDerivation` (in `libstore/derivations.cc`) for the hashes. The
//! derivations are given as Nix stores them, except that their input derivations are named by
//! the key of another entry (a real `.drv` path, or any label), and their own output paths (in
//! `outputs` and in `env`) may be blank: they are computed here, never trusted.

use crate::aterm::{write_aterm_spans, write_aterm_with, write_input_list, InputsText};
use crate::derivation::{hash_placeholder, Derivation, DrvKind, KindError};
use crate::hash::{Hash, HashAlgo};
use crate::store_path::{self, NameError, NameRule};
use crate::trace::Trace;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Nix versions disagree on one detail of `hashDerivationModulo`; the engine can do either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputMerge {
    /// Nix 2.8–2.34 and after 2.35.2: two inputs whose hashes modulo are equal collapse into one
    /// entry of the masked ATerm, and their requested outputs are merged.
    #[default]
    Merge,
    /// Nix 2.35.0–2.35.2: the later input's outputs replace the earlier one's.
    Overwrite,
}

impl InputMerge {
    pub fn describe(self) -> &'static str {
        match self {
            InputMerge::Merge => "Nix 2.8–2.34, ≥ 2.35.3: colliding inputs merge their outputs",
            InputMerge::Overwrite => "Nix 2.35.0–2.35.2: colliding inputs overwrite each other's outputs",
        }
    }
}

/// What the computation is parameterised by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub store_dir: String,
    pub merge: InputMerge,
    /// Record traces (the page, `explain`) or not (sweeps, benchmarks). Same code either way.
    pub trace: bool,
    /// Which Nix's rules for names and hash texts to follow; `None`: refuse what any Nix
    /// version refuses (the strictest rules).
    pub nix: Option<NixVersion>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            store_dir: store_path::DEFAULT_STORE_DIR.to_string(),
            merge: InputMerge::Merge,
            trace: true,
            nix: None,
        }
    }
}

impl Options {
    /// The store path name rule of the selected Nix.
    pub fn names(&self) -> NameRule {
        self.nix.map_or(NameRule::Strict, NixVersion::names)
    }
}

/// A Nix release, for the behaviours that changed between releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NixVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl NixVersion {
    pub const fn new(major: u16, minor: u16, patch: u16) -> NixVersion {
        NixVersion { major, minor, patch }
    }

    /// `2.8`, `2.35.1`.
    pub fn parse(s: &str) -> Option<NixVersion> {
        let mut it = s.trim().trim_start_matches('v').split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        let patch = match it.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        it.next().is_none().then_some(NixVersion { major, minor, patch })
    }

    /// `checkName`: from Nix 2.4 (the `StorePath` rewrite) any leading dot is accepted
    /// (verified with Nix 2.8: `.`, `..`, `.hidden`, `..a`, `.-a`); Nix 2.21.0 made leading
    /// dots official but refuses `.`, `..` and names starting `.-` or `..-` (release notes of
    /// 2.21.0, NixOS/nix#912, which also lists releases that briefly refused every leading dot).
    pub fn names(self) -> NameRule {
        if self >= NixVersion::new(2, 21, 0) {
            NameRule::NoDotComponents
        } else {
            NameRule::AnyLeadingDot
        }
    }

    /// `hashDerivationModulo`'s handling of inputs with equal hashes modulo.
    pub fn merge(self) -> InputMerge {
        if self >= NixVersion::new(2, 35, 0) && self < NixVersion::new(2, 35, 3) {
            InputMerge::Overwrite
        } else {
            InputMerge::Merge
        }
    }

    /// Nix 2.8's `base64Decode` ignores the unused low bits of an SRI hash's last character
    /// (`sha256-…FV=` reads as `…FU=`; verified with Nix 2.8). drvlab accepts that only when a
    /// Nix up to 2.20 is chosen; later releases were not checked, so they stay strict.
    pub fn lenient_base64(self) -> bool {
        self < NixVersion::new(2, 21, 0)
    }
}

impl std::fmt::Display for NixVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The derivations of a graph, by key.
pub type Graph = BTreeMap<String, Derivation>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("{key}: inputDrvs names {input:?}, which is not in the graph")]
    MissingInput { key: String, input: String },
    #[error("{key}: inputDrvs asks for output {output:?} of {input:?}, which has only {have}")]
    MissingOutput { key: String, input: String, output: String, have: String },
    #[error("{key}: inputDrvs asks for no outputs of {input:?}; Nix always names at least one")]
    NoOutputsRequested { key: String, input: String },
    #[error("cycle in inputDrvs: {}", .0.join(" → "))]
    Cycle(Vec<String>),
    #[error("{key}: {source}")]
    Kind { key: String, source: KindError },
    #[error("{key}: name: {source}")]
    Name { key: String, source: NameError },
    #[error("{key}: output {output:?}: {source}")]
    OutputName { key: String, output: String, source: NameError },
    #[error("{key}: inputDrvs uses outputs of an input's outputs (a dynamic derivation, xp-dyn-drv); which derivations those are is known only after building, so drvlab can read and print this derivation but not compute its paths")]
    Dynamic { key: String },
}

/// `DrvHash` in Nix: the hash modulo of each output, and whether it is deferred (some input is
/// content-addressed, so the real paths are not known before building).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashModulo {
    pub hashes: BTreeMap<String, Hash>,
    /// Every output of one derivation has the same hash modulo (a fixed-output derivation has
    /// one output; otherwise one ATerm is hashed for all), so its hex is kept once.
    pub hex: String,
    pub deferred: bool,
}

/// The traces of one derivation, one per pipeline the page can show.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct DrvTraces {
    /// Each output path, from the masked ATerm (or the declared hash) to the path.
    pub outputs: BTreeMap<String, Trace>,
    /// The hash modulo that dependents see in place of this derivation.
    pub modulo: Trace,
    /// The `.drv` path, from the full ATerm to the text path.
    pub drv_path: Trace,
}

/// A given value that differs from the computed one (verification of imported derivations).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    pub field: String,
    pub given: String,
    pub computed: String,
}

/// One derivation, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub kind: DrvKind,
    /// The derivation as Nix writes it: outputs and env filled in, inputs keyed by `.drv` path.
    pub drv: Derivation,
    pub aterm: Vec<u8>,
    pub drv_path: String,
    /// Each output's path, or `None` where Nix cannot know it before building.
    pub outputs: BTreeMap<String, Option<String>>,
    pub modulo: HashModulo,
    pub traces: DrvTraces,
    /// Values the input gave that differ from what Nix would compute.
    pub mismatches: Vec<Mismatch>,
}

/// Every derivation of a graph, resolved, and the order they were resolved in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub order: Vec<String>,
    pub entries: BTreeMap<String, Resolved>,
}

/// The graph numbered: keys in key order, each entry's inputs by number (in its `inputDrvs`
/// order, flattened), and a dependency order. Keys are compared once here; resolving then
/// looks inputs up by number.
struct Plan<'g> {
    keys: Vec<&'g String>,
    drvs: Vec<&'g Derivation>,
    /// Entry `i`'s inputs are `inputs[starts[i]..starts[i + 1]]`.
    inputs: Vec<usize>,
    starts: Vec<usize>,
    order: Vec<usize>,
}

impl<'g> Plan<'g> {
    /// Kahn's algorithm, ties broken by key so the order is stable; or a cycle, named.
    fn of(graph: &'g Graph) -> Result<Plan<'g>, GraphError> {
        let (keys, drvs): (Vec<&String>, Vec<&Derivation>) = graph.iter().unzip();
        let positions = crate::collect::Index::of_sorted(keys.iter().map(|k| k.as_str()));
        let index = |k: &str| positions.get(k);
        let mut inputs = Vec::with_capacity(graph.len() * 2);
        let mut starts = Vec::with_capacity(graph.len() + 1);
        for (key, drv) in graph.iter() {
            starts.push(inputs.len());
            for input in drv.input_drvs.keys() {
                let Some(j) = index(input) else {
                    return Err(GraphError::MissingInput { key: key.clone(), input: input.clone() });
                };
                inputs.push(j);
            }
        }
        starts.push(inputs.len());
        let (order, missing_deps) = kahn(&inputs, &starts);
        if order.len() < graph.len() {
            return Err(cycle(graph, &keys, &missing_deps));
        }
        Ok(Plan { keys, drvs, inputs, starts, order })
    }
}

/// A dependency order of entries whose inputs are `inputs[starts[i]..starts[i + 1]]`, smallest
/// number first among the ready (Kahn's algorithm); shorter than the entries when some wait in
/// a cycle (those keep a count of missing inputs).
pub(crate) fn kahn(inputs: &[usize], starts: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let n = starts.len() - 1;
    let mut missing_deps: Vec<usize> = (0..n).map(|i| starts[i + 1] - starts[i]).collect();
    // Who waits on whom, flattened the same way.
    let mut dependents_start = vec![0usize; n + 1];
    for &j in inputs {
        dependents_start[j + 1] += 1;
    }
    for i in 0..n {
        dependents_start[i + 1] += dependents_start[i];
    }
    let mut fill = dependents_start.clone();
    let mut dependents = vec![0usize; inputs.len()];
    for i in 0..n {
        for &j in &inputs[starts[i]..starts[i + 1]] {
            dependents[fill[j]] = i;
            fill[j] += 1;
        }
    }
    // Ready entries, smallest key first, so the order is stable.
    let mut ready: BTreeSet<usize> = crate::collect::set((0..n).filter(|&i| missing_deps[i] == 0));
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &d in &dependents[dependents_start[i]..dependents_start[i + 1]] {
            missing_deps[d] -= 1;
            if missing_deps[d] == 0 {
                ready.insert(d);
            }
        }
    }
    (order, missing_deps)
}

/// [`resolve_each`] over entries made one at a time: `keys` in key order, each entry's inputs
/// by number (`inputs[starts[i]..starts[i + 1]]`, in `inputDrvs` order), and `make(i)` giving
/// entry `i`'s derivation when its turn comes, dropped once resolved — no whole graph is held.
/// `None` on a cycle or any error (the caller asks the whole-graph path which).
pub(crate) fn resolve_lazily<E>(
    keys: &[&str],
    inputs: &[usize],
    starts: &[usize],
    opts: &Options,
    traced: &dyn Fn(&str) -> bool,
    mut make: impl FnMut(usize) -> Result<Derivation, E>,
    mut each: impl FnMut(&str, Resolved),
) -> Option<Vec<String>> {
    let (order, _) = kahn(inputs, starts);
    if order.len() < keys.len() {
        return None;
    }
    let (on, off) = (Options { trace: true, ..opts.clone() }, Options { trace: false, ..opts.clone() });
    let mut done: Vec<Option<Kept>> = Vec::with_capacity(keys.len());
    done.resize_with(keys.len(), || None);
    for &i in &order {
        let given = make(i).ok()?;
        let r = {
            let inputs: Vec<Done> = inputs[starts[i]..starts[i + 1]]
                .iter()
                .map(|&j| done[j].as_ref().map(Kept::done).expect("inputs resolve first"))
                .collect();
            let opts = if traced(keys[i]) { &on } else { &off };
            with_scratch(|s| resolve_with(keys[i], Cow::Owned(given), &inputs, opts, s)).ok()?
        };
        done[i] = Some(Kept::of(&r));
        each(keys[i], r);
    }
    Some(order.iter().map(|&i| keys[i].to_string()).collect())
}

/// Walks inputs from an unresolved entry until one repeats: that is a cycle.
fn cycle(graph: &Graph, keys: &[&String], missing_deps: &[usize]) -> GraphError {
    let stuck: BTreeSet<&str> =
        crate::collect::set((0..keys.len()).filter(|&i| missing_deps[i] > 0).map(|i| keys[i].as_str()));
    let mut path: Vec<&str> = vec![stuck.first().expect("some entry is stuck")];
    loop {
        let cur = *path.last().expect("non-empty");
        let next = graph[cur]
            .input_drvs
            .keys()
            .map(String::as_str)
            .find(|k| stuck.contains(k))
            .expect("a stuck entry waits on another stuck entry");
        if let Some(i) = path.iter().position(|k| *k == next) {
            let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
            cycle.push(next.to_string());
            return GraphError::Cycle(cycle);
        }
        path.push(next);
    }
}

/// Orders the keys so that every derivation comes after its inputs (Kahn's algorithm, ties
/// broken by key so the order is stable), or names a cycle.
pub fn dependency_order(graph: &Graph) -> Result<Vec<String>, GraphError> {
    let plan = Plan::of(graph)?;
    Ok(plan.order.iter().map(|&i| plan.keys[i].clone()).collect())
}

/// Resolves every derivation of the graph.
pub fn resolve(graph: &Graph, opts: &Options) -> Result<Resolution, GraphError> {
    let plan = Plan::of(graph)?;
    let mut done: Vec<Option<Resolved>> = Vec::with_capacity(graph.len());
    done.resize_with(graph.len(), || None);
    for &i in &plan.order {
        let r = {
            let inputs: Vec<Done> = plan.inputs[plan.starts[i]..plan.starts[i + 1]]
                .iter()
                .map(|&j| Done::of(done[j].as_ref().expect("inputs resolve first")))
                .collect();
            with_scratch(|s| resolve_with(plan.keys[i], Cow::Borrowed(plan.drvs[i]), &inputs, opts, s))?
        };
        done[i] = Some(r);
    }
    let order = plan.order.iter().map(|&i| plan.keys[i].clone()).collect();
    let entries = crate::collect::map(plan.keys.iter().zip(done).map(|(k, r)| ((*k).clone(), r.expect("resolved"))));
    Ok(Resolution { order, entries })
}

/// Resolves every derivation in dependency order and hands each to `each` as soon as it is
/// resolved, keeping only what its dependents need (its `.drv` path and hash modulo): for a
/// caller that uses each result once (the CLI's `paths` on 100,000 derivations) rather than
/// holding every ATerm and copy. `traced` says which keys record traces. Returns the order.
pub fn resolve_each(
    graph: &Graph,
    opts: &Options,
    traced: &dyn Fn(&str) -> bool,
    mut each: impl FnMut(&str, Resolved),
) -> Result<Vec<String>, GraphError> {
    let plan = Plan::of(graph)?;
    let (on, off) = (Options { trace: true, ..opts.clone() }, Options { trace: false, ..opts.clone() });
    let mut done: Vec<Option<Kept>> = Vec::with_capacity(graph.len());
    done.resize_with(graph.len(), || None);
    for &i in &plan.order {
        let key = plan.keys[i].as_str();
        let r = {
            let inputs: Vec<Done> = plan.inputs[plan.starts[i]..plan.starts[i + 1]]
                .iter()
                .map(|&j| done[j].as_ref().map(Kept::done).expect("inputs resolve first"))
                .collect();
            let opts = if traced(key) { &on } else { &off };
            with_scratch(|s| resolve_with(key, Cow::Borrowed(plan.drvs[i]), &inputs, opts, s))?
        };
        done[i] = Some(Kept::of(&r));
        each(key, r);
    }
    Ok(plan.order.iter().map(|&i| plan.keys[i].clone()).collect())
}

fn new_trace(opts: &Options) -> Trace {
    if opts.trace {
        Trace::default()
    } else {
        Trace::off()
    }
}

/// Buffers reused from one derivation to the next: the ATerms that are only hashed are
/// written here, never allocated per derivation.
#[derive(Default)]
struct Scratch {
    /// The inputs as the masked ATerm lists them (by hash modulo), written once.
    inputs: Vec<u8>,
    masked: Vec<u8>,
    aterm: Vec<u8>,
    fingerprint: Vec<u8>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|s| f(&mut s.borrow_mut()))
}

/// Resolves one derivation whose inputs are already in `done`: the steps of `derivationStrict`
/// and `writeDerivation`, in order.
pub fn resolve_one(
    key: &str,
    given: &Derivation,
    done: &BTreeMap<String, Resolved>,
    opts: &Options,
) -> Result<Resolved, GraphError> {
    let mut inputs = Vec::with_capacity(given.input_drvs.len());
    for input in given.input_drvs.keys() {
        let res =
            done.get(input).ok_or_else(|| GraphError::MissingInput { key: key.to_string(), input: input.clone() })?;
        inputs.push(Done::of(res));
    }
    with_scratch(|s| resolve_with(key, Cow::Borrowed(given), &inputs, opts, s))
}

/// [`resolve_one`] with each input's resolution given, in `inputDrvs` order. A derivation
/// given owned (read from JSON one entry at a time) becomes the written one in place: its
/// strings are moved, not copied.
fn resolve_with(
    key: &str,
    given: Cow<Derivation>,
    done: &[Done],
    opts: &Options,
    scratch: &mut Scratch,
) -> Result<Resolved, GraphError> {
    let given_kind = check_derivation(key, &given, opts)?;
    // The inputs by key are replaced by the inputs by `.drv` path in what is written: taken
    // apart from the rest, so the rest can be moved while the inputs are still looked at.
    let (given, input_drvs) = match given {
        Cow::Borrowed(g) => (Cow::Borrowed(g), Cow::Borrowed(&g.input_drvs)),
        Cow::Owned(mut g) => {
            let input_drvs = std::mem::take(&mut g.input_drvs);
            (Cow::Owned(g), Cow::Owned(input_drvs))
        }
    };
    let mut inputs = Inputs::of(key, &input_drvs, done, opts.merge, &mut scratch.inputs)?;
    let kind = match given_kind {
        DrvKind::InputAddressed if inputs.deferred => DrvKind::Deferred,
        k => k,
    };
    let mut traces = DrvTraces { outputs: BTreeMap::new(), modulo: new_trace(opts), drv_path: new_trace(opts) };

    // Fill in the outputs as `derivationStrict` does.
    let outputs = output_paths(&kind, &given, &inputs, opts, scratch, &mut traces.outputs);
    let by_drv_path = std::mem::take(&mut inputs.by_drv_path);
    let (drv, mut mismatches) = written(&kind, given, by_drv_path, &outputs);

    // The `.drv` file; its hash is also the hash modulo when there are no inputs to replace.
    // Written in a reused buffer, then copied once at its exact size.
    let buf = &mut scratch.aterm;
    buf.clear();
    let mut listed = drv.input_drvs.iter().map(|(k, v)| (k.as_str(), v));
    let inputs_at = write_aterm_with(buf, &drv, false, InputsText::List(&mut listed), None);
    let aterm = buf.clone();
    let modulo_of = Modulo { aterm: &aterm, inputs_at, inputs: &inputs, text: &scratch.inputs };
    let (modulo, aterm_hash) = hash_modulo(&kind, &drv, &modulo_of, &outputs, &mut traces.modulo);
    let drv_path = drv_path(&drv, &aterm, aterm_hash, &opts.store_dir, &mut scratch.fingerprint, &mut traces.drv_path);
    if key.starts_with(opts.store_dir.as_str()) && key.ends_with(".drv") && key != drv_path {
        mismatches.push(Mismatch { field: "drvPath".to_string(), given: key.to_string(), computed: drv_path.clone() });
    }
    Ok(Resolved { kind, drv, aterm, drv_path, outputs, modulo, traces, mismatches })
}

/// The name and every output name must make valid store path names; then the kind the
/// derivation declares (fixed-output, floating, impure, input-addressed). As in Nix 2.8's
/// `derivationStrict`, only outputs that get a path at evaluation time have their names checked:
/// a floating or impure output (`out/`, `foo$`) has no path to make, so no name to check.
fn check_derivation(key: &str, given: &Derivation, opts: &Options) -> Result<DrvKind, GraphError> {
    let names = opts.names();
    names.check(&given.name).map_err(|source| GraphError::Name { key: key.to_string(), source })?;
    let kind = given.kind().map_err(|source| GraphError::Kind { key: key.to_string(), source })?;
    let has_paths = !matches!(kind, DrvKind::Floating { .. } | DrvKind::Impure { .. });
    for output in given.outputs.keys() {
        let checked = if output.is_empty() {
            Err(NameError::Empty)
        } else if output == "out" || !has_paths || store_path::output_name_is_plain(&given.name, output) {
            Ok(())
        } else {
            names.check(&store_path::output_path_name(&given.name, output))
        };
        checked.map_err(|source| GraphError::OutputName { key: key.to_string(), output: output.clone(), source })?;
    }
    if !given.dynamic_outputs.is_empty() {
        return Err(GraphError::Dynamic { key: key.to_string() });
    }
    Ok(kind)
}

/// A derivation's inputs, twice: by real `.drv` path for the file, by hash modulo for hashing.
struct Inputs<'a> {
    /// What the `.drv` file's `inputDrvs` holds.
    by_drv_path: BTreeMap<String, BTreeSet<String>>,
    /// What the masked ATerm holds in its place: each input's hash modulo and its outputs.
    by_modulo: BTreeMap<&'a str, Cow<'a, BTreeSet<String>>>,
    /// Each input as (its `.drv` path, its resolution, the outputs wanted, its key), in `.drv`
    /// path order: the trace lists the replacements in this order.
    listed: Vec<Listed<'a>>,
    /// Some input is content-addressed or deferred: this derivation's paths wait for it.
    deferred: bool,
}

type Listed<'a> = (&'a str, &'a str, &'a BTreeSet<String>, &'a str);

/// What a dependent needs of a resolved input: its `.drv` path, its hash modulo (in hex, and
/// whether it is deferred) and its output names.
#[derive(Clone, Copy)]
struct Done<'a> {
    drv_path: &'a str,
    hex: &'a str,
    deferred: bool,
    outputs: Outputs<'a>,
}

#[derive(Clone, Copy)]
enum Outputs<'a> {
    Of(&'a BTreeMap<String, Hash>),
    Names(&'a [String]),
}

impl Outputs<'_> {
    fn has(&self, name: &str) -> bool {
        match self {
            Outputs::Of(m) => m.contains_key(name),
            Outputs::Names(n) => n.binary_search_by(|x| x.as_str().cmp(name)).is_ok(),
        }
    }

    fn names(&self) -> Vec<&str> {
        match self {
            Outputs::Of(m) => m.keys().map(String::as_str).collect(),
            Outputs::Names(n) => n.iter().map(String::as_str).collect(),
        }
    }
}

impl<'a> Done<'a> {
    fn of(r: &'a Resolved) -> Done<'a> {
        let m = &r.modulo;
        Done { drv_path: &r.drv_path, hex: &m.hex, deferred: m.deferred, outputs: Outputs::Of(&m.hashes) }
    }
}

/// What is kept of a derivation handed over by [`resolve_each`]: what its dependents need.
struct Kept {
    drv_path: String,
    hex: String,
    deferred: bool,
    /// Sorted, as the hashes' keys are.
    outputs: Box<[String]>,
}

impl Kept {
    fn of(r: &Resolved) -> Kept {
        let (drv_path, hex, deferred) = (r.drv_path.clone(), r.modulo.hex.clone(), r.modulo.deferred);
        Kept { drv_path, hex, deferred, outputs: r.modulo.hashes.keys().cloned().collect() }
    }

    fn done(&self) -> Done<'_> {
        let outputs = Outputs::Names(&self.outputs);
        Done { drv_path: &self.drv_path, hex: &self.hex, deferred: self.deferred, outputs }
    }
}

impl<'a> Inputs<'a> {
    /// Also writes `by_modulo` as the ATerm lists it into `text`.
    /// `input_drvs` is the derivation's (which has no dynamic outputs: refused before).
    fn of(
        key: &str,
        input_drvs: &'a BTreeMap<String, BTreeSet<String>>,
        done: &[Done<'a>],
        merge: InputMerge,
        text: &mut Vec<u8>,
    ) -> Result<Inputs<'a>, GraphError> {
        let mut by_drv_path: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut listed = Vec::with_capacity(input_drvs.len());
        let mut deferred = false;
        for ((input, wanted), res) in input_drvs.iter().zip(done) {
            check_wanted(key, input, wanted, res.outputs)?;
            deferred |= res.deferred;
            by_drv_path.insert(res.drv_path.to_string(), wanted.clone());
            listed.push((res.drv_path, res.hex, wanted, input.as_str()));
        }
        // Nix walks inputDrvs in `.drv` path order; with `Overwrite` that order decides who wins.
        listed.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut by_modulo: BTreeMap<&str, Cow<BTreeSet<String>>> = BTreeMap::new();
        for (_, hex, wanted, _) in &listed {
            match (merge, by_modulo.get_mut(*hex)) {
                (InputMerge::Merge, Some(outs)) => outs.to_mut().extend(wanted.iter().cloned()),
                _ => {
                    by_modulo.insert(hex, Cow::Borrowed(*wanted));
                }
            }
        }
        text.clear();
        write_input_list(text, &BTreeMap::new(), &mut by_modulo.iter().map(|(k, v)| (*k, v.as_ref())));
        Ok(Inputs { by_drv_path, by_modulo, listed, deferred })
    }
}

/// An input must be asked for at least one output, and only for outputs it has.
fn check_wanted(key: &str, input: &str, wanted: &BTreeSet<String>, outputs: Outputs) -> Result<(), GraphError> {
    if wanted.is_empty() {
        return Err(GraphError::NoOutputsRequested { key: key.to_string(), input: input.to_string() });
    }
    match wanted.iter().find(|o| !outputs.has(o)) {
        None => Ok(()),
        Some(o) => Err(GraphError::MissingOutput {
            key: key.to_string(),
            input: input.to_string(),
            output: o.clone(),
            have: outputs.names().iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Each output's path, by kind: a fixed output from its declared hash; input-addressed outputs
/// from the masked ATerm's hash (`hashDerivationModulo` with own outputs blank); none where Nix
/// cannot know them before building.
fn output_paths(
    kind: &DrvKind,
    given: &Derivation,
    inputs: &Inputs,
    opts: &Options,
    scratch: &mut Scratch,
    traces: &mut BTreeMap<String, Trace>,
) -> BTreeMap<String, Option<String>> {
    let mut outputs = BTreeMap::new();
    let mut record = |name: &str, t: Trace, path: Option<String>| {
        if opts.trace {
            traces.insert(name.to_string(), t);
        }
        outputs.insert(name.to_string(), path);
    };
    match kind {
        DrvKind::Fixed { mode, hash } => {
            let mut t = new_trace(opts);
            t.step("kind", "fixed-output: the path depends only on the name and the declared hash");
            t.step("name", &given.name);
            t.step_with("declared hash", || format!("{}{}:{}", mode.prefix(), hash.algo, hash.to_base16()));
            let path = store_path::fixed_output_path(&opts.store_dir, &given.name, *mode, hash, &mut t);
            record("out", t, Some(path));
        }
        DrvKind::InputAddressed => {
            let (shared, h) = masked_hash(given, inputs, opts, scratch);
            for name in given.outputs.keys() {
                let mut t = shared.clone();
                let fp = &mut scratch.fingerprint;
                let path = store_path::output_path_into(fp, &opts.store_dir, &given.name, name, &h, &mut t);
                record(name, t, Some(path));
            }
        }
        DrvKind::Impure { .. } => {
            for name in given.outputs.keys() {
                let mut t = new_trace(opts);
                t.step("kind", "impure: built anew every time, so the path is known only after building");
                t.step("path", "unknown until built");
                record(name, t, None);
            }
        }
        DrvKind::Floating { .. } => {
            for name in given.outputs.keys() {
                let mut t = new_trace(opts);
                t.step("kind", "content-addressed (floating): the path is the hash of what the build produces");
                t.step_with("env placeholder", || hash_placeholder(name));
                t.step("path", "unknown until built");
                record(name, t, None);
            }
        }
        DrvKind::Deferred => {
            for name in given.outputs.keys() {
                let mut t = new_trace(opts);
                t.step("kind", "deferred: an input is content-addressed or impure, so this derivation's output paths wait for it to be built (its hash modulo is computed now, and Nix marks it deferred)");
                record_replacements(&mut t, &inputs.listed);
                t.step("path", "unknown until the content-addressed inputs are built");
                record(name, t, None);
            }
        }
    }
    outputs
}

/// `hashDerivationModulo` of an input-addressed derivation with its own outputs blank (in
/// `outputs` and in `env`), as Nix hashes it before its output paths exist: `unparse` with
/// `maskOutputs` prints every output path, and each env entry named after an output, as `""`
/// (it adds none), so the given derivation is written as it is.
fn masked_hash(given: &Derivation, inputs: &Inputs, opts: &Options, scratch: &mut Scratch) -> (Trace, [u8; 32]) {
    let mut t = new_trace(opts);
    t.step("kind", "input-addressed: the path depends on the whole derivation and its inputs");
    record_replacements(&mut t, &inputs.listed);
    let buf = &mut scratch.masked;
    buf.clear();
    write_aterm_with(buf, given, true, InputsText::Written(&scratch.inputs), None);
    if t.is_on() {
        let spans = modulo_spans(given, true, inputs);
        t.step_aterm("masked ATerm (own outputs blank, inputs replaced by their hash modulo)", buf, spans);
    }
    let h = crate::hash::sha256_bytes(buf);
    t.step_with("sha256(masked ATerm) = hashDerivationModulo", || hex(&h));
    (t, h)
}

/// The spans of an ATerm with its inputs replaced by their hashes modulo (written again, only
/// when a trace records them).
fn modulo_spans(drv: &Derivation, mask: bool, inputs: &Inputs) -> Vec<crate::trace::Span> {
    let mut spans = Vec::new();
    let mut list = inputs.by_modulo.iter().map(|(k, v)| (*k, v.as_ref()));
    write_aterm_with(&mut Vec::with_capacity(1024), drv, mask, InputsText::List(&mut list), Some(&mut spans));
    spans
}

fn hex(bytes: &[u8]) -> String {
    let mut v = Vec::with_capacity(bytes.len() * 2);
    crate::hash::push_base16(&mut v, bytes);
    String::from_utf8(v).unwrap_or_default()
}

/// The derivation as Nix writes it: the given one with its inputs keyed by `.drv` path and the
/// computed output paths written in (outputs, and the env entries named after them where the
/// env has them), noting each given value that differs. A floating or impure output has no
/// path; its env entry stays as given (Nix 2.8 writes `hashPlaceholder` there when it
/// evaluates, and checks nothing when it reads one). An env lacking an input-addressed or fixed
/// output's entry is a mismatch, as in `checkDerivationOutputs` ("has incorrect environment
/// variable"), and nothing is added. A given input-addressed output path is not compared (the
/// env entry and the `.drv` path are).
fn written(
    kind: &DrvKind,
    given: Cow<Derivation>,
    input_drvs: BTreeMap<String, BTreeSet<String>>,
    outputs: &BTreeMap<String, Option<String>>,
) -> (Derivation, Vec<Mismatch>) {
    let mut drv = match given {
        Cow::Owned(g) => Derivation { input_drvs, ..g },
        Cow::Borrowed(g) => Derivation {
            name: g.name.clone(),
            outputs: g.outputs.clone(),
            input_drvs,
            input_srcs: g.input_srcs.clone(),
            system: g.system.clone(),
            builder: g.builder.clone(),
            args: g.args.clone(),
            env: g.env.clone(),
            dynamic_outputs: g.dynamic_outputs.clone(),
        },
    };
    let mut mismatches = Vec::new();
    let no_paths = matches!(kind, DrvKind::Floating { .. } | DrvKind::Impure { .. });
    for (name, o) in drv.outputs.iter_mut() {
        if no_paths {
            o.path.clear();
            continue;
        }
        let computed = outputs[name].clone().unwrap_or_default();
        let mut differs = |field: String, given: &str| {
            mismatches.push(Mismatch { field, given: given.to_string(), computed: computed.clone() })
        };
        if !matches!(kind, DrvKind::InputAddressed) && !o.path.is_empty() && o.path != computed {
            differs(format!("outputs.{name}.path"), &o.path);
        }
        match drv.env.get_mut(name) {
            Some(v) => {
                if !v.is_empty() && *v != computed {
                    differs(format!("env.{name}"), v);
                }
                v.clone_from(&computed);
            }
            None if !computed.is_empty() => differs(format!("env.{name}"), "(absent)"),
            None => {}
        }
        o.path = computed;
    }
    (drv, mismatches)
}

/// The `.drv` file's ATerm, and what stands in its inputs' place when it is hashed modulo.
struct Modulo<'a> {
    aterm: &'a [u8],
    /// Where the inputs (by `.drv` path) stand in `aterm`.
    inputs_at: std::ops::Range<usize>,
    inputs: &'a Inputs<'a>,
    /// The inputs by hash modulo, as the ATerm lists them.
    text: &'a [u8],
}

/// The hash modulo that dependents see in place of this derivation, and the `.drv` file's own
/// hash when it is the same computation (no inputs to replace).
fn hash_modulo(
    kind: &DrvKind,
    drv: &Derivation,
    m: &Modulo,
    outputs: &BTreeMap<String, Option<String>>,
    t: &mut Trace,
) -> (HashModulo, Option<[u8; 32]>) {
    if let DrvKind::Fixed { mode, hash } = kind {
        let out_path = outputs["out"].as_deref().unwrap_or("");
        let s = format!("fixed:out:{}{}:{}:{}", mode.prefix(), hash.algo, hash.to_base16(), out_path);
        t.step(
            "rule",
            "a fixed-output derivation stands for its declared output: builder, args, env and inputs do not enter",
        );
        t.step("string", &s);
        let h = Hash::sha256(s.as_bytes());
        t.step_with("sha256(string) = hashDerivationModulo", || h.to_base16());
        let hex = h.to_base16();
        return (HashModulo { hashes: BTreeMap::from([("out".to_string(), h)]), hex, deferred: false }, None);
    }
    if let DrvKind::Impure { .. } = kind {
        // `hashDerivationModulo`: every output of an impure derivation stands for
        // `impureOutputHash` = sha256("impure"), and dependents are deferred.
        t.step("rule", "an impure derivation stands for sha256(\"impure\"); what uses it is deferred");
        let h = Hash::sha256(b"impure");
        t.step_with("sha256(\"impure\") = hashDerivationModulo", || h.to_base16());
        let hex = h.to_base16();
        let hashes = crate::collect::map(drv.outputs.keys().map(|o| (o.clone(), h.clone())));
        return (HashModulo { hashes, hex, deferred: true }, None);
    }
    t.step("rule", "the ATerm with output paths filled in and inputs replaced by their hash modulo");
    let (h, aterm_hash) = if drv.input_drvs.is_empty() {
        // Nothing to replace: this is the .drv file's own text.
        let h = crate::hash::sha256_bytes(m.aterm);
        if t.is_on() {
            t.step_aterm("ATerm (no inputs to replace)", m.aterm, aterm_spans(drv, &drv.input_drvs));
        }
        (h, Some(h))
    } else {
        // The same bytes with the inputs section spliced: hashed in three pieces, not copied.
        let (before, after) = (&m.aterm[..m.inputs_at.start], &m.aterm[m.inputs_at.end..]);
        if t.is_on() {
            let text = [before, m.text, after].concat();
            t.step_aterm("ATerm (inputs replaced)", &text, modulo_spans(drv, false, m.inputs));
        }
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        hasher.update(before);
        hasher.update(m.text);
        hasher.update(after);
        (hasher.finalize().into(), None)
    };
    t.step_with("sha256 = hashDerivationModulo", || hex(&h));
    let hash = Hash::new(HashAlgo::Sha256, h.to_vec());
    let hex = hash.to_base16();
    let hashes = crate::collect::map(drv.outputs.keys().map(|o| (o.clone(), hash.clone())));
    (HashModulo { hashes, hex, deferred: !matches!(kind, DrvKind::InputAddressed) }, aterm_hash)
}

/// The `.drv` path: a text path over the full ATerm whose references are the input sources
/// and the input derivations (`writeDerivation`).
fn drv_path(
    drv: &Derivation,
    aterm: &[u8],
    aterm_hash: Option<[u8; 32]>,
    store_dir: &str,
    fingerprint: &mut Vec<u8>,
    t: &mut Trace,
) -> String {
    t.step("rule", "a text path over the full ATerm; references are the input sources and input derivations");
    let refs = || drv.input_srcs.iter().chain(drv.input_drvs.keys()).map(String::as_str);
    t.step_with("references", || {
        let mut r: Vec<&str> = refs().collect();
        r.sort_unstable();
        r.join("\n")
    });
    if t.is_on() {
        t.step_aterm("ATerm", aterm, aterm_spans(drv, &drv.input_drvs));
    }
    let h = aterm_hash.unwrap_or_else(|| crate::hash::sha256_bytes(aterm));
    t.step_with("sha256(contents)", || hex(&h));
    // `makeTextPath`: `text:<refs>:sha256:<hex>:<storeDir>:<name>.drv`.
    fingerprint.clear();
    store_path::push_type_with_references(fingerprint, "text", refs());
    store_path::store_path_of(fingerprint, "sha256", &h, store_dir, &[&drv.name, ".drv"], t)
}

/// The spans of an ATerm already written (written again, only when a trace records them).
fn aterm_spans(drv: &Derivation, inputs: &BTreeMap<String, BTreeSet<String>>) -> Vec<crate::trace::Span> {
    let mut spans = Vec::new();
    write_aterm_spans(&mut Vec::with_capacity(1024), drv, false, inputs, Some(&mut spans));
    spans
}

fn record_replacements(t: &mut Trace, by_path: &[Listed]) {
    for (path, hex, wanted, key) in by_path {
        t.step_with(&format!("input {key}"), || {
            let outs: Vec<&str> = wanted.iter().map(String::as_str).collect();
            format!("{path} [{}] → {hex}", outs.join(","))
        });
    }
}
