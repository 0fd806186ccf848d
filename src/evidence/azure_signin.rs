//! Microsoft Entra sign-in logs as evidence (kind `azure-signin-log`): the JSON exports
//! of service principal (and managed identity) sign-ins. Accepted shapes: the
//! Microsoft Graph list response of `GET
//! /beta/auditLogs/signIns?$filter=signInEventTypes/any(t: t eq 'servicePrincipal')`
//! (`{"@odata.context": …, "value": [signIn…]}`, as `az rest` prints it), the portal's
//! JSON download (an array of the same records), Log Analytics rows of
//! `AADServicePrincipalSignInLogs` (PascalCase columns, as `az monitor log-analytics
//! query` prints them or as the query API's `tables`), and diagnostic-settings archive
//! records. The bare AADSTS text of a CI log is the error-text source's, not this one's.
//!
//! Sources: <https://learn.microsoft.com/graph/api/resources/signin> ,
//! <https://learn.microsoft.com/graph/api/signin-list> (newest first, `signInEventTypes`),
//! <https://learn.microsoft.com/azure/azure-monitor/reference/tables/aadserviceprincipalsigninlogs> ,
//! <https://learn.microsoft.com/entra/identity/monitoring-health/concept-service-principal-sign-ins> ,
//! and clouds.md / errors.md for the AADSTS codes (Entra workload identity federation
//! considerations, Azure DevOps WIF troubleshooting).
//!
//! Semantics: a sign-in with error code 0 issued a token, so the trust and role stages
//! passed at that time; an AADSTS code fails the stage its finding belongs to (trust for
//! the federated-credential codes, token for AADSTS700024). One app is followed: the
//! one whose sign-ins quote the loaded token's subject or fall in its validity window
//! (else `--role`, else the app with the most recent failure); within it the latest
//! attempt decides, earlier failures stay listed, other apps are summarised.

mod place;
mod record;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Read;

use record::{Code, SignIn, SignInKind, code_info, is_signin_record, read_signins};
use serde_json::Value;

use super::gcp_audit::stream::{KeepBudget, ReadStats, RecordWords, Records, StreamError};
use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Origin, Recognition,
    SharedFacts,
};
use crate::clock::format_utc;
use crate::evidence::logs::{Anchor, next, quote, quoted_after, show, within_filters};
use crate::text::command::{shell_word, sql_literal};
use crate::vocabulary::{Evidence, Outcome, Stage};

/// Largest single record read: a sign-in is a few kilobytes, a Log Analytics query
/// response (one record holding every row) is capped by the service at 64 MB.
const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// Sign-ins kept with their details; the rest of a huge export is only counted.
const MAX_KEPT: usize = 200_000;

/// Attempts listed one by one; older ones are summarised.
const LISTED: usize = 50;

/// Why a sign-in log export could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AzureSigninError {
    /// The export is damaged before its first sign-in.
    #[error("no sign-in could be read before the damage: {0}")]
    Damaged(#[source] StreamError),
    /// The only sign-in-looking record is not valid JSON.
    #[error("{locator}: not valid JSON ({reason})")]
    InvalidRecord { locator: String, reason: String },
    /// Valid JSON, but no sign-in record in it.
    #[error(
        "no sign-in record among the {records} records (Graph signIn objects, or AADServicePrincipalSignInLogs rows)"
    )]
    NoSignIns { records: usize },
    /// A large export could not be re-opened to read past its head.
    #[error("cannot re-open the input to read past its first megabyte: {0}")]
    Reopen(#[source] std::io::Error),
}

/// Recognises an Entra sign-in log export by content.
pub struct AzureSigninSource;

impl EvidenceSource for AzureSigninSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::AzureSigninLog
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if matches!(input.origin, Origin::Directory(_)) || !sniff(&input.bytes) {
            return Recognition::NotMine;
        }
        let read = match input.content() {
            Ok(reader) => AzureSigninLog::read(reader),
            Err(e) => Err(AzureSigninError::Reopen(e)),
        };
        match read {
            Ok(log) => Recognition::Loaded(Box::new(log)),
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

fn contains(head: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(head, needle).is_some()
}

/// True when the head of an input is a sign-in export: one of its first records is a
/// sign-in (Graph, Log Analytics, diagnostic archive), it is a Graph signIns list
/// (even an empty one), or — first record too large or damaged — it carries sign-in
/// markers. Applications, federated credentials, claims, key sets and CloudTrail have no
/// sign-in status.
pub fn sniff(head: &[u8]) -> bool {
    let graph = contains(head, b"createdDateTime") && contains(head, b"\"errorCode\"");
    let log_analytics = contains(head, b"\"ResultType\"");
    let archive = contains(head, b"SignInLogs\"");
    let list = contains(head, b"auditLogs/signIns");
    if !(graph || log_analytics || archive || list) {
        return false;
    }
    let mut records = Records::new(head, MAX_RECORD_BYTES);
    let mut complete = false;
    for _ in 0..16 {
        match records.next_record() {
            Ok(Some(record)) => {
                if let Some(bytes) = &record.bytes
                    && let Ok(value) = serde_json::from_slice::<Value>(bytes)
                {
                    complete = true;
                    if is_signin_record(&value) {
                        return true;
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    let graph_list = records
        .wrapper()
        .and_then(|w| w.fields.get("@odata.context"))
        .and_then(Value::as_str)
        .is_some_and(|c| c.contains("auditLogs/signIns"));
    graph_list
        || (!complete
            && (list
                || (graph
                    && (contains(head, b"\"appId\"") || contains(head, b"servicePrincipal")))
                || (log_analytics && contains(head, b"TimeGenerated"))
                || archive))
}

/// A loaded sign-in log export.
#[derive(Clone, Debug)]
pub struct AzureSigninLog {
    signins: Vec<SignIn>,
    stats: ReadStats,
}

impl AzureSigninLog {
    /// Read an export from a stream. Sign-ins before any damage are kept (the damage is
    /// in the note); an export with no sign-in record is an error, except a Graph
    /// signIns list that is empty (that says something: nothing matched its filter).
    pub fn read(reader: impl Read) -> Result<AzureSigninLog, AzureSigninError> {
        let mut records = Records::new(reader, MAX_RECORD_BYTES);
        let mut signins = Vec::new();
        let mut stats = ReadStats::default();
        let mut beyond_cap = 0;
        let mut budget = KeepBudget::new(MAX_KEPT);
        let (damage, first_invalid) = records.read_values(&mut stats, |value, locator, size| {
            for signin in read_signins(&value, &locator) {
                if budget.admit(size) {
                    signins.push(signin);
                } else {
                    beyond_cap += 1;
                }
            }
        });
        stats.beyond_cap = beyond_cap;
        let graph_list = records
            .wrapper()
            .and_then(|w| w.fields.get("@odata.context"))
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("auditLogs/signIns"));
        if signins.is_empty() && stats.beyond_cap == 0 && !(graph_list && damage.is_none()) {
            if let Some(e) = damage {
                return Err(AzureSigninError::Damaged(e));
            }
            if let Some((locator, reason)) = first_invalid {
                return Err(AzureSigninError::InvalidRecord { locator, reason });
            }
            return Err(AzureSigninError::NoSignIns {
                records: stats.records,
            });
        }
        stats.damage = damage.map(|e| e.to_string());
        Ok(AzureSigninLog { signins, stats })
    }
}

/// `AADSTS700213 ×2, AADSTS70021` for a set of sign-ins.
fn code_counts<'a>(signins: impl Iterator<Item = &'a SignIn>) -> String {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for s in signins.filter(|s| s.failed()) {
        if let Some(code) = s.error_code {
            *counts.entry(code).or_default() += 1;
        }
    }
    counts
        .iter()
        .map(|(code, n)| {
            if *n == 1 {
                format!("AADSTS{code}")
            } else {
                format!("AADSTS{code} ×{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl LoadedArtifact for AzureSigninLog {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::AzureSigninLog
    }

    fn note(&self) -> Option<String> {
        let s = &self.stats;
        let apps = self.signins.iter().filter(|x| x.kind != SignInKind::User);
        let users = self.signins.len() - apps.clone().count();
        let mut per_app: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for x in apps.clone() {
            per_app
                .entry(x.app_key())
                .or_insert_with(|| (x.app_label(), 0))
                .1 += 1;
        }
        let mut apps_list: Vec<_> = per_app.into_values().collect();
        apps_list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let shown: Vec<String> = apps_list
            .iter()
            .take(5)
            .map(|(label, n)| format!("{label} {n}"))
            .collect();
        let more = apps_list.len().saturating_sub(5);
        let mut parts = vec![format!(
            "{} sign-ins ({}): {} service principal or managed identity{}",
            self.signins.len() + s.beyond_cap,
            s.framing,
            apps.clone().count(),
            if shown.is_empty() {
                String::new()
            } else {
                format!(
                    " ({}{})",
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more apps")
                    } else {
                        String::new()
                    }
                )
            }
        )];
        if users > 0 {
            parts.push(format!("{users} user sign-ins ignored"));
        }
        let failures = code_counts(apps);
        if !failures.is_empty() {
            parts.push(format!("failures: {failures}"));
        }
        parts.extend(s.read_notes(
            &RecordWords {
                unreadable: "records",
                oversized: "sign-ins",
                kept: "sign-ins",
                name_first_oversized: false,
            },
            self.signins.len(),
        ));
        Some(parts.join("; "))
    }

    fn share(&self, _artifact: &str, facts: &mut SharedFacts) {
        // As for GCP: only attempts correlated with a known token (or --role/--subject)
        // may set the clock; another run's sign-in would judge the token at the wrong time.
        let anchor = Anchor::from_facts(facts);
        if anchor.is_none() && facts.filters.role.is_none() && facts.filters.subject.is_none() {
            return;
        }
        let path = select_path(self, anchor.as_ref(), facts);
        if path.unmatched_token {
            return;
        }
        let times: Vec<i64> = path
            .attempts
            .iter()
            .filter_map(|&i| self.signins[i].time)
            .collect();
        facts.event_times.extend(times);
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        let anchor = Anchor::from_facts(facts);
        let path = select_path(self, anchor.as_ref(), facts);
        let ctx = Context {
            log: self,
            artifact,
            path: &path,
            anchor: anchor.as_ref(),
        };
        ctx.place_attempts(out);
        ctx.place_findings(out);
        ctx.summarise_others(out);
        ctx.next_evidence(out);
    }
}

/// How a sign-in relates to the loaded token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relation {
    /// Its message quotes the token's subject (or issuer, audience).
    Quotes,
    /// Its message quotes another token's subject, issuer or audience.
    Contradicts,
    /// No quote; it happened while the token was valid.
    InWindow,
    Unrelated,
}

/// What a failure message quotes of the assertion.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Quoted {
    subject: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
}

fn quoted(s: &SignIn) -> Quoted {
    let m = s.full_message();
    Quoted {
        subject: quoted_after(&m, &["assertion subject"]),
        issuer: quoted_after(&m, &["assertion issuer"]),
        audience: quoted_after(&m, &["assertion audience"]),
    }
}

fn relation(s: &SignIn, anchor: &Anchor, subject_filter: Option<&str>) -> Relation {
    let q = quoted(s);
    let sub = anchor.sub.as_deref().or(subject_filter);
    let checks = [
        (
            q.subject.as_deref(),
            sub.map(|s| vec![s]).unwrap_or_default(),
        ),
        (
            q.issuer.as_deref(),
            anchor.iss.as_deref().map(|s| vec![s]).unwrap_or_default(),
        ),
        (
            q.audience.as_deref(),
            anchor.aud.iter().map(String::as_str).collect(),
        ),
    ];
    for (quoted, known) in checks {
        if let Some(value) = quoted
            && !known.is_empty()
        {
            return if known.contains(&value) {
                Relation::Quotes
            } else {
                Relation::Contradicts
            };
        }
    }
    if anchor.in_window(s.time) {
        Relation::InWindow
    } else {
        Relation::Unrelated
    }
}

/// The path followed: one app's correlated attempts.
#[derive(Debug, Default)]
struct Path {
    /// The app's key and label.
    app: Option<(String, String)>,
    how: String,
    /// Correlated attempts, oldest first.
    attempts: Vec<usize>,
    /// The app's other sign-ins (another run, another subject).
    uncorrelated: Vec<usize>,
    /// No sign-in of the app matched the token: every one is shown.
    unmatched_token: bool,
    /// Other apps' sign-ins, and secret/certificate sign-ins.
    others: Vec<usize>,
    users: usize,
}

fn by_time(log: &AzureSigninLog, indices: &mut [usize]) {
    indices.sort_by_key(|&i| {
        (
            log.signins[i].time.unwrap_or(i64::MIN),
            std::cmp::Reverse(i),
        )
    });
}

fn select_path(log: &AzureSigninLog, anchor: Option<&Anchor>, facts: &SharedFacts) -> Path {
    let mut path = Path::default();
    let mut candidates = Vec::new();
    for (i, s) in log.signins.iter().enumerate() {
        if !within_filters(facts, s.time) {
            continue;
        }
        if s.kind == SignInKind::User {
            path.users += 1;
        } else {
            candidates.push(i);
        }
    }
    // Secret and certificate sign-ins of an app that also federates are another path.
    let federating: std::collections::HashSet<String> = candidates
        .iter()
        .filter(|&&i| !log.signins[i].other_credential())
        .map(|&i| log.signins[i].app_key())
        .collect();
    let federates = |key: &str| federating.contains(key);
    let (federated, secret): (Vec<usize>, Vec<usize>) =
        candidates.iter().copied().partition(|&i| {
            !log.signins[i].other_credential() || !federates(&log.signins[i].app_key())
        });

    let subject_filter = facts.filters.subject.as_deref();
    let relation_of = |i: usize| match anchor {
        Some(a) => relation(&log.signins[i], a, subject_filter),
        None => match (subject_filter, quoted(&log.signins[i]).subject) {
            (Some(f), Some(q)) if f == q => Relation::Quotes,
            (Some(_), Some(_)) => Relation::Contradicts,
            _ => Relation::Unrelated,
        },
    };
    let role = facts.filters.role.as_deref().map(str::to_ascii_lowercase);
    let matches_role = |s: &SignIn| {
        role.as_deref().is_some_and(|r| {
            [&s.app_id, &s.sp_id, &s.app_name]
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(r)))
        })
    };

    let time = |i: usize| log.signins[i].time.unwrap_or(i64::MIN);
    let chosen = if let Some(&i) = federated.iter().find(|&&i| matches_role(&log.signins[i])) {
        path.how = "--role".to_owned();
        Some(log.signins[i].app_key())
    } else {
        // Score apps by quoted subjects, then by sign-ins in the token's window.
        let mut scores: BTreeMap<String, (usize, usize, i64)> = BTreeMap::new();
        for &i in &federated {
            let slot = scores.entry(log.signins[i].app_key()).or_default();
            match relation_of(i) {
                Relation::Quotes => slot.0 += 1,
                Relation::InWindow => slot.1 += 1,
                _ => {}
            }
            slot.2 = slot.2.max(time(i));
        }
        let best = scores
            .iter()
            .filter(|(_, (q, w, _))| q + w > 0)
            .max_by_key(|(_, score)| **score)
            .map(|(k, _)| k.clone());
        if let Some(key) = best {
            path.how = match anchor {
                Some(a) => format!("matched with the token of {}", show(&a.artifact)),
                None => "--subject".to_owned(),
            };
            Some(key)
        } else {
            let latest_failure = federated
                .iter()
                .copied()
                .filter(|&i| log.signins[i].failed())
                .max_by_key(|&i| time(i));
            let latest = federated.iter().copied().max_by_key(|&i| time(i));
            path.how = if latest_failure.is_some() {
                "the app with the most recent failure".to_owned()
            } else {
                "the app with the most recent sign-in".to_owned()
            };
            latest_failure.or(latest).map(|i| log.signins[i].app_key())
        }
    };

    let Some(key) = chosen else {
        path.others = secret;
        return path;
    };
    let of_app: Vec<usize> = federated
        .iter()
        .copied()
        .filter(|&i| log.signins[i].app_key() == key)
        .collect();
    if let Some(&first) = of_app.first() {
        path.app = Some((key.clone(), log.signins[first].app_label()));
    }
    let correlating = anchor.is_some() || subject_filter.is_some();
    let (mut attempts, mut uncorrelated): (Vec<usize>, Vec<usize>) = if correlating {
        of_app
            .iter()
            .copied()
            .partition(|&i| matches!(relation_of(i), Relation::Quotes | Relation::InWindow))
    } else {
        (of_app.clone(), Vec::new())
    };
    if attempts.is_empty() {
        path.unmatched_token = correlating;
        attempts = of_app.clone();
        uncorrelated.clear();
    }
    by_time(log, &mut attempts);
    by_time(log, &mut uncorrelated);
    path.attempts = attempts;
    path.uncorrelated = uncorrelated;
    path.others = federated
        .iter()
        .copied()
        .filter(|&i| log.signins[i].app_key() != key)
        .chain(secret)
        .collect();
    path
}

struct Context<'a> {
    log: &'a AzureSigninLog,
    artifact: &'a str,
    path: &'a Path,
    anchor: Option<&'a Anchor>,
}
