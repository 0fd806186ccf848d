//! CI job logs as evidence (kind `ci-log/<platform>`). A log is recognised by what only
//! job logs contain — per-line timestamps, `##[group]` / `##[error]` markers, GitLab's
//! `section_start:` and `Running with gitlab-runner`, Azure Pipelines'
//! `##[section]Starting:`, CircleCI's `Exited with code`, Bitbucket's `Build teardown`,
//! Buildkite's `~~~` sections — never by its file name. Each platform's line reader lives
//! in its own file (`github`, `azure_devops`, `gitlab`, `circleci`, `bitbucket`,
//! `buildkite`) and says how strongly a line looks like that platform's and what its
//! marker means; a log no reader claims but that carries catalogued messages among
//! enough lines is `ci-log/generic`.
//!
//! Reading streams: a file over the in-memory limit is re-opened and read line by line
//! (`lines`), with every line's escapes and carriage returns cleaned before matching
//! and its original line number kept as the locator. Lines are matched against the
//! message catalogue (`messages`, one entry per row of `docs/reference/errors.md`), read for
//! the step inputs, claims and tokens they print (`analysis`), and placed on the stages
//! (`place`). `error_text` reuses the catalogue, the analysis and the placement for a
//! bare error message pasted alone.
//!
//! Documentation the formats come from is cited in each reader; the messages' sources
//! are cited entry by entry in `messages`.

mod azure_devops;
mod bitbucket;
mod buildkite;
mod circleci;
mod github;
mod gitlab;
mod lines;

pub(crate) mod analysis;
pub(crate) mod messages;
pub(crate) mod place;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::io::{BufRead, BufReader};

use self::analysis::{Analysis, Analyzer, Marker};
use self::lines::{LineReader, Prefix, clean, split_prefix};
use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Origin, Recognition,
    SharedFacts,
};
use crate::token::platform::Platform;

/// Why a log could not be read to its end. What was read before the damage is kept;
/// the error becomes the artifact's note.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CiLogError {
    /// The input failed while being read.
    #[error(
        "reading stopped at line {line} (byte {offset}): {source}; the lines before it were used"
    )]
    Read {
        line: usize,
        offset: u64,
        #[source]
        source: std::io::Error,
    },
    /// A line runs on without a line break: not a job log past this point.
    #[error(
        "line {line} (from byte {offset}) runs past {limit} bytes without a line break: reading stopped there; the lines before it were used"
    )]
    LineTooLong {
        line: usize,
        offset: u64,
        limit: u64,
    },
    /// A large file could not be opened again to read past its head.
    #[error("only the first {head} bytes were read: the file could not be opened again ({source})")]
    Reopen {
        head: usize,
        #[source]
        source: std::io::Error,
    },
}

/// A line as a platform reader sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    pub prefix: Prefix,
    /// After the prefix, escapes still in (GitLab's section markers live there).
    pub raw: &'a str,
    /// What a terminal would show.
    pub text: &'a str,
}

/// How one CI platform writes its log.
pub(crate) struct Dialect {
    pub platform: Platform,
    /// How strongly a line looks like this platform's (0: not at all; 1: weakly).
    pub score: fn(&View<'_>) -> u32,
    /// The line's marker and the text after it (a step's name for `StepStart`).
    pub read: for<'a> fn(&View<'a>) -> (Marker, &'a str),
}

const DIALECTS: [Dialect; 6] = [
    github::DIALECT,
    azure_devops::DIALECT,
    gitlab::DIALECT,
    circleci::DIALECT,
    bitbucket::DIALECT,
    buildkite::DIALECT,
];

/// A platform's score needed to claim a log.
const CLAIM_SCORE: u32 = 6;
/// Weak hints (a bare `Error:` line) count at most this much.
const WEAK_CAP: u32 = 3;
/// Lines looked at to recognise a log.
const SNIFF_LINES: usize = 5_000;
/// More non-empty lines than this, with a catalogued message, make a generic log; at
/// most this many can be an error text.
pub(crate) const ERROR_TEXT_MAX_LINES: usize = 20;

fn dialect(platform: Platform) -> Option<&'static Dialect> {
    DIALECTS.iter().find(|d| d.platform == platform)
}

/// What the head of an input looks like.
#[derive(Debug, Default)]
struct Sniff {
    strong: [u32; 6],
    weak: [u32; 6],
    nonempty: usize,
    timed: usize,
    catalogued: usize,
    escapes: bool,
    commands: usize,
}

/// True when the input is a JSON document (an object, or an array of values).
pub(crate) fn looks_like_json(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii_start();
    let trimmed = trimmed
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(trimmed)
        .trim_ascii_start();
    match trimmed.first() {
        Some(b'{') => true,
        Some(b'[') => {
            matches!(
                trimmed[1..].trim_ascii_start().first(),
                Some(b'{' | b'"' | b']' | b'[')
            ) || serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
        }
        _ => false,
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\''))
}

/// `key:` with nothing after it (a YAML mapping opening a block).
fn opens_block(line: &str) -> bool {
    let t = line.trim();
    let t = t.strip_prefix("- ").unwrap_or(t);
    t.strip_suffix(':').is_some_and(is_key)
}

/// `key: value`, `key:`, `- item`: shaped like a YAML line.
fn yaml_line(line: &str) -> bool {
    let t = line.trim();
    if t.starts_with("- ") || t == "-" {
        return true;
    }
    match t.split_once(':') {
        Some((key, rest)) => is_key(key) && (rest.is_empty() || rest.starts_with(' ')),
        None => false,
    }
}

/// True when the text reads as a YAML document (a workflow file, a `.gitlab-ci.yml`):
/// it starts `---`, or a top-level key opens an indented block and most lines are
/// YAML-shaped. Error texts (`Code: 400. Errors:`) and logs do not.
pub(crate) fn looks_like_yaml(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .take(400)
        .collect();
    let Some(first) = lines.first() else {
        return false;
    };
    if first.trim_end() == "---" {
        return true;
    }
    let nested = lines.windows(2).any(|w| {
        !w[0].starts_with(char::is_whitespace)
            && opens_block(w[0])
            && w[1].starts_with(char::is_whitespace)
    });
    let shaped = lines.iter().filter(|l| yaml_line(l)).count();
    nested && shaped * 10 >= lines.len() * 7
}

fn sniff(bytes: &[u8]) -> Sniff {
    let mut s = Sniff::default();
    for raw in bytes.split(|&b| b == b'\n').take(SNIFF_LINES) {
        let text = String::from_utf8_lossy(raw);
        let prefixed = split_prefix(&text);
        let cleaned = clean(prefixed.rest);
        let view = View {
            prefix: prefixed.prefix,
            raw: prefixed.rest,
            text: &cleaned,
        };
        if view.text.trim().is_empty() {
            continue;
        }
        s.nonempty += 1;
        if prefixed.time.is_some() {
            s.timed += 1;
        }
        s.escapes |= prefixed.rest.contains('\x1b');
        if view.text.starts_with("$ ") || view.text.starts_with("+ ") {
            s.commands += 1;
        }
        for (i, d) in DIALECTS.iter().enumerate() {
            match (d.score)(&view) {
                0 => {}
                1 => s.weak[i] += 1,
                n => s.strong[i] += n,
            }
        }
        if messages::classify(view.text).is_some() {
            s.catalogued += 1;
        }
    }
    s
}

/// The platform whose log this is, `Generic` for a log no reader claims, `None` when the
/// input is not a job log.
pub(crate) fn log_platform(bytes: &[u8]) -> Option<Platform> {
    if bytes.trim_ascii().is_empty() || looks_like_json(bytes) {
        return None;
    }
    let head = &bytes[..bytes.len().min(super::HEAD_BYTES)];
    // Binary, not a log: a log may carry a stray NUL (GitLab runner issue 37479 put
    // some in `FF_TIMESTAMPS` prefixes), binary data carries many.
    if memchr::memchr_iter(0, head).count() * 100 > head.len() {
        return None;
    }
    let s = sniff(head);
    let best = (0..DIALECTS.len())
        .map(|i| (s.strong[i] + s.weak[i].min(WEAK_CAP), i))
        .max_by_key(|&(score, i)| (score, std::cmp::Reverse(i)));
    if let Some((score, i)) = best
        && score >= CLAIM_SCORE
    {
        return Some(DIALECTS[i].platform);
    }
    if looks_like_yaml(&String::from_utf8_lossy(head)) {
        return None;
    }
    let log_shaped =
        s.nonempty > ERROR_TEXT_MAX_LINES || s.timed >= 3 || s.escapes || s.commands >= 2;
    if (s.catalogued > 0 && log_shaped) || s.timed >= 10 {
        return Some(Platform::Generic);
    }
    None
}

/// Recognises CI job logs.
pub struct CiLogSource;

impl EvidenceSource for CiLogSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::CiLog(Platform::Generic)
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if matches!(input.origin, Origin::Directory(_)) {
            return Recognition::NotMine;
        }
        match log_platform(&input.bytes) {
            Some(platform) => Recognition::Loaded(Box::new(load(input, platform))),
            None => Recognition::NotMine,
        }
    }
}

/// What reading a whole log gave.
pub(crate) struct Scan {
    pub analysis: Analysis,
    /// Damage, each with its line or byte.
    pub notes: Vec<String>,
}

/// Read every line of a log.
pub(crate) fn scan(reader: impl BufRead, platform: Platform) -> Scan {
    let dialect = dialect(platform);
    let mut analyzer = Analyzer::for_platform(platform);
    let mut notes = Vec::new();
    let mut reader = LineReader::new(reader);
    let (mut invalid, mut first_invalid) = (0usize, None);
    let (mut cut, mut first_cut) = (0usize, None);
    loop {
        let line = match reader.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                notes.push(e.to_string());
                break;
            }
        };
        let was_cut = line.length > line.bytes.len() as u64;
        if was_cut {
            cut += 1;
            first_cut.get_or_insert(line.number);
        }
        let text = match std::str::from_utf8(line.bytes) {
            Ok(text) => Cow::Borrowed(text),
            // A line cut inside a character is only incomplete.
            Err(e) if was_cut && e.error_len().is_none() => Cow::Borrowed(
                std::str::from_utf8(&line.bytes[..e.valid_up_to()]).unwrap_or_default(),
            ),
            Err(e) => {
                invalid += 1;
                first_invalid.get_or_insert((line.number, line.offset + e.valid_up_to() as u64));
                String::from_utf8_lossy(line.bytes)
            }
        };
        let prefixed = split_prefix(&text);
        let cleaned = clean(prefixed.rest);
        let view = View {
            prefix: prefixed.prefix,
            raw: prefixed.rest,
            text: &cleaned,
        };
        let (marker, marker_text) = match dialect {
            Some(d) => (d.read)(&view),
            None => (Marker::Plain, view.text),
        };
        let body = if marker == Marker::StepStart {
            view.text
        } else {
            marker_text
        };
        analyzer.feed(line.number, prefixed.time, body, marker, marker_text);
    }
    if let Some((line, offset)) = first_invalid {
        notes.push(format!(
            "{invalid} line(s) were not valid UTF-8 (first at line {line}, byte {offset}); they were read with replacement characters"
        ));
    }
    if let Some(line) = first_cut {
        notes.push(format!(
            "{cut} line(s) were longer than {} KiB and only their start was read (first at line {line})",
            lines::MAX_LINE_BYTES / 1024
        ));
    }
    Scan {
        analysis: analyzer.finish(),
        notes,
    }
}

fn load(input: &Input, platform: Platform) -> LoadedCiLog {
    let scanned = if input.truncated {
        match input.open() {
            Ok(reader) => scan(BufReader::new(reader), platform),
            Err(source) => {
                let mut s = scan(input.bytes.as_slice(), platform);
                s.notes.insert(
                    0,
                    CiLogError::Reopen {
                        head: input.bytes.len(),
                        source,
                    }
                    .to_string(),
                );
                s
            }
        }
    } else {
        scan(input.bytes.as_slice(), platform)
    };
    LoadedCiLog {
        platform,
        analysis: scanned.analysis,
        notes: scanned.notes,
    }
}

/// A loaded job log.
struct LoadedCiLog {
    platform: Platform,
    analysis: Analysis,
    notes: Vec<String>,
}

impl LoadedArtifact for LoadedCiLog {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::CiLog(self.platform)
    }

    fn note(&self) -> Option<String> {
        let a = &self.analysis;
        let mut note = format!(
            "{}: {} line(s){}, {} OIDC-related",
            place::describe(self.platform),
            a.lines,
            if a.timed_lines > 0 {
                " with timestamps"
            } else {
                ""
            },
            a.events.len() + a.dropped_events + a.claims.len() + a.tokens.len()
        );
        for damage in &self.notes {
            note.push_str("; ");
            note.push_str(damage);
        }
        Some(crate::text::escape_control(&note).into_owned())
    }

    fn share(&self, artifact: &str, facts: &mut SharedFacts) {
        place::share(&self.analysis, artifact, facts);
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        place::contribute(
            &self.analysis,
            place::Origin {
                artifact,
                platform: self.platform,
            },
            facts,
            out,
        );
    }
}
