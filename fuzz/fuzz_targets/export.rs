//! The `.nix` export of any state: the bytes fill every field of a two-derivation graph (split
//! at 0xff). Evaluating and exporting never panic; the export has no `${` drvlab did not write;
//! a graph that evaluates exports JSON that re-imports and lifts back to the same `.drv` paths.
#![no_main]
use drvlab::lab::eval::{evaluate, foreign_interpolations, to_nix_expression, DrvSpec, SourceSpec, SpecGraph};
use drvlab_engine::graph::Options;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts: Vec<String> = data.split(|&b| b == 0xff).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
    let f = |i: usize| parts.get(i).cloned().unwrap_or_default();
    let a = DrvSpec::new("a", "x86_64-linux", "/bin/sh", &[]);
    let mut b = DrvSpec::new(&f(0), &f(1), &f(2), &[]);
    b.args = vec![f(3), "${a}".into()];
    b.env = vec![(f(4), f(5)), ("dep".into(), format!("{}${{a}}{}", f(6), f(6)))];
    b.sources = vec![
        SourceSpec { attr: f(7), name: "f.txt".into(), contents: f(8), tree: None },
        SourceSpec { attr: "g".into(), name: "g.txt".into(), contents: format!("{}${{{}}}", f(9), f(7)), tree: None },
    ];
    if !f(10).is_empty() {
        b.store_srcs = vec![f(10)];
    }
    let key = if f(11).is_empty() { "b".to_string() } else { f(11) };
    let g = SpecGraph::from([("a".to_string(), a), (key, b)]);
    let opts = Options::default();
    let ev = evaluate(&g, &opts);
    let nix = to_nix_expression(&g);
    assert!(foreign_interpolations(&nix).is_empty(), "{nix}");
    let _ = drvlab::lab::eval::to_shell_script(&g);
    if ev.errors.is_empty() {
        let by_path =
            drvlab_engine::collect::map(ev.resolution.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())));
        let json = drvlab_engine::import::export_json_2_8(&by_path).to_string();
        let imp = drvlab_engine::import::import_json(&json, "/nix/store").expect("export re-imports");
        let res = drvlab_engine::graph::resolve(&imp.graph, &opts).expect("re-import resolves");
        let lifted = drvlab::lab::lift::lift(&imp.graph, &res);
        let again = evaluate(&lifted.specs, &opts);
        for (orig, k) in &lifted.keys {
            assert_eq!(again.resolution.entries.get(k).map(|r| r.drv_path.as_str()), Some(orig.as_str()), "{k}");
        }
    }
});
