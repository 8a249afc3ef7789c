//! `cargo bench --bench scale`: the page's work on big closures, natively; prints figures,
//! asserts nothing.
//!
//! - the graph drawing's layout of a stdenv-shaped closure (a chain of N derivations, each also
//!   using one common dependency, as every package uses stdenv) of 151 / 301 / 601 derivations
//!   and a 5,000 chain — whole, and as the page draws a big graph (the selection's
//!   neighbourhood);
//! - loading a 5,000-derivation chain into the reducer, and a keystroke at its end and at its
//!   start (the edit reaches one derivation, or all 5,000);
//! - the matrix's sweep of one derivation with 10,000 args, as the page runs it (capped lists);
//! - importing the 5,000 chain as `nix derivation show` JSON (verify + lift).

use drvlab::lab::eval::{DrvSpec, SpecGraph};
use drvlab::lab::layout::{focus, layout};
use drvlab::lab::playground::{Action, Playground, SpecEdit, SweepJob};
use drvlab_engine::graph::Options;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Instant;

/// Median of `runs` timings of `f`, in milliseconds, after one warm-up.
fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[t.len() / 2]
}

/// `common` (if any) and `d1`…`dn`, each `d<i>` using `d<i-1>` and `common`.
fn chain(n: usize, common: bool) -> SpecGraph {
    let mut g = SpecGraph::new();
    if common {
        g.insert(
            "stdenv".into(),
            DrvSpec::new("stdenv", "x86_64-linux", "/bin/sh", &["-c", "echo stdenv > $out"]).into(),
        );
    }
    for i in 1..=n {
        let mut script = String::from("echo");
        if common {
            script += " ${stdenv}";
        }
        if i > 1 {
            script += &format!(" ${{d{}}}", i - 1);
        }
        script += " > $out";
        g.insert(format!("d{i}"), DrvSpec::new(&format!("pkg{i}"), "x86_64-linux", "/bin/sh", &["-c", &script]).into());
    }
    g
}

fn edges(g: &SpecGraph) -> (Vec<String>, Vec<(String, String)>) {
    let keys = g.keys().cloned().collect();
    let e = g
        .iter()
        .flat_map(|(k, s)| drvlab::lab::eval::references(s, g).into_iter().map(move |r| (r, k.clone())))
        .collect();
    (keys, e)
}

fn main() {
    println!("drvlab page-at-scale benchmark (native)");
    for n in [150, 300, 600] {
        let (k, e) = edges(&chain(n, true));
        let ms = time(5, || {
            black_box(layout(&k, &e));
        });
        let l = layout(&k, &e);
        println!(
            "  {:<52} {:>9.2} ms  ({} x {} px)",
            format!("layout, stdenv-shaped closure of {} (whole)", n + 1),
            ms,
            l.width,
            l.height
        );
    }
    let (k, e) = edges(&chain(600, true));
    let ms = time(21, || {
        let f = focus(&k, &e, "d300", 2, 8);
        black_box(layout(&f.keys, &f.edges));
    });
    println!("  {:<52} {:>9.2} ms", "focus + layout of d300's neighbourhood, 601 closure", ms);
    let (k, e) = edges(&chain(5000, false));
    let ms = time(5, || {
        black_box(layout(&k, &e));
    });
    println!("  {:<52} {:>9.2} ms", "layout, 5,000 chain (whole)", ms);

    // The reducer on a 5,000 chain.
    let g = chain(5000, false);
    let start = Instant::now();
    let p = Playground::default()
        .reduce(Action::Load { specs: g.clone(), selected: "d5000".into(), label: "bench".into() })
        .expect("loads");
    let load = start.elapsed().as_secs_f64() * 1e3;
    println!("  {:<52} {:>9.1} ms", "load a 5,000 chain (evaluate all, sweep d5000)", load);
    let mut i = 0;
    let end = time(11, || {
        i += 1;
        black_box(p.reduce(Action::Edit("d5000".into(), SpecEdit::Builder(format!("/bin/sh{i}")))));
    });
    println!("  {:<52} {:>9.2} ms", "keystroke at the end of a 5,000 chain", end);
    let first = p.reduce(Action::Select("d1".into())).expect("selects");
    let head = time(3, || {
        i += 1;
        black_box(first.reduce(Action::Edit("d1".into(), SpecEdit::Builder(format!("/bin/sh{i}")))));
    });
    println!("  {:<52} {:>9.1} ms  (every derivation moves)", "keystroke at the start of a 5,000 chain", head);
    if let Some((done, total)) = first.sweep_progress() {
        println!(
            "  {:<52} {:>9} / {} fields (the page sweeps the rest in slices)",
            "  d1's sweep, done within the select", done, total
        );
    }

    // One derivation with 10,000 args: the page's sweep of it.
    let mut big = SpecGraph::new();
    let args: Vec<String> = (0..10_000).map(|i| format!("--flag-{i}")).collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    big.insert("big".into(), DrvSpec::new("big", "x86_64-linux", "/bin/sh", &refs).into());
    let opts = Options::default();
    let base = Rc::new(drvlab::lab::playground::Computed::new(&big, &opts));
    let ms = time(3, || {
        let mut job = SweepJob::new(&big, base.clone(), &opts, Some("big"), None, true);
        while !job.step(&big, 64) {}
        black_box(job.sweep());
    });
    let job = SweepJob::new(&big, base.clone(), &opts, Some("big"), None, true);
    println!(
        "  {:<52} {:>9.1} ms  ({} rows, {} fields left out)",
        "sweep of one derivation with 10,000 args (page caps)",
        ms,
        job.progress().1,
        job.skipped
    );
    let ms = time(3, || {
        black_box(Playground::default().reduce(Action::Load {
            specs: big.clone(),
            selected: "big".into(),
            label: "bench".into(),
        }));
    });
    println!("  {:<52} {:>9.1} ms", "load one derivation with 10,000 args", ms);

    // Import the 5,000 chain as `nix derivation show` JSON.
    let json = {
        let (_, json, _) = drvlab::lab::playground::export(&p.computed, &p.specs, &p.selected);
        json
    };
    let ms = time(3, || {
        black_box(drvlab::lab::playground::import_text(&json, &opts).expect("imports"));
    });
    println!("  {:<52} {:>9.1} ms  ({} KB of JSON)", "import a 5,000 chain (verify + lift)", ms, json.len() / 1024);
    // Its steps, as the page runs them.
    let parse = time(3, || {
        black_box(drvlab_engine::import::import_json(&json, &opts.store_dir).expect("parses"));
    });
    let graph = drvlab_engine::import::import_json(&json, &opts.store_dir).expect("parses").graph;
    let quiet = Options { trace: false, ..opts.clone() };
    let resolve = time(3, || {
        black_box(drvlab_engine::graph::resolve(&graph, &quiet).expect("resolves"));
    });
    let res = drvlab_engine::graph::resolve(&graph, &quiet).expect("resolves");
    let lift = time(3, || {
        black_box(drvlab::lab::lift::lift(&graph, &res));
    });
    println!(
        "  {:<52} {:>9.1} ms  (parse {parse:.1}, resolve {resolve:.1}, lift {lift:.1})",
        "  its steps",
        parse + resolve + lift
    );
    // As the page runs it: in slices of about 5 ms here (the page aims at 20 ms in wasm, about
    // 2.5× slower); the longest slice is held up by the steps the job cannot split.
    let mut job = drvlab::lab::playground::Importing::new(json.as_str().into(), &opts);
    let (mut longest, mut at, mut slices) = (0.0f64, String::new(), 0);
    let started = Instant::now();
    loop {
        let before = job.progress();
        let s = Instant::now();
        let done = job.step(&mut || s.elapsed().as_secs_f64() < 0.005);
        let ms = s.elapsed().as_secs_f64() * 1e3;
        slices += 1;
        if ms > longest {
            (longest, at) = (ms, before);
        }
        if done {
            break;
        }
    }
    let all = started.elapsed().as_secs_f64() * 1e3;
    println!(
        "  {:<52} {:>9.1} ms  ({slices} slices, all {all:.1} ms; from \"{at}\")",
        "  its longest 5 ms slice (load included)", longest
    );
}
