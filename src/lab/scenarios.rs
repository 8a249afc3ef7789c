//! The playground's presets, each grounded in a real confusion (`shared/seeds/`): a story, the
//! graph, and an edit to try. The graphs are plain data; every path shown for them is computed.

use crate::lab::edit::parse_edit;
use crate::lab::eval::{DrvSpec, FixedSpec, SourceSpec, SpecGraph};
use crate::lab::rerun::NameFollows;
use drvlab_engine::hash::HashAlgo;
use drvlab_engine::nar::{FileKind, TreeFile};
use drvlab_engine::store_path::FixedMode;

/// One preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    /// One paragraph: the situation, in the words of the person who hit it.
    pub story: &'static str,
    /// The edit to try and what to look at, in the story's words. It claims nothing about what
    /// moves: the page says that from the computed result ([`Scenario::moves`] is checked
    /// against it). What to do next is in [`Scenario::then`], not here.
    pub try_this: &'static str,
    /// Where the story comes from.
    pub seed: &'static str,
    pub specs: SpecGraph,
    pub selected: &'static str,
    /// The suggested edit as `(key, field, value)`, fields spelled as `drvlab moves --set`
    /// spells them; the embed's "try it" button and the exercises perform it.
    pub edit: (&'static str, &'static str, &'static str),
    /// What the suggested edit moves, as [`crate::lab::explain::PathId::label`] spells each
    /// path (`"fetch .drv"`, `"build out"`); every other path stays. A test performs the edit
    /// and fails on any difference.
    pub moves: &'static [&'static str],
    /// A name that follows its recipe (the rerun-on-change trick), kept up to date by the
    /// reducer after every edit.
    pub follows: Option<NameFollows>,
    /// Derivations whose outputs are already valid in the toy store when the scenario loads,
    /// as built by the suggested edit's recipe (a working fetcher whose hash was copied).
    pub already_built: &'static [&'static str],
    /// What to do after the suggested edit, in order, each performed by the page in one click
    /// and by the tests, from the state the steps before it leave.
    pub then: &'static [FollowUp],
    /// What the toy network serves when the scenario loads, `(url, bytes)`.
    pub serves: &'static [(&'static str, &'static str)],
}

/// One thing the page can do for a story in one click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// An edit as `drvlab moves --set` spells it: `(key, field, value)`.
    Edit(&'static str, &'static str, &'static str),
    /// `nix-build KEY` in the toy store.
    Build(&'static str),
    /// Select a derivation, to look at what the page says of it (its lints, its paths).
    Select(&'static str),
}

impl Step {
    /// The derivation the step is about.
    pub fn key(&self) -> &'static str {
        match self {
            Step::Edit(k, ..) | Step::Build(k) | Step::Select(k) => k,
        }
    }

    /// What the step's button says it does.
    pub fn label(&self) -> String {
        match self {
            Step::Edit(k, f, v) => format!("set {k}'s {f} to {:?}", v.trim_end()),
            Step::Build(k) => format!("nix-build {k} in the toy store"),
            Step::Select(k) => format!("select {k}"),
        }
    }
}

/// A follow-up of a story ("Then change …"): its words, the step, and what it claims, as data a
/// test checks by performing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUp {
    /// In the story's words: what to do and what to look at. Like `try_this`, it claims nothing
    /// about what moves.
    pub words: &'static str,
    pub step: Step,
    /// For an edit: what it moves from the state the steps before it leave, labelled as
    /// [`Scenario::moves`]; every other path stays. Empty for a build or a selection.
    pub moves: &'static [&'static str],
    /// For a build: the derivations the toy store already holds, so their builders never run.
    pub reused: &'static [&'static str],
    /// For a build: what its log says, each a part of one line (`"hash mismatch"`).
    pub log: &'static [&'static str],
    /// The derivation selected after the step (what the words point at).
    pub show: &'static str,
    /// The step points at a lint on `show`, which must be there and on screen.
    pub lint: bool,
}

impl Scenario {
    /// Step `i` of the story: 0 is the suggested edit, then the follow-ups.
    pub fn step(&self, i: usize) -> Option<Step> {
        match i {
            0 => Some(Step::Edit(self.edit.0, self.edit.1, self.edit.2)),
            i => self.then.get(i - 1).map(|f| f.step),
        }
    }

    /// The graph after the story's first `n` steps (edits applied in order, the name rule
    /// re-applied after each, as the reducer does).
    pub fn specs_after(&self, n: usize, opts: &drvlab_engine::graph::Options) -> Result<SpecGraph, String> {
        let mut g = self.specs.clone();
        for i in 0..n {
            if let Some(Step::Edit(key, field, value)) = self.step(i) {
                let spec =
                    std::rc::Rc::make_mut(g.get_mut(key).ok_or_else(|| format!("{}: no derivation {key:?}", self.id))?);
                parse_edit(spec, field, value).map_err(|e| format!("{}: {e}", self.id))?.apply(spec);
                if let Some(f) = self.follows {
                    f.apply(&mut g, opts);
                }
            }
        }
        Ok(g)
    }
}

const SYSTEM: &str = "x86_64-linux";
const BASH: &str = "/bin/sh";
/// sha256 of the empty string in nix32: a hash any reader can reproduce.
const EMPTY_SHA256: &str = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73";

fn spec(name: &str, args: &[&str], env: &[(&str, &str)]) -> DrvSpec {
    DrvSpec {
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..DrvSpec::new(name, SYSTEM, BASH, args)
    }
}

fn fixed(mut s: DrvSpec, mode: FixedMode, hash: &str) -> DrvSpec {
    s.fixed =
        Some(FixedSpec { mode, algo: Some(HashAlgo::Sha256), hash: hash.into(), omit_mode: false, empty_algo: false });
    s
}

fn graph(items: Vec<(&str, DrvSpec)>) -> SpecGraph {
    drvlab_engine::collect::map(items.into_iter().map(|(k, v)| (k.to_string(), v.into())))
}

/// The rerun-on-change scenario's rule: src is named by the hash part of its unfixed output path.
const RERUN: NameFollows = NameFollows { key: "src", base: "source" };

/// The default: a fetch (fixed-output) feeding a build feeding an app.
pub fn default_scenario() -> Scenario {
    scenarios().into_iter().next().expect("at least one scenario")
}

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            id: "fetch-build-app",
            title: "A fetch, a build, an app",
            story: "Most packages look like this: a fixed-output derivation fetches the source (it may use the network because it promises the hash of what it will produce), an input-addressed build compiles it, and an app uses the build. Their paths are computed in two different ways.",
            try_this: "Change the fetch's url (env row) to the next release, as a version bump does.",
            seed: "discourse-how-is-the-hash-calculated",
            specs: graph(vec![
                ("fetch", fixed(spec("hello-2.12.1.tar.gz", &["-c", "curl -L \"$url\" -o \"$out\""], &[("url", "https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz")]), FixedMode::Flat, "1kjzfc3ppwnnq1ka7wvmyq2shv0sp2hxsdrifx5lbyzl3ysf5pd3")),
                ("build", {
                    let mut s = spec("hello-2.12.1", &["-c", "tar xf $src && cd hello-* && ./configure --prefix=$out && make install"], &[("src", "${fetch}")]);
                    s.outputs = vec!["out".into(), "doc".into()];
                    s
                }),
                ("app", spec("greeter", &["-c", "mkdir -p $out/bin && ln -s ${build}/bin/hello $out/bin/greet"], &[])),
            ]),
            selected: "build",
            edit: ("fetch", "env.url", "https://ftp.gnu.org/gnu/hello/hello-2.12.2.tar.gz"),
            moves: &["fetch .drv", "build .drv", "app .drv"],
            follows: None,
            already_built: &[],
            serves: &[],
            then: &[FollowUp {
                words: "Then change the build's builder and compare: an input-addressed derivation's recipe is what its output paths are made of.",
                step: Step::Edit("build", "builder", "/bin/bash"),
                moves: &["build .drv", "build out", "build doc", "app .drv", "app out"],
                reused: &[],
                log: &[],
                show: "build",
                lint: false,
            }],
        },
        Scenario {
            id: "pullimage-collapse",
            title: "Two image pulls, one output",
            story: "Two pullImage calls differ in their build script (one writes first.json, the other second.json) but declare the same sha256 and the same name. Nix answers both with one store path: a fixed output is named by its name and hash alone, so after the first is built the second is never run.",
            try_this: "Compare foo's and bar's output paths and their .drv paths. Change bar's manifest name.",
            seed: "discourse-unexpected-caching",
            specs: graph(vec![
                ("foo", {
                    let s = spec("docker-image_sha256_7df6db5a", &["-c", "skopeo copy docker://library/alpine@sha256:7df6db5a dir:$tmp && cp $tmp/manifest.json $out/$manifest"], &[("imageName", "library/alpine"), ("manifest", "first.json")]);
                    fixed(s, FixedMode::Recursive, "070kc10wxi332na7p9mgwr18a6wsz5nzx2krhgz7b2548d7fk3v3")
                }),
                ("bar", {
                    let s = spec("docker-image_sha256_7df6db5a", &["-c", "skopeo copy docker://library/alpine@sha256:7df6db5a dir:$tmp && cp $tmp/manifest.json $out/$manifest"], &[("imageName", "library/alpine"), ("manifest", "second.json")]);
                    fixed(s, FixedMode::Recursive, "070kc10wxi332na7p9mgwr18a6wsz5nzx2krhgz7b2548d7fk3v3")
                }),
                ("deploy", spec("deploy", &["-c", "load ${foo} ${bar}"], &[])),
            ]),
            selected: "bar",
            edit: ("bar", "env.manifest", "third.json"),
            moves: &["bar .drv", "deploy .drv"],
            follows: None,
            already_built: &[],
            serves: &[],
            then: &[FollowUp {
                words: "Then change bar's outputHash and compare foo's and bar's output paths again.",
                step: Step::Edit("bar", "outputHash", EMPTY_SHA256),
                moves: &["bar .drv", "bar out", "deploy .drv", "deploy out"],
                reused: &[],
                log: &[],
                show: "bar",
                lint: false,
            }],
        },
        Scenario {
            id: "input-derivations",
            title: "What are \"input derivations\"?",
            story: "\"The hash of the out path is based solely on the input derivations\" — but which inputs? Everything the derivation refers to: its builder, args, every env value, and each input derivation, which enters the hash not by its .drv path but by its own hash modulo. A fixed-output input enters only as its declared hash and output path.",
            try_this: "Change lib's builder. The pipeline of tool's output shows each input replaced by its hash.",
            seed: "discourse-how-is-the-hash-calculated",
            specs: graph(vec![
                ("patch", fixed(spec("fix-build.patch", &["-c", "curl -L $url > $out"], &[("url", "https://example.org/fix-build.patch")]), FixedMode::Flat, EMPTY_SHA256)),
                ("lib", spec("libfoo-1.0", &["-c", "make -C src install PREFIX=$out"], &[("patches", "${patch}")])),
                ("tool", spec("footool-1.0", &["-c", "cc -L${lib}/lib -lfoo main.c -o $out"], &[])),
                ("app", spec("app", &["-c", "cp ${tool} $out"], &[("temp", "one")])),
            ]),
            selected: "tool",
            edit: ("lib", "builder", "/bin/bash"),
            moves: &["lib .drv", "lib out", "tool .drv", "tool out", "app .drv", "app out"],
            follows: None,
            already_built: &[],
            serves: &[],
            then: &[FollowUp {
                words: "Then change the script of patch, a fixed-output input of lib, and compare with lib's builder change: the fixed-output input enters lib only as its declared hash and output path.",
                step: Step::Edit("patch", "args.1", "curl -fL $url > $out"),
                moves: &["patch .drv", "lib .drv", "tool .drv", "app .drv"],
                reused: &[],
                log: &[],
                show: "lib",
                lint: false,
            }],
        },
        Scenario {
            id: "local-source",
            title: "src = ./. — a local source directory",
            story: "\"Changes to the input files of my derivation aren't always replacing the content in the store\" — and the opposite: \"derivation paths for nix-shell often vary\". A local directory used as src is added to the store as a source path: the sha256 of its NAR, which holds every file's name, contents and executable bit. Any change to any file moves the source path, and with it every derivation that uses it — including a log file or a generated doc nobody meant to be an input.",
            try_this: "Change logs/dev.log, as a tool running in the project would. Open \"how?\" under the source to see the NAR the hash is taken of.",
            seed: "discourse-how-is-the-hash-calculated",
            specs: graph(vec![
                ("app", {
                    let mut s = spec("hello-app", &["-c", "sh $src/build.sh"], &[]);
                    let file = |path: &str, kind: FileKind, contents: &str| TreeFile { path: path.into(), kind, contents: contents.into() };
                    s.sources = vec![SourceSpec {
                        attr: "src".into(),
                        name: "source".into(),
                        contents: String::new(),
                        tree: Some(vec![
                            file("build.sh", FileKind::Executable, "cc main.c -o $out\n"),
                            file("main.c", FileKind::Regular, "int main(void) { return 0; }\n"),
                            file("README.md", FileKind::Regular, "# hello\n"),
                            file("logs/dev.log", FileKind::Regular, "started 10:02\n"),
                        ]),
                    }];
                    s
                }),
                ("shell", spec("hello-shell", &["-c", "echo ${app} > $out"], &[])),
            ]),
            selected: "app",
            edit: ("app", "sources.src/logs/dev.log", "started 10:07\n"),
            moves: &["app .drv", "app out", "shell .drv", "shell out"],
            follows: None,
            already_built: &[],
            serves: &[],
            then: &[FollowUp {
                words: "Then make build.sh a plain file (its kind), which changes no byte of it.",
                step: Step::Edit("app", "sources.src/build.sh (kind)", "regular"),
                moves: &["app .drv", "app out", "shell .drv", "shell out"],
                reused: &[],
                log: &[],
                show: "app",
                lint: false,
            }],
        },
        Scenario {
            id: "garbage-builder",
            title: "The garbage builder that \"succeeds\"",
            story: "A fixed-output derivation whose build script is literally the word Garbage. Built fresh, it fails. But if its output path is already in your store or a binary cache (because the hash was copied from a working fetcher), Nix never runs the builder and hands you the old output.",
            try_this: "Replace the script in args with a working one.",
            seed: "blog-verifying-fixed-output-derivations",
            specs: graph(vec![(
                "myfetch",
                fixed(spec("myfetch", &["-c", "Garbage. This should be a script executable by bash calling curl. It isn't."], &[]), FixedMode::Flat, "04jnq6arig0amz0scadavbzn9bg9k4zphmrm1562n6ygfj1dnj45"),
            )]),
            selected: "myfetch",
            edit: ("myfetch", "args.1", "curl -L https://example.org/real-source.tar.gz -o $out"),
            moves: &["myfetch .drv"],
            follows: None,
            already_built: &["myfetch"],
            serves: &[],
            then: &[FollowUp {
                words: "Then build myfetch in the toy store below, where a working fetcher already put the output: Nix looks the output path up, finds it, and never runs the builder. `nix-build --check` is the way to force a rebuild and compare.",
                step: Step::Build("myfetch"),
                moves: &[],
                reused: &["myfetch"],
                log: &["is already valid"],
                show: "myfetch",
                lint: false,
            }],
        },
        Scenario {
            id: "url-changed",
            title: "New URL, old hash",
            story: "You bump a fetchurl to a new release but forget the hash. Nothing rebuilds: the fetch's output path depends only on its name and hash, so Nix already \"has\" it, and the program that uses it keeps the old source without a word.",
            try_this: "Change the url to hello-2.13.tar.gz, and forget the hash, as in the story.",
            seed: "blog-verifying-fixed-output-derivations",
            specs: graph(vec![
                ("src", fixed(spec("hello-2.12.1.tar.gz", &["-c", "curl -L \"$url\" -o \"$out\""], &[("url", "https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz")]), FixedMode::Flat, "sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA=")),
                ("hello", spec("hello", &["-c", "tar xf ${src} && make install"], &[])),
            ]),
            selected: "src",
            edit: ("src", "env.url", "https://ftp.gnu.org/gnu/hello/hello-2.13.tar.gz"),
            moves: &["src .drv", "hello .drv"],
            follows: None,
            already_built: &[],
            serves: &[("https://ftp.gnu.org/gnu/hello/hello-2.13.tar.gz", "hello-2.13 source (the toy network serves these bytes)")],
            then: &[
                FollowUp {
                    words: "Then do the fix: replace the old hash with a fake one (lib.fakeHash), as one does to learn the real one.",
                    step: Step::Edit("src", "outputHash", "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                    moves: &["src .drv", "src out", "hello .drv", "hello out"],
                    reused: &[],
                    log: &[],
                    show: "src",
                    lint: false,
                },
                FollowUp {
                    words: "Then build src in the toy store, whose network serves the new release: with a new output path, the fetcher really runs, and the hash check fails.",
                    step: Step::Build("src"),
                    moves: &[],
                    reused: &[],
                    log: &["hash mismatch in fixed-output derivation", "got:    sha256-CIdpJWdtIyvXK0p7j5h3qrzHRRDGf+aoSitfCiLlt6w="],
                    show: "src",
                    lint: false,
                },
                FollowUp {
                    words: "Then copy the real hash from the \"got:\" line into outputHash.",
                    step: Step::Edit("src", "outputHash", "sha256-CIdpJWdtIyvXK0p7j5h3qrzHRRDGf+aoSitfCiLlt6w="),
                    moves: &["src .drv", "src out", "hello .drv", "hello out"],
                    reused: &[],
                    log: &[],
                    show: "src",
                    lint: false,
                },
                FollowUp {
                    words: "Then build src again: now the new release's bytes are what the declared hash promises.",
                    step: Step::Build("src"),
                    moves: &[],
                    reused: &[],
                    log: &["fetched https://ftp.gnu.org/gnu/hello/hello-2.13.tar.gz, hash verified"],
                    show: "src",
                    lint: false,
                },
                FollowUp {
                    words: "Then also change the name to hello-2.13.tar.gz: the name is the other half of a fixed output's path.",
                    step: Step::Edit("src", "name", "hello-2.13.tar.gz"),
                    moves: &["src .drv", "src out", "hello .drv", "hello out"],
                    reused: &[],
                    log: &[],
                    show: "src",
                    lint: false,
                },
            ],
        },
        Scenario {
            id: "rerun-on-change",
            title: "Rerun on change: the inputs' hash in the name",
            story: "A trick from the blog post on verifying fixed-output derivations: \"unfix\" the fetcher (the same recipe without outputHash), take the hash part of that derivation's output path — a hash over all its inputs — and put it in the fetcher's name. Then any change to the recipe changes the name, the name moves the output path, and Nix must really run the fetcher and check the hash. Here the name follows the recipe live: src's name is always <hash part of the unfixed output path>_source.",
            try_this: "Change src's url (env row), the one place it is written, and watch the prefix of its name follow.",
            seed: "blog-verifying-fixed-output-derivations",
            specs: {
                let mut g = graph(vec![
                    ("src", fixed(spec("source", &["-c", "curl -L \"$url\" -o \"$out\""], &[("url", "https://example.org/v1.tar.gz")]), FixedMode::Flat, EMPTY_SHA256)),
                    ("pkg", spec("pkg", &["-c", "tar xf ${src}"], &[])),
                ]);
                RERUN.apply(&mut g, &drvlab_engine::graph::Options::default());
                g
            },
            selected: "src",
            edit: ("src", "env.url", "https://example.org/v2.tar.gz"),
            moves: &["src .drv", "src out", "pkg .drv", "pkg out"],
            follows: Some(RERUN),
            already_built: &[],
            serves: &[],
            then: &[],
        },
        Scenario {
            id: "font-fod",
            title: "A font made fixed-output to avoid rebuilds",
            story: "Fonts come in zips; unpacking them into a font package never changes unless the font does, so someone made the package fixed-output to spare rebuilds. That works for self-contained files. A package whose output refers to other store paths (propagated dependencies) or to itself cannot be fixed-output: Nix rejects outputs of fixed-output derivations that contain references. Inputs used only while building (here zip, the fetched archive, and whatever unzips it) are allowed: the output is checked against the declared hash, so they may be anything that makes the same bytes.",
            try_this: "Change the unpack script of the font.",
            seed: "discourse-when-to-use-fixed-output",
            specs: graph(vec![
                ("zip", fixed(spec("fira-code-6.2.zip", &["-c", "curl -L $url -o $out"], &[("url", "https://github.com/tonsky/FiraCode/releases/download/6.2/Fira_Code_v6.2.zip")]), FixedMode::Flat, EMPTY_SHA256)),
                ("font", fixed(spec("fira-code-6.2", &["-c", "unzip ${zip} -d $out/share/fonts"], &[]), FixedMode::Recursive, "1wl2b0b4k9b8hk53m0v0gx9z7a4ywwx3xfbnrmr2z3kl8yvxfv6h")),
                ("theme", spec("ant-theme", &["-c", "cp -r . $out"], &[("propagatedUserEnvPkgs", "${font}")])),
            ]),
            selected: "font",
            edit: ("font", "args.1", "unzip ${zip} -d $out/share/fonts/truetype"),
            moves: &["font .drv", "theme .drv"],
            follows: None,
            already_built: &[],
            serves: &[],
            then: &[FollowUp {
                words: "Then select theme and read its lint: it propagates the font to its users, so its output refers to it — it must stay input-addressed.",
                step: Step::Select("theme"),
                moves: &[],
                reused: &[],
                log: &[],
                show: "theme",
                lint: true,
            }],
        },
        Scenario {
            id: "multiple-outputs",
            title: "Multiple outputs",
            story: "A derivation with outputs out, dev and doc has one hash modulo and one path per output, each named name-output (out keeps the bare name). A dependent records which outputs it uses, and that list is part of its own hash.",
            try_this: "Add an output to lib (outputs field): the output list is in its ATerm and env.",
            seed: "discourse-how-is-the-hash-calculated",
            specs: graph(vec![
                ("lib", {
                    let mut s = spec("zlib-1.3", &["-c", "make install prefix=$out includedir=$dev/include docdir=$doc"], &[]);
                    s.outputs = vec!["out".into(), "dev".into(), "doc".into()];
                    s
                }),
                ("consumer", spec("consumer", &["-c", "cc -I${lib.dev}/include -L${lib}/lib main.c -o $out"], &[])),
            ]),
            selected: "consumer",
            edit: ("lib", "outputs", "out dev doc man"),
            moves: &["lib .drv", "lib out", "lib dev", "lib doc", "lib man", "consumer .drv", "consumer out"],
            follows: None,
            already_built: &[],
            serves: &[],
            then: &[FollowUp {
                words: "Then, in consumer, use ${lib.doc} where it used ${lib.dev} and compare: which outputs a dependent uses is part of its hash.",
                step: Step::Edit("consumer", "args.1", "cc -I${lib.doc}/include -L${lib}/lib main.c -o $out"),
                moves: &["consumer .drv", "consumer out"],
                reused: &[],
                log: &[],
                show: "consumer",
                lint: false,
            }],
        },
        Scenario {
            id: "content-addressed",
            title: "Content-addressed (floating) derivations",
            story: "With __contentAddressed = true, an output's path is the hash of what the build produced, so Nix cannot know it before building. The .drv holds placeholders, and every derivation that uses it is deferred: its own output paths wait too. drvlab shows what Nix writes and does not invent paths.",
            try_this: "Look at gen's outputs and at user's. Change gen's script.",
            seed: "discourse-how-is-the-hash-calculated",
            specs: graph(vec![
                ("gen", {
                    let mut s = spec("generated", &["-c", "echo hi > $out"], &[]);
                    s.content_addressed = true;
                    s
                }),
                ("user", spec("user", &["-c", "cat ${gen} > $out"], &[])),
            ]),
            selected: "user",
            edit: ("gen", "args.1", "echo bye > $out"),
            moves: &["gen .drv", "user .drv"],
            follows: None,
            already_built: &[],
            serves: &[],
            then: &[FollowUp {
                words: "Then untick content-addressed on gen and compare: input-addressed, its output paths are known before building.",
                step: Step::Edit("gen", "__contentAddressed", "false"),
                moves: &["gen .drv", "gen out", "user .drv", "user out"],
                reused: &[],
                log: &[],
                show: "gen",
                lint: false,
            }],
        },
    ]
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::lab::eval::evaluate;
    use drvlab_engine::graph::Options;

    #[test]
    fn every_scenario_evaluates_without_errors() {
        for s in scenarios() {
            let ev = evaluate(&s.specs, &Options::default());
            assert!(ev.errors.is_empty(), "{}: {:?}", s.id, ev.errors);
            assert!(s.specs.contains_key(s.selected), "{}", s.id);
        }
    }

    #[test]
    fn pullimage_pair_collapses() {
        let s = scenarios().into_iter().find(|s| s.id == "pullimage-collapse").unwrap();
        let ev = evaluate(&s.specs, &Options::default());
        let (foo, bar) = (&ev.resolution.entries["foo"], &ev.resolution.entries["bar"]);
        assert_eq!(foo.outputs, bar.outputs);
        assert_ne!(foo.drv_path, bar.drv_path);
    }
}
