//! The published JSON Schemas (`assets/schemas/`): every JSON output the suite can
//! produce validates against its schema, and `oidc-triage schema NAME` prints them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use oidc_triage::report::json::write_json;
use oidc_triage::scenario::library;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join(format!("assets/schemas/{name}-v1.json"))).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}: the schema does not compile: {e}"))
}

fn assert_valid(v: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

fn bin(args: &[&str]) -> (Option<i32>, Value, Vec<u8>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oidc-triage"));
    cmd.current_dir(root()).args(args);
    if args[0] != "schema" {
        cmd.arg("--no-config");
    }
    let out = cmd.output().unwrap();
    let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), value, out.stdout)
}

fn scenario_files() -> Vec<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("scenario.toml").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| {
            let mut files: Vec<PathBuf> = std::fs::read_dir(d)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n != "scenario.toml"))
                .collect();
            files.sort();
            files
        })
        .collect()
}

#[test]
fn every_scenario_diagnosis_matches_the_diagnosis_schema() {
    let v = validator("diagnosis");
    let (scenarios, errors) = library(None);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(scenarios.len() > 10);
    for s in &scenarios {
        let mut out = Vec::new();
        write_json(&mut out, &s.diagnose()).unwrap();
        let value: Value = serde_json::from_slice(&out).unwrap();
        assert_valid(&v, &value, &s.slug);
    }
}

#[test]
fn the_schemas_refuse_what_v1_forbids() {
    let v = validator("diagnosis");
    let (scenarios, _) = library(None);
    let mut out = Vec::new();
    write_json(&mut out, &scenarios[0].diagnose()).unwrap();
    let good: Value = serde_json::from_slice(&out).unwrap();
    // New fields are allowed…
    let mut extra = good.clone();
    extra["a_new_field"] = Value::from(1);
    assert!(v.is_valid(&extra));
    // …but not a missing required field, another schema name, or an unknown vocabulary word.
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("stages");
    assert!(!v.is_valid(&missing));
    let mut renamed = good.clone();
    renamed["schema"] = Value::from("oidc-triage/diagnosis/v2");
    assert!(!v.is_valid(&renamed));
    let mut health = good;
    health["health"] = Value::from("fine");
    assert!(!v.is_valid(&health));
}

#[test]
fn decode_json_matches_the_decode_schema() {
    let v = validator("decode");
    let (code, value, _) = bin(&["decode", "assets/sample/id-token.json", "--format", "json"]);
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
    assert_valid(&v, &value, "sample");
    let (_, value, _) = bin(&[
        "decode",
        "assets/sample/id-token.json",
        "--jwks",
        "assets/sample/jwks.json",
        "--now",
        "2026-03-02T10:15:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(value["signature"]["verified"], true);
    assert_valid(&v, &value, "sample with jwks");
    // Every token or claim set among the scenarios' artifacts.
    let mut decoded = 0;
    for files in scenario_files() {
        for f in files {
            let f = f.to_string_lossy().into_owned();
            let (code, value, _) = bin(&["decode", &f, "--format", "json"]);
            if code == Some(2) {
                continue;
            }
            assert_valid(&v, &value, &f);
            decoded += 1;
        }
    }
    assert!(decoded >= 10, "only {decoded} decoded");
}

#[test]
fn lint_json_of_every_scenario_matches_the_lint_schema() {
    let v = validator("lint");
    let mut linted = 0;
    for files in scenario_files() {
        let mut args = vec!["lint".to_owned(), "--format".into(), "json".into()];
        args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, value, _) = bin(&args);
        if code == Some(2) {
            continue;
        }
        assert_valid(&v, &value, &format!("{files:?}"));
        linted += 1;
    }
    assert!(linted >= 5, "only {linted} linted");
}

#[test]
fn scenarios_json_matches_the_scenarios_schema() {
    let v = validator("scenarios");
    let (code, list, _) = bin(&["scenarios", "list", "--format", "json"]);
    assert_eq!(code, Some(0));
    assert_valid(&v, &list, "list");
    let (code, verify, _) = bin(&["scenarios", "verify", "--format", "json"]);
    assert_eq!(code, Some(0));
    assert_valid(&v, &verify, "verify");
    let slug = list["scenarios"][0]["slug"].as_str().unwrap().to_owned();
    for reveal in [false, true] {
        let mut args = vec!["scenarios", "show", &slug, "--format", "json"];
        if reveal {
            args.push("--reveal");
        }
        let (code, show, _) = bin(&args);
        assert_eq!(code, Some(0));
        assert_valid(&v, &show, "show");
    }
}

#[test]
fn schema_command_prints_each_schema() {
    for name in ["decode", "diagnosis", "lint", "scenarios"] {
        let file = std::fs::read(root().join(format!("assets/schemas/{name}-v1.json"))).unwrap();
        let (code, value, raw) = bin(&["schema", name]);
        assert_eq!(code, Some(0), "{name}");
        assert_eq!(raw, file, "{name}");
        assert!(
            value["description"]
                .as_str()
                .unwrap()
                .contains(&format!("oidc-triage/{name}/v1"))
        );
        let (code, _, full) = bin(&["schema", &format!("oidc-triage/{name}/v1")]);
        assert_eq!(code, Some(0));
        assert_eq!(full, file);
    }
    let (code, _, _) = bin(&["schema", "nope"]);
    assert_eq!(code, Some(2));
}
