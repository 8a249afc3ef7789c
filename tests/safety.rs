//! Nothing a link, a paste or a typed value can do breaks the page, loses work or runs code:
//! the lab's side of it (issue 11). Property tests run random states and random text through
//! the share-link decoder, the exercise-set parser and the `.nix` export (the same bodies as the
//! cargo-fuzz targets in `fuzz/`); the rest are the clear-error cases, each saying what and where.
#![cfg(not(target_arch = "wasm32"))]

use drvlab::lab::edit::{parse_edit, rename_problem};
use drvlab::lab::eval::{evaluate, to_nix_expression, DrvSpec, SourceSpec, SpecGraph};
use drvlab::lab::share::{decode, encode, encode_checked, link, Shared, MAX_FRAGMENT};
use drvlab_engine::graph::{InputMerge, Options};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9._-]{1,12}",
        any::<String>(),
        prop::collection::vec(
            prop::sample::select(vec!["\"", "\\", "${", "}", "$", "''", "${a}", "\n", "\r", "\u{200b}", "é", "x"]),
            0..8
        )
        .prop_map(|v| v.concat()),
    ]
}

fn spec() -> impl Strategy<Value = DrvSpec> {
    (text(), text(), prop::collection::vec(text(), 0..3), prop::collection::vec((text(), text()), 0..3), any::<bool>())
        .prop_map(|(name, builder, args, env, src)| {
            let mut s = DrvSpec::new(&name, "x86_64-linux", &builder, &[]);
            s.args = args;
            s.env = env;
            if src {
                s.sources.push(SourceSpec {
                    attr: "f".into(),
                    name: "f.txt".into(),
                    contents: "${a}".into(),
                    tree: None,
                });
            }
            s
        })
}

fn state() -> impl Strategy<Value = Shared> {
    prop::collection::btree_map("[a-z][a-z0-9_-]{0,6}", spec().prop_map(std::rc::Rc::new), 1..4).prop_map(
        |specs: SpecGraph| Shared {
            v: 1,
            selected: specs.keys().next().cloned().unwrap_or_default(),
            specs,
            scenario: None,
            merge: InputMerge::Merge,
            nix: Default::default(),
            code: None,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// decode(encode(state)) == state, and a link is offered exactly when the page reads it back,
    /// with the length the share panel says.
    #[test]
    fn links_round_trip_and_are_what_the_page_says(s in state()) {
        match encode_checked(&s) {
            Ok(f) => {
                prop_assert_eq!(decode(&format!("#{f}")).unwrap(), s.clone());
                let l = link("https://example.org/drvlab/", &s).unwrap();
                prop_assert_eq!(l.len(), "https://example.org/drvlab/#".len() + f.len());
                prop_assert!(f.len() - 3 <= MAX_FRAGMENT);
            }
            Err(_) => prop_assert!(decode(&encode(&s)).is_err()),
        }
    }

    /// Any text as a fragment: an error or a state, never a panic.
    #[test]
    fn any_fragment_decodes_or_says_why(t in any::<String>()) {
        let _ = decode(&t);
        let _ = decode(&format!("s1.{t}"));
    }

    /// Any text as an exercise set: an error or a set, never a panic.
    #[test]
    fn any_exercise_set_parses_or_says_why(t in any::<String>()) {
        let _ = drvlab::lab::exercises::parse_set(&t);
    }

    /// Any state exports without a panic and with no interpolation drvlab did not write.
    #[test]
    fn any_state_exports_without_foreign_interpolation(s in state()) {
        let _ = evaluate(&s.specs, &Options::default());
        let nix = to_nix_expression(&s.specs);
        let bad = drvlab::lab::eval::foreign_interpolations(&nix);
        prop_assert!(bad.is_empty(), "{:?} in\n{}", bad, nix);
    }
}

#[test]
fn rename_to_an_invalid_or_existing_key_says_why() {
    let keys = |k: &str| k == "fetch" || k == "build";
    assert!(rename_problem(&keys, "build", "fetch").unwrap().contains("already a derivation fetch"));
    assert!(rename_problem(&keys, "build", "9x").unwrap().contains("starts with a letter"));
    assert!(rename_problem(&keys, "build", "").unwrap().contains("empty"));
    assert!(rename_problem(&keys, "build", &"a".repeat(41)).unwrap().contains("at most 40"));
    assert_eq!(rename_problem(&keys, "build", "build2"), None);
}

#[test]
fn moves_set_errors_name_the_field() {
    let s = DrvSpec::new("a", "x86_64-linux", "/bin/sh", &[]);
    let e = parse_edit(&s, "outputHashModex", "flat").unwrap_err();
    assert!(e.starts_with("unknown field \"outputHashModex\""), "{e}");
    let e = parse_edit(&s, "outputHashMode", "flat").unwrap_err();
    assert!(e.contains("not fixed-output"), "{e}");
    let e = parse_edit(&s, "env.name", "x").unwrap_err();
    assert!(e.contains("name has its own field; write name=VALUE"), "{e}");
    let e = parse_edit(&s, "env.foo", "x").unwrap_err();
    assert!(e.contains("has no attribute \"foo\" (it has no env attributes)"), "{e}");
}

/// The simulator builds a chain deeper than its old limit of 64 (Nix has none).
#[test]
fn the_simulator_builds_deep_chains() {
    let mut g = SpecGraph::new();
    for i in 0..150 {
        let mut s = DrvSpec::new(&format!("d{i}"), "x86_64-linux", "/bin/sh", &[]);
        if i > 0 {
            s.env.push(("dep".into(), format!("${{d{}}}", i - 1)));
        }
        g.insert(format!("d{i}"), s.into());
    }
    let ev = evaluate(&g, &Options::default());
    assert!(ev.errors.is_empty());
    let mut sim = drvlab::lab::simulator::Simulator::default();
    let log = sim.build(&ev.resolution, "d149", false);
    let text: Vec<String> = log.iter().map(|l| format!("{l:?}")).collect();
    assert!(!text.iter().any(|l| l.contains("too deeply") || l.contains("rror")), "{:?}", &text[..3]);
    assert_eq!(sim.store.len(), 150);
    // Built once each, inputs first; a second build has nothing to do.
    let again = sim.build(&ev.resolution, "d149", false);
    assert_eq!(again.len(), 1);
}

/// A link cut short or damaged says so in words (no `FailedCannotMakeProgress`).
#[test]
fn damaged_links_say_it_in_words() {
    let s = Shared {
        v: 1,
        specs: drvlab::lab::eval::reference_graph(),
        selected: "build".into(),
        scenario: None,
        merge: InputMerge::Merge,
        nix: Default::default(),
        code: None,
    };
    let f = encode(&s);
    for cut in (8..f.len()).step_by(4) {
        if let Err(e) = decode(&f[..cut]) {
            let m = e.to_string();
            assert!(!m.contains("Failed") && !m.contains("Status"), "{m}");
        }
    }
}

/// An invalid name says what and where once, in words ("name: name: …" before).
#[test]
fn a_bad_name_is_said_once() {
    let mut g = drvlab::lab::eval::reference_graph();
    std::rc::Rc::make_mut(g.get_mut("build").unwrap()).name = "bad name".into();
    let ev = evaluate(&g, &Options::default());
    let e = ev.errors.iter().find(|e| e.key == "build").unwrap();
    assert_eq!(e.field, "name");
    assert!(!e.message.starts_with("name:"), "{}", e.message);
    assert_eq!(e.describe().matches("name:").count(), 1, "{}", e.describe());
}
