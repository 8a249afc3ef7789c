//! The code view: the graph as Nix code, evaluated by the page's Nix worker (a separate wasm
//! module, `src/bin/drvlab-nix-worker.rs` over `drvlab_nixlang::page`), never on the main
//! thread and never linked into the main bundle.
//!
//! This module holds what the code view knows: the text, the worker's last answers (the
//! derivations as `nix derivation show` JSON, which are imported and lifted into the editable
//! model exactly as a paste is; the literals and which derivation attribute each produced;
//! highlighting tokens; errors at line and column; the per-literal sweep), and the rewrite of a
//! literal when the form edits a field. Messages are JSON strings both ways.

pub mod examples;
pub mod rewrite;

use crate::lab::eval::{DrvSpec, SpecGraph};
use drvlab_engine::graph::Options;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One literal of the program, as the worker found it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiteralInfo {
    pub start: usize,
    pub end: usize,
    pub kind: String,
    pub value: Option<String>,
}

/// An evaluation error, where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeError {
    pub message: String,
    pub line: usize,
    pub col: usize,
    pub start: usize,
    pub end: usize,
    /// Set when the error is in another file (`prelude.nix`, a corepkg).
    pub file: Option<String>,
}

impl CodeError {
    /// "line 3, column 7: undefined variable 'x'" (or "in prelude.nix, line …").
    pub fn describe(&self) -> String {
        let at = match (&self.file, self.line) {
            (_, 0) => String::new(),
            (Some(f), l) => format!("in {f}, line {l}, column {}: ", self.col),
            (None, l) => format!("line {l}, column {}: ", self.col),
        };
        format!("{at}{}", self.message)
    }
}

/// What perturbing one literal moved.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub start: usize,
    pub end: usize,
    pub kind: String,
    pub moved: Vec<String>,
    pub stayed: Vec<String>,
    pub error: Option<String>,
}

impl SweepRow {
    /// "moves src .drv, src out; stays pkg .drv" — from the computed rows only.
    pub fn sentence(&self) -> String {
        if let Some(e) = &self.error {
            return format!("changing it breaks the evaluation: {e}");
        }
        let mut s = if self.moved.is_empty() {
            "moves nothing".to_string()
        } else {
            format!("moves {}", self.moved.join(", "))
        };
        if !self.stayed.is_empty() {
            s.push_str(&format!("; stays {}", self.stayed.join(", ")));
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepAnswer {
    pub error: Option<String>,
    pub rows: Vec<SweepRow>,
    /// How many literals the program has: more than `rows` when the worker's time ran out
    /// (`sweep::PAGE_SWEEP_MS`) and only the first were perturbed.
    pub total: usize,
    /// The worker's time limit for one sweep, in milliseconds.
    pub limit_ms: f64,
}

/// One answer of the worker (to `eval` or to `sweep`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    pub id: u64,
    pub op: String,
    pub derivations: serde_json::Value,
    pub names: BTreeMap<String, String>,
    /// The prelude's attributes a pasted package function was called with (`callPackage`).
    pub called_with: Vec<String>,
    pub tokens: Vec<(usize, usize, String)>,
    pub literals: Vec<LiteralInfo>,
    /// `(drv path, field, literal index)`: the literal that wrote that field.
    pub fields: Vec<(String, String, usize)>,
    pub error: Option<CodeError>,
    pub sweep: Option<SweepAnswer>,
    /// Milliseconds the worker took (measured there).
    pub ms: f64,
}

// The worker's JSON, read with `serde_json::Value` (already in the page for imports), not a
// derived deserializer per type: the page's main bundle stays smaller.
fn num(v: &Json, k: &str) -> usize {
    v.get(k).and_then(Json::as_u64).unwrap_or(0) as usize
}
fn text(v: &Json, k: &str) -> Option<String> {
    v.get(k).and_then(Json::as_str).map(str::to_string)
}
fn texts(v: &Json, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
fn items<'a>(v: &'a Json, k: &str) -> &'a [Json] {
    v.get(k).and_then(Json::as_array).map_or(&[], Vec::as_slice)
}

impl Answer {
    /// Reads an answer as the worker sent it; `None` when it is not one.
    pub fn parse(json: &str) -> Option<Answer> {
        let v: Json = serde_json::from_str(json).ok()?;
        let error = v.get("error").filter(|e| e.is_object()).map(|e| CodeError {
            message: text(e, "message").unwrap_or_default(),
            line: num(e, "line"),
            col: num(e, "col"),
            start: num(e, "start"),
            end: num(e, "end"),
            file: text(e, "file"),
        });
        let sweep = v.get("sweep").filter(|s| s.is_object()).map(|s| SweepAnswer {
            error: text(s, "error"),
            total: num(s, "total"),
            limit_ms: s.get("limit_ms").and_then(Json::as_f64).unwrap_or(0.0),
            rows: items(s, "rows")
                .iter()
                .map(|r| SweepRow {
                    start: num(r, "start"),
                    end: num(r, "end"),
                    kind: text(r, "kind").unwrap_or_default(),
                    moved: texts(r, "moved"),
                    stayed: texts(r, "stayed"),
                    error: text(r, "error"),
                })
                .collect(),
        });
        let triple = |x: &Json| -> Option<(Json, Json, Json)> {
            Some((x.get(0)?.clone(), x.get(1)?.clone(), x.get(2)?.clone()))
        };
        Some(Answer {
            id: v.get("id").and_then(Json::as_u64).unwrap_or(0),
            op: text(&v, "op").unwrap_or_default(),
            derivations: v.get("derivations").cloned().unwrap_or(Json::Null),
            names: v
                .get("names")
                .and_then(Json::as_object)
                .map(|m| m.iter().filter_map(|(k, x)| Some((k.clone(), x.as_str()?.to_string()))).collect())
                .unwrap_or_default(),
            called_with: texts(&v, "called_with"),
            tokens: items(&v, "tokens")
                .iter()
                .filter_map(triple)
                .filter_map(|(a, b, c)| Some((a.as_u64()? as usize, b.as_u64()? as usize, c.as_str()?.to_string())))
                .collect(),
            literals: items(&v, "literals")
                .iter()
                .map(|l| LiteralInfo {
                    start: num(l, "start"),
                    end: num(l, "end"),
                    kind: text(l, "kind").unwrap_or_default(),
                    value: text(l, "value"),
                })
                .collect(),
            fields: items(&v, "fields")
                .iter()
                .filter_map(triple)
                .filter_map(|(a, b, c)| Some((a.as_str()?.to_string(), b.as_str()?.to_string(), c.as_u64()? as usize)))
                .collect(),
            error,
            sweep,
            ms: v.get("ms").and_then(Json::as_f64).unwrap_or(0.0),
        })
    }
}

/// The worker's life.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WorkerState {
    #[default]
    NotStarted,
    /// "loading the Nix evaluator…"
    Loading,
    Ready,
    /// It crashed or was stopped; the message says why. It is restarted on the next edit.
    Failed(String),
}

/// What the code view holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CodeView {
    pub open: bool,
    pub worker: WorkerState,
    pub text: String,
    /// Which example the text started from.
    pub example: Option<String>,
    /// Bumped on every change of the text; requests and answers carry it.
    pub generation: u64,
    /// The last `eval` answer (for `generation` or an older text).
    pub answer: Option<Rc<Answer>>,
    /// The last answer without an error: its tokens and literals are what form edits rewrite.
    pub good: Option<Rc<Answer>>,
    pub sweep: Option<Rc<Answer>>,
    /// Spec key → `.drv` path, from the last load.
    pub keys: BTreeMap<String, String>,
    /// A message from the last form edit that could not be written into the code.
    pub note: Option<String>,
    /// The selected literal (its index in `good.literals`), for "moves …; stays …".
    pub selected_literal: Option<usize>,
    /// The texts before each form edit rewrote the code (the textarea's own undo does not see
    /// a rewrite made from outside), and those undone: Undo and Redo with the view open.
    pub undo_texts: Vec<String>,
    pub redo_texts: Vec<String>,
    /// The text as last loaded (opened on, or an example): the text differs from it once the
    /// person has typed, and then a switch must not drop it.
    pub loaded: String,
    /// Code the person typed that a switch (another example, another scenario) replaced:
    /// [`CodeAction::Restore`] brings it back.
    pub kept: Option<String>,
}

impl CodeView {
    /// Whether the text holds work of the person's (edited since it was last loaded).
    pub fn edited(&self) -> bool {
        !self.text.is_empty() && self.text != self.loaded
    }

    /// The view a scenario switch leaves: the code typed here kept to be brought back.
    pub fn after_switch(&self) -> CodeView {
        let kept = if self.edited() { Some(self.text.clone()) } else { self.kept.clone() };
        CodeView { kept, ..CodeView::default() }
    }
}

/// What the page does in the code view.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeAction {
    /// Open with the current graph's code (its example, or the graph exported as Nix).
    Open(String),
    /// Open on an example (the scenario's seed), the selector naming it: one action.
    OpenExample(String),
    /// Bring back the code a switch replaced ([`CodeView::kept`]).
    Restore,
    Close,
    Edit(String),
    Example(String),
    WorkerLoading,
    WorkerReady,
    /// An answer, as the worker sent it (JSON).
    Answer(String),
    WorkerFailed(String),
    /// The per-literal sweep ran too long and the worker was stopped: the code still evaluated
    /// (its paths stay, not greyed); only the marks are missing, and the message says why.
    SweepStopped(String),
    SelectLiteral(Option<usize>),
    /// A form edit rewrote a literal: the new text (undoable with Undo).
    FormEdit(String),
    /// Undo / Redo with the view open: the text before (after) the last form edit.
    Undo,
    Redo,
}

/// The graph the code made, lifted into the editable model, keyed by the program's own
/// top-level names where it has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub specs: SpecGraph,
    pub keys: BTreeMap<String, String>,
    pub first: String,
}

/// The highlighted overlay's pieces: `(start, end, classes)` covering `text`, cut at token
/// boundaries (a token's class is `t-KIND`) and at the error's and the selection's edges
/// (`code-err`, `lit-sel`). One pass over the sorted cuts and tokens: a 5,000-line program
/// has tens of thousands of tokens, and a search per piece froze the tab for seconds.
pub fn highlight_spans(
    text: &str,
    tokens: &[(usize, usize, String)],
    err: Option<(usize, usize)>,
    selected: Option<(usize, usize)>,
) -> Vec<(usize, usize, String)> {
    let mut cuts: Vec<usize> = Vec::with_capacity(tokens.len() * 2 + 5);
    for (a, b, _) in tokens {
        cuts.push(*a);
        cuts.push(*b);
    }
    for (a, b) in err.into_iter().chain(selected) {
        cuts.push(a);
        cuts.push(b);
    }
    cuts.push(text.len());
    cuts.sort_unstable();
    cuts.dedup();
    let mut by_start: Vec<&(usize, usize, String)> = tokens.iter().collect();
    by_start.sort_by_key(|t| (t.0, t.1));
    let (mut out, mut at, mut j) = (Vec::new(), 0usize, 0usize);
    for cut in cuts {
        if cut <= at || cut > text.len() || !text.is_char_boundary(cut) {
            continue;
        }
        // Tokens do not overlap: the one holding `at..cut`, if any, is the first not ended by `at`.
        while j < by_start.len() && by_start[j].1 <= at {
            j += 1;
        }
        let mut c = match by_start.get(j) {
            Some((a, b, k)) if *a <= at && cut <= *b => format!("t-{k}"),
            _ => String::new(),
        };
        if err.is_some_and(|(s0, e0)| at < e0 && cut > s0) {
            c.push_str(" code-err");
        }
        if selected.is_some_and(|(s0, e0)| at >= s0 && cut <= e0) {
            c.push_str(" lit-sel");
        }
        out.push((at, cut, c));
        at = cut;
    }
    out
}

/// The request the worker is sent for the current text.
pub fn request(op: &str, id: u64, code: &str) -> String {
    serde_json::json!({ "op": op, "id": id, "code": code, "files": { "prelude.nix": examples::PRELUDE } }).to_string()
}

/// `to_nix_expression` ends with a list of the derivations; a set names them, so the page keeps
/// its keys when the code is evaluated.
pub fn code_for_graph(specs: &SpecGraph) -> String {
    let nix = crate::lab::eval::to_nix_expression(specs);
    let Some(i) = nix.rfind("\nin [ ") else { return nix };
    let list = nix[i + 6..].trim_end().trim_end_matches(']');
    let bindings: Vec<&str> = list.split_whitespace().collect();
    if bindings.len() != specs.len() {
        return nix;
    }
    let mut s = format!("{}\nin {{\n", &nix[..i]);
    for (key, b) in specs.keys().zip(bindings) {
        let name = if crate::lab::edit::valid_key(key) { key.clone() } else { rewrite::quote(key) };
        s.push_str(&format!("  {name} = {b};\n"));
    }
    s.push_str("}\n");
    s
}

/// Imports the worker's derivations and lifts them into the editable model (as a paste is),
/// naming each derivation by the top-level attribute that holds it.
pub fn load(answer: &Answer, opts: &Options) -> Result<Loaded, String> {
    let text = answer.derivations.to_string();
    let imp = drvlab_engine::import::import_json(&text, &opts.store_dir).map_err(|e| e.to_string())?;
    let res = drvlab_engine::graph::resolve(&imp.graph, opts).map_err(|e| e.to_string())?;
    let lifted = crate::lab::lift::lift(&imp.graph, &res);
    let mut specs = lifted.specs;
    // Import keys are `.drv` paths here (the JSON is keyed by them).
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for (drv, key) in &lifted.keys {
        keys.insert(key.clone(), drv.clone());
    }
    let mut wanted: BTreeMap<String, String> = BTreeMap::new();
    for (name, drv) in &answer.names {
        if crate::lab::edit::valid_key(name) && !wanted.values().any(|d| d == drv) {
            wanted.insert(drv.clone(), name.clone());
        }
    }
    let renames: Vec<(String, String)> = keys
        .iter()
        .filter_map(|(k, drv)| wanted.get(drv).filter(|n| *n != k).map(|n| (k.clone(), n.clone())))
        .collect();
    rename_keys(&mut specs, &mut keys, &renames);
    // The form's model must give back every path the code made, or the page would show others.
    let ev = crate::lab::eval::evaluate(&specs, &Options { trace: false, ..opts.clone() });
    for (key, drv) in &keys {
        let got = ev.resolution.entries.get(key).map(|r| r.drv_path.as_str());
        if got != Some(drv.as_str()) {
            return Err(format!(
                "{key} ({drv}) cannot be shown exactly as editable attributes (the form would compute {}); its paths are not shown rather than shown wrong",
                got.unwrap_or("nothing")
            ));
        }
    }
    let first = res.order.last().and_then(|d| lifted.keys.get(d)).cloned().unwrap_or_default();
    let first = renames.iter().find(|(o, _)| *o == first).map_or(first, |(_, n)| n.clone());
    Ok(Loaded { specs, keys, first })
}

/// Renames keys (and every `${key}` / `${key.out}` reference), through temporary names so
/// swaps and chains are safe.
fn rename_keys(specs: &mut SpecGraph, keys: &mut BTreeMap<String, String>, renames: &[(String, String)]) {
    let tmp = |i: usize| format!("__drvlab_rename_{i}");
    let mut steps: Vec<(String, String)> = renames.iter().enumerate().map(|(i, (o, _))| (o.clone(), tmp(i))).collect();
    steps.extend(renames.iter().enumerate().map(|(i, (_, n))| (tmp(i), n.clone())));
    for (old, new) in steps {
        // A name taken by a derivation that is not renamed stays with it.
        if specs.contains_key(&new) {
            continue;
        }
        let Some(spec) = specs.remove(&old) else { continue };
        specs.insert(new.clone(), spec);
        if let Some(d) = keys.remove(&old) {
            keys.insert(new.clone(), d);
        }
        let (from_a, from_b) = (format!("${{{old}}}"), format!("${{{old}."));
        let (to_a, to_b) = (format!("${{{new}}}"), format!("${{{new}."));
        let re = |v: &mut String| *v = v.replace(&from_a, &to_a).replace(&from_b, &to_b);
        for s in specs.values_mut() {
            let s = std::rc::Rc::make_mut(s);
            re(&mut s.builder);
            s.args.iter_mut().for_each(re);
            for (k, v) in s.env.iter_mut() {
                re(k);
                re(v);
            }
            // Structured attributes' typed values hold references too (`s = { x = "${dep}"; }`).
            for (k, v) in s.typed_env.iter_mut() {
                re(k);
                rename_in_json(v, &re);
            }
        }
    }
}

/// Applies `re` to every string (and key) inside a JSON value.
fn rename_in_json(v: &mut Json, re: &dyn Fn(&mut String)) {
    match v {
        Json::String(s) => re(s),
        Json::Array(items) => items.iter_mut().for_each(|x| rename_in_json(x, re)),
        Json::Object(m) => {
            let old = std::mem::take(m);
            for (mut k, mut x) in old {
                re(&mut k);
                rename_in_json(&mut x, re);
                m.insert(k, x);
            }
        }
        _ => {}
    }
}

/// The one field an edit changed, spelled as the worker's field map spells it, and its new
/// value; `None` when the edit is not a change of one string field.
fn changed_field(old: &DrvSpec, new: &DrvSpec) -> Option<(String, String, String)> {
    let mut changes = Vec::new();
    if old.name != new.name {
        changes.push(("name".to_string(), old.name.clone(), new.name.clone()));
    }
    if old.system != new.system {
        changes.push(("system".into(), old.system.clone(), new.system.clone()));
    }
    if old.builder != new.builder {
        changes.push(("builder".into(), old.builder.clone(), new.builder.clone()));
    }
    if old.args.len() != new.args.len() || old.env.len() != new.env.len() {
        return None;
    }
    for (i, (a, b)) in old.args.iter().zip(&new.args).enumerate() {
        if a != b {
            changes.push((format!("args.{i}"), a.clone(), b.clone()));
        }
    }
    for ((ka, va), (kb, vb)) in old.env.iter().zip(&new.env) {
        if ka != kb {
            return None;
        }
        if va != vb {
            changes.push((format!("env.{ka}"), va.clone(), vb.clone()));
        }
    }
    let same_rest = DrvSpec {
        name: new.name.clone(),
        system: new.system.clone(),
        builder: new.builder.clone(),
        args: new.args.clone(),
        env: new.env.clone(),
        ..old.clone()
    } == *new;
    match (changes.len(), same_rest) {
        (1, true) => changes.pop(),
        _ => None,
    }
}

impl CodeView {
    /// The program with the literal behind a form edit rewritten (every other byte kept), or
    /// why it cannot be.
    pub fn rewrite_for_edit(&self, key: &str, old: &DrvSpec, new: &DrvSpec) -> Result<String, String> {
        let good = self.good.as_ref().ok_or("the code has not been evaluated yet")?;
        if self.answer.as_ref().is_some_and(|a| a.error.is_some()) {
            return Err("the code has an error: fix it in the code first".into());
        }
        let (field, before, after) = changed_field(old, new)
            .ok_or("this edit is not a change of one text field; make it in the code".to_string())?;
        let drv = self.keys.get(key).ok_or(format!("{key} is not a derivation the code names"))?;
        let lit = good
            .fields
            .iter()
            .find(|(d, f, _)| d == drv && *f == field)
            .and_then(|(_, _, i)| good.literals.get(*i))
            .filter(|l| l.value.as_deref() == Some(before.as_str()))
            .ok_or(format!(
                "{key}'s {field} is computed by the code, not written as one literal; edit it in the code"
            ))?;
        let old_text = self.text.get(lit.start..lit.end).ok_or("the code changed; edit it in the code")?;
        let q = rewrite::quote_like(old_text, &after);
        rewrite::replace_range(&self.text, lit.start, lit.end, &q).ok_or("the code changed; edit it in the code".into())
    }

    /// The last good answer's sweep rows by line (1-based), for the marks beside each line.
    pub fn marks(&self) -> BTreeMap<usize, Vec<&SweepRow>> {
        let mut out: BTreeMap<usize, Vec<&SweepRow>> = BTreeMap::new();
        let Some(rows) = self.sweep.as_ref().and_then(|s| s.sweep.as_ref()) else { return out };
        // Where each line starts, once (not a count of newlines per literal).
        let starts: Vec<usize> = std::iter::once(0).chain(self.text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        for r in &rows.rows {
            if r.start > self.text.len() {
                continue;
            }
            let line = starts.partition_point(|s| *s <= r.start);
            out.entry(line).or_default().push(r);
        }
        out
    }

    pub fn error(&self) -> Option<&CodeError> {
        self.answer.as_ref().filter(|a| a.id == self.generation).and_then(|a| a.error.as_ref())
    }

    /// Whether the current text has not been answered yet.
    pub fn pending(&self) -> bool {
        self.answer.as_ref().is_none_or(|a| a.id != self.generation)
    }

    fn set_text(&mut self, text: String) {
        if text != self.text {
            self.text = text;
            self.generation += 1;
            self.note = None;
            self.selected_literal = None;
        }
    }

    /// The new code view for an action, and the graph to load when an answer brought one.
    pub fn reduce(&self, a: CodeAction, opts: &Options) -> Option<(CodeView, Option<Loaded>)> {
        let mut v = self.clone();
        match a {
            CodeAction::Open(graph_code) => {
                if v.open {
                    return None;
                }
                v.open = true;
                if v.text.is_empty() {
                    v.loaded = graph_code.clone();
                    v.set_text(graph_code);
                }
            }
            CodeAction::OpenExample(id) => {
                let e = examples::example(&id)?;
                if v.open {
                    return None;
                }
                v.open = true;
                if v.text.is_empty() {
                    v.example = Some(id);
                    v.loaded = e.code.to_string();
                    v.set_text(e.code.to_string());
                }
            }
            CodeAction::Restore => {
                let t = v.kept.take()?;
                v.open = true;
                if v.edited() && v.text != t {
                    // What is there now is kept in turn: nothing is dropped.
                    v.kept = Some(v.text.clone());
                }
                v.undo_texts.push(v.text.clone());
                v.redo_texts.clear();
                v.example = None;
                v.set_text(t);
            }
            CodeAction::Close => {
                if !v.open {
                    return None;
                }
                v.open = false;
            }
            CodeAction::Edit(t) => {
                if t == v.text {
                    return None;
                }
                v.set_text(t);
            }
            CodeAction::Example(id) => {
                let e = examples::example(&id)?;
                let note = if v.edited() && v.text != e.code {
                    // The person's code is not dropped: Undo, or "Bring back", restores it.
                    v.kept = Some(v.text.clone());
                    v.undo_texts.push(v.text.clone());
                    v.redo_texts.clear();
                    Some(
                        "the code you typed was replaced by the example; Undo or \"Bring back my code\" restores it"
                            .to_string(),
                    )
                } else {
                    None
                };
                v.example = Some(id);
                v.loaded = e.code.to_string();
                v.set_text(e.code.to_string());
                v.note = note;
            }
            CodeAction::WorkerLoading => v.worker = WorkerState::Loading,
            CodeAction::WorkerReady => v.worker = WorkerState::Ready,
            CodeAction::WorkerFailed(msg) => {
                v.worker = WorkerState::Failed(msg.clone());
                let err = CodeError { message: msg, line: 0, col: 0, start: 0, end: 0, file: None };
                v.answer = Some(Rc::new(Answer {
                    id: v.generation,
                    op: "eval".into(),
                    error: Some(err),
                    ..Answer::default()
                }));
            }
            CodeAction::FormEdit(t) => {
                if t == v.text {
                    return None;
                }
                v.undo_texts.push(v.text.clone());
                v.redo_texts.clear();
                v.set_text(t);
            }
            u @ (CodeAction::Undo | CodeAction::Redo) => {
                let undo = u == CodeAction::Undo;
                let popped = if undo { v.undo_texts.pop() } else { v.redo_texts.pop() };
                match popped {
                    Some(t) => {
                        let now = v.text.clone();
                        if undo {
                            v.redo_texts.push(now);
                        } else {
                            v.undo_texts.push(now);
                        }
                        v.set_text(t);
                    }
                    None => {
                        let (w, k) = if undo { ("undo", "Z") } else { ("redo", "Shift+Z") };
                        v.note = Some(format!(
                            "no form edit to {w} in the code; to {w} an edit you typed, use Ctrl+{k} in the code editor"
                        ));
                    }
                }
            }
            CodeAction::SweepStopped(msg) => {
                // The worker was terminated: started again when the view next needs it.
                v.worker = WorkerState::NotStarted;
                v.sweep = Some(Rc::new(Answer {
                    id: v.generation,
                    op: "sweep".into(),
                    sweep: Some(SweepAnswer { error: Some(msg), ..SweepAnswer::default() }),
                    ..Answer::default()
                }));
            }
            CodeAction::SelectLiteral(i) => {
                if v.selected_literal == i {
                    return None;
                }
                v.selected_literal = i;
            }
            CodeAction::Answer(json) => {
                let a = Answer::parse(&json)?;
                if a.id != v.generation {
                    return None; // an answer to older text
                }
                if a.op == "sweep" {
                    v.sweep = Some(Rc::new(a));
                    return Some((v, None));
                }
                let a = Rc::new(a);
                v.answer = Some(a.clone());
                if a.error.is_some() {
                    return Some((v, None));
                }
                if a.derivations.as_object().is_some_and(|m| m.is_empty()) {
                    let message = "the code evaluates, but its value holds no derivation: nothing to compute paths of (end it with a derivation, or a set or list of them)".to_string();
                    let err = CodeError { message, line: 0, col: 0, start: 0, end: 0, file: None };
                    v.answer = Some(Rc::new(Answer { error: Some(err), ..(*a).clone() }));
                    return Some((v, None));
                }
                match load(&a, opts) {
                    Ok(l) => {
                        v.good = Some(a);
                        v.keys = l.keys.clone();
                        return Some((v, Some(l)));
                    }
                    Err(e) => {
                        let message = format!("the derivations could not be imported: {e}");
                        let err = CodeError { message, line: 0, col: 0, start: 0, end: 0, file: None };
                        v.answer = Some(Rc::new(Answer { error: Some(err), ..(*a).clone() }));
                    }
                }
            }
        }
        Some((v, None))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn highlight_spans_cover_the_text_with_token_error_and_selection_classes() {
        let text = "a = \"x\";";
        let toks = vec![(0, 1, "attr".to_string()), (4, 7, "string".to_string())];
        let s = highlight_spans(text, &toks, Some((4, 5)), Some((4, 7)));
        let cls: Vec<(&str, &str)> = s.iter().map(|(a, b, c)| (&text[*a..*b], c.as_str())).collect();
        assert_eq!(
            cls,
            [("a", "t-attr"), (" = ", ""), ("\"", "t-string code-err lit-sel"), ("x\"", "t-string lit-sel"), (";", "")]
        );
    }

    #[test]
    fn highlight_spans_of_a_5000_line_program_take_one_pass() {
        // 5,000 lines of `  vN = "sN";` (the hostile test's program): 20,000 tokens. A search per
        // piece took minutes here (seconds in the tab, on every render); one pass takes
        // milliseconds even unoptimized.
        let mut text = String::from("let\n");
        let mut toks = Vec::new();
        for i in 0..5000 {
            let line = format!("  v{i} = \"s{i}\";\n");
            let at = text.len();
            let name = format!("v{i}").len();
            toks.push((at + 2, at + 2 + name, "attr".to_string()));
            toks.push((at + 3 + name, at + 4 + name, "punct".to_string()));
            toks.push((at + 5 + name, at + line.len() - 2, "string".to_string()));
            toks.push((at + line.len() - 2, at + line.len() - 1, "punct".to_string()));
            text.push_str(&line);
        }
        let t0 = std::time::Instant::now();
        let s = highlight_spans(&text, &toks, None, None);
        let took = t0.elapsed();
        assert_eq!(s.iter().map(|(a, b, _)| b - a).sum::<usize>(), text.len());
        assert_eq!(s.iter().filter(|(_, _, c)| c == "t-string").count(), 5000);
        assert!(took.as_secs_f64() < 0.5, "{took:?}");
    }
}
