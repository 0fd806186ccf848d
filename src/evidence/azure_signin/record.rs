//! One Entra sign-in, from any of the export shapes, and what its AADSTS code means.
//!
//! Shapes: the Microsoft Graph `signIn` resource (camelCase; `GET
//! /beta/auditLogs/signIns`, <https://learn.microsoft.com/graph/api/resources/signin> , and
//! the portal's JSON download of the same records); Log Analytics rows of
//! `AADServicePrincipalSignInLogs` / `AADManagedIdentitySignInLogs` / `SigninLogs`
//! (PascalCase columns, <https://learn.microsoft.com/azure/azure-monitor/reference/tables/aadserviceprincipalsigninlogs> ),
//! as `az monitor log-analytics query` prints them or as the query API's
//! `tables[].columns/rows`; and diagnostic-settings archive records (`category`
//! `ServicePrincipalSignInLogs`, the sign-in in `properties`).
//!
//! What a code means comes from the one AADSTS table, `evidence::aadsts`.

use serde_json::{Map, Value};

use super::super::gcp_audit::shared::{parse_time, show, text};

/// Who signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignInKind {
    ServicePrincipal,
    ManagedIdentity,
    User,
}

/// One sign-in, normalised across the export shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SignIn {
    pub locator: String,
    pub time: Option<i64>,
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub sp_id: Option<String>,
    /// `status.errorCode` / `ResultType`: 0 is success; `None` when not recorded.
    pub error_code: Option<i64>,
    /// `status.failureReason` / `ResultDescription`.
    pub message: Option<String>,
    /// `status.additionalDetails`.
    pub details: Option<String>,
    pub credential_type: Option<String>,
    pub fic_id: Option<String>,
    pub resource: Option<String>,
    pub kind: SignInKind,
}

impl SignIn {
    /// The app the sign-in is for, as the path key.
    pub fn app_key(&self) -> String {
        self.app_id
            .as_deref()
            .or(self.sp_id.as_deref())
            .or(self.app_name.as_deref())
            .unwrap_or("(no app id)")
            .to_ascii_lowercase()
    }

    /// The app as people read it: `'deploy-api' (0f1e…)`.
    pub fn app_label(&self) -> String {
        match (&self.app_name, &self.app_id) {
            (Some(name), Some(id)) => format!("'{}' ({})", show(name), show(id)),
            (Some(name), None) => format!("'{}'", show(name)),
            (None, Some(id)) => show(id),
            (None, None) => self
                .sp_id
                .as_deref()
                .map(show)
                .unwrap_or_else(|| "an unnamed app".to_owned()),
        }
    }

    pub fn failed(&self) -> bool {
        self.error_code.is_some_and(|c| c != 0)
    }

    pub fn succeeded(&self) -> bool {
        self.error_code == Some(0)
    }

    /// Signed in with a secret or certificate: not the federated path.
    pub fn other_credential(&self) -> bool {
        self.credential_type.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case("clientSecret") || t.eq_ignore_ascii_case("certificate")
        })
    }

    /// The message and details, for quoting and for what they quote.
    pub fn full_message(&self) -> String {
        match (&self.message, &self.details) {
            (Some(m), Some(d)) => format!("{m} {d}"),
            (Some(m), None) => m.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        }
    }
}

fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| v.get(*n).filter(|x| !x.is_null()))
}

fn code_of(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A field that Log Analytics may give as an object or as JSON text.
fn object_of(value: Option<&Value>) -> Option<Value> {
    match value? {
        Value::Object(_) => value.cloned(),
        Value::String(s) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object),
        _ => None,
    }
}

fn kind_from_category(category: &str) -> Option<SignInKind> {
    let c = category.to_ascii_lowercase();
    if c.contains("serviceprincipal") {
        Some(SignInKind::ServicePrincipal)
    } else if c.contains("managedidentity") {
        Some(SignInKind::ManagedIdentity)
    } else if c.contains("signinlogs") || c.contains("noninteractiveuser") {
        Some(SignInKind::User)
    } else {
        None
    }
}

fn kind_from_event_types(v: &Value) -> Option<SignInKind> {
    let types = v.get("signInEventTypes")?.as_array()?;
    let has = |t: &str| types.iter().any(|x| x.as_str() == Some(t));
    if has("servicePrincipal") {
        Some(SignInKind::ServicePrincipal)
    } else if has("managedIdentity") {
        Some(SignInKind::ManagedIdentity)
    } else if has("interactiveUser") || has("nonInteractiveUser") {
        Some(SignInKind::User)
    } else {
        None
    }
}

fn kind_by_identity(user: Option<String>, sp: bool) -> SignInKind {
    if user.is_some() && !sp {
        SignInKind::User
    } else {
        SignInKind::ServicePrincipal
    }
}

/// A Graph `signIn` (also the portal download and a diagnostic record's `properties`).
fn from_graph(v: &Value, locator: String, fallback: Option<&Value>) -> SignIn {
    let status = v.get("status");
    let fb = |names: &[&str]| fallback.and_then(|f| field(f, names));
    let sp_id = text(v.get("servicePrincipalId"));
    let sp_name = text(v.get("servicePrincipalName"));
    let kind = kind_from_event_types(v)
        .or_else(|| {
            fb(&["category"])
                .and_then(Value::as_str)
                .and_then(kind_from_category)
        })
        .unwrap_or_else(|| {
            kind_by_identity(
                text(v.get("userPrincipalName")),
                sp_id.is_some() || sp_name.is_some(),
            )
        });
    SignIn {
        locator,
        time: text(v.get("createdDateTime"))
            .or_else(|| text(fb(&["time"])))
            .and_then(|t| parse_time(&t)),
        app_id: text(v.get("appId")),
        app_name: text(v.get("appDisplayName")).or(sp_name),
        sp_id,
        error_code: code_of(status.and_then(|s| s.get("errorCode")))
            .or_else(|| code_of(fb(&["resultType"]))),
        message: status
            .and_then(|s| text(s.get("failureReason")))
            .or_else(|| text(fb(&["resultDescription"]))),
        details: status.and_then(|s| text(s.get("additionalDetails"))),
        credential_type: text(v.get("clientCredentialType")),
        fic_id: text(v.get("federatedCredentialId")),
        resource: text(v.get("resourceDisplayName")),
        kind,
    }
}

/// A Log Analytics row (PascalCase columns).
fn from_log_analytics(v: &Value, locator: String) -> SignIn {
    let status = object_of(v.get("Status"));
    let category = text(field(v, &["Type", "Category"]));
    let sp_id = text(v.get("ServicePrincipalId"));
    let sp_name = text(v.get("ServicePrincipalName"));
    let kind = category
        .as_deref()
        .and_then(kind_from_category)
        .unwrap_or_else(|| {
            kind_by_identity(
                text(v.get("UserPrincipalName")),
                sp_id.is_some() || sp_name.is_some(),
            )
        });
    SignIn {
        locator,
        time: text(field(v, &["TimeGenerated", "CreatedDateTime"])).and_then(|t| parse_time(&t)),
        app_id: text(v.get("AppId")),
        app_name: sp_name.or_else(|| text(v.get("AppDisplayName"))),
        sp_id,
        error_code: code_of(v.get("ResultType"))
            .or_else(|| code_of(status.as_ref().and_then(|s| s.get("errorCode")))),
        message: text(v.get("ResultDescription"))
            .or_else(|| status.as_ref().and_then(|s| text(s.get("failureReason")))),
        details: status
            .as_ref()
            .and_then(|s| text(s.get("additionalDetails"))),
        credential_type: text(v.get("ClientCredentialType")),
        fic_id: text(v.get("FederatedCredentialId")),
        resource: text(v.get("ResourceDisplayName")),
        kind,
    }
}

fn is_graph(v: &Value) -> bool {
    v.get("createdDateTime").is_some()
        && (v.get("appId").is_some() || v.get("servicePrincipalId").is_some())
        && v.get("status")
            .is_some_and(|s| s.get("errorCode").is_some())
}

fn is_log_analytics(v: &Value) -> bool {
    field(v, &["TimeGenerated", "CreatedDateTime"]).is_some()
        && v.get("ResultType").is_some()
        && (v.get("AppId").is_some()
            || v.get("ServicePrincipalId").is_some()
            || v.get("ServicePrincipalName").is_some())
}

fn is_diagnostic(v: &Value) -> bool {
    v.get("properties").is_some_and(Value::is_object)
        && v.get("category")
            .and_then(Value::as_str)
            .is_some_and(|c| c.to_ascii_lowercase().contains("signinlogs"))
}

/// The Log Analytics query API's tables: column names and rows.
fn tables(v: &Value) -> Option<&Vec<Value>> {
    let tables = v.get("tables")?.as_array()?;
    let named = tables.iter().any(|t| {
        t.get("columns")
            .and_then(Value::as_array)
            .is_some_and(|cols| {
                let has = |n: &str| {
                    cols.iter()
                        .any(|c| c.get("name").and_then(Value::as_str) == Some(n))
                };
                has("ResultType")
                    && (has("AppId") || has("ServicePrincipalId") || has("ServicePrincipalName"))
            })
    });
    named.then_some(tables)
}

/// True when the JSON value is (or holds) sign-in records.
pub(crate) fn is_signin_record(v: &Value) -> bool {
    is_graph(v) || is_log_analytics(v) || is_diagnostic(v) || tables(v).is_some()
}

/// The sign-ins a record holds (a query API response holds many).
pub(crate) fn read_signins(v: &Value, locator: &str) -> Vec<SignIn> {
    if let Some(tables) = tables(v) {
        let mut out = Vec::new();
        for (t, table) in tables.iter().enumerate() {
            let (Some(cols), Some(rows)) = (
                table.get("columns").and_then(Value::as_array),
                table.get("rows").and_then(Value::as_array),
            ) else {
                continue;
            };
            let names: Vec<String> = cols
                .iter()
                .map(|c| {
                    c.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            for (r, row) in rows.iter().enumerate() {
                let Some(cells) = row.as_array() else {
                    continue;
                };
                let object: Map<String, Value> =
                    names.iter().cloned().zip(cells.iter().cloned()).collect();
                out.push(from_log_analytics(
                    &Value::Object(object),
                    format!("{locator} $.tables[{t}].rows[{r}]"),
                ));
            }
        }
        return out;
    }
    if is_diagnostic(v) {
        return vec![from_graph(&v["properties"], locator.to_owned(), Some(v))];
    }
    if is_graph(v) {
        return vec![from_graph(v, locator.to_owned(), None)];
    }
    if is_log_analytics(v) {
        return vec![from_log_analytics(v, locator.to_owned())];
    }
    Vec::new()
}

/// The AADSTS table is shared with the job-log reader: `evidence::aadsts`.
pub(crate) use crate::evidence::aadsts::{Code, code_info};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_three_shapes_read_the_same_sign_in() {
        let graph = json!({
            "id": "8f2a", "createdDateTime": "2026-02-11T09:04:12Z",
            "appId": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "appDisplayName": "deploy-api",
            "servicePrincipalId": "5e6f", "signInEventTypes": ["servicePrincipal"],
            "status": {"errorCode": 700213, "failureReason": "No matching federated identity record found for presented assertion subject 'repo:acme/api:environment:production'."},
            "clientCredentialType": "federatedIdentityCredential", "federatedCredentialId": null
        });
        let la = json!({
            "TimeGenerated": "2026-02-11T09:04:12.3456789Z", "AppId": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            "ServicePrincipalName": "deploy-api", "ServicePrincipalId": "5e6f", "ResultType": "700213",
            "ResultDescription": "No matching federated identity record found for presented assertion subject 'repo:acme/api:environment:production'.",
            "Type": "AADServicePrincipalSignInLogs"
        });
        let diag = json!({
            "time": "2026-02-11T09:04:12.3456789Z", "category": "ServicePrincipalSignInLogs",
            "resultType": "700213", "properties": {"appId": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "servicePrincipalName": "deploy-api", "servicePrincipalId": "5e6f", "status": {"errorCode": 700213}}
        });
        for v in [&graph, &la, &diag] {
            assert!(is_signin_record(v), "{v}");
            let s = &read_signins(v, "$")[0];
            assert_eq!(s.error_code, Some(700213));
            assert_eq!(s.app_key(), "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b");
            assert_eq!(s.kind, SignInKind::ServicePrincipal);
            assert_eq!(s.time, parse_time("2026-02-11T09:04:12Z"));
            assert_eq!(
                s.app_label(),
                "'deploy-api' (0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b)"
            );
        }
    }

    #[test]
    fn user_sign_ins_and_other_resources_are_told_apart() {
        let user = json!({"createdDateTime": "2021-06-30T16:34:32Z", "appId": "c44b", "userPrincipalName": "a@contoso.com", "servicePrincipalId": "", "signInEventTypes": ["interactiveUser"], "status": {"errorCode": 50126}});
        assert_eq!(read_signins(&user, "$")[0].kind, SignInKind::User);
        let app = json!({"appId": "0f1e", "createdDateTime": "2024-01-01T00:00:00Z", "displayName": "deploy-api"});
        assert!(!is_signin_record(&app));
        let fic = json!({"name": "x", "issuer": "https://token.actions.githubusercontent.com", "subject": "repo:a/b:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]});
        assert!(!is_signin_record(&fic));
    }

    #[test]
    fn every_listed_code_has_its_finding_and_unknown_codes_say_closest() {
        use crate::vocabulary::Stage;
        use crate::vocabulary::catalog::{
            TRUST_AZURE_ISSUER_UNREACHABLE, TRUST_AZURE_SUBJECT_MISMATCH,
        };
        assert_eq!(code_info(700213).rule.id, TRUST_AZURE_SUBJECT_MISMATCH.id);
        assert_eq!(code_info(700024).stage(), Stage::Token);
        // The sign-in log and the job log read the same table.
        assert_eq!(code_info(50166).rule.id, TRUST_AZURE_ISSUER_UNREACHABLE.id);
        let unknown = code_info(7000215);
        assert!(unknown.closest);
        assert_eq!(unknown.code, 7000215);
        for c in crate::evidence::aadsts::CODES {
            assert!(
                c.fix.contains("APP_ID") || !c.fix.contains("--id"),
                "{}",
                c.code
            );
        }
    }
}
