//! The diagnosis: per-stage verdicts computed from evidence exactly as docs/design.md
//! defines them, the findings with cause and fix, and what to collect next. The words
//! it speaks (stages, evidence, findings, the catalogue) are `vocabulary`'s, re-exported
//! here for the layers above. Evidence arrives from `evidence` through one interface; this
//! module does not know any input format.

mod engine;

use serde::Serialize;

pub use crate::evidence::{TokenView, TrustSummary, WhatIf};
pub use crate::vocabulary::{
    Basis, Evidence, Finding, Health, NextEvidence, Outcome, Risk, Severity, Stage, StageReport,
    StageStatus, catalog,
};
pub use engine::{DiagnoseOptions, describe_clock, diagnose, diagnose_inputs};

use crate::clock::Clock;
use crate::evidence::ArtifactSummary;

/// Schema name of `diagnose --format json`.
pub const DIAGNOSIS_SCHEMA: &str = "oidc-triage/diagnosis/v1";

/// A claim changed for a what-if diagnosis ("set `sub` to the pull-request form").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimEdit {
    pub claim: String,
    /// `None` removes the claim.
    pub value: Option<serde_json::Value>,
}

/// The result of a diagnosis (not an error: a failed stage is a finding, not a fault).
#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    pub schema: &'static str,
    /// The first failed stage; else the first not passed; `null` when all five passed.
    pub stopped_at: Option<Stage>,
    pub stages: Vec<StageReport>,
    pub findings: Vec<Finding>,
    /// The verdict on the whole path.
    pub health: Health,
    /// The highest risk among the findings (`null`: none carries one).
    pub max_risk: Option<Risk>,
    pub trust: TrustSummary,
    pub next_evidence: Vec<NextEvidence>,
    /// What-if evaluations of the trust configuration (the denied pull request path).
    pub what_if: Vec<WhatIf>,
    pub artifacts: Vec<ArtifactSummary>,
    /// The clock checks were made at.
    pub clock: Clock,
    /// One line for people and tickets.
    pub summary: String,
    /// Claims changed for a what-if diagnosis; empty for a real one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<ClaimEdit>,
    /// The tokens and claim sets as decoded (not in the JSON: `decode` gives them).
    #[serde(skip)]
    pub tokens: Vec<TokenView>,
}

impl Diagnosis {
    /// The report of one stage.
    pub fn stage(&self, stage: Stage) -> &StageReport {
        &self.stages[stage.index()]
    }

    /// True when a stage failed.
    pub fn failed(&self) -> bool {
        self.stages.iter().any(|s| s.status == StageStatus::Failed)
    }

    /// The highest risk among the findings.
    pub fn max_risk(&self) -> Option<Risk> {
        self.findings.iter().filter_map(|f| f.risk).max()
    }

    /// True when at least one input was usable.
    pub fn has_usable_input(&self) -> bool {
        self.artifacts.iter().any(ArtifactSummary::usable)
    }

    /// Findings on one stage.
    pub fn findings_on(&self, stage: Stage) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.stage == stage)
    }
}
