//! The evaluator: one function per syntax form (`Expr*::eval` in Nix's `libexpr/eval.cc`), forcing
//! of thunks with black holes (`infinite recursion encountered`), function calls
//! (`EvalState::callFunction`), coercions (`coerceToString`), equality (`eqValues`), and the step,
//! depth and size budgets that keep a browser tab alive.

use crate::ast::*;
use crate::context::{Context, CtxElem};
use crate::error::{fail, ErrorKind, EvalError, Result, Span};
pub mod arith;
mod search_path;
pub mod track;
pub mod value;

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use value::*;

/// Limits on one evaluation. Nix has none but the native stack; drvlab must stop within a second
/// in a browser.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Expressions evaluated and functions called.
    pub max_steps: u64,
    /// Nesting of evaluation (kept well below what the native stack holds).
    pub max_depth: usize,
    /// List elements, attributes and string bytes made (a proxy for memory).
    pub max_cells: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { max_steps: 5_000_000, max_depth: 1_000, max_cells: 2_000_000 }
    }
}

pub struct Evaluator {
    pub(crate) sources: crate::error::Sources,
    pub(crate) base: Rc<Env>,
    pub(crate) globals: HashMap<Name, usize>,
    pub(crate) builtins: Option<Thunk>,
    pub fs: Box<dyn crate::fs::FileSystem>,
    pub budget: Budget,
    pub(crate) steps: u64,
    pub(crate) depth: usize,
    pub(crate) cells: u64,
    /// References of the store paths made here (`.drv` files, `toFile` results), for closures.
    pub(crate) references: HashMap<String, Vec<String>>,
    pub store_dir: String,
    /// `-I` and `NIX_PATH` entries: (prefix, path); an empty prefix is a plain directory.
    pub search_path: Vec<(String, String)>,
    /// Every derivation instantiated, by `.drv` path (what `nix-instantiate` would write).
    pub derivations: BTreeMap<String, drvlab_engine::Resolved>,
    pub(crate) imports: HashMap<String, Thunk>,
    pub(crate) copied: HashMap<String, String>,
    /// `--extra-experimental-features ca-derivations`: allow `__contentAddressed`.
    pub experimental_ca: bool,
    /// Messages of `builtins.trace`, in order.
    pub traces: Vec<String>,
    /// The native stack this evaluator may use: (address near its base, bytes). Nix's only limit
    /// is its stack; a caller on a thread with a known stack sets this so that deep (not
    /// infinite) recursion runs as far as the stack allows and then fails as Nix does.
    pub(crate) stack: Option<(usize, usize)>,
    /// What each forced thunk read of one source's literals (the per-literal sweep); `None`
    /// unless asked for.
    pub track: Option<Box<track::Tracker>>,
}

pub(crate) fn type_err<T>(got: &Value, expected: &'static str, span: Span) -> Result<T> {
    fail(ErrorKind::Type { got: got.show_type(), expected }, span)
}

impl Evaluator {
    pub(crate) fn step(&mut self, span: Span) -> Result<()> {
        self.steps += 1;
        if self.steps > self.budget.max_steps {
            return fail(
                ErrorKind::Budget(format!(
                    "more than {} evaluation steps (raise the step budget or simplify)",
                    self.budget.max_steps
                )),
                span,
            );
        }
        Ok(())
    }

    /// Counts `n` cells of memory against the budget.
    pub(crate) fn alloc(&mut self, n: u64, span: Span) -> Result<()> {
        self.cells = self.cells.saturating_add(n);
        if self.cells > self.budget.max_cells {
            return fail(
                ErrorKind::Budget(format!("more than {} values made (the memory budget)", self.budget.max_cells)),
                span,
            );
        }
        Ok(())
    }

    /// Lets evaluation use `bytes` of the native stack below the caller's frame (on a thread
    /// whose stack is larger than that): deeper nesting fails with Nix's `stack overflow`.
    pub fn guard_stack(&mut self, bytes: usize) {
        let here = 0u8;
        self.stack = Some((std::hint::black_box(&here) as *const u8 as usize, bytes));
    }

    pub(crate) fn enter(&mut self, span: Span) -> Result<()> {
        self.depth += 1;
        let deep = match self.stack {
            Some((base, bytes)) => {
                let here = 0u8;
                let at = std::hint::black_box(&here) as *const u8 as usize;
                base.saturating_sub(at) > bytes
            }
            None => false,
        };
        if deep || self.depth > self.budget.max_depth {
            self.depth -= 1;
            // Nix names no place for it.
            let _ = span;
            return Err(EvalError::bare(ErrorKind::Other("stack overflow (possible infinite recursion)".into())));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// `forceValue`: evaluates a thunk to weak head normal form, once.
    pub fn force(&mut self, t: &Thunk, span: Span) -> Result<Value> {
        if let Some(tr) = self.track.as_deref_mut() {
            tr.touch(t);
        }
        let state = {
            let mut b = t.0.borrow_mut();
            match &*b {
                ThunkState::Done(v) => return Ok(v.clone()),
                ThunkState::Blackhole => return fail(ErrorKind::InfiniteRecursion, span),
                _ => std::mem::replace(&mut *b, ThunkState::Blackhole),
            }
        };
        self.enter(span)?;
        if let Some(tr) = self.track.as_deref_mut() {
            tr.begin(self.depth);
        }
        let r = match state {
            ThunkState::Pending(e, env) => self.eval(&e, &env),
            ThunkState::Apply(f, a) => {
                let fv = self.force(&f, span);
                match fv {
                    Ok(fv) => self.call(fv, a, span),
                    Err(e) => Err(e),
                }
            }
            ThunkState::Native(f) => f(self),
            ThunkState::Done(_) | ThunkState::Blackhole => unreachable!("taken above"),
        };
        self.leave();
        if let Some(tr) = self.track.as_deref_mut() {
            tr.end_thunk(t);
        }
        match r {
            Ok(v) => {
                *t.0.borrow_mut() = ThunkState::Done(v.clone());
                Ok(v)
            }
            Err(e) => {
                // Nix leaves the thunk as it was (a later force fails the same way); a black hole
                // would turn the second failure into infinite recursion. Keep the error instead.
                let kept = e.clone();
                *t.0.borrow_mut() = ThunkState::Native(Box::new(move |_| Err(kept)));
                Err(e)
            }
        }
    }

    /// `Expr::maybeThunk`: constants are values at once, variables share the thunk they name,
    /// anything else is suspended.
    pub(crate) fn thunk(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> Thunk {
        let constant = match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(s) => Value::string(s.clone()),
            ExprKind::Path(p) => Value::Path(p.clone()),
            _ => return self.thunk_of(e, env),
        };
        let t = Thunk::value(constant);
        if let Some(tr) = self.track.as_deref_mut() {
            tr.constant(&self.sources, e.span, &t);
        }
        t
    }

    fn thunk_of(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> Thunk {
        match &e.kind {
            ExprKind::Var(name, var) => match self.lookup_var_noeval(name, var, env) {
                Some(t) => t,
                None => Thunk::pending(e.clone(), env.clone()),
            },
            _ => Thunk::pending(e.clone(), env.clone()),
        }
    }

    fn lookup_var_noeval(&mut self, name: &str, var: &Var, env: &Rc<Env>) -> Option<Thunk> {
        match var {
            Var::Local { level, index } => {
                let e = up(env, *level);
                let slots = e.slots.borrow();
                slots.get(*index).cloned()
            }
            Var::With { level } => {
                let mut e = up(env, *level);
                loop {
                    if let Some(w) = &e.with {
                        // Looking in a set already forced reads it, as forcing it would.
                        if let (Some(tr), true) = (self.track.as_deref_mut(), w.peek().is_some()) {
                            tr.touch(w);
                        }
                        match w.peek() {
                            Some(Value::Attrs(a)) => {
                                if let Some(t) = a.get(name) {
                                    return Some(t.clone());
                                }
                            }
                            _ => return None,
                        }
                    }
                    e = e.up.clone()?;
                }
            }
        }
    }

    /// `Expr::eval`, dispatching to one function per syntax form.
    pub fn eval(&mut self, e: &Expr, env: &Rc<Env>) -> Result<Value> {
        self.step(e.span)?;
        if let Some(tr) = self.track.as_deref_mut() {
            if matches!(e.kind, ExprKind::CurPos { .. }) {
                tr.positions.set(true);
            }
            tr.expr(&self.sources, e.span);
        }
        self.enter(e.span)?;
        let r = self.eval_form(e, env);
        self.leave();
        r
    }

    fn eval_form(&mut self, e: &Expr, env: &Rc<Env>) -> Result<Value> {
        match &e.kind {
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            ExprKind::Float(f) => Ok(Value::Float(*f)),
            ExprKind::Str(s) => Ok(Value::string(s.clone())),
            ExprKind::Uri(s) => Ok(Value::string(s.clone())),
            ExprKind::Path(p) => Ok(Value::Path(p.clone())),
            ExprKind::SearchPath(p) => self.eval_search_path(p, e.span),
            ExprKind::Interpolate { parts, path } => self.eval_concat_strings(parts, *path, env, e.span),
            ExprKind::Var(name, var) => self.eval_var(name, var, env, e.span),
            ExprKind::Select { set, path, default } => self.eval_select(set, path, default.as_deref(), env, e.span),
            ExprKind::HasAttr { set, path } => self.eval_has_attr(set, path, env),
            ExprKind::Attrs(a) => self.eval_attrs(a, env, e.span),
            ExprKind::List(items) => self.eval_list(items, env, e.span),
            ExprKind::Let { attrs, body } => self.eval_let(attrs, body, env),
            ExprKind::With { set, body } => self.eval_with(set, body, env),
            ExprKind::Lambda(l) => Ok(Value::Lambda(Rc::new(Closure { lambda: l.clone(), env: env.clone() }))),
            ExprKind::Apply { fun, arg } => self.eval_apply(fun, arg, env, e.span),
            ExprKind::If { cond, then, els } => self.eval_if(cond, then, els, env),
            ExprKind::Assert { cond, body, text } => self.eval_assert(cond, body, text, env, e.span),
            ExprKind::Not(x) => Ok(Value::Bool(!self.eval_bool(x, env)?)),
            ExprKind::Neg(x) => {
                // `-x` is `__sub 0 x`.
                let v = self.eval(x, env)?;
                arith::sub(self, Value::Int(0), v, e.span)
            }
            ExprKind::Bin { op, lhs, rhs } => self.eval_bin(*op, lhs, rhs, env, e.span),
            ExprKind::CurPos { file, line, column } => {
                let mut a = Attrs::new();
                a.insert("file".into(), Thunk::value(Value::string(file.as_str())));
                a.insert("line".into(), Thunk::value(Value::Int(*line as i64)));
                a.insert("column".into(), Thunk::value(Value::Int(*column as i64)));
                Ok(Value::attrs(a))
            }
        }
    }

    fn eval_bool(&mut self, e: &Expr, env: &Rc<Env>) -> Result<bool> {
        match self.eval(e, env)? {
            Value::Bool(b) => Ok(b),
            v => type_err(&v, "a Boolean", e.span),
        }
    }

    /// `ExprVar::eval` / `lookupVar`: a lexical slot, or the `with` sets from the innermost out.
    fn eval_var(&mut self, name: &str, var: &Var, env: &Rc<Env>, span: Span) -> Result<Value> {
        match var {
            Var::Local { level, index } => {
                let t = up(env, *level).get(*index);
                self.force(&t, span)
            }
            Var::With { level } => {
                let mut e = up(env, *level);
                loop {
                    if let Some(w) = e.with.clone() {
                        let set = self.force(&w, span)?;
                        let Value::Attrs(a) = set else { return type_err(&set, "a set", span) };
                        if let Some(t) = a.get(name) {
                            let t = t.clone();
                            return self.force(&t, span);
                        }
                    }
                    match e.up.clone() {
                        Some(u) => e = u,
                        None => return fail(ErrorKind::UndefinedVar(name.to_string()), span),
                    }
                }
            }
        }
    }

    pub(crate) fn attr_name(&mut self, a: &AttrName, env: &Rc<Env>) -> Result<Rc<str>> {
        match a {
            AttrName::Static(n) => Ok(n.clone()),
            AttrName::Dynamic(e) => {
                let v = self.eval(e, env)?;
                Ok(self.string_no_ctx(v, e.span)?)
            }
        }
    }

    /// `ExprSelect::eval`: `e.a.b` and `e.a.b or d`.
    fn eval_select(
        &mut self,
        set: &Expr,
        path: &[AttrName],
        default: Option<&Expr>,
        env: &Rc<Env>,
        span: Span,
    ) -> Result<Value> {
        let mut v = self.eval(set, env)?;
        for a in path {
            let name = self.attr_name(a, env)?;
            let next = match &v {
                Value::Attrs(attrs) => attrs.get(&name).cloned(),
                _ if default.is_some() => None,
                other => return type_err(other, "a set", span),
            };
            match next {
                Some(t) => v = self.force(&t, span)?,
                None => match default {
                    Some(d) => return self.eval(d, env),
                    None => return fail(ErrorKind::MissingAttr(name.to_string()), span),
                },
            }
        }
        Ok(v)
    }

    /// `ExprOpHasAttr::eval`: `e ? a.b`.
    fn eval_has_attr(&mut self, set: &Expr, path: &[AttrName], env: &Rc<Env>) -> Result<Value> {
        let mut v = self.eval(set, env)?;
        for a in path {
            let name = self.attr_name(a, env)?;
            let next = match &v {
                Value::Attrs(attrs) => attrs.get(&name).cloned(),
                _ => None,
            };
            match next {
                Some(t) => v = self.force(&t, set.span)?,
                None => return Ok(Value::Bool(false)),
            }
        }
        Ok(Value::Bool(true))
    }

    /// `ExprAttrs::eval`: a set literal, `rec` or not; dynamic names last, each checked for
    /// duplicates, `null` names left out.
    fn eval_attrs(&mut self, lit: &AttrsLit, env: &Rc<Env>, span: Span) -> Result<Value> {
        if let Some(tr) = self.track.as_deref_mut() {
            tr.bindings(&self.sources, lit);
        }
        let mut attrs = Attrs::new();
        let inner = if lit.rec {
            let e = Env::new(Some(env.clone()), lit.attrs.len());
            // With `__overrides`, Nix makes every value a thunk of its own (a variable does not
            // share the thunk it names), so that `b = a;` reads the overridden `a`.
            let overrides = lit.attrs.iter().any(|b| &*b.name == "__overrides");
            for b in &lit.attrs {
                let t = if b.inherited {
                    self.thunk(&b.value, env)
                } else if overrides {
                    Thunk::pending(b.value.clone(), e.clone())
                } else {
                    self.thunk(&b.value, &e)
                };
                e.push(t.clone());
                attrs.insert(Key::at(b.name.clone(), AttrPos { file: span.file, offset: b.pos }), t);
            }
            // `rec { __overrides = { … }; }`: the set's attributes replace the statically named
            // ones (in the set and in its scope) or are added to the set (not to the scope).
            if let Some(i) = lit.attrs.iter().position(|b| &*b.name == "__overrides") {
                let t = e.get(i);
                let at = lit.attrs[i].value.span;
                let over = match self.force(&t, at)? {
                    Value::Attrs(a) => a,
                    // Nix names no place (the value has none).
                    v => return Err(EvalError::bare(ErrorKind::Type { got: v.show_type(), expected: "a set" })),
                };
                for (k, t) in over.iter() {
                    if let Some(j) = lit.attrs.iter().position(|b| b.name == k.name) {
                        e.slots.borrow_mut()[j] = t.clone();
                    }
                    attrs.remove(&*k.name);
                    attrs.insert(k.clone(), t.clone());
                }
            }
            e
        } else {
            for b in &lit.attrs {
                let t = self.thunk(&b.value, env);
                attrs.insert(Key::at(b.name.clone(), AttrPos { file: span.file, offset: b.pos }), t);
            }
            env.clone()
        };
        self.alloc(lit.attrs.len() as u64, span)?;
        let mut dyn_spans: HashMap<Rc<str>, Span> = HashMap::new();
        for (name_e, value, dspan) in &lit.dynamic {
            let nv = self.eval(name_e, &inner)?;
            if matches!(nv, Value::Null) {
                continue;
            }
            let name = self.string_no_ctx(nv, name_e.span)?;
            if attrs.contains_key(&name) {
                let first =
                    lit.attrs.iter().find(|b| b.name == name).map(|b| b.span).or_else(|| dyn_spans.get(&name).copied());
                let at = first.map(|s| self.pos_in_message(s)).unwrap_or_default();
                return fail(ErrorKind::DynamicDuplicate { name: name.to_string(), at }, *dspan);
            }
            dyn_spans.insert(name.clone(), *dspan);
            let t = self.thunk(value, &inner);
            attrs.insert(Key::at(name, AttrPos { file: dspan.file, offset: dspan.start }), t);
        }
        Ok(Value::attrs(attrs))
    }

    fn eval_list(&mut self, items: &[Rc<Expr>], env: &Rc<Env>, span: Span) -> Result<Value> {
        self.alloc(items.len() as u64, span)?;
        let v = items.iter().map(|i| self.thunk(i, env)).collect();
        Ok(Value::list(v))
    }

    /// `ExprLet::eval`: one frame for every binding; `inherit x` reads the frame around it.
    fn eval_let(&mut self, lit: &AttrsLit, body: &Expr, env: &Rc<Env>) -> Result<Value> {
        if let Some(tr) = self.track.as_deref_mut() {
            tr.bindings(&self.sources, lit);
        }
        let e = Env::new(Some(env.clone()), lit.attrs.len());
        for b in &lit.attrs {
            let t = if b.inherited { self.thunk(&b.value, env) } else { self.thunk(&b.value, &e) };
            e.push(t);
        }
        self.eval(body, &e)
    }

    /// `ExprWith::eval`: the set is not forced until a variable needs it.
    fn eval_with(&mut self, set: &Rc<Expr>, body: &Expr, env: &Rc<Env>) -> Result<Value> {
        let t = self.thunk(set, env);
        let e = Env::with_set(env.clone(), t);
        self.eval(body, &e)
    }

    fn eval_apply(&mut self, fun: &Expr, arg: &Rc<Expr>, env: &Rc<Env>, span: Span) -> Result<Value> {
        let f = self.eval(fun, env)?;
        let a = self.thunk(arg, env);
        self.call(f, a, span)
    }

    fn eval_if(&mut self, cond: &Expr, then: &Expr, els: &Expr, env: &Rc<Env>) -> Result<Value> {
        if self.eval_bool(cond, env)? {
            self.eval(then, env)
        } else {
            self.eval(els, env)
        }
    }

    fn eval_assert(&mut self, cond: &Expr, body: &Expr, text: &str, env: &Rc<Env>, span: Span) -> Result<Value> {
        if !self.eval_bool(cond, env)? {
            return fail(ErrorKind::Assertion(text.to_string()), span);
        }
        self.eval(body, env)
    }

    fn eval_bin(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, env: &Rc<Env>, span: Span) -> Result<Value> {
        match op {
            BinOp::And => Ok(Value::Bool(self.eval_bool(lhs, env)? && self.eval_bool(rhs, env)?)),
            BinOp::Or => Ok(Value::Bool(self.eval_bool(lhs, env)? || self.eval_bool(rhs, env)?)),
            BinOp::Impl => Ok(Value::Bool(!self.eval_bool(lhs, env)? || self.eval_bool(rhs, env)?)),
            BinOp::Add => self.eval_add(lhs, rhs, env, span),
            BinOp::Eq | BinOp::NotEq => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                let eq = self.eq_values(&a, &b, span)?;
                Ok(Value::Bool(eq == (op == BinOp::Eq)))
            }
            BinOp::Update => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                let Value::Attrs(a) = a else { return type_err(&a, "a set", lhs.span) };
                let Value::Attrs(b) = b else { return type_err(&b, "a set", rhs.span) };
                if b.is_empty() {
                    return Ok(Value::Attrs(a));
                }
                if a.is_empty() {
                    return Ok(Value::Attrs(b));
                }
                self.alloc((a.len() + b.len()) as u64, span)?;
                let mut out = (*a).clone();
                for (k, v) in b.iter() {
                    out.insert(k.clone(), v.clone());
                }
                Ok(Value::attrs(out))
            }
            BinOp::Concat => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                let Value::List(a) = a else { return type_err(&a, "a list", lhs.span) };
                let Value::List(b) = b else { return type_err(&b, "a list", rhs.span) };
                if b.is_empty() {
                    return Ok(Value::List(a));
                }
                if a.is_empty() {
                    return Ok(Value::List(b));
                }
                self.alloc((a.len() + b.len()) as u64, span)?;
                let mut out = (*a).clone();
                out.extend(b.iter().cloned());
                Ok(Value::list(out))
            }
            BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                match op {
                    BinOp::Sub => arith::sub(self, a, b, span),
                    BinOp::Mul => arith::mul(self, a, b, span),
                    _ => arith::div(self, a, b, span),
                }
            }
            BinOp::Less | BinOp::LessEq | BinOp::More | BinOp::MoreEq => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                // `a <= b` is `!(b < a)`, `a > b` is `b < a`, `a >= b` is `!(a < b)`.
                Ok(Value::Bool(match op {
                    BinOp::Less => self.less_than(&a, &b, span)?,
                    BinOp::LessEq => !self.less_than(&b, &a, span)?,
                    BinOp::More => self.less_than(&b, &a, span)?,
                    _ => !self.less_than(&a, &b, span)?,
                }))
            }
        }
    }

    /// `a + b` is `ExprConcatStrings` with `forceString = false` in Nix.
    fn eval_add(&mut self, lhs: &Expr, rhs: &Expr, env: &Rc<Env>, span: Span) -> Result<Value> {
        let a = self.eval(lhs, env)?;
        let b = self.eval(rhs, env)?;
        self.concat_values(vec![(a, lhs.span), (b, rhs.span)], false, span)
    }

    /// `ExprConcatStrings::eval` for `"…${}…"` and path literals with `${}`.
    fn eval_concat_strings(&mut self, parts: &[Part], path: bool, env: &Rc<Env>, span: Span) -> Result<Value> {
        let mut vals = Vec::with_capacity(parts.len());
        for (i, p) in parts.iter().enumerate() {
            match p {
                // A path with `${}` starts with a path value (`ExprPath` in Nix's parser).
                Part::Lit(s) if path && i == 0 => vals.push((Value::Path(s.clone()), span)),
                Part::Lit(s) => vals.push((Value::string(s.clone()), span)),
                Part::Expr(e, at) => vals.push((self.eval(e, env)?, *at)),
            }
        }
        self.concat_values(vals, !path, span)
    }

    /// The body of `ExprConcatStrings::eval`: numbers add, a leading path makes a path, anything
    /// else is coerced to a string (paths copied to the store).
    pub(crate) fn concat_values(&mut self, vals: Vec<(Value, Span)>, force_string: bool, span: Span) -> Result<Value> {
        enum First {
            Int(i64),
            Float(f64),
            Str,
            Path,
        }
        let mut first = None;
        let mut s = String::new();
        let mut ctx = Context::default();
        for (i, (v, vspan)) in vals.into_iter().enumerate() {
            if first.is_none() {
                first = Some(match (&v, force_string) {
                    (Value::Int(_), false) => First::Int(0),
                    (Value::Float(_), false) => First::Float(0.0),
                    (Value::Path(_), false) => First::Path,
                    _ => First::Str,
                });
            }
            match first.as_mut().expect("set") {
                First::Int(n) => match v {
                    Value::Int(x) => *n = n.wrapping_add(x),
                    Value::Float(x) => first = Some(First::Float(*n as f64 + x)),
                    o => return fail(ErrorKind::Other(format!("cannot add {} to an integer", o.show_type())), vspan),
                },
                First::Float(f) => match v {
                    Value::Int(x) => *f += x as f64,
                    Value::Float(x) => *f += x,
                    o => return fail(ErrorKind::Other(format!("cannot add {} to a float", o.show_type())), vspan),
                },
                First::Str => {
                    let part = self.coerce_to_string(v, false, true, vspan)?;
                    ctx.extend(&part.ctx);
                    s.push_str(&part.s);
                }
                First::Path => {
                    let part = if i == 0 {
                        match v {
                            Value::Path(p) => NixString::plain(p),
                            _ => unreachable!("first is a path"),
                        }
                    } else {
                        self.coerce_to_string(v, false, false, vspan)?
                    };
                    ctx.extend(&part.ctx);
                    s.push_str(&part.s);
                }
            }
        }
        self.alloc(s.len() as u64 / 16, span)?;
        Ok(match first {
            Some(First::Int(n)) => Value::Int(n),
            Some(First::Float(f)) => Value::Float(f),
            Some(First::Path) => {
                if !ctx.is_empty() {
                    return fail(
                        ErrorKind::Other("a string that refers to a store path cannot be appended to a path".into()),
                        span,
                    );
                }
                Value::Path(crate::lower::canon_path(&s).into())
            }
            _ => Value::String(NixString::with_ctx(s, ctx)),
        })
    }

    /// `EvalState::callFunction`: lambdas, built-ins and sets with `__functor`.
    pub fn call(&mut self, f: Value, arg: Thunk, span: Span) -> Result<Value> {
        self.step(span)?;
        match f {
            Value::Lambda(c) => {
                self.enter(span)?;
                let r = self.call_lambda(&c, arg, span);
                self.leave();
                r
            }
            Value::PrimOp(p) => {
                if p.arity == 1 {
                    (p.fun)(self, &[arg], span)
                } else {
                    Ok(Value::PrimOpApp(p, Rc::new(vec![arg])))
                }
            }
            Value::PrimOpApp(p, args) => {
                let mut all = (*args).clone();
                all.push(arg);
                if all.len() == p.arity {
                    (p.fun)(self, &all, span)
                } else {
                    Ok(Value::PrimOpApp(p, Rc::new(all)))
                }
            }
            Value::Attrs(a) if a.contains_key("__functor") => {
                let functor = a.get("__functor").expect("checked").clone();
                let fv = self.force(&functor, span)?;
                let g = self.call(fv, Thunk::value(Value::Attrs(a.clone())), span)?;
                self.call(g, arg, span)
            }
            other => fail(ErrorKind::NotAFunction(other.show_type()), span),
        }
    }

    fn call_lambda(&mut self, c: &Closure, arg: Thunk, span: Span) -> Result<Value> {
        let l = &c.lambda;
        let size = l.arg.is_some() as usize + l.formals.as_ref().map_or(0, |f| f.entries.len());
        let env = Env::new(Some(c.env.clone()), size);
        if l.arg.is_some() {
            env.push(arg.clone());
        }
        if let Some(formals) = &l.formals {
            let v = self.force(&arg, span)?;
            let Value::Attrs(attrs) = v else { return type_err(&v, "a set", span) };
            let mut used = 0;
            for f in &formals.entries {
                match attrs.get(&f.name) {
                    Some(t) => {
                        used += 1;
                        env.push(t.clone());
                    }
                    None => match &f.default {
                        Some(d) => {
                            let t = self.thunk(d, &env);
                            env.push(t);
                        }
                        None => {
                            return fail(
                                ErrorKind::MissingArgument { what: l.pos.clone(), name: f.name.to_string() },
                                span,
                            )
                        }
                    },
                }
            }
            if !formals.ellipsis && used != attrs.len() {
                for k in attrs.keys() {
                    if !formals.entries.iter().any(|f| *k == f.name) {
                        return fail(ErrorKind::UnexpectedArgument { what: l.pos.clone(), name: k.to_string() }, span);
                    }
                }
            }
        }
        self.eval(&l.body, &env)
    }

    /// Applies a function to values already made (`callFunction` with several arguments).
    pub fn call_values(&mut self, f: &Value, args: Vec<Thunk>, span: Span) -> Result<Value> {
        let mut v = f.clone();
        for a in args {
            v = self.call(v, a, span)?;
        }
        Ok(v)
    }

    // ---- forcing to a type (`forceInt`, `forceAttrs`, …) ----

    pub fn force_int(&mut self, t: &Thunk, span: Span) -> Result<i64> {
        match self.force(t, span)? {
            Value::Int(i) => Ok(i),
            v => type_err(&v, "an integer", span),
        }
    }
    pub fn force_bool(&mut self, t: &Thunk, span: Span) -> Result<bool> {
        match self.force(t, span)? {
            Value::Bool(b) => Ok(b),
            v => type_err(&v, "a Boolean", span),
        }
    }
    pub fn force_attrs(&mut self, t: &Thunk, span: Span) -> Result<Rc<Attrs>> {
        match self.force(t, span)? {
            Value::Attrs(a) => Ok(a),
            v => type_err(&v, "a set", span),
        }
    }
    pub fn force_list(&mut self, t: &Thunk, span: Span) -> Result<Rc<Vec<Thunk>>> {
        match self.force(t, span)? {
            Value::List(l) => Ok(l),
            v => type_err(&v, "a list", span),
        }
    }
    pub fn force_function(&mut self, t: &Thunk, span: Span) -> Result<Value> {
        let v = self.force(t, span)?;
        if v.is_function() || matches!(&v, Value::Attrs(a) if a.contains_key("__functor")) {
            Ok(v)
        } else {
            type_err(&v, "a function", span)
        }
    }
    /// `forceString`: a string value, with its context.
    pub fn force_string(&mut self, t: &Thunk, span: Span) -> Result<NixString> {
        match self.force(t, span)? {
            Value::String(s) => Ok(s),
            v => type_err(&v, "a string", span),
        }
    }
    /// `forceStringNoCtx`.
    pub fn force_string_no_ctx(&mut self, t: &Thunk, span: Span) -> Result<Rc<str>> {
        let v = self.force(t, span)?;
        self.string_no_ctx(v, span)
    }
    fn string_no_ctx(&mut self, v: Value, span: Span) -> Result<Rc<str>> {
        match v {
            Value::String(s) => {
                if let Some(c) = s.ctx.iter().next() {
                    return fail(
                        ErrorKind::Other(format!(
                            "the string '{}' is not allowed to refer to a store path (such as '{}')",
                            s.s,
                            c.encode()
                        )),
                        span,
                    );
                }
                Ok(s.s)
            }
            v => type_err(&v, "a string", span),
        }
    }

    /// `coerceToString`: strings as they are, paths (copied to the store when asked), sets by
    /// `__toString` or `outPath`, and with `coerce_more` (`toString`, derivation attributes)
    /// numbers, Booleans, null and lists too.
    pub fn coerce_to_string(
        &mut self,
        v: Value,
        coerce_more: bool,
        copy_to_store: bool,
        span: Span,
    ) -> Result<NixString> {
        match v {
            Value::String(s) => Ok(s),
            Value::Path(p) => {
                if copy_to_store {
                    let sp = self.copy_path_to_store(&p, span)?;
                    Ok(NixString::with_ctx(sp.clone(), Context::single(CtxElem::Path(sp.into()))))
                } else {
                    Ok(NixString::plain(p))
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString").cloned() {
                    let fv = self.force(&f, span)?;
                    let r = self.call(fv, Thunk::value(Value::Attrs(a.clone())), span)?;
                    return self.coerce_to_string(r, coerce_more, copy_to_store, span);
                }
                match a.get("outPath").cloned() {
                    Some(t) => {
                        let v = self.force(&t, span)?;
                        self.coerce_to_string(v, coerce_more, copy_to_store, span)
                    }
                    None => fail(ErrorKind::CannotCoerce("a set"), span),
                }
            }
            Value::Bool(b) if coerce_more => Ok(NixString::plain(if b { "1" } else { "" })),
            Value::Int(i) if coerce_more => Ok(NixString::plain(i.to_string())),
            Value::Float(f) if coerce_more => Ok(NixString::plain(format!("{f:.6}"))),
            Value::Null if coerce_more => Ok(NixString::plain("")),
            Value::List(items) if coerce_more => {
                let mut s = String::new();
                let mut ctx = Context::default();
                let n = items.len();
                for (i, t) in items.iter().enumerate() {
                    let v = self.force(t, span)?;
                    let empty_list = matches!(&v, Value::List(l) if l.is_empty());
                    self.enter(span)?;
                    let part = self.coerce_to_string(v, coerce_more, copy_to_store, span);
                    self.leave();
                    let part = part?;
                    s.push_str(&part.s);
                    ctx.extend(&part.ctx);
                    if i + 1 < n && !empty_list {
                        s.push(' ');
                    }
                }
                Ok(NixString::with_ctx(s, ctx))
            }
            v => fail(ErrorKind::CannotCoerce(v.show_type()), span),
        }
    }

    /// `coerceToPath`: a path value, or a string that starts with `/`.
    pub fn coerce_to_path(&mut self, v: Value, span: Span) -> Result<(String, Context)> {
        let s = self.coerce_to_string(v, false, false, span)?;
        if !s.s.starts_with('/') {
            return fail(ErrorKind::Other(format!("string '{}' doesn't represent an absolute path", s.s)), span);
        }
        Ok((s.s.to_string(), s.ctx))
    }

    /// `eqValues`: deep equality; the same thunk is equal to itself without forcing, functions
    /// never are, and sets with `outPath` (derivations) compare by it.
    pub fn eq_values(&mut self, a: &Value, b: &Value, span: Span) -> Result<bool> {
        self.step(span)?;
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::String(x), Value::String(y)) => x.s == y.s,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.eq_thunks(p, q, span)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if is_derivation(self, x, span)? && is_derivation(self, y, span)? {
                    if let (Some(p), Some(q)) = (x.get("outPath").cloned(), y.get("outPath").cloned()) {
                        return self.eq_thunks(&p, &q, span);
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for ((k1, v1), (k2, v2)) in x.iter().zip(y.iter()) {
                    if k1 != k2 || !self.eq_thunks(v1, v2, span)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(..), _)
            | (_, Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(..)) => false,
            _ => false,
        })
    }

    pub fn eq_thunks(&mut self, a: &Thunk, b: &Thunk, span: Span) -> Result<bool> {
        if a.ptr_eq(b) {
            return Ok(true);
        }
        let x = self.force(a, span)?;
        let y = self.force(b, span)?;
        self.enter(span)?;
        let r = self.eq_values(&x, &y, span);
        self.leave();
        r
    }

    /// `__lessThan` / `CompareValues`: numbers, strings, paths, and lists lexicographically.
    pub fn less_than(&mut self, a: &Value, b: &Value, span: Span) -> Result<bool> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x < y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) < *y,
            (Value::Float(x), Value::Int(y)) => *x < (*y as f64),
            (Value::Float(x), Value::Float(y)) => x < y,
            (Value::String(x), Value::String(y)) => x.s < y.s,
            (Value::Path(x), Value::Path(y)) => x < y,
            (Value::List(x), Value::List(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.eq_thunks(p, q, span)? {
                        let p = self.force(p, span)?;
                        let q = self.force(q, span)?;
                        self.enter(span)?;
                        let r = self.less_than(&p, &q, span);
                        self.leave();
                        return r;
                    }
                }
                x.len() < y.len()
            }
            _ => {
                if std::mem::discriminant(a) == std::mem::discriminant(b) {
                    return fail(
                        ErrorKind::Other(format!("cannot compare {} with {}", a.show_type(), b.show_type())),
                        span,
                    );
                }
                return fail(ErrorKind::Incomparable(a.show_type(), b.show_type()), span);
            }
        })
    }

    /// `forceValueDeep`: forces every part of a value (`--strict`, `deepSeq`).
    pub fn deep_force(&mut self, v: &Value, span: Span) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        self.deep_force_inner(v, span, &mut seen)
    }

    fn deep_force_inner(&mut self, v: &Value, span: Span, seen: &mut std::collections::HashSet<usize>) -> Result<()> {
        self.enter(span)?;
        let r = (|| {
            match v {
                Value::Attrs(a) => {
                    if !seen.insert(Rc::as_ptr(a) as *const u8 as usize) {
                        return Ok(());
                    }
                    for t in a.values() {
                        let x = self.force(t, span)?;
                        self.deep_force_inner(&x, span, seen)?;
                    }
                }
                Value::List(l) => {
                    if !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                        return Ok(());
                    }
                    for t in l.iter() {
                        let x = self.force(t, span)?;
                        self.deep_force_inner(&x, span, seen)?;
                    }
                }
                _ => {}
            }
            Ok(())
        })();
        self.leave();
        r
    }

    fn eval_search_path(&mut self, p: &str, span: Span) -> Result<Value> {
        // `<p>` is `__findFile __nixPath "p"`.
        let found = self.find_file(p, span)?;
        Ok(Value::Path(found.into()))
    }

    /// The `builtins` set.
    pub fn builtins(&self) -> Thunk {
        self.builtins.clone().expect("builtins set made at start")
    }

    /// A position as Nix writes it inside a message: `(string):1:3`, `/path/file.nix:4:5`.
    pub(crate) fn pos_in_message(&self, span: Span) -> String {
        match self.sources.position(span) {
            Some((name, l, c)) => {
                let name = if name == "«string»" { "(string)".to_string() } else { name };
                format!("{name}:{l}:{c}")
            }
            None => String::new(),
        }
    }

    /// `EvalState::mkPos`: `{ column; file; line; }`, or `null` for no position. For an
    /// expression given as text Nix 2.8 names the "file" by the text itself.
    pub fn pos_value(&self, pos: AttrPos) -> Value {
        if let Some(tr) = self.track.as_deref() {
            tr.positions.set(true);
        }
        let Some(src) = (!pos.is_none()).then(|| self.sources.files.get(pos.file as usize)).flatten() else {
            return Value::Null;
        };
        let (line, column) = crate::error::line_col(&src.text, pos.offset as usize);
        let file: Rc<str> = if src.name == "«string»" { src.text.clone() } else { src.name.as_str().into() };
        let mut a = Attrs::new();
        a.insert("file".into(), Thunk::value(Value::string(file)));
        a.insert("line".into(), Thunk::value(Value::Int(line as i64)));
        a.insert("column".into(), Thunk::value(Value::Int(column as i64)));
        Value::attrs(a)
    }

    pub(crate) fn err(&self, kind: ErrorKind, span: Span) -> EvalError {
        EvalError::new(kind, span)
    }
}

/// `isDerivation`: a set whose `type` is `"derivation"`.
pub fn is_derivation(ev: &mut Evaluator, a: &Attrs, span: Span) -> Result<bool> {
    match a.get("type").cloned() {
        Some(t) => match ev.force(&t, span)? {
            Value::String(s) => Ok(&*s.s == "derivation"),
            _ => Ok(false),
        },
        None => Ok(false),
    }
}

fn up(env: &Rc<Env>, level: usize) -> Rc<Env> {
    let mut e = env.clone();
    for _ in 0..level {
        e = e.up.clone().expect("variable levels are bound statically");
    }
    e
}
