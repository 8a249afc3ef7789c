//! The link's JSON, written and read by hand, so that neither serde's generated
//! (de)serialisers nor serde_json's reader and writer reach the embed's bundle (their code was
//! ~80 KB of wasm, a fifth of the embed).
//!
//! The text is the one serde_json writes for [`Shared`] (compact for links, pretty for state
//! files), byte for byte, and reading accepts what serde's derived readers accept for it, with
//! their defaults (a missing `#[serde(default)]` field; `null` for an absent option), unknown
//! fields ignored and a field given twice refused. The tests in `share.rs` check both against
//! serde_json on every scenario and on generated states. One difference: a float that needs 17
//! digits may end in another last digit than serde_json's (both are read by serde_json's own
//! number reader, as before). Not read: a struct written as a JSON
//! array (serde's sequence form; serde_json never writes it).

use super::{ShareError, Shared};
use crate::lab::eval::{DrvSpec, FixedSpec, SourceSpec, SpecGraph};
use crate::lab::json::{parse, value_of, J};
use crate::lab::nix_choice::NixChoice;
use drvlab_engine::graph::InputMerge;
use drvlab_engine::hash::HashAlgo;
use drvlab_engine::nar::{FileKind, TreeFile};
use drvlab_engine::store_path::FixedMode;
use serde_json::{Number, Value};

// ------------------------------------------------------------------------------------ writing

/// The JSON of a state: compact (what a link deflates), or pretty (a state file), as
/// `serde_json::to_vec` / `to_string_pretty` print it.
pub fn to_json(s: &Shared, pretty: bool) -> String {
    let mut w = W { out: String::new(), pretty, indent: 0, first: true };
    w.open('{');
    w.key("v");
    w.out.push_str(&s.v.to_string());
    w.key("specs");
    w.open('{');
    for (k, spec) in &s.specs {
        w.key(k);
        w.spec(spec);
    }
    w.close('}');
    w.key("selected");
    w.string(&s.selected);
    w.key("scenario");
    w.opt_string(s.scenario.as_deref());
    w.key("merge");
    w.string(merge_name(s.merge));
    if s.nix != NixChoice::Strictest {
        w.key("nix");
        w.string(nix_name(s.nix));
    }
    if let Some(code) = &s.code {
        w.key("code");
        w.string(code);
    }
    w.close('}');
    w.out
}

struct W {
    out: String,
    pretty: bool,
    indent: usize,
    /// No element written yet in the innermost array or object.
    first: bool,
}

impl W {
    fn open(&mut self, c: char) {
        self.out.push(c);
        self.indent += 1;
        self.first = true;
    }

    fn close(&mut self, c: char) {
        self.indent -= 1;
        if !self.first && self.pretty {
            self.newline();
        }
        self.out.push(c);
        self.first = false;
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    /// Before each element of an array or object.
    fn item(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        if self.pretty {
            self.newline();
        }
        self.first = false;
    }

    fn key(&mut self, k: &str) {
        self.item();
        self.string(k);
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\u{8}' => self.out.push_str("\\b"),
                '\u{c}' => self.out.push_str("\\f"),
                c if (c as u32) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.push_str("\\u00");
                    self.out.push(HEX[(c as usize) >> 4] as char);
                    self.out.push(HEX[(c as usize) & 15] as char);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.out.push_str("null"),
        }
    }

    fn bool(&mut self, b: bool) {
        self.out.push_str(if b { "true" } else { "false" });
    }

    fn strings(&mut self, items: &[String]) {
        self.open('[');
        for x in items {
            self.item();
            self.string(x);
        }
        self.close(']');
    }

    fn spec(&mut self, s: &DrvSpec) {
        self.open('{');
        self.key("name");
        self.string(&s.name);
        self.key("system");
        self.string(&s.system);
        self.key("builder");
        self.string(&s.builder);
        self.key("args");
        self.strings(&s.args);
        self.key("env");
        self.open('[');
        for (k, v) in &s.env {
            self.item();
            self.open('[');
            self.item();
            self.string(k);
            self.item();
            self.string(v);
            self.close(']');
        }
        self.close(']');
        self.key("outputs");
        self.strings(&s.outputs);
        self.key("fixed");
        match &s.fixed {
            None => self.out.push_str("null"),
            Some(f) => {
                self.open('{');
                self.key("mode");
                self.string(mode_name(f.mode));
                self.key("algo");
                self.opt_string(f.algo.map(HashAlgo::name));
                self.key("hash");
                self.string(&f.hash);
                if f.omit_mode {
                    self.key("omit_mode");
                    self.bool(true);
                }
                if f.empty_algo {
                    self.key("empty_algo");
                    self.bool(true);
                }
                self.close('}');
            }
        }
        self.key("content_addressed");
        self.bool(s.content_addressed);
        self.key("sources");
        self.open('[');
        for src in &s.sources {
            self.item();
            self.source(src);
        }
        self.close(']');
        if !s.store_srcs.is_empty() {
            self.key("store_srcs");
            self.strings(&s.store_srcs);
        }
        if s.structured_attrs {
            self.key("structured_attrs");
            self.bool(true);
        }
        if !s.typed_env.is_empty() {
            self.key("typed_env");
            self.open('[');
            for (k, v) in &s.typed_env {
                self.item();
                self.open('[');
                self.item();
                self.string(k);
                self.item();
                self.value(v);
                self.close(']');
            }
            self.close(']');
        }
        if s.impure {
            self.key("impure");
            self.bool(true);
        }
        self.close('}');
    }

    fn source(&mut self, s: &SourceSpec) {
        self.open('{');
        self.key("attr");
        self.string(&s.attr);
        self.key("name");
        self.string(&s.name);
        self.key("contents");
        self.string(&s.contents);
        if let Some(tree) = &s.tree {
            self.key("tree");
            self.open('[');
            for f in tree {
                self.item();
                self.open('{');
                self.key("path");
                self.string(&f.path);
                if f.kind != FileKind::Regular {
                    self.key("kind");
                    self.string(kind_name(f.kind));
                }
                self.key("contents");
                self.string(&f.contents);
                self.close('}');
            }
            self.close(']');
        }
        self.close('}');
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.bool(*b),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.open('[');
                for x in items {
                    self.item();
                    self.value(x);
                }
                self.close(']');
            }
            Value::Object(m) => {
                self.open('{');
                for (k, x) in m {
                    self.key(k);
                    self.value(x);
                }
                self.close('}');
            }
        }
    }

    fn number(&mut self, n: &Number) {
        if let Some(u) = n.as_u64() {
            self.out.push_str(&u.to_string());
        } else if let Some(i) = n.as_i64() {
            self.out.push_str(&i.to_string());
        } else if let Some(f) = n.as_f64() {
            float(&mut self.out, f);
        }
    }
}

/// A finite `f64` as serde_json prints it (the shortest digits that read back, laid out as its
/// float writer does: `1.0`, `0.001`, `1e+16`, `1.5e-7`).
fn float(out: &mut String, f: f64) {
    let sci = format!("{:e}", f.abs()); // "1.5e-7": the shortest digits
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len() as i32;
    let kk = exp.parse::<i32>().unwrap_or(0) + 1; // where the decimal point goes
    let k = kk - n;
    if f.is_sign_negative() {
        out.push('-');
    }
    if (0..=16).contains(&kk) && k >= 0 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', k as usize));
        out.push_str(".0");
    } else if 0 < kk && kk <= 16 {
        out.push_str(&digits[..kk as usize]);
        out.push('.');
        out.push_str(&digits[kk as usize..]);
    } else if -5 < kk && kk <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-kk) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        if kk > 0 {
            out.push('+');
        }
        out.push_str(&(kk - 1).to_string());
    }
}

fn merge_name(m: InputMerge) -> &'static str {
    match m {
        InputMerge::Merge => "merge",
        InputMerge::Overwrite => "overwrite",
    }
}

/// serde's kebab-case of the variant names (`Nix2_8` → `nix2-8`), not [`NixChoice::id`].
fn nix_name(n: NixChoice) -> &'static str {
    match n {
        NixChoice::Strictest => "strictest",
        NixChoice::Nix2_8 => "nix2-8",
        NixChoice::Nix2_21 => "nix2-21",
        NixChoice::Nix2_35_0 => "nix2-35-0",
    }
}

fn mode_name(m: FixedMode) -> &'static str {
    match m {
        FixedMode::Flat => "flat",
        FixedMode::Recursive => "recursive",
        FixedMode::Text => "text",
    }
}

fn kind_name(k: FileKind) -> &'static str {
    match k {
        FileKind::Regular => "regular",
        FileKind::Executable => "executable",
        FileKind::Symlink => "symlink",
    }
}

// ------------------------------------------------------------------------------------ reading

/// A state from its JSON: the version first (a newer link says so, whatever else it holds),
/// then every field.
pub fn from_json(text: &[u8]) -> Result<Shared, ShareError> {
    let j = parse(text).map_err(ShareError::Json)?;
    let fields = Obj::of(&j, "struct Shared").map_err(ShareError::Json)?;
    let v = match fields.get("v").map_err(ShareError::Json)? {
        Some(v) => u32_of(v).map_err(ShareError::Json)?,
        None => return Err(ShareError::Json("missing field `v`".into())),
    };
    if v != 1 {
        return Err(ShareError::Version(v));
    }
    shared(&fields, v).map_err(ShareError::Json)
}

impl J {
    /// How serde words the value in "invalid type: …".
    fn kind(&self) -> String {
        match self {
            J::Null => "null".into(),
            J::Bool(b) => format!("boolean `{b}`"),
            J::Num(n) if n.is_f64() => format!("floating point `{n}`"),
            J::Num(n) => format!("integer `{n}`"),
            J::Str(s) => format!("string {s:?}"),
            J::Arr(_) => "a sequence".into(),
            J::Obj(_) => "a map".into(),
        }
    }
}

fn invalid(j: &J, expected: &str) -> String {
    format!("invalid type: {}, expected {expected}", j.kind())
}

/// An object's fields, looked up by name.
struct Obj<'a> {
    fields: &'a [(String, J)],
}

impl<'a> Obj<'a> {
    fn of(j: &'a J, expected: &str) -> Result<Obj<'a>, String> {
        match j {
            J::Obj(fields) => Ok(Obj { fields }),
            other => Err(invalid(other, expected)),
        }
    }

    fn get(&self, name: &str) -> Result<Option<&'a J>, String> {
        let mut found = self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = found.next();
        if found.next().is_some() {
            return Err(format!("duplicate field `{name}`"));
        }
        Ok(first)
    }

    fn need(&self, name: &str) -> Result<&'a J, String> {
        self.get(name)?.ok_or_else(|| format!("missing field `{name}`"))
    }

    fn string(&self, name: &str) -> Result<String, String> {
        string_of(self.need(name)?)
    }

    /// A `#[serde(default)]` field: absent is `T::default()`.
    fn or_default<T: Default>(&self, name: &str, read: fn(&J) -> Result<T, String>) -> Result<T, String> {
        self.get(name)?.map_or_else(|| Ok(T::default()), read)
    }

    /// An `Option` field: absent or `null` is `None`.
    fn option<T>(&self, name: &str, read: fn(&J) -> Result<T, String>) -> Result<Option<T>, String> {
        match self.get(name)? {
            None | Some(J::Null) => Ok(None),
            Some(j) => read(j).map(Some),
        }
    }
}

fn string_of(j: &J) -> Result<String, String> {
    match j {
        J::Str(s) => Ok(s.clone()),
        other => Err(invalid(other, "a string")),
    }
}

fn bool_of(j: &J) -> Result<bool, String> {
    match j {
        J::Bool(b) => Ok(*b),
        other => Err(invalid(other, "a boolean")),
    }
}

fn u32_of(j: &J) -> Result<u32, String> {
    match j {
        J::Num(n) if n.is_u64() || n.is_i64() => match n.as_u64().and_then(|u| u32::try_from(u).ok()) {
            Some(u) => Ok(u),
            None => Err(format!("invalid value: integer `{n}`, expected u32")),
        },
        other => Err(invalid(other, "u32")),
    }
}

fn array_of<'a>(j: &'a J, expected: &str) -> Result<&'a [J], String> {
    match j {
        J::Arr(items) => Ok(items),
        other => Err(invalid(other, expected)),
    }
}

fn strings_of(j: &J) -> Result<Vec<String>, String> {
    array_of(j, "a sequence")?.iter().map(string_of).collect()
}

/// A `(A, B)` tuple: an array of exactly two.
fn pair_of(j: &J) -> Result<(&J, &J), String> {
    match array_of(j, "a tuple of size 2")? {
        [a, b] => Ok((a, b)),
        items => Err(format!("invalid length {}, expected a tuple of size 2", items.len())),
    }
}

fn string_pairs_of(j: &J) -> Result<Vec<(String, String)>, String> {
    array_of(j, "a sequence")?
        .iter()
        .map(|x| {
            let (a, b) = pair_of(x)?;
            Ok((string_of(a)?, string_of(b)?))
        })
        .collect()
}

fn typed_pairs_of(j: &J) -> Result<Vec<(String, Value)>, String> {
    array_of(j, "a sequence")?
        .iter()
        .map(|x| {
            let (a, b) = pair_of(x)?;
            Ok((string_of(a)?, value_of(b)))
        })
        .collect()
}

/// A unit variant by its name (serde's externally tagged form: a string).
fn variant<T: Copy>(j: &J, all: &[(T, &'static str)]) -> Result<T, String> {
    let J::Str(s) = j else { return Err(invalid(j, "an enum variant")) };
    all.iter().find(|(_, n)| n == s).map(|(t, _)| *t).ok_or_else(|| {
        let names: Vec<String> = all.iter().map(|(_, n)| format!("`{n}`")).collect();
        format!("unknown variant `{s}`, expected one of {}", names.join(", "))
    })
}

fn merge_of(j: &J) -> Result<InputMerge, String> {
    variant(j, &[InputMerge::Merge, InputMerge::Overwrite].map(|m| (m, merge_name(m))))
}

fn nix_of(j: &J) -> Result<NixChoice, String> {
    variant(j, &NixChoice::ALL.map(|n| (n, nix_name(n))))
}

fn mode_of(j: &J) -> Result<FixedMode, String> {
    variant(j, &[FixedMode::Flat, FixedMode::Recursive, FixedMode::Text].map(|m| (m, mode_name(m))))
}

fn algo_of(j: &J) -> Result<HashAlgo, String> {
    variant(j, &HashAlgo::ALL.map(|a| (a, a.name())))
}

fn kind_of(j: &J) -> Result<FileKind, String> {
    variant(j, &[FileKind::Regular, FileKind::Executable, FileKind::Symlink].map(|k| (k, kind_name(k))))
}

fn shared(o: &Obj, v: u32) -> Result<Shared, String> {
    let specs_j = Obj::of(o.need("specs")?, "a map")?;
    let mut specs = SpecGraph::new();
    for (k, j) in specs_j.fields {
        specs.insert(k.clone(), spec_of(j)?.into());
    }
    Ok(Shared {
        v,
        specs,
        selected: o.string("selected")?,
        scenario: o.option("scenario", string_of)?,
        merge: o.or_default("merge", merge_of)?,
        nix: o.or_default("nix", nix_of)?,
        code: o.option("code", string_of)?,
    })
}

fn spec_of(j: &J) -> Result<DrvSpec, String> {
    let o = Obj::of(j, "struct DrvSpec")?;
    Ok(DrvSpec {
        name: o.string("name")?,
        system: o.string("system")?,
        builder: o.string("builder")?,
        args: o.or_default("args", strings_of)?,
        env: o.or_default("env", string_pairs_of)?,
        outputs: o.or_default("outputs", strings_of)?,
        fixed: o.option("fixed", fixed_of)?,
        content_addressed: o.or_default("content_addressed", bool_of)?,
        sources: o.or_default("sources", |j| array_of(j, "a sequence")?.iter().map(source_of).collect())?,
        store_srcs: o.or_default("store_srcs", strings_of)?,
        structured_attrs: o.or_default("structured_attrs", bool_of)?,
        typed_env: o.or_default("typed_env", typed_pairs_of)?,
        impure: o.or_default("impure", bool_of)?,
    })
}

fn fixed_of(j: &J) -> Result<FixedSpec, String> {
    let o = Obj::of(j, "struct FixedSpec")?;
    Ok(FixedSpec {
        mode: mode_of(o.need("mode")?)?,
        algo: o.option("algo", algo_of)?,
        hash: o.string("hash")?,
        omit_mode: o.or_default("omit_mode", bool_of)?,
        empty_algo: o.or_default("empty_algo", bool_of)?,
    })
}

fn source_of(j: &J) -> Result<SourceSpec, String> {
    let o = Obj::of(j, "struct SourceSpec")?;
    Ok(SourceSpec {
        attr: o.string("attr")?,
        name: o.string("name")?,
        contents: o.or_default("contents", string_of)?,
        tree: o.option("tree", |j| array_of(j, "a sequence")?.iter().map(tree_file_of).collect())?,
    })
}

fn tree_file_of(j: &J) -> Result<TreeFile, String> {
    let o = Obj::of(j, "struct TreeFile")?;
    Ok(TreeFile {
        path: o.string("path")?,
        kind: o.or_default("kind", kind_of)?,
        contents: o.or_default("contents", string_of)?,
    })
}
