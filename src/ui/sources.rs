//! The selected derivation's sources: `builtins.toFile` texts and small directories added with
//! `builtins.path`, each with the store path the engine made of it. Editing an entry's contents
//! or its executable bit moves that path, and with it every path of the derivation.

use super::editor::TextField;
use super::{Ctx, Pipeline};
use crate::lab::playground::{Action, SpecEdit};
use drvlab_engine::nar::FileKind;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SourcesProps {
    /// The derivation's key in the graph.
    pub drv: AttrValue,
}

#[function_component(Sources)]
pub fn sources(props: &SourcesProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let key = props.drv.to_string();
    let Some(spec) = p.specs.get(&key) else { return html! {} };
    let computed = ctx.computed();
    let errors = computed.errors_for(&key);
    let err_for = |field: String| errors.iter().find(|e| e.field == field).map(|e| e.message.clone());
    // The path each source became: from this computation, or the last good one (greyed).
    let became = |attr: &str| -> Option<(String, bool)> {
        let now = computed.eval.resolution.entries.get(&key).and_then(|r| r.drv.env.get(attr));
        let before = || p.last_good.eval.resolution.entries.get(&key).and_then(|r| r.drv.env.get(attr));
        now.map(|v| (v.clone(), false)).or_else(|| before().map(|v| (v.clone(), true)))
    };
    let send = |e: SpecEdit| {
        let ctx = ctx.clone();
        let key = key.clone();
        move || ctx.dispatch(Action::Edit(key.clone(), e.clone()))
    };
    let click = |e: SpecEdit| {
        let f = send(e);
        Callback::from(move |_: MouseEvent| f())
    };
    let typed = |mk: Box<dyn Fn(String) -> SpecEdit>| {
        let ctx = ctx.clone();
        let key = key.clone();
        Callback::from(move |v: String| ctx.dispatch(Action::Edit(key.clone(), mk(v))))
    };
    let items = spec.sources.iter().enumerate().map(|(i, s)| {
        let path_line = match became(&s.attr) {
            Some((path, stale)) => html! {
                <div class={classes!("pathline", stale.then_some("stale"))}>
                    <span class="lbl">{format!("${{{}}} =", s.attr)}</span>
                    <code data-testid={format!("source-path-{i}")}>{path}</code>
                </div>
            },
            None => html! {},
        };
        let name = html! {
            <TextField label={format!("source {} {} name", s.attr, if s.tree.is_some() { "directory" } else { "file" })}
                value={s.name.clone()} on={typed(Box::new(move |v| SpecEdit::SourceName(i, v)))}
                error={err_for(format!("sources.{i}.name"))} />
        };
        let body = match &s.tree {
            None => html! {
                <TextField label={format!("source {} contents", s.attr)} value={s.contents.clone()}
                    on={typed(Box::new(move |v| SpecEdit::SourceContents(i, v)))} multiline=true />
            },
            Some(files) => {
                let entries = files.iter().enumerate().map(|(j, f)| {
                    let on_kind = {
                        let ctx = ctx.clone();
                        let key = key.clone();
                        Callback::from(move |e: Event| {
                            let kind = match e.target_unchecked_into::<HtmlSelectElement>().value().as_str() {
                                "executable" => FileKind::Executable,
                                "symlink" => FileKind::Symlink,
                                _ => FileKind::Regular,
                            };
                            ctx.dispatch(Action::Edit(key.clone(), SpecEdit::TreeKind(i, j, kind)))
                        })
                    };
                    let dir_only = f.path.ends_with('/');
                    let what = format!("source {} entry {}", s.attr, j + 1);
                    html! {
                        <li class="entry">
                            <TextField label={format!("{what} path")} value={f.path.clone()}
                                on={typed(Box::new(move |v| SpecEdit::TreePath(i, j, v)))}
                                error={err_for(format!("sources.{i}.tree.{j}.path"))}
                                hint={dir_only.then(|| AttrValue::from("ends in /: an empty directory"))} />
                            if !dir_only {
                                <div class="row">
                                    <label for={format!("kind-{i}-{j}")}>{"kind "}</label>
                                    <select id={format!("kind-{i}-{j}")} aria-label={format!("{what} kind")} onchange={on_kind}>
                                        <option value="regular" selected={f.kind == FileKind::Regular}>{"file"}</option>
                                        <option value="executable" selected={f.kind == FileKind::Executable}>{"executable file"}</option>
                                        <option value="symlink" selected={f.kind == FileKind::Symlink}>{"symlink"}</option>
                                    </select>
                                    <button class="small" onclick={click(SpecEdit::RemoveTreeFile(i, j))} aria-label={format!("remove {what}")}>{"remove"}</button>
                                </div>
                                <TextField label={if f.kind == FileKind::Symlink { format!("{what} link target") } else { format!("{what} contents") }}
                                    value={f.contents.clone()} on={typed(Box::new(move |v| SpecEdit::TreeContents(i, j, v)))}
                                    multiline={f.kind != FileKind::Symlink} />
                            } else {
                                <button class="small" onclick={click(SpecEdit::RemoveTreeFile(i, j))} aria-label={format!("remove {what}")}>{"remove"}</button>
                            }
                        </li>
                    }
                });
                html! {
                    <>
                        <ul class="tree" aria-label={format!("entries of {}", s.attr)}>{ for entries }</ul>
                        <button class="small" onclick={click(SpecEdit::AddTreeFile(i))}>{format!("+ entry in {}", s.attr)}</button>
                    </>
                }
            }
        };
        let kind = if s.tree.is_some() {
            "builtins.path: a source path, sha256 of the directory's NAR (executable bits and symlinks included), never with references"
        } else {
            "builtins.toFile: a text path; ${attr} of an earlier source puts that path in the text and makes it a reference"
        };
        html! {
            <div class="source">
                {name}
                <p class="hint">{kind}</p>
                {body}
                {path_line}
                if let Some(t) = computed.sources.get(&key).and_then(|v| v.get(i)).cloned().flatten() {
                    <details class="how">
                        <summary>{format!("how? ({} path)", if s.tree.is_some() { "source" } else { "text" })}</summary>
                        <Pipeline trace={t} title={format!("how {} became its path", s.attr)} />
                    </details>
                }
                <button class="small" onclick={click(SpecEdit::RemoveSource(i))}>{format!("remove {}", s.attr)}</button>
            </div>
        }
    });
    html! {
        <fieldset>
            <legend>{"Sources (each becomes a store path in env and inputSrcs)"}</legend>
            { for items }
            <div class="row">
                <button class="small" onclick={click(SpecEdit::AddSource)}>{"+ text file (toFile)"}</button>
                <button class="small" onclick={click(SpecEdit::AddDirSource)}>{"+ directory (builtins.path)"}</button>
            </div>
        </fieldset>
    }
}
