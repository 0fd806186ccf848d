//! Copying out of the TUI. One system clipboard lives as long as the TUI (X11 and
//! Wayland drop the contents when their owner exits, DESIGN.md); where there is none
//! (SSH, a headless box) the text goes to the user's own terminal in an OSC 52 escape,
//! which most terminals (and tmux with `set-clipboard`) put on their clipboard.
//!
//! The connection is made on the first copy or clipboard paste, never at start:
//! `$DISPLAY` may name a remote host (X11 over TCP), and opening the TUI must not talk
//! to it before the user asked for the clipboard. Only [`Gated`] text is copied.

use std::io::{self, Write};

use base64::Engine as _;

use crate::text::Gated;

/// Which way a copy went, to tell the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyRoute {
    /// The system clipboard (arboard).
    System,
    /// An OSC 52 escape to the terminal.
    Osc52,
}

impl CopyRoute {
    pub fn describe(self) -> &'static str {
        match self {
            CopyRoute::System => "to the system clipboard",
            CopyRoute::Osc52 => "with OSC 52 to your terminal's clipboard",
        }
    }
}

/// Terminals cap OSC 52 payloads (xterm's default is about 100 KB of base64).
pub const OSC52_MAX_BYTES: usize = 74_000;

/// The escape that asks the terminal to set its clipboard (`c`) to `text`.
pub fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// Where the system clipboard stands: not asked for yet, connected, or not there.
enum System {
    NotConnected,
    Connected(arboard::Clipboard),
    Unavailable,
}

/// The TUI's clipboard.
pub struct Clipboard {
    system: System,
}

impl Clipboard {
    /// The system clipboard, connected on first use. Over SSH without a display there
    /// is none, and arboard's error is why OSC 52 is used.
    pub fn new() -> Clipboard {
        Clipboard {
            system: System::NotConnected,
        }
    }

    /// A clipboard that never touches the system one (tests).
    pub fn osc52_only() -> Clipboard {
        Clipboard {
            system: System::Unavailable,
        }
    }

    /// True once a connection to the system clipboard was tried.
    pub fn connected(&self) -> bool {
        !matches!(self.system, System::NotConnected)
    }

    fn system(&mut self) -> Option<&mut arboard::Clipboard> {
        if let System::NotConnected = self.system {
            self.system = match arboard::Clipboard::new() {
                Ok(c) => System::Connected(c),
                Err(_) => System::Unavailable,
            };
        }
        match &mut self.system {
            System::Connected(c) => Some(c),
            _ => None,
        }
    }

    /// Copy `text`; `terminal` receives the OSC 52 escape when the system clipboard
    /// is missing or refuses.
    pub fn copy(&mut self, text: &Gated, terminal: &mut dyn Write) -> Result<CopyRoute, String> {
        let text = text.as_str();
        if let Some(system) = self.system()
            && system.set_text(text.to_owned()).is_ok()
        {
            return Ok(CopyRoute::System);
        }
        if text.len() > OSC52_MAX_BYTES {
            return Err(format!(
                "no system clipboard, and {} bytes is more than terminals accept with OSC 52",
                text.len()
            ));
        }
        write_osc52(terminal, text)
            .map(|()| CopyRoute::Osc52)
            .map_err(|e| format!("cannot write to the terminal: {e}"))
    }

    /// The system clipboard's text, for terminals without bracketed paste.
    pub fn paste(&mut self) -> Result<String, String> {
        match self.system() {
            Some(system) => system.get_text().map_err(|e| e.to_string()),
            None => Err(
                "no system clipboard here (SSH or no display): paste with your terminal instead"
                    .to_owned(),
            ),
        }
    }
}

impl Default for Clipboard {
    fn default() -> Clipboard {
        Clipboard::new()
    }
}

fn write_osc52(terminal: &mut dyn Write, text: &str) -> io::Result<()> {
    terminal.write_all(osc52(text).as_bytes())?;
    terminal.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_base64_of_the_text_to_the_clipboard_selection() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn without_a_system_clipboard_the_terminal_gets_osc52() {
        let mut out = Vec::new();
        let route = Clipboard::osc52_only()
            .copy(&crate::text::gate("rca"), &mut out)
            .unwrap();
        assert_eq!(route, CopyRoute::Osc52);
        assert_eq!(out, osc52("rca").as_bytes());
    }

    #[test]
    fn nothing_connects_to_the_display_until_a_copy() {
        let clipboard = Clipboard::new();
        assert!(!clipboard.connected());
    }

    #[test]
    fn an_oversized_copy_is_refused_not_truncated() {
        let mut out = Vec::new();
        let err = Clipboard::osc52_only()
            .copy(
                &crate::text::gate(&"x".repeat(OSC52_MAX_BYTES + 1)),
                &mut out,
            )
            .unwrap_err();
        assert!(err.contains("OSC 52"), "{err}");
        assert!(out.is_empty());
    }
}
