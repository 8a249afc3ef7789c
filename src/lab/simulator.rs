//! A toy store, a toy binary cache and a toy network, to *run* the consequences of paths.
//!
//! Building works as Nix's does in the one respect that matters here: a derivation whose output
//! paths are already valid is not built at all. A fixed-output build "fetches" the bytes of its
//! `url` from the toy network, hashes them (flat, or the NAR of a one-file output when
//! recursive) and compares with the declared hash, failing with Nix's own wording. It goes one
//! step past Nix: the store remembers which recipe (`.drv` path) produced each fixed output and
//! warns when another recipe now claims it (NixOS/nix issues 969 and 2970).

use drvlab_engine::derivation::DrvKind;
use drvlab_engine::graph::Resolution;
use drvlab_engine::hash::Hash;
use drvlab_engine::nar::FileTree;
use drvlab_engine::store_path::FixedMode;
use std::collections::BTreeMap;

/// One valid store path: its content and the `.drv` that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreObject {
    pub contents: String,
    pub recipe: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Simulator {
    pub store: BTreeMap<String, StoreObject>,
    pub cache: BTreeMap<String, StoreObject>,
    /// URL → the bytes the toy network serves.
    pub network: BTreeMap<String, String>,
}

/// How a log line should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    pub text: String,
}

fn line(level: Level, text: impl Into<String>) -> LogLine {
    LogLine { level, text: text.into() }
}

/// The content hash of a fixed output as Nix computes it for `mode`.
fn content_hash(mode: FixedMode, algo: drvlab_engine::hash::HashAlgo, contents: &str) -> Hash {
    match mode {
        FixedMode::Flat | FixedMode::Text => algo.digest(contents.as_bytes()),
        FixedMode::Recursive => algo.digest(&FileTree::file(contents).to_nar().unwrap_or_default()),
    }
}

impl Simulator {
    pub fn new() -> Simulator {
        Simulator::default()
    }

    /// Builds `key` (after its inputs) as `nix-build` would. With `check`, rebuilds `key` even
    /// if its outputs are valid and compares (`nix-build --check`).
    pub fn build(&mut self, res: &Resolution, key: &str, check: bool) -> Vec<LogLine> {
        let mut log = Vec::new();
        // Depth first, inputs before their users, with an explicit stack: a chain of inputs
        // may be as deep as the graph (Nix has no limit, and neither does the page's stack).
        let inputs_of = |k: &str| -> Vec<String> {
            let Some(r) = res.entries.get(k) else { return vec![] };
            r.drv
                .input_drvs
                .keys()
                .filter_map(|input| res.entries.iter().find(|(_, e)| &e.drv_path == input).map(|(k, _)| k.clone()))
                .collect()
        };
        if self.prelude(res, key, check, &mut log).is_some() {
            return log;
        }
        let mut stack: Vec<(String, bool, Vec<String>, usize)> = vec![(key.to_string(), check, inputs_of(key), 0)];
        let mut last: Option<bool> = None;
        while let Some(top) = stack.last_mut() {
            if last == Some(false) {
                if let Some(r) = res.entries.get(&top.0) {
                    log.push(line(Level::Error, format!("error: 1 dependency of {} failed", r.drv_path)));
                }
                stack.pop();
                continue;
            }
            last = None;
            if top.3 < top.2.len() {
                let input = top.2[top.3].clone();
                top.3 += 1;
                match self.prelude(res, &input, false, &mut log) {
                    Some(ok) => last = Some(ok),
                    None => {
                        let inputs = inputs_of(&input);
                        stack.push((input, false, inputs, 0));
                    }
                }
            } else if let Some((k, c, _, _)) = stack.pop() {
                last = Some(self.finish(res, &k, c, &mut log));
            }
        }
        log
    }

    /// What happens before a derivation's inputs are built: `Some(result)` when nothing needs
    /// building (already valid, substituted) or it cannot be built; `None` to build it.
    fn prelude(&mut self, res: &Resolution, key: &str, check: bool, log: &mut Vec<LogLine>) -> Option<bool> {
        let Some(r) = res.entries.get(key) else {
            log.push(line(Level::Error, format!("error: {key} has no valid derivation to build")));
            return Some(false);
        };
        let outputs: Vec<(String, String)> =
            r.outputs.iter().filter_map(|(o, p)| p.clone().map(|p| (o.clone(), p))).collect();
        if outputs.len() != r.outputs.len() {
            log.push(line(
                Level::Warn,
                format!("{key}: its output paths are only known after building (content-addressed or deferred); the toy store cannot track them"),
            ));
            return Some(false);
        }
        let all_valid = outputs.iter().all(|(_, p)| self.store.contains_key(p));
        if all_valid && !check {
            for (_, p) in &outputs {
                let obj = &self.store[p];
                if obj.recipe != r.drv_path {
                    log.push(line(
                        Level::Warn,
                        format!(
                            "warning: {p} is already valid, so {} is not built. It was produced by a different recipe, {}: your changes to the builder, args or env have never run (NixOS/nix#969, #2970). Use `nix-build --check` to rerun it, or change the hash or name.",
                            r.drv_path, obj.recipe
                        ),
                    ));
                } else {
                    log.push(line(Level::Info, format!("{p} is already valid: nothing to build for {key}")));
                }
            }
            return Some(true);
        }
        // Substitute from the cache when every output is there (not for --check).
        if !check && outputs.iter().all(|(_, p)| self.cache.contains_key(p)) {
            for (_, p) in &outputs {
                let obj = self.cache[p].clone();
                log.push(line(Level::Info, format!("copying path '{p}' from the binary cache")));
                if obj.recipe != r.drv_path && matches!(r.kind, DrvKind::Fixed { .. }) {
                    log.push(line(
                        Level::Warn,
                        format!(
                            "warning: the cached {p} was produced by {}, not by {}: your recipe is not what made it",
                            obj.recipe, r.drv_path
                        ),
                    ));
                }
                self.store.insert(p.clone(), obj);
            }
            return Some(true);
        }
        None
    }

    /// Builds one derivation whose inputs are built.
    fn finish(&mut self, res: &Resolution, key: &str, check: bool, log: &mut Vec<LogLine>) -> bool {
        let Some(r) = res.entries.get(key) else { return false };
        let outputs: Vec<(String, String)> =
            r.outputs.iter().filter_map(|(o, p)| p.clone().map(|p| (o.clone(), p))).collect();
        log.push(line(Level::Info, format!("building '{}'{}…", r.drv_path, if check { " (--check)" } else { "" })));
        match &r.kind {
            DrvKind::Fixed { mode, hash } => {
                let Some(url) = r.drv.env.get("url").or_else(|| r.drv.env.get("urls")).cloned() else {
                    log.push(line(
                        Level::Error,
                        format!(
                            "error: builder for '{}' failed: the toy builder runs only fetchers with a url attribute, and this one has none (its script is {:?})",
                            r.drv_path,
                            r.drv.args.last().cloned().unwrap_or_default()
                        ),
                    ));
                    return false;
                };
                let Some(contents) = self.network.get(&url).cloned() else {
                    log.push(line(
                        Level::Error,
                        format!(
                            "error: builder for '{}' failed: the toy network has nothing at {url:?} (add it below)",
                            r.drv_path
                        ),
                    ));
                    return false;
                };
                let got = content_hash(*mode, hash.algo, &contents);
                if &got != hash {
                    log.push(line(
                        Level::Error,
                        format!(
                            "error: hash mismatch in fixed-output derivation '{}':\n         specified: {}\n            got:    {}",
                            r.drv_path,
                            hash.to_sri(),
                            got.to_sri()
                        ),
                    ));
                    return false;
                }
                let (_, p) = &outputs[0];
                if check {
                    if let Some(old) = self.store.get(p) {
                        let same = old.contents == contents;
                        log.push(line(
                            if same { Level::Info } else { Level::Error },
                            if same {
                                format!("--check: rebuilt {p} and it is identical")
                            } else {
                                format!(
                                    "error: derivation '{}' may not be deterministic: output '{p}' differs",
                                    r.drv_path
                                )
                            },
                        ));
                    }
                }
                self.store.insert(p.clone(), StoreObject { contents, recipe: r.drv_path.clone() });
                log.push(line(Level::Info, format!("{p}: fetched {url}, hash verified")));
            }
            _ => {
                for (o, p) in &outputs {
                    let contents = format!("{o} of {} built by {} {}", r.drv.name, r.drv.builder, r.drv.args.join(" "));
                    if check && self.store.get(p).is_some_and(|old| old.contents == contents) {
                        log.push(line(Level::Info, format!("--check: rebuilt {p} and it is identical")));
                    }
                    self.store.insert(p.clone(), StoreObject { contents, recipe: r.drv_path.clone() });
                    log.push(line(Level::Info, format!("{p}: built")));
                }
            }
        }
        true
    }

    /// Puts every valid path of the store into the cache (as if it had been pushed).
    pub fn push_to_cache(&mut self) {
        for (p, o) in &self.store {
            self.cache.insert(p.clone(), o.clone());
        }
    }
}
