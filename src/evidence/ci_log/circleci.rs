//! CircleCI step output as copied from the job page or fetched from the step's output
//! URL: each `run` step starts with its shell line `#!/bin/bash -eo pipefail`, and a
//! failed step ends with `Exited with code exit status 1` (older: `CircleCI received
//! exit code 1`); the setup steps print `Spin up environment`, `Build-agent version …`.
//! Sources: <https://circleci.com/docs/configuration-reference/#default-shell-options>
//! (`/bin/bash -eo pipefail`), <https://circleci.com/docs/openid-connect-tokens/> , and the
//! outputs quoted in CircleCI-Public/aws-cli-orb issues (#106, #208).

use super::{Dialect, Marker, View};
use crate::token::platform::Platform;

pub(super) const DIALECT: Dialect = Dialect {
    platform: Platform::Circleci,
    score,
    read,
};

const AGENT_LINES: &[(&str, u32)] = &[
    ("#!/bin/bash -eo pipefail", 6),
    ("Exited with code exit status", 8),
    ("CircleCI received exit code", 8),
    ("Spin up environment", 6),
    ("Build-agent version", 6),
    ("Using build environment variables:", 6),
    ("Too long with no output", 6),
    ("Preparing environment variables", 3),
];

fn score(v: &View<'_>) -> u32 {
    AGENT_LINES
        .iter()
        .filter(|(m, _)| v.text.starts_with(m))
        .map(|(_, w)| w)
        .sum()
}

fn read<'a>(v: &View<'a>) -> (Marker, &'a str) {
    let t = v.text;
    if t.starts_with("Exited with code") || t.starts_with("CircleCI received exit code") {
        return (Marker::Error, t);
    }
    if t.starts_with("#!/bin/") {
        return (Marker::StepStart, t);
    }
    (Marker::Plain, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_lines_are_errors() {
        let v = View {
            prefix: super::super::lines::Prefix::None,
            raw: "",
            text: "Exited with code exit status 255",
        };
        assert_eq!(read(&v).0, Marker::Error);
        assert!(score(&v) >= 6);
    }
}
