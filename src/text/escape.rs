//! Escaping of characters a terminal would act on. Claim values and log lines are
//! attacker-controlled: `\x1b]52;c;…` writes the user's clipboard, `\x1b[2J` clears the
//! screen, bidi overrides reorder what is shown. We render them as visible escapes.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that must never reach a terminal raw: C0 controls, DEL, C1
/// controls (U+0080–U+009F; U+009B is a one-byte CSI), bidi embeddings/overrides/isolates,
/// and the line/paragraph separators.
fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Escape every unsafe character, newlines included: for one-line values.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`escape_control`] but keeps `\n` (and turns `\t` into spaces): for multi-line
/// text such as a report section or a log excerpt.
pub fn escape_control_multiline(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if is_unsafe(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// At most `limit` bytes of raw input as printable ASCII (`\xNN` for the rest), so an
/// unrecognised input can be described without echoing it.
pub fn escape_bytes_preview(bytes: &[u8], limit: usize) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(limit) {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    if bytes.len() > limit {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_and_clear_screen_are_escaped() {
        let s = "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}[2J";
        assert_eq!(escape_control(s), "a\\x1b]52;c;ZXZpbA==\\x07b\\x1b[2J");
    }

    #[test]
    fn c1_csi_and_bidi_overrides_are_escaped() {
        assert_eq!(escape_control("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(escape_control("ab\u{202e}cd"), "ab\\u{202e}cd");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            escape_control("repo:acme/api:ref:refs/heads/main"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(escape_control("ünïcödé ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn multiline_keeps_newlines_only() {
        assert_eq!(
            escape_control_multiline("a\nb\u{1b}c\td"),
            "a\nb\\x1bc    d"
        );
    }

    #[test]
    fn byte_preview_is_bounded_and_printable() {
        let p = escape_bytes_preview(b"\x00\xffab\\cdefghijklmnopqrstuvwxyz", 8);
        assert_eq!(p, "\\x00\\xffab\\\\cde…");
        assert!(p.chars().all(|c| !c.is_control()));
    }
}
