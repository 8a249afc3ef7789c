//! The toy store, binary cache and network: build the selected derivation and see what Nix
//! would do — reuse, substitute, fetch, or fail with a hash mismatch.

use super::Ctx;
use crate::lab::playground::{Action, SimAction};
use crate::lab::simulator::Level;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[function_component(SimulatorPanel)]
pub fn simulator_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let url = use_state(String::new);
    let body = use_state(String::new);
    let act = |a: SimAction| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| ctx.dispatch(Action::Sim(a.clone())))
    };
    // Offer the selected derivation's url for the network form.
    let sel_url = p.specs.get(&p.selected).and_then(|s| s.env.iter().find(|(k, _)| k == "url").map(|(_, v)| v.clone()));
    let serve = {
        let ctx = ctx.clone();
        let (url, body) = (url.clone(), body.clone());
        let fallback = sel_url.clone().unwrap_or_default();
        Callback::from(move |_: MouseEvent| {
            let u = if url.is_empty() { fallback.clone() } else { (*url).clone() };
            ctx.dispatch(Action::Sim(SimAction::Serve(u, (*body).clone())))
        })
    };
    let on_url = {
        let url = url.clone();
        Callback::from(move |e: InputEvent| url.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_body = {
        let body = body.clone();
        Callback::from(move |e: InputEvent| body.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    html! {
        // Open from the start where the story is about what the store holds or builds.
        <details class="panel sim" open={p.scenario.as_ref().is_some_and(|s| !s.already_built.is_empty()
            || s.then.iter().any(|f| matches!(f.step, crate::lab::scenarios::Step::Build(_))))}>
            <summary>{"Store & cache simulator"}</summary>
            <p class="muted">{"Build the selected derivation in a toy store. A fixed-output build fetches its url from the toy network and checks the hash; a path that is already valid is never rebuilt."}</p>
            <div class="row">
                <button onclick={act(SimAction::Build(false))}>{format!("nix-build {}", p.selected)}</button>
                <button onclick={act(SimAction::Build(true))}>{format!("nix-build --check {}", p.selected)}</button>
                <button onclick={act(SimAction::PushToCache)}>{"Push store to cache"}</button>
                <button onclick={act(SimAction::ClearStore)}>{"Empty the store"}</button>
                <button onclick={act(SimAction::ClearCache)}>{"Empty the cache"}</button>
            </div>
            if !p.sim_log.is_empty() {
                <pre class="log" aria-label="build log" aria-live="polite">{ for p.sim_log.iter().map(|l| {
                    let class = match l.level { Level::Info => "info", Level::Warn => "warn", Level::Error => "error" };
                    html! { <span class={class}>{l.text.clone()}{"\n"}</span> }
                }) }</pre>
            }
            <h3>{"Toy network"}</h3>
            <div class="row">
                <input type="text" aria-label="network url" placeholder={sel_url.unwrap_or_else(|| "https://…".into())} value={(*url).clone()} oninput={on_url} class="grow" />
                <input type="text" aria-label="network contents" placeholder="bytes served there" value={(*body).clone()} oninput={on_body} class="grow" />
                <button onclick={serve}>{"Serve"}</button>
            </div>
            <ul class="simlist">{ for p.sim.network.iter().map(|(u, c)| html! { <li><code>{u.clone()}</code>{" → "}{format!("{c:?}")}</li> }) }</ul>
            <h3>{format!("Store ({} path{})", p.sim.store.len(), if p.sim.store.len() == 1 { "" } else { "s" })}</h3>
            <ul class="simlist">{ for p.sim.store.iter().map(|(path, o)| html! { <li><code>{path.clone()}</code><span class="muted">{format!(" made by {}", o.recipe)}</span></li> }) }</ul>
            <h3>{format!("Binary cache ({} path{})", p.sim.cache.len(), if p.sim.cache.len() == 1 { "" } else { "s" })}</h3>
            <ul class="simlist">{ for p.sim.cache.keys().map(|path| html! { <li><code>{path.clone()}</code></li> }) }</ul>
        </details>
    }
}
