//! GitLab CI configurations: which jobs authenticate to a cloud with an ID token,
//! whether they declare one, and the subject it will carry.
//!
//! Rules applied, with their sources:
//! - A job gets an ID token only through `id_tokens:` (one or more tokens, each with an
//!   `aud`), exposed as a CI/CD variable named after the token
//!   (<https://docs.gitlab.com/ci/yaml/#id_tokens>). `id_tokens` may also come from
//!   `default:` and through `extends:` (merged like other hashes).
//! - `CI_JOB_JWT`, `CI_JOB_JWT_V1` and `CI_JOB_JWT_V2` were deprecated in 15.9 and
//!   removed in GitLab 17.0; a job that declares `id_tokens` does not get them either
//!   (<https://docs.gitlab.com/ci/secrets/id_token_authentication/>).
//! - Authentication shapes, from GitLab's cloud guides (`docs.gitlab.com/ci/cloud_services/…`):
//!   `aws sts assume-role-with-web-identity --web-identity-token $TOKEN`,
//!   `vault write auth/jwt/login role=… jwt=$TOKEN`,
//!   `gcloud iam workload-identity-pools create-cred-config …` (with the token written
//!   to a file), `az login --federated-token $TOKEN`, and the `secrets:` keyword with
//!   `vault`, `gcp_secret_manager`, `azure_key_vault` or `aws_secrets_manager`
//!   (<https://docs.gitlab.com/ci/yaml/#secrets>), which authenticate with the job's ID
//!   token (`secrets:token` picks one when there are several).
//! - Subject: `project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME`; a merge request
//!   pipeline runs for the source branch, so its token names that branch.
//! - `include:` is not followed (the files are elsewhere); `extends:` and `default:`
//!   within the file are, with GitLab's limit of 11 levels of `extends`; `!reference`
//!   tags in scripts are resolved within the file (10 levels); merge keys (`<<`) are
//!   followed, as GitLab's YAML loader does.

use std::collections::BTreeSet;

use super::yaml::{Duplicate, Entry, Loaded, Node};
use super::{locator, shown};
use crate::evidence::{Observations, SharedFacts};
use crate::token::claims::Claims;
use crate::token::{Cloud, Platform};
use crate::vocabulary::catalog::{
    WORKFLOW_ACTION_MISCONFIGURED, WORKFLOW_GITLAB_MERGE_REQUEST_RUN,
    WORKFLOW_GITLAB_MISSING_ID_TOKENS,
};
use crate::vocabulary::{Evidence, Outcome, Stage};

/// Top-level keys that are not jobs.
const GLOBALS: [&str; 12] = [
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "spec",
];
/// Keywords `default:` can give a job (of those we read).
const DEFAULTABLE: [&str; 4] = ["id_tokens", "before_script", "after_script", "image"];
/// GitLab's limit on `extends` depth.
const MAX_EXTENDS: usize = 11;
/// GitLab's limit on nested `!reference` tags.
const MAX_REFERENCE_DEPTH: usize = 10;
const MAX_JOBS_DETAILED: usize = 100;
const LEGACY_JWT: [&str; 3] = ["CI_JOB_JWT_V2", "CI_JOB_JWT_V1", "CI_JOB_JWT"];

#[derive(Debug)]
pub(crate) struct Pipeline {
    pub jobs: Vec<Job>,
    pub includes: Vec<(String, usize)>,
    pub duplicates: Vec<Duplicate>,
    pub first_line: usize,
}

#[derive(Debug)]
pub(crate) struct IdToken {
    pub name: String,
    pub aud: Vec<String>,
    pub line: usize,
    /// Where it comes from when not the job itself (`default:`, `extends: .x`).
    pub from: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Auth {
    pub cloud: Option<Cloud>,
    pub line: usize,
    pub what: String,
    /// The variable holding the token, when the command names one.
    pub token_var: Option<String>,
}

/// The refs a job runs for, from `rules:`/`only:`.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    pub line: Option<usize>,
    pub branches: Vec<String>,
    pub tags: Vec<String>,
    pub patterns: Vec<String>,
    pub any_tag: bool,
    pub default_branch: bool,
    pub merge_requests: bool,
    /// No rule restricts the ref (or one cannot be read).
    pub any: bool,
}

#[derive(Debug)]
pub(crate) struct Job {
    pub name: String,
    pub line: usize,
    pub id_tokens: Vec<IdToken>,
    pub auths: Vec<Auth>,
    /// `CI_JOB_JWT*` uses and their lines.
    pub legacy: Vec<(String, usize)>,
    /// `VAR: $OTHER` variables of the job and the globals, to follow token variables.
    pub aliases: Vec<(String, String)>,
    pub refs: Refs,
    /// `extends` targets or `!reference`s not in this file.
    pub unresolved: Vec<String>,
    /// Several tokens and `secrets:` without `token:`.
    pub ambiguous_secret_token: Option<usize>,
}

impl Pipeline {
    pub fn note(&self) -> String {
        let auth = self.jobs.iter().filter(|j| !j.auths.is_empty()).count();
        let mut note = format!(
            "GitLab CI configuration: {} job{}, {auth} authenticating with an ID token",
            self.jobs.len(),
            if self.jobs.len() == 1 { "" } else { "s" }
        );
        if !self.includes.is_empty() {
            note.push_str(&format!(
                "; {} include(s) not followed",
                self.includes.len()
            ));
        }
        note
    }
}

/// Build the model; `None` when the document does not look like a GitLab pipeline.
pub(crate) fn extract(loaded: &Loaded) -> Option<Pipeline> {
    let maps: Vec<&Node> = loaded
        .documents
        .iter()
        .filter(|d| d.as_map().is_some())
        .collect();
    // A component or a configuration with inputs has a `spec:` header document.
    let root = match maps.as_slice() {
        [header, body, ..] if header.get("spec").is_some() => *body,
        [first, ..] => *first,
        [] => return None,
    };
    if root.get("apiVersion").is_some() || (root.get("on").is_some() && root.get("jobs").is_some())
    {
        return None;
    }
    let entries = root.entries_merged();
    let job_like = |n: &Node| {
        [
            "script",
            "before_script",
            "extends",
            "trigger",
            "id_tokens",
            "stage",
            "run",
        ]
        .iter()
        .any(|k| n.get_merged(k).is_some())
    };
    let has_globals = entries.iter().any(|e| {
        e.name()
            .is_some_and(|n| matches!(n, "stages" | "include" | "default" | "workflow"))
    });
    if !entries.iter().any(|e| job_like(&e.value)) && !has_globals {
        return None;
    }
    let globals = Globals {
        root,
        default: root.get_merged("default").map(|e| &e.value),
        variables: root.get_merged("variables").map(|e| &e.value),
    };
    let jobs = entries
        .iter()
        .filter(|e| {
            e.name()
                .is_some_and(|n| !n.starts_with('.') && !GLOBALS.contains(&n))
                && e.value.as_map().is_some()
        })
        .map(|e| job(&globals, e))
        .collect();
    Some(Pipeline {
        jobs,
        includes: includes(root),
        duplicates: loaded.duplicates.clone(),
        first_line: entries.first().map_or(1, |e| e.key.line),
    })
}

struct Globals<'a> {
    root: &'a Node,
    default: Option<&'a Node>,
    variables: Option<&'a Node>,
}

/// Follow `!reference [job, key, …]` tags to the node they name (within the file).
fn deref<'a>(g: &Globals<'a>, node: &'a Node) -> &'a Node {
    let mut current = node;
    for _ in 0..MAX_REFERENCE_DEPTH {
        if current.tag() != Some("!reference") {
            return current;
        }
        let mut target = Some(g.root);
        for part in current.scalars().iter().filter_map(|n| n.text()) {
            target = target.and_then(|t| t.get_merged(part)).map(|e| &e.value);
        }
        match target {
            Some(t) => current = t,
            None => return current,
        }
    }
    current
}

/// A list whose items may be `!reference`s to other lists (GitLab flattens them).
fn items<'a>(g: &Globals<'a>, node: &'a Node) -> Vec<&'a Node> {
    let mut out = Vec::new();
    for item in deref(g, node).as_seq().unwrap_or_default() {
        let item = deref(g, item);
        match item.as_seq() {
            Some(inner) => out.extend(inner.iter().map(|i| deref(g, i))),
            None => out.push(item),
        }
    }
    out
}

fn includes(root: &Node) -> Vec<(String, usize)> {
    let Some(entry) = root.get_merged("include") else {
        return Vec::new();
    };
    let describe = |n: &Node| -> String {
        if let Some(t) = n.text() {
            return t.to_owned();
        }
        n.entries()
            .iter()
            .filter_map(|e| Some(format!("{}: {}", e.name()?, e.value.text().unwrap_or("…"))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match entry.value.as_seq() {
        Some(items) => items.iter().map(|i| (describe(i), i.line)).collect(),
        None => vec![(describe(&entry.value), entry.key.line)],
    }
}

/// The job and its `extends` ancestors, highest priority first (the job, then the
/// later parents before the earlier ones, each followed by its own parents).
fn chain<'a>(
    g: &Globals<'a>,
    job: &'a Node,
    unresolved: &mut Vec<String>,
) -> Vec<(&'a Node, Option<String>)> {
    fn walk<'a>(
        g: &Globals<'a>,
        node: &'a Node,
        depth: usize,
        out: &mut Vec<(&'a Node, Option<String>)>,
        seen: &mut BTreeSet<String>,
        unresolved: &mut Vec<String>,
    ) {
        if depth >= MAX_EXTENDS {
            return;
        }
        let Some(ext) = node.get_merged("extends") else {
            return;
        };
        let parents: Vec<&str> = ext
            .value
            .scalars()
            .iter()
            .filter_map(|n| n.text())
            .collect();
        for parent in parents.into_iter().rev() {
            if !seen.insert(parent.to_owned()) {
                continue;
            }
            match g.root.get_merged(parent) {
                Some(p) if p.value.as_map().is_some() => {
                    out.push((&p.value, Some(format!("extends `{}`", shown(parent)))));
                    walk(g, &p.value, depth + 1, out, seen, unresolved);
                }
                _ => unresolved.push(format!("extends `{}`", shown(parent))),
            }
        }
    }
    let mut out = vec![(job, None)];
    walk(g, job, 0, &mut out, &mut BTreeSet::new(), unresolved);
    out
}

/// Does `inherit:` let the job take `key` from `default:`?
fn inherits_default(chain: &[(&Node, Option<String>)], key: &str) -> bool {
    let Some(inherit) = chain.iter().find_map(|(n, _)| n.get_merged("inherit")) else {
        return true;
    };
    let Some(default) = inherit.value.get_merged("default") else {
        return true;
    };
    match default.value.text() {
        Some("false") => false,
        Some("true") => true,
        _ => default
            .value
            .scalars()
            .iter()
            .any(|n| n.text() == Some(key)),
    }
}

/// The first entry for `key` along the chain, then `default:` (or the legacy global).
fn lookup<'a>(
    g: &Globals<'a>,
    chain: &[(&'a Node, Option<String>)],
    key: &str,
) -> Option<(&'a Entry, Option<String>)> {
    if let Some(found) = chain
        .iter()
        .find_map(|(n, from)| n.get_merged(key).map(|e| (e, from.clone())))
    {
        return Some(found);
    }
    if DEFAULTABLE.contains(&key) && inherits_default(chain, key) {
        if let Some(e) = g.default.and_then(|d| d.get_merged(key)) {
            return Some((e, Some(format!("default: (line {})", e.key.line))));
        }
        if key != "id_tokens"
            && let Some(e) = g.root.get_merged(key)
        {
            return Some((e, Some(format!("the global `{key}` (line {})", e.key.line))));
        }
    }
    None
}

/// The entries of a hash keyword merged along the chain (GitLab deep-merges hashes).
fn merged_map<'a>(
    g: &Globals<'a>,
    chain: &[(&'a Node, Option<String>)],
    key: &str,
) -> Vec<(&'a Entry, Option<String>)> {
    let mut out: Vec<(&'a Entry, Option<String>)> = Vec::new();
    for (n, from) in chain {
        if let Some(map) = n.get_merged(key) {
            for e in deref(g, &map.value).entries_merged() {
                if !out.iter().any(|(o, _)| o.name() == e.name()) {
                    out.push((e, from.clone()));
                }
            }
        }
    }
    out
}

/// Script lines, `!reference` tags resolved within the file.
fn script_lines<'a>(
    g: &Globals<'a>,
    node: &'a Node,
    depth: usize,
    out: &mut Vec<(&'a str, usize)>,
    unresolved: &mut Vec<String>,
) {
    if depth > MAX_REFERENCE_DEPTH {
        return;
    }
    if node.tag() == Some("!reference") {
        let path: Vec<&str> = node.scalars().iter().filter_map(|n| n.text()).collect();
        let mut target = Some(g.root);
        for part in &path {
            target = target.and_then(|t| t.get_merged(part)).map(|e| &e.value);
        }
        match target {
            Some(t) => script_lines(g, t, depth + 1, out, unresolved),
            None => unresolved.push(format!(
                "!reference [{}]",
                path.iter().map(|p| shown(p)).collect::<Vec<_>>().join(", ")
            )),
        }
        return;
    }
    if let Some(text) = node.text() {
        out.push((text, node.line));
        return;
    }
    if let Some(items) = node.as_seq() {
        for item in items {
            script_lines(g, item, depth + 1, out, unresolved);
        }
    }
}

/// `$NAME` or `${NAME}` at the start of `s` (after quotes).
fn variable_at(s: &str) -> Option<String> {
    let s = s.trim_start_matches(['"', '\'', ' ', '=']);
    let s = s.strip_prefix('$')?;
    let s = s.strip_prefix('{').unwrap_or(s);
    let name: String = s
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The variable after `flag` (`--web-identity-token $TOKEN`, `jwt=$TOKEN`).
fn variable_after(text: &str, flag: &str) -> Option<String> {
    text.split(flag).nth(1).and_then(variable_at)
}

fn detect(text: &str, line: usize) -> Option<Auth> {
    let auth = |cloud, what: &str, token_var| {
        Some(Auth {
            cloud,
            line,
            what: what.to_owned(),
            token_var,
        })
    };
    if text.contains("assume-role-with-web-identity") {
        return auth(
            Some(Cloud::Aws),
            "aws sts assume-role-with-web-identity",
            variable_after(text, "--web-identity-token"),
        );
    }
    if text.contains("vault write") && text.contains("/login") && text.contains("jwt=") {
        return auth(
            Some(Cloud::Vault),
            "vault write auth/…/login",
            variable_after(text, "jwt="),
        );
    }
    if text.contains("vault login") && text.contains("-method=jwt") {
        return auth(
            Some(Cloud::Vault),
            "vault login -method=jwt",
            variable_after(text, "jwt="),
        );
    }
    if text.contains("workload-identity-pools create-cred-config") {
        return auth(
            Some(Cloud::Gcp),
            "gcloud iam workload-identity-pools create-cred-config",
            None,
        );
    }
    if text.contains("az login") && text.contains("--federated-token") {
        return auth(
            Some(Cloud::Azure),
            "az login --federated-token",
            variable_after(text, "--federated-token"),
        );
    }
    if text.contains("Connect-AzAccount") && text.contains("-FederatedToken") {
        return auth(
            Some(Cloud::Azure),
            "Connect-AzAccount -FederatedToken",
            variable_after(text, "-FederatedToken"),
        );
    }
    None
}

fn legacy_in(text: &str) -> Option<&'static str> {
    LEGACY_JWT.iter().copied().find(|v| text.contains(v))
}

fn job(g: &Globals<'_>, entry: &Entry) -> Job {
    let name = entry.name().unwrap_or_default().to_owned();
    let mut unresolved = Vec::new();
    let chain = chain(g, &entry.value, &mut unresolved);

    let id_tokens: Vec<IdToken> = lookup(g, &chain, "id_tokens")
        .map(|(e, from)| {
            // Hashes merge along `extends`; `default:` applies only when the job
            // declares none.
            let mut tokens: Vec<(&Entry, Option<String>)> =
                if from.as_deref().is_some_and(|f| f.starts_with("default:")) {
                    deref(g, &e.value)
                        .entries_merged()
                        .into_iter()
                        .map(|t| (t, from.clone()))
                        .collect()
                } else {
                    merged_map(g, &chain, "id_tokens")
                };
            tokens.retain(|(t, _)| t.name().is_some());
            tokens
                .into_iter()
                .map(|(t, from)| IdToken {
                    name: t.name().unwrap_or_default().to_owned(),
                    aud: t
                        .value
                        .get_merged("aud")
                        .map(|a| {
                            a.value
                                .scalars()
                                .iter()
                                .filter_map(|n| n.text())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                    line: t.key.line,
                    from,
                })
                .collect()
        })
        .unwrap_or_default();

    let mut lines: Vec<(&str, usize)> = Vec::new();
    for key in ["before_script", "script", "after_script"] {
        if let Some((e, _)) = lookup(g, &chain, key) {
            script_lines(g, &e.value, 0, &mut lines, &mut unresolved);
        }
    }
    let mut auths: Vec<Auth> = lines.iter().filter_map(|(t, l)| detect(t, *l)).collect();
    let mut legacy: Vec<(String, usize)> = lines
        .iter()
        .filter_map(|(t, l)| legacy_in(t).map(|v| (v.to_owned(), *l)))
        .collect();

    // Variables: the job's (merged along extends), then the globals.
    let mut variables: Vec<(String, String, usize)> = merged_map(g, &chain, "variables")
        .into_iter()
        .filter_map(|(e, _)| {
            let value = e
                .value
                .text()
                .or_else(|| e.value.get_merged("value").and_then(|v| v.value.text()))?;
            Some((e.name()?.to_owned(), value.to_owned(), e.key.line))
        })
        .collect();
    if let Some(globals) = g.variables {
        for e in globals.entries_merged() {
            if let (Some(n), Some(v)) = (
                e.name(),
                e.value
                    .text()
                    .or_else(|| e.value.get_merged("value").and_then(|v| v.value.text())),
            ) && !variables.iter().any(|(k, _, _)| k == n)
            {
                variables.push((n.to_owned(), v.to_owned(), e.key.line));
            }
        }
    }
    for (k, v, l) in &variables {
        if let Some(legacy_var) = legacy_in(v) {
            legacy.push((legacy_var.to_owned(), *l));
        }
        if k == "AWS_WEB_IDENTITY_TOKEN_FILE" && !auths.iter().any(|a| a.cloud == Some(Cloud::Aws))
        {
            auths.push(Auth {
                cloud: Some(Cloud::Aws),
                line: *l,
                what: "AWS_WEB_IDENTITY_TOKEN_FILE (the AWS SDK's web identity login)".to_owned(),
                token_var: None,
            });
        }
    }
    // GCP and SDK logins read the token from a file written by the script.
    for a in auths.iter_mut().filter(|a| a.token_var.is_none()) {
        a.token_var = lines.iter().find_map(|(t, _)| {
            t.split('$')
                .skip(1)
                .filter_map(|s| variable_at(&format!("${s}")))
                .find(|v| {
                    id_tokens.iter().any(|i| &i.name == v) || LEGACY_JWT.contains(&v.as_str())
                })
        });
    }

    let mut ambiguous_secret_token = None;
    for (e, _) in merged_map(g, &chain, "secrets") {
        let provider = [
            "vault",
            "gcp_secret_manager",
            "azure_key_vault",
            "aws_secrets_manager",
        ]
        .into_iter()
        .find(|p| e.value.get_merged(p).is_some());
        let Some(provider) = provider else {
            continue;
        };
        let cloud = match provider {
            "vault" => Cloud::Vault,
            "gcp_secret_manager" => Cloud::Gcp,
            "azure_key_vault" => Cloud::Azure,
            _ => Cloud::Aws,
        };
        let token_var = e
            .value
            .get_merged("token")
            .and_then(|t| t.value.text())
            .and_then(variable_at);
        if token_var.is_none() && id_tokens.len() > 1 {
            ambiguous_secret_token.get_or_insert(e.key.line);
        }
        auths.push(Auth {
            cloud: Some(cloud),
            line: e.key.line,
            what: format!(
                "secrets:{} ({provider})",
                shown(e.name().unwrap_or_default())
            ),
            token_var,
        });
    }

    let aliases = variables
        .iter()
        .filter_map(|(k, v, _)| variable_at(v).map(|target| (k.clone(), target)))
        .collect();
    Job {
        line: entry.key.line,
        refs: refs(g, &chain),
        id_tokens,
        auths,
        legacy,
        aliases,
        unresolved,
        ambiguous_secret_token,
        name,
    }
}

/// The refs a job runs for: its `rules:` (or `only:`), else `workflow: rules:`.
fn refs(g: &Globals<'_>, chain: &[(&Node, Option<String>)]) -> Refs {
    let mut r = Refs::default();
    let rules = chain
        .iter()
        .find_map(|(n, _)| n.get_merged("rules"))
        .or_else(|| {
            g.root
                .get_merged("workflow")
                .and_then(|w| w.value.get_merged("rules"))
        });
    if let Some(rules) = rules {
        r.line = Some(rules.key.line);
        for rule in items(g, &rules.value) {
            if rule.get_merged("when").and_then(|w| w.value.text()) == Some("never") {
                continue;
            }
            match rule.get_merged("if").and_then(|i| i.value.text()) {
                Some(condition) => read_condition(condition, &mut r),
                None => r.any = true,
            }
        }
        return r;
    }
    if let Some(only) = chain.iter().find_map(|(n, _)| n.get_merged("only")) {
        r.line = Some(only.key.line);
        let list = only
            .value
            .get_merged("refs")
            .map(|e| &e.value)
            .unwrap_or(&only.value);
        for item in list.scalars().iter().filter_map(|n| n.text()) {
            match item {
                "tags" => r.any_tag = true,
                "merge_requests" => r.merge_requests = true,
                "branches" | "pushes" | "web" | "api" | "schedules" | "triggers" | "pipelines" => {
                    r.any = true
                }
                p if p.starts_with('/') => r.patterns.push(p.to_owned()),
                b => r.branches.push(b.to_owned()),
            }
        }
        return r;
    }
    r.any = true;
    r
}

/// Read one `rules:if` expression (only the comparisons that name a ref or source).
fn read_condition(condition: &str, r: &mut Refs) {
    let mut understood = false;
    for clause in condition.split("||") {
        for part in clause.split("&&") {
            let part = part
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim();
            let (var, op, value) = split_comparison(part);
            match (var, op, value) {
                ("$CI_PIPELINE_SOURCE", "==", "merge_request_event") => {
                    r.merge_requests = true;
                    understood = true;
                }
                (v, _, value) if v.starts_with("$CI_MERGE_REQUEST_") && value != "null" => {
                    r.merge_requests = true;
                    understood = true;
                }
                ("$CI_COMMIT_TAG", "", _) | ("$CI_COMMIT_TAG", "!=", "null") => {
                    r.any_tag = true;
                    understood = true;
                }
                ("$CI_COMMIT_TAG", "==", v) if !v.is_empty() && v != "null" => {
                    r.tags.push(v.to_owned());
                    understood = true;
                }
                ("$CI_COMMIT_TAG", "=~", v) => {
                    r.patterns.push(format!("tag {v}"));
                    understood = true;
                }
                ("$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME", "==", "$CI_DEFAULT_BRANCH") => {
                    r.default_branch = true;
                    understood = true;
                }
                ("$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME", "==", v)
                    if !v.is_empty() && v != "null" =>
                {
                    r.branches.push(v.to_owned());
                    understood = true;
                }
                ("$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME", "=~", v) => {
                    r.patterns.push(v.to_owned());
                    understood = true;
                }
                _ => {}
            }
        }
    }
    if !understood {
        r.any = true;
    }
}

/// `$VAR == "value"` → (`$VAR`, `==`, `value`); `$VAR` alone → (`$VAR`, ``, ``).
fn split_comparison(part: &str) -> (&str, &str, &str) {
    for op in ["==", "!=", "=~", "!~"] {
        if let Some((left, right)) = part.split_once(op) {
            let right = right.trim();
            let right = right
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .or_else(|| right.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
                .unwrap_or(right);
            return (left.trim(), op, right);
        }
    }
    (part, "", "")
}

/// Predicted subjects for a job, with when it carries each.
fn predict(refs: &Refs, prefix: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |sub: String, when: String| {
        if !out.iter().any(|(s, _)| *s == sub) {
            out.push((sub, when));
        }
    };
    let rule = refs
        .line
        .map(|l| format!(" (rules/only, line {l})"))
        .unwrap_or_default();
    for b in &refs.branches {
        push(
            format!("{prefix}:ref_type:branch:ref:{}", shown(b)),
            format!("on branch `{}`{rule}", shown(b)),
        );
    }
    if refs.default_branch {
        push(
            format!("{prefix}:ref_type:branch:ref:<default branch>"),
            format!("on the default branch{rule}"),
        );
    }
    for t in &refs.tags {
        push(
            format!("{prefix}:ref_type:tag:ref:{}", shown(t)),
            format!("on tag `{}`{rule}", shown(t)),
        );
    }
    for p in &refs.patterns {
        let kind = if p.starts_with("tag ") {
            "tag"
        } else {
            "branch"
        };
        push(
            format!("{prefix}:ref_type:{kind}:ref:<matching {}>", shown(p)),
            format!("for refs matching {}{rule}", shown(p)),
        );
    }
    if refs.any_tag {
        push(
            format!("{prefix}:ref_type:tag:ref:<tag>"),
            format!("on tags{rule}"),
        );
    }
    if refs.merge_requests {
        push(
            format!("{prefix}:ref_type:branch:ref:<merge request source branch>"),
            format!("in merge request pipelines{rule}"),
        );
    }
    if refs.any {
        push(
            format!("{prefix}:ref_type:branch:ref:<pipeline branch>"),
            "on any branch the pipeline runs for".to_owned(),
        );
        push(
            format!("{prefix}:ref_type:tag:ref:<pipeline tag>"),
            "on any tag the pipeline runs for".to_owned(),
        );
    }
    out
}

fn gitlab_claims(facts: &SharedFacts) -> Vec<(&str, &Claims)> {
    let mut out: Vec<(&str, &Claims)> = facts
        .tokens
        .iter()
        .map(|t| (t.artifact.as_str(), &t.token.claims))
        .collect();
    out.extend(facts.claims.iter().map(|(a, c)| (a.as_str(), c)));
    out.retain(|(_, c)| Platform::detect(c) == Platform::Gitlab);
    out
}

/// Is `var` (through `VAR: $OTHER` variables) one of the job's ID tokens?
fn resolves_to_token(job: &Job, var: &str) -> bool {
    let mut current = var.to_owned();
    for _ in 0..8 {
        if job.id_tokens.iter().any(|t| t.name == current) {
            return true;
        }
        match job.aliases.iter().find(|(k, _)| *k == current) {
            Some((_, target)) => current = target.clone(),
            None => return false,
        }
    }
    false
}

/// Place the pipeline's evidence and findings.
pub(crate) fn contribute(
    p: &Pipeline,
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let tokens = gitlab_claims(facts);
    let project = tokens
        .iter()
        .find_map(|(_, c)| c.str("project_path"))
        .map(str::to_owned);
    let prefix = format!(
        "project_path:{}",
        project
            .as_deref()
            .map_or_else(|| "GROUP/PROJECT".to_owned(), shown)
    );

    for d in &p.duplicates {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(d.line, &d.key),
            format!(
                "duplicate key `{}` (line {}, column {}): GitLab's loader keeps the last value (evaluated so); YAML forbids duplicates and other tools reject the file",
                shown(&d.key),
                d.line,
                d.column
            ),
        ));
    }
    if !p.includes.is_empty() {
        let list: Vec<String> = p
            .includes
            .iter()
            .take(5)
            .map(|(i, _)| format!("`{}`", shown(i)))
            .collect();
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(p.includes[0].1, "include"),
            format!(
                "include: not followed ({}{}): jobs, `default:` and templates defined there are not evaluated; give those files too",
                list.join(", "),
                if p.includes.len() > 5 { ", …" } else { "" }
            ),
        ));
    }
    let auth_jobs: Vec<&Job> = p
        .jobs
        .iter()
        .filter(|j| !j.auths.is_empty() || !j.legacy.is_empty())
        .collect();
    if auth_jobs.is_empty() {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(p.first_line, "(jobs)"),
            "no job authenticates to a cloud with an ID token (no assume-role-with-web-identity, vault jwt login, create-cred-config, az login --federated-token, or secrets: from a cloud provider)",
        ));
    }
    for job in auth_jobs.iter().take(MAX_JOBS_DETAILED) {
        place_job(job, artifact, &prefix, project.is_some(), &tokens, out);
    }
    if auth_jobs.len() > MAX_JOBS_DETAILED {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(p.first_line, "(jobs)"),
            format!(
                "{} more authenticating jobs not described one by one",
                auth_jobs.len() - MAX_JOBS_DETAILED
            ),
        ));
    }
}

fn place_job(
    job: &Job,
    artifact: &str,
    prefix: &str,
    known_project: bool,
    tokens: &[(&str, &Claims)],
    out: &mut Observations,
) {
    let path = job.name.clone();
    let clouds: BTreeSet<&str> = job
        .auths
        .iter()
        .map(|a| a.cloud.map_or("a service", Cloud::display))
        .collect();
    let clouds = clouds.into_iter().collect::<Vec<_>>().join(" and ");
    let auths = job
        .auths
        .iter()
        .map(|a| format!("`{}` (line {})", shown(&a.what), a.line))
        .collect::<Vec<_>>()
        .join(", ");

    if job.id_tokens.is_empty() {
        let legacy = job.legacy.first();
        let because = match legacy {
            Some((var, line)) => format!(
                "it uses `${var}` (line {line}), which GitLab removed in 17.0 (deprecated since 15.9): on current GitLab the variable is empty"
            ),
            None => "no `id_tokens:` in the job, its `extends:` chain or `default:`, so GitLab gives the job no ID token".to_owned(),
        };
        if !job.unresolved.is_empty() && legacy.is_none() {
            out.evidence(Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(job.line, &path),
                format!(
                    "job `{}` authenticates to {clouds} ({auths}) and declares no `id_tokens:` here; it may inherit them from {} (not in this file)",
                    shown(&job.name),
                    job.unresolved.join(", ")
                ),
            ));
        } else {
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Fail,
                artifact,
                locator(legacy.map_or(job.line, |l| l.1), &path),
                format!(
                    "job `{}` authenticates to {clouds} but has no ID token: {because}",
                    shown(&job.name)
                ),
            );
            let token = job
                .auths
                .iter()
                .find_map(|a| a.token_var.clone())
                .unwrap_or_else(|| "GITLAB_OIDC_TOKEN".to_owned());
            let aud = match job.auths.first().and_then(|a| a.cloud) {
                Some(Cloud::Aws) => "sts.amazonaws.com",
                Some(Cloud::Azure) => "api://AzureADTokenExchange",
                Some(Cloud::Gcp) => {
                    "https://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER"
                }
                _ => "https://vault.example.com",
            };
            let token = if LEGACY_JWT.contains(&token.as_str()) {
                "GITLAB_OIDC_TOKEN".to_owned()
            } else {
                token
            };
            out.finding(
                WORKFLOW_GITLAB_MISSING_ID_TOKENS
                    .finding(
                        format!(
                            "Job `{}` (line {}) authenticates with {auths}, but {because}. Without a token the cloud login fails before the cloud sees one{}.",
                            shown(&job.name),
                            job.line,
                            if job.unresolved.is_empty() { "" } else { " (unless something not in this file provides it)" }
                        ),
                        format!(
                            "Declare the token in job `{}` (or in `default:`) with the audience the cloud expects, and use its variable{}: `id_tokens: {{ {}: {{ aud: {aud} }} }}`.",
                            shown(&job.name),
                            if legacy.is_some() { " instead of $CI_JOB_JWT*" } else { "" },
                            shown(&token)
                        ),
                    )
                    .with_evidence(ev),
            );
        }
    } else {
        let tokens_desc = job
            .id_tokens
            .iter()
            .map(|t| {
                format!(
                    "`{}` (aud {}{})",
                    shown(&t.name),
                    if t.aud.is_empty() {
                        "none".to_owned()
                    } else {
                        t.aud
                            .iter()
                            .map(|a| format!("`{}`", shown(a)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    t.from
                        .as_deref()
                        .map(|f| format!(", from {f}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let first = &job.id_tokens[0];
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Pass,
            artifact,
            locator(first.line, &format!("{path}.id_tokens")),
            format!(
                "job `{}` declares ID token(s) {tokens_desc} for {clouds} (used by {auths})",
                shown(&job.name)
            ),
        ));
        for t in job.id_tokens.iter().filter(|t| t.aud.is_empty()) {
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Fail,
                artifact,
                locator(t.line, &format!("{path}.id_tokens.{}", t.name)),
                format!(
                    "ID token `{}` of job `{}` has no `aud`",
                    shown(&t.name),
                    shown(&job.name)
                ),
            );
            out.finding(
                WORKFLOW_GITLAB_MISSING_ID_TOKENS
                    .finding(
                        format!("ID token `{}` (line {}) of job `{}` declares no `aud`; every entry of `id_tokens` needs the audience the cloud expects.", shown(&t.name), t.line, shown(&job.name)),
                        format!("add `aud:` under `id_tokens: {}:` (for AWS `sts.amazonaws.com` or your provider's client ID; for Vault one of the role's bound_audiences)", shown(&t.name)),
                    )
                    .with_evidence(ev),
            );
        }
        for (var, line) in &job.legacy {
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Fail,
                artifact,
                locator(*line, &path),
                format!(
                    "job `{}` declares id_tokens but still uses `${var}`, which a job with id_tokens does not get (and GitLab 17.0 removed)",
                    shown(&job.name)
                ),
            );
            out.finding(
                WORKFLOW_ACTION_MISCONFIGURED
                    .finding(
                        format!("Job `{}` uses `${var}` (line {line}); GitLab removed it in 17.0, and a job that declares `id_tokens` never gets it, so the command receives an empty token.", shown(&job.name)),
                        format!("use the declared token's variable, `${}`, instead of `${var}`", shown(&first.name)),
                    )
                    .with_evidence(ev),
            );
        }
        for a in &job.auths {
            let Some(var) = &a.token_var else { continue };
            if LEGACY_JWT.contains(&var.as_str()) || resolves_to_token(job, var) {
                continue;
            }
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Fail,
                artifact,
                locator(a.line, &path),
                format!(
                    "job `{}`: `{}` uses `${}`, which is none of its ID tokens ({})",
                    shown(&job.name),
                    shown(&a.what),
                    shown(var),
                    job.id_tokens
                        .iter()
                        .map(|t| format!("`{}`", shown(&t.name)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            out.finding(
                WORKFLOW_ACTION_MISCONFIGURED
                    .finding(
                        format!("In job `{}`, `{}` (line {}) passes `${}`, but the job's ID tokens are {}: the variable is empty (unless set elsewhere), so the cloud gets no token.", shown(&job.name), shown(&a.what), a.line, shown(var), job.id_tokens.iter().map(|t| format!("`{}`", shown(&t.name))).collect::<Vec<_>>().join(", ")),
                        format!("pass `${}` (or rename the ID token to `{}`)", shown(&first.name), shown(var)),
                    )
                    .with_evidence(ev),
            );
        }
        if let Some(line) = job.ambiguous_secret_token {
            out.evidence(Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(line, &format!("{path}.secrets")),
                format!("job `{}` has several ID tokens and a secret without `token:`: set `token: $NAME` to choose the one the secrets provider expects", shown(&job.name)),
            ));
        }
    }

    // The prediction.
    let predictions = predict(&job.refs, prefix);
    let auds: Vec<String> = job
        .id_tokens
        .iter()
        .flat_map(|t| t.aud.iter().map(|a| format!("`{}`", shown(a))))
        .collect();
    out.evidence(Evidence::statics(
        Stage::Workflow,
        Outcome::Info,
        artifact,
        locator(job.line, &path),
        format!(
            "job `{}` will present a token with aud {} and sub {}{}",
            shown(&job.name),
            if auds.is_empty() {
                "(none declared)".to_owned()
            } else {
                auds.join(", ")
            },
            predictions
                .iter()
                .take(6)
                .map(|(s, w)| format!("`{s}` {w}"))
                .collect::<Vec<_>>()
                .join("; "),
            if known_project {
                String::new()
            } else {
                " (GROUP/PROJECT: give a token from the project to fill it in)".to_owned()
            }
        ),
    ));
    if job.refs.merge_requests {
        let ev = Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(job.refs.line.unwrap_or(job.line), &format!("{path}.rules")),
            format!(
                "job `{}` runs in merge request pipelines and authenticates there: its token carries `{prefix}:ref_type:branch:ref:<source branch>`, so a trust rule that admits it admits unreviewed branches; merge requests from forks run in the fork's project unless run in the parent project",
                shown(&job.name)
            ),
        );
        out.evidence(ev.clone());
        // As GitHub's pull_request job that logs in (`workflow.github.pull-request-run`):
        // the job hands cloud credentials to code that is still under review.
        let refs = &job.refs;
        let only = !refs.any
            && !refs.default_branch
            && !refs.any_tag
            && refs.branches.is_empty()
            && refs.tags.is_empty()
            && refs.patterns.is_empty();
        out.finding(
            WORKFLOW_GITLAB_MERGE_REQUEST_RUN
                .finding(
                    format!(
                        "Job `{}` runs {} merge request pipelines (rules at line {}) and authenticates to {} there. Its ID token carries the source branch's subject (`{prefix}:ref_type:branch:ref:<source branch>`, `pipeline_source` `merge_request_event`): for the login to work the trust configuration must admit unprotected branches, which lets the merge request's unreviewed code get these credentials.",
                        shown(&job.name),
                        if only { "only in" } else { "in" },
                        refs.line.unwrap_or(job.line),
                        if clouds.is_empty() { "a cloud" } else { clouds.as_str() }
                    ),
                    "Authenticate only on protected branches or tags (`rules: - if: $CI_COMMIT_REF_PROTECTED == \"true\"`) and pin the trust rule to them (or to `ref_protected`); give merge request jobs a separate read-only role, or none.",
                )
                .with_evidence(ev),
        );
    }
    for (artifact_name, claims) in tokens {
        let sub = claims.subject().unwrap_or("(no sub)");
        let auds = claims.audiences();
        if !job
            .id_tokens
            .iter()
            .any(|t| t.aud.iter().any(|a| auds.contains(&a.as_str())))
        {
            continue;
        }
        let predicted = predictions.iter().any(|(s, _)| s == sub);
        let summary = if predicted {
            format!(
                "the token in {} (sub `{}`) is one predicted for job `{}`",
                shown(artifact_name),
                shown(sub),
                shown(&job.name)
            )
        } else {
            format!(
                "the token in {} has job `{}`'s audience but sub `{}`, which its rules do not predict: it ran for another ref, or the project customises the subject (`ci_id_token_sub_claim_components`)",
                shown(artifact_name),
                shown(&job.name),
                shown(sub)
            )
        };
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(job.line, &path),
            summary,
        ));
    }
}
