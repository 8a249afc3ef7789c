//! From what a person writes in `derivation { … }` to what Nix stores: a small stand-in for
//! `derivationStrict` (Nix's `libexpr/primops.cc`), enough for the playground.
//!
//! A [`DrvSpec`] holds the attributes of one `derivation` call. Strings may refer to another
//! derivation of the graph as `${key}` (its first output) or `${key.output}`; as in Nix, that
//! puts the output's path in the string and the derivation in `inputDrvs` (string context).
//! `builtins.toFile` sources become text paths in `inputSrcs`. Every attribute except `args` and
//! `__contentAddressed` lands in `env`, which is why editing a fixed-output derivation's URL moves
//! its `.drv` path: the URL is in its env.
//!
//! [`to_nix_expression`] prints the same graph as a `.nix` file that real `nix-instantiate` turns
//! into exactly these paths (checked against real Nix in the test suite).

use drvlab_engine::derivation::{Derivation, Output};
use drvlab_engine::graph::{resolve_one, GraphError, Options, Resolution, Resolved};
use drvlab_engine::hash::{Hash, HashAlgo};
use drvlab_engine::nar::{tree_from_files, FileTree, TreeError, TreeFile};
use drvlab_engine::store_path::{self, FixedMode};
use drvlab_engine::trace::Trace;
use std::collections::{BTreeMap, BTreeSet};

/// The fixed-output attributes: `outputHashMode`, `outputHashAlgo`, `outputHash`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FixedSpec {
    pub mode: FixedMode,
    /// `None` leaves `outputHashAlgo` out (allowed with an SRI or `algo:`-prefixed hash).
    pub algo: Option<HashAlgo>,
    /// As typed: base16, nix32, base64 or SRI, optionally `algo:`-prefixed.
    pub hash: String,
    /// Leave `outputHashMode` out (Nix then defaults to flat), as some imported derivations do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub omit_mode: bool,
    /// With `algo: None`, write `outputHashAlgo = ""` rather than leave it out: what
    /// `<nix/fetchurl.nix>` does for an SRI `hash`. Nix reads both as "from the hash", but the
    /// empty attribute is in the `.drv`'s env, so it moves the `.drv` path.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_algo: bool,
}

/// A source bound to an attribute: `builtins.toFile name contents` (a text path, which may
/// refer to earlier sources), or, when `tree` is set, a small directory added with
/// `builtins.path { path = ./dir; name = …; }` (a source path: sha256 of its NAR, never with
/// references, since Nix does not scan files it copies in).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceSpec {
    pub attr: String,
    pub name: String,
    /// The text of a `toFile` source (unused for a directory).
    #[serde(default)]
    pub contents: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<Vec<TreeFile>>,
}

impl SourceSpec {
    /// The store path this source becomes (and, for a `toFile` text, the earlier sources it
    /// refers to). `earlier` holds the attributes and paths of the sources before it.
    fn store_path(&self, store_dir: &str, earlier: &[(&str, String)], trace: &mut Trace) -> Result<String, TreeError> {
        match &self.tree {
            None => {
                let (contents, refs) = substitute_sources(&self.contents, earlier);
                trace.step("builtins.toFile contents", &contents);
                if !refs.is_empty() {
                    trace.step("references (earlier sources named in it)", refs.join(" "));
                }
                Ok(store_path::text_path(store_dir, &self.name, contents.as_bytes(), &refs, trace))
            }
            Some(files) => {
                let nar =
                    tree_from_files(files)?.to_nar().map_err(|e| TreeError { index: 0, message: e.to_string() })?;
                trace.step_with("NAR of the directory (tokens)", || drvlab_engine::nar::nar_listing(&nar));
                Ok(store_path::source_path(store_dir, &self.name, &nar, &[], trace))
            }
        }
    }
}

/// How source `i` of a spec became its store path, step by step (`None` if there is no such
/// source or it, or an earlier one it may refer to, is invalid).
pub fn source_trace(spec: &DrvSpec, i: usize, store_dir: &str) -> Option<Trace> {
    let mut earlier: Vec<(&str, String)> = Vec::new();
    for src in spec.sources.get(..i)? {
        earlier.push((src.attr.as_str(), src.store_path(store_dir, &earlier, &mut Trace::off()).ok()?));
    }
    let mut trace = Trace::default();
    spec.sources.get(i)?.store_path(store_dir, &earlier, &mut trace).ok()?;
    Some(trace)
}

/// The attributes of one `derivation { … }` call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DrvSpec {
    pub name: String,
    pub system: String,
    pub builder: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Other attributes, in the order the person wrote them (Nix sorts them into env).
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// `outputs = [ … ]`; empty means the attribute is absent (one output, `out`).
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub fixed: Option<FixedSpec>,
    /// `__contentAddressed = true` (floating; recursive sha256).
    #[serde(default)]
    pub content_addressed: bool,
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// Store paths used as sources whose contents drvlab does not have (from an imported
    /// derivation's `inputSrcs`); they enter `inputSrcs` as they are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub store_srcs: Vec<String>,
    /// `__structuredAttrs = true`: the attributes go into one env entry, `__json`, printed as
    /// Nix 2.8's `derivationStrict` prints them (only `args` and the output paths stay apart).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub structured_attrs: bool,
    /// With structured attributes, attributes whose values are not strings (numbers, booleans,
    /// null, lists, sets), as JSON; strings inside may hold `${key}` references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub typed_env: Vec<(String, serde_json::Value)>,
    /// `__impure = true`: built anew every time; no path before building, and its users wait.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub impure: bool,
}

impl DrvSpec {
    /// A plain input-addressed `derivation { name; system; builder; args; }` with nothing else.
    pub fn new(name: &str, system: &str, builder: &str, args: &[&str]) -> DrvSpec {
        DrvSpec {
            name: name.into(),
            system: system.into(),
            builder: builder.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: vec![],
            outputs: vec![],
            fixed: None,
            content_addressed: false,
            sources: vec![],
            store_srcs: vec![],
            structured_attrs: false,
            typed_env: vec![],
            impure: false,
        }
    }

    /// The outputs this derivation has, in the order given.
    pub fn output_names(&self) -> Vec<String> {
        if self.outputs.is_empty() {
            vec!["out".to_string()]
        } else {
            self.outputs.clone()
        }
    }
}

/// A graph of specs by key. Keys are Nix identifiers (they are `let` bindings in the export).
/// Each spec is shared (`Rc`) between the page's states, so an edit copies the one spec it
/// changes and the map's keys, not 5,000 derivations' strings (`Rc::make_mut` to change one).
pub type SpecGraph = BTreeMap<String, std::rc::Rc<DrvSpec>>;

/// What is wrong with one attribute of one derivation; `field` names it as the page does
/// (`name`, `builder`, `args.1`, `env.2.value`, `fixed.hash`, `outputs`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{key}: {field}: {message}")]
pub struct EvalError {
    pub key: String,
    pub field: String,
    pub message: String,
}

impl EvalError {
    /// The error in the page's words: which derivation, which field (as the editor labels it),
    /// what is wrong.
    pub fn describe(&self) -> String {
        let field = self.field_label();
        let key = if self.key.is_empty() { "the graph".to_string() } else { format!("derivation {}", self.key) };
        if field.is_empty() {
            format!("{key}: {}", self.message)
        } else {
            format!("{key}, {field}: {}", self.message)
        }
    }

    /// The field as the editor labels it (`args 1`, `env row 3`, `store source 1`); empty for
    /// the derivation as a whole (its inputs, the graph).
    pub fn field_label(&self) -> String {
        let parts: Vec<&str> = self.field.split('.').collect();
        let field = match parts.as_slice() {
            ["args", i] => format!("args {i}"),
            ["env", i, "key"] => format!("the name of env row {}", i.parse::<usize>().map_or(0, |i| i + 1)),
            ["env", i, "value"] => format!("env row {}", i.parse::<usize>().map_or(0, |i| i + 1)),
            ["fixed", "hash"] => "outputHash".into(),
            ["sources", i, rest @ ..] => {
                format!("source {} {}", i.parse::<usize>().map_or(0, |i| i + 1), rest.join(" "))
            }
            ["store_srcs", i] => format!("store source {}", i.parse::<usize>().map_or(0, |i| i + 1)),
            ["inputs"] | ["graph"] => String::new(),
            _ => self.field.clone(),
        };
        field.trim_end().to_string()
    }
}

/// Attributes the person cannot set as plain env rows, because they have their own fields.
pub const RESERVED: [&str; 11] = [
    "name",
    "system",
    "builder",
    "args",
    "outputs",
    "outputHash",
    "outputHashAlgo",
    "outputHashMode",
    "__contentAddressed",
    "__impure",
    "__structuredAttrs",
];

/// Attributes `derivationStrict` reads as booleans: as strings (all an env row can hold) Nix
/// refuses them, so the lab does too.
pub const SWITCHES: [&str; 3] = ["__structuredAttrs", "__ignoreNulls", "__impure"];

/// Every string of a spec, with the field the page names it by.
fn spec_strings(spec: &DrvSpec) -> Vec<(String, &str)> {
    let mut v: Vec<(String, &str)> =
        vec![("name".into(), &spec.name), ("system".into(), &spec.system), ("builder".into(), &spec.builder)];
    v.extend(spec.args.iter().enumerate().map(|(i, a)| (format!("args.{i}"), a.as_str())));
    for (i, (k, x)) in spec.env.iter().enumerate() {
        v.push((format!("env.{i}.key"), k));
        v.push((format!("env.{i}.value"), x));
    }
    v.extend(spec.outputs.iter().map(|o| ("outputs".to_string(), o.as_str())));
    if let Some(f) = &spec.fixed {
        v.push(("fixed.hash".into(), &f.hash));
    }
    for (i, src) in spec.sources.iter().enumerate() {
        v.push((format!("sources.{i}.attr"), &src.attr));
        v.push((format!("sources.{i}.name"), &src.name));
        v.push((format!("sources.{i}.contents"), &src.contents));
        for (j, t) in src.tree.iter().flatten().enumerate() {
            v.push((format!("sources.{i}.tree.{j}.path"), &t.path));
            v.push((format!("sources.{i}.tree.{j}.contents"), &t.contents));
        }
    }
    v.extend(spec.store_srcs.iter().enumerate().map(|(i, p)| (format!("store_srcs.{i}"), p.as_str())));
    v
}

/// What no Nix string can hold (a NUL character: Nix's strings end there), and store sources
/// that are not store paths. Returns the field and the message.
fn check_text(spec: &DrvSpec, opts: &Options) -> Result<(), (String, String)> {
    for (field, text) in spec_strings(spec) {
        if let Some(at) = text.chars().position(|c| c == '\0') {
            return Err((
                field,
                format!("has a NUL character (at character {}), which a Nix string cannot hold", at + 1),
            ));
        }
    }
    for (i, p) in spec.store_srcs.iter().enumerate() {
        let ok = store_path::parse_store_path(&opts.store_dir, p).is_some_and(|(hash, name)| {
            hash.bytes().all(|b| b"0123456789abcdfghijklmnpqrsvwxyz".contains(&b))
                && store_path::check_name(name).is_ok()
        });
        if !ok {
            return Err((
                format!("store_srcs.{i}"),
                format!("{p:?} is not a store path ({}/<32 nix32 characters>-<name>)", opts.store_dir),
            ));
        }
    }
    Ok(())
}

/// A reference `${key}` or `${key.output}` found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ref {
    start: usize,
    end: usize,
    key: String,
    output: Option<String>,
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '\'')
}

/// An output name in a reference: an identifier, or (a floating output, which Nix does not
/// name-check) any text without braces, quotes or spaces, such as `foo$` or `out/`.
fn is_output_name(s: &str) -> bool {
    is_ident(s) || (!s.is_empty() && !s.chars().any(|c| c.is_whitespace() || matches!(c, '{' | '}' | '"' | '\\' | '.')))
}

/// Finds `${key}` / `${key.out}` where `key` is in the graph; anything else stays literal.
fn find_refs(s: &str, keys: &dyn Fn(&str) -> bool) -> Vec<Ref> {
    let mut refs = Vec::new();
    let mut i = 0;
    while let Some(off) = s[i..].find("${") {
        let start = i + off;
        let Some(len) = s[start + 2..].find('}') else { break };
        let inner = &s[start + 2..start + 2 + len];
        let (k, o) = match inner.split_once('.') {
            Some((k, o)) => (k, Some(o)),
            None => (inner, None),
        };
        if is_ident(k) && keys(k) && o.is_none_or(is_output_name) {
            refs.push(Ref { start, end: start + 3 + len, key: k.to_string(), output: o.map(str::to_string) });
            i = start + 3 + len;
        } else {
            i = start + 2;
        }
    }
    refs
}

/// The keys a spec refers to (its inputs in the graph).
pub fn references(spec: &DrvSpec, graph: &SpecGraph) -> BTreeSet<String> {
    let has = |k: &str| graph.contains_key(k);
    let mut out = BTreeSet::new();
    let mut typed = Vec::new();
    for (_, v) in &spec.typed_env {
        json_strings(v, &mut typed);
    }
    let strings = std::iter::once(&spec.builder)
        .chain(&spec.args)
        .chain(spec.env.iter().flat_map(|(k, v)| [k, v]))
        .chain(spec.typed_env.iter().map(|(k, _)| k))
        .chain(typed);
    for s in strings {
        out.extend(find_refs(s, &has).into_iter().map(|r| r.key));
    }
    out
}

/// Every string inside a JSON value.
fn json_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a String>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| json_strings(x, out)),
        _ => {}
    }
}

/// `downstreamPlaceholder`: what `${drv}` is for an output of a content-addressed (or deferred)
/// derivation, whose path is unknown before building.
pub fn downstream_placeholder(drv_path: &str, drv_name: &str, output: &str) -> String {
    let hash_part = drv_path.rsplit('/').next().unwrap_or("").get(..store_path::HASH_PART_LEN).unwrap_or("");
    let clear = format!("nix-upstream-output:{hash_part}:{}", store_path::output_path_name(drv_name, output));
    format!("/{}", Hash::sha256(clear.as_bytes()).to_nix32())
}

/// The result of evaluating a spec graph: the resolution of each derivation (keyed like the
/// specs; its `drv` is the derivation as Nix stores it), and per-derivation errors (a
/// derivation whose input failed is reported too, so the page can grey it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluated {
    pub resolution: Resolution,
    pub errors: Vec<EvalError>,
}

/// Substitutes references in one string, recording the inputs they pull in.
fn substitute(
    s: &str,
    key: &str,
    field: &str,
    specs: &SpecGraph,
    done: &BTreeMap<String, Resolved>,
    inputs: &mut BTreeMap<String, BTreeSet<String>>,
) -> Result<String, EvalError> {
    let refs = find_refs(s, &|k| specs.contains_key(k));
    if refs.is_empty() {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len() + 64);
    let mut last = 0;
    for r in refs {
        let err = |message: String| EvalError { key: key.to_string(), field: field.to_string(), message };
        if r.key == key {
            return Err(err(format!("refers to itself (${{{}}}); a derivation cannot use its own output", r.key)));
        }
        let spec = &specs[&r.key];
        let output = r.output.clone().unwrap_or_else(|| spec.output_names()[0].clone());
        if !spec.output_names().contains(&output) {
            return Err(err(format!("{} has no output {output:?} (it has {})", r.key, spec.output_names().join(", "))));
        }
        let Some(res) = done.get(&r.key) else {
            return Err(err(format!("uses {}, which has an error", r.key)));
        };
        let value = match res.outputs.get(&output).cloned().flatten() {
            Some(p) => p,
            None => downstream_placeholder(&res.drv_path, &res.drv.name, &output),
        };
        out.push_str(&s[last..r.start]);
        out.push_str(&value);
        last = r.end;
        inputs.entry(r.key.clone()).or_default().insert(output);
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// Builds the derivation Nix would store for `spec` (outputs still blank), given its resolved
/// inputs.
pub fn to_derivation(
    key: &str,
    spec: &DrvSpec,
    specs: &SpecGraph,
    done: &BTreeMap<String, Resolved>,
    opts: &Options,
) -> Result<Derivation, EvalError> {
    let err = |field: &str, message: String| EvalError { key: key.to_string(), field: field.to_string(), message };
    check_text(spec, opts).map_err(|(field, message)| err(&field, message))?;
    // As derivationStrict: "required attribute 'builder' missing" for an empty one.
    for (field, v) in [("system", &spec.system), ("builder", &spec.builder)] {
        if v.is_empty() {
            return Err(err(
                field,
                format!("is empty; Nix requires a {field} (\"required attribute '{field}' missing\")"),
            ));
        }
    }
    let mut inputs = BTreeMap::new();
    let mut env = BTreeMap::new();
    let builder = substitute(&spec.builder, key, "builder", specs, done, &mut inputs)?;
    env.insert("name".to_string(), spec.name.clone());
    env.insert("system".to_string(), spec.system.clone());
    env.insert("builder".to_string(), builder.clone());
    let outputs = spec.output_names();
    if !spec.outputs.is_empty() {
        let mut seen = BTreeSet::new();
        for o in &spec.outputs {
            if !seen.insert(o) {
                return Err(err("outputs", format!("output {o:?} is listed twice")));
            }
            // A floating or impure output gets no path at evaluation time, so Nix checks no name
            // for it (`out/` is fine there).
            if o.is_empty() || !(spec.content_addressed || spec.impure) {
                opts.names().check(o).map_err(|e| err("outputs", format!("output name: {e}")))?;
            }
        }
        env.insert("outputs".to_string(), spec.outputs.join(" "));
    }
    let mut args = Vec::with_capacity(spec.args.len());
    for (i, a) in spec.args.iter().enumerate() {
        args.push(substitute(a, key, &format!("args.{i}"), specs, done, &mut inputs)?);
    }
    for (i, (k, v)) in spec.env.iter().enumerate() {
        if k.is_empty() {
            return Err(err(&format!("env.{i}.key"), "attribute name is empty".into()));
        }
        if SWITCHES.contains(&k.as_str()) {
            return Err(err(
                &format!("env.{i}.key"),
                format!("{k:?} is a switch Nix reads as true or false, not a string; drvlab does not model it"),
            ));
        }
        if RESERVED.contains(&k.as_str()) || outputs.contains(k) {
            return Err(err(&format!("env.{i}.key"), format!("{k:?} has its own field; set it there")));
        }
        let value = substitute(v, key, &format!("env.{i}.value"), specs, done, &mut inputs)?;
        // An attribute name carries no string context in Nix (the export discards it), so a
        // reference in a name is text only: it makes no input.
        let k = &substitute(k, key, &format!("env.{i}.key"), specs, done, &mut BTreeMap::new())?;
        if env.insert(k.clone(), value).is_some() {
            return Err(err(&format!("env.{i}.key"), format!("attribute {k:?} is set twice")));
        }
    }
    let mut input_srcs: BTreeSet<String> = drvlab_engine::collect::set(spec.store_srcs.iter().cloned());
    // `builtins.toFile` sources; one may refer to an earlier one as `${attr}`, which makes it a
    // text path with that path as a reference (toFile may refer to store paths, not to outputs).
    let mut src_paths: Vec<(&str, String)> = Vec::new();
    for (i, src) in spec.sources.iter().enumerate() {
        if RESERVED.contains(&src.attr.as_str()) || env.contains_key(&src.attr) || src.attr.is_empty() {
            return Err(err(
                &format!("sources.{i}.attr"),
                format!("attribute {:?} is empty, reserved or set twice", src.attr),
            ));
        }
        store_path::check_name(&src.name).map_err(|e| err(&format!("sources.{i}.name"), e.to_string()))?;
        let path = src
            .store_path(&opts.store_dir, &src_paths, &mut Trace::off())
            .map_err(|e| err(&format!("sources.{i}.tree.{}.path", e.index), e.message))?;
        env.insert(src.attr.clone(), path.clone());
        input_srcs.insert(path.clone());
        src_paths.push((src.attr.as_str(), path));
    }
    let mut outs = BTreeMap::new();
    if spec.impure && (spec.fixed.is_some() || spec.content_addressed) {
        return Err(err("impure", "an impure derivation is neither fixed-output nor content-addressed".into()));
    }
    if spec.impure {
        for o in &outputs {
            outs.insert(o.clone(), Output::impure(FixedMode::Recursive, HashAlgo::Sha256));
        }
    } else if let Some(f) = &spec.fixed {
        if spec.content_addressed {
            return Err(err(
                "fixed",
                "a derivation is either fixed-output or floating content-addressed, not both".into(),
            ));
        }
        if outputs != ["out"] {
            return Err(err("outputs", "a fixed-output derivation has exactly one output, out".into()));
        }
        let lenient = opts.nix.is_some_and(|v| v.lenient_base64());
        let hash = Hash::parse_with(&f.hash, f.algo, lenient).map_err(|e| err("fixed.hash", e.to_string()))?.0;
        env.insert("outputHash".into(), f.hash.clone());
        if let Some(a) = f.algo {
            env.insert("outputHashAlgo".into(), a.to_string());
        } else if f.empty_algo {
            env.insert("outputHashAlgo".into(), String::new());
        }
        if !f.omit_mode {
            env.insert("outputHashMode".into(), mode_name(f.mode).into());
        }
        outs.insert("out".to_string(), Output::fixed(f.mode, &hash));
    } else if spec.content_addressed {
        env.insert("outputHashAlgo".into(), "sha256".into());
        env.insert("outputHashMode".into(), "recursive".into());
        for o in &outputs {
            outs.insert(o.clone(), Output::floating(FixedMode::Recursive, HashAlgo::Sha256));
        }
    } else {
        for o in &outputs {
            outs.insert(o.clone(), Output::input_addressed());
        }
    }
    if spec.structured_attrs {
        env = structured_env(key, spec, env, &outputs, specs, done, &mut inputs)?;
    } else if !spec.typed_env.is_empty() {
        return Err(err("typed_env", "attributes that are not strings need structured attributes".into()));
    }
    // `derivationStrict` sets each output's env entry: blank until the path is known, or the
    // placeholder of an output that has no path before building.
    for o in &outputs {
        let placeholder = spec.content_addressed || spec.impure;
        env.insert(o.clone(), if placeholder { drvlab_engine::derivation::hash_placeholder(o) } else { String::new() });
    }
    Ok(Derivation {
        name: spec.name.clone(),
        outputs: outs,
        input_drvs: inputs,
        input_srcs,
        system: spec.system.clone(),
        builder,
        args,
        env,
        dynamic_outputs: BTreeMap::new(),
    })
}

/// The env of a derivation with structured attributes: one entry, `__json`, holding every
/// attribute but `args` (`derivationStrict` with `__structuredAttrs`), `outputs` as a list, the
/// typed attributes as they are, printed as Nix 2.8 prints JSON.
fn structured_env(
    key: &str,
    spec: &DrvSpec,
    env: BTreeMap<String, String>,
    outputs: &[String],
    specs: &SpecGraph,
    done: &BTreeMap<String, Resolved>,
    inputs: &mut BTreeMap<String, BTreeSet<String>>,
) -> Result<BTreeMap<String, String>, EvalError> {
    use serde_json::Value;
    let mut obj = serde_json::Map::new();
    for (k, v) in env {
        let v = if k == "outputs" {
            Value::Array(outputs.iter().map(|o| Value::String(o.clone())).collect())
        } else {
            Value::String(v)
        };
        obj.insert(k, v);
    }
    for (i, (k, v)) in spec.typed_env.iter().enumerate() {
        let field = format!("typed_env.{i}");
        let k = substitute(k, key, &format!("{field}.key"), specs, done, &mut BTreeMap::new())?;
        let v = substitute_json(v, key, &format!("{field}.value"), specs, done, inputs)?;
        if RESERVED.contains(&k.as_str()) || obj.insert(k.clone(), v).is_some() {
            return Err(EvalError {
                key: key.into(),
                field,
                message: format!("attribute {k:?} is reserved or set twice"),
            });
        }
    }
    let mut json = String::new();
    drvlab_engine::json::write(&mut json, &Value::Object(obj), drvlab_engine::json::Writer::Nix2_8);
    Ok(BTreeMap::from([("__json".to_string(), json)]))
}

/// [`substitute`] in every string of a JSON value.
fn substitute_json(
    v: &serde_json::Value,
    key: &str,
    field: &str,
    specs: &SpecGraph,
    done: &BTreeMap<String, Resolved>,
    inputs: &mut BTreeMap<String, BTreeSet<String>>,
) -> Result<serde_json::Value, EvalError> {
    use serde_json::Value;
    Ok(match v {
        Value::String(s) => Value::String(substitute(s, key, field, specs, done, inputs)?),
        Value::Array(items) => Value::Array(
            items.iter().map(|x| substitute_json(x, key, field, specs, done, inputs)).collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                out.insert(k.clone(), substitute_json(x, key, field, specs, done, inputs)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Replaces `${attr}` of earlier sources by their paths; returns the text and the references.
fn substitute_sources(text: &str, earlier: &[(&str, String)]) -> (String, Vec<String>) {
    let mut out = text.to_string();
    let mut refs = Vec::new();
    for (attr, path) in earlier {
        let pattern = format!("${{{attr}}}");
        if out.contains(&pattern) {
            out = out.replace(&pattern, path);
            refs.push(path.clone());
        }
    }
    (out, refs)
}

/// The `outputHashMode` value for a mode, as Nix spells it.
pub fn mode_name(m: FixedMode) -> &'static str {
    match m {
        FixedMode::Flat => "flat",
        FixedMode::Recursive => "recursive",
        FixedMode::Text => "text",
    }
}

/// Orders specs so each comes after the ones it refers to; specs in a cycle are reported.
pub fn spec_order(specs: &SpecGraph) -> (Vec<String>, Vec<EvalError>) {
    let graph: drvlab_engine::graph::Graph = specs
        .iter()
        .map(|(k, s)| {
            let d = Derivation {
                input_drvs: drvlab_engine::collect::map(references(s, specs).into_iter().map(|r| (r, BTreeSet::new()))),
                ..Default::default()
            };
            (k.clone(), d)
        })
        .collect();
    match drvlab_engine::graph::dependency_order(&graph) {
        Ok(o) => (o, vec![]),
        Err(GraphError::Cycle(c)) => {
            let in_cycle: BTreeSet<String> = drvlab_engine::collect::set(c.iter().cloned());
            let msg = format!("refers back to itself through {}", c.join(" → "));
            let errors = in_cycle
                .iter()
                .map(|k| EvalError { key: k.clone(), field: "inputs".into(), message: msg.clone() })
                .collect();
            let rest: Vec<String> = specs.keys().filter(|k| !in_cycle.contains(*k)).cloned().collect();
            (rest, errors)
        }
        Err(e) => (vec![], vec![EvalError { key: String::new(), field: "graph".into(), message: e.to_string() }]),
    }
}

/// Evaluates every spec: builds its derivation with its inputs' paths substituted, then
/// resolves it with the engine. A spec that fails (or whose input failed) is left out of the
/// resolution and reported in `errors`.
/// One derivation of the graph, given its inputs' resolutions in `done` (only its direct
/// inputs are looked up): what Nix would store for it, and its paths.
pub fn evaluate_one(
    key: &str,
    specs: &SpecGraph,
    done: &BTreeMap<String, Resolved>,
    opts: &Options,
) -> Result<(Derivation, Resolved), EvalError> {
    evaluate_spec(key, &specs[key], specs, done, opts)
}

/// [`evaluate_one`] with `key`'s attributes given apart from the graph (a perturbed copy, so a
/// sweep need not copy the graph); `specs` is used only to look up the keys it refers to.
pub fn evaluate_spec(
    key: &str,
    spec: &DrvSpec,
    specs: &SpecGraph,
    done: &BTreeMap<String, Resolved>,
    opts: &Options,
) -> Result<(Derivation, Resolved), EvalError> {
    let d = to_derivation(key, spec, specs, done, opts)?;
    let r = resolve_one(key, &d, done, opts).map_err(|e| {
        // The field says where; the message says what (not "name: name: …").
        let message = match &e {
            GraphError::Name { source, .. } => source.to_string(),
            GraphError::OutputName { output, source, .. } => format!("output {output}: {source}"),
            _ => {
                let m = e.to_string();
                m.strip_prefix(&format!("{key}: ")).unwrap_or(&m).to_string()
            }
        };
        let field = match &e {
            GraphError::Name { .. } => "name",
            GraphError::OutputName { .. } => "outputs",
            GraphError::Kind { .. } => "fixed.hash",
            _ => "inputs",
        };
        EvalError { key: key.to_string(), field: field.into(), message }
    })?;
    Ok((d, r))
}

pub fn evaluate(specs: &SpecGraph, opts: &Options) -> Evaluated {
    let (order, errors) = spec_order(specs);
    evaluate_ordered(specs, order, errors, opts, None)
}

/// [`evaluate`], given what [`spec_order`] returns for `specs` (so a caller that already has
/// it does not scan every string for references again).
/// With `traced`, only that derivation is traced (when `opts.trace`): a big graph's traces of
/// every derivation would cost megabytes no one looks at.
pub fn evaluate_ordered(
    specs: &SpecGraph,
    order: Vec<String>,
    errors: Vec<EvalError>,
    opts: &Options,
    traced: Option<&str>,
) -> Evaluated {
    let mut job = Evaluating::new(order, errors, opts, traced);
    job.step(specs, usize::MAX);
    job.finish()
}

/// [`evaluate_ordered`] as a job: the derivations evaluated a few at a time, in dependency
/// order ([`Evaluating::step`]), so the page can load a big graph in slices between frames.
#[derive(Debug, Clone)]
pub struct Evaluating {
    order: std::vec::IntoIter<String>,
    total: usize,
    failed: BTreeSet<String>,
    errors: Vec<EvalError>,
    done: BTreeMap<String, Resolved>,
    resolved_order: Vec<String>,
    opts: Options,
    quiet: Options,
    traced: Option<String>,
}

impl Evaluating {
    pub fn new(order: Vec<String>, errors: Vec<EvalError>, opts: &Options, traced: Option<&str>) -> Evaluating {
        Evaluating {
            total: order.len(),
            order: order.into_iter(),
            failed: drvlab_engine::collect::set(errors.iter().map(|e| e.key.clone())),
            errors,
            done: BTreeMap::new(),
            resolved_order: Vec::new(),
            opts: opts.clone(),
            quiet: Options { trace: false, ..opts.clone() },
            traced: traced.map(str::to_string),
        }
    }

    /// Evaluates up to `n` more derivations of `specs` (the graph the job was made for); true
    /// when every one is done.
    pub fn step(&mut self, specs: &SpecGraph, n: usize) -> bool {
        for _ in 0..n {
            let Some(key) = self.order.next() else { return true };
            if self.failed.contains(&key) {
                continue;
            }
            let o = if self.traced.as_deref().is_some_and(|t| t != key) { &self.quiet } else { &self.opts };
            match evaluate_one(&key, specs, &self.done, o) {
                Ok((_, r)) => {
                    self.done.insert(key.clone(), r);
                    self.resolved_order.push(key);
                }
                Err(e) => self.errors.push(e),
            }
        }
        self.order.len() == 0
    }

    /// (derivations evaluated, derivations to evaluate).
    pub fn progress(&self) -> (usize, usize) {
        (self.total - self.order.len(), self.total)
    }

    pub fn finish(self) -> Evaluated {
        Evaluated { resolution: Resolution { order: self.resolved_order, entries: self.done }, errors: self.errors }
    }
}

/// Escapes a string for a Nix double-quoted literal, turning `${key}` references into
/// interpolations of the `let` binding for `key`.
/// `is_key` says which `${…}` are references: none, for a field the lab takes literally (only
/// args and env values hold references). `store_srcs` are the paths to write with context (in
/// fields Nix lets carry it: args, env values, builder, system).
fn nix_string(
    s: &str,
    is_key: &dyn Fn(&str) -> bool,
    binding: &dyn Fn(&str) -> String,
    store_srcs: &[String],
) -> String {
    let refs = find_refs(s, is_key);
    let mut out = String::from("\"");
    let mut last = 0;
    // An existing store path among the sources is written `${builtins.storePath "…"}` so that it
    // carries string context (and so lands in inputSrcs), as it did in the original expression.
    let lit = |out: &mut String, t: &str| {
        let mut rest = t;
        // (An empty entry would match everywhere and never advance: only store paths count.)
        let paths = store_srcs.iter().filter(|p| !p.is_empty());
        while let Some((i, p)) = paths.clone().filter_map(|p| rest.find(p.as_str()).map(|i| (i, p))).min_by_key(|x| x.0)
        {
            escape_into(out, &rest[..i]);
            out.push_str("${builtins.storePath \"");
            escape_into(out, p);
            out.push_str("\"}");
            rest = &rest[i + p.len()..];
        }
        escape_into(out, rest);
    };
    fn escape_into(out: &mut String, t: &str) {
        escape_nix(out, t)
    }
    for r in refs {
        lit(&mut out, &s[last..r.start]);
        out.push_str("${");
        out.push_str(&binding(&r.key));
        if let Some(o) = &r.output {
            out.push('.');
            if is_ident(o) {
                out.push_str(o);
            } else {
                out.push('"');
                escape_nix(&mut out, o);
                out.push('"');
            }
        }
        out.push('}');
        last = r.end;
    }
    lit(&mut out, &s[last..]);
    out.push('"');
    out
}

/// Where [`to_nix_expression`] expects the directory of source `i` of `key`, relative to the
/// `.nix` file (see [`source_trees`]).
fn tree_dir(key: &str, i: usize) -> String {
    format!("sources/{}-{i}", binding(key))
}

/// The `let` binding of a key: `d_KEY` for a key of letters, digits, `_` and `-` (an
/// identifier, and safe in a path literal); any other key (a link's keys are checked, but a
/// graph can come from elsewhere) is spelled in hex, so no two keys share a binding and no key
/// can write Nix code.
fn binding(key: &str) -> String {
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("d_{key}")
    } else {
        key.bytes().fold(String::from("x_"), |mut s, b| {
            s.push_str(&format!("{b:02x}"));
            s
        })
    }
}

/// The expression for source `i`: `builtins.toFile name "contents"`, with `${attr}` of an
/// earlier source written as that source's own expression, so the string carries its context
/// as in Nix; or `builtins.path { path = ./dir; name = …; }` for a directory.
fn source_expr(key: &str, sources: &[SourceSpec], i: usize) -> String {
    let src = &sources[i];
    let mut name = String::new();
    escape_nix(&mut name, &src.name);
    if src.tree.is_some() {
        return format!("builtins.path {{ path = ./{}; name = \"{name}\"; }}", tree_dir(key, i));
    }
    // The text in pieces, literal or an earlier source, split as `substitute_sources` replaces
    // (a pattern cannot span an inserted path: store paths hold no `$`, `{` or `}`); each
    // literal piece is escaped on its own, so none can join the next into Nix syntax.
    enum Piece<'a> {
        Lit(&'a str),
        Src(usize),
    }
    let mut pieces = vec![Piece::Lit(src.contents.as_str())];
    for (j, earlier) in sources[..i].iter().enumerate() {
        let pattern = format!("${{{}}}", earlier.attr);
        pieces = pieces
            .into_iter()
            .flat_map(|p| match p {
                Piece::Lit(t) if t.contains(&pattern) => {
                    let mut v = Vec::new();
                    for (n, part) in t.split(pattern.as_str()).enumerate() {
                        if n > 0 {
                            v.push(Piece::Src(j));
                        }
                        v.push(Piece::Lit(part));
                    }
                    v
                }
                p => vec![p],
            })
            .collect();
    }
    let mut lit = String::new();
    for p in pieces {
        match p {
            Piece::Lit(t) => escape_nix(&mut lit, t),
            Piece::Src(j) => {
                lit.push_str("${");
                lit.push_str(&source_expr(key, sources, j));
                lit.push('}');
            }
        }
    }
    format!("builtins.toFile \"{name}\" \"{lit}\"")
}

/// The directories [`to_nix_expression`] adds with `builtins.path`, by path relative to the
/// `.nix` file; they must exist there for `nix-instantiate` to give the same paths.
pub fn source_trees(specs: &SpecGraph) -> Vec<(String, FileTree)> {
    let mut out = Vec::new();
    for (key, spec) in specs {
        for (i, src) in spec.sources.iter().enumerate() {
            if let Some(Ok(t)) = src.tree.as_ref().map(|f| tree_from_files(f)) {
                out.push((tree_dir(key, i), t));
            }
        }
    }
    out
}

/// A POSIX shell script that writes `default.nix` ([`to_nix_expression`]) and every source
/// directory it adds, byte for byte (executable bits and symlinks included): the export for a
/// graph a `.nix` file alone cannot carry.
pub fn to_shell_script(specs: &SpecGraph) -> String {
    fn sh_quote(t: &str) -> String {
        format!("'{}'", t.replace('\'', "'\\''"))
    }
    /// A `printf` format that prints `t` exactly: printable ASCII as is, every other byte octal.
    fn printf_format(t: &str) -> String {
        let mut f = String::new();
        for b in t.bytes() {
            match b {
                b'%' => f.push_str("%%"),
                b'\\' | b'\'' => f.push_str(&format!("\\{b:03o}")),
                0x20..=0x7e => f.push(b as char),
                _ => f.push_str(&format!("\\{b:03o}")),
            }
        }
        f
    }
    fn write(out: &mut String, path: &str, t: &FileTree) {
        match t {
            FileTree::Directory { entries } => {
                out.push_str(&format!("mkdir -p {}\n", sh_quote(path)));
                for (name, node) in entries {
                    write(out, &format!("{path}/{name}"), node);
                }
            }
            FileTree::Regular { executable, contents } => {
                out.push_str(&format!("printf '{}' > {}\n", printf_format(contents), sh_quote(path)));
                if *executable {
                    out.push_str(&format!("chmod +x {}\n", sh_quote(path)));
                }
            }
            FileTree::Symlink { target } => out.push_str(&format!("ln -s {} {}\n", sh_quote(target), sh_quote(path))),
        }
    }
    let trees = source_trees(specs);
    let nix = to_nix_expression(specs);
    let mut eof = String::from("DRVLAB_EOF");
    while nix.lines().any(|l| l == eof) {
        eof.push('_');
    }
    let mut s = format!(
        "#!/bin/sh\n# Generated by drvlab: writes default.nix and the {} source director{} it adds with\n# builtins.path. Run it in an empty directory, then: nix-instantiate default.nix\nset -e\n",
        trees.len(),
        if trees.len() == 1 { "y" } else { "ies" }
    );
    for (dir, t) in &trees {
        write(&mut s, dir, t);
    }
    s.push_str(&format!("cat > default.nix <<'{eof}'\n{nix}{eof}\n"));
    s
}

fn escape_nix(out: &mut String, t: &str) {
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // `${` would start an interpolation, and so would a `$` that ends this piece when
            // the next piece is one (`$${x}` is literal in Nix, so `$` + `${x}` must be `\$${x}`).
            '$' if matches!(chars.peek(), Some('{') | None) => out.push_str("\\$"),
            c => out.push(c),
        }
    }
}

/// A JSON value as a Nix expression that `derivationStrict` prints back to the same JSON: a
/// float with enough digits to round-trip (Nix prints it as `%g` again), strings through `q`.
fn nix_value(v: &serde_json::Value, q: &dyn Fn(&str) -> String) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) if i < 0 => format!("({i})"),
            Some(i) => i.to_string(),
            None => {
                let f = n.as_f64().unwrap_or(0.0);
                let t = format!("{:e}", f.abs());
                let t = if t.contains('.') { t } else { t.replacen('e', ".0e", 1) };
                if f < 0.0 {
                    format!("(-{t})")
                } else {
                    t
                }
            }
        },
        Value::String(s) => q(s),
        Value::Array(items) => format!("[ {} ]", items.iter().map(|x| nix_value(x, q)).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let attrs: Vec<String> = m.iter().map(|(k, x)| format!("{} = {};", q(k), nix_value(x, q))).collect();
            format!("{{ {} }}", attrs.join(" "))
        }
    }
}

/// Where a `.nix` export has a `${` that drvlab did not write (its own are `${d_…}`, `${x_…}`
/// and `${builtins.…}`) and that no backslash escapes: what the tests and fuzz targets check
/// every export for. Empty for every export [`to_nix_expression`] makes.
pub fn foreign_interpolations(nix: &str) -> Vec<usize> {
    let b = nix.as_bytes();
    nix.match_indices("${")
        .map(|(i, _)| i)
        .filter(|&i| {
            let backslashes = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
            let own = ["${d_", "${x_", "${builtins."].iter().any(|p| nix[i..].starts_with(p));
            backslashes % 2 == 0 && !own
        })
        .collect()
}

/// The graph as a `.nix` file of plain `derivation { … }` calls; it evaluates to a list of
/// every derivation, so `nix-instantiate FILE` prints each `.drv` path, in key order.
pub fn to_nix_expression(specs: &SpecGraph) -> String {
    let mut s = String::from("# Generated by drvlab: plain derivations, no nixpkgs.\n# nix-instantiate this file to get the same .drv and output paths.\nlet\n");
    for (key, spec) in specs {
        let is_key = |k: &str| specs.contains_key(k);
        // With references and store paths (builder, args, env values; env names as text only,
        // below); with store paths only (system); literal (name, keys, outputs, the hash: Nix
        // refuses context there).
        let q = |t: &str| nix_string(t, &is_key, &binding, &spec.store_srcs);
        let q_ctx = |t: &str| nix_string(t, &|_| false, &binding, &spec.store_srcs);
        let lit = |t: &str| nix_string(t, &|_| false, &binding, &[]);
        // A store source no string mentions still enters inputSrcs, through an empty
        // substring that keeps its context.
        let texts: Vec<&str> = [spec.builder.as_str(), spec.system.as_str()]
            .into_iter()
            .chain(spec.args.iter().map(String::as_str))
            .chain(spec.env.iter().map(|(_, v)| v.as_str()))
            .collect();
        let mut builder = q(&spec.builder);
        for p in spec.store_srcs.iter().filter(|p| !p.is_empty() && !texts.iter().any(|t| t.contains(p.as_str()))) {
            let mut quoted = String::new();
            escape_nix(&mut quoted, p);
            builder.insert_str(1, &format!("${{builtins.substring 0 0 (builtins.storePath \"{quoted}\")}}"));
        }
        s.push_str(&format!("  {} = derivation {{\n", binding(key)));
        s.push_str(&format!(
            "    name = {};\n    system = {};\n    builder = {builder};\n",
            lit(&spec.name),
            q_ctx(&spec.system),
        ));
        if !spec.args.is_empty() {
            let args: Vec<String> = spec.args.iter().map(|a| q(a)).collect();
            s.push_str(&format!("    args = [ {} ];\n", args.join(" ")));
        }
        if !spec.outputs.is_empty() {
            let outs: Vec<String> = spec.outputs.iter().map(|o| lit(o)).collect();
            s.push_str(&format!("    outputs = [ {} ];\n", outs.join(" ")));
        }
        if let Some(f) = &spec.fixed {
            if !f.omit_mode {
                s.push_str(&format!("    outputHashMode = \"{}\";\n", mode_name(f.mode)));
            }
            if let Some(a) = f.algo {
                s.push_str(&format!("    outputHashAlgo = \"{a}\";\n"));
            } else if f.empty_algo {
                s.push_str("    outputHashAlgo = \"\";\n");
            }
            s.push_str(&format!("    outputHash = {};\n", lit(&f.hash)));
        }
        if spec.content_addressed {
            s.push_str("    __contentAddressed = true;\n    outputHashMode = \"recursive\";\n    outputHashAlgo = \"sha256\";\n");
        }
        if spec.impure {
            s.push_str("    __impure = true;\n");
        }
        if spec.structured_attrs {
            s.push_str("    __structuredAttrs = true;\n");
        }
        // A name cannot carry string context in Nix; a reference in one is text only.
        let name = |k: &str| {
            if find_refs(k, &|x| specs.contains_key(x)).is_empty() {
                q(k)
            } else {
                format!("\"${{builtins.unsafeDiscardStringContext {}}}\"", q(k))
            }
        };
        for (k, v) in &spec.env {
            s.push_str(&format!("    {} = {};\n", name(k), q(v)));
        }
        for (k, v) in &spec.typed_env {
            s.push_str(&format!("    {} = {};\n", name(k), nix_value(v, &q)));
        }
        for (i, src) in spec.sources.iter().enumerate() {
            s.push_str(&format!("    {} = {};\n", lit(&src.attr), source_expr(key, &spec.sources[..=i], i)));
        }
        s.push_str("  };\n");
    }
    let all: Vec<String> = specs.keys().map(|k| binding(k)).collect();
    s.push_str(&format!("in [ {} ]\n", all.join(" ")));
    s
}

/// The graph of `engine/tests/golden/fetch-build.nix`: a flat sha256 fixed-output `fetch` (of empty
/// content) feeding a two-output `build`. Real Nix 2.8 gives `build` the `.drv` path
/// `vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv`; the native and the browser tests both check it.
pub fn reference_graph() -> SpecGraph {
    let fetch = DrvSpec {
        fixed: Some(FixedSpec {
            mode: FixedMode::Flat,
            algo: Some(HashAlgo::Sha256),
            hash: "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73".into(),
            omit_mode: false,
            empty_algo: false,
        }),
        ..DrvSpec::new("src", "x86_64-linux", "/bin/sh", &["-c", "echo"])
    };
    let build = DrvSpec {
        name: "build".into(),
        fixed: None,
        args: vec!["-c".into(), "echo ${fetch}".into()],
        outputs: vec!["out".into(), "dev".into()],
        ..fetch.clone()
    };
    SpecGraph::from([("fetch".into(), fetch.into()), ("build".into(), build.into())])
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// The same graph instantiated by real Nix 2.8 (see the commit that added this test):
    /// build.drv = vprly1096ibd5ky40qwjmlvxy4zilx37, src = 2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw.
    #[test]
    fn evaluates_like_nix() {
        let ev = evaluate(&reference_graph(), &Options::default());
        assert!(ev.errors.is_empty(), "{:?}", ev.errors);
        let b = &ev.resolution.entries["build"];
        assert_eq!(b.drv_path, "/nix/store/vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv");
        assert_eq!(b.outputs["out"].as_deref(), Some("/nix/store/kxw3pl42mdb1mmj60iwc1gsqv86r4hsi-build"));
        assert_eq!(
            ev.resolution.entries["fetch"].outputs["out"].as_deref(),
            Some("/nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src")
        );
    }

    #[test]
    fn placeholder_matches_nix() {
        // `${ca}` and `${ca.lib}` of a floating CA derivation, as real Nix 2.8 printed them.
        let p = "/nix/store/nm6lx84h57jlgnpb4p7l1rsibl3viggc-ca.drv";
        assert_eq!(downstream_placeholder(p, "ca", "out"), "/12cs578vp8dll5i39gh6pn57l6001qhas88zavyw6mw1namxkp3k");
        assert_eq!(downstream_placeholder(p, "ca", "lib"), "/1zqzcxfaf6pdd51gm8z6ihvzy98xq5dz8wz513v620lkzci4jzdg");
    }

    #[test]
    fn errors_name_the_field() {
        let mut g = reference_graph();
        std::rc::Rc::make_mut(g.get_mut("fetch").unwrap()).fixed.as_mut().unwrap().hash = "abc".into();
        let ev = evaluate(&g, &Options::default());
        assert_eq!(ev.errors.len(), 2);
        assert_eq!(ev.errors[0].field, "fixed.hash");
        assert!(ev.errors[1].message.contains("uses fetch, which has an error"));
        assert!(ev.resolution.entries.is_empty());
    }

    /// `inputSrcs: [""]` (by link or import) froze the export in an endless loop, then
    /// "capacity overflow"; now it is refused by field and the export ends.
    #[test]
    fn an_empty_store_source_is_refused_and_exports() {
        let mut g = reference_graph();
        std::rc::Rc::make_mut(g.get_mut("build").unwrap()).store_srcs = vec!["".into(), "/nix/store/x\"; y".into()];
        let ev = evaluate(&g, &Options::default());
        assert_eq!(ev.errors[0].field, "store_srcs.0", "{:?}", ev.errors);
        assert!(
            ev.errors[0].describe().starts_with("derivation build, store source 1: "),
            "{}",
            ev.errors[0].describe()
        );
        let nix = to_nix_expression(&g);
        assert!(nix.contains(r#"builtins.storePath "/nix/store/x\"; y""#), "{nix}");
    }

    /// `$${x}` is literal in Nix, so a `$` before a reference is escaped; NUL is refused.
    #[test]
    fn a_dollar_before_a_reference_is_escaped_and_nul_refused() {
        let mut g = reference_graph();
        std::rc::Rc::make_mut(g.get_mut("build").unwrap()).env.push(("x".into(), "$${fetch}$".into()));
        assert!(to_nix_expression(&g).contains(r#""x" = "\$${d_fetch}\$";"#), "{}", to_nix_expression(&g));
        std::rc::Rc::make_mut(g.get_mut("build").unwrap()).env.push(("y".into(), "a\0b".into()));
        let ev = evaluate(&g, &Options::default());
        assert_eq!(ev.errors[0].field, "env.1.value");
        assert!(ev.errors[0].message.contains("NUL character (at character 2)"));
    }

    /// Keys `a-b` and `a_b` once shared the binding `d_a_b`; keys that are not identifiers are
    /// spelled in hex.
    #[test]
    fn bindings_are_distinct_and_plain() {
        assert_ne!(binding("a-b"), binding("a_b"));
        assert_eq!(binding("x = 1; y"), "x_78203d20313b2079");
    }

    #[test]
    fn literal_dollar_braces_stay_literal_and_export_escapes_them() {
        let mut g = reference_graph();
        std::rc::Rc::make_mut(g.get_mut("build").unwrap())
            .env
            .push(("x".into(), "${notakey} \"q\" \\ ${fetch.out}".into()));
        let nix = to_nix_expression(&g);
        assert!(nix.contains(r#""x" = "\${notakey} \"q\" \\ ${d_fetch.out}";"#), "{nix}");
    }
}
