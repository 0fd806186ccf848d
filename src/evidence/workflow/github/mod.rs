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
//!
//! The model is read in `parse` (and the login steps in `logins`); `permissions`
//! decides whether a job may request a token, `subjects` predicts the token's subject
//! and matches loaded tokens to jobs, `contribute` places the evidence and `risks`
//! the security findings. Their wording is knowledge, in
//! `assets/knowledge/findings/workflow.toml`: this code carries the values.

mod contribute;
mod logins;
mod parse;
mod permissions;
mod risks;
mod subjects;

use super::shown;
use super::yaml::Duplicate;
use crate::token::Cloud;
use crate::vocabulary::knowledge::Reason;

pub(crate) use contribute::contribute;
pub(crate) use parse::extract;

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

/// What is wrong with a login step: a reason of `workflow.action-input-missing` or
/// `workflow.action-misconfigured` whose variant names the problem (its cause piece
/// and its fix), with the values they quote.
#[derive(Debug)]
pub(crate) struct Problem {
    pub missing: bool,
    pub line: usize,
    pub reason: Reason,
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

/// `jobs.deploy.steps[0]`.
fn step_path(job: &Job, step: usize) -> String {
    format!("jobs.{}.steps[{step}]", job.id)
}

/// Up to ten jobs, each in backticks.
fn job_list<'a>(jobs: impl Iterator<Item = &'a Job>) -> String {
    jobs.take(10)
        .map(|j| format!("`{}`", shown(&j.id)))
        .collect::<Vec<_>>()
        .join(", ")
}
