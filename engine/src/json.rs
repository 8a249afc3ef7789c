//! JSON text as Nix writes it into a `.drv`: the `__json` env entry of a derivation with
//! structured attributes (`__structuredAttrs = true`).
//!
//! Two printers, because Nix changed its JSON writer: Nix 2.8's `printValueAsJSON` (through its
//! own `JSONWriter`: numbers through a C++ stream, so floats print like `%g`, six significant
//! digits: `1.23457e+06`; control characters as `\u00XX`, `\b` and `\f` included) and later
//! releases' nlohmann `dump()` (floats round-tripping, `\b` and `\f` as such). Both print
//! objects with their keys sorted (Nix's attribute sets and `std::map` are sorted) and no spaces.

use serde_json::Value;

/// Which JSON writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// Nix 2.8's `printValueAsJSON` / `JSONWriter`.
    Nix2_8,
    /// nlohmann's `dump()` (the version-4 document's `structuredAttrs`).
    Nlohmann,
}

/// Writes `v` compactly as nlohmann's `dump()` does (keys sorted).
pub fn write_compact(out: &mut String, v: &Value) {
    write(out, v, Writer::Nlohmann)
}

/// Writes `v` as `writer` prints it.
pub fn write(out: &mut String, v: &Value, writer: Writer) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) if writer == Writer::Nix2_8 => out.push_str(&float_g(f)),
            (_, _, Some(f)) => out.push_str(&float_nlohmann(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => string(out, s, writer),
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, x, writer);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, k, writer);
                out.push(':');
                write(out, &m[k], writer);
            }
            out.push('}');
        }
    }
}

/// A JSON string: `"` `\` newline, carriage return, tab escaped by name, other control
/// characters as `\u00XX` (nlohmann also names `\b` and `\f`); everything else raw.
pub fn string(out: &mut String, s: &str, writer: Writer) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' if writer == Writer::Nlohmann => out.push_str("\\b"),
            '\u{c}' if writer == Writer::Nlohmann => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as a C++ stream prints it by default (`%g`, six significant digits), which is how
/// Nix 2.8's `toJSON` and structured attributes print Nix floats: `2.5`, `1e+20`, `1.5e-07`,
/// `1.23457e+08`, and a whole float without a point (`2.0` → `2`).
pub fn float_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    if !f.is_finite() {
        return if f.is_nan() {
            // glibc's printf keeps a NaN's sign.
            if f.is_sign_negative() { "-nan" } else { "nan" }.into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // Round to six significant digits first: the exponent is the rounded one's.
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        strip_zeros(&format!("{f:.decimals$}")).to_string()
    }
}

/// A float as nlohmann's `dump()` prints it (`to_chars`: the shortest digits that read back,
/// fixed notation while the point is within 15 digits and the number not below 1e-4, a whole
/// float with `.0`, else `d.ddde+XX` with at least two exponent digits).
pub fn float_nlohmann(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    if !f.is_finite() {
        return "null".into();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i32;
    let n = exp.parse::<i32>().unwrap_or(0) + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 15 {
        format!("{digits}{}.0", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 15 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -4 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let frac = if k > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        format!("{}{frac}e{}{:02}", &digits[..1], if e < 0 { '-' } else { '+' }, e.abs())
    };
    format!("{sign}{body}")
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// Printed by real Nix 2.8: `builtins.toJSON [ 0.1 1.0 100000.0 1234567.0 0.000123 1.0e-5
    /// 3.14159265358979 (Nix: 3.14159) 1.0e100 123456.0 999999.5 ]` and the structured attributes of a
    /// derivation with `list = [1 2.5 … 1.0e20 0.1 (-3) 1.5e-7 123456789.0]`.
    #[test]
    fn floats_print_as_nix_2_8() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1"),
            (100000.0, "100000"),
            (1234567.0, "1.23457e+06"),
            (0.000123, "0.000123"),
            (1.0e-5, "1e-05"),
            (std::f64::consts::PI, "3.14159"),
            (1.0e100, "1e+100"),
            (123456.0, "123456"),
            (999999.5, "1e+06"),
            (2.5, "2.5"),
            (1.0e20, "1e+20"),
            (1.5e-7, "1.5e-07"),
            (123456789.0, "1.23457e+08"),
            (0.0001, "0.0001"),
            (123456.7, "123457"),
            (-1.5, "-1.5"),
            (1.0e15, "1e+15"),
        ];
        for (f, want) in cases {
            assert_eq!(float_g(f), want, "{f}");
        }
    }

    /// nlohmann's `to_chars` forms (as newer Nix prints structured attributes).
    #[test]
    fn floats_print_as_nlohmann() {
        let cases = [
            (2.5, "2.5"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.0e20, "1e+20"),
            (1.5e-7, "1.5e-07"),
            (123456789.0, "123456789.0"),
            (-1.5, "-1.5"),
            (0.0001, "0.0001"),
            (1.0e15, "1e+15"),
            (1.0e14, "100000000000000.0"),
        ];
        for (f, want) in cases {
            assert_eq!(float_nlohmann(f), want, "{f}");
        }
    }

    /// Nix 2.8: `builtins.toJSON { s = "a\"b\\c\nd\re\tf/g☃ü" + "\u0001\u001f\u007f\b\f"; }`.
    #[test]
    fn strings_escape_as_nix_2_8() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\re\tf/g☃ü\u{1}\u{1f}\u{7f}\u{8}\u{c}", Writer::Nix2_8);
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\re\\tf/g☃ü\\u0001\\u001f\u{7f}\\u0008\\u000c\"");
    }
}
