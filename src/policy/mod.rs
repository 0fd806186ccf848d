//! Trust configurations of the four clouds, evaluated offline against a token's
//! claims with each cloud's real matching rules: AWS role trust policies (`aws`),
//! Azure federated identity credentials (`azure`), GCP workload identity providers and
//! service-account IAM policies (`gcp`), Vault JWT roles (`vault`). Each parses its
//! documented JSON shape and implements [`TrustConfig`]; `review` grades every rule's
//! risk and blast radius the same way for all of them, by evaluating the rule against
//! synthetic tokens for each workflow context.
//!
//! Nothing here knows about stages or rendering: `evidence::policy` turns evaluations
//! into evidence and findings (a rule's findings are [`RuleFinding`]s: the finding and
//! where it shows). Causes and fixes are the knowledge's templates
//! (`assets/knowledge/findings/trust*.toml`) filled from the values the evaluators
//! give; `budget` bounds the work any configuration can cause.

pub mod aws;
pub mod azure;
pub mod budget;
pub mod gcp;
pub mod glob;
pub mod near_miss;
pub mod review;
pub mod vault;

use serde::Serialize;

pub use near_miss::NearMiss;
pub use review::{Context, RuleReview, review};

use crate::token::{Claims, Cloud};
use crate::vocabulary::catalog::Rule;

/// A finding about a rule — how it is written, what it admits — with where it shows.
/// The policy layer knows nothing of stages: `evidence::policy` turns each proof into
/// evidence of the finding's stage, in the named artifact.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleFinding {
    /// The finding, without evidence.
    pub finding: crate::vocabulary::Finding,
    pub proofs: Vec<Proof>,
}

/// Where a rule finding shows: a locator in the configuration, and what is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    pub locator: String,
    pub summary: String,
}

/// A rule finding reads as its finding (`id`, `risk`, `cause`…).
impl std::ops::Deref for RuleFinding {
    type Target = crate::vocabulary::Finding;
    fn deref(&self) -> &Self::Target {
        &self.finding
    }
}

impl RuleFinding {
    /// A finding shown at one place.
    pub fn new(
        finding: crate::vocabulary::Finding,
        locator: impl Into<String>,
        summary: impl Into<String>,
    ) -> RuleFinding {
        RuleFinding {
            finding,
            proofs: vec![Proof {
                locator: locator.into(),
                summary: summary.into(),
            }],
        }
    }

    /// One more place it shows.
    pub fn with_proof(
        mut self,
        locator: impl Into<String>,
        summary: impl Into<String>,
    ) -> RuleFinding {
        self.proofs.push(Proof {
            locator: locator.into(),
            summary: summary.into(),
        });
        self
    }
}

/// A trust configuration that could not be read. Every variant says where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not JSON.
    #[error("{what} is not valid JSON: {message} at line {line}, column {column}")]
    Json {
        what: &'static str,
        message: String,
        line: usize,
        column: usize,
    },
    /// JSON of the right kind, but a field is missing or malformed.
    #[error("{what}: {field}: {message}")]
    Field {
        what: &'static str,
        /// JSON path of the field (`$.Statement[1].Condition`).
        field: String,
        message: String,
    },
    /// An expression (CEL, Azure claims matching) that does not parse or compile.
    #[error("{what}: the expression at {field} does not compile at character {offset}: {message}")]
    Expression {
        what: &'static str,
        field: String,
        /// Character offset within the expression.
        offset: usize,
        message: String,
    },
}

impl PolicyError {
    /// A JSON syntax error, with serde_json's line and column.
    pub fn json(what: &'static str, e: &serde_json::Error) -> PolicyError {
        PolicyError::Json {
            what,
            message: e
                .to_string()
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_owned(),
            line: e.line(),
            column: e.column(),
        }
    }

    /// A malformed field.
    pub fn field(
        what: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> PolicyError {
        PolicyError::Field {
            what,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A rule's effect. Only AWS has Deny; everywhere else a rule admits or does nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Allow,
    Deny,
}

/// One condition of a rule, evaluated against the claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConditionCheck {
    /// JSON path into the configuration, precise enough to find the value:
    /// `$.Statement[1].Condition.StringLike["token.actions.githubusercontent.com:sub"][0]`.
    pub locator: String,
    /// The key or claim tested, as the configuration names it
    /// (`token.actions.githubusercontent.com:sub`, `subject`, `claims['sub']`, `bound_claims.ref`).
    pub key: String,
    /// The operator as the configuration spells it (`StringLike`, `ForAnyValue:StringEquals`,
    /// `exact`, `matches`, `eq`, `CEL`, `glob`).
    pub operator: String,
    /// The configured values (ORed unless the operator says otherwise).
    pub expected: Vec<String>,
    /// What the token carries; `None` when the claim is absent.
    pub actual: Option<String>,
    pub matched: bool,
    /// For a failed equality or pattern: the closest expected value and where it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_miss: Option<NearMiss>,
}

/// One trust rule (an AWS statement, an Azure credential, the GCP provider, a Vault
/// role) evaluated against the claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleEvaluation {
    /// JSON path of the rule (`$.Statement[1]`, `$[0]`, `$`).
    pub locator: String,
    /// How people name it: `Statement 1 (Allow, Sid GitHubDeploy)`, `credential github-prod`.
    pub label: String,
    pub effect: Effect,
    /// True when every condition matched (the rule applies to this token).
    pub applies: bool,
    pub checks: Vec<ConditionCheck>,
}

impl RuleEvaluation {
    /// The first condition that did not match.
    pub fn first_failure(&self) -> Option<&ConditionCheck> {
        self.checks.iter().find(|c| !c.matched)
    }
}

/// Why the configuration admits or refuses the token: the deciding rule and condition,
/// as a finding-to-be (the catalogue rule, cause, fix, locator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub rule: Rule,
    pub cause: String,
    pub fix: String,
    /// Where the deciding condition is.
    pub locator: String,
    /// What the cloud would answer at runtime (`AADSTS70021`, `AccessDenied: Not authorized
    /// to perform sts:AssumeRoleWithWebIdentity`), when the cloud has a documented answer.
    pub cloud_error: Option<String>,
}

/// The whole configuration evaluated against one claim set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustEvaluation {
    pub cloud: Cloud,
    pub allowed: bool,
    pub rules: Vec<RuleEvaluation>,
    /// For a refusal: the finding naming the deciding condition. For an admission:
    /// `None` (the admitting rule is in `rules` with `applies`).
    pub refusal: Option<Verdict>,
}

impl TrustEvaluation {
    /// The rule that admitted the token, if one did.
    pub fn admitting_rule(&self) -> Option<&RuleEvaluation> {
        if !self.allowed {
            return None;
        }
        self.rules
            .iter()
            .find(|r| r.applies && r.effect == Effect::Allow)
    }
}

/// A cloud trust configuration: evaluation against claims, and what the review needs.
pub trait TrustConfig: Send + Sync {
    fn cloud(&self) -> Cloud;
    /// One line: `AWS role trust policy (3 statements)`.
    fn describe(&self) -> String;
    /// The issuers it trusts, when it names them (AWS provider URL without `https://`
    /// turned back into `https://HOST`, Azure `issuer`, GCP `oidc.issuerUri`, Vault
    /// `bound_issuer`). Used to build synthetic tokens for the review.
    fn issuers(&self) -> Vec<String>;
    /// Audiences it accepts, when it says (AWS `:aud` condition values, Azure
    /// `audiences`, GCP `allowedAudiences` or the default, Vault `bound_audiences`).
    fn audiences(&self) -> Vec<String>;
    /// How many rules it has (the units the review grades).
    fn rule_count(&self) -> usize;
    /// One rule evaluated on its own (the review asks "what does this rule admit?").
    fn evaluate_rule(&self, index: usize, claims: &Claims) -> RuleEvaluation;
    /// The whole decision, with the cloud's combination logic (AWS: explicit Deny wins).
    fn evaluate(&self, claims: &Claims) -> TrustEvaluation;
    /// The subject patterns of one rule as written (for the review's table and hints).
    fn subject_patterns(&self, index: usize) -> Vec<String>;
    /// Risks visible in how a rule is written, beyond what it admits: `ForAllValues` on a
    /// single-valued key, `StringLike` without a wildcard, an audience not pinned.
    /// Each finding names where it shows (the condition's locator); `evidence::policy`
    /// makes that trust-stage evidence.
    fn pattern_findings(&self) -> Vec<RuleFinding> {
        Vec::new()
    }
}

/// Evaluate with one claim changed: "would a pull request get in?" without a pipeline
/// run. `value` `None` removes the claim.
pub fn what_if(
    config: &dyn TrustConfig,
    claims: &Claims,
    claim: &str,
    value: Option<serde_json::Value>,
) -> TrustEvaluation {
    let mut edited = claims.clone();
    match value {
        Some(v) => {
            edited.0.insert(claim.to_owned(), v);
        }
        None => {
            edited.0.remove(claim);
        }
    }
    config.evaluate(&edited)
}

/// A claim value as a string for matching: strings as they are, numbers and booleans
/// as their JSON text (AWS and Vault compare claim values as strings).
pub fn claim_string(claims: &Claims, name: &str) -> Option<String> {
    match claims.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// A claim's values as strings: an array's string items, or the single value.
pub fn claim_strings(claims: &Claims, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Null
                | serde_json::Value::Array(_)
                | serde_json::Value::Object(_) => None,
                other => Some(other.to_string()),
            })
            .collect(),
        _ => claim_string(claims, name).into_iter().collect(),
    }
}
