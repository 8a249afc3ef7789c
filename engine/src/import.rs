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

use crate::derivation::{Derivation, DynNode, Output, IMPURE};
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

    /// [`Ctx::string`] of a value that is not needed again: its text is moved, not copied.
    fn take_string(&self, v: Option<&mut Value>, field: &str) -> Result<String, ImportError> {
        match v {
            Some(Value::String(s)) => Ok(std::mem::take(s)),
            other => self.string(other.map(|v| &*v), field),
        }
    }

    /// [`Ctx::strings`] of a value that is not needed again.
    fn take_strings(&self, v: Option<&mut Value>, field: &str) -> Result<Vec<String>, ImportError> {
        match v {
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                let text = |x: &mut Value| match x {
                    Value::String(s) => std::mem::take(s),
                    _ => String::new(),
                };
                Ok(items.iter_mut().map(text).collect())
            }
            other => self.strings(other.map(|v| &*v), field),
        }
    }

    fn strings(&self, v: Option<&Value>, field: &str) -> Result<Vec<String>, ImportError> {
        match v {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, x)| match x {
                    // The field's name is made only for an error.
                    Value::String(s) => Ok(s.clone()),
                    _ => self.string(Some(x), &format!("{field}[{i}]")),
                })
                .collect(),
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

/// JSON in, refusing an object that names one key twice (serde_json's own `Value` keeps the
/// last, which would silently drop the first; Nix's parser refuses such a document too).
fn parse_strict(text: &str) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    let v = StrictValue.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

struct StrictValue;

impl<'de> serde::de::DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(StrictValue)?;
            // One search per key: the place a new key goes, or the key seen before.
            match m.entry(k) {
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(v);
                }
                serde_json::map::Entry::Occupied(e) => {
                    return Err(serde::de::Error::custom(format!(
                        "key {:?} appears twice in one object (the first would be silently lost)",
                        e.key()
                    )));
                }
            }
        }
        Ok(Value::Object(m))
    }
}

/// Whether a key is a `.drv` store path, full or (2.32+) a basename.
fn is_drv_path_key(k: &str) -> bool {
    let base = basename(k);
    k.ends_with(".drv") && crate::store_path::check_store_path(&format!("/s/{base}")).is_ok()
}

/// Reads a `nix derivation show` / `nix show-derivation -r` document.
///
/// In one pass over the text the document's entries are found without building their values
/// (the syntax of the whole text is checked), then each entry is read, made a [`Derivation`]
/// and dropped before the next: memory holds the text, the graph and one entry's JSON, never
/// a JSON tree of the whole document (100,000 derivations). Documents that are not objects
/// keyed by derivation, and a single version-4 derivation, are read whole (they are small, or
/// errors).
pub fn import_json(text: &str, store_dir: &str) -> Result<Imported, ImportError> {
    match JsonEntries::find(text)? {
        Some(mut entries) => {
            entries.read(text, store_dir, &mut || true)?;
            Ok(entries.finish())
        }
        None => import_value(text, store_dir),
    }
}

/// A document's entries, found in one pass over the text without building their values (the
/// syntax of the whole text is checked), to be read a few at a time ([`JsonEntries::read`]):
/// [`import_json`] reads them all at once, the page a slice between frames.
#[derive(Debug, Clone)]
pub struct JsonEntries {
    keys: Vec<String>,
    /// Where each entry's value is in the text (byte offsets).
    spans: Vec<std::ops::Range<usize>>,
    shape: JsonShape,
    graph: Graph,
}

impl JsonEntries {
    /// The entries of `text`, or `None` when it is not an object keyed by derivation (nor a
    /// version-4 document of them): such a document is read whole, by [`import_json`].
    pub fn find(text: &str) -> Result<Option<JsonEntries>, ImportError> {
        let Some(top) = raw_object(text, text)? else { return Ok(None) };
        let (entries, shape) = match raw_get(&top, "version") {
            None => (top, JsonShape::Nix2_8),
            Some(version) => {
                let derivations =
                    raw_get(&top, "derivations").map(|d| raw_object(text, d.get())).transpose()?.flatten();
                match (parse_entry(text, version)?.as_u64(), derivations) {
                    (Some(4), Some(d)) => (d, JsonShape::V4),
                    _ => return Ok(None),
                }
            }
        };
        if entries.is_empty() {
            return Err(ImportError::Document("the document holds no derivations".into()));
        }
        let at = |raw: &serde_json::value::RawValue| {
            let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            start..start + raw.get().len()
        };
        let spans = entries.iter().map(|(_, v)| at(v)).collect();
        let keys = entries.into_iter().map(|(k, _)| k.into_owned()).collect();
        Ok(Some(JsonEntries { keys, spans, shape, graph: Graph::new() }))
    }

    /// Reads entries of `text` (the document they were found in): one, then more while
    /// `more()` says so; true when every entry is read. (Each call indexes the keys once.)
    pub fn read(&mut self, text: &str, store_dir: &str, more: &mut dyn FnMut() -> bool) -> Result<bool, ImportError> {
        let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        let by_base = InputKeys::of_sorted(&keys);
        for (i, key) in keys.iter().copied().enumerate().skip(self.graph.len()) {
            let raw = &text[self.spans[i].clone()];
            let value = parse_strict(raw).map_err(|e| syntax_at(text, raw, &e))?;
            let drv = read_entry(key, value, &by_base, &mut self.shape, store_dir)?;
            self.graph.insert(key.to_string(), drv);
            if self.graph.len() < keys.len() && !more() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// (entries read, entries in the document).
    pub fn progress(&self) -> (usize, usize) {
        (self.graph.len(), self.keys.len())
    }

    /// The graph, once [`JsonEntries::read`] has said every entry is read.
    pub fn finish(self) -> Imported {
        Imported { shape: self.shape, graph: self.graph }
    }
}

/// A JSON object's keys and the raw text of each value, in key order; `None` when `text` is
/// not an object. Refuses a key given twice (as [`parse_strict`] does).
fn raw_object<'t>(whole: &'t str, text: &'t str) -> Result<Option<RawEntries<'t>>, ImportError> {
    if text.trim_start().as_bytes().first() != Some(&0x7b) {
        // Not an object (its first character is not an opening brace).
        return Ok(None);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = serde::Deserializer::deserialize_map(&mut de, RawObject).and_then(|m| de.end().map(|_| m));
    entries.map(Some).map_err(|e| syntax_at(whole, text, &e))
}

/// Keys and raw values, sorted by key.
type RawEntries<'t> = Vec<(std::borrow::Cow<'t, str>, &'t serde_json::value::RawValue)>;

fn raw_get<'t>(entries: &RawEntries<'t>, key: &str) -> Option<&'t serde_json::value::RawValue> {
    entries.binary_search_by(|(k, _)| k.as_ref().cmp(key)).ok().map(|i| entries[i].1)
}

struct RawObject;

impl<'de> serde::de::Visitor<'de> for RawObject {
    type Value = RawEntries<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    /// Nix prints keys sorted: while each key is greater than the last none can repeat, and
    /// no set of keys is kept; from the first key out of order on, a set finds repeats.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut m: RawEntries<'de> = Vec::new();
        let mut seen: Option<BTreeSet<std::borrow::Cow<'de, str>>> = None;
        while let Some(k) = map.next_key_seed(Key)? {
            let v: &serde_json::value::RawValue = map.next_value()?;
            if seen.is_none() && m.last().is_some_and(|(last, _)| k <= *last) {
                seen = Some(m.iter().map(|(k, _)| k.clone()).collect());
            }
            if let Some(seen) = &mut seen {
                if !seen.insert(k.clone()) {
                    return Err(serde::de::Error::custom(format!(
                        "key {k:?} appears twice in one object (the first would be silently lost)"
                    )));
                }
            }
            m.push((k, v));
        }
        if seen.is_some() {
            m.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(m)
    }
}

/// An object key, borrowed from the text where it has no escapes.
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(s.to_string()))
    }
}

/// A syntax error in `part` (a slice of `whole`), placed in `whole`.
fn syntax_at(whole: &str, part: &str, e: &serde_json::Error) -> ImportError {
    let offset = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize).min(whole.len());
    let before = &whole.as_bytes()[..offset];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let base_line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let (line, column) = if e.line() <= 1 {
        (base_line, offset - line_start + e.column())
    } else {
        (base_line + e.line() - 1, e.column())
    };
    let message = e.to_string();
    // serde_json's message ends "at line L column C" of the part: say it of the whole text.
    let message = match message.rfind(" at line ") {
        Some(i) => format!("{} at line {line} column {column}", &message[..i]),
        None => message,
    };
    ImportError::Syntax { line, column, message }
}

/// One entry's value, read from its raw text (errors placed in the whole text).
fn parse_entry(whole: &str, raw: &serde_json::value::RawValue) -> Result<Value, ImportError> {
    parse_strict(raw.get()).map_err(|e| syntax_at(whole, raw.get(), &e))
}

/// The whole document as one JSON value, then its entries.
fn import_value(text: &str, store_dir: &str) -> Result<Imported, ImportError> {
    let doc: Value = parse_strict(text).map_err(|e| ImportError::Syntax {
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
    let single;
    let (entries, shape) = match top.get("version") {
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
            match (top.get("derivations"), top.get("outputs"), top.get("name")) {
                (Some(Value::Object(d)), _, _) => (d, JsonShape::V4),
                // One derivation on its own, as Nix's libstore tests print one (`json-4/*.json`):
                // keyed by its name.
                (None, Some(Value::Object(_)), Some(Value::String(name))) => {
                    single = Map::from_iter([(name.clone(), Value::Object(top.clone()))]);
                    (&single, JsonShape::V4)
                }
                _ => return Err(ImportError::Document("version-4 document has no \"derivations\" object".into())),
            }
        }
        _ => (&top, JsonShape::Nix2_8),
    };
    let keys: Vec<&str> = entries.keys().map(String::as_str).collect();
    import_entries(&keys, |i| Ok(std::borrow::Cow::Borrowed(&entries[keys[i]])), shape, store_dir)
}

/// Every entry, in key order: `value(i)` gives entry `i`'s JSON.
fn import_entries<'v>(
    keys: &[&str],
    mut value: impl FnMut(usize) -> Result<std::borrow::Cow<'v, Value>, ImportError>,
    mut shape: JsonShape,
    store_dir: &str,
) -> Result<Imported, ImportError> {
    if keys.is_empty() {
        return Err(ImportError::Document("the document holds no derivations".into()));
    }
    // Resolve inputDrvs keys: exactly, or a `.drv` path by its basename (2.32+ prints
    // basenames everywhere, but a hand-edited file may mix them). Only `.drv` paths, and only a
    // basename that one entry has: labels `a/x` and `b/x` are two entries, never mixed up.
    let by_base = InputKeys::of_sorted(keys);
    let mut graph = Graph::new();
    for (i, key) in keys.iter().copied().enumerate() {
        // Owned, so that its strings move into the derivation (a borrowed entry is copied).
        let drv = read_entry(key, value(i)?.into_owned(), &by_base, &mut shape, store_dir)?;
        graph.insert(key.to_string(), drv);
    }
    Ok(Imported { shape, graph })
}

/// One entry's JSON made a [`Derivation`]; `shape` grows with what the entry shows of its
/// printing (a `name` field: 2.15+; a basename key: 2.32+).
fn read_entry(
    key: &str,
    mut value: Value,
    by_base: &InputKeys,
    shape: &mut JsonShape,
    store_dir: &str,
) -> Result<Derivation, ImportError> {
    let cx = Ctx { entry: key, store_dir };
    let obj = match &mut value {
        Value::Object(o) => o,
        other => {
            return Err(ImportError::Document(format!("entry {key:?}: expected an object, found {}", kind_of(other))))
        }
    };
    if *shape != JsonShape::V4 {
        if obj.contains_key("name") {
            *shape = (*shape).max(JsonShape::Nix2_15);
        }
        if !key.starts_with('/') && key.ends_with(".drv") && key.len() > 33 && key.as_bytes()[32] == b'-' {
            *shape = (*shape).max(JsonShape::Nix2_32);
        }
    }
    let v4 = *shape == JsonShape::V4;
    import_entry(&cx, obj, by_base, v4, shape)
}

/// Why [`resolve_json`] failed: the document, or the graph it holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),
}

/// [`import_json`] and [`crate::graph::resolve_each`] in one pass, never holding the whole
/// graph: each entry's inputs are read first (only their keys), then, in dependency order, each
/// entry is made a [`Derivation`], resolved, handed to `each` and dropped. Memory holds the
/// text, and per derivation its `.drv` path and hash modulo. Any error is the one
/// `import_json` then `resolve_each` give (on an error, `each` may have seen some entries).
/// Returns the shape and the dependency order.
pub fn resolve_json(
    text: &str,
    store_dir: &str,
    opts: &crate::graph::Options,
    traced: &dyn Fn(&str) -> bool,
    mut each: impl FnMut(&str, crate::graph::Resolved),
) -> Result<(JsonShape, Vec<String>), StreamError> {
    let mut started = false;
    let fast = stream(text, store_dir, Some((opts, traced)), &mut |k, r| {
        started = true;
        each(k, r)
    });
    if let Some(done) = fast {
        return Ok(done);
    }
    // Some error: the whole-graph path names it as it always has.
    let imp = import_json(text, store_dir)?;
    let order = if started {
        crate::graph::resolve_each(&imp.graph, opts, traced, |_, _| {})?
    } else {
        crate::graph::resolve_each(&imp.graph, opts, traced, each)?
    };
    Ok((imp.shape, order))
}

/// The keys of one entry's input derivations (`inputDrvs`, or v4 `inputs.drvs`), and nothing
/// else of it; borrowed from the text (a key with an escape fails here, and the document is
/// then read the whole-graph way).
#[derive(serde::Deserialize)]
struct InputsOnly<'t> {
    #[serde(rename = "inputDrvs", default, borrow)]
    input_drvs: Option<BTreeMap<&'t str, serde::de::IgnoredAny>>,
    #[serde(default, borrow)]
    inputs: Option<V4InputsOnly<'t>>,
}

#[derive(serde::Deserialize)]
struct V4InputsOnly<'t> {
    #[serde(default, borrow)]
    drvs: Option<BTreeMap<&'t str, serde::de::IgnoredAny>>,
}

/// The dependency order [`resolve_json`] would return (every derivation after its inputs, ties
/// by key), found from each entry's `inputDrvs` keys alone: nothing is made a derivation or
/// resolved (`explain` without `--key` explains the last). An error in the document's shape or
/// its inputs is the one `import_json` gives; a derivation that cannot be resolved is found
/// only by resolving it.
pub fn dependency_order_json(text: &str, store_dir: &str) -> Result<Vec<String>, StreamError> {
    if let Some((_, order)) = stream(text, store_dir, None, &mut |_, _| {}) {
        return Ok(order);
    }
    Ok(crate::graph::dependency_order(&import_json(text, store_dir)?.graph)?)
}

/// What [`stream`] resolves with: the options, and which keys record traces.
type Resolving<'o> = (&'o crate::graph::Options, &'o dyn Fn(&str) -> bool);

/// [`resolve_json`]'s one pass (with no options: only the order, nothing resolved); `None` on
/// any error (the caller reads the document again).
fn stream(
    text: &str,
    store_dir: &str,
    resolving: Option<Resolving>,
    each: &mut dyn FnMut(&str, crate::graph::Resolved),
) -> Option<(JsonShape, Vec<String>)> {
    let top = raw_object(text, text).ok()??;
    let (entries, mut shape) = match raw_get(&top, "version") {
        None => (top, JsonShape::Nix2_8),
        Some(v) => match (parse_entry(text, v).ok()?.as_u64(), raw_get(&top, "derivations")) {
            (Some(4), Some(d)) => (raw_object(text, d.get()).ok()??, JsonShape::V4),
            _ => return None,
        },
    };
    let v4 = shape == JsonShape::V4;
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_ref()).collect();
    let index = InputKeys::of_sorted(&keys);
    // Each entry's inputs by number, in the order its inputDrvs will hold them.
    let (mut inputs, mut starts) = (Vec::with_capacity(keys.len() * 2), Vec::with_capacity(keys.len() + 1));
    for (_, raw) in &entries {
        starts.push(inputs.len());
        let only: InputsOnly = serde_json::from_str(raw.get()).ok()?;
        let listed = if v4 { only.inputs.and_then(|i| i.drvs) } else { only.input_drvs };
        // Entries are numbered in key order, so sorting the numbers sorts the targets' keys.
        let from = inputs.len();
        for k in listed.unwrap_or_default().keys() {
            inputs.push(index.position(k)?);
        }
        inputs[from..].sort_unstable();
        let mut kept = from;
        for i in from..inputs.len() {
            if i == from || inputs[i] != inputs[kept - 1] {
                inputs[kept] = inputs[i];
                kept += 1;
            }
        }
        inputs.truncate(kept);
    }
    starts.push(inputs.len());
    let Some((opts, traced)) = resolving else {
        let (order, _) = crate::graph::kahn(&inputs, &starts);
        return (order.len() == keys.len()).then(|| (shape, order.iter().map(|&i| keys[i].to_string()).collect()));
    };
    let make = |i: usize| -> Result<Derivation, ImportError> {
        let (key, mut value) = (keys[i], parse_entry(text, entries[i].1)?);
        let Value::Object(obj) = &mut value else { return Err(ImportError::Document(String::new())) };
        if !v4 {
            if obj.contains_key("name") {
                shape = shape.max(JsonShape::Nix2_15);
            }
            if !key.starts_with('/') && key.ends_with(".drv") && key.len() > 33 && key.as_bytes()[32] == b'-' {
                shape = shape.max(JsonShape::Nix2_32);
            }
        }
        import_entry(&Ctx { entry: key, store_dir }, obj, &index, v4, &mut shape)
    };
    let order = crate::graph::resolve_lazily(&keys, &inputs, &starts, opts, traced, make, each)?;
    Some((shape, order))
}

/// One entry made a derivation; its strings are moved out of `obj`.
fn import_entry(
    cx: &Ctx,
    obj: &mut Map<String, Value>,
    by_base: &InputKeys,
    v4: bool,
    shape: &mut JsonShape,
) -> Result<Derivation, ImportError> {
    let mut env = import_env(cx, obj)?;
    structured_attrs(cx, obj, &mut env)?;
    let name = entry_name(cx, obj, &env)?;

    let mut outputs = BTreeMap::new();
    for (oname, ov) in cx.object(obj.get("outputs"), "outputs")? {
        if oname.is_empty() {
            return Err(cx.err("outputs.\"\"", "an output named \"\" (Nix refuses an empty output name)"));
        }
        // The common case, an input-addressed output that has only its path: no field name made.
        let plain = match ov {
            Value::Object(o) if o.len() == 1 => match o.get("path") {
                Some(Value::String(p)) if !p.is_empty() => Some(cx.store_path(p)),
                _ => None,
            },
            _ => None,
        };
        let output = match plain {
            Some(path) => Output { path, hash_algo: String::new(), hash: String::new() },
            None => import_output(cx, &format!("outputs.{oname}"), ov, shape)?,
        };
        outputs.insert(oname.clone(), output);
    }

    let (input_srcs, input_drvs, dynamic_outputs) = import_inputs(cx, obj, by_base, v4, shape)?;
    let system = cx.take_string(obj.get_mut("system"), "system")?;
    let builder = cx.take_string(obj.get_mut("builder"), "builder")?;
    let args = cx.take_strings(obj.get_mut("args"), "args")?;
    Ok(Derivation { name, outputs, input_drvs, input_srcs, system, builder, args, env, dynamic_outputs })
}

/// The version-4 document's `structuredAttrs` object is the `.drv`'s `__json` env entry
/// (`StructuredAttrs::unparse`: the object printed compactly, keys sorted, as nlohmann's
/// `dump()` prints it). Older shapes hold `__json` in `env` already.
fn structured_attrs(cx: &Ctx, obj: &Map<String, Value>, env: &mut BTreeMap<String, String>) -> Result<(), ImportError> {
    match obj.get("structuredAttrs") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(m)) => {
            if env.contains_key("__json") {
                return Err(cx.err("structuredAttrs", "given both as structuredAttrs and as env.__json"));
            }
            let mut s = String::new();
            crate::json::write_compact(&mut s, &Value::Object(m.clone()));
            env.insert("__json".to_string(), s);
            Ok(())
        }
        Some(other) => Err(cx.err("structuredAttrs", format!("expected an object, found {}", kind_of(other)))),
    }
}

/// `env`: every value a string.
/// `env`: every value a string (moved out of `obj`).
fn import_env(cx: &Ctx, obj: &mut Map<String, Value>) -> Result<BTreeMap<String, String>, ImportError> {
    let env_obj = match obj.get_mut("env") {
        Some(Value::Object(m)) => std::mem::take(m),
        other => return cx.object(other.map(|v| &*v), "env").map(|_| BTreeMap::new()),
    };
    let mut env = BTreeMap::new();
    for (k, v) in env_obj {
        let v = match v {
            Value::String(s) => s,
            _ => cx.string(Some(&v), &format!("env.{k}"))?,
        };
        env.insert(k, v);
    }
    Ok(env)
}

/// The derivation's name: the `name` field (2.15+), else the `.drv` key's name, else `env.name`,
/// else (structured attributes) the `name` inside `env.__json`.
fn entry_name(cx: &Ctx, obj: &Map<String, Value>, env: &BTreeMap<String, String>) -> Result<String, ImportError> {
    if let Some(v) = obj.get("name") {
        return cx.string(Some(v), "name");
    }
    if let Some(n) = Derivation::name_from_drv_path(cx.entry) {
        return Ok(n.to_string());
    }
    if let Some(n) = env.get("name") {
        return Ok(n.clone());
    }
    let Some(json) = env.get("__json") else {
        return Err(cx.err("name", "missing: no name field, no env.name, and the key is not a .drv path"));
    };
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(m)) => match m.get("name") {
            Some(Value::String(n)) => Ok(n.clone()),
            _ => Err(cx.err("env.__json", "the structured attributes have no string \"name\"")),
        },
        Ok(_) => Err(cx.err("env.__json", "the structured attributes are not a JSON object")),
        Err(e) => Err(cx.err("env.__json", format!("the structured attributes are not JSON: {e}"))),
    }
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
    let impure = match o.get("impure") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(other) => {
            return Err(cx.err(format!("{field}.impure"), format!("expected a boolean, found {}", kind_of(other))))
        }
    };
    let output = match (algo_text, hash_text) {
        (None, None) if method.is_none() => Output { path, hash_algo: String::new(), hash: String::new() },
        (algo, hash) => {
            // `hashAlgo` may carry the method (`r:sha256`, before 2.23) or not (2.23+), and
            // the hash may be hex, nix32 or SRI (v4): normalise to what the ATerm holds.
            let (mut pre, algo_name) = match algo.as_deref() {
                Some(a) => match (a.strip_prefix("r:"), a.strip_prefix("text:")) {
                    (Some(rest), _) => ("r:", Some(rest.to_string())),
                    (_, Some(rest)) => ("text:", Some(rest.to_string())),
                    _ => ("", Some(a.to_string())),
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
                    let hash = if impure { IMPURE.to_string() } else { String::new() };
                    Output { path, hash_algo: format!("{pre}{algo}"), hash }
                }
            }
        }
    };
    Ok(output)
}

/// The ATerm prefix a 2.23+ `method` stands for (`r:` for nar, `text:` for text; `None` when
/// the document has no `method`).
fn method_prefix(cx: &Ctx, field: &str, method: Option<&str>) -> Result<Option<&'static str>, ImportError> {
    match method {
        None => Ok(None),
        Some("nar") => Ok(Some("r:")),
        Some("flat") => Ok(Some("")),
        Some("text") => Ok(Some("text:")),
        Some(m @ "git") => {
            Err(cx.err(format!("{field}.method"), format!("{m:?} outputs are not supported by drvlab yet")))
        }
        Some(m) => {
            Err(cx.err(format!("{field}.method"), format!("unknown method {m:?}; Nix uses nar, flat, text or git")))
        }
    }
}

type InputSets = (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>, BTreeMap<String, BTreeMap<String, DynNode>>);

/// The document's entries, to resolve `inputDrvs` keys against.
struct InputKeys<'a> {
    /// Every entry's key.
    exact: crate::collect::Index<'a>,
    keys: &'a [&'a str],
    /// Basenames of `.drv` path keys; `None` where two entries share one. Made on the first
    /// key that is not an entry's exact key (Nix 2.32+ documents key by basename while their
    /// `inputDrvs` may name full paths): a document whose keys all match never pays for it
    /// (100,000 store-path checks, 5% of `drvlab paths`).
    by_base: std::cell::OnceCell<BTreeMap<&'a str, Option<&'a str>>>,
}

impl<'a> InputKeys<'a> {
    /// `keys` sorted, as a `BTreeMap`'s keys are.
    fn of_sorted(keys: &'a [&'a str]) -> InputKeys<'a> {
        InputKeys { exact: crate::collect::Index::of_sorted(keys.iter().copied()), keys, by_base: Default::default() }
    }

    fn by_base(&self) -> &BTreeMap<&'a str, Option<&'a str>> {
        self.by_base.get_or_init(|| {
            let mut by_base: BTreeMap<&str, Option<&str>> = BTreeMap::new();
            for k in self.keys.iter().copied().filter(|k| is_drv_path_key(k)) {
                by_base.entry(basename(k)).and_modify(|e| *e = None).or_insert(Some(k));
            }
            by_base
        })
    }

    /// The number of the entry an `inputDrvs` key names, as [`InputKeys::target`] finds it.
    fn position(&self, k: &str) -> Option<usize> {
        match self.exact.get(k) {
            Some(i) => Some(i),
            None => self.exact.get(is_drv_path_key(k).then(|| self.by_base().get(basename(k))).flatten().copied()??),
        }
    }

    fn target(&self, cx: &Ctx, field: &str, k: &str) -> Result<String, ImportError> {
        if self.exact.get(k).is_some() {
            return Ok(k.to_string());
        }
        match is_drv_path_key(k).then(|| self.by_base().get(basename(k))).flatten() {
            Some(Some(e)) => Ok(e.to_string()),
            Some(None) => Err(cx.err(field, "its basename is the basename of two entries; name the entry exactly")),
            None => Err(cx.err(
                field,
                "names a derivation that is not in this document (use `nix derivation show -r` to include inputs)",
            )),
        }
    }
}

/// `inputSrcs` and `inputDrvs` (or the v4 `inputs.srcs` / `inputs.drvs`), each input derivation
/// named by the key of the entry it refers to; every source must be a store path, as
/// `parseStorePath` insists.
fn import_inputs(
    cx: &Ctx,
    obj: &Map<String, Value>,
    keys: &InputKeys,
    v4: bool,
    shape: &mut JsonShape,
) -> Result<InputSets, ImportError> {
    let (srcs_v, drvs_v, srcs_field, drvs_field) = if v4 {
        let inputs = cx.object(obj.get("inputs"), "inputs")?;
        (inputs.get("srcs"), inputs.get("drvs"), "inputs.srcs", "inputs.drvs")
    } else {
        (obj.get("inputSrcs"), obj.get("inputDrvs"), "inputSrcs", "inputDrvs")
    };
    let mut input_srcs = BTreeSet::new();
    for (i, s) in cx.strings(srcs_v, srcs_field)?.iter().enumerate() {
        let p = if s.is_empty() { String::new() } else { cx.store_path(s) };
        crate::store_path::check_store_path(&p)
            .map_err(|e| cx.err(format!("{srcs_field}[{i}]"), format!("{s:?} {e}")))?;
        input_srcs.insert(p);
    }
    let mut input_drvs = BTreeMap::new();
    let mut dynamic = BTreeMap::new();
    for (k, v) in cx.object(drvs_v, drvs_field)? {
        // The common case, a list of output names naming an entry exactly: no field name made.
        if let Value::Array(items) = v {
            if keys.exact.get(k).is_some() && items.iter().all(Value::is_string) {
                input_drvs
                    .insert(k.clone(), crate::collect::set(items.iter().filter_map(Value::as_str).map(str::to_owned)));
                continue;
            }
        }
        let field = format!("{drvs_field}.{k:?}");
        let node = input_outputs(cx, &field, v, v4, shape)?;
        let target = keys.target(cx, &field, k)?;
        if !node.children.is_empty() {
            dynamic.insert(target.clone(), node.children);
        }
        input_drvs.insert(target, node.outputs);
    }
    Ok((input_srcs, input_drvs, dynamic))
}

/// One input's outputs: a list (before 2.18), or `{"outputs": […], "dynamicOutputs": {…}}`
/// where each dynamic output is again such an object (`DerivedPathMap::ChildNode`).
fn input_outputs(cx: &Ctx, field: &str, v: &Value, v4: bool, shape: &mut JsonShape) -> Result<DynNode, ImportError> {
    match v {
        Value::Array(_) => {
            Ok(DynNode { outputs: crate::collect::set(cx.strings(Some(v), field)?), ..Default::default() })
        }
        Value::Object(o) => {
            if !v4 {
                *shape = (*shape).max(JsonShape::Nix2_18);
            }
            let outputs = crate::collect::set(cx.strings(o.get("outputs"), &format!("{field}.outputs"))?);
            let mut children = BTreeMap::new();
            match o.get("dynamicOutputs") {
                None | Some(Value::Null) => {}
                Some(Value::Object(d)) => {
                    for (name, child) in d {
                        let f = format!("{field}.dynamicOutputs.{name:?}");
                        children.insert(name.clone(), input_outputs(cx, &f, child, v4, shape)?);
                    }
                }
                Some(other) => {
                    return Err(cx.err(
                        format!("{field}.dynamicOutputs"),
                        format!("expected an object, found {}", kind_of(other)),
                    ))
                }
            }
            Ok(DynNode { outputs, children })
        }
        other => Err(cx.err(field, format!("expected a list of outputs, found {}", kind_of(other)))),
    }
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
            if o.hash == IMPURE {
                // Nix 2.8 prints an impure output as {"hashAlgo": "r:sha256", "impure": true}.
                m.insert("impure".into(), Value::Bool(true));
            } else if !o.hash.is_empty() {
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

    /// A text-hashed fixed output in the two JSON forms of Nix's libstore unit test
    /// `output-caFixedText.json` (hex with `hashAlgo`, and the structured hash): the path that
    /// test prints, and `text:sha256` in the ATerm.
    #[test]
    fn text_hashed_fixed_output() {
        let hex = "894517c9163c896ec31a2adbd33c0681fd5f45b2c0ef08a64c92a03fb97f390f";
        let sri = "iUUXyRY8iW7DGirb0zwGgf1fRbLA7wimTJKgP7l/OQ8=";
        for out in [
            format!(r#"{{"method": "text", "hashAlgo": "sha256", "hash": "{hex}"}}"#),
            format!(r#"{{"method": "text", "hash": {{"algorithm": "sha256", "format": "base64", "hash": "{sri}"}}}}"#),
        ] {
            let doc = MINIMAL
                .replace(r#""out": {}"#, &format!(r#""out": {out}"#))
                .replace(r#""name": "a""#, r#""name": "drv-name-output-name""#);
            let imp = import_json(&doc, DEFAULT_STORE_DIR).unwrap();
            assert_eq!(imp.graph["a"].outputs["out"].hash_algo, "text:sha256");
            let res = crate::graph::resolve(&imp.graph, &crate::graph::Options::default()).unwrap();
            assert_eq!(
                res.entries["a"].outputs["out"].as_deref(),
                Some("/nix/store/6s1zwabh956jvhv4w9xcdb5jiyanyxg1-drv-name-output-name")
            );
            assert!(res.entries["a"].drv.to_aterm_string().contains(&format!(r#""text:sha256","{hex}""#)));
        }
    }

    /// Labels that share a last component are two entries: each input resolves to its own.
    #[test]
    fn labels_with_slashes_are_not_mixed_up() {
        let entry = |name: &str, inputs: &str| {
            format!(
                r#"{{"outputs": {{"out": {{}}}}, "inputSrcs": [], "inputDrvs": {inputs}, "system": "x", "builder": "/bin/sh", "args": [], "env": {{"name": "{name}"}}}}"#
            )
        };
        let doc = format!(
            r#"{{"a/x": {}, "b/x": {}, "c": {}}}"#,
            entry("ax", "{}"),
            entry("bx", "{}"),
            entry("c", r#"{"b/x": ["out"], "a/x": ["out"]}"#)
        );
        let imp = import_json(&doc, DEFAULT_STORE_DIR).unwrap();
        let inputs: Vec<&String> = imp.graph["c"].input_drvs.keys().collect();
        assert_eq!(inputs, ["a/x", "b/x"]);
        // A 2.32 basename still finds its entry, but only a .drv path's basename.
        let base = "00000000000000000000000000000000-ax.drv";
        let doc = format!(
            r#"{{"/nix/store/{base}": {}, "c": {}}}"#,
            entry("ax", "{}"),
            entry("c", &format!(r#"{{"{base}": ["out"]}}"#))
        );
        let imp = import_json(&doc, DEFAULT_STORE_DIR).unwrap();
        assert!(imp.graph["c"].input_drvs.contains_key(&format!("/nix/store/{base}")));
    }

    /// One version-4 derivation on its own (the shape of Nix's `json-4/*.json` test data):
    /// structured attributes as an object, basenames, `method`, keyed by its name.
    #[test]
    fn a_single_version_4_derivation() {
        let doc = r#"{"version": 4, "name": "s", "system": "x", "builder": "/bin/sh", "args": [],
            "env": {"out": ""}, "inputs": {"srcs": [], "drvs": {}}, "outputs": {"out": {}},
            "structuredAttrs": {"name": "s", "system": "x", "builder": "/bin/sh", "n": [1, "é\b"]}}"#;
        let imp = import_json(doc, DEFAULT_STORE_DIR).unwrap();
        assert_eq!(imp.shape, JsonShape::V4);
        assert_eq!(
            imp.graph["s"].env["__json"],
            "{\"builder\":\"/bin/sh\",\"n\":[1,\"é\\b\"],\"name\":\"s\",\"system\":\"x\"}"
        );
    }

    /// Entry by entry or as one JSON tree: the same graph, the same error, at the same place.
    #[test]
    fn entry_by_entry_reads_as_the_whole_tree() {
        let golden = ["forms.nix28.json", "ca.nix28.json", "fetch-build.nix28.json"]
            .map(|f| std::fs::read_to_string(format!("{}/tests/golden/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap());
        let entry = r#"{"outputs": {"out": {}}, "inputSrcs": [], "inputDrvs": {}, "system": "x", "builder": "/bin/sh", "args": [], "env": {"name": "a"}}"#;
        let mut docs: Vec<String> = golden.to_vec();
        docs.extend([
            MINIMAL.to_string(),
            format!(
                "{{\n  \"a\": {entry},\n  \"b\": {}\n}}",
                entry.replace(r#""args": []"#, "\"args\": [],\n   \"args\": []")
            ),
            format!(r#"{{"a": {entry}, "a": {entry}}}"#),
            format!(r#"{{"a": {entry}, "b": 3}}"#),
            format!(r#"{{"b": {entry}, "a": {entry}, "c": {entry}, "b": {entry}}}"#),
            format!(r#"{{"b": {entry}, "a": {entry}}}"#),
            format!(r#"{{"version": 4, "derivations": {{"a": {}}}}}"#, entry.replace("inputSrcs", "x")),
            r#"{"version": "4"}"#.to_string(),
            "{}".to_string(),
            format!(r#"{{"a": {entry}}} x"#),
            format!("{{\"a\\u0041\": {entry}}}"),
        ]);
        for doc in &docs {
            assert_eq!(import_json(doc, DEFAULT_STORE_DIR), import_value(doc, DEFAULT_STORE_DIR), "{doc}");
        }
        assert!(err(&docs[4]).contains("appears twice"), "{}", err(&docs[4]));
    }

    /// In one pass or whole: the same resolutions, shape, order and errors; the golden
    /// documents and a generated closure take the one pass (no silent fallback).
    #[test]
    fn one_pass_resolves_as_import_then_resolve() {
        use crate::graph::{resolve_each, NixVersion, Options};
        let golden = ["forms.nix28.json", "ca.nix28.json", "fetch-build.nix28.json"]
            .map(|f| std::fs::read_to_string(format!("{}/tests/golden/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap());
        let g = crate::synth::graph(120, 9);
        let res = crate::graph::resolve(&g, &Options::default()).unwrap();
        let by_path = crate::collect::map(res.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())));
        let synth = export_json_2_8(&by_path).to_string();
        let cyclic = MINIMAL.replace(r#""inputDrvs": {}"#, r#""inputDrvs": {"a": ["out"]}"#);
        let missing = MINIMAL.replace(r#""inputDrvs": {}"#, r#""inputDrvs": {"b": ["out"]}"#);
        let mut docs: Vec<(&str, bool)> = golden.iter().map(|d| (d.as_str(), true)).collect();
        docs.extend([(synth.as_str(), true), (MINIMAL, true), (&cyclic, false), (&missing, false), ("[1]", false)]);
        let opts = Options { nix: Some(NixVersion::new(2, 8, 0)), trace: false, ..Options::default() };
        for (doc, one_pass) in docs {
            let traced = |k: &str| k.len().is_multiple_of(2);
            let mut ours = BTreeMap::new();
            let got = resolve_json(doc, DEFAULT_STORE_DIR, &opts, &traced, |k, r| {
                ours.insert(k.to_string(), r);
            });
            let want = import_json(doc, DEFAULT_STORE_DIR).map_err(StreamError::from).and_then(|imp| {
                let mut theirs = BTreeMap::new();
                let order = resolve_each(&imp.graph, &opts, &traced, |k, r| {
                    theirs.insert(k.to_string(), r);
                })?;
                Ok((imp.shape, order, theirs))
            });
            match want {
                Ok((shape, order, theirs)) => {
                    assert_eq!(got, Ok((shape, order)));
                    assert!(ours == theirs, "{doc}");
                }
                Err(e) => assert_eq!(got, Err(e)),
            }
            let streamed = stream(doc, DEFAULT_STORE_DIR, Some((&opts, &traced)), &mut |_, _| {}).is_some();
            assert_eq!(streamed, one_pass, "{doc}");
        }
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
