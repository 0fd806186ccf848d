//! Bitbucket Pipelines step logs: commands echoed with `+ ` (the build container runs
//! the script with `set -x`), the setup block (`Images used:`, `+ umask 000`, the clone
//! command) and the closing `Build teardown` section. Sources:
//! <https://support.atlassian.com/bitbucket-cloud/docs/view-your-pipeline/> and
//! <https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/>
//! (`$BITBUCKET_STEP_OIDC_TOKEN`); the exact setup lines are as seen in shared logs
//! (not documented word for word).

use super::{Dialect, Marker, View};
use crate::token::platform::Platform;

pub(super) const DIALECT: Dialect = Dialect {
    platform: Platform::Bitbucket,
    score,
    read,
};

const RUNNER_LINES: &[(&str, u32)] = &[
    ("Build teardown", 6),
    ("Images used:", 6),
    ("+ umask 000", 6),
    ("Skipping cache upload for failed step", 6),
    ("Searching for test report files in directories named", 6),
    ("Build setup", 4),
    ("Runner matching labels:", 4),
];

fn score(v: &View<'_>) -> u32 {
    let t = v.text;
    let mut s: u32 = RUNNER_LINES
        .iter()
        .filter(|(m, _)| t.starts_with(m))
        .map(|(_, w)| w)
        .sum();
    if t.contains("BITBUCKET_") {
        s += 2;
    }
    if s == 0 && t.starts_with("+ ") {
        s = 1;
    }
    s
}

fn read<'a>(v: &View<'a>) -> (Marker, &'a str) {
    let t = v.text;
    if let Some(command) = t.strip_prefix("+ ") {
        return (Marker::Command, command);
    }
    if t.starts_with("Build teardown") || t.starts_with("Build setup") {
        return (Marker::StepStart, t);
    }
    (Marker::Plain, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_commands_are_read() {
        let v = View {
            prefix: super::super::lines::Prefix::None,
            raw: "",
            text: "+ aws sts get-caller-identity",
        };
        assert_eq!(read(&v), (Marker::Command, "aws sts get-caller-identity"));
        assert_eq!(score(&v), 1);
    }
}
