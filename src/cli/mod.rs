//! The headless commands. `main` parses [`Cli`], hands the streams to [`run`], and
//! exits with the returned [`Exit`]; nothing here prints except to those streams.

mod args;
mod lint;
mod scenarios;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

pub use args::{
    Cli, ColorChoice, Command, CommonArgs, DecodeArgs, DecodeFormat, DiagnoseArgs, FailOn,
    LintArgs, OutputFormat, PracticeArgs, ScenariosArgs, ScenariosCommand,
};

use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::{DiagnoseOptions, Diagnosis, StageStatus, diagnose_inputs};
use oidc_triage::evidence::{Input, InputError};
use oidc_triage::report::{Palette, json, markdown, text};
use oidc_triage::text::{GateWriter, escape_control};
use oidc_triage::token::{Claims, Jwks, Provenance, Token, inspect_claims, inspect_token};

/// Exit codes (DESIGN.md), the same for every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// All good.
    Ok = 0,
    /// A failure proven: a failed stage, a bad signature, an expired token.
    Failure = 1,
    /// Usage error, or no usable input at all.
    Usage = 2,
    /// (diagnose) No failure seen, but evidence stops before `audit`.
    Incomplete = 3,
}

/// A process stream behind the output gate: the only kind of stream the commands get,
/// so nothing they print can skip it.
pub type Gated<'a> = GateWriter<Box<dyn Write + 'a>>;

/// The process's streams and what main knows about them.
pub struct Streams<'a> {
    /// Styled: the report palette's colours pass the gate, nothing else does.
    pub stdout: Gated<'a>,
    pub stderr: Gated<'a>,
    pub stdin: &'a mut dyn Read,
    pub stdin_is_terminal: bool,
    pub stdout_is_terminal: bool,
    /// `NO_COLOR` is set and not empty (<https://no-color.org>).
    pub no_color: bool,
}

impl Streams<'_> {
    fn palette(&self, choice: ColorChoice) -> Palette {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => self.stdout_is_terminal && !self.no_color,
        };
        Palette { color }
    }

    fn error(&mut self, message: &str) {
        let _ = writeln!(self.stderr, "oidc-triage: {}", escape_control(message));
        // The gate buffers; an error shows now, before whatever comes next.
        let _ = self.stderr.flush();
    }
}

/// Read the `--jwks` file.
pub fn load_jwks(path: &Path) -> Result<(String, Arc<Jwks>), String> {
    let input = Input::from_path(path).map_err(|e| e.to_string())?;
    Jwks::parse(&input.bytes)
        .map(|jwks| (input.name.clone(), Arc::new(jwks)))
        .map_err(|e| format!("--jwks {}: {e}", input.name))
}

/// Options for the engine from the common flags.
pub fn diagnose_options(common: &CommonArgs) -> Result<DiagnoseOptions, String> {
    Ok(DiagnoseOptions {
        now: common.now,
        skew: common.skew,
        jwks: common.jwks.as_deref().map(load_jwks).transpose()?,
        ..DiagnoseOptions::default()
    })
}

/// Read one named input: `-` is stdin, anything else a file.
pub fn read_input(name: &str, stdin: &mut dyn Read) -> Result<Input, InputError> {
    if name == "-" {
        Input::from_reader("stdin", stdin)
    } else {
        Input::from_path(Path::new(name))
    }
}

/// Run a headless command.
pub fn run(command: Command, streams: &mut Streams<'_>) -> Exit {
    match command {
        Command::Decode(args) => decode(&args, streams),
        Command::Diagnose(args) => diagnose(&args, streams),
        Command::Lint(args) => lint::lint(&args, streams),
        Command::Scenarios(args) => scenarios::scenarios(&args, streams),
        // main runs practice in the TUI; here (tests, or a build without the TUI) it
        // can only say so.
        Command::Practice(_) => {
            streams.error("practice runs in the TUI: start it from a terminal");
            Exit::Usage
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "oidc-triage", &mut streams.stdout);
            Exit::Ok
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(cmd).render(&mut streams.stdout) {
                Ok(()) => Exit::Ok,
                Err(e) => {
                    streams.error(&format!("cannot write the man page: {e}"));
                    Exit::Usage
                }
            }
        }
    }
}

/// The decode input: an argument that names a file is read, `-` or nothing reads
/// stdin, anything else is the token itself.
fn decode_input(args: &DecodeArgs, streams: &mut Streams<'_>) -> Result<Input, String> {
    match args.input.as_deref() {
        None | Some("-") => {
            if streams.stdin_is_terminal {
                let _ = writeln!(
                    streams.stderr,
                    "Paste the token (or its JSON), then press Ctrl-D:"
                );
                let _ = streams.stderr.flush();
            }
            Input::from_reader("stdin", &mut *streams.stdin).map_err(|e| e.to_string())
        }
        Some(arg) if Path::new(arg).exists() => {
            Input::from_path(Path::new(arg)).map_err(|e| e.to_string())
        }
        Some(arg) => Ok(Input::pasted("argument", arg.as_bytes().to_vec())),
    }
}

fn decode(args: &DecodeArgs, streams: &mut Streams<'_>) -> Exit {
    let input = match decode_input(args, streams) {
        Ok(input) => input,
        Err(message) => {
            streams.error(&message);
            return Exit::Usage;
        }
    };
    let jwks = match args.common.jwks.as_deref().map(load_jwks).transpose() {
        Ok(jwks) => jwks,
        Err(message) => {
            streams.error(&message);
            return Exit::Usage;
        }
    };
    let clock = args.common.now.map_or_else(Clock::wall, Clock::fixed);
    let from = Provenance {
        artifact: &input.name,
        jwks_name: jwks.as_ref().map(|(name, _)| name.as_str()),
    };
    let report = match Claims::sniff(&input.bytes) {
        Some(claims) => inspect_claims(&claims, clock, args.common.skew, &from),
        None => match Token::from_input(&input.bytes) {
            Ok(token) => inspect_token(
                &token,
                jwks.as_ref().map(|(_, j)| j.as_ref()),
                clock,
                args.common.skew,
                &from,
            ),
            Err(e) => {
                streams.error(&format!("{}: {e}", input.name));
                return Exit::Usage;
            }
        },
    };
    let palette = streams.palette(args.common.color);
    let written = match args.format {
        DecodeFormat::Text => text::write_token_report(&mut streams.stdout, &report, palette),
        DecodeFormat::Json => json::write_json(&mut streams.stdout, &report),
    };
    let exit = if report.has_error() {
        Exit::Failure
    } else {
        Exit::Ok
    };
    finish_output(written, exit, streams)
}

/// A closed pipe (`| head`) is the reader's choice, not an error; any other write
/// failure is reported.
fn finish_output(written: std::io::Result<()>, exit: Exit, streams: &mut Streams<'_>) -> Exit {
    match written {
        Ok(()) => exit,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit,
        Err(e) => {
            streams.error(&format!("cannot write output: {e}"));
            Exit::Usage
        }
    }
}

/// The exit code a diagnosis earns.
pub fn diagnosis_exit(d: &Diagnosis) -> Exit {
    if !d.has_usable_input() {
        Exit::Usage
    } else if d.stages.iter().any(|s| s.status == StageStatus::Failed) {
        Exit::Failure
    } else if d.stopped_at.is_some() {
        Exit::Incomplete
    } else {
        Exit::Ok
    }
}

fn diagnose(args: &DiagnoseArgs, streams: &mut Streams<'_>) -> Exit {
    let options = match diagnose_options(&args.common) {
        Ok(options) => DiagnoseOptions {
            filters: oidc_triage::evidence::Filters {
                role: args.role.clone(),
                subject: args.subject.clone(),
                since: args.since,
                until: args.until,
            },
            ..options
        },
        Err(message) => {
            streams.error(&message);
            return Exit::Usage;
        }
    };
    if args.inputs.iter().filter(|i| *i == "-").count() > 1 {
        streams.error("stdin (`-`) can be read only once");
        return Exit::Usage;
    }
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    for name in &args.inputs {
        match read_input(name, &mut *streams.stdin) {
            Ok(input) => inputs.push(input),
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    for message in &unreadable {
        streams.error(message);
    }
    let diagnosis = diagnose_inputs(&inputs, &options);
    if !diagnosis.has_usable_input() {
        for a in &diagnosis.artifacts {
            let why = a.error.clone().unwrap_or_else(|| {
                format!(
                    "not recognised (tried {}; starts \"{}\")",
                    a.tried
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                    a.preview.as_deref().unwrap_or_default()
                )
            });
            streams.error(&format!("{}: {why}", a.name));
        }
        streams.error("no usable input: give a token, claims, a trust configuration or a log");
        return Exit::Usage;
    }
    let palette = streams.palette(args.common.color);
    let written = match args.format {
        OutputFormat::Text => text::write_diagnosis(&mut streams.stdout, &diagnosis, palette),
        OutputFormat::Json => json::write_json(&mut streams.stdout, &diagnosis),
        OutputFormat::Markdown => markdown::write_rca(&mut streams.stdout, &diagnosis),
    };
    finish_output(written, diagnosis_exit(&diagnosis), streams)
}
