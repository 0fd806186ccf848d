//! The one catalogue of finding ids (DESIGN.md: lowercase, dot-separated, first segment
//! the stage, then the cloud or platform where specific, then the check). A finding can
//! only be made from a [`Rule`] listed here, so an unlisted id cannot exist; the tests
//! check ids are unique and well-formed, and that no source file invents one.

use super::model::{Evidence, Finding, Risk, Severity, Stage};

/// A kind of finding: its stable id, stage, default severity, risk and title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub stage: Stage,
    pub severity: Severity,
    pub risk: Option<Risk>,
    pub title: &'static str,
}

impl Rule {
    /// A finding of this rule.
    pub fn finding(&self, cause: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            id: self.id,
            stage: self.stage,
            severity: self.severity,
            risk: self.risk,
            title: self.title,
            cause: cause.into(),
            fix: fix.into(),
            evidence: Vec::new(),
        }
    }
}

impl Finding {
    /// Attach the evidence that proves the finding.
    pub fn with_evidence(mut self, evidence: Evidence) -> Finding {
        self.evidence.push(evidence);
        self
    }

    /// Override the rule's default severity (an expired token is only a warning when the
    /// clock is the machine's own).
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
}

macro_rules! catalog {
    ($( $(#[$doc:meta])* $name:ident = $id:literal, $stage:ident, $severity:ident, $risk:expr, $title:literal; )*) => {
        $( $(#[$doc])* pub const $name: Rule = Rule {
            id: $id, stage: Stage::$stage, severity: Severity::$severity, risk: $risk, title: $title,
        }; )*
        /// Every rule, in catalogue order.
        pub const CATALOG: &[Rule] = &[ $( $name ),* ];
    };
}

catalog! {
    // --- workflow ---
    /// The token comes from a `pull_request` run: code under review asked for it.
    WORKFLOW_GITHUB_PULL_REQUEST_RUN = "workflow.github.pull-request-run", Workflow, Info, None,
        "Token issued to a pull request run";
    /// `pull_request_target` runs with the base repository's privileges on a fork's event.
    WORKFLOW_GITHUB_PULL_REQUEST_TARGET = "workflow.github.pull-request-target", Workflow, Warning, Some(Risk::Medium),
        "Token issued to a pull_request_target run";
    /// The token comes from a GitLab merge request pipeline (`pipeline_source`
    /// `merge_request_event`): the source branch's unmerged code asked for it.
    WORKFLOW_GITLAB_MERGE_REQUEST_RUN = "workflow.gitlab.merge-request-run", Workflow, Info, None,
        "Token issued to a merge request pipeline";

    // Runtime evidence of the workflow stage (job logs, workflow files).
    WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION = "workflow.github.missing-id-token-permission", Workflow, Error, None,
        "The job cannot request an ID token (id-token: write missing)";
    WORKFLOW_GITLAB_MISSING_ID_TOKENS = "workflow.gitlab.missing-id-tokens", Workflow, Error, None,
        "The job declares no id_tokens";
    WORKFLOW_ACTION_INPUT_MISSING = "workflow.action-input-missing", Workflow, Error, None,
        "The cloud login step is missing inputs";
    WORKFLOW_ACTION_MISCONFIGURED = "workflow.action-misconfigured", Workflow, Error, None,
        "The cloud login step is misconfigured";
    WORKFLOW_VAULT_ROLE_NOT_FOUND = "workflow.vault.role-not-found", Workflow, Error, None,
        "The Vault role or auth mount does not exist";
    WORKFLOW_AZURE_DEVOPS_TASK_WITHOUT_WIF = "workflow.azure-devops.task-without-wif", Workflow, Error, None,
        "The pipeline task does not support workload identity federation";
    WORKFLOW_CLI_TOO_OLD = "workflow.cli-too-old", Workflow, Error, None,
        "The cloud CLI is too old for federated login";
    WORKFLOW_GITHUB_FORK_PULL_REQUEST = "workflow.github.fork-pull-request", Workflow, Info, None,
        "Run from a fork's pull request";
    WORKFLOW_GITHUB_PULL_REQUEST_TARGET_CHECKOUT = "workflow.github.pull-request-target-checkout", Workflow, Warning, Some(Risk::High),
        "pull_request_target job checks out the pull request and can get cloud credentials";
    WORKFLOW_GITHUB_ID_TOKEN_WRITE_EVERYWHERE = "workflow.github.id-token-write-everywhere", Workflow, Info, Some(Risk::Low),
        "id-token: write granted to every job of the workflow";

    // --- token ---
    TOKEN_REQUEST_FAILED = "token.request-failed", Token, Error, None,
        "The CI platform refused to issue the token";
    TOKEN_EXPIRED = "token.expired", Token, Error, None,
        "Token expired";
    TOKEN_NOT_YET_VALID = "token.not-yet-valid", Token, Error, None,
        "Token not yet valid";
    TOKEN_MISSING_EXPIRY = "token.missing-expiry", Token, Error, None,
        "Token has no expiry";
    TOKEN_MISSING_CLAIM = "token.missing-claim", Token, Error, None,
        "Required claim missing";
    TOKEN_BAD_TIME_CLAIM = "token.bad-time-claim", Token, Error, None,
        "Time claim is not a number";
    TOKEN_SIGNATURE_UNCHECKED = "token.signature-unchecked", Token, Info, None,
        "Signature not checked";
    TOKEN_SIGNATURE_INVALID = "token.signature-invalid", Token, Error, None,
        "Bad signature";
    TOKEN_KEY_NOT_FOUND = "token.key-not-found", Token, Error, None,
        "No key for the token's kid";
    TOKEN_ALGORITHM_NOT_ALLOWED = "token.algorithm-not-allowed", Token, Error, None,
        "Algorithm not allowed by the key";
    TOKEN_UNSIGNED = "token.unsigned", Token, Warning, None,
        "Unsigned token (alg none)";
    TOKEN_HMAC_SIGNED = "token.hmac-signed", Token, Warning, None,
        "HMAC-signed token";
    /// RFC 7515 §4.1.11: a `crit` header names extensions a verifier must understand or
    /// reject the token; this tool understands none, and no CI platform sets one.
    TOKEN_CRIT_HEADER = "token.crit-header", Token, Warning, None,
        "Token header has critical extensions (crit)";
    TOKEN_UNKNOWN_ISSUER = "token.unknown-issuer", Token, Info, None,
        "Issuer is not a known CI platform";
    TOKEN_DEFAULT_AUDIENCE = "token.github.default-audience", Token, Info, None,
        "Token has GitHub's default audience";
    TOKEN_ISSUER_WHITESPACE = "token.issuer-whitespace", Token, Warning, None,
        "Issuer has leading or trailing whitespace";
    TOKEN_SEVERAL_TOKENS = "token.several-tokens", Token, Info, None,
        "Several tokens in one input";

    // --- trust ---
    /// Runtime evidence and a static evaluation of the trust configuration disagree.
    TRUST_RUNTIME_DISAGREES = "trust.runtime-disagrees", Trust, Warning, None,
        "The given trust configuration disagrees with what happened";

    // AWS role trust policy (STS AssumeRoleWithWebIdentity).
    TRUST_AWS_PROVIDER_MISMATCH = "trust.aws.provider-mismatch", Trust, Error, None,
        "Trust policy names another OIDC provider";
    TRUST_AWS_SUBJECT_MISMATCH = "trust.aws.subject-mismatch", Trust, Error, None,
        "Subject does not match the trust policy";
    TRUST_AWS_AUDIENCE_MISMATCH = "trust.aws.audience-mismatch", Trust, Error, None,
        "Audience does not match the trust policy";
    TRUST_AWS_CONDITION_MISMATCH = "trust.aws.condition-mismatch", Trust, Error, None,
        "A trust policy condition does not match";
    TRUST_AWS_EXPLICIT_DENY = "trust.aws.explicit-deny", Trust, Error, None,
        "An explicit Deny matches the token";
    TRUST_AWS_ACTION_NOT_ALLOWED = "trust.aws.action-not-allowed", Trust, Error, None,
        "No statement allows sts:AssumeRoleWithWebIdentity";
    TRUST_AWS_STRING_LIKE_WITHOUT_WILDCARD = "trust.aws.string-like-without-wildcard", Trust, Info, None,
        "StringLike without a wildcard";
    TRUST_AWS_WILDCARD_WITH_STRING_EQUALS = "trust.aws.wildcard-with-string-equals", Trust, Warning, None,
        "Wildcard in a StringEquals value is literal";

    TRUST_AWS_NOT_AUTHORIZED = "trust.aws.not-authorized", Trust, Error, None,
        "STS refused the token: Not authorized to perform sts:AssumeRoleWithWebIdentity";
    TRUST_AWS_PROVIDER_NOT_FOUND = "trust.aws.provider-not-found", Trust, Error, None,
        "No IAM OIDC provider for the token's issuer";
    TRUST_AWS_KEYS_UNREACHABLE = "trust.aws.keys-unreachable", Trust, Error, None,
        "AWS could not fetch the issuer's signing keys";
    TRUST_AWS_INVALID_IDENTITY_TOKEN = "trust.aws.invalid-identity-token", Trust, Error, None,
        "STS rejected the token as invalid";

    // Azure federated identity credentials (Entra token exchange).
    TRUST_AZURE_APP_NOT_FOUND = "trust.azure.app-not-found", Trust, Error, None,
        "Application (client ID) not found in the tenant (AADSTS700016)";
    TRUST_AZURE_FEDERATION_BLOCKED = "trust.azure.federation-blocked", Trust, Error, None,
        "Workload identity federation is blocked in the tenant";
    TRUST_AZURE_NO_CREDENTIALS = "trust.azure.no-credentials", Trust, Error, None,
        "No federated identity credentials (AADSTS70025)";
    TRUST_AZURE_NO_MATCHING_CREDENTIAL = "trust.azure.no-matching-credential", Trust, Error, None,
        "No federated credential matches (AADSTS70021)";
    TRUST_AZURE_ISSUER_MISMATCH = "trust.azure.issuer-mismatch", Trust, Error, None,
        "Issuer does not match any federated credential (AADSTS700211)";
    TRUST_AZURE_SUBJECT_MISMATCH = "trust.azure.subject-mismatch", Trust, Error, None,
        "Subject does not match any federated credential (AADSTS700213)";
    TRUST_AZURE_AUDIENCE_MISMATCH = "trust.azure.audience-mismatch", Trust, Error, None,
        "Audience does not match any federated credential (AADSTS700212)";
    TRUST_AZURE_EXPRESSION_MISMATCH = "trust.azure.expression-mismatch", Trust, Error, None,
        "Claims matching expression does not match";
    /// AADSTS50166 / AADSTS90061: Entra could not fetch the issuer's discovery document or keys.
    TRUST_AZURE_ISSUER_UNREACHABLE = "trust.azure.issuer-unreachable", Trust, Error, None,
        "Entra could not reach the issuer's OIDC endpoint (AADSTS50166, AADSTS90061)";

    // GCP workload identity pool provider (STS ExchangeToken).
    TRUST_GCP_ISSUER_MISMATCH = "trust.gcp.issuer-mismatch", Trust, Error, None,
        "Issuer does not match the provider";
    TRUST_GCP_AUDIENCE_MISMATCH = "trust.gcp.audience-mismatch", Trust, Error, None,
        "Audience not allowed by the provider";
    TRUST_GCP_CONDITION_REJECTED = "trust.gcp.condition-rejected", Trust, Error, None,
        "Attribute condition rejects the token";
    TRUST_GCP_MAPPING_FAILED = "trust.gcp.mapping-failed", Trust, Error, None,
        "Attribute mapping fails on the token";
    TRUST_GCP_SUBJECT_TOO_LONG = "trust.gcp.subject-too-long", Trust, Error, None,
        "Mapped google.subject exceeds 127 bytes";
    TRUST_GCP_PROVIDER_DISABLED = "trust.gcp.provider-disabled", Trust, Error, None,
        "The provider is disabled";
    TRUST_GCP_FEDERATED_TOKEN_FAILED = "trust.gcp.federated-token-failed", Trust, Error, None,
        "Google STS refused the token exchange";
    TRUST_GCP_ISSUER_UNREACHABLE = "trust.gcp.issuer-unreachable", Trust, Error, None,
        "Google could not reach the issuer's discovery or keys";
    TRUST_GCP_ORG_POLICY_BLOCKED = "trust.gcp.org-policy-blocked", Trust, Error, None,
        "An organization policy blocks this identity provider";

    // Vault JWT auth role.
    TRUST_VAULT_ISSUER_MISMATCH = "trust.vault.issuer-mismatch", Trust, Error, None,
        "Issuer does not match bound_issuer";
    TRUST_VAULT_AUDIENCE_MISMATCH = "trust.vault.audience-mismatch", Trust, Error, None,
        "Audience not in bound_audiences";
    TRUST_VAULT_NO_BOUND_AUDIENCES = "trust.vault.no-bound-audiences", Trust, Error, None,
        "Token has an audience but the role binds none";
    TRUST_VAULT_SUBJECT_MISMATCH = "trust.vault.subject-mismatch", Trust, Error, None,
        "Subject does not match bound_subject";
    TRUST_VAULT_BOUND_CLAIMS_MISMATCH = "trust.vault.bound-claims-mismatch", Trust, Error, None,
        "A bound claim does not match";
    TRUST_VAULT_USER_CLAIM_MISSING = "trust.vault.user-claim-missing", Trust, Error, None,
        "The role's user_claim is not in the token";
    TRUST_VAULT_LOGIN_FAILED = "trust.vault.login-failed", Trust, Error, None,
        "Vault refused the JWT login";

    // Risk of a trust rule, on any cloud (reported on healthy paths too).
    TRUST_RISK_SUBJECT_WILDCARD = "trust.risk.subject-wildcard", Trust, Warning, Some(Risk::High),
        "Subject not pinned: any repository can match";
    TRUST_RISK_ORG_WIDE_SUBJECT = "trust.risk.org-wide-subject", Trust, Warning, Some(Risk::High),
        "Every repository of the organization can match";
    TRUST_RISK_PULL_REQUEST_SUBJECT = "trust.risk.pull-request-subject", Trust, Warning, Some(Risk::High),
        "Pull requests can match";
    TRUST_RISK_ANY_BRANCH = "trust.risk.any-branch", Trust, Warning, Some(Risk::High),
        "Any branch can match";
    TRUST_RISK_REPO_WIDE_SUBJECT = "trust.risk.repo-wide-subject", Trust, Warning, Some(Risk::Medium),
        "Every job of the repository can match";
    TRUST_RISK_AUDIENCE_NOT_PINNED = "trust.risk.audience-not-pinned", Trust, Warning, Some(Risk::Medium),
        "Audience not pinned";
    TRUST_RISK_FOR_ALL_VALUES_SINGLE_VALUED = "trust.risk.for-all-values-single-valued", Trust, Warning, Some(Risk::High),
        "ForAllValues on a single-valued key fails open";
    TRUST_RISK_NAME_BASED_SUBJECT = "trust.risk.name-based-subject", Trust, Info, Some(Risk::Low),
        "Name-based subject where an immutable-id form exists";
    /// HCP Terraform: the rule admits workspaces other than the one it was written for.
    TRUST_RISK_ANY_WORKSPACE = "trust.risk.any-workspace", Trust, Warning, Some(Risk::High),
        "Every workspace can match";
    /// HCP Terraform: plan runs (speculative plans of unmerged changes included) get the
    /// role too; HashiCorp's own example does this, hence low.
    TRUST_RISK_PLAN_PHASE = "trust.risk.plan-phase", Trust, Info, Some(Risk::Low),
        "Plan runs can match";

    // --- role ---
    ROLE_RUNTIME_DISAGREES = "role.runtime-disagrees", Role, Warning, None,
        "The given role binding disagrees with what happened";
    ROLE_AWS_MAX_SESSION_DURATION = "role.aws.max-session-duration", Role, Error, None,
        "Requested session is longer than the role's MaxSessionDuration";
    ROLE_AWS_ACCOUNT_MISMATCH = "role.aws.account-mismatch", Role, Error, None,
        "Credentials are for an account the job does not allow";
    ROLE_AWS_CREDENTIALS_UNVERIFIED = "role.aws.credentials-unverified", Role, Error, None,
        "The assumed credentials could not be verified";
    ROLE_GCP_TOKEN_LIFETIME = "role.gcp.token-lifetime", Role, Error, None,
        "Access token lifetime over the allowed maximum";
    ROLE_AZURE_NO_SUBSCRIPTIONS = "role.azure.no-subscriptions", Role, Error, None,
        "Signed in, but the identity has no role on any subscription";
    /// GCP: the mapped principal may not impersonate the service account.
    ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER = "role.gcp.missing-workload-identity-user", Role, Error, None,
        "Principal lacks roles/iam.workloadIdentityUser on the service account";

    // --- audit ---
    AUDIT_AWS_ACCESS_DENIED = "audit.aws.access-denied", Audit, Error, None,
        "A deploy call was denied to the assumed role";
    AUDIT_GCP_PERMISSION_DENIED = "audit.gcp.permission-denied", Audit, Error, None,
        "A deploy call was denied to the service account";
    AUDIT_GCP_UNAUTHENTICATED = "audit.gcp.unauthenticated", Audit, Error, None,
        "The API rejected the credentials (federated token used directly?)";
    AUDIT_AZURE_AUTHORIZATION_FAILED = "audit.azure.authorization-failed", Audit, Error, None,
        "A deploy call was not authorized for the identity";
    AUDIT_AWS_NO_SESSION_ACTIVITY = "audit.aws.no-session-activity", Audit, Warning, None,
        "CloudTrail shows no calls by the assumed-role session";
    /// The role was assumed, but a later call ran after the session's credentials expired.
    AUDIT_AWS_SESSION_EXPIRED = "audit.aws.session-expired", Audit, Error, None,
        "The assumed-role session expired before a deploy call";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique() {
        let mut seen = HashSet::new();
        for r in CATALOG {
            assert!(seen.insert(r.id), "duplicate finding id {}", r.id);
        }
    }

    #[test]
    fn ids_are_well_formed_and_start_with_their_stage() {
        for r in CATALOG {
            let mut segments = r.id.split('.');
            assert_eq!(
                segments.next(),
                Some(r.stage.name()),
                "{} is not on stage {}",
                r.id,
                r.stage.name()
            );
            assert!(r.id.split('.').count() >= 2, "{}", r.id);
            for seg in r.id.split('.') {
                assert!(
                    !seg.is_empty()
                        && seg
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{}",
                    r.id
                );
            }
        }
    }

    #[test]
    fn only_security_findings_carry_risk() {
        for r in CATALOG {
            if r.risk.is_some() {
                assert_ne!(
                    r.severity,
                    Severity::Error,
                    "{}: a risk is not a failure",
                    r.id
                );
            }
        }
    }

    /// No source file may build a finding with an id the catalogue does not list:
    /// outside this file, an `id: "…"` literal must name a catalogued rule.
    #[test]
    fn no_source_file_invents_an_id() {
        let known: HashSet<&str> = CATALOG.iter().map(|r| r.id).collect();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("catalog.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (_, rest) in text
                    .match_indices("id: \"")
                    .map(|(i, m)| (i, &text[i + m.len()..]))
                {
                    let literal = rest.split('"').next().unwrap_or_default();
                    let on_stage = literal
                        .split_once('.')
                        .is_some_and(|(head, _)| Stage::from_name(head).is_some());
                    if on_stage {
                        assert!(
                            known.contains(literal),
                            "{} uses unlisted finding id {literal:?}",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}
