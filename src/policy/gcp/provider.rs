//! Reading the provider JSON, compiling every CEL expression.

use super::*;

pub(super) fn string_field(
    object: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, PolicyError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(PolicyError::field(
            WHAT,
            path,
            format!(
                "expected a string, found {}",
                crate::token::claims::json_type_name(other)
            ),
        )),
    }
}

pub(super) fn expression_error(field: String, e: cel::CompileError) -> PolicyError {
    PolicyError::Expression {
        what: WHAT,
        field,
        offset: e.offset,
        message: e.message,
    }
}

/// The attribute mapping, each expression compiled.
pub(super) fn parse_mappings(
    root: &serde_json::Map<String, Value>,
) -> Result<Vec<Mapping>, PolicyError> {
    let mut mappings = Vec::new();
    match root.get("attributeMapping") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let field = format!("$.attributeMapping[{}]", Value::String(key.clone()));
                let Value::String(source) = value else {
                    return Err(PolicyError::field(
                        WHAT,
                        field,
                        format!(
                            "expected a CEL expression as a string, found {}",
                            crate::token::claims::json_type_name(value)
                        ),
                    ));
                };
                let target = match key.as_str() {
                    "google.subject" => Target::Subject,
                    "google.groups" => Target::Groups,
                    other => match other.strip_prefix("attribute.") {
                        // Keys are `attribute.` + at most 100 of [a-z0-9_] (REST reference).
                        Some(name)
                            if !name.is_empty()
                                && name.len() <= 100
                                && name.bytes().all(|b| {
                                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
                                }) =>
                        {
                            Target::Attribute(name.to_owned())
                        }
                        _ => {
                            return Err(PolicyError::field(
                                WHAT,
                                field,
                                format!(
                                    "`{key}` is not a mapping key: use `google.subject`, `google.groups` or `attribute.NAME` (NAME of [a-z0-9_], at most 100 characters)"
                                ),
                            ));
                        }
                    },
                };
                let expression = cel::compile(source, cel::MAPPING_VARIABLES)
                    .map_err(|e| expression_error(field, e))?;
                mappings.push(Mapping {
                    key: key.clone(),
                    target,
                    expression,
                });
            }
        }
        Some(other) => {
            return Err(PolicyError::field(
                WHAT,
                "$.attributeMapping",
                format!(
                    "expected an object, found {}",
                    crate::token::claims::json_type_name(other)
                ),
            ));
        }
    }
    Ok(mappings)
}

impl GcpProvider {
    /// Parse the provider JSON, compiling every CEL expression: one that does not
    /// compile is a [`PolicyError::Expression`] naming its field.
    pub fn parse(bytes: &[u8]) -> Result<GcpProvider, PolicyError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| PolicyError::json(WHAT, &e))?;
        let Value::Object(root) = value else {
            return Err(PolicyError::field(
                WHAT,
                "$",
                "expected a JSON object (the output of `gcloud iam workload-identity-pools providers describe --format=json`)",
            ));
        };
        let name = match string_field(&root, "name", "$.name")? {
            Some(n) => Some(ProviderName::parse(&n).filter(|p| !p.provider.is_empty()).ok_or_else(|| {
                PolicyError::field(WHAT, "$.name", format!("`{n}` is not a provider name (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)"))
            })?),
            None => None,
        };
        let disabled = match root.get("disabled") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    "$.disabled",
                    format!(
                        "expected a boolean, found {}",
                        crate::token::claims::json_type_name(other)
                    ),
                ));
            }
        };
        let oidc = match root.get("oidc") {
            Some(Value::Object(o)) => o,
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    "$.oidc",
                    format!(
                        "expected an object, found {}",
                        crate::token::claims::json_type_name(other)
                    ),
                ));
            }
            None => {
                let kind = ["aws", "saml", "x509"]
                    .into_iter()
                    .find(|k| root.contains_key(*k));
                let message = match kind {
                    Some(k) => format!(
                        "missing: this is an `{k}` provider, which accepts no CI/CD OIDC tokens; use the pool's OIDC provider"
                    ),
                    None => {
                        "missing: an OIDC provider has an `oidc` object with `issuerUri`".to_owned()
                    }
                };
                return Err(PolicyError::field(WHAT, "$.oidc", message));
            }
        };
        let issuer_uri = string_field(oidc, "issuerUri", "$.oidc.issuerUri")?.ok_or_else(|| {
            PolicyError::field(
                WHAT,
                "$.oidc.issuerUri",
                "missing: the issuer the provider trusts",
            )
        })?;
        let (allowed_audiences, audiences_written) = match oidc.get("allowedAudiences") {
            None | Some(Value::Null) => (Vec::new(), false),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            return Err(PolicyError::field(
                                WHAT,
                                format!("$.oidc.allowedAudiences[{i}]"),
                                format!(
                                    "expected a string, found {}",
                                    crate::token::claims::json_type_name(other)
                                ),
                            ));
                        }
                    }
                }
                (out, true)
            }
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    "$.oidc.allowedAudiences",
                    format!(
                        "expected an array of strings, found {}",
                        crate::token::claims::json_type_name(other)
                    ),
                ));
            }
        };
        let jwks_json = string_field(oidc, "jwksJson", "$.oidc.jwksJson")?;
        let mappings = parse_mappings(&root)?;
        let condition = match string_field(&root, "attributeCondition", "$.attributeCondition")? {
            Some(source) if !source.trim().is_empty() => Some(
                cel::compile(&source, cel::CONDITION_VARIABLES)
                    .map_err(|e| expression_error("$.attributeCondition".to_owned(), e))?,
            ),
            _ => None,
        };
        Ok(GcpProvider {
            name,
            display_name: string_field(&root, "displayName", "$.displayName")?,
            state: string_field(&root, "state", "$.state")?,
            disabled,
            issuer_uri,
            allowed_audiences,
            audiences_written,
            jwks_json,
            mappings,
            condition,
        })
    }
}
