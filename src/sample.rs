//! The built-in sample incident: what `oidc-triage` shows when started with no input,
//! so a new user sees a whole diagnosis at once. Its artifacts live in
//! `assets/sample/` exactly as a user would paste them, signed by the sample key whose
//! public JWKS ships beside them.

use crate::clock::parse_rfc3339;
use crate::diagnosis::DiagnoseOptions;
use crate::evidence::{Input, Origin};

/// The incident's clock: the time of the failing run.
pub const SAMPLE_NOW: &str = "2026-03-02T10:15:00Z";

/// The incident: a deploy job that gained `environment: production` is refused by a
/// role whose trust policy still pins the branch subject.
const SAMPLE_FILES: &[(&str, &[u8])] = &[
    (
        "id-token.json",
        include_bytes!("../assets/sample/id-token.json"),
    ),
    (
        "get-role.json",
        include_bytes!("../assets/sample/get-role.json"),
    ),
    // An artifact, not a hidden option: it shows in the artifacts pane, and it leaves
    // with the sample when the user starts an incident of their own.
    ("jwks.json", include_bytes!("../assets/sample/jwks.json")),
];

/// The sample's inputs.
pub fn sample_inputs() -> Vec<Input> {
    SAMPLE_FILES
        .iter()
        .map(|(name, bytes)| Input {
            name: (*name).to_owned(),
            bytes: bytes.to_vec(),
            origin: Origin::Builtin,
            size: bytes.len() as u64,
            truncated: false,
        })
        .collect()
}

/// Options that replay the sample at its own clock (its JWKS is one of its inputs).
pub fn sample_options() -> DiagnoseOptions {
    DiagnoseOptions {
        now: parse_rfc3339(SAMPLE_NOW).ok(),
        skew: 60,
        ..DiagnoseOptions::default()
    }
}
