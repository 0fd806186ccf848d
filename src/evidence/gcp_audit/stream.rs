//! Splits a JSON log export into its records without holding the export whole: the
//! shapes cloud consoles and CLIs write are a JSON array of records (`gcloud logging
//! read --format=json`, the Logs Explorer and Entra portal downloads, `az monitor
//! log-analytics query`), one record per line (Logs Explorer's newline-delimited
//! download, Azure diagnostic-settings archives), a single record, or a wrapper object
//! whose `value` / `records` / `entries` array holds them (Microsoft Graph list
//! responses, diagnostic archives, the Logging API's `entries.list`).
//!
//! The splitter only tracks strings and brackets; each record's bytes are handed to
//! serde_json by the caller. A record larger than the caller's limit is skipped with its
//! size (a 2 GB single line costs no memory), a cut-off export ends with
//! [`StreamError::Truncated`] after every complete record before the cut, and binary
//! noise between records is skipped a line at a time. Both log sources of this crate
//! (`gcp_audit`, `azure_signin`) read their exports through it.

use std::io::Read;

use serde_json::{Map, Value};

/// Keys of a wrapper object whose array holds the records: Microsoft Graph `value`,
/// Azure diagnostic archives `records`, the Cloud Logging API's `entries`.
const RECORD_KEYS: &[&str] = &["value", "records", "entries"];

/// Deeper nesting than this is not a log export (and would grow the bracket stack).
const MAX_DEPTH: usize = 1024;

/// Bytes read from the input at a time.
const CHUNK: usize = 64 * 1024;

/// How a record sat in the export, for its locator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// An element of a top-level array: `$[3]`.
    ArrayElement,
    /// A top-level value: the single record, or one line of newline-delimited JSON.
    TopLevel,
    /// An element of a wrapper object's array: `$.value[3]`.
    WrapperElement(&'static str),
}

/// One record of the export, as bytes.
#[derive(Clone, Debug)]
pub(crate) struct RawRecord {
    /// Position within its container (0-based).
    pub position: usize,
    /// Line where it starts (1-based).
    pub line: u64,
    pub framing: Framing,
    /// The record's bytes; `None` when it was larger than the limit.
    pub bytes: Option<Vec<u8>>,
    /// Its size in bytes.
    pub size: u64,
}

impl RawRecord {
    /// Where the record is, as evidence cites it.
    pub fn locator(&self) -> String {
        match self.framing {
            Framing::ArrayElement => format!("$[{}] (line {})", self.position, self.line),
            Framing::TopLevel => format!("line {}", self.line),
            Framing::WrapperElement(key) => {
                format!("$.{key}[{}] (line {})", self.position, self.line)
            }
        }
    }
}

/// Why an export could not be read to its end. Records before the damage stay usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// Reading the input failed.
    #[error("reading failed at byte {offset}: {source}")]
    Io {
        offset: u64,
        #[source]
        source: std::io::Error,
    },
    /// The brackets do not nest.
    #[error("line {line} (byte {offset}): {what}")]
    Syntax {
        line: u64,
        offset: u64,
        what: &'static str,
    },
    /// The input ends inside a record or a container.
    #[error(
        "the input ends inside {what} that starts at line {line} (byte {offset}): it was cut off"
    )]
    Truncated {
        line: u64,
        offset: u64,
        what: &'static str,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Container,
    String,
    Scalar,
}

#[derive(Debug)]
struct Capture {
    shape: Shape,
    /// Stack depth at which the record started; a container record ends when the stack
    /// is back to it.
    depth: usize,
    line: u64,
    offset: u64,
    framing: Framing,
    position: usize,
    buf: Vec<u8>,
    size: u64,
    oversized: bool,
}

/// The wrapper object the records came in, if any.
#[derive(Clone, Debug, Default)]
pub(crate) struct Wrapper {
    pub key: &'static str,
    /// Its scalar fields before the record array (`@odata.context`, …).
    pub fields: Map<String, Value>,
}

/// The records of one export, in order.
pub(crate) struct Records<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    eof: bool,
    done: bool,
    line: u64,
    stack: Vec<u8>,
    in_string: bool,
    escape_pending: bool,
    /// Skipping a line of non-JSON text at the top level.
    skipping_line: bool,
    capture: Option<Capture>,
    /// Start (in `buf`) of the capture bytes not yet copied into the capture.
    seg_start: usize,
    max_record: usize,
    /// Position counter of the current container.
    position: usize,
    top_level_values: usize,
    top_level_arrays: usize,
    /// Key tracking in a top-level object (to find a wrapper's record array).
    expect_key: bool,
    key_from: Option<usize>,
    key_buf: Vec<u8>,
    key_too_long: bool,
    current_key: Option<&'static str>,
    /// The wrapper array currently streamed.
    wrapper_active: Option<&'static str>,
    wrapper: Option<Wrapper>,
    skipped_lines: usize,
    first_skipped_line: Option<u64>,
}

impl<R: Read> Records<R> {
    /// Records of `reader`; a record larger than `max_record` bytes is reported with its
    /// size but without its bytes.
    pub fn new(reader: R, max_record: usize) -> Records<R> {
        Records {
            reader,
            buf: vec![0; CHUNK],
            pos: 0,
            len: 0,
            base: 0,
            eof: false,
            done: false,
            line: 1,
            stack: Vec::new(),
            in_string: false,
            escape_pending: false,
            skipping_line: false,
            capture: None,
            seg_start: 0,
            max_record,
            position: 0,
            top_level_values: 0,
            top_level_arrays: 0,
            expect_key: false,
            key_from: None,
            key_buf: Vec::new(),
            key_too_long: false,
            current_key: None,
            wrapper_active: None,
            wrapper: None,
            skipped_lines: 0,
            first_skipped_line: None,
        }
    }

    /// The wrapper object, when the records came in one.
    pub fn wrapper(&self) -> Option<&Wrapper> {
        self.wrapper.as_ref()
    }

    /// Lines of non-JSON text skipped at the top level, and the first of them.
    pub fn skipped_lines(&self) -> (usize, Option<u64>) {
        (self.skipped_lines, self.first_skipped_line)
    }

    /// How the export was framed, for the artifact note.
    pub fn framing_label(&self) -> &'static str {
        if let Some(w) = &self.wrapper {
            return match w.key {
                "value" => "list response (`value` array)",
                "records" => "archive (`records` array)",
                _ => "list response (`entries` array)",
            };
        }
        if self.top_level_arrays > 0 {
            "JSON array"
        } else if self.top_level_values > 1 {
            "newline-delimited JSON"
        } else {
            "single JSON object"
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn at(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    /// Copy the pending capture bytes `buf[seg_start..end]` into the capture.
    fn flush_capture(&mut self, end: usize) {
        if let Some(cap) = &mut self.capture {
            let seg = &self.buf[self.seg_start.min(end)..end];
            cap.size += seg.len() as u64;
            if !cap.oversized {
                if cap.buf.len() + seg.len() > self.max_record {
                    cap.oversized = true;
                    cap.buf = Vec::new();
                } else {
                    cap.buf.extend_from_slice(seg);
                }
            }
        }
        self.seg_start = end;
    }

    fn flush_key(&mut self, end: usize) {
        if let Some(from) = self.key_from {
            let seg = &self.buf[from.min(end)..end];
            if self.key_buf.len() + seg.len() > 64 {
                self.key_too_long = true;
            } else {
                self.key_buf.extend_from_slice(seg);
            }
            self.key_from = Some(end);
        }
    }

    /// Read the next chunk; false at the end of the input.
    fn refill(&mut self) -> Result<bool, StreamError> {
        self.flush_capture(self.len);
        self.flush_key(self.len);
        self.base += self.len as u64;
        self.pos = 0;
        self.len = 0;
        self.seg_start = 0;
        if self.key_from.is_some() {
            self.key_from = Some(0);
        }
        if self.eof {
            return Ok(false);
        }
        loop {
            match self.reader.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(StreamError::Io {
                        offset: self.base,
                        source,
                    });
                }
            }
        }
    }

    /// True when a value starting now is a record.
    fn at_record_level(&self) -> bool {
        match self.stack.as_slice() {
            [] => true,
            [b'['] => self.wrapper_active.is_none(),
            [b'{', b'['] => self.wrapper_active.is_some(),
            _ => false,
        }
    }

    fn start_capture(&mut self, shape: Shape, i: usize) {
        let framing = match (self.stack.len(), self.wrapper_active) {
            (0, _) => Framing::TopLevel,
            (_, Some(key)) => Framing::WrapperElement(key),
            _ => Framing::ArrayElement,
        };
        let position = if framing == Framing::TopLevel {
            self.top_level_values
        } else {
            self.position
        };
        self.capture = Some(Capture {
            shape,
            depth: self.stack.len(),
            line: self.line,
            offset: self.at(i),
            framing,
            position,
            buf: Vec::new(),
            size: 0,
            oversized: false,
        });
        self.seg_start = i;
    }

    /// End the capture at `end` (exclusive) and hand it out.
    fn finish_capture(&mut self, end: usize) -> Option<RawRecord> {
        self.flush_capture(end);
        let cap = self.capture.take()?;
        if cap.framing == Framing::TopLevel {
            self.top_level_values += 1;
        } else {
            self.position += 1;
        }
        Some(RawRecord {
            position: cap.position,
            line: cap.line,
            framing: cap.framing,
            bytes: (!cap.oversized).then_some(cap.buf),
            size: cap.size,
        })
    }

    fn syntax(&mut self, i: usize, what: &'static str) -> StreamError {
        self.done = true;
        StreamError::Syntax {
            line: self.line,
            offset: self.at(i),
            what,
        }
    }

    /// The end of the input: an open record or container means the export was cut.
    fn finish(&mut self) -> Result<Option<RawRecord>, StreamError> {
        self.done = true;
        if let Some(cap) = &self.capture {
            if cap.shape == Shape::Scalar && !self.in_string && self.stack.len() == cap.depth {
                return Ok(self.finish_capture(self.len));
            }
            let (line, offset) = (cap.line, cap.offset);
            self.capture = None;
            return Err(StreamError::Truncated {
                line,
                offset,
                what: "a record",
            });
        }
        if !self.stack.is_empty() || self.in_string {
            return Err(StreamError::Truncated {
                line: self.line,
                offset: self.offset(),
                what: "the enclosing array or object (no record is open)",
            });
        }
        Ok(None)
    }

    /// The next record; `Ok(None)` at the end. After an error the stream stops.
    pub fn next_record(&mut self) -> Result<Option<RawRecord>, StreamError> {
        if self.done {
            return Ok(None);
        }
        loop {
            if self.pos >= self.len {
                match self.refill() {
                    Ok(true) => {}
                    Ok(false) => return self.finish(),
                    Err(e) => {
                        self.done = true;
                        return Err(e);
                    }
                }
            }
            if self.skipping_line {
                match memchr::memchr(b'\n', &self.buf[self.pos..self.len]) {
                    Some(k) => {
                        self.pos += k;
                        self.skipping_line = false;
                    }
                    None => {
                        self.pos = self.len;
                        continue;
                    }
                }
            }
            if self.in_string {
                if self.escape_pending {
                    self.escape_pending = false;
                    self.pos += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &self.buf[self.pos..self.len]) {
                    None => self.pos = self.len,
                    Some(k) => {
                        let i = self.pos + k;
                        if self.buf[i] == b'\\' {
                            if i + 1 < self.len {
                                self.pos = i + 2;
                            } else {
                                self.escape_pending = true;
                                self.pos = i + 1;
                            }
                        } else {
                            self.in_string = false;
                            self.pos = i + 1;
                            if self.key_from.is_some() {
                                self.flush_key(i);
                                self.key_from = None;
                                self.current_key = if self.key_too_long {
                                    None
                                } else {
                                    RECORD_KEYS
                                        .iter()
                                        .find(|k| k.as_bytes() == self.key_buf.as_slice())
                                        .copied()
                                };
                            }
                            let string_record_done =
                                matches!(&self.capture, Some(c) if c.shape == Shape::String);
                            if string_record_done {
                                return Ok(self.finish_capture(i + 1));
                            }
                        }
                    }
                }
                continue;
            }

            let i = self.pos;
            let c = self.buf[i];
            // A scalar record ends at the first delimiter, which is then read normally.
            if let Some(cap) = &self.capture
                && cap.shape == Shape::Scalar
                && matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
            {
                return Ok(self.finish_capture(i));
            }
            self.pos = i + 1;
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                b'"' => {
                    if self.stack.is_empty() && self.capture.is_none() {
                        // Text at the top level is not an export's JSON: skip the line.
                        self.note_skipped();
                        continue;
                    }
                    if self.capture.is_none() && self.at_record_level() {
                        self.start_capture(Shape::String, i);
                    }
                    if self.tracking_keys() && self.expect_key {
                        self.key_from = Some(i + 1);
                        self.key_buf.clear();
                        self.key_too_long = false;
                    }
                    self.in_string = true;
                }
                b'{' | b'[' => {
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(self.syntax(i, "nesting deeper than 1024 levels"));
                    }
                    if c == b'[' && self.stack.is_empty() {
                        // A top-level array: its elements are the records.
                        self.top_level_arrays += 1;
                        self.position = 0;
                        self.stack.push(c);
                        continue;
                    }
                    if c == b'['
                        && self.tracking_keys()
                        && !self.expect_key
                        && let Some(key) = self.current_key
                    {
                        self.open_wrapper(key, i);
                        self.stack.push(c);
                        continue;
                    }
                    if self.capture.is_none() && self.at_record_level() {
                        self.start_capture(Shape::Container, i);
                    }
                    self.stack.push(c);
                    if c == b'{' && self.tracking_keys() {
                        self.expect_key = true;
                        self.current_key = None;
                    }
                }
                b'}' | b']' => {
                    let open = if c == b'}' { b'{' } else { b'[' };
                    match self.stack.pop() {
                        None => return Err(self.syntax(i, "a closing bracket outside any value")),
                        Some(o) if o != open => {
                            return Err(
                                self.syntax(i, "a closing bracket does not match its opening one")
                            );
                        }
                        Some(_) => {}
                    }
                    if c == b']' && self.wrapper_active.is_some() && self.stack.len() == 1 {
                        self.wrapper_active = None;
                        self.current_key = None;
                    }
                    if let Some(cap) = &self.capture
                        && cap.shape == Shape::Container
                        && self.stack.len() == cap.depth
                    {
                        return Ok(self.finish_capture(i + 1));
                    }
                    if self.stack.is_empty() && self.capture.is_none() && c == b'}' {
                        // The end of a wrapper object.
                        self.top_level_values += 1;
                    }
                }
                b',' => {
                    if self.tracking_keys() {
                        self.expect_key = true;
                        self.current_key = None;
                    }
                }
                b':' => {
                    if self.tracking_keys() {
                        self.expect_key = false;
                    }
                }
                _ => {
                    if self.stack.is_empty() && self.capture.is_none() {
                        self.note_skipped();
                        continue;
                    }
                    if self.capture.is_none() && self.at_record_level() {
                        self.start_capture(Shape::Scalar, i);
                    }
                }
            }
        }
    }

    /// Keys are tracked at the first level of a top-level object, where a wrapper's
    /// record array would be.
    fn tracking_keys(&self) -> bool {
        self.stack.len() == 1 && self.stack[0] == b'{' && self.wrapper_active.is_none()
    }

    /// The top-level object turned out to be a wrapper: its `key` array holds the
    /// records. What was captured of it so far holds its leading fields.
    fn open_wrapper(&mut self, key: &'static str, i: usize) {
        self.flush_capture(i);
        let prefix = self.capture.take().map(|c| c.buf).unwrap_or_default();
        let mut fields = Map::new();
        let mut text = prefix;
        text.extend_from_slice(b"null}");
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&text) {
            fields = map;
            fields.remove(key);
        }
        match &mut self.wrapper {
            Some(w) => w.fields.extend(fields),
            None => self.wrapper = Some(Wrapper { key, fields }),
        }
        self.wrapper_active = Some(key);
        self.position = 0;
        self.current_key = None;
    }

    fn note_skipped(&mut self) {
        self.skipped_lines += 1;
        self.first_skipped_line.get_or_insert(self.line);
        self.skipping_line = true;
    }
}

/// Bytes of record JSON whose parsed form a log source keeps in detail; past it
/// records are only counted. A kept entry takes about as much memory as its JSON, so
/// this (with the splitter's own buffers) keeps a reader under its 64 MiB budget
/// whatever the export's size (a count cap alone let 300 MB exports take 184 MiB).
pub(crate) const MAX_KEPT_BYTES: u64 = 24 << 20;

/// How many parsed records a source may still keep: a count and a byte budget.
pub(crate) struct KeepBudget {
    count: usize,
    bytes: u64,
}

impl KeepBudget {
    /// At most `count` records, and [`MAX_KEPT_BYTES`] of their JSON.
    pub(crate) fn new(count: usize) -> KeepBudget {
        KeepBudget {
            count,
            bytes: MAX_KEPT_BYTES,
        }
    }

    /// Whether a record of `size` bytes may be kept (and, if so, count it).
    pub(crate) fn admit(&mut self, size: u64) -> bool {
        if self.count == 0 || self.bytes < size {
            // Once one record is refused, so are all later ones: "the first N kept".
            self.count = 0;
            return false;
        }
        self.count -= 1;
        self.bytes -= size;
        true
    }
}

/// What reading an export met, for its artifact note: records, the unreadable and
/// oversized ones (with the first of each), those over the keep cap, the damage that
/// ended the read, and non-JSON lines skipped. Both log sources keep these.
#[derive(Clone, Debug, Default)]
pub struct ReadStats {
    pub framing: &'static str,
    pub records: usize,
    pub unreadable: usize,
    pub first_unreadable: Option<String>,
    pub oversized: usize,
    pub first_oversized: Option<String>,
    pub beyond_cap: usize,
    pub damage: Option<String>,
    pub skipped_lines: usize,
}

/// How an export's note names its records.
pub struct RecordWords {
    /// Records that are not JSON: `records`, `entries`.
    pub unreadable: &'static str,
    /// What an oversized record is too large to be: `sign-ins`, `log entries`.
    pub oversized: &'static str,
    /// What the keep cap counts: `sign-ins`, `entries`.
    pub kept: &'static str,
    /// Name the first oversized record's locator and size.
    pub name_first_oversized: bool,
}

/// The first record that was not JSON: its locator and serde_json's reason.
pub type FirstInvalid = Option<(String, String)>;

impl<R: Read> Records<R> {
    /// Read every record to the end or to the damage, counting into `stats` and handing
    /// each parsed JSON value with its locator and size in bytes to `each`. Returns the damage (which
    /// ended the read) and the first record that was not JSON.
    pub fn read_values(
        &mut self,
        stats: &mut ReadStats,
        mut each: impl FnMut(Value, String, u64),
    ) -> (Option<StreamError>, FirstInvalid) {
        let mut first_invalid = None;
        let damage = loop {
            match self.next_record() {
                Ok(None) => break None,
                Err(e) => break Some(e),
                Ok(Some(record)) => {
                    stats.records += 1;
                    let locator = record.locator();
                    let Some(bytes) = record.bytes else {
                        stats.oversized += 1;
                        stats
                            .first_oversized
                            .get_or_insert_with(|| format!("{locator}: {} bytes", record.size));
                        continue;
                    };
                    match serde_json::from_slice::<Value>(&bytes) {
                        Err(e) => {
                            stats.unreadable += 1;
                            let reason = e.to_string();
                            stats
                                .first_unreadable
                                .get_or_insert_with(|| format!("{locator}: {reason}"));
                            first_invalid.get_or_insert((locator, reason));
                        }
                        Ok(value) => each(value, locator, record.size),
                    }
                }
            }
        };
        stats.framing = self.framing_label();
        stats.skipped_lines = self.skipped_lines().0;
        (damage, first_invalid)
    }
}

impl ReadStats {
    /// The note's parts about how the read went (nothing when it went cleanly).
    pub fn read_notes(&self, words: &RecordWords, max_kept: usize) -> Vec<String> {
        let mut parts = Vec::new();
        if self.unreadable > 0 {
            parts.push(format!(
                "{} {} unreadable (first {})",
                self.unreadable,
                words.unreadable,
                self.first_unreadable
                    .as_deref()
                    .map(super::shared::quote)
                    .unwrap_or_default()
            ));
        }
        if self.oversized > 0 {
            let first = match (&self.first_oversized, words.name_first_oversized) {
                (Some(first), true) => format!(" (first {first})"),
                _ => String::new(),
            };
            parts.push(format!(
                "{} records too large to be {} skipped{first}",
                self.oversized, words.oversized
            ));
        }
        if self.skipped_lines > 0 {
            parts.push(format!(
                "{} lines of non-JSON text skipped",
                self.skipped_lines
            ));
        }
        if self.beyond_cap > 0 {
            parts.push(format!(
                "only the first {max_kept} {} kept in detail; {} more counted",
                words.kept, self.beyond_cap
            ));
        }
        if let Some(damage) = &self.damage {
            parts.push(format!(
                "read up to the damage, {} before it are used: {}",
                words.kept,
                super::shared::quote(damage)
            ));
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &[u8]) -> (Vec<RawRecord>, Option<StreamError>) {
        let mut records = Records::new(text, 1 << 20);
        let mut out = Vec::new();
        loop {
            match records.next_record() {
                Ok(Some(r)) => out.push(r),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    fn texts(records: &[RawRecord]) -> Vec<String> {
        records
            .iter()
            .map(|r| String::from_utf8_lossy(r.bytes.as_deref().unwrap_or(b"<big>")).into_owned())
            .collect()
    }

    #[test]
    fn a_top_level_array_yields_its_elements_with_lines() {
        let (records, err) = split(b"[\n  {\"a\": 1},\n  {\"b\": [1, {\"c\": \"]}\"}]}\n]\n");
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            texts(&records),
            ["{\"a\": 1}", "{\"b\": [1, {\"c\": \"]}\"}]}"]
        );
        assert_eq!(records[1].line, 3);
        assert_eq!(records[1].locator(), "$[1] (line 3)");
    }

    #[test]
    fn newline_delimited_objects_are_top_level_records() {
        let (records, err) = split(b"{\"a\":1}\n{\"a\":2}\r\n\n{\"a\":\"x\\\"y\"}\n");
        assert!(err.is_none());
        assert_eq!(records.len(), 3);
        assert_eq!(records[2].locator(), "line 4");
        assert_eq!(texts(&records)[2], "{\"a\":\"x\\\"y\"}");
    }

    #[test]
    fn a_wrapper_streams_its_value_array_and_keeps_its_leading_fields() {
        let text = br#"{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","value":[{"id":"1"},{"id":"2","value":[3]}],"@odata.nextLink":"x"}"#;
        let mut records = Records::new(&text[..], 1 << 20);
        let mut out = Vec::new();
        while let Some(r) = records.next_record().unwrap() {
            out.push(r);
        }
        assert_eq!(texts(&out), [r#"{"id":"1"}"#, r#"{"id":"2","value":[3]}"#]);
        assert_eq!(out[1].locator(), "$.value[1] (line 1)");
        let wrapper = records.wrapper().unwrap();
        assert_eq!(wrapper.key, "value");
        assert!(
            wrapper.fields["@odata.context"]
                .as_str()
                .unwrap()
                .contains("auditLogs/signIns")
        );
    }

    #[test]
    fn a_cut_off_array_keeps_the_complete_records() {
        let (records, err) = split(b"[{\"a\":1},{\"a\":2},{\"a\":");
        assert_eq!(records.len(), 2);
        match err {
            Some(StreamError::Truncated {
                line: 1,
                offset: 17,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mismatched_brackets_are_a_syntax_error_with_the_line() {
        let (records, err) = split(b"[{\"a\":1},\n{\"a\":2]]");
        assert_eq!(records.len(), 1);
        assert!(
            matches!(err, Some(StreamError::Syntax { line: 2, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn text_before_the_json_is_skipped_a_line_at_a_time() {
        let mut records = Records::new(
            &b"WARNING: something\n\x00\x01binary\n[{\"a\":1}]"[..],
            1 << 20,
        );
        assert!(records.next_record().unwrap().is_some());
        assert!(records.next_record().unwrap().is_none());
        assert_eq!(records.skipped_lines(), (2, Some(1)));
    }

    #[test]
    fn a_record_over_the_limit_is_reported_without_its_bytes() {
        let mut text = b"[{\"a\":\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', 300_000));
        text.extend_from_slice(b"\"},{\"b\":1}]");
        let mut records = Records::new(text.as_slice(), 100_000);
        let big = records.next_record().unwrap().unwrap();
        assert!(big.bytes.is_none());
        assert_eq!(big.size, 300_008);
        let small = records.next_record().unwrap().unwrap();
        assert_eq!(small.bytes.as_deref(), Some(&b"{\"b\":1}"[..]));
    }

    #[test]
    fn records_spanning_chunk_boundaries_are_whole() {
        let mut text = b"[".to_vec();
        for i in 0..5000 {
            text.extend_from_slice(format!("{{\"i\":{i},\"s\":\"a\\\\b\\\"c\"}},\n").as_bytes());
        }
        text.extend_from_slice(b"{\"i\":-1}]");
        let (records, err) = split(&text);
        assert!(err.is_none());
        assert_eq!(records.len(), 5001);
        for (i, r) in records.iter().take(5000).enumerate() {
            let v: Value = serde_json::from_slice(r.bytes.as_ref().unwrap()).unwrap();
            assert_eq!(v["i"], i);
            assert_eq!(v["s"], "a\\b\"c");
        }
    }

    #[test]
    fn the_keep_budget_stops_at_its_count_or_its_bytes_whichever_first() {
        let mut by_count = KeepBudget::new(3);
        assert_eq!(
            (0..5).map(|_| by_count.admit(10)).collect::<Vec<_>>(),
            [true, true, true, false, false]
        );
        let mut by_bytes = KeepBudget::new(usize::MAX);
        let big = MAX_KEPT_BYTES / 2 + 1;
        assert!(by_bytes.admit(big));
        assert!(!by_bytes.admit(big));
        // The first N are kept, never a later small one after a refusal.
        assert!(!by_bytes.admit(1));
    }

    #[test]
    fn deep_nesting_stops_with_an_error_not_a_stack() {
        let text = vec![b'['; 5000];
        let (_, err) = split(&text);
        assert!(matches!(err, Some(StreamError::Syntax { .. })));
    }
}
