//! One job: its ID tokens, the commands and `secrets:` that authenticate with them,
//! its variables, and the refs it runs for.

use super::super::shown;
use super::super::yaml::{Entry, Node};
use super::parse::{Globals, chain, deref, lookup, merged_map};
use super::refs::refs;
use super::scripts::{detect, legacy_in, script_lines, variable_at};
use super::{Auth, IdToken, Job, LEGACY_JWT};
use crate::token::Cloud;

pub(super) fn job(g: &Globals<'_>, entry: &Entry) -> Job {
    let name = entry.name().unwrap_or_default().to_owned();
    let mut unresolved = Vec::new();
    let chain = chain(g, &entry.value, &mut unresolved);

    let id_tokens = id_tokens(g, &chain);

    let mut lines: Vec<(&str, usize)> = Vec::new();
    for key in ["before_script", "script", "after_script"] {
        if let Some((e, _)) = lookup(g, &chain, key) {
            script_lines(g, &e.value, 0, &mut lines, &mut unresolved);
        }
    }
    let mut auths: Vec<Auth> = lines.iter().filter_map(|(t, l)| detect(t, *l)).collect();
    let mut legacy: Vec<(String, usize)> = lines
        .iter()
        .filter_map(|(t, l)| legacy_in(t).map(|v| (v.to_owned(), *l)))
        .collect();

    let variables = variables(g, &chain);
    for (k, v, l) in &variables {
        if let Some(legacy_var) = legacy_in(v) {
            legacy.push((legacy_var.to_owned(), *l));
        }
        if k == "AWS_WEB_IDENTITY_TOKEN_FILE" && !auths.iter().any(|a| a.cloud == Some(Cloud::Aws))
        {
            auths.push(Auth {
                cloud: Some(Cloud::Aws),
                line: *l,
                what: "AWS_WEB_IDENTITY_TOKEN_FILE (the AWS SDK's web identity login)".to_owned(),
                token_var: None,
            });
        }
    }
    // GCP and SDK logins read the token from a file written by the script.
    for a in auths.iter_mut().filter(|a| a.token_var.is_none()) {
        a.token_var = lines.iter().find_map(|(t, _)| {
            t.split('$')
                .skip(1)
                .filter_map(|s| variable_at(&format!("${s}")))
                .find(|v| {
                    id_tokens.iter().any(|i| &i.name == v) || LEGACY_JWT.contains(&v.as_str())
                })
        });
    }

    let (secrets, ambiguous_secret_token) = secrets(g, &chain, id_tokens.len());
    auths.extend(secrets);

    let aliases = variables
        .iter()
        .filter_map(|(k, v, _)| variable_at(v).map(|target| (k.clone(), target)))
        .collect();
    Job {
        line: entry.key.line,
        refs: refs(g, &chain),
        id_tokens,
        auths,
        legacy,
        aliases,
        unresolved,
        ambiguous_secret_token,
        name,
    }
}

/// The job's ID tokens: its own (merged along `extends`), else `default:`'s.
fn id_tokens(g: &Globals<'_>, chain: &[(&Node, Option<String>)]) -> Vec<IdToken> {
    lookup(g, chain, "id_tokens")
        .map(|(e, from)| {
            // Hashes merge along `extends`; `default:` applies only when the job
            // declares none.
            let mut tokens: Vec<(&Entry, Option<String>)> =
                if from.as_deref().is_some_and(|f| f.starts_with("default:")) {
                    deref(g, &e.value)
                        .entries_merged()
                        .into_iter()
                        .map(|t| (t, from.clone()))
                        .collect()
                } else {
                    merged_map(g, chain, "id_tokens")
                };
            tokens.retain(|(t, _)| t.name().is_some());
            tokens
                .into_iter()
                .map(|(t, from)| IdToken {
                    name: t.name().unwrap_or_default().to_owned(),
                    aud: t
                        .value
                        .get_merged("aud")
                        .map(|a| {
                            a.value
                                .scalars()
                                .iter()
                                .filter_map(|n| n.text())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                    line: t.key.line,
                    from,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Variables: the job's (merged along extends), then the globals; name, value, line.
fn variables(g: &Globals<'_>, chain: &[(&Node, Option<String>)]) -> Vec<(String, String, usize)> {
    let mut variables: Vec<(String, String, usize)> = merged_map(g, chain, "variables")
        .into_iter()
        .filter_map(|(e, _)| {
            let value = e
                .value
                .text()
                .or_else(|| e.value.get_merged("value").and_then(|v| v.value.text()))?;
            Some((e.name()?.to_owned(), value.to_owned(), e.key.line))
        })
        .collect();
    if let Some(globals) = g.variables {
        for e in globals.entries_merged() {
            if let (Some(n), Some(v)) = (
                e.name(),
                e.value
                    .text()
                    .or_else(|| e.value.get_merged("value").and_then(|v| v.value.text())),
            ) && !variables.iter().any(|(k, _, _)| k == n)
            {
                variables.push((n.to_owned(), v.to_owned(), e.key.line));
            }
        }
    }
    variables
}

/// `secrets:` from a cloud provider authenticate with an ID token; the line of the
/// first that does not say which, when the job has several.
fn secrets(
    g: &Globals<'_>,
    chain: &[(&Node, Option<String>)],
    id_tokens: usize,
) -> (Vec<Auth>, Option<usize>) {
    let mut auths = Vec::new();
    let mut ambiguous_secret_token = None;
    for (e, _) in merged_map(g, chain, "secrets") {
        let provider = [
            "vault",
            "gcp_secret_manager",
            "azure_key_vault",
            "aws_secrets_manager",
        ]
        .into_iter()
        .find(|p| e.value.get_merged(p).is_some());
        let Some(provider) = provider else {
            continue;
        };
        let cloud = match provider {
            "vault" => Cloud::Vault,
            "gcp_secret_manager" => Cloud::Gcp,
            "azure_key_vault" => Cloud::Azure,
            _ => Cloud::Aws,
        };
        let token_var = e
            .value
            .get_merged("token")
            .and_then(|t| t.value.text())
            .and_then(variable_at);
        if token_var.is_none() && id_tokens > 1 {
            ambiguous_secret_token.get_or_insert(e.key.line);
        }
        auths.push(Auth {
            cloud: Some(cloud),
            line: e.key.line,
            what: format!(
                "secrets:{} ({provider})",
                shown(e.name().unwrap_or_default())
            ),
            token_var,
        });
    }
    (auths, ambiguous_secret_token)
}
