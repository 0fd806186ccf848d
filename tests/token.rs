//! Token decoding and verification against real keys.
//!
//! - signatures: RS256 and ES256 keys generated per run, published in a JWKS, verified;
//!   one byte tampered; a `kid` not in the JWKS; a key that forbids the algorithm;
//!   unsigned and HMAC tokens.
//! - times: expired and not-yet-valid at `--now` (errors) and against the wall clock
//!   (warnings), skew.
//! - paste forms: bare, Bearer, JSON field, log line, wrapped, quoted; JWE; size limit;
//!   where a broken copy goes wrong (segment and byte offset).
//! - documented claim sets of each platform decode to the right platform.

// Helpers outside #[test] functions unwrap too: a failure is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use oidc_triage::clock::{Clock, ClockSource};
use oidc_triage::token::platform::{Platform, SubjectContext};
use oidc_triage::token::verify::SignatureFailure;
use oidc_triage::token::{
    Claims, Jwks, PasteForm, Provenance, Token, TokenError, TokenReport, inspect_claims,
    inspect_token,
};
use oidc_triage::vocabulary::{Severity, catalog};
use serde_json::json;

const FROM: Provenance<'static> = Provenance {
    artifact: "token.jwt",
    jwks_name: Some("jwks.json"),
};

fn at(now: i64) -> Clock {
    Clock::fixed(now)
}

fn report(token: &str, jwks: Option<&Jwks>, now: i64) -> TokenReport {
    let token = Token::from_input(token.as_bytes()).unwrap();
    inspect_token(&token, jwks, at(now), 60, &FROM)
}

fn ids(report: &TokenReport) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.id).collect()
}

#[test]
fn rs256_token_verifies_with_the_published_key_and_names_it() {
    let key = rsa_key("rsa-1");
    let token = sign(
        &key,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    let jwks = Jwks::parse(jwks(&[&key]).as_bytes()).unwrap();
    let r = report(&token, Some(&jwks), IAT + 30);
    assert_eq!(r.signature.verified, Some(true), "{}", r.signature.reason);
    assert_eq!(r.signature.kid.as_deref(), Some("rsa-1"));
    assert!(r.signature.key.as_deref().unwrap().contains("rsa-1"));
    assert!(!r.has_error(), "{:?}", ids(&r));
    assert!(!ids(&r).contains(&catalog::TOKEN_SIGNATURE_UNCHECKED.id));
}

#[test]
fn es256_token_verifies_and_the_right_key_is_picked_by_kid() {
    let rsa = rsa_key("rsa-1");
    let ec = ec_key("ec-1");
    let token = sign(
        &ec,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    let jwks = Jwks::parse(jwks(&[&rsa, &ec]).as_bytes()).unwrap();
    let r = report(&token, Some(&jwks), IAT);
    assert_eq!(r.signature.verified, Some(true), "{}", r.signature.reason);
    assert!(r.signature.key.as_deref().unwrap().contains("ec-1"));
}

/// Change one base64url character of a segment to another valid one.
fn tamper(token: &str, segment: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let s = &mut parts[segment];
    let i = s.len() / 2;
    let c = s.as_bytes()[i];
    let replacement = if c == b'A' { 'B' } else { 'A' };
    s.replace_range(i..=i, &replacement.to_string());
    parts.join(".")
}

#[test]
fn one_tampered_byte_in_the_payload_or_signature_fails_verification() {
    let key = rsa_key("rsa-1");
    let token = sign(
        &key,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    let jwks = Jwks::parse(jwks(&[&key]).as_bytes()).unwrap();
    for segment in [1, 2] {
        let bad = tamper(&token, segment);
        let t = match Token::from_input(bad.as_bytes()) {
            Ok(t) => t,
            // A changed payload character can break the JSON; that is also a refusal.
            Err(e) => {
                assert_eq!(segment, 1, "{e}");
                continue;
            }
        };
        let r = inspect_token(&t, Some(&jwks), at(IAT), 60, &FROM);
        assert_eq!(r.signature.verified, Some(false), "segment {segment}");
        assert_eq!(r.signature.failure, Some(SignatureFailure::BadSignature));
        assert!(ids(&r).contains(&catalog::TOKEN_SIGNATURE_INVALID.id));
        assert!(r.has_error());
    }
}

#[test]
fn a_kid_missing_from_the_jwks_is_reported_with_the_kids_it_has() {
    let signer = rsa_key("rotated-away");
    let published = rsa_key("current");
    let token = sign(
        &signer,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    let jwks = Jwks::parse(jwks(&[&published]).as_bytes()).unwrap();
    let r = report(&token, Some(&jwks), IAT);
    assert_eq!(r.signature.failure, Some(SignatureFailure::KeyNotFound));
    assert!(
        r.signature.reason.contains("rotated-away") && r.signature.reason.contains("current"),
        "{}",
        r.signature.reason
    );
    assert!(ids(&r).contains(&catalog::TOKEN_KEY_NOT_FOUND.id));
}

#[test]
fn a_key_of_the_wrong_type_or_alg_does_not_verify() {
    let signer = rsa_key("k1");
    let token = sign(
        &signer,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    // Same kid, but an EC key.
    let ec = ec_key("k1");
    let ec_jwks = Jwks::parse(jwks(&[&ec]).as_bytes()).unwrap();
    let r = report(&token, Some(&ec_jwks), IAT);
    assert_eq!(
        r.signature.failure,
        Some(SignatureFailure::AlgorithmNotAllowed),
        "{}",
        r.signature.reason
    );
    assert!(ids(&r).contains(&catalog::TOKEN_ALGORITHM_NOT_ALLOWED.id));

    // Same RSA key, declared for RS512 only.
    let mut doc: serde_json::Value = serde_json::from_str(&jwks(&[&signer])).unwrap();
    doc["keys"][0]["alg"] = json!("RS512");
    let rs512_only = Jwks::parse(doc.to_string().as_bytes()).unwrap();
    let r = report(&token, Some(&rs512_only), IAT);
    assert_eq!(
        r.signature.failure,
        Some(SignatureFailure::AlgorithmNotAllowed)
    );
    assert!(
        r.signature.reason.contains("RS512"),
        "{}",
        r.signature.reason
    );
}

#[test]
fn another_issuers_key_with_the_same_kid_is_a_bad_signature() {
    let signer = rsa_key("k1");
    let impostor = rsa_key("k1");
    let token = sign(
        &signer,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    let jwks = Jwks::parse(jwks(&[&impostor]).as_bytes()).unwrap();
    let r = report(&token, Some(&jwks), IAT);
    assert_eq!(r.signature.failure, Some(SignatureFailure::BadSignature));
}

#[test]
fn without_a_jwks_the_report_says_plainly_the_signature_was_not_checked() {
    let key = ec_key("k");
    let token = sign(
        &key,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    let r = report(&token, None, IAT);
    assert_eq!(r.signature.verified, None);
    assert!(r.signature.reason.contains("NOT checked"));
    let f = r
        .findings
        .iter()
        .find(|f| f.id == catalog::TOKEN_SIGNATURE_UNCHECKED.id)
        .unwrap();
    assert_eq!(f.severity, Severity::Info);
    assert!(!r.has_error());
}

#[test]
fn unsigned_and_hmac_tokens_are_warnings_and_unsigned_fails_against_a_jwks() {
    let claims = github_claims(
        "repo:acme/api:ref:refs/heads/main",
        "sts.amazonaws.com",
        IAT,
    );
    let r = report(&unsigned(&claims), None, IAT);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == catalog::TOKEN_UNSIGNED.id)
        .unwrap();
    assert_eq!(f.severity, Severity::Warning);

    let key = rsa_key("k");
    let jwks = Jwks::parse(jwks(&[&key]).as_bytes()).unwrap();
    let r = report(&unsigned(&claims), Some(&jwks), IAT);
    assert_eq!(r.signature.failure, Some(SignatureFailure::Unsigned));
    assert!(r.has_error());

    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"shared"),
    )
    .unwrap();
    let r = report(&hmac, None, IAT);
    assert!(ids(&r).contains(&catalog::TOKEN_HMAC_SIGNED.id));
}

#[test]
fn expiry_is_an_error_at_a_fixed_clock_and_a_warning_on_the_wall_clock() {
    let key = rsa_key("k");
    let token = sign(
        &key,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    // exp = IAT + 300; 252 s past exp and beyond the 60 s skew.
    let r = report(&token, None, IAT + 300 + 252);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == catalog::TOKEN_EXPIRED.id)
        .unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(r.times.summary, "expired 4m12s ago");
    assert!(r.has_error());

    let t = Token::from_input(token.as_bytes()).unwrap();
    let wall = Clock {
        now: IAT + 3 * 3600,
        source: ClockSource::WallClock,
    };
    let r = inspect_token(&t, None, wall, 60, &FROM);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == catalog::TOKEN_EXPIRED.id)
        .unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.fix.contains("--now"));
    assert!(!r.has_error());
}

#[test]
fn skew_keeps_a_just_expired_token_valid_and_relative_times_read_well() {
    let key = rsa_key("k");
    let token = sign(
        &key,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    let r = report(&token, None, IAT + 300 + 30);
    assert!(!ids(&r).contains(&catalog::TOKEN_EXPIRED.id));
    assert_eq!(r.times.summary, "expired 30s ago, within the 60s skew");
    let r = report(&token, None, IAT + 120);
    assert_eq!(r.times.summary, "valid for 3m");
    assert_eq!(r.times.exp.as_ref().unwrap().utc, "2026-03-02T10:19:20Z");
    assert_eq!(r.times.exp.as_ref().unwrap().relative, "in 3m");
    assert_eq!(r.times.lifetime_seconds, Some(300));
}

#[test]
fn a_token_from_the_future_is_not_yet_valid() {
    let key = rsa_key("k");
    let token = sign(
        &key,
        &github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            IAT,
        ),
    );
    // nbf = IAT - 600.
    let r = report(&token, None, IAT - 600 - 120);
    assert!(
        ids(&r).contains(&catalog::TOKEN_NOT_YET_VALID.id),
        "{:?}",
        ids(&r)
    );
    assert!(r.has_error());
}

fn sample_token() -> String {
    let doc: serde_json::Value =
        serde_json::from_slice(include_bytes!("../assets/sample/id-token.json")).unwrap();
    doc["value"].as_str().unwrap().to_owned()
}

#[test]
fn every_paste_form_decodes_to_the_same_token() {
    let t = sample_token();
    let expected = Token::from_input(t.as_bytes()).unwrap();
    type FormCheck = fn(&PasteForm) -> bool;
    let cases: Vec<(String, FormCheck)> = vec![
        (t.clone(), |f| *f == PasteForm::Bare),
        (format!("  \"{t}\"\n"), |f| *f == PasteForm::Bare),
        (format!("Bearer {t}"), |f| *f == PasteForm::Bearer),
        (format!("Authorization: Bearer {t}"), |f| {
            *f == PasteForm::Bearer
        }),
        (
            format!("{{\"count\":1,\"value\":\"{t}\"}}"),
            |f| matches!(f, PasteForm::JsonField { path } if path == "$.value"),
        ),
        (
            format!("{{\"data\":{{\"tokens\":[\"x\",\"{t}\"]}}}}"),
            |f| matches!(f, PasteForm::JsonField { path } if path == "$.data.tokens[1]"),
        ),
        (
            format!("2026-03-02T10:14:21.1234567Z ##[debug]id token: {t}.\nnext line"),
            |f| *f == PasteForm::InText { line: 1 },
        ),
        (format!("line one\nline two\ntoken={t} (cached)"), |f| {
            *f == PasteForm::InText { line: 3 }
        }),
        (
            format!("{}\n{}\n{}", &t[..100], &t[100..900], &t[900..]),
            |f| matches!(f, PasteForm::Wrapped { lines: 3 }),
        ),
        (format!("\"{}\" \\\n  \"{}\"", &t[..500], &t[500..]), |f| {
            matches!(f, PasteForm::Wrapped { .. })
        }),
    ];
    for (input, form_ok) in cases {
        let got =
            Token::from_input(input.as_bytes()).unwrap_or_else(|e| panic!("{e} for {input:.60}"));
        assert_eq!(got.claims, expected.claims);
        assert_eq!(got.redacted(), expected.redacted());
        assert!(
            form_ok(&got.form),
            "unexpected form {:?} for {input:.60}",
            got.form
        );
    }
}

#[test]
fn padding_is_accepted_on_any_segment() {
    let t = sample_token();
    let padded: Vec<String> = t
        .split('.')
        .map(|s| {
            let pad = (4 - s.len() % 4) % 4;
            format!("{s}{}", "=".repeat(pad))
        })
        .collect();
    let got = Token::from_input(padded.join(".").as_bytes()).unwrap();
    assert_eq!(
        got.claims.subject(),
        Some("repo:acme/payments-api:environment:production")
    );
}

#[test]
fn broken_copies_say_what_is_wrong_and_where() {
    let t = sample_token();
    let dots: Vec<usize> = t.match_indices('.').map(|(i, _)| i).collect();
    // A JWE: five parts.
    let jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn";
    let e = Token::from_input(jwe.as_bytes()).unwrap_err();
    assert!(
        matches!(&e, TokenError::Encrypted { enc } if enc == "A256GCM"),
        "{e}"
    );
    assert!(e.to_string().contains("cannot be decoded without the key"));
    // Cut short: two parts.
    let e = Token::from_input(&t.as_bytes()[..dots[1]]).unwrap_err();
    assert_eq!(e, TokenError::WrongSegmentCount { count: 2 });
    // A stray character inside the payload: its offset in the token.
    let mut bad = t.clone();
    bad.replace_range(dots[0] + 10..dots[0] + 11, "*");
    let e = Token::from_input(bad.as_bytes()).unwrap_err();
    assert!(
        matches!(e, TokenError::Base64 { offset, .. } if offset == dots[0] + 10)
            || matches!(
                e,
                TokenError::NotFound { .. } | TokenError::WrongSegmentCount { .. }
            ),
        "{e}"
    );
    // Payload that is base64 but not JSON.
    let e = Token::from_input(b"eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln").unwrap_err();
    assert!(matches!(e, TokenError::Json { line: 1, .. }), "{e}");
    assert!(
        e.to_string().contains("payload does not decode to JSON"),
        "{e}"
    );
    // Over the size limit.
    let huge = format!("eyJhbGciOiJSUzI1NiJ9.eyJ{}.c2ln", "A".repeat(70 * 1024));
    assert!(matches!(
        Token::from_input(huge.as_bytes()).unwrap_err(),
        TokenError::TooLarge { .. }
    ));
    // Nothing that looks like a token.
    assert!(matches!(
        Token::from_input(b"hello world").unwrap_err(),
        TokenError::NotFound { .. }
    ));
    assert_eq!(Token::from_input(b" \n\t ").unwrap_err(), TokenError::Empty);
}

#[test]
fn a_stray_byte_in_a_bare_token_is_located() {
    let t = sample_token();
    let first_dot = t.find('.').unwrap();
    let mut bad = t.clone();
    bad.replace_range(first_dot + 10..first_dot + 11, "!");
    // Not a clean token any more; the scan finds the run up to the stray byte.
    let e = Token::from_input(bad.as_bytes()).unwrap_err();
    assert!(
        matches!(
            e,
            TokenError::WrongSegmentCount { count: 2 } | TokenError::Base64Length { .. }
        ),
        "{e}"
    );
}

#[test]
fn documented_claim_sets_are_recognised_per_platform() {
    let cases: [(&[u8], Platform); 6] = [
        (
            include_bytes!("fixtures/claims/github-actions-token-claims.json"),
            Platform::GithubActions,
        ),
        (
            include_bytes!(
                "fixtures/claims/github-actions-token-claims-ghec-enterprise-issuer.json"
            ),
            Platform::GithubActions,
        ),
        (
            include_bytes!("fixtures/claims/gitlab-id-token-claims.json"),
            Platform::Gitlab,
        ),
        (
            include_bytes!("fixtures/claims/terraform-cloud-token-claims.json"),
            Platform::TerraformCloud,
        ),
        (
            include_bytes!("fixtures/claims/buildkite-token-claims.json"),
            Platform::Buildkite,
        ),
        (
            include_bytes!("fixtures/claims/circleci-token-claims.assembled-unverified.json"),
            Platform::Circleci,
        ),
    ];
    for (bytes, platform) in cases {
        let claims = Claims::sniff(bytes).expect("claims");
        let r = inspect_claims(&claims, at(1_700_000_000), 60, &FROM);
        assert_eq!(r.platform, platform);
        assert!(r.subject.is_some());
        assert!(!r.claim_notes.is_empty());
        assert_eq!(
            r.claim_notes.len(),
            claims.names().count(),
            "one note per claim"
        );
        assert_eq!(r.signature.verified, None);
    }
}

#[test]
fn the_github_doc_subject_binds_an_environment_and_a_pr_subject_warns() {
    let claims = Claims::sniff(include_bytes!(
        "fixtures/claims/github-actions-token-claims.json"
    ))
    .unwrap();
    let r = inspect_claims(&claims, at(1_632_493_600), 60, &FROM);
    assert_eq!(
        r.subject.as_ref().unwrap().context,
        SubjectContext::Environment {
            name: "prod".into()
        }
    );
    // The doc's default audience is the owner's URL.
    assert!(ids(&r).contains(&catalog::TOKEN_GITHUB_DEFAULT_AUDIENCE.id));

    let key = ec_key("k");
    let mut pr = github_claims("repo:acme/api:pull_request", "sts.amazonaws.com", IAT);
    pr["event_name"] = json!("pull_request");
    let r = report(&sign(&key, &pr), None, IAT);
    assert_eq!(
        r.subject.as_ref().unwrap().context,
        SubjectContext::PullRequest
    );
    assert!(r.subject.as_ref().unwrap().meaning.contains("unreviewed"));
    assert!(ids(&r).contains(&catalog::WORKFLOW_GITHUB_PULL_REQUEST_RUN.id));
}

/// GitLab's documented claims are a push pipeline; the same token from a merge request
/// pipeline (`pipeline_source: merge_request_event`) is flagged like GitHub's pull
/// request run, though its subject is the source branch's ordinary one.
#[test]
fn a_gitlab_merge_request_pipeline_token_is_flagged_by_its_pipeline_source() {
    let bytes: &[u8] = include_bytes!("fixtures/claims/gitlab-id-token-claims.json");
    let claims = Claims::sniff(bytes).unwrap();
    let r = inspect_claims(&claims, at(1_700_000_000), 60, &FROM);
    assert!(!ids(&r).contains(&catalog::WORKFLOW_GITLAB_MERGE_REQUEST_RUN.id));

    let mut value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    value["pipeline_source"] = json!("merge_request_event");
    value["ref"] = json!("feature-branch-1");
    let claims = Claims::sniff(&serde_json::to_vec(&value).unwrap()).unwrap();
    let r = inspect_claims(&claims, at(1_700_000_000), 60, &FROM);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == catalog::WORKFLOW_GITLAB_MERGE_REQUEST_RUN.id)
        .expect("merge request finding");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.cause.contains("`feature-branch-1`"), "{}", f.cause);
    assert_eq!(f.evidence[0].locator, "$.pipeline_source");
    assert!(!ids(&r).contains(&catalog::WORKFLOW_GITHUB_PULL_REQUEST_RUN.id));
}

#[test]
fn audience_is_always_compared_with_each_clouds_expectation() {
    let key = ec_key("k");
    let r = report(
        &sign(
            &key,
            &github_claims(
                "repo:acme/api:ref:refs/heads/main",
                "api://AzureADTokenExchange",
                IAT,
            ),
        ),
        None,
        IAT,
    );
    let azure = r
        .audience
        .clouds
        .iter()
        .find(|c| c.cloud == oidc_triage::token::Cloud::Azure)
        .unwrap();
    assert_eq!(azure.matches, Some(true));
    let aws = r
        .audience
        .clouds
        .iter()
        .find(|c| c.cloud == oidc_triage::token::Cloud::Aws)
        .unwrap();
    assert_eq!(aws.matches, Some(false));
}

#[test]
fn missing_registered_claims_are_errors() {
    let key = ec_key("k");
    let r = report(
        &sign(
            &key,
            &json!({"iss": "https://token.actions.githubusercontent.com", "iat": IAT}),
        ),
        None,
        IAT,
    );
    assert!(ids(&r).contains(&catalog::TOKEN_MISSING_CLAIM.id));
    assert!(ids(&r).contains(&catalog::TOKEN_MISSING_EXPIRY.id));
    let r = report(
        &sign(
            &key,
            &json!({"iss": "x", "sub": "y", "aud": "z", "exp": "tomorrow"}),
        ),
        None,
        IAT,
    );
    assert!(ids(&r).contains(&catalog::TOKEN_BAD_TIME_CLAIM.id));
}
