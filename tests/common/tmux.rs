//! The tmux harness shared by the end-to-end tests (`tests/e2e_tmux.rs`,
//! `tests/e2e_practice.rs`): the real binary in a real terminal, driven with
//! `send-keys` and read back with `capture-pane`.
//!
//! Each [`Tmux`] is its own tmux server (`-L`, a socket name unique to the test and the
//! process) with no user config, killed on drop however the test ends. Without tmux,
//! [`tmux_available`] prints a skip message and the test returns; CI installs tmux.
//!
//! Included with `#[path = "common/tmux.rs"] mod tmux;` by just those two files, not
//! from `common/mod.rs`: every test that says `mod common;` compiles that module, and
//! would carry (and warn about) a harness it never uses.

// Test support: a failure here is a broken test setup, so it may panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_oidc-triage");
/// The longest any one wait may take.
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// True when tmux can be run; otherwise says why the test is skipped.
pub fn tmux_available(test: &str) -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => true,
        _ => {
            eprintln!("SKIPPED {test}: tmux is not installed (CI installs it)");
            false
        }
    }
}

/// One private tmux server with one session `t`; killed on drop.
pub struct Tmux {
    socket: String,
    /// The server's socket file, removed on drop (tmux 3.3a leaves it behind).
    socket_path: Option<std::path::PathBuf>,
}

impl Tmux {
    /// Start `command` (a shell command line) in a detached session of fixed size,
    /// in `dir`, wrapped by [`with_exit_status`]. `remain-on-exit` keeps the pane even
    /// if its shell dies, so a failing test can still show the screen.
    pub fn start(test: &str, width: u16, height: u16, dir: &Path, command: &str) -> Tmux {
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

    /// Run a tmux command; its output (for `show-buffer` and the like).
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The visible screen, wrapped lines joined.
    pub fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-J", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The normal screen with its scrollback, wrapped lines joined. (When a pane dies,
    /// tmux scrolls its screen up a line to print "Pane is dead", so the first line
    /// may be in the scrollback only.)
    pub fn capture_with_history(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Put `bytes` in the paste buffer `name` (through stdin: no temporary file).
    // Only `e2e_tmux` pastes; `e2e_practice` includes this file too.
    #[allow(dead_code)]
    pub fn load_buffer(&self, name: &str, bytes: &[u8]) {
        let mut child = self
            .command(&["load-buffer", "-b", name, "-"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "tmux load-buffer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Send keys by tmux name (`q`, `Escape`, `C-d`, `?`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.ok(&args);
    }

    /// Poll the screen until `ready` holds, at most [`TIMEOUT`]; the last screen
    /// is in the panic message.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
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
    pub fn wait_for_exit(&self) -> i32 {
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
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The binary with `args`, as one shell command line.
pub fn command_line(args: &[&str]) -> String {
    std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(sh_quote)
        .collect::<Vec<_>>()
        .join(" ")
}
