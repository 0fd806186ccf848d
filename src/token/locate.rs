//! Finding the token in what people actually paste: a bare JWT, `Bearer …`, the token
//! inside JSON (`{"value":"eyJ…"}`, the shape GitHub's token endpoint returns, or any
//! string field), inside a log line, or wrapped over lines with stray quotes.

use serde::Serialize;
use serde_json::Value;

use super::error::TokenError;
use crate::text::escape_bytes_preview;

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

/// True if `s` is shaped like a compact JWT: starts `eyJ`, only base64url and dots,
/// at least one dot.
fn looks_like_jwt(s: &str) -> bool {
    s.starts_with("eyJ") && s.contains('.') && s.bytes().all(is_token_byte)
}

/// Find the token in pasted input. `NotFound` means "this is not a token": other
/// sniffers may still recognise the input.
pub fn locate(input: &[u8]) -> Result<Located, TokenError> {
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
            None => not_found(input),
        };
    }

    if let Some(joined) = unwrap_lines(trimmed) {
        let lines = trimmed.lines().count();
        return checked(&joined, PasteForm::Wrapped { lines }, 0);
    }

    scan_text(input)
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
    let joined: String = text
        .chars()
        .filter(|&c| !(c.is_whitespace() || is_quote(c) || c == '\\'))
        .collect();
    looks_like_jwt(&joined).then_some(joined)
}

/// Scan free text (a log) for JWT-shaped runs.
fn scan_text(input: &[u8]) -> Result<Located, TokenError> {
    let mut runs: Vec<(usize, &[u8])> = Vec::new();
    let mut i = 0;
    while let Some(pos) = find(&input[i..], b"eyJ") {
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
    let Some(&(start, run)) = best else {
        return not_found(input);
    };
    let mut distinct: Vec<&[u8]> = runs
        .iter()
        .filter(|(_, r)| is_jws(r) || is_jwe(r))
        .map(|(_, r)| *r)
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let others = distinct.len().saturating_sub(1);
    let line = input[..start].iter().filter(|&&b| b == b'\n').count() + 1;
    // The run is ASCII by construction.
    let compact = String::from_utf8_lossy(run).into_owned();
    checked(&compact, PasteForm::InText { line }, others)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn not_found(input: &[u8]) -> Result<Located, TokenError> {
    Err(TokenError::NotFound {
        size: input.len(),
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
