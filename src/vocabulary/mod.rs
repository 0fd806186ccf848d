//! The words every layer shares: the five stages, evidence and its outcome, findings
//! with their severity and risk, and the catalogue of finding ids. It sits just above
//! `text` and `clock` and imports no other module of the crate, so token decoding,
//! policy evaluation, the evidence readers and the engine can all speak it without
//! depending on one another (ARCHITECTURE.md).

pub mod catalog;
mod model;

pub use model::{
    Basis, Evidence, Finding, NextEvidence, Outcome, Risk, Severity, Stage, StageReport,
    StageStatus,
};
