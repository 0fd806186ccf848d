//! The output gate: the one function every string passes before it leaves the
//! process — stdout, stderr, the TUI's screen, the clipboard, a saved file. It scrubs
//! secrets ([`redact_secrets`]) and then escapes control and invisible characters
//! ([`is_unsafe_char`]), in that order, so that a secret hidden behind a zero-width
//! space is still seen whole.
//!
//! The gate is applied by construction: [`Gated`] can only be made here, the
//! clipboard and the TUI's frame take only `Gated` text, and the process's streams
//! are [`GateWriter`]s (the binary never writes to a raw stream), so a new output path
//! cannot skip it. Text output may be coloured: a [`GateWriter::styled`] lets through
//! exactly the report palette's SGR sequences ([`PALETTE_SGR`]) and escapes every other
//! escape sequence, so a claim holding `\x1b]52;…` can never reach the terminal even
//! where a renderer forgot to escape it.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use super::escape::is_unsafe_char;
use super::redact::redact_secrets;

/// The SGR sequences the report palette emits (`report::Palette`): the only escape
/// sequences a styled gate lets through.
pub const PALETTE_SGR: [&str; 6] = [
    "\x1b[0m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[32m",
    "\x1b[33m",
    "\x1b[1;31m",
];

/// Text that has passed the gate. Only this module makes one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gated(String);

impl Gated {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Gated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reading gated text is free; only making it goes through the gate.
impl std::ops::Deref for Gated {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Gated {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// How the gate treats line breaks and escape sequences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// One line: `\n` is escaped too.
    Line,
    /// Lines: `\n` and `\t` stay (neither moves the cursor anywhere harmful).
    Lines,
    /// Lines, and the palette's SGR sequences stay.
    Styled,
}

fn escape_into(out: &mut String, text: &str, mode: Mode) {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b'
            && mode == Mode::Styled
            && let Some(sgr) = PALETTE_SGR.iter().find(|s| rest.starts_with(**s))
        {
            out.push_str(sgr);
            rest = &rest[sgr.len()..];
            continue;
        }
        match c {
            '\n' if mode != Mode::Line => out.push('\n'),
            '\t' if mode != Mode::Line => out.push('\t'),
            c if is_unsafe_char(c) => {
                out.push_str(&super::escape_control(c.encode_utf8(&mut [0; 4])));
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
}

/// Redact, also seeing through control and invisible characters: a line whose
/// secret only shows once they are taken out (`glpat-\u{200b}…`) loses them and the
/// secret, rather than keep both.
fn redact_seeing_through(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| c != '\n' && is_unsafe_char(c);
    let redacted = redact_secrets(text);
    if !redacted.chars().any(hidden) {
        return redacted;
    }
    let mut out = String::with_capacity(redacted.len());
    let mut changed = false;
    for line in redacted.split_inclusive('\n') {
        if line.chars().any(hidden) {
            let visible: String = line.chars().filter(|&c| !hidden(c)).collect();
            if let Cow::Owned(scrubbed) = redact_secrets(&visible) {
                out.push_str(&scrubbed);
                changed = true;
                continue;
            }
        }
        out.push_str(line);
    }
    if changed { Cow::Owned(out) } else { redacted }
}

fn gate_mode(text: &str, mode: Mode) -> Gated {
    // Secrets first: the escapes the second step adds must not be taken for secrets.
    let redacted = redact_seeing_through(text);
    let mut out = String::with_capacity(redacted.len());
    escape_into(&mut out, &redacted, mode);
    Gated(out)
}

/// The gate for multi-line text: secrets scrubbed, every control and invisible
/// character escaped except `\n` and `\t`.
pub fn gate(text: &str) -> Gated {
    gate_mode(text, Mode::Lines)
}

/// The gate for one line (a status message, a clipboard one-liner, a TUI cell):
/// `\n` is escaped too.
pub fn gate_line(text: &str) -> Gated {
    gate_mode(text, Mode::Line)
}

/// The gate for coloured text output: as [`gate`], but the palette's SGR sequences
/// stay.
pub fn gate_styled(text: &str) -> Gated {
    gate_mode(text, Mode::Styled)
}

/// Past this much buffered output, a [`GateWriter`] gates and writes what it holds up
/// to the last blank line (the renderers separate sections with one), so output
/// streams with bounded memory while a multi-line secret (a PEM block, a signature on
/// the next line) is still seen whole within its section.
const FLUSH_AT: usize = 4 << 20;

/// A stream that only ever writes gated text. Bytes written to it are buffered and
/// pass the gate on [`flush`](Write::flush), when the buffer grows past a bound, and
/// on drop. The binary wraps stdout and stderr in one; library renderers wrap
/// whatever they are given in one, so their output is gated for every caller.
pub struct GateWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    styled: bool,
}

impl<W: Write> GateWriter<W> {
    /// A gate for plain output: every escape sequence is escaped.
    pub fn new(inner: W) -> GateWriter<W> {
        GateWriter {
            inner,
            buf: Vec::new(),
            styled: false,
        }
    }

    /// A gate for coloured output: the palette's SGR sequences pass.
    pub fn styled(inner: W) -> GateWriter<W> {
        GateWriter {
            inner,
            buf: Vec::new(),
            styled: true,
        }
    }

    /// Write already gated text (it passes the gate again: the gate is idempotent).
    pub fn write_gated(&mut self, text: &Gated) -> io::Result<()> {
        self.write_all(text.as_str().as_bytes())
    }

    /// Gate and write what is buffered, reporting a write error (drop cannot).
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()
    }

    fn emit(&mut self, upto: usize) -> io::Result<()> {
        if upto == 0 {
            return Ok(());
        }
        let chunk: Vec<u8> = self.buf.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        let gated = if self.styled {
            gate_styled(&text)
        } else {
            gate(&text)
        };
        self.inner.write_all(gated.as_str().as_bytes())
    }
}

impl<W: Write> Write for GateWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= FLUSH_AT {
            let cut = self
                .buf
                .windows(2)
                .rposition(|w| w == b"\n\n")
                .map(|i| i + 2)
                .or_else(|| self.buf.iter().rposition(|&b| b == b'\n').map(|i| i + 1));
            if let Some(cut) = cut {
                self.emit(cut)?;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit(self.buf.len())?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for GateWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_escapes_and_scrubs() {
        let g = gate(
            "a\u{1b}]52;c;ZXZpbA==\u{7} ghp_16C7e42F292c6912E7710c838347Ae178B4a\u{200b}x\nnext",
        );
        assert_eq!(
            g.as_str(),
            "a\\x1b]52;c;ZXZpbA==\\x07 ghp_<redacted>\\u{200b}x\nnext"
        );
        assert_eq!(gate_line("a\nb").as_str(), "a\\nb");
    }

    #[test]
    fn a_zero_width_space_does_not_hide_a_secret() {
        let g = gate("glpat-\u{200b}xxxxxxxxxxxxxxxxxxxx");
        assert!(!g.as_str().contains("xxxxxxxxxxxxxxxxxxxx"), "{g}");
    }

    #[test]
    fn styled_keeps_only_the_palette() {
        let g = gate_styled("\x1b[32mok\x1b[0m \x1b[31mx\x1b]0;title\x07");
        assert_eq!(g.as_str(), "\x1b[32mok\x1b[0m \\x1b[31mx\\x1b]0;title\\x07");
        assert!(!gate("\x1b[32mok").as_str().contains('\x1b'));
    }

    #[test]
    fn the_gate_is_idempotent() {
        let once = gate("x\u{1b}[2J password=hunter2 \u{202e}");
        assert_eq!(gate(once.as_str()), once);
    }

    #[test]
    fn the_writer_gates_what_it_is_given() {
        let mut out = Vec::new();
        {
            let mut w = GateWriter::new(&mut out);
            write!(w, "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n").unwrap();
            write!(w, "-----END RSA PRIVATE KEY-----\n\x1b[2J").unwrap();
        }
        let s = String::from_utf8(out).unwrap();
        assert!(!s.contains("MIIEowIBAAKCAQEA"), "{s}");
        assert!(s.ends_with("\\x1b[2J"), "{s}");
    }
}
