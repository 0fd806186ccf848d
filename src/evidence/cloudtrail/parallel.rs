//! One large export file read by both cores. The target runner has two, and a
//! single JSON-lines or `{"Records":[…]}` file of gigabytes would otherwise use one.
//!
//! The file is cut in two at an event boundary near its middle, found by a byte
//! pattern (`\n{` for JSON lines, `},{` between records); the second worker reads from
//! there (a Records part behind a synthetic `{"Records":[`, so the splitter sees the
//! same nesting), the first up to there. A pattern can also occur inside a string, so
//! the cut is only trusted once the first worker has *proved* it: its splitter must
//! end its part exactly between two events (at the events' depth, outside any string
//! and any event). Otherwise — or when the second part met any damage, whose
//! locators would need renumbering — the file is read again by one worker, so the
//! result is always that of the serial read. Offsets and lines of the second part
//! are absolute from the start (the splitter is told where its part starts); event
//! ordinals are shifted by the first part's count when the two are merged.
//!
//! The merge is the directory readers' (`Export::merge`), whose result does not
//! depend on the order of its parts, except past the index limits (`KEEP_PATHS`
//! paths, `KEEP_KEYS` access keys), where which ones are indexed one by one may
//! differ from a serial read (the totals do not).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::event::Form;
use super::export::Export;
use super::ingest::{SNIFF_BYTES, ingest_part, is_gzip, sniff, unit_depth};
use crate::evidence::meter;

/// Files smaller than this are read by one worker: a second thread and the proof of
/// the cut cost more than they save.
pub(crate) const PARALLEL_MIN: u64 = 32 << 20;

/// How far past the middle the cut is looked for.
const SYNC_WINDOW: usize = 1 << 20;

const RECORDS_PREFIX: &[u8] = b"{\"Records\":[";

/// Read a plain JSON-lines or Records file with two workers; `None` when it is not
/// one (gzip, another shape, too small) or the cut could not be proved, and the
/// caller reads it with one.
pub(crate) fn ingest_file(path: &Path) -> Option<Export> {
    let size = std::fs::metadata(path).ok()?.len();
    if size < PARALLEL_MIN {
        return None;
    }
    let mut file = File::open(path).ok()?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut file)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    if is_gzip(&head) {
        return None;
    }
    let form = sniff(&head)?;
    if !matches!(form, Form::Lines | Form::Records) {
        return None;
    }
    let cut = find_cut(&mut file, size, form)?;
    let meter = meter::current();
    let second = {
        let meter = meter.clone();
        move || read_second(path, size, cut, form, meter)
    };
    let (first, second) = std::thread::scope(|scope| {
        let handle = scope.spawn(second);
        let first = read_first(path, cut, form, meter);
        (first, handle.join().ok().flatten())
    });
    let (mut export, first_units) = first?;
    let (mut rest, second_clean) = second?;
    if !second_clean {
        return None;
    }
    for a in &mut rest.attempts {
        a.loc.ordinal += first_units;
    }
    for c in &mut rest.calls {
        c.loc.ordinal += first_units;
    }
    export.merge(rest);
    export.finish();
    Some(export)
}

/// The offset of an event's opening bracket near the middle, by pattern.
fn find_cut(file: &mut File, size: u64, form: Form) -> Option<u64> {
    let middle = size / 2;
    file.seek(SeekFrom::Start(middle)).ok()?;
    let mut window = Vec::with_capacity(SYNC_WINDOW);
    file.take(SYNC_WINDOW as u64)
        .read_to_end(&mut window)
        .ok()?;
    let (pattern, into): (&[u8], u64) = match form {
        Form::Lines => (b"\n{", 1),
        _ => (b"},{", 2),
    };
    let at = memchr::memmem::find(&window, pattern)? as u64;
    Some(middle + at + into)
}

/// The first part, `[0, cut)`: its export and event count, when the cut is proved to
/// fall between two events.
fn read_first(
    path: &Path,
    cut: u64,
    form: Form,
    meter: Option<std::sync::Arc<meter::Meter>>,
) -> Option<(Export, u64)> {
    let file = File::open(path).ok()?;
    let mut reader =
        io::BufReader::with_capacity(256 * 1024, meter::metered(meter, file.take(cut)));
    let mut export = Export {
        form: Some(form),
        ..Export::default()
    };
    let report = ingest_part(&mut reader, form, &None, &mut export, 0, 0);
    let proved = report.bytes == cut
        && report.final_depth == unit_depth(form)
        && !report.final_in_string
        && !report.final_in_unit;
    proved.then_some((export, report.units + report.oversized_count))
}

/// The second part, `[cut, size)`: its export, and whether it met no damage at all.
fn read_second(
    path: &Path,
    size: u64,
    cut: u64,
    form: Form,
    meter: Option<std::sync::Arc<meter::Meter>>,
) -> Option<(Export, bool)> {
    // Lines before the cut, for `line N` locators (not metered: progress is over
    // the file's size, and this re-reads the first half).
    let start_lines = if form == Form::Lines {
        count_newlines(File::open(path).ok()?.take(cut))?
    } else {
        0
    };
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(cut)).ok()?;
    let prefix: &[u8] = if form == Form::Records {
        RECORDS_PREFIX
    } else {
        b""
    };
    let body = meter::metered(meter, file.take(size - cut));
    let mut reader = io::BufReader::with_capacity(256 * 1024, prefix.chain(body));
    let mut export = Export::default();
    let report = ingest_part(
        &mut reader,
        form,
        &None,
        &mut export,
        cut - prefix.len() as u64,
        start_lines,
    );
    export.bytes -= prefix.len() as u64;
    let clean = export.damage.is_empty()
        && export.damage_count == 0
        && matches!(report.end, super::scan::End::Clean);
    Some((export, clean))
}

fn count_newlines(mut reader: impl Read) -> Option<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Some(lines),
            Ok(n) => lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::cloudtrail::ingest::ingest_reader;

    fn same(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        let serial = ingest_reader(&mut &bytes[..]);
        let parallel = ingest_file(path).expect("the cut is proved");
        assert_eq!(
            format!("{:?}", parallel.attempts),
            format!("{:?}", serial.attempts)
        );
        assert_eq!(
            format!("{:?}", parallel.calls),
            format!("{:?}", serial.calls)
        );
        assert_eq!(parallel.events, serial.events);
        assert_eq!(parallel.bytes, serial.bytes);
        assert_eq!(parallel.attempts_seen, serial.attempts_seen);
        assert_eq!(parallel.calls_seen, serial.calls_seen);
        assert_eq!(parallel.keys, serial.keys);
        assert_eq!(parallel.path_summary(), serial.path_summary());
        assert_eq!(
            super::super::verdict::note(&parallel),
            super::super::verdict::note(&serial)
        );
    }

    fn export_file(records: bool, mib: u64, seed: u64) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut g = super::super::prefilter::generator::Generator::new(seed);
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let mut w = io::BufWriter::new(f.as_file_mut());
        let mut written = 0u64;
        if records {
            w.write_all(b"{\"Records\":[").unwrap();
        }
        let mut first = true;
        while written < mib << 20 {
            let e = g.event();
            if records && !first {
                w.write_all(b",").unwrap();
            }
            first = false;
            w.write_all(e.as_bytes()).unwrap();
            if !records {
                w.write_all(b"\n").unwrap();
            }
            written += e.len() as u64 + 1;
        }
        if records {
            w.write_all(b"]}").unwrap();
        }
        drop(w);
        f
    }

    #[test]
    fn two_workers_read_a_lines_file_as_one_does() {
        same(export_file(false, 33, 11).path());
    }

    #[test]
    fn two_workers_read_a_records_file_as_one_does() {
        same(export_file(true, 33, 12).path());
    }

    #[test]
    fn a_cut_inside_a_string_is_not_trusted() {
        use std::io::Write;
        // One huge event whose string holds the Records pattern at the middle: the
        // first part ends inside it, so the split is refused.
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let pad = "x".repeat(17 << 20);
        write!(
            f,
            r#"{{"Records":[{{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"1","a":"{pad}}},{{{pad}"}}]}}"#
        )
        .unwrap();
        assert!(ingest_file(f.path()).is_none());
    }
}
