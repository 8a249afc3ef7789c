//! The rerun-on-change trick from the blog post on verifying fixed-output derivations, live: a
//! fixed-output derivation's name carries the hash part of the output path the same recipe would
//! have if it were not fixed (`builtins.substring 11 32 unfixedDerivation.outPath`), so any change
//! to the recipe changes the name, and the name moves the output path.

use crate::lab::eval::{evaluate, DrvSpec, SpecGraph};
use drvlab_engine::graph::Options;
use drvlab_engine::store_path::parse_store_path;

/// Derivation `key`'s name is `<hash part of its unfixed output path>_<base>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameFollows {
    pub key: &'static str,
    pub base: &'static str,
}

impl NameFollows {
    /// The hash part of the output path `key` would have unfixed (named `base`), as the engine
    /// computes it; `None` when it does not resolve.
    pub fn inputs_hash(&self, specs: &SpecGraph, opts: &Options) -> Option<String> {
        let mut unfixed = DrvSpec::clone(specs.get(self.key)?);
        unfixed.fixed = None;
        unfixed.name = self.base.to_string();
        let tmp = (0..).map(|i| format!("{}-unfixed{i}", self.key)).find(|k| !specs.contains_key(k))?;
        let mut g = specs.clone();
        g.insert(tmp.clone(), unfixed.into());
        let ev = evaluate(&g, &Options { trace: false, ..opts.clone() });
        let path = ev.resolution.entries.get(&tmp)?.outputs.get("out")?.clone()?;
        parse_store_path(&opts.store_dir, &path).map(|(hash, _)| hash.to_string())
    }

    /// Sets the name from the recipe as it now is (a no-op when it does not resolve).
    pub fn apply(&self, specs: &mut SpecGraph, opts: &Options) {
        if let Some(h) = self.inputs_hash(specs, opts) {
            if let Some(s) = specs.get_mut(self.key) {
                std::rc::Rc::make_mut(s).name = format!("{h}_{}", self.base);
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::lab::eval::DrvSpec;

    #[test]
    fn the_name_follows_the_recipe() {
        let mut g = SpecGraph::new();
        let mut s = DrvSpec::new("x", "x86_64-linux", "/bin/sh", &["-c", "curl $url > $out"]);
        s.env.push(("url".into(), "https://example.org/v1".into()));
        g.insert("src".into(), s.clone().into());
        let f = NameFollows { key: "src", base: "source" };
        let opts = Options::default();
        f.apply(&mut g, &opts);
        // The suffix is the hash part of the unfixed derivation's output path.
        let mut plain = SpecGraph::new();
        plain.insert("u".into(), DrvSpec { name: "source".into(), ..s }.into());
        let out = evaluate(&plain, &opts).resolution.entries["u"].outputs["out"].clone().unwrap();
        assert_eq!(g["src"].name, format!("{}_source", &out[11..43]));
        let before = g["src"].name.clone();
        std::rc::Rc::make_mut(g.get_mut("src").unwrap()).env[0].1 = "https://example.org/v2".into();
        f.apply(&mut g, &opts);
        assert_ne!(g["src"].name, before);
    }
}
