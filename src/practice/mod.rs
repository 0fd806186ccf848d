//! Practice mode's core: the lesson, the question bank and wrap-up (with spaced
//! repetition), drills built from scenarios and the raw artifacts a learner reads before
//! answering, play/break on the real engine ([`Bench`]), the recall-first 90-second drill
//! ([`Recall`]), the explanation rubric that reads negation and order, the teach-a-friend
//! summary and the progress file.
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

mod artifacts;
mod bank;
mod breakfix;
mod drill;
mod lesson;
mod progress;
mod recall;
mod rng;
mod rubric;
mod teach;
mod wrapup;

pub use artifacts::{ArtifactText, Citation, case_artifacts, citation, hint};
pub use bank::{
    Bank, BankError, MIN_LENGTH_RATIO, Question, SCENARIO_TOPIC, builtin_bank, parse_bank,
    scenario_questions, stage_named,
};
pub use breakfix::{Bench, Change, Fault};
pub use drill::{
    COPY_RUN, Case, Casebook, Drill, DrillAnswers, DrillGrade, DrillStep, HEALTHY_CAUSE,
    HEALTHY_FIX, copies_ticket, drill_finding, key_finding,
};
pub use lesson::{GlossaryEntry, Lesson, LessonError, LessonPage, builtin_lesson, parse_lesson};
pub use progress::{
    DrillResult, Mastery, Progress, ProgressError, ProgressStore, ProgressWarning, RecallRecord,
    ScenarioProgress, TOP_BOX, WrapUpRecord, default_progress_path, progress_path_from,
};
pub use recall::{Attempt, RECALL_SECONDS, Recall, RecallScore, stage_evidence};
pub use rng::SplitMix64;
pub use rubric::{
    Concept, ConceptResult, OwnWordsPrompt, PromptsError, RubricCheck, Verdict, Want,
    builtin_prompts, check_explanation, check_with, federation_rubric, parse_prompts,
    scenario_rubric,
};
pub use teach::teach_a_friend;
pub use wrapup::{
    DrawnQuestion, MAX_DUE, MAX_SCENARIO_QUESTIONS, PASS_PERCENT, WRAP_UP_SIZE, WrapUp, WrapUpScore,
};
