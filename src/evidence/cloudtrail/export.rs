//! What an export boils down to, in bounded memory whatever its size: every
//! `AssumeRoleWithWebIdentity` counted per (role, subject) path, the most recent
//! attempts and session calls kept in full, and a compact index of every temporary
//! access key seen calling AWS (so "the session made no calls" can be said of an
//! export of any size). Directory workers each fill one and merge them.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::event::{
    Attempt, Fields, Form, Interner, Interpreted, Locator, SessionCall, Text, interpret,
};

/// Attempts and calls kept in full (the most recent by event time).
pub(crate) const KEEP_ATTEMPTS: usize = 4_096;
pub(crate) const KEEP_CALLS: usize = 4_096;
/// Distinct temporary access keys indexed (32 bytes each).
pub(crate) const KEEP_KEYS: usize = 131_072;
/// Kept items are trimmed back to their bound once this many more have arrived.
const TRIM_SLACK: usize = 1_024;
/// Distinct (role, subject) paths counted one by one.
pub(crate) const KEEP_PATHS: usize = 2_048;
/// Problems described one by one (the rest are counted).
const KEEP_DAMAGE: usize = 8;

/// Something wrong with (part of) an export. What was read before it is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudTrailError {
    /// Reading failed part-way.
    #[error("cannot read{} at byte {offset}: {message}", in_file(.file))]
    Read {
        file: Option<Text>,
        offset: u64,
        message: String,
    },
    /// The gzip stream is damaged; the events decompressed before the damage are kept.
    #[error("corrupt gzip stream{} at compressed byte {compressed} (decompressed byte {decompressed}): {message}", in_file(.file))]
    CorruptGzip {
        file: Option<Text>,
        compressed: u64,
        decompressed: u64,
        message: String,
    },
    /// The export ends inside an event (a cut download): that event is dropped.
    #[error("the export{} ends inside the event that starts at byte {offset} (cut short?): that event is dropped", in_file(.file))]
    Truncated { file: Option<Text>, offset: u64 },
    /// The export ends after its last complete event but before its closing brackets.
    #[error("the export{} ends before its closing brackets (cut short after a complete event?)", in_file(.file))]
    Unclosed { file: Option<Text> },
    /// Closing brackets with nothing open.
    #[error("{count} stray closing bracket(s){}, the first at byte {offset}: the export is not well-formed JSON there", in_file(.file))]
    Unbalanced {
        file: Option<Text>,
        offset: u64,
        count: u64,
    },
    /// One value too large to be a CloudTrail event.
    #[error("the value at byte {offset}{} is {length} bytes, more than any CloudTrail event: skipped", in_file(.file))]
    Oversized {
        file: Option<Text>,
        offset: u64,
        length: u64,
    },
    /// An event that mentions what the diagnosis looks for, but does not parse.
    #[error("{locator} (byte {offset}): not a readable event: {message}")]
    BadEvent {
        locator: String,
        offset: u64,
        message: String,
    },
    /// A directory entry that could not be read.
    #[error("cannot read {path}: {message}")]
    Walk { path: String, message: String },
    /// Nothing in the input is a CloudTrail event.
    #[error("no CloudTrail event found in {what}")]
    Empty { what: String },
}

impl CloudTrailError {
    /// Problems that cost the rest of a stream come first.
    fn rank(&self) -> u8 {
        match self {
            CloudTrailError::CorruptGzip { .. } | CloudTrailError::Read { .. } => 0,
            CloudTrailError::Truncated { .. } | CloudTrailError::Unclosed { .. } => 1,
            CloudTrailError::Walk { .. } | CloudTrailError::Empty { .. } => 2,
            CloudTrailError::Unbalanced { .. } | CloudTrailError::Oversized { .. } => 3,
            CloudTrailError::BadEvent { .. } => 4,
        }
    }
}

fn in_file(file: &Option<Text>) -> String {
    match file {
        Some(f) => format!(" in {}", crate::text::escape_control(f)),
        None => String::new(),
    }
}

/// Calls seen with one temporary access key (32 bytes with its key in the index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyActivity {
    pub calls: u32,
    pub denied: u32,
    first: i64,
    last: i64,
}

impl Default for KeyActivity {
    fn default() -> KeyActivity {
        KeyActivity {
            calls: 0,
            denied: 0,
            first: i64::MAX,
            last: i64::MIN,
        }
    }
}

impl KeyActivity {
    fn add(&mut self, time: Option<i64>, denied: bool) {
        self.calls = self.calls.saturating_add(1);
        self.denied = self.denied.saturating_add(u32::from(denied));
        if let Some(t) = time {
            self.first = self.first.min(t);
            self.last = self.last.max(t);
        }
    }

    fn merge(&mut self, other: &KeyActivity) {
        self.calls = self.calls.saturating_add(other.calls);
        self.denied = self.denied.saturating_add(other.denied);
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }

    /// The first call's time, if any call had one.
    pub fn first(&self) -> Option<i64> {
        (self.first != i64::MAX).then_some(self.first)
    }

    /// The last call's time, if any call had one.
    pub fn last(&self) -> Option<i64> {
        (self.last != i64::MIN).then_some(self.last)
    }
}

/// The keys are already hashes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// FNV-1a: a 64-bit fingerprint of an access key id (collisions are negligible
/// among the at most [`KEEP_KEYS`] keys indexed).
pub(crate) fn key_hash(key: &[u8]) -> u64 {
    key.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Attempts on one (role, subject) path.
#[derive(Clone, Debug, Default)]
pub(crate) struct PathStats {
    pub attempts: u64,
    pub failures: BTreeMap<Text, u64>,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub last_failure: Option<i64>,
}

impl PathStats {
    fn add(&mut self, a: &Attempt) {
        self.attempts += 1;
        if let Some(code) = &a.error_code {
            *self.failures.entry(Arc::clone(code)).or_default() += 1;
            if let Some(t) = a.time {
                self.last_failure = Some(self.last_failure.map_or(t, |l| l.max(t)));
            }
        }
        if let Some(t) = a.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }

    fn merge(&mut self, o: &PathStats) {
        self.attempts += o.attempts;
        for (code, n) in &o.failures {
            *self.failures.entry(Arc::clone(code)).or_default() += n;
        }
        for (mine, theirs, pick) in [
            (&mut self.first, o.first, i64::min as fn(i64, i64) -> i64),
            (&mut self.last, o.last, i64::max),
            (&mut self.last_failure, o.last_failure, i64::max),
        ] {
            if let Some(t) = theirs {
                *mine = Some(mine.map_or(t, |m| pick(m, t)));
            }
        }
    }

    pub fn failed(&self) -> u64 {
        self.failures.values().sum()
    }
}

pub(crate) const UNKNOWN: &str = "(unknown)";

/// The export, read.
#[derive(Debug, Default)]
pub struct Export {
    pub(crate) form: Option<Form>,
    pub(crate) gzip: bool,
    /// For a directory: files read, and files that were not CloudTrail logs.
    pub(crate) files_read: u64,
    pub(crate) files_skipped: u64,
    pub(crate) directory: bool,
    /// Bytes read (decompressed).
    pub(crate) bytes: u64,
    pub(crate) events: u64,
    /// Events parsed in full (candidates).
    pub(crate) parsed: u64,
    /// Parse every event, prefilter off (the reference the prefilter is tested against).
    pub(crate) full_parse: bool,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) attempts_seen: u64,
    pub(crate) calls: Vec<SessionCall>,
    pub(crate) calls_seen: u64,
    pub(crate) keys: HashMap<u64, KeyActivity, BuildHasherDefault<PassThrough>>,
    /// Calls whose key could not be indexed because the index was full.
    pub(crate) keys_overflow: u64,
    pub(crate) paths: HashMap<(Text, Text), PathStats>,
    pub(crate) other_paths: PathStats,
    pub(crate) other_path_count: u64,
    pub(crate) damage: Vec<CloudTrailError>,
    pub(crate) damage_count: u64,
    /// Columns of tabular results that were not understood.
    pub(crate) unmapped: Vec<String>,
    pub(crate) names: Interner,
}

impl Export {
    /// Attempts with `AssumeRoleWithWebIdentity` seen (kept or not).
    pub fn web_identity_events(&self) -> u64 {
        self.attempts_seen
    }

    /// Events read.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Bytes read (after decompression).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// (role, subject, attempts, failures) per path, most attempts first.
    pub fn path_summary(&self) -> Vec<(String, String, u64, u64)> {
        let mut v: Vec<_> = self
            .paths
            .iter()
            .map(|((r, s), p)| (r.to_string(), s.to_string(), p.attempts, p.failed()))
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.cmp(b)));
        v
    }

    /// Problems met while reading, most important first.
    pub fn damage(&self) -> &[CloudTrailError] {
        &self.damage
    }

    pub(crate) fn damage_push(&mut self, e: CloudTrailError) {
        self.damage_count += 1;
        if self.damage.len() < KEEP_DAMAGE {
            self.damage.push(e);
        }
    }

    /// Record a parsed event.
    pub(crate) fn record(&mut self, event: &impl Fields, loc: Locator) {
        self.parsed += 1;
        match interpret(event, loc, &mut self.names) {
            Interpreted::Attempt(a) => self.add_attempt(a),
            Interpreted::Call(c) => {
                if let Some(key) = &c.access_key {
                    self.note_key(key.as_bytes(), c.time, c.refused());
                }
                if c.web_identity || c.error_code.is_some() {
                    self.add_call(c);
                }
            }
            Interpreted::Other => {}
        }
    }

    /// A call made with a temporary access key (read without parsing the event).
    pub(crate) fn note_key(&mut self, key: &[u8], time: Option<i64>, denied: bool) {
        let h = key_hash(key);
        if let Some(k) = self.keys.get_mut(&h) {
            k.add(time, denied);
        } else if self.keys.len() < KEEP_KEYS {
            let mut k = KeyActivity::default();
            k.add(time, denied);
            self.keys.insert(h, k);
        } else {
            self.keys_overflow += 1;
        }
    }

    pub(crate) fn key_activity(&self, key: &str) -> Option<&KeyActivity> {
        self.keys.get(&key_hash(key.as_bytes()))
    }

    fn path_of(&mut self, a: &Attempt) -> (Text, Text) {
        let unknown = || Arc::from(UNKNOWN);
        (
            a.role.clone().unwrap_or_else(unknown),
            a.subject.clone().unwrap_or_else(unknown),
        )
    }

    pub(crate) fn add_attempt(&mut self, a: Attempt) {
        self.attempts_seen += 1;
        let key = self.path_of(&a);
        if let Some(p) = self.paths.get_mut(&key) {
            p.add(&a);
        } else if self.paths.len() < KEEP_PATHS {
            let mut p = PathStats::default();
            p.add(&a);
            self.paths.insert(key, p);
        } else {
            self.other_path_count += 1;
            self.other_paths.add(&a);
        }
        self.attempts.push(a);
        if self.attempts.len() >= KEEP_ATTEMPTS + TRIM_SLACK {
            keep_latest(&mut self.attempts, KEEP_ATTEMPTS);
        }
    }

    pub(crate) fn add_call(&mut self, c: SessionCall) {
        self.calls_seen += 1;
        self.calls.push(c);
        if self.calls.len() >= KEEP_CALLS + TRIM_SLACK {
            keep_latest(&mut self.calls, KEEP_CALLS);
        }
    }

    /// Fold another worker's export into this one.
    pub(crate) fn merge(&mut self, other: Export) {
        self.form = self.form.or(other.form);
        self.gzip |= other.gzip;
        self.files_read += other.files_read;
        self.files_skipped += other.files_skipped;
        self.bytes += other.bytes;
        self.events += other.events;
        self.parsed += other.parsed;
        self.attempts_seen += other.attempts_seen;
        self.calls_seen += other.calls_seen;
        self.attempts.extend(other.attempts);
        self.calls.extend(other.calls);
        keep_latest(&mut self.attempts, KEEP_ATTEMPTS);
        keep_latest(&mut self.calls, KEEP_CALLS);
        for (h, k) in &other.keys {
            if let Some(mine) = self.keys.get_mut(h) {
                mine.merge(k);
            } else if self.keys.len() < KEEP_KEYS {
                self.keys.insert(*h, *k);
            } else {
                self.keys_overflow += u64::from(k.calls);
            }
        }
        self.keys_overflow += other.keys_overflow;
        for (key, p) in other.paths {
            if let Some(mine) = self.paths.get_mut(&key) {
                mine.merge(&p);
            } else if self.paths.len() < KEEP_PATHS {
                self.paths.insert(key, p);
            } else {
                self.other_path_count += 1;
                self.other_paths.merge(&p);
            }
        }
        self.other_paths.merge(&other.other_paths);
        self.other_path_count += other.other_path_count;
        self.damage_count += other.damage_count - other.damage.len() as u64;
        for d in other.damage {
            self.damage_push(d);
        }
        for c in other.unmapped {
            if !self.unmapped.contains(&c) && self.unmapped.len() < 16 {
                self.unmapped.push(c);
            }
        }
    }

    /// Sort what was kept by time, oldest first (ties by place in the export), and
    /// the problems by weight (a broken stream before one bad event).
    pub(crate) fn finish(&mut self) {
        self.damage.sort_by_key(CloudTrailError::rank);
        keep_latest(&mut self.attempts, KEEP_ATTEMPTS);
        keep_latest(&mut self.calls, KEEP_CALLS);
        self.attempts
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.calls.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// Attempts not kept in full (older ones, past [`KEEP_ATTEMPTS`]).
    pub(crate) fn attempts_dropped(&self) -> u64 {
        self.attempts_seen
            .saturating_sub(self.attempts.len() as u64)
    }
}

/// Something with an event time and a place in the export.
pub(crate) trait Timed {
    fn sort_key(&self) -> (Option<i64>, (&str, u64));
}

impl Timed for Attempt {
    fn sort_key(&self) -> (Option<i64>, (&str, u64)) {
        (self.time, self.loc.order_key())
    }
}

impl Timed for SessionCall {
    fn sort_key(&self) -> (Option<i64>, (&str, u64)) {
        (self.time, self.loc.order_key())
    }
}

/// Keep the `n` most recent items (untimed ones count as oldest), deterministically.
fn keep_latest<T: Timed>(items: &mut Vec<T>, n: usize) {
    if items.len() <= n {
        return;
    }
    items.sort_by(|a, b| b.sort_key().cmp(&a.sort_key()));
    items.truncate(n);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(t: i64, code: Option<&str>) -> Attempt {
        Attempt {
            loc: Locator {
                file: None,
                form: Form::Lines,
                ordinal: t as u64,
                line: t as u64,
                offset: t as u64,
                event_id: None,
            },
            time: Some(t),
            role: Some(Arc::from("arn:aws:iam::1:role/r")),
            session_name: None,
            subject: Some(Arc::from("repo:a/b:ref:refs/heads/main")),
            audience: None,
            provider: None,
            assumed_arn: None,
            access_key: None,
            duration: None,
            error_code: code.map(Arc::from),
            error_message: None,
            region: None,
        }
    }

    #[test]
    fn only_the_most_recent_attempts_are_kept_but_all_are_counted() {
        let mut e = Export::default();
        for t in 0..(3 * KEEP_ATTEMPTS as i64 + 10) {
            e.add_attempt(attempt(t, (t % 2 == 0).then_some("AccessDenied")));
        }
        e.finish();
        assert_eq!(e.attempts.len(), KEEP_ATTEMPTS);
        assert_eq!(e.attempts[0].time, Some(2 * KEEP_ATTEMPTS as i64 + 10));
        assert_eq!(e.attempts_seen, 3 * KEEP_ATTEMPTS as u64 + 10);
        let p = e.paths.values().next().unwrap();
        assert_eq!(p.attempts, 3 * KEEP_ATTEMPTS as u64 + 10);
        assert_eq!(p.failed(), (3 * KEEP_ATTEMPTS as u64 + 10).div_ceil(2));
    }

    #[test]
    fn merging_is_a_sum() {
        let mut a = Export::default();
        let mut b = Export::default();
        a.add_attempt(attempt(1, None));
        b.add_attempt(attempt(2, Some("AccessDenied")));
        a.note_key(b"ASIAONE", Some(5), false);
        b.note_key(b"ASIAONE", Some(3), true);
        a.merge(b);
        a.finish();
        assert_eq!(a.attempts.len(), 2);
        let k = a.key_activity("ASIAONE").unwrap();
        assert_eq!(
            (k.calls, k.denied, k.first(), k.last()),
            (2, 1, Some(3), Some(5))
        );
        let p = a.paths.values().next().unwrap();
        assert_eq!(
            (p.attempts, p.failed(), p.first, p.last_failure),
            (2, 1, Some(1), Some(2))
        );
    }
}
