//! The diagnosis: per-stage verdicts computed from evidence exactly as DESIGN.md
//! defines them, the findings with cause and fix, what to collect next, and the
//! finding catalogue. Evidence arrives from `evidence` through one interface; this
//! module does not know any input format.

pub mod catalog;
mod engine;
mod model;

use serde::Serialize;

pub use engine::{DiagnoseOptions, describe_clock, diagnose, diagnose_inputs};
pub use model::{
    Basis, Evidence, Finding, NextEvidence, Outcome, Risk, Severity, Stage, StageReport,
    StageStatus,
};

use crate::clock::Clock;
use crate::evidence::ArtifactSummary;
use crate::token::Cloud;

/// Schema name of `diagnose --format json`.
pub const DIAGNOSIS_SCHEMA: &str = "oidc-triage/diagnosis/v1";

/// One trust condition as evaluated against the token's claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustCondition {
    /// Where in the trust configuration (`$.Statement[0].Condition.StringLike[…]`).
    pub locator: String,
    /// The claim or key tested.
    pub key: String,
    pub operator: String,
    /// What the configuration expects.
    pub expected: Vec<String>,
    /// What the token carries (`null` when the claim is absent).
    pub actual: Option<String>,
    pub matched: bool,
    /// For a failed comparison: the closest configured value and where it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_miss: Option<crate::policy::NearMiss>,
}

/// A what-if evaluation: the same trust configuration against the token with one
/// claim changed ("would a pull request get in?").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WhatIf {
    pub question: String,
    pub claim: String,
    pub value: String,
    pub allowed: bool,
    /// The rule or condition that decides it.
    pub deciding: String,
}

/// The trust stage's static evaluation, when a trust configuration was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustSummary {
    pub evaluated: bool,
    /// `null` when no trust configuration was given.
    pub allowed: Option<bool>,
    pub cloud: Option<Cloud>,
    pub conditions: Vec<TrustCondition>,
}

impl TrustSummary {
    /// No trust configuration was given.
    pub fn not_evaluated() -> TrustSummary {
        TrustSummary {
            evaluated: false,
            allowed: None,
            cloud: None,
            conditions: Vec::new(),
        }
    }
}

/// A token or claim set as decoded for the diagnosis: the claims table of the token
/// stage (meanings, relative times) without decoding twice.
#[derive(Clone, Debug)]
pub struct TokenView {
    /// The artifact it came from.
    pub artifact: String,
    pub report: crate::token::TokenReport,
}

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
