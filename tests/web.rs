//! Runs in headless Chromium: `cargo test --target wasm32-unknown-unknown` (through
//! wasm-bindgen-test-runner and chromedriver). Proves the wasm build of the engine gives the
//! paths real Nix gives, and that the components render and react.
#![cfg(target_arch = "wasm32")]

use drvlab::lab::eval::evaluate;
use drvlab_engine::graph::Options;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn engine_in_the_browser_gives_real_nix_paths() {
    let ev = evaluate(&drvlab::lab::eval::reference_graph(), &Options::default());
    assert!(ev.errors.is_empty());
    let b = &ev.resolution.entries["build"];
    assert_eq!(b.drv_path, "/nix/store/vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv");
    assert_eq!(b.outputs["out"].as_deref(), Some("/nix/store/kxw3pl42mdb1mmj60iwc1gsqv86r4hsi-build"));
    assert_eq!(b.outputs["dev"].as_deref(), Some("/nix/store/6a20jg0ixr78i10ql34jgagcf01pw7vi-build-dev"));
    assert_eq!(ev.resolution.entries["fetch"].drv_path, "/nix/store/yhfk2f2pz97kxlah1j7dvf2rbvld55ps-src.drv");
    assert_eq!(
        ev.resolution.entries["fetch"].outputs["out"].as_deref(),
        Some("/nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src")
    );
}

#[wasm_bindgen_test]
fn parsed_drv_round_trips_in_the_browser() {
    let text = r#"Derive([("doc","","",""),("out","","","")],[("/nix/store/nm6lx84h57jlgnpb4p7l1rsibl3viggc-ca.drv",["lib","out"])],[],"x86_64-linux","/bin/sh",["-c","echo"],[("builder","/bin/sh"),("doc",""),("name","dep"),("out",""),("outputs","out doc"),("system","x86_64-linux")])"#;
    let drv = drvlab_engine::aterm::parse_aterm(text.as_bytes(), "dep").unwrap();
    assert_eq!(drv.to_aterm_bytes(), text.as_bytes());
}

fn doc() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn text_of(root: &web_sys::Element, testid: &str) -> String {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("{testid} rendered"))
        .text_content()
        .unwrap_or_default()
}

async fn settle() {
    yew::platform::time::sleep(std::time::Duration::from_millis(30)).await;
}

#[wasm_bindgen_test]
async fn app_renders_paths_and_an_edit_moves_them() {
    let root = doc().create_element("div").unwrap();
    doc().body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<drvlab::ui::App>::with_root(root.clone()).render();
    settle().await;
    let out_before = text_of(&root, "out-path-build-out");
    let fetch_before = text_of(&root, "out-path-fetch-out");
    assert!(out_before.starts_with("/nix/store/"), "{out_before}");
    // The builder field of the selected derivation (build).
    let input: web_sys::HtmlInputElement =
        root.query_selector("input[aria-label=\"builder\"]").unwrap().expect("builder field").dyn_into().unwrap();
    input.set_value("/bin/bash");
    let ev = web_sys::InputEvent::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
    settle().await;
    let out_after = text_of(&root, "out-path-build-out");
    assert_ne!(out_before, out_after, "editing build's builder moves its output");
    assert_eq!(fetch_before, text_of(&root, "out-path-fetch-out"), "fetch does not move");
    assert!(root.text_content().unwrap().contains("moved"), "the change panel reports it");
}

/// The engine's speed in the browser, printed (not asserted): the same figures as
/// `cargo bench --bench engine` natively. Median of several runs.
#[wasm_bindgen_test]
fn bench_in_the_browser_prints_figures() {
    use drvlab_engine::graph::resolve;
    let perf = web_sys::window().unwrap().performance().unwrap();
    let opts = Options { trace: false, ..Options::default() };
    // A debug build only proves the benchmark runs; figures come from `--release`
    // (scripts/test.sh runs it so and prints them).
    let (n, sweep_n) = if cfg!(debug_assertions) { (50, 5) } else { (1000, 50) };
    let g = drvlab_engine::synth::graph(n, 42);
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..9)
            .map(|_| {
                let s = perf.now();
                f();
                perf.now() - s
            })
            .collect();
        t.sort_by(|a, b| a.partial_cmp(b).unwrap());
        t[t.len() / 2]
    };
    let res = resolve(&g, &opts).unwrap();
    let bytes: usize = res.entries.values().map(|r| r.aterm.len()).sum();
    let engine = median(&mut || {
        resolve(&g, &opts).unwrap();
    });
    let hashing = median(&mut || {
        for r in res.entries.values() {
            std::hint::black_box(drvlab_engine::hash::Hash::sha256(&r.aterm));
        }
    });
    let traced = median(&mut || {
        resolve(&g, &Options::default()).unwrap();
    });
    let g50 = drvlab_engine::synth::graph(sweep_n, 7);
    let sweep = median(&mut || {
        drvlab::lab::explain::sensitivity(&g50, &opts).unwrap();
    });
    console_log!(
        "BENCH wasm (Chromium{}): {n} derivations ({} KB ATerm): resolve {:.2} ms ({:.2} µs/drv), with traces {:.2} ms; one SHA-256 pass {:.2} ms; ratio engine/hashing {:.2} (target ≤ 4.5); sweep of {sweep_n} derivations {:.1} ms",
        if cfg!(debug_assertions) { ", debug build" } else { "" },
        bytes / 1024,
        engine,
        engine * 1000.0 / n as f64,
        traced,
        hashing,
        engine / hashing.max(0.001),
        sweep
    );
    assert!(engine > 0.0);
}
