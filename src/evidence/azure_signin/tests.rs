//! The Entra sign-in log source against the fixtures in tests/fixtures/azure-signin/
//! (see its README for where each shape comes from): every AADSTS code lands on its
//! stage with its finding, the latest correlated attempt decides, other apps are
//! summarised, damaged exports keep what was read before the damage, nothing panics.

use std::io::Read;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::clock::{Clock, parse_rfc3339};
use crate::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use crate::evidence::{Filters, Input, recognise, sources};
use crate::vocabulary::StageStatus;
use crate::vocabulary::catalog::{
    TOKEN_EXPIRED, TOKEN_SIGNATURE_INVALID, TRUST_AZURE_APP_NOT_FOUND,
    TRUST_AZURE_AUDIENCE_MISMATCH, TRUST_AZURE_EXPRESSION_MISMATCH, TRUST_AZURE_FEDERATION_BLOCKED,
    TRUST_AZURE_ISSUER_MISMATCH, TRUST_AZURE_NO_CREDENTIALS, TRUST_AZURE_NO_MATCHING_CREDENTIAL,
    TRUST_AZURE_SUBJECT_MISMATCH,
};

const APP: &str = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
const SUB: &str = "repo:acme/api:environment:production";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/azure-signin/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The claims of a GitHub run whose token was issued at `iat` (nbf = iat − 600 s,
/// exp = iat + 300 s, as GitHub issues them).
fn claims_at(iat: &str) -> Input {
    let iat = parse_rfc3339(iat).unwrap();
    let text = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": SUB,
        "aud": "api://AzureADTokenExchange",
        "repository": "acme/api",
        "environment": "production",
        "event_name": "push",
        "run_id": "14022233145",
        "nbf": iat - 600,
        "iat": iat,
        "exp": iat + 300,
    });
    Input::pasted("claims.json", text.to_string())
}

fn run(inputs: Vec<Input>, now: &str, filters: Filters) -> Diagnosis {
    let now = parse_rfc3339(now).unwrap();
    let options = DiagnoseOptions {
        now: Some(now),
        filters,
        ..DiagnoseOptions::default()
    };
    diagnose(&inputs, &options, || Clock::fixed(now))
}

fn diagnose_fixture(name: &str) -> Diagnosis {
    run(
        vec![Input::pasted(name, fixture(name))],
        "2026-02-11T15:00:00Z",
        Filters::default(),
    )
}

fn ids(d: &Diagnosis) -> Vec<&'static str> {
    d.findings.iter().map(|f| f.id).collect()
}

fn status(d: &Diagnosis, stage: Stage) -> StageStatus {
    d.stage(stage).status
}

#[test]
fn every_fixture_is_recognised_as_a_sign_in_log() {
    let dir = format!("{}/tests/fixtures/azure-signin", env!("CARGO_MANIFEST_DIR"));
    let sources = sources();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let r = recognise(&Input::from_path(&path).unwrap(), &sources);
        assert_eq!(
            r.summary.kind,
            ArtifactKind::AzureSigninLog,
            "{}",
            path.display()
        );
        assert!(
            r.summary.usable(),
            "{}: {:?}",
            path.display(),
            r.summary.error
        );
        seen += 1;
    }
    assert!(seen >= 8);
}

#[test]
fn other_json_is_not_claimed() {
    let root = env!("CARGO_MANIFEST_DIR");
    for file in [
        "tests/fixtures/policies/azure/graph-list.json",
        "tests/fixtures/policies/azure/graph-entity.json",
        "tests/fixtures/policies/azure/az-ad-app-list.json",
        "tests/fixtures/policies/azure/managed-identity-list.json",
        "tests/fixtures/policies/aws/github.json",
        "tests/fixtures/sample-claims.json",
        "tests/fixtures/gcp-audit/gcloud-read-storage-denied.json",
        "scenarios/azure-aadsts70021-subject/jwks.json",
    ] {
        let bytes = std::fs::read(format!("{root}/{file}")).unwrap();
        assert!(!sniff(&bytes), "{file}");
    }
    let cloudtrail = br#"{"Records":[{"eventTime":"2026-02-11T09:34:12Z","eventSource":"sts.amazonaws.com","errorCode":"AccessDenied"}]}"#;
    assert!(!sniff(cloudtrail));
    // Bare AADSTS text is the error-text source's.
    assert!(!sniff(b"Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:a/b:environment:prod'."));
}

#[test]
fn failures_then_a_success_leave_trust_and_role_passed_with_the_failures_listed() {
    let d = run(
        vec![
            Input::pasted("signins.json", fixture("graph-700213-then-success.json")),
            claims_at("2026-02-11T09:34:05Z"),
        ],
        "2026-02-11T09:34:30Z",
        Filters::default(),
    );
    assert_eq!(
        status(&d, Stage::Trust),
        StageStatus::Passed,
        "{:#?}",
        d.stage(Stage::Trust)
    );
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    assert_eq!(status(&d, Stage::Audit), StageStatus::NoEvidence);
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    assert!(
        !ids(&d).contains(&TRUST_AZURE_SUBJECT_MISMATCH.id),
        "{:?}",
        ids(&d)
    );
    let trust = &d.stage(Stage::Trust).evidence;
    let failures: Vec<_> = trust
        .iter()
        .filter(|e| e.outcome == Outcome::Fail)
        .collect();
    assert_eq!(failures.len(), 2, "{trust:#?}");
    for f in &failures {
        assert!(
            f.summary.starts_with("AADSTS700213 for app 'deploy-api'"),
            "{}",
            f.summary
        );
        assert!(f.summary.contains(&format!("presented subject '{SUB}'")));
        assert!(
            f.summary
                .contains("superseded by the successful sign-in at 2026-02-11T09:34:12Z"),
            "{}",
            f.summary
        );
    }
    assert!(
        trust.iter().any(|e| e.outcome == Outcome::Info
            && e.summary.contains("'nightly-backup'")
            && e.summary.contains("secret or certificate")),
        "{trust:#?}"
    );
    let commands: Vec<&str> = d.next_evidence.iter().map(|n| n.command.as_str()).collect();
    assert!(
        commands.iter().any(|c| c.contains(&format!(
            "AADServicePrincipalSignInLogs | where AppId == \"{APP}\""
        )) && c.contains(
            "between (datetime(\"2026-02-11T08:57:04Z\") .. datetime(\"2026-02-11T09:49:12Z\"))"
        )),
        "{commands:#?}"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.starts_with("az rest --method get")
                && c.contains(&format!("appId eq '\\''{APP}'\\''"))),
        "{commands:#?}"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.contains("activity-log") && c.contains(APP)),
        "{commands:#?}"
    );
}

#[test]
fn without_a_token_the_app_with_the_latest_failure_is_followed() {
    let d = diagnose_fixture("graph-700213-then-success.json");
    assert_eq!(status(&d, Stage::Trust), StageStatus::Passed);
    let info: Vec<_> = d
        .stage(Stage::Trust)
        .evidence
        .iter()
        .filter(|e| e.outcome == Outcome::Info)
        .collect();
    assert!(
        info.iter()
            .any(|e| e.summary.contains("followed app 'deploy-api'")
                && e.summary.contains("most recent failure")),
        "{info:#?}"
    );
}

#[test]
fn the_failing_runs_token_sees_its_own_failure() {
    let d = run(
        vec![
            Input::pasted("signins.json", fixture("graph-700213-then-success.json")),
            claims_at("2026-02-11T09:12:00Z"),
        ],
        "2026-02-11T09:12:30Z",
        Filters::default(),
    );
    // Both failures quote the token's subject; the later success is another run's.
    assert_eq!(status(&d, Stage::Trust), StageStatus::Failed);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == TRUST_AZURE_SUBJECT_MISMATCH.id)
        .unwrap();
    assert!(f.cause.contains("AADSTS700213"), "{}", f.cause);
    assert!(f.cause.contains("'deploy-api'"));
    assert!(
        f.cause.contains("1 earlier attempt failed too"),
        "{}",
        f.cause
    );
    assert!(f.fix.contains(&format!("--id {APP}")), "{}", f.fix);
    let trust = &d.stage(Stage::Trust).evidence;
    assert_eq!(
        trust.iter().filter(|e| e.outcome == Outcome::Fail).count(),
        2,
        "{trust:#?}"
    );
    assert!(
        trust.iter().any(|e| e
            .summary
            .starts_with("1 other sign-ins of app 'deploy-api' (")
            && e.summary.contains("another run's")
            && e.summary.contains("the latest at 2026-02-11T09:34:12Z")),
        "{trust:#?}"
    );
}

#[test]
fn role_filter_picks_the_app() {
    let d = run(
        vec![Input::pasted(
            "signins.json",
            fixture("graph-700213-then-success.json"),
        )],
        "2026-02-11T09:34:30Z",
        Filters {
            role: Some("NIGHTLY-BACKUP".into()),
            ..Filters::default()
        },
    );
    assert!(
        d.stage(Stage::Trust)
            .evidence
            .iter()
            .any(|e| e.outcome == Outcome::Pass && e.summary.contains("nightly-backup"))
    );
    assert!(
        d.stage(Stage::Trust)
            .evidence
            .iter()
            .all(|e| e.outcome != Outcome::Fail)
    );
}

#[test]
fn each_export_shape_lands_its_code_on_its_finding() {
    for (file, rule, stage) in [
        (
            "portal-download-70021.json",
            &TRUST_AZURE_NO_MATCHING_CREDENTIAL,
            Stage::Trust,
        ),
        (
            "log-analytics-az-query-700211.json",
            &TRUST_AZURE_ISSUER_MISMATCH,
            Stage::Trust,
        ),
        (
            "log-analytics-api-tables-700212.json",
            &TRUST_AZURE_AUDIENCE_MISMATCH,
            Stage::Trust,
        ),
        (
            "diagnostic-archive-70025.ndjson",
            &TRUST_AZURE_NO_CREDENTIALS,
            Stage::Trust,
        ),
        ("graph-700024-expired.json", &TOKEN_EXPIRED, Stage::Token),
    ] {
        let d = diagnose_fixture(file);
        assert_eq!(d.stopped_at, Some(stage), "{file}: {:#?}", d.stages);
        let f = d.findings.iter().find(|f| f.id == rule.id);
        let f = f.unwrap_or_else(|| panic!("{file}: {:?}", ids(&d)));
        assert_eq!(f.evidence[0].stage, stage, "{file}");
        assert!(
            f.cause.contains("deploy-api") || f.cause.contains("release-pipeline"),
            "{file}: {}",
            f.cause
        );
    }
    let d = diagnose_fixture("portal-download-70021.json");
    let f = &d.findings[0];
    assert!(f.cause.contains("presented issuer 'https://token.actions.githubusercontent.com', presented subject 'repo:acme/api:ref:refs/tags/v2.3.0', presented audience 'api://AzureADTokenExchange'"), "{}", f.cause);
    let d = diagnose_fixture("log-analytics-api-tables-700212.json");
    assert!(
        d.findings[0].evidence[0]
            .locator
            .contains("$.tables[0].rows[0]"),
        "{}",
        d.findings[0].evidence[0].locator
    );
}

#[test]
fn every_catalogued_code_lands_on_its_finding() {
    for (code, rule) in [
        (70021, &TRUST_AZURE_NO_MATCHING_CREDENTIAL),
        (700211, &TRUST_AZURE_ISSUER_MISMATCH),
        (700212, &TRUST_AZURE_AUDIENCE_MISMATCH),
        (700213, &TRUST_AZURE_SUBJECT_MISMATCH),
        (7002138, &TRUST_AZURE_SUBJECT_MISMATCH),
        (7002131, &TRUST_AZURE_EXPRESSION_MISMATCH),
        (70025, &TRUST_AZURE_NO_CREDENTIALS),
        (700016, &TRUST_AZURE_APP_NOT_FOUND),
        (700223, &TRUST_AZURE_FEDERATION_BLOCKED),
        (700238, &TRUST_AZURE_FEDERATION_BLOCKED),
        (70052, &TRUST_AZURE_FEDERATION_BLOCKED),
        (900382, &TRUST_AZURE_FEDERATION_BLOCKED),
        (700024, &TOKEN_EXPIRED),
        (700021, &TRUST_AZURE_NO_MATCHING_CREDENTIAL),
        (700023, &TRUST_AZURE_AUDIENCE_MISMATCH),
        (700027, &TOKEN_SIGNATURE_INVALID),
        (50053, &TRUST_AZURE_NO_MATCHING_CREDENTIAL),
    ] {
        let export = json!([{
            "createdDateTime": "2026-02-11T09:12:04Z", "appId": APP, "appDisplayName": "deploy-api",
            "servicePrincipalId": "7c6d", "signInEventTypes": ["servicePrincipal"],
            "status": {"errorCode": code, "failureReason": "refused"}
        }]);
        let d = run(
            vec![Input::pasted("signins.json", export.to_string())],
            "2026-02-11T09:13:00Z",
            Filters::default(),
        );
        assert_eq!(d.stopped_at, Some(rule.stage), "{code}");
        let f = d
            .findings
            .iter()
            .find(|f| f.id == rule.id)
            .unwrap_or_else(|| panic!("{code}: {:?}", ids(&d)));
        assert!(
            f.cause.contains(&format!("AADSTS{code}")),
            "{code}: {}",
            f.cause
        );
        let closest = f.cause.contains("is the closest");
        assert_eq!(
            closest,
            matches!(code, 70052 | 900382 | 700021 | 700023 | 700027 | 50053),
            "{code}"
        );
    }
}

#[test]
fn an_empty_graph_list_is_a_sign_in_log_that_asks_for_more() {
    let d = diagnose_fixture("graph-empty.json");
    assert_eq!(d.artifacts[0].kind, ArtifactKind::AzureSigninLog);
    assert!(
        d.artifacts[0]
            .note
            .as_deref()
            .unwrap()
            .starts_with("0 sign-ins")
    );
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command.contains("AADServicePrincipalSignInLogs"))
    );
}

#[test]
fn user_sign_ins_are_ignored_and_said_so() {
    let d = diagnose_fixture("graph-doc-example-user.json");
    assert_eq!(d.artifacts[0].kind, ArtifactKind::AzureSigninLog);
    assert!(
        d.artifacts[0]
            .note
            .as_deref()
            .unwrap()
            .contains("1 user sign-ins ignored")
    );
    assert!(d.findings.is_empty(), "{:?}", ids(&d));
}

#[test]
fn share_publishes_the_correlated_attempt_times_once_the_token_is_known() {
    let log = AzureSigninLog::read(fixture("graph-700213-then-success.json").as_slice()).unwrap();
    let mut facts = SharedFacts {
        tokens: Vec::new(),
        claims: Vec::new(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters::default(),
        clock: Clock::fixed(0),
        skew: 60,
    };
    log.share("signins.json", &mut facts);
    assert!(facts.event_times.is_empty());
    let claims = crate::token::Claims::sniff(&claims_at("2026-02-11T09:34:05Z").bytes).unwrap();
    facts.claims.push(("claims.json".into(), claims));
    log.share("signins.json", &mut facts);
    assert_eq!(
        facts.event_times.iter().max(),
        Some(&parse_rfc3339("2026-02-11T09:34:12Z").unwrap())
    );
    assert!(
        !facts
            .event_times
            .contains(&parse_rfc3339("2026-02-11T09:00:03Z").unwrap())
    );
}

#[test]
fn broken_inputs_are_clear_errors_or_partial_evidence() {
    assert!(!sniff(b""));
    assert!(!sniff(&[0xff, 0xfe, 0x00, 0x9f]));
    let full = fixture("graph-700213-then-success.json");
    let text = String::from_utf8(full.clone()).unwrap();
    let cut = text.find("\"4f8b1d9c").unwrap();
    let log = AzureSigninLog::read(&full[..cut]).unwrap();
    assert_eq!(log.signins.len(), 2);
    assert!(log.note().unwrap().contains("cut off"), "{:?}", log.note());
    let err = AzureSigninLog::read(&full[..200]).unwrap_err().to_string();
    assert!(err.contains("cut off"), "{err}");
    let mut bad = br#"[{"createdDateTime":"2026-02-11T09:12:04Z","appId":"x","status":{"errorCode":0},"appDisplayName":""#.to_vec();
    bad.extend_from_slice(&[0xc3, 0x28]);
    bad.extend_from_slice(b"\"}]");
    let err = AzureSigninLog::read(bad.as_slice())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("$[0] (line 1): not valid JSON"), "{err}");
    let r = recognise(&Input::pasted("bad.json", bad), &sources());
    assert_eq!(r.summary.kind, ArtifactKind::AzureSigninLog);
    assert!(r.summary.error.is_some());
}

/// `[{sign-in with a huge field}, {valid sign-in}]`, generated on the fly.
struct HugeLine {
    parts: [Vec<u8>; 2],
    filler: u64,
    at: u64,
}

impl Read for HugeLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let head = self.parts[0].len() as u64;
        let n = if self.at < head {
            let from = self.at as usize;
            let n = buf.len().min(self.parts[0].len() - from);
            buf[..n].copy_from_slice(&self.parts[0][from..from + n]);
            n
        } else if self.at < head + self.filler {
            let n = (buf.len() as u64).min(head + self.filler - self.at) as usize;
            buf[..n].fill(b'A');
            n
        } else {
            let from = (self.at - head - self.filler) as usize;
            let n = buf.len().min(self.parts[1].len().saturating_sub(from));
            buf[..n].copy_from_slice(&self.parts[1][from..from + n]);
            n
        };
        self.at += n as u64;
        Ok(n)
    }
}

#[test]
fn a_two_gigabyte_single_line_is_skipped_in_constant_memory() {
    let reader = HugeLine {
        parts: [
            format!(r#"[{{"createdDateTime":"2026-02-11T09:12:04Z","appId":"{APP}","status":{{"errorCode":0}},"x":""#).into_bytes(),
            format!(r#""}},{{"createdDateTime":"2026-02-11T09:12:05Z","appId":"{APP}","servicePrincipalId":"7c6d","status":{{"errorCode":700213}}}}]"#).into_bytes(),
        ],
        filler: 2 << 30,
        at: 0,
    };
    let log = AzureSigninLog::read(reader).unwrap();
    assert_eq!(log.signins.len(), 1);
    assert_eq!(log.signins[0].error_code, Some(700213));
    assert!(
        log.note()
            .unwrap()
            .contains("1 records too large to be sign-ins skipped")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = sniff(&bytes);
        if let Ok(log) = AzureSigninLog::read(bytes.as_slice()) {
            let _ = log.note();
        }
    }

    #[test]
    fn damaged_fixtures_never_panic(
        cut in 0usize..6000,
        flips in proptest::collection::vec((0usize..6000, any::<u8>()), 0..8),
    ) {
        let mut bytes = fixture("graph-700213-then-success.json");
        for (at, b) in flips {
            if at < bytes.len() {
                bytes[at] = b;
            }
        }
        bytes.truncate(cut);
        let d = run(
            vec![Input::pasted("signins.json", bytes), claims_at("2026-02-11T09:34:05Z")],
            "2026-02-11T09:34:30Z",
            Filters::default(),
        );
        prop_assert_eq!(d.stages.len(), 5);
    }
}
