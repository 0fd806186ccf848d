//! One Cloud Audit Logs entry, reduced to what the stages need. Field names follow the
//! LogEntry and AuditLog references (<https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry>,
//! <https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog>)
//! and the Workload Identity Federation examples
//! (<https://cloud.google.com/iam/docs/audit-logging/examples-workload-identity>): the STS
//! exchange carries the token's `sub` in `authenticationInfo.principalSubject` and the
//! `principal://…/subject/…` in `metadata.mapped_principal`; `GenerateAccessToken` carries
//! the federated principal and the service account (`request.name`,
//! `resource.labels.email_id`); later calls carry the service account in `principalEmail`
//! and the federated principal in `serviceAccountDelegationInfo`.

use serde_json::Value;

use crate::evidence::logs::{parse_time, quote, show, text};

/// What an entry is to the stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// `sts.googleapis.com` `…SecurityTokenService.ExchangeToken`: the trust stage.
    Exchange,
    /// `iamcredentials.googleapis.com` `GenerateAccessToken` (and `GenerateIdToken`,
    /// `SignJwt`, `SignBlob`): service account impersonation, the role stage.
    Impersonation,
    /// Any other call: the audit stage when it was made by the path's identity.
    Call,
}

/// google.rpc.Code names, for summaries.
pub(crate) fn code_name(code: i64) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "an unknown status",
    }
}

/// An audit log entry, compact (a large export holds hundreds of thousands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AuditEntry {
    pub locator: String,
    pub time: Option<i64>,
    pub project: Option<String>,
    pub kind: EntryKind,
    pub service: String,
    pub method: String,
    pub resource_name: Option<String>,
    pub principal_email: Option<String>,
    pub principal_subject: Option<String>,
    /// `serviceAccountDelegationInfo[]`: who acted through the service account.
    pub delegation: Vec<String>,
    pub mapped_principal: Option<String>,
    /// google.rpc.Code; an absent or empty status is OK (proto3 omits zero).
    pub status_code: i64,
    pub status_message: Option<String>,
    /// Permissions checked and not granted.
    pub denied_permissions: Vec<String>,
    /// The service account an impersonation targets.
    pub target_sa: Option<String>,
    pub caller_ip: Option<String>,
}

/// True when the JSON value is a Cloud Audit Logs entry.
pub(crate) fn is_audit_entry(value: &Value) -> bool {
    let Some(payload) = value.get("protoPayload").filter(|p| p.is_object()) else {
        return false;
    };
    let audit_type = payload
        .get("@type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.ends_with("google.cloud.audit.AuditLog"));
    let audit_log = value
        .get("logName")
        .and_then(Value::as_str)
        .is_some_and(|n| n.contains("cloudaudit.googleapis.com"));
    audit_type || audit_log
}

/// The entry's stage-relevant fields; `None` when it is not an audit entry.
pub(crate) fn read_entry(value: &Value, locator: String) -> Option<AuditEntry> {
    if !is_audit_entry(value) {
        return None;
    }
    let payload = &value["protoPayload"];
    let auth = payload.get("authenticationInfo");
    let service = text(payload.get("serviceName")).unwrap_or_default();
    let method = text(payload.get("methodName")).unwrap_or_default();
    let resource_name = text(payload.get("resourceName"));
    let time = value
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .or_else(|| {
            value
                .get("receiveTimestamp")
                .and_then(Value::as_str)
                .and_then(parse_time)
        });
    let project = value
        .get("logName")
        .and_then(Value::as_str)
        .and_then(|n| n.strip_prefix("projects/"))
        .and_then(|rest| rest.split('/').next())
        .map(str::to_owned)
        .or_else(|| text(value.pointer("/resource/labels/project_id")));
    let delegation = auth
        .and_then(|a| a.get("serviceAccountDelegationInfo"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|d| {
                    text(d.get("principalSubject"))
                        .or_else(|| text(d.pointer("/firstPartyPrincipal/principalEmail")))
                })
                .collect()
        })
        .unwrap_or_default();
    let status = payload.get("status");
    let status_code = status
        .and_then(|s| s.get("code"))
        .and_then(|c| {
            c.as_i64()
                .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(0);
    let denied_permissions = payload
        .get("authorizationInfo")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter(|a| a.get("granted").and_then(Value::as_bool) != Some(true))
                .filter_map(|a| text(a.get("permission")))
                .collect()
        })
        .unwrap_or_default();
    let kind = classify(&service, &method, resource_name.as_deref());
    let target_sa = (kind == EntryKind::Impersonation)
        .then(|| target_service_account(value))
        .flatten();
    Some(AuditEntry {
        locator: match value.get("insertId").and_then(Value::as_str) {
            Some(id) => format!("{locator} (insertId {})", show(id)),
            None => locator,
        },
        time,
        project,
        kind,
        service,
        method,
        resource_name,
        principal_email: auth.and_then(|a| text(a.get("principalEmail"))),
        principal_subject: auth.and_then(|a| text(a.get("principalSubject"))),
        delegation,
        mapped_principal: text(payload.pointer("/metadata/mapped_principal")),
        status_code,
        status_message: status.and_then(|s| text(s.get("message"))),
        denied_permissions,
        target_sa,
        caller_ip: text(payload.pointer("/requestMetadata/callerIp")),
    })
}

fn classify(service: &str, method: &str, resource: Option<&str>) -> EntryKind {
    let last = method.rsplit('.').next().unwrap_or(method);
    // The documented example omits serviceName; the method's package names STS.
    if last == "ExchangeToken" && (service == "sts.googleapis.com" || method.contains(".sts.")) {
        return EntryKind::Exchange;
    }
    let impersonation = matches!(
        last,
        "GenerateAccessToken" | "GenerateIdToken" | "SignJwt" | "SignBlob"
    );
    if impersonation
        && (service == "iamcredentials.googleapis.com"
            || resource.is_some_and(|r| r.contains("serviceAccounts/")))
    {
        return EntryKind::Impersonation;
    }
    EntryKind::Call
}

/// The impersonated service account's email: `request.name`
/// (`projects/-/serviceAccounts/EMAIL`), `resource.labels.email_id`, the delegation
/// chain, or the resource name when it holds an email.
fn target_service_account(value: &Value) -> Option<String> {
    let from_name = |name: String| {
        let tail = name.rsplit('/').next().unwrap_or(&name).to_owned();
        tail.contains('@').then_some(tail)
    };
    text(value.pointer("/protoPayload/request/name"))
        .and_then(from_name)
        .or_else(|| text(value.pointer("/resource/labels/email_id")))
        .or_else(|| {
            value
                .pointer("/protoPayload/metadata/identityDelegationChain")
                .and_then(Value::as_array)
                .and_then(|chain| chain.last())
                .and_then(|v| text(Some(v)))
                .and_then(from_name)
        })
        .or_else(|| text(value.pointer("/protoPayload/resourceName")).and_then(from_name))
}

impl AuditEntry {
    pub fn failed(&self) -> bool {
        self.status_code != 0
    }

    /// The caller's identity was redacted (GCP drops it from read-only calls denied
    /// with PERMISSION_DENIED: <https://cloud.google.com/logging/docs/audit#user-id>).
    pub fn caller_redacted(&self) -> bool {
        self.principal_email.is_none()
            && self.principal_subject.is_none()
            && self.delegation.is_empty()
    }

    /// The external subject this entry is about: the exchange's `principalSubject`
    /// (the token's `sub`), or the `…/subject/VALUE` of a federated principal.
    pub fn subject(&self) -> Option<String> {
        match self.kind {
            EntryKind::Exchange => self
                .principal_subject
                .clone()
                .or_else(|| self.mapped_principal.as_deref().and_then(subject_of)),
            _ => self
                .principal_subject
                .as_deref()
                .and_then(subject_of)
                .or_else(|| self.delegation.iter().find_map(|d| subject_of(d))),
        }
    }

    /// Every federated principal string of the entry.
    pub fn federated_principals(&self) -> impl Iterator<Item = &str> {
        self.principal_subject
            .iter()
            .chain(self.mapped_principal.iter())
            .chain(self.delegation.iter())
            .map(String::as_str)
            .filter(|p| p.starts_with("principal://") || p.starts_with("principalSet://"))
    }

    /// The status as people read it: `PERMISSION_DENIED (7): message`.
    pub fn status_text(&self) -> String {
        let name = code_name(self.status_code);
        match &self.status_message {
            Some(m) if m != name => {
                format!("{name} ({}): {}", self.status_code, quote(m))
            }
            _ => format!("{name} ({})", self.status_code),
        }
    }

    /// Who made the call, for summaries.
    pub fn caller(&self) -> String {
        self.principal_email
            .as_deref()
            .or(self.principal_subject.as_deref())
            .or(self.delegation.first().map(String::as_str))
            .map(show)
            .unwrap_or_else(|| "a caller whose identity GCP redacted".to_owned())
    }
}

/// `VALUE` of `principal://iam.googleapis.com/…/subject/VALUE`.
pub(crate) fn subject_of(principal: &str) -> Option<String> {
    let at = principal.find("/subject/")?;
    principal
        .starts_with("principal://")
        .then(|| principal[at + "/subject/".len()..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_exchange_entry_is_an_exchange_with_its_subject() {
        let v = json!({
          "logName": "projects/my-project/logs/cloudaudit.googleapis.com%2Fdata_access",
          "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": {"principalSubject": "b6112abb-5791-4507-adb5-7e8cc306eb2e"},
            "metadata": {"mapped_principal": "principal://iam.googleapis.com/projects/1234567890123/locations/global/workloadIdentityPools/azure-pool/subject/a1234bcd"},
            "methodName": "google.identity.sts.v1.SecurityTokenService.ExchangeToken",
            "resourceName": "projects/1234567890123/locations/global/workloadIdentityPools/azure-pool/providers/azure"
          },
          "resource": {"type": "audited_resource"}
        });
        let e = read_entry(&v, "$".into()).unwrap();
        assert_eq!(e.kind, EntryKind::Exchange);
        assert_eq!(
            e.subject().as_deref(),
            Some("b6112abb-5791-4507-adb5-7e8cc306eb2e")
        );
        assert_eq!(e.project.as_deref(), Some("my-project"));
        assert!(!e.failed());
    }

    #[test]
    fn a_denied_impersonation_names_the_service_account_and_the_permission() {
        let v = json!({
          "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "status": {"code": 7, "message": "PERMISSION_DENIED"},
            "authenticationInfo": {},
            "serviceName": "iamcredentials.googleapis.com",
            "methodName": "GenerateAccessToken",
            "authorizationInfo": [{"permission": "iam.serviceAccounts.getAccessToken", "resourceAttributes": {}}],
            "resourceName": "projects/-/serviceAccounts/103566171230474107362",
            "request": {"name": "projects/-/serviceAccounts/target@project-id.iam.gserviceaccount.com"}
          },
          "severity": "ERROR",
          "logName": "projects/project-id/logs/cloudaudit.googleapis.com%2Fdata_access"
        });
        let e = read_entry(&v, "$[1]".into()).unwrap();
        assert_eq!(e.kind, EntryKind::Impersonation);
        assert_eq!(
            e.target_sa.as_deref(),
            Some("target@project-id.iam.gserviceaccount.com")
        );
        assert_eq!(e.denied_permissions, ["iam.serviceAccounts.getAccessToken"]);
        assert!(e.caller_redacted());
        assert_eq!(e.status_text(), "PERMISSION_DENIED (7)");
    }

    #[test]
    fn other_log_entries_are_not_audit_entries() {
        assert!(
            read_entry(
                &json!({"textPayload": "hello", "logName": "projects/p/logs/stdout"}),
                "$".into()
            )
            .is_none()
        );
        assert!(read_entry(&json!({"protoPayload": {"@type": "type.googleapis.com/google.appengine.logging.v1.RequestLog"}}), "$".into()).is_none());
        assert!(read_entry(&json!({"Records": []}), "$".into()).is_none());
    }

    #[test]
    fn subjects_come_from_principal_identifiers() {
        assert_eq!(
            subject_of("principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/repo:a/b:ref:refs/heads/main").as_deref(),
            Some("repo:a/b:ref:refs/heads/main")
        );
        assert_eq!(
            subject_of(
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/attribute.repository/a/b"
            ),
            None
        );
    }
}
