//! Log exports read as streams, in bounded memory, must diagnose exactly as the same
//! bytes held whole: a `{"Records":[…]}` file under the old whole-read threshold, standard
//! input, a named pipe (which must be read once: opening it again would wait for a
//! writer that is gone) and a process substitution (`<(cat export.json)`, which used to
//! say "no CloudTrail event found").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use oidc_triage::clock::{Clock, ClockSource, parse_rfc3339};
use oidc_triage::diagnosis::{DiagnoseOptions, diagnose};
use oidc_triage::evidence::{HEAD_BYTES, Input};
use serde_json::Value;

#[path = "../benches/support/generator.rs"]
mod generator;

use generator::Shape;

/// The diagnosis as JSON, without what names the input (its name and its size, which
/// a stream does not know past its head).
fn diagnosis_of(input: Input) -> Value {
    let options = DiagnoseOptions {
        now: Some(parse_rfc3339("2026-03-02T12:00:00Z").unwrap()),
        ..DiagnoseOptions::default()
    };
    let wall = Clock {
        now: parse_rfc3339("2026-03-02T12:00:00Z").unwrap(),
        source: ClockSource::WallClock,
    };
    let mut v = serde_json::to_value(diagnose(&[input], &options, || wall)).unwrap();
    strip_names(&mut v);
    v
}

fn strip_names(v: &mut Value) {
    if let Some(artifacts) = v.get_mut("artifacts").and_then(Value::as_array_mut) {
        for a in artifacts {
            if let Some(o) = a.as_object_mut() {
                o.remove("size");
                o.remove("name");
            }
        }
    }
}

/// Replace the input's name everywhere it is cited.
fn renamed(mut input: Input) -> Input {
    input.name = "export.json".to_owned();
    input
}

fn records_export(mib: u64) -> Vec<u8> {
    let (bytes, written) = generator::export(Shape::Records, mib << 20, 5);
    assert!(written.web_identity > 0);
    bytes
}

#[test]
fn a_records_file_under_the_stream_threshold_is_streamed_not_held() {
    let bytes = records_export(3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, &bytes).unwrap();
    let input = Input::from_path(&path).unwrap();
    assert!(input.truncated, "only the head is held");
    assert_eq!(input.bytes.len(), HEAD_BYTES);
    assert_eq!(
        diagnosis_of(renamed(input)),
        diagnosis_of(Input::pasted("export.json", bytes))
    );
}

#[test]
fn a_small_policy_file_is_still_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    let mut policy = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#.to_vec();
    // Over the head, so the head alone would not parse.
    policy.extend(std::iter::repeat_n(b' ', HEAD_BYTES + 10));
    std::fs::write(&path, &policy).unwrap();
    let input = Input::from_path(&path).unwrap();
    assert!(!input.truncated);
    assert_eq!(input.bytes.len(), policy.len());
}

#[test]
fn stdin_streams_an_export_past_its_head() {
    let bytes = records_export(3);
    let input = Input::from_stream("stdin", Box::new(std::io::Cursor::new(bytes.clone()))).unwrap();
    assert!(input.truncated);
    assert_eq!(input.bytes.len(), HEAD_BYTES);
    assert_eq!(
        diagnosis_of(renamed(input)),
        diagnosis_of(Input::pasted("export.json", bytes))
    );
}

#[test]
fn a_stream_that_is_not_an_export_is_read_whole() {
    let mut text = b"2026-03-02T10:00:00Z ##[error]Could not assume role with OIDC\n".to_vec();
    text.extend(std::iter::repeat_n(b'a', HEAD_BYTES));
    let input = Input::from_stream("stdin", Box::new(std::io::Cursor::new(text.clone()))).unwrap();
    assert!(!input.truncated);
    assert_eq!(input.bytes, text);
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_named_pipe_is_read_once_and_diagnosed() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("export.json");
    if !mkfifo(&fifo) {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    let bytes = records_export(3);
    let writer = {
        let (fifo, bytes) = (fifo.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(&bytes).unwrap();
        })
    };
    let input = Input::from_path(&fifo).unwrap();
    let got = diagnosis_of(renamed(input));
    writer.join().unwrap();
    assert_eq!(got, diagnosis_of(Input::pasted("export.json", bytes)));
}

#[test]
fn a_small_named_pipe_is_read_once_too() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("export.json");
    if !mkfifo(&fifo) {
        return;
    }
    let (bytes, _) = generator::export(Shape::Lines, 200_000, 9);
    let writer = {
        let (fifo, bytes) = (fifo.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(&bytes).unwrap();
        })
    };
    let input = Input::from_path(&fifo).unwrap();
    assert!(!input.truncated);
    let got = diagnosis_of(renamed(input));
    writer.join().unwrap();
    assert_eq!(got, diagnosis_of(Input::pasted("export.json", bytes)));
}

/// `diagnose --format json` of the binary, without the input's name and size.
fn cli_json(args: &[&str], stdin: Option<&[u8]>) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oidc-triage"));
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let out = child.wait_with_output().unwrap();
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    strip_names(&mut v);
    // Evidence cites the artifact by name.
    let text = serde_json::to_string(&v).unwrap();
    let mut text = text;
    for name in ["\"stdin\"", "\"/dev/fd/63\""] {
        text = text.replace(name, "\"export.json\"");
    }
    serde_json::from_str(&text).unwrap()
}

#[test]
fn process_substitution_and_stdin_diagnose_like_the_file() {
    let bytes = records_export(2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, &bytes).unwrap();
    let file = path.to_str().unwrap();
    let base = [
        "diagnose",
        "--format",
        "json",
        "--now",
        "2026-03-02T12:00:00Z",
    ];
    let mut from_file = cli_json(&[&base[..], &[file]].concat(), None);
    let text = serde_json::to_string(&from_file)
        .unwrap()
        .replace(&format!("\"{file}\""), "\"export.json\"");
    from_file = serde_json::from_str(&text).unwrap();
    let from_stdin = cli_json(&[&base[..], &["-"]].concat(), Some(&bytes));
    assert_eq!(from_stdin, from_file, "stdin");
    if Path::new("/bin/bash").exists() {
        let script = format!(
            "exec \"$0\" diagnose --format json --now 2026-03-02T12:00:00Z <(cat '{file}')"
        );
        let out = Command::new("/bin/bash")
            .args(["-c", &script, env!("CARGO_BIN_EXE_oidc-triage")])
            .output()
            .unwrap();
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
        });
        strip_names(&mut v);
        let text = serde_json::to_string(&v).unwrap();
        let fd = v["artifacts"][0]["kind"].clone();
        assert_eq!(fd, "cloudtrail", "{text}");
        assert_eq!(v["stopped_at"], from_file["stopped_at"]);
        assert_eq!(
            v["findings"].as_array().map(Vec::len),
            from_file["findings"].as_array().map(Vec::len)
        );
    }
}
