//! What a log (or a pasted error) proves, placed on the stages. Each catalogued line
//! becomes runtime evidence at its line, timed when the log carries times; a failure
//! becomes the finding its catalogue entry names. Within one artifact the latest
//! attempt decides (DESIGN.md): a failure that a later success on the same or a later
//! stage supersedes is kept as `info` ("superseded at line N"), and a success that a
//! later failure on the same or an earlier stage supersedes likewise, so retries leave
//! the stage as the last attempt left it. Order is by time when both lines carry one,
//! else by line. Tokens and claim sets the log printed are shared with the other
//! artifacts, and the commands that fetch the next evidence are filled in with the
//! role, app, provider, run and time the log names.

use std::collections::BTreeMap;

use super::analysis::{Analysis, Event};
use super::messages::Message;
use crate::clock::format_utc;
use crate::evidence::logs::{next, next_chain};
use crate::evidence::{Filters, Observations, SharedFacts, SharedToken};
use crate::text::escape_control;
use crate::token::platform::Platform;
use crate::token::{Cloud, Provenance, inspect_token};
use crate::vocabulary::catalog::{self, Rule};
use crate::vocabulary::{Evidence, Finding, Outcome, Stage};

/// A wrapper and the specific failure it wraps are this close or closer.
const WRAPPER_REACH: usize = 10;
/// Evidence items attached to one finding.
const MAX_PROOF: usize = 5;

/// Where the lines came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin<'a> {
    pub artifact: &'a str,
    /// `Generic` for pasted error text.
    pub platform: Platform,
}

/// What became of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fate {
    /// It decides its stage (pass or fail).
    Decides,
    /// Context only (an `info` entry).
    Context,
    /// A later attempt decided instead.
    Superseded { by: usize },
    /// A wrapper whose reason is another line.
    Wrapped { by: usize },
    /// A failure that follows from an earlier failure of an earlier stage.
    Follows { by: usize },
    /// Outside what the user narrowed the diagnosis to.
    OutOfScope(&'static str),
}

fn role_name(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

fn scope(event: &Event, filters: &Filters) -> Option<&'static str> {
    if let Some(t) = event.time {
        if filters.since.is_some_and(|since| t < since) {
            return Some("before --since");
        }
        if filters.until.is_some_and(|until| t > until) {
            return Some("after --until");
        }
    }
    if let Some(wanted) = &filters.role {
        let role = event.detail.role_arn.as_deref().or_else(|| {
            // `assumed-role/NAME/SESSION`: the role is the second-to-last part.
            event
                .detail
                .session_arn
                .as_deref()
                .and_then(|s| s.rsplit('/').nth(1))
        });
        if let Some(role) = role
            && role_name(role) != role_name(wanted)
        {
            return Some("another role than --role");
        }
    }
    if let (Some(wanted), Some(subject)) = (&filters.subject, &event.detail.subject)
        && subject != wanted
    {
        return Some("another subject than --subject");
    }
    None
}

fn clouds_agree(a: &Event, b: &Event) -> bool {
    match (a.message.cloud, b.message.cloud) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// True when `a` happened after `b`.
fn later(a: &Event, b: &Event) -> bool {
    match (a.time, b.time) {
        (Some(x), Some(y)) if x != y => x > y,
        _ => a.line > b.line,
    }
}

/// Does the later event `next` supersede `earlier`?
fn supersedes(next: &Event, earlier: &Event) -> bool {
    if !clouds_agree(next, earlier) {
        return false;
    }
    let (n, e) = (next.message, earlier.message);
    match (e.outcome, n.outcome) {
        // A failure, then a success as far or further: the retry got through. A denied
        // deploy call is not undone by another call that was allowed.
        (Outcome::Fail, Outcome::Pass) => {
            n.stage >= e.stage && !(e.stage == Stage::Audit && n.stage == Stage::Audit)
        }
        // A success, then a failure as early or earlier: the last attempt stopped there.
        (Outcome::Pass, Outcome::Fail) => n.stage <= e.stage,
        _ => false,
    }
}

fn fates(analysis: &Analysis, filters: &Filters) -> Vec<Fate> {
    let events = &analysis.events;
    let mut fates: Vec<Fate> = events
        .iter()
        .map(|e| match (e.message.outcome, scope(e, filters)) {
            (Outcome::Info, _) => Fate::Context,
            (_, Some(reason)) => Fate::OutOfScope(reason),
            _ => Fate::Decides,
        })
        .collect();
    // Wrappers next to their reason add nothing.
    for (i, w) in events.iter().enumerate() {
        if !w.message.wrapper || fates[i] != Fate::Decides {
            continue;
        }
        let reason = events.iter().enumerate().position(|(j, e)| {
            j != i
                && fates[j] == Fate::Decides
                && !e.message.wrapper
                && e.message.outcome == Outcome::Fail
                && clouds_agree(e, w)
                && e.line.abs_diff(w.line) <= WRAPPER_REACH
        });
        if let Some(by) = reason {
            fates[i] = Fate::Wrapped { by };
        }
    }
    // The latest attempt decides.
    let decisive: Vec<usize> = (0..events.len())
        .filter(|&i| fates[i] == Fate::Decides)
        .collect();
    let mut superseded = Vec::new();
    for &i in &decisive {
        let by = decisive
            .iter()
            .copied()
            .filter(|&j| later(&events[j], &events[i]) && supersedes(&events[j], &events[i]))
            .min_by(|&a, &b| {
                if later(&events[a], &events[b]) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                }
            });
        if let Some(by) = by {
            superseded.push((i, by));
        }
    }
    for (i, by) in superseded {
        fates[i] = Fate::Superseded { by };
    }
    // A failure after an earlier failure of an earlier stage, with no success between
    // them, is its consequence (no credentials, so the next call fails too).
    let standing: Vec<usize> = (0..events.len())
        .filter(|&i| fates[i] == Fate::Decides)
        .collect();
    let mut follows = Vec::new();
    for &i in &standing {
        let (e, m) = (&events[i], events[i].message);
        if m.outcome != Outcome::Fail {
            continue;
        }
        let cause = standing.iter().copied().filter(|&j| {
            let c = &events[j];
            c.message.outcome == Outcome::Fail
                && c.message.stage < m.stage
                && later(e, c)
                && clouds_agree(e, c)
                && !standing.iter().any(|&k| {
                    let p = &events[k];
                    p.message.outcome == Outcome::Pass
                        && later(p, c)
                        && later(e, p)
                        && clouds_agree(p, e)
                })
        });
        if let Some(by) = cause.max_by(|&a, &b| {
            if later(&events[a], &events[b]) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Less
            }
        }) {
            follows.push((i, by));
        }
    }
    for (i, by) in follows {
        fates[i] = Fate::Follows { by };
    }
    fates
}

/// The rule a failing event proves, adjusted for the platform where the catalogue
/// cannot know it (an empty Vault JWT on GitLab means no `id_tokens:`).
fn rule_of(message: &Message, platform: Platform) -> Option<Rule> {
    if message.key == "vault.missing-token" && platform == Platform::Gitlab {
        return Some(catalog::WORKFLOW_GITLAB_MISSING_ID_TOKENS);
    }
    message.rule
}

/// The meaning as the start of a sentence: capitalised, unless it starts with a name
/// written in lower case on purpose (`configure-aws-credentials`, `azure/login`).
fn sentence(meaning: &str) -> String {
    let first_word = meaning.split_whitespace().next().unwrap_or_default();
    if first_word.contains(['-', '/', '_', '.']) {
        return meaning.to_owned();
    }
    let mut chars = meaning.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The values an event names, for its summary.
fn details(event: &Event) -> String {
    let d = &event.detail;
    let mut parts: Vec<String> = Vec::new();
    let cloud = event.message.cloud;
    if cloud == Some(Cloud::Aws) || cloud.is_none() {
        if let Some(role) = &d.role_arn {
            parts.push(format!("role {role}"));
        }
        if let Some(session) = &d.session_arn {
            parts.push(format!("session {session}"));
        }
        if let Some(op) = &d.operation {
            parts.push(format!("call {op}"));
        }
        if event.message.key == "aws.sts.max-session-duration"
            && let Some(duration) = &d.duration
        {
            parts.push(format!("asked for {duration} s"));
        }
    }
    if cloud == Some(Cloud::Azure) {
        for (label, value) in [
            ("issuer", &d.issuer),
            ("subject", &d.subject),
            ("audience", &d.audience),
        ] {
            if let Some(v) = value {
                parts.push(format!("{label} {v}"));
            }
        }
    }
    if cloud == Some(Cloud::Gcp)
        && let Some(sa) = &d.service_account
    {
        parts.push(format!("service account {sa}"));
    }
    if cloud == Some(Cloud::Vault) {
        if let Some(claim) = &d.claim {
            parts.push(format!("claim {claim}"));
        }
        if let Some(role) = &d.vault_role {
            parts.push(format!("role {role}"));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn evidence_of(event: &Event, fate: &Fate, events: &[Event], artifact: &str) -> Evidence {
    let m = event.message;
    let mut summary = format!(
        "{}{}: \"{}\"",
        sentence(m.meaning),
        details(event),
        event.excerpt
    );
    let outcome = match fate {
        Fate::Decides => m.outcome,
        Fate::Context => Outcome::Info,
        Fate::Superseded { by } => {
            let next = &events[*by];
            summary.push_str(&format!(
                " — superseded at line {} ({})",
                next.line, next.message.meaning
            ));
            Outcome::Info
        }
        Fate::Wrapped { by } => {
            summary.push_str(&format!(" — the reason is at line {}", events[*by].line));
            Outcome::Info
        }
        Fate::Follows { by } => {
            summary.push_str(&format!(
                " — follows from the failure at line {}",
                events[*by].line
            ));
            Outcome::Info
        }
        Fate::OutOfScope(reason) => {
            summary.push_str(&format!(" — not counted: {reason}"));
            Outcome::Info
        }
    };
    Evidence::runtime(
        m.stage,
        outcome,
        artifact,
        format!("line {}", event.line),
        summary,
    )
    .at(event.time)
}

/// Publish the tokens and claim sets the log printed, and the times of the attempts it
/// records.
pub(crate) fn share(analysis: &Analysis, artifact: &str, facts: &mut SharedFacts) {
    for found in &analysis.tokens {
        facts.tokens.push(SharedToken {
            artifact: artifact.to_owned(),
            token: std::sync::Arc::clone(&found.token),
        });
    }
    for found in &analysis.claims {
        facts
            .claims
            .push((artifact.to_owned(), found.claims.clone()));
        facts.event_times.extend(found.time);
    }
    if analysis.claims.is_empty()
        && let Some(claims) = entra_assertion(analysis)
    {
        facts.claims.push((artifact.to_owned(), claims));
    }
    let fates = fates(analysis, &facts.filters);
    for (event, fate) in analysis.events.iter().zip(&fates) {
        if !matches!(fate, Fate::Context | Fate::OutOfScope(_)) {
            facts.event_times.extend(event.time);
        }
    }
}

/// Entra's AADSTS70021 message quotes the assertion's issuer, subject and audience: a
/// claim set when the log printed none.
fn entra_assertion(analysis: &Analysis) -> Option<crate::token::Claims> {
    let d = analysis
        .events
        .iter()
        .map(|e| &e.detail)
        .find(|d| d.issuer.is_some() && d.subject.is_some())?;
    let mut map = serde_json::Map::new();
    for (claim, value) in [
        ("iss", &d.issuer),
        ("sub", &d.subject),
        ("aud", &d.audience),
    ] {
        if let Some(v) = value {
            map.insert(claim.to_owned(), serde_json::Value::String(v.clone()));
        }
    }
    Some(crate::token::Claims(map))
}

/// Place the evidence, findings and next steps.
pub(crate) fn contribute(
    analysis: &Analysis,
    origin: Origin<'_>,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let artifact = origin.artifact;
    let fates = fates(analysis, &facts.filters);
    let events = &analysis.events;

    let mut failures: BTreeMap<usize, (Rule, Vec<usize>)> = BTreeMap::new();
    let mut order: Vec<&'static str> = Vec::new();
    for (i, (event, fate)) in events.iter().zip(&fates).enumerate() {
        let evidence = evidence_of(event, fate, events, artifact);
        if *fate == Fate::Decides
            && event.message.outcome == Outcome::Fail
            && let Some(rule) = rule_of(event.message, origin.platform)
        {
            let slot = match order.iter().position(|id| *id == rule.id) {
                Some(slot) => slot,
                None => {
                    order.push(rule.id);
                    order.len() - 1
                }
            };
            failures.entry(slot).or_insert((rule, Vec::new())).1.push(i);
            // Placed with its finding.
            continue;
        }
        out.evidence(evidence);
    }
    for (rule, members) in failures.into_values() {
        out.finding(finding(rule, &members, analysis, &fates, artifact));
    }

    place_tokens(analysis, artifact, facts, out);
    place_claims(analysis, artifact, out);
    place_implied_token(analysis, &fates, artifact, out);
    correlate(analysis, &fates, artifact, facts, out);
    if let Some(evidence) = permissions_evidence(analysis, artifact) {
        out.evidence(evidence);
    }
    if let Some(evidence) = job_started_evidence(analysis, origin.platform, artifact) {
        out.evidence(evidence);
    }

    if events.is_empty() && analysis.tokens.is_empty() && analysis.claims.is_empty() {
        out.evidence(Evidence::runtime(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            format!("lines 1-{}", analysis.lines.max(1)),
            format!(
                "no token request, cloud sign-in or deploy message recognised in {} line(s) of this {}",
                analysis.lines,
                describe(origin.platform)
            ),
        ));
    }
    if analysis.dropped_events > 0 {
        out.evidence(Evidence::runtime(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            format!("lines 1-{}", analysis.lines),
            format!(
                "{} repeats of catalogued lines were counted but not listed (each message keeps its first 8 and its latest)",
                analysis.dropped_events
            ),
        ));
    }
    next_evidence(analysis, origin, &fates, facts, out);
}

/// The workflow stage passes on a platform's job log that shows the job running —
/// unless the log itself proves the workflow stage failed (no `id-token: write`, a
/// misconfigured login step…), which then decides. A log no platform reader claimed
/// (generic, pasted error text) proves nothing about a job.
fn job_started_evidence(
    analysis: &Analysis,
    platform: Platform,
    artifact: &str,
) -> Option<Evidence> {
    if platform == Platform::Generic {
        return None;
    }
    let started = analysis.job_started.as_ref()?;
    let workflow_failed = analysis
        .events
        .iter()
        .any(|e| e.message.stage == Stage::Workflow && e.message.outcome == Outcome::Fail);
    if workflow_failed {
        return None;
    }
    Some(
        Evidence::runtime(
            Stage::Workflow,
            Outcome::Pass,
            artifact,
            format!("line {}", started.line),
            format!(
                "the job ran on {}: \"{}\"",
                platform.display(),
                started.what
            ),
        )
        .at(started.time),
    )
}

/// What the artifact is, for sentences.
pub(crate) fn describe(platform: Platform) -> String {
    match platform {
        Platform::Generic => "log or error text".to_owned(),
        p => format!("{} log", p.display()),
    }
}

/// Trust refusals that read the token's claims: the token existed and parsed.
const READS_CLAIMS: &[&str] = &[
    "trust.aws.not-authorized",
    "trust.aws.audience-mismatch",
    "trust.aws.provider-not-found",
    "trust.azure.subject-mismatch",
    "trust.azure.issuer-mismatch",
    "trust.azure.audience-mismatch",
    "trust.azure.no-matching-credential",
    "trust.azure.expression-mismatch",
    "trust.gcp.issuer-mismatch",
    "trust.gcp.audience-mismatch",
    "trust.gcp.condition-rejected",
    "trust.gcp.subject-too-long",
    "trust.vault.issuer-mismatch",
    "trust.vault.audience-mismatch",
    "trust.vault.subject-mismatch",
    "trust.vault.bound-claims-mismatch",
    "trust.vault.no-bound-audiences",
    "trust.vault.user-claim-missing",
];

/// A trust refusal that compared the token's claims proves the token was issued: place
/// that on the token stage (once), unless the log says more about the token itself.
fn place_implied_token(
    analysis: &Analysis,
    fates: &[Fate],
    artifact: &str,
    out: &mut Observations,
) {
    if !analysis.tokens.is_empty() || !analysis.claims.is_empty() {
        return;
    }
    let refusal = analysis.events.iter().zip(fates).find(|(e, f)| {
        **f == Fate::Decides && e.message.rule.is_some_and(|r| READS_CLAIMS.contains(&r.id))
    });
    if let Some((event, _)) = refusal {
        let verifier = event.message.cloud.map_or("the cloud", Cloud::display);
        out.evidence(
            Evidence::runtime(
                Stage::Token,
                Outcome::Pass,
                artifact,
                format!("line {}", event.line),
                format!(
                    "the job obtained a token: {verifier} received it and compared its claims before refusing it (line {})",
                    event.line
                ),
            )
            .at(event.time),
        );
    }
}

/// The runner's list of the job token's permissions, and whether it grants `IdToken: write`.
fn permissions_evidence(analysis: &Analysis, artifact: &str) -> Option<Evidence> {
    let (line, entries) = analysis.token_permissions.as_ref()?;
    let granted = entries
        .iter()
        .any(|e| e.eq_ignore_ascii_case("IdToken: write"));
    let summary = if granted {
        "the job's GITHUB_TOKEN permissions include `IdToken: write`".to_owned()
    } else {
        format!(
            "the job's GITHUB_TOKEN permissions do not include `IdToken: write` ({}): the job cannot request an OIDC token",
            entries.join(", ")
        )
    };
    Some(Evidence::runtime(
        Stage::Workflow,
        Outcome::Info,
        artifact,
        format!("line {line}"),
        summary,
    ))
}

fn finding(
    rule: Rule,
    members: &[usize],
    analysis: &Analysis,
    fates: &[Fate],
    artifact: &str,
) -> Finding {
    let events = &analysis.events;
    let first = &events[members[0]];
    let mut cause = format!(
        "{}{} (line {}: \"{}\")",
        sentence(first.message.meaning),
        details(first),
        first.line,
        first.excerpt
    );
    if let Some(step) = &first.step {
        cause.push_str(&format!(", in step `{step}`"));
    }
    if first.message.cloud == Some(Cloud::Azure)
        && let Some(printed) = analysis.claims.iter().rev().find(|c| c.line < first.line)
    {
        let get = |c: &str| {
            printed
                .claims
                .str(c)
                .map(|v| escape_control(v).into_owned())
        };
        if let Some(sub) = get("sub") {
            cause.push_str(&format!(
                "; azure/login printed the token's subject `{sub}` at line {}",
                printed.line
            ));
            if let Some(iss) = get("iss") {
                cause.push_str(&format!(" (issuer `{iss}`)"));
            }
        }
    }
    if rule.id == catalog::WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION.id
        && let Some((line, entries)) = &analysis.token_permissions
    {
        if entries
            .iter()
            .any(|e| e.eq_ignore_ascii_case("IdToken: write"))
        {
            cause.push_str(&format!(
                "; yet the job's GITHUB_TOKEN permissions at line {line} include `IdToken: write`: a run from a fork or Dependabot is withheld the request token"
            ));
        } else {
            cause.push_str(&format!(
                "; the job's GITHUB_TOKEN permissions at line {line} do not include `IdToken: write`"
            ));
        }
    }
    if members.len() > 1 {
        cause.push_str(&format!("; seen {} times", members.len()));
    }
    let mut finding = rule.finding(cause, first.message.fix);
    for &i in members.iter().take(MAX_PROOF) {
        finding = finding.with_evidence(evidence_of(&events[i], &fates[i], events, artifact));
    }
    finding
}

fn place_tokens(analysis: &Analysis, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
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
                if report.has_error() {
                    Outcome::Fail
                } else {
                    Outcome::Pass
                },
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

fn place_claims(analysis: &Analysis, artifact: &str, out: &mut Observations) {
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
const SAME_ATTEMPT_SECONDS: i64 = 3600;

/// Tokens from the other artifacts, held against what this log says of its run: the
/// subject it presented, when the exchange happened, which run it was. A mismatch is
/// not a failure of either, but the two do not describe the same attempt.
fn correlate(
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

/// The run to name in `gh` commands: the log's, else a GitHub token's.
fn run_and_repository(
    analysis: &Analysis,
    facts: &SharedFacts,
) -> (Option<String>, Option<String>) {
    if analysis.run_id.is_some() {
        return (analysis.run_id.clone(), analysis.repository.clone());
    }
    facts
        .tokens
        .iter()
        .find_map(|t| {
            let run = t
                .token
                .claims
                .get("run_id")
                .map(crate::token::claims::display_value)?;
            run.bytes().all(|b| b.is_ascii_digit()).then(|| {
                let repo = t
                    .token
                    .claims
                    .str("repository")
                    .filter(|r| {
                        r.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
                    })
                    .map(str::to_owned);
                (Some(run), repo)
            })
        })
        .unwrap_or((None, analysis.repository.clone()))
}

/// The quarter hour either side of a line's time, as `lookup-events` takes it.
fn window(time: Option<i64>) -> Vec<(&'static str, String)> {
    match time {
        Some(t) => vec![("start", format_utc(t - 900)), ("end", format_utc(t + 900))],
        None => Vec::new(),
    }
}

/// The commands that collect what the log's failures leave open, filled with the
/// values the log names (quoted by the command builder: a log is attacker-controlled).
fn next_evidence(
    analysis: &Analysis,
    origin: Origin<'_>,
    fates: &[Fate],
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let failing: Vec<&Event> = analysis
        .events
        .iter()
        .zip(fates)
        .filter(|(e, f)| **f == Fate::Decides && e.message.outcome == Outcome::Fail)
        .map(|(e, _)| e)
        .collect();
    let (run_id, repository) = run_and_repository(analysis, facts);
    let mut run: Vec<(&str, String)> = vec![(
        "run_id",
        run_id.clone().unwrap_or_else(|| "RUN_ID".to_owned()),
    )];
    run.extend(repository.map(|r| ("repo", r)));
    let silent = analysis.events.is_empty();
    if (origin.platform == Platform::GithubActions || run_id.is_some())
        && (silent || !failing.is_empty())
    {
        next(out, "ci.github.run.failing-steps", &run);
    }
    if origin.platform == Platform::Gitlab
        && let Some(job) = &analysis.job_id
    {
        next(out, "ci.gitlab.job.trace", &[("job_id", job.clone())]);
    }
    let has_token = !facts.tokens.is_empty() || !facts.claims.is_empty();
    for event in failing {
        next_for_failure(analysis, origin, event, &run, out);
        if event.message.stage == Stage::Trust && !has_token {
            next(out, "ci.token.decode-for-trust", &[]);
        }
    }
}

/// The next evidence for one failing line, by its stage and cloud.
fn next_for_failure(
    analysis: &Analysis,
    origin: Origin<'_>,
    event: &Event,
    run: &[(&str, String)],
    out: &mut Observations,
) {
    let d = &event.detail;
    let m = event.message;
    let or =
        |v: &Option<String>, placeholder: &str| v.clone().unwrap_or_else(|| placeholder.to_owned());
    let role_name = || {
        d.role_arn
            .as_deref()
            .map_or_else(|| "ROLE".to_owned(), |r| role_name(r).to_owned())
    };
    match (m.stage, m.cloud) {
        (Stage::Workflow, _)
            if origin.platform == Platform::GithubActions || m.key.starts_with("github.") =>
        {
            next(out, "ci.github.run.trigger", run);
        }
        (Stage::Workflow, _) => {}
        (Stage::Token, _) => next(out, "ci.token.decode", &[]),
        (Stage::Trust, Some(Cloud::Aws)) => {
            next(
                out,
                "aws.iam.get-role.trust-policy",
                &[("role_name", role_name())],
            );
            if m.key == "aws.sts.provider-not-found" || m.key == "aws.sts.keys-unreachable" {
                next(out, "ci.aws.oidc-providers", &[]);
            }
        }
        (Stage::Trust, Some(Cloud::Azure)) => next(
            out,
            "ci.azure.federated-credentials",
            &[("client_id", or(&d.client_id, "APP_ID"))],
        ),
        (Stage::Trust, Some(Cloud::Gcp)) => {
            next(
                out,
                "ci.gcp.provider",
                &gcp_provider_values(d.provider.as_deref()),
            );
        }
        (Stage::Trust, Some(Cloud::Vault)) => {
            let mount = analysis
                .inputs
                .get("path")
                .cloned()
                .unwrap_or_else(|| "jwt".to_owned());
            next_chain(
                out,
                &["ci.vault.role", "vault.config.read"],
                "; ",
                &[("mount", mount), ("role", or(&d.vault_role, "ROLE"))],
            );
        }
        (Stage::Trust, _) => {}
        (Stage::Role, Some(Cloud::Aws)) if m.key == "aws.sts.max-session-duration" => next(
            out,
            "aws.role.max-session-duration",
            &[("role_name", role_name())],
        ),
        (Stage::Role, Some(Cloud::Aws)) => next(out, "ci.aws.exchange-record", &window(event.time)),
        (Stage::Role, Some(Cloud::Gcp)) => next(
            out,
            "ci.gcp.impersonators",
            &[(
                "service_account",
                or(&d.service_account, "SERVICE_ACCOUNT_EMAIL"),
            )],
        ),
        (Stage::Role, Some(Cloud::Azure)) => next(
            out,
            "azure.role-assignments",
            &[("client_id", or(&d.client_id, "APP_ID"))],
        ),
        (Stage::Role, _) => {}
        (Stage::Audit, Some(Cloud::Aws)) => {
            let mut values = window(event.time);
            values.push(("event_name", or(&d.operation, "EVENT_NAME")));
            next(out, "ci.aws.denied-call-record", &values);
        }
        (Stage::Audit, Some(Cloud::Gcp)) => next(
            out,
            "ci.gcp.denied-call",
            &[(
                "service_account",
                or(&d.service_account, "SERVICE_ACCOUNT_EMAIL"),
            )],
        ),
        (Stage::Audit, Some(Cloud::Azure)) => next(out, "ci.azure.denied-call", &[]),
        (Stage::Audit, _) => {}
    }
}

/// The describe command's values from a provider's resource name
/// (`projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`).
fn gcp_provider_values(provider: Option<&str>) -> Vec<(&'static str, String)> {
    let parts: Vec<&str> = provider.map(|p| p.split('/').collect()).unwrap_or_default();
    let (project, pool, name) = match parts.as_slice() {
        [
            "projects",
            project,
            "locations",
            _,
            "workloadIdentityPools",
            pool,
            "providers",
            name,
            ..,
        ] => (*project, *pool, *name),
        _ => ("PROJECT_NUMBER", "POOL", "PROVIDER"),
    };
    vec![
        ("provider", name.to_owned()),
        ("project", project.to_owned()),
        ("location", "global".to_owned()),
        ("pool", pool.to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::analysis::{Analyzer, Marker};
    use super::*;

    fn analyse(lines: &[(&str, Option<i64>)]) -> Analysis {
        let mut a = Analyzer::default();
        for (i, (l, t)) in lines.iter().enumerate() {
            a.feed(i + 1, *t, l, Marker::Plain, "");
        }
        a.finish()
    }

    #[test]
    fn a_retry_that_succeeds_supersedes_the_failure() {
        let a = analyse(&[
            (
                "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
                None,
            ),
            ("Assuming role with OIDC", None),
            (
                "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
                None,
            ),
        ]);
        let f = fates(&a, &Filters::default());
        assert_eq!(f[0], Fate::Superseded { by: 2 });
        // The token line is before the role line: a success after a failure of a later
        // stage does not supersede the failure…
        assert_eq!(f[1], Fate::Decides);
        assert_eq!(f[2], Fate::Decides);
    }

    #[test]
    fn a_success_then_a_failure_leaves_the_failure() {
        let a = analyse(&[
            (
                "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
                None,
            ),
            (
                "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
                None,
            ),
        ]);
        let f = fates(&a, &Filters::default());
        assert_eq!(f[0], Fate::Superseded { by: 1 });
        assert_eq!(f[1], Fate::Decides);
    }

    #[test]
    fn timestamps_say_which_came_last() {
        // Pasted out of order: the success is older.
        let a = analyse(&[
            (
                "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
                Some(200),
            ),
            (
                "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
                Some(100),
            ),
        ]);
        let f = fates(&a, &Filters::default());
        assert_eq!(f[0], Fate::Decides);
        assert_eq!(f[1], Fate::Superseded { by: 0 });
    }

    #[test]
    fn a_denied_deploy_call_is_not_undone_by_another_allowed_one() {
        let a = analyse(&[
            (
                "upload failed: ./a.txt to s3://b/a.txt An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
                None,
            ),
            ("upload: ./b.txt to s3://b/b.txt", None),
        ]);
        let f = fates(&a, &Filters::default());
        assert_eq!(f[0], Fate::Decides);
    }

    #[test]
    fn another_cloud_does_not_supersede() {
        let a = analyse(&[
            (
                "Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'x'.",
                None,
            ),
            (
                "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
                None,
            ),
        ]);
        assert_eq!(fates(&a, &Filters::default())[0], Fate::Decides);
    }

    #[test]
    fn a_wrapper_beside_its_reason_adds_nothing() {
        let a = analyse(&[
            (
                r#"failed to retrieve vault token. code: 400, vaultResponse: {"errors":["error validating token: invalid audience (aud) claim: audience claim does not match any expected audience"]}"#,
                None,
            ),
            (
                "Error writing data to auth/jwt/login: Error making API request.",
                None,
            ),
            (
                "* error validating token: invalid subject (sub) claim",
                None,
            ),
        ]);
        let f = fates(&a, &Filters::default());
        assert_eq!(a.events[0].message.key, "vault.audience-mismatch");
        assert_eq!(f[1], Fate::Wrapped { by: 0 });
    }

    #[test]
    fn filters_put_other_roles_and_times_out_of_scope() {
        let a = analyse(&[
            (
                "An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role/other/s is not authorized to perform: s3:PutObject",
                Some(50),
            ),
            (
                "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
                Some(10),
            ),
        ]);
        let filters = Filters {
            role: Some("arn:aws:iam::123456789012:role/deploy".to_owned()),
            since: Some(20),
            ..Filters::default()
        };
        let f = fates(&a, &filters);
        assert_eq!(f[0], Fate::OutOfScope("another role than --role"));
        assert_eq!(f[1], Fate::OutOfScope("before --since"));
    }

    #[test]
    fn provider_names_fill_the_describe_command() {
        let values = gcp_provider_values(Some(
            "projects/123456789/locations/global/workloadIdentityPools/github/providers/acme",
        ));
        let c = crate::vocabulary::knowledge::knowledge()
            .next_evidence("ci.gcp.provider", &values)
            .map(|n| n.command)
            .unwrap_or_default();
        assert!(c.contains("describe acme --project=123456789"), "{c}");
        assert!(c.contains("--workload-identity-pool=github"), "{c}");
    }
}
