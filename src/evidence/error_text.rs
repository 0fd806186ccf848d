//! A bare error message pasted alone (kind `error-text`): an AADSTS error copied from a
//! ticket, an STS refusal, a Vault login error, a google-github-actions/auth failure —
//! a few lines, no job log around them. It is placed exactly as the same line in a job
//! log would be: the message catalogue, the analysis and the placement are the job log's
//! (`ci_log::messages`, `ci_log::analysis`, `ci_log::place`; sources cited there, one
//! entry per row of `docs/reference/errors.md`).
//!
//! What it does not claim: anything a job log reader claims (job logs are tried first,
//! and this checks again), JSON documents (trust policies, CloudTrail, claim sets and
//! API responses have their own readers), YAML documents (workflow files), inputs over
//! 64 KiB or over 20 non-empty lines (`ci_log::ERROR_TEXT_MAX_LINES`: past that a paste
//! with a catalogued message is a generic log), and text without a catalogued message.

use super::ci_log::analysis::{Analysis, Analyzer, Marker};
use super::ci_log::{self, place};
use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Origin, Recognition,
    SharedFacts,
};
use crate::token::platform::Platform;

/// The largest paste read as an error text.
const MAX_ERROR_TEXT_BYTES: usize = 64 * 1024;

/// Recognises a catalogued error message pasted alone.
pub struct ErrorTextSource;

impl EvidenceSource for ErrorTextSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::ErrorText
    }

    fn recognise(&self, input: &Input) -> Recognition {
        match read(input) {
            Some(analysis) => Recognition::Loaded(Box::new(LoadedErrorText(analysis))),
            None => Recognition::NotMine,
        }
    }
}

/// The paste's catalogued lines, or `None` when it is not an error text.
fn read(input: &Input) -> Option<Analysis> {
    let bytes = &input.bytes;
    if matches!(input.origin, Origin::Directory(_))
        || input.truncated
        || bytes.len() > MAX_ERROR_TEXT_BYTES
        || bytes.contains(&0)
        || bytes.trim_ascii().is_empty()
        || ci_log::looks_like_json(bytes)
        || ci_log::log_platform(bytes).is_some()
    {
        return None;
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if ci_log::looks_like_yaml(text)
        || text.lines().filter(|l| !l.trim().is_empty()).count() > ci_log::ERROR_TEXT_MAX_LINES
    {
        return None;
    }
    let mut analyzer = Analyzer::default();
    for (i, line) in text.lines().enumerate() {
        // People paste the `Error: ` GitHub shows in front of the message.
        let line = line.strip_prefix("Error: ").unwrap_or(line);
        analyzer.feed(i + 1, None, line, Marker::Plain, "");
    }
    let analysis = analyzer.finish();
    (!analysis.events.is_empty() || !analysis.claims.is_empty()).then_some(analysis)
}

struct LoadedErrorText(Analysis);

impl LoadedArtifact for LoadedErrorText {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::ErrorText
    }

    fn note(&self) -> Option<String> {
        let keys: Vec<&str> = self.0.events.iter().map(|e| e.message.key).collect();
        Some(format!(
            "{} line(s); message(s): {}",
            self.0.lines,
            if keys.is_empty() {
                "azure/login token details".to_owned()
            } else {
                keys.join(", ")
            }
        ))
    }

    fn share(&self, artifact: &str, facts: &mut SharedFacts) {
        place::share(&self.0, artifact, facts);
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        place::contribute(
            &self.0,
            place::Origin {
                artifact,
                platform: Platform::Generic,
            },
            facts,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::diagnosis::{DiagnoseOptions, diagnose};
    use crate::vocabulary::{Outcome, Stage, StageStatus};

    fn recognised(text: &str) -> bool {
        matches!(
            ErrorTextSource.recognise(&Input::pasted("paste", text)),
            Recognition::Loaded(_)
        )
    }

    fn stopped(text: &str) -> (Option<Stage>, Vec<&'static str>) {
        let d = diagnose(
            &[Input::pasted("paste", text)],
            &DiagnoseOptions::default(),
            || Clock::fixed(1_772_446_500),
        );
        assert_eq!(d.artifacts[0].kind, ArtifactKind::ErrorText, "{text}");
        (d.stopped_at, d.findings.iter().map(|f| f.id).collect())
    }

    #[test]
    fn a_pasted_aadsts_error_fails_trust() {
        let (stop, ids) = stopped(
            "AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/web:environment:Production'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. Trace ID: 8335980a Correlation ID: c3a1f4bb Timestamp: 2024-05-31 14:26:23Z",
        );
        assert_eq!(stop, Some(Stage::Trust));
        assert_eq!(ids, vec!["trust.azure.subject-mismatch"]);
    }

    #[test]
    fn a_pasted_sts_error_with_githubs_error_prefix_fails_trust() {
        let (stop, ids) = stopped(
            "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n",
        );
        assert_eq!(stop, Some(Stage::Trust));
        assert_eq!(ids, vec!["trust.aws.not-authorized"]);
    }

    #[test]
    fn vault_cli_output_is_an_error_text() {
        let text = "Error writing data to auth/jwt/login: Error making API request.\n\nURL: PUT https://vault.example.com/v1/auth/jwt/login\nCode: 400. Errors:\n\n* error validating token: invalid audience (aud) claim: audience claim does not match any expected audience\n";
        let (stop, ids) = stopped(text);
        assert_eq!(stop, Some(Stage::Trust));
        assert_eq!(ids, vec!["trust.vault.audience-mismatch"]);
    }

    #[test]
    fn a_pasted_missing_permission_fails_the_workflow() {
        let (stop, ids) = stopped(
            "Error: Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable",
        );
        assert_eq!(stop, Some(Stage::Workflow));
        assert_eq!(ids, vec!["workflow.github.missing-id-token-permission"]);
    }

    #[test]
    fn what_it_does_not_claim() {
        // JSON documents, even ones quoting a catalogued message.
        assert!(!recognised(
            r#"{"errors":["error validating token: invalid audience (aud) claim"]}"#
        ));
        assert!(!recognised(
            r#"[{"errorMessage":"Not authorized to perform sts:AssumeRoleWithWebIdentity"}]"#
        ));
        // YAML.
        assert!(!recognised(
            "jobs:\n  deploy:\n    steps:\n      - run: echo 'Not authorized to perform sts:AssumeRoleWithWebIdentity'\n"
        ));
        // Job logs (they are the job log reader's).
        assert!(!recognised(
            "2026-03-02T10:14:21.1234567Z ##[group]Run aws-actions/configure-aws-credentials@v4\n2026-03-02T10:14:22.1234567Z ##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n"
        ));
        // Text without a catalogued message, empty input, long pastes.
        assert!(!recognised("it does not work, please help"));
        assert!(!recognised("  \n"));
        let long = "Not authorized to perform sts:AssumeRoleWithWebIdentity\n"
            .repeat(ci_log::ERROR_TEXT_MAX_LINES + 1);
        assert!(!recognised(&long));
    }

    #[test]
    fn a_success_line_alone_passes_its_stage() {
        let d = diagnose(
            &[Input::pasted(
                "paste",
                "Authenticated as assumedRoleId AROAEXAMPLEID:GitHubActions",
            )],
            &DiagnoseOptions::default(),
            || Clock::fixed(0),
        );
        let role = &d.stages[Stage::Role.index()];
        assert_eq!(role.status, StageStatus::Passed);
        assert!(role.evidence.iter().any(|e| e.outcome == Outcome::Pass));
    }
}
