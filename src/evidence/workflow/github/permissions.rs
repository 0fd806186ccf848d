//! Whether a job may request a token: the `permissions` block that governs it (its
//! own, else the workflow's, else the repository's defaults) and what it grants.

use super::super::{fragment, shown};
use super::{Grant, Job, Permissions, Workflow};
use crate::vocabulary::catalog::WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION;
use crate::vocabulary::knowledge::Reason;

/// How a job's permission to request a token was decided.
pub(super) enum Decision<'a> {
    Granted {
        line: usize,
        path: String,
    },
    Denied {
        line: usize,
        path: String,
        because: String,
        block: Option<&'a Permissions>,
    },
    /// Decided elsewhere (the caller of a reusable workflow, an expression).
    Unknown(String),
}

pub(super) fn decide<'a>(wf: &'a Workflow, job: &'a Job) -> Decision<'a> {
    let piece = |variant, values: &[(&'static str, String)]| {
        fragment(WORKFLOW_GITHUB_MISSING_ID_TOKEN_PERMISSION, variant, values)
    };
    let Some(p) = job.permissions.as_ref().or(wf.permissions.as_ref()) else {
        if wf.only_workflow_call() {
            return Decision::Unknown(piece("caller-decides", &[]));
        }
        return Decision::Denied {
            line: job.line,
            path: format!("jobs.{}", job.id),
            because: piece("no-permissions", &[]),
            block: None,
        };
    };
    let scope_variant = if job.permissions.is_some() {
        "scope-job"
    } else {
        "scope-workflow"
    };
    let scope = piece(scope_variant, &[("block_line", p.line.to_string())]);
    let denied = |line: usize, variant, value: Option<String>| {
        let mut values = vec![("scope", scope.clone())];
        values.extend(value.map(|v| ("value", v)));
        Decision::Denied {
            line,
            path: p.path.clone(),
            because: piece(variant, &values),
            block: Some(p),
        }
    };
    match &p.grant {
        Grant::WriteAll => Decision::Granted {
            line: p.line,
            path: format!("{}: write-all", p.path),
        },
        Grant::ReadAll => denied(p.line, "read-all", None),
        Grant::Nothing => denied(p.line, "empty-block", None),
        Grant::Listed {
            id_token: Some((v, l)),
            ..
        } if v == "write" => Decision::Granted {
            line: *l,
            path: format!("{}.id-token: write", p.path),
        },
        Grant::Listed {
            id_token: Some((v, l)),
            ..
        } => denied(*l, "not-write", Some(shown(v))),
        Grant::Listed { id_token: None, .. } => denied(p.line, "not-listed", None),
        Grant::Unclear(what) => Decision::Unknown(piece(
            "unclear",
            &[("scope", scope.clone()), ("what", shown(what))],
        )),
    }
}

/// The fix: the YAML to add for `id-token: write`, keeping what the governing block grants
/// (a job-level block replaces the workflow-level one). One line, in flow style:
/// reports show a fix on one line.
pub(super) fn permission_fix(reason: Reason, job: &Job, block: Option<&Permissions>) -> Reason {
    let mut scopes: Vec<(String, String)> = match block.map(|b| &b.grant) {
        Some(Grant::Listed { scopes, .. }) => scopes
            .iter()
            .filter(|(k, _)| k != "id-token")
            .cloned()
            .collect(),
        _ => vec![("contents".to_owned(), "read".to_owned())],
    };
    scopes.insert(0, ("id-token".to_owned(), "write".to_owned()));
    let yaml = format!(
        "permissions: {{ {} }}",
        scopes
            .iter()
            .map(|(k, v)| format!("{}: {}", shown(k), shown(v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let reason = reason.with("job", shown(&job.id)).with("yaml", yaml);
    match &job.permissions {
        Some(p) => reason.with("block_line", p.line).fix("job-block"),
        None => reason.with("line", job.line).fix("own-block"),
    }
}
