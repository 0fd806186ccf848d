//! Finding the token in what people actually paste: a bare JWT, `Bearer …`, the token
//! inside JSON (`{"value":"eyJ…"}`, the shape GitHub's token endpoint returns, or any
//! string field), inside a log line, or wrapped over lines with stray quotes. Also the
//! mangled forms: dots written `%2E` or `\u002e`, the signature on the next log line
//! or after a `:`, a space or a zero-width space, a pretty-printed header (`ewo…`),
//! a standard-base64 signature (`+`, `/`). Two tokens on two lines are two tokens.
//! Every signature located is handed to [`remember_secret`], so that the output gate
//! scrubs it wherever it shows up again.

use serde::Serialize;
use serde_json::Value;

use super::error::TokenError;
use crate::text::{escape_bytes_preview, remember_secret};

/// CI platforms issue tokens of 1–4 KiB; anything past this is not one of theirs.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// How the token sat in the input, so the user can see what was stripped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "kebab-case")]
pub enum PasteForm {
    /// The input is the token (perhaps quoted or padded with whitespace).
    Bare,
    /// `Bearer …` or `Authorization: Bearer …`.
    Bearer,
    /// A string field of a JSON document, at this JSON path.
    JsonField { path: String },
    /// Inside a line of text, such as a log line.
    InText { line: usize },
    /// Split over several lines or with quotes and whitespace inside.
    Wrapped { lines: usize },
}

impl PasteForm {
    /// A locator for evidence: where in the artifact the token was.
    pub fn locator(&self) -> String {
        match self {
            PasteForm::Bare | PasteForm::Bearer => "token".to_owned(),
            PasteForm::JsonField { path } => path.clone(),
            PasteForm::InText { line } => format!("line {line}"),
            PasteForm::Wrapped { lines } => format!("lines 1-{lines}"),
        }
    }
}

/// A token found in the input, not yet decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Located {
    /// The compact serialisation. Holds the signature: never print it.
    pub compact: String,
    pub form: PasteForm,
    /// How many other distinct tokens the input holds (the first one is used).
    pub others: usize,
}

impl std::fmt::Debug for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Located")
            .field("compact", &"<not shown>")
            .field("form", &self.form)
            .field("others", &self.others)
            .finish()
    }
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='
}

fn is_token_byte(b: u8) -> bool {
    is_b64url(b) || b == b'.'
}

/// Quote characters that copy-paste leaves around or inside a token.
fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '`' | '\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}'
    )
}

/// Strip `Authorization:` and `Bearer` prefixes; true if one was there.
fn strip_bearer(s: &str) -> (&str, bool) {
    /// `prefix` at the start of `text`, ignoring ASCII case; `get` keeps the slice on a
    /// char boundary whatever the input.
    fn strip<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
        let head = text.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| &text[prefix.len()..])
    }
    let mut rest = s.trim();
    let mut bearer = false;
    if let Some(after) = strip(rest, "authorization:") {
        rest = after.trim_start();
        bearer = true;
    }
    if let Some(after) = strip(rest, "bearer ") {
        rest = after.trim_start();
        bearer = true;
    }
    (rest, bearer)
}

/// The base64url openings of a JSON object: `{"` and, pretty-printed, `{` then a line
/// break, a carriage return or a space.
const JSON_OPENINGS: [&str; 4] = ["eyJ", "ewo", "ew0K", "eyAi"];

fn starts_like_json(s: &[u8]) -> bool {
    JSON_OPENINGS.iter().any(|o| s.starts_with(o.as_bytes()))
}

/// True if `s` is shaped like a compact JWT: starts like a JSON object, only base64url
/// and dots, at least one dot.
fn looks_like_jwt(s: &str) -> bool {
    starts_like_json(s.as_bytes()) && s.contains('.') && s.bytes().all(is_token_byte)
}

/// Dots as other encodings write them; the token's own alphabet never contains these.
const ENCODED_DOTS: [&str; 6] = ["%2E", "%2e", "\\u002e", "\\u002E", "\\x2e", "\\x2E"];

/// The input with encoded dots decoded, when it has any (line numbers are unchanged).
fn decode_dots(text: &str) -> Option<String> {
    if !ENCODED_DOTS.iter().any(|d| text.contains(d)) {
        return None;
    }
    let mut out = text.to_owned();
    for d in ENCODED_DOTS {
        out = out.replace(d, ".");
    }
    Some(out)
}

/// Find the token in pasted input. `NotFound` means "this is not a token": other
/// sniffers may still recognise the input.
pub fn locate(input: &[u8]) -> Result<Located, TokenError> {
    let lossy = String::from_utf8_lossy(input);
    if let Some(decoded) = decode_dots(&lossy) {
        return locate_text(decoded.as_bytes(), input.len());
    }
    locate_text(input, input.len())
}

/// [`locate`] on input whose dots are plain; `size` is the original input's, for errors.
fn locate_text(input: &[u8], size: usize) -> Result<Located, TokenError> {
    let text = String::from_utf8_lossy(input);
    let trimmed = text.trim().trim_matches(is_quote).trim();
    if trimmed.is_empty() {
        return Err(TokenError::Empty);
    }

    let (unprefixed, bearer) = strip_bearer(trimmed);
    let unprefixed = unprefixed.trim_matches(is_quote);
    if looks_like_jwt(unprefixed) {
        let form = if bearer {
            PasteForm::Bearer
        } else {
            PasteForm::Bare
        };
        return checked(unprefixed, form, 0);
    }

    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(json) = serde_json::from_str::<Value>(trimmed)
    {
        let mut found = Vec::new();
        json_tokens(&json, "$".to_owned(), &mut found);
        dedup(&mut found);
        let others = found.len().saturating_sub(1);
        return match found.into_iter().next() {
            Some((path, compact)) => checked(&compact, PasteForm::JsonField { path }, others),
            None => not_found(input, size),
        };
    }

    if let Some(joined) = unwrap_lines(trimmed) {
        let lines = trimmed.lines().count();
        return checked(&joined, PasteForm::Wrapped { lines }, 0);
    }

    scan_text(input, size)
}

fn dedup(found: &mut Vec<(String, String)>) {
    let mut seen = std::collections::HashSet::new();
    found.retain(|(_, t)| seen.insert(t.clone()));
}

/// Depth-first, in document order: every string value that is (or holds, after a
/// `Bearer` prefix) a JWT.
fn json_tokens(value: &Value, path: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            let (inner, _) = strip_bearer(s);
            if looks_like_jwt(inner) {
                out.push((path, inner.to_owned()));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                json_tokens(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    format!("{path}.{key}")
                } else {
                    format!("{path}[{}]", Value::String(key.clone()))
                };
                json_tokens(item, child, out);
            }
        }
        _ => {}
    }
}

/// A token broken over lines (terminal wrapping, a quoted multi-line string): join the
/// pieces if, once whitespace, quotes and line-continuation backslashes are removed,
/// nothing but a JWT remains.
fn unwrap_lines(text: &str) -> Option<String> {
    if !text.contains(|c: char| c.is_whitespace() || is_quote(c) || c == '\\') {
        return None;
    }
    // Lines that are each a whole token are that many tokens, not one wrapped token.
    let whole = text
        .lines()
        .map(|l| l.trim().trim_matches(is_quote))
        .filter(|l| !l.is_empty())
        .filter(|l| looks_like_jwt(l) && l.split('.').count() == 3)
        .count();
    if whole >= 2 {
        return None;
    }
    let joined: String = text
        .chars()
        .filter(|&c| !(c.is_whitespace() || is_quote(c) || c == '\\'))
        .collect();
    looks_like_jwt(&joined).then_some(joined)
}

/// Scan free text (a log) for JWT-shaped runs.
fn scan_text(input: &[u8], size: usize) -> Result<Located, TokenError> {
    let mut runs: Vec<(usize, std::borrow::Cow<'_, [u8]>)> = Vec::new();
    let mut i = 0;
    while let Some(pos) = find_opening(&input[i..]) {
        let start = i + pos;
        // Inside a longer run (a word, or the payload after a token's first dot): not a
        // token start. `=` is allowed before it (`token=eyJ…`).
        if start > 0
            && (input[start - 1].is_ascii_alphanumeric()
                || matches!(input[start - 1], b'-' | b'_' | b'.'))
        {
            i = start + 3;
            continue;
        }
        let mut end = start;
        while end < input.len() && is_token_byte(input[end]) {
            end += 1;
        }
        // A sentence may end right after the token.
        let mut run = &input[start..end];
        while run.last() == Some(&b'.') {
            run = &run[..run.len() - 1];
        }
        let (run, end) = rejoin_signature(input, run, start, end);
        runs.push((start, run));
        i = end.max(start + 3);
    }

    let is_jws = |r: &[u8]| r.iter().filter(|&&b| b == b'.').count() == 2;
    let is_jwe = |r: &[u8]| r.iter().filter(|&&b| b == b'.').count() == 4;
    let best = runs
        .iter()
        .find(|(_, r)| is_jws(r) || is_jwe(r))
        .or_else(|| {
            runs.iter()
                .filter(|(_, r)| r.len() >= 24)
                .max_by_key(|(_, r)| r.len())
        });
    let Some((start, run)) = best else {
        return not_found(input, size);
    };
    let (start, run) = (*start, run.as_ref());
    let mut distinct: Vec<&[u8]> = runs
        .iter()
        .filter(|(_, r)| is_jws(r) || is_jwe(r))
        .map(|(_, r)| r.as_ref())
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let others = distinct.len().saturating_sub(1);
    let line = input[..start].iter().filter(|&&b| b == b'\n').count() + 1;
    // The run is ASCII by construction.
    let compact = String::from_utf8_lossy(run).into_owned();
    checked(&compact, PasteForm::InText { line }, others)
}

/// The first place a JSON object's base64url opening starts.
fn find_opening(haystack: &[u8]) -> Option<usize> {
    JSON_OPENINGS
        .iter()
        .filter_map(|o| find(haystack, o.as_bytes()))
        .min()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Characters that stand between a payload and a detached signature in mangled
/// pastes: a `:`, spaces, quotes, a zero-width space or a BOM (UTF-8), a line break.
fn gap_len(rest: &[u8]) -> usize {
    let mut i = 0;
    loop {
        match rest.get(i..) {
            Some(
                [
                    b'.' | b':' | b' ' | b'\t' | b'"' | b'\'' | b'\\' | b'\r' | b'\n',
                    ..,
                ],
            ) => i += 1,
            Some([0xe2, 0x80, 0x8b..=0x8d, ..])
            | Some([0xe2, 0x81, 0xa0, ..])
            | Some([0xef, 0xbb, 0xbf, ..]) => i += 3,
            _ => return i,
        }
        // A CI log's next line opens with a timestamp (`2026-03-02T10:15:00.1234567Z `).
        if i > 0 && rest.get(i - 1) == Some(&b'\n') {
            let line = &rest[i..];
            let ts = line.iter().position(|&b| b == b' ').filter(|&p| {
                p >= 19
                    && line[..p]
                        .iter()
                        .all(|b| b.is_ascii_digit() || b"-:.TZ+".contains(b))
            });
            if let Some(p) = ts {
                i += p + 1;
            }
        }
        if i > 64 {
            return i;
        }
    }
}

/// A run of `header.payload` whose signature was detached (next line, after a `:`,
/// space or zero-width space) or written in standard base64: the run with the
/// signature joined back (in base64url), and where scanning goes on.
fn rejoin_signature<'a>(
    input: &'a [u8],
    run: &'a [u8],
    start: usize,
    end: usize,
) -> (std::borrow::Cow<'a, [u8]>, usize) {
    use std::borrow::Cow;
    let dots = run.iter().filter(|&&b| b == b'.').count();
    let sig_byte = |b: u8| is_b64url(b) || b == b'+' || b == b'/';
    match dots {
        // `header.payload` and then something: a detached signature?
        1 => {
            let rest = &input[end..];
            let gap = gap_len(rest);
            let sig_start = end + gap;
            let sig_end = sig_start
                + input[sig_start..]
                    .iter()
                    .take_while(|&&b| sig_byte(b))
                    .count();
            let sig = &input[sig_start..sig_end];
            // No gap is fine after a dot (`header.payload.+/…`, the signature in
            // standard base64).
            let after_dot = end > start && input[end - 1] == b'.';
            if (gap == 0 && !after_dot) || sig.len() < 16 || starts_like_json(sig) {
                return (Cow::Borrowed(run), end);
            }
            let mut joined = run.to_vec();
            joined.push(b'.');
            joined.extend(sig.iter().map(|&b| url_safe(b)));
            (Cow::Owned(joined), sig_end)
        }
        // A standard-base64 signature stops the run at its first `+` or `/`.
        2 if matches!(input.get(end), Some(b'+' | b'/')) && start < end => {
            let sig_end = end + input[end..].iter().take_while(|&&b| sig_byte(b)).count();
            let joined: Vec<u8> = input[start..sig_end].iter().map(|&b| url_safe(b)).collect();
            (Cow::Owned(joined), sig_end)
        }
        _ => (Cow::Borrowed(run), end),
    }
}

fn url_safe(b: u8) -> u8 {
    match b {
        b'+' => b'-',
        b'/' => b'_',
        b => b,
    }
}

fn not_found(input: &[u8], size: usize) -> Result<Located, TokenError> {
    Err(TokenError::NotFound {
        size,
        preview: escape_bytes_preview(input, 16),
    })
}

/// Size and shape checks common to every paste form.
fn checked(compact: &str, form: PasteForm, others: usize) -> Result<Located, TokenError> {
    if compact.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge {
            size: compact.len(),
            limit: MAX_TOKEN_BYTES,
        });
    }
    let count = compact.split('.').count();
    if count >= 3 {
        for secret in compact.split('.').skip(2) {
            remember_secret(secret);
        }
    }
    match count {
        3 => Ok(Located {
            compact: compact.to_owned(),
            form,
            others,
        }),
        5 => Err(TokenError::Encrypted {
            enc: jwe_enc(compact).unwrap_or_else(|| "unknown".to_owned()),
        }),
        count => Err(TokenError::WrongSegmentCount { count }),
    }
}

fn jwe_enc(compact: &str) -> Option<String> {
    let header = compact.split('.').next()?;
    let bytes = super::jwt::decode_segment_bytes(header).ok()?;
    let json: Value = serde_json::from_slice(&bytes).ok()?;
    json.get("enc")?
        .as_str()
        .map(|s| crate::text::escape_control(s).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    /// A token whose signature bytes encode to base64 with `+` and `/` in it.
    fn parts() -> (String, String, String) {
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([
            0xfb_u8, 0xff, 0xbf, 0x12, 0x34, 0x56, 0xfb, 0xef, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05,
            0x06, 0x07,
        ]);
        (
            b64(r#"{"alg":"RS256","kid":"k"}"#),
            b64(r#"{"sub":"repo:acme/api:ref:refs/heads/main"}"#),
            sig,
        )
    }

    fn compact() -> String {
        let (h, p, s) = parts();
        format!("{h}.{p}.{s}")
    }

    #[test]
    fn two_tokens_on_two_lines_are_two_tokens() {
        let (h, p, s) = parts();
        let other = format!("{}.{p}.{s}", b64(r#"{"alg":"ES256"}"#));
        let input = format!("{h}.{p}.{s}\n{other}\n");
        let located = locate(input.as_bytes()).unwrap();
        assert_eq!(located.compact, compact());
        assert_eq!(located.others, 1);
    }

    #[test]
    fn a_token_however_its_dots_and_signature_are_written_is_found_whole() {
        let (h, p, s) = parts();
        let std_sig = s.replace('-', "+").replace('_', "/");
        let forms = [
            format!("{h}%2E{p}%2E{s}"),
            format!("token={h}%2e{p}%2e{s}&x=1"),
            format!("{{\"t\":\"{h}\\u002e{p}\\u002e{s}\"}}"),
            format!("log: {h}.{p}:{s}"),
            format!("log: {h}.{p} {s}"),
            format!("log: {h}.{p}\u{200b}{s}"),
            format!(
                "2026-03-02T10:15:00.1234567Z token {h}.{p}.\n2026-03-02T10:15:00.1234568Z {s}\n"
            ),
            format!("log: {h}.{p}.{std_sig}"),
        ];
        for form in &forms {
            let located = locate(form.as_bytes()).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(located.compact, compact(), "{form}");
        }
    }

    #[test]
    fn a_pretty_printed_header_is_a_token() {
        let h = b64("{\n  \"alg\": \"RS256\"\n}");
        assert!(h.starts_with("ewo"), "{h}");
        let (_, p, s) = parts();
        let input = format!("x {h}.{p}.{s} y");
        assert_eq!(
            locate(input.as_bytes()).unwrap().compact,
            format!("{h}.{p}.{s}")
        );
    }

    #[test]
    fn a_located_signature_is_remembered_by_the_gate() {
        let (h, p, _) = parts();
        let s = b64("a signature that shows up again later, alone");
        let input = format!("{h}.{p}.{s}");
        locate(input.as_bytes()).unwrap();
        let shown = crate::text::gate(&format!("line 7: {s}"));
        assert!(!shown.contains(&s[..20]), "{shown}");
    }
}
