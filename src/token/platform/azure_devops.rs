//! Azure DevOps (Azure Pipelines workload identity service connections) as an OIDC
//! issuer: its two issuers (the per-organization Azure DevOps issuer and, for newer
//! connections, Microsoft Entra) and their two `sub` grammars.
//!
//! Source: <https://learn.microsoft.com/azure/devops/pipelines/release/troubleshoot-workload-identity>
//! (issuers, `sc://` and `/sc/` subjects, the older `app.vstoken.visualstudio.com`
//! issuer). The claim list beyond the registered claims is not documented there, so
//! only those are described.

use super::{ClaimDoc, ClaimKnowledge, IssuerUrl, Platform, Subject, SubjectContext, part};
use serde_json::Value;

pub(super) const DOCS_URL: &str =
    "https://learn.microsoft.com/azure/devops/pipelines/release/troubleshoot-workload-identity";

/// `https://vstoken.dev.azure.com/<organization id>`, the older
/// `https://app.vstoken.visualstudio.com`, or the Microsoft Entra issuer
/// `https://login.microsoftonline.com/<tenant>/v2.0` — the last only with an
/// `…/sc/<org id>/<connection id>` subject, since every Entra token has that issuer.
pub(super) fn is_issuer(url: &IssuerUrl<'_>, subject: Option<&str>) -> bool {
    if url.host_is("vstoken.dev.azure.com") {
        return matches!(url.segments().as_slice(), [organization] if !organization.is_empty());
    }
    if url.host_is("app.vstoken.visualstudio.com") {
        return true;
    }
    url.host_is("login.microsoftonline.com")
        && matches!(url.segments().as_slice(), [tenant, "v2.0"] if !tenant.is_empty())
        && subject.is_some_and(|sub| split_entra_subject(sub).is_some())
}

/// Whether the subject uses Azure DevOps' own `sc://` scheme.
pub(super) fn is_service_connection_subject(sub: &str) -> bool {
    sub.starts_with("sc://")
}

pub(super) fn parse_subject(sub: &str) -> Subject {
    parse(sub).unwrap_or_else(|reason| Subject::unparsed(Platform::AzureDevops, sub, reason))
}

fn parse(sub: &str) -> Result<Subject, String> {
    if let Some(path) = sub.strip_prefix("sc://") {
        let names: Vec<&str> = path.split('/').collect();
        let [organization, project, connection] = names.as_slice() else {
            return Err(format!(
                "`sc://` subjects are sc://ORGANIZATION/PROJECT/CONNECTION, found {} name(s)",
                names.len()
            ));
        };
        if [organization, project, connection]
            .iter()
            .any(|n| n.is_empty())
        {
            return Err("an organization, project or connection name is empty".to_owned());
        }
        return Ok(Subject {
            raw: sub.to_owned(),
            format: "azure-devops-sc",
            parts: vec![
                part("organization", *organization),
                part("project", *project),
                part("service_connection", *connection),
            ],
            context: SubjectContext::ServiceConnection {
                name: (*connection).to_owned(),
            },
            meaning: format!(
                "`sub` binds the role to service connection `{connection}` of project `{project}` \
                 in organization `{organization}` — every pipeline allowed to use that connection \
                 gets it; renaming the organization, project or connection changes the subject"
            ),
        });
    }
    let Some((prefix, organization_id, connection_id)) = split_entra_subject(sub) else {
        return Err("expected sc://ORGANIZATION/PROJECT/CONNECTION or \
             <prefix>/sc/<organization id>/<service connection id>"
            .to_owned());
    };
    Ok(Subject {
        raw: sub.to_owned(),
        format: "azure-devops-entra",
        parts: vec![
            part("prefix", prefix),
            part("organization_id", organization_id),
            part("service_connection_id", connection_id),
        ],
        context: SubjectContext::ServiceConnection {
            name: connection_id.to_owned(),
        },
        meaning: format!(
            "`sub` binds the role to service connection `{connection_id}` of organization \
             `{organization_id}` by ID — every pipeline allowed to use that connection gets it, \
             and renames do not change it"
        ),
    })
}

/// `<microsoft entra prefix>/sc/<organization id>/<service connection id>`, split at
/// the last `/sc/` (the prefix is Entra's and may hold anything but that).
fn split_entra_subject(sub: &str) -> Option<(&str, &str, &str)> {
    let (prefix, ids) = sub.rsplit_once("/sc/")?;
    let (organization_id, connection_id) = ids.split_once('/')?;
    let well_formed = !prefix.is_empty()
        && !organization_id.is_empty()
        && !connection_id.is_empty()
        && !connection_id.contains('/');
    well_formed.then_some((prefix, organization_id, connection_id))
}

pub(super) const CLAIM_KNOWLEDGE: ClaimKnowledge = ClaimKnowledge {
    claims: CLAIMS,
    value_trust,
};

/// Only the registered claims: the page cited above documents no others.
const CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: the organization's Azure DevOps issuer \
                  (`https://vstoken.dev.azure.com/<organization id>`) or, for newer service \
                  connections, Microsoft Entra (`https://login.microsoftonline.com/<tenant>/v2.0`)",
        trust: None,
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: `api://AzureADTokenExchange` for Azure federated credentials \
                  (unverified for Azure DevOps specifically)",
        trust: None,
    },
];

/// Trust notes that depend on the claim's value.
fn value_trust(claim: &str, value: &Value) -> Option<&'static str> {
    if claim != "iss" {
        return None;
    }
    let url = IssuerUrl::parse(value.as_str()?)?;
    if url.host_is("vstoken.dev.azure.com") || url.host_is("app.vstoken.visualstudio.com") {
        Some(
            "the Azure DevOps issuer: converting the connection to the Microsoft Entra issuer \
             changes both issuer and subject, so the federated credential must change with it",
        )
    } else if url.host_is("login.microsoftonline.com") {
        Some(
            "the Microsoft Entra issuer: the federated credential must name this tenant's \
             issuer and the `/sc/` subject exactly",
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{Claims, claim_notes, parse_subject as parse_for};
    use super::*;

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => Claims(map),
            _ => unreachable!("test claims are objects"),
        }
    }

    fn parse(sub: &str) -> Subject {
        parse_for(Platform::AzureDevops, sub)
    }

    const ENTRA_SUBJECT: &str = "/eid1/c/pub/t/Zm9v/a/YmFy/sc/7a6ab5b3-org/6f1b2c3d-conn";

    #[test]
    fn detects_every_documented_issuer() {
        for (iss, sub) in [
            (
                "https://vstoken.dev.azure.com/7a6ab5b3-0000-4000-8000-000000000000",
                "sc://contoso/web/prod-arm",
            ),
            (
                "https://app.vstoken.visualstudio.com",
                "sc://contoso/web/prod-arm",
            ),
            (
                "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0",
                ENTRA_SUBJECT,
            ),
        ] {
            let c = claims(json!({"iss": iss, "sub": sub}));
            assert_eq!(Platform::detect(&c), Platform::AzureDevops, "{iss}");
        }
        // Entra's issuer alone is every Entra token's issuer.
        let entra_app = claims(json!({
            "iss": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0",
            "sub": "00000000-aaaa-bbbb-cccc-000000000000",
        }));
        assert_eq!(Platform::detect(&entra_app), Platform::Generic);
        let bare_org = claims(json!({"iss": "https://vstoken.dev.azure.com"}));
        assert_eq!(Platform::detect(&bare_org), Platform::Generic);
        // The `sc://` scheme identifies the platform behind an unknown issuer.
        let other = claims(json!({"iss": "https://idp.example", "sub": "sc://a/b/c"}));
        assert_eq!(Platform::detect(&other), Platform::AzureDevops);
    }

    #[test]
    fn service_connection_subject() {
        let s = parse("sc://contoso/web/prod arm");
        assert_eq!(s.format, "azure-devops-sc");
        assert_eq!(
            s.parts,
            vec![
                part("organization", "contoso"),
                part("project", "web"),
                part("service_connection", "prod arm"),
            ]
        );
        assert_eq!(
            s.context,
            SubjectContext::ServiceConnection {
                name: "prod arm".into()
            }
        );
        assert!(s.meaning.contains("renaming"), "{}", s.meaning);
    }

    #[test]
    fn entra_issuer_subject() {
        let s = parse(ENTRA_SUBJECT);
        assert_eq!(s.format, "azure-devops-entra");
        assert_eq!(
            s.parts,
            vec![
                part("prefix", "/eid1/c/pub/t/Zm9v/a/YmFy"),
                part("organization_id", "7a6ab5b3-org"),
                part("service_connection_id", "6f1b2c3d-conn"),
            ]
        );
        assert_eq!(
            s.context,
            SubjectContext::ServiceConnection {
                name: "6f1b2c3d-conn".into()
            }
        );
    }

    #[test]
    fn malformed_subjects_are_unparsed_with_a_reason() {
        for sub in [
            "",
            "sc://",
            "sc://contoso",
            "sc://contoso/web",
            "sc://contoso/web/",
            "sc://contoso//prod",
            "sc://contoso/web/prod/extra",
            "sc://contoso/web/pr\u{0}od",
            "/sc/org/conn",
            "prefix/sc/org",
            "prefix/sc/org/conn/extra",
            "repo:o/r:pull_request",
            "ünïcödé",
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
    fn claim_notes_describe_the_issuer_and_leave_the_rest_generic() {
        let c = claims(json!({
            "iss": "https://vstoken.dev.azure.com/7a6ab5b3",
            "sub": "sc://contoso/web/prod-arm",
            "aud": "api://AzureADTokenExchange",
            "custom": 1,
        }));
        let notes = claim_notes(Platform::AzureDevops, &c, None);
        assert!(
            notes[0]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("converting"))
        );
        assert!(
            notes[1]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("prod-arm"))
        );
        assert!(notes[2].meaning.contains("AzureADTokenExchange"));
        assert!(notes[2].trust.is_some());
        assert_eq!(notes[3].meaning, "platform-specific claim");
    }
}
