//! Warnings about derivations that compute fine but will not do what their author hopes.
//!
//! Errors (a bad name, a hash whose algorithm contradicts `outputHashAlgo`) come from the engine
//! itself; lints are the things Nix only discovers at build time.

use crate::lab::eval::{EvalError, Evaluated, SpecGraph};

/// One warning about one field of one derivation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lint {
    pub key: String,
    pub field: String,
    pub message: String,
}

/// Does a shell-ish command write its own `$out` into a file (`echo $out > $out/x`)?
fn writes_own_path(text: &str) -> bool {
    text.split(['\n', ';', '&', '|']).any(|cmd| match (cmd.find("$out"), cmd.find('>')) {
        (Some(a), Some(r)) => a < r,
        _ => false,
    })
}

/// Does a string hold a store path (a `${key}` reference, or a literal one)?
fn holds_store_path(text: &str) -> bool {
    text.contains("${") || text.contains("/nix/store/")
}

/// The command of a shell-ish script that writes a store path into `$out`: `echo ${x} > $out`,
/// `printf … >> $out/f`, `ln -s ${x} $out`. Commands that only read a store path while writing
/// `$out` (`unzip ${zip} -d $out`, `cp ${x}/f $out`) are not it.
fn writes_store_path(text: &str) -> Option<&str> {
    text.split(['\n', ';', '&', '|']).find(|cmd| {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let printed = matches!(words.first(), Some(&"echo") | Some(&"printf"))
            && cmd.find('>').is_some_and(|r| cmd[..r].contains("${") && cmd[r..].contains("$out"));
        let linked = words.first() == Some(&"ln")
            && words.windows(2).any(|w| holds_store_path(w[0]) && w[1].trim_matches('"').starts_with("$out"));
        printed || linked
    })
}

pub fn lints(specs: &SpecGraph, eval: &Evaluated) -> Vec<Lint> {
    lints_where(specs, &|k| eval.resolution.entries.contains_key(k))
}

/// [`lints`], given which derivations resolved (the others get none).
pub fn lints_where(specs: &SpecGraph, resolved: &dyn Fn(&str) -> bool) -> Vec<Lint> {
    let mut out = Vec::new();
    for (key, spec) in specs {
        if !resolved(key) {
            continue;
        }
        let fixed = spec.fixed.is_some();
        if fixed {
            // A fixed output may use store paths while it builds (unzip ${zip} -d $out is fine);
            // it fails only when one ends up in the output. Say so only where the recipe writes one
            // there: a command that prints or links a store path into $out, or an attribute that
            // propagates one to users.
            let writes =
                spec.args.iter().chain(spec.env.iter().map(|(_, v)| v)).flat_map(|t| writes_store_path(t)).next();
            let propagates =
                spec.env.iter().find(|(k, v)| k.to_lowercase().contains("propagated") && holds_store_path(v));
            let what = match (writes, propagates) {
                (Some(cmd), _) => Some(format!("its script writes a store path into its output ({})", cmd.trim())),
                (None, Some((k, _))) => {
                    Some(format!("its attribute {k} propagates a store path to its users, so its output refers to it"))
                }
                _ => None,
            };
            if let Some(what) = what {
                out.push(Lint {
                    key: key.clone(),
                    field: "fixed".into(),
                    message: format!(
                        "fixed-output, but {what}. Nix rejects a fixed output that contains references (\"illegal path references in fixed-output derivation\"); store paths used only while building are fine."
                    ),
                });
            }
            if spec.args.iter().chain(spec.env.iter().map(|(_, v)| v)).any(|t| writes_own_path(t)) {
                out.push(Lint {
                    key: key.clone(),
                    field: "fixed".into(),
                    message: "fixed-output, but its script seems to write its own $out path into the output. A self-referencing output cannot be fixed-output: its content hash would depend on its own path.".into(),
                });
            }
        } else if spec.env.iter().any(|(k, v)| k.to_lowercase().contains("propagated") && v.contains("${")) {
            out.push(Lint {
                key: key.clone(),
                field: "env".into(),
                message: "propagates store paths to its users, so its output refers to them: it could not be made fixed-output, and it must move whenever they do.".into(),
            });
        }
    }
    out
}

/// Errors of a derivation as a one-line summary for its node.
pub fn summary(errors: &[&EvalError]) -> Option<String> {
    errors.first().map(|e| match e.field_label() {
        f if f.is_empty() => e.message.clone(),
        f => format!("{f}: {}", e.message),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::lab::eval::{evaluate, DrvSpec, FixedSpec};

    /// The page's own recommended examples raise no warning they do not deserve: only theme's
    /// propagation (which the font story points at) is flagged.
    #[test]
    fn lints_on_the_scenarios_are_precise() {
        for s in crate::lab::scenarios::scenarios() {
            let ev = evaluate(&s.specs, &Default::default());
            let found: Vec<(String, String)> = lints(&s.specs, &ev).into_iter().map(|l| (l.key, l.field)).collect();
            let expected: Vec<(String, String)> =
                if s.id == "font-fod" { vec![("theme".into(), "env".into())] } else { vec![] };
            assert_eq!(found, expected, "{}", s.id);
        }
    }

    #[test]
    fn a_fixed_output_that_writes_a_store_path_is_flagged_by_its_command() {
        let mut g = SpecGraph::new();
        g.insert("a".into(), DrvSpec::new("a", "x86_64-linux", "/bin/sh", &["-c", "echo hi > $out"]).into());
        let mut b = DrvSpec::new("b", "x86_64-linux", "/bin/sh", &["-c", "unzip ${a} -d $out && echo ${a} > $out/ref"]);
        b.fixed = Some(FixedSpec {
            mode: drvlab_engine::store_path::FixedMode::Recursive,
            algo: Some(drvlab_engine::hash::HashAlgo::Sha256),
            hash: "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73".into(),
            omit_mode: false,
            empty_algo: false,
        });
        g.insert("b".into(), b.clone().into());
        let l = lints(&g, &evaluate(&g, &Default::default()));
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(l[0].message.contains("(echo ${a} > $out/ref)"), "{}", l[0].message);
        b.args[1] = "unzip ${a} -d $out".into();
        g.insert("b".into(), b.into());
        assert!(lints(&g, &evaluate(&g, &Default::default())).is_empty());
    }
}
