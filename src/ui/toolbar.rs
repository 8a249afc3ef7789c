//! Scenario picker, undo/redo, reset, and the Nix-version switch.

use super::Ctx;
use crate::lab::playground::Action;
use crate::lab::scenarios::scenarios;
use drvlab_engine::graph::InputMerge;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[function_component(Toolbar)]
pub fn toolbar() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let current = p.scenario.as_ref().map(|s| s.id).unwrap_or("");
    let on_scenario = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            ctx.dispatch(Action::LoadScenario(v));
        })
    };
    let on_merge = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            ctx.dispatch(Action::SetMerge(if v == "overwrite" { InputMerge::Overwrite } else { InputMerge::Merge }));
        })
    };
    let act = |a: Action| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| ctx.dispatch(a.clone()))
    };
    html! {
        <nav class="toolbar" aria-label="controls">
            <label>{"Scenario "}
                <select aria-label="scenario" onchange={on_scenario}>
                    if current.is_empty() { <option selected=true value="">{"(your own graph)"}</option> }
                    { for scenarios().into_iter().map(|s| html! {
                        <option value={s.id} selected={s.id == current}>{s.title}</option>
                    }) }
                </select>
            </label>
            <button onclick={act(Action::Undo)} disabled={!p.can_undo()} title="Undo (every edit can be undone)">{"Undo"}</button>
            <button onclick={act(Action::Redo)} disabled={!p.can_redo()}>{"Redo"}</button>
            <button onclick={act(Action::Reset)} title="Put the scenario back as it was">{"Reset to scenario"}</button>
            <label title="Nix versions differ in how hashDerivationModulo merges inputs whose hashes collide">{"Nix "}
                <select aria-label="Nix version behaviour" onchange={on_merge}>
                    <option value="merge" selected={p.merge == InputMerge::Merge}>{"2.8–2.34, ≥2.35.3 (merge)"}</option>
                    <option value="overwrite" selected={p.merge == InputMerge::Overwrite}>{"2.35.0–2.35.2 (overwrite)"}</option>
                </select>
            </label>
            <span class="muted small-note">{"(Nix versions differ in how hashDerivationModulo merges inputs whose hashes collide)"}</span>
        </nav>
    }
}
