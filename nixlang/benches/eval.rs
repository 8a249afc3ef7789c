//! `cargo bench -p drvlab-nixlang --bench eval`: prints figures, asserts nothing.
//!
//! A generated 2,000-line Nix program (a `let` of 250 derivations, each depending on earlier
//! ones, with string work, sets, `//`, functions and builtins between them) is parsed, evaluated
//! and instantiated — every `.drv` path and output path computed, as `nix-instantiate` would —
//! from scratch each run, as the page does on a keystroke.

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

fn main() {
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
