//! From rnix's lossless tree to the evaluator's [`ast`](crate::ast): attribute paths merged as
//! Nix's `addAttr` merges them, strings unescaped and indented strings stripped as Nix's lexer
//! and `stripIndentation` do (`libexpr/lexer.l`, `parser.y`), variables bound as `bindVars` binds
//! them (an unbound variable outside every `with` is an error before evaluation, as in Nix).

use crate::ast::*;
use crate::error::{ErrorKind, EvalError, Result, Span};
use rnix::ast::{self as rn, AstToken, HasEntry};
use rowan::ast::AstNode;
use std::collections::HashMap;
use std::rc::Rc;

enum Scope {
    Vars(HashMap<Name, usize>),
    With,
}

/// Lowers one parsed file.
pub struct Lowerer<'a> {
    pub file: u32,
    pub text: &'a str,
    /// The file's name as Nix prints it in positions (`(string)`, `/path/to/file.nix`).
    pub pos_name: &'a str,
    /// The directory relative paths are resolved against.
    pub dir: &'a str,
    scopes: Vec<Scope>,
    /// Offsets where lines start, made on first use (positions of many lambdas would otherwise
    /// rescan the text from its start each time).
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

/// `canonPath`: removes `.`, `..` and repeated slashes of an absolute path.
pub fn canon_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A set's definitions before lowering, merged as `addAttr` merges them.
struct RawAttrs {
    rec: bool,
    attrs: Vec<(Name, RawVal, Span)>,
    dynamic: Vec<(rn::Expr, RawVal, Span)>,
}

enum RawVal {
    Expr(rn::Expr),
    Attrs(RawAttrs),
    /// The expression inherited from, the name, its span and where Nix places it.
    Inherit(Option<rn::Expr>, Name, Span, Span),
}

impl RawAttrs {
    fn find(&self, name: &str) -> Option<usize> {
        self.attrs.iter().position(|(n, _, _)| &**n == name)
    }
}

fn strip_parens(e: rn::Expr) -> rn::Expr {
    match e {
        rn::Expr::Paren(p) => match p.expr() {
            Some(inner) => strip_parens(inner),
            None => rn::Expr::Paren(p),
        },
        e => e,
    }
}

/// A plain string literal with no interpolation (Nix turns `"a" = …` and `${"a"} = …` into
/// static names).
fn literal_string(e: &rn::Expr) -> Option<String> {
    let rn::Expr::Str(s) = e else { return None };
    let mut out = String::new();
    let mut multiline = false;
    for el in s.syntax().children_with_tokens() {
        match el {
            rnix::NodeOrToken::Node(_) => return None,
            rnix::NodeOrToken::Token(t) => {
                if t.kind() == rnix::SyntaxKind::TOKEN_STRING_START && t.text() == "''" {
                    multiline = true;
                }
                if t.kind() == rnix::SyntaxKind::TOKEN_STRING_CONTENT {
                    out.push_str(t.text());
                }
            }
        }
    }
    if multiline {
        let chunks: Vec<Chunk<()>> = vec![Chunk::Text(out)];
        let parts = indented_parts(chunks);
        return match parts.as_slice() {
            [] => Some(String::new()),
            [IndPart::Text(t)] => Some(t.clone()),
            _ => None,
        };
    }
    Some(unescape(&out))
}

/// `unescapeStr`: `\n`, `\r`, `\t`, any other escaped character as itself, CR and CR LF as LF.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            },
            '\r' => {
                out.push('\n');
                if it.peek() == Some(&'\n') {
                    it.next();
                }
            }
            c => out.push(c),
        }
    }
    out
}

enum Chunk<T> {
    Text(String),
    Interp(T),
}

enum IndPart<T> {
    Text(String),
    Interp(T),
}

/// One `IND_STR` token: its text, and whether its spaces count as indentation (escapes do not).
struct IndTok {
    text: String,
    indentation: bool,
}

/// The lexer's `IND_STR` tokens of a literal run of an indented string.
fn lex_indented(raw: &str) -> Vec<IndTok> {
    let b: Vec<char> = raw.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // `''$`, `'''`, `''\x`
        if b[i] == '\'' && i + 1 < b.len() && b[i + 1] == '\'' {
            match b.get(i + 2) {
                Some('$') => {
                    toks.push(IndTok { text: "$".into(), indentation: false });
                    i += 3;
                }
                Some('\'') => {
                    toks.push(IndTok { text: "''".into(), indentation: false });
                    i += 3;
                }
                Some('\\') => {
                    let esc: String = b.get(i + 3).map(|c| c.to_string()).unwrap_or_default();
                    toks.push(IndTok { text: unescape(&format!("\\{esc}")), indentation: false });
                    i += 4;
                }
                _ => {
                    // Cannot happen inside a well-formed string; keep the text.
                    toks.push(IndTok { text: "''".into(), indentation: false });
                    i += 2;
                }
            }
            continue;
        }
        // `([^\$\']|\$[^\{\']|\'[^\'\$])+`
        let start = i;
        while i < b.len() {
            let c = b[i];
            if c != '$' && c != '\'' {
                i += 1;
            } else if (c == '$' && i + 1 < b.len() && b[i + 1] != '{' && b[i + 1] != '\'')
                || (c == '\'' && i + 1 < b.len() && b[i + 1] != '\'' && b[i + 1] != '$')
            {
                i += 2;
            } else {
                break;
            }
        }
        if i > start {
            toks.push(IndTok { text: b[start..i].iter().collect(), indentation: true });
        } else {
            // A lone `$` or `'`.
            toks.push(IndTok { text: b[i].to_string(), indentation: false });
            i += 1;
        }
    }
    toks
}

/// `stripIndentation` of `parser.y`, over the tokens of an indented string.
fn indented_parts<T>(chunks: Vec<Chunk<T>>) -> Vec<IndPart<T>> {
    enum E<T> {
        S(IndTok),
        X(T),
    }
    let mut es: Vec<E<T>> = Vec::new();
    let mut first = true;
    for c in chunks {
        match c {
            Chunk::Text(t) => {
                let mut t = t.as_str();
                if first {
                    // IND_STRING_OPEN is `''(\ *\n)?`.
                    if let Some(p) = t.find('\n') {
                        if t[..p].chars().all(|c| c == ' ') {
                            t = &t[p + 1..];
                        }
                    }
                }
                es.extend(lex_indented(t).into_iter().map(E::S));
            }
            Chunk::Interp(x) => es.push(E::X(x)),
        }
        first = false;
    }
    let mut at_start = true;
    let mut min_indent = 1_000_000usize;
    let mut cur = 0usize;
    for e in &es {
        match e {
            E::S(t) if t.indentation => {
                for c in t.text.chars() {
                    if at_start {
                        if c == ' ' {
                            cur += 1;
                        } else if c == '\n' {
                            cur = 0;
                        } else {
                            at_start = false;
                            min_indent = min_indent.min(cur);
                        }
                    } else if c == '\n' {
                        at_start = true;
                        cur = 0;
                    }
                }
            }
            _ => {
                if at_start {
                    at_start = false;
                    min_indent = min_indent.min(cur);
                }
            }
        }
    }
    let mut out: Vec<IndPart<T>> = Vec::new();
    at_start = true;
    let mut dropped = 0usize;
    let mut n = es.len();
    for e in es {
        match e {
            E::X(x) => {
                at_start = false;
                dropped = 0;
                out.push(IndPart::Interp(x));
            }
            E::S(t) => {
                let mut s2 = String::new();
                for c in t.text.chars() {
                    if at_start {
                        if c == ' ' {
                            if dropped >= min_indent {
                                s2.push(c);
                            }
                            dropped += 1;
                        } else if c == '\n' {
                            dropped = 0;
                            s2.push(c);
                        } else {
                            at_start = false;
                            dropped = 0;
                            s2.push(c);
                        }
                    } else {
                        s2.push(c);
                        if c == '\n' {
                            at_start = true;
                        }
                    }
                }
                if n == 1 {
                    if let Some(p) = s2.rfind('\n') {
                        if s2[p + 1..].chars().all(|c| c == ' ') {
                            s2.truncate(p + 1);
                        }
                    }
                }
                out.push(IndPart::Text(s2));
            }
        }
        n -= 1;
    }
    out
}

impl<'a> Lowerer<'a> {
    pub fn new(file: u32, text: &'a str, pos_name: &'a str, dir: &'a str, globals: HashMap<Name, usize>) -> Self {
        Lowerer {
            file,
            text,
            pos_name,
            dir,
            scopes: vec![Scope::Vars(globals)],
            line_starts: std::cell::OnceCell::new(),
        }
    }

    /// A scope of names above the globals (`scopedImport`'s set: name → slot).
    pub fn push_scope(&mut self, names: HashMap<Name, usize>) {
        self.scopes.push(Scope::Vars(names));
    }

    /// 1-based line and byte column of an offset (as [`crate::error::line_col`]).
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let starts = self.line_starts.get_or_init(|| {
            let newlines = self.text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1);
            std::iter::once(0).chain(newlines).collect()
        });
        let offset = offset.min(self.text.len());
        let line = starts.partition_point(|&s| s <= offset);
        (line, offset - starts[line - 1] + 1)
    }

    fn span_of(&self, n: &rnix::SyntaxNode) -> Span {
        let r = n.text_range();
        Span { file: self.file, start: u32::from(r.start()), end: u32::from(r.end()) }
    }

    fn err(&self, kind: ErrorKind, span: Span) -> EvalError {
        EvalError::new(kind, span)
    }

    /// `file:line:col` as Nix prints a position inside a message.
    fn pos(&self, span: Span) -> String {
        let (l, c) = self.line_col(span.start as usize);
        format!("{}:{l}:{c}", self.pos_name)
    }

    /// Parses and lowers a whole file.
    pub fn lower_root(&mut self, root: &rn::Root) -> Result<Expr> {
        match root.expr() {
            Some(e) => self.expr(e),
            None => Err(self
                .err(ErrorKind::Syntax("unexpected end of file".into()), Span { file: self.file, start: 0, end: 0 })),
        }
    }

    fn missing(&self, n: &rnix::SyntaxNode) -> EvalError {
        self.err(ErrorKind::Syntax("unexpected token".into()), self.span_of(n))
    }

    fn lookup(&self, name: &str, span: Span) -> Result<Var> {
        let mut with_level = None;
        for (level, scope) in self.scopes.iter().rev().enumerate() {
            match scope {
                Scope::Vars(m) => {
                    if let Some(&index) = m.get(name) {
                        return Ok(Var::Local { level, index });
                    }
                }
                Scope::With => {
                    if with_level.is_none() {
                        with_level = Some(level);
                    }
                }
            }
        }
        match with_level {
            Some(level) => Ok(Var::With { level }),
            None => Err(self.err(ErrorKind::UndefinedVar(name.to_string()), span)),
        }
    }

    pub fn expr(&mut self, e: rn::Expr) -> Result<Expr> {
        let span = self.span_of(e.syntax());
        let kind = match e {
            rn::Expr::Paren(p) => {
                let inner = p.expr().ok_or_else(|| self.missing(p.syntax()))?;
                return self.expr(inner);
            }
            rn::Expr::Root(r) => {
                let inner = r.expr().ok_or_else(|| self.missing(r.syntax()))?;
                return self.expr(inner);
            }
            rn::Expr::Literal(l) => self.literal(l, span)?,
            rn::Expr::Str(s) => self.string(s)?,
            rn::Expr::PathAbs(_) | rn::Expr::PathRel(_) | rn::Expr::PathHome(_) => self.path(&e, span)?,
            rn::Expr::PathSearch(p) => {
                let t = p.syntax().text().to_string();
                ExprKind::SearchPath(t.trim_start_matches('<').trim_end_matches('>').into())
            }
            rn::Expr::Ident(i) => {
                let name = ident_text(&i);
                let var = self.lookup(&name, span)?;
                ExprKind::Var(name.into(), var)
            }
            rn::Expr::Select(s) => self.select(s)?,
            rn::Expr::HasAttr(h) => {
                let set = Box::new(self.expr(h.expr().ok_or_else(|| self.missing(h.syntax()))?)?);
                let path = self.attrpath(h.attrpath().ok_or_else(|| self.missing(h.syntax()))?)?;
                ExprKind::HasAttr { set, path }
            }
            rn::Expr::AttrSet(a) => {
                let raw = self.raw_attrs(&a, a.rec_token().is_some())?;
                ExprKind::Attrs(self.attrs(raw)?)
            }
            rn::Expr::LetIn(l) => self.let_in(l)?,
            rn::Expr::LegacyLet(l) => {
                // `let { body = …; }`: a recursive set, then its `body`.
                let mut raw = self.raw_attrs(&l, true)?;
                raw.rec = true;
                let attrs = self.attrs(raw)?;
                let set = Box::new(Expr::new(ExprKind::Attrs(attrs), span));
                ExprKind::Select { set, path: vec![AttrName::Static("body".into())], default: None }
            }
            rn::Expr::List(l) => {
                let mut items = Vec::new();
                for it in l.items() {
                    items.push(Rc::new(self.expr(it)?));
                }
                ExprKind::List(items)
            }
            rn::Expr::With(w) => {
                let set = Rc::new(self.expr(w.namespace().ok_or_else(|| self.missing(w.syntax()))?)?);
                self.scopes.push(Scope::With);
                let body = self.expr(w.body().ok_or_else(|| self.missing(w.syntax()))?);
                self.scopes.pop();
                ExprKind::With { set, body: Box::new(body?) }
            }
            rn::Expr::Lambda(l) => ExprKind::Lambda(Rc::new(self.lambda(l, None)?)),
            rn::Expr::Apply(a) => {
                let fun = Box::new(self.expr(a.lambda().ok_or_else(|| self.missing(a.syntax()))?)?);
                let arg = Rc::new(self.expr(a.argument().ok_or_else(|| self.missing(a.syntax()))?)?);
                ExprKind::Apply { fun, arg }
            }
            rn::Expr::IfElse(i) => {
                let cond = Box::new(self.expr(i.condition().ok_or_else(|| self.missing(i.syntax()))?)?);
                let then = Box::new(self.expr(i.body().ok_or_else(|| self.missing(i.syntax()))?)?);
                let els = Box::new(self.expr(i.else_body().ok_or_else(|| self.missing(i.syntax()))?)?);
                ExprKind::If { cond, then, els }
            }
            rn::Expr::Assert(a) => {
                let c = a.condition().ok_or_else(|| self.missing(a.syntax()))?;
                let cond = Box::new(self.expr(c)?);
                let text = with_symbol_order(self.text, || show(&cond));
                let body = Box::new(self.expr(a.body().ok_or_else(|| self.missing(a.syntax()))?)?);
                ExprKind::Assert { cond, body, text }
            }
            rn::Expr::UnaryOp(u) => {
                let inner = Box::new(self.expr(u.expr().ok_or_else(|| self.missing(u.syntax()))?)?);
                match u.operator() {
                    Some(rn::UnaryOpKind::Invert) => ExprKind::Not(inner),
                    Some(rn::UnaryOpKind::Negate) => ExprKind::Neg(inner),
                    None => return Err(self.missing(u.syntax())),
                }
            }
            rn::Expr::BinOp(b) => {
                let lhs = Box::new(self.expr(b.lhs().ok_or_else(|| self.missing(b.syntax()))?)?);
                let rhs = Box::new(self.expr(b.rhs().ok_or_else(|| self.missing(b.syntax()))?)?);
                use rn::BinOpKind as K;
                let op = match b.operator().ok_or_else(|| self.missing(b.syntax()))? {
                    K::Concat => BinOp::Concat,
                    K::Update => BinOp::Update,
                    K::Add => BinOp::Add,
                    K::Sub => BinOp::Sub,
                    K::Mul => BinOp::Mul,
                    K::Div => BinOp::Div,
                    K::And => BinOp::And,
                    K::Equal => BinOp::Eq,
                    K::Implication => BinOp::Impl,
                    K::Less => BinOp::Less,
                    K::LessOrEq => BinOp::LessEq,
                    K::More => BinOp::More,
                    K::MoreOrEq => BinOp::MoreEq,
                    K::NotEqual => BinOp::NotEq,
                    K::Or => BinOp::Or,
                    K::PipeLeft | K::PipeRight => {
                        return Err(self.err(
                            ErrorKind::Syntax("unexpected '|>' (pipe operators came after Nix 2.8)".into()),
                            span,
                        ))
                    }
                };
                ExprKind::Bin { op, lhs, rhs }
            }
            rn::Expr::CurPos(_) => {
                let (line, column) = self.line_col(span.start as usize);
                // For an expression given as text, Nix names the "file" by the text itself.
                let file = if self.pos_name == "(string)" { self.text.to_string() } else { self.pos_name.to_string() };
                ExprKind::CurPos { file, line, column }
            }
            rn::Expr::Error(er) => return Err(self.missing(er.syntax())),
        };
        Ok(Expr::new(kind, span))
    }

    fn literal(&self, l: rn::Literal, span: Span) -> Result<ExprKind> {
        Ok(match l.kind() {
            rn::LiteralKind::Integer(i) => match i.value() {
                Ok(v) => ExprKind::Int(v),
                Err(_) => {
                    return Err(self.err(ErrorKind::Other(format!("invalid integer '{}'", i.syntax().text())), span))
                }
            },
            rn::LiteralKind::Float(f) => ExprKind::Float(f.value().unwrap_or(0.0)),
            rn::LiteralKind::Uri(u) => ExprKind::Uri(u.syntax().text().into()),
        })
    }

    fn path(&mut self, e: &rn::Expr, span: Span) -> Result<ExprKind> {
        let parts = match e {
            rn::Expr::PathAbs(p) => p.parts(),
            rn::Expr::PathRel(p) => p.parts(),
            rn::Expr::PathHome(p) => p.parts(),
            _ => unreachable!("a path"),
        };
        let mut out: Vec<Part> = Vec::new();
        for (i, p) in parts.into_iter().enumerate() {
            match p {
                rn::InterpolPart::Literal(t) => {
                    let mut s = t.syntax().text().to_string();
                    if i == 0 {
                        s = self.absolute(&s);
                    }
                    out.push(Part::Lit(s.into()));
                }
                rn::InterpolPart::Interpolation(x) => {
                    let inner = x.expr().ok_or_else(|| self.missing(x.syntax()))?;
                    let at = self.span_of(x.syntax());
                    out.push(Part::Expr(self.expr(inner)?, Span { end: at.start, ..at }));
                }
            }
        }
        if let [Part::Lit(s)] = out.as_slice() {
            return Ok(ExprKind::Path(canon_path(s).into()));
        }
        let _ = span;
        Ok(ExprKind::Interpolate { parts: out, path: true })
    }

    /// A path literal made absolute: relative to the file's directory, `~` to `$HOME`.
    fn absolute(&self, s: &str) -> String {
        if s.starts_with('/') {
            s.to_string()
        } else if let Some(rest) = s.strip_prefix("~/") {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/homeless-shelter".into());
            format!("{home}/{rest}")
        } else {
            // Keep a trailing slash of the text (`./a/${b}`) by joining textually.
            format!("{}/{}", self.dir.trim_end_matches('/'), s)
        }
    }

    fn string(&mut self, s: rn::Str) -> Result<ExprKind> {
        let mut multiline = false;
        let mut chunks: Vec<Chunk<rn::Expr>> = Vec::new();
        let mut text = String::new();
        let mut pending = false;
        for el in s.syntax().children_with_tokens() {
            match el {
                rnix::NodeOrToken::Token(t) => match t.kind() {
                    rnix::SyntaxKind::TOKEN_STRING_START => multiline = t.text() == "''",
                    rnix::SyntaxKind::TOKEN_STRING_CONTENT => {
                        text.push_str(t.text());
                        pending = true;
                    }
                    _ => {}
                },
                rnix::NodeOrToken::Node(n) => {
                    if pending {
                        chunks.push(Chunk::Text(std::mem::take(&mut text)));
                        pending = false;
                    }
                    let ip = rn::Interpol::cast(n.clone()).ok_or_else(|| self.missing(&n))?;
                    chunks.push(Chunk::Interp(ip.expr().ok_or_else(|| self.missing(&n))?));
                }
            }
        }
        if pending {
            chunks.push(Chunk::Text(text));
        }
        let parts: Vec<IndPart<rn::Expr>> = if multiline {
            indented_parts(chunks)
        } else {
            chunks
                .into_iter()
                .map(|c| match c {
                    Chunk::Text(t) => IndPart::Text(unescape(&t)),
                    Chunk::Interp(x) => IndPart::Interp(x),
                })
                .collect()
        };
        let mut out = Vec::new();
        for p in parts {
            match p {
                IndPart::Text(t) => out.push(Part::Lit(t.into())),
                IndPart::Interp(x) => {
                    // The `${`: the start of the interpolation around the expression.
                    let at = x.syntax().parent().map_or_else(|| self.span_of(x.syntax()), |n| self.span_of(&n));
                    out.push(Part::Expr(self.expr(x)?, Span { end: at.start, ..at }));
                }
            }
        }
        Ok(match out.as_slice() {
            [] => ExprKind::Str("".into()),
            [Part::Lit(s)] => ExprKind::Str(s.clone()),
            _ => ExprKind::Interpolate { parts: out, path: false },
        })
    }

    fn attr_name(&mut self, a: rn::Attr) -> Result<AttrName> {
        Ok(match a {
            rn::Attr::Ident(i) => AttrName::Static(ident_text(&i).into()),
            rn::Attr::Str(s) => {
                let e = rn::Expr::Str(s);
                match literal_string(&e) {
                    Some(t) => AttrName::Static(t.into()),
                    None => AttrName::Dynamic(self.expr(e)?),
                }
            }
            rn::Attr::Dynamic(d) => {
                let inner = strip_parens(d.expr().ok_or_else(|| self.missing(d.syntax()))?);
                match literal_string(&inner) {
                    Some(t) => AttrName::Static(t.into()),
                    None => AttrName::Dynamic(self.expr(inner)?),
                }
            }
        })
    }

    fn attrpath(&mut self, p: rn::Attrpath) -> Result<Vec<AttrName>> {
        p.attrs().map(|a| self.attr_name(a)).collect()
    }

    fn select(&mut self, s: rn::Select) -> Result<ExprKind> {
        let set = Box::new(self.expr(s.expr().ok_or_else(|| self.missing(s.syntax()))?)?);
        let path = self.attrpath(s.attrpath().ok_or_else(|| self.missing(s.syntax()))?)?;
        let default = match s.default_expr() {
            Some(d) => Some(Box::new(self.expr(d)?)),
            None => None,
        };
        Ok(ExprKind::Select { set, path, default })
    }

    /// The definitions of a set or `let`, with attribute paths merged (`addAttr`).
    fn raw_attrs(&mut self, node: &impl HasEntry, rec: bool) -> Result<RawAttrs> {
        let mut raw = RawAttrs { rec, attrs: Vec::new(), dynamic: Vec::new() };
        for entry in node.entries() {
            match entry {
                rn::Entry::Inherit(inh) => {
                    let from = match inh.from() {
                        Some(f) => Some(f.expr().ok_or_else(|| self.missing(f.syntax()))?),
                        None => None,
                    };
                    // Nix places every inherited attribute just after `inherit` (or its `(from)`).
                    let pos_at = match inh.from() {
                        Some(f) => u32::from(f.syntax().text_range().end()),
                        None => inh
                            .syntax()
                            .children_with_tokens()
                            .find(|t| t.kind() == rnix::SyntaxKind::TOKEN_INHERIT)
                            .map_or(u32::from(inh.syntax().text_range().start()), |t| u32::from(t.text_range().end())),
                    };
                    for a in inh.attrs() {
                        let span = self.span_of(a.syntax());
                        let pos = Span { file: self.file, start: pos_at, end: pos_at };
                        let name: Name = match a {
                            rn::Attr::Ident(i) => ident_text(&i).into(),
                            rn::Attr::Str(s) => match literal_string(&rn::Expr::Str(s)) {
                                Some(t) => t.into(),
                                None => {
                                    return Err(self.err(
                                        ErrorKind::Other("dynamic attributes not allowed in inherit".into()),
                                        span,
                                    ))
                                }
                            },
                            // `inherit ${"a"};` is `inherit a;` (a literal name); anything else is refused.
                            d @ rn::Attr::Dynamic(_) => match self.static_name(&d) {
                                Some(t) => t.into(),
                                None => {
                                    return Err(self.err(
                                        ErrorKind::Other("dynamic attributes not allowed in inherit".into()),
                                        span,
                                    ))
                                }
                            },
                        };
                        if let Some(j) = raw.find(&name) {
                            let at = self.pos(raw.attrs[j].2);
                            return Err(self.err(ErrorKind::DuplicateAttr { name: name.to_string(), at }, pos));
                        }
                        // Defined (for later duplicates) where Nix places it, after `inherit`.
                        raw.attrs.push((name.clone(), RawVal::Inherit(from.clone(), name, span, pos), pos));
                    }
                }
                rn::Entry::AttrpathValue(av) => {
                    let span = self.span_of(av.syntax());
                    let path = av.attrpath().ok_or_else(|| self.missing(av.syntax()))?;
                    let value = strip_parens(av.value().ok_or_else(|| self.missing(av.syntax()))?);
                    let names: Vec<rn::Attr> = path.attrs().collect();
                    self.add_attr(&mut raw, &names, &names, value, span)?;
                }
            }
        }
        Ok(raw)
    }

    fn raw_val(&mut self, e: rn::Expr) -> Result<RawVal> {
        match e {
            rn::Expr::AttrSet(a) => Ok(RawVal::Attrs(self.raw_attrs(&a, a.rec_token().is_some())?)),
            e => Ok(RawVal::Expr(e)),
        }
    }

    /// Static name of an attribute of a path, or `None` for a dynamic one.
    fn static_name(&self, a: &rn::Attr) -> Option<String> {
        match a {
            rn::Attr::Ident(i) => Some(ident_text(i)),
            rn::Attr::Str(s) => literal_string(&rn::Expr::Str(s.clone())),
            rn::Attr::Dynamic(d) => d.expr().and_then(|e| literal_string(&strip_parens(e))),
        }
    }

    fn dyn_expr(&self, a: &rn::Attr) -> rn::Expr {
        match a {
            rn::Attr::Str(s) => rn::Expr::Str(s.clone()),
            rn::Attr::Dynamic(d) => d.expr().map(strip_parens).expect("dynamic attribute expression"),
            rn::Attr::Ident(_) => unreachable!("identifiers are static"),
        }
    }

    /// Adds `path = value` (the rest of the definition's attribute path `whole`) to `attrs`.
    fn add_attr(
        &mut self,
        attrs: &mut RawAttrs,
        whole: &[rn::Attr],
        path: &[rn::Attr],
        value: rn::Expr,
        span: Span,
    ) -> Result<()> {
        let dup = |me: &Self, name: &str, at: Span| {
            Err(me.err(ErrorKind::DuplicateAttr { name: name.to_string(), at: me.pos(at) }, span))
        };
        let (head, rest) =
            path.split_first().ok_or_else(|| self.err(ErrorKind::Syntax("empty attribute path".into()), span))?;
        match self.static_name(head) {
            Some(name) => {
                if rest.is_empty() {
                    if let Some(j) = attrs.find(&name) {
                        // Two set literals for one name merge; anything else is a duplicate.
                        let new = self.raw_val(value)?;
                        match (&mut attrs.attrs[j].1, new) {
                            (RawVal::Attrs(existing), RawVal::Attrs(add)) => {
                                for (n, v, s) in add.attrs {
                                    if let Some(k) = existing.find(&n) {
                                        // Nix 2.8 swaps the places here: the message names the
                                        // new definition and the error points at the old one.
                                        let old = existing.attrs[k].2;
                                        return Err(self.err(
                                            ErrorKind::DuplicateAttr { name: n.to_string(), at: self.pos(s) },
                                            old,
                                        ));
                                    }
                                    existing.attrs.push((n, v, s));
                                }
                                Ok(())
                            }
                            _ => dup(self, &full_path(self, whole), attrs.attrs[j].2),
                        }
                    } else {
                        let v = self.raw_val(value)?;
                        attrs.attrs.push((name.into(), v, span));
                        Ok(())
                    }
                } else {
                    match attrs.find(&name) {
                        Some(j) => {
                            let at = attrs.attrs[j].2;
                            match &mut attrs.attrs[j].1 {
                                RawVal::Attrs(nested) => self.add_attr(nested, whole, rest, value, span),
                                _ => dup(self, &full_path(self, whole), at),
                            }
                        }
                        None => {
                            let mut nested = RawAttrs { rec: false, attrs: Vec::new(), dynamic: Vec::new() };
                            self.add_attr(&mut nested, whole, rest, value, span)?;
                            attrs.attrs.push((name.into(), RawVal::Attrs(nested), span));
                            Ok(())
                        }
                    }
                }
            }
            None => {
                let e = self.dyn_expr(head);
                if rest.is_empty() {
                    let v = self.raw_val(value)?;
                    attrs.dynamic.push((e, v, span));
                } else {
                    let mut nested = RawAttrs { rec: false, attrs: Vec::new(), dynamic: Vec::new() };
                    self.add_attr(&mut nested, whole, rest, value, span)?;
                    attrs.dynamic.push((e, RawVal::Attrs(nested), span));
                }
                Ok(())
            }
        }
    }

    fn lower_val(&mut self, name: Option<&Name>, v: RawVal, outer_scope: bool) -> Result<(Rc<Expr>, bool)> {
        match v {
            RawVal::Expr(e) => {
                let span = self.span_of(e.syntax());
                if let (Some(n), rn::Expr::Lambda(l)) = (name, &e) {
                    let lam = self.lambda(l.clone(), Some(n.clone()))?;
                    return Ok((Rc::new(Expr::new(ExprKind::Lambda(Rc::new(lam)), span)), false));
                }
                Ok((Rc::new(self.expr(e)?), false))
            }
            RawVal::Attrs(a) => {
                let span = Span { file: self.file, start: 0, end: 0 };
                let lit = self.attrs(a)?;
                Ok((Rc::new(Expr::new(ExprKind::Attrs(lit), span)), false))
            }
            RawVal::Inherit(from, n, span, _) => match from {
                Some(f) => {
                    let set = Box::new(self.expr(f)?);
                    Ok((
                        Rc::new(Expr::new(
                            ExprKind::Select { set, path: vec![AttrName::Static(n)], default: None },
                            span,
                        )),
                        false,
                    ))
                }
                None => {
                    // Evaluated in the scope around a `rec` set or `let`.
                    let saved = if outer_scope { self.scopes.pop() } else { None };
                    let var = self.lookup(&n, span);
                    if let Some(s) = saved {
                        self.scopes.push(s);
                    }
                    let var = var?;
                    Ok((Rc::new(Expr::new(ExprKind::Var(n, var), span)), true))
                }
            },
        }
    }

    fn attrs(&mut self, raw: RawAttrs) -> Result<AttrsLit> {
        let rec = raw.rec;
        if rec {
            let names: HashMap<Name, usize> =
                raw.attrs.iter().enumerate().map(|(i, (n, _, _))| (n.clone(), i)).collect();
            self.scopes.push(Scope::Vars(names));
        }
        let result = self.attrs_in_scope(raw, rec);
        if rec {
            self.scopes.pop();
        }
        result
    }

    fn attrs_in_scope(&mut self, raw: RawAttrs, rec: bool) -> Result<AttrsLit> {
        let mut attrs = Vec::new();
        for (name, v, span) in raw.attrs {
            let pos = match &v {
                RawVal::Inherit(_, _, _, p) => p.start,
                _ => span.start,
            };
            let (value, inherited) = self.lower_val(Some(&name), v, rec)?;
            attrs.push(Binding { name, value, inherited, span, pos });
        }
        let mut dynamic = Vec::new();
        for (e, v, span) in raw.dynamic {
            let name = self.expr(e)?;
            let (value, _) = self.lower_val(None, v, rec)?;
            dynamic.push((name, value, span));
        }
        Ok(AttrsLit { rec, attrs, dynamic })
    }

    fn let_in(&mut self, l: rn::LetIn) -> Result<ExprKind> {
        let mut raw = self.raw_attrs(&l, true)?;
        if !raw.dynamic.is_empty() {
            // Nix's parser refuses it at the `let` (not as a syntax error).
            let at = self.span_of(l.syntax());
            let at = Span { end: at.start, ..at };
            return Err(self.err(ErrorKind::Other("dynamic attributes not allowed in let".into()), at));
        }
        raw.rec = true;
        let names: HashMap<Name, usize> = raw.attrs.iter().enumerate().map(|(i, (n, _, _))| (n.clone(), i)).collect();
        self.scopes.push(Scope::Vars(names));
        let result = (|| {
            let attrs = self.attrs_in_scope(raw, true)?;
            let body = self.expr(l.body().ok_or_else(|| self.missing(l.syntax()))?)?;
            Ok(ExprKind::Let { attrs, body: Box::new(body) })
        })();
        self.scopes.pop();
        result
    }

    fn lambda(&mut self, l: rn::Lambda, name: Option<Name>) -> Result<Lambda> {
        let span = self.span_of(l.syntax());
        let param = l.param().ok_or_else(|| self.missing(l.syntax()))?;
        let pos = match &name {
            Some(n) => format!("function '{n}'"),
            None => {
                let (line, col) = self.line_col(span.start as usize);
                let file = if self.pos_name == "«string»" { "(string)" } else { self.pos_name };
                format!("anonymous function at {file}:{line}:{col}")
            }
        };
        let (arg, formals_src) = match param {
            rn::Param::IdentParam(p) => (p.ident().map(|i| Name::from(ident_text(&i))), None),
            rn::Param::Pattern(p) => {
                (p.pat_bind().and_then(|b| b.ident()).map(|i| Name::from(ident_text(&i))), Some(p))
            }
        };
        let mut names: HashMap<Name, usize> = HashMap::new();
        let mut next = 0;
        if let Some(a) = &arg {
            names.insert(a.clone(), next);
            next += 1;
        }
        let mut entries_src = Vec::new();
        if let Some(p) = &formals_src {
            for e in p.pat_entries() {
                let n: Name = e.ident().map(|i| ident_text(&i)).unwrap_or_default().into();
                if names.contains_key(&n) && arg.as_deref() != Some(&*n) {
                    return Err(self.err(
                        ErrorKind::Other(format!("duplicate formal function argument '{n}'")),
                        self.span_of(e.syntax()),
                    ));
                }
                if arg.as_deref() == Some(&*n) {
                    return Err(self.err(
                        ErrorKind::Other(format!("duplicate formal function argument '{n}'")),
                        self.span_of(e.syntax()),
                    ));
                }
                names.insert(n.clone(), next);
                next += 1;
                entries_src.push((n, e.default(), self.span_of(e.syntax())));
            }
        }
        self.scopes.push(Scope::Vars(names));
        let result = (|| {
            let formals = match &formals_src {
                Some(p) => {
                    let mut entries = Vec::new();
                    for (n, d, fspan) in entries_src {
                        let default = match d {
                            Some(d) => Some(Rc::new(self.expr(d)?)),
                            None => None,
                        };
                        entries.push(Formal { name: n, default, span: fspan });
                    }
                    Some(Formals { entries, ellipsis: p.ellipsis_token().is_some() })
                }
                None => None,
            };
            let body = Rc::new(self.expr(l.body().ok_or_else(|| self.missing(l.syntax()))?)?);
            Ok(Lambda { arg, formals, body, span, pos })
        })();
        self.scopes.pop();
        result
    }
}

fn full_path(me: &Lowerer, path: &[rn::Attr]) -> String {
    path.iter().map(|a| me.static_name(a).unwrap_or_else(|| "\"${...}\"".into())).collect::<Vec<_>>().join(".")
}

fn ident_text(i: &rn::Ident) -> String {
    i.syntax().text().to_string()
}

/// `showString` of Nix 2.8's `nixexpr.cc`: every `$` escaped.
fn show_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The symbols Nix 2.8's `EvalState` makes before it reads any code (`sOutPath`, …, then the
/// built-ins), in the order it makes them.
const PREINTERNED: &[&str] = &[
    "<with>",
    "outPath",
    "drvPath",
    "type",
    "meta",
    "name",
    "value",
    "system",
    "overrides",
    "outputs",
    "outputName",
    "ignoreNulls",
    "file",
    "line",
    "column",
    "__functor",
    "__toString",
    "right",
    "wrong",
    "__structuredAttrs",
    "builder",
    "args",
    "__contentAddressed",
    "__impure",
    "outputHash",
    "outputHashAlgo",
    "outputHashMode",
    "recurseForDerivations",
    "description",
    "self",
    "",
    "startSet",
    "operator",
    "key",
    "path",
    "prefix",
    "outputSpecified",
];

thread_local! {
    /// Where each name first appears in the source being lowered (see [`symbol_rank`]).
    static FIRST_SEEN: std::cell::RefCell<HashMap<String, usize>> = std::cell::RefCell::new(HashMap::new());
}

/// Runs `f` with names ranked by where they first appear in `text`.
fn with_symbol_order<T>(text: &str, f: impl FnOnce() -> T) -> T {
    let mut seen = HashMap::new();
    let mut offset = 0;
    for (kind, t) in rnix::tokenize(text) {
        if matches!(kind, rnix::SyntaxKind::TOKEN_IDENT | rnix::SyntaxKind::TOKEN_STRING_CONTENT) {
            seen.entry(t.to_string()).or_insert(offset);
        }
        offset += t.len();
    }
    FIRST_SEEN.with(|s| *s.borrow_mut() = seen);
    let r = f();
    FIRST_SEEN.with(|s| s.borrow_mut().clear());
    r
}

/// `ExprLet::show` lists the bindings in the order of their symbols, which (symbols being
/// compared by address) is nearly the order they were made: Nix's own first, then as the lexer
/// met them.
fn symbol_rank(name: &str) -> (usize, String) {
    if let Some(i) = PREINTERNED.iter().position(|p| *p == name) {
        return (i, String::new());
    }
    let first = FIRST_SEEN.with(|s| s.borrow().get(name).copied());
    match first {
        Some(o) => (PREINTERNED.len() + o, String::new()),
        None => (usize::MAX, name.to_string()),
    }
}

fn show_attrs(a: &AttrsLit) -> String {
    let mut s = String::new();
    if a.rec {
        s.push_str("rec ");
    }
    s.push_str("{ ");
    // `ExprAttrs::show` sorts by name (`ExprLet::show` does not: see `symbol_rank`).
    let mut attrs: Vec<&Binding> = a.attrs.iter().collect();
    attrs.sort_by(|x, y| x.name.cmp(&y.name));
    for b in attrs {
        if b.inherited {
            s.push_str(&format!("inherit {}; ", b.name));
        } else {
            s.push_str(&format!("{} = {}; ", b.name, show(&b.value)));
        }
    }
    for (n, v, _) in &a.dynamic {
        s.push_str(&format!("\"${{{}}}\" = {}; ", show(n), show(v)));
    }
    s.push('}');
    s
}

/// Nix's `Expr::show` (`nixexpr.cc`), for `assertion '…' failed`: operators that are calls of
/// built-ins (`-`, `*`, `/`, `<`, …) print as those calls, as Nix's parser made them.
pub fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => drvlab_engine::json::float_g(*f),
        ExprKind::Str(s) | ExprKind::Uri(s) => show_string(s),
        ExprKind::Path(p) => p.to_string(),
        ExprKind::SearchPath(p) => format!("(__findFile __nixPath {})", show_string(p)),
        ExprKind::Var(n, _) => n.to_string(),
        ExprKind::Interpolate { parts, path } => {
            let ps: Vec<String> = parts
                .iter()
                .enumerate()
                .map(|(i, p)| match p {
                    // A path's first part is an `ExprPath`: canonical, its trailing `/` put back.
                    Part::Lit(s) if *path && i == 0 => {
                        let slash = if s.len() > 1 && s.ends_with('/') { "/" } else { "" };
                        format!("{}{slash}", canon_path(s))
                    }
                    Part::Lit(s) => show_string(s),
                    Part::Expr(e, _) => show(e),
                })
                .collect();
            format!("({})", ps.join(" + "))
        }
        ExprKind::Select { set, path, default } => {
            let mut s = format!("({}).{}", show(set), show_path(path));
            if let Some(d) = default {
                s = format!("{s} or ({})", show(d));
            }
            s
        }
        ExprKind::HasAttr { set, path } => format!("(({}) ? {})", show(set), show_path(path)),
        ExprKind::Attrs(a) => show_attrs(a),
        ExprKind::List(items) => format!("[ {}]", items.iter().map(|i| format!("({}) ", show(i))).collect::<String>()),
        ExprKind::Let { attrs, body } => {
            let mut s = String::from("(let ");
            let mut binds: Vec<&Binding> = attrs.attrs.iter().collect();
            binds.sort_by_key(|b| symbol_rank(&b.name));
            for b in binds {
                if b.inherited {
                    s.push_str(&format!("inherit {}; ", b.name));
                } else {
                    s.push_str(&format!("{} = {}; ", b.name, show(&b.value)));
                }
            }
            format!("{s}in {})", show(body))
        }
        ExprKind::With { set, body } => format!("(with {}; {})", show(set), show(body)),
        ExprKind::Lambda(l) => {
            let mut s = String::from("(");
            if let Some(f) = &l.formals {
                s.push_str("{ ");
                let mut parts: Vec<String> = f
                    .entries
                    .iter()
                    .map(|e| match &e.default {
                        Some(d) => format!("{} ? {}", e.name, show(d)),
                        None => e.name.to_string(),
                    })
                    .collect();
                if f.ellipsis {
                    parts.push("...".into());
                }
                s.push_str(&parts.join(", "));
                s.push_str(" }");
                if l.arg.is_some() {
                    s.push_str(" @ ");
                }
            }
            if let Some(a) = &l.arg {
                s.push_str(a);
            }
            format!("{s}: {})", show(&l.body))
        }
        ExprKind::Apply { .. } => {
            // `f a b` is one call in Nix (`ExprCall` with its arguments).
            let mut args = Vec::new();
            let mut f = e;
            while let ExprKind::Apply { fun, arg } = &f.kind {
                args.push(show(arg));
                f = fun;
            }
            args.reverse();
            format!("({} {})", show(f), args.join(" "))
        }
        ExprKind::If { cond, then, els } => format!("(if {} then {} else {})", show(cond), show(then), show(els)),
        ExprKind::Assert { cond, body, .. } => format!("assert {}; {}", show(cond), show(body)),
        ExprKind::Not(x) => format!("(! {})", show(x)),
        ExprKind::Neg(x) => format!("(__sub 0 {})", show(x)),
        ExprKind::Bin { op, lhs, rhs } => {
            let (l, r) = (show(lhs), show(rhs));
            match op {
                BinOp::Sub => format!("(__sub {l} {r})"),
                BinOp::Mul => format!("(__mul {l} {r})"),
                BinOp::Div => format!("(__div {l} {r})"),
                BinOp::Less => format!("(__lessThan {l} {r})"),
                BinOp::More => format!("(__lessThan {r} {l})"),
                BinOp::LessEq => format!("(! (__lessThan {r} {l}))"),
                BinOp::MoreEq => format!("(! (__lessThan {l} {r}))"),
                BinOp::Add => format!("({l} + {r})"),
                op => format!("({l} {} {r})", op.symbol()),
            }
        }
        ExprKind::CurPos { .. } => "__curPos".to_string(),
    }
}

fn show_path(path: &[AttrName]) -> String {
    path.iter()
        .map(|a| match a {
            AttrName::Static(n) => n.to_string(),
            AttrName::Dynamic(e) => format!("\"${{{}}}\"", show(e)),
        })
        .collect::<Vec<_>>()
        .join(".")
}
