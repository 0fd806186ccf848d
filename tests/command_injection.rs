//! Commands that cannot be hijacked (issue 13, item 3, end to end). Values read from
//! logs (an AWS role name, an Azure client id, a Vault mount and role) reach the
//! suggested "next evidence" commands that people paste into a shell. Each case feeds
//! shell metacharacters, quotes, `$(…)`, backticks and escapes through `diagnose`, then
//! runs every printed command line under `sh -n` and under `sh` with a `PATH` of stub
//! binaries (aws, az, gcloud, gh, glab, vault, kubectl, oidc-triage) that record their
//! argv, and the real `touch`, in a temporary folder: no `PROOF` file may appear, and the stub must receive
//! the value from the log as one argument, unchanged.
//!
//! Every case runs: the CI-log commands are built by the knowledge layer's command
//! builder (`text::command`), which quotes every value; before it, the AWS, Azure and
//! Vault cases created PROOF.
//!
//! Index:
//! - `the_harness_catches_an_injection`
//! - `cloudtrail_role_commands_cannot_be_hijacked`
//! - `ci_log_aws_role_commands_cannot_be_hijacked`
//! - `ci_log_azure_client_id_commands_cannot_be_hijacked`
//! - `ci_log_vault_role_commands_cannot_be_hijacked`

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The programs a printed command may start with; each is a recording stub.
const STUBS: &[&str] = &[
    "aws",
    "az",
    "gcloud",
    "gh",
    "glab",
    "vault",
    "kubectl",
    "oidc-triage",
];

/// What running one printed command did.
struct Ran {
    command: String,
    /// argv (without the program) of every stub call, with the stub's name.
    calls: Vec<(String, Vec<String>)>,
}

/// Run `command` as a person pasting it would: `sh -n` first, then `sh` with only the
/// stubs on `PATH`, in a fresh folder. Err when it does not parse or creates `PROOF*`.
fn run_printed(command: &str) -> Result<Ran, String> {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    let calls = dir.path().join("calls");
    let work = dir.path().join("work");
    for d in [&bin, &calls, &work] {
        std::fs::create_dir(d).unwrap();
    }
    for stub in STUBS {
        let path = bin.join(stub);
        std::fs::write(
            &path,
            "#!/bin/sh\nn=0\nwhile [ -e \"$CALLS/${0##*/}.$n\" ]; do n=$((n+1)); done\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$CALLS/${0##*/}.$n\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // `touch` is the real one: an injected `touch PROOF` must be able to succeed, so
    // that its absence means it never ran.
    for real in ["/usr/bin/touch", "/bin/touch"] {
        if Path::new(real).exists() {
            std::os::unix::fs::symlink(real, bin.join("touch")).unwrap();
            break;
        }
    }
    let parse = Command::new("/bin/sh")
        .args(["-n", "-c", command])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    if !parse.status.success() {
        return Err(format!(
            "`sh -n` rejects {command:?}: {}",
            String::from_utf8_lossy(&parse.stderr)
        ));
    }
    let _ = Command::new("/bin/sh")
        .args(["-c", command])
        .env_clear()
        .env("PATH", &bin)
        .env("CALLS", &calls)
        .env("IFS", " \t\n")
        .current_dir(&work)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let proof: Vec<String> = [&work, dir.path(), &bin, &calls]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("PROOF"))
        .collect();
    if !proof.is_empty() {
        return Err(format!("{command:?} created {proof:?}"));
    }
    let mut recorded = Vec::new();
    for entry in std::fs::read_dir(&calls).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stub = name.split('.').next().unwrap_or_default().to_owned();
        let bytes = std::fs::read(entry.path()).unwrap();
        let argv: Vec<String> = bytes
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        recorded.push((stub, argv));
    }
    Ok(Ran {
        command: command.to_owned(),
        calls: recorded,
    })
}

/// The next-evidence commands `diagnose --format json` prints for `input` (shell
/// commands only: a query such as Athena's `SELECT …` is not run in a shell).
fn printed_commands(name: &str, input: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, input).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_oidc-triage"))
        .args(["diagnose", path.to_str().unwrap(), "--format", "json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["next_evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["command"].as_str())
        .filter(|c| {
            let first = c.split_whitespace().next().unwrap_or_default();
            STUBS.contains(&first)
        })
        .map(str::to_owned)
        .collect()
}

/// Every printed command runs safely, and some call of `stub` has `value` as one of
/// its arguments (or as the suffix of one after `prefix`, for `auth/MOUNT/role/ROLE`).
fn assert_safe_and_exact(case: &str, commands: &[String], stub: &str, expected: &[&str]) {
    assert!(!commands.is_empty(), "{case}: no command printed");
    let mut failures = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for command in commands {
        match run_printed(command) {
            Err(e) => failures.push(e),
            Ok(ran) => {
                for (name, argv) in &ran.calls {
                    if name == stub {
                        seen.extend(argv.iter().cloned());
                    }
                }
                let _ = ran.command;
            }
        }
    }
    for value in expected {
        if !seen.iter().any(|a| a == value) {
            failures.push(format!(
                "{stub} never received {value:?} as one argument (got {seen:?}) from {commands:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{case}:\n{}", failures.join("\n"));
}

#[test]
fn the_harness_catches_an_injection() {
    // An unquoted value, as place.rs prints today: the harness must see through it.
    let e = run_printed("aws iam get-role --role-name deploy;touch${IFS}PROOF;#").err();
    assert!(e.is_some_and(|e| e.contains("PROOF")));
    let ran = run_printed("aws iam get-role --role-name 'deploy;touch${IFS}PROOF;#'").unwrap();
    assert_eq!(
        ran.calls,
        vec![(
            "aws".to_owned(),
            vec![
                "iam".to_owned(),
                "get-role".to_owned(),
                "--role-name".to_owned(),
                "deploy;touch${IFS}PROOF;#".to_owned()
            ]
        )]
    );
    assert!(run_printed("aws iam get-role --role-name 'unclosed").is_err());
}

/// Role names a log could carry: a command separator, `$(…)`, backticks, quotes and
/// a backslash escape.
const HOSTILE_ROLES: &[&str] = &[
    "deploy;touch${IFS}PROOF;#",
    "deploy$(touch PROOF1)",
    "deploy`touch PROOF2`",
    "deploy'\";touch PROOF3;'",
    "deploy\\ntouch${IFS}PROOF4",
    "deploy&&touch PROOF5||",
];

#[test]
fn cloudtrail_role_commands_cannot_be_hijacked() {
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/cloudtrail/lines-trust-refused.jsonl"),
    )
    .unwrap();
    for role in HOSTILE_ROLES {
        // JSON-escape the role for the event.
        let json_role = serde_json::to_string(role).unwrap();
        let json_role = &json_role[1..json_role.len() - 1];
        let input = template.replace("role/gha-deploy", &format!("role/{json_role}"));
        let commands = printed_commands("ct.jsonl", &input);
        let get_role: Vec<String> = commands
            .iter()
            .filter(|c| c.contains("get-role"))
            .cloned()
            .collect();
        assert_safe_and_exact(
            &format!("cloudtrail role {role:?}"),
            &get_role,
            "aws",
            &[role],
        );
    }
}

fn github_aws_log(role: &str) -> String {
    format!(
        "Run aws-actions/configure-aws-credentials@v4\n  with:\n    role-to-assume: arn:aws:iam::123456789012:role/{role}\n    aws-region: us-east-1\nError: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n"
    )
}

#[test]
fn ci_log_aws_role_commands_cannot_be_hijacked() {
    for role in HOSTILE_ROLES {
        let commands = printed_commands("job.log", &github_aws_log(role));
        assert_safe_and_exact(&format!("ci log role {role:?}"), &commands, "aws", &[role]);
    }
}

#[test]
fn ci_log_azure_client_id_commands_cannot_be_hijacked() {
    for id in [
        "3f2b8c1e$(touch PROOF)",
        "3f2b8c1e`touch PROOF1`",
        "3f2b8c1e;touch${IFS}PROOF2;#",
        "3f2b8c1e'\"$(touch PROOF3)",
    ] {
        let log = format!(
            "Run azure/login@v2\n  with:\n    client-id: {id}\n    tenant-id: 5e1c9a7b-2f3d-4c8e-a6b0-9d7f1e2c3b4a\nError: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme/web:environment:Production'.\n"
        );
        let commands = printed_commands("job.log", &log);
        assert_safe_and_exact(&format!("azure client-id {id:?}"), &commands, "az", &[id]);
    }
}

#[test]
fn ci_log_vault_role_commands_cannot_be_hijacked() {
    for (mount, role) in [
        ("jwt;touch${IFS}PROOF;#", "web"),
        ("jwt", "web$(touch PROOF1)"),
        ("jwt", "web`touch PROOF2`"),
        ("jwt'\"", "web';touch PROOF3;'"),
    ] {
        let log = format!(
            "Run hashicorp/vault-action@v3\n  with:\n    url: https://vault.example.com\n    method: jwt\n    path: {mount}\n    role: {role}\nError: failed to retrieve vault token. code: 400, message: error validating claims: claim \"ref_protected\" does not match any associated bound claim values\n"
        );
        let commands = printed_commands("job.log", &log);
        let expected = format!("auth/{mount}/role/{role}");
        assert_safe_and_exact(
            &format!("vault mount {mount:?} role {role:?}"),
            &commands,
            "vault",
            &[expected.as_str()],
        );
    }
}
