//! GCP workload identity federation: a workload identity pool provider (the JSON of
//! `gcloud iam workload-identity-pools providers describe --format=json`, resource
//! <https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers>)
//! evaluated against a token the way the Security Token Service admits it: the
//! provider must be enabled, `iss` must equal `oidc.issuerUri`, an `aud` must be in
//! `oidc.allowedAudiences` (or, when that is empty, be the provider's own resource
//! name), the attribute mapping (CEL over `assertion`) must give a `google.subject`
//! of at most 127 bytes, and the attribute condition (CEL over `assertion`, `google`,
//! `attribute`) must be true
//! (<https://cloud.google.com/iam/docs/workload-identity-federation#mapping> ,
//! <https://cloud.google.com/iam/docs/workload-identity-federation#conditions>). The CEL
//! environment, with GCP's `extract()`, is in `cel`; the service account's IAM policy
//! (who may impersonate it, the role stage) is in `iam`.
//!
//! Error texts are google-github-actions/auth's wrappers around the STS answers
//! (`src/client/workload_identity_federation.ts`, `docs/TROUBLESHOOTING.md`).
//!
//! Layout: `provider` reads the JSON and compiles the CEL, `cel` is the CEL
//! environment (with `cel/cost` the step estimate behind the budgets), `evaluation`
//! runs the expressions for one token within `budget::CEL_*`, `verdict` makes the
//! checks in STS's order and the refusal, `iam` the service account's IAM policy.

mod cel;
mod evaluation;
mod provider;
#[cfg(test)]
mod tests;
mod verdict;

use evaluation::*;
pub mod iam;

use std::collections::BTreeMap;

use serde_json::Value;

use self::cel::{Bindings, CompareKind, Compiled, Path, Worker};
use super::budget::{self, Exceeded};
use super::glob::Dialect;
use super::near_miss::{NearMiss, nearest};
use super::{
    ConditionCheck, Effect, PolicyError, RuleEvaluation, TrustConfig, TrustEvaluation, Verdict,
};
use crate::token::{Claims, Cloud};
use crate::vocabulary::catalog::{
    TRUST_GCP_AUDIENCE_MISMATCH, TRUST_GCP_CONDITION_REJECTED, TRUST_GCP_ISSUER_MISMATCH,
    TRUST_GCP_MAPPING_FAILED, TRUST_GCP_PROVIDER_DISABLED, TRUST_GCP_SUBJECT_TOO_LONG,
};
use crate::vocabulary::knowledge::{Reason, knowledge};

pub use iam::{GcpIamPolicy, IamCheck};

const WHAT: &str = "GCP workload identity pool provider";

/// `google.subject` may not exceed 127 bytes (attributeMapping in the REST reference;
/// google-github-actions/auth TROUBLESHOOTING "Subject exceeds the 127 byte limit").
pub const SUBJECT_LIMIT: usize = 127;

/// The parts of a provider's resource name
/// `projects/<NUMBER>/locations/<LOCATION>/workloadIdentityPools/<POOL>/providers/<PROVIDER>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderName {
    /// The project number (the API names providers by number, never by project ID).
    pub project: String,
    pub location: String,
    pub pool: String,
    pub provider: String,
}

impl ProviderName {
    /// Parse a resource name, or a name inside an audience (`//iam.googleapis.com/…`);
    /// `provider` is empty when the name stops at the pool.
    fn parse(name: &str) -> Option<ProviderName> {
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            [
                "projects",
                project,
                "locations",
                location,
                "workloadIdentityPools",
                pool,
                "providers",
                provider,
            ] => Some(ProviderName {
                project: (*project).to_owned(),
                location: (*location).to_owned(),
                pool: (*pool).to_owned(),
                provider: (*provider).to_owned(),
            }),
            [
                "projects",
                project,
                "locations",
                location,
                "workloadIdentityPools",
                pool,
            ] => Some(ProviderName {
                project: (*project).to_owned(),
                location: (*location).to_owned(),
                pool: (*pool).to_owned(),
                provider: String::new(),
            }),
            _ => None,
        }
    }

    fn pool_resource(&self) -> String {
        format!(
            "projects/{}/locations/{}/workloadIdentityPools/{}",
            self.project, self.location, self.pool
        )
    }

    fn resource(&self) -> String {
        format!("{}/providers/{}", self.pool_resource(), self.provider)
    }
}

/// Which Google attribute a mapping sets.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Subject,
    Groups,
    Attribute(String),
}

#[derive(Clone, Debug)]
struct Mapping {
    /// As written: `google.subject`, `attribute.repository`.
    key: String,
    target: Target,
    expression: Compiled,
}

impl Mapping {
    fn locator(&self) -> String {
        format!(
            "$.attributeMapping[{}]",
            serde_json::Value::String(self.key.clone())
        )
    }
}

/// What the attribute mapping gives for one token (the values IAM principals are made
/// of).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedAttributes {
    /// `google.subject`.
    pub subject: String,
    /// `google.groups`.
    pub groups: Vec<String>,
    /// Custom attributes by name (`repository` for `attribute.repository`).
    pub attributes: BTreeMap<String, String>,
}

/// A workload identity pool provider.
#[derive(Clone, Debug)]
pub struct GcpProvider {
    name: Option<ProviderName>,
    display_name: Option<String>,
    state: Option<String>,
    disabled: bool,
    issuer_uri: String,
    allowed_audiences: Vec<String>,
    /// Whether `$.oidc.allowedAudiences` is in the document (for locators).
    audiences_written: bool,
    jwks_json: Option<String>,
    mappings: Vec<Mapping>,
    condition: Option<Compiled>,
}

/// Recognise the provider JSON: a provider resource name, an `oidc.issuerUri`, or an
/// attribute mapping with `google.subject`. No other cloud's document, JWKS or claim
/// set has these camel-case keys.
pub fn sniff(bytes: &[u8]) -> bool {
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return false;
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return false;
    };
    let provider_name = map
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| n.contains("/workloadIdentityPools/") && n.contains("/providers/"));
    let oidc = map
        .get("oidc")
        .and_then(Value::as_object)
        .is_some_and(|o| o.contains_key("issuerUri"));
    let mapping = map
        .get("attributeMapping")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key("google.subject"));
    provider_name || oidc || mapping
}

/// Parse the provider JSON, compiling every CEL expression.
pub fn parse(bytes: &[u8]) -> Result<GcpProvider, PolicyError> {
    GcpProvider::parse(bytes)
}

impl GcpProvider {
    /// The provider's resource name (`projects/N/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`).
    pub fn resource_name(&self) -> Option<String> {
        self.name.as_ref().map(ProviderName::resource)
    }

    /// The pool's resource name (`projects/N/locations/global/workloadIdentityPools/POOL`),
    /// the stem of every principal the provider's tokens map to.
    pub fn pool_resource(&self) -> Option<String> {
        self.name.as_ref().map(ProviderName::pool_resource)
    }

    /// The parsed resource name.
    pub fn name(&self) -> Option<&ProviderName> {
        self.name.as_ref()
    }

    /// `oidc.issuerUri`.
    pub fn issuer_uri(&self) -> &str {
        &self.issuer_uri
    }

    /// `oidc.jwksJson`, when the provider carries its keys inline.
    pub fn jwks_json(&self) -> Option<&str> {
        self.jwks_json.as_deref()
    }

    /// The attribute condition as written, if there is one.
    pub fn attribute_condition(&self) -> Option<&str> {
        self.condition.as_ref().map(|c| c.source.as_str())
    }

    /// The audience google-github-actions/auth asks GitHub for: `https://iam.googleapis.com/<name>`.
    fn default_audiences(&self) -> Vec<String> {
        self.resource_name()
            .map(|n| {
                vec![
                    format!("https://iam.googleapis.com/{n}"),
                    format!("//iam.googleapis.com/{n}"),
                ]
            })
            .unwrap_or_default()
    }

    /// `Failed to generate Google Cloud federated token for //iam.googleapis.com/<name>: `
    /// (google-github-actions/auth `src/client/workload_identity_federation.ts`).
    fn sts_prefix(&self) -> String {
        let name = self.resource_name().unwrap_or_else(|| "projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER".to_owned());
        format!("Failed to generate Google Cloud federated token for //iam.googleapis.com/{name}: ")
    }

    /// A command of the knowledge naming this provider (`gcp.provider.update-oidc`),
    /// built and quoted by the command builder; placeholders name what is unknown.
    fn command(&self, id: &str, extra: &[(&'static str, String)]) -> String {
        let (provider, project, location, pool) = match &self.name {
            Some(n) => (
                n.provider.clone(),
                n.project.clone(),
                n.location.clone(),
                n.pool.clone(),
            ),
            None => (
                "PROVIDER".to_owned(),
                "PROJECT_NUMBER".to_owned(),
                "global".to_owned(),
                "POOL".to_owned(),
            ),
        };
        let mut values: Vec<(&str, String)> = vec![
            ("provider", provider),
            ("project", project),
            ("location", location),
            ("pool", pool),
        ];
        values.extend(extra.iter().cloned());
        knowledge()
            .command(id)
            .and_then(|c| c.render(&values).ok())
            .unwrap_or_else(|| format!("‹{id}?›"))
    }

    /// The `gcloud … update-oidc` command stem for this provider.
    fn update_command(&self) -> String {
        self.command("gcp.provider.update-oidc", &[])
    }

    /// The refusal a reason explains, filled from the knowledge.
    fn refusal(&self, reason: Reason, locator: &str, cloud_error: Option<String>) -> Verdict {
        let (cause, fix) = reason.texts();
        Verdict {
            rule: reason.rule,
            cause,
            fix,
            locator: locator.to_owned(),
            cloud_error,
        }
    }

    fn label(&self) -> String {
        match (&self.name, &self.display_name) {
            (Some(n), _) => format!(
                "provider {} (pool {}, project {})",
                n.provider, n.pool, n.project
            ),
            (None, Some(d)) => format!("provider {d}"),
            (None, None) => "the provider".to_owned(),
        }
    }
}

impl TrustConfig for GcpProvider {
    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    fn describe(&self) -> String {
        let state = if self.disabled { ", disabled" } else { "" };
        let condition = if self.condition.is_some() {
            "with an attribute condition"
        } else {
            "without an attribute condition"
        };
        format!(
            "GCP workload identity {}{state}, issuer {}, {condition}",
            self.label(),
            self.issuer_uri
        )
    }

    fn issuers(&self) -> Vec<String> {
        vec![self.issuer_uri.clone()]
    }

    fn audiences(&self) -> Vec<String> {
        if self.allowed_audiences.is_empty() {
            self.default_audiences().into_iter().take(1).collect()
        } else {
            self.allowed_audiences.clone()
        }
    }

    /// The provider is one rule.
    fn rule_count(&self) -> usize {
        1
    }

    fn evaluate_rule(&self, index: usize, claims: &Claims) -> RuleEvaluation {
        if index != 0 {
            return RuleEvaluation {
                locator: "$".to_owned(),
                label: self.label(),
                effect: Effect::Allow,
                applies: false,
                checks: Vec::new(),
            };
        }
        self.evaluation(claims).0
    }

    fn evaluate(&self, claims: &Claims) -> TrustEvaluation {
        let (rule, refusal) = self.evaluation(claims);
        TrustEvaluation {
            cloud: Cloud::Gcp,
            allowed: refusal.is_none(),
            rules: vec![rule],
            refusal,
        }
    }

    /// The string literals the attribute condition compares claims with. A comparison
    /// with `repository_owner` is given as `OWNER/*` and a `startsWith` literal gets a
    /// trailing `*`, so that the review reads the organization and the prefix right.
    fn subject_patterns(&self, index: usize) -> Vec<String> {
        let Some(condition) = self.condition.as_ref().filter(|_| index == 0) else {
            return Vec::new();
        };
        let mut patterns: Vec<String> = Vec::new();
        for c in &condition.comparisons {
            let claim = match &c.path {
                Some(Path::Claim(name)) => Some(name.as_str()),
                Some(Path::Attribute(name)) => self.attribute_claim(name),
                _ => None,
            };
            let pattern = match (claim, c.kind) {
                (Some("repository_owner"), _) => format!("{}/*", c.literal),
                (_, CompareKind::Prefix) => format!("{}*", c.literal),
                _ => c.literal.clone(),
            };
            if !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
        }
        patterns
    }

    // `pattern_findings`: the default (none) — the review derives the risk from what
    // the provider admits (an empty condition admits every token of the issuer).
}
