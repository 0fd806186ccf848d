//! Trust evaluation: a 20-statement AWS role trust policy against a GitHub token
//! (parse, evaluate, and the full review that grades every statement's blast radius),
//! plus the other clouds' sample configurations.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oidc_triage::policy::aws::AwsTrustPolicy;
use oidc_triage::policy::{TrustConfig, review};
use oidc_triage::token::Claims;
use serde_json::{Value, json};

fn claims(v: Value) -> Claims {
    match v {
        Value::Object(map) => Claims(map),
        _ => Claims::default(),
    }
}

/// Twenty statements, as a platform team's shared deploy role grows them: one per
/// repository, with an audience pin, a subject list and a Deny for pull requests.
fn twenty_statement_policy() -> Vec<u8> {
    let mut statements: Vec<Value> = (0..19)
        .map(|i| {
            json!({
                "Sid": format!("Repo{i}"),
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": [
                        format!("repo:acme/service-{i}:environment:production"),
                        format!("repo:acme/service-{i}:ref:refs/heads/main"),
                        format!("repo:acme/service-{i}:ref:refs/tags/v*")
                    ]}
                }
            })
        })
        .collect();
    statements.push(json!({
        "Sid": "DenyPullRequests",
        "Effect": "Deny",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*:pull_request"}}
    }));
    serde_json::to_vec_pretty(&json!({"Version": "2012-10-17", "Statement": statements}))
        .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let bytes = twenty_statement_policy();
    let Ok(policy) = AwsTrustPolicy::parse(&bytes) else {
        return;
    };
    let token = claims(json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": "repo:acme/service-18:environment:production",
        "repository": "acme/service-18",
        "environment": "production",
        "event_name": "push",
        "ref": "refs/heads/main"
    }));
    c.bench_function("trust/aws/parse_20_statements", |b| {
        b.iter(|| AwsTrustPolicy::parse(black_box(&bytes)))
    });
    c.bench_function("trust/aws/evaluate_20_statements", |b| {
        b.iter(|| policy.evaluate(black_box(&token)))
    });
    c.bench_function("trust/aws/review_20_statements", |b| {
        b.iter(|| review(black_box(&policy)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
