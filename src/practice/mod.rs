//! Practice mode's core: the lesson, the question bank and wrap-up, drills built from
//! scenarios, the explanation rubric, the teach-a-friend summary and the progress file.
//! No terminal code: the TUI (`tui::practice`) draws it, and everything here is plain
//! data and functions so the tests drive it directly.
//!
//! Drills use the same engine that triages real incidents: a [`Casebook`] runs
//! [`crate::scenario::Scenario::diagnose`] on every scenario and takes the right answer
//! (stage, cause, fix) from the diagnosis, and the distractors from the diagnoses of the
//! other scenarios. Randomness is a seeded [`SplitMix64`], so a seed replays a session.
//!
//! Each scenario's own `[[question]]` blocks ([`scenario_questions`]) are asked after
//! its drill's reveal, scored into its [`ScenarioProgress`], and the wrap-up mixes up
//! to [`MAX_SCENARIO_QUESTIONS`] of them in with the bank's.

mod bank;
mod drill;
mod lesson;
mod progress;
mod rng;
mod rubric;
mod teach;
mod wrapup;

pub use bank::{
    Bank, BankError, Question, SCENARIO_TOPIC, builtin_bank, parse_bank, scenario_questions,
};
pub use drill::{
    Case, Casebook, Drill, DrillAnswers, DrillGrade, DrillStep, HEALTHY_CAUSE, HEALTHY_FIX,
    key_finding,
};
pub use lesson::{GlossaryEntry, Lesson, LessonError, LessonPage, builtin_lesson, parse_lesson};
pub use progress::{
    DrillResult, Progress, ProgressError, ProgressStore, ProgressWarning, ScenarioProgress,
    WrapUpRecord, default_progress_path, progress_path_from,
};
pub use rng::SplitMix64;
pub use rubric::{Concept, RubricCheck, check_explanation, federation_rubric, scenario_rubric};
pub use teach::teach_a_friend;
pub use wrapup::{
    DrawnQuestion, MAX_SCENARIO_QUESTIONS, PASS_PERCENT, WRAP_UP_SIZE, WrapUp, WrapUpScore,
};
