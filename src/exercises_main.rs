//! The exercises' entry point (`drvlab-exercises`): `?exercises` pages ("predict, then reveal",
//! a teacher's set by URL) load this bundle — the page and the exercises panel — so the page's own
//! bundle carries neither the panel nor the questions. index.html's loader picks it.

fn main() {
    #[cfg(target_arch = "wasm32")]
    drvlab::ui::start_exercises();
}
