//! `update` for the screens without a bench or a drill: the menu, lesson, pickers,
//! the wrap-up (recording each answer's topic and stage, and a review at the end),
//! "in your own words", progress and reset; and the tick that drives animations.

use std::time::Instant;

use super::{
    MenuItem, Practice, PracticeEffect, PracticeMessage, Purpose, Screen, Step, WordsSource,
    WordsState, WrapUpState, back_to_menu, drill, edit_text, lesson_pages, moved, play, scrolled,
    stay,
};
use crate::practice::{
    Progress, RubricCheck, WRAP_UP_SIZE, WrapUp, check_explanation, scenario_rubric,
};

pub(super) fn update(p: &mut Practice, screen: Screen, message: PracticeMessage) -> Step {
    match screen {
        Screen::Menu => menu(p, message),
        Screen::Lesson { page } => lesson(p, page, message),
        Screen::Picker { purpose, cursor } => picker(p, purpose, cursor, message),
        Screen::Prompts { cursor } => prompts(p, cursor, message),
        Screen::WrapUp(s) => wrap_up(p, s, message),
        Screen::Words(s) => words(p, s, message),
        Screen::Progress => match message {
            PracticeMessage::Back | PracticeMessage::Select => back_to_menu(p),
            m => {
                scrolled(p, &m);
                stay(Screen::Progress)
            }
        },
        Screen::ConfirmReset => confirm_reset(p, message),
        other => stay(other),
    }
}

fn menu(p: &mut Practice, message: PracticeMessage) -> Step {
    let item = match message {
        PracticeMessage::Select => MenuItem::ALL[p.menu.min(MenuItem::ALL.len() - 1)],
        PracticeMessage::Back => return (Some(Screen::Menu), vec![PracticeEffect::Leave]),
        _ => return stay(Screen::Menu),
    };
    let cursor = p.current.min(p.book.cases().len().saturating_sub(1));
    let has_cases = !p.book.cases().is_empty();
    match item {
        MenuItem::Learn => p.go(Screen::Lesson { page: 0 }),
        MenuItem::PlayBreak | MenuItem::Drill | MenuItem::RandomDrill | MenuItem::TeachFriend
            if !has_cases =>
        {
            p.status = Some("no scenarios loaded".to_owned());
            return stay(Screen::Menu);
        }
        MenuItem::PlayBreak => p.go(Screen::Picker {
            purpose: Purpose::Play,
            cursor,
        }),
        MenuItem::Drill => p.go(Screen::Picker {
            purpose: Purpose::Drill,
            cursor,
        }),
        MenuItem::RandomDrill => drill::open_random(p),
        MenuItem::TeachFriend => p.go(Screen::Picker {
            purpose: Purpose::Teach,
            cursor,
        }),
        MenuItem::WrapUp => {
            open_wrap_up(p);
            if matches!(p.screen, Screen::Menu) {
                return stay(Screen::Menu);
            }
        }
        MenuItem::OwnWords => {
            if p.prompts.is_empty() {
                p.status = Some("the own-words prompts did not load".to_owned());
                return stay(Screen::Menu);
            }
            p.go(Screen::Prompts { cursor: 0 });
        }
        MenuItem::Recall => play::open_recall(p),
        MenuItem::Progress => p.go(Screen::Progress),
        MenuItem::Reset => p.go(Screen::ConfirmReset),
    }
    moved()
}

fn lesson(p: &mut Practice, page: usize, message: PracticeMessage) -> Step {
    let last = lesson_pages(p) - 1;
    match message {
        PracticeMessage::Right | PracticeMessage::Select if page < last => {
            p.go(Screen::Lesson { page: page + 1 });
            moved()
        }
        PracticeMessage::Left if page > 0 => {
            p.go(Screen::Lesson { page: page - 1 });
            moved()
        }
        PracticeMessage::Choose(n) if n <= last => {
            p.go(Screen::Lesson { page: n });
            moved()
        }
        PracticeMessage::Back | PracticeMessage::Select => back_to_menu(p),
        m => {
            scrolled(p, &m);
            stay(Screen::Lesson { page })
        }
    }
}

fn picker(p: &mut Practice, purpose: Purpose, cursor: usize, message: PracticeMessage) -> Step {
    match message {
        PracticeMessage::Select => {}
        PracticeMessage::Back => return back_to_menu(p),
        _ => return stay(Screen::Picker { purpose, cursor }),
    }
    match purpose {
        Purpose::Play => play::open(p, cursor),
        Purpose::Drill => drill::open(p, cursor, false),
        Purpose::Teach => {
            p.current = cursor;
            let effects = p.teach(cursor).into_iter().collect();
            return (Some(Screen::Picker { purpose, cursor }), effects);
        }
    }
    moved()
}

fn prompts(p: &mut Practice, cursor: usize, message: PracticeMessage) -> Step {
    match message {
        PracticeMessage::Select if cursor < p.prompts.len() => {
            p.go(Screen::Words(WordsState {
                source: WordsSource::Prompt(cursor),
                input: String::new(),
                result: None,
            }));
            moved()
        }
        PracticeMessage::Back => back_to_menu(p),
        _ => stay(Screen::Prompts { cursor }),
    }
}

pub(super) fn open_wrap_up(p: &mut Practice) {
    let seed = p.next_seed();
    match &p.bank {
        Some(bank) => {
            let own = p.book.all_questions();
            let due = p.progress.due_questions();
            let quiz = WrapUp::draw_due(bank, &own, &due, seed, WRAP_UP_SIZE);
            p.go(Screen::WrapUp(Box::new(WrapUpState {
                quiz,
                index: 0,
                cursor: 0,
                answered: false,
                done: false,
            })));
        }
        None => p.status = Some("the question bank did not load".to_owned()),
    }
}

fn wrap_up(p: &mut Practice, mut s: Box<WrapUpState>, message: PracticeMessage) -> Step {
    if s.done {
        return match message {
            PracticeMessage::Letter('r') => {
                open_wrap_up(p);
                moved()
            }
            PracticeMessage::Back | PracticeMessage::Select => back_to_menu(p),
            m => {
                scrolled(p, &m);
                stay(Screen::WrapUp(s))
            }
        };
    }
    let count = s.quiz.questions.get(s.index).map_or(0, |q| q.options.len());
    match message {
        PracticeMessage::Back => back_to_menu(p),
        PracticeMessage::Select | PracticeMessage::Right if s.answered => {
            let mut effects = Vec::new();
            if s.index + 1 < s.quiz.questions.len() {
                s.index += 1;
                s.cursor = 0;
                s.answered = false;
            } else {
                s.done = true;
                p.progress.record_wrap_up(p.unix, s.quiz.score());
                effects.push(p.save());
            }
            p.scroll = 0;
            (Some(Screen::WrapUp(s)), effects)
        }
        PracticeMessage::Select if !s.answered => {
            if let Some(right) = s.quiz.answer(s.index, s.cursor) {
                s.answered = true;
                if let Some(q) = s.quiz.questions.get(s.index) {
                    p.progress.record_answer(&q.question, right);
                }
            }
            stay(Screen::WrapUp(s))
        }
        PracticeMessage::Up | PracticeMessage::Down | PracticeMessage::Choose(_)
            if !s.answered && count > 0 =>
        {
            s.cursor = match message {
                PracticeMessage::Up => (s.cursor + count - 1) % count,
                PracticeMessage::Down => (s.cursor + 1) % count,
                PracticeMessage::Choose(n) if n < count => n,
                _ => s.cursor,
            };
            stay(Screen::WrapUp(s))
        }
        m => {
            scrolled(p, &m);
            stay(Screen::WrapUp(s))
        }
    }
}

/// Check an own-words answer against its prompt's rubric.
pub(super) fn check_words(p: &Practice, source: WordsSource, text: &str) -> Option<RubricCheck> {
    match source {
        WordsSource::Prompt(i) => p.prompts.get(i).map(|prompt| prompt.check(text)),
        WordsSource::Case(i) => p
            .book
            .cases()
            .get(i)
            .map(|case| check_explanation(&scenario_rubric(case), text)),
    }
}

fn words(p: &mut Practice, mut s: WordsState, message: PracticeMessage) -> Step {
    if s.result.is_some() {
        return match message {
            PracticeMessage::Select | PracticeMessage::Letter('e') => {
                // Edit the sentence again.
                s.result = None;
                stay(Screen::Words(s))
            }
            PracticeMessage::Letter('n') => {
                if let WordsSource::Prompt(i) = s.source {
                    let next = (i + 1) % p.prompts.len().max(1);
                    p.go(Screen::Words(WordsState {
                        source: WordsSource::Prompt(next),
                        input: String::new(),
                        result: None,
                    }));
                    return moved();
                }
                stay(Screen::Words(s))
            }
            PracticeMessage::Back => back_to_menu(p),
            m => {
                scrolled(p, &m);
                stay(Screen::Words(s))
            }
        };
    }
    if edit_text(&mut s.input, &message) {
        return stay(Screen::Words(s));
    }
    match message {
        PracticeMessage::Select if !s.input.trim().is_empty() => {
            s.result = check_words(p, s.source, &s.input);
            p.scroll = 0;
        }
        PracticeMessage::Back => return back_to_menu(p),
        _ => {}
    }
    stay(Screen::Words(s))
}

fn confirm_reset(p: &mut Practice, message: PracticeMessage) -> Step {
    match message {
        PracticeMessage::Letter('y') => (
            Some(Screen::ConfirmReset),
            vec![PracticeEffect::ResetProgress],
        ),
        PracticeMessage::Letter('n') | PracticeMessage::Back | PracticeMessage::Select => {
            back_to_menu(p)
        }
        _ => stay(Screen::ConfirmReset),
    }
}

/// The host removed (or failed to remove) the progress file.
pub(super) fn reset_done(p: &mut Practice, result: Result<bool, String>) {
    let status = match &result {
        Ok(true) => "progress reset".to_owned(),
        Ok(false) => "no progress to reset".to_owned(),
        Err(e) => format!("could not reset: {e}"),
    };
    if result.is_ok() {
        p.progress = Progress::default();
        p.save_note = None;
    }
    p.go(Screen::Menu);
    p.status = Some(status);
}

/// Advance the play animation and the recall timer.
pub(super) fn on_tick(p: &mut Practice, at: Instant) -> Vec<PracticeEffect> {
    match &mut p.screen {
        Screen::Play(s) => {
            play::advance(s, at);
            Vec::new()
        }
        Screen::Recall(_) => play::recall_tick(p, at),
        _ => Vec::new(),
    }
}
