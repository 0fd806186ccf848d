//! The refusal, named the way Entra's AADSTS codes do.

use super::*;

/// A claim as Entra's message would print it.
pub(super) fn shown(claims: &Claims, name: &str) -> String {
    claims.get(name).map(display_value).unwrap_or_default()
}

pub(super) fn shown_audience(claims: &Claims) -> String {
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
pub(super) fn aadsts70021(claims: &Claims) -> String {
    format!(
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '{}'. Assertion Subject: '{}'. Assertion Audience: '{}'.",
        shown(claims, "iss"),
        shown(claims, "sub"),
        shown_audience(claims)
    )
}

pub(super) fn sentence_notes(notes: &[String]) -> String {
    notes.iter().map(|n| format!("; {n}")).collect()
}

impl AzureFederatedCredentials {
    pub(super) fn no_credentials(&self, claims: &Claims) -> Verdict {
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

    pub(super) fn issuer_mismatch(
        &self,
        credential: &FederatedCredential,
        claims: &Claims,
    ) -> Verdict {
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

    pub(super) fn subject_mismatch(
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

    pub(super) fn expression_mismatch(
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
    pub(super) fn audience_mismatch(
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
    pub(super) fn refusal(&self, assessments: &[Assessment], claims: &Claims) -> Verdict {
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
pub(super) fn first_max<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
    items
        .iter()
        .enumerate()
        .max_by_key(|(i, t)| (key(t), std::cmp::Reverse(*i)))
        .map(|(_, t)| t)
}
