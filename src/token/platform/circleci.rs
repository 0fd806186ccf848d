//! CircleCI as an OIDC issuer: one issuer per organization, the slash-separated
//! grammar of its `sub` (v1, and v2 with the repository and ref) and what its
//! `oidc.circleci.com/…` claims mean for trust.
//!
//! Source: <https://circleci.com/docs/openid-connect-tokens/> (issuer, audience,
//! lifetime, both `sub` forms, claims, fork tokens).

use serde_json::Value;

use super::{
    ClaimDoc, ClaimKnowledge, Claims, IssuerUrl, Platform, Subject, SubjectContext,
    git_ref_context, part,
};

pub(super) const DOCS_URL: &str = "https://circleci.com/docs/openid-connect-tokens/";

/// Prefix of every CircleCI-specific claim name.
const CLAIM_PREFIX: &str = "oidc.circleci.com/";

/// `https://oidc.circleci.com/org/<organization id>`.
pub(super) fn is_issuer(url: &IssuerUrl<'_>) -> bool {
    url.host_is("oidc.circleci.com")
        && matches!(url.segments().as_slice(), ["org", organization] if !organization.is_empty())
}

/// Claims only CircleCI writes.
pub(super) fn has_claim_set(claims: &Claims) -> bool {
    claims.names().any(|name| name.starts_with(CLAIM_PREFIX))
}

pub(super) fn parse_subject(sub: &str) -> Subject {
    parse(sub).unwrap_or_else(|reason| Subject::unparsed(Platform::Circleci, sub, reason))
}

/// v1 `org/<org>/project/<project>/user/<user>`; v2 appends
/// `/vcs-origin/<origin>/vcs-ref/<ref>`, where both origin and ref hold slashes.
fn parse(sub: &str) -> Result<Subject, String> {
    let segments: Vec<&str> = sub.splitn(7, '/').collect();
    let (organization, project, user, tail) = match segments.as_slice() {
        [
            "org",
            organization,
            "project",
            project,
            "user",
            user,
            tail @ ..,
        ] => (*organization, *project, *user, tail.first().copied()),
        _ => {
            return Err(
                "expected org/<organization>/project/<project>/user/<user>[/vcs-origin/…/vcs-ref/…]"
                    .to_owned(),
            );
        }
    };
    for (what, id) in [
        ("organization", organization),
        ("project", project),
        ("user", user),
    ] {
        if id.is_empty() {
            return Err(format!(
                "the {what} ID is empty (the subject is truncated?)"
            ));
        }
    }
    let mut parts = vec![
        part("org", organization),
        part("project", project),
        part("user", user),
    ];
    let Some(tail) = tail else {
        return Ok(Subject {
            raw: sub.to_owned(),
            format: "circleci-v1",
            parts,
            context: SubjectContext::Custom,
            meaning: format!(
                "`sub` names no repository or ref: a trust rule that admits it admits every \
                 pipeline of project `{project}` run by user `{user}`, on any branch"
            ),
        });
    };
    let (origin, git_ref) = split_vcs_tail(tail)?;
    parts.push(part("vcs-origin", origin));
    parts.push(part("vcs-ref", git_ref));
    let context = git_ref_context(git_ref).unwrap_or(SubjectContext::Custom);
    let meaning = match &context {
        SubjectContext::Branch { name } => format!(
            "`sub` binds the role to pipelines of `{origin}` on branch `{name}` (project \
             `{project}`, user `{user}`) — whoever can push to that branch gets it"
        ),
        SubjectContext::Tag { name } => format!(
            "`sub` binds the role to pipelines of `{origin}` for tag `{name}` (project \
             `{project}`, user `{user}`) — whoever can push that tag gets it"
        ),
        _ => format!(
            "`sub` binds the role to pipelines of project `{project}` run by user `{user}` with \
             origin `{origin}` and ref `{git_ref}` (neither a branch nor a tag)"
        ),
    };
    Ok(Subject {
        raw: sub.to_owned(),
        format: "circleci-v2",
        parts,
        context,
        meaning,
    })
}

/// `vcs-origin/<origin>/vcs-ref/<ref>`. The split prefers `/vcs-ref/refs/` so that a
/// repository named `vcs-ref` does not cut the origin short; refs that do not start
/// with `refs/` split at the last `/vcs-ref/`. Both may be empty: CircleCI leaves
/// `vcs-origin` out for custom webhooks.
fn split_vcs_tail(tail: &str) -> Result<(&str, &str), String> {
    let Some(rest) = tail.strip_prefix("vcs-origin/") else {
        return Err(format!(
            "after the user ID expected `/vcs-origin/<origin>/vcs-ref/<ref>`, found `/{tail}`"
        ));
    };
    if let Some(at) = rest.find("/vcs-ref/refs/") {
        let origin = &rest[..at];
        let git_ref = &rest[at + "/vcs-ref/".len()..];
        return Ok((origin, git_ref));
    }
    rest.rsplit_once("/vcs-ref/")
        .ok_or_else(|| "`vcs-origin` is not followed by `/vcs-ref/<ref>` (truncated?)".to_owned())
}

pub(super) const CLAIM_KNOWLEDGE: ClaimKnowledge = ClaimKnowledge {
    claims: CLAIMS,
    value_trust,
};

/// CircleCI's claims, from the page cited above.
const CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: the organization's own issuer (`https://oidc.circleci.com/org/<org id>`)",
        trust: Some(
            "one issuer per organization: the cloud's provider must be registered for this \
             organization's URL",
        ),
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: fixed to the organization ID (other audiences need CircleCI's \
                  custom-claims tokens)",
        trust: None,
    },
    ClaimDoc {
        claim: "exp",
        meaning: "expires at (seconds since 1970): one hour after `iat`",
        trust: None,
    },
    ClaimDoc {
        claim: "oidc.circleci.com/project-id",
        meaning: "ID of the CircleCI project",
        trust: Some("does not change with renames: the safe thing to pin"),
    },
    ClaimDoc {
        claim: "oidc.circleci.com/vcs-origin",
        meaning: "repository the pipeline built (absent for custom webhooks)",
        trust: Some(
            "when fork pull requests may get tokens (\"Pass secrets to builds from forked pull \
             requests\"), check it: a fork's build carries the fork's origin",
        ),
    },
    ClaimDoc {
        claim: "oidc.circleci.com/vcs-ref",
        meaning: "git ref the pipeline built (e.g. `refs/heads/main`)",
        trust: None,
    },
    ClaimDoc {
        claim: "oidc.circleci.com/context-ids",
        meaning: "IDs of the contexts the job uses",
        trust: Some(
            "contexts can be restricted to groups or projects: a condition on a context ID \
             inherits that restriction",
        ),
    },
    ClaimDoc {
        claim: "oidc.circleci.com/ssh-rerun",
        meaning: "whether the job is a re-run with SSH enabled",
        trust: None,
    },
];

/// Trust notes that depend on the claim's value.
fn value_trust(claim: &str, value: &Value) -> Option<&'static str> {
    match (claim, value) {
        ("oidc.circleci.com/ssh-rerun", Value::Bool(true)) => Some(
            "someone can SSH into this job and use the token by hand: sensitive roles should \
             refuse tokens with `ssh-rerun` true",
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
        parse_for(Platform::Circleci, sub)
    }

    /// `circleci-token-claims.assembled-unverified.json` from the reference samples.
    fn sample_claims() -> Claims {
        claims(json!({
          "iss": "https://oidc.circleci.com/org/<organization_id>",
          "sub": "org/<organization_id>/project/<project_id>/user/<user_id>",
          "aud": "<organization_id>",
          "iat": 1700000000,
          "exp": 1700003600,
          "oidc.circleci.com/project-id": "<project_id>",
          "oidc.circleci.com/vcs-origin": "github.com/organization-123/repo-1",
          "oidc.circleci.com/vcs-ref": "refs/heads/main",
          "oidc.circleci.com/context-ids": ["<context_uuid>"],
          "oidc.circleci.com/ssh-rerun": false
        }))
    }

    #[test]
    fn detects_the_issuer_and_the_sample() {
        let c = claims(
            json!({"iss": "https://oidc.circleci.com/org/5f9a2c1e-0000-4000-8000-000000000000"}),
        );
        assert_eq!(Platform::detect(&c), Platform::Circleci);
        assert_eq!(Platform::detect(&sample_claims()), Platform::Circleci);
        for iss in [
            "https://oidc.circleci.com",
            "https://oidc.circleci.com/org/",
        ] {
            assert_eq!(
                Platform::detect(&claims(json!({"iss": iss}))),
                Platform::Generic
            );
        }
        // The claim set is CircleCI's own even behind an unknown issuer.
        let mut c = sample_claims();
        c.0.insert("iss".into(), json!("https://idp.example"));
        assert_eq!(Platform::detect(&c), Platform::Circleci);
    }

    #[test]
    fn v1_subject() {
        let s = parse("org/<organization_id>/project/<project_id>/user/<user_id>");
        assert_eq!(s.format, "circleci-v1");
        assert_eq!(
            s.parts,
            vec![
                part("org", "<organization_id>"),
                part("project", "<project_id>"),
                part("user", "<user_id>"),
            ]
        );
        assert_eq!(s.context, SubjectContext::Custom);
        assert!(s.meaning.contains("any branch"), "{}", s.meaning);
    }

    #[test]
    fn v2_subject_with_branch_tag_and_other_refs() {
        let s = parse(
            "org/o1/project/p1/user/u1/vcs-origin/github.com/my-org/repo/vcs-ref/refs/heads/main",
        );
        assert_eq!(s.format, "circleci-v2");
        assert_eq!(s.parts[3], part("vcs-origin", "github.com/my-org/repo"));
        assert_eq!(s.parts[4], part("vcs-ref", "refs/heads/main"));
        assert_eq!(
            s.context,
            SubjectContext::Branch {
                name: "main".into()
            }
        );
        let s = parse(
            "org/o1/project/p1/user/u1/vcs-origin/github.com/my-org/repo/vcs-ref/refs/tags/v1",
        );
        assert_eq!(s.context, SubjectContext::Tag { name: "v1".into() });
        let s = parse(
            "org/o1/project/p1/user/u1/vcs-origin/github.com/my-org/repo/vcs-ref/refs/pull/3/head",
        );
        assert_eq!(s.context, SubjectContext::Custom);
        // A repository named like the separator does not cut the origin short.
        let s =
            parse("org/o/project/p/user/u/vcs-origin/gitlab.com/g/vcs-ref/vcs-ref/refs/heads/x/y");
        assert_eq!(s.parts[3], part("vcs-origin", "gitlab.com/g/vcs-ref"));
        assert_eq!(s.context, SubjectContext::Branch { name: "x/y".into() });
        // Custom webhooks have no origin.
        let s = parse("org/o/project/p/user/u/vcs-origin//vcs-ref/");
        assert_eq!(s.format, "circleci-v2");
        assert_eq!(s.context, SubjectContext::Custom);
    }

    #[test]
    fn malformed_subjects_are_unparsed_with_a_reason() {
        for sub in [
            "",
            "org",
            "org/o",
            "org/o/project/p/user",
            "org/o/project/p/user/",
            "org//project/p/user/u",
            "org/o/project/p/user/u/",
            "org/o/project/p/user/u/extra",
            "org/o/project/p/user/u/vcs-origin/github.com/a/b",
            "org/o/projekt/p/user/u",
            "organization:o:pipeline:p",
            "org/o/project/p/user/u\r",
            "ørg/o/project/p/user/u",
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
    fn claim_notes_cover_the_sample_and_flag_ssh_reruns() {
        let c = sample_claims();
        let notes = claim_notes(Platform::Circleci, &c, None);
        assert_eq!(notes.len(), c.names().count());
        for note in &notes {
            assert_ne!(note.meaning, "platform-specific claim", "{}", note.claim);
        }
        let ssh = notes
            .iter()
            .find(|n| n.claim == "oidc.circleci.com/ssh-rerun")
            .cloned()
            .unwrap_or_else(|| panic!("no ssh-rerun note"));
        assert_eq!(ssh.trust, None);
        let origin = notes
            .iter()
            .find(|n| n.claim == "oidc.circleci.com/vcs-origin")
            .cloned()
            .unwrap_or_else(|| panic!("no vcs-origin note"));
        assert!(origin.trust.is_some_and(|t| t.contains("fork")));
        let rerun = claims(json!({"oidc.circleci.com/ssh-rerun": true}));
        let notes = claim_notes(Platform::Circleci, &rerun, None);
        assert!(notes[0].trust.as_deref().is_some_and(|t| t.contains("SSH")));
    }
}
