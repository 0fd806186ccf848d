//! The Learn lesson: `assets/practice/lesson.toml`, embedded — pages read in order (why
//! federation, the path, the five components, safe rollout, reading a ticket) and a
//! glossary. Content lives in the asset so it is edited as text, not code.

use serde::Deserialize;

const BUILTIN: &str = include_str!("../../assets/practice/lesson.toml");

/// One page of the lesson.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LessonPage {
    pub title: String,
    /// Plain text; blank lines separate paragraphs.
    pub body: String,
}

/// One glossary term.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GlossaryEntry {
    pub term: String,
    pub meaning: String,
}

/// The whole lesson.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    #[serde(rename = "page")]
    pub pages: Vec<LessonPage>,
    #[serde(rename = "glossary")]
    pub glossary: Vec<GlossaryEntry>,
}

/// A lesson that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LessonError {
    #[error("lesson: {message}")]
    Toml { message: String },
    /// An empty page, term or a lesson without pages.
    #[error("lesson: {field}: {message}")]
    Invalid { field: String, message: String },
}

/// Parse and validate a lesson.
pub fn parse_lesson(text: &str) -> Result<Lesson, LessonError> {
    let lesson: Lesson = toml::from_str(text).map_err(|e| LessonError::Toml {
        message: e.to_string(),
    })?;
    if lesson.pages.is_empty() {
        return Err(LessonError::Invalid {
            field: "page".to_owned(),
            message: "a lesson has at least one page".to_owned(),
        });
    }
    for (i, p) in lesson.pages.iter().enumerate() {
        if p.title.trim().is_empty() || p.body.trim().is_empty() {
            return Err(LessonError::Invalid {
                field: format!("page[{i}]"),
                message: "title and body must not be empty".to_owned(),
            });
        }
    }
    for (i, g) in lesson.glossary.iter().enumerate() {
        if g.term.trim().is_empty() || g.meaning.trim().is_empty() {
            return Err(LessonError::Invalid {
                field: format!("glossary[{i}]"),
                message: "term and meaning must not be empty".to_owned(),
            });
        }
    }
    Ok(lesson)
}

/// The lesson shipped with the tool.
pub fn builtin_lesson() -> Result<Lesson, LessonError> {
    parse_lesson(BUILTIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lesson_covers_the_five_components_and_rollout() {
        let lesson = builtin_lesson().unwrap();
        let all: String = lesson.pages.iter().map(|p| p.body.to_lowercase()).collect();
        for word in [
            "oidc token",
            "trust policy",
            "environment gate",
            "cloud role",
            "audit log",
            "monitor mode",
            "small ring",
        ] {
            assert!(all.contains(word), "lesson does not mention {word}");
        }
        assert!(lesson.glossary.len() >= 10);
    }

    #[test]
    fn empty_page_is_rejected() {
        let err =
            parse_lesson("glossary = []\n[[page]]\ntitle = \"x\"\nbody = \"\"\n").unwrap_err();
        assert!(matches!(err, LessonError::Invalid { .. }), "{err}");
    }
}
