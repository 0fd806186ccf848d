//! The `oidc-triage` binary: parse arguments, then run a headless command or the TUI.
//! The only place that prints to the real streams or exits.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::Parser;
use oidc_triage::cli::{self, Cli, Exit, Streams};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let stdin_is_terminal = io::stdin().is_terminal();
    let stdout_is_terminal = io::stdout().is_terminal();
    let exit = match cli.command {
        Some(command) => {
            let (mut stdout, mut stderr, mut stdin) =
                (io::stdout().lock(), io::stderr().lock(), io::stdin().lock());
            let mut streams = Streams {
                stdout: &mut stdout,
                stderr: &mut stderr,
                stdin: &mut stdin,
                stdin_is_terminal,
                stdout_is_terminal,
                no_color,
            };
            cli::run(command, &mut streams)
        }
        None => run_tui(&cli, stdin_is_terminal, stdout_is_terminal),
    };
    ExitCode::from(exit as u8)
}

#[cfg(feature = "tui")]
fn run_tui(cli: &Cli, stdin_is_terminal: bool, stdout_is_terminal: bool) -> Exit {
    use oidc_triage::diagnosis::diagnose_inputs;
    use oidc_triage::sample;
    use oidc_triage::tui::{self, App, TuiOptions};

    if !stdout_is_terminal || (cli.inputs.is_empty() && !stdin_is_terminal) {
        eprintln!(
            "oidc-triage: the TUI needs a terminal; for scripts use `oidc-triage diagnose INPUT…`"
        );
        return Exit::Usage;
    }
    let (diagnosis, source) = if cli.inputs.is_empty() {
        (
            diagnose_inputs(&sample::sample_inputs(), &sample::sample_options()),
            "built-in sample incident".to_owned(),
        )
    } else {
        let options = match cli::diagnose_options(&cli.common) {
            Ok(options) => options,
            Err(message) => {
                eprintln!("oidc-triage: {message}");
                return Exit::Usage;
            }
        };
        let mut inputs = Vec::new();
        let mut stdin = io::stdin().lock();
        for name in &cli.inputs {
            match cli::read_input(name, &mut stdin) {
                Ok(input) => inputs.push(input),
                Err(e) => {
                    eprintln!("oidc-triage: {e}");
                    return Exit::Usage;
                }
            }
        }
        let count = inputs.len();
        (
            diagnose_inputs(&inputs, &options),
            if count == 1 {
                "1 input".to_owned()
            } else {
                format!("{count} inputs")
            },
        )
    };
    match tui::run(
        App::new(diagnosis, source),
        TuiOptions {
            no_mouse: cli.tui.no_mouse,
        },
    ) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("oidc-triage: terminal error: {e}");
            Exit::Usage
        }
    }
}

#[cfg(not(feature = "tui"))]
fn run_tui(_cli: &Cli, _stdin_is_terminal: bool, _stdout_is_terminal: bool) -> Exit {
    eprintln!("oidc-triage: built without the `tui` feature; use `oidc-triage diagnose INPUT…`");
    Exit::Usage
}
