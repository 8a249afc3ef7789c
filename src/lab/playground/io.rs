//! A paste or a dropped file in (verified, lifted to editable attributes) and the graph out
//! (`.drv`, JSON, `.nix`).

use super::account::thousands;
use super::computed::{Computed, Computing};
use crate::lab::eval::SpecGraph;
use crate::lab::lift::Lifting;
use drvlab_engine::graph::{Graph, Options, Resolution, Resolved};
use drvlab_engine::import::JsonEntries;
use std::collections::BTreeMap;
use std::rc::Rc;

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
/// [`Importing`], run to the end.
pub fn import_text(text: &str, opts: &Options) -> Result<ImportReport, String> {
    // The report only: the page's evaluation of the graph is not made.
    let mut job = Importing { for_page: false, ..Importing::new(text.into(), opts) };
    while !job.step(&mut || true) {}
    job.finish().map(|(report, _)| report)
}

/// An imported graph evaluated as the page shows it ([`Computed::for_page`]), ready to load
/// ([`crate::lab::playground::Action::LoadReady`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Ready {
    pub specs: SpecGraph,
    pub selected: String,
    pub label: String,
    /// The options it was evaluated with: if they have changed since, the reducer evaluates
    /// it again.
    pub opts: Options,
    pub computed: Computed,
}

/// An import as a job, worked through in slices so the page never stops for long: the entries
/// read one at a time, each derivation verified (resolved by the engine), lifted to
/// attributes, then the lifted graph evaluated as the page shows it. The page runs a slice
/// between frames and shows how far it got ([`Importing::progress`]); [`import_text`] runs it
/// all at once.
#[derive(Debug)]
pub struct Importing {
    text: Rc<str>,
    opts: Options,
    /// The engine verifies without traces (the page computes those afterwards, for the
    /// derivation it shows): on a 5,000-derivation import the traces were half the work.
    quiet: Options,
    /// Whether the job ends by evaluating the lifted graph as the page shows it ([`Ready`]).
    for_page: bool,
    stage: Stage,
    /// What an earlier stage let go of, dropped a piece at a time between the stages' work:
    /// the verified graph of a 5,000-derivation import took ~40 ms to drop at once.
    litter: Litter,
}

/// Maps being dropped an entry at a time.
#[derive(Default)]
struct Litter(Vec<Box<dyn Iterator<Item = ()>>>);

impl Litter {
    fn add<T: 'static>(&mut self, items: impl IntoIterator<Item = T, IntoIter: 'static>) {
        self.0.push(Box::new(items.into_iter().map(drop)));
    }

    /// Drops entries while `more()` allows; true when nothing is left.
    fn drop_some(&mut self, more: &mut dyn FnMut() -> bool) -> bool {
        while let Some(items) = self.0.last_mut() {
            if items.next().is_none() {
                self.0.pop();
            } else if !more() {
                return false;
            }
        }
        true
    }
}

impl std::fmt::Debug for Litter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Litter({} maps)", self.0.len())
    }
}

#[derive(Debug)]
enum Stage {
    Start,
    Reading(JsonEntries),
    Verifying(Verifying),
    Lifting(Box<Verifying>, Resolution, Lifting),
    /// Lifted; the verified graph dropped.
    Lifted(ImportReport),
    Loading(ImportReport, Box<Computing>),
    /// Evaluated; the lints and the resolution's sharing still to make.
    Evaluated(ImportReport, Box<Computing>),
    Done(Result<ImportReport, String>, Option<Computed>),
    Taken,
}

/// The graph read, its derivations resolved one by one in dependency order.
#[derive(Debug)]
struct Verifying {
    graph: Graph,
    format: String,
    order: Vec<String>,
    done: BTreeMap<String, Resolved>,
    verified: Vec<Verified>,
}

impl Importing {
    pub fn new(text: Rc<str>, opts: &Options) -> Importing {
        let quiet = Options { trace: false, ..opts.clone() };
        Importing { text, opts: opts.clone(), quiet, for_page: true, stage: Stage::Start, litter: Litter::default() }
    }

    /// Works until `more()` says to stop (it is asked after each derivation read, verified,
    /// lifted or evaluated, and after each step that is done at once); true when the job is
    /// done. A step that cannot be split (the keys of the lift, the order of the evaluation,
    /// the lints) begins a call of its own, so one call lasts at most about the longer of
    /// `more`'s budget and that step.
    pub fn step(&mut self, more: &mut dyn FnMut() -> bool) -> bool {
        let mut fresh = true;
        loop {
            if !self.litter.drop_some(more) {
                return false;
            }
            if matches!(self.stage, Stage::Done(..)) {
                return true;
            }
            if !fresh && self.next_is_fixed() {
                return false;
            }
            let stage = std::mem::replace(&mut self.stage, Stage::Taken);
            self.stage = match self.advance(stage, more) {
                Ok(next) => next,
                Err(e) => Stage::Done(Err(e), None),
            };
            fresh = false;
            if !more() {
                return matches!(self.stage, Stage::Done(..)) && self.litter.0.is_empty();
            }
        }
    }

    /// Whether the next piece of work is a step that cannot be split.
    fn next_is_fixed(&self) -> bool {
        match &self.stage {
            Stage::Lifting(_, res, lifting) => lifting.next_is_fixed(res),
            Stage::Loading(_, computing) => computing.next_is_fixed(),
            Stage::Evaluated(..) => true,
            _ => false,
        }
    }

    /// One step of work, or as many units of the stage as `more` allows.
    fn advance(&mut self, stage: Stage, more: &mut dyn FnMut() -> bool) -> Result<Stage, String> {
        let text = &*self.text;
        Ok(match stage {
            Stage::Start => self.start()?,
            Stage::Reading(mut entries) => {
                if !entries.read(text, &self.opts.store_dir, more).map_err(|e| e.to_string())? {
                    return Ok(Stage::Reading(entries));
                }
                let imp = entries.finish();
                self.verifying(imp.graph, format!("nix derivation show JSON, {}", imp.shape.describe()))?
            }
            Stage::Verifying(mut v) => {
                while v.verified.len() < v.order.len() {
                    let key = &v.order[v.verified.len()];
                    let r = drvlab_engine::graph::resolve_one(key, &v.graph[key], &v.done, &self.quiet)
                        .map_err(|e| e.to_string())?;
                    let verified = self.verify(&v.graph, &v.format, key, &r);
                    v.verified.push(verified);
                    v.done.insert(key.clone(), r);
                    if !more() {
                        return Ok(Stage::Verifying(v));
                    }
                }
                let res = Resolution { order: std::mem::take(&mut v.order), entries: std::mem::take(&mut v.done) };
                let lifting = Lifting::default();
                Stage::Lifting(Box::new(v), res, lifting)
            }
            Stage::Lifting(v, res, mut lifting) => {
                while !lifting.step(&v.graph, &res, 1) {
                    if !more() || lifting.next_is_fixed(&res) {
                        return Ok(Stage::Lifting(v, res, lifting));
                    }
                }
                let lifted = lifting.finish();
                let selected = res.order.last().and_then(|k| lifted.keys.get(k)).cloned().unwrap_or_default();
                let Verifying { format, verified, graph, .. } = *v;
                self.litter.add(graph);
                self.litter.add(res.entries);
                Stage::Lifted(ImportReport { format, verified, specs: Some((lifted.specs, selected)), note: None })
            }
            Stage::Lifted(report) => self.loading(report),
            Stage::Loading(report, mut computing) => {
                let (specs, _) = report.specs.as_ref().expect("a report that loads has specs");
                while !computing.step(specs, 1) {
                    if !more() || computing.next_is_fixed() {
                        return Ok(Stage::Loading(report, computing));
                    }
                }
                Stage::Evaluated(report, computing)
            }
            Stage::Evaluated(report, computing) => {
                let (specs, _) = report.specs.as_ref().expect("a report that loads has specs");
                let computed = computing.finish(specs);
                Stage::Done(Ok(report), Some(computed))
            }
            done @ (Stage::Done(..) | Stage::Taken) => done,
        })
    }

    /// The first step: a state file or a `.drv` is read at once; JSON's entries are found.
    fn start(&self) -> Result<Stage, String> {
        let (text, opts) = (&*self.text, &self.opts);
        let trimmed = text.trim_start();
        if crate::lab::share::looks_like_file(text) {
            // A state saved by "Save the state as a file" (for a state too large for a link).
            let s = crate::lab::share::from_file(text).map_err(|e| format!("drvlab state file: {e}"))?;
            return Ok(self.loading(ImportReport {
                format: "a drvlab state file".into(),
                verified: vec![],
                specs: Some((s.specs, s.selected)),
                note: None,
            }));
        }
        if !(trimmed.starts_with("Derive(") || trimmed.starts_with("DrvWithVersion(")) {
            return match JsonEntries::find(text).map_err(|e| e.to_string())? {
                Some(entries) => Ok(Stage::Reading(entries)),
                None => {
                    // Not an object keyed by derivation: read whole (small, or an error).
                    let imp = drvlab_engine::import::import_json(text, &opts.store_dir).map_err(|e| e.to_string())?;
                    self.verifying(imp.graph, format!("nix derivation show JSON, {}", imp.shape.describe()))
                }
            };
        }
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
            let report = ImportReport {
                format: "a .drv file (ATerm)".into(),
                verified: vec![Verified { key: drv.name.clone(), drv_path: path, mismatches: vec![] }],
                specs: None,
                note: Some(format!(
                    "Its .drv path is computed above. It has {} input derivation(s) that were not pasted, so its output paths cannot be verified or edited: paste `nix derivation show -r` JSON of it instead.",
                    drv.input_drvs.len()
                )),
            };
            return Ok(Stage::Done(Ok(report), None));
        }
        self.verifying(drvlab_engine::graph::Graph::from([(drv.name.clone(), drv)]), "a .drv file (ATerm)".into())
    }

    fn verifying(&self, graph: Graph, format: String) -> Result<Stage, String> {
        let order = drvlab_engine::graph::dependency_order(&graph).map_err(|e| e.to_string())?;
        let verified = Vec::with_capacity(order.len());
        Ok(Stage::Verifying(Verifying { graph, format, order, done: BTreeMap::new(), verified }))
    }

    /// What the engine computed for `key`, with every difference from what was given.
    fn verify(&self, graph: &Graph, format: &str, key: &str, r: &Resolved) -> Verified {
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
        Verified { key: key.to_string(), drv_path: r.drv_path.clone(), mismatches }
    }

    /// The report made, with the selection the page will give its graph; for the page, that
    /// graph is then evaluated as the page shows it.
    fn loading(&self, mut report: ImportReport) -> Stage {
        let Some((specs, selected)) = &mut report.specs else { return Stage::Done(Ok(report), None) };
        if !specs.contains_key(selected.as_str()) {
            *selected = specs.keys().next().cloned().unwrap_or_default();
        }
        if !self.for_page {
            return Stage::Done(Ok(report), None);
        }
        let computing = Computing::for_page(specs, &self.opts, selected);
        Stage::Loading(report, Box::new(computing))
    }

    /// What the job is doing, for the page to show: "Verifying 1,200 of 5,000 derivations…".
    pub fn progress(&self) -> String {
        let kb = self.text.len() / 1024;
        let (what, (done, total)) = match &self.stage {
            Stage::Start => return format!("Reading {kb} KB…"),
            Stage::Reading(e) => ("Reading", e.progress()),
            Stage::Verifying(v) => ("Verifying", (v.verified.len(), v.order.len())),
            Stage::Lifting(_, res, l) => ("Lifting to attributes", l.progress(res)),
            Stage::Lifted(r) => ("Evaluating for the page", (0, r.specs.as_ref().map_or(0, |(s, _)| s.len()))),
            Stage::Loading(_, c) | Stage::Evaluated(_, c) => ("Evaluating for the page", c.progress()),
            Stage::Done(..) | Stage::Taken => return "Done.".into(),
        };
        format!("{what}: {} of {} derivations…", thousands(done), thousands(total))
    }

    /// The report, and the graph evaluated as the page shows it (when there is one to load),
    /// once [`Importing::step`] has said the job is done.
    pub fn finish(self) -> Result<(ImportReport, Option<Ready>), String> {
        let Stage::Done(report, computed) = self.stage else { return Err("the import was not finished".into()) };
        let report = report?;
        let ready = match (&report.specs, computed) {
            (Some((specs, selected)), Some(computed)) => Some(Ready {
                specs: specs.clone(),
                selected: selected.clone(),
                label: format!("imported {}", report.format),
                opts: self.opts,
                computed,
            }),
            _ => None,
        };
        Ok((report, ready))
    }
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
