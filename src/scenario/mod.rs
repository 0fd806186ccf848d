//! Scenarios: real incidents as folders (`scenarios/<slug>/scenario.toml` plus the
//! artifacts exactly as a user would paste them). Verification runs the same engine
//! that triages real incidents on a scenario's artifacts, at the scenario's clock, and
//! compares the diagnosis with what the scenario declares (DESIGN.md "Scenarios").

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::clock::{Clock, parse_rfc3339};
use crate::diagnosis::{DiagnoseOptions, Diagnosis, Risk, Stage, catalog, diagnose};
use crate::evidence::{Input, InputError};
use crate::token::Cloud;
use crate::token::platform::Platform;

/// The scenario file's name inside its folder.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// What the diagnosis must show.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
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
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    pub options: Vec<String>,
    pub answer: usize,
    pub why: String,
}

/// `scenario.toml`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
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

/// A loaded scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub slug: String,
    pub dir: PathBuf,
    pub spec: ScenarioSpec,
    /// Unix seconds of `now`.
    pub now: i64,
    /// Every other file of the folder, by name.
    pub inputs: Vec<Input>,
}

/// A scenario that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
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

fn invalid(path: &Path, field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.display().to_string(),
        field: field.to_owned(),
        message: message.into(),
    }
}

fn validate(spec: &ScenarioSpec, path: &Path) -> Result<i64, ScenarioError> {
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
    /// Load a scenario folder.
    pub fn load(dir: &Path) -> Result<Scenario, ScenarioError> {
        let path = dir.join(SCENARIO_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let spec: ScenarioSpec = toml::from_str(&text).map_err(|e| ScenarioError::Toml {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let now = validate(&spec, &path)?;
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
        Ok(Scenario {
            slug,
            dir: dir.to_owned(),
            spec,
            now,
            inputs,
        })
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
