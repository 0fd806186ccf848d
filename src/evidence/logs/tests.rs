//! Values read from logs and exports are attacker-controlled (a branch, a role name, an
//! app id can hold shell syntax). Every command a reader prints must carry such a
//! value as one shell word, whatever it holds: a log line or an export field with
//! `;touch${IFS}PROOF;#` yields commands whose argv, split with POSIX shell rules,
//! holds the value whole in one word and never as shell syntax.

use crate::clock::Clock;
use crate::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use crate::evidence::Input;

/// What an attacker appends to a value.
const TAIL: &str = ";touch${IFS}PROOF;#";

fn run(inputs: Vec<Input>) -> Diagnosis {
    diagnose(&inputs, &DiagnoseOptions::default(), || {
        Clock::fixed(1_772_446_500)
    })
}

fn file(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every printed command that carries the hostile value splits back to words, and
/// the value sits whole inside one of them. Returns those commands.
fn hostile_commands(d: &Diagnosis) -> Vec<String> {
    for f in &d.findings {
        // Fixes are prose that name commands: the value is in them only as a quoted word.
        assert!(
            !f.fix.contains(&format!("{TAIL} ")) || f.fix.contains(&format!("{TAIL}' ")),
            "a fix names the value as shell syntax: {}",
            f.fix
        );
    }
    let commands: Vec<String> = d
        .next_evidence
        .iter()
        .map(|n| n.command.clone())
        .filter(|c| c.contains("PROOF"))
        .collect();
    for c in &commands {
        let words = shlex::split(c).unwrap_or_else(|| panic!("does not split: {c}"));
        for w in words.iter().filter(|w| w.contains("PROOF")) {
            assert_eq!(
                w.matches("PROOF").count(),
                w.matches(TAIL).count(),
                "the value is split across words: {c}"
            );
        }
        assert!(
            !words.iter().any(|w| w == "touch" || w.starts_with('#')),
            "shell syntax leaked: {c}"
        );
    }
    commands
}

fn assert_some_command(d: &Diagnosis, program: &str) {
    let commands = hostile_commands(d);
    assert!(
        commands.iter().any(|c| c.contains(program)),
        "no `{program}` command carries the value: {:#?}",
        d.next_evidence
    );
}

fn job_log(lines: &[&str]) -> Diagnosis {
    run(vec![Input::pasted("job.log", lines.join("\n"))])
}

#[test]
fn a_role_arn_from_a_job_log_stays_one_word() {
    let role = format!("  role-to-assume: arn:aws:iam::123456789012:role/deploy{TAIL}");
    let d = job_log(&[
        "Run aws-actions/configure-aws-credentials@v4",
        "with:",
        &role,
        "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ]);
    assert_some_command(&d, "aws iam get-role --role-name");
}

#[test]
fn an_azure_client_id_from_a_job_log_stays_one_word() {
    let client = format!("  client-id: 0f1e2d3c{TAIL}");
    let d = job_log(&[
        "Run azure/login@v2",
        "with:",
        &client,
        "Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:a/b:ref:refs/heads/main'.",
    ]);
    assert_some_command(&d, "az ad app federated-credential list");
}

#[test]
fn a_vault_mount_and_role_from_a_job_log_stay_one_word() {
    let path = format!("  path: jwt{TAIL}");
    let role = format!("  role: deploy{TAIL}");
    let d = job_log(&[
        "Run hashicorp/vault-action@v3",
        "with:",
        &path,
        &role,
        r#"failed to retrieve vault token. code: 400, vaultResponse: {"errors":["error validating token: invalid audience (aud) claim: audience claim does not match any expected audience"]}"#,
    ]);
    assert_some_command(&d, "vault read");
}

#[test]
fn a_gcp_service_account_from_a_job_log_stays_one_word() {
    let sa = format!("  service_account: deploy{TAIL}");
    let d = job_log(&[
        "Run google-github-actions/auth@v2",
        "with:",
        &sa,
        "Error: google-github-actions/auth failed with: failed to generate Google Cloud OAuth 2.0 Access Token: Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
    ]);
    assert_some_command(&d, "gcloud iam service-accounts get-iam-policy");
}

#[test]
fn a_role_arn_from_cloudtrail_stays_one_word() {
    let refused = file("tests/fixtures/cloudtrail/lines-trust-refused.jsonl")
        .replace("role/gha-deploy\"", &format!("role/gha-deploy{TAIL}\""));
    let d = run(vec![Input::pasted("trail.jsonl", refused)]);
    assert_some_command(&d, "aws iam get-role --role-name");
    assert_some_command(&d, "aws cloudtrail start-query --query-statement");

    let denied = file("tests/fixtures/cloudtrail/s3-delivery-deploy-denied.json")
        .replace("gha-deploy", &format!("gha-deploy{TAIL}"));
    let d = run(vec![Input::pasted("trail.json", denied)]);
    assert_some_command(&d, "aws iam simulate-principal-policy --policy-source-arn");
    assert_some_command(&d, "aws iam list-role-policies --role-name");
}

#[test]
fn a_gcp_service_account_and_project_from_an_audit_log_stay_one_word() {
    let log = file("scenarios/gcp-audit-exchange-ok-impersonation-denied/audit-log.json")
        .replace("acme-payments-prod", &format!("acme{TAIL}"));
    let d = run(vec![Input::pasted("audit-log.json", log)]);
    assert_some_command(&d, "gcloud iam service-accounts get-iam-policy");
    assert_some_command(&d, "gcloud logging read");
}

#[test]
fn an_app_id_from_a_sign_in_log_stays_one_word() {
    let log = file("scenarios/azure-signin-700213-then-fixed/signins.json").replace(
        "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        &format!("0f1e{TAIL}"),
    );
    let d = run(vec![Input::pasted("signins.json", log)]);
    assert_some_command(&d, "az monitor log-analytics query");
    assert_some_command(&d, "az rest --method get");
    assert_some_command(&d, "az monitor activity-log list");
}

/// Every command id a reader names exists in the knowledge (a missing one would print
/// nothing, silently).
#[test]
fn every_command_a_reader_names_exists() {
    let k = crate::vocabulary::knowledge::knowledge();
    let call = regex::Regex::new(
        r#"(?s)(?:next(?:_chain)?\(\s*out,|next_evidence\()\s*(&\[[^\]]*\]|"[^"]+")"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let word = regex::Regex::new(r#""([^"]+)""#).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = 0;
    let mut paths = Vec::new();
    for dir in ["ci_log", "cloudtrail", "gcp_audit", "azure_signin"] {
        paths.push(format!("src/evidence/{dir}.rs"));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/evidence")
            .join(dir);
        let mut stack = vec![root];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{e}")) {
                let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path
                        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(&path);
                    paths.push(rel.display().to_string());
                }
            }
        }
    }
    for path in &paths {
        let text = file(path);
        for c in call.captures_iter(&text) {
            for id in word.captures_iter(&c[1]) {
                assert!(
                    k.command(&id[1]).is_some(),
                    "{path}: command `{}` is not in the knowledge",
                    &id[1]
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 30, "only {seen} command ids found");
}
