//! Teach a friend: a paste-ready plain-text summary of one scenario — the path, where
//! evidence stops, the proof, cause, fix and how to retest. It leaves the tool (the
//! clipboard), so like the RCA report it is escaped and then redacted: no token
//! signature, key or password survives into it.

use std::fmt::Write as _;

use super::drill::{Case, key_finding};
use crate::text::{escape_control, escape_control_multiline, redact_secrets};
use crate::vocabulary::{Outcome, Stage, StageStatus};

/// Evidence lines quoted from the stage where evidence stops.
const EVIDENCE_LINES: usize = 3;

/// The summary for `case`, ready to paste into chat or a ticket.
pub fn teach_a_friend(case: &Case) -> String {
    let d = &case.diagnosis;
    let spec = &case.scenario.spec;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "OIDC federation in one path: Workflow → Token → Trust → Role → Audit"
    );
    let _ = writeln!(
        out,
        "(the CI platform signs a short-lived token; the cloud's trust policy checks its issuer, audience and subject; the cloud hands back temporary role credentials; the audit log shows what they did — no stored keys)"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "Case: {}", escape_control(&spec.title));
    let _ = writeln!(out, "Ticket: {}", escape_control(&spec.ticket));
    let path: Vec<String> = d
        .stages
        .iter()
        .map(|s| format!("{} {}", s.status.mark(), s.stage.label()))
        .collect();
    let _ = writeln!(out, "Path: {}", path.join(" → "));
    let stage = case.focus_stage();
    match d.stopped_at {
        Some(s) => {
            let _ = writeln!(
                out,
                "Where evidence stops: {} ({})",
                s.title(),
                d.stage(s).status.label()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Where evidence stops: nowhere — all five stages passed; the risk is at {}",
                stage.title()
            );
        }
    }
    let proof: Vec<_> = d
        .stage(stage)
        .evidence
        .iter()
        .filter(|e| e.outcome == Outcome::Fail)
        .chain(
            d.stage(stage)
                .evidence
                .iter()
                .filter(|e| e.outcome != Outcome::Fail),
        )
        .take(EVIDENCE_LINES)
        .collect();
    if !proof.is_empty() {
        let _ = writeln!(out, "Evidence:");
        for e in proof {
            let _ = writeln!(
                out,
                "  - {} {}: {}",
                escape_control(&e.artifact),
                escape_control(&e.locator),
                escape_control(&e.summary)
            );
        }
    }
    if let Some(f) = key_finding(d) {
        let risk = f
            .risk
            .map(|r| format!(", risk {}", r.name()))
            .unwrap_or_default();
        let _ = writeln!(out, "Cause ({}{risk}): {}", f.id, escape_control(&f.cause));
        let _ = writeln!(out, "Fix: {}", escape_control(&f.fix));
    } else {
        let _ = writeln!(out, "Cause (none): {}", super::drill::HEALTHY_CAUSE);
        let _ = writeln!(out, "Fix: {}", super::drill::HEALTHY_FIX);
    }
    let health = if d.failed() {
        "unhealthy — a stage failed"
    } else if d.max_risk().is_some() {
        "healthy but insecure — it works, and a rule admits too much"
    } else if d.stopped_at.is_some() {
        "unknown — nothing failed, but evidence stops before the deploy is proven"
    } else {
        "healthy"
    };
    let _ = writeln!(out, "Health: {health}");
    let trust_change = stage == Stage::Trust
        || d.findings
            .iter()
            .any(|f| f.stage == Stage::Trust && f.risk.is_some());
    let _ = write!(
        out,
        "Retest: re-run the job after the fix and check every stage passes (oidc-triage diagnose on its log and token)"
    );
    if trust_change {
        let _ = write!(
            out,
            "; then open a pull request and confirm its token exchange is refused"
        );
    }
    let _ = writeln!(out, ".");
    if d.stage(stage).status != StageStatus::Passed
        && let Some(n) = d.next_evidence.first()
    {
        let _ = writeln!(
            out,
            "Next evidence: {} — {}",
            escape_control(&n.what),
            escape_control(&n.command)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Why: {}", escape_control_multiline(&spec.explanation));
    redact_secrets(&out).into_owned()
}
