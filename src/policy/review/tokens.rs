//! Synthetic tokens: for each platform, the subjects a rule's patterns name and the
//! claims of each workflow context.

use super::*;

/// The repository, branch and environment a rule is about, read from its literal
/// subject patterns (wildcards replaced by plausible names).
pub(super) struct Subjects {
    pub(super) owner: String,
    pub(super) repo: String,
    pub(super) owner_id: Option<String>,
    pub(super) repo_id: Option<String>,
    pub(super) branch: String,
    pub(super) environment: String,
    /// HCP Terraform's project name; CircleCI's project id.
    pub(super) project: String,
}

pub(super) fn literal(segment: &str, fallback: &str) -> String {
    if segment.is_empty() || segment.contains(['*', '?']) {
        fallback.to_owned()
    } else {
        segment.to_owned()
    }
}

pub(super) fn github_subjects(patterns: &[String]) -> Subjects {
    let mut s = Subjects {
        owner: "acme".to_owned(),
        repo: "app".to_owned(),
        owner_id: None,
        repo_id: None,
        branch: "main".to_owned(),
        environment: "production".to_owned(),
        project: String::new(),
    };
    for p in patterns {
        // Literals a GCP condition or a Vault bound claim compares with: `owner/repo`,
        // `refs/heads/BRANCH`, an environment name is not guessable.
        if let Some(branch) = p.strip_prefix("refs/heads/") {
            s.branch = literal(branch, "main");
        } else if !p.starts_with("repo:") && !p.contains([':', ' ']) && p.matches('/').count() == 1
        {
            let (owner, name) = p.split_once('/').unwrap_or((p, "*"));
            s.owner = literal(owner, "acme");
            s.repo = literal(name, "app");
        }
    }
    let Some(pattern) = patterns.iter().find(|p| p.starts_with("repo:")) else {
        return s;
    };
    let mut parts = pattern.splitn(3, ':');
    parts.next();
    if let Some(repo) = parts.next() {
        let (owner, name) = repo.split_once('/').unwrap_or((repo, "*"));
        let (owner, owner_id) = owner
            .split_once('@')
            .map_or((owner, None), |(o, id)| (o, Some(id)));
        let (name, repo_id) = name
            .split_once('@')
            .map_or((name, None), |(n, id)| (n, Some(id)));
        s.owner = literal(owner, "acme");
        s.repo = literal(name, "app");
        s.owner_id = owner_id.map(|id| literal(id, "9120457"));
        s.repo_id = repo_id.map(|id| literal(id, "718230411"));
    }
    for p in patterns {
        if let Some(branch) = p.split(":ref:refs/heads/").nth(1) {
            s.branch = literal(branch, "main");
        }
        if let Some(env) = p.split(":environment:").nth(1) {
            s.environment = literal(env.split(':').next().unwrap_or_default(), "production");
        }
    }
    s
}

pub(super) fn gitlab_subjects(patterns: &[String]) -> Subjects {
    let mut s = Subjects {
        owner: "acme".to_owned(),
        repo: "app".to_owned(),
        owner_id: None,
        repo_id: None,
        branch: "main".to_owned(),
        environment: "production".to_owned(),
        project: String::new(),
    };
    for p in patterns {
        let fields: Vec<&str> = p.split(':').collect();
        for pair in fields.chunks(2) {
            if let [key, value] = pair {
                match *key {
                    "project_path" => {
                        let (group, project) = value.rsplit_once('/').unwrap_or((value, "*"));
                        s.owner = literal(group, "acme");
                        s.repo = literal(project, "app");
                    }
                    "ref" => s.branch = literal(value, "main"),
                    "environment" => s.environment = literal(value, "production"),
                    _ => {}
                }
            }
        }
    }
    s
}

pub(super) fn object(value: Value) -> Claims {
    match value {
        Value::Object(map) => Claims(map),
        _ => Claims::default(),
    }
}

/// A GitHub Actions token for a context (claims as GitHub documents them).
pub(super) fn github_context(
    context: Context,
    s: &Subjects,
    issuer: &str,
    audience: &str,
) -> Claims {
    let (owner, repo) = match context {
        Context::OtherRepoSameOrg => (s.owner.clone(), format!("{}-other", s.repo)),
        Context::OtherOrg => (format!("{}-other", s.owner), s.repo.clone()),
        _ => (s.owner.clone(), s.repo.clone()),
    };
    let repo_part = match (&s.owner_id, &s.repo_id, context) {
        (Some(_), Some(_), Context::OtherRepoSameOrg | Context::OtherOrg) => {
            format!("{owner}@1000001/{repo}@1000002")
        }
        (Some(oid), Some(rid), _) => format!("{owner}@{oid}/{repo}@{rid}"),
        _ => format!("{owner}/{repo}"),
    };
    let other_branch = if s.branch == "feature/unreviewed" {
        "feature/other"
    } else {
        "feature/unreviewed"
    };
    let (tail, git_ref, event, environment) = match context {
        // Only GitHub's and GitLab's own contexts are asked for; the others read as a
        // push to the default branch.
        Context::DefaultBranchPush
        | Context::OtherRepoSameOrg
        | Context::OtherOrg
        | Context::ApplyRun
        | Context::PlanRun
        | Context::OtherWorkspace
        | Context::OtherProject
        | Context::ProjectBuild => (
            format!("ref:refs/heads/{}", s.branch),
            format!("refs/heads/{}", s.branch),
            "push",
            None,
        ),
        Context::OtherBranchPush => (
            format!("ref:refs/heads/{other_branch}"),
            format!("refs/heads/{other_branch}"),
            "push",
            None,
        ),
        Context::Tag => (
            "ref:refs/tags/v1.2.3".to_owned(),
            "refs/tags/v1.2.3".to_owned(),
            "push",
            None,
        ),
        Context::PullRequest | Context::ForkPullRequest => (
            "pull_request".to_owned(),
            "refs/pull/42/merge".to_owned(),
            "pull_request",
            None,
        ),
        Context::Environment => (
            format!("environment:{}", s.environment),
            format!("refs/heads/{}", s.branch),
            "push",
            Some(s.environment.clone()),
        ),
    };
    let full = format!("{owner}/{repo}");
    let mut claims = json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("repo:{repo_part}:{tail}"),
        "repository": full,
        "repository_owner": owner,
        "repository_id": s.repo_id.clone().unwrap_or_else(|| "718230411".to_owned()),
        "repository_owner_id": s.owner_id.clone().unwrap_or_else(|| "9120457".to_owned()),
        "repository_visibility": "private",
        "ref": git_ref,
        "ref_type": if git_ref.starts_with("refs/tags/") { "tag" } else { "branch" },
        "event_name": event,
        "workflow": "deploy",
        "workflow_ref": format!("{full}/.github/workflows/deploy.yml@{git_ref}"),
        "job_workflow_ref": format!("{full}/.github/workflows/deploy.yml@{git_ref}"),
        "actor": "octocat",
        "actor_id": "583231",
        "runner_environment": "github-hosted",
        "run_id": "1", "run_number": "1", "run_attempt": "1",
        "head_ref": if event == "pull_request" { "feature/unreviewed" } else { "" },
        "base_ref": if event == "pull_request" { s.branch.as_str() } else { "" },
    });
    if let Some(env) = environment {
        claims["environment"] = Value::String(env);
    }
    object(claims)
}

/// A GitLab CI token for a context. A merge request pipeline carries the source
/// branch's subject; a fork's merge request runs in the fork's project.
pub(super) fn gitlab_context(
    context: Context,
    s: &Subjects,
    issuer: &str,
    audience: &str,
) -> Claims {
    let (group, project) = match context {
        Context::OtherRepoSameOrg => (s.owner.clone(), format!("{}-other", s.repo)),
        Context::OtherOrg | Context::ForkPullRequest => {
            (format!("{}-fork", s.owner), s.repo.clone())
        }
        _ => (s.owner.clone(), s.repo.clone()),
    };
    let (ref_type, git_ref, source, protected) = match context {
        Context::OtherBranchPush | Context::PullRequest | Context::ForkPullRequest => (
            "branch",
            "feature-unreviewed".to_owned(),
            if context == Context::OtherBranchPush {
                "push"
            } else {
                "merge_request_event"
            },
            "false",
        ),
        Context::Tag => ("tag", "v1.2.3".to_owned(), "push", "true"),
        _ => ("branch", s.branch.clone(), "push", "true"),
    };
    let path = format!("{group}/{project}");
    let mut claims = json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("project_path:{path}:ref_type:{ref_type}:ref:{git_ref}"),
        "project_path": path,
        "namespace_path": group,
        "project_id": "20", "namespace_id": "72",
        "ref": git_ref,
        "ref_type": ref_type,
        "ref_path": format!("refs/{}/{git_ref}", if ref_type == "tag" { "tags" } else { "heads" }),
        "ref_protected": protected,
        "pipeline_source": source,
        "pipeline_id": "574", "job_id": "302",
        "user_login": "sample-user",
        "runner_environment": "gitlab-hosted",
    });
    if context == Context::Environment {
        claims["environment"] = Value::String(s.environment.clone());
        claims["environment_protected"] = Value::String("true".to_owned());
    }
    object(claims)
}

/// HCP Terraform: organization (`owner`), project and workspace (`repo`) from a
/// `organization:ORG:project:PROJ:workspace:WS:run_phase:PHASE` pattern.
pub(super) fn terraform_subjects(patterns: &[String]) -> Subjects {
    let mut s = Subjects {
        owner: "acme".to_owned(),
        repo: "app".to_owned(),
        owner_id: None,
        repo_id: None,
        branch: String::new(),
        environment: String::new(),
        project: "Default Project".to_owned(),
    };
    for p in patterns.iter().filter(|p| p.starts_with("organization:")) {
        let fields: Vec<&str> = p.split(':').collect();
        for pair in fields.chunks(2) {
            if let [key, value] = pair {
                match *key {
                    "organization" => s.owner = literal(value, "acme"),
                    "project" => s.project = literal(value, "Default Project"),
                    "workspace" => s.repo = literal(value, "app"),
                    _ => {}
                }
            }
        }
    }
    s
}

/// An HCP Terraform workload identity token for a context (claims as HashiCorp's
/// workload identity tokens page lists them).
pub(super) fn terraform_context(
    context: Context,
    s: &Subjects,
    issuer: &str,
    audience: &str,
) -> Claims {
    let org = match context {
        Context::OtherOrg => format!("{}-other", s.owner),
        _ => s.owner.clone(),
    };
    let project = match context {
        Context::OtherProject => format!("{} Other", s.project),
        _ => s.project.clone(),
    };
    let workspace = match context {
        Context::OtherWorkspace | Context::OtherProject | Context::OtherOrg => {
            format!("{}-other", s.repo)
        }
        _ => s.repo.clone(),
    };
    let phase = if context == Context::PlanRun {
        "plan"
    } else {
        "apply"
    };
    let other = |c: bool, id: &str, other: &str| if c { other } else { id }.to_owned();
    let full = format!("organization:{org}:project:{project}:workspace:{workspace}");
    object(json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("{full}:run_phase:{phase}"),
        "terraform_organization_id": other(context == Context::OtherOrg, "org-GRNbCjYNpBB6NEH9", "org-Zq0tHeR0rg00001"),
        "terraform_organization_name": org,
        "terraform_project_id": other(context == Context::OtherProject, "prj-vegSA59s1XPwMr2t", "prj-0tHeRpR0jEcT001"),
        "terraform_project_name": project,
        "terraform_workspace_id": other(workspace != s.repo, "ws-mbsd5E3Ktt5Rg2Xm", "ws-0tHeRw0rKsPaCe01"),
        "terraform_workspace_name": workspace,
        "terraform_full_workspace": full,
        "terraform_run_id": "run-X3n1AUXNGWbfECsJ",
        "terraform_run_phase": phase,
    }))
}

pub(super) const CIRCLECI_ORG: &str = "c0ffee00-0000-4000-8000-00000000a001";
pub(super) const CIRCLECI_PROJECT: &str = "c0ffee00-0000-4000-8000-00000000b001";

/// CircleCI: organization id (`owner`) and project id (`project`) from an
/// `org/ORG_ID/project/PROJECT_ID/user/USER_ID` pattern, else the issuer's org id.
pub(super) fn circleci_subjects(patterns: &[String], issuer: Option<&str>) -> Subjects {
    let mut s = Subjects {
        owner: issuer
            .and_then(|i| i.split("/org/").nth(1))
            .map(|o| literal(o.trim_end_matches('/'), CIRCLECI_ORG))
            .unwrap_or_else(|| CIRCLECI_ORG.to_owned()),
        repo: String::new(),
        owner_id: None,
        repo_id: None,
        branch: String::new(),
        environment: String::new(),
        project: CIRCLECI_PROJECT.to_owned(),
    };
    for p in patterns.iter().filter(|p| p.starts_with("org/")) {
        let fields: Vec<&str> = p.split('/').collect();
        for pair in fields.chunks(2) {
            if let [key, value] = pair {
                match *key {
                    "org" => s.owner = literal(value, &s.owner),
                    "project" => s.project = literal(value, CIRCLECI_PROJECT),
                    _ => {}
                }
            }
        }
    }
    s
}

/// A CircleCI OIDC token for a context. Each organization has its own issuer and, by
/// default, its own id as the audience (platforms.md, CircleCI's OpenID Connect page).
pub(super) fn circleci_context(
    context: Context,
    s: &Subjects,
    issuer: &str,
    audience: &str,
) -> Claims {
    let (org, issuer, audience) = match context {
        Context::OtherOrg => {
            let other = "c0ffee00-0000-4000-8000-00000000a002".to_owned();
            let issuer = format!("https://oidc.circleci.com/org/{other}");
            (other.clone(), issuer, other)
        }
        _ => (s.owner.clone(), issuer.to_owned(), audience.to_owned()),
    };
    let project = match context {
        Context::OtherProject | Context::OtherOrg => "c0ffee00-0000-4000-8000-00000000b002",
        _ => s.project.as_str(),
    };
    object(json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("org/{org}/project/{project}/user/c0ffee00-0000-4000-8000-00000000c001"),
        "oidc.circleci.com/project-id": project,
        "oidc.circleci.com/vcs-origin": "github.com/acme/app",
        "oidc.circleci.com/vcs-ref": "refs/heads/main",
        "oidc.circleci.com/context-ids": [],
        "oidc.circleci.com/ssh-rerun": false,
    }))
}
