//! GitLab CI as an OIDC issuer: the instance URL as issuer (gitlab.com or any
//! self-managed host), the `key:value` grammar of its `sub` (whose components a
//! project can choose) and what its ID-token claims mean for trust.
//!
//! Sources: <https://docs.gitlab.com/ci/secrets/id_token_authentication/> (claims,
//! `sub`, lifetime), <https://docs.gitlab.com/ci/cloud_services/> (issuer, JWKS, `sub`
//! examples) and <https://docs.gitlab.com/ci/cloud_services/aws/> (issuer override).

use serde_json::Value;

use super::{
    ClaimDoc, ClaimKnowledge, Claims, IssuerUrl, Platform, Subject, SubjectContext, SubjectPart,
    has_text, key_value_pairs, part,
};

pub(super) const DOCS_URL: &str = "https://docs.gitlab.com/ci/secrets/id_token_authentication/";

/// gitlab.com. Self-managed instances have their own host and are recognised by
/// their claim set instead.
pub(super) fn is_issuer(url: &IssuerUrl<'_>) -> bool {
    url.host_is("gitlab.com") && url.path.is_empty()
}

/// Claims only GitLab writes: a project path with the pipeline it ran in.
pub(super) fn has_claim_set(claims: &Claims) -> bool {
    has_text(claims, "project_path")
        && (has_text(claims, "pipeline_source") || has_text(claims, "ci_config_ref_uri"))
}

pub(super) fn parse_subject(sub: &str) -> Subject {
    parse(sub).unwrap_or_else(|reason| Subject::unparsed(Platform::Gitlab, sub, reason))
}

/// The default is `project_path:G/P:ref_type:T:ref:NAME`, but a project may choose
/// its components (`ci_id_token_sub_claim_components`): each is a GitLab claim,
/// written `name:value`, and the first is always `project_path`.
fn parse(sub: &str) -> Result<Subject, String> {
    let pairs = key_value_pairs(sub, &[])?;
    match pairs.first() {
        Some(("project_path", _)) => {}
        _ => return Err("a GitLab subject starts with `project_path:`".to_owned()),
    }
    let mut parts: Vec<SubjectPart> = Vec::with_capacity(pairs.len());
    for &(key, value) in &pairs {
        if parts.iter().any(|p| p.key == key) {
            return Err(format!("`{key}` appears twice"));
        }
        if !CLAIM_KNOWLEDGE.knows(key) {
            return Err(format!(
                "`{key}` is not a GitLab claim name, so no subject configuration produces it \
                 (a `:` inside a value, or extra text?)"
            ));
        }
        match key {
            "project_path" => check_project_path(value)?,
            "ref" if value.is_empty() => {
                return Err("`ref` is empty (the subject is truncated?)".to_owned());
            }
            "ref_type" if !matches!(value, "branch" | "tag") => {
                return Err(format!(
                    "`ref_type` must be `branch` or `tag`, found `{value}`"
                ));
            }
            _ => {}
        }
        parts.push(part(key, value));
    }
    let value_of = |key: &str| {
        parts
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    };
    let project = value_of("project_path").unwrap_or_default();
    let (context, meaning) = match (value_of("ref_type"), value_of("ref")) {
        (Some("branch"), Some(name)) => (
            SubjectContext::Branch {
                name: name.to_owned(),
            },
            format!(
                "`sub` binds the role to pipelines of `{project}` on branch `{name}` — whoever can \
                 push to that branch gets it (any developer, unless the branch is protected: check \
                 `ref_protected`)"
            ),
        ),
        // `ref_type` was checked above: anything but `branch` is `tag`.
        (Some(_), Some(name)) => (
            SubjectContext::Tag {
                name: name.to_owned(),
            },
            format!(
                "`sub` binds the role to pipelines of `{project}` for tag `{name}` — whoever can \
                 create that tag gets it (any developer, unless the tag is protected: check \
                 `ref_protected`)"
            ),
        ),
        (None, Some(name)) => (
            SubjectContext::Custom,
            format!(
                "`sub` binds the role to pipelines of `{project}` on any branch or tag named \
                 `{name}` — a branch can take a protected tag's name"
            ),
        ),
        (Some(kind), None) => (
            SubjectContext::Custom,
            format!(
                "`sub` names no ref: a trust rule that admits it admits pipelines of `{project}` \
                 on every {kind}, unprotected ones included"
            ),
        ),
        (None, None) => (
            SubjectContext::Custom,
            format!(
                "`sub` names no ref: a trust rule that admits it admits every pipeline of \
                 `{project}`, merge requests and unprotected branches included"
            ),
        ),
    };
    Ok(Subject {
        raw: sub.to_owned(),
        format: "gitlab",
        parts,
        context,
        meaning,
    })
}

/// `group[/subgroup…]/project`: GitLab paths are ASCII letters, digits, `_`, `-`, `.`.
fn check_project_path(path: &str) -> Result<(), String> {
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() < 2 || segments.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "`project_path` must be GROUP/PROJECT, found `{path}` (the subject is truncated?)"
        ));
    }
    if !path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.'))
    {
        return Err(format!(
            "`project_path` `{path}` has characters GitLab does not allow in paths"
        ));
    }
    Ok(())
}

pub(super) const CLAIM_KNOWLEDGE: ClaimKnowledge = ClaimKnowledge {
    claims: CLAIMS,
    value_trust,
};

/// GitLab's ID-token claims, from the page cited above. IDs are mostly strings.
const CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: the GitLab instance's URL (or its `ci_id_tokens_issuer_url`); keys at \
                  `<instance>/oauth/discovery/keys`",
        trust: None,
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: set per token by the job's `id_tokens:` keyword (default: the \
                  instance's domain)",
        trust: None,
    },
    ClaimDoc {
        claim: "namespace_id",
        meaning: "ID of the group or user namespace that owns the project",
        trust: None,
    },
    ClaimDoc {
        claim: "namespace_path",
        meaning: "path of the group or user namespace that owns the project",
        trust: Some("a condition on the namespace alone admits every project in it, now and later"),
    },
    ClaimDoc {
        claim: "project_id",
        meaning: "ID of the project",
        trust: Some("does not change when the project is renamed or moved: the safe thing to pin"),
    },
    ClaimDoc {
        claim: "project_path",
        meaning: "path of the project (`group/project`)",
        trust: Some("changes when the project or its group is renamed or moved"),
    },
    ClaimDoc {
        claim: "project_visibility",
        meaning: "visibility of the project: `internal`, `private` or `public`",
        trust: None,
    },
    ClaimDoc {
        claim: "user_id",
        meaning: "ID of the user running the job",
        trust: None,
    },
    ClaimDoc {
        claim: "user_login",
        meaning: "username of the user running the job",
        trust: Some("usernames can change: pin `user_id` instead"),
    },
    ClaimDoc {
        claim: "user_email",
        meaning: "email address of the user running the job",
        trust: None,
    },
    ClaimDoc {
        claim: "user_access_level",
        meaning: "the user's access level in the project (guest, reporter, developer, \
                  maintainer, owner)",
        trust: None,
    },
    ClaimDoc {
        claim: "user_identities",
        meaning: "the user's external identities (only when the user opts in)",
        trust: None,
    },
    ClaimDoc {
        claim: "groups_direct",
        meaning: "groups the user is a direct member of (up to 200; behind a feature flag)",
        trust: None,
    },
    ClaimDoc {
        claim: "pipeline_id",
        meaning: "ID of the pipeline",
        trust: None,
    },
    ClaimDoc {
        claim: "pipeline_source",
        meaning: "what started the pipeline (push, merge_request_event, schedule, web, api, …)",
        trust: None,
    },
    ClaimDoc {
        claim: "job_id",
        meaning: "ID of the job",
        trust: None,
    },
    ClaimDoc {
        claim: "ref",
        meaning: "branch or tag name (no `refs/heads/` prefix)",
        trust: None,
    },
    ClaimDoc {
        claim: "ref_type",
        meaning: "kind of ref: `branch` or `tag`",
        trust: None,
    },
    ClaimDoc {
        claim: "ref_path",
        meaning: "full git ref (`refs/heads/…`, `refs/tags/…`)",
        trust: None,
    },
    ClaimDoc {
        claim: "ref_protected",
        meaning: "whether the branch or tag is protected (`\"true\"` / `\"false\"`)",
        trust: Some(
            "a trust rule for a deployment role should require `ref_protected = true`: only then \
             do the protection rules decide who can run with this token",
        ),
    },
    ClaimDoc {
        claim: "environment",
        meaning: "environment the job deploys to (only when the job has one)",
        trust: None,
    },
    ClaimDoc {
        claim: "environment_protected",
        meaning: "whether that environment is protected (`\"true\"` / `\"false\"`)",
        trust: None,
    },
    ClaimDoc {
        claim: "deployment_tier",
        meaning: "deployment tier of the environment (production, staging, testing, …)",
        trust: Some("set by whoever writes the job: it is a label, not a protection"),
    },
    ClaimDoc {
        claim: "environment_action",
        meaning: "what the job does to the environment (start, prepare, stop, …)",
        trust: None,
    },
    ClaimDoc {
        claim: "runner_id",
        meaning: "ID of the runner that ran the job",
        trust: None,
    },
    ClaimDoc {
        claim: "runner_environment",
        meaning: "kind of runner: `gitlab-hosted` or `self-hosted`",
        trust: None,
    },
    ClaimDoc {
        claim: "sha",
        meaning: "commit the job ran on",
        trust: None,
    },
    ClaimDoc {
        claim: "ci_config_ref_uri",
        meaning: "the top-level pipeline configuration (`host/project//path@ref`); null when it \
                  lives elsewhere",
        trust: Some(
            "pinning it to a protected ref ensures the pipeline definition came from there, not \
             from the branch being built",
        ),
    },
    ClaimDoc {
        claim: "ci_config_sha",
        meaning: "commit of the top-level pipeline configuration",
        trust: None,
    },
];

/// Trust notes that depend on the claim's value.
fn value_trust(claim: &str, value: &Value) -> Option<&'static str> {
    let text = value.as_str()?;
    match (claim, text) {
        ("iss", iss) => Some(
            if IssuerUrl::parse(iss).is_some_and(|url| is_issuer(&url)) {
                "shared by every project on gitlab.com: a trust rule must also pin `project_path` \
                 (or the namespace), or any project can assume the role"
            } else {
                "a self-managed instance: the cloud must reach `<instance>/.well-known/\
                 openid-configuration` and its keys from where it checks tokens"
            },
        ),
        ("ref_protected", "false") => Some(
            "the ref is not protected: any developer who can push to it gets this token — \
             deployment roles should require `ref_protected = true`",
        ),
        ("ref_protected", "true") => Some(
            "the ref is protected: only the users its protection rules allow can run pipelines \
             that get this token",
        ),
        ("environment_protected", "false") => Some(
            "the environment is not protected: any developer can deploy to it and get this token",
        ),
        ("pipeline_source", "merge_request_event") => {
            Some("a merge request pipeline runs the merge request's code, unreviewed until merged")
        }
        ("runner_environment", "self-hosted") => Some(
            "a self-hosted runner: whoever controls that machine (and earlier jobs on it, unless \
             it is ephemeral) can read this token",
        ),
        _ => None,
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
        parse_for(Platform::Gitlab, sub)
    }

    /// `gitlab-id-token-claims.json` from the reference samples (self-managed issuer).
    fn sample_claims() -> Claims {
        claims(json!({
          "namespace_id": "72",
          "namespace_path": "my-group",
          "project_id": "20",
          "project_path": "my-group/my-project",
          "user_id": "1",
          "user_login": "sample-user",
          "user_email": "sample-user@example.com",
          "user_identities": [
              {"provider": "github", "extern_uid": "2435223452345"},
              {"provider": "bitbucket", "extern_uid": "john.smith"}
          ],
          "pipeline_id": "574",
          "pipeline_source": "push",
          "job_id": "302",
          "ref": "feature-branch-1",
          "ref_type": "branch",
          "ref_path": "refs/heads/feature-branch-1",
          "ref_protected": "false",
          "groups_direct": ["mygroup/mysubgroup", "myothergroup/myothersubgroup"],
          "environment": "test-environment2",
          "environment_protected": "false",
          "deployment_tier": "testing",
          "environment_action": "start",
          "runner_id": 1,
          "runner_environment": "self-hosted",
          "sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
          "project_visibility": "public",
          "ci_config_ref_uri": "gitlab.example.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main",
          "ci_config_sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
          "jti": "235b3a54-b797-45c7-ae9a-f72d7bc6ef5b",
          "iss": "https://gitlab.example.com",
          "iat": 1681395193,
          "nbf": 1681395188,
          "exp": 1681398793,
          "sub": "project_path:my-group/my-project:ref_type:branch:ref:feature-branch-1",
          "aud": "https://vault.example.com"
        }))
    }

    #[test]
    fn detects_gitlab_com_and_self_managed_instances() {
        for iss in [
            "https://gitlab.com",
            "https://gitlab.com/",
            "https://GitLab.com",
        ] {
            assert_eq!(
                Platform::detect(&claims(json!({"iss": iss}))),
                Platform::Gitlab,
                "{iss}"
            );
        }
        assert_eq!(Platform::detect(&sample_claims()), Platform::Gitlab);
        let self_managed = claims(json!({
            "iss": "https://git.internal.example",
            "project_path": "g/p",
            "ci_config_ref_uri": "git.internal.example/g/p//.gitlab-ci.yml@refs/heads/main",
        }));
        assert_eq!(Platform::detect(&self_managed), Platform::Gitlab);
        // A project path alone is not enough: other issuers could use that name.
        let bare = claims(json!({"iss": "https://idp.example", "project_path": "g/p"}));
        assert_eq!(Platform::detect(&bare), Platform::Generic);
    }

    #[test]
    fn default_branch_and_tag_subjects() {
        let s = parse("project_path:my-group/my-project:ref_type:branch:ref:feature-branch-1");
        assert_eq!(s.format, "gitlab");
        assert_eq!(
            s.parts,
            vec![
                part("project_path", "my-group/my-project"),
                part("ref_type", "branch"),
                part("ref", "feature-branch-1"),
            ]
        );
        assert_eq!(
            s.context,
            SubjectContext::Branch {
                name: "feature-branch-1".into()
            }
        );
        assert!(s.meaning.contains("ref_protected"), "{}", s.meaning);
        let s = parse("project_path:mygroup/sub/proj:ref_type:tag:ref:1.0");
        assert_eq!(s.context, SubjectContext::Tag { name: "1.0".into() });
    }

    #[test]
    fn chosen_components_parse_generally() {
        let s = parse("project_path:g/p:ref:main:ref_type:branch");
        assert_eq!(
            s.context,
            SubjectContext::Branch {
                name: "main".into()
            }
        );
        assert_eq!(s.parts[1], part("ref", "main"));
        let s = parse("project_path:g/p:ref:main");
        assert_eq!(s.context, SubjectContext::Custom);
        assert!(s.meaning.contains("any branch or tag"), "{}", s.meaning);
        let s = parse("project_path:g/p:ref_type:branch");
        assert_eq!(s.context, SubjectContext::Custom);
        assert!(s.meaning.contains("every branch"), "{}", s.meaning);
        let s = parse("project_path:g/p");
        assert_eq!(s.context, SubjectContext::Custom);
        assert!(s.meaning.contains("every pipeline"), "{}", s.meaning);
    }

    #[test]
    fn malformed_subjects_are_unparsed_with_a_reason() {
        for sub in [
            "",
            "project_path",
            "project_path:",
            "project_path:g",
            "project_path:g/:ref_type:branch:ref:main",
            "project_path:g/p:ref_type:branch:ref:",
            "project_path:g/p:ref_type:pipeline:ref:main",
            "project_path:g/p:ref_type:branch:ref:main:extra",
            "project_path:g/p:ref_type:branch:ref:main:sha:abc:",
            "project_path:g/p:ref:a:ref:b",
            "ref_type:branch:ref:main:project_path:g/p",
            "project_path:grüppe/p:ref_type:branch:ref:main",
            "project_path:g/p:ref_type:branch:ref:ma\tin",
            "repo:o/r:ref:refs/heads/main",
            "日本語",
        ] {
            let s = parse(sub);
            assert_eq!(s.format, "unparsed", "{sub:?} parsed as {s:?}");
            assert!(
                matches!(&s.context, SubjectContext::Unparsed { reason } if !reason.is_empty()),
                "{sub:?}"
            );
        }
    }

    #[test]
    fn claim_notes_cover_the_sample_and_flag_unprotected_refs() {
        let c = sample_claims();
        let notes = claim_notes(Platform::Gitlab, &c, None);
        assert_eq!(notes.len(), c.names().count());
        let note = |name: &str| {
            notes
                .iter()
                .find(|n| n.claim == name)
                .cloned()
                .unwrap_or_else(|| panic!("no note for {name}"))
        };
        for name in c.names() {
            assert_ne!(note(name).meaning, "platform-specific claim", "{name}");
        }
        assert!(
            note("ref_protected")
                .trust
                .is_some_and(|t| t.contains("not protected"))
        );
        assert!(
            note("environment_protected")
                .trust
                .is_some_and(|t| t.contains("not protected"))
        );
        assert!(
            note("runner_environment")
                .trust
                .is_some_and(|t| t.contains("self-hosted"))
        );
        assert!(
            note("iss")
                .trust
                .is_some_and(|t| t.contains("self-managed"))
        );
        assert!(
            note("sub")
                .trust
                .is_some_and(|t| t.contains("feature-branch-1"))
        );
        let protected = claims(json!({"ref_protected": "true", "iss": "https://gitlab.com"}));
        let notes = claim_notes(Platform::Gitlab, &protected, None);
        assert!(
            notes[0]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("is protected"))
        );
        assert!(
            notes[1]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("every project"))
        );
    }
}
