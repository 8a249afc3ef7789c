//! Paths, files and the store (`primops.cc`: `prim_import`, `prim_findFile`, `prim_toFile`,
//! `prim_path`, `prim_storePath`, `prim_baseNameOf`, `prim_dirOf`, `prim_readFile`; and
//! `EvalState::copyPathToStore` of `eval.cc`).

use crate::context::{Context, CtxElem};
use crate::error::{fail, ErrorKind, Result, Span};
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
        if store_path::check_name(name).is_err() {
            return fail(ErrorKind::Other(format!("invalid store path name '{name}'")), span);
        }
        let Some(nar) = crate::fs::nar(&*self.fs, path) else {
            return fail(ErrorKind::Other(format!("getting status of '{path}': No such file or directory")), span);
        };
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
    if ev.fs.kind(&path) == Some(FileKind::Directory) {
        path = format!("{}/default.nix", path.trim_end_matches('/'));
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
    if store_path::check_name(&name).is_err() {
        return fail(ErrorKind::Other(format!("invalid store path name '{name}'")), span);
    }
    let p = store_path::text_path(&ev.store_dir, &name, contents.s.as_bytes(), &refs, &mut Trace::off());
    ev.references.insert(p.clone(), refs);
    Ok(Value::String(NixString::with_ctx(p.as_str(), Context::single(CtxElem::Path(p.as_str().into())))))
}

/// `prim_path`: `builtins.path { path; name ? baseNameOf path; … }` (filters are not applied;
/// a `sha256` given is not checked).
pub fn prim_path(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let Some(pt) = a.get("path").cloned() else {
        return fail(
            ErrorKind::Other("missing required 'path' attribute in the first argument to builtins.path".into()),
            span,
        );
    };
    let pv = ev.force(&pt, span)?;
    let (p, _) = ev.coerce_to_path(pv, span)?;
    let name = match a.get("name").cloned() {
        Some(n) => ev.force_string_no_ctx(&n, span)?.to_string(),
        None => base_name_of(&p).to_string(),
    };
    if a.contains_key("filter") {
        return fail(ErrorKind::Unsupported("builtins.path: 'filter' is not supported by drvlab yet".into()), span);
    }
    let sp = ev.add_to_store(&p, &name, span)?;
    Ok(Value::String(NixString::with_ctx(sp.as_str(), Context::single(CtxElem::Path(sp.as_str().into())))))
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
