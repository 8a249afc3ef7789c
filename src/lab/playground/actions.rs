//! The reducer: every action a person can take, and the new state it makes.

use super::computed::Computed;
use super::state::{Change, Playground, Snapshot};
use super::sweep::{SweepJob, Sweeping};
use crate::lab::edit::{parse_edit, rename_problem, SpecEdit};
use crate::lab::eval::{DrvSpec, SpecGraph};
use crate::lab::nix_choice::NixChoice;
use crate::lab::scenarios::{default_scenario, scenarios, Scenario, Step};
use drvlab_engine::graph::InputMerge;
use std::rc::Rc;

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
    /// Follow another range of Nix releases where they differ.
    SetNix(NixChoice),
    /// Replace the whole graph (import, shared link).
    Load {
        specs: SpecGraph,
        selected: String,
        label: String,
    },
    /// Replace the whole graph with one already evaluated as the page shows it (a big import,
    /// evaluated in slices by [`super::io::Importing`]).
    LoadReady(Rc<super::io::Ready>),
    /// Restore a shared link's state.
    Restore(crate::lab::share::Shared),
    /// Perform the scenario's suggested edit (its step 0).
    TrySuggested,
    /// Perform step `i` of the scenario's story (0: the suggested edit; then its follow-ups),
    /// starting from the state the steps before it leave, so the change shown is the step's own.
    TryStep(usize),
    /// Show (or clear) a message above the page, e.g. why a link could not be opened.
    Notice(Option<String>),
    /// Act in the toy store / cache / network.
    Sim(SimAction),
    /// Sweep every derivation's fields in the "what moves" matrix, or only the selected one's.
    SweepAll(bool),
    /// The code view (`lab::code`): its text, the worker's answers.
    Code(crate::lab::code::CodeAction),
    /// Advance a sweep under way by about this many derivation evaluations (the page sends it
    /// from a timer, in slices short enough never to hold up a keystroke).
    SweepStep(usize),
}

/// A sweep costing at most this many derivation evaluations is done within the action that
/// needs it; a bigger one is left to [`Action::SweepStep`].
const SWEEP_AT_ONCE: usize = 400;

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

impl Playground {
    /// The page's computation of the current graph ([`Computed::for_page`]).
    fn compute(&self) -> Computed {
        Computed::for_page(&self.specs, &self.options(), &self.selected)
    }

    fn recompute(&mut self, label: String, edited_key: String) {
        self.recompute_from(label, edited_key, false)
    }

    /// Recomputes after a change; with `only_edited`, only the edited derivation changed, so
    /// only it and its users are evaluated again ([`Computed::after_edit`]).
    fn recompute_from(&mut self, label: String, edited_key: String, only_edited: bool) {
        let follows = self.scenario.as_ref().and_then(|s| s.follows);
        if let Some(f) = follows {
            let opts = self.options();
            f.apply(&mut self.specs, &opts);
        }
        let before = self.computed.clone();
        let quick = only_edited && follows.is_none();
        let after = Rc::new(if quick {
            Computed::after_edit(&before, &self.specs, &edited_key, &self.options())
        } else {
            self.compute()
        });
        if after.eval.errors.is_empty() {
            self.last_good = after.clone();
        }
        // Only report a change when both sides resolved; otherwise the errors speak.
        let both = before.eval.errors.is_empty() && after.eval.errors.is_empty();
        self.last_change = both.then(|| {
            let (changes, unlisted) = if quick {
                before.changes_to(&after, &edited_key)
            } else {
                let (b, a) = (before.eval.resolution.to_resolution(), after.eval.resolution.to_resolution());
                (crate::lab::explain::compare(&b, &a), 0)
            };
            Change::with_unlisted(label, edited_key, changes, unlisted)
        });
        self.computed = after;
    }

    fn push_undo(&mut self, field: String) {
        let coalesce = self.undo.last().is_some_and(|s| !field.is_empty() && s.field == field);
        if !coalesce {
            self.undo.push(Snapshot { specs: Rc::new(self.specs.clone()), selected: self.selected.clone(), field });
            if self.undo.len() > 500 {
                self.undo.remove(0);
            }
        }
        self.redo.clear();
    }

    /// The reducer: a new state for an action. Returns `None` for a no-op so the UI can skip
    /// re-rendering. The matrix's sweep follows the graph, the selection and the Nix version.
    pub fn reduce(&self, action: Action) -> Option<Playground> {
        // An edit that made a new state changed the graph: no need to compare 5,000 specs.
        let edit = matches!(action, Action::Edit(..)) && !self.code.open;
        let mut p = self.reduce_graph(action)?;
        if edit
            || p.specs != self.specs
            || p.selected != self.selected
            || p.sweep_all != self.sweep_all
            || p.merge != self.merge
            || p.nix != self.nix
        {
            let only = (!p.sweep_all).then_some(p.selected.as_str());
            let follows = p.scenario.as_ref().and_then(|s| s.follows);
            let mut job = SweepJob::new(&p.specs, p.computed.clone(), &p.options(), only, follows, true);
            p.sweep_skipped = job.skipped;
            if job.estimate() <= SWEEP_AT_ONCE {
                while !job.step(&p.specs, usize::MAX) {}
                p.sweep = Rc::new(job.sweep());
                p.sweeping = None;
            } else {
                p.sweeping = Some(Sweeping(Rc::new(std::cell::RefCell::new(job))));
            }
        }
        Some(p)
    }

    pub(super) fn reduce_graph(&self, action: Action) -> Option<Playground> {
        let action = match action {
            // (`edit` makes its own copy of the state, once it knows the edit changes something.)
            Action::Edit(key, edit) => return self.edit(key, edit),
            a => a,
        };
        let mut p = self.clone();
        if p.code.open && matches!(action, Action::Undo | Action::Redo) {
            // The code is the source while its view is open: undo the code (the form follows).
            let a = if action == Action::Undo {
                crate::lab::code::CodeAction::Undo
            } else {
                crate::lab::code::CodeAction::Redo
            };
            p.code = p.code.reduce(a, &p.options())?.0;
            return Some(p);
        }
        match action {
            Action::Select(k) => {
                if k == p.selected || !p.specs.contains_key(&k) {
                    return None;
                }
                p.selected = k;
                // A big graph keeps the selected derivation's traces only.
                if let Some(c) = p.computed.retraced(&p.specs, &p.selected, &p.options()) {
                    p.computed = Rc::new(c);
                }
                // A new selection starts a new undo group.
                if let Some(s) = p.undo.last_mut() {
                    s.field.clear();
                }
            }
            Action::Edit(key, edit) => return self.edit(key, edit),
            Action::Undo => return p.undo(),
            Action::Redo => {
                let s = p.redo.pop()?;
                p.undo.push(Snapshot {
                    specs: Rc::new(p.specs.clone()),
                    selected: p.selected.clone(),
                    field: String::new(),
                });
                p.specs = Rc::unwrap_or_clone(s.specs);
                p.selected = s.selected;
                let sel = p.selected.clone();
                p.recompute("redo".into(), sel);
            }
            Action::LoadScenario(id) => return p.load_scenario(&id, Playground::from_scenario),
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
                p.specs.insert(key.clone(), spec.into());
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
                let taken = |k: &str| p.specs.contains_key(k);
                if old == new || !p.specs.contains_key(&old) || rename_problem(&taken, &old, &new).is_some() {
                    return None;
                }
                p.push_undo(String::new());
                let spec = p.specs.remove(&old)?;
                p.specs.insert(new.clone(), spec);
                let (from_a, from_b) = (format!("${{{old}}}"), format!("${{{old}."));
                let (to_a, to_b) = (format!("${{{new}}}"), format!("${{{new}."));
                for s in p.specs.values_mut() {
                    let mentions = |v: &String| v.contains(&from_a) || v.contains(&from_b);
                    if !s.args.iter().chain(s.env.iter().map(|(_, v)| v)).any(mentions) {
                        // Shared with the state before, as is: nothing to rename in it.
                        continue;
                    }
                    let s = Rc::make_mut(s);
                    for v in s.args.iter_mut().chain(s.env.iter_mut().map(|(_, v)| v)) {
                        *v = v.replace(&from_a, &to_a).replace(&from_b, &to_b);
                    }
                }
                if p.selected == old {
                    p.selected = new.clone();
                }
                p.computed = Rc::new(p.compute());
                p.last_good = p.computed.clone();
                p.last_change = None;
            }
            Action::SetMerge(m) => {
                if m == p.merge {
                    return None;
                }
                p.merge = m;
                p.nix = match (m, p.nix) {
                    (InputMerge::Overwrite, _) => NixChoice::Nix2_35_0,
                    (InputMerge::Merge, NixChoice::Nix2_35_0) => NixChoice::Strictest,
                    (InputMerge::Merge, other) => other,
                };
                let sel = p.selected.clone();
                p.recompute(format!("Nix version: {}", m.describe()), sel);
            }
            Action::SetNix(nix) => {
                if nix == p.nix {
                    return None;
                }
                p.nix = nix;
                p.merge = nix.merge();
                let sel = p.selected.clone();
                p.recompute(format!("Nix version: {}", nix.describe()), sel);
            }
            Action::Restore(shared) => return restore::<true>(shared, Playground::from_scenario),
            Action::TrySuggested => return p.try_suggested(),
            Action::TryStep(i) => {
                let (p, step) = p.before_step(i)?;
                return match step {
                    Step::Edit(key, field, value) => {
                        let edit = parse_edit(p.specs.get(key)?, field, value).ok()?;
                        p.edit(key.to_string(), edit)
                    }
                    Step::Build(key) => {
                        let mut p = p;
                        p.selected = key.to_string();
                        p.reduce_graph(Action::Sim(SimAction::Build(false)))
                    }
                    Step::Select(_) => Some(p),
                };
            }
            Action::Code(a) => {
                let (view, loaded) = p.code.reduce(a, &p.options())?;
                p.code = view;
                if let Some(l) = loaded {
                    if l.specs != p.specs {
                        let selected = if l.specs.contains_key(&p.selected) { p.selected.clone() } else { l.first };
                        let first_load = p.scenario.is_some();
                        // The code is the story now (a form scenario's rules would fight it).
                        p.scenario = None;
                        p.specs = l.specs;
                        p.selected = selected.clone();
                        if first_load {
                            // The code's own graph replaces the scenario's (an example is written
                            // as its seed wrote it, not as the form's graph): a load, as an
                            // import is, not an edit — nothing "moved" or "rebuilds" because of it.
                            p.base = Rc::new(p.specs.clone());
                            p.computed = Rc::new(p.compute());
                            p.last_good = p.computed.clone();
                            p.last_change = Some(Change::new("loaded from the code".into(), selected, vec![]));
                        } else {
                            p.recompute("code edited".into(), selected);
                        }
                    }
                }
            }
            Action::SweepStep(budget) => {
                let job = p.sweeping.clone()?;
                let finished = job.0.borrow_mut().step(&p.specs, budget);
                p.sweep_slices += 1;
                if finished {
                    p.sweep = Rc::new(job.0.borrow().sweep());
                    p.sweeping = None;
                }
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
                    let res = p.computed.eval.resolution.to_resolution();
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
            Action::Notice(n) => return p.notice(n),
            Action::LoadReady(ready) => {
                let super::io::Ready { specs, selected, label, opts, computed } = Rc::unwrap_or_clone(ready);
                // Evaluated under other options (the Nix version changed meanwhile): again.
                let computed = (opts == p.options() && specs.contains_key(&selected)).then_some(computed);
                p.load(specs, selected, label, computed);
            }
            Action::Load { specs, selected, label } => p.load(specs, selected, label, None),
        }
        Some(p)
    }

    /// Replaces the whole graph; `computed` is its evaluation for the page when it is already
    /// made ([`Computed::for_page`] of `specs` with this state's options and `selected`).
    fn load(&mut self, specs: SpecGraph, selected: String, label: String, computed: Option<Computed>) {
        self.push_undo(String::new());
        self.selected =
            if specs.contains_key(&selected) { selected } else { specs.keys().next().cloned().unwrap_or_default() };
        self.specs = specs;
        self.base = Rc::new(self.specs.clone());
        self.scenario = None;
        self.computed = Rc::new(computed.unwrap_or_else(|| self.compute()));
        self.last_good = self.computed.clone();
        self.last_change = Some(Change::new(label, self.selected.clone(), vec![]));
    }

    /// The reducer of an embed (`ui::embed`): only the actions it offers, and no matrix sweep or
    /// toy store ([`Playground::lean_from_scenario`]), so the embed's bundle links neither.
    /// It never opens the code view (`CODE = false` below), so its bundle links no code model.
    pub fn reduce_embed(&self, action: Action) -> Option<Playground> {
        match action {
            Action::TrySuggested => self.try_suggested_in::<false>(),
            Action::Undo => self.undo(),
            Action::Notice(n) => self.notice(n),
            Action::Restore(shared) => restore::<false>(shared, Playground::lean_from_scenario),
            Action::LoadScenario(id) => self.load_scenario(&id, Playground::lean_from_scenario),
            _ => None,
        }
    }

    fn edit(&self, key: String, edit: SpecEdit) -> Option<Playground> {
        self.edit_in::<true>(key, edit)
    }

    /// An edit; with `CODE`, one that also rewrites the code while the code view is open.
    fn edit_in<const CODE: bool>(&self, key: String, edit: SpecEdit) -> Option<Playground> {
        let mut spec = DrvSpec::clone(self.specs.get(&key)?);
        edit.apply(&mut spec);
        if *self.specs[&key] == spec {
            return None;
        }
        let mut p = self.clone();
        if CODE && p.code.open {
            // Code and form in step: the edit rewrites its literal in the code.
            match p.code.rewrite_for_edit(&key, &p.specs[&key], &spec) {
                Ok(text) => p.code = p.code.reduce(crate::lab::code::CodeAction::FormEdit(text), &p.options())?.0,
                Err(note) => {
                    p.code.note = Some(note);
                    return Some(p);
                }
            }
        }
        p.push_undo(format!("{key}:{}", edit.field_id()));
        p.specs.insert(key.clone(), spec.into());
        let label = edit.label(&p.specs[&key]);
        p.recompute_from(format!("{key}: {label}"), key, true);
        Some(p)
    }

    fn undo(&self) -> Option<Playground> {
        let mut p = self.clone();
        let s = p.undo.pop()?;
        p.redo.push(Snapshot { specs: Rc::new(p.specs.clone()), selected: p.selected.clone(), field: String::new() });
        p.specs = Rc::unwrap_or_clone(s.specs);
        p.selected = s.selected;
        let sel = p.selected.clone();
        p.recompute("undo".into(), sel);
        Some(p)
    }

    /// Performs the scenario's suggested edit (its step 0) from the story as loaded.
    pub(super) fn try_suggested(&self) -> Option<Playground> {
        self.try_suggested_in::<true>()
    }

    /// [`Self::try_suggested`]; without `CODE`, as an embed does it (no code view).
    pub(super) fn try_suggested_in<const CODE: bool>(&self) -> Option<Playground> {
        let (p, step) = self.before_step(0)?;
        let Step::Edit(key, field, value) = step else { return None };
        let edit = parse_edit(p.specs.get(key)?, field, value).ok()?;
        p.edit_in::<CODE>(key.to_string(), edit)
    }

    /// The story as its step `i` starts: the scenario's state after the steps before it (an
    /// undoable reset when the person's own edits differ), with the derivation the previous
    /// follow-up points at selected.
    fn before_step(&self, i: usize) -> Option<(Playground, Step)> {
        let s = self.scenario.clone()?;
        let step = s.step(i)?;
        let pre = s.specs_after(i, &self.options()).ok()?;
        let mut p = self.clone();
        if pre != p.specs {
            p.push_undo(String::new());
            p.specs = pre;
            p.computed = Rc::new(Computed::new(&p.specs, &p.options()));
            p.last_good = p.computed.clone();
        }
        let show = s.then.get(i.wrapping_sub(1)).map(|f| f.show);
        if let Some(k) = show.filter(|k| p.specs.contains_key(*k)) {
            p.selected = k.to_string();
        }
        Some((p, step))
    }

    fn notice(&self, n: Option<String>) -> Option<Playground> {
        if n == self.notice {
            return None;
        }
        Some(Playground { notice: n, ..self.clone() })
    }

    fn load_scenario(&self, id: &str, new: fn(Scenario) -> Playground) -> Option<Playground> {
        let s = scenarios().into_iter().find(|s| s.id == id)?;
        let mut n = new(s);
        n.merge = self.merge;
        n.nix = self.nix;
        n.undo = self.undo.clone();
        // Code the person typed is not dropped by the switch: the view offers it back.
        n.code = self.code.after_switch();
        n.undo.push(Snapshot {
            specs: Rc::new(self.specs.clone()),
            selected: self.selected.clone(),
            field: String::new(),
        });
        Some(n)
    }
}

/// A shared link's state, on its scenario as `new` makes it (the page's or the embed's).
/// With `CODE`, a link's code opens the code view (an embed shows no code: it shows the graph the
/// link holds).
fn restore<const CODE: bool>(shared: crate::lab::share::Shared, new: fn(Scenario) -> Playground) -> Option<Playground> {
    let scenario = shared.scenario.as_deref().and_then(|id| scenarios().into_iter().find(|s| s.id == id));
    let mut n = match scenario {
        Some(s) => new(s),
        None => Playground { scenario: None, ..new(default_scenario()) },
    };
    n.nix = match (shared.nix, shared.merge) {
        (NixChoice::Strictest, InputMerge::Overwrite) => NixChoice::Nix2_35_0,
        (nix, _) => nix,
    };
    n.merge = n.nix.merge();
    n.selected = if shared.specs.contains_key(&shared.selected) {
        shared.selected
    } else {
        shared.specs.keys().next().cloned()?
    };
    n.specs = shared.specs;
    if n.scenario.is_none() {
        n.base = Rc::new(n.specs.clone());
    }
    n.computed = Rc::new(n.compute());
    n.last_good = n.computed.clone();
    if let Some(code) = shared.code.filter(|_| CODE) {
        // The code view opens on the person's own code; the worker's answer then loads what it
        // evaluates to, as an edit of the code would.
        n.code = n.code.reduce(crate::lab::code::CodeAction::Open(code), &n.options())?.0;
    }
    Some(n)
}
