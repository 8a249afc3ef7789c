//! Store paths: `makeStorePath` and its text, source and fixed-output variants.
//!
//! Mirrors `Store::makeStorePath`, `makeTextPath`, `makeFixedOutputPath` and `makeOutputPath` in
//! Nix's `libstore/store-api.cc`. Every function returns a [`Trace`] of the steps it took, so the
//! page and the CLI can show *how* a path came to be without a second implementation.

use crate::hash::{Hash, HashAlgo};
use crate::trace::Trace;

/// The Nix store directory; a parameter because `--store` can move it.
pub const DEFAULT_STORE_DIR: &str = "/nix/store";

/// Length of the hash part of a store path: 20 bytes in nix32.
pub const HASH_PART_LEN: usize = 32;

/// Longest store path name Nix accepts (`StorePath::MaxPathLen` less the hash part).
pub const MAX_NAME_LEN: usize = 211;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("store path name is empty")]
    Empty,
    #[error("store path name {name:?} is {len} bytes; Nix allows at most 211")]
    TooLong { name: String, len: usize },
    #[error("store path name {name:?} starts with a dot, which Nix refuses (Nix 2.4–2.20 accept it: choose that Nix version)")]
    LeadingDot { name: String },
    #[error("store path name {name:?} is \".\" or \"..\" or starts with \".-\" or \"..-\", which Nix 2.21+ refuses")]
    DotComponent { name: String },
    #[error("store path name {name:?} has {ch:?} at position {pos}; Nix allows only letters, digits and + - . _ ? =")]
    BadChar { name: String, ch: char, pos: usize },
}

/// Which leading dots a Nix version accepts in a store path name (`checkName`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// Refuse every leading dot (what drvlab did before it knew the versions; the strictest).
    Strict,
    /// Nix 2.4–2.20: any leading dot, even `.` and `..`.
    AnyLeadingDot,
    /// Nix 2.21+: leading dots, but not `.`, `..`, `.-…` or `..-…`.
    NoDotComponents,
}

impl NameRule {
    pub fn check(self, name: &str) -> Result<(), NameError> {
        match check_name(name) {
            Err(NameError::LeadingDot { .. }) if self != NameRule::Strict => {
                let dot_component = name == "." || name == ".." || name.starts_with(".-") || name.starts_with("..-");
                if self == NameRule::NoDotComponents && dot_component {
                    return Err(NameError::DotComponent { name: name.to_string() });
                }
                check_chars(name)
            }
            other => other,
        }
    }
}

fn check_chars(name: &str) -> Result<(), NameError> {
    if let Some((pos, ch)) = name.char_indices().find(|(_, c)| !(c.is_ascii_alphanumeric() || "+-._?=".contains(*c))) {
        return Err(NameError::BadChar { name: name.to_string(), ch, pos });
    }
    Ok(())
}

/// Checks a store path name strictly: `checkName`'s characters and length, and no leading dot
/// (see [`NameRule`] for what each Nix version accepts).
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { name: name.to_string(), len: name.len() });
    }
    if name.starts_with('.') {
        return Err(NameError::LeadingDot { name: name.to_string() });
    }
    check_chars(name)
}

/// Why a text is not a store path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorePathError {
    #[error("is empty, not a store path")]
    Empty,
    #[error("is not an absolute path (a store path is <store dir>/<hash>-<name>)")]
    Relative,
    #[error("is too short to be a store path (<store dir>/<32-character hash>-<name>)")]
    TooShort,
    #[error("has {ch:?} in its hash part, which is not nix32")]
    BadHash { ch: char },
    #[error("{0}")]
    Name(NameError),
}

/// The nix32 alphabet (no e, o, t, u).
pub const NIX32_CHARS: &str = "0123456789abcdfghijklmnpqrsvwxyz";

/// Checks that `path` is a store path as `parseStorePath` reads one: absolute, a basename of
/// a 32-character nix32 hash, `-`, and a valid name (leading dots allowed, as in Nix 2.8).
pub fn check_store_path(path: &str) -> Result<(), StorePathError> {
    if path.is_empty() {
        return Err(StorePathError::Empty);
    }
    if !path.starts_with('/') {
        return Err(StorePathError::Relative);
    }
    let base = path.rsplit('/').next().unwrap_or("");
    if base.len() < HASH_PART_LEN + 2 || base.as_bytes()[HASH_PART_LEN] != b'-' || !base.is_char_boundary(HASH_PART_LEN)
    {
        return Err(StorePathError::TooShort);
    }
    if let Some(ch) = base[..HASH_PART_LEN].chars().find(|c| !NIX32_CHARS.contains(*c)) {
        return Err(StorePathError::BadHash { ch });
    }
    NameRule::AnyLeadingDot.check(&base[HASH_PART_LEN + 1..]).map_err(StorePathError::Name)
}

/// `compressHash`: XOR-folds a digest into `size` bytes (`out[i % size] ^= h[i]`). Nix Pill 18
/// calls this truncation; every input byte still counts.
pub fn compress_hash(digest: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    for (i, b) in digest.iter().enumerate() {
        out[i % size] ^= b;
    }
    out
}

/// The fold as it happened, one line per output byte: `byte i: d[i] ^ d[i+20] = out[i]` for the
/// bytes that had a partner, `byte i: d[i]` for those that did not (hex).
fn fold_bytes(digest: &[u8], folded: &[u8]) -> String {
    let size = folded.len();
    (0..size)
        .map(|i| {
            let partners: Vec<String> = digest.iter().skip(i).step_by(size).map(|b| format!("{b:02x}")).collect();
            let idx: Vec<String> = (i..digest.len()).step_by(size).map(|j| j.to_string()).collect();
            format!("byte {i:>2}: {} = {:02x}   (bytes {})", partners.join(" ^ "), folded[i], idx.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `makeStorePath(type, hash, name)`: the one place every store path is made.
///
/// The fingerprint is `<type>:sha256:<hex of inner hash>:<storeDir>:<name>`; its sha256 is folded
/// to 20 bytes and printed in nix32. `inner` is always sha256 in Nix (other algorithms are wrapped
/// by the caller first, see [`fixed_output_path`]).
pub fn make_store_path(store_dir: &str, path_type: &str, inner: &Hash, name: &str, trace: &mut Trace) -> String {
    let mut fingerprint = Vec::with_capacity(path_type.len() + 80 + store_dir.len() + name.len());
    fingerprint.extend_from_slice(path_type.as_bytes());
    store_path_of(&mut fingerprint, inner.algo.name(), &inner.bytes, store_dir, &[name], trace)
}

/// [`make_store_path`] with the fingerprint's type already in `fingerprint` (the buffer is
/// reused) and the name given in pieces: one code path for every store path, allocating only
/// the path itself when nothing is traced.
pub(crate) fn store_path_of(
    fingerprint: &mut Vec<u8>,
    algo: &str,
    inner: &[u8],
    store_dir: &str,
    name: &[&str],
    trace: &mut Trace,
) -> String {
    fingerprint.push(b':');
    fingerprint.extend_from_slice(algo.as_bytes());
    fingerprint.push(b':');
    crate::hash::push_base16(fingerprint, inner);
    fingerprint.push(b':');
    fingerprint.extend_from_slice(store_dir.as_bytes());
    fingerprint.push(b':');
    for part in name {
        fingerprint.extend_from_slice(part.as_bytes());
    }
    trace.step_with("fingerprint", || String::from_utf8_lossy(fingerprint).into_owned());
    let digest = crate::hash::sha256_bytes(fingerprint);
    trace.step_with("sha256(fingerprint)", || Hash::new(HashAlgo::Sha256, digest.to_vec()).to_base16());
    let mut folded = [0u8; 20];
    for (i, b) in digest.iter().enumerate() {
        folded[i % 20] ^= b;
    }
    trace.step_with("XOR fold, byte by byte", || fold_bytes(&digest, &folded));
    trace.step_with("fold to 20 bytes", || Hash { algo: HashAlgo::Sha256, bytes: folded.to_vec() }.to_base16());
    let name_len: usize = name.iter().map(|p| p.len()).sum();
    let mut path = String::with_capacity(store_dir.len() + 2 + HASH_PART_LEN + name_len);
    path.push_str(store_dir);
    path.push('/');
    crate::hash::push_nix32(&mut path, &folded);
    trace.step_with("nix32", || path[store_dir.len() + 1..].to_string());
    path.push('-');
    for part in name {
        path.push_str(part);
    }
    trace.step("path", &path);
    path
}

/// `makeType`: the type string with each reference appended, sorted (a `StorePathSet`).
pub fn type_with_references(base: &str, references: &[String]) -> String {
    let mut t = Vec::new();
    push_type_with_references(&mut t, base, references.iter().map(String::as_str));
    String::from_utf8(t).unwrap_or_default()
}

/// [`type_with_references`], appended to a buffer.
pub(crate) fn push_type_with_references<'a>(out: &mut Vec<u8>, base: &str, references: impl Iterator<Item = &'a str>) {
    let mut refs: Vec<&str> = references.collect();
    refs.sort_unstable();
    refs.dedup();
    out.extend_from_slice(base.as_bytes());
    for r in refs {
        out.push(b':');
        out.extend_from_slice(r.as_bytes());
    }
}

/// `makeTextPath`: `builtins.toFile` results and `.drv` files; sha256 of the contents, with
/// references in the type.
pub fn text_path(store_dir: &str, name: &str, contents: &[u8], references: &[String], trace: &mut Trace) -> String {
    text_path_of_hash(store_dir, name, &Hash::sha256(contents), references, trace)
}

/// [`text_path`] when the sha256 of the contents is already known.
pub fn text_path_of_hash(store_dir: &str, name: &str, h: &Hash, references: &[String], trace: &mut Trace) -> String {
    trace.step_with("sha256(contents)", || h.to_base16());
    make_store_path(store_dir, &type_with_references("text", references), h, name, trace)
}

/// A source path (`builtins.path`, path literals): sha256 of the NAR serialisation.
pub fn source_path(store_dir: &str, name: &str, nar: &[u8], references: &[String], trace: &mut Trace) -> String {
    let h = Hash::sha256(nar);
    trace.step("sha256(NAR)", h.to_base16());
    make_store_path(store_dir, &type_with_references("source", references), &h, name, trace)
}

/// How a fixed output's content is hashed (`outputHashMode`; `FileIngestionMethod`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixedMode {
    /// The file's bytes (`outputHashMode = "flat"`).
    Flat,
    /// The NAR serialisation of the output (`"recursive"`, printed `r:` in `.drv` files).
    Recursive,
    /// Text hashing (`"text"`, printed `text:`; `TextIngestionMethod`, the way `.drv` files and
    /// `builtins.toFile` are hashed): newer Nix with dynamic derivations; Nix 2.8 refuses it
    /// ("invalid value 'text' for 'outputHashMode' attribute").
    Text,
}

impl FixedMode {
    /// `makeFileIngestionPrefix`.
    pub fn prefix(self) -> &'static str {
        match self {
            FixedMode::Flat => "",
            FixedMode::Recursive => "r:",
            FixedMode::Text => "text:",
        }
    }
}

/// `makeFixedOutputPath`: recursive sha256 is a plain source path of the NAR hash (that is why a
/// `fetchFromGitHub` output and `builtins.path` of the same tree coincide); anything else wraps
/// the declared hash as `fixed:out:<r:?><algo>:<hex>:` first.
pub fn fixed_output_path(store_dir: &str, name: &str, mode: FixedMode, hash: &Hash, trace: &mut Trace) -> String {
    if mode == FixedMode::Text {
        // `makeFixedOutputPathFromCA` with `TextInfo`: `makeTextPath`, and a derivation output
        // declares no references.
        trace.step("rule", "text hashing: a text path of the declared hash, with no references");
        return make_store_path(store_dir, "text", hash, name, trace);
    }
    if mode == FixedMode::Recursive && hash.algo == HashAlgo::Sha256 {
        trace.step("rule", "recursive sha256: a source path of the NAR hash");
        make_store_path(store_dir, "source", hash, name, trace)
    } else {
        let inner_text = format!("fixed:out:{}{}:{}:", mode.prefix(), hash.algo, hash.to_base16());
        trace.step("inner string", &inner_text);
        let inner = Hash::sha256(inner_text.as_bytes());
        trace.step("sha256(inner string)", inner.to_base16());
        make_store_path(store_dir, "output:out", &inner, name, trace)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod text_tests {
    use super::*;

    /// Nix's own libstore unit test `output-caFixedText.json` (`DerivationOutput::CAFixed` with
    /// text hashing of sha256 894517c9…, derivation `drv-name`, output `output-name`) prints the
    /// path `/nix/store/6s1zwabh956jvhv4w9xcdb5jiyanyxg1-drv-name-output-name`.
    #[test]
    fn text_output_path_as_nix_unit_test() {
        let h = Hash::parse("sha256:894517c9163c896ec31a2adbd33c0681fd5f45b2c0ef08a64c92a03fb97f390f", None).unwrap();
        let p = fixed_output_path(DEFAULT_STORE_DIR, "drv-name-output-name", FixedMode::Text, &h, &mut Trace::off());
        assert_eq!(p, "/nix/store/6s1zwabh956jvhv4w9xcdb5jiyanyxg1-drv-name-output-name");
    }
}

/// `outputPathName`: `name` for `out`, `name-<output>` otherwise.
pub fn output_path_name(drv_name: &str, output: &str) -> String {
    if output == "out" {
        drv_name.to_string()
    } else {
        format!("{drv_name}-{output}")
    }
}

/// Whether `<drv_name>-<output>` is surely a valid name, given that `drv_name` is one: only
/// plain characters and short enough (the common case, checked without building the name).
pub(crate) fn output_name_is_plain(drv_name: &str, output: &str) -> bool {
    drv_name.len() + 1 + output.len() <= MAX_NAME_LEN
        && output.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-._?=".contains(&b))
}

/// `makeOutputPath`: an input-addressed output, from the derivation's hash modulo.
pub fn output_path(store_dir: &str, drv_name: &str, output: &str, hash_modulo: &Hash, trace: &mut Trace) -> String {
    let mut fingerprint = Vec::with_capacity(128 + store_dir.len() + drv_name.len());
    output_path_into(&mut fingerprint, store_dir, drv_name, output, &hash_modulo.bytes, trace)
}

/// [`output_path`] of a sha256 hash modulo, the fingerprint made in a reused buffer.
pub(crate) fn output_path_into(
    fingerprint: &mut Vec<u8>,
    store_dir: &str,
    drv_name: &str,
    output: &str,
    sha256: &[u8],
    trace: &mut Trace,
) -> String {
    fingerprint.clear();
    fingerprint.extend_from_slice(b"output:");
    fingerprint.extend_from_slice(output.as_bytes());
    let name: &[&str] = if output == "out" { &[drv_name] } else { &[drv_name, "-", output] };
    store_path_of(fingerprint, "sha256", sha256, store_dir, name, trace)
}

/// Splits `/nix/store/<hash>-<name>` into its name, checking the shape.
pub fn parse_store_path<'a>(store_dir: &str, path: &'a str) -> Option<(&'a str, &'a str)> {
    let base = path.strip_prefix(store_dir)?.strip_prefix('/')?;
    if base.len() < HASH_PART_LEN + 2 || base.as_bytes()[HASH_PART_LEN] != b'-' || base.contains('/') {
        return None;
    }
    let (hash, name) = base.split_at(HASH_PART_LEN);
    Some((hash, &name[1..]))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn t() -> Trace {
        Trace::default()
    }

    #[test]
    fn fold_xors_every_byte() {
        let digest: Vec<u8> = (0u8..32).collect();
        let folded = compress_hash(&digest, 20);
        assert_eq!(folded[0], 20); // 0 ^ 20
        assert_eq!(folded[11], 11 ^ 31);
        assert_eq!(folded[12], 12);
    }

    /// Values printed by real Nix 2.8 (`nix-instantiate` of a flat sha256 FOD of empty content).
    #[test]
    fn flat_fixed_output_matches_nix() {
        let h = Hash::sha256(b"");
        assert_eq!(
            fixed_output_path(DEFAULT_STORE_DIR, "src", FixedMode::Flat, &h, &mut t()),
            "/nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src"
        );
    }

    #[test]
    fn names_are_checked_like_nix() {
        assert!(check_name("hello-2.12.1").is_ok());
        assert!(check_name("a+b=c?d_e.f").is_ok());
        assert_eq!(check_name(""), Err(NameError::Empty));
        assert!(matches!(check_name(".hidden"), Err(NameError::LeadingDot { .. })));
        assert!(matches!(check_name("a b"), Err(NameError::BadChar { ch: ' ', pos: 1, .. })));
        assert!(matches!(check_name(&"x".repeat(212)), Err(NameError::TooLong { len: 212, .. })));
        assert!(check_name(&"x".repeat(211)).is_ok());
    }

    #[test]
    fn trace_records_every_step() {
        let mut tr = t();
        let p = text_path(DEFAULT_STORE_DIR, "hello.txt", b"hello", &[], &mut tr);
        let labels: Vec<&str> = tr.steps.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "sha256(contents)",
                "fingerprint",
                "sha256(fingerprint)",
                "XOR fold, byte by byte",
                "fold to 20 bytes",
                "nix32",
                "path"
            ]
        );
        // The fold's record: byte 0 is digest byte 0 XOR digest byte 20; byte 12 had no partner.
        let d = Hash::parse(&tr.steps[2].value, Some(HashAlgo::Sha256)).unwrap().bytes;
        let fold = tr.steps[3].value.lines().collect::<Vec<_>>();
        assert_eq!(fold.len(), 20);
        assert!(
            fold[0].starts_with(&format!("byte  0: {:02x} ^ {:02x} = {:02x}", d[0], d[20], d[0] ^ d[20])),
            "{}",
            fold[0]
        );
        assert!(fold[12].starts_with(&format!("byte 12: {:02x} = {:02x}", d[12], d[12])), "{}", fold[12]);
        assert_eq!(tr.steps.last().unwrap().value, p);
        assert!(tr.steps[1].value.starts_with(
            "text:sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824:/nix/store:hello.txt"
        ));
    }

    #[test]
    fn output_names() {
        assert_eq!(output_path_name("hello", "out"), "hello");
        assert_eq!(output_path_name("hello", "dev"), "hello-dev");
    }

    #[test]
    fn store_path_shape() {
        let p = "/nix/store/2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw-src";
        assert_eq!(parse_store_path(DEFAULT_STORE_DIR, p), Some(("2qgpd47jrm1g5pyj4s1dacj3hnkrfzvw", "src")));
        assert_eq!(parse_store_path(DEFAULT_STORE_DIR, "/nix/store/abc"), None);
    }
}
