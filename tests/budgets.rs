//! Evaluation budgets (issue 13 item 4): the inputs that once took minutes and
//! gigabytes end in the `trust.evaluation-budget` finding, and output stays linear in
//! the input. Asserted by outcome, never by time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use oidc_triage::policy::{self, TrustConfig, aws, azure, gcp};
use oidc_triage::token::Claims;
use serde_json::{Value, json};

const BUDGET: &str = "trust.evaluation-budget";

fn claims(v: Value) -> Claims {
    match v {
        Value::Object(m) => Claims(m),
        _ => unreachable!(),
    }
}

fn long_sub() -> String {
    format!("repo:org/app:ref:refs/heads/{}", "a".repeat(2000))
}

fn azure_flexible(comparisons: usize) -> Vec<u8> {
    let expression = (0..comparisons)
        .map(|i| format!("claims['sub'] eq 'x{i}'"))
        .collect::<Vec<_>>()
        .join(" or ");
    json!({
        "name": "flex",
        "issuer": "https://token.actions.githubusercontent.com",
        "audiences": ["api://AzureADTokenExchange"],
        "claimsMatchingExpression": {"value": expression, "languageVersion": 1}
    })
    .to_string()
    .into_bytes()
}

fn azure_claims() -> Claims {
    claims(json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "api://AzureADTokenExchange",
        "sub": long_sub(),
    }))
}

#[test]
fn an_azure_expression_of_100_000_comparisons_is_a_budget_finding() {
    let config = azure::parse(&azure_flexible(100_000)).unwrap();
    let e = config.evaluate(&azure_claims());
    assert!(!e.allowed);
    let refusal = e.refusal.unwrap();
    assert_eq!(refusal.rule.id, BUDGET);
    assert!(
        refusal
            .cause
            .contains("is too large to evaluate: 100 000 comparisons; limit 10 000"),
        "{}",
        refusal.cause
    );
    // One check for the expression, not one per comparison.
    let checks: usize = e.rules.iter().map(|r| r.checks.len()).sum();
    assert!(checks <= 3, "{checks} checks");
    // The review grades it without evaluating it either.
    let reviews = policy::review(&config);
    assert_eq!(reviews.len(), 1);
    assert!(reviews[0].admits.iter().all(|a| !a.admitted));
}

#[test]
fn an_azure_expression_within_the_budget_explains_the_token_value_once() {
    let config = azure::parse(&azure_flexible(10_000)).unwrap();
    let claims = azure_claims();
    let e = config.evaluate(&claims);
    assert!(!e.allowed);
    let sub = long_sub();
    let json = serde_json::to_string(
        &e.rules
            .iter()
            .flat_map(|r| r.checks.iter())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    // The long `sub` appears a bounded number of times, not once per comparison.
    let repeats = json.matches(&sub).count();
    assert!(repeats <= 4, "the token's sub is repeated {repeats} times");
    let input = azure_flexible(10_000).len() + sub.len();
    assert!(json.len() < 3 * input, "{} bytes for {input}", json.len());
}

#[test]
fn diagnose_output_is_linear_in_an_azure_expression() {
    let dir = std::env::temp_dir().join(format!("oidc-triage-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let credential = dir.join("flex.json");
    let token = dir.join("claims.json");
    let expression = azure_flexible(10_000);
    std::fs::write(&credential, &expression).unwrap();
    let claims = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "api://AzureADTokenExchange",
        "sub": long_sub(),
        "iat": 1_700_000_000, "exp": 1_700_000_600,
    })
    .to_string();
    std::fs::write(&token, &claims).unwrap();
    for format in ["text", "json", "markdown"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_oidc-triage"))
            .args([
                "diagnose",
                "--now",
                "2023-11-14T22:14:00Z",
                "--format",
                format,
            ])
            .arg(&token)
            .arg(&credential)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(b"");
        let out = child.wait_with_output().unwrap();
        let input = expression.len() + claims.len();
        assert!(
            out.stdout.len() < 8 * input,
            "{format}: {} bytes of output for {input} bytes of input",
            out.stdout.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const NAME: &str =
    "projects/1234567890/locations/global/workloadIdentityPools/my-pool/providers/my-provider";

fn gcp_provider(condition: &str) -> gcp::GcpProvider {
    gcp::GcpProvider::parse(
        json!({
            "name": NAME,
            "state": "ACTIVE",
            "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"},
            "attributeCondition": condition,
            "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn gcp_claims() -> Claims {
    claims(json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": format!("https://iam.googleapis.com/{NAME}"),
        "sub": "repo:acme/api:ref:refs/heads/main",
        "repository": "acme/api",
        "groups": (0..50).map(|i| format!("g{i}")).collect::<Vec<_>>(),
    }))
}

#[test]
fn nested_cel_maps_are_a_step_budget_finding() {
    let list = format!(
        "[{}]",
        (0..20).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
    );
    let mut body = "1".to_owned();
    for depth in 1..=8 {
        body = format!("{list}.map(x{depth}, {body})");
    }
    let condition = format!("size({body}) > 0");
    assert!(condition.len() < 800, "{}", condition.len());
    let p = gcp_provider(&condition);
    let e = p.evaluate(&gcp_claims());
    assert!(!e.allowed);
    let refusal = e.refusal.unwrap();
    assert_eq!(refusal.rule.id, BUDGET);
    assert!(
        refusal
            .cause
            .starts_with("the attribute condition is too large to evaluate")
            && refusal
                .cause
                .contains("estimated evaluation steps; limit 100 000"),
        "{}",
        refusal.cause
    );
    assert_eq!(refusal.locator, "$.attributeCondition");
}

#[test]
fn a_megabyte_cel_list_is_a_length_budget_finding() {
    let items: Vec<String> = (0..300_000).map(|i| format!("'repo-{i:06}'")).collect();
    let condition = format!("assertion.repository in [{}]", items.join(","));
    assert!(condition.len() > 3_000_000);
    let p = gcp_provider(&condition);
    let e = p.evaluate(&gcp_claims());
    let refusal = e.refusal.unwrap();
    assert_eq!(refusal.rule.id, BUDGET);
    assert!(
        refusal.cause.contains("characters; limit 16 384"),
        "{}",
        refusal.cause
    );
}

#[test]
fn an_ordinary_condition_over_a_list_claim_is_evaluated() {
    let p = gcp_provider(
        "assertion.groups.exists(g, g.startsWith('g4')) && assertion.repository == 'acme/api'",
    );
    let e = p.evaluate(&gcp_claims());
    assert!(e.allowed, "{:?}", e.refusal);
    let p = gcp_provider("assertion.groups.map(g, g + '!').filter(g, g == 'g7!').size() == 1");
    assert!(p.evaluate(&gcp_claims()).allowed);
}

fn aws_policy(statements: usize) -> Vec<u8> {
    let statement: Vec<Value> = (0..statements)
        .map(|i| {
            json!({
                "Effect": if i % 2 == 1 { "Deny" } else { "Allow" },
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringLike": {"token.actions.githubusercontent.com:sub": format!("repo:org/r{i}:*")},
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
                }
            })
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statement})
        .to_string()
        .into_bytes()
}

#[test]
fn reviewing_2000_statements_with_deny_is_bounded_and_says_so() {
    let policy = aws::parse(&aws_policy(2000)).unwrap();
    let reviews = policy::review(&policy);
    assert_eq!(reviews.len(), 2000);
    let budget: Vec<_> = reviews
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.id == BUDGET)
        .collect();
    assert_eq!(budget.len(), 1, "one finding says the Deny checks stopped");
    assert!(
        budget[0]
            .cause
            .contains("statement evaluations; limit 20 000")
            && budget[0]
                .cause
                .contains("not checked against the Deny statements"),
        "{}",
        budget[0].cause
    );
    // The whole decision is still exact: the token of repo r1 is denied, r0 admitted.
    let token = |repo: &str| {
        claims(json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "sts.amazonaws.com",
            "sub": format!("repo:org/{repo}:ref:refs/heads/main"),
        }))
    };
    assert!(policy.evaluate(&token("r0")).allowed);
    assert!(!policy.evaluate(&token("r1")).allowed);
}

#[test]
fn a_small_policy_with_deny_is_reviewed_exactly() {
    let policy = aws::parse(&aws_policy(20)).unwrap();
    let reviews = policy::review(&policy);
    assert!(
        reviews
            .iter()
            .flat_map(|r| &r.findings)
            .all(|f| f.id != BUDGET)
    );
}
