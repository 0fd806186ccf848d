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

mod findings;
#[cfg(test)]
mod tests;
mod tokens;

use findings::*;
use tokens::*;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::RuleFinding;
use super::TrustConfig;
use crate::token::Claims;
use crate::token::platform::Platform;
use crate::vocabulary::catalog::*;

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
    /// What the review finds, each with where it shows (no evidence: the evidence
    /// layer adds it, `evidence::policy::reviewed`).
    #[serde(skip)]
    pub findings: Vec<RuleFinding>,
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

/// Review every rule of a configuration: blast radius and risk findings, plus the
/// cloud's own pattern findings.
pub fn review(config: &dyn TrustConfig) -> Vec<RuleReview> {
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
    let mut pattern_findings = config.pattern_findings();
    let deny_rules: Vec<usize> = (0..config.rule_count())
        .filter(|&i| config.evaluate_rule(i, &Claims::default()).effect == super::Effect::Deny)
        .collect();
    let mut reviews = Vec::new();
    let mut deny = DenyChecks::new(deny_rules);

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
        let admits = match &subjects {
            Some(s) => contexts_admitted(
                config,
                index,
                platform,
                s,
                &issuer,
                audience.as_deref(),
                &mut deny,
            ),
            None => Vec::new(),
        };
        let admitted = |c: Context| admits.iter().any(|a| a.context == c && a.admitted);
        let (mut findings, fix_pin) = match (&subjects, platform) {
            (Some(s), Platform::TerraformCloud | Platform::Circleci) => {
                scoped_findings(platform, s, &admitted, &locator, &label)
            }
            _ => repo_findings(
                platform,
                subjects.as_ref(),
                &admits,
                &patterns,
                ghes,
                &locator,
                &label,
            ),
        };
        // Pattern findings that point into this rule belong to it.
        let (mine, rest): (Vec<RuleFinding>, Vec<RuleFinding>) = pattern_findings
            .into_iter()
            .partition(|f| f.proofs.iter().any(|p| within(&p.locator, &locator)));
        pattern_findings = rest;
        findings.extend(mine);
        let fix = findings
            .iter()
            .find(|f| f.finding.risk.is_some())
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
    if deny.unchecked > 0 {
        let exceeded = super::budget::Exceeded::new(
            "the Deny statements' review",
            deny.rules.len().saturating_mul(deny.unchecked),
            "statement evaluations",
            super::budget::DENY_EVALUATIONS,
            "$",
        )
        .deny();
        let verdict = exceeded.verdict();
        pattern_findings.push(risk_finding(
            verdict.rule,
            "$",
            &format!(
                "{} contexts not checked against {} Deny statements",
                deny.unchecked,
                deny.rules.len()
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

/// The Deny rules of a configuration (AWS's explicit Deny), checked only for a
/// context some Allow admits, each distinct token once, and at most
/// `budget::DENY_EVALUATIONS` statement evaluations in all: the review stays linear in
/// the statements however many Deny statements there are.
struct DenyChecks {
    rules: Vec<usize>,
    cache: std::collections::HashMap<String, bool>,
    budget: usize,
    /// Contexts past the budget, counted as not denied.
    unchecked: usize,
}

impl DenyChecks {
    fn new(rules: Vec<usize>) -> DenyChecks {
        DenyChecks {
            rules,
            cache: std::collections::HashMap::new(),
            budget: super::budget::DENY_EVALUATIONS,
            unchecked: 0,
        }
    }

    /// Whether a Deny rule applies to these claims; past the budget, no (so the review
    /// reports at most more than is admitted, never less) and `unchecked` counts it.
    fn denied(&mut self, config: &dyn TrustConfig, claims: &Claims) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let key = serde_json::to_string(&claims.0).unwrap_or_default();
        if let Some(&d) = self.cache.get(&key) {
            return d;
        }
        if self.rules.len() > self.budget {
            self.unchecked += 1;
            return false;
        }
        self.budget -= self.rules.len();
        let d = self
            .rules
            .iter()
            .any(|&d| config.evaluate_rule(d, claims).applies);
        self.cache.insert(key, d);
        d
    }
}

/// Which of the platform's contexts rule `index` admits, each with its subject.
fn contexts_admitted(
    config: &dyn TrustConfig,
    index: usize,
    platform: Platform,
    s: &Subjects,
    issuer: &str,
    audience: Option<&str>,
    deny: &mut DenyChecks,
) -> Vec<AdmittedContext> {
    // CircleCI's default audience is the organization id.
    let audience = match (audience, platform) {
        (Some(a), _) => a.to_owned(),
        (None, Platform::Circleci) => s.owner.clone(),
        (None, _) => "sts.amazonaws.com".to_owned(),
    };
    let mut admits = Vec::new();
    for &context in Context::for_platform(platform) {
        let claims = match platform {
            Platform::Gitlab => gitlab_context(context, s, issuer, &audience),
            Platform::TerraformCloud => terraform_context(context, s, issuer, &audience),
            Platform::Circleci => circleci_context(context, s, issuer, &audience),
            _ => github_context(context, s, issuer, &audience),
        };
        let evaluation = config.evaluate_rule(index, &claims);
        // A rule admits a context when it applies and no Deny rule of the
        // configuration applies too.
        let admitted = evaluation.applies
            && evaluation.effect == super::Effect::Allow
            && !deny.denied(config, &claims);
        admits.push(AdmittedContext {
            context,
            subject: claims.subject().unwrap_or_default().to_owned(),
            admitted,
        });
    }
    admits
}
