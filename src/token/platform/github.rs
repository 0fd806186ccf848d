//! GitHub Actions as an OIDC issuer: its issuers (github.com, GHEC's per-enterprise
//! issuer, GHE.com, GHES), the grammar of its `sub` (default, immutable-ID and
//! customised templates) and what its claims mean for trust.
//!
//! Sources: <https://docs.github.com/en/actions/reference/security/oidc> (issuers,
//! `sub` grammar and its `%3A` encoding, immutable IDs, claims) and
//! <https://docs.github.com/en/actions/concepts/security/openid-connect> (default
//! audience, subject customisation).

use serde_json::Value;

use super::{
    ClaimDoc, ClaimKnowledge, Claims, IssuerUrl, Platform, Subject, SubjectContext, SubjectPart,
    git_ref_context, has_text, key_value_pairs, part,
};

pub(super) const DOCS_URL: &str = "https://docs.github.com/en/actions/reference/security/oidc";

/// The issuer of github.com and of GHEC without a unique issuer.
const PUBLIC_HOST: &str = "token.actions.githubusercontent.com";

/// `https://token.actions.githubusercontent.com` (optionally `/<enterprise slug>`),
/// `https://token.actions.<subdomain>.ghe.com`, or a GHES `https://HOST/_services/token`.
pub(super) fn is_issuer(url: &IssuerUrl<'_>) -> bool {
    if url.host_is(PUBLIC_HOST) {
        let segments = url.segments();
        return match segments.as_slice() {
            [] => true,
            [slug] => !slug.is_empty(),
            _ => false,
        };
    }
    if url.path.is_empty() && is_ghe_com_host(url.host) {
        return true;
    }
    url.path == "/_services/token"
}

/// `token.actions.<subdomain>.ghe.com`.
fn is_ghe_com_host(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    lower
        .strip_prefix("token.actions.")
        .and_then(|rest| rest.strip_suffix(".ghe.com"))
        .is_some_and(|subdomain| !subdomain.is_empty() && !subdomain.contains('.'))
}

/// Claims only GitHub Actions writes, for tokens whose issuer we do not recognise.
pub(super) fn has_claim_set(claims: &Claims) -> bool {
    has_text(claims, "job_workflow_ref")
        || (has_text(claims, "repository_owner_id") && has_text(claims, "run_attempt"))
}

/// Keys that stand alone in a subject: the context of a pull request has no value.
const VALUELESS_KEYS: &[&str] = &["pull_request"];

/// Keys that carry a subject's context (the default template's tail, the `context`
/// key of a customised template), in GitHub's precedence order.
const CONTEXT_KEYS: &[&str] = &["environment", "pull_request", "ref"];

pub(super) fn parse_subject(sub: &str) -> Subject {
    parse(sub).unwrap_or_else(|reason| Subject::unparsed(Platform::GithubActions, sub, reason))
}

fn parse(sub: &str) -> Result<Subject, String> {
    let pairs = key_value_pairs(sub, VALUELESS_KEYS)?;
    let mut parts: Vec<SubjectPart> = Vec::with_capacity(pairs.len() + 3);
    let mut repository: Option<Repository> = None;
    let mut seen: Vec<&str> = Vec::with_capacity(pairs.len());
    for &(key, raw_value) in &pairs {
        if seen.contains(&key) {
            return Err(format!("`{key}` appears twice"));
        }
        seen.push(key);
        if !is_subject_key(key) {
            return Err(format!(
                "`{key}` is not a GitHub claim name, so no subject template produces it \
                 (an unencoded `:` inside a value, or extra text?)"
            ));
        }
        let value = decode_colons(raw_value);
        match key {
            "repo" => {
                let repo = Repository::parse(&value)?;
                repo.push_parts(&mut parts);
                repository = Some(repo);
            }
            "ref" | "environment" if value.is_empty() => {
                return Err(format!("`{key}` is empty (the subject is truncated?)"));
            }
            "ref" if !value.starts_with("refs/") => {
                return Err(format!(
                    "`ref` must be a full git ref (refs/heads/… or refs/tags/…), found `{value}`"
                ));
            }
            _ => parts.push(part(key, value)),
        }
    }

    let context = context_of(&parts);
    let is_default_shape = match seen.as_slice() {
        ["repo", tail] => CONTEXT_KEYS.contains(tail),
        _ => false,
    };
    let immutable = matches!(repository, Some(Repository::Immutable { .. }));
    let format = match (is_default_shape, immutable) {
        (true, false) => "github-classic",
        (true, true) => "github-immutable",
        (false, _) => "github-custom",
    };
    let custom_keys = (!is_default_shape).then_some(seen.as_slice());
    let meaning = meaning(&context, &parts, repository.as_ref(), custom_keys);
    Ok(Subject {
        raw: sub.to_owned(),
        format,
        parts,
        context,
        meaning,
    })
}

/// A key a subject template can contain: a claim GitHub documents, or `repo` (the
/// template's short name for `repository`).
fn is_subject_key(key: &str) -> bool {
    key == "repo" || key == "pull_request" || CLAIM_KNOWLEDGE.knows(key)
}

/// GitHub encodes `:` inside a value as `%3A` (and nothing else), so only that is decoded.
fn decode_colons(value: &str) -> String {
    value.replace("%3A", ":").replace("%3a", ":")
}

/// The `repo` value: `OWNER/REPO`, or `OWNER@OWNER_ID/REPO@REPO_ID` when the
/// repository has immutable subject IDs.
enum Repository {
    Named {
        full_name: String,
    },
    Immutable {
        owner: String,
        owner_id: String,
        name: String,
        repo_id: String,
    },
}

impl Repository {
    fn parse(value: &str) -> Result<Repository, String> {
        let Some((owner, name)) = value.split_once('/') else {
            return Err(if value.is_empty() {
                "`repo` is empty (the subject is truncated?)".to_owned()
            } else {
                format!("`repo` must be OWNER/REPO, found `{value}`")
            });
        };
        match (owner.split_once('@'), name.split_once('@')) {
            (None, None) => {
                check_name("owner", owner)?;
                check_name("repository", name)?;
                Ok(Repository::Named {
                    full_name: value.to_owned(),
                })
            }
            (Some((owner, owner_id)), Some((name, repo_id))) => {
                check_name("owner", owner)?;
                check_name("repository", name)?;
                check_id("owner", owner_id)?;
                check_id("repository", repo_id)?;
                Ok(Repository::Immutable {
                    owner: owner.to_owned(),
                    owner_id: owner_id.to_owned(),
                    name: name.to_owned(),
                    repo_id: repo_id.to_owned(),
                })
            }
            _ => Err(format!(
                "`repo` mixes the named and immutable forms (OWNER@ID/REPO@ID needs both IDs), \
                 found `{value}`"
            )),
        }
    }

    /// Named: one `repo` part. Immutable: `owner`, `owner_id`, `repo` (the short
    /// name) and `repo_id`, so a reader can compare each against its claim.
    fn push_parts(&self, parts: &mut Vec<SubjectPart>) {
        match self {
            Repository::Named { full_name } => parts.push(part("repo", full_name.as_str())),
            Repository::Immutable {
                owner,
                owner_id,
                name,
                repo_id,
            } => {
                parts.push(part("owner", owner.as_str()));
                parts.push(part("owner_id", owner_id.as_str()));
                parts.push(part("repo", name.as_str()));
                parts.push(part("repo_id", repo_id.as_str()));
            }
        }
    }

    fn full_name(&self) -> String {
        match self {
            Repository::Named { full_name } => full_name.clone(),
            Repository::Immutable { owner, name, .. } => format!("{owner}/{name}"),
        }
    }
}

/// GitHub owner and repository names are ASCII letters, digits, `-`, `_` and `.`.
fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("the {what} name in `repo` is empty"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "the {what} name `{name}` has characters GitHub does not allow in names"
        ));
    }
    Ok(())
}

fn check_id(what: &str, id: &str) -> Result<(), String> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("the {what} ID `{id}` in `repo` is not a number"));
    }
    Ok(())
}

/// The job kind the subject binds to, from its context part (environment >
/// pull_request > ref, GitHub's own precedence).
fn context_of(parts: &[SubjectPart]) -> SubjectContext {
    let find = |key: &str| parts.iter().find(|p| p.key == key);
    if let Some(environment) = find("environment") {
        SubjectContext::Environment {
            name: environment.value.clone(),
        }
    } else if find("pull_request").is_some() {
        SubjectContext::PullRequest
    } else if let Some(git_ref) = find("ref") {
        git_ref_context(&git_ref.value).unwrap_or(SubjectContext::Custom)
    } else {
        SubjectContext::Custom
    }
}

/// What a trust rule that admits this subject admits.
fn meaning(
    context: &SubjectContext,
    parts: &[SubjectPart],
    repository: Option<&Repository>,
    custom_keys: Option<&[&str]>,
) -> String {
    let scope = repository.map_or_else(String::new, |r| format!(" of `{}`", r.full_name()));
    let mut sentence = match context {
        SubjectContext::Environment { name } => format!(
            "`sub` binds the role to jobs{scope} that use the `{name}` environment — its \
             protection rules (required reviewers, deployment branches) gate who gets the \
             token, and jobs with `environment:` get this form, never a ref form"
        ),
        SubjectContext::PullRequest => format!(
            "`sub` binds the role to a pull request{scope} — a trust policy that admits this \
             subject admits unreviewed code"
        ),
        SubjectContext::Branch { name } => format!(
            "`sub` binds the role to runs{scope} on branch `{name}` — any workflow run on that \
             branch (push, workflow_dispatch, schedule…) gets it, so whoever can push to the \
             branch can assume the role"
        ),
        SubjectContext::Tag { name } => format!(
            "`sub` binds the role to runs{scope} on tag `{name}` — whoever can push or move \
             that tag can assume the role"
        ),
        _ => match parts.iter().find(|p| p.key == "ref") {
            Some(git_ref) => format!(
                "`sub` binds the role to runs{scope} on `{}`, which is neither a branch nor a tag",
                git_ref.value
            ),
            None => format!(
                "`sub` names no branch, tag, environment or pull request{scope} — a trust rule \
                 that admits it admits every job whose claims match these values, pull \
                 requests included"
            ),
        },
    };
    if let Some(Repository::Immutable { .. }) = repository {
        sentence.push_str(
            " (owner and repository pinned by ID: another repository that later takes the same \
             name does not match)",
        );
    }
    if let Some(keys) = custom_keys {
        sentence.push_str(&format!(
            " (customised subject template: {}; a trust rule written for the default \
             `repo:…` form does not match it)",
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    sentence
}

pub(super) const CLAIM_KNOWLEDGE: ClaimKnowledge = ClaimKnowledge {
    claims: CLAIMS,
    value_trust,
};

/// GitHub's claims, from the first page cited above; `repo_property_*` covers every
/// custom property.
const CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: GitHub Actions (`token.actions.githubusercontent.com`, an enterprise's \
                  unique issuer, GHE.com or a GHES host)",
        trust: None,
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: by default the repository owner's URL (`https://github.com/OWNER`); \
                  the official cloud actions ask for their own (`sts.amazonaws.com`, \
                  `api://AzureADTokenExchange`, the GCP provider's URL)",
        trust: None,
    },
    ClaimDoc {
        claim: "actor",
        meaning: "account that started the workflow run",
        trust: Some("a user name can be renamed and taken by someone else: pin `actor_id` instead"),
    },
    ClaimDoc {
        claim: "actor_id",
        meaning: "ID of the account that started the workflow run",
        trust: None,
    },
    ClaimDoc {
        claim: "base_ref",
        meaning: "target branch of the pull request (empty outside pull request events)",
        trust: None,
    },
    ClaimDoc {
        claim: "head_ref",
        meaning: "source branch of the pull request (empty outside pull request events)",
        trust: Some(
            "chosen by the pull request's author, possibly in a fork: it proves nothing about \
             review or protection",
        ),
    },
    ClaimDoc {
        claim: "check_run_id",
        meaning: "check run of the job",
        trust: None,
    },
    ClaimDoc {
        claim: "enterprise",
        meaning: "enterprise that owns the repository's organization",
        trust: None,
    },
    ClaimDoc {
        claim: "enterprise_id",
        meaning: "ID of the enterprise that owns the repository's organization",
        trust: None,
    },
    ClaimDoc {
        claim: "environment",
        meaning: "deployment environment of the job",
        trust: Some(
            "only as strong as the environment's protection rules (required reviewers, \
             deployment branches); a job with `environment:` gets the environment form of \
             `sub`, not the ref form",
        ),
    },
    ClaimDoc {
        claim: "event_name",
        meaning: "event that triggered the workflow (push, pull_request, workflow_dispatch, …)",
        trust: None,
    },
    ClaimDoc {
        claim: "job_workflow_ref",
        meaning: "workflow file that defines the job (`OWNER/REPO/PATH@REF`): the reusable \
                  workflow when one is called, else the same as `workflow_ref`",
        trust: Some(
            "pinning it ties trust to which workflow runs, not only to where; pin it at a \
             protected ref",
        ),
    },
    ClaimDoc {
        claim: "job_workflow_sha",
        meaning: "commit of the workflow file that defines the job",
        trust: None,
    },
    ClaimDoc {
        claim: "ref",
        meaning: "git ref that triggered the run (`refs/heads/…`, `refs/tags/…`, \
                  `refs/pull/N/merge`)",
        trust: None,
    },
    ClaimDoc {
        claim: "ref_type",
        meaning: "kind of ref: `branch` or `tag`",
        trust: None,
    },
    ClaimDoc {
        claim: "repository",
        meaning: "repository the workflow runs in (`OWNER/NAME`)",
        trust: Some(
            "a name can be renamed or deleted and re-created by someone else: `repository_id` \
             does not change",
        ),
    },
    ClaimDoc {
        claim: "repository_id",
        meaning: "ID of the repository — immutable",
        trust: Some(
            "survives renames and transfers, and a re-created repository of the same name gets \
             a new one: the safe thing to pin",
        ),
    },
    ClaimDoc {
        claim: "repository_owner",
        meaning: "user or organization that owns the repository",
        trust: Some("a condition on the owner alone admits every repository it has, now and later"),
    },
    ClaimDoc {
        claim: "repository_owner_id",
        meaning: "ID of the repository's owner — immutable",
        trust: Some(
            "survives renames: an organization that is deleted and whose name is taken again \
             gets a new ID",
        ),
    },
    ClaimDoc {
        claim: "repository_visibility",
        meaning: "visibility of the repository: `public`, `private` or `internal`",
        trust: None,
    },
    ClaimDoc {
        claim: "repo_property_*",
        meaning: "custom property of the repository, set by its organization or enterprise",
        trust: Some("whoever can edit repository properties controls a condition built on it"),
    },
    ClaimDoc {
        claim: "run_id",
        meaning: "ID of the workflow run",
        trust: None,
    },
    ClaimDoc {
        claim: "run_number",
        meaning: "number of the workflow run (counts the workflow's runs)",
        trust: None,
    },
    ClaimDoc {
        claim: "run_attempt",
        meaning: "retry number of the run (1 = first attempt); each attempt gets a fresh token",
        trust: None,
    },
    ClaimDoc {
        claim: "runner_environment",
        meaning: "kind of runner: `github-hosted` or `self-hosted`",
        trust: None,
    },
    ClaimDoc {
        claim: "sha",
        meaning: "commit the run built",
        trust: None,
    },
    ClaimDoc {
        claim: "workflow",
        meaning: "name of the workflow",
        trust: None,
    },
    ClaimDoc {
        claim: "workflow_ref",
        meaning: "workflow file of the run (`OWNER/REPO/PATH@REF`)",
        trust: None,
    },
    ClaimDoc {
        claim: "workflow_sha",
        meaning: "commit of the run's workflow file",
        trust: None,
    },
];

/// Trust notes that depend on the claim's value.
fn value_trust(claim: &str, value: &Value) -> Option<&'static str> {
    let text = value.as_str()?;
    match (claim, text) {
        ("iss", iss) => Some(issuer_trust(iss)),
        ("event_name", "pull_request_target") => Some(
            "`pull_request_target` runs with the base repository's secrets and permissions \
             while the job may check out the pull request's code: a trust rule that admits it \
             can be reached by unreviewed code",
        ),
        ("event_name", "pull_request") => Some(
            "the run builds a pull request's code, unreviewed until merged; its `sub` is \
             `repo:…:pull_request` unless the job uses an environment",
        ),
        ("runner_environment", "self-hosted") => Some(
            "a self-hosted runner: whoever controls that machine (and, if it is not ephemeral, \
             earlier jobs on it) can read this token",
        ),
        ("repository_visibility", "public") => Some(
            "a public repository: anyone can read its workflows and open pull requests against it",
        ),
        _ => None,
    }
}

fn issuer_trust(iss: &str) -> &'static str {
    let Some(url) = IssuerUrl::parse(iss) else {
        return "not a GitHub issuer URL";
    };
    if url.host_is(PUBLIC_HOST) && url.path.is_empty() {
        "shared by every repository on github.com: a trust rule must also pin the subject's \
         repository, or any repository can assume the role"
    } else if url.host_is(PUBLIC_HOST) {
        "an enterprise's unique issuer: the cloud's provider must be registered for this URL, \
         slug included — a provider for token.actions.githubusercontent.com does not accept it"
    } else if url.path == "/_services/token" {
        "a GitHub Enterprise Server issuer: the cloud must be able to reach this host's \
         `/.well-known/openid-configuration` and JWKS"
    } else {
        "a GHE.com issuer, unique to that enterprise: the cloud's provider must name it exactly"
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{claim_notes, parse_subject as parse_for};
    use super::*;

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => Claims(map),
            _ => unreachable!("test claims are objects"),
        }
    }

    fn parse(sub: &str) -> Subject {
        parse_for(Platform::GithubActions, sub)
    }

    fn value_of<'s>(subject: &'s Subject, key: &str) -> Option<&'s str> {
        subject
            .parts
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    }

    fn assert_unparsed(sub: &str) -> String {
        let subject = parse(sub);
        assert_eq!(subject.format, "unparsed", "{sub:?} parsed as {subject:?}");
        assert_eq!(subject.raw, sub);
        match subject.context {
            SubjectContext::Unparsed { reason } => {
                assert!(!reason.is_empty());
                reason
            }
            other => panic!("{sub:?}: expected Unparsed, got {other:?}"),
        }
    }

    /// `github-actions-token-claims.json` from the reference samples.
    fn sample_claims() -> Claims {
        claims(json!({
          "jti": "example-id",
          "sub": "repo:octo-org/octo-repo:environment:prod",
          "environment": "prod",
          "aud": "https://github.com/octo-org",
          "ref": "refs/heads/main",
          "sha": "example-sha",
          "repository": "octo-org/octo-repo",
          "repository_owner": "octo-org",
          "actor_id": "12",
          "repository_visibility": "private",
          "repository_id": "74",
          "repository_owner_id": "65",
          "run_id": "example-run-id",
          "run_number": "10",
          "run_attempt": "2",
          "runner_environment": "github-hosted",
          "actor": "octocat",
          "workflow": "example-workflow",
          "head_ref": "",
          "base_ref": "",
          "event_name": "workflow_dispatch",
          "ref_type": "branch",
          "job_workflow_ref": "octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main",
          "iss": "https://token.actions.githubusercontent.com",
          "nbf": 1632492967,
          "exp": 1632493867,
          "iat": 1632493567
        }))
    }

    #[test]
    fn detects_every_documented_issuer() {
        for iss in [
            "https://token.actions.githubusercontent.com",
            "https://token.actions.githubusercontent.com/",
            "https://token.actions.githubusercontent.com/octocat-inc",
            "https://token.actions.octocorp.ghe.com",
            "https://github.example.com/_services/token",
        ] {
            let c = claims(json!({"iss": iss, "sub": "repo:o/r:ref:refs/heads/main"}));
            assert_eq!(Platform::detect(&c), Platform::GithubActions, "{iss}");
        }
        for iss in [
            "http://token.actions.githubusercontent.com",
            "https://token.actions.githubusercontent.com/a/b",
            "https://token.actions.ghe.com",
            "https://github.com",
        ] {
            let c = claims(json!({"iss": iss}));
            assert_eq!(Platform::detect(&c), Platform::Generic, "{iss}");
        }
    }

    #[test]
    fn detects_the_samples() {
        assert_eq!(Platform::detect(&sample_claims()), Platform::GithubActions);
        // github-actions-token-claims-ghec-enterprise-issuer.json
        let ghec = claims(json!({
          "jti": "6f4762ed-0758-4ccb-808d-ee3af5d723a8",
          "sub": "repo:octocat-inc/private-server:ref:refs/heads/main",
          "aud": "http://octocat-inc.example/octocat-inc",
          "enterprise": "octocat-inc",
          "enterprise_id": "123",
          "iss": "https://token.actions.githubusercontent.com/octocat-inc",
          "bf": 1755350653,
          "exp": 1755351553,
          "iat": 1755351253
        }));
        assert_eq!(Platform::detect(&ghec), Platform::GithubActions);
    }

    #[test]
    fn detects_github_claims_behind_an_unknown_issuer_and_subjects_without_one() {
        let mut c = sample_claims();
        c.0.insert("iss".into(), json!("https://proxy.example.com"));
        assert_eq!(Platform::detect(&c), Platform::GithubActions);
        let bare = claims(json!({"sub": "repo:o/r:pull_request"}));
        assert_eq!(Platform::detect(&bare), Platform::GithubActions);
    }

    #[test]
    fn classic_environment() {
        let s = parse("repo:octo-org/octo-repo:environment:Production");
        assert_eq!(s.format, "github-classic");
        assert_eq!(
            s.parts,
            vec![
                part("repo", "octo-org/octo-repo"),
                part("environment", "Production")
            ]
        );
        assert_eq!(
            s.context,
            SubjectContext::Environment {
                name: "Production".into()
            }
        );
        assert!(s.meaning.contains("protection rules"), "{}", s.meaning);
        assert!(s.meaning.contains("never a ref form"), "{}", s.meaning);
    }

    #[test]
    fn classic_pull_request_admits_unreviewed_code() {
        let s = parse("repo:octo-org/octo-repo:pull_request");
        assert_eq!(s.format, "github-classic");
        assert_eq!(s.context, SubjectContext::PullRequest);
        assert_eq!(s.parts[1], part("pull_request", ""));
        assert!(
            s.meaning.contains("admits unreviewed code"),
            "{}",
            s.meaning
        );
    }

    #[test]
    fn classic_branch_and_tag() {
        let s = parse("repo:octo-org/octo-repo:ref:refs/heads/main");
        assert_eq!(s.format, "github-classic");
        assert_eq!(
            s.context,
            SubjectContext::Branch {
                name: "main".into()
            }
        );
        assert!(s.meaning.contains("workflow_dispatch"), "{}", s.meaning);
        let s = parse("repo:octo-org/octo-repo:ref:refs/tags/v1.2.3");
        assert_eq!(
            s.context,
            SubjectContext::Tag {
                name: "v1.2.3".into()
            }
        );
        let s = parse("repo:octo-org/octo-repo:ref:refs/heads/feature/ü-ñ");
        assert_eq!(
            s.context,
            SubjectContext::Branch {
                name: "feature/ü-ñ".into()
            }
        );
    }

    #[test]
    fn a_template_of_repo_alone_admits_every_job_of_the_repository() {
        let s = parse("repo:a/b");
        assert_eq!(s.format, "github-custom");
        assert_eq!(s.context, SubjectContext::Custom);
        assert!(
            s.meaning.contains("pull requests included"),
            "{}",
            s.meaning
        );
    }

    #[test]
    fn other_refs_are_custom_context() {
        let s = parse("repo:o/r:ref:refs/pull/12/merge");
        assert_eq!(s.format, "github-classic");
        assert_eq!(s.context, SubjectContext::Custom);
        assert!(s.meaning.contains("neither a branch nor a tag"));
    }

    #[test]
    fn encoded_colons_are_decoded_in_parts_and_kept_in_raw() {
        let raw = "repo:octo-org/octo-repo:environment:Production%3AV1";
        let s = parse(raw);
        assert_eq!(s.raw, raw);
        assert_eq!(value_of(&s, "environment"), Some("Production:V1"));
        assert_eq!(
            s.context,
            SubjectContext::Environment {
                name: "Production:V1".into()
            }
        );
        let s = parse("repo:o/r:ref:refs/heads/a%3ab");
        assert_eq!(s.context, SubjectContext::Branch { name: "a:b".into() });
    }

    #[test]
    fn immutable_ids_become_parts() {
        let s = parse("repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main");
        assert_eq!(s.format, "github-immutable");
        assert_eq!(
            s.parts,
            vec![
                part("owner", "octo-org"),
                part("owner_id", "123456"),
                part("repo", "octo-repo"),
                part("repo_id", "456789"),
                part("ref", "refs/heads/main"),
            ]
        );
        assert_eq!(
            s.context,
            SubjectContext::Branch {
                name: "main".into()
            }
        );
        assert!(s.meaning.contains("`octo-org/octo-repo`"), "{}", s.meaning);
        assert!(s.meaning.contains("pinned by ID"), "{}", s.meaning);
    }

    #[test]
    fn immutable_ids_survive_custom_templates() {
        let s = parse(
            "repo:o@1/r@2:environment:prod:job_workflow_ref:o/r/.github/workflows/d.yml@refs/heads/main",
        );
        assert_eq!(s.format, "github-custom");
        assert_eq!(value_of(&s, "owner_id"), Some("1"));
        assert_eq!(value_of(&s, "repo_id"), Some("2"));
        assert_eq!(
            s.context,
            SubjectContext::Environment {
                name: "prod".into()
            }
        );
    }

    #[test]
    fn custom_template_without_context() {
        let s = parse("repository_owner:monalisa:repository_visibility:private");
        assert_eq!(s.format, "github-custom");
        assert_eq!(s.context, SubjectContext::Custom);
        assert_eq!(
            s.parts,
            vec![
                part("repository_owner", "monalisa"),
                part("repository_visibility", "private")
            ]
        );
        assert!(
            s.meaning.contains("pull requests included"),
            "{}",
            s.meaning
        );
        assert!(
            s.meaning.contains("customised subject template"),
            "{}",
            s.meaning
        );
    }

    #[test]
    fn custom_template_with_context_and_reusable_workflow() {
        let s = parse(
            "repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main",
        );
        assert_eq!(s.format, "github-custom");
        assert_eq!(
            s.context,
            SubjectContext::Environment {
                name: "prod".into()
            }
        );
        assert_eq!(
            value_of(&s, "job_workflow_ref"),
            Some("octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main")
        );
        let s = parse(
            "job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main",
        );
        assert_eq!(s.format, "github-custom");
        assert_eq!(s.context, SubjectContext::Custom);
        // `pull_request` takes no value even in the middle of a template.
        let s = parse("repo:o/r:pull_request:actor:octocat");
        assert_eq!(s.format, "github-custom");
        assert_eq!(s.context, SubjectContext::PullRequest);
        assert_eq!(value_of(&s, "actor"), Some("octocat"));
        // A claim whose value is `pull_request` is a value, not a context.
        let s = parse("repo:o/r:event_name:pull_request");
        assert_eq!(s.context, SubjectContext::Custom);
        // Empty values are legitimate for claims such as head_ref outside pull requests.
        let s = parse("repo:o/r:head_ref::ref:refs/heads/main");
        assert_eq!(value_of(&s, "head_ref"), Some(""));
        let s = parse("repo:o/r:repo_property_team:platform");
        assert_eq!(value_of(&s, "repo_property_team"), Some("platform"));
    }

    #[test]
    fn malformed_subjects_are_unparsed_with_a_reason() {
        for sub in [
            "",
            "repo",
            "repo:",
            "repo:a/b:ref:",
            "repo:a/b:environment:",
            "repo:a/b:ref:main",
            "repo:a/b:ref:refs/heads/main:extra",
            "repo:a/b:ref:refs/heads/main::",
            "repo:a/b::ref:refs/heads/main",
            ":repo:a/b:pull_request",
            "repo:a/b:environment:Prod:V1",
            "repo:a/b:pull_request:pull_request",
            "repo:a/b:ref:refs/heads/x:repo:c/d",
            "repo:ö/b:ref:refs/heads/main",
            "repo:a/b/c:ref:refs/heads/main",
            "repo:a@1/b:ref:refs/heads/main",
            "repo:a@x/b@2:ref:refs/heads/main",
            "repo:a/b:ref:refs/heads/ma\nin",
            "repo:a/b:ref:refs/heads/main\u{7f}",
            "🚀",
            "project_path:g/p:ref_type:branch:ref:main",
        ] {
            assert_unparsed(sub);
        }
        assert!(assert_unparsed("repo:a/b:ref:").contains("truncated"));
        assert!(assert_unparsed("repo:a/b\n").contains("U+000A"));
    }

    #[test]
    fn claim_notes_follow_token_order_and_flag_trust() {
        let c = sample_claims();
        let subject = parse("repo:octo-org/octo-repo:environment:prod");
        let notes = claim_notes(Platform::GithubActions, &c, Some(&subject));
        let names: Vec<&str> = notes.iter().map(|n| n.claim.as_str()).collect();
        assert_eq!(names, c.names().collect::<Vec<_>>());
        let note = |name: &str| {
            notes
                .iter()
                .find(|n| n.claim == name)
                .cloned()
                .unwrap_or_else(|| panic!("no note for {name}"))
        };
        assert_eq!(note("sub").trust, Some(subject.meaning.clone()));
        assert!(
            note("aud")
                .trust
                .is_some_and(|t| t.contains("trust configuration"))
        );
        assert!(
            note("iss")
                .trust
                .is_some_and(|t| t.contains("every repository"))
        );
        assert!(note("repository_id").meaning.contains("immutable"));
        assert!(note("repository_owner_id").meaning.contains("immutable"));
        assert!(note("run_attempt").meaning.contains("retry"));
        assert_eq!(note("runner_environment").trust, None);
        assert_eq!(note("event_name").trust, None);
        for name in c.names() {
            assert_ne!(note(name).meaning, "platform-specific claim", "{name}");
        }
    }

    #[test]
    fn value_dependent_trust_notes() {
        let c = claims(json!({
            "iss": "https://token.actions.githubusercontent.com/octocat-inc",
            "event_name": "pull_request_target",
            "runner_environment": "self-hosted",
            "repo_property_team": "payments",
            "something_new": "x",
        }));
        let notes = claim_notes(Platform::GithubActions, &c, None);
        assert!(
            notes[0]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("slug included"))
        );
        assert!(
            notes[1]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("unreviewed code"))
        );
        assert!(
            notes[2]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("self-hosted"))
        );
        assert!(notes[3].meaning.contains("custom property"));
        assert_eq!(notes[4].meaning, "platform-specific claim");
        assert_eq!(notes[4].trust, None);
        let pr = claims(
            json!({"event_name": "pull_request", "iss": "https://ghes.example/_services/token"}),
        );
        let notes = claim_notes(Platform::GithubActions, &pr, None);
        assert!(
            notes[0]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("unreviewed"))
        );
        assert!(
            notes[1]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("Enterprise Server"))
        );
    }

    #[test]
    fn sub_note_is_parsed_when_no_subject_is_given() {
        let c = claims(json!({"sub": "repo:o/r:pull_request"}));
        let notes = claim_notes(Platform::GithubActions, &c, None);
        assert!(
            notes[0]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("unreviewed code"))
        );
    }
}
