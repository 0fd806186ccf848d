//! `update` for a drill: the ticket (number keys open an attachment in the raw
//! viewer), the three questions (a number moves the choice, Enter confirms), hints that
//! escalate (which artifact, then which line, opening the viewer on it), the lock, the
//! reveal (recorded and saved through an effect) and the scenario's own questions.

use super::{
    DrillState, Practice, PracticeMessage, Purpose, Screen, Step, ViewerState, WordsSource,
    WordsState, moved, play, scrolled, stay,
};
use crate::practice::{DrillAnswers, DrillStep, WrapUp, case_artifacts, citation};

/// Where a drill is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrillPhase {
    Ticket,
    Ask(DrillStep),
    /// All three picked; trace or reveal.
    Locked,
    Reveal,
    /// The scenario's own question `n` (0-based), after the reveal.
    Question(usize),
}

impl DrillPhase {
    /// Before the reveal: the answer is not shown yet (titles stay hidden, hints help).
    pub fn before_reveal(self) -> bool {
        matches!(
            self,
            DrillPhase::Ticket | DrillPhase::Ask(_) | DrillPhase::Locked
        )
    }
}

/// Open a drill on case `case`.
pub(super) fn open(p: &mut Practice, case: usize, random: bool) {
    let seed = p.next_seed();
    let Some(drill) = p.book.drill(case, seed) else {
        return;
    };
    let artifacts = p
        .book
        .cases()
        .get(case)
        .map(case_artifacts)
        .unwrap_or_default();
    p.current = case;
    let questions = WrapUp::in_order(&p.book.questions(case), seed);
    p.go(Screen::Drill(Box::new(DrillState {
        case,
        drill,
        artifacts,
        phase: DrillPhase::Ticket,
        answers: DrillAnswers::default(),
        cursor: 0,
        viewer: None,
        hints: 0,
        questions,
        answered: false,
        random,
    })));
}

/// A ticket not yet solved in full, chosen by the session's seed (any ticket when all
/// are solved).
pub(super) fn open_random(p: &mut Practice) {
    let unsolved: Vec<usize> = p
        .book
        .cases()
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            !p.progress
                .scenarios
                .get(&c.scenario.slug)
                .is_some_and(|s| s.completed)
        })
        .map(|(i, _)| i)
        .collect();
    let pool: Vec<usize> = if unsolved.is_empty() {
        (0..p.book.cases().len()).collect()
    } else {
        unsolved
    };
    let seed = p.next_seed();
    let mut rng = crate::practice::SplitMix64::new(seed);
    if let Some(&case) = pool.get(rng.below(pool.len())) {
        open(p, case, true);
    }
}

/// The option count of the current question (0 when none is asked).
fn choices(s: &DrillState) -> usize {
    match s.phase {
        DrillPhase::Ask(step) => s.drill.options(step).len(),
        DrillPhase::Question(i) if !s.answered => {
            s.questions.questions.get(i).map_or(0, |q| q.options.len())
        }
        _ => 0,
    }
}

/// Take the next hint: the first names the artifact, the second opens the viewer on
/// the cited line.
fn take_hint(p: &mut Practice, s: &mut DrillState) {
    s.hints = (s.hints + 1).min(2);
    let Some(case) = p.book.cases().get(s.case) else {
        return;
    };
    p.status = Some(crate::practice::hint(case, &s.artifacts, s.hints));
    if s.hints >= 2
        && let Some(c) = citation(case, &s.artifacts)
    {
        s.viewer = Some(ViewerState {
            artifact: c.artifact,
            top: c.line.saturating_sub(3),
            mark: Some(c.line),
        });
    }
}

/// Keys while the viewer is open.
fn viewer(p: &mut Practice, mut s: Box<DrillState>, message: PracticeMessage) -> Step {
    let count = s.artifacts.len().max(1);
    let Some(v) = s.viewer.as_mut() else {
        return stay(Screen::Drill(s));
    };
    let lines = s.artifacts.get(v.artifact).map_or(0, |a| a.lines.len());
    let last = lines.saturating_sub(1);
    match message {
        PracticeMessage::Back | PracticeMessage::Letter('v') | PracticeMessage::Select => {
            s.viewer = None;
        }
        PracticeMessage::Up => v.top = v.top.saturating_sub(1),
        PracticeMessage::Down => v.top = (v.top + 1).min(last),
        PracticeMessage::PageUp => v.top = v.top.saturating_sub(10),
        PracticeMessage::PageDown => v.top = (v.top + 10).min(last),
        PracticeMessage::Right | PracticeMessage::Tab => {
            *v = ViewerState {
                artifact: (v.artifact + 1) % count,
                top: 0,
                mark: None,
            };
        }
        PracticeMessage::Left => {
            *v = ViewerState {
                artifact: (v.artifact + count - 1) % count,
                top: 0,
                mark: None,
            };
        }
        PracticeMessage::Choose(n) if n < count => {
            *v = ViewerState {
                artifact: n,
                top: 0,
                mark: None,
            };
        }
        PracticeMessage::Letter('h') => take_hint(p, &mut s),
        _ => {}
    }
    stay(Screen::Drill(s))
}

pub(super) fn update(p: &mut Practice, mut s: Box<DrillState>, message: PracticeMessage) -> Step {
    if s.viewer.is_some() {
        return viewer(p, s, message);
    }
    let count = choices(&s);
    if count > 0 {
        let next = match message {
            PracticeMessage::Up => Some((s.cursor + count - 1) % count),
            PracticeMessage::Down => Some((s.cursor + 1) % count),
            PracticeMessage::Choose(n) if n < count => Some(n),
            _ => None,
        };
        if let Some(next) = next {
            s.cursor = next;
            return stay(Screen::Drill(s));
        }
    }
    match (s.phase, message) {
        (_, PracticeMessage::Back) => {
            p.go(Screen::Picker {
                purpose: Purpose::Drill,
                cursor: s.case,
            });
            moved()
        }
        (phase, PracticeMessage::Letter('v')) if phase.before_reveal() => {
            s.viewer = Some(ViewerState {
                artifact: 0,
                top: 0,
                mark: None,
            });
            stay(Screen::Drill(s))
        }
        (DrillPhase::Ticket, PracticeMessage::Choose(n)) if n + 1 < s.artifacts.len() => {
            // Attachment n+1 (the ticket itself is 0).
            s.viewer = Some(ViewerState {
                artifact: n + 1,
                top: 0,
                mark: None,
            });
            stay(Screen::Drill(s))
        }
        (phase, PracticeMessage::Letter('h')) if phase.before_reveal() => {
            take_hint(p, &mut s);
            stay(Screen::Drill(s))
        }
        (DrillPhase::Ticket, PracticeMessage::Select) => {
            s.phase = DrillPhase::Ask(DrillStep::Stage);
            s.cursor = 0;
            p.scroll = 0;
            stay(Screen::Drill(s))
        }
        (DrillPhase::Ask(step), PracticeMessage::Select) => {
            s.answers.set(step, s.cursor);
            s.cursor = 0;
            p.scroll = 0;
            s.phase = match step {
                DrillStep::Stage => DrillPhase::Ask(DrillStep::Cause),
                DrillStep::Cause => DrillPhase::Ask(DrillStep::Fix),
                DrillStep::Fix => DrillPhase::Locked,
            };
            stay(Screen::Drill(s))
        }
        (DrillPhase::Locked, PracticeMessage::Letter('t')) => {
            let mut effects = reveal(p, &mut s);
            effects.extend(p.trace(s.case));
            (Some(Screen::Drill(s)), effects)
        }
        (DrillPhase::Locked, PracticeMessage::Select) => {
            let effects = reveal(p, &mut s);
            (Some(Screen::Drill(s)), effects)
        }
        (DrillPhase::Reveal | DrillPhase::Question(_), PracticeMessage::Letter('t')) => {
            let effects = p.trace(s.case).into_iter().collect();
            (Some(Screen::Drill(s)), effects)
        }
        (DrillPhase::Reveal | DrillPhase::Question(_), PracticeMessage::Letter('c')) => {
            let effects = p.teach(s.case).into_iter().collect();
            (Some(Screen::Drill(s)), effects)
        }
        (DrillPhase::Reveal, PracticeMessage::Letter('w')) => {
            p.go(Screen::Words(WordsState {
                source: WordsSource::Case(s.case),
                input: String::new(),
                result: None,
            }));
            moved()
        }
        (DrillPhase::Reveal, PracticeMessage::Letter('p')) => {
            play::open(p, s.case);
            moved()
        }
        // Enter goes on to the scenario's own questions; `n`, here or during them, skips
        // to the next ticket.
        (DrillPhase::Reveal, PracticeMessage::Select) if !s.questions.questions.is_empty() => {
            s.phase = DrillPhase::Question(0);
            s.cursor = 0;
            s.answered = false;
            p.scroll = 0;
            stay(Screen::Drill(s))
        }
        (DrillPhase::Reveal | DrillPhase::Question(_), PracticeMessage::Letter('n'))
        | (DrillPhase::Reveal, PracticeMessage::Select) => next_drill(p, &s),
        (DrillPhase::Question(i), PracticeMessage::Select) if !s.answered => {
            let mut effects = Vec::new();
            if let Some(right) = s.questions.answer(i, s.cursor) {
                s.answered = true;
                if let Some(q) = s.questions.questions.get(i) {
                    p.progress.record_answer(&q.question, right);
                }
                if s.questions.finished() {
                    p.progress
                        .record_questions(&s.drill.slug, s.questions.score());
                    effects.push(p.save());
                }
            }
            (Some(Screen::Drill(s)), effects)
        }
        (DrillPhase::Question(i), PracticeMessage::Select | PracticeMessage::Right)
            if s.answered =>
        {
            if i + 1 < s.questions.questions.len() {
                s.phase = DrillPhase::Question(i + 1);
                s.cursor = 0;
                s.answered = false;
                p.scroll = 0;
                stay(Screen::Drill(s))
            } else {
                next_drill(p, &s)
            }
        }
        (_, m) => {
            scrolled(p, &m);
            stay(Screen::Drill(s))
        }
    }
}

/// The next ticket: a random unsolved one in random mode, else the one after.
fn next_drill(p: &mut Practice, s: &DrillState) -> Step {
    if s.random {
        open_random(p);
    } else {
        let next = (s.case + 1) % p.book.cases().len().max(1);
        open(p, next, false);
    }
    moved()
}

/// Grade the drill and record it, once; the save is an effect.
fn reveal(p: &mut Practice, s: &mut DrillState) -> Vec<super::PracticeEffect> {
    if s.phase == DrillPhase::Reveal {
        return Vec::new();
    }
    s.phase = DrillPhase::Reveal;
    s.viewer = None;
    p.scroll = 0;
    let grade = s.drill.grade(&s.answers);
    p.progress.record_drill(&s.drill.slug, grade);
    if let Some(case) = p.book.cases().get(s.case) {
        let stage = case.focus_stage();
        p.progress.record_stage(stage, grade.stage);
    }
    vec![p.save()]
}
