//! "What moved", in words, from the computed change set; and what each marked part of a masked
//! ATerm is.

use super::computed::Computed;
use super::state::{Change, Fate};
use crate::lab::eval::SpecGraph;
use crate::lab::explain::PathChange;
use std::collections::BTreeSet;

/// A sentence-level account of one change, for the panel under the editor.
pub fn account(change: &Change, computed: &Computed, specs: &SpecGraph) -> Vec<String> {
    let with = |f: Fate| -> Vec<&PathChange> { change.changes.iter().filter(|c| change.fate(c, specs) == f).collect() };
    let (moved, stayed) = (with(Fate::Moved), with(Fate::Stayed));
    let keys_of = |v: Vec<&PathChange>| drvlab_engine::collect::set(v.into_iter().map(|c| c.id.key.clone()));
    let (added, removed) = (keys_of(with(Fate::Added)), keys_of(with(Fate::Removed)));
    let mut lines = Vec::new();
    let names = |v: &[&PathChange]| v.iter().map(|c| c.id.label()).collect::<Vec<_>>().join(", ");
    let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    if moved.is_empty() {
        lines.push(match (added.is_empty(), removed.is_empty()) {
            (true, true) => format!("{}: no path moved — Nix sees the same derivations as before.", change.label),
            _ => format!("{}: no existing path moved.", change.label),
        });
    } else {
        lines.push(format!("{}: {} moved ({}).", change.label, moved.len(), names(&moved)));
    }
    if !added.is_empty() {
        lines.push(format!("New in the graph: {} (its paths are new, nothing moved to them).", list(&added)));
    }
    if !removed.is_empty() {
        lines.push(format!("Gone from the graph: {} (its paths are no longer computed).", list(&removed)));
    }
    if moved.is_empty() {
        return lines;
    }
    if !stayed.is_empty() {
        lines.push(format!("{} stayed ({}).", stayed.len(), names(&stayed)));
    }
    let key = &change.edited_key;
    let is_fixed = specs.get(key).is_some_and(|s| s.fixed.is_some());
    let drv_moved = moved.iter().any(|c| c.id.key == *key && c.id.output.is_none());
    let out_moved = moved.iter().any(|c| c.id.key == *key && c.id.output.is_some());
    let others_moved = moved.iter().any(|c| c.id.key != *key);
    let other_outputs_moved = moved.iter().any(|c| c.id.key != *key && c.id.output.is_some());
    if is_fixed && drv_moved && !out_moved {
        lines.push(format!(
            "{key} is fixed-output and its declared hash did not change, so its output path stayed. In real Nix the old output will be reused from the store or a binary cache and the new builder never runs. `nix-build --check` rebuilds it and compares; changing the hash (or the name) forces a real build."
        ));
        if others_moved && !other_outputs_moved {
            lines.push("Its dependents' .drv files changed (they name the new .drv file), but their output paths did not: they see a fixed-output input only through its declared hash and output path, so nothing downstream rebuilds.".into());
        } else if !others_moved {
            lines.push("Nothing else moved.".into());
        }
    } else if out_moved && other_outputs_moved {
        lines.push(format!("{key}'s output paths moved, and everything that uses them moved too: a new hash modulo cascades through every input-addressed dependent."));
    } else if out_moved {
        lines.push(format!("{key}'s output paths moved; nothing depends on it."));
    }
    if computed.eval.resolution.entries.values().any(|r| r.outputs.values().any(Option::is_none)) {
        lines.push("Some output paths are unknown before building (content-addressed or deferred); they cannot move because they do not exist yet.".into());
    }
    lines
}

/// What the page says of one part of an ATerm (a mark class and a sentence), given the
/// derivation it belongs to and the graph; `None` leaves the part unmarked.
pub fn describe_part(
    part: &drvlab_engine::trace::Part,
    drv: &drvlab_engine::derivation::Derivation,
    c: &Computed,
) -> Option<(&'static str, String)> {
    use drvlab_engine::trace::Part;
    let entries = &c.eval.resolution.entries;
    let by_drv = |p: &str| entries.iter().find(|(_, r)| r.drv_path == p).map(|(k, _)| k.clone());
    let by_hash = |h: &str| entries.iter().find(|(_, r)| r.modulo.hashes.values().any(|x| x.to_base16() == h));
    // Which inputs' output paths a string holds (a `${key}` reference in what was written).
    let mentions = |text: &str| {
        let held: Vec<String> = entries
            .iter()
            .flat_map(|(k, r)| r.outputs.iter().map(move |(o, p)| (k, o, p)))
            .filter(|(_, _, p)| p.as_deref().is_some_and(|p| !p.is_empty() && text.contains(p)))
            .map(|(k, o, _)| format!("{k}'s output {o}"))
            .chain(drv.input_srcs.iter().filter(|p| text.contains(p.as_str())).map(|_| "a source".to_string()))
            .collect();
        if held.is_empty() {
            String::new()
        } else {
            format!(", holding the path of {}", held.join(" and "))
        }
    };
    Some(match part {
        Part::OutputName(o) => ("own", format!("the name of output {o}")),
        Part::OutputPath { output, blank: true } => (
            "blank",
            format!("blanked: the path of output {output} is not known while hashing (it is computed from this hash)"),
        ),
        Part::OutputPath { output, .. } => match drv.outputs.get(output).map(|o| o.path.as_str()) {
            Some("") => ("blank", format!("empty: the path of output {output} is unknown until built")),
            _ => ("own", format!("the path of output {output}")),
        },
        Part::OutputHashAlgo(o) if drv.outputs.get(o).is_some_and(|x| !x.hash_algo.is_empty()) => {
            ("fld", "from outputHashMode and outputHashAlgo (r: means recursive, a NAR hash)".into())
        }
        Part::OutputHash(o) if drv.outputs.get(o).is_some_and(|x| !x.hash.is_empty()) => {
            ("fld", "from outputHash, written in base16 whatever form was typed".into())
        }
        Part::OutputHashAlgo(_) | Part::OutputHash(_) | Part::EnvName(_) => return None,
        Part::Input(s) => match (by_drv(s), by_hash(s)) {
            (Some(k), _) => ("inp", format!("the .drv path of {k}")),
            (None, Some((k, r))) => ("repl", format!("hash modulo of {k}, in place of {}", r.drv_path)),
            _ => ("inp", "an input derivation".into()),
        },
        Part::InputOutputs(s) => {
            let k = by_drv(s).or_else(|| by_hash(s).map(|(k, _)| k.clone())).unwrap_or_else(|| "the input".into());
            ("inp", format!("the outputs of {k} this derivation uses"))
        }
        Part::InputSrc(p) => match drv.env.iter().find(|(_, v)| *v == p) {
            Some((k, _)) => ("src", format!("an input source: ${{{k}}}")),
            None => ("src", "an input source".into()),
        },
        Part::System => ("fld", "from system".into()),
        Part::Builder => ("fld", "from builder".into()),
        Part::Arg(i) => ("fld", format!("from args {i}{}", mentions(drv.args.get(*i).map_or("", |a| a.as_str())))),
        Part::EnvValue { name, blank: true } => {
            ("blank", format!("blanked: env {name} holds output {name}'s path, not known while hashing"))
        }
        Part::EnvValue { name, .. } if drv.outputs.contains_key(name) => {
            ("own", format!("env {name}: the path of output {name}"))
        }
        Part::EnvValue { name, .. } => match name.as_str() {
            "name" | "system" | "builder" => ("fld", format!("from {name} (Nix copies it into env)")),
            _ => {
                ("fld", format!("from the attribute {name}{}", mentions(drv.env.get(name).map_or("", |v| v.as_str()))))
            }
        },
    })
}
