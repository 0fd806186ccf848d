//! The trust stage end to end, through the real binary: `diagnose` with a token and a
//! trust configuration (the deciding condition, the near miss, `trust.allowed`), `lint`
//! (blast radius, risk, `--fail-on`), and bad trust input (malformed JSON with line and
//! column, another cloud's configuration, a CEL expression that does not compile, a
//! 50 MB policy).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oidc-triage"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn scenario(path: &str) -> String {
    format!("{}/scenarios/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

const ENV_VS_BRANCH: &str = "aws-environment-subject-vs-branch-policy";
const PR_PROD: &str = "aws-pull-request-gets-production-role";

#[test]
fn diagnose_names_the_deciding_condition_and_the_near_miss() {
    let o = run(
        &[
            "diagnose",
            &scenario(&format!("{ENV_VS_BRANCH}/id-token.json")),
            &scenario(&format!("{ENV_VS_BRANCH}/get-role.json")),
            "--now",
            "2026-03-02T10:15:00Z",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(v["stopped_at"], "trust");
    assert_eq!(v["trust"]["evaluated"], true);
    assert_eq!(v["trust"]["allowed"], false);
    assert_eq!(v["trust"]["cloud"], "aws");
    let failed: Vec<&Value> = v["trust"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["matched"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{:#}", v["trust"]);
    let sub = failed[0];
    assert_eq!(
        sub["actual"],
        "repo:acme/payments-api:environment:production"
    );
    assert!(
        sub["locator"]
            .as_str()
            .unwrap()
            .starts_with("$.Role.AssumeRolePolicyDocument.Statement"),
        "{}",
        sub["locator"]
    );
    assert!(
        sub["near_miss"]["explanation"]
            .as_str()
            .unwrap()
            .contains("environment subject, not a ref subject")
    );
    let finding = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "trust.aws.subject-mismatch")
        .unwrap();
    assert_eq!(finding["severity"], "error");
    assert!(
        finding["cause"]
            .as_str()
            .unwrap()
            .contains("Not authorized to perform sts:AssumeRoleWithWebIdentity"),
        "{}",
        finding["cause"]
    );
    // The denied pull request path is evaluated too.
    assert_eq!(v["what_if"][0]["allowed"], false);
}

#[test]
fn diagnose_text_shows_each_condition_with_a_mark() {
    let o = run(
        &[
            "diagnose",
            &scenario(&format!("{ENV_VS_BRANCH}/id-token.json")),
            &scenario(&format!("{ENV_VS_BRANCH}/get-role.json")),
            "--now",
            "2026-03-02T10:15:00Z",
        ],
        b"",
    );
    let out = stdout(&o);
    assert!(
        out.contains("AWS trust conditions  ✗ refuses the token"),
        "{out}"
    );
    assert!(
        out.contains("✓ token.actions.githubusercontent.com:aud"),
        "{out}"
    );
    assert!(
        out.contains("✗ token.actions.githubusercontent.com:sub"),
        "{out}"
    );
    assert!(out.contains("near miss:"), "{out}");
}

#[test]
fn a_healthy_but_insecure_path_is_admitted_with_high_risk() {
    let o = run(
        &[
            "diagnose",
            &scenario(&format!("{PR_PROD}/id-token.json")),
            &scenario(&format!("{PR_PROD}/prod-deploy-role.json")),
            "--now",
            "2026-06-18T11:20:00Z",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "no failure, evidence stops before audit: {}",
        stderr(&o)
    );
    let v = json_of(&o);
    assert_eq!(v["trust"]["allowed"], true);
    assert_eq!(v["stages"][2]["status"], "passed");
    let risky: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["risk"] == "high")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        risky.contains(&"trust.risk.pull-request-subject"),
        "{risky:?}"
    );
    let md = stdout(&run(
        &[
            "diagnose",
            &scenario(&format!("{PR_PROD}/id-token.json")),
            &scenario(&format!("{PR_PROD}/prod-deploy-role.json")),
            "--now",
            "2026-06-18T11:20:00Z",
            "--format",
            "markdown",
        ],
        b"",
    ));
    assert!(md.contains("Healthy but insecure"), "{md}");
    assert!(md.contains("## Trust conditions"), "{md}");
}

#[test]
fn lint_prints_the_blast_radius_and_fails_on_high_risk() {
    let policy = scenario(&format!("{PR_PROD}/prod-deploy-role.json"));
    let o = run(&["lint", &policy], b"");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("a pull request"), "{out}");
    assert!(out.contains("trust.risk.pull-request-subject"), "{out}");
    assert!(
        out.contains("environment:production"),
        "the fix pins an environment: {out}"
    );

    let v = json_of(&run(&["lint", &policy, "--format", "json"], b""));
    assert_eq!(v["schema"], "oidc-triage/lint/v1");
    assert_eq!(v["max_risk"], "high");
    let rule = &v["configurations"][0]["rules"][0];
    assert!(rule["locator"].as_str().unwrap().contains("Statement"));
    let admits = rule["admits"].as_array().unwrap();
    let admitted = |c: &str| {
        admits
            .iter()
            .any(|a| a["context"] == c && a["admitted"] == true)
    };
    assert!(
        admitted("pull-request")
            && admitted("other-branch-push")
            && admitted("default-branch-push")
    );
    assert!(!admitted("other-repo-same-org") && !admitted("other-org"));
}

#[test]
fn lint_of_a_pinned_policy_passes_unless_fail_on_low() {
    let policy = scenario(&format!("{ENV_VS_BRANCH}/get-role.json"));
    assert_eq!(run(&["lint", &policy], b"").status.code(), Some(0));
    assert_eq!(
        run(&["lint", &policy, "--fail-on", "low"], b"")
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn every_scenario_trust_configuration_lints() {
    for (path, cloud) in [
        (
            "azure-aadsts70021-subject/federated-credentials.json",
            "azure",
        ),
        ("gcp-attribute-condition-rejects/provider.json", "gcp"),
        ("vault-bound-claims-glob-as-string/vault-role.json", "vault"),
        ("aws-explicit-deny-pull-request/trust-policy.json", "aws"),
    ] {
        let o = run(
            &[
                "lint",
                &scenario(path),
                "--format",
                "json",
                "--fail-on",
                "high",
            ],
            b"",
        );
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{path}: {}",
            stderr(&o)
        );
        assert_eq!(json_of(&o)["configurations"][0]["cloud"], cloud, "{path}");
    }
}

#[test]
fn malformed_policy_json_reports_line_and_column() {
    let broken = b"{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Principal\": {\"Federated\": \"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com\"},\n     \"Action\": \"sts:AssumeRoleWithWebIdentity\" \"Condition\": {}}\n  ]\n}\n";
    let o = run(&["lint", "-"], broken);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("column"), "{err}");
}

#[test]
fn a_policy_for_another_cloud_is_a_trust_finding_not_bad_input() {
    // An AWS-audience token against Azure federated credentials.
    let o = run(
        &[
            "diagnose",
            &scenario(&format!("{ENV_VS_BRANCH}/id-token.json")),
            &scenario("azure-aadsts70021-subject/federated-credentials.json"),
            "--now",
            "2026-03-02T10:15:00Z",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json_of(&o);
    assert!(
        v["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["error"].is_null())
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"].as_str().unwrap().starts_with("trust.azure."))
    );
}

#[test]
fn a_cel_expression_that_does_not_compile_is_a_clear_error() {
    let provider = json!({
        "name": "projects/412345678901/locations/global/workloadIdentityPools/github/providers/github-actions",
        "state": "ACTIVE",
        "attributeMapping": {"google.subject": "assertion.sub"},
        "attributeCondition": "assertion.repository_owner == ",
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
    });
    let o = run(&["diagnose", "-"], provider.to_string().as_bytes());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("attributeCondition") && err.contains("does not compile"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn a_fifty_megabyte_policy_is_evaluated_without_trouble() {
    // 2,000 statements of 20 long subjects each: about 50 MB, the size of no real policy.
    let padding = "x".repeat(1150);
    let mut statements = Vec::new();
    for i in 0..2_000 {
        let subjects: Vec<String> = (0..20)
            .map(|j| format!("repo:acme/service-{i:05}-{j:02}-{padding}:ref:refs/heads/main"))
            .collect();
        statements.push(json!({
            "Sid": format!("S{i}"),
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": subjects}}
        }));
    }
    let policy =
        serde_json::to_vec(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap();
    assert!(policy.len() > 45 * 1024 * 1024, "{}", policy.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-policy.json");
    std::fs::write(&path, &policy).unwrap();
    let o = run(
        &[
            "diagnose",
            &scenario(&format!("{ENV_VS_BRANCH}/id-token.json")),
            path.to_str().unwrap(),
            "--now",
            "2026-03-02T10:15:00Z",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(v["trust"]["allowed"], false);
}
