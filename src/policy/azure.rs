//! Microsoft Entra federated identity credentials (FIC): the trust an application
//! registration or a user-assigned managed identity places in an external issuer.
//! Entra exchanges a token when one credential's `issuer` equals the token's `iss`
//! exactly, its `subject` equals `sub` exactly (case-sensitive, no wildcards: a `*` is
//! a literal) — or, for a flexible credential, its `claimsMatchingExpression` holds —
//! and its one audience is in `aud`
//! (<https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations>,
//! <https://learn.microsoft.com/entra/workload-id/workload-identities-flexible-federated-identity-credentials>,
//! <https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust>).
//!
//! This module reads every JSON shape people paste — `az ad app federated-credential
//! list`/`show`, Graph responses (`value` lists and `@odata.context` entities), the CLI's
//! create-parameters file, the flexible credential body, and a managed identity's
//! credentials flat or ARM-style under `properties` — evaluates them against a token's
//! claims, and names the deciding credential the way Entra's AADSTS codes do. The
//! expression language lives in `expression`. Flexible credentials are read on managed
//! identities too: the flexible page says "application objects" only, but the ARM API
//! (2025-01-31-preview) and `az identity federated-credential create
//! --claims-matching-expression-value` accept them there.
//!
//! Layout: `document` reads the shapes, `expression` the claims matching language,
//! `evaluation` checks one credential against one token, `verdict` names the refusal;
//! an expression over `budget::AZURE_COMPARISONS` is kept but not evaluated.

mod document;
mod evaluation;
mod expression;
#[cfg(test)]
mod tests;
mod verdict;

pub use document::{parse, sniff};
use evaluation::*;

pub use expression::{
    ClaimsExpression, Comparison, ExpressionError, Operator, Span, comparison_count, quote,
};

use serde_json::{Map, Value};

use super::budget::{self, Exceeded};
use super::glob::{Dialect, has_wildcard};
use super::near_miss::nearest;
use super::{
    ConditionCheck, Effect, PolicyError, RuleEvaluation, TrustConfig, TrustEvaluation, Verdict,
    claim_string,
};
use crate::token::claims::{display_value, json_type_name};
use crate::token::{Claims, Cloud};
use crate::vocabulary::catalog::{
    TRUST_AZURE_AUDIENCE_MISMATCH, TRUST_AZURE_EXPRESSION_MISMATCH, TRUST_AZURE_ISSUER_MISMATCH,
    TRUST_AZURE_NO_CREDENTIALS, TRUST_AZURE_SUBJECT_MISMATCH,
};

const WHAT: &str = "Azure federated identity credential";

/// The audience Entra documents for its token exchange (and azure/login's default).
pub const DEFAULT_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Entra allows at most this many credentials per application or user-assigned managed
/// identity (considerations page). More is worth saying, not refusing: the document
/// may be a plan rather than what Entra holds.
pub const MAX_CREDENTIALS: usize = 20;

const CONSIDERATIONS: &str =
    "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations";
/// Entra announced case-sensitive subject matching here; Azure/login#517 shows tenants
/// then answering AADSTS7002138 for case-only differences (not in Entra's error docs).
const CASE_SENSITIVE: &str = "https://learn.microsoft.com/entra/identity-platform/reference-breaking-changes#federated-identity-credentials-now-use-case-sensitive-matching";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// What the refusals add about where users actually read them: azure/login and the
/// Azure CLI print Entra's message, most often the general AADSTS70021 text.
const USUAL_MESSAGE: &str = "azure/login and the Azure CLI usually print the general AADSTS70021 message (\"No matching federated identity record found for presented assertion\")";

/// How the credentials were laid out in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentShape {
    /// A JSON array (`az ad app federated-credential list`, `az identity federated-credential list`).
    List,
    /// An object whose `value` is the list (Graph and ARM list responses).
    ValueList,
    /// One credential object (`show`, a Graph entity, a create body).
    Single,
}

/// How a credential matches the token's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectMatch {
    /// Classic: `subject` must equal `sub` exactly.
    Subject(String),
    /// Flexible: `claimsMatchingExpression.value`, with `subject` null.
    Expression(ClaimsExpression),
    /// Flexible, with more comparisons than [`budget::AZURE_COMPARISONS`]: not parsed
    /// further nor evaluated; it refuses with the `trust.evaluation-budget` finding.
    TooLarge {
        /// How many comparisons it holds.
        comparisons: usize,
    },
}

/// One federated identity credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederatedCredential {
    pub name: Option<String>,
    pub issuer: String,
    pub matcher: SubjectMatch,
    /// Entra requires exactly one; a document with more or fewer is evaluated as given
    /// (any listed audience accepted) and `describe` says so.
    pub audiences: Vec<String>,
    pub description: Option<String>,
    /// A user-assigned managed identity's credential (its `type` says so).
    pub managed_identity: bool,
    locator: String,
    issuer_path: String,
    matcher_path: String,
    audiences_path: String,
}

impl FederatedCredential {
    /// JSON path of the credential in the document (`$[1]`, `$.value[0]`, `$`).
    pub fn locator(&self) -> &str {
        &self.locator
    }

    /// As people name it: `credential 'github-prod'`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("credential '{name}'"),
            None => format!("the credential at {}", self.locator),
        }
    }

    pub fn is_flexible(&self) -> bool {
        matches!(
            self.matcher,
            SubjectMatch::Expression(_) | SubjectMatch::TooLarge { .. }
        )
    }

    /// Path of audience `index`, or of the whole list.
    fn audience_path(&self, index: Option<usize>) -> String {
        match index {
            Some(i) if i < self.audiences.len() => format!("{}[{i}]", self.audiences_path),
            _ => self.audiences_path.clone(),
        }
    }
}

/// The federated identity credentials of one application or managed identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AzureFederatedCredentials {
    credentials: Vec<FederatedCredential>,
    shape: DocumentShape,
    /// Path of the list itself (`$`, `$.value`).
    list_locator: String,
}

impl AzureFederatedCredentials {
    pub fn credentials(&self) -> &[FederatedCredential] {
        &self.credentials
    }

    pub fn shape(&self) -> DocumentShape {
        self.shape
    }
}

impl TrustConfig for AzureFederatedCredentials {
    fn cloud(&self) -> Cloud {
        Cloud::Azure
    }

    fn describe(&self) -> String {
        let flexible = self.credentials.iter().filter(|c| c.is_flexible()).count();
        let classic = self.credentials.len() - flexible;
        let owner = if !self.credentials.is_empty()
            && self.credentials.iter().all(|c| c.managed_identity)
        {
            " of a user-assigned managed identity"
        } else {
            ""
        };
        let mut line = match self.credentials.as_slice() {
            [] => format!("Azure federated identity credentials{owner} (none)"),
            [one] => format!(
                "Azure federated identity credential{owner} {} ({})",
                one.name
                    .as_deref()
                    .map_or_else(|| "(unnamed)".to_owned(), |n| format!("'{n}'")),
                if one.is_flexible() {
                    "flexible"
                } else {
                    "classic"
                }
            ),
            many => format!(
                "Azure federated identity credentials{owner} ({}: {classic} classic, {flexible} flexible)",
                many.len()
            ),
        };
        let mut notes = Vec::new();
        if self.credentials.len() > MAX_CREDENTIALS {
            notes.push(format!(
                "more than the {MAX_CREDENTIALS} Entra allows per application or managed identity"
            ));
        }
        for credential in &self.credentials {
            match credential.audiences.as_slice() {
                [one] if one == DEFAULT_AUDIENCE => {}
                [one] => notes.push(format!(
                    "{} expects audience `{one}`, not the default `{DEFAULT_AUDIENCE}`",
                    credential.label()
                )),
                other => notes.push(format!(
                    "{} has {} audiences where Entra requires exactly one",
                    credential.label(),
                    other.len()
                )),
            }
        }
        if !notes.is_empty() {
            line.push_str("; ");
            line.push_str(&notes.join("; "));
        }
        line
    }

    fn issuers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &self.credentials {
            if !out.contains(&c.issuer) {
                out.push(c.issuer.clone());
            }
        }
        out
    }

    fn audiences(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in self.credentials.iter().flat_map(|c| &c.audiences) {
            if !out.contains(a) {
                out.push(a.clone());
            }
        }
        out
    }

    fn rule_count(&self) -> usize {
        self.credentials.len()
    }

    fn evaluate_rule(&self, index: usize, claims: &Claims) -> RuleEvaluation {
        match self.credentials.get(index) {
            Some(credential) => assess(credential, claims).rule,
            None => RuleEvaluation {
                locator: format!("{}[{index}]", self.list_locator),
                label: format!("no credential {index}"),
                effect: Effect::Allow,
                applies: false,
                checks: Vec::new(),
            },
        }
    }

    fn evaluate(&self, claims: &Claims) -> TrustEvaluation {
        if self.credentials.is_empty() {
            return TrustEvaluation {
                cloud: Cloud::Azure,
                allowed: false,
                rules: Vec::new(),
                refusal: Some(self.no_credentials(claims)),
            };
        }
        let assessments: Vec<Assessment> =
            self.credentials.iter().map(|c| assess(c, claims)).collect();
        let allowed = assessments.iter().any(|a| a.rule.applies);
        let refusal = if allowed {
            None
        } else {
            Some(self.refusal(&assessments, claims))
        };
        TrustEvaluation {
            cloud: Cloud::Azure,
            allowed,
            rules: assessments.into_iter().map(|a| a.rule).collect(),
            refusal,
        }
    }

    fn subject_patterns(&self, index: usize) -> Vec<String> {
        match self.credentials.get(index).map(|c| &c.matcher) {
            Some(SubjectMatch::Subject(subject)) => vec![subject.clone()],
            Some(SubjectMatch::Expression(expression)) => expression
                .comparisons()
                .iter()
                .filter(|c| c.claim == "sub")
                .map(|c| c.comparand.clone())
                .collect(),
            Some(SubjectMatch::TooLarge { .. }) | None => Vec::new(),
        }
    }

    // `pattern_findings`: the default (none). What a credential admits is graded by the
    // review through `evaluate_rule`; a classic subject with `*` matches only a literal
    // star (the refusal says so); a non-default audience is allowed (`describe` says).
}
