//! After each edit: which paths moved, which stayed, and what that means in real Nix.

use super::Ctx;
use crate::playground::account;
use yew::prelude::*;

#[function_component(ChangePanel)]
pub fn change_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let Some(change) = &p.last_change else {
        return html! {
            <section class="panel change" aria-label="what the last edit did" aria-live="polite">
                <h2>{"What moved"}</h2>
                <p class="muted">{"Edit any field: every path is recomputed, and this panel says which moved and why."}</p>
            </section>
        };
    };
    let lines = account(change, &p.computed, &p.specs);
    html! {
        <section class="panel change" aria-label="what the last edit did" aria-live="polite">
            <h2>{"What moved"}</h2>
            { for lines.iter().map(|l| html! { <p>{l.clone()}</p> }) }
            <table class="moves">
                <thead><tr><th>{"path"}</th><th>{"before → after"}</th></tr></thead>
                <tbody>
                { for change.changes.iter().map(|c| html! {
                    <tr class={if c.moved() { "moved" } else { "stays" }}>
                        <td>{c.id.label()}{if c.moved() { " — moved" } else { " — stays" }}</td>
                        <td><code>{c.before.clone().unwrap_or_else(|| "unknown".into())}</code>
                            if c.moved() { <br/><code>{"→ "}{c.after.clone().unwrap_or_else(|| "unknown".into())}</code> }</td>
                    </tr>
                }) }
                </tbody>
            </table>
        </section>
    }
}
