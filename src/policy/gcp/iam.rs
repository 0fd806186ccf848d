//! Who may impersonate a service account: its IAM policy (the JSON of
//! `gcloud iam service-accounts get-iam-policy SA --format=json`) against the principals
//! a token maps to through a workload identity provider. A federated token may get the
//! service account's access token when `roles/iam.workloadIdentityUser` on the account
//! is granted to one of its principals: `principal://…/subject/SUBJECT`,
//! `principalSet://…/group/GROUP`, `principalSet://…/attribute.NAME/VALUE` or the whole
//! pool `principalSet://…/*`
//! (<https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines> ,
//! <https://cloud.google.com/iam/docs/principal-identifiers>). This is the role stage:
//! the trust stage (the provider) admitted the token, and IAM decides the
//! impersonation.

use serde_json::Value;

use super::{GcpProvider, ProviderName, WHAT as PROVIDER_WHAT};
use crate::policy::glob::Dialect;
use crate::policy::near_miss::nearest;
use crate::policy::{PolicyError, Verdict};
use crate::token::Claims;
use crate::token::claims::json_type_name;
use crate::vocabulary::catalog::ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER;

const WHAT: &str = "GCP service account IAM policy";

/// The role a federated principal needs on the service account.
pub const WORKLOAD_IDENTITY_USER: &str = "roles/iam.workloadIdentityUser";

/// An IAM condition on a binding (not evaluated here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamCondition {
    pub title: Option<String>,
    pub expression: String,
}

/// One role binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub role: String,
    pub members: Vec<String>,
    pub condition: Option<IamCondition>,
}

/// A service account's IAM policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcpIamPolicy {
    pub bindings: Vec<Binding>,
    pub etag: Option<String>,
    pub version: Option<i64>,
    /// The service account's email, when known (the policy JSON does not say).
    pub service_account: Option<String>,
}

/// Whether the token's principal may impersonate the service account, and why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamCheck {
    pub allowed: bool,
    /// `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/subject/SUBJECT`;
    /// empty when the token maps to no subject.
    pub principal: String,
    /// Every principal the token maps to: the subject, its groups, its custom
    /// attributes, the whole pool.
    pub principals: Vec<String>,
    /// The granting member: its locator (`$.bindings[0].members[1]`) and value.
    pub matched_member: Option<(String, String)>,
    /// For a refusal, the finding naming the missing grant (or the mapping failure that
    /// leaves the token without principals).
    pub verdict: Option<Verdict>,
    /// What was not evaluated (IAM conditions).
    pub notes: Vec<String>,
}

/// Recognise the policy JSON: an object with a `bindings` array of role bindings.
/// Without `bindings` (gcloud prints `{"etag": "ACAB"}` for an account nobody is
/// granted on) it is not claimed: nothing in it says what it is.
pub fn sniff(bytes: &[u8]) -> bool {
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return false;
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return false;
    };
    match map.get("bindings") {
        Some(Value::Array(bindings)) => bindings.iter().all(|b| {
            b.get("role").is_some_and(Value::is_string)
                && b.get("members").is_some_and(Value::is_array)
        }),
        _ => false,
    }
}

/// Parse the policy JSON.
pub fn parse(bytes: &[u8]) -> Result<GcpIamPolicy, PolicyError> {
    GcpIamPolicy::parse(bytes)
}

fn type_error(path: impl Into<String>, expected: &str, found: &Value) -> PolicyError {
    PolicyError::field(
        WHAT,
        path,
        format!("expected {expected}, found {}", json_type_name(found)),
    )
}

/// A federated principal identifier, split.
struct Federated<'a> {
    pool: Option<ProviderName>,
    /// `subject`, `group`, `attribute.NAME`, or `*` for the whole pool.
    kind: &'a str,
    value: &'a str,
}

fn federated(member: &str) -> Option<Federated<'_>> {
    let rest = member
        .strip_prefix("principal://")
        .or_else(|| member.strip_prefix("principalSet://"))?
        .strip_prefix("iam.googleapis.com/")?;
    // projects/N/locations/L/workloadIdentityPools/P/<kind>/<value…>
    let mut parts = rest.splitn(8, '/');
    let stem: Vec<&str> = parts.by_ref().take(6).collect();
    let pool = ProviderName::parse(&stem.join("/"));
    let kind = parts.next()?;
    let value = parts.next().unwrap_or_default();
    Some(Federated { pool, kind, value })
}

/// The service account an artifact's name carries (`deployer@proj.iam.gserviceaccount.com.json`).
fn service_account_in(name: &str) -> Option<String> {
    name.split(|c: char| c == '/' || c == '\\' || c.is_whitespace())
        .filter_map(|part| {
            part.find(".iam.gserviceaccount.com")
                .map(|end| &part[..end + ".iam.gserviceaccount.com".len()])
        })
        .find(|email| email.contains('@'))
        .map(str::to_owned)
}

impl GcpIamPolicy {
    /// Parse the policy JSON; a missing `bindings` is an empty policy.
    pub fn parse(bytes: &[u8]) -> Result<GcpIamPolicy, PolicyError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| PolicyError::json(WHAT, &e))?;
        let Value::Object(root) = value else {
            return Err(type_error(
                "$",
                "a JSON object (the output of `gcloud iam service-accounts get-iam-policy SA --format=json`)",
                &value,
            ));
        };
        let mut bindings = Vec::new();
        match root.get("bindings") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let path = format!("$.bindings[{i}]");
                    let Value::Object(b) = item else {
                        return Err(type_error(path, "an object", item));
                    };
                    let role = match b.get("role") {
                        Some(Value::String(r)) => r.clone(),
                        Some(other) => {
                            return Err(type_error(format!("{path}.role"), "a string", other));
                        }
                        None => {
                            return Err(PolicyError::field(
                                WHAT,
                                format!("{path}.role"),
                                "missing",
                            ));
                        }
                    };
                    let mut members = Vec::new();
                    match b.get("members") {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(ms)) => {
                            for (j, m) in ms.iter().enumerate() {
                                match m {
                                    Value::String(s) => members.push(s.clone()),
                                    other => {
                                        return Err(type_error(
                                            format!("{path}.members[{j}]"),
                                            "a string",
                                            other,
                                        ));
                                    }
                                }
                            }
                        }
                        Some(other) => {
                            return Err(type_error(
                                format!("{path}.members"),
                                "an array of strings",
                                other,
                            ));
                        }
                    }
                    let condition = match b.get("condition") {
                        None | Some(Value::Null) => None,
                        Some(Value::Object(c)) => Some(IamCondition {
                            title: c.get("title").and_then(Value::as_str).map(str::to_owned),
                            expression: match c.get("expression") {
                                Some(Value::String(e)) => e.clone(),
                                Some(other) => {
                                    return Err(type_error(
                                        format!("{path}.condition.expression"),
                                        "a string",
                                        other,
                                    ));
                                }
                                None => {
                                    return Err(PolicyError::field(
                                        WHAT,
                                        format!("{path}.condition.expression"),
                                        "missing",
                                    ));
                                }
                            },
                        }),
                        Some(other) => {
                            return Err(type_error(
                                format!("{path}.condition"),
                                "an object",
                                other,
                            ));
                        }
                    };
                    bindings.push(Binding {
                        role,
                        members,
                        condition,
                    });
                }
            }
            Some(other) => return Err(type_error("$.bindings", "an array", other)),
        }
        let etag = match root.get("etag") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => return Err(type_error("$.etag", "a string", other)),
        };
        let version = match root.get("version") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_i64(),
            Some(other) => return Err(type_error("$.version", "a number", other)),
        };
        Ok(GcpIamPolicy {
            bindings,
            etag,
            version,
            service_account: None,
        })
    }

    /// The same policy, knowing which service account it is on (for the fix and the
    /// error text).
    pub fn with_service_account(mut self, email: impl Into<String>) -> GcpIamPolicy {
        self.service_account = Some(email.into());
        self
    }

    /// Whether the token, mapped by `provider`, may impersonate the service account.
    /// `artifact` names the policy in the cause (and gives the service account when
    /// the file is named after it).
    pub fn check(&self, provider: &GcpProvider, claims: &Claims, artifact: &str) -> IamCheck {
        let mapped = match provider.map_attributes(claims) {
            Ok(m) => m,
            Err(verdict) => {
                return IamCheck {
                    allowed: false,
                    principal: String::new(),
                    principals: Vec::new(),
                    matched_member: None,
                    verdict: Some(verdict),
                    notes: Vec::new(),
                };
            }
        };
        let sa = self
            .service_account
            .clone()
            .or_else(|| service_account_in(artifact))
            .unwrap_or_else(|| "SERVICE_ACCOUNT_EMAIL".to_owned());
        let Some(pool) = provider.pool_resource() else {
            return IamCheck {
                allowed: false,
                principal: String::new(),
                principals: Vec::new(),
                matched_member: None,
                verdict: Some(Verdict {
                    rule: ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER,
                    cause: format!("the {PROVIDER_WHAT} JSON has no `name`, so the principals its tokens map to are unknown and {artifact} cannot be checked"),
                    fix: "give the output of `gcloud iam workload-identity-pools providers describe … --format=json`, which has the provider's name".to_owned(),
                    locator: "$.bindings".to_owned(),
                    cloud_error: None,
                }),
                notes: Vec::new(),
            };
        };
        let base = format!("iam.googleapis.com/{pool}");
        let principal = format!("principal://{base}/subject/{}", mapped.subject);
        let mut principals = vec![principal.clone()];
        principals.extend(
            mapped
                .groups
                .iter()
                .map(|g| format!("principalSet://{base}/group/{g}")),
        );
        principals.extend(
            mapped
                .attributes
                .iter()
                .map(|(name, value)| format!("principalSet://{base}/attribute.{name}/{value}")),
        );
        principals.push(format!("principalSet://{base}/*"));

        let grants = self
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.role == WORKLOAD_IDENTITY_USER)
            .flat_map(|(i, b)| {
                b.members
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| principals.contains(m))
                    .map(move |(j, m)| {
                        (
                            format!("$.bindings[{i}].members[{j}]"),
                            m.clone(),
                            b.condition.as_ref(),
                        )
                    })
            });
        // An unconditional grant decides; a conditional one is taken as granting, with
        // the condition left unevaluated.
        let mut grants: Vec<_> = grants.collect();
        grants.sort_by_key(|(_, _, condition)| condition.is_some());
        if let Some((locator, member, condition)) = grants.into_iter().next() {
            let notes = condition
                .map(|c| {
                    vec![format!(
                        "IAM conditions not evaluated: the grant at {locator} holds only when `{}`{}",
                        c.expression,
                        c.title.as_ref().map(|t| format!(" (\"{t}\")")).unwrap_or_default()
                    )]
                })
                .unwrap_or_default();
            return IamCheck {
                allowed: true,
                principal,
                principals,
                matched_member: Some((locator, member)),
                verdict: None,
                notes,
            };
        }
        let verdict = self.missing_grant(provider, &mapped, &principals, &sa, artifact);
        IamCheck {
            allowed: false,
            principal,
            principals,
            matched_member: None,
            verdict: Some(verdict),
            notes: Vec::new(),
        }
    }

    /// The refusal: which principals the token maps to, which are bound, and the
    /// nearest miss.
    fn missing_grant(
        &self,
        provider: &GcpProvider,
        mapped: &super::MappedAttributes,
        principals: &[String],
        sa: &str,
        artifact: &str,
    ) -> Verdict {
        let bound: Vec<&str> = self
            .bindings
            .iter()
            .filter(|b| b.role == WORKLOAD_IDENTITY_USER)
            .flat_map(|b| b.members.iter().map(String::as_str))
            .collect();
        // Every federated member of any role, with where it is.
        let candidates: Vec<(String, &str, &str)> = self
            .bindings
            .iter()
            .enumerate()
            .flat_map(|(i, b)| {
                b.members.iter().enumerate().map(move |(j, m)| {
                    (
                        format!("$.bindings[{i}].members[{j}]"),
                        b.role.as_str(),
                        m.as_str(),
                    )
                })
            })
            .filter(|(_, _, m)| federated(m).is_some())
            .collect();
        let best = candidates
            .iter()
            .filter_map(|(locator, role, member)| {
                nearest(principals, member, Dialect::StarOnly)
                    .map(|near| (locator, *role, *member, near))
            })
            .max_by_key(|(_, role, _, near)| {
                (
                    principals.iter().any(|p| p == &near.actual),
                    near.first_difference,
                    *role == WORKLOAD_IDENTITY_USER,
                )
            });
        let own = provider.name();
        let hint = best.as_ref().map(|(_, role, member, near)| {
            if principals.iter().any(|p| p == member) {
                return format!("`{member}` is the token's, but it is granted `{role}`, not `{WORKLOAD_IDENTITY_USER}`, which federated principals need to impersonate the account");
            }
            let Some(f) = federated(member) else { return near.explanation.clone() };
            if let (Some(theirs), Some(own)) = (&f.pool, own) {
                if theirs.project != own.project && !theirs.project.bytes().all(|b| b.is_ascii_digit()) {
                    return format!("`{member}` names the project by its ID `{}`; principal identifiers name it by number (`{}`)", theirs.project, own.project);
                }
                if theirs.project != own.project || theirs.pool != own.pool || theirs.location != own.location {
                    return format!("`{member}` names pool `{}` of project {}, but the token comes through pool `{}` of project {}", theirs.pool, theirs.project, own.pool, own.project);
                }
            }
            if let Some(name) = f.kind.strip_prefix("attribute.") {
                return match mapped.attributes.get(name) {
                    None => format!("`{member}` grants on `attribute.{name}`, which the provider's attribute mapping does not set for this token"),
                    Some(v) if v.eq_ignore_ascii_case(f.value) => format!("`{member}` grants `attribute.{name}` = `{}`, but the token's is `{v}`: the values differ only in case, and IAM compares them exactly", f.value),
                    Some(v) => format!("`{member}` grants `attribute.{name}` = `{}`, but the token's is `{v}`", f.value),
                };
            }
            match f.kind {
                "subject" => format!("`{member}` grants subject `{}`, but the token's subject is `{}` ({})", f.value, mapped.subject, near.explanation),
                "group" => format!("`{member}` grants group `{}`, but the token's groups are {}", f.value, if mapped.groups.is_empty() { "none".to_owned() } else { mapped.groups.join(", ") }),
                _ => near.explanation.clone(),
            }
        });
        let bound_text = if bound.is_empty() {
            format!("{artifact} grants `{WORKLOAD_IDENTITY_USER}` to no one")
        } else {
            format!(
                "{artifact} grants `{WORKLOAD_IDENTITY_USER}` to {}",
                bound
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let maps_to = principals
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let suggestion = principals
            .iter()
            .find(|p| p.contains("/attribute.repository/"))
            .or(principals.first())
            .map_or("PRINCIPAL", String::as_str);
        Verdict {
            rule: ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER,
            cause: format!(
                "the token maps to {maps_to}; {bound_text}{}",
                hint.map(|h| format!("; {h}")).unwrap_or_default()
            ),
            fix: format!(
                "grant the token's principal the role: `gcloud iam service-accounts add-iam-policy-binding {sa} --role={WORKLOAD_IDENTITY_USER} --member=\"{suggestion}\"` (changes take up to 5 minutes)"
            ),
            locator: best
                .map(|(locator, ..)| locator.clone())
                .unwrap_or_else(|| "$.bindings".to_owned()),
            // The wrapper is google-github-actions/auth's (`src/client/iamcredentials.ts`);
            // the body after it is the usual IAM Credentials 403 (assumed, not verified).
            cloud_error: Some(format!(
                "Failed to generate Google Cloud OAuth 2.0 Access Token for {sa}: {{\"error\":{{\"code\":403,\"message\":\"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).\",\"status\":\"PERMISSION_DENIED\"}}}}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POLICY: &[u8] = include_bytes!("../../../tests/fixtures/policies/gcp/iam-policy.json");
    const PINNED: &[u8] =
        include_bytes!("../../../tests/fixtures/policies/gcp/provider-pinned.json");
    const POOL: &str =
        "iam.googleapis.com/projects/1234567890/locations/global/workloadIdentityPools/my-pool";

    fn claims(repo: &str, git_ref: &str) -> Claims {
        match json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "https://iam.googleapis.com/projects/1234567890/locations/global/workloadIdentityPools/my-pool/providers/my-provider",
            "sub": format!("repo:{repo}:ref:{git_ref}"),
            "repository": repo,
            "repository_owner": repo.split('/').next().unwrap(),
            "ref": git_ref,
            "teams": ["deployers"],
        }) {
            Value::Object(m) => Claims(m),
            _ => unreachable!(),
        }
    }

    fn provider() -> GcpProvider {
        GcpProvider::parse(PINNED).unwrap()
    }

    fn policy(bindings: Value) -> GcpIamPolicy {
        GcpIamPolicy::parse(
            json!({"bindings": bindings, "etag": "x", "version": 1})
                .to_string()
                .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn sniff_wants_bindings() {
        assert!(sniff(POLICY));
        assert!(sniff(br#"{"bindings":[],"etag":"x"}"#));
        for other in [
            &br#"{"etag":"ACAB"}"#[..],
            br#"{"version":1,"etag":"x","auditConfigs":[]}"#,
            br#"{"bindings":"x"}"#,
            br#"{"bindings":[{"name":"x"}]}"#,
            br#"{"name":"projects/1/locations/global/workloadIdentityPools/p/providers/x","oidc":{"issuerUri":"x"}}"#,
            br#"{"Version":"2012-10-17","Statement":[]}"#,
        ] {
            assert!(!sniff(other), "{}", String::from_utf8_lossy(other));
        }
        assert!(!super::super::sniff(POLICY));
    }

    #[test]
    fn parse_errors_name_the_path() {
        let e = GcpIamPolicy::parse(b"{\"bindings\": [\n}").unwrap_err();
        assert!(matches!(e, PolicyError::Json { line: 2, .. }), "{e:?}");
        for (doc, path) in [
            (json!({"bindings": {}}), "$.bindings"),
            (json!({"bindings": [{"members": []}]}), "$.bindings[0].role"),
            (
                json!({"bindings": [{"role": "r", "members": ["a", 1]}]}),
                "$.bindings[0].members[1]",
            ),
            (
                json!({"bindings": [{"role": "r", "members": [], "condition": {"title": "t"}}]}),
                "$.bindings[0].condition.expression",
            ),
            (json!({"etag": 5}), "$.etag"),
        ] {
            match GcpIamPolicy::parse(doc.to_string().as_bytes()) {
                Err(PolicyError::Field { field, .. }) => assert_eq!(field, path, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
        }
        assert!(
            GcpIamPolicy::parse(br#"{"etag":"ACAB"}"#)
                .unwrap()
                .bindings
                .is_empty()
        );
    }

    /// <https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines> :
    /// grant roles/iam.workloadIdentityUser to the repository's principalSet.
    #[test]
    fn an_attribute_member_grants_impersonation() {
        let p = GcpIamPolicy::parse(POLICY).unwrap();
        let check = p.check(
            &provider(),
            &claims("acme/api", "refs/heads/main"),
            "sa-policy.json",
        );
        assert!(check.allowed, "{:?}", check.verdict);
        assert_eq!(
            check.principal,
            format!("principal://{POOL}/subject/repo:acme/api:ref:refs/heads/main")
        );
        assert_eq!(
            check.matched_member,
            Some((
                "$.bindings[0].members[0]".to_owned(),
                format!("principalSet://{POOL}/attribute.repository/acme/api")
            ))
        );
        assert!(
            check
                .principals
                .contains(&format!("principalSet://{POOL}/*"))
        );
    }

    #[test]
    fn subject_group_and_pool_members_grant_impersonation() {
        let provider = GcpProvider::parse(
            json!({
                "name": "projects/1234567890/locations/global/workloadIdentityPools/my-pool/providers/my-provider",
                "attributeMapping": {"google.subject": "assertion.sub", "google.groups": "assertion.teams"},
                "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
            })
            .to_string()
            .as_bytes(),
        )
        .unwrap();
        let c = claims("acme/api", "refs/heads/main");
        for member in [
            format!("principal://{POOL}/subject/repo:acme/api:ref:refs/heads/main"),
            format!("principalSet://{POOL}/group/deployers"),
            format!("principalSet://{POOL}/*"),
        ] {
            let p = policy(
                json!([{"role": WORKLOAD_IDENTITY_USER, "members": ["user:a@example.com", member]}]),
            );
            let check = p.check(&provider, &c, "p.json");
            assert!(check.allowed, "{member}: {:?}", check.verdict);
            assert_eq!(check.matched_member.unwrap().0, "$.bindings[0].members[1]");
        }
    }

    #[test]
    fn a_different_repository_is_refused_with_the_nearest_member() {
        let p = GcpIamPolicy::parse(POLICY)
            .unwrap()
            .with_service_account("deployer@my-project.iam.gserviceaccount.com");
        let check = p.check(
            &provider(),
            &claims("acme/API", "refs/heads/main"),
            "sa-policy.json",
        );
        assert!(!check.allowed);
        let v = check.verdict.unwrap();
        assert_eq!(v.rule, ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER);
        assert_eq!(v.locator, "$.bindings[0].members[0]");
        assert!(
            v.cause.contains(&format!(
                "principalSet://{POOL}/attribute.repository/acme/API"
            )),
            "{}",
            v.cause
        );
        assert!(v.cause.contains("differ only in case"), "{}", v.cause);
        assert!(
            v.fix
                .contains("add-iam-policy-binding deployer@my-project.iam.gserviceaccount.com"),
            "{}",
            v.fix
        );
        assert_eq!(
            v.cloud_error.as_deref(),
            Some(
                "Failed to generate Google Cloud OAuth 2.0 Access Token for deployer@my-project.iam.gserviceaccount.com: {\"error\":{\"code\":403,\"message\":\"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).\",\"status\":\"PERMISSION_DENIED\"}}"
            )
        );
    }

    #[test]
    fn token_creator_instead_of_workload_identity_user_is_named() {
        let p = GcpIamPolicy::parse(POLICY).unwrap();
        let check = p.check(
            &provider(),
            &claims("acme/web", "refs/heads/main"),
            "deployer@my-project.iam.gserviceaccount.com.json",
        );
        let v = check.verdict.unwrap();
        assert_eq!(v.locator, "$.bindings[1].members[0]");
        assert!(
            v.cause.contains("roles/iam.serviceAccountTokenCreator"),
            "{}",
            v.cause
        );
        assert!(
            v.cloud_error
                .unwrap()
                .contains("for deployer@my-project.iam.gserviceaccount.com:")
        );
    }

    #[test]
    fn a_member_with_the_project_id_is_named() {
        let p = policy(
            json!([{"role": WORKLOAD_IDENTITY_USER, "members": ["principalSet://iam.googleapis.com/projects/my-project/locations/global/workloadIdentityPools/my-pool/attribute.repository/acme/api"]}]),
        );
        let v = p
            .check(
                &provider(),
                &claims("acme/api", "refs/heads/main"),
                "p.json",
            )
            .verdict
            .unwrap();
        assert!(
            v.cause.contains("project by its ID `my-project`"),
            "{}",
            v.cause
        );
        let p = policy(
            json!([{"role": WORKLOAD_IDENTITY_USER, "members": [format!("principalSet://{POOL}/attribute.repo/acme/api")]}]),
        );
        let v = p
            .check(
                &provider(),
                &claims("acme/api", "refs/heads/main"),
                "p.json",
            )
            .verdict
            .unwrap();
        assert!(v.cause.contains("does not set"), "{}", v.cause);
        let v = policy(json!([]))
            .check(
                &provider(),
                &claims("acme/api", "refs/heads/main"),
                "p.json",
            )
            .verdict
            .unwrap();
        assert!(v.cause.contains("to no one"), "{}", v.cause);
        assert_eq!(v.locator, "$.bindings");
    }

    #[test]
    fn conditional_bindings_grant_with_a_note() {
        let p = policy(
            json!([{"role": WORKLOAD_IDENTITY_USER, "members": [format!("principalSet://{POOL}/*")], "condition": {"title": "office hours", "expression": "request.time.getHours('UTC') < 18"}}]),
        );
        let check = p.check(
            &provider(),
            &claims("acme/api", "refs/heads/main"),
            "p.json",
        );
        assert!(check.allowed);
        assert!(
            check.notes[0].starts_with("IAM conditions not evaluated"),
            "{:?}",
            check.notes
        );
    }

    #[test]
    fn a_token_without_a_subject_carries_the_mapping_verdict() {
        let mut c = claims("acme/api", "refs/heads/main");
        c.0.remove("sub");
        let check = GcpIamPolicy::parse(POLICY)
            .unwrap()
            .check(&provider(), &c, "p.json");
        assert!(!check.allowed && check.principal.is_empty());
        assert_eq!(
            check.verdict.unwrap().rule,
            crate::vocabulary::catalog::TRUST_GCP_MAPPING_FAILED
        );
    }
}
