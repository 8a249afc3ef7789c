//! Bring your own derivation: paste or drop a `.drv` or `nix derivation show` JSON, see every
//! path verified, edit it; export the graph as ATerm, JSON or a `.nix` file.

use super::Ctx;
use crate::lab::playground::{export, thousands, Action, Computed, ImportReport, Importing};
use std::rc::Rc;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// The most text (in bytes) the import box is given: 256 KB, about 400 derivations of
/// `nix derivation show -r` JSON. A bigger paste or file is held aside instead (see `aside`).
const KEEP_IN_THE_BOX: usize = 256 * 1024;
/// The most text "Put it in the box" offers to put there: 2 MB, about 2 s of the browser's time.
const EDITABLE_IN_THE_BOX: usize = 2 * 1024 * 1024;

/// How long one slice of an import runs before the page has the thread back (to paint, to
/// take a keystroke); a step the job cannot split can add to it.
const SLICE_MS: f64 = 20.0;

/// Runs `job` a slice at a time, each slice a task of its own, showing how far it got in
/// `busy`; then `done` with the finished job. A job that is no longer `wanted` (a newer import
/// began) is dropped between slices, unfinished and unshown.
fn in_slices(
    mut job: Importing,
    busy: UseStateHandle<Option<String>>,
    wanted: Rc<dyn Fn() -> bool>,
    done: impl FnOnce(Importing) + 'static,
) {
    super::soon(move || {
        if !wanted() {
            return;
        }
        let clock = web_sys::window().and_then(|w| w.performance());
        let now = || clock.as_ref().map_or(0.0, |c| c.now());
        let started = now();
        if job.step(&mut || now() - started < SLICE_MS) {
            done(job)
        } else {
            busy.set(Some(job.progress()));
            in_slices(job, busy, wanted, done)
        }
    })
}

/// An export as it was made: which form, its text, and the state it was made from (held, so
/// that "has the graph changed since" is a pointer comparison). A big one also has a `blob:`
/// URL to download it from.
#[derive(Clone)]
struct Exported {
    which: &'static str,
    body: Rc<str>,
    of: Rc<Computed>,
    selected: String,
    url: Option<String>,
}

impl Exported {
    fn of(which: &'static str, p: &crate::lab::playground::Playground) -> Exported {
        let (aterm, json, nix) = export(&p.computed, &p.specs, &p.selected);
        let body: Rc<str> = match which {
            "aterm" => aterm,
            "json" => json,
            _ => nix,
        }
        .into();
        let url = (body.len() > KEEP_IN_THE_BOX).then(|| blob_url(&body)).flatten();
        Exported { which, body, of: p.computed.clone(), selected: p.selected.clone(), url }
    }

    fn file_name(&self) -> String {
        match self.which {
            "aterm" => format!("{}.drv", self.selected),
            "json" => "derivations.json".into(),
            _ if self.body.starts_with("#!") => "export.sh".into(),
            _ => "default.nix".into(),
        }
    }

    /// The first 20 lines, to show what the download holds.
    fn head(&self) -> String {
        let mut lines: Vec<&str> = self.body.lines().take(21).collect();
        if lines.len() == 21 {
            lines[20] = "…";
        }
        lines.iter().map(|l| l.chars().take(200).collect::<String>()).collect::<Vec<_>>().join("\n")
    }
}

/// A `blob:` URL holding `text` (revoked when the export is replaced).
fn blob_url(text: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Makes a new export of `which`, revoking the `blob:` URL of the one it replaces.
fn export_again(
    exported: &UseStateHandle<Option<Exported>>,
    which: &'static str,
    p: &crate::lab::playground::Playground,
) {
    if let Some(url) = exported.as_ref().and_then(|e| e.url.as_deref()) {
        let _ = web_sys::Url::revoke_object_url(url);
    }
    exported.set(Some(Exported::of(which, p)))
}

#[function_component(ImportExport)]
pub fn import_export() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    // The paste is read from the element when "Import and verify" is clicked, never held in the
    // component's state: a controlled textarea re-set its multi-megabyte value on every render,
    // and the browser laid that text out again each time (about 0.8 s for the 3 MB of a
    // 5,000-derivation closure, after the paths were on screen).
    let text = use_node_ref();
    // A big paste or dropped file is held here, never put in the box: Chromium takes ~2.7 s to
    // fill a textarea with 3 MB and ~0.25 s to empty it, and while the box holds it every redraw
    // that moves the box lays that text out again (238 ms a frame for 1.1 MB), so the paths
    // of a 5,000-derivation import appeared 0.6–0.8 s late and every later redraw stalled.
    let aside = use_state(|| None::<Rc<str>>);
    // Whether the box has text (then "Import and verify" reads the box, not what is aside).
    let box_empty = use_state_eq(|| true);
    let report = use_state(|| None::<Result<ImportReport, String>>);
    let exported = use_state(|| None::<Exported>);
    // A big import takes a while: it says so first (the page paints the message, and the last
    // good graph stays on screen), then verifies, then loads, each step after the last painted.
    let busy = use_state(|| None::<String>);
    // Which import is the newest: a file dropped while a big import runs replaces it (the one
    // under way stops at its next slice, and neither its report nor its graph is shown).
    let imports = use_mut_ref(|| 0u64);
    let run_import = {
        let ctx = ctx.clone();
        let report = report.clone();
        let busy = busy.clone();
        let (aside, text, box_empty) = (aside.clone(), text.clone(), box_empty.clone());
        move |t: String| {
            let job = Importing::new(t.as_str().into(), &ctx.p().options());
            let this = {
                let mut n = imports.borrow_mut();
                *n += 1;
                *n
            };
            let imports = imports.clone();
            let wanted: Rc<dyn Fn() -> bool> = Rc::new(move || *imports.borrow() == this);
            busy.set(Some(job.progress()));
            let (ctx, report, busy2, aside, text, box_empty) =
                (ctx.clone(), report.clone(), busy.clone(), aside.clone(), text.clone(), box_empty.clone());
            let still = wanted.clone();
            in_slices(job, busy.clone(), wanted, move |job| {
                let wanted = still;
                let (r, ready) = match job.finish() {
                    Ok((report, ready)) => (Ok(report), ready),
                    Err(e) => (Err(e), None),
                };
                report.set(Some(r));
                let Some(ready) = ready else { return busy2.set(None) };
                // Big text that reached the box some other way than a paste or a drop (typed, or
                // set by a script) is moved aside once it loads (if it fails it stays, to be fixed).
                // Emptying a box of megabytes takes the browser a while too (~250 ms for 3 MB): a
                // task of its own, before the load redraws the page around the box. Text read from
                // what was aside is already there: the box was empty.
                busy2.set(Some(format!("Loading {} derivations into the playground…", thousands(ready.specs.len()))));
                let keep_aside = t.len() > KEEP_IN_THE_BOX;
                super::soon(move || {
                    if !wanted() {
                        return;
                    }
                    if let Some(el) = text.cast::<HtmlTextAreaElement>().filter(|el| keep_aside && el.text_length() > 0)
                    {
                        el.set_value("");
                        box_empty.set(true);
                        aside.set(Some(t.as_str().into()));
                    }
                    super::soon(move || {
                        if wanted() {
                            ctx.dispatch(Action::LoadReady(Rc::new(ready)));
                            busy2.set(None);
                        }
                    });
                });
            });
        }
    };
    // The box when it has text, else what is held aside.
    let on_import = {
        let (text, aside) = (text.clone(), aside.clone());
        let run = run_import.clone();
        Callback::from(move |_: MouseEvent| {
            let in_box = text.cast::<HtmlTextAreaElement>().map(|el| el.value()).unwrap_or_default();
            match &*aside {
                Some(t) if in_box.is_empty() => run(t.to_string()),
                _ => run(in_box),
            }
        })
    };
    // Text that is too big for the box is held aside, in the page's memory only.
    let hold_aside = {
        let (text, aside, box_empty) = (text.clone(), aside.clone(), box_empty.clone());
        move |t: &str| {
            if let Some(el) = text.cast::<HtmlTextAreaElement>().filter(|el| el.text_length() > 0) {
                el.set_value("");
            }
            box_empty.set(true);
            aside.set(Some(t.into()));
        }
    };
    let on_paste = {
        let hold_aside = hold_aside.clone();
        Callback::from(move |e: Event| {
            use wasm_bindgen::JsCast;
            let Some(t) = e
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|e| e.clipboard_data())
                .and_then(|d| d.get_data("text/plain").ok())
            else {
                return;
            };
            if t.len() > KEEP_IN_THE_BOX {
                e.prevent_default();
                hold_aside(&t);
            }
        })
    };
    let on_drop = {
        let (text, box_empty) = (text.clone(), box_empty.clone());
        let run = run_import.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) else { return };
            let (text, box_empty, hold_aside) = (text.clone(), box_empty.clone(), hold_aside.clone());
            let run = run.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    let t = v.as_string().unwrap_or_default();
                    if t.len() > KEEP_IN_THE_BOX {
                        hold_aside(&t);
                    } else if let Some(el) = text.cast::<HtmlTextAreaElement>() {
                        el.set_value(&t);
                        box_empty.set(t.is_empty());
                    }
                    run(t);
                }
            });
        })
    };
    let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());
    let on_text = {
        let box_empty = box_empty.clone();
        Callback::from(move |e: InputEvent| {
            box_empty.set(e.target_unchecked_into::<HtmlTextAreaElement>().text_length() == 0);
        })
    };
    // Filling a box with megabytes blocks the browser for seconds (3 MB: ~2.7 s in headless
    // Chromium), so the page says so first.
    let put_in_the_box = {
        let (aside, text, busy, box_empty) = (aside.clone(), text.clone(), busy.clone(), box_empty.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(t) = (*aside).clone() else { return };
            busy.set(Some(format!("Putting {} KB in the box…", t.len() / 1024)));
            let (aside, text, busy, box_empty) = (aside.clone(), text.clone(), busy.clone(), box_empty.clone());
            super::matrix::after_a_moment(move || {
                if let Some(el) = text.cast::<HtmlTextAreaElement>() {
                    el.set_value(&t);
                }
                box_empty.set(t.is_empty());
                aside.set(None);
                busy.set(None);
            });
        })
    };
    let do_export = |which: &'static str| {
        let (exported, ctx) = (exported.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| export_again(&exported, which, ctx.p()))
    };
    // A small export follows every edit (it is cheap); a big one is what it was when exported,
    // and says when the graph has changed since: re-exporting 3 MB of JSON on every keystroke
    // (and refilling its box, ~2.7 s) froze the tab for seconds a key.
    let export_view = exported.as_ref().map(|e| {
        let p = ctx.p();
        let stale = !Rc::ptr_eq(&e.of, &p.computed) || e.selected != p.selected;
        if stale && e.body.len() <= KEEP_IN_THE_BOX {
            let fresh = Exported::of(e.which, p);
            if fresh.url.is_none() {
                return (fresh, false);
            }
        }
        (e.clone(), stale)
    });
    let again = {
        let exported = exported.clone();
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(which) = exported.as_ref().map(|e| e.which) {
                export_again(&exported, which, ctx.p())
            }
        })
    };
    html! {
        <details class="panel io" open={report.is_some()}>
            <summary>{"Import your own derivation, export this graph"}</summary>
            <label for="import-text">{"Paste a .drv file or `nix derivation show -r` JSON (or drop a file here):"}</label>
            <textarea id="import-text" ref={text.clone()} aria-label="derivation to import" rows="6" oninput={on_text}
                onpaste={on_paste} ondrop={on_drop} ondragover={on_dragover} spellcheck="false" />
            <button onclick={on_import} disabled={busy.is_some()}>{"Import and verify"}</button>
            if let Some(t) = &*aside {
                <p class="muted" data-testid="import-aside">
                    {format!("{} KB held aside, out of the box (a box holding that much text slows every redraw of the page): ", t.len() / 1024)}
                    {if *box_empty { "Import and verify reads it. " } else { "Import and verify reads the box while it has text. " }}
                    if t.len() <= EDITABLE_IN_THE_BOX {
                        <button onclick={put_in_the_box} disabled={busy.is_some()}>{"Put it in the box"}</button>
                    } else {
                        {"It is too big to edit in the page: to change it, use a text editor and drop the file here."}
                    }
                </p>
            }
            if let Some(b) = &*busy { <p class="muted" role="status" data-testid="import-progress">{b.clone()}</p> }
            { match &*report {
                None => html! {},
                Some(Err(e)) => html! { <p class="err" role="alert">{format!("Could not import: {e}")}</p> },
                Some(Ok(rep)) => html! {
                    <div class="verify" role="status">
                        <p>{format!("Read {}.", rep.format)}</p>
                        // Every mismatch, but at most 20 of the paths that match (a closure has thousands).
                        <ul>{ for rep.verified.iter().scan(0usize, |ok, v| { *ok += v.mismatches.is_empty() as usize; Some((*ok, v)) }).filter(|(ok, v)| !v.mismatches.is_empty() || *ok <= 20).map(|(_, v)| if v.mismatches.is_empty() {
                            html! { <li class="ok">{"✔ matches what Nix wrote: "}<code>{v.drv_path.clone()}</code></li> }
                        } else {
                            html! { <li class="bad">{format!("✘ {} differs: here is why", v.key)}
                                <ul>{ for v.mismatches.iter().map(|m| html! { <li>{format!("{}: given ", m.field)}<code>{m.given.clone()}</code>{", Nix computes "}<code>{m.computed.clone()}</code></li> }) }</ul></li> }
                        }) }</ul>
                        if rep.verified.iter().filter(|v| v.mismatches.is_empty()).count() > 20 {
                            <p class="muted" data-testid="import-more">{format!("and {} more that match what Nix wrote", rep.verified.iter().filter(|v| v.mismatches.is_empty()).count() - 20)}</p>
                        }
                        if let Some(n) = &rep.note { <p class="muted">{n.clone()}</p> }
                        if rep.specs.is_some() { <p class="muted">{"It is now loaded in the playground: edit it like any scenario."}</p> }
                    </div>
                },
            } }
            <div class="row">
                <button onclick={do_export("aterm")}>{"Export .drv (ATerm) of the selected"}</button>
                <button onclick={do_export("json")}>{"Export JSON (nix show-derivation)"}</button>
                <button onclick={do_export("nix")}>{"Export .nix"}</button>
            </div>
            if let Some((e, stale)) = &export_view {
                if e.which == "nix" && e.body.starts_with("#!") {
                    <p class="muted">{"This graph has directory sources, which a .nix file cannot carry: the export is a shell script that writes default.nix and the directories it adds with builtins.path. Run it in an empty directory, then nix-instantiate default.nix."}</p>
                }
                if *stale {
                    <p class="muted" role="status" data-testid="export-stale">{"The graph has changed since this export. "}
                        <button onclick={again}>{"Export it again"}</button></p>
                }
                if let Some(url) = &e.url {
                    <p data-testid="export-big">{format!("The export is {} KB, too big to show in a box here: ", e.body.len() / 1024)}
                        <a href={url.clone()} download={e.file_name()}>{format!("download {}", e.file_name())}</a>
                        {" or "}<button onclick={super::copy_on_click(e.body.clone())}>{"copy it"}</button>{". It begins:"}</p>
                    <pre class="mono export-head" aria-label={format!("the start of the exported {}", e.which)}>{e.head()}</pre>
                } else {
                    <textarea readonly=true rows="10" aria-label={format!("exported {}", e.which)} value={e.body.to_string()} />
                }
            }
        </details>
    }
}
