//! The graph: an SVG drawing (a layered layout, inputs above their users) and a list with every path.

use super::Ctx;
use crate::lab::eval::references;
use crate::lab::layout::{layout, Placed, NODE_H, NODE_W};
use crate::lab::playground::{drv_fates, Action, DrvFate};
use std::collections::BTreeMap;
use yew::prelude::*;

/// The graph to lay out: every key, and an `(input, user)` pair per reference.
fn graph(ctx: &Ctx) -> (Vec<String>, Vec<(String, String)>) {
    let specs = &ctx.p().specs;
    let keys: Vec<String> = specs.keys().cloned().collect();
    let edges: Vec<(String, String)> =
        specs.iter().flat_map(|(k, s)| references(s, specs).into_iter().map(move |r| (r, k.clone()))).collect();
    (keys, edges)
}

#[function_component(DagPanel)]
pub fn dag_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let computed = ctx.computed();
    // Laid out again only when a key or a reference changes, not on every keystroke.
    let pos = use_memo(graph(&ctx), |(keys, edges)| layout(keys, edges));
    // How each derivation fared in the last edit, from the change set (the lab's rules).
    let fates: BTreeMap<String, DrvFate> =
        p.last_change.as_ref().map(|c| drvlab_engine::collect::map(drv_fates(c, &p.specs))).unwrap_or_default();
    // Layers run top to bottom (inputs above their users), so the drawing fits a narrow column.
    let (w, h, width, height) = (NODE_W, NODE_H, pos.width, pos.height);
    let mut edges = Vec::new();
    for (k, s) in &p.specs {
        for r in references(s, &p.specs) {
            edges.push(html! { <path class="edge" d={pos.edge_path(&r, k)} marker-end="url(#arrow)" /> });
        }
    }
    let nodes = p.specs.iter().map(|(k, s)| {
        let Placed { x, y, .. } = pos.at(k);
        let kind = if s.fixed.is_some() { "fixed" } else if s.content_addressed { "ca" } else { "ia" };
        let err = !computed.errors_for(k).is_empty();
        let class = classes!(
            "node",
            kind,
            (*k == p.selected).then_some("selected"),
            fate_class(fates.get(k)),
            err.then_some("error")
        );
        let onclick = {
            let ctx = ctx.clone();
            let k = k.clone();
            Callback::from(move |_| ctx.dispatch(Action::Select(k.clone())))
        };
        let onkeydown = {
            let ctx = ctx.clone();
            let k = k.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    ctx.dispatch(Action::Select(k.clone()))
                }
            })
        };
        let label = match kind {
            "fixed" => "fixed-output",
            "ca" => "content-addressed",
            _ => "input-addressed",
        };
        html! {
            <g class={class} transform={format!("translate({x},{y})")} {onclick} {onkeydown} tabindex="0" role="button" aria-label={format!("select {k}")}>
                <rect width={w.to_string()} height={h.to_string()} rx="6" />
                <text x="8" y="19" class="k">{k.clone()}</text>
                <text x="8" y="36" class="sub">{label}</text>
                if let Some(mark) = fate_mark(fates.get(k)) {
                    <text x={(w - 6).to_string()} y="19" class="mark" text-anchor="end">{mark}</text>
                }
            </g>
        }
    });
    html! {
        <section class="panel dag" aria-label="derivation graph">
            <h2>{"Graph"}</h2>
            <div class="svgwrap">
                <svg width={width.to_string()} height={height.to_string()} viewBox={format!("0 0 {width} {height}")} role="img" aria-label="dependency graph">
                    <defs>
                        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                        </marker>
                    </defs>
                    { for edges }
                    { for nodes }
                </svg>
            </div>
            <p class="legend"><span class="sw fixed"></span>{"fixed-output "}<span class="sw ia"></span>{"input-addressed "}<span class="sw ca"></span>{"content-addressed"}</p>
            <p class="legend" data-testid="dag-legend">{"After an edit: "}<span class="sw out-moved"></span>{"● output moved: rebuilds "}<span class="sw drv-moved"></span>{"○ only the .drv moved: old output reused "}<span class="sw to-know"></span>{"◌ builds to learn its output"}</p>
            <DrvList />
            <div class="row">
                <button onclick={{ let ctx = ctx.clone(); Callback::from(move |_| ctx.dispatch(Action::AddDerivation)) }}>{"Add derivation"}</button>
                <button onclick={{ let ctx = ctx.clone(); let k = p.selected.clone(); Callback::from(move |_| ctx.dispatch(Action::RemoveDerivation(k.clone()))) }} disabled={p.specs.len() <= 1}>{format!("Remove {}", p.selected)}</button>
            </div>
        </section>
    }
}

/// The class of a node (and of an embed's lines) for how its derivation fared in the last edit.
pub fn fate_class(f: Option<&DrvFate>) -> Option<&'static str> {
    match f? {
        DrvFate::Rebuilds => Some("out-moved"),
        DrvFate::DrvOnly => Some("drv-moved"),
        DrvFate::BuildsToKnow => Some("to-know"),
        _ => None,
    }
}

/// The mark drawn beside a node's name, matching the legend.
pub fn fate_mark(f: Option<&DrvFate>) -> Option<&'static str> {
    match f? {
        DrvFate::Rebuilds => Some("● rebuilds"),
        DrvFate::DrvOnly => Some("○ .drv only"),
        DrvFate::BuildsToKnow => Some("◌ to learn"),
        _ => None,
    }
}

/// Every derivation with its `.drv` path and output paths (the last good ones, greyed, when it
/// currently has an error).
#[function_component(DrvList)]
pub fn drv_list() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let computed = ctx.computed();
    let good = p.last_good.clone();
    // Inputs first, as Nix resolves them; derivations caught in a cycle last.
    let (mut order, _) = crate::lab::eval::spec_order(&p.specs);
    order.extend(p.specs.keys().filter(|k| !order.contains(k)).cloned().collect::<Vec<_>>());
    let items = order.iter().map(|k| {
        let (res, stale) = match computed.eval.resolution.entries.get(k) {
            Some(r) => (Some(r), false),
            None => (good.eval.resolution.entries.get(k), true),
        };
        let onclick = {
            let ctx = ctx.clone();
            let k = k.clone();
            Callback::from(move |_| ctx.dispatch(Action::Select(k.clone())))
        };
        let errs = computed.errors_for(k);
        html! {
            <li class={classes!((*k == p.selected).then_some("selected"), stale.then_some("stale"))} key={k.clone()}>
                <button class="linkish" {onclick}>{k.clone()}</button>
                if let Some(e) = crate::lab::lint::summary(&errs) { <span class="err" role="alert">{e}</span> }
                if let Some(r) = res {
                    <div class="pathline"><span class="lbl">{".drv"}</span><code data-testid={format!("drv-path-{k}")}>{r.drv_path.clone()}</code></div>
                    { for r.outputs.iter().map(|(o, path)| html! {
                        <div class="pathline"><span class="lbl">{o.clone()}</span>
                            <code data-testid={format!("out-path-{k}-{o}")}>{path.clone().unwrap_or_else(|| "unknown until built".into())}</code></div>
                    }) }
                }
            </li>
        }
    });
    html! { <ul class="drvlist" aria-label="all derivations">{ for items }</ul> }
}
