//! What a job's token will carry (its subject, for each trigger the job runs on) and
//! which job a loaded token most likely came from.

use super::super::shown;
use super::{Job, Login, Trigger, Workflow};
use crate::evidence::SharedFacts;
use crate::token::Platform;
use crate::token::claims::Claims;

/// A predicted subject and when the job carries it.
pub(super) struct Predicted {
    pub sub: String,
    pub when: String,
}

fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?', '[', '!', '+'])
}

/// The events a job's `if:` limits it to (`github.event_name == 'push' || …`), when
/// the condition is a plain disjunction of such tests; `None` when it does not say.
fn events_allowed(job: &Job) -> Option<Vec<String>> {
    let condition = job.condition.as_deref()?;
    if condition.contains('!') || !condition.contains("github.event_name") {
        return None;
    }
    let mut events = Vec::new();
    for part in condition.split("github.event_name").skip(1) {
        let rest = part.trim_start().strip_prefix("==")?.trim_start();
        let quote = rest.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
        events.push(rest[1..].split(quote).next()?.to_owned());
    }
    (!events.is_empty()).then_some(events)
}

/// The triggers a job runs for.
pub(super) fn job_triggers<'a>(wf: &'a Workflow, job: &Job) -> Vec<&'a Trigger> {
    let allowed = events_allowed(job);
    wf.triggers
        .iter()
        .filter(|t| allowed.as_ref().is_none_or(|a| a.contains(&t.event)))
        .collect()
}

/// A job or login step guarded against forks (`head.repo.full_name == github.repository`,
/// `head.repo.fork`).
pub(super) fn skips_forks(job: &Job) -> bool {
    let guarded = |c: &Option<String>| {
        c.as_deref()
            .is_some_and(|c| c.contains("head.repo.full_name") || c.contains("head.repo.fork"))
    };
    guarded(&job.condition)
        || job
            .logins
            .iter()
            .filter(|l| l.oidc)
            .all(|l| guarded(&l.condition))
}

pub(super) fn predict(wf: &Workflow, job: &Job, prefix: &str) -> Vec<Predicted> {
    let mut out: Vec<Predicted> = Vec::new();
    if let Some(env) = &job.environment {
        let sub = if env.expression {
            format!(
                "{prefix}:environment:<{}, evaluated at run time>",
                shown(&env.name)
            )
        } else {
            format!("{prefix}:environment:{}", shown(&env.name))
        };
        out.push(Predicted {
            sub,
            when: format!(
                "on every trigger (the job references environment `{}`, line {})",
                shown(&env.name),
                env.line
            ),
        });
        return out;
    }
    let mut push = |sub: String, when: String| {
        if !out.iter().any(|p| p.sub == sub) {
            out.push(Predicted { sub, when });
        }
    };
    for t in job_triggers(wf, job) {
        match t.event.as_str() {
            "pull_request" => push(format!("{prefix}:pull_request"), "on pull_request".to_owned()),
            "pull_request_target" => push(
                format!("{prefix}:pull_request"),
                "on pull_request_target (a guess: GitHub's docs do not say whether pull_request_target gets the pull_request form; else `ref:refs/heads/<base branch>`)".to_owned(),
            ),
            "push" => {
                for b in &t.branches {
                    let note = if is_pattern(b) {
                        " (a pattern: each matching branch)"
                    } else {
                        ""
                    };
                    push(
                        format!("{prefix}:ref:refs/heads/{}", shown(b)),
                        format!("on push to `{}`{note}", shown(b)),
                    );
                }
                for tag in &t.tags {
                    let note = if is_pattern(tag) {
                        " (a pattern: each matching tag)"
                    } else {
                        ""
                    };
                    push(
                        format!("{prefix}:ref:refs/tags/{}", shown(tag)),
                        format!("on push of tag `{}`{note}", shown(tag)),
                    );
                }
                if !t.branch_filter && !t.tag_filter {
                    push(
                        format!("{prefix}:ref:refs/heads/<pushed branch>"),
                        "on push (any branch)".to_owned(),
                    );
                    push(
                        format!("{prefix}:ref:refs/tags/<pushed tag>"),
                        "on push (any tag)".to_owned(),
                    );
                } else if t.branch_filter && t.branches.is_empty() {
                    push(
                        format!("{prefix}:ref:refs/heads/<pushed branch>"),
                        "on push (branches-ignore)".to_owned(),
                    );
                }
            }
            "workflow_dispatch" => push(
                format!("{prefix}:ref:refs/heads/<branch chosen at dispatch>"),
                "on workflow_dispatch".to_owned(),
            ),
            "schedule" => push(
                format!("{prefix}:ref:refs/heads/<default branch>"),
                "on schedule".to_owned(),
            ),
            "release" => push(
                format!("{prefix}:ref:refs/tags/<release tag>"),
                "on release".to_owned(),
            ),
            "workflow_call" => push(
                "<the caller's subject>".to_owned(),
                "when called (the caller's event and environment decide)".to_owned(),
            ),
            "merge_group" => push(
                format!("{prefix}:ref:refs/heads/gh-readonly-queue/<base>/<…>"),
                "on merge_group".to_owned(),
            ),
            other => push(
                format!("{prefix}:ref:<the ref of the {} event>", shown(other)),
                format!("on {}", shown(other)),
            ),
        }
    }
    out
}

/// A token (or claim set) from GitHub that other artifacts shared.
pub(super) struct SeenToken<'a> {
    pub artifact: &'a str,
    pub claims: &'a Claims,
}

pub(super) fn github_tokens(facts: &SharedFacts) -> Vec<SeenToken<'_>> {
    let mut out: Vec<SeenToken<'_>> = facts
        .tokens
        .iter()
        .map(|t| SeenToken {
            artifact: &t.artifact,
            claims: &t.token.claims,
        })
        .collect();
    out.extend(facts.claims.iter().map(|(a, c)| SeenToken {
        artifact: a,
        claims: c,
    }));
    out.retain(|t| Platform::detect(t.claims) == Platform::GithubActions);
    out
}

/// `repo:OWNER/REPO` as the tokens show it (immutable `OWNER@ID/REPO@ID` included),
/// else the literal placeholder.
pub(super) fn repo_prefix(tokens: &[SeenToken<'_>]) -> (String, bool) {
    for t in tokens {
        if let Some(sub) = t.claims.subject()
            && let Some(rest) = sub.strip_prefix("repo:")
            && let Some(repo) = rest.split(':').next()
            && repo.contains('/')
        {
            return (format!("repo:{}", shown(repo)), true);
        }
        if let Some(repo) = t.claims.str("repository") {
            return (format!("repo:{}", shown(repo)), true);
        }
    }
    ("repo:OWNER/REPO".to_owned(), false)
}

/// How well a token fits a job (higher is better) and whether its subject is one the
/// job is predicted to carry.
pub(super) fn fit(
    wf: &Workflow,
    job: &Job,
    predictions: &[Predicted],
    claims: &Claims,
) -> (i32, bool) {
    let sub = claims.subject().unwrap_or_default();
    let exact = predictions.iter().any(|p| p.sub == sub);
    let mut score = if exact { 6 } else { 0 };
    match (claims.str("environment"), &job.environment) {
        (Some(a), Some(e)) if a == e.name => score += 3,
        (Some(_), None) | (None, Some(_)) => score -= 2,
        _ => {}
    }
    if let (Some(name), Some(w)) = (&wf.name, claims.str("workflow")) {
        score += if name == w { 2 } else { -3 };
    }
    if let Some(event) = claims.str("event_name") {
        score += if wf.has(event).is_some() { 1 } else { -2 };
    }
    let auds = claims.audiences();
    let requested = |l: &Login| {
        auds.contains(&l.audience.as_str())
            || (l.audience == "https://github.com/OWNER"
                && auds.iter().any(|a| a.starts_with("https://github.com/")))
    };
    if job.logins.iter().any(requested) {
        score += 2;
    }
    (score, exact)
}
