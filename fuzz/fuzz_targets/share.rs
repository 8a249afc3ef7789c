//! The share-link decoder, from fragment text to state: never panics; a state it accepts
//! encodes to a link that decodes to the same state.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for t in [text.to_string(), format!("#s1.{text}")] {
        if let Ok(s) = drvlab::lab::share::decode(&t) {
            let again = drvlab::lab::share::decode(&drvlab::lab::share::encode(&s)).expect("re-encoded link decodes");
            assert_eq!(again, s);
            let _ = drvlab::lab::eval::evaluate(&s.specs, &drvlab_engine::graph::Options::default());
            let _ = drvlab::lab::playground::export(
                &drvlab::lab::playground::Computed::new(&s.specs, &drvlab_engine::graph::Options::default()),
                &s.specs,
                &s.selected,
            );
        }
    }
    // The same bytes deflated, so the fuzzer reaches the JSON checks too.
    let deflated = miniz_oxide::deflate::compress_to_vec(data, 1);
    use base64::Engine as _;
    let f = format!("s1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(deflated));
    if let Ok(s) = drvlab::lab::share::decode(&f) {
        let _ = drvlab::lab::eval::evaluate(&s.specs, &drvlab_engine::graph::Options::default());
        assert!(drvlab::lab::eval::foreign_interpolations(&drvlab::lab::eval::to_nix_expression(&s.specs)).is_empty());
    }
});
