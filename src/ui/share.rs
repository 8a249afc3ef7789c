//! The state in the URL fragment (read once at start, rewritten after each change), the
//! "copy link" and "embed" controls.

use super::Ctx;
use crate::lab::eval::SpecGraph;
use crate::lab::playground::{Action, Playground};
use crate::lab::scenarios::Scenario;
use crate::lab::share::{decode, encode_checked, Encoding, ShareError};
use std::cell::RefCell;
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

/// What the page remembers outside the state: the link of the last state shown (for the
/// panic message), a link it refused to open (kept in the address bar and offered for copying,
/// until the person edits), and whether this session was restored from the browser.
#[derive(Default)]
struct Session {
    last_link: String,
    refused: Option<(String, SpecGraph)>,
    restored: bool,
}

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
}

/// The key the current state is kept under in `localStorage`, and the one a crash leaves.
const STORE_KEY: &str = "drvlab.session";
const CRASH_KEY: &str = "drvlab.crashed";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Percent-decodes a query value (`url%2Dchanged` → `url-changed`); bad escapes stay as typed.
pub fn percent_decode(v: &str) -> String {
    js_sys::decode_uri_component(&v.replace('+', " ")).ok().and_then(|s| s.as_string()).unwrap_or_else(|| v.to_string())
}

/// The first state: the link's; or, without a link, the session kept in this browser; or the
/// default scenario, with a message saying why a link could not be opened. `new` makes a
/// scenario's state and `reduce` is the reducer (the page's, or the embed's lean ones).
pub fn initial(new: fn(Scenario) -> Playground, reduce: fn(&Playground, Action) -> Option<Playground>) -> Playground {
    let hash = location().and_then(|l| l.hash().ok()).unwrap_or_default();
    let default = || new(crate::lab::scenarios::default_scenario());
    let p = default();
    let step = move |p: &Playground, a: Action| reduce(p, a).unwrap_or_else(default);
    // `?scenario=<id>`: a readable link to one preset (documentation embeds use it).
    let p = match param("scenario").map(|id| percent_decode(&id)) {
        Some(id) => match crate::lab::scenarios::scenarios().into_iter().find(|s| s.id == id) {
            Some(s) => new(s),
            None => step(&p, Action::Notice(Some(format!("There is no scenario {id:?}; showing the default one.")))),
        },
        None => p,
    };
    let crashed = storage().and_then(|s| {
        let c = s.get_item(CRASH_KEY).ok().flatten();
        let _ = s.remove_item(CRASH_KEY);
        c
    });
    if hash.trim_start_matches('#').is_empty() {
        if let Some(link) = crashed.filter(|l| !l.is_empty()) {
            // The last session crashed the page: do not load it again by itself, offer it.
            SESSION.with(|s| s.borrow_mut().refused = Some((link, p.specs.clone())));
            return step(
                &p,
                Action::Notice(Some(
                    "drvlab hit a bug last time, so it did not reopen that state by itself: its link is below, to copy or open.".into(),
                )),
            );
        }
        let plain = param("scenario").is_none() && !has_param("exercises") && !is_embed();
        let kept = storage().and_then(|s| s.get_item(STORE_KEY).ok().flatten()).filter(|_| plain);
        if let Some(shared) = kept.and_then(|k| read_kept(&k)) {
            if let Some(restored) = reduce(&p, Action::Restore(shared)) {
                SESSION.with(|s| s.borrow_mut().restored = true);
                return restored;
            }
        }
        return p;
    }
    match decode(&hash) {
        Ok(shared) => step(&p, Action::Restore(shared)),
        Err(e) => {
            let href = location().and_then(|l| l.href().ok()).unwrap_or_default();
            SESSION.with(|s| s.borrow_mut().refused = Some((href, p.specs.clone())));
            step(&p, Action::Notice(Some(format!(
                "This link could not be opened: {e}. Showing the default scenario instead; the link stays in the address bar and below, to copy."
            ))))
        }
    }
}

/// The base of links to this page (origin and path).
fn base() -> String {
    location().map(|l| l.origin().unwrap_or_default() + &l.pathname().unwrap_or_default()).unwrap_or_default()
}

/// The full-page URL for the current state (without `?embed`), or why it cannot be a link.
pub fn link_for(p: &Playground) -> Result<String, ShareError> {
    crate::lab::share::link(&base(), &p.shared())
}

/// Keeps the fragment in step with the state, without adding history entries, and the state in
/// `localStorage`. A refused link stays in the address bar until the person edits; a state
/// too large for a link leaves the address bar without a fragment (the browser keeps it).
pub fn sync_fragment(p: &Playground) {
    newest_sync();
    let shared = p.shared();
    let encoded = encode_checked(&shared);
    sync_encoded(p, &shared, encoded);
}

thread_local! {
    /// How many syncs have begun: one deflating in slices stops when a newer one begins.
    static SYNCS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn newest_sync() -> u64 {
    SYNCS.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}

/// [`sync_fragment`] for a big graph, whose link takes a while to write (the ~900 KB of JSON of
/// a 5,000-derivation state took 0.1–0.2 s of the page's time to deflate at once, after every
/// pause in typing): deflated in slices of about 10 ms, each a task of its own. A newer sync
/// (after a newer edit) replaces it.
pub fn sync_fragment_in_slices(state: UseReducerHandle<super::Store>) {
    let this = newest_sync();
    let shared = state.0.shared();
    let job = Encoding::new(&shared);
    deflate_in_slices(job, this, Box::new(move |encoded| sync_encoded(&state.0, &shared, encoded)));
}

fn deflate_in_slices(mut job: Encoding, this: u64, done: Box<dyn FnOnce(Result<String, ShareError>)>) {
    super::soon(move || {
        if SYNCS.with(|n| n.get()) != this {
            return;
        }
        let started = super::now_ms();
        if job.step(&mut || super::now_ms() - started < 10.0) {
            done(job.finish())
        } else {
            deflate_in_slices(job, this, done)
        }
    })
}

/// The rest of [`sync_fragment`], with the state's link made (or why there is none).
fn sync_encoded(p: &Playground, shared: &crate::lab::share::Shared, encoded: Result<String, ShareError>) {
    let keep_refused = SESSION.with(|s| {
        let mut s = s.borrow_mut();
        match &s.refused {
            Some((_, initial)) if *initial == p.specs => true,
            _ => {
                s.refused = None;
                false
            }
        }
    });
    let last_link = match &encoded {
        Ok(f) => format!("{}#{f}", base()),
        Err(_) => String::new(),
    };
    SESSION.with(|s| s.borrow_mut().last_link = last_link);
    if !is_embed() && !keep_refused {
        if let Some(st) = storage() {
            // A state too large for a link is kept whole (JSON); the restore reads both.
            let kept = encoded.clone().unwrap_or_else(|_| crate::lab::share::to_file(shared));
            let _ = st.set_item(STORE_KEY, &kept);
        }
    }
    if keep_refused {
        return;
    }
    let pristine =
        p.scenario.as_ref().is_some_and(|s| s.specs == p.specs && s.id == crate::lab::scenarios::default_scenario().id);
    let frag = match &encoded {
        Ok(f) if !(pristine && p.notice.is_none()) => format!("#{f}"),
        _ => String::new(),
    };
    let Some(w) = web_sys::window() else { return };
    let current = w.location().hash().unwrap_or_default();
    if current != frag && !(frag.is_empty() && current.is_empty()) {
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

/// Reads what `sync_fragment` kept: a fragment, or a state file for a state too large for one.
fn read_kept(k: &str) -> Option<crate::lab::share::Shared> {
    if k.starts_with(crate::lab::share::PREFIX) {
        decode(k).ok()
    } else {
        crate::lab::share::from_file(k).ok()
    }
}

/// Shows a clear message instead of a dead page when drvlab panics: the link of the last state
/// shown (kept in the browser too, and offered rather than reopened on the next load).
pub fn install_panic_hook() {
    // Through yew, which otherwise installs its own (console-only) hook when it renders.
    yew::set_custom_panic_hook(Box::new(on_panic));
}

/// [`install_panic_hook`] for a bundle without Yew (the embed's).
pub fn install_plain_panic_hook() {
    std::panic::set_hook(Box::new(on_panic));
}

/// The link that was not opened, while it is kept for copying.
pub fn refused_link() -> Option<String> {
    SESSION.with(|s| s.borrow().refused.as_ref().map(|r| r.0.clone()))
}

fn on_panic(info: &std::panic::PanicHookInfo) {
    let link =
        SESSION.try_with(|s| s.try_borrow().map(|s| s.last_link.clone()).unwrap_or_default()).unwrap_or_default();
    if let Some(st) = storage() {
        let _ = st.set_item(CRASH_KEY, &link);
    }
    web_sys::console::error_1(&format!("drvlab panicked: {info}").into());
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(div) = doc.create_element("div") else { return };
    div.set_class_name("crash");
    let _ = div.set_attribute("role", "alert");
    let _ = div.set_attribute("data-testid", "crash");
    let _ = div.set_attribute(
            "style",
            "position:fixed;top:0;left:0;right:0;z-index:9999;background:#fee;color:#600;border-bottom:2px solid #c00;padding:1em;font:15px sans-serif",
        );
    let para = |text: &str| {
        let e = doc.create_element("p").ok()?;
        e.set_text_content(Some(text));
        Some(e)
    };
    let kept = if link.is_empty() {
        "drvlab hit a bug and stopped. Nothing you typed ran; your work is kept in this browser: reload the page to get it back."
    } else {
        "drvlab hit a bug and stopped. Nothing you typed ran; your work is kept in this link (and in this browser):"
    };
    if let Some(e) = para(kept) {
        let _ = div.append_child(&e);
    }
    if !link.is_empty() {
        if let Ok(a) = doc.create_element("input") {
            let _ = a.set_attribute("readonly", "");
            let _ = a.set_attribute("value", &link);
            let _ = a.set_attribute("aria-label", "link to your work");
            let _ = a.set_attribute("style", "width:100%");
            let _ = div.append_child(&a);
        }
    }
    if let Some(e) = para(&format!("What went wrong, for a bug report: {info}")) {
        let _ = div.append_child(&e);
    }
    if let Some(b) = doc.body() {
        let _ = b.prepend_with_node_1(&div);
    }
}

/// A refused link to copy, or the note that the last session was restored (with a way to
/// start fresh).
#[function_component(SessionNotice)]
pub fn session_notice() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let (refused, restored) = SESSION.with(|s| (s.borrow().refused.as_ref().map(|r| r.0.clone()), s.borrow().restored));
    let hide = use_state(|| false);
    let fresh = {
        let ctx = ctx.clone();
        let hide = hide.clone();
        Callback::from(move |_: MouseEvent| {
            hide.set(true);
            ctx.dispatch(Action::LoadScenario(crate::lab::scenarios::default_scenario().id.to_string()))
        })
    };
    let keep = {
        let hide = hide.clone();
        Callback::from(move |_: MouseEvent| hide.set(true))
    };
    html! { <>
        if let Some(link) = refused {
            <div class="notice refused" role="status">
                <label for="refused-link">{"The link that was not opened:"}</label>
                <div class="row">
                    <input id="refused-link" type="text" readonly=true value={link.clone()} class="grow" />
                    <button onclick={super::copy_on_click(link)}>{"Copy it"}</button>
                </div>
            </div>
        }
        if restored && !*hide {
            <div class="notice restored" role="status">
                {"Restored your last session (kept in this browser). "}
                <button class="small" onclick={fresh}>{"Start fresh"}</button>
                <button class="small" onclick={keep}>{"Keep it"}</button>
            </div>
        }
    </> }
}

#[function_component(SharePanel)]
pub fn share_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let save = {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            download("drvlab-state.json", &crate::lab::share::to_file(&ctx.p().shared()))
        })
    };
    let save = html! { <button onclick={save}>{"Save the state as a file"}</button> };
    // A big graph's link takes tens of ms to encode on every render, and is too long anyway.
    if p.specs.len() > 200 {
        return html! {
            <details class="panel share">
                <summary>{"Share, embed"}</summary>
                <p class="muted" data-testid="no-link">{format!("This graph has {} derivations, too many for a link: save it as a file instead; to load it again, drop or paste the file into “Import your own derivation”.", p.specs.len())}</p>
                {save}
            </details>
        };
    }
    let link = match link_for(p) {
        Ok(l) => l,
        Err(e) => {
            return html! {
                <details class="panel share" open=true>
                    <summary>{"Share, embed"}</summary>
                    <p class="err" role="alert" data-testid="no-link">{format!("This state is too large for a link ({e}), so no link is offered: the page would refuse to open it. Save it as a file instead; to load it again, drop or paste the file into “Import your own derivation”.")}</p>
                    {save}
                </details>
            };
        }
    };
    let embed_url = match link.split_once('#') {
        Some((base, frag)) => format!("{base}?embed#{frag}"),
        None => format!("{link}?embed"),
    };
    let snippet = format!(
        "<iframe src=\"{embed_url}\" title=\"drvlab: {}\" width=\"100%\" height=\"460\" style=\"border:1px solid #ccc;border-radius:6px\" loading=\"lazy\"></iframe>",
        p.scenario.as_ref().map(|s| s.title).unwrap_or("a derivation graph")
    );
    html! {
        <details class="panel share">
            <summary>{"Share, embed"}</summary>
            <p class="muted">{format!("The link holds the whole graph and selection ({} characters).", link.len())}</p>
            <div class="row">
                <input type="text" readonly=true value={link.clone()} aria-label="link to this state" class="grow" />
                <button onclick={super::copy_on_click(link)}>{"Copy link"}</button>
                {save}
            </div>
            <label for="embed-snippet">{"Embed this scenario in documentation:"}</label>
            <textarea id="embed-snippet" readonly=true rows="3" value={snippet.clone()} aria-label="embed snippet" />
            <button onclick={super::copy_on_click(snippet)}>{"Copy embed snippet"}</button>
        </details>
    }
}

/// Offers `text` as a file download (a `data:` link clicked once).
fn download(name: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(a) = doc.create_element("a") else { return };
    let href = format!(
        "data:application/json;charset=utf-8,{}",
        js_sys::encode_uri_component(text).as_string().unwrap_or_default()
    );
    let _ = a.set_attribute("href", &href);
    let _ = a.set_attribute("download", name);
    if let Some(b) = doc.body() {
        let _ = b.append_child(&a);
        if let Some(h) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&a) {
            h.click();
        }
        let _ = b.remove_child(&a);
    }
}
