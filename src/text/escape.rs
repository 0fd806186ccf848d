//! Escaping of characters a terminal would act on, or that a reader cannot see. Claim
//! values and log lines are attacker-controlled: `\x1b]52;c;…` writes the user's
//! clipboard, `\x1b[2J` clears the screen, bidi overrides reorder what is shown, and
//! zero-width or tag characters make two different strings look identical (a subject
//! that "matches" but does not). We render them all as visible escapes.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that must never reach a terminal (or a ticket) raw: C0
/// controls, DEL, C1 controls (U+0080–U+009F; U+009B is a one-byte CSI), every
/// invisible format character (Unicode category Cf: soft hyphen, Arabic letter mark,
/// zero-width space/joiners, word joiner and invisible operators, bidi marks,
/// embeddings, overrides and isolates, the BOM, interlinear annotation, tag
/// characters), the line/paragraph separators, variation selectors and the Hangul
/// fillers that render as nothing.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
        | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{fff9}'..='\u{fffb}'
        | '\u{fdd0}'..='\u{fdef}' | '\u{fffe}' | '\u{ffff}'
        | '\u{600}'..='\u{605}' | '\u{6dd}' | '\u{70f}' | '\u{890}' | '\u{891}' | '\u{8e2}'
        | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
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
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
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
    if !s.chars().any(|c| c != '\n' && is_unsafe_char(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if is_unsafe_char(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The *shape* of the first `limit` bytes of an input, never the bytes themselves
/// (DESIGN.md: an unrecognised input may be a secret, and twelve characters of a
/// `ghp_` token are half of it). Letters become `a`/`A`, digits `9`, ASCII punctuation
/// and spaces stay (they tell JSON from YAML from a log), anything else is `?`, and
/// `\n`, `\r`, `\t` are shown escaped.
pub fn escape_bytes_preview(bytes: &[u8], limit: usize) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(limit) {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'a'..=b'z' => out.push('a'),
            b'A'..=b'Z' => out.push('A'),
            b'0'..=b'9' => out.push('9'),
            0x20..=0x7e => out.push(b as char),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => out.push('?'),
        }
    }
    if bytes.len() > limit {
        out.push('…');
    }
    out
}

/// One byte, shown as itself when printable ASCII and as `\xNN` otherwise: for naming
/// the byte a parser stopped at (one byte of a token is no secret).
pub fn escape_byte(b: u8) -> String {
    match b {
        b'\\' => "\\\\".to_owned(),
        0x20..=0x7e => (b as char).to_string(),
        b'\n' => "\\n".to_owned(),
        b'\r' => "\\r".to_owned(),
        b'\t' => "\\t".to_owned(),
        _ => format!("\\x{b:02x}"),
    }
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
    fn invisible_format_characters_are_escaped() {
        for c in [
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{61c}',
            '\u{ad}',
            '\u{feff}',
            '\u{e0041}',
            '\u{e007f}',
            '\u{e0001}',
            '\u{180e}',
            '\u{2064}',
            '\u{fe0f}',
        ] {
            let s = format!("main{c}");
            let e = escape_control(&s);
            assert!(!e.contains(c), "U+{:04X} not escaped", c as u32);
            assert!(e.starts_with("main\\u{"), "{e}");
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            escape_control("repo:acme/api:ref:refs/heads/main"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(escape_control("ünïcödé ✓ → ←"), Cow::Borrowed(_)));
    }

    #[test]
    fn multiline_keeps_newlines_only() {
        assert_eq!(
            escape_control_multiline("a\nb\u{1b}c\td"),
            "a\nb\\x1bc    d"
        );
    }

    #[test]
    fn byte_preview_shows_shape_not_bytes() {
        let p = escape_bytes_preview(b"\x00\xffab\\cdefghijklmnopqrstuvwxyz", 8);
        assert_eq!(p, "??aa\\\\aaa…");
        assert!(p.chars().all(|c| !c.is_control()));
        let token = escape_bytes_preview(b"ghp_16C7e42F292c6912E7710c838347Ae178B4a", 16);
        assert_eq!(token, "aaa_99A9a99A999a…");
        assert!(!token.contains("16C7e42F"));
    }

    #[test]
    fn one_byte_is_named() {
        assert_eq!(escape_byte(b'+'), "+");
        assert_eq!(escape_byte(0x1b), "\\x1b");
    }
}
