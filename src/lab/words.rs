//! Plain words for each step the engine's traces record, shown beside its value (the labels
//! stay as the engine names them, Nix's own words).

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
        l if l.starts_with("input ") => "an input: its .drv path and the outputs used → the hash that stands for it here (its hash with outputs filled in)",
        _ => return None,
    })
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
}
