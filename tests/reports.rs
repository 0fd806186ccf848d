//! Golden snapshots of the report contracts (docs/design.md): the text report, the
//! markdown RCA and the `oidc-triage/diagnosis/v1` JSON of the built-in scenarios,
//! each at its own clock. A change to any cause, fix, next-evidence command or stage
//! rule shows here as a reviewed diff, so moving knowledge between files cannot
//! change a word unnoticed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use oidc_triage::report::{Palette, json, markdown, text};
use oidc_triage::scenario::{Scenario, library};

/// The scenarios whose reports are pinned: every stage as the stop, healthy and
/// healthy-but-insecure paths, every cloud and each kind of runtime evidence.
const PINNED: &[&str] = &[
    "aws-audience-default-github",
    "aws-cloudtrail-deploy-access-denied",
    "aws-cloudtrail-deploy-not-recorded",
    "aws-environment-subject-vs-branch-policy",
    "aws-explicit-deny-pull-request",
    "aws-oidc-provider-not-registered-new-account",
    "aws-provider-for-another-issuer",
    "aws-pull-request-gets-production-role",
    "azure-aadsts70021-subject",
    "azure-devops-renamed-project-subject",
    "azure-signin-700213-then-fixed",
    "bitbucket-aws-subject-pins-step-uuid",
    "buildkite-aws-pipeline-pinned-healthy",
    "buildkite-token-expires-during-docker-build",
    "circleci-aws-provider-audience-copied-from-github",
    "gcp-attribute-condition-rejects",
    "gcp-audit-exchange-ok-impersonation-denied",
    "gcp-service-account-binding-names-another-repo",
    "github-aws-environment-healthy-cloudtrail",
    "github-aws-repo-wildcard-healthy-insecure",
    "github-immutable-subject-vs-name-based-policy",
    "gitlab-aws-group-wildcard-healthy",
    "gitlab-merge-request-vault-ref-protected",
    "log-aws-max-session-duration",
    "log-azure-aadsts700213-federated-token-details",
    "log-azure-devops-token-expired-long-job",
    "log-github-missing-id-token-permission",
    "terraform-cloud-aws-workspace-pinned-healthy",
    "terraform-cloud-aws-workspace-wildcard-healthy",
    "vault-action-sigstore-audience",
    "vault-bound-claims-glob-as-string",
    "workflow-missing-id-token-permission",
    "workflow-pull-request-target-checkout",
];

fn scenario(slug: &str) -> Scenario {
    let (all, errors) = library(None);
    assert!(errors.is_empty(), "{errors:?}");
    all.into_iter()
        .find(|s| s.slug == slug)
        .unwrap_or_else(|| panic!("no built-in scenario {slug}"))
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots/reports");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// Every placeholder of every template the scenarios reach is filled by its reason.
#[test]
fn no_finding_shows_an_unfilled_template() {
    let (all, _) = library(None);
    for s in all {
        let d = s.diagnose();
        for f in &d.findings {
            for text in [&f.cause, &f.fix] {
                assert!(
                    !text.contains('‹'),
                    "{}: {}: unfilled template: {text}",
                    s.slug,
                    f.id
                );
            }
        }
        for n in &d.next_evidence {
            assert!(
                !n.command.contains('‹') && !n.what.contains('‹'),
                "{}: {n:?}",
                s.slug
            );
        }
    }
}

#[test]
fn text_reports_are_golden() {
    for slug in PINNED {
        let d = scenario(slug).diagnose();
        let mut out = Vec::new();
        text::write_diagnosis(&mut out, &d, Palette::PLAIN).unwrap();
        settings().bind(|| {
            insta::assert_snapshot!(format!("{slug}.text"), String::from_utf8(out).unwrap());
        });
    }
}

#[test]
fn markdown_rcas_are_golden() {
    for slug in PINNED {
        let d = scenario(slug).diagnose();
        let mut out = Vec::new();
        markdown::write_rca(&mut out, &d).unwrap();
        settings().bind(|| {
            insta::assert_snapshot!(format!("{slug}.md"), String::from_utf8(out).unwrap());
        });
    }
}

#[test]
fn json_diagnoses_are_golden() {
    for slug in PINNED {
        let d = scenario(slug).diagnose();
        let mut out = Vec::new();
        json::write_json(&mut out, &d).unwrap();
        settings().bind(|| {
            insta::assert_snapshot!(format!("{slug}.json"), String::from_utf8(out).unwrap());
        });
    }
}
