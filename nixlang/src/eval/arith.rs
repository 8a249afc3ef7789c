//! The arithmetic operators `-`, `*`, `/` (`ExprOpSub`…, which Nix parses to calls of
//! `__sub`, `__mul`, `__div`) and the coercions they share with the built-ins of the same names
//! (`prim_add`, `prim_sub`, `prim_mul`, `prim_div` in `primops.cc`).

use super::value::Value;
use super::{type_err, Evaluator};
use crate::error::{fail, ErrorKind, Result, Span};

pub(crate) fn float(v: &Value, span: Span) -> Result<f64> {
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
