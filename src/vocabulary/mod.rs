//! The words every layer shares: the five stages, evidence and its outcome, findings
//! with their severity and risk, the catalogue of finding ids, and the knowledge that
//! explains them (causes, fixes, sources, next-evidence commands; `knowledge`). It sits just above
//! `text` and `clock` and imports nothing else of the crate, so token decoding,
//! policy evaluation, the evidence readers and the engine can all speak it without
//! depending on one another (ARCHITECTURE.md).

pub mod catalog;
pub mod knowledge;
mod model;

pub use model::{
    Basis, Evidence, Finding, Health, NextEvidence, Outcome, Risk, Severity, Stage, StageReport,
    StageStatus,
};
