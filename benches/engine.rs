//! `cargo bench --bench engine`: prints figures, asserts nothing.
//!
//! - every path of a generated 1,000-derivation graph (~800 bytes of ATerm each), with and
//!   without traces;
//! - one raw SHA-256 pass over the same `.drv` bytes, and the ratio engine / hashing (each
//!   input-addressed derivation hashes three ATerms — masked, modulo, and its `.drv` — and the
//!   fingerprints of its paths, so the floor is about 3.4; target ≤ 5);
//!
//! Times are this thread's CPU time (the machine is shared), median of runs.
//! - the full sensitivity sweep of a 50-derivation graph;
//! - a keystroke on a 50-derivation import (recompute + the matrix's sweep of the selected
//!   derivation, and of every derivation);
//! - a recompute of every scenario the page ships with (what a keystroke costs).
//!
//! The same graph is measured in headless Chromium by `tests/web.rs` (wasm build).

use drvlab_engine::graph::{resolve, Options};
use std::hint::black_box;

/// CPU time of this thread in milliseconds: the machine is shared, and wall time would count
/// the moments another process held the core.
#[cfg(not(target_arch = "wasm32"))]
fn cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// (The benchmark runs natively; in wasm it only compiles.)
#[cfg(target_arch = "wasm32")]
fn cpu_ms() -> f64 {
    0.0
}

/// Median and minimum of `runs` timings of `f` (thread CPU time), in milliseconds, after a
/// warm-up.
fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..3 {
        f();
    }
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = cpu_ms();
            f();
            cpu_ms() - s
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    (t[t.len() / 2], t[0])
}

fn main() {
    let quiet = Options { trace: false, ..Options::default() };
    let g = drvlab_engine::synth::graph(1000, 42);
    let res = resolve(&g, &quiet).expect("the generated graph resolves");
    let bytes: usize = res.entries.values().map(|r| r.aterm.len()).sum();
    let (engine, engine_min) = time(41, || {
        black_box(resolve(&g, &quiet).unwrap());
    });
    let (traced, _) = time(21, || {
        black_box(resolve(&g, &Options::default()).unwrap());
    });
    let (hashing, hashing_min) = time(41, || {
        for r in res.entries.values() {
            black_box(drvlab_engine::hash::Hash::sha256(&r.aterm));
        }
    });
    let g50 = drvlab_engine::synth::graph(50, 7);
    let (sweep, _) = time(5, || {
        black_box(drvlab::lab::explain::sensitivity(&g50, &quiet).unwrap());
    });
    let rows = drvlab::lab::explain::sensitivity(&g50, &quiet).unwrap().rows.len();
    println!(
        "drvlab engine benchmark (native, {} derivations, {} KB of ATerm, avg {} B)",
        g.len(),
        bytes / 1024,
        bytes / g.len()
    );
    println!(
        "  {:<46} {:>9.3} ms  (min {:.3}; {:.2} µs per derivation)",
        "all paths, traces off", engine, engine_min, engine
    );
    println!("  {:<46} {:>9.3} ms", "all paths, traces on", traced);
    println!("  {:<46} {:>9.3} ms  (min {:.3})", "one SHA-256 pass over the .drv bytes", hashing, hashing_min);
    println!(
        "  {:<46} {:>9.2}  (min/min {:.2}; hashing floor ~3.4: three ATerms and the fingerprints; target ≤ 5)",
        "ratio engine / hashing",
        engine / hashing,
        engine_min / hashing_min
    );
    println!(
        "  {:<46} {:>9.1} ms  ({rows} perturbations, each a full recompute)",
        "sensitivity sweep, 50 derivations", sweep
    );
    // A keystroke on an imported 50-derivation closure: the reducer recomputes the graph and
    // sweeps the selected derivation's fields (the matrix's default), or every derivation's.
    {
        use drvlab::lab::playground::{Action, Playground, SpecEdit};
        let lifted = drvlab::lab::lift::lift(&g50, &resolve(&g50, &quiet).unwrap());
        let last = lifted.keys.values().last().cloned().unwrap_or_default();
        let p = Playground::default()
            .reduce(Action::Load { specs: lifted.specs, selected: last.clone(), label: "bench".into() })
            .expect("loads");
        let mut n = 0;
        let (key_ms, _) = time(21, || {
            n += 1;
            black_box(p.reduce(Action::Edit(last.clone(), SpecEdit::Builder(format!("/bin/sh{n}")))));
        });
        let all = p.reduce(Action::SweepAll(true)).expect("toggles");
        let (all_ms, _) = time(5, || {
            n += 1;
            black_box(all.reduce(Action::Edit(last.clone(), SpecEdit::Builder(format!("/bin/sh{n}")))));
        });
        println!(
            "  {:<46} {:>9.1} ms  (every derivation's fields: {:.1} ms)",
            "keystroke on a 50-derivation import", key_ms, all_ms
        );
    }
    for s in drvlab::lab::scenarios::scenarios() {
        let opts = Options::default();
        let (ms, _) = time(41, || {
            black_box(drvlab::lab::playground::Computed::new(&s.specs, &opts));
        });
        let (sw, _) = time(11, || {
            black_box(drvlab::lab::playground::sweep(&s.specs, &opts, None));
        });
        println!("  scenario {:<24} recompute {:>7.1} µs, matrix sweep {:>7.1} µs", s.id, ms * 1e3, sw * 1e3);
    }
}
