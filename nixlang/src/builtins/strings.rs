//! Strings and their context (`primops.cc`: `prim_toString`, `prim_substring`,
//! `prim_replaceStrings`, `prim_match`, `prim_split`, `prim_getContext`, …; versions from
//! `names.cc`).

use crate::context::{Context, CtxElem};
use crate::error::{fail, ErrorKind, Result, Span};
use crate::eval::value::{Attrs, Key, NixString, Thunk, Value};
use crate::eval::Evaluator;
use std::collections::BTreeMap;
use std::rc::Rc;

fn string(s: String, ctx: Context) -> Value {
    Value::String(NixString::with_ctx(s, ctx))
}

/// Bytes `[start, start+len)` of a string, as Nix's `std::string::substr` takes them.
fn byte_slice(s: &str, start: usize, len: usize) -> String {
    let b = s.as_bytes();
    let end = start.saturating_add(len).min(b.len());
    if start >= b.len() {
        return String::new();
    }
    String::from_utf8_lossy(&b[start..end]).into_owned()
}

/// `prim_toString`.
pub fn prim_to_string(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let s = ev.coerce_to_string(v, true, false, span)?;
    Ok(Value::String(s))
}

/// `prim_substring`.
pub fn prim_substring(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let start = ev.force_int(&args[0], span)?;
    let len = ev.force_int(&args[1], span)?;
    let v = ev.force(&args[2], span)?;
    let s = ev.coerce_to_string(v, false, false, span)?;
    if start < 0 {
        return fail(ErrorKind::Other("negative start position in 'substring'".into()), span);
    }
    let len = if len < 0 { usize::MAX } else { len as usize };
    Ok(string(byte_slice(&s.s, start as usize, len), s.ctx))
}

/// `prim_stringLength` (bytes).
pub fn prim_string_length(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let s = ev.coerce_to_string(v, false, false, span)?;
    Ok(Value::Int(s.s.len() as i64))
}

/// `prim_concatStringsSep`.
pub fn prim_concat_strings_sep(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let sep = ev.force_string(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut out = String::new();
    let mut ctx = sep.ctx.clone();
    for (i, t) in l.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep.s);
        }
        let v = ev.force(t, span)?;
        let s = ev.coerce_to_string(v, false, true, span)?;
        out.push_str(&s.s);
        ctx.extend(&s.ctx);
    }
    ev.alloc(out.len() as u64 / 16, span)?;
    Ok(string(out, ctx))
}

/// `prim_replaceStrings`.
pub fn prim_replace_strings(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let from = ev.force_list(&args[0], span)?;
    let to = ev.force_list(&args[1], span)?;
    let s = ev.force_string(&args[2], span)?;
    if from.len() != to.len() {
        return fail(
            ErrorKind::Other("'from' and 'to' arguments to 'replaceStrings' have different lengths".into()),
            span,
        );
    }
    let mut froms = Vec::new();
    for f in from.iter() {
        froms.push(ev.force_string(f, span)?.s);
    }
    let mut tos = Vec::new();
    for t in to.iter() {
        tos.push(ev.force_string(t, span)?);
    }
    let src = s.s.as_bytes();
    let mut res: Vec<u8> = Vec::new();
    let mut ctx = s.ctx.clone();
    let mut p = 0;
    while p <= src.len() {
        let mut found = false;
        for (f, t) in froms.iter().zip(tos.iter()) {
            let fb = f.as_bytes();
            if src[p..].starts_with(fb) {
                found = true;
                res.extend_from_slice(t.s.as_bytes());
                ctx.extend(&t.ctx);
                if fb.is_empty() {
                    if p < src.len() {
                        res.push(src[p]);
                    }
                    p += 1;
                } else {
                    p += fb.len();
                }
                break;
            }
        }
        if !found {
            if p < src.len() {
                res.push(src[p]);
            }
            p += 1;
        }
    }
    Ok(string(String::from_utf8_lossy(&res).into_owned(), ctx))
}

/// A POSIX extended regular expression (as libstdc++'s `std::regex::extended` reads it) in
/// regex-lite's syntax: outside brackets a backslash escapes only a special character (`\d`,
/// `\w`, `\n` are errors); inside brackets a backslash is itself, and so are `[` (but for
/// `[:class:]`), `&` and `~`, which regex-lite would read as class syntax.
fn posix_to_rust(re: &str) -> Option<String> {
    let mut out = String::with_capacity(re.len() + 8);
    let mut it = re.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                let e = it.next()?;
                // libstdc++ refuses `\]` and `\}` too.
                if !"^$\\.*+?()[{|".contains(e) {
                    return None;
                }
                out.push('\\');
                out.push(e);
            }
            '[' => {
                out.push('[');
                if it.peek() == Some(&'^') {
                    out.push('^');
                    it.next();
                }
                // A `]` first is a member, not the end.
                if it.peek() == Some(&']') {
                    out.push_str("\\]");
                    it.next();
                }
                loop {
                    match it.next()? {
                        ']' => break,
                        '[' if it.peek() == Some(&':') => {
                            out.push_str("[:");
                            it.next();
                            loop {
                                let k = it.next()?;
                                out.push(k);
                                if k == ':' && it.peek() == Some(&']') {
                                    out.push(']');
                                    it.next();
                                    break;
                                }
                            }
                        }
                        k @ ('\\' | '[' | '&' | '~') => {
                            out.push('\\');
                            out.push(k);
                        }
                        k => out.push(k),
                    }
                }
                out.push(']');
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn regex(re: &str, span: Span, whole: bool) -> Result<regex_lite::Regex> {
    let bad = || fail(ErrorKind::Other(format!("invalid regular expression '{re}'")), span);
    let Some(rust) = posix_to_rust(re) else { return bad() };
    // POSIX `.` matches a newline too.
    let pat = if whole { format!("(?s)^(?:{rust})$") } else { format!("(?s){rust}") };
    regex_lite::Regex::new(&pat).or_else(|_| bad())
}

fn groups(c: &regex_lite::Captures) -> Vec<Value> {
    (1..c.len()).map(|i| c.get(i).map_or(Value::Null, |m| Value::string(m.as_str()))).collect()
}

/// `prim_match`: POSIX extended regular expressions, matched against the whole string.
pub fn prim_match(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let re = ev.force_string_no_ctx(&args[0], span)?;
    let s = ev.force_string(&args[1], span)?;
    let r = regex(&re, span, true)?;
    Ok(match r.captures(&s.s) {
        Some(c) => Value::list_of(groups(&c)),
        None => Value::Null,
    })
}

/// `prim_split`.
pub fn prim_split(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let re = ev.force_string_no_ctx(&args[0], span)?;
    let s = ev.force_string(&args[1], span)?;
    let r = regex(&re, span, false)?;
    // POSIX takes the longest of the matches starting leftmost; regex-lite the first
    // alternative. With alternatives, each match is stretched to the longest end at which the
    // whole expression still matches (`o*|x` takes `x`, not the empty match before it).
    let longest = (re.contains('|') && !re.contains(['^', '$'])).then(|| regex(&re, span, true)).transpose()?;
    let mut out = Vec::new();
    let mut last = 0;
    // As `std::sregex_iterator` walks: an empty match may follow a match at its end; after an
    // empty match the search goes on one character later.
    let mut at = 0;
    while at <= s.s.len() {
        let Some(c) = r.captures_at(&s.s, at) else { break };
        let m = c.get(0).expect("whole match");
        let (start, mut end, mut parts) = (m.start(), m.end(), groups(&c));
        if let Some(whole) = &longest {
            let text = &s.s;
            if let Some(e) = (end + 1..=text.len())
                .rev()
                .filter(|&e| text.is_char_boundary(e))
                .find(|&e| whole.is_match(&text[start..e]))
            {
                let c = whole.captures(&text[start..e]).expect("matched");
                end = e;
                parts = groups(&c);
            }
        }
        out.push(Value::string(&s.s[last..start]));
        out.push(Value::list_of(parts));
        last = end;
        at = if start == end { end + s.s[end..].chars().next().map_or(1, char::len_utf8) } else { end };
    }
    out.push(Value::string(&s.s[last..]));
    Ok(Value::list_of(out))
}

/// `prim_hashString`.
pub fn prim_hash_string(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let algo = ev.force_string_no_ctx(&args[0], span)?;
    let s = ev.force_string(&args[1], span)?;
    let Ok(a) = drvlab_engine::HashAlgo::parse(&algo) else {
        return fail(ErrorKind::Other(format!("unknown hash algorithm '{algo}'")), span);
    };
    Ok(Value::string(a.digest(s.s.as_bytes()).to_base16()))
}

pub fn prim_unsafe_discard_string_context(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let s = ev.coerce_to_string(v, false, false, span)?;
    Ok(Value::string(s.s))
}

pub fn prim_has_context(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let s = ev.force_string(&args[0], span)?;
    Ok(Value::Bool(!s.ctx.is_empty()))
}

/// `prim_unsafeDiscardOutputDependency`: `=drv` becomes the plain `.drv` path.
pub fn prim_unsafe_discard_output_dependency(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let s = ev.coerce_to_string(v, false, false, span)?;
    let ctx = Context::from_set(
        s.ctx
            .iter()
            .map(|e| match e {
                CtxElem::AllOutputs(d) => CtxElem::Path(d.clone()),
                e => e.clone(),
            })
            .collect(),
    );
    Ok(string(s.s.to_string(), ctx))
}

/// `prim_getContext`.
pub fn prim_get_context(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let s = ev.force_string(&args[0], span)?;
    #[derive(Default)]
    struct Info {
        path: bool,
        all: bool,
        outputs: Vec<Rc<str>>,
    }
    let mut by: BTreeMap<Rc<str>, Info> = BTreeMap::new();
    for e in s.ctx.iter() {
        match e {
            CtxElem::Path(p) => by.entry(p.clone()).or_default().path = true,
            CtxElem::AllOutputs(d) => by.entry(d.clone()).or_default().all = true,
            CtxElem::Output { drv, output } => by.entry(drv.clone()).or_default().outputs.push(output.clone()),
        }
    }
    let mut out = Attrs::new();
    for (k, i) in by {
        let mut a = Attrs::new();
        if i.path {
            a.insert("path".into(), Thunk::value(Value::Bool(true)));
        }
        if i.all {
            a.insert("allOutputs".into(), Thunk::value(Value::Bool(true)));
        }
        if !i.outputs.is_empty() {
            a.insert(
                "outputs".into(),
                Thunk::value(Value::list_of(i.outputs.into_iter().map(Value::string).collect())),
            );
        }
        out.insert(Key::from(k), Thunk::value(Value::attrs(a)));
    }
    Ok(Value::attrs(out))
}

/// `prim_appendContext`.
pub fn prim_append_context(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let s = ev.force_string(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    let mut ctx = s.ctx.clone();
    for (k, t) in a.iter() {
        let info = ev.force_attrs(t, span)?;
        if let Some(p) = info.get("path").cloned() {
            if ev.force_bool(&p, span)? {
                ctx.insert(CtxElem::Path(k.name.clone()));
            }
        }
        if let Some(p) = info.get("allOutputs").cloned() {
            if ev.force_bool(&p, span)? {
                ctx.insert(CtxElem::AllOutputs(k.name.clone()));
            }
        }
        if let Some(o) = info.get("outputs").cloned() {
            let l = ev.force_list(&o, span)?;
            for x in l.iter() {
                let name = ev.force_string_no_ctx(x, span)?;
                ctx.insert(CtxElem::Output { drv: k.name.clone(), output: name });
            }
        }
    }
    Ok(string(s.s.to_string(), ctx))
}

/// `nextComponent` of `names.cc`.
fn next_component(s: &[u8], p: &mut usize) -> String {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !s[*p].is_ascii_digit() && s[*p] != b'.' && s[*p] != b'-' {
            *p += 1;
        }
    }
    String::from_utf8_lossy(&s[start..*p]).into_owned()
}

/// `componentsLT` of `names.cc`.
fn components_lt(c1: &str, c2: &str) -> bool {
    let n1 = c1.parse::<i32>().ok().filter(|_| !c1.is_empty());
    let n2 = c2.parse::<i32>().ok().filter(|_| !c2.is_empty());
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == "pre" && c2 != "pre" => true,
        _ if c2 == "pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// `compareVersions` of `names.cc`.
pub fn compare_versions(v1: &str, v2: &str) -> i64 {
    let (a, b) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < a.len() || p2 < b.len() {
        let c1 = next_component(a, &mut p1);
        let c2 = next_component(b, &mut p2);
        if components_lt(&c1, &c2) {
            return -1;
        } else if components_lt(&c2, &c1) {
            return 1;
        }
    }
    0
}

pub fn prim_compare_versions(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_string_no_ctx(&args[0], span)?;
    let b = ev.force_string_no_ctx(&args[1], span)?;
    Ok(Value::Int(compare_versions(&a, &b)))
}

/// `prim_splitVersion`.
pub fn prim_split_version(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force_string_no_ctx(&args[0], span)?;
    let b = v.as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < b.len() {
        let c = next_component(b, &mut p);
        if c.is_empty() {
            break;
        }
        out.push(Value::string(c));
    }
    Ok(Value::list_of(out))
}

/// `prim_parseDrvName` (`DrvName::DrvName`): the name ends at the first `-` not followed by a letter.
pub fn prim_parse_drv_name(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let s = ev.force_string_no_ctx(&args[0], span)?;
    let b = s.as_bytes();
    let (mut name, mut version) = (s.to_string(), String::new());
    for i in 0..b.len() {
        if b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic() {
            name = String::from_utf8_lossy(&b[..i]).into_owned();
            version = String::from_utf8_lossy(&b[i + 1..]).into_owned();
            break;
        }
    }
    let mut a = Attrs::new();
    a.insert("name".into(), Thunk::value(Value::string(name)));
    a.insert("version".into(), Thunk::value(Value::string(version)));
    Ok(Value::attrs(a))
}

/// `prim_placeholder`.
pub fn prim_placeholder(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let o = ev.force_string_no_ctx(&args[0], span)?;
    Ok(Value::string(drvlab_engine::derivation::hash_placeholder(&o)))
}

/// `prim_toJSON`.
pub fn prim_to_json(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    let mut out = String::new();
    let mut ctx = Context::default();
    crate::print::to_json(ev, &v, true, span, &mut out, &mut ctx)?;
    Ok(string(out, ctx))
}

/// `prim_fromJSON`.
pub fn prim_from_json(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let s = ev.force_string_no_ctx(&args[0], span)?;
    let j: serde_json::Value = serde_json::from_str(&s).or_else(|e| fail(ErrorKind::Other(format!("{e}")), span))?;
    fn conv(j: serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            // nlohmann's unsigned numbers past the signed range wrap, as Nix stores them.
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Value::Int(i),
                (None, Some(u)) => Value::Int(u as i64),
                _ => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::string(s),
            serde_json::Value::Array(a) => Value::list_of(a.into_iter().map(conv).collect()),
            serde_json::Value::Object(o) => {
                Value::attrs(o.into_iter().map(|(k, v)| (Key::from(k.as_str()), Thunk::value(conv(v)))).collect())
            }
        }
    }
    Ok(conv(j))
}
