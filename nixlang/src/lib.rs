//! drvlab's Nix language: a lazy evaluator of Nix as Nix 2.8 defines it, over drvlab's engine.
//!
//! Parsed with `rnix` (the lossless tree is kept, with text ranges, so literals can be mapped
//! back to the source), lowered to [`ast`], evaluated by [`eval`] with string [`context`], and
//! derivations instantiated by [`derivation`] through the engine's `resolve_one`. Pure Rust with
//! no web dependency; the same code runs natively (the CLI) and in wasm32 (the page).

pub mod ast;
pub mod builtins;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod context;
pub mod derivation;
pub mod error;
pub mod eval;
pub mod fs;
pub mod lower;
/// The page's worker: a program in, derivations, literals, tokens and errors out.
pub mod page;
pub mod print;
/// What moves, per literal of a program.
pub mod sweep;
pub mod syntax;

pub use error::{ErrorKind, EvalError, Source, Sources, Span};
pub use eval::value::{self, Thunk, Value};
pub use eval::{Budget, Evaluator};

use std::collections::HashMap;
use std::rc::Rc;
use value::{Attrs, Env};

/// A `--arg` or `--argstr` value of the CLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AutoArg {
    /// `--arg NAME EXPR`: a Nix expression.
    Expr(String),
    /// `--argstr NAME STRING`: a string.
    Str(String),
}

/// What the evaluator is given besides the code.
pub struct Options {
    pub budget: Budget,
    pub store_dir: String,
    pub search_path: Vec<(String, String)>,
    pub system: String,
    /// Nix 2.8 refuses `__contentAddressed` unless `ca-derivations` is enabled.
    pub experimental_ca: bool,
    /// `builtins.currentTime` (seconds since the epoch): the CLI reads the clock; without one
    /// (the page) it is refused when used.
    pub current_time: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            budget: Budget::default(),
            store_dir: "/nix/store".into(),
            search_path: Vec::new(),
            system: "x86_64-linux".into(),
            experimental_ca: false,
            current_time: None,
        }
    }
}

/// Parses `NIX_PATH` / `-I` entries: `prefix=path` or a plain directory.
pub fn parse_search_path(entries: &str) -> Vec<(String, String)> {
    entries
        .split(':')
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            Some((p, d)) => (p.to_string(), d.to_string()),
            None => (String::new(), e.to_string()),
        })
        .collect()
}

impl Evaluator {
    pub fn new(fs: Box<dyn fs::FileSystem>, opts: Options) -> Evaluator {
        let base = Env::new(None, 0);
        let mut ev = Evaluator {
            sources: Sources::default(),
            base: base.clone(),
            globals: HashMap::new(),
            builtins: None,
            fs,
            budget: opts.budget,
            steps: 0,
            depth: 0,
            stack: None,
            cells: 0,
            references: HashMap::new(),
            store_dir: opts.store_dir,
            search_path: opts.search_path,
            derivations: Default::default(),
            imports: HashMap::new(),
            copied: HashMap::new(),
            traces: Vec::new(),
            experimental_ca: opts.experimental_ca,
            track: None,
        };
        ev.make_base_env(&opts.system, opts.current_time);
        ev
    }

    /// `createBaseEnv`: the `builtins` set, and the global names (`true`, `map`, `__length`, …).
    fn make_base_env(&mut self, system: &str, current_time: Option<i64>) {
        let mut set = Attrs::new();
        for &(name, arity, fun) in builtins::PRIMOPS {
            set.insert(name.into(), Thunk::value(Value::PrimOp(Rc::new(builtins::primop(name, arity, fun)))));
        }
        set.insert("true".into(), Thunk::value(Value::Bool(true)));
        set.insert("false".into(), Thunk::value(Value::Bool(false)));
        set.insert("null".into(), Thunk::value(Value::Null));
        set.insert("currentSystem".into(), Thunk::value(Value::string(system)));
        set.insert(
            "currentTime".into(),
            match current_time {
                Some(t) => Thunk::value(Value::Int(t)),
                None => Thunk::native(|_| {
                    Err(EvalError::bare(ErrorKind::Unsupported(
                        "builtins.currentTime reads the clock, which makes a value (and any path built from it) change from run to run; drvlab evaluates without a clock here".into(),
                    )))
                }),
            },
        );
        set.insert("nixVersion".into(), Thunk::value(Value::string("2.8.0")));
        set.insert("langVersion".into(), Thunk::value(Value::Int(6)));
        set.insert("storeDir".into(), Thunk::value(Value::string(self.store_dir.as_str())));
        let nix_path: Vec<Value> = self
            .search_path
            .iter()
            .map(|(p, d)| {
                let mut a = Attrs::new();
                a.insert("prefix".into(), Thunk::value(Value::string(p.as_str())));
                a.insert("path".into(), Thunk::value(Value::string(d.as_str())));
                Value::attrs(a)
            })
            .collect();
        set.insert("nixPath".into(), Thunk::value(Value::list_of(nix_path)));
        // `derivation` is Nix code (`derivation.nix`) over `derivationStrict`.
        set.insert(
            "derivation".into(),
            Thunk::native(|ev: &mut Evaluator| builtins::paths::import_corepkg(ev, "derivation.nix", Span::default())),
        );
        let set_thunk = Thunk::value(Value::Null);
        set.insert("builtins".into(), set_thunk.clone());
        let set = Rc::new(set);
        *set_thunk.0.borrow_mut() = value::ThunkState::Done(Value::Attrs(set.clone()));
        self.builtins = Some(set_thunk);
        for (i, (name, t)) in set.iter().enumerate() {
            let global = if builtins::GLOBAL.contains(&&**name) { name.to_string() } else { format!("__{name}") };
            self.base.push(t.clone());
            self.globals.insert(global.into(), i);
        }
    }

    /// Parses and lowers a source; the result is a thunk of its value in the global scope.
    pub fn parse_thunk(&mut self, name: &str, text: &str, dir: &str) -> Result<Thunk, EvalError> {
        let expr = self.parse(name, text, dir)?;
        Ok(Thunk::pending(Rc::new(expr), self.base.clone()))
    }

    /// Parses a source into the evaluator's tree (syntax errors and unbound variables fail here).
    pub fn parse(&mut self, name: &str, text: &str, dir: &str) -> Result<ast::Expr, EvalError> {
        self.parse_scoped(name, text, dir, None)
    }

    /// Parses a source whose free variables may also name the attributes of `scope` (in their
    /// sorted order, slot by slot), as `scopedImport` does.
    pub fn parse_scoped(
        &mut self,
        name: &str,
        text: &str,
        dir: &str,
        scope: Option<&Attrs>,
    ) -> Result<ast::Expr, EvalError> {
        let file = self.sources.files.len() as u32;
        let parse = rnix::Root::parse(text);
        let tree = parse.tree();
        self.sources.files.push(Source { name: name.to_string(), text: text.into(), tree: tree.clone() });
        // Where Nix's own parser stops comes first; rnix's errors cover what it leaves out.
        if let Some(e) = syntax::nix_parse_error(text) {
            let span = Span { file, start: e.at as u32, end: e.at as u32 };
            let kind = if e.syntax { ErrorKind::Syntax(e.message) } else { ErrorKind::Other(e.message) };
            return Err(EvalError::new(kind, span));
        }
        if let Some(e) = parse.errors().first() {
            let (msg, at) = syntax::describe(text, e);
            let span = Span { file, start: at as u32, end: at as u32 };
            let kind = match e {
                rnix::ParseError::DuplicatedArgs(..) => ErrorKind::Other(msg),
                _ => ErrorKind::Syntax(msg),
            };
            return Err(EvalError::new(kind, span));
        }
        let pos_name = if name == "«string»" { "(string)".to_string() } else { name.to_string() };
        let mut l = lower::Lowerer::new(file, text, &pos_name, dir, self.globals.clone());
        if let Some(scope) = scope {
            l.push_scope(scope.keys().enumerate().map(|(i, k)| (k.name.clone(), i)).collect());
        }
        l.lower_root(&tree)
    }

    /// Evaluates an expression given as text (`nix-instantiate --eval -E`), relative to `dir`.
    pub fn eval_str(&mut self, text: &str, dir: &str) -> Result<Value, EvalError> {
        let t = self.parse_thunk("«string»", text, dir)?;
        self.force(&t, Span::default())
    }

    /// Evaluates a file (its path absolute), as `import` would.
    pub fn eval_file(&mut self, path: &str) -> Result<Value, EvalError> {
        let t = Thunk::value(Value::Path(lower::canon_path(path).into()));
        builtins::paths::prim_import(self, &[t], Span::default())
    }

    /// Selects an attribute path (`-A a.b.0`) as `findAlongAttrPath` does: a function is called
    /// with `{}` (`autoCallFunction`) before each step, not after the last.
    pub fn select_attr_path(&mut self, v: Value, path: &str) -> Result<Value, EvalError> {
        self.select_attr_path_with(v, path, &Attrs::new())
    }

    /// `findAlongAttrPath` with the `--arg`s each step's `autoCallFunction` passes.
    pub fn select_attr_path_with(&mut self, v: Value, path: &str, args: &Attrs) -> Result<Value, EvalError> {
        let mut v = v;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            v = self.auto_call_with(v, args)?;
            v = match (&v, part.parse::<usize>()) {
                (Value::List(l), Ok(i)) => match l.get(i) {
                    Some(t) => self.force(&t.clone(), Span::default())?,
                    None => {
                        return Err(EvalError::bare(ErrorKind::Other(format!(
                            "list index {i} in selection path '{path}' is out of range"
                        ))))
                    }
                },
                (Value::Attrs(a), _) => match a.get(part) {
                    Some(t) => self.force(&t.clone(), Span::default())?,
                    None => {
                        return Err(EvalError::bare(ErrorKind::Other(format!(
                            "attribute '{part}' in selection path '{path}' not found"
                        ))))
                    }
                },
                (other, _) => {
                    return Err(EvalError::bare(ErrorKind::Other(format!(
                        "the expression selected by the selection path '{path}' should be a set but is {}",
                        other.show_type()
                    ))))
                }
            };
        }
        Ok(v)
    }

    /// A function of a set pattern called with `{}` (its defaults), the page's way: a formal
    /// with no default fails as a call does (`called without required argument 'stdenv'`),
    /// which the page explains (the page has no `--arg`; the CLI uses [`Self::auto_call_with`]).
    pub fn auto_call(&mut self, v: Value) -> Result<Value, EvalError> {
        match &v {
            Value::Lambda(c) if c.lambda.formals.is_some() => {
                self.call(v.clone(), Thunk::value(Value::attrs(Attrs::new())), Span::default())
            }
            _ => Ok(v),
        }
    }

    /// `EvalState::autoCallFunction`: a set with `__functor` is called first; a function of a
    /// set pattern is called with the `--arg`/`--argstr` values it names (all of them when it
    /// has `...`) and its defaults; a formal with neither fails where the formal is written.
    /// Anything else is returned as it is.
    pub fn auto_call_with(&mut self, v: Value, args: &Attrs) -> Result<Value, EvalError> {
        let span = Span::default();
        if let Value::Attrs(a) = &v {
            if let Some(f) = a.get("__functor").cloned() {
                let fv = self.force(&f, span)?;
                let g = self.call(fv, Thunk::value(v.clone()), span)?;
                return self.auto_call_with(g, args);
            }
        }
        let Value::Lambda(c) = &v else { return Ok(v) };
        let Some(formals) = &c.lambda.formals else { return Ok(v) };
        let mut given = Attrs::new();
        if formals.ellipsis {
            given = args.clone();
        } else {
            for f in &formals.entries {
                match args.get(&*f.name) {
                    Some(t) => {
                        given.insert(f.name.clone().into(), t.clone());
                    }
                    None if f.default.is_none() => {
                        return Err(EvalError::new(
                            ErrorKind::Other(format!(
                                "cannot evaluate a function that has an argument without a value ('{}')\n\n       \
                                 Nix attempted to evaluate a function as a top level expression; in\n       \
                                 this case it must have its arguments supplied either by default\n       \
                                 values, or passed explicitly with '--arg' or '--argstr'. See\n       \
                                 https://nixos.org/manual/nix/stable/#ss-functions.",
                                f.name
                            )),
                            f.span,
                        ));
                    }
                    None => {}
                }
            }
        }
        self.call(v.clone(), Thunk::value(Value::attrs(given)), span)
    }

    /// The `--arg NAME EXPR` (an expression, parsed now and evaluated when used, relative to
    /// `dir`) and `--argstr NAME STRING` values, as `MixEvalArgs::getAutoArgs` makes them.
    pub fn auto_args(&mut self, args: &[(String, AutoArg)], dir: &str) -> Result<Attrs, EvalError> {
        let mut out = Attrs::new();
        for (name, a) in args {
            let t = match a {
                AutoArg::Expr(e) => self.parse_thunk("«string»", e, dir)?,
                AutoArg::Str(s) => Thunk::value(Value::string(s.as_str())),
            };
            out.insert(name.as_str().into(), t);
        }
        Ok(out)
    }

    /// An error as Nix prints it: `error: …` and where.
    pub fn render_error(&self, e: &EvalError) -> String {
        let mut s = format!("error: {}", e.kind);
        if let Some(span) = e.span {
            if let Some((name, l, c)) = self.sources.position(span) {
                s.push_str(&format!("\n\n       at {name}:{l}:{c}:"));
            }
        }
        if let ErrorKind::MissingArgument { name, .. } = &e.kind {
            if NIXPKGS_ARGS.contains(&name.as_str()) {
                s.push_str(&format!(
                    "\n\n       '{name}' comes from nixpkgs, which drvlab does not have: call the function with the arguments yourself (a stand-in written in plain Nix over the built-in `derivation`)"
                ));
            }
        }
        s
    }

    /// Prints a value as `nix-instantiate --eval` does (forcing everything first when `strict`).
    pub fn print(&mut self, v: &Value, strict: bool) -> Result<String, EvalError> {
        if strict {
            self.deep_force(v, Span::default())?;
        }
        Ok(print::print_value(self, v))
    }

    /// Prints a value as `nix-instantiate --eval --json` does.
    pub fn print_json(&mut self, v: &Value) -> Result<String, EvalError> {
        let mut out = String::new();
        let mut ctx = context::Context::default();
        print::to_json(self, v, true, Span::default(), &mut out, &mut ctx)?;
        Ok(out)
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }
}

/// Function arguments that a file written for `callPackage` expects from nixpkgs.
const NIXPKGS_ARGS: &[&str] = &[
    "pkgs",
    "lib",
    "stdenv",
    "stdenvNoCC",
    "fetchurl",
    "fetchFromGitHub",
    "fetchgit",
    "fetchzip",
    "callPackage",
    "mkDerivation",
    "runCommand",
    "runCommandLocal",
    "writeText",
    "writeShellScript",
    "writeShellScriptBin",
    "makeWrapper",
    "buildPackages",
    "config",
];

/// Evaluates `text` with no files and prints it as `nix-instantiate --eval --strict` does.
pub fn eval_to_string(text: &str) -> Result<String, String> {
    let mut ev = Evaluator::new(Box::new(fs::MemFs::new()), Options::default());
    let r = ev.eval_str(text, "/").and_then(|v| ev.print(&v, true));
    r.map_err(|e| ev.render_error(&e))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn ev(s: &str) -> String {
        let s = s.to_string();
        cli::on_big_stack(move || eval_to_string(&s).unwrap_or_else(|e| e))
    }

    #[test]
    fn language_forms() {
        assert_eq!(ev("let x = 1; y = x + 1; in [ x y ]"), "[ 1 2 ]");
        assert_eq!(ev("rec { a = b; b = 2; }"), "{ a = 2; b = 2; }");
        assert_eq!(ev("with { a = 1; }; let b = 2; in a + b"), "3");
        assert_eq!(ev("let a = 1; in with { a = 2; }; a"), "1");
        assert_eq!(ev("({ a, b ? a + 1, ... } @ args: [ a b (args ? c) ]) { a = 1; c = 0; }"), "[ 1 2 true ]");
        assert_eq!(ev("{ a.b.c = 1; a.b.d = 2; }"), "{ a = { b = { c = 1; d = 2; }; }; }");
        assert_eq!(ev("{ x = 1; }.y or 3"), "3");
        assert_eq!(ev("\"a${toString 1}b\""), "\"a1b\"");
        assert_eq!(ev("''\n  a\n    b\n''"), "\"a\n  b\n\"".replace('\n', "\\n"));
        assert_eq!(ev("[ (7 / 2) (1 + 2.5) (builtins.div 7 (-2)) ]"), "[ 3 3.5 -3 ]");
        assert_eq!(ev("[ 1.0 1.5e-7 123456789.0 ]"), "[ 1 1.5e-07 1.23457e+08 ]");
    }

    #[test]
    fn errors_are_worded_as_nix_words_them() {
        assert!(ev("x").starts_with("error: undefined variable 'x'"));
        assert!(ev("let x = x; in x").starts_with("error: infinite recursion encountered"));
        assert!(ev("{}.y").starts_with("error: attribute 'y' missing"));
        assert!(ev("\"${{}}\"").starts_with("error: cannot coerce a set to a string"));
        assert!(ev("assert 1 == 2; 3").starts_with("error: assertion '(1 == 2)' failed"));
        assert!(ev("builtins.length 1").starts_with("error: value is an integer while a list was expected"));
        // Syntax errors: bison's token names, at the token (the end of input: the last lexeme).
        assert!(ev("{ a = 1 }")
            .starts_with("error: syntax error, unexpected '}', expecting ';'\n\n       at «string»:1:9:"));
        assert!(ev("let a = 1 in a")
            .starts_with("error: syntax error, unexpected IN, expecting ';'\n\n       at «string»:1:11:"));
        assert!(ev("1 +   ").starts_with("error: syntax error, unexpected end of file\n\n       at «string»:1:4:"));
        assert!(ev("1 == 2 == 3").starts_with("error: syntax error, unexpected EQ\n\n       at «string»:1:8:"));
        assert!(ev("''\n    indented\n ").contains("at «string»:2:1:"));
        // Columns count bytes, as Nix's do.
        assert!(ev("\"é\" + x").contains("undefined variable 'x'\n\n       at «string»:1:8:"));
        let nixpkgs = "error: <nixpkgs> is not available here: drvlab has no nixpkgs";
        for e in ["import <nixpkgs> {}", "with import <nixpkgs> {}; hello", "{ pkgs ? import <nixpkgs> {} }: pkgs"] {
            let e = format!("builtins.deepSeq (({e}) {{}}) 1");
            assert!(ev(&e).starts_with(nixpkgs), "{e}: {}", ev(&e));
        }
    }

    #[test]
    fn new_builtins() {
        // From nix-instantiate (Nix 2.8.0).
        assert_eq!(
            ev("builtins.unsafeGetAttrPos \"a\" {\n  a = 1; }"),
            "{ column = 3; file = \"builtins.unsafeGetAttrPos \\\"a\\\" {\\n  a = 1; }\"; line = 2; }"
        );
        assert_eq!(ev("let x = 1; in (builtins.unsafeGetAttrPos \"x\" {inherit     x; }).column"), "54");
        assert_eq!(ev("builtins.unsafeGetAttrPos \"a\" (builtins.mapAttrs (n: v: v) { a = 1; })"), "null");
        assert_eq!(
            ev("builtins.toXML [ { a = x: x; } 1.5 ]"),
            "\"<?xml version='1.0' encoding='utf-8'?>\\n<expr>\\n  <list>\\n    <attrs>\\n      <attr name=\\\"a\\\">\\n        <function>\\n          <varpat name=\\\"x\\\" />\\n        </function>\\n      </attr>\\n    </attrs>\\n    <float value=\\\"1.5\\\" />\\n  </list>\\n</expr>\\n\""
        );
        assert_eq!(
            ev("builtins.fromTOML \"a.b = 1\\n[t]\\nc = [ 'x' ]\""),
            "{ a = { b = 1; }; t = { c = [ \"x\" ]; }; }"
        );
        assert!(ev("builtins.fromTOML \"a = 1979-05-27\"").contains("Dates and times are not supported"));
    }

    #[test]
    fn budgets_stop_runaway_programs() {
        assert!(ev("builtins.length (builtins.genList (x: x) 1000000000)").contains("evaluation stopped"));
        assert!(ev("let f = x: f (x + 1); in f 0").contains("stack overflow"));
    }

    #[test]
    fn derivations_match_nix() {
        // From nix-instantiate (Nix 2.8.0).
        assert_eq!(
            ev("(derivation { name = \"a\"; builder = \"b\"; system = \"c\"; }).drvPath"),
            "\"/nix/store/arhvjaf6zmlyn8vh8fgn55rpwnxq0n7l-a.drv\""
        );
        assert_eq!(
            ev("(derivation { name = \"a\"; builder = \"b\"; system = \"c\"; }).outPath"),
            "\"/nix/store/s6glliw064sgl7vix22p91cxsx7ml1rf-a\""
        );
        assert_eq!(
            ev("builtins.toFile \"a\" \"x${builtins.toFile \"b\" \"y\"}\""),
            "\"/nix/store/b7z9b0nf23f65j8n2rdmbby117rac8a6-a\""
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod budget_tests {
    /// The default depth budget holds on a 1 MiB stack (what a browser gives wasm) in an
    /// optimised build (measured: 1,500 levels fit; the default is 1,000), so deep recursion is
    /// an error, never a crash. Unoptimised test builds have frames several times larger.
    #[test]
    fn default_depth_fits_a_small_stack() {
        let stack = if cfg!(debug_assertions) { 8 << 20 } else { 1 << 20 };
        let r = std::thread::Builder::new()
            .stack_size(stack)
            .spawn(|| {
                let deep = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000";
                let eq = "let l = builtins.foldl' (acc: x: [ acc ]) [ ] (builtins.genList (x: x) 3000); in l == l";
                // A value 200,000 levels deep: made within budget, then dropped without recursion.
                let nested = "builtins.length (builtins.foldl' (acc: x: [ acc ]) [ ] (builtins.genList (x: x) 200000))";
                assert_eq!(super::eval_to_string(nested), Ok("1".to_string()));
                let mk = "(builtins.foldl' (acc: x: [ acc ]) [ ] (builtins.genList (x: x) 5000))";
                for deep_walk in
                    ["builtins.toJSON", "toString", &format!("(l: l == {mk})"), &format!("(l: l < {mk} ++ [ 1 ])")]
                {
                    let e = format!("{deep_walk} {mk}");
                    assert!(super::eval_to_string(&e).unwrap_err().contains("stack overflow"), "{deep_walk}");
                }
                (super::eval_to_string(deep), super::eval_to_string(eq), super::eval_to_string("let x = x; in x"))
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert!(r.0.unwrap_err().contains("stack overflow (possible infinite recursion)"));
        assert_eq!(r.1, Ok("true".to_string()));
        assert!(r.2.unwrap_err().contains("infinite recursion encountered"));
    }

    #[test]
    fn runaway_programs_stop_quickly() {
        let t = std::time::Instant::now();
        let r = crate::cli::on_big_stack(|| {
            super::eval_to_string("builtins.foldl' (a: x: a + x) 0 (builtins.genList (x: x) 100000000)")
        });
        assert!(r.unwrap_err().contains("evaluation stopped"));
        let r = crate::cli::on_big_stack(|| super::eval_to_string("let f = x: f x; in f 1"));
        assert!(r.unwrap_err().contains("stack overflow"));
        let r = crate::cli::on_big_stack(|| {
            super::eval_to_string("let f = n: if n == 0 then 0 else f (n - 1) + 0 * f (n - 1); in f 40")
        });
        assert!(r.unwrap_err().contains("evaluation steps"));
        assert!(t.elapsed().as_secs() < 30);
    }
}
