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
                    a.insert(e.name.clone(), Thunk::value(Value::Bool(e.default.is_some())));
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

/// Built-ins that reach the network (`fetchurl`, `fetchTarball`, `fetchGit`, …): drvlab has none.
pub fn prim_fetch(_: &mut Evaluator, _: &[Thunk], span: Span) -> Result<Value> {
    Err(EvalError::new(
        ErrorKind::Unsupported(
            "fetching at evaluation time (builtins.fetchurl, fetchTarball, fetchGit) needs the network, which drvlab does not use; use <nix/fetchurl.nix> (a fixed-output derivation) instead".into(),
        ),
        span,
    ))
}
