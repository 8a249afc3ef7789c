//! `nix derivation show` JSON import: never panics; what imports resolves (or errors) without
//! panicking, and the 2.8-shape export of an imported graph imports to the same graph.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(imp) = drvlab_engine::import::import_json(text, "/nix/store") {
        let _ = drvlab_engine::graph::resolve(&imp.graph, &drvlab_engine::graph::Options::default());
        let exported = drvlab_engine::import::export_json_2_8(&imp.graph);
        let mut again = drvlab_engine::import::import_json(&exported.to_string(), "/nix/store").expect("export re-imports");
        // The export prints each derivation's name only through env/keys: compare what the
        // ATerm holds, plus names where the document carried them.
        for (k, d) in &imp.graph {
            let e = again.graph.remove(k).expect("same keys");
            assert_eq!(e.to_aterm_bytes(), d.to_aterm_bytes(), "{k}");
        }
    }
});
