//! Reading the JSON shapes of federated identity credentials (see the parent module).

use super::*;

/// A key of an object, exact spelling first, then ignoring ASCII case (PowerShell's
/// `ConvertTo-Json` writes `Issuer`, `Subject`, `Audience`).
pub(super) fn field<'a>(
    object: &'a Map<String, Value>,
    names: &[&str],
) -> Option<(&'a str, &'a Value)> {
    for name in names {
        if let Some((key, value)) = object.get_key_value(*name) {
            return Some((key.as_str(), value));
        }
    }
    object
        .iter()
        .find(|(key, _)| names.iter().any(|n| key.eq_ignore_ascii_case(n)))
        .map(|(k, v)| (k.as_str(), v))
}

/// `base.key`, or `base["key"]` when the key is not a plain name.
pub(super) fn child(base: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{base}.{key}")
    } else {
        format!("{base}[{}]", Value::String(key.to_owned()))
    }
}

pub(super) fn present<'a>(
    object: &'a Map<String, Value>,
    names: &[&str],
) -> Option<(&'a str, &'a Value)> {
    field(object, names).filter(|(_, v)| !v.is_null())
}

pub(super) fn string_field(
    object: &Map<String, Value>,
    names: &[&str],
    base: &str,
) -> Result<Option<(String, String)>, PolicyError> {
    match present(object, names) {
        None => Ok(None),
        Some((key, Value::String(s))) => Ok(Some((s.clone(), child(base, key)))),
        Some((key, other)) => Err(PolicyError::field(
            WHAT,
            child(base, key),
            format!("expected a string, found {}", json_type_name(other)),
        )),
    }
}

pub(super) fn is_managed_identity_type(object: &Map<String, Value>) -> bool {
    field(object, &["type"])
        .and_then(|(_, v)| v.as_str())
        .is_some_and(|t| {
            t.to_ascii_lowercase()
                .starts_with("microsoft.managedidentity/")
        })
}

pub(super) fn parse_credential(
    value: &Value,
    locator: &str,
) -> Result<FederatedCredential, PolicyError> {
    let Value::Object(outer) = value else {
        return Err(PolicyError::field(
            WHAT,
            locator,
            format!(
                "expected a federated identity credential object, found {}",
                json_type_name(value)
            ),
        ));
    };
    // ARM resources keep the fields under `properties` and the name beside them.
    let (object, base) = match field(outer, &["properties"]) {
        Some((key, Value::Object(properties))) if field(outer, &["issuer"]).is_none() => {
            (properties, child(locator, key))
        }
        _ => (outer, locator.to_owned()),
    };
    let name = match string_field(outer, &["name"], locator)? {
        Some((name, _)) => Some(name),
        None if !std::ptr::eq(object, outer) => {
            string_field(object, &["name"], &base)?.map(|(n, _)| n)
        }
        None => None,
    };
    let description = present(object, &["description"])
        .and_then(|(_, v)| v.as_str())
        .map(str::to_owned);
    let Some((issuer, issuer_path)) = string_field(object, &["issuer"], &base)? else {
        return Err(PolicyError::field(
            WHAT,
            child(&base, "issuer"),
            "required: the URL of the identity provider whose tokens this credential trusts",
        ));
    };
    let subject = string_field(object, &["subject"], &base)?;
    let expression = present(object, &["claimsMatchingExpression"]);
    let (matcher, matcher_path) = match (subject, expression) {
        (Some(_), Some((key, _))) => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, key),
                "`subject` and `claimsMatchingExpression` are mutually exclusive: a credential has one, with the other null",
            ));
        }
        (Some((subject, path)), None) => (SubjectMatch::Subject(subject), path),
        (None, Some((key, value))) => parse_expression_field(value, &child(&base, key))?,
        (None, None) => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, "subject"),
                "a credential needs `subject` (matched exactly) or `claimsMatchingExpression` (a flexible credential)",
            ));
        }
    };
    let (audiences, audiences_path) = match present(object, &["audiences", "audience"]) {
        None => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, "audiences"),
                format!("required: the one audience the token must carry (`{DEFAULT_AUDIENCE}`)"),
            ));
        }
        Some((key, Value::String(one))) => (vec![one.clone()], child(&base, key)),
        Some((key, Value::Array(items))) => {
            let path = child(&base, key);
            let audiences = items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(PolicyError::field(
                        WHAT,
                        format!("{path}[{i}]"),
                        format!("expected a string, found {}", json_type_name(other)),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            (audiences, path)
        }
        Some((key, other)) => {
            return Err(PolicyError::field(
                WHAT,
                child(&base, key),
                format!(
                    "expected an array of strings, found {}",
                    json_type_name(other)
                ),
            ));
        }
    };
    Ok(FederatedCredential {
        name,
        issuer,
        matcher,
        audiences,
        description,
        managed_identity: is_managed_identity_type(outer),
        locator: locator.to_owned(),
        issuer_path,
        matcher_path,
        audiences_path,
    })
}

/// `claimsMatchingExpression: {"value": "...", "languageVersion": 1}`.
pub(super) fn parse_expression_field(
    value: &Value,
    path: &str,
) -> Result<(SubjectMatch, String), PolicyError> {
    let Value::Object(object) = value else {
        return Err(PolicyError::field(
            WHAT,
            path,
            format!(
                "expected an object {{\"value\": \"<expression>\", \"languageVersion\": 1}}, found {}",
                json_type_name(value)
            ),
        ));
    };
    // Graph marks languageVersion required; a hand-written body without it is read as
    // version 1, the only one there is.
    if let Some((key, version)) = present(object, &["languageVersion"])
        && version.as_u64() != Some(1)
    {
        return Err(PolicyError::field(
            WHAT,
            child(path, key),
            format!("languageVersion {version} is not known: 1 is the only documented version"),
        ));
    }
    let Some((source, value_path)) = string_field(object, &["value"], path)? else {
        return Err(PolicyError::field(
            WHAT,
            child(path, "value"),
            "required: the expression, such as claims['sub'] matches 'repo:org/repo:*'",
        ));
    };
    let expression_error = |e: ExpressionError| PolicyError::Expression {
        what: WHAT,
        field: value_path.clone(),
        offset: e.offset,
        message: e.message,
    };
    let comparisons = comparison_count(&source).map_err(expression_error)?;
    if comparisons > budget::AZURE_COMPARISONS {
        return Ok((SubjectMatch::TooLarge { comparisons }, value_path));
    }
    let expression = ClaimsExpression::parse(&source).map_err(expression_error)?;
    Ok((SubjectMatch::Expression(expression), value_path))
}

pub(super) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Read federated identity credentials in any of the shapes the module doc lists.
pub fn parse(bytes: &[u8]) -> Result<AzureFederatedCredentials, PolicyError> {
    let value: Value =
        serde_json::from_slice(strip_bom(bytes)).map_err(|e| PolicyError::json(WHAT, &e))?;
    let (items, list_locator, shape): (Vec<&Value>, String, DocumentShape) = match &value {
        Value::Array(items) => (items.iter().collect(), "$".to_owned(), DocumentShape::List),
        Value::Object(object) => match field(object, &["value"]) {
            Some((key, list))
                if field(object, &["issuer"]).is_none()
                    && field(object, &["properties"]).is_none() =>
            {
                match list {
                    Value::Array(items) => (
                        items.iter().collect(),
                        child("$", key),
                        DocumentShape::ValueList,
                    ),
                    other => {
                        return Err(PolicyError::field(
                            WHAT,
                            child("$", key),
                            format!(
                                "expected the list of federated identity credentials, found {}",
                                json_type_name(other)
                            ),
                        ));
                    }
                }
            }
            _ => (vec![&value], "$".to_owned(), DocumentShape::Single),
        },
        other => {
            return Err(PolicyError::field(
                WHAT,
                "$",
                format!(
                    "expected a federated identity credential or a list of them, found {}",
                    json_type_name(other)
                ),
            ));
        }
    };
    let credentials = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let locator = if shape == DocumentShape::Single {
                "$".to_owned()
            } else {
                format!("{list_locator}[{i}]")
            };
            parse_credential(item, &locator)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AzureFederatedCredentials {
        credentials,
        shape,
        list_locator,
    })
}

/// An object that looks like a credential: an `issuer`, a `subject` or
/// `claimsMatchingExpression` key, and `audiences` — or an ARM resource of the
/// credential type. (Token claims say `iss`/`sub`/`aud`, an OIDC discovery document
/// has `issuer` alone, GCP says `issuerUri`, Vault `bound_issuer`.)
pub(super) fn credential_like(value: &Value) -> bool {
    let Value::Object(object) = value else {
        return false;
    };
    let flat = field(object, &["issuer"]).is_some_and(|(_, v)| v.is_string())
        && field(object, &["subject", "claimsMatchingExpression"]).is_some()
        && field(object, &["audiences", "audience"]).is_some();
    let typed = field(object, &["type"])
        .and_then(|(_, v)| v.as_str())
        .is_some_and(|t| {
            t.to_ascii_lowercase()
                .ends_with("/federatedidentitycredentials")
        });
    flat || typed || field(object, &["properties"]).is_some_and(|(_, p)| credential_like(p))
}

/// A cheap content check: is this the JSON of federated identity credentials?
pub fn sniff(bytes: &[u8]) -> bool {
    let bytes = strip_bom(bytes);
    if !matches!(bytes.trim_ascii_start().first(), Some(b'{' | b'[')) {
        return false;
    }
    let mentions = |needle: &[u8]| {
        bytes
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !mentions(b"\"issuer\"") && !mentions(b"federatedidentitycredentials") {
        return false;
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return false;
    };
    match &value {
        Value::Array(items) => !items.is_empty() && items.iter().all(credential_like),
        Value::Object(object) => {
            let graph_list = field(object, &["@odata.context"])
                .and_then(|(_, v)| v.as_str())
                .is_some_and(|c| c.contains("/federatedIdentityCredentials"));
            let value_list = match field(object, &["value"]) {
                Some((_, Value::Array(items))) => {
                    graph_list || (!items.is_empty() && items.iter().all(credential_like))
                }
                _ => false,
            };
            value_list || credential_like(&value)
        }
        _ => false,
    }
}
