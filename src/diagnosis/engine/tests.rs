//! The stage rules of docs/design.md, one by one, on hand-made observations: runtime beats
//! static, the latest attempt decides, a silent stage before a pass is inferred,
//! stages after a failure are not reached, and `stopped_at`.

use super::*;
use crate::vocabulary::catalog::{ROLE_RUNTIME_DISAGREES, TRUST_RUNTIME_DISAGREES};

fn runtime(stage: Stage, outcome: Outcome, time: Option<i64>) -> Evidence {
    Evidence::runtime(
        stage,
        outcome,
        "job.log",
        format!("line {}", time.unwrap_or(0)),
        "seen",
    )
    .at(time)
}

fn statics(stage: Stage, outcome: Outcome) -> Evidence {
    Evidence::statics(stage, outcome, "policy.json", "$.Statement[0]", "evaluated")
}

fn verdict(evidence: Vec<Evidence>) -> Diagnosis {
    let mut out = Observations::default();
    out.evidence = evidence;
    finish(out, Vec::new(), Clock::fixed(1_700_000_000))
}

fn statuses(d: &Diagnosis) -> Vec<StageStatus> {
    d.stages.iter().map(|s| s.status).collect()
}

use StageStatus::{Failed, NoEvidence, NotReached, Passed};

#[test]
fn runtime_failure_beats_a_static_pass_and_says_they_disagree() {
    let d = verdict(vec![
        statics(Stage::Trust, Outcome::Pass),
        runtime(Stage::Trust, Outcome::Fail, Some(10)),
    ]);
    assert_eq!(d.stage(Stage::Trust).status, Failed);
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    let f = d
        .findings
        .iter()
        .find(|f| f.id == TRUST_RUNTIME_DISAGREES.id)
        .expect("the disagreement is a finding");
    assert!(
        f.cause
            .contains("admits this token, but the exchange was refused at runtime")
    );
    assert_eq!(f.evidence.len(), 1, "the runtime refusal is its proof");
    assert_eq!(f.evidence[0].basis, Basis::Runtime);
}

#[test]
fn runtime_success_beats_a_static_refusal() {
    let d = verdict(vec![
        statics(Stage::Role, Outcome::Fail),
        runtime(Stage::Role, Outcome::Pass, Some(10)),
    ]);
    assert_eq!(d.stage(Stage::Role).status, Passed);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == ROLE_RUNTIME_DISAGREES.id)
        .expect("the disagreement is a finding");
    assert!(
        f.cause
            .contains("would refuse this token, but the exchange succeeded")
    );
}

#[test]
fn agreement_raises_no_finding_and_other_stages_have_no_disagreement_rule() {
    let d = verdict(vec![
        statics(Stage::Trust, Outcome::Fail),
        runtime(Stage::Trust, Outcome::Fail, Some(10)),
        statics(Stage::Workflow, Outcome::Fail),
        runtime(Stage::Workflow, Outcome::Pass, Some(5)),
    ]);
    assert!(d.findings.is_empty(), "{:?}", d.findings);
    assert_eq!(d.stage(Stage::Workflow).status, Passed);
}

#[test]
fn the_latest_attempt_decides() {
    let retried = verdict(vec![
        runtime(Stage::Trust, Outcome::Fail, Some(100)),
        runtime(Stage::Trust, Outcome::Pass, Some(200)),
    ]);
    assert_eq!(retried.stage(Stage::Trust).status, Passed);
    assert_eq!(
        retried.stage(Stage::Trust).evidence.len(),
        2,
        "the earlier failure is still listed"
    );
    let broke = verdict(vec![
        runtime(Stage::Trust, Outcome::Pass, Some(100)),
        runtime(Stage::Trust, Outcome::Fail, Some(200)),
    ]);
    assert_eq!(broke.stage(Stage::Trust).status, Failed);
}

#[test]
fn a_failure_in_the_same_second_as_a_success_is_not_superseded() {
    let d = verdict(vec![
        runtime(Stage::Trust, Outcome::Pass, Some(100)),
        runtime(Stage::Trust, Outcome::Fail, Some(100)),
    ]);
    assert_eq!(d.stage(Stage::Trust).status, Failed);
}

#[test]
fn an_untimed_failure_is_a_property_of_the_artifact_and_always_counts() {
    let d = verdict(vec![
        runtime(Stage::Token, Outcome::Fail, None),
        runtime(Stage::Token, Outcome::Pass, Some(100)),
    ]);
    assert_eq!(d.stage(Stage::Token).status, Failed);
}

#[test]
fn info_evidence_decides_nothing() {
    let d = verdict(vec![
        runtime(Stage::Trust, Outcome::Info, Some(1)),
        Evidence::statics(Stage::Trust, Outcome::Info, "p.json", "$", "note"),
    ]);
    assert_eq!(statuses(&d), [NoEvidence; 5]);
    assert_eq!(d.stopped_at, Some(Stage::Workflow));
}

#[test]
fn a_silent_stage_before_a_pass_is_inferred_from_it() {
    let d = verdict(vec![runtime(Stage::Role, Outcome::Pass, Some(50))]);
    assert_eq!(statuses(&d), [Passed, Passed, Passed, Passed, NoEvidence]);
    for stage in [Stage::Workflow, Stage::Token, Stage::Trust] {
        let ev = &d.stage(stage).evidence;
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].basis, Basis::Inferred);
        assert!(
            ev[0]
                .summary
                .starts_with("implied by the role stage passing")
        );
        assert_eq!(ev[0].time, Some(50));
    }
    assert_eq!(
        d.stopped_at,
        Some(Stage::Audit),
        "the first stage not passed"
    );
}

#[test]
fn stages_after_a_failure_are_not_reached_and_never_inferred() {
    let d = verdict(vec![
        runtime(Stage::Token, Outcome::Fail, Some(10)),
        runtime(Stage::Audit, Outcome::Pass, Some(20)),
    ]);
    // Workflow precedes the failure: implied by the later pass. Trust and role follow
    // it: not reached, however much later evidence passed.
    assert_eq!(
        statuses(&d),
        [Passed, Failed, NotReached, NotReached, Passed]
    );
    assert_eq!(d.stopped_at, Some(Stage::Token));
}

#[test]
fn stopped_at_is_the_first_failure_even_after_a_gap() {
    let d = verdict(vec![
        runtime(Stage::Workflow, Outcome::Pass, Some(1)),
        runtime(Stage::Role, Outcome::Fail, Some(2)),
    ]);
    assert_eq!(
        statuses(&d),
        [Passed, NoEvidence, NoEvidence, Failed, NotReached]
    );
    assert_eq!(d.stopped_at, Some(Stage::Role));
}

#[test]
fn all_five_passed_stops_nowhere() {
    let d = verdict(
        Stage::ALL
            .iter()
            .map(|&s| runtime(s, Outcome::Pass, Some(s.index() as i64)))
            .collect(),
    );
    assert_eq!(statuses(&d), [Passed; 5]);
    assert_eq!(d.stopped_at, None);
}

#[test]
fn no_evidence_at_all_stops_at_the_workflow() {
    let d = verdict(Vec::new());
    assert_eq!(statuses(&d), [NoEvidence; 5]);
    assert_eq!(d.stopped_at, Some(Stage::Workflow));
}
