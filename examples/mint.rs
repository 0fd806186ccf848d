//! Mint signed tokens and publish JWKS for the sample incident, scenarios and test
//! fixtures: `cargo run --example mint -- --key KEY.pem --alg RS256 --kid KID CLAIMS.json`
//! prints a compact JWT; add `--jwks` to print the key's public JWKS instead.
//! The keys under tests/fixtures/keys are public test keys: never trust them.

use std::process::ExitCode;

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

fn main() -> ExitCode {
    match run() {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mint: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let key_path = value("--key").ok_or("--key KEY.pem is required")?;
    let alg: Algorithm = value("--alg")
        .unwrap_or_else(|| "RS256".to_owned())
        .parse()
        .map_err(|e| format!("--alg: {e}"))?;
    let kid = value("--kid").ok_or("--kid is required")?;
    let pem = std::fs::read(&key_path).map_err(|e| format!("{key_path}: {e}"))?;
    let key = match alg {
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .map_err(|e| format!("{key_path}: {e}"))?;

    if args.iter().any(|a| a == "--jwks") {
        let mut jwk = Jwk::from_encoding_key(&key, alg).map_err(|e| e.to_string())?;
        jwk.common.key_id = Some(kid);
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(
            format!("{alg:?}")
                .parse::<KeyAlgorithm>()
                .map_err(|e| e.to_string())?,
        );
        let set = JwkSet { keys: vec![jwk] };
        return serde_json::to_string_pretty(&set).map_err(|e| e.to_string());
    }

    let claims_path = args
        .last()
        .filter(|a| !a.starts_with("--"))
        .ok_or("CLAIMS.json is required")?;
    let claims: serde_json::Value = serde_json::from_slice(
        &std::fs::read(claims_path).map_err(|e| format!("{claims_path}: {e}"))?,
    )
    .map_err(|e| format!("{claims_path}: {e}"))?;
    let mut header = Header::new(alg);
    header.kid = Some(kid);
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())
}
