//! The web entry point Trunk builds (`data-bin="drvlab-web"`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    drvlab::ui::start();
}
