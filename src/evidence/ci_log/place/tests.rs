//! How the latest attempt decides, wrappers and scope, on analysed lines.

use super::super::analysis::{Analyzer, Marker};
use super::next::gcp_provider_values;
use super::*;

fn analyse(lines: &[(&str, Option<i64>)]) -> Analysis {
    let mut a = Analyzer::default();
    for (i, (l, t)) in lines.iter().enumerate() {
        a.feed(i + 1, *t, l, Marker::Plain, "");
    }
    a.finish()
}

#[test]
fn a_retry_that_succeeds_supersedes_the_failure() {
    let a = analyse(&[
        (
            "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
            None,
        ),
        ("Assuming role with OIDC", None),
        (
            "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
            None,
        ),
    ]);
    let f = fates(&a, &Filters::default());
    assert_eq!(f[0], Fate::Superseded { by: 2 });
    // The token line is before the role line: a success after a failure of a later
    // stage does not supersede the failure…
    assert_eq!(f[1], Fate::Decides);
    assert_eq!(f[2], Fate::Decides);
}

#[test]
fn a_success_then_a_failure_leaves_the_failure() {
    let a = analyse(&[
        (
            "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
            None,
        ),
        (
            "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
            None,
        ),
    ]);
    let f = fates(&a, &Filters::default());
    assert_eq!(f[0], Fate::Superseded { by: 1 });
    assert_eq!(f[1], Fate::Decides);
}

#[test]
fn timestamps_say_which_came_last() {
    // Pasted out of order: the success is older.
    let a = analyse(&[
        (
            "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
            Some(200),
        ),
        (
            "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
            Some(100),
        ),
    ]);
    let f = fates(&a, &Filters::default());
    assert_eq!(f[0], Fate::Decides);
    assert_eq!(f[1], Fate::Superseded { by: 0 });
}

#[test]
fn a_denied_deploy_call_is_not_undone_by_another_allowed_one() {
    let a = analyse(&[
        (
            "upload failed: ./a.txt to s3://b/a.txt An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
            None,
        ),
        ("upload: ./b.txt to s3://b/b.txt", None),
    ]);
    let f = fates(&a, &Filters::default());
    assert_eq!(f[0], Fate::Decides);
}

#[test]
fn another_cloud_does_not_supersede() {
    let a = analyse(&[
        (
            "Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'x'.",
            None,
        ),
        (
            "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
            None,
        ),
    ]);
    assert_eq!(fates(&a, &Filters::default())[0], Fate::Decides);
}

#[test]
fn a_wrapper_beside_its_reason_adds_nothing() {
    let a = analyse(&[
        (
            r#"failed to retrieve vault token. code: 400, vaultResponse: {"errors":["error validating token: invalid audience (aud) claim: audience claim does not match any expected audience"]}"#,
            None,
        ),
        (
            "Error writing data to auth/jwt/login: Error making API request.",
            None,
        ),
        (
            "* error validating token: invalid subject (sub) claim",
            None,
        ),
    ]);
    let f = fates(&a, &Filters::default());
    assert_eq!(a.events[0].message.key, "vault.audience-mismatch");
    assert_eq!(f[1], Fate::Wrapped { by: 0 });
}

#[test]
fn filters_put_other_roles_and_times_out_of_scope() {
    let a = analyse(&[
        (
            "An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role/other/s is not authorized to perform: s3:PutObject",
            Some(50),
        ),
        (
            "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
            Some(10),
        ),
    ]);
    let filters = Filters {
        role: Some("arn:aws:iam::123456789012:role/deploy".to_owned()),
        since: Some(20),
        ..Filters::default()
    };
    let f = fates(&a, &filters);
    assert_eq!(f[0], Fate::OutOfScope("another role than --role"));
    assert_eq!(f[1], Fate::OutOfScope("before --since"));
}

#[test]
fn provider_names_fill_the_describe_command() {
    let values = gcp_provider_values(Some(
        "projects/123456789/locations/global/workloadIdentityPools/github/providers/acme",
    ));
    let c = crate::vocabulary::knowledge::knowledge()
        .next_evidence("ci.gcp.provider", &values)
        .map(|n| n.command)
        .unwrap_or_default();
    assert!(c.contains("describe acme --project=123456789"), "{c}");
    assert!(c.contains("--workload-identity-pool=github"), "{c}");
}
