//! The playground's presets, each grounded in a real confusion (`shared/seeds/`): a story, the
//! graph, and an edit to try. The graphs are plain data; every path shown for them is computed.

use crate::lab::eval::{DrvSpec, FixedSpec, SourceSpec, SpecGraph};
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
    /// The edit to try, and what to look for.
    pub try_this: &'static str,
    /// Where the story comes from.
    pub seed: &'static str,
    pub specs: SpecGraph,
    pub selected: &'static str,
    /// The suggested edit as `(key, field, value)`, fields spelled as `drvlab moves --set`
    /// spells them; the embed's "try it" button and the exercises perform it.
    pub edit: (&'static str, &'static str, &'static str),
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
    s.fixed = Some(FixedSpec { mode, algo: Some(HashAlgo::Sha256), hash: hash.into(), omit_mode: false });
    s
}

fn graph(items: Vec<(&str, DrvSpec)>) -> SpecGraph {
    drvlab_engine::collect::map(items.into_iter().map(|(k, v)| (k.to_string(), v)))
}

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
            try_this: "Change the fetch's url (env row) and watch: its .drv path moves, but its output path and every path downstream stay. Then change the build's builder: the build and the app move.",
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
        },
        Scenario {
            id: "pullimage-collapse",
            title: "Two image pulls, one output",
            story: "Two pullImage calls differ in their build script (one writes first.json, the other second.json) but declare the same sha256 and the same name. Nix answers both with one store path: a fixed output is named by its name and hash alone, so after the first is built the second is never run.",
            try_this: "Compare foo's and bar's output paths (equal) and .drv paths (different). Then change bar's manifest name back and forth: only bar's .drv path moves. Change bar's outputHash: now it gets its own path and would really be built.",
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
        },
        Scenario {
            id: "input-derivations",
            title: "What are \"input derivations\"?",
            story: "\"The hash of the out path is based solely on the input derivations\" — but which inputs? Everything the derivation refers to: its builder, args, every env value, and each input derivation, which enters the hash not by its .drv path but by its own hash modulo. A fixed-output input enters only as its declared hash and output path.",
            try_this: "Select lib and change its builder: lib, tool and the app all move (a cascade). Then select patch (fixed-output) and change its script: only patch's .drv path moves. Open \"how\" on tool's output to see each input replaced by its hash.",
            seed: "discourse-how-is-the-hash-calculated",
            specs: graph(vec![
                ("patch", fixed(spec("fix-build.patch", &["-c", "curl -L $url > $out"], &[("url", "https://example.org/fix-build.patch")]), FixedMode::Flat, EMPTY_SHA256)),
                ("lib", spec("libfoo-1.0", &["-c", "make -C src install PREFIX=$out"], &[("patches", "${patch}")])),
                ("tool", spec("footool-1.0", &["-c", "cc -L${lib}/lib -lfoo main.c -o $out"], &[])),
                ("app", spec("app", &["-c", "cp ${tool} $out"], &[("temp", "one")])),
            ]),
            selected: "tool",
            edit: ("lib", "builder", "/bin/bash"),
        },
        Scenario {
            id: "local-source",
            title: "src = ./. — a local source directory",
            story: "\"Changes to the input files of my derivation aren't always replacing the content in the store\" — and the opposite: \"derivation paths for nix-shell often vary\". A local directory used as src is added to the store as a source path: the sha256 of its NAR, which holds every file's name, contents and executable bit. Any change to any file moves the source path, and with it every derivation that uses it — including a log file or a generated doc nobody meant to be an input.",
            try_this: "Change logs/dev.log (as a tool running in the project would): the source path moves, so app and shell move. Then make build.sh a plain file (kind): it moves again, though no byte of it changed. Open \"how?\" under the source to see the NAR the hash is taken of.",
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
        },
        Scenario {
            id: "garbage-builder",
            title: "The garbage builder that \"succeeds\"",
            story: "A fixed-output derivation whose build script is literally the word Garbage. Built fresh, it fails. But if its output path is already in your store or a binary cache (because the hash was copied from a working fetcher), Nix never runs the builder and hands you the old output.",
            try_this: "Edit the script in args: the .drv path moves, the output path does not. Nix looks the output path up, finds it, and never runs your new builder. `nix-build --check` is the way to force a rebuild and compare.",
            seed: "blog-verifying-fixed-output-derivations",
            specs: graph(vec![(
                "myfetch",
                fixed(spec("myfetch", &["-c", "Garbage. This should be a script executable by bash calling curl. It isn't."], &[]), FixedMode::Flat, "04jnq6arig0amz0scadavbzn9bg9k4zphmrm1562n6ygfj1dnj45"),
            )]),
            selected: "myfetch",
            edit: ("myfetch", "args.1", "curl -L https://example.org/real-source.tar.gz -o $out"),
        },
        Scenario {
            id: "url-changed",
            title: "New URL, old hash",
            story: "You bump a fetchurl to a new release but forget the hash. Nothing rebuilds: the fetch's output path depends only on its name and hash, so Nix already \"has\" it, and the program that uses it keeps the old source without a word.",
            try_this: "Change the url to hello-2.13.tar.gz. The fetch's .drv path moves; its output path and the build's paths stay. Now also change the name to hello-2.13.tar.gz: the output path moves and the build cascades, and a real build would fail with a hash mismatch — which is what you want.",
            seed: "blog-verifying-fixed-output-derivations",
            specs: graph(vec![
                ("src", fixed(spec("hello-2.12.1.tar.gz", &["-c", "curl -L \"$url\" -o \"$out\""], &[("url", "https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz")]), FixedMode::Flat, "sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA=")),
                ("hello", spec("hello", &["-c", "tar xf ${src} && make install"], &[])),
            ]),
            selected: "src",
            edit: ("src", "env.url", "https://ftp.gnu.org/gnu/hello/hello-2.13.tar.gz"),
        },
        Scenario {
            id: "rerun-on-change",
            title: "Rerun on change: the inputs' hash in the name",
            story: "A trick from the blog post on verifying fixed-output derivations: put a hash of the fetcher's inputs (its URL, its script) into its name. Then any change to the recipe changes the name, the name moves the output path, and Nix must really run the fetcher — and check the hash.",
            try_this: "Change the url and also update the name's suffix (the page shows the text path of the recipe in the source; use its hash part as the suffix). The output path moves, so Nix rebuilds and verifies.",
            seed: "blog-verifying-fixed-output-derivations",
            specs: graph(vec![
                ("src", {
                    let mut s = spec("source-recipe-3f2a", &["-c", "curl -L \"$url\" -o \"$out\""], &[("url", "https://example.org/v1.tar.gz")]);
                    s.sources = vec![SourceSpec { attr: "recipe".into(), name: "recipe".into(), contents: "url=https://example.org/v1.tar.gz\nscript=curl -L \"$url\" -o \"$out\"\n".into(), tree: None }];
                    fixed(s, FixedMode::Flat, EMPTY_SHA256)
                }),
                ("pkg", spec("pkg", &["-c", "tar xf ${src}"], &[])),
            ]),
            selected: "src",
            edit: ("src", "name", "source-recipe-9c1e"),
        },
        Scenario {
            id: "font-fod",
            title: "A font made fixed-output to avoid rebuilds",
            story: "Fonts come in zips; unpacking them into a font package never changes unless the font does, so someone made the package fixed-output to spare rebuilds. That works for self-contained files. A package whose output refers to other store paths (propagated dependencies) or to itself cannot be fixed-output: Nix rejects outputs of fixed-output derivations that contain references.",
            try_this: "Change the unpack script of the font: nothing downstream moves. Look at the lint on theme: it mentions a store path in its env, so its output would refer to it — it must stay input-addressed.",
            seed: "discourse-when-to-use-fixed-output",
            specs: graph(vec![
                ("zip", fixed(spec("fira-code-6.2.zip", &["-c", "curl -L $url -o $out"], &[("url", "https://github.com/tonsky/FiraCode/releases/download/6.2/Fira_Code_v6.2.zip")]), FixedMode::Flat, EMPTY_SHA256)),
                ("font", fixed(spec("fira-code-6.2", &["-c", "unzip ${zip} -d $out/share/fonts"], &[]), FixedMode::Recursive, "1wl2b0b4k9b8hk53m0v0gx9z7a4ywwx3xfbnrmr2z3kl8yvxfv6h")),
                ("theme", spec("ant-theme", &["-c", "cp -r . $out"], &[("propagatedUserEnvPkgs", "${font}")])),
            ]),
            selected: "font",
            edit: ("font", "args.1", "unzip ${zip} -d $out/share/fonts/truetype"),
        },
        Scenario {
            id: "multiple-outputs",
            title: "Multiple outputs",
            story: "A derivation with outputs out, dev and doc has one hash modulo and one path per output, each named name-output (out keeps the bare name). A dependent records which outputs it uses, and that list is part of its own hash.",
            try_this: "In consumer, change ${lib.dev} to ${lib.doc}: consumer moves, lib does not. Add an output to lib (outputs field): every lib path moves, because the output list is in its ATerm and env.",
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
        },
        Scenario {
            id: "content-addressed",
            title: "Content-addressed (floating) derivations",
            story: "With __contentAddressed = true, an output's path is the hash of what the build produced, so Nix cannot know it before building. The .drv holds placeholders, and every derivation that uses it is deferred: its own output paths wait too. drvlab shows what Nix writes and does not invent paths.",
            try_this: "Look at gen's outputs (unknown before building) and at user's (deferred). Untick content-addressed on gen: all paths become known at once.",
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
