//! After each edit: which paths moved, which stayed, and what that means in real Nix.

use super::Ctx;
use crate::lab::playground::{account, Fate};
use yew::prelude::*;

/// Rows of the table drawn at most.
const MAX_ROWS: usize = 60;

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
    // A big graph's change has thousands of paths: the rows drawn are those that moved, were
    // added or removed first, at most MAX_ROWS, and the rest are counted.
    let mut shown: Vec<(&crate::lab::explain::PathChange, Fate)> =
        change.changes.iter().map(|c| (c, change.fate(c, &p.specs))).collect();
    // (A big graph's change does not list the paths of derivations the edit cannot reach.)
    let mut left_out = change.unlisted;
    if shown.len() > MAX_ROWS {
        shown.sort_by_key(|(_, f)| matches!(f, Fate::Stayed));
        left_out += shown.len() - MAX_ROWS;
        shown.truncate(MAX_ROWS);
    }
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
                { for shown.iter().map(|&(c, fate)| {
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
            if left_out > 0 {
                <p class="muted" data-testid="change-more">{format!("and {left_out} more paths, not listed")}</p>
            }
        </section>
    }
}
