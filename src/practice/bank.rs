//! The wrap-up question bank: `assets/practice/questions.toml`, embedded in the binary,
//! parsed into typed [`Question`]s and validated as a whole, so a bad entry is caught by
//! the tests (and named by id and field) rather than shown to a learner.
//!
//! Scenarios carry questions of their own (`[[question]]` in `scenario.toml`, checked
//! when the scenario loads); [`scenario_questions`] turns them into the same
//! [`Question`] type, under topic [`SCENARIO_TOPIC`], so a drill and the wrap-up ask
//! them with the same code as the bank's.
//!
//! Fairness is a rule of the bank, not a hope: every question says which stage of the
//! path it exercises (progress keeps mastery per stage), and its options must be of
//! comparable length ([`MIN_LENGTH_RATIO`]) so that "pick the longest" is not a
//! strategy; `tests/practice.rs` simulates such strategies over a thousand wrap-ups.

use std::collections::HashSet;

use serde::Deserialize;

use crate::scenario::Scenario;
use crate::vocabulary::Stage;

/// The bank shipped with the tool.
const BUILTIN: &str = include_str!("../../assets/practice/questions.toml");

/// The fewest questions a bank may hold: a wrap-up draws ten, and repeats should be rare.
pub const MIN_QUESTIONS: usize = 40;

/// The shortest option of a bank question is at least this share of its longest (in
/// characters): options of one question read alike, so length gives nothing away.
pub const MIN_LENGTH_RATIO: f64 = 0.5;

/// Options per question.
pub const OPTIONS: usize = 4;

/// The topic of a scenario's own question.
pub const SCENARIO_TOPIC: &str = "scenario";

/// One multiple-choice question.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique, stable: progress and tests refer to it.
    pub id: String,
    /// What it exercises (`components`, `path-order`, `claims`…); a wrap-up spreads over topics.
    pub topic: String,
    /// The stage of the path the question exercises (`workflow` … `audit`), for mastery
    /// per stage. A scenario's own question takes its scenario's focus stage.
    #[serde(default)]
    pub stage: Option<String>,
    pub prompt: String,
    pub options: Vec<String>,
    /// Index into `options`.
    pub answer: usize,
    /// Why the answer is right, shown after the learner answers.
    pub why: String,
    /// The slug of the scenario the question is about, for one of its own questions
    /// (its prompt may say "this ticket", so a screen shows the ticket with it). Never
    /// read from the bank file: a bank question stands on its own.
    #[serde(skip)]
    pub scenario: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BankFile {
    question: Vec<Question>,
}

/// A validated question bank.
#[derive(Clone, Debug)]
pub struct Bank {
    questions: Vec<Question>,
}

/// A bank that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BankError {
    /// The TOML does not parse; toml's message carries line and column.
    #[error("question bank: {message}")]
    Toml { message: String },
    /// One question breaks a rule.
    #[error("question bank: question `{id}`: {field}: {message}")]
    Invalid {
        id: String,
        field: &'static str,
        message: String,
    },
    /// Two questions share an id.
    #[error("question bank: question id `{id}` is used twice")]
    Duplicate { id: String },
    /// Fewer questions than a wrap-up needs.
    #[error("question bank: {count} questions, at least {min} needed")]
    TooFew { count: usize, min: usize },
}

fn invalid(q: &Question, field: &'static str, message: impl Into<String>) -> BankError {
    BankError::Invalid {
        id: q.id.clone(),
        field,
        message: message.into(),
    }
}

fn validate(q: &Question) -> Result<(), BankError> {
    let id_ok = !q.id.is_empty()
        && q.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(invalid(q, "id", "lowercase letters, digits and `-` only"));
    }
    for (field, text) in [("topic", &q.topic), ("prompt", &q.prompt), ("why", &q.why)] {
        if text.trim().is_empty() {
            return Err(invalid(q, field, "must not be empty"));
        }
    }
    if q.options.len() != OPTIONS {
        return Err(invalid(
            q,
            "options",
            format!("exactly {OPTIONS} options, found {}", q.options.len()),
        ));
    }
    if q.options.iter().any(|o| o.trim().is_empty()) {
        return Err(invalid(q, "options", "an option is empty"));
    }
    let distinct: HashSet<String> = q.options.iter().map(|o| o.trim().to_lowercase()).collect();
    if distinct.len() != q.options.len() {
        return Err(invalid(q, "options", "options must be distinct"));
    }
    if let Some(stage) = &q.stage
        && stage_named(stage).is_none()
    {
        return Err(invalid(
            q,
            "stage",
            format!("`{stage}` is not one of workflow, token, trust, role, audit"),
        ));
    }
    if q.answer >= q.options.len() {
        return Err(invalid(
            q,
            "answer",
            format!(
                "{} is not an index into {} options",
                q.answer,
                q.options.len()
            ),
        ));
    }
    Ok(())
}

/// The stage with this JSON name.
pub fn stage_named(name: &str) -> Option<Stage> {
    Stage::ALL.into_iter().find(|s| s.name() == name)
}

/// The bank's own rules on top of [`validate`]: a stage, and options of comparable
/// length. (A scenario's questions are checked when the scenario loads, and a drill
/// shows them beside their ticket.)
fn validate_fair(q: &Question) -> Result<(), BankError> {
    if q.stage.is_none() {
        return Err(invalid(q, "stage", "every bank question names its stage"));
    }
    let lengths: Vec<usize> = q.options.iter().map(|o| o.chars().count()).collect();
    let (shortest, longest) = (
        lengths.iter().copied().min().unwrap_or(0),
        lengths.iter().copied().max().unwrap_or(0),
    );
    if (shortest as f64) < MIN_LENGTH_RATIO * longest as f64 {
        return Err(invalid(
            q,
            "options",
            format!(
                "options of {shortest} and {longest} characters: the shortest must be at least half the longest"
            ),
        ));
    }
    Ok(())
}

/// Parse and validate a bank (at least `MIN_QUESTIONS` questions).
pub fn parse_bank(text: &str) -> Result<Bank, BankError> {
    let file: BankFile = toml::from_str(text).map_err(|e| BankError::Toml {
        message: e.to_string(),
    })?;
    let mut seen = HashSet::new();
    for q in &file.question {
        validate(q)?;
        validate_fair(q)?;
        if !seen.insert(q.id.as_str()) {
            return Err(BankError::Duplicate { id: q.id.clone() });
        }
    }
    if file.question.len() < MIN_QUESTIONS {
        return Err(BankError::TooFew {
            count: file.question.len(),
            min: MIN_QUESTIONS,
        });
    }
    Ok(Bank {
        questions: file.question,
    })
}

/// The bank shipped with the tool (validated by the tests, so an error here is a build
/// that skipped them; callers show it rather than panic).
pub fn builtin_bank() -> Result<Bank, BankError> {
    parse_bank(BUILTIN)
}

/// A scenario's own `[[question]]` blocks as questions: id `<slug>-q<n>` (n from 1),
/// topic [`SCENARIO_TOPIC`], and `scenario` set to its slug. Loading the scenario
/// already checked the answer indexes an option and the why is not empty.
pub fn scenario_questions(scenario: &Scenario) -> Vec<Question> {
    scenario
        .spec
        .question
        .iter()
        .enumerate()
        .map(|(i, q)| Question {
            id: format!("{}-q{}", scenario.slug, i + 1),
            topic: SCENARIO_TOPIC.to_owned(),
            stage: None,
            prompt: q.prompt.clone(),
            options: q.options.clone(),
            answer: q.answer,
            why: q.why.clone(),
            scenario: Some(scenario.slug.clone()),
        })
        .collect()
}

impl Bank {
    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn len(&self) -> usize {
        self.questions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    /// The topics, in order of first appearance.
    pub fn topics(&self) -> Vec<&str> {
        let mut topics: Vec<&str> = Vec::new();
        for q in &self.questions {
            if !topics.contains(&q.topic.as_str()) {
                topics.push(&q.topic);
            }
        }
        topics
    }

    pub fn get(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

impl Question {
    /// The stage it exercises, when it names one.
    pub fn stage(&self) -> Option<Stage> {
        self.stage.as_deref().and_then(stage_named)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(extra: &str) -> String {
        format!(
            "[[question]]\nid = \"q-1\"\ntopic = \"t\"\nstage = \"trust\"\nprompt = \"p\"\n{extra}\n",
        )
    }

    #[test]
    fn builtin_bank_is_valid() {
        let bank = builtin_bank().unwrap();
        assert!(bank.len() >= 100, "{} questions", bank.len());
        assert!(bank.topics().len() >= 10, "{:?}", bank.topics());
    }

    #[test]
    fn answer_out_of_range_names_the_question_and_field() {
        let text = one("options = [\"a\",\"b\",\"c\",\"d\"]\nanswer = 4\nwhy = \"w\"");
        let err = parse_bank(&text).unwrap_err();
        assert!(
            matches!(&err, BankError::Invalid { id, field: "answer", .. } if id == "q-1"),
            "{err}"
        );
    }

    #[test]
    fn empty_why_is_rejected() {
        let text = one("options = [\"a\",\"b\",\"c\",\"d\"]\nanswer = 1\nwhy = \"  \"");
        let err = parse_bank(&text).unwrap_err();
        assert!(
            matches!(err, BankError::Invalid { field: "why", .. }),
            "{err}"
        );
    }

    #[test]
    fn duplicate_options_and_wrong_count_are_rejected() {
        let dup = one("options = [\"a\",\"A\",\"c\",\"d\"]\nanswer = 1\nwhy = \"w\"");
        assert!(matches!(
            parse_bank(&dup).unwrap_err(),
            BankError::Invalid {
                field: "options",
                ..
            }
        ));
        let three = one("options = [\"a\",\"b\",\"c\"]\nanswer = 1\nwhy = \"w\"");
        assert!(matches!(
            parse_bank(&three).unwrap_err(),
            BankError::Invalid {
                field: "options",
                ..
            }
        ));
    }

    #[test]
    fn unequal_options_and_unknown_stage_are_rejected() {
        let long = one(
            "options = [\"a much longer option than the rest\",\"b\",\"c\",\"d\"]\nanswer = 0\nwhy = \"w\"",
        );
        assert!(matches!(
            parse_bank(&long).unwrap_err(),
            BankError::Invalid {
                field: "options",
                ..
            }
        ));
        let stage = one("options = [\"a\",\"b\",\"c\",\"d\"]\nanswer = 1\nwhy = \"w\"")
            .replace("stage = \"trust\"", "stage = \"deploy\"");
        assert!(matches!(
            parse_bank(&stage).unwrap_err(),
            BankError::Invalid { field: "stage", .. }
        ));
    }

    #[test]
    fn missing_field_is_a_toml_error_and_small_bank_too_few() {
        let text = one("options = [\"a\",\"b\",\"c\",\"d\"]\nanswer = 1");
        assert!(matches!(
            parse_bank(&text).unwrap_err(),
            BankError::Toml { .. }
        ));
        let ok = one("options = [\"a\",\"b\",\"c\",\"d\"]\nanswer = 1\nwhy = \"w\"");
        assert_eq!(
            parse_bank(&ok).unwrap_err(),
            BankError::TooFew { count: 1, min: 40 }
        );
    }
}
