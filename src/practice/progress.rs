//! The progress file: per-scenario drill results and wrap-up scores, as JSON at
//! `$XDG_DATA_HOME/oidc-triage/progress.json` (falling back to
//! `$HOME/.local/share/oidc-triage/progress.json`). It is the only file the tool writes
//! on its own (docs/design.md "Secrets"), so it is written atomically — a temporary file in
//! the same directory, fsync, rename — and a file that does not parse is renamed aside
//! (`progress.json.corrupt-<unix-ts>`) and reported as a [`ProgressWarning`]: losing a
//! learner's streak is bad, crashing their session over it is worse.
//!
//! It also carries what spaced repetition needs across sessions: mastery per topic and
//! per stage ([`Mastery`]), and a Leitner box per question answered ([`Progress::boxes`]):
//! a miss sends the question to box 0, a right answer moves it up one. The wrap-up asks
//! the lowest boxes first ([`Progress::due_questions`]), so missed topics come back.
//!
//! Nothing here reads the clock: callers pass the time (the TUI gets it from its run
//! loop), and writing is the caller's choice of when ([`ProgressStore::save`]).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::bank::Question;
use super::drill::DrillGrade;
use super::recall::Recall;
use super::wrapup::WrapUpScore;
use crate::vocabulary::Stage;

/// The file's name inside the data directory.
pub const PROGRESS_FILE: &str = "progress.json";

/// Format version written into the file.
const VERSION: u32 = 1;

fn version() -> u32 {
    VERSION
}

/// A score: right answers out of those asked (a drill's three steps, or a scenario's
/// own questions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillResult {
    pub correct: u32,
    pub total: u32,
}

/// A scenario's drill history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioProgress {
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best: Option<DrillResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<DrillResult>,
    /// True once stage, cause and fix were all right in one attempt.
    #[serde(default)]
    pub completed: bool,
    /// The scenario's own questions (asked after a drill's reveal): the last score.
    /// Absent until they were answered, so older files read and write unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions_last: Option<DrillResult>,
    /// The best score on the scenario's own questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions_best: Option<DrillResult>,
}

/// How often a topic or stage was asked and answered right.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mastery {
    pub asked: u32,
    pub right: u32,
}

impl Mastery {
    /// Right answers in percent (0 when never asked).
    pub fn percent(self) -> u32 {
        (self.right * 100).checked_div(self.asked).unwrap_or(0)
    }

    fn record(&mut self, right: bool) {
        self.asked = self.asked.saturating_add(1);
        self.right = self.right.saturating_add(u32::from(right));
    }
}

/// One finished recall drill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallRecord {
    /// Stages in their right place, of five.
    pub order: u32,
    /// Evidence that proves the stage named, of five.
    pub evidence: u32,
    pub seconds: u64,
}

/// The highest Leitner box: a question there has been answered right this many times
/// in a row since its last miss.
pub const TOP_BOX: u8 = 4;

/// One finished wrap-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapUpRecord {
    /// RFC 3339, UTC.
    pub date: String,
    pub score: u32,
    pub total: u32,
    pub passed: bool,
}

/// Everything practice mode remembers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default = "version")]
    pub version: u32,
    /// By scenario slug.
    #[serde(default)]
    pub scenarios: BTreeMap<String, ScenarioProgress>,
    #[serde(default)]
    pub wrap_ups: Vec<WrapUpRecord>,
    /// Mastery by question topic (`claims`, `risk`…, `scenario`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub topics: BTreeMap<String, Mastery>,
    /// Mastery by stage (`workflow` … `audit`): questions that name one, and the stage
    /// step of drills.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stages: BTreeMap<String, Mastery>,
    /// Finished 90-second recall drills, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recalls: Vec<RecallRecord>,
    /// Leitner box (0 = missed last time … [`TOP_BOX`]) by question id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub boxes: BTreeMap<String, u8>,
}

impl Default for Progress {
    fn default() -> Progress {
        Progress {
            version: VERSION,
            scenarios: BTreeMap::new(),
            wrap_ups: Vec::new(),
            topics: BTreeMap::new(),
            stages: BTreeMap::new(),
            recalls: Vec::new(),
            boxes: BTreeMap::new(),
        }
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

impl Progress {
    /// Record a finished drill on `slug`.
    pub fn record_drill(&mut self, slug: &str, grade: DrillGrade) {
        let result = DrillResult {
            correct: grade.correct(),
            total: DrillGrade::TOTAL,
        };
        let entry = self.scenarios.entry(slug.to_owned()).or_default();
        entry.attempts = entry.attempts.saturating_add(1);
        entry.last = Some(result);
        if entry.best.is_none_or(|b| result.correct > b.correct) {
            entry.best = Some(result);
        }
        entry.completed |= grade.perfect();
    }

    /// Record one answered question: its topic's and stage's mastery and its box.
    pub fn record_answer(&mut self, question: &Question, right: bool) {
        self.topics
            .entry(question.topic.clone())
            .or_default()
            .record(right);
        if let Some(stage) = question.stage() {
            self.record_stage(stage, right);
        }
        let slot = self.boxes.entry(question.id.clone()).or_insert(0);
        *slot = if right { (*slot + 1).min(TOP_BOX) } else { 0 };
    }

    /// Record a finished recall drill; each slot also counts for its stage's mastery.
    pub fn record_recall(&mut self, recall: &Recall) {
        let score = recall.score();
        self.recalls.push(RecallRecord {
            order: score.order,
            evidence: score.evidence,
            seconds: score.seconds,
        });
        for (i, stage) in Stage::ALL.into_iter().enumerate() {
            self.record_stage(stage, recall.stage_right(i) && recall.evidence_right(i));
        }
    }

    /// Record one answer about a stage (a drill's "where does evidence stop").
    pub fn record_stage(&mut self, stage: Stage, right: bool) {
        self.stages
            .entry(stage.name().to_owned())
            .or_default()
            .record(right);
    }

    /// Question ids answered before and not yet mastered, lowest box first (missed
    /// last time first), ties by id: what a wrap-up should ask again.
    pub fn due_questions(&self) -> Vec<&str> {
        let mut due: Vec<(&u8, &String)> = self
            .boxes
            .iter()
            .filter(|&(_, b)| *b < TOP_BOX)
            .map(|(id, b)| (b, id))
            .collect();
        due.sort();
        due.into_iter().map(|(_, id)| id.as_str()).collect()
    }

    /// Topics by mastery, weakest first (never-asked topics are not listed).
    pub fn weakest_topics(&self) -> Vec<(&str, Mastery)> {
        let mut topics: Vec<(&str, Mastery)> =
            self.topics.iter().map(|(t, m)| (t.as_str(), *m)).collect();
        topics.sort_by_key(|(t, m)| (m.percent(), *t));
        topics
    }

    /// Record the score on `slug`'s own questions, all answered.
    pub fn record_questions(&mut self, slug: &str, score: WrapUpScore) {
        let result = DrillResult {
            correct: u32::try_from(score.correct).unwrap_or(u32::MAX),
            total: u32::try_from(score.total).unwrap_or(u32::MAX),
        };
        let entry = self.scenarios.entry(slug.to_owned()).or_default();
        entry.questions_last = Some(result);
        if entry
            .questions_best
            .is_none_or(|b| result.correct > b.correct)
        {
            entry.questions_best = Some(result);
        }
    }

    /// Record a finished wrap-up at `at` (Unix seconds).
    pub fn record_wrap_up(&mut self, at: i64, score: WrapUpScore) {
        self.wrap_ups.push(WrapUpRecord {
            date: rfc3339(at),
            score: u32::try_from(score.correct).unwrap_or(u32::MAX),
            total: u32::try_from(score.total).unwrap_or(u32::MAX),
            passed: score.passed(),
        });
    }

    /// Scenarios drilled with a perfect score at least once.
    pub fn completed(&self) -> usize {
        self.scenarios.values().filter(|s| s.completed).count()
    }

    /// The best wrap-up so far (highest score, latest on ties).
    pub fn best_wrap_up(&self) -> Option<&WrapUpRecord> {
        self.wrap_ups
            .iter()
            .rev()
            .max_by_key(|w| (u64::from(w.score) * 1000) / u64::from(w.total.max(1)))
    }
}

/// Something wrong with the file that did not stop the session.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressWarning {
    /// The file did not parse; it was moved to `moved_to` (or could not be moved) and
    /// practice starts from empty progress.
    Corrupt {
        path: PathBuf,
        moved_to: Option<PathBuf>,
        message: String,
    },
}

impl std::fmt::Display for ProgressWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProgressWarning::Corrupt {
                path,
                moved_to: Some(to),
                message,
            } => write!(
                f,
                "progress file {} was unreadable ({message}); set aside as {}, starting fresh",
                path.display(),
                to.display()
            ),
            ProgressWarning::Corrupt {
                path,
                moved_to: None,
                message,
            } => write!(
                f,
                "progress file {} was unreadable ({message}) and could not be moved aside; starting fresh",
                path.display()
            ),
        }
    }
}

/// The progress file could not be read, written or removed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProgressError {
    /// No data directory: neither `XDG_DATA_HOME` nor `HOME` is set.
    #[error("no data directory: set XDG_DATA_HOME or HOME")]
    NoDataDir,
    #[error("progress file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("progress file {path}: {source}")]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ProgressError + '_ {
    move |source| ProgressError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The progress path for these values of `XDG_DATA_HOME` and `HOME`. The XDG spec says
/// a relative `XDG_DATA_HOME` is invalid and must be ignored.
pub fn progress_path_from(
    xdg_data_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let base = xdg_data_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("share"))
        })?;
    Some(base.join("oidc-triage").join(PROGRESS_FILE))
}

/// The progress path from the environment.
pub fn default_progress_path() -> Option<PathBuf> {
    progress_path_from(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The largest progress file read (a real one is a few KiB).
const MAX_PROGRESS_BYTES: u64 = 4 * 1024 * 1024;

/// Where the progress file lives, and how it is read and written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressStore {
    path: PathBuf,
}

impl ProgressStore {
    /// A store at an explicit path (tests, `--data-dir`-like overrides).
    pub fn new(path: impl Into<PathBuf>) -> ProgressStore {
        ProgressStore { path: path.into() }
    }

    /// The store at the default XDG path.
    pub fn from_env() -> Result<ProgressStore, ProgressError> {
        default_progress_path()
            .map(ProgressStore::new)
            .ok_or(ProgressError::NoDataDir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read the progress. A missing file is empty progress; a file that does not parse
    /// is moved aside and reported; only an unreadable file (permissions, a directory
    /// in its place) is an error.
    pub fn load(&self) -> Result<(Progress, Option<ProgressWarning>), ProgressError> {
        let file = match fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok((Progress::default(), None));
            }
            Err(e) => return Err(io_error(&self.path)(e)),
        };
        // Bounded: a progress file is a few KiB; one of gigabytes is not ours to read
        // whole (it is set aside like any other file that does not parse).
        let mut bytes = Vec::new();
        io::Read::read_to_end(
            &mut io::Read::take(file, MAX_PROGRESS_BYTES + 1),
            &mut bytes,
        )
        .map_err(io_error(&self.path))?;
        let parsed = if bytes.len() as u64 > MAX_PROGRESS_BYTES {
            Err(format!(
                "larger than {} MiB: not a progress file",
                MAX_PROGRESS_BYTES / (1024 * 1024)
            ))
        } else {
            serde_json::from_slice::<Progress>(&bytes).map_err(|e| e.to_string())
        };
        match parsed {
            Ok(progress) => Ok((progress, None)),
            Err(e) => {
                let aside = self.corrupt_path(unix_now());
                let moved_to = fs::rename(&self.path, &aside).ok().map(|()| aside);
                Ok((
                    Progress::default(),
                    Some(ProgressWarning::Corrupt {
                        path: self.path.clone(),
                        moved_to,
                        message: e,
                    }),
                ))
            }
        }
    }

    /// `progress.json.corrupt-<ts>`, with a counter if that name is taken.
    fn corrupt_path(&self, ts: u64) -> PathBuf {
        let base = format!("{}.corrupt-{ts}", self.path.display());
        let mut candidate = PathBuf::from(&base);
        let mut n = 1;
        while candidate.exists() {
            candidate = PathBuf::from(format!("{base}-{n}"));
            n += 1;
        }
        candidate
    }

    /// Write the progress atomically: readers see the old file or the new one, never
    /// a half-written one, even if the process dies mid-write.
    pub fn save(&self, progress: &Progress) -> Result<(), ProgressError> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let json = serde_json::to_vec_pretty(progress).map_err(|source| ProgressError::Encode {
            path: self.path.clone(),
            source,
        })?;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| PROGRESS_FILE.to_owned());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp-{}-{nanos}", std::process::id()));
        let written = (|| -> io::Result<()> {
            let mut file = File::options().write(true).create_new(true).open(&tmp)?;
            file.write_all(&json)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io_error(&self.path)(e));
        }
        // The rename is durable only once the directory entry is; best effort, since
        // some platforms cannot open a directory for syncing.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Remove the progress file; `Ok(false)` when there was none.
    pub fn reset(&self) -> Result<bool, ProgressError> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_error(&self.path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(n: u32) -> DrillGrade {
        DrillGrade {
            stage: n >= 1,
            cause: n >= 2,
            fix: n >= 3,
        }
    }

    #[test]
    fn xdg_then_home_and_relative_xdg_ignored() {
        assert_eq!(
            progress_path_from(Some("/x/data".into()), Some("/home/u".into())),
            Some(PathBuf::from("/x/data/oidc-triage/progress.json"))
        );
        assert_eq!(
            progress_path_from(Some("rel".into()), Some("/home/u".into())),
            Some(PathBuf::from(
                "/home/u/.local/share/oidc-triage/progress.json"
            ))
        );
        assert_eq!(progress_path_from(None, None), None);
    }

    #[test]
    fn record_drill_keeps_best_and_last() {
        let mut p = Progress::default();
        p.record_drill("s", grade(2));
        p.record_drill("s", grade(1));
        let s = &p.scenarios["s"];
        assert_eq!(s.attempts, 2);
        assert_eq!(s.best.unwrap().correct, 2);
        assert_eq!(s.last.unwrap().correct, 1);
        assert!(!s.completed);
        p.record_drill("s", grade(3));
        assert!(p.scenarios["s"].completed);
        assert_eq!(p.completed(), 1);
    }

    #[test]
    fn record_questions_keeps_best_and_last_and_not_attempts() {
        let mut p = Progress::default();
        let score = |correct| WrapUpScore { correct, total: 2 };
        p.record_questions("s", score(2));
        p.record_questions("s", score(1));
        let s = &p.scenarios["s"];
        assert_eq!(s.questions_best.unwrap().correct, 2);
        assert_eq!(s.questions_last.unwrap().correct, 1);
        assert_eq!(s.attempts, 0, "attempts count drills");
    }

    #[test]
    fn a_miss_sends_a_question_to_box_zero_and_it_comes_back_first() {
        let q = |id: &str, topic: &str| Question {
            id: id.to_owned(),
            topic: topic.to_owned(),
            stage: Some("trust".to_owned()),
            prompt: "p".to_owned(),
            options: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            answer: 0,
            why: "w".to_owned(),
            scenario: None,
        };
        let mut p = Progress::default();
        p.record_answer(&q("x", "claims"), true);
        p.record_answer(&q("y", "risk"), false);
        p.record_answer(&q("z", "risk"), true);
        assert_eq!(p.due_questions(), ["y", "x", "z"]);
        assert_eq!(p.weakest_topics()[0].0, "risk");
        assert_eq!(p.stages["trust"], Mastery { asked: 3, right: 2 });
        for _ in 0..TOP_BOX {
            p.record_answer(&q("x", "claims"), true);
        }
        assert!(!p.due_questions().contains(&"x"), "mastered");
        // Old files (no mastery) still read.
        let old: Progress = serde_json::from_str(r#"{"version":1}"#).unwrap();
        assert!(old.boxes.is_empty());
    }

    #[test]
    fn wrap_up_record_has_a_date() {
        let mut p = Progress::default();
        p.record_wrap_up(
            0,
            WrapUpScore {
                correct: 8,
                total: 10,
            },
        );
        assert_eq!(p.wrap_ups[0].date, "1970-01-01T00:00:00Z");
        assert!(p.wrap_ups[0].passed);
    }

    #[test]
    fn round_trip_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::new(dir.path().join("a/b/progress.json"));
        let mut p = Progress::default();
        p.record_drill("x", grade(3));
        store.save(&p).unwrap();
        assert_eq!(store.load().unwrap(), (p, None));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [OsString::from("progress.json")]);
    }
}
