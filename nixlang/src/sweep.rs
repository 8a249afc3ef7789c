//! What moves, per literal: each literal of the program (strings, numbers, paths, attribute
//! names) perturbed in turn, the program re-evaluated, and every path compared with the
//! unperturbed run's. Nothing is predicted: each row is an evaluation.

use crate::page::{evaluate, literals, parse_request, Literal, Outcome, Request};
use crate::Budget;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// The most literals one sweep perturbs.
pub const MAX_LITERALS: usize = 400;

/// What perturbing one literal did.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub literal: Literal,
    /// Path labels (`src .drv`, `app out`) that moved, or vanished.
    pub moved: Vec<String>,
    pub stayed: Vec<String>,
    /// The perturbed program failed (a renamed attribute someone selects, a path that does not
    /// exist): the message.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The program's own error, when it does not evaluate (then there are no rows).
    pub error: Option<String>,
    pub rows: Vec<Row>,
}

/// Every path of an outcome by label: a derivation is called by its top-level attribute name
/// when it has one, else by its name; `NAME .drv`, `NAME OUTPUT`.
pub fn labelled_paths(o: &Outcome) -> BTreeMap<String, String> {
    let mut by_path: BTreeMap<&str, String> = BTreeMap::new();
    for (name, p) in &o.names {
        by_path.entry(p.as_str()).or_insert_with(|| name.clone());
    }
    let mut out = BTreeMap::new();
    let mut used = std::collections::BTreeSet::new();
    for (p, d) in &o.derivations {
        let base = by_path.get(p.as_str()).cloned().unwrap_or_else(|| d.name.clone());
        let id = std::iter::once(base.clone())
            .chain((2..).map(|i| format!("{base}#{i}")))
            .find(|k| !used.contains(k))
            .unwrap_or(base);
        used.insert(id.clone());
        out.insert(format!("{id} .drv"), p.clone());
        for (o, out_) in &d.outputs {
            if !out_.path.is_empty() {
                out.insert(format!("{id} {o}"), out_.path.clone());
            }
        }
    }
    out
}

/// Perturbs each literal of `code` in turn and compares every path with the unperturbed run.
pub fn sweep(code: &str, files: &[(String, String)], budget: Budget) -> Sweep {
    let base = evaluate(code, files, budget.clone());
    if let Some(e) = base.error {
        return Sweep { error: Some(e.message), rows: vec![] };
    }
    let before = labelled_paths(&base);
    let mut rows = Vec::new();
    // Each row is a whole evaluation: a long program sweeps its first literals only (the page
    // says how many it swept).
    for lit in literals(code).into_iter().take(MAX_LITERALS) {
        let after = evaluate(&lit.perturbed(code), files, budget.clone());
        let (mut moved, mut stayed) = (Vec::new(), Vec::new());
        let error = after.error.as_ref().map(|e| e.message.clone());
        if error.is_none() {
            let now = labelled_paths(&after);
            let still: std::collections::BTreeSet<&String> = now.values().collect();
            for (label, p) in &before {
                // A path still made under another label (a renamed top-level attribute) did
                // not move: only its name in the program did.
                let kept = match now.get(label) {
                    Some(q) => q == p,
                    None => still.contains(p),
                };
                if kept {
                    stayed.push(label.clone());
                } else {
                    moved.push(label.clone());
                }
            }
        }
        rows.push(Row { literal: lit, moved, stayed, error });
    }
    Sweep { error: None, rows }
}

/// The answer to a `sweep` request: `{"op": "sweep", "id", "sweep": {"error", "rows"}}`.
pub fn answer(req: &Request) -> String {
    let s = sweep(&req.code, &req.files, Budget::default());
    json!({ "op": "sweep", "id": req.id, "sweep": to_json(&s) }).to_string()
}

/// The page worker's entry: a JSON request in, a JSON answer out (a sweep here, anything else
/// an evaluation, [`crate::page::answer`]).
pub fn respond(request: &str) -> String {
    match parse_request(request) {
        Err(e) => json!({ "error": { "message": e } }).to_string(),
        Ok(r) if r.op == "sweep" => answer(&r),
        Ok(r) => crate::page::answer(&r),
    }
}

pub fn to_json(s: &Sweep) -> Json {
    json!({
        "error": s.error,
        "rows": s.rows.iter().map(|r| json!({
            "start": r.literal.start,
            "end": r.literal.end,
            "kind": r.literal.kind,
            "moved": r.moved,
            "stayed": r.stayed,
            "error": r.error,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_name_moves_its_paths_and_its_users() {
        let code = r#"rec {
  a = derivation { name = "a"; builder = "b"; system = "c"; };
  u = derivation { name = "u"; builder = "b"; system = "c"; dep = a; };
}"#;
        let s = crate::cli::on_big_stack(move || sweep(code, &[], Budget::default()));
        assert!(s.error.is_none());
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "\"a\"").unwrap();
        assert_eq!(row.moved, ["a .drv", "a out", "u .drv", "u out"]);
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "\"u\"").unwrap();
        assert_eq!(row.moved, ["u .drv", "u out"]);
        assert_eq!(row.stayed, ["a .drv", "a out"]);
        // Renaming the attribute `dep` changes u's environment.
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "dep").unwrap();
        assert_eq!(row.moved, ["u .drv", "u out"]);
    }

    #[test]
    fn renaming_a_top_level_attribute_moves_no_path() {
        let code = r#"{
  a = derivation { name = "a"; builder = "b"; system = "c"; };
  u = derivation { name = "u"; builder = "b"; system = "c"; };
}"#;
        let s = crate::cli::on_big_stack(move || sweep(code, &[], Budget::default()));
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "a").unwrap();
        assert!(row.error.is_none());
        assert!(row.moved.is_empty(), "{:?}", row.moved);
        assert_eq!(row.stayed, ["a .drv", "a out", "u .drv", "u out"]);
    }
}
