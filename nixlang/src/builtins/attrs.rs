//! Sets (`primops.cc`: `prim_attrNames`, `prim_listToAttrs`, `prim_mapAttrs`, …).

use crate::error::{fail, ErrorKind, Result, Span};
use crate::eval::value::{Attrs, Key, Thunk, Value};
use crate::eval::Evaluator;
use std::collections::BTreeMap;
use std::rc::Rc;

pub fn prim_attr_names(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    Ok(Value::list_of(a.keys().map(|k| Value::string(k.name.clone())).collect()))
}

pub fn prim_attr_values(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    Ok(Value::list(a.values().cloned().collect()))
}

/// `prim_getAttr`.
pub fn prim_get_attr(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    match a.get(&name) {
        Some(t) => ev.force(t, span),
        None => fail(ErrorKind::Other(format!("attribute '{name}' missing for call to 'getAttr'")), span),
    }
}

pub fn prim_has_attr(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    Ok(Value::Bool(a.contains_key(&name)))
}

/// `prim_removeAttrs`.
pub fn prim_remove_attrs(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let names = ev.force_list(&args[1], span)?;
    let mut out = (*a).clone();
    for n in names.iter() {
        let n = ev.force_string_no_ctx(n, span)?;
        out.remove(&n);
    }
    Ok(Value::attrs(out))
}

/// `prim_listToAttrs`: the first definition of a name wins.
pub fn prim_list_to_attrs(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[0], span)?;
    let mut out = Attrs::new();
    for x in l.iter() {
        let e = ev.force_attrs(x, span)?;
        let Some(n) = e.get("name").cloned() else { return fail(ErrorKind::MissingAttr("name".into()), span) };
        let name = ev.force_string_no_ctx(&n, span)?;
        // The attribute is placed where its `value` was defined (Nix 2.8 takes `value`'s pos).
        let Some((vk, v)) = e.get_key_value("value") else { return fail(ErrorKind::MissingAttr("value".into()), span) };
        out.entry(Key::at(name, vk.pos)).or_insert(v.clone());
    }
    ev.alloc(out.len() as u64, span)?;
    Ok(Value::attrs(out))
}

/// `prim_intersectAttrs`: the names of the first, the values of the second.
pub fn prim_intersect_attrs(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let b = ev.force_attrs(&args[1], span)?;
    Ok(Value::attrs(b.iter().filter(|(k, _)| a.contains_key(*k)).map(|(k, v)| (k.clone(), v.clone())).collect()))
}

/// `prim_mapAttrs`: lazily, each value is `f name value`.
pub fn prim_map_attrs(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[1], span)?;
    ev.alloc(a.len() as u64, span)?;
    let f = args[0].clone();
    Ok(Value::attrs(
        a.iter()
            .map(|(k, v)| {
                let partial = Thunk::apply(f.clone(), Thunk::value(Value::string(k.name.clone())));
                // Nix 2.8's `mapAttrs` keeps no positions.
                (Key::from(k.name.clone()), Thunk::apply(partial, v.clone()))
            })
            .collect(),
    ))
}

/// `prim_catAttrs`.
pub fn prim_cat_attrs(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut out = Vec::new();
    for x in l.iter() {
        let a = ev.force_attrs(x, span)?;
        if let Some(v) = a.get(&name) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

/// `prim_zipAttrsWith`: `f name [values…]`, lazily.
pub fn prim_zip_attrs_with(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[1], span)?;
    let mut by: BTreeMap<Rc<str>, Vec<Thunk>> = BTreeMap::new();
    for x in l.iter() {
        let a = ev.force_attrs(x, span)?;
        for (k, v) in a.iter() {
            by.entry(k.name.clone()).or_default().push(v.clone());
        }
    }
    let f = args[0].clone();
    Ok(Value::attrs(
        by.into_iter()
            .map(|(k, vs)| {
                let partial = Thunk::apply(f.clone(), Thunk::value(Value::string(k.clone())));
                (Key::from(k), Thunk::apply(partial, Thunk::value(Value::list(vs))))
            })
            .collect(),
    ))
}

/// `prim_genericClosure`: from `startSet`, apply `operator` to each new item (by `key`) until
/// nothing new appears.
pub fn prim_generic_closure(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let Some(start) = a.get("startSet").cloned() else {
        return fail(ErrorKind::MissingAttr("startSet".into()), span);
    };
    let Some(op) = a.get("operator").cloned() else {
        return fail(ErrorKind::MissingAttr("operator".into()), span);
    };
    let op = ev.force_function(&op, span)?;
    let mut todo: std::collections::VecDeque<Thunk> = ev.force_list(&start, span)?.iter().cloned().collect();
    let mut done: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    while let Some(t) = todo.pop_front() {
        let e = ev.force_attrs(&t, span)?;
        let Some(k) = e.get("key").cloned() else {
            return fail(ErrorKind::MissingAttr("key".into()), span);
        };
        let key = ev.force(&k, span)?;
        let mut seen = false;
        for d in &done {
            if ev.eq_values(d, &key, span)? {
                seen = true;
                break;
            }
        }
        if seen {
            continue;
        }
        done.push(key);
        out.push(t.clone());
        match ev.call(op.clone(), t, span)? {
            Value::List(l) => todo.extend(l.iter().cloned()),
            v => return crate::eval::type_err(&v, "a list", span),
        }
    }
    Ok(Value::list(out))
}

/// `prim_unsafeGetAttrPos`: `{ file; line; column; }` of where the attribute was defined, or
/// `null` where no position is known (attributes made by most built-ins).
pub fn prim_unsafe_get_attr_pos(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    let Some((k, _)) = a.get_key_value(&*name) else { return Ok(Value::Null) };
    Ok(ev.pos_value(k.pos))
}
