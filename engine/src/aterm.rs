//! The ATerm text of `.drv` files: print and parse, byte-identical to what Nix writes.
//!
//! Mirrors `Derivation::unparse` and `parseDerivation` in Nix's `libstore/derivations.cc`.
//! Quoted strings escape only `"` `\` newline, carriage return and tab; every other byte is raw.
//! Output names, store paths, output lists and the system are printed unescaped
//! (`printUnquotedString`), as real Nix 2.8 writes them (found by the differential tests).
//! Maps are sorted by raw bytes, which is how `std::map<std::string>` orders them.
//!
//! The parser accepts exactly what Nix writes: a `.drv` it reads prints back to the same bytes,
//! and anything else (a stray escape, unsorted keys) is an error that says where.

use crate::derivation::{Derivation, DynNode, Output};
use crate::store_path;
pub use crate::trace::{Part, Span};
use std::collections::{BTreeMap, BTreeSet};

/// The five bytes `printString` escapes.
fn is_special(b: u8) -> bool {
    matches!(b, b'"' | b'\\' | b'\n' | b'\r' | b'\t')
}

/// Whether any byte needs an escape: 16 bytes at a time with no early exit inside a block, so
/// the compiler can check each block in a few vector instructions (most strings have none).
fn needs_escape(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        if block.iter().fold(false, |found, &b| found | is_special(b)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| is_special(b))
}

/// Appends a quoted, escaped string (`printString`).
fn quoted(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if !needs_escape(bytes) {
        return unquoted(out, s);
    }
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends a quoted string without escaping (`printUnquotedString`).
fn unquoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

fn list<T>(out: &mut Vec<u8>, items: impl IntoIterator<Item = T>, mut each: impl FnMut(&mut Vec<u8>, T)) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// Records the span of whatever `write` appends, when recording.
fn spanned(
    out: &mut Vec<u8>,
    spans: &mut Option<&mut Vec<Span>>,
    part: impl FnOnce() -> Part,
    write: impl FnOnce(&mut Vec<u8>),
) {
    let start = out.len();
    write(out);
    if let Some(s) = spans {
        s.push(Span { start, end: out.len(), part: part() });
    }
}

/// Writes the ATerm of `drv`.
///
/// `input_drvs` is what goes in the second field: the real `.drv` paths for the file itself, or
/// the inputs' hashes modulo when computing `hashDerivationModulo`. With `mask_outputs`, output
/// paths and the env entries named after outputs print as `""`, as Nix hashes them before the
/// paths exist.
pub fn write_aterm(
    out: &mut Vec<u8>,
    drv: &Derivation,
    mask_outputs: bool,
    input_drvs: &BTreeMap<String, BTreeSet<String>>,
) {
    write_aterm_spans(out, drv, mask_outputs, input_drvs, None)
}

/// [`write_aterm`], also recording in `spans` which part of the derivation wrote each string
/// (for the page's "how?"; the hashing paths pass `None` and record nothing).
pub fn write_aterm_spans(
    out: &mut Vec<u8>,
    drv: &Derivation,
    mask_outputs: bool,
    input_drvs: &BTreeMap<String, BTreeSet<String>>,
    spans: Option<&mut Vec<Span>>,
) {
    let mut inputs = input_drvs.iter().map(|(k, v)| (k.as_str(), v));
    write_aterm_with(out, drv, mask_outputs, InputsText::List(&mut inputs), spans);
}

/// What the second field of an ATerm holds.
pub(crate) enum InputsText<'a, 'b> {
    /// Each input (its `.drv` path or its hash modulo) and its outputs, in byte order.
    List(&'b mut dyn Iterator<Item = (&'a str, &'a BTreeSet<String>)>),
    /// The same, already written by [`write_input_list`] (copied, not written again).
    Written(&'b [u8]),
}

/// [`write_aterm_spans`] with the inputs given as a list or already written; returns where
/// the inputs stand in `out`, so a caller can hash the same ATerm with other inputs spliced in.
pub(crate) fn write_aterm_with(
    out: &mut Vec<u8>,
    drv: &Derivation,
    mask_outputs: bool,
    inputs: InputsText,
    mut spans: Option<&mut Vec<Span>>,
) -> std::ops::Range<usize> {
    let sp = &mut spans;
    if drv.dynamic_outputs.is_empty() {
        out.extend_from_slice(b"Derive(");
    } else {
        out.extend_from_slice(b"DrvWithVersion(\"xp-dyn-drv\",");
    }
    out.push(b'[');
    for (i, (name, o)) in drv.outputs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'(');
        spanned(out, sp, || Part::OutputName(name.clone()), |out| unquoted(out, name));
        out.push(b',');
        let path = if mask_outputs { "" } else { &o.path };
        let part = || Part::OutputPath { output: name.clone(), blank: mask_outputs };
        spanned(out, sp, part, |out| unquoted(out, path));
        out.push(b',');
        spanned(out, sp, || Part::OutputHashAlgo(name.clone()), |out| unquoted(out, &o.hash_algo));
        out.push(b',');
        spanned(out, sp, || Part::OutputHash(name.clone()), |out| unquoted(out, &o.hash));
        out.push(b')');
    }
    out.extend_from_slice(b"],[");
    let start = out.len();
    match inputs {
        InputsText::List(list) => write_inputs(out, sp, &drv.dynamic_outputs, list),
        InputsText::Written(bytes) => out.extend_from_slice(bytes),
    }
    let inputs_at = start..out.len();
    out.extend_from_slice(b"],[");
    for (i, s) in drv.input_srcs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        spanned(out, sp, || Part::InputSrc(s.clone()), |out| unquoted(out, s));
    }
    out.extend_from_slice(b"],");
    // Nix prints the platform with printUnquotedString: no escapes (a `"` in it makes a .drv
    // that Nix itself cannot read back).
    spanned(out, sp, || Part::System, |out| unquoted(out, &drv.system));
    out.push(b',');
    spanned(out, sp, || Part::Builder, |out| quoted(out, &drv.builder));
    out.extend_from_slice(b",[");
    for (i, a) in drv.args.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        spanned(out, sp, || Part::Arg(i), |out| quoted(out, a));
    }
    out.extend_from_slice(b"],[");
    write_env(out, sp, drv, mask_outputs);
    out.extend_from_slice(b"])");
    inputs_at
}

fn write_env(out: &mut Vec<u8>, sp: &mut Option<&mut Vec<Span>>, drv: &Derivation, mask_outputs: bool) {
    for (i, (k, v)) in drv.env.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'(');
        spanned(out, sp, || Part::EnvName(k.clone()), |out| quoted(out, k));
        out.push(b',');
        let blank = mask_outputs && drv.outputs.contains_key(k);
        let part = || Part::EnvValue { name: k.clone(), blank };
        spanned(out, sp, part, |out| quoted(out, if blank { "" } else { v }));
        out.push(b')');
    }
}

/// The inputs as the ATerm lists them, without the surrounding brackets: what
/// [`InputsText::Written`] takes.
pub(crate) fn write_input_list<'a>(
    out: &mut Vec<u8>,
    dynamic_outputs: &BTreeMap<String, BTreeMap<String, DynNode>>,
    inputs: &mut dyn Iterator<Item = (&'a str, &'a BTreeSet<String>)>,
) {
    write_inputs(out, &mut None, dynamic_outputs, inputs)
}

/// The input derivations: `(path,[outputs])`, or for an input with dynamic outputs
/// `(path,([outputs],[(output,node),…]))` (`unparse` of a `DerivedPathMap`).
fn write_inputs<'a>(
    out: &mut Vec<u8>,
    sp: &mut Option<&mut Vec<Span>>,
    dynamic: &BTreeMap<String, BTreeMap<String, DynNode>>,
    inputs: &mut dyn Iterator<Item = (&'a str, &'a BTreeSet<String>)>,
) {
    let none = BTreeMap::new();
    for (i, (path, outputs)) in inputs.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'(');
        spanned(out, sp, || Part::Input(path.to_string()), |out| unquoted(out, path));
        out.push(b',');
        let children = dynamic.get(path).unwrap_or(&none);
        spanned(out, sp, || Part::InputOutputs(path.to_string()), |out| write_node(out, outputs, children));
        out.push(b')');
    }
}

fn write_node(out: &mut Vec<u8>, outputs: &BTreeSet<String>, children: &BTreeMap<String, DynNode>) {
    if children.is_empty() {
        return list(out, outputs, |out, o| unquoted(out, o));
    }
    out.push(b'(');
    list(out, outputs, |out, o| unquoted(out, o));
    out.push(b',');
    list(out, children, |out, (k, child)| {
        out.push(b'(');
        unquoted(out, k);
        out.push(b',');
        write_node(out, &child.outputs, &child.children);
        out.push(b')');
    });
    out.push(b')');
}

impl Derivation {
    /// The bytes of this derivation's `.drv` file (input keys printed as they are).
    pub fn to_aterm_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024);
        write_aterm(&mut out, self, false, &self.input_drvs);
        out
    }

    pub fn to_aterm_string(&self) -> String {
        // Every field is a Rust string, so the output is UTF-8.
        String::from_utf8(self.to_aterm_bytes()).unwrap_or_default()
    }
}

/// Where and why a `.drv` text failed to parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, at: usize, message: impl Into<String>) -> ParseError {
        let at = at.min(self.s.len());
        let before = &self.s[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        ParseError { offset: at, line, column, message: message.into() }
    }

    fn describe_here(&self) -> String {
        match self.s.get(self.pos) {
            None => "the end of the text".to_string(),
            Some(_) => {
                let rest = String::from_utf8_lossy(&self.s[self.pos..(self.pos + 12).min(self.s.len())]).to_string();
                format!("{rest:?}")
            }
        }
    }

    fn expect(&mut self, lit: &str) -> Result<(), ParseError> {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(self.error(self.pos, format!("expected {lit:?}, found {}", self.describe_here())))
        }
    }

    fn peek(&self, b: u8) -> bool {
        self.s.get(self.pos) == Some(&b)
    }

    /// A quoted string, read as Nix's `parseString` reads every string of a `.drv`: `\n`,
    /// `\r`, `\t` are control characters, any other escaped character stands for itself.
    fn string(&mut self, what: &str) -> Result<String, ParseError> {
        let start = self.pos;
        if !self.peek(b'"') {
            return Err(
                self.error(self.pos, format!("expected a quoted string for {what}, found {}", self.describe_here()))
            );
        }
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            let Some(&b) = self.s.get(self.pos) else {
                return Err(self.error(start, format!("string for {what} is not closed")));
            };
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(&c) = self.s.get(self.pos) else {
                        return Err(self.error(start, format!("string for {what} is not closed")));
                    };
                    self.pos += 1;
                    bytes.push(match c {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                }
                _ => bytes.push(b),
            }
        }
        String::from_utf8(bytes)
            .map_err(|e| self.error(start + 1 + e.utf8_error().valid_up_to(), format!("{what} is not valid UTF-8")))
    }

    /// A store path (`parsePath`, then `parseStorePath`): absolute, with a hash part and a name.
    fn path(&mut self, what: &str) -> Result<String, ParseError> {
        let at = self.pos;
        let p = self.string(what)?;
        store_path::check_store_path(&p).map_err(|e| self.error(at, format!("{what} {p:?}: {e}")))?;
        Ok(p)
    }

    fn list<T>(
        &mut self,
        what: &str,
        mut item: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        if !self.peek(b'[') {
            return Err(self.error(self.pos, format!("expected '[' to open {what}, found {}", self.describe_here())));
        }
        self.pos += 1;
        let mut items = Vec::new();
        if self.peek(b']') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => {
                    return Err(
                        self.error(self.pos, format!("expected ',' or ']' in {what}, found {}", self.describe_here()))
                    )
                }
            }
        }
    }

    fn strings(&mut self, what: &str) -> Result<BTreeSet<String>, ParseError> {
        Ok(crate::collect::set(self.list(what, |p| p.string(what))?))
    }

    /// An input's outputs: `[…]`, or in `xp-dyn-drv` `([…],[(output,node),…])`.
    fn node(&mut self, dynamic: bool) -> Result<DynNode, ParseError> {
        if !(dynamic && self.peek(b'(')) {
            return Ok(DynNode { outputs: self.strings("an input's outputs")?, children: BTreeMap::new() });
        }
        self.expect("(")?;
        let outputs = self.strings("an input's outputs")?;
        self.expect(",")?;
        let children = self.list("an input's dynamic outputs", |p| {
            p.expect("(")?;
            let k = p.string("an output name")?;
            p.expect(",")?;
            let child = p.node(true)?;
            p.expect(")")?;
            Ok((k, child))
        })?;
        self.expect(")")?;
        Ok(DynNode { outputs, children: children.into_iter().collect() })
    }

    fn outputs(&mut self) -> Result<BTreeMap<String, Output>, ParseError> {
        let items = self.list("the outputs", |p| {
            p.expect("(")?;
            let name = p.string("an output name")?;
            p.expect(",")?;
            let at = p.pos;
            let path = p.string("an output path")?;
            if !path.is_empty() {
                store_path::check_store_path(&path)
                    .map_err(|e| p.error(at, format!("output {name:?} path {path:?}: {e}")))?;
            }
            p.expect(",")?;
            let hash_algo = p.string("an output hash algorithm")?;
            p.expect(",")?;
            let hash = p.string("an output hash")?;
            p.expect(")")?;
            Ok((name, Output { path, hash_algo, hash }))
        })?;
        // `drv.outputs.emplace`: the first of two outputs with one name stays.
        let mut outputs = BTreeMap::new();
        for (k, v) in items {
            outputs.entry(k).or_insert(v);
        }
        Ok(outputs)
    }

    fn inputs(&mut self, dynamic: bool) -> Result<(InputDrvs, DynOutputs), ParseError> {
        let items = self.list("the input derivations", |p| {
            p.expect("(")?;
            let path = p.path("an input derivation")?;
            p.expect(",")?;
            let node = p.node(dynamic)?;
            p.expect(")")?;
            Ok((path, node))
        })?;
        let (mut drvs, mut dynamic_outputs) = (BTreeMap::new(), BTreeMap::new());
        // `insert_or_assign`: the last of two entries for one input stays.
        for (path, node) in items {
            drvs.insert(path.clone(), node.outputs);
            if node.children.is_empty() {
                dynamic_outputs.remove(&path);
            } else {
                dynamic_outputs.insert(path, node.children);
            }
        }
        Ok((drvs, dynamic_outputs))
    }
}

type InputDrvs = BTreeMap<String, BTreeSet<String>>;
type DynOutputs = BTreeMap<String, BTreeMap<String, DynNode>>;

/// Parses the text of a `.drv` file as Nix's `parseDerivation` does: `Derive(…)`, or
/// `DrvWithVersion("xp-dyn-drv",…)` with dynamic derivation inputs. `name` is the derivation's
/// name (from its path); it is not part of the ATerm.
///
/// Like Nix, the parser takes maps and sets in any order (and, as Nix's `std::map` does, keeps
/// the first of two outputs with one name and the last of two env entries or inputs); printing
/// is always sorted, so a `.drv` Nix wrote prints back to the same bytes.
pub fn parse_aterm(text: &[u8], name: &str) -> Result<Derivation, ParseError> {
    let mut p = Parser { s: text, pos: 0 };
    let dynamic = text.starts_with(b"DrvWithVersion(");
    if dynamic {
        p.expect("DrvWithVersion(")?;
        let at = p.pos;
        let version = p.string("the derivation version")?;
        if version != "xp-dyn-drv" {
            return Err(p.error(at, format!("unknown derivation version {version:?}; Nix knows \"xp-dyn-drv\"")));
        }
        p.expect(",")?;
    } else {
        p.expect("Derive(")?;
    }
    let outputs = p.outputs()?;
    p.expect(",")?;
    let (input_drvs, dynamic_outputs) = p.inputs(dynamic)?;
    p.expect(",")?;
    let input_srcs = crate::collect::set(p.list("the input sources", |p| p.path("an input source"))?);
    p.expect(",")?;
    let system = p.string("system")?;
    p.expect(",")?;
    let builder = p.string("builder")?;
    p.expect(",")?;
    let args = p.list("args", |p| p.string("an argument"))?;
    p.expect(",")?;
    let env_items = p.list("env", |p| {
        p.expect("(")?;
        let k = p.string("an env name")?;
        p.expect(",")?;
        let v = p.string("an env value")?;
        p.expect(")")?;
        Ok((k, v))
    })?;
    // `drv.env[name] = value`: the last of two entries with one name stays.
    let env: BTreeMap<String, String> = env_items.into_iter().collect();
    p.expect(")")?;
    if p.pos != text.len() {
        return Err(p.error(p.pos, format!("unexpected text after the derivation: {}", p.describe_here())));
    }
    let name = name.to_string();
    Ok(Derivation { name, outputs, input_drvs, input_srcs, system, builder, args, env, dynamic_outputs })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes of a `.drv` written by real Nix 2.8 (`nix-instantiate`), a CA derivation's dependent.
    const NIX_DEP: &str = r#"Derive([("doc","","",""),("out","","","")],[("/nix/store/nm6lx84h57jlgnpb4p7l1rsibl3viggc-ca.drv",["lib","out"])],[],"x86_64-linux","/bin/sh",["-c","echo /12cs578vp8dll5i39gh6pn57l6001qhas88zavyw6mw1namxkp3k /1zqzcxfaf6pdd51gm8z6ihvzy98xq5dz8wz513v620lkzci4jzdg"],[("builder","/bin/sh"),("doc",""),("name","dep"),("out",""),("outputs","out doc"),("system","x86_64-linux")])"#;

    #[test]
    fn nix_bytes_round_trip() {
        let drv = parse_aterm(NIX_DEP.as_bytes(), "dep").unwrap();
        assert_eq!(drv.outputs.len(), 2);
        assert_eq!(drv.input_drvs.values().next().unwrap().len(), 2);
        assert_eq!(drv.to_aterm_bytes(), NIX_DEP.as_bytes());
    }

    #[test]
    fn escapes_only_five_characters() {
        let drv = Derivation { name: "x".into(), builder: "a\"b\\c\nd\re\tf\u{1}g ü".into(), ..Default::default() };
        let s = drv.to_aterm_string();
        assert!(s.contains(r#""a\"b\\c\nd\re\tf"#), "{s}");
        assert!(s.contains("\u{1}g ü"));
        assert_eq!(parse_aterm(s.as_bytes(), "x").unwrap(), drv);
    }

    /// Every string of the ATerm is attributed to exactly one part, in order; masked output
    /// paths and output env values are the blank ones, and the spans change no byte.
    #[test]
    fn spans_attribute_every_string() {
        let mut drv = parse_aterm(NIX_DEP.as_bytes(), "dep").unwrap();
        drv.args.push("a\"b".into());
        let mut plain = Vec::new();
        write_aterm(&mut plain, &drv, true, &drv.input_drvs);
        let mut out = Vec::new();
        let mut spans = Vec::new();
        write_aterm_spans(&mut out, &drv, true, &drv.input_drvs, Some(&mut spans));
        assert_eq!(out, plain);
        let text = String::from_utf8(out).unwrap();
        let quoted_strings = (text.matches('"').count() - 1) / 2; // less the escaped quote in the new arg
        let strings: usize = spans.iter().map(|s| text[s.start..s.end].matches("\",\"").count() + 1).sum();
        assert_eq!(strings, quoted_strings, "{spans:?}");
        assert!(spans.windows(2).all(|w| w[0].end < w[1].start));
        let at = |p: &Part| spans.iter().find(|s| &s.part == p).map(|s| &text[s.start..s.end]).unwrap();
        assert_eq!(at(&Part::Arg(2)), "\"a\\\"b\"");
        assert_eq!(at(&Part::System), "\"x86_64-linux\"");
        assert_eq!(at(&Part::OutputPath { output: "doc".into(), blank: true }), "\"\"");
        assert_eq!(at(&Part::EnvValue { name: "out".into(), blank: true }), "\"\"");
        assert_eq!(at(&Part::EnvValue { name: "name".into(), blank: false }), "\"dep\"");
        assert_eq!(
            at(&Part::InputOutputs("/nix/store/nm6lx84h57jlgnpb4p7l1rsibl3viggc-ca.drv".into())),
            "[\"lib\",\"out\"]"
        );
    }

    fn err(text: &str) -> String {
        parse_aterm(text.as_bytes(), "x").unwrap_err().to_string()
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(err("Derive("), "line 1, column 8: expected '[' to open the outputs, found the end of the text");
        assert!(err(r#"Derive([],[],[],"s","b",[],[])x"#).contains("unexpected text after the derivation"));
        assert!(err(r#"Derive([],[],[],"s"#).contains("string for system is not closed"));
        assert!(err(r#"Derive([],[],["a"],"s","b",[],[])"#).contains("an input source \"a\": is not an absolute path"));
        assert!(err(r#"Derive([],[],["/nix/store/short"],"s","b",[],[])"#).contains("is too short"));
        assert!(err(r#"DrvWithVersion("v9",[],[],[],"s","b",[],[])"#).contains("unknown derivation version \"v9\""));
        // The tuple form of an input's outputs belongs to xp-dyn-drv only.
        assert!(err(
            r#"Derive([],[("/nix/store/00000000000000000000000000000000-a.drv",(["out"],[]))],[],"s","b",[],[])"#
        )
        .contains("expected '[' to open an input's outputs"));
    }

    /// What Nix's `parseDerivation` accepts, verified by adding such files to a Nix 2.8 store
    /// (`nix-store --add`, which parses them): any order, any escape, raw control characters;
    /// the first of two outputs with one name stays, the last env entry stays.
    #[test]
    fn parses_what_nix_parses() {
        let text = "Derive([(\"out\",\"\",\"\",\"\"),(\"dev\",\"\",\"\",\"\"),(\"dev\",\"/nix/store/00000000000000000000000000000000-x\",\"\",\"\")],[(\"/nix/store/10000000000000000000000000000000-b.drv\",[\"out\"]),(\"/nix/store/00000000000000000000000000000000-a.drv\",[\"b\",\"a\"])],[],\"s\",\"/bin/s\\h\",[\"a\\qb\",\"l\nm\"],[(\"z\",\"1\"),(\"a\",\"2\"),(\"z\",\"3\")])";
        let d = parse_aterm(text.as_bytes(), "x").unwrap();
        assert_eq!(d.builder, "/bin/sh");
        assert_eq!(d.args, ["aqb", "l\nm"]);
        assert_eq!(d.env["z"], "3");
        assert_eq!(d.outputs["dev"].path, "");
        assert_eq!(d.input_drvs.keys().next().unwrap(), "/nix/store/00000000000000000000000000000000-a.drv");
        let printed = d.to_aterm_string();
        assert!(printed.starts_with("Derive([(\"dev\",\"\",\"\",\"\"),(\"out\""), "{printed}");
        assert!(printed.ends_with("[(\"a\",\"2\"),(\"z\",\"3\")])"), "{printed}");
    }

    fn arb_string() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-z\"\\\\\n\r\t é☃\u{1}]{0,8}").unwrap()
    }

    fn store(name: &str) -> String {
        format!("/nix/store/{}-{}", "0".repeat(32), name.replace('/', "_"))
    }

    fn arb_name() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-z0-9/.+-]{1,8}").unwrap()
    }

    prop_compose! {
        fn arb_drv()(
            outputs in proptest::collection::btree_map(arb_name(), ("(/nix/store/[0-9a-d]{32}-[a-z]{1,4})?", "(r:)?(sha256|md5)?", "[0-9a-f]{0,4}"), 0..4),
            input_drvs in proptest::collection::btree_map(arb_name(), proptest::collection::btree_set(arb_name(), 0..3), 0..3),
            input_srcs in proptest::collection::btree_set(arb_name(), 0..3),
            // Nix prints the system unescaped, so one with `"` or `\` cannot be read back.
            system in proptest::string::string_regex("[a-z\n\r\t é☃\u{1}]{0,8}").unwrap(), builder in arb_string(),
            args in proptest::collection::vec(arb_string(), 0..4),
            env in proptest::collection::btree_map(arb_string(), arb_string(), 0..5),
        ) -> Derivation {
            let outputs = outputs.into_iter().map(|(k, (path, hash_algo, hash))| (k, Output { path, hash_algo, hash })).collect();
            let input_drvs = input_drvs.into_iter().map(|(k, v)| (store(&k), v)).collect();
            let input_srcs = input_srcs.iter().map(|s| store(s)).collect();
            Derivation { name: "x".into(), outputs, input_drvs, input_srcs, system, builder, args, env, dynamic_outputs: BTreeMap::new() }
        }
    }

    proptest! {
        #[test]
        fn print_then_parse_round_trips(drv in arb_drv()) {
            let bytes = drv.to_aterm_bytes();
            let back = parse_aterm(&bytes, "x").unwrap();
            prop_assert_eq!(&back, &drv);
            prop_assert_eq!(back.to_aterm_bytes(), bytes);
        }

        #[test]
        fn mutated_text_never_panics_and_what_parses_prints_back(drv in arb_drv(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut: bool) {
            let mut bytes = drv.to_aterm_bytes();
            let i = at.index(bytes.len());
            if cut { bytes.truncate(i) } else { bytes[i] = byte }
            // What parses prints in Nix's own form, and that form reads back to the same.
            if let Ok(d) = parse_aterm(&bytes, "x") {
                let printed = d.to_aterm_bytes();
                prop_assert_eq!(parse_aterm(&printed, "x").unwrap(), d);
            }
        }
    }
}
