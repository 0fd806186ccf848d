//! The `oidc-triage` binary: parse arguments, then run a headless command or the TUI.
//! The only place that prints to the real streams or exits.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::{Cli, Exit, Streams};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let stdin_is_terminal = io::stdin().is_terminal();
    let stdout_is_terminal = io::stdout().is_terminal();
    if matches!(cli.command, Some(cli::Command::Practice(_)))
        && let Some(dir) = cli.common.knowledge.as_deref()
        && let Err(e) = cli::install_knowledge(dir)
    {
        eprintln!("oidc-triage: {e}");
        return ExitCode::from(Exit::Usage as u8);
    }
    let exit = match cli.command {
        #[cfg(feature = "tui")]
        Some(cli::Command::Practice(args)) => run_practice(&args, stdout_is_terminal),
        Some(command) => {
            let (mut stdout, mut stderr) = (io::stdout().lock(), io::stderr().lock());
            let mut streams = Streams {
                stdout: &mut stdout,
                stderr: &mut stderr,
                stdin: Box::new(io::stdin()),
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

    if let Some(dir) = cli.common.knowledge.as_deref()
        && let Err(e) = cli::install_knowledge(dir)
    {
        eprintln!("oidc-triage: {e}");
        return Exit::Usage;
    }
    if !stdout_is_terminal || (cli.inputs.is_empty() && !stdin_is_terminal) {
        eprintln!(
            "oidc-triage: the TUI needs a terminal; for scripts use `oidc-triage diagnose INPUT…`"
        );
        return Exit::Usage;
    }
    let user_options = match cli::diagnose_options(&cli.common) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("oidc-triage: {message}");
            return Exit::Usage;
        }
    };
    let (app, initial) = if cli.inputs.is_empty() && cli.tui.empty {
        let diagnosis = diagnose_inputs(&[] as &[oidc_triage::evidence::Input], &user_options);
        (
            App::new(diagnosis, "new incident", Vec::new(), user_options),
            Vec::new(),
        )
    } else if cli.inputs.is_empty() {
        let inputs = sample::sample_inputs();
        let options = sample::sample_options();
        (
            App::sample(
                diagnose_inputs(&inputs, &options),
                inputs,
                options,
                user_options,
            ),
            Vec::new(),
        )
    } else {
        let options = user_options;
        // stdin is read now (the TUI takes the terminal next); files are opened by
        // the worker, so a large export shows its progress instead of a blank wait.
        let mut read = Vec::new();
        let mut paths = Vec::new();
        for name in &cli.inputs {
            if name == "-" {
                match cli::read_input(name, &mut io::stdin().lock()) {
                    Ok(input) => read.push(input),
                    Err(e) => {
                        eprintln!("oidc-triage: {e}");
                        return Exit::Usage;
                    }
                }
            } else if std::path::Path::new(name).exists() {
                paths.push(std::path::PathBuf::from(name));
            } else {
                eprintln!("oidc-triage: cannot read {name}: no such file or directory");
                return Exit::Usage;
            }
        }
        let count = cli.inputs.len();
        let source = if count == 1 {
            "1 input".to_owned()
        } else {
            format!("{count} inputs")
        };
        let (app, effect) = App::loading(source, paths, read, options);
        (app, vec![effect])
    };
    match tui::run(
        app,
        initial,
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

/// `oidc-triage practice [SCENARIO]`: the built-in scenarios plus `--scenarios DIR`.
#[cfg(feature = "tui")]
fn run_practice(args: &cli::PracticeArgs, stdout_is_terminal: bool) -> Exit {
    use oidc_triage::tui::{self, TuiOptions, practice::Practice};

    if !stdout_is_terminal || !io::stdin().is_terminal() {
        eprintln!("oidc-triage: practice needs a terminal");
        return Exit::Usage;
    }
    if let Some(dir) = &args.scenarios
        && !dir.is_dir()
    {
        eprintln!("oidc-triage: --scenarios {}: not a folder", dir.display());
        return Exit::Usage;
    }
    let (scenarios, errors) = oidc_triage::scenario::library(args.scenarios.as_deref());
    if let Some(slug) = &args.scenario
        && !scenarios.iter().any(|s| &s.slug == slug)
    {
        eprintln!(
            "oidc-triage: no scenario `{}`; `oidc-triage scenarios list` shows them",
            oidc_triage::text::escape_control(slug)
        );
        return Exit::Usage;
    }
    let mut practice = Practice::new(
        scenarios,
        oidc_triage::practice::default_progress_path(),
        args.scenario.as_deref(),
        tui::practice_seed(),
    );
    if let Some(first) = errors.first() {
        let more = match errors.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        practice.set_status(format!("a scenario did not load: {first}{more}"));
    }
    match tui::run_practice(
        practice,
        TuiOptions {
            no_mouse: args.tui.no_mouse,
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
