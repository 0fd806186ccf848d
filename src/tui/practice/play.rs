//! `update` for play/break and the recall drill.
//!
//! Play/break: the learner applies a fault (Enter on it; Enter again undoes it — the
//! repair), edits a claim, or edits a line of the trust configuration, and the real
//! engine runs on the changed path ([`Bench::run`]); the stages then light up one per
//! [`PLAY_STEP`] until the stage the engine stopped at.
//!
//! Recall: five slots, each a stage then its evidence; the timer runs on ticks.

use std::time::{Duration, Instant};

use super::{
    PLAY_STEP, PlayState, Practice, PracticeEffect, PracticeMessage, Purpose, RecallState, Screen,
    Step, back_to_menu, edit_text, moved, stay,
};
use crate::practice::{Bench, Change, RECALL_SECONDS, Recall};

/// What the play screen is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlayMode {
    /// Choosing a fault or an edit.
    Choose,
    /// Choosing which claim to edit.
    PickClaim { cursor: usize },
    /// Typing a claim's new value (empty removes it).
    EditClaim { claim: String, input: String },
    /// Choosing a line of an editable input.
    PickLine { input: usize, cursor: usize },
    /// Typing a line's new text.
    EditLine {
        input: usize,
        line: usize,
        text: String,
    },
}

impl PlayMode {
    pub fn typing(&self) -> bool {
        matches!(self, PlayMode::EditClaim { .. } | PlayMode::EditLine { .. })
    }
}

/// The rows below the faults on the choose list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayRow {
    Fault(usize),
    EditClaim,
    /// Edit a line of input `n`.
    EditLine(usize),
    UndoAll,
}

/// The choose list: faults, "edit a claim", "edit a line of X" per trust input, "undo".
pub fn play_rows(s: &PlayState) -> Vec<PlayRow> {
    let mut rows: Vec<PlayRow> = (0..s.faults.len()).map(PlayRow::Fault).collect();
    if !s.bench.editable_claims().is_empty() {
        rows.push(PlayRow::EditClaim);
    }
    rows.extend(
        s.bench
            .editable_inputs(&s.diagnosis)
            .into_iter()
            .map(PlayRow::EditLine),
    );
    rows.push(PlayRow::UndoAll);
    rows
}

/// Open play/break on case `case`: the scenario as it is, run by the engine.
pub(super) fn open(p: &mut Practice, case: usize) {
    let Some(c) = p.book.cases().get(case) else {
        return;
    };
    let bench = Bench::new(&c.scenario, &c.diagnosis);
    let faults = bench.faults(&c.diagnosis);
    let diagnosis = Box::new(bench.run());
    p.current = case;
    p.go(Screen::Play(Box::new(PlayState {
        case,
        bench,
        faults,
        diagnosis,
        cursor: 0,
        lit: 0,
        next: None,
        mode: PlayMode::Choose,
        broken_once: false,
    })));
}

/// Run the engine again and restart the flow animation.
fn rerun(s: &mut PlayState) {
    *s.diagnosis = s.bench.run();
    s.broken_once |= s.diagnosis.failed();
    s.lit = 0;
    s.next = None;
}

/// How far the flow lights: up to and including the stage it stops at.
pub fn play_end(s: &PlayState) -> usize {
    s.diagnosis.stopped_at.map_or(5, |st| st.index() + 1)
}

/// One tick of the animation.
pub(super) fn advance(s: &mut PlayState, at: Instant) {
    let end = play_end(s);
    let next = *s.next.get_or_insert(at);
    if at >= next && s.lit < end {
        s.lit += 1;
        s.next = Some(at + PLAY_STEP);
    }
}

pub(super) fn update(p: &mut Practice, mut s: Box<PlayState>, message: PracticeMessage) -> Step {
    match s.mode.clone() {
        PlayMode::Choose => choose(p, s, message),
        PlayMode::PickClaim { cursor } => {
            let claims = s.bench.editable_claims();
            let n = claims.len().max(1);
            match message {
                PracticeMessage::Up => {
                    s.mode = PlayMode::PickClaim {
                        cursor: (cursor + n - 1) % n,
                    }
                }
                PracticeMessage::Down => {
                    s.mode = PlayMode::PickClaim {
                        cursor: (cursor + 1) % n,
                    }
                }
                PracticeMessage::Choose(i) if i < claims.len() => {
                    s.mode = PlayMode::PickClaim { cursor: i }
                }
                PracticeMessage::Select => {
                    if let Some(claim) = claims.get(cursor) {
                        let input = current_claim(&s, claim);
                        s.mode = PlayMode::EditClaim {
                            claim: claim.clone(),
                            input,
                        };
                    }
                }
                PracticeMessage::Back => s.mode = PlayMode::Choose,
                _ => {}
            }
            stay(Screen::Play(s))
        }
        PlayMode::EditClaim { claim, mut input } => {
            if edit_text(&mut input, &message) {
                s.mode = PlayMode::EditClaim { claim, input };
                return stay(Screen::Play(s));
            }
            match message {
                PracticeMessage::Select => {
                    s.bench.edit_claim(&claim, &input);
                    s.mode = PlayMode::Choose;
                    rerun(&mut s);
                }
                PracticeMessage::Back => s.mode = PlayMode::Choose,
                _ => s.mode = PlayMode::EditClaim { claim, input },
            }
            stay(Screen::Play(s))
        }
        PlayMode::PickLine { input, cursor } => {
            let lines = s.bench.lines(input);
            let n = lines.len().max(1);
            match message {
                PracticeMessage::Up => {
                    s.mode = PlayMode::PickLine {
                        input,
                        cursor: (cursor + n - 1) % n,
                    }
                }
                PracticeMessage::Down => {
                    s.mode = PlayMode::PickLine {
                        input,
                        cursor: (cursor + 1) % n,
                    }
                }
                PracticeMessage::PageUp => {
                    s.mode = PlayMode::PickLine {
                        input,
                        cursor: cursor.saturating_sub(10),
                    }
                }
                PracticeMessage::PageDown => {
                    s.mode = PlayMode::PickLine {
                        input,
                        cursor: (cursor + 10).min(n - 1),
                    }
                }
                PracticeMessage::Select => {
                    if let Some(text) = lines.get(cursor) {
                        s.mode = PlayMode::EditLine {
                            input,
                            line: cursor,
                            text: text.clone(),
                        };
                    }
                }
                PracticeMessage::Back => s.mode = PlayMode::Choose,
                _ => {}
            }
            stay(Screen::Play(s))
        }
        PlayMode::EditLine {
            input,
            line,
            mut text,
        } => {
            if edit_text(&mut text, &message) {
                s.mode = PlayMode::EditLine { input, line, text };
                return stay(Screen::Play(s));
            }
            match message {
                PracticeMessage::Select => {
                    s.bench.apply(Change::Line { input, line, text });
                    s.mode = PlayMode::Choose;
                    rerun(&mut s);
                }
                PracticeMessage::Back => {
                    s.mode = PlayMode::PickLine {
                        input,
                        cursor: line,
                    }
                }
                _ => s.mode = PlayMode::EditLine { input, line, text },
            }
            stay(Screen::Play(s))
        }
    }
}

/// A claim's value as the learner would type it: strings bare, others as JSON.
fn current_claim(s: &PlayState, claim: &str) -> String {
    match s.bench.claim(claim) {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn choose(p: &mut Practice, mut s: Box<PlayState>, message: PracticeMessage) -> Step {
    let rows = play_rows(&s);
    let n = rows.len().max(1);
    match message {
        PracticeMessage::Up => s.cursor = (s.cursor + n - 1) % n,
        PracticeMessage::Down => s.cursor = (s.cursor + 1) % n,
        PracticeMessage::Choose(i) if i < rows.len() => s.cursor = i,
        PracticeMessage::Select => match rows.get(s.cursor) {
            Some(PlayRow::Fault(i)) => {
                if let Some(fault) = s.faults.get(*i) {
                    let change = fault.change.clone();
                    s.bench.toggle(&change);
                    rerun(&mut s);
                }
            }
            Some(PlayRow::EditClaim) => s.mode = PlayMode::PickClaim { cursor: 0 },
            Some(PlayRow::EditLine(input)) => {
                s.mode = PlayMode::PickLine {
                    input: *input,
                    cursor: 0,
                }
            }
            Some(PlayRow::UndoAll) => {
                s.bench.clear();
                rerun(&mut s);
            }
            None => {}
        },
        PracticeMessage::Letter('r') => {
            s.bench.clear();
            rerun(&mut s);
        }
        PracticeMessage::Letter('d') => {
            super::drill::open(p, s.case, false);
            return moved();
        }
        PracticeMessage::Letter('t') => {
            let effects = vec![PracticeEffect::Trace {
                diagnosis: s.diagnosis.clone(),
                source: format!("play/break: {}", s.bench.scenario().slug),
            }];
            return (Some(Screen::Play(s)), effects);
        }
        PracticeMessage::Back => {
            p.go(Screen::Picker {
                purpose: Purpose::Play,
                cursor: s.case,
            });
            return moved();
        }
        _ => {}
    }
    stay(Screen::Play(s))
}

pub(super) fn open_recall(p: &mut Practice) {
    let seed = p.next_seed();
    p.go(Screen::Recall(RecallState {
        recall: Recall::new(seed),
        cursor: 0,
        elapsed: Duration::ZERO,
        last: p.now,
        recorded: false,
    }));
}

/// Record a finished recall drill once, and ask for a save.
fn finish_recall(p: &mut Practice, s: &mut RecallState) -> Vec<PracticeEffect> {
    if !s.recall.finished() || s.recorded {
        return Vec::new();
    }
    s.recorded = true;
    p.progress.record_recall(&s.recall);
    vec![p.save()]
}

pub(super) fn recall_tick(p: &mut Practice, at: Instant) -> Vec<PracticeEffect> {
    let Screen::Recall(s) = &mut p.screen else {
        return Vec::new();
    };
    if !s.recall.finished() {
        if let Some(last) = s.last {
            s.elapsed += at.saturating_duration_since(last);
        }
        if s.elapsed >= Duration::from_secs(RECALL_SECONDS) {
            s.recall.time_up();
        }
    }
    s.last = Some(at);
    let mut s = s.clone();
    let effects = finish_recall(p, &mut s);
    p.screen = Screen::Recall(s);
    effects
}

pub(super) fn update_recall(
    p: &mut Practice,
    mut s: RecallState,
    message: PracticeMessage,
) -> Step {
    if s.recall.finished() {
        return match message {
            PracticeMessage::Letter('r') | PracticeMessage::Select => {
                open_recall(p);
                moved()
            }
            PracticeMessage::Back => back_to_menu(p),
            _ => stay(Screen::Recall(s)),
        };
    }
    let n = if s.recall.pending.is_some() {
        s.recall.evidence_order.len()
    } else {
        s.recall.stage_order.len()
    };
    match message {
        PracticeMessage::Up => s.cursor = (s.cursor + n - 1) % n,
        PracticeMessage::Down => s.cursor = (s.cursor + 1) % n,
        PracticeMessage::Choose(i) if i < n => s.cursor = i,
        PracticeMessage::Select => {
            let done = if s.recall.pending.is_some() {
                s.recall.pick_evidence(s.cursor, s.elapsed)
            } else {
                s.recall.pick_stage(s.cursor)
            };
            if done {
                s.cursor = 0;
            }
            let effects = finish_recall(p, &mut s);
            return (Some(Screen::Recall(s)), effects);
        }
        PracticeMessage::Letter('r') => {
            open_recall(p);
            return moved();
        }
        PracticeMessage::Back => return back_to_menu(p),
        _ => {}
    }
    stay(Screen::Recall(s))
}
