//! "Predict, then reveal" questions for workshops, built on the scenarios.
//!
//! A question names a scenario, an edit, and some paths; the person predicts for each whether it
//! moves; the answer is computed by performing the edit with the engine — never stored in the
//! question. Teachers can write their own sets as JSON ([`ExerciseSet`]) and load them by URL.

use crate::lab::explain::PathChange;
use crate::lab::playground::{parse_edit, Action, Playground};
use crate::lab::scenarios::scenarios;

/// One path a question asks about: `.drv` path when `output` is absent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ask {
    pub key: String,
    #[serde(default)]
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub scenario: String,
    /// The edit, as `drvlab moves --set` spells it.
    pub key: String,
    pub field: String,
    pub value: String,
    pub prompt: String,
    pub asks: Vec<Ask>,
    /// Shown after the reveal, beside the engine's account of the change.
    #[serde(default)]
    pub explanation: String,
    /// What the edit moves, every path by [`crate::lab::explain::PathId::label`] (`"src .drv"`,
    /// `"hello out"`); every other path stays. When given, revealing checks it against the
    /// engine and fails on any difference, so the explanation's claims are checked data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExerciseSet {
    pub title: String,
    pub questions: Vec<Question>,
}

/// The engine's answer to one question: each asked path, before and after the edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Revealed {
    pub answers: Vec<PathChange>,
    /// "moves: …; stays: …", from the computed change set.
    pub moves: String,
    pub account: Vec<String>,
}

/// Performs the question's edit on its scenario and reads off the asked paths.
pub fn reveal(q: &Question) -> Result<Revealed, String> {
    let s = scenarios()
        .into_iter()
        .find(|s| s.id == q.scenario)
        .ok_or_else(|| format!("unknown scenario {:?}", q.scenario))?;
    let spec = s.specs.get(&q.key).ok_or_else(|| format!("scenario {} has no derivation {:?}", q.scenario, q.key))?;
    let edit = parse_edit(spec, &q.field, &q.value)?;
    let p = Playground::from_scenario(s);
    let after = p.reduce(Action::Edit(q.key.clone(), edit)).ok_or("the edit changes nothing")?;
    let change = after.last_change.as_ref().ok_or_else(|| {
        after.computed.eval.errors.first().map(|e| e.to_string()).unwrap_or_else(|| "no change".into())
    })?;
    if !q.moves.is_empty() {
        let mut said: Vec<String> = q.moves.clone();
        let mut computed: Vec<String> = change.changes.iter().filter(|c| c.moved()).map(|c| c.id.label()).collect();
        said.sort();
        computed.sort();
        if said != computed {
            return Err(format!(
                "the question says the edit moves {}, but the engine moves {}",
                said.join(", "),
                computed.join(", ")
            ));
        }
    }
    let mut answers = Vec::new();
    for a in &q.asks {
        let c = change.changes.iter().find(|c| c.id.key == a.key && c.id.output == a.output).ok_or_else(|| {
            let what = a.output.as_ref().map_or(".drv path".to_string(), |o| format!("output {o}"));
            format!("scenario {} has no {what} of {}", q.scenario, a.key)
        })?;
        answers.push(c.clone());
    }
    Ok(Revealed {
        answers,
        moves: crate::lab::playground::moves_sentence(change, &after.specs),
        account: crate::lab::playground::account(change, &after.computed, &after.specs),
    })
}

/// Reads a teacher's set; every question is checked by revealing it once.
pub fn parse_set(json: &str) -> Result<ExerciseSet, String> {
    let t = json.trim_start();
    if t.is_empty() {
        return Err("the answer was empty, not an exercise set (JSON)".into());
    }
    if t.starts_with('<') {
        return Err("the address answered with a web page (HTML), not an exercise set (JSON); give the full address of the .json file".into());
    }
    let set: ExerciseSet = serde_json::from_str(json).map_err(|e| format!("exercise set: {e}"))?;
    if set.questions.is_empty() {
        return Err("exercise set has no questions".into());
    }
    for (i, q) in set.questions.iter().enumerate() {
        reveal(q).map_err(|e| format!("question {}: {e}", i + 1))?;
    }
    Ok(set)
}

fn q(
    scenario: &str,
    edit: (&str, &str, &str),
    prompt: &str,
    asks: &[(&str, Option<&str>)],
    explanation: &str,
    moves: &[&str],
) -> Question {
    Question {
        scenario: scenario.into(),
        key: edit.0.into(),
        field: edit.1.into(),
        value: edit.2.into(),
        prompt: prompt.into(),
        asks: asks.iter().map(|(k, o)| Ask { key: k.to_string(), output: o.map(str::to_string) }).collect(),
        explanation: explanation.into(),
        moves: moves.iter().map(|m| m.to_string()).collect(),
    }
}

/// The built-in set: at least one question per seed.
pub fn builtin() -> ExerciseSet {
    ExerciseSet {
        title: "Fixed-output derivations and what moves".into(),
        questions: vec![
            q("url-changed", ("src", "env.url", "https://ftp.gnu.org/gnu/hello/hello-2.13.tar.gz"),
              "You change the URL of this fetchurl but not its hash. Does the fetch's output path move? Its .drv path? Does hello (which uses it) get a new output path?",
              &[("src", Some("out")), ("src", None), ("hello", Some("out"))],
              "A fixed output is named by its name and declared hash only. The URL is in the .drv (env), so the .drv moves — and hello's .drv names it — but no output path moves: nothing rebuilds.",
              &["src .drv", "hello .drv"]),
            q("url-changed", ("src", "name", "hello-2.13.tar.gz"),
              "Now you also rename the fetch (its name follows the version). Does its output path move? Does hello's?",
              &[("src", Some("out")), ("hello", Some("out"))],
              "The name is part of the fixed output path, and that path enters hello's hash modulo: everything downstream moves, so Nix really fetches — and checks the hash.",
              &["src .drv", "src out", "hello .drv", "hello out"]),
            q("garbage-builder", ("myfetch", "args.1", "curl -L https://example.org/real-source.tar.gz -o $out"),
              "The builder was garbage and you replace it with a working script. Does the output path move?",
              &[("myfetch", Some("out")), ("myfetch", None)],
              "If the old output is already in your store or a cache, Nix never runs either script. `nix-build --check` is the way to rerun it.",
              &["myfetch .drv"]),
            q("pullimage-collapse", ("bar", "env.manifest", "third.json"),
              "Two image pulls share name and hash but differ in their script. You change bar's script again. Does bar's output move? foo's?",
              &[("bar", Some("out")), ("foo", Some("out")), ("bar", None)],
              "Both outputs are one store path, named by name and hash; whichever was built first answers for both.",
              &["bar .drv", "deploy .drv"]),
            q("pullimage-collapse", ("bar", "outputHash", "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
              "You change bar's outputHash. Does bar's output move? Does deploy (which uses both) move?",
              &[("bar", Some("out")), ("deploy", Some("out"))],
              "A new hash is a new fixed output path, and deploy sees it through bar's hash modulo: it moves too.",
              &["bar .drv", "bar out", "deploy .drv", "deploy out"]),
            q("input-derivations", ("lib", "builder", "/bin/bash"),
              "lib is input-addressed. You change its builder. Which outputs move: lib's, tool's, app's?",
              &[("lib", Some("out")), ("tool", Some("out")), ("app", Some("out"))],
              "An input-addressed derivation's hash modulo covers everything in it; each dependent includes that hash, so the change cascades.",
              &["lib .drv", "lib out", "tool .drv", "tool out", "app .drv", "app out"]),
            q("input-derivations", ("patch", "args.1", "curl -L $url | sed s/a/b/ > $out"),
              "patch is fixed-output and lib uses it. You change patch's script. Does lib's output move?",
              &[("patch", Some("out")), ("lib", Some("out")), ("lib", None)],
              "lib sees patch only through its declared hash and output path: its output stays, though its .drv (which names patch's new .drv) moves.",
              &["patch .drv", "lib .drv", "tool .drv", "app .drv"]),
            q("input-derivations", ("app", "env.temp", "two"),
              "The trick from the forum: add or change an attribute such as temp = \"two\". Does app's output path move?",
              &[("app", Some("out")), ("tool", Some("out"))],
              "Every attribute lands in env, so it moves the derivation it is in — and nothing upstream.",
              &["app .drv", "app out"]),
            q("local-source", ("app", "sources.src/logs/dev.log", "started 10:07\n"),
              "app's src is the project directory, and a dev server just appended to logs/dev.log inside it. Does the source path's change reach app's output? shell's?",
              &[("app", Some("out")), ("shell", Some("out"))],
              "The whole directory is hashed as one NAR, so any file in it — wanted or not — moves the source path, app and everything after it. Filter the source (lib.fileset, builtins.path with a filter) to keep such files out.",
              &["app .drv", "app out", "shell .drv", "shell out"]),
            q("local-source", ("app", "sources.src/build.sh (kind)", "regular"),
              "You only clear the executable bit of build.sh (chmod -x); no byte changes. Does app's output move?",
              &[("app", Some("out")), ("app", None)],
              "The NAR records the executable bit, so the source path moves, and app with it.",
              &["app .drv", "app out", "shell .drv", "shell out"]),
            q("font-fod", ("font", "args.1", "unzip ${zip} -d $out/share/fonts/truetype"),
              "The font package was made fixed-output. You change how it unpacks. Does its output move? Does theme's?",
              &[("font", Some("out")), ("theme", Some("out"))],
              "That is why it was made fixed-output: no rebuilds. The price: the new recipe never runs while the old output exists.",
              &["font .drv", "theme .drv"]),
            q("font-fod", ("zip", "outputHash", "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="),
              "A new font release: the zip's hash changes. Does the font package (fixed-output, using the zip) move?",
              &[("zip", Some("out")), ("font", Some("out"))],
              "The font's own output is fixed by its own declared hash: it stays (only its .drv moves, as it names the zip's new .drv), so its builder would not even run to pick up the new zip. Its hash has to be updated too.",
              &["zip .drv", "zip out", "font .drv", "theme .drv"]),
            q("multiple-outputs", ("lib", "outputs", "out dev doc man"),
              "You add a man output to lib. Do lib's existing outputs move? Does consumer move?",
              &[("lib", Some("out")), ("lib", Some("dev")), ("consumer", Some("out"))],
              "The output list is in lib's ATerm and env, so every lib path moves, and with it consumer.",
              &["lib .drv", "lib out", "lib dev", "lib doc", "lib man", "consumer .drv", "consumer out"]),
            q("content-addressed", ("gen", "args.1", "echo bye > $out"),
              "gen is content-addressed; user depends on it. You change gen's script. Which .drv paths move?",
              &[("gen", None), ("user", None)],
              "Both .drv files change; their output paths are unknown before building (gen's is the hash of what it builds; user is deferred), so there is nothing to move yet.",
              &["gen .drv", "user .drv"]),
            q("rerun-on-change", ("src", "env.url", "https://example.org/v2.tar.gz"),
              "The rerun-on-change trick: the hash part of the unfixed recipe's output path is in the name, so the name follows the recipe. You change the url. Does the output path move? pkg's?",
              &[("src", Some("out")), ("pkg", Some("out"))],
              "A new name is a new fixed output path: Nix has to run the fetcher and verify the hash, instead of reusing the old output.",
              &["src .drv", "src out", "pkg .drv", "pkg out"]),
        ],
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_question_reveals_and_covers_every_seed() {
        let set = builtin();
        assert!(set.questions.len() >= 12);
        for (i, q) in set.questions.iter().enumerate() {
            let r = reveal(q).unwrap_or_else(|e| panic!("question {}: {e}", i + 1));
            assert_eq!(r.answers.len(), q.asks.len());
        }
        let seeds: std::collections::BTreeSet<&str> =
            set.questions.iter().map(|q| scenarios().into_iter().find(|s| s.id == q.scenario).unwrap().seed).collect();
        assert_eq!(seeds.len(), 4, "{seeds:?}");
    }

    #[test]
    fn url_change_answer_is_computed() {
        let r = reveal(&builtin().questions[0]).unwrap();
        let moved: Vec<bool> = r.answers.iter().map(PathChange::moved).collect();
        assert_eq!(moved, [false, true, false]);
    }

    #[test]
    fn teacher_sets_are_checked() {
        let json = serde_json::to_string(&builtin()).unwrap();
        assert_eq!(parse_set(&json).unwrap(), builtin());
        assert!(parse_set(r#"{"title":"x","questions":[]}"#).unwrap_err().contains("no questions"));
        let bad = r#"{"title":"x","questions":[{"scenario":"nope","key":"a","field":"name","value":"b","prompt":"?","asks":[]}]}"#;
        assert!(parse_set(bad).unwrap_err().contains("question 1: unknown scenario"));
    }
}
