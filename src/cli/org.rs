//! Org-wide lint of AWS exports: `aws iam list-roles` (`Roles`) and `aws iam
//! get-account-authorization-details` (`RoleDetailList`). Each federated role (a trust
//! statement with a `Federated` principal or `sts:AssumeRoleWithWebIdentity`) is linted
//! as its own trust policy, with locators pointing into the export
//! (`$.Roles[3].AssumeRolePolicyDocument.Statement[0]`); the others are counted.

use serde_json::Value;

use oidc_triage::evidence::Input;

/// One role of an export, as a `get-role`-shaped input, and where it sits in the export.
pub struct Role {
    pub input: Input,
    /// `$.Roles[3]`: replaces `$.Role` in the locators of its review.
    pub path: String,
}

/// The federated roles of an export, and how many roles were not federated.
pub struct Export {
    pub roles: Vec<Role>,
    pub skipped: usize,
}

/// Percent-decoding, for a policy document left URL-encoded (the raw IAM API form).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn document(role: &Value) -> Option<Value> {
    match role.get("AssumeRolePolicyDocument")? {
        Value::String(s) => serde_json::from_str(s)
            .ok()
            .or_else(|| serde_json::from_str(&percent_decode(s)?).ok()),
        v @ Value::Object(_) => Some(v.clone()),
        _ => None,
    }
}

fn federated(doc: &Value) -> bool {
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect::<Vec<_>>(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => return false,
    };
    statements.iter().any(|s| {
        let action = |a: &Value| {
            a.as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case("sts:AssumeRoleWithWebIdentity"))
        };
        s.get("Principal")
            .and_then(|p| p.get("Federated"))
            .is_some()
            || s.get("Action").is_some_and(|a| match a {
                Value::Array(items) => items.iter().any(action),
                other => action(other),
            })
    })
}

/// The roles of an AWS export, or `None` when the input is not one.
pub fn expand(input: &Input) -> Option<Export> {
    let value: Value = serde_json::from_slice(&input.bytes).ok()?;
    let (key, roles) = ["Roles", "RoleDetailList"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_array).map(|r| (*k, r)))?;
    if !roles.iter().all(|r| r.get("RoleName").is_some()) {
        return None;
    }
    let mut export = Export {
        roles: Vec::new(),
        skipped: 0,
    };
    for (i, role) in roles.iter().enumerate() {
        let Some(doc) = document(role).filter(federated) else {
            export.skipped += 1;
            continue;
        };
        let mut role = role.clone();
        if let Some(object) = role.as_object_mut() {
            object.insert("AssumeRolePolicyDocument".into(), doc);
        }
        let bytes = serde_json::to_vec(&serde_json::json!({ "Role": role })).ok()?;
        export.roles.push(Role {
            input: Input::pasted(input.name.clone(), bytes),
            path: format!("$.{key}[{i}]"),
        });
    }
    Some(export)
}

/// A locator of a role's review, moved into the export.
pub fn relocate(locator: &str, path: &str) -> String {
    match locator.strip_prefix("$.Role") {
        Some(rest) if rest.is_empty() || rest.starts_with(['.', '[']) => format!("{path}{rest}"),
        _ => locator.to_owned(),
    }
}
