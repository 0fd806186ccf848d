//! Arbitrary bytes as each cloud's trust configuration: sniffing and parsing must never
//! panic, and a parsed configuration must evaluate a fixed GitHub claim set and survive
//! the full review (blast radius over synthetic tokens) without panicking.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oidc_triage::policy::aws::AwsTrustPolicy;
use oidc_triage::policy::vault::VaultRole;
use oidc_triage::policy::{TrustConfig, azure, gcp, review};
use oidc_triage::token::Claims;

static CLAIMS: LazyLock<Claims> = LazyLock::new(|| {
    Claims::sniff(
        br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/api:ref:refs/heads/main","aud":"sts.amazonaws.com","repository":"acme/api","repository_owner":"acme","ref":"refs/heads/main","event_name":"push"}"#,
    )
    .unwrap_or_default()
});

fn exercise(config: &dyn TrustConfig) {
    let evaluation = config.evaluate(&CLAIMS);
    let _ = evaluation.admitting_rule();
    let _ = review(config);
}

fuzz_target!(|data: &[u8]| {
    let _ = AwsTrustPolicy::sniff(data);
    if let Ok(policy) = AwsTrustPolicy::parse(data) {
        exercise(&policy);
    }
    let _ = azure::sniff(data);
    if let Ok(credentials) = azure::parse(data) {
        exercise(&credentials);
    }
    let _ = gcp::sniff(data);
    if let Ok(provider) = gcp::parse(data) {
        exercise(&provider);
        if let Ok(iam) = gcp::iam::parse(data) {
            let _ = iam.check(&provider, &CLAIMS, "fuzz.json");
        }
    }
    let _ = VaultRole::sniff(data);
    if let Ok(role) = VaultRole::parse(data) {
        exercise(&role);
    }
});
