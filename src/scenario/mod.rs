//! Scenarios: real incidents as folders (`scenarios/<slug>/scenario.toml` plus the
//! artifacts exactly as a user would paste them). Verification runs the same engine
//! that triages real incidents on a scenario's artifacts, at the scenario's clock, and
//! compares the diagnosis with what the scenario declares (docs/design.md "Scenarios").

mod builtin;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::{Clock, parse_rfc3339};
use crate::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use crate::evidence::{Input, InputError, Origin};
use crate::token::Cloud;
use crate::token::platform::Platform;
use crate::vocabulary::{Risk, Stage, catalog};

/// The scenario file's name inside its folder.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// What the diagnosis must show.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// A stage name, or `none` when all five pass.
    pub stopped_at: String,
    /// Finding ids that must all be present.
    #[serde(default)]
    pub findings: Vec<String>,
    /// Finding ids that must not be present.
    #[serde(default)]
    pub absent: Vec<String>,
    /// The highest risk among findings, or `none`.
    pub max_risk: String,
}

/// A multiple-choice question about the scenario.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    pub options: Vec<String>,
    pub answer: usize,
    pub why: String,
}

/// `scenario.toml`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub title: String,
    pub ticket: String,
    pub platform: String,
    pub cloud: String,
    /// RFC 3339: the clock of the incident.
    pub now: String,
    pub sources: Vec<String>,
    pub explanation: String,
    pub expect: Expect,
    #[serde(default)]
    pub question: Vec<Question>,
}

/// Where a scenario was loaded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioOrigin {
    /// Embedded in the binary at build time (`build.rs` walks `scenarios/`), so an
    /// installed binary has its library without the source tree.
    Builtin,
    /// A folder on disk (`--scenarios DIR`, or the source tree in tests).
    Folder(PathBuf),
}

/// A loaded scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub slug: String,
    pub origin: ScenarioOrigin,
    pub spec: ScenarioSpec,
    /// Unix seconds of `now`.
    pub now: i64,
    /// Every other file of the folder, by name (sorted).
    pub inputs: Vec<Input>,
}

/// A scenario that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A file or folder cannot be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// An artifact cannot be read (too large, unreadable).
    #[error("{path}: {source}")]
    Input {
        path: String,
        #[source]
        source: InputError,
    },
    /// `scenario.toml` does not parse; toml's message carries line and column.
    #[error("{path}: {message}")]
    Toml { path: String, message: String },
    /// A field outside the vocabulary, an unknown finding id, a bad question.
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: String,
        field: String,
        message: String,
    },
}

impl ScenarioError {
    /// Where the error is: the file or folder as the user would find it.
    pub fn path(&self) -> &str {
        match self {
            ScenarioError::Io { path, .. }
            | ScenarioError::Input { path, .. }
            | ScenarioError::Toml { path, .. }
            | ScenarioError::Invalid { path, .. } => path,
        }
    }
}

fn invalid(path: &str, field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.to_owned(),
        field: field.to_owned(),
        message: message.into(),
    }
}

fn validate(spec: &ScenarioSpec, path: &str) -> Result<i64, ScenarioError> {
    if !Platform::ALL.iter().any(|p| p.name() == spec.platform) {
        return Err(invalid(
            path,
            "platform",
            format!("`{}` is not in the vocabulary", spec.platform),
        ));
    }
    if !Cloud::ALL.iter().any(|c| c.name() == spec.cloud) {
        return Err(invalid(
            path,
            "cloud",
            format!("`{}` is not in the vocabulary", spec.cloud),
        ));
    }
    let now = parse_rfc3339(&spec.now).map_err(|e| invalid(path, "now", e.to_string()))?;
    if spec.sources.is_empty() {
        return Err(invalid(
            path,
            "sources",
            "a scenario cites at least one public source",
        ));
    }
    if spec.expect.stopped_at != "none" && Stage::from_name(&spec.expect.stopped_at).is_none() {
        return Err(invalid(
            path,
            "expect.stopped_at",
            format!("`{}` is not a stage or `none`", spec.expect.stopped_at),
        ));
    }
    if spec.expect.max_risk != "none" && Risk::from_name(&spec.expect.max_risk).is_none() {
        return Err(invalid(
            path,
            "expect.max_risk",
            format!(
                "`{}` is not high, medium, low or none",
                spec.expect.max_risk
            ),
        ));
    }
    for id in spec.expect.findings.iter().chain(&spec.expect.absent) {
        if catalog::rule(id).is_none() {
            return Err(invalid(
                path,
                "expect",
                format!("`{id}` is not a finding id of the catalogue"),
            ));
        }
    }
    for (i, q) in spec.question.iter().enumerate() {
        if q.options.len() < 2 || q.answer >= q.options.len() {
            return Err(invalid(
                path,
                &format!("question[{i}]"),
                "needs at least two options and an answer that indexes one",
            ));
        }
        if q.why.trim().is_empty() {
            return Err(invalid(
                path,
                &format!("question[{i}].why"),
                "every question explains its answer",
            ));
        }
    }
    Ok(now)
}

impl Scenario {
    /// Load a scenario folder (`<slug>/scenario.toml` and its artifacts); the slug is
    /// the folder's name.
    pub fn load(dir: &Path) -> Result<Scenario, ScenarioError> {
        let path = dir.join(SCENARIO_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| ScenarioError::Io {
                path: dir.display().to_string(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != SCENARIO_FILE))
            .collect();
        files.sort();
        let mut inputs = Vec::new();
        for file in files {
            let mut input = Input::from_path(&file).map_err(|source| ScenarioError::Input {
                path: file.display().to_string(),
                source,
            })?;
            input.name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(input.name);
            inputs.push(input);
        }
        let slug = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Scenario::assemble(
            slug,
            ScenarioOrigin::Folder(dir.to_owned()),
            &path.display().to_string(),
            &text,
            inputs,
        )
    }

    /// A scenario from its parts in memory: `scenario.toml`'s text and the artifacts
    /// as `(file name, bytes)`. This is how the built-in library (embedded by
    /// `build.rs`) is loaded; it is validated exactly as [`Scenario::load`] validates
    /// a folder.
    pub fn from_files(
        slug: &str,
        toml_text: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<Scenario, ScenarioError> {
        let mut inputs: Vec<Input> = files
            .into_iter()
            .filter(|(name, _)| name != SCENARIO_FILE)
            .map(|(name, bytes)| Input {
                name,
                size: bytes.len() as u64,
                bytes,
                origin: Origin::Builtin,
                truncated: false,
            })
            .collect();
        inputs.sort_by(|a, b| a.name.cmp(&b.name));
        Scenario::assemble(
            slug.to_owned(),
            ScenarioOrigin::Builtin,
            &format!("{slug}/{SCENARIO_FILE}"),
            toml_text,
            inputs,
        )
    }

    /// The one place a scenario's spec is parsed and validated, whatever it came from.
    fn assemble(
        slug: String,
        origin: ScenarioOrigin,
        path: &str,
        toml_text: &str,
        inputs: Vec<Input>,
    ) -> Result<Scenario, ScenarioError> {
        let spec: ScenarioSpec = toml::from_str(toml_text).map_err(|e| ScenarioError::Toml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let now = validate(&spec, path)?;
        Ok(Scenario {
            slug,
            origin,
            spec,
            now,
            inputs,
        })
    }

    /// True when the scenario ships with the binary.
    pub fn is_builtin(&self) -> bool {
        self.origin == ScenarioOrigin::Builtin
    }

    /// Every scenario folder under `root`, sorted by slug; a folder that fails to load
    /// is returned as its error, so one broken scenario does not hide the others.
    pub fn load_all(root: &Path) -> Result<Vec<Result<Scenario, ScenarioError>>, ScenarioError> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
            .map_err(|source| ScenarioError::Io {
                path: root.display().to_string(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(SCENARIO_FILE).is_file())
            .collect();
        dirs.sort();
        Ok(dirs.iter().map(|d| Scenario::load(d)).collect())
    }

    /// Run the engine on the scenario's artifacts at its clock.
    pub fn diagnose(&self) -> Diagnosis {
        let options = DiagnoseOptions {
            now: Some(self.now),
            ..DiagnoseOptions::default()
        };
        diagnose(&self.inputs, &options, || Clock::fixed(self.now))
    }

    /// How the diagnosis differs from what the scenario declares (empty: it matches).
    pub fn verify(&self) -> Vec<String> {
        let d = self.diagnose();
        let mut mismatches = Vec::new();
        let stopped = d.stopped_at.map(Stage::name).unwrap_or("none");
        if stopped != self.spec.expect.stopped_at {
            mismatches.push(format!(
                "stopped_at: expected {}, got {stopped}",
                self.spec.expect.stopped_at
            ));
        }
        let ids: Vec<&str> = d.findings.iter().map(|f| f.id).collect();
        for id in &self.spec.expect.findings {
            if !ids.contains(&id.as_str()) {
                mismatches.push(format!(
                    "finding {id} expected, not found (got {})",
                    ids.join(", ")
                ));
            }
        }
        for id in &self.spec.expect.absent {
            if ids.contains(&id.as_str()) {
                mismatches.push(format!("finding {id} must be absent, but is present"));
            }
        }
        let max = d.max_risk().map(Risk::name).unwrap_or("none");
        if max != self.spec.expect.max_risk {
            mismatches.push(format!(
                "max_risk: expected {}, got {max}",
                self.spec.expect.max_risk
            ));
        }
        for a in d.artifacts.iter().filter(|a| !a.usable()) {
            mismatches.push(format!(
                "artifact {} is not usable: {}",
                a.name,
                a.error
                    .clone()
                    .unwrap_or_else(|| "not recognised".to_owned())
            ));
        }
        mismatches
    }
}

/// The scenario library: the built-in scenarios (embedded in the binary) plus those in
/// `extra`, a folder of `<slug>/scenario.toml` folders (`--scenarios DIR`: a team's own
/// past incidents), sorted by slug.
///
/// A user scenario whose slug equals a built-in one **replaces** it, so a team can
/// adapt a built-in incident to its own accounts and names. A folder that fails to
/// load is returned among the errors and replaces nothing (the built-in stays), so a
/// typo never silently hides a scenario. An unreadable `extra` folder is one error.
pub fn library(extra: Option<&Path>) -> (Vec<Scenario>, Vec<ScenarioError>) {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for entry in builtin::BUILTIN {
        let files = entry
            .files
            .iter()
            .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
            .collect();
        let loaded = match std::str::from_utf8(entry.toml) {
            Ok(text) => Scenario::from_files(entry.slug, text, files),
            Err(e) => Err(invalid(
                &format!("{}/{SCENARIO_FILE}", entry.slug),
                SCENARIO_FILE,
                format!("not UTF-8: {e}"),
            )),
        };
        match loaded {
            Ok(s) => scenarios.push(s),
            Err(e) => errors.push(e),
        }
    }
    if let Some(root) = extra {
        match Scenario::load_all(root) {
            Ok(loaded) => {
                for result in loaded {
                    match result {
                        Ok(user) => {
                            scenarios.retain(|s| s.slug != user.slug);
                            scenarios.push(user);
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    scenarios.sort_by(|a, b| a.slug.cmp(&b.slug));
    (scenarios, errors)
}

/// The slugs closest to a mistyped one (for "did you mean …"), best first, at most
/// three: slugs that contain it or that it contains, then those within a small edit
/// distance.
pub fn closest_slugs<'a>(wanted: &str, slugs: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = wanted.to_lowercase();
    let mut ranked: Vec<(usize, &str)> = slugs
        .into_iter()
        .filter_map(|slug| {
            let distance = if slug.contains(wanted.as_str()) || wanted.contains(slug) {
                0
            } else {
                edit_distance(&wanted, slug)
            };
            // Within about a third of the slug's length, else it is not a near miss.
            (distance <= (wanted.chars().count() / 3).max(2)).then_some((distance, slug))
        })
        .collect();
    ranked.sort();
    ranked.into_iter().take(3).map(|(_, slug)| slug).collect()
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_library_loads_without_errors_and_is_sorted() {
        let (scenarios, errors) = library(None);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!scenarios.is_empty());
        assert!(scenarios.iter().all(Scenario::is_builtin));
        assert!(scenarios.windows(2).all(|w| w[0].slug < w[1].slug));
    }

    #[test]
    fn from_files_validates_like_load() {
        let toml = "title = \"x\"\nticket = \"x\"\nplatform = \"nowhere\"\ncloud = \"aws\"\nnow = \"2026-03-02T10:15:00Z\"\nsources = [\"https://example.com\"]\nexplanation = \"x\"\n[expect]\nstopped_at = \"trust\"\nmax_risk = \"none\"\n";
        let err = Scenario::from_files("bad", toml, Vec::new()).unwrap_err();
        assert!(
            err.to_string().contains("bad/scenario.toml: platform"),
            "{err}"
        );
        let fixed = toml.replace("nowhere", "github-actions");
        let ok = Scenario::from_files(
            "ok",
            &fixed,
            vec![
                ("b.txt".into(), b"b".to_vec()),
                ("a.txt".into(), b"a".to_vec()),
            ],
        )
        .unwrap();
        assert_eq!(
            ok.inputs
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>(),
            ["a.txt", "b.txt"]
        );
        assert!(ok.is_builtin());
    }

    #[test]
    fn a_user_scenario_replaces_the_builtin_of_the_same_slug() {
        let (builtin, _) = library(None);
        let first = builtin[0].slug.clone();
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(&first);
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(
            folder.join(SCENARIO_FILE),
            "title = \"mine\"\nticket = \"x\"\nplatform = \"github-actions\"\ncloud = \"aws\"\nnow = \"2026-03-02T10:15:00Z\"\nsources = [\"https://example.com\"]\nexplanation = \"x\"\n[expect]\nstopped_at = \"workflow\"\nmax_risk = \"none\"\n",
        )
        .unwrap();
        let (scenarios, errors) = library(Some(dir.path()));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(scenarios.len(), builtin.len());
        let replaced = scenarios.iter().find(|s| s.slug == first).unwrap();
        assert_eq!(replaced.spec.title, "mine");
        assert!(!replaced.is_builtin());
    }

    #[test]
    fn an_unreadable_extra_folder_is_one_error() {
        let (scenarios, errors) = library(Some(Path::new("/nonexistent/oidc-triage-scenarios")));
        assert!(!scenarios.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].path().contains("nonexistent"));
    }

    #[test]
    fn closest_slugs_suggests_near_misses() {
        let slugs = [
            "aws-audience-default-github",
            "azure-aadsts70021-subject",
            "gcp-attribute-condition-rejects",
        ];
        assert_eq!(
            closest_slugs("aws-audience-default-gitub", slugs),
            ["aws-audience-default-github"]
        );
        assert_eq!(
            closest_slugs("aadsts70021", slugs),
            ["azure-aadsts70021-subject"]
        );
        assert!(closest_slugs("zzzz", slugs).is_empty());
    }
}
