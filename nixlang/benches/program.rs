//! The benchmark's generated program (also swept by `tests/sweep.rs`).

/// A program of exactly `lines` lines (eight per derivation block, plus the frame).
pub fn program(lines: usize) -> String {
    let mut out = vec![
        "let".to_string(),
        "  mk = { name, deps ? [ ], flags ? { } }: derivation ({".to_string(),
        "    inherit name;".to_string(),
        "    builder = \"/bin/sh\";".to_string(),
        "    system = \"x86_64-linux\";".to_string(),
        "    args = [ \"-c\" \"echo ${builtins.concatStringsSep \" \" (map toString deps)} > $out\" ];".to_string(),
        "  } // flags);".to_string(),
        "  join = sep: xs: builtins.concatStringsSep sep (map (x: \"${x}\") xs);".to_string(),
    ];
    let tail = 2;
    let blocks = (lines - out.len() - tail) / 8;
    for i in 0..blocks {
        let deps = match i {
            0 => String::new(),
            1 => "d0".into(),
            _ => format!("d{} d{}", i - 1, i / 2),
        };
        out.push(format!("  s{i} = join \"-\" [ \"v{i}\" (toString ({i} * 7)) (builtins.substring 0 3 \"abcdef\") ];"));
        out.push(format!("  c{i} = {{ a.b = {i}; a.c = \"x${{s{i}}}\"; n = builtins.length [ {deps} ]; }};"));
        out.push(format!("  u{i} = c{i} // {{ extra = builtins.hashString \"sha256\" s{i}; }};"));
        out.push(format!("  l{i} = builtins.filter (x: x != {i}) (builtins.genList (x: x * 2) 8);"));
        out.push(format!("  f{i} = x: if x > {i} then x - 1 else x + u{i}.a.b;"));
        out.push(format!("  d{i} = mk {{"));
        out.push(format!(
            "    name = \"pkg-{i}-${{toString (f{i} {})}}\"; deps = [ {deps} ]; flags.tag = u{i}.extra;",
            i % 5
        ));
        out.push(format!("    flags.list = builtins.toJSON l{i}; }};"));
    }
    while out.len() < lines - tail {
        out.push("  # padding".into());
    }
    out.push("in".into());
    out.push(format!("  builtins.genList (i: builtins.getAttr \"d${{toString i}}\" {{ {} }}) {blocks}", {
        (0..blocks).map(|i| format!("inherit d{i};")).collect::<Vec<_>>().join(" ")
    }));
    let mut text = out.join("\n");
    text.push('\n');
    text
}
