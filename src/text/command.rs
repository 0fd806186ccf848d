//! The one command builder. Every command and query the tool prints for the user to
//! copy (aws, az, gcloud, gh, vault, kubectl, Athena / CloudTrail Lake SQL, KQL,
//! `gcloud logging read` filters) is built here, because the values in them come from
//! logs, tokens and exports — attacker-controlled text: a branch can be named
//! `$(curl …)`. Shell words are quoted for POSIX shells; SQL, KQL and logging-filter
//! string literals are escaped for their language. A value can never end its word or
//! its literal early, whatever it holds.

use std::fmt::Write as _;

/// Quote one word for a POSIX shell: left bare when it holds only characters no shell
/// treats specially, else single-quoted (a `'` inside becomes `'\''`). The empty word
/// is `''`.
pub fn shell_word(word: &str) -> String {
    let bare = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@+,%^".contains(&b))
        // `=` first would read as an assignment in some positions; `~` and `#` are
        // never bare (the byte list leaves them out).
        && !word.starts_with('=');
    if bare {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A command line from its words, each quoted for a POSIX shell.
pub fn shell_command<I, S>(argv: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut line = String::new();
    for word in argv {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&shell_word(word.as_ref()));
    }
    line
}

/// A SQL string literal (Athena, CloudTrail Lake): single quotes, a `'` doubled.
pub fn sql_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A KQL string literal (Log Analytics, Azure Resource Graph): double-quoted, with
/// `\` and `"` escaped and control characters written as escapes, so a value cannot
/// close the literal or break the line.
pub fn kql_literal(value: &str) -> String {
    double_quoted(value, true)
}

/// A string literal in a Cloud Logging filter (`gcloud logging read FILTER`):
/// double-quoted with `\` and `"` escaped.
pub fn logging_filter_literal(value: &str) -> String {
    double_quoted(value, false)
}

/// A double-quoted literal with `\` and `"` escaped and line breaks written as `\n`;
/// with `all_controls`, every other control character as an escape too (KQL).
fn double_quoted(value: &str, all_controls: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' if all_controls => out.push_str("\\r"),
            '\t' if all_controls => out.push_str("\\t"),
            c if all_controls && c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The language a template's placeholders are filled in: each value becomes a word of
/// the shell, or a string literal of the query language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Values are spliced as text (the template is quoted as words afterwards).
    Plain,
    Sql,
    Kql,
    LoggingFilter,
}

impl Dialect {
    /// A value as this language writes it.
    pub fn literal(self, value: &str) -> String {
        match self {
            Dialect::Plain => value.to_owned(),
            Dialect::Sql => sql_literal(value),
            Dialect::Kql => kql_literal(value),
            Dialect::LoggingFilter => logging_filter_literal(value),
        }
    }

    /// Parse a knowledge file's `lang`.
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "shell" | "plain" => Some(Dialect::Plain),
            "sql" => Some(Dialect::Sql),
            "kql" => Some(Dialect::Kql),
            "logging-filter" => Some(Dialect::LoggingFilter),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Read a SQL literal back (the inverse of `sql_literal`).
    fn unsql(lit: &str) -> Option<String> {
        let inner = lit.strip_prefix('\'')?.strip_suffix('\'')?;
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                // Inside, a quote only ever appears doubled.
                if chars.next() != Some('\'') {
                    return None;
                }
            }
            out.push(c);
        }
        Some(out)
    }

    /// Read a double-quoted, backslash-escaped literal back.
    fn unescape_double(lit: &str) -> Option<String> {
        let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return None,
                '\\' => match chars.next()? {
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    _ => return None,
                },
                c => out.push(c),
            }
        }
        Some(out)
    }

    #[test]
    fn hostile_words_stay_one_word() {
        let role = "deploy;touch${IFS}PROOF;#";
        let line = shell_command(["aws", "iam", "get-role", "--role-name", role]);
        assert_eq!(
            line,
            "aws iam get-role --role-name 'deploy;touch${IFS}PROOF;#'"
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("~root"), "'~root'");
        assert_eq!(shell_word("arn:aws:iam::1:role/x"), "arn:aws:iam::1:role/x");
    }

    #[test]
    fn literals_escape_their_quotes() {
        assert_eq!(sql_literal("o'brien"), "'o''brien'");
        assert_eq!(kql_literal("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(logging_filter_literal("x\" OR true"), "\"x\\\" OR true\"");
    }

    proptest! {
        /// For any words, the printed line splits back (POSIX shell rules) to them.
        #[test]
        fn a_command_splits_back_to_its_argv(words in proptest::collection::vec("\\PC{0,24}|[ -~]{0,24}|[$`'\"\\\\;|&<>(){}*?!#~\\n\\t ]{0,12}", 1..6)) {
            // A POSIX shell cannot carry NUL in an argument.
            let words: Vec<String> = words.into_iter().map(|w| w.replace('\0', "")).collect();
            let line = shell_command(&words);
            prop_assert_eq!(shlex::split(&line), Some(words));
        }

        #[test]
        fn a_sql_literal_round_trips(value in "\\PC{0,40}|['\\\\;-]{0,10}") {
            prop_assert_eq!(unsql(&sql_literal(&value)), Some(value));
        }

        #[test]
        fn a_kql_literal_round_trips(value in "\\PC{0,40}|[\"'\\\\\\n\\r\\t\u{1}]{0,10}") {
            prop_assert_eq!(unescape_double(&kql_literal(&value)), Some(value));
        }

        #[test]
        fn a_logging_filter_literal_round_trips(value in "\\PC{0,40}|[\"\\\\\\n]{0,10}") {
            prop_assert_eq!(unescape_double(&logging_filter_literal(&value)), Some(value));
        }
    }
}
