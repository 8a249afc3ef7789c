//! Reading derivations in: `nix derivation show` JSON in every shape Nix has printed, and `.drv`
//! text.
//!
//! Shapes, oldest first (each detected from the document itself):
//! - Nix 2.8–2.14: keyed by `.drv` path, `inputDrvs: {"<drv>": ["out"]}`, fixed outputs as
//!   `hashAlgo: "r:sha256"` + hex `hash`, no `name`;
//! - 2.15+: a `name` field;
//! - 2.18+: `inputDrvs: {"<drv>": {"outputs": [...], "dynamicOutputs": {}}}`;
//! - 2.23+: `method` (`nar`, `flat`) split from `hashAlgo`;
//! - 2.32+: store-path basenames instead of full paths;
//! - 2.33+: the version-4 document `{"version": 4, "derivations": {…}}` with
//!   `inputs.srcs` / `inputs.drvs` and SRI hashes.
//!
//! Keys may be real `.drv` paths or any labels; `inputDrvs` keys name other entries. Output paths
//! may be absent and own-output env values `""`: the engine computes them.

use crate::derivation::{Derivation, Output};
use crate::graph::Graph;
use crate::hash::{Hash, HashAlgo};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Which printing of `nix derivation show` a document looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum JsonShape {
    #[serde(rename = "nix-2.8")]
    Nix2_8,
    #[serde(rename = "nix-2.15")]
    Nix2_15,
    #[serde(rename = "nix-2.18")]
    Nix2_18,
    #[serde(rename = "nix-2.23")]
    Nix2_23,
    #[serde(rename = "nix-2.32")]
    Nix2_32,
    #[serde(rename = "nix-2.33-v4")]
    V4,
}

impl JsonShape {
    pub fn describe(self) -> &'static str {
        match self {
            JsonShape::Nix2_8 => {
                "Nix 2.8–2.14 (inputDrvs as lists, fixed outputs as hashAlgo \"r:sha256\", no name field)"
            }
            JsonShape::Nix2_15 => "Nix 2.15–2.17 (a name field)",
            JsonShape::Nix2_18 => "Nix 2.18–2.22 (inputDrvs as {outputs, dynamicOutputs})",
            JsonShape::Nix2_23 => "Nix 2.23–2.31 (method split from hashAlgo)",
            JsonShape::Nix2_32 => "Nix 2.32 (store-path basenames)",
            JsonShape::V4 => "Nix 2.33+ version-4 document (inputs.srcs / inputs.drvs, SRI hashes)",
        }
    }
}

/// What went wrong, and where: the entry and the field, as a person would look for them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("JSON syntax, line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    #[error("{0}")]
    Document(String),
    #[error("entry {entry:?}, field {field}: {message}")]
    Field { entry: String, field: String, message: String },
}

/// A derivation graph read from JSON, with what the document claimed about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub shape: JsonShape,
    pub graph: Graph,
}

struct Ctx<'a> {
    entry: &'a str,
    store_dir: &'a str,
}

impl Ctx<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> ImportError {
        ImportError::Field { entry: self.entry.to_string(), field: field.into(), message: message.into() }
    }

    fn string(&self, v: Option<&Value>, field: &str) -> Result<String, ImportError> {
        match v {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.err(field, format!("expected a string, found {}", kind_of(other)))),
            None => Err(self.err(field, "missing")),
        }
    }

    fn strings(&self, v: Option<&Value>, field: &str) -> Result<Vec<String>, ImportError> {
        match v {
            Some(Value::Array(items)) => {
                items.iter().enumerate().map(|(i, x)| self.string(Some(x), &format!("{field}[{i}]"))).collect()
            }
            Some(other) => Err(self.err(field, format!("expected a list of strings, found {}", kind_of(other)))),
            None => Err(self.err(field, "missing")),
        }
    }

    fn object<'v>(&self, v: Option<&'v Value>, field: &str) -> Result<&'v Map<String, Value>, ImportError> {
        match v {
            Some(Value::Object(m)) => Ok(m),
            Some(other) => Err(self.err(field, format!("expected an object, found {}", kind_of(other)))),
            None => Err(self.err(field, "missing")),
        }
    }

    /// A store path, full or (2.32+) a basename.
    fn store_path(&self, s: &str) -> String {
        if s.starts_with('/') {
            s.to_string()
        } else {
            format!("{}/{}", self.store_dir, s)
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Reads a `nix derivation show` / `nix show-derivation -r` document.
pub fn import_json(text: &str, store_dir: &str) -> Result<Imported, ImportError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| ImportError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(top) = doc else {
        return Err(ImportError::Document(format!(
            "expected a JSON object keyed by derivation, found {}",
            kind_of(&doc)
        )));
    };
    let (entries, mut shape) = match top.get("version") {
        Some(Value::String(v)) => {
            return Err(ImportError::Document(format!(
                "\"version\" is the text {v:?}; Nix writes the number (\"version\": 4, without quotes)"
            )))
        }
        Some(Value::Number(n)) if n.as_u64().is_none() => {
            return Err(ImportError::Document(format!(
                "\"version\" is {n}; Nix writes a whole number (\"version\": 4)"
            )))
        }
        Some(Value::Number(n)) => {
            if n.as_u64() != Some(4) {
                return Err(ImportError::Document(format!(
                    "document version {n} is not supported; drvlab reads version 4"
                )));
            }
            match top.get("derivations") {
                Some(Value::Object(d)) => (d, JsonShape::V4),
                _ => return Err(ImportError::Document("version-4 document has no \"derivations\" object".into())),
            }
        }
        _ => (&top, JsonShape::Nix2_8),
    };
    if entries.is_empty() {
        return Err(ImportError::Document("the document holds no derivations".into()));
    }
    // Resolve inputDrvs keys: exactly, or by basename (2.32+ prints basenames everywhere, but a
    // hand-edited file may mix them).
    let by_base: BTreeMap<&str, &str> = crate::collect::map(entries.keys().map(|k| (basename(k), k.as_str())));
    let mut graph = Graph::new();
    for (key, value) in entries {
        let cx = Ctx { entry: key, store_dir };
        let obj = match value {
            Value::Object(o) => o,
            other => {
                return Err(ImportError::Document(format!(
                    "entry {key:?}: expected an object, found {}",
                    kind_of(other)
                )))
            }
        };
        if shape != JsonShape::V4 {
            if obj.contains_key("name") {
                shape = shape.max(JsonShape::Nix2_15);
            }
            if !key.starts_with('/') && key.ends_with(".drv") && key.len() > 33 && key.as_bytes()[32] == b'-' {
                shape = shape.max(JsonShape::Nix2_32);
            }
        }
        let drv = import_entry(&cx, obj, &by_base, shape == JsonShape::V4, &mut shape)?;
        graph.insert(key.clone(), drv);
    }
    Ok(Imported { shape, graph })
}

fn import_entry(
    cx: &Ctx,
    obj: &Map<String, Value>,
    by_base: &BTreeMap<&str, &str>,
    v4: bool,
    shape: &mut JsonShape,
) -> Result<Derivation, ImportError> {
    if obj.contains_key("structuredAttrs") {
        return Err(cx.err("structuredAttrs", "structured attributes are not supported by drvlab yet"));
    }
    let env = import_env(cx, obj)?;
    let name = entry_name(cx, obj, &env)?;

    let mut outputs = BTreeMap::new();
    for (oname, ov) in cx.object(obj.get("outputs"), "outputs")? {
        outputs.insert(oname.clone(), import_output(cx, &format!("outputs.{oname}"), ov, shape)?);
    }

    let (input_srcs, input_drvs) = import_inputs(cx, obj, by_base, v4, shape)?;
    let system = cx.string(obj.get("system"), "system")?;
    let builder = cx.string(obj.get("builder"), "builder")?;
    let args = cx.strings(obj.get("args"), "args")?;
    Ok(Derivation { name, outputs, input_drvs, input_srcs, system, builder, args, env })
}

/// `env`: every value a string.
fn import_env(cx: &Ctx, obj: &Map<String, Value>) -> Result<BTreeMap<String, String>, ImportError> {
    let env_obj = cx.object(obj.get("env"), "env")?;
    let mut env = BTreeMap::new();
    for (k, v) in env_obj {
        env.insert(k.clone(), cx.string(Some(v), &format!("env.{k}"))?);
    }
    Ok(env)
}

/// The derivation's name: the `name` field (2.15+), else the `.drv` key's name, else `env.name`.
fn entry_name(cx: &Ctx, obj: &Map<String, Value>, env: &BTreeMap<String, String>) -> Result<String, ImportError> {
    Ok(match obj.get("name") {
        Some(v) => cx.string(Some(v), "name")?,
        None => match Derivation::name_from_drv_path(cx.entry) {
            Some(n) => n.to_string(),
            None => env
                .get("name")
                .cloned()
                .ok_or_else(|| cx.err("name", "missing: no name field, no env.name, and the key is not a .drv path"))?,
        },
    })
}

/// One entry of `outputs`, normalised to what the ATerm holds: `hashAlgo` with its `r:` prefix
/// (whether the document spells the method in `hashAlgo` or in `method`), the hash in hex.
fn import_output(cx: &Ctx, field: &str, ov: &Value, shape: &mut JsonShape) -> Result<Output, ImportError> {
    let field = field.to_string();
    let o = cx.object(Some(ov), &field)?;
    let path = match o.get("path") {
        None | Some(Value::Null) => String::new(),
        Some(v) => {
            let p = cx.string(Some(v), &format!("{field}.path"))?;
            if p.is_empty() {
                p
            } else {
                cx.store_path(&p)
            }
        }
    };
    let method = match o.get("method") {
        None | Some(Value::Null) => None,
        Some(v) => {
            *shape = (*shape).max(JsonShape::Nix2_23);
            Some(cx.string(Some(v), &format!("{field}.method"))?)
        }
    };
    let algo_text = match o.get("hashAlgo") {
        None | Some(Value::Null) => None,
        Some(v) => Some(cx.string(Some(v), &format!("{field}.hashAlgo"))?),
    };
    let hash_text = match o.get("hash") {
        None | Some(Value::Null) => None,
        // A structured hash, as newer JSON formats print them:
        // {"algorithm": "sha256", "format": "base64", "hash": "…"}.
        Some(Value::Object(h)) => {
            let algo = cx.string(h.get("algorithm"), &format!("{field}.hash.algorithm"))?;
            let body = cx.string(h.get("hash"), &format!("{field}.hash.hash"))?;
            Some(if body.contains('-') || body.contains(':') { body } else { format!("{algo}:{body}") })
        }
        Some(v) => Some(cx.string(Some(v), &format!("{field}.hash"))?),
    };
    let prefix = method_prefix(cx, &field, method.as_deref())?;
    let output = match (algo_text, hash_text) {
        (None, None) if method.is_none() => Output { path, hash_algo: String::new(), hash: String::new() },
        (algo, hash) => {
            // `hashAlgo` may carry the method (`r:sha256`, before 2.23) or not (2.23+), and
            // the hash may be hex, nix32 or SRI (v4): normalise to what the ATerm holds.
            let (mut pre, algo_name) = match algo.as_deref() {
                Some(a) => match a.strip_prefix("r:") {
                    Some(rest) => ("r:", Some(rest.to_string())),
                    None => ("", Some(a.to_string())),
                },
                None => ("", None),
            };
            if let Some(p) = prefix {
                pre = p;
            }
            let algo = match &algo_name {
                Some(a) => Some(HashAlgo::parse(a).map_err(|e| cx.err(format!("{field}.hashAlgo"), e.to_string()))?),
                None => None,
            };
            match hash {
                Some(h) => {
                    let parsed = Hash::parse(&h, algo).map_err(|e| cx.err(format!("{field}.hash"), e.to_string()))?;
                    Output { path, hash_algo: format!("{pre}{}", parsed.algo), hash: parsed.to_base16() }
                }
                None => {
                    let algo = algo
                        .ok_or_else(|| cx.err(format!("{field}.hashAlgo"), "missing for a content-addressed output"))?;
                    Output { path, hash_algo: format!("{pre}{algo}"), hash: String::new() }
                }
            }
        }
    };
    Ok(output)
}

/// The `r:` prefix a 2.23+ `method` stands for (`None` when the document has no `method`).
fn method_prefix(cx: &Ctx, field: &str, method: Option<&str>) -> Result<Option<&'static str>, ImportError> {
    match method {
        None => Ok(None),
        Some("nar") => Ok(Some("r:")),
        Some("flat") => Ok(Some("")),
        Some(m @ ("text" | "git")) => {
            Err(cx.err(format!("{field}.method"), format!("{m:?} outputs are not supported by drvlab yet")))
        }
        Some(m) => {
            Err(cx.err(format!("{field}.method"), format!("unknown method {m:?}; Nix uses nar, flat, text or git")))
        }
    }
}

type InputSets = (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>);

/// `inputSrcs` and `inputDrvs` (or the v4 `inputs.srcs` / `inputs.drvs`), each input derivation
/// named by the key of the entry it refers to.
fn import_inputs(
    cx: &Ctx,
    obj: &Map<String, Value>,
    by_base: &BTreeMap<&str, &str>,
    v4: bool,
    shape: &mut JsonShape,
) -> Result<InputSets, ImportError> {
    let (srcs_v, drvs_v, srcs_field, drvs_field) = if v4 {
        let inputs = cx.object(obj.get("inputs"), "inputs")?;
        (inputs.get("srcs"), inputs.get("drvs"), "inputs.srcs", "inputs.drvs")
    } else {
        (obj.get("inputSrcs"), obj.get("inputDrvs"), "inputSrcs", "inputDrvs")
    };
    let input_srcs: BTreeSet<String> =
        crate::collect::set(cx.strings(srcs_v, srcs_field)?.iter().map(|s| cx.store_path(s)));
    let mut input_drvs = BTreeMap::new();
    for (k, v) in cx.object(drvs_v, drvs_field)? {
        let field = format!("{drvs_field}.{k:?}");
        let wanted: Vec<String> = match v {
            Value::Array(_) => cx.strings(Some(v), &field)?,
            Value::Object(o) => {
                if !v4 {
                    *shape = (*shape).max(JsonShape::Nix2_18);
                }
                if let Some(Value::Object(d)) = o.get("dynamicOutputs") {
                    if !d.is_empty() {
                        return Err(cx.err(
                            format!("{field}.dynamicOutputs"),
                            "dynamic derivations are not supported by drvlab",
                        ));
                    }
                }
                cx.strings(o.get("outputs"), &format!("{field}.outputs"))?
            }
            other => return Err(cx.err(field, format!("expected a list of outputs, found {}", kind_of(other)))),
        };
        let target = if by_base.values().any(|e| *e == k) {
            k.clone()
        } else if let Some(e) = by_base.get(basename(k)) {
            e.to_string()
        } else {
            return Err(cx.err(
                field,
                "names a derivation that is not in this document (use `nix derivation show -r` to include inputs)",
            ));
        };
        input_drvs.insert(target, crate::collect::set(wanted));
    }
    Ok((input_srcs, input_drvs))
}

/// Prints a graph as `nix show-derivation` (2.8 shape) would, keyed by the given keys, with the
/// computed values where a resolution is given.
pub fn export_json_2_8(drvs: &BTreeMap<String, Derivation>) -> Value {
    let mut top = Map::new();
    for (key, d) in drvs {
        let mut outputs = Map::new();
        for (n, o) in &d.outputs {
            let mut m = Map::new();
            if !o.path.is_empty() {
                m.insert("path".into(), Value::String(o.path.clone()));
            }
            if !o.hash_algo.is_empty() {
                m.insert("hashAlgo".into(), Value::String(o.hash_algo.clone()));
            }
            if !o.hash.is_empty() {
                m.insert("hash".into(), Value::String(o.hash.clone()));
            }
            outputs.insert(n.clone(), Value::Object(m));
        }
        let mut e = Map::new();
        e.insert("outputs".into(), Value::Object(outputs));
        e.insert("inputSrcs".into(), d.input_srcs.iter().cloned().collect());
        e.insert(
            "inputDrvs".into(),
            Value::Object({
                let mut m = Map::new();
                for (k, v) in &d.input_drvs {
                    m.insert(k.clone(), v.iter().cloned().collect());
                }
                m
            }),
        );
        e.insert("system".into(), Value::String(d.system.clone()));
        e.insert("builder".into(), Value::String(d.builder.clone()));
        e.insert("args".into(), d.args.iter().cloned().collect());
        e.insert(
            "env".into(),
            Value::Object({
                let mut m = Map::new();
                for (k, v) in &d.env {
                    m.insert(k.clone(), Value::String(v.clone()));
                }
                m
            }),
        );
        top.insert(key.clone(), Value::Object(e));
    }
    Value::Object(top)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::store_path::DEFAULT_STORE_DIR;

    fn err(text: &str) -> String {
        import_json(text, DEFAULT_STORE_DIR).unwrap_err().to_string()
    }

    const MINIMAL: &str = r#"{"a": {"outputs": {"out": {}}, "inputSrcs": [], "inputDrvs": {}, "system": "x", "builder": "/bin/sh", "args": [], "env": {"name": "a"}}}"#;

    #[test]
    fn minimal_labelled_entry() {
        let imp = import_json(MINIMAL, DEFAULT_STORE_DIR).unwrap();
        assert_eq!(imp.shape, JsonShape::Nix2_8);
        assert_eq!(imp.graph["a"].name, "a");
    }

    #[test]
    fn errors_name_entry_and_field() {
        assert_eq!(err("[1]"), "expected a JSON object keyed by derivation, found a list");
        assert!(err("{").starts_with("JSON syntax, line 1, column 1"));
        assert_eq!(
            err(&MINIMAL.replace(r#""builder": "/bin/sh""#, r#""builder": 3"#)),
            "entry \"a\", field builder: expected a string, found a number"
        );
        assert_eq!(
            err(&MINIMAL.replace(r#""inputDrvs": {}"#, r#""inputDrvs": {"b": ["out"]}"#)),
            "entry \"a\", field inputDrvs.\"b\": names a derivation that is not in this document (use `nix derivation show -r` to include inputs)"
        );
        assert!(err(&MINIMAL.replace(r#""out": {}"#, r#""out": {"hashAlgo": "r:sha256", "hash": "abc"}"#))
            .starts_with("entry \"a\", field outputs.out.hash: hash \"abc\" is 3 characters"));
        assert!(err(&MINIMAL.replace(r#""env": {"name": "a"}"#, r#""env": {}"#)).contains("field name: missing"));
    }
}
