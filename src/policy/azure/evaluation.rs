//! One credential against one token: the checks, in the order Entra applies them.

use super::*;

/// One credential against one token, with what the verdict needs beyond the checks.
pub(super) struct Assessment {
    pub(super) rule: RuleEvaluation,
    pub(super) issuer: bool,
    pub(super) identity: bool,
    /// How close the subject side comes to the token's `sub`: common-prefix length, or
    /// the whole `sub` when a `claims['sub']` comparison holds.
    pub(super) closeness: usize,
}

pub(super) fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

pub(super) fn has_surrounding_whitespace(s: &str) -> bool {
    s.trim() != s
}

pub(super) fn failed_near_miss(
    expected: &[String],
    actual: Option<&str>,
    matched: bool,
) -> Option<crate::policy::NearMiss> {
    if matched {
        return None;
    }
    nearest(expected, actual?, Dialect::StarAndQuestion)
}

/// Above this many comparisons an expression's checks are folded, one per claim.
pub(super) const FOLD_COMPARISONS: usize = 32;

/// One check per claim an expression compares: every comparand it is compared with,
/// whether any comparison of it held, and the nearest comparand when none did.
pub(super) fn folded_checks(
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

/// The checks of a flexible credential's expression (one per comparison, or one per
/// claim past [`FOLD_COMPARISONS`]), whether it holds, and how close it comes to `sub`.
pub(super) fn expression_checks(
    credential: &FederatedCredential,
    expression: &ClaimsExpression,
    claims: &Claims,
    checks: &mut Vec<ConditionCheck>,
) -> (bool, usize) {
    let sub = claims.subject();
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

/// The audience check: one of the token's `aud` values must be the credential's.
pub(super) fn audience_check(
    credential: &FederatedCredential,
    claims: &Claims,
) -> (bool, ConditionCheck) {
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
    let check = ConditionCheck {
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
    };
    (audience, check)
}

pub(super) fn assess(credential: &FederatedCredential, claims: &Claims) -> Assessment {
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
            expression_checks(credential, expression, claims, &mut checks)
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

    let (audience, check) = audience_check(credential, claims);
    checks.push(check);

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
