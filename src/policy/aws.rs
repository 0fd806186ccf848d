//! AWS IAM role trust policies for `sts:AssumeRoleWithWebIdentity`, evaluated offline
//! with STS's rules. A statement applies to a token when its `Principal.Federated` names
//! the IAM OIDC provider of the token's issuer (`arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]`,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html>),
//! its `Action`/`NotAction` covers `sts:AssumeRoleWithWebIdentity`, and every condition
//! holds (`condition` implements the operators of
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html>
//! over the keys of <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html>).
//! An explicit Deny that applies wins over every Allow; otherwise one applying Allow
//! admits the token (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
//!
//! `document` reads the shapes people paste and keeps every element's JSON path, so
//! each check points into the input as given; `verdict` turns a refusal into the
//! finding that names the deciding condition, and reports the risks visible in how a
//! statement is written. `review` grades the statements through [`TrustConfig`].

mod condition;
mod document;
mod verdict;

#[cfg(test)]
mod tests;

use crate::policy::glob::{self, Dialect};
use crate::policy::near_miss;
use crate::policy::{
    ConditionCheck, Effect, PolicyError, RuleEvaluation, TrustConfig, TrustEvaluation,
};
use crate::token::{Claims, Cloud};

use condition::Token;
use document::{Document, Statement};

/// The action a web identity token asks for.
pub const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// What STS answers when the trust policy refuses the token (principal, action or
/// conditions): errors.md, from GitLab's AWS doc and configure-aws-credentials' README.
pub const ACCESS_DENIED: &str = "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity";

/// An IAM role's trust policy (the role's `AssumeRolePolicyDocument`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsTrustPolicy {
    document: Document,
}

/// Recognise a role trust policy by content (see [`AwsTrustPolicy::sniff`]).
pub fn sniff(bytes: &[u8]) -> bool {
    AwsTrustPolicy::sniff(bytes)
}

/// Parse a role trust policy (see [`AwsTrustPolicy::parse`]).
pub fn parse(bytes: &[u8]) -> Result<AwsTrustPolicy, PolicyError> {
    AwsTrustPolicy::parse(bytes)
}

impl AwsTrustPolicy {
    /// A cheap content check: a policy document whose statements have a `Principal`
    /// and no `Resource` (identity and bucket policies have a `Resource`), a
    /// `get-role` response or role object with `AssumeRolePolicyDocument`, or a
    /// URL-encoded document (`%7B%22Version%22…`). No other input kind has these keys.
    pub fn sniff(bytes: &[u8]) -> bool {
        document::sniff(bytes)
    }

    /// Parse the bare document (also Terraform's rendered `aws_iam_policy_document`),
    /// a `get-role` response, a role object, or a URL-encoded document, alone or as the
    /// value of `AssumeRolePolicyDocument`.
    pub fn parse(bytes: &[u8]) -> Result<AwsTrustPolicy, PolicyError> {
        document::parse(bytes).map(|document| AwsTrustPolicy { document })
    }

    /// The role's name (or ARN) when the input was a get-role response or role object.
    pub fn role(&self) -> Option<&str> {
        self.document.role.as_deref()
    }

    /// The JSON path of the policy document in the input (`$` or
    /// `$.Role.AssumeRolePolicyDocument`).
    pub fn document_locator(&self) -> &str {
        &self.document.root
    }

    fn statements(&self) -> &[Statement] {
        &self.document.statements
    }
}

/// The IAM OIDC provider host/path a `Principal.Federated` value names:
/// `token.actions.githubusercontent.com` for
/// `arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com` (any
/// `aws*` partition). Values that are not ARNs name the built-in providers by host
/// (`accounts.google.com`, `cognito-identity.amazonaws.com`). SAML providers name none.
pub(crate) fn provider_of(federated: &str) -> Option<&str> {
    match federated.strip_prefix("arn:") {
        Some(rest) => match rest.splitn(5, ':').collect::<Vec<_>>().as_slice() {
            [partition, "iam", "", _account, resource] if partition.starts_with("aws") => {
                resource.strip_prefix("oidc-provider/")
            }
            _ => None,
        },
        None => Some(federated),
    }
}

/// One statement evaluated, with what the verdict needs beyond the public checks.
pub(crate) struct StatementOutcome {
    pub principal: bool,
    pub action: bool,
    pub conditions: Vec<condition::Outcome>,
    pub evaluation: RuleEvaluation,
}

impl StatementOutcome {
    pub(crate) fn failed_conditions(&self) -> usize {
        self.conditions.iter().filter(|c| !c.matched).count()
    }
}

/// `Statement[3]` (or `Statement` for a single-object `Statement`), then effect and Sid.
fn label(statement: &Statement) -> String {
    let name = statement.locator.rsplit('.').next().unwrap_or("Statement");
    let effect = match statement.effect {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    };
    match &statement.sid {
        Some(sid) => format!("{name} ({effect}, Sid {sid})"),
        None => format!("{name} ({effect})"),
    }
}

fn principal_check(statement: &Statement, token: &Token<'_>) -> (bool, ConditionCheck) {
    let p = &statement.principal;
    let names_token = |f: &&document::Located| {
        token.provider.is_some() && provider_of(&f.value) == token.provider.as_deref()
    };
    let named = p.federated.iter().find(names_token);
    let matched = if p.negated {
        // NotPrincipal: everyone except those listed.
        named.is_none() && !p.everyone
    } else if p.everyone {
        // `"Principal": "*"` is not a federated principal for an Allow (the trust policy
        // must name the provider); a Deny on everyone covers the web identity too.
        statement.effect == Effect::Deny
    } else {
        named.is_some()
    };
    let providers: Vec<String> = p
        .federated
        .iter()
        .filter_map(|f| provider_of(&f.value))
        .map(str::to_owned)
        .collect();
    let near = match (&token.provider, matched) {
        (Some(provider), false) if !p.negated => {
            near_miss::nearest(&providers, provider, Dialect::StarAndQuestion)
        }
        _ => None,
    };
    let locator = named
        .or_else(|| {
            let n = near.as_ref()?;
            p.federated
                .iter()
                .find(|f| provider_of(&f.value) == Some(n.expected.as_str()))
        })
        .map_or_else(|| p.locator.clone(), |f| f.locator.clone());
    let mut expected: Vec<String> = p.federated.iter().map(|f| f.value.clone()).collect();
    expected.extend(p.others.iter().map(|o| o.value.clone()));
    if p.everyone {
        expected.push("*".to_owned());
    }
    let kind = if p.negated {
        "NotPrincipal"
    } else {
        "Principal"
    };
    let check = ConditionCheck {
        locator,
        key: if p.federated.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}.Federated")
        },
        operator: kind.to_owned(),
        expected,
        actual: token.issuer.clone(),
        matched,
        near_miss: near,
    };
    (matched, check)
}

/// Does an action pattern cover `sts:AssumeRoleWithWebIdentity`? Action names are
/// case-insensitive and take `*`/`?` wildcards (`sts:*`, `sts:AssumeRole*`, `*`).
pub(crate) fn covers_web_identity(pattern: &str) -> bool {
    glob::matches(
        &pattern.to_ascii_lowercase(),
        &WEB_IDENTITY_ACTION.to_ascii_lowercase(),
        Dialect::StarAndQuestion,
    )
}

fn action_check(statement: &Statement) -> (bool, ConditionCheck) {
    let a = &statement.actions;
    let hit = a.values.iter().find(|v| covers_web_identity(&v.value));
    let matched = hit.is_some() != a.negated;
    let expected: Vec<String> = a.values.iter().map(|v| v.value.clone()).collect();
    let near = if matched || a.negated {
        None
    } else {
        near_miss::nearest(&expected, WEB_IDENTITY_ACTION, Dialect::StarAndQuestion)
    };
    let locator = hit
        .or_else(|| {
            let n = near.as_ref()?;
            a.values.iter().find(|v| v.value == n.expected)
        })
        .map_or_else(|| a.locator.clone(), |v| v.locator.clone());
    let kind = if a.negated { "NotAction" } else { "Action" };
    let check = ConditionCheck {
        locator,
        key: kind.to_owned(),
        operator: kind.to_owned(),
        expected,
        actual: Some(WEB_IDENTITY_ACTION.to_owned()),
        matched,
        near_miss: near,
    };
    (matched, check)
}

/// Several token values (an array `aud`) shown as a JSON array; one as itself.
fn display_values(values: &[String]) -> Option<String> {
    match values {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(serde_json::Value::from(many.to_vec()).to_string()),
    }
}

fn evaluate_statement(statement: &Statement, token: &Token<'_>) -> StatementOutcome {
    let (principal, p_check) = principal_check(statement, token);
    let (action, a_check) = action_check(statement);
    let mut checks = vec![p_check, a_check];
    let mut conditions = Vec::with_capacity(statement.conditions.len());
    for c in &statement.conditions {
        let outcome = c.evaluate(token);
        checks.push(ConditionCheck {
            locator: c.locator_for(&outcome),
            key: c.key.clone(),
            operator: c.operator_text.clone(),
            expected: c.values.iter().map(|v| v.value.clone()).collect(),
            actual: display_values(&outcome.resolved.values),
            matched: outcome.matched,
            near_miss: outcome.near_miss.clone(),
        });
        conditions.push(outcome);
    }
    let applies = checks.iter().all(|c| c.matched);
    StatementOutcome {
        principal,
        action,
        conditions,
        evaluation: RuleEvaluation {
            locator: statement.locator.clone(),
            label: label(statement),
            effect: statement.effect,
            applies,
            checks,
        },
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

impl TrustConfig for AwsTrustPolicy {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn describe(&self) -> String {
        let n = self.statements().len();
        let plural = if n == 1 { "statement" } else { "statements" };
        match self.role() {
            Some(role) => format!("AWS role trust policy of {role} ({n} {plural})"),
            None => format!("AWS role trust policy ({n} {plural})"),
        }
    }

    fn issuers(&self) -> Vec<String> {
        let mut issuers = Vec::new();
        // Allow statements first: the review builds its tokens for the first issuer.
        let ordered = self
            .statements()
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .chain(
                self.statements()
                    .iter()
                    .filter(|s| s.effect == Effect::Deny),
            );
        for s in ordered {
            for f in &s.principal.federated {
                if let Some(provider) = provider_of(&f.value) {
                    push_unique(&mut issuers, format!("https://{provider}"));
                }
            }
        }
        issuers
    }

    fn audiences(&self) -> Vec<String> {
        let mut audiences = Vec::new();
        for s in self
            .statements()
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            for c in &s.conditions {
                if c.claim_name().as_deref() == Some("aud")
                    && c.operator.base.is_string()
                    && !c.operator.base.is_negated()
                {
                    for v in &c.values {
                        push_unique(&mut audiences, v.value.clone());
                    }
                }
            }
        }
        audiences
    }

    fn rule_count(&self) -> usize {
        self.statements().len()
    }

    fn evaluate_rule(&self, index: usize, claims: &Claims) -> RuleEvaluation {
        match self.statements().get(index) {
            Some(statement) => evaluate_statement(statement, &Token::new(claims)).evaluation,
            None => RuleEvaluation {
                locator: format!("{}.Statement[{index}]", self.document.root),
                label: format!("no statement {index}"),
                effect: Effect::Allow,
                applies: false,
                checks: Vec::new(),
            },
        }
    }

    fn evaluate(&self, claims: &Claims) -> TrustEvaluation {
        let token = Token::new(claims);
        let outcomes: Vec<StatementOutcome> = self
            .statements()
            .iter()
            .map(|s| evaluate_statement(s, &token))
            .collect();
        let deny = self
            .statements()
            .iter()
            .zip(&outcomes)
            .find(|(s, o)| s.effect == Effect::Deny && o.evaluation.applies);
        let allowed_by_some = outcomes
            .iter()
            .any(|o| o.evaluation.effect == Effect::Allow && o.evaluation.applies);
        let refusal = match deny {
            Some((statement, outcome)) => Some(verdict::explicit_deny(statement, outcome, &token)),
            None if allowed_by_some => None,
            None => Some(verdict::refusal(&self.document, &outcomes, &token)),
        };
        TrustEvaluation {
            cloud: Cloud::Aws,
            allowed: refusal.is_none(),
            rules: outcomes.into_iter().map(|o| o.evaluation).collect(),
            refusal,
        }
    }

    fn subject_patterns(&self, index: usize) -> Vec<String> {
        let Some(statement) = self.statements().get(index) else {
            return Vec::new();
        };
        statement
            .conditions
            .iter()
            .filter(|c| {
                c.claim_name().as_deref() == Some("sub")
                    && c.operator.base.is_string()
                    && !c.operator.base.is_negated()
            })
            .flat_map(|c| c.values.iter().map(|v| v.value.clone()))
            .collect()
    }

    fn pattern_findings(&self) -> Vec<super::RuleFinding> {
        verdict::pattern_findings(&self.document)
    }
}
