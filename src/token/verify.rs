//! Signature verification against a JWKS (the document at the issuer's `jwks_uri`),
//! offline. The key is picked by `kid`; the result names the key that verified, or says
//! exactly why none did. With no JWKS we say plainly that nothing was checked.
//!
//! Two cases never count as verified, whatever the math says: an HMAC (`HS*`) token,
//! because a JWKS is public and a symmetric key in it is no proof of the issuer (a CI
//! issuer never signs with HMAC); and a header with `crit`, because RFC 7515 §4.1.11
//! requires rejecting extensions one does not understand. Both are "not verified" with
//! the reason, and a warning finding (`token.hmac-signed`, `token.crit-header`).

use std::str::FromStr;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Serialize;
use serde_json::Value;

use super::jwt::Token;
use crate::text::escape_control;

/// A JWKS that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// Not JSON.
    #[error("the JWKS is not JSON: {message} at line {line}, column {column}")]
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    /// JSON, but neither `{"keys":[…]}` nor a single JWK.
    #[error("not a JWKS: expected {{\"keys\": [...]}} or a single JWK with `kty`{hint}")]
    NotJwks { hint: &'static str },
    /// A `keys` array with no usable key.
    #[error("the JWKS has no usable key ({detail})")]
    NoUsableKey { detail: String },
}

/// One usable key of a JWKS.
#[derive(Clone, Debug)]
struct JwksKey {
    /// Position in the `keys` array.
    index: usize,
    jwk: Jwk,
    kid: Option<String>,
}

/// A parsed JWKS. Keys jsonwebtoken cannot use are skipped and listed, not fatal: an
/// issuer may publish key types we do not need.
#[derive(Clone, Debug)]
pub struct Jwks {
    keys: Vec<JwksKey>,
    /// `keys[i]: reason` for each skipped entry.
    pub skipped: Vec<String>,
}

impl Jwks {
    /// Parse a JWKS document or a single JWK.
    pub fn parse(bytes: &[u8]) -> Result<Jwks, JwksError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| JwksError::Json {
            message: e
                .to_string()
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_owned(),
            line: e.line(),
            column: e.column(),
        })?;
        let entries: Vec<Value> = match &value {
            Value::Object(map) => match map.get("keys") {
                Some(Value::Array(keys)) => keys.clone(),
                Some(_) => {
                    return Err(JwksError::NotJwks {
                        hint: ": `keys` is not an array",
                    });
                }
                None if map.contains_key("kty") => vec![value.clone()],
                None if map.contains_key("jwks_uri") => {
                    return Err(JwksError::NotJwks {
                        hint: "; this is the issuer's openid-configuration: download the document at its `jwks_uri`",
                    });
                }
                None => return Err(JwksError::NotJwks { hint: "" }),
            },
            _ => return Err(JwksError::NotJwks { hint: "" }),
        };
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            match serde_json::from_value::<Jwk>(entry) {
                Ok(jwk) if !matches!(jwk.algorithm, AlgorithmParameters::Other(_)) => {
                    let kid = jwk.common.key_id.clone();
                    keys.push(JwksKey { index, jwk, kid });
                }
                Ok(_) => skipped.push(format!("keys[{index}]: key type not supported")),
                Err(e) => {
                    skipped.push(format!("keys[{index}]: {}", escape_control(&e.to_string())))
                }
            }
        }
        if keys.is_empty() {
            let detail = if skipped.is_empty() {
                "`keys` is empty".to_owned()
            } else {
                skipped.join("; ")
            };
            return Err(JwksError::NoUsableKey { detail });
        }
        Ok(Jwks { keys, skipped })
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set has no usable key (never, after a successful parse).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `kid`s in the set, for "it has: …" messages.
    pub fn kids(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| {
                k.kid
                    .clone()
                    .unwrap_or_else(|| format!("keys[{}] (no kid)", k.index))
            })
            .collect()
    }
}

/// Why a signature check did not pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureFailure {
    /// `alg: none` or no signature: nothing to verify.
    Unsigned,
    /// The token's `alg` is not one jsonwebtoken supports.
    UnsupportedAlgorithm,
    /// No key in the JWKS has the token's `kid`.
    KeyNotFound,
    /// The key with this `kid` does not allow the token's algorithm.
    AlgorithmNotAllowed,
    /// The key was found and fits, but the signature does not verify.
    BadSignature,
}

/// The outcome of a signature check, as `decode --format json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// `true` verified, `false` failed, `null` not checked (no JWKS).
    pub verified: Option<bool>,
    /// The token's `kid`.
    pub kid: Option<String>,
    /// Which key verified (or was tried): `keys[1] (kid "abc", RSA)`.
    pub key: Option<String>,
    /// One sentence for people.
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<SignatureFailure>,
}

fn key_label(key: &JwksKey) -> String {
    let kty = match &key.jwk.algorithm {
        AlgorithmParameters::RSA(_) => "RSA",
        AlgorithmParameters::EllipticCurve(_) => "EC",
        AlgorithmParameters::OctetKey(_) => "oct",
        AlgorithmParameters::OctetKeyPair(_) => "OKP",
        _ => "other",
    };
    match &key.kid {
        Some(kid) => format!(
            "keys[{}] (kid \"{}\", {kty})",
            key.index,
            escape_control(kid)
        ),
        None => format!("keys[{}] (no kid, {kty})", key.index),
    }
}

/// Whether `key` may verify `alg`: its declared `alg`, its `use`, its type and curve.
fn key_allows(key: &JwksKey, alg: Algorithm, alg_name: &str) -> Result<(), String> {
    if let Some(declared) = key.jwk.common.key_algorithm {
        let declared = format!("{declared:?}");
        if declared != alg_name {
            return Err(format!(
                "the key allows {declared} only, the token is signed with {alg_name}"
            ));
        }
    }
    if matches!(
        key.jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption)
    ) {
        return Err("the key is for encryption (`use: enc`), not signatures".to_owned());
    }
    let fits = match (&key.jwk.algorithm, alg) {
        (AlgorithmParameters::RSA(_), a) => a.family() == jsonwebtoken::AlgorithmFamily::Rsa,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => p.curve == EllipticCurve::P256,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES384) => p.curve == EllipticCurve::P384,
        (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA) => true,
        (AlgorithmParameters::OctetKey(_), a) => a.family() == jsonwebtoken::AlgorithmFamily::Hmac,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!("{} cannot verify {alg_name}", key_label(key)))
    }
}

fn failed(
    token: &Token,
    failure: SignatureFailure,
    key: Option<String>,
    reason: String,
) -> SignatureCheck {
    SignatureCheck {
        verified: Some(false),
        kid: token.kid().map(str::to_owned),
        key,
        reason,
        failure: Some(failure),
    }
}

/// A check that did not, and must not, count as verified.
fn not_verified(kid: Option<String>, reason: String) -> SignatureCheck {
    SignatureCheck {
        verified: None,
        kid,
        key: None,
        reason,
        failure: None,
    }
}

/// Check the token's signature against `jwks`; `None` reports "not checked".
pub fn check_signature(token: &Token, jwks: Option<&Jwks>) -> SignatureCheck {
    let kid = token.kid().map(str::to_owned);
    let Some(jwks) = jwks else {
        return SignatureCheck {
            verified: None,
            kid,
            key: None,
            reason: "NOT checked: no JWKS given (pass the issuer's JWKS with --jwks FILE)"
                .to_owned(),
            failure: None,
        };
    };
    let alg_name = token.alg().unwrap_or("none");
    let (message, signature) = token.signing_parts();
    if alg_name.eq_ignore_ascii_case("none") || signature.is_empty() {
        return failed(
            token,
            SignatureFailure::Unsigned,
            None,
            format!(
                "the token is unsigned (alg `{}`): there is no signature to verify",
                escape_control(alg_name)
            ),
        );
    }
    if let Some(crit) = token.header.get("crit") {
        return not_verified(
            kid,
            format!(
                "NOT verified: the header lists critical extensions (crit {}) that this tool does not process; RFC 7515 requires rejecting such a token",
                escape_control(&crit.to_string())
            ),
        );
    }
    if alg_name.len() >= 2 && alg_name[..2].eq_ignore_ascii_case("HS") {
        return not_verified(
            kid,
            format!(
                "NOT verified: {} is HMAC with a shared secret; a JWKS is public, so a symmetric key in it proves nothing, and a CI issuer never signs with HMAC",
                escape_control(alg_name)
            ),
        );
    }
    let Ok(alg) = Algorithm::from_str(alg_name) else {
        return failed(
            token,
            SignatureFailure::UnsupportedAlgorithm,
            None,
            format!(
                "algorithm `{}` is not a JWS algorithm this tool verifies",
                escape_control(alg_name)
            ),
        );
    };

    let candidates: Vec<&JwksKey> = match &kid {
        Some(kid) => jwks
            .keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid.as_str()))
            .collect(),
        None => jwks.keys.iter().collect(),
    };
    if candidates.is_empty() {
        let kid = kid.as_deref().unwrap_or_default();
        return failed(
            token,
            SignatureFailure::KeyNotFound,
            None,
            format!(
                "no key with kid \"{}\" in the JWKS (it has: {}); the issuer may have rotated keys: fetch its current JWKS",
                escape_control(kid),
                jwks.kids()
                    .iter()
                    .map(|k| escape_control(k).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }

    let mut last_refusal = None;
    let mut tried_any = None;
    for key in candidates {
        if let Err(why) = key_allows(key, alg, alg_name) {
            last_refusal = Some((key_label(key), why));
            continue;
        }
        let label = key_label(key);
        let verified = DecodingKey::from_jwk(&key.jwk).and_then(|decoding| {
            jsonwebtoken::crypto::verify(signature, message.as_bytes(), &decoding, alg)
        });
        match verified {
            Ok(true) => {
                return SignatureCheck {
                    verified: Some(true),
                    kid,
                    key: Some(label.clone()),
                    reason: format!("verified with {label}, {alg_name}"),
                    failure: None,
                };
            }
            Ok(false) => tried_any = Some((label, "the signature does not match".to_owned())),
            Err(e) => tried_any = Some((label, format!("verification failed: {e}"))),
        }
    }
    match (tried_any, last_refusal) {
        (Some((label, why)), _) => failed(
            token,
            SignatureFailure::BadSignature,
            Some(label.clone()),
            format!(
                "bad signature: {why} ({label}, {alg_name}); the token was altered, or it was signed by another issuer's key"
            ),
        ),
        (None, Some((label, why))) => failed(
            token,
            SignatureFailure::AlgorithmNotAllowed,
            Some(label),
            format!("algorithm not allowed: {why}"),
        ),
        (None, None) => failed(
            token,
            SignatureFailure::KeyNotFound,
            None,
            "no key in the JWKS fits the token".to_owned(),
        ),
    }
}

#[cfg(test)]
mod hardening_tests {
    use super::*;
    use base64::Engine as _;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn an_hmac_token_verified_with_a_jwks_symmetric_key_is_not_verified() {
        let header = jsonwebtoken::Header {
            kid: Some("h".to_owned()),
            ..jsonwebtoken::Header::new(Algorithm::HS256)
        };
        let claims = serde_json::json!({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:a/b:ref:refs/heads/main"});
        let compact = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"secret"),
        )
        .unwrap();
        let token = Token::from_input(compact.as_bytes()).unwrap();
        let jwks = Jwks::parse(br#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}"#).unwrap();
        let check = check_signature(&token, Some(&jwks));
        assert_eq!(check.verified, None, "{check:?}");
        assert!(check.reason.contains("HMAC"), "{}", check.reason);
    }

    #[test]
    fn a_crit_header_is_not_verified() {
        let compact = format!(
            "{}.{}.c2lnbmF0dXJl",
            b64(
                r#"{"alg":"RS256","kid":"k","crit":["http://example.com/x"],"http://example.com/x":1}"#
            ),
            b64(r#"{"sub":"x"}"#)
        );
        let token = Token::from_input(compact.as_bytes()).unwrap();
        let jwks = Jwks::parse(br#"{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}"#).unwrap();
        let check = check_signature(&token, Some(&jwks));
        assert_eq!(check.verified, None);
        assert!(check.reason.contains("crit"), "{}", check.reason);
    }
}
