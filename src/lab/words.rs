//! Plain words for each step the engine's traces record, shown beside its value (the labels
//! stay as the engine names them, Nix's own words).

use drvlab_engine::derivation::DrvKind;
use drvlab_engine::graph::Resolution;

/// What a trace step is, in plain words; `None` for a step the page has no words for.
pub fn step_words(label: &str) -> Option<&'static str> {
    Some(match label {
        "kind" => "what kind of derivation this is, which decides how its paths are computed",
        "name" => "the name, which ends the path",
        "declared hash" => "the hash the fetcher promised (outputHash), written in base16",
        "inner string" => "a fixed output that is not recursive sha256 first names its declared hash in a string…",
        "sha256(inner string)" => "…and hashes that string",
        "env placeholder" => "what Nix writes in env where the unknown output path will go",
        "fingerprint" => "the fingerprint: the path's type, the hash, the store directory and the name, joined by colons",
        "sha256(fingerprint)" => "sha256 of the fingerprint: 32 bytes",
        "XOR fold, byte by byte" => "the 32 bytes folded into 20: byte i XOR byte i+20. Bytes 20–31 are not cut off; each is XORed into bytes 0–11",
        "fold to 20 bytes" => "the 20 folded bytes",
        "nix32" => "the 20 bytes in Nix's base 32 (no e, o, u or t): the hash part of the path",
        "path" => "the store directory, the hash part and the name: the path",
        "masked ATerm (own outputs blank, inputs replaced by their hash modulo)" => "the recipe as Nix writes it, but with its own output paths blank (they are what is being computed) and each input's .drv path replaced by that input's hash",
        "sha256(masked ATerm) = hashDerivationModulo" => "hashed with its own outputs blank → its own output paths are made from this",
        "ATerm (inputs replaced)" | "ATerm (no inputs to replace)" => "the recipe with its output paths filled in and each input's .drv path replaced by that input's hash",
        "sha256 = hashDerivationModulo" => "hashed with its outputs filled in → what dependents see: it stands for this derivation in their ATerms",
        "string" => "a fixed-output derivation stands for its declared output: this string",
        "sha256(string) = hashDerivationModulo" => "its sha256 → what dependents see: it stands for this derivation in their ATerms",
        "rule" => "the rule Nix applies here",
        "references" => "the store paths the .drv file refers to: its input .drv files and sources",
        "ATerm" => "the .drv file itself, byte for byte as Nix writes it",
        "sha256(contents)" => "sha256 of the file's contents",
        "sha256(NAR)" => "sha256 of the NAR: the archive of the files, their names, contents and executable bits",
        "builtins.toFile contents" => "the text of the file",
        "references (earlier sources named in it)" => "store paths the text names",
        "NAR of the directory (tokens)" => "the NAR of the directory, as Nix serialises it",
        l if l.starts_with("input ") => "an input: its .drv path and the outputs used → the hash that stands for it here",
        _ => return None,
    })
}

/// What the hash that stands for a derivation in its dependents' ATerms is, chosen from its
/// computed kind (`hashDerivationModulo`, derivations.cc): a fixed output stands for its declared
/// output, anything else for its own ATerm with its inputs replaced.
pub fn dependents_hash(kind: &DrvKind) -> &'static str {
    match kind {
        DrvKind::Fixed { .. } => "sha256 of \"fixed:out:<method><algo>:<hash>:<output path>\", its declared output",
        DrvKind::InputAddressed => "its hash with outputs filled in",
        DrvKind::Floating { .. } | DrvKind::Deferred => {
            "its hash with its output paths still empty (they are known only after building)"
        }
        DrvKind::Impure { .. } => "sha256(\"impure\"), the same for every impure derivation",
    }
}

/// The label of the row that shows a derivation's hash for dependents, chosen from its kind.
pub fn dependents_row(kind: &DrvKind) -> &'static str {
    match kind {
        DrvKind::Fixed { .. } => "hash for dependents (of its declared output)",
        DrvKind::InputAddressed => "hash for dependents (outputs filled in)",
        DrvKind::Floating { .. } | DrvKind::Deferred => "hash for dependents (outputs still empty)",
        DrvKind::Impure { .. } => "hash for dependents (sha256 of \"impure\")",
    }
}

/// The words for one step of the trace of a derivation of kind `own`, in the resolution `res`:
/// an input's step says what stands for that input, by the input's computed kind; the hashing
/// step says what was hashed, by the derivation's own kind.
pub fn step_words_in(label: &str, own: &DrvKind, res: &Resolution) -> Option<String> {
    step_words_by(label, own, &|k| res.entries.get(k).map(|r| &r.kind))
}

/// [`step_words_in`], given each input's computed kind by key.
pub fn step_words_by<'a>(label: &str, own: &DrvKind, kind_of: &dyn Fn(&str) -> Option<&'a DrvKind>) -> Option<String> {
    if let Some(key) = label.strip_prefix("input ") {
        let what = kind_of(key).map_or("its hash for dependents", dependents_hash);
        return Some(format!(
            "an input: its .drv path and the outputs used → the hash that stands for it here ({what})"
        ));
    }
    if label == "sha256 = hashDerivationModulo" && !matches!(own, DrvKind::InputAddressed) {
        return Some(format!(
            "{} → what dependents see: it stands for this derivation in their ATerms",
            dependents_hash(own)
        ));
    }
    step_words(label).map(str::to_string)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    /// Every step of every scenario's traces has words.
    #[test]
    fn every_step_has_words() {
        for s in crate::lab::scenarios::scenarios() {
            let ev = crate::lab::eval::evaluate(&s.specs, &Default::default());
            for r in ev.resolution.entries.values() {
                let traces =
                    std::iter::once(&r.traces.drv_path).chain([&r.traces.modulo]).chain(r.traces.outputs.values());
                for t in traces {
                    for st in &t.steps {
                        assert!(super::step_words(&st.label).is_some(), "{}: no words for {:?}", s.id, st.label);
                    }
                }
            }
        }
    }

    /// A fixed-output input is not said to be "hashed with outputs filled in": what stands for
    /// it is the sha256 of its fixed:out: string (issue 12).
    #[test]
    fn an_input_is_described_by_its_computed_kind() {
        let s = crate::lab::scenarios::scenarios().into_iter().find(|s| s.id == "input-derivations").unwrap();
        let ev = crate::lab::eval::evaluate(&s.specs, &Default::default());
        let res = &ev.resolution;
        let lib = &res.entries["lib"];
        let w = super::step_words_in("input patch", &lib.kind, res).unwrap();
        assert!(w.contains("fixed:out:"), "{w}");
        assert!(!w.contains("outputs filled in"), "{w}");
        let tool = &res.entries["tool"];
        let w = super::step_words_in("input lib", &tool.kind, res).unwrap();
        assert!(w.contains("outputs filled in"), "{w}");
        // The string the engine hashed for patch is the one the words name.
        let patch = &res.entries["patch"];
        let string = patch.traces.modulo.get("string").unwrap();
        assert!(string.starts_with("fixed:out:sha256:") && string.ends_with(patch.outputs["out"].as_deref().unwrap()));
        assert_eq!(super::dependents_row(&patch.kind), "hash for dependents (of its declared output)");
        assert_eq!(super::dependents_row(&lib.kind), "hash for dependents (outputs filled in)");
    }
}
