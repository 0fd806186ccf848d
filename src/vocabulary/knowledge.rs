//! Knowledge as data: what each finding means (title, cause and fix templates, the
//! sources it cites, the next evidence to collect) and the commands and queries that
//! collect evidence, read from the TOML files under `assets/knowledge/` (embedded at
//! build time) and, when the user asks, from a folder of their own
//! (`--knowledge DIR`), so a team can add its wrappers' messages without touching Rust.
//!
//! Parsers and evaluators do not write prose: they return a [`Reason`] — the rule and
//! the values that explain it (a claim, a pattern, a locator, a role ARN) — and
//! [`Reason::finding`] fills the rule's templates. Commands are filled the same way
//! and quoted by the one command builder (`text::command`), so a value read from a log
//! can never become shell syntax. The format is described in
//! `assets/knowledge/README.md`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use super::catalog::{CATALOG, Rule};
use super::model::{Finding, NextEvidence};
use crate::text::command::{Dialect, shell_command};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/knowledge_files.rs"));
}

/// The variant used when a reason names none.
pub const DEFAULT_VARIANT: &str = "default";

/// A knowledge file that could not be read. Every variant names the file and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KnowledgeError {
    /// The folder or a file in it could not be read.
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// Not valid TOML, or not the knowledge format (the message names line and column).
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// A template is malformed (an unclosed `{`, a placeholder that is not a name).
    #[error("{path}: `{id}`: {message}")]
    Template {
        path: PathBuf,
        id: String,
        message: String,
    },
    /// A user file redefines a built-in finding with another severity, stage or risk.
    #[error("{path}: `{id}`: {message}")]
    Conflict {
        path: PathBuf,
        id: String,
        message: String,
    },
}

/// A template's text for each variant (`default` first).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
enum Variants {
    One(String),
    Many(BTreeMap<String, String>),
}

impl Variants {
    fn into_map(self) -> BTreeMap<String, String> {
        match self {
            Variants::One(s) => BTreeMap::from([(DEFAULT_VARIANT.to_owned(), s)]),
            Variants::Many(m) => m,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingFile {
    id: String,
    severity: String,
    #[serde(default)]
    risk: Option<String>,
    title: String,
    #[serde(default)]
    doc: Option<String>,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    cause: Option<Variants>,
    #[serde(default)]
    fix: Option<Variants>,
    #[serde(default)]
    next: Vec<String>,
}

/// One argument of a command template: a word, or a group of words printed only when
/// every placeholder in it has a value (`["--region", "{region}"]`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
enum ArgFile {
    Word(String),
    Group(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandFile {
    id: String,
    what: String,
    #[serde(default)]
    argv: Vec<ArgFile>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    clauses: Vec<String>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    finding: Vec<FindingFile>,
    #[serde(default)]
    command: Vec<CommandFile>,
    #[serde(default)]
    message: Vec<toml::Table>,
}

/// What the knowledge says of one finding id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingText {
    pub id: String,
    pub title: String,
    /// Cause templates by variant.
    pub causes: BTreeMap<String, String>,
    /// Fix templates by variant.
    pub fixes: BTreeMap<String, String>,
    /// Public documentation or threads the cause and fix rest on.
    pub sources: Vec<String>,
    /// Ids of the commands that collect the next evidence for this finding.
    pub next: Vec<String>,
    /// The file it came from (`findings/token.toml`, or a user path).
    pub origin: String,
}

/// A command or query that collects evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandTemplate {
    pub id: String,
    /// What it collects, for people.
    pub what: String,
    /// Shell words (each may hold placeholders), or empty for a query.
    argv: Vec<ArgFile>,
    /// For a query: its language and text (`{clauses}` is replaced by the clauses
    /// whose placeholders all have values, joined with AND).
    dialect: Dialect,
    text: Option<String>,
    clauses: Vec<String>,
    pub sources: Vec<String>,
    pub origin: String,
}

/// Values that fill templates, by placeholder name.
pub type Values<'a> = [(&'a str, String)];

/// The loaded knowledge.
#[derive(Clone, Debug, Default)]
pub struct Knowledge {
    findings: HashMap<String, FindingText>,
    commands: HashMap<String, CommandTemplate>,
    /// Message entries (`[[message]]`), in load order, for the message matchers.
    pub messages: Vec<(String, toml::Table)>,
    /// Rules defined only by user files (built-in rules are `CATALOG`).
    extra_rules: Vec<Rule>,
}

impl Knowledge {
    /// The built-in knowledge alone.
    pub fn builtin() -> Result<Knowledge, KnowledgeError> {
        let mut k = Knowledge::default();
        for (path, text) in embedded::EMBEDDED {
            k.add_file(Path::new(path), text, true)?;
        }
        Ok(k)
    }

    /// The built-in knowledge plus every `*.toml` under `dir` (sorted by path).
    pub fn with_folder(dir: &Path) -> Result<Knowledge, KnowledgeError> {
        let mut k = Knowledge::builtin()?;
        let mut files = Vec::new();
        toml_files(dir, &mut files)?;
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| KnowledgeError::Io {
                path: path.clone(),
                message: e.to_string(),
            })?;
            k.add_file(&path, &text, false)?;
        }
        Ok(k)
    }

    fn add_file(&mut self, path: &Path, text: &str, builtin: bool) -> Result<(), KnowledgeError> {
        let file: File = toml::from_str(text).map_err(|e| KnowledgeError::Format {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let origin = path.display().to_string();
        for f in file.finding {
            let template_error = |message: String| KnowledgeError::Template {
                path: path.to_owned(),
                id: f.id.clone(),
                message,
            };
            let causes = f.cause.clone().map(Variants::into_map).unwrap_or_default();
            let fixes = f.fix.clone().map(Variants::into_map).unwrap_or_default();
            for t in causes.values().chain(fixes.values()) {
                placeholders(t).map_err(template_error)?;
            }
            if !builtin {
                self.check_user_rule(path, &f)?;
            } else if let Some(first) = self.findings.get(&f.id) {
                return Err(KnowledgeError::Conflict {
                    path: path.to_owned(),
                    id: f.id.clone(),
                    message: format!("already defined in {}", first.origin),
                });
            }
            self.findings.insert(
                f.id.clone(),
                FindingText {
                    id: f.id,
                    title: f.title,
                    causes,
                    fixes,
                    sources: f.sources,
                    next: f.next,
                    origin: origin.clone(),
                },
            );
        }
        for c in file.command {
            let dialect = match c.lang.as_deref() {
                None => Dialect::Plain,
                Some(name) => Dialect::from_name(name).ok_or_else(|| KnowledgeError::Template {
                    path: path.to_owned(),
                    id: c.id.clone(),
                    message: format!("lang {name:?} is not shell, sql, kql or logging-filter"),
                })?,
            };
            let words = c.argv.iter().flat_map(|a| match a {
                ArgFile::Word(w) => std::slice::from_ref(w),
                ArgFile::Group(g) => g.as_slice(),
            });
            for t in words
                .chain(c.text.iter())
                .chain(c.clauses.iter())
                .chain(std::iter::once(&c.what))
            {
                placeholders(t).map_err(|message| KnowledgeError::Template {
                    path: path.to_owned(),
                    id: c.id.clone(),
                    message,
                })?;
            }
            if let Some(first) = self.commands.get(&c.id).filter(|_| builtin) {
                return Err(KnowledgeError::Conflict {
                    path: path.to_owned(),
                    id: c.id.clone(),
                    message: format!("already defined in {}", first.origin),
                });
            }
            self.commands.insert(
                c.id.clone(),
                CommandTemplate {
                    id: c.id,
                    what: c.what,
                    argv: c.argv,
                    dialect,
                    text: c.text,
                    clauses: c.clauses,
                    sources: c.sources,
                    origin: origin.clone(),
                },
            );
        }
        for m in file.message {
            self.messages.push((origin.clone(), m));
        }
        Ok(())
    }

    /// A user file may add text to a built-in finding (or replace it), but not change
    /// what the finding is; a new id becomes a rule of its own.
    fn check_user_rule(&mut self, path: &Path, f: &FindingFile) -> Result<(), KnowledgeError> {
        let conflict = |message: String| KnowledgeError::Conflict {
            path: path.to_owned(),
            id: f.id.clone(),
            message,
        };
        let severity = match f.severity.as_str() {
            "error" => super::Severity::Error,
            "warning" => super::Severity::Warning,
            "info" => super::Severity::Info,
            other => {
                return Err(conflict(format!(
                    "severity {other:?} is not error, warning or info"
                )));
            }
        };
        let risk = match f.risk.as_deref() {
            None => None,
            Some(name) => Some(
                super::Risk::from_name(name)
                    .ok_or_else(|| conflict(format!("risk {name:?} is not high, medium or low")))?,
            ),
        };
        let stage =
            f.id.split('.')
                .next()
                .and_then(super::Stage::from_name)
                .ok_or_else(|| conflict("the id does not start with a stage".to_owned()))?;
        if let Some(builtin) = CATALOG.iter().find(|r| r.id == f.id) {
            if builtin.severity != severity || builtin.risk != risk {
                return Err(conflict(
                    "a user file may change a built-in finding's text, not its severity or risk"
                        .to_owned(),
                ));
            }
            return Ok(());
        }
        // Loaded once per process, a bounded number of rules: leaking gives them the
        // same `'static` life as the built-in ones.
        let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        self.extra_rules.retain(|r| r.id != f.id);
        self.extra_rules.push(Rule {
            id: leak(&f.id),
            stage,
            severity,
            risk,
            title: leak(&f.title),
        });
        let _ = &f.doc;
        Ok(())
    }

    /// What the knowledge says of a finding id.
    pub fn finding(&self, id: &str) -> Option<&FindingText> {
        self.findings.get(id)
    }

    /// Every finding text, sorted by id.
    pub fn findings(&self) -> Vec<&FindingText> {
        let mut all: Vec<_> = self.findings.values().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// A command template.
    pub fn command(&self, id: &str) -> Option<&CommandTemplate> {
        self.commands.get(id)
    }

    /// Every command template, sorted by id.
    pub fn commands(&self) -> Vec<&CommandTemplate> {
        let mut all: Vec<_> = self.commands.values().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// The rule with this id: built in, or defined by a user file.
    pub fn rule(&self, id: &str) -> Option<Rule> {
        CATALOG
            .iter()
            .chain(self.extra_rules.iter())
            .find(|r| r.id == id)
            .copied()
    }

    /// The next evidence a command collects, its values filled and quoted; `None` when
    /// the id is unknown or a placeholder outside an optional group has no value.
    pub fn next_evidence(&self, id: &str, values: &Values<'_>) -> Option<NextEvidence> {
        let c = self.commands.get(id)?;
        Some(NextEvidence {
            what: fill(&c.what, values, Dialect::Plain).ok()?,
            command: c.render(values).ok()?,
        })
    }
}

impl CommandTemplate {
    /// The command line (or query) with its values: every shell word quoted, every
    /// query value written as a literal of its language.
    pub fn render(&self, values: &Values<'_>) -> Result<String, Missing> {
        let query = match &self.text {
            Some(text) => {
                let clauses: Vec<String> = self
                    .clauses
                    .iter()
                    .filter_map(|c| fill(c, values, self.dialect).ok())
                    .collect();
                let mut with_clauses: Vec<(&str, String)> = values.to_vec();
                with_clauses.push(("clauses", clauses.join(" AND ")));
                Some(fill_raw(text, &with_clauses, self.dialect, &["clauses"])?)
            }
            None => None,
        };
        if self.argv.is_empty() {
            return query.ok_or(Missing("text".to_owned()));
        }
        let mut with_query: Vec<(&str, String)> = values.to_vec();
        if let Some(q) = query {
            with_query.push(("query", q));
        }
        let mut words = Vec::new();
        for arg in &self.argv {
            match arg {
                ArgFile::Word(w) => words.push(fill(w, &with_query, Dialect::Plain)?),
                ArgFile::Group(group) => {
                    let filled: Result<Vec<String>, Missing> = group
                        .iter()
                        .map(|w| fill(w, &with_query, Dialect::Plain))
                        .collect();
                    if let Ok(filled) = filled {
                        words.extend(filled);
                    }
                }
            }
        }
        Ok(shell_command(words))
    }

    /// Every placeholder the template uses.
    pub fn placeholders(&self) -> Vec<String> {
        let mut names = Vec::new();
        let words = self.argv.iter().flat_map(|a| match a {
            ArgFile::Word(w) => std::slice::from_ref(w),
            ArgFile::Group(g) => g.as_slice(),
        });
        for t in words
            .chain(self.text.iter())
            .chain(self.clauses.iter())
            .chain(std::iter::once(&self.what))
        {
            names.extend(placeholders(t).unwrap_or_default());
        }
        names.retain(|n| n != "clauses" && n != "query");
        names.sort();
        names.dedup();
        names
    }
}

/// A placeholder had no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing(pub String);

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no value for `{{{}}}`", self.0)
    }
}

/// The placeholder names of a template (`{name}`; `{{` and `}}` are literal braces).
pub fn placeholders(template: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        let (head, tail) = rest.split_at(i);
        let _ = head;
        if let Some(t) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
            rest = t;
            continue;
        }
        if tail.starts_with('}') {
            return Err(format!("a lone `}}` in {template:?} (write `}}}}`)"));
        }
        let end = tail
            .find('}')
            .ok_or_else(|| format!("an unclosed `{{` in {template:?}"))?;
        let name = &tail[1..end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "`{{{name}}}` is not a placeholder name (lowercase, digits, _)"
            ));
        }
        names.push(name.to_owned());
        rest = &tail[end + 1..];
    }
    Ok(names)
}

fn fill(template: &str, values: &Values<'_>, dialect: Dialect) -> Result<String, Missing> {
    fill_raw(template, values, dialect, &[])
}

/// Fill a template; names in `raw` are spliced as they are (already rendered).
fn fill_raw(
    template: &str,
    values: &Values<'_>,
    dialect: Dialect,
    raw: &[&str],
) -> Result<String, Missing> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(t) = tail.strip_prefix("{{") {
            out.push('{');
            rest = t;
            continue;
        }
        if let Some(t) = tail.strip_prefix("}}") {
            out.push('}');
            rest = t;
            continue;
        }
        let Some(end) = tail.find('}') else {
            out.push_str(tail);
            return Ok(out);
        };
        let name = &tail[1..end];
        let value = values
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| Missing(name.to_owned()))?;
        if raw.contains(&name) {
            out.push_str(value);
        } else {
            out.push_str(&dialect.literal(value));
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KnowledgeError> {
    let io = |path: &Path, e: std::io::Error| KnowledgeError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.is_dir() {
            toml_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();

/// Use the built-in knowledge plus a user's folder for this process. Must be called
/// before the first diagnosis; a second call, or a call after knowledge was used, is
/// refused (the first knowledge stays).
pub fn install(dir: &Path) -> Result<(), KnowledgeError> {
    let k = Knowledge::with_folder(dir)?;
    KNOWLEDGE.set(k).map_err(|_| KnowledgeError::Io {
        path: dir.to_owned(),
        message: "knowledge was already loaded for this process".to_owned(),
    })
}

/// The knowledge in force: built in, plus the folder given to [`install`].
pub fn knowledge() -> &'static Knowledge {
    KNOWLEDGE.get_or_init(|| {
        // The embedded files are checked by build.rs and by the tests; should one still
        // fail here, the catalogue's titles alone keep every finding explainable.
        Knowledge::builtin().unwrap_or_default()
    })
}

/// Why a rule fired, with the values that explain it: what evaluators and parsers
/// return instead of prose. [`Reason::finding`] turns it into a finding through the
/// rule's templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub rule: Rule,
    pub cause_variant: &'static str,
    pub fix_variant: &'static str,
    pub values: Vec<(&'static str, String)>,
}

impl Rule {
    /// A reason for this rule, with no values yet.
    pub fn reason(self) -> Reason {
        Reason {
            rule: self,
            cause_variant: DEFAULT_VARIANT,
            fix_variant: DEFAULT_VARIANT,
            values: Vec::new(),
        }
    }
}

impl Reason {
    /// Add the value of a placeholder.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Reason {
        self.values.push((name, value.to_string()));
        self
    }

    /// Use a named variant of the cause template.
    pub fn cause(mut self, variant: &'static str) -> Reason {
        self.cause_variant = variant;
        self
    }

    /// Use a named variant of the fix template.
    pub fn fix(mut self, variant: &'static str) -> Reason {
        self.fix_variant = variant;
        self
    }

    /// A value given to the reason.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The cause and fix, filled from the knowledge in force.
    pub fn texts(&self) -> (String, String) {
        self.texts_in(knowledge())
    }

    /// The cause and fix, filled from the given knowledge. A template or value that is
    /// missing shows as a visible `‹name?›`, never as silence (and fails the tests,
    /// which check every finding they produce).
    pub fn texts_in(&self, k: &Knowledge) -> (String, String) {
        let text = k.finding(self.rule.id);
        let pick = |map: Option<&BTreeMap<String, String>>, variant: &str| {
            map.and_then(|m| m.get(variant).or_else(|| m.get(DEFAULT_VARIANT)))
                .cloned()
        };
        let render = |template: Option<String>, what: &str| match template {
            None => format!("‹{what} of {} missing›", self.rule.id),
            Some(t) => fill_visible(&t, &self.values),
        };
        (
            render(pick(text.map(|t| &t.causes), self.cause_variant), "cause"),
            render(pick(text.map(|t| &t.fixes), self.fix_variant), "fix"),
        )
    }

    /// The finding, its cause and fix filled from the rule's templates.
    pub fn finding(&self) -> Finding {
        let (cause, fix) = self.texts();
        self.rule.finding(cause, fix)
    }
}

/// Fill a prose template; a missing value shows as `‹name?›`.
fn fill_visible(template: &str, values: &[(&'static str, String)]) -> String {
    let mut t = template.to_owned();
    loop {
        let owned: Vec<(&str, String)> = values.iter().map(|(n, v)| (*n, v.clone())).collect();
        match fill(&t, &owned, Dialect::Plain) {
            Ok(s) => return s,
            Err(Missing(name)) => {
                t = t.replace(&format!("{{{name}}}"), &format!("‹{name}?›"));
            }
        }
    }
}

#[cfg(test)]
mod tests;
