//! The commands that collect what a log's failures leave open, filled with the run, role, app, provider and time the log names (quoted by the command builder: a log is attacker-controlled).

use super::*;

/// The run to name in `gh` commands: the log's, else a GitHub token's.
pub(super) fn run_and_repository(
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
pub(super) fn window(time: Option<i64>) -> Vec<(&'static str, String)> {
    match time {
        Some(t) => vec![("start", format_utc(t - 900)), ("end", format_utc(t + 900))],
        None => Vec::new(),
    }
}

/// The commands that collect what the log's failures leave open, filled with the
/// values the log names (quoted by the command builder: a log is attacker-controlled).
pub(super) fn next_evidence(
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
pub(super) fn next_for_failure(
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
pub(super) fn gcp_provider_values(provider: Option<&str>) -> Vec<(&'static str, String)> {
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
