//! Every scenario under `scenarios/` is a test: the engine's diagnosis of its
//! artifacts, at its clock, must match what its `[expect]` declares, every artifact
//! must be recognised, and every scenario cites sources and explains its questions
//! (checked when it loads).

use std::path::Path;

use oidc_triage::scenario::Scenario;

#[test]
fn every_scenario_matches_its_expectations() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    let scenarios = Scenario::load_all(root).expect("the scenarios folder is readable");
    assert!(
        !scenarios.is_empty(),
        "no scenario found under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for scenario in &scenarios {
        match scenario {
            Err(e) => failures.push(format!("{e}")),
            Ok(s) => {
                for mismatch in s.verify() {
                    failures.push(format!("{}: {mismatch}", s.slug));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_broken_scenario_is_reported_not_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(
        broken.join("scenario.toml"),
        "title = \"x\"\nticket = \"x\"\nplatform = \"github-actions\"\ncloud = \"aws\"\nnow = \"2026-03-02T10:15:00Z\"\nsources = []\nexplanation = \"x\"\n[expect]\nstopped_at = \"trust\"\nmax_risk = \"none\"\n",
    )
    .unwrap();
    let bad_id = dir.path().join("bad-id");
    std::fs::create_dir(&bad_id).unwrap();
    std::fs::write(
        bad_id.join("scenario.toml"),
        "title = \"x\"\nticket = \"x\"\nplatform = \"github-actions\"\ncloud = \"aws\"\nnow = \"2026-03-02T10:15:00Z\"\nsources = [\"https://example.com\"]\nexplanation = \"x\"\n[expect]\nstopped_at = \"trust\"\nfindings = [\"trust.made-up\"]\nmax_risk = \"none\"\n",
    )
    .unwrap();
    let loaded = Scenario::load_all(dir.path()).unwrap();
    let errors: Vec<String> = loaded
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("trust.made-up")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("sources")), "{errors:?}");
}
