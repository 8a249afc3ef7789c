//! The whole playground state in a URL fragment: versioned JSON, deflated, base64url.
//!
//! A link is untrusted input. Decoding checks its size before and after inflating, its version,
//! and that every derivation key is an identifier; any failure is a [`ShareError`] that says
//! what is wrong, and the page falls back to the default scenario.

use crate::lab::eval::SpecGraph;
use crate::lab::nix_choice::NixChoice;
use base64::Engine as _;
use drvlab_engine::graph::InputMerge;

/// The fragment's prefix and format version.
pub const PREFIX: &str = "s1.";
/// Longest fragment accepted (characters), and the most it may inflate to (bytes).
pub const MAX_FRAGMENT: usize = 64 * 1024;
pub const MAX_INFLATED: usize = 1024 * 1024;

/// What a link holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Shared {
    pub v: u32,
    pub specs: SpecGraph,
    pub selected: String,
    #[serde(default)]
    pub scenario: Option<String>,
    #[serde(default)]
    pub merge: InputMerge,
    /// Absent in links made before the Nix-version selector (and for the default), so their
    /// text is unchanged.
    #[serde(default, skip_serializing_if = "is_strictest")]
    pub nix: NixChoice,
    /// The Nix code, when the code view was open: the code is the source then (its comments,
    /// its layout, its use of the prelude), and the graph is what it evaluated to. Absent
    /// otherwise, so links without code are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

fn is_strictest(n: &NixChoice) -> bool {
    *n == NixChoice::Strictest
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("the link's state does not start with {PREFIX:?}; it may be cut short or from another tool")]
    Prefix,
    #[error("the link's state is {0} characters; links are limited to {MAX_FRAGMENT}")]
    TooLong(usize),
    #[error("the link's state has a character base64url does not use, at position {0}")]
    BadChar(usize),
    #[error(
        "the link's state is not valid base64url (its length or last character is wrong); it may have been cut short"
    )]
    Base64,
    #[error("the link's state does not inflate: {0} (truncated or corrupted)")]
    Inflate(String),
    #[error("the link's state inflates past {MAX_INFLATED} bytes and was refused")]
    TooBig,
    #[error("the link's state is not a drvlab state: {0}")]
    Json(String),
    #[error("the link was made by a newer drvlab (state version {0}); this page reads version 1")]
    Version(u32),
    #[error("the link's state has a derivation key {0:?} that is not an identifier")]
    BadKey(String),
    #[error("the link's state has no derivations")]
    Empty,
}

/// The fragment for a state, if the page will read it back: a state whose fragment would be
/// longer than [`MAX_FRAGMENT`] or whose JSON is larger than [`MAX_INFLATED`] gets the error the
/// page would give when opening it, so it is never offered as a link (save it as a file).
pub fn encode_checked(s: &Shared) -> Result<String, ShareError> {
    let json_len = serde_json::to_vec(s).map(|j| j.len()).unwrap_or(usize::MAX);
    if json_len > MAX_INFLATED {
        return Err(ShareError::TooBig);
    }
    let f = encode(s);
    let body = f.len() - PREFIX.len();
    if body > MAX_FRAGMENT {
        return Err(ShareError::TooLong(body));
    }
    Ok(f)
}

/// The full link for a state at `base` (origin and path), or why there is none.
pub fn link(base: &str, s: &Shared) -> Result<String, ShareError> {
    Ok(format!("{base}#{}", encode_checked(s)?))
}

/// A state as a file (pretty JSON), for a state too large for a link.
pub fn to_file(s: &Shared) -> String {
    serde_json::to_string_pretty(s).unwrap_or_default()
}

/// Whether a pasted or dropped text looks like a state file (so the import panel reads it as
/// one rather than as `nix derivation show` JSON).
pub fn looks_like_file(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('{') && t.contains("\"specs\"") && t.contains("\"selected\"")
}

/// A state file back: the checks of a link, without the link's size limits.
pub fn from_file(text: &str) -> Result<Shared, ShareError> {
    from_json(text.as_bytes())
}

pub fn encode(s: &Shared) -> String {
    let json = serde_json::to_vec(s).unwrap_or_default();
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(deflated))
}

pub fn decode(fragment: &str) -> Result<Shared, ShareError> {
    let body = fragment.trim_start_matches('#').strip_prefix(PREFIX).ok_or(ShareError::Prefix)?;
    if body.len() > MAX_FRAGMENT {
        return Err(ShareError::TooLong(body.len()));
    }
    if let Some(pos) = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        return Err(ShareError::BadChar(pos));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| ShareError::Base64)?;
    let json =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_INFLATED).map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooBig,
            s => ShareError::Inflate(
                match s {
                    miniz_oxide::inflate::TINFLStatus::FailedCannotMakeProgress => "it ends too early",
                    miniz_oxide::inflate::TINFLStatus::Adler32Mismatch => "its checksum is wrong",
                    _ => "its compressed data is damaged",
                }
                .into(),
            ),
        })?;
    from_json(&json)
}

fn from_json(json: &[u8]) -> Result<Shared, ShareError> {
    #[derive(serde::Deserialize)]
    struct Version {
        v: u32,
    }
    let version: Version = serde_json::from_slice(json).map_err(|e| ShareError::Json(e.to_string()))?;
    if version.v != 1 {
        return Err(ShareError::Version(version.v));
    }
    let s: Shared = serde_json::from_slice(json).map_err(|e| ShareError::Json(e.to_string()))?;
    if s.specs.is_empty() {
        return Err(ShareError::Empty);
    }
    if let Some(k) = s.specs.keys().find(|k| !crate::lab::edit::valid_key(k)) {
        return Err(ShareError::BadKey(k.clone()));
    }
    Ok(s)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::lab::scenarios::scenarios;

    fn sample() -> Shared {
        let s = scenarios().remove(0);
        Shared {
            v: 1,
            specs: s.specs,
            selected: s.selected.into(),
            scenario: Some(s.id.into()),
            merge: InputMerge::Merge,
            nix: NixChoice::Strictest,
            code: None,
        }
    }

    #[test]
    fn the_code_round_trips() {
        let code = "# mine\nlet p = import ./prelude.nix; in { x = p.hello; }\n".to_string();
        let s = Shared { code: Some(code), ..sample() };
        assert_eq!(decode(&encode_checked(&s).unwrap()).unwrap(), s);
        // A link without code reads as before (no `code` key in its JSON).
        assert!(!serde_json::to_string(&sample()).unwrap().contains("\"code\""));
    }

    #[test]
    fn round_trips_and_is_short() {
        let s = sample();
        let f = encode(&s);
        assert!(f.len() < 1500, "{}", f.len());
        assert_eq!(decode(&format!("#{f}")).unwrap(), s);
    }

    /// Every scenario travels in a link, directory sources (entry kinds and all) included.
    #[test]
    fn every_scenario_round_trips() {
        for sc in scenarios() {
            let s = Shared { specs: sc.specs, scenario: Some(sc.id.into()), ..sample() };
            assert_eq!(decode(&format!("#{}", encode(&s))).unwrap(), s, "{}", sc.id);
        }
    }

    /// A state too large for a link gets the page's own refusal instead of a link, and a
    /// state file reads back.
    #[test]
    fn no_link_the_page_would_refuse() {
        let mut s = sample();
        // 80 KB of incompressible text in one field (what a paste makes).
        let mut r = drvlab_engine::synth::Rng(7);
        let noise: String = (0..80_000).map(|_| (b'!' + r.below(90) as u8) as char).collect();
        s.specs.values_mut().next().unwrap().env.push(("pasted".into(), noise));
        let e = encode_checked(&s).unwrap_err();
        assert!(matches!(e, ShareError::TooLong(n) if n > MAX_FRAGMENT), "{e}");
        assert!(decode(&encode(&s)).is_err(), "the page refuses what encode_checked refuses");
        assert!(link("https://x/", &s).is_err());
        let file = to_file(&s);
        assert!(looks_like_file(&file));
        assert_eq!(from_file(&file).unwrap(), s);
        assert!(link("https://x/", &sample()).unwrap().starts_with("https://x/#s1."));
    }

    #[test]
    fn corrupt_links_say_what_is_wrong() {
        let f = encode(&sample());
        assert_eq!(decode("#hello"), Err(ShareError::Prefix));
        // Cut at a whole base64 quantum: decodes, then fails to inflate.
        let cut = PREFIX.len() + (f.len() - PREFIX.len()) / 2 / 4 * 4;
        assert!(matches!(decode(&f[..cut]), Err(ShareError::Inflate(_))), "{:?}", decode(&f[..cut]));
        // Cut anywhere: still a clear error, never a panic.
        for i in 0..f.len() {
            assert!(decode(&f[..i]).is_err());
        }
        assert!(matches!(decode(&format!("{f}!")), Err(ShareError::BadChar(_))));
        assert_eq!(decode("#s1.garbage"), Err(ShareError::Base64));
        let bomb = Shared { specs: SpecGraph::new(), ..sample() };
        assert_eq!(decode(&encode(&bomb)), Err(ShareError::Empty));
        let mut v = serde_json::to_value(sample()).unwrap();
        v["v"] = 2.into();
        let raw = miniz_oxide::deflate::compress_to_vec(v.to_string().as_bytes(), 9);
        let f2 = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw));
        assert_eq!(decode(&f2), Err(ShareError::Version(2)));
        // A highly compressible 2 MB payload is refused after inflating 1 MB.
        let big = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 2 * 1024 * 1024], 9);
        let f3 = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(big));
        assert_eq!(decode(&f3), Err(ShareError::TooBig));
    }
}
