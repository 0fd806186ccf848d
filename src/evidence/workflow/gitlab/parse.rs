//! Reading a GitLab CI configuration: which top-level keys are jobs, and what a job
//! gets from `extends:`, `default:` and `!reference` tags within the file.

use std::collections::BTreeSet;

use super::super::shown;
use super::super::yaml::{Entry, Loaded, Node};
use super::job::job;
use super::{DEFAULTABLE, GLOBALS, MAX_EXTENDS, MAX_REFERENCE_DEPTH, Pipeline};

/// Build the model; `None` when the document does not look like a GitLab pipeline.
pub(crate) fn extract(loaded: &Loaded) -> Option<Pipeline> {
    let maps: Vec<&Node> = loaded
        .documents
        .iter()
        .filter(|d| d.as_map().is_some())
        .collect();
    // A component or a configuration with inputs has a `spec:` header document.
    let root = match maps.as_slice() {
        [header, body, ..] if header.get("spec").is_some() => *body,
        [first, ..] => *first,
        [] => return None,
    };
    if root.get("apiVersion").is_some() || (root.get("on").is_some() && root.get("jobs").is_some())
    {
        return None;
    }
    let entries = root.entries_merged();
    let job_like = |n: &Node| {
        [
            "script",
            "before_script",
            "extends",
            "trigger",
            "id_tokens",
            "stage",
            "run",
        ]
        .iter()
        .any(|k| n.get_merged(k).is_some())
    };
    let has_globals = entries.iter().any(|e| {
        e.name()
            .is_some_and(|n| matches!(n, "stages" | "include" | "default" | "workflow"))
    });
    if !entries.iter().any(|e| job_like(&e.value)) && !has_globals {
        return None;
    }
    let globals = Globals {
        root,
        default: root.get_merged("default").map(|e| &e.value),
        variables: root.get_merged("variables").map(|e| &e.value),
    };
    let jobs = entries
        .iter()
        .filter(|e| {
            e.name()
                .is_some_and(|n| !n.starts_with('.') && !GLOBALS.contains(&n))
                && e.value.as_map().is_some()
        })
        .map(|e| job(&globals, e))
        .collect();
    Some(Pipeline {
        jobs,
        includes: includes(root),
        duplicates: loaded.duplicates.clone(),
        first_line: entries.first().map_or(1, |e| e.key.line),
    })
}

pub(super) struct Globals<'a> {
    pub root: &'a Node,
    pub default: Option<&'a Node>,
    pub variables: Option<&'a Node>,
}

/// Follow `!reference [job, key, …]` tags to the node they name (within the file).
pub(super) fn deref<'a>(g: &Globals<'a>, node: &'a Node) -> &'a Node {
    let mut current = node;
    for _ in 0..MAX_REFERENCE_DEPTH {
        if current.tag() != Some("!reference") {
            return current;
        }
        let mut target = Some(g.root);
        for part in current.scalars().iter().filter_map(|n| n.text()) {
            target = target.and_then(|t| t.get_merged(part)).map(|e| &e.value);
        }
        match target {
            Some(t) => current = t,
            None => return current,
        }
    }
    current
}

/// A list whose items may be `!reference`s to other lists (GitLab flattens them).
pub(super) fn items<'a>(g: &Globals<'a>, node: &'a Node) -> Vec<&'a Node> {
    let mut out = Vec::new();
    for item in deref(g, node).as_seq().unwrap_or_default() {
        let item = deref(g, item);
        match item.as_seq() {
            Some(inner) => out.extend(inner.iter().map(|i| deref(g, i))),
            None => out.push(item),
        }
    }
    out
}

pub(super) fn includes(root: &Node) -> Vec<(String, usize)> {
    let Some(entry) = root.get_merged("include") else {
        return Vec::new();
    };
    let describe = |n: &Node| -> String {
        if let Some(t) = n.text() {
            return t.to_owned();
        }
        n.entries()
            .iter()
            .filter_map(|e| Some(format!("{}: {}", e.name()?, e.value.text().unwrap_or("…"))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match entry.value.as_seq() {
        Some(items) => items.iter().map(|i| (describe(i), i.line)).collect(),
        None => vec![(describe(&entry.value), entry.key.line)],
    }
}

/// The job and its `extends` ancestors, highest priority first (the job, then the
/// later parents before the earlier ones, each followed by its own parents).
pub(super) fn chain<'a>(
    g: &Globals<'a>,
    job: &'a Node,
    unresolved: &mut Vec<String>,
) -> Vec<(&'a Node, Option<String>)> {
    fn walk<'a>(
        g: &Globals<'a>,
        node: &'a Node,
        depth: usize,
        out: &mut Vec<(&'a Node, Option<String>)>,
        seen: &mut BTreeSet<String>,
        unresolved: &mut Vec<String>,
    ) {
        if depth >= MAX_EXTENDS {
            return;
        }
        let Some(ext) = node.get_merged("extends") else {
            return;
        };
        let parents: Vec<&str> = ext
            .value
            .scalars()
            .iter()
            .filter_map(|n| n.text())
            .collect();
        for parent in parents.into_iter().rev() {
            if !seen.insert(parent.to_owned()) {
                continue;
            }
            match g.root.get_merged(parent) {
                Some(p) if p.value.as_map().is_some() => {
                    out.push((&p.value, Some(format!("extends `{}`", shown(parent)))));
                    walk(g, &p.value, depth + 1, out, seen, unresolved);
                }
                _ => unresolved.push(format!("extends `{}`", shown(parent))),
            }
        }
    }
    let mut out = vec![(job, None)];
    walk(g, job, 0, &mut out, &mut BTreeSet::new(), unresolved);
    out
}

/// Does `inherit:` let the job take `key` from `default:`?
pub(super) fn inherits_default(chain: &[(&Node, Option<String>)], key: &str) -> bool {
    let Some(inherit) = chain.iter().find_map(|(n, _)| n.get_merged("inherit")) else {
        return true;
    };
    let Some(default) = inherit.value.get_merged("default") else {
        return true;
    };
    match default.value.text() {
        Some("false") => false,
        Some("true") => true,
        _ => default
            .value
            .scalars()
            .iter()
            .any(|n| n.text() == Some(key)),
    }
}

/// The first entry for `key` along the chain, then `default:` (or the legacy global).
pub(super) fn lookup<'a>(
    g: &Globals<'a>,
    chain: &[(&'a Node, Option<String>)],
    key: &str,
) -> Option<(&'a Entry, Option<String>)> {
    if let Some(found) = chain
        .iter()
        .find_map(|(n, from)| n.get_merged(key).map(|e| (e, from.clone())))
    {
        return Some(found);
    }
    if DEFAULTABLE.contains(&key) && inherits_default(chain, key) {
        if let Some(e) = g.default.and_then(|d| d.get_merged(key)) {
            return Some((e, Some(format!("default: (line {})", e.key.line))));
        }
        if key != "id_tokens"
            && let Some(e) = g.root.get_merged(key)
        {
            return Some((e, Some(format!("the global `{key}` (line {})", e.key.line))));
        }
    }
    None
}

/// The entries of a hash keyword merged along the chain (GitLab deep-merges hashes).
pub(super) fn merged_map<'a>(
    g: &Globals<'a>,
    chain: &[(&'a Node, Option<String>)],
    key: &str,
) -> Vec<(&'a Entry, Option<String>)> {
    let mut out: Vec<(&'a Entry, Option<String>)> = Vec::new();
    for (n, from) in chain {
        if let Some(map) = n.get_merged(key) {
            for e in deref(g, &map.value).entries_merged() {
                if !out.iter().any(|(o, _)| o.name() == e.name()) {
                    out.push((e, from.clone()));
                }
            }
        }
    }
    out
}
