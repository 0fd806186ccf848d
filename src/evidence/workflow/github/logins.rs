//! The login steps: which action (or script) asks for the job's token, the audience it
//! requests, what it names (a role, a client, a provider) and what it lacks. A problem
//! is a reason whose variant names it; its words are in the knowledge file.

use std::collections::BTreeSet;

use super::super::shown;
use super::super::yaml::Node;
use super::parse::{Value, input};
use super::{Login, Problem, Target};
use crate::token::Cloud;
use crate::vocabulary::catalog::{WORKFLOW_ACTION_INPUT_MISSING, WORKFLOW_ACTION_MISCONFIGURED};
use crate::vocabulary::knowledge::Reason;

fn new_login(via: &str, cloud: Option<Cloud>, line: usize) -> Login {
    Login {
        via: via.trim().to_owned(),
        cloud,
        line,
        step: 0,
        oidc: true,
        audience: String::new(),
        audience_from: String::new(),
        problems: Vec::new(),
        notes: Vec::new(),
        target: None,
        condition: None,
    }
}

fn audience(login: &mut Login, with: Option<&Node>, name: &str, default: String, from: &str) {
    match input(with, name) {
        Value::Literal(a, _) | Value::Expression(a, _) => {
            login.audience = a.to_owned();
            login.audience_from = format!("its `{name}` input");
        }
        _ => {
            login.audience = default;
            login.audience_from = from.to_owned();
        }
    }
}

impl Login {
    /// A required input is missing: `problem` names the knowledge variant.
    fn missing(&mut self, line: usize, problem: &'static str, values: &[(&'static str, String)]) {
        self.problems.push(Problem {
            missing: true,
            line,
            reason: problem_reason(WORKFLOW_ACTION_INPUT_MISSING.reason(), problem, values),
        });
    }

    /// An input is set wrongly: `problem` names the knowledge variant.
    fn misconfigured(
        &mut self,
        line: usize,
        problem: &'static str,
        values: &[(&'static str, String)],
    ) {
        self.problems.push(Problem {
            missing: false,
            line,
            reason: problem_reason(WORKFLOW_ACTION_MISCONFIGURED.reason(), problem, values),
        });
    }
}

fn problem_reason(
    reason: Reason,
    problem: &'static str,
    values: &[(&'static str, String)],
) -> Reason {
    let mut reason = reason.cause(problem).fix(problem);
    reason.values.extend_from_slice(values);
    reason
}

pub(super) fn aws(uses: &str, with: Option<&Node>, line: usize) -> Login {
    let mut login = new_login(uses, Some(Cloud::Aws), line);
    let role = input(with, "role-to-assume");
    audience(
        &mut login,
        with,
        "audience",
        "sts.amazonaws.com".to_owned(),
        "the action's default",
    );
    if input(with, "aws-access-key-id").given() {
        login.oidc = false;
        login
            .notes
            .push("uses access keys from its inputs, not the job's OIDC token".to_owned());
    } else if input(with, "web-identity-token-file").given() {
        login.oidc = false;
        login
            .notes
            .push("reads a web identity token file, not GitHub's OIDC token".to_owned());
    } else if !role.given() {
        login.missing(role.line_or(line), "aws-no-role", &[]);
    }
    if let Some(arn) = role.literal() {
        if login.oidc && !arn.starts_with("arn:") {
            login.misconfigured(role.line_or(line), "aws-role-name", &[("role", shown(arn))]);
        }
        login.target = Some(Target::AwsRole(arn.to_owned()));
    }
    let region = input(with, "aws-region");
    if !region.given() {
        login.missing(region.line_or(line), "aws-region", &[]);
    }
    login
}

pub(super) fn azure(uses: &str, with: Option<&Node>, line: usize) -> Login {
    let mut login = new_login(uses, Some(Cloud::Azure), line);
    audience(
        &mut login,
        with,
        "audience",
        "api://AzureADTokenExchange".to_owned(),
        "the action's default",
    );
    if input(with, "creds").given() {
        login.oidc = false;
        login.notes.push(
            "logs in with the `creds` secret (a service principal secret), not the job's OIDC token"
                .to_owned(),
        );
        return login;
    }
    if input(with, "auth-type")
        .literal()
        .is_some_and(|t| t.eq_ignore_ascii_case("IDENTITY"))
    {
        login.oidc = false;
        login.notes.push(
            "uses a managed identity (`auth-type: IDENTITY`), not the job's OIDC token".to_owned(),
        );
        return login;
    }
    for required in ["client-id", "tenant-id"] {
        let v = input(with, required);
        if !v.given() {
            login.missing(
                v.line_or(line),
                "azure-required",
                &[
                    ("input", required.to_owned()),
                    ("secret", required.replace('-', "_").to_ascii_uppercase()),
                ],
            );
        }
    }
    let subscription = input(with, "subscription-id");
    let allow = input(with, "allow-no-subscriptions")
        .literal()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !subscription.given() && !allow {
        login.missing(subscription.line_or(line), "azure-subscription", &[]);
    }
    if let Some(client) = input(with, "client-id").literal() {
        login.target = Some(Target::AzureClient(client.to_owned()));
    }
    login
}

pub(super) fn google(uses: &str, with: Option<&Node>, line: usize) -> Login {
    let mut login = new_login(uses, Some(Cloud::Gcp), line);
    let provider = input(with, "workload_identity_provider");
    let key = input(with, "credentials_json");
    let default = match provider.text() {
        Some(p) => format!("https://iam.googleapis.com/{p}"),
        None => "https://iam.googleapis.com/<workload_identity_provider>".to_owned(),
    };
    audience(
        &mut login,
        with,
        "audience",
        default,
        "the action's default (`https://iam.googleapis.com/` + workload_identity_provider)",
    );
    match (provider.given(), key.given()) {
        (false, true) => {
            login.oidc = false;
            login.notes.push(
                "uses a service account key (`credentials_json`), not the job's OIDC token"
                    .to_owned(),
            );
            return login;
        }
        (true, true) => login.misconfigured(line, "gcp-both", &[]),
        (false, false) => login.missing(provider.line_or(line), "gcp-no-provider", &[]),
        (true, false) => {}
    }
    if let Some(p) = provider.literal() {
        if !is_provider_name(p) {
            login.misconfigured(
                provider.line_or(line),
                "gcp-provider-name",
                &[("provider", shown(p))],
            );
        }
        login.target = Some(Target::GcpProvider(p.to_owned()));
    }
    let format = input(with, "token_format").literal().unwrap_or_default();
    if matches!(format, "access_token" | "id_token") && !input(with, "service_account").given() {
        login.missing(
            line,
            "gcp-service-account",
            &[("format", format.to_owned())],
        );
    }
    login
}

fn is_provider_name(p: &str) -> bool {
    let parts: Vec<&str> = p
        .trim_start_matches("//iam.googleapis.com/")
        .split('/')
        .collect();
    parts.len() == 8
        && parts[0] == "projects"
        && !parts[1].is_empty()
        && parts[1].bytes().all(|b| b.is_ascii_digit())
        && parts[2] == "locations"
        && parts[4] == "workloadIdentityPools"
        && parts[6] == "providers"
}

pub(super) fn vault(uses: &str, with: Option<&Node>, line: usize) -> Option<Login> {
    let method = input(with, "method").literal().unwrap_or("token");
    if !method.eq_ignore_ascii_case("jwt") {
        return None;
    }
    let mut login = new_login(uses, Some(Cloud::Vault), line);
    audience(
        &mut login,
        with,
        "jwtGithubAudience",
        "https://github.com/OWNER".to_owned(),
        "GitHub's default: vault-action passes no audience unless `jwtGithubAudience` is set (its README's table says `sigstore`)",
    );
    if input(with, "jwtPrivateKey").given() {
        login.oidc = false;
        login
            .notes
            .push("signs its own JWT (`jwtPrivateKey`), not GitHub's OIDC token".to_owned());
        return Some(login);
    }
    let url = input(with, "url");
    if !url.given() {
        login.missing(url.line_or(line), "vault-url", &[]);
    }
    let role = input(with, "role");
    if !role.given() {
        login.notes.push("no `role`: recent vault-action versions require it for `method: jwt`; older ones fall back to the auth mount's `default_role`".to_owned());
    }
    let path = input(with, "path").literal().unwrap_or("jwt").to_owned();
    if let Some(role) = role.literal() {
        login.target = Some(Target::VaultRole {
            path,
            role: role.to_owned(),
        });
    }
    Some(login)
}

pub(super) fn scripted(via: String, audience: Option<String>, script: &str, line: usize) -> Login {
    let cloud = match audience.as_deref() {
        Some(a) if a.starts_with("sts.amazonaws.com") => Some(Cloud::Aws),
        Some("api://AzureADTokenExchange") => Some(Cloud::Azure),
        Some(a) if a.contains("iam.googleapis.com") => Some(Cloud::Gcp),
        _ if script.contains("assume-role-with-web-identity") => Some(Cloud::Aws),
        _ if script.contains("--federated-token") => Some(Cloud::Azure),
        _ if script.contains("vault write") || script.contains("vault login") => Some(Cloud::Vault),
        _ if script.contains("gcloud") => Some(Cloud::Gcp),
        _ => None,
    };
    let mut login = new_login(&via, cloud, line);
    match audience {
        Some(a) => {
            login.audience = a;
            login.audience_from = "the `audience=` parameter of the request".to_owned();
        }
        None => {
            login.audience = "https://github.com/OWNER".to_owned();
            login.audience_from = "GitHub's default (no audience requested)".to_owned();
        }
    }
    login
}

/// The clouds a job's login steps log in to (`AWS and Azure`).
pub(super) fn describe_logins(logins: &[&Login]) -> String {
    let names: BTreeSet<&str> = logins
        .iter()
        .map(|l| l.cloud.map_or("a service", Cloud::display))
        .collect();
    names.into_iter().collect::<Vec<_>>().join(" and ")
}
