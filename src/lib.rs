//! oidc-triage: find the stage where CI/CD OIDC workload identity federation stops.
//!
//! `token` decodes what people paste (a JWT in any wrapping, or bare claims), knows
//! each CI platform's issuer and subject grammar, and verifies signatures offline
//! against a JWKS. `evidence` recognises inputs by content and turns each into
//! evidence through one interface. `diagnosis` owns the five stages, the finding
//! catalogue and the engine that computes each stage's status and where evidence
//! stops. `report` renders a diagnosis or a decoded token as text, JSON or markdown to
//! any `Write`. `text` escapes control characters and redacts secrets; `clock` fixes
//! the instant checks are made at. The library prints nothing: the CLI and the TUI
//! (in the binary) are thin layers over it.
//!
//! `practice` is the learning side on the same engine: the lesson and the wrap-up
//! question bank (embedded from `assets/practice/`), drills whose answers come from
//! diagnosing a scenario and whose distractors come from the other scenarios, the
//! explanation rubric, the teach-a-friend summary and the atomically written progress
//! file; `tui::practice` draws it.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
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
