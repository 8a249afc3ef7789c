//! The whole playground state in a URL fragment: versioned JSON, deflated, base64url.
//! The JSON is the one serde_json writes for [`Shared`], written and read by [`codec`] (no serde
//! code in the bundles).
//!
//! A link is untrusted input. Decoding checks its size before and after inflating, its version,
//! and that every derivation key is an identifier; any failure is a [`ShareError`] that says
//! what is wrong, and the page falls back to the default scenario.

use crate::lab::eval::SpecGraph;
use crate::lab::nix_choice::NixChoice;
use base64::Engine as _;
use drvlab_engine::graph::InputMerge;
use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};

mod codec;

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
    let mut job = Encoding::new(s);
    while !job.step(&mut || true) {}
    job.finish()
}

/// [`encode_checked`] as a job, so the page can write a big graph's link between frames: the
/// JSON is written at once, then deflated a piece at a time (the ~900 KB of JSON of a
/// 5,000-derivation state took ~25 ms to deflate natively, several times that in the page).
/// Fed in pieces, the deflater writes what [`encode`] writes (`compress_to_vec`, level 9).
pub struct Encoding {
    json: String,
    /// How much of the JSON has been deflated.
    at: usize,
    deflater: Box<CompressorOxide>,
    out: Vec<u8>,
    written: usize,
    state: Deflating,
}

#[derive(PartialEq)]
enum Deflating {
    Under,
    Done,
    /// The deflater said something it should not: the JSON is deflated whole instead.
    Failed,
}

/// How much JSON one step deflates.
const PIECE: usize = 16 * 1024;

impl Encoding {
    pub fn new(s: &Shared) -> Encoding {
        let json = codec::to_json(s, false);
        // Raw deflate (window bits -15), level 9, the default strategy: as `compress_to_vec`.
        let flags = create_comp_flags_from_zip_params(9, -15, 0);
        // Too big to be read back: refused without deflating it.
        let state = if json.len() > MAX_INFLATED { Deflating::Done } else { Deflating::Under };
        let out = vec![0; if state == Deflating::Under { (json.len() / 2).max(64) } else { 0 }];
        Encoding { json, at: 0, deflater: Box::new(CompressorOxide::new(flags)), out, written: 0, state }
    }

    /// Deflates a piece of the JSON at a time while `more()` allows; true when it is all done.
    pub fn step(&mut self, more: &mut dyn FnMut() -> bool) -> bool {
        while self.state == Deflating::Under {
            let end = (self.at + PIECE).min(self.json.len());
            let flush = if end == self.json.len() { TDEFLFlush::Finish } else { TDEFLFlush::None };
            let input = &self.json.as_bytes()[self.at..end];
            let (status, read, wrote) = compress(&mut self.deflater, input, &mut self.out[self.written..], flush);
            self.at += read;
            self.written += wrote;
            match status {
                TDEFLStatus::Done => self.state = Deflating::Done,
                TDEFLStatus::Okay => {
                    if self.out.len() - self.written < 64 {
                        self.out.resize(self.out.len() * 2, 0);
                    }
                }
                _ => self.state = Deflating::Failed,
            }
            if !more() {
                return self.state != Deflating::Under;
            }
        }
        true
    }

    /// The fragment, or why the page would not read it back (see [`encode_checked`]).
    pub fn finish(mut self) -> Result<String, ShareError> {
        if self.json.len() > MAX_INFLATED {
            return Err(ShareError::TooBig);
        }
        let f = if self.state == Deflating::Done {
            self.out.truncate(self.written);
            format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.out))
        } else {
            deflate(&self.json)
        };
        let body = f.len() - PREFIX.len();
        if body > MAX_FRAGMENT {
            return Err(ShareError::TooLong(body));
        }
        Ok(f)
    }
}

/// The full link for a state at `base` (origin and path), or why there is none.
pub fn link(base: &str, s: &Shared) -> Result<String, ShareError> {
    Ok(format!("{base}#{}", encode_checked(s)?))
}

/// A state as a file (pretty JSON), for a state too large for a link.
pub fn to_file(s: &Shared) -> String {
    codec::to_json(s, true)
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
    deflate(&codec::to_json(s, false))
}

fn deflate(json: &str) -> String {
    let deflated = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
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
    let s = codec::from_json(json)?;
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

    /// Deflated a piece per step, a state's link is the one deflated whole, and reads back.
    #[test]
    fn a_link_deflated_in_pieces_is_the_link_deflated_whole() {
        let mut states: Vec<Shared> = scenarios()
            .into_iter()
            .map(|s| Shared { specs: s.specs, selected: s.selected.into(), scenario: Some(s.id.into()), ..sample() })
            .collect();
        // A chain big enough for many pieces (~100 KB of JSON).
        let mut chain = SpecGraph::new();
        for i in 0..800 {
            let script = if i == 0 { "echo > $out".to_string() } else { format!("echo ${{d{}}} {i} > $out", i - 1) };
            let d = crate::lab::eval::DrvSpec::new(&format!("d{i}"), "x86_64-linux", "/bin/sh", &["-c", &script]);
            chain.insert(format!("d{i}"), d.into());
        }
        states.push(Shared { specs: chain, selected: "d799".into(), scenario: None, ..sample() });
        for s in &states {
            let mut job = Encoding::new(s);
            let mut steps = 1;
            while !job.step(&mut || false) {
                steps += 1;
            }
            let link = job.finish().expect("under the limits");
            assert_eq!(link, encode(s), "{:?}", s.selected);
            assert_eq!(&decode(&link).expect("reads back"), s);
            if s.specs.len() == 800 {
                assert!(steps > 4, "{steps} steps");
            }
        }
    }

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

    /// A state with every field of every part set away from its default (a struct literal
    /// without `..`, so a field added later fails to compile here until the codec writes it).
    fn every_field() -> Shared {
        use crate::lab::eval::{DrvSpec, FixedSpec, SourceSpec};
        use drvlab_engine::hash::HashAlgo;
        use drvlab_engine::nar::{FileKind, TreeFile};
        use drvlab_engine::store_path::FixedMode;
        let typed = serde_json::json!([null, true, -3, 18446744073709551615u64, 2.5, 1e-5, 1e16, "x\u{1}y",
            {"b": [], "a": {}, "é": "\"\\/\n\r\t\u{8}\u{c}\u{7f}"}]);
        let spec = DrvSpec {
            name: "n \"q\" é 😀".into(),
            system: "s".into(),
            builder: "b".into(),
            args: vec!["-c".into(), "echo ${dep} \u{0}".into()],
            env: vec![("k".into(), "v".into()), ("k2".into(), String::new())],
            outputs: vec!["out".into(), "dev".into()],
            fixed: Some(FixedSpec {
                mode: FixedMode::Recursive,
                algo: Some(HashAlgo::Sha512),
                hash: "h".into(),
                omit_mode: true,
                empty_algo: true,
            }),
            content_addressed: true,
            sources: vec![
                SourceSpec { attr: "a".into(), name: "n".into(), contents: "c".into(), tree: None },
                SourceSpec {
                    attr: "d".into(),
                    name: "dir".into(),
                    contents: String::new(),
                    tree: Some(vec![
                        TreeFile { path: "bin/x".into(), kind: FileKind::Executable, contents: "#!".into() },
                        TreeFile { path: "l".into(), kind: FileKind::Symlink, contents: "bin/x".into() },
                        TreeFile { path: "f".into(), kind: FileKind::Regular, contents: "f".into() },
                    ]),
                },
            ],
            store_srcs: vec!["/nix/store/x".into()],
            structured_attrs: true,
            typed_env: vec![("t".into(), typed), ("u".into(), serde_json::json!({}))],
            impure: true,
        };
        let mut plain = spec.clone();
        plain.fixed = Some(FixedSpec {
            mode: FixedMode::Text,
            algo: None,
            hash: "h".into(),
            omit_mode: false,
            empty_algo: false,
        });
        Shared {
            v: 1,
            specs: [("dep".to_string(), plain.into()), ("top".to_string(), spec.into())].into_iter().collect(),
            selected: "top".into(),
            scenario: None,
            merge: InputMerge::Overwrite,
            nix: NixChoice::Nix2_35_0,
            code: Some("let x = 1; in x\n".into()),
        }
    }

    /// The states the codec is checked on: every scenario, with each Nix choice, and one with
    /// every field set.
    fn states() -> Vec<Shared> {
        let mut out = vec![every_field()];
        for (i, sc) in scenarios().into_iter().enumerate() {
            let nix = NixChoice::ALL[i % NixChoice::ALL.len()];
            out.push(Shared { specs: sc.specs, scenario: Some(sc.id.into()), nix, ..sample() });
        }
        out
    }

    /// The hand-written codec writes exactly what serde_json writes, compact and pretty, and
    /// reads back what serde_json reads.
    #[test]
    fn the_codec_is_serde_json_byte_for_byte() {
        for s in states() {
            let compact = codec::to_json(&s, false);
            assert_eq!(compact, serde_json::to_string(&s).unwrap());
            let pretty = codec::to_json(&s, true);
            assert_eq!(pretty, serde_json::to_string_pretty(&s).unwrap());
            assert_eq!(codec::from_json(compact.as_bytes()).unwrap(), s);
            assert_eq!(codec::from_json(pretty.as_bytes()).unwrap(), s);
        }
    }

    /// A lone JSON value reads as serde_json reads it.
    #[test]
    fn json_values_read_as_serde_json_reads_them() {
        for text in [
            "1",
            "-0",
            "1.5e3",
            " [1, \"a\\u00e9\", {\"k\": null, \"k\": true}] ",
            "{}",
            "18446744073709551616",
            "-9223372036854775809",
        ] {
            assert_eq!(
                crate::lab::json::value(text.as_bytes()).unwrap(),
                serde_json::from_str::<serde_json::Value>(text).unwrap(),
                "{text}"
            );
        }
        for text in ["", "01", "1.", "[1,]", "{\"a\"}", "nul", "\"\\x\"", "1 2", "1e999"] {
            assert!(
                crate::lab::json::value(text.as_bytes()).is_err()
                    && serde_json::from_str::<serde_json::Value>(text).is_err(),
                "{text}"
            );
        }
    }

    /// Floats as serde_json prints them, over every magnitude (to the digit, where the shortest
    /// text that reads back has fewer than 17 digits).
    #[test]
    fn floats_print_as_serde_json_prints_them() {
        let mut r = drvlab_engine::synth::Rng(11);
        let mut fs =
            vec![0.0, -0.0, 1.0, -1.5, 0.1, 1e-5, 1.5e-5, 1e-4, 1e15, 1e16, 1.5e16, 123456.789, 5e-324, f64::MAX];
        fs.extend((0..20_000).map(|_| f64::from_bits(r.next_u64())));
        fs.extend((0..2_000).map(|i| (r.below(1000) as f64) * 10f64.powi(i % 60 - 30)));
        let base = sample().specs.into_values().next().unwrap();
        for f in fs.into_iter().filter(|f| f.is_finite()) {
            let mut d = crate::lab::eval::DrvSpec::clone(&base);
            d.typed_env = vec![("f".into(), serde_json::Value::from(f))];
            let s = Shared { specs: [("a".to_string(), d.into())].into_iter().collect(), ..sample() };
            let ours = codec::to_json(&s, false);
            let theirs = serde_json::to_string(&s).unwrap();
            // Where 17 digits are needed, more than one 17-digit text reads back as `f`: serde_json's
            // writer and Rust's may pick different ones (`…276.2` / `…276.3`); both read back.
            let digits = format!("{f:e}").split('e').next().unwrap().replace(['.', '-'], "").len();
            if digits < 17 {
                assert_eq!(ours, theirs, "{f:e}");
            }
            // Read back as serde_json reads it (to the bit: its reader, not always the nearest
            // float for 17 digits, is the one the page has always used).
            for text in [&ours, &theirs] {
                let back: Shared = serde_json::from_str(text).unwrap();
                assert_eq!(codec::from_json(text.as_bytes()).unwrap(), back, "{f:e}");
            }
        }
    }

    /// What serde's derived readers accept or refuse, the codec accepts or refuses: defaults,
    /// `null` options, unknown fields, any order, escapes; wrong types, duplicates, bad tuples,
    /// trailing text, nesting past serde_json's limit, numbers out of range.
    #[test]
    fn the_codec_reads_what_serde_json_reads() {
        let spec = r#"{"name":"n","system":"s","builder":"b"}"#;
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let cases = [
            format!(r#"{{"v":1,"specs":{{"a":{spec}}},"selected":"a"}}"#),
            format!(r#"{{"selected":"a","extra":[1,{{"x":null}}],"specs":{{"a":{spec}}},"v":1,"scenario":null}}"#),
            r#" { "v" : 1 , "specs" : { "a\u00e9\ud83d\ude00" : { "builder" : "\/b\"", "system":"s", "name":"n", "fixed":null, "args":[], "env":[["k","v"]], "sources":[{"attr":"a","name":"n"}] } }, "selected" : "a" } "#.to_string(),
            r#"{"v":1,"specs":{"a":{"name":"n","system":"s","builder":"b","structured_attrs":true,"typed_env":[["x",{"b":1,"a":[1.5,-0,-7,1e2,99999999999999999999]}]]}},"selected":"a"}"#.to_string(),
            format!(r#"{{"v":1,"specs":{{"a":{spec},"a":{spec}}},"selected":"a"}}"#),
            r#"{"v":1,"specs":{"a":{"name":"n","system":"s","builder":"b","fixed":{"mode":"flat","hash":"h"}}},"selected":"a","merge":"overwrite","nix":"nix2-21"}"#.to_string(),
            // Refused, by both.
            format!(r#"{{"v":1,"v":1,"specs":{{"a":{spec}}},"selected":"a"}}"#),
            format!(r#"{{"v":1,"specs":{{"a":{spec}}}}}"#),
            format!(r#"{{"v":1,"specs":{{"a":{spec}}},"selected":3}}"#),
            format!(r#"{{"v":1,"specs":{{"a":{spec}}},"selected":"a"}} x"#),
            format!(r#"{{"v":1,"specs":{{"a":{spec}}},"selected":"a",}}"#),
            format!(r#"{{"v":1,"specs":{{"a":{spec}}},"selected":"a","nix":"2.8"}}"#),
            format!(r#"{{"v":1.0,"specs":{{"a":{spec}}},"selected":"a"}}"#),
            r#"{"v":1,"specs":{"a":{"name":"n","system":"s","builder":"b","env":[["k"]]}},"selected":"a"}"#.to_string(),
            r#"{"v":1,"specs":{"a":{"name":"n","system":"s","builder":"b","content_addressed":null}},"selected":"a"}"#.to_string(),
            r#"{"v":1,"specs":{"a":{"name":"n\ud800","system":"s","builder":"b"}},"selected":"a"}"#.to_string(),
            format!("{{\"v\":1,\"specs\":{{\"a\":{spec}}},\"selected\":\"a\nb\"}}"),
            format!(r#"{{"v":1,"specs":{{"a":{{"name":"n","system":"s","builder":"b","typed_env":[["x",{deep}]]}}}},"selected":"a"}}"#),
            r#"{"v":1,"specs":{"a":{"name":"n","system":"s","builder":"b","typed_env":[["x",1e400]]}},"selected":"a"}"#.to_string(),
            format!(r#"{{"v":1,"specs":{{"a":{spec}}},"selected":"a""#),
            "".to_string(),
            "[1]".to_string(),
        ];
        for (i, text) in cases.iter().enumerate() {
            let ours = codec::from_json(text.as_bytes());
            let theirs: Result<Shared, _> = serde_json::from_str(text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "case {i}"),
                (Err(ShareError::Json(_)), Err(_)) => {}
                _ => panic!("case {i}: codec {ours:?}, serde_json {theirs:?}"),
            }
        }
        let eof = codec::from_json(br#"{"v":2,"junk":"#);
        assert!(
            matches!(&eof, Err(ShareError::Json(m)) if m.starts_with("EOF while parsing a value at line 1 column ")),
            "{eof:?}"
        );
        assert_eq!(codec::from_json(br#"{"v":2,"specs":7}"#), Err(ShareError::Version(2)));
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
        std::rc::Rc::make_mut(s.specs.values_mut().next().unwrap()).env.push(("pasted".into(), noise));
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
