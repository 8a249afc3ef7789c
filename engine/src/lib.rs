//! drvlab's engine: how Nix computes `.drv` paths and output paths, step by step.
//!
//! Pure Rust with no web dependency and no notion of edits or of the page; the same code runs
//! in the native CLI, in the tests and, compiled to wasm32, in the browser. Every computation
//! records its own steps ([`trace`]), and whatever shows a path only displays those traces.
//!
//! The modules, in the order the algorithm uses them: [`hash`] (digests and their text forms),
//! [`store_path`] (fingerprints, the XOR fold, `makeStorePath`), [`nar`] (file trees as NAR),
//! [`derivation`] and [`aterm`] (the model and its `.drv` text), [`graph`] (resolving a graph:
//! hash modulo, output paths, `.drv` paths), [`import`] (the JSON of `nix derivation show` and
//! `.drv` files in).

pub mod aterm;
pub mod collect;
pub mod derivation;
pub mod graph;
pub mod hash;
pub mod import;
pub mod json;
pub mod nar;
pub mod store_path;
pub mod synth;
pub mod trace;

pub use derivation::{Derivation, DrvKind, Output};
pub use graph::{resolve, Graph, InputMerge, NixVersion, Options, Resolution, Resolved};
pub use hash::{Hash, HashAlgo, HashFormat};
