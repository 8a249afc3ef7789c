//! The reducer's behaviour, natively.

use super::*;
use crate::lab::eval::{evaluate, DrvSpec, SpecGraph};
use crate::lab::explain::PathChange;
use crate::lab::scenarios::scenarios;
use drvlab_engine::graph::Options;
use drvlab_engine::nar::FileKind;
use std::collections::BTreeSet;

fn edit(p: &Playground, key: &str, e: SpecEdit) -> Playground {
    p.reduce(Action::Edit(key.into(), e)).expect("edit changes state")
}

#[test]
fn fod_recipe_edit_moves_only_its_drv_path() {
    let p = Playground::default();
    let i = p.specs["fetch"].env.iter().position(|(k, _)| k == "url").unwrap();
    let p2 = edit(&p, "fetch", SpecEdit::EnvValue(i, "https://example.org/other.tar.gz".into()));
    let ch = p2.last_change.as_ref().unwrap();
    let moved: Vec<String> = ch.changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
    // Dependents' .drv files name the new fetch .drv, so they move; no output path does.
    assert_eq!(moved, ["fetch .drv", "build .drv", "app .drv"]);
    assert!(account(ch, &p2.computed, &p2.specs).iter().any(|l| l.contains("nix-build --check")));
}

#[test]
fn input_addressed_edit_cascades_and_undo_restores() {
    let p = Playground::default();
    let p2 = edit(&p, "build", SpecEdit::Builder("/bin/bash".into()));
    let moved: Vec<String> =
        p2.last_change.as_ref().unwrap().changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
    assert_eq!(moved, ["build .drv", "build doc", "build out", "app .drv", "app out"]);
    let p3 = p2.reduce(Action::Undo).unwrap();
    assert_eq!(p3.specs, p.specs);
    assert_eq!(p3.computed.paths(), p.computed.paths());
    let p4 = p3.reduce(Action::Redo).unwrap();
    assert_eq!(p4.specs, p2.specs);
}

#[test]
fn typing_coalesces_into_one_undo_step_and_invalid_hash_keeps_last_good() {
    let p = Playground::default();
    let mut q = p.clone();
    for text in ["a", "ab", "abc"] {
        q = edit(&q, "fetch", SpecEdit::FixedHash(text.into()));
    }
    assert!(!q.computed.eval.errors.is_empty());
    assert_eq!(q.last_good.paths(), p.computed.paths());
    assert!(q.computed.errors_for("fetch")[0].message.contains("is 3 characters"));
    let back = q.reduce(Action::Undo).unwrap();
    assert_eq!(back.specs, p.specs);
}

#[test]
fn sweep_agrees_with_single_edits() {
    let p = Playground::default();
    let sw = sweep(&p.specs, &p.options(), None);
    let row = sw.rows.iter().find(|r| r.key == "fetch" && r.field == "env.url").unwrap();
    let moved: Vec<String> =
        sw.columns.iter().zip(row.moved.as_ref().unwrap()).filter(|(_, m)| **m).map(|(c, _)| c.label()).collect();
    assert_eq!(moved, ["fetch .drv", "build .drv", "app .drv"]);
    let name = sw.rows.iter().find(|r| r.key == "fetch" && r.field == "name").unwrap();
    assert!(name.moved.as_ref().unwrap().iter().all(|m| *m), "a FOD's name moves everything downstream");
}

/// A directory source: its entries' contents and executable bits move the derivation that
/// uses it (its path is in env and inputSrcs), a bad entry is named on its own field, and the
/// export becomes a script that writes the directory.
#[test]
fn directory_sources_are_edited_swept_and_exported() {
    let p = Playground::default();
    let p2 = edit(&p, "build", SpecEdit::AddDirSource);
    let i = p2.specs["build"].sources.len() - 1;
    let attr = p2.specs["build"].sources[i].attr.clone();
    let path = p2.computed.eval.resolution.entries["build"].drv.env[&attr].clone();
    assert!(p2.computed.eval.resolution.entries["build"].drv.input_srcs.contains(&path));
    let sw = sweep(&p2.specs, &p2.options(), None);
    let row = sw.rows.iter().find(|r| r.key == "build" && r.field == format!("sources.{attr}/bin/run (kind)")).unwrap();
    let moved: Vec<String> =
        sw.columns.iter().zip(row.moved.as_ref().unwrap()).filter(|(_, m)| **m).map(|(c, _)| c.label()).collect();
    assert_eq!(moved, ["build .drv", "build doc", "build out", "app .drv", "app out"]);
    // The row's label is a field `drvlab moves --set` and the scenarios understand.
    let spec = &p2.specs["build"];
    assert_eq!(
        parse_edit(spec, &format!("sources.{attr}/bin/run (kind)"), "regular"),
        Ok(SpecEdit::TreeKind(i, 1, FileKind::Regular))
    );
    assert_eq!(
        parse_edit(spec, &format!("sources.{attr}/README"), "hi"),
        Ok(SpecEdit::TreeContents(i, 0, "hi".into()))
    );
    assert!(parse_edit(spec, &format!("sources.{attr}/nope"), "x").unwrap_err().contains("has no entry \"nope\""));
    assert!(parse_edit(spec, &format!("sources.{attr}"), "x").unwrap_err().contains("is a directory"));
    let bad = edit(&p2, "build", SpecEdit::TreePath(i, 1, "bin/../run".into()));
    let errs = bad.computed.errors_for("build");
    assert_eq!(errs[0].field, format!("sources.{i}.tree.1.path"));
    assert!(errs[0].message.contains("component \"..\""), "{}", errs[0].message);
    assert_eq!(bad.last_good.paths(), p2.computed.paths());
    // Its "how?": the NAR's tokens, then makeStorePath("source", …) ending in that path.
    let how = p2.computed.sources["build"][i].as_ref().unwrap();
    assert!(how.get("NAR of the directory (tokens)").unwrap().contains("name \"run\" node ( type regular executable"));
    assert!(how.get("fingerprint").unwrap().starts_with("source:sha256:"));
    assert_eq!(how.get("path"), Some(path.as_str()));
    let (_, _, script) = export(&p2.computed, &p2.specs, "build");
    assert!(script.starts_with("#!/bin/sh") && script.contains("chmod +x 'sources/d_build-"), "{script}");
}

/// The masked ATerm's parts, as the page describes them: the input's hash modulo named, own
/// outputs blanked, each field's text attributed — from the spans the writer recorded.
#[test]
fn masked_aterm_parts_are_described() {
    let p = Playground::default();
    let r = &p.computed.eval.resolution.entries["build"];
    let step = r.traces.outputs["out"].steps.iter().find(|s| s.label.starts_with("masked ATerm")).unwrap();
    let said: Vec<(String, &str, String)> = step
        .spans
        .iter()
        .filter_map(|s| {
            describe_part(&s.part, &r.drv, &p.computed).map(|(c, t)| (step.value[s.start..s.end].to_string(), c, t))
        })
        .collect();
    let find = |text: &str| said.iter().find(|(v, _, _)| v == text).map(|(_, c, t)| (*c, t.as_str()));
    let fetch = &p.computed.eval.resolution.entries["fetch"];
    let hex = format!("\"{}\"", fetch.modulo.hex);
    assert_eq!(
        find(&hex),
        Some((
            "repl",
            format!(
                "fetch's hash for dependents: sha256 of \"fixed:out:<method><algo>:<hash>:<output path>\", its declared output, in place of {}",
                fetch.drv_path
            )
            .as_str()
        ))
    );
    assert_eq!(find("\"x86_64-linux\""), Some(("fld", "from system")));
    assert!(said.iter().any(|(v, c, t)| v == "\"\"" && *c == "blank" && t.contains("path of output out")));
    assert!(said.iter().any(|(_, c, t)| *c == "blank" && t.starts_with("blanked: env doc")));
    assert!(said.iter().any(|(_, c, t)| *c == "fld" && t == "from args 1"));
    assert!(said.iter().any(|(_, _, t)| t == "from the attribute src, holding the path of fetch's output out"));
    // Input-addressed outputs have no outputHashAlgo/outputHash: those empty strings stay unmarked.
    let marked = said.len();
    assert_eq!(marked, step.spans.len() - 2 * r.drv.outputs.len() - r.drv.env.len());
}

/// The matrix's sweep lives in the reducer: the selected derivation's fields by default,
/// every derivation's on request, and it follows the selection.
#[test]
fn the_sweep_follows_selection_and_the_all_switch() {
    let p = Playground::default();
    let keys = |p: &Playground| drvlab_engine::collect::set(p.sweep.rows.iter().map(|r| r.key.clone()));
    assert_eq!(keys(&p), BTreeSet::from([p.selected.clone()]));
    let q = p.reduce(Action::Select("app".into())).unwrap();
    assert_eq!(keys(&q), BTreeSet::from(["app".to_string()]));
    let all = q.reduce(Action::SweepAll(true)).unwrap();
    assert_eq!(keys(&all), drvlab_engine::collect::set(p.specs.keys().cloned()));
    assert_eq!(*all.sweep, sweep(&all.specs, &all.options(), None));
    assert!(all.reduce(Action::SweepAll(true)).is_none());
}

/// The sweep's shortcut (re-evaluating only what uses the edited derivation) gives exactly
/// what evaluating the whole perturbed graph gives, on every scenario and on imported
/// closures of generated graphs (chains, diamonds, fixed and content-addressed inputs).
#[test]
fn the_sweep_shortcut_agrees_with_full_evaluation() {
    fn full(specs: &SpecGraph, opts: &Options) -> Vec<(String, String, Result<Vec<bool>, String>)> {
        let base = evaluate(specs, opts);
        let n = crate::lab::explain::all_paths(&base.resolution).len();
        let mut out = Vec::new();
        for key in &base.resolution.order {
            for (label, edit) in spec_fields(&specs[key]) {
                let mut g = specs.clone();
                edit.apply(std::rc::Rc::make_mut(g.get_mut(key).unwrap()));
                let after = evaluate(&g, opts);
                let moved = match after.errors.first() {
                    Some(e) => Err(e.to_string()),
                    None => Ok(crate::lab::explain::compare(&base.resolution, &after.resolution)
                        .iter()
                        .take(n)
                        .map(PathChange::moved)
                        .collect()),
                };
                out.push((key.clone(), label, moved));
            }
        }
        out
    }
    let quiet = Options { trace: false, ..Options::default() };
    let mut graphs: Vec<SpecGraph> = crate::lab::scenarios::scenarios().into_iter().map(|s| s.specs).collect();
    for seed in 1..6 {
        let g = drvlab_engine::synth::graph(25, seed);
        graphs.push(crate::lab::lift::lift(&g, &drvlab_engine::graph::resolve(&g, &quiet).unwrap()).specs);
    }
    let mut rows = 0;
    for specs in &graphs {
        let fast: Vec<_> = sweep(specs, &quiet, None).rows.into_iter().map(|r| (r.key, r.field, r.moved)).collect();
        assert_eq!(fast, full(specs, &quiet));
        rows += fast.len();
    }
    assert!(rows > 500, "{rows} rows compared");
}

/// Adding or removing a derivation is said as such, not as paths that "moved".
#[test]
fn added_and_removed_derivations_are_not_moves() {
    let p = Playground::default();
    let added = p.reduce(Action::AddDerivation).unwrap();
    let ch = added.last_change.as_ref().unwrap();
    let lines = account(ch, &added.computed, &added.specs);
    assert_eq!(lines[0], "nothing that existed rebuilds; new in the graph, so built when asked for: drv1");
    assert_eq!(lines[1], "added drv1: no existing path moved.");
    assert!(lines[2].starts_with("New in the graph: drv1"), "{lines:?}");
    assert!(ch.changes.iter().filter(|c| c.id.key == "drv1").all(|c| ch.fate(c, &added.specs) == Fate::Added));
    let removed = added.reduce(Action::RemoveDerivation("drv1".into())).unwrap();
    let ch = removed.last_change.as_ref().unwrap();
    let lines = account(ch, &removed.computed, &removed.specs);
    assert!(lines.iter().any(|l| l.starts_with("Gone from the graph: drv1")), "{lines:?}");
    assert!(!lines[0].contains("moved ("), "{lines:?}");
}

#[test]
fn export_then_import_round_trips() {
    let p = Playground::default();
    let (aterm, json, nix) = export(&p.computed, &p.specs, &p.selected);
    assert!(aterm.starts_with("Derive(["));
    assert!(nix.contains("derivation {"));
    let rep = import_text(&json, &p.options()).unwrap();
    assert!(rep.verified.iter().all(|v| v.mismatches.is_empty()), "{:?}", rep.verified);
    let (specs, _) = rep.specs.unwrap();
    let ev = evaluate(&specs, &p.options());
    let mut a: Vec<String> = ev.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
    let mut b: Vec<String> = p.computed.eval.resolution.entries.values().map(|r| r.drv_path.clone()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let fetch = &p.computed.eval.resolution.entries["fetch"];
    let one = import_text(&String::from_utf8_lossy(&fetch.aterm), &p.options()).unwrap();
    assert_eq!(one.verified[0].drv_path, fetch.drv_path);
    assert!(import_text("Derive([(", &p.options()).unwrap_err().contains("line 1, column"));
}

/// `d1`…`dn`, each using the one before and a common `stdenv`.
fn closure(n: usize) -> SpecGraph {
    let mut g = SpecGraph::new();
    g.insert("stdenv".into(), DrvSpec::new("stdenv", "x86_64-linux", "/bin/sh", &["-c", "echo > $out"]).into());
    for i in 1..=n {
        let prev = if i > 1 { format!(" ${{d{}}}", i - 1) } else { String::new() };
        let script = format!("echo ${{stdenv}}{prev} > $out");
        g.insert(format!("d{i}"), DrvSpec::new(&format!("pkg{i}"), "x86_64-linux", "/bin/sh", &["-c", &script]).into());
    }
    g
}

/// The page's import, one derivation a slice: what it reports and loads is what the import
/// run at once reports and what loading that graph computes.
#[test]
fn an_import_in_slices_gives_what_the_whole_import_gives() {
    // More than TRACE_ALL derivations: the page keeps the traces of the selected one only.
    let p = Playground::default()
        .reduce(Action::Load { specs: closure(250), selected: "d250".into(), label: "t".into() })
        .unwrap();
    let (_, json, _) = export(&p.computed, &p.specs, &p.selected);
    let opts = p.options();
    for text in [json.as_str(), &String::from_utf8_lossy(&p.computed.eval.resolution.entries["stdenv"].aterm)] {
        let mut job = Importing::new(text.into(), &opts);
        let mut slices = 1;
        let mut seen = BTreeSet::new();
        // Stop after every unit of work.
        while !job.step(&mut || false) {
            seen.insert(job.progress().split(':').next().unwrap().to_string());
            slices += 1;
        }
        let (report, ready) = job.finish().unwrap();
        assert_eq!(report, import_text(text, &opts).unwrap());
        let ready = ready.expect("a complete closure loads");
        let (specs, selected) = report.specs.clone().unwrap();
        assert_eq!((&ready.specs, &ready.selected), (&specs, &selected));
        assert_eq!(ready.computed, Computed::for_page(&specs, &opts, &selected));
        let by_load = p.reduce(Action::Load { specs, selected, label: ready.label.clone() }).unwrap();
        let by_ready = p.reduce(Action::LoadReady(ready.clone().into())).unwrap();
        assert_eq!(by_ready.computed, by_load.computed);
        assert_eq!((&by_ready.specs, &by_ready.selected), (&by_load.specs, &by_load.selected));
        // Evaluated under other options than the page's now: evaluated again.
        let other = Ready { opts: Options { store_dir: "/other".into(), ..opts.clone() }, ..ready.clone() };
        assert_eq!(p.reduce(Action::LoadReady(other.into())).unwrap().computed, by_load.computed);
        if text.starts_with('{') {
            assert!(slices > 4 * 251, "{slices} slices");
            let stages: Vec<&str> = seen.iter().map(String::as_str).collect();
            assert_eq!(stages, ["Evaluating for the page", "Lifting to attributes", "Reading", "Verifying"]);
        }
    }
    // An error ends the job with the whole import's error.
    for bad in ["{\"a\": {\"outputs\": 3}}", "{\n  \"x\": [", "Derive([("] {
        let mut job = Importing::new(bad.into(), &opts);
        while !job.step(&mut || false) {}
        assert_eq!(job.finish().unwrap_err(), import_text(bad, &opts).unwrap_err());
    }
}

#[test]
fn rename_rewrites_references() {
    let p = Playground::default();
    let q = p.reduce(Action::RenameKey("fetch".into(), "tarball".into())).unwrap();
    assert!(q.specs["build"].env.iter().any(|(_, v)| v == "${tarball}"));
    assert_eq!(q.computed.paths().len(), p.computed.paths().len());
    assert!(q.computed.eval.errors.is_empty());
}

#[test]
fn every_suggested_edit_applies_and_moves_something() {
    for s in scenarios() {
        let (key, field, value) = s.edit;
        let edit = parse_edit(&s.specs[key], field, value).unwrap_or_else(|e| panic!("{}: {e}", s.id));
        let p = Playground::from_scenario(s.clone());
        let q = p.reduce(Action::Edit(key.into(), edit)).expect("the edit changes something");
        let ch = q.last_change.as_ref().expect("a change is reported");
        assert!(ch.changes.iter().any(|c| c.moved()), "{}", s.id);
    }
}

/// The simulator, driven through the reducer as the page drives it.
mod simulator {
    use crate::lab::playground::{parse_edit, Action, Playground};
    use crate::lab::scenarios::scenarios;
    use crate::lab::simulator::*;
    use drvlab_engine::hash::HashAlgo;

    fn url_changed() -> Playground {
        Playground::from_scenario(scenarios().into_iter().find(|s| s.id == "url-changed").unwrap())
    }

    #[test]
    fn stale_fixed_output_is_reused_and_flagged() {
        let p = url_changed();
        let mut sim = Simulator::new();
        // Serve bytes whose hash is the declared one: make the scenario's hash match "hello".
        let h = HashAlgo::Sha256.digest(b"hello source").to_sri();
        let p = p.reduce(Action::Edit("src".into(), parse_edit(&p.specs["src"], "outputHash", &h).unwrap())).unwrap();
        sim.network.insert("https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz".into(), "hello source".into());
        let log = sim.build(&p.computed.eval.resolution.to_resolution(), "hello", false);
        assert!(log.iter().all(|l| l.level != Level::Error), "{log:?}");
        // Change the URL but not the hash: nothing is built, and the recipe change is flagged.
        let q = p
            .reduce(Action::Edit(
                "src".into(),
                parse_edit(&p.specs["src"], "env.url", "https://example.org/new.tar.gz").unwrap(),
            ))
            .unwrap();
        let log = sim.build(&q.computed.eval.resolution.to_resolution(), "src", false);
        assert!(log.iter().any(|l| l.level == Level::Warn && l.text.contains("different recipe")), "{log:?}");
        // --check reruns it: the new URL is not on the toy network.
        let log = sim.build(&q.computed.eval.resolution.to_resolution(), "src", true);
        assert!(log.iter().any(|l| l.text.contains("nothing at \"https://example.org/new.tar.gz\"")), "{log:?}");
    }

    /// "The garbage builder": the output a working fetcher built is already in the toy store, so
    /// building shows the reuse (the recipe never runs), before and after the suggested edit.
    #[test]
    fn garbage_builder_shows_the_reuse() {
        let p = Playground::from_scenario(scenarios().into_iter().find(|s| s.id == "garbage-builder").unwrap());
        let built = p.reduce(Action::Sim(crate::lab::playground::SimAction::Build(false))).unwrap();
        let log: Vec<&str> = built.sim_log.iter().map(|l| l.text.as_str()).collect();
        assert!(built.sim_log.iter().all(|l| l.level != Level::Error), "{log:?}");
        assert!(log.iter().any(|l| l.contains("is already valid") && l.contains("different recipe")), "{log:?}");
        assert!(log.iter().all(|l| !l.contains("nothing at \"\"")), "{log:?}");
        let fixed = p.reduce(Action::TrySuggested).unwrap();
        let built = fixed.reduce(Action::Sim(crate::lab::playground::SimAction::Build(false))).unwrap();
        assert!(
            built.sim_log.iter().any(|l| l.text.contains("is already valid: nothing to build")),
            "{:?}",
            built.sim_log
        );
        let checked = p.reduce(Action::Sim(crate::lab::playground::SimAction::Build(true))).unwrap();
        assert!(checked.sim_log.iter().any(|l| l.text.contains("has none")), "{:?}", checked.sim_log);
    }

    #[test]
    fn hash_mismatch_uses_nix_wording() {
        let p = url_changed();
        let mut sim = Simulator::new();
        sim.network.insert("https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz".into(), "other bytes".into());
        let log = sim.build(&p.computed.eval.resolution.to_resolution(), "src", false);
        let err = log.iter().find(|l| l.level == Level::Error).unwrap();
        assert!(err.text.starts_with("error: hash mismatch in fixed-output derivation '/nix/store/"), "{}", err.text);
        assert!(err.text.contains("specified: sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA="));
        assert!(err.text.contains(&format!("got:    {}", HashAlgo::Sha256.digest(b"other bytes").to_sri())));
    }
}

#[test]
fn the_nix_version_decides_which_names_resolve_and_travels_in_links() {
    use crate::lab::nix_choice::NixChoice;
    let p = Playground::default();
    let key = p.selected.clone();
    let named = edit(&p, &key, SpecEdit::Name(".".into()));
    assert!(!named.computed.eval.errors.is_empty(), "every release after 2.20 refuses the name \".\"");
    let lenient = named.reduce(Action::SetNix(NixChoice::Nix2_8)).expect("a new Nix version");
    assert!(lenient.computed.eval.errors.is_empty(), "{:?}", lenient.computed.eval.errors);
    let restored = Playground::default().reduce(Action::Restore(lenient.shared())).unwrap();
    assert_eq!(restored.nix, NixChoice::Nix2_8);
    assert!(restored.computed.eval.errors.is_empty());
    let overwrite = p.reduce(Action::SetNix(NixChoice::Nix2_35_0)).unwrap();
    assert_eq!(overwrite.merge, drvlab_engine::graph::InputMerge::Overwrite);
    // The default choice is left out of links, so links made before the selector read the same.
    assert!(!serde_json::to_string(&p.shared()).unwrap().contains("\"nix\""));
}

#[test]
fn structured_attributes_and_impure_are_edits_like_any_other() {
    let p = Playground::default();
    let key = p.selected.clone();
    let s = edit(&p, &key, SpecEdit::StructuredAttrs(true));
    let s = edit(&s, &key, SpecEdit::AddTyped);
    let list = serde_json::json!([1, 2.5, "x", {"a": null}]);
    let s = edit(&s, &key, SpecEdit::TypedValue(0, list));
    assert!(s.computed.eval.errors.is_empty(), "{:?}", s.computed.eval.errors);
    let drv = &s.computed.eval.resolution.entries[&key].drv;
    assert_eq!(drv.env.get("__json").map(|j| j.contains(r#""value1":[1,2.5,"x",{"a":null}]"#)), Some(true), "{drv:?}");
    assert!(s.last_change.as_ref().unwrap().label.contains("value1 (in __json)"));
    let (_, _, nix) = export(&s.computed, &s.specs, &key);
    assert!(nix.contains("__structuredAttrs = true;"), "{nix}");
    let i = edit(&p, &key, SpecEdit::Impure(true));
    assert!(i.computed.eval.resolution.entries[&key].outputs.values().all(Option::is_none));
    assert_eq!(parse_edit(&p.specs[&key], "__impure", "true"), Ok(SpecEdit::Impure(true)));
    assert!(parse_edit(&p.specs[&key], "__impure", "yes").unwrap_err().contains("use true or false"));
}

/// Every scenario's claim about its suggested edit is what the engine computes, performed
/// through the reducer as the page's button performs it; and the sentence on screen is the
/// computed one.
#[test]
fn every_scenario_claim_is_what_the_engine_computes() {
    for s in scenarios() {
        let p = Playground::from_scenario(s.clone());
        let q =
            p.reduce(Action::TrySuggested).unwrap_or_else(|| panic!("{}: the suggested edit changes nothing", s.id));
        let ch = q.last_change.as_ref().unwrap_or_else(|| panic!("{}: no change reported", s.id));
        let mut computed: Vec<String> = ch.changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
        let mut said: Vec<String> = s.moves.iter().map(|m| m.to_string()).collect();
        computed.sort();
        said.sort();
        assert_eq!(said, computed, "{}: the scenario's claim disagrees with the engine", s.id);
        let shown = p.suggested.as_ref().expect("the suggestion is computed on load");
        assert_eq!(shown.moves, crate::lab::playground::moves_sentence(ch, &q.specs), "{}", s.id);
        assert_eq!(shown.verdict, crate::lab::playground::verdict(ch, &q.specs), "{}", s.id);
        for m in &said {
            assert!(shown.moves.split("; stays:").next().unwrap().contains(m.as_str()), "{}: {m}", s.id);
        }
    }
}

/// The words of the stories claim nothing the engine does not compute: the sentences that used
/// to contradict it are gone.
#[test]
fn scenario_words_make_no_claims_about_moves() {
    for s in scenarios() {
        for claim in ["stays", " moves", "move.", "cascade", "nothing downstream"] {
            assert!(!s.try_this.contains(claim), "{}: try_this claims {claim:?}: {}", s.id, s.try_this);
        }
    }
}

/// Every built-in exercise states what its edit moves, and that is what the engine computes.
#[test]
fn every_exercise_claim_is_what_the_engine_computes() {
    for (i, q) in crate::lab::exercises::builtin().questions.iter().enumerate() {
        assert!(!q.moves.is_empty(), "question {} states no moves", i + 1);
        crate::lab::exercises::reveal(q).unwrap_or_else(|e| panic!("question {}: {e}", i + 1));
    }
    let mut wrong = crate::lab::exercises::builtin().questions[0].clone();
    wrong.moves = vec!["src .drv".into()];
    assert!(crate::lab::exercises::reveal(&wrong).unwrap_err().contains("the engine moves"));
}

/// "What moved" after changing zip's outputHash in the font story: the verdict first, and no
/// "nothing depends on it" while dependents' .drv paths moved (issue 12).
#[test]
fn account_names_drv_only_dependents() {
    let s = scenarios().into_iter().find(|s| s.id == "font-fod").unwrap();
    let p = Playground::from_scenario(s);
    let e = parse_edit(&p.specs["zip"], "outputHash", "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=").unwrap();
    let q = p.reduce(Action::Edit("zip".into(), e)).unwrap();
    let lines = account(q.last_change.as_ref().unwrap(), &q.computed, &q.specs);
    assert_eq!(lines[0], "nix-build would rebuild: zip");
    assert!(lines.iter().all(|l| !l.contains("nothing depends on it")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("Only the .drv paths of font, theme moved")), "{lines:?}");
    let p = Playground::default();
    let q = p.reduce(Action::TrySuggested).unwrap();
    let lines = account(q.last_change.as_ref().unwrap(), &q.computed, &q.specs);
    assert_eq!(lines[0], "nothing rebuilds: only .drv files changed — the old outputs are reused");
}

/// The account, property-tested against the change set on random graphs and edits.
mod account_props {
    use crate::lab::edit::SpecEdit;
    use crate::lab::eval::{DrvSpec, FixedSpec, SpecGraph};
    use crate::lab::playground::{account, drv_fates, verdict, Action, DrvFate, Playground};
    use crate::lab::scenarios::Scenario;
    use drvlab_engine::hash::HashAlgo;
    use drvlab_engine::store_path::FixedMode;
    use proptest::prelude::*;

    const H: &str = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73";

    /// `n` derivations d0…, each referring to some earlier ones; some fixed-output, some
    /// content-addressed.
    fn graph(kinds: &[u8], refs: &[u64]) -> SpecGraph {
        let mut g = SpecGraph::new();
        for (i, k) in kinds.iter().enumerate() {
            let mut script = format!("echo {i} > $out");
            for j in 0..i {
                if refs[i] >> j & 1 == 1 {
                    script.push_str(&format!(" ${{d{j}}}"));
                }
            }
            let mut s = DrvSpec::new(&format!("p{i}"), "x86_64-linux", "/bin/sh", &["-c", &script]);
            s.env.push(("v".into(), "1".into()));
            match k % 4 {
                0 => {
                    s.fixed = Some(FixedSpec {
                        mode: FixedMode::Flat,
                        algo: Some(HashAlgo::Sha256),
                        hash: H.into(),
                        omit_mode: false,
                        empty_algo: false,
                    })
                }
                1 if i == 0 => s.content_addressed = true,
                _ => {}
            }
            g.insert(format!("d{i}"), s.into());
        }
        g
    }

    fn an_edit(which: u8, i: usize) -> SpecEdit {
        match which % 5 {
            0 => SpecEdit::Builder("/bin/bash".into()),
            1 => SpecEdit::EnvValue(0, "2".into()),
            2 => SpecEdit::Name(format!("q{i}")),
            3 => SpecEdit::FixedHash("1kjzfc3ppwnnq1ka7wvmyq2shv0sp2hxsdrifx5lbyzl3ysf5pd3".into()),
            _ => SpecEdit::Fixed(false),
        }
    }

    fn rebuild_list(v: &str) -> Vec<String> {
        v.strip_prefix("nix-build would rebuild: ")
            .map(|r| r.split(';').next().unwrap().split(", ").map(str::to_string).collect())
            .unwrap_or_default()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn account_agrees_with_the_change_set(
            kinds in proptest::collection::vec(0u8..4, 1..6),
            refs in proptest::collection::vec(any::<u64>(), 6),
            at in 0usize..6,
            which in 0u8..5,
        ) {
            let specs = graph(&kinds, &refs);
            let key = format!("d{}", at % kinds.len());
            let scenario = Scenario { specs: specs.clone(), selected: "d0", ..crate::lab::scenarios::default_scenario() };
            let p = Playground::from_scenario(scenario);
            let Some(q) = p.reduce(Action::Edit(key.clone(), an_edit(which, at))) else { return Ok(()) };
            let Some(ch) = q.last_change.as_ref() else { return Ok(()) };
            let lines = account(ch, &q.computed, &q.specs);
            let fates = drv_fates(ch, &q.specs);
            // Every derivation has exactly one fate, and it is the change set's.
            for (k, f) in &fates {
                let mine: Vec<_> = ch.changes.iter().filter(|c| &c.id.key == k).collect();
                let out_moved = mine.iter().any(|c| c.id.output.is_some() && c.moved());
                let drv_moved = mine.iter().any(|c| c.id.output.is_none() && c.moved());
                prop_assert_eq!(*f == DrvFate::Rebuilds, out_moved, "{}", k);
                prop_assert_eq!(matches!(f, DrvFate::Stays), !out_moved && !drv_moved, "{}", k);
            }
            // The verdict comes first and names exactly the derivations whose outputs moved.
            prop_assert_eq!(&lines[0], &verdict(ch, &q.specs));
            let mut rebuilt: Vec<String> =
                fates.iter().filter(|(_, f)| *f == DrvFate::Rebuilds).map(|(k, _)| k.clone()).collect();
            let mut said = rebuild_list(&lines[0]);
            rebuilt.sort();
            said.sort();
            prop_assert_eq!(&said, &rebuilt);
            let any_moved = ch.changes.iter().any(|c| c.moved());
            let any_out = fates.iter().any(|(_, f)| matches!(f, DrvFate::Rebuilds | DrvFate::BuildsToKnow));
            prop_assert_eq!(lines[0].starts_with("nothing rebuilds"), !any_out);
            prop_assert_eq!(lines[0] == "nothing rebuilds: only .drv files changed — the old outputs are reused", any_moved && !any_out);
            // No sentence says nothing else moved while something else did.
            let others_moved = ch.changes.iter().any(|c| c.id.key != key && c.moved());
            prop_assert!(!(others_moved && lines.iter().any(|l| l.starts_with("Nothing else moved"))), "{:?}", lines);
            // Each derivation named as ".drv only" has a moved .drv and no moved output.
            for l in &lines {
                if let Some(rest) = l.strip_prefix("Only the .drv path") {
                    let names = rest.trim_start_matches('s').trim_start_matches(" of ").split(" moved").next().unwrap();
                    for k in names.split(", ") {
                        prop_assert!(fates.iter().any(|(x, f)| x == k && *f == DrvFate::DrvOnly), "{}: {:?}", k, lines);
                    }
                }
            }
        }
    }
}

/// Every follow-up of every story ("Then change …") is data the page performs in one click: each
/// is performed here, after the steps before it as the page's buttons do them, and what it
/// claims is what the engine computes; the sentence the page shows for it is the computed one.
/// Each step is also one click from the story as loaded (so any point of a story is within two
/// interactions of a newcomer), and gives the same change there.
#[test]
fn every_follow_up_is_performed_and_its_claim_is_computed() {
    use crate::lab::scenarios::Step;
    let mut performed = 0;
    for s in scenarios() {
        let loaded = Playground::from_scenario(s.clone());
        let shown = loaded.suggested.clone().expect("the suggestion is computed on load");
        assert_eq!(shown.then.len(), s.then.len(), "{}", s.id);
        let mut q = loaded.reduce(Action::TryStep(0)).unwrap();
        for (j, f) in s.then.iter().enumerate() {
            let i = j + 1;
            let before = q.clone();
            q = q.reduce(Action::TryStep(i)).unwrap_or_else(|| panic!("{}: follow-up {i} does nothing", s.id));
            assert_eq!(q.selected, f.show, "{}: follow-up {i} shows {}", s.id, f.show);
            let said = &shown.then[j];
            match f.step {
                Step::Edit(..) => {
                    let ch =
                        q.last_change.as_ref().unwrap_or_else(|| panic!("{}: follow-up {i} reports no change", s.id));
                    let mut computed: Vec<String> =
                        ch.changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
                    let mut claimed: Vec<String> = f.moves.iter().map(|m| m.to_string()).collect();
                    computed.sort();
                    claimed.sort();
                    assert_eq!(claimed, computed, "{}: follow-up {i}'s claim disagrees with the engine", s.id);
                    assert_eq!(said.moves, crate::lab::playground::moves_sentence(ch, &q.specs), "{} {i}", s.id);
                    assert_eq!(said.verdict, crate::lab::playground::verdict(ch, &q.specs), "{} {i}", s.id);
                    // One click from the story as loaded: the same change.
                    let direct = loaded.reduce(Action::TryStep(i)).unwrap();
                    assert_eq!(direct.specs, q.specs, "{} {i}", s.id);
                    assert_eq!(direct.last_change.as_ref().map(|c| &c.changes), Some(&ch.changes), "{} {i}", s.id);
                    assert!(direct.can_undo(), "{} {i}: the jump is undoable", s.id);
                }
                Step::Build(key) => {
                    assert!(f.moves.is_empty(), "{}: a build moves nothing", s.id);
                    let log: Vec<&str> = q.sim_log.iter().map(|l| l.text.as_str()).collect();
                    if !f.reused.is_empty() {
                        assert!(!log.iter().any(|l| l.starts_with("building '")), "{}: {log:?}", s.id);
                    }
                    for want in f.log {
                        assert!(
                            log.iter().any(|l| l.contains(want)),
                            "{}: follow-up {i}: no {want:?} in {log:?}",
                            s.id
                        );
                    }
                    assert!(!f.log.is_empty(), "{}: follow-up {i} claims nothing of its log", s.id);
                    for k in f.reused {
                        for p in q.computed.eval.resolution.entries[*k].outputs.values().flatten() {
                            assert!(
                                log.iter().any(|l| l.contains(p.as_str()) && l.contains("is already valid")),
                                "{}: {log:?}",
                                s.id
                            );
                        }
                    }
                    assert_eq!(
                        said.verdict,
                        crate::lab::playground::account::build_verdict(&q.sim_log, key),
                        "{}",
                        s.id
                    );
                    assert_eq!(q.specs, before.specs, "{}: a build edits nothing", s.id);
                }
                Step::Select(key) => {
                    assert!(f.moves.is_empty(), "{}: a selection moves nothing", s.id);
                    assert_eq!(q.specs, before.specs, "{}", s.id);
                    let lints: Vec<_> = q.computed.lints.iter().filter(|l| l.key == key).collect();
                    assert_eq!(!lints.is_empty(), f.lint, "{}: follow-up {i} points at a lint on {key}", s.id);
                    assert!(lints.iter().all(|l| said.verdict.contains(&l.message)), "{}", s.id);
                }
            }
            for claim in ["stays", " moves", "move.", "cascade", "nothing downstream"] {
                assert!(!f.words.contains(claim), "{}: follow-up {i} claims {claim:?}: {}", s.id, f.words);
            }
            performed += 1;
        }
        // The follow-ups are data, not prose in the first step's words.
        assert!(!s.try_this.contains("Then"), "{}: a follow-up hides in try_this: {}", s.id, s.try_this);
    }
    assert!(performed >= 9, "{performed} follow-ups performed");
}

/// "New URL, old hash" says plainly who is wrong and what to do, from the computed result: the
/// output path did not move because it is computed from the name and declared hash only; Nix
/// reuses the old output; the person must change the hash (issue 12).
#[test]
fn a_stale_fixed_output_says_who_is_wrong() {
    let s = scenarios().into_iter().find(|s| s.id == "url-changed").unwrap();
    let p = Playground::from_scenario(s);
    let meaning = p.suggested.as_ref().unwrap().meaning.clone().expect("the story says what it means");
    let q = p.reduce(Action::TrySuggested).unwrap();
    let src = &q.computed.eval.resolution.entries["src"];
    let out = src.outputs["out"].as_deref().unwrap();
    for must in [
        "Who is wrong: not Nix.",
        out,
        "computed from its name (hello-2.12.1.tar.gz) and its declared hash (sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA=) only",
        "did not move",
        "Nix is doing what it was told: it reuses the output already at that path",
        "never runs the new one",
        "the declared hash is now wrong and you must change it",
        "lib.fakeHash",
        "copy the real hash",
    ] {
        assert!(meaning.contains(must), "missing {must:?} in {meaning}");
    }
    let lines = account(q.last_change.as_ref().unwrap(), &q.computed, &q.specs);
    assert!(lines.contains(&meaning), "{lines:?}");
    // Not said where it is false: when the output path moves, nobody is told the hash is wrong.
    let fixed = q.reduce(Action::TryStep(1)).unwrap();
    let lines = account(fixed.last_change.as_ref().unwrap(), &fixed.computed, &fixed.specs);
    assert!(lines.iter().all(|l| !l.contains("Who is wrong")), "{lines:?}");
    assert!(lines.contains(&"src's output path moved: no build made it before, so Nix would fetch it anew and check it against the declared hash (or substitute it, if a binary cache has it).".to_string()), "{lines:?}");
    assert!(lines[0].starts_with("nix-build would rebuild: src, hello"), "{lines:?}");
}

/// A link (or the kept session) made with the code view open brings the person's code back,
/// byte for byte, with the view open; one made without it opens no code view.
#[test]
fn a_shared_state_keeps_the_code() {
    let p = Playground::default();
    let code = "# my own comment\nlet\n  x = derivation { name = \"x\"; builder = \"b\"; system = \"s\"; };\nin { inherit x; }\n";
    let opened = p.reduce(Action::Code(crate::lab::code::CodeAction::Open(code.into()))).unwrap();
    let shared = opened.shared();
    assert_eq!(shared.code.as_deref(), Some(code));
    let back = crate::lab::share::decode(&crate::lab::share::encode(&shared)).unwrap();
    let restored = p.reduce(Action::Restore(back)).unwrap();
    assert!(restored.code.open);
    assert_eq!(restored.code.text, code);
    assert_eq!(p.shared().code, None);
    let plain = p.reduce(Action::Restore(p.shared()));
    assert!(plain.is_none_or(|n| !n.code.open));
}

#[test]
fn input_choices_and_a_typed_choice_name_what_is_wrong() {
    use crate::lab::edit::{input_choice, input_choices};
    let mut specs = Playground::default().specs;
    let mut two = DrvSpec::new("two", "x86_64-linux", "/bin/sh", &["-c", "echo > $out; echo > $dev"]);
    two.outputs = vec!["out".into(), "dev".into()];
    specs.insert("two".into(), two.into());
    let all: Vec<String> = input_choices(&specs, "app").collect();
    assert_eq!(all, ["build", "build.doc", "fetch", "two", "two.dev"], "every output of every other derivation");
    assert_eq!(input_choice(&specs, "app", "two"), Ok(("two".into(), None)));
    assert_eq!(
        input_choice(&specs, "app", "two.out"),
        Ok(("two".into(), None)),
        "the first output is the plain reference"
    );
    assert_eq!(input_choice(&specs, "app", " ${two.dev} "), Ok(("two".into(), Some("dev".into()))));
    assert_eq!(input_choice(&specs, "app", "nope").unwrap_err(), "there is no derivation \"nope\" in this graph");
    assert_eq!(
        input_choice(&specs, "app", "two.doc").unwrap_err(),
        "two has no output \"doc\" (its outputs: out, dev)"
    );
    assert!(input_choice(&specs, "app", "app").unwrap_err().contains("its own output"));
    // Whatever is typed gets a message, never a panic or a reference to nothing.
    for typed in [".", "${", "${}", "two.", ".dev", "two.dev.x", "ü", "fetch.out.out"] {
        assert!(input_choice(&specs, "app", typed).is_err(), "{typed:?}");
    }
}
