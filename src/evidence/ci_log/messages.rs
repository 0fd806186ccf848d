//! The catalogue of messages that place a job log line (or a pasted error) on a stage:
//! one entry per row of `reference/errors.md`, plus the success lines that prove a
//! stage passed. Each entry cites the source its text was read from, with errors.md's
//! keys: TK = actions/toolkit `packages/core/src/oidc-utils.ts`; CAC =
//! aws-actions/configure-aws-credentials `src/index.ts`, `src/assumeRole.ts`,
//! `src/helpers.ts`, `src/CredentialsClient.ts`; STS = the AssumeRoleWithWebIdentity
//! API reference (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>)
//! and repost.aws `iam-oidc-idp-federation` / `iam-sts-invalididentitytoken`; GGA =
//! google-github-actions/auth `src/main.ts`, `src/client/*.ts`, `docs/TROUBLESHOOTING.md`;
//! GCPT = <https://cloud.google.com/iam/docs/troubleshooting-workload-identity-federation> ;
//! AZL = Azure/login `src/main.ts`, `src/common/LoginConfig.ts`, `src/Cli/AzureCliLogin.ts`;
//! ADO = <https://learn.microsoft.com/azure/devops/pipelines/release/troubleshoot-workload-identity> ;
//! ENTRA = <https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations> ;
//! VA = hashicorp/vault-action `src/auth.js`; VJ = hashicorp/vault-plugin-auth-jwt
//! `path_login.go`, `claims.go`; CAP = hashicorp/cap `jwt/jwt.go`; GLID =
//! <https://docs.gitlab.com/ci/secrets/id_token_authentication/> . "(unverified)" marks
//! text errors.md itself marks so.
//!
//! Matching is by case-insensitive substrings (wrappers such as google-github-actions
//! lower-case the first letter of what they wrap), except Entra codes, which compare as
//! numbers so that `AADSTS70021` never matches `AADSTS700213`. The first entry that
//! matches wins, so the specific text inside a wrapper (`Could not assume role with
//! OIDC: <STS error>`) is listed before the wrapper.

use std::sync::LazyLock;

use regex::Regex;

use crate::evidence::aadsts;
use crate::token::Cloud;
use crate::vocabulary::catalog::{self, Rule};
use crate::vocabulary::{Outcome, Stage};

/// How an entry recognises its line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pattern {
    /// Every `all` needle occurs, and one of `any` when it is not empty (lower case).
    Text {
        all: &'static [&'static str],
        any: &'static [&'static str],
    },
    /// An Entra error code (`AADSTS700213` is 700213).
    Aadsts(u32),
}

/// One catalogued message.
#[derive(Debug)]
pub(crate) struct Message {
    /// Stable name, for tests and the fuzz corpus.
    pub key: &'static str,
    pub pattern: Pattern,
    pub stage: Stage,
    /// `Fail` entries carry the rule that explains them; `Pass` and `Info` none.
    pub outcome: Outcome,
    pub rule: Option<Rule>,
    pub cloud: Option<Cloud>,
    /// What the line means, as the start of a sentence.
    pub meaning: &'static str,
    pub fix: &'static str,
    /// A wrapper names a failure without its reason: when a specific failure of the same
    /// cloud sits next to it, the wrapper adds nothing.
    pub wrapper: bool,
}

const fn text(all: &'static [&'static str], any: &'static [&'static str]) -> Pattern {
    Pattern::Text { all, any }
}

const fn fail(
    key: &'static str,
    pattern: Pattern,
    rule: Rule,
    cloud: Option<Cloud>,
    meaning: &'static str,
    fix: &'static str,
) -> Message {
    Message {
        key,
        pattern,
        stage: rule.stage,
        outcome: Outcome::Fail,
        rule: Some(rule),
        cloud,
        meaning,
        fix,
        wrapper: false,
    }
}

const fn wrapper(
    key: &'static str,
    pattern: Pattern,
    rule: Rule,
    cloud: Option<Cloud>,
    meaning: &'static str,
    fix: &'static str,
) -> Message {
    Message {
        wrapper: true,
        ..fail(key, pattern, rule, cloud, meaning, fix)
    }
}

const fn pass(
    key: &'static str,
    pattern: Pattern,
    stage: Stage,
    cloud: Option<Cloud>,
    meaning: &'static str,
) -> Message {
    Message {
        key,
        pattern,
        stage,
        outcome: Outcome::Pass,
        rule: None,
        cloud,
        meaning,
        fix: "",
        wrapper: false,
    }
}

/// An Entra code's entry, from the shared AADSTS table (`APP_ID` stays a placeholder:
/// a log seldom names the app the way the command needs it).
const fn entra(key: &'static str, code: u32) -> Message {
    let known = aadsts::code_info(code as i64);
    fail(
        key,
        Pattern::Aadsts(code),
        known.rule,
        AZURE,
        known.meaning,
        known.fix,
    )
}

const fn info(
    key: &'static str,
    pattern: Pattern,
    stage: Stage,
    cloud: Option<Cloud>,
    meaning: &'static str,
) -> Message {
    Message {
        outcome: Outcome::Info,
        ..pass(key, pattern, stage, cloud, meaning)
    }
}

const AWS: Option<Cloud> = Some(Cloud::Aws);
const AZURE: Option<Cloud> = Some(Cloud::Azure);
const GCP: Option<Cloud> = Some(Cloud::Gcp);
const VAULT: Option<Cloud> = Some(Cloud::Vault);

const FIX_ID_TOKEN: &str = "grant the job `permissions: id-token: write` (at job level, or at workflow level for every job); runs from forks and Dependabot do not get it";
const FIX_STS_TRUST: &str = "compare the token's `sub` and `aud` with the role's trust policy conditions (`aws iam get-role`); StringEquals does not expand `*`, and the principal must be this account's OIDC provider for the token's issuer";
const FIX_AZURE_FIC: &str = "add (or correct) a federated identity credential whose issuer, subject and audience equal the token's exactly (case included): `az ad app federated-credential list --id APP_ID`";
const FIX_GCP_PROVIDER: &str = "compare the token with the provider (`gcloud iam workload-identity-pools providers describe`): issuer URI, allowed audiences, attribute condition; use the project number, and the provider not the pool";
/// clouds.md Sessions: `DurationSeconds` up to the role's `MaxSessionDuration` (1–12 h,
/// default 1 h); configure-aws-credentials asks for 3600 s unless told otherwise.
pub(crate) const FIX_SESSION_EXPIRED: &str = "ask for a session that outlasts the job: raise `role-duration-seconds` (configure-aws-credentials; default 3600) within the role's MaxSessionDuration (raise that too if needed: `aws iam update-role --max-session-duration`), or assume the role again right before the long step";
const FIX_VAULT_ROLE: &str = "compare the token's claims with the JWT role (`vault read auth/jwt/role/ROLE`): bound_issuer (config), bound_audiences, bound_subject, bound_claims (and bound_claims_type=glob for wildcards)";

/// The catalogue, in matching order.
pub(crate) static MESSAGES: &[Message] = &[
    // --- GitHub token request (TK) ---
    // TK oidc-utils.ts getIDTokenUrl / getRequestToken
    fail(
        "github.request-env-missing",
        text(
            &[],
            &[
                "unable to get actions_id_token_request_url env variable",
                "unable to get actions_id_token_request_token env variable",
            ],
        ),
        catalog::WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION,
        None,
        "the runner gave the job no token request URL: the job lacks `id-token: write` (or runs from a fork or Dependabot)",
        FIX_ID_TOKEN,
    ),
    // GGA main.ts (also lower-cased by its wrapper: "gitHub Actions did not inject")
    fail(
        "gcp.auth.request-env-missing",
        text(&["did not inject $actions_id_token_request_token"], &[]),
        catalog::WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION,
        GCP,
        "google-github-actions/auth found no token request variables: the job lacks `id-token: write` (or runs from a fork)",
        FIX_ID_TOKEN,
    ),
    // CAC index.ts useGitHubOIDCProvider (an info line)
    fail(
        "aws.cac.id-token-permission-hint",
        text(
            &["it looks like you might be trying to authenticate with oidc"],
            &[],
        ),
        catalog::WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION,
        AWS,
        "configure-aws-credentials has a role to assume but no token request token: the job lacks `id-token: write`",
        FIX_ID_TOKEN,
    ),
    // AZL LoginConfig.ts getFederatedToken (older and newer wording)
    fail(
        "azure.login.fetch-token",
        text(
            &[],
            &[
                "failed to fetch federated token from github",
                "please make sure to give write permissions to id-token in the workflow",
            ],
        ),
        catalog::WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION,
        AZURE,
        "azure/login could not get the GitHub ID token: the job lacks `id-token: write`",
        FIX_ID_TOKEN,
    ),
    // GitLab: GLID "400: missing token" (before Vault's bare "missing token")
    fail(
        "gitlab.missing-token",
        text(&["400: missing token"], &[]),
        catalog::TOKEN_REQUEST_FAILED,
        None,
        "GitLab refused to issue the ID token (its prerequisites are missing)",
        "check the job's `id_tokens:` and the instance's `exceptions_json.log` for the cause",
    ),
    // GLID
    fail(
        "gitlab.no-signing-key",
        text(&["gitlab::ci::jwt::nosigningkeyerror"], &[]),
        catalog::TOKEN_REQUEST_FAILED,
        None,
        "GitLab has no key to sign ID tokens with",
        "an instance administrator must restore the CI JWT signing key",
    ),
    // TK getCall
    fail(
        "github.id-token-request-failed",
        text(&["failed to get id token"], &[]),
        catalog::TOKEN_REQUEST_FAILED,
        None,
        "GitHub's token service refused the ID token request",
        "retry the job; check the `audience` the step asks for",
    ),
    // TK getCall
    fail(
        "github.id-token-field-missing",
        text(&["response json body do not have id token field"], &[]),
        catalog::TOKEN_REQUEST_FAILED,
        None,
        "GitHub's token service answered without a token",
        "retry the job",
    ),
    // CAC index.ts
    wrapper(
        "aws.cac.getidtoken-failed",
        text(&["getidtoken call failed"], &[]),
        catalog::TOKEN_REQUEST_FAILED,
        AWS,
        "configure-aws-credentials could not get the GitHub ID token",
        "see the token service's reason on the same line; retry the job",
    ),
    // --- AWS STS (inside CAC's "Could not assume role with OIDC: …", the CLI and SDKs) ---
    // STS ValidationError (CAC role-duration-seconds over the role's MaxSessionDuration)
    fail(
        "aws.sts.max-session-duration",
        text(&["durationseconds exceeds the maxsessionduration"], &[]),
        catalog::ROLE_AWS_MAX_SESSION_DURATION,
        AWS,
        "STS refused the requested session length: it exceeds the role's MaxSessionDuration",
        "ask for a shorter session (`role-duration-seconds`, default 3600) or raise the role's MaxSessionDuration (`aws iam update-role --max-session-duration`, up to 43200)",
    ),
    // repost iam-oidc-idp-federation
    fail(
        "aws.sts.provider-not-found",
        text(&["no openidconnect provider found in your account"], &[]),
        catalog::TRUST_AWS_PROVIDER_NOT_FOUND,
        AWS,
        "STS found no IAM OIDC provider for the token's issuer in the role's account",
        "create the provider for the exact issuer URL (no trailing slash) in the role's account, and name it in the trust policy's Principal",
    ),
    // repost iam-sts-invalididentitytoken
    fail(
        "aws.sts.keys-unreachable",
        text(
            &["couldn't retrieve verification key from your identity provider"],
            &[],
        ),
        catalog::TRUST_AWS_KEYS_UNREACHABLE,
        AWS,
        "AWS could not fetch the issuer's signing keys (discovery or JWKS not reachable within 5 s)",
        "make the issuer's `/.well-known/openid-configuration` and `jwks_uri` public and fast; retry (throttling is transient)",
    ),
    // repost iam-oidc-idp-federation; GitLab AWS doc (provider creation). Closest rule: keys unreachable.
    fail(
        "aws.sts.openid-configuration",
        text(
            &[],
            &[
                "please check .well-known/openid-configuration of provider",
                "could not connect to openid configuration of provider",
            ],
        ),
        catalog::TRUST_AWS_KEYS_UNREACHABLE,
        AWS,
        "AWS could not read the provider's OpenID configuration",
        "check the provider URL and the issuer's TLS chain (self-managed issuers: no extra or out-of-order certificates)",
    ),
    // (unverified) in errors.md
    fail(
        "aws.sts.audience",
        text(&["incorrect token audience"], &[]),
        catalog::TRUST_AWS_AUDIENCE_MISMATCH,
        AWS,
        "STS refused the token's audience: it is not a client ID of the IAM OIDC provider",
        "request the token with the provider's audience (`sts.amazonaws.com` for configure-aws-credentials) or add the audience to the provider",
    ),
    // STS ExpiredTokenException on the web identity exchange
    fail(
        "aws.sts.web-identity-expired",
        text(
            &[],
            &[
                "token expired: current date/time",
                "expiredtokenexception) when calling the assumerolewithwebidentity",
                "could not assume role with oidc: token expired",
            ],
        ),
        catalog::TOKEN_EXPIRED,
        AWS,
        "STS refused the web identity token as expired",
        "exchange the token right after requesting it (long jobs: request a fresh token before the exchange)",
    ),
    // STS IDPRejectedClaim
    fail(
        "aws.sts.idp-rejected-claim",
        text(&["idprejectedclaim"], &[]),
        catalog::TRUST_AWS_INVALID_IDENTITY_TOKEN,
        AWS,
        "STS reports the identity provider rejected a claim",
        FIX_STS_TRUST,
    ),
    // STS IDPCommunicationError. Closest rule: keys unreachable.
    fail(
        "aws.sts.idp-communication",
        text(&["idpcommunicationerror"], &[]),
        catalog::TRUST_AWS_KEYS_UNREACHABLE,
        AWS,
        "STS could not reach the identity provider",
        "retry a few times; if it persists, check the issuer's discovery and JWKS endpoints",
    ),
    // GitLab AWS doc; CAC README: AccessDenied on AssumeRoleWithWebIdentity
    fail(
        "aws.sts.not-authorized",
        text(
            &[],
            &[
                "not authorized to perform sts:assumerolewithwebidentity",
                "accessdenied) when calling the assumerolewithwebidentity",
                "assumerolewithwebidentity, https response error statuscode: 403",
            ],
        ),
        catalog::TRUST_AWS_NOT_AUTHORIZED,
        AWS,
        "STS refused the token: the role's trust policy does not admit it",
        FIX_STS_TRUST,
    ),
    // STS InvalidIdentityToken (after the specific texts above)
    fail(
        "aws.sts.invalid-identity-token",
        text(&["invalididentitytoken"], &[]),
        catalog::TRUST_AWS_INVALID_IDENTITY_TOKEN,
        AWS,
        "STS rejected the token as invalid (signature, issuer or format)",
        "check the token's issuer against the IAM OIDC provider and that the issuer's keys verify its signature",
    ),
    // STS MalformedPolicyDocument / PackedPolicyTooLarge / RegionDisabledException: the step's inputs.
    fail(
        "aws.sts.request-rejected",
        text(
            &[],
            &[
                "packedpolicytoolarge",
                "malformedpolicydocument",
                "regiondisabledexception",
            ],
        ),
        catalog::WORKFLOW_ACTION_MISCONFIGURED,
        AWS,
        "STS refused the request itself (session policy, session tags or region)",
        "shrink or fix `inline-session-policy` / `managed-session-policies`, or use a region where STS is enabled",
    ),
    // CAC assumeRole.ts
    fail(
        "aws.cac.token-file-missing",
        text(&["web identity token file does not exist"], &[]),
        catalog::WORKFLOW_ACTION_MISCONFIGURED,
        AWS,
        "configure-aws-credentials found no file at `web-identity-token-file`",
        "point `web-identity-token-file` at the file the job writes (relative paths are under GITHUB_WORKSPACE)",
    ),
    // CAC index.ts (role-session-name checks)
    fail(
        "aws.cac.session-name",
        text(
            &[],
            &[
                "role session name must be between",
                "role session name is not valid",
            ],
        ),
        catalog::WORKFLOW_ACTION_MISCONFIGURED,
        AWS,
        "configure-aws-credentials refused `role-session-name`",
        "use 2–64 characters from `[\\w+=,.@-]`",
    ),
    // CAC index.ts REGION_REGEX
    fail(
        "aws.cac.region",
        text(&["region is not valid:"], &[]),
        catalog::WORKFLOW_ACTION_MISCONFIGURED,
        AWS,
        "configure-aws-credentials refused `aws-region`",
        "set `aws-region` to a region code such as `us-east-1` (an empty secret gives an empty region)",
    ),
    // CAC assumeRole.ts
    fail(
        "aws.cac.env-missing",
        text(
            &["missing required environment variables. are you running in github actions"],
            &[],
        ),
        catalog::WORKFLOW_ACTION_MISCONFIGURED,
        AWS,
        "configure-aws-credentials found no GITHUB_* variables",
        "run the action on GitHub Actions (or set the GITHUB_* variables it reads)",
    ),
    // CAC assumeRole.ts
    fail(
        "aws.cac.source-account",
        text(
            &["source account id is needed if the role name is provided"],
            &[],
        ),
        catalog::WORKFLOW_ACTION_MISCONFIGURED,
        AWS,
        "configure-aws-credentials got a role name, not an ARN",
        "pass the full role ARN in `role-to-assume`",
    ),
    // CAC helpers.ts (allowed-account-ids)
    fail(
        "aws.cac.account-mismatch",
        text(
            &[
                "the account id of the provided credentials",
                "does not match any of the expected account ids",
            ],
            &[],
        ),
        catalog::ROLE_AWS_ACCOUNT_MISMATCH,
        AWS,
        "the credentials belong to an account the step does not allow",
        "assume the role in the intended account, or fix `allowed-account-ids`",
    ),
    // CAC helpers.ts getCallerIdentity / CredentialsClient.ts validateCredentials
    fail(
        "aws.cac.credentials-unverified",
        text(
            &[],
            &[
                "could not get account id or arn from sts",
                "credentials could not be loaded, please check your action inputs",
            ],
        ),
        catalog::ROLE_AWS_CREDENTIALS_UNVERIFIED,
        AWS,
        "configure-aws-credentials could not verify any credentials with GetCallerIdentity",
        "check the step's inputs: with no `id-token: write` there is no OIDC token, and with no keys there is nothing to verify",
    ),
    // CAC assumeRole: the wrapper; the STS reason follows the colon
    wrapper(
        "aws.cac.assume-role-failed",
        text(
            &[],
            &[
                "could not assume role with oidc",
                "could not assume role with web identity token file",
            ],
        ),
        catalog::TRUST_AWS_INVALID_IDENTITY_TOKEN,
        AWS,
        "STS refused the exchange for a reason this tool does not know",
        FIX_STS_TRUST,
    ),
    // --- AWS API calls made with the assumed credentials (audit) ---
    // The temporary credentials' own expiry (not the web identity token's: that one is
    // `aws.sts.web-identity-expired` above, on AssumeRoleWithWebIdentity).
    fail(
        "aws.api.session-expired",
        text(
            &[],
            &[
                "the security token included in the request is expired",
                "(expiredtoken) when calling",
                "(expiredtokenexception) when calling",
            ],
        ),
        catalog::AUDIT_AWS_SESSION_EXPIRED,
        AWS,
        "a call made with the assumed role was refused because the role session had expired: the job outlived the credentials it got at login",
        FIX_SESSION_EXPIRED,
    ),
    fail(
        "aws.api.access-denied",
        text(
            &[],
            &[
                "(accessdenied) when calling",
                "(accessdeniedexception) when calling",
                "(unauthorizedoperation) when calling",
                "(authorizationerror) when calling",
                "api error accessdenied",
                "is not authorized to perform:",
            ],
        ),
        catalog::AUDIT_AWS_ACCESS_DENIED,
        AWS,
        "a call made with the assumed role was denied",
        "grant the role the action on the resource named in the message (its permission policies, permission boundary, SCPs and the resource policy all apply)",
    ),
    // --- google-github-actions/auth, GCP STS and IAM ---
    // GGA main.ts (v1/v2 and v3 wording)
    fail(
        "gcp.auth.exactly-one-input",
        text(&["exactly one of", "workload_identity_provider"], &[]),
        catalog::WORKFLOW_ACTION_INPUT_MISSING,
        GCP,
        "google-github-actions/auth got neither `workload_identity_provider` nor `credentials_json` (secrets are empty in fork and Dependabot runs)",
        "pass `workload_identity_provider` (and `service_account`); check the values are not empty secrets",
    ),
    // GGA main.ts
    fail(
        "gcp.auth.service-account-missing",
        text(&["must specify a \"service_account\""], &[]),
        catalog::WORKFLOW_ACTION_INPUT_MISSING,
        GCP,
        "google-github-actions/auth needs `service_account` for the requested token format",
        "pass `service_account` with `token_format`",
    ),
    // GGA TROUBLESHOOTING
    fail(
        "gcp.sts.subject-too-long",
        text(&["exceeds the 127 bytes limit"], &[]),
        catalog::TRUST_GCP_SUBJECT_TOO_LONG,
        GCP,
        "the mapped google.subject is longer than 127 bytes",
        "map `google.subject` from a shorter claim (e.g. `assertion.sub` hashed, or `repository_id`)",
    ),
    // GGA TROUBLESHOOTING
    fail(
        "gcp.sts.issuer-mismatch",
        text(
            &["the issuer in id token", "does not match the expected"],
            &[],
        ),
        catalog::TRUST_GCP_ISSUER_MISMATCH,
        GCP,
        "Google STS refused the token's issuer: it is not the provider's issuer URI",
        "set the provider's `oidc.issuerUri` to the token's `iss` exactly (GHES, GHEC enterprise issuers differ)",
    ),
    // GGA TROUBLESHOOTING (wording of the audience variant unverified)
    fail(
        "gcp.sts.audience-mismatch",
        text(
            &[
                "audience in id token",
                "does not match the expected audience",
            ],
            &[],
        ),
        catalog::TRUST_GCP_AUDIENCE_MISMATCH,
        GCP,
        "Google STS refused the token's audience",
        "request the token for the provider's audience (`https://iam.googleapis.com/<provider name>`) or list it in `allowedAudiences`",
    ),
    // errors.md (unverified): "The given credential is rejected by the attribute condition."
    fail(
        "gcp.sts.condition-rejected",
        text(&["rejected by the attribute condition"], &[]),
        catalog::TRUST_GCP_CONDITION_REJECTED,
        GCP,
        "the provider's attribute condition evaluated false for this token",
        "compare the condition with the token's claims; conditions are case-sensitive and changes take up to 5 minutes",
    ),
    // GCPT
    fail(
        "gcp.sts.issuer-unreachable",
        text(&["error connecting to the given credential's issuer"], &[]),
        catalog::TRUST_GCP_ISSUER_UNREACHABLE,
        GCP,
        "Google could not fetch the issuer's discovery document or keys",
        "make the issuer's discovery and JWKS public, or upload the keys to the provider (`jwksJson`)",
    ),
    // GCPT
    fail(
        "gcp.sts.org-policy",
        text(&["org policy violated"], &[]),
        catalog::TRUST_GCP_ORG_POLICY_BLOCKED,
        GCP,
        "an organization policy does not allow this identity provider",
        "add the issuer to `constraints/iam.workloadIdentityPoolProviders`",
    ),
    // GCPT
    fail(
        "gcp.sts.jwk-invalid",
        text(&["input jwk is not in a valid json format"], &[]),
        catalog::TRUST_GCP_FEDERATED_TOKEN_FAILED,
        GCP,
        "the provider's inline JWKS is not accepted",
        "upload the JWKS without `x5c`/`x5t` members",
    ),
    // GGA TROUBLESHOOTING
    fail(
        "gcp.iam.token-lifetime",
        text(&["lifetime cannot exceed"], &[]),
        catalog::ROLE_GCP_TOKEN_LIFETIME,
        GCP,
        "IAM refused the requested access token lifetime",
        "ask for at most 3600 s (3300 s leaves room for runner clock skew), or allow longer lifetimes by org policy",
    ),
    // GGA workload_identity_federation.ts
    fail(
        "gcp.auth.federated-token-failed",
        text(&["failed to generate google cloud federated token"], &[]),
        catalog::TRUST_GCP_FEDERATED_TOKEN_FAILED,
        GCP,
        "Google STS refused to exchange the token",
        FIX_GCP_PROVIDER,
    ),
    // GGA iamcredentials.ts
    fail(
        "gcp.auth.access-token-failed",
        text(
            &[],
            &[
                "failed to generate google cloud oauth 2.0 access token",
                "failed to generate google cloud openid connect id token",
                "failed to sign jwt using",
            ],
        ),
        catalog::ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER,
        GCP,
        "IAM refused to let the federated identity impersonate the service account",
        "grant `roles/iam.workloadIdentityUser` on the service account to the token's `principal://` or `principalSet://`",
    ),
    // GGA TROUBLESHOOTING: the impersonation permission alone
    fail(
        "gcp.iam.get-access-token-denied",
        text(
            &["iam.serviceaccounts.getaccesstoken"],
            &["denied", "permission_denied"],
        ),
        catalog::ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER,
        GCP,
        "IAM refused to let the federated identity impersonate the service account",
        "grant `roles/iam.workloadIdentityUser` on the service account to the token's `principal://` or `principalSet://`",
    ),
    // GCPT: API rejects a federated token used directly
    fail(
        "gcp.api.unauthenticated",
        text(&["request had invalid authentication credentials"], &[]),
        catalog::AUDIT_GCP_UNAUTHENTICATED,
        GCP,
        "a Google API rejected the credentials",
        "this API does not accept federated tokens: impersonate a service account (`service_account` input)",
    ),
    fail(
        "gcp.api.permission-denied",
        text(
            &[],
            &[
                "permission_denied",
                "' denied on resource",
                "the caller does not have permission",
            ],
        ),
        catalog::AUDIT_GCP_PERMISSION_DENIED,
        GCP,
        "a Google API call was denied to the service account",
        "grant the service account a role with the permission named in the message, on that resource",
    ),
    // --- Entra (azure/login, Azure CLI, Azure Identity) ---
    // Codes, meanings and fixes: the one AADSTS table (`evidence::aadsts`), shared with
    // the sign-in log reader; codes compare as numbers.
    entra("azure.aadsts7002138", 7_002_138),
    entra("azure.aadsts7002131", 7_002_131),
    entra("azure.aadsts700213", 700_213),
    entra("azure.aadsts700211", 700_211),
    entra("azure.aadsts700212", 700_212),
    // The newer text without the code (Azure/login #617, #573)
    fail(
        "azure.no-record-for-subject",
        text(
            &["no matching federated identity record found for presented assertion subject"],
            &[],
        ),
        catalog::TRUST_AZURE_SUBJECT_MISMATCH,
        AZURE,
        "no federated identity credential matches the token's subject",
        FIX_AZURE_FIC,
    ),
    fail(
        "azure.no-record-for-issuer",
        text(
            &["no matching federated identity record found for presented assertion issuer"],
            &[],
        ),
        catalog::TRUST_AZURE_ISSUER_MISMATCH,
        AZURE,
        "no federated identity credential matches the token's issuer",
        FIX_AZURE_FIC,
    ),
    fail(
        "azure.no-record-for-audience",
        text(
            &["no matching federated identity record found for presented assertion audience"],
            &[],
        ),
        catalog::TRUST_AZURE_AUDIENCE_MISMATCH,
        AZURE,
        "no federated identity credential matches the token's audience",
        FIX_AZURE_FIC,
    ),
    entra("azure.aadsts70021", 70_021),
    entra("azure.aadsts70025", 70_025),
    entra("azure.aadsts700016", 700_016),
    entra("azure.aadsts700223", 700_223),
    entra("azure.aadsts700238", 700_238),
    entra("azure.aadsts70052", 70_052),
    entra("azure.aadsts900382", 900_382),
    entra("azure.aadsts700024", 700_024),
    entra("azure.aadsts700021", 700_021),
    entra("azure.aadsts700023", 700_023),
    entra("azure.aadsts700027", 700_027),
    // "Request to External OIDC endpoint failed" (Azure/azure-workload-identity#642,
    // #605; microsoft/azure-pipelines-tasks#19831; Azure/login#283 for 501661).
    entra("azure.aadsts50166", 50_166),
    entra("azure.aadsts90061", 90_061),
    entra("azure.aadsts501661", 501_661),
    // The same text when a wrapper dropped the code.
    fail(
        "azure.external-oidc-endpoint-failed",
        text(&["request to external oidc endpoint failed"], &[]),
        catalog::TRUST_AZURE_ISSUER_UNREACHABLE,
        AZURE,
        aadsts::code_info(50_166).meaning,
        aadsts::code_info(50_166).fix,
    ),
    // AZL LoginConfig.ts validate / older main.ts
    fail(
        "azure.login.inputs-missing",
        text(
            &[],
            &[
                "ensure 'client-id' and 'tenant-id' are supplied",
                "ensure 'subscription-id' is supplied",
                "ensure subscriptionid is supplied",
                "credentials are not passed for login action",
            ],
        ),
        catalog::WORKFLOW_ACTION_INPUT_MISSING,
        AZURE,
        "azure/login is missing inputs",
        "pass `client-id`, `tenant-id` and `subscription-id` (or `allow-no-subscriptions: true`); secrets are empty in fork runs",
    ),
    // azure-sdk-for-python workload_identity.py (older version)
    fail(
        "azure.identity.env-missing",
        text(
            &["is required. please pass it in or set the"],
            &[
                "azure_tenant_id",
                "azure_client_id",
                "azure_federated_token_file",
            ],
        ),
        catalog::WORKFLOW_ACTION_INPUT_MISSING,
        AZURE,
        "WorkloadIdentityCredential found its environment incomplete",
        "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE",
    ),
    // ADO troubleshooting
    fail(
        "azure.cli.too-old",
        text(&["unrecognized arguments: --federated-token"], &[]),
        catalog::WORKFLOW_CLI_TOO_OLD,
        AZURE,
        "the Azure CLI on the agent predates `--federated-token`",
        "use Azure CLI 2.30 or later",
    ),
    // ADO troubleshooting
    fail(
        "azure.devops.task-without-wif",
        text(
            &["unsupported protocol scheme"],
            &["cannot request token", "azureadtokenexchange"],
        ),
        catalog::WORKFLOW_AZURE_DEVOPS_TASK_WITHOUT_WIF,
        AZURE,
        "the pipeline task cannot request a federated token",
        "use a task version that supports workload identity federation (AzureCLI@2, AzurePowerShell@5 …)",
    ),
    // Azure CLI after sign-in
    fail(
        "azure.cli.no-subscriptions",
        text(&["no subscriptions found for"], &[]),
        catalog::ROLE_AZURE_NO_SUBSCRIPTIONS,
        AZURE,
        "the identity signed in but has no role on any subscription",
        "assign the identity a role on the subscription (or sign in with `allow-no-subscriptions: true`)",
    ),
    fail(
        "azure.api.authorization-failed",
        text(
            &[],
            &[
                "authorizationfailed",
                "does not have authorization to perform action",
            ],
        ),
        catalog::AUDIT_AZURE_AUTHORIZATION_FAILED,
        AZURE,
        "a deploy call was not authorized for the signed-in identity",
        "assign the identity a role with the action named in the message, at that scope",
    ),
    // AZL LoginConfig.ts jwtParser warnings
    info(
        "azure.login.token-parse-warning",
        text(
            &[],
            &[
                "failed to parse the federated token",
                "is missing from the token payload",
            ],
        ),
        Stage::Token,
        AZURE,
        "azure/login could not print the token's claims",
    ),
    // --- HashiCorp Vault (vault-action, vault CLI) ---
    // CAP jwt.go via VJ
    fail(
        "vault.audience-mismatch",
        text(&["invalid audience (aud) claim"], &[]),
        catalog::TRUST_VAULT_AUDIENCE_MISMATCH,
        VAULT,
        "Vault refused the token's audience: it is not in the role's bound_audiences",
        "request the token with an audience in `bound_audiences` (vault-action: `jwtGithubAudience`)",
    ),
    fail(
        "vault.subject-mismatch",
        text(&["invalid subject (sub) claim"], &[]),
        catalog::TRUST_VAULT_SUBJECT_MISMATCH,
        VAULT,
        "Vault refused the token's subject: it is not the role's bound_subject",
        FIX_VAULT_ROLE,
    ),
    fail(
        "vault.issuer-mismatch",
        text(&["invalid issuer (iss) claim"], &[]),
        catalog::TRUST_VAULT_ISSUER_MISMATCH,
        VAULT,
        "Vault refused the token's issuer: it is not the auth method's bound_issuer",
        "set the JWT auth config's `bound_issuer` to the token's `iss` exactly",
    ),
    // VJ path_login.go
    fail(
        "vault.no-bound-audiences",
        text(
            &["audience claim found in jwt but no audiences bound to the role"],
            &[],
        ),
        catalog::TRUST_VAULT_NO_BOUND_AUDIENCES,
        VAULT,
        "the token has an audience but the Vault role binds none",
        "set the role's `bound_audiences` to the token's audience",
    ),
    // VJ claims.go
    fail(
        "vault.bound-claims",
        text(
            &["error validating claims"],
            &[
                "does not match any associated bound claim values",
                "is missing",
            ],
        ),
        catalog::TRUST_VAULT_BOUND_CLAIMS_MISMATCH,
        VAULT,
        "a claim of the token does not match the role's bound_claims",
        "compare `bound_claims` with the token's claims; wildcards need `bound_claims_type=glob`",
    ),
    // VJ path_login.go (user_claim)
    fail(
        "vault.user-claim-missing",
        text(&["claim \"", "\" not found in token"], &[]),
        catalog::TRUST_VAULT_USER_CLAIM_MISSING,
        VAULT,
        "the role's user_claim is not in the token",
        "set `user_claim` to a claim the token carries (`sub`, `repository`, …)",
    ),
    // CAP jwt.go time checks
    fail(
        "vault.token-expired",
        text(
            &[],
            &[
                "(exp) claim: token is expired",
                "error validating token: token is expired",
            ],
        ),
        catalog::TOKEN_EXPIRED,
        VAULT,
        "Vault refused the token as expired",
        "send a fresh token; check the runner's clock and the role's `expiration_leeway`",
    ),
    fail(
        "vault.token-not-yet-valid",
        text(&[], &["token not yet valid", "token issued in the future"]),
        catalog::TOKEN_NOT_YET_VALID,
        VAULT,
        "Vault refused the token as not yet valid (clock skew)",
        "fix the clock skew between the issuer, the runner and Vault, or raise `not_before_leeway` / `clock_skew_leeway`",
    ),
    fail(
        "vault.signature",
        text(
            &["error validating token"],
            &["error verifying token signature", "invalid algorithm (alg)"],
        ),
        catalog::TRUST_VAULT_LOGIN_FAILED,
        VAULT,
        "Vault could not verify the token's signature with the configured keys",
        "point the JWT auth config at the issuer's discovery URL or JWKS (`oidc_discovery_url` / `jwks_url`), and allow the token's `alg`",
    ),
    // VJ path_login.go
    fail(
        "vault.role-not-found",
        text(&["role \"", "\" could not be found"], &[]),
        catalog::WORKFLOW_VAULT_ROLE_NOT_FOUND,
        VAULT,
        "the Vault role does not exist at this auth mount",
        "check the role name and the auth mount path (`path:` in vault-action, `auth/<mount>/login`)",
    ),
    fail(
        "vault.missing-role",
        text(&["missing role"], &["vault", "errors", "* missing role"]),
        catalog::WORKFLOW_VAULT_ROLE_NOT_FOUND,
        VAULT,
        "the Vault login named no role",
        "pass the role (`role:` in vault-action, `role=` on the CLI)",
    ),
    // VJ: role of the wrong type. Closest rule: role not found.
    fail(
        "vault.oidc-role-type",
        text(&["role with oidc role_type is not allowed"], &[]),
        catalog::WORKFLOW_VAULT_ROLE_NOT_FOUND,
        VAULT,
        "the Vault role is an `oidc` role, which cannot log in with a JWT",
        "create the role with `role_type=jwt`",
    ),
    // VJ: no JWT in the login request (an empty variable). Remapped for GitLab logs.
    fail(
        "vault.missing-token",
        text(&["missing token"], &["vault", "errors", "* missing token"]),
        catalog::WORKFLOW_ACTION_INPUT_MISSING,
        VAULT,
        "the Vault login carried no JWT (the variable that should hold the ID token is empty)",
        "pass the ID token to the login (GitLab: declare it under `id_tokens:`; GitHub: `id-token: write`)",
    ),
    // VA auth.js
    wrapper(
        "vault.action.login-failed",
        text(&["failed to retrieve vault token"], &[]),
        catalog::TRUST_VAULT_LOGIN_FAILED,
        VAULT,
        "Vault refused the JWT login",
        FIX_VAULT_ROLE,
    ),
    wrapper(
        "vault.action.no-client-token",
        text(&["unable to retrieve token from", "login endpoint"], &[]),
        catalog::TRUST_VAULT_LOGIN_FAILED,
        VAULT,
        "Vault's login answered without a client token",
        FIX_VAULT_ROLE,
    ),
    // vault CLI: the reasons follow as `* …` lines
    wrapper(
        "vault.cli.login-failed",
        text(&["error writing data to auth/", "/login"], &[]),
        catalog::TRUST_VAULT_LOGIN_FAILED,
        VAULT,
        "Vault refused the JWT login",
        FIX_VAULT_ROLE,
    ),
    // --- Success lines: runtime proof that a stage passed ---
    // CAC index.ts, printed after getIDToken succeeded and before STS is called.
    pass(
        "aws.cac.assuming-role",
        text(&["assuming role with oidc"], &[]),
        Stage::Token,
        AWS,
        "configure-aws-credentials obtained the GitHub ID token and is exchanging it with STS",
    ),
    // CAC index.ts
    pass(
        "aws.cac.authenticated",
        text(&["authenticated as assumedroleid"], &[]),
        Stage::Role,
        AWS,
        "STS issued credentials for the role",
    ),
    // `aws sts get-caller-identity` JSON output
    pass(
        "aws.sts.caller-identity",
        text(&["\"arn\": \"arn:aws:sts::", ":assumed-role/"], &[]),
        Stage::Role,
        AWS,
        "GetCallerIdentity answered with an assumed-role session",
    ),
    // AZL main.ts (v1) and AzureCliLogin.ts (v2)
    pass(
        "azure.login.succeeded",
        text(
            &[],
            &[
                "login successful.",
                "azure cli login succeeds by using oidc",
                "azure powershell login succeeds",
            ],
        ),
        Stage::Role,
        AZURE,
        "azure/login signed in",
    ),
    // vault login CLI; VA auth.js (debug)
    pass(
        "vault.login.succeeded",
        text(
            &[],
            &[
                "success! you are now authenticated",
                "vault token successfully retrieved",
            ],
        ),
        Stage::Role,
        VAULT,
        "Vault issued a token",
    ),
    // gcloud run deploy
    pass(
        "gcp.deploy.serving",
        text(&["has been deployed and is serving"], &[]),
        Stage::Audit,
        GCP,
        "a Cloud Run deploy completed with the credentials",
    ),
    // aws s3 cp/sync
    pass(
        "aws.s3.upload",
        text(&["upload: ", " to s3://"], &[]),
        Stage::Audit,
        AWS,
        "an upload to S3 ran with the credentials",
    ),
    // aws cloudformation deploy
    pass(
        "aws.cloudformation.deployed",
        text(&["successfully created/updated stack"], &[]),
        Stage::Audit,
        AWS,
        "a CloudFormation deploy completed with the credentials",
    ),
    // terraform apply
    pass(
        "terraform.apply-complete",
        text(&["apply complete! resources:"], &[]),
        Stage::Audit,
        None,
        "terraform apply completed",
    ),
    // --- Context worth listing, deciding nothing ---
    // GGA: the credentials file is written before any exchange.
    info(
        "gcp.auth.credentials-file",
        text(&["created credentials file at"], &[]),
        Stage::Role,
        GCP,
        "google-github-actions/auth wrote a credentials file (the exchange happens when a tool first uses it)",
    ),
    info(
        "azure.login.attempting-oidc",
        text(&["attempting azure cli login by using oidc"], &[]),
        Stage::Trust,
        AZURE,
        "azure/login is exchanging the token with Entra",
    ),
    info(
        "azure.aadsts.other",
        text(&["aadsts"], &[]),
        Stage::Trust,
        AZURE,
        "Entra returned an error this tool does not map to a stage",
    ),
];

/// A cheap first look: a line that contains none of these cannot match any entry.
static TRIGGER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let mut needles: Vec<String> = Vec::new();
    for m in MESSAGES {
        if let Pattern::Text { all, any } = m.pattern {
            // One needle every match must contain: the first of `all`, else each of `any`.
            match all.first() {
                Some(first) => needles.push(regex::escape(first)),
                None => needles.extend(any.iter().map(|n| regex::escape(n))),
            }
        }
    }
    needles.push("aadsts".to_owned());
    needles.sort();
    needles.dedup();
    Regex::new(&format!("(?i){}", needles.join("|"))).ok()
});

/// The Entra codes in a (lower-cased) line.
fn aadsts_codes(lower: &str) -> Vec<u32> {
    lower
        .match_indices("aadsts")
        .filter_map(|(i, m)| {
            let digits: String = lower[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

fn matches(pattern: &Pattern, lower: &str, codes: &[u32]) -> bool {
    match *pattern {
        Pattern::Text { all, any } => {
            (!all.is_empty() || !any.is_empty())
                && all.iter().all(|n| lower.contains(n))
                && (any.is_empty() || any.iter().any(|n| lower.contains(n)))
        }
        Pattern::Aadsts(code) => codes.contains(&code),
    }
}

/// The catalogued message a line carries, if any.
pub(crate) fn classify(line: &str) -> Option<&'static Message> {
    if let Some(trigger) = TRIGGER.as_ref()
        && !trigger.is_match(line)
    {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    let codes = aadsts_codes(&lower);
    MESSAGES
        .iter()
        .find(|m| matches(&m.pattern, &lower, &codes))
}

/// The entry with this key (tests, corpus).
#[cfg(test)]
pub(crate) fn by_key(key: &str) -> Option<&'static Message> {
    MESSAGES.iter().find(|m| m.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_failures_carry_a_rule_on_their_stage() {
        let mut seen = HashSet::new();
        for m in MESSAGES {
            assert!(seen.insert(m.key), "duplicate key {}", m.key);
            match m.outcome {
                Outcome::Fail => {
                    let rule = m.rule.unwrap_or_else(|| panic!("{} has no rule", m.key));
                    assert_eq!(rule.stage, m.stage, "{}", m.key);
                    assert!(!m.fix.is_empty(), "{}", m.key);
                }
                _ => assert!(m.rule.is_none(), "{}", m.key),
            }
            if let Pattern::Text { all, any } = m.pattern {
                for n in all.iter().chain(any) {
                    assert_eq!(
                        *n,
                        n.to_ascii_lowercase(),
                        "{}: needles are lower case",
                        m.key
                    );
                }
            }
        }
    }

    #[test]
    fn the_trigger_admits_every_entry() {
        assert!(TRIGGER.is_some());
        for m in MESSAGES {
            let sample = match m.pattern {
                Pattern::Text { all, any } => {
                    let mut s: Vec<&str> = all.to_vec();
                    s.extend(any.first());
                    s.join(" ")
                }
                Pattern::Aadsts(code) => format!("AADSTS{code}: x"),
            };
            let found =
                classify(&sample).unwrap_or_else(|| panic!("{} not found in {sample:?}", m.key));
            // An earlier, more specific entry may win; it must at least be on a real stage.
            assert!(Stage::ALL.contains(&found.stage));
        }
    }

    #[test]
    fn entra_codes_compare_as_numbers() {
        assert_eq!(classify("Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:a/b:ref:refs/heads/main'.").map(|m| m.key), Some("azure.aadsts700213"));
        assert_eq!(classify("ERROR: AADSTS70021: No matching federated identity record found for presented assertion.").map(|m| m.key), Some("azure.aadsts70021"));
        assert_eq!(classify("AADSTS7002138: No matching federated identity record found for presented assertion subject 'x'. The subject matches with case-insensitive comparison").map(|m| m.key), Some("azure.aadsts7002138"));
        assert_eq!(
            classify("AADSTS9999999: something new").map(|m| m.key),
            Some("azure.aadsts.other")
        );
    }

    /// The AADSTS table drives the log catalogue: every code it lists has an entry here,
    /// with the table's finding.
    #[test]
    fn every_aadsts_code_of_the_shared_table_has_its_entry() {
        for c in aadsts::CODES {
            let m = MESSAGES
                .iter()
                .find(|m| matches!(m.pattern, Pattern::Aadsts(code) if i64::from(code) == c.code))
                .unwrap_or_else(|| panic!("AADSTS{} has no entry", c.code));
            assert_eq!(m.rule.map(|r| r.id), Some(c.rule.id), "{}", m.key);
        }
        for m in MESSAGES {
            if let Pattern::Aadsts(code) = m.pattern {
                assert!(aadsts::is_listed(i64::from(code)), "{}", m.key);
            }
        }
    }

    #[test]
    fn the_reason_inside_a_wrapper_wins() {
        let m = classify(
            "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
        );
        assert_eq!(m.map(|m| m.key), Some("aws.sts.not-authorized"));
        let m = classify(
            "Error: Could not assume role with OIDC: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        );
        assert_eq!(m.map(|m| m.key), Some("aws.sts.max-session-duration"));
        let m = classify("Error: Could not assume role with OIDC: Something else entirely");
        assert_eq!(
            m.map(|m| (m.key, m.wrapper)),
            Some(("aws.cac.assume-role-failed", true))
        );
    }

    #[test]
    fn plain_lines_match_nothing() {
        for line in [
            "Run actions/checkout@v4",
            "Switched to a new branch 'main'",
            "",
            "token",
            "aws s3 ls",
        ] {
            assert!(classify(line).is_none(), "{line}");
        }
        assert!(by_key("aws.sts.not-authorized").is_some());
    }
}
