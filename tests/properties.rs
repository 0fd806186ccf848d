//! Property tests (proptest) for the parsers that read untrusted input and the text
//! filters that stand between that input and a terminal or a ticket.
//!
//! Index: what each property protects.
//! - `from_input_never_panics_on_bytes`, `from_input_never_panics_on_token_shapes`:
//!   whatever is pasted, locating and decoding a token returns a result, never a panic
//!   (a panic in the TUI loses the user's session; in CI it hides the diagnosis).
//! - `sample_token_survives_*`: a real token decodes to the same header, claims and
//!   redacted form however it was pasted (Bearer, quoted, JSON field, nested JSON, log
//!   line, wrapped over lines), so the diagnosis does not depend on the paste.
//! - `escape_control_leaves_no_control_char`, `escape_control_multiline_keeps_only_newlines`:
//!   attacker-controlled claim values and log lines cannot drive the terminal
//!   (OSC 52 clipboard writes, screen clears, C1 CSI).
//! - `redact_secrets_removes_the_signature`: a token's signature never leaves the tool in
//!   a report or a clipboard copy, whatever text surrounds it.
//! - `jwks_parse_never_panics_on_bytes`, `jwks_shaped_documents_never_panic`: a JWKS the
//!   user downloaded (or the wrong file) is reported, never a crash, and checking the
//!   sample token against any parsed set does not panic either.
//! - `regression_*`: the smallest inputs proptest found for past failures, named after
//!   what broke (they run even when the random search does not meet them again).

// Helpers outside `#[test]` functions are not covered by clippy.toml's test allowance.
#![allow(clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oidc_triage::text::{escape_control, escape_control_multiline, redact_secrets};
use oidc_triage::token::verify::check_signature;
use oidc_triage::token::{Jwks, PasteForm, Token};
use proptest::prelude::*;
use serde_json::{Value, json};

const ID_TOKEN_JSON: &[u8] = include_bytes!("../assets/sample/id-token.json");

/// The sample token's compact form (`value` of the token endpoint's response).
fn sample_compact() -> String {
    let doc: Value = serde_json::from_slice(ID_TOKEN_JSON).expect("id-token.json is JSON");
    doc["value"]
        .as_str()
        .expect("id-token.json has a string `value`")
        .to_owned()
}

fn sample_signature() -> String {
    sample_compact()
        .rsplit('.')
        .next()
        .expect("three segments")
        .to_owned()
}

/// Decode `pasted` and check it is the sample token, unchanged; returns how it was found.
fn assert_is_sample(pasted: &str) -> PasteForm {
    let expected = Token::from_input(sample_compact().as_bytes()).expect("the bare sample decodes");
    let token = match Token::from_input(pasted.as_bytes()) {
        Ok(token) => token,
        Err(e) => panic!("the sample token was not decoded from {pasted:?}: {e}"),
    };
    assert_eq!(
        token.header, expected.header,
        "header differs for {pasted:?}"
    );
    assert_eq!(
        token.claims, expected.claims,
        "claims differ for {pasted:?}"
    );
    assert_eq!(
        token.redacted(),
        expected.redacted(),
        "redacted form differs for {pasted:?}"
    );
    assert_eq!(
        token.signature_len(),
        expected.signature_len(),
        "signature differs for {pasted:?}"
    );
    token.form
}

/// Pieces that steer the locator into its branches: `eyJ` starts, dots, quotes, JSON
/// brackets, `Bearer`, whitespace and line breaks, and valid base64url of JSON.
fn token_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("eyJ".to_owned()),
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("=".to_owned()),
        Just("\"".to_owned()),
        Just("\u{201c}".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\\".to_owned()),
        Just("Bearer ".to_owned()),
        Just("Authorization: ".to_owned()),
        Just("{\"value\":\"".to_owned()),
        "[A-Za-z0-9_=-]{0,16}",
        "\\PC{0,6}",
        any::<String>().prop_map(|s| URL_SAFE_NO_PAD.encode(s)),
        "[ -~]{0,24}"
            .prop_map(|s| URL_SAFE_NO_PAD.encode(format!("{{\"alg\":\"none\",\"x\":\"{s}\"}}"))),
        "[ -~]{0,24}"
            .prop_map(|s| URL_SAFE_NO_PAD.encode(format!("{{\"iss\":\"{s}\",\"exp\":1e400}}"))),
    ]
}

/// A JWK with fields drawn from plausible and implausible values.
fn jwk() -> impl Strategy<Value = Value> {
    let b64 = prop_oneof![
        Just("AQAB".to_owned()),
        Just(String::new()),
        "[A-Za-z0-9_-]{0,700}",
        "\\PC{0,8}",
    ];
    (
        prop::sample::select(vec!["RSA", "EC", "oct", "OKP", "rsa", ""]),
        prop::sample::select(vec![
            "RS256", "ES256", "ES384", "EdDSA", "HS256", "PS512", "none", "RSA-OAEP",
        ]),
        prop::sample::select(vec!["sig", "enc", "other"]),
        prop::sample::select(vec![
            "P-256",
            "P-384",
            "P-521",
            "Ed25519",
            "X25519",
            "secp256k1",
        ]),
        prop::sample::select(vec!["sample-rs256-2026", "other", ""]),
        b64.clone(),
        b64.clone(),
        b64,
        0u8..=255,
    )
        .prop_map(|(kty, alg, use_, crv, kid, a, b, c, mask)| {
            let mut key = serde_json::Map::new();
            let fields = [
                ("kty", json!(kty)),
                ("alg", json!(alg)),
                ("use", json!(use_)),
                ("crv", json!(crv)),
                ("kid", json!(kid)),
                ("n", json!(a.clone())),
                ("e", json!(b.clone())),
                ("x", json!(a)),
                ("y", json!(b)),
                ("k", json!(c)),
            ];
            // The mask drops fields (bit i % 8 clear drops field i); `kty` is always
            // kept so that most keys reach jsonwebtoken's key construction.
            for (i, (name, value)) in fields.into_iter().enumerate() {
                if i == 0 || mask & (1 << (i % 8)) != 0 {
                    key.insert(name.to_owned(), value);
                }
            }
            Value::Object(key)
        })
}

proptest! {
    #[test]
    fn from_input_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..8 * 1024)) {
        let _ = Token::from_input(&bytes);
    }

    #[test]
    fn from_input_never_panics_on_token_shapes(parts in prop::collection::vec(token_fragment(), 0..24)) {
        let pasted = parts.concat();
        if let Ok(token) = Token::from_input(pasted.as_bytes()) {
            let _ = (token.redacted(), token.alg(), token.kid(), token.claims.audiences());
        }
    }

    #[test]
    fn sample_token_survives_line_breaks(
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..8),
        crlf in any::<bool>(),
    ) {
        let compact = sample_compact();
        let mut positions: Vec<usize> = cuts.iter().map(|i| i.index(compact.len() + 1)).collect();
        positions.sort_unstable();
        positions.dedup();
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut pasted = String::new();
        let mut from = 0;
        for at in positions {
            pasted.push_str(&compact[from..at]);
            pasted.push_str(newline);
            from = at;
        }
        pasted.push_str(&compact[from..]);
        let form = assert_is_sample(&pasted);
        prop_assert!(matches!(form, PasteForm::Bare | PasteForm::Wrapped { .. }), "{form:?}");
    }

    #[test]
    fn escape_control_leaves_no_control_char(s in any::<String>()) {
        let escaped = escape_control(&s);
        prop_assert!(!escaped.chars().any(char::is_control), "{escaped:?}");
    }

    #[test]
    fn escape_control_multiline_keeps_only_newlines(s in any::<String>()) {
        let escaped = escape_control_multiline(&s);
        prop_assert!(!escaped.chars().any(|c| c.is_control() && c != '\n'), "{escaped:?}");
        prop_assert_eq!(escaped.matches('\n').count(), s.matches('\n').count());
    }

    #[test]
    fn jwks_parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4 * 1024)) {
        let _ = Jwks::parse(&bytes);
    }

    #[test]
    fn jwks_shaped_documents_never_panic(keys in prop::collection::vec(jwk(), 0..4), single in any::<bool>()) {
        let doc = match (single, keys.first()) {
            (true, Some(key)) => key.clone(),
            _ => json!({ "keys": keys }),
        };
        let bytes = serde_json::to_vec(&doc).expect("a JSON value serialises");
        if let Ok(jwks) = Jwks::parse(&bytes) {
            let token = Token::from_input(ID_TOKEN_JSON).expect("the sample token decodes");
            let check = check_signature(&token, Some(&jwks));
            prop_assert_ne!(check.verified, None);
            let _ = jwks.kids();
        }
    }
}

proptest! {
    // More cases than the default: a leak needs the surrounding text to end in a
    // token-like run (`eyJ` … `.`), which a few hundred draws can miss.
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn redact_secrets_removes_the_signature(
        before in prop::collection::vec(surrounding_text(), 0..6),
        after in prop::collection::vec(surrounding_text(), 0..6),
    ) {
        let text = format!("{}{}{}", before.concat(), sample_compact(), after.concat());
        let redacted = redact_secrets(&text);
        prop_assert!(!redacted.contains(&sample_signature()), "signature left in {redacted:?}");
    }
}

/// Printable ASCII around a token, with the characters a token or a credential is made
/// of over-represented so that the redaction patterns meet their edges.
fn surrounding_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~\t\n]{0,16}",
        Just("eyJ".to_owned()),
        Just(".".to_owned()),
        Just("-".to_owned()),
        Just("=".to_owned()),
        Just(" ".to_owned()),
        Just("Bearer ".to_owned()),
        Just("token=".to_owned()),
        Just("\"".to_owned()),
        "[A-Za-z0-9_-]{1,8}",
    ]
}

#[test]
fn sample_token_survives_bearer() {
    let compact = sample_compact();
    assert_eq!(
        assert_is_sample(&format!("Bearer {compact}")),
        PasteForm::Bearer
    );
    assert_eq!(
        assert_is_sample(&format!("Authorization: Bearer {compact}\n")),
        PasteForm::Bearer
    );
}

#[test]
fn sample_token_survives_quotes_and_whitespace() {
    let compact = sample_compact();
    assert_eq!(
        assert_is_sample(&format!("  \"{compact}\" \n")),
        PasteForm::Bare
    );
    assert_eq!(
        assert_is_sample(&format!("\t\n\"{compact}\"\r\n\r\n")),
        PasteForm::Bare
    );
}

#[test]
fn sample_token_survives_json_field() {
    let compact = sample_compact();
    assert_eq!(
        assert_is_sample(&format!("{{\"value\":\"{compact}\"}}")),
        PasteForm::JsonField {
            path: "$.value".to_owned()
        }
    );
}

#[test]
fn sample_token_survives_nested_json() {
    let compact = sample_compact();
    assert_eq!(
        assert_is_sample(&format!("{{\"a\":{{\"b\":[\"x\",\"{compact}\"]}}}}")),
        PasteForm::JsonField {
            path: "$.a.b[1]".to_owned()
        }
    );
}

#[test]
fn sample_token_survives_log_line() {
    let compact = sample_compact();
    assert_eq!(
        assert_is_sample(&format!(
            "2026-03-02T10:14:21.1234567Z token={compact} rest"
        )),
        PasteForm::InText { line: 1 }
    );
}

#[test]
fn regression_bearer_prefix_check_slices_inside_a_char() {
    // `strip_bearer` compared `rest[..14]` / `rest[..7]` by byte index: a multi-byte
    // character across byte 14 (or 7) panicked, for any paste, JSON string or log.
    for pasted in [
        "aaaaaaaaaaaaa\u{e9}",
        "aaaaaa\u{e9}",
        "{\"v\":\"aaaaaa\u{e9}\"}",
        "eyJeyJeyJeyJ\u{10760}",
    ] {
        let _ = Token::from_input(pasted.as_bytes());
    }
}

#[test]
fn regression_redaction_with_eyj_dot_before_the_token() {
    // The JWT pattern matched from the earlier `eyJ`, took the real header and payload
    // as "header.payload" and kept the signature as the payload.
    let redacted = redact_secrets(&format!("eyJ.{}", sample_compact())).into_owned();
    assert!(
        !redacted.contains(&sample_signature()),
        "signature left in {redacted:?}"
    );
}
