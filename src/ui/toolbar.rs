//! Scenario picker, undo/redo, reset, and the Nix-version selector.

use super::Ctx;
use crate::lab::nix_choice::NixChoice;
use crate::lab::playground::Action;
use crate::lab::scenarios::scenarios;
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
    let on_nix = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(n) = NixChoice::from_id(&v) {
                ctx.dispatch(Action::SetNix(n));
            }
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
            <label>{"Nix "}
                <select aria-label="Nix version behaviour" onchange={on_nix}>
                    { for NixChoice::ALL.into_iter().map(|n| html! {
                        <option value={n.id()} selected={p.nix == n}>{n.describe()}</option>
                    }) }
                </select>
            </label>
            <span class="hint">{"Releases differ in which store names and SRI hashes they accept, and in how hashDerivationModulo merges inputs whose hashes collide."}</span>
        </nav>
    }
}
