//! The derivation model, as Nix stores it in a `.drv` file.
//!
//! Mirrors `Derivation` and `DerivationOutput` in Nix's `libstore/derivations.hh`. Output fields
//! are kept as the raw strings of the ATerm so that a parsed `.drv` prints back byte for byte;
//! [`Derivation::kind`] interprets them (input-addressed, fixed-output, floating
//! content-addressed, deferred) and says what is wrong when they do not fit together.

use crate::hash::{Hash, HashAlgo, HashError};
use crate::store_path::FixedMode;
use std::collections::{BTreeMap, BTreeSet};

/// One output as the ATerm holds it: `("out","/nix/store/…","r:sha256","<hex>")`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Output {
    pub path: String,
    #[serde(rename = "hashAlgo")]
    pub hash_algo: String,
    pub hash: String,
}

impl Output {
    /// An input-addressed output whose path is still to be computed.
    pub fn input_addressed() -> Output {
        Output::default()
    }

    /// A fixed output declared with `hash` (printed as lowercase hex, as Nix writes it).
    pub fn fixed(mode: FixedMode, hash: &Hash) -> Output {
        Output { path: String::new(), hash_algo: format!("{}{}", mode.prefix(), hash.algo), hash: hash.to_base16() }
    }

    /// A floating content-addressed output (`__contentAddressed = true`).
    pub fn floating(mode: FixedMode, algo: HashAlgo) -> Output {
        Output { path: String::new(), hash_algo: format!("{}{}", mode.prefix(), algo), hash: String::new() }
    }

    /// An impure output (`__impure = true`): Nix 2.8 writes `("out","","r:sha256","impure")`.
    pub fn impure(mode: FixedMode, algo: HashAlgo) -> Output {
        Output { path: String::new(), hash_algo: format!("{}{}", mode.prefix(), algo), hash: IMPURE.to_string() }
    }
}

/// What the hash field of an impure output holds (`DerivationOutput::Impure` in `unparse`).
pub const IMPURE: &str = "impure";

/// A derivation: what `derivationStrict` writes, plus its name (which the ATerm does not hold;
/// Nix takes it from the `.drv` path or the `name` attribute).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Derivation {
    pub name: String,
    pub outputs: BTreeMap<String, Output>,
    /// Input derivations (a `.drv` path, or in a graph the key of another entry) and the
    /// outputs of each that this derivation uses.
    #[serde(rename = "inputDrvs")]
    pub input_drvs: BTreeMap<String, BTreeSet<String>>,
    #[serde(rename = "inputSrcs")]
    pub input_srcs: BTreeSet<String>,
    pub system: String,
    pub builder: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Dynamic derivations (`xp-dyn-drv`): for an input, outputs of its outputs (the outputs
    /// of a derivation that the input's output is). Keyed like `input_drvs`; empty for every
    /// derivation Nix 2.8 writes.
    #[serde(default, rename = "dynamicOutputs", skip_serializing_if = "BTreeMap::is_empty")]
    pub dynamic_outputs: BTreeMap<String, BTreeMap<String, DynNode>>,
}

/// One node of `DerivedPathMap::ChildNode` (Nix's dynamic derivation inputs): the outputs
/// wanted of a derivation that is itself an output, and outputs of its outputs, recursively.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DynNode {
    pub outputs: BTreeSet<String>,
    #[serde(default, rename = "dynamicOutputs", skip_serializing_if = "BTreeMap::is_empty")]
    pub children: BTreeMap<String, DynNode>,
}

/// How the outputs of a derivation get their paths (`DerivationType` in Nix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrvKind {
    /// Paths from the hash of the derivation with its inputs replaced by their hashes modulo.
    InputAddressed,
    /// One output `out` whose content hash is declared in advance.
    Fixed { mode: FixedMode, hash: Hash },
    /// `__contentAddressed`: paths known only after building.
    Floating { mode: FixedMode, algo: HashAlgo },
    /// `__impure = true`: built anew each time; paths known only after building, and every
    /// dependent is deferred (`DerivationType::Impure`).
    Impure { mode: FixedMode, algo: HashAlgo },
    /// Input-addressed, but an input is content-addressed or impure, so its own paths are not
    /// yet known.
    Deferred,
}

impl DrvKind {
    pub fn describe(&self) -> &'static str {
        match self {
            DrvKind::InputAddressed => "input-addressed",
            DrvKind::Fixed { .. } => "fixed-output",
            DrvKind::Floating { .. } => "content-addressed (floating)",
            DrvKind::Impure { .. } => "impure (paths known only after building)",
            DrvKind::Deferred => "input-addressed, deferred (depends on a content-addressed or impure derivation)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error("has no outputs")]
    NoOutputs,
    #[error("outputs.{output}.hashAlgo: {source}")]
    Algo { output: String, source: HashError },
    #[error("outputs.{output}.hash: {source}")]
    Hash { output: String, source: HashError },
    #[error("outputs.{output}: a fixed-output derivation must have exactly one output, named \"out\"")]
    FixedNotSoleOut { output: String },
    #[error("outputs: mixes {a} and {b} outputs, which Nix refuses")]
    Mixed { a: &'static str, b: &'static str },
    #[error("outputs: content-addressed outputs must all use the same hash algorithm and mode")]
    FloatingDisagree,
}

/// The shape of one output, before the derivation as a whole is classified.
enum OutputShape {
    InputAddressed,
    Fixed(FixedMode, Hash),
    Floating(FixedMode, HashAlgo),
    Impure(FixedMode, HashAlgo),
}

fn parse_method_algo(s: &str) -> Result<(FixedMode, HashAlgo), HashError> {
    let (mode, algo) = if let Some(rest) = s.strip_prefix("r:") {
        (FixedMode::Recursive, rest)
    } else if let Some(rest) = s.strip_prefix("text:") {
        (FixedMode::Text, rest)
    } else {
        (FixedMode::Flat, s)
    };
    if algo.starts_with("git:") {
        return Err(HashError::UnknownAlgo(format!("{algo} (git hashing is not supported by drvlab yet)")));
    }
    Ok((mode, HashAlgo::parse(algo)?))
}

impl Derivation {
    /// Classifies the outputs as Nix 2.8's `Derivation::type()` does.
    ///
    /// Also whether paths are known at evaluation time: floating and impure outputs have none,
    /// so their names need not make store path names.
    pub fn kind(&self) -> Result<DrvKind, KindError> {
        let mut shapes = Vec::new();
        for (name, o) in &self.outputs {
            let shape = if o.hash_algo.is_empty() {
                if o.path.is_empty() && !o.hash.is_empty() {
                    return Err(KindError::Algo { output: name.clone(), source: HashError::Empty });
                }
                // A blanked input-addressed output and a deferred one look alike in the ATerm;
                // which one it is follows from the inputs, so both count as input-addressed here.
                OutputShape::InputAddressed
            } else {
                let (mode, algo) = parse_method_algo(&o.hash_algo)
                    .map_err(|source| KindError::Algo { output: name.clone(), source })?;
                if o.hash.is_empty() {
                    OutputShape::Floating(mode, algo)
                } else if o.hash == IMPURE {
                    OutputShape::Impure(mode, algo)
                } else {
                    let h = Hash::parse(&o.hash, Some(algo))
                        .map_err(|source| KindError::Hash { output: name.clone(), source })?;
                    OutputShape::Fixed(mode, h)
                }
            };
            shapes.push((name, shape));
        }
        let Some((first_name, first)) = shapes.first() else {
            return Err(KindError::NoOutputs);
        };
        let label = |s: &OutputShape| match s {
            OutputShape::InputAddressed => "input-addressed",
            OutputShape::Fixed(..) => "fixed",
            OutputShape::Floating(..) => "content-addressed",
            OutputShape::Impure(..) => "impure",
        };
        for (_, s) in &shapes[1..] {
            if label(s) != label(first) {
                return Err(KindError::Mixed { a: label(first), b: label(s) });
            }
        }
        match first {
            OutputShape::InputAddressed => Ok(DrvKind::InputAddressed),
            OutputShape::Fixed(mode, hash) => {
                if shapes.len() != 1 || first_name.as_str() != "out" {
                    let output = if first_name.as_str() != "out" { first_name } else { shapes[1].0 };
                    return Err(KindError::FixedNotSoleOut { output: output.clone() });
                }
                Ok(DrvKind::Fixed { mode: *mode, hash: hash.clone() })
            }
            OutputShape::Floating(mode, algo) => {
                for (_, s) in &shapes[1..] {
                    if !matches!(s, OutputShape::Floating(m, a) if m == mode && a == algo) {
                        return Err(KindError::FloatingDisagree);
                    }
                }
                Ok(DrvKind::Floating { mode: *mode, algo: *algo })
            }
            OutputShape::Impure(mode, algo) => {
                for (_, s) in &shapes[1..] {
                    if !matches!(s, OutputShape::Impure(m, a) if m == mode && a == algo) {
                        return Err(KindError::FloatingDisagree);
                    }
                }
                Ok(DrvKind::Impure { mode: *mode, algo: *algo })
            }
        }
    }

    /// The name from a `.drv` store path: `<hash>-<name>.drv`.
    pub fn name_from_drv_path(path: &str) -> Option<&str> {
        let base = path.rsplit('/').next()?;
        let base = base.strip_suffix(".drv")?;
        let (hash, name) = base.split_once('-')?;
        (hash.len() == crate::store_path::HASH_PART_LEN).then_some(name)
    }
}

/// `hashPlaceholder`: what a floating content-addressed derivation's env holds for an output
/// whose path is not known yet: `/` + nix32(sha256("nix-output:<output>")).
pub fn hash_placeholder(output: &str) -> String {
    format!("/{}", Hash::sha256(format!("nix-output:{output}").as_bytes()).to_nix32())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn placeholder_matches_nix() {
        // From a real `nix-instantiate` of a __contentAddressed derivation (Nix 2.8).
        assert_eq!(hash_placeholder("out"), "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9");
        assert_eq!(hash_placeholder("lib"), "/0sra2y18lr3h6j58qjm0w46yv36h1wjmilb09n8aimdpivdymscx");
    }

    fn drv_with(outputs: &[(&str, Output)]) -> Derivation {
        Derivation { outputs: outputs.iter().map(|(n, o)| (n.to_string(), o.clone())).collect(), ..Default::default() }
    }

    #[test]
    fn kinds() {
        let h = Hash::sha256(b"");
        assert_eq!(drv_with(&[("out", Output::input_addressed())]).kind(), Ok(DrvKind::InputAddressed));
        assert_eq!(
            drv_with(&[("out", Output::fixed(FixedMode::Recursive, &h))]).kind(),
            Ok(DrvKind::Fixed { mode: FixedMode::Recursive, hash: h.clone() })
        );
        assert_eq!(
            drv_with(&[("dev", Output::fixed(FixedMode::Flat, &h))]).kind(),
            Err(KindError::FixedNotSoleOut { output: "dev".into() })
        );
        assert_eq!(
            drv_with(&[("dev", Output::input_addressed()), ("out", Output::fixed(FixedMode::Flat, &h))]).kind(),
            Err(KindError::Mixed { a: "input-addressed", b: "fixed" })
        );
        assert_eq!(drv_with(&[]).kind(), Err(KindError::NoOutputs));
        let bad = Output { hash_algo: "sha3".into(), hash: "00".into(), path: String::new() };
        assert!(matches!(drv_with(&[("out", bad)]).kind(), Err(KindError::Algo { .. })));
    }

    #[test]
    fn impure_outputs() {
        let o = Output::impure(FixedMode::Recursive, HashAlgo::Sha256);
        assert_eq!((o.hash_algo.as_str(), o.hash.as_str()), ("r:sha256", "impure"));
        assert_eq!(
            drv_with(&[("out", o)]).kind(),
            Ok(DrvKind::Impure { mode: FixedMode::Recursive, algo: HashAlgo::Sha256 })
        );
    }

    #[test]
    fn names_from_drv_paths() {
        assert_eq!(
            Derivation::name_from_drv_path("/nix/store/vprly1096ibd5ky40qwjmlvxy4zilx37-build.drv"),
            Some("build")
        );
        assert_eq!(Derivation::name_from_drv_path("build"), None);
    }
}
