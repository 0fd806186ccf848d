//! Placing one path's sign-ins on the stages: the evidence, findings and next-evidence commands of the attempts the narrowing chose (the methods of `Context`).

use super::*;
use crate::evidence::logs::{Margins, query_window};

impl Context<'_> {
    pub(super) fn signin(&self, i: usize) -> &SignIn {
        &self.log.signins[i]
    }

    pub(super) fn evidence(
        &self,
        stage: Stage,
        outcome: Outcome,
        i: usize,
        summary: String,
    ) -> Evidence {
        let s = self.signin(i);
        Evidence::runtime(stage, outcome, self.artifact, s.locator.clone(), summary).at(s.time)
    }

    pub(super) fn when(&self, i: usize) -> String {
        self.signin(i)
            .time
            .map(format_utc)
            .unwrap_or_else(|| "an unrecorded time".to_owned())
    }

    /// `; presented subject 'repo:…'` from the message, when it quotes the assertion.
    pub(super) fn quoted_text(&self, i: usize) -> String {
        let q = quoted(self.signin(i));
        let mut parts = Vec::new();
        for (label, value) in [
            ("issuer", q.issuer),
            ("subject", q.subject),
            ("audience", q.audience),
        ] {
            if let Some(v) = value {
                parts.push(format!("presented {label} '{}'", show(&v)));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("; {}", parts.join(", "))
        }
    }

    pub(super) fn superseded(&self, failure: usize) -> Option<usize> {
        let t = self.signin(failure).time?;
        self.path
            .attempts
            .iter()
            .copied()
            .filter(|&i| self.signin(i).succeeded() && self.signin(i).time.is_some_and(|s| s > t))
            .min_by_key(|&i| self.signin(i).time)
    }

    pub(super) fn place_attempts(&self, out: &mut Observations) {
        let attempts = &self.path.attempts;
        let listed = &attempts[attempts.len().saturating_sub(LISTED)..];
        let older = &attempts[..attempts.len() - listed.len()];
        if let (Some(&first), Some(&last)) = (older.first(), older.last()) {
            out.evidence(Evidence::runtime(
                Stage::Trust,
                Outcome::Info,
                self.artifact,
                self.signin(first).locator.clone(),
                format!(
                    "{} earlier sign-ins not listed, from {} to {}{}",
                    older.len(),
                    self.when(first),
                    self.when(last),
                    {
                        let codes = code_counts(older.iter().map(|&i| self.signin(i)));
                        if codes.is_empty() {
                            String::new()
                        } else {
                            format!(" ({codes})")
                        }
                    }
                ),
            ));
        }
        let token_failures = attempts.iter().any(|&i| {
            self.signin(i)
                .error_code
                .is_some_and(|c| c != 0 && code_info(c).stage() == Stage::Token)
        });
        for &i in listed {
            let s = self.signin(i);
            let app = s.app_label();
            match s.error_code {
                Some(0) => {
                    let resource = s
                        .resource
                        .as_deref()
                        .map(|r| format!(" for {}", show(r)))
                        .unwrap_or_default();
                    let credential = s
                        .fic_id
                        .as_deref()
                        .map(|f| format!(" with federated credential {}", show(f)))
                        .unwrap_or_default();
                    out.evidence(self.evidence(
                        Stage::Trust,
                        Outcome::Pass,
                        i,
                        format!("Entra accepted the federated token of app {app}{credential}"),
                    ));
                    out.evidence(self.evidence(
                        Stage::Role,
                        Outcome::Pass,
                        i,
                        format!("Entra issued an access token to app {app}{resource}"),
                    ));
                    if token_failures {
                        out.evidence(self.evidence(
                            Stage::Token,
                            Outcome::Pass,
                            i,
                            format!("Entra accepted the token of app {app} at this sign-in"),
                        ));
                    }
                }
                Some(code) => out.evidence(self.failure_evidence(i, code_info(code))),
                None => out.evidence(self.evidence(
                    Stage::Trust,
                    Outcome::Info,
                    i,
                    format!("sign-in of app {app} without a recorded result"),
                )),
            }
        }
    }

    /// A failed attempt, as listed and as the proof of its finding (the same item, so
    /// it is placed once).
    pub(super) fn failure_evidence(&self, i: usize, info: Code) -> Evidence {
        let superseded = self
            .superseded(i)
            .map(|by| {
                format!(
                    " — superseded by the successful sign-in at {} ({})",
                    self.when(by),
                    self.signin(by).locator
                )
            })
            .unwrap_or_default();
        self.evidence(
            info.stage(),
            Outcome::Fail,
            i,
            format!(
                "AADSTS{} for app {}: {}{}{superseded}",
                info.code,
                self.signin(i).app_label(),
                info.meaning,
                self.quoted_text(i)
            ),
        )
    }

    /// For the trust and token stages: when the latest relevant attempt failed, the
    /// finding its code proves.
    pub(super) fn place_findings(&self, out: &mut Observations) {
        for stage in [Stage::Token, Stage::Trust] {
            let relevant: Vec<usize> = self
                .path
                .attempts
                .iter()
                .copied()
                .filter(|&i| match self.signin(i).error_code {
                    Some(0) => true,
                    Some(c) => code_info(c).stage() == stage,
                    None => false,
                })
                .collect();
            let Some(&latest) = relevant.last() else {
                continue;
            };
            let s = self.signin(latest);
            let Some(code) = s.error_code.filter(|&c| c != 0) else {
                continue;
            };
            out.finding(self.finding(latest, code_info(code)));
        }
    }

    pub(super) fn finding(&self, i: usize, info: Code) -> crate::vocabulary::Finding {
        let s = self.signin(i);
        let earlier = self
            .path
            .attempts
            .iter()
            .filter(|&&j| j != i && self.signin(j).failed())
            .count();
        let earlier = match earlier {
            0 => String::new(),
            1 => "; 1 earlier attempt failed too".to_owned(),
            n => format!("; {n} earlier attempts failed too"),
        };
        let closest = if info.closest {
            format!(
                " (the catalogue has no finding for AADSTS{} itself: {} is the closest)",
                info.code, info.rule.id
            )
        } else {
            String::new()
        };
        let token_sub = match (
            self.anchor.and_then(|a| a.sub.as_deref()),
            quoted(s).subject,
        ) {
            (Some(sub), Some(_)) => format!("; the token's sub is '{}'", show(sub)),
            _ => String::new(),
        };
        let says = s
            .message
            .as_deref()
            .map(|m| format!(" Entra says: \"{}\"", quote(m)))
            .unwrap_or_default();
        let cause = format!(
            "Entra refused the sign-in of app {} at {} ({}) with AADSTS{}: {}{}{token_sub}{earlier}{closest}.{says}",
            s.app_label(),
            self.when(i),
            s.locator,
            info.code,
            info.meaning,
            self.quoted_text(i),
        );
        // The fix's commands name the app inline (some inside a quoted URL): only an
        // id that is a plain shell word is written there, else the placeholder stays.
        let app = s
            .app_id
            .clone()
            .or_else(|| s.sp_id.clone())
            .filter(|id| shell_word(id) == *id)
            .unwrap_or_else(|| "APP_ID".to_owned());
        let fix = info.fix_for(&app);
        info.rule
            .finding(cause, fix)
            .with_evidence(self.failure_evidence(i, info))
    }

    pub(super) fn summarise_others(&self, out: &mut Observations) {
        let path = self.path;
        if let (Some((_, label)), false) = (&path.app, path.uncorrelated.is_empty()) {
            let latest = path.uncorrelated[path.uncorrelated.len() - 1];
            let codes = code_counts(path.uncorrelated.iter().map(|&i| self.signin(i)));
            out.evidence(Evidence::runtime(
                Stage::Trust,
                Outcome::Info,
                self.artifact,
                self.signin(latest).locator.clone(),
                format!(
                    "{} other sign-ins of app {label} are another run's (outside the token's validity window, or for another subject), the latest at {}{}",
                    path.uncorrelated.len(),
                    self.when(latest),
                    if codes.is_empty() { String::new() } else { format!("; failures: {codes}") }
                ),
            ));
        }
        if path.unmatched_token
            && let Some((_, label)) = &path.app
        {
            out.evidence(Evidence::runtime(
                Stage::Trust,
                Outcome::Info,
                self.artifact,
                "$",
                format!(
                    "no sign-in of app {label} quotes the token's subject or falls in its validity window: all of the app's sign-ins are shown"
                ),
            ));
        }
        if path.others.is_empty() && path.users == 0 {
            return;
        }
        let mut per_app: BTreeMap<String, (String, usize, Vec<usize>)> = BTreeMap::new();
        for &i in &path.others {
            let s = self.signin(i);
            let slot = per_app
                .entry(s.app_key())
                .or_insert_with(|| (s.app_label(), 0, Vec::new()));
            slot.1 += 1;
            slot.2.push(i);
        }
        let mut list: Vec<_> = per_app.into_values().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let shown: Vec<String> = list
            .iter()
            .take(5)
            .map(|(label, n, items)| {
                let codes = code_counts(items.iter().map(|&i| self.signin(i)));
                let secret = if items.iter().all(|&i| self.signin(i).other_credential()) {
                    ", secret or certificate"
                } else {
                    ""
                };
                if codes.is_empty() {
                    format!("{label}: {n}{secret}")
                } else {
                    format!("{label}: {n}{secret} ({codes})")
                }
            })
            .collect();
        let more = list.len().saturating_sub(5);
        let users = if path.users > 0 {
            format!("; {} user sign-ins ignored", path.users)
        } else {
            String::new()
        };
        out.evidence(Evidence::runtime(
            Stage::Trust,
            Outcome::Info,
            self.artifact,
            "$",
            format!(
                "followed app {} ({}); other sign-ins in this export: {}{}{users}",
                path.app
                    .as_ref()
                    .map(|(_, l)| l.as_str())
                    .unwrap_or("(none)"),
                path.how,
                if shown.is_empty() {
                    "none".to_owned()
                } else {
                    shown.join(", ")
                },
                if more > 0 {
                    format!(" and {more} more apps")
                } else {
                    String::new()
                }
            ),
        ));
    }

    pub(super) fn next_evidence(&self, out: &mut Observations) {
        let log = self.log;
        let path = self.path;
        let app = path
            .attempts
            .iter()
            .find_map(|&i| log.signins[i].app_id.clone())
            .unwrap_or_else(|| "APP_ID".to_owned());
        let times: Vec<i64> = path
            .attempts
            .iter()
            .filter_map(|&i| log.signins[i].time)
            .collect();
        let (from, until) = query_window(
            &times,
            self.anchor.and_then(|a| a.window),
            log.signins.iter().filter_map(|s| s.time),
            Margins {
                before: 900,
                after: 900,
                after_token: 900,
            },
        )
        .unwrap_or((0, 0));
        let (from, until) = if from == 0 && until == 0 {
            ("START".to_owned(), "END".to_owned())
        } else {
            (format_utc(from), format_utc(until))
        };
        let client = [
            ("client_id", app.clone()),
            ("client_id_literal", sql_literal(&app)),
            // A JMESPath raw string: `\` and `'` escaped with a backslash.
            (
                "client_id_raw",
                app.replace('\\', "\\\\").replace('\'', "\\'"),
            ),
            ("from", from.clone()),
            ("until", until.clone()),
        ];
        next(out, "azure.signins.log-analytics", &client);
        next(out, "azure.signins.graph", &client);
        let latest = path.attempts.last().map(|&i| &log.signins[i]);
        if latest.is_some_and(SignIn::failed) {
            next(out, "azure.app.federated-credentials.compare", &client);
        }
        if let Some(signed_in) = latest.filter(|s| s.succeeded()) {
            // Calls with the issued access token: from the sign-in for its lifetime.
            let (start, end) = match signed_in.time {
                Some(t) => (format_utc(t - 60), format_utc(t + 3600)),
                None => (from.clone(), until.clone()),
            };
            let mut values = client.to_vec();
            values.extend([("start", start), ("end", end)]);
            next(out, "azure.activity-log.app-calls", &values);
        }
    }
}
