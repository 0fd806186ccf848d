//! What a log (or a pasted error) proves, placed on the stages. Each catalogued line
//! becomes runtime evidence at its line, timed when the log carries times; a failure
//! becomes the finding its catalogue entry names. Within one artifact the latest
//! attempt decides (docs/design.md): a failure that a later success on the same or a later
//! stage supersedes is kept as `info` ("superseded at line N"), and a success that a
//! later failure on the same or an earlier stage supersedes likewise, so retries leave
//! the stage as the last attempt left it. Order is by time when both lines carry one,
//! else by line. Tokens and claim sets the log printed are shared with the other
//! artifacts, and the commands that fetch the next evidence are filled in with the
//! role, app, provider, run and time the log names.

mod next;
mod tokens;

use next::next_evidence;
use tokens::{correlate, place_claims, place_tokens};

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

#[cfg(test)]
mod tests;
