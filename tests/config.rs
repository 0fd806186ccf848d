//! `.oidc-triage.toml`: found upward or named with `--config`; defaults that flags beat;
//! suppressions reported as suppressed (text, JSON, SARIF), never hidden, and an expired
//! one stops applying and says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ROLE: &str = "scenarios/aws-pull-request-gets-production-role/prod-deploy-role.json";
const STATEMENT: &str = "$.Role.AssumeRolePolicyDocument.Statement[0]";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A project folder with a config at its top, the role in `iam/`, and a work folder
/// `iam/deep` below it to run from.
fn project(config: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".oidc-triage.toml"), config).unwrap();
    let deep = dir.path().join("iam/deep");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::copy(root().join(ROLE), dir.path().join("iam/role.json")).unwrap();
    (dir, deep)
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oidc-triage"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

fn suppressions(live_until: &str, expired_on: &str) -> String {
    format!(
        r#"fail-on = "medium"
skew = 300

[[suppress]]
id = "trust.risk.pull-request-subject"
locator = "{STATEMENT}"
artifact = "role.json"
reason = "pull requests run only in a locked-down fork-free repo (SEC-12)"
expires = {live_until}

[[suppress]]
id = "trust.risk.any-branch"
locator = "{STATEMENT}"
reason = "branch protection covers it (SEC-13)"

[[suppress]]
id = "trust.risk.repo-wide-subject"
locator = "{STATEMENT}"
reason = "accepted until the environment exists (SEC-14)"
expires = "{expired_on}"

[[suppress]]
id = "token.expired"
locator = "$.exp"
reason = "matches nothing here"
"#
    )
}

#[test]
fn suppressions_are_reported_never_hidden_and_expiry_ends_them() {
    let (_dir, deep) = project(&suppressions("2099-12-31", "2020-01-01"));
    let out = run(&deep, &["lint", "../role.json", "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The findings are all still there…
    let ids: Vec<&str> = report["configurations"][0]["rules"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "trust.risk.pull-request-subject",
        "trust.risk.any-branch",
        "trust.risk.repo-wide-subject",
    ] {
        assert!(ids.contains(&id), "{id} hidden: {ids:?}");
    }
    // …and each suppression says how it stands.
    let s = report["suppressions"].as_array().unwrap();
    let status: Vec<(&str, &str)> = s
        .iter()
        .map(|x| (x["id"].as_str().unwrap(), x["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        [
            ("trust.risk.pull-request-subject", "applied"),
            ("trust.risk.any-branch", "applied"),
            ("trust.risk.repo-wide-subject", "expired"),
            ("token.expired", "unused"),
        ]
    );
    // The file's fail-on (medium) meets the expired suppression's medium finding.
    assert_eq!(out.status.code(), Some(1));
    // The published schema accepts the field.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("assets/schemas/lint-v1.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    assert!(v.is_valid(&report), "{report}");

    // A flag beats the file: at --fail-on high only suppressed findings reach it.
    let out = run(&deep, &["lint", "../role.json", "--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("suppressions (4):"), "{text}");
    assert!(text.contains("suppressed (1 finding(s))"), "{text}");
    assert!(text.contains("EXPIRED — no longer applies"), "{text}");
    assert!(text.contains("SEC-12"), "{text}");
    // Without the file the same lint fails on the high risks.
    let out = run(
        &deep,
        &["lint", "../role.json", "--fail-on", "high", "--no-config"],
    );
    assert_eq!(out.status.code(), Some(1));

    // SARIF: suppressed results keep their place, with the justification; the expired
    // one is a plain result whose message says it no longer applies.
    let out = run(&deep, &["lint", "../role.json", "--format", "sarif"]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let by_id = |id: &str| results.iter().find(|r| r["ruleId"] == id).unwrap();
    let pr = by_id("trust.risk.pull-request-subject");
    assert_eq!(pr["suppressions"][0]["kind"], "external");
    assert!(
        pr["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("until 2099-12-31")
    );
    let wide = by_id("trust.risk.repo-wide-subject");
    assert!(wide.get("suppressions").is_none());
    assert!(
        wide["message"]["text"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-01")
    );
}

#[test]
fn expiry_is_judged_at_now_when_given() {
    let (_dir, deep) = project(&suppressions("2026-06-30", "2026-06-30"));
    let at = |now: &str| {
        let out = run(
            &deep,
            &["lint", "../role.json", "--format", "json", "--now", now],
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["suppressions"][0]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(at("2026-06-30T23:59:00Z"), "applied"); // through the day it names
    assert_eq!(at("2026-07-01T00:00:00Z"), "expired");
}

#[test]
fn diagnose_reports_suppressions_and_fail_on_counts_only_live_ones() {
    let (_dir, deep) = project(&suppressions("2099-12-31", "2099-12-31"));
    // Every risk is suppressed: --fail-on low does not fail on them.
    let out = run(
        &deep,
        &[
            "diagnose",
            "../role.json",
            "--format",
            "json",
            "--fail-on",
            "low",
        ],
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(out.status.code(), Some(1), "{d}");
    assert!(d["findings"].as_array().unwrap().len() >= 3);
    assert_eq!(d["suppressions"][0]["status"], "applied");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("assets/schemas/diagnosis-v1.json")).unwrap(),
    )
    .unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&d));
    let out = run(
        &deep,
        &[
            "diagnose",
            "../role.json",
            "--fail-on",
            "low",
            "--no-config",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn skew_from_the_file_and_the_flag_beats_it() {
    let (dir, deep) = project("skew = 300\n");
    let sample = root().join("assets/sample/id-token.json");
    let sample = sample.to_str().unwrap();
    let skew = |args: &[&str]| {
        let out = run(&deep, args);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["times"]["skew_seconds"].as_i64().unwrap()
    };
    assert_eq!(skew(&["decode", sample, "--format", "json"]), 300);
    assert_eq!(
        skew(&["decode", sample, "--format", "json", "--skew", "5"]),
        5
    );
    assert_eq!(
        skew(&["decode", sample, "--format", "json", "--no-config"]),
        60
    );
    // --config names a file anywhere.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "skew = 42\n").unwrap();
    let other = other.to_str().unwrap();
    assert_eq!(
        skew(&["decode", sample, "--format", "json", "--config", other]),
        42
    );
}

#[test]
fn a_bad_config_is_a_usage_error_naming_the_file() {
    for (text, needle) in [
        ("fail-on = \"sometimes\"\n", "fail-on"),
        ("skwe = 1\n", "skwe"),
        (
            "[[suppress]]\nid = \"trust.no-such-rule\"\nlocator = \"$\"\nreason = \"x\"\n",
            "not a finding id",
        ),
        (
            "[[suppress]]\nid = \"token.expired\"\nlocator = \"$\"\nreason = \"x\"\nexpires = \"soon\"\n",
            "not a date",
        ),
    ] {
        let (_dir, deep) = project(text);
        let out = run(&deep, &["lint", "../role.json"]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(".oidc-triage.toml") && err.contains(needle),
            "{text}: {err}"
        );
    }
}

#[test]
fn folders_in_the_file_are_relative_to_it() {
    let (dir, deep) = project("scenarios = \"incidents\"\n");
    let mine = dir.path().join("incidents/aws-my-copy");
    std::fs::create_dir_all(&mine).unwrap();
    let src = root().join("scenarios/aws-pull-request-gets-production-role");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(e.path(), mine.join(e.file_name())).unwrap();
    }
    let out = run(&deep, &["scenarios", "list", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let slugs: Vec<&str> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    assert!(slugs.contains(&"aws-my-copy"), "{slugs:?}");
}
