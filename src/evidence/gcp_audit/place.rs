//! Placing one path's entries on the stages: the evidence, findings and next-evidence commands of the exchanges, impersonations and deploy calls the narrowing chose (the methods of `Context`).

use super::*;
use crate::evidence::logs::{Margins, query_window};

impl Context<'_> {
    pub(super) fn entry(&self, i: usize) -> &AuditEntry {
        &self.log.entries[i]
    }

    pub(super) fn evidence(
        &self,
        stage: Stage,
        outcome: Outcome,
        i: usize,
        summary: String,
    ) -> Evidence {
        let e = self.entry(i);
        Evidence::runtime(stage, outcome, self.artifact, e.locator.clone(), summary).at(e.time)
    }

    pub(super) fn subject_text(&self) -> String {
        self.path
            .subject
            .as_deref()
            .map(|s| format!("`{}`", show(s)))
            .unwrap_or_else(|| "the token".to_owned())
    }

    /// A note for attempts older than the listed ones.
    pub(super) fn older(&self, stage: Stage, what: &str, older: &[usize]) -> Option<Evidence> {
        let (&first, &last) = (older.first()?, older.last()?);
        let failed = older.iter().filter(|&&i| self.entry(i).failed()).count();
        Some(Evidence::runtime(
            stage,
            Outcome::Info,
            self.artifact,
            self.entry(first).locator.clone(),
            format!(
                "{} earlier {what} not listed ({failed} failed), from {} to {}",
                older.len(),
                self.entry(first)
                    .time
                    .map(format_utc)
                    .unwrap_or_else(|| "?".into()),
                self.entry(last)
                    .time
                    .map(format_utc)
                    .unwrap_or_else(|| "?".into()),
            ),
        ))
    }

    /// The later success that supersedes a failure, if any.
    pub(super) fn superseded_by(&self, failure: usize, attempts: &[usize]) -> Option<usize> {
        let t = self.entry(failure).time?;
        attempts
            .iter()
            .copied()
            .filter(|&i| !self.entry(i).failed() && self.entry(i).time.is_some_and(|s| s > t))
            .max_by_key(|&i| self.entry(i).time)
    }

    pub(super) fn superseded_note(&self, failure: usize, attempts: &[usize]) -> String {
        match self.superseded_by(failure, attempts) {
            Some(s) => format!(
                " — superseded by the success at {} ({})",
                self.entry(s).time.map(format_utc).unwrap_or_default(),
                self.entry(s).locator
            ),
            None => String::new(),
        }
    }

    pub(super) fn place_trust(&self, out: &mut Observations) {
        let attempts = &self.path.exchanges;
        let listed = &attempts[attempts.len().saturating_sub(LISTED)..];
        if let Some(ev) = self.older(
            Stage::Trust,
            "STS exchanges",
            &attempts[..attempts.len() - listed.len()],
        ) {
            out.evidence(ev);
        }
        let mut token_failure = false;
        for &i in listed {
            let e = self.entry(i);
            out.evidence(self.exchange_evidence(i));
            if e.failed() {
                token_failure |= exchange_rule(e).0.stage == Stage::Token;
            } else if token_failure {
                out.evidence(self.evidence(
                    Stage::Token,
                    Outcome::Pass,
                    i,
                    "Google STS accepted the token at this exchange".to_owned(),
                ));
            }
        }
        let Some(&latest) = attempts.last() else {
            return;
        };
        let e = self.entry(latest);
        if !e.failed() {
            return;
        }
        let (rule, fix) = exchange_rule(e);
        let subject = self.subject_text();
        let cause = format!(
            "Google STS refused the token exchange for {subject} at {}: {} ({}, {})",
            e.resource_name
                .as_deref()
                .map(show)
                .unwrap_or_else(|| "the provider".into()),
            e.status_text(),
            e.time.map(format_utc).unwrap_or_else(|| "untimed".into()),
            e.locator
        );
        let cause = if rule.id == TRUST_GCP_FEDERATED_TOKEN_FAILED.id {
            format!("{cause}; the status message does not name the failing check")
        } else {
            cause
        };
        out.finding(
            rule.finding(cause, fix)
                .with_evidence(self.exchange_evidence(latest)),
        );
    }

    /// An exchange, as listed and as the proof of its finding (one item, placed once).
    pub(super) fn exchange_evidence(&self, i: usize) -> Evidence {
        let e = self.entry(i);
        let subject = self.subject_text();
        let provider = e
            .resource_name
            .as_deref()
            .map(|r| format!(" at provider {}", show(r)))
            .unwrap_or_default();
        let matched = if e.caller_redacted() {
            " (caller identity redacted; matched by the token's validity window)"
        } else {
            ""
        };
        if e.failed() {
            self.evidence(
                exchange_rule(e).0.stage,
                Outcome::Fail,
                i,
                format!(
                    "Google STS refused the token of {subject}{provider}: {}{matched}{}",
                    e.status_text(),
                    self.superseded_note(i, &self.path.exchanges)
                ),
            )
        } else {
            let mapped = e
                .mapped_principal
                .as_deref()
                .map(|p| format!(", mapped to {}", show(p)))
                .unwrap_or_default();
            self.evidence(
                Stage::Trust,
                Outcome::Pass,
                i,
                format!(
                    "Google STS exchanged the token of {subject} for a federated token{provider}{mapped}{matched}"
                ),
            )
        }
    }

    pub(super) fn place_role(&self, out: &mut Observations) {
        let attempts = &self.path.impersonations;
        let listed = &attempts[attempts.len().saturating_sub(LISTED)..];
        if let Some(ev) = self.older(
            Stage::Role,
            "service account impersonations",
            &attempts[..attempts.len() - listed.len()],
        ) {
            out.evidence(ev);
        }
        for &i in listed {
            out.evidence(self.impersonation_evidence(i));
        }
        let Some(&latest) = attempts.last() else {
            return;
        };
        let e = self.entry(latest);
        if !e.failed() {
            return;
        }
        let sa = e
            .target_sa
            .clone()
            .unwrap_or_else(|| "SERVICE_ACCOUNT_EMAIL".to_owned());
        let principal = principal_for_fix(self.log, self.path);
        let project = e.project.clone().unwrap_or_else(|| "PROJECT_ID".to_owned());
        let message = e
            .status_message
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let proof = self.impersonation_evidence(latest);
        let when = format!(
            "{}, {}",
            e.time.map(format_utc).unwrap_or_else(|| "untimed".into()),
            e.locator
        );
        let finding = if message.contains("lifetime") {
            ROLE_GCP_TOKEN_LIFETIME
                .reason()
                .with("service_account", show(&sa))
                .with("status", e.status_text())
                .with("when", &when)
                .finding()
        } else {
            let reason = ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER
                .reason()
                .with("subject", self.subject_text())
                .with("principal", show(&principal))
                .with("service_account", show(&sa))
                .with("service", &e.service)
                .with("method", &e.method)
                .with("when", &when)
                .with("status_name", entry::code_name(e.status_code))
                .with("service_account_word", shell_word(&sa))
                .with(
                    "project_flag_word",
                    shell_word(&format!("--project={project}")),
                )
                .with(
                    "member_flag_word",
                    shell_word(&format!("--member={principal}")),
                );
            // Not PERMISSION_DENIED: the closest finding, and the cause says so.
            if e.status_code == 7 {
                reason.finding()
            } else {
                reason.cause("other-status").finding()
            }
        };
        out.finding(finding.with_evidence(proof));
    }

    /// An impersonation, as listed and as the proof of its finding.
    pub(super) fn impersonation_evidence(&self, i: usize) -> Evidence {
        let e = self.entry(i);
        let sa = e
            .target_sa
            .as_deref()
            .map(show)
            .unwrap_or_else(|| "a service account".into());
        let method = e.method.rsplit('.').next().unwrap_or(&e.method);
        let redacted = if self.path.redacted.contains(&i) {
            " (GCP redacted the caller of this denied call; matched to the path's exchange by time and caller IP)"
        } else {
            ""
        };
        let summary = if e.failed() {
            let permission = e
                .denied_permissions
                .first()
                .map(|p| format!("; permission {} not granted", show(p)))
                .unwrap_or_default();
            format!(
                "IAM Credentials refused {method} on {sa} to {}: {}{permission}{redacted}{}",
                e.caller(),
                e.status_text(),
                self.superseded_note(i, &self.path.impersonations)
            )
        } else {
            format!(
                "{} impersonated {sa} ({method}): short-lived credentials issued",
                e.caller()
            )
        };
        let outcome = if e.failed() {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        self.evidence(Stage::Role, outcome, i, summary)
    }

    pub(super) fn place_audit(&self, out: &mut Observations) {
        // One evidence item per kind of call: the latest of each (method, outcome,
        // denied permission) group, with the group's count.
        #[derive(Default)]
        struct Group {
            count: usize,
            latest: usize,
        }
        let mut groups: BTreeMap<(String, i64, String), Group> = BTreeMap::new();
        for &i in &self.path.calls {
            let e = self.entry(i);
            let key = (
                e.method.clone(),
                e.status_code,
                e.denied_permissions.first().cloned().unwrap_or_default(),
            );
            let g = groups.entry(key).or_default();
            g.count += 1;
            g.latest = i;
        }
        let time_of = |i: usize| self.entry(i).time.unwrap_or(i64::MIN);
        let is_auth_failure = |code: i64| code == 7 || code == 16;
        // A denial is resolved by a later success of the same method (a retry after a
        // grant); an unresolved one fails the stage even if other calls follow it.
        let unresolved: Vec<usize> = groups
            .iter()
            .filter(|((_, code, _), _)| is_auth_failure(*code))
            .filter(|((method, _, _), g)| {
                !groups.iter().any(|((m, c, _), other)| {
                    m == method && *c == 0 && time_of(other.latest) > time_of(g.latest)
                })
            })
            .map(|(_, g)| g.latest)
            .collect();
        let last_unresolved = unresolved.iter().map(|&i| time_of(i)).max();
        let mut placed: HashMap<usize, Evidence> = HashMap::new();
        for ((method, code, permission), g) in &groups {
            let e = self.entry(g.latest);
            let calls = if g.count == 1 {
                "1 call".to_owned()
            } else {
                format!("{} calls, latest", g.count)
            };
            let resource = e
                .resource_name
                .as_deref()
                .map(|r| format!(" on {}", show(r)))
                .unwrap_or_default();
            let (outcome, summary) = if *code == 0 {
                let after_denial = last_unresolved.is_some_and(|d| time_of(g.latest) > d);
                if after_denial {
                    (
                        Outcome::Info,
                        format!(
                            "{} called {}{resource} ({calls} shown) — succeeded, but does not undo the earlier unresolved denial",
                            e.caller(),
                            show(method)
                        ),
                    )
                } else {
                    (
                        Outcome::Pass,
                        format!(
                            "{} called {}{resource} ({calls} shown): OK",
                            e.caller(),
                            show(method)
                        ),
                    )
                }
            } else if is_auth_failure(*code) {
                let permission = if permission.is_empty() {
                    String::new()
                } else {
                    format!("; permission {} not granted", show(permission))
                };
                let resolved = if unresolved.contains(&g.latest) {
                    String::new()
                } else {
                    " — superseded by a later successful call of the same method".to_owned()
                };
                (
                    Outcome::Fail,
                    format!(
                        "{} called {}{resource} ({calls} shown): {}{permission}{resolved}",
                        e.caller(),
                        show(method),
                        e.status_text()
                    ),
                )
            } else {
                (
                    Outcome::Info,
                    format!(
                        "{} called {}{resource} ({calls} shown): {} — not an authorization failure",
                        e.caller(),
                        show(method),
                        e.status_text()
                    ),
                )
            };
            let evidence = self.evidence(Stage::Audit, outcome, g.latest, summary);
            out.evidence(evidence.clone());
            placed.insert(g.latest, evidence);
        }
        for &i in unresolved.iter().take(5) {
            let finding = self.denied_call_finding(i, &mut placed);
            out.finding(finding);
        }
    }

    /// The finding of an unresolved denied call, with its evidence (the one placed
    /// for its group when there is one).
    fn denied_call_finding(
        &self,
        i: usize,
        placed: &mut HashMap<usize, Evidence>,
    ) -> crate::vocabulary::Finding {
        let e = self.entry(i);
        let when = format!(
            "{}, {}",
            e.time.map(format_utc).unwrap_or_else(|| "untimed".into()),
            e.locator
        );
        let proof = placed.remove(&i).unwrap_or_else(|| {
            self.evidence(
                Stage::Audit,
                Outcome::Fail,
                i,
                format!(
                    "{} called {}: {}",
                    e.caller(),
                    show(&e.method),
                    e.status_text()
                ),
            )
        });
        let finding = if e.status_code == 16 {
            AUDIT_GCP_UNAUTHENTICATED
                .reason()
                .with("service", show(&e.service))
                .with("caller", e.caller())
                .with("method", show(&e.method))
                .with("when", &when)
                .with("status", e.status_text())
                .finding()
        } else {
            let permission = e
                .denied_permissions
                .first()
                .cloned()
                .unwrap_or_else(|| "the permission the method needs".to_owned());
            let member = match &e.principal_email {
                Some(email) => format!("serviceAccount:{email}"),
                None => principal_for_fix(self.log, self.path),
            };
            let project = e.project.clone().unwrap_or_else(|| "PROJECT_ID".to_owned());
            AUDIT_GCP_PERMISSION_DENIED
                .reason()
                .with("caller", e.caller())
                .with("method", show(&e.method))
                .with(
                    "resource",
                    e.resource_name
                        .as_deref()
                        .map(show)
                        .unwrap_or_else(|| "the resource".into()),
                )
                .with("when", &when)
                .with("permission", show(&permission))
                .with("member", show(&member))
                .with("project_word", shell_word(&project))
                .with(
                    "member_flag_word",
                    shell_word(&format!("--member={member}")),
                )
                .with(
                    "filter_flag_word",
                    shell_word(&format!("--filter=includedPermissions:{permission}")),
                )
                .finding()
        };
        finding.with_evidence(proof)
    }

    pub(super) fn summarise_others(&self, out: &mut Observations) {
        if self.path.others.is_empty() {
            return;
        }
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for &i in &self.path.others {
            *counts.entry(principal_label(self.entry(i))).or_default() += 1;
        }
        let mut list: Vec<_> = counts.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let shown: Vec<String> = list
            .iter()
            .take(5)
            .map(|(p, n)| format!("{p} ({n})"))
            .collect();
        let more = list.len().saturating_sub(5);
        let stage = if self.path.exchanges.is_empty() && self.path.impersonations.is_empty() {
            Stage::Audit
        } else {
            Stage::Trust
        };
        out.evidence(Evidence::runtime(
            stage,
            Outcome::Info,
            self.artifact,
            "$",
            format!(
                "followed {} ({}); {} other entries of this export are about other principals: {}{}",
                self.subject_text(),
                self.path.how,
                self.path.others.len(),
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
        ));
    }

    pub(super) fn next_evidence(&self, anchor: Option<&Anchor>, out: &mut Observations) {
        let log = self.log;
        let on_path: Vec<usize> = self
            .path
            .exchanges
            .iter()
            .chain(&self.path.impersonations)
            .chain(&self.path.calls)
            .copied()
            .collect();
        let times: Vec<i64> = on_path
            .iter()
            .filter_map(|&i| log.entries[i].time)
            .collect();
        let (from, until) = query_window(
            &times,
            anchor.and_then(|a| a.window),
            log.entries.iter().filter_map(|e| e.time),
            Margins {
                before: 600,
                after: 600,
                after_token: ACCESS_TOKEN_LIFETIME,
            },
        )
        .unwrap_or((0, 0));
        let mut window: Vec<(&str, String)> = if from == 0 && until == 0 {
            vec![("from", "START".to_owned())]
        } else {
            vec![("from", format_utc(from)), ("until", format_utc(until))]
        };
        let project = on_path
            .iter()
            .chain(self.path.others.iter())
            .find_map(|&i| log.entries[i].project.clone())
            .unwrap_or_else(|| "PROJECT_ID".to_owned());
        window.push(("project", project.clone()));
        let sub = self
            .path
            .subject
            .clone()
            .unwrap_or_else(|| "SUBJECT".to_owned());
        let mut sts = window.clone();
        sts.push(("subject", sub));
        sts.push(("subject_text", self.subject_text()));
        if self.path.exchanges.is_empty() {
            sts.push(("project_word", shell_word(&project)));
            next(out, "gcp.sts.exchanges.unlogged", &sts);
        } else {
            next(out, "gcp.sts.exchanges", &sts);
        }
        let exchanged = self
            .path
            .exchanges
            .iter()
            .any(|&i| !log.entries[i].failed());
        if exchanged && self.path.impersonations.is_empty() {
            next(out, "gcp.impersonations", &window);
        }
        let denied_sa = self
            .path
            .impersonations
            .last()
            .map(|&i| &log.entries[i])
            .filter(|e| e.failed())
            .and_then(|e| e.target_sa.clone());
        if let Some(sa) = denied_sa {
            next(
                out,
                "gcp.service-account.iam-policy.evidence",
                &[("service_account", sa), ("project", project.clone())],
            );
        }
        if self.path.calls.is_empty()
            && let Some(sa) = self.path.accounts.first()
        {
            let mut calls = window.clone();
            calls.push(("account", show(sa)));
            calls.push(("service_account", sa.clone()));
            next(out, "gcp.deploy-calls", &calls);
        }
    }
}
