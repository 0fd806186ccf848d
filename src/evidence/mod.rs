//! Everything the user pastes or names becomes evidence here. An [`EvidenceSource`]
//! recognises its kind of input by content and loads it; the loaded artifact first
//! shares facts other artifacts need (tokens, keys, event times), then places evidence
//! and findings on the stages. Adding a format means one more source in [`sources`];
//! the engine in `diagnosis` does not change.

mod aadsts;
mod artifact;
pub mod azure_signin;
pub mod ci_log;
pub mod cloudtrail;
mod contributions;
pub mod error_text;
pub mod gcp_audit;
mod jwks;
pub(crate) mod logs;
pub mod meter;
pub mod policy;
mod token;
pub mod workflow;

use std::error::Error;
use std::sync::Arc;

pub use artifact::{
    ArtifactKind, ArtifactSummary, HEAD_BYTES, Input, InputError, MAX_INPUT_BYTES, OneShot, Origin,
    STREAM_THRESHOLD,
};

use crate::clock::Clock;
use crate::token::claims::Claims;
use crate::token::jwt::Token;
use crate::token::verify::Jwks;
use crate::vocabulary::{Evidence, Finding, NextEvidence};
pub use contributions::{TokenView, TrustSummary, WhatIf};

/// A recogniser and loader of one kind of input.
pub trait EvidenceSource: Send + Sync {
    /// The kind it recognises (listed in `tried` when nothing recognises an input).
    fn kind(&self) -> ArtifactKind;
    /// Recognise the input by content, and load it if it is of this kind.
    fn recognise(&self, input: &Input) -> Recognition;
    /// Second chance, once no source recognised the input: claim a damaged input
    /// (broken JSON) that still carries this kind's key names, so the user gets the
    /// parse error with its line and column instead of "not recognised".
    fn recognise_damaged(&self, _input: &Input) -> Recognition {
        Recognition::NotMine
    }
}

/// What a source made of an input.
pub enum Recognition {
    /// Not this kind: the next source is tried.
    NotMine,
    /// This kind, loaded.
    Loaded(Box<dyn LoadedArtifact>),
    /// This kind, but unusable: the error says what was wrong and where.
    Broken(Box<dyn Error + Send + Sync>),
}

/// A loaded artifact.
pub trait LoadedArtifact: Send + Sync {
    /// Its kind (a source may load several related kinds).
    fn kind(&self) -> ArtifactKind;
    /// How it was read, for the artifact list.
    fn note(&self) -> Option<String> {
        None
    }
    /// For a token: its redacted form (`header.payload.<redacted>`).
    fn redacted_token(&self) -> Option<String> {
        None
    }
    /// Publish what other artifacts need: tokens, keys, event times.
    fn share(&self, _artifact: &str, _facts: &mut SharedFacts) {}
    /// Place evidence and findings on the stages.
    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations);
}

/// A token together with the artifact it came from.
#[derive(Clone, Debug)]
pub struct SharedToken {
    pub artifact: String,
    pub token: Arc<Token>,
}

/// Facts artifacts publish for each other, and the settings of this diagnosis.
#[derive(Clone, Debug)]
pub struct SharedFacts {
    pub tokens: Vec<SharedToken>,
    /// Bare claim sets (a pasted payload, claims printed by a log).
    pub claims: Vec<(String, Claims)>,
    /// Key sets, named by where they came from (`--jwks jwks.json`, an input).
    pub jwks: Vec<(String, Arc<Jwks>)>,
    /// Times of runtime events (log lines, CloudTrail events), Unix seconds.
    pub event_times: Vec<i64>,
    /// GCP providers, for the service account IAM policy's principal mapping.
    pub gcp_providers: Vec<(String, Arc<crate::policy::gcp::GcpProvider>)>,
    /// What the user narrowed the diagnosis to (`--role`, `--subject`, `--since`, `--until`).
    pub filters: Filters,
    /// The clock checks are made at; resolved after every artifact has shared.
    pub clock: Clock,
    /// Allowed clock skew in seconds.
    pub skew: i64,
}

/// Narrowing of one diagnosis to one path (docs/design.md: an export with many roles or
/// subjects is narrowed by the token, else by these, else to the most recent failure).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// `--role ARN`.
    pub role: Option<String>,
    /// `--subject SUB`.
    pub subject: Option<String>,
    /// `--since`, Unix seconds.
    pub since: Option<i64>,
    /// `--until`, Unix seconds.
    pub until: Option<i64>,
}

/// What the artifacts observed, collected for the engine.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    pub evidence: Vec<Evidence>,
    pub findings: Vec<Finding>,
    pub next_evidence: Vec<NextEvidence>,
    pub trust: Option<TrustSummary>,
    pub what_if: Vec<WhatIf>,
    /// Each token or claim set as decoded, for the front ends' claims table.
    pub tokens: Vec<TokenView>,
    /// Evidence already recorded, so a finding's proof is placed once (a policy with
    /// thousands of rules must not make this quadratic).
    seen: std::collections::HashSet<Evidence>,
}

impl Observations {
    /// Record evidence.
    pub fn evidence(&mut self, evidence: Evidence) {
        if self.seen.insert(evidence.clone()) {
            self.evidence.push(evidence);
        }
    }

    /// Record a finding; its proving evidence is placed on its stage too.
    pub fn finding(&mut self, finding: Finding) {
        for e in &finding.evidence {
            self.evidence(e.clone());
        }
        self.findings.push(finding);
    }

    /// Suggest what to collect next, once.
    pub fn next(&mut self, what: impl Into<String>, command: impl Into<String>) {
        let next = NextEvidence {
            what: what.into(),
            command: command.into(),
        };
        if !self.next_evidence.contains(&next) {
            self.next_evidence.push(next);
        }
    }
}

/// Every evidence source, most specific first: structured formats before the token
/// finder, which would otherwise claim any text that holds a token.
pub fn sources() -> Vec<Box<dyn EvidenceSource>> {
    let mut sources: Vec<Box<dyn EvidenceSource>> = vec![Box::new(jwks::JwksSource)];
    {
        for trust in policy::trust_sources() {
            sources.push(Box::new(trust));
        }
        sources.push(Box::new(policy::GcpProviderSource));
        sources.push(Box::new(policy::GcpIamPolicySource));
    }
    // Exports and logs before the token finder: a log that holds a token is a log
    // (its source shares the token), not a bare token.
    sources.push(Box::new(cloudtrail::CloudTrailSource));
    sources.push(Box::new(gcp_audit::GcpAuditLogSource));
    sources.push(Box::new(azure_signin::AzureSigninSource));
    sources.push(Box::new(workflow::WorkflowFileSource));
    sources.push(Box::new(ci_log::CiLogSource));
    sources.push(Box::new(error_text::ErrorTextSource));
    sources.push(Box::new(token::ClaimsSource));
    sources.push(Box::new(token::TokenSource));
    sources
}

/// An input after recognition: its summary and, if usable, the loaded artifact.
pub struct Recognised {
    pub summary: ArtifactSummary,
    pub loaded: Option<Box<dyn LoadedArtifact>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Intact,
    Damaged,
}

/// Recognise one input with the given sources: every source on its own terms first,
/// then the damaged-input fallbacks.
pub fn recognise(input: &Input, sources: &[Box<dyn EvidenceSource>]) -> Recognised {
    let mut summary = ArtifactSummary {
        name: input.name.clone(),
        kind: ArtifactKind::Unrecognised,
        size: usize::try_from(input.size).unwrap_or(usize::MAX),
        error: None,
        tried: Vec::new(),
        preview: None,
        note: None,
        token: None,
    };
    for pass in [Pass::Intact, Pass::Damaged] {
        for source in sources {
            let recognition = match pass {
                Pass::Intact => source.recognise(input),
                Pass::Damaged => source.recognise_damaged(input),
            };
            match recognition {
                Recognition::NotMine => {
                    if pass == Pass::Intact {
                        summary.tried.push(source.kind());
                    }
                }
                Recognition::Loaded(loaded) => {
                    summary.kind = loaded.kind();
                    summary.note = loaded.note();
                    summary.token = loaded.redacted_token();
                    summary.tried.clear();
                    return Recognised {
                        summary,
                        loaded: Some(loaded),
                    };
                }
                Recognition::Broken(error) => {
                    summary.kind = source.kind();
                    summary.error =
                        Some(crate::text::escape_control(&error.to_string()).into_owned());
                    summary.tried.clear();
                    return Recognised {
                        summary,
                        loaded: None,
                    };
                }
            }
        }
    }
    summary.preview = Some(crate::text::escape_bytes_preview(&input.bytes, 16));
    Recognised {
        summary,
        loaded: None,
    }
}
