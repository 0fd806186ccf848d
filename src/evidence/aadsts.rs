//! The one table of Entra ID (`AADSTS…`) error codes met in workload identity
//! federation: what each means and which finding it proves. Both readers of Entra errors
//! use it — job logs and pasted error text (`ci_log::messages`, which matches the code
//! in a line) and sign-in log exports (`azure_signin`, which reads `errorCode`) — so a
//! code means the same thing whichever way it arrives.
//!
//! Codes and meanings: clouds.md "AADSTS codes" (Azure DevOps workload identity
//! troubleshooting, Entra workload identity federation considerations, Azure SDK
//! troubleshooting) and the messages quoted in errors.md. The "Request to External OIDC
//! endpoint failed" codes (50166, 90061, 501661) are not in Entra's published list;
//! their text and causes come from issue threads: Azure/azure-workload-identity#642
//! (50166) and #605 with its troubleshooting guide (#608: fetch the issuer's
//! `/.well-known/openid-configuration` and JWKS), microsoft/azure-pipelines-tasks#19831
//! and Azure/azure-cli#28863 (both codes during an Azure DevOps issuer incident on
//! 2024-05-01), Azure/login#283 (501661, a GitHub Enterprise Server issuer).

use crate::vocabulary::Stage;
use crate::vocabulary::catalog::{
    Rule, TOKEN_EXPIRED, TOKEN_SIGNATURE_INVALID, TRUST_AZURE_APP_NOT_FOUND,
    TRUST_AZURE_AUDIENCE_MISMATCH, TRUST_AZURE_EXPRESSION_MISMATCH, TRUST_AZURE_FEDERATION_BLOCKED,
    TRUST_AZURE_ISSUER_MISMATCH, TRUST_AZURE_ISSUER_UNREACHABLE, TRUST_AZURE_NO_CREDENTIALS,
    TRUST_AZURE_NO_MATCHING_CREDENTIAL, TRUST_AZURE_SUBJECT_MISMATCH,
};

/// What an AADSTS code means and which finding it proves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Code {
    pub code: i64,
    pub rule: Rule,
    /// What the code says happened, as the start of a sentence.
    pub meaning: &'static str,
    /// `APP_ID` is the application (client) id, replaced where the reader knows it;
    /// `CODE` is the code.
    pub fix: &'static str,
    /// The catalogue has no finding for exactly this code: the closest is used.
    pub closest: bool,
}

impl Code {
    pub fn stage(&self) -> Stage {
        self.rule.stage
    }

    /// The fix, with the app id and code filled in.
    pub fn fix_for(&self, app_id: &str) -> String {
        self.fix
            .replace("APP_ID", app_id)
            .replace("CODE", &self.code.to_string())
    }
}

const fn code(code: i64, rule: Rule, meaning: &'static str, fix: &'static str) -> Code {
    Code {
        code,
        rule,
        meaning,
        fix,
        closest: false,
    }
}

const fn closest(code: i64, rule: Rule, meaning: &'static str, fix: &'static str) -> Code {
    Code {
        closest: true,
        ..self::code(code, rule, meaning, fix)
    }
}

const FIX_BLOCKED: &str = "ask a tenant administrator to allow workload identity federation for this app (and this issuer), or federate a user-assigned managed identity instead";
const MEANING_UNREACHABLE: &str = "Entra could not fetch the issuer's OpenID configuration or signing keys (\"Request to External OIDC endpoint failed\"): the issuer's discovery document or jwks_uri did not answer it — an outage of the CI platform's issuer, or a self-hosted issuer Entra cannot reach from the internet";
const FIX_UNREACHABLE: &str = "fetch the token issuer's /.well-known/openid-configuration and its jwks_uri from outside your network (curl ISSUER/.well-known/openid-configuration): a hosted platform's issuer failing is an incident — check its status page and retry; a self-hosted issuer (GitHub Enterprise Server, a cluster's storage account) must serve both publicly over HTTPS";

/// Every code the tool knows, most specific first (the order does not decide: codes
/// compare as whole numbers).
pub(crate) const CODES: &[Code] = &[
    code(
        7_002_138,
        TRUST_AZURE_SUBJECT_MISMATCH,
        "Entra found a federated credential whose subject differs from the token's only in letter case",
        "make the credential's subject match the token's sub exactly, case included (az ad app federated-credential list --id APP_ID)",
    ),
    code(
        7_002_131,
        TRUST_AZURE_EXPRESSION_MISMATCH,
        "no flexible federated credential's claimsMatchingExpression matched the token",
        "compare the expression with the token's claims (single spaces, case-sensitive values; `matches` takes * and ?): az rest --method get --url \"https://graph.microsoft.com/beta/applications(appId='APP_ID')/federatedIdentityCredentials\"",
    ),
    code(
        700_213,
        TRUST_AZURE_SUBJECT_MISMATCH,
        "no federated identity credential has the token's subject (the comparison is exact and case-sensitive)",
        "add a federated credential whose subject is the token's sub exactly (environment, branch, tag and pull_request runs each have their own subject; at most 20 credentials per app — a flexible credential's claimsMatchingExpression can match several): az ad app federated-credential create --id APP_ID --parameters credential.json",
    ),
    code(
        700_211,
        TRUST_AZURE_ISSUER_MISMATCH,
        "no federated identity credential has the token's issuer",
        "set the credential's issuer to the token's iss exactly, trailing slash and case included (az ad app federated-credential list --id APP_ID)",
    ),
    code(
        700_212,
        TRUST_AZURE_AUDIENCE_MISMATCH,
        "no federated identity credential has the token's audience",
        "request the token with audience api://AzureADTokenExchange (azure/login's default) and keep that single value in the credential's audiences (az ad app federated-credential list --id APP_ID)",
    ),
    code(
        70_021,
        TRUST_AZURE_NO_MATCHING_CREDENTIAL,
        "no federated identity credential matches the token (issuer, subject and audience are compared exactly); also seen for a minute after a credential is added, while it replicates",
        "compare the app's federated credentials (az ad app federated-credential list --id APP_ID) with the token's iss, sub and aud character for character; if the credential was just added, retry after a minute",
    ),
    code(
        70_025,
        TRUST_AZURE_NO_CREDENTIALS,
        "the application or identity has no federated identity credentials at all",
        "add a federated credential for the workflow's issuer, subject and audience (az ad app federated-credential create --id APP_ID --parameters credential.json), or sign in with the client id of the app that has them",
    ),
    code(
        700_016,
        TRUST_AZURE_APP_NOT_FOUND,
        "Entra does not know the application (client id) in this tenant",
        "check the client-id and tenant-id the job passes (the app's Application ID, in the tenant that owns it): az ad app show --id APP_ID",
    ),
    code(
        700_223,
        TRUST_AZURE_FEDERATION_BLOCKED,
        "workload identity federation is disabled for this tenant or identity",
        FIX_BLOCKED,
    ),
    code(
        700_238,
        TRUST_AZURE_FEDERATION_BLOCKED,
        "workload identity federation is constrained in this tenant",
        FIX_BLOCKED,
    ),
    closest(
        70_052,
        TRUST_AZURE_FEDERATION_BLOCKED,
        "the identity must be a managed identity, a single-tenant app or a service account to federate with this issuer (a multitenant app was used with an Entra issuer)",
        "use a single-tenant app registration or a user-assigned managed identity for this federation",
    ),
    closest(
        900_382,
        TRUST_AZURE_FEDERATION_BLOCKED,
        "a confidential client is not supported in a cross-cloud request",
        "federate with an app registered in the same cloud (public, US Government, China) as the resource",
    ),
    code(
        700_024,
        TOKEN_EXPIRED,
        "Entra refused the client assertion (the CI token) as outside its valid time range: it expired, or was not valid yet, when Entra received it",
        "request the token right before the login step (long jobs: log in again in the deploying step with a fresh token), and check the runner's clock",
    ),
    closest(
        700_021,
        TRUST_AZURE_NO_MATCHING_CREDENTIAL,
        "the assertion's app id does not match the client_id of the request",
        "pass the client id of the app that holds the federated credential (az ad app show --id APP_ID)",
    ),
    closest(
        700_023,
        TRUST_AZURE_AUDIENCE_MISMATCH,
        "the assertion's audience does not match the realm (tenant) it was sent to",
        "send the exchange to the tenant the app lives in, with the audience the federated credential expects (az ad app federated-credential list --id APP_ID)",
    ),
    closest(
        700_027,
        TOKEN_SIGNATURE_INVALID,
        "the client assertion failed signature validation (Entra could not verify it with the issuer's published keys)",
        "check that the issuer's /.well-known/openid-configuration and jwks_uri serve the key that signed the token (self-hosted issuers: publish rotated keys before using them)",
    ),
    code(
        50_166,
        TRUST_AZURE_ISSUER_UNREACHABLE,
        MEANING_UNREACHABLE,
        FIX_UNREACHABLE,
    ),
    code(
        90_061,
        TRUST_AZURE_ISSUER_UNREACHABLE,
        MEANING_UNREACHABLE,
        FIX_UNREACHABLE,
    ),
    code(
        501_661,
        TRUST_AZURE_ISSUER_UNREACHABLE,
        MEANING_UNREACHABLE,
        FIX_UNREACHABLE,
    ),
];

/// A code this table does not list: the generic federated-credential finding.
const UNKNOWN: Code = closest(
    0,
    TRUST_AZURE_NO_MATCHING_CREDENTIAL,
    "an Entra sign-in error this tool has no entry for",
    "look the code up (https://login.microsoftonline.com/error?code=CODE) and compare the app's federated credentials with the token (az ad app federated-credential list --id APP_ID)",
);

/// What `code` means; a code the table does not list gets the generic finding, marked
/// closest. `const` so that the log message catalogue is built from this table.
pub(crate) const fn code_info(code: i64) -> Code {
    let mut i = 0;
    while i < CODES.len() {
        if CODES[i].code == code {
            return CODES[i];
        }
        i += 1;
    }
    Code { code, ..UNKNOWN }
}

/// True when the table lists `code`.
#[cfg(test)]
pub(crate) fn is_listed(code: i64) -> bool {
    CODES.iter().any(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_fixes_name_the_app_where_they_name_a_command() {
        let mut seen = HashSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "duplicate AADSTS{}", c.code);
            assert!(
                c.fix.contains("APP_ID") || !c.fix.contains("--id"),
                "{}",
                c.code
            );
            assert!(!c.meaning.is_empty() && !c.fix.is_empty(), "{}", c.code);
        }
    }

    #[test]
    fn unknown_codes_say_closest_and_keep_their_number() {
        assert_eq!(code_info(700213).rule.id, TRUST_AZURE_SUBJECT_MISMATCH.id);
        assert_eq!(code_info(700024).stage(), Stage::Token);
        let unknown = code_info(7000215);
        assert!(unknown.closest);
        assert_eq!(unknown.code, 7000215);
        assert!(!is_listed(7000215));
        assert!(unknown.fix_for("0f1e").contains("error?code=7000215"));
    }

    #[test]
    fn external_oidc_endpoint_failures_are_the_issuer_being_unreachable() {
        for code in [50166, 90061, 501661] {
            let c = code_info(code);
            assert_eq!(c.rule.id, TRUST_AZURE_ISSUER_UNREACHABLE.id, "{code}");
            assert!(!c.closest);
            assert!(c.fix.contains(".well-known/openid-configuration"));
        }
    }
}
