//! Placing a GitLab configuration's evidence: for each job that authenticates, whether
//! it declares an ID token (the finding when it does not), the variable its commands
//! pass, the token it will present, and merge request pipelines that hand it to
//! unreviewed code. The sentences of findings come from the knowledge file; the
//! evidence lines name what was read.

use std::collections::BTreeSet;

use super::super::{fragment, locator, shown};
use super::refs::predict;
use super::{Job, LEGACY_JWT, MAX_JOBS_DETAILED, Pipeline};
use crate::evidence::{Observations, SharedFacts};
use crate::token::claims::Claims;
use crate::token::{Cloud, Platform};
use crate::vocabulary::catalog::{
    WORKFLOW_ACTION_MISCONFIGURED, WORKFLOW_GITLAB_MERGE_REQUEST_RUN,
    WORKFLOW_GITLAB_MISSING_ID_TOKENS,
};
use crate::vocabulary::{Evidence, Outcome, Stage};

fn gitlab_claims(facts: &SharedFacts) -> Vec<(&str, &Claims)> {
    let mut out: Vec<(&str, &Claims)> = facts
        .tokens
        .iter()
        .map(|t| (t.artifact.as_str(), &t.token.claims))
        .collect();
    out.extend(facts.claims.iter().map(|(a, c)| (a.as_str(), c)));
    out.retain(|(_, c)| Platform::detect(c) == Platform::Gitlab);
    out
}

/// Is `var` (through `VAR: $OTHER` variables) one of the job's ID tokens?
fn resolves_to_token(job: &Job, var: &str) -> bool {
    let mut current = var.to_owned();
    for _ in 0..8 {
        if job.id_tokens.iter().any(|t| t.name == current) {
            return true;
        }
        match job.aliases.iter().find(|(k, _)| *k == current) {
            Some((_, target)) => current = target.clone(),
            None => return false,
        }
    }
    false
}

/// Place the pipeline's evidence and findings.
pub(crate) fn contribute(
    p: &Pipeline,
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let tokens = gitlab_claims(facts);
    let project = tokens
        .iter()
        .find_map(|(_, c)| c.str("project_path"))
        .map(str::to_owned);
    let prefix = format!(
        "project_path:{}",
        project
            .as_deref()
            .map_or_else(|| "GROUP/PROJECT".to_owned(), shown)
    );

    for d in &p.duplicates {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(d.line, &d.key),
            format!(
                "duplicate key `{}` (line {}, column {}): GitLab's loader keeps the last value (evaluated so); YAML forbids duplicates and other tools reject the file",
                shown(&d.key),
                d.line,
                d.column
            ),
        ));
    }
    if !p.includes.is_empty() {
        let list: Vec<String> = p
            .includes
            .iter()
            .take(5)
            .map(|(i, _)| format!("`{}`", shown(i)))
            .collect();
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(p.includes[0].1, "include"),
            format!(
                "include: not followed ({}{}): jobs, `default:` and templates defined there are not evaluated; give those files too",
                list.join(", "),
                if p.includes.len() > 5 { ", …" } else { "" }
            ),
        ));
    }
    let auth_jobs: Vec<&Job> = p
        .jobs
        .iter()
        .filter(|j| !j.auths.is_empty() || !j.legacy.is_empty())
        .collect();
    if auth_jobs.is_empty() {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(p.first_line, "(jobs)"),
            "no job authenticates to a cloud with an ID token (no assume-role-with-web-identity, vault jwt login, create-cred-config, az login --federated-token, or secrets: from a cloud provider)",
        ));
    }
    for job in auth_jobs.iter().take(MAX_JOBS_DETAILED) {
        place_job(job, artifact, &prefix, project.is_some(), &tokens, out);
    }
    if auth_jobs.len() > MAX_JOBS_DETAILED {
        out.evidence(Evidence::statics(
            Stage::Workflow,
            Outcome::Info,
            artifact,
            locator(p.first_line, "(jobs)"),
            format!(
                "{} more authenticating jobs not described one by one",
                auth_jobs.len() - MAX_JOBS_DETAILED
            ),
        ));
    }
}

/// What every part of one job's placement reads.
struct Placing<'a> {
    job: &'a Job,
    artifact: &'a str,
    /// `project_path:GROUP/PROJECT`, from a token when one names the project.
    prefix: &'a str,
    /// The clouds the job authenticates to (`AWS and Vault`).
    clouds: String,
    /// Its authenticating commands with their lines.
    auths: String,
}

impl Placing<'_> {
    fn evidence(&self, outcome: Outcome, line: usize, path: &str, summary: String) -> Evidence {
        Evidence::statics(
            Stage::Workflow,
            outcome,
            self.artifact,
            locator(line, path),
            summary,
        )
    }
}

fn place_job(
    job: &Job,
    artifact: &str,
    prefix: &str,
    known_project: bool,
    tokens: &[(&str, &Claims)],
    out: &mut Observations,
) {
    let clouds: BTreeSet<&str> = job
        .auths
        .iter()
        .map(|a| a.cloud.map_or("a service", Cloud::display))
        .collect();
    let p = Placing {
        job,
        artifact,
        prefix,
        clouds: clouds.into_iter().collect::<Vec<_>>().join(" and "),
        auths: job
            .auths
            .iter()
            .map(|a| format!("`{}` (line {})", shown(&a.what), a.line))
            .collect::<Vec<_>>()
            .join(", "),
    };
    if job.id_tokens.is_empty() {
        no_id_tokens(&p, out);
    } else {
        declared_tokens(&p, out);
    }
    let predictions = predict(&job.refs, prefix);
    prediction(&p, &predictions, known_project, out);
    if job.refs.merge_requests {
        merge_requests(&p, out);
    }
    token_matches(&p, &predictions, tokens, out);
}

/// A job that authenticates with no ID token: the finding, unless the token may come
/// from a file that is not here.
fn no_id_tokens(p: &Placing<'_>, out: &mut Observations) {
    let job = p.job;
    let (clouds, auths) = (&p.clouds, &p.auths);
    let legacy = job.legacy.first();
    if !job.unresolved.is_empty() && legacy.is_none() {
        out.evidence(p.evidence(
            Outcome::Info,
            job.line,
            &job.name,
            format!(
                "job `{}` authenticates to {clouds} ({auths}) and declares no `id_tokens:` here; it may inherit them from {} (not in this file)",
                shown(&job.name),
                job.unresolved.join(", ")
            ),
        ));
        return;
    }
    let because = match legacy {
        Some((var, line)) => fragment(
            WORKFLOW_GITLAB_MISSING_ID_TOKENS,
            "legacy-variable",
            &[
                ("variable", var.clone()),
                ("variable_line", line.to_string()),
            ],
        ),
        None => fragment(WORKFLOW_GITLAB_MISSING_ID_TOKENS, "no-id-tokens", &[]),
    };
    let ev = p.evidence(
        Outcome::Fail,
        legacy.map_or(job.line, |l| l.1),
        &job.name,
        format!(
            "job `{}` authenticates to {clouds} but has no ID token: {because}",
            shown(&job.name)
        ),
    );
    let token = job
        .auths
        .iter()
        .find_map(|a| a.token_var.clone())
        .filter(|t| !LEGACY_JWT.contains(&t.as_str()))
        .unwrap_or_else(|| "GITLAB_OIDC_TOKEN".to_owned());
    let aud = match job.auths.first().and_then(|a| a.cloud) {
        Some(Cloud::Aws) => "sts.amazonaws.com",
        Some(Cloud::Azure) => "api://AzureADTokenExchange",
        Some(Cloud::Gcp) => {
            "https://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER"
        }
        _ => "https://vault.example.com",
    };
    let reason = WORKFLOW_GITLAB_MISSING_ID_TOKENS
        .reason()
        .with("job", shown(&job.name))
        .with("line", job.line)
        .with("auths", auths)
        .with("because", because)
        .with("token", shown(&token))
        .with("aud", aud)
        .cause(if job.unresolved.is_empty() {
            "ci-file"
        } else {
            "ci-file-unresolved"
        })
        .fix(if legacy.is_some() {
            "ci-file-legacy"
        } else {
            "ci-file"
        });
    out.finding(reason.finding().with_evidence(ev));
}

/// A job that declares ID tokens: each must have an audience, and the commands must
/// pass one of them.
fn declared_tokens(p: &Placing<'_>, out: &mut Observations) {
    let job = p.job;
    let path = &job.name;
    let tokens_desc = job
        .id_tokens
        .iter()
        .map(|t| {
            format!(
                "`{}` (aud {}{})",
                shown(&t.name),
                if t.aud.is_empty() {
                    "none".to_owned()
                } else {
                    t.aud
                        .iter()
                        .map(|a| format!("`{}`", shown(a)))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                t.from
                    .as_deref()
                    .map(|f| format!(", from {f}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let first = &job.id_tokens[0];
    out.evidence(p.evidence(
        Outcome::Pass,
        first.line,
        &format!("{path}.id_tokens"),
        format!(
            "job `{}` declares ID token(s) {tokens_desc} for {} (used by {})",
            shown(&job.name),
            p.clouds,
            p.auths
        ),
    ));
    for t in job.id_tokens.iter().filter(|t| t.aud.is_empty()) {
        let ev = p.evidence(
            Outcome::Fail,
            t.line,
            &format!("{path}.id_tokens.{}", t.name),
            format!(
                "ID token `{}` of job `{}` has no `aud`",
                shown(&t.name),
                shown(&job.name)
            ),
        );
        let reason = WORKFLOW_GITLAB_MISSING_ID_TOKENS
            .reason()
            .with("token", shown(&t.name))
            .with("line", t.line)
            .with("job", shown(&job.name))
            .cause("no-aud")
            .fix("no-aud");
        out.finding(reason.finding().with_evidence(ev));
    }
    token_variables(p, out);
    if let Some(line) = job.ambiguous_secret_token {
        out.evidence(p.evidence(
            Outcome::Info,
            line,
            &format!("{path}.secrets"),
            format!("job `{}` has several ID tokens and a secret without `token:`: set `token: $NAME` to choose the one the secrets provider expects", shown(&job.name)),
        ));
    }
}

/// Commands that pass `$CI_JOB_JWT*` or a variable that is none of the job's tokens.
fn token_variables(p: &Placing<'_>, out: &mut Observations) {
    let job = p.job;
    let first = &job.id_tokens[0];
    for (var, line) in &job.legacy {
        let ev = p.evidence(
            Outcome::Fail,
            *line,
            &job.name,
            format!(
                "job `{}` declares id_tokens but still uses `${var}`, which a job with id_tokens does not get (and GitLab 17.0 removed)",
                shown(&job.name)
            ),
        );
        let reason = WORKFLOW_ACTION_MISCONFIGURED
            .reason()
            .with("job", shown(&job.name))
            .with("variable", var)
            .with("line", line)
            .with("token", shown(&first.name))
            .cause("ci-file-legacy-variable")
            .fix("ci-file-legacy-variable");
        out.finding(reason.finding().with_evidence(ev));
    }
    let names = job
        .id_tokens
        .iter()
        .map(|t| format!("`{}`", shown(&t.name)))
        .collect::<Vec<_>>()
        .join(", ");
    for a in &job.auths {
        let Some(var) = &a.token_var else { continue };
        if LEGACY_JWT.contains(&var.as_str()) || resolves_to_token(job, var) {
            continue;
        }
        let ev = p.evidence(
            Outcome::Fail,
            a.line,
            &job.name,
            format!(
                "job `{}`: `{}` uses `${}`, which is none of its ID tokens ({names})",
                shown(&job.name),
                shown(&a.what),
                shown(var),
            ),
        );
        let reason = WORKFLOW_ACTION_MISCONFIGURED
            .reason()
            .with("job", shown(&job.name))
            .with("command", shown(&a.what))
            .with("line", a.line)
            .with("variable", shown(var))
            .with("tokens", &names)
            .with("token", shown(&first.name))
            .cause("ci-file-unknown-variable")
            .fix("ci-file-unknown-variable");
        out.finding(reason.finding().with_evidence(ev));
    }
}

/// The token the job will present: its audiences and the subjects its rules give.
fn prediction(
    p: &Placing<'_>,
    predictions: &[(String, String)],
    known_project: bool,
    out: &mut Observations,
) {
    let job = p.job;
    let auds: Vec<String> = job
        .id_tokens
        .iter()
        .flat_map(|t| t.aud.iter().map(|a| format!("`{}`", shown(a))))
        .collect();
    out.evidence(p.evidence(
        Outcome::Info,
        job.line,
        &job.name,
        format!(
            "job `{}` will present a token with aud {} and sub {}{}",
            shown(&job.name),
            if auds.is_empty() {
                "(none declared)".to_owned()
            } else {
                auds.join(", ")
            },
            predictions
                .iter()
                .take(6)
                .map(|(s, w)| format!("`{s}` {w}"))
                .collect::<Vec<_>>()
                .join("; "),
            if known_project {
                String::new()
            } else {
                " (GROUP/PROJECT: give a token from the project to fill it in)".to_owned()
            }
        ),
    ));
}

/// A job that authenticates in merge request pipelines hands its credentials to
/// unreviewed code, as GitHub's pull_request job that logs in
/// (`workflow.github.pull-request-run`).
fn merge_requests(p: &Placing<'_>, out: &mut Observations) {
    let job = p.job;
    let prefix = p.prefix;
    let refs = &job.refs;
    let ev = p.evidence(
        Outcome::Info,
        refs.line.unwrap_or(job.line),
        &format!("{}.rules", job.name),
        format!(
            "job `{}` runs in merge request pipelines and authenticates there: its token carries `{prefix}:ref_type:branch:ref:<source branch>`, so a trust rule that admits it admits unreviewed branches; merge requests from forks run in the fork's project unless run in the parent project",
            shown(&job.name)
        ),
    );
    out.evidence(ev.clone());
    let only = !refs.any
        && !refs.default_branch
        && !refs.any_tag
        && refs.branches.is_empty()
        && refs.tags.is_empty()
        && refs.patterns.is_empty();
    let reason = WORKFLOW_GITLAB_MERGE_REQUEST_RUN
        .reason()
        .with("job", shown(&job.name))
        .with("line", refs.line.unwrap_or(job.line))
        .with(
            "clouds",
            if p.clouds.is_empty() {
                "a cloud"
            } else {
                p.clouds.as_str()
            },
        )
        .with("prefix", prefix)
        .cause(if only { "ci-file-only" } else { "ci-file" })
        .fix("ci-file");
    out.finding(reason.finding().with_evidence(ev));
}

/// Loaded tokens with one of the job's audiences: is their subject one predicted?
fn token_matches(
    p: &Placing<'_>,
    predictions: &[(String, String)],
    tokens: &[(&str, &Claims)],
    out: &mut Observations,
) {
    let job = p.job;
    for (artifact_name, claims) in tokens {
        let sub = claims.subject().unwrap_or("(no sub)");
        let auds = claims.audiences();
        if !job
            .id_tokens
            .iter()
            .any(|t| t.aud.iter().any(|a| auds.contains(&a.as_str())))
        {
            continue;
        }
        let predicted = predictions.iter().any(|(s, _)| s == sub);
        let summary = if predicted {
            format!(
                "the token in {} (sub `{}`) is one predicted for job `{}`",
                shown(artifact_name),
                shown(sub),
                shown(&job.name)
            )
        } else {
            format!(
                "the token in {} has job `{}`'s audience but sub `{}`, which its rules do not predict: it ran for another ref, or the project customises the subject (`ci_id_token_sub_claim_components`)",
                shown(artifact_name),
                shown(&job.name),
                shown(sub)
            )
        };
        out.evidence(p.evidence(Outcome::Info, job.line, &job.name, summary));
    }
}
