//! The `oidc-triage` binary: parse arguments, then run a headless command or the TUI.
//! The only place that prints to the real streams or exits, and it does so only
//! through the output gate (`oidc_triage::text::GateWriter`): clap's own messages
//! (a rejected `--now` value is echoed back in them), the commands' output and every
//! error. `eprintln!` is not used here for that reason.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use oidc_triage::text::GateWriter;

mod cli;

use cli::{Cli, Exit, Streams};

/// Print an error line to stderr through the gate.
fn error(message: &str) {
    let mut stderr = GateWriter::new(io::stderr().lock());
    let _ = writeln!(stderr, "oidc-triage: {message}");
    let _ = stderr.finish();
}

/// clap's help, version and usage errors, through the gate: the error repeats the
/// rejected value, which may hold terminal escapes.
fn argument_error(e: &clap::Error) -> ExitCode {
    let rendered = e.render().to_string();
    let written = if e.use_stderr() {
        let mut out = GateWriter::new(io::stderr().lock());
        write!(out, "{rendered}").and_then(|()| out.finish())
    } else {
        let mut out = GateWriter::new(io::stdout().lock());
        write!(out, "{rendered}").and_then(|()| out.finish())
    };
    let _ = written;
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return argument_error(&e),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let stdin_is_terminal = io::stdin().is_terminal();
    let stdout_is_terminal = io::stdout().is_terminal();
    if matches!(cli.command, Some(cli::Command::Practice(_)))
        && let Some(dir) = cli.common.knowledge.as_deref()
        && let Err(e) = cli::install_knowledge(dir)
    {
        error(&e);
        return ExitCode::from(Exit::Usage as u8);
    }
    let exit = match cli.command {
        #[cfg(feature = "tui")]
        Some(cli::Command::Practice(args)) => run_practice(&args, stdout_is_terminal),
        Some(command) => {
            let mut streams = Streams {
                stdout: GateWriter::styled(Box::new(io::stdout().lock())),
                stderr: GateWriter::new(Box::new(io::stderr().lock())),
                stdin: Box::new(io::stdin()),
                stdin_is_terminal,
                stdout_is_terminal,
                no_color,
            };
            let exit = cli::run(command, &mut streams);
            let Streams { stdout, stderr, .. } = streams;
            let _ = stderr.finish();
            match stdout.finish() {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    error(&format!("cannot write output: {e}"));
                    Exit::Usage
                }
                _ => exit,
            }
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
        error(&e);
        return Exit::Usage;
    }
    if !stdout_is_terminal || (cli.inputs.is_empty() && !stdin_is_terminal) {
        error("the TUI needs a terminal; for scripts use `oidc-triage diagnose INPUT…`");
        return Exit::Usage;
    }
    let user_options = match cli::diagnose_options(&cli.common) {
        Ok(options) => options,
        Err(message) => {
            error(&message);
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
                        error(&e.to_string());
                        return Exit::Usage;
                    }
                }
            } else if std::path::Path::new(name).exists() {
                paths.push(std::path::PathBuf::from(name));
            } else {
                error(&format!("cannot read {name}: no such file or directory"));
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
            error(&format!("terminal error: {e}"));
            Exit::Usage
        }
    }
}

/// `oidc-triage practice [SCENARIO]`: the built-in scenarios plus `--scenarios DIR`.
#[cfg(feature = "tui")]
fn run_practice(args: &cli::PracticeArgs, stdout_is_terminal: bool) -> Exit {
    use oidc_triage::tui::{self, TuiOptions, practice::Practice};

    if !stdout_is_terminal || !io::stdin().is_terminal() {
        error("practice needs a terminal");
        return Exit::Usage;
    }
    if let Some(dir) = &args.scenarios
        && !dir.is_dir()
    {
        error(&format!("--scenarios {}: not a folder", dir.display()));
        return Exit::Usage;
    }
    let (scenarios, errors) = oidc_triage::scenario::library(args.scenarios.as_deref());
    if let Some(slug) = &args.scenario
        && !scenarios.iter().any(|s| &s.slug == slug)
    {
        error(&format!(
            "no scenario `{slug}`; `oidc-triage scenarios list` shows them"
        ));
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
            error(&format!("terminal error: {e}"));
            Exit::Usage
        }
    }
}

#[cfg(not(feature = "tui"))]
fn run_tui(_cli: &Cli, _stdin_is_terminal: bool, _stdout_is_terminal: bool) -> Exit {
    error("built without the `tui` feature; use `oidc-triage diagnose INPUT…`");
    Exit::Usage
}
