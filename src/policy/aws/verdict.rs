//! From an evaluation to the finding that names the deciding condition, in STS's order:
//! an explicit Deny that applies; no statement allowing `sts:AssumeRoleWithWebIdentity`;
//! no Allow statement naming the token's provider; otherwise the closest Allow
//! statement for the provider (fewest failed conditions) and its first failing
//! condition — `…:sub`, `…:aud`, or any other. All of these are the same STS answer,
//! `AccessDenied … Not authorized to perform sts:AssumeRoleWithWebIdentity` (errors.md;
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>),
//! except that an account with no provider for the issuer at all gets
//! `InvalidIdentityToken: No OpenIDConnect provider found in your account for …`
//! (<https://repost.aws/knowledge-center/iam-oidc-idp-federation>), which the static
//! evaluation cannot tell apart and so names in the cause.
//!
//! Also the risks visible in how a statement is written (pattern findings).

use super::condition::{Absence, Base, Condition, Outcome, SetQualifier, Token};
use super::document::{Document, Statement};
use super::{ACCESS_DENIED, StatementOutcome, WEB_IDENTITY_ACTION, provider_of};
use crate::policy::NearMiss;
use crate::policy::RuleFinding;
use crate::policy::glob::{self, Dialect};
use crate::policy::{Effect, Verdict};
use crate::vocabulary::catalog::*;

fn quoted_list(values: &[String]) -> String {
    match values {
        [] => "nothing".to_owned(),
        [one] => format!("`{one}`"),
        many => format!(
            "one of {}",
            many.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn verdict(rule: Rule, cause: String, fix: String, locator: String) -> Verdict {
    Verdict {
        rule,
        cause,
        fix,
        locator,
        cloud_error: Some(ACCESS_DENIED.to_owned()),
    }
}

/// Which claim a condition compared, in words: `sub`, or `azp` with the reason.
fn claim_words(condition: &Condition, outcome: &Outcome) -> String {
    match outcome.resolved.claim.as_deref() {
        Some("azp") if condition.claim_name().as_deref() == Some("aud") => {
            "`azp` (STS compares `…:aud` with `azp` when the token has one)".to_owned()
        }
        Some(claim) => format!("`{claim}`"),
        None => "value".to_owned(),
    }
}

/// A `*` or `?` in an equality value that would have matched as a pattern.
fn literal_wildcard_hit(condition: &Condition, actual: &str) -> Option<String> {
    let base = condition.operator.base;
    if !matches!(base, Base::StringEquals | Base::StringEqualsIgnoreCase) {
        return None;
    }
    condition
        .values
        .iter()
        .find(|v| {
            glob::has_wildcard(&v.value, Dialect::StarAndQuestion)
                && glob::matches(&v.value, actual, Dialect::StarAndQuestion)
        })
        .map(|v| v.value.clone())
}

/// Where the values part and the usual reason, without the sentences of the near miss
/// that repeat both values and give advice (the verdict has its own fix).
fn near_detail(near: &NearMiss) -> &str {
    let e = near.explanation.as_str();
    let start = e.find(" — ").map_or(0, |i| i + " — ".len());
    let end = e.find(". Change the configuration").unwrap_or(e.len());
    e.get(start..end).filter(|d| !d.is_empty()).unwrap_or(e)
}

/// One sentence on why a condition failed, quoting the token's and the policy's values.
pub(super) fn describe_failure(
    condition: &Condition,
    outcome: &Outcome,
    token: &Token<'_>,
) -> String {
    let key = &condition.key;
    let op = &condition.operator_text;
    let expected: Vec<String> = condition.values.iter().map(|v| v.value.clone()).collect();
    let witness = outcome.witness.clone().unwrap_or_default();
    if condition.operator.base == Base::Null {
        let wants_absent = expected.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return if wants_absent {
            format!(
                "`Null` `true` on `{key}` requires the token not to carry it, but its {} is `{witness}`",
                claim_words(condition, outcome)
            )
        } else {
            format!("`Null` `false` on `{key}` requires the token to carry it, and it does not")
        };
    }
    match &outcome.resolved.absence {
        Some(Absence::MissingClaim(claim)) => {
            let why = if condition.operator.set == Some(SetQualifier::AnyValue) {
                "`ForAnyValue:` is false when the key is absent"
            } else {
                "a key absent from the request makes the condition false"
            };
            format!(
                "`{op}` on `{key}` (expecting {}) needs the claim `{claim}`, which the token does not carry; {why}",
                quoted_list(&expected)
            )
        }
        Some(Absence::OtherIssuer { prefix }) => {
            let issuer = token.issuer.as_deref().unwrap_or("(no iss claim)");
            format!(
                "`{key}` is a key of the provider `{prefix}`, but the token's issuer is `{issuer}` (its keys are named `{}:<claim>`), so this token never carries it and `{op}` is false",
                token.provider.as_deref().unwrap_or("<issuer host>")
            )
        }
        Some(Absence::ServiceKey { prefix }) => format!(
            "`{key}` is a key of the AWS request (prefix `{prefix}:`), not a claim of the token; evaluated offline it is absent, which makes `{op}` false — check it against what the caller actually sends"
        ),
        Some(Absence::Unqualified) => {
            format!("`{key}` has no `provider:` prefix, so no token carries it and `{op}` is false")
        }
        None => {
            let claim = claim_words(condition, outcome);
            let mut sentence = if condition.operator.base.is_negated() {
                let hit = outcome
                    .value_index
                    .and_then(|i| condition.values.get(i))
                    .map_or(String::new(), |v| format!(" (it matches `{}`)", v.value));
                format!("the token's {claim} is `{witness}`, which `{op}` on `{key}` forbids{hit}")
            } else if condition.operator.set == Some(SetQualifier::AllValues) {
                format!(
                    "`{op}` on `{key}` needs every value of the token's {claim} to match {}; `{witness}` does not",
                    quoted_list(&expected)
                )
            } else {
                format!(
                    "the token's {claim} is `{witness}`; `{op}` on `{key}` expects {}",
                    quoted_list(&expected)
                )
            };
            let wildcard = literal_wildcard_hit(condition, &witness);
            if let Some(pattern) = &wildcard {
                sentence.push_str(&format!(" — `{pattern}` would match as a pattern, but `*` and `?` are literal in `{op}` (wildcards need `StringLike`)"));
            }
            if let Some(near) = &outcome.near_miss
                && !condition.operator.base.is_negated()
                && wildcard.is_none()
            {
                sentence.push_str(&format!(": {}", near_detail(near)));
            }
            sentence
        }
    }
}

/// An explicit Deny applies: it wins over every Allow.
pub(super) fn explicit_deny(
    statement: &Statement,
    outcome: &StatementOutcome,
    token: &Token<'_>,
) -> Verdict {
    let label = &outcome.evaluation.label;
    let held: Vec<String> = statement
        .conditions
        .iter()
        .zip(&outcome.conditions)
        .map(|(c, o)| match o.witness.as_deref() {
            Some(v) => format!("`{}` {} holds for `{v}`", c.key, c.operator_text),
            None => format!("`{}` {} holds with the key absent", c.key, c.operator_text),
        })
        .collect();
    let conditions = if held.is_empty() {
        "it has no conditions".to_owned()
    } else {
        format!("every condition holds: {}", held.join("; "))
    };
    let issuer = token.issuer.as_deref().unwrap_or("(no iss claim)");
    let cause = format!(
        "{label} denies `{WEB_IDENTITY_ACTION}` to this token (issuer `{issuer}`, subject `{}`): its principal and action cover the request and {conditions}. An explicit Deny overrides every Allow",
        token.claims.subject().unwrap_or("(none)")
    );
    let fix = format!(
        "If this job should assume the role, narrow the Deny at {} (its conditions decide whom it refuses); if it should not, the policy is doing its job — run the job from a context the Deny does not cover",
        statement.locator
    );
    verdict(
        TRUST_AWS_EXPLICIT_DENY,
        cause,
        fix,
        statement.locator.clone(),
    )
}

/// Partition and account of the first provider ARN in the policy, to write the ARN the
/// token needs.
fn partition_and_account(document: &Document) -> (String, String) {
    document
        .statements
        .iter()
        .flat_map(|s| &s.principal.federated)
        .find_map(|f| {
            let parts: Vec<&str> = f.value.strip_prefix("arn:")?.splitn(5, ':').collect();
            match parts.as_slice() {
                [partition, "iam", "", account, _] => {
                    Some(((*partition).to_owned(), (*account).to_owned()))
                }
                _ => None,
            }
        })
        .unwrap_or_else(|| ("aws".to_owned(), "ACCOUNT_ID".to_owned()))
}

fn provider_mismatch(
    document: &Document,
    outcomes: &[StatementOutcome],
    token: &Token<'_>,
) -> Verdict {
    let allows: Vec<(&Statement, &StatementOutcome)> = document
        .statements
        .iter()
        .zip(outcomes)
        .filter(|(s, _)| s.effect == Effect::Allow)
        .collect();
    let mut trusted: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for (s, _) in &allows {
        for f in &s.principal.federated {
            if !trusted.contains(&f.value) {
                trusted.push(f.value.clone());
            }
        }
        others.extend(s.principal.others.iter().map(|o| o.value.clone()));
        if s.principal.everyone {
            others.push("\"*\"".to_owned());
        }
    }
    let (partition, account) = partition_and_account(document);
    let issuer = token.issuer.as_deref().unwrap_or_default();
    let needed = token
        .provider
        .as_deref()
        .map(|p| format!("arn:{partition}:iam::{account}:oidc-provider/{p}"));
    let trusts = if !trusted.is_empty() {
        format!("The policy trusts {}", quoted_list(&trusted))
    } else if !others.is_empty() {
        format!(
            "The policy's Allow statements trust {} — not a federated OIDC provider",
            quoted_list(&others)
        )
    } else {
        "The policy has no Allow statement with a principal".to_owned()
    };
    let mut cause = match (&token.issuer, &needed) {
        (None, _) => {
            format!("{trusts}, but the token has no `iss` claim, so no OIDC provider can match it")
        }
        (Some(iss), None) => format!(
            "{trusts}, but the token's issuer `{iss}` is not an https URL, and IAM OIDC providers are https only"
        ),
        (Some(iss), Some(arn)) => format!(
            "{trusts}; the token's issuer is `{iss}`, which needs the provider `{arn}`, and no Allow statement names it"
        ),
    };
    let providers: Vec<&str> = trusted.iter().filter_map(|t| provider_of(t)).collect();
    if let Some(p) = token.provider.as_deref() {
        let github = "token.actions.githubusercontent.com";
        if p.starts_with(&format!("{github}/")) && providers.contains(&github) {
            cause.push_str(&format!(". The token comes from a GitHub Enterprise Cloud enterprise with a customised issuer (`https://{p}`): that issuer needs its own IAM OIDC provider and `{p}:` condition keys"));
        } else if p == github
            && providers
                .iter()
                .any(|t| t.starts_with(&format!("{github}/")))
        {
            cause.push_str(". The policy trusts a GitHub Enterprise Cloud enterprise issuer, but the token carries the default issuer: the enterprise's unique-issuer setting does not apply to this run");
        } else if providers
            .iter()
            .any(|t| t.trim_end_matches('/') == p.trim_end_matches('/'))
        {
            cause.push_str(
                ". They differ only in a trailing slash, and IAM compares the provider URL exactly",
            );
        }
    }
    if !issuer.is_empty() {
        cause.push_str(&format!(
            ". If the account has no IAM OIDC provider for this issuer at all, STS answers `InvalidIdentityToken: No OpenIDConnect provider found in your account for {issuer}` instead of AccessDenied"
        ));
    }
    let locator = allows
        .iter()
        .find(|(s, _)| !s.principal.federated.is_empty())
        .or(allows.first())
        .map_or_else(
            || format!("{}.Statement", document.root),
            |(_, o)| {
                o.evaluation
                    .checks
                    .first()
                    .map_or_else(|| o.evaluation.locator.clone(), |c| c.locator.clone())
            },
        );
    let fix = match &needed {
        Some(arn) => format!(
            "Put `{arn}` in `Principal.Federated` of the Allow statement at {locator} (with `{}:sub`/`:aud` condition keys), creating the IAM OIDC provider for `{issuer}` in the role's account first if `aws iam list-open-id-connect-providers` does not list it. If this token is not meant for this role, use the role that trusts its issuer",
            token.provider.as_deref().unwrap_or_default()
        ),
        None => "Use a token from the issuer the policy trusts, or trust this token's issuer with an IAM OIDC provider (https only)".to_owned(),
    };
    verdict(TRUST_AWS_PROVIDER_MISMATCH, cause, fix, locator)
}

fn action_not_allowed(
    document: &Document,
    outcomes: &[StatementOutcome],
    candidates: &[usize],
) -> Verdict {
    let allow_index = candidates.first().copied().or_else(|| {
        document
            .statements
            .iter()
            .position(|s| s.effect == Effect::Allow)
    });
    let Some((statement, outcome)) =
        allow_index.and_then(|i| document.statements.get(i).zip(outcomes.get(i)))
    else {
        let locator = format!("{}.Statement", document.root);
        return verdict(
            TRUST_AWS_ACTION_NOT_ALLOWED,
            format!("The policy has no Allow statement, so nothing allows `{WEB_IDENTITY_ACTION}`"),
            format!(
                "Add an Allow statement with `\"Action\": \"{WEB_IDENTITY_ACTION}\"` and the token's provider in `Principal.Federated`"
            ),
            locator,
        );
    };
    let kind = if statement.actions.negated {
        "NotAction"
    } else {
        "Action"
    };
    let values: Vec<String> = statement
        .actions
        .values
        .iter()
        .map(|v| v.value.clone())
        .collect();
    let cause = format!(
        "No Allow statement allows `{WEB_IDENTITY_ACTION}`: {} has `{kind}` {}{}",
        outcome.evaluation.label,
        quoted_list(&values),
        if values
            .iter()
            .any(|v| v.eq_ignore_ascii_case("sts:AssumeRole"))
        {
            " — `sts:AssumeRole` is for IAM principals and services; a web identity token asks for `sts:AssumeRoleWithWebIdentity`"
        } else {
            ""
        }
    );
    let locator = outcome
        .evaluation
        .checks
        .get(1)
        .map_or_else(|| statement.actions.locator.clone(), |c| c.locator.clone());
    let fix = format!(
        "Set `\"Action\": \"{WEB_IDENTITY_ACTION}\"` at {} in the statement that trusts the token's provider",
        statement.actions.locator
    );
    verdict(TRUST_AWS_ACTION_NOT_ALLOWED, cause, fix, locator)
}

/// Where the platform sets the audience it requests.
fn audience_hint(token: &Token<'_>) -> &'static str {
    let provider = token.provider.as_deref().unwrap_or_default();
    if provider.starts_with("token.actions.githubusercontent.com") {
        "; aws-actions/configure-aws-credentials asks for `sts.amazonaws.com` unless its `audience` input says otherwise"
    } else if provider.starts_with("gitlab.") {
        "; GitLab sets it in the job's `id_tokens: <NAME>: aud:`"
    } else {
        ""
    }
}

fn condition_mismatch(
    statement: &Statement,
    outcome: &StatementOutcome,
    token: &Token<'_>,
) -> Verdict {
    let failing = statement
        .conditions
        .iter()
        .zip(&outcome.conditions)
        .find(|(_, o)| !o.matched);
    let Some((condition, result)) = failing else {
        // Unreachable when the statement was chosen for a failed condition; stay total.
        return verdict(
            TRUST_AWS_CONDITION_MISMATCH,
            format!("{} does not apply to the token", outcome.evaluation.label),
            "Compare the decoded token's claims with the statement's conditions".to_owned(),
            statement.locator.clone(),
        );
    };
    let locator = condition.locator_for(result);
    let mut cause = format!(
        "{}: {}",
        outcome.evaluation.label,
        describe_failure(condition, result, token)
    );
    let failed = outcome.failed_conditions();
    if failed > 1 {
        cause.push_str(&format!(
            " ({failed} of its conditions fail; this is the first)"
        ));
    }
    let witness = result.witness.clone().unwrap_or_default();
    let wildcard = literal_wildcard_hit(condition, &witness);
    let expected: Vec<String> = condition.values.iter().map(|v| v.value.clone()).collect();
    let rule = match condition.claim_name().as_deref() {
        Some("sub") => TRUST_AWS_SUBJECT_MISMATCH,
        Some("aud" | "oaud") => TRUST_AWS_AUDIENCE_MISMATCH,
        _ => TRUST_AWS_CONDITION_MISMATCH,
    };
    let fix = match (&result.resolved.absence, &wildcard) {
        (Some(Absence::OtherIssuer { .. }), _) => format!(
            "Rename the key at {} to `{}:{}` if the condition is meant for this issuer, or trust this token in a statement of its own",
            condition.locator,
            token.provider.as_deref().unwrap_or("<issuer host>"),
            condition.key.split_once(':').map_or("", |(_, c)| c)
        ),
        (Some(Absence::ServiceKey { .. }), _) => format!(
            "Check the condition at {} against the real request (CloudTrail shows the request's context); the token cannot satisfy it",
            condition.locator
        ),
        (_, Some(pattern)) => format!(
            "Change `{}` to `StringLike` at {} so that `{pattern}` is a pattern",
            condition.operator_text, condition.locator
        ),
        _ if rule == TRUST_AWS_SUBJECT_MISMATCH => format!(
            "If this job should assume the role, add its subject `{witness}` at {locator} (or a `StringLike` pattern that covers it, as narrow as possible); if it should not, run it from the branch, tag or environment the policy names"
        ),
        _ if rule == TRUST_AWS_AUDIENCE_MISMATCH => format!(
            "Request the audience the policy expects ({}{}), or add `{witness}` at {locator} — and to the IAM OIDC provider's audience (client ID) list, which STS checks as well",
            quoted_list(&expected),
            audience_hint(token)
        ),
        _ => format!(
            "Make the job's token satisfy the condition at {locator}, or change the condition to cover this job (as narrowly as possible)"
        ),
    };
    verdict(rule, cause, fix, locator)
}

/// The refusal when no Deny applies and no Allow admits the token.
pub(super) fn refusal(
    document: &Document,
    outcomes: &[StatementOutcome],
    token: &Token<'_>,
) -> Verdict {
    let allows: Vec<usize> = document
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Allow)
        .map(|(i, _)| i)
        .collect();
    let outcome = |i: usize| outcomes.get(i);
    if !allows.iter().any(|&i| outcome(i).is_some_and(|o| o.action)) {
        let for_provider: Vec<usize> = allows
            .iter()
            .copied()
            .filter(|&i| outcome(i).is_some_and(|o| o.principal))
            .collect();
        return action_not_allowed(document, outcomes, &for_provider);
    }
    let for_provider: Vec<usize> = allows
        .iter()
        .copied()
        .filter(|&i| outcome(i).is_some_and(|o| o.principal))
        .collect();
    if for_provider.is_empty() {
        return provider_mismatch(document, outcomes, token);
    }
    let with_action: Vec<usize> = for_provider
        .iter()
        .copied()
        .filter(|&i| outcome(i).is_some_and(|o| o.action))
        .collect();
    if with_action.is_empty() {
        return action_not_allowed(document, outcomes, &for_provider);
    }
    // The closest statement: fewest failed conditions, the first on a tie.
    let closest = with_action.iter().copied().min_by_key(|&i| {
        (
            outcome(i).map_or(usize::MAX, StatementOutcome::failed_conditions),
            i,
        )
    });
    match closest.and_then(|i| document.statements.get(i).zip(outcomes.get(i))) {
        Some((statement, o)) => condition_mismatch(statement, o, token),
        None => provider_mismatch(document, outcomes, token),
    }
}

/// Claims that are arrays in the tokens IAM federates (`amr` from Cognito, `groups`,
/// CircleCI's `context-ids`); every other claim is single-valued.
fn is_multi_valued_claim(name: &str) -> bool {
    matches!(name, "amr" | "groups") || name.ends_with("context-ids")
}

fn finding(rule: Rule, locator: &str, summary: String, cause: String, fix: String) -> RuleFinding {
    RuleFinding::new(rule.finding(cause, fix), locator, summary)
}

/// Does this condition pin the audience? A non-negated string test of `…:aud` that a
/// token cannot pass by lacking the key.
fn pins_audience(condition: &Condition) -> bool {
    let op = condition.operator;
    condition.claim_name().as_deref() == Some("aud")
        && op.base.is_string()
        && !op.base.is_negated()
        && !op.if_exists
        && op.set != Some(SetQualifier::AllValues)
}

/// Risks visible in how each statement is written. Evidence locators start with the
/// statement's locator, so `review` files each finding under its statement.
pub(super) fn pattern_findings(document: &Document) -> Vec<RuleFinding> {
    let mut findings = Vec::new();
    for statement in &document.statements {
        let name = statement.locator.rsplit('.').next().unwrap_or("Statement");
        for condition in &statement.conditions {
            let op = condition.operator;
            let claim = condition.claim_name();
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
            if op.set == Some(SetQualifier::AllValues)
                && statement.effect == Effect::Allow
                && claim.as_deref().is_some_and(|c| !is_multi_valued_claim(c))
            {
                findings.push(finding(
                    TRUST_RISK_FOR_ALL_VALUES_SINGLE_VALUED,
                    &condition.locator,
                    format!("{name}: `{}` on the single-valued key `{}`", condition.operator_text, condition.key),
                    format!(
                        "`{}` on `{}` is true when the key is absent or empty, so it admits any token that lacks the claim; on a single-valued key it adds nothing but that hole",
                        condition.operator_text, condition.key
                    ),
                    format!("Use `{}` without the `ForAllValues:` qualifier at {}", condition.operator_text.split_once(':').map_or(condition.operator_text.as_str(), |(_, b)| b), condition.locator),
                ));
            }
            if matches!(op.base, Base::StringLike | Base::StringNotLike) {
                let plain: Vec<&super::document::Located> = condition
                    .values
                    .iter()
                    .filter(|v| !glob::has_wildcard(&v.value, Dialect::StarAndQuestion))
                    .collect();
                if let Some(first) = plain.first() {
                    let equals = if op.base == Base::StringLike {
                        "StringEquals"
                    } else {
                        "StringNotEquals"
                    };
                    let finding = TRUST_AWS_STRING_LIKE_WITHOUT_WILDCARD.finding(
                        format!(
                            "`{}` on `{}` has {} without `*` or `?`, which match exactly as `{equals}` would",
                            condition.operator_text,
                            condition.key,
                            quoted_list(&plain.iter().map(|v| v.value.clone()).collect::<Vec<_>>())
                        ),
                        format!("Use `{equals}` for exact values at {} to say what is meant; nothing is admitted beyond them", first.locator),
                    );
                    let mut f = RuleFinding {
                        finding,
                        proofs: Vec::new(),
                    };
                    for v in &plain {
                        f = f.with_proof(
                            v.locator.clone(),
                            format!(
                                "{name}: `{}` value `{}` has no wildcard",
                                condition.operator_text, v.value
                            ),
                        );
                    }
                    findings.push(f);
                }
            }
            if matches!(
                op.base,
                Base::StringEquals
                    | Base::StringNotEquals
                    | Base::StringEqualsIgnoreCase
                    | Base::StringNotEqualsIgnoreCase
            ) && let Some(v) = condition
                .values
                .iter()
                .find(|v| glob::has_wildcard(&v.value, Dialect::StarAndQuestion))
            {
                let effect = if op.base.is_negated() {
                    "so it excludes only that literal text and every token it was meant to exclude gets through"
                } else {
                    "so it matches only a value containing that literal character — in practice no token, and every run is refused"
                };
                findings.push(finding(
                    TRUST_AWS_WILDCARD_WITH_STRING_EQUALS,
                    &v.locator,
                    format!("{name}: `{}` value `{}` has a wildcard that is literal here", condition.operator_text, v.value),
                    format!("`{}` compares `{}` exactly: `*` and `?` are literal characters there, {effect}", condition.operator_text, v.value),
                    format!("Use `{}` at {} for a pattern", if op.base.is_negated() { "StringNotLike" } else { "StringLike" }, condition.locator),
                ));
            }
        }
        let federated = !statement.principal.federated.is_empty();
        if statement.effect == Effect::Allow
            && federated
            && !statement.conditions.iter().any(pins_audience)
        {
            let prefix = statement
                .principal
                .federated
                .iter()
                .find_map(|f| provider_of(&f.value))
                .unwrap_or("<provider host>");
            findings.push(finding(
                TRUST_RISK_AUDIENCE_NOT_PINNED,
                &statement.locator,
                format!("{name}: no `{prefix}:aud` condition"),
                format!(
                    "`{name}` has no condition on `{prefix}:aud`: any audience registered as a client ID on the IAM OIDC provider is accepted, so a token minted for another purpose can assume the role"
                ),
                format!("Add `\"StringEquals\": {{\"{prefix}:aud\": \"sts.amazonaws.com\"}}` (or the audience your jobs request) to {}", statement.locator),
            ));
        }
    }
    findings
}
