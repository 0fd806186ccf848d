//! GitLab CI job logs: the raw trace (`Running with gitlab-runner …`, collapsible
//! sections `section_start:<epoch>:<name>[options]\r\e[0K<header>` …
//! `section_end:<epoch>:<name>\r\e[0K`, commands echoed as `$ …` in bold green, the
//! runner's `ERROR: Job failed: exit code 1`), with runner 17.0+ `FF_TIMESTAMPS` line
//! prefixes (`2026-…Z 00O `), and the web view copy. Sources:
//! <https://docs.gitlab.com/ci/jobs/job_logs/> (custom collapsible sections),
//! <https://docs.gitlab.com/ci/yaml/ci_job_log_timestamps/> .

use super::lines::Prefix;
use super::{Dialect, Marker, View};
use crate::token::platform::Platform;

pub(super) const DIALECT: Dialect = Dialect {
    platform: Platform::Gitlab,
    score,
    read,
};

const RUNNER_LINES: &[(&str, u32)] = &[
    ("Running with gitlab-runner", 8),
    ("ERROR: Job failed", 6),
    ("Executing \"step_script\" stage of the job script", 6),
    ("Cleaning up project directory and file based variables", 6),
    ("Job succeeded", 4),
    ("Getting source from Git repository", 4),
    ("Uploading artifacts for failed job", 3),
];

fn score(v: &View<'_>) -> u32 {
    let mut s = if v.prefix == Prefix::GitlabStream {
        6
    } else {
        0
    };
    if v.raw.contains("section_start:") {
        s += 6;
    } else if v.raw.contains("section_end:") {
        s += 2;
    }
    s += RUNNER_LINES
        .iter()
        .filter(|(m, _)| v.text.starts_with(m))
        .map(|(_, w)| w)
        .sum::<u32>();
    if v.text.starts_with("Preparing the \"") && v.text.contains("\" executor") {
        s += 4;
    }
    s
}

/// `section_start:1680000000:step_script[collapsed=true]` → `step_script`.
fn section_name(raw: &str) -> Option<&str> {
    let (_, after) = raw.split_once("section_start:")?;
    let (_, name) = after.split_once(':')?;
    let end = name
        .find(|c: char| c == '[' || c == '\r' || c == '\x1b' || c.is_whitespace())
        .unwrap_or(name.len());
    Some(&name[..end])
}

fn read<'a>(v: &View<'a>) -> (Marker, &'a str) {
    if let Some(name) = section_name(v.raw) {
        return (Marker::StepStart, name);
    }
    if v.raw.contains("section_end:") && v.text.starts_with("section_end:") {
        return (Marker::StepEnd, "");
    }
    let t = v.text;
    for (prefix, marker) in [
        ("$ ", Marker::Command),
        ("ERROR: ", Marker::Error),
        ("WARNING: ", Marker::Warning),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return (marker, rest);
        }
    }
    (Marker::Plain, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_named() {
        let raw =
            "section_start:1680000000:step_script[collapsed=true]\r\x1b[0K\x1b[36;1mExecuting";
        let v = View {
            prefix: Prefix::None,
            raw,
            text: "Executing",
        };
        assert_eq!(read(&v), (Marker::StepStart, "step_script"));
        assert!(score(&v) >= 6);
        let v = View {
            prefix: Prefix::None,
            raw: "$ vault write auth/jwt/login",
            text: "$ vault write auth/jwt/login",
        };
        assert_eq!(read(&v), (Marker::Command, "vault write auth/jwt/login"));
    }
}
