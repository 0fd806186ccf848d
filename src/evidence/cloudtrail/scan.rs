//! The structural splitter: cuts a JSON stream into the values found at one nesting
//! depth (the events of `{"Records":[…]}`, the lines of a JSON-lines export, the rows
//! of a CloudTrail Lake result) without parsing it, in bounded memory, at the speed
//! of a memory scan.
//!
//! It reads the stream in chunks of [`READ_CHUNK`] bytes and classifies each 64-byte
//! block at once, as simdjson's first stage does (Langdale & Lemire, "Parsing
//! gigabytes of JSON per second", VLDB Journal 2019): bit masks of quotes,
//! backslashes and brackets, the escaped characters found from runs of backslashes,
//! the inside of strings as the prefix XOR of the unescaped quotes. Only the brackets
//! outside strings are then visited one by one, so a CloudTrail event (about one
//! bracket per hundred bytes) costs little more than reading it. The mask loop is
//! written so that LLVM vectorises it with the target's baseline SIMD (SSE2 on
//! x86-64); no `unsafe` is involved.
//!
//! A value is handed to the caller whole, as a slice of the buffer, together with
//! whether one of the caller's needles (`memchr::memmem`) occurs inside it: callers
//! parse only those candidates. A value larger than [`MAX_UNIT`] is skipped and
//! reported, so a 2 GB single-line input never grows the buffer past a few MiB.

use std::io::{self, Read};

use memchr::memmem::Finder;

/// Bytes asked of the reader at a time.
pub(crate) const READ_CHUNK: usize = 1 << 20;

/// The largest value handed to the caller. CloudTrail events are at most a few
/// hundred KiB (AWS truncates large request parameters); anything larger is skipped
/// and reported rather than buffered.
pub(crate) const MAX_UNIT: usize = 4 << 20;

/// Needles longer than this would be missed across a chunk boundary.
pub(crate) const MAX_NEEDLE: usize = 64;

/// One value cut from the stream.
pub(crate) struct Unit<'a> {
    /// Byte offset of its opening bracket in the (decompressed) stream.
    pub offset: u64,
    /// Its position among the values at this depth, from 0.
    pub ordinal: u64,
    /// The line its opening bracket is on, from 1.
    pub line: u64,
    pub bytes: &'a [u8],
    /// True when one of the needles occurs inside it.
    pub candidate: bool,
}

/// How the stream ended.
#[derive(Debug)]
pub(crate) enum End {
    /// Every value was closed.
    Clean,
    /// The stream ended inside a value (a truncated export): it was dropped.
    InsideUnit { offset: u64 },
    /// The stream ended inside the enclosing array or object (`]}` missing), after
    /// the last complete value.
    InsideContainer,
    /// Reading failed at this offset of the stream; what came before was delivered.
    Read { offset: u64, error: io::Error },
}

/// What the splitter saw besides the values.
#[derive(Debug)]
pub(crate) struct SplitReport {
    /// Bytes read.
    pub bytes: u64,
    /// Values delivered.
    pub units: u64,
    /// Values skipped for their size: (offset, length) of the first few, and the count.
    pub oversized: Vec<(u64, u64)>,
    pub oversized_count: u64,
    /// Offsets of closing brackets with nothing open (the first few), and the count.
    pub unbalanced: Vec<u64>,
    pub unbalanced_count: u64,
    pub end: End,
    /// At the end of the input: nesting depth, inside a string, inside a value. A
    /// reader of the first part of a split file checks that its part ended exactly
    /// between two values.
    pub final_depth: u32,
    pub final_in_string: bool,
    pub final_in_unit: bool,
}

const FIRST_FEW: usize = 4;

/// Splits a stream into the values at `depth` (0: top-level values, as in JSON
/// lines; 2: the elements of `{"Records":[…]}`).
pub(crate) struct Splitter<'n> {
    pub depth: u32,
    pub needles: &'n [Finder<'static>],
    /// Count lines (for `line N` locators); costs one `memchr` pass.
    pub count_lines: bool,
    /// Where the stream starts in the whole export: its byte offset and the newlines
    /// before it (for the second part of a file split across workers).
    pub start_offset: u64,
    pub start_lines: u64,
}

/// The scanner's state between blocks and chunks.
struct State {
    unit_depth: u32,
    depth: u32,
    prev_escaped: u64,
    prev_in_string: u64,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// Index in `buf` where the current value starts.
    unit_start: Option<usize>,
    /// Absolute offset of a value being skipped for its size.
    oversized_start: Option<u64>,
    ordinal: u64,
    unit_line: u64,
    count_lines: bool,
    /// Newlines before `line_cursor`.
    lines: u64,
    line_cursor: usize,
    /// Absolute offsets where a needle starts, sorted.
    hits: Vec<u64>,
    report: SplitReport,
}

impl Splitter<'_> {
    /// Read `reader` to its end (or its first error), handing each value to `on_unit`.
    pub(crate) fn run(
        &self,
        reader: &mut dyn Read,
        on_unit: &mut dyn FnMut(&Unit<'_>),
    ) -> SplitReport {
        let mut st = State {
            unit_depth: self.depth,
            depth: 0,
            prev_escaped: 0,
            prev_in_string: 0,
            base: self.start_offset,
            unit_start: None,
            oversized_start: None,
            ordinal: 0,
            unit_line: 1,
            count_lines: self.count_lines,
            lines: self.start_lines,
            line_cursor: 0,
            hits: Vec::new(),
            report: SplitReport {
                bytes: 0,
                units: 0,
                oversized: Vec::new(),
                oversized_count: 0,
                unbalanced: Vec::new(),
                unbalanced_count: 0,
                end: End::Clean,
                final_depth: 0,
                final_in_string: false,
                final_in_unit: false,
            },
        };
        let overlap = self
            .needles
            .iter()
            .map(|n| n.needle().len())
            .max()
            .unwrap_or(1)
            .clamp(1, MAX_NEEDLE)
            - 1;
        let mut buf = vec![0u8; 2 * READ_CHUNK];
        let mut filled = 0usize;
        let mut scanned = 0usize;
        let mut searched = 0usize;
        loop {
            if buf.len() - filled < READ_CHUNK {
                let keep = st
                    .unit_start
                    .unwrap_or(usize::MAX)
                    .min(scanned)
                    .min(filled.saturating_sub(overlap));
                st.advance_lines(&buf, keep);
                buf.copy_within(keep..filled, 0);
                filled -= keep;
                scanned -= keep;
                searched -= keep;
                st.line_cursor -= keep;
                if let Some(s) = st.unit_start.as_mut() {
                    *s -= keep;
                }
                st.base += keep as u64;
                let base = st.base;
                st.hits.retain(|&h| h >= base);
                if buf.len() - filled < READ_CHUNK {
                    buf.resize(filled + READ_CHUNK, 0);
                }
            }
            let n = match reader.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    st.report.bytes = st.base + filled as u64 - self.start_offset;
                    st.report.end = End::Read {
                        offset: st.base + filled as u64,
                        error,
                    };
                    return st.report;
                }
            };
            if n == 0 {
                break;
            }
            filled += n;
            // Needles in the new bytes, including any that straddle the previous read.
            let from = searched.saturating_sub(overlap);
            let mut fresh = Vec::new();
            for finder in self.needles {
                let len = finder.needle().len();
                for at in finder.find_iter(&buf[from..filled]) {
                    let start = from + at;
                    if start + len > searched {
                        fresh.push(st.base + start as u64);
                    }
                }
            }
            if !fresh.is_empty() {
                st.hits.extend(fresh);
                st.hits.sort_unstable();
            }
            searched = filled;
            while scanned + 64 <= filled {
                let block: &[u8; 64] = match buf[scanned..scanned + 64].try_into() {
                    Ok(b) => b,
                    Err(_) => break,
                };
                st.block(block, &buf, scanned, on_unit);
                scanned += 64;
            }
            if let Some(s) = st.unit_start
                && filled - s > MAX_UNIT
            {
                st.oversized_start = Some(st.base + s as u64);
                st.unit_start = None;
            }
        }
        // The tail, padded with spaces (which change no state).
        if scanned < filled {
            let mut block = [b' '; 64];
            block[..filled - scanned].copy_from_slice(&buf[scanned..filled]);
            st.block(&block, &buf, scanned, on_unit);
        }
        st.report.bytes = st.base + filled as u64 - self.start_offset;
        st.report.final_depth = st.depth;
        st.report.final_in_string = st.prev_in_string != 0;
        st.report.final_in_unit = st.unit_start.is_some() || st.oversized_start.is_some();
        st.report.end = if let Some(s) = st.unit_start {
            End::InsideUnit {
                offset: st.base + s as u64,
            }
        } else if let Some(offset) = st.oversized_start {
            End::InsideUnit { offset }
        } else if st.depth > 0 {
            End::InsideContainer
        } else {
            End::Clean
        };
        st.report
    }
}

/// Bit `i` set where `block[i]` is a quote, a backslash, an opening bracket (`{[`),
/// a closing bracket (`}]`). Sixteen bytes at a time: LLVM turns each inner loop into
/// compares and a byte mask extraction.
#[inline(always)]
fn masks(block: &[u8; 64]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let (lanes, _) = block.as_chunks::<16>();
    for (k, lane) in lanes.iter().enumerate() {
        let mut m = [0u16; 4];
        for (i, &b) in lane.iter().enumerate() {
            m[0] |= u16::from(b == b'"') << i;
            m[1] |= u16::from(b == b'\\') << i;
            // `{` 0x7B and `[` 0x5B differ only in bit 0x20; so do `}` and `]`.
            m[2] |= u16::from(b | 0x20 == b'{') << i;
            m[3] |= u16::from(b | 0x20 == b'}') << i;
        }
        for (o, mi) in out.iter_mut().zip(m) {
            *o |= u64::from(mi) << (16 * k);
        }
    }
    out
}

/// Bit `i` set when an odd number of bits at or below `i` are set.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

impl State {
    /// The characters escaped by a backslash in this block (simdjson's
    /// `find_escaped`): a run of backslashes escapes the character after it when the
    /// run is odd; runs are told apart by where they start, even or odd.
    #[inline(always)]
    fn escaped(&mut self, backslash: u64) -> u64 {
        if backslash == 0 {
            let escaped = self.prev_escaped;
            self.prev_escaped = 0;
            return escaped;
        }
        const EVEN: u64 = 0x5555_5555_5555_5555;
        let backslash = backslash & !self.prev_escaped;
        let follows_escape = (backslash << 1) | self.prev_escaped;
        let odd_starts = backslash & !EVEN & !follows_escape;
        let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
        self.prev_escaped = u64::from(overflow);
        let invert = even_starts << 1;
        (EVEN ^ invert) & follows_escape
    }

    fn advance_lines(&mut self, buf: &[u8], to: usize) {
        if self.count_lines && to > self.line_cursor {
            self.lines += memchr::memchr_iter(b'\n', &buf[self.line_cursor..to]).count() as u64;
        }
        self.line_cursor = self.line_cursor.max(to);
    }

    /// Classify one block at `buf[at..at + 64]` (`block` is that, or the padded tail).
    #[inline(always)]
    fn block(
        &mut self,
        block: &[u8; 64],
        buf: &[u8],
        at: usize,
        on_unit: &mut dyn FnMut(&Unit<'_>),
    ) {
        let [quote, backslash, open, close] = masks(block);
        let escaped = self.escaped(backslash);
        let quote = quote & !escaped;
        let in_string = prefix_xor(quote) ^ self.prev_in_string;
        self.prev_in_string = ((in_string as i64) >> 63) as u64;
        let mut structural = (open | close) & !in_string;
        while structural != 0 {
            let i = structural.trailing_zeros() as usize;
            structural &= structural - 1;
            let idx = at + i;
            if block[i] | 0x20 == b'{' {
                if self.depth == self.unit_depth {
                    self.advance_lines(buf, idx);
                    self.unit_start = Some(idx);
                    self.unit_line = self.lines + 1;
                }
                self.depth = self.depth.saturating_add(1);
            } else if self.depth == 0 {
                self.report.unbalanced_count += 1;
                if self.report.unbalanced.len() < FIRST_FEW {
                    self.report.unbalanced.push(self.base + idx as u64);
                }
            } else {
                self.depth -= 1;
                if self.depth == self.unit_depth {
                    self.close_unit(buf, idx + 1, on_unit);
                }
            }
        }
    }

    fn close_unit(&mut self, buf: &[u8], end: usize, on_unit: &mut dyn FnMut(&Unit<'_>)) {
        if let Some(start) = self.unit_start.take() {
            let offset = self.base + start as u64;
            let end_abs = self.base + end as u64;
            let k = self.hits.partition_point(|&h| h < offset);
            let candidate = self.hits.get(k).is_some_and(|&h| h < end_abs);
            on_unit(&Unit {
                offset,
                ordinal: self.ordinal,
                line: self.unit_line,
                bytes: &buf[start..end],
                candidate,
            });
            self.ordinal += 1;
            self.report.units += 1;
        } else if let Some(offset) = self.oversized_start.take() {
            self.report.oversized_count += 1;
            if self.report.oversized.len() < FIRST_FEW {
                self.report
                    .oversized
                    .push((offset, (self.base + end as u64).saturating_sub(offset)));
            }
            self.ordinal += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (offset, line, bytes, candidate) of one value.
    type Cut = (u64, u64, Vec<u8>, bool);

    fn split(input: &[u8], depth: u32, needles: &[&str]) -> (Vec<Cut>, SplitReport) {
        let finders: Vec<Finder<'static>> = needles
            .iter()
            .map(|n| Finder::new(n.as_bytes()).into_owned())
            .collect();
        let splitter = Splitter {
            depth,
            needles: &finders,
            count_lines: true,
            start_offset: 0,
            start_lines: 0,
        };
        let mut units = Vec::new();
        let report = splitter.run(&mut &input[..], &mut |u| {
            units.push((u.offset, u.line, u.bytes.to_vec(), u.candidate));
        });
        (units, report)
    }

    /// The obvious byte-at-a-time scanner the block scanner must agree with. As in
    /// simdjson, a backslash escapes the byte after it wherever it is (valid JSON has
    /// backslashes only inside strings): an escaped quote does not open or close a
    /// string, an escaped backslash escapes nothing.
    fn naive(input: &[u8], unit_depth: u32) -> Vec<(usize, usize)> {
        let (mut depth, mut in_string, mut escape) = (0u32, false, false);
        let mut start = None;
        let mut out = Vec::new();
        for (i, &b) in input.iter().enumerate() {
            if escape {
                escape = false;
                if b == b'"' || b == b'\\' {
                    continue;
                }
            } else if b == b'\\' {
                escape = true;
                continue;
            }
            if b == b'"' {
                in_string = !in_string;
                continue;
            }
            if in_string {
                continue;
            }
            match b {
                b'{' | b'[' => {
                    if depth == unit_depth {
                        start = Some(i);
                    }
                    depth += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    if depth == unit_depth
                        && let Some(s) = start.take()
                    {
                        out.push((s, i + 1));
                    }
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn records_are_split_into_events() {
        let input = br#"{"Records":[{"a":"}{","b":{"c":[1,2]}},{"eventName":"AssumeRoleWithWebIdentity"} , {"x":"\"}"}]}"#;
        let (units, report) = split(input, 2, &["AssumeRoleWithWebIdentity"]);
        assert_eq!(units.len(), 3);
        assert_eq!(units[0].2, br#"{"a":"}{","b":{"c":[1,2]}}"#);
        assert!(!units[0].3);
        assert!(units[1].3);
        assert_eq!(units[2].2, br#"{"x":"\"}"}"#);
        assert!(matches!(report.end, End::Clean));
    }

    #[test]
    fn lines_carry_their_line_numbers() {
        let input = b"{\"a\":1}\n\n{\"b\":\n2}\n{\"c\":3}\n";
        let (units, _) = split(input, 0, &[]);
        let lines: Vec<u64> = units.iter().map(|u| u.1).collect();
        assert_eq!(lines, vec![1, 3, 5]);
    }

    #[test]
    fn a_truncated_export_reports_where_the_last_event_started() {
        let input = br#"{"Records":[{"a":1},{"b":"cut here"#;
        let (units, report) = split(input, 2, &[]);
        assert_eq!(units.len(), 1);
        assert!(
            matches!(report.end, End::InsideUnit { offset: 20 }),
            "{:?}",
            report.end
        );
    }

    #[test]
    fn a_missing_closing_bracket_after_complete_events_is_reported() {
        let (units, report) = split(br#"{"Records":[{"a":1}"#, 2, &[]);
        assert_eq!(units.len(), 1);
        assert!(
            matches!(report.end, End::InsideContainer),
            "{:?}",
            report.end
        );
    }

    #[test]
    fn stray_closing_brackets_are_counted_not_fatal() {
        let (units, report) = split(b"}]{\"a\":1}", 0, &[]);
        assert_eq!(units.len(), 1);
        assert_eq!(report.unbalanced_count, 2);
        assert_eq!(report.unbalanced, vec![0, 1]);
    }

    #[test]
    fn needles_across_chunk_boundaries_are_found() {
        // Put the needle across the first read boundary of READ_CHUNK bytes.
        let mut input = b"{\"pad\":\"".to_vec();
        input.resize(READ_CHUNK * 2 - 8 - 12, b'x');
        input.extend_from_slice(b"\"}\n{\"e\":\"AssumeRoleWithWebIdentity\"}\n");
        let (units, _) = split(&input, 0, &["AssumeRoleWithWebIdentity"]);
        assert_eq!(units.len(), 2);
        assert!(!units[0].3);
        assert!(units[1].3);
    }

    #[test]
    fn an_oversized_value_is_skipped_and_reported() {
        struct Huge {
            left: u64,
            started: bool,
        }
        impl Read for Huge {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if !self.started {
                    self.started = true;
                    out[..8].copy_from_slice(b"{\"big\":\"");
                    return Ok(8);
                }
                if self.left == 0 {
                    let tail = b"\"}\n{\"small\":1}\n";
                    let n = tail.len().min(out.len());
                    out[..n].copy_from_slice(&tail[..n]);
                    self.left = u64::MAX;
                    return Ok(n);
                }
                if self.left == u64::MAX {
                    return Ok(0);
                }
                let n = (out.len() as u64).min(self.left) as usize;
                out[..n].fill(b'a');
                self.left -= n as u64;
                Ok(n)
            }
        }
        let splitter = Splitter {
            depth: 0,
            needles: &[],
            count_lines: false,
            start_offset: 0,
            start_lines: 0,
        };
        let mut seen = Vec::new();
        let report = splitter.run(
            &mut Huge {
                left: 3 * MAX_UNIT as u64,
                started: false,
            },
            &mut |u| seen.push(u.bytes.to_vec()),
        );
        assert_eq!(seen, vec![b"{\"small\":1}".to_vec()]);
        assert_eq!(report.oversized_count, 1);
        assert_eq!(report.oversized[0].0, 0);
    }

    #[test]
    fn escapes_spanning_block_boundaries() {
        // A run of backslashes crossing the 64-byte boundary, then a quote.
        for run in 0..6 {
            let mut input = b"{\"k\":\"".to_vec();
            input.resize(64 - run / 2, b'a');
            input.extend(std::iter::repeat_n(b'\\', run));
            input.extend_from_slice(b"\"}\"}{\"z\":1}");
            let (units, _) = split(&input, 0, &[]);
            let got: Vec<(usize, usize)> = units
                .iter()
                .map(|u| (u.0 as usize, u.0 as usize + u.2.len()))
                .collect();
            assert_eq!(got, naive(&input, 0), "run of {run}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn agrees_with_the_naive_scanner(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(&b"{"[..]), Just(&b"}"[..]), Just(&b"["[..]), Just(&b"]"[..]),
                    Just(&b"\""[..]), Just(&b"\\"[..]), Just(&b"\\\\"[..]), Just(&b","[..]),
                    Just(&b"\n"[..]), Just(&b"abc"[..]), Just(&b"\"x\\\"y\""[..]),
                ],
                0..400,
            ),
            depth in 0u32..3,
        ) {
            let input: Vec<u8> = parts.concat();
            let (units, _) = split(&input, depth, &[]);
            let got: Vec<(usize, usize)> = units.iter().map(|u| (u.0 as usize, u.0 as usize + u.2.len())).collect();
            prop_assert_eq!(got, naive(&input, depth));
        }

        #[test]
        fn never_panics_on_bytes(input in proptest::collection::vec(any::<u8>(), 0..2000), depth in 0u32..4) {
            let _ = split(&input, depth, &["AssumeRoleWithWebIdentity", "errorCode"]);
        }
    }
}
