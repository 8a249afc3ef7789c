//! Workshop mode: predict, then reveal. The answer is computed by performing the edit with the
//! engine; the score is kept in this browser only.

use crate::lab::exercises::{builtin, parse_set, reveal, ExerciseSet, Revealed};
use std::collections::BTreeMap;
use yew::prelude::*;

const SCORE_KEY: &str = "drvlab.exercises.score";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn load_score() -> (u32, u32) {
    storage()
        .and_then(|s| s.get_item(SCORE_KEY).ok().flatten())
        .and_then(|v| v.split_once('/').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))))
        .unwrap_or((0, 0))
}

fn save_score(s: (u32, u32)) {
    if let Some(st) = storage() {
        let _ = st.set_item(SCORE_KEY, &format!("{}/{}", s.0, s.1));
    }
}

/// `?exercises=<url>`: a teacher's set to fetch instead of the built-in one.
fn set_url() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix("exercises="))
        .filter(|u| !u.is_empty())
        .map(|u| js_sys::decode_uri_component(u).ok().and_then(|s| s.as_string()).unwrap_or_else(|| u.to_string()))
}

#[derive(Properties, PartialEq)]
pub struct ExercisesProps {
    /// Told whether the current question's answer is on screen (the page hides what would give
    /// it away until then).
    pub on_revealed: Callback<bool>,
}

#[function_component(ExercisesPanel)]
pub fn exercises_panel(props: &ExercisesProps) -> Html {
    let ctx = use_context::<super::Ctx>().expect("Ctx");
    let set = use_state(builtin);
    let load_error = use_state(|| None::<String>);
    let index = use_state(|| 0usize);
    let predictions = use_state(BTreeMap::<usize, bool>::new);
    let revealed = use_state(|| None::<Result<Revealed, String>>);
    let score = use_state(load_score);
    {
        let set = set.clone();
        let load_error = load_error.clone();
        use_effect_with((), move |_| {
            if let Some(url) = set_url() {
                // An address that never answers gets a note after 15 s (and is then ignored).
                let done = std::rc::Rc::new(std::cell::Cell::new(false));
                if let Some(w) = web_sys::window() {
                    let (done, load_error, url) = (done.clone(), load_error.clone(), url.clone());
                    let note = wasm_bindgen::closure::Closure::once_into_js(move || {
                        if !done.replace(true) {
                            load_error.set(Some(format!(
                                "The exercise set at {url} did not answer within 15 seconds. Showing the built-in set."
                            )));
                        }
                    });
                    let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                        wasm_bindgen::JsCast::unchecked_ref(&note),
                        15_000,
                    );
                }
                wasm_bindgen_futures::spawn_local(async move {
                    let text = async {
                        let w = web_sys::window().ok_or("no window")?;
                        let resp = wasm_bindgen_futures::JsFuture::from(w.fetch_with_str(&url))
                            .await
                            .map_err(|_| "the request failed (the address is invalid or unreachable, or its server does not let other sites read it)")?;
                        let resp: web_sys::Response =
                            wasm_bindgen::JsCast::dyn_into(resp).map_err(|_| "not a response")?;
                        if !resp.ok() {
                            return Err("the server answered with an error status");
                        }
                        let t = wasm_bindgen_futures::JsFuture::from(resp.text().map_err(|_| "no body")?)
                            .await
                            .map_err(|_| "no body")?;
                        Ok::<String, &str>(t.as_string().unwrap_or_default())
                    }
                    .await;
                    if done.replace(true) {
                        return;
                    }
                    match text.map_err(|e| e.to_string()).and_then(|t| parse_set(&t)) {
                        Ok(s) => set.set(s),
                        Err(e) => load_error.set(Some(format!(
                            "Could not load the exercise set from {url}: {e}. Showing the built-in set."
                        ))),
                    }
                });
            }
        });
    }
    let ExerciseSet { title, questions } = (*set).clone();
    let i = (*index).min(questions.len().saturating_sub(1));
    let scenario_id = questions.get(i).map(|q| q.scenario.clone()).unwrap_or_default();
    {
        // Show the question's scenario in the playground below, as it is before the edit.
        let ctx = ctx.clone();
        use_effect_with(scenario_id, move |id| {
            if ctx.p().scenario.as_ref().map(|s| s.id) != Some(id.as_str()) {
                ctx.dispatch(crate::lab::playground::Action::LoadScenario(id.clone()));
            }
        });
    }
    let Some(q) = questions.get(i).cloned() else { return html! {} };
    let predict = |ask: usize, moves: bool| {
        let predictions = predictions.clone();
        let revealed = revealed.clone();
        Callback::from(move |_: MouseEvent| {
            if revealed.is_none() {
                let mut m = (*predictions).clone();
                m.insert(ask, moves);
                predictions.set(m);
            }
        })
    };
    let all_predicted = (0..q.asks.len()).all(|a| predictions.contains_key(&a));
    let on_reveal = {
        let revealed = revealed.clone();
        let predictions = predictions.clone();
        let score = score.clone();
        let q = q.clone();
        let told = props.on_revealed.clone();
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            let r = reveal(&q);
            told.emit(true);
            // Perform the edit in the playground below too, so the graph, "What moved" and the
            // matrix show the answer the engine computed.
            if let Some(spec) = ctx.p().specs.get(&q.key) {
                if let Ok(e) = crate::lab::playground::parse_edit(spec, &q.field, &q.value) {
                    ctx.dispatch(crate::lab::playground::Action::Edit(q.key.clone(), e));
                }
            }
            if let Ok(rv) = &r {
                let right =
                    rv.answers.iter().enumerate().filter(|(a, c)| predictions.get(a) == Some(&c.moved())).count()
                        as u32;
                let s = (score.0 + right, score.1 + rv.answers.len() as u32);
                save_score(s);
                score.set(s);
            }
            revealed.set(Some(r));
        })
    };
    let goto = |n: usize| {
        let index = index.clone();
        let predictions = predictions.clone();
        let revealed = revealed.clone();
        let told = props.on_revealed.clone();
        let ctx = ctx.clone();
        let next = questions.get(n).map(|q| q.scenario.clone());
        Callback::from(move |_: MouseEvent| {
            told.emit(false);
            // The next question starts from its scenario as loaded: no edit, no marks.
            if let Some(id) = &next {
                ctx.dispatch(crate::lab::playground::Action::LoadScenario(id.clone()));
            }
            index.set(n);
            predictions.set(BTreeMap::new());
            revealed.set(None);
        })
    };
    let reset_score = {
        let score = score.clone();
        Callback::from(move |_: MouseEvent| {
            save_score((0, 0));
            score.set((0, 0));
        })
    };
    let label = |key: &str, output: &Option<String>| match output {
        None => format!("{key}'s .drv path"),
        Some(o) => format!("{key}'s {o} output path"),
    };
    html! {
        <section class="panel exercises" aria-label="exercises">
            <h2>{title}</h2>
            if let Some(e) = &*load_error { <p class="err" role="alert">{e.clone()}</p> }
            <p class="muted">{format!("Question {} of {} · scenario {} · score {}/{} (kept in this browser)", i + 1, questions.len(), q.scenario, score.0, score.1)}
                <button class="small" onclick={reset_score}>{"reset score"}</button></p>
            <p class="prompt">{q.prompt.clone()}</p>
            <p class="muted">{format!("The edit: set {}'s {} to {:?}.", q.key, q.field, q.value)}</p>
            <ol class="asks">
            { for q.asks.iter().enumerate().map(|(a, ask)| {
                let pred = predictions.get(&a).copied();
                let answer = revealed.as_ref().and_then(|r| r.as_ref().ok()).map(|r| r.answers[a].moved());
                html! {
                    <li>
                        {format!("Does {} move? ", label(&ask.key, &ask.output))}
                        <button aria-pressed={(pred == Some(true)).to_string()} onclick={predict(a, true)}>{"moves"}</button>
                        <button aria-pressed={(pred == Some(false)).to_string()} onclick={predict(a, false)}>{"stays"}</button>
                        if let Some(m) = answer {
                            <span class={if Some(m) == pred { "right" } else { "wrong" }} role="status">
                                {format!(" → it {} ({})", if m { "moves" } else { "stays" }, if Some(m) == pred { "right" } else { "not quite" })}
                            </span>
                        }
                    </li>
                }
            }) }
            </ol>
            <div class="row">
                <button onclick={on_reveal} disabled={!all_predicted || revealed.is_some()}
                    aria-describedby="reveal-why">{"Reveal"}</button>
                <button onclick={goto(i.saturating_sub(1))} disabled={i == 0}>{"Previous"}</button>
                <button onclick={goto(i + 1)} disabled={i + 1 >= questions.len()}>{"Next question"}</button>
            </div>
            if revealed.is_none() && !all_predicted {
                <p class="muted" id="reveal-why" data-testid="reveal-why">{format!(
                    "Reveal opens once every row has a prediction: {} of {} answered.",
                    predictions.len().min(q.asks.len()), q.asks.len())}</p>
            }
            { match &*revealed {
                Some(Ok(r)) => html! {
                    <div class="reveal">
                        <p class="verdict">{r.account.first().cloned().unwrap_or_default()}</p>
                        <p data-testid="revealed-moves">{r.moves.clone()}</p>
                        <p><strong>{"Why: "}</strong>{q.explanation.clone()}</p>
                        { for r.account.iter().skip(1).map(|l| html! { <p class="muted">{l.clone()}</p> }) }
                    </div>
                },
                Some(Err(e)) => html! { <p class="err">{e.clone()}</p> },
                None => html! {},
            } }
        </section>
    }
}
