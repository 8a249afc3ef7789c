//! The form for the selected derivation's attributes. Each field shows the engine's error for
//! it; typing never loses text, even when the value is invalid.

use super::Ctx;
use crate::lab::eval::references;
use crate::lab::playground::{hash_forms, Action, SpecEdit};
use drvlab_engine::hash::HashAlgo;
use drvlab_engine::store_path::FixedMode;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct FieldProps {
    pub label: AttrValue,
    pub value: AttrValue,
    pub on: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or_default]
    pub multiline: bool,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

/// A labelled text field with its error underneath.
#[function_component(TextField)]
pub(super) fn text_field(p: &FieldProps) -> Html {
    let id = format!("f-{}", p.label.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let err_id = format!("{id}-err");
    let invalid = p.error.is_some();
    let input = if p.multiline {
        let on = p.on.clone();
        let oninput =
            Callback::from(move |e: InputEvent| on.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value()));
        html! { <textarea id={id.clone()} aria-label={p.label.clone()} value={p.value.clone()} {oninput} rows="3" aria-invalid={invalid.to_string()} aria-describedby={err_id.clone()} /> }
    } else {
        let on = p.on.clone();
        let oninput =
            Callback::from(move |e: InputEvent| on.emit(e.target_unchecked_into::<HtmlInputElement>().value()));
        html! { <input id={id.clone()} type="text" aria-label={p.label.clone()} value={p.value.clone()} {oninput} spellcheck="false" aria-invalid={invalid.to_string()} aria-describedby={err_id.clone()} /> }
    };
    html! {
        <div class={classes!("field", invalid.then_some("invalid"))}>
            <label for={id}>{p.label.clone()}</label>
            {input}
            if let Some(h) = &p.hint { <div class="hint">{h.clone()}</div> }
            if let Some(e) = &p.error { <div class="fielderr" id={err_id} role="alert">{e.clone()}</div> }
        </div>
    }
}

#[function_component(Editor)]
pub fn editor() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let key = p.selected.clone();
    let Some(spec) = p.specs.get(&key).cloned() else {
        return html! { <section class="panel"><p>{"Select a derivation."}</p></section> };
    };
    let computed = ctx.computed();
    let errors = computed.errors_for(&key);
    let err_for = |field: &str| errors.iter().find(|e| e.field == field).map(|e| e.message.clone());
    let edit = |mk: fn(String) -> SpecEdit| {
        let ctx = ctx.clone();
        let key = key.clone();
        Callback::from(move |v: String| ctx.dispatch(Action::Edit(key.clone(), mk(v))))
    };
    let edit_i = |i: usize, mk: fn(usize, String) -> SpecEdit| {
        let ctx = ctx.clone();
        let key = key.clone();
        Callback::from(move |v: String| ctx.dispatch(Action::Edit(key.clone(), mk(i, v))))
    };
    let click = |e: SpecEdit| {
        let ctx = ctx.clone();
        let key = key.clone();
        Callback::from(move |_: MouseEvent| ctx.dispatch(Action::Edit(key.clone(), e.clone())))
    };
    // A rejected key stays in the field, with why underneath (the reducer ignores it).
    let rename_err = use_state(|| None::<(String, String)>);
    let on_rename = {
        let ctx = ctx.clone();
        let key = key.clone();
        let rename_err = rename_err.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            let specs = &ctx.p().specs;
            match crate::lab::playground::rename_problem(&|k| specs.contains_key(k), &key, &v) {
                Some(why) => rename_err.set(Some((key.clone(), format!("{v:?} was not used: {why}")))),
                None => {
                    rename_err.set(None);
                    ctx.dispatch(Action::RenameKey(key.clone(), v))
                }
            }
        })
    };
    let rename_msg = rename_err.as_ref().filter(|(k, _)| *k == key).map(|(_, m)| m.clone());
    let inputs = references(&spec, &p.specs);
    let heading_id = format!("edit-{key}");
    // Errors of a field that has no text box of its own are shown at the top, with the field.
    let has_box = |f: &str| {
        let parts: Vec<&str> = f.split('.').collect();
        matches!(
            parts.as_slice(),
            ["name" | "system" | "builder" | "outputs"]
                | ["fixed", "hash"]
                | ["args" | "store_srcs", _]
                | ["env", _, "key" | "value"]
                | ["sources", _, "name"]
                | ["sources", _, "tree", _, "path"]
        )
    };
    let general_errors: Vec<String> = errors
        .iter()
        .filter(|e| !has_box(&e.field))
        .map(|e| match e.field.as_str() {
            "inputs" | "graph" | "fixed" => e.message.clone(),
            f => format!("{f}: {}", e.message),
        })
        .collect();
    let lints: Vec<String> = computed.lints.iter().filter(|l| l.key == key).map(|l| l.message.clone()).collect();

    let fixed_html = match &spec.fixed {
        None => html! {},
        Some(f) => {
            let on_mode = {
                let ctx = ctx.clone();
                let key = key.clone();
                Callback::from(move |e: Event| {
                    let v = e.target_unchecked_into::<HtmlSelectElement>().value();
                    let m = if v == "recursive" { FixedMode::Recursive } else { FixedMode::Flat };
                    ctx.dispatch(Action::Edit(key.clone(), SpecEdit::FixedMode(m)))
                })
            };
            let on_algo = {
                let ctx = ctx.clone();
                let key = key.clone();
                Callback::from(move |e: Event| {
                    let v = e.target_unchecked_into::<HtmlSelectElement>().value();
                    ctx.dispatch(Action::Edit(key.clone(), SpecEdit::FixedAlgo(HashAlgo::parse(&v).ok())))
                })
            };
            let forms = hash_forms(f);
            html! {
                <fieldset class="fixed">
                    <legend>{"Fixed output"}</legend>
                    <div class="row">
                        <label>{"outputHashMode "}
                            <select aria-label="outputHashMode" onchange={on_mode}>
                                <option value="flat" selected={f.mode == FixedMode::Flat}>{"flat"}</option>
                                <option value="recursive" selected={f.mode == FixedMode::Recursive}>{"recursive"}</option>
                            </select>
                        </label>
                        <label>{"outputHashAlgo "}
                            <select aria-label="outputHashAlgo" onchange={on_algo}>
                                <option value="" selected={f.algo.is_none()}>{ if f.empty_algo { "\"\" (written empty; from the hash)" } else { "(from the hash)" } }</option>
                                { for HashAlgo::ALL.iter().map(|a| html! { <option value={a.name()} selected={f.algo == Some(*a)}>{a.name()}</option> }) }
                            </select>
                        </label>
                    </div>
                    <TextField label="outputHash" value={f.hash.clone()} on={edit(SpecEdit::FixedHash)} error={err_for("fixed.hash")}
                        hint={Some(AttrValue::from("base16, nix32, base64 or SRI; with or without algo: prefix"))} />
                    if let Ok(forms) = forms {
                        <dl class="forms" aria-label="the hash in every form">
                            { for forms.into_iter().map(|(k, v)| html! { <><dt>{k}</dt><dd><code>{v}</code></dd></> }) }
                        </dl>
                    }
                </fieldset>
            }
        }
    };

    html! {
        <section class="panel editor" aria-labelledby={heading_id.clone()}>
            <h2 id={heading_id}>{key.clone()}</h2>
            if !general_errors.is_empty() {
                <div class="errors" role="alert">{ for general_errors.iter().map(|e| html! { <p>{e.clone()}</p> }) }</div>
            }
            if !lints.is_empty() {
                <div class="lints">{ for lints.iter().map(|l| html! { <p class="lint">{"⚠ "}{l.clone()}</p> }) }</div>
            }
            <div class={classes!("field", rename_msg.is_some().then_some("invalid"))}>
                <label for="f-key">{"key (used as ${key} in other derivations)"}</label>
                <input id="f-key" type="text" aria-label="key" value={key.clone()} onchange={on_rename} spellcheck="false"
                    aria-invalid={rename_msg.is_some().to_string()} aria-describedby="f-key-err" />
                if let Some(m) = rename_msg { <div class="fielderr" id="f-key-err" role="alert">{m}</div> }
            </div>
            <TextField label="name" value={spec.name.clone()} on={edit(SpecEdit::Name)} error={err_for("name")} />
            <TextField label="system" value={spec.system.clone()} on={edit(SpecEdit::System)} error={err_for("system")} />
            <TextField label="builder" value={spec.builder.clone()} on={edit(SpecEdit::Builder)} error={err_for("builder")} />
            <fieldset>
                <legend>{"args"}</legend>
                { for spec.args.iter().enumerate().map(|(i, a)| html! {
                    <div class="rowfield">
                        <TextField label={format!("args {i}")} value={a.clone()} on={edit_i(i, SpecEdit::Arg)} error={err_for(&format!("args.{i}"))} multiline={a.len() > 40 || a.contains('\n')} />
                        <button class="small" aria-label={format!("remove args {i}")} onclick={click(SpecEdit::RemoveArg(i))}>{"×"}</button>
                    </div>
                }) }
                <button class="small" onclick={click(SpecEdit::AddArg)}>{"+ arg"}</button>
            </fieldset>
            <fieldset>
                <legend>{"env (other attributes; ${key} or ${key.output} refers to another derivation)"}</legend>
                { for spec.env.iter().enumerate().map(|(i, (k, v))| html! {
                    <div class="rowfield env">
                        <TextField label={format!("env {i} name")} value={k.clone()} on={edit_i(i, SpecEdit::EnvKey)} error={err_for(&format!("env.{i}.key"))} />
                        <TextField label={format!("env {k}")} value={v.clone()} on={edit_i(i, SpecEdit::EnvValue)} error={err_for(&format!("env.{i}.value"))} />
                        <button class="small" aria-label={format!("remove env {k}")} onclick={click(SpecEdit::RemoveEnv(i))}>{"×"}</button>
                    </div>
                }) }
                <button class="small" onclick={click(SpecEdit::AddEnv)}>{"+ attribute"}</button>
            </fieldset>
            <TextField label="outputs" value={spec.output_names().join(" ")} on={edit(SpecEdit::Outputs)} error={err_for("outputs")}
                hint={Some(AttrValue::from("space-separated; the first is what ${key} means"))} />
            <p class="inputs">{"Input derivations: "}
                if inputs.is_empty() { {"none"} } else { { inputs.iter().cloned().collect::<Vec<_>>().join(", ") } }
            </p>
            <super::add_input::AddInput drv={key.clone()} />
            <super::sources::Sources drv={key.clone()} />
            if !spec.store_srcs.is_empty() {
                <fieldset class="store-srcs" aria-label="store paths used as sources">
                    <legend>{"Store paths used as sources (inputSrcs from an import; drvlab does not have their contents)"}</legend>
                    { for spec.store_srcs.iter().enumerate().map(|(i, s)| html! {
                        <div class="rowfield">
                            <code class="grow">{s.clone()}</code>
                            <button class="small" aria-label={format!("remove store source {i}")} onclick={click(SpecEdit::RemoveStoreSrc(i))}>{"×"}</button>
                            if let Some(e) = err_for(&format!("store_srcs.{i}")) { <div class="fielderr" role="alert">{e}</div> }
                        </div>
                    }) }
                </fieldset>
            }
            <div class="row switches">
                <label><input type="checkbox" aria-label="fixed-output" checked={spec.fixed.is_some()} onclick={click(SpecEdit::Fixed(spec.fixed.is_none()))} />{" fixed-output (outputHash)"}</label>
                <label><input type="checkbox" aria-label="content-addressed" checked={spec.content_addressed} onclick={click(SpecEdit::ContentAddressed(!spec.content_addressed))} />{" content-addressed (__contentAddressed)"}</label>
                <label><input type="checkbox" aria-label="impure" checked={spec.impure} onclick={click(SpecEdit::Impure(!spec.impure))} />{" impure (__impure)"}</label>
                <label><input type="checkbox" aria-label="structured attributes" checked={spec.structured_attrs} onclick={click(SpecEdit::StructuredAttrs(!spec.structured_attrs))} />{" structured attributes (__structuredAttrs: env becomes one __json)"}</label>
            </div>
            if let Some(e) = err_for("impure") { <div class="fielderr" role="alert">{e}</div> }
            if spec.structured_attrs || !spec.typed_env.is_empty() {
                <fieldset class="typed">
                    <legend>{"values that are not strings (JSON: numbers, true/false, null, lists, sets), written into __json"}</legend>
                    if let Some(e) = err_for("typed_env") { <div class="fielderr" role="alert">{e}</div> }
                    { for spec.typed_env.iter().enumerate().map(|(i, (k, v))| html! {
                        <div class="rowfield env">
                            <TextField label={format!("value {i} name")} value={k.clone()} on={edit_i(i, SpecEdit::TypedKey)} error={err_for(&format!("typed_env.{i}.key"))} />
                            <JsonField label={format!("value {k}")} value={v.clone()} drv={key.clone()} index={i} error={err_for(&format!("typed_env.{i}.value")).or_else(|| err_for(&format!("typed_env.{i}")))} />
                            <button class="small" aria-label={format!("remove value {k}")} onclick={click(SpecEdit::RemoveTyped(i))}>{"×"}</button>
                        </div>
                    }) }
                    <button class="small" onclick={click(SpecEdit::AddTyped)}>{"+ value"}</button>
                </fieldset>
            }
            {fixed_html}
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct JsonFieldProps {
    pub label: AttrValue,
    pub value: serde_json::Value,
    pub drv: AttrValue,
    pub index: usize,
    #[prop_or_default]
    pub error: Option<String>,
}

/// A JSON value typed as text: the text stays as typed, and only a value that parses is sent
/// to the reducer; until then the field says why it is not JSON.
#[function_component(JsonField)]
pub(super) fn json_field(p: &JsonFieldProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let shown = p.value.to_string();
    let text = use_state(|| shown.clone());
    let bad = use_state(|| None::<String>);
    {
        // A value changed elsewhere (undo, another edit) replaces what is typed.
        let (text, bad) = (text.clone(), bad.clone());
        use_effect_with(shown.clone(), move |s| {
            if serde_json::from_str::<serde_json::Value>(&text).ok().map(|v| v.to_string()).as_ref() != Some(s) {
                text.set(s.clone());
                bad.set(None);
            }
        });
    }
    let on = {
        let (text, bad, drv, i) = (text.clone(), bad.clone(), p.drv.to_string(), p.index);
        Callback::from(move |v: String| {
            text.set(v.clone());
            match serde_json::from_str::<serde_json::Value>(&v) {
                Ok(j) => {
                    bad.set(None);
                    ctx.dispatch(Action::Edit(drv.clone(), SpecEdit::TypedValue(i, j)));
                }
                Err(e) => bad.set(Some(format!("not JSON yet ({e}); the last valid value is used"))),
            }
        })
    };
    let error = (*bad).clone().or_else(|| p.error.clone());
    html! { <TextField label={p.label.clone()} value={(*text).clone()} {on} {error} /> }
}
