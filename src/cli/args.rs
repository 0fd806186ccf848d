//! Raw command-line arguments (clap types stop here). Values are validated in clap
//! value parsers, so a bad `--now` is a usage error with the flag's name, never a panic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use oidc_triage::clock::parse_rfc3339;

/// Find the stage where CI/CD OIDC workload identity federation stops.
///
/// With no command, opens the triage TUI on the inputs given (or, with none, on a
/// built-in sample incident).
#[derive(Debug, Parser)]
#[command(name = "oidc-triage", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Inputs for the TUI: tokens, claims, JWKS, logs… (`-` reads stdin).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub tui: TuiArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode one token: platform, subject, times, signature, audience, claim meanings.
    ///
    /// Reading from stdin (`-`, or no argument) is the safe form: the token stays out
    /// of your shell history.
    Decode(DecodeArgs),
    /// Headless diagnosis of one or more inputs: where evidence stops, and why.
    Diagnose(DiagnoseArgs),
    /// Static review of trust configurations: what each rule admits, its risk, the fix.
    Lint(LintArgs),
    /// The scenario library: list, show one (without spoilers) or verify them all.
    Scenarios(ScenariosArgs),
    /// Practise the flow: lesson, play/break, ticket drills and the wrap-up (TUI).
    Practice(PracticeArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Print a published JSON Schema of an output: decode, diagnosis, lint or scenarios
    /// (`oidc-triage/NAME/v1`).
    Schema {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// A token, a file holding one, or `-` for stdin (the default).
    #[arg(value_name = "TOKEN|FILE|-")]
    pub input: Option<String>,
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Files or directories to diagnose (`-` reads stdin).
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    /// Narrow an export with many roles to this one (role ARN).
    #[arg(long, value_name = "ARN")]
    pub role: Option<String>,
    /// Narrow an export with many subjects to this one.
    #[arg(long, value_name = "SUB")]
    pub subject: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub since: Option<i64>,
    /// Only events at or before this time (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub until: Option<i64>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit 1 when a finding's risk is at or above this level, even if every stage
    /// passed (default: risks never change the exit code).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Trust configurations: AWS role trust policy, Azure federated credentials, GCP
    /// provider, Vault JWT role (`-` reads stdin).
    #[arg(value_name = "POLICY", required = true)]
    pub inputs: Vec<String>,
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    /// Exit 1 when a finding has this risk or higher [default: high, or the config
    /// file's `fail-on`].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub command: ScenariosCommand,
    /// Add your own scenarios from this folder of `<slug>/scenario.toml` folders; a
    /// slug equal to a built-in one replaces it.
    #[arg(long, value_name = "DIR", global = true)]
    pub scenarios: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text, global = true)]
    pub format: DecodeFormat,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum ScenariosCommand {
    /// One line per scenario: slug, platform, cloud, where it stops, title.
    List,
    /// One scenario: ticket, clock, artifacts, sources and what the diagnosis must show.
    ///
    /// The explanation and the answers stay hidden (they spoil the drill) unless
    /// `--reveal` is given.
    Show {
        /// The scenario's slug (`scenarios list` shows them).
        #[arg(value_name = "SLUG")]
        slug: String,
        /// Also print the explanation and the questions' answers.
        #[arg(long)]
        reveal: bool,
    },
    /// Run the engine on every scenario and compare with what each declares; exit 1 on
    /// any mismatch or scenario that does not load.
    Verify,
}

#[derive(Debug, Args)]
pub struct PracticeArgs {
    /// Open on this scenario (its slug) rather than the menu.
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<String>,
    /// Add your own scenarios from this folder (e.g. a team's past incidents).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
    /// Report only: risks never fail the run (monitor mode, e.g. for a first SARIF
    /// upload).
    Never,
}

/// Flags every command shares.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// The issuer's JWKS (the document at its `jwks_uri`) to verify signatures.
    #[arg(long, value_name = "FILE", global = true)]
    pub jwks: Option<PathBuf>,
    /// Fix the clock (RFC 3339), e.g. the time of the failing run.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now, global = true)]
    pub now: Option<i64>,
    /// Allowed clock skew in seconds [default: 60, or the config file's `skew`].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(i64).range(0..=86_400), global = true)]
    pub skew: Option<i64>,
    /// Colour: auto honours NO_COLOR and a non-terminal stdout.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// A folder of knowledge files (`*.toml`, the format of `assets/knowledge/`) that
    /// adds your own messages, causes, fixes and commands to the built-in ones.
    #[arg(long, value_name = "DIR", global = true)]
    pub knowledge: Option<PathBuf>,
    /// The config file (default: the nearest `.oidc-triage.toml` at or above the
    /// working directory).
    #[arg(long, value_name = "FILE", global = true, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no config file.
    #[arg(long, global = true)]
    pub no_config: bool,
    /// Fetch the issuer's JWKS over the network (opt-in; never the default): OIDC
    /// discovery from the token's `iss`, https only, known CI issuers or
    /// `--allow-issuer` only, cached under the XDG cache folder. The token is never sent.
    #[arg(long, global = true, conflicts_with = "jwks")]
    pub fetch_jwks: bool,
    /// Also trust this issuer (or any below it, `URL/…`) for `--fetch-jwks`.
    #[arg(long, value_name = "URL", global = true)]
    pub allow_issuer: Vec<String>,
    /// Trust only this CA (PEM) for `--fetch-jwks` (tests and private CAs).
    #[arg(long, value_name = "FILE", global = true, hide = true)]
    pub ca_file: Option<PathBuf>,
}

/// The clock skew allowed when neither `--skew` nor the config file sets one.
pub const DEFAULT_SKEW: i64 = 60;

impl CommonArgs {
    /// The allowed clock skew in seconds.
    pub fn skew(&self) -> i64 {
        self.skew.unwrap_or(DEFAULT_SKEW)
    }
}

/// TUI-only flags.
#[derive(Debug, Args, Clone)]
pub struct TuiArgs {
    /// Do not capture the mouse (so the terminal can select text).
    #[arg(long)]
    pub no_mouse: bool,
    /// Start with no evidence instead of the built-in sample incident.
    #[arg(long)]
    pub empty: bool,
}

fn parse_now(s: &str) -> Result<i64, String> {
    // The value is echoed in the error: escaped, so it shows what was typed.
    parse_rfc3339(s).map_err(|e| oidc_triage::text::escape_control(&e.to_string()).into_owned())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Markdown,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DecodeFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
