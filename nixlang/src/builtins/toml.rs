//! `builtins.fromTOML`: a TOML 1.0 reader (Nix 2.8 reads with toml11, TOML 1.0 too). Written
//! here rather than taken from the `toml` crate, which would add about 175 KB (75 KB gzipped) of
//! wasm for one built-in. Tables are sets, arrays lists; dates and times are refused as Nix 2.8
//! refuses them.

use crate::eval::value::{Attrs, Thunk, Value};
use std::collections::BTreeMap;

/// A parsed value, before it becomes a Nix value.
#[derive(Debug)]
pub enum T {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<T>),
    /// A table, and whether it may still be extended by `[header]` / dotted keys.
    Table(BTreeMap<String, T>, Kind),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// Made implicitly by a dotted key or a header's prefix.
    Implicit,
    /// Defined by a `[header]`.
    Header,
    /// Made by dotted keys of a key/value line (extensible by more dotted keys only).
    Dotted,
    /// `{ … }`: closed.
    Inline,
    /// An element of `[[array]]`.
    ArrayElem,
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

type R<X> = Result<X, String>;

impl<'a> P<'a> {
    fn err<X>(&self, what: &str) -> R<X> {
        let line = self.s[..self.i.min(self.s.len())].iter().filter(|&&b| b == b'\n').count() + 1;
        Err(format!("{what} (line {line})"))
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn at(&self, lit: &str) -> bool {
        self.s[self.i..].starts_with(lit.as_bytes())
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn comment(&mut self) {
        if self.peek() == Some(b'#') {
            while !matches!(self.peek(), None | Some(b'\n')) {
                self.i += 1;
            }
        }
    }
    /// White space, newlines and comments (inside arrays).
    fn ws_nl(&mut self) {
        loop {
            self.ws();
            self.comment();
            match self.peek() {
                Some(b'\n') => self.i += 1,
                Some(b'\r') if self.s.get(self.i + 1) == Some(&b'\n') => self.i += 2,
                _ => return,
            }
        }
    }
    fn eol(&mut self) -> R<()> {
        self.ws();
        self.comment();
        match self.peek() {
            None => Ok(()),
            Some(b'\n') => {
                self.i += 1;
                Ok(())
            }
            Some(b'\r') if self.s.get(self.i + 1) == Some(&b'\n') => {
                self.i += 2;
                Ok(())
            }
            _ => self.err("expected a newline after a value"),
        }
    }

    fn key(&mut self) -> R<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            self.ws();
            let part = match self.peek() {
                Some(b'"') => self.basic_string()?,
                Some(b'\'') => self.literal_string()?,
                Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                    let st = self.i;
                    while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                        self.i += 1;
                    }
                    String::from_utf8_lossy(&self.s[st..self.i]).into_owned()
                }
                _ => return self.err("invalid key"),
            };
            parts.push(part);
            self.ws();
            if self.peek() == Some(b'.') {
                self.i += 1;
            } else {
                return Ok(parts);
            }
        }
    }

    fn hex_char(&mut self, n: usize) -> R<char> {
        let h = std::str::from_utf8(self.s.get(self.i..self.i + n).unwrap_or(b"")).unwrap_or("");
        let c = u32::from_str_radix(h, 16).ok().filter(|_| h.len() == n).and_then(char::from_u32);
        self.i += n;
        c.map_or_else(|| self.err("invalid unicode escape"), Ok)
    }

    fn escape(&mut self, out: &mut String) -> R<()> {
        self.i += 1;
        let c = self.peek();
        self.i += 1;
        match c {
            Some(b'b') => out.push('\u{8}'),
            Some(b't') => out.push('\t'),
            Some(b'n') => out.push('\n'),
            Some(b'f') => out.push('\u{c}'),
            Some(b'r') => out.push('\r'),
            Some(b'"') => out.push('"'),
            Some(b'\\') => out.push('\\'),
            Some(b'u') => out.push(self.hex_char(4)?),
            Some(b'U') => out.push(self.hex_char(8)?),
            _ => return self.err("invalid escape in a string"),
        }
        Ok(())
    }

    /// Copies one UTF-8 character.
    fn push_char(&mut self, out: &mut String) {
        let rest = std::str::from_utf8(&self.s[self.i..]).unwrap_or("");
        match rest.chars().next() {
            Some(c) => {
                out.push(c);
                self.i += c.len_utf8();
            }
            None => {
                out.push(char::REPLACEMENT_CHARACTER);
                self.i += 1;
            }
        }
    }

    fn basic_string(&mut self) -> R<String> {
        if self.at("\"\"\"") {
            return self.ml_basic_string();
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return self.err("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(c) if c < 0x20 && c != b'\t' || c == 0x7f => return self.err("control character in a string"),
                Some(_) => self.push_char(&mut out),
            }
        }
    }

    fn ml_basic_string(&mut self) -> R<String> {
        self.i += 3;
        self.skip_first_newline();
        let mut out = String::new();
        loop {
            if self.at("\"\"\"") {
                // Up to two quotes may close the content: `""""` is `"` then the end.
                let mut n = 3;
                while self.s.get(self.i + n) == Some(&b'"') && n < 5 {
                    n += 1;
                }
                out.extend(std::iter::repeat_n('"', n - 3));
                self.i += n;
                return Ok(out);
            }
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'\\') => {
                    // A line-ending backslash eats the newline and the white space after it.
                    let mut j = self.i + 1;
                    while matches!(self.s.get(j), Some(b' ' | b'\t')) {
                        j += 1;
                    }
                    if matches!(self.s.get(j), Some(b'\n')) || self.s[j..].starts_with(b"\r\n") {
                        self.i = j;
                        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                            self.i += 1;
                        }
                    } else {
                        self.escape(&mut out)?;
                    }
                }
                Some(b'\r') if self.s.get(self.i + 1) == Some(&b'\n') => {
                    out.push('\n');
                    self.i += 2;
                }
                Some(c) if c < 0x20 && c != b'\t' && c != b'\n' || c == 0x7f => {
                    return self.err("control character in a string")
                }
                Some(_) => self.push_char(&mut out),
            }
        }
    }

    fn skip_first_newline(&mut self) {
        if self.peek() == Some(b'\n') {
            self.i += 1;
        } else if self.at("\r\n") {
            self.i += 2;
        }
    }

    fn literal_string(&mut self) -> R<String> {
        if self.at("'''") {
            self.i += 3;
            self.skip_first_newline();
            let mut out = String::new();
            loop {
                if self.at("'''") {
                    let mut n = 3;
                    while self.s.get(self.i + n) == Some(&b'\'') && n < 5 {
                        n += 1;
                    }
                    out.extend(std::iter::repeat_n('\'', n - 3));
                    self.i += n;
                    return Ok(out);
                }
                match self.peek() {
                    None => return self.err("unterminated string"),
                    Some(b'\r') if self.s.get(self.i + 1) == Some(&b'\n') => {
                        out.push('\n');
                        self.i += 2;
                    }
                    Some(c) if c < 0x20 && c != b'\t' && c != b'\n' || c == 0x7f => {
                        return self.err("control character in a string")
                    }
                    Some(_) => self.push_char(&mut out),
                }
            }
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return self.err("unterminated string"),
                Some(b'\'') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(c) if c < 0x20 && c != b'\t' || c == 0x7f => return self.err("control character in a string"),
                Some(_) => self.push_char(&mut out),
            }
        }
    }

    fn value(&mut self, depth: usize) -> R<T> {
        if depth > 200 {
            return self.err("nested too deeply");
        }
        match self.peek() {
            Some(b'"') => Ok(T::Str(self.basic_string()?)),
            Some(b'\'') => Ok(T::Str(self.literal_string()?)),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws_nl();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        return Ok(T::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                    self.ws_nl();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {}
                        _ => return self.err("expected ',' or ']' in an array"),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut t = BTreeMap::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(T::Table(t, Kind::Inline));
                }
                loop {
                    let k = self.key()?;
                    if self.peek() != Some(b'=') {
                        return self.err("expected '=' after a key");
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    insert(&mut t, &k, v).map_err(|e| self.err::<()>(&e).unwrap_err())?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                        }
                        Some(b'}') => {
                            self.i += 1;
                            close_dotted(&mut t, Kind::Inline);
                            return Ok(T::Table(t, Kind::Inline));
                        }
                        _ => return self.err("expected ',' or '}' in an inline table"),
                    }
                }
            }
            _ => self.scalar(),
        }
    }

    fn scalar(&mut self) -> R<T> {
        let st = self.i;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || b"+-_.:".contains(&c)) {
            self.i += 1;
        }
        // `1979-05-27 07:32:00`: a date, a space, then a time.
        let word = std::str::from_utf8(&self.s[st..self.i]).unwrap_or("");
        match word {
            "true" => return Ok(T::Bool(true)),
            "false" => return Ok(T::Bool(false)),
            "inf" | "+inf" => return Ok(T::Float(f64::INFINITY)),
            "-inf" => return Ok(T::Float(f64::NEG_INFINITY)),
            "nan" | "+nan" => return Ok(T::Float(f64::NAN)),
            "-nan" => return Ok(T::Float(-f64::NAN)),
            _ => {}
        }
        if word.len() >= 5 && word.as_bytes()[2] == b':' || word.len() >= 10 && word.as_bytes()[4] == b'-' {
            return Err("Dates and times are not supported".into());
        }
        number(word).map_or_else(|| self.err(&format!("invalid value '{word}'")), Ok)
    }
}

/// A TOML integer or float (`_` between digits; `0x`, `0o`, `0b`; no leading zeros).
fn number(w: &str) -> Option<T> {
    let digits_ok = |d: &str, radix: u32| {
        !d.is_empty()
            && !d.starts_with('_')
            && !d.ends_with('_')
            && !d.contains("__")
            && d.chars().all(|c| c == '_' || c.is_digit(radix))
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(d) = w.strip_prefix(prefix) {
            return digits_ok(d, radix)
                .then(|| i64::from_str_radix(&d.replace('_', ""), radix).ok().map(T::Int))
                .flatten();
        }
    }
    let unsigned = w.strip_prefix(['+', '-']).unwrap_or(w);
    let is_float = unsigned.contains(['.', 'e', 'E']);
    if !is_float {
        if !digits_ok(unsigned, 10) || unsigned.len() > 1 && unsigned.starts_with('0') {
            return None;
        }
        // toml11 reads with `strtoll`, which clamps what does not fit.
        let neg = w.starts_with('-');
        return Some(T::Int(w.replace('_', "").parse::<i64>().unwrap_or(if neg { i64::MIN } else { i64::MAX })));
    }
    let (mantissa, exp) = match unsigned.find(['e', 'E']) {
        Some(p) => (&unsigned[..p], Some(&unsigned[p + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    if !digits_ok(int, 10) || int.len() > 1 && int.starts_with('0') {
        return None;
    }
    if frac.is_some_and(|f| !digits_ok(f, 10)) {
        return None;
    }
    if let Some(e) = exp {
        if !digits_ok(e.strip_prefix(['+', '-']).unwrap_or(e), 10) {
            return None;
        }
    }
    // Out of range is the largest finite float, as toml11 gives it.
    let f = w.replace('_', "").parse::<f64>().ok()?;
    Some(T::Float(if f.is_infinite() { f64::MAX.copysign(f) } else { f }))
}

/// The dotted-key tables of a finished inline table are closed.
fn close_dotted(t: &mut BTreeMap<String, T>, to: Kind) {
    for v in t.values_mut() {
        if let T::Table(inner, k) = v {
            if *k == Kind::Dotted {
                *k = to;
            }
            close_dotted(inner, to);
        }
    }
}

/// `a.b.c = v` into a table: intermediate tables made (dotted), redefinitions refused.
fn insert(t: &mut BTreeMap<String, T>, key: &[String], v: T) -> Result<(), String> {
    let (last, prefix) = key.split_last().expect("a key has a part");
    let mut cur = t;
    for p in prefix {
        let e = cur.entry(p.clone()).or_insert_with(|| T::Table(BTreeMap::new(), Kind::Dotted));
        match e {
            T::Table(inner, Kind::Dotted | Kind::Implicit) => cur = inner,
            _ => return Err(format!("value ('{p}') already exists")),
        }
    }
    if cur.contains_key(last) {
        return Err(format!("value ('{last}') already exists"));
    }
    cur.insert(last.clone(), v);
    Ok(())
}

/// The table a `[a.b]` or `[[a.b]]` header opens.
fn open<'t>(
    root: &'t mut BTreeMap<String, T>,
    key: &[String],
    array: bool,
) -> Result<&'t mut BTreeMap<String, T>, String> {
    let (last, prefix) = key.split_last().expect("a key has a part");
    let mut cur = root;
    for p in prefix {
        let e = cur.entry(p.clone()).or_insert_with(|| T::Table(BTreeMap::new(), Kind::Implicit));
        cur = match e {
            // toml11 lets a header go through a table made by dotted keys.
            T::Table(inner, Kind::Implicit | Kind::Header | Kind::ArrayElem | Kind::Dotted) => inner,
            T::Array(items) => match items.last_mut() {
                Some(T::Table(inner, Kind::ArrayElem)) => inner,
                _ => return Err(format!("value ('{p}') already exists")),
            },
            _ => return Err(format!("value ('{p}') already exists")),
        };
    }
    if array {
        let e = cur.entry(last.clone()).or_insert_with(|| T::Array(Vec::new()));
        match e {
            T::Array(items) if items.iter().all(|x| matches!(x, T::Table(_, Kind::ArrayElem))) => {
                items.push(T::Table(BTreeMap::new(), Kind::ArrayElem));
                match items.last_mut() {
                    Some(T::Table(inner, _)) => Ok(inner),
                    _ => unreachable!("just pushed"),
                }
            }
            _ => Err(format!("value ('{last}') already exists")),
        }
    } else {
        match cur.entry(last.clone()) {
            std::collections::btree_map::Entry::Vacant(v) => match v.insert(T::Table(BTreeMap::new(), Kind::Header)) {
                T::Table(inner, _) => Ok(inner),
                _ => unreachable!("just inserted"),
            },
            std::collections::btree_map::Entry::Occupied(o) => match o.into_mut() {
                T::Table(inner, k @ Kind::Implicit) => {
                    *k = Kind::Header;
                    Ok(inner)
                }
                _ => Err(format!("table ('{last}') already defined")),
            },
        }
    }
}

/// Parses a TOML document.
pub fn parse(text: &str) -> Result<BTreeMap<String, T>, String> {
    let mut p = P { s: text.as_bytes(), i: 0 };
    let mut root = BTreeMap::new();
    // The header now open (its key and whether it is `[[…]]`).
    let mut current: Option<(Vec<String>, bool)> = None;
    loop {
        p.ws_nl();
        if p.peek().is_none() {
            break;
        }
        if p.peek() == Some(b'[') {
            let array = p.at("[[");
            p.i += if array { 2 } else { 1 };
            let key = p.key()?;
            if array && !p.at("]]") || !array && p.peek() != Some(b']') {
                return p.err("invalid table header");
            }
            p.i += if array { 2 } else { 1 };
            p.eol()?;
            open(&mut root, &key, array).map_err(|e| p.err::<()>(&e).unwrap_err())?;
            current = Some((key, array));
            continue;
        }
        let key = p.key()?;
        if p.peek() != Some(b'=') {
            return p.err("expected '=' after a key");
        }
        p.i += 1;
        p.ws();
        let v = p.value(0)?;
        p.eol()?;
        let table = match &current {
            None => &mut root,
            // Re-walk to the open table: the last element of an array of tables.
            Some((k, _)) => reopen(&mut root, k).map_err(|e| p.err::<()>(&e).unwrap_err())?,
        };
        insert(table, &key, v).map_err(|e| p.err::<()>(&e).unwrap_err())?;
    }
    Ok(root)
}

fn reopen<'t>(root: &'t mut BTreeMap<String, T>, key: &[String]) -> Result<&'t mut BTreeMap<String, T>, String> {
    let mut cur = root;
    for p in key {
        cur = match cur.get_mut(p) {
            Some(T::Table(inner, _)) => inner,
            Some(T::Array(items)) => match items.last_mut() {
                Some(T::Table(inner, _)) => inner,
                _ => return Err(format!("value ('{p}') already exists")),
            },
            _ => return Err(format!("value ('{p}') already exists")),
        };
    }
    Ok(cur)
}

/// The Nix value of a parsed TOML value; `cells` counts what was made.
pub fn to_value(v: T, cells: &mut u64) -> Value {
    *cells += 1;
    match v {
        T::Str(s) => Value::string(s),
        T::Int(i) => Value::Int(i),
        T::Float(f) => Value::Float(f),
        T::Bool(b) => Value::Bool(b),
        T::Array(items) => Value::list_of(items.into_iter().map(|x| to_value(x, cells)).collect()),
        T::Table(t, _) => Value::attrs(table(t, cells)),
    }
}

pub fn table(t: BTreeMap<String, T>, cells: &mut u64) -> Attrs {
    let mut a = Attrs::new();
    for (k, x) in t {
        a.insert(k.into(), Thunk::value(to_value(x, cells)));
    }
    a
}
