//! Text that came from input, made safe to show: control characters escaped before
//! anything reaches a terminal, and secrets redacted before anything leaves the tool
//! (reports, clipboard copies), and every printed command quoted by one builder
//! (`command`). Every renderer and the TUI go through here.

pub mod command;
mod escape;
mod redact;

pub use escape::{escape_bytes_preview, escape_control, escape_control_multiline};
pub use redact::{redact_secrets, redact_token};
