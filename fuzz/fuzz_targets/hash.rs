//! Hash text: never panics; what parses re-parses from its printed form to the same digest,
//! and lowercase base16 / nix32 / SRI text prints back byte for byte.
#![no_main]
use drvlab_engine::hash::{Hash, HashAlgo, HashFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for algo in [None, Some(HashAlgo::Md5), Some(HashAlgo::Sha1), Some(HashAlgo::Sha256), Some(HashAlgo::Sha512)] {
        if let Ok((h, format)) = Hash::parse_with_format(text, algo) {
            assert_eq!(h.bytes.len(), h.algo.size());
            let printed = h.to_format(format, false);
            let back = Hash::parse(&printed, Some(h.algo)).expect("printed hash parses");
            assert_eq!(back, h);
            let body = text.rsplit(|c| c == ':' || c == '-').next().unwrap_or(text);
            if format != HashFormat::Base16 || body.bytes().all(|b| !b.is_ascii_uppercase()) {
                if format != HashFormat::Sri {
                    assert_eq!(printed, body, "canonical text prints back");
                } else {
                    assert_eq!(h.to_sri(), text);
                }
            }
        }
    }
});
