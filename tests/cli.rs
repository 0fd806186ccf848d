//! The real binary, headless, as scripts and tickets use it.
//!
//! - decode: every input route (argument, file, stdin), text and JSON, exit codes 0/1/2.
//! - diagnose: exit codes 0/1/2/3, the JSON schema, the markdown RCA (redacted).
//! - bad input: empty, whitespace, 1 MiB of garbage, invalid UTF-8, escape sequences in
//!   claims — a clear error, no panic, nothing unescaped on stdout.
//! - flags: --now validation, --color, completions, subcommand names win over files.

// Helpers outside #[test] functions unwrap too: a failure is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::{Value, json};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oidc-triage"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails early may close stdin before reading it all.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sample_token() -> String {
    let doc: Value =
        serde_json::from_slice(include_bytes!("../assets/sample/id-token.json")).unwrap();
    doc["value"].as_str().unwrap().to_owned()
}

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample/id-token.json");
const SAMPLE_JWKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample/jwks.json");
const SAMPLE_NOW: &str = "2026-03-02T10:15:00Z";

fn signature_of(token: &str) -> &str {
    token.rsplit('.').next().unwrap()
}

#[test]
fn decode_from_stdin_prints_the_platform_and_never_the_signature() {
    let token = sample_token();
    let o = run(&["decode", "--now", SAMPLE_NOW], token.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("GitHub Actions"));
    assert!(out.contains("<redacted>"));
    assert!(!out.contains(signature_of(&token)));
    assert!(out.contains("NOT checked"), "no JWKS: the output says so");
    assert!(out.contains("valid for 4m20s"));
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn decode_json_has_the_documented_fields_and_verifies_with_jwks() {
    let o = run(
        &[
            "decode",
            SAMPLE,
            "--jwks",
            SAMPLE_JWKS,
            "--now",
            SAMPLE_NOW,
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "oidc-triage/decode/v1");
    for field in [
        "header",
        "claims",
        "platform",
        "subject",
        "times",
        "signature",
        "findings",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    assert_eq!(v["platform"], "github-actions");
    assert_eq!(v["signature"]["verified"], true);
    assert_eq!(v["signature"]["kid"], "sample-rs256-2026");
    assert_eq!(v["subject"]["context"]["kind"], "environment");
    assert_eq!(v["times"]["exp"]["relative"], "in 4m20s");
    assert!(!stdout(&o).contains(signature_of(&sample_token())));
}

#[test]
fn decode_takes_the_token_as_an_argument_and_fails_on_expiry_at_now() {
    let token = sample_token();
    let o = run(&["decode", &token, "--now", "2026-03-02T11:00:00Z"], b"");
    assert_eq!(
        o.status.code(),
        Some(1),
        "expired at --now is a proven failure"
    );
    assert!(stdout(&o).contains("token.expired"));
}

#[test]
fn decode_with_a_foreign_jwks_is_a_failure() {
    let key = rsa_key("sample-rs256-2026");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks(&[&key])).unwrap();
    let o = run(
        &[
            "decode",
            SAMPLE,
            "--jwks",
            path.to_str().unwrap(),
            "--now",
            SAMPLE_NOW,
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("bad signature"), "{}", stdout(&o));
}

#[test]
fn decode_bad_input_is_a_clear_usage_error() {
    let cases: Vec<(&[u8], &str)> = vec![
        (b"", "the input is empty"),
        (b" \n\t \n", "the input is empty"),
        (b"hello, this is not a token", "no JWT found"),
        (b"\xff\xfe\x00garbage\x80", "no JWT found"),
        (
            b"eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn",
            "encrypted token",
        ),
    ];
    for (input, message) in cases {
        let o = run(&["decode"], input);
        assert_eq!(o.status.code(), Some(2), "{input:?}");
        assert!(stderr(&o).contains(message), "{input:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn a_mebibyte_of_garbage_is_refused_without_a_panic() {
    let mut garbage = Vec::with_capacity(1 << 20);
    let mut x: u32 = 0x9e37_79b9;
    while garbage.len() < 1 << 20 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push((x & 0xff) as u8);
    }
    let o = run(&["decode"], &garbage);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("panicked"));
    assert!(
        stderr(&o).len() < 1000,
        "the error describes the input, it does not echo it"
    );
    let o = run(&["diagnose", "-"], &garbage);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not recognised"), "{}", stderr(&o));
}

#[test]
fn escape_sequences_in_claims_never_reach_stdout_raw() {
    let key = ec_key("k");
    let mut claims = github_claims(
        "repo:acme/api:ref:refs/heads/main",
        "sts.amazonaws.com",
        IAT,
    );
    claims["workflow"] = json!("\u{1b}]52;c;ZXZpbA==\u{7}deploy\u{1b}[2J");
    claims["actor"] = json!("octo\u{9b}31mcat\u{202e}");
    let token = sign(&key, &claims);
    for args in [
        vec!["decode", "--now", SAMPLE_NOW],
        vec!["decode", "--now", SAMPLE_NOW, "--format", "json"],
        vec!["diagnose", "-", "--now", SAMPLE_NOW],
        vec!["diagnose", "-", "--now", SAMPLE_NOW, "--format", "json"],
        vec!["diagnose", "-", "--now", SAMPLE_NOW, "--format", "markdown"],
    ] {
        let o = run(&args, token.as_bytes());
        let out = stdout(&o);
        assert!(
            !out.contains('\u{1b}')
                && !out.contains('\u{7}')
                && !out.contains('\u{9b}')
                && !out.contains('\u{202e}'),
            "{args:?}: raw control character on stdout"
        );
        assert!(
            out.contains("52;c;ZXZpbA=="),
            "{args:?}: the value is shown, escaped"
        );
    }
}

#[test]
fn diagnose_a_token_alone_stops_at_trust_with_exit_3() {
    let o = run(
        &[
            "diagnose",
            SAMPLE,
            "--jwks",
            SAMPLE_JWKS,
            "--now",
            SAMPLE_NOW,
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "oidc-triage/diagnosis/v1");
    assert_eq!(v["stopped_at"], "trust");
    let statuses: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "passed",
            "passed",
            "no_evidence",
            "no_evidence",
            "no_evidence"
        ]
    );
    assert_eq!(v["stages"][0]["evidence"][0]["locator"], "$.run_id");
    assert_eq!(v["trust"]["allowed"], Value::Null);
    assert_eq!(v["artifacts"][0]["kind"], "token");
    assert!(
        v["next_evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["command"].as_str().unwrap().contains("aws iam get-role"))
    );
}

#[test]
fn diagnose_an_expired_token_fails_the_token_stage_with_exit_1() {
    let o = run(
        &[
            "diagnose",
            SAMPLE,
            "--now",
            "2026-03-02T12:00:00Z",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["stopped_at"], "token");
    let statuses: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "passed",
            "failed",
            "not_reached",
            "not_reached",
            "not_reached"
        ]
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "token.expired" && f["severity"] == "error")
    );
}

#[test]
fn markdown_rca_follows_the_template_and_is_redacted() {
    let token = sample_token();
    let o = run(
        &["diagnose", "-", "--now", SAMPLE_NOW, "--format", "markdown"],
        format!("Authorization: Bearer {token}").as_bytes(),
    );
    let md = stdout(&o);
    for heading in [
        "## Summary",
        "## Where evidence stops",
        "## Evidence",
        "## Health state",
        "## Likely cause",
        "## Fix",
        "## User test",
        "## Next evidence",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    let (header_payload, signature) = token.rsplit_once('.').unwrap();
    assert!(md.contains(&format!("{header_payload}.<redacted>")));
    assert!(!md.contains(signature));
}

#[test]
fn diagnose_reports_unrecognised_inputs_and_exits_2_only_when_nothing_is_usable() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "the deploy broke again\x1b[2J").unwrap();
    let o = run(&["diagnose", notes.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("notes.txt") && err.contains("not recognised") && err.contains("tried"),
        "{err}"
    );
    assert!(!err.contains('\x1b'));

    let o = run(
        &[
            "diagnose",
            notes.to_str().unwrap(),
            SAMPLE,
            "--now",
            SAMPLE_NOW,
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let unrecognised = &v["artifacts"][0];
    assert_eq!(unrecognised["kind"], "unrecognised");
    assert!(
        unrecognised["tried"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "token")
    );
    // The shape of the first bytes, never the bytes (they may be a secret: issue 13).
    assert_eq!(unrecognised["preview"], "aaa aaaaaa aaaaa…");

    let o = run(&["diagnose", "/no/such/file.log"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/file.log"));
}

#[test]
fn a_jwks_given_as_an_input_verifies_like_the_flag() {
    let o = run(
        &[
            "diagnose",
            SAMPLE,
            SAMPLE_JWKS,
            "--now",
            SAMPLE_NOW,
            "--format",
            "json",
        ],
        b"",
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["artifacts"][1]["kind"], "jwks");
    let token_stage = v["stages"][1]["evidence"][0]["summary"].as_str().unwrap();
    assert!(token_stage.contains("verified with"), "{token_stage}");
}

#[test]
fn bad_flags_are_usage_errors_naming_the_flag() {
    let o = run(&["decode", "--now", "yesterday"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--now"), "{}", stderr(&o));
    let o = run(
        &["decode", "--jwks", "/no/such/jwks.json"],
        sample_token().as_bytes(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/jwks.json"));
    let o = run(&["decode", "--jwks", SAMPLE], sample_token().as_bytes());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a JWKS"), "{}", stderr(&o));
}

#[test]
fn color_always_colours_and_no_color_is_honoured_in_auto() {
    let o = run(
        &["decode", "--color", "always", "--now", SAMPLE_NOW],
        sample_token().as_bytes(),
    );
    assert!(stdout(&o).contains("\x1b["));
    let o = run(
        &["decode", "--color", "never", "--now", SAMPLE_NOW],
        sample_token().as_bytes(),
    );
    assert!(!stdout(&o).contains('\x1b'));
}

#[test]
fn subcommand_names_win_over_file_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("decode"), "not a token").unwrap();
    let o = bin()
        .current_dir(dir.path())
        .args(["decode", "-", "--now", SAMPLE_NOW])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(sample_token().as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // `./decode` is a file for the TUI, which needs a terminal.
    let o = bin()
        .current_dir(dir.path())
        .arg("./decode")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs a terminal"));
}

#[test]
fn completions_and_man_page_are_generated() {
    let o = run(&["completions", "bash"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("oidc-triage"));
    let o = run(&["man"], b"");
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(page.contains(".TH"));
    for section in [
        ".SH COMMANDS",
        ".SH EXIT STATUS",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH KEYS",
    ] {
        assert!(page.contains(section), "the man page lacks {section}");
    }
    assert!(page.contains("NO_COLOR") && page.contains("XDG_DATA_HOME"));
    // One page: no reference to per-command pages that are not installed.
    assert!(!page.contains("oidc\\-triage\\-decode(1)"), "{page}");
    assert!(page.contains("oidc\\-triage diagnose"));
    assert!(
        page.contains("\\fB\\-\\-fail\\-on LEVEL\\fR"),
        "diagnose's own flags are listed"
    );
}

// ---------------------------------------------------------------------------------
// scenarios list | show SLUG | verify, with and without --scenarios DIR.

/// A minimal valid scenario: a token alone stops at trust.
fn user_scenario(title: &str) -> String {
    format!(
        "title = \"{title}\"\nticket = \"it fails\"\nplatform = \"github-actions\"\ncloud = \"aws\"\nnow = \"{SAMPLE_NOW}\"\nsources = [\"https://docs.github.com/en/actions/reference/security/oidc\"]\nexplanation = \"SECRET-EXPLANATION\"\n[expect]\nstopped_at = \"trust\"\nmax_risk = \"none\"\n[[question]]\nprompt = \"Which stage?\"\noptions = [\"token\", \"trust\"]\nanswer = 1\nwhy = \"SECRET-WHY\"\n"
    )
}

/// A folder with one good user scenario (`team-incident`) and one broken one.
fn user_library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("team-incident");
    std::fs::create_dir(&good).unwrap();
    std::fs::write(
        good.join("scenario.toml"),
        user_scenario("Our own incident"),
    )
    .unwrap();
    std::fs::copy(SAMPLE, good.join("id-token.json")).unwrap();
    let broken = dir.path().join("team-broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(
        broken.join("scenario.toml"),
        user_scenario("x").replace("github-actions", "jenkins"),
    )
    .unwrap();
    dir
}

#[test]
fn scenarios_list_prints_every_builtin_aligned() {
    let o = run(&["scenarios", "list"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("SLUG"), "{out}");
    let row = lines
        .iter()
        .find(|l| l.starts_with("aws-audience-default-github "))
        .expect("a built-in scenario is listed");
    for word in ["github-actions", "aws", "trust", "forgets the audience"] {
        assert!(row.contains(word), "{row}");
    }
    // Aligned: every row's platform column starts where the header's does.
    let column = lines[0].find("PLATFORM").unwrap();
    assert_eq!(row.find("github-actions"), Some(column), "{out}");
    assert!(out.contains("scenarios"), "a summary line");
}

#[test]
fn scenarios_list_json_has_the_schema_and_every_field() {
    let o = run(&["scenarios", "list", "--format", "json"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["schema"], "oidc-triage/scenarios/v1");
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 30, "{}", scenarios.len());
    let slugs: Vec<&str> = scenarios
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    let mut sorted = slugs.clone();
    sorted.sort();
    assert_eq!(slugs, sorted, "sorted by slug");
    let first = &scenarios[0];
    for field in [
        "slug",
        "title",
        "platform",
        "cloud",
        "stopped_at",
        "max_risk",
        "origin",
    ] {
        assert!(first[field].is_string(), "{field}: {first}");
    }
    assert_eq!(first["builtin"], true);
}

#[test]
fn scenarios_show_hides_the_explanation_unless_revealed() {
    let slug = "aws-audience-default-github";
    let o = run(&["scenarios", "show", slug], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for part in [
        "A hand-rolled token request",
        "Ticket",
        "github-actions",
        "2026-03-03T14:02:10Z",
        "token.txt",
        "aws-trust-policy",
        "https://docs.github.com/",
        "--reveal",
    ] {
        assert!(out.contains(part), "{part} missing:\n{out}");
    }
    // Where it stops and what it finds are the drill's answer (issue 16).
    assert!(!out.contains("trust.aws.audience-mismatch"), "{out}");
    assert!(!out.contains("stopped_at"), "{out}");
    assert!(!out.contains("Explanation"), "{out}");
    assert!(!out.contains("why:"), "{out}");
    assert!(
        !out.contains("owner's URL (`https"),
        "the explanation stays hidden"
    );

    let o = run(&["scenarios", "show", slug, "--reveal"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Explanation"), "{out}");
    assert!(out.contains("trust.aws.audience-mismatch"), "{out}");
    assert!(out.contains("why:"), "{out}");
    assert!(out.contains('✓'), "the answer is marked: {out}");
}

#[test]
fn scenarios_show_json_reveals_answers_only_on_request() {
    let slug = "aws-audience-default-github";
    let o = run(&["scenarios", "show", slug, "--format", "json"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["schema"], "oidc-triage/scenarios/v1");
    assert_eq!(doc["slug"], slug);
    assert!(doc.get("explanation").is_none(), "{doc}");
    assert!(doc["questions"][0].get("answer").is_none(), "{doc}");
    let kinds: Vec<&str> = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["jwks", "token", "aws-trust-policy"]);
    assert!(
        doc.get("expect").is_none(),
        "the expected stop is the answer: {doc}"
    );

    let o = run(
        &["scenarios", "show", slug, "--format", "json", "--reveal"],
        b"",
    );
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(doc["explanation"].is_string(), "{doc}");
    assert_eq!(doc["expect"]["stopped_at"], "trust");
    assert_eq!(doc["questions"][0]["answer"], 2);
}

#[test]
fn scenarios_show_unknown_slug_is_a_usage_error_suggesting_the_closest() {
    let o = run(&["scenarios", "show", "aws-audience-default-gitub"], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("aws-audience-default-gitub"), "{err}");
    assert!(
        err.contains("did you mean aws-audience-default-github"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());

    let o = run(&["scenarios", "show", "\x1b[31mnothing-like-it"], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains('\x1b'), "the slug is escaped: {err:?}");
    assert!(err.contains("scenarios list"), "{err}");
}

#[test]
fn scenarios_verify_passes_on_the_builtin_library() {
    let o = run(&["scenarios", "verify"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.lines().any(|l| l.starts_with("ok ")), "{out}");
    assert!(!out.contains("MISMATCH"), "{out}");
    assert!(out.contains("0 mismatched, 0 failed to load"), "{out}");

    let o = run(&["scenarios", "verify", "--format", "json"], b"");
    assert_eq!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["schema"], "oidc-triage/scenarios/v1");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["mismatched"], 0);
}

#[test]
fn scenarios_with_a_user_folder_lists_the_good_one_and_reports_the_broken_one() {
    let dir = user_library();
    let path = dir.path().to_str().unwrap();

    let o = run(&["scenarios", "list", "--scenarios", path], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("team-incident*"),
        "a user scenario is marked: {out}"
    );
    assert!(out.contains("Our own incident"), "{out}");
    assert!(
        out.contains("aws-audience-default-github"),
        "built-ins stay"
    );
    let err = stderr(&o);
    assert!(err.contains("team-broken"), "{err}");
    assert!(err.contains("jenkins"), "{err}");

    let o = run(
        &["scenarios", "show", "team-incident", "--scenarios", path],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("id-token.json"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("SECRET-"), "{}", stdout(&o));

    // verify: the good one passes, the broken one fails the run.
    let o = run(&["scenarios", "--scenarios", path, "verify"], b"");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok") && l.contains("team-incident")),
        "{out}"
    );
    assert!(out.contains("ERROR"), "{out}");
    assert!(out.contains("team-broken"), "{out}");
    assert!(out.contains("1 failed to load"), "{out}");
}

#[test]
fn scenarios_verify_reports_each_mismatch_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("aws-audience-default-github");
    std::fs::create_dir(&wrong).unwrap();
    // Replaces the built-in of the same slug, and expects the wrong stage.
    std::fs::write(
        wrong.join("scenario.toml"),
        user_scenario("Replaced").replace("stopped_at = \"trust\"", "stopped_at = \"audit\""),
    )
    .unwrap();
    std::fs::copy(SAMPLE, wrong.join("id-token.json")).unwrap();
    let path = dir.path().to_str().unwrap();
    let o = run(&["scenarios", "verify", "--scenarios", path], b"");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.starts_with("MISMATCH") && l.contains("aws-audience-default-github")),
        "{out}"
    );
    assert!(
        out.contains("stopped_at: expected audit, got trust"),
        "{out}"
    );
    assert!(out.contains("1 mismatched"), "{out}");
}

#[test]
fn scenarios_with_a_missing_folder_is_a_usage_error_naming_it() {
    let o = run(
        &[
            "scenarios",
            "list",
            "--scenarios",
            "/nonexistent/team-scenarios",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/team-scenarios"),
        "{}",
        stderr(&o)
    );
}

/// The files of a built-in scenario, as a user would name them.
fn scenario_files(slug: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(slug);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "scenario.toml"))
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    files.sort();
    files
}

fn diagnose_scenario(slug: &str, now: &str, extra: &[&str]) -> Output {
    let files = scenario_files(slug);
    let mut args = vec!["diagnose", "--now", now];
    args.extend(files.iter().map(String::as_str));
    args.extend_from_slice(extra);
    run(&args, b"")
}

#[test]
fn a_path_that_works_too_well_says_so_and_fails_at_fail_on() {
    let slug = "github-aws-repo-wildcard-healthy-insecure";
    let now = "2026-06-16T08:15:00Z";
    let plain = diagnose_scenario(slug, now, &["--format", "json"]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let json: Value = serde_json::from_str(&stdout(&plain)).unwrap();
    assert_eq!(json["health"], "healthy-but-insecure");
    assert_eq!(json["max_risk"], "high");
    assert!(
        json["summary"]
            .as_str()
            .unwrap()
            .starts_with("all five stages passed — but "),
        "{}",
        json["summary"]
    );
    let gated = diagnose_scenario(slug, now, &["--fail-on", "high"]);
    assert_eq!(gated.status.code(), Some(1), "{}", stderr(&gated));
    assert!(stdout(&gated).contains("(risk high)"));
}

#[test]
fn a_healthy_path_passes_fail_on_low_risks_below_the_bar() {
    let slug = "buildkite-aws-pipeline-pinned-healthy";
    let now = "2026-07-21T08:20:00Z";
    let out = diagnose_scenario(slug, now, &["--format", "json", "--fail-on", "medium"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["health"], "healthy", "{json}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn decode_of_a_missing_file_says_no_such_file() {
    for arg in ["/nonexistent", "./token.json", "id-token.json"] {
        let o = run(&["decode", arg], b"");
        assert_eq!(o.status.code(), Some(2), "{arg}");
        assert!(
            stderr(&o).contains("no such file or directory"),
            "{arg}: {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("no JWT"), "{arg}: {}", stderr(&o));
    }
}
