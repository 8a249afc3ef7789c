//! `builtins.toXML`: `prim_toXML` of `primops.cc` over `printValueAsXML` (`value-to-xml.cc`) and
//! Nix's `XMLWriter` (`xml-writer.cc`), byte for byte: two spaces of indentation per level,
//! attributes sorted by name, `"`, `<`, `>`, `&` and newlines escaped in attribute values.

use crate::context::Context;
use crate::error::{Result, Span};
use crate::eval::value::{Attrs, Thunk, Value};
use crate::eval::Evaluator;
use std::collections::HashSet;

/// `XMLWriter` with indentation on.
struct Writer {
    out: String,
    open: Vec<&'static str>,
}

impl Writer {
    fn attrs(&mut self, attrs: &[(&str, &str)]) {
        let mut sorted: Vec<&(&str, &str)> = attrs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in sorted {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            for c in v.chars() {
                match c {
                    '"' => self.out.push_str("&quot;"),
                    '<' => self.out.push_str("&lt;"),
                    '>' => self.out.push_str("&gt;"),
                    '&' => self.out.push_str("&amp;"),
                    '\n' => self.out.push_str("&#xA;"),
                    c => self.out.push(c),
                }
            }
            self.out.push('"');
        }
    }
    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }
    fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str(">\n");
        self.open.push(name);
    }
    fn close(&mut self) {
        let name = self.open.pop().expect("an open element");
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str(" />\n");
    }
}

struct State<'a> {
    w: Writer,
    ctx: &'a mut Context,
    drvs_seen: HashSet<String>,
}

/// `prim_toXML`: the XML text, its context the union of the strings' inside.
pub fn prim_to_xml(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let mut ctx = Context::default();
    let text = to_xml(ev, &args[0], span, &mut ctx)?;
    Ok(Value::String(crate::eval::value::NixString::with_ctx(text, ctx)))
}

/// `printValueAsXML(strict = true, location = false)`.
pub fn to_xml(ev: &mut Evaluator, t: &Thunk, span: Span, ctx: &mut Context) -> Result<String> {
    let mut st = State {
        w: Writer { out: "<?xml version='1.0' encoding='utf-8'?>\n".into(), open: Vec::new() },
        ctx,
        drvs_seen: HashSet::new(),
    };
    st.w.open("expr", &[]);
    value(ev, t, span, &mut st)?;
    st.w.close();
    Ok(st.w.out)
}

fn value(ev: &mut Evaluator, t: &Thunk, span: Span, st: &mut State) -> Result<()> {
    let v = ev.force(t, span)?;
    ev.enter(span)?;
    let r = value_forced(ev, &v, span, st);
    ev.leave();
    r
}

fn value_forced(ev: &mut Evaluator, v: &Value, span: Span, st: &mut State) -> Result<()> {
    ev.step(span)?;
    match v {
        Value::Int(i) => st.w.empty("int", &[("value", &i.to_string())]),
        Value::Bool(b) => st.w.empty("bool", &[("value", if *b { "true" } else { "false" })]),
        Value::String(s) => {
            st.ctx.extend(&s.ctx);
            st.w.empty("string", &[("value", &s.s)]);
        }
        Value::Path(p) => st.w.empty("path", &[("value", p)]),
        Value::Null => st.w.empty("null", &[]),
        Value::Float(f) => st.w.empty("float", &[("value", &drvlab_engine::json::float_g(*f))]),
        Value::Attrs(a) => {
            if crate::eval::is_derivation(ev, a, span)? {
                let mut drv_path = None;
                let mut out_path = None;
                if let Some(t) = a.get("drvPath").cloned() {
                    if let Value::String(s) = ev.force(&t, span)? {
                        drv_path = Some(s.s.to_string());
                    }
                }
                if let Some(t) = a.get("outPath").cloned() {
                    if let Value::String(s) = ev.force(&t, span)? {
                        out_path = Some(s.s.to_string());
                    }
                }
                let mut xa: Vec<(&str, &str)> = Vec::new();
                if let Some(d) = &drv_path {
                    xa.push(("drvPath", d));
                }
                if let Some(o) = &out_path {
                    xa.push(("outPath", o));
                }
                st.w.open("derivation", &xa);
                match drv_path {
                    Some(d) if !d.is_empty() && st.drvs_seen.insert(d.clone()) => show_attrs(ev, a, span, st)?,
                    _ => st.w.empty("repeated", &[]),
                }
                st.w.close();
            } else {
                st.w.open("attrs", &[]);
                show_attrs(ev, a, span, st)?;
                st.w.close();
            }
        }
        Value::List(l) => {
            st.w.open("list", &[]);
            for t in l.iter() {
                value(ev, t, span, st)?;
            }
            st.w.close();
        }
        Value::Lambda(c) => {
            st.w.open("function", &[]);
            let l = &c.lambda;
            match &l.formals {
                Some(f) => {
                    let mut xa: Vec<(&str, &str)> = Vec::new();
                    if let Some(n) = &l.arg {
                        xa.push(("name", n));
                    }
                    if f.ellipsis {
                        xa.push(("ellipsis", "1"));
                    }
                    st.w.open("attrspat", &xa);
                    let mut names: Vec<&str> = f.entries.iter().map(|e| &*e.name).collect();
                    names.sort();
                    for n in names {
                        st.w.empty("attr", &[("name", n)]);
                    }
                    st.w.close();
                }
                None => st.w.empty("varpat", &[("name", l.arg.as_deref().unwrap_or(""))]),
            }
            st.w.close();
        }
        // "FIXME: Serialize primops and primopapps" (Nix 2.8).
        Value::PrimOp(_) | Value::PrimOpApp(..) => st.w.empty("unevaluated", &[]),
    }
    Ok(())
}

fn show_attrs(ev: &mut Evaluator, a: &Attrs, span: Span, st: &mut State) -> Result<()> {
    for (k, t) in a.iter() {
        st.w.open("attr", &[("name", k)]);
        value(ev, t, span, st)?;
        st.w.close();
    }
    Ok(())
}
