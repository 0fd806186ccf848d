//! The CEL environment of GCP workload identity federation: attribute mappings are
//! CEL over `assertion` (the token's claims as JSON), the attribute condition is CEL
//! over `assertion`, `google` and `attribute`
//! (<https://cloud.google.com/iam/docs/workload-identity-federation#attribute-mapping> ,
//! <https://cloud.google.com/iam/docs/workload-identity-federation#conditions>). The
//! interpreter is the `cel` crate with the standard library, the strings extension
//! and GCP's own `extract()`; this module compiles expressions (with the checks a CEL
//! type-checker would make: undeclared variables and unknown functions are errors
//! here, not at evaluation), evaluates them, and reads from the syntax tree what the
//! diagnosis needs: which claims a condition reads and which literals it compares them
//! with.
//!
//! The `cel` parser (ANTLR-generated) and interpreter recurse once per nesting level,
//! with large frames in debug builds: a few dozen nested brackets overflow a 2 MB
//! thread stack, and a stack overflow aborts the process (it cannot be caught). So
//! every parse and evaluation runs on a worker thread with a 64 MB stack (reserved,
//! not committed), trees deeper than [`MAX_DEPTH`] are refused at compile time, and
//! the worker's `join` also turns a panic into an error (none was seen fuzzing the
//! parser with 100 000 random inputs, but the crate is not ours).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue, SourceInfo};
use cel::common::types::CelString;
use cel::objects::{Key, Map};
use cel::{Context, Env, ExecutionError, Value};

use crate::policy::budget;

mod analysis;
mod cost;
#[cfg(test)]
mod tests;

use analysis::Analysis;
use cost::{cost, json_bounds};

/// Worker stack for parsing and evaluation. The parser gives up by itself at about 96
/// nesting levels (about 15 MB of stack in a debug build); evaluation of a tree of
/// [`MAX_DEPTH`] levels needs a few MB.
const WORKER_STACK: usize = 64 << 20;

/// The deepest syntax tree accepted. GCP bounds expressions by length (2048 characters
/// for a mapping, 4096 for the condition) but `a + a + … + a` is as deep as it is
/// long, and evaluating it recurses that deep.
pub const MAX_DEPTH: usize = 128;

/// Variables a mapping may read.
pub const MAPPING_VARIABLES: &[&str] = &["assertion"];
/// Variables the attribute condition may read.
pub const CONDITION_VARIABLES: &[&str] = &["assertion", "google", "attribute"];

/// Type names an expression may mention (`type(x) == string`).
const TYPE_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "dyn",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "type",
    "uint",
];

static ENV: LazyLock<Result<Arc<Env>, String>> = LazyLock::new(build_env);

fn build_env() -> Result<Arc<Env>, String> {
    let mut env = Env::stdlib();
    // GCP does not list the CEL extensions it enables; the strings extension is
    // accepted so that a provider GCP accepted is never refused here.
    env.add_extension(cel::extensions::strings)
        .map_err(|e| e.to_string())?;
    cel::add_member_overload!(env, fn extract: (CelString, CelString) -> Result<CelString>)
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(env))
}

/// A template of `extract()`: literal text, one `{placeholder}`, literal text.
#[derive(Debug, PartialEq, Eq)]
pub struct Template<'a> {
    pub before: &'a str,
    pub after: &'a str,
}

/// Split an `extract()` template. GCP documents templates with exactly one
/// `{placeholder}` (`'repo:{repo}:'`, `'{name}@example.com'`); anything else is refused.
pub fn template(template: &str) -> Result<Template<'_>, String> {
    let open = template
        .find('{')
        .ok_or_else(|| format!("the template `{template}` has no {{placeholder}}"))?;
    let close = template[open..]
        .find('}')
        .map(|i| open + i)
        .ok_or_else(|| format!("the template `{template}` has an unclosed {{"))?;
    let (before, after) = (&template[..open], &template[close + 1..]);
    if after.contains(['{', '}']) || before.contains('}') {
        return Err(format!(
            "the template `{template}` must have exactly one {{placeholder}}"
        ));
    }
    Ok(Template { before, after })
}

/// GCP's `extract()`: the text of `value` that stands where the template's placeholder
/// is, given the literal text before and after it; an empty string when the value does
/// not fit. The text before is found at its first occurrence, the text after at its
/// first occurrence following it; an empty text after runs to the end
/// (<https://cloud.google.com/iam/docs/workload-identity-federation#attribute-mapping> ;
/// the first-occurrence rule is our reading of the documented examples
/// `assertion.arn.extract('assumed-role/{role_name}/')`).
pub fn extract_text<'v>(value: &'v str, template: &Template<'_>) -> &'v str {
    let start = if template.before.is_empty() {
        Some(0)
    } else {
        value
            .find(template.before)
            .map(|i| i + template.before.len())
    };
    let Some(start) = start else { return "" };
    let rest = value.get(start..).unwrap_or_default();
    if template.after.is_empty() {
        return rest;
    }
    match rest.find(template.after) {
        Some(end) => rest.get(..end).unwrap_or_default(),
        None => "",
    }
}

fn extract(
    this: &CelString<'_>,
    pattern: &CelString<'_>,
) -> Result<CelString<'static>, ExecutionError> {
    let t = template(pattern.inner()).map_err(|e| ExecutionError::function_error("extract", e))?;
    Ok(CelString::from(extract_text(this.inner(), &t).to_owned()))
}

/// Run `f` on a worker with a large stack; `None` when the worker panicked or could
/// not start.
pub fn on_worker<R: Send>(f: impl FnOnce() -> R + Send) -> Option<R> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("gcp-cel".to_owned())
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, f)
            .ok()?;
        handle.join().ok()
    })
}

/// How a bounded worker ended.
pub enum Worker<R> {
    Done(R),
    /// It panicked or could not start.
    Failed,
    /// It was still running at the time limit. It is left to finish on its own (the
    /// interpreter cannot be interrupted); the step estimate keeps this rare.
    TimedOut,
}

/// Run `f` on a worker with a large stack, waiting at most `limit` for it.
pub fn on_worker_within<R: Send + 'static>(
    limit: std::time::Duration,
    f: impl FnOnce() -> R + Send + 'static,
) -> Worker<R> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("gcp-cel".to_owned())
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return Worker::Failed;
    }
    match rx.recv_timeout(limit) {
        Ok(r) => Worker::Done(r),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Worker::TimedOut,
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Worker::Failed,
    }
}

/// Where an expression reads a value from: a claim (`assertion.ref`,
/// `assertion['ref']`), a custom attribute (`attribute.repository`) or a Google
/// attribute (`google.subject`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Path {
    Claim(String),
    Attribute(String),
    Google(String),
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Claim(c) => write!(f, "assertion.{c}"),
            Path::Attribute(a) => write!(f, "attribute.{a}"),
            Path::Google(g) => write!(f, "google.{g}"),
        }
    }
}

/// How a literal is compared with an operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareKind {
    /// `x == 'lit'`.
    Equals,
    /// `x in ['a', 'b']` (one comparison per literal).
    OneOf,
    /// `'lit' in x` (x a list).
    Contains,
    /// `x.startsWith('lit')`.
    Prefix,
}

/// A string literal compared with an operand, as the condition writes it.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The operand, evaluated on demand to show the token's value.
    pub operand: Arc<IdedExpr>,
    /// The operand as text (`assertion.ref`, `assertion.sub.extract('repo:{repo}:')`).
    pub operand_text: String,
    /// The operand when it is a plain claim or attribute.
    pub path: Option<Path>,
    pub literal: String,
    pub kind: CompareKind,
}

impl Comparison {
    /// Whether the token's value of the operand satisfies this comparison.
    pub fn holds(&self, actual: &serde_json::Value) -> bool {
        match (self.kind, actual) {
            (CompareKind::Equals | CompareKind::OneOf, serde_json::Value::String(s)) => {
                *s == self.literal
            }
            (CompareKind::Prefix, serde_json::Value::String(s)) => s.starts_with(&self.literal),
            (CompareKind::Contains, serde_json::Value::Array(items)) => items
                .iter()
                .any(|i| i.as_str() == Some(self.literal.as_str())),
            _ => false,
        }
    }
}

/// A compiled expression and what the diagnosis reads from its syntax tree.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub source: String,
    /// The syntax tree; `None` when the expression is over a static budget.
    expression: Option<Arc<IdedExpr>>,
    /// The static budget it exceeds (length or nodes): it is kept, not evaluated.
    pub oversize: Option<Oversize>,
    /// Claims and attributes it reads, in order of appearance, without repeats.
    pub reads: Vec<Path>,
    /// Literals compared with operands, in order of appearance (not under a negation).
    pub comparisons: Vec<Comparison>,
    /// The expression when it is nothing but a claim (`assertion.repository_owner`).
    pub bare: Option<Path>,
}

/// A budget an expression exceeds (`budget::CEL_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Oversize {
    pub size: u64,
    /// `characters`, `nodes`, `evaluation steps`, `seconds`.
    pub unit: &'static str,
    pub limit: u64,
}

/// Why an expression does not compile: where (character offset, from 0) and the
/// message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub offset: usize,
    pub message: String,
}

/// The character offset of a 1-based (line, column) position, columns in characters
/// as the `cel` parser reports them.
fn offset_of_position(source: &str, line: isize, column: isize) -> usize {
    let line = usize::try_from(line.max(1)).unwrap_or(1);
    let column = usize::try_from(column.max(1)).unwrap_or(1);
    let before: usize = source
        .split_inclusive('\n')
        .take(line - 1)
        .map(|l| l.chars().count())
        .sum();
    before + column - 1
}

/// The character offset of a byte offset (the syntax tree records bytes).
fn char_offset(source: &str, byte: u32) -> usize {
    let byte = usize::try_from(byte)
        .unwrap_or(usize::MAX)
        .min(source.len());
    let mut at = byte;
    while at > 0 && !source.is_char_boundary(at) {
        at -= 1;
    }
    source.get(..at).map_or(0, |s| s.chars().count())
}

/// Compile `source`, allowing the given variables.
pub fn compile(source: &str, variables: &'static [&'static str]) -> Result<Compiled, CompileError> {
    let env = ENV.as_ref().map_err(|e| CompileError {
        offset: 0,
        message: format!("the CEL environment could not be built: {e}"),
    })?;
    let characters = source.chars().count();
    if characters > budget::CEL_CHARACTERS {
        // Not parsed: the parser's time and memory grow with the text.
        return Ok(Compiled {
            source: source.to_owned(),
            expression: None,
            oversize: Some(Oversize {
                size: characters as u64,
                unit: "characters",
                limit: budget::CEL_CHARACTERS as u64,
            }),
            reads: Vec::new(),
            comparisons: Vec::new(),
            bare: None,
        });
    }
    let env = Arc::clone(env);
    let result = on_worker(move || compile_here(&env, source, variables));
    result.unwrap_or_else(|| {
        Err(CompileError {
            offset: 0,
            message: "the CEL parser failed on this expression".to_owned(),
        })
    })
}

fn compile_here(
    env: &Arc<Env>,
    source: &str,
    variables: &[&str],
) -> Result<Compiled, CompileError> {
    let program = env
        .compile(source)
        .map_err(|errors| match errors.errors.first() {
            Some(e) => CompileError {
                offset: offset_of_position(source, e.pos.0, e.pos.1),
                message: e.msg.clone(),
            },
            None => CompileError {
                offset: 0,
                message: "the expression does not parse".to_owned(),
            },
        })?;
    let expression = program.expression();
    let depth = depth(expression);
    if depth > MAX_DEPTH {
        return Err(CompileError {
            offset: 0,
            message: format!(
                "the expression nests {depth} levels deep; at most {MAX_DEPTH} are evaluated"
            ),
        });
    }
    let nodes = node_count(expression);
    if nodes > budget::CEL_NODES {
        return Ok(Compiled {
            source: source.to_owned(),
            expression: None,
            oversize: Some(Oversize {
                size: nodes as u64,
                unit: "nodes",
                limit: budget::CEL_NODES as u64,
            }),
            reads: Vec::new(),
            comparisons: Vec::new(),
            bare: None,
        });
    }
    let info = program.source_info();
    let mut checker = Checker {
        env,
        source,
        info,
        variables,
        scopes: Vec::new(),
    };
    checker.check(expression)?;
    let mut analysis = Analysis {
        reads: Vec::new(),
        comparisons: Vec::new(),
    };
    analysis.walk(expression, false);
    let mut seen = BTreeSet::new();
    let reads = analysis
        .reads
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect();
    Ok(Compiled {
        source: source.to_owned(),
        bare: path_of(expression),
        expression: Some(Arc::new(expression.clone())),
        oversize: None,
        reads,
        comparisons: analysis.comparisons,
    })
}

/// The children of a node, in source order.
fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        Expr::Call(call) => call
            .target
            .as_deref()
            .into_iter()
            .chain(call.args.iter())
            .collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(map) => map
            .entries
            .iter()
            .flat_map(|entry| match &entry.expr {
                EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
                EntryExpr::StructField(f) => vec![&f.value],
            })
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter()
            .flat_map(|entry| match &entry.expr {
                EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
                EntryExpr::StructField(f) => vec![&f.value],
            })
            .collect(),
        Expr::Select(select) => vec![select.operand.as_ref()],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// Nodes of the tree, without recursion.
fn node_count(root: &IdedExpr) -> usize {
    let mut count = 0;
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        count += 1;
        stack.extend(children(e));
    }
    count
}

/// Depth of the tree, without recursion (the tree may be arbitrarily deep).
fn depth(root: &IdedExpr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(root, 1usize)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        stack.extend(children(e).into_iter().map(|c| (c, d + 1)));
    }
    deepest
}

fn is_operator(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('@') || name == "!_" || name == "-_"
}

/// Whether the environment declares a function of this name (global or member).
fn declared(env: &Arc<Env>, name: &str) -> bool {
    // `Context::add_function` refuses exactly the names the environment declares as
    // overloads: the one public way to ask.
    Context::with_env(Arc::clone(env))
        .add_function(name, || false)
        .is_err()
}

/// The type-checker's share of the work: every identifier is a declared variable, a
/// comprehension variable or a type; every function is declared; `extract()`
/// templates written as literals are well-formed.
struct Checker<'a> {
    env: &'a Arc<Env>,
    source: &'a str,
    info: &'a SourceInfo,
    variables: &'a [&'a str],
    scopes: Vec<String>,
}

impl Checker<'_> {
    fn offset(&self, e: &IdedExpr) -> usize {
        self.info
            .offset_for(e.id)
            .map_or(0, |(start, _)| char_offset(self.source, start))
    }

    fn error(&self, e: &IdedExpr, message: String) -> CompileError {
        CompileError {
            offset: self.offset(e),
            message,
        }
    }

    fn check(&mut self, e: &IdedExpr) -> Result<(), CompileError> {
        match &e.expr {
            Expr::Ident(name) => {
                let known = name.starts_with('@')
                    || self.scopes.iter().any(|s| s == name)
                    || self.variables.contains(&name.as_str())
                    || TYPE_NAMES.contains(&name.as_str());
                if known {
                    Ok(())
                } else {
                    Err(self.error(
                        e,
                        format!(
                            "undeclared reference to '{name}' (this expression may read {})",
                            self.variables.join(", ")
                        ),
                    ))
                }
            }
            Expr::Call(call) => {
                if !is_operator(&call.func_name) {
                    // `optional.of(x)`, `strings.quote(s)`: a qualified function name.
                    let qualified = call
                        .target
                        .as_deref()
                        .and_then(qualified_name)
                        .map(|q| format!("{q}.{}", call.func_name));
                    if qualified.as_deref().is_some_and(|q| declared(self.env, q)) {
                        for arg in &call.args {
                            self.check(arg)?;
                        }
                        return Ok(());
                    }
                    if !declared(self.env, &call.func_name) {
                        let at = self.offset(e);
                        // The call's offset is its `(`; point at the name before it.
                        let name_len = call.func_name.chars().count();
                        let before: String = self
                            .source
                            .chars()
                            .skip(at.saturating_sub(name_len))
                            .take(name_len)
                            .collect();
                        let offset = if before == call.func_name {
                            at - name_len
                        } else {
                            at
                        };
                        return Err(CompileError {
                            offset,
                            message: format!(
                                "undeclared reference to function '{}'",
                                call.func_name
                            ),
                        });
                    }
                    if call.func_name == "extract"
                        && let Some(arg) = call.args.first()
                        && let Some(t) = string_literal(arg)
                    {
                        template(t).map_err(|m| self.error(arg, m))?;
                    }
                }
                for child in children(e) {
                    self.check(child)?;
                }
                Ok(())
            }
            Expr::Comprehension(c) => {
                self.check(&c.iter_range)?;
                self.check(&c.accu_init)?;
                let pushed = 2 + usize::from(c.iter_var2.is_some());
                self.scopes.push(c.iter_var.clone());
                self.scopes.push(c.accu_var.clone());
                if let Some(v) = &c.iter_var2 {
                    self.scopes.push(v.clone());
                }
                let result = [&c.loop_cond, &c.loop_step, &c.result]
                    .into_iter()
                    .try_for_each(|x| self.check(x));
                self.scopes.truncate(self.scopes.len() - pushed);
                result
            }
            _ => children(e).into_iter().try_for_each(|c| self.check(c)),
        }
    }
}

/// `a.b.c` as text, when the node spells a qualified name.
fn qualified_name(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Ident(name) => Some(name.clone()),
        Expr::Select(s) if !s.test => Some(format!("{}.{}", qualified_name(&s.operand)?, s.field)),
        _ => None,
    }
}

fn string_literal(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner()),
        _ => None,
    }
}

/// The claim or attribute a node reads: `assertion.x`, `assertion['x']`,
/// `attribute.x`, `google.subject`; deeper selections (`assertion.x.y`) read `x`.
fn path_of(e: &IdedExpr) -> Option<Path> {
    let root = |var: &str, field: &str| match var {
        "assertion" => Some(Path::Claim(field.to_owned())),
        "attribute" => Some(Path::Attribute(field.to_owned())),
        "google" => Some(Path::Google(field.to_owned())),
        _ => None,
    };
    match &e.expr {
        Expr::Select(s) if !s.test => match &s.operand.expr {
            Expr::Ident(var) => root(var, &s.field),
            _ => path_of(&s.operand),
        },
        Expr::Call(call) if call.func_name == "_[_]" && call.target.is_none() => {
            match call.args.as_slice() {
                [
                    IdedExpr {
                        expr: Expr::Ident(var),
                        ..
                    },
                    key,
                ] => root(var, string_literal(key)?),
                [inner, _] => path_of(inner),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The values an expression is evaluated with.
pub struct Bindings {
    pub assertion: Value,
    /// `google` and `attribute`, for the condition.
    pub google: Option<Value>,
    pub attribute: Option<Value>,
}

/// A JSON value as a CEL value: objects are maps, integers that fit are `int`.
pub fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::UInt(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(items) => {
            Value::List(Arc::new(items.iter().map(from_json).collect()))
        }
        serde_json::Value::Object(map) => {
            string_map(map.iter().map(|(k, v)| (k.clone(), from_json(v))))
        }
    }
}

/// A CEL map with string keys.
pub fn string_map(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k)), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

/// An evaluation error in words: a missing key names the claim.
pub fn describe_error(error: &ExecutionError) -> String {
    match error {
        ExecutionError::NoSuchKey(key) => {
            format!("no such key `{key}`: it reads a claim or attribute this token does not have")
        }
        other => other.to_string(),
    }
}

/// A CEL result as JSON (for display and for reading lists of strings).
pub fn to_json(value: &Value) -> serde_json::Value {
    value
        .json()
        .unwrap_or_else(|_| serde_json::Value::String(format!("{value:?}")))
}

impl Compiled {
    fn context(bindings: &Bindings) -> Result<Context<'static, 'static>, String> {
        let env = ENV.as_ref().map_err(Clone::clone)?;
        let mut context = Context::with_env(Arc::clone(env));
        let mut bind = |name: &str, value: &Value| -> Result<(), String> {
            let val: Box<dyn cel::common::value::Val> = value
                .clone()
                .try_into()
                .map_err(|e: ExecutionError| e.to_string())?;
            context.add_variable_as_val(name, val);
            Ok(())
        };
        bind("assertion", &bindings.assertion)?;
        if let Some(google) = &bindings.google {
            bind("google", google)?;
        }
        if let Some(attribute) = &bindings.attribute {
            bind("attribute", attribute)?;
        }
        Ok(context)
    }

    /// Evaluate. Call it on a worker ([`on_worker`]): evaluation recurses.
    pub fn evaluate(&self, bindings: &Bindings) -> Result<Value, String> {
        let Some(expression) = &self.expression else {
            return Err("the expression is over an evaluation budget: not evaluated".to_owned());
        };
        let context = Self::context(bindings)?;
        Value::resolve(expression, &context).map_err(|e| describe_error(&e))
    }

    /// The budget this expression exceeds for a token whose claims are `assertion`:
    /// a static one (length, nodes), or the estimated steps.
    pub fn over_budget(&self, assertion: &serde_json::Value) -> Option<Oversize> {
        if let Some(o) = self.oversize {
            return Some(o);
        }
        let expression = self.expression.as_ref()?;
        let (steps, _) = cost(expression, json_bounds(assertion));
        (steps > budget::CEL_STEPS).then_some(Oversize {
            size: steps,
            unit: "estimated evaluation steps",
            limit: budget::CEL_STEPS,
        })
    }

    /// Evaluate each comparison's operand (`None` where it fails). On a worker.
    pub fn operand_values(&self, bindings: &Bindings) -> Vec<Option<serde_json::Value>> {
        let Ok(context) = Self::context(bindings) else {
            return vec![None; self.comparisons.len()];
        };
        self.comparisons
            .iter()
            .map(|c| {
                Value::resolve(&c.operand, &context)
                    .ok()
                    .map(|v| to_json(&v))
            })
            .collect()
    }
}
