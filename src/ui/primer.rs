//! The three lines above everything: the distinction that decides whether anything rebuilds.
//! Dismissible; the dismissal is remembered in this browser.

use yew::prelude::*;

const DISMISSED_KEY: &str = "drvlab.primer.dismissed";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn dismissed() -> bool {
    storage().and_then(|s| s.get_item(DISMISSED_KEY).ok().flatten()).is_some_and(|v| v == "1")
}

fn remember(on: bool) {
    if let Some(s) = storage() {
        let _ = if on { s.set_item(DISMISSED_KEY, "1") } else { s.remove_item(DISMISSED_KEY) };
    }
}

#[function_component(Primer)]
pub fn primer() -> Html {
    let hidden = use_state(dismissed);
    let set = |on: bool| {
        let hidden = hidden.clone();
        Callback::from(move |_: MouseEvent| {
            remember(on);
            hidden.set(on);
        })
    };
    if *hidden {
        return html! {
            <p class="primer-off"><button class="linkish" onclick={set(false)}>{"Show the three-line primer"}</button></p>
        };
    }
    html! {
        <aside class="primer" aria-label="primer">
            <ol>
                <li>{"The "}<strong>{".drv path"}</strong>{" is the hash of the recipe file (the derivation Nix writes)."}</li>
                <li>{"The "}<strong>{"output path"}</strong>{" is where the result lives."}</li>
                <li>{"A build (or a reuse from a cache) happens only when an "}<strong>{"output path"}</strong>{" is new: a moved .drv alone rebuilds nothing."}</li>
            </ol>
            <button class="small" onclick={set(true)} aria-label="dismiss the primer">{"Got it ×"}</button>
        </aside>
    }
}
