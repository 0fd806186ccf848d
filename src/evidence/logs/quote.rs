//! Text read from a log, made safe to quote in evidence, causes and notes: secrets
//! redacted (token signatures, keys), control characters escaped (no terminal escape
//! sequence reaches the screen), and long text cut. The one helper every reader uses.

use crate::text::{escape_control, redact_secrets};

/// Longest excerpt of a log message quoted in a summary or cause.
const QUOTE_LIMIT: usize = 300;

/// Log text as it may appear in a summary, cut at [`QUOTE_LIMIT`] characters.
pub(crate) fn quote(message: &str) -> String {
    quote_within(message, QUOTE_LIMIT)
}

/// Log text as it may appear in a summary: secrets redacted, control characters
/// escaped, cut after `limit` characters (an ellipsis marks the cut).
pub(crate) fn quote_within(message: &str, limit: usize) -> String {
    let redacted = redact_secrets(message);
    let escaped = escape_control(&redacted);
    if escaped.chars().count() <= limit {
        return escaped.into_owned();
    }
    let mut cut: String = escaped.chars().take(limit).collect();
    cut.push('…');
    cut
}

/// A value from the log for a summary (an identifier, a name, a locator): redacted and
/// escaped, never cut.
pub(crate) fn show(value: &str) -> String {
    escape_control(&redact_secrets(value)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escape_control_characters_and_secrets() {
        let q = quote("denied \u{1b}[2J for AKIAIOSFODNN7EXAMPLE");
        assert!(!q.contains('\u{1b}'));
        assert!(!q.contains("AKIAIOSFODNN7EXAMPLE"), "{q}");
        assert!(quote(&"x".repeat(1000)).chars().count() <= QUOTE_LIMIT + 1);
        assert_eq!(quote_within("abcdef", 3), "abc…");
        assert!(!show("key AKIAIOSFODNN7EXAMPLE\u{7}").contains("AKIAIOSFODNN7EXAMPLE"));
    }
}
