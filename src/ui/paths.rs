//! The selected derivation's `.drv` path and output paths, each with a "how" view that walks the
//! engine's trace; and, on request, the same derivation as the other kind side by side.

use super::pipeline::SpanMark;
use super::{Ctx, Pipeline};
use crate::lab::playground::{describe_part, flipped, Computed};
use drvlab_engine::graph::Resolved;
use drvlab_engine::trace::Trace;
use std::rc::Rc;
use yew::prelude::*;

/// Marks for the steps that name inputs: every input's hash modulo and `.drv` path, labelled
/// (`key`'s inputs are looked up by its references, not by a scan of the whole graph).
fn marks_for(key_of: &str, r: &Resolved, c: &Computed) -> Vec<(String, &'static str, String)> {
    let mut m = Vec::new();
    let inputs = c.refs.get(key_of).into_iter().flatten();
    for (key, other) in inputs.filter_map(|k| Some((k, c.eval.resolution.entries.get(k)?))) {
        if r.drv.input_drvs.contains_key(&other.drv_path) {
            for h in other.modulo.hashes.values() {
                m.push((
                    h.to_base16(),
                    "repl",
                    format!(
                        "{key}'s hash for dependents: {}, in place of {}",
                        crate::lab::words::dependents_hash(&other.kind),
                        other.drv_path
                    ),
                ));
            }
            m.push((other.drv_path.clone(), "inp", format!("the .drv path of {key}")));
        }
    }
    m
}

/// For each ATerm step of a trace, its parts as the engine recorded them, described for the page
/// (which field wrote each string, which input each hash stands for, what was blanked).
fn span_marks(t: &Trace, r: &Resolved, c: &Computed) -> Vec<(usize, Vec<SpanMark>)> {
    let describe = |s: &drvlab_engine::trace::Span| {
        describe_part(&s.part, &r.drv, c).map(|(class, title)| (s.start, s.end, class, title))
    };
    t.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.spans.is_empty())
        .map(|(i, s)| (i, s.spans.iter().filter_map(describe).collect()))
        .collect()
}

/// The words for each step of a trace of `r`, chosen from the computed kinds of `r` and of its
/// inputs.
fn step_words(t: &Trace, r: &Resolved, c: &Computed) -> Vec<(usize, String)> {
    let kind_of = |k: &str| c.eval.resolution.entries.get(k).map(|x| &x.kind);
    t.steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| crate::lab::words::step_words_by(&s.label, &r.kind, &kind_of).map(|w| (i, w)))
        .collect()
}

/// What the "hash for dependents" is, beside the value (content-addressed: what it is used for).
fn modulo_note(r: &Resolved) -> &'static str {
    use drvlab_engine::derivation::DrvKind;
    match r.kind {
        DrvKind::Fixed { .. } => "A fixed-output derivation's dependents see only its declared output: this hash stands for it in their ATerms, so its builder, args and env never reach them.",
        DrvKind::InputAddressed => "Two hashes of one recipe: hashed with its own outputs blank, it makes its own output paths (the output pipeline); hashed with its outputs filled in (this one), it stands for it in its dependents' ATerms.",
        _ => "Its output paths are unknown until it is built, so no output path is made from this hash now. Nix still computes it, and dependents' ATerms use it; their own output paths wait for the build too.",
    }
}

#[derive(Properties, PartialEq)]
struct OneProps {
    computed: Rc<Computed>,
    key_: String,
    #[prop_or_default]
    testids: bool,
    #[prop_or_default]
    stale: bool,
}

/// The paths of one derivation with their pipelines.
#[function_component(OneDrv)]
fn one_drv(p: &OneProps) -> Html {
    // The first output's pipeline is on screen from the start: how a path is made is the point.
    let first = p
        .computed
        .eval
        .resolution
        .entries
        .get(&p.key_)
        .and_then(|r| r.outputs.keys().find(|o| o.as_str() == "out").or_else(|| r.outputs.keys().next()).cloned());
    let open = use_state(|| first.map(|o| format!("out-{o}")));
    let Some(r) = p.computed.eval.resolution.entries.get(&p.key_) else {
        return html! { <p class="muted">{"No paths: this derivation has an error (see the form)."}</p> };
    };
    let marks = marks_for(&p.key_, r, &p.computed);
    let row = |id: String, label: String, value: String, trace: Trace| {
        let is_open = open.as_deref() == Some(id.as_str());
        let toggle = {
            let open = open.clone();
            let id = id.clone();
            Callback::from(move |_| open.set(if is_open { None } else { Some(id.clone()) }))
        };
        let testid = p.testids.then(|| id.clone());
        html! {
            <div class={classes!("pathrow", p.stale.then_some("stale"))}>
                <div class="pathhead">
                    <span class="lbl">{label.clone()}</span>
                    <code class="path" data-testid={testid.map(|t| format!("sel-{t}"))}>{value}</code>
                    <button class="how" aria-expanded={is_open.to_string()} onclick={toggle} aria-label={format!("how: {label}")}>{if is_open { "hide" } else { "how?" }}</button>
                </div>
                if is_open { <Pipeline spans={span_marks(&trace, r, &p.computed)} words={step_words(&trace, r, &p.computed)} trace={trace} marks={marks.clone()} title={format!("how {label} is computed")} /> }
            </div>
        }
    };
    html! {
        <div class="onedrv">
            <p class="kind">{r.kind.describe()}</p>
            { row("drv".into(), ".drv path".into(), r.drv_path.clone(), r.traces.drv_path.clone()) }
            { for r.outputs.iter().map(|(o, path)| row(
                format!("out-{o}"), format!("output {o}"),
                path.clone().unwrap_or_else(|| "unknown until built".into()),
                r.traces.outputs.get(o).cloned().unwrap_or_default())) }
            { row("modulo".into(), crate::lab::words::dependents_row(&r.kind).into(), r.modulo.hashes.values().next().map(|h| h.to_base16()).unwrap_or_default(), r.traces.modulo.clone()) }
            <p class="muted hashnote">{modulo_note(r)}</p>
        </div>
    }
}

#[function_component(PathsPanel)]
pub fn paths_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let key = p.selected.clone();
    let compare = use_state(|| false);
    let computed = ctx.computed();
    let current_ok = computed.eval.resolution.entries.contains_key(&key);
    let shown = if current_ok { computed.clone() } else { p.last_good.clone() };
    let flip = {
        let specs = p.specs.clone();
        let opts = p.options();
        let key = key.clone();
        let on = *compare;
        use_memo(
            (specs, key, on),
            move |(specs, key, on)| if *on { flipped(specs, key, &opts).map(|(_, c)| Rc::new(c)) } else { None },
        )
    };
    let is_fixed = p.specs.get(&key).is_some_and(|s| s.fixed.is_some());
    let toggle = {
        let compare = compare.clone();
        Callback::from(move |_| compare.set(!*compare))
    };
    html! {
        <section class="panel paths" aria-label={format!("paths of {key}")}>
            <h2>{format!("Paths of {key}")}</h2>
            if !current_ok { <p class="stale-note" role="status">{"Showing the last valid paths, greyed: fix the marked field to recompute."}</p> }
            <OneDrv key={key.clone()} computed={shown} key_={key.clone()} stale={!current_ok} />
            <button class="compare" aria-pressed={(*compare).to_string()} onclick={toggle}>
                { if is_fixed { "Compare: the same derivation as input-addressed" } else { "Compare: the same derivation as fixed-output" } }
            </button>
            if let Some(c) = (*flip).clone() {
                <div class="side">
                    <h3>{ if is_fixed { "…if it were input-addressed" } else { "…if it were fixed-output (sha256 of nothing, flat)" } }</h3>
                    <OneDrv computed={c} key_={key.clone()} />
                </div>
            }
        </section>
    }
}
