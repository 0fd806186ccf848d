//! The headless commands. `main` parses [`Cli`], hands the streams to [`run`], and
//! exits with the returned [`Exit`]; nothing here prints except to those streams.

mod args;
pub mod config;
#[cfg(feature = "fetch")]
mod fetch;
mod lint;
mod man;
mod org;
mod scenarios;
mod schema;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

pub use args::{
    Cli, ColorChoice, Command, CommonArgs, DecodeArgs, DecodeFormat, DiagnoseArgs, FailOn,
    LintArgs, LintFormat, OutputFormat, PracticeArgs, ScenariosArgs, ScenariosCommand,
};

use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::{DiagnoseOptions, Diagnosis, StageStatus, diagnose_inputs};
use oidc_triage::evidence::{Input, InputError};
use oidc_triage::report::{Palette, json, markdown, sarif, text};
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
    /// Owned, so that `diagnose -` can stream a log export past its head after
    /// this borrow of the other streams ends (see `Input::from_stream`).
    pub stdin: Box<dyn Read + Send>,
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

/// The `iss` of the token or claim set in these bytes, if any.
fn issuer_of(bytes: &[u8]) -> Option<String> {
    Claims::sniff(bytes)
        .or_else(|| Token::from_input(bytes).ok().map(|t| t.claims))
        .and_then(|c| c.issuer().map(str::to_owned))
}

/// With `--fetch-jwks`, the issuer's JWKS (fetched or cached; the note goes to stderr);
/// `None` without it.
#[allow(clippy::unnecessary_wraps)]
fn fetched_jwks(
    common: &CommonArgs,
    issuer: Option<String>,
    streams: &mut Streams<'_>,
) -> Result<Option<(String, Arc<Jwks>)>, String> {
    if !common.fetch_jwks {
        return Ok(None);
    }
    #[cfg(feature = "fetch")]
    {
        let issuer = issuer.ok_or_else(|| fetch::FetchError::NoIssuer.to_string())?;
        let options = fetch::FetchOptions {
            allow: common.allow_issuer.clone(),
            ca_file: common.ca_file.clone(),
            now: oidc_triage::clock::Clock::wall().now,
        };
        let fetched = fetch::fetch_jwks(&issuer, &options).map_err(|e| e.to_string())?;
        streams.error(&fetched.note);
        Ok(Some((fetched.name, fetched.jwks)))
    }
    #[cfg(not(feature = "fetch"))]
    {
        let _ = (issuer, streams);
        Err("--fetch-jwks: this build has no network support (feature `fetch`)".into())
    }
}

/// Options for the engine from the common flags.
pub fn diagnose_options(common: &CommonArgs) -> Result<DiagnoseOptions, String> {
    Ok(DiagnoseOptions {
        now: common.now,
        skew: common.skew(),
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
pub fn run(mut command: Command, streams: &mut Streams<'_>) -> Exit {
    let config = match load_config(&command) {
        Ok(config) => config,
        Err(e) => {
            streams.error(&e.to_string());
            return Exit::Usage;
        }
    };
    command.apply_config(&config);
    if let Some(dir) = command.common().and_then(|c| c.knowledge.as_deref())
        && let Err(e) = install_knowledge(dir)
    {
        streams.error(&e);
        return Exit::Usage;
    }
    match command {
        Command::Decode(args) => decode(&args, streams),
        Command::Diagnose(args) => diagnose(&args, &config, streams),
        Command::Lint(args) => lint::lint(&args, &config, streams),
        Command::Schema { name } => schema::schema(&name, streams),
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
        Command::Man => match man::render(&mut streams.stdout) {
            Ok(()) => Exit::Ok,
            Err(e) => {
                streams.error(&format!("cannot write the man page: {e}"));
                Exit::Usage
            }
        },
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
        // A token never holds `/` at its start or whitespace: this names a file.
        Some(arg) if names_a_file(arg) => Err(format!(
            "cannot read {}: no such file or directory",
            oidc_triage::text::escape_control(arg)
        )),
        Some(arg) => Ok(Input::pasted("argument", arg.as_bytes().to_vec())),
    }
}

/// An argument that can only be a path: it starts like one, or ends in a file
/// extension people give tokens (`.json`, `.txt`, `.jwt`, `.log`), and holds nothing
/// that reads as a setting or a secret.
fn names_a_file(arg: &str) -> bool {
    // `key=value` is a pasted setting (an `.npmrc` line holds a token), never echoed.
    if arg.contains(['=', ' ', '\t']) || arg.len() > 1024 {
        return false;
    }
    arg.starts_with('/')
        || arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('~')
        || [".json", ".txt", ".jwt", ".log", ".token"]
            .iter()
            .any(|ext| arg.len() < 4096 && arg.ends_with(ext) && !arg.starts_with("eyJ"))
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
        Ok(None) => match fetched_jwks(&args.common, issuer_of(&input.bytes), streams) {
            Ok(jwks) => jwks,
            Err(message) => {
                streams.error(&message);
                return Exit::Usage;
            }
        },
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
        Some(claims) => inspect_claims(&claims, clock, args.common.skew(), &from),
        None => match Token::from_input(&input.bytes) {
            Ok(token) => inspect_token(
                &token,
                jwks.as_ref().map(|(_, j)| j.as_ref()),
                clock,
                args.common.skew(),
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

fn diagnose(args: &DiagnoseArgs, config: &config::Config, streams: &mut Streams<'_>) -> Exit {
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
        let read = if name == "-" {
            let stdin = std::mem::replace(&mut streams.stdin, Box::new(std::io::empty()));
            Input::from_stream("stdin", stdin)
        } else {
            read_input(name, &mut *streams.stdin)
        };
        match read {
            Ok(input) => inputs.push(input),
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    for message in &unreadable {
        streams.error(message);
    }
    let mut options = options;
    if options.jwks.is_none() {
        let issuer = inputs.iter().find_map(|i| issuer_of(&i.bytes));
        match fetched_jwks(&args.common, issuer, streams) {
            Ok(jwks) => options.jwks = jwks,
            Err(message) => {
                streams.error(&message);
                return Exit::Usage;
            }
        }
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
    let judged = config::Judged::new(config, config::today(args.common.now));
    let suppressions = judged.report(diagnosis.findings.iter());
    let written = match args.format {
        OutputFormat::Text => text::write_diagnosis(&mut streams.stdout, &diagnosis, palette)
            .and_then(|()| config::write_text(&mut streams.stdout, &suppressions)),
        OutputFormat::Json => with_suppressions(&diagnosis, &suppressions)
            .and_then(|value| json::write_json(&mut streams.stdout, &value)),
        OutputFormat::Markdown => markdown::write_rca(&mut streams.stdout, &diagnosis)
            .and_then(|()| config::write_text(&mut streams.stdout, &suppressions)),
        OutputFormat::Sarif => {
            let results = sarif_results(&judged, diagnosis.findings.iter());
            sarif::write_sarif(&mut streams.stdout, &results, env!("CARGO_PKG_VERSION"))
        }
    };
    let counted_risk = diagnosis
        .findings
        .iter()
        .filter(|f| !judged.suppressed(f))
        .filter_map(|f| f.risk)
        .max();
    let exit = match (diagnosis_exit(&diagnosis), args.fail_on) {
        (Exit::Ok | Exit::Incomplete, Some(level))
            if lint::threshold(level).is_some_and(|t| counted_risk >= Some(t)) =>
        {
            Exit::Failure
        }
        (exit, _) => exit,
    };
    finish_output(written, exit, streams)
}

/// A report serialised with the config's `suppressions` beside its fields (only when
/// the config declares any: v1 readers that do not know the field are unaffected).
pub fn with_suppressions<T: serde::Serialize>(
    report: &T,
    suppressions: &[config::SuppressionReport],
) -> std::io::Result<serde_json::Value> {
    let mut value = serde_json::to_value(report).map_err(std::io::Error::other)?;
    if !suppressions.is_empty()
        && let Some(object) = value.as_object_mut()
    {
        object.insert(
            "suppressions".into(),
            serde_json::to_value(suppressions).map_err(std::io::Error::other)?,
        );
    }
    Ok(value)
}

/// The SARIF results of these findings, each with the suppression that accepts it or
/// the note that an expired one no longer does.
pub fn sarif_results<'a>(
    judged: &config::Judged<'a>,
    findings: impl Iterator<Item = &'a oidc_triage::vocabulary::Finding>,
) -> Vec<sarif::SarifResult<'a>> {
    findings
        .map(|finding| match judged.verdict(finding) {
            config::Verdict::Applies(s) => sarif::SarifResult {
                finding,
                suppression: Some(s),
                note: None,
            },
            config::Verdict::Expired(s) => sarif::SarifResult {
                finding,
                suppression: None,
                note: Some(format!(
                    "a suppression in {} expired on {} and no longer applies",
                    s.note.source,
                    s.note.expires.as_deref().unwrap_or("?")
                )),
            },
            config::Verdict::None => sarif::SarifResult {
                finding,
                suppression: None,
                note: None,
            },
        })
        .collect()
}

/// The config file this command reads: `--config FILE`, none with `--no-config`, else
/// the nearest `.oidc-triage.toml` at or above the working directory.
fn load_config(command: &Command) -> Result<config::Config, config::ConfigError> {
    let Some(common) = command.common() else {
        return Ok(config::Config::default());
    };
    if common.no_config {
        return Ok(config::Config::default());
    }
    if let Some(path) = &common.config {
        return config::Config::load(path);
    }
    match std::env::current_dir() {
        Ok(dir) => config::Config::discover(&dir),
        Err(_) => Ok(config::Config::default()),
    }
}

/// Load `--knowledge DIR` for this process, before anything is diagnosed.
pub fn install_knowledge(dir: &std::path::Path) -> Result<(), String> {
    oidc_triage::vocabulary::knowledge::install(dir)
        .map_err(|e| format!("--knowledge {}: {e}", dir.display()))
}

impl Command {
    /// The common flags of the subcommand, when it has them.
    pub fn common(&self) -> Option<&CommonArgs> {
        match self {
            Command::Decode(a) => Some(&a.common),
            Command::Diagnose(a) => Some(&a.common),
            Command::Lint(a) => Some(&a.common),
            Command::Scenarios(a) => Some(&a.common),
            Command::Practice(_) => None,
            Command::Completions { .. } | Command::Man | Command::Schema { .. } => None,
        }
    }

    fn common_mut(&mut self) -> Option<&mut CommonArgs> {
        match self {
            Command::Decode(a) => Some(&mut a.common),
            Command::Diagnose(a) => Some(&mut a.common),
            Command::Lint(a) => Some(&mut a.common),
            Command::Scenarios(a) => Some(&mut a.common),
            Command::Practice(_)
            | Command::Completions { .. }
            | Command::Man
            | Command::Schema { .. } => None,
        }
    }

    /// Fill what the command line left unset from the config file (flags beat it).
    pub fn apply_config(&mut self, config: &config::Config) {
        if let Some(common) = self.common_mut() {
            common.skew = common.skew.or(config.skew);
            if common.knowledge.is_none() {
                common.knowledge.clone_from(&config.knowledge);
            }
        }
        match self {
            Command::Diagnose(a) => a.fail_on = a.fail_on.or(config.fail_on),
            Command::Lint(a) => a.fail_on = a.fail_on.or(config.fail_on),
            Command::Scenarios(a) if a.scenarios.is_none() => {
                a.scenarios.clone_from(&config.scenarios);
            }
            _ => {}
        }
    }
}
