//! "What moves": every editable field (rows) against every path (columns), from the engine's
//! sensitivity sweep; filtered to the selected derivation's fields by default.

use super::Ctx;
use crate::lab::playground::Action;
use yew::prelude::*;

#[function_component(MovesMatrix)]
pub fn moves_matrix() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let p = ctx.p();
    let all = p.sweep_all;
    let sw = p.sweep.clone();
    let toggle = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::SweepAll(!all)))
    };
    let rows: Vec<_> = sw.rows.iter().filter(|r| all || r.key == p.selected).collect();
    html! {
        <section class="panel matrix" aria-label="what moves">
            <h2>{"What moves — every field against every path"}</h2>
            <p class="muted">{"Each row perturbs one field and recomputes the whole graph with the engine. ● moved, · stays."}
                <label class="inline"><input type="checkbox" checked={all} onclick={toggle} aria-label="show every derivation's fields" />{" all derivations"}</label></p>
            if sw.rows.is_empty() {
                <p class="muted" role="status">{"Nothing to sweep while the graph has errors: fix the marked fields."}</p>
            }
            <div class="tablewrap">
            <table>
                <thead><tr><th scope="col">{"field"}</th>
                    { for sw.columns.iter().map(|c| html! { <th scope="col" class="colhead"><span>{c.label()}</span></th> }) }
                </tr></thead>
                <tbody>
                { for rows.iter().map(|r| html! {
                    <tr>
                        <th scope="row">{format!("{} {}", r.key, r.field)}</th>
                        { match &r.moved {
                            Ok(m) => html! { <>{ for sw.columns.iter().zip(m).map(|(c, moved)| {
                                let title = if *moved {
                                    format!("Changing {}'s {} moves {}.", r.key, r.field, c.label())
                                } else {
                                    format!("Changing {}'s {} leaves {} where it is.", r.key, r.field, c.label())
                                };
                                html! { <td class={if *moved { "m" } else { "s" }} title={title.clone()} aria-label={title}>{if *moved { "●" } else { "·" }}</td> }
                            }) }</> },
                            Err(e) => html! { <td colspan={sw.columns.len().to_string()} class="err">{e.clone()}</td> },
                        } }
                    </tr>
                }) }
                </tbody>
            </table>
            </div>
        </section>
    }
}
