//! Every scenario under `scenarios/` is a test: the engine's diagnosis of its
//! artifacts, at its clock, must match what its `[expect]` declares, every artifact
//! must be recognised, and every scenario cites sources and explains its questions
//! (checked when it loads).
//!
//! - every_scenario_matches_its_expectations: the folder on disk, through the engine.
//! - the_embedded_library_is_the_scenarios_folder: build.rs embedded every folder.
//! - the_library_covers_every_stage_cloud_and_platform: size, sources, questions and
//!   coverage of the vocabularies, so drills exist for every case.
//! - a_broken_scenario_is_reported_not_hidden.

// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use oidc_triage::scenario::{Scenario, library};
use oidc_triage::token::Cloud;
use oidc_triage::token::platform::Platform;
use oidc_triage::vocabulary::Stage;

fn scenarios_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
}

fn load_folder() -> Vec<Scenario> {
    Scenario::load_all(scenarios_dir())
        .expect("the scenarios folder is readable")
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn the_embedded_library_is_the_scenarios_folder() {
    let (embedded, errors) = library(None);
    assert!(errors.is_empty(), "{errors:?}");
    let on_disk = load_folder();
    let slugs = |v: &[Scenario]| v.iter().map(|s| s.slug.clone()).collect::<Vec<_>>();
    assert_eq!(slugs(&embedded), slugs(&on_disk));
    for (e, d) in embedded.iter().zip(&on_disk) {
        assert_eq!(e.spec, d.spec, "{}", e.slug);
        let files = |s: &Scenario| {
            s.inputs
                .iter()
                .map(|i| (i.name.clone(), i.bytes.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(files(e), files(d), "{}", e.slug);
    }
}

#[test]
fn the_library_covers_every_stage_cloud_and_platform() {
    let scenarios = load_folder();
    assert!(
        scenarios.len() >= 30,
        "the library has {} scenarios, at least 30 wanted",
        scenarios.len()
    );
    for s in &scenarios {
        assert!(
            s.spec.sources.iter().any(|u| u.starts_with("https://")),
            "{}: cites no https source",
            s.slug
        );
        assert!(!s.spec.question.is_empty(), "{}: no question", s.slug);
        for q in &s.spec.question {
            assert!(
                !q.why.trim().is_empty(),
                "{}: a question without why",
                s.slug
            );
        }
    }
    let stopped: BTreeSet<&str> = scenarios
        .iter()
        .map(|s| s.spec.expect.stopped_at.as_str())
        .collect();
    for stage in Stage::ALL.iter().map(|s| s.name()).chain(["none"]) {
        assert!(stopped.contains(stage), "no scenario stops at {stage}");
    }
    let clouds: BTreeSet<&str> = scenarios.iter().map(|s| s.spec.cloud.as_str()).collect();
    for cloud in Cloud::ALL {
        assert!(
            clouds.contains(cloud.name()),
            "no {} scenario",
            cloud.name()
        );
    }
    let platforms: BTreeSet<&str> = scenarios.iter().map(|s| s.spec.platform.as_str()).collect();
    for platform in Platform::ALL.iter().filter(|p| **p != Platform::Generic) {
        assert!(
            platforms.contains(platform.name()),
            "no {} scenario",
            platform.name()
        );
    }
    let healthy = scenarios
        .iter()
        .filter(|s| s.spec.expect.stopped_at == "none")
        .count();
    assert!(healthy >= 3, "{healthy} healthy scenarios, 3 wanted");
    let risky_healthy = scenarios
        .iter()
        .filter(|s| s.spec.expect.stopped_at == "none" && s.spec.expect.max_risk == "high")
        .count();
    assert!(
        risky_healthy >= 2,
        "{risky_healthy} healthy-but-insecure scenarios, 2 wanted"
    );
}

#[test]
fn every_scenario_matches_its_expectations() {
    let root = scenarios_dir();
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
