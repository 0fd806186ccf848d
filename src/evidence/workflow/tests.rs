//! Tests of workflow recognition and evidence, on the fixtures in
//! `tests/fixtures/workflows/` (their README cites where each shape comes from).
//!
//! Index:
//! - recognition: each fixture is recognised as its platform; logs, JSON, empty and
//!   binary input are not; broken files are reported with line and column.
//! - GitHub: permissions (workflow, job, none, read-all), each finding, inputs,
//!   predictions (subject, audience) and correlation with a loaded token.
//! - GitLab: id_tokens (job, default, extends, merge key), each finding, predictions.
//! - bounds: billion laughs, deep nesting, a huge file, a 2 GB stream.
//! - end to end: the finding lands on the workflow stage and stops the diagnosis there.
//! - knowledge: every finding and evidence line the fixtures produce is filled from
//!   the knowledge file; values stay single words in next-evidence commands.
//! - a proptest that no input panics and every summary is terminal-safe.

use std::io::Read;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::clock::Clock;
use crate::evidence::{Filters, recognise, sources};
use crate::token::claims::Claims;
use crate::vocabulary::{Finding, Outcome, Risk, Severity, Stage, StageStatus};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/workflows/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn facts_with(claims: &[&str]) -> SharedFacts {
    SharedFacts {
        tokens: Vec::new(),
        claims: claims
            .iter()
            .map(|c| {
                (
                    "token.json".to_owned(),
                    Claims::sniff(c.as_bytes()).unwrap(),
                )
            })
            .collect(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters::default(),
        clock: Clock::fixed(1_772_446_500),
        skew: 60,
    }
}

fn load(name: &str) -> WorkflowFile {
    WorkflowFile::from_bytes(&fixture(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .unwrap_or_else(|| panic!("{name} not recognised"))
}

fn observe_with(name: &str, claims: &[&str]) -> Observations {
    let mut out = Observations::default();
    load(name).observe(name, &facts_with(claims), &mut out);
    out
}

fn observe(name: &str) -> Observations {
    observe_with(name, &[])
}

fn ids(out: &Observations) -> Vec<&'static str> {
    out.findings.iter().map(|f| f.id).collect()
}

fn finding<'a>(out: &'a Observations, id: &str) -> &'a Finding {
    out.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(out)))
}

fn line_of(name: &str, needle: &str) -> usize {
    let text = String::from_utf8(fixture(name)).unwrap();
    1 + text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in {name}"))
}

fn summaries(out: &Observations) -> String {
    out.evidence
        .iter()
        .map(|e| format!("{} | {:?} | {}", e.locator, e.outcome, e.summary))
        .collect::<Vec<_>>()
        .join("\n")
}

fn errors(out: &Observations) -> Vec<&'static str> {
    out.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.id)
        .collect()
}

fn input(name: &str) -> Input {
    Input::pasted(name, fixture(name))
}

// --- recognition ----------------------------------------------------------------

fn fixture_names() -> Vec<String> {
    let dir = format!("{}/tests/fixtures/workflows", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    names
}

fn expected_kind(name: &str) -> ArtifactKind {
    if name.starts_with("gitlab") {
        ArtifactKind::WorkflowFileGitlab
    } else {
        ArtifactKind::WorkflowFileGithubActions
    }
}

fn broken_fixture(name: &str) -> bool {
    matches!(name, "github-tabs.yml" | "billion-laughs.yml")
}

#[test]
fn every_fixture_is_recognised_as_its_platform() {
    let names = fixture_names();
    assert!(names.len() >= 25, "{names:?}");
    for name in &names {
        let r = recognise(
            &input(name),
            &[Box::new(WorkflowFileSource) as Box<dyn EvidenceSource>],
        );
        if broken_fixture(name) {
            assert!(r.summary.error.is_some(), "{name}: {:?}", r.summary);
            assert_eq!(r.summary.kind, ArtifactKind::WorkflowFileGithubActions);
        } else {
            assert_eq!(
                r.summary.kind,
                expected_kind(name),
                "{name}: {:?}",
                r.summary
            );
            assert!(r.summary.error.is_none(), "{name}: {:?}", r.summary);
        }
    }
}

/// Through every source, in `sources()` order, no earlier source claims a workflow
/// file. Regression: files naming a GCP provider (`…/workloadIdentityPools/…`) were
/// claimed by the GCP provider's damaged-JSON fallback.
#[test]
fn no_earlier_source_claims_a_workflow_file() {
    let sources = sources();
    for name in fixture_names() {
        let r = recognise(&input(&name), &sources);
        assert_eq!(
            r.summary.kind,
            if broken_fixture(&name) {
                ArtifactKind::WorkflowFileGithubActions
            } else {
                expected_kind(&name)
            },
            "{name}: {:?}",
            r.summary
        );
    }
}

#[test]
fn logs_json_empty_and_binary_are_not_workflow_files() {
    let not_mine = [
        "2024-05-01T10:00:00.0000000Z ##[group]Run aws-actions/configure-aws-credentials@v4\n2024-05-01T10:00:00.0000000Z with:\n2024-05-01T10:00:00.0000000Z   role-to-assume: arn:aws:iam::1:role/x\n2024-05-01T10:00:01.0000000Z ##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n".as_bytes().to_vec(),
        br#"{"on": "push", "jobs": {"a": {"runs-on": "x"}}}"#.to_vec(),
        Vec::new(),
        b"   \n\n".to_vec(),
        vec![0u8, 159, 146, 150, 255, 0, 1, 2],
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  script: |\n    echo hi\n".to_vec(),
        b"services:\n  web:\n    image: nginx\n".to_vec(),
        b"- hosts: all\n  tasks:\n    - script: foo.sh\n".to_vec(),
    ];
    for bytes in not_mine {
        assert!(
            WorkflowFile::from_bytes(&bytes).unwrap().is_none(),
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn yaml_errors_are_reported_with_line_and_column() {
    let err = WorkflowFile::from_bytes(&fixture("github-tabs.yml"))
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(
        matches!(err, WorkflowError::Syntax { line: 5, .. }),
        "{text}"
    );
    assert!(text.contains("line 5 column"), "{text}");
    assert!(text.contains("no job of it runs"), "{text}");
}

#[test]
fn invalid_utf8_names_the_offset() {
    let mut bytes = fixture("github-aws-oidc.yml");
    let at = bytes.len() - 10;
    bytes[at] = 0xff;
    let err = WorkflowFile::from_bytes(&bytes).err().unwrap();
    assert!(
        matches!(err, WorkflowError::InvalidUtf8 { offset, .. } if offset == at),
        "{err}"
    );
}

#[test]
fn a_truncated_large_input_is_refused_with_its_size() {
    let mut input = input("github-aws-oidc.yml");
    input.truncated = true;
    input.size = 3_000_000_000;
    let r = recognise(&input, &sources());
    assert_eq!(r.summary.kind, ArtifactKind::WorkflowFileGithubActions);
    assert!(r.summary.error.unwrap().contains("3000000000 bytes"));
}

/// A 2 GB single-line stream (never a file on disk): refused after reading one byte
/// past the limit.
#[test]
fn a_two_gigabyte_stream_is_refused_without_reading_it_all() {
    struct Endless {
        head: &'static [u8],
        served: u64,
        total: u64,
    }
    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.served >= self.total {
                return Ok(0);
            }
            let n = buf.len().min((self.total - self.served) as usize);
            for (i, b) in buf[..n].iter_mut().enumerate() {
                let at = self.served as usize + i;
                *b = self.head.get(at).copied().unwrap_or(b'a');
            }
            self.served += n as u64;
            Ok(n)
        }
    }
    let mut reader = Endless {
        head: b"on: push\njobs:\n  a:\n    runs-on: x\n# ",
        served: 0,
        total: 2 * 1024 * 1024 * 1024,
    };
    let started = Instant::now();
    let err = WorkflowFile::from_reader(&mut reader).err().unwrap();
    assert!(matches!(err, WorkflowError::TooLarge { .. }), "{err}");
    assert!(reader.served <= yaml::MAX_YAML_BYTES as u64 + 64 * 1024);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn billion_laughs_gives_a_clear_error_quickly() {
    let started = Instant::now();
    let err = WorkflowFile::from_bytes(&fixture("billion-laughs.yml"))
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            WorkflowError::AliasBudget { .. } | WorkflowError::AliasHazard { .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("line"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_huge_workflow_is_evaluated_with_bounded_evidence() {
    let mut text = String::from("name: Huge\non:\n  push:\n    branches: [main]\njobs:\n");
    for i in 0..5000 {
        text.push_str(&format!(
            "  job{i}:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - uses: actions/checkout@v4\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::111122223333:role/r{i}\n          aws-region: us-east-1\n"
        ));
    }
    let started = Instant::now();
    let file = WorkflowFile::from_bytes(text.as_bytes()).unwrap().unwrap();
    let mut out = Observations::default();
    file.observe("huge.yml", &facts_with(&[]), &mut out);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(out.evidence.len() < 1000, "{}", out.evidence.len());
    assert!(summaries(&out).contains("4900 more jobs"));
    assert!(errors(&out).is_empty());
}

// --- GitHub ---------------------------------------------------------------------

#[test]
fn aws_docs_example_passes_and_predicts_subject_and_audience() {
    let out = observe("github-aws-oidc.yml");
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
    let pass = out
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Pass)
        .unwrap();
    assert_eq!(pass.stage, Stage::Workflow);
    assert_eq!(pass.basis, crate::vocabulary::Basis::Static);
    let line = line_of("github-aws-oidc.yml", "id-token: write");
    assert_eq!(
        pass.locator,
        format!("line {line}: permissions.id-token: write")
    );
    let s = summaries(&out);
    assert!(s.contains("aud `sts.amazonaws.com`"), "{s}");
    assert!(
        s.contains("`repo:OWNER/REPO:ref:refs/heads/<pushed branch>`"),
        "{s}"
    );
    assert!(s.contains("OWNER/REPO: give a token"), "{s}");
    assert!(
        out.next_evidence.iter().any(|n| n
            .command
            .contains("aws iam get-role --role-name example-role")),
        "{:?}",
        out.next_evidence
    );
    // A single job that logs in is not "everywhere".
    assert!(!ids(&out).contains(&"workflow.github.id-token-write-everywhere"));
}

#[test]
fn azure_gcp_vault_docs_examples_pass_with_their_audiences() {
    let azure = observe("github-azure-oidc.yml");
    assert!(errors(&azure).is_empty(), "{:?}", ids(&azure));
    assert!(summaries(&azure).contains("aud `api://AzureADTokenExchange`"));

    let gcp = observe("github-gcp-oidc.yml");
    assert!(errors(&gcp).is_empty(), "{:?}", ids(&gcp));
    let s = summaries(&gcp);
    assert!(s.contains("aud `https://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/my-pool/providers/my-provider`"), "{s}");
    assert!(
        s.contains("`repo:OWNER/REPO:ref:refs/heads/main` on push to `main`"),
        "{s}"
    );
    assert!(gcp.next_evidence.iter().any(|n| n.command
        == "gcloud iam workload-identity-pools providers describe my-provider --project=123456789 --location=global --workload-identity-pool=my-pool --format=json"));

    let vault = observe("github-vault-oidc.yml");
    assert!(errors(&vault).is_empty(), "{:?}", ids(&vault));
    let s = summaries(&vault);
    assert!(s.contains("aud `https://github.com/OWNER`"), "{s}");
    assert!(s.contains("sigstore"), "{s}");
    assert!(
        s.contains("`repo:OWNER/REPO:ref:refs/tags/v*` on push of tag `v*` (a pattern"),
        "{s}"
    );
    assert!(
        vault
            .next_evidence
            .iter()
            .any(|n| n.command == "vault read -format=json auth/jwt/role/github-actions")
    );
}

#[test]
fn a_permissions_block_without_id_token_fails_the_workflow_stage() {
    let name = "github-missing-id-token.yml";
    let out = observe(name);
    let f = finding(&out, "workflow.github.missing-id-token-permission");
    assert_eq!(f.stage, Stage::Workflow);
    assert_eq!(f.severity, Severity::Error);
    let ev = &f.evidence[0];
    assert_eq!(ev.outcome, Outcome::Fail);
    assert_eq!(ev.basis, crate::vocabulary::Basis::Static);
    assert_eq!(
        ev.locator,
        format!("line {}: permissions", line_of(name, "permissions:"))
    );
    assert!(
        f.cause
            .contains("every scope a `permissions` block does not list is set to none"),
        "{}",
        f.cause
    );
    assert!(f.cause.contains("`deploy`"), "{}", f.cause);
    assert!(
        f.fix.contains("id-token: write") && f.fix.contains("contents: read"),
        "{}",
        f.fix
    );
    assert!(f.fix.contains("Give job `deploy`"), "{}", f.fix);
    assert!(
        f.fix
            .contains("`permissions: { id-token: write, contents: read }`"),
        "{}",
        f.fix
    );
    assert_eq!(
        ids(&out)
            .iter()
            .filter(|i| i.contains("missing-id-token"))
            .count(),
        1
    );
    assert!(
        out.next_evidence
            .iter()
            .any(|n| n.command == "gh run list --workflow Deploy --limit 5"),
        "{:?}",
        out.next_evidence
    );
}

#[test]
fn no_permissions_anywhere_means_the_default_token_without_id_token() {
    let name = "github-no-permissions.yml";
    let out = observe(name);
    let f = finding(&out, "workflow.github.missing-id-token-permission");
    assert!(
        f.cause.contains("default GITHUB_TOKEN permissions"),
        "{}",
        f.cause
    );
    assert_eq!(
        f.evidence[0].locator,
        format!("line {}: jobs.publish", line_of(name, "publish:"))
    );
    assert!(
        f.fix
            .contains("its own block, `permissions: { id-token: write, contents: read }`"),
        "{}",
        f.fix
    );
}

#[test]
fn job_level_permissions_replace_the_workflow_level_block() {
    let yaml = "on: push\npermissions:\n  id-token: write\njobs:\n  deploy:\n    runs-on: x\n    permissions:\n      contents: read\n    steps:\n      - uses: azure/login@v2\n        with:\n          client-id: a\n          tenant-id: b\n          subscription-id: c\n";
    let file = WorkflowFile::from_bytes(yaml.as_bytes()).unwrap().unwrap();
    let mut out = Observations::default();
    file.observe("w.yml", &facts_with(&[]), &mut out);
    let f = finding(&out, "workflow.github.missing-id-token-permission");
    assert_eq!(f.evidence[0].locator, "line 7: jobs.deploy.permissions");
    assert!(
        f.cause.contains("the job's own `permissions` (line 7)"),
        "{}",
        f.cause
    );
    assert!(f.fix.contains("Set `id-token: write` in job `deploy`'s `permissions` (line 7): `permissions: { id-token: write, contents: read }`"), "{}", f.fix);

    for (grant, expect_fail) in [
        ("read-all", true),
        ("write-all", false),
        ("{}", true),
        ("\n  id-token: read", true),
        ("\n  id-token: none", true),
    ] {
        let yaml = format!(
            "on: push\npermissions: {grant}\njobs:\n  d:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/r\n          aws-region: us-east-1\n"
        );
        let file = WorkflowFile::from_bytes(yaml.as_bytes()).unwrap().unwrap();
        let mut out = Observations::default();
        file.observe("w.yml", &facts_with(&[]), &mut out);
        assert_eq!(
            ids(&out).contains(&"workflow.github.missing-id-token-permission"),
            expect_fail,
            "{grant}: {:?}",
            ids(&out)
        );
    }
}

#[test]
fn environment_subject_is_predicted_and_filled_from_a_token() {
    let name = "github-environment.yml";
    let out = observe(name);
    assert!(summaries(&out).contains("`repo:OWNER/REPO:environment:production` on every trigger"));
    let token = r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/payments-api:environment:production","aud":"sts.amazonaws.com","repository":"acme/payments-api","environment":"production","event_name":"push","workflow":"Release"}"#;
    let out = observe_with(name, &[token]);
    let s = summaries(&out);
    assert!(
        s.contains("`repo:acme/payments-api:environment:production`"),
        "{s}"
    );
    assert!(s.contains("is the one predicted for job `deploy`"), "{s}");
    assert!(!s.contains("OWNER/REPO"), "{s}");
}

#[test]
fn a_token_from_a_branch_run_is_traced_to_the_job_that_now_has_an_environment() {
    let token = r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/payments-api:ref:refs/heads/main","aud":"sts.amazonaws.com","repository":"acme/payments-api","event_name":"push","workflow":"Release"}"#;
    let out = observe_with("github-environment.yml", &[token]);
    let s = summaries(&out);
    assert!(
        s.contains(
            "most likely comes from job `deploy`, but its subject is none of those predicted"
        ),
        "{s}"
    );
    let other = r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/payments-api:ref:refs/heads/main","aud":"api://AzureADTokenExchange","repository":"acme/payments-api","event_name":"schedule","workflow":"Nightly"}"#;
    let out = observe_with("github-environment.yml", &[other]);
    let s = summaries(&out);
    assert!(s.contains("matches no job of this workflow: it probably comes from another workflow (its `workflow` claim is `Nightly`)"), "{s}");
}

#[test]
fn a_token_that_fits_the_failing_job_turns_the_failure_into_a_note() {
    let token = r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/site:ref:refs/heads/main","aud":"sts.amazonaws.com","repository":"acme/site","event_name":"push","workflow":"Deploy"}"#;
    let out = observe_with("github-missing-id-token.yml", &[token]);
    assert!(
        !ids(&out).contains(&"workflow.github.missing-id-token-permission"),
        "{:?}",
        ids(&out)
    );
    assert!(summaries(&out).contains("the workflow that ran differs from this file"));
}

#[test]
fn pull_request_target_with_head_checkout_and_credentials_is_high_risk() {
    let name = "github-pull-request-target-checkout.yml";
    let out = observe(name);
    let target = finding(&out, "workflow.github.pull-request-target");
    assert_eq!(target.risk, Some(Risk::Medium));
    assert_eq!(target.evidence[0].outcome, Outcome::Info);
    assert_eq!(
        target.evidence[0].locator,
        format!(
            "line {}: on.pull_request_target",
            line_of(name, "pull_request_target:")
        )
    );
    let checkout = finding(&out, "workflow.github.pull-request-target-checkout");
    assert_eq!(checkout.risk, Some(Risk::High));
    assert_eq!(
        checkout.evidence[0].locator,
        format!(
            "line {}: jobs.preview.steps[0]",
            line_of(name, "- uses: actions/checkout@v4")
        )
    );
    assert!(
        checkout
            .cause
            .contains("github.event.pull_request.head.sha"),
        "{}",
        checkout.cause
    );
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
}

#[test]
fn pull_request_target_without_a_head_checkout_is_only_medium() {
    let yaml = "on: pull_request_target\npermissions:\n  id-token: write\njobs:\n  label:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/r\n          aws-region: us-east-1\n";
    let file = WorkflowFile::from_bytes(yaml.as_bytes()).unwrap().unwrap();
    let mut out = Observations::default();
    file.observe("w.yml", &facts_with(&[]), &mut out);
    assert!(ids(&out).contains(&"workflow.github.pull-request-target"));
    assert!(!ids(&out).contains(&"workflow.github.pull-request-target-checkout"));
}

#[test]
fn pull_request_logins_are_reported_with_the_fork_caveat() {
    let name = "github-pull-request-plan.yml";
    let out = observe(name);
    let run = finding(&out, "workflow.github.pull-request-run");
    assert_eq!(run.severity, Severity::Info);
    assert!(
        run.cause.contains("repo:OWNER/REPO:pull_request"),
        "{}",
        run.cause
    );
    let fork = finding(&out, "workflow.github.fork-pull-request");
    assert!(fork.cause.contains("public forks"), "{}", fork.cause);
    assert!(
        fork.fix
            .contains("github.event.pull_request.head.repo.full_name == github.repository")
    );
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
}

#[test]
fn id_token_write_for_every_job_is_low_risk() {
    let name = "github-id-token-everywhere.yml";
    let out = observe(name);
    let f = finding(&out, "workflow.github.id-token-write-everywhere");
    assert_eq!(f.risk, Some(Risk::Low));
    assert!(f.cause.contains("`lint`, `test`"), "{}", f.cause);
    assert!(f.cause.contains("only `deploy` need(s) it"), "{}", f.cause);
    assert_eq!(
        f.evidence[0].locator,
        format!("line {}: permissions", line_of(name, "permissions:"))
    );
    assert!(out.next_evidence.iter().any(|n| n.command
        == "az ad app federated-credential list --id 00000000-1111-2222-3333-444444444444 --output json"));
}

#[test]
fn missing_and_wrong_inputs_of_login_actions() {
    let name = "github-inputs-missing.yml";
    let out = observe(name);
    let missing: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.id == "workflow.action-input-missing")
        .collect();
    let wrong: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.id == "workflow.action-misconfigured")
        .collect();
    let causes = |fs: &[&Finding]| {
        fs.iter()
            .map(|f| f.cause.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        causes(&missing).contains("`aws-region` is required"),
        "{}",
        causes(&missing)
    );
    assert!(
        causes(&missing).contains("`tenant-id` is required"),
        "{}",
        causes(&missing)
    );
    assert!(
        !causes(&missing).contains("subscription-id"),
        "allow-no-subscriptions: true"
    );
    assert!(
        causes(&missing).contains("`token_format: access_token` needs `service_account`"),
        "{}",
        causes(&missing)
    );
    assert!(
        causes(&wrong).contains("is a role name, not an ARN"),
        "{}",
        causes(&wrong)
    );
    assert!(
        causes(&wrong).contains("is not a provider's full name"),
        "{}",
        causes(&wrong)
    );
    for f in missing.iter().chain(&wrong) {
        assert_eq!(f.stage, Stage::Workflow);
        assert_eq!(f.evidence[0].outcome, Outcome::Fail);
        assert!(
            f.evidence[0].locator.contains(".steps[0]"),
            "{}",
            f.evidence[0].locator
        );
    }
    let tenant = missing
        .iter()
        .find(|f| f.cause.contains("tenant-id"))
        .unwrap();
    assert_eq!(
        tenant.evidence[0].locator,
        format!(
            "line {}: jobs.azure.steps[0]",
            line_of(name, "tenant-id: \"\"")
        )
    );
}

#[test]
fn token_requests_in_scripts_are_logins_too() {
    let out = observe("github-curl-token.yml");
    let s = summaries(&out);
    assert!(
        s.contains(
            "`api://AzureADTokenExchange` (a script requesting $ACTIONS_ID_TOKEN_REQUEST_URL"
        ),
        "{s}"
    );
    assert!(
        s.contains("`sts.amazonaws.com` (actions/github-script@v7 calling core.getIDToken"),
        "{s}"
    );
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
}

#[test]
fn a_true_key_is_read_as_on() {
    let out = observe("github-true-key.yml");
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
    assert!(summaries(&out).contains("`repo:OWNER/REPO:ref:refs/heads/main` on push to `main`"));
}

#[test]
fn duplicate_keys_make_github_reject_the_file() {
    let name = "github-duplicate-key.yml";
    let file = load(name);
    assert!(file.note().unwrap().contains("1 duplicate key(s)"));
    let out = observe(name);
    let dup = out
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Fail)
        .unwrap();
    let line = 1 + String::from_utf8(fixture(name))
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "pull_request:")
        .nth(1)
        .unwrap()
        .0;
    assert_eq!(dup.locator, format!("line {line}: pull_request"));
    assert!(
        dup.summary.contains(&format!(
            "(Line: {line}, Col: 3): 'pull_request' is already defined"
        )),
        "{}",
        dup.summary
    );
}

#[test]
fn anchors_and_aliases_are_followed_with_the_anchor_line() {
    let name = "github-anchors.yml";
    let out = observe(name);
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
    let passes = out
        .evidence
        .iter()
        .filter(|e| e.outcome == Outcome::Pass)
        .count();
    assert_eq!(passes, 2, "{}", summaries(&out));
    assert!(summaries(&out).contains("`repo:OWNER/REPO:environment:production`"));
}

#[test]
fn a_reusable_workflow_without_permissions_depends_on_its_caller() {
    let out = observe("github-reusable-called.yml");
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
    let s = summaries(&out);
    assert!(s.contains("it gets its caller's"), "{s}");
    assert!(
        s.contains("environment:<${{ inputs.environment }}, evaluated at run time>"),
        "{s}"
    );
}

#[test]
fn a_job_that_calls_a_reusable_workflow_passes_on_its_permissions() {
    let yaml = "on: push\njobs:\n  call:\n    uses: acme/infra/.github/workflows/deploy.yml@main\n    permissions:\n      id-token: write\n  build:\n    runs-on: x\n    steps:\n      - run: make\n";
    let file = WorkflowFile::from_bytes(yaml.as_bytes()).unwrap().unwrap();
    let mut out = Observations::default();
    file.observe("w.yml", &facts_with(&[]), &mut out);
    let s = summaries(&out);
    assert!(s.contains("line 4: jobs.call.uses"), "{s}");
    assert!(s.contains("grants `id-token: write`"), "{s}");
}

#[test]
fn static_credentials_are_noted_not_failed() {
    let yaml = "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: ${{ secrets.KEY }}\n          aws-secret-access-key: ${{ secrets.SECRET }}\n          aws-region: us-east-1\n";
    let file = WorkflowFile::from_bytes(yaml.as_bytes()).unwrap().unwrap();
    let mut out = Observations::default();
    file.observe("w.yml", &facts_with(&[]), &mut out);
    assert!(out.findings.is_empty(), "{:?}", ids(&out));
    assert!(summaries(&out).contains("uses access keys from its inputs, not the job's OIDC token"));
}

fn observe_text(yaml: &str, claims: &[&str]) -> Observations {
    let file = WorkflowFile::from_bytes(yaml.as_bytes()).unwrap().unwrap();
    let mut out = Observations::default();
    file.observe("w.yml", &facts_with(claims), &mut out);
    out
}

#[test]
fn a_job_limited_to_push_is_not_a_pull_request_login() {
    let yaml = "on: [push, pull_request]\npermissions:\n  id-token: write\njobs:\n  deploy:\n    if: github.event_name == 'push'\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/r\n          aws-region: us-east-1\n";
    let out = observe_text(yaml, &[]);
    assert!(
        !ids(&out).contains(&"workflow.github.pull-request-run"),
        "{:?}",
        ids(&out)
    );
    assert!(!ids(&out).contains(&"workflow.github.fork-pull-request"));
    assert!(
        !summaries(&out).contains(":pull_request`"),
        "{}",
        summaries(&out)
    );
}

#[test]
fn a_fork_guard_silences_the_fork_note_but_not_the_pull_request_run() {
    let yaml = "on: pull_request\njobs:\n  plan:\n    if: github.event.pull_request.head.repo.full_name == github.repository\n    permissions:\n      id-token: write\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/r\n          aws-region: us-east-1\n";
    let out = observe_text(yaml, &[]);
    assert!(ids(&out).contains(&"workflow.github.pull-request-run"));
    assert!(
        !ids(&out).contains(&"workflow.github.fork-pull-request"),
        "{:?}",
        ids(&out)
    );
}

#[test]
fn the_default_audience_names_the_owner_once_a_token_shows_it() {
    let token = r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme@9120457/vault-demo@718230411:ref:refs/heads/main","aud":"https://github.com/acme","repository":"acme/vault-demo","event_name":"push","workflow":"Vault secrets"}"#;
    let out = observe_with("github-vault-oidc.yml", &[token]);
    let s = summaries(&out);
    assert!(s.contains("aud `https://github.com/acme`"), "{s}");
    assert!(
        s.contains(
            "`repo:acme@9120457/vault-demo@718230411:ref:refs/heads/main` on push to `main`"
        ),
        "{s}"
    );
    assert!(
        s.contains("is the one predicted for job `retrieve-secret`"),
        "{s}"
    );
}

// --- GitLab ---------------------------------------------------------------------

#[test]
fn gitlab_aws_docs_example_passes_and_predicts_the_branch_subject() {
    let name = "gitlab-aws.yml";
    let out = observe(name);
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
    let pass = out
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Pass)
        .unwrap();
    assert_eq!(
        pass.locator,
        format!(
            "line {}: assume role.id_tokens",
            line_of(name, "GITLAB_OIDC_TOKEN:")
        )
    );
    let s = summaries(&out);
    assert!(s.contains("aud `https://gitlab.com`"), "{s}");
    assert!(
        s.contains("`project_path:GROUP/PROJECT:ref_type:branch:ref:main` on branch `main`"),
        "{s}"
    );

    let token = r#"{"iss":"https://gitlab.com","sub":"project_path:acme/site:ref_type:branch:ref:main","aud":"https://gitlab.com","project_path":"acme/site","namespace_path":"acme","ref":"main","ref_type":"branch"}"#;
    let out = observe_with(name, &[token]);
    let s = summaries(&out);
    assert!(
        s.contains("`project_path:acme/site:ref_type:branch:ref:main`"),
        "{s}"
    );
    assert!(s.contains("is one predicted for job `assume role`"), "{s}");
}

#[test]
fn gitlab_vault_gcp_azure_docs_examples_pass() {
    for name in ["gitlab-vault.yml", "gitlab-gcp.yml", "gitlab-azure.yml"] {
        let out = observe(name);
        assert!(errors(&out).is_empty(), "{name}: {:?}", ids(&out));
        assert!(
            out.evidence.iter().any(|e| e.outcome == Outcome::Pass),
            "{name}: {}",
            summaries(&out)
        );
    }
    let s = summaries(&observe("gitlab-vault.yml"));
    assert!(s.contains("secrets:PROD_DB_PASSWORD (vault)"), "{s}");
    assert!(
        s.contains("`project_path:GROUP/PROJECT:ref_type:tag:ref:<tag>` on tags"),
        "{s}"
    );
    let s = summaries(&observe("gitlab-gcp.yml"));
    assert!(s.contains("from extends `.gcp_auth`"), "{s}");
    assert!(s.contains("ref:<default branch>"), "{s}");
}

#[test]
fn gitlab_job_without_id_tokens_fails_the_workflow_stage() {
    let name = "gitlab-missing-id-tokens.yml";
    let out = observe(name);
    let f = finding(&out, "workflow.gitlab.missing-id-tokens");
    assert_eq!(f.stage, Stage::Workflow);
    assert_eq!(f.evidence[0].outcome, Outcome::Fail);
    assert_eq!(
        f.evidence[0].locator,
        format!("line {}: deploy", line_of(name, "deploy:"))
    );
    assert!(
        f.fix
            .contains("`id_tokens: { GITLAB_OIDC_TOKEN: { aud: sts.amazonaws.com } }`"),
        "{}",
        f.fix
    );
}

#[test]
fn ci_job_jwt_is_reported_as_removed_in_17() {
    let name = "gitlab-ci-job-jwt.yml";
    let out = observe(name);
    let f = finding(&out, "workflow.gitlab.missing-id-tokens");
    assert!(f.cause.contains("removed in 17.0"), "{}", f.cause);
    assert!(f.cause.contains("$CI_JOB_JWT_V2"), "{}", f.cause);
    assert_eq!(
        f.evidence[0].locator,
        format!("line {}: deploy", line_of(name, "CI_JOB_JWT_V2"))
    );
}

#[test]
fn gitlab_default_id_tokens_and_merge_request_pipelines() {
    let out = observe("gitlab-default-id-tokens.yml");
    assert!(errors(&out).is_empty(), "{:?}", ids(&out));
    let s = summaries(&out);
    assert!(s.contains("from default: (line"), "{s}");
    assert!(
        s.contains("job `plan` runs in merge request pipelines and authenticates there"),
        "{s}"
    );
    assert!(
        s.contains("`project_path:GROUP/PROJECT:ref_type:branch:ref:main` on branch `main`"),
        "{s}"
    );
    // `plan` logs in only in merge request pipelines; `apply` only on main.
    let runs: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.id == "workflow.gitlab.merge-request-run")
        .collect();
    assert_eq!(runs.len(), 1, "{:?}", ids(&out));
    assert!(
        runs[0]
            .cause
            .contains("Job `plan` runs only in merge request pipelines"),
        "{}",
        runs[0].cause
    );
    // The job's own `rules:` (line 15), not the workflow's.
    assert_eq!(runs[0].evidence[0].locator, "line 15: plan.rules");
}

#[test]
fn gitlab_merge_keys_references_and_includes() {
    let out = observe("gitlab-anchors-merge.yml");
    assert!(
        errors(&out).is_empty(),
        "{:?}\n{}",
        ids(&out),
        summaries(&out)
    );
    let s = summaries(&out);
    assert!(s.contains("include: not followed (`project: acme/ci-templates, file: /templates/aws.yml`, `template: Security/SAST.gitlab-ci.yml`)"), "{s}");
    assert!(
        s.contains("job `deploy staging` declares ID token(s) `AWS_TOKEN`"),
        "{s}"
    );
    assert!(
        s.contains("may inherit them from extends `.from-template` (not in this file)"),
        "{s}"
    );
}

#[test]
fn gitlab_token_variable_that_is_not_an_id_token_is_misconfigured() {
    let out = observe("gitlab-wrong-token-var.yml");
    let f = finding(&out, "workflow.action-misconfigured");
    assert!(
        f.cause
            .contains("passes `$VAULT_ID_TOKEN`, but the job's ID tokens are `ID_TOKEN_1`"),
        "{}",
        f.cause
    );
    assert_eq!(f.evidence[0].outcome, Outcome::Fail);
}

#[test]
fn gitlab_references_in_id_tokens_and_rules_are_followed() {
    let yaml = ".tokens:\n  id_tokens:\n    VAULT_ID_TOKEN:\n      aud: https://vault.example.com\n.rules:\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"release\"\ndeploy:\n  id_tokens: !reference [.tokens, id_tokens]\n  rules:\n    - !reference [.rules, rules]\n  script:\n    - vault write auth/jwt/login role=deploy jwt=$VAULT_ID_TOKEN\n";
    let out = observe_text(yaml, &[]);
    assert!(
        errors(&out).is_empty(),
        "{:?}\n{}",
        ids(&out),
        summaries(&out)
    );
    let s = summaries(&out);
    assert!(s.contains("declares ID token(s) `VAULT_ID_TOKEN`"), "{s}");
    assert!(
        s.contains("ref_type:branch:ref:release` on branch `release`"),
        "{s}"
    );
}

// --- end to end -----------------------------------------------------------------

fn diagnose(names: &[&str]) -> crate::diagnosis::Diagnosis {
    let inputs: Vec<Input> = names.iter().map(|n| input(n)).collect();
    let options = crate::diagnosis::DiagnoseOptions {
        now: Some(1_772_446_500),
        ..Default::default()
    };
    crate::diagnosis::diagnose(&inputs, &options, Clock::wall)
}

#[test]
fn a_missing_permission_stops_the_diagnosis_at_the_workflow_stage() {
    for name in [
        "github-missing-id-token.yml",
        "gitlab-missing-id-tokens.yml",
    ] {
        let d = diagnose(&[name]);
        assert_eq!(d.stopped_at, Some(Stage::Workflow), "{name}");
        assert_eq!(
            d.stage(Stage::Workflow).status,
            StageStatus::Failed,
            "{name}"
        );
        assert!(
            d.findings_on(Stage::Workflow)
                .any(|f| f.severity == Severity::Error),
            "{name}"
        );
    }
}

#[test]
fn a_healthy_workflow_passes_its_stage_and_evidence_stops_at_the_token() {
    let d = diagnose(&["github-aws-oidc.yml"]);
    assert_eq!(d.stage(Stage::Workflow).status, StageStatus::Passed);
    assert_eq!(d.stopped_at, Some(Stage::Token));
    let d = diagnose(&["github-pull-request-target-checkout.yml"]);
    assert_eq!(d.max_risk(), Some(Risk::High));
}

// --- knowledge ------------------------------------------------------------------

/// Every finding the readers make on the fixtures has its cause and fix from the
/// knowledge file, every placeholder filled (a missing one shows as `‹name?›`).
#[test]
fn every_finding_on_the_fixtures_fills_its_templates() {
    let mut seen = std::collections::BTreeSet::new();
    for name in fixture_names().iter().filter(|n| !broken_fixture(n)) {
        let out = observe_with(name, &[]);
        for f in &out.findings {
            seen.insert(f.id);
            for text in [&f.cause, &f.fix] {
                assert!(!text.contains('‹'), "{name}: {}: {text}", f.id);
                assert!(!text.is_empty(), "{name}: {}", f.id);
            }
        }
        for n in &out.next_evidence {
            assert!(
                !n.command.contains('‹') && !n.what.contains('‹'),
                "{name}: {n:?}"
            );
        }
    }
    // The fixtures reach every finding the readers make.
    for id in [
        "workflow.github.missing-id-token-permission",
        "workflow.github.pull-request-run",
        "workflow.github.pull-request-target",
        "workflow.github.pull-request-target-checkout",
        "workflow.github.fork-pull-request",
        "workflow.github.id-token-write-everywhere",
        "workflow.action-input-missing",
        "workflow.action-misconfigured",
        "workflow.gitlab.missing-id-tokens",
    ] {
        assert!(seen.contains(id), "no fixture shows {id}: {seen:?}");
    }
}

/// Each shape of `permissions` names its reason in the knowledge file's words, in the
/// evidence line and in the finding alike.
#[test]
fn every_permissions_shape_is_explained_from_the_knowledge_file() {
    let shapes = [
        (
            "permissions: read-all",
            "is `read-all`: read access does not allow",
        ),
        (
            "permissions: {}",
            "is `{}`: every scope, id-token included, is none",
        ),
        (
            "permissions:\n  id-token: read",
            "sets `id-token: read`; requesting a token needs `write`",
        ),
        ("", "no `permissions` block in the workflow or the job"),
    ];
    for (block, words) in shapes {
        let text = format!(
            "on: push\n{block}\njobs:\n  deploy:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/r\n          aws-region: us-east-1\n"
        );
        let file = WorkflowFile::from_bytes(text.as_bytes()).unwrap().unwrap();
        let mut out = Observations::default();
        file.observe("w.yml", &facts_with(&[]), &mut out);
        let f = finding(&out, "workflow.github.missing-id-token-permission");
        assert!(f.cause.contains(words), "{block:?}: {}", f.cause);
        assert!(
            f.evidence[0].summary.contains(words),
            "{block:?}: {}",
            f.evidence[0].summary
        );
        if !block.is_empty() {
            assert!(
                f.cause
                    .contains("the workflow-level `permissions` (line 2, inherited by the job)"),
                "{}",
                f.cause
            );
        }
    }
    let unclear = "on: push\njobs:\n  deploy:\n    runs-on: x\n    permissions: ${{ fromJSON(vars.P) }}\n    steps:\n      - uses: azure/login@v2\n        with:\n          client-id: c\n          tenant-id: t\n          subscription-id: s\n";
    let file = WorkflowFile::from_bytes(unclear.as_bytes())
        .unwrap()
        .unwrap();
    let mut out = Observations::default();
    file.observe("w.yml", &facts_with(&[]), &mut out);
    assert!(
        summaries(&out).contains("whether it may request a token: the job's own `permissions` (line 5) is `${{ fromJSON(vars.P) }}`, which cannot be evaluated here"),
        "{}",
        summaries(&out)
    );
}

/// Values read from the file go into next-evidence commands as single shell words,
/// whatever they hold.
#[test]
fn hostile_values_in_a_workflow_stay_one_word_in_commands() {
    let text = r#"name: "x; rm -rf ~"
on: push
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: "arn:aws:iam::1:role/a$(touch PROOF)"
          aws-region: us-east-1
      - uses: hashicorp/vault-action@v3
        with:
          method: jwt
          url: https://vault.example.com
          path: "jwt'; id #"
          role: "r `id`"
"#;
    let file = WorkflowFile::from_bytes(text.as_bytes()).unwrap().unwrap();
    let mut out = Observations::default();
    file.observe("hostile.yml", &facts_with(&[]), &mut out);
    let argv = |prefix: &str| -> Vec<String> {
        let n = out
            .next_evidence
            .iter()
            .find(|n| n.command.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {:?}", out.next_evidence));
        shlex::split(&n.command).unwrap()
    };
    assert_eq!(
        argv("aws iam get-role")[4],
        "a$(touch PROOF)",
        "{:?}",
        out.next_evidence
    );
    assert_eq!(argv("vault read")[3], "auth/jwt'; id #/role/r `id`");
    assert_eq!(
        argv("gh run list"),
        [
            "gh",
            "run",
            "list",
            "--workflow",
            "x; rm -rf ~",
            "--limit",
            "5"
        ]
    );
}

// --- properties -----------------------------------------------------------------

fn assert_safe(out: &Observations) {
    let unsafe_char = |c: char| c.is_control() && c != '\n';
    for e in &out.evidence {
        assert!(!e.summary.chars().any(unsafe_char), "{:?}", e.summary);
        assert!(!e.locator.chars().any(unsafe_char), "{:?}", e.locator);
    }
    for f in &out.findings {
        assert!(!f.cause.chars().any(unsafe_char), "{:?}", f.cause);
        assert!(!f.fix.chars().any(unsafe_char), "{:?}", f.fix);
    }
}

fn exercise(bytes: &[u8]) {
    if let Ok(Some(file)) = WorkflowFile::from_bytes(bytes) {
        let _ = file.note();
        let mut out = Observations::default();
        file.observe("fuzz.yml", &facts_with(&[]), &mut out);
        assert_safe(&out);
    }
}

/// Workflow-shaped text with random lines: keys, indicators, anchors, aliases, tags,
/// quotes, flow collections and control characters.
fn workflow_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("on: push\n".to_owned()),
        Just("jobs:\n".to_owned()),
        Just("  a:\n".to_owned()),
        Just("    runs-on: x\n".to_owned()),
        Just("    steps:\n".to_owned()),
        Just("      - uses: aws-actions/configure-aws-credentials@v4\n".to_owned()),
        Just("        with:\n".to_owned()),
        Just("          role-to-assume: \u{1b}[2J\n".to_owned()),
        Just("    permissions: &p {id-token: write}\n".to_owned()),
        Just("    permissions: *p\n".to_owned()),
        Just("  <<: *p\n".to_owned()),
        Just("deploy:\n  script:\n    - !reference [.x, script]\n".to_owned()),
        Just("  id_tokens:\n    T:\n      aud: [a, b]\n".to_owned()),
        Just("  extends: [.a, .a]\n".to_owned()),
        Just("? [a, b]\n: c\n".to_owned()),
        Just("\"on\": [pull_request_target]\n".to_owned()),
        "[ -~\t]{0,40}\n",
        "[:\\-?&*!|>\\[\\]{}, a-z\"']{0,30}\n",
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
        let mut prefixed = b"on: push\njobs:\n  a:\n    runs-on: x\n".to_vec();
        prefixed.extend_from_slice(&bytes);
        exercise(&prefixed);
    }

    #[test]
    fn never_panics_on_workflow_shaped_text(text in workflow_like()) {
        exercise(text.as_bytes());
        let mut gitlab = String::from("stages: [a]\njob:\n  script: [x]\n");
        gitlab.push_str(&text);
        exercise(gitlab.as_bytes());
    }
}
