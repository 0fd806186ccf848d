//! The refs a job runs for (`rules:`, `only:`, `workflow: rules:`) and the subjects
//! its token will carry for them.

use super::super::shown;
use super::super::yaml::Node;
use super::Refs;
use super::parse::{Globals, items};

/// The refs a job runs for: its `rules:` (or `only:`), else `workflow: rules:`.
pub(super) fn refs(g: &Globals<'_>, chain: &[(&Node, Option<String>)]) -> Refs {
    let mut r = Refs::default();
    let rules = chain
        .iter()
        .find_map(|(n, _)| n.get_merged("rules"))
        .or_else(|| {
            g.root
                .get_merged("workflow")
                .and_then(|w| w.value.get_merged("rules"))
        });
    if let Some(rules) = rules {
        r.line = Some(rules.key.line);
        for rule in items(g, &rules.value) {
            if rule.get_merged("when").and_then(|w| w.value.text()) == Some("never") {
                continue;
            }
            match rule.get_merged("if").and_then(|i| i.value.text()) {
                Some(condition) => read_condition(condition, &mut r),
                None => r.any = true,
            }
        }
        return r;
    }
    if let Some(only) = chain.iter().find_map(|(n, _)| n.get_merged("only")) {
        r.line = Some(only.key.line);
        let list = only
            .value
            .get_merged("refs")
            .map(|e| &e.value)
            .unwrap_or(&only.value);
        for item in list.scalars().iter().filter_map(|n| n.text()) {
            match item {
                "tags" => r.any_tag = true,
                "merge_requests" => r.merge_requests = true,
                "branches" | "pushes" | "web" | "api" | "schedules" | "triggers" | "pipelines" => {
                    r.any = true
                }
                p if p.starts_with('/') => r.patterns.push(p.to_owned()),
                b => r.branches.push(b.to_owned()),
            }
        }
        return r;
    }
    r.any = true;
    r
}

/// Read one `rules:if` expression (only the comparisons that name a ref or source).
pub(super) fn read_condition(condition: &str, r: &mut Refs) {
    let mut understood = false;
    for clause in condition.split("||") {
        for part in clause.split("&&") {
            let part = part
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim();
            let (var, op, value) = split_comparison(part);
            match (var, op, value) {
                ("$CI_PIPELINE_SOURCE", "==", "merge_request_event") => {
                    r.merge_requests = true;
                    understood = true;
                }
                (v, _, value) if v.starts_with("$CI_MERGE_REQUEST_") && value != "null" => {
                    r.merge_requests = true;
                    understood = true;
                }
                ("$CI_COMMIT_TAG", "", _) | ("$CI_COMMIT_TAG", "!=", "null") => {
                    r.any_tag = true;
                    understood = true;
                }
                ("$CI_COMMIT_TAG", "==", v) if !v.is_empty() && v != "null" => {
                    r.tags.push(v.to_owned());
                    understood = true;
                }
                ("$CI_COMMIT_TAG", "=~", v) => {
                    r.patterns.push(format!("tag {v}"));
                    understood = true;
                }
                ("$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME", "==", "$CI_DEFAULT_BRANCH") => {
                    r.default_branch = true;
                    understood = true;
                }
                ("$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME", "==", v)
                    if !v.is_empty() && v != "null" =>
                {
                    r.branches.push(v.to_owned());
                    understood = true;
                }
                ("$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME", "=~", v) => {
                    r.patterns.push(v.to_owned());
                    understood = true;
                }
                _ => {}
            }
        }
    }
    if !understood {
        r.any = true;
    }
}

/// `$VAR == "value"` → (`$VAR`, `==`, `value`); `$VAR` alone → (`$VAR`, ``, ``).
pub(super) fn split_comparison(part: &str) -> (&str, &str, &str) {
    for op in ["==", "!=", "=~", "!~"] {
        if let Some((left, right)) = part.split_once(op) {
            let right = right.trim();
            let right = right
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .or_else(|| right.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
                .unwrap_or(right);
            return (left.trim(), op, right);
        }
    }
    (part, "", "")
}

/// Predicted subjects for a job, with when it carries each.
pub(super) fn predict(refs: &Refs, prefix: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |sub: String, when: String| {
        if !out.iter().any(|(s, _)| *s == sub) {
            out.push((sub, when));
        }
    };
    let rule = refs
        .line
        .map(|l| format!(" (rules/only, line {l})"))
        .unwrap_or_default();
    for b in &refs.branches {
        push(
            format!("{prefix}:ref_type:branch:ref:{}", shown(b)),
            format!("on branch `{}`{rule}", shown(b)),
        );
    }
    if refs.default_branch {
        push(
            format!("{prefix}:ref_type:branch:ref:<default branch>"),
            format!("on the default branch{rule}"),
        );
    }
    for t in &refs.tags {
        push(
            format!("{prefix}:ref_type:tag:ref:{}", shown(t)),
            format!("on tag `{}`{rule}", shown(t)),
        );
    }
    for p in &refs.patterns {
        let kind = if p.starts_with("tag ") {
            "tag"
        } else {
            "branch"
        };
        push(
            format!("{prefix}:ref_type:{kind}:ref:<matching {}>", shown(p)),
            format!("for refs matching {}{rule}", shown(p)),
        );
    }
    if refs.any_tag {
        push(
            format!("{prefix}:ref_type:tag:ref:<tag>"),
            format!("on tags{rule}"),
        );
    }
    if refs.merge_requests {
        push(
            format!("{prefix}:ref_type:branch:ref:<merge request source branch>"),
            format!("in merge request pipelines{rule}"),
        );
    }
    if refs.any {
        push(
            format!("{prefix}:ref_type:branch:ref:<pipeline branch>"),
            "on any branch the pipeline runs for".to_owned(),
        );
        push(
            format!("{prefix}:ref_type:tag:ref:<pipeline tag>"),
            "on any tag the pipeline runs for".to_owned(),
        );
    }
    out
}
