//! Values printed as `nix-instantiate --eval` prints them (`printValue` in Nix 2.8's
//! `libexpr/eval.cc`), and as `--json` prints them (`printValueAsJSON`, `value-to-json.cc`).

use crate::error::{ErrorKind, Result, Span};
use crate::eval::value::*;
use crate::eval::Evaluator;
use drvlab_engine::json::{float_g, string as json_string, Writer};
use std::collections::HashSet;
use std::fmt::Write;

/// A string literal as Nix prints it: `"`, `\`, newline, CR, tab and `${` escaped.
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if it.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Prints a value; unforced parts print as `<CODE>` (without `--strict` Nix forces only the top).
pub fn print_value(ev: &Evaluator, v: &Value) -> String {
    let mut out = String::new();
    let mut seen = HashSet::new();
    print_into(ev, v, None, &mut out, &mut seen, 0);
    out
}

fn print_thunk(ev: &Evaluator, t: &Thunk, out: &mut String, seen: &mut HashSet<usize>, depth: usize) {
    match t.peek() {
        Some(v) => print_into(ev, &v, Some(t), out, seen, depth + 1),
        None => out.push_str("<CODE>"),
    }
}

fn print_into(
    ev: &Evaluator,
    v: &Value,
    slot: Option<&Thunk>,
    out: &mut String,
    seen: &mut HashSet<usize>,
    depth: usize,
) {
    // Deeper than evaluation itself may go: cut, rather than overflow the stack.
    if depth > ev.budget.max_depth {
        out.push_str("«too deep»");
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_g(*f)),
        Value::String(s) => out.push_str(&escape_string(&s.s)),
        Value::Path(p) => out.push_str(p),
        Value::Attrs(a) => {
            // Empty sets and lists are never `«repeated»` (Nix shares one empty value).
            if !a.is_empty() && !seen.insert(std::rc::Rc::as_ptr(a) as *const u8 as usize) {
                out.push_str("«repeated»");
                return;
            }
            out.push_str("{ ");
            for (k, t) in a.iter() {
                out.push_str(&print_attr_name(k));
                out.push_str(" = ");
                print_thunk(ev, t, out, seen, depth);
                out.push_str("; ");
            }
            out.push('}');
        }
        Value::List(l) => {
            // Nix keeps lists of up to two elements inside the value itself, so only the
            // same slot repeats them; longer lists share their element array.
            let id = if l.is_empty() {
                None
            } else if l.len() <= 2 {
                slot.map(|t| t.addr() | 1)
            } else {
                Some(std::rc::Rc::as_ptr(l) as *const u8 as usize)
            };
            if let Some(id) = id {
                if !seen.insert(id) {
                    out.push_str("«repeated»");
                    return;
                }
            }
            out.push_str("[ ");
            for t in l.iter() {
                print_thunk(ev, t, out, seen, depth);
                out.push(' ');
            }
            out.push(']');
        }
        Value::Lambda(_) => out.push_str("<LAMBDA>"),
        Value::PrimOp(_) => out.push_str("<PRIMOP>"),
        Value::PrimOpApp(..) => out.push_str("<PRIMOP-APP>"),
    }
}

/// An attribute name, quoted unless it is a plain identifier.
fn print_attr_name(k: &str) -> String {
    // Nix 2.8 quotes `if` alone of the keywords (`{ "if" = 1; then = 2; }`).
    let ident = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c))
        && k != "if";
    if ident {
        k.to_string()
    } else {
        // Names are printed by `printString` of `nixexpr.cc`, which escapes every `$`.
        let e = escape_string(k);
        let mut out = String::with_capacity(e.len());
        let mut prev_backslash = false;
        for c in e.chars() {
            if c == '$' && !prev_backslash {
                out.push('\\');
            }
            prev_backslash = c == '\\' && !prev_backslash;
            out.push(c);
        }
        out
    }
}

/// `printValueAsJSON`: the value forced and written as JSON (paths copied to the store,
/// derivations as their `outPath`, sets with `__toString` or `outPath` as strings).
pub fn to_json(
    ev: &mut Evaluator,
    v: &Value,
    copy_to_store: bool,
    span: Span,
    out: &mut String,
    ctx: &mut crate::context::Context,
) -> Result<()> {
    ev.enter(span)?;
    let r = to_json_inner(ev, v, copy_to_store, span, out, ctx);
    ev.leave();
    r
}

fn to_json_inner(
    ev: &mut Evaluator,
    v: &Value,
    copy_to_store: bool,
    span: Span,
    out: &mut String,
    ctx: &mut crate::context::Context,
) -> Result<()> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_g(*f)),
        Value::String(s) => {
            ctx.extend(&s.ctx);
            json_string(out, &s.s, Writer::Nix2_8)
        }
        Value::Path(p) => {
            let s = if copy_to_store { ev.copy_path_to_store(p, span)? } else { p.to_string() };
            if copy_to_store {
                ctx.insert(crate::context::CtxElem::Path(s.as_str().into()));
            }
            json_string(out, &s, Writer::Nix2_8)
        }
        Value::Attrs(a) => {
            if a.contains_key("__toString") || a.contains_key("outPath") {
                if let Some(t) = a.get("outPath").cloned().filter(|_| !a.contains_key("__toString")) {
                    let v = ev.force(&t, span)?;
                    return to_json(ev, &v, copy_to_store, span, out, ctx);
                }
                let s = ev.coerce_to_string(v.clone(), false, copy_to_store, span)?;
                ctx.extend(&s.ctx);
                json_string(out, &s.s, Writer::Nix2_8);
                return Ok(());
            }
            out.push('{');
            let mut first = true;
            for (k, t) in a.iter() {
                if !first {
                    out.push(',');
                }
                first = false;
                json_string(out, k, Writer::Nix2_8);
                out.push(':');
                let v = ev.force(t, span)?;
                to_json(ev, &v, copy_to_store, span, out, ctx)?;
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for (i, t) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let v = ev.force(t, span)?;
                to_json(ev, &v, copy_to_store, span, out, ctx)?;
            }
            out.push(']');
        }
        Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(..) => {
            return Err(ev.err(ErrorKind::Other(format!("cannot convert {} to JSON", v.show_type())), span));
        }
    }
    Ok(())
}
