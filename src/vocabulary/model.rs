//! The vocabulary of a diagnosis (docs/design.md): stages, evidence, findings, and the
//! per-stage verdicts. These types are the JSON contract `oidc-triage/diagnosis/v1`.

use serde::Serialize;

/// The five stages of a federated deploy, in the order evidence flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Workflow,
    Token,
    Trust,
    Role,
    Audit,
}

impl Stage {
    /// All stages, in pipeline order.
    pub const ALL: [Stage; 5] = [
        Stage::Workflow,
        Stage::Token,
        Stage::Trust,
        Stage::Role,
        Stage::Audit,
    ];

    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Workflow => "workflow",
            Stage::Token => "token",
            Stage::Trust => "trust",
            Stage::Role => "role",
            Stage::Audit => "audit",
        }
    }

    /// The stage as the pipeline diagram names it.
    pub fn title(self) -> &'static str {
        match self {
            Stage::Workflow => "Workflow starts",
            Stage::Token => "OIDC token issued",
            Stage::Trust => "Trust policy checks",
            Stage::Role => "Cloud role assumed",
            Stage::Audit => "Audit deploy",
        }
    }

    /// A short label for narrow screens.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Workflow => "Workflow",
            Stage::Token => "Token",
            Stage::Trust => "Trust",
            Stage::Role => "Role",
            Stage::Audit => "Audit",
        }
    }

    /// Position in the pipeline (0–4).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parse a JSON name.
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A stage's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Passed,
    Failed,
    NoEvidence,
    NotReached,
}

impl StageStatus {
    /// The status as shown to people (never colour alone).
    pub fn label(self) -> &'static str {
        match self {
            StageStatus::Passed => "passed",
            StageStatus::Failed => "failed",
            StageStatus::NoEvidence => "no evidence",
            StageStatus::NotReached => "not reached",
        }
    }

    /// A one-character mark that carries the status without colour.
    pub fn mark(self) -> &'static str {
        match self {
            StageStatus::Passed => "✓",
            StageStatus::Failed => "✗",
            StageStatus::NoEvidence => "?",
            StageStatus::NotReached => "·",
        }
    }
}

/// What one piece of evidence says about its stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    Info,
}

/// Whether evidence records what happened or what a static evaluation predicts.
/// Runtime beats static (docs/design.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Logs, events, tokens, error text: what actually happened.
    Runtime,
    /// A configuration evaluated against claims: what should happen.
    Static,
    /// Not observed, implied by a later stage that passed.
    Inferred,
}

/// One observation placed on a stage, pointing at what proves it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Evidence {
    pub stage: Stage,
    pub outcome: Outcome,
    /// The artifact's name (file name, `stdin`, `paste 1`).
    pub artifact: String,
    /// Where in the artifact: `line 42`, `$.Statement[0].Condition`, `$.exp`.
    pub locator: String,
    /// One sentence, already escaped of control characters.
    pub summary: String,
    pub basis: Basis,
    /// When it happened (Unix seconds), for runtime evidence that says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
}

impl Evidence {
    /// Runtime evidence.
    pub fn runtime(
        stage: Stage,
        outcome: Outcome,
        artifact: &str,
        locator: impl Into<String>,
        summary: impl Into<String>,
    ) -> Evidence {
        Evidence {
            stage,
            outcome,
            artifact: artifact.to_owned(),
            locator: locator.into(),
            summary: summary.into(),
            basis: Basis::Runtime,
            time: None,
        }
    }

    /// Static evidence (a configuration evaluated against claims).
    pub fn statics(
        stage: Stage,
        outcome: Outcome,
        artifact: &str,
        locator: impl Into<String>,
        summary: impl Into<String>,
    ) -> Evidence {
        Evidence {
            basis: Basis::Static,
            ..Evidence::runtime(stage, outcome, artifact, locator, summary)
        }
    }

    /// The same evidence with the time it happened.
    pub fn at(mut self, time: Option<i64>) -> Evidence {
        self.time = time;
        self
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Proves a stage failed.
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The risk of a security finding (a trust rule too broad, a risky trigger).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn name(self) -> &'static str {
        match self {
            Risk::High => "high",
            Risk::Medium => "medium",
            Risk::Low => "low",
        }
    }

    /// Parse `high`, `medium`, `low`.
    pub fn from_name(name: &str) -> Option<Risk> {
        match name {
            "high" => Some(Risk::High),
            "medium" => Some(Risk::Medium),
            "low" => Some(Risk::Low),
            _ => None,
        }
    }
}

/// The verdict on the whole path (docs/design.md "health"): it failed, it works, it works
/// but a trust rule lets the wrong jobs in too, or evidence stops before a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// All five stages passed and no finding carries a medium or high risk.
    Healthy,
    /// All five stages passed, but a finding carries a medium or high risk.
    HealthyButInsecure,
    /// A stage failed.
    Failing,
    /// No stage failed, but evidence stops before the audit stage.
    Incomplete,
}

impl Health {
    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::HealthyButInsecure => "healthy-but-insecure",
            Health::Failing => "failing",
            Health::Incomplete => "incomplete",
        }
    }

    /// The health of a path from its verdicts: `failed` when a stage failed,
    /// `complete` when all five passed, and the highest risk among its findings.
    pub fn of(failed: bool, complete: bool, max_risk: Option<Risk>) -> Health {
        match (failed, complete) {
            (true, _) => Health::Failing,
            (false, false) => Health::Incomplete,
            (false, true) if max_risk >= Some(Risk::Medium) => Health::HealthyButInsecure,
            (false, true) => Health::Healthy,
        }
    }
}

/// A conclusion with its proof: what is wrong (or risky), why, how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id from the catalogue (`token.expired`).
    pub id: &'static str,
    pub stage: Stage,
    pub severity: Severity,
    pub risk: Option<Risk>,
    pub title: &'static str,
    pub cause: String,
    pub fix: String,
    pub evidence: Vec<Evidence>,
}

/// A stage with its verdict and the evidence behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageReport {
    pub stage: Stage,
    pub status: StageStatus,
    pub evidence: Vec<Evidence>,
}

/// Something to collect next, with the command that collects it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NextEvidence {
    pub what: String,
    pub command: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_failure_completeness_and_risk() {
        assert_eq!(Health::of(true, false, Some(Risk::High)), Health::Failing);
        assert_eq!(
            Health::of(false, false, Some(Risk::High)),
            Health::Incomplete
        );
        assert_eq!(Health::of(false, true, None), Health::Healthy);
        assert_eq!(Health::of(false, true, Some(Risk::Low)), Health::Healthy);
        assert_eq!(
            Health::of(false, true, Some(Risk::Medium)),
            Health::HealthyButInsecure
        );
        assert_eq!(Health::HealthyButInsecure.name(), "healthy-but-insecure");
    }
}
