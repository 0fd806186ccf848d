//! Tests of the AWS trust policy evaluation. Each cites the documentation page whose
//! behaviour it checks:
//! [ops] <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//! [multi] <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html>
//! [oidc] <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html>
//! [keys] <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html>
//! [eval] <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::policy::Verdict;
use crate::policy::review::{self, Context};
use crate::vocabulary::catalog::*;
use crate::vocabulary::{Risk, Severity};

const GITHUB: &[u8] = include_bytes!("../../../tests/fixtures/policies/aws/github.json");
const GITLAB: &[u8] = include_bytes!("../../../tests/fixtures/policies/aws/gitlab.json");
const CIRCLECI: &[u8] = include_bytes!("../../../tests/fixtures/policies/aws/circleci.json");
const GET_ROLE: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/aws/get-role-urlencoded.json");
const TWENTY: &[u8] = include_bytes!("../../../tests/fixtures/policies/aws/twenty-statements.json");
const TERRAFORM: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/aws/terraform-rendered.json");

const GH_ISS: &str = "https://token.actions.githubusercontent.com";
const GH: &str = "token.actions.githubusercontent.com";
const GH_PROVIDER: &str =
    "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

fn claims(v: Value) -> Claims {
    match v {
        Value::Object(m) => Claims(m),
        _ => unreachable!("claims are an object"),
    }
}

fn gh(sub: &str) -> Claims {
    claims(
        json!({"iss": GH_ISS, "aud": "sts.amazonaws.com", "sub": sub, "repository": "acme/api", "ref": "refs/heads/main"}),
    )
}

fn policy(v: Value) -> AwsTrustPolicy {
    AwsTrustPolicy::parse(v.to_string().as_bytes()).unwrap()
}

/// One GitHub Allow statement with these conditions.
fn github_with(condition: Value) -> AwsTrustPolicy {
    policy(json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": GH_PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }]}))
}

fn refusal(p: &AwsTrustPolicy, c: &Claims) -> Verdict {
    let e = p.evaluate(c);
    assert!(!e.allowed, "expected a refusal, got {e:?}");
    e.refusal.unwrap()
}

fn allowed(p: &AwsTrustPolicy, c: &Claims) -> bool {
    let e = p.evaluate(c);
    assert_eq!(e.allowed, e.refusal.is_none());
    e.allowed
}

// --- the reference samples ---------------------------------------------------------

#[test]
fn github_sample_admits_its_branch_and_names_the_failing_subject() {
    // [oidc] GitHub's documented trust policy: StringEquals on aud and sub.
    let p = AwsTrustPolicy::parse(GITHUB).unwrap();
    assert_eq!(p.rule_count(), 1);
    let ok = claims(
        json!({"iss": GH_ISS, "aud": "sts.amazonaws.com", "sub": "repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch"}),
    );
    let e = p.evaluate(&ok);
    assert!(e.allowed);
    assert_eq!(e.admitting_rule().unwrap().locator, "$.Statement[0]");

    let env = claims(
        json!({"iss": GH_ISS, "aud": "sts.amazonaws.com", "sub": "repo:GitHubOrg/GitHubRepo:environment:prod"}),
    );
    let v = refusal(&p, &env);
    assert_eq!(v.rule, TRUST_AWS_SUBJECT_MISMATCH);
    assert_eq!(
        v.locator,
        "$.Statement[0].Condition.StringEquals[\"token.actions.githubusercontent.com:sub\"]"
    );
    assert_eq!(v.cloud_error.as_deref(), Some(ACCESS_DENIED));
    assert!(
        v.cause
            .contains("repo:GitHubOrg/GitHubRepo:environment:prod"),
        "{}",
        v.cause
    );
    assert!(
        v.cause
            .contains("repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch"),
        "{}",
        v.cause
    );
    assert!(v.cause.contains("environment subject"), "{}", v.cause);
    let check = p.evaluate(&env).rules[0].first_failure().cloned().unwrap();
    assert_eq!(
        check.actual.as_deref(),
        Some("repo:GitHubOrg/GitHubRepo:environment:prod")
    );
    assert_eq!(check.operator, "StringEquals");
    assert_eq!(
        check.near_miss.unwrap().first_difference,
        "repo:GitHubOrg/GitHubRepo:".len()
    );
}

#[test]
fn github_sample_audience_is_checked_first_because_it_is_written_first() {
    // [multi] keys of one operator are ANDed; the verdict names the first failing one.
    let p = AwsTrustPolicy::parse(GITHUB).unwrap();
    let c = claims(
        json!({"iss": GH_ISS, "aud": "https://github.com/GitHubOrg", "sub": "repo:x/y:ref:refs/heads/main"}),
    );
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_AWS_AUDIENCE_MISMATCH);
    assert_eq!(
        v.locator,
        "$.Statement[0].Condition.StringEquals[\"token.actions.githubusercontent.com:aud\"]"
    );
    assert!(
        v.cause.contains("https://github.com/GitHubOrg") && v.cause.contains("sts.amazonaws.com"),
        "{}",
        v.cause
    );
    assert!(v.cause.contains("2 of its conditions fail"), "{}", v.cause);
    assert!(v.fix.contains("client ID"), "{}", v.fix);
}

#[test]
fn gitlab_sample_matches_its_instance_and_refuses_gitlab_com() {
    // [oidc] the provider is named by the issuer host; keys are `<host>:sub`.
    let p = AwsTrustPolicy::parse(GITLAB).unwrap();
    let sub = "project_path:mygroup/myproject:ref_type:branch:ref:main";
    assert!(allowed(
        &p,
        &claims(
            json!({"iss": "https://gitlab.example.com", "aud": "https://gitlab.example.com", "sub": sub})
        )
    ));
    let v = refusal(
        &p,
        &claims(json!({"iss": "https://gitlab.com", "aud": "https://gitlab.com", "sub": sub})),
    );
    assert_eq!(v.rule, TRUST_AWS_PROVIDER_MISMATCH);
    assert_eq!(v.locator, "$.Statement[0].Principal.Federated");
    assert!(
        v.cause
            .contains("arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.example.com"),
        "{}",
        v.cause
    );
    assert!(
        v.cause
            .contains("arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.com"),
        "{}",
        v.cause
    );
    assert!(
        v.cause
            .contains("No OpenIDConnect provider found in your account for https://gitlab.com"),
        "{}",
        v.cause
    );
    assert_eq!(v.cloud_error.as_deref(), Some(ACCESS_DENIED));
}

#[test]
fn circleci_sample_pattern_spans_slashes() {
    // [ops] StringLike `*` matches any run of characters, `/` included.
    let p = AwsTrustPolicy::parse(CIRCLECI).unwrap();
    let iss = "https://oidc.circleci.com/org/<organization_id>";
    let main = "org/<organization_id>/project/p-1/user/u-9/vcs-origin/github.com/my-org/app/vcs-ref/refs/heads/main";
    assert!(allowed(
        &p,
        &claims(json!({"iss": iss, "aud": "<organization_id>", "sub": main}))
    ));
    let feature = main.replace("heads/main", "heads/feature");
    let v = refusal(
        &p,
        &claims(json!({"iss": iss, "aud": "<organization_id>", "sub": feature})),
    );
    assert_eq!(v.rule, TRUST_AWS_SUBJECT_MISMATCH);
    assert_eq!(
        v.locator,
        "$.Statement[0].Condition.StringLike[\"oidc.circleci.com/org/<organization_id>:sub\"]"
    );
    assert_eq!(p.issuers(), vec![iss.to_owned()]);
}

#[test]
fn circleci_org_path_is_part_of_the_provider() {
    // [oidc] a provider URL may have a path: another org is another provider.
    let p = AwsTrustPolicy::parse(CIRCLECI).unwrap();
    let v = refusal(
        &p,
        &claims(
            json!({"iss": "https://oidc.circleci.com/org/other", "sub": "org/other/project/p/user/u"}),
        ),
    );
    assert_eq!(v.rule, TRUST_AWS_PROVIDER_MISMATCH);
}

// --- input shapes ------------------------------------------------------------------

#[test]
fn get_role_with_url_encoded_document_keeps_locators_into_the_response() {
    let p = AwsTrustPolicy::parse(GET_ROLE).unwrap();
    assert_eq!(p.role(), Some("deploy-api"));
    assert_eq!(p.document_locator(), "$.Role.AssumeRolePolicyDocument");
    assert_eq!(
        p.describe(),
        "AWS role trust policy of deploy-api (1 statement)"
    );
    let base = "$.Role.AssumeRolePolicyDocument.Statement[0]";
    let e = p.evaluate(&gh("repo:acme/api:ref:refs/heads/release/2.1"));
    assert!(e.allowed);
    let rule = e.admitting_rule().unwrap();
    assert_eq!(rule.locator, base);
    assert_eq!(rule.label, "Statement[0] (Allow, Sid GitHubDeploy)");
    let sub = rule
        .checks
        .iter()
        .find(|c| c.key.ends_with(":sub"))
        .unwrap();
    assert_eq!(
        sub.locator,
        format!("{base}.Condition.StringLike[\"token.actions.githubusercontent.com:sub\"][1]")
    );
    let v = refusal(&p, &gh("repo:acme/api:ref:refs/heads/main"));
    assert!(v.locator.starts_with(base), "{}", v.locator);
    assert_eq!(
        p.subject_patterns(0),
        vec![
            "repo:acme/api:environment:production",
            "repo:acme/api:ref:refs/heads/release/*"
        ]
    );
}

#[test]
fn url_encoded_document_alone_decodes_percent_escapes_and_plus() {
    // IAM's API returns the document URL-encoded; `+` is a space in form encoding.
    let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/api:environment:prod eu"}}}});
    let encoded: String = doc
        .to_string()
        .bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b if b.is_ascii_alphanumeric() || b"-_.".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    assert!(encoded.starts_with("%7B%22Version%22"));
    for input in [encoded.clone(), Value::String(encoded.clone()).to_string()] {
        assert!(sniff(input.as_bytes()), "{input}");
        let p = parse(input.as_bytes()).unwrap();
        assert_eq!(
            p.subject_patterns(0),
            vec!["repo:acme/api:environment:prod eu"]
        );
        assert_eq!(p.document_locator(), "$");
        let rule = p.evaluate_rule(0, &gh("repo:acme/api:environment:prod eu"));
        assert!(rule.applies);
        assert_eq!(rule.locator, "$.Statement");
        assert_eq!(
            rule.checks[2].locator,
            "$.Statement.Condition.StringEquals[\"token.actions.githubusercontent.com:sub\"]"
        );
    }
}

#[test]
fn role_object_and_decoded_get_role_are_accepted() {
    let doc: Value = serde_json::from_slice(GITHUB).unwrap();
    let p = policy(json!({"Role": {"RoleName": "r", "AssumeRolePolicyDocument": doc}}));
    assert_eq!(
        p.evaluate_rule(0, &Claims::default()).locator,
        "$.Role.AssumeRolePolicyDocument.Statement[0]"
    );
    let p = policy(json!({"RoleName": "r", "AssumeRolePolicyDocument": doc}));
    assert_eq!(
        p.evaluate_rule(0, &Claims::default()).locator,
        "$.AssumeRolePolicyDocument.Statement[0]"
    );
}

#[test]
fn terraform_rendered_document_has_the_same_shape() {
    let p = AwsTrustPolicy::parse(TERRAFORM).unwrap();
    assert!(allowed(&p, &gh("repo:acme/anything:pull_request")));
    // An empty Sid (Terraform writes one) is no Sid.
    assert_eq!(
        p.evaluate_rule(0, &Claims::default()).label,
        "Statement[0] (Allow)"
    );
}

// --- parse errors ------------------------------------------------------------------

#[test]
fn malformed_json_reports_line_and_column() {
    let err = AwsTrustPolicy::parse(b"{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [,]\n}")
        .unwrap_err();
    match err {
        PolicyError::Json { line, column, .. } => assert_eq!((line, column), (3, 17)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_url_encoded_json_reports_the_decoded_position() {
    let err = AwsTrustPolicy::parse(b"%7B%22Version%22%3A%7D").unwrap_err();
    assert!(
        matches!(err, PolicyError::Json { line: 1, what, .. } if what.contains("URL-decoded")),
        "{err:?}"
    );
    let err = AwsTrustPolicy::parse(b"%7B%+1").unwrap_err();
    assert!(
        matches!(&err, PolicyError::Field { message, .. } if message.contains("character 4")),
        "{err:?}"
    );
    let err = AwsTrustPolicy::parse(b"%7B%2").unwrap_err();
    assert!(
        matches!(&err, PolicyError::Field { field, message, .. } if field == "$" && message.contains("percent-escape")),
        "{err:?}"
    );
}

fn field_error(v: Value) -> (String, String) {
    match AwsTrustPolicy::parse(v.to_string().as_bytes()).unwrap_err() {
        PolicyError::Field { field, message, .. } => (field, message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_field_types_name_the_json_path() {
    let ok = |extra: Value| {
        let mut s = json!({"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity"});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        json!({"Version": "2012-10-17", "Statement": [s.clone(), s]})
    };
    assert_eq!(
        field_error(ok(json!({"Effect": "allow"}))).0,
        "$.Statement[0].Effect"
    );
    assert_eq!(
        field_error(ok(json!({"Action": 3}))).0,
        "$.Statement[0].Action"
    );
    assert_eq!(
        field_error(ok(json!({"Action": ["sts:AssumeRoleWithWebIdentity", 1]}))).0,
        "$.Statement[0].Action[1]"
    );
    assert_eq!(
        field_error(ok(json!({"Principal": {"Federated": [GH_PROVIDER, {}]}}))).0,
        "$.Statement[0].Principal.Federated[1]"
    );
    assert_eq!(
        field_error(ok(json!({"Principal": "arn:aws:iam::1:root"}))).0,
        "$.Statement[0].Principal"
    );
    assert_eq!(
        field_error(ok(json!({"Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": {"x": 1}}}}))).0,
        "$.Statement[0].Condition.StringEquals[\"token.actions.githubusercontent.com:sub\"]"
    );
    assert_eq!(
        field_error(ok(
            json!({"Condition": {"StringLike": {"k.example:sub": ["a", null]}}})
        ))
        .0,
        "$.Statement[0].Condition.StringLike[\"k.example:sub\"][1]"
    );
    assert_eq!(
        field_error(ok(
            json!({"Condition": {"StringSort": {"k.example:sub": "a"}}})
        ))
        .0,
        "$.Statement[0].Condition.StringSort"
    );
    assert_eq!(
        field_error(ok(
            json!({"Condition": {"NullIfExists": {"k.example:sub": "true"}}})
        ))
        .0,
        "$.Statement[0].Condition.NullIfExists"
    );
    assert_eq!(
        field_error(ok(json!({"Condition": ["StringEquals"]}))).0,
        "$.Statement[0].Condition"
    );
    let (field, message) = field_error(ok(json!({"Resource": "*"})));
    assert_eq!(field, "$.Statement[0].Resource");
    assert!(
        message.contains("Has prohibited field Resource"),
        "{message}"
    );
    assert_eq!(
        field_error(json!({"Version": "2012-10-17", "Statement": "x"})).0,
        "$.Statement"
    );
    assert_eq!(
        field_error(json!({"Version": 2012, "Statement": []})).0,
        "$.Version"
    );
    assert_eq!(
        field_error(json!({"Version": "2012-10-17"})).0,
        "$.Statement"
    );
    assert_eq!(
        field_error(json!({"Role": {"RoleName": "x"}})).0,
        "$.Role.AssumeRolePolicyDocument"
    );
    assert_eq!(
        field_error(json!({"Role": {"AssumeRolePolicyDocument": 5}})).0,
        "$.Role.AssumeRolePolicyDocument"
    );
    assert_eq!(field_error(json!([1])).0, "$");
    let no_principal =
        json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity"}]});
    assert_eq!(field_error(no_principal).0, "$.Statement[0].Principal");
    let no_action = json!({"Statement": [{"Effect": "Allow", "Principal": "*"}]});
    assert_eq!(field_error(no_action).0, "$.Statement[0].Action");
}

// --- sniffing ----------------------------------------------------------------------

#[test]
fn sniff_accepts_every_trust_policy_shape() {
    for bytes in [GITHUB, GITLAB, CIRCLECI, GET_ROLE, TWENTY, TERRAFORM] {
        assert!(sniff(bytes), "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn sniff_rejects_other_kinds() {
    let others = [
        // Claims, a JWKS, a JWT.
        include_bytes!("../../../tests/fixtures/sample-claims.json").to_vec(),
        br#"{"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"}]}"#.to_vec(),
        b"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln".to_vec(),
        // Azure federated credential, GCP provider, Vault role.
        br#"{"name":"gh","issuer":"https://token.actions.githubusercontent.com","subject":"repo:a/b:ref:refs/heads/main","audiences":["api://AzureADTokenExchange"]}"#.to_vec(),
        br#"{"name":"projects/1/locations/global/workloadIdentityPools/p/providers/x","oidc":{"issuerUri":"https://token.actions.githubusercontent.com"},"attributeCondition":"true"}"#.to_vec(),
        br#"{"data":{"bound_audiences":["x"],"bound_claims":{"sub":"y"},"user_claim":"sub","role_type":"jwt"}}"#.to_vec(),
        // AWS permissions and bucket policies: a Resource, or no Principal.
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#.to_vec(),
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#.to_vec(),
        // CloudTrail, text, nothing.
        br#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity"}"#.to_vec(),
        b"An error occurred (AccessDenied)".to_vec(),
        Vec::new(),
    ];
    for bytes in others {
        assert!(!sniff(&bytes), "{}", String::from_utf8_lossy(&bytes));
    }
}

// --- principal and action ----------------------------------------------------------

#[test]
fn federated_principal_array_and_partitions() {
    // [oidc] `arn:aws[-cn|-us-gov]:iam::ACCOUNT:oidc-provider/HOST`.
    let p = policy(
        json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": ["arn:aws-cn:iam::1:oidc-provider/gitlab.com", "arn:aws-us-gov:iam::1:oidc-provider/token.actions.githubusercontent.com"]}}]}),
    );
    let e = p.evaluate(&gh("repo:a/b:ref:refs/heads/main"));
    assert!(e.allowed);
    assert_eq!(
        e.rules[0].checks[0].locator,
        "$.Statement[0].Principal.Federated[1]"
    );
    assert_eq!(p.issuers(), vec!["https://gitlab.com", GH_ISS]);
}

#[test]
fn everyone_and_aws_principals_are_not_the_federated_provider() {
    for principal in [
        json!("*"),
        json!({"AWS": "arn:aws:iam::1:root"}),
        json!({"Service": "ec2.amazonaws.com"}),
    ] {
        let p = policy(
            json!({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRoleWithWebIdentity"}]}),
        );
        let v = refusal(&p, &gh("repo:a/b:ref:refs/heads/main"));
        assert_eq!(v.rule, TRUST_AWS_PROVIDER_MISMATCH, "{principal}");
        assert!(
            v.cause.contains("not a federated OIDC provider"),
            "{}",
            v.cause
        );
        assert!(
            v.cause.contains(
                "arn:aws:iam::ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com"
            ),
            "{}",
            v.cause
        );
    }
}

#[test]
fn ghec_enterprise_issuer_needs_its_own_provider() {
    // [oidc] the provider URL includes the path; GHEC's unique issuer adds `/<slug>`.
    let p = AwsTrustPolicy::parse(GITHUB).unwrap();
    let c = claims(
        json!({"iss": "https://token.actions.githubusercontent.com/octocat-inc", "aud": "sts.amazonaws.com", "sub": "repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch"}),
    );
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_AWS_PROVIDER_MISMATCH);
    assert!(v.cause.contains("GitHub Enterprise Cloud"), "{}", v.cause);
    assert!(
        v.cause
            .contains("oidc-provider/token.actions.githubusercontent.com/octocat-inc"),
        "{}",
        v.cause
    );
    let check = &p.evaluate(&c).rules[0].checks[0];
    assert!(!check.matched);
    assert_eq!(
        check.actual.as_deref(),
        Some("https://token.actions.githubusercontent.com/octocat-inc")
    );
    assert_eq!(check.near_miss.as_ref().unwrap().expected, GH);
}

#[test]
fn trailing_slash_and_missing_issuer_are_explained() {
    let p = AwsTrustPolicy::parse(GITLAB).unwrap();
    let v = refusal(
        &p,
        &claims(json!({"iss": "https://gitlab.example.com/", "sub": "x"})),
    );
    assert!(v.cause.contains("trailing slash"), "{}", v.cause);
    let v = refusal(&p, &claims(json!({"sub": "x"})));
    assert_eq!(v.rule, TRUST_AWS_PROVIDER_MISMATCH);
    assert!(v.cause.contains("no `iss` claim"), "{}", v.cause);
}

#[test]
fn action_wildcards_cover_web_identity() {
    // [ops]/grammar: action names are case-insensitive and take wildcards.
    for action in [
        json!("sts:*"),
        json!("sts:AssumeRole*"),
        json!("*"),
        json!("STS:assumerolewithwebidentity"),
        json!(["sts:TagSession", "sts:AssumeRoleWithWebIdentity"]),
    ] {
        let p = policy(
            json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": action}}),
        );
        assert!(allowed(&p, &gh("x")), "{action}");
    }
    let not_action = policy(
        json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "NotAction": "sts:AssumeRole"}}),
    );
    assert!(allowed(&not_action, &gh("x")));
    let not_web = policy(
        json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "NotAction": "sts:AssumeRoleWith*"}}),
    );
    assert_eq!(
        refusal(&not_web, &gh("x")).rule,
        TRUST_AWS_ACTION_NOT_ALLOWED
    );
}

#[test]
fn assume_role_alone_is_action_not_allowed() {
    let p = policy(
        json!({"Statement": [{"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": "sts:AssumeRole"}]}),
    );
    let v = refusal(&p, &gh("x"));
    assert_eq!(v.rule, TRUST_AWS_ACTION_NOT_ALLOWED);
    assert_eq!(v.locator, "$.Statement[0].Action");
    assert!(
        v.cause.contains("`sts:AssumeRole` is for IAM principals"),
        "{}",
        v.cause
    );
    assert_eq!(v.cloud_error.as_deref(), Some(ACCESS_DENIED));
}

#[test]
fn action_not_allowed_points_at_the_statement_for_this_provider() {
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/gitlab.com"}, "Action": "sts:AssumeRoleWithWebIdentity"},
        {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": ["sts:AssumeRole", "sts:TagSession"]},
    ]}));
    let v = refusal(&p, &gh("x"));
    assert_eq!(v.rule, TRUST_AWS_ACTION_NOT_ALLOWED);
    assert!(
        v.locator.starts_with("$.Statement[1].Action"),
        "{}",
        v.locator
    );
}

// --- explicit deny -----------------------------------------------------------------

#[test]
fn explicit_deny_wins_over_an_allow() {
    // [eval] an explicit deny in any policy overrides any allow.
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}},
        {"Sid": "NoPR", "Effect": "Deny", "Principal": {"Federated": GH_PROVIDER}, "Action": "sts:*",
         "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "*:pull_request"}}},
    ]}));
    assert!(allowed(&p, &gh("repo:acme/api:ref:refs/heads/main")));
    let e = p.evaluate(&gh("repo:acme/api:pull_request"));
    assert!(!e.allowed);
    assert!(e.rules[0].applies && e.rules[1].applies);
    assert_eq!(e.rules[1].effect, Effect::Deny);
    assert_eq!(e.rules[1].label, "Statement[1] (Deny, Sid NoPR)");
    let v = e.refusal.unwrap();
    assert_eq!(v.rule, TRUST_AWS_EXPLICIT_DENY);
    assert_eq!(v.locator, "$.Statement[1]");
    assert!(
        v.cause.contains("repo:acme/api:pull_request"),
        "{}",
        v.cause
    );
    assert_eq!(v.cloud_error.as_deref(), Some(ACCESS_DENIED));
    // evaluate_rule reports the Deny's effect on its own.
    let rule = p.evaluate_rule(1, &gh("repo:acme/api:pull_request"));
    assert_eq!((rule.effect, rule.applies), (Effect::Deny, true));
}

#[test]
fn deny_on_everyone_covers_web_identities() {
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity"},
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Condition": {"StringNotEquals": {"token.actions.githubusercontent.com:repository_owner": "acme"}}},
    ]}));
    assert!(allowed(
        &p,
        &claims(json!({"iss": GH_ISS, "sub": "s", "repository_owner": "acme"}))
    ));
    assert_eq!(
        refusal(
            &p,
            &claims(json!({"iss": GH_ISS, "sub": "s", "repository_owner": "evil"}))
        )
        .rule,
        TRUST_AWS_EXPLICIT_DENY
    );
}

// --- condition operators -----------------------------------------------------------

#[test]
fn for_all_values_is_true_when_the_key_is_absent() {
    // [multi] "ForAllValues … also returns true if there are no context keys in the request".
    let p = github_with(
        json!({"ForAllValues:StringEquals": {"token.actions.githubusercontent.com:environment": "production"}}),
    );
    let no_env = gh("repo:acme/api:ref:refs/heads/main");
    let e = p.evaluate(&no_env);
    assert!(e.allowed, "fails open");
    let check = &e.rules[0].checks[2];
    assert!(check.matched && check.actual.is_none());
    assert!(!allowed(
        &p,
        &claims(json!({"iss": GH_ISS, "sub": "s", "environment": "staging"}))
    ));
    // And it is reported as the risk it is.
    let f = p.pattern_findings();
    let risk = f
        .iter()
        .find(|f| f.id == TRUST_RISK_FOR_ALL_VALUES_SINGLE_VALUED.id)
        .unwrap();
    assert_eq!(risk.risk, Some(Risk::High));
    assert!(risk.proofs[0].locator.starts_with("$.Statement[0]"));
    assert_eq!(
        risk.proofs[0].locator,
        "$.Statement[0].Condition[\"ForAllValues:StringEquals\"][\"token.actions.githubusercontent.com:environment\"]"
    );
}

#[test]
fn for_all_values_checks_every_value_and_for_any_value_one() {
    // [multi] ForAllValues: every request value matches; ForAnyValue: at least one; absent → false.
    let all = github_with(
        json!({"ForAllValues:StringLike": {"token.actions.githubusercontent.com:amr": ["pwd", "mfa"]}}),
    );
    let any = github_with(
        json!({"ForAnyValue:StringEquals": {"token.actions.githubusercontent.com:amr": "mfa"}}),
    );
    let both = claims(json!({"iss": GH_ISS, "amr": ["pwd", "mfa"]}));
    let extra = claims(json!({"iss": GH_ISS, "amr": ["pwd", "otp"]}));
    let none = claims(json!({"iss": GH_ISS}));
    assert!(allowed(&all, &both));
    assert!(!allowed(&all, &extra));
    assert!(allowed(&any, &both));
    assert!(!allowed(&any, &extra));
    let v = refusal(&any, &none);
    assert_eq!(v.rule, TRUST_AWS_CONDITION_MISMATCH);
    assert!(
        v.cause
            .contains("`ForAnyValue:` is false when the key is absent"),
        "{}",
        v.cause
    );
    // amr is multi-valued: no single-valued risk for it.
    assert!(
        all.pattern_findings()
            .iter()
            .all(|f| f.id != TRUST_RISK_FOR_ALL_VALUES_SINGLE_VALUED.id)
    );
}

#[test]
fn if_exists_is_true_when_the_key_is_absent() {
    // [ops] "…IfExists: if the key is not present, evaluate the condition as true".
    let p = github_with(
        json!({"StringEqualsIfExists": {"token.actions.githubusercontent.com:environment": "production"}}),
    );
    assert!(allowed(&p, &gh("repo:acme/api:ref:refs/heads/main")));
    assert!(allowed(
        &p,
        &claims(json!({"iss": GH_ISS, "environment": "production"}))
    ));
    let v = refusal(
        &p,
        &claims(json!({"iss": GH_ISS, "environment": "staging"})),
    );
    assert_eq!(v.rule, TRUST_AWS_CONDITION_MISMATCH);
    assert!(
        v.cause.contains("`staging`") && v.cause.contains("`production`"),
        "{}",
        v.cause
    );
    // Negated IfExists as well.
    let n = github_with(
        json!({"StringNotEqualsIfExists": {"token.actions.githubusercontent.com:event_name": "pull_request"}}),
    );
    assert!(allowed(&n, &gh("x")));
    assert!(!allowed(
        &n,
        &claims(json!({"iss": GH_ISS, "event_name": "pull_request"}))
    ));
}

#[test]
fn null_tests_presence() {
    // [ops] Null "true": the key is absent; "false": present. Booleans are accepted.
    let must_have =
        github_with(json!({"Null": {"token.actions.githubusercontent.com:environment": false}}));
    let must_lack =
        github_with(json!({"Null": {"token.actions.githubusercontent.com:environment": "true"}}));
    let with_env = claims(json!({"iss": GH_ISS, "environment": "production"}));
    let without = gh("x");
    assert!(allowed(&must_have, &with_env));
    assert!(allowed(&must_lack, &without));
    let v = refusal(&must_have, &without);
    assert_eq!(v.rule, TRUST_AWS_CONDITION_MISMATCH);
    assert!(
        v.cause.contains("requires the token to carry it"),
        "{}",
        v.cause
    );
    let v = refusal(&must_lack, &with_env);
    assert!(v.cause.contains("`production`"), "{}", v.cause);
    // Null on `…:sub` is a condition mismatch about sub: still the subject rule.
    let p = github_with(json!({"Null": {"token.actions.githubusercontent.com:sub": "true"}}));
    assert_eq!(refusal(&p, &gh("x")).rule, TRUST_AWS_SUBJECT_MISMATCH);
}

#[test]
fn ignore_case_operators() {
    // [ops] StringEqualsIgnoreCase / StringNotEqualsIgnoreCase.
    let eq = github_with(
        json!({"StringEqualsIgnoreCase": {"token.actions.githubusercontent.com:sub": "REPO:Acme/API:ref:refs/heads/MAIN"}}),
    );
    assert!(allowed(&eq, &gh("repo:acme/api:ref:refs/heads/main")));
    let case_sensitive = github_with(
        json!({"StringEquals": {"token.actions.githubusercontent.com:sub": "REPO:Acme/API:ref:refs/heads/MAIN"}}),
    );
    let v = refusal(&case_sensitive, &gh("repo:acme/api:ref:refs/heads/main"));
    assert!(v.cause.contains("differ only in case"), "{}", v.cause);
    let ne = github_with(
        json!({"StringNotEqualsIgnoreCase": {"token.actions.githubusercontent.com:repository_owner": "EVIL"}}),
    );
    assert!(!allowed(
        &ne,
        &claims(json!({"iss": GH_ISS, "repository_owner": "evil"}))
    ));
    assert!(allowed(
        &ne,
        &claims(json!({"iss": GH_ISS, "repository_owner": "acme"}))
    ));
}

#[test]
fn negated_operators_nor_their_values_and_pass_when_absent() {
    // [ops] a negated operator is true when the key is absent; [multi] its values are NORed.
    let p = github_with(
        json!({"StringNotLike": {"token.actions.githubusercontent.com:sub": ["*:pull_request", "*:ref:refs/heads/dependabot/*"]}}),
    );
    assert!(allowed(&p, &gh("repo:a/b:ref:refs/heads/main")));
    let e = p.evaluate(&gh("repo:a/b:ref:refs/heads/dependabot/npm"));
    let v = e.refusal.unwrap();
    assert_eq!(v.rule, TRUST_AWS_SUBJECT_MISMATCH);
    assert_eq!(
        v.locator,
        "$.Statement[0].Condition.StringNotLike[\"token.actions.githubusercontent.com:sub\"][1]"
    );
    assert!(v.cause.contains("forbids"), "{}", v.cause);
    let absent = github_with(
        json!({"StringNotEquals": {"token.actions.githubusercontent.com:environment": "sandbox"}}),
    );
    assert!(allowed(&absent, &gh("x")));
}

#[test]
fn several_values_are_ored_and_keys_anded() {
    // [multi] values of one key: OR; keys of one operator and several operators: AND.
    let p = github_with(json!({
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:repository": ["acme/api", "acme/web"]},
        "StringLike": {"token.actions.githubusercontent.com:ref": "refs/heads/*"},
    }));
    assert!(allowed(&p, &gh("x")));
    assert!(allowed(
        &p,
        &claims(
            json!({"iss": GH_ISS, "aud": "sts.amazonaws.com", "repository": "acme/web", "ref": "refs/heads/x"})
        )
    ));
    let v = refusal(
        &p,
        &claims(
            json!({"iss": GH_ISS, "aud": "sts.amazonaws.com", "repository": "acme/web", "ref": "refs/tags/v1"}),
        ),
    );
    assert_eq!(v.rule, TRUST_AWS_CONDITION_MISMATCH);
    assert_eq!(
        v.locator,
        "$.Statement[0].Condition.StringLike[\"token.actions.githubusercontent.com:ref\"]"
    );
}

#[test]
fn condition_key_names_are_case_insensitive() {
    // [ops] "Condition key names are not case-sensitive".
    let p = github_with(
        json!({"StringEquals": {"Token.Actions.GitHubUserContent.com:SUB": "repo:a/b:ref:refs/heads/main"}}),
    );
    assert!(allowed(&p, &gh("repo:a/b:ref:refs/heads/main")));
    assert_eq!(p.subject_patterns(0), vec!["repo:a/b:ref:refs/heads/main"]);
}

#[test]
fn numbers_and_booleans_compare_as_strings() {
    // Condition values may be JSON numbers or booleans; claims too.
    let p = github_with(
        json!({"StringEquals": {"token.actions.githubusercontent.com:repository_id": 718230411, "token.actions.githubusercontent.com:ref_protected": true}}),
    );
    assert!(allowed(
        &p,
        &claims(json!({"iss": GH_ISS, "repository_id": "718230411", "ref_protected": "true"}))
    ));
    assert!(allowed(
        &p,
        &claims(json!({"iss": GH_ISS, "repository_id": 718230411, "ref_protected": true}))
    ));
    assert!(!allowed(
        &p,
        &claims(json!({"iss": GH_ISS, "repository_id": "1", "ref_protected": true}))
    ));
}

#[test]
fn numeric_date_bool_ip_and_arn_operators() {
    // [ops] the other operator families, on claims a token can carry.
    let t = claims(
        json!({"iss": GH_ISS, "run_attempt": "2", "iat": 1_700_000_000, "ssh_rerun": false, "runner_ip": "203.0.113.7", "role": "arn:aws:iam::1:role/deploy"}),
    );
    for (cond, expect) in [
        (
            json!({"NumericLessThanEquals": {"token.actions.githubusercontent.com:run_attempt": "2"}}),
            true,
        ),
        (
            json!({"NumericGreaterThan": {"token.actions.githubusercontent.com:run_attempt": 2}}),
            false,
        ),
        (
            json!({"DateGreaterThan": {"token.actions.githubusercontent.com:iat": "2023-01-01T00:00:00Z"}}),
            true,
        ),
        (
            json!({"DateLessThan": {"token.actions.githubusercontent.com:iat": "2023-01-01T00:00:00Z"}}),
            false,
        ),
        (
            json!({"Bool": {"token.actions.githubusercontent.com:ssh_rerun": "false"}}),
            true,
        ),
        (
            json!({"IpAddress": {"token.actions.githubusercontent.com:runner_ip": "203.0.113.0/24"}}),
            true,
        ),
        (
            json!({"NotIpAddress": {"token.actions.githubusercontent.com:runner_ip": ["198.51.100.0/24", "203.0.113.7"]}}),
            false,
        ),
        (
            json!({"ArnLike": {"token.actions.githubusercontent.com:role": "arn:aws:iam::*:role/dep*"}}),
            true,
        ),
        (
            json!({"ArnEquals": {"token.actions.githubusercontent.com:role": "arn:aws:iam::*:role"}}),
            false,
        ),
    ] {
        assert_eq!(allowed(&github_with(cond.clone()), &t), expect, "{cond}");
    }
}

#[test]
fn aud_key_reads_azp_when_present_and_oaud_reads_aud() {
    // [keys] "If the azp field is set, aud maps to azp and oaud maps to aud" (Google; applied generally).
    let p = policy(
        json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"accounts.google.com:aud": "1234.apps.googleusercontent.com", "accounts.google.com:oaud": "https://example.com"}}}}),
    );
    let c = claims(
        json!({"iss": "https://accounts.google.com", "azp": "1234.apps.googleusercontent.com", "aud": "https://example.com", "sub": "1"}),
    );
    assert!(allowed(&p, &c));
    let wrong_azp = claims(
        json!({"iss": "https://accounts.google.com", "azp": "999", "aud": "1234.apps.googleusercontent.com", "sub": "1"}),
    );
    let v = refusal(&p, &wrong_azp);
    assert_eq!(v.rule, TRUST_AWS_AUDIENCE_MISMATCH);
    assert!(v.cause.contains("`azp`"), "{}", v.cause);
    // An array aud: one value is enough.
    let gh_array = github_with(
        json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
    );
    assert!(allowed(
        &gh_array,
        &claims(json!({"iss": GH_ISS, "aud": ["other", "sts.amazonaws.com"]}))
    ));
    let e = gh_array.evaluate(&claims(json!({"iss": GH_ISS, "aud": ["a", "b"]})));
    assert_eq!(
        e.rules[0].checks[2].actual.as_deref(),
        Some("[\"a\",\"b\"]")
    );
}

#[test]
fn github_sts_keys_map_to_claims_of_that_name() {
    // GitHub's additional keys (`…:repository`, `…:job_workflow_ref`, …) are the claims.
    let p = github_with(
        json!({"StringLike": {"token.actions.githubusercontent.com:job_workflow_ref": "acme/shared/.github/workflows/deploy.yml@refs/tags/v*"}}),
    );
    let c = claims(
        json!({"iss": GH_ISS, "job_workflow_ref": "acme/shared/.github/workflows/deploy.yml@refs/tags/v2.0.1"}),
    );
    assert!(allowed(&p, &c));
    let v = refusal(
        &p,
        &claims(
            json!({"iss": GH_ISS, "job_workflow_ref": "acme/shared/.github/workflows/deploy.yml@refs/heads/main"}),
        ),
    );
    assert_eq!(v.rule, TRUST_AWS_CONDITION_MISMATCH);
    let v = refusal(&p, &gh("x"));
    assert!(
        v.cause
            .contains("needs the claim `job_workflow_ref`, which the token does not carry"),
        "{}",
        v.cause
    );
}

#[test]
fn keys_of_another_issuer_or_of_aws_are_absent() {
    // A key whose prefix is another provider, or a service key, is not in the token.
    let other = github_with(
        json!({"StringEquals": {"gitlab.com:sub": "project_path:a/b:ref_type:branch:ref:main"}}),
    );
    let v = refusal(&other, &gh("project_path:a/b:ref_type:branch:ref:main"));
    // Still a `…:sub` condition, so the subject rule; the cause says why it cannot match.
    assert_eq!(v.rule, TRUST_AWS_SUBJECT_MISMATCH);
    assert!(
        v.cause.contains("key of the provider `gitlab.com`"),
        "{}",
        v.cause
    );
    assert!(
        v.fix.contains("token.actions.githubusercontent.com:sub"),
        "{}",
        v.fix
    );
    let service = github_with(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}));
    let v = refusal(&service, &gh("x"));
    assert_eq!(v.rule, TRUST_AWS_CONDITION_MISMATCH);
    assert!(
        v.cause.contains("key of the AWS request (prefix `aws:`)"),
        "{}",
        v.cause
    );
    let negated = github_with(json!({"StringNotEquals": {"sts:RoleSessionName": "x"}}));
    assert!(allowed(&negated, &gh("x")));
}

#[test]
fn wildcard_in_string_equals_is_literal() {
    // [ops] only StringLike treats `*` as a wildcard.
    let p = github_with(
        json!({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/api:*"}}),
    );
    let v = refusal(&p, &gh("repo:acme/api:ref:refs/heads/main"));
    assert_eq!(v.rule, TRUST_AWS_SUBJECT_MISMATCH);
    assert!(v.cause.contains("literal in `StringEquals`"), "{}", v.cause);
    assert!(v.fix.contains("StringLike"), "{}", v.fix);
    assert!(allowed(&p, &gh("repo:acme/api:*")));
    let f = p.pattern_findings();
    let w = f
        .iter()
        .find(|f| f.id == TRUST_AWS_WILDCARD_WITH_STRING_EQUALS.id)
        .unwrap();
    assert_eq!(
        w.proofs[0].locator,
        "$.Statement[0].Condition.StringEquals[\"token.actions.githubusercontent.com:sub\"]"
    );
}

#[test]
fn the_closest_allow_statement_decides() {
    // Fewest failed conditions, first on a tie.
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "other", "token.actions.githubusercontent.com:sub": "repo:x/y:ref:refs/heads/main"}}},
        {"Effect": "Allow", "Principal": {"Federated": GH_PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/api:environment:production"}}},
    ]}));
    let v = refusal(&p, &gh("repo:acme/api:ref:refs/heads/main"));
    assert_eq!(v.rule, TRUST_AWS_SUBJECT_MISMATCH);
    assert!(v.locator.starts_with("$.Statement[1]"), "{}", v.locator);
}

// --- pattern findings --------------------------------------------------------------

#[test]
fn string_like_without_wildcard_is_info_only() {
    let p = github_with(
        json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:acme/api:*", "repo:acme/web:ref:refs/heads/main"]}}),
    );
    let f = p.pattern_findings();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].id, TRUST_AWS_STRING_LIKE_WITHOUT_WILDCARD.id);
    assert_eq!((f[0].severity, f[0].risk), (Severity::Info, None));
    assert_eq!(
        f[0].proofs[0].locator,
        "$.Statement[0].Condition.StringLike[\"token.actions.githubusercontent.com:sub\"][1]"
    );
}

#[test]
fn audience_not_pinned_on_the_gitlab_sample() {
    let p = AwsTrustPolicy::parse(GITLAB).unwrap();
    let f = p.pattern_findings();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].id, TRUST_RISK_AUDIENCE_NOT_PINNED.id);
    assert_eq!(f[0].proofs[0].locator, "$.Statement[0]");
    assert!(f[0].fix.contains("gitlab.example.com:aud"), "{}", f[0].fix);
    // The GitHub sample pins it, and a Deny needs no audience.
    assert!(
        AwsTrustPolicy::parse(GITHUB)
            .unwrap()
            .pattern_findings()
            .is_empty()
    );
    // ForAllValues or IfExists on aud does not pin it.
    let weak = github_with(
        json!({"StringEqualsIfExists": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
    );
    assert!(
        weak.pattern_findings()
            .iter()
            .any(|f| f.id == TRUST_RISK_AUDIENCE_NOT_PINNED.id)
    );
}

// --- the trait's other answers -----------------------------------------------------

#[test]
fn issuers_audiences_patterns_and_describe() {
    let p = AwsTrustPolicy::parse(GITHUB).unwrap();
    assert_eq!(p.cloud(), Cloud::Aws);
    assert_eq!(p.issuers(), vec![GH_ISS]);
    assert_eq!(p.audiences(), vec!["sts.amazonaws.com"]);
    assert_eq!(
        p.subject_patterns(0),
        vec!["repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch"]
    );
    assert!(p.subject_patterns(5).is_empty());
    assert_eq!(p.describe(), "AWS role trust policy (1 statement)");
    let missing = p.evaluate_rule(7, &Claims::default());
    assert!(!missing.applies && missing.checks.is_empty());
    assert_eq!(missing.locator, "$.Statement[7]");
}

#[test]
fn what_if_a_pull_request_asked() {
    let p = AwsTrustPolicy::parse(TERRAFORM).unwrap();
    let c = gh("repo:other/api:ref:refs/heads/main");
    assert!(!p.evaluate(&c).allowed);
    let e = crate::policy::what_if(&p, &c, "sub", Some(json!("repo:acme/api:pull_request")));
    assert!(e.allowed);
}

#[test]
fn twenty_statements() {
    let p = AwsTrustPolicy::parse(TWENTY).unwrap();
    assert_eq!(p.rule_count(), 20);
    assert_eq!(p.describe(), "AWS role trust policy (20 statements)");
    let e = p.evaluate(&gh("repo:acme/service-07:environment:production"));
    assert!(e.allowed);
    assert_eq!(e.rules.len(), 20);
    assert_eq!(e.admitting_rule().unwrap().locator, "$.Statement[7]");
    let v = refusal(&p, &gh("repo:acme/service-03:pull_request"));
    assert_eq!(v.rule, TRUST_AWS_EXPLICIT_DENY);
    assert_eq!(v.locator, "$.Statement[19]");
    // Every Allow fails on sub alone: the first is the closest.
    let v = refusal(&p, &gh("repo:acme/service-99:environment:production"));
    assert_eq!(v.rule, TRUST_AWS_SUBJECT_MISMATCH);
    assert_eq!(
        v.locator,
        "$.Statement[0].Condition.StringEquals[\"token.actions.githubusercontent.com:sub\"]"
    );
    let reviews = review::review(&p);
    assert_eq!(reviews.len(), 20);
    assert_eq!(reviews[10].locator, "$.Statement[10]");
    assert!(reviews[1].findings.iter().all(|f| {
        f.evidence
            .iter()
            .all(|e| e.locator.starts_with("$.Statement[1]"))
    }));
}

// --- review ------------------------------------------------------------------------

fn admitted(reviews: &[review::RuleReview], i: usize) -> Vec<Context> {
    reviews[i].admitted_contexts()
}

#[test]
fn review_of_an_org_wide_rule() {
    let p = AwsTrustPolicy::parse(TERRAFORM).unwrap();
    let reviews = review::review(&p);
    assert_eq!(reviews.len(), 1);
    let admits = admitted(&reviews, 0);
    for c in [
        Context::DefaultBranchPush,
        Context::OtherBranchPush,
        Context::Tag,
        Context::PullRequest,
        Context::ForkPullRequest,
        Context::Environment,
        Context::OtherRepoSameOrg,
    ] {
        assert!(admits.contains(&c), "{c:?} in {admits:?}");
    }
    assert!(!admits.contains(&Context::OtherOrg));
    let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&TRUST_RISK_ORG_WIDE_SUBJECT.id), "{ids:?}");
    assert!(!ids.contains(&TRUST_RISK_AUDIENCE_NOT_PINNED.id), "{ids:?}");
}

#[test]
fn review_of_a_pinned_rule() {
    let p = github_with(json!({"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme@9120457/api@718230411:environment:production",
    }}));
    let reviews = review::review(&p);
    assert_eq!(admitted(&reviews, 0), vec![Context::Environment]);
    assert!(
        reviews[0].findings.iter().all(|f| f.risk.is_none()),
        "{:?}",
        reviews[0].findings
    );
}

#[test]
fn review_of_the_gitlab_sample() {
    let p = AwsTrustPolicy::parse(GITLAB).unwrap();
    let reviews = review::review(&p);
    assert_eq!(
        admitted(&reviews, 0),
        vec![Context::DefaultBranchPush, Context::Environment]
    );
    let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![TRUST_RISK_AUDIENCE_NOT_PINNED.id]);
}

// --- properties --------------------------------------------------------------------

proptest! {
    /// [ops] StringLike without `*` or `?` decides exactly like StringEquals.
    #[test]
    fn string_like_without_wildcards_is_string_equals(value in "[^*?]{0,24}", other in ".{0,24}", same in any::<bool>()) {
        let subject = if same { value.clone() } else { other };
        let like = github_with(json!({"StringLike": {"token.actions.githubusercontent.com:sub": value.clone()}}));
        let equals = github_with(json!({"StringEquals": {"token.actions.githubusercontent.com:sub": value}}));
        let c = gh(&subject);
        let (l, e) = (like.evaluate(&c), equals.evaluate(&c));
        prop_assert_eq!(l.allowed, e.allowed);
        prop_assert_eq!(l.allowed, subject == *like.subject_patterns(0).first().unwrap());
        prop_assert_eq!(l.refusal.map(|v| v.rule), e.refusal.map(|v| v.rule));
    }

    /// A negated operator decides the opposite of its positive form when the key is present.
    #[test]
    fn negated_is_the_complement_when_present(pattern in "[a-z*?:/]{0,12}", subject in "[a-z:/]{0,12}") {
        let like = github_with(json!({"StringLike": {"token.actions.githubusercontent.com:sub": pattern.clone()}}));
        let not_like = github_with(json!({"StringNotLike": {"token.actions.githubusercontent.com:sub": pattern}}));
        let c = gh(&subject);
        prop_assert_ne!(like.evaluate(&c).allowed, not_like.evaluate(&c).allowed);
    }

    /// Parsing never panics, whatever the bytes.
    #[test]
    fn parse_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = AwsTrustPolicy::parse(&bytes);
        let _ = AwsTrustPolicy::sniff(&bytes);
    }
}
