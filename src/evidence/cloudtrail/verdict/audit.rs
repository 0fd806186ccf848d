//! The audit stage of a CloudTrail path: the calls made with the credentials a successful attempt got — denied, expired, or none at all — with their findings and the commands that check the role's permissions.

use super::*;

/// Where an AccessDenied message says the denial came from, as the fix.
/// The policy type a denial's message names: the variant of the access-denied fix.
pub(super) fn denial_source(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    [
        ("service control policy", "service-control-policy"),
        ("resource control policy", "resource-control-policy"),
        ("permissions boundary", "permissions-boundary"),
        ("session policy", "session-policy"),
        ("resource-based policy", "resource-policy"),
        ("vpc endpoint policy", "vpc-endpoint-policy"),
    ]
    .into_iter()
    .find(|(text, _)| m.contains(text))
    .map_or("default", |(_, variant)| variant)
}

pub(super) fn place_audit(
    export: &Export,
    artifact: &str,
    assumed: &Attempt,
    calls: &[&SessionCall],
    out: &mut Observations,
) {
    let session = or_unknown(&assumed.assumed_arn);
    let role = assumed.role.as_deref().unwrap_or(UNKNOWN);
    let keyed = assumed
        .access_key
        .as_deref()
        .and_then(|k| export.key_activity(k))
        .copied();
    let denied: Vec<&SessionCall> = calls.iter().copied().filter(|c| c.refused()).collect();
    let retried = |d: &SessionCall| {
        calls
            .iter()
            .any(|c| !c.refused() && c.source == d.source && c.name == d.name && c.time > d.time)
    };
    let (retried_denials, standing): (Vec<&SessionCall>, Vec<&SessionCall>) =
        denied.iter().copied().partition(|d| retried(d));
    let total = keyed.map_or(calls.len() as u64, |k| {
        u64::from(k.calls).max(calls.len() as u64)
    });
    let first = keyed
        .and_then(|k| k.first())
        .or_else(|| calls.iter().filter_map(|c| c.time).min());
    let last = keyed
        .and_then(|k| k.last())
        .or_else(|| calls.iter().filter_map(|c| c.time).max());
    let ok_calls = total.saturating_sub(denied.len() as u64);

    if !standing.is_empty() {
        for d in standing.iter().rev().take(PLACED_DENIALS) {
            out.evidence(denial_evidence(artifact, d, Outcome::Fail, ""));
        }
        denial_findings(artifact, assumed, role, &standing, out);
        if ok_calls > 0 {
            out.evidence(
                Evidence::runtime(
                    Stage::Audit,
                    Outcome::Info,
                    artifact,
                    calls
                        .iter()
                        .find(|c| !c.refused())
                        .map_or_else(|| assumed.loc.render(), |c| c.loc.render()),
                    format!(
                        "{ok_calls} other call(s) by the session succeeded; its calls span {} … {}",
                        when(first),
                        when(last)
                    ),
                )
                .at(last),
            );
        }
        permission_checks(role, &standing, out);
        for d in retried_denials {
            out.evidence(denial_evidence(
                artifact,
                d,
                Outcome::Info,
                " (retried later with success)",
            ));
        }
        return;
    }
    if total > 0 {
        for d in &retried_denials {
            out.evidence(denial_evidence(
                artifact,
                d,
                Outcome::Fail,
                " (retried later with success)",
            ));
        }
        let latest = calls.iter().rev().find(|c| !c.refused());
        let example = latest
            .map(|c| format!(", the latest {} at {}", call_name(c), when(c.time)))
            .unwrap_or_default();
        let locator = latest.map_or_else(|| format!("calls by {}", session), |c| c.loc.render());
        out.evidence(
            Evidence::runtime(
                Stage::Audit,
                Outcome::Pass,
                artifact,
                locator,
                format!(
                    "{total} call(s) by session {session} between {} and {}{example}",
                    when(first),
                    when(last)
                ),
            )
            .at(last.or(latest.and_then(|c| c.time))),
        );
        return;
    }
    no_session_activity(export, artifact, assumed, &session, out);
}

/// One finding per denied call (the latest first, at most [`DENIAL_FINDINGS`]): an
/// expiry, or a denial with the policy type its message names.
fn denial_findings(
    artifact: &str,
    assumed: &Attempt,
    role: &str,
    standing: &[&SessionCall],
    out: &mut Observations,
) {
    let mut by_call: BTreeMap<String, &SessionCall> = BTreeMap::new();
    for d in standing {
        by_call.insert(call_name(d), d);
    }
    let mut by_call: Vec<(String, &SessionCall)> = by_call.into_iter().collect();
    by_call.sort_by_key(|(_, d)| std::cmp::Reverse(d.time));
    for (name, d) in by_call.into_iter().take(DENIAL_FINDINGS) {
        if d.session_expired() {
            out.finding(expired_finding(artifact, assumed, &name, d));
            continue;
        }
        let message = d.error_message.as_deref().unwrap_or("");
        let finding = AUDIT_AWS_ACCESS_DENIED
            .reason()
            .with("call", &name)
            .with("session", or_unknown(&d.session_arn))
            .with("when", when(d.time))
            .with("error", error_text(&d.error_code, &d.error_message))
            .with("role", esc(role))
            .fix(denial_source(message))
            .finding()
            .with_evidence(denial_evidence(artifact, d, Outcome::Fail, ""));
        out.finding(finding);
    }
}

/// The commands that check the role's permissions for the denied actions (or, when
/// only expiries were denied, its session length).
fn permission_checks(role: &str, standing: &[&SessionCall], out: &mut Observations) {
    let actions: Vec<String> = standing
        .iter()
        .filter(|d| !d.session_expired())
        .map(|d| iam_action(d))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let values = [("role_name", esc(role_name(role))), ("role_arn", esc(role))];
    if actions.is_empty() {
        // Only expiries: the session's lifetime is the question, not a policy.
        next(out, "aws.role.max-session-duration.longest", &values);
    } else {
        if let Some(n) = knowledge().next_evidence("aws.iam.simulate-denied-actions", &values) {
            // One word per action, quoted by the same builder.
            out.next(n.what, format!("{} {}", n.command, shell_command(&actions)));
        }
        next_chain(
            out,
            &[
                "aws.iam.list-attached-role-policies",
                "aws.iam.list-role-policies",
            ],
            " && ",
            &values,
        );
    }
}

/// A successful attempt whose session made no call the export holds.
fn no_session_activity(
    export: &Export,
    artifact: &str,
    assumed: &Attempt,
    session: &str,
    out: &mut Observations,
) {
    let role = assumed.role.as_deref().unwrap_or(UNKNOWN);
    let overflow = if export.keys_overflow > 0 {
        " (the export holds more temporary keys than the index keeps, so some calls may have been missed)"
    } else {
        ""
    };
    let region = or_unknown(&assumed.region);
    let ev = Evidence::runtime(
        Stage::Audit,
        Outcome::Info,
        artifact,
        assumed.loc.render(),
        format!(
            "no call by session {session} after {} in this export{overflow}",
            when(assumed.time)
        ),
    )
    .at(assumed.time);
    out.finding(
        AUDIT_AWS_NO_SESSION_ACTIVITY
            .reason()
            .with("role", esc(role))
            .with("when", when(assumed.time))
            .with("session", session)
            .with("region", &region)
            .finding()
            .with_evidence(ev),
    );
    next(out, "aws.cloudtrail.event-selectors", &[]);
    next(out, "aws.cloudtrail.describe-trails", &[]);
    let session_name = or_unknown(&assumed.session_name);
    let (from, to) = (
        assumed.time,
        assumed
            .time
            .map(|t| t + assumed.duration.unwrap_or(DEFAULT_SESSION)),
    );
    let mut values = vec![
        ("session", session.to_string()),
        ("session_name", session_name),
    ];
    values.extend(time_values(from, to));
    next(out, "aws.cloudtrail.session-calls", &values);
}

/// The IAM action of a call: from the error message when it names it ("not
/// authorized to perform: cloudformation:UpdateStack"), else the service prefix and
/// the event name without API version suffixes (`UpdateFunctionCode20150331v2`).
pub(super) fn iam_action(c: &SessionCall) -> String {
    if let Some(m) = c.error_message.as_deref()
        && let Some((_, rest)) = m.split_once("perform: ")
        && let Some(action) = rest
            .split([' ', ',', '.'])
            .next()
            .filter(|a| a.contains(':'))
    {
        return esc(action);
    }
    let prefix = c.source.split('.').next().unwrap_or(&c.source);
    esc(&format!("{prefix}:{}", without_api_version(&c.name)))
}

/// `UpdateFunctionCode20150331v2` → `UpdateFunctionCode` (Lambda's event names carry
/// the API version: eight digits, optionally `v` and a number).
pub(crate) fn without_api_version(name: &str) -> &str {
    let b = name.as_bytes();
    let mut end = b.len();
    let digits = |end: usize| {
        b[..end]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let d = digits(end);
    if d > 0 && end > d && b[end - d - 1] == b'v' {
        end -= d + 1;
    }
    if digits(end) == 8 && end > 8 {
        return &name[..end - 8];
    }
    name
}

/// A call refused because the role session had expired: how long after the
/// assumption it came, against the session's lifetime when the event gives it.
pub(super) fn expired_finding(
    artifact: &str,
    assumed: &Attempt,
    name: &str,
    d: &SessionCall,
) -> crate::vocabulary::Finding {
    let after = match (assumed.time, d.time) {
        (Some(a), Some(c)) if c >= a => format!(
            ", {} after the role was assumed at {}",
            duration(c - a),
            when(assumed.time)
        ),
        _ => String::new(),
    };
    AUDIT_AWS_SESSION_EXPIRED
        .reason()
        .with("call", name)
        .with("session", or_unknown(&d.session_arn))
        .with("when", when(d.time))
        .with("after", after)
        .with("error", error_text(&d.error_code, &d.error_message))
        .with("role", esc(assumed.role.as_deref().unwrap_or(UNKNOWN)))
        .finding()
        .with_evidence(denial_evidence(artifact, d, Outcome::Fail, ""))
}

/// `1h 02m 05s`, `4m 10s`, `12s`.
pub(super) fn duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s:02}s"),
        _ => format!("{h}h {m:02}m {s:02}s"),
    }
}

pub(super) fn denial_evidence(
    artifact: &str,
    d: &SessionCall,
    outcome: Outcome,
    suffix: &str,
) -> Evidence {
    let verb = if d.session_expired() {
        "refused (session expired)"
    } else {
        "denied"
    };
    Evidence::runtime(
        Stage::Audit,
        outcome,
        artifact,
        d.loc.render(),
        format!(
            "{} {verb} to {}: {}{suffix}",
            call_name(d),
            or_unknown(&d.session_arn),
            error_text(&d.error_code, &d.error_message)
        ),
    )
    .at(d.time)
}
