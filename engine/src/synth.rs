//! Synthetic derivation graphs of realistic shape, for benchmarks (native and in the browser)
//! and stress tests. Deterministic for a seed; no randomness crate needed.

use crate::derivation::{Derivation, Output};
use crate::graph::Graph;
use crate::hash::Hash;
use crate::store_path::FixedMode;

/// SplitMix64: small, fast, good enough to vary shapes (also drives the differential tests).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// `n` derivations keyed `d0…`, each with 1–3 outputs, 1–4 inputs among the earlier ones, a
/// handful of env entries and about 650 bytes of ATerm; about 5% are fixed-output.
pub fn graph(n: usize, seed: u64) -> Graph {
    let mut rng = Rng(seed);
    let mut g = Graph::new();
    let bash = "/nix/store/8fv91097mbh5049i9rglc73dx6kjg3qk-bash-5.2-p15/bin/bash";
    let setup = "/nix/store/6xg259477c90a229xwmb53pdfkn6ig3g-default-builder.sh";
    for i in 0..n {
        let key = format!("d{i}");
        let name = format!("pkg{i}-1.{}", rng.below(20));
        let fixed = i > 0 && rng.below(20) == 0 || i == 0;
        let mut env = std::collections::BTreeMap::new();
        env.insert("name".to_string(), name.clone());
        env.insert("system".into(), "x86_64-linux".into());
        env.insert("builder".into(), bash.into());
        env.insert("strictDeps".into(), "1".into());
        let mut d = Derivation {
            name: name.clone(),
            system: "x86_64-linux".into(),
            builder: bash.into(),
            args: vec!["-e".into(), setup.into()],
            ..Default::default()
        };
        if fixed {
            let h = Hash::sha256(format!("source {i}").as_bytes());
            env.insert("url".into(), format!("https://example.org/src/{name}.tar.gz"));
            env.insert("outputHash".into(), h.to_sri());
            env.insert("outputHashMode".into(), "flat".into());
            env.insert("out".into(), String::new());
            d.outputs.insert("out".into(), Output::fixed(FixedMode::Flat, &h));
        } else {
            let outs = ["out", "dev", "lib"];
            let count = 1 + (rng.below(4) / 3) as usize + (rng.below(8) / 7) as usize;
            for o in &outs[..count] {
                d.outputs.insert(o.to_string(), Output::input_addressed());
                env.insert(o.to_string(), String::new());
            }
            env.insert("outputs".into(), outs[..count].join(" "));
            let inputs = 1 + rng.below(4) as usize;
            let mut build_inputs = Vec::new();
            for _ in 0..inputs {
                let j = rng.below(i as u64) as usize;
                let dep = format!("d{j}");
                let dep_outs: Vec<String> =
                    g.get(&dep).map(|x: &Derivation| x.outputs.keys().cloned().collect()).unwrap_or_default();
                let o = dep_outs[rng.below(dep_outs.len() as u64) as usize].clone();
                build_inputs.push(format!("/nix/store/{:032}-{dep}-{o}", j));
                d.input_drvs.entry(dep).or_default().insert(o);
            }
            build_inputs.truncate(2);
            env.insert("buildInputs".into(), build_inputs.join(" "));
            env.insert("configureFlags".into(), format!("--with-level={}", rng.below(9)));
        }
        d.env = env;
        g.insert(key, d);
    }
    g
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #[test]
    fn realistic_sizes_and_resolvable() {
        let g = super::graph(200, 7);
        let res = crate::graph::resolve(&g, &crate::graph::Options { trace: false, ..Default::default() }).unwrap();
        let avg = res.entries.values().map(|r| r.aterm.len()).sum::<usize>() / res.entries.len();
        assert!((450..900).contains(&avg), "average ATerm {avg} bytes");
        assert_eq!(super::graph(50, 1), super::graph(50, 1));
    }
}
