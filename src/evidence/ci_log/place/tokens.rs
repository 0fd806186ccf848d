//! The tokens and claim sets a log printed, placed on the workflow and token stages, and held against the tokens of the other artifacts (same subject, same attempt, same run).

use super::*;

pub(super) fn place_tokens(
    analysis: &Analysis,
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let jwks = facts.jwks.first();
    for found in &analysis.tokens {
        let from = Provenance {
            artifact,
            jwks_name: jwks.map(|(name, _)| name.as_str()),
        };
        let report = inspect_token(
            &found.token,
            jwks.map(|(_, j)| j.as_ref()),
            facts.clock,
            facts.skew,
            &from,
        );
        let locator = format!("line {}", found.line);
        let iat = report.times.iat.as_ref().map(|t| t.unix).or(found.time);
        out.evidence(
            Evidence::runtime(
                Stage::Workflow,
                Outcome::Pass,
                artifact,
                locator.clone(),
                format!(
                    "the job obtained an ID token from {} (printed in the log)",
                    report.platform.display()
                ),
            )
            .at(iat),
        );
        let issuer = report
            .claims
            .issuer()
            .map(|i| escape_control(i).into_owned())
            .unwrap_or_else(|| "no issuer".to_owned());
        let subject = report
            .claims
            .subject()
            .map(|s| escape_control(s).into_owned())
            .unwrap_or_else(|| "no subject".to_owned());
        out.evidence(
            Evidence::runtime(
                Stage::Token,
                report.outcome(),
                artifact,
                locator,
                format!(
                    "JWT printed in the log: issuer {issuer}, subject {subject}; {}",
                    report.times.summary
                ),
            )
            .at(iat),
        );
        for f in report.findings {
            out.finding(f);
        }
    }
}

pub(super) fn place_claims(analysis: &Analysis, artifact: &str, out: &mut Observations) {
    for found in &analysis.claims {
        let get = |c: &str| {
            found
                .claims
                .str(c)
                .map(|v| escape_control(v).into_owned())
                .unwrap_or_else(|| "(not printed)".to_owned())
        };
        let locator = format!("line {}", found.line);
        out.evidence(
            Evidence::runtime(
                Stage::Token,
                Outcome::Pass,
                artifact,
                locator,
                format!(
                    "azure/login obtained the job's ID token and printed its claims: issuer {}, subject {}, audience {} (its signature cannot be checked from a log)",
                    get("iss"),
                    get("sub"),
                    get("aud")
                ),
            )
            .at(found.time),
        );
    }
}

/// How far apart a token's issue time and the exchange this log records may be before
/// they are not the same attempt (tokens live minutes; one hour is generous).
pub(super) const SAME_ATTEMPT_SECONDS: i64 = 3600;

/// Tokens from the other artifacts, held against what this log says of its run: the
/// subject it presented, when the exchange happened, which run it was. A mismatch is
/// not a failure of either, but the two do not describe the same attempt.
pub(super) fn correlate(
    analysis: &Analysis,
    fates: &[Fate],
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let presented = analysis
        .claims
        .iter()
        .find_map(|c| c.claims.subject().map(|s| (c.line, s.to_owned())))
        .or_else(|| {
            analysis
                .events
                .iter()
                .find_map(|e| e.detail.subject.clone().map(|s| (e.line, s)))
        });
    let exchange = analysis
        .events
        .iter()
        .zip(fates)
        .find(|(e, f)| {
            matches!(f, Fate::Decides) && e.time.is_some() && e.message.stage >= Stage::Trust
        })
        .map(|(e, _)| e);
    for other in facts.tokens.iter().filter(|t| t.artifact != artifact) {
        let claims = &other.token.claims;
        let name = escape_control(&other.artifact);
        if let (Some((line, sub)), Some(token_sub)) = (&presented, claims.subject())
            && token_sub != sub
        {
            out.evidence(Evidence::runtime(
                Stage::Token,
                Outcome::Info,
                artifact,
                format!("line {line}"),
                format!(
                    "the token in {name} has subject {}, but this run presented {}: they come from different runs or jobs",
                    escape_control(token_sub),
                    escape_control(sub)
                ),
            ));
        }
        if let (Some(event), Ok(Some(iat))) = (exchange, claims.time("iat"))
            && let Some(at) = event.time
            && (at - iat).abs() > SAME_ATTEMPT_SECONDS
        {
            out.evidence(Evidence::runtime(
                Stage::Token,
                Outcome::Info,
                artifact,
                format!("line {}", event.line),
                format!(
                    "the token in {name} was issued at {}, {} {} this exchange at {}: it is not the token this attempt sent",
                    format_utc(iat),
                    crate::clock::format_span(at - iat),
                    if iat < at { "before" } else { "after" },
                    format_utc(at)
                ),
            ));
        }
        if let (Some(run), Some(token_run)) = (&analysis.run_id, claims.get("run_id"))
            && crate::token::claims::display_value(token_run) != *run
        {
            out.evidence(Evidence::runtime(
                Stage::Token,
                Outcome::Info,
                artifact,
                format!("lines 1-{}", analysis.lines),
                format!(
                    "the token in {name} is from run {}, this log from run {run}",
                    escape_control(&crate::token::claims::display_value(token_run))
                ),
            ));
        }
    }
}
