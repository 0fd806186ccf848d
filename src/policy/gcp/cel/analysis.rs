//! What the diagnosis reads from a syntax tree: the claims an expression reads and
//! the literals it compares them with.

use super::*;

/// The node as CEL text, for the forms conditions use; `…` for the rest.
pub(super) fn render(e: &IdedExpr) -> String {
    match &e.expr {
        Expr::Ident(name) => name.clone(),
        Expr::Select(s) if s.test => format!("has({})", render(&s.operand)),
        Expr::Select(s) => format!("{}.{}", render(&s.operand), s.field),
        Expr::Literal(LiteralValue::String(s)) => {
            format!("'{}'", s.inner().replace('\\', "\\\\").replace('\'', "\\'"))
        }
        Expr::Literal(LiteralValue::Int(i)) => i.inner().to_string(),
        Expr::Literal(LiteralValue::Boolean(b)) => b.inner().to_string(),
        Expr::Call(call) if call.func_name == "_[_]" => match call.args.as_slice() {
            [a, b] => format!("{}[{}]", render(a), render(b)),
            _ => "…".to_owned(),
        },
        Expr::Call(call) if call.func_name == "_+_" => match call.args.as_slice() {
            [a, b] => format!("{} + {}", render(a), render(b)),
            _ => "…".to_owned(),
        },
        Expr::Call(call) if !is_operator(&call.func_name) => {
            let args: Vec<String> = call.args.iter().map(render).collect();
            match &call.target {
                Some(t) => format!("{}.{}({})", render(t), call.func_name, args.join(", ")),
                None => format!("{}({})", call.func_name, args.join(", ")),
            }
        }
        _ => "…".to_owned(),
    }
}

/// Reads and comparisons, collected in source order.
pub(super) struct Analysis {
    pub(super) reads: Vec<Path>,
    pub(super) comparisons: Vec<Comparison>,
}

impl Analysis {
    pub(super) fn compare(&mut self, operand: &IdedExpr, literal: &str, kind: CompareKind) {
        self.comparisons.push(Comparison {
            operand: Arc::new(operand.clone()),
            operand_text: render(operand),
            path: path_of(operand),
            literal: literal.to_owned(),
            kind,
        });
    }

    pub(super) fn walk(&mut self, e: &IdedExpr, negated: bool) {
        if let Some(p) = path_of(e) {
            self.reads.push(p);
        }
        if let Expr::Call(call) = &e.expr {
            let negates = matches!(call.func_name.as_str(), "!_" | "_!=_");
            if !negated && !negates {
                match (
                    call.func_name.as_str(),
                    call.target.as_deref(),
                    call.args.as_slice(),
                ) {
                    ("_==_", None, [a, b]) => match (string_literal(a), string_literal(b)) {
                        (None, Some(lit)) => self.compare(a, lit, CompareKind::Equals),
                        (Some(lit), None) => self.compare(b, lit, CompareKind::Equals),
                        _ => {}
                    },
                    ("@in", None, [a, b]) => match (&b.expr, string_literal(a)) {
                        (Expr::List(list), None) => {
                            for lit in list.elements.iter().filter_map(string_literal) {
                                self.compare(a, lit, CompareKind::OneOf);
                            }
                        }
                        (_, Some(lit)) => self.compare(b, lit, CompareKind::Contains),
                        _ => {}
                    },
                    ("startsWith", Some(target), [arg]) => {
                        if let Some(lit) = string_literal(arg) {
                            self.compare(target, lit, CompareKind::Prefix);
                        }
                    }
                    _ => {}
                }
            }
            for child in children(e) {
                self.walk(child, negated || negates);
            }
            return;
        }
        if path_of(e).is_some() {
            // `assertion.x.y`: `x` is recorded; do not record deeper levels again.
            return;
        }
        for child in children(e) {
            self.walk(child, negated);
        }
    }
}
