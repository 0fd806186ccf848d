//! From an export to the stages: narrow it to one path (docs/design.md "One diagnosis
//! covers one path"), then place the path's `AssumeRoleWithWebIdentity` attempts on
//! the trust, role or token stage and the calls made by the resulting session on the
//! audit stage, with the findings that name each failure and the commands that fetch
//! what is missing.
//!
//! Narrowing: by the loaded token's `sub`/`aud` and its lifetime (`iat` … `exp` + 5
//! minutes, the grace IAM allows after `exp`); else by `--role`/`--subject`/
//! `--since`/`--until`; else the (role, subject) path with the most recent failure.
//! The other paths are summarised in the artifact's note.

mod audit;
mod summary;

use audit::place_audit;
#[cfg(test)]
pub(super) use audit::without_api_version;
pub(crate) use summary::note;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::event::{Attempt, SessionCall, Text, classify_sts_error, role_name};
use super::export::{Export, UNKNOWN};
use crate::clock::format_utc;
use crate::evidence::logs::{next, next_chain, show};
use crate::evidence::{Filters, Observations, SharedFacts};
use crate::text::command::{shell_command, shell_word};
use crate::vocabulary::catalog::{
    AUDIT_AWS_ACCESS_DENIED, AUDIT_AWS_NO_SESSION_ACTIVITY, AUDIT_AWS_SESSION_EXPIRED, Rule,
};
use crate::vocabulary::knowledge::knowledge;
use crate::vocabulary::{Evidence, Outcome, Severity, Stage};

/// IAM accepts a token up to five minutes after its `exp` (docs/reference/clouds.md, A2).
const EXP_GRACE: i64 = 300;
/// Default session length when the request does not say (STS default, 3600 s).
const DEFAULT_SESSION: i64 = 3600;
/// Attempts placed one by one; older ones on the path are summarised.
const PLACED_ATTEMPTS: usize = 12;
/// Denied calls placed one by one, and findings made of them.
const PLACED_DENIALS: usize = 10;
const DENIAL_FINDINGS: usize = 5;

/// What a loaded token (or claim set) says about the path it was minted for.
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub artifact: String,
    pub sub: String,
    pub auds: Vec<String>,
    pub iat: Option<i64>,
    pub exp: Option<i64>,
}

impl Identity {
    fn window(&self, skew: i64) -> (Option<i64>, Option<i64>) {
        let from = self.iat.or(self.exp.map(|e| e - 3600)).map(|t| t - skew);
        let to = self
            .exp
            .or(self.iat.map(|i| i + 3600))
            .map(|t| t + EXP_GRACE + skew);
        (from, to)
    }

    fn admits(&self, a: &Attempt, skew: i64) -> bool {
        if a.subject.as_deref() != Some(self.sub.as_str()) {
            return false;
        }
        if let Some(aud) = a.audience.as_deref()
            && !self.auds.is_empty()
            && !self.auds.iter().any(|x| x == aud)
        {
            return false;
        }
        let (from, to) = self.window(skew);
        match a.time {
            Some(t) => from.is_none_or(|f| t >= f) && to.is_none_or(|u| t <= u),
            None => true,
        }
    }
}

/// The identities the loaded tokens and claim sets carry.
pub(crate) fn identities(facts: &SharedFacts) -> Vec<Identity> {
    let from_claims = |artifact: &str, claims: &crate::token::Claims| {
        Some(Identity {
            artifact: artifact.to_owned(),
            sub: claims.subject()?.to_owned(),
            auds: claims.audiences().into_iter().map(str::to_owned).collect(),
            iat: claims.time("iat").ok().flatten(),
            exp: claims.time("exp").ok().flatten(),
        })
    };
    let mut out: Vec<Identity> = facts
        .tokens
        .iter()
        .filter_map(|t| from_claims(&t.artifact, &t.token.claims))
        .collect();
    out.extend(facts.claims.iter().filter_map(|(a, c)| from_claims(a, c)));
    out
}

fn role_matches(role: Option<&str>, filter: &str) -> bool {
    role.is_some_and(|r| r == filter || (!filter.contains(':') && role_name(r) == filter))
}

fn passes(a: &Attempt, f: &Filters) -> bool {
    f.role
        .as_deref()
        .is_none_or(|r| role_matches(a.role.as_deref(), r))
        && f.subject
            .as_deref()
            .is_none_or(|s| a.subject.as_deref() == Some(s))
        && a.time
            .is_none_or(|t| f.since.is_none_or(|s| t >= s) && f.until.is_none_or(|u| t <= u))
}

fn filtered(f: &Filters) -> bool {
    f.role.is_some() || f.subject.is_some() || f.since.is_some() || f.until.is_some()
}

/// How the path was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Narrowing {
    /// By a token's sub/aud and lifetime (the artifact it came from).
    Token(String),
    /// By `--role`/`--subject`/`--since`/`--until`.
    Filters,
    /// The path with the most recent failure (or the most recent attempt).
    MostRecentFailure,
    /// The only path in the export.
    Only,
}

/// One path of the export.
pub(crate) struct Selection<'e> {
    pub attempts: Vec<&'e Attempt>,
    pub role: Option<Text>,
    pub subject: Option<Text>,
    pub narrowing: Narrowing,
    /// The window searched (for the next-evidence commands).
    pub window: (Option<i64>, Option<i64>),
    /// A token was loaded but no attempt in the export matches it.
    pub unmatched: Option<Identity>,
    /// Paths in the export besides this one.
    pub others: usize,
}

/// Choose the path this diagnosis covers.
pub(crate) fn select<'e>(export: &'e Export, facts: &SharedFacts) -> Selection<'e> {
    let filters = &facts.filters;
    let candidates: Vec<&Attempt> = export
        .attempts
        .iter()
        .filter(|a| passes(a, filters))
        .collect();
    let total_paths =
        export.paths.len() + usize::try_from(export.other_path_count).unwrap_or(usize::MAX);
    let ids = identities(facts);
    let mut sel = Selection {
        attempts: Vec::new(),
        role: None,
        subject: None,
        narrowing: Narrowing::MostRecentFailure,
        window: (filters.since, filters.until),
        unmatched: None,
        others: total_paths.saturating_sub(1),
    };
    if !ids.is_empty() {
        let best = ids
            .iter()
            .filter_map(|id| {
                let latest = candidates
                    .iter()
                    .filter(|a| id.admits(a, facts.skew))
                    .max_by_key(|a| a.time)?;
                Some((id, *latest))
            })
            .max_by_key(|(_, a)| a.time);
        match best {
            Some((id, latest)) => {
                sel.attempts = candidates
                    .iter()
                    .copied()
                    .filter(|a| id.admits(a, facts.skew) && a.role == latest.role)
                    .collect();
                sel.role = latest.role.clone();
                sel.subject = latest.subject.clone();
                sel.narrowing = Narrowing::Token(id.artifact.clone());
                sel.window = id.window(facts.skew);
            }
            None => {
                let id = ids.into_iter().next();
                sel.window = id.as_ref().map_or(sel.window, |i| i.window(facts.skew));
                sel.unmatched = id;
                sel.others = total_paths;
            }
        }
        return sel;
    }
    // The latest failure on each path: a failed attempt, or a denied call by one of
    // its sessions.
    let mut denied_by_key: BTreeMap<&str, i64> = BTreeMap::new();
    for c in export.calls.iter().filter(|c| c.refused()) {
        if let (Some(k), Some(t)) = (c.access_key.as_deref(), c.time) {
            let e = denied_by_key.entry(k).or_insert(t);
            *e = (*e).max(t);
        }
    }
    // (role, subject) → (latest failure, latest attempt)
    type PathTimes<'a> = BTreeMap<(Option<&'a str>, Option<&'a str>), (Option<i64>, Option<i64>)>;
    let mut paths: PathTimes<'_> = BTreeMap::new();
    for a in &candidates {
        let entry = paths
            .entry((a.role.as_deref(), a.subject.as_deref()))
            .or_default();
        let failure = if a.succeeded() {
            a.access_key
                .as_deref()
                .and_then(|k| denied_by_key.get(k).copied())
        } else {
            a.time
        };
        entry.0 = entry.0.max(failure);
        entry.1 = entry.1.max(a.time);
    }
    let Some(((role, subject), _)) = paths
        .iter()
        .max_by_key(|(_, (failure, latest))| (*failure, *latest))
    else {
        sel.narrowing = if filtered(filters) {
            Narrowing::Filters
        } else {
            Narrowing::MostRecentFailure
        };
        return sel;
    };
    sel.attempts = candidates
        .iter()
        .copied()
        .filter(|a| (a.role.as_deref(), a.subject.as_deref()) == (*role, *subject))
        .collect();
    sel.role = sel.attempts.first().and_then(|a| a.role.clone());
    sel.subject = sel.attempts.first().and_then(|a| a.subject.clone());
    sel.narrowing = if filtered(filters) {
        Narrowing::Filters
    } else if total_paths <= 1 {
        Narrowing::Only
    } else {
        Narrowing::MostRecentFailure
    };
    if sel.window == (None, None) {
        let times = sel.attempts.iter().filter_map(|a| a.time);
        sel.window = (
            times.clone().min().map(|t| t - 900),
            times.max().map(|t| t + 900),
        );
    }
    sel
}

/// The times to give the diagnosis clock: the exchanges of the selected path. With a
/// token, only those it was still valid for (a later time would judge the token by
/// the deploy's clock, not the exchange's). Tokens and claims share before exports
/// (engine), so the token is known here.
pub(crate) fn clock_times(export: &Export, facts: &SharedFacts) -> Vec<i64> {
    let sel = select(export, facts);
    let exp = match &sel.narrowing {
        Narrowing::Token(_) => identities(facts).iter().filter_map(|i| i.exp).max(),
        _ => None,
    };
    sel.attempts
        .iter()
        .filter_map(|a| a.time)
        .filter(|t| exp.is_none_or(|e| *t <= e))
        .collect()
}

fn esc(s: &str) -> String {
    show(s)
}

fn or_unknown(s: &Option<Text>) -> String {
    esc(s.as_deref().unwrap_or(UNKNOWN))
}

fn when(t: Option<i64>) -> String {
    t.map_or_else(|| "an unknown time".to_owned(), format_utc)
}

/// `ASIA…MPLE`: enough to tell keys apart, not the key.
fn mask_key(k: &str) -> String {
    let tail: String = k
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let head: String = k.chars().take(4).collect();
    format!("{head}…{tail}")
}

fn error_text(code: &Option<Text>, message: &Option<Text>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!("{}: {}", esc(c), esc(m)),
        (Some(c), None) => esc(c),
        _ => "an error".to_owned(),
    }
}

/// Place the export's evidence.
pub(crate) fn contribute(
    export: &Export,
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let sel = select(export, facts);
    if let Some(id) = &sel.unmatched {
        unmatched_token(export, artifact, id, &sel, facts, out);
        next_evidence(&sel, facts, out);
        return;
    }
    if sel.attempts.is_empty() {
        no_attempts(export, artifact, &sel, facts, out);
        next_evidence(&sel, facts, out);
        return;
    }
    let why = match &sel.narrowing {
        Narrowing::Token(a) => format!("by the sub/aud and lifetime of the token in {}", esc(a)),
        Narrowing::Filters => "by --role/--subject/--since/--until".to_owned(),
        Narrowing::MostRecentFailure => "to the path with the most recent failure".to_owned(),
        Narrowing::Only => "the only path in the export".to_owned(),
    };
    let first = sel.attempts[0];
    let others = if sel.others > 0 {
        format!(
            "; {} other role/subject path(s) are summarised in the artifact note",
            sel.others
        )
    } else {
        String::new()
    };
    out.evidence(
        Evidence::runtime(
            Stage::Role,
            Outcome::Info,
            artifact,
            first.loc.render(),
            format!(
                "CloudTrail narrowed {why}: role {}, subject {} ({} AssumeRoleWithWebIdentity event(s)){others}",
                or_unknown(&sel.role),
                or_unknown(&sel.subject),
                sel.attempts.len()
            ),
        )
        .at(first.time),
    );
    place_attempts(&sel, artifact, out);
    let latest = sel.attempts[sel.attempts.len() - 1];
    if latest.succeeded() {
        let calls = session_calls(export, latest, facts.skew);
        place_audit(export, artifact, latest, &calls, out);
        return;
    }
    let role = [(
        "role_name",
        esc(latest.role.as_deref().map_or("ROLE", role_name)),
    )];
    match stage_of(latest).1.map(|r| r.id) {
        Some("trust.aws.provider-not-found") => {
            next(out, "aws.oidc-providers.of-role-account", &[])
        }
        Some(
            "trust.aws.not-authorized"
            | "trust.aws.audience-mismatch"
            | "trust.aws.invalid-identity-token",
        ) => next(out, "aws.role.trust-policy.compare", &role),
        Some("role.aws.max-session-duration") => next(out, "aws.role.max-session-duration", &role),
        _ => {}
    }
    next_evidence(&sel, facts, out);
}

fn place_attempts(sel: &Selection<'_>, artifact: &str, out: &mut Observations) {
    let attempts = &sel.attempts;
    let latest_failure = attempts
        .iter()
        .filter(|a| !a.succeeded())
        .filter_map(|a| a.time)
        .max();
    let latest_success = attempts
        .iter()
        .filter(|a| a.succeeded())
        .filter_map(|a| a.time)
        .max();
    let skip = attempts.len().saturating_sub(PLACED_ATTEMPTS);
    if skip > 0 {
        let older = &attempts[..skip];
        let failed = older.iter().filter(|a| !a.succeeded()).count();
        out.evidence(
            Evidence::runtime(
                Stage::Role,
                Outcome::Info,
                artifact,
                older[0].loc.render(),
                format!(
                    "{skip} earlier attempt(s) on this path from {} ({failed} failed) are not listed one by one",
                    when(older[0].time)
                ),
            )
            .at(older[0].time),
        );
    }
    // The latest attempt decides: a later success supersedes earlier failures of the
    // trust and role stages (the engine sees the later pass); a later failure
    // supersedes earlier successes and earlier failures at other stages (the later
    // attempt got as far as its own stage).
    let last = attempts[attempts.len() - 1];
    let last_stage = (!last.succeeded()).then(|| stage_of(last).0);
    let last_rule = if last.succeeded() {
        None
    } else {
        stage_of(last).1.map(|r| r.id)
    };
    let mut finding_for: BTreeMap<&'static str, (&Attempt, Rule, Evidence)> = BTreeMap::new();
    for a in &attempts[skip..] {
        let loc = a.loc.render();
        if a.succeeded() {
            place_success(a, latest_failure, artifact, out);
            continue;
        }
        let (stage, rule) = stage_of(a);
        let is_last = std::ptr::eq(*a, last);
        let (outcome, note) = match last_stage {
            _ if is_last => (Outcome::Fail, String::new()),
            // The latest attempt succeeded.
            None if stage == Stage::Token => (
                Outcome::Info,
                format!(" (a later attempt at {} succeeded)", when(latest_success)),
            ),
            None => (
                Outcome::Fail,
                format!(" (a later attempt at {} succeeded)", when(latest_success)),
            ),
            Some(s) if s == stage => (Outcome::Fail, String::new()),
            Some(s) => (
                Outcome::Info,
                format!(
                    " (superseded: the latest attempt, at {}, failed at the {} stage)",
                    when(last.time),
                    s.name()
                ),
            ),
        };
        let ev = Evidence::runtime(
            stage,
            outcome,
            artifact,
            loc,
            format!(
                "AssumeRoleWithWebIdentity failed for {} on role {}: {}{note}",
                or_unknown(&a.subject),
                or_unknown(&a.role),
                error_text(&a.error_code, &a.error_message),
            ),
        )
        .at(a.time);
        out.evidence(ev.clone());
        if let Some(rule) = rule {
            finding_for.insert(rule.id, (a, rule, ev));
        }
    }
    attempt_findings(finding_for, last, last_rule, out);
}

fn stage_of(a: &Attempt) -> (Stage, Option<Rule>) {
    classify_sts_error(
        a.error_code.as_deref().unwrap_or(""),
        a.error_message.as_deref().unwrap_or(""),
    )
}

fn fix_for(rule: Rule, a: &Attempt) -> String {
    let role = a.role.as_deref().map_or("ROLE", role_name);
    // The fix names commands: the role is one shell word, whatever the export holds.
    let role = shell_word(&esc(role));
    match rule.id {
        "trust.aws.not-authorized" => format!(
            "compare the token's sub and aud with the role's trust policy (aws iam get-role --role-name {role} --query Role.AssumeRolePolicyDocument): the Federated principal must be this issuer's provider, StringEquals takes no wildcards (use StringLike), and jobs with an environment have sub repo:OWNER/REPO:environment:NAME"
        ),
        "trust.aws.provider-not-found" => format!(
            "create the IAM OIDC provider for the token's issuer in the role's account (aws iam list-open-id-connect-providers; the URL must match iss exactly, without a trailing slash) and name it as the trust policy's Federated principal ({})",
            or_unknown(&a.provider)
        ),
        "trust.aws.keys-unreachable" => "make the issuer's /.well-known/openid-configuration and jwks_uri publicly reachable (AWS gives up after about 5 s), then retry; these failures are often transient".to_owned(),
        "trust.aws.audience-mismatch" => "add the token's aud to the provider's client IDs (aws iam add-client-id-to-open-id-connect-provider), or request the audience the provider lists (configure-aws-credentials: audience: sts.amazonaws.com)".to_owned(),
        "token.expired" => "request the token right before the exchange (long jobs: fetch a fresh token in the deploying step), and check the runner's clock".to_owned(),
        "role.aws.max-session-duration" => format!(
            "ask for at most the role's MaxSessionDuration (role-duration-seconds), or raise it: aws iam update-role --role-name {role} --max-session-duration SECONDS (up to 43200)"
        ),
        _ => "send the CI platform's ID token itself (not an access token), signed by the issuer's current keys, with the issuer the IAM provider names".to_owned(),
    }
}

/// A successful attempt, on the trust and role stages (as context when a later
/// failure supersedes it).
fn place_success(a: &Attempt, latest_failure: Option<i64>, artifact: &str, out: &mut Observations) {
    let superseded = latest_failure.is_some_and(|f| a.time.is_none_or(|t| t < f));
    let (outcome, prefix) = if superseded {
        (
            Outcome::Info,
            format!("superseded by the failure at {}: ", when(latest_failure)),
        )
    } else {
        (Outcome::Pass, String::new())
    };
    out.evidence(
        Evidence::runtime(
            Stage::Trust,
            outcome,
            artifact,
            a.loc.render(),
            format!(
                "{prefix}STS accepted the token from {} (aud {}) for role {}",
                or_unknown(&a.provider),
                or_unknown(&a.audience),
                or_unknown(&a.role)
            ),
        )
        .at(a.time),
    );
    let key = a
        .access_key
        .as_deref()
        .map(|k| format!(", key {}", mask_key(k)))
        .unwrap_or_default();
    out.evidence(
        Evidence::runtime(
            Stage::Role,
            outcome,
            artifact,
            a.loc.render(),
            format!(
                "{prefix}AssumeRoleWithWebIdentity succeeded for {}: session {}{key}, {} s",
                or_unknown(&a.subject),
                or_unknown(&a.assumed_arn),
                a.duration.unwrap_or(DEFAULT_SESSION)
            ),
        )
        .at(a.time),
    );
}

/// One finding per rule the path's failures prove; a failure the latest attempt does
/// not repeat is a warning, and its cause says what happened after.
fn attempt_findings(
    finding_for: BTreeMap<&'static str, (&Attempt, Rule, Evidence)>,
    last: &Attempt,
    last_rule: Option<&str>,
    out: &mut Observations,
) {
    for (a, rule, ev) in finding_for.into_values() {
        let mut cause = format!(
            "STS refused the token for {} (aud {}) on role {} at {}: {}",
            or_unknown(&a.subject),
            or_unknown(&a.audience),
            or_unknown(&a.role),
            when(a.time),
            error_text(&a.error_code, &a.error_message)
        );
        let decisive = last_rule == Some(rule.id);
        if !decisive {
            if last.succeeded() {
                let _ = write!(
                    cause,
                    "; a later attempt at {} succeeded, so this did not stop the deploy",
                    when(last.time)
                );
            } else {
                let _ = write!(
                    cause,
                    "; the latest attempt, at {}, failed differently ({})",
                    when(last.time),
                    error_text(&last.error_code, &last.error_message)
                );
            }
        }
        let mut finding = rule.finding(cause, fix_for(rule, a)).with_evidence(ev);
        if !decisive {
            finding = finding.with_severity(Severity::Warning);
        }
        out.finding(finding);
    }
}

/// Calls made with the credentials of a successful attempt: by access key, or (when
/// the event lacks it) by session ARN within the credentials' lifetime.
pub(crate) fn session_calls<'e>(
    export: &'e Export,
    a: &Attempt,
    skew: i64,
) -> Vec<&'e SessionCall> {
    let end = a
        .time
        .map(|t| t + a.duration.unwrap_or(DEFAULT_SESSION) + skew);
    let start = a.time.map(|t| t - skew);
    export
        .calls
        .iter()
        .filter(
            |c| match (c.access_key.as_deref(), a.access_key.as_deref()) {
                (Some(ck), Some(ak)) => ck == ak,
                _ => {
                    c.session_arn.is_some()
                        && c.session_arn == a.assumed_arn
                        && c.time.is_none_or(|t| {
                            start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)
                        })
                }
            },
        )
        .collect()
}

fn call_name(c: &SessionCall) -> String {
    format!("{}:{}", esc(&c.source), esc(&c.name))
}

fn unmatched_token(
    export: &Export,
    artifact: &str,
    id: &Identity,
    sel: &Selection<'_>,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let same_subject: Vec<&Attempt> = export
        .attempts
        .iter()
        .filter(|a| a.subject.as_deref() == Some(id.sub.as_str()) && passes(a, &facts.filters))
        .collect();
    let (from, to) = sel.window;
    let dropped = if export.attempts_dropped() > 0 {
        format!(
            "; only the latest {} of the export's {} web-identity events are kept in full: for an older run, give the files or the lookup-events window of that run",
            export.attempts.len(),
            export.attempts_seen
        )
    } else {
        String::new()
    };
    let elsewhere = match same_subject.iter().filter_map(|a| a.time).max() {
        Some(t) => format!(
            "; {} event(s) for this subject lie outside the token's lifetime, the latest at {}",
            same_subject.len(),
            format_utc(t)
        ),
        None => String::new(),
    };
    out.evidence(Evidence::runtime(
        Stage::Role,
        Outcome::Info,
        artifact,
        "$",
        format!(
            "no AssumeRoleWithWebIdentity for sub {} (aud {}) between {} and {} among the export's {} web-identity event(s){elsewhere}{dropped}; key-fetch failures (\"Couldn't retrieve verification key\") are not recorded in CloudTrail",
            esc(&id.sub),
            esc(&id.auds.join(", ")),
            when(from),
            when(to),
            export.attempts_seen
        ),
    ));
}

fn no_attempts(
    export: &Export,
    artifact: &str,
    sel: &Selection<'_>,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    // Calls by web-identity sessions whose assumption is not in the export.
    let role_filter = facts.filters.role.as_deref();
    let web: Vec<&SessionCall> = export
        .calls
        .iter()
        .filter(|c| {
            c.web_identity && role_filter.is_none_or(|r| role_matches(c.issuer_role.as_deref(), r))
        })
        .collect();
    let latest = web
        .iter()
        .filter(|c| c.refused())
        .max_by_key(|c| c.time)
        .or_else(|| web.iter().max_by_key(|c| c.time));
    if let Some(pick) = latest {
        let calls: Vec<&SessionCall> = web
            .iter()
            .copied()
            .filter(|c| c.access_key == pick.access_key && c.session_arn == pick.session_arn)
            .collect();
        let pseudo = Attempt {
            loc: pick.loc.clone(),
            time: calls.iter().filter_map(|c| c.time).min(),
            role: pick.issuer_role.clone(),
            session_name: None,
            subject: None,
            audience: None,
            provider: None,
            assumed_arn: pick.session_arn.clone(),
            access_key: pick.access_key.clone(),
            duration: None,
            error_code: None,
            error_message: None,
            region: pick.region.clone(),
        };
        out.evidence(Evidence::runtime(
            Stage::Role,
            Outcome::Info,
            artifact,
            pick.loc.render(),
            format!(
                "the export holds calls by web-identity session {} but not its AssumeRoleWithWebIdentity event",
                or_unknown(&pick.session_arn)
            ),
        ));
        place_audit(export, artifact, &pseudo, &calls, out);
        return;
    }
    let (from, to) = sel.window;
    out.evidence(Evidence::runtime(
        Stage::Role,
        Outcome::Info,
        artifact,
        "$",
        format!(
            "no AssumeRoleWithWebIdentity event{} among {} event(s) between {} and {}; key-fetch failures (\"Couldn't retrieve verification key\") are not recorded in CloudTrail",
            if filtered(&facts.filters) { " matching --role/--subject/--since/--until" } else { "" },
            export.events,
            when(from),
            when(to)
        ),
    ));
}

/// `--start-time` / `--end-time` values, for the commands that take a window.
fn time_values(from: Option<i64>, to: Option<i64>) -> Vec<(&'static str, String)> {
    let mut values = Vec::new();
    values.extend(from.map(|f| ("start", format_utc(f))));
    values.extend(to.map(|t| ("end", format_utc(t))));
    values
}

/// `2026-03-02 10:15:00`, as CloudTrail Lake compares `eventTime`.
fn lake_time(t: i64) -> String {
    format_utc(t)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

fn next_evidence(sel: &Selection<'_>, facts: &SharedFacts, out: &mut Observations) {
    let (from, to) = sel.window;
    let mut values = time_values(from, to);
    values.extend(
        sel.attempts
            .iter()
            .rev()
            .find_map(|a| a.region.as_deref())
            .map(|r| ("region", esc(r))),
    );
    values.extend(
        sel.role
            .as_deref()
            .map(esc)
            .or_else(|| facts.filters.role.as_deref().map(esc))
            .map(|r| ("role_arn", r)),
    );
    values.extend(
        sel.subject
            .as_deref()
            .map(esc)
            .or_else(|| sel.unmatched.as_ref().map(|i| esc(&i.sub)))
            .or_else(|| facts.filters.subject.as_deref().map(esc))
            .map(|s| ("subject", s)),
    );
    values.extend(from.map(|f| ("from", format_utc(f))));
    values.extend(to.map(|t| ("to", format_utc(t))));
    values.extend(from.map(|f| ("lake_from", lake_time(f))));
    values.extend(to.map(|t| ("lake_to", lake_time(t))));
    next(out, "aws.cloudtrail.exchanges", &values);
    next(out, "aws.cloudtrail-lake.exchanges", &values);
    next(out, "aws.athena.exchanges", &values);
}
