use super::*;
use crate::policy::Context;
use crate::vocabulary::catalog::*;
use serde_json::json;

const SAMPLE: &[u8] = include_bytes!("../../../tests/fixtures/policies/gcp/provider-describe.json");
const PINNED: &[u8] = include_bytes!("../../../tests/fixtures/policies/gcp/provider-pinned.json");
const BROAD: &[u8] = include_bytes!("../../../tests/fixtures/policies/gcp/provider-broad.json");
const GITHUB_CLAIMS: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/gcp/github-claims.json");
const NAME: &str =
    "projects/1234567890/locations/global/workloadIdentityPools/my-pool/providers/my-provider";

fn claims(v: Value) -> Claims {
    match v {
        Value::Object(m) => Claims(m),
        _ => unreachable!(),
    }
}

/// A GitHub Actions token for `acme/api`, as google-github-actions/auth requests it.
fn github(sub_tail: &str, git_ref: &str) -> Claims {
    claims(json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": format!("https://iam.googleapis.com/{NAME}"),
        "sub": format!("repo:acme/api:{sub_tail}"),
        "repository": "acme/api",
        "repository_owner": "acme",
        "ref": git_ref,
        "event_name": "push",
    }))
}

fn provider(v: Value) -> GcpProvider {
    GcpProvider::parse(v.to_string().as_bytes()).unwrap()
}

fn with(condition: &str) -> GcpProvider {
    provider(json!({
        "name": NAME,
        "state": "ACTIVE",
        "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository", "attribute.ref": "assertion.ref"},
        "attributeCondition": condition,
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
    }))
}

fn refusal(p: &GcpProvider, c: &Claims) -> Verdict {
    let e = p.evaluate(c);
    assert!(!e.allowed, "{:?}", e.rules);
    e.refusal.unwrap()
}

/// The illustrative `describe` output (samples/gcp-provider-describe.illustrative-unverified.json,
/// values from google-github-actions/auth README).
#[test]
fn the_sample_provider_parses_and_admits_its_organization() {
    assert!(sniff(SAMPLE));
    let p = parse(SAMPLE).unwrap();
    assert_eq!(
        p.pool_resource().as_deref(),
        Some("projects/1234567890/locations/global/workloadIdentityPools/my-pool")
    );
    assert_eq!(p.issuers(), ["https://token.actions.githubusercontent.com"]);
    assert_eq!(
        p.audiences(),
        [format!("https://iam.googleapis.com/{NAME}")]
    );
    assert_eq!(p.rule_count(), 1);
    assert_eq!(p.subject_patterns(0), ["octo-org/*"]);
    // The sample claims carry GitHub's default audience: refused on aud.
    let mut c = claims(serde_json::from_slice(GITHUB_CLAIMS).unwrap());
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_AUDIENCE_MISMATCH);
    assert!(v.cause.contains("GitHub's default audience"), "{}", v.cause);
    c.0.insert(
        "aud".to_owned(),
        json!(format!("https://iam.googleapis.com/{NAME}")),
    );
    let e = p.evaluate(&c);
    assert!(e.allowed, "{:?}", e.refusal);
    let rule = &e.rules[0];
    assert!(rule.applies);
    let keys: Vec<&str> = rule.checks.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "iss",
            "aud",
            "google.subject",
            "attribute.actor",
            "attribute.repository",
            "attribute.repository_owner",
            "assertion.repository_owner"
        ]
    );
    let subject = &rule.checks[2];
    assert_eq!(subject.locator, "$.attributeMapping[\"google.subject\"]");
    assert_eq!(
        subject.actual.as_deref(),
        Some("repo:octo-org/octo-repo:environment:prod")
    );
    let mapped = p.map_attributes(&c).unwrap();
    assert_eq!(mapped.subject, "repo:octo-org/octo-repo:environment:prod");
    assert_eq!(
        mapped.attributes.get("repository").map(String::as_str),
        Some("octo-org/octo-repo")
    );
    assert!(p.describe().contains("my-provider"), "{}", p.describe());
}

#[test]
fn sniff_claims_no_other_document() {
    for other in [
        &br#"{"Version":"2012-10-17","Statement":[]}"#[..],
        br#"{"issuer":"https://token.actions.githubusercontent.com","subject":"repo:a/b:ref:refs/heads/main","audiences":["api://AzureADTokenExchange"]}"#,
        br#"{"keys":[{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"}]}"#,
        br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:a/b:ref:refs/heads/main","aud":"x"}"#,
        br#"{"bindings":[{"role":"roles/iam.workloadIdentityUser","members":[]}],"etag":"BwX"}"#,
        br#"{"bound_audiences":["x"],"bound_claims":{},"user_claim":"sub","role_type":"jwt"}"#,
        br#"{"protoPayload":{"resourceName":"projects/1/locations/global/workloadIdentityPools/p/providers/x"}}"#,
        br#"{"name":"projects/1/locations/global/workloadIdentityPools/p","state":"ACTIVE"}"#,
        b"not json",
    ] {
        assert!(!sniff(other), "{}", String::from_utf8_lossy(other));
    }
    assert!(sniff(PINNED) && sniff(BROAD));
}

#[test]
fn malformed_json_reports_line_and_column() {
    let e = GcpProvider::parse(b"{\n  \"name\": \"x\",\n  oops\n}").unwrap_err();
    assert!(
        matches!(
            e,
            PolicyError::Json {
                line: 3,
                column: 3,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn wrong_field_types_name_the_json_path() {
    let cases = [
        (json!([]), "$"),
        (json!({"name": 5, "oidc": {"issuerUri": "x"}}), "$.name"),
        (
            json!({"name": "projects/1/locations/global/workloadIdentityPools/p", "oidc": {"issuerUri": "x"}}),
            "$.name",
        ),
        (
            json!({"disabled": "no", "oidc": {"issuerUri": "x"}}),
            "$.disabled",
        ),
        (
            json!({"oidc": {"issuerUri": "x", "allowedAudiences": ["a", 3]}}),
            "$.oidc.allowedAudiences[1]",
        ),
        (
            json!({"oidc": {"issuerUri": "x", "allowedAudiences": "a"}}),
            "$.oidc.allowedAudiences",
        ),
        (json!({"oidc": {}}), "$.oidc.issuerUri"),
        (json!({"aws": {"accountId": "1"}}), "$.oidc"),
        (
            json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"google.subject": 1}}),
            "$.attributeMapping[\"google.subject\"]",
        ),
        (
            json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"attribute.Repo": "assertion.repository"}}),
            "$.attributeMapping[\"attribute.Repo\"]",
        ),
        (
            json!({"oidc": {"issuerUri": "x"}, "attributeCondition": true}),
            "$.attributeCondition",
        ),
    ];
    for (doc, path) in cases {
        match GcpProvider::parse(doc.to_string().as_bytes()) {
            Err(PolicyError::Field { field, .. }) => assert_eq!(field, path, "{doc}"),
            other => panic!("{doc}: {other:?}"),
        }
    }
}

/// CEL that does not compile is an error naming the field, the offset and the
/// crate's message — never a panic.
#[test]
fn cel_compile_errors_name_the_field_and_offset() {
    let bad_syntax = json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"google.subject": "assertion.sub", "attribute.repo": "assertion.repository =="}});
    match GcpProvider::parse(bad_syntax.to_string().as_bytes()) {
        Err(PolicyError::Expression {
            field,
            offset,
            message,
            ..
        }) => {
            assert_eq!(field, "$.attributeMapping[\"attribute.repo\"]");
            assert_eq!(offset, "assertion.repository ==".len());
            assert!(message.contains("Syntax error"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let unknown = json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"google.subject": "assertion.sub"}, "attributeCondition": "assertion.sub.glob('repo:*')"});
    match GcpProvider::parse(unknown.to_string().as_bytes()) {
        Err(PolicyError::Expression {
            field,
            offset,
            message,
            ..
        }) => {
            assert_eq!(field, "$.attributeCondition");
            assert_eq!(offset, "assertion.sub.".len());
            assert!(message.contains("glob"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let e = GcpProvider::parse(
        json!({"oidc": {"issuerUri": "x"}, "attributeCondition": "assertion.a == ("})
            .to_string()
            .as_bytes(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("$.attributeCondition"), "{e}");
}

/// <https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers> (`disabled`).
#[test]
fn a_disabled_provider_refuses_everything() {
    let mut doc: Value = serde_json::from_slice(PINNED).unwrap();
    doc["disabled"] = json!(true);
    let p = provider(doc);
    let v = refusal(&p, &github("ref:refs/heads/main", "refs/heads/main"));
    assert_eq!(v.rule, TRUST_GCP_PROVIDER_DISABLED);
    assert_eq!(v.locator, "$.disabled");
    assert!(v.cloud_error.unwrap().starts_with(&format!(
        "Failed to generate Google Cloud federated token for //iam.googleapis.com/{NAME}: "
    )));
    assert!(v.fix.contains("--no-disabled"), "{}", v.fix);
    // A deleted provider (state DELETED, restorable for 30 days) refuses too.
    let mut doc: Value = serde_json::from_slice(PINNED).unwrap();
    doc["state"] = json!("DELETED");
    let v = refusal(
        &provider(doc),
        &github("ref:refs/heads/main", "refs/heads/main"),
    );
    assert_eq!(
        (v.rule, v.locator.as_str()),
        (TRUST_GCP_PROVIDER_DISABLED, "$.state")
    );
    assert!(v.fix.contains("undelete"), "{}", v.fix);
}

/// The issuer must equal `oidc.issuerUri` exactly (errors.md; GGA TROUBLESHOOTING).
#[test]
fn the_issuer_must_match_exactly() {
    let p = with("");
    let mut c = github("ref:refs/heads/main", "refs/heads/main");
    c.0.insert(
        "iss".to_owned(),
        json!("https://token.actions.githubusercontent.com/acme-enterprise"),
    );
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_ISSUER_MISMATCH);
    assert_eq!(v.locator, "$.oidc.issuerUri");
    assert_eq!(
        v.cloud_error.as_deref(),
        Some(
            "The issuer in ID Token https://token.actions.githubusercontent.com/acme-enterprise does not match the expected ones: https://token.actions.githubusercontent.com"
        )
    );
    assert!(v.cause.contains("GitHub Enterprise"), "{}", v.cause);
    let check = &p.evaluate(&c).rules[0].checks[0];
    assert!(!check.matched);
    assert_eq!(
        check.near_miss.as_ref().unwrap().first_difference,
        "https://token.actions.githubusercontent.com".len()
    );
    c.0.insert(
        "iss".to_owned(),
        json!("https://token.actions.githubusercontent.com/"),
    );
    assert!(refusal(&p, &c).cause.contains("trailing slash"));
}

/// Empty allowedAudiences: the audience must be the provider's full name, with or
/// without `https:` (REST reference `oidc.allowedAudiences`).
#[test]
fn default_audiences_are_the_provider_name_in_both_forms() {
    let p = with("");
    let mut c = github("ref:refs/heads/main", "refs/heads/main");
    for aud in [
        json!(format!("https://iam.googleapis.com/{NAME}")),
        json!(format!("//iam.googleapis.com/{NAME}")),
        json!(["other", format!("//iam.googleapis.com/{NAME}")]),
    ] {
        c.0.insert("aud".to_owned(), aud.clone());
        assert!(p.evaluate(&c).allowed, "{aud}");
    }
    c.0.insert(
        "aud".to_owned(),
        json!(format!("iam.googleapis.com/{NAME}")),
    );
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_AUDIENCE_MISMATCH);
    assert_eq!(v.locator, "$.name");
    assert!(
        v.cloud_error.unwrap().starts_with(
            "Failed to generate Google Cloud federated token for //iam.googleapis.com/"
        )
    );
}

/// google-github-actions/auth TROUBLESHOOTING: the pool name instead of the
/// provider's, and the project ID instead of the number.
#[test]
fn audience_mistakes_are_named() {
    let p = with("");
    let mut c = github("ref:refs/heads/main", "refs/heads/main");
    c.0.insert("aud".to_owned(), json!("https://iam.googleapis.com/projects/my-project/locations/global/workloadIdentityPools/my-pool/providers/my-provider"));
    let v = refusal(&p, &c);
    assert!(
        v.cause.contains("project by its ID `my-project`"),
        "{}",
        v.cause
    );
    assert!(v.cause.contains("1234567890"), "{}", v.cause);
    let near = p.evaluate(&c).rules[0].checks[1].near_miss.clone().unwrap();
    assert_eq!(
        near.first_difference,
        "https://iam.googleapis.com/projects/".len()
    );
    c.0.insert("aud".to_owned(), json!("https://iam.googleapis.com/projects/1234567890/locations/global/workloadIdentityPools/my-pool"));
    let v = refusal(&p, &c);
    assert!(
        v.cause.contains("names the pool, not the provider"),
        "{}",
        v.cause
    );
}

#[test]
fn allowed_audiences_replace_the_default() {
    let p = provider(json!({
        "name": NAME,
        "attributeMapping": {"google.subject": "assertion.sub"},
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com", "allowedAudiences": ["gcp-deploy"]}
    }));
    assert_eq!(p.audiences(), ["gcp-deploy"]);
    let mut c = github("ref:refs/heads/main", "refs/heads/main");
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_AUDIENCE_MISMATCH);
    assert_eq!(v.locator, "$.oidc.allowedAudiences");
    assert!(v.cause.contains("replaces the default"), "{}", v.cause);
    c.0.insert("aud".to_owned(), json!(["x", "gcp-deploy"]));
    assert!(p.evaluate(&c).allowed);
}

/// google.subject may not exceed 127 bytes (GGA TROUBLESHOOTING: long repository or
/// branch names).
#[test]
fn a_long_branch_makes_the_subject_too_long() {
    let p = with("");
    let branch = format!("refs/heads/feature/{}", "very-long-branch-name-".repeat(5));
    let c = github(&format!("ref:{branch}"), &branch);
    assert!(c.subject().unwrap().len() > 127);
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_SUBJECT_TOO_LONG);
    assert_eq!(
        v.cloud_error.as_deref(),
        Some("The size of mapped attribute exceeds the 127 bytes limit.")
    );
    assert_eq!(v.locator, "$.attributeMapping[\"google.subject\"]");
    // Exactly 127 bytes is fine.
    let mut c = github("x", "refs/heads/main");
    c.0.insert("sub".to_owned(), json!("s".repeat(127)));
    assert!(p.evaluate(&c).allowed);
    // Multi-byte characters count as bytes.
    c.0.insert("sub".to_owned(), json!("é".repeat(64)));
    assert_eq!(refusal(&p, &c).rule, TRUST_GCP_SUBJECT_TOO_LONG);
}

#[test]
fn a_subject_mapping_that_fails_refuses_and_other_attributes_go_absent() {
    let p = provider(json!({
        "name": NAME,
        "attributeMapping": {"google.subject": "assertion.sub", "attribute.env": "assertion.environment"},
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
    }));
    let c = github("ref:refs/heads/main", "refs/heads/main");
    let mapped = p.map_attributes(&c).unwrap();
    assert!(mapped.attributes.is_empty(), "{mapped:?}");
    let e = p.evaluate(&c);
    assert!(e.allowed);
    let env = e.rules[0]
        .checks
        .iter()
        .find(|c| c.key == "attribute.env")
        .unwrap();
    assert!(env.matched && env.actual.is_none());

    let p = provider(json!({
        "name": NAME,
        "attributeMapping": {"google.subject": "assertion.subject"},
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
    }));
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_MAPPING_FAILED);
    assert!(v.cause.contains("`subject`"), "{}", v.cause);
    assert_eq!(
        p.map_attributes(&c).unwrap_err().rule,
        TRUST_GCP_MAPPING_FAILED
    );

    let p = provider(
        json!({"name": NAME, "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}}),
    );
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_MAPPING_FAILED);
    assert_eq!(v.locator, "$.attributeMapping");
}

#[test]
fn mappings_may_use_extract_and_groups() {
    let p = provider(json!({
        "name": NAME,
        "attributeMapping": {
            "google.subject": "assertion.sub.extract('repo:{repo}:')",
            "google.groups": "assertion.teams",
            "attribute.branch": "assertion.ref.extract('refs/heads/{branch}')"
        },
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
    }));
    let mut c = github("ref:refs/heads/main", "refs/heads/main");
    c.0.insert("teams".to_owned(), json!(["deployers", "admins"]));
    let m = p.map_attributes(&c).unwrap();
    assert_eq!(m.subject, "acme/api");
    assert_eq!(m.groups, ["deployers", "admins"]);
    assert_eq!(m.attributes.get("branch").map(String::as_str), Some("main"));
    // A subject that extracts to nothing is refused.
    c.0.insert(
        "sub".to_owned(),
        json!("project_path:g/p:ref_type:branch:ref:main"),
    );
    let v = p.map_attributes(&c).unwrap_err();
    assert!(v.cause.contains("empty string"), "{}", v.cause);
}

/// <https://cloud.google.com/iam/docs/workload-identity-federation#conditions> : the
/// condition sees `assertion`, `google` and `attribute`.
#[test]
fn the_condition_reads_assertion_google_and_attribute() {
    let c = github("ref:refs/heads/main", "refs/heads/main");
    for condition in [
        "assertion.repository == 'acme/api'",
        "attribute.repository == 'acme/api' && attribute.ref == 'refs/heads/main'",
        "google.subject.startsWith('repo:acme/')",
        "assertion.sub.extract('repo:{repo}:') == 'acme/api'",
        "has(assertion.ref) && assertion.event_name in ['push', 'workflow_dispatch']",
    ] {
        assert!(with(condition).evaluate(&c).allowed, "{condition}");
    }
}

#[test]
fn a_false_condition_names_the_claim_and_the_nearest_literal() {
    let p = with("assertion.repository == 'acme/api' && assertion.ref == 'refs/heads/main'");
    let c = github("ref:refs/heads/mian", "refs/heads/mian");
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_CONDITION_REJECTED);
    assert_eq!(v.locator, "$.attributeCondition");
    assert!(
        v.cause.contains("`assertion.ref` is `refs/heads/mian`"),
        "{}",
        v.cause
    );
    assert!(
        v.cause.contains("assertion.repository = `acme/api`"),
        "{}",
        v.cause
    );
    assert_eq!(
        v.cloud_error.as_deref(),
        Some(
            "Failed to generate Google Cloud federated token for //iam.googleapis.com/projects/1234567890/locations/global/workloadIdentityPools/my-pool/providers/my-provider: {\"error\":\"unauthorized_client\",\"error_description\":\"The given credential is rejected by the attribute condition.\"}"
        )
    );
    let check = p.evaluate(&c).rules[0].checks.last().cloned().unwrap();
    assert_eq!(check.key, "assertion.repository, assertion.ref");
    assert_eq!(check.operator, "CEL");
    let near = check.near_miss.unwrap();
    assert_eq!(near.expected, "refs/heads/main");
    assert_eq!(near.first_difference, "refs/heads/m".len());
    // Case matters (GGA TROUBLESHOOTING).
    let v = refusal(&with("assertion.repository == 'Acme/API'"), &c);
    assert!(
        v.cause.contains("`assertion.repository` is `acme/api`"),
        "{}",
        v.cause
    );
}

#[test]
fn a_condition_that_errors_or_is_not_boolean_rejects() {
    let c = github("ref:refs/heads/main", "refs/heads/main");
    let v = refusal(&with("assertion.environment == 'prod'"), &c);
    assert_eq!(v.rule, TRUST_GCP_CONDITION_REJECTED);
    assert!(v.cause.contains("fails to evaluate"), "{}", v.cause);
    assert!(v.cause.contains("`environment`"), "{}", v.cause);
    assert!(
        v.cause.contains("assertion.environment (absent)"),
        "{}",
        v.cause
    );
    let v = refusal(&with("assertion.repository"), &c);
    assert!(v.cause.contains("not a boolean"), "{}", v.cause);
}

#[test]
fn an_empty_condition_admits_every_token_of_the_issuer() {
    let p = parse(BROAD).unwrap();
    assert!(p.attribute_condition().is_none());
    assert!(p.subject_patterns(0).is_empty());
    let mut c = github("pull_request", "refs/pull/1/merge");
    c.0.insert("aud".to_owned(), json!(p.audiences()[0]));
    assert!(p.evaluate(&c).allowed);
    assert!(p.pattern_findings().is_empty());
}

#[test]
fn subject_patterns_are_the_compared_literals() {
    let p = with(
        "assertion.sub == 'repo:acme/api:ref:refs/heads/main' || (attribute.repository == 'acme/api' && assertion.ref.startsWith('refs/heads/release/')) && assertion.actor != 'bot'",
    );
    assert_eq!(
        p.subject_patterns(0),
        [
            "repo:acme/api:ref:refs/heads/main",
            "acme/api",
            "refs/heads/release/*"
        ]
    );
    assert!(p.subject_patterns(1).is_empty());
}

fn admitted(p: &GcpProvider) -> Vec<Context> {
    let reviews = crate::policy::review(p);
    assert_eq!(reviews.len(), 1);
    reviews[0].admitted_contexts()
}

#[test]
fn review_of_a_broad_provider_flags_any_repository() {
    let p = parse(BROAD).unwrap();
    assert_eq!(admitted(&p), Context::ALL);
    let reviews = crate::policy::review(&p);
    let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&TRUST_RISK_SUBJECT_WILDCARD.id), "{ids:?}");
}

#[test]
fn review_of_a_pinned_provider_admits_the_default_branch_only() {
    let p = parse(PINNED).unwrap();
    assert_eq!(p.subject_patterns(0), ["acme/api", "refs/heads/main"]);
    // A job with `environment:` on main carries `ref: refs/heads/main` too.
    assert_eq!(
        admitted(&p),
        [Context::DefaultBranchPush, Context::Environment]
    );
    let reviews = crate::policy::review(&p);
    assert!(
        reviews[0].findings.iter().all(|f| f.risk.is_none()),
        "{:?}",
        reviews[0].findings
    );
}

#[test]
fn review_of_the_sample_flags_the_whole_organization() {
    let p = parse(SAMPLE).unwrap();
    let admitted = admitted(&p);
    assert!(
        admitted.contains(&Context::OtherRepoSameOrg) && !admitted.contains(&Context::OtherOrg),
        "{admitted:?}"
    );
    let reviews = crate::policy::review(&p);
    let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&TRUST_RISK_ORG_WIDE_SUBJECT.id), "{ids:?}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Whatever the condition text, parsing returns (an error or a provider).
    #[test]
    fn arbitrary_conditions_never_panic(condition in "[ -~éü\\n]{0,80}", tokens in proptest::collection::vec(proptest::sample::select(vec!["assertion", ".", "sub", "==", "'x'", "(", ")", "[", "]", "&&", "||", "!", "in", "extract(", "'{a}'", "has(", ",", "?", ":", "1", "{", "}"]), 0..40)) {
        for text in [condition, tokens.concat()] {
            let doc = json!({"name": NAME, "attributeMapping": {"google.subject": "assertion.sub"}, "attributeCondition": text, "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}});
            if let Ok(p) = GcpProvider::parse(doc.to_string().as_bytes()) {
                let _ = p.evaluate(&github("ref:refs/heads/main", "refs/heads/main"));
                let _ = p.subject_patterns(0);
            }
        }
    }
}

/// The fix's command is built by the command builder: a hostile issuer is one quoted
/// word, never shell syntax.
#[test]
fn the_issuer_fix_quotes_the_token_issuer() {
    let p = with("assertion.repository == 'acme/api'");
    let mut c = github("ref:refs/heads/main", "refs/heads/main");
    c.0.insert(
        "iss".to_owned(),
        json!("https://evil.example/$(touch PROOF)"),
    );
    let v = refusal(&p, &c);
    assert_eq!(v.rule, TRUST_GCP_ISSUER_MISMATCH);
    assert!(
        v.fix
            .contains("'--issuer-uri=https://evil.example/$(touch PROOF)'"),
        "{}",
        v.fix
    );
    assert!(!v.cause.contains('‹') && !v.fix.contains('‹'));
}
