//! IAM condition operators evaluated against a web identity token, as
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html>
//! define them: values of one key are ORed (NOR for negated operators); a key absent from
//! the request makes a condition false, except for negated operators (true), `…IfExists`
//! (true), `ForAllValues:` (true — it fails open) and `Null` (which tests presence).
//!
//! Keys come from <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html>
//! (section "Available keys for AWS web identity federation"): `<provider host/path>:<claim>`.
//! `…:aud` is the token's `azp` when it has one, else `aud`; `…:oaud` is `aud` (documented
//! for Google, applied to every issuer here); other names map to the claim of that name
//! (`…:sub`, `…:amr`, GitHub's `…:repository`, `…:job_workflow_ref`, …). A key of
//! another issuer, or of a service (`aws:`, `sts:`), is not something the token carries:
//! it is evaluated as absent.

use std::net::IpAddr;

use super::document::Located;
use crate::policy::glob::{self, Dialect};
use crate::policy::near_miss::{self, NearMiss};
use crate::policy::{claim_string, claim_strings};
use crate::token::Claims;

/// `ForAnyValue:` / `ForAllValues:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    AnyValue,
    AllValues,
}

/// The operator family, without qualifier or `IfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl Base {
    const ALL: [(&'static str, Base); 27] = [
        ("StringEquals", Base::StringEquals),
        ("StringNotEquals", Base::StringNotEquals),
        ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase),
        ("StringNotEqualsIgnoreCase", Base::StringNotEqualsIgnoreCase),
        ("StringLike", Base::StringLike),
        ("StringNotLike", Base::StringNotLike),
        ("NumericEquals", Base::NumericEquals),
        ("NumericNotEquals", Base::NumericNotEquals),
        ("NumericLessThan", Base::NumericLessThan),
        ("NumericLessThanEquals", Base::NumericLessThanEquals),
        ("NumericGreaterThan", Base::NumericGreaterThan),
        ("NumericGreaterThanEquals", Base::NumericGreaterThanEquals),
        ("DateEquals", Base::DateEquals),
        ("DateNotEquals", Base::DateNotEquals),
        ("DateLessThan", Base::DateLessThan),
        ("DateLessThanEquals", Base::DateLessThanEquals),
        ("DateGreaterThan", Base::DateGreaterThan),
        ("DateGreaterThanEquals", Base::DateGreaterThanEquals),
        ("Bool", Base::Bool),
        ("BinaryEquals", Base::BinaryEquals),
        ("IpAddress", Base::IpAddress),
        ("NotIpAddress", Base::NotIpAddress),
        ("ArnEquals", Base::ArnEquals),
        ("ArnLike", Base::ArnLike),
        ("ArnNotEquals", Base::ArnNotEquals),
        ("ArnNotLike", Base::ArnNotLike),
        ("Null", Base::Null),
    ];

    fn from_name(name: &str) -> Option<Base> {
        // Operator names are matched without regard to ASCII case: a policy IAM accepted
        // is evaluated the same either way, and a mis-cased one could not have been saved.
        Base::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, b)| *b)
    }

    /// Operators that require the key *not* to match ("negated matching").
    pub(crate) fn is_negated(self) -> bool {
        matches!(
            self,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::NumericNotEquals
                | Base::DateNotEquals
                | Base::NotIpAddress
                | Base::ArnNotEquals
                | Base::ArnNotLike
        )
    }

    /// The string operators (those that carry subjects and audiences).
    pub(crate) fn is_string(self) -> bool {
        matches!(
            self,
            Base::StringEquals
                | Base::StringNotEquals
                | Base::StringEqualsIgnoreCase
                | Base::StringNotEqualsIgnoreCase
                | Base::StringLike
                | Base::StringNotLike
        )
    }

    /// Does the request value satisfy the positive form of the operator for this
    /// policy value? (`StringNotEquals` is "not StringEquals".)
    fn positive_match(self, policy: &str, request: &str) -> bool {
        match self {
            Base::StringEquals | Base::StringNotEquals | Base::BinaryEquals => policy == request,
            Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
                policy.to_lowercase() == request.to_lowercase()
            }
            Base::StringLike | Base::StringNotLike => {
                glob::matches(policy, request, Dialect::StarAndQuestion)
            }
            Base::Bool => policy.eq_ignore_ascii_case(request),
            Base::NumericEquals | Base::NumericNotEquals => {
                compare(number(request), number(policy), |r, p| r == p)
            }
            Base::NumericLessThan => compare(number(request), number(policy), |r, p| r < p),
            Base::NumericLessThanEquals => compare(number(request), number(policy), |r, p| r <= p),
            Base::NumericGreaterThan => compare(number(request), number(policy), |r, p| r > p),
            Base::NumericGreaterThanEquals => {
                compare(number(request), number(policy), |r, p| r >= p)
            }
            Base::DateEquals | Base::DateNotEquals => {
                compare(date(request), date(policy), |r, p| r == p)
            }
            Base::DateLessThan => compare(date(request), date(policy), |r, p| r < p),
            Base::DateLessThanEquals => compare(date(request), date(policy), |r, p| r <= p),
            Base::DateGreaterThan => compare(date(request), date(policy), |r, p| r > p),
            Base::DateGreaterThanEquals => compare(date(request), date(policy), |r, p| r >= p),
            Base::IpAddress | Base::NotIpAddress => ip_in_range(policy, request),
            Base::ArnEquals | Base::ArnLike | Base::ArnNotEquals | Base::ArnNotLike => {
                arn_matches(policy, request)
            }
            // Null is decided on presence, never per value.
            Base::Null => false,
        }
    }
}

fn compare<T>(request: Option<T>, policy: Option<T>, op: impl Fn(T, T) -> bool) -> bool {
    match (request, policy) {
        (Some(r), Some(p)) => op(r, p),
        _ => false,
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

/// ISO 8601 / RFC 3339 date-times, or epoch seconds (both are accepted by IAM's date operators).
fn date(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds);
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// `203.0.113.0/24`, `2001:DB8::/32` or a bare address.
fn ip_in_range(range: &str, address: &str) -> bool {
    let (net, bits) = match range.trim().split_once('/') {
        Some((net, bits)) => (net, bits.parse::<u32>().ok()),
        None => (range.trim(), None),
    };
    let (Ok(net), Ok(address)) = (net.parse::<IpAddr>(), address.trim().parse::<IpAddr>()) else {
        return false;
    };
    let (net, address, width) = match (net, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    let bits = bits.unwrap_or(width).min(width);
    let shift = width - bits;
    if shift >= 128 {
        return true;
    }
    (net >> shift) == (address >> shift)
}

/// ARN matching checks each of the six colon-separated parts on its own, each with
/// `*`/`?` wildcards.
fn arn_matches(policy: &str, request: &str) -> bool {
    let p: Vec<&str> = policy.splitn(6, ':').collect();
    let r: Vec<&str> = request.splitn(6, ':').collect();
    p.len() == 6
        && r.len() == 6
        && p.iter()
            .zip(&r)
            .all(|(p, r)| glob::matches(p, r, Dialect::StarAndQuestion))
}

/// A parsed condition operator: `[ForAnyValue:|ForAllValues:]Base[IfExists]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Operator {
    pub set: Option<SetQualifier>,
    pub base: Base,
    pub if_exists: bool,
}

impl Operator {
    /// Parse an operator name; the error says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Operator, String> {
        let prefix = |p: &str| {
            text.get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        };
        let (set, rest) = if prefix("ForAnyValue:") {
            (Some(SetQualifier::AnyValue), &text["ForAnyValue:".len()..])
        } else if prefix("ForAllValues:") {
            (
                Some(SetQualifier::AllValues),
                &text["ForAllValues:".len()..],
            )
        } else {
            (None, text)
        };
        let suffix = "IfExists";
        let (rest, if_exists) = match rest
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| rest.get(at..).map(|tail| (at, tail)))
        {
            Some((at, tail)) if tail.eq_ignore_ascii_case(suffix) && at > 0 => (&rest[..at], true),
            _ => (rest, false),
        };
        let base = Base::from_name(rest).ok_or_else(|| {
            format!("unknown condition operator {text:?} (IAM answers `MalformedPolicyDocument` for it); expected StringEquals, StringLike, Null, … optionally with ForAnyValue:/ForAllValues: and …IfExists")
        })?;
        if base == Base::Null && if_exists {
            return Err(
                "`Null` cannot take `IfExists`: it already tests whether the key exists".to_owned(),
            );
        }
        Ok(Operator {
            set,
            base,
            if_exists,
        })
    }
}

/// One key under one operator: `"StringLike": {"…:sub": ["a", "b"]}` gives one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Condition {
    /// `$.Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"]`.
    pub locator: String,
    /// As written (`ForAnyValue:StringLike`).
    pub operator_text: String,
    pub operator: Operator,
    /// As written.
    pub key: String,
    pub values: Vec<Located>,
}

/// The token's side of an evaluation: its claims and the provider its issuer needs.
pub(crate) struct Token<'a> {
    pub claims: &'a Claims,
    pub issuer: Option<String>,
    /// The issuer without `https://`: the provider's host/path and the key prefix.
    pub provider: Option<String>,
}

impl<'a> Token<'a> {
    pub(crate) fn new(claims: &'a Claims) -> Token<'a> {
        let issuer = claim_string(claims, "iss");
        let provider = issuer
            .as_deref()
            .and_then(|i| i.strip_prefix("https://"))
            .map(str::to_owned);
        Token {
            claims,
            issuer,
            provider,
        }
    }
}

/// Why a key has no value for this token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Absence {
    /// The token does not carry the claim.
    MissingClaim(String),
    /// The key's prefix names another issuer than the token's.
    OtherIssuer { prefix: String },
    /// A key of an AWS service or of the request (`aws:SourceIp`), not of the token.
    ServiceKey { prefix: String },
    /// A key without a `prefix:` part.
    Unqualified,
}

/// A key resolved against the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The claim read (`sub`, or `azp` for `…:aud` when the token has `azp`).
    pub claim: Option<String>,
    /// Its values (several for an array claim); empty when absent.
    pub values: Vec<String>,
    pub absence: Option<Absence>,
}

/// The claim-name part of a key whose prefix looks like a provider (`host[/path]`).
pub(crate) fn token_claim_name(key: &str) -> Option<&str> {
    let (prefix, name) = key.split_once(':')?;
    (prefix.contains('.') || prefix.contains('/')).then_some(name)
}

/// Read a key from the token.
pub(crate) fn resolve(key: &str, token: &Token<'_>) -> Resolved {
    let absent = |absence: Absence| Resolved {
        claim: None,
        values: Vec::new(),
        absence: Some(absence),
    };
    let Some((prefix, name)) = key.split_once(':') else {
        return absent(Absence::Unqualified);
    };
    if token_claim_name(key).is_none() {
        return absent(Absence::ServiceKey {
            prefix: prefix.to_owned(),
        });
    }
    if !token
        .provider
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    {
        return absent(Absence::OtherIssuer {
            prefix: prefix.to_owned(),
        });
    }
    let lower = name.to_ascii_lowercase();
    let claims = token.claims;
    let claim = match lower.as_str() {
        // Reference: "If the token has an azp claim, aud maps to it; oaud is the aud claim."
        "aud" if claim_strings(claims, "azp").iter().any(|v| !v.is_empty()) => "azp".to_owned(),
        "aud" | "oaud" => "aud".to_owned(),
        _ => claims
            .names()
            .find(|n| *n == name)
            .or_else(|| claims.names().find(|n| n.eq_ignore_ascii_case(name)))
            .unwrap_or(name)
            .to_owned(),
    };
    let values = claim_strings(claims, &claim);
    if values.is_empty() {
        return Resolved {
            absence: Some(Absence::MissingClaim(claim.clone())),
            claim: Some(claim),
            values,
        };
    }
    Resolved {
        claim: Some(claim),
        values,
        absence: None,
    }
}

/// A condition evaluated against the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub matched: bool,
    pub resolved: Resolved,
    /// The request value that decided (the one that matched, or the one that failed).
    pub witness: Option<String>,
    /// Index into the condition's values of the value that decided: the one that
    /// matched, the forbidden one that was hit, or the nearest for a miss.
    pub value_index: Option<usize>,
    pub near_miss: Option<NearMiss>,
}

impl Condition {
    fn value_strings(&self) -> Vec<String> {
        self.values.iter().map(|v| v.value.clone()).collect()
    }

    /// The index of the first policy value the request value satisfies (positively).
    fn hit(&self, request: &str) -> Option<usize> {
        self.values
            .iter()
            .position(|p| self.operator.base.positive_match(&p.value, request))
    }

    /// Per-value predicate: OR over policy values, NOR for negated operators.
    fn satisfied_by(&self, request: &str) -> bool {
        let hit = self.hit(request).is_some();
        if self.operator.base.is_negated() {
            !hit
        } else {
            hit
        }
    }

    pub(crate) fn evaluate(&self, token: &Token<'_>) -> Outcome {
        let resolved = resolve(&self.key, token);
        let op = self.operator;
        let present = !resolved.values.is_empty();
        let outcome =
            |matched: bool, witness: Option<String>, value_index: Option<usize>| Outcome {
                matched,
                resolved: resolved.clone(),
                witness,
                value_index,
                near_miss: None,
            };
        if op.base == Base::Null {
            // "true" = the key is absent; "false" = it is present.
            let index = self
                .values
                .iter()
                .position(|v| v.value.eq_ignore_ascii_case("true") != present);
            let witness = resolved.values.first().cloned();
            return outcome(
                index.is_some(),
                witness,
                index.or(if self.values.len() == 1 {
                    Some(0)
                } else {
                    None
                }),
            );
        }
        if !present {
            let matched = op.if_exists
                || match op.set {
                    Some(SetQualifier::AllValues) => true,
                    Some(SetQualifier::AnyValue) => false,
                    None => op.base.is_negated(),
                };
            return outcome(matched, None, None);
        }
        let values = &resolved.values;
        let (matched, witness) = match (op.set, op.base.is_negated()) {
            // ForAllValues: every request value must satisfy the predicate.
            (Some(SetQualifier::AllValues), _) => {
                match values.iter().find(|v| !self.satisfied_by(v)) {
                    Some(failing) => (false, failing.clone()),
                    None => (true, values.first().cloned().unwrap_or_default()),
                }
            }
            // A negated operator without a qualifier: no request value may hit (NOR).
            (None, true) => match values.iter().find(|v| !self.satisfied_by(v)) {
                Some(hit) => (false, hit.clone()),
                None => (true, values.first().cloned().unwrap_or_default()),
            },
            // ForAnyValue, or a plain positive operator: one request value is enough.
            _ => match values.iter().find(|v| self.satisfied_by(v)) {
                Some(ok) => (true, ok.clone()),
                None => (false, values.first().cloned().unwrap_or_default()),
            },
        };
        let hit = self.hit(&witness);
        if matched {
            return outcome(true, Some(witness), hit);
        }
        let dialect = Dialect::StarAndQuestion;
        let near = near_miss::nearest(&self.value_strings(), &witness, dialect);
        let value_index = hit.or_else(|| {
            near.as_ref()
                .and_then(|n| self.values.iter().position(|v| v.value == n.expected))
        });
        Outcome {
            near_miss: near,
            ..outcome(false, Some(witness), value_index)
        }
    }

    /// The locator of the value that decided, or of the key when none did.
    pub(crate) fn locator_for(&self, outcome: &Outcome) -> String {
        outcome
            .value_index
            .and_then(|i| self.values.get(i))
            .map_or_else(|| self.locator.clone(), |v| v.locator.clone())
    }

    /// The claim name of a provider key (`sub` for `host:sub`), lower-cased.
    pub(crate) fn claim_name(&self) -> Option<String> {
        token_claim_name(&self.key).map(str::to_ascii_lowercase)
    }
}
