//! Arbitrary bytes as an Entra sign-in log export: sniffing, the streaming splitter and
//! the sign-in reader must never panic; a loaded export must correlate with a fixed token
//! (the subject of tests/fixtures/azure-signin) and place its evidence, findings and next
//! evidence with no raw control character in any text that reaches a terminal.

#![no_main]

mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oidc_triage::evidence::azure_signin::AzureSigninLog;
use oidc_triage::token::Claims;

static CLAIMS: LazyLock<Claims> = LazyLock::new(|| {
    Claims::sniff(
        br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/api:environment:production","aud":"api://AzureADTokenExchange","nbf":1770801845,"iat":1770802445,"exp":1770802745}"#,
    )
    .unwrap_or_default()
});

fuzz_target!(|data: &[u8]| {
    let _ = oidc_triage::evidence::azure_signin::sniff(data);
    let Ok(log) = AzureSigninLog::read(data) else {
        return;
    };
    common::exercise_loaded(&log, &CLAIMS);
});
