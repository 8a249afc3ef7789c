//! The playground's state and its one reducer: pure, testable natively, and the only place
//! the page calls the engine from. Components render what is computed here.
//!
//! Every edit is recomputed by the engine; "what moved" compares the paths before and after the
//! edit, and the matrix is the engine's sensitivity sweep over the spec graph.

use crate::lab::eval::{evaluate, DrvSpec, EvalError, Evaluated, FixedSpec, SourceSpec, SpecGraph};
use crate::lab::explain::{PathChange, PathId};
use crate::lab::lint::{lints, Lint};
use crate::lab::scenarios::{default_scenario, scenarios, Scenario};
use drvlab_engine::graph::{InputMerge, Options};
use drvlab_engine::hash::{Hash, HashAlgo};
use drvlab_engine::nar::{FileKind, TreeFile};
use drvlab_engine::store_path::FixedMode;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// One edit of one derivation's attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecEdit {
    Name(String),
    System(String),
    Builder(String),
    Arg(usize, String),
    AddArg,
    RemoveArg(usize),
    EnvKey(usize, String),
    EnvValue(usize, String),
    AddEnv,
    RemoveEnv(usize),
    /// Use another derivation's output: a new attribute `name = "${key.output}"`.
    AddInput(String, Option<String>),
    /// Space-separated output names; empty for the default (`out`).
    Outputs(String),
    Fixed(bool),
    FixedMode(FixedMode),
    FixedAlgo(Option<HashAlgo>),
    FixedHash(String),
    ContentAddressed(bool),
    SourceName(usize, String),
    SourceContents(usize, String),
    AddSource,
    /// A directory source (`builtins.path`), starting with one small script.
    AddDirSource,
    RemoveSource(usize),
    /// Entry `j` of directory source `i`: its path, kind and contents.
    TreePath(usize, usize, String),
    TreeKind(usize, usize, FileKind),
    TreeContents(usize, usize, String),
    AddTreeFile(usize),
    RemoveTreeFile(usize, usize),
}

impl SpecEdit {
    /// Which field an edit touches; consecutive edits of one field share an undo step.
    fn field_id(&self) -> String {
        match self {
            SpecEdit::Arg(i, _) => format!("args.{i}"),
            SpecEdit::EnvKey(i, _) => format!("env.{i}.key"),
            SpecEdit::EnvValue(i, _) => format!("env.{i}.value"),
            SpecEdit::SourceName(i, _) => format!("sources.{i}.name"),
            SpecEdit::SourceContents(i, _) => format!("sources.{i}.contents"),
            SpecEdit::TreePath(i, j, _) => format!("sources.{i}.tree.{j}.path"),
            SpecEdit::TreeContents(i, j, _) => format!("sources.{i}.tree.{j}.contents"),
            SpecEdit::Name(_) => "name".into(),
            SpecEdit::System(_) => "system".into(),
            SpecEdit::Builder(_) => "builder".into(),
            SpecEdit::Outputs(_) => "outputs".into(),
            SpecEdit::FixedHash(_) => "fixed.hash".into(),
            other => format!("{other:?}"),
        }
    }

    /// Applies the edit to a spec.
    pub fn apply(&self, s: &mut DrvSpec) {
        match self.clone() {
            SpecEdit::Name(v) => s.name = v,
            SpecEdit::System(v) => s.system = v,
            SpecEdit::Builder(v) => s.builder = v,
            SpecEdit::Arg(i, v) => {
                if let Some(a) = s.args.get_mut(i) {
                    *a = v
                }
            }
            SpecEdit::AddArg => s.args.push(String::new()),
            SpecEdit::RemoveArg(i) => {
                if i < s.args.len() {
                    s.args.remove(i);
                }
            }
            SpecEdit::EnvKey(i, v) => {
                if let Some(e) = s.env.get_mut(i) {
                    e.0 = v
                }
            }
            SpecEdit::EnvValue(i, v) => {
                if let Some(e) = s.env.get_mut(i) {
                    e.1 = v
                }
            }
            SpecEdit::AddEnv => {
                let n =
                    (1..).map(|i| format!("attr{i}")).find(|k| s.env.iter().all(|(e, _)| e != k)).unwrap_or_default();
                s.env.push((n, String::new()))
            }
            SpecEdit::AddInput(key, output) => {
                let base = match &output {
                    Some(o) => format!("{key}_{o}"),
                    None => key.clone(),
                };
                let name = std::iter::once(base.clone())
                    .chain((2..).map(|i| format!("{base}{i}")))
                    .find(|k| s.env.iter().all(|(e, _)| e != k))
                    .unwrap_or_default();
                let reference = match output {
                    Some(o) => format!("${{{key}.{o}}}"),
                    None => format!("${{{key}}}"),
                };
                s.env.push((name, reference));
            }
            SpecEdit::RemoveEnv(i) => {
                if i < s.env.len() {
                    s.env.remove(i);
                }
            }
            SpecEdit::Outputs(v) => {
                let outs: Vec<String> = v.split_whitespace().map(str::to_string).collect();
                s.outputs = if outs == ["out"] { vec![] } else { outs };
            }
            SpecEdit::Fixed(on) => {
                s.fixed = on.then(|| FixedSpec {
                    mode: FixedMode::Flat,
                    algo: Some(HashAlgo::Sha256),
                    hash: Hash::sha256(b"").to_nix32(),
                    omit_mode: false,
                });
                if on {
                    s.content_addressed = false;
                    s.outputs.clear();
                }
            }
            SpecEdit::FixedMode(m) => {
                if let Some(f) = &mut s.fixed {
                    f.mode = m
                }
            }
            SpecEdit::FixedAlgo(a) => {
                if let Some(f) = &mut s.fixed {
                    f.algo = a
                }
            }
            SpecEdit::FixedHash(h) => {
                if let Some(f) = &mut s.fixed {
                    f.hash = h
                }
            }
            SpecEdit::ContentAddressed(on) => {
                s.content_addressed = on;
                if on {
                    s.fixed = None;
                }
            }
            SpecEdit::SourceName(i, v) => {
                if let Some(x) = s.sources.get_mut(i) {
                    x.name = v
                }
            }
            SpecEdit::SourceContents(i, v) => {
                if let Some(x) = s.sources.get_mut(i) {
                    x.contents = v
                }
            }
            SpecEdit::AddSource => {
                let n = s.sources.len() + 1;
                s.sources.push(SourceSpec {
                    attr: format!("file{n}"),
                    name: format!("file{n}.txt"),
                    contents: "hello\n".into(),
                    tree: None,
                })
            }
            SpecEdit::AddDirSource => {
                let n = s.sources.len() + 1;
                s.sources.push(SourceSpec {
                    attr: format!("dir{n}"),
                    name: format!("dir{n}"),
                    contents: String::new(),
                    tree: Some(vec![
                        TreeFile { path: "README".into(), kind: FileKind::Regular, contents: "hello\n".into() },
                        TreeFile {
                            path: "bin/run".into(),
                            kind: FileKind::Executable,
                            contents: "#!/bin/sh\necho hi\n".into(),
                        },
                    ]),
                })
            }
            SpecEdit::TreePath(i, j, v) => {
                if let Some(f) = tree_file(s, i, j) {
                    f.path = v
                }
            }
            SpecEdit::TreeKind(i, j, v) => {
                if let Some(f) = tree_file(s, i, j) {
                    f.kind = v
                }
            }
            SpecEdit::TreeContents(i, j, v) => {
                if let Some(f) = tree_file(s, i, j) {
                    f.contents = v
                }
            }
            SpecEdit::AddTreeFile(i) => {
                if let Some(t) = s.sources.get_mut(i).and_then(|x| x.tree.as_mut()) {
                    let n = t.len() + 1;
                    t.push(TreeFile { path: format!("file{n}"), kind: FileKind::Regular, contents: String::new() })
                }
            }
            SpecEdit::RemoveTreeFile(i, j) => {
                if let Some(t) = s.sources.get_mut(i).and_then(|x| x.tree.as_mut()) {
                    if j < t.len() {
                        t.remove(j);
                    }
                }
            }
            SpecEdit::RemoveSource(i) => {
                if i < s.sources.len() {
                    s.sources.remove(i);
                }
            }
        }
    }
}

fn tree_file(s: &mut DrvSpec, i: usize, j: usize) -> Option<&mut TreeFile> {
    s.sources.get_mut(i)?.tree.as_mut()?.get_mut(j)
}

/// Everything the reducer understands.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Select(String),
    Edit(String, SpecEdit),
    Undo,
    Redo,
    LoadScenario(String),
    Reset,
    AddDerivation,
    RemoveDerivation(String),
    RenameKey(String, String),
    SetMerge(InputMerge),
    /// Replace the whole graph (import, shared link).
    Load {
        specs: SpecGraph,
        selected: String,
        label: String,
    },
    /// Restore a shared link's state.
    Restore(crate::lab::share::Shared),
    /// Perform the scenario's suggested edit.
    TrySuggested,
    /// Show (or clear) a message above the page, e.g. why a link could not be opened.
    Notice(Option<String>),
    /// Act in the toy store / cache / network.
    Sim(SimAction),
    /// Sweep every derivation's fields in the "what moves" matrix, or only the selected one's.
    SweepAll(bool),
}

/// What the simulator panel can do.
#[derive(Debug, Clone, PartialEq)]
pub enum SimAction {
    /// Build the selected derivation; with `true`, as `nix-build --check`.
    Build(bool),
    PushToCache,
    ClearStore,
    ClearCache,
    /// Serve `contents` at `url` on the toy network (empty contents removes it).
    Serve(String, String),
}

/// The engine's answer for one spec graph, shared by every view of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub eval: Evaluated,
    pub lints: Vec<Lint>,
    /// How each source of each derivation became its store path (traces on only).
    pub sources: BTreeMap<String, Vec<Option<drvlab_engine::trace::Trace>>>,
}

impl Computed {
    pub fn new(specs: &SpecGraph, opts: &Options) -> Computed {
        let eval = evaluate(specs, opts);
        let lints = lints(specs, &eval);
        let sources = if opts.trace {
            drvlab_engine::collect::map(specs.iter().filter(|(_, s)| !s.sources.is_empty()).map(|(k, s)| {
                (
                    k.clone(),
                    (0..s.sources.len()).map(|i| crate::lab::eval::source_trace(s, i, &opts.store_dir)).collect(),
                )
            }))
        } else {
            BTreeMap::new()
        };
        Computed { eval, lints, sources }
    }

    pub fn errors_for(&self, key: &str) -> Vec<&EvalError> {
        self.eval.errors.iter().filter(|e| e.key == key).collect()
    }

    /// Every path, `.drv` then outputs, per derivation in dependency order.
    pub fn paths(&self) -> Vec<(PathId, Option<String>)> {
        crate::lab::explain::all_paths(&self.eval.resolution)
    }
}

/// What the last edit did: the edit's label and every path before/after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub label: String,
    pub edited_key: String,
    pub changes: Vec<PathChange>,
}

/// How one path fared in a change. A derivation that was added or removed has new or vanished
/// paths; those did not "move".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Moved,
    Stayed,
    Added,
    Removed,
}

impl Change {
    pub fn fate(&self, c: &PathChange, specs: &SpecGraph) -> Fate {
        let new_key = self.changes.iter().any(|x| x.id.key == c.id.key && x.id.output.is_none() && x.before.is_none());
        if !specs.contains_key(&c.id.key) {
            Fate::Removed
        } else if new_key {
            Fate::Added
        } else if c.moved() {
            Fate::Moved
        } else {
            Fate::Stayed
        }
    }
}

/// A state that undo can return to.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    specs: SpecGraph,
    selected: String,
    field: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Playground {
    pub scenario: Option<Scenario>,
    /// What "compare with the original" compares against: the scenario or import as loaded.
    pub base: SpecGraph,
    pub specs: SpecGraph,
    pub selected: String,
    pub merge: InputMerge,
    pub computed: Rc<Computed>,
    /// The last computation in which the selected derivation resolved, shown greyed while the
    /// current one has errors.
    pub last_good: Rc<Computed>,
    pub last_change: Option<Change>,
    /// A message for the person (a corrupt link, an import summary).
    pub notice: Option<String>,
    /// The toy store, cache and network, and the last build's log. Not part of undo: it is the
    /// world the derivations are built in.
    pub sim: crate::lab::simulator::Simulator,
    pub sim_log: Vec<crate::lab::simulator::LogLine>,
    /// The "what moves" matrix: the sensitivity sweep of the selected derivation's fields, or of
    /// every derivation's when `sweep_all` (each row is a full recompute, so a large imported
    /// graph sweeps only what is looked at).
    pub sweep_all: bool,
    pub sweep: Rc<crate::lab::explain::Sweep>,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
}

impl Default for Playground {
    fn default() -> Self {
        Playground::from_scenario(default_scenario())
    }
}

fn options(merge: InputMerge) -> Options {
    Options { merge, ..Options::default() }
}

impl Playground {
    /// The state a shared link holds.
    pub fn shared(&self) -> crate::lab::share::Shared {
        crate::lab::share::Shared {
            v: 1,
            specs: self.specs.clone(),
            selected: self.selected.clone(),
            scenario: self.scenario.as_ref().map(|s| s.id.to_string()),
            merge: self.merge,
        }
    }

    pub fn from_scenario(s: Scenario) -> Playground {
        let computed = Rc::new(Computed::new(&s.specs, &options(InputMerge::Merge)));
        let swept = Rc::new(sweep(&s.specs, &options(InputMerge::Merge), Some(s.selected)));
        Playground {
            specs: s.specs.clone(),
            base: s.specs.clone(),
            selected: s.selected.to_string(),
            scenario: Some(s),
            merge: InputMerge::Merge,
            last_good: computed.clone(),
            computed,
            last_change: None,
            notice: None,
            sim: crate::lab::simulator::Simulator::default(),
            sim_log: vec![],
            sweep_all: false,
            sweep: swept,
            undo: vec![],
            redo: vec![],
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn options(&self) -> Options {
        options(self.merge)
    }

    fn recompute(&mut self, label: String, edited_key: String) {
        let before = self.computed.clone();
        let after = Rc::new(Computed::new(&self.specs, &self.options()));
        let changes = crate::lab::explain::compare(&before.eval.resolution, &after.eval.resolution);
        if after.eval.errors.is_empty() {
            self.last_good = after.clone();
        }
        // Only report a change when both sides resolved; otherwise the errors speak.
        self.last_change = (before.eval.errors.is_empty() && after.eval.errors.is_empty()).then_some(Change {
            label,
            edited_key,
            changes,
        });
        self.computed = after;
    }

    fn push_undo(&mut self, field: String) {
        let coalesce = self.undo.last().is_some_and(|s| !field.is_empty() && s.field == field);
        if !coalesce {
            self.undo.push(Snapshot { specs: self.specs.clone(), selected: self.selected.clone(), field });
            if self.undo.len() > 500 {
                self.undo.remove(0);
            }
        }
        self.redo.clear();
    }

    /// The reducer: a new state for an action. Returns `None` for a no-op so the UI can skip
    /// re-rendering. The matrix's sweep follows the graph, the selection and the Nix version.
    pub fn reduce(&self, action: Action) -> Option<Playground> {
        let mut p = self.reduce_graph(action)?;
        if p.specs != self.specs
            || p.selected != self.selected
            || p.sweep_all != self.sweep_all
            || p.merge != self.merge
        {
            let only = (!p.sweep_all).then_some(p.selected.as_str());
            p.sweep = Rc::new(sweep(&p.specs, &p.options(), only));
        }
        Some(p)
    }

    fn reduce_graph(&self, action: Action) -> Option<Playground> {
        let mut p = self.clone();
        match action {
            Action::Select(k) => {
                if k == p.selected || !p.specs.contains_key(&k) {
                    return None;
                }
                p.selected = k;
                // A new selection starts a new undo group.
                if let Some(s) = p.undo.last_mut() {
                    s.field.clear();
                }
            }
            Action::Edit(key, edit) => {
                let mut spec = p.specs.get(&key)?.clone();
                edit.apply(&mut spec);
                if p.specs[&key] == spec {
                    return None;
                }
                p.push_undo(format!("{key}:{}", edit.field_id()));
                p.specs.insert(key.clone(), spec);
                let label = match &edit {
                    SpecEdit::EnvValue(i, _) | SpecEdit::EnvKey(i, _) => {
                        format!("env {}", p.specs[&key].env.get(*i).map(|(k, _)| k.as_str()).unwrap_or("?"))
                    }
                    SpecEdit::Arg(i, _) => format!("args {i}"),
                    SpecEdit::FixedHash(_) => "outputHash".into(),
                    // Sources by attribute and entry path, as the matrix names them.
                    SpecEdit::SourceName(i, _) | SpecEdit::SourceContents(i, _) => {
                        format!("source {}", p.specs[&key].sources.get(*i).map_or("?", |x| x.attr.as_str()))
                    }
                    SpecEdit::TreePath(i, j, _) | SpecEdit::TreeKind(i, j, _) | SpecEdit::TreeContents(i, j, _) => {
                        let src = p.specs[&key].sources.get(*i);
                        let entry = src.and_then(|x| x.tree.as_ref()?.get(*j)).map_or("?", |t| t.path.as_str());
                        let what = match &edit {
                            SpecEdit::TreePath(..) => "path",
                            SpecEdit::TreeKind(..) => "kind",
                            _ => "contents",
                        };
                        format!("{}/{entry} ({what})", src.map_or("?", |x| x.attr.as_str()))
                    }
                    SpecEdit::AddArg => "added an arg".into(),
                    SpecEdit::RemoveArg(i) => format!("removed args {i}"),
                    SpecEdit::AddEnv => "added an attribute".into(),
                    SpecEdit::RemoveEnv(_) => "removed an attribute".into(),
                    SpecEdit::AddInput(k, o) => {
                        format!("uses ${{{k}{}}}", o.as_ref().map(|o| format!(".{o}")).unwrap_or_default())
                    }
                    SpecEdit::Fixed(on) => (if *on { "made fixed-output" } else { "no longer fixed-output" }).into(),
                    SpecEdit::FixedMode(m) => format!("outputHashMode {}", crate::lab::eval::mode_name(*m)),
                    SpecEdit::FixedAlgo(a) => {
                        format!("outputHashAlgo {}", a.map(|a| a.to_string()).unwrap_or_else(|| "left out".into()))
                    }
                    SpecEdit::ContentAddressed(on) => {
                        (if *on { "made content-addressed" } else { "no longer content-addressed" }).into()
                    }
                    SpecEdit::AddSource => "added a text source".into(),
                    SpecEdit::AddDirSource => "added a directory source".into(),
                    SpecEdit::RemoveSource(_) => "removed a source".into(),
                    SpecEdit::AddTreeFile(i) => {
                        format!("added an entry to {}", p.specs[&key].sources.get(*i).map_or("?", |x| x.attr.as_str()))
                    }
                    SpecEdit::RemoveTreeFile(i, _) => {
                        format!(
                            "removed an entry of {}",
                            p.specs[&key].sources.get(*i).map_or("?", |x| x.attr.as_str())
                        )
                    }
                    e => e.field_id(),
                };
                p.recompute(format!("{key}: {label}"), key);
            }
            Action::Undo => {
                let s = p.undo.pop()?;
                p.redo.push(Snapshot { specs: p.specs.clone(), selected: p.selected.clone(), field: String::new() });
                p.specs = s.specs;
                p.selected = s.selected;
                let sel = p.selected.clone();
                p.recompute("undo".into(), sel);
            }
            Action::Redo => {
                let s = p.redo.pop()?;
                p.undo.push(Snapshot { specs: p.specs.clone(), selected: p.selected.clone(), field: String::new() });
                p.specs = s.specs;
                p.selected = s.selected;
                let sel = p.selected.clone();
                p.recompute("redo".into(), sel);
            }
            Action::LoadScenario(id) => {
                let s = scenarios().into_iter().find(|s| s.id == id)?;
                let mut n = Playground::from_scenario(s);
                n.merge = p.merge;
                n.undo = p.undo;
                n.undo.push(Snapshot { specs: p.specs, selected: p.selected, field: String::new() });
                return Some(n);
            }
            Action::Reset => {
                let s = p.scenario.clone().unwrap_or_else(default_scenario);
                if p.specs == s.specs {
                    return None;
                }
                p.push_undo(String::new());
                p.specs = s.specs.clone();
                p.selected = s.selected.to_string();
                let sel = p.selected.clone();
                p.recompute("reset to scenario".into(), sel);
            }
            Action::AddDerivation => {
                let key = (1..).map(|i| format!("drv{i}")).find(|k| !p.specs.contains_key(k)).unwrap_or_default();
                p.push_undo(String::new());
                let base = p.specs.get(&p.selected).cloned();
                let system = base.as_ref().map_or("x86_64-linux", |b| b.system.as_str());
                let spec = DrvSpec::new(&key, system, "/bin/sh", &["-c", "echo hello > $out"]);
                p.specs.insert(key.clone(), spec);
                p.selected = key.clone();
                p.recompute(format!("added {key}"), key);
            }
            Action::RemoveDerivation(key) => {
                p.specs.get(&key)?;
                p.push_undo(String::new());
                p.specs.remove(&key);
                if p.selected == key {
                    p.selected = p.specs.keys().next().cloned().unwrap_or_default();
                }
                p.recompute(format!("removed {key}"), key);
            }
            Action::RenameKey(old, new) => {
                if old == new || !p.specs.contains_key(&old) || p.specs.contains_key(&new) || !valid_key(&new) {
                    return None;
                }
                p.push_undo(String::new());
                let spec = p.specs.remove(&old)?;
                p.specs.insert(new.clone(), spec);
                let (from_a, from_b) = (format!("${{{old}}}"), format!("${{{old}."));
                let (to_a, to_b) = (format!("${{{new}}}"), format!("${{{new}."));
                for s in p.specs.values_mut() {
                    for v in s.args.iter_mut().chain(s.env.iter_mut().map(|(_, v)| v)) {
                        *v = v.replace(&from_a, &to_a).replace(&from_b, &to_b);
                    }
                }
                if p.selected == old {
                    p.selected = new.clone();
                }
                p.computed = Rc::new(Computed::new(&p.specs, &p.options()));
                p.last_good = p.computed.clone();
                p.last_change = None;
            }
            Action::SetMerge(m) => {
                if m == p.merge {
                    return None;
                }
                p.merge = m;
                let sel = p.selected.clone();
                p.recompute(format!("Nix version: {}", m.describe()), sel);
            }
            Action::Restore(shared) => {
                let scenario = shared.scenario.as_deref().and_then(|id| scenarios().into_iter().find(|s| s.id == id));
                let mut n = match scenario {
                    Some(s) => Playground::from_scenario(s),
                    None => Playground { scenario: None, ..Playground::default() },
                };
                n.merge = shared.merge;
                n.selected = if shared.specs.contains_key(&shared.selected) {
                    shared.selected
                } else {
                    shared.specs.keys().next().cloned()?
                };
                n.specs = shared.specs;
                if n.scenario.is_none() {
                    n.base = n.specs.clone();
                }
                n.computed = Rc::new(Computed::new(&n.specs, &n.options()));
                n.last_good = n.computed.clone();
                return Some(n);
            }
            Action::TrySuggested => {
                let (key, field, value) = p.scenario.as_ref()?.edit;
                let edit = parse_edit(p.specs.get(key)?, field, value).ok()?;
                return p.reduce_graph(Action::Edit(key.to_string(), edit));
            }
            Action::SweepAll(on) => {
                if on == p.sweep_all {
                    return None;
                }
                p.sweep_all = on;
            }
            Action::Sim(a) => match a {
                SimAction::Build(check) => {
                    let sel = p.selected.clone();
                    let res = p.computed.eval.resolution.clone();
                    p.sim_log = p.sim.build(&res, &sel, check);
                }
                SimAction::PushToCache => p.sim.push_to_cache(),
                SimAction::ClearStore => p.sim.store.clear(),
                SimAction::ClearCache => p.sim.cache.clear(),
                SimAction::Serve(url, contents) => {
                    if contents.is_empty() {
                        p.sim.network.remove(&url);
                    } else {
                        p.sim.network.insert(url, contents);
                    }
                }
            },
            Action::Notice(n) => {
                if n == p.notice {
                    return None;
                }
                p.notice = n;
            }
            Action::Load { specs, selected, label } => {
                p.push_undo(String::new());
                p.selected = if specs.contains_key(&selected) {
                    selected
                } else {
                    specs.keys().next().cloned().unwrap_or_default()
                };
                p.specs = specs;
                p.base = p.specs.clone();
                p.scenario = None;
                p.computed = Rc::new(Computed::new(&p.specs, &p.options()));
                p.last_good = p.computed.clone();
                p.last_change = Some(Change { label, edited_key: p.selected.clone(), changes: vec![] });
            }
        }
        Some(p)
    }
}

/// Keys are Nix identifiers, since the `.nix` export binds them with `let`.
pub fn valid_key(k: &str) -> bool {
    let mut c = k.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        && k.len() <= 40
}

/// A sentence-level account of one change, for the panel under the editor.
pub fn account(change: &Change, computed: &Computed, specs: &SpecGraph) -> Vec<String> {
    let with = |f: Fate| -> Vec<&PathChange> { change.changes.iter().filter(|c| change.fate(c, specs) == f).collect() };
    let (moved, stayed) = (with(Fate::Moved), with(Fate::Stayed));
    let keys_of = |v: Vec<&PathChange>| drvlab_engine::collect::set(v.into_iter().map(|c| c.id.key.clone()));
    let (added, removed) = (keys_of(with(Fate::Added)), keys_of(with(Fate::Removed)));
    let mut lines = Vec::new();
    let names = |v: &[&PathChange]| v.iter().map(|c| c.id.label()).collect::<Vec<_>>().join(", ");
    let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    if moved.is_empty() {
        lines.push(match (added.is_empty(), removed.is_empty()) {
            (true, true) => format!("{}: no path moved — Nix sees the same derivations as before.", change.label),
            _ => format!("{}: no existing path moved.", change.label),
        });
    } else {
        lines.push(format!("{}: {} moved ({}).", change.label, moved.len(), names(&moved)));
    }
    if !added.is_empty() {
        lines.push(format!("New in the graph: {} (its paths are new, nothing moved to them).", list(&added)));
    }
    if !removed.is_empty() {
        lines.push(format!("Gone from the graph: {} (its paths are no longer computed).", list(&removed)));
    }
    if moved.is_empty() {
        return lines;
    }
    if !stayed.is_empty() {
        lines.push(format!("{} stayed ({}).", stayed.len(), names(&stayed)));
    }
    let key = &change.edited_key;
    let is_fixed = specs.get(key).is_some_and(|s| s.fixed.is_some());
    let drv_moved = moved.iter().any(|c| c.id.key == *key && c.id.output.is_none());
    let out_moved = moved.iter().any(|c| c.id.key == *key && c.id.output.is_some());
    let others_moved = moved.iter().any(|c| c.id.key != *key);
    let other_outputs_moved = moved.iter().any(|c| c.id.key != *key && c.id.output.is_some());
    if is_fixed && drv_moved && !out_moved {
        lines.push(format!(
            "{key} is fixed-output and its declared hash did not change, so its output path stayed. In real Nix the old output will be reused from the store or a binary cache and the new builder never runs. `nix-build --check` rebuilds it and compares; changing the hash (or the name) forces a real build."
        ));
        if others_moved && !other_outputs_moved {
            lines.push("Its dependents' .drv files changed (they name the new .drv file), but their output paths did not: they see a fixed-output input only through its declared hash and output path, so nothing downstream rebuilds.".into());
        } else if !others_moved {
            lines.push("Nothing else moved.".into());
        }
    } else if out_moved && other_outputs_moved {
        lines.push(format!("{key}'s output paths moved, and everything that uses them moved too: a new hash modulo cascades through every input-addressed dependent."));
    } else if out_moved {
        lines.push(format!("{key}'s output paths moved; nothing depends on it."));
    }
    if computed.eval.resolution.entries.values().any(|r| r.outputs.values().any(Option::is_none)) {
        lines.push("Some output paths are unknown before building (content-addressed or deferred); they cannot move because they do not exist yet.".into());
    }
    lines
}

/// Parses `FIELD=VALUE` as `drvlab moves --set` spells it: `name`, `system`, `builder`,
/// `args.N`, `env.KEY`, `outputs` (space-separated), `outputHash`, `outputHashMode`
/// (`flat`/`recursive`), `outputHashAlgo`.
pub fn parse_edit(spec: &DrvSpec, field: &str, value: &str) -> Result<SpecEdit, String> {
    let v = value.to_string();
    Ok(match field {
        "name" => SpecEdit::Name(v),
        "system" => SpecEdit::System(v),
        "builder" => SpecEdit::Builder(v),
        "outputs" => SpecEdit::Outputs(v),
        "outputHash" if spec.fixed.is_some() => SpecEdit::FixedHash(v),
        "outputHashMode" if spec.fixed.is_some() => match value {
            "flat" => SpecEdit::FixedMode(FixedMode::Flat),
            "recursive" => SpecEdit::FixedMode(FixedMode::Recursive),
            _ => return Err(format!("outputHashMode {value:?}: use flat or recursive")),
        },
        "outputHashAlgo" if spec.fixed.is_some() => SpecEdit::FixedAlgo(if value.is_empty() {
            None
        } else {
            Some(HashAlgo::parse(value).map_err(|e| e.to_string())?)
        }),
        f if f.starts_with("outputHash") => return Err(format!("{f}: this derivation is not fixed-output")),
        f => {
            if let Some(i) = f.strip_prefix("args.") {
                let i: usize = i.parse().map_err(|_| format!("{f}: args.N needs a number"))?;
                if i >= spec.args.len() {
                    return Err(format!("{f}: there are {} args", spec.args.len()));
                }
                SpecEdit::Arg(i, v)
            } else if let Some(k) = f.strip_prefix("env.") {
                let i = spec.env.iter().position(|(e, _)| e == k).ok_or_else(|| {
                    let have: Vec<&str> = spec.env.iter().map(|(e, _)| e.as_str()).collect();
                    format!("{f}: no such attribute (it has {})", have.join(", "))
                })?;
                SpecEdit::EnvValue(i, v)
            } else if let Some(rest) = f.strip_prefix("sources.") {
                source_edit(spec, f, rest, v)?
            } else {
                return Err(format!(
                    "unknown field {f:?}; use name, system, builder, args.N, env.KEY, outputs, outputHash, outputHashMode, outputHashAlgo, sources.ATTR, sources.ATTR/PATH or sources.ATTR/PATH (kind)"
                ));
            }
        }
    })
}

/// `sources.ATTR` (a toFile text), `sources.ATTR/PATH` (an entry's contents) or
/// `sources.ATTR/PATH (kind)` (regular, executable or symlink), as the matrix labels its rows.
fn source_edit(spec: &DrvSpec, f: &str, rest: &str, v: String) -> Result<SpecEdit, String> {
    let (attr, entry) = match rest.split_once('/') {
        Some((a, e)) => (a, Some(e)),
        None => (rest, None),
    };
    let i = spec.sources.iter().position(|x| x.attr == attr).ok_or_else(|| {
        let have: Vec<&str> = spec.sources.iter().map(|x| x.attr.as_str()).collect();
        format!("{f}: no source {attr:?} (it has {})", if have.is_empty() { "none".into() } else { have.join(", ") })
    })?;
    match (&spec.sources[i].tree, entry) {
        (None, None) => Ok(SpecEdit::SourceContents(i, v)),
        (None, Some(_)) => Err(format!("{f}: {attr} is a text file, not a directory; use sources.{attr}")),
        (Some(_), None) => Err(format!("{f}: {attr} is a directory; name an entry, as sources.{attr}/PATH")),
        (Some(files), Some(e)) => {
            let (path, kind) = match e.strip_suffix(" (kind)") {
                Some(p) => (p, true),
                None => (e, false),
            };
            let j = files.iter().position(|t| t.path == path).ok_or_else(|| {
                let have: Vec<&str> = files.iter().map(|t| t.path.as_str()).collect();
                format!("{f}: {attr} has no entry {path:?} (it has {})", have.join(", "))
            })?;
            if !kind {
                return Ok(SpecEdit::TreeContents(i, j, v));
            }
            let k = match v.as_str() {
                "regular" => FileKind::Regular,
                "executable" => FileKind::Executable,
                "symlink" => FileKind::Symlink,
                other => return Err(format!("{f}: kind {other:?}; use regular, executable or symlink")),
            };
            Ok(SpecEdit::TreeKind(i, j, k))
        }
    }
}

/// What the page says of one part of an ATerm (a mark class and a sentence), given the
/// derivation it belongs to and the graph; `None` leaves the part unmarked.
pub fn describe_part(
    part: &drvlab_engine::trace::Part,
    drv: &drvlab_engine::derivation::Derivation,
    c: &Computed,
) -> Option<(&'static str, String)> {
    use drvlab_engine::trace::Part;
    let entries = &c.eval.resolution.entries;
    let by_drv = |p: &str| entries.iter().find(|(_, r)| r.drv_path == p).map(|(k, _)| k.clone());
    let by_hash = |h: &str| entries.iter().find(|(_, r)| r.modulo.hashes.values().any(|x| x.to_base16() == h));
    // Which inputs' output paths a string holds (a `${key}` reference in what was written).
    let mentions = |text: &str| {
        let held: Vec<String> = entries
            .iter()
            .flat_map(|(k, r)| r.outputs.iter().map(move |(o, p)| (k, o, p)))
            .filter(|(_, _, p)| p.as_deref().is_some_and(|p| !p.is_empty() && text.contains(p)))
            .map(|(k, o, _)| format!("{k}'s output {o}"))
            .chain(drv.input_srcs.iter().filter(|p| text.contains(p.as_str())).map(|_| "a source".to_string()))
            .collect();
        if held.is_empty() {
            String::new()
        } else {
            format!(", holding the path of {}", held.join(" and "))
        }
    };
    Some(match part {
        Part::OutputName(o) => ("own", format!("the name of output {o}")),
        Part::OutputPath { output, blank: true } => (
            "blank",
            format!("blanked: the path of output {output} is not known while hashing (it is computed from this hash)"),
        ),
        Part::OutputPath { output, .. } => match drv.outputs.get(output).map(|o| o.path.as_str()) {
            Some("") => ("blank", format!("empty: the path of output {output} is unknown until built")),
            _ => ("own", format!("the path of output {output}")),
        },
        Part::OutputHashAlgo(o) if drv.outputs.get(o).is_some_and(|x| !x.hash_algo.is_empty()) => {
            ("fld", "from outputHashMode and outputHashAlgo (r: means recursive, a NAR hash)".into())
        }
        Part::OutputHash(o) if drv.outputs.get(o).is_some_and(|x| !x.hash.is_empty()) => {
            ("fld", "from outputHash, written in base16 whatever form was typed".into())
        }
        Part::OutputHashAlgo(_) | Part::OutputHash(_) | Part::EnvName(_) => return None,
        Part::Input(s) => match (by_drv(s), by_hash(s)) {
            (Some(k), _) => ("inp", format!("the .drv path of {k}")),
            (None, Some((k, r))) => ("repl", format!("hash modulo of {k}, in place of {}", r.drv_path)),
            _ => ("inp", "an input derivation".into()),
        },
        Part::InputOutputs(s) => {
            let k = by_drv(s).or_else(|| by_hash(s).map(|(k, _)| k.clone())).unwrap_or_else(|| "the input".into());
            ("inp", format!("the outputs of {k} this derivation uses"))
        }
        Part::InputSrc(p) => match drv.env.iter().find(|(_, v)| *v == p) {
            Some((k, _)) => ("src", format!("an input source: ${{{k}}}")),
            None => ("src", "an input source".into()),
        },
        Part::System => ("fld", "from system".into()),
        Part::Builder => ("fld", "from builder".into()),
        Part::Arg(i) => ("fld", format!("from args {i}{}", mentions(drv.args.get(*i).map_or("", |a| a.as_str())))),
        Part::EnvValue { name, blank: true } => {
            ("blank", format!("blanked: env {name} holds output {name}'s path, not known while hashing"))
        }
        Part::EnvValue { name, .. } if drv.outputs.contains_key(name) => {
            ("own", format!("env {name}: the path of output {name}"))
        }
        Part::EnvValue { name, .. } => match name.as_str() {
            "name" | "system" | "builder" => ("fld", format!("from {name} (Nix copies it into env)")),
            _ => {
                ("fld", format!("from the attribute {name}{}", mentions(drv.env.get(name).map_or("", |v| v.as_str()))))
            }
        },
    })
}

/// One imported derivation, verified: the path Nix wrote (its key, when it is a `.drv` path) and
/// what the engine computes, with every difference.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub key: String,
    pub drv_path: String,
    pub mismatches: Vec<drvlab_engine::graph::Mismatch>,
}

/// What a paste or a dropped file turned into.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub format: String,
    pub verified: Vec<Verified>,
    /// The closure as editable attributes, when it is complete.
    pub specs: Option<(SpecGraph, String)>,
    pub note: Option<String>,
}

/// Reads a pasted `.drv` (ATerm) or `nix derivation show` JSON, verifies every path it can and
/// lifts the closure to editable attributes. Errors say where (line and column) and what.
pub fn import_text(text: &str, opts: &Options) -> Result<ImportReport, String> {
    let trimmed = text.trim_start();
    let (graph, format) = if trimmed.starts_with("Derive(") || trimmed.starts_with("DrvWithVersion(") {
        let body = text.trim_end_matches('\n');
        let probe = drvlab_engine::aterm::parse_aterm(body.as_bytes(), "x").map_err(|e| format!(".drv text, {e}"))?;
        let name = probe.env.get("name").cloned().ok_or(".drv text has no env.name, so its name is unknown")?;
        let drv = drvlab_engine::derivation::Derivation { name, ..probe };
        if !drv.input_drvs.is_empty() {
            // Without the inputs only the .drv path can be checked.
            let mut refs: Vec<String> = drv.input_srcs.iter().cloned().collect();
            refs.extend(drv.input_drvs.keys().cloned());
            let path = drvlab_engine::store_path::text_path(
                &opts.store_dir,
                &format!("{}.drv", drv.name),
                body.as_bytes(),
                &refs,
                &mut drvlab_engine::trace::Trace::off(),
            );
            return Ok(ImportReport {
                format: "a .drv file (ATerm)".into(),
                verified: vec![Verified { key: drv.name.clone(), drv_path: path, mismatches: vec![] }],
                specs: None,
                note: Some(format!(
                    "Its .drv path is computed above. It has {} input derivation(s) that were not pasted, so its output paths cannot be verified or edited: paste `nix derivation show -r` JSON of it instead.",
                    drv.input_drvs.len()
                )),
            });
        }
        (drvlab_engine::graph::Graph::from([(drv.name.clone(), drv)]), "a .drv file (ATerm)".to_string())
    } else {
        let imp = drvlab_engine::import::import_json(text, &opts.store_dir).map_err(|e| e.to_string())?;
        (imp.graph, format!("nix derivation show JSON, {}", imp.shape.describe()))
    };
    let res = drvlab_engine::graph::resolve(&graph, opts).map_err(|e| e.to_string())?;
    let mut verified = Vec::new();
    for key in &res.order {
        let r = &res.entries[key];
        let mut mismatches = r.mismatches.clone();
        if let Some(given) = graph.get(key) {
            if format.starts_with("a .drv") && given.to_aterm_bytes() != r.aterm {
                mismatches.push(drvlab_engine::graph::Mismatch {
                    field: "the .drv text".into(),
                    given: String::from_utf8_lossy(&given.to_aterm_bytes()).into_owned(),
                    computed: String::from_utf8_lossy(&r.aterm).into_owned(),
                });
            }
        }
        verified.push(Verified { key: key.clone(), drv_path: r.drv_path.clone(), mismatches });
    }
    let lifted = crate::lab::lift::lift(&graph, &res);
    let selected = res.order.last().and_then(|k| lifted.keys.get(k)).cloned().unwrap_or_default();
    Ok(ImportReport { format, verified, specs: Some((lifted.specs, selected)), note: None })
}

/// The graph, exported: the selected derivation's `.drv` text, the whole graph as
/// `nix show-derivation` JSON (2.8 shape, keyed by `.drv` path), and as a `.nix` file — or,
/// when a source is a directory, a shell script that writes that file and the directories.
pub fn export(c: &Computed, specs: &SpecGraph, selected: &str) -> (String, String, String) {
    let aterm = c
        .eval
        .resolution
        .entries
        .get(selected)
        .map(|r| String::from_utf8_lossy(&r.aterm).into_owned())
        .unwrap_or_default();
    let by_path: BTreeMap<String, drvlab_engine::derivation::Derivation> =
        drvlab_engine::collect::map(c.eval.resolution.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())));
    let json = serde_json::to_string_pretty(&drvlab_engine::import::export_json_2_8(&by_path)).unwrap_or_default();
    let has_trees = specs.values().any(|s| s.sources.iter().any(|x| x.tree.is_some()));
    let nix =
        if has_trees { crate::lab::eval::to_shell_script(specs) } else { crate::lab::eval::to_nix_expression(specs) };
    (aterm, json, nix)
}

/// One derivation from a paste: `.drv` text, or JSON holding exactly one derivation (or the
/// last one in dependency order).
pub fn parse_one(text: &str, opts: &Options) -> Result<drvlab_engine::derivation::Derivation, String> {
    let t = text.trim();
    if t.starts_with("Derive(") {
        let d = drvlab_engine::aterm::parse_aterm(t.as_bytes(), "x").map_err(|e| format!(".drv text, {e}"))?;
        let name = d.env.get("name").cloned().ok_or(".drv text has no env.name")?;
        return Ok(drvlab_engine::derivation::Derivation { name, ..d });
    }
    let imp = drvlab_engine::import::import_json(t, &opts.store_dir).map_err(|e| e.to_string())?;
    let order = drvlab_engine::graph::dependency_order(&imp.graph).map_err(|e| e.to_string())?;
    let last = order.last().ok_or("no derivation")?;
    Ok(imp.graph[last].clone())
}

/// Fields of one spec that the matrix perturbs, with how to perturb each.
pub fn spec_fields(spec: &DrvSpec) -> Vec<(String, SpecEdit)> {
    let mut f = vec![
        ("name".to_string(), SpecEdit::Name(format!("{}-x", spec.name))),
        ("system".into(), SpecEdit::System(format!("{}-x", spec.system))),
        ("builder".into(), SpecEdit::Builder(format!("{}-x", spec.builder))),
    ];
    for (i, a) in spec.args.iter().enumerate() {
        f.push((format!("args.{i}"), SpecEdit::Arg(i, format!("{a} #x"))));
    }
    for (i, (k, v)) in spec.env.iter().enumerate() {
        f.push((format!("env.{k}"), SpecEdit::EnvValue(i, format!("{v}-x"))));
    }
    for (i, s) in spec.sources.iter().enumerate() {
        match &s.tree {
            None => f.push((format!("sources.{}", s.attr), SpecEdit::SourceContents(i, format!("{}x", s.contents)))),
            // Each entry's contents, and its executable bit (which the NAR records).
            Some(files) => {
                for (j, t) in files.iter().enumerate().filter(|(_, t)| !t.path.ends_with('/')) {
                    let at = format!("sources.{}/{}", s.attr, t.path);
                    f.push((at.clone(), SpecEdit::TreeContents(i, j, format!("{}x", t.contents))));
                    let flip = match t.kind {
                        FileKind::Regular => Some(FileKind::Executable),
                        FileKind::Executable => Some(FileKind::Regular),
                        FileKind::Symlink => None,
                    };
                    if let Some(k) = flip {
                        f.push((format!("{at} (kind)"), SpecEdit::TreeKind(i, j, k)));
                    }
                }
            }
        }
    }
    if let Some(fx) = &spec.fixed {
        if let Ok(mut h) = Hash::parse(&fx.hash, fx.algo) {
            h.bytes[0] ^= 1;
            f.push(("outputHash".into(), SpecEdit::FixedHash(h.to_format(drvlab_engine::hash::HashFormat::Sri, true))));
        }
        let other = if fx.mode == FixedMode::Flat { FixedMode::Recursive } else { FixedMode::Flat };
        f.push(("outputHashMode".into(), SpecEdit::FixedMode(other)));
    }
    f
}

/// The sensitivity sweep over the spec graph: each field of each derivation (or of `only`)
/// perturbed in turn, the graph re-evaluated by the engine, every path compared with the
/// unperturbed one.
pub fn sweep(specs: &SpecGraph, opts: &Options, only: Option<&str>) -> crate::lab::explain::Sweep {
    let quiet = Options { trace: false, ..opts.clone() };
    let base = evaluate(specs, &quiet);
    let columns: Vec<PathId> = crate::lab::explain::all_paths(&base.resolution).into_iter().map(|(id, _)| id).collect();
    let refs: BTreeMap<&str, BTreeSet<String>> =
        drvlab_engine::collect::map(specs.iter().map(|(k, s)| (k.as_str(), crate::lab::eval::references(s, specs))));
    let mut rows = Vec::new();
    for key in base.resolution.order.iter().filter(|k| only.is_none_or(|o| o == k.as_str())) {
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
            let same_inputs = crate::lab::eval::references(&g[key], &g) == refs[key.as_str()];
            let moved = if base.errors.is_empty() && same_inputs {
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

/// The declared hash in every text form, or why it does not parse.
pub fn hash_forms(f: &FixedSpec) -> Result<Vec<(&'static str, String)>, String> {
    let h = Hash::parse(&f.hash, f.algo).map_err(|e| e.to_string())?;
    Ok(drvlab_engine::hash::HashFormat::ALL
        .iter()
        .map(|fm| (fm.name(), h.to_format(*fm, *fm != drvlab_engine::hash::HashFormat::Sri)))
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

/// Paths of the last good computation, by id, for greyed display while there are errors.
pub fn path_map(c: &Computed) -> BTreeMap<PathId, Option<String>> {
    drvlab_engine::collect::map(c.paths())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn edit(p: &Playground, key: &str, e: SpecEdit) -> Playground {
        p.reduce(Action::Edit(key.into(), e)).expect("edit changes state")
    }

    #[test]
    fn fod_recipe_edit_moves_only_its_drv_path() {
        let p = Playground::default();
        let i = p.specs["fetch"].env.iter().position(|(k, _)| k == "url").unwrap();
        let p2 = edit(&p, "fetch", SpecEdit::EnvValue(i, "https://example.org/other.tar.gz".into()));
        let ch = p2.last_change.as_ref().unwrap();
        let moved: Vec<String> = ch.changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
        // Dependents' .drv files name the new fetch .drv, so they move; no output path does.
        assert_eq!(moved, ["fetch .drv", "build .drv", "app .drv"]);
        assert!(account(ch, &p2.computed, &p2.specs).iter().any(|l| l.contains("nix-build --check")));
    }

    #[test]
    fn input_addressed_edit_cascades_and_undo_restores() {
        let p = Playground::default();
        let p2 = edit(&p, "build", SpecEdit::Builder("/bin/bash".into()));
        let moved: Vec<String> =
            p2.last_change.as_ref().unwrap().changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
        assert_eq!(moved, ["build .drv", "build doc", "build out", "app .drv", "app out"]);
        let p3 = p2.reduce(Action::Undo).unwrap();
        assert_eq!(p3.specs, p.specs);
        assert_eq!(p3.computed.paths(), p.computed.paths());
        let p4 = p3.reduce(Action::Redo).unwrap();
        assert_eq!(p4.specs, p2.specs);
    }

    #[test]
    fn typing_coalesces_into_one_undo_step_and_invalid_hash_keeps_last_good() {
        let p = Playground::default();
        let mut q = p.clone();
        for text in ["a", "ab", "abc"] {
            q = edit(&q, "fetch", SpecEdit::FixedHash(text.into()));
        }
        assert!(!q.computed.eval.errors.is_empty());
        assert_eq!(q.last_good.paths(), p.computed.paths());
        assert!(q.computed.errors_for("fetch")[0].message.contains("is 3 characters"));
        let back = q.reduce(Action::Undo).unwrap();
        assert_eq!(back.specs, p.specs);
    }

    #[test]
    fn sweep_agrees_with_single_edits() {
        let p = Playground::default();
        let sw = sweep(&p.specs, &p.options(), None);
        let row = sw.rows.iter().find(|r| r.key == "fetch" && r.field == "env.url").unwrap();
        let moved: Vec<String> =
            sw.columns.iter().zip(row.moved.as_ref().unwrap()).filter(|(_, m)| **m).map(|(c, _)| c.label()).collect();
        assert_eq!(moved, ["fetch .drv", "build .drv", "app .drv"]);
        let name = sw.rows.iter().find(|r| r.key == "fetch" && r.field == "name").unwrap();
        assert!(name.moved.as_ref().unwrap().iter().all(|m| *m), "a FOD's name moves everything downstream");
    }

    /// A directory source: its entries' contents and executable bits move the derivation that
    /// uses it (its path is in env and inputSrcs), a bad entry is named on its own field, and the
    /// export becomes a script that writes the directory.
    #[test]
    fn directory_sources_are_edited_swept_and_exported() {
        let p = Playground::default();
        let p2 = edit(&p, "build", SpecEdit::AddDirSource);
        let i = p2.specs["build"].sources.len() - 1;
        let attr = p2.specs["build"].sources[i].attr.clone();
        let path = p2.computed.eval.resolution.entries["build"].drv.env[&attr].clone();
        assert!(p2.computed.eval.resolution.entries["build"].drv.input_srcs.contains(&path));
        let sw = sweep(&p2.specs, &p2.options(), None);
        let row =
            sw.rows.iter().find(|r| r.key == "build" && r.field == format!("sources.{attr}/bin/run (kind)")).unwrap();
        let moved: Vec<String> =
            sw.columns.iter().zip(row.moved.as_ref().unwrap()).filter(|(_, m)| **m).map(|(c, _)| c.label()).collect();
        assert_eq!(moved, ["build .drv", "build doc", "build out", "app .drv", "app out"]);
        // The row's label is a field `drvlab moves --set` and the scenarios understand.
        let spec = &p2.specs["build"];
        assert_eq!(
            parse_edit(spec, &format!("sources.{attr}/bin/run (kind)"), "regular"),
            Ok(SpecEdit::TreeKind(i, 1, FileKind::Regular))
        );
        assert_eq!(
            parse_edit(spec, &format!("sources.{attr}/README"), "hi"),
            Ok(SpecEdit::TreeContents(i, 0, "hi".into()))
        );
        assert!(parse_edit(spec, &format!("sources.{attr}/nope"), "x").unwrap_err().contains("has no entry \"nope\""));
        assert!(parse_edit(spec, &format!("sources.{attr}"), "x").unwrap_err().contains("is a directory"));
        let bad = edit(&p2, "build", SpecEdit::TreePath(i, 1, "bin/../run".into()));
        let errs = bad.computed.errors_for("build");
        assert_eq!(errs[0].field, format!("sources.{i}.tree.1.path"));
        assert!(errs[0].message.contains("component \"..\""), "{}", errs[0].message);
        assert_eq!(bad.last_good.paths(), p2.computed.paths());
        // Its "how?": the NAR's tokens, then makeStorePath("source", …) ending in that path.
        let how = p2.computed.sources["build"][i].as_ref().unwrap();
        assert!(how
            .get("NAR of the directory (tokens)")
            .unwrap()
            .contains("name \"run\" node ( type regular executable"));
        assert!(how.get("fingerprint").unwrap().starts_with("source:sha256:"));
        assert_eq!(how.get("path"), Some(path.as_str()));
        let (_, _, script) = export(&p2.computed, &p2.specs, "build");
        assert!(script.starts_with("#!/bin/sh") && script.contains("chmod +x 'sources/d_build-"), "{script}");
    }

    /// The masked ATerm's parts, as the page describes them: the input's hash modulo named, own
    /// outputs blanked, each field's text attributed — from the spans the writer recorded.
    #[test]
    fn masked_aterm_parts_are_described() {
        let p = Playground::default();
        let r = &p.computed.eval.resolution.entries["build"];
        let step = r.traces.outputs["out"].steps.iter().find(|s| s.label.starts_with("masked ATerm")).unwrap();
        let said: Vec<(String, &str, String)> = step
            .spans
            .iter()
            .filter_map(|s| {
                describe_part(&s.part, &r.drv, &p.computed).map(|(c, t)| (step.value[s.start..s.end].to_string(), c, t))
            })
            .collect();
        let find = |text: &str| said.iter().find(|(v, _, _)| v == text).map(|(_, c, t)| (*c, t.as_str()));
        let fetch = &p.computed.eval.resolution.entries["fetch"];
        let hex = format!("\"{}\"", fetch.modulo.hex);
        assert_eq!(
            find(&hex),
            Some(("repl", format!("hash modulo of fetch, in place of {}", fetch.drv_path).as_str()))
        );
        assert_eq!(find("\"x86_64-linux\""), Some(("fld", "from system")));
        assert!(said.iter().any(|(v, c, t)| v == "\"\"" && *c == "blank" && t.contains("path of output out")));
        assert!(said.iter().any(|(_, c, t)| *c == "blank" && t.starts_with("blanked: env doc")));
        assert!(said.iter().any(|(_, c, t)| *c == "fld" && t == "from args 1"));
        assert!(said.iter().any(|(_, _, t)| t == "from the attribute src, holding the path of fetch's output out"));
        // Input-addressed outputs have no outputHashAlgo/outputHash: those empty strings stay unmarked.
        let marked = said.len();
        assert_eq!(marked, step.spans.len() - 2 * r.drv.outputs.len() - r.drv.env.len());
    }

    /// The matrix's sweep lives in the reducer: the selected derivation's fields by default,
    /// every derivation's on request, and it follows the selection.
    #[test]
    fn the_sweep_follows_selection_and_the_all_switch() {
        let p = Playground::default();
        let keys = |p: &Playground| drvlab_engine::collect::set(p.sweep.rows.iter().map(|r| r.key.clone()));
        assert_eq!(keys(&p), BTreeSet::from([p.selected.clone()]));
        let q = p.reduce(Action::Select("app".into())).unwrap();
        assert_eq!(keys(&q), BTreeSet::from(["app".to_string()]));
        let all = q.reduce(Action::SweepAll(true)).unwrap();
        assert_eq!(keys(&all), drvlab_engine::collect::set(p.specs.keys().cloned()));
        assert_eq!(*all.sweep, sweep(&all.specs, &all.options(), None));
        assert!(all.reduce(Action::SweepAll(true)).is_none());
    }

    /// The sweep's shortcut (re-evaluating only what uses the edited derivation) gives exactly
    /// what evaluating the whole perturbed graph gives, on every scenario and on imported
    /// closures of generated graphs (chains, diamonds, fixed and content-addressed inputs).
    #[test]
    fn the_sweep_shortcut_agrees_with_full_evaluation() {
        fn full(specs: &SpecGraph, opts: &Options) -> Vec<(String, String, Result<Vec<bool>, String>)> {
            let base = evaluate(specs, opts);
            let n = crate::lab::explain::all_paths(&base.resolution).len();
            let mut out = Vec::new();
            for key in &base.resolution.order {
                for (label, edit) in spec_fields(&specs[key]) {
                    let mut g = specs.clone();
                    edit.apply(g.get_mut(key).unwrap());
                    let after = evaluate(&g, opts);
                    let moved = match after.errors.first() {
                        Some(e) => Err(e.to_string()),
                        None => Ok(crate::lab::explain::compare(&base.resolution, &after.resolution)
                            .iter()
                            .take(n)
                            .map(PathChange::moved)
                            .collect()),
                    };
                    out.push((key.clone(), label, moved));
                }
            }
            out
        }
        let quiet = Options { trace: false, ..Options::default() };
        let mut graphs: Vec<SpecGraph> = crate::lab::scenarios::scenarios().into_iter().map(|s| s.specs).collect();
        for seed in 1..6 {
            let g = drvlab_engine::synth::graph(25, seed);
            graphs.push(crate::lab::lift::lift(&g, &drvlab_engine::graph::resolve(&g, &quiet).unwrap()).specs);
        }
        let mut rows = 0;
        for specs in &graphs {
            let fast: Vec<_> = sweep(specs, &quiet, None).rows.into_iter().map(|r| (r.key, r.field, r.moved)).collect();
            assert_eq!(fast, full(specs, &quiet));
            rows += fast.len();
        }
        assert!(rows > 500, "{rows} rows compared");
    }

    /// Adding or removing a derivation is said as such, not as paths that "moved".
    #[test]
    fn added_and_removed_derivations_are_not_moves() {
        let p = Playground::default();
        let added = p.reduce(Action::AddDerivation).unwrap();
        let ch = added.last_change.as_ref().unwrap();
        let lines = account(ch, &added.computed, &added.specs);
        assert_eq!(lines[0], "added drv1: no existing path moved.");
        assert!(lines[1].starts_with("New in the graph: drv1"), "{lines:?}");
        assert!(ch.changes.iter().filter(|c| c.id.key == "drv1").all(|c| ch.fate(c, &added.specs) == Fate::Added));
        let removed = added.reduce(Action::RemoveDerivation("drv1".into())).unwrap();
        let ch = removed.last_change.as_ref().unwrap();
        let lines = account(ch, &removed.computed, &removed.specs);
        assert!(lines.iter().any(|l| l.starts_with("Gone from the graph: drv1")), "{lines:?}");
        assert!(!lines[0].contains("moved ("), "{lines:?}");
    }

    #[test]
    fn export_then_import_round_trips() {
        let p = Playground::default();
        let (aterm, json, nix) = export(&p.computed, &p.specs, &p.selected);
        assert!(aterm.starts_with("Derive(["));
        assert!(nix.contains("derivation {"));
        let rep = import_text(&json, &p.options()).unwrap();
        assert!(rep.verified.iter().all(|v| v.mismatches.is_empty()), "{:?}", rep.verified);
        let (specs, _) = rep.specs.unwrap();
        let ev = evaluate(&specs, &p.options());
        let mut a: Vec<String> = ev.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
        let mut b: Vec<String> = p.computed.eval.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        let fetch = &p.computed.eval.resolution.entries["fetch"];
        let one = import_text(&String::from_utf8_lossy(&fetch.aterm), &p.options()).unwrap();
        assert_eq!(one.verified[0].drv_path, fetch.drv_path);
        assert!(import_text("Derive([(", &p.options()).unwrap_err().contains("line 1, column"));
    }

    #[test]
    fn rename_rewrites_references() {
        let p = Playground::default();
        let q = p.reduce(Action::RenameKey("fetch".into(), "tarball".into())).unwrap();
        assert!(q.specs["build"].env.iter().any(|(_, v)| v == "${tarball}"));
        assert_eq!(q.computed.paths().len(), p.computed.paths().len());
        assert!(q.computed.eval.errors.is_empty());
    }
}
