//! "Use an output of …": adds a reference to another derivation's output as an env attribute.
//! A small graph offers every output in a list; a big one (an imported closure of thousands)
//! a typed key with at most [`SUGGESTED`] suggestions, so the page never builds, and rebuilds on
//! every keystroke, a list of thousands (a 5,000-derivation chain's list was a fifth of its load).

use super::Ctx;
use crate::lab::playground::{input_choice, input_choices, Action, SpecEdit};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Up to this many outputs are offered as a list.
const LISTED: usize = 100;
/// Suggestions shown under a typed key in a big graph.
const SUGGESTED: usize = 20;

#[derive(Properties, PartialEq)]
pub struct AddInputProps {
    /// The derivation's key in the graph.
    pub drv: AttrValue,
}

#[function_component(AddInput)]
pub fn add_input(props: &AddInputProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let typed = use_state(String::new);
    let problem = use_state(|| None::<(String, String)>);
    let key = props.drv.to_string();
    let p = ctx.p();
    let count = input_choices(&p.specs, &key).take(LISTED + 1).count();
    let add = {
        let (ctx, key, problem, typed) = (ctx.clone(), key.clone(), problem.clone(), typed.clone());
        move |v: String| {
            if v.trim().is_empty() {
                return;
            }
            match input_choice(&ctx.p().specs, &key, &v) {
                Ok((k, o)) => {
                    problem.set(None);
                    typed.set(String::new());
                    ctx.dispatch(Action::Edit(key.clone(), SpecEdit::AddInput(k, o)))
                }
                Err(why) => problem.set(Some((key.clone(), format!("{:?} was not added: {why}", v.trim())))),
            }
        }
    };
    if count <= LISTED {
        let on_choose = Callback::from(move |e: Event| {
            let el = e.target_unchecked_into::<HtmlSelectElement>();
            let v = el.value();
            el.set_value("");
            add(v)
        });
        return html! {
            <div class="row">
                <label for="add-input">{"Use an output of "}</label>
                <select id="add-input" aria-label="use an output of another derivation" onchange={on_choose}>
                    <option value="" selected=true>{"choose…"}</option>
                    { for input_choices(&p.specs, &key).map(|v| html! { <option value={v.clone()}>{format!("${{{v}}}")}</option> }) }
                </select>
            </div>
        };
    }
    // Typing again answers the message about the last key.
    let on_input = {
        let (typed, problem) = (typed.clone(), problem.clone());
        Callback::from(move |e: InputEvent| {
            typed.set(e.target_unchecked_into::<HtmlInputElement>().value());
            if problem.is_some() {
                problem.set(None);
            }
        })
    };
    let on_change = Callback::from(move |e: Event| add(e.target_unchecked_into::<HtmlInputElement>().value()));
    let needle = typed.trim().trim_start_matches("${").to_string();
    let suggested: Vec<String> = if needle.is_empty() {
        vec![]
    } else {
        input_choices(&p.specs, &key).filter(|v| v.contains(needle.as_str())).take(SUGGESTED).collect()
    };
    let total = p.specs.len().saturating_sub(1);
    // A message about another derivation's field is not this one's.
    let problem = problem.as_ref().filter(|(k, _)| *k == key).map(|(_, m)| m.clone());
    html! {
        <div class="row">
            <label for="add-input">{"Use an output of "}</label>
            <input id="add-input" type="text" list="add-input-suggested" aria-label="use an output of another derivation"
                placeholder="a key, or key.output" value={(*typed).clone()} oninput={on_input} onchange={on_change}
                spellcheck="false" aria-invalid={problem.is_some().to_string()} aria-describedby="add-input-help" />
            <datalist id="add-input-suggested">
                { for suggested.iter().map(|v| html! { <option value={v.clone()}>{format!("${{{v}}}")}</option> }) }
            </datalist>
            <span class="muted" id="add-input-help">{format!("{total} other derivations: type a key (Enter adds it)")}</span>
            if let Some(m) = problem { <div class="fielderr" role="alert">{m}</div> }
        </div>
    }
}
