//! Inspection of one decoded token (or a bare claim set): platform, subject, times,
//! signature, audience and the findings they prove. `decode` prints this report; the
//! token evidence source turns it into evidence on the workflow and token stages.

use serde::Serialize;
use serde_json::{Map, Value};

use super::audience::{CloudAudience, cloud_audiences};
use super::claims::Claims;
use super::jwt::Token;
use super::locate::PasteForm;
use super::platform::{ClaimNote, Platform, Subject, SubjectContext, claim_notes, parse_subject};
use super::verify::{Jwks, SignatureCheck, SignatureFailure, check_signature};
use crate::clock::{Clock, ClockSource, format_relative, format_span, format_utc};
use crate::text::escape_control;
use crate::vocabulary::catalog::*;
use crate::vocabulary::{Evidence, Finding, Outcome, Severity, Stage};

/// Schema name of `decode --format json`.
pub const DECODE_SCHEMA: &str = "oidc-triage/decode/v1";

/// One time claim, absolute and relative.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimeClaim {
    pub unix: i64,
    pub utc: String,
    pub relative: String,
}

/// Whether the token is valid at the diagnosis clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeStatus {
    Valid,
    Expired,
    NotYetValid,
    NoExpiry,
    Invalid,
}

/// The token's times at the diagnosis clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Times {
    pub now: String,
    pub clock: ClockSource,
    pub skew_seconds: i64,
    pub iat: Option<TimeClaim>,
    pub nbf: Option<TimeClaim>,
    pub exp: Option<TimeClaim>,
    pub lifetime_seconds: Option<i64>,
    pub status: TimeStatus,
    /// "expired 4m12s ago", "valid for 3m".
    pub summary: String,
}

/// The audience section: the values, and each cloud's default expectation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AudienceReport {
    pub values: Vec<String>,
    pub clouds: Vec<CloudAudience>,
}

/// Everything `decode` shows about a token.
#[derive(Clone, Debug, Serialize)]
pub struct TokenReport {
    pub schema: &'static str,
    /// `header.payload.<redacted>`; `null` for a bare claim set.
    pub token: Option<String>,
    /// How the token sat in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<PasteForm>,
    pub header: Map<String, Value>,
    pub claims: Claims,
    pub platform: Platform,
    pub subject: Option<Subject>,
    pub times: Times,
    pub signature: SignatureCheck,
    pub audience: AudienceReport,
    pub claim_notes: Vec<ClaimNote>,
    pub findings: Vec<Finding>,
}

impl TokenReport {
    /// True when a finding proves the token unusable (an `error`).
    pub fn has_error(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// What the token says of its stage as evidence: it fails when an error finding
    /// proves it unusable.
    pub fn outcome(&self) -> Outcome {
        if self.has_error() {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }
}

/// Where the token came from, for evidence locators.
pub struct Provenance<'a> {
    pub artifact: &'a str,
    /// The JWKS's name, when one was given.
    pub jwks_name: Option<&'a str>,
}

/// Inspect a decoded token.
pub fn inspect_token(
    token: &Token,
    jwks: Option<&Jwks>,
    clock: Clock,
    skew: i64,
    from: &Provenance<'_>,
) -> TokenReport {
    let signature = check_signature(token, jwks);
    let mut report = inspect_parts(
        Some(token),
        &token.header,
        &token.claims,
        signature,
        clock,
        skew,
        from,
    );
    if token.others > 0 {
        report.findings.push(
            TOKEN_SEVERAL_TOKENS
                .reason()
                .with("count", token.others)
                .finding()
                .with_evidence(Evidence::runtime(
                    Stage::Token,
                    Outcome::Info,
                    from.artifact,
                    token.form.locator(),
                    "first of several tokens",
                )),
        );
    }
    report
}

/// Inspect a bare claim set (no header, no signature).
pub fn inspect_claims(
    claims: &Claims,
    clock: Clock,
    skew: i64,
    from: &Provenance<'_>,
) -> TokenReport {
    let signature = SignatureCheck {
        verified: None,
        kid: None,
        key: None,
        reason: "no signature: only the claims were given".to_owned(),
        failure: None,
    };
    inspect_parts(None, &Map::new(), claims, signature, clock, skew, from)
}

fn claim_time(
    claims: &Claims,
    name: &'static str,
    now: i64,
    findings: &mut Vec<Finding>,
    from: &Provenance<'_>,
) -> Option<TimeClaim> {
    match claims.time(name) {
        Ok(Some(unix)) => Some(TimeClaim {
            unix,
            utc: format_utc(unix),
            relative: format_relative(unix, now),
        }),
        Ok(None) => None,
        Err(e) => {
            findings.push(
                TOKEN_BAD_TIME_CLAIM
                    .reason()
                    .with("error", &e)
                    .finding()
                    .with_evidence(Evidence::runtime(
                        Stage::Token,
                        Outcome::Fail,
                        from.artifact,
                        format!("$.{name}"),
                        e.to_string(),
                    )),
            );
            None
        }
    }
}

fn times(
    claims: &Claims,
    clock: Clock,
    skew: i64,
    findings: &mut Vec<Finding>,
    from: &Provenance<'_>,
) -> Times {
    let now = clock.now;
    let iat = claim_time(claims, "iat", now, findings, from);
    let nbf = claim_time(claims, "nbf", now, findings, from);
    let exp = claim_time(claims, "exp", now, findings, from);
    let lifetime_seconds = match (&iat, &exp) {
        (Some(i), Some(e)) => Some(e.unix.saturating_sub(i.unix)),
        _ => None,
    };
    let on_wall_clock = clock.source == ClockSource::WallClock;
    let clock_words = match clock.source {
        ClockSource::Flag => "at --now",
        ClockSource::Event => "at the time of the runtime event",
        ClockSource::WallClock => "against this machine's clock",
    };
    let valid_from = match (&nbf, &iat) {
        (Some(n), _) => Some(("nbf", n.unix)),
        (None, Some(i)) => Some(("iat", i.unix)),
        _ => None,
    };

    let check = TimeCheck {
        now,
        skew,
        severity: if on_wall_clock {
            Severity::Warning
        } else {
            Severity::Error
        },
        clock_words,
        artifact: from.artifact,
    };
    let (status, summary) =
        if findings.iter().any(|f| f.id == TOKEN_BAD_TIME_CLAIM.id) {
            (
                TimeStatus::Invalid,
                "a time claim is not a number".to_owned(),
            )
        } else if let Some(exp) = &exp {
            let past = now.saturating_sub(exp.unix);
            if past > skew {
                findings.push(check.expired(exp, past));
                (
                    TimeStatus::Expired,
                    format!("expired {} ago", format_span(past)),
                )
            } else if let Some((name, from_time)) =
                valid_from.filter(|(_, t)| t.saturating_sub(now) > skew)
            {
                let span = format_span(from_time.saturating_sub(now));
                findings.push(check.not_yet_valid(name, from_time));
                (
                    TimeStatus::NotYetValid,
                    format!("not valid for another {span}"),
                )
            } else if past > 0 {
                (
                    TimeStatus::Valid,
                    format!("expired {} ago, within the {skew}s skew", format_span(past)),
                )
            } else {
                (
                    TimeStatus::Valid,
                    format!("valid for {}", format_span(-past)),
                )
            }
        } else {
            findings.push(TOKEN_MISSING_EXPIRY.reason().finding().with_evidence(
                Evidence::runtime(
                    Stage::Token,
                    Outcome::Fail,
                    from.artifact,
                    "$.exp",
                    "no exp claim",
                ),
            ));
            (TimeStatus::NoExpiry, "no expiry".to_owned())
        };

    Times {
        now: format_utc(now),
        clock: clock.source,
        skew_seconds: skew,
        iat,
        nbf,
        exp,
        lifetime_seconds,
        status,
        summary,
    }
}

/// How the token's times are judged: against which clock, with which skew, and how
/// serious a failure is (only a warning against this machine's own clock).
struct TimeCheck<'a> {
    now: i64,
    skew: i64,
    severity: Severity,
    clock_words: &'static str,
    artifact: &'a str,
}

impl TimeCheck<'_> {
    fn outcome(&self) -> Outcome {
        if self.severity == Severity::Error {
            Outcome::Fail
        } else {
            Outcome::Info
        }
    }

    /// `exp` is more than the skew in the past.
    fn expired(&self, exp: &TimeClaim, past: i64) -> Finding {
        let span = format_span(past);
        let reason = TOKEN_EXPIRED
            .reason()
            .with("span", &span)
            .with("clock", self.clock_words)
            .with("exp", &exp.utc)
            .with("skew", self.skew);
        let reason = if self.severity == Severity::Warning {
            reason.cause("wall-clock").fix("wall-clock")
        } else {
            reason
        };
        reason
            .finding()
            .with_severity(self.severity)
            .with_evidence(Evidence::runtime(
                Stage::Token,
                self.outcome(),
                self.artifact,
                "$.exp",
                format!("exp {} is {span} before {}", exp.utc, format_utc(self.now)),
            ))
    }

    /// `nbf` (or `iat`) is more than the skew in the future.
    fn not_yet_valid(&self, name: &str, from_time: i64) -> Finding {
        let span = format_span(from_time.saturating_sub(self.now));
        TOKEN_NOT_YET_VALID
            .reason()
            .with("claim", name)
            .with("span", &span)
            .with("clock", self.clock_words)
            .with("skew", self.skew)
            .finding()
            .with_severity(self.severity)
            .with_evidence(Evidence::runtime(
                Stage::Token,
                self.outcome(),
                self.artifact,
                format!("$.{name}"),
                format!(
                    "{name} {} is {span} after {}",
                    format_utc(from_time),
                    format_utc(self.now)
                ),
            ))
    }
}

fn header_findings(token: Option<&Token>, findings: &mut Vec<Finding>, from: &Provenance<'_>) {
    let Some(token) = token else { return };
    let alg = token.alg().unwrap_or("none");
    let shown = escape_control(alg).into_owned();
    let rule = if alg.eq_ignore_ascii_case("none") || token.signature_len() == 0 {
        Some(TOKEN_UNSIGNED)
    } else if alg.starts_with("HS") {
        Some(TOKEN_HMAC_SIGNED)
    } else {
        None
    };
    if let Some(rule) = rule {
        findings.push(rule.reason().with("alg", &shown).finding().with_evidence(
            Evidence::runtime(
                Stage::Token,
                Outcome::Info,
                from.artifact,
                "header.alg",
                format!("alg {shown}"),
            ),
        ));
    }
    if let Some(crit) = token.header.get("crit") {
        let crit = escape_control(&crit.to_string()).into_owned();
        findings.push(
            TOKEN_CRIT_HEADER
                .reason()
                .with("crit", &crit)
                .finding()
                .with_evidence(Evidence::runtime(
                    Stage::Token,
                    Outcome::Info,
                    from.artifact,
                    "header.crit",
                    format!("crit {crit}"),
                )),
        );
    }
}

fn signature_findings(
    token: Option<&Token>,
    signature: &SignatureCheck,
    findings: &mut Vec<Finding>,
    from: &Provenance<'_>,
) {
    let Some(_) = token else {
        findings.push(
            TOKEN_SIGNATURE_UNCHECKED
                .reason()
                .cause("claims-only")
                .fix("claims-only")
                .finding()
                .with_evidence(Evidence::runtime(
                    Stage::Token,
                    Outcome::Info,
                    from.artifact,
                    "claims",
                    "bare claims, no signature",
                )),
        );
        return;
    };
    let jwks = from.jwks_name.unwrap_or("the JWKS");
    let evidence = |outcome, summary: &str| {
        Evidence::runtime(
            Stage::Token,
            outcome,
            from.artifact,
            "signature",
            summary.to_owned(),
        )
    };
    match (signature.verified, signature.failure) {
        // A JWKS was given, but the token must not count as verified (HMAC, `crit`):
        // the warning findings of the header say why.
        (None, _) if from.jwks_name.is_some() => findings.push(
            TOKEN_SIGNATURE_UNCHECKED
                .reason()
                .with("reason", escape_control(&signature.reason))
                .cause("not-verifiable")
                .fix("not-verifiable")
                .finding()
                .with_evidence(evidence(Outcome::Info, "signature not verified")),
        ),
        (None, _) => findings.push(
            TOKEN_SIGNATURE_UNCHECKED
                .reason()
                .finding()
                .with_evidence(evidence(Outcome::Info, "signature not checked")),
        ),
        (Some(true), _) => {}
        (Some(false), failure) => {
            let rule = match failure {
                Some(SignatureFailure::KeyNotFound) => TOKEN_KEY_NOT_FOUND,
                Some(SignatureFailure::AlgorithmNotAllowed) => TOKEN_ALGORITHM_NOT_ALLOWED,
                _ => TOKEN_SIGNATURE_INVALID,
            };
            let reason = escape_control(&signature.reason).into_owned();
            findings.push(
                rule.reason()
                    .with("reason", &reason)
                    .with("jwks", jwks)
                    .finding()
                    .with_evidence(evidence(Outcome::Fail, &reason)),
            );
        }
    }
}

fn claim_findings(
    platform: Platform,
    claims: &Claims,
    subject: Option<&Subject>,
    findings: &mut Vec<Finding>,
    from: &Provenance<'_>,
) {
    let missing: Vec<&str> = ["iss", "sub", "aud"]
        .into_iter()
        .filter(|c| claims.get(c).is_none())
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        findings.push(
            TOKEN_MISSING_CLAIM
                .reason()
                .with("claims", &list)
                .finding()
                .with_evidence(Evidence::runtime(
                    Stage::Token,
                    Outcome::Fail,
                    from.artifact,
                    format!("$.{}", missing[0]),
                    format!("missing {list}"),
                )),
        );
    }
    if let Some(iss) = claims.issuer() {
        if iss != iss.trim() {
            findings.push(TOKEN_ISSUER_WHITESPACE.reason().finding().with_evidence(
                Evidence::runtime(
                    Stage::Token,
                    Outcome::Info,
                    from.artifact,
                    "$.iss",
                    format!("iss {:?}", escape_control(iss)),
                ),
            ));
        }
        if platform == Platform::Generic {
            findings.push(
                TOKEN_UNKNOWN_ISSUER
                    .reason()
                    .with("issuer", escape_control(iss))
                    .finding()
                    .with_evidence(Evidence::runtime(
                        Stage::Token,
                        Outcome::Info,
                        from.artifact,
                        "$.iss",
                        "generic OIDC issuer",
                    )),
            );
        }
    }
    if platform == Platform::GithubActions {
        github_claim_findings(claims, subject, findings, from);
    }
    if platform == Platform::Gitlab {
        gitlab_claim_findings(claims, findings, from);
    }
}

/// GitHub: a token requested without an audience, and tokens of pull request runs.
fn github_claim_findings(
    claims: &Claims,
    subject: Option<&Subject>,
    findings: &mut Vec<Finding>,
    from: &Provenance<'_>,
) {
    for aud in claims.audiences() {
        if aud.starts_with("https://github.com/") || aud.contains("/_services/") {
            findings.push(
                TOKEN_GITHUB_DEFAULT_AUDIENCE
                    .reason()
                    .with("aud", escape_control(aud))
                    .finding()
                    .with_evidence(Evidence::runtime(
                        Stage::Token,
                        Outcome::Info,
                        from.artifact,
                        "$.aud",
                        format!("aud {}", escape_control(aud)),
                    )),
            );
        }
    }
    let event = claims.str("event_name").unwrap_or_default();
    let pr_subject = matches!(
        subject.map(|s| &s.context),
        Some(SubjectContext::PullRequest)
    );
    if event == "pull_request_target" {
        findings.push(
            WORKFLOW_GITHUB_PULL_REQUEST_TARGET
                .reason()
                .cause("token")
                .fix("token")
                .finding()
                .with_evidence(Evidence::runtime(
                    Stage::Workflow,
                    Outcome::Info,
                    from.artifact,
                    "$.event_name",
                    "event_name pull_request_target",
                )),
        );
    } else if event == "pull_request" || pr_subject {
        findings.push(
            WORKFLOW_GITHUB_PULL_REQUEST_RUN
                .reason()
                .cause("token")
                .fix("token")
                .finding()
                .with_evidence(Evidence::runtime(
                    Stage::Workflow,
                    Outcome::Info,
                    from.artifact,
                    if pr_subject { "$.sub" } else { "$.event_name" },
                    "pull request run",
                )),
        );
    }
}

/// GitLab: tokens of merge request pipelines.
fn gitlab_claim_findings(claims: &Claims, findings: &mut Vec<Finding>, from: &Provenance<'_>) {
    // GitLab names the pipeline's trigger in `pipeline_source`; a merge request
    // pipeline's token carries the source branch's ordinary subject, so only this claim
    // tells it apart (https://docs.gitlab.com/ci/secrets/id_token_authentication/ ,
    // https://docs.gitlab.com/ci/jobs/job_rules/ for the `merge_request_event` value).
    if claims.str("pipeline_source") != Some("merge_request_event") {
        return;
    }
    let branch = claims
        .str("ref")
        .map(|r| format!(" (source branch `{}`)", escape_control(r)))
        .unwrap_or_default();
    findings.push(
        WORKFLOW_GITLAB_MERGE_REQUEST_RUN
            .reason()
            .with("branch", &branch)
            .cause("token")
            .fix("token")
            .finding()
            .with_evidence(Evidence::runtime(
                Stage::Workflow,
                Outcome::Info,
                from.artifact,
                "$.pipeline_source",
                "merge request pipeline",
            )),
    );
}

fn inspect_parts(
    token: Option<&Token>,
    header: &Map<String, Value>,
    claims: &Claims,
    signature: SignatureCheck,
    clock: Clock,
    skew: i64,
    from: &Provenance<'_>,
) -> TokenReport {
    let platform = Platform::detect(claims);
    let subject = claims.subject().map(|sub| parse_subject(platform, sub));
    let mut findings = Vec::new();
    header_findings(token, &mut findings, from);
    signature_findings(token, &signature, &mut findings, from);
    let times = times(claims, clock, skew, &mut findings, from);
    claim_findings(platform, claims, subject.as_ref(), &mut findings, from);
    let audiences = claims.audiences();
    let audience = AudienceReport {
        values: audiences.iter().map(|a| (*a).to_owned()).collect(),
        clouds: cloud_audiences(&audiences),
    };
    let claim_notes = claim_notes(platform, claims, subject.as_ref());
    findings.sort_by_key(|f| (f.severity, f.stage));
    TokenReport {
        schema: DECODE_SCHEMA,
        token: token.map(Token::redacted),
        found: token.map(|t| t.form.clone()),
        header: header.clone(),
        claims: claims.clone(),
        platform,
        subject,
        times,
        signature,
        audience,
        claim_notes,
        findings,
    }
}
