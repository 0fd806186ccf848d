//! End to end: `oidc-triage practice SCENARIO` in a real terminal (tmux), driven by
//! `send-keys` and read back with `capture-pane`.
//!
//! Index:
//! - `drill_and_wrap_up_are_answered_and_saved`: opens on a scenario's ticket, answers
//!   the drill's three steps, reveals; goes to the wrap-up, answers ten questions,
//!   reads the score; checks the progress file under `XDG_DATA_HOME`; `q` exits 0.
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

    // The drill opens on the ticket.
    tmux.wait_for("the ticket", |s| {
        s.contains("Ticket: Deploy job with an environment")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the stage question", |s| s.contains("Step 1/3"));
    tmux.keys(&["3"]);
    tmux.wait_for("the cause question", |s| s.contains("Step 2/3"));
    tmux.keys(&["1"]);
    tmux.wait_for("the fix question", |s| s.contains("Step 3/3"));
    tmux.keys(&["1"]);
    tmux.wait_for("the locked answers", |s| s.contains("Your answers are in"));
    tmux.keys(&["Enter"]);
    let reveal = tmux.wait_for("the reveal", |s| s.contains("Reveal ·"));
    assert!(reveal.contains("✓ stage: Trust"), "{reveal}");
    assert!(reveal.contains("What happened"), "{reveal}");

    // Back to the menu (picker, then menu) and into the wrap-up.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the picker", |s| {
        s.contains("Which ticket do you want to drill?")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the menu", |s| s.contains("Wrap-up assessment"));
    tmux.keys(&["4"]);
    for n in 1..=10 {
        let heading = format!("Question {n}/10");
        tmux.wait_for(&heading, |s| s.contains(&heading));
        tmux.keys(&["1"]);
        tmux.wait_for("the why", |s| s.contains("Why: "));
        tmux.keys(&["Enter"]);
    }
    let result = tmux.wait_for("the score", |s| s.contains("pass mark 70%"));
    assert!(result.contains("Score "), "{result}");
    assert!(result.contains("saved to"), "{result}");

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
