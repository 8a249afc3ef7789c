//! The embed's entry point (`drvlab-embed`): documentation `<iframe>`s of `?embed` pages load
//! this bundle, not the full page's. index.html's loader picks it; it links only what the embed
//! renders (one scenario, its edit, the paths, what moved), so the rest of the page stays out.

fn main() {
    #[cfg(target_arch = "wasm32")]
    drvlab::ui::start_embed();
}
