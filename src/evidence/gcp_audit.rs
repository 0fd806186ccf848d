//! Google Cloud Audit Logs as evidence (kind `gcp-audit-log`): the output of
//! `gcloud logging read '…' --format=json` (a JSON array of LogEntry objects, newest
//! first), the Logs Explorer download (a JSON array, or newline-delimited), the Logging
//! API's `entries.list` response, or a single LogEntry.
//!
//! Formats and fields: LogEntry <https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry> ,
//! AuditLog <https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog> ,
//! the Workload Identity Federation examples
//! <https://cloud.google.com/iam/docs/audit-logging/examples-workload-identity> , STS
//! methods <https://cloud.google.com/iam/docs/audit-logging/audit-logging-sts> , caller
//! redaction of denied read-only calls <https://cloud.google.com/logging/docs/audit#user-id> ,
//! and the error texts of google-github-actions/auth `docs/TROUBLESHOOTING.md` and
//! <https://cloud.google.com/iam/docs/troubleshooting-workload-identity-federation>
//! (docs/reference/errors.md, docs/reference/clouds.md).
//!
//! Stages: the STS `ExchangeToken` is the trust stage; IAM Credentials
//! `GenerateAccessToken` (service account impersonation) is the role stage; later calls
//! by the service account, or by the federated principal directly, are the audit stage.
//! One path is followed: the loaded token's `sub` (or `--subject`, else the subject with
//! the most recent failure); the service accounts it impersonated and their calls
//! follow from it, and other principals are summarised. The export is streamed
//! (`stream`) so a multi-gigabyte download is read in constant memory per entry.

mod entry;
mod place;
pub(crate) mod shared;
pub(crate) mod stream;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use crate::evidence::logs::{Anchor, next, show, within_filters};
use crate::text::command::shell_word;
use entry::{AuditEntry, EntryKind, read_entry, subject_of};
use serde_json::Value;
use stream::{KeepBudget, ReadStats, RecordWords, Records, StreamError};

use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Origin, Recognition,
    SharedFacts,
};
use crate::clock::format_utc;
use crate::evidence::Filters;
use crate::vocabulary::catalog::{
    AUDIT_GCP_PERMISSION_DENIED, AUDIT_GCP_UNAUTHENTICATED,
    ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER, ROLE_GCP_TOKEN_LIFETIME, Rule, TOKEN_EXPIRED,
    TRUST_GCP_AUDIENCE_MISMATCH, TRUST_GCP_CONDITION_REJECTED, TRUST_GCP_FEDERATED_TOKEN_FAILED,
    TRUST_GCP_ISSUER_MISMATCH, TRUST_GCP_ISSUER_UNREACHABLE, TRUST_GCP_MAPPING_FAILED,
    TRUST_GCP_ORG_POLICY_BLOCKED, TRUST_GCP_PROVIDER_DISABLED, TRUST_GCP_SUBJECT_TOO_LONG,
};
use crate::vocabulary::{Evidence, Outcome, Stage};

/// Largest single entry read (Cloud Logging caps an entry at 256 KB; a larger record
/// is not a LogEntry and is skipped with its size).
const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;

/// Entries kept with their details; the rest of a huge export is only counted.
const MAX_KEPT: usize = 200_000;

/// Attempts of one stage listed one by one; older ones are summarised.
const LISTED: usize = 25;

/// How long after an exchange an impersonation whose caller GCP redacted is taken to
/// be the same run's.
const IMPERSONATION_FOLLOWS_WITHIN: i64 = 600;

/// Lifetime of a service account access token (`generateAccessToken` default): calls
/// by the service account after it are another run's.
const ACCESS_TOKEN_LIFETIME: i64 = 3600;

/// Why a GCP audit log export could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GcpAuditError {
    /// The export is damaged before its first audit entry.
    #[error("no audit log entry could be read before the damage: {0}")]
    Damaged(#[source] StreamError),
    /// The only audit-looking record is not valid JSON.
    #[error("{locator}: not valid JSON ({reason})")]
    InvalidEntry { locator: String, reason: String },
    /// Valid JSON, but no Cloud Audit Logs entry in it.
    #[error(
        "no Cloud Audit Logs entry among the {records} records (a LogEntry whose protoPayload is a google.cloud.audit.AuditLog)"
    )]
    NoAuditEntries { records: usize },
    /// A large export could not be re-opened to read past its head.
    #[error("cannot re-open the input to read past its first megabyte: {0}")]
    Reopen(#[source] std::io::Error),
}

/// Recognises a Cloud Audit Logs export by content.
pub struct GcpAuditLogSource;

impl EvidenceSource for GcpAuditLogSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::GcpAuditLog
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if matches!(input.origin, Origin::Directory(_)) || !sniff(&input.bytes) {
            return Recognition::NotMine;
        }
        let read = match input.content() {
            Ok(reader) => GcpAuditLog::read(reader),
            Err(e) => Err(GcpAuditError::Reopen(e)),
        };
        match read {
            Ok(log) => Recognition::Loaded(Box::new(log)),
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

/// True when the head of an input is a Cloud Audit Logs export: one of its first
/// records is an audit LogEntry, or (first record too large or damaged) it carries the
/// AuditLog markers. CloudTrail, trust policies, claims and key sets have no
/// `protoPayload`.
pub fn sniff(head: &[u8]) -> bool {
    if memchr::memmem::find(head, b"\"protoPayload\"").is_none() {
        return false;
    }
    let mut records = Records::new(head, MAX_ENTRY_BYTES);
    for _ in 0..16 {
        match records.next_record() {
            Ok(Some(record)) => {
                if let Some(bytes) = &record.bytes
                    && let Ok(value) = serde_json::from_slice::<Value>(bytes)
                    && entry::is_audit_entry(&value)
                {
                    return true;
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    memchr::memmem::find(head, b"google.cloud.audit.AuditLog").is_some()
        || memchr::memmem::find(head, b"cloudaudit.googleapis.com").is_some()
}

/// A loaded Cloud Audit Logs export.
#[derive(Clone, Debug)]
pub struct GcpAuditLog {
    entries: Vec<AuditEntry>,
    stats: ReadStats,
    /// Log entries that are not audit entries.
    other_entries: usize,
}

impl GcpAuditLog {
    /// Read an export from a stream. Entries before any damage are kept (the damage is
    /// in the note); an export with no audit entry at all is an error.
    pub fn read(reader: impl Read) -> Result<GcpAuditLog, GcpAuditError> {
        let mut records = Records::new(reader, MAX_ENTRY_BYTES);
        let mut entries = Vec::new();
        let mut stats = ReadStats::default();
        let (mut other_entries, mut beyond_cap) = (0, 0);
        let mut budget = KeepBudget::new(MAX_KEPT);
        let (damage, first_invalid) = records.read_values(&mut stats, |value, locator, size| {
            match read_entry(&value, locator) {
                None => other_entries += 1,
                Some(entry) if budget.admit(size) => entries.push(entry),
                Some(_) => beyond_cap += 1,
            }
        });
        stats.beyond_cap = beyond_cap;
        if entries.is_empty() && stats.beyond_cap == 0 {
            if let Some(e) = damage {
                return Err(GcpAuditError::Damaged(e));
            }
            if let Some((locator, reason)) = first_invalid {
                return Err(GcpAuditError::InvalidEntry { locator, reason });
            }
            return Err(GcpAuditError::NoAuditEntries {
                records: stats.records,
            });
        }
        stats.damage = damage.map(|e| e.to_string());
        Ok(GcpAuditLog {
            entries,
            stats,
            other_entries,
        })
    }

    /// The subjects, service accounts and other callers of the export, most frequent
    /// first, with their entry counts.
    fn principals(&self) -> Vec<(String, usize)> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for e in &self.entries {
            *counts.entry(principal_label(e)).or_default() += 1;
        }
        let mut list: Vec<_> = counts.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list
    }
}

/// Who an entry is by, for summaries of other principals.
fn principal_label(e: &AuditEntry) -> String {
    if let Some(sub) = e.subject() {
        return format!("`{}`", show(&sub));
    }
    match (&e.principal_email, &e.principal_subject) {
        (Some(email), _) => show(email),
        (None, Some(subject)) => show(subject),
        (None, None) => "(caller redacted)".to_owned(),
    }
}

impl LoadedArtifact for GcpAuditLog {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::GcpAuditLog
    }

    fn note(&self) -> Option<String> {
        let s = &self.stats;
        let count = |kind| self.entries.iter().filter(|e| e.kind == kind).count();
        let mut parts = vec![format!(
            "{} audit entries ({}): {} STS exchanges, {} service account impersonations, {} other calls",
            self.entries.len() + s.beyond_cap,
            s.framing,
            count(EntryKind::Exchange),
            count(EntryKind::Impersonation),
            count(EntryKind::Call),
        )];
        let principals = self.principals();
        if !principals.is_empty() {
            let shown: Vec<String> = principals
                .iter()
                .take(5)
                .map(|(p, n)| format!("{p} ({n})"))
                .collect();
            let more = principals.len().saturating_sub(5);
            parts.push(format!(
                "principals: {}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        if self.other_entries > 0 {
            parts.push(format!(
                "{} non-audit log entries ignored",
                self.other_entries
            ));
        }
        parts.extend(s.read_notes(
            &RecordWords {
                unreadable: "entries",
                oversized: "log entries",
                kept: "entries",
                name_first_oversized: true,
            },
            self.entries.len(),
        ));
        Some(parts.join("; "))
    }

    fn share(&self, _artifact: &str, facts: &mut SharedFacts) {
        // The clock is the time of the correlated exchange and impersonation. Without a
        // token or --subject known yet nothing is correlated, and a time from another
        // run of the export would judge the token against the wrong instant.
        let anchor = Anchor::from_facts(facts);
        if anchor.is_none() && facts.filters.subject.is_none() {
            return;
        }
        let path = select_path(self, anchor.as_ref(), facts);
        let times: Vec<i64> = path
            .exchanges
            .iter()
            .chain(&path.impersonations)
            .filter_map(|&i| self.entries[i].time)
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
        };
        ctx.place_trust(out);
        ctx.place_role(out);
        ctx.place_audit(out);
        ctx.summarise_others(out);
        ctx.next_evidence(anchor.as_ref(), out);
    }
}

/// The path followed through the export: entry indices per stage.
#[derive(Debug, Default)]
struct Path {
    subject: Option<String>,
    /// Why this path ("the `sub` of id-token.json").
    how: String,
    exchanges: Vec<usize>,
    impersonations: Vec<usize>,
    calls: Vec<usize>,
    /// Impersonations whose caller was redacted, matched by time.
    redacted: Vec<usize>,
    /// Federated principals of the path (`principal://…/subject/…`).
    principals: Vec<String>,
    /// Service accounts the path impersonated (successfully first).
    accounts: Vec<String>,
    /// Entries not on the path.
    others: Vec<usize>,
}

/// Order entries by time (untimed first, then file order).
fn by_time(log: &GcpAuditLog, indices: &mut [usize]) {
    indices.sort_by_key(|&i| {
        (
            log.entries[i].time.unwrap_or(i64::MIN),
            std::cmp::Reverse(i),
        )
    });
}

fn role_service_account(filters: &Filters) -> Option<String> {
    let role = filters.role.as_deref()?;
    let role = role.strip_prefix("serviceAccount:").unwrap_or(role);
    let role = role.rsplit('/').next().unwrap_or(role);
    role.contains('@').then(|| role.to_owned())
}

/// The subject with the most recent failure (else the most recent activity).
fn busiest_failing_subject(log: &GcpAuditLog, usable: &[usize]) -> Option<String> {
    let mut best: BTreeMap<String, (Option<i64>, Option<i64>)> = BTreeMap::new();
    for &i in usable {
        let e = &log.entries[i];
        if let Some(sub) = e.subject() {
            let slot = best.entry(sub).or_default();
            if e.failed() {
                slot.0 = slot.0.max(e.time.or(Some(i64::MIN)));
            }
            slot.1 = slot.1.max(e.time.or(Some(i64::MIN)));
        }
    }
    best.into_iter()
        .max_by_key(|(_, (failed, latest))| (*failed, *latest))
        .map(|(sub, _)| sub)
}

fn select_path(log: &GcpAuditLog, anchor: Option<&Anchor>, facts: &SharedFacts) -> Path {
    let usable: Vec<usize> = (0..log.entries.len())
        .filter(|&i| within_filters(facts, log.entries[i].time))
        .collect();
    let role_sa = role_service_account(&facts.filters);
    let (subject, how) = choose_subject(log, anchor, facts, &usable);
    let mut path = Path {
        subject: subject.clone(),
        how,
        ..Path::default()
    };
    let on_subject = |e: &AuditEntry| {
        subject.as_deref().is_some_and(|s| {
            e.subject().as_deref() == Some(s)
                || e.federated_principals()
                    .any(|p| subject_of(p).as_deref() == Some(s))
        })
    };

    for &i in &usable {
        let e = &log.entries[i];
        if e.kind == EntryKind::Exchange
            && (on_subject(e)
                || (e.caller_redacted()
                    && e.mapped_principal.is_none()
                    && anchor.is_some_and(|a| a.in_window(e.time))))
        {
            path.exchanges.push(i);
        }
    }
    by_time(log, &mut path.exchanges);
    for &i in &path.exchanges {
        if let Some(p) = &log.entries[i].mapped_principal
            && !path.principals.contains(p)
        {
            path.principals.push(p.clone());
        }
    }

    // Exchanges are sorted by time: the ones an impersonation may follow are found by
    // binary search (a busy pipeline's export holds thousands of each).
    let exchange_times: Vec<i64> = path
        .exchanges
        .iter()
        .map(|&x| log.entries[x].time.unwrap_or(i64::MIN))
        .collect();
    let follows_exchange = |e: &AuditEntry| {
        let Some(et) = e.time else { return false };
        let from = exchange_times.partition_point(|&t| t < et - IMPERSONATION_FOLLOWS_WITHIN);
        let to = exchange_times.partition_point(|&t| t <= et);
        path.exchanges[from..to]
            .iter()
            .any(|&x| match (&log.entries[x].caller_ip, &e.caller_ip) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
    };
    for &i in &usable {
        let e = &log.entries[i];
        if e.kind != EntryKind::Impersonation {
            continue;
        }
        if on_subject(e) {
            path.impersonations.push(i);
        } else if e.caller_redacted()
            && (follows_exchange(e)
                || (path.exchanges.is_empty()
                    && match anchor {
                        Some(a) => a.in_window(e.time),
                        // Nothing to match with: the redacted attempt is all there is.
                        None => facts.filters.subject.is_none(),
                    }))
        {
            path.impersonations.push(i);
            path.redacted.push(i);
        }
    }
    if let Some(sa) = &role_sa {
        let targeted: Vec<usize> = path
            .impersonations
            .iter()
            .copied()
            .filter(|&i| log.entries[i].target_sa.as_deref() == Some(sa.as_str()))
            .collect();
        if !targeted.is_empty() {
            path.impersonations = targeted;
        }
    }
    by_time(log, &mut path.impersonations);

    let windows = choose_accounts(log, &mut path, role_sa.as_ref(), subject.is_none(), &usable);
    let skew = facts.skew.max(0);
    for &i in &usable {
        let e = &log.entries[i];
        if e.kind != EntryKind::Call {
            continue;
        }
        let by_account = e.principal_email.as_ref().is_some_and(|p| {
            path.accounts.contains(p)
                && match (windows.get(p), e.time) {
                    (Some(&(from, to)), Some(t)) => {
                        from.saturating_sub(skew) <= t
                            && t <= to.saturating_add(ACCESS_TOKEN_LIFETIME + skew)
                    }
                    _ => true,
                }
        });
        if on_subject(e) || by_account {
            path.calls.push(i);
        }
    }
    by_time(log, &mut path.calls);

    path.others = others(log, &path);
    path
}

/// The subject the path follows: the token's, else `--subject`, else the subject with
/// the most recent failure; and how it was chosen.
fn choose_subject(
    log: &GcpAuditLog,
    anchor: Option<&Anchor>,
    facts: &SharedFacts,
    usable: &[usize],
) -> (Option<String>, String) {
    match (anchor.and_then(|a| a.sub.clone()), &facts.filters.subject) {
        (Some(sub), _) => (
            Some(sub),
            format!(
                "the `sub` of {}",
                show(&anchor.map(|a| a.artifact.clone()).unwrap_or_default())
            ),
        ),
        (None, Some(sub)) => (Some(sub.clone()), "--subject".to_owned()),
        (None, None) => match busiest_failing_subject(log, usable) {
            Some(sub) => (
                Some(sub),
                "the subject with the most recent failure".to_owned(),
            ),
            None => (None, "no subject in the export".to_owned()),
        },
    }
}

/// The service accounts of the path: impersonated successfully by it, else `--role`,
/// else (no subject at all) the account with the most recent failure; with the time
/// span of each account's successful impersonations.
fn choose_accounts(
    log: &GcpAuditLog,
    path: &mut Path,
    role_sa: Option<&String>,
    no_subject: bool,
    usable: &[usize],
) -> HashMap<String, (i64, i64)> {
    let mut windows: HashMap<String, (i64, i64)> = HashMap::new();
    for &i in &path.impersonations {
        let e = &log.entries[i];
        if let (false, Some(sa)) = (e.failed(), &e.target_sa) {
            let t = e.time.unwrap_or(i64::MIN);
            let w = windows.entry(sa.clone()).or_insert((t, t));
            w.0 = w.0.min(t);
            w.1 = w.1.max(t);
            if !path.accounts.contains(sa) {
                path.accounts.push(sa.clone());
            }
        }
    }
    if path.accounts.is_empty()
        && let Some(sa) = role_sa.cloned().or_else(|| {
            no_subject
                .then(|| busiest_failing_account(log, usable))
                .flatten()
        })
    {
        path.accounts.push(sa);
    }
    windows
}

/// The entries no part of the path holds.
fn others(log: &GcpAuditLog, path: &Path) -> Vec<usize> {
    let mut on_path = vec![false; log.entries.len()];
    for &i in path
        .exchanges
        .iter()
        .chain(&path.impersonations)
        .chain(&path.calls)
    {
        on_path[i] = true;
    }
    (0..log.entries.len()).filter(|&i| !on_path[i]).collect()
}

fn busiest_failing_account(log: &GcpAuditLog, usable: &[usize]) -> Option<String> {
    let mut best: BTreeMap<String, (Option<i64>, Option<i64>)> = BTreeMap::new();
    for &i in usable {
        let e = &log.entries[i];
        if let Some(email) = &e.principal_email {
            let slot = best.entry(email.clone()).or_default();
            if e.failed() {
                slot.0 = slot.0.max(e.time.or(Some(i64::MIN)));
            }
            slot.1 = slot.1.max(e.time.or(Some(i64::MIN)));
        }
    }
    best.into_iter()
        .max_by_key(|(_, (failed, latest))| (*failed, *latest))
        .map(|(email, _)| email)
}

/// What an STS refusal means, from its status message (errors.md; google-github-actions
/// TROUBLESHOOTING.md; GCP's WIF troubleshooting page).
fn exchange_rule(e: &AuditEntry) -> (&'static Rule, &'static str) {
    let message = e
        .status_message
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let has = |s: &str| message.contains(s);
    if has("attribute condition") {
        (
            &TRUST_GCP_CONDITION_REJECTED,
            "the provider's attributeCondition evaluated to false for this token: change the condition (conditions are case-sensitive; changes take up to 5 minutes) or run from a repository/ref it admits",
        )
    } else if has("127 bytes") || has("mapped attribute exceeds") {
        (
            &TRUST_GCP_SUBJECT_TOO_LONG,
            "map a shorter claim to google.subject (the mapped value must fit in 127 bytes), for example assertion.sub only for short subjects or a hash of it",
        )
    } else if has("error connecting to the given credential's issuer") || has("jwk") {
        (
            &TRUST_GCP_ISSUER_UNREACHABLE,
            "make the issuer's /.well-known/openid-configuration and jwks_uri reachable from the internet, or upload the keys as the provider's oidc.jwksJson",
        )
    } else if has("org policy") || has("workloadidentitypoolproviders") {
        (
            &TRUST_GCP_ORG_POLICY_BLOCKED,
            "add the issuer to the organization policy constraints/iam.workloadIdentityPoolProviders (an organization policy administrator can)",
        )
    } else if has("audience") {
        (
            &TRUST_GCP_AUDIENCE_MISMATCH,
            "request the token with the provider's audience (https://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER, google-github-actions/auth's default) or add the token's aud to oidc.allowedAudiences",
        )
    } else if has("issuer") {
        (
            &TRUST_GCP_ISSUER_MISMATCH,
            "set the provider's oidc.issuerUri to the token's iss exactly (GHES and GHEC enterprise issuers differ from https://token.actions.githubusercontent.com)",
        )
    } else if has("disabled") {
        (
            &TRUST_GCP_PROVIDER_DISABLED,
            "undelete or enable the provider (gcloud iam workload-identity-pools providers update-oidc … --no-disabled), or use an enabled one",
        )
    } else if has("mapping") {
        (
            &TRUST_GCP_MAPPING_FAILED,
            "fix the provider's attributeMapping so every expression evaluates on this token (a claim it reads may be missing)",
        )
    } else if has("expired") || has("stale") {
        (
            &TOKEN_EXPIRED,
            "request the token right before the exchange (long jobs: fetch a fresh token in the deploying step), and check the runner's clock",
        )
    } else {
        (
            &TRUST_GCP_FEDERATED_TOKEN_FAILED,
            "compare the token's iss, aud and claims with the provider (gcloud iam workload-identity-pools providers describe … --format=json): issuer, allowed audiences, attribute mapping and condition; the provider name must use the project number",
        )
    }
}

/// The principal the path's token becomes, for role fixes.
fn principal_for_fix(log: &GcpAuditLog, path: &Path) -> String {
    if let Some(p) = path.principals.first() {
        return p.clone();
    }
    let sub = path.subject.clone().unwrap_or_else(|| "SUBJECT".to_owned());
    let pool = path
        .exchanges
        .iter()
        .filter_map(|&i| log.entries[i].resource_name.as_deref())
        .find_map(|r| r.split_once("/providers/").map(|(pool, _)| pool.to_owned()));
    match pool {
        Some(pool) => format!("principal://iam.googleapis.com/{pool}/subject/{sub}"),
        None => format!(
            "principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/subject/{sub}"
        ),
    }
}

struct Context<'a> {
    log: &'a GcpAuditLog,
    artifact: &'a str,
    path: &'a Path,
}
