//! Arithmetic and comparison built-ins (`prim_add`, `prim_sub`, `prim_mul`, `prim_div`,
//! `prim_lessThan`, bit operations; `primops.cc`); the operators themselves are `eval::arith`.

use crate::error::{Result, Span};
use crate::eval::arith::{add, div, float, mul, sub};
use crate::eval::value::{Thunk, Value};
use crate::eval::Evaluator;

fn two(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<(Value, Value)> {
    Ok((ev.force(&args[0], span)?, ev.force(&args[1], span)?))
}

pub fn prim_add(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let (a, b) = two(ev, args, span)?;
    add(ev, a, b, span)
}
pub fn prim_sub(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let (a, b) = two(ev, args, span)?;
    sub(ev, a, b, span)
}
pub fn prim_mul(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let (a, b) = two(ev, args, span)?;
    mul(ev, a, b, span)
}
pub fn prim_div(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let (a, b) = two(ev, args, span)?;
    div(ev, a, b, span)
}
/// `prim_lessThan`.
pub fn prim_less_than(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let (a, b) = two(ev, args, span)?;
    Ok(Value::Bool(ev.less_than(&a, &b, span)?))
}
pub fn prim_bit_and(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    Ok(Value::Int(ev.force_int(&args[0], span)? & ev.force_int(&args[1], span)?))
}
pub fn prim_bit_or(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    Ok(Value::Int(ev.force_int(&args[0], span)? | ev.force_int(&args[1], span)?))
}
pub fn prim_bit_xor(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    Ok(Value::Int(ev.force_int(&args[0], span)? ^ ev.force_int(&args[1], span)?))
}
/// `prim_ceil`, `prim_floor`.
pub fn prim_ceil(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    Ok(Value::Int(to_int(float(&v, span)?.ceil())))
}
pub fn prim_floor(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    Ok(Value::Int(to_int(float(&v, span)?.floor())))
}

/// C++'s `(NixInt) f` on x86-64 (`cvttsd2si`): out of range or NaN gives the "integer
/// indefinite" value, `i64::MIN` (Rust's `as` would saturate instead).
fn to_int(f: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}
