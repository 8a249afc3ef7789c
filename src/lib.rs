//! drvlab: a playground over the engine (`drvlab_engine`, how Nix computes paths).
//!
//! Three rooms with one-way doors (see `docs/ARCHITECTURE.md`): the engine crate knows nothing
//! of edits or pages; [`lab`] is what a person edits and learns, computed with the engine; `ui`
//! (wasm32 only) renders the lab's state and traces and never hashes.

pub mod lab;

#[cfg(target_arch = "wasm32")]
pub mod ui;

/// The engine, re-exported so the CLI and tests name one crate for both rooms when they want.
pub use drvlab_engine as engine;
