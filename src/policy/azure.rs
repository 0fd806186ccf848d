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

mod expression;

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

// ---------------------------------------------------------------------------------
// Reading the document

/// A key of an object, exact spelling first, then ignoring ASCII case (PowerShell's
/// `ConvertTo-Json` writes `Issuer`, `Subject`, `Audience`).
fn field<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<(&'a str, &'a Value)> {
    for name in names {
        if let Some((key, value)) = object.get_key_value(*name) {
            return Some((key.as_str(), value));
        }
    }
    object
        .iter()
        .find(|(key, _)| names.iter().any(|n| key.eq_ignore_ascii_case(n)))
        .map(|(k, v)| (k.as_str(), v))
}

/// `base.key`, or `base["key"]` when the key is not a plain name.
fn child(base: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{base}.{key}")
    } else {
        format!("{base}[{}]", Value::String(key.to_owned()))
    }
}

fn present<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<(&'a str, &'a Value)> {
    field(object, names).filter(|(_, v)| !v.is_null())
}

fn string_field(
    object: &Map<String, Value>,
    names: &[&str],
    base: &str,
) -> Result<Option<(String, String)>, PolicyError> {
    match present(object, names) {
        None => Ok(None),
        Some((key, Value::String(s))) => Ok(Some((s.clone(), child(base, key)))),
        Some((key, other)) => Err(PolicyError::field(
            WHAT,
            child(base, key),
            format!("expected a string, found {}", json_type_name(other)),
        )),
    }
}

fn is_managed_identity_type(object: &Map<String, Value>) -> bool {
    field(object, &["type"])
        .and_then(|(_, v)| v.as_str())
        .is_some_and(|t| {
            t.to_ascii_lowercase()
                .starts_with("microsoft.managedidentity/")
        })
}

fn parse_credential(value: &Value, locator: &str) -> Result<FederatedCredential, PolicyError> {
    let Value::Object(outer) = value else {
        return Err(PolicyError::field(
            WHAT,
            locator,
            format!(
                "expected a federated identity credential object, found {}",
                json_type_name(value)
            ),
        ));
    };
    // ARM resources keep the fields under `properties` and the name beside them.
    let (object, base) = match field(outer, &["properties"]) {
        Some((key, Value::Object(properties))) if field(outer, &["issuer"]).is_none() => {
            (properties, child(locator, key))
        }
        _ => (outer, locator.to_owned()),
    };
    let name = match string_field(outer, &["name"], locator)? {
        Some((name, _)) => Some(name),
        None if !std::ptr::eq(object, outer) => {
            string_field(object, &["name"], &base)?.map(|(n, _)| n)
        }
        None => None,
    };
    let description = present(object, &["description"])
        .and_then(|(_, v)| v.as_str())
        .map(str::to_owned);
    let Some((issuer, issuer_path)) = string_field(object, &["issuer"], &base)? else {
        return Err(PolicyError::field(
            WHAT,
            child(&base, "issuer"),
            "required: the URL of the identity provider whose tokens this credential trusts",
        ));
    };
    let subject = string_field(object, &["subject"], &base)?;
    let expression = present(object, &["claimsMatchingExpression"]);
    let (matcher, matcher_path) = match (subject, expression) {
        (Some(_), Some((key, _))) => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, key),
                "`subject` and `claimsMatchingExpression` are mutually exclusive: a credential has one, with the other null",
            ));
        }
        (Some((subject, path)), None) => (SubjectMatch::Subject(subject), path),
        (None, Some((key, value))) => parse_expression_field(value, &child(&base, key))?,
        (None, None) => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, "subject"),
                "a credential needs `subject` (matched exactly) or `claimsMatchingExpression` (a flexible credential)",
            ));
        }
    };
    let (audiences, audiences_path) = match present(object, &["audiences", "audience"]) {
        None => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, "audiences"),
                format!("required: the one audience the token must carry (`{DEFAULT_AUDIENCE}`)"),
            ));
        }
        Some((key, Value::String(one))) => (vec![one.clone()], child(&base, key)),
        Some((key, Value::Array(items))) => {
            let path = child(&base, key);
            let audiences = items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(PolicyError::field(
                        WHAT,
                        format!("{path}[{i}]"),
                        format!("expected a string, found {}", json_type_name(other)),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            (audiences, path)
        }
        Some((key, other)) => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, key),
                format!(
                    "expected an array of strings, found {}",
                    json_type_name(other)
                ),
            ));
        }
    };
    Ok(FederatedCredential {
        name,
        issuer,
        matcher,
        audiences,
        description,
        managed_identity: is_managed_identity_type(outer),
        locator: locator.to_owned(),
        issuer_path,
        matcher_path,
        audiences_path,
    })
}

/// `claimsMatchingExpression: {"value": "...", "languageVersion": 1}`.
fn parse_expression_field(
    value: &Value,
    path: &str,
) -> Result<(SubjectMatch, String), PolicyError> {
    let Value::Object(object) = value else {
        return Err(PolicyError::field(
            WHAT,
            path,
            format!(
                "expected an object {{\"value\": \"<expression>\", \"languageVersion\": 1}}, found {}",
                json_type_name(value)
            ),
        ));
    };
    // Graph marks languageVersion required; a hand-written body without it is read as
    // version 1, the only one there is.
    if let Some((key, version)) = present(object, &["languageVersion"])
        && version.as_u64() != Some(1)
    {
        return Err(PolicyError::field(
            WHAT,
            child(path, key),
            format!("languageVersion {version} is not known: 1 is the only documented version"),
        ));
    }
    let Some((source, value_path)) = string_field(object, &["value"], path)? else {
        return Err(PolicyError::field(
            WHAT,
            child(path, "value"),
            "required: the expression, such as claims['sub'] matches 'repo:org/repo:*'",
        ));
    };
    let expression_error = |e: ExpressionError| PolicyError::Expression {
        what: WHAT,
        field: value_path.clone(),
        offset: e.offset,
        message: e.message,
    };
    let comparisons = comparison_count(&source).map_err(expression_error)?;
    if comparisons > budget::AZURE_COMPARISONS {
        return Ok((SubjectMatch::TooLarge { comparisons }, value_path));
    }
    let expression = ClaimsExpression::parse(&source).map_err(expression_error)?;
    Ok((SubjectMatch::Expression(expression), value_path))
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Read federated identity credentials in any of the shapes the module doc lists.
pub fn parse(bytes: &[u8]) -> Result<AzureFederatedCredentials, PolicyError> {
    let value: Value =
        serde_json::from_slice(strip_bom(bytes)).map_err(|e| PolicyError::json(WHAT, &e))?;
    let (items, list_locator, shape): (Vec<&Value>, String, DocumentShape) = match &value {
        Value::Array(items) => (items.iter().collect(), "$".to_owned(), DocumentShape::List),
        Value::Object(object) => match field(object, &["value"]) {
            Some((key, list))
                if field(object, &["issuer"]).is_none()
                    && field(object, &["properties"]).is_none() =>
            {
                match list {
                    Value::Array(items) => (
                        items.iter().collect(),
                        child("$", key),
                        DocumentShape::ValueList,
                    ),
                    other => {
                        return Err(PolicyError::field(
                            WHAT,
                            child("$", key),
                            format!(
                                "expected the list of federated identity credentials, found {}",
                                json_type_name(other)
                            ),
                        ));
                    }
                }
            }
            _ => (vec![&value], "$".to_owned(), DocumentShape::Single),
        },
        other => {
            return Err(PolicyError::field(
                WHAT,
                "$",
                format!(
                    "expected a federated identity credential or a list of them, found {}",
                    json_type_name(other)
                ),
            ));
        }
    };
    let credentials = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let locator = if shape == DocumentShape::Single {
                "$".to_owned()
            } else {
                format!("{list_locator}[{i}]")
            };
            parse_credential(item, &locator)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AzureFederatedCredentials {
        credentials,
        shape,
        list_locator,
    })
}

/// An object that looks like a credential: an `issuer`, a `subject` or
/// `claimsMatchingExpression` key, and `audiences` — or an ARM resource of the
/// credential type. (Token claims say `iss`/`sub`/`aud`, an OIDC discovery document
/// has `issuer` alone, GCP says `issuerUri`, Vault `bound_issuer`.)
fn credential_like(value: &Value) -> bool {
    let Value::Object(object) = value else {
        return false;
    };
    let flat = field(object, &["issuer"]).is_some_and(|(_, v)| v.is_string())
        && field(object, &["subject", "claimsMatchingExpression"]).is_some()
        && field(object, &["audiences", "audience"]).is_some();
    let typed = field(object, &["type"])
        .and_then(|(_, v)| v.as_str())
        .is_some_and(|t| {
            t.to_ascii_lowercase()
                .ends_with("/federatedidentitycredentials")
        });
    flat || typed || field(object, &["properties"]).is_some_and(|(_, p)| credential_like(p))
}

/// A cheap content check: is this the JSON of federated identity credentials?
pub fn sniff(bytes: &[u8]) -> bool {
    let bytes = strip_bom(bytes);
    if !matches!(bytes.trim_ascii_start().first(), Some(b'{' | b'[')) {
        return false;
    }
    let mentions = |needle: &[u8]| {
        bytes
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !mentions(b"\"issuer\"") && !mentions(b"federatedidentitycredentials") {
        return false;
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return false;
    };
    match &value {
        Value::Array(items) => !items.is_empty() && items.iter().all(credential_like),
        Value::Object(object) => {
            let graph_list = field(object, &["@odata.context"])
                .and_then(|(_, v)| v.as_str())
                .is_some_and(|c| c.contains("/federatedIdentityCredentials"));
            let value_list = match field(object, &["value"]) {
                Some((_, Value::Array(items))) => {
                    graph_list || (!items.is_empty() && items.iter().all(credential_like))
                }
                _ => false,
            };
            value_list || credential_like(&value)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------
// Evaluation

/// One credential against one token, with what the verdict needs beyond the checks.
struct Assessment {
    rule: RuleEvaluation,
    issuer: bool,
    identity: bool,
    /// How close the subject side comes to the token's `sub`: common-prefix length, or
    /// the whole `sub` when a `claims['sub']` comparison holds.
    closeness: usize,
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

fn has_surrounding_whitespace(s: &str) -> bool {
    s.trim() != s
}

fn failed_near_miss(
    expected: &[String],
    actual: Option<&str>,
    matched: bool,
) -> Option<super::NearMiss> {
    if matched {
        return None;
    }
    nearest(expected, actual?, Dialect::StarAndQuestion)
}

/// Above this many comparisons an expression's checks are folded, one per claim.
const FOLD_COMPARISONS: usize = 32;

/// One check per claim an expression compares: every comparand it is compared with,
/// whether any comparison of it held, and the nearest comparand when none did.
fn folded_checks(
    credential: &FederatedCredential,
    expression: &ClaimsExpression,
    claims: &Claims,
    results: &[bool],
) -> Vec<ConditionCheck> {
    // Claims in order of first use, each with its comparisons (one pass: linear).
    let mut order: Vec<(&str, Vec<(&Comparison, bool)>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (c, held) in expression.comparisons().iter().zip(results.iter().copied()) {
        let i = *index.entry(c.claim.as_str()).or_insert_with(|| {
            order.push((c.claim.as_str(), Vec::new()));
            order.len() - 1
        });
        if let Some((_, list)) = order.get_mut(i) {
            list.push((c, held));
        }
    }
    order
        .into_iter()
        .map(|(name, mine)| {
            let expected: Vec<String> = mine.iter().map(|(c, _)| c.comparand.clone()).collect();
            let matched = mine.iter().any(|(_, held)| *held);
            let actual = claim_string(claims, name);
            let mut operators: Vec<&str> = mine.iter().map(|(c, _)| c.operator.keyword()).collect();
            operators.dedup();
            ConditionCheck {
                locator: credential.matcher_path.clone(),
                key: format!("claims[{}]", quote(name)),
                operator: format!("{} ({} comparisons)", operators.join("/"), mine.len()),
                near_miss: failed_near_miss(&expected, actual.as_deref(), matched),
                expected,
                actual,
                matched,
            }
        })
        .collect()
}

fn assess(credential: &FederatedCredential, claims: &Claims) -> Assessment {
    let mut checks = Vec::new();

    // Issuer: exact. A token whose `iss` has surrounding whitespace is blocked even if
    // a credential carries the same whitespace (considerations page).
    let iss = claims.issuer();
    let issuer = iss.is_some_and(|i| i == credential.issuer && !has_surrounding_whitespace(i));
    let expected = vec![credential.issuer.clone()];
    checks.push(ConditionCheck {
        locator: credential.issuer_path.clone(),
        key: "issuer".to_owned(),
        operator: "exact".to_owned(),
        near_miss: failed_near_miss(&expected, iss, issuer),
        expected,
        actual: iss.map(str::to_owned),
        matched: issuer,
    });

    // Subject or expression.
    let sub = claims.subject();
    let (identity, closeness) = match &credential.matcher {
        SubjectMatch::Subject(subject) => {
            let matched = sub == Some(subject.as_str());
            let expected = vec![subject.clone()];
            checks.push(ConditionCheck {
                locator: credential.matcher_path.clone(),
                key: "subject".to_owned(),
                operator: "exact".to_owned(),
                near_miss: failed_near_miss(&expected, sub, matched),
                expected,
                actual: sub.map(str::to_owned),
                matched,
            });
            (matched, sub.map_or(0, |s| common_prefix(subject, s)))
        }
        SubjectMatch::Expression(expression) => {
            let mut results = Vec::new();
            let mut closeness = 0;
            // Past a few comparisons, one check per claim: the explanation then names
            // the token's value once, not once per comparison (output linear in input).
            let folded = expression.comparisons().len() > FOLD_COMPARISONS;
            for comparison in expression.comparisons() {
                let actual = claim_string(claims, &comparison.claim);
                let matched = comparison.holds(actual.as_deref());
                results.push(matched);
                if comparison.claim == "sub"
                    && let Some(s) = sub
                {
                    let literal = match comparison.operator {
                        Operator::Matches
                            if has_wildcard(&comparison.comparand, Dialect::StarAndQuestion) =>
                        {
                            comparison
                                .comparand
                                .split(['*', '?'])
                                .next()
                                .unwrap_or_default()
                        }
                        _ => comparison.comparand.as_str(),
                    };
                    let near = if matched {
                        s.chars().count()
                    } else {
                        common_prefix(literal, s)
                    };
                    closeness = closeness.max(near);
                }
                if folded {
                    continue;
                }
                let expected = vec![comparison.comparand.clone()];
                checks.push(ConditionCheck {
                    locator: credential.matcher_path.clone(),
                    key: format!("claims[{}]", quote(&comparison.claim)),
                    operator: format!(
                        "{} (characters {}..{} of the expression)",
                        comparison.operator.keyword(),
                        comparison.span.start,
                        comparison.span.end
                    ),
                    near_miss: failed_near_miss(&expected, actual.as_deref(), matched),
                    expected,
                    actual,
                    matched,
                });
            }
            if folded {
                checks.extend(folded_checks(credential, expression, claims, &results));
            }
            (expression.evaluate_results(&results), closeness)
        }
        SubjectMatch::TooLarge { comparisons } => {
            checks.push(ConditionCheck {
                locator: credential.matcher_path.clone(),
                key: "claims matching expression".to_owned(),
                operator: format!(
                    "not evaluated: {} comparisons; limit {}",
                    budget::grouped(*comparisons as u64),
                    budget::grouped(budget::AZURE_COMPARISONS as u64)
                ),
                expected: Vec::new(),
                actual: sub.map(str::to_owned),
                matched: false,
                near_miss: None,
            });
            (false, 0)
        }
    };

    // Audience: one of the token's `aud` values must be the credential's audience.
    let token_audiences = claims.audiences();
    let matched_index = credential
        .audiences
        .iter()
        .position(|a| token_audiences.contains(&a.as_str()));
    let audience = matched_index.is_some();
    let near_miss = if audience {
        None
    } else {
        token_audiences
            .iter()
            .filter_map(|a| nearest(&credential.audiences, a, Dialect::StarAndQuestion))
            .max_by_key(|m| m.first_difference)
    };
    let near_index = near_miss
        .as_ref()
        .and_then(|m| credential.audiences.iter().position(|a| *a == m.expected));
    checks.push(ConditionCheck {
        locator: credential.audience_path(
            matched_index
                .or(near_index)
                .or((credential.audiences.len() == 1).then_some(0)),
        ),
        key: "audiences".to_owned(),
        operator: "exact".to_owned(),
        expected: credential.audiences.clone(),
        actual: if token_audiences.is_empty() {
            None
        } else {
            Some(token_audiences.join(", "))
        },
        matched: audience,
        near_miss,
    });

    Assessment {
        rule: RuleEvaluation {
            locator: credential.locator.clone(),
            label: credential.label(),
            effect: Effect::Allow,
            // With `or` in an expression a comparison may fail while the credential
            // applies: its check says what that comparison did, `applies` the whole.
            applies: issuer && identity && audience,
            checks,
        },
        issuer,
        identity,
        closeness,
    }
}

/// A claim as Entra's message would print it.
fn shown(claims: &Claims, name: &str) -> String {
    claims.get(name).map(display_value).unwrap_or_default()
}

fn shown_audience(claims: &Claims) -> String {
    let audiences = claims.audiences();
    if audiences.is_empty() {
        shown(claims, "aud")
    } else {
        audiences.join(", ")
    }
}

/// The message users see from azure/login and the Azure CLI for any mismatch. For an
/// array `aud` the values are joined with ", " (how Entra prints several is not
/// documented).
fn aadsts70021(claims: &Claims) -> String {
    format!(
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '{}'. Assertion Subject: '{}'. Assertion Audience: '{}'.",
        shown(claims, "iss"),
        shown(claims, "sub"),
        shown_audience(claims)
    )
}

fn sentence_notes(notes: &[String]) -> String {
    notes.iter().map(|n| format!("; {n}")).collect()
}

impl AzureFederatedCredentials {
    fn no_credentials(&self, claims: &Claims) -> Verdict {
        let what = match self.shape {
            DocumentShape::ValueList => "the response lists",
            _ => "the document lists",
        };
        Verdict {
            rule: TRUST_AZURE_NO_CREDENTIALS,
            cause: format!(
                "{what} no federated identity credentials, so Entra has nothing to match the token against and answers AADSTS70025 (the application or managed identity has no configured federated identity credentials)"
            ),
            fix: format!(
                "add a federated credential with issuer `{}`, subject `{}` and audience `{DEFAULT_AUDIENCE}` (Entra admin center → App registrations → Certificates & secrets → Federated credentials, or `az ad app federated-credential create`)",
                shown(claims, "iss"),
                shown(claims, "sub")
            ),
            locator: self.list_locator.clone(),
            // Observed wording; the quotes hold the application's display name.
            cloud_error: Some(
                "AADSTS70025: The client '…' has no configured federated identity credentials."
                    .to_owned(),
            ),
        }
    }

    fn issuer_mismatch(&self, credential: &FederatedCredential, claims: &Claims) -> Verdict {
        let configured = credential.issuer.as_str();
        let mut notes = Vec::new();
        let (cause_head, fix) = match claims.issuer() {
            None => (
                format!(
                    "the token has no `iss` claim, so no federated credential's issuer can match (the first, {}, trusts `{configured}`)",
                    credential.label()
                ),
                "exchange a token from the CI platform's OIDC issuer: it always carries `iss`"
                    .to_owned(),
            ),
            Some(iss) => {
                if has_surrounding_whitespace(iss) {
                    notes.push(format!(
                        "the token's `iss` {iss:?} has leading or trailing whitespace, and Entra blocks the exchange of any token whose issuer claim does ({CONSIDERATIONS})"
                    ));
                }
                if has_surrounding_whitespace(configured) {
                    notes.push(format!("the credential's issuer {configured:?} has leading or trailing whitespace, which no real issuer has"));
                }
                if iss != configured
                    && iss.trim().trim_end_matches('/') == configured.trim().trim_end_matches('/')
                    && iss.trim() != configured.trim()
                {
                    notes.push(
                        "they differ only by a trailing slash, and Entra compares issuers exactly"
                            .to_owned(),
                    );
                }
                if configured.trim_end_matches('/') == GITHUB_ISSUER
                    && iss.starts_with(&format!("{GITHUB_ISSUER}/"))
                {
                    notes.push(format!(
                        "the token comes from a GitHub Enterprise Cloud enterprise-specific issuer (`{GITHUB_ISSUER}/<enterprise>`), which needs its own credential issuer"
                    ));
                }
                if iss != configured && iss.eq_ignore_ascii_case(configured) {
                    notes.push("they differ only in case, and the comparison is exact".to_owned());
                }
                let fix = if has_surrounding_whitespace(iss) {
                    format!(
                        "mint the token with an issuer without surrounding whitespace (`{}`): Entra refuses such tokens whatever the credential says",
                        iss.trim()
                    )
                } else {
                    format!(
                        "set the issuer of {} to `{iss}` exactly as the token carries it (or add a credential for that issuer); if tokens from this issuer should not get in, the refusal is correct",
                        credential.label()
                    )
                };
                let others = if self.credentials.len() > 1 {
                    format!(
                        " none of the {} credentials trusts it;",
                        self.credentials.len()
                    )
                } else {
                    String::new()
                };
                (
                    format!(
                        "the token's issuer is `{iss}`;{others} the closest, {}, trusts `{configured}` (they part at character {})",
                        credential.label(),
                        common_prefix(iss, configured) + 1
                    ),
                    fix,
                )
            }
        };
        Verdict {
            rule: TRUST_AZURE_ISSUER_MISMATCH,
            cause: format!(
                "{cause_head}{}. Entra's specific code is AADSTS700211 (no matching federated identity record for the assertion issuer); {USUAL_MESSAGE}",
                sentence_notes(&notes)
            ),
            fix,
            locator: credential.issuer_path.clone(),
            cloud_error: Some(aadsts70021(claims)),
        }
    }

    fn subject_mismatch(
        &self,
        credential: &FederatedCredential,
        subject: &str,
        assessment: &Assessment,
        trusted: usize,
        claims: &Claims,
    ) -> Verdict {
        let iss = shown(claims, "iss");
        let check = assessment.rule.checks.iter().find(|c| c.key == "subject");
        let mut notes = Vec::new();
        let (head, fix) = match claims.subject() {
            None => (
                format!(
                    "the token has no `sub` claim, and {} expects `{subject}`",
                    credential.label()
                ),
                "exchange the CI platform's OIDC token itself: it always carries `sub`".to_owned(),
            ),
            Some(sub) => {
                let pull_request_spelling =
                    subject.ends_with(":pull-request") && sub.ends_with(":pull_request");
                if subject.contains('*') {
                    notes.push(
                        "the subject contains `*`, which Entra compares literally: classic credentials have no wildcards (only a flexible credential's `matches` does)".to_owned(),
                    );
                }
                if sub != subject && sub.eq_ignore_ascii_case(subject) {
                    notes.push(format!(
                        "Entra matches subjects case-sensitively ({CASE_SENSITIVE})"
                    ));
                }
                // The near miss's generic reasons ("pull request runs get the
                // `pull_request` subject, not the branch's") would mislead here.
                let explanation = if pull_request_spelling {
                    format!(
                        "it expects `{subject}` and the token's subject is `{sub}`: the credential's subject ends in `:pull-request` (hyphen), the spelling in Entra's documentation, but GitHub issues `:pull_request` (underscore)"
                    )
                } else {
                    check
                        .and_then(|c| c.near_miss.as_ref())
                        .map(|m| m.explanation.clone())
                        .unwrap_or_else(|| {
                            format!(
                                "the token's value is `{sub}`; the configuration expects `{subject}`"
                            )
                        })
                };
                let fix = if let Some(stem) = subject
                    .strip_suffix(":pull-request")
                    .filter(|_| sub.ends_with(":pull_request"))
                {
                    format!(
                        "change the subject of {} to `{stem}:pull_request` — and consider whether pull requests should get these credentials at all: a pull request runs code nobody has reviewed yet",
                        credential.label()
                    )
                } else if subject.contains('*') {
                    format!(
                        "write the exact subject (`{sub}`) in a classic credential, or use a flexible credential with claimsMatchingExpression `claims['sub'] matches {}`",
                        quote(subject)
                    )
                } else {
                    format!(
                        "if this job should get in, set the subject of {} (or of a new credential — at most {MAX_CREDENTIALS} per application or managed identity) to exactly `{sub}`; if it should not, the refusal is correct",
                        credential.label()
                    )
                };
                let others = if trusted > 1 {
                    format!(
                        "none of the {trusted} credentials for issuer `{iss}` matches the subject; the closest is {}",
                        credential.label()
                    )
                } else {
                    format!(
                        "{} is the only credential for issuer `{iss}`",
                        credential.label()
                    )
                };
                (format!("{others}: {explanation}"), fix)
            }
        };
        Verdict {
            rule: TRUST_AZURE_SUBJECT_MISMATCH,
            cause: format!(
                "{head}{}. Entra's specific code is AADSTS700213 (\"No matching federated identity record found for presented assertion subject\"); {USUAL_MESSAGE}",
                sentence_notes(&notes)
            ),
            fix,
            locator: credential.matcher_path.clone(),
            cloud_error: Some(aadsts70021(claims)),
        }
    }

    fn expression_mismatch(
        &self,
        credential: &FederatedCredential,
        expression: &ClaimsExpression,
        assessment: &Assessment,
        trusted: usize,
        claims: &Claims,
    ) -> Verdict {
        let iss = shown(claims, "iss");
        // Checks after the issuer are the comparisons, in source order.
        let failing = expression
            .comparisons()
            .iter()
            .zip(assessment.rule.checks.iter().skip(1))
            .find(|(_, check)| !check.matched);
        let mut notes = Vec::new();
        if expression.has_or() {
            notes.push("the expression uses `or`, and none of its alternatives holds".to_owned());
        }
        let detail = match failing {
            Some((comparison, check)) => {
                if comparison.comparand.ends_with(":pull-request")
                    && check
                        .actual
                        .as_deref()
                        .is_some_and(|a| a.ends_with(":pull_request"))
                {
                    notes.push("the comparand ends in `:pull-request` (hyphen), the spelling in Entra's documentation, but GitHub issues `:pull_request` (underscore)".to_owned());
                }
                let value = match (&check.actual, &check.near_miss) {
                    (None, _) => format!("the token has no `{}` claim", comparison.claim),
                    (Some(_), Some(m)) => m.explanation.clone(),
                    (Some(a), None) => format!("the token's `{}` is `{a}`", comparison.claim),
                };
                if expression.comparisons().len() == 1 {
                    value
                } else {
                    format!(
                        "`{}` (characters {}..{} of the expression) is false: {value}",
                        comparison.canonical(),
                        comparison.span.start,
                        comparison.span.end
                    )
                }
            }
            None => "it is false".to_owned(),
        };
        let others = if trusted > 1 {
            format!(
                "none of the {trusted} credentials for issuer `{iss}` matches; the closest is the flexible {}",
                credential.label()
            )
        } else {
            format!(
                "the only credential for issuer `{iss}` is the flexible {}",
                credential.label()
            )
        };
        let suggestion = claims
            .subject()
            .map(|sub| {
                format!(
                    " (for this token's subject: `claims['sub'] eq {}`)",
                    quote(sub)
                )
            })
            .unwrap_or_default();
        Verdict {
            rule: TRUST_AZURE_EXPRESSION_MISMATCH,
            cause: format!(
                "{others}, whose claims matching expression `{}` does not hold: {detail}{}. Entra's code for a flexible credential's mismatch is reported as AADSTS7002131 (unverified); {USUAL_MESSAGE}",
                expression.source(),
                sentence_notes(&notes)
            ),
            fix: format!(
                "if this job should get in, change the expression of {} so it admits the token{suggestion}, or add a credential for it; if it should not, the refusal is correct",
                credential.label()
            ),
            locator: credential.matcher_path.clone(),
            cloud_error: Some(aadsts70021(claims)),
        }
    }

    /// AADSTS700212 is listed as unverified in the reference (clouds.md): Entra's own
    /// documentation names no audience-specific code.
    fn audience_mismatch(
        &self,
        credential: &FederatedCredential,
        assessment: &Assessment,
        claims: &Claims,
    ) -> Verdict {
        let check = assessment
            .rule
            .checks
            .iter()
            .rev()
            .find(|c| c.key == "audiences");
        let configured = match credential.audiences.as_slice() {
            [] => "no audience".to_owned(),
            [one] => format!("audience `{one}`"),
            many => format!(
                "one of the audiences {}",
                many.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let token = claims.audiences();
        let mut notes = Vec::new();
        if credential.audiences.is_empty() {
            notes.push("Entra requires exactly one audience on every credential".to_owned());
        }
        let head = if token.is_empty() {
            format!(
                "{} matches the token's issuer and subject and expects {configured}, but the token has no `aud` claim",
                credential.label()
            )
        } else {
            format!(
                "{} matches the token's issuer and subject, but expects {configured} and the token's `aud` is `{}`",
                credential.label(),
                token.join(", ")
            )
        };
        let wanted = credential
            .audiences
            .first()
            .map_or(DEFAULT_AUDIENCE, String::as_str);
        let fix = match token.as_slice() {
            [one] => format!(
                "request the token for `{wanted}` (azure/login's `audience` input, default `{DEFAULT_AUDIENCE}`), or set the credential's audience to `{one}` if that is what your issuer must send"
            ),
            _ => format!(
                "request the token for `{wanted}` (azure/login's `audience` input, default `{DEFAULT_AUDIENCE}`)"
            ),
        };
        Verdict {
            rule: TRUST_AZURE_AUDIENCE_MISMATCH,
            cause: format!(
                "{head}{}. Entra's specific code is AADSTS700212 (no matching federated identity record for the assertion audience; unverified); {USUAL_MESSAGE}",
                sentence_notes(&notes)
            ),
            fix,
            locator: check.map_or_else(|| credential.audiences_path.clone(), |c| c.locator.clone()),
            cloud_error: Some(aadsts70021(claims)),
        }
    }

    /// The deciding condition of a refusal: no issuer, then (same issuer) the closest
    /// subject or expression, then (issuer and subject) the audience.
    fn refusal(&self, assessments: &[Assessment], claims: &Claims) -> Verdict {
        let iss = claims.issuer().unwrap_or_default();
        let pairs: Vec<(&FederatedCredential, &Assessment)> =
            self.credentials.iter().zip(assessments).collect();
        let same_issuer: Vec<(&FederatedCredential, &Assessment)> =
            pairs.iter().copied().filter(|(_, a)| a.issuer).collect();
        if let Some((credential, assessment)) = same_issuer.iter().find(|(_, a)| a.identity) {
            return self.audience_mismatch(credential, assessment, claims);
        }
        if let Some((credential, assessment)) = first_max(&same_issuer, |(_, a)| a.closeness) {
            return match &credential.matcher {
                SubjectMatch::Subject(subject) => self.subject_mismatch(
                    credential,
                    subject,
                    assessment,
                    same_issuer.len(),
                    claims,
                ),
                SubjectMatch::Expression(expression) => self.expression_mismatch(
                    credential,
                    expression,
                    assessment,
                    same_issuer.len(),
                    claims,
                ),
                SubjectMatch::TooLarge { comparisons } => Exceeded::new(
                    format!("the claims matching expression of {}", credential.label()),
                    *comparisons,
                    "comparisons",
                    budget::AZURE_COMPARISONS,
                    credential.matcher_path.clone(),
                )
                .verdict(),
            };
        }
        match first_max(&pairs, |(c, _)| common_prefix(&c.issuer, iss)) {
            Some((credential, _)) => self.issuer_mismatch(credential, claims),
            None => self.no_credentials(claims),
        }
    }
}

/// The item with the largest key, the first of equals (document order breaks ties).
fn first_max<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
    items
        .iter()
        .enumerate()
        .max_by_key(|(i, t)| (key(t), std::cmp::Reverse(*i)))
        .map(|(_, t)| t)
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

#[cfg(test)]
mod tests {
    //! Semantics from <https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations>
    //! (exact issuer/subject, one audience, 20 credentials, whitespace in `iss`),
    //! <https://learn.microsoft.com/entra/workload-id/workload-identities-flexible-federated-identity-credentials>
    //! (expressions) and <https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust>
    //! (shapes, GitHub subjects).
    use super::*;
    use crate::policy::review::{Context, review};
    use crate::vocabulary::catalog::TRUST_RISK_NAME_BASED_SUBJECT;
    use proptest::prelude::*;
    use serde_json::json;

    const GRAPH_ENTITY: &[u8] =
        include_bytes!("../../tests/fixtures/policies/azure/graph-entity.json");
    const CREATE_PARAMETERS: &[u8] =
        include_bytes!("../../tests/fixtures/policies/azure/create-parameters.json");
    const FLEXIBLE_BODY: &[u8] =
        include_bytes!("../../tests/fixtures/policies/azure/flexible-body.json");
    const GRAPH_LIST: &[u8] = include_bytes!("../../tests/fixtures/policies/azure/graph-list.json");
    const GRAPH_EMPTY: &[u8] =
        include_bytes!("../../tests/fixtures/policies/azure/graph-empty-list.json");
    const AZ_AD_APP_LIST: &[u8] =
        include_bytes!("../../tests/fixtures/policies/azure/az-ad-app-list.json");
    const MI_LIST: &[u8] =
        include_bytes!("../../tests/fixtures/policies/azure/managed-identity-list.json");
    const MI_ARM: &[u8] =
        include_bytes!("../../tests/fixtures/policies/azure/managed-identity-arm.json");
    const NOT_AZURE: &[&[u8]] = &[
        include_bytes!(
            "../../tests/fixtures/policies/azure/not-azure/aws-trust-policy-github.json"
        ),
        include_bytes!(
            "../../tests/fixtures/policies/azure/not-azure/aws-cloudtrail-assumerolewithwebidentity.json"
        ),
        include_bytes!(
            "../../tests/fixtures/policies/azure/not-azure/gcp-provider-describe.illustrative-unverified.json"
        ),
        include_bytes!(
            "../../tests/fixtures/policies/azure/not-azure/gcp-audit-log-sts-exchange.skeleton-unverified.json"
        ),
        include_bytes!("../../tests/fixtures/policies/azure/not-azure/vault-jwt-role.json"),
        include_bytes!("../../tests/fixtures/policies/azure/not-azure/jwks.json"),
        include_bytes!("../../tests/fixtures/policies/azure/not-azure/openid-configuration.json"),
        include_bytes!(
            "../../tests/fixtures/policies/azure/not-azure/github-actions-token-claims.json"
        ),
        include_bytes!("../../tests/fixtures/claims/gitlab-id-token-claims.json"),
        include_bytes!("../../tests/fixtures/claims/terraform-cloud-token-claims.json"),
        include_bytes!(
            "../../tests/fixtures/claims/github-actions-token-claims-ghec-enterprise-issuer.json"
        ),
    ];
    const TERRAFORM_CLAIMS: &[u8] =
        include_bytes!("../../tests/fixtures/claims/terraform-cloud-token-claims.json");
    const GHEC_CLAIMS: &[u8] = include_bytes!(
        "../../tests/fixtures/claims/github-actions-token-claims-ghec-enterprise-issuer.json"
    );

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => Claims(map),
            _ => panic!("claims must be an object"),
        }
    }

    fn claims_file(bytes: &[u8]) -> Claims {
        claims(serde_json::from_slice(bytes).unwrap())
    }

    fn github(sub: &str) -> Claims {
        claims(json!({"iss": GITHUB_ISSUER, "sub": sub, "aud": DEFAULT_AUDIENCE}))
    }

    fn config(value: Value) -> AzureFederatedCredentials {
        parse(value.to_string().as_bytes()).unwrap()
    }

    fn classic(name: &str, issuer: &str, subject: &str) -> Value {
        json!({"name": name, "issuer": issuer, "subject": subject, "audiences": [DEFAULT_AUDIENCE]})
    }

    fn flexible(name: &str, issuer: &str, expression: &str) -> Value {
        json!({"name": name, "issuer": issuer, "subject": null, "audiences": [DEFAULT_AUDIENCE],
               "claimsMatchingExpression": {"value": expression, "languageVersion": 1}})
    }

    fn refusal(config: &AzureFederatedCredentials, claims: &Claims) -> Verdict {
        let evaluation = config.evaluate(claims);
        assert!(!evaluation.allowed, "expected a refusal");
        evaluation.refusal.unwrap()
    }

    fn field_error(value: Value) -> (String, String) {
        match parse(value.to_string().as_bytes()) {
            Err(PolicyError::Field { field, message, .. }) => (field, message),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    // --- the documented shapes ---------------------------------------------------

    #[test]
    fn graph_entity_sample_is_one_classic_credential() {
        // Graph POST response, workload-identity-federation-create-trust.
        assert!(sniff(GRAPH_ENTITY));
        let config = parse(GRAPH_ENTITY).unwrap();
        assert_eq!(config.shape(), DocumentShape::Single);
        let [c] = config.credentials() else {
            panic!("one credential")
        };
        assert_eq!(c.name.as_deref(), Some("Testing"));
        assert_eq!(c.description.as_deref(), Some("Testing"));
        assert_eq!(c.issuer, GITHUB_ISSUER);
        assert_eq!(
            c.matcher,
            SubjectMatch::Subject("repo:octo-org/octo-repo:environment:Production".to_owned())
        );
        assert_eq!(c.audiences, vec![DEFAULT_AUDIENCE]);
        assert_eq!(c.locator(), "$");
        assert!(!c.managed_identity);
        let evaluation = config.evaluate(&github("repo:octo-org/octo-repo:environment:Production"));
        assert!(evaluation.allowed);
        let rule = evaluation.admitting_rule().unwrap();
        assert_eq!(rule.label, "credential 'Testing'");
        assert_eq!(rule.locator, "$");
        let locators: Vec<&str> = rule.checks.iter().map(|c| c.locator.as_str()).collect();
        assert_eq!(locators, ["$.issuer", "$.subject", "$.audiences[0]"]);
        assert_eq!(
            config.describe(),
            "Azure federated identity credential 'Testing' (classic)"
        );
    }

    #[test]
    fn create_parameters_sample_parses_like_the_entity() {
        assert!(sniff(CREATE_PARAMETERS));
        let config = parse(CREATE_PARAMETERS).unwrap();
        assert_eq!(config.credentials().len(), 1);
        assert_eq!(config.credentials()[0].name.as_deref(), Some("Testing"));
        assert_eq!(config.issuers(), vec![GITHUB_ISSUER]);
        assert_eq!(config.audiences(), vec![DEFAULT_AUDIENCE]);
        assert_eq!(
            config.subject_patterns(0),
            vec!["repo:octo-org/octo-repo:environment:Production"]
        );
    }

    #[test]
    fn flexible_body_sample_matches_any_branch_but_not_a_pull_request() {
        assert!(sniff(FLEXIBLE_BODY));
        let config = parse(FLEXIBLE_BODY).unwrap();
        assert!(config.credentials()[0].is_flexible());
        assert_eq!(
            config.subject_patterns(0),
            vec!["repo:contoso/contoso-org:ref:refs/heads/*"]
        );
        assert!(
            config
                .evaluate(&github("repo:contoso/contoso-org:ref:refs/heads/main"))
                .allowed
        );
        assert!(
            config
                .evaluate(&github("repo:contoso/contoso-org:ref:refs/heads/feature/x"))
                .allowed
        );
        let verdict = refusal(&config, &github("repo:contoso/contoso-org:pull_request"));
        assert_eq!(verdict.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
        assert_eq!(verdict.locator, "$.claimsMatchingExpression.value");
        assert!(
            verdict.cause.contains("they part at character 26"),
            "{}",
            verdict.cause
        );
        assert!(
            verdict
                .cause
                .contains("repo:contoso/contoso-org:pull_request"),
            "{}",
            verdict.cause
        );
        assert!(verdict.cause.contains("AADSTS70021"), "{}", verdict.cause);
        assert_eq!(
            config.describe(),
            "Azure federated identity credential 'FlexFic1' (flexible)"
        );
    }

    #[test]
    fn graph_list_response_locates_each_credential_under_value() {
        assert!(sniff(GRAPH_LIST));
        let config = parse(GRAPH_LIST).unwrap();
        assert_eq!(config.shape(), DocumentShape::ValueList);
        assert_eq!(config.rule_count(), 3);
        let locators: Vec<&str> = config
            .credentials()
            .iter()
            .map(FederatedCredential::locator)
            .collect();
        assert_eq!(locators, ["$.value[0]", "$.value[1]", "$.value[2]"]);
        let rule = config.evaluate_rule(
            2,
            &github("repo:contoso/contoso-app:ref:refs/heads/release/1.0"),
        );
        assert_eq!(rule.label, "credential 'release-branches'");
        assert_eq!(rule.checks.len(), 4, "issuer, two comparisons, audience");
        assert_eq!(
            rule.checks[1].locator,
            "$.value[2].claimsMatchingExpression.value"
        );
        assert_eq!(rule.checks[2].key, "claims['job_workflow_ref']");
        assert_eq!(rule.checks[2].actual, None);
        assert!(!rule.applies);
        // Subject patterns are the `sub` comparands only.
        assert_eq!(
            config.subject_patterns(2),
            vec!["repo:contoso/contoso-app:ref:refs/heads/release/*"]
        );
        assert_eq!(
            config.describe(),
            "Azure federated identity credentials (3: 2 classic, 1 flexible)"
        );
    }

    #[test]
    fn az_ad_app_list_is_a_plain_array() {
        assert!(sniff(AZ_AD_APP_LIST));
        let config = parse(AZ_AD_APP_LIST).unwrap();
        assert_eq!(config.shape(), DocumentShape::List);
        assert_eq!(config.credentials()[1].locator(), "$[1]");
        assert_eq!(config.issuers(), vec![GITHUB_ISSUER, "https://gitlab.com"]);
        let gitlab = claims(json!({"iss": "https://gitlab.com", "aud": DEFAULT_AUDIENCE,
            "sub": "project_path:my-group/my-project:ref_type:branch:ref:main"}));
        let evaluation = config.evaluate(&gitlab);
        assert!(evaluation.allowed);
        assert_eq!(evaluation.admitting_rule().unwrap().locator, "$[1]");
    }

    #[test]
    fn managed_identity_flat_list() {
        // `az identity federated-credential list`.
        assert!(sniff(MI_LIST));
        let config = parse(MI_LIST).unwrap();
        let [c] = config.credentials() else {
            panic!("one credential")
        };
        assert!(c.managed_identity);
        assert_eq!(c.name.as_deref(), Some("github-prod"));
        assert!(
            config
                .evaluate(&github("repo:octo-org/octo-repo:environment:prod"))
                .allowed
        );
        assert!(
            config
                .describe()
                .contains("of a user-assigned managed identity"),
            "{}",
            config.describe()
        );
    }

    #[test]
    fn managed_identity_arm_list_reads_properties() {
        assert!(sniff(MI_ARM));
        let config = parse(MI_ARM).unwrap();
        assert_eq!(config.rule_count(), 2);
        let rule = config.evaluate_rule(0, &github("repo:octo-org/octo-repo:environment:prod"));
        assert!(rule.applies);
        assert_eq!(rule.label, "credential 'github-prod'");
        assert_eq!(rule.checks[0].locator, "$.value[0].properties.issuer");
        assert_eq!(rule.checks[1].locator, "$.value[0].properties.subject");
        // The Terraform Cloud sample token: issuer and expression match, audience not.
        let terraform = claims_file(TERRAFORM_CLAIMS);
        let verdict = refusal(&config, &terraform);
        assert_eq!(verdict.rule, TRUST_AZURE_AUDIENCE_MISMATCH);
        assert_eq!(verdict.locator, "$.value[1].properties.audiences[0]");
        assert!(
            verdict.cause.contains("`my-example-audience`"),
            "{}",
            verdict.cause
        );
        assert!(verdict.cause.contains("AADSTS700212"), "{}", verdict.cause);
        assert!(verdict.fix.contains(DEFAULT_AUDIENCE), "{}", verdict.fix);
        assert_eq!(
            verdict.cloud_error.as_deref(),
            Some(
                "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://app.terraform.io'. Assertion Subject: 'organization:my-org:project:Default Project:workspace:my-workspace:run_phase:apply'. Assertion Audience: 'my-example-audience'."
            )
        );
    }

    #[test]
    fn an_empty_list_refuses_with_aadsts70025() {
        assert!(sniff(GRAPH_EMPTY));
        let config = parse(GRAPH_EMPTY).unwrap();
        assert_eq!(config.rule_count(), 0);
        let verdict = refusal(&config, &github("repo:o/r:ref:refs/heads/main"));
        assert_eq!(verdict.rule, TRUST_AZURE_NO_CREDENTIALS);
        assert_eq!(verdict.locator, "$.value");
        assert!(verdict.cloud_error.unwrap().starts_with("AADSTS70025"));
        assert!(
            verdict.fix.contains("repo:o/r:ref:refs/heads/main"),
            "{}",
            verdict.fix
        );
        let bare = parse(b"[]").unwrap();
        assert_eq!(refusal(&bare, &github("x")).locator, "$");
        assert!(!sniff(b"[]"), "an empty array could be anything");
        assert!(
            !bare.evaluate_rule(0, &github("x")).applies,
            "out of range is no rule, not a panic"
        );
    }

    #[test]
    fn pascal_case_keys_and_a_bom_are_read() {
        let doc = "\u{feff}{\"Name\":\"ps\",\"Issuer\":\"https://token.actions.githubusercontent.com\",\"Subject\":\"repo:o/r:ref:refs/heads/main\",\"Audience\":[\"api://AzureADTokenExchange\"]}";
        assert!(sniff(doc.as_bytes()));
        let config = parse(doc.as_bytes()).unwrap();
        assert_eq!(config.credentials()[0].name.as_deref(), Some("ps"));
        let rule = config.evaluate_rule(0, &github("repo:o/r:ref:refs/heads/main"));
        assert!(rule.applies);
        assert_eq!(rule.checks[2].locator, "$.Audience[0]");
    }

    // --- sniffing ------------------------------------------------------------------

    #[test]
    fn sniff_rejects_other_clouds_tokens_and_jwks() {
        for (i, bytes) in NOT_AZURE.iter().enumerate() {
            assert!(!sniff(bytes), "negative sample {i} was taken for Azure");
        }
        for bytes in [
            &b""[..],
            b"{}",
            b"[{}]",
            b"issuer",
            b"{\"issuer\":\"https://x\"}",
            b"{\"value\":[]}",
            b"not json \"issuer\"",
        ] {
            assert!(!sniff(bytes), "{}", String::from_utf8_lossy(bytes));
        }
    }

    // --- parse errors ----------------------------------------------------------------

    #[test]
    fn malformed_json_reports_line_and_column() {
        match parse(b"[\n  {\"issuer\": \"https://x\",\n   \"subject\" \"s\"}\n]") {
            Err(PolicyError::Json { line, column, .. }) => assert_eq!((line, column), (3, 14)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_field_types_name_their_json_path() {
        let good = classic("c", GITHUB_ISSUER, "s");
        let mut bad_issuer = good.clone();
        bad_issuer["issuer"] = json!(5);
        assert_eq!(
            field_error(json!([good.clone(), bad_issuer])).0,
            "$[1].issuer"
        );

        let mut no_issuer = good.clone();
        no_issuer.as_object_mut().unwrap().remove("issuer");
        let (field, message) = field_error(no_issuer);
        assert_eq!(field, "$.issuer");
        assert!(message.contains("required"));

        let mut both = flexible("f", GITHUB_ISSUER, "claims['sub'] eq 'x'");
        both["subject"] = json!("x");
        let (field, message) = field_error(both);
        assert_eq!(field, "$.claimsMatchingExpression");
        assert!(message.contains("mutually exclusive"));

        let mut neither = good.clone();
        neither["subject"] = Value::Null;
        assert_eq!(field_error(neither).0, "$.subject");

        let mut audiences = good.clone();
        audiences["audiences"] = json!({"a": 1});
        assert_eq!(
            field_error(json!({"value": [audiences]})).0,
            "$.value[0].audiences"
        );
        let mut item = good.clone();
        item["audiences"] = json!([DEFAULT_AUDIENCE, 7]);
        assert_eq!(field_error(item).0, "$.audiences[1]");
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("audiences");
        assert_eq!(field_error(missing).0, "$.audiences");

        let mut version = flexible("f", GITHUB_ISSUER, "claims['sub'] eq 'x'");
        version["claimsMatchingExpression"]["languageVersion"] = json!(2);
        assert_eq!(
            field_error(version).0,
            "$.claimsMatchingExpression.languageVersion"
        );
        let mut shape = flexible("f", GITHUB_ISSUER, "x");
        shape["claimsMatchingExpression"] = json!("claims['sub'] eq 'x'");
        assert_eq!(field_error(shape).0, "$.claimsMatchingExpression");

        assert_eq!(field_error(json!("text")).0, "$");
        assert_eq!(field_error(json!({"value": 5})).0, "$.value");
        assert_eq!(field_error(json!([5])).0, "$[0]");
        assert_eq!(
            field_error(json!([{"name": "x", "properties": {"issuer": GITHUB_ISSUER, "subject": 7, "audiences": []}}])).0,
            "$[0].properties.subject"
        );
        assert_eq!(
            field_error(
                json!([{"name": 3, "issuer": GITHUB_ISSUER, "subject": "s", "audiences": []}])
            )
            .0,
            "$[0].name"
        );
    }

    #[test]
    fn expression_errors_carry_path_and_offset() {
        let doc = json!([
            classic("c", GITHUB_ISSUER, "s"),
            flexible("f", GITHUB_ISSUER, "claims['sub'] matches 'repo:o/*")
        ]);
        match parse(doc.to_string().as_bytes()) {
            Err(PolicyError::Expression {
                field,
                offset,
                message,
                ..
            }) => {
                assert_eq!(field, "$[1].claimsMatchingExpression.value");
                assert_eq!(offset, 22);
                assert!(message.contains("unterminated string"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // The page's own example ends in a stray period inside the string.
        let doc = flexible(
            "f",
            GITHUB_ISSUER,
            "claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*'.",
        );
        match parse(doc.to_string().as_bytes()) {
            Err(PolicyError::Expression { field, offset, .. }) => {
                assert_eq!(field, "$.claimsMatchingExpression.value");
                assert_eq!(offset, 66);
            }
            other => panic!("{other:?}"),
        }
    }

    // --- semantics -------------------------------------------------------------------

    #[test]
    fn issuer_must_match_exactly() {
        let config = config(classic("c", GITHUB_ISSUER, "repo:o/r:ref:refs/heads/main"));
        let token = claims(
            json!({"iss": format!("{GITHUB_ISSUER}/"), "sub": "repo:o/r:ref:refs/heads/main", "aud": DEFAULT_AUDIENCE}),
        );
        let verdict = refusal(&config, &token);
        assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
        assert_eq!(verdict.locator, "$.issuer");
        assert!(
            verdict.cause.contains("trailing slash"),
            "{}",
            verdict.cause
        );
        assert!(verdict.cause.contains("AADSTS700211"), "{}", verdict.cause);
        assert!(
            verdict
                .cloud_error
                .unwrap()
                .contains("Assertion Issuer: 'https://token.actions.githubusercontent.com/'")
        );
        let rule = config.evaluate_rule(0, &token);
        assert!(!rule.checks[0].matched);
        assert!(rule.checks[0].near_miss.is_some());
        // Case matters too.
        let upper = claims(
            json!({"iss": "https://Token.actions.githubusercontent.com", "sub": "repo:o/r:ref:refs/heads/main", "aud": DEFAULT_AUDIENCE}),
        );
        assert!(refusal(&config, &upper).cause.contains("only in case"));
        // No `iss` at all.
        let none = claims(json!({"sub": "repo:o/r:ref:refs/heads/main", "aud": DEFAULT_AUDIENCE}));
        assert!(refusal(&config, &none).cause.contains("no `iss` claim"));
    }

    #[test]
    fn whitespace_around_the_issuer_blocks_the_exchange() {
        // "If the issuer claim has leading or trailing whitespace in the value, the token
        // exchange is blocked."
        let padded = config(classic(
            "c",
            "https://token.actions.githubusercontent.com ",
            "s",
        ));
        let token = claims(
            json!({"iss": "https://token.actions.githubusercontent.com ", "sub": "s", "aud": DEFAULT_AUDIENCE}),
        );
        let verdict = refusal(&padded, &token);
        assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
        assert!(
            verdict.cause.contains("leading or trailing whitespace"),
            "{}",
            verdict.cause
        );
        assert!(
            verdict.fix.contains("without surrounding whitespace"),
            "{}",
            verdict.fix
        );
        // Whitespace on the credential side only.
        let verdict = refusal(&padded, &github("s"));
        assert!(
            verdict.cause.contains("the credential's issuer"),
            "{}",
            verdict.cause
        );
    }

    #[test]
    fn ghec_enterprise_issuer_is_named() {
        let config = config(classic(
            "c",
            GITHUB_ISSUER,
            "repo:octocat-inc/private-server:ref:refs/heads/main",
        ));
        let verdict = refusal(&config, &claims_file(GHEC_CLAIMS));
        assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
        assert!(
            verdict.cause.contains("GitHub Enterprise Cloud"),
            "{}",
            verdict.cause
        );
        assert!(
            verdict
                .fix
                .contains("https://token.actions.githubusercontent.com/octocat-inc"),
            "{}",
            verdict.fix
        );
    }

    #[test]
    fn subject_is_exact_and_case_sensitive() {
        let config = config(classic(
            "prod",
            GITHUB_ISSUER,
            "repo:Octo-Org/octo-repo:environment:prod",
        ));
        let token = github("repo:octo-org/octo-repo:environment:prod");
        let verdict = refusal(&config, &token);
        assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
        assert_eq!(verdict.locator, "$.subject");
        assert!(
            verdict.cause.contains("case-sensitively"),
            "{}",
            verdict.cause
        );
        assert!(verdict.cause.contains("AADSTS700213"), "{}", verdict.cause);
        assert_eq!(
            verdict.cloud_error.as_deref(),
            Some(
                "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:octo-org/octo-repo:environment:prod'. Assertion Audience: 'api://AzureADTokenExchange'."
            )
        );
        assert!(
            verdict
                .fix
                .contains("repo:octo-org/octo-repo:environment:prod"),
            "{}",
            verdict.fix
        );
        let check = &config.evaluate_rule(0, &token).checks[1];
        assert_eq!(check.near_miss.as_ref().unwrap().first_difference, 5);
        // A branch job against an environment credential: the near miss names why.
        let verdict = refusal(
            &config,
            &github("repo:Octo-Org/octo-repo:ref:refs/heads/main"),
        );
        assert!(
            verdict.cause.contains("no `environment:`"),
            "{}",
            verdict.cause
        );
    }

    #[test]
    fn a_star_in_a_classic_subject_is_literal() {
        // "Wildcard characters aren't supported in any federated identity credential property value."
        let config = config(classic(
            "any-branch",
            GITHUB_ISSUER,
            "repo:octo-org/octo-repo:*",
        ));
        let verdict = refusal(
            &config,
            &github("repo:octo-org/octo-repo:ref:refs/heads/main"),
        );
        assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
        assert!(
            verdict.cause.contains("compares literally"),
            "{}",
            verdict.cause
        );
        assert!(
            verdict
                .fix
                .contains("claims['sub'] matches 'repo:octo-org/octo-repo:*'"),
            "{}",
            verdict.fix
        );
        assert!(
            config
                .evaluate(&github("repo:octo-org/octo-repo:*"))
                .allowed
        );
    }

    #[test]
    fn pull_request_spelling_discrepancy_is_spelled_out() {
        // Entra's create-trust page writes `:pull-request`; GitHub issues `:pull_request`.
        let config = parse(GRAPH_LIST).unwrap();
        let verdict = refusal(&config, &github("repo:contoso/contoso-app:pull_request"));
        assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
        assert_eq!(
            verdict.locator, "$.value[1].subject",
            "the pull-request credential is the closest"
        );
        assert!(
            verdict.cause.contains("ends in `:pull-request` (hyphen), the spelling in Entra's documentation, but GitHub issues `:pull_request` (underscore)"),
            "{}",
            verdict.cause
        );
        assert!(
            verdict.cause.contains("none of the 3 credentials"),
            "{}",
            verdict.cause
        );
        assert!(
            verdict
                .fix
                .contains("`repo:contoso/contoso-app:pull_request`"),
            "{}",
            verdict.fix
        );
        // The same inside an expression.
        let flex = config_of(flexible(
            "pr",
            GITHUB_ISSUER,
            "claims['sub'] eq 'repo:o/r:pull-request'",
        ));
        let verdict = refusal(&flex, &github("repo:o/r:pull_request"));
        assert_eq!(verdict.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
        assert!(
            verdict.cause.contains("`:pull-request` (hyphen)"),
            "{}",
            verdict.cause
        );
    }

    fn config_of(value: Value) -> AzureFederatedCredentials {
        config(value)
    }

    #[test]
    fn audience_must_be_in_aud_string_or_array() {
        let config = config(classic("c", GITHUB_ISSUER, "s"));
        let array = claims(
            json!({"iss": GITHUB_ISSUER, "sub": "s", "aud": ["https://github.com/octo-org", DEFAULT_AUDIENCE]}),
        );
        let evaluation = config.evaluate(&array);
        assert!(evaluation.allowed);
        let audience = evaluation.rules[0].checks.last().unwrap();
        assert_eq!(
            audience.actual.as_deref(),
            Some("https://github.com/octo-org, api://AzureADTokenExchange")
        );
        let github_default =
            claims(json!({"iss": GITHUB_ISSUER, "sub": "s", "aud": "https://github.com/octo-org"}));
        let verdict = refusal(&config, &github_default);
        assert_eq!(verdict.rule, TRUST_AZURE_AUDIENCE_MISMATCH);
        assert_eq!(verdict.locator, "$.audiences[0]");
        assert!(
            verdict
                .cloud_error
                .unwrap()
                .ends_with("Assertion Audience: 'https://github.com/octo-org'.")
        );
        let missing = claims(json!({"iss": GITHUB_ISSUER, "sub": "s"}));
        assert!(refusal(&config, &missing).cause.contains("no `aud` claim"));
    }

    #[test]
    fn the_closest_credential_is_chosen_same_issuer_first() {
        let config = config(json!([
            classic(
                "gitlab",
                "https://gitlab.com",
                "repo:acme/api:ref:refs/heads/main"
            ),
            classic(
                "other-repo",
                GITHUB_ISSUER,
                "repo:acme/web:ref:refs/heads/main"
            ),
            classic("same-repo", GITHUB_ISSUER, "repo:acme/api:environment:prod"),
        ]));
        let verdict = refusal(&config, &github("repo:acme/api:ref:refs/heads/main"));
        assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
        assert_eq!(verdict.locator, "$[2].subject");
        assert!(
            verdict.cause.contains("credential 'same-repo'"),
            "{}",
            verdict.cause
        );
        assert!(
            verdict.cause.contains("none of the 2 credentials"),
            "{}",
            verdict.cause
        );
        // Different issuer everywhere: the issuer with the longest common prefix.
        let verdict = refusal(
            &config,
            &claims(
                json!({"iss": "https://gitlab.example.com", "sub": "x", "aud": DEFAULT_AUDIENCE}),
            ),
        );
        assert_eq!(verdict.rule, TRUST_AZURE_ISSUER_MISMATCH);
        assert_eq!(verdict.locator, "$[0].issuer");
        assert!(
            verdict.cause.contains("none of the 3 credentials"),
            "{}",
            verdict.cause
        );
    }

    #[test]
    fn flexible_and_classic_compete_for_closest() {
        let config = config(json!([
            classic("main", GITHUB_ISSUER, "repo:acme/api:ref:refs/heads/main"),
            flexible(
                "releases",
                GITHUB_ISSUER,
                "claims['sub'] matches 'repo:acme/api:ref:refs/tags/v*'"
            ),
        ]));
        let tag = refusal(&config, &github("repo:acme/api:ref:refs/tags/release-1"));
        assert_eq!(tag.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
        assert_eq!(tag.locator, "$[1].claimsMatchingExpression.value");
        assert!(
            tag.cause.contains("they part at character 29"),
            "{}",
            tag.cause
        );
        assert!(
            tag.fix
                .contains("claims['sub'] eq 'repo:acme/api:ref:refs/tags/release-1'"),
            "{}",
            tag.fix
        );
        let branch = refusal(&config, &github("repo:acme/api:ref:refs/heads/mainline"));
        assert_eq!(branch.rule, TRUST_AZURE_SUBJECT_MISMATCH);
        assert_eq!(branch.locator, "$[0].subject");
        assert!(
            config
                .evaluate(&github("repo:acme/api:ref:refs/tags/v2.0.0"))
                .allowed
        );
    }

    #[test]
    fn expression_checks_one_per_comparison() {
        let expression = "claims['sub'] matches 'repo:acme/*' and claims['job_workflow_ref'] eq 'acme/shared/.github/workflows/deploy.yml@refs/heads/main'";
        let config = config(flexible("reusable", GITHUB_ISSUER, expression));
        let mut token = github("repo:acme/api:ref:refs/heads/main");
        token.0.insert(
            "job_workflow_ref".to_owned(),
            json!("acme/shared/.github/workflows/deploy.yml@refs/heads/dev"),
        );
        let rule = config.evaluate_rule(0, &token);
        assert_eq!(rule.checks.len(), 4);
        let sub = &rule.checks[1];
        assert_eq!(
            (sub.key.as_str(), sub.operator.as_str()),
            (
                "claims['sub']",
                "matches (characters 0..35 of the expression)"
            )
        );
        assert!(sub.matched);
        let jwr = &rule.checks[2];
        assert_eq!(jwr.operator, "eq (characters 40..128 of the expression)");
        assert!(!jwr.matched);
        assert_eq!(
            jwr.near_miss.as_ref().unwrap().first_difference,
            "acme/shared/.github/workflows/deploy.yml@refs/heads/".len()
        );
        assert_eq!(
            rule.first_failure().unwrap().key,
            "claims['job_workflow_ref']"
        );
        let verdict = refusal(&config, &token);
        assert_eq!(verdict.rule, TRUST_AZURE_EXPRESSION_MISMATCH);
        assert!(
            verdict.cause.contains("characters 40..128"),
            "{}",
            verdict.cause
        );
        // An absent claim is said to be absent.
        token.0.remove("job_workflow_ref");
        assert!(
            refusal(&config, &token)
                .cause
                .contains("the token has no `job_workflow_ref` claim")
        );
    }

    #[test]
    fn or_expressions_apply_when_one_alternative_holds() {
        let config = config(flexible(
            "two",
            GITHUB_ISSUER,
            "claims['sub'] eq 'repo:acme/api:environment:prod' or claims['sub'] eq 'repo:acme/api:ref:refs/heads/main'",
        ));
        let rule = config.evaluate_rule(0, &github("repo:acme/api:ref:refs/heads/main"));
        assert!(rule.applies);
        assert!(
            !rule.checks[1].matched,
            "the first alternative is reported false as it is"
        );
        let verdict = refusal(&config, &github("repo:acme/api:ref:refs/heads/dev"));
        assert!(
            verdict.cause.contains("none of its alternatives"),
            "{}",
            verdict.cause
        );
        assert_eq!(config.subject_patterns(0).len(), 2);
    }

    #[test]
    fn a_token_without_sub_is_a_subject_mismatch() {
        let config = config(classic("c", GITHUB_ISSUER, "s"));
        let verdict = refusal(
            &config,
            &claims(json!({"iss": GITHUB_ISSUER, "aud": DEFAULT_AUDIENCE})),
        );
        assert_eq!(verdict.rule, TRUST_AZURE_SUBJECT_MISMATCH);
        assert!(verdict.cause.contains("no `sub` claim"));
        assert!(
            verdict
                .cloud_error
                .unwrap()
                .contains("Assertion Subject: ''")
        );
    }

    #[test]
    fn describe_notes_limits_and_audiences() {
        let many: Vec<Value> = (0..21)
            .map(|i| classic(&format!("c{i}"), GITHUB_ISSUER, &format!("s{i}")))
            .collect();
        let d = config(Value::Array(many)).describe();
        assert!(
            d.starts_with("Azure federated identity credentials (21: 21 classic, 0 flexible)"),
            "{d}"
        );
        assert!(d.contains("more than the 20"), "{d}");
        let mut custom = classic("custom", GITHUB_ISSUER, "s");
        custom["audiences"] = json!(["api://contoso"]);
        let mut two = classic("two", GITHUB_ISSUER, "t");
        two["audiences"] = json!([DEFAULT_AUDIENCE, "x"]);
        let config = config(json!([custom, two]));
        let d = config.describe();
        assert!(
            d.contains("credential 'custom' expects audience `api://contoso`"),
            "{d}"
        );
        assert!(d.contains("credential 'two' has 2 audiences"), "{d}");
        assert_eq!(
            config.audiences(),
            vec!["api://contoso", DEFAULT_AUDIENCE, "x"]
        );
        assert!(config.pattern_findings("fic.json").is_empty());
        // A custom audience is allowed: the token just has to carry it.
        let token = claims(json!({"iss": GITHUB_ISSUER, "sub": "s", "aud": "api://contoso"}));
        assert!(config.evaluate(&token).allowed);
    }

    // --- review ----------------------------------------------------------------------

    fn admitted(config: &AzureFederatedCredentials, rule: usize) -> Vec<Context> {
        review(config, "fic.json")[rule].admitted_contexts()
    }

    #[test]
    fn review_of_a_pinned_environment_credential() {
        let config = parse(GRAPH_ENTITY).unwrap();
        assert_eq!(admitted(&config, 0), vec![Context::Environment]);
        let reviews = review(&config, "fic.json");
        let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![TRUST_RISK_NAME_BASED_SUBJECT.id]);
        assert_eq!(reviews[0].locator, "$");
        assert_eq!(reviews[0].label, "credential 'Testing'");
    }

    #[test]
    fn review_of_broad_flexible_credentials() {
        // Any branch of one repository (the page's own example).
        let branches = parse(FLEXIBLE_BODY).unwrap();
        assert_eq!(
            admitted(&branches, 0),
            vec![Context::DefaultBranchPush, Context::OtherBranchPush]
        );
        let ids: Vec<&str> = review(&branches, "fic.json")[0]
            .findings
            .iter()
            .map(|f| f.id)
            .collect();
        assert!(
            ids.contains(&crate::vocabulary::catalog::TRUST_RISK_ANY_BRANCH.id),
            "{ids:?}"
        );
        // Every repository of the organization.
        let org = config(flexible(
            "org",
            GITHUB_ISSUER,
            "claims['sub'] matches 'repo:contoso/*'",
        ));
        let contexts = admitted(&org, 0);
        assert!(
            contexts.contains(&Context::OtherRepoSameOrg) && !contexts.contains(&Context::OtherOrg),
            "{contexts:?}"
        );
        let ids: Vec<&str> = review(&org, "fic.json")[0]
            .findings
            .iter()
            .map(|f| f.id)
            .collect();
        assert!(
            ids.contains(&crate::vocabulary::catalog::TRUST_RISK_ORG_WIDE_SUBJECT.id),
            "{ids:?}"
        );
        // A reusable workflow pinned to main keeps pull requests and other branches out.
        let reusable = config(flexible(
            "reusable",
            GITHUB_ISSUER,
            "claims['sub'] matches 'repo:acme/app:*' and claims['job_workflow_ref'] eq 'acme/app/.github/workflows/deploy.yml@refs/heads/main'",
        ));
        assert_eq!(
            admitted(&reusable, 0),
            vec![Context::DefaultBranchPush, Context::Environment]
        );
        // A pull-request credential with GitHub's spelling admits pull requests.
        let pr = config(classic("pr", GITHUB_ISSUER, "repo:acme/app:pull_request"));
        assert_eq!(
            admitted(&pr, 0),
            vec![Context::PullRequest, Context::ForkPullRequest]
        );
        // With the Entra page's spelling it admits nothing.
        let hyphen = config(classic("pr", GITHUB_ISSUER, "repo:acme/app:pull-request"));
        assert!(admitted(&hyphen, 0).is_empty());
    }

    proptest! {
        /// A classic subject is plain string equality: wildcards included.
        #[test]
        fn classic_subject_is_string_equality(subject in "[a-z:/*?]{1,12}", sub in "[a-z:/*?]{0,12}") {
            let config = config(classic("c", GITHUB_ISSUER, &subject));
            prop_assert_eq!(config.evaluate(&github(&sub)).allowed, subject == sub);
        }

        /// Parsing any JSON-ish bytes never panics, and sniff agrees with what parses
        /// as at least one credential.
        #[test]
        fn sniffed_documents_parse(subject in "\\PC{0,16}", expression in "\\PC{0,24}") {
            let doc = json!([classic("c", GITHUB_ISSUER, &subject), flexible("f", GITHUB_ISSUER, &expression)]).to_string();
            prop_assert!(sniff(doc.as_bytes()));
            match parse(doc.as_bytes()) {
                Ok(config) => prop_assert_eq!(config.rule_count(), 2),
                Err(PolicyError::Expression { field, .. }) => prop_assert_eq!(field, "$[1].claimsMatchingExpression.value"),
                Err(other) => prop_assert!(false, "{other}"),
            }
        }
    }
}
