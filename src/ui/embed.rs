//! The compact panel for documentation `<iframe>`s: the scenario, the edit to try (one button),
//! the selected derivation's paths, and what moved. No site chrome.

use super::Ctx;
use crate::playground::{account, Action};
use yew::prelude::*;

#[function_component(EmbedPanel)]
pub fn embed_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let computed = ctx.computed();
    let full = super::share::link_for(p);
    let key = p.selected.clone();
    let res = computed.eval.resolution.entries.get(&key).or_else(|| p.last_good.eval.resolution.entries.get(&key));
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
                <div class="row">
                    <button onclick={try_it} disabled={p.last_change.is_some()}>{format!("Try it: set {}'s {}", s.edit.0, s.edit.1)}</button>
                    <button onclick={undo} disabled={!p.can_undo()}>{"Undo"}</button>
                </div>
            }
            if let Some(r) = res {
                <div class="paths-compact" aria-label={format!("paths of {key}")}>
                    <div class="pathline"><span class="lbl">{format!("{key} .drv")}</span><code data-testid={format!("drv-path-{key}")}>{r.drv_path.clone()}</code></div>
                    { for r.outputs.iter().map(|(o, path)| html! {
                        <div class="pathline"><span class="lbl">{format!("{key} {o}")}</span>
                        <code data-testid={format!("out-path-{key}-{o}")}>{path.clone().unwrap_or_else(|| "unknown until built".into())}</code></div>
                    }) }
                </div>
            }
            if let Some(c) = &p.last_change {
                <div class="change" aria-live="polite">
                    { for account(c, &computed, &p.specs).into_iter().map(|l| html! { <p>{l}</p> }) }
                </div>
            }
            <p class="open"><a href={full} target="_blank" rel="noopener">{"Open in the full playground ↗"}</a></p>
        </div>
    }
}
