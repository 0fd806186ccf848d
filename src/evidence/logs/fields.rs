//! Values as clouds write them in their logs and exports: timestamps (RFC 3339 with
//! any fraction, sometimes without a zone), fields that are strings or numbers, and
//! values quoted inside a message.

use serde_json::Value;

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
}
