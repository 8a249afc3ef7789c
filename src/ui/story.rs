//! The scenario's story: its words, the suggested edit and each follow-up, each with the
//! sentence the engine computed for it and a button that performs it.

use super::Ctx;
use crate::lab::playground::{Action, Suggested};
use crate::lab::scenarios::Step;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StoryProps {
    /// An exercise is being predicted: nothing may give the answer away.
    pub predicting: bool,
}

/// Scrolls the first element `selector` matches into view, as little as needed (opening the
/// `<details>` it is in).
fn scroll_into_view(selector: &str) {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten())
    else {
        return;
    };
    // Inside a closed <details>, nothing shows: open it.
    if let Ok(Some(d)) = el.closest("details") {
        let _ = d.set_attribute("open", "");
    }
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"block".into(), &"nearest".into());
    if let Ok(f) = js_sys::Reflect::get(&el, &"scrollIntoView".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = f.call1(&el, &opts);
    }
}

/// Where the page shows what a step points at.
fn target_of(step: Step, lint: bool) -> &'static str {
    match step {
        Step::Select(_) if lint => "section.editor .lints",
        Step::Select(_) => "section.editor",
        Step::Build(_) => "details.sim pre.log",
        Step::Edit(..) => "section.change",
    }
}

/// What a follow-up's button does, beside it.
fn hint(step: Step) -> &'static str {
    match step {
        Step::Edit(..) => "starts from the steps above, done; Undo takes it back",
        Step::Build(_) => "starts from the steps above, done, and builds in the toy store below",
        Step::Select(_) => "starts from the steps above, done, and shows its lint",
    }
}

/// The computed outcome of one step, as the story shows it: the verdict and the moves, then
/// what they mean, in a paragraph of its own.
fn computed(sg: &Suggested, what: &str, testid: String) -> Html {
    let stop = |t: &str| if t.ends_with('.') { "" } else { "." };
    html! {
        <div class="computed" data-testid={testid}>
            <p><strong>{format!("{what}, computed: ")}</strong>
                <span class="verdict">{sg.verdict.clone()}</span>{stop(&sg.verdict)}
                if !sg.moves.is_empty() { {" "}{sg.moves.clone()}{stop(&sg.moves)} }
            </p>
            if let Some(m) = &sg.meaning { <p class="meaning">{m.clone()}</p> }
        </div>
    }
}

#[function_component(Story)]
pub fn story(props: &StoryProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    // After a step, what it points at is brought into view once rendered: (clicks, selector).
    let pending = use_state(|| (0u32, ""));
    {
        let sel = pending.1;
        use_effect_with(pending.0, move |_| {
            if !sel.is_empty() {
                scroll_into_view(sel);
            }
        });
    }
    // A lint the story points at stays on screen when its derivation is selected, however it
    // was selected (the graph, the list, the follow-up's button).
    {
        let points = p.scenario.as_ref().is_some_and(|s| s.then.iter().any(|f| f.lint && f.show == p.selected));
        use_effect_with((p.selected.clone(), points), move |(_, points)| {
            if *points {
                scroll_into_view("section.editor .lints");
            }
        });
    }
    let Some(s) = p.scenario.clone() else { return html! {} };
    let button = |i: usize, step: Step, lint: bool, title: &'static str| {
        let ctx = ctx.clone();
        let pending = pending.clone();
        let onclick = Callback::from(move |_| {
            ctx.dispatch(Action::TryStep(i));
            pending.set((pending.0 + 1, target_of(step, lint)));
        });
        html! {
            <div class="row">
                <button {onclick} {title} data-testid={format!("step-{i}")}>
                    {format!("{}: {}", if i == 0 { "Do it for me" } else { "Next, do it for me" }, step.label())}</button>
                <span class="muted">{title}</span>
            </div>
        }
    };
    let first = s.step(0).expect("a scenario has a suggested edit");
    let sg = p.suggested.clone();
    html! {
        <section class="story" aria-label="scenario">
            <h2>{s.title}</h2>
            <p>{s.story}</p>
            <p class="try"><strong>{"Try this: "}</strong>{s.try_this}</p>
            if !props.predicting {
                if let Some(sg) = &sg { { computed(sg, "The suggested edit", "suggested-outcome".into()) } }
                { button(0, first, false, "performs the suggested edit with its value; Undo takes it back") }
            }
            { for s.then.iter().enumerate().map(|(j, f)| html! {
                <div class="followup">
                    <p class="try">{f.words}</p>
                    if !props.predicting {
                        if let Some(o) = sg.as_ref().and_then(|sg| sg.then.get(j)) { { computed(o, "This step", format!("followup-outcome-{}", j + 1)) } }
                        { button(j + 1, f.step, f.lint, hint(f.step)) }
                    }
                </div>
            }) }
        </section>
    }
}
