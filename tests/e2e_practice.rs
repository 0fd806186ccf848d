//! End to end: `oidc-triage practice SCENARIO` in a real terminal (tmux), driven by
//! `send-keys` and read back with `capture-pane`.
//!
//! Index:
//! - `drill_and_wrap_up_are_answered_and_saved`: opens on a scenario's ticket, answers
//!   the drill's three steps, reveals; goes to the wrap-up, answers ten questions,
//!   reads the score; checks the progress file under `XDG_DATA_HOME`; `q` exits 0.
//!
//! The harness is copied from `tests/e2e_tmux.rs`: each test runs its own tmux server
//! (`-L`, a socket unique to the test and process) with no user config, a guard kills
//! it however the test ends, and without tmux the test prints a skip message.

#![cfg(feature = "tui")]
// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_oidc-triage");
/// The longest any one wait may take.
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);
/// The practice screens read whole at this size without scrolling.
const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;

/// True when tmux can be run; otherwise says why the test is skipped.
fn tmux_available(test: &str) -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => true,
        _ => {
            eprintln!("SKIPPED {test}: tmux is not installed (CI installs it)");
            false
        }
    }
}

/// One private tmux server with one session `t`; killed on drop.
struct Tmux {
    socket: String,
    /// The server's socket file, removed on drop (tmux 3.3a leaves it behind).
    socket_path: Option<std::path::PathBuf>,
}

impl Tmux {
    /// Start `command` (a shell command line) in a detached session of fixed size,
    /// in `dir`, wrapped by [`with_exit_status`]. `remain-on-exit` keeps the pane even
    /// if its shell dies, so a failing test can still show the screen.
    fn start(test: &str, width: u16, height: u16, dir: &Path, command: &str) -> Tmux {
        let mut tmux = Tmux {
            socket: format!("oidc-triage-{test}-{}", std::process::id()),
            socket_path: None,
        };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-s",
            "t",
            "-c",
            dir.to_str().unwrap(),
            &with_exit_status(command),
            ";",
            "set-option",
            "-w",
            "-t",
            "t",
            "remain-on-exit",
            "on",
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = tmux.run(&["display-message", "-p", "-t", "t", "#{socket_path}"]);
        let path = String::from_utf8_lossy(&path.stdout).trim().to_owned();
        tmux.socket_path = (!path.is_empty()).then(|| path.into());
        tmux
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The visible screen, wrapped lines joined.
    fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-J", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The normal screen with its scrollback, wrapped lines joined. (When a pane dies,
    /// tmux scrolls its screen up a line to print "Pane is dead", so the first line
    /// may be in the scrollback only.)
    fn capture_with_history(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Send keys by tmux name (`q`, `Escape`, `C-d`, `?`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.ok(&args);
    }

    /// Poll the screen until `ready` holds, at most [`TIMEOUT`]; the last screen
    /// is in the panic message.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            sleep(POLL);
        }
    }

    /// Wait until the command started by [`Tmux::start`] has exited and the pane's
    /// shell has printed [`EXITED`] N (see [`with_exit_status`]); return N.
    fn wait_for_exit(&self) -> i32 {
        let start = Instant::now();
        loop {
            let screen = self.capture_with_history();
            if let Some(status) = exit_status(&screen) {
                return status;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for the process to exit; screen:\n{screen}"
            );
            sleep(POLL);
        }
    }
}

/// Run `command` in the pane's shell, then print its exit status as [`EXITED`] N, then
/// wait for a line of input. The status line lands on the normal screen, where the
/// TUI's alternate screen was. The shell stays alive because tmux 3.3a may drop a
/// pane's last output when its process exits (seen: `decode` output cut mid-line, and
/// `#{pane_dead_status}` empty for a dead pane).
fn with_exit_status(command: &str) -> String {
    format!("{command}; echo \"{EXITED}$?\"; read _")
}

const EXITED: &str = "oidc-triage exited with status ";

fn exit_status(screen: &str) -> Option<i32> {
    screen
        .lines()
        .find_map(|line| line.trim().strip_prefix(EXITED))
        .and_then(|code| code.trim().parse().ok())
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Quote one word for `sh`.
fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn command_line(args: &[&str]) -> String {
    std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(sh_quote)
        .collect::<Vec<_>>()
        .join(" ")
}

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
