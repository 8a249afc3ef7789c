//! The playground: the page's state and its one reducer, pure and testable natively, and the
//! only place the page calls the engine from. Components render what is computed here.
//!
//! Split by concern: [`state`] (what the page holds), [`actions`] (the reducer), [`computed`]
//! (the engine's answer for one graph), [`sweep`] (the "what moves" matrix), [`account`] (what
//! moved, in words) and [`io`] (import, export).

pub mod account;
pub mod actions;
pub mod computed;
pub mod io;
pub mod state;
pub mod sweep;

pub use crate::lab::edit::{
    hash_forms, input_choice, input_choices, parse_edit, rename_problem, spec_fields, valid_key, SpecEdit,
};
pub use account::{account, describe_part, drv_fates, moves_sentence, plural, thousands, verdict, DrvFate};
pub use actions::{Action, SimAction};
pub use computed::{path_map, Computed, Computing, Refs};
pub use io::{export, import_text, parse_one, ImportReport, Importing, Ready, Verified};
pub use state::{Change, Fate, Playground, Suggested};
pub use sweep::{flipped, sweep, sweep_following, sweep_reporting, SweepJob, Sweeping};

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
