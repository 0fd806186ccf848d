//! What audience each cloud expects. jwt-cli and jwt-ui skip `aud`; we always show it
//! against the values the clouds' official actions request, because "Incorrect token
//! audience" is one of the most common federation failures.

use serde::Serialize;

/// A trust target (DESIGN.md vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
    Vault,
}

impl Cloud {
    pub const ALL: [Cloud; 4] = [Cloud::Aws, Cloud::Azure, Cloud::Gcp, Cloud::Vault];

    pub fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
            Cloud::Vault => "vault",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS",
            Cloud::Azure => "Azure",
            Cloud::Gcp => "GCP",
            Cloud::Vault => "Vault",
        }
    }
}

/// How the token's audience compares with what one cloud expects by default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CloudAudience {
    pub cloud: Cloud,
    /// The audience the cloud's official integration requests or requires.
    pub expected: &'static str,
    /// `true` when an `aud` value has the expected form; `null` when only the cloud's
    /// configuration can tell (Vault's `bound_audiences`).
    pub matches: Option<bool>,
    pub note: &'static str,
}

/// AWS: aws-actions/configure-aws-credentials requests `sts.amazonaws.com`
/// (`sts.amazonaws.com.cn` in China); the IAM OIDC provider's client-ID list must hold
/// the token's `aud` (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html>).
const AWS_AUDIENCES: [&str; 2] = ["sts.amazonaws.com", "sts.amazonaws.com.cn"];
/// Azure: a federated identity credential has exactly one audience, recommended
/// `api://AzureADTokenExchange`; azure/login requests it
/// (<https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations>).
const AZURE_AUDIENCE: &str = "api://AzureADTokenExchange";
/// GCP: with no `allowedAudiences`, the provider's full resource name, with or without
/// `https:` (<https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers>).
const GCP_AUDIENCE_PREFIXES: [&str; 2] = [
    "https://iam.googleapis.com/projects/",
    "//iam.googleapis.com/projects/",
];

fn is_gcp_provider_audience(aud: &str) -> bool {
    GCP_AUDIENCE_PREFIXES.iter().any(|prefix| {
        aud.strip_prefix(prefix).is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('/').collect();
            parts.len() == 7
                && parts[0].bytes().all(|b| b.is_ascii_digit())
                && parts[1] == "locations"
                && parts[3] == "workloadIdentityPools"
                && parts[5] == "providers"
        })
    })
}

/// Compare the token's audiences with each cloud's default expectation.
pub fn cloud_audiences(audiences: &[&str]) -> Vec<CloudAudience> {
    vec![
        CloudAudience {
            cloud: Cloud::Aws,
            expected: "sts.amazonaws.com",
            matches: Some(audiences.iter().any(|a| AWS_AUDIENCES.contains(a))),
            note: "the IAM OIDC provider's audience (client ID) list must contain the token's aud; configure-aws-credentials requests sts.amazonaws.com",
        },
        CloudAudience {
            cloud: Cloud::Azure,
            expected: AZURE_AUDIENCE,
            matches: Some(audiences.contains(&AZURE_AUDIENCE)),
            note: "the federated identity credential's single audience must equal the token's aud exactly",
        },
        CloudAudience {
            cloud: Cloud::Gcp,
            expected: "https://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER",
            matches: Some(audiences.iter().any(|a| is_gcp_provider_audience(a))),
            note: "with no allowedAudiences, aud must be the provider's full resource name (project number, provider not pool)",
        },
        CloudAudience {
            cloud: Cloud::Vault,
            expected: "one of the role's bound_audiences",
            matches: None,
            note: "Vault rejects a token with an aud when the role binds none",
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_recognises_its_audience() {
        let aws = cloud_audiences(&["sts.amazonaws.com"]);
        assert_eq!(aws[0].matches, Some(true));
        assert_eq!(aws[1].matches, Some(false));
        let azure = cloud_audiences(&["api://AzureADTokenExchange"]);
        assert_eq!(azure[1].matches, Some(true));
        let gcp = cloud_audiences(&[
            "https://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/my-pool/providers/my-provider",
        ]);
        assert_eq!(gcp[2].matches, Some(true));
        assert_eq!(gcp[3].matches, None);
    }

    #[test]
    fn gcp_audience_needs_a_project_number_and_a_provider() {
        assert!(!is_gcp_provider_audience(
            "https://iam.googleapis.com/projects/my-project/locations/global/workloadIdentityPools/p/providers/x"
        ));
        assert!(!is_gcp_provider_audience(
            "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p"
        ));
        assert!(is_gcp_provider_audience(
            "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p/providers/x"
        ));
    }
}
