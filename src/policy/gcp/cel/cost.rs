//! The step estimate behind `budget::CEL_STEPS`: an upper bound of the work one
//! evaluation can do, read from the syntax tree and the size of the token.

use super::*;

/// Upper bounds for the cost estimate: the longest collection and the longest string
/// an expression can start from (the bindings' and its own literals').
#[derive(Clone, Copy, Debug)]
pub(super) struct Bounds {
    collection: u64,
    string: u64,
}

/// Estimated steps to evaluate `e`, and an upper bound of the length of the
/// collection (or string) it evaluates to. Each node costs one step; a
/// comprehension's condition and step cost once per element of its range, plus the
/// accumulator's copy (`map` and `filter` append to a list each time). Saturating: a
/// product that overflows is over any budget anyway.
pub(super) fn cost(e: &IdedExpr, b: Bounds) -> (u64, u64) {
    let parts = || -> Vec<(u64, u64)> { children(e).into_iter().map(|c| cost(c, b)).collect() };
    let sum = |parts: &[(u64, u64)]| {
        parts
            .iter()
            .fold(1u64, |acc, (s, _)| acc.saturating_add(*s))
    };
    match &e.expr {
        Expr::Comprehension(c) => {
            let (range_steps, n) = cost(&c.iter_range, b);
            let (init_steps, init_len) = cost(&c.accu_init, b);
            let (cond_steps, _) = cost(&c.loop_cond, b);
            let (step_steps, _) = cost(&c.loop_step, b);
            let (result_steps, _) = cost(&c.result, b);
            // `map` and `filter` append to a list accumulator: a copy per element.
            let copy = if matches!(c.accu_init.expr, Expr::List(_)) {
                n
            } else {
                0
            };
            let per_element = cond_steps.saturating_add(step_steps).saturating_add(copy);
            let steps = 1u64
                .saturating_add(range_steps)
                .saturating_add(init_steps)
                .saturating_add(n.saturating_mul(per_element))
                .saturating_add(result_steps);
            (steps, init_len.saturating_add(n))
        }
        Expr::Ident(_) => (1, b.collection),
        Expr::Literal(LiteralValue::String(s)) => (1, s.len() as u64),
        Expr::List(list) => (sum(&parts()), list.elements.len() as u64),
        Expr::Map(map) => (sum(&parts()), map.entries.len() as u64),
        Expr::Call(call) => {
            let parts = parts();
            let longest = parts.iter().map(|(_, l)| *l).max().unwrap_or(0);
            let len = match call.func_name.as_str() {
                "_+_" => parts
                    .iter()
                    .fold(0u64, |acc, (_, l)| acc.saturating_add(*l)),
                "split" => longest.max(b.string),
                _ => longest,
            };
            (sum(&parts), len)
        }
        Expr::Select(_) => {
            let parts = parts();
            (sum(&parts), b.collection)
        }
        Expr::Literal(_) | Expr::Struct(_) | Expr::Unspecified => (sum(&parts()), 0),
    }
}

/// The longest collection and string in a JSON value.
pub(super) fn json_bounds(value: &serde_json::Value) -> Bounds {
    let mut b = Bounds {
        collection: 0,
        string: 0,
    };
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => b.string = b.string.max(s.len() as u64),
            serde_json::Value::Array(items) => {
                b.collection = b.collection.max(items.len() as u64);
                stack.extend(items);
            }
            serde_json::Value::Object(map) => {
                b.collection = b.collection.max(map.len() as u64);
                for (k, v) in map {
                    b.string = b.string.max(k.len() as u64);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    b
}
