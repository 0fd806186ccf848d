//! The 90-second drill, recall first: the learner names the five stages in order, and
//! for each the evidence that proves it, before anything is shown. Each slot is
//! revealed only after its attempt; the score counts stages in the right place,
//! evidence that fits the stage named, and the time taken.
//!
//! Time is not read here: the caller passes elapsed time (the TUI counts its ticks),
//! so a test replays a drill exactly.

use std::time::Duration;

use super::rng::SplitMix64;
use crate::vocabulary::Stage;

/// The time allowed.
pub const RECALL_SECONDS: u64 = 90;

/// What proves each stage passed, in one line each, of like length and form.
pub fn stage_evidence(stage: Stage) -> &'static str {
    match stage {
        Stage::Workflow => "the job log shows the job ran with id-token: write",
        Stage::Token => "the decoded JWT has the issuer, audience, subject and expiry",
        Stage::Trust => "the exchange was not refused by the trust configuration",
        Stage::Role => "an AssumeRoleWithWebIdentity success or credentials line",
        Stage::Audit => "the session's own deploy calls appear in the audit log",
    }
}

/// One slot's attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub stage: Stage,
    /// The evidence picked, as a stage whose evidence line it is.
    pub evidence: Stage,
    /// Elapsed time when the slot was completed.
    pub at: Duration,
}

/// A recall drill in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recall {
    /// The stages offered at each pick, shuffled once per drill so position gives
    /// nothing away.
    pub stage_order: Vec<Stage>,
    /// The evidence lines offered, shuffled once per drill.
    pub evidence_order: Vec<Stage>,
    pub attempts: Vec<Attempt>,
    /// The stage picked for the slot being filled, waiting for its evidence.
    pub pending: Option<Stage>,
    /// Set when time ran out before all five slots were filled.
    pub timed_out: bool,
}

/// A finished drill's score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecallScore {
    /// Slots whose stage is the right one for that place on the path.
    pub order: u32,
    /// Slots whose evidence proves the stage named.
    pub evidence: u32,
    /// Time taken (the limit if it ran out).
    pub seconds: u64,
}

impl RecallScore {
    pub const SLOTS: u32 = 5;

    /// All ten points within the time.
    pub fn perfect(self) -> bool {
        self.order == Self::SLOTS && self.evidence == Self::SLOTS && self.seconds <= RECALL_SECONDS
    }
}

impl Recall {
    pub fn new(seed: u64) -> Recall {
        let mut rng = SplitMix64::new(seed);
        let mut stage_order = Stage::ALL.to_vec();
        rng.shuffle(&mut stage_order);
        let mut evidence_order = Stage::ALL.to_vec();
        rng.shuffle(&mut evidence_order);
        Recall {
            stage_order,
            evidence_order,
            attempts: Vec::new(),
            pending: None,
            timed_out: false,
        }
    }

    /// The slot being filled (0-based), `None` when done.
    pub fn slot(&self) -> Option<usize> {
        (!self.finished()).then_some(self.attempts.len())
    }

    pub fn finished(&self) -> bool {
        self.timed_out || self.attempts.len() == Stage::ALL.len()
    }

    /// Pick the stage for the current slot (option `choice` of `stage_order`).
    pub fn pick_stage(&mut self, choice: usize) -> bool {
        match self.stage_order.get(choice) {
            Some(&stage) if !self.finished() && self.pending.is_none() => {
                self.pending = Some(stage);
                true
            }
            _ => false,
        }
    }

    /// Pick the evidence for the pending stage; completes the slot at `elapsed`.
    pub fn pick_evidence(&mut self, choice: usize, elapsed: Duration) -> bool {
        match (self.pending, self.evidence_order.get(choice)) {
            (Some(stage), Some(&evidence)) if !self.finished() => {
                self.attempts.push(Attempt {
                    stage,
                    evidence,
                    at: elapsed,
                });
                self.pending = None;
                true
            }
            _ => false,
        }
    }

    /// Time is up: the slots left stay empty.
    pub fn time_up(&mut self) {
        if !self.finished() {
            self.timed_out = true;
            self.pending = None;
        }
    }

    /// True when slot `i` holds the right stage.
    pub fn stage_right(&self, i: usize) -> bool {
        self.attempts
            .get(i)
            .is_some_and(|a| Stage::ALL.get(i) == Some(&a.stage))
    }

    /// True when slot `i`'s evidence proves the stage named there.
    pub fn evidence_right(&self, i: usize) -> bool {
        self.attempts.get(i).is_some_and(|a| a.evidence == a.stage)
    }

    pub fn score(&self) -> RecallScore {
        let n = self.attempts.len();
        let seconds = if self.timed_out {
            RECALL_SECONDS
        } else {
            self.attempts.last().map_or(0, |a| a.at.as_secs())
        };
        RecallScore {
            order: (0..n).filter(|&i| self.stage_right(i)).count() as u32,
            evidence: (0..n).filter(|&i| self.evidence_right(i)).count() as u32,
            seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(r: &mut Recall, stage: Stage, evidence: Stage, at: u64) {
        let s = r.stage_order.iter().position(|x| *x == stage).unwrap();
        let e = r
            .evidence_order
            .iter()
            .position(|x| *x == evidence)
            .unwrap();
        assert!(r.pick_stage(s));
        assert!(r.pick_evidence(e, Duration::from_secs(at)));
    }

    #[test]
    fn the_path_in_order_with_its_evidence_is_perfect() {
        let mut r = Recall::new(3);
        for (i, stage) in Stage::ALL.into_iter().enumerate() {
            choose(&mut r, stage, stage, 10 * (i as u64 + 1));
        }
        assert!(r.finished());
        assert_eq!(
            r.score(),
            RecallScore {
                order: 5,
                evidence: 5,
                seconds: 50
            }
        );
        assert!(r.score().perfect());
    }

    #[test]
    fn the_path_reversed_scores_only_the_middle_and_time_up_ends_it() {
        let mut r = Recall::new(3);
        for stage in Stage::ALL.into_iter().rev() {
            choose(&mut r, stage, Stage::Workflow, 5);
        }
        let s = r.score();
        assert_eq!(s.order, 1, "only trust is in its place");
        assert_eq!(s.evidence, 1, "only workflow's evidence fits");
        let mut late = Recall::new(4);
        choose(&mut late, Stage::Workflow, Stage::Workflow, 80);
        late.time_up();
        assert!(late.finished());
        assert_eq!(late.score().seconds, RECALL_SECONDS);
        assert!(!late.score().perfect());
        assert!(!late.pick_stage(0), "no picks after time is up");
    }
}
