//! What the two cloud sign-in/audit log sources (`gcp_audit`, `azure_signin`) share:
//! the loaded token they correlate attempts with (its `sub`, `iss`, `aud` and validity
//! window, DESIGN.md "one diagnosis covers one path"), the `--since/--until` window,
//! timestamps as clouds write them, and text from the log made safe to quote.

use serde_json::Value;

use crate::evidence::SharedFacts;
use crate::text::{escape_control, redact_secrets};

/// Longest excerpt of a log message quoted in a summary or cause.
const QUOTE_LIMIT: usize = 300;

/// The token a diagnosis is about, as far as the logs can be matched with it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Anchor {
    /// The artifact the claims came from.
    pub artifact: String,
    pub sub: Option<String>,
    pub iss: Option<String>,
    pub aud: Vec<String>,
    /// When the token could have been presented: [nbf or iat − skew, exp + skew].
    pub window: Option<(i64, i64)>,
}

impl Anchor {
    /// The first loaded token's claims, else the first bare claim set.
    pub fn from_facts(facts: &SharedFacts) -> Option<Anchor> {
        let (artifact, claims) = facts
            .tokens
            .first()
            .map(|t| (t.artifact.clone(), &t.token.claims))
            .or_else(|| facts.claims.first().map(|(a, c)| (a.clone(), c)))?;
        let time = |name: &'static str| claims.time(name).ok().flatten();
        let skew = facts.skew.max(0);
        let start = time("nbf").or_else(|| time("iat"));
        let window = match (start, time("exp")) {
            (Some(s), Some(e)) if s <= e => Some((s - skew, e + skew)),
            (Some(s), None) => Some((s - skew, s + 3600 + skew)),
            (None, Some(e)) => Some((e - 3600 - skew, e + skew)),
            _ => None,
        };
        Some(Anchor {
            artifact,
            sub: claims.subject().map(str::to_owned),
            iss: claims.issuer().map(str::to_owned),
            aud: claims.audiences().into_iter().map(str::to_owned).collect(),
            window,
        })
    }

    /// True when `time` falls in the token's window.
    pub fn in_window(&self, time: Option<i64>) -> bool {
        match (self.window, time) {
            (Some((from, to)), Some(t)) => from <= t && t <= to,
            _ => false,
        }
    }
}

/// True when `time` is inside `--since/--until` (an untimed event always is).
pub(crate) fn within_filters(facts: &SharedFacts, time: Option<i64>) -> bool {
    let Some(t) = time else { return true };
    facts.filters.since.is_none_or(|s| t >= s) && facts.filters.until.is_none_or(|u| t <= u)
}

/// An RFC 3339 timestamp as clouds write it (fractions up to nanoseconds; Log
/// Analytics sometimes drops the zone, which is UTC).
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = crate::clock::parse_rfc3339(text) {
        return Some(t);
    }
    let has_zone = text.ends_with('Z')
        || text.ends_with('z')
        || text
            .rfind(['+', '-'])
            .is_some_and(|i| i > 10 && text[i..].contains(':'));
    if !has_zone && text.len() >= 19 {
        return crate::clock::parse_rfc3339(&format!("{text}Z")).ok();
    }
    None
}

/// A string field; numbers are given as text (Log Analytics writes codes either way).
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Log text as it may appear in a summary: secrets redacted, control characters
/// escaped, cut at a readable length.
pub(crate) fn quote(message: &str) -> String {
    let redacted = redact_secrets(message);
    let escaped = escape_control(&redacted);
    let mut out = escaped.into_owned();
    if out.chars().count() > QUOTE_LIMIT {
        out = out.chars().take(QUOTE_LIMIT).collect();
        out.push('…');
    }
    out
}

/// A value from the log for a summary (an identifier, a name): escaped only.
pub(crate) fn show(value: &str) -> String {
    escape_control(value).into_owned()
}

/// `s` inside a single-quoted shell word.
pub(crate) fn shell_single(s: &str) -> String {
    s.replace('\'', r"'\''")
}

/// `s` inside a double-quoted string of a query language (gcloud filters, KQL, OData).
pub(crate) fn in_double_quotes(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"")
}

/// The value quoted after `label` in a message (`assertion subject 'repo:…'`), matched
/// case-insensitively; the first of several labels that occurs wins.
pub(crate) fn quoted_after(message: &str, labels: &[&str]) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    for label in labels {
        if let Some(at) = lower.find(label) {
            let rest = &message[at + label.len()..];
            let rest = rest.trim_start_matches([' ', ':']);
            let quote = rest.chars().next()?;
            if !matches!(quote, '\'' | '"' | '`') {
                continue;
            }
            let body = &rest[quote.len_utf8()..];
            let end = body.find(quote)?;
            return Some(body[..end].to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_timestamps_parse_with_any_fraction_and_a_missing_zone() {
        assert_eq!(parse_time("2026-03-02T10:15:00Z"), Some(1_772_446_500));
        assert_eq!(
            parse_time("2026-03-02T10:15:00.123456789Z"),
            Some(1_772_446_500)
        );
        assert_eq!(
            parse_time("2026-03-02T10:15:00.1234567Z"),
            Some(1_772_446_500)
        );
        assert_eq!(parse_time("2026-03-02T10:15:00.123"), Some(1_772_446_500));
        assert_eq!(parse_time("2026-03-02T11:15:00+01:00"), Some(1_772_446_500));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn quoted_values_are_found_after_their_label() {
        let m = "AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/web:environment:Production'. Please check";
        assert_eq!(
            quoted_after(m, &["assertion subject"]).as_deref(),
            Some("repo:acme/web:environment:Production")
        );
        let m = "Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:a/b:ref:refs/heads/main'.";
        assert_eq!(
            quoted_after(m, &["assertion subject"]).as_deref(),
            Some("repo:a/b:ref:refs/heads/main")
        );
        assert_eq!(quoted_after("no quote here", &["subject"]), None);
    }

    #[test]
    fn quotes_escape_control_characters_and_secrets() {
        let q = quote("denied \u{1b}[2J for AKIAIOSFODNN7EXAMPLE");
        assert!(!q.contains('\u{1b}'));
        assert!(!q.contains("AKIAIOSFODNN7EXAMPLE"), "{q}");
        assert!(quote(&"x".repeat(1000)).chars().count() <= QUOTE_LIMIT + 1);
    }
}
