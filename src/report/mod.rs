//! Renderers over a [`Diagnosis`](crate::diagnosis::Diagnosis) or a decoded token:
//! text for people (aligned, optionally coloured), JSON for scripts, markdown for
//! tickets. All write to any `impl Write`; every string from input is escaped on the
//! way out, and nothing that leaves here carries a token signature.

pub mod json;
pub mod markdown;
pub mod sarif;
mod style;
pub mod text;

pub use style::Palette;

/// Output formats (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}
