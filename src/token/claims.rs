//! The claim set of a token (its payload), with typed accessors for the registered
//! claims. Platform-specific meaning lives in `platform/`; this file only knows JSON.

use serde::Serialize;
use serde_json::{Map, Value};

/// A token's payload: a JSON object, in the order the issuer wrote it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Claims(pub Map<String, Value>);

/// A registered time claim that is present but not a JSON number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("claim `{claim}` must be a number of seconds since 1970, found {found}")]
pub struct TimeClaimError {
    /// `iat`, `nbf` or `exp`.
    pub claim: &'static str,
    /// What the claim held instead (JSON type name).
    pub found: &'static str,
}

impl Claims {
    /// The claim's value, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A string claim; `None` when absent or not a string.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// `iss`.
    pub fn issuer(&self) -> Option<&str> {
        self.str("iss")
    }

    /// `sub`.
    pub fn subject(&self) -> Option<&str> {
        self.str("sub")
    }

    /// `aud` as a list: RFC 7519 §4.1.3 allows one string or an array of strings.
    pub fn audiences(&self) -> Vec<&str> {
        match self.0.get("aud") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A NumericDate claim (`iat`, `nbf`, `exp`) in whole seconds. Fractions are
    /// allowed by RFC 7519 and truncated; absent is `Ok(None)`.
    pub fn time(&self, claim: &'static str) -> Result<Option<i64>, TimeClaimError> {
        match self.0.get(claim) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) => Ok(Some(v)),
                None => n
                    .as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 1e15)
                    .map(|f| Some(f.trunc() as i64))
                    .ok_or(TimeClaimError {
                        claim,
                        found: "a number out of range",
                    }),
            },
            Some(other) => Err(TimeClaimError {
                claim,
                found: json_type_name(other),
            }),
        }
    }

    /// Recognise a bare claim set: a JSON object with an issuer and a subject or
    /// audience (a payload pasted from a doc, a debugger or a log).
    pub fn sniff(bytes: &[u8]) -> Option<Claims> {
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        match serde_json::from_slice::<Value>(bytes).ok()? {
            Value::Object(map)
                if map.contains_key("iss")
                    && (map.contains_key("sub") || map.contains_key("aud")) =>
            {
                Some(Claims(map))
            }
            _ => None,
        }
    }

    /// Claim names in the issuer's order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// The JSON type of a value, for error messages.
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A claim value as one line of text for people: strings bare, everything else as JSON.
/// The caller escapes control characters before display.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(m) => Claims(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn audience_is_a_string_or_an_array() {
        assert_eq!(claims(json!({"aud": "a"})).audiences(), vec!["a"]);
        assert_eq!(
            claims(json!({"aud": ["a", "b", 3]})).audiences(),
            vec!["a", "b"]
        );
        assert!(claims(json!({})).audiences().is_empty());
    }

    #[test]
    fn time_claims_accept_integers_and_fractions_and_reject_strings() {
        let c = claims(json!({"exp": 1700000000, "iat": 1700000000.9, "nbf": "soon"}));
        assert_eq!(c.time("exp"), Ok(Some(1_700_000_000)));
        assert_eq!(c.time("iat"), Ok(Some(1_700_000_000)));
        assert_eq!(
            c.time("nbf"),
            Err(TimeClaimError {
                claim: "nbf",
                found: "a string"
            })
        );
        assert_eq!(c.time("missing"), Ok(None));
    }
}
