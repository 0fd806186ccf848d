//! Buildkite as an OIDC issuer: one issuer shared by every organization, the
//! `organization:…:step:…` grammar of its `sub` (or a single claim's value with
//! `--subject-claim`) and what its claims mean for trust.
//!
//! Source: <https://buildkite.com/docs/agent/cli/reference/oidc> (issuer, default
//! audience, lifetime, `sub`, claims and `buildkite-agent oidc request-token` flags).

use serde_json::Value;

use super::{
    ClaimDoc, ClaimKnowledge, Claims, IssuerUrl, Platform, Subject, SubjectContext, fixed_pairs,
    git_ref_context, has_text, part,
};

pub(super) const DOCS_URL: &str = "https://buildkite.com/docs/agent/cli/reference/oidc";

/// The format of a subject chosen with `--subject-claim`: one claim's bare value.
pub(super) const SUBJECT_CLAIM_FORMAT: &str = "buildkite-subject-claim";

/// `https://agent.buildkite.com`, shared by every organization.
pub(super) fn is_issuer(url: &IssuerUrl<'_>) -> bool {
    url.host_is("agent.buildkite.com") && url.path.is_empty()
}

/// Claims only Buildkite writes.
pub(super) fn has_claim_set(claims: &Claims) -> bool {
    has_text(claims, "organization_slug") && has_text(claims, "pipeline_slug")
}

/// The default subject's keys, in order.
const SUBJECT_KEYS: &[&str] = &["organization", "pipeline", "ref", "commit", "step"];

pub(super) fn parse_subject(sub: &str) -> Subject {
    parse(sub).unwrap_or_else(|reason| Subject::unparsed(Platform::Buildkite, sub, reason))
}

/// `organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:STEP_KEY`; the step
/// key comes last and takes the rest, and is empty when the step has none. With
/// `--subject-claim` the subject is one claim's value, which holds no `:`.
fn parse(sub: &str) -> Result<Subject, String> {
    if !sub.contains(':') {
        return Ok(Subject {
            raw: sub.to_owned(),
            format: SUBJECT_CLAIM_FORMAT,
            parts: vec![part("subject_claim", sub)],
            context: SubjectContext::Custom,
            meaning: format!(
                "`sub` is one claim's value chosen with `--subject-claim` (`{sub}`): a trust rule \
                 that admits it admits every job of every organization that shares that value, \
                 unless it also pins `organization_slug`"
            ),
        });
    }
    let pairs = fixed_pairs(sub, SUBJECT_KEYS)?;
    for &(key, value) in &pairs {
        if key != "step" && value.is_empty() {
            return Err(format!("`{key}` is empty (the subject is truncated?)"));
        }
    }
    let value_of = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |&(_, value)| value)
    };
    let (organization, pipeline, git_ref) = (
        value_of("organization"),
        value_of("pipeline"),
        value_of("ref"),
    );
    let context = git_ref_context(git_ref).unwrap_or(SubjectContext::Custom);
    let target = match &context {
        SubjectContext::Branch { name } => format!("branch `{name}`"),
        SubjectContext::Tag { name } => format!("tag `{name}`"),
        _ => format!("ref `{git_ref}`"),
    };
    let meaning = format!(
        "`sub` names organization `{organization}`, pipeline `{pipeline}`, {target}, one commit \
         and one step: a trust rule that pins organization, pipeline and ref (wildcarding commit \
         and step) admits every build of that pipeline on that ref"
    );
    Ok(Subject {
        raw: sub.to_owned(),
        format: "buildkite",
        parts: pairs
            .into_iter()
            .map(|(key, value)| part(key, value))
            .collect(),
        context,
        meaning,
    })
}

pub(super) const CLAIM_KNOWLEDGE: ClaimKnowledge = ClaimKnowledge {
    claims: CLAIMS,
    value_trust,
};

/// Buildkite's claims, from the page cited above; `agent_tag:*` covers every agent tag
/// requested with `--claim`.
const CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: Buildkite (`https://agent.buildkite.com`)",
        trust: Some(
            "shared by every Buildkite organization: a trust rule must also pin \
             `organization_slug` (or `organization_id`, or the subject's `organization:`), or \
             any organization's pipelines can assume the role",
        ),
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: by default `https://buildkite.com/<organization slug>`; set with \
                  `--audience`",
        trust: None,
    },
    ClaimDoc {
        claim: "exp",
        meaning: "expires at (seconds since 1970): 5 minutes after issue unless `--lifetime` \
                  says otherwise",
        trust: None,
    },
    ClaimDoc {
        claim: "organization_slug",
        meaning: "slug of the organization the build belongs to",
        trust: Some(
            "the issuer is shared by all Buildkite organizations: this (or `organization_id`) \
             is what keeps other organizations out",
        ),
    },
    ClaimDoc {
        claim: "organization_id",
        meaning: "ID of the organization",
        trust: Some("does not change when the organization's slug does: the safest pin"),
    },
    ClaimDoc {
        claim: "pipeline_slug",
        meaning: "slug of the pipeline",
        trust: None,
    },
    ClaimDoc {
        claim: "pipeline_id",
        meaning: "ID of the pipeline",
        trust: None,
    },
    ClaimDoc {
        claim: "build_number",
        meaning: "number of the build within the pipeline",
        trust: None,
    },
    ClaimDoc {
        claim: "build_id",
        meaning: "ID of the build",
        trust: None,
    },
    ClaimDoc {
        claim: "build_branch",
        meaning: "branch the build runs on",
        trust: None,
    },
    ClaimDoc {
        claim: "build_tag",
        meaning: "tag of the build (only for tagged builds)",
        trust: None,
    },
    ClaimDoc {
        claim: "build_commit",
        meaning: "commit the build runs on",
        trust: None,
    },
    ClaimDoc {
        claim: "build_source",
        meaning: "what started the build: `ui`, `api`, `webhook`, `trigger_job` or `schedule`",
        trust: None,
    },
    ClaimDoc {
        claim: "step_key",
        meaning: "key of the step (null when the step has none)",
        trust: None,
    },
    ClaimDoc {
        claim: "job_id",
        meaning: "ID of the job",
        trust: None,
    },
    ClaimDoc {
        claim: "agent_id",
        meaning: "ID of the agent that ran the job",
        trust: None,
    },
    ClaimDoc {
        claim: "runner_environment",
        meaning: "kind of agent: `buildkite-hosted` or `self-hosted`",
        trust: None,
    },
    ClaimDoc {
        claim: "cluster_id",
        meaning: "ID of the agent cluster",
        trust: None,
    },
    ClaimDoc {
        claim: "cluster_name",
        meaning: "name of the agent cluster",
        trust: None,
    },
    ClaimDoc {
        claim: "queue_id",
        meaning: "ID of the agent queue",
        trust: None,
    },
    ClaimDoc {
        claim: "queue_key",
        meaning: "key of the agent queue",
        trust: None,
    },
    ClaimDoc {
        claim: "agent_tag:*",
        meaning: "a tag of the agent that ran the job",
        trust: Some("agent tags are set by whoever runs the agent"),
    },
];

/// Trust notes that depend on the claim's value.
fn value_trust(claim: &str, value: &Value) -> Option<&'static str> {
    match (claim, value.as_str()?) {
        ("runner_environment", "self-hosted") => Some(
            "a self-hosted agent: whoever controls that machine (and earlier jobs on it) can \
             read this token",
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
        parse_for(Platform::Buildkite, sub)
    }

    /// `buildkite-token-claims.json` from the reference samples.
    fn sample_claims() -> Claims {
        claims(json!({
          "iss": "https://agent.buildkite.com",
          "sub": "organization:acme-inc:pipeline:super-duper-app:ref:refs/heads/main:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:build",
          "aud": "https://buildkite.com/acme-inc",
          "iat": 1669014898,
          "nbf": 1669014898,
          "exp": 1669015198,
          "organization_slug": "acme-inc",
          "pipeline_slug": "super-duper-app",
          "build_number": 1,
          "build_branch": "main",
          "build_tag": "v1.0.0",
          "build_commit": "9f3182061f1e2cca4702c368cbc039b7dc9d4485",
          "step_key": "build",
          "job_id": "0184990a-477b-4fa8-9968-496074483cee",
          "agent_id": "0184990a-4782-42b5-afc1-16715b10b8ff",
          "build_source": "ui",
          "runner_environment": "buildkite-hosted"
        }))
    }

    #[test]
    fn detects_the_issuer_the_sample_and_the_claim_set() {
        assert_eq!(Platform::detect(&sample_claims()), Platform::Buildkite);
        let mut c = sample_claims();
        c.0.insert("iss".into(), json!("https://idp.example"));
        assert_eq!(Platform::detect(&c), Platform::Buildkite);
        let other = claims(json!({"iss": "https://agent.buildkite.com/other"}));
        assert_eq!(Platform::detect(&other), Platform::Generic);
    }

    #[test]
    fn default_subject() {
        let s = parse(
            "organization:acme-inc:pipeline:super-duper-app:ref:refs/heads/main:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:build",
        );
        assert_eq!(s.format, "buildkite");
        assert_eq!(
            s.parts,
            vec![
                part("organization", "acme-inc"),
                part("pipeline", "super-duper-app"),
                part("ref", "refs/heads/main"),
                part("commit", "9f3182061f1e2cca4702c368cbc039b7dc9d4485"),
                part("step", "build"),
            ]
        );
        assert_eq!(
            s.context,
            SubjectContext::Branch {
                name: "main".into()
            }
        );
        let s = parse("organization:a:pipeline:p:ref:refs/tags/v1:commit:abc:step:");
        assert_eq!(s.context, SubjectContext::Tag { name: "v1".into() });
        assert_eq!(s.parts[4], part("step", ""));
        let s = parse("organization:a:pipeline:p:ref:refs/pull/1/head:commit:abc:step:deploy:prod");
        assert_eq!(s.context, SubjectContext::Custom);
        assert_eq!(s.parts[4], part("step", "deploy:prod"));
    }

    #[test]
    fn subject_claim_subject() {
        let s = parse("0184990a-4782-42b5-afc1-16715b10b8ff");
        assert_eq!(s.format, SUBJECT_CLAIM_FORMAT);
        assert_eq!(s.context, SubjectContext::Custom);
        assert!(s.meaning.contains("organization_slug"));
    }

    #[test]
    fn malformed_subjects_are_unparsed_with_a_reason() {
        for sub in [
            "",
            "organization:",
            "organization:acme",
            "organization:acme:pipeline:app",
            "organization:acme:pipeline:app:ref:refs/heads/main",
            "organization:acme:pipeline:app:ref:refs/heads/main:commit:abc",
            "organization::pipeline:app:ref:refs/heads/main:commit:abc:step:s",
            "organization:acme:pipeline:app:ref::commit:abc:step:s",
            "pipeline:app:organization:acme:ref:r:commit:c:step:s",
            "organización:acme:pipeline:app:ref:r:commit:c:step:s",
            "organization:acme:pipeline:app:ref:r:commit:c:step:s\n",
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
    fn claim_notes_warn_about_the_shared_issuer() {
        let c = sample_claims();
        let notes = claim_notes(Platform::Buildkite, &c, None);
        assert_eq!(notes.len(), c.names().count());
        for note in &notes {
            assert_ne!(note.meaning, "platform-specific claim", "{}", note.claim);
        }
        let note = |name: &str| notes.iter().find(|n| n.claim == name).cloned();
        assert!(
            note("iss")
                .and_then(|n| n.trust)
                .is_some_and(|t| t.contains("every Buildkite organization"))
        );
        assert!(
            note("organization_slug")
                .and_then(|n| n.trust)
                .is_some_and(|t| t.contains("shared"))
        );
        assert_eq!(note("runner_environment").and_then(|n| n.trust), None);
        let tagged =
            claims(json!({"agent_tag:queue": "deploy", "runner_environment": "self-hosted"}));
        let notes = claim_notes(Platform::Buildkite, &tagged, None);
        assert_eq!(notes[0].meaning, "a tag of the agent that ran the job");
        assert!(
            notes[1]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("self-hosted"))
        );
    }
}
