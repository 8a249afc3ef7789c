//! The code view: the graph as Nix code in an editor (a textarea under a highlighted overlay
//! from rnix's own tokens), evaluated in the page's Nix worker; errors at line and column; the
//! last good paths greyed while the code is invalid; beside each line, what its literals move.
//!
//! Thin: the state is the reducer's (`lab::code::CodeView`); this file only talks to the
//! worker (JSON strings both ways) and renders. The worker is a separate wasm module, started
//! the first time the view opens, and restarted when an evaluation runs too long.

use super::Ctx;
use crate::lab::code::{examples, request, CodeAction, CodeView, SweepRow, WorkerState};
use crate::lab::playground::Action;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// How long one evaluation (or sweep) may take before the worker is stopped and restarted.
const EVAL_TIMEOUT_MS: i32 = 4_000;
const SWEEP_TIMEOUT_MS: i32 = 15_000;
/// Typing pauses this long before the code is evaluated.
const DEBOUNCE_MS: i32 = 150;

const CSS: &str = r#"
.code-view .code-wrap { display: flex; border: 1px solid var(--line, #8884); border-radius: 6px; overflow: auto; max-height: 34rem; background: var(--code-bg, #fbfbf8); }
.code-view .gutter { flex: none; padding: .5rem .25rem .5rem .4rem; text-align: right; user-select: none; border-right: 1px solid #8883; }
.code-view .gutter div, .code-view .code-layer { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.code-view .gutter div { height: 1.45em; white-space: nowrap; color: #888; }
.code-view .gutter .mark { display: inline-block; min-width: 1.3em; text-align: center; cursor: help; border-radius: 3px; margin-right: .25em; }
.code-view .gutter .mark.out { background: #d9480f; color: #fff; }
.code-view .gutter .mark.drv { background: #f59f00; color: #000; }
.code-view .gutter .mark.none { color: #2b8a3e; }
.code-view .gutter .mark.broken { color: #c92a2a; }
.code-view .editor { position: relative; flex: 1; min-width: 0; }
.code-view .code-layer { margin: 0; padding: .5rem; white-space: pre; tab-size: 2; border: 0; box-sizing: border-box; }
.code-view pre.code-layer { position: absolute; inset: 0 auto auto 0; pointer-events: none; color: #222; }
.code-view textarea.code-layer { position: relative; display: block; resize: none; overflow: hidden; background: transparent; color: transparent; caret-color: #000; outline: none; width: 100%; }
.code-view .t-keyword { color: #7b2cbf; font-weight: 600; }
.code-view .t-string { color: #2b7a0b; }
.code-view .t-number { color: #b35900; }
.code-view .t-path { color: #0b6e99; }
.code-view .t-comment { color: #888; font-style: italic; }
.code-view .t-attr { color: #1c4fa0; }
.code-view .t-interp { color: #c2255c; }
.code-view .t-error, .code-view .code-err { text-decoration: wavy underline #e03131; background: #ffe3e3; }
.code-view .lit-sel { background: #fff3bf; outline: 1px solid #f59f00; }
.code-view .code-status { margin: .3rem 0; }
.code-view .code-error { color: #c92a2a; font-weight: 600; }
.code-view .code-paths.stale, .layout.code-stale { opacity: .45; filter: grayscale(1); }
.code-view .code-paths td { font: 12px ui-monospace, monospace; padding: 0 .5em; word-break: break-all; }
.code-view .literal-info { background: #fff9db; border-left: 3px solid #f59f00; padding: .3rem .5rem; }
.code-view .prelude pre { font-size: 12px; max-height: 20rem; overflow: auto; }
@media (prefers-color-scheme: dark) {
  .code-view .code-wrap { background: #1d1f21; }
  .code-view pre.code-layer { color: #ddd; }
  .code-view textarea.code-layer { caret-color: #fff; }
  .code-view .t-string { color: #8fd36b; } .code-view .t-keyword { color: #c89bff; } .code-view .t-attr { color: #7fb2ff; }
  .code-view .t-number { color: #ffb86b; } .code-view .t-path { color: #6bd3ff; }
  .code-view .lit-sel, .code-view .literal-info { background: #4a3d00; }
}
"#;

/// The worker and its watchdog, kept across renders.
#[derive(Default)]
struct Link {
    worker: Option<web_sys::Worker>,
    watchdog: Option<i32>,
    debounce: Option<i32>,
    /// Closures the worker and timers call; kept alive while the worker lives.
    keep: Vec<Closure<dyn FnMut(JsValue)>>,
    timers: Vec<Closure<dyn FnMut()>>,
    /// The generation last sent for evaluation, and last sent for a sweep.
    sent_eval: u64,
    sent_sweep: u64,
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn clear_timer(id: &mut Option<i32>) {
    if let (Some(w), Some(t)) = (window(), id.take()) {
        w.clear_timeout_with_handle(t);
    }
}

fn start_worker(link: &Rc<RefCell<Link>>, ctx: &Ctx) {
    let Ok(worker) = web_sys::Worker::new("./drvlab-nix-worker_loader.js") else {
        ctx.dispatch(Action::Code(CodeAction::WorkerFailed("this browser could not start a Web Worker".into())));
        return;
    };
    ctx.dispatch(Action::Code(CodeAction::WorkerLoading));
    let on_message = {
        let (ctx, link) = (ctx.clone(), link.clone());
        Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let data = e.unchecked_into::<web_sys::MessageEvent>().data().as_string().unwrap_or_default();
            clear_timer(&mut link.borrow_mut().watchdog);
            if data == "{\"op\":\"ready\"}" {
                ctx.dispatch(Action::Code(CodeAction::WorkerReady));
            } else {
                ctx.dispatch(Action::Code(CodeAction::Answer(data)));
            }
        })
    };
    let on_error = {
        let (ctx, link) = (ctx.clone(), link.clone());
        Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
            stop_worker(&link);
            ctx.dispatch(Action::Code(CodeAction::WorkerFailed(
                "the Nix evaluator stopped with an internal error (it was restarted; edit the code to evaluate it again)".into(),
            )));
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut l = link.borrow_mut();
    l.keep = vec![on_message, on_error];
    l.worker = Some(worker);
    // What was sent before a restart is not sent again (it may be what stopped the last one):
    // the next edit is.
}

fn stop_worker(link: &Rc<RefCell<Link>>) {
    let mut l = link.borrow_mut();
    if let Some(w) = l.worker.take() {
        w.terminate();
    }
    clear_timer(&mut l.watchdog);
    l.keep.clear();
}

/// Posts a request and arms the watchdog: no answer in time terminates the worker (a runaway
/// program never freezes the tab) and says so.
fn post(link: &Rc<RefCell<Link>>, ctx: &Ctx, op: &'static str, id: u64, code: &str) {
    let Some(worker) = link.borrow().worker.clone() else { return };
    if worker.post_message(&JsValue::from_str(&request(op, id, code))).is_err() {
        return;
    }
    let (ctx2, link2) = (ctx.clone(), link.clone());
    let limit = if op == "sweep" { SWEEP_TIMEOUT_MS } else { EVAL_TIMEOUT_MS };
    let fire = Closure::<dyn FnMut()>::new(move || {
        link2.borrow_mut().watchdog = None;
        stop_worker(&link2);
        if op == "sweep" {
            // The code evaluated: its paths stand; only the marks are missing.
            let msg = format!(
                "the per-literal marks took longer than {} s and were stopped (each literal is a whole evaluation; a long program has many)",
                limit / 1000
            );
            ctx2.dispatch(Action::Code(CodeAction::SweepStopped(msg)));
            return;
        }
        let msg = format!(
            "the evaluation took longer than {} s and was stopped (the evaluator was restarted; edit the code to evaluate it again); look for a loop that never ends",
            limit / 1000
        );
        ctx2.dispatch(Action::Code(CodeAction::WorkerFailed(msg)));
    });
    let mut l = link.borrow_mut();
    clear_timer(&mut l.watchdog);
    l.watchdog = window().and_then(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(fire.as_ref().unchecked_ref(), limit).ok()
    });
    l.timers.push(fire);
    if l.timers.len() > 8 {
        l.timers.remove(0);
    }
}

/// Byte offset of a UTF-16 offset (what a textarea's selection reports).
fn byte_of_utf16(text: &str, u: u32) -> usize {
    let mut n = 0u32;
    for (i, c) in text.char_indices() {
        if n >= u {
            return i;
        }
        n += c.len_utf16() as u32;
    }
    text.len()
}

/// The highlighted overlay: rnix's tokens (when they are for this text), the error's span and
/// the selected literal marked.
fn highlighted(v: &CodeView, selected: Option<(usize, usize)>) -> Html {
    let text = &v.text;
    let current = v.answer.as_ref().filter(|a| a.id == v.generation);
    let tokens: Vec<(usize, usize, String)> = current.map(|a| a.tokens.clone()).unwrap_or_default();
    let err = v.error().filter(|e| e.file.is_none() && e.line > 0).map(|e| {
        let end = if e.end > e.start { e.end } else { (e.start + 1).min(text.len()) };
        (e.start, end)
    });
    let out = crate::lab::code::highlight_spans(text, &tokens, err, selected).into_iter().map(|(a, b, c)| {
        let s = text.get(a..b).unwrap_or_default().to_string();
        if c.is_empty() {
            html! { {s} }
        } else {
            html! { <span class={c}>{s}</span> }
        }
    });
    // A final newline needs something after it to take up its line.
    html! { <pre class="code-layer" aria-hidden="true">{ for out }{" "}</pre> }
}

fn mark_for(rows: &[&SweepRow], text: &str) -> Html {
    let moves_out = rows.iter().any(|r| r.moved.iter().any(|m| !m.ends_with(".drv")));
    let moves_drv = rows.iter().any(|r| !r.moved.is_empty());
    let broken = rows.iter().all(|r| r.error.is_some());
    let (class, sym) = if moves_out {
        ("mark out", "●")
    } else if moves_drv {
        ("mark drv", "◐")
    } else if broken {
        ("mark broken", "✕")
    } else {
        ("mark none", "○")
    };
    let title: Vec<String> = rows
        .iter()
        .map(|r| format!("{}: {}", text.get(r.start..r.end).unwrap_or_default().trim(), r.sentence()))
        .collect();
    html! { <span class={class} title={title.join("\n")} data-testid="line-mark">{sym}</span> }
}

#[function_component(CodePanel)]
pub fn code_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let v = &p.code;
    let link = use_mut_ref(Link::default);

    // Start the worker the first time the view opens (and again after it was stopped).
    {
        let (ctx, link) = (ctx.clone(), link.clone());
        let want = v.open && matches!(v.worker, WorkerState::NotStarted | WorkerState::Failed(_));
        let generation = v.generation;
        use_effect_with((want, generation), move |(want, _)| {
            if *want {
                if link.borrow().worker.is_some() {
                    // A live worker the state does not know (a scenario switch began a new
                    // code view): its generations mean nothing to the new view. Start afresh,
                    // or the view waited for "ready" forever.
                    stop_worker(&link);
                    let mut l = link.borrow_mut();
                    (l.sent_eval, l.sent_sweep) = (0, 0);
                }
                start_worker(&link, &ctx);
            }
        });
    }
    // Evaluate the current text (debounced); then sweep it.
    {
        let (ctx, link) = (ctx.clone(), link.clone());
        let ready = v.open && v.worker == WorkerState::Ready;
        let answered_ok =
            v.answer.as_ref().is_some_and(|a| a.id == v.generation && a.error.is_none()) && v.good.is_some();
        let swept = v.sweep.as_ref().is_some_and(|s| s.id == v.generation);
        let (generation, text) = (v.generation, v.text.clone());
        use_effect_with((ready, generation, answered_ok, swept), move |(ready, generation, answered_ok, swept)| {
            let (ready, generation, answered_ok, swept) = (*ready, *generation, *answered_ok, *swept);
            if ready {
                let sent = link.borrow().sent_eval;
                if sent != generation {
                    let mut l = link.borrow_mut();
                    clear_timer(&mut l.debounce);
                    let (ctx2, link2, text2) = (ctx.clone(), link.clone(), text.clone());
                    let fire = Closure::<dyn FnMut()>::new(move || {
                        link2.borrow_mut().debounce = None;
                        link2.borrow_mut().sent_eval = generation;
                        post(&link2, &ctx2, "eval", generation, &text2);
                    });
                    let delay = if sent == 0 { 0 } else { DEBOUNCE_MS };
                    l.debounce = window().and_then(|w| {
                        w.set_timeout_with_callback_and_timeout_and_arguments_0(fire.as_ref().unchecked_ref(), delay)
                            .ok()
                    });
                    l.timers.push(fire);
                } else if answered_ok && !swept && link.borrow().sent_sweep != generation {
                    link.borrow_mut().sent_sweep = generation;
                    post(&link, &ctx, "sweep", generation, &text);
                }
            }
        });
    }

    if !v.open {
        let open = {
            let ctx = ctx.clone();
            // The code is written on the click, not on every render (for a 5,000-derivation graph
            // that was 10–25 ms of each keystroke, with the view closed).
            Callback::from(move |_| {
                let p = ctx.p();
                // One action: the selector names the example the text is (not "the graph as code").
                match p.scenario.as_ref().and_then(|s| examples::for_scenario(s.id)) {
                    Some(e) => ctx.dispatch(Action::Code(CodeAction::OpenExample(e.id.to_string()))),
                    None => ctx.dispatch(Action::Code(CodeAction::Open(crate::lab::code::code_for_graph(&p.specs)))),
                }
            })
        };
        let restore = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::Code(CodeAction::Restore)))
        };
        return html! {
            <section class="panel code-view" aria-label="Nix code">
                <div class="row">
                    <button data-testid="open-code" onclick={open}>{"Open the code view"}</button>
                    if v.kept.is_some() {
                        <button data-testid="code-restore" onclick={restore}>{"Bring back my code"}</button>
                        <span class="notice" role="status">{"the Nix code you typed before the switch is kept"}</span>
                    }
                    <span class="muted">{"the graph as Nix code: edit it or paste your own, evaluated in your browser; beside each line, which paths its literals move"}</span>
                </div>
            </section>
        };
    }

    let dispatch = |a: CodeAction| ctx.dispatch(Action::Code(a));
    let on_input = {
        let ctx = ctx.clone();
        Callback::from(move |e: InputEvent| {
            let t: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            ctx.dispatch(Action::Code(CodeAction::Edit(t.value())));
        })
    };
    // Selecting (or putting the caret in) a literal shows what it moves.
    let rows: Vec<SweepRow> = v.sweep.as_ref().and_then(|s| s.sweep.clone()).map(|s| s.rows).unwrap_or_default();
    let swept_now = v.sweep.as_ref().is_some_and(|s| s.id == v.generation);
    let on_caret = {
        let (ctx, text, rows) = (ctx.clone(), v.text.clone(), rows.clone());
        Callback::from(move |e: Event| {
            let t: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            let at = t.selection_start().ok().flatten().map(|u| byte_of_utf16(&text, u));
            let hit = at.and_then(|b| rows.iter().position(|r| r.start <= b && b <= r.end));
            ctx.dispatch(Action::Code(CodeAction::SelectLiteral(hit)));
        })
    };
    let on_key = {
        let cb = on_caret.clone();
        Callback::from(move |e: KeyboardEvent| cb.emit(e.into()))
    };
    let on_click = {
        let cb = on_caret.clone();
        Callback::from(move |e: MouseEvent| cb.emit(e.into()))
    };
    let on_example = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if !s.value().is_empty() {
                ctx.dispatch(Action::Code(CodeAction::Example(s.value())));
            }
        })
    };
    let close = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::Code(CodeAction::Close)))
    };
    let restore = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::Code(CodeAction::Restore)))
    };
    let _ = dispatch;

    let selected_row = v.selected_literal.filter(|_| swept_now).and_then(|i| rows.get(i));
    let lines = v.text.split('\n').count();
    let width = v.text.split('\n').map(|l| l.chars().count()).max().unwrap_or(0) + 2;
    let marks = if swept_now { v.marks() } else { Default::default() };
    let gutter = (1..=lines).map(|n| {
        let m = marks.get(&n).map(|rows| mark_for(rows, &v.text));
        html! { <div data-line={n.to_string()}>{ for m }{n}</div> }
    });
    let error = v.error().cloned();
    let pending = v.pending();
    let stale = error.is_some() || pending;
    let status = match (&v.worker, &error) {
        (WorkerState::NotStarted | WorkerState::Loading, _) => {
            html! { <p class="code-status muted" data-testid="code-status" role="status">{"loading the Nix evaluator…"}</p> }
        }
        (_, Some(e)) => {
            html! { <p class="code-status code-error" data-testid="code-error" role="alert">{e.describe()}</p> }
        }
        _ if pending => {
            html! { <p class="code-status muted" data-testid="code-status" role="status">{"evaluating…"}</p> }
        }
        _ => {
            let ms = v.answer.as_ref().map_or(0.0, |a| a.ms);
            let sweep = match v.sweep.as_ref().filter(|s| s.id == v.generation) {
                Some(s) if s.sweep.as_ref().is_some_and(|x| x.error.is_some() && x.rows.is_empty()) => {
                    format!("; {}", s.sweep.as_ref().and_then(|x| x.error.clone()).unwrap_or_default())
                }
                Some(s) => {
                    let (done, total) = s.sweep.as_ref().map_or((0, 0), |x| (x.rows.len(), x.total));
                    if total > done {
                        format!(
                            "; its first {done} of {total} literals perturbed and re-evaluated in {:.0} ms (the marks stop there: the sweep stops after {:.0} s so the evaluator stays free for your edits)",
                            s.ms,
                            s.sweep.as_ref().map_or(0.0, |x| x.limit_ms) / 1000.0
                        )
                    } else {
                        format!("; each of its {done} literals perturbed and re-evaluated in {:.0} ms", s.ms)
                    }
                }
                None => "; sweeping its literals…".into(),
            };
            let called = v.answer.as_ref().map(|a| a.called_with.clone()).unwrap_or_default();
            let called = if called.is_empty() {
                String::new()
            } else {
                format!(" (a package function: called as callPackage would, with the prelude's {})", called.join(", "))
            };
            html! { <p class="code-status muted" data-testid="code-status" role="status">{format!("evaluated in the Nix worker in {ms:.1} ms{sweep}{called}")}</p> }
        }
    };
    let paths = p.computed.paths();
    let sel_span = selected_row.map(|r| (r.start, r.end));
    html! {
        <section class="panel code-view" aria-label="Nix code" data-testid="code-view">
            <style>{CSS}</style>
            <div class="row">
                <h2>{"Nix code"}</h2>
                <label>{"Examples from the seeds: "}
                    <select onchange={on_example} data-testid="code-example">
                        <option value="" selected={v.example.is_none()}>{"(the graph as code)"}</option>
                        { for examples::EXAMPLES.iter().map(|e| html! {
                            <option value={e.id} selected={v.example.as_deref() == Some(e.id)}>{e.title}</option>
                        }) }
                    </select>
                </label>
                if v.kept.is_some() {
                    <button class="small" data-testid="code-restore" onclick={restore}>{"Bring back my code"}</button>
                }
                <button class="small" onclick={close}>{"Close the code view"}</button>
            </div>
            <p class="muted">{"Edit the code or paste your own (no nixpkgs: import ./prelude.nix for a stand-in). Marks beside each line: what perturbing each literal on it moves — ● an output path, ◐ only .drv paths, ○ nothing, ✕ the code no longer evaluates. Put the caret in a literal for the sentence."}</p>
            { status }
            if let Some(n) = &v.note { <p class="notice" role="status" data-testid="code-note">{n.clone()}</p> }
            <div class="code-wrap">
                <div class="gutter" aria-hidden="true">{ for gutter }</div>
                <div class="editor">
                    { highlighted(v, sel_span) }
                    <textarea class="code-layer" data-testid="code-input" aria-label="Nix code" spellcheck="false" wrap="off"
                        rows={lines.to_string()} style={format!("min-width: {width}ch")}
                        value={v.text.clone()} oninput={on_input} onkeyup={on_key} onclick={on_click} onselect={on_caret} />
                </div>
            </div>
            if let Some(r) = selected_row {
                <p class="literal-info" data-testid="literal-info" role="status">
                    <code>{v.text.get(r.start..r.end).unwrap_or_default().to_string()}</code>{": "}{r.sentence()}
                </p>
            }
            <table class={classes!("code-paths", stale.then_some("stale"))} data-testid="code-paths">
                <caption>{ if stale { "the last good paths (greyed until the code evaluates)" } else { "the paths this code instantiates, computed by the engine" } }</caption>
                <tbody>
                { for paths.iter().map(|(id, path)| html! {
                    <tr><td>{id.label()}</td><td>{path.clone().unwrap_or_else(|| "unknown until built".into())}</td></tr>
                }) }
                </tbody>
            </table>
            <details class="prelude">
                <summary>{"prelude.nix — a stand-in for nixpkgs, in plain Nix (real nixpkgs gives other paths)"}</summary>
                <pre>{examples::PRELUDE}</pre>
            </details>
        </section>
    }
}
