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
                .finding(
                    format!(
                        "the input holds {} more distinct token(s); this report is about the first",
                        token.others
                    ),
                    "paste the one token you are triaging, or name each on its own",
                )
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
                    .finding(e.to_string(), "the token was edited or is not from a CI platform: use the token exactly as issued")
                    .with_evidence(Evidence::runtime(Stage::Token, Outcome::Fail, from.artifact, format!("$.{name}"), e.to_string())),
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

    let (status, summary) = if findings.iter().any(|f| f.id == TOKEN_BAD_TIME_CLAIM.id) {
        (
            TimeStatus::Invalid,
            "a time claim is not a number".to_owned(),
        )
    } else if let Some(exp) = &exp {
        let past = now.saturating_sub(exp.unix);
        if past > skew {
            let span = format_span(past);
            let (severity, cause, fix) = if on_wall_clock {
                (
                    Severity::Warning,
                    format!("expired {span} ago against this machine's clock — normal for a token copied from an old run"),
                    "replay with --now set to the time of the failing run (log timestamp or CloudTrail eventTime)".to_owned(),
                )
            } else {
                (
                    Severity::Error,
                    format!("the token expired {span} before the exchange ({clock_words}); exp {} + {skew}s skew", exp.utc),
                    "request the token right before the cloud exchange (long jobs: fetch a fresh token in the deploying step), and check the runner's clock".to_owned(),
                )
            };
            findings.push(
                TOKEN_EXPIRED
                    .finding(cause, fix)
                    .with_severity(severity)
                    .with_evidence(Evidence::runtime(
                        Stage::Token,
                        if severity == Severity::Error {
                            Outcome::Fail
                        } else {
                            Outcome::Info
                        },
                        from.artifact,
                        "$.exp",
                        format!("exp {} is {span} before {}", exp.utc, format_utc(now)),
                    )),
            );
            (TimeStatus::Expired, format!("expired {span} ago"))
        } else if let Some((name, from_time)) =
            valid_from.filter(|(_, t)| t.saturating_sub(now) > skew)
        {
            let span = format_span(from_time.saturating_sub(now));
            let severity = if on_wall_clock {
                Severity::Warning
            } else {
                Severity::Error
            };
            findings.push(
                TOKEN_NOT_YET_VALID
                    .finding(
                        format!("`{name}` is {span} in the future {clock_words} (more than the {skew}s skew): the issuer's or this machine's clock is off"),
                        "check NTP on the runner and on this machine; replay with --now set to the run's time",
                    )
                    .with_severity(severity)
                    .with_evidence(Evidence::runtime(
                        Stage::Token,
                        if severity == Severity::Error { Outcome::Fail } else { Outcome::Info },
                        from.artifact,
                        format!("$.{name}"),
                        format!("{name} {} is {span} after {}", format_utc(from_time), format_utc(now)),
                    )),
            );
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
        findings.push(
            TOKEN_MISSING_EXPIRY
                .finding(
                    "the token has no `exp`: every cloud rejects a token without an expiry",
                    "use the token the CI platform issued; a token without exp is not a CI OIDC token",
                )
                .with_evidence(Evidence::runtime(Stage::Token, Outcome::Fail, from.artifact, "$.exp", "no exp claim")),
        );
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

fn header_findings(token: Option<&Token>, findings: &mut Vec<Finding>, from: &Provenance<'_>) {
    let Some(token) = token else { return };
    let alg = token.alg().unwrap_or("none");
    let shown = escape_control(alg).into_owned();
    if alg.eq_ignore_ascii_case("none") || token.signature_len() == 0 {
        findings.push(
            TOKEN_UNSIGNED
                .finding(
                    format!("the token is unsigned (alg `{shown}`): no CI platform issues one, and every cloud rejects it"),
                    "use the token exactly as the CI platform issued it; a tool or a test produced this one",
                )
                .with_evidence(Evidence::runtime(Stage::Token, Outcome::Info, from.artifact, "header.alg", format!("alg {shown}"))),
        );
    } else if alg.starts_with("HS") {
        findings.push(
            TOKEN_HMAC_SIGNED
                .finding(
                    format!("the token is signed with a shared secret ({shown}): CI platforms sign with RS256/ES256 keys published in a JWKS"),
                    "use the token the CI platform issued; an HMAC token cannot be verified by a cloud",
                )
                .with_evidence(Evidence::runtime(Stage::Token, Outcome::Info, from.artifact, "header.alg", format!("alg {shown}"))),
        );
    }
    if let Some(crit) = token.header.get("crit") {
        let crit = escape_control(&crit.to_string()).into_owned();
        findings.push(
            TOKEN_CRIT_HEADER
                .finding(
                    format!("the header marks extensions as critical (crit {crit}): a verifier that does not process them must reject the token (RFC 7515 §4.1.11), and no CI platform sets crit"),
                    "use the token exactly as the CI platform issued it; this one was made or altered by another tool",
                )
                .with_evidence(Evidence::runtime(Stage::Token, Outcome::Info, from.artifact, "header.crit", format!("crit {crit}"))),
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
                .finding(
                    "only the claims were given: there is no signature to check",
                    "paste the whole token (header.payload.signature) and the issuer's JWKS",
                )
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
                .finding(
                    escape_control(&signature.reason).into_owned(),
                    "use the token exactly as the CI platform issued it, with the issuer's JWKS",
                )
                .with_evidence(evidence(Outcome::Info, "signature not verified")),
        ),
        (None, _) => findings.push(
            TOKEN_SIGNATURE_UNCHECKED
                .finding(
                    "no JWKS was given, so the signature was NOT checked: a forged or altered token decodes the same",
                    "fetch the issuer's JWKS (the jwks_uri of <iss>/.well-known/openid-configuration) and pass it with --jwks FILE",
                )
                .with_evidence(evidence(Outcome::Info, "signature not checked")),
        ),
        (Some(true), _) => {}
        (Some(false), failure) => {
            let rule = match failure {
                Some(SignatureFailure::KeyNotFound) => TOKEN_KEY_NOT_FOUND,
                Some(SignatureFailure::AlgorithmNotAllowed) => TOKEN_ALGORITHM_NOT_ALLOWED,
                _ => TOKEN_SIGNATURE_INVALID,
            };
            let fix = match failure {
                Some(SignatureFailure::KeyNotFound) => format!("fetch the issuer's current JWKS (keys rotate) and check the token and {jwks} come from the same issuer"),
                Some(SignatureFailure::AlgorithmNotAllowed) => "check the JWKS belongs to this issuer; a key's `alg` must match the token's".to_owned(),
                _ => "use the token exactly as issued (a copy that changed one character fails), and the JWKS of the token's issuer".to_owned(),
            };
            let reason = escape_control(&signature.reason).into_owned();
            findings.push(rule.finding(format!("{reason} (against {jwks})"), fix).with_evidence(evidence(Outcome::Fail, &reason)));
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
                .finding(
                    format!("the token has no {list}: cloud trust checks match on iss, sub and aud, so it cannot be exchanged"),
                    "use the token the CI platform issued (GitHub: request it with an audience; GitLab: declare id_tokens with aud)",
                )
                .with_evidence(Evidence::runtime(Stage::Token, Outcome::Fail, from.artifact, format!("$.{}", missing[0]), format!("missing {list}"))),
        );
    }
    if let Some(iss) = claims.issuer() {
        if iss != iss.trim() {
            findings.push(
                TOKEN_ISSUER_WHITESPACE
                    .finding(
                        "`iss` has leading or trailing whitespace: issuer matching is exact, and Entra blocks the exchange",
                        "fix the issuer URL in the CI platform's OIDC settings",
                    )
                    .with_evidence(Evidence::runtime(Stage::Token, Outcome::Info, from.artifact, "$.iss", format!("iss {:?}", escape_control(iss)))),
            );
        }
        if platform == Platform::Generic {
            findings.push(
                TOKEN_UNKNOWN_ISSUER
                    .finding(
                        format!("`{}` is not the issuer of a CI platform this tool knows: claims are shown as generic OIDC", escape_control(iss)),
                        "if this is a CI token, check the issuer URL the platform documents",
                    )
                    .with_evidence(Evidence::runtime(Stage::Token, Outcome::Info, from.artifact, "$.iss", "generic OIDC issuer")),
            );
        }
    }
    if platform == Platform::GithubActions {
        for aud in claims.audiences() {
            if aud.starts_with("https://github.com/") || aud.contains("/_services/") {
                findings.push(
                    TOKEN_DEFAULT_AUDIENCE
                        .finding(
                            format!("aud `{}` is GitHub's default (the repository owner's URL): the token was requested without an audience", escape_control(aud)),
                            "the official cloud actions request their own audience (sts.amazonaws.com, api://AzureADTokenExchange, the GCP provider name); a custom step must pass `audience` to core.getIDToken or the token URL",
                        )
                        .with_evidence(Evidence::runtime(Stage::Token, Outcome::Info, from.artifact, "$.aud", format!("aud {}", escape_control(aud)))),
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
                    .finding(
                        "the token was issued to a `pull_request_target` run: it runs with the base repository's secrets and token permissions on an event a fork can trigger",
                        "never check out or run the pull request's code in a pull_request_target job that can get cloud credentials; split it into a `pull_request` job without id-token: write",
                    )
                    .with_evidence(Evidence::runtime(Stage::Workflow, Outcome::Info, from.artifact, "$.event_name", "event_name pull_request_target")),
            );
        } else if event == "pull_request" || pr_subject {
            findings.push(
                WORKFLOW_GITHUB_PULL_REQUEST_RUN
                    .finding(
                        "the token was issued to a pull request run: code that has not been reviewed asked for it; a trust rule that admits this subject admits unreviewed code",
                        "grant pull request jobs read-only or no cloud access; pin production roles to `environment:` subjects protected by required reviewers",
                    )
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
    // GitLab names the pipeline's trigger in `pipeline_source`; a merge request
    // pipeline's token carries the source branch's ordinary subject, so only this claim
    // tells it apart (https://docs.gitlab.com/ci/secrets/id_token_authentication/ ,
    // https://docs.gitlab.com/ci/jobs/job_rules/ for the `merge_request_event` value).
    if platform == Platform::Gitlab && claims.str("pipeline_source") == Some("merge_request_event")
    {
        let branch = claims
            .str("ref")
            .map(|r| format!(" (source branch `{}`)", escape_control(r)))
            .unwrap_or_default();
        findings.push(
            WORKFLOW_GITLAB_MERGE_REQUEST_RUN
                .finding(
                    format!("the token was issued to a merge request pipeline{branch}: the merge request's unmerged code asked for it, and its subject is the source branch's, which a trust rule cannot tell from a push to that branch"),
                    "run jobs that need cloud credentials only on protected branches or tags (`rules: - if: $CI_COMMIT_REF_PROTECTED == \"true\"`) and pin trust rules to those refs (or to `ref_protected`); give merge request pipelines read-only or no cloud access",
                )
                .with_evidence(Evidence::runtime(
                    Stage::Workflow,
                    Outcome::Info,
                    from.artifact,
                    "$.pipeline_source",
                    "merge request pipeline",
                )),
        );
    }
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
