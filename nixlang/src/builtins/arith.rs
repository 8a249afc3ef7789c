//! Arithmetic and comparison (`prim_add`, `prim_sub`, `prim_mul`, `prim_div`, `prim_lessThan`,
//! bit operations; `primops.cc`).

use crate::error::{fail, ErrorKind, Result, Span};
use crate::eval::{type_err, Evaluator};
use crate::value::{Thunk, Value};

fn float(v: &Value, span: Span) -> Result<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        v => type_err(v, "a float", span),
    }
}

fn int(v: &Value, span: Span) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        v => type_err(v, "an integer", span),
    }
}

fn either_float(a: &Value, b: &Value) -> bool {
    matches!(a, Value::Float(_)) || matches!(b, Value::Float(_))
}

/// `prim_add` (the built-in; the `+` operator is `ExprConcatStrings`).
pub fn add(_: &mut Evaluator, a: Value, b: Value, span: Span) -> Result<Value> {
    if either_float(&a, &b) {
        Ok(Value::Float(float(&a, span)? + float(&b, span)?))
    } else {
        Ok(Value::Int(int(&a, span)?.wrapping_add(int(&b, span)?)))
    }
}

/// `prim_sub`.
pub fn sub(_: &mut Evaluator, a: Value, b: Value, span: Span) -> Result<Value> {
    if either_float(&a, &b) {
        Ok(Value::Float(float(&a, span)? - float(&b, span)?))
    } else {
        Ok(Value::Int(int(&a, span)?.wrapping_sub(int(&b, span)?)))
    }
}

/// `prim_mul`.
pub fn mul(_: &mut Evaluator, a: Value, b: Value, span: Span) -> Result<Value> {
    if either_float(&a, &b) {
        Ok(Value::Float(float(&a, span)? * float(&b, span)?))
    } else {
        Ok(Value::Int(int(&a, span)?.wrapping_mul(int(&b, span)?)))
    }
}

/// `prim_div`: `division by zero` for a zero divisor, ints truncate toward zero.
pub fn div(_: &mut Evaluator, a: Value, b: Value, span: Span) -> Result<Value> {
    let fb = float(&b, span)?;
    if fb == 0.0 {
        return fail(ErrorKind::DivisionByZero, span);
    }
    if either_float(&a, &b) {
        Ok(Value::Float(float(&a, span)? / fb))
    } else {
        let (x, y) = (int(&a, span)?, int(&b, span)?);
        if x == i64::MIN && y == -1 {
            return fail(ErrorKind::Other("overflow in integer division".into()), span);
        }
        Ok(Value::Int(x / y))
    }
}

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
    Ok(Value::Int(float(&v, span)?.ceil() as i64))
}
pub fn prim_floor(ev: &mut Evaluator, args: &[Thunk], span: Span) -> Result<Value> {
    let v = ev.force(&args[0], span)?;
    Ok(Value::Int(float(&v, span)?.floor() as i64))
}
