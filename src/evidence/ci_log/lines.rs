//! Reading a job log line by line, whatever its size: a bounded line reader over any
//! `BufRead` (a 2 GB line without a break is cut, never held whole), the per-line
//! prefixes CI platforms write (RFC 3339 timestamps of GitHub Actions and Azure
//! Pipelines raw logs, the `job<TAB>step<TAB>` columns of `gh run view --log`, GitLab's
//! `FF_TIMESTAMPS` stream header, Buildkite's `ESC _bk;t=… BEL` marker), and the
//! terminal escapes and carriage returns that must go before a line is matched.
//!
//! Formats: GitHub's raw logs prefix every line with `2026-03-02T10:14:21.1234567Z `
//! (docs.github.com "Using workflow run logs"); GitLab runner 17.0+ with `FF_TIMESTAMPS`
//! writes `2026-03-02T10:14:21.123456Z 00O ` (a two-digit hex stream, `O`/`E` for
//! stdout/stderr, `+` for a continued line; docs.gitlab.com "CI/CD job log timestamps");
//! Buildkite agents write `ESC _bk;t=<milliseconds> BEL` before a line's text (seen in
//! the raw logs the Buildkite REST API returns; the docs do not describe it).

use std::borrow::Cow;
use std::io::BufRead;

use super::CiLogError;

/// The longest line kept for matching. CI tokens are 1–4 KiB; a longer line is cut here
/// and the rest of it skipped.
pub(crate) const MAX_LINE_BYTES: usize = 64 * 1024;

/// How far past [`MAX_LINE_BYTES`] a line is followed looking for its end before the
/// reader gives up on the input (a 2 GB line is not a job log).
pub(crate) const MAX_LINE_SCAN: u64 = 64 * 1024 * 1024;

/// One line as read, before decoding. `bytes` holds at most [`MAX_LINE_BYTES`].
pub(crate) struct RawLine<'a> {
    /// 1-based, as an editor numbers lines.
    pub number: usize,
    /// Byte offset of the line's first byte in the input.
    pub offset: u64,
    pub bytes: &'a [u8],
    /// The line's whole length (without its `\n`); more than `bytes.len()` when cut.
    pub length: u64,
}

/// A line reader that never holds more than one bounded line.
pub(crate) struct LineReader<R> {
    inner: R,
    line: Vec<u8>,
    number: usize,
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(inner: R) -> LineReader<R> {
        LineReader {
            inner,
            line: Vec::with_capacity(256),
            number: 0,
            offset: 0,
        }
    }

    /// The next line, `Ok(None)` at the end. An error names the line and byte where the
    /// input broke; lines before it were already handed out.
    pub(crate) fn next_line(&mut self) -> Result<Option<RawLine<'_>>, CiLogError> {
        self.line.clear();
        let start = self.offset;
        let mut length: u64 = 0;
        let mut any = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(CiLogError::Read {
                        line: self.number + 1,
                        offset: self.offset,
                        source,
                    });
                }
            };
            if chunk.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (take, newline) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..take.min(room)]);
            length += take as u64;
            let consumed = take + usize::from(newline);
            self.inner.consume(consumed);
            self.offset += consumed as u64;
            if newline {
                break;
            }
            if length > MAX_LINE_SCAN {
                return Err(CiLogError::LineTooLong {
                    line: self.number + 1,
                    offset: start,
                    limit: MAX_LINE_SCAN,
                });
            }
        }
        self.number += 1;
        Ok(Some(RawLine {
            number: self.number,
            offset: start,
            bytes: &self.line,
            length,
        }))
    }
}

/// Which per-line prefix a line carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prefix {
    None,
    /// `2026-03-02T10:14:21.1234567Z ` (GitHub Actions, Azure Pipelines raw logs).
    Timestamp,
    /// `job<TAB>step<TAB>2026-…Z ` (`gh run view --log`).
    GhRunView,
    /// `2026-…Z 00O ` (GitLab `FF_TIMESTAMPS`).
    GitlabStream,
    /// `ESC _bk;t=1745322209921 BEL` (Buildkite).
    Buildkite,
}

/// A line with its prefix taken off.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prefixed<'a> {
    pub time: Option<i64>,
    pub prefix: Prefix,
    /// The text after the prefix (escapes still in).
    pub rest: &'a str,
}

/// Take the platform's per-line prefix off.
pub(crate) fn split_prefix(line: &str) -> Prefixed<'_> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    if let Some(after) = line.strip_prefix("\x1b_bk;t=") {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after.as_bytes().get(digits) == Some(&0x07) {
            let time = after[..digits]
                .parse::<i64>()
                .ok()
                .map(|ms| ms.div_euclid(1000));
            return Prefixed {
                time,
                prefix: Prefix::Buildkite,
                rest: &after[digits + 1..],
            };
        }
    }
    if let Some((time, rest)) = leading_timestamp(line) {
        // GitLab's stream header: two hex digits, `O` or `E`, an optional `+`.
        let b = rest.as_bytes();
        if b.len() >= 3
            && b[0].is_ascii_hexdigit()
            && b[1].is_ascii_hexdigit()
            && matches!(b[2], b'O' | b'E')
            && matches!(b.get(3), None | Some(b' ' | b'+'))
        {
            let mut after = &rest[3..];
            after = after.strip_prefix('+').unwrap_or(after);
            after = after.strip_prefix(' ').unwrap_or(after);
            return Prefixed {
                time: Some(time),
                prefix: Prefix::GitlabStream,
                rest: after,
            };
        }
        return Prefixed {
            time: Some(time),
            prefix: Prefix::Timestamp,
            rest,
        };
    }
    if let Some((_, after_job)) = line.split_once('\t')
        && let Some((_, after_step)) = after_job.split_once('\t')
        && let Some((time, rest)) = leading_timestamp(after_step.trim_start_matches('\u{feff}'))
    {
        return Prefixed {
            time: Some(time),
            prefix: Prefix::GhRunView,
            rest,
        };
    }
    Prefixed {
        time: None,
        prefix: Prefix::None,
        rest: line,
    }
}

/// A leading `YYYY-MM-DDTHH:MM:SS[.fraction]Z` followed by a space or the end: the
/// Unix second and the text after the space.
fn leading_timestamp(line: &str) -> Option<(i64, &str)> {
    let b = line.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            digits
                .iter()
                .fold(0i64, |n, d| n * 10 + i64::from(d - b'0')),
        )
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if b.get(i) != Some(&b'Z') {
        return None;
    }
    i += 1;
    let rest = match b.get(i) {
        None => "",
        Some(b' ') => &line[i + 1..],
        Some(_) => return None,
    };
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + minute * 60 + second, rest))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The text a terminal would show: escape sequences (CSI colours, OSC titles and links,
/// APC markers) removed, and of a line rewritten with `\r` only the last part shown.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    if !text.contains(['\x1b', '\r']) {
        return Cow::Borrowed(text);
    }
    let stripped = if text.contains('\x1b') {
        Cow::Owned(strip_escapes(text))
    } else {
        Cow::Borrowed(text)
    };
    if !stripped.contains('\r') {
        return stripped;
    }
    let shown = stripped
        .split('\r')
        .rev()
        .find(|part| !part.trim().is_empty())
        .unwrap_or("");
    Cow::Owned(shown.to_owned())
}

fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates, then one final byte.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&c) {
                        break;
                    }
                }
            }
            // OSC, APC, DCS, PM, SOS: up to BEL or ESC \.
            Some(']' | '_' | 'P' | '^' | 'X') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            // Any other escape is two characters long.
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_raw_timestamp_is_read_to_the_second() {
        let p = split_prefix("\u{feff}2026-03-02T10:14:21.1234567Z ##[group]Run x/y@v4");
        assert_eq!(p.prefix, Prefix::Timestamp);
        assert_eq!(p.time, Some(1_772_446_461));
        assert_eq!(p.rest, "##[group]Run x/y@v4");
    }

    #[test]
    fn gitlab_stream_header_is_taken_off() {
        let p = split_prefix("2026-05-08T09:28:43.725057Z 00O+Preparing the \"shell\" executor");
        assert_eq!(p.prefix, Prefix::GitlabStream);
        assert_eq!(p.rest, "Preparing the \"shell\" executor");
        let p = split_prefix("2026-05-08T09:28:43.725057Z 01E fatal: unable to access");
        assert_eq!(p.rest, "fatal: unable to access");
    }

    #[test]
    fn gh_run_view_columns_are_taken_off() {
        let p = split_prefix(
            "deploy\tConfigure AWS credentials\t2026-03-02T10:14:21.0000000Z Assuming role with OIDC",
        );
        assert_eq!(p.prefix, Prefix::GhRunView);
        assert_eq!(p.rest, "Assuming role with OIDC");
        assert_eq!(p.time, Some(1_772_446_461));
    }

    #[test]
    fn buildkite_marker_gives_milliseconds() {
        let p = split_prefix("\x1b_bk;t=1745322209921\x07~~~ Running global environment hook");
        assert_eq!(p.prefix, Prefix::Buildkite);
        assert_eq!(p.time, Some(1_745_322_209));
        assert_eq!(p.rest, "~~~ Running global environment hook");
    }

    #[test]
    fn not_a_timestamp_is_left_alone() {
        for line in [
            "2026-13-02T10:14:21Z x",
            "2026-03-02 10:14:21 x",
            "2026-03-02T10:14:21+01:00 x",
            "",
            "短",
        ] {
            assert_eq!(split_prefix(line).prefix, Prefix::None, "{line}");
        }
    }

    #[test]
    fn escapes_and_carriage_returns_are_cleaned() {
        assert_eq!(
            clean("\x1b[32;1m$ aws sts get-caller-identity\x1b[0;m"),
            "$ aws sts get-caller-identity"
        );
        assert_eq!(
            clean(
                "section_start:1680000000:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage\x1b[0;m"
            ),
            "Executing \"step_script\" stage"
        );
        assert_eq!(
            clean("section_end:1680000005:step_script\r\x1b[0K"),
            "section_end:1680000005:step_script"
        );
        assert_eq!(clean("10%\r50%\r100%\r"), "100%");
        assert_eq!(clean("\x1b]8;;https://x\x07link\x1b]8;;\x07"), "link");
        assert_eq!(clean("plain"), "plain");
    }

    #[test]
    fn a_line_past_the_cap_is_cut_and_the_next_line_read() {
        let mut input = vec![b'a'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nsecond\n");
        let mut reader = LineReader::new(input.as_slice());
        let first = reader.next_line().unwrap().unwrap();
        assert_eq!(first.bytes.len(), MAX_LINE_BYTES);
        assert_eq!(first.length, (MAX_LINE_BYTES + 10) as u64);
        let second = reader.next_line().unwrap().unwrap();
        assert_eq!((second.number, second.bytes), (2, &b"second"[..]));
        assert_eq!(second.offset, (MAX_LINE_BYTES + 11) as u64);
        assert!(reader.next_line().unwrap().is_none());
    }
}
