//! The lab: what a person edits and learns, over the engine.
//!
//! The editable model ([`eval`]: attributes, sources, the fixed-output switch) evaluates to the
//! engine's derivations; [`lift`] turns imported derivations back into that model; [`explain`]
//! answers "what moves" by performing edits and recomputing; [`playground`] is the page's one
//! reducer. Nothing here hashes by itself: every path comes from `drvlab_engine`.

pub mod code;
pub mod diff;
pub mod edit;
pub mod eval;
pub mod exercises;
pub mod explain;
pub mod json;
pub mod layout;
pub mod lift;
pub mod lint;
pub mod nix_choice;
pub mod playground;
pub mod rerun;
pub mod scenarios;
pub mod share;
pub mod simulator;
pub mod words;
