//! GitHub Actions workflows: which jobs log in to a cloud with the job's OIDC token,
//! whether they may request one, the subject and audience the token will carry, and
//! the risky shapes.
//!
//! Rules applied, with their sources:
//! - A job needs `id-token: write` to request a token ("You won't be able to request
//!   the OIDC JWT ID token if the permissions setting for id-token is set to read or
//!   none", <https://docs.github.com/en/actions/reference/security/oidc>). A job-level
//!   `permissions` replaces the workflow-level one; a block that lists some scopes sets
//!   every unlisted scope to none; `write-all` includes id-token, `read-all` and `{}`
//!   do not (<https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#permissions>).
//!   With no `permissions` anywhere the job gets the repository's default GITHUB_TOKEN
//!   permissions, whose id-token access is `none` in both the permissive and the
//!   restricted default, and at most `none` for pull requests from public forks
//!   (<https://docs.github.com/en/actions/reference/github_token-reference>, table
//!   "Permissions for the GITHUB_TOKEN"). A reusable workflow (`on: workflow_call`)
//!   without `permissions` gets its caller's.
//! - Subject (precedence environment > pull_request > ref, OIDC reference):
//!   `repo:OWNER/REPO:environment:NAME`, `repo:OWNER/REPO:pull_request`,
//!   `repo:OWNER/REPO:ref:refs/heads/BRANCH` / `…:ref:refs/tags/TAG`.
//! - Audiences the login actions request, from their `action.yml` and source:
//!   aws-actions/configure-aws-credentials `audience` default `sts.amazonaws.com`;
//!   azure/login `audience` default `api://AzureADTokenExchange`;
//!   google-github-actions/auth `audience` default
//!   `https://iam.googleapis.com/` + `workload_identity_provider`; hashicorp/vault-action
//!   passes `jwtGithubAudience` to `core.getIDToken`, and its `action.yml` gives no
//!   default, so GitHub's default applies (the owner URL, `https://github.com/OWNER`);
//!   its README's reference table says `sigstore`, which we report as a doubt.
//! - Required inputs: configure-aws-credentials reads `aws-region` with
//!   `required: true`; azure/login needs `client-id` and `tenant-id` (and
//!   `subscription-id` unless `allow-no-subscriptions`); google auth needs exactly one
//!   of `workload_identity_provider` / `credentials_json`, and `service_account` with
//!   `token_format`; vault-action needs `url`.
//! - `pull_request_target` runs with the base repository's permissions and secrets even
//!   for forks; checking out the pull request's head there runs untrusted code with
//!   them (hardening guide).
//! - Duplicate keys make GitHub reject the file: `(Line: 14, Col: 3): 'pull_request'
//!   is already defined` (e.g. <https://github.com/lowlighter/metrics/issues/1055>).
//! - Anchors are supported since 2025-09-18, merge keys (`<<`) are not
//!   (<https://frenck.dev/github-actions-yaml-anchors-aliases-merge-keys>).

use std::collections::BTreeSet;

use super::yaml::{Duplicate, Entry, Kind, Loaded, Node};
use super::{locator, shown};
use crate::evidence::{Observations, SharedFacts};
use crate::token::claims::Claims;
use crate::token::{Cloud, Platform};
use crate::vocabulary::catalog::{
    WORKFLOW_ACTION_INPUT_MISSING, WORKFLOW_ACTION_MISCONFIGURED,
    WORKFLOW_GITHUB_FORK_PULL_REQUEST, WORKFLOW_GITHUB_ID_TOKEN_WRITE_EVERYWHERE,
    WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION, WORKFLOW_GITHUB_PULL_REQUEST_RUN,
    WORKFLOW_GITHUB_PULL_REQUEST_TARGET, WORKFLOW_GITHUB_PULL_REQUEST_TARGET_CHECKOUT,
};
use crate::vocabulary::{Evidence, Outcome, Stage};

/// Jobs described one by one; the rest are summarised.
const MAX_JOBS_DETAILED: usize = 100;
/// Subjects listed per job.
const MAX_SUBJECTS: usize = 6;

/// A workflow, reduced to what the diagnosis needs.
#[derive(Debug)]
pub(crate) struct Workflow {
    pub name: Option<String>,
    pub on_line: usize,
    pub triggers: Vec<Trigger>,
    pub permissions: Option<Permissions>,
    pub jobs: Vec<Job>,
    pub duplicates: Vec<Duplicate>,
    /// Line of a merge key (`<<`), which GitHub does not support.
    pub merge_key: Option<usize>,
}

/// One event of `on:`.
#[derive(Debug)]
pub(crate) struct Trigger {
    pub event: String,
    pub line: usize,
    /// `branches` (push: the pushed branch; pull_request: the base branch).
    pub branches: Vec<String>,
    pub tags: Vec<String>,
    /// Any `branches`/`tags` filter (with `-ignore` variants).
    pub branch_filter: bool,
    pub tag_filter: bool,
}

/// A `permissions` block.
#[derive(Debug)]
pub(crate) struct Permissions {
    pub line: usize,
    pub path: String,
    pub grant: Grant,
}

#[derive(Debug)]
pub(crate) enum Grant {
    WriteAll,
    ReadAll,
    /// `{}`: every scope none.
    Nothing,
    /// Scopes listed one by one; `id_token` is its value and line when listed.
    Listed {
        id_token: Option<(String, usize)>,
        scopes: Vec<(String, String)>,
    },
    /// Something we cannot evaluate (an expression, an unknown word).
    Unclear(String),
}

#[derive(Debug)]
pub(crate) struct Environment {
    pub name: String,
    pub line: usize,
    pub expression: bool,
}

#[derive(Debug)]
pub(crate) struct Job {
    pub id: String,
    pub line: usize,
    pub permissions: Option<Permissions>,
    pub environment: Option<Environment>,
    /// `uses:` of a job that calls a reusable workflow.
    pub calls: Option<(String, usize)>,
    pub logins: Vec<Login>,
    /// Steps that check out the pull request's head.
    pub head_checkouts: Vec<StepRef>,
    /// The job's `if:`.
    pub condition: Option<String>,
}

#[derive(Debug)]
pub(crate) struct StepRef {
    pub line: usize,
    pub step: usize,
    pub what: String,
}

/// A step that logs in to a cloud (or requests the token itself).
#[derive(Debug)]
pub(crate) struct Login {
    /// The action (`aws-actions/configure-aws-credentials@v4`) or what the script does.
    pub via: String,
    pub cloud: Option<Cloud>,
    pub line: usize,
    pub step: usize,
    /// Uses the job's OIDC token (not keys from secrets).
    pub oidc: bool,
    pub audience: String,
    /// Where the audience comes from (`its audience input`, `the action's default`).
    pub audience_from: String,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
    pub target: Option<Target>,
    /// The step's `if:`.
    pub condition: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Problem {
    pub missing: bool,
    pub line: usize,
    pub what: String,
    pub fix: String,
}

/// What the login names, for the next commands to run.
#[derive(Debug)]
pub(crate) enum Target {
    AwsRole(String),
    AzureClient(String),
    GcpProvider(String),
    VaultRole { path: String, role: String },
}

impl Workflow {
    pub fn note(&self) -> String {
        let logins: usize = self
            .jobs
            .iter()
            .map(|j| j.logins.iter().filter(|l| l.oidc).count())
            .sum();
        let mut note = format!(
            "GitHub Actions workflow{}: {} job{}, {} OIDC login step{}",
            self.name
                .as_deref()
                .map(|n| format!(" `{}`", shown(n)))
                .unwrap_or_default(),
            self.jobs.len(),
            if self.jobs.len() == 1 { "" } else { "s" },
            logins,
            if logins == 1 { "" } else { "s" },
        );
        if !self.duplicates.is_empty() {
            note.push_str(&format!(
                "; {} duplicate key(s): GitHub rejects the file",
                self.duplicates.len()
            ));
        }
        note
    }

    fn has(&self, event: &str) -> Option<&Trigger> {
        self.triggers.iter().find(|t| t.event == event)
    }

    fn only_workflow_call(&self) -> bool {
        !self.triggers.is_empty() && self.triggers.iter().all(|t| t.event == "workflow_call")
    }
}

/// Build the model; `None` when the document is not a workflow after all.
pub(crate) fn extract(loaded: &Loaded) -> Option<Workflow> {
    let root = loaded.documents.iter().find(|d| d.as_map().is_some())?;
    let entries = root.entries();
    let on = entries
        .iter()
        .find(|e| matches!(e.name(), Some("on" | "true")))?;
    let jobs = root.get("jobs")?;
    Some(Workflow {
        name: root
            .get("name")
            .and_then(|e| e.value.text())
            .map(str::to_owned),
        on_line: on.key.line,
        triggers: triggers(on),
        permissions: root
            .get("permissions")
            .map(|e| permissions(e, "permissions")),
        jobs: jobs.value.entries().into_iter().filter_map(job).collect(),
        duplicates: loaded.duplicates.clone(),
        merge_key: find_merge_key(root, 0),
    })
}

fn find_merge_key(node: &Node, depth: usize) -> Option<usize> {
    if depth > 6 {
        return None;
    }
    match &node.untagged().kind {
        Kind::Map(entries) => entries.iter().find_map(|e| {
            if e.name() == Some("<<") {
                Some(e.key.line)
            } else {
                find_merge_key(&e.value, depth + 1)
            }
        }),
        Kind::Seq(items) => items.iter().find_map(|i| find_merge_key(i, depth + 1)),
        _ => None,
    }
}

fn triggers(on: &Entry) -> Vec<Trigger> {
    let simple = |event: &str, line: usize| Trigger {
        event: event.to_owned(),
        line,
        branches: Vec::new(),
        tags: Vec::new(),
        branch_filter: false,
        tag_filter: false,
    };
    let value = &on.value;
    if let Some(event) = value.text() {
        return vec![simple(event, value.line)];
    }
    if let Some(items) = value.as_seq() {
        return items
            .iter()
            .filter_map(|i| i.text().map(|t| simple(t, i.line)))
            .collect();
    }
    value
        .entries()
        .into_iter()
        .filter_map(|e| {
            let mut t = simple(e.name()?, e.key.line);
            let list = |key: &str| -> Vec<String> {
                e.value
                    .get(key)
                    .map(|f| {
                        f.value
                            .scalars()
                            .iter()
                            .filter_map(|n| n.text())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            t.branches = list("branches");
            t.tags = list("tags");
            t.branch_filter =
                e.value.get("branches").is_some() || e.value.get("branches-ignore").is_some();
            t.tag_filter = e.value.get("tags").is_some() || e.value.get("tags-ignore").is_some();
            Some(t)
        })
        .collect()
}

fn permissions(entry: &Entry, path: &str) -> Permissions {
    let value = &entry.value;
    let grant = match (&value.untagged().kind, value.text()) {
        (_, Some("write-all")) => Grant::WriteAll,
        (_, Some("read-all")) => Grant::ReadAll,
        (Kind::Map(m), _) if m.is_empty() => Grant::Nothing,
        (Kind::Map(_), _) => {
            let entries = value.entries();
            let id_token = entries
                .iter()
                .find(|e| e.name() == Some("id-token"))
                .map(|e| (e.value.text().unwrap_or("").to_owned(), e.key.line));
            Grant::Listed {
                id_token,
                scopes: entries
                    .iter()
                    .filter_map(|e| {
                        Some((
                            e.name()?.to_owned(),
                            e.value.text().unwrap_or("").to_owned(),
                        ))
                    })
                    .collect(),
            }
        }
        (_, Some(other)) => Grant::Unclear(format!("`{other}`")),
        (Kind::Null, _) => Grant::Unclear("an empty value".to_owned()),
        _ => Grant::Unclear("a value of another shape".to_owned()),
    };
    Permissions {
        line: entry.key.line,
        path: path.to_owned(),
        grant,
    }
}

fn job(entry: &Entry) -> Option<Job> {
    let id = entry.name()?.to_owned();
    let body = &entry.value;
    let environment = body.get("environment").and_then(|e| {
        let name = e
            .value
            .text()
            .or_else(|| e.value.get("name").and_then(|n| n.value.text()))?;
        Some(Environment {
            name: name.to_owned(),
            line: e.key.line,
            expression: name.contains("${{"),
        })
    });
    let mut job = Job {
        line: entry.key.line,
        permissions: body
            .get("permissions")
            .map(|e| permissions(e, &format!("jobs.{id}.permissions"))),
        environment,
        calls: body
            .get("uses")
            .and_then(|e| e.value.text().map(|t| (t.to_owned(), e.key.line))),
        logins: Vec::new(),
        head_checkouts: Vec::new(),
        condition: body
            .get("if")
            .and_then(|e| e.value.text())
            .map(str::to_owned),
        id,
    };
    let steps = body
        .get("steps")
        .and_then(|s| s.value.as_seq())
        .unwrap_or_default();
    for (index, step) in steps.iter().enumerate() {
        read_step(&mut job, index, step);
    }
    Some(job)
}

/// An input of a step's `with:`. Input names are case-insensitive (they become
/// `INPUT_<NAME>` environment variables).
#[derive(Clone, Copy, Debug)]
enum Value<'a> {
    Absent,
    Empty(usize),
    Expression(&'a str, usize),
    Literal(&'a str, usize),
}

impl<'a> Value<'a> {
    fn given(self) -> bool {
        matches!(self, Value::Expression(..) | Value::Literal(..))
    }

    fn literal(self) -> Option<&'a str> {
        match self {
            Value::Literal(s, _) => Some(s),
            _ => None,
        }
    }

    fn text(self) -> Option<&'a str> {
        match self {
            Value::Literal(s, _) | Value::Expression(s, _) => Some(s),
            _ => None,
        }
    }

    fn line_or(self, fallback: usize) -> usize {
        match self {
            Value::Empty(l) | Value::Expression(_, l) | Value::Literal(_, l) => l,
            Value::Absent => fallback,
        }
    }
}

fn input<'a>(with: Option<&'a Node>, name: &str) -> Value<'a> {
    let Some(entry) = with.and_then(|w| {
        w.as_map()?
            .iter()
            .rev()
            .find(|e| e.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }) else {
        return Value::Absent;
    };
    match entry.value.text() {
        Some(t) if t.trim().is_empty() => Value::Empty(entry.key.line),
        Some(t) if t.contains("${{") => Value::Expression(t, entry.key.line),
        Some(t) => Value::Literal(t, entry.key.line),
        None => Value::Empty(entry.key.line),
    }
}

fn action_name(uses: &str) -> String {
    uses.split('@')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Expressions and refs that name the pull request's head (untrusted code).
const HEAD_REFS: [&str; 6] = [
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.head_ref",
    "refs/pull/",
    "github.event.pull_request.merge_commit_sha",
    "github.event.pull_request.head.repo.full_name",
];

fn read_step(job: &mut Job, index: usize, step: &Node) {
    let uses = step
        .get("uses")
        .and_then(|e| e.value.text())
        .unwrap_or_default();
    let run = step
        .get("run")
        .and_then(|e| e.value.text())
        .unwrap_or_default();
    let with = step.get("with").map(|e| &e.value);
    let line = step
        .as_map()
        .and_then(|m| m.first())
        .map_or(step.line, |e| e.key.line);
    let action = action_name(uses);
    let login = match action.as_str() {
        "aws-actions/configure-aws-credentials" => Some(aws(uses, with, line)),
        "azure/login" => Some(azure(uses, with, line)),
        "google-github-actions/auth" => Some(google(uses, with, line)),
        "hashicorp/vault-action" => vault(uses, with, line),
        "actions/github-script" => {
            let script = input(with, "script").text().unwrap_or_default();
            script.contains("getIDToken(").then(|| {
                let audience = quoted_argument(script, "getIDToken(");
                scripted(
                    format!("{} calling core.getIDToken", uses.trim()),
                    audience,
                    script,
                    line,
                )
            })
        }
        _ if run.contains("ACTIONS_ID_TOKEN_REQUEST_URL")
            || run.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN") =>
        {
            let audience = run.split("audience=").nth(1).map(|rest| {
                rest.split(['"', '\'', ' ', '&', '\n', ')', '`'])
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
            Some(scripted(
                "a script requesting $ACTIONS_ID_TOKEN_REQUEST_URL".to_owned(),
                audience.filter(|a| !a.is_empty()),
                run,
                line,
            ))
        }
        _ => None,
    };
    if let Some(mut login) = login {
        login.step = index;
        login.condition = step
            .get("if")
            .and_then(|e| e.value.text())
            .map(str::to_owned);
        job.logins.push(login);
    }
    let checkout = if action == "actions/checkout" {
        let reference = input(with, "ref").text().unwrap_or_default();
        let repository = input(with, "repository").text().unwrap_or_default();
        HEAD_REFS
            .iter()
            .find(|h| reference.contains(*h) || repository.contains(*h))
            .map(|h| format!("{} with {}", uses.trim(), h))
    } else if run.contains("gh pr checkout")
        || (run.contains("git ") && HEAD_REFS.iter().any(|h| run.contains(h)))
    {
        Some("a script that fetches the pull request's head".to_owned())
    } else {
        None
    };
    if let Some(what) = checkout {
        job.head_checkouts.push(StepRef {
            line,
            step: index,
            what,
        });
    }
}

/// The first quoted literal after `call` (`core.getIDToken('api://x')`).
fn quoted_argument(text: &str, call: &str) -> Option<String> {
    let rest = text.split(call).nth(1)?.trim_start();
    let quote = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '\'' | '"' | '`'))?;
    Some(rest[1..].split(quote).next()?.to_owned())
}

fn new_login(via: &str, cloud: Option<Cloud>, line: usize) -> Login {
    Login {
        via: via.trim().to_owned(),
        cloud,
        line,
        step: 0,
        oidc: true,
        audience: String::new(),
        audience_from: String::new(),
        problems: Vec::new(),
        notes: Vec::new(),
        target: None,
        condition: None,
    }
}

fn audience(login: &mut Login, with: Option<&Node>, name: &str, default: String, from: &str) {
    match input(with, name) {
        Value::Literal(a, _) | Value::Expression(a, _) => {
            login.audience = a.to_owned();
            login.audience_from = format!("its `{name}` input");
        }
        _ => {
            login.audience = default;
            login.audience_from = from.to_owned();
        }
    }
}

impl Login {
    fn missing(&mut self, line: usize, what: String, fix: String) {
        self.problems.push(Problem {
            missing: true,
            line,
            what,
            fix,
        });
    }

    fn misconfigured(&mut self, line: usize, what: String, fix: String) {
        self.problems.push(Problem {
            missing: false,
            line,
            what,
            fix,
        });
    }
}

fn aws(uses: &str, with: Option<&Node>, line: usize) -> Login {
    let mut login = new_login(uses, Some(Cloud::Aws), line);
    let role = input(with, "role-to-assume");
    audience(
        &mut login,
        with,
        "audience",
        "sts.amazonaws.com".to_owned(),
        "the action's default",
    );
    if input(with, "aws-access-key-id").given() {
        login.oidc = false;
        login
            .notes
            .push("uses access keys from its inputs, not the job's OIDC token".to_owned());
    } else if input(with, "web-identity-token-file").given() {
        login.oidc = false;
        login
            .notes
            .push("reads a web identity token file, not GitHub's OIDC token".to_owned());
    } else if !role.given() {
        login.missing(
            role.line_or(line),
            "neither `role-to-assume` nor access keys: the action has no way to get credentials on a GitHub-hosted runner".to_owned(),
            "add `role-to-assume: arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME` (or `${{ secrets.AWS_ROLE_ARN }}`) to its `with:`".to_owned(),
        );
    }
    if let Some(arn) = role.literal() {
        if login.oidc && !arn.starts_with("arn:") {
            login.misconfigured(
                role.line_or(line),
                format!("`role-to-assume: {}` is a role name, not an ARN; with OIDC the action has no account to build the ARN from (`Source Account ID is needed if the Role Name is provided and not the Role Arn.`)", shown(arn)),
                "give the full role ARN: `role-to-assume: arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME`".to_owned(),
            );
        }
        login.target = Some(Target::AwsRole(arn.to_owned()));
    }
    let region = input(with, "aws-region");
    if !region.given() {
        login.missing(
            region.line_or(line),
            "`aws-region` is required (`core.getInput('aws-region', { required: true })`; the step fails with `Input required and not supplied: aws-region`)".to_owned(),
            "add `aws-region: us-east-1` (your region) to its `with:`".to_owned(),
        );
    }
    login
}

fn azure(uses: &str, with: Option<&Node>, line: usize) -> Login {
    let mut login = new_login(uses, Some(Cloud::Azure), line);
    audience(
        &mut login,
        with,
        "audience",
        "api://AzureADTokenExchange".to_owned(),
        "the action's default",
    );
    if input(with, "creds").given() {
        login.oidc = false;
        login.notes.push(
            "logs in with the `creds` secret (a service principal secret), not the job's OIDC token"
                .to_owned(),
        );
        return login;
    }
    if input(with, "auth-type")
        .literal()
        .is_some_and(|t| t.eq_ignore_ascii_case("IDENTITY"))
    {
        login.oidc = false;
        login.notes.push(
            "uses a managed identity (`auth-type: IDENTITY`), not the job's OIDC token".to_owned(),
        );
        return login;
    }
    for required in ["client-id", "tenant-id"] {
        let v = input(with, required);
        if !v.given() {
            login.missing(
                v.line_or(line),
                format!("`{required}` is required for OIDC (`Using auth-type: SERVICE_PRINCIPAL. Not all values are present. Ensure 'client-id' and 'tenant-id' are supplied.`)"),
                format!(
                    "add `{required}: ${{{{ secrets.AZURE_{} }}}}` to its `with:`",
                    required.replace('-', "_").to_ascii_uppercase()
                ),
            );
        }
    }
    let subscription = input(with, "subscription-id");
    let allow = input(with, "allow-no-subscriptions")
        .literal()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !subscription.given() && !allow {
        login.missing(
            subscription.line_or(line),
            "`subscription-id` is missing and `allow-no-subscriptions` is not true (`Ensure 'subscription-id' is supplied or 'allow-no-subscriptions' is 'true'.`)".to_owned(),
            "add `subscription-id: ${{ secrets.AZURE_SUBSCRIPTION_ID }}`, or `allow-no-subscriptions: true` for tenant-level access".to_owned(),
        );
    }
    if let Some(client) = input(with, "client-id").literal() {
        login.target = Some(Target::AzureClient(client.to_owned()));
    }
    login
}

fn google(uses: &str, with: Option<&Node>, line: usize) -> Login {
    let mut login = new_login(uses, Some(Cloud::Gcp), line);
    let provider = input(with, "workload_identity_provider");
    let key = input(with, "credentials_json");
    let default = match provider.text() {
        Some(p) => format!("https://iam.googleapis.com/{p}"),
        None => "https://iam.googleapis.com/<workload_identity_provider>".to_owned(),
    };
    audience(
        &mut login,
        with,
        "audience",
        default,
        "the action's default (`https://iam.googleapis.com/` + workload_identity_provider)",
    );
    match (provider.given(), key.given()) {
        (false, true) => {
            login.oidc = false;
            login.notes.push(
                "uses a service account key (`credentials_json`), not the job's OIDC token"
                    .to_owned(),
            );
            return login;
        }
        (true, true) => login.misconfigured(
            line,
            "both `workload_identity_provider` and `credentials_json` are set (`The GitHub Action workflow must specify exactly one of \"workload_identity_provider\" or \"credentials_json\"!`)".to_owned(),
            "keep `workload_identity_provider` and remove `credentials_json`".to_owned(),
        ),
        (false, false) => login.missing(
            provider.line_or(line),
            "neither `workload_identity_provider` nor `credentials_json` (`…must specify exactly one of \"workload_identity_provider\" or \"credentials_json\"!`)".to_owned(),
            "add `workload_identity_provider: projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`".to_owned(),
        ),
        (true, false) => {}
    }
    if let Some(p) = provider.literal() {
        if !is_provider_name(p) {
            login.misconfigured(
                provider.line_or(line),
                format!("`workload_identity_provider: {}` is not a provider's full name `projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER` (a project ID instead of its number, or the pool instead of the provider, fail the token exchange)", shown(p)),
                "copy the provider's `name` from `gcloud iam workload-identity-pools providers describe … --format='value(name)'`".to_owned(),
            );
        }
        login.target = Some(Target::GcpProvider(p.to_owned()));
    }
    let format = input(with, "token_format").literal().unwrap_or_default();
    if matches!(format, "access_token" | "id_token") && !input(with, "service_account").given() {
        login.missing(
            line,
            format!("`token_format: {format}` needs `service_account` (`The GitHub Action workflow must specify a \"service_account\" to use when generating an OAuth 2.0 Access Token.`)"),
            "add `service_account: NAME@PROJECT_ID.iam.gserviceaccount.com`".to_owned(),
        );
    }
    login
}

fn is_provider_name(p: &str) -> bool {
    let parts: Vec<&str> = p
        .trim_start_matches("//iam.googleapis.com/")
        .split('/')
        .collect();
    parts.len() == 8
        && parts[0] == "projects"
        && !parts[1].is_empty()
        && parts[1].bytes().all(|b| b.is_ascii_digit())
        && parts[2] == "locations"
        && parts[4] == "workloadIdentityPools"
        && parts[6] == "providers"
}

fn vault(uses: &str, with: Option<&Node>, line: usize) -> Option<Login> {
    let method = input(with, "method").literal().unwrap_or("token");
    if !method.eq_ignore_ascii_case("jwt") {
        return None;
    }
    let mut login = new_login(uses, Some(Cloud::Vault), line);
    audience(
        &mut login,
        with,
        "jwtGithubAudience",
        "https://github.com/OWNER".to_owned(),
        "GitHub's default: vault-action passes no audience unless `jwtGithubAudience` is set (its README's table says `sigstore`)",
    );
    if input(with, "jwtPrivateKey").given() {
        login.oidc = false;
        login
            .notes
            .push("signs its own JWT (`jwtPrivateKey`), not GitHub's OIDC token".to_owned());
        return Some(login);
    }
    let url = input(with, "url");
    if !url.given() {
        login.missing(
            url.line_or(line),
            "`url` is required (vault-action's `action.yml`: `required: true`)".to_owned(),
            "add `url: https://vault.example.com:8200` (or `${{ secrets.VAULT_ADDR }}`)".to_owned(),
        );
    }
    let role = input(with, "role");
    if !role.given() {
        login.notes.push("no `role`: recent vault-action versions require it for `method: jwt`; older ones fall back to the auth mount's `default_role`".to_owned());
    }
    let path = input(with, "path").literal().unwrap_or("jwt").to_owned();
    if let Some(role) = role.literal() {
        login.target = Some(Target::VaultRole {
            path,
            role: role.to_owned(),
        });
    }
    Some(login)
}

fn scripted(via: String, audience: Option<String>, script: &str, line: usize) -> Login {
    let cloud = match audience.as_deref() {
        Some(a) if a.starts_with("sts.amazonaws.com") => Some(Cloud::Aws),
        Some("api://AzureADTokenExchange") => Some(Cloud::Azure),
        Some(a) if a.contains("iam.googleapis.com") => Some(Cloud::Gcp),
        _ if script.contains("assume-role-with-web-identity") => Some(Cloud::Aws),
        _ if script.contains("--federated-token") => Some(Cloud::Azure),
        _ if script.contains("vault write") || script.contains("vault login") => Some(Cloud::Vault),
        _ if script.contains("gcloud") => Some(Cloud::Gcp),
        _ => None,
    };
    let mut login = new_login(&via, cloud, line);
    match audience {
        Some(a) => {
            login.audience = a;
            login.audience_from = "the `audience=` parameter of the request".to_owned();
        }
        None => {
            login.audience = "https://github.com/OWNER".to_owned();
            login.audience_from = "GitHub's default (no audience requested)".to_owned();
        }
    }
    login
}

/// How a job's permission to request a token was decided.
enum Decision<'a> {
    Granted {
        line: usize,
        path: String,
    },
    Denied {
        line: usize,
        path: String,
        because: String,
        block: Option<&'a Permissions>,
    },
    /// Decided elsewhere (the caller of a reusable workflow, an expression).
    Unknown(String),
}

fn decide<'a>(wf: &'a Workflow, job: &'a Job) -> Decision<'a> {
    let Some(p) = job.permissions.as_ref().or(wf.permissions.as_ref()) else {
        if wf.only_workflow_call() {
            return Decision::Unknown("this is a reusable workflow (`on: workflow_call`) with no `permissions`: it gets its caller's, so the caller's job must grant `id-token: write`".to_owned());
        }
        return Decision::Denied {
            line: job.line,
            path: format!("jobs.{}", job.id),
            because: "no `permissions` block in the workflow or the job, so the job gets the repository's default GITHUB_TOKEN permissions, and neither default (permissive or restricted) grants id-token (GITHUB_TOKEN reference: `id-token | none | none`)".to_owned(),
            block: None,
        };
    };
    let scope = if job.permissions.is_some() {
        format!("the job's own `permissions` (line {})", p.line)
    } else {
        format!(
            "the workflow-level `permissions` (line {}, inherited by the job)",
            p.line
        )
    };
    let denied = |line: usize, because: String| Decision::Denied {
        line,
        path: p.path.clone(),
        because,
        block: Some(p),
    };
    match &p.grant {
        Grant::WriteAll => Decision::Granted {
            line: p.line,
            path: format!("{}: write-all", p.path),
        },
        Grant::ReadAll => denied(
            p.line,
            format!(
                "{scope} is `read-all`: read access does not allow requesting a token, which needs `id-token: write`"
            ),
        ),
        Grant::Nothing => denied(
            p.line,
            format!("{scope} is `{{}}`: every scope, id-token included, is none"),
        ),
        Grant::Listed {
            id_token: Some((v, l)),
            ..
        } if v == "write" => Decision::Granted {
            line: *l,
            path: format!("{}.id-token: write", p.path),
        },
        Grant::Listed {
            id_token: Some((v, l)),
            ..
        } => denied(
            *l,
            format!(
                "{scope} sets `id-token: {}`; requesting a token needs `write`",
                shown(v)
            ),
        ),
        Grant::Listed { id_token: None, .. } => denied(
            p.line,
            format!(
                "{scope} lists some scopes but not `id-token`, and every scope a `permissions` block does not list is set to none"
            ),
        ),
        Grant::Unclear(what) => Decision::Unknown(format!(
            "{scope} is {}, which cannot be evaluated here",
            shown(what)
        )),
    }
}

/// The YAML to add for `id-token: write`, keeping what the governing block grants
/// (a job-level block replaces the workflow-level one). One line, in flow style:
/// reports show a fix on one line.
fn permission_fix(job: &Job, block: Option<&Permissions>) -> String {
    let mut scopes: Vec<(String, String)> = match block.map(|b| &b.grant) {
        Some(Grant::Listed { scopes, .. }) => scopes
            .iter()
            .filter(|(k, _)| k != "id-token")
            .cloned()
            .collect(),
        _ => vec![("contents".to_owned(), "read".to_owned())],
    };
    scopes.insert(0, ("id-token".to_owned(), "write".to_owned()));
    let yaml = format!(
        "permissions: {{ {} }}",
        scopes
            .iter()
            .map(|(k, v)| format!("{}: {}", shown(k), shown(v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match &job.permissions {
        Some(p) => format!(
            "Set `id-token: write` in job `{}`'s `permissions` (line {}): `{yaml}`.",
            shown(&job.id),
            p.line
        ),
        None => format!(
            "Give job `{}` (line {}) its own block, `{yaml}`. A job-level block replaces the workflow-level one, so it lists every scope the job needs, and other jobs keep theirs.",
            shown(&job.id),
            job.line
        ),
    }
}

/// A predicted subject and when the job carries it.
struct Predicted {
    sub: String,
    when: String,
}

fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?', '[', '!', '+'])
}

/// The events a job's `if:` limits it to (`github.event_name == 'push' || …`), when
/// the condition is a plain disjunction of such tests; `None` when it does not say.
fn events_allowed(job: &Job) -> Option<Vec<String>> {
    let condition = job.condition.as_deref()?;
    if condition.contains('!') || !condition.contains("github.event_name") {
        return None;
    }
    let mut events = Vec::new();
    for part in condition.split("github.event_name").skip(1) {
        let rest = part.trim_start().strip_prefix("==")?.trim_start();
        let quote = rest.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
        events.push(rest[1..].split(quote).next()?.to_owned());
    }
    (!events.is_empty()).then_some(events)
}

/// The triggers a job runs for.
fn job_triggers<'a>(wf: &'a Workflow, job: &Job) -> Vec<&'a Trigger> {
    let allowed = events_allowed(job);
    wf.triggers
        .iter()
        .filter(|t| allowed.as_ref().is_none_or(|a| a.contains(&t.event)))
        .collect()
}

/// A job or login step guarded against forks (`head.repo.full_name == github.repository`,
/// `head.repo.fork`).
fn skips_forks(job: &Job) -> bool {
    let guarded = |c: &Option<String>| {
        c.as_deref()
            .is_some_and(|c| c.contains("head.repo.full_name") || c.contains("head.repo.fork"))
    };
    guarded(&job.condition)
        || job
            .logins
            .iter()
            .filter(|l| l.oidc)
            .all(|l| guarded(&l.condition))
}

fn predict(wf: &Workflow, job: &Job, prefix: &str) -> Vec<Predicted> {
    let mut out: Vec<Predicted> = Vec::new();
    if let Some(env) = &job.environment {
        let sub = if env.expression {
            format!(
                "{prefix}:environment:<{}, evaluated at run time>",
                shown(&env.name)
            )
        } else {
            format!("{prefix}:environment:{}", shown(&env.name))
        };
        out.push(Predicted {
            sub,
            when: format!(
                "on every trigger (the job references environment `{}`, line {})",
                shown(&env.name),
                env.line
            ),
        });
        return out;
    }
    let mut push = |sub: String, when: String| {
        if !out.iter().any(|p| p.sub == sub) {
            out.push(Predicted { sub, when });
        }
    };
    for t in job_triggers(wf, job) {
        match t.event.as_str() {
            "pull_request" => push(format!("{prefix}:pull_request"), "on pull_request".to_owned()),
            "pull_request_target" => push(
                format!("{prefix}:pull_request"),
                "on pull_request_target (a guess: GitHub's docs do not say whether pull_request_target gets the pull_request form; else `ref:refs/heads/<base branch>`)".to_owned(),
            ),
            "push" => {
                for b in &t.branches {
                    let note = if is_pattern(b) {
                        " (a pattern: each matching branch)"
                    } else {
                        ""
                    };
                    push(
                        format!("{prefix}:ref:refs/heads/{}", shown(b)),
                        format!("on push to `{}`{note}", shown(b)),
                    );
                }
                for tag in &t.tags {
                    let note = if is_pattern(tag) {
                        " (a pattern: each matching tag)"
                    } else {
                        ""
                    };
                    push(
                        format!("{prefix}:ref:refs/tags/{}", shown(tag)),
                        format!("on push of tag `{}`{note}", shown(tag)),
                    );
                }
                if !t.branch_filter && !t.tag_filter {
                    push(
                        format!("{prefix}:ref:refs/heads/<pushed branch>"),
                        "on push (any branch)".to_owned(),
                    );
                    push(
                        format!("{prefix}:ref:refs/tags/<pushed tag>"),
                        "on push (any tag)".to_owned(),
                    );
                } else if t.branch_filter && t.branches.is_empty() {
                    push(
                        format!("{prefix}:ref:refs/heads/<pushed branch>"),
                        "on push (branches-ignore)".to_owned(),
                    );
                }
            }
            "workflow_dispatch" => push(
                format!("{prefix}:ref:refs/heads/<branch chosen at dispatch>"),
                "on workflow_dispatch".to_owned(),
            ),
            "schedule" => push(
                format!("{prefix}:ref:refs/heads/<default branch>"),
                "on schedule".to_owned(),
            ),
            "release" => push(
                format!("{prefix}:ref:refs/tags/<release tag>"),
                "on release".to_owned(),
            ),
            "workflow_call" => push(
                "<the caller's subject>".to_owned(),
                "when called (the caller's event and environment decide)".to_owned(),
            ),
            "merge_group" => push(
                format!("{prefix}:ref:refs/heads/gh-readonly-queue/<base>/<…>"),
                "on merge_group".to_owned(),
            ),
            other => push(
                format!("{prefix}:ref:<the ref of the {} event>", shown(other)),
                format!("on {}", shown(other)),
            ),
        }
    }
    out
}

/// A token (or claim set) from GitHub that other artifacts shared.
struct SeenToken<'a> {
    artifact: &'a str,
    claims: &'a Claims,
}

fn github_tokens(facts: &SharedFacts) -> Vec<SeenToken<'_>> {
    let mut out: Vec<SeenToken<'_>> = facts
        .tokens
        .iter()
        .map(|t| SeenToken {
            artifact: &t.artifact,
            claims: &t.token.claims,
        })
        .collect();
    out.extend(facts.claims.iter().map(|(a, c)| SeenToken {
        artifact: a,
        claims: c,
    }));
    out.retain(|t| Platform::detect(t.claims) == Platform::GithubActions);
    out
}

/// `repo:OWNER/REPO` as the tokens show it (immutable `OWNER@ID/REPO@ID` included),
/// else the literal placeholder.
fn repo_prefix(tokens: &[SeenToken<'_>]) -> (String, bool) {
    for t in tokens {
        if let Some(sub) = t.claims.subject()
            && let Some(rest) = sub.strip_prefix("repo:")
            && let Some(repo) = rest.split(':').next()
            && repo.contains('/')
        {
            return (format!("repo:{}", shown(repo)), true);
        }
        if let Some(repo) = t.claims.str("repository") {
            return (format!("repo:{}", shown(repo)), true);
        }
    }
    ("repo:OWNER/REPO".to_owned(), false)
}

/// How well a token fits a job (higher is better) and whether its subject is one the
/// job is predicted to carry.
fn fit(wf: &Workflow, job: &Job, predictions: &[Predicted], claims: &Claims) -> (i32, bool) {
    let sub = claims.subject().unwrap_or_default();
    let exact = predictions.iter().any(|p| p.sub == sub);
    let mut score = if exact { 6 } else { 0 };
    match (claims.str("environment"), &job.environment) {
        (Some(a), Some(e)) if a == e.name => score += 3,
        (Some(_), None) | (None, Some(_)) => score -= 2,
        _ => {}
    }
    if let (Some(name), Some(w)) = (&wf.name, claims.str("workflow")) {
        score += if name == w { 2 } else { -3 };
    }
    if let Some(event) = claims.str("event_name") {
        score += if wf.has(event).is_some() { 1 } else { -2 };
    }
    let auds = claims.audiences();
    let requested = |l: &Login| {
        auds.contains(&l.audience.as_str())
            || (l.audience == "https://github.com/OWNER"
                && auds.iter().any(|a| a.starts_with("https://github.com/")))
    };
    if job.logins.iter().any(requested) {
        score += 2;
    }
    (score, exact)
}

fn step_path(job: &Job, step: usize) -> String {
    format!("jobs.{}.steps[{step}]", job.id)
}

fn job_list<'a>(jobs: impl Iterator<Item = &'a Job>) -> String {
    jobs.take(10)
        .map(|j| format!("`{}`", shown(&j.id)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Place the workflow's evidence and findings.
pub(crate) fn contribute(
    wf: &Workflow,
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let tokens = github_tokens(facts);
    let (prefix, known_repo) = repo_prefix(&tokens);
    let owner_url = known_repo.then(|| {
        let owner = prefix
            .trim_start_matches("repo:")
            .split('/')
            .next()
            .unwrap_or_default();
        format!(
            "https://github.com/{}",
            owner.split('@').next().unwrap_or(owner)
        )
    });

    for d in &wf.duplicates {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Fail,
            artifact,
            locator(d.line, &d.key),
            format!(
                "GitHub rejects this workflow file: (Line: {}, Col: {}): '{}' is already defined; no job of it runs until one of the keys is removed (evaluated here with the last value)",
                d.line,
                d.column,
                shown(&d.key)
            ),
        ));
    }
    if let Some(line) = wf.merge_key {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(line, "<<"),
            "a YAML merge key (`<<`): GitHub supports anchors but not merge keys, so it reads `<<` as a literal key (not followed here either)",
        ));
    }

    let logs_in = |j: &Job| j.logins.iter().any(|l| l.oidc);
    if !wf.jobs.iter().any(logs_in) {
        let statics: Vec<String> = wf
            .jobs
            .iter()
            .flat_map(|j| j.logins.iter().map(move |l| (j, l)))
            .map(|(j, l)| {
                format!(
                    "job `{}` ({}): {}",
                    shown(&j.id),
                    shown(&l.via),
                    l.notes.join("; ")
                )
            })
            .collect();
        let summary = if statics.is_empty() {
            "no job logs in to a cloud with the job's OIDC token (no configure-aws-credentials, azure/login, google-github-actions/auth, vault-action with method jwt, or $ACTIONS_ID_TOKEN_REQUEST_URL request)".to_owned()
        } else {
            format!(
                "no job uses the job's OIDC token to log in: {}",
                statics.join("; ")
            )
        };
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(wf.on_line, "on"),
            summary,
        ));
    }
    for job in &wf.jobs {
        if let Some((called, line)) = &job.calls {
            let grant = match decide(wf, job) {
                Decision::Granted { .. } => {
                    "grants `id-token: write`, so the called workflow's jobs may request a token"
                }
                Decision::Denied { .. } => {
                    "does not grant `id-token: write`, so no job of the called workflow can request a token (a called workflow can only keep or lower its caller's permissions)"
                }
                Decision::Unknown(_) => "has permissions that cannot be evaluated here",
            };
            out.evidence(Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(*line, &format!("jobs.{}.uses", job.id)),
                format!(
                    "job `{}` calls the reusable workflow `{}` (not followed); this job {grant}",
                    shown(&job.id),
                    shown(called)
                ),
            ));
        }
    }

    // Which job each loaded token most likely came from.
    let mut correlations: Vec<(usize, &SeenToken<'_>, bool)> = Vec::new();
    if wf.jobs.iter().any(logs_in) {
        for t in &tokens {
            let best = wf
                .jobs
                .iter()
                .enumerate()
                .filter(|(_, j)| logs_in(j))
                .map(|(i, j)| (i, fit(wf, j, &predict(wf, j, &prefix), t.claims)))
                .max_by_key(|(_, (score, _))| *score);
            match best {
                Some((i, (score, exact))) if exact || score >= 3 => {
                    correlations.push((i, t, exact))
                }
                _ => {
                    let sub = t.claims.subject().unwrap_or("(no sub)");
                    let workflow = t
                        .claims
                        .str("workflow")
                        .map(|w| format!(" (its `workflow` claim is `{}`)", shown(w)))
                        .unwrap_or_default();
                    out.evidence(Evidence::statics(
                        Stage::Workflow,
                        Outcome::Info,
                        artifact,
                        locator(wf.on_line, "on"),
                        format!(
                            "the token in {} (sub `{}`) matches no job of this workflow: it probably comes from another workflow{workflow}",
                            shown(t.artifact),
                            shown(sub)
                        ),
                    ));
                }
            }
        }
    }

    let mut missing_count = 0usize;
    for (index, job) in wf.jobs.iter().enumerate().take(MAX_JOBS_DETAILED) {
        for login in job.logins.iter().filter(|l| !l.oidc) {
            out.evidence(Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(login.line, &step_path(job, login.step)),
                format!(
                    "job `{}`: `{}` {}",
                    shown(&job.id),
                    shown(&login.via),
                    login.notes.join("; ")
                ),
            ));
        }
        let oidc_logins: Vec<&Login> = job.logins.iter().filter(|l| l.oidc).collect();
        if oidc_logins.is_empty() {
            continue;
        }
        let job_path = format!("jobs.{}", job.id);
        let clouds = describe_logins(&oidc_logins);
        match decide(wf, job) {
            Decision::Granted { line, path } => out.evidence(Evidence::statics(
                Stage::Workflow,
                Outcome::Pass,
                artifact,
                locator(line, &path),
                format!(
                    "job `{}` may request an OIDC token for {clouds}: `{}`",
                    shown(&job.id),
                    shown(&path)
                ),
            )),
            Decision::Unknown(why) => out.evidence(Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(job.line, &job_path),
                format!(
                    "job `{}` logs in to {clouds}; whether it may request a token: {why}",
                    shown(&job.id)
                ),
            )),
            Decision::Denied {
                line,
                path,
                because,
                block,
            } => {
                if let Some((_, t, _)) = correlations.iter().find(|(i, _, _)| *i == index) {
                    out.evidence(Evidence::statics(
                        Stage::Workflow,
                        Outcome::Info,
                        artifact,
                        locator(line, &path),
                        format!(
                            "as written, job `{}` cannot request a token ({because}); yet the token in {} fits this job: the workflow that ran differs from this file, or the token comes from another job",
                            shown(&job.id),
                            shown(t.artifact)
                        ),
                    ));
                } else {
                    missing_count += 1;
                    let ev = Evidence::statics(
                        Stage::Workflow,
                        Outcome::Fail,
                        artifact,
                        locator(line, &path),
                        format!(
                            "job `{}` logs in to {clouds} but cannot request an OIDC token: {because}",
                            shown(&job.id)
                        ),
                    );
                    let steps = oidc_logins
                        .iter()
                        .map(|l| format!("`{}` (line {})", shown(&l.via), l.line))
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.finding(
                        WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION
                            .finding(
                                format!(
                                    "Job `{}` (line {}) uses {steps} to log in with the job's OIDC token, but {because}. The login step then fails before any cloud sees a token (`Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable`, or the action's own wording).",
                                    shown(&job.id),
                                    job.line,
                                ),
                                permission_fix(job, block),
                            )
                            .with_evidence(ev),
                    );
                }
            }
        }
        for login in &oidc_logins {
            for p in &login.problems {
                let (rule, verb) = if p.missing {
                    (WORKFLOW_ACTION_INPUT_MISSING, "is missing an input")
                } else {
                    (WORKFLOW_ACTION_MISCONFIGURED, "is misconfigured")
                };
                let ev = Evidence::statics(
                    Stage::Workflow,
                    Outcome::Fail,
                    artifact,
                    locator(p.line, &step_path(job, login.step)),
                    format!(
                        "job `{}`: `{}` {verb}: {}",
                        shown(&job.id),
                        shown(&login.via),
                        p.what
                    ),
                );
                out.finding(
                    rule.finding(
                        format!(
                            "In job `{}`, step {} (`{}`, line {}): {}.",
                            shown(&job.id),
                            login.step + 1,
                            shown(&login.via),
                            login.line,
                            p.what
                        ),
                        p.fix.clone(),
                    )
                    .with_evidence(ev),
                );
            }
            for note in &login.notes {
                out.evidence(Evidence::statics(
                    Stage::Workflow,
                    Outcome::Info,
                    artifact,
                    locator(login.line, &step_path(job, login.step)),
                    format!("job `{}`: `{}`: {note}", shown(&job.id), shown(&login.via)),
                ));
            }
            next_for(login, out);
        }

        // The prediction.
        let predictions = predict(wf, job, &prefix);
        let subjects: Vec<String> = predictions
            .iter()
            .take(MAX_SUBJECTS)
            .map(|p| format!("`{}` {}", p.sub, p.when))
            .collect();
        let audiences: Vec<String> = oidc_logins
            .iter()
            .map(|l| {
                let audience = match &owner_url {
                    Some(url) if l.audience == "https://github.com/OWNER" => url.clone(),
                    _ => l.audience.clone(),
                };
                format!(
                    "`{}` ({}, {})",
                    shown(&audience),
                    shown(&l.via),
                    l.audience_from
                )
            })
            .collect();
        let more = if predictions.len() > MAX_SUBJECTS {
            format!("; and {} more", predictions.len() - MAX_SUBJECTS)
        } else {
            String::new()
        };
        let placeholder = if known_repo {
            ""
        } else {
            " (OWNER/REPO: give a token from the repository to fill it in)"
        };
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(job.line, &job_path),
            format!(
                "job `{}` will request a token with aud {} and sub {}{more}{placeholder}",
                shown(&job.id),
                audiences.join(", "),
                subjects.join("; "),
            ),
        ));
        for (_, t, exact) in correlations.iter().filter(|(i, _, _)| *i == index) {
            let sub = t.claims.subject().unwrap_or("(no sub)");
            let summary = if *exact {
                format!(
                    "the token in {} (sub `{}`) is the one predicted for job `{}`",
                    shown(t.artifact),
                    shown(sub),
                    shown(&job.id)
                )
            } else {
                format!(
                    "the token in {} (sub `{}`) most likely comes from job `{}`, but its subject is none of those predicted ({}): {}",
                    shown(t.artifact),
                    shown(sub),
                    shown(&job.id),
                    predictions
                        .iter()
                        .take(3)
                        .map(|p| format!("`{}`", p.sub))
                        .collect::<Vec<_>>()
                        .join(", "),
                    subject_difference(sub, &prefix)
                )
            };
            out.evidence(Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(job.line, &job_path),
                summary,
            ));
        }
    }
    let extra = wf.jobs.len().saturating_sub(MAX_JOBS_DETAILED);
    if extra > 0 {
        let more_logins = wf
            .jobs
            .iter()
            .skip(MAX_JOBS_DETAILED)
            .filter(|j| logs_in(j))
            .count();
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(wf.on_line, "jobs"),
            format!("{extra} more jobs not described one by one ({more_logins} of them log in with OIDC)"),
        ));
    }
    if missing_count > 0 {
        let name = wf
            .name
            .as_deref()
            .map(shown)
            .unwrap_or_else(|| "WORKFLOW_FILE.yml".to_owned());
        out.next(
            "the failing run's log: the login step prints `Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable` (or its action's wording) when id-token: write is missing",
            format!("gh run list --workflow \"{name}\" --limit 5 && gh run view RUN_ID --log-failed"),
        );
    }

    risks(wf, artifact, &prefix, out);
}

/// Why a token's subject may differ from the prediction.
fn subject_difference(sub: &str, prefix: &str) -> String {
    if !sub.starts_with("repo:") {
        "its subject does not start with `repo:`, so the repository uses a customised subject template (`include_claim_keys`)".to_owned()
    } else if !sub.starts_with(prefix) {
        "it names another repository".to_owned()
    } else {
        "it ran for another trigger, branch or environment than this file's".to_owned()
    }
}

fn describe_logins(logins: &[&Login]) -> String {
    let names: BTreeSet<&str> = logins
        .iter()
        .map(|l| l.cloud.map_or("a service", Cloud::display))
        .collect();
    names.into_iter().collect::<Vec<_>>().join(" and ")
}

fn next_for(login: &Login, out: &mut Observations) {
    match &login.target {
        Some(Target::AwsRole(arn)) => {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            out.next(
                format!(
                    "the trust policy of role `{}`, to check the predicted sub and aud against",
                    shown(arn)
                ),
                format!(
                    "aws iam get-role --role-name {} --query Role.AssumeRolePolicyDocument",
                    shown(name)
                ),
            );
        }
        Some(Target::AzureClient(id)) => out.next(
            "the app's federated identity credentials, to check the predicted subject",
            format!("az ad app federated-credential list --id {}", shown(id)),
        ),
        Some(Target::GcpProvider(p)) => {
            let parts: Vec<&str> = p
                .trim_start_matches("//iam.googleapis.com/")
                .split('/')
                .collect();
            let command = if parts.len() == 8 {
                format!(
                    "gcloud iam workload-identity-pools providers describe {} --project={} --location={} --workload-identity-pool={} --format=json",
                    shown(parts[7]),
                    shown(parts[1]),
                    shown(parts[3]),
                    shown(parts[5])
                )
            } else {
                "gcloud iam workload-identity-pools providers describe PROVIDER --location=global --workload-identity-pool=POOL --format=json".to_owned()
            };
            out.next(
                "the workload identity provider (issuer, audiences, attribute condition)",
                command,
            );
        }
        Some(Target::VaultRole { path, role }) => out.next(
            "the Vault JWT role (bound_audiences, bound_subject/bound_claims)",
            format!(
                "vault read -format=json auth/{}/role/{}",
                shown(path),
                shown(role)
            ),
        ),
        None => {}
    }
}

/// Security findings: they hold on healthy paths too.
fn risks(wf: &Workflow, artifact: &str, prefix: &str, out: &mut Observations) {
    let logs_in = |j: &Job| j.logins.iter().any(|l| l.oidc);
    let can_get_token = |job: &Job| matches!(decide(wf, job), Decision::Granted { .. });
    let credentials =
        |job: &Job| job.logins.iter().any(|l| !l.oidc) || (logs_in(job) && can_get_token(job));

    if let Some(target) = wf.has("pull_request_target") {
        let on_target = |j: &Job| {
            job_triggers(wf, j)
                .iter()
                .any(|t| t.event == "pull_request_target")
        };
        let exposed: Vec<&Job> = wf
            .jobs
            .iter()
            .filter(|j| on_target(j) && (can_get_token(j) || logs_in(j)))
            .collect();
        if !exposed.is_empty() {
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(target.line, "on.pull_request_target"),
                "triggered by pull_request_target: runs with the base repository's secrets and token permissions, also for pull requests from forks",
            );
            out.finding(
                WORKFLOW_GITHUB_PULL_REQUEST_TARGET
                    .finding(
                        format!(
                            "The workflow runs on `pull_request_target` (line {}), which runs in the context of the base repository with its secrets and GITHUB_TOKEN permissions even when the pull request comes from a fork; job(s) {} can request an OIDC token there.",
                            target.line,
                            job_list(exposed.iter().copied())
                        ),
                        "Use `pull_request` for jobs that build or test the pull request (forks get no id-token there), keep cloud logins in jobs that run on `push` or behind an `environment` with required reviewers, and never check out the pull request's head in a `pull_request_target` job that can get credentials.",
                    )
                    .with_evidence(ev),
            );
        }
        for job in wf.jobs.iter().filter(|j| on_target(j) && credentials(j)) {
            for checkout in &job.head_checkouts {
                let ev = Evidence::statics(
                    Stage::Workflow,
                    Outcome::Info,
                    artifact,
                    locator(checkout.line, &step_path(job, checkout.step)),
                    format!(
                        "job `{}` checks out the pull request's head ({}) in a pull_request_target run that can get cloud credentials",
                        shown(&job.id),
                        shown(&checkout.what)
                    ),
                );
                let logins: Vec<&Login> = job.logins.iter().collect();
                out.finding(
                    WORKFLOW_GITHUB_PULL_REQUEST_TARGET_CHECKOUT
                        .finding(
                            format!(
                                "Job `{}` runs on `pull_request_target`, checks out the pull request's code (step {}, line {}: {}) and logs in to {} (line {}). Anyone who opens a pull request, from a fork too, can change that code (build scripts, tests, local actions) and run it with the job's cloud credentials.",
                                shown(&job.id),
                                checkout.step + 1,
                                checkout.line,
                                shown(&checkout.what),
                                describe_logins(&logins),
                                job.logins.first().map_or(job.line, |l| l.line)
                            ),
                            "Split the workflow: build and test the pull request under `pull_request` with no credentials (upload results as an artifact), and do what needs cloud credentials in a separate workflow (`workflow_run`, or `push` after merge) that never runs the pull request's code. If the job must stay, remove the head checkout or the login, and gate it with an environment that requires reviewers.",
                        )
                        .with_evidence(ev),
                );
            }
        }
    }

    if let Some(pr) = wf.has("pull_request") {
        let pr_jobs: Vec<&Job> = wf
            .jobs
            .iter()
            .filter(|j| {
                logs_in(j)
                    && job_triggers(wf, j)
                        .iter()
                        .any(|t| t.event == "pull_request")
            })
            .collect();
        for job in pr_jobs.iter().take(MAX_JOBS_DETAILED) {
            let sub = match &job.environment {
                Some(env) => format!("{prefix}:environment:{}", shown(&env.name)),
                None => format!("{prefix}:pull_request"),
            };
            let logins: Vec<&Login> = job.logins.iter().collect();
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(job.line, &format!("jobs.{}", job.id)),
                format!(
                    "on pull_request, job `{}` logs in to {} with sub `{sub}`",
                    shown(&job.id),
                    describe_logins(&logins)
                ),
            );
            out.finding(
                WORKFLOW_GITHUB_PULL_REQUEST_RUN
                    .finding(
                        format!(
                            "The workflow runs on `pull_request` (line {}) and job `{}` logs in there; its token carries sub `{sub}`. For that to work the trust configuration must admit it, which lets code under review (any branch of this repository) get these credentials.",
                            pr.line,
                            shown(&job.id)
                        ),
                        "Give pull request jobs a separate, read-only role (trust the `…:pull_request` subject only there), or add an `environment` with required reviewers to the job so its subject is the environment's.",
                    )
                    .with_evidence(ev),
            );
        }
        let unguarded: Vec<&Job> = pr_jobs
            .iter()
            .copied()
            .filter(|j| !skips_forks(j))
            .collect();
        if !unguarded.is_empty() {
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(pr.line, "on.pull_request"),
                "pull requests from forks and from Dependabot get no id-token (and no secrets): the login step fails for them",
            );
            out.finding(
                WORKFLOW_GITHUB_FORK_PULL_REQUEST
                    .finding(
                        format!(
                            "On `pull_request` (line {}), runs for pull requests from public forks get at most `id-token: none` whatever the workflow asks (GITHUB_TOKEN reference, \"Maximum access for pull requests from public forked repositories\"), and no secrets; Dependabot's pull requests are treated the same way. Job(s) {} will fail to log in for such pull requests.",
                            pr.line,
                            job_list(unguarded.iter().copied())
                        ),
                        "Skip the login for pull requests from forks: `if: github.event.pull_request.head.repo.full_name == github.repository` on the job or the step.",
                    )
                    .with_evidence(ev),
            );
        }
    }

    if let Some(p) = &wf.permissions {
        let everywhere = match &p.grant {
            Grant::WriteAll => true,
            Grant::Listed {
                id_token: Some((v, _)),
                ..
            } => v == "write",
            _ => false,
        };
        let needless: Vec<&Job> = wf
            .jobs
            .iter()
            .filter(|j| j.permissions.is_none() && !logs_in(j) && j.calls.is_none())
            .collect();
        let loggers: Vec<&Job> = wf.jobs.iter().filter(|j| logs_in(j)).collect();
        if everywhere && wf.jobs.len() > 1 && !needless.is_empty() {
            let ev = Evidence::statics(
                Stage::Workflow,
                Outcome::Info,
                artifact,
                locator(p.line, "permissions"),
                format!(
                    "`id-token: write` at workflow level reaches {} job(s) that do not log in",
                    needless.len()
                ),
            );
            let only = if loggers.is_empty() {
                String::new()
            } else {
                format!("; only {} need(s) it", job_list(loggers.iter().copied()))
            };
            out.finding(
                WORKFLOW_GITHUB_ID_TOKEN_WRITE_EVERYWHERE
                    .finding(
                        format!(
                            "The workflow-level `permissions` (line {}) grants id-token write, so every job without its own block can request a token, including {} which do(es) not log in{only}.",
                            p.line,
                            job_list(needless.iter().copied()),
                        ),
                        format!(
                            "Remove `id-token: write` from the workflow-level block and grant it only to the job(s) that log in, e.g. job `{}`: `permissions: {{ id-token: write, contents: read }}`.",
                            loggers.first().map_or("deploy".to_owned(), |j| shown(&j.id))
                        ),
                    )
                    .with_evidence(ev),
            );
        }
    }
}
