//! Risk and blast radius of trust rules, the same way for every cloud: each rule is
//! evaluated (with the cloud's own matching code) against synthetic tokens for each
//! workflow context — a push to the default branch, another branch, a tag, a pull
//! request, a fork's pull request, a named environment, another repository of the same
//! organization, another organization — and the risk findings follow from what it
//! admits. Contexts are built for GitHub Actions and GitLab CI subjects, whose grammar
//! says which context a job is in; other platforms get the cloud's pattern findings only.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::TrustConfig;
use crate::diagnosis::catalog::*;
use crate::diagnosis::{Evidence, Finding, Outcome, Stage};
use crate::token::Claims;
use crate::token::platform::Platform;

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
        Context::DefaultBranchPush | Context::OtherRepoSameOrg | Context::OtherOrg => (
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
            _ => "https://token.actions.githubusercontent.com".to_owned(),
        });
    let audience = config
        .audiences()
        .into_iter()
        .next()
        .unwrap_or_else(|| "sts.amazonaws.com".to_owned());
    let ghes = issuer.contains("/_services/token");
    let mut pattern_findings = config.pattern_findings(artifact);
    let deny_rules: Vec<usize> = (0..config.rule_count())
        .filter(|&i| config.evaluate_rule(i, &Claims::default()).effect == super::Effect::Deny)
        .collect();
    let mut reviews = Vec::new();

    for index in 0..config.rule_count() {
        let patterns = config.subject_patterns(index);
        let base = config.evaluate_rule(index, &Claims::default());
        let (locator, label) = (base.locator.clone(), base.label.clone());
        let subjects = match platform {
            Platform::GithubActions => Some(github_subjects(&patterns)),
            Platform::Gitlab => Some(gitlab_subjects(&patterns)),
            _ => None,
        };
        let mut admits = Vec::new();
        if let Some(s) = &subjects {
            for context in Context::ALL {
                let claims = match platform {
                    Platform::Gitlab => gitlab_context(context, s, &issuer, &audience),
                    _ => github_context(context, s, &issuer, &audience),
                };
                let evaluation = config.evaluate_rule(index, &claims);
                // A rule admits a context when it applies and no Deny rule of the
                // configuration (AWS's explicit Deny) applies too.
                let admitted = evaluation.applies
                    && evaluation.effect == super::Effect::Allow
                    && !deny_rules
                        .iter()
                        .any(|&d| config.evaluate_rule(d, &claims).applies);
                admits.push(AdmittedContext {
                    context,
                    subject: claims.subject().unwrap_or_default().to_owned(),
                    admitted,
                });
            }
        }
        let admitted = |c: Context| admits.iter().any(|a| a.context == c && a.admitted);
        let mut findings = Vec::new();
        let repo = subjects
            .as_ref()
            .map(|s| format!("{}/{}", s.owner, s.repo))
            .unwrap_or_default();
        let environment = subjects
            .as_ref()
            .map(|s| s.environment.clone())
            .unwrap_or_else(|| "production".to_owned());
        let pinned = match platform {
            Platform::Gitlab => format!("project_path:{repo}:ref_type:branch:ref:main"),
            _ => format!("repo:{repo}:environment:{environment}"),
        };
        let fix_pin = match platform {
            Platform::Gitlab => format!(
                "pin `sub` to `{pinned}` (a protected branch) or use a protected environment"
            ),
            _ => format!(
                "pin `sub` to `{pinned}` and protect that environment with required reviewers"
            ),
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
                &locator,
                &label,
                "the subject is not pinned to an organization: a workflow in any repository on the platform that can request this audience gets the role".to_owned(),
                fix_pin.clone(),
            ));
        } else if admitted(Context::OtherRepoSameOrg) {
            findings.push(risk_finding(
                TRUST_RISK_ORG_WIDE_SUBJECT,
                artifact,
                &locator,
                &label,
                format!("every repository of `{}` matches, including ones created later and by anyone who can create a repository there", subjects.as_ref().map(|s| s.owner.as_str()).unwrap_or_default()),
                fix_pin.clone(),
            ));
        } else if !admits.is_empty() && in_repo.iter().all(|c| admitted(*c)) {
            findings.push(risk_finding(
                TRUST_RISK_REPO_WIDE_SUBJECT,
                artifact,
                &locator,
                &label,
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
                &locator,
                &label,
                "a pull request run matches: code nobody has reviewed yet gets these credentials"
                    .to_owned(),
                fix_pin.clone(),
            ));
        }
        if admitted(Context::OtherBranchPush) {
            findings.push(risk_finding(
                TRUST_RISK_ANY_BRANCH,
                artifact,
                &locator,
                &label,
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
                &locator,
                &label,
                "the subject names the repository by name; a renamed, transferred or re-created repository of that name would match, and repositories created after 2026-07-15 get the immutable `repo:owner@ID/repo@ID:…` form instead".to_owned(),
                "add a rule for the immutable-id subject (`repo:OWNER@OWNER_ID/REPO@REPO_ID:…`), opt the repository in, then remove the name-based rule".to_owned(),
            ));
        }
        // Pattern findings that point into this rule belong to it.
        let (mine, rest): (Vec<Finding>, Vec<Finding>) = pattern_findings
            .into_iter()
            .partition(|f| f.evidence.iter().any(|e| e.locator.starts_with(&locator)));
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
    // Findings about the configuration as a whole go on the first rule.
    if let Some(first) = reviews.first_mut() {
        first.findings.extend(pattern_findings);
    }
    reviews
}
