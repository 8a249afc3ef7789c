//! The teacher's exercise-set parser: any text gives a set or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = drvlab::lab::exercises::parse_set(text);
});
