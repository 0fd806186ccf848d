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
    review(&p)
}

fn circleci(condition: Value) -> Vec<RuleReview> {
    let provider = format!("arn:aws:iam::111122223333:oidc-provider/oidc.circleci.com/org/{ORG}");
    review(&aws(&provider, condition))
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
        r[0].fix
            .as_deref()
            .unwrap_or_default()
            .contains("organization:acme:project:Platform:workspace:network-prod:run_phase:apply")
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
