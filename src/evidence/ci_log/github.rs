//! GitHub Actions job logs, in the three shapes people paste: the raw log the API and
//! "Download log archive" return (every line prefixed with an RFC 3339 timestamp, steps
//! as `##[group]Run …` / `##[endgroup]`, annotations as `##[error]` / `##[warning]`),
//! `gh run view --log` (the raw lines behind `job<TAB>step<TAB>` columns), and the web
//! view copied from the browser (no timestamps, step headers `Run owner/action@ref`,
//! annotations as `Error: …`). Sources: <https://docs.github.com/en/actions/how-tos/monitor-workflows/use-workflow-run-logs> ,
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands>
//! (`::error::`, `::group::`, `::add-mask::`), <https://cli.github.com/manual/gh_run_view> .

use super::lines::Prefix;
use super::{Dialect, Marker, View};
use crate::token::platform::Platform;

pub(super) const DIALECT: Dialect = Dialect {
    platform: Platform::GithubActions,
    score,
    read,
};

/// Lines only the GitHub runner writes.
const RUNNER_LINES: &[&str] = &[
    "Current runner version:",
    "Complete job name:",
    "Job defined at:",
    "Secret source: Actions",
    "GITHUB_TOKEN Permissions",
    "Runner Image Provisioner",
    "Prepare workflow directory",
    "Prepare all required actions",
    "Cleaning up orphan processes",
    "Post job cleanup.",
];

/// `Run owner/action@ref` (or `owner/action/path@ref`): the header of a step that uses an action.
fn is_action_header(text: &str) -> bool {
    text.strip_prefix("Run ").is_some_and(|rest| {
        let rest = rest.trim_end();
        !rest.contains(char::is_whitespace)
            && rest.split_once('@').is_some_and(|(action, version)| {
                action.contains('/') && !action.starts_with('/') && !version.is_empty()
            })
    })
}

fn score(v: &View<'_>) -> u32 {
    let t = v.text;
    let mut s = match v.prefix {
        Prefix::GhRunView => 8,
        Prefix::Timestamp => 1,
        _ => 0,
    };
    if t.starts_with("##[group]Run ") {
        s += 6;
    } else if t.starts_with("##[group]") || t.starts_with("##[endgroup]") {
        s += 2;
    }
    if t.starts_with("##[error]") || t.starts_with("##[warning]") || t.starts_with("##[notice]") {
        s += 2;
    }
    if RUNNER_LINES.iter().any(|m| t.starts_with(m)) || is_action_header(t) {
        s += 6;
    }
    if t.starts_with("::error") || t.starts_with("::warning") || t.starts_with("::add-mask::") {
        s += 2;
    }
    if t.starts_with("Error: ")
        || t.starts_with("Warning: ")
        || t.starts_with("Notice: ")
        || t.starts_with("[command]")
    {
        s += 1;
    }
    s
}

fn read<'a>(v: &View<'a>) -> (Marker, &'a str) {
    let t = v.text;
    if let Some(name) = t.strip_prefix("##[group]") {
        return (Marker::StepStart, name);
    }
    if t.starts_with("##[endgroup]") {
        return (Marker::StepEnd, "");
    }
    for (prefix, marker) in [
        ("##[error]", Marker::Error),
        ("##[warning]", Marker::Warning),
        ("##[notice]", Marker::Plain),
        ("##[debug]", Marker::Debug),
        ("[command]", Marker::Command),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return (marker, rest);
        }
    }
    if let Some(rest) = t.strip_prefix("::error")
        && let Some((_, message)) = rest.split_once("::")
    {
        return (Marker::Error, message);
    }
    // The web view: no `##[…]`, the runner's own words instead.
    if v.prefix == Prefix::None {
        if t.starts_with("Run ") && !t.starts_with("Run  ") {
            return (Marker::StepStart, t);
        }
        for (prefix, marker) in [("Error: ", Marker::Error), ("Warning: ", Marker::Warning)] {
            if let Some(rest) = t.strip_prefix(prefix) {
                return (marker, rest);
            }
        }
    }
    (Marker::Plain, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(prefix: Prefix, text: &str) -> View<'_> {
        View {
            prefix,
            raw: text,
            text,
        }
    }

    #[test]
    fn action_headers_are_recognised() {
        assert!(is_action_header(
            "Run aws-actions/configure-aws-credentials@v4"
        ));
        assert!(is_action_header(
            "Run google-github-actions/auth@6fc4af4b145ae7821d527454aa9bd537d1f2dc5f"
        ));
        assert!(!is_action_header("Run npm test"));
        assert!(!is_action_header("Run ./local-action@x y"));
    }

    #[test]
    fn markers_are_read() {
        assert_eq!(
            read(&view(Prefix::Timestamp, "##[error]Could not assume role")),
            (Marker::Error, "Could not assume role")
        );
        assert_eq!(
            read(&view(Prefix::Timestamp, "##[group]Run azure/login@v2")),
            (Marker::StepStart, "Run azure/login@v2")
        );
        assert_eq!(
            read(&view(Prefix::None, "Error: AADSTS700213: x")),
            (Marker::Error, "AADSTS700213: x")
        );
        assert_eq!(
            read(&view(Prefix::Timestamp, "Error: stays")),
            (Marker::Plain, "Error: stays")
        );
        assert_eq!(
            read(&view(Prefix::None, "::error file=a.yml::boom")),
            (Marker::Error, "boom")
        );
    }
}
