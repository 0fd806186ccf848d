//! `.oidc-triage.toml`: a project's defaults and accepted findings. Found upward from
//! the working directory (the nearest wins), or named with `--config FILE`. Flags on the
//! command line beat the file. Paths in it are relative to the file's folder.
//!
//! ```toml
//! skew = 120                 # seconds (the --skew default)
//! fail-on = "medium"         # lint and diagnose --fail-on
//! scenarios = "incidents"    # extra scenario folder (--scenarios)
//! knowledge = "knowledge"    # extra knowledge folder (--knowledge)
//!
//! [[suppress]]
//! id = "trust.risk.repo-wide-subject"
//! locator = "$.Role.AssumeRolePolicyDocument.Statement[0]"
//! artifact = "prod-deploy-role.json"   # optional: the end of the artifact's name
//! reason = "accepted by security in SEC-123"
//! expires = 2026-12-31                 # optional; applies through that day
//! ```
//!
//! A suppression never hides a finding: it is reported as suppressed (text, JSON,
//! SARIF `suppressions`) and does not count towards `--fail-on`. Once expired it stops
//! applying, and the output says so.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

use super::FailOn;
use oidc_triage::report::sarif::Suppression;
use oidc_triage::vocabulary::Finding;

/// The file name looked for.
pub const CONFIG_FILE: &str = ".oidc-triage.toml";

/// A config file that cannot be used: which file, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    skew: Option<i64>,
    fail_on: Option<String>,
    scenarios: Option<PathBuf>,
    knowledge: Option<PathBuf>,
    #[serde(default)]
    suppress: Vec<SuppressFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressFile {
    id: String,
    locator: String,
    artifact: Option<String>,
    reason: String,
    expires: Option<toml::Value>,
}

/// One accepted finding.
#[derive(Clone, Debug)]
pub struct Suppress {
    pub id: String,
    pub locator: String,
    pub artifact: Option<String>,
    pub expires: Option<Date>,
    /// What the outputs show (reason, expiry, the file).
    pub note: Suppression,
}

/// The loaded config.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub skew: Option<i64>,
    pub fail_on: Option<FailOn>,
    pub scenarios: Option<PathBuf>,
    pub knowledge: Option<PathBuf>,
    pub suppress: Vec<Suppress>,
}

/// How a suppression stands against the findings of a run (JSON `suppressions`).
#[derive(Clone, Debug, Serialize)]
pub struct SuppressionReport {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    pub locator: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub source: String,
    /// `applied`: it accepted at least one finding; `expired`: it matched but its date
    /// has passed, so the finding counts; `unused`: nothing matched it.
    pub status: SuppressionStatus,
    /// How many findings it matched.
    pub matched: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionStatus {
    Applied,
    Expired,
    Unused,
}

impl fmt::Display for SuppressionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SuppressionStatus::Applied => "applied",
            SuppressionStatus::Expired => "expired",
            SuppressionStatus::Unused => "unused",
        })
    }
}

fn parse_date(path: &str, value: &toml::Value) -> Result<Date, ConfigError> {
    let text = match value {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        other => format!("{other:?}"),
    };
    Date::parse(&text, format_description!("[year]-[month]-[day]")).map_err(|e| {
        ConfigError::Invalid {
            path: path.to_owned(),
            message: format!("suppress.expires {text:?} is not a date (YYYY-MM-DD): {e}"),
        }
    })
}

fn fail_on(path: &str, name: &str) -> Result<FailOn, ConfigError> {
    match name {
        "high" => Ok(FailOn::High),
        "medium" => Ok(FailOn::Medium),
        "low" => Ok(FailOn::Low),
        "never" => Ok(FailOn::Never),
        other => Err(ConfigError::Invalid {
            path: path.to_owned(),
            message: format!("fail-on {other:?}: expected high, medium, low or never"),
        }),
    }
}

impl Config {
    /// Parse the text of a config file found at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: name.clone(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(skew) = file.skew
            && !(0..=86_400).contains(&skew)
        {
            return Err(ConfigError::Invalid {
                path: name,
                message: format!("skew {skew} is not in 0..=86400 seconds"),
            });
        }
        let mut suppress = Vec::new();
        for s in file.suppress {
            if oidc_triage::vocabulary::catalog::rule(&s.id).is_none()
                && oidc_triage::vocabulary::knowledge::knowledge()
                    .finding(&s.id)
                    .is_none()
            {
                return Err(ConfigError::Invalid {
                    path: name,
                    message: format!("suppress.id {:?} is not a finding id", s.id),
                });
            }
            let expires = s
                .expires
                .as_ref()
                .map(|v| parse_date(&name, v))
                .transpose()?;
            suppress.push(Suppress {
                note: Suppression {
                    reason: s.reason,
                    expires: expires.map(|d| d.to_string()),
                    source: name.clone(),
                },
                id: s.id,
                locator: s.locator,
                artifact: s.artifact,
                expires,
            });
        }
        Ok(Config {
            skew: file.skew,
            fail_on: file
                .fail_on
                .as_deref()
                .map(|n| fail_on(&name, n))
                .transpose()?,
            scenarios: file.scenarios.map(|p| base.join(p)),
            knowledge: file.knowledge.map(|p| base.join(p)),
            suppress,
        })
    }

    /// Read the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// The nearest `.oidc-triage.toml` at or above `dir`, loaded; an empty config when
    /// there is none.
    pub fn discover(dir: &Path) -> Result<Config, ConfigError> {
        for d in dir.ancestors() {
            let candidate = d.join(CONFIG_FILE);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
        }
        Ok(Config::default())
    }
}

/// The suppressions of a config judged against one run's findings on `today`.
pub struct Judged<'a> {
    suppress: &'a [Suppress],
    today: Date,
}

/// What a suppression does to one finding.
pub enum Verdict<'a> {
    None,
    Applies(&'a Suppression),
    Expired(&'a Suppress),
}

impl<'a> Judged<'a> {
    pub fn new(config: &'a Config, today: Date) -> Judged<'a> {
        Judged {
            suppress: &config.suppress,
            today,
        }
    }

    fn matches(s: &Suppress, f: &Finding) -> bool {
        s.id == f.id
            && f.evidence.iter().any(|e| {
                e.locator == s.locator
                    && s.artifact
                        .as_deref()
                        .is_none_or(|a| e.artifact == a || e.artifact.ends_with(&format!("/{a}")))
            })
    }

    fn live(&self, s: &Suppress) -> bool {
        s.expires.is_none_or(|d| self.today <= d)
    }

    /// The verdict on one finding: a live suppression beats an expired one.
    pub fn verdict(&self, f: &Finding) -> Verdict<'a> {
        let mut expired = None;
        for s in self.suppress {
            if Self::matches(s, f) {
                if self.live(s) {
                    return Verdict::Applies(&s.note);
                }
                expired = expired.or(Some(s));
            }
        }
        expired.map_or(Verdict::None, Verdict::Expired)
    }

    /// True when a live suppression accepts the finding.
    pub fn suppressed(&self, f: &Finding) -> bool {
        matches!(self.verdict(f), Verdict::Applies(_))
    }

    /// How each suppression stands against these findings.
    pub fn report<'f>(
        &self,
        findings: impl Iterator<Item = &'f Finding> + Clone,
    ) -> Vec<SuppressionReport> {
        self.suppress
            .iter()
            .map(|s| {
                let matched = findings.clone().filter(|f| Self::matches(s, f)).count();
                let status = match (matched, self.live(s)) {
                    (0, _) => SuppressionStatus::Unused,
                    (_, true) => SuppressionStatus::Applied,
                    (_, false) => SuppressionStatus::Expired,
                };
                SuppressionReport {
                    id: s.id.clone(),
                    artifact: s.artifact.clone(),
                    locator: s.locator.clone(),
                    reason: s.note.reason.clone(),
                    expires: s.note.expires.clone(),
                    source: s.note.source.clone(),
                    status,
                    matched,
                }
            })
            .collect()
    }
}

/// The date checks of expiry are made at: `--now` when given, else today (UTC).
pub fn today(now: Option<i64>) -> Date {
    now.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
        .date()
}

/// Text lines for people: each suppression and how it stands.
pub fn write_text(
    out: &mut dyn std::io::Write,
    reports: &[SuppressionReport],
) -> std::io::Result<()> {
    use oidc_triage::text::escape_control as esc;
    if reports.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nsuppressions ({}):", reports.len())?;
    for r in reports {
        let until = r
            .expires
            .as_deref()
            .map(|d| format!(" until {d}"))
            .unwrap_or_default();
        let what = match r.status {
            SuppressionStatus::Applied => format!("suppressed ({} finding(s))", r.matched),
            SuppressionStatus::Expired => {
                format!(
                    "EXPIRED — no longer applies; {} finding(s) count again",
                    r.matched
                )
            }
            SuppressionStatus::Unused => "matched nothing".to_owned(),
        };
        writeln!(
            out,
            "  {} at {}{}: {what} — {}{until} ({})",
            esc(&r.id),
            r.artifact
                .as_deref()
                .map(|a| format!("{} ", esc(a)))
                .unwrap_or_default(),
            esc(&r.locator),
            esc(&r.reason),
            esc(&r.source)
        )?;
    }
    Ok(())
}
