//! Semantics from <https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations>
//! (exact issuer/subject, one audience, 20 credentials, whitespace in `iss`),
//! <https://learn.microsoft.com/entra/workload-id/workload-identities-flexible-federated-identity-credentials>
//! (expressions) and <https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust>
//! (shapes, GitHub subjects).
use super::*;
use crate::policy::review::{Context, review};
use crate::vocabulary::catalog::TRUST_RISK_NAME_BASED_SUBJECT;
use proptest::prelude::*;
use serde_json::json;

const GRAPH_ENTITY: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/azure/graph-entity.json");
const CREATE_PARAMETERS: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/azure/create-parameters.json");
const FLEXIBLE_BODY: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/azure/flexible-body.json");
const GRAPH_LIST: &[u8] = include_bytes!("../../../tests/fixtures/policies/azure/graph-list.json");
const GRAPH_EMPTY: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/azure/graph-empty-list.json");
const AZ_AD_APP_LIST: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/azure/az-ad-app-list.json");
const MI_LIST: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/azure/managed-identity-list.json");
const MI_ARM: &[u8] =
    include_bytes!("../../../tests/fixtures/policies/azure/managed-identity-arm.json");
const NOT_AZURE: &[&[u8]] = &[
    include_bytes!("../../../tests/fixtures/policies/azure/not-azure/aws-trust-policy-github.json"),
    include_bytes!(
        "../../../tests/fixtures/policies/azure/not-azure/aws-cloudtrail-assumerolewithwebidentity.json"
    ),
    include_bytes!(
        "../../../tests/fixtures/policies/azure/not-azure/gcp-provider-describe.illustrative-unverified.json"
    ),
    include_bytes!(
        "../../../tests/fixtures/policies/azure/not-azure/gcp-audit-log-sts-exchange.skeleton-unverified.json"
    ),
    include_bytes!("../../../tests/fixtures/policies/azure/not-azure/vault-jwt-role.json"),
    include_bytes!("../../../tests/fixtures/policies/azure/not-azure/jwks.json"),
    include_bytes!("../../../tests/fixtures/policies/azure/not-azure/openid-configuration.json"),
    include_bytes!(
        "../../../tests/fixtures/policies/azure/not-azure/github-actions-token-claims.json"
    ),
    include_bytes!("../../../tests/fixtures/claims/gitlab-id-token-claims.json"),
    include_bytes!("../../../tests/fixtures/claims/terraform-cloud-token-claims.json"),
    include_bytes!(
        "../../../tests/fixtures/claims/github-actions-token-claims-ghec-enterprise-issuer.json"
    ),
];
const TERRAFORM_CLAIMS: &[u8] =
    include_bytes!("../../../tests/fixtures/claims/terraform-cloud-token-claims.json");
const GHEC_CLAIMS: &[u8] = include_bytes!(
    "../../../tests/fixtures/claims/github-actions-token-claims-ghec-enterprise-issuer.json"
);

fn claims(value: Value) -> Claims {
    match value {
        Value::Object(map) => Claims(map),
        _ => panic!("claims must be an object"),
    }
}

fn claims_file(bytes: &[u8]) -> Claims {
    claims(serde_json::from_slice(bytes).unwrap())
}

fn github(sub: &str) -> Claims {
    claims(json!({"iss": GITHUB_ISSUER, "sub": sub, "aud": DEFAULT_AUDIENCE}))
}

fn config(value: Value) -> AzureFederatedCredentials {
    parse(value.to_string().as_bytes()).unwrap()
}

fn classic(name: &str, issuer: &str, subject: &str) -> Value {
    json!({"name": name, "issuer": issuer, "subject": subject, "audiences": [DEFAULT_AUDIENCE]})
}

fn flexible(name: &str, issuer: &str, expression: &str) -> Value {
    json!({"name": name, "issuer": issuer, "subject": null, "audiences": [DEFAULT_AUDIENCE],
           "claimsMatchingExpression": {"value": expression, "languageVersion": 1}})
}

fn refusal(config: &AzureFederatedCredentials, claims: &Claims) -> Verdict {
    let evaluation = config.evaluate(claims);
    assert!(!evaluation.allowed, "expected a refusal");
    evaluation.refusal.unwrap()
}

fn field_error(value: Value) -> (String, String) {
    match parse(value.to_string().as_bytes()) {
        Err(PolicyError::Field { field, message, .. }) => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

// --- the documented shapes ---------------------------------------------------

#[test]
fn graph_entity_sample_is_one_classic_credential() {
    // Graph POST response, workload-identity-federation-create-trust.
    assert!(sniff(GRAPH_ENTITY));
    let config = parse(GRAPH_ENTITY).unwrap();
    assert_eq!(config.shape(), DocumentShape::Single);
    let [c] = config.credentials() else {
        panic!("one credential")
    };
    assert_eq!(c.name.as_deref(), Some("Testing"));
    assert_eq!(c.description.as_deref(), Some("Testing"));
    assert_eq!(c.issuer, GITHUB_ISSUER);
    assert_eq!(
        c.matcher,
        SubjectMatch::Subject("repo:octo-org/octo-repo:environment:Production".to_owned())
    );
    assert_eq!(c.audiences, vec![DEFAULT_AUDIENCE]);
    assert_eq!(c.locator(), "$");
    assert!(!c.managed_identity);
    let evaluation = config.evaluate(&github("repo:octo-org/octo-repo:environment:Production"));
    assert!(evaluation.allowed);
    let rule = evaluation.admitting_rule().unwrap();
    assert_eq!(rule.label, "credential 'Testing'");
    assert_eq!(rule.locator, "$");
    let locators: Vec<&str> = rule.checks.iter().map(|c| c.locator.as_str()).collect();
    assert_eq!(locators, ["$.issuer", "$.subject", "$.audiences[0]"]);
    assert_eq!(
        config.describe(),
        "Azure federated identity credential 'Testing' (classic)"
    );
}

#[test]
fn create_parameters_sample_parses_like_the_entity() {
    assert!(sniff(CREATE_PARAMETERS));
    let config = parse(CREATE_PARAMETERS).unwrap();
    assert_eq!(config.credentials().len(), 1);
    assert_eq!(config.credentials()[0].name.as_deref(), Some("Testing"));
    assert_eq!(config.issuers(), vec![GITHUB_ISSUER]);
    assert_eq!(config.audiences(), vec![DEFAULT_AUDIENCE]);
    assert_eq!(
        config.subject_patterns(0),
        vec!["repo:octo-org/octo-repo:environment:Production"]
    );
}

#[test]
fn flexible_body_sample_matches_any_branch_but_not_a_pull_request() {
    assert!(sniff(FLEXIBLE_BODY));
    let config = parse(FLEXIBLE_BODY).unwrap();
    assert!(config.credentials()[0].is_flexible());
    assert_eq!(
        config.subject_patterns(0),
        vec!["repo:contoso/contoso-org:ref:refs/heads/*"]
    );
    assert!(
        config
            .evaluate(&github("repo:contoso/contoso-org:ref:refs/heads/main"))
            .allowed
    );
    assert!(
        config
            .evaluate(&github("repo:contoso/contoso-org:ref:refs/heads/feature/x"))
            .allowed
    );
    let verdict = refusal(&config, &github("repo:contoso/contoso-org:pull_request"));
    assert_eq!(verdict.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
    assert_eq!(verdict.locator, "$.claimsMatchingExpression.value");
    assert!(
        verdict.cause.contains("they part at character 26"),
        "{}",
        verdict.cause
    );
    assert!(
        verdict
            .cause
            .contains("repo:contoso/contoso-org:pull_request"),
        "{}",
        verdict.cause
    );
    assert!(verdict.cause.contains("AADSTS70021"), "{}", verdict.cause);
    assert_eq!(
        config.describe(),
        "Azure federated identity credential 'FlexFic1' (flexible)"
    );
}

#[test]
fn graph_list_response_locates_each_credential_under_value() {
    assert!(sniff(GRAPH_LIST));
    let config = parse(GRAPH_LIST).unwrap();
    assert_eq!(config.shape(), DocumentShape::ValueList);
    assert_eq!(config.rule_count(), 3);
    let locators: Vec<&str> = config
        .credentials()
        .iter()
        .map(FederatedCredential::locator)
        .collect();
    assert_eq!(locators, ["$.value[0]", "$.value[1]", "$.value[2]"]);
    let rule = config.evaluate_rule(
        2,
        &github("repo:contoso/contoso-app:ref:refs/heads/release/1.0"),
    );
    assert_eq!(rule.label, "credential 'release-branches'");
    assert_eq!(rule.checks.len(), 4, "issuer, two comparisons, audience");
    assert_eq!(
        rule.checks[1].locator,
        "$.value[2].claimsMatchingExpression.value"
    );
    assert_eq!(rule.checks[2].key, "claims['job_workflow_ref']");
    assert_eq!(rule.checks[2].actual, None);
    assert!(!rule.applies);
    // Subject patterns are the `sub` comparands only.
    assert_eq!(
        config.subject_patterns(2),
        vec!["repo:contoso/contoso-app:ref:refs/heads/release/*"]
    );
    assert_eq!(
        config.describe(),
        "Azure federated identity credentials (3: 2 classic, 1 flexible)"
    );
}

#[test]
fn az_ad_app_list_is_a_plain_array() {
    assert!(sniff(AZ_AD_APP_LIST));
    let config = parse(AZ_AD_APP_LIST).unwrap();
    assert_eq!(config.shape(), DocumentShape::List);
    assert_eq!(config.credentials()[1].locator(), "$[1]");
    assert_eq!(config.issuers(), vec![GITHUB_ISSUER, "https://gitlab.com"]);
    let gitlab = claims(json!({"iss": "https://gitlab.com", "aud": DEFAULT_AUDIENCE,
        "sub": "project_path:my-group/my-project:ref_type:branch:ref:main"}));
    let evaluation = config.evaluate(&gitlab);
    assert!(evaluation.allowed);
    assert_eq!(evaluation.admitting_rule().unwrap().locator, "$[1]");
}

#[test]
fn managed_identity_flat_list() {
    // `az identity federated-credential list`.
    assert!(sniff(MI_LIST));
    let config = parse(MI_LIST).unwrap();
    let [c] = config.credentials() else {
        panic!("one credential")
    };
    assert!(c.managed_identity);
    assert_eq!(c.name.as_deref(), Some("github-prod"));
    assert!(
        config
            .evaluate(&github("repo:octo-org/octo-repo:environment:prod"))
            .allowed
    );
    assert!(
        config
            .describe()
            .contains("of a user-assigned managed identity"),
        "{}",
        config.describe()
    );
}

#[test]
fn managed_identity_arm_list_reads_properties() {
    assert!(sniff(MI_ARM));
    let config = parse(MI_ARM).unwrap();
    assert_eq!(config.rule_count(), 2);
    let rule = config.evaluate_rule(0, &github("repo:octo-org/octo-repo:environment:prod"));
    assert!(rule.applies);
    assert_eq!(rule.label, "credential 'github-prod'");
    assert_eq!(rule.checks[0].locator, "$.value[0].properties.issuer");
    assert_eq!(rule.checks[1].locator, "$.value[0].properties.subject");
    // The Terraform Cloud sample token: issuer and expression match, audience not.
    let terraform = claims_file(TERRAFORM_CLAIMS);
    let verdict = refusal(&config, &terraform);
    assert_eq!(verdict.rule, TRUST_AZURE_AUDIENCE_MISMATCH);
    assert_eq!(verdict.locator, "$.value[1].properties.audiences[0]");
    assert!(
        verdict.cause.contains("`my-example-audience`"),
        "{}",
        verdict.cause
    );
    assert!(verdict.cause.contains("AADSTS700212"), "{}", verdict.cause);
    assert!(verdict.fix.contains(DEFAULT_AUDIENCE), "{}", verdict.fix);
    assert_eq!(
        verdict.cloud_error.as_deref(),
        Some(
            "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://app.terraform.io'. Assertion Subject: 'organization:my-org:project:Default Project:workspace:my-workspace:run_phase:apply'. Assertion Audience: 'my-example-audience'."
        )
    );
}

#[test]
fn an_empty_list_refuses_with_aadsts70025() {
    assert!(sniff(GRAPH_EMPTY));
    let config = parse(GRAPH_EMPTY).unwrap();
    assert_eq!(config.rule_count(), 0);
    let verdict = refusal(&config, &github("repo:o/r:ref:refs/heads/main"));
    assert_eq!(verdict.rule, TRUST_AZURE_NO_CREDENTIALS);
    assert_eq!(verdict.locator, "$.value");
    assert!(verdict.cloud_error.unwrap().starts_with("AADSTS70025"));
    assert!(
        verdict.fix.contains("repo:o/r:ref:refs/heads/main"),
        "{}",
        verdict.fix
    );
    let bare = parse(b"[]").unwrap();
    assert_eq!(refusal(&bare, &github("x")).locator, "$");
    assert!(!sniff(b"[]"), "an empty array could be anything");
    assert!(
        !bare.evaluate_rule(0, &github("x")).applies,
        "out of range is no rule, not a panic"
    );
}

#[test]
fn pascal_case_keys_and_a_bom_are_read() {
    let doc = "\u{feff}{\"Name\":\"ps\",\"Issuer\":\"https://token.actions.githubusercontent.com\",\"Subject\":\"repo:o/r:ref:refs/heads/main\",\"Audience\":[\"api://AzureADTokenExchange\"]}";
    assert!(sniff(doc.as_bytes()));
    let config = parse(doc.as_bytes()).unwrap();
    assert_eq!(config.credentials()[0].name.as_deref(), Some("ps"));
    let rule = config.evaluate_rule(0, &github("repo:o/r:ref:refs/heads/main"));
    assert!(rule.applies);
    assert_eq!(rule.checks[2].locator, "$.Audience[0]");
}

// --- sniffing ------------------------------------------------------------------

#[test]
fn sniff_rejects_other_clouds_tokens_and_jwks() {
    for (i, bytes) in NOT_AZURE.iter().enumerate() {
        assert!(!sniff(bytes), "negative sample {i} was taken for Azure");
    }
    for bytes in [
        &b""[..],
        b"{}",
        b"[{}]",
        b"issuer",
        b"{\"issuer\":\"https://x\"}",
        b"{\"value\":[]}",
        b"not json \"issuer\"",
    ] {
        assert!(!sniff(bytes), "{}", String::from_utf8_lossy(bytes));
    }
}

// --- parse errors ----------------------------------------------------------------

#[test]
fn malformed_json_reports_line_and_column() {
    match parse(b"[\n  {\"issuer\": \"https://x\",\n   \"subject\" \"s\"}\n]") {
        Err(PolicyError::Json { line, column, .. }) => assert_eq!((line, column), (3, 14)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_field_types_name_their_json_path() {
    let good = classic("c", GITHUB_ISSUER, "s");
    let mut bad_issuer = good.clone();
    bad_issuer["issuer"] = json!(5);
    assert_eq!(
        field_error(json!([good.clone(), bad_issuer])).0,
        "$[1].issuer"
    );

    let mut no_issuer = good.clone();
    no_issuer.as_object_mut().unwrap().remove("issuer");
    let (field, message) = field_error(no_issuer);
    assert_eq!(field, "$.issuer");
    assert!(message.contains("required"));

    let mut both = flexible("f", GITHUB_ISSUER, "claims['sub'] eq 'x'");
    both["subject"] = json!("x");
    let (field, message) = field_error(both);
    assert_eq!(field, "$.claimsMatchingExpression");
    assert!(message.contains("mutually exclusive"));

    let mut neither = good.clone();
    neither["subject"] = Value::Null;
    assert_eq!(field_error(neither).0, "$.subject");

    let mut audiences = good.clone();
    audiences["audiences"] = json!({"a": 1});
    assert_eq!(
        field_error(json!({"value": [audiences]})).0,
        "$.value[0].audiences"
    );
    let mut item = good.clone();
    item["audiences"] = json!([DEFAULT_AUDIENCE, 7]);
    assert_eq!(field_error(item).0, "$.audiences[1]");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("audiences");
    assert_eq!(field_error(missing).0, "$.audiences");

    let mut version = flexible("f", GITHUB_ISSUER, "claims['sub'] eq 'x'");
    version["claimsMatchingExpression"]["languageVersion"] = json!(2);
    assert_eq!(
        field_error(version).0,
        "$.claimsMatchingExpression.languageVersion"
    );
    let mut shape = flexible("f", GITHUB_ISSUER, "x");
    shape["claimsMatchingExpression"] = json!("claims['sub'] eq 'x'");
    assert_eq!(field_error(shape).0, "$.claimsMatchingExpression");

    assert_eq!(field_error(json!("text")).0, "$");
    assert_eq!(field_error(json!({"value": 5})).0, "$.value");
    assert_eq!(field_error(json!([5])).0, "$[0]");
    assert_eq!(
        field_error(json!([{"name": "x", "properties": {"issuer": GITHUB_ISSUER, "subject": 7, "audiences": []}}])).0,
        "$[0].properties.subject"
    );
    assert_eq!(
        field_error(json!([{"name": 3, "issuer": GITHUB_ISSUER, "subject": "s", "audiences": []}]))
            .0,
        "$[0].name"
    );
}

#[test]
fn expression_errors_carry_path_and_offset() {
    let doc = json!([
        classic("c", GITHUB_ISSUER, "s"),
        flexible("f", GITHUB_ISSUER, "claims['sub'] matches 'repo:o/*")
    ]);
    match parse(doc.to_string().as_bytes()) {
        Err(PolicyError::Expression {
            field,
            offset,
            message,
            ..
        }) => {
            assert_eq!(field, "$[1].claimsMatchingExpression.value");
            assert_eq!(offset, 22);
            assert!(message.contains("unterminated string"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // The page's own example ends in a stray period inside the string.
    let doc = flexible(
        "f",
        GITHUB_ISSUER,
        "claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*'.",
    );
    match parse(doc.to_string().as_bytes()) {
        Err(PolicyError::Expression { field, offset, .. }) => {
            assert_eq!(field, "$.claimsMatchingExpression.value");
            assert_eq!(offset, 66);
        }
        other => panic!("{other:?}"),
    }
}

// --- semantics -------------------------------------------------------------------

#[test]
fn issuer_must_match_exactly() {
    let config = config(classic("c", GITHUB_ISSUER, "repo:o/r:ref:refs/heads/main"));
    let token = claims(
        json!({"iss": format!("{GITHUB_ISSUER}/"), "sub": "repo:o/r:ref:refs/heads/main", "aud": DEFAULT_AUDIENCE}),
    );
    let verdict = refusal(&config, &token);
    assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
    assert_eq!(verdict.locator, "$.issuer");
    assert!(
        verdict.cause.contains("trailing slash"),
        "{}",
        verdict.cause
    );
    assert!(verdict.cause.contains("AADSTS700211"), "{}", verdict.cause);
    assert!(
        verdict
            .cloud_error
            .unwrap()
            .contains("Assertion Issuer: 'https://token.actions.githubusercontent.com/'")
    );
    let rule = config.evaluate_rule(0, &token);
    assert!(!rule.checks[0].matched);
    assert!(rule.checks[0].near_miss.is_some());
    // Case matters too.
    let upper = claims(
        json!({"iss": "https://Token.actions.githubusercontent.com", "sub": "repo:o/r:ref:refs/heads/main", "aud": DEFAULT_AUDIENCE}),
    );
    assert!(refusal(&config, &upper).cause.contains("only in case"));
    // No `iss` at all.
    let none = claims(json!({"sub": "repo:o/r:ref:refs/heads/main", "aud": DEFAULT_AUDIENCE}));
    assert!(refusal(&config, &none).cause.contains("no `iss` claim"));
}

#[test]
fn whitespace_around_the_issuer_blocks_the_exchange() {
    // "If the issuer claim has leading or trailing whitespace in the value, the token
    // exchange is blocked."
    let padded = config(classic(
        "c",
        "https://token.actions.githubusercontent.com ",
        "s",
    ));
    let token = claims(
        json!({"iss": "https://token.actions.githubusercontent.com ", "sub": "s", "aud": DEFAULT_AUDIENCE}),
    );
    let verdict = refusal(&padded, &token);
    assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
    assert!(
        verdict.cause.contains("leading or trailing whitespace"),
        "{}",
        verdict.cause
    );
    assert!(
        verdict.fix.contains("without surrounding whitespace"),
        "{}",
        verdict.fix
    );
    // Whitespace on the credential side only.
    let verdict = refusal(&padded, &github("s"));
    assert!(
        verdict.cause.contains("the credential's issuer"),
        "{}",
        verdict.cause
    );
}

#[test]
fn ghec_enterprise_issuer_is_named() {
    let config = config(classic(
        "c",
        GITHUB_ISSUER,
        "repo:octocat-inc/private-server:ref:refs/heads/main",
    ));
    let verdict = refusal(&config, &claims_file(GHEC_CLAIMS));
    assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
    assert!(
        verdict.cause.contains("GitHub Enterprise Cloud"),
        "{}",
        verdict.cause
    );
    assert!(
        verdict
            .fix
            .contains("https://token.actions.githubusercontent.com/octocat-inc"),
        "{}",
        verdict.fix
    );
}

#[test]
fn subject_is_exact_and_case_sensitive() {
    let config = config(classic(
        "prod",
        GITHUB_ISSUER,
        "repo:Octo-Org/octo-repo:environment:prod",
    ));
    let token = github("repo:octo-org/octo-repo:environment:prod");
    let verdict = refusal(&config, &token);
    assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
    assert_eq!(verdict.locator, "$.subject");
    assert!(
        verdict.cause.contains("case-sensitively"),
        "{}",
        verdict.cause
    );
    assert!(verdict.cause.contains("AADSTS700213"), "{}", verdict.cause);
    assert_eq!(
        verdict.cloud_error.as_deref(),
        Some(
            "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:octo-org/octo-repo:environment:prod'. Assertion Audience: 'api://AzureADTokenExchange'."
        )
    );
    assert!(
        verdict
            .fix
            .contains("repo:octo-org/octo-repo:environment:prod"),
        "{}",
        verdict.fix
    );
    let check = &config.evaluate_rule(0, &token).checks[1];
    assert_eq!(check.near_miss.as_ref().unwrap().first_difference, 5);
    // A branch job against an environment credential: the near miss names why.
    let verdict = refusal(
        &config,
        &github("repo:Octo-Org/octo-repo:ref:refs/heads/main"),
    );
    assert!(
        verdict.cause.contains("no `environment:`"),
        "{}",
        verdict.cause
    );
}

#[test]
fn a_star_in_a_classic_subject_is_literal() {
    // "Wildcard characters aren't supported in any federated identity credential property value."
    let config = config(classic(
        "any-branch",
        GITHUB_ISSUER,
        "repo:octo-org/octo-repo:*",
    ));
    let verdict = refusal(
        &config,
        &github("repo:octo-org/octo-repo:ref:refs/heads/main"),
    );
    assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
    assert!(
        verdict.cause.contains("compares literally"),
        "{}",
        verdict.cause
    );
    assert!(
        verdict
            .fix
            .contains("claims['sub'] matches 'repo:octo-org/octo-repo:*'"),
        "{}",
        verdict.fix
    );
    assert!(
        config
            .evaluate(&github("repo:octo-org/octo-repo:*"))
            .allowed
    );
}

#[test]
fn pull_request_spelling_discrepancy_is_spelled_out() {
    // Entra's create-trust page writes `:pull-request`; GitHub issues `:pull_request`.
    let config = parse(GRAPH_LIST).unwrap();
    let verdict = refusal(&config, &github("repo:contoso/contoso-app:pull_request"));
    assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
    assert_eq!(
        verdict.locator, "$.value[1].subject",
        "the pull-request credential is the closest"
    );
    assert!(
        verdict.cause.contains("ends in `:pull-request` (hyphen), the spelling in Entra's documentation, but GitHub issues `:pull_request` (underscore)"),
        "{}",
        verdict.cause
    );
    assert!(
        verdict.cause.contains("none of the 3 credentials"),
        "{}",
        verdict.cause
    );
    assert!(
        verdict
            .fix
            .contains("`repo:contoso/contoso-app:pull_request`"),
        "{}",
        verdict.fix
    );
    // The same inside an expression.
    let flex = config_of(flexible(
        "pr",
        GITHUB_ISSUER,
        "claims['sub'] eq 'repo:o/r:pull-request'",
    ));
    let verdict = refusal(&flex, &github("repo:o/r:pull_request"));
    assert_eq!(verdict.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
    assert!(
        verdict.cause.contains("`:pull-request` (hyphen)"),
        "{}",
        verdict.cause
    );
}

fn config_of(value: Value) -> AzureFederatedCredentials {
    config(value)
}

#[test]
fn audience_must_be_in_aud_string_or_array() {
    let config = config(classic("c", GITHUB_ISSUER, "s"));
    let array = claims(
        json!({"iss": GITHUB_ISSUER, "sub": "s", "aud": ["https://github.com/octo-org", DEFAULT_AUDIENCE]}),
    );
    let evaluation = config.evaluate(&array);
    assert!(evaluation.allowed);
    let audience = evaluation.rules[0].checks.last().unwrap();
    assert_eq!(
        audience.actual.as_deref(),
        Some("https://github.com/octo-org, api://AzureADTokenExchange")
    );
    let github_default =
        claims(json!({"iss": GITHUB_ISSUER, "sub": "s", "aud": "https://github.com/octo-org"}));
    let verdict = refusal(&config, &github_default);
    assert_eq!(verdict.rule, TRUST_AZURE_AUDIENCE_MISMATCH);
    assert_eq!(verdict.locator, "$.audiences[0]");
    assert!(
        verdict
            .cloud_error
            .unwrap()
            .ends_with("Assertion Audience: 'https://github.com/octo-org'.")
    );
    let missing = claims(json!({"iss": GITHUB_ISSUER, "sub": "s"}));
    assert!(refusal(&config, &missing).cause.contains("no `aud` claim"));
}

#[test]
fn the_closest_credential_is_chosen_same_issuer_first() {
    let config = config(json!([
        classic(
            "gitlab",
            "https://gitlab.com",
            "repo:acme/api:ref:refs/heads/main"
        ),
        classic(
            "other-repo",
            GITHUB_ISSUER,
            "repo:acme/web:ref:refs/heads/main"
        ),
        classic("same-repo", GITHUB_ISSUER, "repo:acme/api:environment:prod"),
    ]));
    let verdict = refusal(&config, &github("repo:acme/api:ref:refs/heads/main"));
    assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
    assert_eq!(verdict.locator, "$[2].subject");
    assert!(
        verdict.cause.contains("credential 'same-repo'"),
        "{}",
        verdict.cause
    );
    assert!(
        verdict.cause.contains("none of the 2 credentials"),
        "{}",
        verdict.cause
    );
    // Different issuer everywhere: the issuer with the longest common prefix.
    let verdict = refusal(
        &config,
        &claims(json!({"iss": "https://gitlab.example.com", "sub": "x", "aud": DEFAULT_AUDIENCE})),
    );
    assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
    assert_eq!(verdict.locator, "$[0].issuer");
    assert!(
        verdict.cause.contains("none of the 3 credentials"),
        "{}",
        verdict.cause
    );
}

#[test]
fn flexible_and_classic_compete_for_closest() {
    let config = config(json!([
        classic("main", GITHUB_ISSUER, "repo:acme/api:ref:refs/heads/main"),
        flexible(
            "releases",
            GITHUB_ISSUER,
            "claims['sub'] matches 'repo:acme/api:ref:refs/tags/v*'"
        ),
    ]));
    let tag = refusal(&config, &github("repo:acme/api:ref:refs/tags/release-1"));
    assert_eq!(tag.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
    assert_eq!(tag.locator, "$[1].claimsMatchingExpression.value");
    assert!(
        tag.cause.contains("they part at character 29"),
        "{}",
        tag.cause
    );
    assert!(
        tag.fix
            .contains("claims['sub'] eq 'repo:acme/api:ref:refs/tags/release-1'"),
        "{}",
        tag.fix
    );
    let branch = refusal(&config, &github("repo:acme/api:ref:refs/heads/mainline"));
    assert_eq!(branch.rule, TRUST_AZURE_SUBJECT_MISMATCH);
    assert_eq!(branch.locator, "$[0].subject");
    assert!(
        config
            .evaluate(&github("repo:acme/api:ref:refs/tags/v2.0.0"))
            .allowed
    );
}

#[test]
fn expression_checks_one_per_comparison() {
    let expression = "claims['sub'] matches 'repo:acme/*' and claims['job_workflow_ref'] eq 'acme/shared/.github/workflows/deploy.yml@refs/heads/main'";
    let config = config(flexible("reusable", GITHUB_ISSUER, expression));
    let mut token = github("repo:acme/api:ref:refs/heads/main");
    token.0.insert(
        "job_workflow_ref".to_owned(),
        json!("acme/shared/.github/workflows/deploy.yml@refs/heads/dev"),
    );
    let rule = config.evaluate_rule(0, &token);
    assert_eq!(rule.checks.len(), 4);
    let sub = &rule.checks[1];
    assert_eq!(
        (sub.key.as_str(), sub.operator.as_str()),
        (
            "claims['sub']",
            "matches (characters 0..35 of the expression)"
        )
    );
    assert!(sub.matched);
    let jwr = &rule.checks[2];
    assert_eq!(jwr.operator, "eq (characters 40..128 of the expression)");
    assert!(!jwr.matched);
    assert_eq!(
        jwr.near_miss.as_ref().unwrap().first_difference,
        "acme/shared/.github/workflows/deploy.yml@refs/heads/".len()
    );
    assert_eq!(
        rule.first_failure().unwrap().key,
        "claims['job_workflow_ref']"
    );
    let verdict = refusal(&config, &token);
    assert_eq!(verdict.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
    assert!(
        verdict.cause.contains("characters 40..128"),
        "{}",
        verdict.cause
    );
    // An absent claim is said to be absent.
    token.0.remove("job_workflow_ref");
    assert!(
        refusal(&config, &token)
            .cause
            .contains("the token has no `job_workflow_ref` claim")
    );
}

#[test]
fn or_expressions_apply_when_one_alternative_holds() {
    let config = config(flexible(
        "two",
        GITHUB_ISSUER,
        "claims['sub'] eq 'repo:acme/api:environment:prod' or claims['sub'] eq 'repo:acme/api:ref:refs/heads/main'",
    ));
    let rule = config.evaluate_rule(0, &github("repo:acme/api:ref:refs/heads/main"));
    assert!(rule.applies);
    assert!(
        !rule.checks[1].matched,
        "the first alternative is reported false as it is"
    );
    let verdict = refusal(&config, &github("repo:acme/api:ref:refs/heads/dev"));
    assert!(
        verdict.cause.contains("none of its alternatives"),
        "{}",
        verdict.cause
    );
    assert_eq!(config.subject_patterns(0).len(), 2);
}

#[test]
fn a_token_without_sub_is_a_subject_mismatch() {
    let config = config(classic("c", GITHUB_ISSUER, "s"));
    let verdict = refusal(
        &config,
        &claims(json!({"iss": GITHUB_ISSUER, "aud": DEFAULT_AUDIENCE})),
    );
    assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
    assert!(verdict.cause.contains("no `sub` claim"));
    assert!(
        verdict
            .cloud_error
            .unwrap()
            .contains("Assertion Subject: ''")
    );
}

#[test]
fn describe_notes_limits_and_audiences() {
    let many: Vec<Value> = (0..21)
        .map(|i| classic(&format!("c{i}"), GITHUB_ISSUER, &format!("s{i}")))
        .collect();
    let d = config(Value::Array(many)).describe();
    assert!(
        d.starts_with("Azure federated identity credentials (21: 21 classic, 0 flexible)"),
        "{d}"
    );
    assert!(d.contains("more than the 20"), "{d}");
    let mut custom = classic("custom", GITHUB_ISSUER, "s");
    custom["audiences"] = json!(["api://contoso"]);
    let mut two = classic("two", GITHUB_ISSUER, "t");
    two["audiences"] = json!([DEFAULT_AUDIENCE, "x"]);
    let config = config(json!([custom, two]));
    let d = config.describe();
    assert!(
        d.contains("credential 'custom' expects audience `api://contoso`"),
        "{d}"
    );
    assert!(d.contains("credential 'two' has 2 audiences"), "{d}");
    assert_eq!(
        config.audiences(),
        vec!["api://contoso", DEFAULT_AUDIENCE, "x"]
    );
    assert!(config.pattern_findings().is_empty());
    // A custom audience is allowed: the token just has to carry it.
    let token = claims(json!({"iss": GITHUB_ISSUER, "sub": "s", "aud": "api://contoso"}));
    assert!(config.evaluate(&token).allowed);
}

// --- review ----------------------------------------------------------------------

fn admitted(config: &AzureFederatedCredentials, rule: usize) -> Vec<Context> {
    review(config)[rule].admitted_contexts()
}

#[test]
fn review_of_a_pinned_environment_credential() {
    let config = parse(GRAPH_ENTITY).unwrap();
    assert_eq!(admitted(&config, 0), vec![Context::Environment]);
    let reviews = review(&config);
    let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![TRUST_RISK_NAME_BASED_SUBJECT.id]);
    assert_eq!(reviews[0].locator, "$");
    assert_eq!(reviews[0].label, "credential 'Testing'");
}

#[test]
fn review_of_broad_flexible_credentials() {
    // Any branch of one repository (the page's own example).
    let branches = parse(FLEXIBLE_BODY).unwrap();
    assert_eq!(
        admitted(&branches, 0),
        vec![Context::DefaultBranchPush, Context::OtherBranchPush]
    );
    let ids: Vec<&str> = review(&branches)[0].findings.iter().map(|f| f.id).collect();
    assert!(
        ids.contains(&crate::vocabulary::catalog::TRUST_RISK_ANY_BRANCH.id),
        "{ids:?}"
    );
    // Every repository of the organization.
    let org = config(flexible(
        "org",
        GITHUB_ISSUER,
        "claims['sub'] matches 'repo:contoso/*'",
    ));
    let contexts = admitted(&org, 0);
    assert!(
        contexts.contains(&Context::OtherRepoSameOrg) && !contexts.contains(&Context::OtherOrg),
        "{contexts:?}"
    );
    let ids: Vec<&str> = review(&org)[0].findings.iter().map(|f| f.id).collect();
    assert!(
        ids.contains(&crate::vocabulary::catalog::TRUST_RISK_ORG_WIDE_SUBJECT.id),
        "{ids:?}"
    );
    // A reusable workflow pinned to main keeps pull requests and other branches out.
    let reusable = config(flexible(
        "reusable",
        GITHUB_ISSUER,
        "claims['sub'] matches 'repo:acme/app:*' and claims['job_workflow_ref'] eq 'acme/app/.github/workflows/deploy.yml@refs/heads/main'",
    ));
    assert_eq!(
        admitted(&reusable, 0),
        vec![Context::DefaultBranchPush, Context::Environment]
    );
    // A pull-request credential with GitHub's spelling admits pull requests.
    let pr = config(classic("pr", GITHUB_ISSUER, "repo:acme/app:pull_request"));
    assert_eq!(
        admitted(&pr, 0),
        vec![Context::PullRequest, Context::ForkPullRequest]
    );
    // With the Entra page's spelling it admits nothing.
    let hyphen = config(classic("pr", GITHUB_ISSUER, "repo:acme/app:pull-request"));
    assert!(admitted(&hyphen, 0).is_empty());
}

proptest! {
    /// A classic subject is plain string equality: wildcards included.
    #[test]
    fn classic_subject_is_string_equality(subject in "[a-z:/*?]{1,12}", sub in "[a-z:/*?]{0,12}") {
        let config = config(classic("c", GITHUB_ISSUER, &subject));
        prop_assert_eq!(config.evaluate(&github(&sub)).allowed, subject == sub);
    }

    /// Parsing any JSON-ish bytes never panics, and sniff agrees with what parses
    /// as at least one credential.
    #[test]
    fn sniffed_documents_parse(subject in "\\PC{0,16}", expression in "\\PC{0,24}") {
        let doc = json!([classic("c", GITHUB_ISSUER, &subject), flexible("f", GITHUB_ISSUER, &expression)]).to_string();
        prop_assert!(sniff(doc.as_bytes()));
        match parse(doc.as_bytes()) {
            Ok(config) => prop_assert_eq!(config.rule_count(), 2),
            Err(PolicyError::Expression { field, .. }) => prop_assert_eq!(field, "$[1].claimsMatchingExpression.value"),
            Err(other) => prop_assert!(false, "{other}"),
        }
    }
}
