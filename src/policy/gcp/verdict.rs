//! The checks in the order STS applies them, and the refusal with its deciding
//! comparison.

use super::*;
use crate::vocabulary::knowledge::DEFAULT_VARIANT;

impl GcpProvider {
    /// The claim a custom attribute copies, when its mapping is a bare claim.
    pub(super) fn attribute_claim(&self, attribute: &str) -> Option<&str> {
        self.mappings
            .iter()
            .find(|m| m.target == Target::Attribute(attribute.to_owned()))
            .and_then(|m| match &m.expression.bare {
                Some(Path::Claim(c)) => Some(c.as_str()),
                _ => None,
            })
    }

    /// Why an audience is not accepted, in the words of the usual mistakes
    /// (google-github-actions/auth TROUBLESHOOTING: the pool instead of the provider, the
    /// project ID instead of the number).
    pub(super) fn audience_hint(&self, audience: &str) -> Option<String> {
        let own = self.name.as_ref()?;
        if audience.starts_with("https://github.com/") {
            return Some(format!(
                "`{audience}` is GitHub's default audience (the job asked for a token without an audience); google-github-actions/auth asks for `https://iam.googleapis.com/{}`",
                own.resource()
            ));
        }
        let rest = audience
            .strip_prefix("https:")
            .unwrap_or(audience)
            .strip_prefix("//iam.googleapis.com/")?;
        let theirs = ProviderName::parse(rest)?;
        if theirs.project != own.project {
            if !theirs.project.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!(
                    "the audience names the project by its ID `{}`; workload identity federation names projects by number (`{}`): use the provider name with the project number",
                    theirs.project, own.project
                ));
            }
            return Some(format!(
                "the audience names project {}, but this provider is in project {}",
                theirs.project, own.project
            ));
        }
        if theirs.pool != own.pool {
            return Some(format!(
                "the audience names pool `{}`, but this provider is in pool `{}`",
                theirs.pool, own.pool
            ));
        }
        if theirs.provider.is_empty() {
            return Some(format!(
                "the audience names the pool, not the provider: `workload_identity_provider` must be the full provider name `{}`",
                own.resource()
            ));
        }
        if theirs.provider != own.provider {
            return Some(format!(
                "the audience names provider `{}`, but this is provider `{}`",
                theirs.provider, own.provider
            ));
        }
        if !self.allowed_audiences.is_empty() {
            return Some("the audience is the provider's default, but `allowedAudiences` is set and replaces the default: add it there or request one of the allowed audiences".to_owned());
        }
        None
    }

    /// Disabled or deleted: "blocks new exchanges" (REST reference, `disabled`).
    pub(super) fn state_checks(
        &self,
        _claims: &Claims,
        checks: &mut Vec<ConditionCheck>,
        refusals: &mut Vec<Verdict>,
    ) {
        let sts = self.sts_prefix();
        // Disabled or deleted: "blocks new exchanges" (REST reference, `disabled`).
        let deleted = self.state.as_deref() == Some("DELETED");
        if self.disabled || deleted {
            let (locator, key, expected, actual) = if self.disabled {
                ("$.disabled", "disabled", "false", "true".to_owned())
            } else {
                ("$.state", "state", "ACTIVE", "DELETED".to_owned())
            };
            checks.push(ConditionCheck {
                locator: locator.to_owned(),
                key: key.to_owned(),
                operator: "equals".to_owned(),
                expected: vec![expected.to_owned()],
                actual: Some(actual),
                matched: false,
                near_miss: None,
            });
            let variant = if self.disabled { "disabled" } else { "deleted" };
            let reason = TRUST_GCP_PROVIDER_DISABLED
                .reason()
                .with("provider", self.label())
                .with("update", self.update_command())
                .with("undelete", self.command("gcp.provider.undelete", &[]))
                .cause(variant)
                .fix(variant);
            refusals.push(self.refusal(
                reason,
                locator,
                // STS's answer for a disabled or deleted provider (unverified).
                Some(format!(
                    "{sts}{{\"error\":\"invalid_target\",\"error_description\":\"The target service indicated by the \\\"audience\\\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.\"}}"
                )),
            ));
        }
    }

    /// Issuer: exact equality with `oidc.issuerUri`.
    pub(super) fn issuer_checks(
        &self,
        claims: &Claims,
        checks: &mut Vec<ConditionCheck>,
        refusals: &mut Vec<Verdict>,
    ) {
        // Issuer: exact equality with `oidc.issuerUri`.
        let iss = claims.issuer();
        let issuer_ok = iss == Some(self.issuer_uri.as_str());
        checks.push(ConditionCheck {
            locator: "$.oidc.issuerUri".to_owned(),
            key: "iss".to_owned(),
            operator: "equals".to_owned(),
            expected: vec![self.issuer_uri.clone()],
            actual: iss.map(str::to_owned),
            matched: issuer_ok,
            near_miss: if issuer_ok {
                None
            } else {
                iss.and_then(|i| {
                    nearest(std::slice::from_ref(&self.issuer_uri), i, Dialect::StarOnly)
                })
            },
        });
        if !issuer_ok {
            let actual = iss.unwrap_or("(none)");
            let variant = match iss {
                None => "no-iss",
                Some(i) if i.trim_end_matches('/') == self.issuer_uri.trim_end_matches('/') => {
                    "trailing-slash"
                }
                Some(i)
                    if i.contains("/_services/token")
                        || (i.starts_with("https://token.actions.githubusercontent.com/")
                            && self.issuer_uri
                                == "https://token.actions.githubusercontent.com") =>
                {
                    "enterprise"
                }
                Some(_) => DEFAULT_VARIANT,
            };
            let reason = TRUST_GCP_ISSUER_MISMATCH
                .reason()
                .with("actual", actual)
                .with("issuer_uri", &self.issuer_uri)
                .with(
                    "update_issuer",
                    self.command(
                        "gcp.provider.update-oidc",
                        &[("issuer_uri", actual.to_owned())],
                    ),
                )
                .cause(variant);
            refusals.push(self.refusal(
                reason,
                "$.oidc.issuerUri",
                // errors.md; google-github-actions/auth TROUBLESHOOTING.
                Some(format!(
                    "The issuer in ID Token {actual} does not match the expected ones: {}",
                    self.issuer_uri
                )),
            ));
        }
    }

    /// Audience: any `aud` in allowedAudiences, or the provider's own name when empty.
    pub(super) fn audience_checks(
        &self,
        claims: &Claims,
        checks: &mut Vec<ConditionCheck>,
        refusals: &mut Vec<Verdict>,
    ) {
        let sts = self.sts_prefix();
        // Audience: any `aud` in allowedAudiences, or the provider's own name when empty.
        let expected = if self.allowed_audiences.is_empty() {
            self.default_audiences()
        } else {
            self.allowed_audiences.clone()
        };
        let audiences = claims.audiences();
        let audience_ok = audiences.iter().any(|a| expected.iter().any(|e| e == a));
        let audience_locator = if self.audiences_written || self.name.is_none() {
            "$.oidc.allowedAudiences"
        } else {
            "$.name"
        };
        let near = if audience_ok {
            None
        } else {
            audiences
                .iter()
                .filter_map(|a| nearest(&expected, a, Dialect::StarOnly))
                .max_by_key(|m| m.first_difference)
        };
        checks.push(ConditionCheck {
            locator: audience_locator.to_owned(),
            key: "aud".to_owned(),
            operator: "in".to_owned(),
            expected: expected.clone(),
            actual: (!audiences.is_empty()).then(|| audiences.join(", ")),
            matched: audience_ok,
            near_miss: near,
        });
        if !audience_ok {
            let shown = if audiences.is_empty() {
                "(none)".to_owned()
            } else {
                audiences
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let variant = match (self.allowed_audiences.is_empty(), self.resource_name()) {
                (false, _) => DEFAULT_VARIANT,
                (true, Some(_)) => "default-audience",
                (true, None) => "no-name",
            };
            let hint = audiences
                .iter()
                .find_map(|a| self.audience_hint(a))
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            let mut reason = TRUST_GCP_AUDIENCE_MISMATCH
                .reason()
                .with("shown", shown)
                .with(
                    "allowed",
                    self.allowed_audiences
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .with("hint", hint)
                .with("update", self.update_command())
                .cause(variant);
            match self.resource_name() {
                Some(n) => reason = reason.with("name", n),
                None => reason = reason.fix("no-name"),
            }
            refusals.push(self.refusal(
                reason,
                audience_locator,
                // STS's text for an audience mismatch is not in the documentation we
                // have: the wrapper is google-github-actions/auth's, the body unverified.
                Some(format!(
                    "{sts}{{\"error\":\"invalid_grant\",\"error_description\":\"The audience in ID Token [{}] does not match the expected audience.\"}}",
                    audiences.join(", ")
                )),
            ));
        }
    }

    /// Attribute mapping: each mapping's value; a refusal when `google.subject` cannot be mapped or a budget stopped the run.
    pub(super) fn mapping_checks(
        &self,
        claims: &Claims,
        run: &Run,
        checks: &mut Vec<ConditionCheck>,
        refusals: &mut Vec<Verdict>,
    ) {
        // Attribute mapping.
        let mapped = self.interpret(claims, run);
        for (m, result) in self.mappings.iter().zip(&run.mapped) {
            let actual = result
                .as_ref()
                .ok()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
            let matched = match m.target {
                Target::Subject => mapped.is_ok(),
                // Other attributes never refuse a token: a failing one is absent.
                _ => true,
            };
            checks.push(ConditionCheck {
                locator: m.locator(),
                key: m.key.clone(),
                operator: "CEL".to_owned(),
                expected: vec![m.expression.source.clone()],
                actual,
                matched,
                near_miss: None,
            });
        }
        if let Err(v) = &mapped {
            if !self.mappings.iter().any(|m| m.target == Target::Subject) {
                checks.push(ConditionCheck {
                    locator: "$.attributeMapping".to_owned(),
                    key: "google.subject".to_owned(),
                    operator: "CEL".to_owned(),
                    expected: Vec::new(),
                    actual: None,
                    matched: false,
                    near_miss: None,
                });
            }
            refusals.push(v.clone());
        }
        if let Some(exceeded) = &run.budget {
            checks.push(ConditionCheck {
                locator: exceeded.locator.clone(),
                key: exceeded.what.clone(),
                operator: format!(
                    "not evaluated: {} {}; limit {}",
                    budget::grouped(exceeded.size),
                    exceeded.unit,
                    budget::grouped(exceeded.limit)
                ),
                expected: Vec::new(),
                actual: None,
                matched: false,
                near_miss: None,
            });
        }
    }

    /// Attribute condition: its value and, when it refuses, the deciding comparison.
    pub(super) fn condition_checks(
        &self,
        claims: &Claims,
        run: &Run,
        checks: &mut Vec<ConditionCheck>,
        refusals: &mut Vec<Verdict>,
    ) {
        let sts = self.sts_prefix();
        // Attribute condition.
        if let (Some(condition), Some(result)) = (&self.condition, &run.condition) {
            let values = self.read_values(condition, claims, run);
            let matched = matches!(result, Ok(Value::Bool(true)));
            let failing = if matched {
                None
            } else {
                self.failing_comparison(condition, run)
            };
            checks.push(ConditionCheck {
                locator: "$.attributeCondition".to_owned(),
                key: if condition.reads.is_empty() {
                    "attributeCondition".to_owned()
                } else {
                    condition
                        .reads
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                operator: "CEL".to_owned(),
                expected: vec![condition.source.clone()],
                actual: (!values.is_empty()).then(|| values.join("; ")),
                matched,
                near_miss: failing.as_ref().and_then(|f| f.near_miss.clone()),
            });
            if !matched {
                let outcome = match result {
                    Ok(Value::Bool(_)) => "is false for this token".to_owned(),
                    Ok(other) => format!("gives `{other}`, not a boolean, which rejects the token"),
                    Err(e) => format!("fails to evaluate ({e}), which rejects the token"),
                };
                let read = if values.is_empty() {
                    String::new()
                } else {
                    format!("; it reads {}", values.join(", "))
                };
                let deciding = failing
                    .as_ref()
                    .map(|f| {
                        format!(
                            "; `{}` is `{}` where the condition expects {}",
                            f.operand, f.actual, f.expected
                        )
                    })
                    .unwrap_or_default();
                let mut reason = TRUST_GCP_CONDITION_REJECTED
                    .reason()
                    .with("condition", &condition.source)
                    .with("outcome", outcome)
                    .with("deciding", deciding)
                    .with("read", read)
                    .with("update", self.update_command());
                if let Some(f) = &failing {
                    reason = reason
                        .with("actual", &f.actual)
                        .with("operand", &f.operand)
                        .with("expected", &f.expected)
                        .fix("comparison");
                }
                refusals.push(self.refusal(
                    reason,
                    "$.attributeCondition",
                    // The STS body is in errors.md as unverified.
                    Some(format!("{sts}{{\"error\":\"unauthorized_client\",\"error_description\":\"The given credential is rejected by the attribute condition.\"}}")),
                ));
            }
        }
    }

    /// The whole evaluation: the checks in the order STS applies them, and the refusal.
    pub(super) fn evaluation(&self, claims: &Claims) -> (RuleEvaluation, Option<Verdict>) {
        let mut checks = Vec::new();
        let mut refusals: Vec<Verdict> = Vec::new();
        self.state_checks(claims, &mut checks, &mut refusals);
        self.issuer_checks(claims, &mut checks, &mut refusals);
        self.audience_checks(claims, &mut checks, &mut refusals);
        let run = self.run(claims);
        self.mapping_checks(claims, &run, &mut checks, &mut refusals);
        self.condition_checks(claims, &run, &mut checks, &mut refusals);
        let evaluation = RuleEvaluation {
            locator: "$".to_owned(),
            label: self.label(),
            effect: Effect::Allow,
            applies: checks.iter().all(|c| c.matched),
            checks,
        };
        (evaluation, refusals.into_iter().next())
    }

    /// `assertion.ref = refs/heads/main`, for each claim or attribute the condition reads.
    pub(super) fn read_values(
        &self,
        condition: &Compiled,
        claims: &Claims,
        run: &Run,
    ) -> Vec<String> {
        condition
            .reads
            .iter()
            .map(|path| {
                let value = match path {
                    Path::Claim(c) => claims.get(c).map(crate::token::claims::display_value),
                    Path::Attribute(a) => self
                        .mappings
                        .iter()
                        .zip(&run.mapped)
                        .find(|(m, _)| m.target == Target::Attribute(a.clone()))
                        .and_then(|(_, r)| r.as_ref().ok())
                        .map(crate::token::claims::display_value),
                    Path::Google(g) => {
                        let target = match g.as_str() {
                            "subject" => Some(Target::Subject),
                            "groups" => Some(Target::Groups),
                            _ => None,
                        };
                        self.mappings
                            .iter()
                            .zip(&run.mapped)
                            .find(|(m, _)| Some(&m.target) == target.as_ref())
                            .and_then(|(_, r)| r.as_ref().ok())
                            .map(crate::token::claims::display_value)
                    }
                };
                match value {
                    Some(v) => format!("{path} = `{v}`"),
                    None => format!("{path} (absent)"),
                }
            })
            .collect()
    }

    /// The first operand whose comparisons all fail, with the token's value and the
    /// nearest literal.
    pub(super) fn failing_comparison(&self, condition: &Compiled, run: &Run) -> Option<Failing> {
        let mut seen: Vec<&str> = Vec::new();
        for (i, comparison) in condition.comparisons.iter().enumerate() {
            let text = comparison.operand_text.as_str();
            if seen.contains(&text) {
                continue;
            }
            seen.push(text);
            let group: Vec<(usize, &cel::Comparison)> = condition
                .comparisons
                .iter()
                .enumerate()
                .filter(|(_, c)| c.operand_text == text)
                .collect();
            let Some(Some(actual)) = run.operands.get(i) else {
                continue;
            };
            if group.iter().any(|(_, c)| c.holds(actual)) {
                continue;
            }
            let actual_text = crate::token::claims::display_value(actual);
            let literals: Vec<String> = group
                .iter()
                .map(|(_, c)| match c.kind {
                    CompareKind::Prefix => format!("{}*", c.literal),
                    _ => c.literal.clone(),
                })
                .collect();
            let expected = match group.first().map(|(_, c)| c.kind) {
                Some(CompareKind::Contains) => format!(
                    "it to contain {}",
                    literals
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                Some(CompareKind::Prefix) => format!(
                    "it to start with {}",
                    literals
                        .iter()
                        .map(|l| format!("`{}`", l.trim_end_matches('*')))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                _ => literals
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let near_miss = match actual {
                Value::String(s) => nearest(&literals, s, Dialect::StarOnly),
                _ => None,
            };
            return Some(Failing {
                operand: text.to_owned(),
                actual: actual_text,
                expected,
                near_miss,
            });
        }
        None
    }
}

/// One comparison of the condition that the token fails.
pub(super) struct Failing {
    pub(super) operand: String,
    pub(super) actual: String,
    pub(super) expected: String,
    pub(super) near_miss: Option<NearMiss>,
}
