//! Arbitrary bytes as a CloudTrail export, inside each shape the source reads (the
//! first byte picks it: raw, `{"Records":[…`, JSON lines, lookup-events, CloudTrail
//! Lake rows, Athena CSV, a gzip header over the bytes), so that the fuzzer reaches the scanner, the event
//! readers and the verdict rather than stopping at the sniffer. Properties: reading
//! never panics, and the diagnosis of what was read (narrowed by a fixed claim set)
//! renders with no raw control character other than `\n`.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::{DiagnoseOptions, diagnose};
use oidc_triage::evidence::Input;
use oidc_triage::evidence::cloudtrail::{ingest_reader, sniff};
use oidc_triage::report::{Palette, json, markdown, text};

const EVENT: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"WebIdentityUser","principalId":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/api:ref:refs/heads/main","userName":"repo:acme/api:ref:refs/heads/main","identityProvider":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},"eventTime":"2026-03-02T10:14:31Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity","awsRegion":"us-east-1","requestParameters":{"roleArn":"arn:aws:iam::1:role/deploy","roleSessionName":"GitHubActions"},"responseElements":{"credentials":{"accessKeyId":"ASIAEXAMPLE"},"subjectFromWebIdentityToken":"repo:acme/api:ref:refs/heads/main","audience":"sts.amazonaws.com"},"eventID":"e","eventType":"AwsApiCall"}"#;

const CLAIMS: &str = r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/api:ref:refs/heads/main","aud":"sts.amazonaws.com","iat":1772446460,"exp":1772446760}"#;

fn shape(data: &[u8]) -> Vec<u8> {
    let Some((&pick, rest)) = data.split_first() else {
        return Vec::new();
    };
    let wrap = |head: &str, tail: &str| [head.as_bytes(), rest, tail.as_bytes()].concat();
    match pick % 7 {
        0 => rest.to_vec(),
        1 => wrap(&format!("{{\"Records\":[{EVENT},"), "]}"),
        2 => wrap(&format!("{EVENT}\n"), "\n"),
        3 => wrap(
            "{\"Events\":[{\"EventId\":\"1\",\"EventName\":\"AssumeRoleWithWebIdentity\",\"CloudTrailEvent\":\"",
            "\"}]}",
        ),
        4 => wrap(
            "{\"QueryStatus\":\"FINISHED\",\"QueryResultRows\":[[{\"eventName\":\"AssumeRoleWithWebIdentity\"},",
            "]]}",
        ),
        5 => wrap(
            "eventversion,useridentity,eventtime,eventsource,eventname,errorcode,errormessage,requestparameters\n",
            "",
        ),
        // A gzip header (RFC 1952: magic, deflate, no flags) over the fuzzer's bytes
        // as the compressed stream: the decoder's error paths and byte offsets.
        _ => {
            let mut out = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
            out.extend_from_slice(rest);
            out
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let bytes = shape(data);
    let _ = sniff(&bytes);
    let _ = ingest_reader(&mut &bytes[..]);

    let inputs = [
        Input::pasted("claims.json", CLAIMS.as_bytes()),
        Input::pasted("cloudtrail.json", bytes),
    ];
    let diagnosis = diagnose(&inputs, &DiagnoseOptions::default(), || {
        Clock::fixed(common::NOW)
    });

    let mut out = Vec::new();
    text::write_diagnosis(&mut out, &diagnosis, Palette::PLAIN).expect("writing to a Vec");
    common::assert_terminal_safe(
        "diagnosis (text)",
        std::str::from_utf8(&out).expect("output is UTF-8"),
    );
    let mut out = Vec::new();
    json::write_json(&mut out, &diagnosis).expect("writing to a Vec");
    common::assert_terminal_safe(
        "diagnosis (json)",
        std::str::from_utf8(&out).expect("output is UTF-8"),
    );
    common::assert_terminal_safe("diagnosis (markdown)", &markdown::render_rca(&diagnosis));
});
