//! The prefilter: which events of an export are parsed in full, and what is read from
//! the others without parsing them. Nearly all of a real trail is unrelated to
//! federation, so the ingest speed is that of this decision.
//!
//! The structural splitter (`scan`) marks an event a *candidate* when one of
//! [`NEEDLES`] occurs in its bytes (a SIMD `memmem` over each read, not per event):
//! the exchange itself, any error, a web-identity session — and any `\u` escape,
//! because an escape can spell any of those (`"AssumeRoleWith\u0057ebIdentity"`,
//! `"error\u0043ode"`) where no byte search sees it. Candidates are parsed.
//!
//! The result must be exactly that of a full parse. A non-candidate can still matter in
//! one way: a call by an assumed-role session indexes its temporary access key (so
//! "the session made no calls" can be said). [`index_quietly`] reads that key, the
//! identity type and ARN and the event time by walking only the event's first fields
//! (CloudTrail writes `userIdentity` and `eventTime` first), and gives up — the event
//! is then parsed — whenever the bytes are not plainly what the full parse would read
//! the same way: a key repeated, a value of an unexpected type, an escape inside one
//! of those values. An event that is not a candidate and is not valid JSON is skipped
//! without a word in both ways (only events that mention what the diagnosis looks
//! for are damage worth naming).

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::event::parse_time_text;
use super::export::Export;

/// What makes an event a candidate for the full parse.
pub(crate) static NEEDLES: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
    [
        &b"AssumeRoleWithWebIdentity"[..],
        b"errorCode",
        b"federatedProvider",
        b"\\u",
    ]
    .iter()
    .map(|n| Finder::new(n).into_owned())
    .collect()
});

static ACCESS_KEY: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"\"accessKeyId\"").into_owned());
static USER_IDENTITY: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"\"userIdentity\"").into_owned());
static EVENT_TIME: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"\"eventTime\"").into_owned());

/// The walk met something the full parse might read otherwise: parse the event.
pub(crate) struct Unsure;

/// Index the access key of a non-candidate event as the full parse would (a call by
/// an assumed-role session, `userIdentity.type` `AssumedRole` or an ARN with
/// `:assumed-role/`). `Err(Unsure)`: parse the event instead.
pub(crate) fn index_quietly(unit: &[u8], export: &mut Export) -> Result<(), Unsure> {
    if ACCESS_KEY.find(unit).is_none() {
        // No access key at all (keys are never escaped: `\u` makes a candidate).
        return Ok(());
    }
    // Each key once in the event, so no later duplicate overrides what is read here.
    if USER_IDENTITY.find_iter(unit).nth(1).is_some() || EVENT_TIME.find_iter(unit).nth(1).is_some()
    {
        return Err(Unsure);
    }
    let mut identity = None;
    let mut time = None;
    let mut fields = Fields::new(unit, 0)?;
    while let Some((key, value)) = fields.next_field()? {
        match key {
            b"userIdentity" => identity = Some(value),
            b"eventTime" => time = Some(value),
            _ => {}
        }
        if identity.is_some() && time.is_some() {
            break;
        }
    }
    let time = match time {
        None => None,
        Some(v) => string_value(unit, v)?.and_then(parse_time_text),
    };
    let Some((start, _)) = identity else {
        return Ok(());
    };
    if unit[start] != b'{' {
        // `null`, a string, an array: the full parse reads no identity from them.
        return match unit[start] {
            b'n' | b'"' | b'[' => Ok(()),
            _ => Err(Unsure),
        };
    }
    let (mut kind, mut arn, mut key) = (None, None, None);
    let mut inner = Fields::new(unit, start)?;
    while let Some((name, value)) = inner.next_field()? {
        let slot = match name {
            b"type" => &mut kind,
            b"arn" => &mut arn,
            b"accessKeyId" => &mut key,
            _ => continue,
        };
        if slot.is_some() {
            return Err(Unsure);
        }
        *slot = Some(string_value(unit, value)?);
    }
    let (kind, arn, key) = (kind.flatten(), arn.flatten(), key.flatten());
    let assumed = kind == Some(&b"AssumedRole"[..])
        || arn.is_some_and(|a| memchr::memmem::find(a, b":assumed-role/").is_some());
    if assumed && let Some(key) = key {
        export.note_key(key, time, false);
    }
    Ok(())
}

/// A string value's bytes as the full parse reads them (`None` for `null`, `""` and
/// `"null"`, which count as absent); an escape or another type is `Unsure`.
fn string_value(unit: &[u8], (start, end): (usize, usize)) -> Result<Option<&[u8]>, Unsure> {
    let v = &unit[start..end];
    if v == b"null" {
        return Ok(None);
    }
    let s = v
        .strip_prefix(b"\"")
        .and_then(|s| s.strip_suffix(b"\""))
        .ok_or(Unsure)?;
    if memchr::memchr(b'\\', s).is_some() {
        return Err(Unsure);
    }
    Ok((!s.is_empty() && s != b"null").then_some(s))
}

/// One field of an object: its key (raw bytes) and the span of its value.
type Field<'a> = (&'a [u8], (usize, usize));

/// The fields of one JSON object, walked without building anything: each key (raw
/// bytes) and the span of its value.
struct Fields<'a> {
    b: &'a [u8],
    i: usize,
    first: bool,
}

impl<'a> Fields<'a> {
    /// The object that starts at `at` (after whitespace).
    fn new(b: &'a [u8], at: usize) -> Result<Fields<'a>, Unsure> {
        let i = ws(b, at);
        if b.get(i) != Some(&b'{') {
            return Err(Unsure);
        }
        Ok(Fields {
            b,
            i: i + 1,
            first: true,
        })
    }

    fn next_field(&mut self) -> Result<Option<Field<'a>>, Unsure> {
        let b = self.b;
        let mut i = ws(b, self.i);
        match b.get(i) {
            Some(b'}') => return Ok(None),
            Some(b',') if !self.first => i = ws(b, i + 1),
            Some(b'"') if self.first => {}
            _ => return Err(Unsure),
        }
        self.first = false;
        if b.get(i) != Some(&b'"') {
            return Err(Unsure);
        }
        let key_end = string_end(b, i)?;
        let key = &b[i + 1..key_end - 1];
        if memchr::memchr(b'\\', key).is_some() {
            return Err(Unsure);
        }
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err(Unsure);
        }
        let start = ws(b, i + 1);
        let end = value_end(b, start)?;
        self.i = end;
        Ok(Some((key, (start, end))))
    }
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The index after the string that opens at `b[i]` (a quote).
fn string_end(b: &[u8], i: usize) -> Result<usize, Unsure> {
    let mut j = i + 1;
    loop {
        let k = memchr::memchr2(b'"', b'\\', b.get(j..).ok_or(Unsure)?).ok_or(Unsure)?;
        if b[j + k] == b'"' {
            return Ok(j + k + 1);
        }
        j += k + 2;
    }
}

/// The index after the value that starts at `b[i]`.
fn value_end(b: &[u8], i: usize) -> Result<usize, Unsure> {
    match b.get(i).ok_or(Unsure)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1).ok_or(Unsure)?;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err(Unsure)
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                j += 1;
            }
            if j == i { Err(Unsure) } else { Ok(j) }
        }
    }
}

#[cfg(test)]
#[path = "../../../benches/support/generator.rs"]
pub(crate) mod generator;

#[cfg(test)]
mod tests {
    use std::io::{self, Read};

    use super::generator::Generator;
    use crate::evidence::cloudtrail::ingest::ingest_reader_with;

    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions-1";

    /// Records a prefilter could get wrong: markers inside other strings, escaped
    /// quotes, escapes spelling the event name and the error key, keys out of
    /// CloudTrail's order, repeated keys, escaped and odd-typed values.
    fn adversarial() -> Vec<String> {
        let wi = r#""userIdentity":{"type":"WebIdentityUser","principalId":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:repo:o/r:ref:refs/heads/main","userName":"repo:o/r:ref:refs/heads/main","identityProvider":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}"#;
        let call = |key: &str, extra: &str| {
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"AssumedRole","arn":"{SESSION}","accessKeyId":"{key}"}},"eventTime":"2026-03-02T10:05:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject"{extra},"eventID":"e"}}"#
            )
        };
        vec![
            // The event name spelled with an escape: an exchange all the same.
            format!(
                r#"{{"eventVersion":"1.08",{wi},"eventTime":"2026-03-02T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWith\u0057ebIdentity","errorCode":"AccessDenied","requestParameters":{{"roleArn":"arn:aws:iam::123456789012:role/deploy","roleSessionName":"GitHubActions-1"}},"eventID":"a1"}}"#
            ),
            format!(
                r#"{{"eventVersion":"1.08",{wi},"eventTime":"2026-03-02T10:01:00Z","eventSource":"sts.amazonaws.com","eventName":"\u0041ssumeRoleWithWebIdentity","requestParameters":{{"roleArn":"arn:aws:iam::123456789012:role/deploy","roleSessionName":"GitHubActions-1"}},"responseElements":{{"credentials":{{"accessKeyId":"ASIAESCAPEDEXCHANGE1"}},"subjectFromWebIdentityToken":"repo:o/r:ref:refs/heads/main"}},"eventID":"a2"}}"#
            ),
            // The error key spelled with an escape, on an assumed-role call.
            call("ASIAESCAPEDEXCHANGE1", r#","error\u0043ode":"AccessDenied","errorMessage":"denied""#),
            // Markers inside other strings, and an escaped quote before them.
            call("ASIAESCAPEDEXCHANGE1", r#","userAgent":"x \"AssumeRoleWithWebIdentity\" errorCode federatedProvider""#),
            format!(r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","accessKeyId":"AKIAX"}},"eventTime":"2026-03-02T10:02:00Z","requestParameters":{{"s":"\"}}{{\"eventName\":\"AssumeRoleWithWebIdentity\""}}}}"#),
            // Key order CloudTrail does not write, a nested key before the real one.
            r#"{"eventVersion":"1.08","requestParameters":{"accessKeyId":"ASIAWRONGNESTED00001","userIdentity":{"type":"AssumedRole"}},"userIdentity":{"accessKeyId":"ASIAESCAPEDEXCHANGE1","arn":"arn:aws:sts::1:assumed-role/deploy/s","type":"Role"},"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-03-02T10:06:00Z"}"#.to_owned(),
            // Repeated keys: the full parse decides.
            r#"{"userIdentity":{"type":"IAMUser"},"eventTime":"2026-03-02T10:07:00Z","userIdentity":{"type":"AssumedRole","accessKeyId":"ASIAESCAPEDEXCHANGE1"}}"#.to_owned(),
            r#"{"userIdentity":{"type":"AssumedRole","accessKeyId":"ASIAONE","accessKeyId":"ASIAESCAPEDEXCHANGE1"},"eventTime":"2026-03-02T10:08:00Z"}"#.to_owned(),
            // An escaped slash in the key, a numeric time, a null identity, an array.
            r#"{"userIdentity":{"type":"AssumedRole","accessKeyId":"ASIA\/SLASH"},"eventTime":"2026-03-02T10:09:00Z"}"#.to_owned(),
            r#"{"userIdentity":{"type":"AssumedRole","accessKeyId":"ASIAESCAPEDEXCHANGE1"},"eventTime":1772445600}"#.to_owned(),
            r#"{"userIdentity":null,"eventTime":"2026-03-02T10:10:00Z","x":{"accessKeyId":"ASIAESCAPEDEXCHANGE1"}}"#.to_owned(),
            r#"{"userIdentity":["AssumedRole"],"accessKeyId":"ASIAESCAPEDEXCHANGE1"}"#.to_owned(),
            r#"{"userIdentity":{"type":"AssumedRole","accessKeyId":""},"eventTime":"null"}"#.to_owned(),
            // Pretty-printed, over several lines.
            "{\n  \"userIdentity\" : {\n    \"type\" : \"AssumedRole\",\n    \"accessKeyId\" : \"ASIAESCAPEDEXCHANGE1\"\n  },\n  \"eventTime\" : \"2026-03-02T10:11:00Z\"\n}".to_owned(),
            // An identity with only the ARN to say it is an assumed role.
            r#"{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/deploy/s","accessKeyId":"ASIAARNONLY000000001"},"eventTime":"2026-03-02T10:12:00Z"}"#.to_owned(),
            r#"{"eventTime":"2026-03-02T10:13:00Z","userIdentity":{"type":"IAMUser","accessKeyId":"ASIANOTASSUMED000001"},"eventTime":"2026-03-02T10:14:00Z"}"#.to_owned(),
        ]
    }

    /// A generated export salted with the adversarial records, as JSON lines or
    /// `{"Records":[…]}`.
    fn salted(records: bool, seed: u64) -> Vec<u8> {
        let mut g = Generator::new(seed);
        let salt = adversarial();
        let mut events = Vec::new();
        for i in 0..4000 {
            events.push(g.event());
            if i % 97 == 0 {
                events.push(salt[(i / 97) % salt.len()].clone());
            }
        }
        events.extend(salt);
        if records {
            format!("{{\"Records\":[{}]}}", events.join(",")).into_bytes()
        } else {
            (events.join("\n") + "\n").into_bytes()
        }
    }

    /// Reads in odd-sized pieces, so records and needles straddle reads.
    struct Dribble<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Dribble<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.step = (self.step * 7 + 13) % 65_537 + 1;
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Everything an export holds, in a stable order, less the count of events
    /// parsed and the interned names (which only share memory).
    fn result(mut reader: impl Read, full: bool) -> String {
        let e = ingest_reader_with(&mut reader, full);
        let mut keys: Vec<String> = e.keys.iter().map(|(k, v)| format!("{k}:{v:?}")).collect();
        keys.sort();
        let mut paths: Vec<String> = e
            .paths
            .iter()
            .map(|(k, v)| format!("{k:?}:{v:?}"))
            .collect();
        paths.sort();
        format!(
            "form {:?} bytes {} events {}\nattempts {} {:?}\ncalls {} {:?}\nkeys {} overflow {}\n{}\npaths {}\nother {:?} {}\ndamage {} {:?}\nunmapped {:?}\n",
            e.form,
            e.bytes,
            e.events,
            e.attempts_seen,
            e.attempts,
            e.calls_seen,
            e.calls,
            e.keys.len(),
            e.keys_overflow,
            keys.join("\n"),
            paths.join("\n"),
            e.other_paths,
            e.other_path_count,
            e.damage_count,
            e.damage,
            e.unmapped,
        )
    }

    #[test]
    fn the_prefilter_gives_exactly_the_full_parse() {
        for records in [false, true] {
            for seed in [1, 2] {
                let bytes = salted(records, seed);
                let full = result(&bytes[..], true);
                assert_eq!(result(&bytes[..], false), full, "records {records}");
                let dribbled = Dribble {
                    bytes: &bytes,
                    step: seed as usize,
                };
                assert_eq!(result(dribbled, false), full, "records {records}, dribbled");
            }
        }
    }

    #[test]
    fn an_escaped_event_name_is_found() {
        let bytes = salted(false, 3);
        let export = ingest_reader_with(&mut &bytes[..], false);
        assert!(
            export
                .attempts
                .iter()
                .any(|a| a.loc.event_id.as_deref() == Some("a1")),
            "the escaped exchange is an attempt"
        );
        assert!(
            export.parsed < export.events / 5,
            "{} of {}",
            export.parsed,
            export.events
        );
    }
}
