//! End to end: `oidc-triage practice SCENARIO` in a real terminal (tmux), driven by
//! `send-keys` and read back with `capture-pane`.
//!
//! Index:
//! - `drill_and_wrap_up_are_answered_and_saved`: opens on a scenario's ticket, opens an
//!   attachment, answers the drill's three steps (a number chooses, Enter confirms),
//!   reveals; goes to the wrap-up, answers ten questions, reads the score and the
//!   review; checks the progress file under `XDG_DATA_HOME`; `q` exits 0.
//! - `break_and_repair_a_flow_then_a_recall_drill`: play/break on a healthy scenario,
//!   applies the pull request fault and reads the engine's stop at Trust, undoes it and
//!   reads the repair; then the 90-second drill, recalled in order with the evidence
//!   for each stage (the options are shuffled, so the test reads them off the screen);
//!   the score and the progress file record it.
//!
//! The harness is `tests/common/tmux.rs`, shared with `tests/e2e_tmux.rs`: each test
//! runs its own tmux server (`-L`, a socket unique to the test and process) with no
//! user config, a guard kills it however the test ends, and without tmux the test
//! prints a skip message.

#![cfg(feature = "tui")]
// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/tmux.rs"]
mod tmux;
use tmux::{Tmux, command_line, sh_quote, tmux_available};

/// The practice screens read whole at this size without scrolling.
const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;

/// A scenario that stops at trust: stage 3 is the right first answer.
const SLUG: &str = "aws-environment-subject-vs-branch-policy";

#[test]
fn drill_and_wrap_up_are_answered_and_saved() {
    if !tmux_available("drill_and_wrap_up_are_answered_and_saved") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let command = format!(
        "env XDG_DATA_HOME={} {}",
        sh_quote(data.path().to_str().unwrap()),
        command_line(&["practice", SLUG])
    );
    let tmux = Tmux::start("practice-drill", WIDTH, HEIGHT, data.path(), &command);

    // The drill opens on the ticket, its title (which names the cause) hidden.
    let ticket = tmux.wait_for("the ticket", |s| {
        s.contains("Ticket: Since we added `environment: production`")
    });
    assert!(
        !ticket.contains("Deploy job with an environment"),
        "{ticket}"
    );
    // An attachment opens in the raw viewer before answering.
    tmux.keys(&["1"]);
    tmux.wait_for("the trust policy", |s| {
        s.contains("AssumeRolePolicyDocument")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the ticket again", |s| {
        s.contains("Press Enter to start answering")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the stage question", |s| s.contains("Step 1/3"));
    // A number only moves the choice; Enter confirms it.
    tmux.keys(&["3"]);
    tmux.wait_for("the choice on Trust", |s| s.contains("▶ 3. Trust"));
    assert!(tmux.capture().contains("Step 1/3"), "a number confirmed");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the cause question", |s| s.contains("Step 2/3"));
    tmux.keys(&["1", "Enter"]);
    tmux.wait_for("the fix question", |s| s.contains("Step 3/3"));
    tmux.keys(&["1", "Enter"]);
    tmux.wait_for("the locked answers", |s| s.contains("Your answers are in"));
    tmux.keys(&["Enter"]);
    let reveal = tmux.wait_for("the reveal", |s| s.contains("Reveal ·"));
    assert!(reveal.contains("✓ stage: Trust"), "{reveal}");
    assert!(reveal.contains("What happened"), "{reveal}");

    // Back to the menu (picker, then menu) and into the wrap-up.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the picker", |s| s.contains("drill: pick a ticket"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the menu", |s| s.contains("Wrap-up assessment"));
    tmux.keys(&["5", "Enter"]);
    for n in 1..=10 {
        let heading = format!("Question {n}/10");
        tmux.wait_for(&heading, |s| s.contains(&heading));
        tmux.keys(&["1", "Enter"]);
        tmux.wait_for("the why", |s| s.contains("Why: "));
        tmux.keys(&["Enter"]);
    }
    let result = tmux.wait_for("the score", |s| s.contains("pass mark 70%"));
    assert!(result.contains("Score "), "{result}");
    assert!(result.contains("saved to"), "{result}");
    assert!(
        result.contains("Review: the") || result.contains("Nothing to review"),
        "{result}"
    );

    // The progress file holds both.
    let path = data.path().join("oidc-triage/progress.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["scenarios"][SLUG]["attempts"], 1, "{json}");
    assert_eq!(json["wrap_ups"][0]["total"], 10, "{json}");

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(), 0);
    let after = tmux.capture_with_history();
    assert!(
        !after.contains("Score "),
        "the alternate screen is left: {after}"
    );
}

/// A healthy scenario: every stage passes until the learner breaks it.
const HEALTHY: &str = "github-aws-environment-healthy-cloudtrail";

/// The number of the option line holding `text` on a screen ("  3. Trust" → 3).
fn option_number(screen: &str, text: &str) -> Option<String> {
    screen.lines().find_map(|line| {
        let t = line.trim_start().trim_start_matches('▶').trim_start();
        let (n, rest) = t.split_once(". ")?;
        (n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() && rest.trim_end() == text)
            .then(|| n.to_owned())
    })
}

#[test]
fn break_and_repair_a_flow_then_a_recall_drill() {
    if !tmux_available("break_and_repair_a_flow_then_a_recall_drill") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let command = format!(
        "env XDG_DATA_HOME={} {}",
        sh_quote(data.path().to_str().unwrap()),
        command_line(&["practice", HEALTHY])
    );
    let tmux = Tmux::start("practice-break", WIDTH, HEIGHT, data.path(), &command);
    tmux.wait_for("the ticket", |s| {
        s.contains("Press Enter to start answering")
    });
    // Back to the menu; Play / Break opens on the scenario last worked on.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the picker", |s| s.contains("drill: pick a ticket"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the menu", |s| s.contains("Play / Break"));
    tmux.keys(&["2", "Enter"]);
    tmux.wait_for("the play picker", |s| {
        s.contains("play / break: pick a scenario")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the healthy path", |s| {
        s.contains("Every stage passes: now break it")
    });
    // Break it: a pull request runs the deploy job.
    tmux.keys(&["1", "Enter"]);
    let broken = tmux.wait_for("the engine's stop", |s| {
        s.contains("The engine stops the flow at Trust")
    });
    assert!(
        broken.contains("[x] a pull request runs the deploy job"),
        "{broken}"
    );
    assert!(broken.contains("◀ stops here"), "{broken}");
    // Repair it: Enter on the fault undoes it, and the engine runs again.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the repair", |s| {
        s.contains("Repaired: every stage passes again")
    });

    // The recall drill: each stage in order, then the evidence that proves it.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the play picker", |s| {
        s.contains("play / break: pick a scenario")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the menu", |s| s.contains("90-second drill"));
    tmux.keys(&["7", "Enter"]);
    let stages = ["Workflow", "Token", "Trust", "Role", "Audit"];
    let evidence = [
        oidc_triage::practice::stage_evidence(oidc_triage::vocabulary::Stage::Workflow),
        oidc_triage::practice::stage_evidence(oidc_triage::vocabulary::Stage::Token),
        oidc_triage::practice::stage_evidence(oidc_triage::vocabulary::Stage::Trust),
        oidc_triage::practice::stage_evidence(oidc_triage::vocabulary::Stage::Role),
        oidc_triage::practice::stage_evidence(oidc_triage::vocabulary::Stage::Audit),
    ];
    for (i, stage) in stages.iter().enumerate() {
        let heading = format!("Stage {} of 5: which stage comes here?", i + 1);
        let screen = tmux.wait_for(&heading, |s| s.contains(&heading));
        // Nothing after this slot is shown before it is attempted.
        if let Some(next) = stages.get(i + 1) {
            assert!(!screen.contains(&format!("you: {next}")), "{screen}");
        }
        let n = option_number(&screen, stage).unwrap_or_else(|| panic!("{stage}: {screen}"));
        tmux.keys(&[&n, "Enter"]);
        let question = format!("What evidence proves {stage} passed?");
        let screen = tmux.wait_for(&question, |s| s.contains(&question));
        let n = option_number(&screen, evidence[i]).unwrap_or_else(|| panic!("{stage}: {screen}"));
        tmux.keys(&[&n, "Enter"]);
        let revealed = format!("{}. ✓ you: {stage}", i + 1);
        tmux.wait_for(&revealed, |s| s.contains(&revealed));
    }
    let done = tmux.wait_for("the score", |s| {
        s.contains("Score: 5/5 stages in order, 5/5 evidence")
    });
    assert!(done.contains("The path"), "{done}");
    let path = data.path().join("oidc-triage/progress.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["recalls"][0]["order"], 5, "{json}");
    assert_eq!(json["stages"]["trust"]["right"], 1, "{json}");
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(), 0);
}
