//! Risk and blast radius of trust rules, the same way for every cloud: each rule is
//! evaluated (with the cloud's own matching code) against synthetic tokens for each
//! workflow context — a push to the default branch, another branch, a tag, a pull
//! request, a fork's pull request, a named environment, another repository of the same
//! organization, another organization — and the risk findings follow from what it
//! admits. Contexts are built for the platforms whose subject grammar says which context
//! a job is in: GitHub Actions and GitLab CI (the contexts above), HCP Terraform
//! (`organization:ORG:project:PROJ:workspace:WS:run_phase:plan|apply`: an apply run, a
//! plan run, another workspace of the project, another project, another organization —
//! all organizations share the issuer `https://app.terraform.io`) and CircleCI
//! (`org/ORG_ID/project/PROJECT_ID/user/USER_ID` under the per-organization issuer
//! `https://oidc.circleci.com/org/ORG_ID`: a build of the project, another project of
//! the organization, another organization). Sources: platforms.md (HashiCorp's workload
//! identity tokens page, CircleCI's OpenID Connect tokens page). Bitbucket Pipelines is
//! not modelled: platforms.md marks its subject grammar unverified. Other platforms get
//! the cloud's pattern findings only.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::TrustConfig;
use crate::token::Claims;
use crate::token::platform::Platform;
use crate::vocabulary::catalog::*;
use crate::vocabulary::{Evidence, Finding, Outcome, Stage};

/// A workflow context a trust rule may admit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    DefaultBranchPush,
    OtherBranchPush,
    Tag,
    PullRequest,
    ForkPullRequest,
    Environment,
    OtherRepoSameOrg,
    OtherOrg,
    /// HCP Terraform: an apply run of the workspace.
    ApplyRun,
    /// HCP Terraform: a plan run of the workspace (speculative plans included).
    PlanRun,
    /// HCP Terraform: another workspace of the same project.
    OtherWorkspace,
    /// HCP Terraform and CircleCI: another project of the same organization.
    OtherProject,
    /// CircleCI: a build of the project.
    ProjectBuild,
}

impl Context {
    pub const ALL: [Context; 8] = [
        Context::DefaultBranchPush,
        Context::OtherBranchPush,
        Context::Tag,
        Context::PullRequest,
        Context::ForkPullRequest,
        Context::Environment,
        Context::OtherRepoSameOrg,
        Context::OtherOrg,
    ];

    /// HCP Terraform's contexts, in table order.
    pub const TERRAFORM_CLOUD: [Context; 5] = [
        Context::ApplyRun,
        Context::PlanRun,
        Context::OtherWorkspace,
        Context::OtherProject,
        Context::OtherOrg,
    ];

    /// CircleCI's contexts, in table order.
    pub const CIRCLECI: [Context; 3] = [
        Context::ProjectBuild,
        Context::OtherProject,
        Context::OtherOrg,
    ];

    /// The contexts modelled for a platform's subjects (empty: not modelled).
    pub fn for_platform(platform: Platform) -> &'static [Context] {
        match platform {
            Platform::GithubActions | Platform::Gitlab => &Context::ALL,
            Platform::TerraformCloud => &Context::TERRAFORM_CLOUD,
            Platform::Circleci => &Context::CIRCLECI,
            _ => &[],
        }
    }

    /// As the blast-radius table names it.
    pub fn label(self) -> &'static str {
        match self {
            Context::DefaultBranchPush => "push to the default branch",
            Context::OtherBranchPush => "push to any other branch",
            Context::Tag => "a tag",
            Context::PullRequest => "a pull request",
            Context::ForkPullRequest => "a fork's pull request",
            Context::Environment => "a named environment",
            Context::OtherRepoSameOrg => "another repository of the org",
            Context::OtherOrg => "another organization",
            Context::ApplyRun => "an apply run of the workspace",
            Context::PlanRun => "a plan run of the workspace",
            Context::OtherWorkspace => "another workspace of the project",
            Context::OtherProject => "another project of the org",
            Context::ProjectBuild => "a build of the project",
        }
    }
}

/// One context, the subject a job in it carries, and whether the rule admits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdmittedContext {
    pub context: Context,
    pub subject: String,
    pub admitted: bool,
}

/// One rule's review: what it admits and how risky that is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleReview {
    pub locator: String,
    pub label: String,
    pub subject_patterns: Vec<String>,
    /// Empty when the platform's subject grammar is not one the review models.
    pub admits: Vec<AdmittedContext>,
    pub findings: Vec<Finding>,
    /// The safer rule, when one is suggested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl RuleReview {
    /// The contexts the rule admits, in table order.
    pub fn admitted_contexts(&self) -> Vec<Context> {
        self.admits
            .iter()
            .filter(|a| a.admitted)
            .map(|a| a.context)
            .collect()
    }
}

/// Which CI platform's subjects a configuration is written for.
fn target_platform(config: &dyn TrustConfig) -> Platform {
    for issuer in config.issuers() {
        let mut claims = Map::new();
        claims.insert("iss".to_owned(), Value::String(issuer));
        let platform = Platform::detect(&Claims(claims));
        if platform != Platform::Generic {
            return platform;
        }
    }
    let patterns: Vec<String> = (0..config.rule_count())
        .flat_map(|i| config.subject_patterns(i))
        .collect();
    if patterns.iter().any(|p| p.starts_with("repo:")) {
        Platform::GithubActions
    } else if patterns.iter().any(|p| p.starts_with("project_path:")) {
        Platform::Gitlab
    } else if patterns.iter().any(|p| p.starts_with("organization:")) {
        // A Terraform Enterprise issuer is the instance's own URL.
        Platform::TerraformCloud
    } else {
        Platform::Generic
    }
}

/// The repository, branch and environment a rule is about, read from its literal
/// subject patterns (wildcards replaced by plausible names).
struct Subjects {
    owner: String,
    repo: String,
    owner_id: Option<String>,
    repo_id: Option<String>,
    branch: String,
    environment: String,
    /// HCP Terraform's project name; CircleCI's project id.
    project: String,
}

fn literal(segment: &str, fallback: &str) -> String {
    if segment.is_empty() || segment.contains(['*', '?']) {
        fallback.to_owned()
    } else {
        segment.to_owned()
    }
}

fn github_subjects(patterns: &[String]) -> Subjects {
    let mut s = Subjects {
        owner: "acme".to_owned(),
        repo: "app".to_owned(),
        owner_id: None,
        repo_id: None,
        branch: "main".to_owned(),
        environment: "production".to_owned(),
        project: String::new(),
    };
    for p in patterns {
        // Literals a GCP condition or a Vault bound claim compares with: `owner/repo`,
        // `refs/heads/BRANCH`, an environment name is not guessable.
        if let Some(branch) = p.strip_prefix("refs/heads/") {
            s.branch = literal(branch, "main");
        } else if !p.starts_with("repo:") && !p.contains([':', ' ']) && p.matches('/').count() == 1
        {
            let (owner, name) = p.split_once('/').unwrap_or((p, "*"));
            s.owner = literal(owner, "acme");
            s.repo = literal(name, "app");
        }
    }
    let Some(pattern) = patterns.iter().find(|p| p.starts_with("repo:")) else {
        return s;
    };
    let mut parts = pattern.splitn(3, ':');
    parts.next();
    if let Some(repo) = parts.next() {
        let (owner, name) = repo.split_once('/').unwrap_or((repo, "*"));
        let (owner, owner_id) = owner
            .split_once('@')
            .map_or((owner, None), |(o, id)| (o, Some(id)));
        let (name, repo_id) = name
            .split_once('@')
            .map_or((name, None), |(n, id)| (n, Some(id)));
        s.owner = literal(owner, "acme");
        s.repo = literal(name, "app");
        s.owner_id = owner_id.map(|id| literal(id, "9120457"));
        s.repo_id = repo_id.map(|id| literal(id, "718230411"));
    }
    for p in patterns {
        if let Some(branch) = p.split(":ref:refs/heads/").nth(1) {
            s.branch = literal(branch, "main");
        }
        if let Some(env) = p.split(":environment:").nth(1) {
            s.environment = literal(env.split(':').next().unwrap_or_default(), "production");
        }
    }
    s
}

fn gitlab_subjects(patterns: &[String]) -> Subjects {
    let mut s = Subjects {
        owner: "acme".to_owned(),
        repo: "app".to_owned(),
        owner_id: None,
        repo_id: None,
        branch: "main".to_owned(),
        environment: "production".to_owned(),
        project: String::new(),
    };
    for p in patterns {
        let fields: Vec<&str> = p.split(':').collect();
        for pair in fields.chunks(2) {
            if let [key, value] = pair {
                match *key {
                    "project_path" => {
                        let (group, project) = value.rsplit_once('/').unwrap_or((value, "*"));
                        s.owner = literal(group, "acme");
                        s.repo = literal(project, "app");
                    }
                    "ref" => s.branch = literal(value, "main"),
                    "environment" => s.environment = literal(value, "production"),
                    _ => {}
                }
            }
        }
    }
    s
}

fn object(value: Value) -> Claims {
    match value {
        Value::Object(map) => Claims(map),
        _ => Claims::default(),
    }
}

/// A GitHub Actions token for a context (claims as GitHub documents them).
fn github_context(context: Context, s: &Subjects, issuer: &str, audience: &str) -> Claims {
    let (owner, repo) = match context {
        Context::OtherRepoSameOrg => (s.owner.clone(), format!("{}-other", s.repo)),
        Context::OtherOrg => (format!("{}-other", s.owner), s.repo.clone()),
        _ => (s.owner.clone(), s.repo.clone()),
    };
    let repo_part = match (&s.owner_id, &s.repo_id, context) {
        (Some(_), Some(_), Context::OtherRepoSameOrg | Context::OtherOrg) => {
            format!("{owner}@1000001/{repo}@1000002")
        }
        (Some(oid), Some(rid), _) => format!("{owner}@{oid}/{repo}@{rid}"),
        _ => format!("{owner}/{repo}"),
    };
    let other_branch = if s.branch == "feature/unreviewed" {
        "feature/other"
    } else {
        "feature/unreviewed"
    };
    let (tail, git_ref, event, environment) = match context {
        // Only GitHub's and GitLab's own contexts are asked for; the others read as a
        // push to the default branch.
        Context::DefaultBranchPush
        | Context::OtherRepoSameOrg
        | Context::OtherOrg
        | Context::ApplyRun
        | Context::PlanRun
        | Context::OtherWorkspace
        | Context::OtherProject
        | Context::ProjectBuild => (
            format!("ref:refs/heads/{}", s.branch),
            format!("refs/heads/{}", s.branch),
            "push",
            None,
        ),
        Context::OtherBranchPush => (
            format!("ref:refs/heads/{other_branch}"),
            format!("refs/heads/{other_branch}"),
            "push",
            None,
        ),
        Context::Tag => (
            "ref:refs/tags/v1.2.3".to_owned(),
            "refs/tags/v1.2.3".to_owned(),
            "push",
            None,
        ),
        Context::PullRequest | Context::ForkPullRequest => (
            "pull_request".to_owned(),
            "refs/pull/42/merge".to_owned(),
            "pull_request",
            None,
        ),
        Context::Environment => (
            format!("environment:{}", s.environment),
            format!("refs/heads/{}", s.branch),
            "push",
            Some(s.environment.clone()),
        ),
    };
    let full = format!("{owner}/{repo}");
    let mut claims = json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("repo:{repo_part}:{tail}"),
        "repository": full,
        "repository_owner": owner,
        "repository_id": s.repo_id.clone().unwrap_or_else(|| "718230411".to_owned()),
        "repository_owner_id": s.owner_id.clone().unwrap_or_else(|| "9120457".to_owned()),
        "repository_visibility": "private",
        "ref": git_ref,
        "ref_type": if git_ref.starts_with("refs/tags/") { "tag" } else { "branch" },
        "event_name": event,
        "workflow": "deploy",
        "workflow_ref": format!("{full}/.github/workflows/deploy.yml@{git_ref}"),
        "job_workflow_ref": format!("{full}/.github/workflows/deploy.yml@{git_ref}"),
        "actor": "octocat",
        "actor_id": "583231",
        "runner_environment": "github-hosted",
        "run_id": "1", "run_number": "1", "run_attempt": "1",
        "head_ref": if event == "pull_request" { "feature/unreviewed" } else { "" },
        "base_ref": if event == "pull_request" { s.branch.as_str() } else { "" },
    });
    if let Some(env) = environment {
        claims["environment"] = Value::String(env);
    }
    object(claims)
}

/// A GitLab CI token for a context. A merge request pipeline carries the source
/// branch's subject; a fork's merge request runs in the fork's project.
fn gitlab_context(context: Context, s: &Subjects, issuer: &str, audience: &str) -> Claims {
    let (group, project) = match context {
        Context::OtherRepoSameOrg => (s.owner.clone(), format!("{}-other", s.repo)),
        Context::OtherOrg | Context::ForkPullRequest => {
            (format!("{}-fork", s.owner), s.repo.clone())
        }
        _ => (s.owner.clone(), s.repo.clone()),
    };
    let (ref_type, git_ref, source, protected) = match context {
        Context::OtherBranchPush | Context::PullRequest | Context::ForkPullRequest => (
            "branch",
            "feature-unreviewed".to_owned(),
            if context == Context::OtherBranchPush {
                "push"
            } else {
                "merge_request_event"
            },
            "false",
        ),
        Context::Tag => ("tag", "v1.2.3".to_owned(), "push", "true"),
        _ => ("branch", s.branch.clone(), "push", "true"),
    };
    let path = format!("{group}/{project}");
    let mut claims = json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("project_path:{path}:ref_type:{ref_type}:ref:{git_ref}"),
        "project_path": path,
        "namespace_path": group,
        "project_id": "20", "namespace_id": "72",
        "ref": git_ref,
        "ref_type": ref_type,
        "ref_path": format!("refs/{}/{git_ref}", if ref_type == "tag" { "tags" } else { "heads" }),
        "ref_protected": protected,
        "pipeline_source": source,
        "pipeline_id": "574", "job_id": "302",
        "user_login": "sample-user",
        "runner_environment": "gitlab-hosted",
    });
    if context == Context::Environment {
        claims["environment"] = Value::String(s.environment.clone());
        claims["environment_protected"] = Value::String("true".to_owned());
    }
    object(claims)
}

/// HCP Terraform: organization (`owner`), project and workspace (`repo`) from a
/// `organization:ORG:project:PROJ:workspace:WS:run_phase:PHASE` pattern.
fn terraform_subjects(patterns: &[String]) -> Subjects {
    let mut s = Subjects {
        owner: "acme".to_owned(),
        repo: "app".to_owned(),
        owner_id: None,
        repo_id: None,
        branch: String::new(),
        environment: String::new(),
        project: "Default Project".to_owned(),
    };
    for p in patterns.iter().filter(|p| p.starts_with("organization:")) {
        let fields: Vec<&str> = p.split(':').collect();
        for pair in fields.chunks(2) {
            if let [key, value] = pair {
                match *key {
                    "organization" => s.owner = literal(value, "acme"),
                    "project" => s.project = literal(value, "Default Project"),
                    "workspace" => s.repo = literal(value, "app"),
                    _ => {}
                }
            }
        }
    }
    s
}

/// An HCP Terraform workload identity token for a context (claims as HashiCorp's
/// workload identity tokens page lists them).
fn terraform_context(context: Context, s: &Subjects, issuer: &str, audience: &str) -> Claims {
    let org = match context {
        Context::OtherOrg => format!("{}-other", s.owner),
        _ => s.owner.clone(),
    };
    let project = match context {
        Context::OtherProject => format!("{} Other", s.project),
        _ => s.project.clone(),
    };
    let workspace = match context {
        Context::OtherWorkspace | Context::OtherProject | Context::OtherOrg => {
            format!("{}-other", s.repo)
        }
        _ => s.repo.clone(),
    };
    let phase = if context == Context::PlanRun {
        "plan"
    } else {
        "apply"
    };
    let other = |c: bool, id: &str, other: &str| if c { other } else { id }.to_owned();
    let full = format!("organization:{org}:project:{project}:workspace:{workspace}");
    object(json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("{full}:run_phase:{phase}"),
        "terraform_organization_id": other(context == Context::OtherOrg, "org-GRNbCjYNpBB6NEH9", "org-Zq0tHeR0rg00001"),
        "terraform_organization_name": org,
        "terraform_project_id": other(context == Context::OtherProject, "prj-vegSA59s1XPwMr2t", "prj-0tHeRpR0jEcT001"),
        "terraform_project_name": project,
        "terraform_workspace_id": other(workspace != s.repo, "ws-mbsd5E3Ktt5Rg2Xm", "ws-0tHeRw0rKsPaCe01"),
        "terraform_workspace_name": workspace,
        "terraform_full_workspace": full,
        "terraform_run_id": "run-X3n1AUXNGWbfECsJ",
        "terraform_run_phase": phase,
    }))
}

const CIRCLECI_ORG: &str = "c0ffee00-0000-4000-8000-00000000a001";
const CIRCLECI_PROJECT: &str = "c0ffee00-0000-4000-8000-00000000b001";

/// CircleCI: organization id (`owner`) and project id (`project`) from an
/// `org/ORG_ID/project/PROJECT_ID/user/USER_ID` pattern, else the issuer's org id.
fn circleci_subjects(patterns: &[String], issuer: Option<&str>) -> Subjects {
    let mut s = Subjects {
        owner: issuer
            .and_then(|i| i.split("/org/").nth(1))
            .map(|o| literal(o.trim_end_matches('/'), CIRCLECI_ORG))
            .unwrap_or_else(|| CIRCLECI_ORG.to_owned()),
        repo: String::new(),
        owner_id: None,
        repo_id: None,
        branch: String::new(),
        environment: String::new(),
        project: CIRCLECI_PROJECT.to_owned(),
    };
    for p in patterns.iter().filter(|p| p.starts_with("org/")) {
        let fields: Vec<&str> = p.split('/').collect();
        for pair in fields.chunks(2) {
            if let [key, value] = pair {
                match *key {
                    "org" => s.owner = literal(value, &s.owner),
                    "project" => s.project = literal(value, CIRCLECI_PROJECT),
                    _ => {}
                }
            }
        }
    }
    s
}

/// A CircleCI OIDC token for a context. Each organization has its own issuer and, by
/// default, its own id as the audience (platforms.md, CircleCI's OpenID Connect page).
fn circleci_context(context: Context, s: &Subjects, issuer: &str, audience: &str) -> Claims {
    let (org, issuer, audience) = match context {
        Context::OtherOrg => {
            let other = "c0ffee00-0000-4000-8000-00000000a002".to_owned();
            let issuer = format!("https://oidc.circleci.com/org/{other}");
            (other.clone(), issuer, other)
        }
        _ => (s.owner.clone(), issuer.to_owned(), audience.to_owned()),
    };
    let project = match context {
        Context::OtherProject | Context::OtherOrg => "c0ffee00-0000-4000-8000-00000000b002",
        _ => s.project.as_str(),
    };
    object(json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("org/{org}/project/{project}/user/c0ffee00-0000-4000-8000-00000000c001"),
        "oidc.circleci.com/project-id": project,
        "oidc.circleci.com/vcs-origin": "github.com/acme/app",
        "oidc.circleci.com/vcs-ref": "refs/heads/main",
        "oidc.circleci.com/context-ids": [],
        "oidc.circleci.com/ssh-rerun": false,
    }))
}

/// Risk findings for the platforms whose contexts are not a repository's branches:
/// HCP Terraform and CircleCI. Returns them with the pinned rule to suggest.
fn scoped_findings(
    platform: Platform,
    s: &Subjects,
    admitted: &dyn Fn(Context) -> bool,
    artifact: &str,
    locator: &str,
    label: &str,
) -> (Vec<Finding>, String) {
    let mut findings = Vec::new();
    let finding = |rule: Rule, cause: String, fix: &str| {
        risk_finding(rule, artifact, locator, label, cause, fix.to_owned())
    };
    // A name the rule does not pin is a placeholder in the suggested rule, not the
    // stand-in the synthetic tokens used.
    let named = |value: &str, open: bool, placeholder: &str| {
        if open {
            placeholder.to_owned()
        } else {
            value.to_owned()
        }
    };
    if platform == Platform::TerraformCloud {
        let org = named(&s.owner, admitted(Context::OtherOrg), "ORG");
        let project = named(&s.project, admitted(Context::OtherProject), "PROJECT");
        let workspace = named(
            &s.repo,
            admitted(Context::OtherWorkspace) || admitted(Context::OtherProject),
            "WORKSPACE",
        );
        let pinned =
            format!("organization:{org}:project:{project}:workspace:{workspace}:run_phase:apply");
        let fix = format!(
            "pin `sub` to `{pinned}` (StringEquals), and give plan runs a separate read-only role trusted for `…:run_phase:plan`"
        );
        if admitted(Context::OtherOrg) {
            findings.push(finding(
                TRUST_RISK_SUBJECT_WILDCARD,
                "the subject is not pinned to an organization: every HCP Terraform organization shares the issuer `https://app.terraform.io`, so a workspace in anyone's organization that requests this audience gets the role".to_owned(),
                &fix,
            ));
        }
        if admitted(Context::OtherProject) {
            findings.push(finding(
                TRUST_RISK_ANY_WORKSPACE,
                format!(
                    "every workspace of every project of organization `{}` matches, including workspaces created later by anyone who may create one",
                    s.owner
                ),
                &fix,
            ));
        } else if admitted(Context::OtherWorkspace) {
            findings.push(finding(
                TRUST_RISK_ANY_WORKSPACE,
                format!(
                    "every workspace of project `{}` matches, not one workspace: a workspace created later in the project, with its own configuration and variables, gets the role",
                    s.project
                ),
                &fix,
            ));
        }
        if admitted(Context::PlanRun) && admitted(Context::ApplyRun) {
            findings.push(finding(
                TRUST_RISK_PLAN_PHASE,
                "plan runs match as well as apply runs: a plan — including a speculative plan of a pull request's unmerged configuration — gets the same credentials as an apply".to_owned(),
                &fix,
            ));
        }
        return (findings, fix);
    }
    let pinned = format!(
        "org/{}/project/{}/user/*",
        named(&s.owner, admitted(Context::OtherOrg), "ORG_ID"),
        named(
            &s.project,
            admitted(Context::OtherProject) || admitted(Context::OtherOrg),
            "PROJECT_ID"
        )
    );
    let fix = format!(
        "pin `sub` to the project (StringLike `{pinned}`), one role per project that deploys"
    );
    if admitted(Context::OtherOrg) {
        findings.push(finding(
            TRUST_RISK_SUBJECT_WILDCARD,
            "the rule does not pin the CircleCI organization: a token from another organization's project matches".to_owned(),
            &fix,
        ));
    } else if admitted(Context::OtherProject) {
        findings.push(finding(
            TRUST_RISK_ORG_WIDE_SUBJECT,
            format!(
                "every project of CircleCI organization `{}` matches (the audience and issuer name only the organization): any project followed in the organization, including ones added later, gets the role",
                s.owner
            ),
            &fix,
        ));
    }
    (findings, fix)
}

fn risk_finding(
    rule: Rule,
    artifact: &str,
    locator: &str,
    label: &str,
    cause: String,
    fix: String,
) -> Finding {
    rule.finding(cause, fix).with_evidence(Evidence::statics(
        Stage::Trust,
        Outcome::Info,
        artifact,
        locator,
        format!("{label}: {}", rule.title),
    ))
}

/// Risk findings for GitHub Actions and GitLab CI rules, from the contexts they admit;
/// with the pinned rule to suggest.
#[allow(clippy::too_many_arguments)]
fn repo_findings(
    platform: Platform,
    subjects: Option<&Subjects>,
    admits: &[AdmittedContext],
    patterns: &[String],
    ghes: bool,
    artifact: &str,
    locator: &str,
    label: &str,
) -> (Vec<Finding>, String) {
    let admitted = |c: Context| admits.iter().any(|a| a.context == c && a.admitted);
    let mut findings = Vec::new();
    let repo = subjects
        .map(|s| format!("{}/{}", s.owner, s.repo))
        .unwrap_or_default();
    let environment = subjects
        .map(|s| s.environment.clone())
        .unwrap_or_else(|| "production".to_owned());
    let pinned = match platform {
        Platform::Gitlab => format!("project_path:{repo}:ref_type:branch:ref:main"),
        _ => format!("repo:{repo}:environment:{environment}"),
    };
    let fix_pin = match platform {
        Platform::Gitlab => {
            format!("pin `sub` to `{pinned}` (a protected branch) or use a protected environment")
        }
        _ => {
            format!("pin `sub` to `{pinned}` and protect that environment with required reviewers")
        }
    };
    let in_repo = [
        Context::DefaultBranchPush,
        Context::OtherBranchPush,
        Context::Tag,
        Context::PullRequest,
        Context::Environment,
    ];
    if admitted(Context::OtherOrg) {
        findings.push(risk_finding(
            TRUST_RISK_SUBJECT_WILDCARD,
            artifact,
            locator,
            label,
            "the subject is not pinned to an organization: a workflow in any repository on the platform that can request this audience gets the role".to_owned(),
            fix_pin.clone(),
        ));
    } else if admitted(Context::OtherRepoSameOrg) {
        findings.push(risk_finding(
            TRUST_RISK_ORG_WIDE_SUBJECT,
            artifact,
            locator,
            label,
            format!("every repository of `{}` matches, including ones created later and by anyone who can create a repository there", subjects.as_ref().map(|s| s.owner.as_str()).unwrap_or_default()),
            fix_pin.clone(),
        ));
    } else if !admits.is_empty() && in_repo.iter().all(|c| admitted(*c)) {
        findings.push(risk_finding(
            TRUST_RISK_REPO_WIDE_SUBJECT,
            artifact,
            locator,
            label,
            format!(
                "every job of `{repo}` matches — any branch, any tag and pull requests included"
            ),
            fix_pin.clone(),
        ));
    }
    // Whatever the scope, these contexts are the ones that let unreviewed code in.
    if admitted(Context::PullRequest) || admitted(Context::ForkPullRequest) {
        findings.push(risk_finding(
            TRUST_RISK_PULL_REQUEST_SUBJECT,
            artifact,
            locator,
            label,
            "a pull request run matches: code nobody has reviewed yet gets these credentials"
                .to_owned(),
            fix_pin.clone(),
        ));
    }
    if admitted(Context::OtherBranchPush) {
        findings.push(risk_finding(
            TRUST_RISK_ANY_BRANCH,
            artifact,
            locator,
            label,
            "a push to any branch matches: anyone who can push a branch gets these credentials, without review".to_owned(),
            fix_pin.clone(),
        ));
    }
    let name_based = platform == Platform::GithubActions
        && !ghes
        && patterns.iter().any(|p| {
            p.starts_with("repo:") && !p.split(':').nth(1).unwrap_or_default().contains('@')
        })
        && findings.is_empty();
    if name_based {
        findings.push(risk_finding(
            TRUST_RISK_NAME_BASED_SUBJECT,
            artifact,
            locator,
            label,
            "the subject names the repository by name; a renamed, transferred or re-created repository of that name would match, and repositories created after 2026-07-15 get the immutable `repo:owner@ID/repo@ID:…` form instead".to_owned(),
            "add a rule for the immutable-id subject (`repo:OWNER@OWNER_ID/REPO@REPO_ID:…`), opt the repository in, then remove the name-based rule".to_owned(),
        ));
    }
    (findings, fix_pin)
}

/// Review every rule of a configuration: blast radius and risk findings, plus the
/// cloud's own pattern findings.
pub fn review(config: &dyn TrustConfig, artifact: &str) -> Vec<RuleReview> {
    let platform = target_platform(config);
    let issuer = config
        .issuers()
        .into_iter()
        .next()
        .unwrap_or_else(|| match platform {
            Platform::Gitlab => "https://gitlab.com".to_owned(),
            Platform::TerraformCloud => "https://app.terraform.io".to_owned(),
            Platform::Circleci => format!("https://oidc.circleci.com/org/{CIRCLECI_ORG}"),
            _ => "https://token.actions.githubusercontent.com".to_owned(),
        });
    let audience = config.audiences().into_iter().next();
    let ghes = issuer.contains("/_services/token");
    let mut pattern_findings = config.pattern_findings(artifact);
    let deny_rules: Vec<usize> = (0..config.rule_count())
        .filter(|&i| config.evaluate_rule(i, &Claims::default()).effect == super::Effect::Deny)
        .collect();
    let mut reviews = Vec::new();
    // Deny statements are checked only for a context some Allow admits, each distinct
    // token once, and at most `budget::DENY_EVALUATIONS` statement evaluations in all:
    // the review stays linear in the statements however many Deny statements there are.
    let mut deny_cache: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    let mut deny_budget = super::budget::DENY_EVALUATIONS;
    let mut deny_unchecked = 0usize;

    for index in 0..config.rule_count() {
        let patterns = config.subject_patterns(index);
        let base = config.evaluate_rule(index, &Claims::default());
        let (locator, label) = (base.locator.clone(), base.label.clone());
        let subjects = match platform {
            Platform::GithubActions => Some(github_subjects(&patterns)),
            Platform::Gitlab => Some(gitlab_subjects(&patterns)),
            Platform::TerraformCloud => Some(terraform_subjects(&patterns)),
            Platform::Circleci => Some(circleci_subjects(&patterns, Some(&issuer))),
            _ => None,
        };
        let mut admits = Vec::new();
        if let Some(s) = &subjects {
            // CircleCI's default audience is the organization id.
            let audience = match (&audience, platform) {
                (Some(a), _) => a.clone(),
                (None, Platform::Circleci) => s.owner.clone(),
                (None, _) => "sts.amazonaws.com".to_owned(),
            };
            for &context in Context::for_platform(platform) {
                let claims = match platform {
                    Platform::Gitlab => gitlab_context(context, s, &issuer, &audience),
                    Platform::TerraformCloud => terraform_context(context, s, &issuer, &audience),
                    Platform::Circleci => circleci_context(context, s, &issuer, &audience),
                    _ => github_context(context, s, &issuer, &audience),
                };
                let evaluation = config.evaluate_rule(index, &claims);
                // A rule admits a context when it applies and no Deny rule of the
                // configuration (AWS's explicit Deny) applies too.
                let admitted = evaluation.applies
                    && evaluation.effect == super::Effect::Allow
                    && !denied(
                        config,
                        &deny_rules,
                        &claims,
                        &mut deny_cache,
                        &mut deny_budget,
                        &mut deny_unchecked,
                    );
                admits.push(AdmittedContext {
                    context,
                    subject: claims.subject().unwrap_or_default().to_owned(),
                    admitted,
                });
            }
        }
        let admitted = |c: Context| admits.iter().any(|a| a.context == c && a.admitted);
        let (mut findings, fix_pin) = match (&subjects, platform) {
            (Some(s), Platform::TerraformCloud | Platform::Circleci) => {
                scoped_findings(platform, s, &admitted, artifact, &locator, &label)
            }
            _ => repo_findings(
                platform,
                subjects.as_ref(),
                &admits,
                &patterns,
                ghes,
                artifact,
                &locator,
                &label,
            ),
        };
        // Pattern findings that point into this rule belong to it.
        let (mine, rest): (Vec<Finding>, Vec<Finding>) = pattern_findings
            .into_iter()
            .partition(|f| f.evidence.iter().any(|e| within(&e.locator, &locator)));
        pattern_findings = rest;
        findings.extend(mine);
        let fix = findings
            .iter()
            .find(|f| f.risk.is_some())
            .map(|_| fix_pin.clone());
        reviews.push(RuleReview {
            locator,
            label,
            subject_patterns: patterns,
            admits,
            findings,
            fix,
        });
    }
    if deny_unchecked > 0 {
        let exceeded = super::budget::Exceeded::new(
            "the Deny statements' review",
            deny_rules.len().saturating_mul(deny_unchecked),
            "statement evaluations",
            super::budget::DENY_EVALUATIONS,
            "$",
        )
        .deny();
        let verdict = exceeded.verdict();
        pattern_findings.push(risk_finding(
            verdict.rule,
            artifact,
            "$",
            &format!(
                "{deny_unchecked} contexts not checked against {} Deny statements",
                deny_rules.len()
            ),
            verdict.cause,
            verdict.fix,
        ));
    }
    // Findings about the configuration as a whole go on the first rule.
    if let Some(first) = reviews.first_mut() {
        first.findings.extend(pattern_findings);
    }
    reviews
}

/// Whether `path` is `rule` or inside it (`$.Statement[1].Condition` is inside
/// `$.Statement[1]`, `$.Statement[12]` is not).
fn within(path: &str, rule: &str) -> bool {
    path.strip_prefix(rule)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// Whether a Deny rule applies to these claims: each distinct token once, within the
/// budget; past it the context counts as not denied (so the review reports at most
/// more than is admitted, never less) and `unchecked` counts it.
fn denied(
    config: &dyn TrustConfig,
    deny_rules: &[usize],
    claims: &Claims,
    cache: &mut std::collections::HashMap<String, bool>,
    budget: &mut usize,
    unchecked: &mut usize,
) -> bool {
    if deny_rules.is_empty() {
        return false;
    }
    let key = serde_json::to_string(&claims.0).unwrap_or_default();
    if let Some(&d) = cache.get(&key) {
        return d;
    }
    if deny_rules.len() > *budget {
        *unchecked += 1;
        return false;
    }
    *budget -= deny_rules.len();
    let d = deny_rules
        .iter()
        .any(|&d| config.evaluate_rule(d, claims).applies);
    cache.insert(key, d);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::aws::AwsTrustPolicy;

    const TFC: &str = "arn:aws:iam::111122223333:oidc-provider/app.terraform.io";
    const ORG: &str = "0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b";
    const PROJECT: &str = "7d6c5b4a-3f2e-4d1c-9b0a-1a2b3c4d5e6f";

    fn aws(provider: &str, condition: Value) -> AwsTrustPolicy {
        let doc = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }]});
        AwsTrustPolicy::parse(&serde_json::to_vec(&doc).unwrap()).unwrap()
    }

    fn tfc(sub: &str) -> Vec<RuleReview> {
        let p = aws(
            TFC,
            json!({"StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
                   "StringLike": {"app.terraform.io:sub": sub}}),
        );
        review(&p, "trust-policy.json")
    }

    fn circleci(condition: Value) -> Vec<RuleReview> {
        let provider =
            format!("arn:aws:iam::111122223333:oidc-provider/oidc.circleci.com/org/{ORG}");
        review(&aws(&provider, condition), "trust-policy.json")
    }

    fn ids(r: &RuleReview) -> Vec<&'static str> {
        r.findings.iter().map(|f| f.id).collect()
    }

    #[test]
    fn terraform_workspace_pinned_with_any_run_phase_only_admits_its_plans() {
        let r = tfc("organization:acme:project:Platform:workspace:network-prod:run_phase:*");
        assert_eq!(
            r[0].admitted_contexts(),
            [Context::ApplyRun, Context::PlanRun]
        );
        assert_eq!(ids(&r[0]), [TRUST_RISK_PLAN_PHASE.id]);
        assert_eq!(r[0].findings[0].risk, Some(crate::vocabulary::Risk::Low));
        assert_eq!(
            r[0].admits[0].subject,
            "organization:acme:project:Platform:workspace:network-prod:run_phase:apply"
        );
        assert!(
            r[0].fix.as_deref().unwrap_or_default().contains(
                "organization:acme:project:Platform:workspace:network-prod:run_phase:apply"
            )
        );
    }

    #[test]
    fn terraform_workspace_wildcard_admits_every_workspace_of_the_project() {
        let r = tfc("organization:acme:project:Platform:workspace:*:run_phase:apply");
        assert_eq!(
            r[0].admitted_contexts(),
            [Context::ApplyRun, Context::OtherWorkspace]
        );
        assert_eq!(ids(&r[0]), [TRUST_RISK_ANY_WORKSPACE.id]);
        assert!(r[0].findings[0].cause.contains("project `Platform`"));
        // The suggested rule names no stand-in workspace.
        assert!(
            r[0].fix
                .as_deref()
                .unwrap_or_default()
                .contains("organization:acme:project:Platform:workspace:WORKSPACE:run_phase:apply"),
            "{:?}",
            r[0].fix
        );
    }

    #[test]
    fn terraform_org_wide_and_unpinned_rules() {
        let r = tfc("organization:acme:*");
        assert_eq!(
            r[0].admitted_contexts(),
            [
                Context::ApplyRun,
                Context::PlanRun,
                Context::OtherWorkspace,
                Context::OtherProject
            ]
        );
        assert_eq!(
            ids(&r[0]),
            [TRUST_RISK_ANY_WORKSPACE.id, TRUST_RISK_PLAN_PHASE.id]
        );
        assert!(r[0].findings[0].cause.contains("every project"));
        let r = tfc("organization:*");
        assert!(r[0].admitted_contexts().contains(&Context::OtherOrg));
        assert_eq!(ids(&r[0])[0], TRUST_RISK_SUBJECT_WILDCARD.id);
        // Exactly pinned: nothing to say.
        let r = tfc("organization:acme:project:Platform:workspace:network-prod:run_phase:apply");
        assert_eq!(r[0].admitted_contexts(), [Context::ApplyRun]);
        assert!(r[0].findings.iter().all(|f| f.risk.is_none()));
    }

    #[test]
    fn circleci_audience_only_admits_every_project_of_the_org() {
        let key = format!("oidc.circleci.com/org/{ORG}");
        let r = circleci(json!({"StringEquals": {format!("{key}:aud"): ORG}}));
        assert_eq!(
            r[0].admitted_contexts(),
            [Context::ProjectBuild, Context::OtherProject]
        );
        assert!(
            ids(&r[0]).contains(&TRUST_RISK_ORG_WIDE_SUBJECT.id),
            "{:?}",
            ids(&r[0])
        );
        let r = circleci(json!({"StringLike": {format!("{key}:sub"): format!("org/{ORG}/*")}}));
        assert!(
            ids(&r[0]).contains(&TRUST_RISK_ORG_WIDE_SUBJECT.id),
            "{:?}",
            ids(&r[0])
        );
        // Another organization has its own issuer: the provider does not admit it.
        assert!(!r[0].admitted_contexts().contains(&Context::OtherOrg));
    }

    #[test]
    fn circleci_project_pinned_rule_has_no_risk() {
        let key = format!("oidc.circleci.com/org/{ORG}");
        let r = circleci(json!({
            "StringEquals": {format!("{key}:aud"): ORG},
            "StringLike": {format!("{key}:sub"): format!("org/{ORG}/project/{PROJECT}/user/*")},
        }));
        assert_eq!(r[0].admitted_contexts(), [Context::ProjectBuild]);
        assert!(
            r[0].findings.iter().all(|f| f.risk.is_none()),
            "{:?}",
            ids(&r[0])
        );
        assert_eq!(
            r[0].admits[0].subject,
            format!("org/{ORG}/project/{PROJECT}/user/c0ffee00-0000-4000-8000-00000000c001")
        );
    }

    #[test]
    fn contexts_are_modelled_per_platform() {
        assert_eq!(Context::for_platform(Platform::GithubActions), Context::ALL);
        assert_eq!(Context::for_platform(Platform::Gitlab), Context::ALL);
        assert_eq!(
            Context::for_platform(Platform::TerraformCloud),
            Context::TERRAFORM_CLOUD
        );
        assert_eq!(Context::for_platform(Platform::Circleci), Context::CIRCLECI);
        // Bitbucket's subject grammar is unverified in the reference: not modelled.
        assert!(Context::for_platform(Platform::Bitbucket).is_empty());
    }
}
