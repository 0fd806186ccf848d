//! `oidc-triage schema NAME`: the published JSON Schemas of the outputs
//! (`assets/schemas/`, embedded), so a script can validate what it reads.

use std::io::Write as _;

use super::{Exit, Streams, finish_output};

/// The schemas by name: (name, the `schema` value the output carries, the schema).
pub const SCHEMAS: &[(&str, &str, &str)] = &[
    (
        "decode",
        "oidc-triage/decode/v1",
        include_str!("../../assets/schemas/decode-v1.json"),
    ),
    (
        "diagnosis",
        "oidc-triage/diagnosis/v1",
        include_str!("../../assets/schemas/diagnosis-v1.json"),
    ),
    (
        "lint",
        "oidc-triage/lint/v1",
        include_str!("../../assets/schemas/lint-v1.json"),
    ),
    (
        "scenarios",
        "oidc-triage/scenarios/v1",
        include_str!("../../assets/schemas/scenarios-v1.json"),
    ),
];

/// Print one schema; `NAME` may be the short name or the output's `schema` value.
pub fn schema(name: &str, streams: &mut Streams<'_>) -> Exit {
    let wanted = name.trim_end_matches("/v1");
    let wanted = wanted.strip_prefix("oidc-triage/").unwrap_or(wanted);
    match SCHEMAS.iter().find(|(short, _, _)| *short == wanted) {
        Some((_, _, text)) => {
            finish_output(streams.stdout.write_all(text.as_bytes()), Exit::Ok, streams)
        }
        None => {
            streams.error(&format!(
                "no schema {name:?}: known are {}",
                SCHEMAS
                    .iter()
                    .map(|(n, _, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            Exit::Usage
        }
    }
}
