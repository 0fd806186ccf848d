//! Azure Pipelines job logs: the raw log (`2026-…Z ` timestamps like GitHub's, tasks as
//! `##[section]Starting: AzureCLI` … `##[section]Finishing: AzureCLI` with the task
//! banner `Task         : Azure CLI`, `##[error]` / `##[warning]` / `##[command]` lines,
//! `##vso[…]` logging commands) and the web view copy (`Starting: …`, no timestamps).
//! Sources: <https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands> ,
//! <https://learn.microsoft.com/azure/devops/pipelines/troubleshooting/review-logs> , and
//! the logs quoted in microsoft/azure-pipelines-tasks issues (e.g. #17662, #19831).

use super::lines::Prefix;
use super::{Dialect, Marker, View};
use crate::token::platform::Platform;

pub(super) const DIALECT: Dialect = Dialect {
    platform: Platform::AzureDevops,
    score,
    read,
};

const AGENT_LINES: &[&str] = &[
    "##[section]Starting:",
    "##[section]Finishing:",
    "Task         :",
    "Agent machine name:",
    "Job preparation parameters",
];

fn score(v: &View<'_>) -> u32 {
    let t = v.text;
    let mut s = u32::from(v.prefix == Prefix::Timestamp);
    if AGENT_LINES.iter().any(|m| t.starts_with(m)) {
        s += 6;
    } else if t.starts_with("##[section]")
        || t.starts_with("##[command]")
        || t.starts_with("##vso[")
    {
        s += 3;
    } else if t.starts_with("Agent name:") {
        s += 4;
    }
    if t.starts_with("##[error]") || t.starts_with("##[warning]") {
        s += 2;
    }
    if v.prefix == Prefix::None && (t.starts_with("Starting: ") || t.starts_with("Finishing: ")) {
        s += 2;
    }
    s
}

fn read<'a>(v: &View<'a>) -> (Marker, &'a str) {
    let t = v.text;
    if let Some(name) = t.strip_prefix("##[section]Starting: ") {
        return (Marker::StepStart, name);
    }
    if t.starts_with("##[section]Finishing:") {
        return (Marker::StepEnd, "");
    }
    for (prefix, marker) in [
        ("##[error]", Marker::Error),
        ("##[warning]", Marker::Warning),
        ("##[debug]", Marker::Debug),
        ("##[command]", Marker::Command),
        ("[command]", Marker::Command),
        ("##[section]", Marker::Plain),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return (marker, rest);
        }
    }
    if v.prefix == Prefix::None
        && let Some(name) = t.strip_prefix("Starting: ")
    {
        return (Marker::StepStart, name);
    }
    (Marker::Plain, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_sections_and_errors_are_read() {
        let v = View {
            prefix: Prefix::Timestamp,
            raw: "##[section]Starting: AzureCLI",
            text: "##[section]Starting: AzureCLI",
        };
        assert_eq!(read(&v), (Marker::StepStart, "AzureCLI"));
        assert!(score(&v) >= 6);
        let v = View {
            prefix: Prefix::Timestamp,
            raw: "",
            text: "##[error]Script failed with error: ERROR: AADSTS700213: x",
        };
        assert_eq!(
            read(&v),
            (
                Marker::Error,
                "Script failed with error: ERROR: AADSTS700213: x"
            )
        );
    }
}
