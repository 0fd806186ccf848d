//! HashiCorp Vault JWT auth roles, as `vault read -format=json auth/jwt/role/NAME`
//! prints them (the role under `data`) or as the API payload (bare). Semantics from
//! hashicorp/vault-plugin-auth-jwt (`path_login.go`, `claims.go`, `path_role.go`) and
//! hashicorp/cap `jwt/jwt.go` (<https://developer.hashicorp.com/vault/api-docs/auth/jwt>):
//! `bound_audiences` — any one must be in `aud`, and a token with an `aud` is refused
//! when the role binds none; `bound_subject` — exact; `bound_claims` — every claim must
//! match (AND), any listed value (OR), a missing claim fails, `bound_claims_type=glob`
//! allows `*` only (ryanuber/go-glob); `user_claim` must be in the token. `bound_issuer`
//! lives in the mount's config (`auth/jwt/config`); a document that carries it is checked.

use serde_json::{Map, Value};

use super::glob::{Dialect, matches};
use super::near_miss::nearest;
use super::{
    ConditionCheck, Effect, PolicyError, RuleEvaluation, TrustConfig, TrustEvaluation, Verdict,
    claim_strings,
};
use crate::token::{Claims, Cloud};
use crate::vocabulary::catalog::*;

const WHAT: &str = "Vault JWT role";

/// A Vault JWT auth role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultRole {
    /// JSON path prefix of the role fields (`$.data` or `$`).
    prefix: String,
    /// `role_name` when the document says (the API payload does not).
    name: Option<String>,
    role_type: Option<String>,
    bound_issuer: Option<String>,
    bound_audiences: Vec<String>,
    bound_subject: Option<String>,
    /// In document order: claim (or JSON pointer) → accepted values.
    bound_claims: Vec<(String, Vec<String>)>,
    glob: bool,
    user_claim: Option<String>,
}

/// Role fields that no other trust configuration has.
const ROLE_KEYS: [&str; 5] = [
    "bound_audiences",
    "bound_subject",
    "bound_claims",
    "user_claim",
    "bound_claims_type",
];

fn role_object(value: &Value) -> Option<(&Map<String, Value>, &'static str)> {
    let map = value.as_object()?;
    if let Some(data) = map.get("data").and_then(Value::as_object)
        && ROLE_KEYS.iter().any(|k| data.contains_key(*k))
    {
        return Some((data, "$.data"));
    }
    ROLE_KEYS
        .iter()
        .any(|k| map.contains_key(*k))
        .then_some((map, "$"))
}

/// A string or a list of strings (Vault accepts both, and comma-separated strings).
fn strings(value: Option<&Value>, field: &str, prefix: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(_) | Value::Bool(_) => Ok(v.to_string()),
                _ => Err(PolicyError::field(
                    WHAT,
                    format!("{prefix}.{field}[{i}]"),
                    "expected a string",
                )),
            })
            .collect(),
        Some(Value::Number(_) | Value::Bool(_)) => {
            value.map(|v| vec![v.to_string()]).ok_or_else(|| {
                PolicyError::field(WHAT, format!("{prefix}.{field}"), "expected a string")
            })
        }
        Some(_) => Err(PolicyError::field(
            WHAT,
            format!("{prefix}.{field}"),
            "expected a string or a list of strings",
        )),
    }
}

impl VaultRole {
    /// True for a Vault JWT role document.
    pub fn sniff(bytes: &[u8]) -> bool {
        let head = &bytes[..bytes.len().min(64 * 1024)];
        let text = String::from_utf8_lossy(head);
        (text.contains("\"bound_audiences\"")
            || text.contains("\"bound_claims\"")
            || text.contains("\"user_claim\"")
            || text.contains("\"bound_subject\""))
            && serde_json::from_slice::<Value>(bytes)
                .ok()
                .as_ref()
                .and_then(role_object)
                .is_some()
    }

    /// Parse a role document.
    pub fn parse(bytes: &[u8]) -> Result<VaultRole, PolicyError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| PolicyError::json(WHAT, &e))?;
        let (role, prefix) = role_object(&value).ok_or_else(|| {
            PolicyError::field(
                WHAT,
                "$",
                "no role fields (bound_audiences, bound_subject, bound_claims, user_claim)",
            )
        })?;
        let text = |key: &str| -> Result<Option<String>, PolicyError> {
            match role.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(PolicyError::field(
                    WHAT,
                    format!("{prefix}.{key}"),
                    "expected a string",
                )),
            }
        };
        let glob = match text("bound_claims_type")?.as_deref() {
            None | Some("string") => false,
            Some("glob") => true,
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    format!("{prefix}.bound_claims_type"),
                    format!("invalid 'bound_claims_type': {other} (string or glob)"),
                ));
            }
        };
        let mut bound_claims = Vec::new();
        match role.get("bound_claims") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (claim, value) in map {
                    bound_claims.push((
                        claim.clone(),
                        strings(Some(value), &format!("bound_claims[{:?}]", claim), prefix)?,
                    ));
                }
            }
            Some(_) => {
                return Err(PolicyError::field(
                    WHAT,
                    format!("{prefix}.bound_claims"),
                    "expected an object of claim → value(s)",
                ));
            }
        }
        Ok(VaultRole {
            prefix: prefix.to_owned(),
            name: text("role_name")?.or(text("name")?),
            role_type: text("role_type")?,
            bound_issuer: text("bound_issuer")?,
            bound_audiences: strings(role.get("bound_audiences"), "bound_audiences", prefix)?,
            bound_subject: text("bound_subject")?,
            bound_claims,
            glob,
            user_claim: text("user_claim")?,
        })
    }

    /// A check with its near miss filled in when it failed.
    fn check(check: ConditionCheck, dialect: Dialect) -> ConditionCheck {
        let near_miss = match (&check.actual, check.matched) {
            (Some(a), false) => nearest(&check.expected, a, dialect),
            _ => None,
        };
        ConditionCheck { near_miss, ..check }
    }

    /// The claim a bound-claims key names: a claim, or a JSON pointer (`/a/b`).
    fn bound_claim_values(claims: &Claims, key: &str) -> Vec<String> {
        if key.starts_with('/') {
            let root = Value::Object(claims.0.clone());
            return match root.pointer(key) {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => vec![v.to_string()],
                _ => Vec::new(),
            };
        }
        claim_strings(claims, key)
    }

    /// Every check of the role, in the order Vault's login makes them.
    fn checks(&self, claims: &Claims) -> Vec<(ConditionCheck, Rule, String)> {
        let p = &self.prefix;
        let mut out = Vec::new();
        if let Some(bound) = &self.bound_issuer {
            let iss = claims.issuer().map(str::to_owned);
            let ok = iss.as_deref() == Some(bound.as_str());
            out.push((
                Self::check(
                    ConditionCheck {
                        key: "iss".to_owned(),
                        locator: format!("{p}.bound_issuer"),
                        operator: "exact".to_owned(),
                        expected: vec![bound.clone()],
                        actual: iss,
                        matched: ok,
                        near_miss: None,
                    },
                    Dialect::StarOnly,
                ),
                TRUST_VAULT_ISSUER_MISMATCH,
                "error validating token: invalid issuer (iss) claim".to_owned(),
            ));
        }
        let auds: Vec<String> = claims.audiences().into_iter().map(str::to_owned).collect();
        if self.bound_audiences.is_empty() {
            if !auds.is_empty() {
                out.push((
                    Self::check(
                        ConditionCheck {
                            key: "aud".to_owned(),
                            locator: format!("{p}.bound_audiences"),
                            operator: "any".to_owned(),
                            expected: Vec::new(),
                            actual: Some(auds.join(", ")),
                            matched: false,
                            near_miss: None,
                        },
                        Dialect::StarOnly,
                    ),
                    TRUST_VAULT_NO_BOUND_AUDIENCES,
                    "audience claim found in JWT but no audiences bound to the role".to_owned(),
                ));
            }
        } else {
            let ok = auds.iter().any(|a| self.bound_audiences.contains(a));
            let actual = (!auds.is_empty()).then(|| auds.join(", "));
            out.push((
                Self::check(ConditionCheck { key: "aud".to_owned(), locator: format!("{p}.bound_audiences"), operator: "any".to_owned(), expected: self.bound_audiences.clone(), actual, matched: ok, near_miss: None }, Dialect::StarOnly),
                TRUST_VAULT_AUDIENCE_MISMATCH,
                "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience".to_owned(),
            ));
        }
        if let Some(bound) = &self.bound_subject {
            let sub = claims.subject().map(str::to_owned);
            let ok = sub.as_deref() == Some(bound.as_str());
            out.push((
                Self::check(
                    ConditionCheck {
                        key: "sub".to_owned(),
                        locator: format!("{p}.bound_subject"),
                        operator: "exact".to_owned(),
                        expected: vec![bound.clone()],
                        actual: sub,
                        matched: ok,
                        near_miss: None,
                    },
                    Dialect::StarOnly,
                ),
                TRUST_VAULT_SUBJECT_MISMATCH,
                "error validating token: invalid subject (sub) claim".to_owned(),
            ));
        }
        self.bound_claim_checks(claims, &mut out);
        if let Some(user_claim) = &self.user_claim {
            let present = !Self::bound_claim_values(claims, user_claim).is_empty();
            out.push((
                Self::check(
                    ConditionCheck {
                        key: user_claim.clone(),
                        locator: format!("{p}.user_claim"),
                        operator: "present".to_owned(),
                        expected: vec![user_claim.clone()],
                        actual: present.then(|| user_claim.clone()),
                        matched: present,
                        near_miss: None,
                    },
                    Dialect::StarOnly,
                ),
                TRUST_VAULT_USER_CLAIM_MISSING,
                format!("claim \"{user_claim}\" not found in token"),
            ));
        }
        out
    }

    /// One check per bound claim (exact, or glob with `bound_claims_type: glob`).
    fn bound_claim_checks(&self, claims: &Claims, out: &mut Vec<(ConditionCheck, Rule, String)>) {
        let p = &self.prefix;
        let operator = if self.glob { "glob" } else { "string" };
        for (claim, expected) in &self.bound_claims {
            let values = Self::bound_claim_values(claims, claim);
            let ok = values.iter().any(|v| {
                expected.iter().any(|e| {
                    if self.glob {
                        matches(e, v, Dialect::StarOnly)
                    } else {
                        e == v
                    }
                })
            });
            let error = if values.is_empty() {
                format!("error validating claims: claim \"{claim}\" is missing")
            } else {
                format!(
                    "error validating claims: claim \"{claim}\" does not match any associated bound claim values"
                )
            };
            let dialect = if self.glob {
                Dialect::StarOnly
            } else {
                Dialect::StarAndQuestion
            };
            let actual = (!values.is_empty()).then(|| values.join(", "));
            out.push((
                Self::check(
                    ConditionCheck {
                        key: format!("bound_claims.{claim}"),
                        locator: format!("{p}.bound_claims[{claim:?}]"),
                        operator: operator.to_owned(),
                        expected: expected.clone(),
                        actual,
                        matched: ok,
                        near_miss: None,
                    },
                    dialect,
                ),
                TRUST_VAULT_BOUND_CLAIMS_MISMATCH,
                error,
            ));
        }
    }

    fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("role '{name}'"),
            None => "the role".to_owned(),
        }
    }

    /// The fix variant of a refusal: a literal `*` in a `string` bound claim says so.
    fn fix_variant(rule: Rule, check: &ConditionCheck, glob: bool) -> &'static str {
        if rule.id == TRUST_VAULT_BOUND_CLAIMS_MISMATCH.id
            && check.expected.iter().any(|e| e.contains('*'))
            && !glob
        {
            "literal-star"
        } else {
            crate::vocabulary::knowledge::DEFAULT_VARIANT
        }
    }
}

impl TrustConfig for VaultRole {
    fn cloud(&self) -> Cloud {
        Cloud::Vault
    }

    fn describe(&self) -> String {
        let kind = match self.role_type.as_deref() {
            Some("oidc") => {
                " (role_type oidc: a JWT login is refused — `role with oidc role_type is not allowed`)"
            }
            _ => "",
        };
        format!("Vault JWT {}{kind}", self.label())
    }

    fn issuers(&self) -> Vec<String> {
        self.bound_issuer.iter().cloned().collect()
    }

    fn audiences(&self) -> Vec<String> {
        self.bound_audiences.clone()
    }

    fn rule_count(&self) -> usize {
        1
    }

    fn evaluate_rule(&self, _index: usize, claims: &Claims) -> RuleEvaluation {
        let checks: Vec<ConditionCheck> =
            self.checks(claims).into_iter().map(|(c, _, _)| c).collect();
        RuleEvaluation {
            locator: self.prefix.clone(),
            label: self.label(),
            effect: Effect::Allow,
            applies: checks.iter().all(|c| c.matched) && self.role_type.as_deref() != Some("oidc"),
            checks,
        }
    }

    fn evaluate(&self, claims: &Claims) -> TrustEvaluation {
        let checks = self.checks(claims);
        let refusal = checks
            .iter()
            .find(|(c, _, _)| !c.matched)
            .map(|(check, rule, error)| {
                let actual = check.actual.as_deref().unwrap_or("(absent)");
                let near = check
                    .near_miss
                    .as_ref()
                    .map(|n| format!(" — {}", n.explanation))
                    .unwrap_or_default();
                let expected = if check.expected.is_empty() {
                    "none".to_owned()
                } else {
                    check
                        .expected
                        .iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                };
                let reason = rule
                    .reason()
                    .with("role", self.label())
                    .with("key", &check.key)
                    .with("actual", actual)
                    .with("expected", expected)
                    .with("near", near)
                    .fix(Self::fix_variant(*rule, check, self.glob));
                let (cause, fix) = reason.texts();
                Verdict {
                    rule: *rule,
                    cause,
                    fix,
                    locator: check.locator.clone(),
                    cloud_error: Some(error.clone()),
                }
            });
        let rule = self.evaluate_rule(0, claims);
        TrustEvaluation {
            cloud: Cloud::Vault,
            allowed: refusal.is_none() && rule.applies,
            rules: vec![rule],
            refusal,
        }
    }

    fn subject_patterns(&self, _index: usize) -> Vec<String> {
        let mut patterns: Vec<String> = self.bound_subject.iter().cloned().collect();
        for (claim, values) in &self.bound_claims {
            if matches!(
                claim.as_str(),
                "sub" | "repository" | "ref" | "project_path" | "environment"
            ) {
                patterns.extend(values.iter().cloned());
            }
        }
        patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::review::{Context, review};
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        Claims(v.as_object().cloned().unwrap_or_default())
    }

    fn github(sub: &str, aud: &str) -> Claims {
        claims(
            json!({"iss": "https://token.actions.githubusercontent.com", "sub": sub, "aud": aud, "repository": "acme/api", "ref": "refs/heads/main", "repository_owner": "acme"}),
        )
    }

    /// <https://developer.hashicorp.com/vault/api-docs/auth/jwt#create-update-role> ("Sample payload")
    #[test]
    fn the_documented_sample_payload_parses() {
        let role = VaultRole::parse(include_bytes!(
            "../../tests/fixtures/policies/vault/api-sample-role.json"
        ))
        .unwrap();
        assert_eq!(role.bound_audiences, ["https://myco.test"]);
        assert_eq!(role.bound_claims.len(), 2);
        let ok = claims(
            json!({"sub": "sl29dlldsfj3uECzsU3Sbmh0F29Fios1@clients", "aud": "https://myco.test", "department": "engineering", "sector": "7g", "https://vault/user": "alice"}),
        );
        assert!(role.evaluate(&ok).allowed);
    }

    #[test]
    fn vault_read_output_is_unwrapped_from_data() {
        let doc = json!({"request_id": "x", "data": {"role_type": "jwt", "bound_audiences": ["https://github.com/acme"], "bound_claims": {"repository": "acme/api"}, "user_claim": "actor"}});
        let role = VaultRole::parse(doc.to_string().as_bytes()).unwrap();
        let e = role.evaluate(&github(
            "repo:acme/api:ref:refs/heads/main",
            "https://github.com/acme",
        ));
        assert!(!e.allowed, "actor is missing");
        let v = e.refusal.unwrap();
        assert_eq!(v.rule, TRUST_VAULT_USER_CLAIM_MISSING);
        assert_eq!(v.locator, "$.data.user_claim");
        assert_eq!(
            v.cloud_error.as_deref(),
            Some("claim \"actor\" not found in token")
        );
    }

    #[test]
    fn audiences_any_one_and_none_bound_refuses_a_token_with_aud() {
        let role =
            VaultRole::parse(br#"{"bound_audiences": ["a", "b"], "user_claim": "sub"}"#).unwrap();
        assert!(role.evaluate(&github("s", "b")).allowed);
        let e = role.evaluate(&github("s", "c"));
        assert_eq!(e.refusal.unwrap().rule, TRUST_VAULT_AUDIENCE_MISMATCH);
        let none = VaultRole::parse(br#"{"bound_subject": "s", "user_claim": "sub"}"#).unwrap();
        let e = none.evaluate(&github("s", "c"));
        assert_eq!(
            e.refusal.unwrap().cloud_error.as_deref(),
            Some("audience claim found in JWT but no audiences bound to the role")
        );
    }

    #[test]
    fn bound_claims_string_is_exact_and_glob_allows_only_star() {
        let string = VaultRole::parse(br#"{"bound_audiences": "x", "bound_claims": {"sub": "repo:acme/*"}, "user_claim": "sub"}"#).unwrap();
        let e = string.evaluate(&github("repo:acme/api:ref:refs/heads/main", "x"));
        let v = e.refusal.unwrap();
        assert_eq!(v.rule, TRUST_VAULT_BOUND_CLAIMS_MISMATCH);
        assert_eq!(
            VaultRole::fix_variant(v.rule, &e.rules[0].checks[1], false),
            "literal-star"
        );
        assert!(v.fix.contains("bound_claims_type=glob"), "{}", v.fix);

        let glob = VaultRole::parse(br#"{"bound_audiences": "x", "bound_claims_type": "glob", "bound_claims": {"sub": ["repo:other/*", "repo:acme/*"]}, "user_claim": "sub"}"#).unwrap();
        assert!(
            glob.evaluate(&github("repo:acme/api:ref:refs/heads/main", "x"))
                .allowed
        );
        let q = VaultRole::parse(br#"{"bound_audiences": "x", "bound_claims_type": "glob", "bound_claims": {"ref": "refs/heads/ma?n"}, "user_claim": "sub"}"#).unwrap();
        assert!(!q.evaluate(&github("s", "x")).allowed, "go-glob has no `?`");
    }

    #[test]
    fn a_missing_bound_claim_fails_with_vaults_message() {
        let role = VaultRole::parse(br#"{"bound_audiences": "x", "bound_claims": {"environment": "production"}, "user_claim": "sub"}"#).unwrap();
        let v = role.evaluate(&github("s", "x")).refusal.unwrap();
        assert_eq!(
            v.cloud_error.as_deref(),
            Some("error validating claims: claim \"environment\" is missing")
        );
    }

    #[test]
    fn bound_subject_near_miss_explains_environment_subjects() {
        let role = VaultRole::parse(br#"{"bound_audiences": "x", "bound_subject": "repo:acme/api:ref:refs/heads/main", "user_claim": "sub"}"#).unwrap();
        let e = role.evaluate(&github("repo:acme/api:environment:production", "x"));
        let v = e.refusal.unwrap();
        assert_eq!(v.rule, TRUST_VAULT_SUBJECT_MISMATCH);
        assert!(
            v.cause.contains("environment subject, not a ref subject"),
            "{}",
            v.cause
        );
    }

    #[test]
    fn bad_documents_are_errors_with_paths() {
        assert!(matches!(
            VaultRole::parse(b"{\"bound_audiences\": [1,"),
            Err(PolicyError::Json { .. })
        ));
        let e =
            VaultRole::parse(br#"{"data": {"bound_claims_type": "regex", "user_claim": "sub"}}"#)
                .unwrap_err();
        assert!(e.to_string().contains("$.data.bound_claims_type"), "{e}");
        let e = VaultRole::parse(
            br#"{"bound_claims": {"sub": {"nested": true}}, "user_claim": "sub"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("bound_claims"), "{e}");
        assert!(!VaultRole::sniff(br#"{"keys": []}"#));
    }

    #[test]
    fn review_of_a_glob_on_the_org_admits_every_repository_but_not_other_orgs() {
        let role = VaultRole::parse(br#"{"bound_audiences": "https://github.com/acme", "bound_claims_type": "glob", "bound_claims": {"sub": "repo:acme/*"}, "user_claim": "sub"}"#).unwrap();
        let r = review(&role);
        let admitted = |c: Context| r[0].admits.iter().any(|a| a.context == c && a.admitted);
        assert!(admitted(Context::OtherRepoSameOrg));
        assert!(!admitted(Context::OtherOrg));
        assert!(
            r[0].findings
                .iter()
                .any(|f| f.id == TRUST_RISK_ORG_WIDE_SUBJECT.id)
        );

        let pinned = VaultRole::parse(br#"{"bound_audiences": "https://github.com/acme", "bound_subject": "repo:acme/api:environment:production", "user_claim": "sub"}"#).unwrap();
        let r = review(&pinned);
        assert_eq!(r[0].admitted_contexts(), [Context::Environment]);
        assert!(
            r[0].findings
                .iter()
                .all(|f| f.risk.is_none_or(|r| r == crate::vocabulary::Risk::Low))
        );
    }
}
