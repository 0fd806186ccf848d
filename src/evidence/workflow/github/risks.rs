//! Security findings of a workflow: `pull_request_target` jobs that can get a token
//! (worse, that check out the pull request's code), pull request jobs that log in,
//! fork pull requests that cannot, and `id-token: write` granted to every job. They
//! hold on healthy paths too.

use super::super::shown;
use super::contribute::Placing;
use super::logins::describe_logins;
use super::permissions::{Decision, decide};
use super::subjects::{job_triggers, skips_forks};
use super::{Grant, Job, Login, MAX_JOBS_DETAILED, Trigger, job_list, step_path};
use crate::evidence::Observations;
use crate::vocabulary::Outcome;
use crate::vocabulary::catalog::{
    WORKFLOW_GITHUB_FORK_PULL_REQUEST, WORKFLOW_GITHUB_ID_TOKEN_WRITE_EVERYWHERE,
    WORKFLOW_GITHUB_PULL_REQUEST_RUN, WORKFLOW_GITHUB_PULL_REQUEST_TARGET,
    WORKFLOW_GITHUB_PULL_REQUEST_TARGET_CHECKOUT,
};

fn logs_in(job: &Job) -> bool {
    job.logins.iter().any(|l| l.oidc)
}

/// The workflow's security findings.
pub(super) fn risks(p: &Placing<'_>, out: &mut Observations) {
    if let Some(target) = p.wf.has("pull_request_target") {
        pull_request_target(p, target, out);
    }
    if let Some(pr) = p.wf.has("pull_request") {
        pull_request(p, pr, out);
    }
    id_token_everywhere(p, out);
}

fn can_get_token(p: &Placing<'_>, job: &Job) -> bool {
    matches!(decide(p.wf, job), Decision::Granted { .. })
}

fn pull_request_target(p: &Placing<'_>, target: &Trigger, out: &mut Observations) {
    let wf = p.wf;
    let on_target = |j: &Job| {
        job_triggers(wf, j)
            .iter()
            .any(|t| t.event == "pull_request_target")
    };
    let credentials =
        |job: &Job| job.logins.iter().any(|l| !l.oidc) || (logs_in(job) && can_get_token(p, job));
    let exposed: Vec<&Job> = wf
        .jobs
        .iter()
        .filter(|j| on_target(j) && (can_get_token(p, j) || logs_in(j)))
        .collect();
    if !exposed.is_empty() {
        let ev = p.evidence(
            Outcome::Info,
            target.line,
            "on.pull_request_target",
            "triggered by pull_request_target: runs with the base repository's secrets and token permissions, also for pull requests from forks".to_owned(),
        );
        let reason = WORKFLOW_GITHUB_PULL_REQUEST_TARGET
            .reason()
            .with("line", target.line)
            .with("jobs", job_list(exposed.iter().copied()))
            .cause("workflow-file")
            .fix("workflow-file");
        out.finding(reason.finding().with_evidence(ev));
    }
    for job in wf.jobs.iter().filter(|j| on_target(j) && credentials(j)) {
        for checkout in &job.head_checkouts {
            let ev = p.evidence(
                Outcome::Info,
                checkout.line,
                &step_path(job, checkout.step),
                format!(
                    "job `{}` checks out the pull request's head ({}) in a pull_request_target run that can get cloud credentials",
                    shown(&job.id),
                    shown(&checkout.what)
                ),
            );
            let logins: Vec<&Login> = job.logins.iter().collect();
            let reason = WORKFLOW_GITHUB_PULL_REQUEST_TARGET_CHECKOUT
                .reason()
                .with("job", shown(&job.id))
                .with("step", checkout.step + 1)
                .with("line", checkout.line)
                .with("checkout", shown(&checkout.what))
                .with("clouds", describe_logins(&logins))
                .with(
                    "login_line",
                    job.logins.first().map_or(job.line, |l| l.line),
                );
            out.finding(reason.finding().with_evidence(ev));
        }
    }
}

fn pull_request(p: &Placing<'_>, pr: &Trigger, out: &mut Observations) {
    let wf = p.wf;
    let pr_jobs: Vec<&Job> = wf
        .jobs
        .iter()
        .filter(|j| {
            logs_in(j)
                && job_triggers(wf, j)
                    .iter()
                    .any(|t| t.event == "pull_request")
        })
        .collect();
    for job in pr_jobs.iter().take(MAX_JOBS_DETAILED) {
        let sub = match &job.environment {
            Some(env) => format!("{}:environment:{}", p.prefix, shown(&env.name)),
            None => format!("{}:pull_request", p.prefix),
        };
        let logins: Vec<&Login> = job.logins.iter().collect();
        let ev = p.evidence(
            Outcome::Info,
            job.line,
            &format!("jobs.{}", job.id),
            format!(
                "on pull_request, job `{}` logs in to {} with sub `{sub}`",
                shown(&job.id),
                describe_logins(&logins)
            ),
        );
        let reason = WORKFLOW_GITHUB_PULL_REQUEST_RUN
            .reason()
            .with("line", pr.line)
            .with("job", shown(&job.id))
            .with("sub", sub)
            .cause("workflow-file")
            .fix("workflow-file");
        out.finding(reason.finding().with_evidence(ev));
    }
    let unguarded: Vec<&Job> = pr_jobs
        .iter()
        .copied()
        .filter(|j| !skips_forks(j))
        .collect();
    if !unguarded.is_empty() {
        let ev = p.evidence(
            Outcome::Info,
            pr.line,
            "on.pull_request",
            "pull requests from forks and from Dependabot get no id-token (and no secrets): the login step fails for them".to_owned(),
        );
        let reason = WORKFLOW_GITHUB_FORK_PULL_REQUEST
            .reason()
            .with("line", pr.line)
            .with("jobs", job_list(unguarded.iter().copied()));
        out.finding(reason.finding().with_evidence(ev));
    }
}

fn id_token_everywhere(p: &Placing<'_>, out: &mut Observations) {
    let wf = p.wf;
    let Some(block) = &wf.permissions else {
        return;
    };
    let everywhere = match &block.grant {
        Grant::WriteAll => true,
        Grant::Listed {
            id_token: Some((v, _)),
            ..
        } => v == "write",
        _ => false,
    };
    let needless: Vec<&Job> = wf
        .jobs
        .iter()
        .filter(|j| j.permissions.is_none() && !logs_in(j) && j.calls.is_none())
        .collect();
    let loggers: Vec<&Job> = wf.jobs.iter().filter(|j| logs_in(j)).collect();
    if !everywhere || wf.jobs.len() < 2 || needless.is_empty() {
        return;
    }
    let ev = p.evidence(
        Outcome::Info,
        block.line,
        "permissions",
        format!(
            "`id-token: write` at workflow level reaches {} job(s) that do not log in",
            needless.len()
        ),
    );
    let reason = WORKFLOW_GITHUB_ID_TOKEN_WRITE_EVERYWHERE
        .reason()
        .with("line", block.line)
        .with("jobs", job_list(needless.iter().copied()))
        .with("loggers", job_list(loggers.iter().copied()))
        .with(
            "job",
            loggers
                .first()
                .map_or("deploy".to_owned(), |j| shown(&j.id)),
        )
        .cause(if loggers.is_empty() {
            "no-login"
        } else {
            "default"
        });
    out.finding(reason.finding().with_evidence(ev));
}
