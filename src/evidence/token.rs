//! Tokens and bare claim sets as evidence. A token proves the workflow stage (the job
//! ran and was allowed to ask for a token) and is the token stage's evidence: its
//! shape, times and signature.

use std::sync::Arc;

use serde_json::Value;

use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Recognition, SharedFacts,
    SharedToken, TokenView,
};
use crate::text::escape_control;
use crate::token::claims::Claims;
use crate::token::platform::Platform;
use crate::token::{Provenance, Token, TokenError, TokenReport, inspect_claims, inspect_token};
use crate::vocabulary::{Evidence, Outcome, Stage};

/// Recognises a JWT anywhere in the input.
pub struct TokenSource;

impl EvidenceSource for TokenSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Token
    }

    fn recognise(&self, input: &Input) -> Recognition {
        match Token::from_input(&input.bytes) {
            Ok(token) => Recognition::Loaded(Box::new(LoadedToken(Arc::new(token)))),
            Err(TokenError::NotFound { .. } | TokenError::Empty) => Recognition::NotMine,
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

struct LoadedToken(Arc<Token>);

impl LoadedArtifact for LoadedToken {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Token
    }

    fn note(&self) -> Option<String> {
        Some(format!("token at {}", self.0.form.locator()))
    }

    fn redacted_token(&self) -> Option<String> {
        Some(self.0.redacted())
    }

    fn share(&self, artifact: &str, facts: &mut SharedFacts) {
        facts.tokens.push(SharedToken {
            artifact: artifact.to_owned(),
            token: Arc::clone(&self.0),
        });
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        let jwks = facts.jwks.first();
        let from = Provenance {
            artifact,
            jwks_name: jwks.map(|(name, _)| name.as_str()),
        };
        let report = inspect_token(
            &self.0,
            jwks.map(|(_, j)| j.as_ref()),
            facts.clock,
            facts.skew,
            &from,
        );
        place(&report, artifact, self.0.form.locator(), out);
        out.tokens.push(TokenView {
            artifact: artifact.to_owned(),
            report,
        });
    }
}

/// Recognises a bare claim set (a decoded payload pasted from jwt.io, a doc, a log).
pub struct ClaimsSource;

impl EvidenceSource for ClaimsSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Claims
    }

    fn recognise(&self, input: &Input) -> Recognition {
        match Claims::sniff(&input.bytes) {
            Some(claims) => Recognition::Loaded(Box::new(LoadedClaims(claims))),
            None => Recognition::NotMine,
        }
    }
}

struct LoadedClaims(Claims);

impl LoadedArtifact for LoadedClaims {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Claims
    }

    fn share(&self, artifact: &str, facts: &mut SharedFacts) {
        facts.claims.push((artifact.to_owned(), self.0.clone()));
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        let from = Provenance {
            artifact,
            jwks_name: None,
        };
        let report = inspect_claims(&self.0, facts.clock, facts.skew, &from);
        place(&report, artifact, "claims".to_owned(), out);
        out.tokens.push(TokenView {
            artifact: artifact.to_owned(),
            report,
        });
    }
}

/// The report as evidence: the workflow stage passes (a token exists, so the job ran
/// and could ask for one); the token stage passes unless a finding proves otherwise.
fn place(report: &TokenReport, artifact: &str, locator: String, out: &mut Observations) {
    let claims = &report.claims;
    let platform = report.platform;
    let iat = report.times.iat.as_ref().map(|t| t.unix);
    out.evidence(
        Evidence::runtime(
            Stage::Workflow,
            Outcome::Pass,
            artifact,
            workflow_locator(platform, claims),
            workflow_summary(platform, claims),
        )
        .at(iat),
    );

    let alg = report
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("no alg");
    let issuer = claims
        .issuer()
        .map(|i| escape_control(i).into_owned())
        .unwrap_or_else(|| "no issuer".to_owned());
    let signature = match report.signature.verified {
        Some(true) => report.signature.reason.clone(),
        Some(false) => "signature FAILED".to_owned(),
        None if report.token.is_some() => "signature not checked".to_owned(),
        None => "claims only".to_owned(),
    };
    let shape = if report.token.is_some() {
        format!("{} JWT", escape_control(alg))
    } else {
        "claim set".to_owned()
    };
    let summary = format!(
        "{shape} from {} ({issuer}), {}; {}",
        platform.display(),
        report.times.summary,
        escape_control(&signature)
    );
    out.evidence(
        Evidence::runtime(Stage::Token, report.outcome(), artifact, locator, summary).at(iat),
    );

    for finding in &report.findings {
        out.finding(finding.clone());
    }
}

fn workflow_locator(platform: Platform, claims: &Claims) -> String {
    let claim = match platform {
        Platform::GithubActions if claims.get("run_id").is_some() => "$.run_id",
        Platform::Gitlab if claims.get("job_id").is_some() => "$.job_id",
        Platform::Buildkite if claims.get("job_id").is_some() => "$.job_id",
        Platform::TerraformCloud if claims.get("terraform_run_id").is_some() => {
            "$.terraform_run_id"
        }
        _ => "$.sub",
    };
    claim.to_owned()
}

fn workflow_summary(platform: Platform, claims: &Claims) -> String {
    let get = |name: &str| {
        claims
            .get(name)
            .map(|v| escape_control(&crate::token::claims::display_value(v)).into_owned())
    };
    let mut parts = Vec::new();
    for (label, claim) in [
        ("event", "event_name"),
        ("ref", "ref"),
        ("workflow", "workflow"),
        ("run", "run_id"),
        ("attempt", "run_attempt"),
        ("pipeline", "pipeline_id"),
        ("job", "job_id"),
        ("source", "pipeline_source"),
        ("pipeline", "pipeline_slug"),
        ("build", "build_number"),
        ("workspace", "terraform_workspace_name"),
        ("run", "terraform_run_id"),
        ("phase", "terraform_run_phase"),
    ] {
        if let Some(v) = get(claim) {
            parts.push(format!("{label} {v}"));
        }
    }
    let detail = if parts.is_empty() {
        get("sub")
            .map(|s| format!("subject {s}"))
            .unwrap_or_default()
    } else {
        parts.join(", ")
    };
    format!(
        "the job ran and obtained an ID token from {}: {detail}",
        platform.display()
    )
}
