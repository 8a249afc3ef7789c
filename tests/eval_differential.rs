//! Differential tests of the page's own model against real Nix (Debian's nix-bin, Nix 2.8):
//! random graphs of `derivation { … }` attributes ([`SpecGraph`], what the page edits) are
//! exported with [`to_shell_script`] (the `.nix` file plus the source directories it adds with
//! `builtins.path`), run by `sh` and instantiated by `nix-instantiate`; every `.drv` path, output
//! path and `.drv` byte string [`evaluate`] produces must be identical. Lifting Nix's
//! derivations back into attributes and evaluating them again must give the same paths too.
//!
//! `differential.rs` covers the other direction (Nix expressions written by hand-rolled
//! generator, read back through the CLI); this file covers `eval`, the export and `lift`.
//! Reproducible: the seed is fixed (override with DRVLAB_DIFF_SEED); a failure prints the seed
//! and leaves the files in place.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use drvlab::lab::eval::{evaluate, source_trees, to_shell_script, DrvSpec, FixedSpec, SourceSpec, SpecGraph};
use drvlab_engine::graph::Options;
use drvlab_engine::hash::{HashAlgo, HashFormat};
use drvlab_engine::nar::{tree_from_files, FileKind, TreeFile};
use drvlab_engine::store_path::FixedMode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// The library's SplitMix64, with the helpers the generator wants.
struct Rng(drvlab_engine::synth::Rng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(drvlab_engine::synth::Rng(seed))
    }
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Strings with everything the ATerm and Nix escaping must survive.
fn wild_string(r: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "plain",
        " ",
        "\"quoted\"",
        "back\\slash",
        "new\nline",
        "tab\there",
        "cr\rhere",
        "é",
        "☃",
        "日本語",
        "🦀",
        "$HOME",
        "${notakey}",
        "$${x}",
        "''",
        "a=b;c",
        "/nix/store/fake",
        "\u{7f}",
        "%",
        "{}",
        "[]",
        "(",
        ")",
        ",",
    ];
    let n = 1 + r.below(5);
    (0..n).map(|_| *r.pick(PIECES)).collect()
}

fn store_name(r: &mut Rng) -> String {
    const CH: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?=";
    let n = 1 + r.below(14);
    let mut s: String = (0..n).map(|_| CH[r.below(CH.len())] as char).collect();
    if s.starts_with('.') {
        s.insert(0, 'x');
    }
    s
}

fn hash_text(r: &mut Rng, algo: HashAlgo) -> (String, Option<HashAlgo>) {
    let h = algo.digest(format!("content {}", r.next()).as_bytes());
    match r.below(6) {
        0 => (h.to_base16(), Some(algo)),
        1 => (h.to_nix32(), Some(algo)),
        2 => (h.to_base64(), Some(algo)),
        3 => (h.to_sri(), None),
        4 => (h.to_sri(), Some(algo)),
        _ => (h.to_format(*r.pick(&[HashFormat::Base16, HashFormat::Nix32, HashFormat::Base64]), true), Some(algo)),
    }
}

/// One random graph: 1–6 derivations, inputs only among earlier ones (chains and diamonds).
fn random_graph(r: &mut Rng, g: usize) -> SpecGraph {
    let n = 1 + r.below(6);
    let mut specs = SpecGraph::new();
    let mut keys: Vec<String> = Vec::new();
    for i in 0..n {
        let key = format!("g{g}n{i}");
        let kind = r.below(10); // 0–2 fixed, 3 content-addressed, rest input-addressed
        let mut s = DrvSpec {
            name: store_name(r),
            // Nix writes the system unescaped and cannot read back a .drv whose system has a quote
            // or backslash, so those stay out; newlines and tabs stay in.
            system: if r.chance(80) { "x86_64-linux".into() } else { wild_string(r).replace(['"', '\\'], "_") },
            builder: if r.chance(70) { "/bin/sh".into() } else { wild_string(r) },
            args: (0..r.below(4)).map(|_| wild_string(r)).collect(),
            ..DrvSpec::new("", "", "", &[])
        };
        let env_count = if r.chance(10) { 20 + r.below(15) } else { r.below(5) };
        for e in 0..env_count {
            let k = if r.chance(20) { format!("k {e} é\"x") } else { format!("attr{e}") };
            s.env.push((k, wild_string(r)));
        }
        // References to earlier derivations, sometimes to a specific output.
        for _ in 0..if keys.is_empty() { 0 } else { r.below(4) } {
            let dep = r.pick(&keys).clone();
            let outs = specs[&dep].output_names();
            let o = r.pick(&outs).clone();
            let reference = if r.chance(50) { format!("${{{dep}.{o}}}") } else { format!("${{{dep}}}") };
            let k = format!("dep{}", s.env.len());
            if r.chance(70) {
                s.env.push((k, format!("pre {reference} post")));
            } else {
                s.args.push(reference);
            }
        }
        if r.chance(20) {
            let contents = wild_string(r);
            // The first source is a toFile text or a directory added with builtins.path.
            let tree = r.chance(50).then(|| random_tree(r));
            s.sources.push(SourceSpec { attr: "src".into(), name: store_name(r), contents, tree });
            if r.chance(50) {
                // A toFile that refers to the first: a text path with a reference.
                let contents = format!("{} ${{src}} {}", wild_string(r), wild_string(r));
                s.sources.push(SourceSpec { attr: "src2".into(), name: store_name(r), contents, tree: None });
            }
        }
        match kind {
            0..=2 => {
                let algo = *r.pick(&HashAlgo::ALL);
                let (hash, a) = hash_text(r, algo);
                let mode = if r.chance(50) { FixedMode::Flat } else { FixedMode::Recursive };
                s.fixed = Some(FixedSpec {
                    mode,
                    algo: a,
                    hash,
                    omit_mode: r.chance(20) && mode == FixedMode::Flat,
                    empty_algo: false,
                });
            }
            3 => s.content_addressed = true,
            _ => {
                if r.chance(40) {
                    let count = 2 + r.below(5);
                    s.outputs = (0..count).map(|j| if j == 0 { "out".to_string() } else { format!("o{j}x") }).collect();
                    if r.chance(30) {
                        s.outputs.swap(0, count - 1);
                    }
                }
            }
        }
        // The editor's structured-attributes switch: every attribute into `__json`, sometimes
        // with typed values (every JSON type, a reference inside a list); the last derivation
        // of a graph is sometimes impure (it has no users, whose kinds Nix restricts).
        if r.chance(15) {
            s.structured_attrs = true;
            if r.chance(50) {
                let reference = keys.last().map(|k| format!("${{{k}}}/bin")).unwrap_or_else(|| "plain".into());
                s.typed_env.push((
                    "typed".into(),
                    serde_json::json!([1, -7, 2.5, 1.0e20, 1.5e-7, true, null, {"b": [], "a": {"é": "x\ny"}}, reference]),
                ));
            }
        }
        if i == n - 1 && kind > 3 && r.chance(10) {
            s.impure = true;
        }
        specs.insert(key.clone(), s.into());
        keys.push(key);
    }
    specs
}

/// Hand-made graphs for `hashDerivationModulo`'s collapse: two fixed-output inputs with equal
/// hashes modulo, and two input-addressed inputs that differ only in such inputs, used through
/// different outputs (Nix 2.8 merges their requested outputs into one entry).
fn collision_graphs(start: usize) -> Vec<SpecGraph> {
    let base = |name: &str, args: &[&str]| DrvSpec::new(name, "x86_64-linux", "/bin/sh", args);
    let mut out = Vec::new();
    for (i, mode) in [FixedMode::Flat, FixedMode::Recursive].into_iter().enumerate() {
        let g = start + i;
        let fod = |script: &str| {
            let mut s = base("image", &["-c", script]);
            let hash = HashAlgo::Sha256.digest(b"image").to_nix32();
            s.fixed = Some(FixedSpec { mode, algo: Some(HashAlgo::Sha256), hash, omit_mode: false, empty_algo: false });
            s
        };
        let (f1, f2) = (format!("c{g}f1"), format!("c{g}f2"));
        let (a1, a2) = (format!("c{g}a1"), format!("c{g}a2"));
        let mut a = base("lib", &["-c", "make"]);
        a.outputs = vec!["out".into(), "dev".into()];
        let mut a1s = a.clone();
        a1s.env.push(("src".into(), format!("${{{f1}}}")));
        let mut a2s = a.clone();
        a2s.env.push(("src".into(), format!("${{{f2}}}")));
        let mut c = base("app", &["-c", "link"]);
        c.env.push(("both".into(), format!("${{{f1}}} ${{{f2}}} ${{{a1}}} ${{{a2}.dev}}")));
        out.push(SpecGraph::from([
            (f1, fod("write first.json").into()),
            (f2, fod("write second.json").into()),
            (a1, a1s.into()),
            (a2, a2s.into()),
            (format!("c{g}app"), c.into()),
        ]));
    }
    out
}

/// A small directory as the page lists it: 1–5 entries (files, executables, symlinks, empty
/// directories) at depth up to 3, with names a shell must quote; entries that would clash with
/// earlier ones are dropped, as the page would refuse them.
fn random_tree(r: &mut Rng) -> Vec<TreeFile> {
    const NAMES: &[&str] = &["README", "a b", "it's", "é", "bin", "x.sh", "-n", "%s", "\\", "lib", "🦀"];
    let mut files: Vec<TreeFile> = Vec::new();
    for _ in 0..1 + r.below(5) {
        let depth = 1 + r.below(3);
        let mut path = (0..depth).map(|_| *r.pick(NAMES)).collect::<Vec<_>>().join("/");
        let (kind, contents) = match r.below(6) {
            0 => (FileKind::Executable, wild_string(r)),
            1 => (FileKind::Symlink, format!("../{}", r.pick(NAMES))),
            2 => {
                path.push('/');
                (FileKind::Regular, String::new())
            }
            _ => (FileKind::Regular, wild_string(r)),
        };
        files.push(TreeFile { path, kind, contents });
        if tree_from_files(&files).is_err() {
            files.pop();
        }
    }
    files
}

fn nix(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .env("NIX_CONFIG", "build-users-group =\nexperimental-features = nix-command ca-derivations impure-derivations")
        .output()
        .expect("run nix");
    assert!(out.status.success(), "{:?} failed:\n{}", args, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[derive(Default)]
struct Counts {
    graphs: usize,
    drvs: usize,
    fixed: BTreeMap<String, usize>,
    ca: usize,
    deferred: usize,
    text_sources: usize,
    text_with_refs: usize,
    dir_sources: usize,
    multi_output: usize,
    structured: usize,
    typed: usize,
    impure: usize,
}

#[test]
fn exported_graphs_match_real_nix() {
    if !require_nix() {
        return;
    }
    let seed: u64 = std::env::var("DRVLAB_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261122);
    let graphs_n = 240;
    let mut r = Rng::new(seed);
    let mut graphs: Vec<SpecGraph> = (0..graphs_n).map(|g| random_graph(&mut r, g)).collect();
    graphs.extend(collision_graphs(graphs_n));
    let dir = tempdir("eval");
    let opts = Options::default();
    let mut counts = Counts::default();

    // Each graph in its own directory, written by the page's export script; one .nix file
    // evaluates to every derivation of every graph, in order.
    let mut all = String::from("builtins.concatLists [\n");
    let mut expected_order: Vec<(usize, String)> = Vec::new();
    for (gi, g) in graphs.iter().enumerate() {
        let gdir = dir.join(format!("g{gi}"));
        std::fs::create_dir_all(&gdir).unwrap();
        let out = Command::new("sh").arg("-c").arg(to_shell_script(g)).current_dir(&gdir).output().unwrap();
        assert!(out.status.success(), "export script of graph {gi} failed: {}", String::from_utf8_lossy(&out.stderr));
        // The script's directories must be what the entry lists say, read independently of the
        // engine: otherwise Nix and the engine could agree on a tree nobody asked for.
        let dirs = source_trees(g).into_iter().map(|(rel, _)| rel);
        let lists = g.values().flat_map(|s| s.sources.iter().filter_map(|x| x.tree.as_ref()));
        for (rel, files) in dirs.zip(lists) {
            let own = dir.join("own").join(format!("g{gi}")).join(&rel);
            write_entries(&own, files);
            let (theirs, ours) = (snapshot(&gdir.join(&rel)), snapshot(&own));
            if theirs != ours {
                panic!("graph {gi}: the export script wrote {rel} as\n{theirs:#?}\nbut its entries say\n{ours:#?}");
            }
        }
        all.push_str(&format!("(import ./g{gi})\n"));
        expected_order.extend(g.keys().map(|k| (gi, k.clone())));
    }
    all.push_str("]\n");
    let file = dir.join("all.nix");
    std::fs::write(&file, &all).unwrap();
    // A derivation whose first output is not `out` is printed as `<drv>!<output>`.
    let drv_paths: Vec<String> = nix(&["nix-instantiate", file.to_str().unwrap()])
        .lines()
        .map(|l| l.split('!').next().unwrap_or(l).to_string())
        .collect();
    assert_eq!(drv_paths.len(), expected_order.len(), "nix-instantiate printed one .drv per derivation");

    let mut args = vec!["nix", "show-derivation", "-r"];
    args.extend(drv_paths.iter().map(String::as_str));
    let shown = nix(&args);
    let nix_json: Value = serde_json::from_str(&shown).unwrap();

    let mut failures = Vec::new();
    let mut by_graph: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    for ((gi, key), drv_path) in expected_order.iter().zip(&drv_paths) {
        by_graph.entry(*gi).or_default().insert(key.clone(), drv_path.clone());
    }
    for (gi, g) in graphs.iter().enumerate() {
        counts.graphs += 1;
        let ev = evaluate(g, &opts);
        if !ev.errors.is_empty() {
            failures.push(format!("graph {gi}: engine refused what Nix accepted: {:?}", ev.errors));
            continue;
        }
        for (key, spec) in g {
            counts.drvs += 1;
            let res = &ev.resolution.entries[key];
            let nix_path = &by_graph[&gi][key];
            if let Some(f) = &spec.fixed {
                *counts.fixed.entry(format!("{:?}/{}", f.mode, res.drv.outputs["out"].hash_algo)).or_default() += 1;
            }
            counts.ca += spec.content_addressed as usize;
            counts.deferred += matches!(res.kind, drvlab_engine::DrvKind::Deferred) as usize;
            counts.text_sources += spec.sources.iter().filter(|x| x.tree.is_none()).count();
            counts.text_with_refs += spec.sources.iter().filter(|x| x.contents.contains("${src}")).count();
            counts.dir_sources += spec.sources.iter().filter(|x| x.tree.is_some()).count();
            counts.multi_output += (spec.outputs.len() > 1) as usize;
            counts.structured += spec.structured_attrs as usize;
            counts.typed += !spec.typed_env.is_empty() as usize;
            counts.impure += spec.impure as usize;
            if &res.drv_path != nix_path {
                failures.push(format!("graph {gi} {key}: .drv path {} but Nix wrote {nix_path}", res.drv_path));
                continue;
            }
            let bytes = std::fs::read(nix_path).unwrap();
            if bytes != res.aterm {
                failures.push(format!(
                    "graph {gi} {key}: ATerm differs\n  nix:    {}\n  engine: {}",
                    String::from_utf8_lossy(&bytes),
                    String::from_utf8_lossy(&res.aterm)
                ));
            }
            let nix_outputs = &nix_json[nix_path.as_str()]["outputs"];
            for (o, p) in &res.outputs {
                let theirs = nix_outputs[o.as_str()]["path"].as_str();
                if theirs != p.as_deref() {
                    failures.push(format!("graph {gi} {key} output {o}: engine {p:?}, Nix {theirs:?}"));
                }
            }
        }
    }

    // The collision graphs do exercise the collapse: Nix 2.35.0–2.35.2's overwriting gives the
    // app other paths than the merging Nix 2.8 that just agreed with the engine.
    for g in &graphs[graphs_n..] {
        let merge = evaluate(g, &opts);
        let overwrite =
            evaluate(g, &Options { merge: drvlab_engine::graph::InputMerge::Overwrite, ..Options::default() });
        let app = g.keys().find(|k| k.ends_with("app")).unwrap();
        if merge.resolution.entries[app].outputs == overwrite.resolution.entries[app].outputs {
            failures
                .push(format!("collision graph {app}: merge and overwrite agree, so the collapse was not exercised"));
        }
    }

    // Lifting Nix's derivations back to editable attributes and evaluating them again gives the
    // same paths: what the page does with an imported closure.
    let imported = drvlab_engine::import::import_json(&shown, "/nix/store").unwrap();
    let resolved = drvlab_engine::graph::resolve(&imported.graph, &opts).unwrap();
    let lifted = drvlab::lab::lift::lift(&imported.graph, &resolved);
    let again = evaluate(&lifted.specs, &opts);
    if let Some(e) = again.errors.first() {
        failures.push(format!("lifted graph does not evaluate: {e}"));
    }
    for (orig, key) in &lifted.keys {
        match again.resolution.entries.get(key) {
            Some(r) if r.drv_path == *orig => {}
            Some(r) => failures.push(format!("lifted {key}: .drv path {} but Nix wrote {orig}", r.drv_path)),
            None => failures.push(format!("lifted {key} ({orig}) did not resolve")),
        }
    }

    println!(
        "eval differential: {} graphs, {} derivations, fixed-output by mode/algo {:?}, {} content-addressed, {} deferred, {} toFile sources ({} with references), {} directory sources, {} multi-output, {} structured ({} with typed values), {} impure, {} lifted; {} mismatches (seed {seed})",
        counts.graphs,
        counts.drvs,
        counts.fixed,
        counts.ca,
        counts.deferred,
        counts.text_sources,
        counts.text_with_refs,
        counts.dir_sources,
        counts.multi_output,
        counts.structured,
        counts.typed,
        counts.impure,
        lifted.keys.len(),
        failures.len()
    );
    if !failures.is_empty() {
        std::fs::write(dir.join("failures.txt"), failures.join("\n")).ok();
        panic!(
            "{} mismatches against real Nix (seed {seed}; files in {}):\n{}",
            failures.len(),
            dir.display(),
            failures.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Writes a directory from the page's entry list, as a person following it by hand would.
fn write_entries(root: &std::path::Path, files: &[TreeFile]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(root).unwrap();
    for f in files {
        let path = root.join(f.path.trim_end_matches('/'));
        if f.path.ends_with('/') {
            std::fs::create_dir_all(&path).unwrap();
            continue;
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match f.kind {
            FileKind::Symlink => std::os::unix::fs::symlink(&f.contents, &path).unwrap(),
            kind => {
                std::fs::write(&path, &f.contents).unwrap();
                let mode = if kind == FileKind::Executable { 0o755 } else { 0o644 };
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
        }
    }
}

/// Every entry below `root`: relative path, what it is (`dir`, `exe`, `file`, `link`) and its
/// contents or target.
fn snapshot(root: &std::path::Path) -> Vec<(String, &'static str, Vec<u8>)> {
    use std::os::unix::fs::PermissionsExt;
    fn walk(root: &std::path::Path, at: &std::path::Path, out: &mut Vec<(String, &'static str, Vec<u8>)>) {
        let rel = at.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let meta = std::fs::symlink_metadata(at).unwrap();
        if meta.is_symlink() {
            out.push((rel, "link", std::fs::read_link(at).unwrap().into_os_string().into_encoded_bytes()));
        } else if meta.is_dir() {
            out.push((rel, "dir", vec![]));
            let mut names: Vec<_> = std::fs::read_dir(at).unwrap().map(|e| e.unwrap().path()).collect();
            names.sort();
            for n in names {
                walk(root, &n, out);
            }
        } else {
            let exe = meta.permissions().mode() & 0o100 != 0;
            out.push((rel, if exe { "exe" } else { "file" }, std::fs::read(at).unwrap()));
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

fn tempdir(what: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("drvlab-diff-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
