//! drvlab's engine: how Nix computes `.drv` paths and output paths, step by step.
//!
//! Pure Rust with no web dependency; the same code runs in the native CLI, in the tests and,
//! compiled to wasm32, in the page. Every computation records its own steps ([`trace`]), and the
//! faces of drvlab only display those traces.

pub mod aterm;
pub mod collect;
pub mod derivation;
pub mod diff;
pub mod eval;
pub mod exercises;
pub mod explain;
pub mod graph;
pub mod hash;
pub mod import;
pub mod layout;
pub mod lift;
pub mod lint;
pub mod nar;
pub mod playground;
pub mod scenarios;
pub mod share;
pub mod simulator;
pub mod store_path;
pub mod synth;
pub mod trace;

#[cfg(target_arch = "wasm32")]
pub mod ui;

pub use derivation::{Derivation, DrvKind, Output};
pub use graph::{resolve, Graph, InputMerge, Options, Resolution, Resolved};
pub use hash::{Hash, HashAlgo, HashFormat};
