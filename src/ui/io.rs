//! Bring your own derivation: paste or drop a `.drv` or `nix derivation show` JSON, see every
//! path verified, edit it; export the graph as ATerm, JSON or a `.nix` file.

use super::Ctx;
use crate::lab::playground::{export, import_text, Action, ImportReport};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[function_component(ImportExport)]
pub fn import_export() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let text = use_state(String::new);
    let report = use_state(|| None::<Result<ImportReport, String>>);
    let exported = use_state(|| None::<&'static str>);
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let run_import = {
        let ctx = ctx.clone();
        let report = report.clone();
        move |t: String| {
            let r = import_text(&t, &ctx.p().options());
            if let Ok(rep) = &r {
                if let Some((specs, selected)) = &rep.specs {
                    ctx.dispatch(Action::Load {
                        specs: specs.clone(),
                        selected: selected.clone(),
                        label: format!("imported {}", rep.format),
                    });
                }
            }
            report.set(Some(r));
        }
    };
    let on_import = {
        let text = text.clone();
        let run = run_import.clone();
        Callback::from(move |_: MouseEvent| run((*text).clone()))
    };
    let on_drop = {
        let text = text.clone();
        let run = run_import.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) else { return };
            let text = text.clone();
            let run = run.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    let t = v.as_string().unwrap_or_default();
                    text.set(t.clone());
                    run(t);
                }
            });
        })
    };
    let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());
    let do_export = |which: &'static str| {
        let exported = exported.clone();
        Callback::from(move |_: MouseEvent| exported.set(Some(which)))
    };
    // Computed from the current state on every render, so it never shows a stale graph.
    let export_body = exported.map(|which| {
        let p = ctx.p();
        let (aterm, json, nix) = export(&p.computed, &p.specs, &p.selected);
        let body = match which {
            "aterm" => aterm,
            "json" => json,
            _ => nix,
        };
        (which, body)
    });
    html! {
        <details class="panel io" open={report.is_some()}>
            <summary>{"Import your own derivation, export this graph"}</summary>
            <label for="import-text">{"Paste a .drv file or `nix derivation show -r` JSON (or drop a file here):"}</label>
            <textarea id="import-text" aria-label="derivation to import" rows="6" value={(*text).clone()} oninput={on_text}
                ondrop={on_drop} ondragover={on_dragover} spellcheck="false" />
            <button onclick={on_import}>{"Import and verify"}</button>
            { match &*report {
                None => html! {},
                Some(Err(e)) => html! { <p class="err" role="alert">{format!("Could not import: {e}")}</p> },
                Some(Ok(rep)) => html! {
                    <div class="verify" role="status">
                        <p>{format!("Read {}.", rep.format)}</p>
                        <ul>{ for rep.verified.iter().map(|v| if v.mismatches.is_empty() {
                            html! { <li class="ok">{"✔ matches what Nix wrote: "}<code>{v.drv_path.clone()}</code></li> }
                        } else {
                            html! { <li class="bad">{format!("✘ {} differs: here is why", v.key)}
                                <ul>{ for v.mismatches.iter().map(|m| html! { <li>{format!("{}: given ", m.field)}<code>{m.given.clone()}</code>{", Nix computes "}<code>{m.computed.clone()}</code></li> }) }</ul></li> }
                        }) }</ul>
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
            if let Some((which, body)) = &export_body {
                if *which == "nix" && body.starts_with("#!") {
                    <p class="muted">{"This graph has directory sources, which a .nix file cannot carry: the export is a shell script that writes default.nix and the directories it adds with builtins.path. Run it in an empty directory, then nix-instantiate default.nix."}</p>
                }
                <textarea readonly=true rows="10" aria-label={format!("exported {which}")} value={body.clone()} />
            }
        </details>
    }
}
