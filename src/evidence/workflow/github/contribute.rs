//! Placing a workflow's evidence: for each job that logs in, whether it may request a
//! token (the finding when it may not), what its login steps lack, the token it will
//! request, and which loaded token it most likely issued. The sentences of findings
//! come from the knowledge file; the evidence lines name what was read.

use super::super::{locator, shown, suggest};
use super::logins::describe_logins;
use super::permissions::{Decision, decide, permission_fix};
use super::subjects::{SeenToken, fit, github_tokens, predict, repo_prefix};
use super::{Job, Login, MAX_JOBS_DETAILED, MAX_SUBJECTS, Target, Workflow, risks, step_path};
use crate::evidence::{Observations, SharedFacts};
use crate::vocabulary::catalog::WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION;
use crate::vocabulary::{Evidence, Outcome, Stage};

/// What every part of the placement reads: the workflow, where it came from, and the
/// repository the loaded tokens name.
pub(super) struct Placing<'a> {
    pub wf: &'a Workflow,
    pub artifact: &'a str,
    /// `repo:OWNER/REPO`, from a token when one names the repository.
    pub prefix: String,
    pub known_repo: bool,
    /// `https://github.com/OWNER`, GitHub's default audience, when the owner is known.
    owner_url: Option<String>,
}

impl Placing<'_> {
    pub fn evidence(&self, outcome: Outcome, line: usize, path: &str, summary: String) -> Evidence {
        Evidence::statics(
            Stage::Workflow,
            outcome,
            self.artifact,
            locator(line, path),
            summary,
        )
    }
}

/// A loaded token matched to the job (by index) it most likely came from, and whether
/// its subject is one predicted for that job.
type Correlation<'t> = (usize, &'t SeenToken<'t>, bool);

fn logs_in(job: &Job) -> bool {
    job.logins.iter().any(|l| l.oidc)
}

/// Place the workflow's evidence and findings.
pub(crate) fn contribute(
    wf: &Workflow,
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    let tokens = github_tokens(facts);
    let (prefix, known_repo) = repo_prefix(&tokens);
    let owner_url = known_repo.then(|| {
        let owner = prefix
            .trim_start_matches("repo:")
            .split('/')
            .next()
            .unwrap_or_default();
        format!(
            "https://github.com/{}",
            owner.split('@').next().unwrap_or(owner)
        )
    });
    let p = Placing {
        wf,
        artifact,
        prefix,
        known_repo,
        owner_url,
    };
    file_shape(&p, out);
    reusable_calls(&p, out);
    let correlations = correlate(&p, &tokens, out);
    let mut missing = 0usize;
    for (index, job) in wf.jobs.iter().enumerate().take(MAX_JOBS_DETAILED) {
        let mine: Vec<&Correlation<'_>> = correlations
            .iter()
            .filter(|(i, _, _)| *i == index)
            .collect();
        if place_job(&p, job, &mine, out) {
            missing += 1;
        }
    }
    let extra = wf.jobs.len().saturating_sub(MAX_JOBS_DETAILED);
    if extra > 0 {
        let more_logins = wf
            .jobs
            .iter()
            .skip(MAX_JOBS_DETAILED)
            .filter(|j| logs_in(j))
            .count();
        out.evidence(p.evidence(
            Outcome::Info,
            wf.on_line,
            "jobs",
            format!("{extra} more jobs not described one by one ({more_logins} of them log in with OIDC)"),
        ));
    }
    if missing > 0 {
        let workflow = wf
            .name
            .as_deref()
            .map(shown)
            .unwrap_or_else(|| "WORKFLOW_FILE.yml".to_owned());
        suggest(out, "github.run.list", &[("workflow", workflow)]);
        suggest(
            out,
            "github.run.failed-log",
            &[("run_id", "RUN_ID".to_owned())],
        );
    }
    risks::risks(&p, out);
}

/// What GitHub makes of the file itself: duplicate keys (it rejects the file), merge
/// keys (it does not follow them), and no login at all.
fn file_shape(p: &Placing<'_>, out: &mut Observations) {
    let wf = p.wf;
    for d in &wf.duplicates {
        out.evidence(p.evidence(
            Outcome::Fail,
            d.line,
            &d.key,
            format!(
                "GitHub rejects this workflow file: (Line: {}, Col: {}): '{}' is already defined; no job of it runs until one of the keys is removed (evaluated here with the last value)",
                d.line,
                d.column,
                shown(&d.key)
            ),
        ));
    }
    if let Some(line) = wf.merge_key {
        out.evidence(p.evidence(
            Outcome::Info,
            line,
            "<<",
            "a YAML merge key (`<<`): GitHub supports anchors but not merge keys, so it reads `<<` as a literal key (not followed here either)".to_owned(),
        ));
    }
    if wf.jobs.iter().any(logs_in) {
        return;
    }
    let statics: Vec<String> = wf
        .jobs
        .iter()
        .flat_map(|j| j.logins.iter().map(move |l| (j, l)))
        .map(|(j, l)| {
            format!(
                "job `{}` ({}): {}",
                shown(&j.id),
                shown(&l.via),
                l.notes.join("; ")
            )
        })
        .collect();
    let summary = if statics.is_empty() {
        "no job logs in to a cloud with the job's OIDC token (no configure-aws-credentials, azure/login, google-github-actions/auth, vault-action with method jwt, or $ACTIONS_ID_TOKEN_REQUEST_URL request)".to_owned()
    } else {
        format!(
            "no job uses the job's OIDC token to log in: {}",
            statics.join("; ")
        )
    };
    out.evidence(p.evidence(Outcome::Info, wf.on_line, "on", summary));
}

/// Jobs that call a reusable workflow (not followed): whether they pass id-token on.
fn reusable_calls(p: &Placing<'_>, out: &mut Observations) {
    for job in &p.wf.jobs {
        let Some((called, line)) = &job.calls else {
            continue;
        };
        let grant = match decide(p.wf, job) {
            Decision::Granted { .. } => {
                "grants `id-token: write`, so the called workflow's jobs may request a token"
            }
            Decision::Denied { .. } => {
                "does not grant `id-token: write`, so no job of the called workflow can request a token (a called workflow can only keep or lower its caller's permissions)"
            }
            Decision::Unknown(_) => "has permissions that cannot be evaluated here",
        };
        out.evidence(p.evidence(
            Outcome::Info,
            *line,
            &format!("jobs.{}.uses", job.id),
            format!(
                "job `{}` calls the reusable workflow `{}` (not followed); this job {grant}",
                shown(&job.id),
                shown(called)
            ),
        ));
    }
}

/// Which job each loaded token most likely came from; a token that fits none is said
/// to come from another workflow.
fn correlate<'t>(
    p: &Placing<'_>,
    tokens: &'t [SeenToken<'t>],
    out: &mut Observations,
) -> Vec<Correlation<'t>> {
    let wf = p.wf;
    let mut correlations = Vec::new();
    if !wf.jobs.iter().any(logs_in) {
        return correlations;
    }
    for t in tokens {
        let best = wf
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| logs_in(j))
            .map(|(i, j)| (i, fit(wf, j, &predict(wf, j, &p.prefix), t.claims)))
            .max_by_key(|(_, (score, _))| *score);
        match best {
            Some((i, (score, exact))) if exact || score >= 3 => correlations.push((i, t, exact)),
            _ => {
                let sub = t.claims.subject().unwrap_or("(no sub)");
                let workflow = t
                    .claims
                    .str("workflow")
                    .map(|w| format!(" (its `workflow` claim is `{}`)", shown(w)))
                    .unwrap_or_default();
                out.evidence(p.evidence(
                    Outcome::Info,
                    wf.on_line,
                    "on",
                    format!(
                        "the token in {} (sub `{}`) matches no job of this workflow: it probably comes from another workflow{workflow}",
                        shown(t.artifact),
                        shown(sub)
                    ),
                ));
            }
        }
    }
    correlations
}

/// One job's evidence and findings; true when it logs in but cannot get a token.
fn place_job(
    p: &Placing<'_>,
    job: &Job,
    correlations: &[&Correlation<'_>],
    out: &mut Observations,
) -> bool {
    for login in job.logins.iter().filter(|l| !l.oidc) {
        out.evidence(p.evidence(
            Outcome::Info,
            login.line,
            &step_path(job, login.step),
            format!(
                "job `{}`: `{}` {}",
                shown(&job.id),
                shown(&login.via),
                login.notes.join("; ")
            ),
        ));
    }
    let oidc_logins: Vec<&Login> = job.logins.iter().filter(|l| l.oidc).collect();
    if oidc_logins.is_empty() {
        return false;
    }
    let missing = permission(p, job, &oidc_logins, correlations, out);
    for login in &oidc_logins {
        login_problems(p, job, login, out);
        next_for(login, out);
    }
    prediction(p, job, &oidc_logins, correlations, out);
    missing
}

/// Whether the job may request a token; the finding when it may not (unless a loaded
/// token shows it did). True when that finding was made.
fn permission(
    p: &Placing<'_>,
    job: &Job,
    oidc_logins: &[&Login],
    correlations: &[&Correlation<'_>],
    out: &mut Observations,
) -> bool {
    let clouds = describe_logins(oidc_logins);
    let (line, path, because, block) = match decide(p.wf, job) {
        Decision::Granted { line, path } => {
            out.evidence(p.evidence(
                Outcome::Pass,
                line,
                &path,
                format!(
                    "job `{}` may request an OIDC token for {clouds}: `{}`",
                    shown(&job.id),
                    shown(&path)
                ),
            ));
            return false;
        }
        Decision::Unknown(why) => {
            out.evidence(p.evidence(
                Outcome::Info,
                job.line,
                &format!("jobs.{}", job.id),
                format!(
                    "job `{}` logs in to {clouds}; whether it may request a token: {why}",
                    shown(&job.id)
                ),
            ));
            return false;
        }
        Decision::Denied {
            line,
            path,
            because,
            block,
        } => (line, path, because, block),
    };
    if let Some((_, t, _)) = correlations.first() {
        out.evidence(p.evidence(
            Outcome::Info,
            line,
            &path,
            format!(
                "as written, job `{}` cannot request a token ({because}); yet the token in {} fits this job: the workflow that ran differs from this file, or the token comes from another job",
                shown(&job.id),
                shown(t.artifact)
            ),
        ));
        return false;
    }
    let ev = p.evidence(
        Outcome::Fail,
        line,
        &path,
        format!(
            "job `{}` logs in to {clouds} but cannot request an OIDC token: {because}",
            shown(&job.id)
        ),
    );
    let steps = oidc_logins
        .iter()
        .map(|l| format!("`{}` (line {})", shown(&l.via), l.line))
        .collect::<Vec<_>>()
        .join(", ");
    let reason = WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION
        .reason()
        .with("job", shown(&job.id))
        .with("line", job.line)
        .with("steps", steps)
        .with("because", because)
        .cause("workflow-file");
    out.finding(
        permission_fix(reason, job, block)
            .finding()
            .with_evidence(ev),
    );
    true
}

/// What a login step lacks or sets wrongly: one finding each.
fn login_problems(p: &Placing<'_>, job: &Job, login: &Login, out: &mut Observations) {
    for problem in &login.problems {
        let verb = if problem.missing {
            "is missing an input"
        } else {
            "is misconfigured"
        };
        // The problem's own words (a piece of the knowledge entry), quoted by the
        // evidence line and by the finding's cause.
        let what = problem.reason.texts().0;
        let ev = p.evidence(
            Outcome::Fail,
            problem.line,
            &step_path(job, login.step),
            format!(
                "job `{}`: `{}` {verb}: {what}",
                shown(&job.id),
                shown(&login.via),
            ),
        );
        let finding = problem
            .reason
            .clone()
            .with("job", shown(&job.id))
            .with("step", login.step + 1)
            .with("via", shown(&login.via))
            .with("line", login.line)
            .with("problem", what)
            .cause("in-step")
            .finding();
        out.finding(finding.with_evidence(ev));
    }
    for note in &login.notes {
        out.evidence(p.evidence(
            Outcome::Info,
            login.line,
            &step_path(job, login.step),
            format!("job `{}`: `{}`: {note}", shown(&job.id), shown(&login.via)),
        ));
    }
}

/// The token the job will request (audiences and subjects), and how the loaded
/// tokens that fit the job compare with it.
fn prediction(
    p: &Placing<'_>,
    job: &Job,
    oidc_logins: &[&Login],
    correlations: &[&Correlation<'_>],
    out: &mut Observations,
) {
    let job_path = format!("jobs.{}", job.id);
    let predictions = predict(p.wf, job, &p.prefix);
    let subjects: Vec<String> = predictions
        .iter()
        .take(MAX_SUBJECTS)
        .map(|p| format!("`{}` {}", p.sub, p.when))
        .collect();
    let audiences: Vec<String> = oidc_logins
        .iter()
        .map(|l| {
            let audience = match &p.owner_url {
                Some(url) if l.audience == "https://github.com/OWNER" => url.clone(),
                _ => l.audience.clone(),
            };
            format!(
                "`{}` ({}, {})",
                shown(&audience),
                shown(&l.via),
                l.audience_from
            )
        })
        .collect();
    let more = if predictions.len() > MAX_SUBJECTS {
        format!("; and {} more", predictions.len() - MAX_SUBJECTS)
    } else {
        String::new()
    };
    let placeholder = if p.known_repo {
        ""
    } else {
        " (OWNER/REPO: give a token from the repository to fill it in)"
    };
    out.evidence(p.evidence(
        Outcome::Info,
        job.line,
        &job_path,
        format!(
            "job `{}` will request a token with aud {} and sub {}{more}{placeholder}",
            shown(&job.id),
            audiences.join(", "),
            subjects.join("; "),
        ),
    ));
    for (_, t, exact) in correlations {
        let sub = t.claims.subject().unwrap_or("(no sub)");
        let summary = if *exact {
            format!(
                "the token in {} (sub `{}`) is the one predicted for job `{}`",
                shown(t.artifact),
                shown(sub),
                shown(&job.id)
            )
        } else {
            format!(
                "the token in {} (sub `{}`) most likely comes from job `{}`, but its subject is none of those predicted ({}): {}",
                shown(t.artifact),
                shown(sub),
                shown(&job.id),
                predictions
                    .iter()
                    .take(3)
                    .map(|p| format!("`{}`", p.sub))
                    .collect::<Vec<_>>()
                    .join(", "),
                subject_difference(sub, &p.prefix)
            )
        };
        out.evidence(p.evidence(Outcome::Info, job.line, &job_path, summary));
    }
}

/// Why a token's subject may differ from the prediction.
fn subject_difference(sub: &str, prefix: &str) -> String {
    if !sub.starts_with("repo:") {
        "its subject does not start with `repo:`, so the repository uses a customised subject template (`include_claim_keys`)".to_owned()
    } else if !sub.starts_with(prefix) {
        "it names another repository".to_owned()
    } else {
        "it ran for another trigger, branch or environment than this file's".to_owned()
    }
}

/// The configuration the login names, to fetch as deployed (`commands/fetch.toml`).
fn next_for(login: &Login, out: &mut Observations) {
    let word = |s: &str| crate::text::escape_control(s).into_owned();
    match &login.target {
        Some(Target::AwsRole(arn)) => {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            suggest(
                out,
                "aws.iam.get-role.trust-policy",
                &[("role_name", word(name))],
            );
        }
        Some(Target::AzureClient(id)) => suggest(
            out,
            "azure.app.federated-credentials",
            &[("client_id", word(id))],
        ),
        Some(Target::GcpProvider(provider)) => {
            let parts: Vec<&str> = provider
                .trim_start_matches("//iam.googleapis.com/")
                .split('/')
                .collect();
            // A name that is not a provider's full one is a finding of its own; the
            // command then shows where each part goes.
            let [provider, project, location, pool] = if parts.len() == 8 {
                [parts[7], parts[1], parts[3], parts[5]]
            } else {
                ["PROVIDER", "PROJECT_NUMBER", "global", "POOL"]
            };
            suggest(
                out,
                "gcp.provider.describe",
                &[
                    ("provider", word(provider)),
                    ("project", word(project)),
                    ("location", word(location)),
                    ("pool", word(pool)),
                ],
            );
        }
        Some(Target::VaultRole { path, role }) => suggest(
            out,
            "vault.role.read",
            &[("mount", word(path)), ("role", word(role))],
        ),
        None => {}
    }
}
