//! Job logs end to end: every fixture under `tests/fixtures/ci-logs/` recognised as its
//! platform and diagnosed through the whole engine; every catalogued message placed on
//! its stage with its finding; damaged input (binary, invalid UTF-8, JSON cut mid-array,
//! a 2 GB line) read without a panic; and a property test that no input panics.

use std::io::{BufReader, Read};

use proptest::prelude::*;

use super::messages::{classify, messages};
use super::*;
use crate::clock::Clock;
use crate::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use crate::evidence::{Filters, error_text::ErrorTextSource};
use crate::vocabulary::{Outcome, Stage, StageStatus};

fn fixture(name: &str) -> Input {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ci-logs")
        .join(name);
    let mut input = Input::from_path(&path).unwrap();
    input.name = name.to_owned();
    input
}

fn run(inputs: &[Input], now: Option<i64>) -> Diagnosis {
    let options = DiagnoseOptions {
        now,
        ..DiagnoseOptions::default()
    };
    diagnose(inputs, &options, || Clock::fixed(1_772_446_500))
}

fn ids(d: &Diagnosis) -> Vec<&'static str> {
    d.findings.iter().map(|f| f.id).collect()
}

fn status(d: &Diagnosis, stage: Stage) -> StageStatus {
    d.stages[stage.index()].status
}

fn platform_of(name: &str) -> Option<Platform> {
    log_platform(&fixture(name).bytes)
}

#[test]
fn each_fixture_is_recognised_as_its_platform() {
    for (name, platform) in [
        ("github-raw-missing-id-token.log", Platform::GithubActions),
        ("github-raw-max-session.log", Platform::GithubActions),
        ("github-gh-run-view-retry.log", Platform::GithubActions),
        ("github-web-azure-aadsts700213.txt", Platform::GithubActions),
        (
            "github-web-gcp-impersonation-denied.txt",
            Platform::GithubActions,
        ),
        ("gitlab-vault-bound-claims.log", Platform::Gitlab),
        ("gitlab-timestamps-provider-not-found.log", Platform::Gitlab),
        ("azure-devops-aadsts700213.log", Platform::AzureDevops),
        ("circleci-assume-role-denied.txt", Platform::Circleci),
        ("bitbucket-s3-access-denied.txt", Platform::Bitbucket),
        ("buildkite-assume-role-denied.log", Platform::Buildkite),
    ] {
        assert_eq!(platform_of(name), Some(platform), "{name}");
        match CiLogSource.recognise(&fixture(name)) {
            Recognition::Loaded(loaded) => {
                assert_eq!(loaded.kind(), ArtifactKind::CiLog(platform), "{name}")
            }
            _ => panic!("{name} not loaded"),
        }
    }
    for name in [
        "error-text-aadsts70021.txt",
        "error-text-vault-cli.txt",
        "error-text-gga-federated-token.txt",
    ] {
        assert_eq!(
            platform_of(name),
            None,
            "{name} is an error text, not a log"
        );
        assert!(
            matches!(
                ErrorTextSource.recognise(&fixture(name)),
                Recognition::Loaded(_)
            ),
            "{name}"
        );
    }
}

#[test]
fn missing_id_token_permission_stops_at_workflow_with_the_log_times() {
    let d = run(&[fixture("github-raw-missing-id-token.log")], None);
    assert_eq!(d.stopped_at, Some(Stage::Workflow));
    assert!(
        ids(&d).contains(&"workflow.github.missing-id-token-permission"),
        "{:?}",
        ids(&d)
    );
    // The clock is the time of the latest OIDC line (10:14:22), not the wall clock.
    assert_eq!(d.clock.now, 1_772_446_462);
    let wf = &d.stages[Stage::Workflow.index()].evidence;
    let proof = wf.iter().find(|e| e.outcome == Outcome::Fail).unwrap();
    assert_eq!(proof.locator, "line 41");
    assert_eq!(proof.time, Some(1_772_446_461));
    assert!(proof.summary.contains("id-token"), "{}", proof.summary);
}

#[test]
fn max_session_duration_fails_the_role_stage() {
    let d = run(&[fixture("github-raw-max-session.log")], None);
    assert_eq!(d.stopped_at, Some(Stage::Role));
    assert_eq!(status(&d, Stage::Token), StageStatus::Passed);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "role.aws.max-session-duration")
        .unwrap();
    assert!(f.cause.contains("asked for 43200 s"), "{}", f.cause);
    assert!(
        f.cause
            .contains("arn:aws:iam::123456789012:role/acme-web-deploy"),
        "{}",
        f.cause
    );
    assert!(
        d.next_evidence.iter().any(|n| n.command
            == "aws iam get-role --role-name acme-web-deploy --query Role.MaxSessionDuration"),
        "{:?}",
        d.next_evidence
    );
}

#[test]
fn a_retry_that_succeeds_leaves_trust_passed() {
    let d = run(&[fixture("github-gh-run-view-retry.log")], None);
    assert_eq!(d.stopped_at, None, "{:?}", d.stages);
    assert!(!ids(&d).contains(&"trust.aws.not-authorized"));
    let trust = &d.stages[Stage::Trust.index()];
    assert_eq!(trust.status, StageStatus::Passed);
    let superseded = trust
        .evidence
        .iter()
        .find(|e| e.summary.contains("superseded at line 16"))
        .unwrap();
    assert_eq!(superseded.outcome, Outcome::Info);
    assert_eq!(status(&d, Stage::Audit), StageStatus::Passed);
}

#[test]
fn azure_federated_token_details_are_shared_as_claims() {
    let input = fixture("github-web-azure-aadsts700213.txt");
    let Recognition::Loaded(loaded) = CiLogSource.recognise(&input) else {
        panic!("not loaded")
    };
    let mut facts = SharedFacts {
        tokens: Vec::new(),
        claims: Vec::new(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters::default(),
        clock: Clock::fixed(0),
        skew: 60,
    };
    loaded.share("job.txt", &mut facts);
    assert_eq!(facts.claims.len(), 1);
    let claims = &facts.claims[0].1;
    assert_eq!(
        claims.subject(),
        Some("repo:acme/web:environment:Production")
    );
    assert_eq!(
        claims.issuer(),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(
        claims.str("job_workflow_ref"),
        Some("acme/web/.github/workflows/deploy.yml@refs/heads/main")
    );

    let d = run(&[input], Some(1_770_800_700));
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "trust.azure.subject-mismatch")
        .unwrap();
    assert!(
        f.cause.contains(
            "printed the token's subject `repo:acme/web:environment:Production` at line 14"
        ),
        "{}",
        f.cause
    );
    assert_eq!(status(&d, Stage::Token), StageStatus::Passed);
    assert!(
        d.next_evidence.iter().any(|n| n.command
            == "az ad app federated-credential list --id 3f2b8c1e-6d4a-4f7e-9b21-0c5d8e7a6f13"),
        "{:?}",
        d.next_evidence
    );
    // The wrapper line after the AADSTS error adds no finding of its own.
    assert_eq!(
        d.findings
            .iter()
            .filter(|f| f.severity == crate::vocabulary::Severity::Error)
            .count(),
        1,
        "{:?}",
        ids(&d)
    );
}

#[test]
fn gitlab_vault_bound_claims_fail_trust_through_ansi_and_sections() {
    let d = run(
        &[fixture("gitlab-vault-bound-claims.log")],
        Some(1_772_446_500),
    );
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "trust.vault.bound-claims-mismatch")
        .unwrap();
    assert!(f.cause.contains("claim ref_protected"), "{}", f.cause);
    assert!(f.cause.contains("in step `step_script`"), "{}", f.cause);
    assert_eq!(f.evidence[0].locator, "line 16");
    assert!(
        !ids(&d).contains(&"trust.vault.login-failed"),
        "the CLI wrapper is not a second finding"
    );
    assert!(
        d.next_evidence.iter().any(|n| n
            .command
            .starts_with("vault read -format=json auth/jwt/role/acme-web-production;")),
        "{:?}",
        d.next_evidence
    );
}

#[test]
fn gitlab_timestamps_time_the_provider_error() {
    let d = run(&[fixture("gitlab-timestamps-provider-not-found.log")], None);
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "trust.aws.provider-not-found")
        .unwrap();
    assert_eq!(f.evidence[0].time, Some(1_772_446_446));
    assert_eq!(f.evidence[0].locator, "line 8");
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command == "aws iam list-open-id-connect-providers")
    );
}

#[test]
fn azure_devops_subject_mismatch() {
    let d = run(&[fixture("azure-devops-aadsts700213.log")], None);
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "trust.azure.subject-mismatch")
        .unwrap();
    assert!(
        f.cause.contains("subject sc://contoso/web/prod-arm"),
        "{}",
        f.cause
    );
    assert!(f.cause.contains("in step `AzureCLI`"), "{}", f.cause);
}

#[test]
fn circleci_buildkite_assume_role_denied() {
    for name in [
        "circleci-assume-role-denied.txt",
        "buildkite-assume-role-denied.log",
    ] {
        let d = run(&[fixture(name)], Some(1_772_446_500));
        assert_eq!(d.stopped_at, Some(Stage::Trust), "{name}");
        assert!(
            ids(&d).contains(&"trust.aws.not-authorized"),
            "{name}: {:?}",
            ids(&d)
        );
    }
    let d = run(&[fixture("buildkite-assume-role-denied.log")], None);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "trust.aws.not-authorized")
        .unwrap();
    assert_eq!(f.evidence[0].time, Some(1_772_446_404));
}

#[test]
fn bitbucket_upload_denied_after_the_role_was_assumed() {
    let d = run(
        &[fixture("bitbucket-s3-access-denied.txt")],
        Some(1_772_446_500),
    );
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == "audit.aws.access-denied")
        .unwrap();
    assert!(f.cause.contains("call PutObject"), "{}", f.cause);
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command.contains("AttributeValue=PutObject"))
    );
}

#[test]
fn gcp_impersonation_denied_fails_the_role_stage() {
    // Read through the log source directly: see `gcp_provider_markers_claim_logs_first`.
    let Recognition::Loaded(loaded) =
        CiLogSource.recognise(&fixture("github-web-gcp-impersonation-denied.txt"))
    else {
        panic!("not loaded")
    };
    let facts = SharedFacts {
        tokens: Vec::new(),
        claims: Vec::new(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters::default(),
        clock: Clock::fixed(0),
        skew: 60,
    };
    let mut out = Observations::default();
    loaded.contribute("job.txt", &facts, &mut out);
    let ids: Vec<&str> = out.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec!["role.gcp.missing-workload-identity-user"]);
    assert!(
        out.findings[0]
            .cause
            .contains("deploy@acme-prod.iam.gserviceaccount.com"),
        "{}",
        out.findings[0].cause
    );
    assert!(out.next_evidence.iter().any(|n| n.command == "gcloud iam service-accounts get-iam-policy deploy@acme-prod.iam.gserviceaccount.com --format=json"));
}

#[test]
fn error_text_fixtures_land_on_their_stage() {
    for (name, id) in [
        (
            "error-text-aadsts70021.txt",
            "trust.azure.no-matching-credential",
        ),
        ("error-text-vault-cli.txt", "trust.vault.audience-mismatch"),
    ] {
        let d = run(&[fixture(name)], Some(1_772_446_500));
        assert_eq!(d.artifacts[0].kind, ArtifactKind::ErrorText, "{name}");
        assert_eq!(d.stopped_at, Some(Stage::Trust), "{name}");
        assert!(ids(&d).contains(&id), "{name}: {:?}", ids(&d));
    }
}

/// Every catalogue entry, with a line that carries it and where it must land.
const SAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        "github.request-env-missing",
        "Error: Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable",
        "workflow",
        "workflow.github.missing-id-token-permission",
    ),
    (
        "gcp.auth.request-env-missing",
        "google-github-actions/auth failed with: gitHub Actions did not inject $ACTIONS_ID_TOKEN_REQUEST_TOKEN or $ACTIONS_ID_TOKEN_REQUEST_URL into this job. This most likely means the GitHub Actions workflow permissions are incorrect, or this job is being run from a fork.",
        "workflow",
        "workflow.github.missing-id-token-permission",
    ),
    (
        "aws.cac.id-token-permission-hint",
        "It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.",
        "workflow",
        "workflow.github.missing-id-token-permission",
    ),
    (
        "azure.login.fetch-token",
        "Failed to fetch federated token from GitHub. Please make sure to give write permissions to id-token in the workflow.",
        "workflow",
        "workflow.github.missing-id-token-permission",
    ),
    (
        "gitlab.missing-token",
        "ERROR: Preparing environment: 400: missing token",
        "token",
        "token.request-failed",
    ),
    (
        "gitlab.no-signing-key",
        "GitLab::Ci::Jwt::NoSigningKeyError (GitLab::Ci::Jwt::NoSigningKeyError)",
        "token",
        "token.request-failed",
    ),
    (
        "github.id-token-request-failed",
        "Error: Error message: Failed to get ID Token. ",
        "token",
        "token.request-failed",
    ),
    (
        "github.id-token-field-missing",
        "Error: Error message: Response json body do not have ID Token field",
        "token",
        "token.request-failed",
    ),
    (
        "aws.cac.getidtoken-failed",
        "Error: getIDToken call failed: Error: connect ETIMEDOUT 10.1.0.4:443",
        "token",
        "token.request-failed",
    ),
    (
        "aws.sts.max-session-duration",
        "Error: Could not assume role with OIDC: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        "role",
        "role.aws.max-session-duration",
    ),
    (
        "aws.sts.provider-not-found",
        "Error: Could not assume role with OIDC: No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
        "trust",
        "trust.aws.provider-not-found",
    ),
    (
        "aws.sts.keys-unreachable",
        "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
        "trust",
        "trust.aws.keys-unreachable",
    ),
    (
        "aws.sts.openid-configuration",
        "An error occurred (InvalidInput) when calling the CreateOpenIDConnectProvider operation: Please check .well-known/openid-configuration of provider: https://gitlab.example.com is valid.",
        "trust",
        "trust.aws.keys-unreachable",
    ),
    (
        "aws.sts.audience",
        "Error: Could not assume role with OIDC: Incorrect token audience",
        "trust",
        "trust.aws.audience-mismatch",
    ),
    (
        "aws.sts.web-identity-expired",
        "An error occurred (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation: Token expired: current date/time 1772446800 must be before the expiration date/time 1772446761",
        "token",
        "token.expired",
    ),
    (
        "aws.sts.idp-rejected-claim",
        "An error occurred (IDPRejectedClaim) when calling the AssumeRoleWithWebIdentity operation: claim rejected",
        "trust",
        "trust.aws.invalid-identity-token",
    ),
    (
        "aws.sts.idp-communication",
        "An error occurred (IDPCommunicationError) when calling the AssumeRoleWithWebIdentity operation: idp unreachable",
        "trust",
        "trust.aws.keys-unreachable",
    ),
    (
        "aws.sts.not-authorized",
        "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
        "trust",
        "trust.aws.not-authorized",
    ),
    (
        "aws.sts.invalid-identity-token",
        "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: The ID Token provided is not a valid JWT.",
        "trust",
        "trust.aws.invalid-identity-token",
    ),
    (
        "aws.sts.request-rejected",
        "An error occurred (PackedPolicyTooLarge) when calling the AssumeRoleWithWebIdentity operation: Packed policy consumes 112% of allotted space",
        "workflow",
        "workflow.action-misconfigured",
    ),
    (
        "aws.cac.token-file-missing",
        "Error: Web identity token file does not exist: /home/runner/work/web/web/token",
        "workflow",
        "workflow.action-misconfigured",
    ),
    (
        "aws.cac.session-name",
        "Error: Role session name is not valid: deploy/main",
        "workflow",
        "workflow.action-misconfigured",
    ),
    (
        "aws.cac.region",
        "Error: Region is not valid: us east 1",
        "workflow",
        "workflow.action-misconfigured",
    ),
    (
        "aws.cac.env-missing",
        "Error: Missing required environment variables. Are you running in GitHub Actions?",
        "workflow",
        "workflow.action-misconfigured",
    ),
    (
        "aws.cac.source-account",
        "Error: Source Account ID is needed if the Role Name is provided and not the Role Arn.",
        "workflow",
        "workflow.action-misconfigured",
    ),
    (
        "aws.cac.account-mismatch",
        "Error: The account ID of the provided credentials (111111111111) does not match any of the expected account IDs: 123456789012",
        "role",
        "role.aws.account-mismatch",
    ),
    (
        "aws.cac.credentials-unverified",
        "Error: Could not get Account ID or ARN from STS. Did you set credentials?",
        "role",
        "role.aws.credentials-unverified",
    ),
    (
        "aws.cac.assume-role-failed",
        "Error: Could not assume role with OIDC: Request ARN is invalid",
        "trust",
        "trust.aws.invalid-identity-token",
    ),
    (
        "aws.api.session-expired",
        "An error occurred (ExpiredToken) when calling the PutObject operation: The security token included in the request is expired",
        "audit",
        "audit.aws.session-expired",
    ),
    (
        "aws.api.access-denied",
        "upload failed: dist/a.js to s3://acme/a.js An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
        "audit",
        "audit.aws.access-denied",
    ),
    (
        "gcp.auth.exactly-one-input",
        "google-github-actions/auth failed with: the GitHub Action workflow must specify exactly one of \"workload_identity_provider\" or \"credentials_json\"! If you are specifying input values via GitHub secrets, ensure the secret is being injected into the environment.",
        "workflow",
        "workflow.action-input-missing",
    ),
    (
        "gcp.auth.service-account-missing",
        "google-github-actions/auth failed with: the GitHub Action workflow must specify a \"service_account\" to use when generating an OAuth 2.0 Access Token.",
        "workflow",
        "workflow.action-input-missing",
    ),
    (
        "gcp.sts.subject-too-long",
        "google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/x: {\"error\":\"invalid_request\",\"error_description\":\"The size of mapped attribute exceeds the 127 bytes limit.\"}",
        "trust",
        "trust.gcp.subject-too-long",
    ),
    (
        "gcp.sts.issuer-mismatch",
        "google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/x: {\"error\":\"invalid_grant\",\"error_description\":\"The issuer in ID Token https://token.actions.githubusercontent.com does not match the expected ones: https://token.actions.githubusercontent.com/acme\"}",
        "trust",
        "trust.gcp.issuer-mismatch",
    ),
    (
        "gcp.sts.audience-mismatch",
        "google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/x: {\"error\":\"invalid_grant\",\"error_description\":\"The audience in ID Token [https://github.com/acme] does not match the expected audience.\"}",
        "trust",
        "trust.gcp.audience-mismatch",
    ),
    (
        "gcp.sts.condition-rejected",
        "google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/x: {\"error\":\"unauthorized_client\",\"error_description\":\"The given credential is rejected by the attribute condition.\"}",
        "trust",
        "trust.gcp.condition-rejected",
    ),
    (
        "gcp.sts.issuer-unreachable",
        "google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/x: {\"error\": \"invalid_grant\", \"error_description\":\"Error connecting to the given credential's issuer.\"}",
        "trust",
        "trust.gcp.issuer-unreachable",
    ),
    (
        "gcp.sts.org-policy",
        "ERROR: (gcloud.iam.workload-identity-pools.providers.create-oidc) FAILED_PRECONDITION: Precondition check failed. Org Policy violated for value: 'https://gitlab.example.com'",
        "trust",
        "trust.gcp.org-policy-blocked",
    ),
    (
        "gcp.sts.jwk-invalid",
        "ERROR: (gcloud.iam.workload-identity-pools.providers.update-oidc) INVALID_ARGUMENT: Input JWK is not in a valid json format",
        "trust",
        "trust.gcp.federated-token-failed",
    ),
    (
        "gcp.iam.token-lifetime",
        "google-github-actions/auth failed with: failed to generate Google Cloud OAuth 2.0 Access Token for deploy@acme-prod.iam.gserviceaccount.com: {\"error\":{\"code\":400,\"message\":\"The access token lifetime cannot exceed 3600 seconds.\"}}",
        "role",
        "role.gcp.token-lifetime",
    ),
    (
        "gcp.auth.federated-token-failed",
        "google-github-actions/auth failed with: failed to generate Google Cloud federated token for //iam.googleapis.com/x: {\"error\":\"invalid_target\",\"error_description\":\"The target service indicated by the audience parameters is invalid.\"}",
        "trust",
        "trust.gcp.federated-token-failed",
    ),
    (
        "gcp.auth.access-token-failed",
        "google-github-actions/auth failed with: failed to generate Google Cloud OAuth 2.0 Access Token for deploy@acme-prod.iam.gserviceaccount.com: {\"error\":{\"code\":403,\"message\":\"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).\",\"status\":\"PERMISSION_DENIED\"}}",
        "role",
        "role.gcp.missing-workload-identity-user",
    ),
    (
        "gcp.iam.get-access-token-denied",
        "ERROR: (gcloud.run.deploy) There was a problem refreshing your current auth tokens: Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
        "role",
        "role.gcp.missing-workload-identity-user",
    ),
    (
        "gcp.api.unauthenticated",
        "ERROR: (gcloud.storage.cp) HTTPError 401: Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        "audit",
        "audit.gcp.unauthenticated",
    ),
    (
        "gcp.api.permission-denied",
        "ERROR: (gcloud.run.deploy) PERMISSION_DENIED: Permission 'run.services.get' denied on resource 'namespaces/acme-prod/services/web' (or resource may not exist).",
        "audit",
        "audit.gcp.permission-denied",
    ),
    (
        "azure.aadsts7002138",
        "Error: AADSTS7002138: No matching federated identity record found for presented assertion subject 'repo:acme/Web:ref:refs/heads/main'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison.",
        "trust",
        "trust.azure.subject-mismatch",
    ),
    (
        "azure.aadsts7002131",
        "Error: AADSTS7002131: No matching federated identity record found for presented assertion.",
        "trust",
        "trust.azure.expression-mismatch",
    ),
    (
        "azure.aadsts700213",
        "Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/web:pull_request'.",
        "trust",
        "trust.azure.subject-mismatch",
    ),
    (
        "azure.aadsts700211",
        "Error: AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://token.actions.githubusercontent.com/'.",
        "trust",
        "trust.azure.issuer-mismatch",
    ),
    (
        "azure.aadsts700212",
        "Error: AADSTS700212: No matching federated identity record found for presented assertion audience 'api://AzureADTokenExchange'.",
        "trust",
        "trust.azure.audience-mismatch",
    ),
    (
        "azure.no-record-for-subject",
        "Error: No matching federated identity record found for presented assertion subject 'repo:acme/web:environment:production'.",
        "trust",
        "trust.azure.subject-mismatch",
    ),
    (
        "azure.no-record-for-issuer",
        "No matching federated identity record found for presented assertion issuer 'https://gitlab.example.com'.",
        "trust",
        "trust.azure.issuer-mismatch",
    ),
    (
        "azure.no-record-for-audience",
        "No matching federated identity record found for presented assertion audience 'api://other'.",
        "trust",
        "trust.azure.audience-mismatch",
    ),
    (
        "azure.aadsts70021",
        "ERROR: AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:acme/web:pull_request'. Assertion Audience: 'api://AzureADTokenExchange'.",
        "trust",
        "trust.azure.no-matching-credential",
    ),
    (
        "azure.aadsts70025",
        "ERROR: AADSTS70025: The client '3f2b8c1e-6d4a-4f7e-9b21-0c5d8e7a6f13'(acme-web) has no configured federated identity credentials.",
        "trust",
        "trust.azure.no-credentials",
    ),
    (
        "azure.aadsts700016",
        "ERROR: AADSTS700016: Application with identifier '3f2b8c1e-6d4a-4f7e-9b21-0c5d8e7a6f13' was not found in the directory 'acme'.",
        "trust",
        "trust.azure.app-not-found",
    ),
    (
        "azure.aadsts700223",
        "ERROR: AADSTS700223: Workload identity federation is disabled for this tenant.",
        "trust",
        "trust.azure.federation-blocked",
    ),
    (
        "azure.aadsts700238",
        "ERROR: AADSTS700238: Workload identity federation is constrained in this tenant.",
        "trust",
        "trust.azure.federation-blocked",
    ),
    (
        "azure.aadsts70052",
        "ERROR: AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account.",
        "trust",
        "trust.azure.federation-blocked",
    ),
    (
        "azure.aadsts700024",
        "ERROR: AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-03-02T10:30:00Z, assertion valid from 2026-03-02T10:14:00Z, expiry time of assertion 2026-03-02T10:19:00Z.",
        "token",
        "token.expired",
    ),
    // Wording: Azure/azure-workload-identity#642 and #605, microsoft/azure-pipelines-tasks#19831.
    (
        "azure.aadsts50166",
        "ERROR: AADSTS50166: Request to External OIDC endpoint failed.",
        "trust",
        "trust.azure.issuer-unreachable",
    ),
    (
        "azure.aadsts90061",
        "ERROR: AADSTS90061: Request to External OIDC endpoint failed.",
        "trust",
        "trust.azure.issuer-unreachable",
    ),
    // Azure/login#283 (GitHub Enterprise Server issuer)
    (
        "azure.aadsts501661",
        "Error: : AADSTS501661: Request to External OIDC endpoint failed.",
        "trust",
        "trust.azure.issuer-unreachable",
    ),
    (
        "azure.external-oidc-endpoint-failed",
        "Azure.Identity.AuthenticationFailedException: ClientAssertionCredential authentication failed: Request to External OIDC endpoint failed.",
        "trust",
        "trust.azure.issuer-unreachable",
    ),
    (
        "azure.aadsts900382",
        "ERROR: AADSTS900382: Confidential Client is not supported in Cross Cloud request.",
        "trust",
        "trust.azure.federation-blocked",
    ),
    (
        "azure.aadsts700021",
        "ERROR: AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter.",
        "trust",
        "trust.azure.no-matching-credential",
    ),
    (
        "azure.aadsts700023",
        "ERROR: AADSTS700023: Client assertion audience claim does not match Realm issuer.",
        "trust",
        "trust.azure.audience-mismatch",
    ),
    (
        "azure.aadsts700027",
        "ERROR: AADSTS700027: Client assertion failed signature validation.",
        "token",
        "token.signature-invalid",
    ),
    (
        "azure.login.inputs-missing",
        "Error: Using auth-type: SERVICE_PRINCIPAL. Not all values are present. Ensure 'client-id' and 'tenant-id' are supplied.",
        "workflow",
        "workflow.action-input-missing",
    ),
    (
        "azure.identity.env-missing",
        "ValueError: 'tenant_id' is required. Please pass it in or set the AZURE_TENANT_ID environment variable",
        "workflow",
        "workflow.action-input-missing",
    ),
    (
        "azure.cli.too-old",
        "UnrecognizedArgumentError: unrecognized arguments: --federated-token ***",
        "workflow",
        "workflow.cli-too-old",
    ),
    (
        "azure.devops.task-without-wif",
        "cannot request token: Get ?audience=api://AzureADTokenExchange: unsupported protocol scheme",
        "workflow",
        "workflow.azure-devops.task-without-wif",
    ),
    (
        "azure.cli.no-subscriptions",
        "ERROR: No subscriptions found for 3f2b8c1e-6d4a-4f7e-9b21-0c5d8e7a6f13.",
        "role",
        "role.azure.no-subscriptions",
    ),
    (
        "azure.api.authorization-failed",
        "ERROR: (AuthorizationFailed) The client '3f2b8c1e' with object id '9a8b' does not have authorization to perform action 'Microsoft.Web/sites/write' over scope '/subscriptions/x' or the scope is invalid.",
        "audit",
        "audit.azure.authorization-failed",
    ),
    (
        "azure.login.token-parse-warning",
        "Warning: Failed to parse the federated token. Error: Unexpected token",
        "token",
        "info",
    ),
    (
        "vault.audience-mismatch",
        "Error: failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 400 (Bad Request), vaultResponse: {\"errors\":[\"error validating token: invalid audience (aud) claim: audience claim does not match any expected audience\"]}",
        "trust",
        "trust.vault.audience-mismatch",
    ),
    (
        "vault.subject-mismatch",
        "* error validating token: invalid subject (sub) claim",
        "trust",
        "trust.vault.subject-mismatch",
    ),
    (
        "vault.issuer-mismatch",
        "* error validating token: invalid issuer (iss) claim",
        "trust",
        "trust.vault.issuer-mismatch",
    ),
    (
        "vault.no-bound-audiences",
        "* audience claim found in JWT but no audiences bound to the role",
        "trust",
        "trust.vault.no-bound-audiences",
    ),
    (
        "vault.bound-claims",
        "* error validating claims: claim \"ref\" does not match any associated bound claim values",
        "trust",
        "trust.vault.bound-claims-mismatch",
    ),
    (
        "vault.user-claim-missing",
        "* claim \"email\" not found in token",
        "trust",
        "trust.vault.user-claim-missing",
    ),
    (
        "vault.token-expired",
        "* error validating token: invalid expiration time (exp) claim: token is expired",
        "token",
        "token.expired",
    ),
    (
        "vault.token-not-yet-valid",
        "* error validating token: invalid not before (nbf) claim: token not yet valid",
        "token",
        "token.not-yet-valid",
    ),
    (
        "vault.signature",
        "* error validating token: error verifying token signature: no known key successfully validated the token signature",
        "trust",
        "trust.vault.login-failed",
    ),
    (
        "vault.role-not-found",
        "* role \"acme-web\" could not be found",
        "workflow",
        "workflow.vault.role-not-found",
    ),
    (
        "vault.missing-role",
        "Error: failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 400 (Bad Request), vaultResponse: {\"errors\":[\"missing role\"]}",
        "workflow",
        "workflow.vault.role-not-found",
    ),
    (
        "vault.oidc-role-type",
        "* role with oidc role_type is not allowed",
        "workflow",
        "workflow.vault.role-not-found",
    ),
    (
        "vault.missing-token",
        "* missing token",
        "workflow",
        "workflow.action-input-missing",
    ),
    (
        "vault.action.login-failed",
        "Error: failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 403 (Forbidden), vaultResponse: {\"errors\":[\"permission denied\"]}",
        "trust",
        "trust.vault.login-failed",
    ),
    (
        "vault.action.no-client-token",
        "Error: Unable to retrieve token from jwt's login endpoint.",
        "trust",
        "trust.vault.login-failed",
    ),
    (
        "vault.cli.login-failed",
        "Error writing data to auth/jwt/login: Error making API request.",
        "trust",
        "trust.vault.login-failed",
    ),
    (
        "aws.cac.assuming-role",
        "Assuming role with OIDC",
        "token",
        "pass",
    ),
    (
        "aws.cac.authenticated",
        "Authenticated as assumedRoleId AROAEXAMPLEROLEID12345:GitHubActions",
        "role",
        "pass",
    ),
    (
        "aws.sts.caller-identity",
        "    \"Arn\": \"arn:aws:sts::123456789012:assumed-role/acme-web-deploy/GitHubActions\"",
        "role",
        "pass",
    ),
    (
        "azure.login.succeeded",
        "Azure CLI login succeeds by using OIDC.",
        "role",
        "pass",
    ),
    (
        "vault.login.succeeded",
        "Success! You are now authenticated. The token information displayed below is already stored in the token helper.",
        "role",
        "pass",
    ),
    (
        "gcp.deploy.serving",
        "Service [web] revision [web-00042-xuw] has been deployed and is serving 100 percent of traffic.",
        "audit",
        "pass",
    ),
    (
        "aws.s3.upload",
        "upload: dist/index.html to s3://acme-web-prod/index.html",
        "audit",
        "pass",
    ),
    (
        "aws.cloudformation.deployed",
        "Successfully created/updated stack - acme-web",
        "audit",
        "pass",
    ),
    (
        "terraform.apply-complete",
        "Apply complete! Resources: 3 added, 1 changed, 0 destroyed.",
        "audit",
        "pass",
    ),
    (
        "gcp.auth.credentials-file",
        "Created credentials file at \"/home/runner/work/web/web/gha-creds-3f1c2b8a9d7e6f50.json\"",
        "role",
        "info",
    ),
    (
        "azure.login.attempting-oidc",
        "Attempting Azure CLI login by using OIDC...",
        "trust",
        "info",
    ),
    (
        "azure.aadsts.other",
        "ERROR: AADSTS7000215: Invalid client secret provided.",
        "trust",
        "info",
    ),
];

/// The samples here, with the stage and finding each must make, cover the built-in
/// catalogue as it was written in Rust (each knowledge entry also carries its own
/// sample, checked in `messages::tests`).
#[test]
fn every_sample_here_names_a_catalogued_message() {
    for (key, ..) in SAMPLES {
        assert!(super::messages::by_key(key).is_some(), "no entry {key}");
    }
    assert!(SAMPLES.len() + 2 >= messages().len());
}

#[test]
fn every_sample_is_classified_as_its_entry_on_its_stage() {
    for (key, line, stage, expect) in SAMPLES {
        let m = classify(line).unwrap_or_else(|| panic!("{key}: nothing matched {line:?}"));
        assert_eq!(m.key, *key, "{line}");
        assert_eq!(m.stage.name(), *stage, "{key}");
        match *expect {
            "pass" => assert_eq!(m.outcome, Outcome::Pass, "{key}"),
            "info" => assert_eq!(m.outcome, Outcome::Info, "{key}"),
            id => assert_eq!(m.rule.map(|r| r.id), Some(id), "{key}"),
        }
    }
}

#[test]
fn every_failure_sample_fails_its_stage_through_the_engine() {
    for (key, line, stage, expect) in SAMPLES {
        let d = run(&[Input::pasted("paste", *line)], Some(1_772_446_500));
        let stage = Stage::from_name(stage).unwrap();
        match *expect {
            "pass" => assert_eq!(status(&d, stage), StageStatus::Passed, "{key}"),
            "info" => assert_ne!(status(&d, stage), StageStatus::Failed, "{key}"),
            id => {
                assert_eq!(
                    status(&d, stage),
                    StageStatus::Failed,
                    "{key}: {:?}",
                    d.stages
                );
                assert!(ids(&d).contains(&id), "{key}: {:?}", ids(&d));
                assert_eq!(d.stopped_at, Some(stage), "{key}");
            }
        }
    }
}

#[test]
fn on_gitlab_an_empty_vault_jwt_means_no_id_tokens() {
    let log = "Running with gitlab-runner 17.8.3 (690ce25c)\nExecuting \"step_script\" stage of the job script\n$ vault write auth/jwt/login role=acme jwt=$VAULT_ID_TOKEN\nError writing data to auth/jwt/login: Error making API request.\n\n* missing token\nERROR: Job failed: exit code 2\n";
    let d = run(&[Input::pasted("job.log", log)], Some(0));
    assert_eq!(d.artifacts[0].kind, ArtifactKind::CiLog(Platform::Gitlab));
    assert!(
        ids(&d).contains(&"workflow.gitlab.missing-id-tokens"),
        "{:?}",
        ids(&d)
    );
}

#[test]
fn a_jwt_printed_in_a_log_is_shared_and_inspected() {
    let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwic3ViIjoicmVwbzphY21lL3dlYjpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20iLCJpYXQiOjE3NzI0NDY0MDAsImV4cCI6MTc3MjQ0NjcwMCwicnVuX2lkIjoiOTMxNDY5MDYyMCJ9.c2lnbmF0dXJl";
    let log = format!(
        "2026-03-02T10:14:00.0000000Z ##[group]Run ./debug-token.sh\n2026-03-02T10:14:00.1000000Z ##[endgroup]\n2026-03-02T10:14:01.0000000Z token={token}\n2026-03-02T10:14:02.0000000Z ##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n"
    );
    let d = run(&[Input::pasted("job.log", log)], None);
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    assert_eq!(status(&d, Stage::Token), StageStatus::Passed);
    let token_ev = &d.stages[Stage::Token.index()].evidence;
    assert!(
        token_ev
            .iter()
            .any(|e| e.locator == "line 3"
                && e.summary.contains("repo:acme/web:ref:refs/heads/main")),
        "{token_ev:?}"
    );
    // The run ID comes from the token's claims.
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command == "gh run view 9314690620 --log-failed"),
        "{:?}",
        d.next_evidence
    );
    // The signature never leaves the tool.
    let json = serde_json::to_string(&d).unwrap();
    assert!(!json.contains("c2lnbmF0dXJl"));
}

#[test]
fn a_token_from_another_run_is_told_apart() {
    // A token issued hours before the exchange, for another subject and run.
    let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwic3ViIjoicmVwbzphY21lL3dlYjpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20iLCJpYXQiOjE3NzI0NDY0MDAsImV4cCI6MTc3MjQ0NjcwMCwicnVuX2lkIjoiOTMxNDY5MDYyMCJ9.c2lnbmF0dXJl";
    let log = "2026-03-02T16:14:20.0000000Z ##[group]Run azure/login@v2\n2026-03-02T16:14:20.0500000Z ##[endgroup]\n2026-03-02T16:14:20.1000000Z Federated token details:\n2026-03-02T16:14:20.1000000Z  issuer - https://token.actions.githubusercontent.com\n2026-03-02T16:14:20.1000000Z  subject claim - repo:acme/web:environment:Production\n2026-03-02T16:14:21.0000000Z ##[error]AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/web:environment:Production'. See https://github.com/acme/web/actions/runs/111/job/222\n";
    let d = run(
        &[
            Input::pasted("token.txt", token),
            Input::pasted("job.log", log),
        ],
        None,
    );
    let token_ev: Vec<&str> = d.stages[Stage::Token.index()]
        .evidence
        .iter()
        .filter(|e| e.artifact == "job.log" && e.outcome == Outcome::Info)
        .map(|e| e.summary.as_str())
        .collect();
    assert!(token_ev.iter().any(|s| s.contains("has subject repo:acme/web:ref:refs/heads/main, but this run presented repo:acme/web:environment:Production")), "{token_ev:?}");
    assert!(
        token_ev
            .iter()
            .any(|s| s.contains("6h1m before this exchange")),
        "{token_ev:?}"
    );
    assert!(
        token_ev
            .iter()
            .any(|s| s.contains("is from run 9314690620, this log from run 111")),
        "{token_ev:?}"
    );
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command == "gh run view 111 --repo acme/web --log-failed"),
        "{:?}",
        d.next_evidence
    );
}

#[test]
fn a_log_with_no_oidc_lines_says_so() {
    let log = "2026-03-02T10:14:00.0000000Z Current runner version: '2.322.0'\n2026-03-02T10:14:01.0000000Z ##[group]Run npm test\n2026-03-02T10:14:02.0000000Z ok\n";
    let d = run(&[Input::pasted("job.log", log)], Some(0));
    assert_eq!(
        d.artifacts[0].kind,
        ArtifactKind::CiLog(Platform::GithubActions)
    );
    let wf = &d.stages[Stage::Workflow.index()].evidence;
    assert!(
        wf.iter()
            .any(|e| e.outcome == Outcome::Info && e.summary.contains("no token request")),
        "{wf:?}"
    );
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command.starts_with("gh run view RUN_ID"))
    );
}

/// A platform's job log shows the job ran: the workflow stage gets a runtime pass at
/// the first runner header or step line — on every platform's fixture whose log does
/// not itself fail the workflow stage.
#[test]
fn a_job_log_proves_the_job_ran() {
    let cases = [
        ("github-raw-max-session.log", None),
        (
            "gitlab-timestamps-provider-not-found.log",
            Some("Running with gitlab-runner"),
        ),
        ("azure-devops-aadsts700213.log", Some("AzureCLI")),
        (
            "buildkite-assume-role-denied.log",
            Some("Running global environment hook"),
        ),
        (
            "circleci-assume-role-denied.txt",
            Some("#!/bin/bash -eo pipefail"),
        ),
        ("bitbucket-s3-access-denied.txt", None),
    ];
    for (name, what) in cases {
        let d = run(&[fixture(name)], None);
        let wf = &d.stages[Stage::Workflow.index()].evidence;
        let ran = wf
            .iter()
            .find(|e| e.outcome == Outcome::Pass && e.summary.contains("the job ran"))
            .unwrap_or_else(|| panic!("{name}: {wf:?}"));
        assert_eq!(ran.artifact, name);
        assert!(ran.locator.starts_with("line "), "{name}: {}", ran.locator);
        if let Some(what) = what {
            assert!(ran.summary.contains(what), "{name}: {}", ran.summary);
        }
        assert_eq!(status(&d, Stage::Workflow), StageStatus::Passed, "{name}");
    }
    let log = "2026-03-02T10:14:00.0000000Z Current runner version: '2.322.0'\n2026-03-02T10:14:01.0000000Z ##[group]Run npm test\n";
    let d = run(&[Input::pasted("job.log", log)], Some(0));
    let ran = d.stages[Stage::Workflow.index()]
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Pass)
        .unwrap();
    assert_eq!(ran.locator, "line 1");
    assert!(
        ran.summary.contains("Current runner version"),
        "{}",
        ran.summary
    );
    assert_eq!(ran.time, Some(1_772_446_440));
}

/// When the log proves the workflow stage failed, the job having started is no pass.
#[test]
fn a_workflow_failure_in_the_log_is_not_overruled_by_the_job_starting() {
    let d = run(&[fixture("github-raw-missing-id-token.log")], None);
    let wf = &d.stages[Stage::Workflow.index()].evidence;
    assert!(
        !wf.iter().any(|e| e.summary.contains("the job ran")),
        "{wf:?}"
    );
    assert_eq!(status(&d, Stage::Workflow), StageStatus::Failed);
    // Pasted error text is no job log.
    let d = run(
        &[Input::pasted(
            "error.txt",
            "ERROR: AADSTS50166: Request to External OIDC endpoint failed.",
        )],
        Some(0),
    );
    assert!(
        d.stages[Stage::Workflow.index()]
            .evidence
            .iter()
            .all(|e| !e.summary.contains("the job ran"))
    );
    assert!(
        ids(&d).contains(&"trust.azure.issuer-unreachable"),
        "{:?}",
        ids(&d)
    );
}

#[test]
fn a_generic_log_is_claimed_when_it_carries_messages() {
    let mut log = String::new();
    for i in 0..25 {
        log.push_str(&format!("step {i}: doing things\n"));
    }
    log.push_str("An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity\n");
    assert_eq!(log_platform(log.as_bytes()), Some(Platform::Generic));
    // Without a message it is nobody's log.
    let plain = "step: doing things\n".repeat(30);
    assert_eq!(log_platform(plain.as_bytes()), None);
}

#[test]
fn logs_and_documents_are_told_apart() {
    // A workflow file mentioning the messages is YAML, not a log.
    let yaml = "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"Not authorized to perform sts:AssumeRoleWithWebIdentity\"\n";
    assert_eq!(log_platform(yaml.as_bytes()), None);
    // JSON, whole or cut mid-array.
    assert_eq!(log_platform(br#"{"Records":[{"errorMessage":"Not authorized to perform sts:AssumeRoleWithWebIdentity"}]}"#), None);
    assert_eq!(
        log_platform(
            br#"[{"eventName":"AssumeRoleWithWebIdentity","errorCode":"AccessDenied"},{"eventN"#
        ),
        None
    );
    // Binary, empty.
    assert_eq!(log_platform(b"\x00\x01\x00\x02##[group]Run a/b@v1\n"), None);
    // A stray NUL in a long log does not make it binary.
    let mut stray = b"Running with gitlab-runner 17.8.3 (690ce25c)\n".to_vec();
    stray.extend_from_slice(b"2026-03-02T10:14:02.1\x0082Z 00O ERROR: Job failed: exit code 1\n");
    stray.extend_from_slice(&b"$ make deploy\n".repeat(20));
    assert_eq!(log_platform(&stray), Some(Platform::Gitlab));
    assert_eq!(log_platform(b""), None);
    assert_eq!(log_platform(b"\n\n  \n"), None);
}

#[test]
fn invalid_utf8_is_read_lossily_with_a_note() {
    let mut log = b"2026-03-02T10:14:00.0000000Z ##[group]Run aws-actions/configure-aws-credentials@v4\n2026-03-02T10:14:01.0000000Z caf\xe9 \xff\xfe\n".to_vec();
    log.extend_from_slice(b"2026-03-02T10:14:02.0000000Z ##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n");
    let Recognition::Loaded(loaded) = CiLogSource.recognise(&Input::pasted("job.log", log)) else {
        panic!("not loaded")
    };
    let note = loaded.note().unwrap();
    assert!(
        note.contains("1 line(s) were not valid UTF-8 (first at line 2, byte"),
        "{note}"
    );
}

/// Bytes without a line break, generated: never a file on disk.
struct EndlessLine {
    left: u64,
}

impl Read for EndlessLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        buf[..n].fill(b'a');
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn a_two_gigabyte_line_stops_reading_without_holding_it() {
    let head = b"2026-03-02T10:14:00.0000000Z ##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n".as_slice();
    let reader = BufReader::with_capacity(1 << 20, head.chain(EndlessLine { left: 2 << 30 }));
    let scanned = scan(reader, Platform::GithubActions);
    assert_eq!(
        scanned.analysis.events.len(),
        1,
        "the line before the damage is kept"
    );
    assert!(
        scanned
            .notes
            .iter()
            .any(|n| n.contains("line 2 (from byte") && n.contains("without a line break")),
        "{:?}",
        scanned.notes
    );
}

/// A reader that fails after some lines.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("disk went away"));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_read_error_keeps_what_was_read() {
    let head = b"Assuming role with OIDC\nAuthenticated as assumedRoleId AROAEXAMPLEROLEID12345:GitHubActions\npartial";
    let scanned = scan(BufReader::new(Failing(head)), Platform::GithubActions);
    assert_eq!(scanned.analysis.events.len(), 2);
    let expected = format!(
        "reading stopped at line 3 (byte {}): disk went away",
        head.len()
    );
    assert!(scanned.notes[0].contains(&expected), "{:?}", scanned.notes);
}

#[test]
fn a_large_input_is_streamed_past_its_head() {
    // A head that is a log and a tail only the stream sees.
    let mut bytes =
        b"2026-03-02T10:14:00.0000000Z ##[group]Run aws-actions/configure-aws-credentials@v4\n"
            .to_vec();
    bytes.extend_from_slice(b"2026-03-02T10:14:00.1000000Z ##[endgroup]\n");
    bytes.extend_from_slice(b"2026-03-02T10:14:05.0000000Z Authenticated as assumedRoleId AROAEXAMPLEROLEID12345:GitHubActions\n");
    let mut input = Input::pasted("big.log", bytes);
    input.truncated = true;
    let Recognition::Loaded(loaded) = CiLogSource.recognise(&input) else {
        panic!("not loaded")
    };
    assert!(
        loaded
            .note()
            .unwrap()
            .contains("3 line(s) with timestamps, 1 OIDC-related"),
        "{:?}",
        loaded.note()
    );
}

#[test]
fn gcp_provider_markers_claim_logs_first() {
    // Documents an ordering hazard outside this module: the GCP provider source
    // treats any non-JSON input naming `workloadIdentityPools/` as a broken provider,
    // and it runs before the job log reader. This log is read correctly by itself.
    let input = fixture("github-web-gcp-impersonation-denied.txt");
    assert_eq!(log_platform(&input.bytes), Some(Platform::GithubActions));
}

fn summaries_are_terminal_safe(out: &Observations) {
    let all = out
        .evidence
        .iter()
        .map(|e| e.summary.clone())
        .chain(
            out.findings
                .iter()
                .map(|f| format!("{} {}", f.cause, f.fix)),
        )
        .chain(
            out.next_evidence
                .iter()
                .map(|n| format!("{} {}", n.what, n.command)),
        );
    for s in all {
        assert!(
            !s.chars().any(|c| c.is_control()),
            "raw control character in {s:?}"
        );
    }
}

fn exercise(bytes: &[u8]) {
    let input = Input::pasted("fuzz", bytes);
    let facts = SharedFacts {
        tokens: Vec::new(),
        claims: Vec::new(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters {
            role: Some("deploy".to_owned()),
            subject: None,
            since: Some(0),
            until: None,
        },
        clock: Clock::fixed(1_772_446_500),
        skew: 60,
    };
    for recognition in [
        CiLogSource.recognise(&input),
        ErrorTextSource.recognise(&input),
    ] {
        if let Recognition::Loaded(loaded) = recognition {
            let mut shared = facts.clone();
            loaded.share("fuzz", &mut shared);
            let _ = loaded.note();
            let mut out = Observations::default();
            loaded.contribute("fuzz", &shared, &mut out);
            summaries_are_terminal_safe(&out);
        }
    }
}

/// Fragments real logs are made of, to build inputs that reach deep paths.
const FRAGMENTS: &[&str] = &[
    "2026-03-02T10:14:21.1234567Z ",
    "2026-03-02T10:14:21.123456Z 00O ",
    "deploy\tstep\t2026-03-02T10:14:21.0000000Z ",
    "\x1b_bk;t=1772446400000\x07",
    "##[group]Run aws-actions/configure-aws-credentials@v4",
    "##[error]",
    "with:",
    "  role-to-assume: arn:aws:iam::123456789012:role/deploy",
    "section_start:1772446458:step_script\r\x1b[0K",
    "\x1b[31;1m",
    "\r",
    "Federated token details:",
    " subject claim - repo:a/b:ref:refs/heads/main",
    "Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'x'",
    "Could not assume role with OIDC: ",
    "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    "Authenticated as assumedRoleId AROA:x",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    "* missing role",
    "\u{202e}",
    "é",
    "\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn log_shaped_input_never_panics(parts in proptest::collection::vec(0..FRAGMENTS.len(), 0..60)) {
        let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
        exercise(text.as_bytes());
    }
}
