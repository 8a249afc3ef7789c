//! The page: thin Yew components over [`crate::lab::playground`]. Components hold view state (which
//! "how" view is open) and render the engine's results and traces; the reducer calls the engine.

mod add_input;
mod change;
mod code;
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
mod story;
mod toolbar;

use crate::lab::playground::{Action, Computed, Playground};
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

pub use change::ChangePanel;
pub use dag::DagPanel;
pub use editor::Editor;
pub use matrix::MovesMatrix;
pub use paths::PathsPanel;
pub use pipeline::Pipeline;
pub use toolbar::Toolbar;

/// The reducer's state as Yew sees it, with the reducer that makes the next one (the page's
/// `Playground::reduce`, the embed's `Playground::reduce_embed`: a bundle links only the one it
/// names). A no-op action returns the same `Rc` so nothing re-renders.
#[derive(Clone)]
pub struct Store(pub Playground, pub fn(&Playground, Action) -> Option<Playground>);

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Reducible for Store {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match (self.1)(&self.0, action) {
            Some(p) => Rc::new(Store(p, self.1)),
            None => self,
        }
    }
}

/// Puts `text` on the clipboard (the browser may refuse: then nothing happens, as with any copy).
pub(crate) fn copy_to_clipboard(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// A button's click that copies `text`.
pub(crate) fn copy_on_click(text: impl AsRef<str> + 'static) -> Callback<MouseEvent> {
    Callback::from(move |_: MouseEvent| copy_to_clipboard(text.as_ref()))
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

/// Runs `f` in a task of its own, as soon as the browser has handled what waits (input, a
/// paint): a message the page posts to itself. A chain of `setTimeout(0)`s would be held back
/// 4 ms a link once nested (the HTML standard's clamp), a fifth of a long job run in slices.
pub fn soon(f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    thread_local! {
        static WAITING: std::cell::RefCell<std::collections::VecDeque<Box<dyn FnOnce()>>> = Default::default();
        /// One channel for the page's life, its `onmessage` running the oldest waiting task.
        static CHANNEL: Option<web_sys::MessageChannel> = web_sys::MessageChannel::new().ok().inspect(|c| {
            let run = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(|| {
                if let Some(f) = WAITING.with(|w| w.borrow_mut().pop_front()) {
                    f()
                }
            });
            c.port1().set_onmessage(Some(run.as_ref().unchecked_ref()));
            run.forget();
        });
    }
    WAITING.with(|w| w.borrow_mut().push_back(Box::new(f)));
    let posted =
        CHANNEL.with(|c| c.as_ref().is_some_and(|c| c.port2().post_message(&wasm_bindgen::JsValue::NULL).is_ok()));
    if !posted {
        // No channel (or the post failed): a timer runs it, later.
        if let Some(f) = WAITING.with(|w| w.borrow_mut().pop_back()) {
            matrix::after_a_moment(f)
        }
    }
}

/// The page's message (dismissable) and the session's notice, above the page or the embed.
fn notices(ctx: &Ctx) -> Html {
    let notice = ctx.p().notice.clone().map(|n| {
        let ctx = ctx.clone();
        let close = Callback::from(move |_| ctx.dispatch(Action::Notice(None)));
        html! { <div class="notice" role="alert">{n}<button class="small" onclick={close} aria-label="dismiss">{"×"}</button></div> }
    });
    html! { <>{ for notice }<share::SessionNotice /></> }
}

/// Marks the first render with paths (`drvlabFirstPathsMs`, for the figures the tests print) and
/// returns whether it happened (`#app[data-ready]`).
#[hook]
fn use_first_paths() -> bool {
    let ready = use_state(|| false);
    {
        let ready = ready.clone();
        use_effect_with((), move |_| {
            ready.set(true);
            if let Some(w) = web_sys::window() {
                let _ = js_sys::Reflect::set(&w, &"drvlabFirstPathsMs".into(), &now_ms().into());
            }
        });
    }
    *ready
}

#[function_component(App)]
pub fn app() -> Html {
    let state =
        use_reducer(|| Store(share::initial(Playground::from_scenario, Playground::reduce), Playground::reduce));
    let ctx = Ctx { state };
    let p = ctx.p();
    let ready = use_first_paths();
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
        // edits pause, not within each keystroke, and deflated in slices.
        let state = ctx.state.clone();
        use_effect(move || {
            if state.0.specs.len() <= 200 {
                share::sync_fragment(&state.0);
            } else {
                matrix::debounced(400, move || share::sync_fragment_in_slices(state));
            }
        });
    }
    let notice = notices(&ctx);
    let scenario = p.scenario.clone();
    // The exercises panel is in the exercises bundle only ([`start_exercises`]).
    let exercises = EXERCISES.with(Cell::get).filter(|_| share::has_param("exercises"));
    let exercise_mode = exercises.is_some();
    // While a person predicts, nothing on the page may show the answer.
    let exercise_revealed = use_state(|| false);
    let predicting = exercise_mode && !*exercise_revealed;
    let on_revealed = {
        let r = exercise_revealed.clone();
        Callback::from(move |v: bool| r.set(v))
    };
    html! {
        <ContextProvider<Ctx> context={ctx.clone()}>
            <div id="app" data-ready={ready.to_string()}>
                <primer::Primer />
                <header class="top">
                    <h1>{"drvlab"}<span class="tag">{" how Nix computes store paths, exactly"}</span></h1>
                    <Toolbar />
                </header>
                { notice.clone() }
                if let Some(panel) = exercises { { panel(on_revealed) } }
                if scenario.is_some() { <story::Story predicting={predicting} /> }
                <code::CodePanel />
                <main class={classes!("layout", (p.code.open && p.code.error().is_some()).then_some("code-stale"))}>
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

/// Mounts the app on `<body>`. (`?embed` pages never get here: index.html's loader starts the
/// embed's own, smaller wasm instead, [`start_embed`].)
pub fn start() {
    share::install_panic_hook();
    yew::Renderer::<App>::new().render();
}

/// Renders the exercises panel, telling the page when the answer is revealed.
type ExercisesPanel = fn(Callback<bool>) -> Html;

thread_local! {
    /// The exercises panel, where the bundle has it: the page's bundle (`drvlab-web`) does not,
    /// and index.html's loader starts `drvlab-exercises` for `?exercises` pages instead.
    static EXERCISES: Cell<Option<ExercisesPanel>> = const { Cell::new(None) };
}

/// Mounts the page with the exercises panel ("predict, then reveal", `?exercises`): the entry
/// point of the `drvlab-exercises` bundle (`src/exercises_main.rs`).
pub fn start_exercises() {
    EXERCISES.with(|e| e.set(Some(|on_revealed| html! { <exercises::ExercisesPanel {on_revealed} /> })));
    start();
}

/// Mounts the compact embed on `<body>`: the entry point of the `drvlab-embed` bundle
/// (`src/embed_main.rs`), which links only what the embed renders.
pub fn start_embed() {
    embed::start();
}
