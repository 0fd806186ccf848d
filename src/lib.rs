//! oidc-triage: find the stage where CI/CD OIDC workload identity federation stops.
//!
//! Layers, bottom first (ARCHITECTURE.md; `tests/layering.rs` fails on an import that
//! reaches up): `text` and `clock` → `vocabulary` → `token` → `policy` → `evidence` →
//! `diagnosis` → `report`, `scenario`, `practice`, `sample` → `tui`. The CLI lives in
//! the binary.
//!
//! `vocabulary` holds the words every layer shares: stages, evidence, findings and the
//! catalogue of finding ids. `token` decodes what people paste (a JWT in any wrapping, or bare claims), knows
//! each CI platform's issuer and subject grammar, and verifies signatures offline
//! against a JWKS. `evidence` recognises inputs by content and turns each into
//! evidence through one interface. `diagnosis` is the engine that computes each
//! stage's status and where evidence stops. `report` renders a diagnosis or a decoded token as text, JSON or markdown to
//! any `Write`. `text` is the output gate: it escapes control and invisible characters and
//! redacts secrets, and only its `Gated` text reaches a stream, the screen or the
//! clipboard; `clock` fixes
//! the instant checks are made at. The library prints nothing: the CLI (in the binary) and
//! the TUI are thin layers over it.
//!
//! `practice` is the learning side on the same engine: the lesson and the wrap-up
//! question bank (embedded from `assets/practice/`), drills whose answers come from
//! diagnosing a scenario and whose distractors come from the other scenarios, the
//! explanation rubric, the teach-a-friend summary and the atomically written progress
//! file; `tui::practice` draws it.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod clock;
pub mod diagnosis;
pub mod evidence;
pub mod policy;
pub mod practice;
pub mod report;
pub mod sample;
pub mod scenario;
pub mod text;
pub mod token;
#[cfg(feature = "tui")]
pub mod tui;
pub mod vocabulary;
