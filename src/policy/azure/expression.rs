//! The claims matching expression language of Entra flexible federated identity
//! credentials (preview, `languageVersion` 1), as
//! <https://learn.microsoft.com/entra/workload-id/workload-identities-flexible-federated-identity-credentials>
//! describes it: a claim lookup `claims['<claim>']`, an operator separated by a single
//! space, and a single-quoted comparand — `claims['sub'] matches 'repo:contoso/app:ref:refs/heads/*'`
//! — where `matches` takes `*` (any run, including none) and `?` (one character), `eq`
//! is exact equality, and `and` combines comparisons on several claims.
//!
//! A tokenizer and a recursive-descent parser turn the text into comparisons (kept in
//! source order, with character offsets, so a diagnosis can point at the one that
//! failed) and an `and`/`or` tree over them. Beyond the page: `or` and parentheses are
//! accepted (`and` binds tighter), `\'` and `''` escape a quote inside a string, and
//! any run of whitespace separates tokens; Entra validates expressions when they are
//! saved, so a configuration we are shown has already passed its stricter checks.
//! Keywords are case-sensitive, as the page writes them.

use crate::policy::glob::{self, Dialect};

/// How deeply parentheses may nest. Real expressions have none; the cap keeps the
/// recursive parser and evaluator from exhausting the stack on hostile input.
const MAX_DEPTH: usize = 32;

/// A range of characters `[start, end)` within the expression (characters, not bytes,
/// as `PolicyError::Expression` counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// The two documented operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// Wildcards: `*` any run of characters, `?` exactly one (glob `StarAndQuestion`).
    Matches,
    /// Exact, case-sensitive equality.
    Eq,
}

impl Operator {
    /// As the expression spells it.
    pub fn keyword(self) -> &'static str {
        match self {
            Operator::Matches => "matches",
            Operator::Eq => "eq",
        }
    }
}

/// One `claims['<claim>'] <operator> '<comparand>'` comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The claim name inside `claims['…']`. The page documents `sub` and
    /// `job_workflow_ref` for GitHub and `sub` for GitLab and Terraform Cloud; any name
    /// parses, because Entra (not the grammar) decides which claims an issuer allows.
    pub claim: String,
    pub operator: Operator,
    /// The comparand with its escapes resolved.
    pub comparand: String,
    /// The whole comparison.
    pub span: Span,
    /// The `claims['…']` lookup.
    pub claim_span: Span,
    /// The operator keyword.
    pub operator_span: Span,
    /// The quoted comparand, quotes included.
    pub comparand_span: Span,
}

impl Comparison {
    /// Whether a claim value satisfies the comparison. An absent claim satisfies
    /// nothing (the page does not say; a missing claim cannot match a pattern).
    pub fn holds(&self, value: Option<&str>) -> bool {
        match (value, self.operator) {
            (None, _) => false,
            (Some(v), Operator::Eq) => v == self.comparand,
            (Some(v), Operator::Matches) => {
                glob::matches(&self.comparand, v, Dialect::StarAndQuestion)
            }
        }
    }

    /// The comparison written back in canonical form (single spaces, escaped comparand).
    pub fn canonical(&self) -> String {
        format!(
            "claims[{}] {} {}",
            quote(&self.claim),
            self.operator.keyword(),
            quote(&self.comparand)
        )
    }
}

/// The boolean structure over the comparisons (indices into `comparisons`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Comparison(usize),
    All(Vec<Node>),
    Any(Vec<Node>),
}

impl Node {
    fn evaluate(&self, results: &[bool]) -> bool {
        match self {
            Node::Comparison(i) => results.get(*i).copied().unwrap_or(false),
            Node::All(items) => items.iter().all(|n| n.evaluate(results)),
            Node::Any(items) => items.iter().any(|n| n.evaluate(results)),
        }
    }

    fn has_any(&self) -> bool {
        match self {
            Node::Comparison(_) => false,
            Node::All(items) => items.iter().any(Node::has_any),
            Node::Any(_) => true,
        }
    }
}

/// A parsed claims matching expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimsExpression {
    source: String,
    comparisons: Vec<Comparison>,
    root: Node,
}

/// Why an expression does not parse, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at character {offset}: {message}")]
pub struct ExpressionError {
    /// Character offset (0-based) of the offending token or unclosed delimiter.
    pub offset: usize,
    pub message: String,
}

fn error(offset: usize, message: impl Into<String>) -> ExpressionError {
    ExpressionError {
        offset,
        message: message.into(),
    }
}

impl ClaimsExpression {
    /// Parse an expression (the `claimsMatchingExpression.value` string).
    pub fn parse(source: &str) -> Result<ClaimsExpression, ExpressionError> {
        let tokens = tokenize(source)?;
        let end = source.chars().count();
        let mut parser = Parser {
            tokens: &tokens,
            pos: 0,
            end,
            comparisons: Vec::new(),
        };
        if tokens.is_empty() {
            return Err(error(
                0,
                "the expression is empty: expected claims['<claim>'] <operator> '<comparand>'",
            ));
        }
        let root = parser.parse_or(0)?;
        if let Some(token) = parser.peek() {
            return Err(match &token.kind {
                Kind::RParen => error(token.span.start, "unmatched `)`: no `(` before it is open"),
                other => error(
                    token.span.start,
                    format!(
                        "expected `and`, `or` or the end of the expression, found {}{}",
                        other.describe(),
                        keyword_case_hint(other)
                    ),
                ),
            });
        }
        Ok(ClaimsExpression {
            source: source.to_owned(),
            comparisons: parser.comparisons,
            root,
        })
    }

    /// The expression as configured.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every comparison, in source order.
    pub fn comparisons(&self) -> &[Comparison] {
        &self.comparisons
    }

    /// Whether the expression uses `or` (then a false comparison does not by itself
    /// make the expression false).
    pub fn has_or(&self) -> bool {
        self.root.has_any()
    }

    /// The expression's value given each comparison's result (in `comparisons()` order;
    /// a missing result counts as false).
    pub fn evaluate_results(&self, results: &[bool]) -> bool {
        self.root.evaluate(results)
    }

    /// Evaluate against claim values looked up by name.
    pub fn evaluate<F>(&self, lookup: F) -> bool
    where
        F: Fn(&str) -> Option<String>,
    {
        let results: Vec<bool> = self
            .comparisons
            .iter()
            .map(|c| c.holds(lookup(&c.claim).as_deref()))
            .collect();
        self.evaluate_results(&results)
    }
}

/// How many comparisons an expression holds, counted from its tokens alone (linear in
/// its length) so that an expression over the budget is measured without building it.
pub fn comparison_count(source: &str) -> Result<usize, ExpressionError> {
    Ok(tokenize(source)?
        .iter()
        .filter(|t| matches!(&t.kind, Kind::Word(w) if w == "eq" || w == "matches"))
        .count())
}

/// A string literal as the language writes it: single quotes, `\` and `'` escaped with
/// a backslash.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Word(String),
    Str(String),
    LBracket,
    RBracket,
    LParen,
    RParen,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Word(w) => format!("`{w}`"),
            Kind::Str(s) => format!("the string {}", quote(s)),
            Kind::LBracket => "`[`".to_owned(),
            Kind::RBracket => "`]`".to_owned(),
            Kind::LParen => "`(`".to_owned(),
            Kind::RParen => "`)`".to_owned(),
        }
    }
}

/// "keywords are lowercase" when a word is a keyword in another case.
fn keyword_case_hint(kind: &Kind) -> String {
    let Kind::Word(w) = kind else {
        return String::new();
    };
    ["and", "or", "matches", "eq", "claims"]
        .iter()
        .find(|k| w.eq_ignore_ascii_case(k) && w != *k)
        .map(|k| format!(" (keywords are case-sensitive: write `{k}`)"))
        .unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Token {
    kind: Kind,
    span: Span,
}

fn tokenize(source: &str) -> Result<Vec<Token>, ExpressionError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        let single = |kind| Token {
            kind,
            span: Span {
                start,
                end: start + 1,
            },
        };
        match c {
            c if c.is_whitespace() => i += 1,
            '[' => {
                tokens.push(single(Kind::LBracket));
                i += 1;
            }
            ']' => {
                tokens.push(single(Kind::RBracket));
                i += 1;
            }
            '(' => {
                tokens.push(single(Kind::LParen));
                i += 1;
            }
            ')' => {
                tokens.push(single(Kind::RParen));
                i += 1;
            }
            '\'' => {
                let (value, end) = string_literal(&chars, start)?;
                tokens.push(Token {
                    kind: Kind::Str(value),
                    span: Span { start, end },
                });
                i = end;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                tokens.push(Token {
                    kind: Kind::Word(chars.get(start..i).unwrap_or_default().iter().collect()),
                    span: Span { start, end: i },
                });
            }
            // The page's own tables print the quotes typographically; copying from
            // them is the likeliest way to get these.
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => {
                return Err(error(
                    start,
                    format!("typographic quote `{c}`: strings take straight single quotes (')"),
                ));
            }
            '"' | '\u{201C}' | '\u{201D}' => {
                return Err(error(
                    start,
                    format!(
                        "`{c}` does not delimit strings here: claim names and comparands take single quotes (')"
                    ),
                ));
            }
            other => {
                return Err(error(start, format!("unexpected character `{other}`")));
            }
        }
    }
    Ok(tokens)
}

/// A single-quoted string starting at `start`: its value and the offset after the
/// closing quote. `\'` and `\\` are escapes, and so is `''` (the page says single
/// quotes are "interpreted as escape characters"); any other backslash is literal.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), ExpressionError> {
    let mut value = String::new();
    let mut j = start + 1;
    loop {
        match (chars.get(j), chars.get(j + 1)) {
            (None, _) => {
                return Err(error(
                    start,
                    format!("unterminated string: the quote at character {start} is never closed"),
                ));
            }
            (Some('\\'), Some(next @ ('\'' | '\\'))) => {
                value.push(*next);
                j += 2;
            }
            (Some('\''), Some('\'')) => {
                value.push('\'');
                j += 2;
            }
            (Some('\''), _) => return Ok((value, j + 1)),
            (Some(c), _) => {
                value.push(*c);
                j += 1;
            }
        }
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    /// Character length of the source: where "end of expression" errors point.
    end: usize,
    comparisons: Vec<Comparison>,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&'t Token> {
        let token = self.tokens.get(self.pos);
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Word(w), .. }) if w == word)
    }

    /// `or_expr := and_expr ('or' and_expr)*`
    fn parse_or(&mut self, depth: usize) -> Result<Node, ExpressionError> {
        let mut items = vec![self.parse_and(depth)?];
        while self.at_word("or") {
            self.pos += 1;
            items.push(self.parse_and(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Any(items)
        })
    }

    /// `and_expr := primary ('and' primary)*`
    fn parse_and(&mut self, depth: usize) -> Result<Node, ExpressionError> {
        let mut items = vec![self.parse_primary(depth)?];
        while self.at_word("and") {
            self.pos += 1;
            items.push(self.parse_primary(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::All(items)
        })
    }

    /// `primary := '(' or_expr ')' | comparison`
    fn parse_primary(&mut self, depth: usize) -> Result<Node, ExpressionError> {
        let Some(token) = self.peek() else {
            return Err(error(
                self.end,
                "expected claims['<claim>'] or `(`, found the end of the expression",
            ));
        };
        match &token.kind {
            Kind::LParen => {
                if depth >= MAX_DEPTH {
                    return Err(error(
                        token.span.start,
                        format!("parentheses nested more than {MAX_DEPTH} deep"),
                    ));
                }
                self.pos += 1;
                let inner = self.parse_or(depth + 1)?;
                match self.next() {
                    Some(Token {
                        kind: Kind::RParen, ..
                    }) => Ok(inner),
                    None => Err(error(
                        token.span.start,
                        format!("the `(` at character {} is never closed", token.span.start),
                    )),
                    Some(other) => Err(error(
                        other.span.start,
                        format!(
                            "expected `and`, `or` or `)` (closing the `(` at character {}), found {}{}",
                            token.span.start,
                            other.kind.describe(),
                            keyword_case_hint(&other.kind)
                        ),
                    )),
                }
            }
            Kind::Word(w) if w == "claims" => self.parse_comparison(),
            other => Err(error(
                token.span.start,
                format!(
                    "expected claims['<claim>'] or `(`, found {}{}",
                    other.describe(),
                    keyword_case_hint(other)
                ),
            )),
        }
    }

    /// `comparison := 'claims' '[' STRING ']' ('matches' | 'eq') STRING`
    fn parse_comparison(&mut self) -> Result<Node, ExpressionError> {
        let start = self.next().map_or(self.end, |t| t.span.start);
        let found = |t: Option<&Token>| {
            t.map_or_else(
                || "the end of the expression".to_owned(),
                |t| t.kind.describe(),
            )
        };
        let at = |t: Option<&Token>, end: usize| t.map_or(end, |t| t.span.start);

        let open = self.next();
        if !matches!(
            open,
            Some(Token {
                kind: Kind::LBracket,
                ..
            })
        ) {
            return Err(error(
                at(open, self.end),
                format!("expected `[` after `claims`, found {}", found(open)),
            ));
        }
        let name = self.next();
        let claim = match name {
            Some(Token {
                kind: Kind::Str(s),
                span,
            }) => {
                if s.is_empty() {
                    return Err(error(span.start, "the claim name is empty"));
                }
                s.clone()
            }
            other => {
                return Err(error(
                    at(other, self.end),
                    format!(
                        "expected the claim name in single quotes, as in claims['sub'], found {}",
                        found(other)
                    ),
                ));
            }
        };
        let close = self.next();
        let claim_end = match close {
            Some(Token {
                kind: Kind::RBracket,
                span,
            }) => span.end,
            other => {
                return Err(error(
                    at(other, self.end),
                    format!("expected `]` after the claim name, found {}", found(other)),
                ));
            }
        };
        let op = self.next();
        let (operator, operator_span) = match op {
            Some(Token {
                kind: Kind::Word(w),
                span,
            }) if w == "matches" => (Operator::Matches, *span),
            Some(Token {
                kind: Kind::Word(w),
                span,
            }) if w == "eq" => (Operator::Eq, *span),
            Some(Token {
                kind: kind @ Kind::Word(w),
                span,
            }) => {
                let hint = keyword_case_hint(kind);
                let message = if hint.is_empty() {
                    format!("unknown operator `{w}`: the language has `matches` and `eq`")
                } else {
                    format!("unknown operator `{w}`{hint}")
                };
                return Err(error(span.start, message));
            }
            other => {
                return Err(error(
                    at(other, self.end),
                    format!(
                        "expected an operator (`matches` or `eq`) after claims[{}], found {}",
                        quote(&claim),
                        found(other)
                    ),
                ));
            }
        };
        let value = self.next();
        let (comparand, comparand_span) = match value {
            Some(Token {
                kind: Kind::Str(s),
                span,
            }) => (s.clone(), *span),
            other => {
                return Err(error(
                    at(other, self.end),
                    format!(
                        "expected a single-quoted comparand after `{}`, found {}",
                        operator.keyword(),
                        found(other)
                    ),
                ));
            }
        };
        self.comparisons.push(Comparison {
            claim,
            operator,
            comparand,
            span: Span {
                start,
                end: comparand_span.end,
            },
            claim_span: Span {
                start,
                end: claim_end,
            },
            operator_span,
            comparand_span,
        });
        Ok(Node::Comparison(self.comparisons.len() - 1))
    }
}

#[cfg(test)]
mod tests {
    //! Grammar and semantics from
    //! <https://learn.microsoft.com/entra/workload-id/workload-identities-flexible-federated-identity-credentials>
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> ClaimsExpression {
        ClaimsExpression::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> ExpressionError {
        ClaimsExpression::parse(s).expect_err(s)
    }

    fn eval(e: &ClaimsExpression, claims: &[(&str, &str)]) -> bool {
        e.evaluate(|name| {
            claims
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn the_documented_example_parses_with_offsets() {
        let src = "claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*'";
        let e = parse(src);
        let [c] = e.comparisons() else {
            panic!("one comparison")
        };
        assert_eq!(c.claim, "sub");
        assert_eq!(c.operator, Operator::Matches);
        assert_eq!(c.comparand, "repo:contoso/contoso-repo:ref:refs/heads/*");
        assert_eq!(c.claim_span, Span { start: 0, end: 13 });
        assert_eq!(c.operator_span, Span { start: 14, end: 21 });
        assert_eq!(
            c.comparand_span,
            Span {
                start: 22,
                end: src.chars().count()
            }
        );
        assert_eq!(
            c.span,
            Span {
                start: 0,
                end: src.chars().count()
            }
        );
        assert_eq!(c.canonical(), src);
        assert!(eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo:ref:refs/heads/main")]
        ));
        assert!(eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo:ref:refs/heads/")]
        ));
        assert!(!eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo:pull_request")]
        ));
        assert!(!eval(&e, &[]), "an absent claim matches nothing");
    }

    #[test]
    fn question_mark_is_exactly_one_character() {
        // The page's second `matches` example.
        let e = parse("claims['sub'] matches 'repo:contoso/contoso-repo-*:ref:refs/heads/????'");
        assert!(eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo-api:ref:refs/heads/main")]
        ));
        assert!(eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo-:ref:refs/heads/dev1")]
        ));
        assert!(!eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo-api:ref:refs/heads/master")]
        ));
    }

    #[test]
    fn eq_is_exact_and_case_sensitive_and_star_is_literal() {
        let e = parse("claims['sub'] eq 'repo:contoso/contoso-repo:ref:refs/heads/main'");
        assert!(eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo:ref:refs/heads/main")]
        ));
        assert!(!eval(
            &e,
            &[("sub", "repo:Contoso/contoso-repo:ref:refs/heads/main")]
        ));
        assert!(!eval(
            &e,
            &[("sub", "repo:contoso/contoso-repo:ref:refs/heads/main2")]
        ));
        let star = parse("claims['sub'] eq 'repo:contoso/*'");
        assert!(!eval(&star, &[("sub", "repo:contoso/x")]));
        assert!(eval(&star, &[("sub", "repo:contoso/*")]));
        let m = parse("claims['sub'] matches 'Repo:*'");
        assert!(!eval(&m, &[("sub", "repo:x")]), "matches is case-sensitive");
    }

    #[test]
    fn and_combines_claims_as_the_page_shows() {
        let e = parse(
            "claims['sub'] eq 'repo:contoso/contoso-repo:ref:refs/heads/main' and claims['job_workflow_ref'] matches 'foo-org/bar-repo/.github/workflows/*@refs/heads/main'",
        );
        assert_eq!(e.comparisons().len(), 2);
        let sub = ("sub", "repo:contoso/contoso-repo:ref:refs/heads/main");
        assert!(eval(
            &e,
            &[
                sub,
                (
                    "job_workflow_ref",
                    "foo-org/bar-repo/.github/workflows/deploy.yml@refs/heads/main"
                )
            ]
        ));
        assert!(!eval(
            &e,
            &[
                sub,
                (
                    "job_workflow_ref",
                    "foo-org/bar-repo/.github/workflows/deploy.yml@refs/heads/dev"
                )
            ]
        ));
        assert!(!eval(&e, &[sub]));
        assert!(!e.has_or());
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // a or b and c  ==  a or (b and c)
        let e = parse("claims['a'] eq '1' or claims['b'] eq '1' and claims['c'] eq '1'");
        assert!(e.has_or());
        assert!(eval(&e, &[("a", "1")]));
        assert!(!eval(&e, &[("b", "1")]));
        assert!(eval(&e, &[("b", "1"), ("c", "1")]));
        // a and b or c  ==  (a and b) or c
        let e = parse("claims['a'] eq '1' and claims['b'] eq '1' or claims['c'] eq '1'");
        assert!(eval(&e, &[("c", "1")]));
        assert!(!eval(&e, &[("a", "1")]));
    }

    #[test]
    fn parentheses_override_precedence() {
        let e = parse("(claims['a'] eq '1' or claims['b'] eq '1') and claims['c'] eq '1'");
        assert!(!eval(&e, &[("a", "1")]));
        assert!(eval(&e, &[("a", "1"), ("c", "1")]));
        assert!(eval(&e, &[("b", "1"), ("c", "1")]));
        let nested = parse("((claims['a'] eq '1'))");
        assert!(eval(&nested, &[("a", "1")]));
        assert_eq!(nested.comparisons()[0].span, Span { start: 2, end: 20 });
    }

    #[test]
    fn escapes_inside_strings() {
        let e = parse(r"claims['sub'] eq 'it\'s'");
        assert_eq!(e.comparisons()[0].comparand, "it's");
        let e = parse("claims['sub'] eq 'it''s'");
        assert_eq!(e.comparisons()[0].comparand, "it's");
        let e = parse(r"claims['sub'] eq 'back\\slash'");
        assert_eq!(e.comparisons()[0].comparand, r"back\slash");
        let e = parse(r"claims['sub'] eq 'a\b'");
        assert_eq!(
            e.comparisons()[0].comparand,
            r"a\b",
            "other backslashes are literal"
        );
        let e = parse("claims['sub'] eq ''");
        assert_eq!(e.comparisons()[0].comparand, "");
        assert_eq!(
            e.comparisons()[0].comparand_span,
            Span { start: 17, end: 19 }
        );
    }

    #[test]
    fn whitespace_is_flexible() {
        let e = parse("  claims [ 'sub' ]\tmatches\n'x*'  ");
        assert_eq!(e.comparisons()[0].comparand, "x*");
        assert_eq!(e.comparisons()[0].span, Span { start: 2, end: 31 });
        parse("claims['sub']eq'x'");
    }

    #[test]
    fn every_error_names_its_offset() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty"),
            ("   ", 0, "empty"),
            ("claims['sub'] matches 'abc", 22, "unterminated string"),
            ("claims['sub", 7, "unterminated string"),
            ("claims['sub'] matches 'x''", 22, "unterminated"),
            ("claims('sub') eq 'x'", 6, "expected `[` after `claims`"),
            ("claims", 6, "expected `[` after `claims`, found the end"),
            ("claims[sub] eq 'x'", 7, "claim name in single quotes"),
            ("claims[''] eq 'x'", 7, "claim name is empty"),
            ("claims['sub' eq 'x'", 13, "expected `]`"),
            ("claims['sub'] 'x'", 14, "expected an operator"),
            ("claims['sub']", 13, "expected an operator"),
            ("claims['sub'] ne 'x'", 14, "unknown operator `ne`"),
            ("claims['sub'] Matches 'x'", 14, "write `matches`"),
            ("claims['sub'] EQ 'x'", 14, "write `eq`"),
            ("claims['sub'] eq", 16, "single-quoted comparand"),
            ("claims['sub'] eq sub", 17, "single-quoted comparand"),
            (
                "claims['sub'] eq 'x' AND claims['a'] eq 'y'",
                21,
                "write `and`",
            ),
            (
                "claims['sub'] eq 'x' Or claims['a'] eq 'y'",
                21,
                "write `or`",
            ),
            (
                "claims['sub'] eq 'x' claims['a'] eq 'y'",
                21,
                "expected `and`, `or` or the end",
            ),
            (
                "claims['sub'] eq 'x' and",
                24,
                "found the end of the expression",
            ),
            ("claims['sub'] eq 'x' or or", 24, "expected claims"),
            ("Claims['sub'] eq 'x'", 0, "write `claims`"),
            ("sub eq 'x'", 0, "expected claims['<claim>'] or `(`"),
            (
                "(claims['sub'] eq 'x'",
                0,
                "the `(` at character 0 is never closed",
            ),
            (
                "(claims['sub'] eq 'x' ]",
                22,
                "closing the `(` at character 0",
            ),
            ("claims['sub'] eq 'x')", 20, "unmatched `)`"),
            ("()", 1, "expected claims"),
            ("claims['sub'] eq 'x'.", 20, "unexpected character `.`"),
            ("claims['sub'] eq \"x\"", 17, "single quotes"),
            ("claims[\u{2018}sub\u{2019}] eq 'x'", 7, "typographic quote"),
            ("claims['sub'] == 'x'", 14, "unexpected character `=`"),
            ("claims['sub'] eq 5", 17, "unexpected character `5`"),
        ];
        for (src, offset, message) in cases {
            let e = err(src);
            assert_eq!(e.offset, *offset, "{src:?}: {e}");
            assert!(
                e.message.contains(message),
                "{src:?}: {} (wanted {message:?})",
                e.message
            );
        }
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let e = err("claims['sub'] eq 'é' x");
        assert_eq!(e.offset, 21);
        let ok = parse("claims['sub'] eq 'é'");
        assert_eq!(ok.comparisons()[0].span.end, 20);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!(
            "{}claims['a'] eq 'x'{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        let e = err(&deep);
        assert_eq!(e.offset, MAX_DEPTH);
        assert!(e.message.contains("nested"));
        let ok = format!(
            "{}claims['a'] eq 'x'{}",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        assert!(eval(&parse(&ok), &[("a", "x")]));
    }

    #[test]
    fn quote_round_trips() {
        for s in ["", "plain", "it's", r"a\b", r"\'", "''"] {
            let e = parse(&format!("claims['sub'] eq {}", quote(s)));
            assert_eq!(e.comparisons()[0].comparand, s);
        }
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_text_never_panics(s in "\\PC{0,64}") {
            let _ = ClaimsExpression::parse(&s);
        }

        #[test]
        fn parsing_expression_shaped_text_never_panics(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("claims".to_owned()), Just("[".to_owned()), Just("]".to_owned()),
                    Just("(".to_owned()), Just(")".to_owned()), Just("'sub'".to_owned()),
                    Just("'".to_owned()), Just("\\".to_owned()), Just(" and ".to_owned()),
                    Just(" or ".to_owned()), Just(" eq ".to_owned()), Just(" matches ".to_owned()),
                    "[a-z*?' ]{0,4}",
                ],
                0..24,
            )
        ) {
            let s: String = parts.concat();
            if let Err(e) = ClaimsExpression::parse(&s) {
                prop_assert!(e.offset <= s.chars().count());
            }
        }

        /// `eq 'X'` and `matches 'X'` agree whenever X has no wildcard.
        #[test]
        fn eq_and_matches_agree_without_wildcards(x in "[^*?]{0,24}", other in "[^*?]{0,24}") {
            let eq = ClaimsExpression::parse(&format!("claims['sub'] eq {}", quote(&x))).unwrap();
            let matches = ClaimsExpression::parse(&format!("claims['sub'] matches {}", quote(&x))).unwrap();
            prop_assert_eq!(&eq.comparisons()[0].comparand, &x);
            for value in [x.as_str(), other.as_str()] {
                let lookup = |_: &str| Some(value.to_owned());
                prop_assert_eq!(eq.evaluate(lookup), matches.evaluate(lookup));
            }
        }

        #[test]
        fn quoted_strings_round_trip(s in "\\PC{0,32}") {
            let e = ClaimsExpression::parse(&format!("claims['sub'] eq {} or claims[{}] eq 'x'", quote(&s), quote(&format!("c{s}")))).unwrap();
            prop_assert_eq!(&e.comparisons()[0].comparand, &s);
            prop_assert_eq!(&e.comparisons()[1].claim, &format!("c{s}"));
        }
    }
}
