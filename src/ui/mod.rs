//! The page: thin Yew components over [`crate::lab::playground`]. Components hold view state (which
//! "how" view is open) and render the engine's results and traces; the reducer calls the engine.

mod change;
mod compare;
mod dag;
mod editor;
mod embed;
mod exercises;
mod io;
mod matrix;
mod paths;
mod pipeline;
mod primer;
mod share;
mod sim;
mod sources;
mod toolbar;

use crate::lab::playground::{Action, Computed, Playground};
use std::rc::Rc;
use yew::prelude::*;

pub use change::ChangePanel;
pub use dag::DagPanel;
pub use editor::Editor;
pub use matrix::MovesMatrix;
pub use paths::PathsPanel;
pub use pipeline::Pipeline;
pub use toolbar::Toolbar;

/// The reducer's state as Yew sees it; a no-op action returns the same `Rc` so nothing
/// re-renders.
#[derive(Clone, PartialEq, Default)]
pub struct Store(pub Playground);

impl Reducible for Store {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match self.0.reduce(action) {
            Some(p) => Rc::new(Store(p)),
            None => self,
        }
    }
}

/// Everything a panel needs to render and to dispatch.
#[derive(Clone, PartialEq)]
pub struct Ctx {
    pub state: UseReducerHandle<Store>,
}

impl Ctx {
    pub fn p(&self) -> &Playground {
        &self.state.0
    }
    pub fn computed(&self) -> Rc<Computed> {
        self.state.0.computed.clone()
    }
    pub fn dispatch(&self, a: Action) {
        self.state.dispatch(a)
    }
}

/// Milliseconds since navigation start (for the performance figures the tests print).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| Store(share::initial()));
    let ctx = Ctx { state };
    let p = ctx.p();
    let ready = use_state(|| false);
    {
        let ready = ready.clone();
        use_effect_with((), move |_| {
            ready.set(true);
            // Expose the time of the first render with paths, for the end-to-end budget.
            if let Some(w) = web_sys::window() {
                let _ = js_sys::Reflect::set(&w, &"drvlabFirstPathsMs".into(), &now_ms().into());
            }
        });
    }
    {
        // Record how long each recompute + render took, for the per-keystroke budget.
        let started = now_ms();
        use_effect(move || {
            if let Some(w) = web_sys::window() {
                let _ = js_sys::Reflect::set(&w, &"drvlabLastRenderMs".into(), &(now_ms() - started).into());
            }
        });
    }
    {
        // The fragment follows the state (replaceState: no history entry per keystroke). A big
        // graph's link and kept session take tens of ms to write, so they are written once the
        // edits pause, not within each keystroke.
        let state = ctx.state.clone();
        use_effect(move || {
            if state.0.specs.len() <= 200 {
                share::sync_fragment(&state.0);
            } else {
                matrix::debounced(400, move || share::sync_fragment(&state.0));
            }
        });
    }
    let notice = p.notice.clone().map(|n| {
        let ctx = ctx.clone();
        let close = Callback::from(move |_| ctx.dispatch(Action::Notice(None)));
        html! { <div class="notice" role="alert">{n}<button class="small" onclick={close} aria-label="dismiss">{"×"}</button></div> }
    });
    let notice = html! { <>{ for notice }<share::SessionNotice /></> };
    if share::is_embed() {
        return html! {
            <ContextProvider<Ctx> context={ctx.clone()}>
                <div id="app" class="embedded" data-ready={(*ready).to_string()}>
                    { notice.clone() }
                    <embed::EmbedPanel />
                </div>
            </ContextProvider<Ctx>>
        };
    }
    let scenario = p.scenario.clone();
    let exercise_mode = share::has_param("exercises");
    // While a person predicts, nothing on the page may show the answer.
    let exercise_revealed = use_state(|| false);
    let predicting = exercise_mode && !*exercise_revealed;
    let on_revealed = {
        let r = exercise_revealed.clone();
        Callback::from(move |v: bool| r.set(v))
    };
    html! {
        <ContextProvider<Ctx> context={ctx.clone()}>
            <div id="app" data-ready={(*ready).to_string()}>
                <primer::Primer />
                <header class="top">
                    <h1>{"drvlab"}<span class="tag">{" how Nix computes store paths, exactly"}</span></h1>
                    <Toolbar />
                </header>
                { notice.clone() }
                if exercise_mode { <exercises::ExercisesPanel on_revealed={on_revealed} /> }
                if let Some(s) = scenario {
                    <section class="story" aria-label="scenario">
                        <h2>{s.title}</h2>
                        <p>{s.story}</p>
                        <p class="try"><strong>{"Try this: "}</strong>{s.try_this}</p>
                        if let Some(sg) = p.suggested.clone().filter(|_| !predicting) {
                            <p class="computed" data-testid="suggested-outcome"><strong>{"The suggested edit, computed: "}</strong>
                                <span class="verdict">{sg.verdict.clone()}</span>{". "}{sg.moves.clone()}{"."}</p>
                        }
                        if !predicting { <div class="row">
                            <button onclick={{ let ctx = ctx.clone(); Callback::from(move |_| ctx.dispatch(Action::TrySuggested)) }}
                                title="performs the suggested edit with its value; Undo takes it back">
                                {format!("Do it for me: set {}'s {} to {:?}", s.edit.0, s.edit.1, s.edit.2.trim_end())}</button>
                            <span class="muted">{"performs the suggested edit with its value; Undo takes it back"}</span>
                        </div> }
                    </section>
                }
                <main class="layout">
                    <div class="col graph-col">
                        <DagPanel />
                    </div>
                    <div class="col edit-col">
                        <Editor />
                    </div>
                    <div class="col paths-col">
                        if predicting {
                            <section class="panel change" aria-label="what the last edit did">
                                <h2>{"What moved"}</h2>
                                <p class="muted" data-testid="hidden-while-predicting">{"Hidden while you predict: \"What moved\" and the matrix would give the answer away. They come back when you reveal."}</p>
                            </section>
                        } else {
                            <ChangePanel />
                        }
                        <PathsPanel />
                    </div>
                </main>
                if !predicting { <MovesMatrix /> }
                <compare::ComparePanel />
                <sim::SimulatorPanel />
                <io::ImportExport />
                <share::SharePanel />
                <footer class="foot">
                    <p><a href="?exercises">{"Exercises: predict, then reveal"}</a>{" · "}<a href="?embed">{"embed view"}</a></p>
                    {"Every path on this page is computed in your browser by the same engine as the drvlab CLI, and tested bit for bit against real Nix."}
                </footer>
            </div>
        </ContextProvider<Ctx>>
    }
}

/// Mounts the app on `<body>`.
pub fn start() {
    share::install_panic_hook();
    yew::Renderer::<App>::new().render();
}
