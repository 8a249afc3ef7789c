//! Compare: the graph against the scenario (or import) as loaded, or two pasted derivations —
//! a field-by-field diff, each difference joined to the paths it moves on its own.

use super::Ctx;
use crate::lab::diff::{diff_derivations, diff_specs, FieldDiff};
use crate::lab::playground::parse_one;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

fn table(diffs: &[FieldDiff]) -> Html {
    if diffs.is_empty() {
        return html! { <p class="muted">{"No differences."}</p> };
    }
    html! {
        <table class="diff">
            <thead><tr><th>{"derivation"}</th><th>{"field"}</th><th>{"before"}</th><th>{"after"}</th><th>{"moves, on its own"}</th></tr></thead>
            <tbody>{ for diffs.iter().map(|d| html! {
                <tr>
                    <td>{d.key.clone()}</td><td><code>{d.field.clone()}</code></td>
                    <td><code>{d.before.clone().unwrap_or_else(|| "—".into())}</code></td>
                    <td><code>{d.after.clone().unwrap_or_else(|| "—".into())}</code></td>
                    <td>{ if d.moves.is_empty() { "nothing".to_string() } else { d.moves.iter().map(|m| m.label()).collect::<Vec<_>>().join(", ") } }</td>
                </tr>
            }) }</tbody>
        </table>
    }
}

#[function_component(ComparePanel)]
pub fn compare_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let a = use_state(String::new);
    let b = use_state(String::new);
    let result = use_state(|| None::<Result<Vec<FieldDiff>, String>>);
    // Each difference is evaluated on its own against the whole graph: on a big graph (or one
    // with thousands of fields) that is seconds per keystroke, so it waits for a click.
    let big = p.specs.len() > 200 || p.specs.values().map(|s| s.args.len() + s.env.len()).sum::<usize>() > 2_000;
    let asked = use_state(|| false);
    let diffs = {
        let opts = p.options();
        let wanted = (!big || *asked).then(|| (p.base.clone(), p.specs.clone()));
        use_memo(wanted, move |w| w.as_ref().map(|(base, specs)| diff_specs(base, specs, &opts)))
    };
    let ask = {
        let asked = asked.clone();
        Callback::from(move |_: MouseEvent| asked.set(true))
    };
    let on = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| s.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let run = {
        let (a, b, result) = (a.clone(), b.clone(), result.clone());
        let opts = p.options();
        Callback::from(move |_: MouseEvent| {
            let r = parse_one(&a, &opts).map_err(|e| format!("A: {e}")).and_then(|da| {
                parse_one(&b, &opts)
                    .map_err(|e| format!("B: {e}"))
                    .map(|db| diff_derivations(&da, &db, &opts.store_dir))
            });
            result.set(Some(r));
        })
    };
    html! {
        <details class="panel compare-panel">
            <summary>{ match &*diffs {
                Some(d) => format!("Compare ({} from the original)", crate::lab::playground::plural(d.len(), "difference")),
                None => "Compare".to_string(),
            } }</summary>
            <h3>{"This graph against the scenario or import as loaded"}</h3>
            { match &*diffs {
                Some(d) => table(d),
                None => html! { <p class="muted">{"This graph is big, so it is not compared after every edit. "}
                    <button onclick={ask}>{"Compare it with the original now"}</button></p> },
            } }
            <h3>{"Two derivations"}</h3>
            <div class="two">
                <textarea aria-label="derivation A" rows="5" placeholder="A: .drv text or nix derivation show JSON" value={(*a).clone()} oninput={on(&a)} />
                <textarea aria-label="derivation B" rows="5" placeholder="B: .drv text or nix derivation show JSON" value={(*b).clone()} oninput={on(&b)} />
            </div>
            <button onclick={run}>{"Compare A and B"}</button>
            { match &*result {
                None => html! {},
                Some(Err(e)) => html! { <p class="err" role="alert">{e.clone()}</p> },
                Some(Ok(d)) => table(d),
            } }
        </details>
    }
}
