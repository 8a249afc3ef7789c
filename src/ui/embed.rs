//! The compact panel for documentation `<iframe>`s: the scenario, the edit to try (one button),
//! the selected derivation's paths, and what moved. No site chrome.

use super::dag::{fate_class, fate_mark};
use super::{share, Ctx, Store};
use crate::lab::playground::{account, drv_fates, Action, DrvFate, Playground};
use yew::prelude::*;

/// The whole embed (the `drvlab-embed` bundle mounts it; index.html's loader starts that bundle
/// for `?embed` pages): the state from the link, its notices and [`EmbedPanel`].
#[function_component(EmbedApp)]
pub fn embed_app() -> Html {
    let (new, reduce) = (Playground::lean_from_scenario, Playground::reduce_embed);
    let state = use_reducer(|| Store(share::initial(new, reduce), reduce));
    let ctx = Ctx { state };
    let ready = super::use_first_paths();
    {
        // The fragment follows the state, as on the full page (the embed keeps no session).
        let p = ctx.p().clone();
        use_effect(move || share::sync_fragment(&p));
    }
    html! {
        <ContextProvider<Ctx> context={ctx.clone()}>
            <div id="app" class="embedded" data-ready={ready.to_string()}>
                { super::notices(&ctx) }
                <EmbedPanel />
            </div>
        </ContextProvider<Ctx>>
    }
}

#[function_component(EmbedPanel)]
pub fn embed_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let computed = ctx.computed();
    let full = super::share::link_for(p).unwrap_or_default();
    // Every derivation, inputs first, so the embed shows what collapses and what moves.
    let (mut order, _) = crate::lab::eval::spec_order(&p.specs);
    order.extend(p.specs.keys().filter(|k| !order.contains(k)).cloned().collect::<Vec<_>>());
    let fates: std::collections::BTreeMap<String, DrvFate> =
        p.last_change.as_ref().map(|c| drvlab_engine::collect::map(drv_fates(c, &p.specs))).unwrap_or_default();
    let try_it = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::TrySuggested))
    };
    let undo = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::Undo))
    };
    html! {
        <div class="embed">
            if let Some(s) = &p.scenario {
                <h2>{s.title}</h2>
                <p class="try"><strong>{"Try this: "}</strong>{s.try_this}</p>
                if let Some(sg) = p.suggested.clone() {
                    <p class="computed"><strong>{"The suggested edit, computed: "}</strong>
                        <span class="verdict">{sg.verdict.clone()}</span>{". "}{sg.moves.clone()}{"."}</p>
                }
                <div class="row">
                    <button onclick={try_it} disabled={p.last_change.is_some()}>{format!("Try it: set {}'s {}", s.edit.0, s.edit.1)}</button>
                    <button onclick={undo} disabled={!p.can_undo()}>{"Undo"}</button>
                </div>
            }
            <div class="paths-compact" aria-label="paths">
            { for order.iter().map(|k| {
                let r = computed.eval.resolution.entries.get(k).or_else(|| p.last_good.eval.resolution.entries.get(k));
                let moved = |o: Option<&str>| p.last_change.as_ref().is_some_and(|c| c.changes.iter().any(|x| x.moved() && x.id.key == *k && x.id.output.as_deref() == o));
                let fate = fates.get(k);
                match r {
                    None => html! {},
                    Some(r) => html! { <>
                        if let Some(mark) = fate_mark(fate) {
                            <div class={classes!("fateline", fate_class(fate))}>{format!("{k}: {mark}")}</div>
                        }
                        <div class={classes!("pathline", moved(None).then_some("moved"))}><span class="lbl">{format!("{k} .drv")}</span><code data-testid={format!("drv-path-{k}")}>{r.drv_path.clone()}</code></div>
                        { for r.outputs.iter().map(|(o, path)| html! {
                            <div class={classes!("pathline", moved(Some(o)).then_some("moved"))}><span class="lbl">{format!("{k} {o}")}</span>
                            <code data-testid={format!("out-path-{k}-{o}")}>{path.clone().unwrap_or_else(|| "unknown until built".into())}</code></div>
                        }) }
                    </> },
                }
            }) }
            </div>
            if let Some(c) = &p.last_change {
                <div class="change" aria-live="polite">
                    { for account(c, &computed, &p.specs).into_iter().enumerate().map(|(i, l)| if i == 0 {
                        html! { <p class="verdict"><strong>{l}</strong></p> }
                    } else {
                        html! { <p>{l}</p> }
                    }) }
                    <p class="legend">{"● output moved: rebuilds · ○ only the .drv moved: old output reused · ◌ builds to learn its output"}</p>
                </div>
            }
            if !computed.eval.errors.is_empty() {
                <div class="errors" role="alert" data-testid="embed-errors">
                    { for computed.eval.errors.iter().map(|e| html! { <p>{e.describe()}</p> }) }
                </div>
            }
            <p class="open"><a href={full} target="_blank" rel="noopener">{"Open in the full playground ↗"}</a></p>
        </div>
    }
}
