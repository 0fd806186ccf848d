//! Workflow files as evidence: GitHub Actions workflows (`workflow-file/github-actions`)
//! and GitLab CI configurations (`workflow-file/gitlab`), recognised by their shape,
//! never by file name. A workflow file predicts what a run will do, so everything it
//! contributes is *static* evidence on the workflow stage: whether each job that logs
//! in to a cloud can get an OIDC token, what subject and audience that token will
//! carry, and the risky shapes (`pull_request_target`, fork pull requests, id-token
//! granted everywhere). Runtime evidence (a job log, the token itself) outweighs it;
//! when a loaded token shows a job did get a token the file says it cannot, we say so
//! instead of failing the stage.
//!
//! The YAML is read with saphyr's positioned loader so every locator names a line
//! (`line 12: jobs.deploy.permissions`); `yaml` bounds the work any input can cause
//! (aliases, anchors, nesting, size). `github` and `gitlab` hold the platform rules
//! and cite their sources; what their findings say (causes, fixes, sources) is in
//! `assets/knowledge/findings/workflow.toml`:
//! - GitHub: workflow syntax <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax>,
//!   OIDC <https://docs.github.com/en/actions/reference/security/oidc>, GITHUB_TOKEN
//!   permissions <https://docs.github.com/en/actions/reference/github_token-reference>,
//!   hardening <https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions>.
//! - GitLab: `id_tokens` <https://docs.gitlab.com/ci/yaml/#id_tokens>, ID token
//!   authentication <https://docs.gitlab.com/ci/secrets/id_token_authentication/>.

mod github;
mod gitlab;
mod yaml;

use std::io::Read;

use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Recognition, SharedFacts,
};
use crate::vocabulary::catalog::Rule;
use crate::vocabulary::knowledge::knowledge;

/// How much of an input the sniffer looks at.
const SNIFF_BYTES: usize = 256 * 1024;

/// Recognises GitHub Actions workflows and GitLab CI configurations.
pub struct WorkflowFileSource;

/// A workflow file that could not be used, and where it went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// The YAML is malformed (tabs in indentation, an unclosed bracket, …). GitHub and
    /// GitLab refuse such a file: no job of it runs.
    #[error(
        "YAML error at line {line} column {column}: {message} (the CI platform rejects the whole file, so no job of it runs)"
    )]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// Larger than any CI platform accepts; not parsed.
    #[error(
        "{size} bytes: larger than a CI configuration can be (GitLab's default limit is 2 MB); not parsed"
    )]
    TooLarge { size: u64 },
    /// Not UTF-8.
    #[error(
        "not UTF-8: invalid byte at offset {offset} (line {line}); workflow files are UTF-8 text"
    )]
    InvalidUtf8 { offset: usize, line: usize },
    /// Nested deeper than the parser is allowed to go.
    #[error(
        "line {line} column {column}: nesting this deep is refused (GitLab refuses configurations deeper than 150 levels)"
    )]
    TooDeep { line: usize, column: usize },
    /// Anchors and aliases that could make loading unbounded ("billion laughs").
    #[error("line {line}: refused, {reason}")]
    AliasHazard { line: usize, reason: String },
    /// The loader's alias budget ran out: aliases expand to more than 100 000 nodes.
    #[error(
        "line {line} column {column}: aliases expand to more than 100000 nodes (a \"billion laughs\" file?); refused"
    )]
    AliasBudget { line: usize, column: usize },
    /// The parsing thread could not be started.
    #[error("could not start the YAML parser: {0}")]
    ParserThread(String),
    /// The parsing thread stopped without an answer (a bug: please report the input).
    #[error("the YAML parser stopped unexpectedly")]
    ParserStopped,
    /// Reading the input failed.
    #[error("cannot read the workflow file: {0}")]
    Io(String),
}

/// A loaded workflow file.
pub struct WorkflowFile {
    model: Model,
}

enum Model {
    Github(github::Workflow),
    Gitlab(gitlab::Pipeline),
}

/// What the first bytes look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Github,
    Gitlab,
}

impl WorkflowFile {
    /// Recognise and load a workflow file from bytes: `Ok(None)` when it is not one.
    pub fn from_bytes(bytes: &[u8]) -> Result<Option<WorkflowFile>, WorkflowError> {
        let Some(shape) = sniff(bytes) else {
            return Ok(None);
        };
        if bytes.len() > yaml::MAX_YAML_BYTES {
            return Err(WorkflowError::TooLarge {
                size: bytes.len() as u64,
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let offset = e.valid_up_to();
            WorkflowError::InvalidUtf8 {
                offset,
                line: 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count(),
            }
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let model = yaml::with_loaded(text, |loaded| match shape {
            Shape::Github => github::extract(loaded).map(Model::Github),
            Shape::Gitlab => gitlab::extract(loaded).map(Model::Gitlab),
        })?;
        Ok(model.map(|model| WorkflowFile { model }))
    }

    /// Read at most the size a workflow file can have, then load it. A longer stream
    /// is refused after reading one byte more than the limit, never read whole.
    pub fn from_reader(reader: impl Read) -> Result<Option<WorkflowFile>, WorkflowError> {
        let mut bytes = Vec::new();
        reader
            .take(yaml::MAX_YAML_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| WorkflowError::Io(e.to_string()))?;
        if bytes.len() > yaml::MAX_YAML_BYTES && sniff(&bytes).is_some() {
            return Err(WorkflowError::TooLarge {
                size: bytes.len() as u64,
            });
        }
        WorkflowFile::from_bytes(&bytes)
    }

    /// Place this file's evidence (what [`LoadedArtifact::contribute`] does), for
    /// callers that hold the concrete type.
    pub fn observe(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        match &self.model {
            Model::Github(w) => github::contribute(w, artifact, facts, out),
            Model::Gitlab(p) => gitlab::contribute(p, artifact, facts, out),
        }
    }
}

impl EvidenceSource for WorkflowFileSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::WorkflowFileGithubActions
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if sniff(&input.bytes).is_none() {
            return Recognition::NotMine;
        }
        if input.truncated {
            return Recognition::Broken(Box::new(WorkflowError::TooLarge { size: input.size }));
        }
        match WorkflowFile::from_bytes(&input.bytes) {
            Ok(Some(file)) => Recognition::Loaded(Box::new(file)),
            Ok(None) => Recognition::NotMine,
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

impl LoadedArtifact for WorkflowFile {
    fn kind(&self) -> ArtifactKind {
        match self.model {
            Model::Github(_) => ArtifactKind::WorkflowFileGithubActions,
            Model::Gitlab(_) => ArtifactKind::WorkflowFileGitlab,
        }
    }

    fn note(&self) -> Option<String> {
        match &self.model {
            Model::Github(w) => Some(w.note()),
            Model::Gitlab(p) => Some(p.note()),
        }
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        self.observe(artifact, facts, out);
    }
}

/// GitLab job keywords that make an indented line look like a job's.
const GITLAB_JOB_WORDS: [&str; 8] = [
    "script:",
    "before_script:",
    "after_script:",
    "id_tokens:",
    "extends:",
    "trigger:",
    "stage:",
    "secrets:",
];
/// GitLab's global keywords.
const GITLAB_GLOBALS: [&str; 5] = ["stages", "include", "default", "workflow", "variables"];

/// Recognise the shape from the first lines: GitHub has top-level `on:` (or `true:`,
/// as YAML 1.1 tools rewrite it) and `jobs:` with `runs-on`/`steps`/`uses`; GitLab has
/// top-level job names whose bodies use job keywords (`script:`, `id_tokens:`, …).
fn sniff(bytes: &[u8]) -> Option<Shape> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.trim_start();
    if first.is_empty() || first.starts_with('{') || first.starts_with('[') {
        return None;
    }
    let (mut on, mut jobs, mut github_words) = (false, false, 0usize);
    let (mut top_keys, mut gitlab_globals, mut job_words, mut gitlab_jobs) =
        (0usize, 0usize, 0usize, 0usize);
    let mut kubernetes = false;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            let t = line.trim_start().trim_start_matches("- ");
            if t.starts_with("runs-on:") || t.starts_with("steps:") || t.starts_with("uses:") {
                github_words += 1;
            }
            if GITLAB_JOB_WORDS.iter().any(|w| t.starts_with(w)) {
                job_words += 1;
                if !t.starts_with("secrets:") {
                    gitlab_jobs += 1;
                }
            }
            continue;
        }
        let Some(key) = top_key(line) else {
            continue;
        };
        top_keys += 1;
        match key {
            "on" | "true" | "True" | "TRUE" => on = true,
            "jobs" => jobs = true,
            "apiVersion" | "kind" => kubernetes = true,
            k if GITLAB_GLOBALS.contains(&k) => gitlab_globals += 1,
            _ => {}
        }
    }
    if on && jobs && github_words > 0 {
        Some(Shape::Github)
    } else if !jobs
        && !kubernetes
        && top_keys > 0
        && gitlab_jobs > 0
        && (job_words > 0 || gitlab_globals > 0)
    {
        Some(Shape::Gitlab)
    } else {
        None
    }
}

/// A top-level mapping key at column 1 (`name:` or `"on":`), if the line is one.
fn top_key(line: &str) -> Option<&str> {
    if line.starts_with(['#', '-', '%', '&', '*', '!', '?']) || line.starts_with("...") {
        return None;
    }
    let colon = line.find(':')?;
    let after = &line[colon + 1..];
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let key = line[..colon].trim_end();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    (!key.is_empty() && !key.contains(' ')).then_some(key)
}

/// Text from the input, made safe for a summary, and shortened.
fn shown(s: &str) -> String {
    const MAX: usize = 160;
    let escaped = crate::text::escape_control(s);
    if escaped.chars().count() <= MAX {
        return escaped.into_owned();
    }
    let mut out: String = escaped.chars().take(MAX).collect();
    out.push('…');
    out
}

/// A piece of a finding's knowledge, filled: a named cause variant that another
/// template of the entry embeds and that evidence lines quote (why a job cannot
/// request a token, what a login step lacks), so its words live in one place.
fn fragment(rule: Rule, variant: &'static str, values: &[(&'static str, String)]) -> String {
    let mut reason = rule.reason().cause(variant);
    reason.values.extend_from_slice(values);
    reason.texts().0
}

/// Suggest a command of the knowledge files (`assets/knowledge/commands/`), its values
/// quoted by the one command builder.
fn suggest(out: &mut Observations, id: &str, values: &[(&str, String)]) {
    if let Some(next) = knowledge().next_evidence(id, values) {
        out.next(next.what, next.command);
    }
}

/// `line 12: jobs.deploy.permissions`.
fn locator(line: usize, path: &str) -> String {
    format!("line {line}: {}", shown(path))
}

#[cfg(test)]
mod tests;
