//! `cargo bench --bench cli`: the whole `drvlab` process. Prints figures, asserts nothing.
//!
//! - `drvlab paths` and `drvlab explain` on generated closures of 1,000, 10,000 and 100,000
//!   derivations (keyed by `.drv` path with every path filled in, as `nix derivation show -r`
//!   prints them): wall and CPU time, time per derivation and the ratio to one SHA-256 pass
//!   over the same `.drv` bytes (from the CPU time: the machine may be shared, and wall time
//!   counts the moments another process held the core), and peak memory (targets: linear;
//!   100,000 under 2 s and 300 MB);
//! - `drvlab paths` on a corpus real Nix wrote (`benches/corpus.nix`, instantiated here when
//!   `nix-instantiate` is on the PATH): time per derivation after start-up (the slope between
//!   two sizes), against one SHA-256 pass over each derivation's `.drv` bytes (target ≤ 10×).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if std::env::var_os("DRVLAB_BENCH_LAUNCH").is_some() {
        return native::launch();
    }
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use drvlab_engine::graph::{resolve, Options};
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    /// Wall time of one `drvlab` run, in ms, and its peak resident memory in MB. A child of
    /// this benchmark would inherit the benchmark's own high-water mark (Linux keeps it across
    /// exec), so drvlab is started by a fresh copy of this program ([`launch`]), which reports
    /// drvlab's peak alone.
    fn run(exe: &str, args: &[&str], file: &Path) -> Run {
        let me = std::env::current_exe().unwrap();
        let t = Instant::now();
        let out = Command::new(me)
            .env("DRVLAB_BENCH_LAUNCH", "1")
            .arg(exe)
            .args(args)
            .arg(file)
            .stderr(Stdio::inherit())
            .output()
            .expect("the launcher runs");
        let ms = t.elapsed().as_secs_f64() * 1e3;
        assert!(out.status.success(), "drvlab {args:?} failed");
        let report = String::from_utf8_lossy(&out.stdout).to_string();
        let mut fields = report.split_whitespace().map(|f| f.parse::<f64>().unwrap_or(f64::NAN));
        let (kb, cpu) = (fields.next().unwrap_or(f64::NAN), fields.next().unwrap_or(f64::NAN));
        Run { ms, mb: kb / 1024.0, cpu }
    }

    /// One run of `drvlab`: wall time (ms), peak resident memory (MB), and CPU time (user +
    /// system, ms: what the process itself used, whoever else held the cores meanwhile).
    #[derive(Clone, Copy)]
    struct Run {
        ms: f64,
        mb: f64,
        cpu: f64,
    }

    /// The launcher: runs its arguments as a command (stdout discarded) and prints the
    /// command's peak resident memory in KB and its CPU time in ms.
    pub fn launch() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        // Reaped by wait4 below, which also reports its resource use.
        #[allow(clippy::zombie_processes)]
        let child = Command::new(&args[0]).args(&args[1..]).stdout(Stdio::null()).spawn().unwrap();
        let pid = child.id() as libc::pid_t;
        let (mut status, mut u): (i32, libc::rusage) = (0, unsafe { std::mem::zeroed() });
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut u) };
        if r != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
            std::process::exit(1);
        }
        let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
        println!("{} {}", u.ru_maxrss, ms(u.ru_utime) + ms(u.ru_stime));
    }

    /// The fastest wall and CPU times of `runs`, and the highest peak.
    fn best(runs: usize, f: impl Fn() -> Run) -> Run {
        let first = Run { ms: f64::MAX, mb: 0.0, cpu: f64::MAX };
        (0..runs).map(|_| f()).fold(first, |a, b| Run { ms: a.ms.min(b.ms), mb: a.mb.max(b.mb), cpu: a.cpu.min(b.cpu) })
    }

    /// Milliseconds for one SHA-256 pass over every `.drv` of the document.
    fn sha_ms(aterms: &[Vec<u8>]) -> f64 {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                for a in aterms {
                    std::hint::black_box(drvlab_engine::hash::Hash::sha256(a));
                }
                t.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::MAX, f64::min)
    }

    fn aterms_of(json: &str) -> Vec<Vec<u8>> {
        let imp = drvlab_engine::import::import_json(json, "/nix/store").unwrap();
        let res = resolve(&imp.graph, &Options { trace: false, ..Options::default() }).unwrap();
        res.entries.into_values().map(|r| r.aterm).collect()
    }

    pub fn main() {
        let exe = env!("CARGO_BIN_EXE_drvlab");
        let dir = std::env::temp_dir().join(format!("drvlab-bench-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        println!("drvlab, whole process (bench profile, opt-level 3; best of runs; the machine may be shared)");
        let mut per_drv = Vec::new();
        for n in [1_000usize, 10_000, 100_000] {
            let g = drvlab_engine::synth::graph(n, 42);
            let quiet = Options { trace: false, ..Options::default() };
            let res = resolve(&g, &quiet).expect("the generated graph resolves");
            let by_path: BTreeMap<String, drvlab_engine::Derivation> =
                res.entries.values().map(|r| (r.drv_path.clone(), r.drv.clone())).collect();
            let json = drvlab_engine::import::export_json_2_8(&by_path).to_string();
            let file = dir.join(format!("closure-{n}.json"));
            std::fs::write(&file, &json).unwrap();
            let aterms: Vec<Vec<u8>> = res.entries.into_values().map(|r| r.aterm).collect();
            let sha = sha_ms(&aterms);
            let runs = if n >= 100_000 { 2 } else { 3 };
            let paths = best(runs, || run(exe, &["paths"], &file));
            let explain = best(runs, || run(exe, &["explain"], &file));
            per_drv.push((n, paths.cpu));
            println!(
                "  {n:>7} derivations, {:>5.1} MB of JSON: paths {:>7.1} ms wall, {:>7.1} ms CPU ({:.1} µs each, {:.1}× one SHA-256 pass of {sha:.1} ms), peak {:.0} MB; explain {:>7.1} ms wall, {:>7.1} ms CPU, peak {:.0} MB",
                json.len() as f64 / 1e6,
                paths.ms,
                paths.cpu,
                paths.cpu * 1e3 / n as f64,
                paths.cpu / sha,
                paths.mb,
                explain.ms,
                explain.cpu,
                explain.mb,
            );
        }
        if let [(n0, t0), _, (n1, t1)] = per_drv[..] {
            let slope = (t1 - t0) * 1e3 / (n1 - n0) as f64;
            println!(
                "  growth 1,000 → 100,000: {slope:.2} µs of CPU per added derivation (linear: the same at every size)"
            );
        }
        println!("  target: 100,000 derivations under 2,000 ms and 300 MB");
        real_nix_corpus(exe, &dir);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `drvlab paths` on what real Nix wrote, at two sizes; the slope is the cost per
    /// derivation after start-up.
    fn real_nix_corpus(exe: &str, dir: &Path) {
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/corpus.nix");
        let mut sizes = Vec::new();
        for n in [200, 1600] {
            let Some(json) = instantiate(corpus, n) else {
                println!("  real-Nix corpus: skipped (nix-instantiate / nix not found or failed)");
                return;
            };
            let file = dir.join(format!("corpus-{n}.json"));
            std::fs::write(&file, &json).unwrap();
            let aterms = aterms_of(&json);
            let Run { cpu: ms, mb, .. } = best(5, || run(exe, &["paths"], &file));
            let bytes: usize = aterms.iter().map(Vec::len).sum();
            println!(
                "  real-Nix corpus ({n} packages): {} derivations, avg {} B of .drv: paths {ms:.1} ms CPU, peak {mb:.0} MB",
                aterms.len(),
                bytes / aterms.len()
            );
            sizes.push((aterms.len(), ms, sha_ms(&aterms)));
        }
        let [(d0, t0, s0), (d1, t1, s1)] = sizes[..] else { return };
        let per = (t1 - t0) * 1e3 / (d1 - d0) as f64;
        let sha_per = s1 * 1e3 / d1 as f64;
        println!(
            "  real-Nix corpus after start-up: {per:.1} µs per derivation = {:.1}× one SHA-256 pass ({sha_per:.2} µs; target ≤ 10×); start-up {:.1} ms",
            per / sha_per,
            t0 - per * d0 as f64 / 1e3,
        );
        let _ = s0;
    }

    /// `nix-instantiate benches/corpus.nix --arg n N`, then `nix show-derivation -r` of the result.
    fn instantiate(corpus: &str, n: usize) -> Option<String> {
        let out = Command::new("nix-instantiate")
            .args([corpus, "--arg", "n", &n.to_string()])
            .env("NIX_CONFIG", "build-users-group =")
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let tops: Vec<String> = String::from_utf8(out.stdout).ok()?.lines().map(str::to_string).collect();
        let json = Command::new("nix")
            .args(["--extra-experimental-features", "nix-command", "show-derivation", "-r"])
            .args(&tops)
            .env("NIX_CONFIG", "build-users-group =")
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        String::from_utf8(json.stdout).ok()
    }
}
