//! The code view, natively: the seeds' examples as Nix code, evaluated exactly as the page's
//! worker does (`drvlab_nixlang::sweep::respond`, the same JSON in and out), checked against real
//! `nix-instantiate`; the form → code rewrite keeping every other byte; the rerun-on-change
//! name following its recipe; and the per-literal sweep's figures (printed, not asserted).
#![cfg(not(target_arch = "wasm32"))]

use drvlab::lab::code::{examples, request, CodeAction, CodeView};
use drvlab::lab::playground::{Action, Playground, SpecEdit};
use drvlab_engine::graph::Options;
use std::collections::BTreeSet;
use std::process::Command;

fn on_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    drvlab_nixlang::cli::on_big_stack(f)
}

/// What the worker answers for `code`.
fn worker(op: &'static str, id: u64, code: &str) -> String {
    let req = request(op, id, code);
    on_stack(move || drvlab_nixlang::sweep::respond(&req, &|| 0.0))
}

/// `nix-instantiate` of the program beside the prelude: its `.drv` paths.
fn nix_instantiate(code: &str) -> BTreeSet<String> {
    let dir = std::env::temp_dir().join(format!("drvlab-code-{}-{}", std::process::id(), rand_suffix(code)));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("prelude.nix"), examples::PRELUDE).unwrap();
    std::fs::write(dir.join("main.nix"), code).unwrap();
    let out = Command::new("nix-instantiate")
        .args(["--extra-experimental-features", "ca-derivations"])
        .arg(dir.join("main.nix"))
        .output()
        .expect("nix-instantiate on PATH");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "nix-instantiate: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

fn rand_suffix(code: &str) -> u64 {
    code.bytes().fold(1469598103934665603u64, |h, b| (h ^ b as u64).wrapping_mul(1099511628211))
}

/// The page's state after opening the code view on `code` and receiving the worker's answer.
fn page_with(code: &str) -> Playground {
    let p = Playground::default();
    let p = p.reduce(Action::Code(CodeAction::Open(code.to_string()))).unwrap();
    let ans = worker("eval", p.code.generation, &p.code.text);
    p.reduce(Action::Code(CodeAction::Answer(ans))).unwrap()
}

fn drv_paths(v: &CodeView) -> BTreeSet<String> {
    v.good.as_ref().unwrap().names.values().cloned().collect()
}

#[test]
fn every_example_instantiates_as_nix_does() {
    for e in examples::EXAMPLES {
        let p = page_with(e.code);
        assert!(p.code.error().is_none(), "{}: {:?}", e.id, p.code.error());
        assert_eq!(drv_paths(&p.code), nix_instantiate(e.code), "{}", e.id);
        // The lifted graph the form shows computes the same paths (the engine, not the worker).
        let shown: BTreeSet<String> = p.computed.eval.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
        assert!(drv_paths(&p.code).is_subset(&shown), "{}: {shown:?}", e.id);
        assert!(p.computed.eval.errors.is_empty(), "{}", e.id);
    }
}

#[test]
fn the_graph_as_code_instantiates_as_nix_does() {
    for s in drvlab::lab::scenarios::scenarios() {
        let code = drvlab::lab::code::code_for_graph(&s.specs);
        if code.contains("builtins.path") {
            // Directory sources are written by a shell script, not one .nix file.
            continue;
        }
        let p = page_with(&code);
        assert!(p.code.error().is_none(), "{}: {:?}", s.id, p.code.error());
        assert_eq!(drv_paths(&p.code), nix_instantiate(&code), "{}", s.id);
        // The program names its derivations by the graph's keys.
        let keys: BTreeSet<&String> = p.specs.keys().collect();
        assert_eq!(keys, s.specs.keys().collect(), "{}", s.id);
    }
}

#[test]
fn rerun_on_change_name_follows_its_recipe() {
    let e = examples::example("rerun").unwrap();
    let p = page_with(e.code);
    let name = p.specs["src"].name.clone();
    let code = e.code.replace("https://example.org/v1.tar.gz", "https://example.org/v2.tar.gz");
    let p2 = p.reduce(Action::Code(CodeAction::Edit(code.clone()))).unwrap();
    let ans = worker("eval", p2.code.generation, &code);
    let p2 = p2.reduce(Action::Code(CodeAction::Answer(ans))).unwrap();
    let name2 = p2.specs["src"].name.clone();
    assert_ne!(name, name2);
    assert!(name.ends_with("_source") && name2.ends_with("_source"));
    assert_eq!(drv_paths(&p2.code), nix_instantiate(&code));
    // What moved, as the page says it: src's .drv and output, and pkg's.
    let moved: BTreeSet<String> =
        p2.last_change.unwrap().changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
    assert_eq!(moved, ["pkg .drv", "pkg out", "src .drv", "src out"].iter().map(|s| s.to_string()).collect());
}

#[test]
fn a_form_edit_rewrites_its_literal_and_keeps_every_other_byte() {
    for e in examples::EXAMPLES {
        let p = page_with(e.code);
        let good = p.code.good.clone().unwrap();
        let mut tried = 0;
        for (key, drv) in p.code.keys.clone() {
            for (d, field, lit) in &good.fields {
                if *d != drv {
                    continue;
                }
                let spec = &p.specs[&key];
                let edit = match field.as_str() {
                    "name" => SpecEdit::Name(format!("{}x", spec.name)),
                    f if f.starts_with("args.") => {
                        let i: usize = f[5..].parse().unwrap();
                        SpecEdit::Arg(i, format!("{}\necho \"edited\" ${{x}} ''", spec.args[i]))
                    }
                    f if f.starts_with("env.") => {
                        let Some(i) = spec.env.iter().position(|(k, _)| *k == f[4..]) else { continue };
                        if spec.env[i].0.starts_with("outputHash") {
                            continue; // a hash must stay a hash
                        }
                        SpecEdit::EnvValue(i, format!("{}x", spec.env[i].1))
                    }
                    _ => continue,
                };
                let after = p.reduce(Action::Edit(key.clone(), edit.clone())).unwrap();
                assert_eq!(after.code.note, None, "{} {key} {field}", e.id);
                let l = &good.literals[*lit];
                let new = &after.code.text;
                // Every byte outside the literal is kept.
                assert_eq!(&new[..l.start], &e.code[..l.start], "{} {field}", e.id);
                let tail = e.code.len() - l.end;
                assert_eq!(&new[new.len() - tail..], &e.code[l.end..], "{} {field}", e.id);
                // Evaluated again, the form's graph is what the edit made.
                let ans = worker("eval", after.code.generation, new);
                let again = after.reduce(Action::Code(CodeAction::Answer(ans)));
                let again = again.as_ref().unwrap_or(&after);
                assert!(again.code.error().is_none(), "{} {field}: {:?}\n{new}", e.id, again.code.error());
                let mut expected = drvlab::lab::eval::DrvSpec::clone(&p.specs[&key]);
                edit.apply(&mut expected);
                let got = &again.specs[&key];
                // The field the form edited has the value the form gave it (the code may
                // compute more from it: fetchurl's `urls` and name follow its `url`).
                let value = |s: &drvlab::lab::eval::DrvSpec| -> Option<String> {
                    match field.as_str() {
                        "name" => Some(s.name.clone()),
                        f if f.starts_with("args.") => s.args.get(f[5..].parse::<usize>().ok()?).cloned(),
                        f => s.env.iter().find(|(k, _)| *k == f[4..]).map(|(_, v)| v.clone()),
                    }
                };
                if !(field == "name" && e.id == "rerun") {
                    assert_eq!(value(got), value(&expected), "{} {key} {field}", e.id);
                }
                tried += 1;
            }
        }
        assert!(tried > 0, "{}: no field maps to a literal", e.id);
    }
}

#[test]
fn a_computed_field_is_not_rewritten() {
    let e = examples::example("pullimage").unwrap();
    let p = page_with(e.code);
    // foo's name is "docker-image_sha256_${ref}": computed, not one literal.
    let after = p.reduce(Action::Edit("foo".into(), SpecEdit::Name("other".into()))).unwrap();
    assert!(after.code.note.as_deref().unwrap_or_default().contains("computed by the code"), "{:?}", after.code.note);
    assert_eq!(after.code.text, p.code.text);
    assert_eq!(after.specs, p.specs);
    // Undo with the code open undoes form edits in the code; there was none (it was refused).
    let undone = after.reduce(Action::Undo).unwrap();
    assert!(undone.code.note.as_deref().unwrap_or_default().contains("in the code editor"));
    assert_eq!(undone.specs, after.specs);
}

#[test]
fn errors_keep_the_last_good_graph() {
    let e = examples::example("fetchurl").unwrap();
    let p = page_with(e.code);
    let bad = e.code.replace("inherit src;", "inherit srcc;");
    let p2 = p.reduce(Action::Code(CodeAction::Edit(bad.clone()))).unwrap();
    let p2 = p2.reduce(Action::Code(CodeAction::Answer(worker("eval", p2.code.generation, &bad)))).unwrap();
    let err = p2.code.error().unwrap();
    assert_eq!(err.message, "undefined variable 'srcc'");
    let line = bad.lines().position(|l| l.contains("inherit srcc;")).unwrap() + 1;
    assert_eq!(err.line, line);
    assert_eq!(p2.specs, p.specs);
    assert!(err.describe().starts_with(&format!("line {line}, column ")));
    // A paste that needs nixpkgs says so.
    let p3 = p.reduce(Action::Code(CodeAction::Edit("with import <nixpkgs> {}; hello".into()))).unwrap();
    let p3 = p3.reduce(Action::Code(CodeAction::Answer(worker("eval", p3.code.generation, &p3.code.text)))).unwrap();
    assert!(p3.code.error().unwrap().message.contains("nixpkgs"), "{:?}", p3.code.error());
    // A loop that never ends is stopped by the budget.
    let p4 = p.reduce(Action::Code(CodeAction::Edit("let f = x: f x + 1; in f 0".into()))).unwrap();
    let p4 = p4.reduce(Action::Code(CodeAction::Answer(worker("eval", p4.code.generation, &p4.code.text)))).unwrap();
    assert!(p4.code.error().is_some());
}

#[test]
fn the_sweep_marks_lines_and_is_measured() {
    for e in examples::EXAMPLES {
        let p = page_with(e.code);
        let t = std::time::Instant::now();
        let ans = worker("sweep", p.code.generation, e.code);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let p = p.reduce(Action::Code(CodeAction::Answer(ans))).unwrap();
        let marks = p.code.marks();
        let rows: usize = marks.values().map(Vec::len).sum();
        println!(
            "sweep {:<10} {rows:>3} literals  {ms:>8.1} ms  ({:.2} ms per literal)",
            e.id,
            ms / rows.max(1) as f64
        );
        assert!(rows > 0, "{}", e.id);
        assert!(marks.values().flatten().any(|r| !r.moved.is_empty()), "{}", e.id);
    }
    // The url in rerun.nix moves src's paths and pkg's, and nothing else.
    let e = examples::example("rerun").unwrap();
    let p = page_with(e.code);
    let p = p.reduce(Action::Code(CodeAction::Answer(worker("sweep", p.code.generation, e.code)))).unwrap();
    let at = e.code.find("\"https://example.org/v1.tar.gz\"").unwrap();
    let row = p.code.marks().into_values().flatten().find(|r| r.start == at).cloned().unwrap();
    assert_eq!(row.sentence(), "moves pkg .drv, pkg out, src .drv, src out");
    let _ = Options::default();
}

/// A package as forums paste it: a function of `{ stdenv, fetchurl }`, called with the
/// prelude's as `callPackage` would; real Nix agrees when called the same way.
#[test]
fn a_pasted_package_function_runs_over_the_prelude() {
    let code = r#"{ stdenv, fetchurl, lib ? null }:
stdenv.mkDerivation rec {
  pname = "hello";
  version = "2.12.1";
  name = "${pname}-${version}";
  src = fetchurl {
    url = "https://ftp.gnu.org/gnu/hello/${pname}-${version}.tar.gz";
    sha256 = "086vqwk2wl8zfs47sq2xpjc9k066ilmb8z6dn0q6ymwjzlm196cd";
  };
  buildCommand = "tar xf $src; cd ${name}; ./configure --prefix=$out; make install";
}
"#;
    let p = page_with(code);
    assert!(p.code.error().is_none(), "{:?}", p.code.error());
    assert_eq!(p.code.good.as_ref().unwrap().called_with, ["stdenv", "fetchurl", "lib"]);
    let dir = std::env::temp_dir().join(format!("drvlab-code-pkg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pkg.nix"), code).unwrap();
    let call = "import ./pkg.nix { inherit (import ./prelude.nix) stdenv fetchurl lib; }";
    let mut want = nix_instantiate_in(&dir, call);
    let _ = std::fs::remove_dir_all(&dir);
    let got = drv_paths(&p.code);
    assert_eq!(got.len(), 1);
    assert_eq!(got, std::mem::take(&mut want));
}

#[test]
fn a_forum_package_with_pname_and_version_runs_over_the_prelude() {
    // Forum snippets give pname and version, not name: nixpkgs makes the name from them.
    let code = r#"{ stdenv, fetchurl }:
stdenv.mkDerivation {
  pname = "hello";
  version = "1";
  src = fetchurl {
    url = "https://example.org/hello.tar.gz";
    sha256 = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73";
  };
}
"#;
    let p = page_with(code);
    assert!(p.code.error().is_none(), "{:?}", p.code.error());
    let dir = std::env::temp_dir().join(format!("drvlab-code-pname-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pkg.nix"), code).unwrap();
    let want = nix_instantiate_in(&dir, "import ./pkg.nix { inherit (import ./prelude.nix) stdenv fetchurl; }");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(drv_paths(&p.code), want);
    assert!(want.iter().next().unwrap().ends_with("-hello-1.drv"), "{want:?}");
}

fn nix_instantiate_in(dir: &std::path::Path, code: &str) -> BTreeSet<String> {
    std::fs::write(dir.join("prelude.nix"), examples::PRELUDE).unwrap();
    std::fs::write(dir.join("main.nix"), code).unwrap();
    let out = Command::new("nix-instantiate").arg(dir.join("main.nix")).output().expect("nix-instantiate on PATH");
    assert!(out.status.success(), "nix-instantiate: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn a_sweep_stopped_for_time_keeps_the_evaluated_paths() {
    // A 5,000-line program evaluates, but its 400 perturbed evaluations outrun the watchdog:
    // that used to be reported as the code's error, greying paths that were right.
    let p = page_with(examples::example("fetchurl").unwrap().code);
    let good = drv_paths(&p.code);
    let p = p.reduce(Action::Code(CodeAction::SweepStopped("the per-literal marks took too long".into()))).unwrap();
    assert!(p.code.error().is_none(), "{:?}", p.code.error());
    assert!(!p.code.pending());
    assert_eq!(drv_paths(&p.code), good);
    let s = p.code.sweep.as_ref().unwrap();
    assert_eq!(s.id, p.code.generation, "this text's sweep is done (not sent again)");
    assert_eq!(s.sweep.as_ref().unwrap().error.as_deref(), Some("the per-literal marks took too long"));
    assert_eq!(p.code.worker, drvlab::lab::code::WorkerState::NotStarted, "restarted when needed");
}

#[test]
fn undo_and_redo_with_the_code_open_undo_the_form_edit_in_the_code() {
    // The form's Undo said "undo in the code editor (Ctrl+Z there)", but the textarea's own undo
    // never sees a rewrite made from the form: a form edit could not be undone at all.
    let p = page_with(examples::example("fetchurl").unwrap().code);
    let before = p.code.text.clone();
    let key = p.code.keys.keys().find(|k| k.as_str() == "hello").unwrap().clone();
    let mut spec = drvlab::lab::eval::DrvSpec::clone(&p.specs[&key]);
    spec.name = "hello-2.12.9".into();
    let edit = SpecEdit::Name(spec.name.clone());
    let p = p.reduce(Action::Edit(key.clone(), edit)).unwrap();
    let edited = p.code.text.clone();
    assert_ne!(edited, before);
    let p = p.reduce(Action::Undo).unwrap();
    assert_eq!(p.code.text, before, "Undo put the code back");
    let p = p.reduce(Action::Redo).unwrap();
    assert_eq!(p.code.text, edited, "Redo put the edit back");
    let p = p.reduce(Action::Undo).unwrap().reduce(Action::Undo).unwrap();
    assert_eq!(p.code.text, before);
    assert!(p.code.note.as_deref().is_some_and(|n| n.contains("no form edit to undo")), "{:?}", p.code.note);
}

/// Opening the code view on a scenario whose seed example replaces the form's graph is a load,
/// not an edit: "What moved" reports no moved path and no rebuild the person never caused, and
/// the example selector names the example.
#[test]
fn opening_an_example_is_a_load_not_an_edit() {
    let mut replaced = 0;
    for e in examples::EXAMPLES {
        let Some(scenario) = drvlab::lab::scenarios::scenarios()
            .into_iter()
            .find(|s| examples::for_scenario(s.id).is_some_and(|x| x.id == e.id))
        else {
            continue;
        };
        let p = Playground::from_scenario(scenario);
        let p = p.reduce(Action::Code(CodeAction::Open(e.code.to_string()))).unwrap();
        let p = p.reduce(Action::Code(CodeAction::Example(e.id.to_string()))).unwrap();
        assert_eq!(p.code.example.as_deref(), Some(e.id));
        let ans = worker("eval", p.code.generation, &p.code.text);
        let p = p.reduce(Action::Code(CodeAction::Answer(ans))).unwrap();
        if p.scenario.is_some() {
            continue; // the example's graph is the scenario's: nothing was replaced
        }
        replaced += 1;
        let change = p.last_change.as_ref().expect("the load is reported");
        assert!(change.changes.iter().all(|c| !c.moved()), "{}: {:?}", e.id, change.label);
        let verdict = drvlab::lab::playground::verdict(change, &p.specs);
        assert!(!verdict.contains("would rebuild"), "{}: {verdict}", e.id);
    }
    assert!(replaced > 0, "some example's graph differs from its scenario's (url-changed's does)");
}

/// `nix-instantiate` with the experimental features floating and impure derivations need, and
/// the derivations as `nix show-derivation -r` prints them.
fn nix_show(code: &str) -> (BTreeSet<String>, serde_json::Value) {
    let dir = std::env::temp_dir().join(format!("drvlab-code-kinds-{}-{}", std::process::id(), rand_suffix(code)));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.nix"), code).unwrap();
    let features = ["--extra-experimental-features", "nix-command ca-derivations impure-derivations"];
    let out = Command::new("nix-instantiate").args(features).arg(dir.join("main.nix")).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "nix-instantiate: {}", String::from_utf8_lossy(&out.stderr));
    let drvs: BTreeSet<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    let show = Command::new("nix").args(features).arg("show-derivation").args(&drvs).output().unwrap();
    assert!(show.status.success(), "nix show-derivation: {}", String::from_utf8_lossy(&show.stderr));
    (drvs, serde_json::from_slice(&show.stdout).unwrap())
}

/// Code whose derivations are each kind the engine computes, in each spelling of a fixed
/// output's hash Nix accepts, loads into the form, and the form's model computes the paths
/// real Nix makes, with the env Nix writes (`outputHashAlgo = ""` and the SRI text kept).
#[test]
fn every_kind_and_hash_spelling_written_as_code_shows_exactly() {
    let h = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let sri = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let fixed = |name: &str, attrs: &str| {
        format!("  {name} = derivation {{ name = \"{name}\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; {attrs} }};\n")
    };
    let mut code = String::from("rec {\n");
    code.push_str(&format!(
        "  fetched = import <nix/fetchurl.nix> {{ url = \"https://example.org/a.tar.gz\"; hash = \"{sri}\"; }};\n"
    ));
    code.push_str(&format!(
        "  fetched2 = import <nix/fetchurl.nix> {{ url = \"https://example.org/b.tar.gz\"; sha256 = \"{h}\"; }};\n"
    ));
    code.push_str(&fixed("sriempty", &format!("outputHashAlgo = \"\"; outputHash = \"{sri}\";")));
    code.push_str(&fixed("srialgo", &format!("outputHashAlgo = \"sha256\"; outputHash = \"{sri}\";")));
    code.push_str(&fixed("srionly", &format!("outputHash = \"{sri}\"; outputHashMode = \"recursive\";")));
    code.push_str(&fixed("base16", &format!("outputHashAlgo = \"sha256\"; outputHash = \"{h}\";")));
    code.push_str(&fixed(
        "nix32",
        "outputHashAlgo = \"sha256\"; outputHash = \"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73\";",
    ));
    code.push_str(&fixed(
        "base64",
        "outputHashAlgo = \"sha256\"; outputHash = \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\";",
    ));
    code.push_str(&fixed("prefixed", &format!("outputHash = \"sha256:{h}\"; outputHashMode = \"flat\";")));
    code.push_str(&fixed(
        "sha1",
        "outputHashAlgo = \"\"; outputHash = \"sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=\"; outputHashMode = \"recursive\";",
    ));
    code.push_str(&fixed(
        "floating",
        "__contentAddressed = true; outputHashMode = \"recursive\"; outputHashAlgo = \"sha256\"; outputs = [ \"out\" \"dev\" ];",
    ));
    code.push_str(&fixed("usesfloating", "args = [ \"-c\" \"echo ${floating} ${floating.dev}\" ];"));
    code.push_str(&fixed("impure", "__impure = true;"));
    code.push_str(&fixed("usesimpure", "args = [ \"-c\" \"echo ${impure}\" ];"));
    code.push_str(&fixed(
        "structured",
        "__structuredAttrs = true; n = 3; l = [ \"a\" 1 true null ]; s = { x = \"${fetched}\"; };",
    ));
    code.push_str(&fixed(
        "structuredfixed",
        &format!("__structuredAttrs = true; outputHashAlgo = \"\"; outputHash = \"{sri}\"; n = 1.5;"),
    ));
    code.push_str("}\n");
    let (want, shown) = nix_show(&code);
    let p = page_with(&code);
    assert!(p.code.error().is_none(), "{:?}", p.code.error().map(|e| e.describe()));
    assert_eq!(drv_paths(&p.code), want);
    // The form's model, computed by the engine, gives each path and env exactly.
    for (key, drv) in &p.code.keys {
        let r = &p.computed.eval.resolution.entries[key];
        assert_eq!(&r.drv_path, drv, "{key}");
        let nix = &shown[drv.as_str()];
        let env: std::collections::BTreeMap<String, String> = serde_json::from_value(nix["env"].clone()).unwrap();
        assert_eq!(r.drv.env, env, "{key}: env");
        for (o, path) in &r.outputs {
            assert_eq!(path.as_deref(), nix["outputs"][o]["path"].as_str(), "{key}.{o}");
        }
    }
    assert_eq!(p.specs["sriempty"].fixed.as_ref().unwrap().hash, sri);
    assert!(
        p.specs["floating"].content_addressed && p.specs["impure"].impure && p.specs["structured"].structured_attrs
    );
    // The form's graph written back as code is the same derivations again.
    let again = drvlab::lab::code::code_for_graph(&p.specs);
    assert_eq!(nix_show(&again).0, want, "{again}");
}

/// Code the person typed is never dropped by a switch: choosing an example puts it on Undo
/// (and offers it back), and switching scenario keeps it to be brought back.
#[test]
fn a_switch_keeps_the_code_the_person_typed() {
    let e = examples::example("fetchurl").unwrap();
    let p = page_with(e.code);
    assert!(!p.code.edited(), "a loaded text is not the person's work");
    let typed = format!("{}\n# my own note\n", e.code);
    let p = p.reduce(Action::Code(CodeAction::Edit(typed.clone()))).unwrap();
    assert!(p.code.edited());
    // Another example replaces it, says so, and Undo brings it back.
    let other = examples::EXAMPLES.iter().find(|x| x.id != e.id).unwrap();
    let q = p.reduce(Action::Code(CodeAction::Example(other.id.to_string()))).unwrap();
    assert_eq!(q.code.text, other.code);
    assert!(q.code.note.as_deref().is_some_and(|n| n.contains("Undo")), "{:?}", q.code.note);
    assert_eq!(q.reduce(Action::Undo).unwrap().code.text, typed);
    // …and so does "Bring back my code".
    assert_eq!(q.reduce(Action::Code(CodeAction::Restore)).unwrap().code.text, typed);
    // An example over an example just loaded asks nothing (nothing of the person's is lost).
    let r = q.reduce(Action::Code(CodeAction::Example(e.id.to_string()))).unwrap();
    assert_eq!(r.code.note, None);
    // A scenario switch keeps it too: the new scenario's view offers it back, open on it.
    let s = p.reduce(Action::LoadScenario("url-changed".into())).unwrap();
    assert!(!s.code.open);
    assert_eq!(s.code.kept.as_deref(), Some(typed.as_str()));
    let s = s.reduce(Action::Code(CodeAction::Restore)).unwrap();
    assert!(s.code.open && s.code.kept.is_none());
    assert_eq!(s.code.text, typed);
    // A switch with only loaded code keeps nothing to offer.
    let t = page_with(e.code).reduce(Action::LoadScenario("url-changed".into())).unwrap();
    assert_eq!(t.code.kept, None);
    assert_eq!(t.reduce(Action::Code(CodeAction::Restore)), None);
}

/// Opening on the scenario's example is one action, and the selector names the example.
#[test]
fn opening_on_an_example_is_one_action() {
    let e = examples::example("fetchurl").unwrap();
    let p = Playground::default().reduce(Action::Code(CodeAction::OpenExample(e.id.into()))).unwrap();
    assert!(p.code.open);
    assert_eq!(p.code.example.as_deref(), Some(e.id));
    assert_eq!(p.code.text, e.code);
    assert!(!p.code.edited());
    assert_eq!(Playground::default().reduce(Action::Code(CodeAction::OpenExample("no-such".into()))), None);
}

/// Hashes as a hostile person writes them: a valid md5 SRI loads exactly; a wrong-length SRI,
/// an algo the SRI contradicts, an unknown algo, a bare hash with no type each say what is
/// wrong (in Nix's words) and where, and the form keeps its last good graph.
#[test]
fn hostile_hashes_say_what_and_where() {
    let drv = |attrs: &str| {
        format!(
            "{{\n  x = derivation {{\n    name = \"c\"; system = \"x\"; builder = \"/b\";\n    {attrs}\n  }};\n}}\n"
        )
    };
    let md5 = drv("outputHashAlgo = \"\"; outputHash = \"md5-1B2M2Y8AsgTpgAmY7PhCfg==\";");
    let p = page_with(&md5);
    assert!(p.code.error().is_none(), "{:?}", p.code.error());
    assert_eq!(drv_paths(&p.code), nix_show(&md5).0);
    assert_eq!(&p.computed.eval.resolution.entries["x"].drv_path, p.code.keys.get("x").unwrap());
    let sri = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    for (attrs, says) in [
        (format!("outputHashAlgo = \"\"; outputHash = \"{}\";", &sri[..sri.len() - 2]), "invalid SRI hash"),
        (format!("outputHashAlgo = \"sha1\"; outputHash = \"{sri}\";"), "should have type 'sha1'"),
        (
            "outputHashAlgo = \"md6\"; outputHash = \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\";".into(),
            "does not include a type",
        ),
        (
            "outputHashAlgo = \"\"; outputHash = \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\";".into(),
            "does not include a type",
        ),
        (format!("outputHash = \"blake3-{}\";", &sri[7..]), "unknown hash algorithm 'blake3'"),
    ] {
        let bad = drv(&attrs);
        let q = p.reduce(Action::Code(CodeAction::Edit(bad.clone()))).unwrap();
        let q = q.reduce(Action::Code(CodeAction::Answer(worker("eval", q.code.generation, &bad)))).unwrap();
        let err = q.code.error().unwrap_or_else(|| panic!("{attrs}: no error"));
        assert!(err.message.contains(says), "{attrs}: {}", err.describe());
        assert!(err.line > 0, "{attrs}: says where: {}", err.describe());
        // Real Nix refuses it too.
        let dir = std::env::temp_dir().join(format!("drvlab-code-bad-{}-{}", std::process::id(), rand_suffix(&bad)));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.nix"), &bad).unwrap();
        let out = Command::new("nix-instantiate").arg(dir.join("main.nix")).output().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains(says), "{attrs}");
        assert_eq!(q.specs, p.specs, "{attrs}: the last good graph stays");
    }
}

/// A scenario's suggested edit is performed once on load (it seeded the toy store and was
/// performed again for its outcome): the outcome told is still what performing it says.
#[test]
fn the_suggested_edit_on_load_tells_what_performing_it_does() {
    let t = std::time::Instant::now();
    let mut n = 0;
    for s in drvlab::lab::scenarios::scenarios() {
        let p = Playground::from_scenario(s.clone());
        let again = p.perform_suggested();
        assert_eq!(p.suggested.as_deref(), again.as_ref(), "{}", s.id);
        n += 1;
    }
    println!("{n} scenarios loaded (and their suggested edits performed again) in {:?}", t.elapsed());
}
