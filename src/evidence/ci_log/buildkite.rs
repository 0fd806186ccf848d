//! Buildkite job logs: section headers `~~~ ` (collapsed), `--- ` (expanded) and `+++ `
//! (expanded and opened), `^^^ +++` to open the previous section, commands echoed as
//! `$ …`, agent hooks (`Running global environment hook`), emoji codes such as
//! `:buildkite:`, and in the raw log the agent's `ESC _bk;t=<ms> BEL` time markers.
//! Sources: <https://buildkite.com/docs/pipelines/configure/managing-log-output>
//! (collapsing output), <https://buildkite.com/docs/agent/cli/reference/oidc> .

use super::lines::Prefix;
use super::{Dialect, Marker, View};
use crate::token::platform::Platform;

pub(super) const DIALECT: Dialect = Dialect {
    platform: Platform::Buildkite,
    score,
    read,
};

const AGENT_LINES: &[(&str, u32)] = &[
    ("Running global environment hook", 6),
    ("Running global pre-checkout hook", 6),
    ("Running global pre-command hook", 6),
    ("$ buildkite-agent", 6),
    ("^^^ +++", 6),
    ("\u{1f6a8} Error: The command exited with status", 8),
    ("Preparing working directory", 3),
];

fn section(text: &str) -> Option<&str> {
    ["~~~ ", "--- ", "+++ "]
        .iter()
        .find_map(|p| text.strip_prefix(p))
}

fn score(v: &View<'_>) -> u32 {
    let t = v.text;
    let mut s = if v.prefix == Prefix::Buildkite { 8 } else { 0 };
    s += AGENT_LINES
        .iter()
        .filter(|(m, _)| t.starts_with(m))
        .map(|(_, w)| w)
        .sum::<u32>();
    if t.contains(":buildkite:") {
        s += 6;
    }
    if t.starts_with("~~~ ") || t.starts_with("+++ ") {
        s += 3;
    } else if t.starts_with("--- ") {
        s += 1;
    }
    s
}

fn read<'a>(v: &View<'a>) -> (Marker, &'a str) {
    let t = v.text;
    if let Some(name) = section(t) {
        return (Marker::StepStart, name);
    }
    if let Some(command) = t.strip_prefix("$ ") {
        return (Marker::Command, command);
    }
    if let Some(rest) = t.strip_prefix("\u{1f6a8} Error: ") {
        return (Marker::Error, rest);
    }
    (Marker::Plain, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_commands_are_read() {
        let v = View {
            prefix: Prefix::Buildkite,
            raw: "",
            text: "~~~ :aws: Assuming role using OIDC token",
        };
        assert_eq!(
            read(&v),
            (Marker::StepStart, ":aws: Assuming role using OIDC token")
        );
        assert!(score(&v) >= 8);
    }
}
