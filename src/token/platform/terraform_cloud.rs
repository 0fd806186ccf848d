//! HCP Terraform (and Terraform Enterprise) as an OIDC issuer: its issuers, the
//! `organization:…:run_phase:…` grammar of its workspace `sub` and the module-test
//! form, and what its `terraform_*` claims mean for trust.
//!
//! Source: <https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/workload-identity-tokens>
//! (issuer, `sub` for workspaces and module tests, claims, lifetimes). The EU issuer
//! `https://app.eu.terraform.io` is listed by Microsoft Entra's flexible federated
//! credential documentation.

use serde_json::Value;

use super::{
    ClaimDoc, ClaimKnowledge, Claims, IssuerUrl, Platform, Subject, SubjectContext, fixed_pairs,
    has_text, part,
};

pub(super) const DOCS_URL: &str = "https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/workload-identity-tokens";

/// `https://app.terraform.io` and `https://app.eu.terraform.io`. Terraform
/// Enterprise has any host and is recognised by its claim set instead.
pub(super) fn is_issuer(url: &IssuerUrl<'_>) -> bool {
    (url.host_is("app.terraform.io") || url.host_is("app.eu.terraform.io")) && url.path.is_empty()
}

/// Claims only HCP Terraform and Terraform Enterprise write.
pub(super) fn has_claim_set(claims: &Claims) -> bool {
    has_text(claims, "terraform_run_phase") || has_text(claims, "terraform_organization_id")
}

const WORKSPACE_KEYS: &[&str] = &["organization", "project", "workspace", "run_phase"];
const MODULE_KEYS: &[&str] = &["organization", "module", "operation"];

pub(super) fn parse_subject(sub: &str) -> Subject {
    parse(sub).unwrap_or_else(|reason| Subject::unparsed(Platform::TerraformCloud, sub, reason))
}

/// `organization:ORG:project:PROJECT:workspace:WS:run_phase:plan|apply`, or for module
/// tests `organization:ORG:module:MODULE:operation:test_run`. Names may hold spaces
/// (the default project is `Default Project`).
fn parse(sub: &str) -> Result<Subject, String> {
    let is_module = sub
        .strip_prefix("organization:")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(_, rest)| rest.starts_with("module:"));
    let keys = if is_module {
        MODULE_KEYS
    } else {
        WORKSPACE_KEYS
    };
    let pairs = fixed_pairs(sub, keys)?;
    for &(key, value) in &pairs {
        if value.is_empty() {
            return Err(format!("`{key}` is empty (the subject is truncated?)"));
        }
    }
    let value_of = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |&(_, value)| value)
    };
    let organization = value_of("organization");
    let parts = pairs.iter().map(|&(key, value)| part(key, value)).collect();
    if is_module {
        let module = value_of("module");
        let operation = value_of("operation");
        if operation != "test_run" {
            return Err(format!(
                "`operation` must be `test_run`, found `{operation}`"
            ));
        }
        return Ok(Subject {
            raw: sub.to_owned(),
            format: "terraform-cloud-module",
            parts,
            context: SubjectContext::Custom,
            meaning: format!(
                "`sub` binds the role to test runs of module `{module}` in organization \
                 `{organization}` — their run phase is always plan"
            ),
        });
    }
    let (project, workspace, phase) = (
        value_of("project"),
        value_of("workspace"),
        value_of("run_phase"),
    );
    let meaning = match phase {
        "plan" => format!(
            "`sub` binds the role to the plan phase of workspace `{workspace}` (project \
             `{project}`, organization `{organization}`) — every plan gets it, speculative ones \
             included, so it should only read"
        ),
        "apply" => format!(
            "`sub` binds the role to the apply phase of workspace `{workspace}` (project \
             `{project}`, organization `{organization}`) — it changes real infrastructure"
        ),
        other => {
            return Err(format!(
                "`run_phase` must be `plan` or `apply`, found `{other}`"
            ));
        }
    };
    Ok(Subject {
        raw: sub.to_owned(),
        format: "terraform-cloud-workspace",
        parts,
        context: SubjectContext::RunPhase {
            phase: phase.to_owned(),
        },
        meaning,
    })
}

pub(super) const CLAIM_KNOWLEDGE: ClaimKnowledge = ClaimKnowledge {
    claims: CLAIMS,
    value_trust,
};

/// HCP Terraform's claims, from the page cited above. Names can change; IDs cannot.
const CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: HCP Terraform (`https://app.terraform.io`, `https://app.eu.terraform.io`) \
                  or a Terraform Enterprise URL",
        trust: None,
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: set per workspace (e.g. `aws.workload.identity` for AWS)",
        trust: None,
    },
    ClaimDoc {
        claim: "exp",
        meaning: "expires at (seconds since 1970): the end of the plan or apply phase's timeout; \
                  module-test tokens last 600 s by default",
        trust: None,
    },
    ClaimDoc {
        claim: "terraform_organization_id",
        meaning: "ID of the organization",
        trust: Some("does not change with renames: the safe thing to pin"),
    },
    ClaimDoc {
        claim: "terraform_organization_name",
        meaning: "name of the organization",
        trust: Some("names can change; `terraform_organization_id` cannot"),
    },
    ClaimDoc {
        claim: "terraform_project_id",
        meaning: "ID of the project",
        trust: None,
    },
    ClaimDoc {
        claim: "terraform_project_name",
        meaning: "name of the project (the default project is `Default Project`)",
        trust: Some("names can change; `terraform_project_id` cannot"),
    },
    ClaimDoc {
        claim: "terraform_workspace_id",
        meaning: "ID of the workspace",
        trust: None,
    },
    ClaimDoc {
        claim: "terraform_workspace_name",
        meaning: "name of the workspace",
        trust: Some("names can change; `terraform_workspace_id` cannot"),
    },
    ClaimDoc {
        claim: "terraform_full_workspace",
        meaning: "organization, project and workspace in subject form (workspace tokens only)",
        trust: None,
    },
    ClaimDoc {
        claim: "terraform_run_id",
        meaning: "ID of the run",
        trust: None,
    },
    ClaimDoc {
        claim: "terraform_run_phase",
        meaning: "phase of the run: `plan` or `apply` (always `plan` for module tests)",
        trust: None,
    },
];

/// Trust notes that depend on the claim's value.
fn value_trust(claim: &str, value: &Value) -> Option<&'static str> {
    match (claim, value.as_str()?) {
        ("iss", iss) if IssuerUrl::parse(iss).is_some_and(|url| is_issuer(&url)) => Some(
            "shared by every HCP Terraform organization: a trust rule must also pin the \
             subject's `organization:`, or any organization's workspaces can assume the role",
        ),
        ("terraform_run_phase", "plan") => Some(
            "a plan token: plans run for every change proposed, speculative ones included — \
             plan tokens should not get apply permissions",
        ),
        ("terraform_run_phase", "apply") => Some(
            "an apply token: give write permissions only to a role that admits run_phase:apply \
             alone",
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
        parse_for(Platform::TerraformCloud, sub)
    }

    /// `terraform-cloud-token-claims.json` from the reference samples.
    fn sample_claims() -> Claims {
        claims(json!({
          "jti": "1192426d-b525-4fde-9d42-f238be437bbd",
          "iss": "https://app.terraform.io",
          "aud": "my-example-audience",
          "iat": 1650486122,
          "nbf": 1650486117,
          "exp": 1650486422,
          "sub": "organization:my-org:project:Default Project:workspace:my-workspace:run_phase:apply",
          "terraform_organization_id": "org-GRNbCjYNpBB6NEH9",
          "terraform_organization_name": "my-org",
          "terraform_project_id": "prj-vegSA59s1XPwMr2t",
          "terraform_project_name": "Default Project",
          "terraform_workspace_id": "ws-mbsd5E3Ktt5Rg2Xm",
          "terraform_workspace_name": "my-workspace",
          "terraform_full_workspace": "organization:my-org:project:Default Project:workspace:my-workspace",
          "terraform_run_id": "run-X3n1AUXNGWbfECsJ",
          "terraform_run_phase": "apply"
        }))
    }

    #[test]
    fn detects_both_issuers_the_sample_and_terraform_enterprise() {
        assert_eq!(Platform::detect(&sample_claims()), Platform::TerraformCloud);
        let eu = claims(json!({"iss": "https://app.eu.terraform.io"}));
        assert_eq!(Platform::detect(&eu), Platform::TerraformCloud);
        let tfe = claims(json!({
            "iss": "https://tfe.internal.example",
            "terraform_run_phase": "plan",
        }));
        assert_eq!(Platform::detect(&tfe), Platform::TerraformCloud);
        let other = claims(json!({"iss": "https://app.terraform.io/other"}));
        assert_eq!(Platform::detect(&other), Platform::Generic);
    }

    #[test]
    fn workspace_subjects_with_spaces_in_names() {
        let s = parse(
            "organization:my-org:project:Default Project:workspace:my-workspace:run_phase:apply",
        );
        assert_eq!(s.format, "terraform-cloud-workspace");
        assert_eq!(
            s.parts,
            vec![
                part("organization", "my-org"),
                part("project", "Default Project"),
                part("workspace", "my-workspace"),
                part("run_phase", "apply"),
            ]
        );
        assert_eq!(
            s.context,
            SubjectContext::RunPhase {
                phase: "apply".into()
            }
        );
        assert!(s.meaning.contains("`Default Project`"), "{}", s.meaning);
        let s = parse(
            "organization:my-org:project:Default Project:workspace:my-workspace:run_phase:plan",
        );
        assert_eq!(
            s.context,
            SubjectContext::RunPhase {
                phase: "plan".into()
            }
        );
        assert!(s.meaning.contains("only read"), "{}", s.meaning);
    }

    #[test]
    fn module_test_subject() {
        let s = parse("organization:my-org:module:my-module:operation:test_run");
        assert_eq!(s.format, "terraform-cloud-module");
        assert_eq!(
            s.parts,
            vec![
                part("organization", "my-org"),
                part("module", "my-module"),
                part("operation", "test_run"),
            ]
        );
        assert_eq!(s.context, SubjectContext::Custom);
    }

    #[test]
    fn malformed_subjects_are_unparsed_with_a_reason() {
        for sub in [
            "",
            "organization:",
            "organization:my-org:project:Default Project",
            "organization:my-org:project:p:workspace:w:run_phase:",
            "organization:my-org:project:p:workspace:w:run_phase:destroy",
            "organization:my-org:project:p:workspace:w:run_phase:apply:extra",
            "organization:my-org:workspace:w:run_phase:apply",
            "organization::project:p:workspace:w:run_phase:apply",
            "organization:my-org:module:m:operation:apply",
            "organization:my-org:module:m",
            "organisation:my-org:project:p:workspace:w:run_phase:apply",
            "organization:my-org:project:p:workspace:w:run_phase:apply\u{85}",
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
    fn claim_notes_cover_the_sample_and_warn_about_plan_tokens() {
        let c = sample_claims();
        let notes = claim_notes(Platform::TerraformCloud, &c, None);
        assert_eq!(notes.len(), c.names().count());
        for note in &notes {
            assert_ne!(note.meaning, "platform-specific claim", "{}", note.claim);
        }
        let note = |name: &str| notes.iter().find(|n| n.claim == name).cloned();
        assert!(
            note("iss")
                .and_then(|n| n.trust)
                .is_some_and(|t| t.contains("every HCP Terraform organization"))
        );
        assert!(
            note("terraform_workspace_name")
                .and_then(|n| n.trust)
                .is_some()
        );
        let plan = claims(json!({"terraform_run_phase": "plan"}));
        let notes = claim_notes(Platform::TerraformCloud, &plan, None);
        assert!(
            notes[0]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("should not get apply permissions"))
        );
    }
}
