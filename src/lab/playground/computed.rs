//! The engine's answer for one spec graph: evaluation, lints and each source's trace.

use crate::lab::eval::{evaluate, EvalError, Evaluated, SpecGraph};
use crate::lab::explain::PathId;
use crate::lab::lint::{lints, Lint};
use drvlab_engine::graph::Options;
use std::collections::BTreeMap;

/// The engine's answer for one spec graph, shared by every view of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub eval: Evaluated,
    pub lints: Vec<Lint>,
    /// How each source of each derivation became its store path (traces on only).
    pub sources: BTreeMap<String, Vec<Option<drvlab_engine::trace::Trace>>>,
}

impl Computed {
    pub fn new(specs: &SpecGraph, opts: &Options) -> Computed {
        let eval = evaluate(specs, opts);
        let lints = lints(specs, &eval);
        let sources = if opts.trace {
            drvlab_engine::collect::map(specs.iter().filter(|(_, s)| !s.sources.is_empty()).map(|(k, s)| {
                (
                    k.clone(),
                    (0..s.sources.len()).map(|i| crate::lab::eval::source_trace(s, i, &opts.store_dir)).collect(),
                )
            }))
        } else {
            BTreeMap::new()
        };
        Computed { eval, lints, sources }
    }

    pub fn errors_for(&self, key: &str) -> Vec<&EvalError> {
        self.eval.errors.iter().filter(|e| e.key == key).collect()
    }

    /// Every path, `.drv` then outputs, per derivation in dependency order.
    pub fn paths(&self) -> Vec<(PathId, Option<String>)> {
        crate::lab::explain::all_paths(&self.eval.resolution)
    }
}

/// Paths of the last good computation, by id, for greyed display while there are errors.
pub fn path_map(c: &Computed) -> BTreeMap<PathId, Option<String>> {
    drvlab_engine::collect::map(c.paths())
}
