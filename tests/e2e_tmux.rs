//! End to end: the real `oidc-triage` binary in a real terminal (tmux), driven by
//! `send-keys` and read back with `capture-pane`.
//!
//! Index:
//! - `sample_incident_keys_and_clean_exit`: the TUI on the built-in sample; help opens
//!   and closes; `q` exits 0 and leaves the alternate screen;
//! - `token_file_with_jwks_and_now`: the TUI on the sample token file with `--jwks` and
//!   `--now`; Ctrl-C exits 0 and leaves the alternate screen;
//! - `decode_reads_a_pasted_token`: `decode -` reads a token pasted from a tmux buffer
//!   and shows the platform but never the signature;
//! - `paste_into_the_tui`: the TUI on a trust policy; a token pasted with bracketed
//!   paste is diagnosed in the background and the trust stage is marked failed; the
//!   same token pasted without bracketed paste (a burst of keys) is a second paste,
//!   not a storm of commands; `q` leaves the terminal clean;
//! - `copy_goes_to_the_terminal_with_osc52_without_a_display`: with no display, `y` and
//!   `c` reach tmux's clipboard through OSC 52 (the summary, the redacted RCA);
//! - `a_token_piped_on_stdin_with_keys_from_the_terminal`: `cat token | oidc-triage -
//!   policy` diagnoses the pipe and still takes keys from the terminal.
//!
//! The harness is `tests/common/tmux.rs`, shared with `tests/e2e_practice.rs`: each
//! test runs its own tmux server (`-L`, a socket name unique to the test and the
//! process) with no user config, and a guard kills that server however the test ends.
//! Without tmux the tests print a skip message and return; CI installs tmux. The TUI
//! tests need the default `tui` feature; `decode` runs in every build.

// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[path = "common/tmux.rs"]
mod tmux;
use tmux::{Tmux, command_line, sh_quote, tmux_available};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
/// Wide enough that every stage box shows its whole title and `◀ stops` (below 131
/// columns the view cuts them: `tests/tui.rs` tracks that bug).
const WIDTH: u16 = 160;

#[test]
fn decode_reads_a_pasted_token() {
    if !tmux_available("decode_reads_a_pasted_token") {
        return;
    }
    // Paste the bare compact JWT, as a user copying it from a log would.
    let wrapped =
        std::fs::read_to_string(Path::new(MANIFEST_DIR).join("assets/sample/id-token.json"))
            .unwrap();
    let json: serde_json::Value = serde_json::from_str(&wrapped).unwrap();
    let token = json["value"].as_str().unwrap().to_owned();
    let signature = token.rsplit('.').next().unwrap().to_owned();
    assert!(signature.len() > 40);
    assert!(!token.contains('\n'), "the paste is one line");

    // Terminal echo off: the pasted token must not be on screen because the terminal
    // echoed it; what is on screen afterwards is only what decode printed.
    let command = format!(
        "stty -echo; {}",
        command_line(&["decode", "-", "--now", "2026-03-02T10:15:00Z"])
    );
    let tmux = Tmux::start("decode", WIDTH, 60, Path::new(MANIFEST_DIR), &command);
    tmux.wait_for("the paste prompt", |s| s.contains("Paste the token"));

    tmux.load_buffer("tok", token.as_bytes());
    tmux.ok(&["paste-buffer", "-b", "tok", "-t", "t"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["C-d"]);

    assert_eq!(tmux.wait_for_exit(), 0, "decode exit status");
    let screen = tmux.capture_with_history();
    assert!(screen.contains("GitHub Actions"), "no platform:\n{screen}");
    assert!(screen.contains("<redacted>"), "no redaction:\n{screen}");
    assert!(
        !screen.contains(&signature[..24]),
        "the signature reached the screen:\n{screen}"
    );
    // The header and payload are shown, so the paste did arrive whole.
    let unsigned = &token[..token.len() - signature.len()];
    assert!(
        screen.contains(&format!("{unsigned}<redacted>")),
        "the token is not shown as header.payload.<redacted>:\n{screen}"
    );
}

/// The TUI sessions (the binary has a TUI only with the default `tui` feature).
#[cfg(feature = "tui")]
mod tui {
    use super::*;

    const HEIGHT: u16 = 40;
    const STAGES: [&str; 5] = [
        "Workflow starts",
        "OIDC token issued",
        "Trust policy checks",
        "Cloud role assumed",
        "Audit deploy",
    ];

    /// The whole screen is drawn: ratatui draws row by row, the key footer last.
    fn drawn(screen: &str) -> bool {
        has_all_stages(screen)
            && screen
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .is_some_and(|line| line.contains("q quit"))
    }

    /// The inputs named on the command line are diagnosed (the worker reported back).
    fn loaded(screen: &str) -> bool {
        drawn(screen) && screen.contains("✓ diagnosed")
    }

    /// The stage boxes: the four lines from the first box's top border (under the
    /// title and the summary).
    fn pipeline(screen: &str) -> Vec<&str> {
        screen
            .lines()
            .skip_while(|line| !line.trim_start().starts_with(['┌', '┏']))
            .take(4)
            .collect()
    }

    /// All five stage names in the stage boxes (not merely in the detail pane's title).
    fn has_all_stages(screen: &str) -> bool {
        let boxes = pipeline(screen).join("\n");
        STAGES.iter().all(|stage| boxes.contains(stage))
    }

    /// The line of the stage boxes that holds the status marks.
    fn status_line(screen: &str) -> &str {
        pipeline(screen)
            .get(2)
            .copied()
            .unwrap_or_else(|| panic!("no status line on screen:\n{screen}"))
    }

    /// The pipeline's bottom border row, where the stopped stage carries `◀ stops here`.
    fn stop_line(screen: &str) -> &str {
        pipeline(screen)
            .get(3)
            .copied()
            .unwrap_or_else(|| panic!("no bottom border on screen:\n{screen}"))
    }

    /// `key` (`q` or `C-c`) quits with status 0, and the alternate screen is gone
    /// afterwards.
    fn quit_cleanly(tmux: &Tmux, key: &str) {
        tmux.keys(&[key]);
        assert_eq!(tmux.wait_for_exit(), 0, "exit status after {key}");
        let after = tmux.capture();
        assert!(
            STAGES.iter().all(|stage| !after.contains(stage)) && !after.contains("? help"),
            "the TUI is still on screen after exit (alternate screen not left):\n{after}"
        );
    }

    #[test]
    fn sample_incident_keys_and_clean_exit() {
        if !tmux_available("sample_incident_keys_and_clean_exit") {
            return;
        }
        let tmux = Tmux::start(
            "sample",
            WIDTH,
            HEIGHT,
            Path::new(MANIFEST_DIR),
            &command_line(&["--no-mouse"]),
        );
        let screen = tmux.wait_for("the five stages", drawn);
        assert!(
            screen.contains("built-in sample incident"),
            "source missing:\n{screen}"
        );
        // The sample stops at the trust stage, the third box: its bottom border says so.
        let statuses = status_line(&screen);
        let bottom = stop_line(&screen);
        let stop = bottom
            .find('◀')
            .unwrap_or_else(|| panic!("the stopped stage is not marked:\n{screen}"));
        assert!(
            statuses
                .chars()
                .take(bottom[..stop].chars().count())
                .collect::<String>()
                .matches("passed")
                .count()
                == 2,
            "◀ should be under the third box, after the two passed stages:\n{screen}"
        );
        assert!(
            statuses.contains("✗ failed"),
            "trust box should read `✗ failed`:\n{screen}"
        );
        // The sample's trust policy pins a branch; the token carries an environment.
        assert!(
            screen.contains("Conditions")
                || screen.contains("near miss")
                || screen.contains("they part at character"),
            "no trust conditions:\n{screen}"
        );

        tmux.keys(&["?"]);
        tmux.wait_for("the help overlay", |s| {
            s.contains("Keys") && s.contains("show or hide this help")
        });
        tmux.keys(&["Escape"]);
        // Closing the help redraws what it covered: the detail pane is whole again.
        tmux.wait_for("the help to close", |s| {
            !s.contains("show or hide this help")
                && !s.contains("q Ctrl-C")
                && s.contains("Trust policy checks — ✗ failed")
                && drawn(s)
        });

        // Right arrow moves the selection from box 3 to box 4, and the detail follows.
        tmux.keys(&["Right"]);
        tmux.wait_for("box 4 selected", |s| {
            s.contains("▶4") && s.contains("Cloud role assumed — · not reached")
        });

        quit_cleanly(&tmux, "q");
    }

    #[test]
    fn token_file_with_jwks_and_now() {
        if !tmux_available("token_file_with_jwks_and_now") {
            return;
        }
        let tmux = Tmux::start(
            "token",
            WIDTH,
            HEIGHT,
            Path::new(MANIFEST_DIR),
            &command_line(&[
                "assets/sample/id-token.json",
                "--jwks",
                "assets/sample/jwks.json",
                "--now",
                "2026-03-02T10:15:00Z",
                "--no-mouse",
            ]),
        );
        let screen = tmux.wait_for("the token file diagnosed", loaded);
        assert!(screen.contains(" 1 input"), "source missing:\n{screen}");
        assert!(
            status_line(&screen).contains("? no evidence")
                && stop_line(&screen).contains("◀ stops here"),
            "the trust stage should be marked as where evidence stops:\n{screen}"
        );
        // The detail pane opens on the stopped stage and says what to collect next.
        assert!(
            screen.contains("Next evidence"),
            "no next evidence:\n{screen}"
        );
        // Back to the token stage: its signature was verified against the given JWKS.
        tmux.keys(&["Left"]);
        tmux.wait_for("the token stage's detail, verified with the JWKS", |s| {
            s.contains("▶2") && s.contains("verified with keys[0]")
        });
        // Raw mode: Ctrl-C is a key, not SIGINT, and quits as cleanly as `q`.
        quit_cleanly(&tmux, "C-c");
    }

    /// The on-call path: a real 46-line job log pasted into the sample session with CR
    /// line breaks (tmux's default), a new incident chosen, and the log read as a
    /// GitHub Actions log with its line numbers — the sample's clock and keys gone.
    #[test]
    fn a_cr_paste_into_the_sample_starts_a_new_incident() {
        if !tmux_available("a_cr_paste_into_the_sample_starts_a_new_incident") {
            return;
        }
        let tmux = Tmux::start(
            "cr-paste",
            WIDTH,
            HEIGHT,
            Path::new(MANIFEST_DIR),
            &command_line(&["--no-mouse"]),
        );
        tmux.wait_for("the sample", drawn);
        let log = std::fs::read(
            Path::new(MANIFEST_DIR)
                .join("scenarios/log-github-missing-id-token-permission/job.log"),
        )
        .unwrap();
        assert_eq!(log.iter().filter(|&&b| b == b'\n').count(), 46);
        let cr: Vec<u8> = log
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect();
        tmux.load_buffer("log", &cr);
        tmux.ok(&["paste-buffer", "-p", "-b", "log", "-t", "t"]);
        tmux.wait_for("the new-incident question", |s| s.contains("New incident?"));
        tmux.keys(&["Enter"]);
        let screen = tmux.wait_for("the log diagnosed", |s| {
            loaded(s) && s.contains("ci-log/github-actions")
        });
        assert!(!screen.contains("sample incident"), "{screen}");
        assert!(
            !screen.contains("jwks.json"),
            "the sample's keys left:\n{screen}"
        );
        assert!(
            screen.contains("46 line(s)") && screen.contains("paste 1 line 41"),
            "the log kept its lines:\n{screen}"
        );
        tmux.keys(&["q"]);
        tmux.wait_for("the quit question", |s| s.contains("q again to quit"));
        quit_cleanly(&tmux, "q");
    }

    #[test]
    fn paste_into_the_tui() {
        if !tmux_available("paste_into_the_tui") {
            return;
        }
        let scenario = "scenarios/aws-audience-default-github";
        let tmux = Tmux::start(
            "paste",
            WIDTH,
            HEIGHT,
            Path::new(MANIFEST_DIR),
            &command_line(&[
                &format!("{scenario}/trust-policy.json"),
                "--jwks",
                &format!("{scenario}/jwks.json"),
                "--now",
                "2026-03-03T14:02:10Z",
                "--no-mouse",
            ]),
        );
        tmux.wait_for("the five stages", drawn);
        let token =
            std::fs::read(Path::new(MANIFEST_DIR).join(scenario).join("token.txt")).unwrap();
        tmux.load_buffer("tok", &token);
        // `-p`: bracketed paste, as terminals send a paste when the app asks for it.
        tmux.ok(&["paste-buffer", "-p", "-b", "tok", "-t", "t"]);
        let screen = tmux.wait_for("the pasted token diagnosed", |s| {
            drawn(s) && s.contains("paste 1") && s.contains("evidence stops at trust")
        });
        let statuses = status_line(&screen);
        let bottom = stop_line(&screen);
        let stop = bottom
            .find('◀')
            .unwrap_or_else(|| panic!("the stopped stage is not marked:\n{screen}"));
        let before_stop: String = statuses
            .chars()
            .take(bottom[..stop].chars().count())
            .collect();
        assert_eq!(
            before_stop.matches("passed").count(),
            2,
            "◀ should be under the trust box, after two passed stages:\n{screen}"
        );
        assert!(
            screen.contains("aud"),
            "the audience condition is shown:\n{screen}"
        );
        // Without -p the terminal types the token: a burst of keys that must become a
        // second paste, not commands (it holds `q`, `w`, `d`…). At 1.7 KiB it is longer
        // than crossterm's 1 KiB read: regression for the tail left unread until the
        // next key (fixed by crossterm's level-triggered `use-dev-tty` source).
        tmux.ok(&["paste-buffer", "-b", "tok", "-t", "t"]);
        let screen = tmux.wait_for("the second paste diagnosed", |s| {
            loaded(s) && s.contains("3 inputs") && s.contains("paste 2  token")
        });
        assert!(
            !screen.contains("paste 3"),
            "one burst, one paste:\n{screen}"
        );
        // Pastes exist only in this session: the first `q` asks, the second quits.
        tmux.keys(&["q"]);
        tmux.wait_for("the quit question", |s| s.contains("q again to quit"));
        quit_cleanly(&tmux, "q");
    }

    #[test]
    fn copy_goes_to_the_terminal_with_osc52_without_a_display() {
        if !tmux_available("copy_goes_to_the_terminal_with_osc52_without_a_display") {
            return;
        }
        // No DISPLAY or Wayland here: no system clipboard, so the copy must reach the
        // terminal (tmux, with `set-clipboard on`, keeps it as a paste buffer).
        let command = format!(
            "env -u DISPLAY -u WAYLAND_DISPLAY {}",
            command_line(&["--no-mouse"])
        );
        let tmux = Tmux::start("osc52", WIDTH, HEIGHT, Path::new(MANIFEST_DIR), &command);
        tmux.ok(&["set-option", "-g", "set-clipboard", "on"]);
        tmux.wait_for("the sample", drawn);
        tmux.keys(&["y"]);
        tmux.wait_for("the copy status", |s| {
            s.contains("copied the one-line summary with OSC 52")
        });
        let buffer = tmux.run(&["show-buffer"]);
        let copied = String::from_utf8_lossy(&buffer.stdout);
        assert!(
            copied.starts_with("oidc-triage: evidence stops at trust")
                && copied.contains("[✗ Trust (failed)]"),
            "the terminal's clipboard holds: {copied}"
        );
        tmux.keys(&["c"]);
        tmux.wait_for("the RCA copy status", |s| {
            s.contains("copied the RCA report with OSC 52")
        });
        let buffer = tmux.run(&["show-buffer"]);
        let rca = String::from_utf8_lossy(&buffer.stdout);
        assert!(rca.starts_with("# OIDC federation RCA"), "{rca}");
        assert!(
            rca.contains("<redacted>"),
            "the token is redacted in the RCA: {rca}"
        );
        quit_cleanly(&tmux, "q");
    }

    #[test]
    fn a_token_piped_on_stdin_with_keys_from_the_terminal() {
        if !tmux_available("a_token_piped_on_stdin_with_keys_from_the_terminal") {
            return;
        }
        // `cat token | oidc-triage - policy`: the token comes from the pipe, the keys
        // from the terminal (crossterm reads /dev/tty).
        let scenario = "scenarios/aws-audience-default-github";
        let command = format!(
            "cat {} | {}",
            sh_quote(&format!("{scenario}/token.txt")),
            command_line(&["-", &format!("{scenario}/trust-policy.json"), "--no-mouse"])
        );
        let tmux = Tmux::start("stdin", WIDTH, HEIGHT, Path::new(MANIFEST_DIR), &command);
        tmux.wait_for("both inputs diagnosed", |s| {
            loaded(s) && s.contains("2 inputs") && s.contains("evidence stops at trust")
        });
        tmux.keys(&["Right"]);
        tmux.wait_for("box 4 selected by a key", |s| s.contains("▶4"));
        quit_cleanly(&tmux, "q");
    }
}
