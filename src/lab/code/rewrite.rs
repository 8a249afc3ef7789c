//! Rewriting one literal of a program, keeping every other byte (comments, layout, the rest).

/// A Nix string literal whose value is `value`, in the form the literal it replaces used where
/// that is safe (an indented `''…''` string keeps its indentation), else `"…"`.
pub fn quote_like(old_literal: &str, value: &str) -> String {
    if old_literal.starts_with("''") {
        if let Some(s) = indented(old_literal, value) {
            return s;
        }
    }
    quote(value)
}

/// `"…"` with Nix's escapes.
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => s.push_str("\\$"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// `''…''` laid out as the old literal was: a multi-line value at the old content's
/// indentation, closed at the old closing indentation. `None` where Nix's indentation stripping
/// would not give `value` back (lines that start with white space, a value without a final
/// newline, tabs or carriage returns), or when the old literal is on one line.
fn indented(old: &str, value: &str) -> Option<String> {
    let body = old.strip_prefix("''")?.strip_suffix("''")?;
    let body = body.strip_prefix('\n')?;
    let indent: String = body.lines().find(|l| !l.trim().is_empty())?.chars().take_while(|c| *c == ' ').collect();
    let close: String = body.rsplit('\n').next()?.to_string();
    if !close.chars().all(|c| c == ' ') || indent.is_empty() {
        return None;
    }
    let content = value.strip_suffix('\n')?;
    if value.contains(['\t', '\r'])
        || content.lines().any(|l| l.starts_with(' '))
        || content.lines().all(|l| l.is_empty())
    {
        return None;
    }
    let mut s = String::from("''\n");
    for line in content.split('\n') {
        if !line.is_empty() {
            s.push_str(&indent);
            s.push_str(&line.replace("''", "'''").replace("${", "''${"));
        }
        s.push('\n');
    }
    s.push_str(&close);
    s.push_str("''");
    Some(s)
}

/// The program with bytes `start..end` replaced by `replacement`; `None` when the range is not
/// inside the text on character boundaries.
pub fn replace_range(code: &str, start: usize, end: usize, replacement: &str) -> Option<String> {
    let (before, after) = (code.get(..start)?, code.get(end..)?);
    (start <= end).then(|| format!("{before}{replacement}{after}"))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The value Nix reads back from a literal (the evaluator is used by tests only: the page's
    /// main bundle never links it).
    fn read_back(lit: &str) -> String {
        use drvlab_nixlang::{fs::MemFs, Evaluator, Options};
        let lit = lit.to_string();
        let json = drvlab_nixlang::cli::on_big_stack(move || {
            let mut ev = Evaluator::new(Box::new(MemFs::new()), Options::default());
            let v = ev.eval_str(&lit, "/").map_err(|e| ev.render_error(&e))?;
            ev.print_json(&v).map_err(|e| ev.render_error(&e))
        })
        .unwrap();
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn quoted_values_read_back_exactly() {
        let old_indented = "''\n    tar xf $src\n    make\n  ''";
        for v in ["plain", "a\"b\\c", "${x} $y ''z", "line\nline\n", "tab\there", "\n\n", "  lead\n", "x'' ${y}\nz\n"] {
            assert_eq!(read_back(&quote(v)), v, "{v:?}");
            assert_eq!(read_back(&quote_like(old_indented, v)), v, "{v:?}");
        }
        assert!(quote_like(old_indented, "a\nb\n").starts_with("''\n    a\n    b\n  ''"));
    }

    proptest! {
        /// Code → a form edit → code: every byte outside the edited literal is kept, and the
        /// literal reads back as the value the form set.
        #[test]
        fn a_form_edit_keeps_every_byte_outside_the_literal(
            before in "[ -~\n]{0,40}",
            after in "[ -~\n]{0,40}",
            value in "[ -~\n\t]{0,30}",
        ) {
            let lit = "\"old\"";
            let code = format!("{before}{lit}{after}");
            let start = before.len();
            let q = quote_like(lit, &value);
            let new = replace_range(&code, start, start + lit.len(), &q).unwrap();
            prop_assert!(new.starts_with(&before));
            prop_assert!(new.ends_with(&after));
            prop_assert_eq!(&new[start..new.len() - after.len()], q.as_str());
            prop_assert_eq!(read_back(&q), value.clone());
            let indented = quote_like("''\n  old\n''", &value);
            prop_assert_eq!(read_back(&indented), value);
        }
    }
}
