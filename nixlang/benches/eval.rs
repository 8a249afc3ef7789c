//! `cargo bench -p drvlab-nixlang --bench eval`: prints figures, asserts nothing.
//!
//! A generated 2,000-line Nix program (a `let` of 250 derivations, each depending on earlier
//! ones, with string work, sets, `//`, functions and builtins between them) is parsed, evaluated
//! and instantiated — every `.drv` path and output path computed, as `nix-instantiate` would —
//! from scratch each run, as the page does on a keystroke.
//!
//! Then the page's per-keystroke work and per-literal sweep for each seed example (over the
//! prelude, as the code view sends them) and for generated 2,000- and 5,000-line programs:
//! the reference sweep (every literal a whole evaluation, what the page did before) against
//! the pruned one (only what a literal reaches evaluated again). Where the reference would
//! take minutes it is timed on its first literals and scaled, and says so.

use drvlab_nixlang::{fs::MemFs, Evaluator, Options, Value};
use std::hint::black_box;
use std::time::Instant;

/// Median and minimum of `runs` timings of `f`, in milliseconds, after a warm-up.
fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..3 {
        f();
    }
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    (t[t.len() / 2], t[0])
}

#[path = "program.rs"]
mod program;
use program::program;

/// Evaluates the program and every derivation's `.drv` path (what `nix-instantiate` prints).
fn evaluate(text: &str) -> usize {
    let mut ev = Evaluator::new(Box::new(MemFs::new()), Options::default());
    let v = ev.eval_str(text, "/").expect("the program evaluates");
    let Value::List(items) = v else { panic!("a list") };
    let mut n = 0;
    for t in items.iter() {
        let Value::Attrs(a) = ev.force(t, Default::default()).expect("a derivation") else { panic!("a set") };
        let p = a.get("drvPath").expect("drvPath").clone();
        black_box(ev.force_string(&p, Default::default()).expect("a path"));
        n += 1;
    }
    n
}

const PRELUDE: &str = include_str!("../../src/lab/code/nix/prelude.nix");
const EXAMPLES: &[(&str, &str)] = &[
    ("rerun", include_str!("../../src/lab/code/nix/rerun.nix")),
    ("pullimage", include_str!("../../src/lab/code/nix/pullimage.nix")),
    ("fetchurl", include_str!("../../src/lab/code/nix/fetchurl.nix")),
    ("garbage", include_str!("../../src/lab/code/nix/garbage.nix")),
];

fn once(f: impl FnOnce()) -> f64 {
    let s = Instant::now();
    f();
    s.elapsed().as_secs_f64() * 1e3
}

/// The page's work for one program: evaluate + paths (a keystroke), the reference sweep and
/// the pruned sweep.
fn sweeps(name: &str, code: &str, files: &[(String, String)], runs: usize) {
    use drvlab_nixlang::{page, sweep, Budget};
    let lines = code.lines().count();
    let (eval_ms, _) = time(runs, || {
        black_box(page::evaluate(code, files, Budget::default()));
    });
    let n = page::literals(code).len();
    // The reference: all literals when that is quick, else the first ones, scaled.
    let probe = if lines > 500 { 30.min(n) } else { n };
    let full_probe = once(|| {
        black_box(sweep::sweep_full(code, files, Budget::default(), probe));
    });
    let full = full_probe * n as f64 / probe.max(1) as f64;
    let scaled = if probe < n { format!(" (timed on the first {probe}, scaled)") } else { String::new() };
    // The pruned sweep: its tracked unperturbed run, then the same literals as the reference.
    let mut job = None;
    let setup = once(|| job = Some(sweep::Job::new(code, files, Budget::default())));
    let mut j = job.expect("a sweep");
    let steps = once(|| {
        j.step(probe);
    });
    let pruned = setup + steps * n as f64 / probe.max(1) as f64;
    println!(
        "sweep {name}: {lines} lines, {n} literals; evaluate + paths {eval_ms:.2} ms per keystroke; sweep {full:.0} ms{scaled} -> {pruned:.0} ms ({:.1}x; {} literals evaluated in full, {} pruned)",
        full / pruned.max(1e-9),
        j.full_runs,
        j.pruned_runs,
    );
}

fn main() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let files = vec![("prelude.nix".to_string(), PRELUDE.to_string())];
            for (name, code) in EXAMPLES {
                sweeps(name, code, &files, 21);
            }
            for lines in [2000, 5000] {
                sweeps(&format!("generated {lines}-line program"), &program(lines), &[], 5);
            }
        })
        .expect("spawn")
        .join()
        .expect("sweep bench thread");
    let text = program(2000);
    let lines = text.lines().count();
    let drvs = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let n = evaluate(&text);
            let (median, min) = time(21, || {
                black_box(evaluate(&text));
            });
            let parse_only = time(21, || {
                let mut ev = Evaluator::new(Box::new(MemFs::new()), Options::default());
                black_box(ev.parse("«string»", &text, "/").expect("parses"));
            });
            let grammar = time(21, || {
                black_box(drvlab_nixlang::syntax::nix_parse_error(&text));
            });
            let rnix = time(21, || {
                black_box(rnix::Root::parse(&text));
            });
            (n, median, min, parse_only, grammar, rnix, text.len())
        })
        .expect("spawn")
        .join()
        .expect("bench thread");
    let (n, median, min, (pmedian, pmin), (gmedian, _), (rmedian, _), bytes) = drvs;
    println!(
        "nixlang: a {lines}-line program ({bytes} bytes, {n} derivations): evaluate + paths {median:.2} ms median ({min:.2} min); parse + lower alone {pmedian:.2} ms ({pmin:.2} min), of which rnix's parse {rmedian:.2} ms and the check against Nix's grammar {gmedian:.2} ms"
    );
}
