//! `derivationStrict` (`prim_derivationStrict` in Nix 2.8's `primops.cc`): a set of attributes
//! made into the engine's [`Derivation`], its paths computed by the engine's `resolve_one`.

use crate::context::{Context, CtxElem};
use crate::error::{fail, ErrorKind, Result, Span};
use crate::eval::value::{Attrs, NixString, Thunk, Value};
use crate::eval::Evaluator;
use drvlab_engine::store_path::FixedMode;
use drvlab_engine::{Derivation, Hash, HashAlgo, Output};
use std::collections::{BTreeMap, BTreeSet};

fn other<T>(msg: String, span: Span) -> Result<T> {
    fail(ErrorKind::Other(msg), span)
}

/// `prim_derivationStrict`.
pub fn prim_derivation_strict(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let attrs = ev.force_attrs(&args[0], span)?;
    let Some(name_t) = attrs.get("name").cloned() else {
        return other("attribute 'name' missing for call to 'derivationStrict'".into(), span);
    };
    let name = ev.force_string_no_ctx(&name_t, span)?.to_string();
    let structured = match attrs.get("__structuredAttrs").cloned() {
        Some(t) => ev.force_bool(&t, span)?,
        None => false,
    };
    let ignore_nulls = match attrs.get("__ignoreNulls").cloned() {
        Some(t) => ev.force_bool(&t, span)?,
        None => false,
    };
    let mut drv = Derivation { name: name.clone(), ..Default::default() };
    let mut ctx = Context::default();
    let mut json = String::from("{");
    let mut content_addressed = false;
    let mut impure = false;
    let mut mode_given = false;
    let mut output_hash: Option<String> = None;
    let mut output_hash_algo = String::new();
    let mut mode = FixedMode::Flat;
    let mut outputs: Vec<String> = vec!["out".into()];

    let hash_mode = |s: &str| -> Result<FixedMode> {
        match s {
            "recursive" => Ok(FixedMode::Recursive),
            "flat" => Ok(FixedMode::Flat),
            s => other(format!("invalid value '{s}' for 'outputHashMode' attribute"), span),
        }
    };
    let handle_outputs = |ss: Vec<String>| -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for j in ss {
            if out.contains(&j) {
                return other(format!("duplicate derivation output '{j}'"), span);
            }
            if j == "drv" {
                return other("invalid derivation output name 'drv'".into(), span);
            }
            out.push(j);
        }
        if out.is_empty() {
            return other("derivation cannot have an empty set of outputs".into(), span);
        }
        Ok(out)
    };

    for (key, t) in attrs.iter() {
        let key: &str = key;
        if key == "__ignoreNulls" {
            continue;
        }
        let v = ev.force(t, span)?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        if key == "__contentAddressed" {
            content_addressed = ev.force_bool(t, span)?;
            if content_addressed && !ev.experimental_ca {
                return other(
                    "experimental Nix feature 'ca-derivations' is disabled; use '--extra-experimental-features ca-derivations' to override".into(),
                    span,
                );
            }
        } else if key == "__impure" {
            // Consumed, as `__contentAddressed` is: not an env entry. The page's evaluator
            // enables both experimental features with one switch.
            impure = ev.force_bool(t, span)?;
            if impure && !ev.experimental_ca {
                return other(
                    "experimental Nix feature 'impure-derivations' is disabled; use '--extra-experimental-features impure-derivations' to override".into(),
                    span,
                );
            }
        } else if key == "args" {
            let l = ev.force_list(t, span)?;
            for x in l.iter() {
                let xv = ev.force(x, span)?;
                let s = ev.coerce_to_string(xv, true, true, span)?;
                ctx.extend(&s.ctx);
                drv.args.push(s.s.to_string());
            }
        } else if structured {
            if key == "__structuredAttrs" {
                continue;
            }
            if json.len() > 1 {
                json.push(',');
            }
            drvlab_engine::json::string(&mut json, key, drvlab_engine::json::Writer::Nix2_8);
            json.push(':');
            crate::print::to_json(ev, &v, true, span, &mut json, &mut ctx)?;
            match key {
                "builder" => {
                    let s = ev.force_string(t, span)?;
                    ctx.extend(&s.ctx);
                    drv.builder = s.s.to_string();
                }
                "system" => drv.system = ev.force_string_no_ctx(t, span)?.to_string(),
                "outputHash" => output_hash = Some(ev.force_string_no_ctx(t, span)?.to_string()),
                "outputHashAlgo" => output_hash_algo = ev.force_string_no_ctx(t, span)?.to_string(),
                "outputHashMode" => {
                    mode = hash_mode(&ev.force_string_no_ctx(t, span)?)?;
                    mode_given = true;
                }
                "outputs" => {
                    let l = ev.force_list(t, span)?;
                    let mut ss = Vec::new();
                    for x in l.iter() {
                        ss.push(ev.force_string_no_ctx(x, span)?.to_string());
                    }
                    outputs = handle_outputs(ss)?;
                }
                _ => {}
            }
        } else {
            let s = ev.coerce_to_string(v, true, true, span)?;
            ctx.extend(&s.ctx);
            let s = s.s.to_string();
            match key {
                "builder" => drv.builder = s.clone(),
                "system" => drv.system = s.clone(),
                "outputHash" => output_hash = Some(s.clone()),
                "outputHashAlgo" => output_hash_algo = s.clone(),
                "outputHashMode" => {
                    mode = hash_mode(&s)?;
                    mode_given = true;
                }
                "outputs" => {
                    outputs = handle_outputs(
                        s.split([' ', '\t', '\n', '\r']).filter(|x| !x.is_empty()).map(String::from).collect(),
                    )?
                }
                _ => {}
            }
            drv.env.insert(key.to_string(), s);
        }
    }
    if structured {
        json.push('}');
        drv.env.insert("__json".into(), json);
    }

    // Everything the strings refer to becomes an input.
    for e in ctx.iter() {
        match e {
            CtxElem::AllOutputs(d) => {
                for p in closure(ev, d) {
                    if p.ends_with(".drv") {
                        if let Some(r) = ev.derivations.get(&p) {
                            let outs: BTreeSet<String> = r.drv.outputs.keys().cloned().collect();
                            drv.input_drvs.insert(p.clone(), outs);
                        }
                    }
                    drv.input_srcs.insert(p);
                }
            }
            CtxElem::Output { drv: d, output } => {
                drv.input_drvs.entry(d.to_string()).or_default().insert(output.to_string());
            }
            CtxElem::Path(p) => {
                drv.input_srcs.insert(p.to_string());
            }
        }
    }

    if drv.builder.is_empty() {
        return other("required attribute 'builder' missing".into(), span);
    }
    if drv.system.is_empty() {
        return other("required attribute 'system' missing".into(), span);
    }
    if name.ends_with(".drv") {
        return other("derivation names are not allowed to end in '.drv'".into(), span);
    }

    if let Some(h) = output_hash {
        if outputs.len() != 1 || outputs[0] != "out" {
            return other("multiple outputs are not supported in fixed-output derivations".into(), span);
        }
        // `parseHashTypeOpt`, then `newHashAllowEmpty`.
        let algo = HashAlgo::parse(&output_hash_algo).ok();
        let hash = if h.is_empty() {
            match algo {
                Some(a) => Hash::new(a, vec![0; a.size()]),
                None => return other("empty hash requires explicit hash type".into(), span),
            }
        } else {
            // `Hash::parseAny`: an `algo:` or SRI `algo-` prefix names the algorithm (an unknown
            // name is an error of its own), and a malformed SRI body is said as Nix says it.
            let prefix = h.find([':', '-']).map(|i| (&h[..i], h.as_bytes()[i] == b'-', &h[i + 1..]));
            if let Some((name, sri, body)) = prefix {
                match HashAlgo::parse(name) {
                    Err(_) => return other(format!("unknown hash algorithm '{name}'"), span),
                    Ok(a) if algo.is_some_and(|x| x != a) => {
                        return other(format!("hash '{h}' should have type '{}'", algo.unwrap_or(a)), span)
                    }
                    Ok(_) if sri && Hash::parse(&h, algo).is_err() => {
                        return other(format!("invalid SRI hash '{body}'"), span)
                    }
                    Ok(_) => {}
                }
            }
            match Hash::parse(&h, algo) {
                Ok(x) => x,
                Err(_) if algo.is_none() => {
                    return other(
                        format!("hash '{h}' does not include a type, nor is the type otherwise known from context"),
                        span,
                    )
                }
                Err(e) => return other(format!("{e}"), span),
            }
        };
        drv.outputs.insert("out".into(), Output::fixed(mode, &hash));
        drv.env.insert("out".into(), String::new());
    } else if content_addressed || impure {
        if content_addressed && impure {
            return other("derivation cannot be both content-addressed and impure".into(), span);
        }
        // `parseHashTypeOpt(outputHashAlgo).value_or(htSHA256)`: an unknown name is sha256 too;
        // the method defaults to recursive. Each output's env entry is its placeholder.
        let algo = HashAlgo::parse(&output_hash_algo).unwrap_or(HashAlgo::Sha256);
        let mode = if mode_given { mode } else { FixedMode::Recursive };
        for o in &outputs {
            let out = if impure { Output::impure(mode, algo) } else { Output::floating(mode, algo) };
            drv.outputs.insert(o.clone(), out);
            drv.env.insert(o.clone(), drvlab_engine::derivation::hash_placeholder(o));
        }
    } else {
        for o in &outputs {
            drv.outputs.insert(o.clone(), Output::input_addressed());
            drv.env.insert(o.clone(), String::new());
        }
    }

    // Nix 2.8's rules (store path names may start with a dot, …).
    let opts = drvlab_engine::Options {
        store_dir: ev.store_dir.clone(),
        trace: false,
        nix: Some(drvlab_engine::NixVersion::new(2, 8, 0)),
        ..Default::default()
    };
    let resolved = match drvlab_engine::graph::resolve_one(&name, &drv, &ev.derivations, &opts) {
        Ok(r) => r,
        Err(e) => return other(format!("{e}"), span),
    };
    let drv_path = resolved.drv_path.clone();
    let mut refs: Vec<String> = resolved.drv.input_srcs.iter().cloned().collect();
    refs.extend(resolved.drv.input_drvs.keys().cloned());
    ev.references.insert(drv_path.clone(), refs);

    let mut out = Attrs::new();
    out.insert(
        "drvPath".into(),
        Thunk::value(Value::String(NixString::with_ctx(
            drv_path.as_str(),
            Context::single(CtxElem::AllOutputs(drv_path.as_str().into())),
        ))),
    );
    for (o, p) in &resolved.outputs {
        // An output with no path before building (floating, impure) is its downstream
        // placeholder (`downstreamPlaceholder(store, drvPath, output)`): users refer to it so.
        let s = p.clone().unwrap_or_else(|| downstream_placeholder(&drv_path, &name, o));
        let c = Context::single(CtxElem::Output { drv: drv_path.as_str().into(), output: o.as_str().into() });
        out.insert(o.as_str().into(), Thunk::value(Value::String(NixString::with_ctx(s, c))));
    }
    ev.derivations.insert(drv_path, resolved);
    Ok(Value::attrs(out))
}

/// Nix 2.8's `downstreamPlaceholder`: `/` and the nix32 sha256 of
/// `nix-upstream-output:<drv hash part>:<output path name>`.
fn downstream_placeholder(drv_path: &str, drv_name: &str, output: &str) -> String {
    use drvlab_engine::store_path::{output_path_name, HASH_PART_LEN};
    let hash_part = drv_path.rsplit('/').next().unwrap_or("").get(..HASH_PART_LEN).unwrap_or("");
    let clear = format!("nix-upstream-output:{hash_part}:{}", output_path_name(drv_name, output));
    format!("/{}", Hash::sha256(clear.as_bytes()).to_nix32())
}

/// `computeFSClosure` of a store path over the references drvlab knows (derivations and
/// `toFile` results it made).
fn closure(ev: &Evaluator, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![start.to_string()];
    while let Some(p) = todo.pop() {
        if !seen.insert(p.clone()) {
            continue;
        }
        if let Some(r) = ev.references.get(&p) {
            todo.extend(r.iter().cloned());
        }
    }
    seen
}

/// The `.drv` paths instantiated, for tests and the CLI.
pub fn drv_paths(ev: &Evaluator) -> BTreeMap<String, String> {
    ev.derivations.iter().map(|(k, r)| (k.clone(), r.drv.name.clone())).collect()
}
