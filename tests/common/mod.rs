//! Shared test support: real keys generated per run, tokens signed with them, and the
//! JWKS that publishes them — the way an issuer does.
#![allow(dead_code)]
// Test support: a failure here is a broken test setup, so it may panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand_core::OsRng;
use serde_json::Value;

/// A signing key and its public JWK.
pub struct TestKey {
    pub alg: Algorithm,
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Jwk,
}

fn jwk_for(encoding: &EncodingKey, alg: Algorithm, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(encoding, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(format!("{alg:?}").parse::<KeyAlgorithm>().unwrap());
    jwk
}

/// A fresh RSA-2048 key for RS256.
pub fn rsa_key(kid: &str) -> TestKey {
    use rsa::pkcs8::EncodePrivateKey;
    let private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
    let pem = private.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let jwk = jwk_for(&encoding, Algorithm::RS256, kid);
    TestKey {
        alg: Algorithm::RS256,
        kid: kid.to_owned(),
        encoding,
        jwk,
    }
}

/// A fresh P-256 key for ES256.
pub fn ec_key(kid: &str) -> TestKey {
    use p256::pkcs8::EncodePrivateKey;
    let secret = p256::SecretKey::random(&mut OsRng);
    let pem = secret.to_pkcs8_pem(p256::pkcs8::LineEnding::LF).unwrap();
    let encoding = EncodingKey::from_ec_pem(pem.as_bytes()).unwrap();
    let jwk = jwk_for(&encoding, Algorithm::ES256, kid);
    TestKey {
        alg: Algorithm::ES256,
        kid: kid.to_owned(),
        encoding,
        jwk,
    }
}

/// Sign claims with a key, `kid` in the header.
pub fn sign(key: &TestKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

/// A JWKS document publishing these keys.
pub fn jwks(keys: &[&TestKey]) -> String {
    serde_json::to_string_pretty(&JwkSet {
        keys: keys.iter().map(|k| k.jwk.clone()).collect(),
    })
    .unwrap()
}

/// An unsigned token (`alg: none`), built by hand as no library will.
pub fn unsigned(claims: &Value) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    )
}

/// GitHub Actions claims (shape from the GitHub OIDC docs) issued at `iat`, valid 5 minutes.
pub fn github_claims(sub: &str, aud: &str, iat: i64) -> Value {
    serde_json::json!({
        "jti": "5e1d0c8a-0b3e-4e0a-9d3c-6a9c2f1b7e44",
        "sub": sub,
        "aud": aud,
        "ref": "refs/heads/main",
        "sha": "d6c1c0b0a2e9f3c5d7a1b4e8f2a6c9d0e3b5a7c1",
        "repository": "acme/api",
        "repository_owner": "acme",
        "repository_owner_id": "9120457",
        "repository_id": "718230411",
        "repository_visibility": "private",
        "run_id": "13593720481",
        "run_number": "12",
        "run_attempt": "1",
        "runner_environment": "github-hosted",
        "actor": "octocat",
        "actor_id": "583231",
        "workflow": "deploy",
        "event_name": "push",
        "ref_type": "branch",
        "job_workflow_ref": "acme/api/.github/workflows/deploy.yml@refs/heads/main",
        "iss": "https://token.actions.githubusercontent.com",
        "nbf": iat - 600,
        "exp": iat + 300,
        "iat": iat
    })
}

/// 2026-03-02T10:14:20Z, the clock most tests run at.
pub const IAT: i64 = 1_772_446_460;
