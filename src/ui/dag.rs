//! The graph: an SVG drawing (a layered layout, inputs above their users) and a list with every path.

use super::Ctx;
use crate::lab::layout::{focus, layout, Layout, Placed, DRAW_WHOLE, NODE_H, NODE_W};
use crate::lab::playground::{drv_fates, thousands, Action, DrvFate, Refs};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::prelude::*;

/// What the drawing shows: the whole graph, or for a big one the selection's neighbourhood,
/// laid out; and for each derivation drawn, how many of its inputs and users are not.
#[derive(PartialEq)]
struct Drawn {
    layout: Layout,
    edges: Vec<(String, String)>,
    hidden: BTreeMap<String, (usize, usize)>,
    /// Layout time, in ms (for the end-to-end figures).
    ms: f64,
}

/// Levels of inputs and users drawn around the selection in a big graph, and at most how many
/// new derivations each level adds on each side.
const FOCUS_LEVELS: usize = 2;
const FOCUS_PER_LEVEL: usize = 8;

fn draw(refs: &Refs, focus_on: Option<&str>) -> Drawn {
    let started = super::now_ms();
    let keys: Vec<String> = refs.keys().cloned().collect();
    let edges: Vec<(String, String)> =
        refs.iter().flat_map(|(k, rs)| rs.iter().map(move |r| (r.clone(), k.clone()))).collect();
    let (keys, edges, hidden) = match focus_on {
        Some(sel) => {
            let f = focus(&keys, &edges, sel, FOCUS_LEVELS, FOCUS_PER_LEVEL);
            (f.keys, f.edges, f.hidden)
        }
        None => (keys, edges, BTreeMap::new()),
    };
    let layout = layout(&keys, &edges);
    Drawn { layout, edges, hidden, ms: super::now_ms() - started }
}

#[function_component(DagPanel)]
pub fn dag_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let computed = ctx.computed();
    let total = computed.refs.len();
    let focus_on = (total > DRAW_WHOLE).then(|| p.selected.clone());
    // Laid out again only when a reference changes (or, in a big graph, the selection), not on
    // every keystroke: `refs` is the same `Rc` until then.
    let drawn = use_memo((computed.refs.clone(), focus_on), |(refs, focus_on)| draw(refs, focus_on.as_deref()));
    {
        let ms = drawn.ms;
        use_effect_with(ms.to_bits(), move |_| {
            if let Some(w) = web_sys::window() {
                let _ = js_sys::Reflect::set(&w, &"drvlabLayoutMs".into(), &ms.into());
            }
        });
    }
    let pos = &drawn.layout;
    // How each derivation fared in the last edit, from the change set (the lab's rules).
    let fates: BTreeMap<String, DrvFate> =
        p.last_change.as_ref().map(|c| drvlab_engine::collect::map(drv_fates(c, &p.specs))).unwrap_or_default();
    // Layers run top to bottom (inputs above their users), so the drawing fits a narrow column.
    let (w, h, width, height) = (NODE_W, NODE_H, pos.width, pos.height);
    let edges = drawn
        .edges
        .iter()
        .map(|(r, k)| html! { <path class="edge" d={pos.edge_path(r, k)} marker-end="url(#arrow)" /> });
    let nodes = pos.nodes.keys().filter_map(|k| Some((k, p.specs.get(k)?))).map(|(k, s)| {
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
        let (hidden_in, hidden_out) = drawn.hidden.get(k).copied().unwrap_or_default();
        html! {
            <g class={class} transform={format!("translate({x},{y})")} {onclick} {onkeydown} tabindex="0" role="button" aria-label={format!("select {k}")}>
                <rect width={w.to_string()} height={h.to_string()} rx="6" />
                <text x="8" y="19" class="k">{k.clone()}</text>
                <text x="8" y="36" class="sub">{label}</text>
                if let Some(mark) = fate_mark(fates.get(k)) {
                    <text x={(w - 6).to_string()} y="19" class="mark" text-anchor="end">{mark}</text>
                }
                if hidden_in > 0 {
                    <text x={(w - 4).to_string()} y="-3" class="more" text-anchor="end" data-testid="more-inputs">
                        <title>{format!("{} more {} of {k}, not drawn", thousands(hidden_in), if hidden_in == 1 { "input" } else { "inputs" })}</title>
                        {format!("+{} ▲", thousands(hidden_in))}</text>
                }
                if hidden_out > 0 {
                    <text x={(w - 4).to_string()} y={(h + 11).to_string()} class="more" text-anchor="end" data-testid="more-users">
                        <title>{format!("{} more {} of {k}, not drawn", thousands(hidden_out), if hidden_out == 1 { "user" } else { "users" })}</title>
                        {format!("+{} ▼", thousands(hidden_out))}</text>
                }
            </g>
        }
    });
    let shown = pos.nodes.len();
    html! {
        <section class="panel dag" aria-label="derivation graph">
            <h2>{"Graph"}</h2>
            if shown < total {
                <p class="muted" data-testid="dag-focus">{format!(
                    "{} derivations: drawn here are {} around the selected one, {} — its inputs above and its users below, {FOCUS_LEVELS} levels out; +N ▲ / +N ▼ count the inputs / users not drawn. Select another, here or in the list, to move the view.",
                    thousands(total), shown, p.selected
                )}</p>
            }
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
            <DrvList drawn={(shown < total).then(|| Rc::new(pos.nodes.keys().cloned().collect::<BTreeSet<String>>()))} />
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

#[derive(Properties, PartialEq)]
pub struct ListProps {
    /// In a big graph, the derivations drawn: the list shows those only.
    #[prop_or_default]
    pub drawn: Option<Rc<BTreeSet<String>>>,
}

/// Every derivation with its `.drv` path and output paths (the last good ones, greyed, when it
/// currently has an error); in a big graph, those drawn around the selection.
#[function_component(DrvList)]
pub fn drv_list(props: &ListProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let computed = ctx.computed();
    let good = p.last_good.clone();
    // Inputs first, as Nix resolves them; derivations caught in a cycle last.
    let mut order: Vec<String> = computed.order.iter().cloned().collect();
    if order.len() < p.specs.len() {
        let placed: BTreeSet<&String> = computed.order.iter().collect();
        order.extend(p.specs.keys().filter(|k| !placed.contains(k)).cloned());
    }
    let total = order.len();
    if let Some(drawn) = &props.drawn {
        order.retain(|k| drawn.contains(k));
    }
    let more = total - order.len();
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
    html! { <>
        <ul class="drvlist" aria-label="all derivations">{ for items }</ul>
        if more > 0 { <p class="muted" data-testid="list-more">{format!("and {} more, not listed: select a derivation in the graph to list its neighbours", thousands(more))}</p> }
    </> }
}
