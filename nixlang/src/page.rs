//! What the page's Nix worker answers: a program (and the page's virtual files) in; the
//! derivations it instantiates (as `nix derivation show` JSON), which top-level attribute names
//! which derivation, its literals (with their values and which derivation attribute each one
//! produced), the highlighting tokens from rnix's own lexer, and an error at line and column out.
//!
//! Messages are JSON strings both ways, so the worker is one call: [`answer`].

use crate::error::{line_col, Span};
use crate::eval::value::Value;
use crate::fs::MemFs;
use crate::{Budget, EvalError, Evaluator, Options};
use rnix::SyntaxKind as K;
use rowan::ast::AstNode;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

/// Where the page's program lives in the virtual file system (`./prelude.nix` beside it).
pub const MAIN: &str = "/page/main.nix";
pub const DIR: &str = "/page";

/// One literal of the program: where it is, what kind, and (for strings without
/// interpolation, numbers and paths) its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub start: usize,
    pub end: usize,
    /// "string", "number", "path", "attr" (an attribute name in a binding).
    pub kind: &'static str,
    pub value: Option<String>,
    /// Where to perturb it: an offset and the text to insert there, or a replacement of the
    /// whole literal.
    pub perturb: Perturb,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Perturb {
    Insert(usize, &'static str),
    Replace(String),
}

impl Literal {
    /// The program with this literal perturbed (every other byte kept).
    pub fn perturbed(&self, code: &str) -> String {
        match &self.perturb {
            Perturb::Insert(at, s) => format!("{}{s}{}", &code[..*at], &code[*at..]),
            Perturb::Replace(r) => format!("{}{r}{}", &code[..self.start], &code[self.end..]),
        }
    }
}

/// Another hash of the same kind when `s` looks like one (nix32 or base16 of a sha1, sha256 or
/// sha512, or an SRI hash): one character changed where every value of it is valid.
pub fn other_hash(s: &str) -> Option<String> {
    const NIX32: &str = "0123456789abcdfghijklmnpqrsvwxyz";
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let swap = |c: char, alphabet: &str| -> char {
        let i = alphabet.find(c).unwrap_or(0);
        alphabet.as_bytes()[(i + 1) % alphabet.len()] as char
    };
    let all_in = |t: &str, a: &str| !t.is_empty() && t.chars().all(|c| a.contains(c));
    let n = s.len();
    // The last character of nix32 and base16 holds the lowest bits: any value is valid there.
    let last = |a: &str| -> String {
        let mut t: String = s[..n - 1].to_string();
        t.push(swap(s.chars().last().unwrap_or('0'), a));
        t
    };
    if matches!(n, 32 | 52 | 103) && all_in(s, NIX32) {
        return Some(last(NIX32));
    }
    if matches!(n, 40 | 64 | 128) && all_in(s, "0123456789abcdef") {
        return Some(last("0123456789abcdef"));
    }
    // SRI: the first base64 character after the dash holds the highest bits.
    let (algo, b64) = s.split_once('-')?;
    if matches!(algo, "sha1" | "sha256" | "sha512") && b64.len() >= 28 && all_in(b64.trim_end_matches('='), B64) {
        let mut c = b64.chars();
        let first = swap(c.next()?, B64);
        return Some(format!("{algo}-{first}{}", c.as_str()));
    }
    None
}

/// The literals of a program, in source order (none when it does not parse).
pub fn literals(code: &str) -> Vec<Literal> {
    let parse = rnix::Root::parse(code);
    if !parse.errors().is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    for node in parse.syntax().descendants() {
        let r = node.text_range();
        let (start, end) = (usize::from(r.start()), usize::from(r.end()));
        match node.kind() {
            K::NODE_STRING => {
                let Some(s) = rnix::ast::Str::cast(node.clone()) else { continue };
                let mut value = Some(String::new());
                for p in s.normalized_parts() {
                    match (p, value.as_mut()) {
                        (rnix::ast::InterpolPart::Literal(l), Some(v)) => v.push_str(&l),
                        _ => value = None,
                    }
                }
                let in_attr = node.parent().is_some_and(|p| p.kind() == K::NODE_ATTRPATH);
                // Insert after the opening quote: valid in both string forms. A hash is
                // perturbed into another hash of its kind (one character changed, its length
                // and alphabet kept): an `x` in front would only say "invalid hash".
                let open = node.first_token().map_or(1, |t| usize::from(t.text_range().len()));
                let perturb = match value.as_deref().and_then(other_hash) {
                    Some(h) if !in_attr => Perturb::Replace(format!("\"{h}\"")),
                    _ => Perturb::Insert(start + open, "x"),
                };
                out.push(Literal { start, end, kind: if in_attr { "attr" } else { "string" }, value, perturb });
            }
            K::NODE_LITERAL => {
                let Some(tok) = node.first_token() else { continue };
                let text = tok.text().to_string();
                let (kind, perturb) = match tok.kind() {
                    K::TOKEN_INTEGER => match text.parse::<i64>() {
                        Ok(n) => ("number", Perturb::Replace(n.wrapping_add(1).to_string())),
                        Err(_) => continue,
                    },
                    K::TOKEN_FLOAT => ("number", Perturb::Insert(end, "1")),
                    K::TOKEN_URI => ("string", Perturb::Insert(end, "x")),
                    _ => continue,
                };
                out.push(Literal { start, end, kind, value: Some(text), perturb });
            }
            K::NODE_PATH_ABS | K::NODE_PATH_REL | K::NODE_PATH_HOME => {
                let text = node.text().to_string();
                let value = (!text.contains("${")).then_some(text);
                out.push(Literal { start, end, kind: "path", value, perturb: Perturb::Insert(end, "x") });
            }
            K::NODE_IDENT => {
                // An attribute name in a binding of a set (not a let: renaming a variable only
                // breaks its uses; not a selection `a.b`).
                let Some(path) = node.parent().filter(|p| p.kind() == K::NODE_ATTRPATH) else { continue };
                let Some(binding) = path.parent().filter(|p| p.kind() == K::NODE_ATTRPATH_VALUE) else { continue };
                if binding.parent().is_none_or(|s| s.kind() != K::NODE_ATTR_SET) {
                    continue;
                }
                out.push(Literal {
                    start,
                    end,
                    kind: "attr",
                    value: Some(node.text().to_string()),
                    perturb: Perturb::Insert(end, "x"),
                });
            }
            _ => {}
        }
    }
    out.sort_by_key(|l| (l.start, l.end));
    out
}

/// Highlighting: `[start, end, class]` for every token but whitespace, from rnix's lexer.
pub fn tokens(code: &str) -> Vec<(usize, usize, &'static str)> {
    let parse = rnix::Root::parse(code);
    let mut out = Vec::new();
    for el in parse.syntax().descendants_with_tokens() {
        let Some(t) = el.into_token() else { continue };
        let class = match t.kind() {
            K::TOKEN_WHITESPACE => continue,
            K::TOKEN_COMMENT => "comment",
            K::TOKEN_IF
            | K::TOKEN_THEN
            | K::TOKEN_ELSE
            | K::TOKEN_LET
            | K::TOKEN_IN
            | K::TOKEN_REC
            | K::TOKEN_WITH
            | K::TOKEN_INHERIT
            | K::TOKEN_ASSERT
            | K::TOKEN_OR => "keyword",
            K::TOKEN_STRING_START | K::TOKEN_STRING_CONTENT | K::TOKEN_STRING_END | K::TOKEN_URI => "string",
            K::TOKEN_INTERPOL_START | K::TOKEN_INTERPOL_END => "interp",
            K::TOKEN_INTEGER | K::TOKEN_FLOAT => "number",
            K::TOKEN_PATH_ABS | K::TOKEN_PATH_REL | K::TOKEN_PATH_HOME | K::TOKEN_PATH_SEARCH => "path",
            K::TOKEN_IDENT => {
                let attr = t.parent().and_then(|p| p.parent()).is_some_and(|p| p.kind() == K::NODE_ATTRPATH);
                if attr {
                    "attr"
                } else {
                    "ident"
                }
            }
            K::TOKEN_ERROR => "error",
            _ => "punct",
        };
        let r = t.text_range();
        out.push((usize::from(r.start()), usize::from(r.end()), class));
    }
    out
}

/// One evaluation of the program: the derivations (by `.drv` path), which top-level names
/// name them, or the error.
pub struct Outcome {
    pub derivations: BTreeMap<String, drvlab_engine::Derivation>,
    /// Top-level attribute name → `.drv` path (the page names the graph's nodes by them).
    pub names: BTreeMap<String, String>,
    /// The prelude's attributes a pasted package function was called with (`callPackage`).
    pub called_with: Vec<String>,
    pub error: Option<PageError>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PageError {
    pub message: String,
    /// Where, when it is in the program itself (1-based; byte offsets of the span).
    pub line: usize,
    pub col: usize,
    pub start: usize,
    pub end: usize,
    /// The file it is in when it is not the program (`prelude.nix`, a corepkg).
    pub file: Option<String>,
}

pub(crate) fn evaluator(files: &[(String, String)], code: &str, budget: Budget) -> Evaluator {
    let mut fs = MemFs::new();
    for (p, t) in files {
        let p = if p.starts_with('/') { p.clone() } else { format!("{DIR}/{p}") };
        fs.add(&p, t.as_bytes());
    }
    fs.add(MAIN, code.as_bytes());
    // The page lets a person try content-addressed derivations (as with
    // `--extra-experimental-features ca-derivations`).
    Evaluator::new(Box::new(fs), Options { budget, experimental_ca: true, ..Options::default() })
}

/// rnix's syntax errors in Nix's words: `unexpected '}'` for `unexpected TOKEN_R_BRACE at
/// 12..13, wanted any of [...]`; an unterminated string is `unexpected end of file, expecting
/// '"'`, as Nix 2.8 says. (The line and column are given beside the message.)
pub fn syntax_in_nix_words(message: &str, code: &str) -> String {
    let Some(rest) = message.strip_prefix("syntax error, unexpected TOKEN_") else { return message.to_string() };
    let sym = |k: &str| -> Option<&'static str> {
        Some(match k {
            "R_BRACE" | "INTERPOL_END" => "'}'",
            "L_BRACE" => "'{'",
            "SEMICOLON" => "';'",
            "R_PAREN" => "')'",
            "L_PAREN" => "'('",
            "R_BRACK" => "']'",
            "L_BRACK" => "'['",
            "ASSIGN" => "'='",
            "COLON" => "':'",
            "COMMA" => "','",
            "DOT" => "'.'",
            "STRING_END" | "STRING_START" => "'\"'",
            "IN" => "'in'",
            "THEN" => "'then'",
            "ELSE" => "'else'",
            _ => return None,
        })
    };
    let kind: String = rest.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
    let range = rest[kind.len()..].strip_prefix(" at ").and_then(|r| {
        let r: String = r.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let (a, b) = r.split_once("..")?;
        Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?))
    });
    let text = range.and_then(|(a, b)| code.get(a..b)).unwrap_or_default();
    // An unclosed string: rnix's error token runs to the end, wanting the string's end.
    let open_string = |end: &str| kind == "ERROR" && rest.contains(end);
    if open_string("TOKEN_STRING_END") || open_string("TOKEN_IND_STRING_END") {
        let want = if open_string("TOKEN_STRING_END") { "'\"'" } else { "''" };
        return format!("syntax error, unexpected end of file, expecting {want} (the string is not closed)");
    }
    let got = sym(&kind).map(str::to_string).unwrap_or_else(|| format!("'{}'", text.trim()));
    let wanted: Vec<&str> = rest
        .split_once("wanted any of [")
        .map(|(_, w)| w.trim_end_matches(']').split(", ").filter_map(|k| sym(k.trim_start_matches("TOKEN_"))).collect())
        .unwrap_or_default();
    match wanted.as_slice() {
        [one] => format!("syntax error, unexpected {got}, expecting {one}"),
        _ => format!("syntax error, unexpected {got}"),
    }
}

fn page_error(ev: &Evaluator, e: &EvalError, code: &str) -> PageError {
    let mut message = syntax_in_nix_words(&e.kind.to_string(), code);
    if message.contains("file 'nixpkgs' was not found") || message.contains("'nixpkgs'") {
        message.push_str(
            ". drvlab has no nixpkgs: the page's prelude stands in for a small part of it (import ./prelude.nix: stdenv.mkDerivation, fetchurl, runCommandLocal, …); real nixpkgs gives other paths",
        );
    }
    let (mut line, mut col, mut start, mut end, mut file) = (0, 0, 0, 0, None);
    if let Some(span) = e.span {
        if let Some(src) = ev.sources().files.get(span.file as usize) {
            let (l, c) = line_col(&src.text, span.start as usize);
            (line, col) = (l, c);
            if src.name == MAIN {
                (start, end) = (span.start as usize, (span.end as usize).min(code.len()));
            } else {
                file = Some(src.name.trim_start_matches("/page/").to_string());
            }
        }
    }
    PageError { message, line, col, start, end, file }
}

/// The derivations a value holds, as `nix-instantiate` finds them: the value itself, or each
/// attribute (or element) of a set (or list) at the top.
fn tops(ev: &mut Evaluator, v: Value) -> Result<Vec<(String, Value)>, EvalError> {
    let span = Span::default();
    let v = ev.auto_call(v)?;
    let mut out = Vec::new();
    match &v {
        Value::Attrs(a) if crate::eval::is_derivation(ev, a, span)? => out.push((String::new(), v.clone())),
        Value::Attrs(a) => {
            for (k, t) in a.clone().iter() {
                let x = ev.force(t, span)?;
                out.push((k.to_string(), x));
            }
        }
        Value::List(l) => {
            for (i, t) in l.iter().enumerate() {
                let x = ev.force(t, span)?;
                out.push((i.to_string(), x));
            }
        }
        _ => {}
    }
    Ok(out)
}

/// A pasted package function (`{ stdenv, fetchurl }: stdenv.mkDerivation { … }`) is called as
/// `callPackage` would, with what the prelude has of its arguments, when the prelude has every
/// one without a default; otherwise it is left to `nix-instantiate`'s rule (called with `{}`),
/// and the names the prelude lacks are returned so the error can say so.
/// Returns the value, the names it was given, and the names the prelude lacks.
type Called = (Value, Vec<String>, Vec<String>);
fn call_package(ev: &mut Evaluator, v: Value) -> Result<Called, EvalError> {
    let span = Span::default();
    let Value::Lambda(c) = &v else { return Ok((v, vec![], vec![])) };
    let Some(formals) = &c.lambda.formals else { return Ok((v, vec![], vec![])) };
    let prelude = format!("{DIR}/prelude.nix");
    if ev.fs.kind(&prelude).is_none() {
        return Ok((v, vec![], vec![]));
    }
    let Value::Attrs(p) = ev.eval_file(&prelude)? else { return Ok((v, vec![], vec![])) };
    let mut args = crate::eval::value::Attrs::new();
    let (mut given, mut missing) = (Vec::new(), Vec::new());
    for f in &formals.entries {
        match p.get(&*f.name) {
            Some(t) => {
                args.insert(crate::eval::value::Key::at(f.name.clone(), crate::eval::value::AttrPos::NONE), t.clone());
                given.push(f.name.to_string());
            }
            None if f.default.is_some() => {}
            None => missing.push(f.name.to_string()),
        }
    }
    if !missing.is_empty() {
        return Ok((v, vec![], missing));
    }
    let r = ev.call(v.clone(), crate::Thunk::value(Value::attrs(args)), span)?;
    Ok((r, given, vec![]))
}

/// The program's value, called as `callPackage` would when it is a package function, and its
/// top-level values forced (what the run takes derivations from).
fn skeleton(
    ev: &mut Evaluator,
    given: &mut Vec<String>,
    missing: &mut Vec<String>,
) -> Result<Vec<(String, Value)>, EvalError> {
    let v = ev.eval_file(MAIN)?;
    let (v, g, m) = call_package(ev, v)?;
    *given = g;
    *missing = m;
    tops(ev, v)
}

/// One top-level value: its name and `.drv` path when it is a derivation.
fn top(ev: &mut Evaluator, name: String, x: &Value) -> Result<Option<(String, String)>, EvalError> {
    let span = Span::default();
    // As `getDerivations`: functions inside the set are skipped, not called.
    let Value::Attrs(a) = x else { return Ok(None) };
    if !crate::eval::is_derivation(ev, a, span)? {
        return Ok(None);
    }
    let Some(t) = a.get("drvPath").cloned() else { return Ok(None) };
    let p = ev.force_string(&t, span)?.s.to_string();
    let name = if name.is_empty() {
        match a.get("name").cloned() {
            Some(t) => ev.force_string(&t, span)?.s.to_string(),
            None => "main".into(),
        }
    } else {
        name
    };
    Ok(Some((name, p)))
}

/// The `.drv` paths a derivation's closure holds (itself and its inputs, recursively).
fn closure(ev: &Evaluator, path: &str) -> Vec<String> {
    let mut keep = BTreeSet::new();
    let mut todo = vec![path.to_string()];
    while let Some(p) = todo.pop() {
        if keep.contains(&p) {
            continue;
        }
        if let Some(r) = ev.derivations.get(&p) {
            todo.extend(r.drv.input_drvs.keys().cloned());
        }
        keep.insert(p);
    }
    keep.into_iter().collect()
}

/// What one top-level value of a run gave, and (in a tracked run) which literals it read.
#[derive(Clone)]
pub struct TopRun {
    pub found: Option<(String, String)>,
    pub reads: Option<crate::eval::track::Reads>,
    pub closure: Vec<String>,
}

/// A run that takes some top-level values from an earlier run of nearly the same program
/// instead of forcing them (the sweep's pruning: those the perturbed literal cannot change).
pub struct Reuse<'a> {
    pub tops: &'a [TopRun],
    pub derivations: &'a BTreeMap<String, drvlab_engine::Derivation>,
    pub recompute: &'a dyn Fn(usize) -> bool,
}

/// A whole run: the outcome, each top-level value's part, what the skeleton read (when
/// tracked), and whether it failed on a budget.
pub struct Run {
    pub outcome: Outcome,
    pub tops: Vec<TopRun>,
    pub skeleton_reads: Option<crate::eval::track::Reads>,
    pub budget_failed: bool,
}

fn phase<T>(ev: &mut Evaluator, f: impl FnOnce(&mut Evaluator) -> T) -> (T, Option<crate::eval::track::Reads>) {
    let depth = ev.depth;
    if let Some(t) = ev.track.as_deref_mut() {
        t.begin(depth);
    }
    let r = f(ev);
    let reads = ev.track.as_deref_mut().and_then(|t| t.end());
    (r, reads)
}

fn failed(
    ev: &Evaluator,
    e: &EvalError,
    code: &str,
    names: BTreeMap<String, String>,
    called_with: Vec<String>,
    missing: &[String],
) -> Outcome {
    let mut error = page_error(ev, e, code);
    if !missing.is_empty() && error.message.contains("called without required argument") {
        let list = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
        error.message.push_str(&format!(
            ". This is a package function; the page calls it as callPackage would, but its prelude (a small stand-in for nixpkgs) has no {list}: drvlab has no nixpkgs. Give {} a default, or define it in the code",
            if missing.len() == 1 { "it" } else { "them" }
        ));
    }
    Outcome { derivations: BTreeMap::new(), names, called_with, error: Some(error) }
}

fn is_budget(e: &EvalError) -> bool {
    matches!(e.kind, crate::error::ErrorKind::Budget(_)) || e.kind.to_string().starts_with("stack overflow")
}

/// Runs the program: its skeleton, then each top-level value in order (or, with `reuse`, only
/// those it says to recompute). `None` when `reuse` does not fit (another number of values).
pub fn run_tops(ev: &mut Evaluator, code: &str, reuse: Option<&Reuse>) -> Option<Run> {
    let (mut given, mut missing) = (Vec::new(), Vec::new());
    let (sk, skeleton_reads) = phase(ev, |ev| skeleton(ev, &mut given, &mut missing));
    let values = match sk {
        Ok(v) => v,
        Err(e) => {
            let outcome = failed(ev, &e, code, BTreeMap::new(), given, &missing);
            return Some(Run { outcome, tops: vec![], skeleton_reads, budget_failed: is_budget(&e) });
        }
    };
    if reuse.is_some_and(|r| r.tops.len() != values.len()) {
        return None;
    }
    let mut names = BTreeMap::new();
    let mut runs = Vec::new();
    let mut derivations = BTreeMap::new();
    for (i, (key, x)) in values.into_iter().enumerate() {
        let kept = reuse.filter(|r| !(r.recompute)(i)).map(|r| (r, &r.tops[i]));
        let run = match kept {
            Some((r, t)) => {
                for p in &t.closure {
                    if let (false, Some(d)) = (derivations.contains_key(p), r.derivations.get(p)) {
                        derivations.insert(p.clone(), d.clone());
                    }
                }
                t.clone()
            }
            None => {
                let (f, reads) = phase(ev, |ev| top(ev, key, &x));
                let found = match f {
                    Ok(f) => f,
                    Err(e) => {
                        let outcome = failed(ev, &e, code, names, given, &missing);
                        return Some(Run { outcome, tops: runs, skeleton_reads, budget_failed: is_budget(&e) });
                    }
                };
                let closure = found.as_ref().map(|(_, p)| closure(ev, p)).unwrap_or_default();
                for p in &closure {
                    if let (false, Some(d)) = (derivations.contains_key(p), ev.derivations.get(p)) {
                        derivations.insert(p.clone(), d.drv.clone());
                    }
                }
                TopRun { found, reads, closure }
            }
        };
        if let Some((n, p)) = &run.found {
            names.entry(n.clone()).or_insert_with(|| p.clone());
        }
        runs.push(run);
    }
    let outcome = Outcome { derivations, names, called_with: given, error: None };
    Some(Run { outcome, tops: runs, skeleton_reads, budget_failed: false })
}

/// Evaluates the program over the virtual files and instantiates what it holds.
pub fn evaluate(code: &str, files: &[(String, String)], budget: Budget) -> Outcome {
    let mut ev = evaluator(files, code, budget);
    run_tops(&mut ev, code, None).expect("a run without reuse always fits").outcome
}

/// The literal each derivation attribute was written as, where exactly one string literal of
/// the program has that attribute's value: `(drv path, attribute, literal index)`. Attributes are
/// spelled as the form spells fields: `name`, `builder`, `system`, `args.N`, `env.KEY`.
pub fn attribute_literals(
    lits: &[Literal],
    derivations: &BTreeMap<String, drvlab_engine::Derivation>,
) -> Vec<(String, String, usize)> {
    let mut by_value: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in lits.iter().enumerate() {
        if let (Some(v), "string") = (l.value.as_deref(), l.kind) {
            by_value.entry(v).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (p, d) in derivations {
        let mut attrs: Vec<(String, &str)> = vec![("builder".into(), d.builder.as_str())];
        attrs.extend(d.args.iter().enumerate().map(|(i, a)| (format!("args.{i}"), a.as_str())));
        for (k, v) in &d.env {
            let field = match k.as_str() {
                "name" | "system" | "builder" => k.clone(),
                _ => format!("env.{k}"),
            };
            if k != "builder" {
                attrs.push((field, v.as_str()));
            }
        }
        for (field, v) in attrs {
            if let Some([i]) = by_value.get(v).map(Vec::as_slice) {
                out.push((p.clone(), field, *i));
            }
        }
    }
    out
}

fn error_json(e: &PageError) -> Json {
    json!({ "message": e.message, "line": e.line, "col": e.col, "start": e.start, "end": e.end, "file": e.file })
}

/// The derivations as `nix derivation show` (2.8) prints them, keyed by `.drv` path.
pub fn derivations_json(d: &BTreeMap<String, drvlab_engine::Derivation>) -> Json {
    drvlab_engine::import::export_json_2_8(d)
}

/// A request: `{"op", "id", "code", "files": {path: text}}`.
pub struct Request {
    pub op: String,
    pub id: Json,
    pub code: String,
    pub files: Vec<(String, String)>,
}

pub fn parse_request(request: &str) -> Result<Request, String> {
    let req: Json = serde_json::from_str(request).map_err(|e| format!("bad request: {e}"))?;
    let code = req.get("code").and_then(Json::as_str).unwrap_or_default().to_string();
    let files: Vec<(String, String)> = req
        .get("files")
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let op = req.get("op").and_then(Json::as_str).unwrap_or("eval").to_string();
    Ok(Request { op, id: req.get("id").cloned().unwrap_or(Json::Null), code, files })
}

/// The answer to an `eval` request: `{"derivations", "names", "tokens", "literals", "fields",
/// "error"}`. (A sweep is answered beside the sweep itself, whose `respond` the worker calls.)
pub fn answer(req: &Request) -> String {
    let (code, files) = (req.code.as_str(), req.files.as_slice());
    let mut out = Map::new();
    out.insert("id".into(), req.id.clone());
    let outcome = evaluate(code, files, Budget::default());
    let lits = literals(code);
    let fields = attribute_literals(&lits, &outcome.derivations);
    out.insert("op".into(), "eval".into());
    out.insert("derivations".into(), derivations_json(&outcome.derivations));
    out.insert("names".into(), json!(outcome.names));
    out.insert("called_with".into(), json!(outcome.called_with));
    out.insert("tokens".into(), json!(tokens(code).iter().map(|(a, b, c)| json!([a, b, c])).collect::<Vec<_>>()));
    out.insert(
        "literals".into(),
        json!(lits
            .iter()
            .map(|l| json!({ "start": l.start, "end": l.end, "kind": l.kind, "value": l.value }))
            .collect::<Vec<_>>()),
    );
    out.insert("fields".into(), json!(fields.iter().map(|(p, f, i)| json!([p, f, i])).collect::<Vec<_>>()));
    out.insert("error".into(), outcome.error.as_ref().map_or(Json::Null, error_json));
    Json::Object(out).to_string()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn on_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        crate::cli::on_big_stack(f)
    }

    #[test]
    fn literals_and_their_perturbations_keep_the_rest() {
        let code = "# c\n{ a = \"x\\ny\"; b = 3; c = ./f; d = ''\n  z\n''; e = \"${a}b\"; }\n";
        let lits = literals(code);
        let kinds: Vec<&str> = lits.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, ["attr", "string", "attr", "number", "attr", "path", "attr", "string", "attr", "string"]);
        assert_eq!(lits[1].value.as_deref(), Some("x\ny"));
        assert_eq!(lits[7].value.as_deref(), Some("z\n"));
        assert_eq!(lits[9].value, None);
        for l in &lits {
            let p = l.perturbed(code);
            assert!(rnix::Root::parse(&p).errors().is_empty(), "{p}");
            assert_ne!(p, code);
        }
    }

    #[test]
    fn a_hash_is_perturbed_into_another_valid_hash() {
        // A fixed output whose hash changes moves its output path; an `x` in front of the hash
        // made every such row "changing it breaks the evaluation".
        for h in [
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        ] {
            let code = format!(
                "derivation {{ name = \"a\"; builder = \"b\"; system = \"c\"; outputHashAlgo = \"sha256\"; outputHash = \"{h}\"; }}"
            );
            let lit = literals(&code).into_iter().find(|l| l.value.as_deref() == Some(h)).unwrap();
            let other = lit.perturbed(&code);
            let (a, b) =
                on_stack(move || (evaluate(&code, &[], Budget::default()), evaluate(&other, &[], Budget::default())));
            assert!(a.error.is_none() && b.error.is_none(), "{h}: {:?}", b.error.map(|e| e.message));
            let out = |o: &Outcome| o.derivations.values().next().unwrap().outputs["out"].path.clone();
            assert_ne!(out(&a), out(&b), "{h}");
        }
        assert_eq!(other_hash("sha256"), None);
        assert_eq!(other_hash("hello"), None);
    }

    #[test]
    fn evaluates_derivations_and_maps_attributes_to_literals() {
        let code = r#"{ a = derivation { name = "a"; builder = "b"; system = "c"; }; n = 1; }"#;
        let o = on_stack(move || evaluate(code, &[], Budget::default()));
        assert!(o.error.is_none());
        // From nix-instantiate (Nix 2.8.0), as in lib.rs.
        assert_eq!(o.names["a"], "/nix/store/arhvjaf6zmlyn8vh8fgn55rpwnxq0n7l-a.drv");
        let lits = literals(code);
        let f = attribute_literals(&lits, &o.derivations);
        let name = f.iter().find(|(_, f, _)| f == "name").unwrap();
        assert_eq!(&code[lits[name.2].start..lits[name.2].end], "\"a\"");
    }

    #[test]
    fn a_pasted_package_function_is_called_with_the_prelude() {
        let prelude = vec![(
            "prelude.nix".to_string(),
            "{ stdenv = { mk = a: derivation (a // { system = \"x\"; builder = \"b\"; }); }; }".to_string(),
        )];
        let code = "{ stdenv, lib ? null }: stdenv.mk { name = \"a\"; }";
        let o = on_stack(move || evaluate(code, &prelude, Budget::default()));
        assert!(o.error.is_none(), "{:?}", o.error.map(|e| e.message));
        assert_eq!(o.called_with, ["stdenv"]);
        assert_eq!(o.derivations.len(), 1);
        let o = on_stack(|| evaluate("{ stdenv }: stdenv", &[], Budget::default()));
        assert!(o.error.unwrap().message.contains("called without required argument 'stdenv'"));
        // Arguments the prelude lacks are named (not the first formal, which it has).
        let prelude = vec![("prelude.nix".to_string(), "{ stdenv = {}; }".to_string())];
        let o = on_stack(move || evaluate("{ stdenv, lib, fetchFromGitHub }: stdenv", &prelude, Budget::default()));
        let m = o.error.unwrap().message;
        assert!(m.contains("prelude (a small stand-in for nixpkgs) has no 'lib', 'fetchFromGitHub'"), "{m}");
    }

    #[test]
    fn syntax_errors_in_nix_words() {
        // As nix-instantiate --parse (2.8) says them; rnix said "unexpected TOKEN_ERROR at
        // 51..54, wanted any of [TOKEN_STRING_END, ...]".
        for (code, nix) in [
            ("derivation { p = \"${}\"; }", "syntax error, unexpected '}'"),
            (
                "derivation { name = \"a; builder = \"b\"; system = \"x\"; }",
                "syntax error, unexpected end of file, expecting '\"'",
            ),
            ("{ a = 1 }", "syntax error, unexpected '}', expecting ';'"),
        ] {
            let code = code.to_string();
            let o = on_stack(move || evaluate(&code, &[], Budget::default()));
            let m = o.error.unwrap().message;
            // nixlang's recogniser of Nix's grammar (`syntax.rs`) names the unexpected token and
            // its place as bison does; bison's ", expecting …" list comes from its parse tables,
            // which it does not reproduce, so only the part before it is compared.
            let unexpected = nix.split(", expecting").next().unwrap();
            assert!(m.starts_with(unexpected), "{m}");
            assert!(!m.contains("TOKEN_"), "{m}");
        }
    }

    #[test]
    fn errors_at_line_and_column() {
        let o = on_stack(|| evaluate("{\n  a = b;\n}", &[], Budget::default()));
        let e = o.error.unwrap();
        assert_eq!((e.line, e.col, e.message.as_str()), (2, 7, "undefined variable 'b'"));
        let o = on_stack(|| evaluate("let x = x; in x", &[], Budget::default()));
        assert_eq!(o.error.unwrap().message, "infinite recursion encountered");
        let o = on_stack(|| evaluate("import <nixpkgs> {}", &[], Budget::default()));
        assert!(o.error.unwrap().message.contains("drvlab has no nixpkgs"));
    }
}
