//! Play / Break where the learner breaks it: a [`Bench`] holds one scenario's artifacts
//! and the learner's changes — claim edits (a pull request's subject, another audience)
//! and edited lines of the trust configuration — and runs the real engine
//! ([`crate::diagnosis::diagnose`], with [`DiagnoseOptions::claim_edits`] and the edited
//! inputs) at the scenario's clock. The stage where the flow stops is the engine's
//! answer, never a script's; repairing (undoing the fault, or editing the line back or
//! right) and running again shows it pass.
//!
//! [`Bench::faults`] proposes faults that fit the scenario's own token and policy, so a
//! GitHub case offers a pull request subject and a GitLab case a feature branch.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::clock::Clock;
use crate::diagnosis::{ClaimEdit, DiagnoseOptions, Diagnosis, diagnose};
use crate::evidence::Input;
use crate::scenario::Scenario;

/// Artifact kinds that record what happened on the original run (logs, audit trails,
/// error text). Once the learner changes the path they describe a run that no longer
/// matches it, so a changed bench sets them aside and the engine predicts from the
/// token and the configuration alone ("runtime beats static" would otherwise let the
/// old run's success hide the new fault).
fn is_runtime(kind: &str) -> bool {
    kind.starts_with("ci-log/")
        || matches!(
            kind,
            "cloudtrail" | "gcp-audit-log" | "azure-signin-log" | "error-text"
        )
}

/// Artifact kinds whose lines a learner may edit (the trust configuration).
const TRUST_KINDS: &[&str] = &[
    "aws-trust-policy",
    "azure-federated-credential",
    "gcp-provider",
    "gcp-iam-policy",
    "vault-role",
    "policy-fragment",
];

/// One change to the path.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A claim of every token set to a value (`None` removes it).
    Claim { claim: String, value: Option<Value> },
    /// Line `line` (0-based) of input `input` replaced by `text`.
    Line {
        input: usize,
        line: usize,
        text: String,
    },
}

/// A named fault the learner can apply.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// What it stands for in the real world ("a pull request runs the deploy").
    pub label: String,
    pub change: Change,
}

/// A scenario under the learner's hands.
#[derive(Clone, Debug)]
pub struct Bench {
    scenario: Scenario,
    /// Kind of each input (as the engine recognised it on the scenario), by index.
    kinds: Vec<String>,
    /// The first token's claims as issued, for proposing faults.
    claims: serde_json::Map<String, Value>,
    /// Claim edits in the order made (a later edit of one claim replaces the earlier).
    edits: Vec<ClaimEdit>,
    /// Edited lines by (input, line).
    lines: BTreeMap<(usize, usize), String>,
}

fn owner_and_repo(sub: &str) -> Option<(usize, usize)> {
    // `repo:OWNER/REPO:…` or `project_path:GROUP/PROJECT:…`: the span of REPO.
    let colon = sub.find(':')? + 1;
    let rest = &sub[colon..];
    let slash = rest.find('/')?;
    let end = rest[slash + 1..]
        .find(':')
        .map_or(rest.len(), |e| slash + 1 + e);
    Some((colon + slash + 1, colon + end))
}

impl Bench {
    pub fn new(scenario: &Scenario, diagnosis: &Diagnosis) -> Bench {
        let claims = diagnosis
            .tokens
            .first()
            .map(|t| t.report.claims.0.clone())
            .unwrap_or_default();
        let kinds = scenario
            .inputs
            .iter()
            .map(|input| {
                diagnosis
                    .artifacts
                    .iter()
                    .find(|a| a.name == input.name)
                    .map(|a| a.kind.name().to_owned())
                    .unwrap_or_default()
            })
            .collect();
        Bench {
            scenario: scenario.clone(),
            kinds,
            claims,
            edits: Vec::new(),
            lines: BTreeMap::new(),
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// A claim of the token as issued.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }

    /// The claims a learner may edit: the token's string claims, `sub` and `aud` first.
    pub fn editable_claims(&self) -> Vec<String> {
        let mut names: Vec<String> = ["sub", "aud", "iss"]
            .iter()
            .filter(|c| self.claims.contains_key(**c))
            .map(|c| (*c).to_owned())
            .collect();
        for (name, value) in &self.claims {
            if value.is_string() && !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// Inputs whose lines may be edited: the trust configuration, as text.
    pub fn editable_inputs(&self, diagnosis: &Diagnosis) -> Vec<usize> {
        self.scenario
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, input)| {
                std::str::from_utf8(&input.bytes).is_ok()
                    && diagnosis.artifacts.iter().any(|a| {
                        a.name == input.name && TRUST_KINDS.contains(&a.kind.name().as_str())
                    })
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Input `input`'s lines with the learner's edits applied.
    pub fn lines(&self, input: usize) -> Vec<String> {
        let Some(raw) = self
            .scenario
            .inputs
            .get(input)
            .and_then(|i| std::str::from_utf8(&i.bytes).ok())
        else {
            return Vec::new();
        };
        raw.lines()
            .enumerate()
            .map(|(n, l)| {
                self.lines
                    .get(&(input, n))
                    .cloned()
                    .unwrap_or_else(|| l.to_owned())
            })
            .collect()
    }

    /// Faults that fit this scenario: a subject of another context, another audience,
    /// another issuer, and a trust line that pins a renamed repository.
    pub fn faults(&self, diagnosis: &Diagnosis) -> Vec<Fault> {
        let mut out = Vec::new();
        let text = |v: &str| Some(Value::String(v.to_owned()));
        if let Some(sub) = self.claims.get("sub").and_then(Value::as_str) {
            let changed = if sub.starts_with("repo:") {
                let prefix: Vec<&str> = sub.splitn(3, ':').collect();
                (prefix.len() == 3 && !sub.ends_with(":pull_request")).then(|| {
                    (
                        "a pull request runs the deploy job".to_owned(),
                        format!("{}:{}:pull_request", prefix[0], prefix[1]),
                    )
                })
            } else if let Some(at) = sub.find("ref:") {
                let end = sub[at + 4..].find(':').map_or(sub.len(), |e| at + 4 + e);
                let value = &sub[at + 4..end];
                let other = if value.starts_with("refs/") {
                    "refs/heads/feature-x"
                } else {
                    "feature-x"
                };
                Some((
                    "a feature branch runs the deploy job".to_owned(),
                    format!("{}{other}{}", &sub[..at + 4], &sub[end..]),
                ))
            } else if sub.contains("run_phase:apply") {
                Some((
                    "a speculative plan asks for the apply role".to_owned(),
                    sub.replace("run_phase:apply", "run_phase:plan"),
                ))
            } else {
                None
            };
            let changed = changed.or_else(|| {
                owner_and_repo(sub).map(|(s, e)| {
                    (
                        "another repository's job asks".to_owned(),
                        format!("{}{}-fork{}", &sub[..s], &sub[s..e], &sub[e..]),
                    )
                })
            });
            if let Some((label, value)) = changed {
                out.push(Fault {
                    label: format!("{label} (sub = {value})"),
                    change: Change::Claim {
                        claim: "sub".to_owned(),
                        value: text(&value),
                    },
                });
            }
        }
        if let Some(aud) = self.claims.get("aud") {
            let owner = self
                .claims
                .get("repository_owner")
                .and_then(Value::as_str)
                .unwrap_or("acme");
            let other = if aud.as_str() == Some("sts.amazonaws.com") {
                format!("https://github.com/{owner}")
            } else if aud.as_str() == Some("api://AzureADTokenExchange") {
                "sts.amazonaws.com".to_owned()
            } else {
                "api://AzureADTokenExchange".to_owned()
            };
            out.push(Fault {
                label: format!("the job asks for another audience (aud = {other})"),
                change: Change::Claim {
                    claim: "aud".to_owned(),
                    value: text(&other),
                },
            });
        }
        if self.claims.contains_key("iss") {
            let other = "https://gitlab.example.com";
            out.push(Fault {
                label: format!("a token from another issuer (iss = {other})"),
                change: Change::Claim {
                    claim: "iss".to_owned(),
                    value: text(other),
                },
            });
        }
        if let Some(fault) = self.renamed_repo_line(diagnosis) {
            out.push(fault);
        }
        out
    }

    /// A trust line naming the token's repository, with the repository renamed.
    fn renamed_repo_line(&self, diagnosis: &Diagnosis) -> Option<Fault> {
        let sub = self.claims.get("sub").and_then(Value::as_str)?;
        let (s, e) = owner_and_repo(sub)?;
        let repo = &sub[s..e];
        for input in self.editable_inputs(diagnosis) {
            for (n, line) in self.lines(input).iter().enumerate() {
                if let Some(at) = line.find(repo) {
                    let renamed = format!("{}{repo}-old{}", &line[..at], &line[at + repo.len()..]);
                    return Some(Fault {
                        label: format!(
                            "the trust rule still names the repository's old name ({} line {})",
                            self.scenario.inputs[input].name,
                            n + 1
                        ),
                        change: Change::Line {
                            input,
                            line: n,
                            text: renamed,
                        },
                    });
                }
            }
        }
        None
    }

    /// True when `change` is in effect.
    pub fn has(&self, change: &Change) -> bool {
        match change {
            Change::Claim { claim, value } => self
                .edits
                .iter()
                .any(|e| &e.claim == claim && &e.value == value),
            Change::Line { input, line, text } => self.lines.get(&(*input, *line)) == Some(text),
        }
    }

    /// Apply a change, or undo it when it is already in effect (the repair).
    pub fn toggle(&mut self, change: &Change) {
        if self.has(change) {
            match change {
                Change::Claim { claim, .. } => self.edits.retain(|e| &e.claim != claim),
                Change::Line { input, line, .. } => {
                    self.lines.remove(&(*input, *line));
                }
            }
        } else {
            self.apply(change.clone());
        }
    }

    /// Apply a change (replacing an earlier edit of the same claim or line).
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Claim { claim, value } => {
                self.edits.retain(|e| e.claim != claim);
                if self.claims.get(&claim) != value.as_ref() {
                    self.edits.push(ClaimEdit { claim, value });
                }
            }
            Change::Line { input, line, text } => {
                let original = self
                    .scenario
                    .inputs
                    .get(input)
                    .and_then(|i| std::str::from_utf8(&i.bytes).ok())
                    .and_then(|raw| raw.lines().nth(line).map(str::to_owned));
                if original.as_deref() == Some(text.as_str()) {
                    self.lines.remove(&(input, line));
                } else if original.is_some() {
                    self.lines.insert((input, line), text);
                }
            }
        }
    }

    /// A learner's claim edit: JSON when the text parses as JSON (a list, a number),
    /// else the text as a string; empty text removes the claim.
    pub fn edit_claim(&mut self, claim: &str, text: &str) {
        let value = if text.trim().is_empty() {
            None
        } else {
            Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
        };
        self.apply(Change::Claim {
            claim: claim.to_owned(),
            value,
        });
    }

    /// Drop every change.
    pub fn clear(&mut self) {
        self.edits.clear();
        self.lines.clear();
    }

    /// True when nothing is changed.
    pub fn pristine(&self) -> bool {
        self.edits.is_empty() && self.lines.is_empty()
    }

    /// The changes in effect, for the screen ("sub = …", "trust.json line 12 edited").
    pub fn changes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .edits
            .iter()
            .map(|e| match &e.value {
                Some(Value::String(s)) => format!("{} = {s}", e.claim),
                Some(v) => format!("{} = {v}", e.claim),
                None => format!("{} removed", e.claim),
            })
            .collect();
        for (input, line) in self.lines.keys() {
            let name = self
                .scenario
                .inputs
                .get(*input)
                .map_or("?", |i| i.name.as_str());
            out.push(format!("{name} line {} edited", line + 1));
        }
        out
    }

    /// The runtime inputs a changed bench sets aside (names), empty when pristine.
    pub fn set_aside(&self) -> Vec<&str> {
        if self.pristine() {
            return Vec::new();
        }
        self.scenario
            .inputs
            .iter()
            .zip(&self.kinds)
            .filter(|(_, k)| is_runtime(k))
            .map(|(i, _)| i.name.as_str())
            .collect()
    }

    fn inputs(&self) -> Vec<Input> {
        let changed = !self.pristine();
        self.scenario
            .inputs
            .iter()
            .enumerate()
            .filter(|(i, _)| !(changed && self.kinds.get(*i).is_some_and(|k| is_runtime(k))))
            .map(|(i, input)| {
                if !self.lines.keys().any(|(n, _)| *n == i) {
                    return input.clone();
                }
                let mut text = self.lines(i).join("\n");
                if input.bytes.ends_with(b"\n") {
                    text.push('\n');
                }
                let mut edited = input.clone();
                edited.size = text.len() as u64;
                edited.bytes = text.into_bytes();
                edited
            })
            .collect()
    }

    /// Run the engine on the changed path, at the scenario's clock.
    pub fn run(&self) -> Diagnosis {
        let now = self.scenario.now;
        let options = DiagnoseOptions {
            now: Some(now),
            claim_edits: self.edits.clone(),
            ..DiagnoseOptions::default()
        };
        diagnose(&self.inputs(), &options, || Clock::fixed(now))
    }
}
