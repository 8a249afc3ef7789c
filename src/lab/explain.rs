//! What moves: apply an edit to a graph, recompute everything, and compare.
//!
//! Nothing here knows which fields "should" move which paths; it perturbs and recomputes with
//! [`drvlab_engine::graph::resolve`], so the answer is whatever Nix's algorithm gives — including the
//! surprising ones (a fixed-output derivation's builder moves its `.drv` path and nothing else).

use drvlab_engine::derivation::Derivation;
use drvlab_engine::graph::{resolve, Graph, GraphError, Options, Resolution};
use drvlab_engine::hash::Hash;
use drvlab_engine::store_path::FixedMode;

/// A field of one derivation that a person can edit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Field {
    Name,
    System,
    Builder,
    Arg(usize),
    Env(String),
    /// The declared hash of a fixed output.
    OutputHash(String),
    /// The method of a fixed output (flat or recursive).
    OutputMode(String),
    /// Adds an output with this name.
    AddOutput(String),
}

impl Field {
    /// The field as `drvlab moves --set` spells it.
    pub fn spelling(&self) -> String {
        match self {
            Field::Name => "name".into(),
            Field::System => "system".into(),
            Field::Builder => "builder".into(),
            Field::Arg(i) => format!("args.{i}"),
            Field::Env(k) => format!("env.{k}"),
            Field::OutputHash(o) => format!("outputs.{o}.hash"),
            Field::OutputMode(o) => format!("outputs.{o}.hashAlgo"),
            Field::AddOutput(o) => format!("outputs.{o}"),
        }
    }

    /// Parses `name`, `system`, `builder`, `args.N`, `env.KEY`, `outputs.O.hash`,
    /// `outputs.O.hashAlgo`, `outputs.O`.
    pub fn parse(s: &str) -> Result<Field, EditError> {
        Ok(match s {
            "name" => Field::Name,
            "system" => Field::System,
            "builder" => Field::Builder,
            _ => {
                if let Some(i) = s.strip_prefix("args.") {
                    Field::Arg(i.parse().map_err(|_| EditError::BadField(s.to_string()))?)
                } else if let Some(k) = s.strip_prefix("env.") {
                    Field::Env(k.to_string())
                } else if let Some(rest) = s.strip_prefix("outputs.") {
                    if let Some(o) = rest.strip_suffix(".hash") {
                        Field::OutputHash(o.to_string())
                    } else if let Some(o) = rest.strip_suffix(".hashAlgo") {
                        Field::OutputMode(o.to_string())
                    } else {
                        Field::AddOutput(rest.to_string())
                    }
                } else {
                    return Err(EditError::BadField(s.to_string()));
                }
            }
        })
    }
}

/// Set `field` of derivation `key` to `value`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    pub key: String,
    pub field: Field,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("unknown field {0:?}; use name, system, builder, args.N, env.KEY, outputs.OUT.hash, outputs.OUT.hashAlgo or outputs.OUT")]
    BadField(String),
    #[error("no derivation {0:?} in the graph")]
    NoKey(String),
    #[error("{key}: args.{index} does not exist (there are {len} args; use args.{len} to append)")]
    NoArg { key: String, index: usize, len: usize },
    #[error("{key}: output {output:?} does not exist")]
    NoOutput { key: String, output: String },
    #[error("{0}")]
    Graph(#[from] GraphError),
}

/// Applies an edit, returning the edited graph.
pub fn apply(graph: &Graph, edit: &Edit) -> Result<Graph, EditError> {
    let mut g = graph.clone();
    let drv = g.get_mut(&edit.key).ok_or_else(|| EditError::NoKey(edit.key.clone()))?;
    set_field(drv, &edit.key, &edit.field, &edit.value)?;
    Ok(g)
}

fn set_field(drv: &mut Derivation, key: &str, field: &Field, value: &str) -> Result<(), EditError> {
    match field {
        Field::Name => {
            drv.name = value.to_string();
            if drv.env.contains_key("name") {
                drv.env.insert("name".into(), value.to_string());
            }
        }
        Field::System => {
            drv.system = value.to_string();
            if drv.env.contains_key("system") {
                drv.env.insert("system".into(), value.to_string());
            }
        }
        Field::Builder => {
            drv.builder = value.to_string();
            if drv.env.contains_key("builder") {
                drv.env.insert("builder".into(), value.to_string());
            }
        }
        Field::Arg(i) => {
            let len = drv.args.len();
            match (*i).cmp(&len) {
                std::cmp::Ordering::Less => drv.args[*i] = value.to_string(),
                std::cmp::Ordering::Equal => drv.args.push(value.to_string()),
                std::cmp::Ordering::Greater => return Err(EditError::NoArg { key: key.to_string(), index: *i, len }),
            }
        }
        Field::Env(k) => {
            drv.env.insert(k.clone(), value.to_string());
        }
        Field::OutputHash(o) => {
            let out = drv
                .outputs
                .get_mut(o)
                .ok_or_else(|| EditError::NoOutput { key: key.to_string(), output: o.clone() })?;
            out.hash = value.to_string();
        }
        Field::OutputMode(o) => {
            let out = drv
                .outputs
                .get_mut(o)
                .ok_or_else(|| EditError::NoOutput { key: key.to_string(), output: o.clone() })?;
            out.hash_algo = value.to_string();
        }
        Field::AddOutput(o) => {
            drv.outputs.insert(o.clone(), drvlab_engine::derivation::Output::input_addressed());
        }
    }
    Ok(())
}

/// One path of the graph, identified for display: `(key, None)` is the `.drv` path,
/// `(key, Some(output))` an output path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct PathId {
    pub key: String,
    pub output: Option<String>,
}

impl PathId {
    pub fn label(&self) -> String {
        match &self.output {
            None => format!("{} .drv", self.key),
            Some(o) => format!("{} {o}", self.key),
        }
    }
}

/// Before and after for one path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathChange {
    pub id: PathId,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl PathChange {
    pub fn moved(&self) -> bool {
        self.before != self.after
    }
}

/// Every path of a resolution, in order: each derivation's `.drv` path then its outputs.
pub fn all_paths(res: &Resolution) -> Vec<(PathId, Option<String>)> {
    let mut v = Vec::new();
    for key in &res.order {
        let r = &res.entries[key];
        v.push((PathId { key: key.clone(), output: None }, Some(r.drv_path.clone())));
        for (o, p) in &r.outputs {
            v.push((PathId { key: key.clone(), output: Some(o.clone()) }, p.clone()));
        }
    }
    v
}

/// Compares two resolutions path by path (paths that exist in only one side count as moved).
pub fn compare(before: &Resolution, after: &Resolution) -> Vec<PathChange> {
    let b = all_paths(before);
    let a = drvlab_engine::collect::map(all_paths(after));
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (id, p) in b {
        let after = a.get(&id).cloned().flatten();
        seen.insert(id.clone());
        out.push(PathChange { id, before: p, after });
    }
    for (id, p) in all_paths(after) {
        if !seen.contains(&id) {
            out.push(PathChange { id, before: None, after: p });
        }
    }
    out
}

/// What moves when `edit` is applied: both graphs resolved, every path compared.
pub fn what_moves(graph: &Graph, opts: &Options, edit: &Edit) -> Result<Vec<PathChange>, EditError> {
    let before = resolve(graph, opts)?;
    let after = resolve(&apply(graph, edit)?, opts)?;
    Ok(compare(&before, &after))
}

/// A value different from `v` of the same kind, used to perturb a field in the sweep.
fn perturbed(field: &Field, drv: &Derivation) -> Option<String> {
    Some(match field {
        Field::Name => format!("{}-x", drv.name),
        Field::System => format!("{}-x", drv.system),
        Field::Builder => format!("{}-x", drv.builder),
        Field::Arg(i) => format!("{}-x", drv.args.get(*i)?),
        Field::Env(k) => format!("{}-x", drv.env.get(k)?),
        Field::OutputHash(o) => {
            let out = drv.outputs.get(o)?;
            let algo = out.hash_algo.trim_start_matches("r:");
            let mut h = Hash::parse(&out.hash, Some(drvlab_engine::hash::HashAlgo::parse(algo).ok()?)).ok()?;
            h.bytes[0] ^= 1;
            h.to_base16()
        }
        Field::OutputMode(o) => {
            let a = &drv.outputs.get(o)?.hash_algo;
            match a.strip_prefix(FixedMode::Recursive.prefix()) {
                Some(rest) => rest.to_string(),
                None => format!("r:{a}"),
            }
        }
        Field::AddOutput(_) => return None,
    })
}

/// The editable fields of one derivation, as the sweep perturbs them.
pub fn editable_fields(drv: &Derivation) -> Vec<Field> {
    let mut f = vec![Field::Name, Field::System, Field::Builder];
    f.extend((0..drv.args.len()).map(Field::Arg));
    for k in drv.env.keys() {
        // Own-output env entries are computed by Nix, and name/system/builder move together
        // with the fields above.
        if !drv.outputs.contains_key(k) && !matches!(k.as_str(), "name" | "system" | "builder") {
            f.push(Field::Env(k.clone()));
        }
    }
    for (o, out) in &drv.outputs {
        if !out.hash.is_empty() {
            f.push(Field::OutputHash(o.clone()));
        }
        if !out.hash_algo.is_empty() {
            f.push(Field::OutputMode(o.clone()));
        }
    }
    f
}

/// One row of the sensitivity sweep: a field and, for each path of the graph, whether it moved
/// (`None` where the perturbed graph fails to resolve).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SweepRow {
    pub key: String,
    /// The field as `drvlab moves --set` (or the page) spells it.
    pub field: String,
    pub value: String,
    pub moved: Result<Vec<bool>, String>,
}

/// The sensitivity sweep: every editable field of every derivation perturbed in turn, the
/// graph recomputed, every path compared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sweep {
    pub columns: Vec<PathId>,
    pub rows: Vec<SweepRow>,
}

pub fn sensitivity(graph: &Graph, opts: &Options) -> Result<Sweep, GraphError> {
    let quiet = Options { trace: false, ..opts.clone() };
    let base = resolve(graph, &quiet)?;
    let base_paths = all_paths(&base);
    let columns: Vec<PathId> = base_paths.iter().map(|(id, _)| id.clone()).collect();
    let mut rows = Vec::new();
    for key in &base.order {
        let drv = &graph[key];
        for field in editable_fields(drv) {
            let Some(value) = perturbed(&field, drv) else { continue };
            let edit = Edit { key: key.clone(), field: field.clone(), value: value.clone() };
            let moved = apply(graph, &edit)
                .map_err(|e| e.to_string())
                .and_then(|g| resolve(&g, &quiet).map_err(|e| e.to_string()))
                .map(|after| {
                    let changes = compare(&base, &after);
                    changes.iter().take(columns.len()).map(PathChange::moved).collect()
                });
            rows.push(SweepRow { key: key.clone(), field: field.spelling(), value, moved });
        }
    }
    Ok(Sweep { columns, rows })
}
