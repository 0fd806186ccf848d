//! No secret survives into any output (issue 13). The corpus in
//! `tests/fixtures/secrets/corpus.jsonl` (written by `generate.py` beside it from the
//! providers' documented formats, with fake values of the right shape) holds each
//! secret form as a user would paste it and the fragments of it that must not appear.
//! Every form goes through every output: the gate itself; the library's text, JSON and
//! markdown diagnosis and the decode report (text and JSON); the TUI's screen on each
//! stage and its two copies (`c` RCA, `y` one-liner); and the real binary's
//! `diagnose` (text, JSON, markdown), `decode` (text, JSON), `lint` and its errors.
//!
//! Index:
//! - `the_corpus_is_large_enough`
//! - `the_gate_scrubs_every_form`
//! - `library_outputs_carry_no_secret`
//! - `the_tui_screen_and_copies_carry_no_secret`
//! - `the_binary_prints_no_secret`
//! - `argument_errors_go_through_the_gate`
//! - `no_signature_in_structured_fields` (CloudTrail eventID, GCP/Entra fields,
//!   workflow values, lint, decode claims)
//! - `hmac_and_crit_are_warnings_never_verified`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use oidc_triage::evidence::Input;
use oidc_triage::report::{Palette, json, markdown, text};
use oidc_triage::token::{Provenance, Token, inspect_token};
use serde_json::Value;

const NOW: i64 = 1_772_446_500;

struct Form {
    name: String,
    text: String,
    secrets: Vec<String>,
}

fn corpus() -> Vec<Form> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/secrets/corpus.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Form {
                name: v["name"].as_str().unwrap().to_owned(),
                text: v["text"].as_str().unwrap().to_owned(),
                secrets: v["secrets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect(),
            }
        })
        .collect()
}

/// Every leak found, so one run shows them all.
#[derive(Default)]
struct Leaks(Vec<String>);

impl Leaks {
    fn check(&mut self, form: &Form, output: &str, what: &str) {
        for secret in &form.secrets {
            if output.contains(secret.as_str()) {
                let at = output.find(secret.as_str()).unwrap_or(0);
                let from = output[..at]
                    .char_indices()
                    .rev()
                    .nth(60)
                    .map_or(0, |(i, _)| i);
                let context: String = output[from..].chars().take(140).collect();
                self.0.push(format!(
                    "{} — {what}: `{secret}` in …{context:?}",
                    form.name
                ));
            }
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} leak(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

fn options() -> DiagnoseOptions {
    DiagnoseOptions {
        now: Some(NOW),
        ..DiagnoseOptions::default()
    }
}

fn diagnosis_of(form: &Form) -> Diagnosis {
    let inputs = vec![Input::pasted("pasted.log", form.text.as_bytes().to_vec())];
    diagnose(&inputs, &options(), || Clock::fixed(NOW))
}

#[test]
fn the_corpus_is_large_enough() {
    let forms = corpus();
    assert!(forms.len() >= 150, "{} forms", forms.len());
    assert!(forms.iter().all(|f| !f.secrets.is_empty()));
}

#[test]
fn the_gate_scrubs_every_form() {
    let mut leaks = Leaks::default();
    for form in corpus() {
        leaks.check(&form, &oidc_triage::text::gate(&form.text), "gate");
        leaks.check(
            &form,
            &oidc_triage::text::gate_line(&form.text),
            "gate_line",
        );
    }
    leaks.assert_none();
}

#[test]
fn library_outputs_carry_no_secret() {
    let mut leaks = Leaks::default();
    for form in corpus() {
        let d = diagnosis_of(&form);
        let mut out = Vec::new();
        text::write_diagnosis(&mut out, &d, Palette::PLAIN).unwrap();
        leaks.check(&form, &String::from_utf8_lossy(&out), "diagnosis text");
        let mut out = Vec::new();
        json::write_json(&mut out, &d).unwrap();
        let s = String::from_utf8_lossy(&out).into_owned();
        serde_json::from_str::<Value>(&s)
            .unwrap_or_else(|e| panic!("{}: invalid JSON {e}", form.name));
        leaks.check(&form, &s, "diagnosis json");
        leaks.check(&form, &markdown::render_rca(&d), "markdown");

        let from = Provenance {
            artifact: "pasted",
            jwks_name: None,
        };
        match Token::from_input(form.text.as_bytes()) {
            Ok(token) => {
                let report = inspect_token(&token, None, Clock::fixed(NOW), 60, &from);
                let mut out = Vec::new();
                text::write_token_report(&mut out, &report, Palette::PLAIN).unwrap();
                leaks.check(&form, &String::from_utf8_lossy(&out), "decode text");
                let mut out = Vec::new();
                json::write_json(&mut out, &report).unwrap();
                leaks.check(&form, &String::from_utf8_lossy(&out), "decode json");
                leaks.check(&form, &format!("{token:?}"), "token debug");
            }
            Err(e) => {
                leaks.check(
                    &form,
                    &oidc_triage::text::gate(&e.to_string()),
                    "decode error",
                );
            }
        }
    }
    leaks.assert_none();
}

#[cfg(feature = "tui")]
#[test]
fn the_tui_screen_and_copies_carry_no_secret() {
    use oidc_triage::tui::{App, Effect, Message, update, view};
    use oidc_triage::vocabulary::Stage;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    let mut leaks = Leaks::default();
    for form in corpus() {
        let inputs = vec![Input::pasted("pasted.log", form.text.as_bytes().to_vec())];
        let d = diagnose(&inputs, &options(), || Clock::fixed(NOW));
        let mut app = App::new(d, "1 input", inputs, options());
        update(
            &mut app,
            Message::Resize {
                width: 160,
                height: 48,
            },
        );
        for stage in Stage::ALL {
            update(&mut app, Message::SelectStage(stage));
            let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
            terminal.draw(|frame| view(&app, frame)).unwrap();
            let buffer = terminal.backend().buffer();
            let mut screen = String::new();
            for y in 0..48 {
                for x in 0..160 {
                    screen.push_str(buffer[(x, y)].symbol());
                }
                screen.push('\n');
            }
            // A secret wrapped over two rows is still one secret: check the rows joined.
            let joined: String = screen.lines().map(str::trim_end).collect();
            leaks.check(&form, &screen, "tui screen");
            leaks.check(&form, &joined, "tui screen (rows joined)");
        }
        for message in [Message::CopyReport, Message::CopySummary] {
            for effect in update(&mut app, message) {
                if let Effect::Copy { text, what } = effect {
                    leaks.check(&form, &text, &format!("tui copy of {what}"));
                }
            }
        }
    }
    leaks.assert_none();
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oidc-triage"));
    c.env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn both(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write_corpus(dir: &Path) -> Vec<(Form, PathBuf)> {
    corpus()
        .into_iter()
        .enumerate()
        .map(|(i, form)| {
            let path = dir.join(format!("form-{i:03}.log"));
            std::fs::write(&path, &form.text).unwrap();
            (form, path)
        })
        .collect()
}

#[test]
fn the_binary_prints_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let forms = write_corpus(dir.path());
    let mut leaks = Leaks::default();
    for (form, path) in &forms {
        let p = path.to_str().unwrap();
        let o = run(&[
            "diagnose",
            p,
            "--now",
            "2026-03-02T10:15:00Z",
            "--format",
            "json",
        ]);
        leaks.check(form, &both(&o), "binary diagnose --format json");
        let o = run(&["decode", p, "--now", "2026-03-02T10:15:00Z"]);
        leaks.check(form, &both(&o), "binary decode");
        // The token given as the argument itself (decode's third input form).
        let o = run(&["decode", &form.text]);
        leaks.check(form, &both(&o), "binary decode ARG");
        // stdin.
        let mut child = bin()
            .args(["diagnose", "-", "--now", "2026-03-02T10:15:00Z"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(form.text.as_bytes());
        }
        let o = child.wait_with_output().unwrap();
        leaks.check(form, &both(&o), "binary diagnose stdin");
    }
    // Every form in one input, through every format of every command.
    let all = dir.path().join("all.log");
    let joined: Vec<&str> = forms.iter().map(|(f, _)| f.text.as_str()).collect();
    std::fs::write(&all, joined.join("\n\n")).unwrap();
    let p = all.to_str().unwrap();
    let mut outputs = Vec::new();
    for format in ["text", "json", "markdown"] {
        let o = run(&[
            "diagnose",
            p,
            "--now",
            "2026-03-02T10:15:00Z",
            "--format",
            format,
        ]);
        outputs.push((format!("binary diagnose all --format {format}"), both(&o)));
    }
    for format in ["text", "json"] {
        for command in ["decode", "lint"] {
            let o = run(&[command, p, "--format", format]);
            outputs.push((format!("binary {command} all --format {format}"), both(&o)));
        }
    }
    for (form, _) in &forms {
        for (what, output) in &outputs {
            leaks.check(form, output, what);
        }
    }
    leaks.assert_none();
}

#[test]
fn argument_errors_go_through_the_gate() {
    let mut leaks = Leaks::default();
    for (i, form) in corpus().iter().enumerate() {
        // Every form through one flag, a few through the others.
        let flags: &[&str] = if i % 20 == 0 {
            &["--now", "--skew", "--format"]
        } else {
            &["--now"]
        };
        for &flag in flags {
            let o = run(&["decode", flag, &form.text, "x"]);
            assert_eq!(o.status.code(), Some(2), "{}", form.name);
            leaks.check(form, &both(&o), &format!("argument error {flag}"));
        }
    }
    leaks.assert_none();
    // Terminal escapes in a rejected value are shown escaped, never raw.
    for flag in ["--now", "--skew", "--format", "--color"] {
        let o = run(&[
            "decode",
            flag,
            "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;pwned\u{7}\u{200b}",
            "x",
        ]);
        let err = both(&o);
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{7}') && !err.contains('\u{200b}'),
            "{flag}: {err:?}"
        );
    }
    let o = run(&["decode", "--now", "\u{1b}]52;c;ZXZpbA==\u{7}", "x"]);
    assert!(both(&o).contains("\\x1b]52"), "{}", both(&o));
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A JWT whose signature is `SIG`.
const SIG: &str = "U2lnbmF0dXJlVGhhdE11c3ROZXZlckFwcGVhcjAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbm9w";

fn a_jwt() -> String {
    format!(
        "{}.{}.{SIG}",
        b64(r#"{"alg":"RS256","kid":"k"}"#),
        b64(
            r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/api:ref:refs/heads/main","aud":"sts.amazonaws.com"}"#
        )
    )
}

#[test]
fn no_signature_in_structured_fields() {
    let jwt = a_jwt();
    let cloudtrail = format!(
        r#"{{"Records":[{{"eventVersion":"1.08","eventTime":"2026-03-02T10:14:31Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity","awsRegion":"us-east-1","eventID":"{jwt}","requestID":"{jwt}","errorCode":"AccessDenied","errorMessage":"Not authorized {jwt}","userIdentity":{{"type":"WebIdentityUser","principalId":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:{jwt}","userName":"{jwt}","identityProvider":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},"requestParameters":{{"roleArn":"arn:aws:iam::123456789012:role/deploy","roleSessionName":"{jwt}"}}}}]}}"#
    );
    let gcp = format!(
        r#"[{{"insertId":"{jwt}","logName":"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access","timestamp":"2026-03-02T10:14:31Z","severity":"ERROR","protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"sts.googleapis.com","methodName":"google.identity.sts.v1.SecurityTokenService.ExchangeToken","status":{{"code":3,"message":"{jwt}"}},"authenticationInfo":{{"principalSubject":"{jwt}"}},"resourceName":"{jwt}","request":{{"audience":"{jwt}","subjectToken":"{jwt}"}}}}}}]"#
    );
    let entra = format!(
        r#"[{{"id":"{jwt}","createdDateTime":"2026-03-02T10:14:31Z","appId":"{jwt}","appDisplayName":"{jwt}","servicePrincipalId":"{jwt}","servicePrincipalName":"{jwt}","ipAddress":"1.2.3.4","correlationId":"{jwt}","status":{{"errorCode":700213,"failureReason":"AADSTS700213: No matching federated identity record found for presented assertion subject '{jwt}'"}},"federatedCredentialId":"{jwt}","signInEventTypes":["servicePrincipal"]}}]"#
    );
    let workflow = format!(
        "on: push\npermissions:\n  id-token: write\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: {jwt}\n          aws-region: {jwt}\n          audience: {jwt}\n"
    );
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{jwt}","Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"{jwt}"}},"StringLike":{{"token.actions.githubusercontent.com:sub":"{jwt}"}}}}}}]}}"#
    );
    let claims_token = format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"RS256","kid":"k"}"#),
        b64(&format!(
            r#"{{"iss":"https://token.actions.githubusercontent.com","sub":"{jwt}","aud":"{jwt}","workflow":"{jwt}"}}"#
        ))
    );
    let dir = tempfile::tempdir().unwrap();
    let mut leaks = Leaks::default();
    let form = |name: &str| Form {
        name: name.to_owned(),
        text: String::new(),
        secrets: vec![SIG[10..30].to_owned(), SIG[40..60].to_owned()],
    };
    for (name, content) in [
        ("cloudtrail.json", &cloudtrail),
        ("gcp-audit.json", &gcp),
        ("entra-signin.json", &entra),
        ("deploy.yml", &workflow),
        ("trust-policy.json", &policy),
        ("claims-token.txt", &claims_token),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let p = path.to_str().unwrap();
        let f = form(name);
        for format in ["text", "json", "markdown"] {
            let o = run(&[
                "diagnose",
                p,
                "--now",
                "2026-03-02T10:15:00Z",
                "--format",
                format,
            ]);
            leaks.check(&f, &both(&o), &format!("diagnose --format {format}"));
        }
        for format in ["text", "json"] {
            let o = run(&["lint", p, "--format", format]);
            leaks.check(&f, &both(&o), &format!("lint --format {format}"));
            let o = run(&["decode", p, "--format", format]);
            leaks.check(&f, &both(&o), &format!("decode --format {format}"));
        }
    }
    leaks.assert_none();
}

#[test]
fn hmac_and_crit_are_warnings_never_verified() {
    let dir = tempfile::tempdir().unwrap();
    let claims = serde_json::json!({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:acme/api:ref:refs/heads/main", "aud": "sts.amazonaws.com", "iat": NOW - 60, "exp": NOW + 240});
    let header = jsonwebtoken::Header {
        kid: Some("h".to_owned()),
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
    };
    let hs = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(
        &jwks,
        r#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}"#,
    )
    .unwrap();
    let token = dir.path().join("hs.txt");
    std::fs::write(&token, &hs).unwrap();
    let o = run(&[
        "decode",
        token.to_str().unwrap(),
        "--jwks",
        jwks.to_str().unwrap(),
        "--now",
        "2026-03-02T10:15:00Z",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signature"]["verified"], Value::Null, "{v}");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"token.hmac-signed"), "{ids:?}");
    let o = run(&[
        "decode",
        token.to_str().unwrap(),
        "--jwks",
        jwks.to_str().unwrap(),
        "--now",
        "2026-03-02T10:15:00Z",
    ]);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("✓ verified"),
        "{}",
        both(&o)
    );

    let crit = format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(r#"{"alg":"RS256","kid":"h","crit":["exp"]}"#),
        b64(&claims.to_string())
    );
    std::fs::write(&token, &crit).unwrap();
    let o = run(&[
        "decode",
        token.to_str().unwrap(),
        "--jwks",
        jwks.to_str().unwrap(),
        "--now",
        "2026-03-02T10:15:00Z",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signature"]["verified"], Value::Null, "{v}");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"token.crit-header"), "{ids:?}");
    let severity = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "token.crit-header")
        .unwrap()["severity"]
        .clone();
    assert_eq!(severity, "warning");
}
