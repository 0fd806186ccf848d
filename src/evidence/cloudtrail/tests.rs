//! The CloudTrail source end to end: each fixture (tests/fixtures/cloudtrail, see its
//! README for where each shape comes from) through the engine, checking the stage
//! every recognised message lands on and the finding that names it; narrowing by
//! token, filters and most recent failure; the diagnosis clock; damaged, huge and
//! hostile inputs.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::clock::{Clock, ClockSource, parse_rfc3339};
use crate::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use crate::evidence::Filters;
use crate::vocabulary::{Outcome, Severity, Stage, StageStatus};

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cloudtrail")
        .join(name)
}

fn fixture(name: &str) -> Input {
    let mut input = Input::from_path(&fixture_path(name)).unwrap();
    input.name = name.to_owned();
    input
}

fn run(inputs: &[Input], now: Option<&str>, filters: Filters) -> Diagnosis {
    let options = DiagnoseOptions {
        now: now.map(|n| parse_rfc3339(n).unwrap()),
        filters,
        ..DiagnoseOptions::default()
    };
    let wall = Clock {
        now: parse_rfc3339("2026-03-02T12:00:00Z").unwrap(),
        source: ClockSource::WallClock,
    };
    diagnose(inputs, &options, || wall)
}

const NOW: Option<&str> = Some("2026-03-02T10:20:00Z");

fn ids(d: &Diagnosis) -> Vec<&'static str> {
    d.findings.iter().map(|f| f.id).collect()
}

fn finding<'d>(d: &'d Diagnosis, id: &str) -> &'d crate::vocabulary::Finding {
    d.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(d)))
}

fn status(d: &Diagnosis, stage: Stage) -> StageStatus {
    d.stage(stage).status
}

fn note(d: &Diagnosis) -> &str {
    d.artifacts[0].note.as_deref().unwrap_or("")
}

fn claims(sub: &str, iat: &str) -> Input {
    let iat = parse_rfc3339(iat).unwrap();
    let body = json!({
        "iss": "https://token.actions.githubusercontent.com", "sub": sub, "aud": "sts.amazonaws.com",
        "iat": iat, "nbf": iat - 600, "exp": iat + 300, "repository": "acme/payments-api", "event_name": "push",
    });
    Input::pasted("claims.json", serde_json::to_vec(&body).unwrap())
}

#[test]
fn the_iam_guide_sample_passes_trust_and_role() {
    let d = run(
        &[fixture("iam-guide-web-identity-event.json")],
        NOW,
        Filters::default(),
    );
    assert_eq!(d.artifacts[0].kind, ArtifactKind::Cloudtrail);
    assert_eq!(status(&d, Stage::Trust), StageStatus::Passed);
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    let role = d.stage(Stage::Role);
    assert!(
        role.evidence
            .iter()
            .any(|e| e.outcome == Outcome::Pass && e.time == Some(1_458_697_191)),
        "{role:?}"
    );
    // No call by the session in a one-event export.
    assert_eq!(status(&d, Stage::Audit), StageStatus::NoEvidence);
    assert_eq!(
        finding(&d, "audit.aws.no-session-activity").severity,
        Severity::Warning
    );
}

#[test]
fn a_deploy_denied_to_the_assumed_role_fails_the_audit_stage() {
    let d = run(
        &[fixture("s3-delivery-deploy-denied.json")],
        NOW,
        Filters::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    assert_eq!(status(&d, Stage::Audit), StageStatus::Failed);
    let f = finding(&d, "audit.aws.access-denied");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.cause.contains("cloudformation.amazonaws.com:UpdateStack"),
        "{}",
        f.cause
    );
    assert!(
        f.cause.contains("no identity-based policy allows"),
        "{}",
        f.cause
    );
    assert!(f.fix.contains("permissions policy"), "{}", f.fix);
    assert_eq!(f.evidence[0].outcome, Outcome::Fail);
    assert_eq!(
        f.evidence[0].locator,
        "$.Records[6] (eventID 9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a)"
    );
    // Narrowed to the path with the most recent failure; the other is in the note.
    assert!(
        !ids(&d).contains(&"trust.aws.not-authorized"),
        "{:?}",
        ids(&d)
    );
    assert!(note(&d).contains("gha-deploy-web ← repo:acme/web:ref:refs/heads/main: 1 attempt(s), 1 failed (AccessDenied×1)"), "{}", note(&d));
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command == "aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::111122223333:role/gha-deploy --action-names cloudformation:UpdateStack"),
        "{:?}",
        d.next_evidence
    );
}

/// A call by the session after its credentials expired is not an access denial: it is
/// `audit.aws.session-expired`, with how long after the assumption it came.
#[test]
fn a_call_after_the_session_expired_is_session_expired_not_access_denied() {
    let mut export: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture_path("s3-delivery-deploy-denied.json")).unwrap(),
    )
    .unwrap();
    let call = &mut export["Records"][6];
    call["eventTime"] = json!("2026-03-02T11:20:07Z");
    call["errorCode"] = json!("ExpiredToken");
    call["errorMessage"] = json!("The security token included in the request is expired");
    let input = Input::pasted("cloudtrail.json", serde_json::to_vec(&export).unwrap());
    let d = run(&[input], Some("2026-03-02T11:25:00Z"), Filters::default());
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    let f = finding(&d, "audit.aws.session-expired");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.cause.contains("1h 05m 36s after the role was assumed"),
        "{}",
        f.cause
    );
    assert!(f.fix.contains("role-duration-seconds"), "{}", f.fix);
    assert!(
        f.evidence[0].summary.contains("session expired"),
        "{}",
        f.evidence[0].summary
    );
    assert!(
        !ids(&d).contains(&"audit.aws.access-denied"),
        "{:?}",
        ids(&d)
    );
    // No policy simulation for an expiry: nothing was denied.
    assert!(
        !d.next_evidence
            .iter()
            .any(|n| n.command.contains("simulate-principal-policy")),
        "{:?}",
        d.next_evidence
    );
}

#[test]
fn api_versions_are_cut_from_event_names() {
    assert_eq!(
        verdict::without_api_version("UpdateFunctionCode20150331v2"),
        "UpdateFunctionCode"
    );
    assert_eq!(verdict::without_api_version("Invoke20150331"), "Invoke");
    assert_eq!(verdict::without_api_version("GetObject"), "GetObject");
    assert_eq!(verdict::without_api_version("ListDev"), "ListDev");
    assert_eq!(verdict::without_api_version("20150331"), "20150331");
}

#[test]
fn an_s3_sync_tree_is_walked_and_digest_files_are_skipped() {
    let mut input = Input::from_path(&fixture_path("s3-sync-tree")).unwrap();
    input.name = "s3-sync-tree".to_owned();
    let d = run(&[input], NOW, Filters::default());
    assert_eq!(
        d.artifacts[0].kind,
        ArtifactKind::Cloudtrail,
        "{:?}",
        d.artifacts[0]
    );
    assert!(
        note(&d).contains("gzip, 2 file(s) (1 other file(s) skipped: not CloudTrail logs)"),
        "{}",
        note(&d)
    );
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    let f = finding(&d, "audit.aws.access-denied");
    assert!(
        f.evidence[0].locator.starts_with("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/02/111122223333_CloudTrail_us-east-1_20260302T1020Z"),
        "{}",
        f.evidence[0].locator
    );
}

#[test]
fn a_gzip_file_is_recognised_by_its_magic_bytes_not_its_name() {
    let gz = std::fs::read(fixture_path(
        "s3-sync-tree/AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/02/111122223333_CloudTrail_us-east-1_20260302T1015Z_Xq3T0pGvD2nZkY8a.json.gz",
    ))
    .unwrap();
    let d = run(
        &[Input::pasted("download.txt", gz)],
        NOW,
        Filters::default(),
    );
    assert_eq!(d.artifacts[0].kind, ArtifactKind::Cloudtrail);
    assert!(note(&d).contains("gzip"), "{}", note(&d));
    // This file holds the web repository's refusal (the most recent failure in it).
    assert_eq!(d.stopped_at, Some(Stage::Trust));
}

#[test]
fn a_refused_trust_policy_fails_the_trust_stage() {
    let d = run(
        &[fixture("lines-trust-refused.jsonl")],
        NOW,
        Filters::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    let f = finding(&d, "trust.aws.not-authorized");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.cause
            .contains("repo:acme/payments-api:environment:production"),
        "{}",
        f.cause
    );
    assert_eq!(
        f.evidence[0].locator,
        "line 5 (eventID 6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c92)"
    );
    let fails = d
        .stage(Stage::Trust)
        .evidence
        .iter()
        .filter(|e| e.outcome == Outcome::Fail)
        .count();
    assert_eq!(fails, 3);
}

#[test]
fn lookup_events_output_with_no_openid_connect_provider() {
    let d = run(
        &[fixture("lookup-events-provider-not-found.json")],
        NOW,
        Filters::default(),
    );
    assert!(note(&d).contains("lookup-events output"), "{}", note(&d));
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    let f = finding(&d, "trust.aws.provider-not-found");
    assert_eq!(
        f.evidence[0].locator,
        "$.Events[0] (eventID c0d1e2f3-a4b5-4c6d-8e7f-90a1b2c3d4e5)"
    );
}

#[test]
fn lake_eventjson_rows_with_an_expired_token_fail_the_token_stage() {
    let d = run(
        &[fixture("lake-eventjson-expired-token.json")],
        Some("2026-03-02T10:40:00Z"),
        Filters::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Token));
    let f = finding(&d, "token.expired");
    assert_eq!(f.stage, Stage::Token);
    assert_eq!(
        f.evidence[0].locator,
        "$.QueryResultRows[0] (eventID e2f3a4b5-c6d7-4e8f-90a1-b2c3d4e5f6a7)"
    );
}

#[test]
fn lake_column_rows_with_a_duration_error_fail_the_role_stage() {
    let d = run(
        &[fixture("lake-columns-max-session-duration.json")],
        NOW,
        Filters::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Role));
    let f = finding(&d, "role.aws.max-session-duration");
    assert!(f.fix.contains("--max-session-duration"), "{}", f.fix);
    // The earlier success is superseded by the later failure.
    let role = d.stage(Stage::Role);
    assert!(
        role.evidence
            .iter()
            .any(|e| e.outcome == Outcome::Info && e.summary.starts_with("superseded")),
        "{role:?}"
    );
}

#[test]
fn athena_csv_with_an_unauthorized_ec2_call() {
    let d = run(&[fixture("athena-results.csv")], NOW, Filters::default());
    assert!(
        note(&d).contains("Athena query results (CSV)"),
        "{}",
        note(&d)
    );
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    let f = finding(&d, "audit.aws.access-denied");
    assert!(
        f.cause.contains("ec2.amazonaws.com:RunInstances"),
        "{}",
        f.cause
    );
    assert_eq!(
        f.evidence[0].locator,
        "line 4 (eventID c6d7e8f9-0a1b-4c2d-93e4-f5a6b7c8d9e0)"
    );
}

#[test]
fn every_sts_error_lands_on_its_stage() {
    let cases = [
        ("gha-keys", Stage::Trust, Some("trust.aws.keys-unreachable")),
        (
            "gha-jwt",
            Stage::Trust,
            Some("trust.aws.invalid-identity-token"),
        ),
        ("gha-aud", Stage::Trust, Some("trust.aws.audience-mismatch")),
        (
            "gha-claim",
            Stage::Trust,
            Some("trust.aws.invalid-identity-token"),
        ),
        ("gha-comm", Stage::Trust, Some("trust.aws.keys-unreachable")),
        ("gha-region", Stage::Role, None),
        ("gha-packed", Stage::Role, None),
    ];
    for (role, stage, id) in cases {
        let filters = Filters {
            role: Some(role.to_owned()),
            ..Filters::default()
        };
        let d = run(&[fixture("lines-assorted-sts-errors.jsonl")], NOW, filters);
        assert_eq!(d.stopped_at, Some(stage), "{role}");
        assert_eq!(status(&d, stage), StageStatus::Failed, "{role}");
        let errors: Vec<&str> = d
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.id)
            .collect();
        match id {
            Some(id) => assert_eq!(errors, vec![id], "{role}"),
            None => assert!(errors.is_empty(), "{role}: {errors:?}"),
        }
    }
}

#[test]
fn a_truncated_download_keeps_the_events_before_the_cut() {
    let filters = Filters {
        subject: Some("repo:acme/payments-api:ref:refs/heads/main".to_owned()),
        ..Filters::default()
    };
    let d = run(&[fixture("s3-delivery-truncated.json")], NOW, filters);
    assert_eq!(d.artifacts[0].kind, ArtifactKind::Cloudtrail);
    assert!(d.artifacts[0].error.is_none());
    assert!(
        note(&d).contains("ends inside the event that starts at byte"),
        "{}",
        note(&d)
    );
    assert!(
        note(&d).contains("events read before it are kept"),
        "{}",
        note(&d)
    );
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
}

#[test]
fn an_assumed_role_that_made_no_calls_is_a_warning_at_the_audit_stage() {
    let d = run(
        &[fixture("s3-delivery-no-session-activity.json")],
        NOW,
        Filters::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    assert_eq!(status(&d, Stage::Audit), StageStatus::NoEvidence);
    let f = finding(&d, "audit.aws.no-session-activity");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command.starts_with("aws cloudtrail get-event-selectors"))
    );
    assert!(d.next_evidence.iter().any(|n| {
        n.command
            .contains("AttributeKey=Username,AttributeValue=GitHubActions")
    }));
}

#[test]
fn a_token_narrows_the_export_to_its_own_path() {
    let export = fixture("s3-delivery-deploy-denied.json");
    // The web repository's token: its refused attempt at 10:02.
    // (No --now: the clock is the exchange the token was used for.)
    let d = run(
        &[
            claims("repo:acme/web:ref:refs/heads/main", "2026-03-02T10:01:50Z"),
            export.clone(),
        ],
        None,
        Filters::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Trust));
    assert!(ids(&d).contains(&"trust.aws.not-authorized"));
    assert!(!ids(&d).contains(&"audit.aws.access-denied"));
    // The payments token: the assumption at 10:14:31 and the denied deploy.
    let d = run(
        &[
            claims(
                "repo:acme/payments-api:ref:refs/heads/main",
                "2026-03-02T10:14:20Z",
            ),
            export.clone(),
        ],
        None,
        Filters::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    assert!(d.stage(Stage::Role).evidence.iter().any(|e| {
        e.summary
            .contains("by the sub/aud and lifetime of the token in claims.json")
    }));
    // A token from another day matches nothing: said so, and what to fetch.
    let d = run(
        &[
            export,
            claims(
                "repo:acme/payments-api:ref:refs/heads/main",
                "2026-03-01T08:00:00Z",
            ),
        ],
        NOW,
        Filters::default(),
    );
    let info = d
        .stage(Stage::Role)
        .evidence
        .iter()
        .find(|e| {
            e.summary
                .starts_with("no AssumeRoleWithWebIdentity for sub")
        })
        .unwrap();
    assert!(
        info.summary.contains("are not recorded in CloudTrail"),
        "{}",
        info.summary
    );
    assert!(
        info.summary.contains("the latest at 2026-03-02T10:14:31Z"),
        "{}",
        info.summary
    );
    assert!(
        d.next_evidence
            .iter()
            .any(|n| n.command.contains("--start-time 2026-03-01T07:59:00Z")),
        "{:?}",
        d.next_evidence
    );
}

#[test]
fn filters_narrow_when_no_token_is_given() {
    let filters = Filters {
        subject: Some("repo:acme/web:ref:refs/heads/main".to_owned()),
        ..Filters::default()
    };
    let d = run(&[fixture("s3-delivery-deploy-denied.json")], NOW, filters);
    assert_eq!(d.stopped_at, Some(Stage::Trust));
}

#[test]
fn the_correlated_exchange_sets_the_diagnosis_clock() {
    // The exchange the token was used for is the clock, whatever the input order.
    let inputs = [
        fixture("s3-delivery-deploy-denied.json"),
        claims(
            "repo:acme/payments-api:ref:refs/heads/main",
            "2026-03-02T10:14:20Z",
        ),
    ];
    let d = run(&inputs, None, Filters::default());
    assert_eq!(d.clock.source, ClockSource::Event);
    assert_eq!(d.clock.now, parse_rfc3339("2026-03-02T10:14:31Z").unwrap());
    assert!(!ids(&d).contains(&"token.expired"));
    // Without a token: the path with the most recent failure.
    let d = run(
        &[fixture("s3-delivery-deploy-denied.json")],
        None,
        Filters::default(),
    );
    assert_eq!(d.clock.source, ClockSource::Event);
    assert_eq!(d.clock.now, parse_rfc3339("2026-03-02T10:14:31Z").unwrap());
    // Nothing CloudTrail can tie to the token: the clock is not CloudTrail's.
    let inputs = [
        fixture("s3-delivery-deploy-denied.json"),
        claims(
            "repo:acme/other:ref:refs/heads/main",
            "2026-03-02T10:14:20Z",
        ),
    ];
    let d = run(&inputs, None, Filters::default());
    assert_eq!(d.clock.source, ClockSource::WallClock);
}

#[test]
fn retries_that_fail_then_succeed_leave_trust_passed() {
    let lines = std::fs::read_to_string(fixture_path("lines-trust-refused.jsonl")).unwrap();
    let refused: Vec<&str> = lines
        .lines()
        .filter(|l| l.contains("AssumeRoleWithWebIdentity"))
        .collect();
    let success = refused[0]
        .replace("\"errorCode\":\"AccessDenied\",\"errorMessage\":\"Not authorized to perform sts:AssumeRoleWithWebIdentity\",", "")
        .replace("10:14:20Z", "10:15:02Z");
    let text = format!("{}\n{}\n{success}\n", refused[0], refused[1]);
    let d = run(
        &[Input::pasted("retry.jsonl", text)],
        NOW,
        Filters::default(),
    );
    assert_eq!(status(&d, Stage::Trust), StageStatus::Passed);
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    let f = finding(&d, "trust.aws.not-authorized");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.cause
            .contains("a later attempt at 2026-03-02T10:15:02Z succeeded"),
        "{}",
        f.cause
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn a_corrupt_gzip_is_a_clear_error_with_its_offset() {
    // Broken from the start: nothing to keep, the artifact carries the error.
    let mut broken = gzip(&std::fs::read(fixture_path("s3-delivery-deploy-denied.json")).unwrap());
    for b in &mut broken[10..] {
        *b = !*b;
    }
    let d = run(
        &[Input::pasted("broken.json.gz", broken)],
        NOW,
        Filters::default(),
    );
    let error = d.artifacts[0].error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("corrupt gzip stream at compressed byte"),
        "{error}"
    );
    // Broken in the middle: the events before it are kept.
    let mut text = String::from("{\"Records\":[");
    let event = std::fs::read_to_string(fixture_path("iam-guide-web-identity-event.json")).unwrap();
    let event: serde_json::Value = serde_json::from_str(&event).unwrap();
    for i in 0..2000 {
        if i > 0 {
            text.push(',');
        }
        let mut e = event.clone();
        e["eventID"] = json!(format!("event-{i}"));
        text.push_str(&serde_json::to_string(&e).unwrap());
    }
    text.push_str("]}");
    let mut damaged = gzip(text.as_bytes());
    let middle = damaged.len() / 2;
    damaged[middle..middle + 32].fill(0);
    let export = ingest_reader(&mut &damaged[..]);
    assert!(
        export.events > 0 && export.events < 2000,
        "{}",
        export.events
    );
    assert!(
        export.damage[0]
            .to_string()
            .starts_with("corrupt gzip stream at compressed byte"),
        "{:?}",
        export.damage
    );
    let d = run(
        &[Input::pasted("damaged.json.gz", damaged)],
        NOW,
        Filters::default(),
    );
    assert!(
        note(&d).contains("corrupt gzip stream at compressed byte"),
        "{}",
        note(&d)
    );
}

#[test]
fn other_inputs_are_not_claimed() {
    for bytes in [
        &b""[..],
        b"\x00\x01\x02\xff\xfe binary",
        b"\xff\xfe{\"Records\":[]}",
        br#"{"keys":[{"kty":"RSA"}]}"#,
        br#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{}}]}"#,
        b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
        b"2026-03-02T10:14:31.000Z ##[error]Could not assume role with OIDC",
    ] {
        assert!(matches!(CloudTrailSource.recognise(&Input::pasted("x", bytes.to_vec())), Recognition::NotMine), "{bytes:?}");
    }
}

#[test]
fn invalid_utf8_inside_an_event_is_reported_not_fatal() {
    let mut text = std::fs::read(fixture_path("lines-trust-refused.jsonl")).unwrap();
    let at = memchr::memmem::find(&text, b"Not authorized").unwrap();
    text[at] = 0xff;
    let export = ingest_reader(&mut &text[..]);
    assert_eq!(export.events, 5);
    assert_eq!(
        export.attempts_seen, 2,
        "the damaged event is reported, the others read"
    );
    assert!(
        export.damage[0].to_string().contains("line 2"),
        "{}",
        export.damage[0]
    );
}

/// `{"Records":[` then events, all on one line, to `len` bytes, never in memory whole.
struct OneLine {
    left: u64,
    event: Vec<u8>,
    pos: usize,
    started: bool,
}

impl Read for OneLine {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.started {
            self.started = true;
            out[..12].copy_from_slice(b"{\"Records\":[");
            return Ok(12);
        }
        let mut n = 0;
        while n < out.len() && self.left > 0 {
            if self.pos == self.event.len() {
                self.pos = 0;
            }
            let take = (self.event.len() - self.pos)
                .min(out.len() - n)
                .min(self.left as usize);
            out[n..n + take].copy_from_slice(&self.event[self.pos..self.pos + take]);
            self.pos += take;
            n += take;
            self.left -= take as u64;
        }
        Ok(n)
    }
}

/// 2 GiB through the scanner takes minutes unoptimised: run it with
/// `cargo test --release -- --include-ignored two_gigabyte`. The smaller test below
/// runs always.
#[test]
#[cfg_attr(debug_assertions, ignore = "2 GiB: run with --release")]
fn a_two_gigabyte_single_line_is_streamed() {
    single_line(2 << 30);
}

/// Larger than the size above which inputs are streamed rather than read whole.
#[test]
fn a_single_line_larger_than_the_stream_threshold_is_streamed() {
    single_line(crate::evidence::STREAM_THRESHOLD + (8 << 20));
}

fn single_line(len: u64) {
    let mut event = std::fs::read(fixture_path("s3-delivery-deploy-denied.json")).unwrap();
    // One event of the fixture, repeated: the unrelated instance-role call.
    let start = 12;
    let end = memchr::memmem::find(&event, b"},{\"eventVersion\"").unwrap() + 1;
    event = event[start..end].to_vec();
    event.push(b',');
    let mut reader = OneLine {
        left: len - len % event.len() as u64,
        event: event.clone(),
        pos: 0,
        started: false,
    };
    let export = ingest_reader(&mut reader);
    assert_eq!(export.events, (len / event.len() as u64));
    assert_eq!(export.bytes, 12 + len - len % event.len() as u64);
    // Cut mid-array: said so, and every event before kept.
    assert!(
        matches!(
            export.damage.first(),
            Some(CloudTrailError::Unclosed { .. })
        ),
        "{:?}",
        export.damage
    );
    assert!(export.keys.len() == 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the bytes, recognising them neither panics nor hangs.
    #[test]
    fn recognition_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        let _ = CloudTrailSource.recognise(&Input::pasted("x", bytes));
    }

    /// Fixtures with bytes changed, cut or spliced still give a result, never a panic,
    /// and the diagnosis of what was read runs.
    #[test]
    fn damaged_fixtures_never_panic(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let names = [
            "s3-delivery-deploy-denied.json", "lines-trust-refused.jsonl", "lookup-events-provider-not-found.json",
            "lake-columns-max-session-duration.json", "athena-results.csv", "s3-delivery-no-session-activity.json",
        ];
        let mut bytes = std::fs::read(fixture_path(names[which])).unwrap();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let _ = run(&[Input::pasted(names[which], bytes)], NOW, Filters::default());
    }
}
