//! The commands in a job's scripts that authenticate with an ID token (GitLab's cloud
//! guides), the variable that carries the token, and uses of the removed `CI_JOB_JWT*`.

use super::super::shown;
use super::super::yaml::Node;
use super::parse::Globals;
use super::{Auth, LEGACY_JWT, MAX_REFERENCE_DEPTH};
use crate::token::Cloud;

/// Script lines, `!reference` tags resolved within the file.
pub(super) fn script_lines<'a>(
    g: &Globals<'a>,
    node: &'a Node,
    depth: usize,
    out: &mut Vec<(&'a str, usize)>,
    unresolved: &mut Vec<String>,
) {
    if depth > MAX_REFERENCE_DEPTH {
        return;
    }
    if node.tag() == Some("!reference") {
        let path: Vec<&str> = node.scalars().iter().filter_map(|n| n.text()).collect();
        let mut target = Some(g.root);
        for part in &path {
            target = target.and_then(|t| t.get_merged(part)).map(|e| &e.value);
        }
        match target {
            Some(t) => script_lines(g, t, depth + 1, out, unresolved),
            None => unresolved.push(format!(
                "!reference [{}]",
                path.iter().map(|p| shown(p)).collect::<Vec<_>>().join(", ")
            )),
        }
        return;
    }
    if let Some(text) = node.text() {
        out.push((text, node.line));
        return;
    }
    if let Some(items) = node.as_seq() {
        for item in items {
            script_lines(g, item, depth + 1, out, unresolved);
        }
    }
}

/// `$NAME` or `${NAME}` at the start of `s` (after quotes).
pub(super) fn variable_at(s: &str) -> Option<String> {
    let s = s.trim_start_matches(['"', '\'', ' ', '=']);
    let s = s.strip_prefix('$')?;
    let s = s.strip_prefix('{').unwrap_or(s);
    let name: String = s
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The variable after `flag` (`--web-identity-token $TOKEN`, `jwt=$TOKEN`).
pub(super) fn variable_after(text: &str, flag: &str) -> Option<String> {
    text.split(flag).nth(1).and_then(variable_at)
}

pub(super) fn detect(text: &str, line: usize) -> Option<Auth> {
    let auth = |cloud, what: &str, token_var| {
        Some(Auth {
            cloud,
            line,
            what: what.to_owned(),
            token_var,
        })
    };
    if text.contains("assume-role-with-web-identity") {
        return auth(
            Some(Cloud::Aws),
            "aws sts assume-role-with-web-identity",
            variable_after(text, "--web-identity-token"),
        );
    }
    if text.contains("vault write") && text.contains("/login") && text.contains("jwt=") {
        return auth(
            Some(Cloud::Vault),
            "vault write auth/…/login",
            variable_after(text, "jwt="),
        );
    }
    if text.contains("vault login") && text.contains("-method=jwt") {
        return auth(
            Some(Cloud::Vault),
            "vault login -method=jwt",
            variable_after(text, "jwt="),
        );
    }
    if text.contains("workload-identity-pools create-cred-config") {
        return auth(
            Some(Cloud::Gcp),
            "gcloud iam workload-identity-pools create-cred-config",
            None,
        );
    }
    if text.contains("az login") && text.contains("--federated-token") {
        return auth(
            Some(Cloud::Azure),
            "az login --federated-token",
            variable_after(text, "--federated-token"),
        );
    }
    if text.contains("Connect-AzAccount") && text.contains("-FederatedToken") {
        return auth(
            Some(Cloud::Azure),
            "Connect-AzAccount -FederatedToken",
            variable_after(text, "-FederatedToken"),
        );
    }
    None
}

pub(super) fn legacy_in(text: &str) -> Option<&'static str> {
    LEGACY_JWT.iter().copied().find(|v| text.contains(v))
}
