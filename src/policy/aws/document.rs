//! Reading a role trust policy in the shapes people paste: the bare policy document
//! (also what Terraform's `aws_iam_policy_document` renders), the whole
//! `aws iam get-role` response (`{"Role":{…,"AssumeRolePolicyDocument":…}}`), a bare role
//! object, and the document as the IAM query API returns it: a URL-encoded JSON string
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html> says
//! `AssumeRolePolicyDocument` is "URL-encoded compliant with RFC 3986"). Every element
//! keeps the JSON path it was read from in the document *as given*, so locators point
//! into what the user pasted; every malformed element is a [`PolicyError`] naming that
//! path.
//!
//! Grammar: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>
//! (`Statement` is one object or an array; `Principal`/`Action` values are a string or an
//! array of strings; condition values are strings, numbers or booleans, or arrays of them).

use serde_json::{Map, Value};

use super::condition::{Condition, Operator};
use crate::policy::{Effect, PolicyError};
use crate::token::claims::json_type_name;

/// What parse errors call the input.
pub(super) const WHAT: &str = "AWS role trust policy";
/// The same, for syntax errors inside a URL-encoded document (line and column are
/// those of the decoded text).
const WHAT_DECODED: &str = "AWS role trust policy (URL-decoded AssumeRolePolicyDocument)";

/// A value of the document with the JSON path it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located {
    pub value: String,
    pub locator: String,
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Principal {
    pub locator: String,
    /// `NotPrincipal`: the statement applies to every principal except those listed.
    pub negated: bool,
    /// `"Principal": "*"`.
    pub everyone: bool,
    /// `Principal.Federated` values.
    pub federated: Vec<Located>,
    /// Other principal kinds as written (`AWS: arn:aws:iam::…:root`, `Service: …`).
    pub others: Vec<Located>,
}

/// `Action` or `NotAction`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Actions {
    pub locator: String,
    pub negated: bool,
    pub values: Vec<Located>,
}

/// One statement of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Statement {
    pub locator: String,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Principal,
    pub actions: Actions,
    /// In document order (operator, then key).
    pub conditions: Vec<Condition>,
}

/// A parsed input: where the document sits in it, the role it belongs to when the
/// input says, and the statements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Document {
    /// JSON path of the policy document in the input (`$`, `$.Role.AssumeRolePolicyDocument`).
    pub root: String,
    /// `RoleName` (or `Arn`) from a get-role response or role object.
    pub role: Option<String>,
    pub statements: Vec<Statement>,
}

/// `parent.name`, or `parent["name"]` when the name is not a plain identifier
/// (condition keys have `.`, `:` and `/`; set operators have `:`).
pub(crate) fn member(parent: &str, name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{parent}.{name}")
    } else {
        format!("{parent}[{}]", Value::String(name.to_owned()))
    }
}

fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

fn field_error(path: &str, message: impl Into<String>) -> PolicyError {
    PolicyError::field(WHAT, path, message)
}

fn wrong_type(path: &str, expected: &str, found: &Value) -> PolicyError {
    field_error(
        path,
        format!("expected {expected}, found {}", json_type_name(found)),
    )
}

/// A cheap content check: a trust policy document (a `Statement` whose statements
/// have a `Principal` and no `Resource`, unlike identity and bucket policies), a
/// get-role response or role object, or a URL-encoded document. Claims, JWKS and the
/// other clouds' shapes have none of these keys.
pub(crate) fn sniff(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii();
    if starts_with_encoded_brace(trimmed) {
        return contains_ignore_case(trimmed, b"%22Statement%22");
    }
    if trimmed.first() != Some(&b'{') && trimmed.first() != Some(&b'"') {
        return false;
    }
    match serde_json::from_slice::<Value>(trimmed) {
        Ok(Value::Object(map)) => sniff_object(&map),
        Ok(Value::String(s)) => {
            let s = s.trim().as_bytes();
            starts_with_encoded_brace(s) && contains_ignore_case(s, b"%22Statement%22")
        }
        _ => false,
    }
}

fn starts_with_encoded_brace(bytes: &[u8]) -> bool {
    bytes.len() >= 3 && bytes[..3].eq_ignore_ascii_case(b"%7B")
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn sniff_object(map: &Map<String, Value>) -> bool {
    if let Some(Value::Object(role)) = map.get("Role") {
        return role.contains_key("AssumeRolePolicyDocument");
    }
    if map.contains_key("AssumeRolePolicyDocument") {
        return true;
    }
    let statements: Vec<&Value> = match map.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return false,
    };
    let is_trust_statement = |s: &&Value| {
        s.as_object().is_some_and(|o| {
            (o.contains_key("Principal") || o.contains_key("NotPrincipal"))
                && !o.contains_key("Resource")
                && !o.contains_key("NotResource")
        })
    };
    if statements.is_empty() {
        return map.contains_key("Version");
    }
    statements.iter().all(is_trust_statement)
}

/// Decode `%XX` escapes and `+` (form encoding, as IAM's query API emits).
fn percent_decode(text: &str, path: &str) -> Result<String, PolicyError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => out.push(byte),
                    None => {
                        return Err(field_error(
                            path,
                            format!(
                                "invalid percent-escape at character {} of the URL-encoded document",
                                i + 1
                            ),
                        ));
                    }
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| field_error(path, "the URL-decoded document is not UTF-8"))
}

/// A document given as a string: URL-encoded (`%7B%22Version%22…`) or JSON text.
fn document_from_string(text: &str, path: &str) -> Result<Value, PolicyError> {
    let trimmed = text.trim();
    let (json, what) = if trimmed.starts_with('{') {
        (trimmed.to_owned(), WHAT)
    } else {
        (percent_decode(trimmed, path)?, WHAT_DECODED)
    };
    serde_json::from_str(&json).map_err(|e| PolicyError::json(what, &e))
}

/// Parse any accepted shape.
pub(crate) fn parse(bytes: &[u8]) -> Result<Document, PolicyError> {
    let trimmed = bytes.trim_ascii();
    if starts_with_encoded_brace(trimmed) {
        let text =
            std::str::from_utf8(trimmed).map_err(|_| field_error("$", "the input is not UTF-8"))?;
        let value = document_from_string(text, "$")?;
        return parse_document(&value, "$", None);
    }
    let value: Value = serde_json::from_slice(trimmed).map_err(|e| PolicyError::json(WHAT, &e))?;
    match &value {
        Value::String(text) => {
            let document = document_from_string(text, "$")?;
            parse_document(&document, "$", None)
        }
        Value::Object(map) => {
            if let Some(role) = map.get("Role") {
                let Value::Object(role) = role else {
                    return Err(wrong_type(
                        "$.Role",
                        "the role object of a get-role response",
                        role,
                    ));
                };
                parse_role(role, "$.Role")
            } else if map.contains_key("AssumeRolePolicyDocument") {
                parse_role(map, "$")
            } else {
                parse_document(&value, "$", None)
            }
        }
        other => Err(wrong_type(
            "$",
            "a policy document (an object with `Statement`)",
            other,
        )),
    }
}

fn parse_role(role: &Map<String, Value>, path: &str) -> Result<Document, PolicyError> {
    let name = role
        .get("RoleName")
        .or_else(|| role.get("Arn"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let doc_path = member(path, "AssumeRolePolicyDocument");
    match role.get("AssumeRolePolicyDocument") {
        Some(Value::String(text)) => {
            let document = document_from_string(text, &doc_path)?;
            parse_document(&document, &doc_path, name)
        }
        Some(document @ Value::Object(_)) => parse_document(document, &doc_path, name),
        Some(other) => Err(wrong_type(
            &doc_path,
            "the trust policy (an object or a URL-encoded string)",
            other,
        )),
        None => Err(field_error(
            &doc_path,
            "missing: the role has no trust policy",
        )),
    }
}

fn parse_document(
    value: &Value,
    root: &str,
    role: Option<String>,
) -> Result<Document, PolicyError> {
    let Value::Object(map) = value else {
        return Err(wrong_type(
            root,
            "a policy document (an object with `Statement`)",
            value,
        ));
    };
    if let Some(version) = map.get("Version")
        && !version.is_string()
    {
        return Err(wrong_type(
            &member(root, "Version"),
            "a string such as \"2012-10-17\"",
            version,
        ));
    }
    let statement_path = member(root, "Statement");
    let statements = match map.get("Statement") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_statement(item, &index(&statement_path, i)))
            .collect::<Result<Vec<_>, _>>()?,
        Some(one @ Value::Object(_)) => vec![parse_statement(one, &statement_path)?],
        Some(other) => {
            return Err(wrong_type(
                &statement_path,
                "a statement object or an array of them",
                other,
            ));
        }
        None => {
            return Err(field_error(
                &statement_path,
                "missing: a policy needs at least one statement",
            ));
        }
    };
    Ok(Document {
        root: root.to_owned(),
        role,
        statements,
    })
}

fn parse_statement(value: &Value, path: &str) -> Result<Statement, PolicyError> {
    let Value::Object(map) = value else {
        return Err(wrong_type(path, "a statement object", value));
    };
    for prohibited in ["Resource", "NotResource"] {
        if map.contains_key(prohibited) {
            // IAM refuses such a trust policy with `MalformedPolicyDocument: Has prohibited field Resource`.
            return Err(field_error(
                &member(path, prohibited),
                "a role trust policy may not have a Resource (IAM rejects it: `Has prohibited field Resource`); is this a permissions policy?",
            ));
        }
    }
    let sid = match map.get("Sid") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(wrong_type(&member(path, "Sid"), "a string", other)),
    };
    let effect_path = member(path, "Effect");
    let effect = match map.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(field_error(
                &effect_path,
                format!("must be \"Allow\" or \"Deny\" (case-sensitive), found {s:?}"),
            ));
        }
        Some(other) => return Err(wrong_type(&effect_path, "\"Allow\" or \"Deny\"", other)),
        None => {
            return Err(field_error(
                &effect_path,
                "missing: a statement needs \"Effect\": \"Allow\" or \"Deny\"",
            ));
        }
    };
    let principal = match (map.get("Principal"), map.get("NotPrincipal")) {
        (Some(p), None) => parse_principal(p, &member(path, "Principal"), false)?,
        (None, Some(p)) => parse_principal(p, &member(path, "NotPrincipal"), true)?,
        (Some(_), Some(_)) => {
            return Err(field_error(
                path,
                "a statement has either Principal or NotPrincipal, not both",
            ));
        }
        (None, None) => {
            return Err(field_error(
                &member(path, "Principal"),
                "missing: a role trust policy statement names who may assume the role (\"Principal\": {\"Federated\": \"arn:aws:iam::ACCOUNT:oidc-provider/HOST\"})",
            ));
        }
    };
    let actions = match (map.get("Action"), map.get("NotAction")) {
        (Some(a), None) => {
            let locator = member(path, "Action");
            Actions {
                values: strings(a, &locator, "an action name or an array of them")?,
                locator,
                negated: false,
            }
        }
        (None, Some(a)) => {
            let locator = member(path, "NotAction");
            Actions {
                values: strings(a, &locator, "an action name or an array of them")?,
                locator,
                negated: true,
            }
        }
        (Some(_), Some(_)) => {
            return Err(field_error(
                path,
                "a statement has either Action or NotAction, not both",
            ));
        }
        (None, None) => {
            return Err(field_error(
                &member(path, "Action"),
                "missing: a statement needs \"Action\": \"sts:AssumeRoleWithWebIdentity\"",
            ));
        }
    };
    let conditions = match map.get("Condition") {
        None | Some(Value::Null) => Vec::new(),
        Some(c) => parse_conditions(c, &member(path, "Condition"))?,
    };
    Ok(Statement {
        locator: path.to_owned(),
        sid,
        effect,
        principal,
        actions,
        conditions,
    })
}

/// A string or an array of strings, each with its locator.
fn strings(value: &Value, path: &str, expected: &str) -> Result<Vec<Located>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![Located {
            value: s.clone(),
            locator: path.to_owned(),
        }]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let locator = index(path, i);
                match item {
                    Value::String(s) => Ok(Located {
                        value: s.clone(),
                        locator,
                    }),
                    other => Err(wrong_type(&locator, "a string", other)),
                }
            })
            .collect(),
        other => Err(wrong_type(path, expected, other)),
    }
}

fn parse_principal(value: &Value, path: &str, negated: bool) -> Result<Principal, PolicyError> {
    let mut principal = Principal {
        locator: path.to_owned(),
        negated,
        everyone: false,
        federated: Vec::new(),
        others: Vec::new(),
    };
    match value {
        Value::String(s) if s == "*" => principal.everyone = true,
        Value::String(s) => {
            return Err(field_error(
                path,
                format!(
                    "must be \"*\" or an object such as {{\"Federated\": \"arn:aws:iam::ACCOUNT:oidc-provider/HOST\"}}, found {s:?}"
                ),
            ));
        }
        Value::Object(kinds) => {
            for (kind, v) in kinds {
                let kind_path = member(path, kind);
                let values = strings(v, &kind_path, "a principal or an array of them")?;
                if kind == "Federated" {
                    principal.federated.extend(values);
                } else {
                    principal.others.extend(values.into_iter().map(|l| Located {
                        value: format!("{kind}: {}", l.value),
                        locator: l.locator,
                    }));
                }
            }
        }
        other => return Err(wrong_type(path, "\"*\" or a principal object", other)),
    }
    Ok(principal)
}

/// A condition value as the string IAM compares: strings as they are, numbers and
/// booleans as their JSON text.
fn condition_value(value: &Value, path: &str) -> Result<String, PolicyError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(_) | Value::Number(_) => Ok(value.to_string()),
        other => Err(wrong_type(path, "a string, number or boolean", other)),
    }
}

fn parse_conditions(value: &Value, path: &str) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(operators) = value else {
        return Err(wrong_type(path, "an object of condition operators", value));
    };
    let mut conditions = Vec::new();
    for (operator_text, keys) in operators {
        let operator_path = member(path, operator_text);
        let operator = Operator::parse(operator_text)
            .map_err(|message| field_error(&operator_path, message))?;
        let Value::Object(keys) = keys else {
            return Err(wrong_type(
                &operator_path,
                "an object of condition keys and values",
                keys,
            ));
        };
        for (key, v) in keys {
            let locator = member(&operator_path, key);
            let values = match v {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let item_path = index(&locator, i);
                        condition_value(item, &item_path).map(|value| Located {
                            value,
                            locator: item_path,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                single => vec![Located {
                    value: condition_value(single, &locator)?,
                    locator: locator.clone(),
                }],
            };
            conditions.push(Condition {
                locator,
                operator_text: operator_text.clone(),
                operator,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(conditions)
}
