//! Redaction of secrets in text that leaves the tool (reports, clipboard copies).
//! Token signatures never appear anywhere: a JWT keeps `header.payload` (useful for a
//! ticket, useless to an attacker once expired) and loses its signature. Pasted logs
//! also carry cloud keys, GitHub tokens and passwords; those are scrubbed too.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The compact form of a token with its signature removed: `header.payload.<redacted>`.
pub fn redact_token(header_b64: &str, payload_b64: &str) -> String {
    format!("{header_b64}.{payload_b64}.{REDACTED}")
}

struct Rule {
    pattern: Regex,
    /// Capture groups kept in front of the redaction mark.
    keep: usize,
}

fn rule(pattern: &str, keep: usize) -> Option<Rule> {
    // The patterns are constants; a failure would be a programming error caught by the
    // tests below, so it drops the rule rather than panicking in a user's session.
    Regex::new(pattern)
        .ok()
        .map(|pattern| Rule { pattern, keep })
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        // AWS access key IDs (long-term AKIA…, temporary ASIA…).
        rule(r"\b((?:AKIA|ASIA|AROA|AIDA))[A-Z0-9]{16}\b", 1),
        // AWS secret keys and session tokens, as env vars, CLI config or JSON.
        rule(r#"(?i)((?:aws_secret_access_key|aws_session_token|"?SecretAccessKey"?|"?SessionToken"?|"?secretAccessKey"?|"?sessionToken"?)\s*[:=]\s*"?)[A-Za-z0-9/+=]{16,}"#, 1),
        // GitHub tokens: personal, OAuth, user-to-server, server-to-server, refresh, fine-grained.
        rule(r"\b((?:ghp|gho|ghu|ghs|ghr)_)[A-Za-z0-9]{20,}\b", 1),
        rule(r"\b(github_pat_)[A-Za-z0-9_]{20,}\b", 1),
        // Runner request tokens and pipeline access tokens.
        rule(r"(?i)\b((?:ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_RUNTIME_TOKEN|SYSTEM_ACCESSTOKEN|CI_JOB_JWT(?:_V2)?|VAULT_TOKEN)\s*[:=]\s*'?\x22?)[^\s'\x22]+", 1),
        // client_secret / password values in logs, query strings and JSON.
        rule(r#"(?i)((?:client_secret|password|passwd)"?\s*[:=]\s*"?)[^"\s&,;}]+"#, 1),
        // Opaque bearer tokens (a JWT bearer was already cut by the first rule).
        rule(r"(?i)(\bBearer\s+)[A-Za-z0-9_\-.~+/]{16,}=*", 1),
    ]
    .into_iter()
    .flatten()
    .collect()
});

fn is_run_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'.')
}

/// Cut the signature (and a JWE's encrypted parts) out of one run of base64url and
/// dots. The header and payload are the first pair of adjacent segments that both
/// start `eyJ` (a JSON object) with a segment after them; failing that, the first
/// `eyJ` segment with two after it. Everything after the pair is redacted: a stray
/// `eyJ.` before the token moves the cut earlier (losing the payload), never later.
fn redact_run(run: &str) -> Option<String> {
    let segments: Vec<&str> = run.split('.').collect();
    let n = segments.len();
    // A header may have text glued in front of it (`token=eyJ…`, `-eyJ…`); a payload
    // follows a dot directly.
    let header = |i: usize| segments.get(i).is_some_and(|s| s.contains("eyJ"));
    let payload = |i: usize| segments.get(i).is_some_and(|s| s.starts_with("eyJ"));
    let pair = (0..n.saturating_sub(2))
        .find(|&i| header(i) && payload(i + 1))
        .or_else(|| (0..n.saturating_sub(2)).find(|&i| header(i)))?;
    let mut kept = segments[..pair + 2].join(".");
    kept.push('.');
    kept.push_str(REDACTED);
    Some(kept)
}

/// Remove every JWT signature from `text`.
fn redact_jwts(text: &str) -> Cow<'_, str> {
    if !text.contains("eyJ") {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut i = 0;
    let mut changed = false;
    while i < bytes.len() {
        if !is_run_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_run_byte(bytes[i]) {
            i += 1;
        }
        // Runs are ASCII, so these are char boundaries.
        let run = &text[start..i];
        if run.contains("eyJ")
            && let Some(redacted) = redact_run(run)
        {
            out.push_str(&text[last..start]);
            out.push_str(&redacted);
            last = i;
            changed = true;
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Remove token signatures and credentials from text that is about to leave the tool.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    let mut out = redact_jwts(text);
    for rule in RULES.iter() {
        if !rule.pattern.is_match(&out) {
            continue;
        }
        let replaced = rule
            .pattern
            .replace_all(&out, |caps: &Captures<'_>| {
                let whole = caps.get(0).map_or("", |m| m.as_str());
                if whole.ends_with(REDACTED) {
                    return whole.to_owned();
                }
                let mut kept = String::new();
                for i in 1..=rule.keep {
                    if let Some(m) = caps.get(i) {
                        kept.push_str(m.as_str());
                    }
                }
                kept.push_str(REDACTED);
                kept
            })
            .into_owned();
        out = Cow::Owned(replaced);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles() {
        assert_eq!(RULES.len(), 7);
    }

    #[test]
    fn jwt_signature_is_removed_and_header_payload_kept() {
        let t = "token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz end";
        assert_eq!(
            redact_secrets(t),
            "token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.<redacted> end"
        );
    }

    #[test]
    fn a_stray_eyj_before_the_token_does_not_shift_the_cut() {
        let t = "eyJ.eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz";
        let r = redact_secrets(t);
        assert!(!r.contains("c2lnbmF0dXJl"), "{r}");
        // Cut after the first plausible header.payload pair: the payload goes too, which
        // errs on the safe side.
        assert_eq!(r, "eyJ.eyJhbGciOiJSUzI1NiJ9.<redacted>");
    }

    #[test]
    fn jwe_keeps_only_the_first_two_segments() {
        let t = "eyJhbGciOiJSU0EifQ.a2V5.aXY.Y2lwaGVy.dGFn";
        assert_eq!(redact_secrets(t), "eyJhbGciOiJSU0EifQ.a2V5.<redacted>");
    }

    #[test]
    fn aws_keys_and_session_tokens_are_scrubbed() {
        let log = "AccessKeyId: ASIAY34FZKBOKMUTVV7A\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n{\"SessionToken\": \"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH\"}";
        let r = redact_secrets(log);
        assert!(!r.contains("Y34FZKBOKMUTVV7A"), "{r}");
        assert!(!r.contains("wJalrXUtnFEMI"), "{r}");
        assert!(!r.contains("IQoJb3JpZ2lu"), "{r}");
        assert!(r.contains("ASIA<redacted>"), "{r}");
    }

    #[test]
    fn github_tokens_and_passwords_are_scrubbed() {
        let log = "using ghs_16C7e42F292c6912E7710c838347Ae178B4a and github_pat_11ABCDEFG0123456789_abcdefghijklmnop\nclient_secret=s3cr3t-value&x=1 password: hunter2";
        let r = redact_secrets(log);
        assert!(!r.contains("16C7e42F292c"), "{r}");
        assert!(!r.contains("11ABCDEFG"), "{r}");
        assert!(!r.contains("s3cr3t"), "{r}");
        assert!(!r.contains("hunter2"), "{r}");
        assert!(r.contains("client_secret=<redacted>&x=1"), "{r}");
    }

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        let t = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
        assert!(matches!(redact_secrets(t), Cow::Borrowed(_)));
    }
}
