//! Differential tests against real Nix (2.8, `nix-instantiate` + `nix show-derivation -r`).
//!
//! A seeded generator writes random derivation graphs as plain Nix expressions (`derivation {…}`,
//! `builtins.toFile`, `builtins.path`, path literals; no nixpkgs), real Nix instantiates them, and
//! the `drvlab` binary must reproduce every `.drv` path, every output path (null exactly where
//! Nix prints none: floating content-addressed and deferred outputs) and every `.drv` file's bytes:
//!
//! * `drvlab paths --aterm` on the JSON exactly as Nix printed it;
//! * `drvlab paths --aterm` on a blanked copy: labels for keys (inputDrvs rewritten), no output
//!   paths, the derivation's own output variables in `env` emptied;
//! * `drvlab drv` over the `.drv` files of each graph's closure (exit 0, every file name matches,
//!   every derivation's outputs verified).
//!
//! Sources are checked too: every `builtins.toFile` / `builtins.path` / path-literal store path
//! Nix made must equal the library's text/NAR/fixed-output path for the same bytes.
//!
//! Reproducible: the generator uses its own SplitMix64 with a fixed seed (override with
//! DRVLAB_DIFF_SEED; DRVLAB_DIFF_GRAPHS changes the number of graphs). A failure prints the seed,
//! each mismatch (key, field, expected, got) and the `.nix` of the failing graphs, and keeps the
//! working directory.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const DEFAULT_SEED: u64 = 0x00d1_ff7e_57ed_2028;
const DEFAULT_GRAPHS: usize = 240;

// ------------------------------------------------------------------------------------------------
// A tiny seeded PRNG (SplitMix64), independent of the library.

struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

// ------------------------------------------------------------------------------------------------
// Hash text forms, written here rather than taken from the engine.

fn base16(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn nix32(b: &[u8]) -> String {
    const CHARS: &[u8] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let len = (b.len() * 8 - 1) / 5 + 1;
    (0..len)
        .rev()
        .map(|n| {
            let (i, j) = (n * 5 / 8, n * 5 % 8);
            let lo = (b[i] as u32) >> j;
            let hi = if i + 1 < b.len() { (b[i + 1] as u32) << (8 - j) } else { 0 };
            CHARS[((lo | hi) & 0x1f) as usize] as char
        })
        .collect()
}

fn base64(b: &[u8]) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                s.push(CHARS[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

const ALGOS: &[(&str, usize)] = &[("md5", 16), ("sha1", 20), ("sha256", 32), ("sha512", 64)];

/// Every way `outputHash` may be written: (form label, hash text, whether outputHashAlgo is given).
fn hash_forms(algo: &str, bytes: &[u8], form: usize) -> (&'static str, String, bool) {
    match form {
        0 => ("base16", base16(bytes), true),
        1 => ("BASE16", base16(bytes).to_uppercase(), true),
        2 => ("nix32", nix32(bytes), true),
        3 => ("base64", base64(bytes), true),
        4 => ("sri", format!("{algo}-{}", base64(bytes)), false),
        5 => ("sri+algo", format!("{algo}-{}", base64(bytes)), true),
        6 => ("algo:base16", format!("{algo}:{}", base16(bytes)), true),
        7 => ("algo:nix32", format!("{algo}:{}", nix32(bytes)), false),
        8 => ("algo:base64", format!("{algo}:{}", base64(bytes)), true),
        _ => ("algo:nix32+algo", format!("{algo}:{}", nix32(bytes)), true),
    }
}
const HASH_FORMS: usize = 10;

// ------------------------------------------------------------------------------------------------
// Nix expression text.

/// A piece of a Nix string: literal text or an interpolated expression.
enum Piece {
    Lit(String),
    Expr(String),
}

/// A double-quoted Nix string. `raw` writes newlines and tabs as themselves and every `$` as
/// `\$`; otherwise newlines and tabs are escaped, and only a `$` that could start an
/// interpolation is. CR is always escaped (Nix's lexer turns a raw CR into LF).
fn nix_string(pieces: &[Piece], raw: bool) -> String {
    let mut s = String::from("\"");
    for p in pieces {
        match p {
            Piece::Expr(e) => {
                let _ = write!(s, "${{{e}}}");
            }
            Piece::Lit(t) => {
                let cs: Vec<char> = t.chars().collect();
                for (i, &c) in cs.iter().enumerate() {
                    match c {
                        '\\' => s.push_str("\\\\"),
                        '"' => s.push_str("\\\""),
                        '\r' => s.push_str("\\r"),
                        '\n' if !raw => s.push_str("\\n"),
                        '\t' if !raw => s.push_str("\\t"),
                        // `$` before `{`, and at the end of a literal (an interpolation may follow).
                        '$' if raw || matches!(cs.get(i + 1), Some('{') | None) => s.push_str("\\$"),
                        c => s.push(c),
                    }
                }
            }
        }
    }
    s.push('"');
    s
}

fn lit(t: &str) -> String {
    nix_string(&[Piece::Lit(t.to_string())], false)
}

fn attr_name(k: &str) -> String {
    let ident = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c));
    if ident {
        k.to_string()
    } else {
        lit(k)
    }
}

const WILD: &[&str] = &[
    "plain",
    " ",
    "\"",
    "\\",
    "\\n",
    "\n",
    "\t",
    "\r",
    "\r\n",
    "é",
    "☃",
    "日本語",
    "한국어",
    "🦀",
    "👩\u{200d}💻",
    "$",
    "$HOME",
    "${",
    "${x}",
    "$${y}",
    "\\${z}",
    "$\\",
    "''",
    "'",
    "''$",
    "}",
    "{",
    "\u{1b}",
    "\u{7f}",
    "\u{1}",
    "a=b;c",
    "(",
    ")",
    ",",
    "[",
    "]",
    "#",
    "/*",
    "*/",
    "\\\"",
    "0",
    "-",
    "/nix/store/",
    "%s",
    "\u{a0}",
    "Ω≈ç√",
];

fn wild(r: &mut Rng) -> String {
    let n = r.range(1, 6);
    (0..n).map(|_| *r.pick(WILD)).collect()
}

/// A store-path name: [A-Za-z0-9+-._?=], no leading dot.
fn store_name(r: &mut Rng) -> String {
    const SPECIAL: &[&str] = &["a.drv.x", "-", "=", "?", "1.0", "foo-1.2.3", "_", "+x", "x?y=z", "hello-2.12"];
    if r.chance(12) {
        return r.pick(SPECIAL).to_string();
    }
    const CH: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?=";
    let n = if r.chance(5) { r.range(60, 120) } else { r.range(1, 16) };
    let mut s: String = (0..n).map(|_| CH[r.below(CH.len())] as char).collect();
    if s.starts_with('.') {
        s.replace_range(0..1, "x");
    }
    // Nix refuses derivation names ending in .drv.
    if s.ends_with(".drv") {
        s.push('x');
    }
    s
}

/// A name usable in a path literal ([a-zA-Z0-9._+-], no leading dot).
fn path_name(r: &mut Rng) -> String {
    const CH: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._";
    let n = r.range(1, 12);
    let s: String = (0..n).map(|_| CH[r.below(CH.len())] as char).collect();
    format!("p{s}")
}

// ------------------------------------------------------------------------------------------------
// The generated graphs.

#[derive(Clone)]
enum Kind {
    Input,
    Fixed { mode: &'static str, algo: &'static str, form: &'static str },
    Floating,
}

struct Node {
    var: String,
    kind: Kind,
    /// Declared outputs; the first is the default.
    outputs: Vec<String>,
    attrs: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
enum Tree {
    File { exec: bool, contents: String },
    Link(String),
    Dir(BTreeMap<String, Tree>),
}

enum TextPart {
    Lit(String),
    Src(usize),
    DrvFile(usize),
}

enum SrcKind {
    ToFile {
        name: String,
        text: Vec<TextPart>,
    },
    /// builtins.path (recursive) with or without a name, or a path literal.
    Tree {
        name: Option<String>,
        literal: bool,
        rel: String,
        tree: Tree,
    },
    Flat {
        name: String,
        rel: String,
        contents: String,
    },
}

struct Src {
    var: String,
    kind: SrcKind,
}

struct Graph {
    template: &'static str,
    nodes: Vec<Node>,
    srcs: Vec<Src>,
}

struct Gen<'a> {
    r: &'a mut Rng,
    g: usize,
    nodes: Vec<Node>,
    srcs: Vec<Src>,
}

impl Gen<'_> {
    fn text_pieces(&mut self, refs: &[String]) -> Vec<Piece> {
        let mut p = vec![Piece::Lit(wild(self.r))];
        for e in refs {
            p.push(Piece::Expr(e.clone()));
            p.push(Piece::Lit(if self.r.chance(50) { wild(self.r) } else { String::new() }));
        }
        p
    }

    fn string_with(&mut self, refs: &[String]) -> String {
        let p = self.text_pieces(refs);
        let raw = self.r.chance(40);
        nix_string(&p, raw)
    }

    /// An expression that refers to earlier derivation `i`, in one of the ways Nix allows.
    fn dep_ref(&mut self, i: usize) -> (String, bool) {
        let n = &self.nodes[i];
        let o = self.r.pick(&n.outputs).clone();
        let v = n.var.clone();
        match self.r.below(100) {
            0..=29 => (v, false),
            30..=64 => (format!("{v}.{}", attr_name(&o)), false),
            65..=70 => (format!("{v}.outPath"), false),
            71..=76 => (format!("{v}.drvPath"), true),
            77..=81 => (format!("builtins.unsafeDiscardOutputDependency {v}.drvPath"), true),
            _ => (format!("{v}.{}.outPath", attr_name(&o)), false),
        }
    }

    fn src_ref(&mut self) -> Option<String> {
        if self.srcs.is_empty() {
            return None;
        }
        Some(self.srcs[self.r.below(self.srcs.len())].var.clone())
    }

    fn add_sources(&mut self, dir: &Path) {
        let count = if self.r.chance(45) { self.r.range(1, 4) } else { 0 };
        for _ in 0..count {
            let j = self.srcs.len();
            let var = format!("s{j}");
            let rel = format!("g{}/{}", self.g, path_name(self.r));
            let kind = match self.r.below(10) {
                0..=3 => {
                    let mut text = vec![TextPart::Lit(wild(self.r))];
                    if j > 0 && self.r.chance(50) {
                        for _ in 0..self.r.range(1, 2) {
                            text.push(TextPart::Src(self.r.below(j)));
                            text.push(TextPart::Lit(wild(self.r)));
                        }
                    }
                    SrcKind::ToFile { name: store_name(self.r), text }
                }
                4..=7 => {
                    let tree = if self.r.chance(30) {
                        Tree::File { exec: self.r.chance(40), contents: wild(self.r) }
                    } else {
                        random_dir(self.r, 0)
                    };
                    write_tree(&dir.join(&rel), &tree);
                    let literal = self.r.chance(30);
                    let name = if !literal && self.r.chance(60) { Some(store_name(self.r)) } else { None };
                    SrcKind::Tree { name, literal, rel, tree }
                }
                _ => {
                    let contents = wild(self.r);
                    write_tree(&dir.join(&rel), &Tree::File { exec: self.r.chance(30), contents: contents.clone() });
                    SrcKind::Flat { name: store_name(self.r), rel, contents }
                }
            };
            self.srcs.push(Src { var, kind });
        }
    }

    /// One derivation; `deps` are earlier nodes it must refer to.
    fn node(&mut self, kind: Kind, deps: &[usize], outputs: Vec<String>) -> usize {
        let r_name = store_name(self.r);
        self.node_named(r_name, kind, deps, outputs, |_| {})
    }

    fn node_named(
        &mut self,
        name: String,
        kind: Kind,
        deps: &[usize],
        outputs: Vec<String>,
        extra: impl FnOnce(&mut Vec<(String, String)>),
    ) -> usize {
        let i = self.nodes.len();
        let mut attrs: Vec<(String, String)> = vec![("name".into(), lit(&name))];
        let system = if self.r.chance(85) {
            "x86_64-linux".to_string()
        } else {
            // Nix writes the system unescaped: no quotes or backslashes.
            wild(self.r).replace(['"', '\\'], "_")
        };
        attrs.push(("system".into(), lit(&system)));
        let mut refs: Vec<String> = deps.iter().map(|&d| self.dep_ref(d).0).collect();
        if let Some(s) = self.src_ref().filter(|_| self.r.chance(60)) {
            refs.push(s);
        }
        // Builder: usually /bin/sh, sometimes wild, sometimes inside an input.
        let builder = match self.r.below(10) {
            0 => self.string_with(&[]),
            1 if !refs.is_empty() => {
                let e = refs[self.r.below(refs.len())].clone();
                nix_string(&[Piece::Expr(e), Piece::Lit("/bin/sh".into())], false)
            }
            _ => lit("/bin/sh"),
        };
        attrs.push(("builder".into(), builder));
        let mut args = Vec::new();
        for _ in 0..self.r.below(4) {
            args.push(self.string_with(&[]));
        }
        // Place every reference somewhere: an env string, an arg, a bare attribute, a list.
        let mut env: Vec<(String, String)> = Vec::new();
        let mut k = 0;
        let mut key = |r: &mut Rng| {
            k += 1;
            match r.below(10) {
                0..=5 => format!("k{k}"),
                6 => format!("K_{k}'-x"),
                7 => format!("{k} {}", wild(r)),
                8 => format!("k{k}é☃\"${{q}}"),
                _ => format!("__k{k}"),
            }
        };
        for e in &refs {
            match self.r.below(10) {
                0..=4 => {
                    let v = self.string_with(std::slice::from_ref(e));
                    env.push((key(self.r), v))
                }
                5..=6 => args.push(nix_string(&[Piece::Expr(e.clone())], false)),
                7..=8 => env.push((key(self.r), format!("({e})"))),
                _ => env.push((key(self.r), format!("[ ({e}) {} 7 ]", lit(&wild(self.r))))),
            }
        }
        let env_count = match self.r.below(10) {
            0 => self.r.range(20, 30),
            1..=3 => self.r.range(5, 12),
            _ => self.r.below(5),
        };
        for _ in 0..env_count {
            let v = match self.r.below(20) {
                0 => format!("{}", self.r.below(100000) as i64 - 500),
                1 => "true".into(),
                2 => "false".into(),
                3 => "null".into(),
                4 => "1.5".into(),
                5 => format!("[ {} {} [ true null ] ]", lit(&wild(self.r)), self.r.below(9)),
                _ => self.string_with(&[]),
            };
            env.push((key(self.r), v));
        }
        if self.r.chance(3) {
            env.push((String::new(), lit("empty key")));
        }
        if self.r.chance(5) {
            env.push(("__ignoreNulls".into(), "true".into()));
        }
        if !args.is_empty() || self.r.chance(20) {
            attrs.push(("args".into(), format!("[ {} ]", args.join(" "))));
        }
        let declare_outputs = outputs.len() > 1 || outputs[0] != "out" || self.r.chance(15);
        if declare_outputs {
            let list: Vec<String> = outputs.iter().map(|o| lit(o)).collect();
            attrs.push(("outputs".into(), format!("[ {} ]", list.join(" "))));
        }
        if let Kind::Fixed { mode, .. } = &kind {
            if !mode.is_empty() {
                attrs.push(("outputHashMode".into(), lit(mode)));
            }
        }
        extra(&mut attrs);
        attrs.extend(env);
        self.nodes.push(Node { var: format!("n{i}"), kind, outputs, attrs });
        i
    }

    fn outputs(&mut self) -> Vec<String> {
        const POOL: &[&str] = &["out", "dev", "lib", "bin", "man", "doc", "static", "x-1", "o.2", "A_b", "debug"];
        if self.r.chance(55) {
            return vec!["out".into()];
        }
        let n = self.r.range(2, 6);
        let mut v: Vec<String> = Vec::new();
        while v.len() < n {
            let o = self.r.pick(POOL).to_string();
            if !v.contains(&o) {
                v.push(o);
            }
        }
        v
    }

    fn fixed(&mut self, deps: &[usize], spec: Option<FixedSpec>) -> usize {
        let spec = spec.unwrap_or_else(|| FixedSpec::random(self.r));
        let (form, hash_text, with_algo) = hash_forms(spec.algo, &spec.bytes, spec.form);
        let url = format!("https://example.org/{}/{}", self.r.next_u64(), wild(self.r));
        let algo = spec.algo;
        let kind = Kind::Fixed { mode: spec.mode, algo, form };
        self.node_named(spec.name, kind, deps, vec!["out".into()], move |attrs| {
            attrs.push(("outputHash".into(), lit(&hash_text)));
            if with_algo {
                attrs.push(("outputHashAlgo".into(), lit(algo)));
            }
            attrs.push(("url".into(), lit(&url)));
        })
    }

    fn floating(&mut self, deps: &[usize]) -> usize {
        let outputs = self.outputs();
        let (mode, algo) = if outputs.len() == 1 && self.r.chance(15) {
            ("flat", *self.r.pick(&["sha1", "sha256", "sha512"]))
        } else {
            ("recursive", if self.r.chance(80) { "sha256" } else { *self.r.pick(&["sha1", "sha512"]) })
        };
        let name = store_name(self.r);
        self.node_named(name, Kind::Floating, deps, outputs, move |attrs| {
            attrs.push(("__contentAddressed".into(), "true".into()));
            attrs.push(("outputHashMode".into(), lit(mode)));
            attrs.push(("outputHashAlgo".into(), lit(algo)));
        })
    }

    fn input(&mut self, deps: &[usize]) -> usize {
        let o = self.outputs();
        self.node(Kind::Input, deps, o)
    }

    fn any(&mut self, deps: &[usize]) -> usize {
        match self.r.below(100) {
            0..=54 => self.input(deps),
            55..=79 => self.fixed(deps, None),
            _ => self.floating(deps),
        }
    }
}

#[derive(Clone)]
struct FixedSpec {
    name: String,
    algo: &'static str,
    bytes: Vec<u8>,
    form: usize,
    /// "" when outputHashMode is left out (flat).
    mode: &'static str,
}

impl FixedSpec {
    fn random(r: &mut Rng) -> FixedSpec {
        let (algo, size) = *r.pick(ALGOS);
        FixedSpec {
            name: store_name(r),
            algo,
            bytes: r.bytes(size),
            form: r.below(HASH_FORMS),
            mode: ["flat", "", "recursive", "recursive"][r.below(4)],
        }
    }
}

fn random_dir(r: &mut Rng, depth: usize) -> Tree {
    const NAMES: &[&str] = &["a", "b.txt", "é", "☃ snow", "日本", "🦀", "x y", "-", "..a", ".hidden", "Z", "bin"];
    let mut entries = BTreeMap::new();
    for _ in 0..r.below(5) {
        let name = format!("{}{}", r.pick(NAMES), if r.chance(50) { r.below(10).to_string() } else { String::new() });
        let t = match r.below(10) {
            0..=4 => Tree::File { exec: r.chance(30), contents: if r.chance(10) { String::new() } else { wild(r) } },
            5..=6 => Tree::Link(wild(r).replace('\0', "")),
            _ if depth < 3 => random_dir(r, depth + 1),
            _ => Tree::Dir(BTreeMap::new()),
        };
        entries.insert(name, t);
    }
    Tree::Dir(entries)
}

fn write_tree(path: &Path, t: &Tree) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    match t {
        Tree::File { exec, contents } => {
            std::fs::write(path, contents).unwrap();
            let mode = if *exec { 0o755 } else { 0o644 };
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        Tree::Link(target) => std::os::unix::fs::symlink(target, path).unwrap(),
        Tree::Dir(entries) => {
            std::fs::create_dir_all(path).unwrap();
            for (n, c) in entries {
                write_tree(&path.join(n), c);
            }
        }
    }
}

fn to_file_tree(t: &Tree) -> drvlab_engine::nar::FileTree {
    use drvlab_engine::nar::FileTree;
    match t {
        Tree::File { exec, contents } => FileTree::Regular { executable: *exec, contents: contents.clone() },
        Tree::Link(target) => FileTree::Symlink { target: target.clone() },
        Tree::Dir(e) => FileTree::Directory { entries: e.iter().map(|(k, v)| (k.clone(), to_file_tree(v))).collect() },
    }
}

/// A random graph from one of the templates.
fn random_graph(r: &mut Rng, g: usize, dir: &Path) -> Graph {
    let mut x = Gen { r, g, nodes: Vec::new(), srcs: Vec::new() };
    x.add_sources(dir);
    let template = match x.r.below(100) {
        0..=44 => {
            // A random DAG: mostly a chain (each node on its predecessor) plus extra edges.
            let n = x.r.range(1, 7);
            for i in 0..n {
                let mut deps = BTreeSet::new();
                if i > 0 && x.r.chance(75) {
                    deps.insert(i - 1);
                }
                for _ in 0..if i > 0 { x.r.below(3) } else { 0 } {
                    deps.insert(x.r.below(i));
                }
                let deps: Vec<usize> = deps.into_iter().collect();
                x.any(&deps);
            }
            "dag"
        }
        45..=59 => {
            // A diamond, top to bottom of mixed kinds, maybe on a chain.
            let mut base = vec![];
            for _ in 0..x.r.below(3) {
                let d = base.clone();
                base = vec![x.any(&d)];
            }
            let top = x.any(&base);
            let left = x.any(&[top]);
            let right = x.any(&[top]);
            let bottom = x.any(&[left, right]);
            if x.r.chance(50) {
                x.any(&[bottom, top]);
            }
            "diamond"
        }
        60..=69 => {
            // Two fixed-output derivations with equal hashes modulo used by one dependent.
            let (f1, f2) = colliding_pair(&mut x);
            let mut deps = vec![f1, f2];
            if x.r.chance(40) {
                deps.push(x.any(&[]));
            }
            let d = x.input(&deps);
            if x.r.chance(40) {
                x.any(&[d]);
            }
            "collide-fod"
        }
        70..=79 => {
            // Two input-addressed derivations that differ only in colliding fixed inputs, used
            // through different outputs by one dependent: Nix 2.8 merges their outputs.
            let (f1, f2) = colliding_pair(&mut x);
            let outputs: Vec<String> = ["out", "dev", "doc"].iter().map(|s| s.to_string()).collect();
            let name = store_name(x.r);
            let script = lit(&wild(x.r));
            let a1 = {
                let (n, s) = (name.clone(), script.clone());
                let f = x.nodes[f1].var.clone();
                x.node_named_plain(n, outputs.clone(), move |a| a.push(("src".into(), format!("\"${{{f}}}\" + {s}"))))
            };
            let a2 = {
                let f = x.nodes[f2].var.clone();
                x.node_named_plain(name, outputs, move |a| a.push(("src".into(), format!("\"${{{f}}}\" + {script}"))))
            };
            let (v1, v2) = (x.nodes[a1].var.clone(), x.nodes[a2].var.clone());
            let pairs: &[(&str, &str)] =
                &[("out", "dev"), ("dev", "out"), ("out", "out"), ("doc", "dev"), ("dev", "doc"), ("out", "doc")];
            let (o1, o2) = *x.r.pick(pairs);
            let both = format!("\"${{{v1}.{o1}}} ${{{v2}.{o2}}}\"");
            let more = if x.r.chance(30) { format!(" + \"${{{}}}\"", x.nodes[f1].var) } else { String::new() };
            let n = store_name(x.r);
            x.node_named(n, Kind::Input, &[], vec!["out".into()], move |a| {
                a.push(("both".into(), format!("{both}{more}")))
            });
            "collide-ia"
        }
        _ => {
            // Content-addressed chains and their deferred dependents, with fixed outputs between.
            let c0 = x.floating(&[]);
            let c1 = if x.r.chance(60) { x.floating(&[c0]) } else { c0 };
            let d2 = x.input(&[c1]);
            let d3 = x.input(&[d2]);
            let f4 = x.fixed(&[d3], None);
            let i5 = x.input(&[f4]);
            if x.r.chance(50) {
                x.floating(&[i5, d2]);
            }
            "content-addressed"
        }
    };
    if x.r.chance(25) {
        // A toFile whose text names a .drv file (unsafeDiscardOutputDependency drv.drvPath: a
        // plain reference; a derivation output would be refused), used by one more derivation.
        let n = x.r.below(x.nodes.len());
        let mut text = vec![TextPart::Lit(wild(x.r)), TextPart::DrvFile(n), TextPart::Lit(wild(x.r))];
        if !x.srcs.is_empty() && x.r.chance(50) {
            text.push(TextPart::Src(x.r.below(x.srcs.len())));
        }
        let var = format!("s{}", x.srcs.len());
        x.srcs.push(Src { var: var.clone(), kind: SrcKind::ToFile { name: store_name(x.r), text } });
        let name = store_name(x.r);
        x.node_named(name, Kind::Input, &[], vec!["out".into()], move |a| {
            a.push(("t".into(), format!("\"${{{var}}}\"")))
        });
    }
    let Gen { nodes, srcs, .. } = x;
    Graph { template, nodes, srcs }
}

impl Gen<'_> {
    /// An input-addressed derivation with fixed attributes only (no random env), for collisions.
    fn node_named_plain(
        &mut self,
        name: String,
        outputs: Vec<String>,
        extra: impl FnOnce(&mut Vec<(String, String)>),
    ) -> usize {
        let i = self.nodes.len();
        let list: Vec<String> = outputs.iter().map(|o| lit(o)).collect();
        let mut attrs = vec![
            ("name".to_string(), lit(&name)),
            ("system".to_string(), lit("x86_64-linux")),
            ("builder".to_string(), lit("/bin/sh")),
            ("outputs".to_string(), format!("[ {} ]", list.join(" "))),
        ];
        extra(&mut attrs);
        self.nodes.push(Node { var: format!("n{i}"), kind: Kind::Input, outputs, attrs });
        i
    }
}

/// Two fixed-output derivations with the same name, hash, mode and algorithm (so the same output
/// path and hash modulo) but different builders, arguments and URLs (so different .drv paths).
fn colliding_pair(x: &mut Gen) -> (usize, usize) {
    let spec = FixedSpec::random(x.r);
    let f1 = x.fixed(&[], Some(spec.clone()));
    let f2 = x.fixed(&[], Some(spec));
    (f1, f2)
}

impl Graph {
    fn to_nix(&self) -> String {
        let mut s = format!("# template {}\nlet\n", self.template);
        for src in &self.srcs {
            let e = match &src.kind {
                SrcKind::ToFile { name, text } => {
                    let pieces: Vec<Piece> = text
                        .iter()
                        .map(|p| match p {
                            TextPart::Lit(t) => Piece::Lit(t.clone()),
                            TextPart::Src(j) => Piece::Expr(self.srcs[*j].var.clone()),
                            TextPart::DrvFile(n) => Piece::Expr(format!(
                                "builtins.unsafeDiscardOutputDependency {}.drvPath",
                                self.nodes[*n].var
                            )),
                        })
                        .collect();
                    format!("builtins.toFile {} {}", lit(name), nix_string(&pieces, false))
                }
                SrcKind::Tree { literal: true, rel, .. } => format!("./{rel}"),
                SrcKind::Tree { name: Some(n), rel, .. } => {
                    format!("builtins.path {{ path = ./{rel}; name = {}; }}", lit(n))
                }
                SrcKind::Tree { name: None, rel, .. } => format!("builtins.path {{ path = ./{rel}; }}"),
                SrcKind::Flat { name, rel, .. } => {
                    format!("builtins.path {{ path = ./{rel}; name = {}; recursive = false; }}", lit(name))
                }
            };
            let _ = writeln!(s, "  {} = {e};", src.var);
        }
        for n in &self.nodes {
            let _ = writeln!(s, "  {} = derivation {{", n.var);
            for (k, v) in &n.attrs {
                let _ = writeln!(s, "    {} = {v};", attr_name(k));
            }
            s.push_str("  };\n");
        }
        let drvs: Vec<&str> = self.nodes.iter().map(|n| n.var.as_str()).collect();
        let srcs: Vec<String> = self.srcs.iter().map(|x| format!("\"${{{}}}\"", x.var)).collect();
        let _ = writeln!(s, "in {{ drvs = [ {} ]; srcs = [ {} ]; }}", drvs.join(" "), srcs.join(" "));
        s
    }
}

// ------------------------------------------------------------------------------------------------
// Running Nix and the engine.

const NIX_FEATURES: &str = "nix-command ca-derivations";

/// Runs a Nix command; stdout, or the command and its stderr (without the harmless warnings).
fn run_nix(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(["--extra-experimental-features", NIX_FEATURES])
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        return String::from_utf8(out.stdout).map_err(|e| format!("{program}: output is not UTF-8: {e}"));
    }
    let err: Vec<String> =
        String::from_utf8_lossy(&out.stderr).lines().filter(|l| !l.starts_with("warning:")).map(String::from).collect();
    Err(format!("{program} {}:\n{}", args.join(" "), err.join("\n")))
}

/// `nix-instantiate` of a file or expression: the .drv paths, one per derivation, in order.
fn instantiate(args: &[&str]) -> Result<Vec<String>, String> {
    let out = run_nix("nix-instantiate", args)?;
    // A derivation whose first output is not `out` is printed as `<drv>!<output>`.
    Ok(out.lines().map(|l| l.split('!').next().unwrap_or(l).to_string()).collect())
}

fn drvlab_paths(dir: &Path, file_name: &str, doc: &Value) -> Result<Map<String, Value>, String> {
    let file = dir.join(file_name);
    std::fs::write(&file, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_drvlab"))
        .args(["paths", "--aterm"])
        .arg(&file)
        .output()
        .map_err(|e| format!("drvlab: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "drvlab paths {} exited with {}: {}",
            file.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    match serde_json::from_slice(&out.stdout) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) | Err(_) => Err(format!("drvlab paths printed no JSON object: {}", String::from_utf8_lossy(&out.stdout))),
    }
}

/// The blanked form: labels for keys (and in inputDrvs), no output paths, own outputs' env
/// values emptied where the output has a path to compute. A floating output's placeholder stays:
/// it is not computed from the graph, and Nix never fills an empty one in.
fn blank(doc: &Map<String, Value>, labels: &BTreeMap<String, String>) -> Value {
    let mut out = Map::new();
    for (key, entry) in doc {
        let mut e = entry.clone();
        let names: Vec<String> = e["outputs"].as_object().unwrap().keys().cloned().collect();
        for o in &names {
            if e["outputs"][o.as_str()].as_object_mut().unwrap().remove("path").is_none() {
                continue;
            }
            if let Some(v) = e["env"].get_mut(o.as_str()) {
                *v = Value::String(String::new());
            }
        }
        let inputs: Map<String, Value> = e["inputDrvs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (labels.get(k).cloned().unwrap_or_else(|| k.clone()), v.clone()))
            .collect();
        e["inputDrvs"] = Value::Object(inputs);
        out.insert(labels[key].clone(), e);
    }
    Value::Object(out)
}

struct Mismatch {
    graph: Option<usize>,
    key: String,
    check: &'static str,
    field: String,
    expected: String,
    got: String,
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    }
}

/// Where two texts first differ, with some context from each.
fn first_difference(a: &str, b: &str) -> (String, String) {
    let i = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let cut = |s: &str| {
        let mut lo = i.saturating_sub(40);
        while !s.is_char_boundary(lo) {
            lo -= 1;
        }
        let mut hi = (i + 60).min(s.len());
        while !s.is_char_boundary(hi) {
            hi += 1;
        }
        format!("byte {i} of {}: …{:?}…", s.len(), &s[lo..hi])
    };
    (cut(a), cut(b))
}

/// Compares the engine's answer for one derivation with Nix's.
#[allow(clippy::too_many_arguments)]
fn compare(
    out: &mut Vec<Mismatch>,
    check: &'static str,
    graph: Option<usize>,
    drv: &str,
    nix_entry: &Value,
    drv_bytes: &[u8],
    mine: Option<&Value>,
) {
    let mut push = |field: String, expected: String, got: String| {
        out.push(Mismatch { graph, key: drv.to_string(), check, field, expected, got })
    };
    let Some(mine) = mine else {
        push("entry".into(), "present".into(), "missing from drvlab's answer".into());
        return;
    };
    if mine["drvPath"].as_str() != Some(drv) {
        push("drvPath".into(), format!("{drv:?}"), show(mine.get("drvPath")));
    }
    let theirs = nix_entry["outputs"].as_object().unwrap();
    let ours = mine["outputs"].as_object().cloned().unwrap_or_default();
    let (tn, on): (BTreeSet<&String>, BTreeSet<&String>) = (theirs.keys().collect(), ours.keys().collect());
    if tn != on {
        push("outputs (names)".into(), format!("{tn:?}"), format!("{on:?}"));
    }
    for (o, v) in theirs {
        let expected = v.get("path").cloned().unwrap_or(Value::Null);
        let got = ours.get(o).cloned();
        if got.as_ref() != Some(&expected) {
            push(format!("outputs.{o}"), show(Some(&expected)), show(got.as_ref()));
        }
    }
    let file = String::from_utf8_lossy(drv_bytes);
    match mine["aterm"].as_str() {
        Some(a) if a == file => {}
        Some(a) => {
            let (e, g) = first_difference(&file, a);
            push("aterm".into(), e, g);
        }
        None => push("aterm".into(), "the .drv file's bytes".into(), show(mine.get("aterm"))),
    }
}

#[derive(Default)]
struct Counts {
    derivations_generated: usize,
    input_addressed: usize,
    multi_output: usize,
    fixed_by_mode: BTreeMap<String, usize>,
    fixed_by_algo: BTreeMap<&'static str, usize>,
    fixed_by_form: BTreeMap<&'static str, usize>,
    floating: usize,
    templates: BTreeMap<&'static str, usize>,
    sources: BTreeMap<&'static str, usize>,
    // From Nix's JSON (the closure, deduplicated).
    closure: usize,
    deferred: usize,
    floating_in_closure: usize,
    fixed_in_closure: usize,
    colliding_fixed_inputs: usize,
    drv_path_inputs: usize,
    input_srcs: usize,
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("drvlab-differential-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok()?.to_string().parse().ok(),
        None => v.parse().ok(),
    }
}

#[test]
fn random_graphs_match_real_nix() {
    if !require_nix() {
        return;
    }
    let started = std::time::Instant::now();
    let seed: u64 = env_number("DRVLAB_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let graph_count: usize = env_number("DRVLAB_DIFF_GRAPHS").unwrap_or(DEFAULT_GRAPHS);
    println!("differential: seed {seed:#x} ({seed}), {graph_count} graphs");
    let dir = tempdir();
    let dir_s = dir.to_str().unwrap().to_string();
    let mut r = Rng(seed);
    let graphs: Vec<Graph> = (0..graph_count).map(|g| random_graph(&mut r, g, &dir)).collect();
    let texts: Vec<String> = graphs.iter().map(Graph::to_nix).collect();
    let mut all = String::from("[\n");
    for (g, t) in texts.iter().enumerate() {
        std::fs::write(dir.join(format!("g{g}.nix")), t).unwrap();
        let _ = writeln!(all, "  (import ./g{g}.nix)");
    }
    all.push_str("]\n");
    std::fs::write(dir.join("graphs.nix"), all).unwrap();
    std::fs::write(dir.join("drvs.nix"), "builtins.concatLists (map (g: g.drvs) (import ./graphs.nix))\n").unwrap();
    std::fs::write(dir.join("srcs.nix"), "map (g: g.srcs) (import ./graphs.nix)\n").unwrap();
    let fail = |what: String| -> ! {
        panic!("{what}\n(seed {seed:#x}; DRVLAB_DIFF_SEED={seed} reproduces it; files kept in {dir_s})")
    };

    // 1. Instantiate everything at once; if Nix refuses, find the graph it refuses.
    let drv_lines = match instantiate(&[dir.join("drvs.nix").to_str().unwrap()]) {
        Ok(l) => l,
        Err(e) => {
            for (g, t) in texts.iter().enumerate() {
                let expr = format!("(import {dir_s}/g{g}.nix).drvs");
                if let Err(e) = instantiate(&["--expr", &expr]) {
                    fail(format!("Nix refused generated graph {g}:\n{e}\n--- g{g}.nix ---\n{t}"));
                }
            }
            fail(format!("nix-instantiate failed on the whole batch:\n{e}"));
        }
    };
    let total_nodes: usize = graphs.iter().map(|g| g.nodes.len()).sum();
    if drv_lines.len() != total_nodes {
        fail(format!("nix-instantiate printed {} lines for {total_nodes} derivations", drv_lines.len()));
    }
    let mut tops: Vec<Vec<String>> = Vec::new();
    let mut it = drv_lines.iter();
    for g in &graphs {
        tops.push(it.by_ref().take(g.nodes.len()).cloned().collect());
    }
    let src_paths: Vec<Vec<String>> =
        run_nix("nix-instantiate", &["--eval", "--strict", "--json", &format!("{dir_s}/srcs.nix")])
            .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
            .unwrap_or_else(|e| fail(format!("evaluating the sources failed: {e}")));

    // 2. Nix's view of every closure.
    let unique: BTreeSet<&str> = drv_lines.iter().map(String::as_str).collect();
    let mut args = vec!["show-derivation", "-r"];
    args.extend(unique.iter().copied());
    let shown = run_nix("nix", &args).unwrap_or_else(|e| fail(e));
    let nix_doc: Map<String, Value> = match serde_json::from_str(&shown) {
        Ok(Value::Object(m)) => m,
        _ => fail("nix show-derivation printed no JSON object".into()),
    };
    std::fs::write(dir.join("nix.json"), &shown).unwrap();
    let bytes: BTreeMap<String, Vec<u8>> =
        nix_doc.keys().map(|k| (k.clone(), std::fs::read(k).unwrap_or_else(|e| fail(format!("{k}: {e}"))))).collect();
    let closures: Vec<BTreeSet<String>> = tops
        .iter()
        .map(|t| {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<String> = t.clone();
            while let Some(p) = stack.pop() {
                if seen.insert(p.clone()) {
                    stack.extend(nix_doc[&p]["inputDrvs"].as_object().unwrap().keys().cloned());
                }
            }
            seen
        })
        .collect();
    let mut graph_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (g, c) in closures.iter().enumerate() {
        for p in c {
            graph_of.entry(p.as_str()).or_insert(g);
        }
    }
    let labels: BTreeMap<String, String> =
        nix_doc.keys().enumerate().map(|(i, k)| (k.clone(), format!("d{i}"))).collect();

    // 3. The engine on the JSON as printed and on the blanked form; per graph if it refuses the
    //    whole document.
    let mut mismatches: Vec<Mismatch> = Vec::new();
    let blanked = blank(&nix_doc, &labels);
    for (check, doc, keyed) in
        [("paths (as printed)", Value::Object(nix_doc.clone()), false), ("paths (blanked)", blanked, true)]
    {
        let key_of = |p: &str| if keyed { labels[p].clone() } else { p.to_string() };
        let file = if keyed { "blanked.json" } else { "printed.json" };
        match drvlab_paths(&dir, file, &doc) {
            Ok(res) => {
                for (p, e) in &nix_doc {
                    compare(
                        &mut mismatches,
                        check,
                        graph_of.get(p.as_str()).copied(),
                        p,
                        e,
                        &bytes[p],
                        res.get(&key_of(p)),
                    );
                }
            }
            Err(whole) => {
                println!("differential: {check}: the engine refused the whole document ({whole}); per graph:");
                for (g, c) in closures.iter().enumerate() {
                    let sub: Map<String, Value> =
                        c.iter().map(|p| (key_of(p), doc[key_of(p).as_str()].clone())).collect();
                    match drvlab_paths(&dir, &format!("g{g}-{file}"), &Value::Object(sub)) {
                        Ok(res) => {
                            for p in c {
                                compare(
                                    &mut mismatches,
                                    check,
                                    Some(g),
                                    p,
                                    &nix_doc[p],
                                    &bytes[p],
                                    res.get(&key_of(p)),
                                );
                            }
                        }
                        Err(e) => mismatches.push(Mismatch {
                            graph: Some(g),
                            key: tops[g].join(" "),
                            check,
                            field: "exit status".into(),
                            expected: "0".into(),
                            got: e,
                        }),
                    }
                }
            }
        }
    }

    // 4. `drvlab drv` over each graph's closure: every file name matches, every output verified.
    for (g, c) in closures.iter().enumerate() {
        let out = Command::new(env!("CARGO_BIN_EXE_drvlab")).arg("drv").args(c).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let verified = stdout.lines().filter(|l| l.contains(": outputs verified (")).count();
        let matches = stdout.lines().filter(|l| l.ends_with("(matches its file name)")).count();
        if !out.status.success() || verified != c.len() || matches != c.len() {
            mismatches.push(Mismatch {
                graph: Some(g),
                key: tops[g].join(" "),
                check: "drv",
                field: "exit status, names matched, outputs verified".into(),
                expected: format!("0, {n}, {n}", n = c.len()),
                got: format!(
                    "{}, {matches}, {verified}\n{}{}",
                    out.status,
                    stdout
                        .lines()
                        .filter(|l| l.contains("DIFFERS") || l.contains("not verified"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    String::from_utf8_lossy(&out.stderr)
                ),
            });
        }
    }

    // 5. Sources: the library's text, NAR and flat paths equal the store paths Nix made.
    let mut counts = Counts::default();
    for (g, graph) in graphs.iter().enumerate() {
        for (j, src) in graph.srcs.iter().enumerate() {
            let nix_path = &src_paths[g][j];
            let mut trace = drvlab_engine::trace::Trace::off();
            let (label, mine) = match &src.kind {
                SrcKind::ToFile { name, text } => {
                    let mut contents = String::new();
                    let mut refs = BTreeSet::new();
                    for p in text {
                        match p {
                            TextPart::Lit(t) => contents.push_str(t),
                            TextPart::Src(i) => {
                                contents.push_str(&src_paths[g][*i]);
                                refs.insert(src_paths[g][*i].clone());
                            }
                            TextPart::DrvFile(n) => {
                                contents.push_str(&tops[g][*n]);
                                refs.insert(tops[g][*n].clone());
                            }
                        }
                    }
                    let refs: Vec<String> = refs.into_iter().collect();
                    let label = if text.iter().any(|p| matches!(p, TextPart::DrvFile(_))) {
                        "toFile referring to a .drv"
                    } else if refs.is_empty() {
                        "toFile"
                    } else {
                        "toFile referring to sources"
                    };
                    (
                        label,
                        drvlab_engine::store_path::text_path(
                            "/nix/store",
                            name,
                            contents.as_bytes(),
                            &refs,
                            &mut trace,
                        ),
                    )
                }
                SrcKind::Tree { name, literal, rel, tree } => {
                    let base = rel.rsplit('/').next().unwrap().to_string();
                    let name = name.clone().unwrap_or(base);
                    let nar = to_file_tree(tree).to_nar().unwrap();
                    let label = match (literal, tree) {
                        (true, Tree::Dir(_)) => "path literal (directory)",
                        (true, _) => "path literal (file)",
                        (false, Tree::Dir(_)) => "builtins.path (directory)",
                        (false, _) => "builtins.path (file)",
                    };
                    (label, drvlab_engine::store_path::source_path("/nix/store", &name, &nar, &[], &mut trace))
                }
                SrcKind::Flat { name, contents, .. } => {
                    let h = drvlab_engine::hash::Hash::sha256(contents.as_bytes());
                    let mode = drvlab_engine::store_path::FixedMode::Flat;
                    (
                        "builtins.path (flat)",
                        drvlab_engine::store_path::fixed_output_path("/nix/store", name, mode, &h, &mut trace),
                    )
                }
            };
            *counts.sources.entry(label).or_default() += 1;
            if &mine != nix_path {
                mismatches.push(Mismatch {
                    graph: Some(g),
                    key: src.var.clone(),
                    check: "source",
                    field: label.into(),
                    expected: nix_path.clone(),
                    got: mine,
                });
            }
        }
    }

    // 6. What was covered.
    for g in &graphs {
        *counts.templates.entry(g.template).or_default() += 1;
        for n in &g.nodes {
            counts.derivations_generated += 1;
            counts.multi_output += (n.outputs.len() > 1) as usize;
            match &n.kind {
                Kind::Input => counts.input_addressed += 1,
                Kind::Fixed { mode, algo, form } => {
                    let m = if mode.is_empty() { "flat (mode omitted)" } else { mode };
                    *counts.fixed_by_mode.entry(m.to_string()).or_default() += 1;
                    *counts.fixed_by_algo.entry(algo).or_default() += 1;
                    *counts.fixed_by_form.entry(form).or_default() += 1;
                }
                Kind::Floating => counts.floating += 1,
            }
        }
    }
    for e in nix_doc.values() {
        counts.closure += 1;
        let outs = e["outputs"].as_object().unwrap();
        if outs.values().any(|o| o.get("hash").is_some()) {
            counts.fixed_in_closure += 1;
        } else if outs.values().any(|o| o.get("hashAlgo").is_some()) {
            counts.floating_in_closure += 1;
        } else if outs.values().all(|o| o.get("path").is_none()) {
            counts.deferred += 1;
        }
        let srcs = e["inputSrcs"].as_array().unwrap();
        counts.input_srcs += srcs.len();
        counts.drv_path_inputs += srcs.iter().filter(|s| s.as_str().unwrap().ends_with(".drv")).count();
        let mut fixed_paths = BTreeMap::new();
        for i in e["inputDrvs"].as_object().unwrap().keys() {
            let o = &nix_doc[i]["outputs"]["out"];
            if o.get("hash").is_some() {
                *fixed_paths.entry(o["path"].as_str().unwrap().to_string()).or_insert(0) += 1;
            }
        }
        counts.colliding_fixed_inputs += fixed_paths.values().any(|&n| n > 1) as usize;
    }
    fn depth(p: &str, doc: &Map<String, Value>, memo: &mut BTreeMap<String, usize>) -> usize {
        if let Some(&d) = memo.get(p) {
            return d;
        }
        let d = 1 + doc[p]["inputDrvs"].as_object().unwrap().keys().map(|i| depth(i, doc, memo)).max().unwrap_or(0);
        memo.insert(p.to_string(), d);
        d
    }
    let mut memo = BTreeMap::new();
    let mut depths: BTreeMap<usize, usize> = BTreeMap::new();
    for t in &tops {
        let d = t.iter().map(|p| depth(p, &nix_doc, &mut memo)).max().unwrap_or(0);
        *depths.entry(d).or_default() += 1;
    }
    let elapsed = started.elapsed();
    println!(
        "differential: {} graphs {:?}; {} derivations generated ({} input-addressed, {} multi-output, {} floating CA), \
         {} distinct in Nix's closures ({} fixed-output, {} floating CA, {} deferred; {} with two fixed inputs \
         of one output path; {} input sources, {} of them .drv files)",
        graphs.len(),
        counts.templates,
        counts.derivations_generated,
        counts.input_addressed,
        counts.multi_output,
        counts.floating,
        counts.closure,
        counts.fixed_in_closure,
        counts.floating_in_closure,
        counts.deferred,
        counts.colliding_fixed_inputs,
        counts.input_srcs,
        counts.drv_path_inputs,
    );
    println!(
        "differential: fixed-output by mode {:?}, by algo {:?}, by outputHash form {:?}",
        counts.fixed_by_mode, counts.fixed_by_algo, counts.fixed_by_form
    );
    println!("differential: graphs by depth {depths:?}; sources checked {:?}", counts.sources);
    println!(
        "differential: {} mismatches; checks: drvlab paths as printed + blanked ({} derivations each), \
         drvlab drv on {} closures, {} sources; {:.1}s (seed {seed:#x})",
        mismatches.len(),
        counts.closure,
        closures.len(),
        counts.sources.values().sum::<usize>(),
        elapsed.as_secs_f64()
    );

    if !mismatches.is_empty() {
        let mut msg = format!("{} mismatches against real Nix:\n", mismatches.len());
        for m in mismatches.iter().take(25) {
            let g = m.graph.map(|g| format!("graph {g} ({})", graphs[g].template)).unwrap_or_default();
            let label = labels.get(&m.key).map(|l| format!(" [{l}]")).unwrap_or_default();
            let _ = writeln!(
                msg,
                "- {} {g} {}{label}\n  field:    {}\n  expected: {}\n  got:      {}",
                m.check, m.key, m.field, m.expected, m.got
            );
        }
        let failing: BTreeSet<usize> = mismatches.iter().filter_map(|m| m.graph).collect();
        let _ = writeln!(msg, "failing graphs: {failing:?}");
        for &g in failing.iter().take(3) {
            let _ = writeln!(msg, "--- g{g}.nix ---\n{}", texts[g]);
        }
        let report: String = mismatches
            .iter()
            .map(|m| {
                format!(
                    "{} {:?} {} {}\n  expected {}\n  got      {}\n",
                    m.check, m.graph, m.key, m.field, m.expected, m.got
                )
            })
            .collect();
        std::fs::write(dir.join("mismatches.txt"), report).ok();
        fail(msg);
    }
    std::fs::remove_dir_all(&dir).ok();
}
