//! Arbitrary bytes as a Cloud Audit Logs export: sniffing, the streaming splitter and
//! the entry reader must never panic; a loaded export must correlate with a fixed token
//! (the subject of tests/fixtures/gcp-audit) and place its evidence, findings and next
//! evidence with no raw control character in any text that reaches a terminal.

#![no_main]

mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oidc_triage::evidence::gcp_audit::GcpAuditLog;
use oidc_triage::token::Claims;

static CLAIMS: LazyLock<Claims> = LazyLock::new(|| {
    Claims::sniff(
        br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/payments:ref:refs/heads/main","aud":"https://iam.googleapis.com/projects/412345678901/locations/global/workloadIdentityPools/github/providers/github-actions","nbf":1778593978,"iat":1778594578,"exp":1778594878}"#,
    )
    .unwrap_or_default()
});

fuzz_target!(|data: &[u8]| {
    let _ = oidc_triage::evidence::gcp_audit::sniff(data);
    let Ok(log) = GcpAuditLog::read(data) else {
        return;
    };
    common::exercise_loaded(&log, &CLAIMS);
});
