//! `drvlab`: the engine's answers for scripts. A thin shell over the library: it reads input,
//! calls the engine, and prints the engine's results and traces.

#[cfg(target_arch = "wasm32")]
fn main() {}

/// mimalloc: a derivation's import and resolution make and drop about a hundred small strings
/// and maps; glibc's malloc and free were a quarter of `drvlab paths` on 100,000 derivations.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::main());
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand, ValueEnum};
    use drvlab::lab::explain;
    use drvlab_engine::graph::{resolve, InputMerge, NixVersion, Options, Resolution};
    use drvlab_engine::hash::{Hash, HashAlgo, HashFormat};
    use drvlab_engine::import::{dependency_order_json, import_json, resolve_json, Imported};
    use serde_json::{json, Value};
    use std::io::{Read, Write};
    use std::path::PathBuf;

    #[derive(Parser)]
    #[command(name = "drvlab", version, about = "How Nix computes .drv paths and output paths, exactly, step by step.")]
    struct Cli {
        #[command(subcommand)]
        command: Command,
        /// The Nix store directory.
        #[arg(long, global = true, default_value = "/nix/store")]
        store_dir: String,
        /// Which Nix's hashDerivationModulo to follow where versions differ: inputs whose hashes
        /// modulo collide merge their outputs (2.8–2.34, ≥ 2.35.3) or overwrite (2.35.0–2.35.2).
        #[arg(long, global = true, value_enum)]
        inputs: Option<MergeArg>,
        /// Follow this Nix release where releases differ (e.g. 2.8, 2.35.1): store names with a
        /// leading dot (2.4–2.20 accept any; 2.21+ all but `.`, `..`, `.-…`, `..-…`), SRI hashes
        /// with unused bits set (accepted up to 2.20), and colliding inputs (as --inputs, which
        /// wins when both are given). Without it: refuse what any release refuses.
        #[arg(long, global = true, value_parser = parse_nix_version)]
        nix: Option<NixVersion>,
    }

    fn parse_nix_version(s: &str) -> Result<NixVersion, String> {
        NixVersion::parse(s).ok_or_else(|| format!("{s:?} is not a Nix version like 2.8 or 2.35.1"))
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum MergeArg {
        Merge,
        Overwrite,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Evaluate a Nix file or expression and print the value as `nix-instantiate --eval` does.
        Eval(NixArgs),
        /// Print the .drv path of each derivation a Nix file or expression gives, as
        /// `nix-instantiate` does (`drv!out` for another output than `out`); writes no store.
        Instantiate(NixArgs),
        /// Compute every .drv path and output path of a `nix derivation show -r` document.
        ///
        /// Prints {"<key>": {"drvPath": "...", "outputs": {"<name>": "/nix/store/..." or null}}};
        /// null only where Nix itself cannot know the path before building. Accepts every
        /// shape Nix has printed (2.8 to the 2.33 version-4 document); keys may be .drv paths or
        /// labels, output paths may be absent.
        Paths {
            /// JSON file, or - for standard input.
            #[arg(default_value = "-")]
            file: String,
            /// Also print each derivation's ATerm (the .drv file's bytes).
            #[arg(long)]
            aterm: bool,
        },
        /// Explain how one derivation's paths are made: the engine's trace, step by step.
        Explain {
            #[arg(default_value = "-")]
            file: String,
            /// Which entry (default: the only one, or the last in dependency order).
            #[arg(long)]
            key: Option<String>,
            /// Print the trace as JSON.
            #[arg(long)]
            json: bool,
        },
        /// Parse real .drv files, print each one's .drv path, and verify its output paths when
        /// all its inputs are among the files given.
        Drv {
            #[arg(required = true)]
            files: Vec<PathBuf>,
        },
        /// Convert a hash between base16, nix32, base64 and SRI.
        Hash {
            /// Hash text: `sha256:…`, `sha256-…` (SRI), or a bare hash with --algo.
            text: String,
            #[arg(long)]
            algo: Option<String>,
            /// Print only this form: base16, nix32, base64 or sri.
            #[arg(long)]
            to: Option<String>,
        },
        /// What moves when one attribute of one derivation is set: every path before and after.
        ///
        /// Inputs' paths inside strings are treated as references (as in the Nix expression), so
        /// an edit flows into its users. Keys are printed as identifiers derived from names; the
        /// original key works too. Fields: name, system, builder, args.N, env.KEY, outputs,
        /// outputHash, outputHashMode, outputHashAlgo, __structuredAttrs, __impure (true or false), json.KEY
        /// (a JSON value in __json). With --sweep, perturb every field of every
        /// derivation in turn instead.
        Moves {
            #[arg(default_value = "-")]
            file: String,
            #[arg(long, required_unless_present = "sweep")]
            key: Option<String>,
            /// FIELD=VALUE
            #[arg(long, required_unless_present = "sweep")]
            set: Option<String>,
            #[arg(long)]
            sweep: bool,
            #[arg(long)]
            json: bool,
        },
    }

    /// What `eval` and `instantiate` take, as `nix-instantiate` takes it.
    #[derive(clap::Args)]
    struct NixArgs {
        /// The Nix file (default ./default.nix); path literals and `import` read the real file
        /// system relative to it.
        file: Option<String>,
        /// Evaluate this expression instead of a file.
        #[arg(short = 'E', long = "expr")]
        expr: Option<String>,
        /// Select an attribute path of the value (`-A pkgs.hello`).
        #[arg(short = 'A', long = "attr")]
        attr: Option<String>,
        /// Add to the search path for `<name>` (`name=path` or a directory), before NIX_PATH.
        #[arg(short = 'I')]
        include: Vec<String>,
        /// Evaluate the whole value, not only its top (eval).
        #[arg(long)]
        strict: bool,
        /// Print the value as JSON (eval).
        #[arg(long)]
        json: bool,
        /// Pass NAME = EXPR (a Nix expression) to a function at the top (`autoCallFunction`).
        #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
        arg: Vec<String>,
        /// Pass NAME = STRING to a function at the top.
        #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
        argstr: Vec<String>,
    }

    fn nix_request(a: &NixArgs) -> drvlab_nixlang::cli::Request {
        drvlab_nixlang::cli::Request {
            file: a.file.clone(),
            expr: a.expr.clone(),
            attr: a.attr.clone(),
            include: a.include.clone(),
            strict: a.strict,
            json: a.json,
            args: auto_args(&a.arg, &a.argstr),
        }
    }

    /// The `--arg` and `--argstr` pairs, in that order (a name given twice: the later of one kind
    /// wins, and `--argstr` over `--arg`, where Nix takes the later on the command line).
    fn auto_args(arg: &[String], argstr: &[String]) -> Vec<(String, drvlab_nixlang::AutoArg)> {
        use drvlab_nixlang::AutoArg;
        let exprs = arg.chunks(2).map(|p| (p[0].clone(), AutoArg::Expr(p[1].clone())));
        let strs = argstr.chunks(2).map(|p| (p[0].clone(), AutoArg::Str(p[1].clone())));
        exprs.chain(strs).collect()
    }

    /// Exit status 2 and one line on stderr for any input the engine refuses.
    pub fn main() -> i32 {
        let cli = Cli::parse();
        match run(&cli) {
            Ok(out) => {
                print!("{out}");
                0
            }
            Err(e) => {
                eprintln!("drvlab: {e}");
                2
            }
        }
    }

    fn options(cli: &Cli, trace: bool) -> Options {
        let merge = match (cli.inputs, cli.nix) {
            (Some(MergeArg::Merge), _) => InputMerge::Merge,
            (Some(MergeArg::Overwrite), _) => InputMerge::Overwrite,
            (None, Some(v)) => v.merge(),
            (None, None) => InputMerge::Merge,
        };
        Options { store_dir: cli.store_dir.clone(), merge, trace, nix: cli.nix }
    }

    fn read_input(file: &str) -> Result<String, String> {
        let mut s = String::new();
        if file == "-" {
            std::io::stdin().read_to_string(&mut s).map_err(|e| format!("standard input: {e}"))?;
        } else {
            s = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        }
        Ok(s)
    }

    fn load(cli: &Cli, file: &str, trace: bool) -> Result<(Imported, Resolution), String> {
        let imported = import(cli, file)?;
        let res = resolve(&imported.graph, &options(cli, trace)).map_err(|e| e.to_string())?;
        Ok((imported, res))
    }

    /// The document's derivations; its text is dropped once they are read.
    fn import(cli: &Cli, file: &str) -> Result<Imported, String> {
        import_json(&read_input(file)?, &cli.store_dir).map_err(|e| e.to_string())
    }

    /// What `drvlab paths` prints of each derivation (keys in the order serde_json's map sorts
    /// them, as the printed object always had).
    #[derive(serde::Serialize)]
    struct PathsEntry {
        #[serde(skip_serializing_if = "Option::is_none")]
        aterm: Option<String>,
        #[serde(rename = "drvPath")]
        drv_path: String,
        outputs: SortedList<Option<String>>,
    }

    /// A list sorted by distinct keys, printed as the JSON object it is (smaller than a map).
    struct SortedList<T>(Vec<(String, T)>);

    impl<T: serde::Serialize> serde::Serialize for SortedList<T> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    /// Every derivation's paths, imported and resolved in one pass that keeps only the paths
    /// (and, asked, the ATerm) of each: linear in time and memory, whatever the size.
    fn paths(cli: &Cli, file: &str, aterm: bool) -> Result<String, String> {
        let text = read_input(file)?;
        let mut all = Vec::new();
        let mut progress = Progress::new("resolving");
        resolve_json(&text, &cli.store_dir, &options(cli, false), &|_| false, |key, r| {
            progress.update(all.len(), 0, "derivations");
            let aterm = aterm.then(|| String::from_utf8_lossy(&r.aterm).into_owned());
            let outputs = SortedList(r.outputs.into_iter().collect());
            all.push((key.to_string(), PathsEntry { aterm, drv_path: r.drv_path, outputs }));
        })
        .map_err(|e| e.to_string())?;
        progress.finish();
        drop(text);
        // Keys are distinct: sorting a list once is cheaper than a map's scattered inserts.
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Written as it is printed, not built in memory first.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &SortedList(all)).map_err(|e| format!("standard output: {e}"))?;
        writeln!(out).and_then(|_| out.flush()).map_err(|e| format!("standard output: {e}"))?;
        Ok(String::new())
    }

    /// `explain`: every derivation is resolved (a bad one anywhere is an error, as in `paths`),
    /// but only the one explained records its traces and is kept. Without `--key`, the last in
    /// dependency order, which a first look at each entry's inputs finds.
    fn explain_one(cli: &Cli, file: &str, key: &Option<String>, json: bool) -> Result<String, String> {
        let text = read_input(file)?;
        let opts = options(cli, false);
        let key = match key {
            Some(k) => k.clone(),
            // The order alone (each entry's input keys, nothing resolved); a derivation that
            // cannot be resolved is named by the one pass below.
            None => dependency_order_json(&text, &cli.store_dir).map_err(|e| e.to_string())?.pop().unwrap_or_default(),
        };
        let (mut kept, mut progress, mut done) = (None, Progress::new("resolving"), 0);
        let (shape, order) = resolve_json(&text, &cli.store_dir, &opts, &|k| k == key, |k, r| {
            progress.update(done, 0, "derivations");
            done += 1;
            if k == key {
                kept = Some(r);
            }
        })
        .map_err(|e| e.to_string())?;
        progress.finish();
        let Some(r) = kept else {
            return Err(format!("--key {key:?}: no such entry; the document has {}", order.join(", ")));
        };
        if json {
            return Ok(pretty(&json!({
                "key": key, "shape": shape, "kind": r.kind.describe(),
                "drvPath": r.drv_path, "outputs": r.outputs, "traces": r.traces,
                "mismatches": r.mismatches,
            })));
        }
        let mut s = format!("input shape: {}\nentry: {key}\nkind: {}\n", shape.describe(), r.kind.describe());
        for (o, t) in &r.traces.outputs {
            s.push_str(&format!("\n== output {o}\n{}", t.to_text()));
        }
        s.push_str(&format!("\n== hash modulo (what dependents see)\n{}", r.traces.modulo.to_text()));
        s.push_str(&format!("\n== .drv path\n{}", r.traces.drv_path.to_text()));
        for m in &r.mismatches {
            s.push_str(&format!("\nDIFFERS {}: given {} computed {}\n", m.field, m.given, m.computed));
        }
        Ok(s)
    }

    fn run(cli: &Cli) -> Result<String, String> {
        match &cli.command {
            Command::Paths { file, aterm } => paths(cli, file, *aterm),
            Command::Explain { file, key, json } => explain_one(cli, file, key, *json),
            Command::Drv { files } => drv_command(cli, files),
            Command::Eval(a) => drvlab_nixlang::cli::eval(nix_request(a)),
            Command::Instantiate(a) => drvlab_nixlang::cli::instantiate(nix_request(a)),
            Command::Hash { text, algo, to } => {
                let algo = algo.as_deref().map(HashAlgo::parse).transpose().map_err(|e| e.to_string())?;
                let (h, found) = Hash::parse_with_format(text, algo).map_err(|e| e.to_string())?;
                match to {
                    Some(f) => {
                        let f = HashFormat::parse(f)
                            .ok_or_else(|| format!("--to {f:?}: use base16, nix32, base64 or sri"))?;
                        Ok(format!("{}\n", h.to_format(f, false)))
                    }
                    None => {
                        let mut s = format!("algo {}\nread as {}\n", h.algo, found.name());
                        for f in HashFormat::ALL {
                            s.push_str(&format!("{:<7} {}\n", f.name(), h.to_format(f, f != HashFormat::Sri)));
                        }
                        Ok(s)
                    }
                }
            }
            Command::Moves { file, key, set, sweep, json } => {
                // Edits are made to the derivations' attributes with every input path turned
                // back into a reference (drvlab::lab::lift), so a change flows into the derivations
                // that use it, as re-evaluating the Nix expression would.
                let (imported, res) = load(cli, file, false)?;
                let lifted = drvlab::lab::lift::lift(&imported.graph, &res);
                let opts = options(cli, false);
                let mapping: String = lifted.keys.iter().map(|(o, k)| format!("# {k} = {o}\n")).collect();
                if *sweep {
                    let mut progress = Progress::new("sweeping");
                    let mut report = |done, total| progress.update(done, total, "fields");
                    let sw = drvlab::lab::playground::sweep_reporting(&lifted.specs, &opts, None, None, &mut report);
                    progress.finish();
                    if *json {
                        return Ok(pretty(&json!({"keys": lifted.keys, "sweep": sw})));
                    }
                    let mut s = mapping;
                    for row in &sw.rows {
                        s.push_str(&format!("{} {}:", row.key, row.field));
                        match &row.moved {
                            Ok(m) => {
                                let moved: Vec<String> =
                                    sw.columns.iter().zip(m).filter(|(_, &b)| b).map(|(c, _)| c.label()).collect();
                                s.push_str(&format!(
                                    " moves {}\n",
                                    if moved.is_empty() { "nothing".into() } else { moved.join(", ") }
                                ));
                            }
                            Err(e) => s.push_str(&format!(" error: {e}\n")),
                        }
                    }
                    return Ok(s);
                }
                let (key, set) = (key.clone().unwrap_or_default(), set.clone().unwrap_or_default());
                let key = lifted.keys.get(&key).cloned().unwrap_or(key);
                let spec = lifted.specs.get(&key).ok_or_else(|| {
                    format!(
                        "--key {key:?}: no such derivation; keys are {}",
                        lifted.specs.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                })?;
                let (field, value) = set.split_once('=').ok_or_else(|| format!("--set {set:?}: write FIELD=VALUE"))?;
                let edit = drvlab::lab::playground::parse_edit(spec, field, value).map_err(|e| format!("--set {e}"))?;
                let before = drvlab::lab::eval::evaluate(&lifted.specs, &opts);
                let mut edited = lifted.specs.clone();
                if let Some(s) = edited.get_mut(&key) {
                    edit.apply(std::rc::Rc::make_mut(s));
                }
                let after = drvlab::lab::eval::evaluate(&edited, &opts);
                if let Some(e) = after.errors.first() {
                    return Err(format!("after the edit: {e}"));
                }
                let changes = explain::compare(&before.resolution, &after.resolution);
                if *json {
                    let v: Vec<Value> = changes
                        .iter()
                        .map(|c| json!({"key": c.id.key, "output": c.id.output, "before": c.before, "after": c.after, "moved": c.moved()}))
                        .collect();
                    return Ok(pretty(&json!({"keys": lifted.keys, "changes": v})));
                }
                let mut s = mapping;
                for c in &changes {
                    let what = if c.moved() { "MOVES" } else { "stays" };
                    s.push_str(&format!(
                        "{what} {:<24} {}",
                        c.id.label(),
                        c.before.as_deref().unwrap_or("(unknown before build)")
                    ));
                    if c.moved() {
                        s.push_str(&format!(" -> {}", c.after.as_deref().unwrap_or("(unknown before build)")));
                    }
                    s.push('\n');
                }
                Ok(s)
            }
        }
    }

    /// A progress line on stderr for long work, rewritten in place at most ten times a second
    /// and erased at the end — only when stderr is a terminal (never in pipes or logs).
    /// `DRVLAB_PROGRESS=always` or `never` overrides the terminal check.
    struct Progress {
        what: &'static str,
        on: bool,
        last: Option<std::time::Instant>,
        shown: bool,
    }

    impl Progress {
        fn new(what: &'static str) -> Progress {
            use std::io::IsTerminal;
            let on = match std::env::var("DRVLAB_PROGRESS").as_deref() {
                Ok("always") => true,
                Ok("never") => false,
                _ => std::io::stderr().is_terminal(),
            };
            Progress { what, on, last: None, shown: false }
        }

        fn update(&mut self, done: usize, total: usize, unit: &str) {
            let due = self.last.is_none_or(|t| t.elapsed() >= std::time::Duration::from_millis(100));
            if !self.on || !due {
                return;
            }
            self.last = Some(std::time::Instant::now());
            // A total of 0: not known in advance (a document read as it is resolved).
            match total {
                0 => eprint!("\r{}: {done} {unit}\x1b[K", self.what),
                _ => eprint!("\r{}: {done}/{total} {unit} ({}%)\x1b[K", self.what, done * 100 / total),
            }
            self.shown = true;
        }

        fn finish(&mut self) {
            if self.shown {
                eprint!("\r\x1b[K");
                self.shown = false;
            }
        }
    }

    fn pretty(v: &Value) -> String {
        let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
        s.push('\n');
        s
    }

    fn drv_command(cli: &Cli, files: &[PathBuf]) -> Result<String, String> {
        use drvlab_engine::aterm::parse_aterm;
        use drvlab_engine::derivation::Derivation;
        use drvlab_engine::store_path::text_path;
        use drvlab_engine::trace::Trace;
        use std::collections::BTreeMap;
        let mut parsed: BTreeMap<String, Derivation> = BTreeMap::new();
        let mut s = String::new();
        for f in files {
            let bytes = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
            let shown = f.display().to_string();
            let name = Derivation::name_from_drv_path(&shown).ok_or_else(|| {
                format!("{shown}: the file name must be <hash>-<name>.drv so the derivation's name is known")
            })?;
            let drv = parse_aterm(&bytes, name).map_err(|e| format!("{shown}: {e}"))?;
            let mut refs: Vec<String> = drv.input_srcs.iter().cloned().collect();
            refs.extend(drv.input_drvs.keys().cloned());
            let path = text_path(&cli.store_dir, &format!("{name}.drv"), &bytes, &refs, &mut Trace::off());
            let base = shown.rsplit('/').next().unwrap_or(&shown);
            let verdict = if path.ends_with(&format!("/{base}")) {
                "matches its file name"
            } else {
                "DIFFERS from its file name"
            };
            s.push_str(&format!("{shown}: {path} ({verdict})\n"));
            parsed.insert(path, drv);
        }
        // Verify outputs for every derivation whose whole closure was given.
        let complete: BTreeMap<String, Derivation> = {
            let mut ok: BTreeMap<String, bool> = BTreeMap::new();
            fn closed(k: &str, g: &BTreeMap<String, Derivation>, memo: &mut BTreeMap<String, bool>) -> bool {
                if let Some(&b) = memo.get(k) {
                    return b;
                }
                memo.insert(k.to_string(), false);
                let b = g.get(k).is_some_and(|d| d.input_drvs.keys().all(|i| closed(i, g, memo)));
                memo.insert(k.to_string(), b);
                b
            }
            parsed.iter().filter(|(k, _)| closed(k, &parsed, &mut ok)).map(|(k, d)| (k.clone(), d.clone())).collect()
        };
        let res = resolve(&complete, &options(cli, false)).map_err(|e| e.to_string())?;
        let mut bad = 0;
        for key in parsed.keys() {
            match res.entries.get(key) {
                None => s.push_str(&format!("{key}: outputs not verified (not all of its inputs were given)\n")),
                Some(r) if r.mismatches.is_empty() && r.aterm == parsed[key].to_aterm_bytes() => {
                    s.push_str(&format!("{key}: outputs verified ({})\n", r.outputs.len()))
                }
                Some(r) => {
                    bad += 1;
                    for m in &r.mismatches {
                        s.push_str(&format!(
                            "{key}: {} DIFFERS: file has {}, Nix would write {}\n",
                            m.field, m.given, m.computed
                        ));
                    }
                }
            }
        }
        if bad > 0 {
            print!("{s}");
            return Err(format!("{bad} derivation(s) differ from what Nix would write"));
        }
        Ok(s)
    }
}
