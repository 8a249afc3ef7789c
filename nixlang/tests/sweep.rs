//! The pruned per-literal sweep (`sweep::sweep`) gives exactly the rows of the reference sweep
//! (`sweep::sweep_full`: every literal perturbed and the whole program evaluated again) — on the
//! page's seed examples over the prelude, on generated programs, and on cases made to catch a
//! pruning that skips too much: literals reached through `with`, `//`, string context,
//! `import`, attribute names, `rec` renames, perturbations that make evaluation fail, and
//! programs that read their own text or positions.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)]
mod gen;
#[path = "../benches/program.rs"]
mod program;

use drvlab_nixlang::sweep::{sweep, sweep_full, Job, Sweep};
use drvlab_nixlang::Budget;

const PRELUDE: &str = include_str!("../../src/lab/code/nix/prelude.nix");
const EXAMPLES: &[(&str, &str)] = &[
    ("rerun", include_str!("../../src/lab/code/nix/rerun.nix")),
    ("pullimage", include_str!("../../src/lab/code/nix/pullimage.nix")),
    ("fetchurl", include_str!("../../src/lab/code/nix/fetchurl.nix")),
    ("garbage", include_str!("../../src/lab/code/nix/garbage.nix")),
];

fn files(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f = vec![("prelude.nix".to_string(), PRELUDE.to_string())];
    f.extend(extra.iter().map(|(a, b)| (a.to_string(), b.to_string())));
    f
}

fn show(code: &str, s: &Sweep) -> Vec<String> {
    s.rows
        .iter()
        .map(|r| {
            format!(
                "{:?} moved {:?} stayed {:?} error {:?}",
                &code[r.literal.start..r.literal.end],
                r.moved,
                r.stayed,
                r.error
            )
        })
        .collect()
}

/// Compares both sweeps of `code`; returns (literals, pruned runs).
fn same(name: &str, code: &str, files: &[(String, String)]) -> (usize, usize) {
    let (name, code, files) = (name.to_string(), code.to_string(), files.to_vec());
    drvlab_nixlang::cli::on_big_stack(move || {
        let full = sweep_full(&code, &files, Budget::default(), usize::MAX);
        let mut job = Job::new(&code, &files, Budget::default());
        while !job.step(7) {}
        let pruned_runs = job.pruned_runs;
        let pruned = job.finish();
        assert_eq!(pruned.error, full.error, "{name}: the program's own error");
        let (a, b) = (show(&code, &pruned), show(&code, &full));
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x, y, "{name}: pruned (left) and full (right) sweeps differ\n{code}");
        }
        assert_eq!(a.len(), b.len(), "{name}");
        assert_eq!(pruned, sweep(&code, &files, Budget::default()), "{name}: sliced and whole sweeps differ");
        (full.rows.len(), pruned_runs)
    })
}

#[test]
fn the_seed_examples_sweep_as_a_full_re_evaluation_does() {
    let mut pruned = 0;
    for (name, code) in EXAMPLES {
        let (n, p) = same(name, code, &files(&[]));
        assert!(n > 5, "{name}: {n} literals");
        pruned += p;
    }
    // Not vacuous: the examples' string literals are pruned runs.
    assert!(pruned > 10, "only {pruned} pruned runs");
}

#[test]
fn the_benchmark_program_sweeps_as_a_full_re_evaluation_does() {
    let (n, p) = same("bench", &program::program(120), &[]);
    assert!(n > 100 && p > n / 3, "{n} literals, {p} pruned");
}

#[test]
fn generated_programs_sweep_as_a_full_re_evaluation_does() {
    let mut g = gen::Gen::new(13);
    let mut swept = 0;
    for i in 0..40 {
        let (a, b, v) = (g.expr(gen::Ty::Drv, 3), g.expr(gen::Ty::Drv, 2), g.program());
        let code = format!(
            "rec {{\n  a = {a};\n  b = {b};\n  c = derivation {{ name = \"c\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; dep = a; t = builtins.typeOf ({v}); }};\n  n = {v};\n}}\n"
        );
        let (n, _) = same(&format!("generated #{i}"), &code, &[]);
        swept += n;
    }
    assert!(swept > 200, "{swept} literals swept");
}

/// A name, the program, and page files beside it.
type Case = (&'static str, String, Vec<(&'static str, &'static str)>);

#[test]
fn tricky_cases_sweep_as_a_full_re_evaluation_does() {
    let drv = |name: &str, rest: &str| {
        format!("derivation {{ name = \"{name}\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; {rest} }}")
    };
    let cases: Vec<Case> = vec![
        (
            "with and //",
            format!(
                "let s = {{ v = \"1\"; w = \"2\"; }}; t = s // {{ w = \"3\"; }}; in with t; {{ a = {}; b = {}; }}",
                drv("a", "x = v;"),
                drv("b", "y = w;")
            ),
            vec![],
        ),
        (
            "string context",
            format!(
                "rec {{ a = {}; b = {}; c = {}; }}",
                drv("a", ""),
                drv("b", "p = \"${a}/bin\";"),
                drv("c", "q = builtins.unsafeDiscardStringContext \"${a}\";")
            ),
            vec![],
        ),
        (
            "import of a page file",
            format!("let lib = import ./lib.nix; in {{ a = {}; b = {}; }}", drv("a", "v = lib.x;"), drv("b", "")),
            vec![("lib.nix", "{ x = \"from lib\"; y = 2; }")],
        ),
        (
            "attribute names",
            format!(
                "rec {{ a = {}; b = {}; sel = {}; has = {}; }}",
                drv("a", "flags.x = 1; flags.y = 2;"),
                drv("b", "n = builtins.attrNames { p = 1; q = 2; };"),
                drv("sel", "v = { k = \"1\"; kk = \"2\"; }.k;"),
                drv("has", "v = { m = 1; } ? \"m\";")
            ),
            vec![],
        ),
        (
            "rec renames and let",
            format!(
                "let x = \"outer\"; in rec {{ x = \"inner\"; a = {}; b = {}; }}",
                drv("a", "v = x;"),
                drv("b", "w = \"b\";")
            ),
            vec![],
        ),
        (
            "perturbations that fail",
            format!(
                "rec {{ a = {}; b = {}; c = {}; }}",
                drv("a", "h = builtins.substring 0 (builtins.stringLength \"abc\") \"abc\";"),
                drv("b", "v = if \"b\" == \"b\" then \"ok\" else throw \"changed\";"),
                drv("c", "outputHashAlgo = \"sha256\"; outputHashMode = \"flat\"; outputHash = \"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73\";")
            ),
            vec![],
        ),
        (
            "unevaluated and tryEval",
            format!(
                "let unused = {{ p = \"never\"; q = 3; }}; in {{ a = {}; b = {}; f = x: \"f\"; }}",
                drv("a", "v = (builtins.tryEval (if 1 > 2 then throw \"x\" else \"y\")).value;"),
                drv("b", "v = if true then \"t\" else \"never read\";")
            ),
            vec![],
        ),
        (
            "a program that reads its own text",
            format!("{{ a = {}; b = {}; }}", drv("a", "t = builtins.readFile ./main.nix;"), drv("b", "")),
            vec![],
        ),
        (
            "positions",
            format!("{{ a = {}; b = {}; }}", drv("a", "p = toString __curPos.column;"), drv("b", "")),
            vec![],
        ),
        (
            "a single derivation",
            drv("only", "v = [ 1 2.5 \"s\" ./prelude.nix ];"),
            vec![],
        ),
        (
            "a list of derivations",
            format!("[ ({}) ({}) ]", drv("same", "v = 1;"), drv("same", "v = 2;")),
            vec![],
        ),
        ("a program that fails", format!("{{ a = {}; b = c; }}", drv("a", "")), vec![]),
    ];
    for (name, code, extra) in cases {
        same(name, &code, &files(&extra));
    }
}
