//! Lists (`primops.cc`: `prim_map`, `prim_filter`, `prim_foldlStrict`, `prim_genList`, …).

use crate::error::{fail, ErrorKind, Result, Span};
use crate::eval::value::{Attrs, Key, Thunk, Value};
use crate::eval::Evaluator;
use std::collections::BTreeMap;
use std::rc::Rc;

/// `prim_map`: lazily, each element is `f x`.
pub fn prim_map(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[1], span)?;
    ev.alloc(l.len() as u64, span)?;
    Ok(Value::list(l.iter().map(|x| Thunk::apply(args[0].clone(), x.clone())).collect()))
}

/// `prim_filter`.
pub fn prim_filter(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut out = Vec::new();
    for x in l.iter() {
        let r = ev.call(f.clone(), x.clone(), span)?;
        match r {
            Value::Bool(true) => out.push(x.clone()),
            Value::Bool(false) => {}
            v => return crate::eval::type_err(&v, "a Boolean", span),
        }
    }
    if out.len() == l.len() {
        return Ok(Value::List(l));
    }
    Ok(Value::list(out))
}

/// `prim_foldlStrict`.
pub fn prim_foldl(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[2], span)?;
    let mut acc = args[1].clone();
    if l.is_empty() {
        return ev.force(&acc, span);
    }
    for x in l.iter() {
        let g = ev.call(f.clone(), acc, span)?;
        acc = Thunk::value(ev.call(g, x.clone(), span)?);
    }
    ev.force(&acc, span)
}

/// `prim_genList`.
pub fn prim_gen_list(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let n = ev.force_int(&args[1], span)?;
    if n < 0 {
        return fail(ErrorKind::Other(format!("cannot create list of size {n}")), span);
    }
    ev.alloc(n as u64, span)?;
    Ok(Value::list((0..n).map(|i| Thunk::apply(args[0].clone(), Thunk::value(Value::Int(i)))).collect()))
}

pub fn prim_length(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    Ok(Value::Int(ev.force_list(&args[0], span)?.len() as i64))
}

/// `prim_head`.
pub fn prim_head(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[0], span)?;
    match l.first() {
        Some(t) => ev.force(t, span),
        None => fail(ErrorKind::Other("list index 0 is out of bounds".into()), span),
    }
}

/// `prim_tail`.
pub fn prim_tail(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[0], span)?;
    if l.is_empty() {
        return fail(ErrorKind::Other("'tail' called on an empty list".into()), span);
    }
    Ok(Value::list(l[1..].to_vec()))
}

/// `prim_elemAt`.
pub fn prim_elem_at(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[0], span)?;
    let i = ev.force_int(&args[1], span)?;
    if i < 0 || i as usize >= l.len() {
        return fail(ErrorKind::Other(format!("list index {i} is out of bounds")), span);
    }
    ev.force(&l[i as usize], span)
}

/// `prim_elem`.
pub fn prim_elem(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[1], span)?;
    for x in l.iter() {
        if ev.eq_thunks(&args[0], x, span)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

/// `prim_concatLists`.
pub fn prim_concat_lists(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let l = ev.force_list(&args[0], span)?;
    let mut out = Vec::new();
    for x in l.iter() {
        let inner = ev.force_list(x, span)?;
        out.extend(inner.iter().cloned());
    }
    ev.alloc(out.len() as u64, span)?;
    Ok(Value::list(out))
}

/// `prim_concatMap`.
pub fn prim_concat_map(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut out = Vec::new();
    for x in l.iter() {
        match ev.call(f.clone(), x.clone(), span)? {
            Value::List(inner) => out.extend(inner.iter().cloned()),
            v => return crate::eval::type_err(&v, "a list", span),
        }
    }
    ev.alloc(out.len() as u64, span)?;
    Ok(Value::list(out))
}

fn any_all(ev: &mut Evaluator, args: &[Thunk], span: Span, any: bool) -> Result<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    for x in l.iter() {
        match ev.call(f.clone(), x.clone(), span)? {
            Value::Bool(b) if b == any => return Ok(Value::Bool(any)),
            Value::Bool(_) => {}
            v => return crate::eval::type_err(&v, "a Boolean", span),
        }
    }
    Ok(Value::Bool(!any))
}
pub fn prim_any(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    any_all(ev, args, span, true)
}
pub fn prim_all(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    any_all(ev, args, span, false)
}

/// `prim_sort`: a stable merge sort with the given `lessThan` (Nix uses `std::stable_sort`).
pub fn prim_sort(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut items: Vec<Thunk> = l.to_vec();
    for t in &items {
        ev.force(t, span)?;
    }
    // Insertion into a merge sort by hand, so the comparison can fail.
    let mut buf = items.clone();
    merge_sort(ev, &f, &mut items, &mut buf, span)?;
    Ok(Value::list(items))
}

fn merge_sort(ev: &mut Evaluator, f: &Value, v: &mut [Thunk], buf: &mut [Thunk], span: Span) -> Result<()> {
    let n = v.len();
    if n <= 1 {
        return Ok(());
    }
    let mid = n / 2;
    {
        let (l, r) = v.split_at_mut(mid);
        let (bl, br) = buf.split_at_mut(mid);
        merge_sort(ev, f, l, bl, span)?;
        merge_sort(ev, f, r, br, span)?;
    }
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        // Take from the right only when right < left (stability).
        let g = ev.call(f.clone(), v[j].clone(), span)?;
        let lt = match ev.call(g, v[i].clone(), span)? {
            Value::Bool(b) => b,
            o => return crate::eval::type_err(&o, "a Boolean", span),
        };
        if lt {
            buf[k] = v[j].clone();
            j += 1;
        } else {
            buf[k] = v[i].clone();
            i += 1;
        }
        k += 1;
    }
    while i < mid {
        buf[k] = v[i].clone();
        i += 1;
        k += 1;
    }
    while j < n {
        buf[k] = v[j].clone();
        j += 1;
        k += 1;
    }
    v.clone_from_slice(&buf[..n]);
    Ok(())
}

/// `prim_partition`.
pub fn prim_partition(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for x in l.iter() {
        match ev.call(f.clone(), x.clone(), span)? {
            Value::Bool(true) => right.push(x.clone()),
            Value::Bool(false) => wrong.push(x.clone()),
            v => return crate::eval::type_err(&v, "a Boolean", span),
        }
    }
    let mut a = Attrs::new();
    a.insert("right".into(), Thunk::value(Value::list(right)));
    a.insert("wrong".into(), Thunk::value(Value::list(wrong)));
    Ok(Value::attrs(a))
}

/// `prim_groupBy`.
pub fn prim_group_by(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut groups: BTreeMap<Rc<str>, Vec<Thunk>> = BTreeMap::new();
    for x in l.iter() {
        let k = ev.call(f.clone(), x.clone(), span)?;
        let k = ev.force_string_no_ctx(&Thunk::value(k), span)?;
        groups.entry(k).or_default().push(x.clone());
    }
    Ok(Value::attrs(groups.into_iter().map(|(k, v)| (Key::from(k), Thunk::value(Value::list(v)))).collect()))
}
