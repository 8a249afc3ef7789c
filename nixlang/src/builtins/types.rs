//! Types and control: `typeOf`, `is*`, `seq`, `deepSeq`, `throw`, `abort`, `trace`, `tryEval`,
//! `functionArgs` (`primops.cc`).

use crate::error::{ErrorKind, EvalError, Result, Span};
use crate::eval::value::{Attrs, Thunk, Value};
use crate::eval::Evaluator;

pub fn prim_type_of(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    Ok(Value::string(ev.force(&args[0], span)?.type_of()))
}

macro_rules! is_type {
    ($name:ident, $pat:pat) => {
        pub fn $name(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
            Ok(Value::Bool(matches!(ev.force(&args[0], span)?, $pat)))
        }
    };
}
is_type!(prim_is_null, Value::Null);
is_type!(prim_is_int, Value::Int(_));
is_type!(prim_is_float, Value::Float(_));
is_type!(prim_is_bool, Value::Bool(_));
is_type!(prim_is_string, Value::String(_));
is_type!(prim_is_path, Value::Path(_));
is_type!(prim_is_attrs, Value::Attrs(_));
is_type!(prim_is_list, Value::List(_));
is_type!(prim_is_function, Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(..));

/// `prim_seq`.
pub fn prim_seq(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    ev.force(&args[0], span)?;
    ev.force(&args[1], span)
}

/// `prim_deepSeq`.
pub fn prim_deep_seq(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    ev.deep_force(&v, span)?;
    ev.force(&args[1], span)
}

/// `prim_throw`.
pub fn prim_throw(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let s = ev.coerce_to_string(v, false, false, span)?;
    Err(EvalError::new(ErrorKind::Throw(s.s.to_string()), span))
}

/// `prim_abort`.
pub fn prim_abort(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let s = ev.coerce_to_string(v, false, false, span)?;
    Err(EvalError::new(ErrorKind::Abort(s.s.to_string()), span))
}

/// `prim_trace`: records the message (Nix prints `trace: …` on stderr) and returns the second.
pub fn prim_trace(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let msg = match &v {
        Value::String(s) => s.s.to_string(),
        v => crate::print::print_value(ev, v),
    };
    ev.traces.push(msg);
    ev.force(&args[1], span)
}

/// `prim_tryEval`: catches `throw` and failed assertions only.
pub fn prim_try_eval(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let mut a = Attrs::new();
    match ev.force(&args[0], span) {
        Ok(v) => {
            a.insert("value".into(), Thunk::value(v));
            a.insert("success".into(), Thunk::value(Value::Bool(true)));
        }
        Err(e) if e.kind.is_catchable() => {
            a.insert("value".into(), Thunk::value(Value::Bool(false)));
            a.insert("success".into(), Thunk::value(Value::Bool(false)));
        }
        Err(e) => return Err(e),
    }
    Ok(Value::attrs(a))
}

/// `prim_functionArgs`.
pub fn prim_function_args(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let mut a = Attrs::new();
    match &v {
        Value::Lambda(c) => {
            if let Some(f) = &c.lambda.formals {
                for e in &f.entries {
                    a.insert(e.name.clone().into(), Thunk::value(Value::Bool(e.default.is_some())));
                }
            }
        }
        Value::PrimOp(_) | Value::PrimOpApp(..) => {}
        v => return crate::eval::type_err(v, "a function", span),
    }
    Ok(Value::attrs(a))
}

/// `prim_addErrorContext`: the context only decorates errors; the value is the second argument.
pub fn prim_add_error_context(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    ev.force(&args[1], span)
}

/// `prim_getEnv`: the process environment in the CLI; empty in the browser.
pub fn prim_get_env(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    Ok(Value::string(std::env::var(&*name).unwrap_or_default()))
}

/// `builtins.fetchurl` and `fetchTarball` (`fetch` of `primops/fetchTree.cc`): given a
/// `sha256`, Nix 2.8 first computes the path the download must have (flat for `fetchurl`, named
/// after the URL's last part; recursive for `fetchTarball`, named `source`) and returns it
/// when the store holds it. drvlab has no store and no network, so it returns that path — what
/// Nix gives whenever the download matches its hash — and refuses a fetch without a hash.
fn fetch(ev: &mut Evaluator, args: &[Thunk], span: Span, who: &str, unpack: bool) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let mut url = None;
    let mut name = None;
    let mut sha256 = None;
    match &v {
        Value::Attrs(a) => {
            for (k, t) in a.iter() {
                match &**k {
                    "url" => url = Some(ev.force_string_no_ctx(t, span)?.to_string()),
                    "name" => name = Some(ev.force_string_no_ctx(t, span)?.to_string()),
                    "sha256" => {
                        let h = ev.force_string_no_ctx(t, span)?;
                        sha256 = Some(crate::builtins::paths::parse_sha256(&h, span)?);
                    }
                    other => {
                        return Err(EvalError::new(
                            ErrorKind::Other(format!("unsupported argument '{other}' to '{who}'")),
                            span,
                        ))
                    }
                }
            }
        }
        _ => url = Some(ev.force_string_no_ctx(&args[0], span)?.to_string()),
    }
    let Some(url) = url else {
        return Err(EvalError::new(ErrorKind::Other("'url' argument required".into()), span));
    };
    let Some(h) = sha256 else { return Err(network(who, span)) };
    let name = name.unwrap_or_else(|| {
        if unpack {
            "source".into()
        } else {
            crate::builtins::paths::base_name_of(&url).to_string()
        }
    });
    if drvlab_engine::store_path::NameRule::AnyLeadingDot.check(&name).is_err() {
        return Err(EvalError::new(ErrorKind::Other(format!("invalid store path name '{name}'")), span));
    }
    let mode = if unpack {
        drvlab_engine::store_path::FixedMode::Recursive
    } else {
        drvlab_engine::store_path::FixedMode::Flat
    };
    let p = drvlab_engine::store_path::fixed_output_path(
        &ev.store_dir,
        &name,
        mode,
        &h,
        &mut drvlab_engine::trace::Trace::off(),
    );
    let ctx = crate::context::Context::single(crate::context::CtxElem::Path(p.as_str().into()));
    Ok(Value::String(crate::eval::value::NixString::with_ctx(p.as_str(), ctx)))
}

fn network(who: &str, span: Span) -> EvalError {
    EvalError::new(
        ErrorKind::Unsupported(format!(
            "builtins.{who} needs the network at evaluation time, and drvlab cannot fetch: \
             give it a sha256 (builtins.fetchurl and fetchTarball with a sha256 have a known path), \
             or use import <nix/fetchurl.nix> {{ url = …; sha256 = …; }}, a fixed-output derivation whose paths drvlab computes"
        )),
        span,
    )
}

pub fn prim_fetchurl(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    fetch(ev, args, span, "fetchurl", false)
}

pub fn prim_fetch_tarball(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    fetch(ev, args, span, "fetchTarball", true)
}

pub fn prim_fetch_git(_: &mut Evaluator, _: &[Thunk], span: Span) -> Result<Value> {
    Err(network("fetchGit", span))
}

pub fn prim_fetch_mercurial(_: &mut Evaluator, _: &[Thunk], span: Span) -> Result<Value> {
    Err(network("fetchMercurial", span))
}

pub fn prim_fetch_tree(_: &mut Evaluator, _: &[Thunk], span: Span) -> Result<Value> {
    Err(network("fetchTree", span))
}

/// `builtins.fromTOML` (Nix 2.8 parses with toml11; drvlab with [`super::toml`], TOML 1.0
/// both): tables are sets, arrays lists, and dates and times refused as Nix refuses them.
pub fn prim_from_toml(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let text = ev.force_string(&args[0], span)?;
    let t = super::toml::parse(&text.s)
        .map_err(|m| EvalError::new(ErrorKind::Other(format!("while parsing a TOML string: {m}")), span))?;
    let mut cells = 0u64;
    let a = super::toml::table(t, &mut cells);
    ev.alloc(cells, span)?;
    Ok(Value::attrs(a))
}
