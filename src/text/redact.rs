//! Redaction of secrets in text that leaves the tool. Token signatures never appear
//! anywhere: a JWT keeps `header.payload` (useful for a ticket, useless to an attacker
//! once expired) and loses its signature, however its dots are written (`%2E`,
//! `\u002e`) and whatever stands before the signature (a line break, a `:`, a space, a
//! zero-width space). Pasted logs also carry cloud keys, session tokens, platform
//! tokens, private keys and passwords; those are found two ways:
//! - **by structure**: a value after a key that names a secret (`password`,
//!   `client_secret`, `SecretAccessKey`, `--client-secret`, `Authorization:` …), in any
//!   quoting or JSON escaping, and the flags of `az login -p` and friends;
//! - **by shape**: the documented formats of AWS, GitHub, GitLab, Vault, GCP, Azure and
//!   the package registries, PEM private keys (also inline with `\n`), and long
//!   high-entropy runs that no readable text has.
//!
//! Signatures the tool has itself located in an input are also remembered
//! ([`remember_secret`]) and scrubbed wherever they reappear, so a signature that a log
//! printed on a line of its own is still caught. No maintained Rust crate of detection
//! rules was in the package lists this workspace has, so the rules are a table here,
//! held to a corpus of fake secrets in `tests/fixtures/secrets/` (`tests/secrets.rs`).

use std::borrow::Cow;
use std::sync::{LazyLock, RwLock};

use regex::Regex;

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The compact form of a token with its signature removed: `header.payload.<redacted>`.
pub fn redact_token(header_b64: &str, payload_b64: &str) -> String {
    format!("{header_b64}.{payload_b64}.{REDACTED}")
}

/// How a rule decides what of a match to keep.
#[derive(Clone, Copy)]
enum Keep {
    /// Capture group 1 stays, the rest of the match is the secret.
    Prefix,
    /// Groups 1 and 3 stay around the secret in group 2 (`user:<redacted>@host`).
    Around,
    /// A `key = value` match (groups `key`, `sep`, `val`): the value goes when it is
    /// shaped like a secret for that key, see [`value_is_secret`].
    KeyValue,
}

struct Rule {
    pattern: Regex,
    keep: Keep,
}

fn rule(pattern: &str, keep: Keep) -> Option<Rule> {
    // The patterns are constants; a failure would be a programming error caught by the
    // tests below, so it drops the rule rather than panicking in a user's session.
    Regex::new(pattern)
        .ok()
        .map(|pattern| Rule { pattern, keep })
}

/// Optional quote around a key or value, JSON-escaped or not.
const Q: &str = r#"(?:\\*["'`])?"#;

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let kv = |keys: &str| {
        format!(
            r#"(?i)(?P<key>\b[A-Za-z0-9_.\-]*(?:{keys})[A-Za-z0-9_.\-]*){Q}(?P<sep>[ \t]*(?:[:=]|=>|:=|\|)[ \t]*{Q}[ \t]*)(?P<val>(?:[^\s"'`\\,;&|}}{{\[\]<>()]|\\/)+)"#
        )
    };
    [
        // PEM private keys, multi-line or inline with literal `\n`, to their END line…
        rule(
            r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----)(?:\\[nrt\x{fdd0}-\x{fdd2}]|\\\\|[\sA-Za-z0-9+/=:,\-])*?-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----",
            Keep::Prefix,
        ),
        // …and a block cut short (no END line) loses everything key-shaped after its
        // BEGIN line, greedily: a lazy match stopped at the first odd character and
        // left the rest showing (found by the `gate` fuzz target).
        rule(
            r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----)(?:\\[nrt\x{fdd0}-\x{fdd2}]|\\\\|[\sA-Za-z0-9+/=:,_\-])+",
            Keep::Prefix,
        ),
        // AWS access key ids (long-term AKIA…, temporary ASIA…, and the unique ids of
        // roles and users, which the existing reports already hid).
        rule(r"\b((?:AKIA|ASIA|AROA|AIDA|ABIA|ACCA|AGPA|ANPA|ANVA|APKA))[A-Z0-9]{16}\b", Keep::Prefix),
        // AWS session tokens by their documented prefixes (base64 of the token's
        // binary header), with JSON-escaped slashes.
        rule(r"\b((?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz|AQoEXAMPLE))(?:[A-Za-z0-9+/=]|\\/|%2[BbFf]|%3[Dd])+", Keep::Prefix),
        // AWS keys by name, in every CLI output form: env `export`, credentials file
        // (any quoting), JSON (escaped or not), the table's `|  SecretAccessKey |  … |`.
        rule(
            &format!(r#"(?i)(\b(?:aws_?)?(?:secret_?access_?key|session_?token|security_?token)\b{Q}[ \t]*(?:[:=|]|=>)?[ \t]*{Q}[ \t]*)(?:[A-Za-z0-9+/=]|\\/|%2[BbFf]|%3[Dd]){{16,}}"#),
            Keep::Prefix,
        ),
        // Presigned URLs and SigV4 headers.
        rule(r"(?i)(X-Amz-Security-Token=)[^&\s\x22'<>]+", Keep::Prefix),
        rule(r"(?i)(X-Amz-Signature=)[^&\s\x22'<>]+", Keep::Prefix),
        rule(r"(?i)(\bSignature=)[0-9a-f]{32,}", Keep::Prefix),
        // GitHub: personal, OAuth, user-to-server, server-to-server, refresh, fine-grained.
        rule(r"\b((?:ghp|gho|ghu|ghs|ghr)_)[A-Za-z0-9]{20,}\b", Keep::Prefix),
        rule(r"\b(github_pat_)[A-Za-z0-9_]{20,}\b", Keep::Prefix),
        // GitLab: personal/project/group, deploy, runner, CI job, trigger, feed, OAuth…
        rule(r"\b((?:glpat|gldt|glrt|glrtr|glcbt|glptt|glft|glimt|gloas|glsoat|glffct|glagent|glwt|glsa)-)[A-Za-z0-9_.\-]{16,}", Keep::Prefix),
        rule(r"\b(GR1348941)[A-Za-z0-9_\-]{16,}", Keep::Prefix),
        // Vault service, batch and recovery tokens (1.10+), and the legacy forms.
        rule(r"\b((?:hvs|hvb|hvr)\.)[A-Za-z0-9_\-]{20,}", Keep::Prefix),
        rule(r"\b([sbr]\.)[A-Za-z0-9]{24,}\b", Keep::Prefix),
        // GCP: OAuth access and refresh tokens, API keys, OAuth client secrets.
        rule(r"\b(ya29\.)[A-Za-z0-9_\-.]{16,}", Keep::Prefix),
        rule(r"(\b1//0)[A-Za-z0-9_\-]{20,}", Keep::Prefix),
        rule(r"\b(AIza)[0-9A-Za-z_\-]{35}", Keep::Prefix),
        rule(r"\b(GOCSPX-)[A-Za-z0-9_\-]{20,}", Keep::Prefix),
        // Azure: client secrets (`xxx8Q~…`), storage/SAS signatures and account keys.
        rule(r"()\b[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}", Keep::Prefix),
        rule(r"(?i)([?&;\s]sig=)[A-Za-z0-9%/+=]{16,}", Keep::Prefix),
        rule(r"(?i)(\b(?:AccountKey|SharedAccessKey|SharedSecret)=)[A-Za-z0-9%/+=]{16,}", Keep::Prefix),
        // Registries and CI platforms (DESIGN.md's clouds and platforms).
        rule(r"\b(pypi-)AgE[A-Za-z0-9_\-]{40,}", Keep::Prefix),
        rule(r"\b(npm_)[A-Za-z0-9]{36}\b", Keep::Prefix),
        rule(r"\b(rubygems_)[a-f0-9]{48}\b", Keep::Prefix),
        rule(r"\b(cio)[a-zA-Z0-9]{32}\b", Keep::Prefix),
        rule(r"\b(dckr_pat_)[A-Za-z0-9_\-]{20,}", Keep::Prefix),
        rule(r"\b(CCIPAT_)[A-Za-z0-9_]{20,}", Keep::Prefix),
        rule(r"\b(bkua_)[a-f0-9]{40}\b", Keep::Prefix),
        rule(r"\b([A-Za-z0-9]{14}\.atlasv1\.)[A-Za-z0-9_\-]{40,}", Keep::Prefix),
        rule(r"\b(xox[abposr]-)[A-Za-z0-9\-]{10,}", Keep::Prefix),
        // Runner request tokens and pipeline access tokens by name.
        rule(r"(?i)\b((?:ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_RUNTIME_TOKEN|SYSTEM_ACCESSTOKEN|CI_JOB_JWT(?:_V2)?|CI_JOB_TOKEN|VAULT_TOKEN|X-Vault-Token|BUILDKITE_AGENT_ACCESS_TOKEN)\x22?\s*[:=]\s*'?\x22?)[^\s'\x22]+", Keep::Prefix),
        // `Authorization:` headers of any scheme, and Basic/Bearer credentials alone.
        rule(r#"(?i)(\b(?:Proxy-)?Authorization\\?["']?\s*[:=]\s*\\?["']?\s*(?:(?:Basic|Bearer|Token|Digest|Negotiate|NTLM|SharedAccessSignature|AWS4-HMAC-SHA256)\s+)?)[^\s"'\\]{6,}"#, Keep::Prefix),
        rule(r"(\b(?i:Basic|Bearer)\s+)(?:[A-Za-z0-9_\-.~+/]*[0-9+/=_\-A-Z][A-Za-z0-9_\-.~+/]*){1}=*", Keep::Prefix),
        // Passwords in URLs: `https://user:pass@host`.
        rule(r"(://[^/\s:@\x22']+:)([^@\s/\x22']+)(@)", Keep::Around),
        // CLI flags that take a secret, and `-p` of the login commands.
        rule(r#"(?i)((?:^|\s)--(?:password|passwd|client-secret|secret|token|sas-token|account-key|access-key|secret-key|secret-access-key|session-token|api-key|private-key|registration-token|auth-token)(?:\s+|=)\\?["']?)[^\s"'\\\-$][^\s"'\\]*"#, Keep::Prefix),
        rule(r#"(?i)(\b(?:az|docker|podman|helm|oras|skopeo|buildah|crane)\s+(?:registry\s+)?login\b[^\n]*?\s-p\s*\\?["']?)[^\s"'\\\-$][^\s"'\\]*"#, Keep::Prefix),
        // `password` / `secret` / `token` keys in any quoting or escaping.
        rule(
            &kv("password|passwd|passphrase|pwd|[_\\-.]pass\\b|secret|token|api[_\\-]?key|apikey|access[_\\-]?key|private[_\\-]?key|[_\\-.]key\\b|credential|signature|cookie|client[_\\-]?assertion"),
            Keep::KeyValue,
        ),
    ]
    .into_iter()
    .enumerate()
    .filter_map(|(i, r)| {
        debug_assert!(r.is_some(), "redaction rule {i} does not compile");
        r
    })
    .collect()
});

/// Shannon entropy of `s` in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// How many of: lowercase, uppercase, digit, other.
fn char_classes(s: &str) -> usize {
    let lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let upper = s.bytes().any(|b| b.is_ascii_uppercase());
    let digit = s.bytes().any(|b| b.is_ascii_digit());
    let other = s.bytes().any(|b| !b.is_ascii_alphanumeric());
    [lower, upper, digit, other].iter().filter(|&&x| x).count()
}

/// Whether `value` after `key` is a secret. Password keys redact any value;
/// other secret-looking keys redact values shaped like a secret (long, mixed,
/// high-entropy), so that `token: expired`, `id-token: write`, `secretName: deploy`
/// and URLs or ARNs after such a key stay readable. References to secrets
/// (`${{ secrets.X }}`, `$VAR`, `[MASKED]`) are not secrets.
fn value_is_secret(key: &str, value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'' || c == '\\');
    let lower_v = v.to_ascii_lowercase();
    if v.is_empty()
        || v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with("***")
        || v.contains(REDACTED)
        || matches!(
            lower_v.as_str(),
            "null" | "none" | "true" | "false" | "masked" | "redacted" | "undefined" | "required"
        )
    {
        return false;
    }
    let k = key.to_ascii_lowercase();
    if k.contains("pass") || k.contains("pwd") {
        return true;
    }
    // `SIGNING_KEY`, `encryption-key`: only a long random value, not `sort_key: name`.
    let key_only = ![
        "secret",
        "token",
        "credential",
        "signature",
        "cookie",
        "assertion",
        "api",
        "access",
        "private",
    ]
    .iter()
    .any(|w| k.contains(w));
    if key_only && !(v.chars().count() >= 20 && char_classes(v) >= 3 && entropy(v) >= 3.5) {
        return false;
    }
    if v.contains("://")
        || v.contains('@')
        || v.contains(':')
        || lower_v.starts_with("http")
        || is_uuid(v)
        || (k.contains("token") && (v.starts_with("ey") || v.starts_with("ew")))
    {
        return false;
    }
    // A path (`acme/api/.github/workflows/deploy.yml`) is not a secret.
    let pathlike = v.contains('/')
        && v.split('/')
            .filter(|p| {
                p.len() >= 3
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || matches!(b, b'-' | b'.' | b'_'))
            })
            .count()
            >= 2;
    if pathlike {
        return false;
    }
    let len = v.chars().count();
    let bare = matches!(
        k.trim_matches(|c: char| !c.is_ascii_alphanumeric()),
        "token" | "secret" | "signature" | "credential" | "cookie"
    );
    if bare {
        // `token: …` is also how reports label a claim value: only an opaque run.
        return len >= 16
            && char_classes(v) >= 3
            && v.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'=' | b'~')
            });
    }
    (len >= 8 && char_classes(v) >= 3) || (len >= 16 && char_classes(v) >= 2 && entropy(v) >= 3.5)
}

fn is_uuid(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn apply_rule<'t>(rule: &Rule, text: &'t str) -> Cow<'t, str> {
    if !rule.pattern.is_match(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut changed = false;
    for caps in rule.pattern.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let after = &text[whole.end()..];
        let replacement = match rule.keep {
            Keep::Prefix => {
                let prefix = caps.get(1).map_or("", |m| m.as_str());
                let secret = &whole.as_str()[prefix.len()..];
                if secret.is_empty() || secret.starts_with(REDACTED) || after.starts_with(REDACTED)
                {
                    continue;
                }
                // A cut-short PEM match may end on the line break after the key: keep it.
                let tail = match whole.as_str().chars().last() {
                    Some(c) if prefix.starts_with("-----BEGIN") && c.is_whitespace() => {
                        c.to_string()
                    }
                    _ => String::new(),
                };
                format!("{prefix}{REDACTED}{tail}")
            }
            Keep::Around => {
                let (Some(a), Some(b)) = (caps.get(1), caps.get(3)) else {
                    continue;
                };
                format!("{}{REDACTED}{}", a.as_str(), b.as_str())
            }
            Keep::KeyValue => {
                let (Some(key), Some(sep), Some(val)) =
                    (caps.name("key"), caps.name("sep"), caps.name("val"))
                else {
                    continue;
                };
                if after.starts_with(REDACTED) || !value_is_secret(key.as_str(), val.as_str()) {
                    continue;
                }
                format!(
                    "{}{}{}{REDACTED}",
                    key.as_str(),
                    &text[key.end()..sep.start()],
                    sep.as_str()
                )
            }
        };
        out.push_str(&text[last..whole.start()]);
        out.push_str(&replacement);
        last = whole.end();
        changed = true;
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

fn is_run_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'.')
}

/// A segment that decodes to a JSON object: `{` then `"` (`eyJ`), a space (`eyA`) or
/// a line break or tab (`ewo`, `ew0`, `ewk`), as pretty-printed headers are.
fn looks_like_json_segment(s: &str) -> bool {
    s.len() >= 4 && (s.starts_with("ey") || s.starts_with("ew"))
}

/// Cut the signature (and a JWE's encrypted parts) out of one run of base64url and
/// dots. The header and payload are the first pair of adjacent segments that both
/// decode to a JSON object with a segment after them; failing that, the first header
/// with two after it. Everything after the pair is redacted: a stray `eyJ.` before
/// the token moves the cut earlier (losing the payload), never later.
fn redact_run(run: &str) -> Option<String> {
    let segments: Vec<&str> = run.split('.').collect();
    let n = segments.len();
    // A header may have text glued in front of it (`token=eyJ…`, `-eyJ…`); a payload
    // follows a dot directly.
    let header = |i: usize| {
        segments
            .get(i)
            .is_some_and(|s| s.contains("eyJ") || looks_like_json_segment(s))
    };
    let payload = |i: usize| segments.get(i).is_some_and(|s| looks_like_json_segment(s));
    let pair = (0..n.saturating_sub(2))
        .find(|&i| header(i) && payload(i + 1))
        .or_else(|| (0..n.saturating_sub(2)).find(|&i| segments[i].contains("eyJ")))?;
    if segments[pair + 2..].iter().all(|s| s.is_empty()) {
        return None;
    }
    let mut kept = segments[..pair + 2].join(".");
    kept.push('.');
    kept.push_str(REDACTED);
    Some(kept)
}

/// Remove every JWT signature in a run of base64url and dots from `text`.
fn redact_jwt_runs(text: &str) -> Cow<'_, str> {
    if !(text.contains("ey") || text.contains("ew")) {
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
        if (run.contains("ey") || run.contains("ew"))
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

/// A dot written some other way: URL-encoded, a JSON or C escape, an HTML entity.
const DOT: &str = r"(?:\.|%2[Ee]|\\\\?u002[Ee]|\\x2[Ee]|&#46;|&#x2[Ee];|&period;)";
/// What may stand between a token's payload and its signature once a log, a
/// terminal or a copy has mangled it: dots in any spelling, spaces, `:`, quotes,
/// escaped or real line breaks (and a CI log's timestamp on the next line),
/// zero-width characters.
const SIG_GAP: &str = r#"(?:(?:\.|%2[Ee]|\\\\?u002[Ee]|\\x2[Ee]|&#46;|&#x2[Ee];|&period;|[ \t:"'`,;|+]|\\[nrt]|\\|\r?\n(?:\d{4}-\d\d-\d\dT[0-9:.]+Z?[ \t]+)?|\u{200b}|\u{200c}|\u{200d}|\u{2060}|\u{feff}|\u{ad})){1,12}"#;

/// JWTs whose dots are spelled otherwise, or whose signature is detached from the
/// payload, or written in standard base64 (`+`, `/`).
static LOOSE_JWT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<head>e[yw][A-Za-z0-9_\-]{{2,}}=*)(?P<dot>{DOT})(?P<payload>e[yw][A-Za-z0-9_\-]{{2,}}=*)(?P<gap>{SIG_GAP})(?P<sig>[A-Za-z0-9_\-+/]{{8,}}(?:[.=][A-Za-z0-9_\-+/=]*)*)"
    ))
    .ok()
});

fn redact_loose_jwts(text: &str) -> Cow<'_, str> {
    let Some(re) = LOOSE_JWT.as_ref() else {
        return Cow::Borrowed(text);
    };
    if !(text.contains("ey") || text.contains("ew")) || !re.is_match(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut changed = false;
    for caps in re.captures_iter(text) {
        let (Some(whole), Some(head), Some(payload), Some(gap), Some(sig)) = (
            caps.get(0),
            caps.name("head"),
            caps.name("payload"),
            caps.name("gap"),
            caps.name("sig"),
        ) else {
            continue;
        };
        let sig_s = sig.as_str();
        let real_dot = gap.as_str().contains('.')
            || gap.as_str().contains("2E")
            || gap.as_str().contains("2e")
            || gap.as_str().contains("&#46;")
            || gap.as_str().contains("&period;");
        // Past anything but a dot, only something shaped like a signature: long and
        // mixed, so a word after a `header.payload` is not taken for one.
        if !(real_dot || (sig_s.len() >= 16 && char_classes(sig_s) >= 2)) {
            continue;
        }
        out.push_str(&text[last..whole.start()]);
        out.push_str(head.as_str());
        out.push('.');
        out.push_str(payload.as_str());
        out.push('.');
        out.push_str(REDACTED);
        last = whole.end();
        changed = true;
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Long runs of base64 or hex that no readable text has: a session token printed by
/// `--output text`, a signature on its own line, a key in an unknown form. A run
/// counts when it is at least 80 characters (an ES256 signature is 86), mixes upper, lower case and digits and
/// has high entropy; a JWT header or payload (kept by design) does not count.
/// 40-character runs of that mix are AWS secret keys, whatever they stand next to.
fn redact_high_entropy(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-');
    let mut out = String::new();
    let mut last = 0;
    let mut i = 0;
    let mut changed = false;
    while i < bytes.len() {
        if !(is_b64(bytes[i]) || (bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'/'))) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() {
            if is_b64(bytes[i]) {
                i += 1;
            } else if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'/') {
                i += 2;
            } else {
                break;
            }
        }
        let mut end = i;
        while end < bytes.len() && bytes[end] == b'=' {
            end += 1;
        }
        let run = &text[start..i];
        let mixed = run.bytes().any(|b| b.is_ascii_lowercase())
            && run.bytes().any(|b| b.is_ascii_uppercase())
            && run
                .bytes()
                .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+');
        let jwt_part = looks_like_json_segment(run)
            || (start > 0 && bytes[start - 1] == b'.' && run.len() < 64)
            || run.contains("eyJ");
        let preceded_ok = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let aws_secret = run.len() == 40 && mixed && preceded_ok && end == i;
        let long = run.len() >= 80 && mixed && entropy(run) >= 4.0;
        if (aws_secret || long) && !jwt_part && !is_path(run) && !run.ends_with(REDACTED) {
            out.push_str(&text[last..start]);
            out.push_str(REDACTED);
            last = end;
            changed = true;
        }
        i = end.max(i);
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// A run of path segments (`projects/412345678901/locations/global/…`) rather than
/// base64: most of its characters sit in word-like pieces (all lowercase, digits only,
/// or camelCase with few capitals), which random base64 pieces are not.
fn is_path(run: &str) -> bool {
    if !run.contains('/') && !run.contains('_') && !run.contains('-') {
        return false;
    }
    let wordy = |p: &str| {
        let upper = p.bytes().filter(|b| b.is_ascii_uppercase()).count();
        let digits = p.bytes().filter(|b| b.is_ascii_digit()).count();
        p.len() >= 2 && (digits == p.len() || (upper * 5 <= p.len() && digits * 5 <= p.len()))
    };
    let covered: usize = run
        .split(['/', '_', '-', '\\'])
        .filter(|p| wordy(p))
        .map(str::len)
        .sum();
    covered * 10 >= run.len() * 7
}

/// Secret values seen whole (signatures of located tokens), scrubbed wherever they
/// reappear. Bounded: past the cap the oldest are dropped. Only `token::locate` adds to
/// it, not the redactors themselves: each new value rebuilds one matcher, and the
/// shapes the redactors find they find again wherever they appear.
struct Remembered {
    values: Vec<String>,
    pattern: Option<Regex>,
}

static REMEMBERED: LazyLock<RwLock<Remembered>> = LazyLock::new(|| {
    RwLock::new(Remembered {
        values: Vec::new(),
        pattern: None,
    })
});

const REMEMBER_CAP: usize = 512;
/// Shorter values would match ordinary words.
const REMEMBER_MIN: usize = 16;

/// Remember a secret seen in an input (a token's signature), so that it is scrubbed
/// from every later output even where nothing around it says it is one. Its pieces
/// between `+`, `/`, `-` and `_` are remembered too, for copies that broke it there.
pub fn remember_secret(secret: &str) {
    let secret = secret.trim_end_matches('=');
    if secret.len() < REMEMBER_MIN || secret.len() > 64 * 1024 || secret.contains(REDACTED) {
        return;
    }
    let mut pieces: Vec<&str> = vec![secret];
    pieces.extend(
        secret
            .split(['+', '/', '-', '_', '\\'])
            .filter(|p| p.len() >= REMEMBER_MIN && p.len() < secret.len()),
    );
    let Ok(mut known) = REMEMBERED.write() else {
        return;
    };
    let mut added = false;
    for piece in pieces {
        if !known.values.iter().any(|v| v == piece) {
            known.values.push(piece.to_owned());
            added = true;
        }
    }
    if !added {
        return;
    }
    let excess = known.values.len().saturating_sub(REMEMBER_CAP);
    known.values.drain(..excess);
    // Longest first, so a whole signature wins over its pieces.
    let mut sorted = known.values.clone();
    sorted.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let alternation = sorted
        .iter()
        .map(|v| regex::escape(v))
        .collect::<Vec<_>>()
        .join("|");
    known.pattern = regex::RegexBuilder::new(&alternation)
        .size_limit(64 << 20)
        .build()
        .ok();
}

fn redact_remembered(text: &str) -> Cow<'_, str> {
    let Ok(known) = REMEMBERED.read() else {
        return Cow::Borrowed(text);
    };
    match &known.pattern {
        Some(re) if re.is_match(text) => Cow::Owned(re.replace_all(text, REDACTED).into_owned()),
        _ => Cow::Borrowed(text),
    }
}

fn then<'a>(text: Cow<'a, str>, step: impl Fn(&str) -> Cow<'_, str>) -> Cow<'a, str> {
    match step(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Stand-ins for the letters of the escapes `\n`, `\t`, `\r` while the rules run:
/// `\nAKIA…` in a JSON-escaped log must not glue the `n` to the key id (no word
/// boundary, no match). Noncharacters, which the gate escapes wherever they come from.
const ESCAPE_STAND_INS: [(char, char); 3] =
    [('n', '\u{fdd0}'), ('t', '\u{fdd1}'), ('r', '\u{fdd2}')];

/// Remove token signatures and credentials from text that is about to leave the tool.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    let has_escapes = text.contains('\\')
        && (text.contains("\\n") || text.contains("\\t") || text.contains("\\r"))
        && !text.contains(['\u{fdd0}', '\u{fdd1}', '\u{fdd2}']);
    if !has_escapes {
        return redact_plain(text);
    }
    let mut marked = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        marked.push(c);
        if c == '\\' {
            match chars
                .peek()
                .and_then(|n| ESCAPE_STAND_INS.iter().find(|(l, _)| l == n))
            {
                Some(&(_, stand_in)) => {
                    marked.push(stand_in);
                    chars.next();
                }
                // `\\n` is an escaped backslash and a letter: keep both as they are.
                None => {
                    if let Some(next) = chars.next() {
                        marked.push(next);
                    }
                }
            }
        }
    }
    match redact_plain(&marked) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(redacted) => {
            let restored: String = redacted
                .chars()
                .map(|c| {
                    ESCAPE_STAND_INS
                        .iter()
                        .find(|(_, s)| *s == c)
                        .map_or(c, |(l, _)| *l)
                })
                .collect();
            Cow::Owned(restored)
        }
    }
}

fn redact_plain(text: &str) -> Cow<'_, str> {
    let mut out = then(Cow::Borrowed(text), redact_loose_jwts);
    out = then(out, redact_jwt_runs);
    for rule in RULES.iter() {
        out = then(out, |t| apply_rule(rule, t));
    }
    out = then(out, redact_high_entropy);
    then(out, redact_remembered)
}

/// The rules, by their matches, for a test that wants to know which one fired.
#[cfg(test)]
fn rule_count() -> usize {
    RULES.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles() {
        assert_eq!(rule_count(), 37);
        assert!(LOOSE_JWT.is_some());
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
    }

    #[test]
    fn jwe_keeps_only_the_first_two_segments() {
        let t = "eyJhbGciOiJSU0EifQ.a2V5.aXY.Y2lwaGVy.dGFn";
        assert_eq!(redact_secrets(t), "eyJhbGciOiJSU0EifQ.a2V5.<redacted>");
    }

    const H: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ";
    const P: &str = "eyJzdWIiOiJyZXBvOmFjbWUvYXBpIn0";
    const S: &str = "Zm9vYmFyYmF6cXV4cXV1eHF1dXpTSUdOQVRVUkUxMjM0NTY3ODk";

    #[test]
    fn jwts_however_their_dots_and_signature_are_written() {
        let forms = [
            format!("{H}%2E{P}%2E{S}"),
            format!("{H}%2e{P}%2e{S}"),
            format!("{H}\\u002e{P}\\u002e{S}"),
            format!("{H}.{P}:{S}"),
            format!("{H}.{P} {S}"),
            format!("{H}.{P}\u{200b}{S}"),
            format!("{H}.{P}.\n{S}"),
            format!("{H}.{P}\n2026-03-02T10:15:00.1234567Z {S}"),
            format!("{H}.{P}.ab+cd/{S}"),
            format!("ewogICJhbGciOiAiUlMyNTYiCn0.{P}.{S}"),
        ];
        for f in &forms {
            let r = redact_secrets(f);
            assert!(!r.contains("Zm9vYmFy"), "{f:?} → {r:?}");
            assert!(
                !r.contains("SIGNATURE") && !r.contains("U0lHTkFU"),
                "{f:?} → {r:?}"
            );
        }
    }

    #[test]
    fn a_remembered_signature_is_scrubbed_alone() {
        remember_secret("QWxvbmVPbkl0c093bkxpbmVTaWduYXR1cmU");
        let r = redact_secrets("line 2: QWxvbmVPbkl0c093bkxpbmVTaWduYXR1cmU");
        assert_eq!(r, "line 2: <redacted>");
    }

    #[test]
    fn aws_keys_and_session_tokens_are_scrubbed() {
        let log = "AccessKeyId: ASIAY34FZKBOKMUTVV7A\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n{\"SessionToken\": \"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH\"}";
        let r = redact_secrets(log);
        assert!(!r.contains("Y34FZKBOKMUTVV7A"), "{r}");
        assert!(!r.contains("wJalrXUtnFEMI"), "{r}");
        assert!(!r.contains("IQoJb3JpZ2luX2VjEJr"), "{r}");
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
    fn readable_values_after_secret_words_stay() {
        for t in [
            "id-token: write",
            "token: expired 3h ago",
            "client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}",
            "secretName: deploy",
            "\"token.actions.githubusercontent.com:sub\": \"repo:acme/api:ref:refs/heads/main\"",
            "token_endpoint: https://token.actions.githubusercontent.com/token",
            "Basic authentication is disabled",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ] {
            assert_eq!(redact_secrets(t), t);
        }
    }

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        let t = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
        assert!(matches!(redact_secrets(t), Cow::Borrowed(_)));
    }

    #[test]
    fn a_token_after_a_truncated_private_key_does_not_survive() {
        // Found by the gate fuzz target: the cut-short PEM rule stopped at `_`.
        let t = "-----BEGIN RSA PRIVATE KEY-----MIIEow ghp_Fz9Qm2Lw8Xr4Tb6Yc1Vn5Hk3Jd7Sa0GpUeWi Q3Wj\n0Pzn";
        let r = redact_secrets(t);
        assert!(!r.contains("Fz9Qm2Lw8Xr4"), "{r}");
        assert!(!r.contains("MIIEow") && !r.contains("0Pzn"), "{r}");
    }

    #[test]
    fn redaction_is_idempotent() {
        let log = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz";
        let once = redact_secrets(log).into_owned();
        assert_eq!(redact_secrets(&once), once);
    }
}
