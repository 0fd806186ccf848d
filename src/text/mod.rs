//! Text that came from input, made safe to show: control and invisible characters
//! escaped before anything reaches a terminal, and secrets redacted before anything
//! leaves the tool. [`gate`] is the one door out: every stream, the TUI's screen and
//! the clipboard take only its [`Gated`] text (see `gate.rs`). Every printed command is
//! quoted by one builder (`command`).

pub mod command;
mod escape;
mod gate;
mod redact;

pub use escape::{
    escape_byte, escape_bytes_preview, escape_control, escape_control_multiline, is_unsafe_char,
};
pub use gate::{GateWriter, Gated, PALETTE_SGR, gate, gate_line, gate_styled};
pub use redact::{REDACTED, redact_secrets, redact_token, remember_secret};
