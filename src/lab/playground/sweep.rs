//! The "what moves" matrix: each field perturbed, the graph re-evaluated by the engine, every
//! path compared — never a table of which field "should" move what.
//!
//! A sweep is a [`SweepJob`]: a list of perturbations worked through a few derivation
//! evaluations at a time ([`SweepJob::step`]), so the page can sweep a big graph in slices
//! between keystrokes and show how far it got; the CLI and the tests run it to the end.

use super::computed::{downstream_of, Computed};
use crate::lab::edit::{spec_fields, SpecEdit};
use crate::lab::eval::{evaluate, evaluate_spec, references, DrvSpec, SpecGraph};
use crate::lab::explain::{PathChange, PathId, Sweep, SweepRow};
use crate::lab::rerun::NameFollows;
use drvlab_engine::graph::{Options, Resolved};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// On the page, at most this many entries of one list (args, env rows, …) of one derivation are
/// perturbed: a derivation with 10,000 args would otherwise cost 10,000 rows, each hashing all
/// 10,000 args again. The rest are counted in [`SweepJob::skipped`] and the matrix says so.
pub const LIST_ROWS: usize = 32;
/// On the page, at most this many rows in all ("all derivations" of a big graph).
pub const MAX_ROWS: usize = 2_000;

/// The sensitivity sweep over the spec graph: each field of each derivation (or of `only`)
/// perturbed in turn, the graph re-evaluated by the engine, every path compared with the
/// unperturbed one.
pub fn sweep(specs: &SpecGraph, opts: &Options, only: Option<&str>) -> Sweep {
    sweep_following(specs, opts, only, None)
}

/// The sweep, with a name that follows its recipe ([`NameFollows`]) re-applied after each
/// perturbation, as the reducer applies it after each edit.
pub fn sweep_following(specs: &SpecGraph, opts: &Options, only: Option<&str>, follows: Option<&NameFollows>) -> Sweep {
    sweep_reporting(specs, opts, only, follows, &mut |_, _| {})
}

/// [`sweep_following`], calling `progress(fields swept, fields to sweep)` between slices of
/// work and once at the end: the CLI's progress line.
pub fn sweep_reporting(
    specs: &SpecGraph,
    opts: &Options,
    only: Option<&str>,
    follows: Option<&NameFollows>,
    progress: &mut dyn FnMut(usize, usize),
) -> Sweep {
    let quiet = Options { trace: false, ..opts.clone() };
    let base = Rc::new(Computed::new(specs, &quiet));
    let mut job = SweepJob::new(specs, base, &quiet, only, follows.copied(), false);
    loop {
        let (done, total) = job.progress();
        progress(done, total);
        if job.step(specs, 256) {
            break;
        }
    }
    let (_, total) = job.progress();
    progress(total, total);
    job.sweep()
}

/// A perturbation under way, evaluated one derivation at a time.
#[derive(Debug)]
struct Row {
    key: String,
    label: String,
    value: String,
    perturbed: DrvSpec,
    /// The perturbed derivation and its users, in dependency order, and how many are done.
    down: Rc<Vec<String>>,
    at: usize,
    done: BTreeMap<String, Resolved>,
}

/// A sweep in progress (see the module's doc).
#[derive(Debug)]
pub struct SweepJob {
    base: Rc<Computed>,
    opts: Options,
    follows: Option<NameFollows>,
    tasks: Vec<(String, String, SpecEdit)>,
    next: usize,
    columns: Vec<PathId>,
    rows: Vec<SweepRow>,
    row: Option<Row>,
    /// The last key's users, reused by its next field.
    down: Option<(String, Rc<Vec<String>>)>,
    /// Fields left out by the page's caps ([`LIST_ROWS`], [`MAX_ROWS`]).
    pub skipped: usize,
    /// Calls of [`SweepJob::step`] so far.
    pub slices: usize,
}

/// The fields of one derivation the sweep perturbs, and how many it leaves out with `capped`.
fn fields(spec: &DrvSpec, capped: bool) -> (Vec<(String, SpecEdit)>, usize) {
    let all = spec_fields(spec);
    if !capped {
        return (all, 0);
    }
    // A list's entries are spelled `list.…`; keep the first LIST_ROWS of each list.
    let mut per_list: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    let mut skipped = 0;
    for (label, edit) in all {
        let list = std::mem::discriminant(&edit);
        let n = per_list.entry(format!("{list:?}")).or_default();
        *n += 1;
        if *n > LIST_ROWS {
            skipped += 1;
        } else {
            kept.push((label, edit));
        }
    }
    (kept, skipped)
}

impl SweepJob {
    /// A sweep of `specs` (whose computation is `base`) over every resolved derivation's fields,
    /// or `only`'s; `capped` applies the page's caps.
    pub fn new(
        specs: &SpecGraph,
        base: Rc<Computed>,
        opts: &Options,
        only: Option<&str>,
        follows: Option<NameFollows>,
        capped: bool,
    ) -> SweepJob {
        // On the page, a big graph's sweep of one derivation has columns for the paths it can
        // reach only (its users'); no row can move the others'.
        let reach = (capped && base.order.len() > super::computed::LIST_ALL)
            .then_some(only)
            .flatten()
            .map(|k| downstream_of(k, &base.refs, &base.order));
        let columns: Vec<PathId> = match &reach {
            Some(down) => base
                .eval
                .resolution
                .order
                .iter()
                .filter(|k| down.contains(k.as_str()))
                .flat_map(|k| {
                    let outputs = base.eval.resolution.entries[k].outputs.keys();
                    std::iter::once(PathId { key: k.clone(), output: None })
                        .chain(outputs.map(|o| PathId { key: k.clone(), output: Some(o.clone()) }))
                })
                .collect(),
            None => base.paths().into_iter().map(|(id, _)| id).collect(),
        };
        let mut tasks = Vec::new();
        let mut skipped = 0;
        for key in base.eval.resolution.order.iter().filter(|k| only.is_none_or(|o| o == k.as_str())) {
            let (f, s) = fields(&specs[key], capped);
            skipped += s;
            tasks.extend(f.into_iter().map(|(label, edit)| (key.clone(), label, edit)));
        }
        if capped && tasks.len() > MAX_ROWS {
            skipped += tasks.len() - MAX_ROWS;
            tasks.truncate(MAX_ROWS);
        }
        let opts = Options { trace: false, ..opts.clone() };
        SweepJob {
            base,
            opts,
            follows,
            tasks,
            next: 0,
            columns,
            rows: vec![],
            row: None,
            down: None,
            skipped,
            slices: 0,
        }
    }

    /// (fields swept, fields to sweep).
    pub fn progress(&self) -> (usize, usize) {
        (self.rows.len(), self.tasks.len())
    }

    /// About how many derivation evaluations the rest of the sweep costs.
    pub fn estimate(&self) -> usize {
        let each = match self.tasks.first() {
            Some((k, _, _)) => downstream_of(k, &self.base.refs, &self.base.order).len(),
            None => 0,
        };
        let keys: BTreeSet<&str> = self.tasks.iter().map(|t| t.0.as_str()).collect();
        if keys.len() > 1 {
            self.tasks.len() * self.base.order.len()
        } else {
            self.tasks.len() * each
        }
    }

    /// The rows so far (all of them once [`SweepJob::step`] returned `true`).
    pub fn sweep(&self) -> Sweep {
        Sweep { columns: self.columns.clone(), rows: self.rows.clone() }
    }

    /// Works through about `budget` derivation evaluations; `true` when the sweep is complete.
    pub fn step(&mut self, specs: &SpecGraph, budget: usize) -> bool {
        self.slices += 1;
        let mut left = budget.max(1);
        while left > 0 {
            if self.row.is_none() {
                let Some((key, label, edit)) = self.tasks.get(self.next).cloned() else { return true };
                self.next += 1;
                if let Some(row) = self.start(specs, key, label, edit, &mut left) {
                    self.row = Some(row);
                }
                continue;
            }
            let Some(row) = self.row.as_mut() else { continue };
            let Some(k) = row.down.get(row.at).cloned() else {
                let row = self.row.take().expect("a row under way");
                let moved = self.moved(&row);
                self.rows.push(SweepRow { key: row.key, field: row.label, value: row.value, moved: Ok(moved) });
                continue;
            };
            let spec = if k == row.key { &row.perturbed } else { &specs[&k] };
            left -= 1;
            match evaluate_spec(&k, spec, specs, &row.done, &self.opts) {
                Ok((_, r)) => {
                    row.done.insert(k, r);
                    row.at += 1;
                }
                Err(e) => {
                    let row = self.row.take().expect("a row under way");
                    self.rows.push(SweepRow {
                        key: row.key,
                        field: row.label,
                        value: row.value,
                        moved: Err(e.to_string()),
                    });
                }
            }
        }
        self.row.is_none() && self.next >= self.tasks.len()
    }

    /// Starts one perturbation: re-evaluating only the edited derivation's users when nothing
    /// but its own attributes changed, or else (a new input, an output renamed, a name that
    /// follows its recipe, a graph with errors) the whole perturbed graph at once.
    fn start(
        &mut self,
        specs: &SpecGraph,
        key: String,
        label: String,
        edit: SpecEdit,
        left: &mut usize,
    ) -> Option<Row> {
        let value = format!("{edit:?}");
        let spec = &specs[&key];
        let mut perturbed = DrvSpec::clone(spec);
        edit.apply(&mut perturbed);
        let shortcut = self.base.eval.errors.is_empty()
            && self.follows.is_none()
            && perturbed.outputs == spec.outputs
            && self.base.refs.get(&key) == Some(&references(&perturbed, specs));
        if !shortcut {
            let mut g = specs.clone();
            g.insert(key.clone(), perturbed.into());
            if let Some(f) = &self.follows {
                f.apply(&mut g, &self.opts);
            }
            *left = left.saturating_sub(g.len());
            let after = evaluate(&g, &self.opts);
            let moved = match after.errors.first() {
                Some(e) => Err(e.to_string()),
                None => {
                    let ch =
                        crate::lab::explain::compare(&self.base.eval.resolution.to_resolution(), &after.resolution);
                    // (`compare` lists the paths before first, in the columns' order.)
                    if ch.len() >= self.columns.len() && ch.iter().zip(&self.columns).all(|(c, id)| c.id == *id) {
                        Ok(ch.iter().take(self.columns.len()).map(PathChange::moved).collect())
                    } else {
                        let moved: BTreeMap<&PathId, bool> = ch.iter().map(|c| (&c.id, c.moved())).collect();
                        Ok(self.columns.iter().map(|id| moved.get(id).copied().unwrap_or(false)).collect())
                    }
                }
            };
            self.rows.push(SweepRow { key, field: label, value, moved });
            return None;
        }
        let down = match &self.down {
            Some((k, d)) if *k == key => d.clone(),
            _ => {
                let d: Rc<Vec<String>> = Rc::new({
                    let set = downstream_of(&key, &self.base.refs, &self.base.order);
                    self.base.order.iter().filter(|k| set.contains(k.as_str())).cloned().collect()
                });
                self.down = Some((key.clone(), d.clone()));
                d
            }
        };
        let set: BTreeSet<&str> = down.iter().map(String::as_str).collect();
        let done = self.base.inputs_outside(&set);
        Some(Row { key, label, value, perturbed, down, at: 0, done })
    }

    /// Which columns moved in a finished row: only its derivation and their users can.
    fn moved(&self, row: &Row) -> Vec<bool> {
        let entries = &self.base.eval.resolution.entries;
        self.columns
            .iter()
            .map(|c| {
                // Inputs from outside the row's derivations are in `done` as they were.
                let Some(after) = row.done.get(&c.key) else { return false };
                let before = &entries[&c.key];
                match &c.output {
                    None => before.drv_path != after.drv_path,
                    Some(o) => before.outputs.get(o) != after.outputs.get(o),
                }
            })
            .collect()
    }
}

/// A sweep the page works through between keystrokes: shared by the states that show it (the
/// same job, advanced in place by [`SweepJob::step`]), compared by identity.
#[derive(Debug, Clone)]
pub struct Sweeping(pub Rc<RefCell<SweepJob>>);

impl PartialEq for Sweeping {
    fn eq(&self, other: &Sweeping) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The same graph with `key` switched between input-addressed and fixed-output (keeping the
/// last declared hash, or the sha256 of nothing), so the page can show both pipelines.
pub fn flipped(specs: &SpecGraph, key: &str, opts: &Options) -> Option<(SpecGraph, Computed)> {
    let mut g = specs.clone();
    let s = std::rc::Rc::make_mut(g.get_mut(key)?);
    if s.content_addressed {
        return None;
    }
    SpecEdit::Fixed(s.fixed.is_none()).apply(s);
    let c = Computed::new(&g, opts);
    Some((g, c))
}
