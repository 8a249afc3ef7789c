//! Paths, files and the store (`primops.cc`: `prim_import`, `prim_findFile`, `prim_toFile`,
//! `prim_path`, `prim_storePath`, `prim_baseNameOf`, `prim_dirOf`, `prim_readFile`; and
//! `EvalState::copyPathToStore` of `eval.cc`).

use crate::context::{Context, CtxElem};
use crate::error::{fail, ErrorKind, EvalError, Result, Span};

/// `lstat` failing: a system error, for which Nix names no place in the program.
fn no_such_file(path: &str) -> EvalError {
    EvalError::bare(ErrorKind::Other(format!("getting status of '{path}': No such file or directory")))
}
use crate::eval::value::{Attrs, NixString, Thunk, Value};
use crate::eval::Evaluator;
use crate::fs::FileKind;
use drvlab_engine::store_path;
use drvlab_engine::trace::Trace;

impl Evaluator {
    /// `copyPathToStore`: a source path named after the file, its NAR hashed; once per path.
    pub fn copy_path_to_store(&mut self, path: &str, span: Span) -> Result<String> {
        if let Some(p) = self.copied.get(path) {
            return Ok(p.clone());
        }
        let name = base_name_of(path).to_string();
        let sp = self.add_to_store(path, &name, span)?;
        self.copied.insert(path.to_string(), sp.clone());
        Ok(sp)
    }

    fn add_to_store(&mut self, path: &str, name: &str, span: Span) -> Result<String> {
        if store_path::NameRule::AnyLeadingDot.check(name).is_err() {
            return fail(ErrorKind::Other(format!("invalid store path name '{name}'")), span);
        }
        let mut nar = Vec::new();
        nar_string(&mut nar, b"nix-archive-1");
        dump(self, path, None, &mut nar, span)?;
        Ok(store_path::source_path(&self.store_dir, name, &nar, &[], &mut Trace::off()))
    }

    /// The file at `path` as text (`readFile`); store paths made here have no file.
    pub(crate) fn read_text(&self, path: &str, span: Span) -> Result<String> {
        match self.fs.read(path) {
            Some(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
            None => fail(ErrorKind::Other(format!("opening file '{path}': No such file or directory")), span),
        }
    }
}

/// `baseNameOf` of `util.cc`.
pub fn base_name_of(path: &str) -> &str {
    if path.is_empty() {
        return "";
    }
    let b = path.as_bytes();
    let mut last = b.len() - 1;
    if b[last] == b'/' && last > 0 {
        last -= 1;
    }
    let pos = path[..=last].rfind('/').map_or(0, |p| p + 1);
    &path[pos..=last]
}

/// `dirOf` of `util.cc`.
pub fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        None => ".",
        Some(0) => "/",
        Some(p) => &path[..p],
    }
}

pub fn prim_base_name_of(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let s = ev.coerce_to_string(v, false, false, span)?;
    Ok(Value::String(NixString::with_ctx(base_name_of(&s.s), s.ctx)))
}

pub fn prim_dir_of(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let is_path = matches!(v, Value::Path(_));
    let s = ev.coerce_to_string(v, false, false, span)?;
    let d = dir_of(&s.s);
    Ok(if is_path { Value::Path(d.into()) } else { Value::String(NixString::with_ctx(d, s.ctx)) })
}

/// `prim_import`: the file's value (a directory means its `default.nix`), evaluated once.
pub fn prim_import(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let (mut path, _) = ev.coerce_to_path(v, span)?;
    if let Some(corepkg) = path.strip_prefix("/__corepkgs__/") {
        return import_corepkg(ev, corepkg, span);
    }
    match ev.fs.kind(&path) {
        // `resolveExprPath` stats the path first.
        None => return Err(no_such_file(&path)),
        Some(FileKind::Directory) => path = format!("{}/default.nix", path.trim_end_matches('/')),
        Some(_) => {}
    }
    if let Some(t) = ev.imports.get(&path).cloned() {
        return ev.force(&t, span);
    }
    let text = ev.read_text(&path, span)?;
    let dir = dir_of(&path).to_string();
    let t = ev.parse_thunk(&path, &text, &dir)?;
    ev.imports.insert(path, t.clone());
    ev.force(&t, span)
}

/// `scopedImport scope path`: the file evaluated with the attributes of `scope` in scope above
/// the built-ins (they may shadow `import`, `derivation`, …); not cached, as in Nix.
pub fn prim_scoped_import(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[1], span)?;
    let (mut path, _) = ev.coerce_to_path(v, span)?;
    if path.starts_with("/__corepkgs__/") {
        return prim_import(ev, &args[1..], span);
    }
    let scope = ev.force_attrs(&args[0], span)?;
    match ev.fs.kind(&path) {
        // `resolveExprPath` stats the path first.
        None => return Err(no_such_file(&path)),
        Some(FileKind::Directory) => path = format!("{}/default.nix", path.trim_end_matches('/')),
        Some(_) => {}
    }
    let text = ev.read_text(&path, span)?;
    let dir = dir_of(&path).to_string();
    let expr = ev.parse_scoped(&path, &text, &dir, Some(&scope))?;
    let env = crate::eval::value::Env::new(Some(ev.base.clone()), scope.len());
    for t in scope.values() {
        env.push(t.clone());
    }
    ev.eval(&expr, &env)
}

/// `<nix/fetchurl.nix>` and `derivation.nix`: the files Nix 2.8 embeds as `corepkgs`.
pub fn import_corepkg(ev: &mut Evaluator, name: &str, span: Span) -> Result<Value> {
    let key = format!("/__corepkgs__/{name}");
    if let Some(t) = ev.imports.get(&key).cloned() {
        return ev.force(&t, span);
    }
    let text = match name {
        "fetchurl.nix" => include_str!("../corepkgs/fetchurl.nix"),
        "derivation.nix" => include_str!("../corepkgs/derivation.nix"),
        _ => return fail(ErrorKind::Other(format!("opening file '{key}': No such file or directory")), span),
    };
    let t = ev.parse_thunk(&key, text, "/__corepkgs__")?;
    ev.imports.insert(key, t.clone());
    ev.force(&t, span)
}

pub fn prim_find_file(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let _ = ev.force_list(&args[0], span)?;
    let p = ev.force_string_no_ctx(&args[1], span)?;
    Ok(Value::Path(ev.find_file(&p, span)?.into()))
}

pub fn prim_read_file(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let (p, _) = ev.coerce_to_path(v, span)?;
    if let Some(name) = p.strip_prefix("/__corepkgs__/") {
        let text = match name {
            "fetchurl.nix" => include_str!("../corepkgs/fetchurl.nix"),
            "derivation.nix" => include_str!("../corepkgs/derivation.nix"),
            _ => return fail(ErrorKind::Other(format!("opening file '{p}': No such file or directory")), span),
        };
        return Ok(Value::string(text));
    }
    if ev.fs.kind(&p) == Some(FileKind::Directory) {
        return Err(EvalError::bare(ErrorKind::Other("reading from file: Is a directory".into())));
    }
    Ok(Value::string(ev.read_text(&p, span)?))
}

pub fn prim_path_exists(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let (p, _) = ev.coerce_to_path(v, span)?;
    Ok(Value::Bool(ev.fs.kind(&crate::lower::canon_path(&p)).is_some()))
}

/// `prim_readDir`.
pub fn prim_read_dir(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let (p, _) = ev.coerce_to_path(v, span)?;
    let Some(names) = ev.fs.read_dir(&p) else {
        return fail(ErrorKind::Other(format!("opening directory '{p}': No such file or directory")), span);
    };
    let mut a = Attrs::new();
    for n in names {
        let kind = match ev.fs.kind(&format!("{}/{n}", p.trim_end_matches('/'))) {
            Some(FileKind::Directory) => "directory",
            Some(FileKind::Symlink) => "symlink",
            Some(FileKind::Regular { .. }) => "regular",
            None => "unknown",
        };
        a.insert(n.as_str().into(), Thunk::value(Value::string(kind)));
    }
    Ok(Value::attrs(a))
}

/// `prim_toPath`: a string made an absolute canonical path (still a string).
pub fn prim_to_path(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let (p, ctx) = ev.coerce_to_path(v, span)?;
    Ok(Value::String(NixString::with_ctx(crate::lower::canon_path(&p), ctx)))
}

/// `prim_storePath`: a store path, with itself as context.
pub fn prim_store_path(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let (p, _) = ev.coerce_to_path(v, span)?;
    let p = crate::lower::canon_path(&p);
    let Some((_, _)) = store_path::parse_store_path(&ev.store_dir, &p) else {
        return fail(ErrorKind::Other(format!("path '{p}' is not in the Nix store")), span);
    };
    Ok(Value::String(NixString::with_ctx(p.as_str(), Context::single(CtxElem::Path(p.as_str().into())))))
}

/// `prim_toFile`: a text path whose references are the store paths in the contents' context.
pub fn prim_to_file(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let contents = ev.force_string(&args[1], span)?;
    let mut refs = Vec::new();
    for e in contents.ctx.iter() {
        match e {
            CtxElem::Path(p) => refs.push(p.to_string()),
            e => {
                return fail(
                    ErrorKind::Other(format!(
                        "in 'toFile': the file named '{name}' must not contain a reference to a derivation but contains ({})",
                        e.encode()
                    )),
                    span,
                )
            }
        }
    }
    if store_path::NameRule::AnyLeadingDot.check(&name).is_err() {
        return fail(ErrorKind::Other(format!("invalid store path name '{name}'")), span);
    }
    let p = store_path::text_path(&ev.store_dir, &name, contents.s.as_bytes(), &refs, &mut Trace::off());
    ev.references.insert(p.clone(), refs);
    Ok(Value::String(NixString::with_ctx(p.as_str(), Context::single(CtxElem::Path(p.as_str().into())))))
}

/// `prim_path`: `builtins.path { path; name ? baseNameOf path; filter ? …; recursive ? true;
/// sha256 ? …; }`, through `addPath`.
pub fn prim_path(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let mut path = None;
    let mut name = String::new();
    let mut filter = None;
    let mut recursive = true;
    let mut expected = None;
    for (k, t) in a.iter() {
        match &**k {
            "path" => {
                let v = ev.force(t, span)?;
                path = Some(ev.coerce_to_path(v, span)?.0);
            }
            "name" => name = ev.force_string_no_ctx(t, span)?.to_string(),
            "filter" => filter = Some(ev.force(t, span)?),
            "recursive" => recursive = ev.force_bool(t, span)?,
            "sha256" => {
                let h = ev.force_string_no_ctx(t, span)?;
                expected = Some(parse_sha256(&h, span)?);
            }
            other => return fail(ErrorKind::Other(format!("unsupported argument '{other}' to 'addPath'")), span),
        }
    }
    let Some(path) = path else { return fail(ErrorKind::Other("'path' required".into()), span) };
    if name.is_empty() {
        name = base_name_of(&path).to_string();
    }
    add_path(ev, &name, &path, filter, recursive, expected, span)
}

/// `prim_filterSource`: `builtins.path` of the file's own name, filtered.
pub fn prim_filter_source(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[1], span)?;
    let (path, _) = ev.coerce_to_path(v, span)?;
    let f = ev.force(&args[0], span)?;
    if !f.is_function() {
        return fail(
            ErrorKind::Other(format!(
                "first argument in call to 'filterSource' is not a function but {}",
                f.show_type()
            )),
            span,
        );
    }
    let name = base_name_of(&path).to_string();
    add_path(ev, &name, &path, Some(f), true, None, span)
}

/// `newHashAllowEmpty(text, htSHA256)`: base16, nix32, base64 or SRI; empty is the zero hash.
pub(crate) fn parse_sha256(text: &str, span: Span) -> Result<drvlab_engine::Hash> {
    let algo = drvlab_engine::HashAlgo::Sha256;
    if text.is_empty() {
        return Ok(drvlab_engine::Hash::new(algo, vec![0; algo.size()]));
    }
    match drvlab_engine::Hash::parse(text, Some(algo)) {
        Ok(h) => Ok(h),
        Err(_) if !text.contains(['-', ':']) && ![64, 52, 44].contains(&text.len()) => {
            fail(ErrorKind::Other(format!("hash '{text}' has wrong length for hash type 'sha256'")), span)
        }
        Err(e) => fail(ErrorKind::Other(format!("invalid hash '{text}': {e}")), span),
    }
}

/// `addPath`: the tree at `path` (filtered: the filter is called with each entry's full path
/// and type, and an excluded directory drops its whole subtree), hashed as a NAR (`recursive`)
/// or as the file's bytes, named `name`, and checked against `sha256` when given.
fn add_path(
    ev: &mut Evaluator,
    name: &str,
    path: &str,
    filter: Option<Value>,
    recursive: bool,
    expected: Option<drvlab_engine::Hash>,
    span: Span,
) -> Result<Value> {
    let path = crate::lower::canon_path(path);
    if store_path::NameRule::AnyLeadingDot.check(name).is_err() {
        return fail(ErrorKind::Other(format!("invalid store path name '{name}'")), span);
    }
    let (mode, hash) = if recursive {
        let mut nar = Vec::new();
        nar_string(&mut nar, b"nix-archive-1");
        dump(ev, &path, filter.as_ref(), &mut nar, span)?;
        (store_path::FixedMode::Recursive, drvlab_engine::Hash::sha256(&nar))
    } else {
        let bytes = match ev.fs.kind(&path) {
            Some(FileKind::Regular { .. }) => ev.fs.read(&path),
            Some(FileKind::Directory) => {
                return fail(ErrorKind::Other(format!("reading file '{path}': Is a directory")), span)
            }
            _ => None,
        };
        let Some(bytes) = bytes else {
            return Err(no_such_file(&path));
        };
        (store_path::FixedMode::Flat, drvlab_engine::Hash::sha256(&bytes))
    };
    let sp = store_path::fixed_output_path(&ev.store_dir, name, mode, &hash, &mut Trace::off());
    if let Some(h) = expected {
        let want = store_path::fixed_output_path(&ev.store_dir, name, mode, &h, &mut Trace::off());
        if want != sp {
            return fail(
                ErrorKind::Other(format!("store path mismatch in (possibly filtered) path added from '{path}'")),
                span,
            );
        }
    }
    Ok(Value::String(NixString::with_ctx(sp.as_str(), Context::single(CtxElem::Path(sp.as_str().into())))))
}

fn nar_string(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
    out.extend(std::iter::repeat_n(0u8, (8 - b.len() % 8) % 8));
}

/// `dumpPath` (`libutil/archive.cc`): the NAR serialisation of a file tree over raw bytes (the
/// engine's `FileTree` holds text; files read from disk may not be UTF-8), entries in name
/// order, with a `PathFilter` that calls the Nix function when given.
fn dump(ev: &mut Evaluator, path: &str, filter: Option<&Value>, out: &mut Vec<u8>, span: Span) -> Result<()> {
    let Some(kind) = ev.fs.kind(path) else {
        return Err(no_such_file(path));
    };
    ev.step(span)?;
    nar_string(out, b"(");
    nar_string(out, b"type");
    match kind {
        FileKind::Regular { executable } => {
            nar_string(out, b"regular");
            if executable {
                nar_string(out, b"executable");
                nar_string(out, b"");
            }
            nar_string(out, b"contents");
            let bytes = ev.fs.read(path).unwrap_or_default();
            ev.alloc(bytes.len() as u64 / 16, span)?;
            nar_string(out, &bytes);
        }
        FileKind::Symlink => {
            nar_string(out, b"symlink");
            nar_string(out, b"target");
            nar_string(out, ev.fs.read_link(path).unwrap_or_default().as_bytes());
        }
        FileKind::Directory => {
            nar_string(out, b"directory");
            let mut names = ev.fs.read_dir(path).unwrap_or_default();
            names.sort();
            for n in names {
                let child = format!("{}/{n}", path.trim_end_matches('/'));
                if let Some(f) = filter {
                    let kind = match ev.fs.kind(&child) {
                        Some(FileKind::Regular { .. }) => "regular",
                        Some(FileKind::Directory) => "directory",
                        Some(FileKind::Symlink) => "symlink",
                        None => "unknown",
                    };
                    let args = vec![Thunk::value(Value::string(child.as_str())), Thunk::value(Value::string(kind))];
                    let keep = ev.call_values(f, args, span)?;
                    match keep {
                        Value::Bool(true) => {}
                        Value::Bool(false) => continue,
                        v => return crate::eval::type_err(&v, "a Boolean", span),
                    }
                }
                nar_string(out, b"entry");
                nar_string(out, b"(");
                nar_string(out, b"name");
                nar_string(out, n.as_bytes());
                nar_string(out, b"node");
                ev.enter(span)?;
                let r = dump(ev, &child, filter, out, span);
                ev.leave();
                r?;
                nar_string(out, b")");
            }
        }
    }
    nar_string(out, b")");
    Ok(())
}

/// `prim_hashFile`: the file's bytes hashed, in base16.
pub fn prim_hash_file(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let algo = ev.force_string_no_ctx(&args[0], span)?;
    let v = ev.force(&args[1], span)?;
    let (p, _) = ev.coerce_to_path(v, span)?;
    let Ok(a) = drvlab_engine::HashAlgo::parse(&algo) else {
        return fail(ErrorKind::Other(format!("unknown hash algorithm '{algo}'")), span);
    };
    let Some(bytes) = ev.fs.read(&p) else {
        return fail(ErrorKind::Other(format!("opening file '{p}': No such file or directory")), span);
    };
    Ok(Value::string(a.digest(&bytes).to_base16()))
}
