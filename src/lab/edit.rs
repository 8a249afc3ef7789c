//! What a person can edit in one derivation: each edit, applied to the editable model; the
//! `FIELD=VALUE` spelling `drvlab moves --set` and exercise sets use; the fields the "what
//! moves" matrix perturbs.

use crate::lab::eval::{DrvSpec, FixedSpec, SourceSpec};
use drvlab_engine::hash::{Hash, HashAlgo};
use drvlab_engine::nar::{FileKind, TreeFile};
use drvlab_engine::store_path::FixedMode;

/// One edit of one derivation's attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecEdit {
    Name(String),
    System(String),
    Builder(String),
    Arg(usize, String),
    AddArg,
    RemoveArg(usize),
    EnvKey(usize, String),
    EnvValue(usize, String),
    AddEnv,
    RemoveEnv(usize),
    /// Use another derivation's output: a new attribute `name = "${key.output}"`.
    AddInput(String, Option<String>),
    /// Space-separated output names; empty for the default (`out`).
    Outputs(String),
    Fixed(bool),
    FixedMode(FixedMode),
    FixedAlgo(Option<HashAlgo>),
    FixedHash(String),
    ContentAddressed(bool),
    SourceName(usize, String),
    SourceContents(usize, String),
    AddSource,
    /// A directory source (`builtins.path`), starting with one small script.
    AddDirSource,
    RemoveSource(usize),
    /// Entry `j` of directory source `i`: its path, kind and contents.
    TreePath(usize, usize, String),
    TreeKind(usize, usize, FileKind),
    TreeContents(usize, usize, String),
    AddTreeFile(usize),
    RemoveTreeFile(usize, usize),
    /// `__structuredAttrs = true`: the attributes go into one env entry, `__json`.
    StructuredAttrs(bool),
    /// `__impure = true` (impure-derivations).
    Impure(bool),
    /// Attribute `i` whose value is not a string (structured attributes only): its name, its
    /// value as JSON.
    TypedKey(usize, String),
    TypedValue(usize, serde_json::Value),
    AddTyped,
    RemoveTyped(usize),
    /// Drop an imported store path from `inputSrcs`.
    RemoveStoreSrc(usize),
}

impl SpecEdit {
    /// Which field an edit touches; consecutive edits of one field share an undo step.
    pub(crate) fn field_id(&self) -> String {
        match self {
            SpecEdit::Arg(i, _) => format!("args.{i}"),
            SpecEdit::EnvKey(i, _) => format!("env.{i}.key"),
            SpecEdit::EnvValue(i, _) => format!("env.{i}.value"),
            SpecEdit::SourceName(i, _) => format!("sources.{i}.name"),
            SpecEdit::SourceContents(i, _) => format!("sources.{i}.contents"),
            SpecEdit::TreePath(i, j, _) => format!("sources.{i}.tree.{j}.path"),
            SpecEdit::TreeContents(i, j, _) => format!("sources.{i}.tree.{j}.contents"),
            SpecEdit::Name(_) => "name".into(),
            SpecEdit::System(_) => "system".into(),
            SpecEdit::Builder(_) => "builder".into(),
            SpecEdit::Outputs(_) => "outputs".into(),
            SpecEdit::TypedKey(i, _) => format!("typed_env.{i}.key"),
            SpecEdit::TypedValue(i, _) => format!("typed_env.{i}.value"),
            SpecEdit::FixedHash(_) => "fixed.hash".into(),
            other => format!("{other:?}"),
        }
    }

    /// Applies the edit to a spec.
    pub fn apply(&self, s: &mut DrvSpec) {
        match self.clone() {
            SpecEdit::Name(v) => s.name = v,
            SpecEdit::System(v) => s.system = v,
            SpecEdit::Builder(v) => s.builder = v,
            SpecEdit::Arg(i, v) => {
                if let Some(a) = s.args.get_mut(i) {
                    *a = v
                }
            }
            SpecEdit::AddArg => s.args.push(String::new()),
            SpecEdit::RemoveArg(i) => {
                if i < s.args.len() {
                    s.args.remove(i);
                }
            }
            SpecEdit::EnvKey(i, v) => {
                if let Some(e) = s.env.get_mut(i) {
                    e.0 = v
                }
            }
            SpecEdit::EnvValue(i, v) => {
                if let Some(e) = s.env.get_mut(i) {
                    e.1 = v
                }
            }
            SpecEdit::AddEnv => {
                let n =
                    (1..).map(|i| format!("attr{i}")).find(|k| s.env.iter().all(|(e, _)| e != k)).unwrap_or_default();
                s.env.push((n, String::new()))
            }
            SpecEdit::AddInput(key, output) => {
                let base = match &output {
                    Some(o) => format!("{key}_{o}"),
                    None => key.clone(),
                };
                let name = std::iter::once(base.clone())
                    .chain((2..).map(|i| format!("{base}{i}")))
                    .find(|k| s.env.iter().all(|(e, _)| e != k))
                    .unwrap_or_default();
                let reference = match output {
                    Some(o) => format!("${{{key}.{o}}}"),
                    None => format!("${{{key}}}"),
                };
                s.env.push((name, reference));
            }
            SpecEdit::RemoveEnv(i) => {
                if i < s.env.len() {
                    s.env.remove(i);
                }
            }
            SpecEdit::Outputs(v) => {
                let outs: Vec<String> = v.split_whitespace().map(str::to_string).collect();
                s.outputs = if outs == ["out"] { vec![] } else { outs };
            }
            SpecEdit::Fixed(on) => {
                s.fixed = on.then(|| FixedSpec {
                    mode: FixedMode::Flat,
                    algo: Some(HashAlgo::Sha256),
                    hash: Hash::sha256(b"").to_nix32(),
                    omit_mode: false,
                    empty_algo: false,
                });
                if on {
                    s.content_addressed = false;
                    s.outputs.clear();
                }
            }
            SpecEdit::FixedMode(m) => {
                if let Some(f) = &mut s.fixed {
                    f.mode = m
                }
            }
            SpecEdit::FixedAlgo(a) => {
                if let Some(f) = &mut s.fixed {
                    f.algo = a
                }
            }
            SpecEdit::FixedHash(h) => {
                if let Some(f) = &mut s.fixed {
                    f.hash = h
                }
            }
            SpecEdit::ContentAddressed(on) => {
                s.content_addressed = on;
                if on {
                    s.fixed = None;
                }
            }
            SpecEdit::SourceName(i, v) => {
                if let Some(x) = s.sources.get_mut(i) {
                    x.name = v
                }
            }
            SpecEdit::SourceContents(i, v) => {
                if let Some(x) = s.sources.get_mut(i) {
                    x.contents = v
                }
            }
            SpecEdit::AddSource => {
                let n = s.sources.len() + 1;
                s.sources.push(SourceSpec {
                    attr: format!("file{n}"),
                    name: format!("file{n}.txt"),
                    contents: "hello\n".into(),
                    tree: None,
                })
            }
            SpecEdit::AddDirSource => {
                let n = s.sources.len() + 1;
                s.sources.push(SourceSpec {
                    attr: format!("dir{n}"),
                    name: format!("dir{n}"),
                    contents: String::new(),
                    tree: Some(vec![
                        TreeFile { path: "README".into(), kind: FileKind::Regular, contents: "hello\n".into() },
                        TreeFile {
                            path: "bin/run".into(),
                            kind: FileKind::Executable,
                            contents: "#!/bin/sh\necho hi\n".into(),
                        },
                    ]),
                })
            }
            SpecEdit::TreePath(i, j, v) => {
                if let Some(f) = tree_file(s, i, j) {
                    f.path = v
                }
            }
            SpecEdit::TreeKind(i, j, v) => {
                if let Some(f) = tree_file(s, i, j) {
                    f.kind = v
                }
            }
            SpecEdit::TreeContents(i, j, v) => {
                if let Some(f) = tree_file(s, i, j) {
                    f.contents = v
                }
            }
            SpecEdit::AddTreeFile(i) => {
                if let Some(t) = s.sources.get_mut(i).and_then(|x| x.tree.as_mut()) {
                    let n = t.len() + 1;
                    t.push(TreeFile { path: format!("file{n}"), kind: FileKind::Regular, contents: String::new() })
                }
            }
            SpecEdit::RemoveTreeFile(i, j) => {
                if let Some(t) = s.sources.get_mut(i).and_then(|x| x.tree.as_mut()) {
                    if j < t.len() {
                        t.remove(j);
                    }
                }
            }
            SpecEdit::RemoveSource(i) => {
                if i < s.sources.len() {
                    s.sources.remove(i);
                }
            }
            SpecEdit::StructuredAttrs(on) => s.structured_attrs = on,
            SpecEdit::Impure(on) => {
                s.impure = on;
                if on {
                    s.fixed = None;
                    s.content_addressed = false;
                }
            }
            SpecEdit::TypedKey(i, k) => {
                if let Some(e) = s.typed_env.get_mut(i) {
                    e.0 = k
                }
            }
            SpecEdit::TypedValue(i, v) => {
                if let Some(e) = s.typed_env.get_mut(i) {
                    e.1 = v
                }
            }
            SpecEdit::AddTyped => {
                let taken = |k: &str| s.env.iter().any(|(e, _)| e == k) || s.typed_env.iter().any(|(e, _)| e == k);
                let n = (1..).map(|i| format!("value{i}")).find(|k| !taken(k)).unwrap_or_default();
                s.typed_env.push((n, serde_json::Value::from(1)));
            }
            SpecEdit::RemoveTyped(i) => {
                if i < s.typed_env.len() {
                    s.typed_env.remove(i);
                }
            }
            SpecEdit::RemoveStoreSrc(i) => {
                if i < s.store_srcs.len() {
                    s.store_srcs.remove(i);
                }
            }
        }
    }

    /// The edit in words, as "What moved" and the undo history name it: sources by attribute
    /// and entry path (as the matrix names them), switches by what they did.
    pub fn label(&self, spec: &DrvSpec) -> String {
        match self {
            SpecEdit::EnvValue(i, _) | SpecEdit::EnvKey(i, _) => {
                format!("env {}", spec.env.get(*i).map(|(k, _)| k.as_str()).unwrap_or("?"))
            }
            SpecEdit::Arg(i, _) => format!("args {i}"),
            SpecEdit::FixedHash(_) => "outputHash".into(),
            // Sources by attribute and entry path, as the matrix names them.
            SpecEdit::SourceName(i, _) | SpecEdit::SourceContents(i, _) => {
                format!("source {}", spec.sources.get(*i).map_or("?", |x| x.attr.as_str()))
            }
            SpecEdit::TreePath(i, j, _) | SpecEdit::TreeKind(i, j, _) | SpecEdit::TreeContents(i, j, _) => {
                let src = spec.sources.get(*i);
                let entry = src.and_then(|x| x.tree.as_ref()?.get(*j)).map_or("?", |t| t.path.as_str());
                let what = match self {
                    SpecEdit::TreePath(..) => "path",
                    SpecEdit::TreeKind(..) => "kind",
                    _ => "contents",
                };
                format!("{}/{entry} ({what})", src.map_or("?", |x| x.attr.as_str()))
            }
            SpecEdit::AddArg => "added an arg".into(),
            SpecEdit::RemoveArg(i) => format!("removed args {i}"),
            SpecEdit::AddEnv => "added an attribute".into(),
            SpecEdit::RemoveEnv(_) => "removed an attribute".into(),
            SpecEdit::AddInput(k, o) => {
                format!("uses ${{{k}{}}}", o.as_ref().map(|o| format!(".{o}")).unwrap_or_default())
            }
            SpecEdit::Fixed(on) => (if *on { "made fixed-output" } else { "no longer fixed-output" }).into(),
            SpecEdit::FixedMode(m) => format!("outputHashMode {}", crate::lab::eval::mode_name(*m)),
            SpecEdit::FixedAlgo(a) => {
                format!("outputHashAlgo {}", a.map(|a| a.to_string()).unwrap_or_else(|| "left out".into()))
            }
            SpecEdit::ContentAddressed(on) => {
                (if *on { "made content-addressed" } else { "no longer content-addressed" }).into()
            }
            SpecEdit::AddSource => "added a text source".into(),
            SpecEdit::AddDirSource => "added a directory source".into(),
            SpecEdit::RemoveSource(_) => "removed a source".into(),
            SpecEdit::StructuredAttrs(on) => {
                (if *on { "structured attributes on (__json)" } else { "structured attributes off" }).into()
            }
            SpecEdit::Impure(on) => (if *on { "made impure" } else { "no longer impure" }).into(),
            SpecEdit::TypedKey(i, _) | SpecEdit::TypedValue(i, _) => {
                format!("{} (in __json)", spec.typed_env.get(*i).map_or("?", |(k, _)| k.as_str()))
            }
            SpecEdit::AddTyped => "added a value (in __json)".into(),
            SpecEdit::RemoveTyped(_) => "removed a value (in __json)".into(),
            SpecEdit::RemoveStoreSrc(i) => {
                format!("removed store source {}", spec.store_srcs.get(*i).map_or("?", String::as_str))
            }
            SpecEdit::AddTreeFile(i) => {
                format!("added an entry to {}", spec.sources.get(*i).map_or("?", |x| x.attr.as_str()))
            }
            SpecEdit::RemoveTreeFile(i, _) => {
                format!("removed an entry of {}", spec.sources.get(*i).map_or("?", |x| x.attr.as_str()))
            }
            e => e.field_id(),
        }
    }
}

fn tree_file(s: &mut DrvSpec, i: usize, j: usize) -> Option<&mut TreeFile> {
    s.sources.get_mut(i)?.tree.as_mut()?.get_mut(j)
}

/// Keys are Nix identifiers, since the `.nix` export binds them with `let`.
pub fn valid_key(k: &str) -> bool {
    let mut c = k.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        && k.len() <= 40
}

/// Why a derivation cannot be renamed from `old` to `new` (`None`: it can).
pub fn rename_problem(keys: &dyn Fn(&str) -> bool, old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    if new.is_empty() {
        return Some("a key cannot be empty".into());
    }
    if keys(new) {
        return Some(format!("there is already a derivation {new}; choose another key"));
    }
    if !valid_key(new) {
        return Some(if new.chars().count() > 40 {
            format!("{} characters; a key has at most 40", new.chars().count())
        } else {
            "a key starts with a letter or _ and has only letters, digits, _ and - (it is a Nix name in the export)"
                .into()
        });
    }
    None
}

/// What "Use an output of" offers the derivation `key`: every output of every other derivation,
/// as its reference is written without `${}` (`src`, or `src.dev` for an output that is not the
/// first), in key order.
pub fn input_choices<'a>(specs: &'a crate::lab::eval::SpecGraph, key: &'a str) -> impl Iterator<Item = String> + 'a {
    specs.iter().filter(move |(k, _)| k.as_str() != key).flat_map(|(k, s)| {
        s.output_names().into_iter().enumerate().map(move |(i, o)| if i == 0 { k.clone() } else { format!("{k}.{o}") })
    })
}

/// The reference `typed` ("src" or "src.dev") as an input for `key` — the derivation and the
/// output named, `None` for its first — or why it is not one.
pub fn input_choice(
    specs: &crate::lab::eval::SpecGraph,
    key: &str,
    typed: &str,
) -> Result<(String, Option<String>), String> {
    let typed = typed.trim().trim_start_matches("${").trim_end_matches('}');
    let (k, o) = match typed.split_once('.') {
        Some((k, o)) => (k, Some(o)),
        None => (typed, None),
    };
    if k == key {
        return Err(format!("{k} is this derivation: it cannot use its own output"));
    }
    let Some(spec) = specs.get(k) else {
        return Err(format!("there is no derivation {k:?} in this graph"));
    };
    let outs = spec.output_names();
    match o {
        None => Ok((k.to_string(), None)),
        Some(o) if outs.first().is_some_and(|f| f == o) => Ok((k.to_string(), None)),
        Some(o) if outs.iter().any(|x| x == o) => Ok((k.to_string(), Some(o.to_string()))),
        Some(o) => Err(format!("{k} has no output {o:?} (its outputs: {})", outs.join(", "))),
    }
}

/// Parses `FIELD=VALUE` as `drvlab moves --set` spells it: `name`, `system`, `builder`,
/// `args.N`, `env.KEY`, `outputs` (space-separated), `outputHash`, `outputHashMode`
/// (`flat`/`recursive`), `outputHashAlgo`.
pub fn parse_edit(spec: &DrvSpec, field: &str, value: &str) -> Result<SpecEdit, String> {
    let v = value.to_string();
    Ok(match field {
        "name" => SpecEdit::Name(v),
        "system" => SpecEdit::System(v),
        "builder" => SpecEdit::Builder(v),
        "outputs" => SpecEdit::Outputs(v),
        "__structuredAttrs" => SpecEdit::StructuredAttrs(switch(field, value)?),
        "__impure" => SpecEdit::Impure(switch(field, value)?),
        "__contentAddressed" => SpecEdit::ContentAddressed(switch(field, value)?),
        "outputHash" if spec.fixed.is_some() => SpecEdit::FixedHash(v),
        "outputHashMode" if spec.fixed.is_some() => match value {
            "flat" => SpecEdit::FixedMode(FixedMode::Flat),
            "recursive" => SpecEdit::FixedMode(FixedMode::Recursive),
            _ => return Err(format!("outputHashMode {value:?}: use flat or recursive")),
        },
        "outputHashAlgo" if spec.fixed.is_some() => SpecEdit::FixedAlgo(if value.is_empty() {
            None
        } else {
            Some(HashAlgo::parse(value).map_err(|e| e.to_string())?)
        }),
        "outputHash" | "outputHashMode" | "outputHashAlgo" => {
            return Err(format!("{field}: this derivation is not fixed-output (turn on fixed-output first)"))
        }
        f => {
            if let Some(i) = f.strip_prefix("args.") {
                let i: usize = i.parse().map_err(|_| format!("{f}: args.N needs a number"))?;
                if i >= spec.args.len() {
                    return Err(format!("{f}: there are {} args", spec.args.len()));
                }
                SpecEdit::Arg(i, v)
            } else if let Some(k) = f.strip_prefix("env.") {
                if crate::lab::eval::RESERVED.contains(&k) {
                    return Err(format!("{f}: {k} has its own field; write {k}=VALUE"));
                }
                let i = spec.env.iter().position(|(e, _)| e == k).ok_or_else(|| {
                    let have: Vec<&str> = spec.env.iter().map(|(e, _)| e.as_str()).collect();
                    let have = if have.is_empty() { "no env attributes".to_string() } else { have.join(", ") };
                    format!("{f}: this derivation has no attribute {k:?} (it has {have})")
                })?;
                SpecEdit::EnvValue(i, v)
            } else if let Some(k) = f.strip_prefix("json.") {
                let i = spec.typed_env.iter().position(|(e, _)| e == k).ok_or_else(|| {
                    let have: Vec<&str> = spec.typed_env.iter().map(|(e, _)| e.as_str()).collect();
                    format!(
                        "{f}: no value {k:?} in __json (it has {})",
                        if have.is_empty() { "none".into() } else { have.join(", ") }
                    )
                })?;
                let v = crate::lab::json::value(value.as_bytes())
                    .map_err(|e| format!("{f}: {value:?} is not JSON: {e}"))?;
                SpecEdit::TypedValue(i, v)
            } else if let Some(rest) = f.strip_prefix("sources.") {
                source_edit(spec, f, rest, v)?
            } else {
                return Err(format!(
                    "unknown field {f:?}; use name, system, builder, args.N, env.KEY, outputs, outputHash, outputHashMode, outputHashAlgo, __structuredAttrs, __impure, __contentAddressed, json.KEY (a JSON value), sources.ATTR, sources.ATTR/PATH or sources.ATTR/PATH (kind)"
                ));
            }
        }
    })
}

/// A switch's value as `--set` spells it: `true`/`false` (or `1`/`0`, as Nix's env has them).
fn switch(field: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        _ => Err(format!("{field} {value:?}: use true or false")),
    }
}

/// `sources.ATTR` (a toFile text), `sources.ATTR/PATH` (an entry's contents) or
/// `sources.ATTR/PATH (kind)` (regular, executable or symlink), as the matrix labels its rows.
fn source_edit(spec: &DrvSpec, f: &str, rest: &str, v: String) -> Result<SpecEdit, String> {
    let (attr, entry) = match rest.split_once('/') {
        Some((a, e)) => (a, Some(e)),
        None => (rest, None),
    };
    let i = spec.sources.iter().position(|x| x.attr == attr).ok_or_else(|| {
        let have: Vec<&str> = spec.sources.iter().map(|x| x.attr.as_str()).collect();
        format!("{f}: no source {attr:?} (it has {})", if have.is_empty() { "none".into() } else { have.join(", ") })
    })?;
    match (&spec.sources[i].tree, entry) {
        (None, None) => Ok(SpecEdit::SourceContents(i, v)),
        (None, Some(_)) => Err(format!("{f}: {attr} is a text file, not a directory; use sources.{attr}")),
        (Some(_), None) => Err(format!("{f}: {attr} is a directory; name an entry, as sources.{attr}/PATH")),
        (Some(files), Some(e)) => {
            let (path, kind) = match e.strip_suffix(" (kind)") {
                Some(p) => (p, true),
                None => (e, false),
            };
            let j = files.iter().position(|t| t.path == path).ok_or_else(|| {
                let have: Vec<&str> = files.iter().map(|t| t.path.as_str()).collect();
                format!("{f}: {attr} has no entry {path:?} (it has {})", have.join(", "))
            })?;
            if !kind {
                return Ok(SpecEdit::TreeContents(i, j, v));
            }
            let k = match v.as_str() {
                "regular" => FileKind::Regular,
                "executable" => FileKind::Executable,
                "symlink" => FileKind::Symlink,
                other => return Err(format!("{f}: kind {other:?}; use regular, executable or symlink")),
            };
            Ok(SpecEdit::TreeKind(i, j, k))
        }
    }
}

/// Fields of one spec that the matrix perturbs, with how to perturb each.
pub fn spec_fields(spec: &DrvSpec) -> Vec<(String, SpecEdit)> {
    let mut f = vec![
        ("name".to_string(), SpecEdit::Name(format!("{}-x", spec.name))),
        ("system".into(), SpecEdit::System(format!("{}-x", spec.system))),
        ("builder".into(), SpecEdit::Builder(format!("{}-x", spec.builder))),
    ];
    for (i, a) in spec.args.iter().enumerate() {
        f.push((format!("args.{i}"), SpecEdit::Arg(i, format!("{a} #x"))));
    }
    for (i, (k, v)) in spec.env.iter().enumerate() {
        f.push((format!("env.{k}"), SpecEdit::EnvValue(i, format!("{v}-x"))));
    }
    for (i, (k, v)) in spec.typed_env.iter().enumerate() {
        f.push((format!("json.{k}"), SpecEdit::TypedValue(i, serde_json::Value::Array(vec![v.clone()]))));
    }
    for (i, s) in spec.sources.iter().enumerate() {
        match &s.tree {
            None => f.push((format!("sources.{}", s.attr), SpecEdit::SourceContents(i, format!("{}x", s.contents)))),
            // Each entry's contents, and its executable bit (which the NAR records).
            Some(files) => {
                for (j, t) in files.iter().enumerate().filter(|(_, t)| !t.path.ends_with('/')) {
                    let at = format!("sources.{}/{}", s.attr, t.path);
                    f.push((at.clone(), SpecEdit::TreeContents(i, j, format!("{}x", t.contents))));
                    let flip = match t.kind {
                        FileKind::Regular => Some(FileKind::Executable),
                        FileKind::Executable => Some(FileKind::Regular),
                        FileKind::Symlink => None,
                    };
                    if let Some(k) = flip {
                        f.push((format!("{at} (kind)"), SpecEdit::TreeKind(i, j, k)));
                    }
                }
            }
        }
    }
    if let Some(fx) = &spec.fixed {
        if let Ok(mut h) = Hash::parse(&fx.hash, fx.algo) {
            h.bytes[0] ^= 1;
            f.push(("outputHash".into(), SpecEdit::FixedHash(h.to_format(drvlab_engine::hash::HashFormat::Sri, true))));
        }
        let other = if fx.mode == FixedMode::Flat { FixedMode::Recursive } else { FixedMode::Flat };
        f.push(("outputHashMode".into(), SpecEdit::FixedMode(other)));
    }
    f
}

/// The declared hash in every text form, or why it does not parse.
pub fn hash_forms(f: &FixedSpec) -> Result<Vec<(&'static str, String)>, String> {
    let h = Hash::parse(&f.hash, f.algo).map_err(|e| e.to_string())?;
    Ok(drvlab_engine::hash::HashFormat::ALL
        .iter()
        .map(|fm| (fm.name(), h.to_format(*fm, *fm != drvlab_engine::hash::HashFormat::Sri)))
        .collect())
}
