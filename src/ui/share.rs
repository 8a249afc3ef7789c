//! The state in the URL fragment (read once at start, rewritten after each change), the
//! "copy link" and "embed" controls.

use super::Ctx;
use crate::lab::playground::{Action, Playground};
use crate::lab::share::{decode, encode};
use yew::prelude::*;

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// Whether the query has `name` or `name=…`.
pub fn has_param(name: &str) -> bool {
    location().and_then(|l| l.search().ok()).is_some_and(|s| {
        s.trim_start_matches('?')
            .split('&')
            .any(|p| p == name || p.strip_prefix(name).is_some_and(|r| r.starts_with('=')))
    })
}

/// The value of `name=…` in the query.
pub fn param(name: &str) -> Option<String> {
    let search = location()?.search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|p| p.strip_prefix(name)?.strip_prefix('=').map(str::to_string))
}

/// Whether the page was opened as an embed (`?embed`).
pub fn is_embed() -> bool {
    has_param("embed")
}

/// The first state: the link's, or the default scenario with a message saying why the link
/// could not be opened.
pub fn initial() -> Playground {
    let hash = location().and_then(|l| l.hash().ok()).unwrap_or_default();
    // `?scenario=<id>`: a readable link to one preset (documentation embeds use it).
    let p = match param("scenario") {
        Some(id) => match crate::lab::scenarios::scenarios().into_iter().find(|s| s.id == id) {
            Some(s) => Playground::from_scenario(s),
            None => Playground::default()
                .reduce(Action::Notice(Some(format!("There is no scenario {id:?}; showing the default one."))))
                .unwrap_or_default(),
        },
        None => Playground::default(),
    };
    if hash.trim_start_matches('#').is_empty() {
        return p;
    }
    match decode(&hash) {
        Ok(shared) => p.reduce(Action::Restore(shared)).unwrap_or_default(),
        Err(e) => p
            .reduce(Action::Notice(Some(format!(
                "This link could not be opened: {e}. Showing the default scenario instead."
            ))))
            .unwrap_or_default(),
    }
}

/// The full-page URL for the current state (without `?embed`).
pub fn link_for(p: &Playground) -> String {
    let (origin, path) =
        location().map(|l| (l.origin().unwrap_or_default(), l.pathname().unwrap_or_default())).unwrap_or_default();
    format!("{origin}{path}#{}", encode(&p.shared()))
}

/// Keeps the fragment in step with the state, without adding history entries.
pub fn sync_fragment(p: &Playground) {
    let pristine =
        p.scenario.as_ref().is_some_and(|s| s.specs == p.specs && s.id == crate::lab::scenarios::default_scenario().id);
    let frag = if pristine && p.notice.is_none() { String::new() } else { format!("#{}", encode(&p.shared())) };
    let Some(w) = web_sys::window() else { return };
    let current = w.location().hash().unwrap_or_default();
    if current != frag && !(pristine && current.is_empty()) {
        if let Ok(h) = w.history() {
            let url = if frag.is_empty() {
                w.location().pathname().unwrap_or_default() + &w.location().search().unwrap_or_default()
            } else {
                frag
            };
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

#[function_component(SharePanel)]
pub fn share_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let link = link_for(p);
    let embed_url = match link.split_once('#') {
        Some((base, frag)) => format!("{base}?embed#{frag}"),
        None => format!("{link}?embed"),
    };
    let snippet = format!(
        "<iframe src=\"{embed_url}\" title=\"drvlab: {}\" width=\"100%\" height=\"460\" style=\"border:1px solid #ccc;border-radius:6px\" loading=\"lazy\"></iframe>",
        p.scenario.as_ref().map(|s| s.title).unwrap_or("a derivation graph")
    );
    let copy = |text: String| {
        Callback::from(move |_: MouseEvent| {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&text);
            }
        })
    };
    html! {
        <details class="panel share">
            <summary>{"Share, embed"}</summary>
            <p class="muted">{format!("The link holds the whole graph and selection ({} characters).", link.len())}</p>
            <div class="row">
                <input type="text" readonly=true value={link.clone()} aria-label="link to this state" class="grow" />
                <button onclick={copy(link)}>{"Copy link"}</button>
            </div>
            <label for="embed-snippet">{"Embed this scenario in documentation:"}</label>
            <textarea id="embed-snippet" readonly=true rows="3" value={snippet.clone()} aria-label="embed snippet" />
            <button onclick={copy(snippet)}>{"Copy embed snippet"}</button>
        </details>
    }
}
