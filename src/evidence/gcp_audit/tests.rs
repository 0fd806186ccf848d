//! The GCP audit log source against the fixtures in tests/fixtures/gcp-audit/ (see its
//! README for where each shape comes from): every recognised message lands on its stage
//! with its finding, the path is narrowed to the token, damaged exports keep what was
//! read before the damage, and nothing panics.

use std::io::Read;

use proptest::prelude::*;

use super::*;
use crate::clock::{Clock, parse_rfc3339};
use crate::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use crate::evidence::{Input, recognise, sources};
use crate::vocabulary::StageStatus;

const SUB: &str = "repo:acme/payments:ref:refs/heads/main";
const SA: &str = "deployer@acme-payments-prod.iam.gserviceaccount.com";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/gcp-audit/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The claims of the run that made the 14:03:01 exchange (GitHub's lifetimes: nbf =
/// iat − 600 s, exp = iat + 300 s).
fn claims(sub: &str) -> Input {
    let iat = parse_rfc3339("2026-05-12T14:02:58Z").unwrap();
    let text = serde_json::json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": sub,
        "aud": "https://iam.googleapis.com/projects/412345678901/locations/global/workloadIdentityPools/github/providers/github-actions",
        "repository": "acme/payments",
        "ref": "refs/heads/main",
        "event_name": "push",
        "run_id": "15234876120",
        "nbf": iat - 600,
        "iat": iat,
        "exp": iat + 300,
    });
    Input::pasted("claims.json", text.to_string())
}

/// The incident's clock: while the 14:02:58 token is valid.
fn run(inputs: Vec<Input>, options: DiagnoseOptions) -> Diagnosis {
    let now = parse_rfc3339("2026-05-12T14:03:30Z").unwrap();
    diagnose(
        &inputs,
        &DiagnoseOptions {
            now: Some(now),
            ..options
        },
        || Clock::fixed(now),
    )
}

fn diagnose_fixture(name: &str, with_claims: bool) -> Diagnosis {
    let mut inputs = vec![Input::pasted(name, fixture(name))];
    if with_claims {
        inputs.push(claims(SUB));
    }
    run(inputs, DiagnoseOptions::default())
}

fn facts_with(claims_of: Option<&str>) -> SharedFacts {
    SharedFacts {
        tokens: Vec::new(),
        claims: claims_of
            .map(|sub| {
                let c = crate::token::Claims::sniff(&claims(sub).bytes).unwrap();
                vec![("claims.json".to_owned(), c)]
            })
            .unwrap_or_default(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters::default(),
        clock: Clock::fixed(parse_rfc3339("2026-05-12T14:03:30Z").unwrap()),
        skew: 60,
    }
}

/// What this source alone observes (for shapes another source's broken-JSON markers
/// claim first in the full registry: see `registry_order_*` below).
fn observe(name: &str, claims_of: Option<&str>) -> Observations {
    let log = GcpAuditLog::read(fixture(name).as_slice()).unwrap();
    let mut out = Observations::default();
    log.contribute(name, &facts_with(claims_of), &mut out);
    out
}

fn ids(d: &Diagnosis) -> Vec<&'static str> {
    d.findings.iter().map(|f| f.id).collect()
}

fn status(d: &Diagnosis, stage: Stage) -> StageStatus {
    d.stage(stage).status
}

#[test]
fn every_fixture_is_recognised_as_a_gcp_audit_log() {
    let dir = format!("{}/tests/fixtures/gcp-audit", env!("CARGO_MANIFEST_DIR"));
    let sources = sources();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if name.ends_with(".md") {
            continue;
        }
        let input = Input::from_path(&path).unwrap();
        let r = recognise(&input, &sources);
        assert_eq!(
            r.summary.kind,
            ArtifactKind::GcpAuditLog,
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
    assert!(seen >= 14);
}

#[test]
fn other_json_is_not_claimed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cloudtrail = br#"{"Records":[{"eventVersion":"1.08","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity","eventTime":"2026-05-12T14:03:01Z","userIdentity":{"type":"WebIdentityUser"}}]}"#;
    assert!(!sniff(cloudtrail));
    for file in [
        "tests/fixtures/policies/aws/github.json",
        "tests/fixtures/policies/azure/graph-list.json",
        "tests/fixtures/policies/gcp/provider-describe.json",
        "tests/fixtures/policies/gcp/iam-policy.json",
        "tests/fixtures/sample-claims.json",
        "tests/fixtures/azure-signin/graph-700213-then-success.json",
        "scenarios/gcp-attribute-condition-rejects/jwks.json",
    ] {
        let bytes = std::fs::read(format!("{root}/{file}")).unwrap();
        assert!(!sniff(&bytes), "{file}");
    }
    // A Logs Explorer download of application logs is not an audit log.
    let app_logs = br#"[{"insertId":"a","logName":"projects/p/logs/run.googleapis.com%2Fstdout","textPayload":"hi","protoPayload":null}]"#;
    assert!(!sniff(app_logs));
}

#[test]
fn exchange_ok_then_impersonation_denied_fails_the_role_stage() {
    let d = diagnose_fixture("gcloud-read-impersonation-denied.json", true);
    assert_eq!(d.stopped_at, Some(Stage::Role), "{:#?}", d.stages);
    assert_eq!(status(&d, Stage::Trust), StageStatus::Passed);
    assert_eq!(status(&d, Stage::Role), StageStatus::Failed);
    assert_eq!(status(&d, Stage::Audit), StageStatus::NotReached);
    let f = d
        .findings
        .iter()
        .find(|f| f.id == ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER.id)
        .expect("the role finding");
    assert!(f.cause.contains(SA), "{}", f.cause);
    assert!(f.cause.contains(&format!("subject/{SUB}")), "{}", f.cause);
    assert!(f.fix.contains("roles/iam.workloadIdentityUser"));
    assert!(f.fix.contains(&format!("--member=principal://iam.googleapis.com/projects/412345678901/locations/global/workloadIdentityPools/github/subject/{SUB}")), "{}", f.fix);
    assert_eq!(f.evidence[0].outcome, Outcome::Fail);
    assert!(
        f.evidence[0].locator.starts_with("$[0] (line 2)"),
        "{}",
        f.evidence[0].locator
    );
    // The proof is the listed item itself, placed once.
    let role = &d.stage(Stage::Role).evidence;
    assert_eq!(
        role.iter().filter(|e| e.outcome == Outcome::Fail).count(),
        1,
        "{role:#?}"
    );
    // The legacy repository's exchange and impersonation are another path.
    assert!(
        role.iter().all(|e| !e.summary.contains("payments-legacy")),
        "{role:#?}"
    );
    let trust = &d.stage(Stage::Trust).evidence;
    assert!(
        trust
            .iter()
            .any(|e| e.outcome == Outcome::Info && e.summary.contains("payments-legacy")),
        "{trust:#?}"
    );
    // Next evidence: the filled-in STS query and the service account's IAM policy.
    let commands: Vec<&str> = d.next_evidence.iter().map(|n| n.command.as_str()).collect();
    assert!(
        commands.iter().any(|c| c.contains(&format!(
            "protoPayload.authenticationInfo.principalSubject=\"{SUB}\""
        )) && c.contains("timestamp>=\"2026-05-12T13:53:01Z\"")
            && c.contains("--project=acme-payments-prod")),
        "{commands:#?}"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.contains("get-iam-policy") && c.contains(SA)),
        "{commands:#?}"
    );
}

#[test]
fn without_a_token_the_most_recent_path_is_followed() {
    let d = diagnose_fixture("gcloud-read-impersonation-denied.json", false);
    assert_eq!(status(&d, Stage::Role), StageStatus::Failed);
    assert!(ids(&d).contains(&ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER.id));
}

#[test]
fn the_token_of_the_older_run_follows_the_older_path() {
    let inputs = vec![
        Input::pasted("log.json", fixture("gcloud-read-impersonation-denied.json")),
        claims("repo:acme/payments-legacy:ref:refs/heads/main"),
    ];
    let d = run(inputs, DiagnoseOptions::default());
    assert_eq!(status(&d, Stage::Trust), StageStatus::Passed);
    assert_eq!(
        status(&d, Stage::Role),
        StageStatus::Passed,
        "{:#?}",
        d.stages
    );
    assert!(!ids(&d).contains(&ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER.id));
}

#[test]
fn a_denied_deploy_call_fails_the_audit_stage_quoting_method_and_permission() {
    let d = diagnose_fixture("gcloud-read-storage-denied.json", true);
    assert_eq!(status(&d, Stage::Trust), StageStatus::Passed);
    assert_eq!(status(&d, Stage::Role), StageStatus::Passed);
    assert_eq!(status(&d, Stage::Audit), StageStatus::Failed);
    assert_eq!(d.stopped_at, Some(Stage::Audit));
    let f = d
        .findings
        .iter()
        .find(|f| f.id == AUDIT_GCP_PERMISSION_DENIED.id)
        .unwrap();
    assert!(f.cause.contains("storage.objects.create"), "{}", f.cause);
    assert!(f.cause.contains(SA), "{}", f.cause);
    assert!(f.fix.contains(&format!("serviceAccount:{SA}")), "{}", f.fix);
    let audit = &d.stage(Stage::Audit).evidence;
    assert!(
        audit
            .iter()
            .any(|e| e.outcome == Outcome::Pass && e.summary.contains("storage.buckets.get"))
    );
    assert_eq!(
        audit.iter().filter(|e| e.outcome == Outcome::Fail).count(),
        1,
        "{audit:#?}"
    );
}

#[test]
fn a_later_success_of_another_method_does_not_hide_a_denial() {
    let mut entries: Vec<Value> =
        serde_json::from_slice(&fixture("gcloud-read-storage-denied.json")).unwrap();
    // buckets.get now comes after the denied objects.create.
    entries[1]["timestamp"] = Value::from("2026-05-12T14:03:30Z");
    let text = serde_json::to_vec(&entries).unwrap();
    let d = run(
        vec![Input::pasted("log.json", text), claims(SUB)],
        DiagnoseOptions::default(),
    );
    assert_eq!(
        status(&d, Stage::Audit),
        StageStatus::Failed,
        "{:#?}",
        d.stage(Stage::Audit)
    );
    // A retry of the same method that succeeds resolves it.
    entries[1]["protoPayload"]["methodName"] = Value::from("storage.objects.create");
    let text = serde_json::to_vec(&entries).unwrap();
    let d = run(
        vec![Input::pasted("log.json", text), claims(SUB)],
        DiagnoseOptions::default(),
    );
    assert_eq!(
        status(&d, Stage::Audit),
        StageStatus::Passed,
        "{:#?}",
        d.stage(Stage::Audit)
    );
    assert!(!ids(&d).contains(&AUDIT_GCP_PERMISSION_DENIED.id));
}

#[test]
fn an_unauthenticated_direct_call_is_the_audit_finding() {
    let out = observe("logs-explorer-unauthenticated.ndjson", Some(SUB));
    let f = out
        .findings
        .iter()
        .find(|f| f.id == AUDIT_GCP_UNAUTHENTICATED.id)
        .unwrap();
    assert!(f.cause.contains("run.googleapis.com"), "{}", f.cause);
    assert!(
        f.evidence[0].locator.starts_with("line 2"),
        "{}",
        f.evidence[0].locator
    );
    assert!(
        out.evidence
            .iter()
            .any(|e| e.stage == Stage::Trust && e.outcome == Outcome::Pass)
    );
    let log =
        GcpAuditLog::read(fixture("logs-explorer-unauthenticated.ndjson").as_slice()).unwrap();
    let note = log.note().unwrap();
    assert!(note.contains("newline-delimited JSON"), "{note}");
}

/// Regression: newline-delimited and cut-off exports are not valid JSON as a whole,
/// and a WIF entry mentions `workloadIdentityPools/`; the GCP provider's damaged-JSON
/// fallback used to claim them before this source was tried.
#[test]
fn registry_order_lets_ndjson_and_cut_off_exports_through() {
    for name in [
        "logs-explorer-unauthenticated.ndjson",
        "gcloud-read-cut-off.json",
    ] {
        let r = recognise(&Input::pasted(name, fixture(name)), &sources());
        assert_eq!(r.summary.kind, ArtifactKind::GcpAuditLog, "{name}");
    }
}

#[test]
fn each_sts_refusal_lands_on_its_finding() {
    for (file, rule) in [
        ("sts-audience-mismatch.json", &TRUST_GCP_AUDIENCE_MISMATCH),
        ("sts-issuer-mismatch.json", &TRUST_GCP_ISSUER_MISMATCH),
        ("sts-condition-rejected.json", &TRUST_GCP_CONDITION_REJECTED),
        ("sts-subject-too-long.json", &TRUST_GCP_SUBJECT_TOO_LONG),
        ("sts-org-policy.json", &TRUST_GCP_ORG_POLICY_BLOCKED),
        ("sts-issuer-unreachable.json", &TRUST_GCP_ISSUER_UNREACHABLE),
        ("sts-unknown-error.json", &TRUST_GCP_FEDERATED_TOKEN_FAILED),
    ] {
        let d = diagnose_fixture(file, true);
        assert_eq!(d.stopped_at, Some(Stage::Trust), "{file}: {:#?}", d.stages);
        let f = d.findings.iter().find(|f| f.id == rule.id);
        let f = f.unwrap_or_else(|| panic!("{file}: {:?}", ids(&d)));
        assert!(f.cause.contains(SUB), "{file}: {}", f.cause);
        assert_eq!(f.evidence[0].stage, Stage::Trust);
    }
}

#[test]
fn messages_map_to_the_rest_of_the_trust_findings() {
    let entry = |message: &str| AuditEntry {
        locator: "$".into(),
        time: None,
        project: None,
        kind: EntryKind::Exchange,
        service: "sts.googleapis.com".into(),
        method: "google.identity.sts.v1.SecurityTokenService.ExchangeToken".into(),
        resource_name: None,
        principal_email: None,
        principal_subject: None,
        delegation: Vec::new(),
        mapped_principal: None,
        status_code: 3,
        status_message: Some(message.into()),
        denied_permissions: Vec::new(),
        target_sa: None,
        caller_ip: None,
    };
    assert_eq!(
        exchange_rule(&entry("The workload identity pool provider is disabled."))
            .0
            .id,
        TRUST_GCP_PROVIDER_DISABLED.id
    );
    assert_eq!(
        exchange_rule(&entry(
            "Invalid attribute mapping: no such key 'repository'"
        ))
        .0
        .id,
        TRUST_GCP_MAPPING_FAILED.id
    );
    assert_eq!(
        exchange_rule(&entry("ID Token issued at 1778594578 is stale to sign-in."))
            .0
            .id,
        TOKEN_EXPIRED.id
    );
    assert_eq!(
        exchange_rule(&entry("Input JWK is not in a valid json format"))
            .0
            .id,
        TRUST_GCP_ISSUER_UNREACHABLE.id
    );
}

#[test]
fn an_expired_token_at_sts_is_a_token_stage_failure() {
    let mut entry: Value = serde_json::from_slice(&fixture("sts-unknown-error.json")).unwrap();
    entry["protoPayload"]["status"] =
        serde_json::json!({"code": 3, "message": "The ID Token has expired."});
    let d = run(
        vec![
            Input::pasted("log.json", serde_json::to_vec(&entry).unwrap()),
            claims(SUB),
        ],
        DiagnoseOptions::default(),
    );
    assert_eq!(d.stopped_at, Some(Stage::Token), "{:#?}", d.stages);
    assert!(ids(&d).contains(&TOKEN_EXPIRED.id));
}

#[test]
fn a_retry_that_succeeds_leaves_trust_passed_with_the_failure_listed() {
    let d = diagnose_fixture("gcloud-read-condition-fixed.json", true);
    assert_eq!(
        status(&d, Stage::Trust),
        StageStatus::Passed,
        "{:#?}",
        d.stage(Stage::Trust)
    );
    assert!(!ids(&d).contains(&TRUST_GCP_CONDITION_REJECTED.id));
    let failed: Vec<_> = d
        .stage(Stage::Trust)
        .evidence
        .iter()
        .filter(|e| e.outcome == Outcome::Fail)
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .summary
            .contains("superseded by the success at 2026-05-12T14:21:40Z"),
        "{}",
        failed[0].summary
    );
}

#[test]
fn the_documented_examples_place_their_stages() {
    let d = diagnose_fixture("doc-example-exchange.json", false);
    assert_eq!(status(&d, Stage::Trust), StageStatus::Passed);
    let d = diagnose_fixture("doc-example-generate-access-token.json", false);
    assert_eq!(
        status(&d, Stage::Role),
        StageStatus::Passed,
        "{:#?}",
        d.stages
    );
    let d = diagnose_fixture("doc-example-pubsub-delegation.json", false);
    assert_eq!(
        status(&d, Stage::Audit),
        StageStatus::Passed,
        "{:#?}",
        d.stages
    );
    let d = diagnose_fixture("stratus-impersonation-denied.json", false);
    assert_eq!(
        status(&d, Stage::Role),
        StageStatus::Failed,
        "{:#?}",
        d.stages
    );
    let f = d
        .findings
        .iter()
        .find(|f| f.id == ROLE_GCP_MISSING_WORKLOAD_IDENTITY_USER.id)
        .unwrap();
    assert!(
        f.cause
            .contains("target-service-account@project-id.iam.gserviceaccount.com")
    );
}

#[test]
fn no_exchange_in_the_export_asks_for_data_access_logs() {
    let d = diagnose_fixture("doc-example-pubsub-delegation.json", false);
    let next = d
        .next_evidence
        .iter()
        .find(|n| n.what.contains("Admin Read"))
        .expect("the Data Access hint");
    assert!(
        next.command.contains("sts.googleapis.com"),
        "{}",
        next.command
    );
    assert!(
        next.what
            .contains("gcloud projects get-iam-policy my-project --format=json"),
        "{}",
        next.what
    );
}

#[test]
fn a_cut_off_export_keeps_the_entries_before_the_cut() {
    let input = Input::pasted("cut.json", fixture("gcloud-read-cut-off.json"));
    assert!(sniff(&input.bytes));
    let log = GcpAuditLog::read(input.bytes.as_slice()).unwrap();
    let note = log.note().unwrap();
    assert!(note.contains("cut off"), "{note}");
    assert!(note.contains("2 audit entries"), "{note}");
    let out = observe("gcloud-read-cut-off.json", Some(SUB));
    assert!(
        out.findings
            .iter()
            .any(|f| f.id == AUDIT_GCP_PERMISSION_DENIED.id)
    );
}

#[test]
fn filters_narrow_the_export() {
    // --until before the 14:03 run: only the legacy path remains.
    let options = DiagnoseOptions {
        filters: Filters {
            until: Some(parse_rfc3339("2026-05-12T13:30:00Z").unwrap()),
            ..Filters::default()
        },
        ..DiagnoseOptions::default()
    };
    let d = run(
        vec![Input::pasted(
            "log.json",
            fixture("gcloud-read-impersonation-denied.json"),
        )],
        options,
    );
    assert_eq!(
        status(&d, Stage::Role),
        StageStatus::Passed,
        "{:#?}",
        d.stages
    );
    // --subject picks a path like a token does.
    let options = DiagnoseOptions {
        filters: Filters {
            subject: Some(SUB.to_owned()),
            ..Filters::default()
        },
        ..DiagnoseOptions::default()
    };
    let d = run(
        vec![Input::pasted(
            "log.json",
            fixture("gcloud-read-impersonation-denied.json"),
        )],
        options,
    );
    assert_eq!(status(&d, Stage::Role), StageStatus::Failed);
}

#[test]
fn share_publishes_the_correlated_attempt_times_once_the_token_is_known() {
    let log =
        GcpAuditLog::read(fixture("gcloud-read-impersonation-denied.json").as_slice()).unwrap();
    let mut facts = facts_with(None);
    log.share("log.json", &mut facts);
    assert!(
        facts.event_times.is_empty(),
        "no token yet: no clock from this export"
    );
    let mut facts = facts_with(Some(SUB));
    log.share("log.json", &mut facts);
    let mut times = facts.event_times.clone();
    times.sort();
    assert_eq!(
        times,
        [
            parse_rfc3339("2026-05-12T14:03:01Z").unwrap(),
            parse_rfc3339("2026-05-12T14:03:02Z").unwrap()
        ]
    );
}

#[test]
fn broken_inputs_are_clear_errors() {
    let err = |bytes: &[u8]| GcpAuditLog::read(bytes).unwrap_err().to_string();
    assert!(err(b"").contains("no Cloud Audit Logs entry among the 0 records"));
    assert!(
        err(b"[{\"protoPayload\": {\"@type\": \"type.googleapis.com/google.cloud.audit.AuditLog\"")
            .contains("cut off")
    );
    let mut bad_utf8 = br#"[{"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity","protoPayload":{"methodName":"x"#.to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    bad_utf8.extend_from_slice(b"\"}}]");
    let e = err(&bad_utf8);
    assert!(e.starts_with("$[0] (line 1): not valid JSON"), "{e}");
    // Binary noise is not sniffed as an audit log at all.
    assert!(!sniff(&[0u8, 159, 146, 150, 0xff, b'{']));
    // Recognised but unusable: reported as this kind with the error.
    let r = recognise(&Input::pasted("bad.json", bad_utf8), &sources());
    assert_eq!(r.summary.kind, ArtifactKind::GcpAuditLog);
    assert!(r.summary.error.is_some());
}

#[test]
fn a_damaged_entry_among_good_ones_is_counted_not_fatal() {
    let mut text = fixture("gcloud-read-storage-denied.json");
    let at = text
        .windows(11)
        .position(|w| w == b"\"timestamp\"")
        .unwrap();
    text[at + 1] = 0xff;
    let log = GcpAuditLog::read(text.as_slice()).unwrap();
    assert_eq!(log.entries.len(), 3);
    assert!(
        log.note()
            .unwrap()
            .contains("1 entries unreadable (first $[0] (line 2)"),
        "{:?}",
        log.note()
    );
}

/// Bytes of a JSON array whose first entry holds a `size`-byte string, generated on the
/// fly (never a file on disk), followed by a valid exchange entry.
struct HugeLine {
    head: Vec<u8>,
    filler: u64,
    tail: Vec<u8>,
    at: u64,
}

impl HugeLine {
    fn new(size: u64) -> HugeLine {
        let entry = fixture("sts-condition-rejected.json");
        let entry: Value = serde_json::from_slice(&entry).unwrap();
        let mut tail = b"\"}},".to_vec();
        tail.extend(serde_json::to_vec(&entry).unwrap());
        tail.push(b']');
        HugeLine {
            head: br#"[{"logName":"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access","protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","x":""#.to_vec(),
            filler: size,
            tail,
            at: 0,
        }
    }

    fn len(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.filler
    }
}

impl Read for HugeLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let head = self.head.len() as u64;
        let n = if self.at < head {
            let from = self.at as usize;
            let n = buf.len().min(self.head.len() - from);
            buf[..n].copy_from_slice(&self.head[from..from + n]);
            n
        } else if self.at < head + self.filler {
            let n = (buf.len() as u64).min(head + self.filler - self.at) as usize;
            buf[..n].fill(b'A');
            n
        } else {
            let from = (self.at - head - self.filler) as usize;
            let n = buf.len().min(self.tail.len().saturating_sub(from));
            buf[..n].copy_from_slice(&self.tail[from..from + n]);
            n
        };
        self.at += n as u64;
        Ok(n)
    }
}

#[test]
fn a_two_gigabyte_single_line_is_skipped_in_constant_memory() {
    let reader = HugeLine::new(2 << 30);
    let total = reader.len();
    let log = GcpAuditLog::read(reader).unwrap();
    assert_eq!(log.entries.len(), 1);
    assert_eq!(log.stats.oversized, 1);
    let note = log.note().unwrap();
    assert!(
        note.contains("1 records too large to be log entries skipped (first $[0] (line 1)"),
        "{note}"
    );
    assert!(total > 2 << 30);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = sniff(&bytes);
        if let Ok(log) = GcpAuditLog::read(bytes.as_slice()) {
            let _ = log.note();
        }
    }

    #[test]
    fn damaged_fixtures_never_panic(
        cut in 0usize..7200,
        flips in proptest::collection::vec((0usize..7200, any::<u8>()), 0..8),
    ) {
        let mut bytes = fixture("gcloud-read-storage-denied.json");
        for (at, b) in flips {
            if at < bytes.len() {
                bytes[at] = b;
            }
        }
        bytes.truncate(cut);
        let input = Input::pasted("log.json", bytes);
        let d = run(vec![input, claims(SUB)], DiagnoseOptions::default());
        prop_assert_eq!(d.stages.len(), 5);
    }
}
