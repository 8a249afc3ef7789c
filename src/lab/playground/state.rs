//! What the page holds: the graph being edited, the selection, the last computation and the
//! last good one, the last change, undo history, the simulator's world and the matrix's sweep.

use super::computed::Computed;
use super::sweep::sweep_following;
use crate::lab::eval::SpecGraph;
use crate::lab::explain::PathChange;
use crate::lab::nix_choice::NixChoice;
use crate::lab::scenarios::{default_scenario, Scenario};
use drvlab_engine::graph::{InputMerge, Options};
use std::collections::BTreeSet;
use std::rc::Rc;

/// What the last edit did: the edit's label and every path before/after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub label: String,
    pub edited_key: String,
    pub changes: Vec<PathChange>,
    /// The derivations that are new in this change (their `.drv` has no "before"), found once so
    /// that [`Change::fate`] costs a lookup, not a scan: an edit at the root of a 5,000-derivation
    /// closure changes 10,000 paths.
    added: BTreeSet<String>,
    /// Paths not in `changes`, all of which stayed: in a big graph, those of the derivations
    /// the edit does not reach ([`Computed::changes_to`]).
    pub unlisted: usize,
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
    pub fn new(label: String, edited_key: String, changes: Vec<PathChange>) -> Change {
        let added =
            changes.iter().filter(|x| x.id.output.is_none() && x.before.is_none()).map(|x| x.id.key.clone()).collect();
        Change { label, edited_key, changes, added, unlisted: 0 }
    }

    /// [`Change::new`] with `unlisted` paths that stayed, not listed.
    pub fn with_unlisted(label: String, edited_key: String, changes: Vec<PathChange>, unlisted: usize) -> Change {
        Change { unlisted, ..Change::new(label, edited_key, changes) }
    }

    pub fn fate(&self, c: &PathChange, specs: &SpecGraph) -> Fate {
        let new_key = self.added.contains(&c.id.key);
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

/// What the scenario's suggested edit does, computed by performing it: the sentences the story
/// shows beside its own words.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggested {
    /// "nix-build would rebuild: …" / "nothing rebuilds: …".
    pub verdict: String,
    /// "moves: …; stays: …".
    pub moves: String,
    /// The labels of the paths that moved, as [`PathId::label`](crate::lab::explain::PathId::label) spells them.
    pub moved: Vec<String>,
    /// What the edited derivation's fate means for a Nix user (who is wrong, what Nix will do),
    /// from the account's rule for it.
    pub meaning: Option<String>,
    /// The story's follow-ups, each performed after the steps before it. A build's or a
    /// selection's outcome is its computed sentence in `verdict` (the build log's verdict, the
    /// lints), with no moves.
    pub then: Vec<Suggested>,
}

/// A state that undo can return to.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Snapshot {
    /// Shared, so that copying the state (every action does) does not copy every snapshot.
    pub(super) specs: Rc<SpecGraph>,
    pub(super) selected: String,
    pub(super) field: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Playground {
    pub scenario: Option<Scenario>,
    /// What "compare with the original" compares against: the scenario or import as loaded.
    pub base: Rc<SpecGraph>,
    pub specs: SpecGraph,
    pub selected: String,
    pub merge: InputMerge,
    /// Which Nix releases' rules the engine follows where they differ (`merge` follows it).
    pub nix: NixChoice,
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
    /// A sweep too big to do at once, under way: [`Action::SweepStep`](super::Action::SweepStep)
    /// advances it; `sweep` shows the last complete one meanwhile.
    pub sweeping: Option<super::sweep::Sweeping>,
    /// How many fields the page's sweep leaves out (see [`super::sweep::LIST_ROWS`]).
    pub sweep_skipped: usize,
    /// Slices of sweeping done: the job advances in place, so this is what tells the state
    /// after a slice from the state before it (and makes the page render the progress).
    pub sweep_slices: usize,
    /// The scenario's suggested edit, performed on the scenario as loaded.
    pub suggested: Option<Rc<Suggested>>,
    /// The code view: the graph as Nix code, evaluated in the page's Nix worker.
    pub code: crate::lab::code::CodeView,
    pub(super) undo: Vec<Snapshot>,
    pub(super) redo: Vec<Snapshot>,
}

impl Default for Playground {
    fn default() -> Self {
        Playground::from_scenario(default_scenario())
    }
}

pub(super) fn options(merge: InputMerge, nix: NixChoice) -> Options {
    Options { merge, nix: nix.version(), ..Options::default() }
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
            nix: self.nix,
            code: self.code.open.then(|| self.code.text.clone()),
        }
    }

    pub fn from_scenario(s: Scenario) -> Playground {
        let mut p = Playground::bare(s);
        let follows = p.scenario.as_ref().and_then(|s| s.follows);
        p.sweep = Rc::new(sweep_following(&p.specs, &p.options(), Some(&p.selected), follows.as_ref()));
        // The suggested edit, performed once: the toy store is seeded from it and its outcome
        // told from it (the edit leaves the toy store alone, so it is given the seeded one).
        let after = p.try_suggested();
        p.seed_store(after.as_ref());
        p.suggested = after
            .and_then(|mut a| {
                a.sim = p.sim.clone();
                p.perform_suggested_on(a)
            })
            .map(Rc::new);
        p
    }

    /// A scenario's state without the matrix's sweep and the toy store's built outputs: all an
    /// embed shows. [`Playground::reduce_embed`] keeps it so, and the embed's bundle links neither.
    pub fn lean_from_scenario(s: Scenario) -> Playground {
        let mut p = Playground::bare(s);
        p.suggested = p.perform_suggested_edit().map(Rc::new);
        p
    }

    /// A scenario's derivations computed, nothing else yet.
    fn bare(s: Scenario) -> Playground {
        let computed = Rc::new(Computed::new(&s.specs, &options(InputMerge::Merge, NixChoice::Strictest)));
        Playground {
            specs: s.specs.clone(),
            base: Rc::new(s.specs.clone()),
            selected: s.selected.to_string(),
            scenario: Some(s),
            merge: InputMerge::Merge,
            nix: NixChoice::Strictest,
            last_good: computed.clone(),
            computed,
            last_change: None,
            notice: None,
            sim: crate::lab::simulator::Simulator::default(),
            sim_log: vec![],
            sweep_all: false,
            sweep: Rc::new(crate::lab::explain::Sweep { columns: vec![], rows: vec![] }),
            sweeping: None,
            sweep_skipped: 0,
            sweep_slices: 0,
            suggested: None,
            code: Default::default(),
            undo: vec![],
            redo: vec![],
        }
    }

    /// Puts the scenario's already-built outputs into the toy store, each recorded as made by
    /// the suggested edit's recipe (the `.drv` the engine computes for it).
    fn seed_store(&mut self, after: Option<&Playground>) {
        let Some(s) = self.scenario.clone() else { return };
        for (url, bytes) in s.serves {
            self.sim.network.insert(url.to_string(), bytes.to_string());
        }
        let Some(after) = after else { return };
        for key in s.already_built {
            let (Some(now), Some(then)) =
                (self.computed.eval.resolution.entries.get(key), after.computed.eval.resolution.entries.get(key))
            else {
                continue;
            };
            for (o, path) in &now.outputs {
                if let Some(path) = path {
                    let contents = format!("{o} of {} as a working recipe built it", now.drv.name);
                    let obj = crate::lab::simulator::StoreObject { contents, recipe: then.drv_path.clone() };
                    self.sim.store.insert(path.clone(), obj);
                }
            }
        }
    }

    /// Performs the scenario's suggested edit and then each follow-up on a copy, and says what
    /// each did.
    pub fn perform_suggested(&self) -> Option<Suggested> {
        self.perform_suggested_on(self.try_suggested()?)
    }

    /// [`Playground::perform_suggested`] from the suggested edit already performed (`after`).
    fn perform_suggested_on(&self, mut after: Playground) -> Option<Suggested> {
        let s = self.scenario.as_ref()?;
        let mut first = super::account::outcome(&after, s.step(0)?)?;
        for i in 1..=s.then.len() {
            after = after.reduce_graph(super::actions::Action::TryStep(i))?;
            first.then.push(super::account::outcome(&after, s.step(i)?)?);
        }
        Some(first)
    }

    /// Performs only the suggested edit (what an embed shows: it offers no follow-ups and links
    /// no toy store).
    pub fn perform_suggested_edit(&self) -> Option<Suggested> {
        let s = self.scenario.as_ref()?;
        super::account::outcome(&self.try_suggested_in::<false>()?, s.step(0)?)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn options(&self) -> Options {
        options(self.merge, self.nix)
    }

    /// (fields swept, fields to sweep) while a sweep is under way.
    pub fn sweep_progress(&self) -> Option<(usize, usize)> {
        self.sweeping.as_ref().map(|s| s.0.borrow().progress())
    }
}
