//! `cargo bench --bench cli`: the whole `drvlab paths` process on generated closures of 1,000,
//! 10,000 and 100,000 derivations (keyed by `.drv` path with every path filled in, as
//! `nix derivation show -r` prints them): wall time, time per derivation, the ratio to one
//! SHA-256 pass over the same `.drv` bytes, and peak memory. Prints figures, asserts nothing.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use drvlab_engine::graph::{resolve, Options};
    use std::collections::BTreeMap;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    /// Peak resident memory of the children waited for so far, in MB (Linux reports KB).
    fn children_peak_mb() -> f64 {
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
        u.ru_maxrss as f64 / 1024.0
    }

    pub fn main() {
        let exe = env!("CARGO_BIN_EXE_drvlab");
        let dir = std::env::temp_dir().join(format!("drvlab-bench-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        println!("drvlab paths, whole process (bench profile, opt-level 3)");
        for n in [1_000usize, 10_000, 100_000] {
            let g = drvlab_engine::synth::graph(n, 42);
            let quiet = Options { trace: false, ..Options::default() };
            let res = resolve(&g, &quiet).expect("the generated graph resolves");
            let by_path: BTreeMap<String, drvlab_engine::Derivation> =
                res.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())).collect();
            let json = drvlab_engine::import::export_json_2_8(&by_path).to_string();
            let file = dir.join(format!("closure-{n}.json"));
            std::fs::write(&file, &json).unwrap();
            let t = Instant::now();
            for r in res.entries.values() {
                std::hint::black_box(drvlab_engine::hash::Hash::sha256(&r.aterm));
            }
            let sha_ms = t.elapsed().as_secs_f64() * 1e3;
            let mut best = f64::MAX;
            let runs = if n >= 100_000 { 1 } else { 3 };
            for _ in 0..runs {
                let t = Instant::now();
                let out = Command::new(exe).arg("paths").arg(&file).stdout(Stdio::null()).status().unwrap();
                assert!(out.success());
                best = best.min(t.elapsed().as_secs_f64() * 1e3);
            }
            let peak = children_peak_mb();
            println!(
            "  {n:>7} derivations, {:>6.1} MB of JSON: {best:>8.1} ms ({:.1} µs each; {:.1}× one SHA-256 pass of {sha_ms:.1} ms), peak RSS so far {peak:.0} MB",
            json.len() as f64 / 1e6,
            best * 1e3 / n as f64,
            best / sha_ms,
        );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
