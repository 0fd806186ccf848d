//! Org-wide lint of AWS account exports (`aws iam list-roles`,
//! `aws iam get-account-authorization-details`): every federated role linted, one table
//! riskiest first, locators into the export, non-federated roles skipped and counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn role(name: &str, sub: &str) -> Value {
    let base: Value = serde_json::from_str(
        &std::fs::read_to_string(
            root().join("scenarios/aws-pull-request-gets-production-role/prod-deploy-role.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut role = base["Role"].clone();
    role["RoleName"] = Value::from(name);
    role["Arn"] = Value::from(format!("arn:aws:iam::123456789012:role/{name}"));
    let statement = &mut role["AssumeRolePolicyDocument"]["Statement"][0];
    statement["Condition"] = json!({
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": sub},
    });
    role
}

fn service_role() -> Value {
    json!({
        "RoleName": "ec2-instance",
        "Arn": "arn:aws:iam::123456789012:role/ec2-instance",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    })
}

fn lint(export: &Value, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, serde_json::to_vec(export).unwrap()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_oidc-triage"))
        .args(["lint", "--no-config"])
        .arg(&path)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn list_roles_is_linted_role_by_role_riskiest_first() {
    let mut encoded = role("url-encoded", "repo:acme/api:*");
    // The raw IAM API leaves the document URL-encoded.
    let doc = encoded["AssumeRolePolicyDocument"].to_string();
    let enc: String = doc
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    encoded["AssumeRolePolicyDocument"] = Value::from(enc);
    let export = json!({"Roles": [
        role("pinned", "repo:acme/api:environment:production"),
        service_role(),
        role("wide-open", "repo:acme/*"),
        encoded,
    ]});
    let out = lint(&export, &["--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let configs = report["configurations"].as_array().unwrap();
    assert_eq!(configs.len(), 3, "{report}");
    let risk = |c: &Value| {
        c["rules"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["findings"].as_array().unwrap())
            .filter_map(|f| f["risk"].as_str())
            .map(|r| match r {
                "high" => 3,
                "medium" => 2,
                _ => 1,
            })
            .max()
            .unwrap_or(0)
    };
    let risks: Vec<i32> = configs.iter().map(risk).collect();
    let mut sorted = risks.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(risks, sorted, "not riskiest first");
    assert!(risks[0] > *risks.last().unwrap(), "{risks:?}");
    assert!(
        configs.last().unwrap()["description"]
            .as_str()
            .unwrap()
            .contains("pinned")
    );
    // Locators point into the export.
    let wide = configs
        .iter()
        .find(|c| c["description"].as_str().unwrap().contains("wide-open"))
        .unwrap();
    assert_eq!(
        wide["rules"][0]["locator"],
        "$.Roles[2].AssumeRolePolicyDocument.Statement[0]"
    );
    assert_eq!(
        wide["rules"][0]["findings"][0]["evidence"][0]["locator"],
        "$.Roles[2].AssumeRolePolicyDocument.Statement[0]"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 role(s) without a federated"));
    assert_eq!(out.status.code(), Some(1));
    // The text has the table first.
    let out = lint(&export, &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("risk    findings  configuration\nhigh"),
        "{text}"
    );
}

#[test]
fn account_authorization_details_and_sarif() {
    let export = json!({"RoleDetailList": [service_role(), role("branchy", "repo:acme/api:ref:refs/heads/*")], "UserDetailList": []});
    let out = lint(&export, &["--format", "sarif"]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let name = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        assert!(name.starts_with("$.RoleDetailList[1]."), "{name}");
    }
}

#[test]
fn a_thousand_roles_in_one_run() {
    let roles: Vec<Value> = (0..1000)
        .map(|i| {
            role(
                &format!("role-{i}"),
                if i % 2 == 0 {
                    "repo:acme/api:*"
                } else {
                    "repo:acme/api:environment:prod"
                },
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let out = lint(&json!({"Roles": roles}), &["--format", "json"]);
    let took = start.elapsed();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["configurations"].as_array().unwrap().len(), 1000);
    // A debug build on a shared machine: a generous bound, only against a hang.
    assert!(took.as_secs() < 60, "{took:?}");
    eprintln!("1000 roles linted in {took:?} (debug build)");
}
