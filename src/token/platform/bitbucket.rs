//! Bitbucket Pipelines as an OIDC issuer: one issuer per workspace, the
//! UUID-based grammar of its `sub`, and its claims.
//!
//! Sources: <https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/>
//! (enabling OIDC per step, where the issuer and audience are shown) and
//! <https://www.atlassian.com/blog/bitbucket/bitbucket-pipelines-oidc-now-supports-multiple-audiences>
//! (custom audiences). The issuer URL form, the `sub` grammar and the claim names
//! below are not confirmed by those pages (reference notes mark them unverified):
//! this file says so wherever it relies on them.

use super::{
    ClaimDoc, ClaimKnowledge, Claims, IssuerUrl, Platform, Subject, SubjectContext, has_text,
    no_value_trust, part,
};

pub(super) const DOCS_URL: &str = "https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/";

/// `https://api.bitbucket.org/2.0/workspaces/<workspace>/pipelines-config/identity/oidc`
/// (form unverified).
pub(super) fn is_issuer(url: &IssuerUrl<'_>) -> bool {
    url.host_is("api.bitbucket.org")
        && matches!(
            url.segments().as_slice(),
            ["2.0", "workspaces", workspace, "pipelines-config", "identity", "oidc"]
                if !workspace.is_empty()
        )
}

/// Claims only Bitbucket writes (names unverified).
pub(super) fn has_claim_set(claims: &Claims) -> bool {
    has_text(claims, "repositoryUuid") && has_text(claims, "stepUuid")
}

pub(super) fn parse_subject(sub: &str) -> Subject {
    parse(sub).unwrap_or_else(|reason| Subject::unparsed(Platform::Bitbucket, sub, reason))
}

/// `{repo-uuid}:{step-uuid}`, or `{repo-uuid}:{env-uuid}:{step-uuid}` for a deployment
/// step. This grammar is not in Atlassian's documentation (unverified): it is what
/// reference notes record, so a mismatch is reported, never treated as proof of a bad
/// token.
fn parse(sub: &str) -> Result<Subject, String> {
    let uuids: Vec<&str> = sub.split(':').collect();
    for uuid in &uuids {
        let braced = uuid
            .strip_prefix('{')
            .and_then(|u| u.strip_suffix('}'))
            .is_some_and(|inner| {
                !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !braced {
            return Err(format!(
                "expected `{{repository uuid}}:[{{environment uuid}}:]{{step uuid}}` (grammar \
                 unverified), found the component `{uuid}`"
            ));
        }
    }
    let (parts, context, meaning) = match uuids.as_slice() {
        [repository, step] => (
            vec![
                part("repository_uuid", *repository),
                part("step_uuid", *step),
            ],
            SubjectContext::Custom,
            format!(
                "`sub` names repository `{repository}` and one step: a trust rule that matches \
                 `{repository}:*` admits every step of every pipeline in the repository, on any \
                 branch (grammar unverified)"
            ),
        ),
        [repository, environment, step] => (
            vec![
                part("repository_uuid", *repository),
                part("environment_uuid", *environment),
                part("step_uuid", *step),
            ],
            SubjectContext::Environment {
                name: (*environment).to_owned(),
            },
            format!(
                "`sub` binds the role to deployment environment `{environment}` of repository \
                 `{repository}` — who may deploy to that environment decides who gets it \
                 (grammar unverified)"
            ),
        ),
        _ => {
            return Err(format!(
                "expected 2 or 3 UUIDs separated by `:`, found {} (grammar unverified)",
                uuids.len()
            ));
        }
    };
    Ok(Subject {
        raw: sub.to_owned(),
        format: "bitbucket",
        parts,
        context,
        meaning,
    })
}

pub(super) const CLAIM_KNOWLEDGE: ClaimKnowledge = ClaimKnowledge {
    claims: CLAIMS,
    value_trust: no_value_trust,
};

/// Bitbucket's claims: names from reference notes, unverified in Atlassian's docs.
const CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: the workspace's identity provider URL (shown in Repository settings → \
                  Pipelines → OpenID Connect)",
        trust: Some(
            "one issuer per workspace: the cloud's provider must name this workspace's URL",
        ),
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: by default the workspace's (`ari:cloud:bitbucket::workspace/<uuid>`, \
                  unverified); steps may ask for up to 10 custom audiences",
        trust: None,
    },
    ClaimDoc {
        claim: "workspaceUuid",
        meaning: "UUID of the workspace (unverified claim name)",
        trust: None,
    },
    ClaimDoc {
        claim: "repositoryUuid",
        meaning: "UUID of the repository (unverified claim name)",
        trust: Some("does not change with renames: the safe thing to pin"),
    },
    ClaimDoc {
        claim: "pipelineUuid",
        meaning: "UUID of the pipeline run (unverified claim name)",
        trust: None,
    },
    ClaimDoc {
        claim: "stepUuid",
        meaning: "UUID of the step (unverified claim name)",
        trust: None,
    },
    ClaimDoc {
        claim: "branchName",
        meaning: "branch the pipeline runs on (unverified claim name)",
        trust: Some("whoever can push to that branch can run a pipeline that gets this token"),
    },
    ClaimDoc {
        claim: "deploymentEnvironmentUuid",
        meaning: "UUID of the deployment environment of the step (unverified claim name)",
        trust: Some("who may deploy to that environment decides who gets this token"),
    },
];

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::{claim_notes, parse_subject as parse_for};
    use super::*;

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => Claims(map),
            _ => unreachable!("test claims are objects"),
        }
    }

    fn parse(sub: &str) -> Subject {
        parse_for(Platform::Bitbucket, sub)
    }

    const ISSUER: &str =
        "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";

    #[test]
    fn detects_the_issuer_and_the_claim_set() {
        assert_eq!(
            Platform::detect(&claims(json!({"iss": ISSUER}))),
            Platform::Bitbucket
        );
        for iss in [
            "https://api.bitbucket.org/2.0/workspaces//pipelines-config/identity/oidc",
            "https://api.bitbucket.org",
        ] {
            assert_eq!(
                Platform::detect(&claims(json!({"iss": iss}))),
                Platform::Generic
            );
        }
        let c = claims(json!({
            "iss": "https://idp.example",
            "repositoryUuid": "{r}",
            "stepUuid": "{s}",
        }));
        assert_eq!(Platform::detect(&c), Platform::Bitbucket);
    }

    #[test]
    fn step_and_deployment_subjects() {
        let s = parse("{7c9f0b6e-1111}:{0a1b2c3d-2222}");
        assert_eq!(s.format, "bitbucket");
        assert_eq!(
            s.parts,
            vec![
                part("repository_uuid", "{7c9f0b6e-1111}"),
                part("step_uuid", "{0a1b2c3d-2222}"),
            ]
        );
        assert_eq!(s.context, SubjectContext::Custom);
        let s = parse("{repo}:{env}:{step}");
        assert_eq!(
            s.context,
            SubjectContext::Environment {
                name: "{env}".into()
            }
        );
        assert_eq!(s.parts[1], part("environment_uuid", "{env}"));
    }

    #[test]
    fn malformed_subjects_are_unparsed_with_a_reason() {
        for sub in [
            "",
            "{repo}",
            "{repo}:",
            "{repo}:{}",
            "{repo}:step",
            "{repo}:{env}:{step}:{extra}",
            "{repo}::{step}",
            "{re}po}:{step}",
            "{repo}:{st\u{1b}ep}",
            "{répo}:{step}",
            "{repo}:{step}x",
            "repo:o/r:pull_request",
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
    fn claim_notes_mark_unverified_names() {
        let c =
            claims(json!({"iss": ISSUER, "repositoryUuid": "{r}", "branchName": "main", "x": 1}));
        let notes = claim_notes(Platform::Bitbucket, &c, None);
        assert!(
            notes[0]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("workspace"))
        );
        assert!(notes[1].meaning.contains("unverified"));
        assert!(notes[2].trust.is_some());
        assert_eq!(notes[3].meaning, "platform-specific claim");
    }
}
