//! The engine on golden files made by real Nix 2.8 (`engine/tests/golden/`): each `*.nix` was
//! instantiated with `nix-instantiate`, `nix show-derivation -r` printed the `*.nix28.json`, and
//! the `.drv` files are the bytes Nix wrote. Every path Nix printed must be what the engine
//! computes, and every `.drv` file must parse and print back to the same bytes under the same
//! name.
#![cfg(not(target_arch = "wasm32"))]

use drvlab_engine::aterm::parse_aterm;
use drvlab_engine::graph::{resolve, NixVersion, Options};
use drvlab_engine::import::import_json;
use drvlab_engine::store_path::text_path;
use drvlab_engine::trace::Trace;
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Nix 2.8's rules (it accepts names such as `.` and `..a`, which the golden forms use).
fn nix28() -> Options {
    Options { nix: Some(NixVersion::new(2, 8, 0)), ..Options::default() }
}

/// The golden files ending in `ext`, in `golden/` and its `forms-drv/`.
fn files(ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = [golden_dir(), golden_dir().join("forms-drv")]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no golden {ext} files");
    v
}

#[test]
fn every_path_nix_printed_is_computed() {
    for file in files(".nix28.json") {
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let imported = import_json(&text, "/nix/store").unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let res = resolve(&imported.graph, &nix28()).unwrap();
        for (key, entry) in doc.as_object().unwrap() {
            let r = &res.entries[key];
            assert_eq!(&r.drv_path, key, "{}: .drv path", file.display());
            for (o, given) in entry["outputs"].as_object().unwrap() {
                let want = given.get("path").and_then(|p| p.as_str()).filter(|p| !p.is_empty());
                assert_eq!(r.outputs[o].as_deref(), want, "{}: {key} output {o}", file.display());
            }
            assert!(r.mismatches.is_empty(), "{}: {key}: {:?}", file.display(), r.mismatches);
        }
    }
}

#[test]
fn every_drv_file_prints_back_to_its_bytes_and_its_name() {
    for file in files(".drv") {
        let bytes = std::fs::read(&file).unwrap();
        let base = file.file_name().unwrap().to_string_lossy().into_owned();
        let name = &base[33..base.len() - 4];
        let drv = parse_aterm(&bytes, name).unwrap_or_else(|e| panic!("{base}: {e}"));
        assert_eq!(drv.to_aterm_bytes(), bytes, "{base}: printed back");
        let mut refs: Vec<String> = drv.input_srcs.iter().cloned().collect();
        refs.extend(drv.input_drvs.keys().cloned());
        let path = text_path("/nix/store", &format!("{name}.drv"), &bytes, &refs, &mut Trace::off());
        assert_eq!(path, format!("/nix/store/{base}"));
    }
}
