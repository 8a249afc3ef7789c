//! The ATerm parser: never panics, and whatever parses prints back to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(drv) = drvlab_engine::aterm::parse_aterm(data, "x") {
        assert_eq!(drv.to_aterm_bytes(), data, "parsed ATerm must print back byte for byte");
    }
});
