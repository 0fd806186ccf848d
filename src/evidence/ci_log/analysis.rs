//! From lines to what they prove: each line is matched against the message catalogue
//! (`messages`), and a few shapes are read on the way: the inputs a GitHub step was
//! given (its `with:` block, printed under `Run owner/action@ref`), azure/login's
//! `Federated token details:` block (the token's issuer, subject, audience and
//! `job_workflow_ref`, printed by Azure/login `src/common/LoginConfig.ts`), JWTs printed
//! whole, and the run or job the log belongs to. Both the job log and the bare error
//! text feed lines through the same [`Analyzer`].

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use serde_json::{Map, Value};

use super::messages::{self, Message};
use crate::text::escape_control;
use crate::token::claims::Claims;
use crate::token::jwt::Token;
use crate::token::locate::PasteForm;
use crate::token::platform::Platform;

/// Occurrences of one message kept from the start of a log; later ones replace a single
/// "latest" slot, so a message repeated a million times costs a few events and the
/// latest attempt is never lost.
const FIRST_OCCURRENCES: usize = 8;
/// Distinct tokens kept from one log.
const MAX_TOKENS: usize = 8;
/// Claim blocks kept from one log.
const MAX_CLAIM_SETS: usize = 16;
/// A quoted line is cut to this many characters.
const EXCERPT_CHARS: usize = 240;

/// What a platform's marker says about a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Plain,
    Error,
    Warning,
    Debug,
    /// A step or section begins; the marker text is its name.
    StepStart,
    StepEnd,
    /// A command echoed before it runs (`$ …`, `+ …`, `[command]…`).
    Command,
}

/// Values a line names, for summaries and the commands that fetch the next evidence.
/// Every value is already escaped of control characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Detail {
    /// `arn:aws:iam::…:role/…` (from the line, else the step's `role-to-assume`).
    pub role_arn: Option<String>,
    /// `arn:aws:sts::…:assumed-role/…/…`.
    pub session_arn: Option<String>,
    /// The AWS API operation (`PutObject`).
    pub operation: Option<String>,
    /// Entra's quoted assertion values.
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audience: Option<String>,
    /// The Azure application (client) ID.
    pub client_id: Option<String>,
    /// A GCP workload identity provider resource name.
    pub provider: Option<String>,
    pub service_account: Option<String>,
    /// A claim Vault names.
    pub claim: Option<String>,
    /// The Vault role (from the line, else the step's `role` input).
    pub vault_role: Option<String>,
    /// configure-aws-credentials' `role-duration-seconds`.
    pub duration: Option<String>,
}

/// One catalogued line.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub line: usize,
    pub time: Option<i64>,
    pub message: &'static Message,
    /// The line as quoted: secrets redacted, control characters escaped, cut short.
    pub excerpt: String,
    pub detail: Detail,
    /// The step or section the line was in.
    pub step: Option<String>,
}

/// A JWT printed in the log.
#[derive(Clone, Debug)]
pub(crate) struct FoundToken {
    pub line: usize,
    pub time: Option<i64>,
    pub token: Arc<Token>,
}

/// A claim set the log printed (azure/login's `Federated token details:`).
#[derive(Clone, Debug)]
pub(crate) struct FoundClaims {
    pub line: usize,
    pub time: Option<i64>,
    pub claims: Claims,
}

/// Everything read from one log or paste.
#[derive(Clone, Debug, Default)]
pub(crate) struct Analysis {
    pub events: Vec<Event>,
    /// Repeated occurrences not kept (each message keeps its first few and its latest).
    pub dropped_events: usize,
    pub tokens: Vec<FoundToken>,
    pub claims: Vec<FoundClaims>,
    /// The last value of each known step input (`role-to-assume`, `client-id`, …).
    pub inputs: BTreeMap<&'static str, String>,
    /// The GitHub run (from a run URL in the log) and its repository.
    pub run_id: Option<String>,
    pub repository: Option<String>,
    /// A GitLab job ID (from a job URL in the log).
    pub job_id: Option<String>,
    pub lines: usize,
    /// Lines that carried a time.
    pub timed_lines: usize,
    /// The GitHub runner's `GITHUB_TOKEN Permissions` group: its line and entries.
    pub token_permissions: Option<(usize, Vec<String>)>,
    /// The first line that shows the job running: its number, time and what it says.
    pub job_started: Option<JobStarted>,
}

/// A line only a running job writes: the runner's header or a step beginning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JobStarted {
    pub line: usize,
    pub time: Option<i64>,
    pub what: String,
}

/// Runner header lines that a job writes before its first step (their readers cite
/// the formats: `github`, `gitlab`).
const JOB_HEADERS: &[&str] = &[
    // GitHub Actions runner (first lines of every job log).
    "Current runner version:",
    "Job defined at:",
    // GitLab Runner (first line of every job log).
    "Running with gitlab-runner",
];

/// Step inputs worth keeping: they name the role, app, provider or Vault role.
const INPUTS: &[&str] = &[
    "role-to-assume",
    "role-duration-seconds",
    "role-session-name",
    "aws-region",
    "audience",
    "client-id",
    "tenant-id",
    "subscription-id",
    "workload_identity_provider",
    "service_account",
    "url",
    "method",
    "role",
    "path",
    "jwtGithubAudience",
];

/// Reads lines in order and keeps what they prove.
#[derive(Default)]
pub(crate) struct Analyzer {
    analysis: Analysis,
    step: Option<String>,
    in_with_block: bool,
    in_permissions: bool,
    pending: Option<FoundClaims>,
    /// Per message key: occurrences seen, and where its "latest" slot is.
    occurrences: std::collections::HashMap<&'static str, (usize, Option<usize>)>,
    /// GitHub Actions prints a step's definition (its script, `with:`, `env:`) under
    /// its `Run …` header before the step's output: text there is not output.
    github: bool,
    definition: Definition,
}

/// Where a GitHub step's definition ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Definition {
    #[default]
    None,
    /// Raw log: at `##[endgroup]`.
    Group,
    /// Web view: at the first line that is not indented.
    Indented,
}

impl Analyzer {
    /// An analyzer for a log of this platform.
    pub(crate) fn for_platform(platform: Platform) -> Analyzer {
        Analyzer {
            github: platform == Platform::GithubActions,
            ..Analyzer::default()
        }
    }

    /// One line: its number in the input, its time if it carried one, its text with the
    /// platform's prefix and marker taken off.
    pub(crate) fn feed(
        &mut self,
        line: usize,
        time: Option<i64>,
        text: &str,
        marker: Marker,
        marker_text: &str,
    ) {
        self.analysis.lines = self.analysis.lines.max(line);
        if time.is_some() {
            self.analysis.timed_lines += 1;
        }
        if self.analysis.job_started.is_none() {
            // A step beginning (GitHub `##[group]Run …`, Azure Pipelines `Starting: …`,
            // GitLab `section_start:`, Buildkite `~~~ …`, CircleCI's step shebang,
            // Bitbucket `Build setup`) or a runner header proves the job ran.
            let what = match marker {
                Marker::StepStart if !marker_text.trim().is_empty() => Some(marker_text),
                _ => JOB_HEADERS
                    .iter()
                    .any(|h| text.trim_start().starts_with(h))
                    .then_some(text),
            };
            if let Some(what) = what {
                self.analysis.job_started = Some(JobStarted {
                    line,
                    time,
                    what: excerpt(what.trim()),
                });
            }
        }
        match marker {
            Marker::StepStart => {
                self.step = Some(excerpt(marker_text));
                self.in_with_block = false;
                // The runner lists the job token's permissions in this group
                // (`Contents: read`, `IdToken: write`, …).
                self.in_permissions = marker_text.trim() == "GITHUB_TOKEN Permissions";
                if self.in_permissions && self.analysis.token_permissions.is_none() {
                    self.analysis.token_permissions = Some((line, Vec::new()));
                }
                self.definition = match (self.github, marker_text.starts_with("Run "), time) {
                    (true, true, Some(_)) => Definition::Group,
                    (true, true, None) => Definition::Indented,
                    _ => Definition::None,
                };
                return;
            }
            Marker::StepEnd => {
                self.in_with_block = false;
                self.in_permissions = false;
                self.definition = Definition::None;
            }
            _ => {}
        }
        if self.in_permissions
            && let Some((_, entries)) = self.analysis.token_permissions.as_mut()
            && entries.len() < 40
        {
            entries.push(excerpt(text));
            return;
        }
        if self.federated_token_details(line, time, text) {
            return;
        }
        self.step_inputs(text);
        // A runner annotation (`##[error]`) is never part of a definition.
        if marker != Marker::Error && self.in_definition(text) {
            return;
        }
        if marker == Marker::Command && text.contains("/login") {
            self.vault_login_command(text);
        }
        if text.contains("/actions/runs/") || text.contains("/-/jobs/") {
            self.run_reference(text);
        }
        if text.contains("eyJ") && self.analysis.tokens.len() < MAX_TOKENS {
            self.token(line, time, text);
        }
        if let Some(message) = messages::classify(text) {
            let event = Event {
                line,
                time,
                message,
                excerpt: excerpt(text),
                detail: self.detail(text),
                step: self.step.clone(),
            };
            let (seen, latest) = self.occurrences.entry(message.key).or_insert((0, None));
            *seen += 1;
            if *seen <= FIRST_OCCURRENCES {
                self.analysis.events.push(event);
            } else if let Some(slot) = *latest {
                self.analysis.events[slot] = event;
                self.analysis.dropped_events += 1;
            } else {
                *latest = Some(self.analysis.events.len());
                self.analysis.events.push(event);
            }
        }
    }

    /// The analysis, once every line was fed.
    pub(crate) fn finish(mut self) -> Analysis {
        self.close_pending();
        // A replaced "latest" slot may sit before newer events: keep line order.
        self.analysis.events.sort_by_key(|e| e.line);
        self.analysis
    }

    /// True while the line belongs to a GitHub step's definition (a script that merely
    /// mentions an error message is not that error).
    fn in_definition(&mut self, text: &str) -> bool {
        match self.definition {
            Definition::None => false,
            Definition::Group => true,
            Definition::Indented if text.is_empty() || text.starts_with(char::is_whitespace) => {
                true
            }
            Definition::Indented => {
                self.definition = Definition::None;
                false
            }
        }
    }

    /// azure/login prints `Federated token details:` then ` issuer - …`, ` subject claim
    /// - …`, ` audience - …`, ` job_workflow_ref - …` (older versions the first two only).
    fn federated_token_details(&mut self, line: usize, time: Option<i64>, text: &str) -> bool {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("federated token details:") {
            self.close_pending();
            self.pending = Some(FoundClaims {
                line,
                time,
                claims: Claims(Map::new()),
            });
            return true;
        }
        let Some(pending) = self.pending.as_mut() else {
            return false;
        };
        let claim = [
            ("issuer - ", "iss"),
            ("subject claim - ", "sub"),
            ("audience - ", "aud"),
            ("job_workflow_ref - ", "job_workflow_ref"),
        ]
        .into_iter()
        .find_map(|(label, claim)| trimmed.strip_prefix(label).map(|v| (claim, v.trim())));
        match claim {
            Some((claim, value)) => {
                pending
                    .claims
                    .0
                    .insert(claim.to_owned(), Value::String(value.to_owned()));
                true
            }
            None => {
                self.close_pending();
                false
            }
        }
    }

    fn close_pending(&mut self) {
        if let Some(found) = self.pending.take()
            && (found.claims.issuer().is_some() || found.claims.subject().is_some())
            && self.analysis.claims.len() < MAX_CLAIM_SETS
        {
            self.analysis.claims.push(found);
        }
    }

    /// `with:` under a `Run owner/action@ref` header lists the step's inputs, indented.
    fn step_inputs(&mut self, text: &str) {
        let trimmed = text.trim();
        if trimmed == "with:" {
            self.in_with_block = true;
            return;
        }
        if !self.in_with_block {
            return;
        }
        if trimmed == "env:" || !text.starts_with(char::is_whitespace) {
            self.in_with_block = false;
            return;
        }
        if let Some((key, value)) = trimmed.split_once(':')
            && let Some(&known) = INPUTS.iter().find(|k| **k == key.trim())
        {
            let value = value.trim();
            if !value.is_empty() && !value.chars().all(|c| c == '*') {
                self.analysis
                    .inputs
                    .insert(known, escape_control(value).into_owned());
            }
        }
    }

    /// `vault write auth/jwt/login role=NAME jwt=…`: the mount and role a CLI login names.
    fn vault_login_command(&mut self, text: &str) {
        if let Some(c) = VAULT_LOGIN.as_ref().and_then(|r| r.captures(text)) {
            for (group, input) in [(1, "path"), (2, "role")] {
                if let Some(m) = c.get(group) {
                    self.analysis
                        .inputs
                        .insert(input, escape_control(m.as_str()).into_owned());
                }
            }
        }
    }

    fn run_reference(&mut self, text: &str) {
        if let Some(c) = RUN_URL.as_ref().and_then(|r| r.captures(text)) {
            self.analysis.repository = c.get(1).map(|m| m.as_str().to_owned());
            self.analysis.run_id = c.get(2).map(|m| m.as_str().to_owned());
        }
        if let Some(c) = JOB_URL.as_ref().and_then(|r| r.captures(text)) {
            self.analysis.job_id = c.get(1).map(|m| m.as_str().to_owned());
        }
    }

    fn token(&mut self, line: usize, time: Option<i64>, text: &str) {
        let Ok(mut token) = Token::from_input(text.as_bytes()) else {
            return;
        };
        token.form = PasteForm::InText { line };
        let redacted = token.redacted();
        if self
            .analysis
            .tokens
            .iter()
            .any(|t| t.token.redacted() == redacted)
        {
            return;
        }
        if self.analysis.run_id.is_none()
            && let Some(run) = token.claims.get("run_id")
        {
            let run = crate::token::claims::display_value(run);
            if run.bytes().all(|b| b.is_ascii_digit()) {
                self.analysis.run_id = Some(run);
            }
        }
        self.analysis.tokens.push(FoundToken {
            line,
            time,
            token: Arc::new(token),
        });
    }

    fn detail(&self, text: &str) -> Detail {
        let capture = |re: &LazyLock<Option<Regex>>, group: usize| {
            re.as_ref()
                .and_then(|r| r.captures(text))
                .and_then(|c| c.get(group))
                .map(|m| escape_control(m.as_str()).into_owned())
        };
        let input = |name: &str| self.analysis.inputs.get(name).cloned();
        Detail {
            role_arn: capture(&ROLE_ARN, 0)
                .or_else(|| input("role-to-assume").filter(|r| r.starts_with("arn:"))),
            session_arn: capture(&SESSION_ARN, 0),
            operation: capture(&OPERATION, 1).or_else(|| capture(&OPERATION, 2)),
            issuer: capture(&AAD_ISSUER, 1),
            subject: capture(&AAD_SUBJECT, 1),
            audience: capture(&AAD_AUDIENCE, 1),
            client_id: capture(&AAD_CLIENT, 1)
                .or_else(|| capture(&AAD_CLIENT, 2))
                .or_else(|| input("client-id")),
            provider: capture(&GCP_PROVIDER, 0).or_else(|| input("workload_identity_provider")),
            service_account: capture(&GCP_SERVICE_ACCOUNT, 0).or_else(|| input("service_account")),
            claim: capture(&VAULT_CLAIM, 1),
            vault_role: capture(&VAULT_ROLE, 1).or_else(|| input("role")),
            duration: input("role-duration-seconds"),
        }
    }
}

/// A line as it is quoted in evidence.
pub(crate) fn excerpt(text: &str) -> String {
    crate::evidence::logs::quote_within(text.trim(), EXCERPT_CHARS)
}

fn regex(pattern: &str) -> Option<Regex> {
    // Constant patterns: a failure is a programming error the tests catch; at run time
    // it only loses a detail.
    Regex::new(pattern).ok()
}

static RUN_URL: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"github\.com/([\w.-]+/[\w.-]+)/actions/runs/(\d+)"));
static JOB_URL: LazyLock<Option<Regex>> = LazyLock::new(|| regex(r"/-/jobs/(\d+)"));
static ROLE_ARN: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+"));
static SESSION_ARN: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"arn:aws[\w-]*:sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+"));
static OPERATION: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"when calling the (\w+) operation|operation error [\w ]+: (\w+),"));
static AAD_ISSUER: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"(?i)assertion issuer:? '([^']*)'"));
static AAD_SUBJECT: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"(?i)assertion subject:? '([^']*)'"));
static AAD_AUDIENCE: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"(?i)assertion audience:? '([^']*)'"));
static AAD_CLIENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"(?i)application with identifier '([^']+)'|the client '([^']+)'"));
static GCP_PROVIDER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"projects/[\w-]+/locations/global/workloadIdentityPools/[\w-]+/providers/[\w-]+")
});
static GCP_SERVICE_ACCOUNT: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"[\w.-]+@[\w-]+\.iam\.gserviceaccount\.com"));
static VAULT_CLAIM: LazyLock<Option<Regex>> = LazyLock::new(|| regex(r#"claim \\?"([^"\\]+)\\?""#));
static VAULT_LOGIN: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"auth/([\w/-]+)/login\b.*?\brole=([\w.@-]+)"));
static VAULT_ROLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r#"role \\?"([^"\\]+)\\?" could not be found"#));

#[cfg(test)]
mod tests {
    use super::*;

    fn analyse(lines: &[&str]) -> Analysis {
        let mut a = Analyzer::default();
        for (i, l) in lines.iter().enumerate() {
            a.feed(i + 1, None, l, Marker::Plain, "");
        }
        a.finish()
    }

    #[test]
    fn every_pattern_compiles() {
        for re in [
            &RUN_URL,
            &JOB_URL,
            &ROLE_ARN,
            &SESSION_ARN,
            &OPERATION,
            &AAD_ISSUER,
            &AAD_SUBJECT,
            &AAD_AUDIENCE,
            &AAD_CLIENT,
            &GCP_PROVIDER,
            &GCP_SERVICE_ACCOUNT,
            &VAULT_CLAIM,
            &VAULT_ROLE,
            &VAULT_LOGIN,
        ] {
            assert!(re.is_some());
        }
    }

    #[test]
    fn federated_token_details_become_claims() {
        let a = analyse(&[
            "Federated token details:",
            " issuer - https://token.actions.githubusercontent.com",
            " subject claim - repo:acme/web:environment:Production",
            " audience - api://AzureADTokenExchange",
            " job_workflow_ref - acme/web/.github/workflows/deploy.yml@refs/heads/main",
            "Attempting Azure CLI login by using OIDC...",
        ]);
        assert_eq!(a.claims.len(), 1);
        let c = &a.claims[0].claims;
        assert_eq!(c.subject(), Some("repo:acme/web:environment:Production"));
        assert_eq!(c.audiences(), vec!["api://AzureADTokenExchange"]);
        assert_eq!(a.claims[0].line, 1);
        // The line after the block is still read.
        assert_eq!(a.events.len(), 1);
    }

    #[test]
    fn step_inputs_are_read_from_the_with_block_only() {
        let a = analyse(&[
            "Run aws-actions/configure-aws-credentials@v4",
            "  with:",
            "    role-to-assume: arn:aws:iam::123456789012:role/deploy",
            "    role-duration-seconds: 43200",
            "    aws-region: ***",
            "  env:",
            "    role: not-an-input",
            "Error: Could not assume role with OIDC: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ]);
        assert_eq!(
            a.inputs.get("role-to-assume").map(String::as_str),
            Some("arn:aws:iam::123456789012:role/deploy")
        );
        assert!(
            !a.inputs.contains_key("aws-region"),
            "masked values are not inputs"
        );
        assert!(!a.inputs.contains_key("role"));
        let e = &a.events[0];
        assert_eq!(
            e.detail.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/deploy")
        );
        assert_eq!(e.detail.duration.as_deref(), Some("43200"));
    }

    #[test]
    fn details_are_read_from_the_line() {
        let a = analyse(&[
            "Error: AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:acme/web:pull_request'. Assertion Audience: 'api://AzureADTokenExchange'.",
            "An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions is not authorized to perform: s3:PutObject",
            r#"google-github-actions/auth failed with: failed to generate Google Cloud OAuth 2.0 Access Token for deploy@acme-prod.iam.gserviceaccount.com: {"error":{"code":403}}"#,
            r#"Error: failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 400 (Bad Request), vaultResponse: {"errors":["error validating claims: claim \"environment\" does not match any associated bound claim values"]}"#,
        ]);
        let d: Vec<&Detail> = a.events.iter().map(|e| &e.detail).collect();
        assert_eq!(d[0].subject.as_deref(), Some("repo:acme/web:pull_request"));
        assert_eq!(
            d[0].issuer.as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert_eq!(d[0].audience.as_deref(), Some("api://AzureADTokenExchange"));
        assert_eq!(d[1].operation.as_deref(), Some("PutObject"));
        assert_eq!(
            d[1].session_arn.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions")
        );
        assert_eq!(
            d[2].service_account.as_deref(),
            Some("deploy@acme-prod.iam.gserviceaccount.com")
        );
        assert_eq!(d[3].claim.as_deref(), Some("environment"));
    }

    #[test]
    fn a_github_step_definition_is_not_output() {
        let mut a = Analyzer::for_platform(Platform::GithubActions);
        let lines = [
            (Marker::StepStart, "Run ./check.sh", Some(1)),
            (
                Marker::Plain,
                "grep -q 'Not authorized to perform sts:AssumeRoleWithWebIdentity' out.txt && exit 1",
                Some(1),
            ),
            (Marker::StepEnd, "", Some(1)),
            (
                Marker::Plain,
                "Authenticated as assumedRoleId AROAEXAMPLE:GitHubActions",
                Some(2),
            ),
            (Marker::StepStart, "Run ./check.sh", None),
            (Marker::Plain, "  echo 'Login successful.'", None),
            (Marker::Plain, "Login successful.", None),
        ];
        for (i, (marker, text, time)) in lines.into_iter().enumerate() {
            let body = if marker == Marker::StepStart {
                ""
            } else {
                text
            };
            a.feed(i + 1, time, body, marker, text);
        }
        let keys: Vec<(usize, &str)> = a
            .finish()
            .events
            .iter()
            .map(|e| (e.line, e.message.key))
            .collect();
        assert_eq!(
            keys,
            vec![(4, "aws.cac.authenticated"), (7, "azure.login.succeeded")]
        );
    }

    #[test]
    fn a_message_repeated_many_times_keeps_its_first_and_latest() {
        let mut a = Analyzer::default();
        for i in 1..=10_000 {
            a.feed(i, None, "Assuming role with OIDC", Marker::Plain, "");
        }
        a.feed(10_001, None, "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity", Marker::Plain, "");
        let a = a.finish();
        let lines: Vec<usize> = a.events.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5, 6, 7, 8, 10_000, 10_001]);
        assert_eq!(a.dropped_events, 10_000 - FIRST_OCCURRENCES - 1);
    }

    #[test]
    fn run_urls_name_the_run() {
        let a = analyse(&[
            "see https://github.com/acme/web/actions/runs/9314690620/job/25654928761#step:5:19",
        ]);
        assert_eq!(a.run_id.as_deref(), Some("9314690620"));
        assert_eq!(a.repository.as_deref(), Some("acme/web"));
    }

    #[test]
    fn excerpts_are_redacted_escaped_and_short() {
        let e = excerpt(
            "token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz \x1b]52;c;x\x07",
        );
        assert!(!e.contains("c2lnbmF0dXJl"), "{e}");
        assert!(!e.contains('\x1b'), "{e}");
        let long = excerpt(&"x".repeat(1000));
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
    }
}
