//! The engine's resolution, checked against itself: traces on or off, `resolve_one` step by
//! step, `resolve_each` handing over — the same paths, ATerms and hashes every way.
#![cfg(not(target_arch = "wasm32"))]

use drvlab_engine::graph::{resolve, resolve_each, resolve_one, InputMerge, Options};
use std::collections::BTreeMap;

/// Traces on or off, in either merge mode, the same computation: every path, ATerm, hash
/// modulo and mismatch agree (the traced run writes its ATerms again for the spans; the
/// quiet one hashes spliced buffers).
#[test]
fn traces_change_no_result() {
    for (n, seed) in [(200, 42), (40, 7)] {
        let g = drvlab_engine::synth::graph(n, seed);
        for merge in [InputMerge::Merge, InputMerge::Overwrite] {
            let on = resolve(&g, &Options { merge, ..Options::default() }).unwrap();
            let off = resolve(&g, &Options { merge, trace: false, ..Options::default() }).unwrap();
            assert_eq!(on.order, off.order);
            for (k, a) in &on.entries {
                let b = &off.entries[k];
                assert!(!a.traces.drv_path.steps.is_empty() && b.traces.drv_path.steps.is_empty());
                assert_eq!((&a.drv, &a.aterm, &a.drv_path, &a.outputs), (&b.drv, &b.aterm, &b.drv_path, &b.outputs));
                assert_eq!((&a.modulo, &a.mismatches), (&b.modulo, &b.mismatches));
                assert_eq!(a.traces.drv_path.get("path"), Some(a.drv_path.as_str()));
            }
        }
    }
}

/// `resolve_one` over a map of resolved inputs is `resolve`'s step.
#[test]
fn resolve_one_is_resolves_step() {
    let g = drvlab_engine::synth::graph(60, 3);
    let all = resolve(&g, &Options::default()).unwrap();
    let mut done = BTreeMap::new();
    for k in &all.order {
        let r = resolve_one(k, &g[k], &done, &Options::default()).unwrap();
        assert_eq!(&r, &all.entries[k]);
        done.insert(k.clone(), r);
    }
}

/// `resolve_each` hands over exactly what `resolve` keeps, traced where asked.
#[test]
fn resolve_each_hands_over_resolve() {
    let g = drvlab_engine::synth::graph(80, 5);
    let quiet = Options { trace: false, ..Options::default() };
    let all = resolve(&g, &quiet).unwrap();
    let traced = resolve(&g, &Options::default()).unwrap();
    let mut seen = Vec::new();
    let order = resolve_each(&g, &quiet, &|k| k == "d7", |k, r| {
        let want = if k == "d7" { &traced.entries[k] } else { &all.entries[k] };
        assert_eq!(&r, want, "{k}");
        seen.push(k.to_string());
    })
    .unwrap();
    assert_eq!((&order, &seen), (&all.order, &all.order));
}
