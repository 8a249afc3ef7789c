//! After each edit: which paths moved, which stayed, and what that means in real Nix.

use super::Ctx;
use crate::lab::playground::{account, Fate};
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
            { for lines.iter().enumerate().map(|(i, l)| if i == 0 {
                html! { <p class="verdict" data-testid="verdict"><strong>{l.clone()}</strong></p> }
            } else {
                html! { <p>{l.clone()}</p> }
            }) }
            <table class="moves">
                <thead><tr><th>{"path"}</th><th>{"before → after"}</th></tr></thead>
                <tbody>
                { for change.changes.iter().map(|c| {
                    let fate = change.fate(c, &p.specs);
                    let (class, word) = match fate {
                        Fate::Moved => ("moved", " — moved"),
                        Fate::Stayed if c.before.is_none() && c.after.is_none() => ("unknown", " — unknown until built"),
                        Fate::Stayed => ("stays", " — stays"),
                        Fate::Added => ("added", " — new"),
                        Fate::Removed => ("removed", " — gone"),
                    };
                    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
                    html! {
                        <tr class={class}>
                            <td>{c.id.label()}{word}</td>
                            <td>{ match fate {
                                Fate::Added => html! { <code>{shown(&c.after)}</code> },
                                Fate::Moved => html! { <><code>{shown(&c.before)}</code><br/><code>{"→ "}{shown(&c.after)}</code></> },
                                _ => html! { <code>{shown(&c.before)}</code> },
                            } }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </section>
    }
}
