//! "What moves": every editable field (rows) against every path (columns), from the engine's
//! sensitivity sweep; filtered to the selected derivation's fields by default.

use super::Ctx;
use crate::lab::playground::Action;
use std::cell::Cell;
use yew::prelude::*;

/// Columns drawn at most; derivation evaluations per sweep slice (adapted to the machine).
const MAX_COLUMNS: usize = 60;
thread_local! {
    static SLICE: Cell<usize> = const { Cell::new(16) };
}

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
    // A big graph has thousands of paths: draw the columns some row moves (and the selected
    // derivation's own), at most MAX_COLUMNS of them, and say how many are left out.
    let keep: Vec<usize> = if sw.columns.len() <= MAX_COLUMNS {
        (0..sw.columns.len()).collect()
    } else {
        (0..sw.columns.len())
            .filter(|&i| {
                sw.columns[i].key == p.selected
                    || rows.iter().any(|r| r.moved.as_ref().is_ok_and(|m| m.get(i).copied().unwrap_or(false)))
            })
            .take(MAX_COLUMNS)
            .collect()
    };
    // (A big graph's sweep has columns only for the paths its rows can reach.)
    let left_out = p.computed.path_count().max(sw.columns.len()) - keep.len();
    let progress = p.sweep_progress();
    // A sweep under way is advanced from a timer, one slice at a time, never within a keystroke.
    {
        let ctx = ctx.clone();
        use_effect_with((progress, p.sweep_slices), move |(progress, _)| {
            if progress.is_some() {
                after_a_moment(move || {
                    let started = super::now_ms();
                    let units = SLICE.with(|s| s.get());
                    ctx.dispatch(Action::SweepStep(units));
                    // Aim each slice at ~20 ms of work.
                    let took = (super::now_ms() - started).max(0.5);
                    let next = ((units as f64) * 20.0 / took).clamp(1.0, 4096.0) as usize;
                    SLICE.with(|s| s.set(next.min(units * 2).max(1)));
                });
            }
        });
    }
    html! {
        <section class="panel matrix" aria-label="what moves">
            <h2>{"What moves — every field against every path"}</h2>
            <p class="muted">{"Each row perturbs one field and recomputes the whole graph with the engine. ● moved, · stays."}
                <label class="inline"><input type="checkbox" checked={all} onclick={toggle} aria-label="show every derivation's fields" />{" all derivations"}</label></p>
            if let Some((done, total)) = progress {
                <p class="muted" role="status" data-testid="sweep-progress">{format!("sweeping {} / {} fields…", crate::lab::playground::thousands(done), crate::lab::playground::thousands(total))}</p>
            }
            if p.sweep_skipped > 0 {
                <p class="muted" data-testid="sweep-capped">{format!(
                    "Not perturbed, to keep the page quick: {} fields past the first {} of each list.",
                    crate::lab::playground::thousands(p.sweep_skipped), crate::lab::playground::sweep::LIST_ROWS
                )}</p>
            }
            if left_out > 0 {
                <p class="muted" data-testid="columns-capped">{format!(
                    "Not drawn: {} paths that no row here moves.", crate::lab::playground::thousands(left_out)
                )}</p>
            }
            if sw.rows.is_empty() && progress.is_none() {
                <p class="muted" role="status">{"Nothing to sweep while the graph has errors: fix the marked fields."}</p>
            }
            <div class="tablewrap">
            <table>
                <thead><tr><th scope="col">{"field"}</th>
                    { for keep.iter().map(|&i| html! { <th scope="col" class="colhead"><span>{sw.columns[i].label()}</span></th> }) }
                </tr></thead>
                <tbody>
                { for rows.iter().map(|r| html! {
                    <tr>
                        <th scope="row">{format!("{} {}", r.key, r.field)}</th>
                        { match &r.moved {
                            Ok(m) => html! { <>{ for keep.iter().filter_map(|&i| Some((&sw.columns[i], m.get(i)?))).map(|(c, moved)| {
                                let title = if *moved {
                                    format!("Changing {}'s {} moves {}.", r.key, r.field, c.label())
                                } else {
                                    format!("Changing {}'s {} leaves {} where it is.", r.key, r.field, c.label())
                                };
                                html! { <td class={if *moved { "m" } else { "s" }} title={title.clone()} aria-label={title}>{if *moved { "●" } else { "·" }}</td> }
                            }) }</> },
                            Err(e) => html! { <td colspan={keep.len().max(1).to_string()} class="err">{e.clone()}</td> },
                        } }
                    </tr>
                }) }
                </tbody>
            </table>
            </div>
        </section>
    }
}

/// Runs `f` from a timer, after the browser has painted and handled input.
pub fn after_a_moment(f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    let cb = wasm_bindgen::closure::Closure::once_into_js(f);
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
    }
}

thread_local! {
    static PENDING: Cell<Option<i32>> = const { Cell::new(None) };
}

/// Runs `f` once no other call has come for `ms` milliseconds (a newer call replaces it).
pub fn debounced(ms: i32, f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    let Some(w) = web_sys::window() else { return };
    if let Some(id) = PENDING.with(|p| p.take()) {
        w.clear_timeout_with_handle(id);
    }
    let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
        PENDING.with(|p| p.set(None));
        f()
    });
    if let Ok(id) = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), ms) {
        PENDING.with(|p| p.set(Some(id)));
    }
}
