//! A paste or a dropped file in (verified, lifted to editable attributes) and the graph out
//! (`.drv`, JSON, `.nix`).

use super::computed::Computed;
use crate::lab::eval::SpecGraph;
use drvlab_engine::graph::Options;
use std::collections::BTreeMap;

/// One imported derivation, verified: the path Nix wrote (its key, when it is a `.drv` path) and
/// what the engine computes, with every difference.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub key: String,
    pub drv_path: String,
    pub mismatches: Vec<drvlab_engine::graph::Mismatch>,
}

/// What a paste or a dropped file turned into.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub format: String,
    pub verified: Vec<Verified>,
    /// The closure as editable attributes, when it is complete.
    pub specs: Option<(SpecGraph, String)>,
    pub note: Option<String>,
}

/// Reads a pasted `.drv` (ATerm) or `nix derivation show` JSON, verifies every path it can and
/// lifts the closure to editable attributes. Errors say where (line and column) and what.
pub fn import_text(text: &str, opts: &Options) -> Result<ImportReport, String> {
    let trimmed = text.trim_start();
    if crate::lab::share::looks_like_file(text) {
        // A state saved by "Save the state as a file" (for a state too large for a link).
        let s = crate::lab::share::from_file(text).map_err(|e| format!("drvlab state file: {e}"))?;
        return Ok(ImportReport {
            format: "a drvlab state file".into(),
            verified: vec![],
            specs: Some((s.specs, s.selected)),
            note: None,
        });
    }
    let (graph, format) = if trimmed.starts_with("Derive(") || trimmed.starts_with("DrvWithVersion(") {
        let body = text.trim_end_matches('\n');
        let probe = drvlab_engine::aterm::parse_aterm(body.as_bytes(), "x").map_err(|e| format!(".drv text, {e}"))?;
        let name = probe.env.get("name").cloned().ok_or(".drv text has no env.name, so its name is unknown")?;
        let drv = drvlab_engine::derivation::Derivation { name, ..probe };
        if !drv.input_drvs.is_empty() {
            // Without the inputs only the .drv path can be checked.
            let mut refs: Vec<String> = drv.input_srcs.iter().cloned().collect();
            refs.extend(drv.input_drvs.keys().cloned());
            let path = drvlab_engine::store_path::text_path(
                &opts.store_dir,
                &format!("{}.drv", drv.name),
                body.as_bytes(),
                &refs,
                &mut drvlab_engine::trace::Trace::off(),
            );
            return Ok(ImportReport {
                format: "a .drv file (ATerm)".into(),
                verified: vec![Verified { key: drv.name.clone(), drv_path: path, mismatches: vec![] }],
                specs: None,
                note: Some(format!(
                    "Its .drv path is computed above. It has {} input derivation(s) that were not pasted, so its output paths cannot be verified or edited: paste `nix derivation show -r` JSON of it instead.",
                    drv.input_drvs.len()
                )),
            });
        }
        (drvlab_engine::graph::Graph::from([(drv.name.clone(), drv)]), "a .drv file (ATerm)".to_string())
    } else {
        let imp = drvlab_engine::import::import_json(text, &opts.store_dir).map_err(|e| e.to_string())?;
        (imp.graph, format!("nix derivation show JSON, {}", imp.shape.describe()))
    };
    // Verifying needs the paths, not the "how" traces (the page computes those afterwards, for
    // the derivation it shows): on a 5,000-derivation import the traces were half the work.
    let quiet = Options { trace: false, ..opts.clone() };
    let res = drvlab_engine::graph::resolve(&graph, &quiet).map_err(|e| e.to_string())?;
    let mut verified = Vec::new();
    for key in &res.order {
        let r = &res.entries[key];
        let mut mismatches = r.mismatches.clone();
        if let Some(given) = graph.get(key) {
            if format.starts_with("a .drv") && given.to_aterm_bytes() != r.aterm {
                mismatches.push(drvlab_engine::graph::Mismatch {
                    field: "the .drv text".into(),
                    given: String::from_utf8_lossy(&given.to_aterm_bytes()).into_owned(),
                    computed: String::from_utf8_lossy(&r.aterm).into_owned(),
                });
            }
        }
        verified.push(Verified { key: key.clone(), drv_path: r.drv_path.clone(), mismatches });
    }
    let lifted = crate::lab::lift::lift(&graph, &res);
    let selected = res.order.last().and_then(|k| lifted.keys.get(k)).cloned().unwrap_or_default();
    Ok(ImportReport { format, verified, specs: Some((lifted.specs, selected)), note: None })
}

/// The graph, exported: the selected derivation's `.drv` text, the whole graph as
/// `nix show-derivation` JSON (2.8 shape, keyed by `.drv` path), and as a `.nix` file — or,
/// when a source is a directory, a shell script that writes that file and the directories.
pub fn export(c: &Computed, specs: &SpecGraph, selected: &str) -> (String, String, String) {
    let aterm = c
        .eval
        .resolution
        .entries
        .get(selected)
        .map(|r| String::from_utf8_lossy(&r.aterm).into_owned())
        .unwrap_or_default();
    let by_path: BTreeMap<String, drvlab_engine::derivation::Derivation> =
        drvlab_engine::collect::map(c.eval.resolution.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())));
    let json = serde_json::to_string_pretty(&drvlab_engine::import::export_json_2_8(&by_path)).unwrap_or_default();
    let has_trees = specs.values().any(|s| s.sources.iter().any(|x| x.tree.is_some()));
    let nix =
        if has_trees { crate::lab::eval::to_shell_script(specs) } else { crate::lab::eval::to_nix_expression(specs) };
    (aterm, json, nix)
}

/// One derivation from a paste: `.drv` text, or JSON holding exactly one derivation (or the
/// last one in dependency order).
pub fn parse_one(text: &str, opts: &Options) -> Result<drvlab_engine::derivation::Derivation, String> {
    let t = text.trim();
    if t.starts_with("Derive(") {
        let d = drvlab_engine::aterm::parse_aterm(t.as_bytes(), "x").map_err(|e| format!(".drv text, {e}"))?;
        let name = d.env.get("name").cloned().ok_or(".drv text has no env.name")?;
        return Ok(drvlab_engine::derivation::Derivation { name, ..d });
    }
    let imp = drvlab_engine::import::import_json(t, &opts.store_dir).map_err(|e| e.to_string())?;
    let order = drvlab_engine::graph::dependency_order(&imp.graph).map_err(|e| e.to_string())?;
    let last = order.last().ok_or("no derivation")?;
    Ok(imp.graph[last].clone())
}
