//! Reading an export: sniffing its shape from the first bytes, decompressing gzip
//! (recognised by its magic bytes `1f 8b`, RFC 1952, whatever the file is called),
//! cutting it into events with the structural splitter, parsing in full only the
//! events that mention what the diagnosis looks for, and walking a directory tree as
//! `aws s3 sync` leaves it (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`,
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html>)
//! with two worker threads.

use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};

use super::event::{Form, Locator, RawEvent, Text, text};
use super::export::{CloudTrailError, Export};
use super::prefilter::{NEEDLES, index_quietly};
use super::scan::{End, READ_CHUNK, Splitter, Unit};
use super::tabular::{CsvRecords, event_from_columns, event_from_lake_row};

/// How much of a stream is looked at to tell its shape.
pub(crate) const SNIFF_BYTES: usize = 64 * 1024;

/// Worker threads for a directory export (this tool's target is a 2-core runner).
const WORKERS: usize = 2;

/// Whether gzip magic starts the bytes.
pub(crate) fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// Decompress the start of a gzip stream (for sniffing). An error after some output
/// still returns what came out; an error before any output is returned.
pub(crate) fn gunzip_head(head: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::MultiGzDecoder::new(head).take(SNIFF_BYTES as u64);
    match decoder.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(_) if !out.is_empty() => Ok(out),
        Err(e) => Err(e),
    }
}

fn skip_bom_ws(bytes: &[u8]) -> &[u8] {
    bytes
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(bytes)
        .trim_ascii_start()
}

/// The first key of the object that starts `bytes` (after `{`).
fn first_key(bytes: &[u8]) -> Option<&[u8]> {
    let rest = skip_bom_ws(bytes).strip_prefix(b"{")?.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', rest)?;
    Some(&rest[..end])
}

fn mentions(head: &[u8], needle: &str) -> bool {
    memchr::memmem::find(head, needle.as_bytes()).is_some()
}

/// A CloudTrail event, as opposed to S3/SQS event notifications (which also use
/// `Records`, `eventName` and `eventSource`, but have no `eventID`/`eventType`).
fn looks_like_events(head: &[u8]) -> bool {
    mentions(head, "\"eventName\"")
        && mentions(head, "\"eventSource\"")
        && (mentions(head, "\"eventID\"")
            || mentions(head, "\"eventType\"")
            || mentions(head, "\"recipientAccountId\""))
}

/// Tell the shape of an export from its first bytes (decompressed).
pub fn sniff(head: &[u8]) -> Option<Form> {
    let body = skip_bom_ws(head);
    match body.first()? {
        b'{' => match first_key(body)? {
            b"Records" => {
                (looks_like_events(head) || is_empty_records(body)).then_some(Form::Records)
            }
            b"Events" => (mentions(head, "\"CloudTrailEvent\"")
                || (mentions(head, "\"EventId\"") && mentions(head, "\"EventName\"")))
            .then_some(Form::LookupEvents),
            b"QueryStatus" | b"QueryStatistics" | b"QueryResultRows" | b"NextToken"
            | b"ErrorMessage" => mentions(head, "\"QueryResultRows\"").then_some(Form::LakeResults),
            _ => looks_like_events(head).then_some(Form::Lines),
        },
        b'[' => looks_like_events(head).then_some(Form::Array),
        _ => {
            let line_end = memchr::memchr(b'\n', body).unwrap_or(body.len());
            let header = String::from_utf8_lossy(&body[..line_end]).to_ascii_lowercase();
            let columns: Vec<&str> = header
                .split(',')
                .map(|c| c.trim().trim_matches('"'))
                .collect();
            let has = |c: &str| columns.contains(&c);
            (has("eventname")
                && has("eventtime")
                && (has("eventsource") || has("useridentity") || has("errorcode")))
            .then_some(Form::AthenaCsv)
        }
    }
}

fn is_empty_records(body: &[u8]) -> bool {
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    compact.starts_with(b"{\"Records\":[]")
}

/// Counts the compressed bytes the decoder has consumed, for error offsets.
struct Counted<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.consumed.fetch_add(amt as u64, Ordering::Relaxed);
    }
}

/// The stream was not a CloudTrail export (a digest file in the tree, say).
#[derive(Debug)]
pub(crate) struct NotCloudTrail;

/// Read one stream, plain or gzip, into `export`. `file` names it inside a directory.
pub(crate) fn ingest_stream(
    reader: &mut dyn Read,
    file: Option<Text>,
    export: &mut Export,
) -> Result<(), NotCloudTrail> {
    let mut buffered = BufReader::with_capacity(256 * 1024, reader);
    let gzip = match buffered.fill_buf() {
        Ok(peek) => is_gzip(peek),
        Err(e) => {
            export.damage_push(CloudTrailError::Read {
                file,
                offset: 0,
                message: e.to_string(),
            });
            return Ok(());
        }
    };
    let consumed = Arc::new(AtomicU64::new(0));
    let mut stream: Box<dyn Read + '_> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(Counted {
            inner: buffered,
            consumed: Arc::clone(&consumed),
        }))
    } else {
        Box::new(buffered)
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let head_error = (&mut stream)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .err();
    let read_error = |offset: u64, e: &io::Error| {
        if gzip {
            CloudTrailError::CorruptGzip {
                file: file.clone(),
                compressed: consumed.load(Ordering::Relaxed),
                decompressed: offset,
                message: e.to_string(),
            }
        } else {
            CloudTrailError::Read {
                file: file.clone(),
                offset,
                message: e.to_string(),
            }
        }
    };
    let Some(form) = sniff(&head) else {
        if let Some(e) = &head_error
            && gzip
            && head.is_empty()
        {
            export.damage_push(read_error(0, e));
            return Ok(());
        }
        return Err(NotCloudTrail);
    };
    export.form = export.form.or(Some(form));
    export.gzip |= gzip;
    let head_len = head.len() as u64;
    let mut rest: Box<dyn Read + '_> = match head_error {
        // The head already failed: read what it holds, then report where it broke.
        Some(_) => Box::new(Cursor::new(head)),
        None => Box::new(Cursor::new(head).chain(stream)),
    };
    if let Some(e) = &head_error {
        let d = read_error(head_len, e);
        ingest_form(&mut rest, form, file.clone(), export, &read_error);
        export.damage_push(d);
    } else {
        ingest_form(&mut rest, form, file.clone(), export, &read_error);
    }
    Ok(())
}

fn ingest_form(
    reader: &mut dyn Read,
    form: Form,
    file: Option<Text>,
    export: &mut Export,
    read_error: &dyn Fn(u64, &io::Error) -> CloudTrailError,
) {
    if form == Form::AthenaCsv {
        ingest_csv(reader, file, export, read_error);
        return;
    }
    let report = ingest_part(reader, form, &file, export, 0, 0);
    match report.end {
        End::Clean => {}
        End::InsideUnit { offset } => {
            export.damage_push(CloudTrailError::Truncated { file, offset })
        }
        End::InsideContainer => export.damage_push(CloudTrailError::Unclosed { file }),
        End::Read { offset, error } => export.damage_push(read_error(offset, &error)),
    }
}

/// The depth of the values that are events in this form.
pub(crate) fn unit_depth(form: Form) -> u32 {
    match form {
        Form::Lines => 0,
        Form::Array => 1,
        _ => 2,
    }
}

/// Split (part of) a JSON export into events and record them; the damage met on the
/// way is recorded, how the stream ended is returned. `start_offset` and
/// `start_lines` place a part that starts inside the file.
pub(crate) fn ingest_part(
    reader: &mut dyn Read,
    form: Form,
    file: &Option<Text>,
    export: &mut Export,
    start_offset: u64,
    start_lines: u64,
) -> super::scan::SplitReport {
    let splitter = Splitter {
        depth: unit_depth(form),
        needles: if matches!(form, Form::Records | Form::Lines | Form::Array) {
            &NEEDLES
        } else {
            &[]
        },
        // Only JSON lines are located by line (`line 42`); the others by index.
        count_lines: form == Form::Lines,
        start_offset,
        start_lines,
    };
    let report = splitter.run(reader, &mut |u| on_unit(u, form, file, export));
    export.bytes += report.bytes;
    for (offset, length) in report.oversized.iter().copied() {
        export.damage_push(CloudTrailError::Oversized {
            file: file.clone(),
            offset,
            length,
        });
    }
    export.damage_count += report
        .oversized_count
        .saturating_sub(report.oversized.len() as u64);
    if let Some(&offset) = report.unbalanced.first() {
        export.damage_push(CloudTrailError::Unbalanced {
            file: file.clone(),
            offset,
            count: report.unbalanced_count,
        });
    }
    report
}

fn locator(u: &Unit<'_>, form: Form, file: &Option<Text>) -> Locator {
    Locator {
        file: file.clone(),
        form,
        ordinal: u.ordinal,
        line: u.line,
        offset: u.offset,
        event_id: None,
    }
}

fn on_unit(u: &Unit<'_>, form: Form, file: &Option<Text>, export: &mut Export) {
    export.events += 1;
    match form {
        Form::Records | Form::Lines | Form::Array => {
            if !u.candidate && !export.full_parse && index_quietly(u.bytes, export).is_ok() {
                return;
            }
            // The typed fast path; shapes it does not expect go through `Value`.
            if let Ok(raw) = serde_json::from_slice::<RawEvent<'_>>(u.bytes) {
                export.record(&raw, locator(u, form, file));
                return;
            }
            match serde_json::from_slice::<Value>(u.bytes) {
                Ok(v) => export.record(&v, locator(u, form, file)),
                // Only an event that mentions what the diagnosis looks for is
                // damage worth naming (`CloudTrailError::BadEvent`); others are
                // skipped unparsed by the prefilter, so they are skipped here too.
                Err(e) if u.candidate => bad_event(export, u, form, file, &e.to_string()),
                Err(_) => {}
            }
        }
        Form::LookupEvents => {
            let wrapper = match serde_json::from_slice::<Value>(u.bytes) {
                Ok(v) => v,
                Err(e) => return bad_event(export, u, form, file, &e.to_string()),
            };
            let inner = text(&wrapper, &["CloudTrailEvent"]).map(serde_json::from_str::<Value>);
            let event = match inner {
                Some(Ok(v)) if v.is_object() => v,
                other => {
                    if let Some(Err(e)) = other {
                        bad_event(
                            export,
                            u,
                            form,
                            file,
                            &format!("CloudTrailEvent is not JSON ({e}); using the summary fields"),
                        );
                    }
                    // The summary fields lookup-events returns beside the event
                    // (`Event` in the CloudTrail API reference).
                    let f = |k: &str| wrapper.get(k).cloned().unwrap_or(Value::Null);
                    json!({
                        "eventName": f("EventName"), "eventSource": f("EventSource"),
                        "eventID": f("EventId"), "eventTime": f("EventTime"),
                        "userIdentity": {"userName": f("Username"), "accessKeyId": f("AccessKeyId")},
                    })
                }
            };
            export.record(&event, locator(u, form, file));
        }
        Form::LakeResults => match serde_json::from_slice::<Value>(u.bytes) {
            Ok(row) => {
                let (event, unmapped) = event_from_lake_row(&row);
                note_unmapped(export, unmapped);
                export.record(&event, locator(u, form, file));
            }
            Err(e) => bad_event(export, u, form, file, &e.to_string()),
        },
        Form::AthenaCsv => {}
    }
}

fn bad_event(export: &mut Export, u: &Unit<'_>, form: Form, file: &Option<Text>, message: &str) {
    let locator = locator(u, form, file).render();
    export.damage_push(CloudTrailError::BadEvent {
        locator,
        offset: u.offset,
        message: message.to_owned(),
    });
}

fn note_unmapped(export: &mut Export, unmapped: Vec<String>) {
    for c in unmapped {
        if export.unmapped.len() < 16 && !export.unmapped.contains(&c) {
            export.unmapped.push(c);
        }
    }
}

fn ingest_csv(
    reader: &mut dyn Read,
    file: Option<Text>,
    export: &mut Export,
    read_error: &dyn Fn(u64, &io::Error) -> CloudTrailError,
) {
    let mut csv = CsvRecords::default();
    let mut header: Option<Vec<String>> = None;
    let mut buf = vec![0u8; READ_CHUNK];
    let mut offset = 0u64;
    let mut on_record = |line: u64, fields: &[String]| match &header {
        None => {
            header = Some(
                fields
                    .iter()
                    .map(|f| f.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
                    .collect(),
            );
        }
        Some(names) => {
            export.events += 1;
            let pairs = names
                .iter()
                .map(String::as_str)
                .zip(fields.iter().map(String::as_str));
            let (event, unmapped) = event_from_columns(pairs);
            note_unmapped(export, unmapped);
            let loc = Locator {
                file: file.clone(),
                form: Form::AthenaCsv,
                ordinal: export.events - 1,
                line,
                offset: 0,
                event_id: None,
            };
            export.record(&event, loc);
        }
    };
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                offset += n as u64;
                csv.feed(&buf[..n], &mut on_record);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let d = read_error(offset, &e);
                export.bytes += offset;
                export.damage_push(d);
                return;
            }
        }
    }
    let cut = csv.finish(&mut on_record);
    export.bytes += offset;
    for line in csv.oversized_lines.clone() {
        export.damage_push(CloudTrailError::BadEvent {
            locator: format!("line {line}"),
            offset: 0,
            message: "a CSV record larger than any CloudTrail event: skipped".to_owned(),
        });
    }
    if let Some(line) = cut {
        export.damage_push(CloudTrailError::BadEvent {
            locator: format!("line {line}"),
            offset,
            message: "the CSV ends inside a quoted field (cut short?): that row is dropped"
                .to_owned(),
        });
    }
}

/// Files of a directory tree, depth first, in name order, without following
/// symbolic links to directories (which could loop).
pub(crate) struct Walker {
    stack: Vec<PathBuf>,
    pub errors: Vec<CloudTrailError>,
}

impl Walker {
    pub fn new(root: &Path) -> Walker {
        Walker {
            stack: vec![root.to_owned()],
            errors: Vec::new(),
        }
    }
}

impl Iterator for Walker {
    type Item = PathBuf;

    fn next(&mut self) -> Option<PathBuf> {
        while let Some(path) = self.stack.pop() {
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.error(&path, &e);
                    continue;
                }
            };
            if meta.is_dir() {
                // Hidden entries (.git, .DS_Store) are skipped below: they are not logs.
                match std::fs::read_dir(&path) {
                    Ok(entries) => {
                        let mut children: Vec<PathBuf> = entries
                            .filter_map(|e| e.ok().map(|e| e.path()))
                            .filter(|p| {
                                !p.file_name()
                                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                            })
                            .collect();
                        children.sort();
                        children.reverse();
                        self.stack.extend(children);
                    }
                    Err(e) => self.error(&path, &e),
                }
            } else if meta.is_file() || (meta.file_type().is_symlink() && path.is_file()) {
                return Some(path);
            }
        }
        None
    }
}

impl Walker {
    fn error(&mut self, path: &Path, e: &io::Error) {
        if self.errors.len() < 8 {
            self.errors.push(CloudTrailError::Walk {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    }
}

/// Whether a directory holds at least one CloudTrail log among its first files.
pub(crate) fn directory_has_cloudtrail(root: &Path) -> bool {
    Walker::new(root).take(64).any(|p| {
        let Ok(file) = std::fs::File::open(&p) else {
            return false;
        };
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        if file
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .is_err()
        {
            return false;
        }
        let head = if is_gzip(&head) {
            match gunzip_head(&head) {
                Ok(h) => h,
                Err(_) => return false,
            }
        } else {
            head
        };
        sniff(&head).is_some()
    })
}

fn relative(root: &Path, path: &Path) -> Text {
    let rel = path.strip_prefix(root).unwrap_or(path);
    Arc::from(rel.display().to_string())
}

/// Read every CloudTrail file under `root` with two workers; files that are not
/// CloudTrail logs (digest files, notes) are counted and skipped.
pub fn ingest_directory(root: &Path) -> Export {
    let walker = Mutex::new(Walker::new(root));
    let next = || walker.lock().unwrap_or_else(PoisonError::into_inner).next();
    // The caller's progress meter counts the reader threads' bytes too.
    let meter = crate::evidence::meter::current();
    let worker = || {
        let mut export = Export::default();
        while let Some(path) = next() {
            let file = relative(root, &path);
            match std::fs::File::open(&path) {
                Ok(f) => match ingest_stream(
                    &mut crate::evidence::meter::metered(meter.clone(), f),
                    Some(file),
                    &mut export,
                ) {
                    Ok(()) => export.files_read += 1,
                    Err(NotCloudTrail) => export.files_skipped += 1,
                },
                Err(e) => export.damage_push(CloudTrailError::Read {
                    file: Some(file),
                    offset: 0,
                    message: e.to_string(),
                }),
            }
        }
        export
    };
    let parts: Vec<Option<Export>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WORKERS).map(|_| scope.spawn(worker)).collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    let mut export = Export {
        directory: true,
        ..Export::default()
    };
    for part in parts {
        match part {
            Some(p) => export.merge(p),
            None => export.damage_push(CloudTrailError::Walk {
                path: root.display().to_string(),
                message: "a reader thread failed; some files may not have been read".to_owned(),
            }),
        }
    }
    let errors = std::mem::take(&mut walker.lock().unwrap_or_else(PoisonError::into_inner).errors);
    for e in errors {
        export.damage_push(e);
    }
    export.finish();
    export
}

/// Read one export stream (plain or gzip) whole, in bounded memory.
pub fn ingest_reader(reader: &mut dyn Read) -> Export {
    ingest_reader_with(reader, false)
}

/// [`ingest_reader`], parsing every event when `full_parse` (no prefilter).
pub(crate) fn ingest_reader_with(reader: &mut dyn Read, full_parse: bool) -> Export {
    let mut export = Export {
        full_parse,
        ..Export::default()
    };
    if ingest_stream(reader, None, &mut export).is_err() {
        export.damage_push(CloudTrailError::Empty {
            what: "the input (its first bytes are not a CloudTrail export)".to_owned(),
        });
    }
    export.finish();
    export
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn shapes_are_told_apart() {
        let event = r#"{"eventVersion":"1.08","eventTime":"2026-03-02T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"x"}"#;
        assert_eq!(
            sniff(format!("{{\"Records\":[{event}]}}").as_bytes()),
            Some(Form::Records)
        );
        assert_eq!(
            sniff(format!("{event}\n{event}\n").as_bytes()),
            Some(Form::Lines)
        );
        assert_eq!(
            sniff(format!("\u{feff}  [{event}]").as_bytes()),
            Some(Form::Array)
        );
        assert_eq!(sniff(br#"{"Records": []}"#), Some(Form::Records));
        assert_eq!(
            sniff(br#"{"Events":[{"EventId":"1","EventName":"X","CloudTrailEvent":"{}"}]}"#),
            Some(Form::LookupEvents)
        );
        assert_eq!(
            sniff(br#"{"QueryStatus":"FINISHED","QueryResultRows":[[{"eventjson":"{}"}]]}"#),
            Some(Form::LakeResults)
        );
        assert_eq!(
            sniff(
                b"\"eventversion\",\"useridentity\",\"eventtime\",\"eventsource\",\"eventname\"\n"
            ),
            Some(Form::AthenaCsv)
        );
        // S3 event notifications share `Records`, `eventName` and `eventSource`.
        assert_eq!(
            sniff(br#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{}}]}"#),
            None
        );
        assert_eq!(sniff(b"{\"keys\":[]}"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"eyJhbGciOi"), None);
    }

    #[test]
    fn a_corrupt_gzip_keeps_the_events_before_the_damage() {
        let mut lines = Vec::new();
        for i in 0..5000 {
            writeln!(
                lines,
                r#"{{"eventVersion":"1.08","eventTime":"2026-03-02T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"{i}","pad":"{}"}}"#,
                "x".repeat(i % 97)
            )
            .unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&lines).unwrap();
        let mut bytes = gz.finish().unwrap();
        let cut = bytes.len() / 2;
        bytes[cut..cut + 64].fill(0xff);
        let export = ingest_reader(&mut &bytes[..]);
        assert!(
            export.events > 100 && export.events < 5000,
            "{}",
            export.events
        );
        let message = export.damage[0].to_string();
        assert!(
            message.starts_with("corrupt gzip stream at compressed byte"),
            "{message}"
        );
    }
}
