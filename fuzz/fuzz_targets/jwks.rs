//! Arbitrary bytes as a JWKS: parsing must never panic, and a parsed set must be usable
//! to check the sample token's signature (key selection by `kid`, algorithm and curve
//! checks, jsonwebtoken's key construction) without panicking.

#![no_main]

mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oidc_triage::clock::Clock;
use oidc_triage::token::verify::check_signature;
use oidc_triage::token::{Jwks, Provenance, Token, inspect_token};

static SAMPLE_TOKEN: LazyLock<Token> = LazyLock::new(|| {
    Token::from_input(include_bytes!("../../assets/sample/id-token.json"))
        .expect("the sample token decodes")
});

const FROM: Provenance<'static> = Provenance {
    artifact: "id-token.json",
    jwks_name: Some("fuzz"),
};

fuzz_target!(|data: &[u8]| {
    let Ok(jwks) = Jwks::parse(data) else {
        return;
    };
    let _ = jwks.kids();
    let check = check_signature(&SAMPLE_TOKEN, Some(&jwks));
    common::assert_terminal_safe("signature reason", &check.reason);
    let _ = inspect_token(
        &SAMPLE_TOKEN,
        Some(&jwks),
        Clock::fixed(common::NOW),
        common::SKEW,
        &FROM,
    );
});
