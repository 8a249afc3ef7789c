//! Warnings about derivations that compute fine but will not do what their author hopes.
//!
//! Errors (a bad name, a hash whose algorithm contradicts `outputHashAlgo`) come from the engine
//! itself; lints are the things Nix only discovers at build time.

use crate::lab::eval::{EvalError, Evaluated, SpecGraph};

/// One warning about one field of one derivation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lint {
    pub key: String,
    pub field: String,
    pub message: String,
}

/// Does a shell-ish command write its own `$out` into a file (`echo $out > $out/x`)?
fn writes_own_path(text: &str) -> bool {
    text.split(['\n', ';', '&', '|']).any(|cmd| match (cmd.find("$out"), cmd.find('>')) {
        (Some(a), Some(r)) => a < r,
        _ => false,
    })
}

pub fn lints(specs: &SpecGraph, eval: &Evaluated) -> Vec<Lint> {
    let mut out = Vec::new();
    for (key, spec) in specs {
        let Some(drv) = eval.graph.get(key) else { continue };
        let fixed = spec.fixed.is_some();
        if fixed {
            let refs: Vec<String> = drv.input_drvs.keys().cloned().collect();
            let mentions_store =
                drv.env.iter().filter(|(k, _)| k.as_str() != "out").any(|(_, v)| v.contains("/nix/store/"))
                    || drv.args.iter().any(|a| a.contains("/nix/store/"));
            if !refs.is_empty() || mentions_store {
                let via = if refs.is_empty() { "store paths".to_string() } else { refs.join(", ") };
                out.push(Lint {
                    key: key.clone(),
                    field: "fixed".into(),
                    message: format!(
                        "fixed-output, yet its env or args mention {via}. Its output may not refer to other store paths: Nix rejects a fixed output that contains references (\"illegal path references in fixed-output derivation\"), and tools it uses at build time are fine only if they do not end up in the output."
                    ),
                });
            }
            if spec.args.iter().chain(spec.env.iter().map(|(_, v)| v)).any(|t| writes_own_path(t)) {
                out.push(Lint {
                    key: key.clone(),
                    field: "fixed".into(),
                    message: "fixed-output, but its script seems to write its own $out path into the output. A self-referencing output cannot be fixed-output: its content hash would depend on its own path.".into(),
                });
            }
        } else if spec.env.iter().any(|(k, v)| k.to_lowercase().contains("propagated") && v.contains("${")) {
            out.push(Lint {
                key: key.clone(),
                field: "env".into(),
                message: "propagates store paths to its users, so its output refers to them: it could not be made fixed-output, and it must move whenever they do.".into(),
            });
        }
    }
    out
}

/// Errors of a derivation as a one-line summary for its node.
pub fn summary(errors: &[&EvalError]) -> Option<String> {
    errors.first().map(|e| match e.field_label() {
        f if f.is_empty() => e.message.clone(),
        f => format!("{f}: {}", e.message),
    })
}
