//! End to end: the real `oidc-triage` binary in a real terminal (tmux), driven by
//! `send-keys` and read back with `capture-pane`.
//!
//! Index:
//! - `sample_incident_keys_and_clean_exit`: the TUI on the built-in sample; help opens
//!   and closes; `q` exits 0 and leaves the alternate screen;
//! - `token_file_with_jwks_and_now`: the TUI on the sample token file with `--jwks` and
//!   `--now`;
//! - `decode_reads_a_pasted_token`: `decode -` reads a token pasted from a tmux buffer
//!   and shows the platform but never the signature.
//!
//! Each test runs its own tmux server (`-L`, a socket name unique to the test and the
//! process) with no user config, and a guard kills that server however the test ends.
//! Without tmux the tests print a skip message and return; CI installs tmux.

use std::path::Path;
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_oidc-triage");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
/// The longest any one wait may take.
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);
const STAGES: [&str; 5] = [
    "Workflow starts",
    "OIDC token issued",
    "Trust policy checks",
    "Cloud role assumed",
    "Audit deploy",
];

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
}

impl Tmux {
    /// Start `command` (a shell command line) in a detached session of fixed size,
    /// in `dir`. The pane stays after its process exits, so the exit status can be read.
    fn start(test: &str, width: u16, height: u16, dir: &Path, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: format!("oidc-triage-{test}-{}", std::process::id()),
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
            command,
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
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .output()
            .unwrap()
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

    /// Wait for the pane's process to exit and return its exit status.
    fn wait_for_exit(&self) -> i32 {
        let start = Instant::now();
        loop {
            let out = self.run(&[
                "list-panes",
                "-t",
                "t",
                "-F",
                "#{pane_dead} #{pane_dead_status}",
            ]);
            let status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if let Some(code) = status.strip_prefix("1 ") {
                return code.parse().unwrap();
            }
            if start.elapsed() > TIMEOUT {
                panic!(
                    "the process did not exit (pane: {status:?}); screen:\n{}",
                    self.capture()
                );
            }
            sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
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

fn has_all_stages(screen: &str) -> bool {
    STAGES.iter().all(|stage| screen.contains(stage))
}

/// The line of the stage boxes that holds the status marks.
fn status_line(screen: &str) -> &str {
    screen
        .lines()
        .find(|line| line.contains("passed"))
        .unwrap_or_else(|| panic!("no status line on screen:\n{screen}"))
}

/// `q` quits with status 0, and the alternate screen is gone afterwards.
fn quit_cleanly(tmux: &Tmux) {
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(), 0, "exit status after q");
    let after = tmux.capture();
    assert!(
        STAGES.iter().all(|stage| !after.contains(stage)) && !after.contains("oidc-triage "),
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
        120,
        40,
        Path::new(MANIFEST_DIR),
        &command_line(&["--no-mouse"]),
    );
    let screen = tmux.wait_for("the five stages", has_all_stages);
    assert!(
        screen.contains("built-in sample incident"),
        "source missing:\n{screen}"
    );
    // The sample stops at the trust stage, the third box.
    let statuses = status_line(&screen);
    let stop = statuses
        .find('◀')
        .unwrap_or_else(|| panic!("the stopped stage is not marked:\n{screen}"));
    let trust = screen
        .lines()
        .find(|l| l.contains("Trust policy checks"))
        .unwrap();
    assert!(
        statuses[..stop].matches("passed").count() == 2,
        "◀ should follow the two passed stages:\n{statuses}"
    );
    assert!(trust.contains("Trust policy checks"));
    assert!(
        statuses.contains("? no evidence ◀"),
        "trust box should read `? no evidence ◀`:\n{screen}"
    );

    tmux.keys(&["?"]);
    tmux.wait_for("the help overlay", |s| {
        s.contains("Keys") && s.contains("show or hide this help")
    });
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("the help to close", |s| {
        !s.contains("show or hide this help")
    });
    assert!(
        has_all_stages(&screen),
        "stages gone after closing help:\n{screen}"
    );

    // Right arrow moves the selection from box 3 to box 4.
    tmux.keys(&["Right"]);
    tmux.wait_for("box 4 selected", |s| s.contains("▶4"));

    quit_cleanly(&tmux);
}

#[test]
fn token_file_with_jwks_and_now() {
    if !tmux_available("token_file_with_jwks_and_now") {
        return;
    }
    let tmux = Tmux::start(
        "token",
        120,
        40,
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
    let screen = tmux.wait_for("the five stages", has_all_stages);
    assert!(screen.contains("1 input(s)"), "source missing:\n{screen}");
    assert!(
        status_line(&screen).contains("? no evidence ◀"),
        "the trust stage should be marked as where evidence stops:\n{screen}"
    );
    // The detail pane opens on the stopped stage and says what to collect next.
    assert!(
        screen.contains("Next evidence"),
        "no next evidence:\n{screen}"
    );
    // Back to the token stage: its signature was verified against the given JWKS.
    tmux.keys(&["Left"]);
    let screen = tmux.wait_for("the token stage's detail", |s| s.contains("▶2"));
    assert!(
        screen.contains("verified with keys[0]"),
        "no signature verification in the token stage:\n{screen}"
    );
    quit_cleanly(&tmux);
}

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

    // Terminal echo off: the pasted token must not be on screen because the terminal
    // echoed it; what is on screen afterwards is only what decode printed.
    let command = format!(
        "stty -echo; exec {}",
        command_line(&["decode", "-", "--now", "2026-03-02T10:15:00Z"])
    );
    let tmux = Tmux::start("decode", 120, 60, Path::new(MANIFEST_DIR), &command);
    tmux.wait_for("the paste prompt", |s| s.contains("Paste the token"));

    let token_file =
        std::env::temp_dir().join(format!("oidc-triage-e2e-token-{}", std::process::id()));
    std::fs::write(&token_file, &token).unwrap();
    let loaded = tmux.run(&["load-buffer", "-b", "tok", token_file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&token_file);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    tmux.ok(&["paste-buffer", "-b", "tok", "-t", "t"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["C-d"]);

    assert_eq!(tmux.wait_for_exit(), 0, "decode exit status");
    let out = tmux.run(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"]);
    let screen = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(screen.contains("GitHub Actions"), "no platform:\n{screen}");
    assert!(screen.contains("<redacted>"), "no redaction:\n{screen}");
    assert!(
        !screen.contains(&signature[..24]),
        "the signature reached the screen:\n{screen}"
    );
}
