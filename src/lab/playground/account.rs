//! "What moved", in words, from the computed change set; and what each marked part of a masked
//! ATerm is.

use super::computed::Computed;
use super::state::{Change, Fate, Playground, Suggested};
use crate::lab::eval::SpecGraph;
use crate::lab::explain::PathChange;
use crate::lab::scenarios::Step;
use crate::lab::simulator::{Level, LogLine};
use std::collections::BTreeSet;

/// How one derivation fared in a change, as a build sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DrvFate {
    /// An output path moved: `nix-build` would build (or fetch) it anew.
    Rebuilds,
    /// Its `.drv` moved and its outputs are unknown before building (content-addressed or
    /// deferred): Nix has to build it to learn them.
    BuildsToKnow,
    /// Only its `.drv` path moved: the old outputs are reused.
    DrvOnly,
    /// Nothing of it moved.
    Stays,
    /// New in the graph.
    Added,
    /// Gone from the graph.
    Removed,
}

/// Each derivation of a change and its fate, in the order of the change set (dependency order).
pub fn drv_fates(change: &Change, specs: &SpecGraph) -> Vec<(String, DrvFate)> {
    // Each derivation's path changes, in the order the change lists them (one pass, so an edit
    // that moves every path of a 5,000-derivation closure stays linear).
    let mut order: Vec<&PathChange> = Vec::new();
    let mut mine: std::collections::BTreeMap<&str, Vec<&PathChange>> = std::collections::BTreeMap::new();
    for c in &change.changes {
        let group = mine.entry(c.id.key.as_str()).or_default();
        if group.is_empty() {
            order.push(c);
        }
        group.push(c);
    }
    order
        .into_iter()
        .map(|c| {
            let mine = &mine[c.id.key.as_str()];
            let fate = match change.fate(c, specs) {
                Fate::Added => DrvFate::Added,
                Fate::Removed => DrvFate::Removed,
                _ => {
                    let drv_moved = mine.iter().any(|x| x.id.output.is_none() && x.moved());
                    if mine.iter().any(|x| x.id.output.is_some() && x.moved()) {
                        DrvFate::Rebuilds
                    } else if drv_moved && mine.iter().any(|x| x.id.output.is_some() && x.after.is_none()) {
                        DrvFate::BuildsToKnow
                    } else if drv_moved {
                        DrvFate::DrvOnly
                    } else {
                        DrvFate::Stays
                    }
                }
            };
            (c.id.key.clone(), fate)
        })
        .collect()
}

fn keys_with(fates: &[(String, DrvFate)], f: DrvFate) -> Vec<String> {
    fates.iter().filter(|(_, x)| *x == f).map(|(k, _)| k.clone()).collect()
}

/// 5000 → "5,000".
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// [`plural`] with thousands separated: "9,998 paths".
fn plural_n(n: usize, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `n` things, with the plural right: `plural(1, "path")` is "1 path".
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The verdict a Nix user needs first: what `nix-build` would build.
pub fn verdict(change: &Change, specs: &SpecGraph) -> String {
    let fates = drv_fates(change, specs);
    let (rebuild, know) = (keys_with(&fates, DrvFate::Rebuilds), keys_with(&fates, DrvFate::BuildsToKnow));
    let (drv_only, added) = (keys_with(&fates, DrvFate::DrvOnly), keys_with(&fates, DrvFate::Added));
    let mut parts = Vec::new();
    if !rebuild.is_empty() {
        parts.push(format!("nix-build would rebuild: {}", rebuild.join(", ")));
    }
    if !know.is_empty() {
        parts.push(format!(
            "nix-build would build {} to learn {} output paths (content-addressed or deferred: known only after building)",
            know.join(", "),
            if know.len() == 1 { "its" } else { "their" }
        ));
    }
    if !added.is_empty() {
        let new = format!("new in the graph, so built when asked for: {}", added.join(", "));
        parts.push(if parts.is_empty() { format!("nothing that existed rebuilds; {new}") } else { new });
    }
    if parts.is_empty() {
        return if drv_only.is_empty() {
            "nothing rebuilds: no path moved".into()
        } else {
            "nothing rebuilds: only .drv files changed — the old outputs are reused".into()
        };
    }
    parts.join("; ")
}

/// "moves: …; stays: …" for a change set: every path by name, from the computed result.
pub fn moves_sentence(change: &Change, specs: &SpecGraph) -> String {
    let with = |f: Fate| -> Vec<String> {
        change.changes.iter().filter(|c| change.fate(c, specs) == f).map(|c| c.id.label()).collect()
    };
    let unknown: Vec<String> = change
        .changes
        .iter()
        .filter(|c| c.before.is_none() && c.after.is_none() && change.fate(c, specs) == Fate::Stayed)
        .map(|c| c.id.label())
        .collect();
    let stays: Vec<String> = with(Fate::Stayed).into_iter().filter(|l| !unknown.contains(l)).collect();
    let list = |v: &[String]| if v.is_empty() { "nothing".to_string() } else { v.join(", ") };
    let mut s = format!("moves: {}; stays: {}", list(&with(Fate::Moved)), list(&stays));
    if !unknown.is_empty() {
        s.push_str(&format!("; unknown until built: {}", unknown.join(", ")));
    }
    for (word, f) in [("new", Fate::Added), ("gone", Fate::Removed)] {
        let v = with(f);
        if !v.is_empty() {
            s.push_str(&format!("; {word}: {}", v.join(", ")));
        }
    }
    s
}

/// What the edited derivation's own fate means for a Nix user, from the computed change and
/// paths: for a fixed output whose path stayed, plainly who is wrong and what to do.
pub fn meaning(change: &Change, computed: &Computed, specs: &SpecGraph) -> Option<String> {
    let key = &change.edited_key;
    let fates = drv_fates(change, specs);
    let r = computed.eval.resolution.entries.get(key);
    let outputs = r.map_or(1, |r| r.outputs.len());
    let mine: Vec<&PathChange> = change.changes.iter().filter(|c| c.id.key == *key && c.id.output.is_some()).collect();
    let newly_known = !mine.is_empty() && mine.iter().all(|c| c.before.is_none() && c.after.is_some());
    let declared = r.and_then(|r| match &r.kind {
        drvlab_engine::derivation::DrvKind::Fixed { hash, .. } => {
            Some((r.drv.name.clone(), hash.to_sri(), r.outputs.values().flatten().next().cloned().unwrap_or_default()))
        }
        _ => None,
    });
    match (fates.iter().find(|(k, _)| k == key).map(|(_, f)| *f), declared) {
        (Some(DrvFate::DrvOnly), Some((name, hash, path))) => Some(format!(
            "Who is wrong: not Nix. {key} is fixed-output, and its output path {path} is computed from its name ({name}) and its declared hash ({hash}) only — neither changed, so the path did not move. Nix is doing what it was told: it reuses the output already at that path (in the store or a binary cache), made by the old recipe, and never runs the new one. If the new recipe makes something else, the declared hash is now wrong and you must change it: put a fake one (lib.fakeHash), let the build fail with a hash mismatch, and copy the real hash from its \"got:\" line. (`nix-build --check` reruns the recipe and compares.)"
        )),
        (Some(DrvFate::DrvOnly), None) => Some(format!(
            "{key}'s .drv path moved but its {} stayed: the edit changed the recipe file, not what its outputs are computed from.",
            if outputs == 1 { "output path" } else { "output paths" }
        )),
        (Some(DrvFate::Rebuilds), _) if newly_known => Some(format!(
            "{key}'s {} known before building now (before, {} known only after building): no build made {} yet, so Nix would run {key}'s builder (or substitute {}, if a binary cache has {}).",
            if outputs == 1 { "output path is" } else { "output paths are" },
            if outputs == 1 { "it was" } else { "they were" },
            if outputs == 1 { "it" } else { "them" },
            if outputs == 1 { "it" } else { "them" },
            if outputs == 1 { "it" } else { "them" },
        )),
        (Some(DrvFate::Rebuilds), Some(_)) => Some(format!(
            "{key}'s output path moved: no build made it before, so Nix would fetch it anew and check it against the declared hash (or substitute it, if a binary cache has it)."
        )),
        (Some(DrvFate::Rebuilds), None) if outputs == 1 => Some(format!(
            "{key}'s output path moved: no build made it before, so Nix would run {key}'s builder (or substitute the path, if a binary cache has it)."
        )),
        (Some(DrvFate::Rebuilds), None) => Some(format!(
            "{key}'s output paths moved: no build made them before, so Nix would run {key}'s builder (or substitute them, if a binary cache has them)."
        )),
        _ => None,
    }
}

/// What one step of a story did, computed from the state it left: for an edit, the verdict,
/// the moves and what they mean; for a build, the toy build's verdict; for a selection, the
/// lints the page shows for the selected derivation.
pub fn outcome(after: &Playground, step: Step) -> Option<Suggested> {
    let plain =
        |verdict: String| Suggested { verdict, moves: String::new(), moved: vec![], meaning: None, then: vec![] };
    match step {
        Step::Edit(..) => {
            let change = after.last_change.as_ref()?;
            Some(Suggested {
                verdict: verdict(change, &after.specs),
                moves: moves_sentence(change, &after.specs),
                moved: change.changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect(),
                meaning: meaning(change, &after.computed, &after.specs),
                then: vec![],
            })
        }
        Step::Build(key) => Some(plain(build_verdict(&after.sim_log, key))),
        Step::Select(key) => {
            let lints: Vec<&str> =
                after.computed.lints.iter().filter(|l| l.key == key).map(|l| l.message.as_str()).collect();
            Some(plain(if lints.is_empty() {
                format!("the page has no warning for {key}")
            } else {
                format!("the page warns on {key}: {}", lints.join(" "))
            }))
        }
    }
}

/// A toy build's log in one sentence: what was built, reused or failed.
pub fn build_verdict(log: &[LogLine], key: &str) -> String {
    let built = log.iter().filter(|l| l.text.starts_with("building '")).count();
    let valid = log.iter().filter(|l| l.text.contains("is already valid")).count();
    if let Some(e) = log.iter().find(|l| l.level == Level::Error) {
        return format!("nix-build {key} fails: {}", e.text.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    match (built, valid) {
        (0, 0) => format!("nix-build {key}: nothing to report"),
        (0, v) => format!(
            "nix-build {key} builds nothing: {} already valid in the toy store, so no builder runs",
            if v == 1 { "its output path is".to_string() } else { format!("{v} output paths are") }
        ),
        (b, _) => {
            let done: Vec<&str> = log
                .iter()
                .filter(|l| l.text.contains("hash verified") || l.text.ends_with(": built"))
                .map(|l| l.text.as_str())
                .collect();
            format!(
                "nix-build {key} builds {}{}",
                plural(b, "derivation"),
                if done.is_empty() { String::new() } else { format!(": {}", done.join("; ")) }
            )
        }
    }
}

/// A sentence-level account of one change, for the panel under the editor: the verdict first,
/// then one sentence per case the change set holds.
pub fn account(change: &Change, computed: &Computed, specs: &SpecGraph) -> Vec<String> {
    let with = |f: Fate| -> Vec<&PathChange> { change.changes.iter().filter(|c| change.fate(c, specs) == f).collect() };
    let moved = with(Fate::Moved);
    // An output unknown before and after (content-addressed, deferred) did not stay: it is unknown.
    let stayed: Vec<&PathChange> = with(Fate::Stayed).into_iter().filter(|c| c.before.is_some()).collect();
    let keys_of = |v: Vec<&PathChange>| drvlab_engine::collect::set(v.into_iter().map(|c| c.id.key.clone()));
    let (added, removed) = (keys_of(with(Fate::Added)), keys_of(with(Fate::Removed)));
    let fates = drv_fates(change, specs);
    let mut lines = vec![verdict(change, specs)];
    let names = |v: &[&PathChange]| v.iter().map(|c| c.id.label()).collect::<Vec<_>>().join(", ");
    let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    if moved.is_empty() {
        lines.push(match (added.is_empty(), removed.is_empty()) {
            (true, true) => format!("{}: no path moved — Nix sees the same derivations as before.", change.label),
            _ => format!("{}: no existing path moved.", change.label),
        });
    } else {
        lines.push(format!("{}: {} moved ({}).", change.label, plural(moved.len(), "path"), names(&moved)));
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
    if !stayed.is_empty() || change.unlisted > 0 {
        // A big graph's edit leaves thousands of paths where they were: name the first few.
        const NAMED: usize = 40;
        let all = stayed.len() + change.unlisted;
        let named = names(&stayed[..stayed.len().min(NAMED)]);
        let more = all - stayed.len().min(NAMED);
        let rest = match (named.is_empty(), more) {
            (_, 0) => named,
            (true, n) => format!("{}, of derivations the edit does not reach", plural(n, "path")),
            (false, n) => format!("{named}, and {} more", thousands(n)),
        };
        lines.push(format!("{} stayed ({rest}).", plural_n(all, "path")));
    }
    let key = &change.edited_key;
    let outputs_of = |k: &str| computed.eval.resolution.entries.get(k).map_or(1, |r| r.outputs.len());
    let others = |f: DrvFate| -> Vec<String> { keys_with(&fates, f).into_iter().filter(|k| k != key).collect() };
    // Rule 1: the edited derivation's own fate.
    lines.extend(meaning(change, computed, specs));
    // Rule 2: derivations whose outputs moved because an input's did.
    let cascade = others(DrvFate::Rebuilds);
    if !cascade.is_empty() {
        lines.push(format!(
            "The {} of {} moved too: an input-addressed derivation's output paths are computed from its inputs' hashes, so a moved input output cascades to everything that uses it.",
            if cascade.len() == 1 && outputs_of(&cascade[0]) == 1 { "output path" } else { "output paths" },
            cascade.join(", ")
        ));
    }
    // Rule 3: derivations whose .drv alone moved.
    let drv_only = others(DrvFate::DrvOnly);
    let one_output = drv_only.len() == 1 && outputs_of(&drv_only[0]) == 1;
    if !drv_only.is_empty() {
        lines.push(format!(
            "Only the .drv {} of {} moved: {} name{} a changed .drv file, but {} {} stayed (a fixed-output derivation's output depends only on its name and declared hash, and an input-addressed one sees a fixed-output input only through that output path), so the old {} reused.",
            if drv_only.len() == 1 { "path" } else { "paths" },
            drv_only.join(", "),
            if drv_only.len() == 1 { "it" } else { "they" },
            if drv_only.len() == 1 { "s" } else { "" },
            if drv_only.len() == 1 { "its" } else { "their" },
            if one_output { "output path" } else { "output paths" },
            if one_output { "output is" } else { "outputs are" },
        ));
    }
    // Rule 4: outputs unknown before building.
    let know = keys_with(&fates, DrvFate::BuildsToKnow);
    if !know.is_empty() {
        lines.push(format!(
            "{}: output paths unknown before building (content-addressed or deferred), so they cannot be compared; {}, so Nix builds to find out.",
            know.join(", "),
            if know.len() == 1 { "its .drv moved" } else { "their .drv files moved" }
        ));
    }
    // Rule 5: nothing else moved.
    if fates.iter().all(|(k, f)| k == key || matches!(f, DrvFate::Stays)) {
        let users: Vec<&String> = specs
            .iter()
            .filter(|(_, s)| crate::lab::eval::references(s, specs).contains(key))
            .map(|(k, _)| k)
            .collect();
        lines.push(if users.is_empty() {
            "Nothing else moved: no derivation in the graph uses it.".to_string()
        } else {
            "Nothing else moved.".to_string()
        });
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
            (None, Some((k, r))) => (
                "repl",
                format!(
                    "{k}'s hash for dependents: {}, in place of {}",
                    crate::lab::words::dependents_hash(&r.kind),
                    r.drv_path
                ),
            ),
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
