//! Risk findings from the contexts a rule admits.

use super::*;

/// Risk findings for the platforms whose contexts are not a repository's branches:
/// HCP Terraform and CircleCI. Returns them with the pinned rule to suggest.
pub(super) fn scoped_findings(
    platform: Platform,
    s: &Subjects,
    admitted: &dyn Fn(Context) -> bool,
    locator: &str,
    label: &str,
) -> (Vec<RuleFinding>, String) {
    let mut findings = Vec::new();
    let finding = |rule: Rule, cause: String, fix: &str| {
        risk_finding(rule, locator, label, cause, fix.to_owned())
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

pub(super) fn risk_finding(
    rule: Rule,
    locator: &str,
    label: &str,
    cause: String,
    fix: String,
) -> RuleFinding {
    RuleFinding::new(
        rule.finding(cause, fix),
        locator,
        format!("{label}: {}", rule.title),
    )
}

/// Risk findings for GitHub Actions and GitLab CI rules, from the contexts they admit;
/// with the pinned rule to suggest.
#[allow(clippy::too_many_arguments)]
pub(super) fn repo_findings(
    platform: Platform,
    subjects: Option<&Subjects>,
    admits: &[AdmittedContext],
    patterns: &[String],
    ghes: bool,
    locator: &str,
    label: &str,
) -> (Vec<RuleFinding>, String) {
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
            locator,
            label,
            "the subject is not pinned to an organization: a workflow in any repository on the platform that can request this audience gets the role".to_owned(),
            fix_pin.clone(),
        ));
    } else if admitted(Context::OtherRepoSameOrg) {
        findings.push(risk_finding(
            TRUST_RISK_ORG_WIDE_SUBJECT,
            locator,
            label,
            format!("every repository of `{}` matches, including ones created later and by anyone who can create a repository there", subjects.as_ref().map(|s| s.owner.as_str()).unwrap_or_default()),
            fix_pin.clone(),
        ));
    } else if !admits.is_empty() && in_repo.iter().all(|c| admitted(*c)) {
        findings.push(risk_finding(
            TRUST_RISK_REPO_WIDE_SUBJECT,
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
            locator,
            label,
            "the subject names the repository by name; a renamed, transferred or re-created repository of that name would match, and repositories created after 2026-07-15 get the immutable `repo:owner@ID/repo@ID:…` form instead".to_owned(),
            "add a rule for the immutable-id subject (`repo:OWNER@OWNER_ID/REPO@REPO_ID:…`), opt the repository in, then remove the name-based rule".to_owned(),
        ));
    }
    (findings, fix_pin)
}
