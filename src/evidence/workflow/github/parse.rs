//! Reading a workflow into the model: triggers, permissions blocks, jobs and the
//! steps that log in or check out the pull request's head.

use super::super::yaml::{Entry, Kind, Loaded, Node};
use super::logins::{aws, azure, google, scripted, vault};
use super::{Environment, Grant, Job, Permissions, StepRef, Trigger, Workflow};

/// Build the model; `None` when the document is not a workflow after all.
pub(crate) fn extract(loaded: &Loaded) -> Option<Workflow> {
    let root = loaded.documents.iter().find(|d| d.as_map().is_some())?;
    let entries = root.entries();
    let on = entries
        .iter()
        .find(|e| matches!(e.name(), Some("on" | "true")))?;
    let jobs = root.get("jobs")?;
    Some(Workflow {
        name: root
            .get("name")
            .and_then(|e| e.value.text())
            .map(str::to_owned),
        on_line: on.key.line,
        triggers: triggers(on),
        permissions: root
            .get("permissions")
            .map(|e| permissions(e, "permissions")),
        jobs: jobs.value.entries().into_iter().filter_map(job).collect(),
        duplicates: loaded.duplicates.clone(),
        merge_key: find_merge_key(root, 0),
    })
}

fn find_merge_key(node: &Node, depth: usize) -> Option<usize> {
    if depth > 6 {
        return None;
    }
    match &node.untagged().kind {
        Kind::Map(entries) => entries.iter().find_map(|e| {
            if e.name() == Some("<<") {
                Some(e.key.line)
            } else {
                find_merge_key(&e.value, depth + 1)
            }
        }),
        Kind::Seq(items) => items.iter().find_map(|i| find_merge_key(i, depth + 1)),
        _ => None,
    }
}

fn triggers(on: &Entry) -> Vec<Trigger> {
    let simple = |event: &str, line: usize| Trigger {
        event: event.to_owned(),
        line,
        branches: Vec::new(),
        tags: Vec::new(),
        branch_filter: false,
        tag_filter: false,
    };
    let value = &on.value;
    if let Some(event) = value.text() {
        return vec![simple(event, value.line)];
    }
    if let Some(items) = value.as_seq() {
        return items
            .iter()
            .filter_map(|i| i.text().map(|t| simple(t, i.line)))
            .collect();
    }
    value
        .entries()
        .into_iter()
        .filter_map(|e| {
            let mut t = simple(e.name()?, e.key.line);
            let list = |key: &str| -> Vec<String> {
                e.value
                    .get(key)
                    .map(|f| {
                        f.value
                            .scalars()
                            .iter()
                            .filter_map(|n| n.text())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            t.branches = list("branches");
            t.tags = list("tags");
            t.branch_filter =
                e.value.get("branches").is_some() || e.value.get("branches-ignore").is_some();
            t.tag_filter = e.value.get("tags").is_some() || e.value.get("tags-ignore").is_some();
            Some(t)
        })
        .collect()
}

fn permissions(entry: &Entry, path: &str) -> Permissions {
    let value = &entry.value;
    let grant = match (&value.untagged().kind, value.text()) {
        (_, Some("write-all")) => Grant::WriteAll,
        (_, Some("read-all")) => Grant::ReadAll,
        (Kind::Map(m), _) if m.is_empty() => Grant::Nothing,
        (Kind::Map(_), _) => {
            let entries = value.entries();
            let id_token = entries
                .iter()
                .find(|e| e.name() == Some("id-token"))
                .map(|e| (e.value.text().unwrap_or("").to_owned(), e.key.line));
            Grant::Listed {
                id_token,
                scopes: entries
                    .iter()
                    .filter_map(|e| {
                        Some((
                            e.name()?.to_owned(),
                            e.value.text().unwrap_or("").to_owned(),
                        ))
                    })
                    .collect(),
            }
        }
        (_, Some(other)) => Grant::Unclear(format!("`{other}`")),
        (Kind::Null, _) => Grant::Unclear("an empty value".to_owned()),
        _ => Grant::Unclear("a value of another shape".to_owned()),
    };
    Permissions {
        line: entry.key.line,
        path: path.to_owned(),
        grant,
    }
}

fn job(entry: &Entry) -> Option<Job> {
    let id = entry.name()?.to_owned();
    let body = &entry.value;
    let environment = body.get("environment").and_then(|e| {
        let name = e
            .value
            .text()
            .or_else(|| e.value.get("name").and_then(|n| n.value.text()))?;
        Some(Environment {
            name: name.to_owned(),
            line: e.key.line,
            expression: name.contains("${{"),
        })
    });
    let mut job = Job {
        line: entry.key.line,
        permissions: body
            .get("permissions")
            .map(|e| permissions(e, &format!("jobs.{id}.permissions"))),
        environment,
        calls: body
            .get("uses")
            .and_then(|e| e.value.text().map(|t| (t.to_owned(), e.key.line))),
        logins: Vec::new(),
        head_checkouts: Vec::new(),
        condition: body
            .get("if")
            .and_then(|e| e.value.text())
            .map(str::to_owned),
        id,
    };
    let steps = body
        .get("steps")
        .and_then(|s| s.value.as_seq())
        .unwrap_or_default();
    for (index, step) in steps.iter().enumerate() {
        read_step(&mut job, index, step);
    }
    Some(job)
}

/// An input of a step's `with:`. Input names are case-insensitive (they become
/// `INPUT_<NAME>` environment variables).
#[derive(Clone, Copy, Debug)]
pub(super) enum Value<'a> {
    Absent,
    Empty(usize),
    Expression(&'a str, usize),
    Literal(&'a str, usize),
}

impl<'a> Value<'a> {
    pub(super) fn given(self) -> bool {
        matches!(self, Value::Expression(..) | Value::Literal(..))
    }

    pub(super) fn literal(self) -> Option<&'a str> {
        match self {
            Value::Literal(s, _) => Some(s),
            _ => None,
        }
    }

    pub(super) fn text(self) -> Option<&'a str> {
        match self {
            Value::Literal(s, _) | Value::Expression(s, _) => Some(s),
            _ => None,
        }
    }

    pub(super) fn line_or(self, fallback: usize) -> usize {
        match self {
            Value::Empty(l) | Value::Expression(_, l) | Value::Literal(_, l) => l,
            Value::Absent => fallback,
        }
    }
}

pub(super) fn input<'a>(with: Option<&'a Node>, name: &str) -> Value<'a> {
    let Some(entry) = with.and_then(|w| {
        w.as_map()?
            .iter()
            .rev()
            .find(|e| e.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }) else {
        return Value::Absent;
    };
    match entry.value.text() {
        Some(t) if t.trim().is_empty() => Value::Empty(entry.key.line),
        Some(t) if t.contains("${{") => Value::Expression(t, entry.key.line),
        Some(t) => Value::Literal(t, entry.key.line),
        None => Value::Empty(entry.key.line),
    }
}

fn action_name(uses: &str) -> String {
    uses.split('@')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Expressions and refs that name the pull request's head (untrusted code).
const HEAD_REFS: [&str; 6] = [
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.head_ref",
    "refs/pull/",
    "github.event.pull_request.merge_commit_sha",
    "github.event.pull_request.head.repo.full_name",
];

fn read_step(job: &mut Job, index: usize, step: &Node) {
    let uses = step
        .get("uses")
        .and_then(|e| e.value.text())
        .unwrap_or_default();
    let run = step
        .get("run")
        .and_then(|e| e.value.text())
        .unwrap_or_default();
    let with = step.get("with").map(|e| &e.value);
    let line = step
        .as_map()
        .and_then(|m| m.first())
        .map_or(step.line, |e| e.key.line);
    let action = action_name(uses);
    let login = match action.as_str() {
        "aws-actions/configure-aws-credentials" => Some(aws(uses, with, line)),
        "azure/login" => Some(azure(uses, with, line)),
        "google-github-actions/auth" => Some(google(uses, with, line)),
        "hashicorp/vault-action" => vault(uses, with, line),
        "actions/github-script" => {
            let script = input(with, "script").text().unwrap_or_default();
            script.contains("getIDToken(").then(|| {
                let audience = quoted_argument(script, "getIDToken(");
                scripted(
                    format!("{} calling core.getIDToken", uses.trim()),
                    audience,
                    script,
                    line,
                )
            })
        }
        _ if run.contains("ACTIONS_ID_TOKEN_REQUEST_URL")
            || run.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN") =>
        {
            let audience = run.split("audience=").nth(1).map(|rest| {
                rest.split(['"', '\'', ' ', '&', '\n', ')', '`'])
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
            Some(scripted(
                "a script requesting $ACTIONS_ID_TOKEN_REQUEST_URL".to_owned(),
                audience.filter(|a| !a.is_empty()),
                run,
                line,
            ))
        }
        _ => None,
    };
    if let Some(mut login) = login {
        login.step = index;
        login.condition = step
            .get("if")
            .and_then(|e| e.value.text())
            .map(str::to_owned);
        job.logins.push(login);
    }
    let checkout = if action == "actions/checkout" {
        let reference = input(with, "ref").text().unwrap_or_default();
        let repository = input(with, "repository").text().unwrap_or_default();
        HEAD_REFS
            .iter()
            .find(|h| reference.contains(*h) || repository.contains(*h))
            .map(|h| format!("{} with {}", uses.trim(), h))
    } else if run.contains("gh pr checkout")
        || (run.contains("git ") && HEAD_REFS.iter().any(|h| run.contains(h)))
    {
        Some("a script that fetches the pull request's head".to_owned())
    } else {
        None
    };
    if let Some(what) = checkout {
        job.head_checkouts.push(StepRef {
            line,
            step: index,
            what,
        });
    }
}

/// The first quoted literal after `call` (`core.getIDToken('api://x')`).
fn quoted_argument(text: &str, call: &str) -> Option<String> {
    let rest = text.split(call).nth(1)?.trim_start();
    let quote = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '\'' | '"' | '`'))?;
    Some(rest[1..].split(quote).next()?.to_owned())
}
