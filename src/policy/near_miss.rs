//! The smallest edit for a near miss: the first character where the token's value and
//! the configured one part, and a sentence saying which side to change. For GitHub
//! subjects it also names the usual reason (an `environment:` job against a branch rule,
//! a pull request, the immutable-id form).

use serde::Serialize;

use super::glob::{Dialect, has_wildcard};

/// Where a claim value and a configured value differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    /// The configured value closest to the token's.
    pub expected: String,
    /// The token's value.
    pub actual: String,
    /// Character index of the first difference (for a pattern, where the literal part
    /// before the first wildcard stops matching).
    pub first_difference: usize,
    /// What to change, in one sentence.
    pub explanation: String,
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Why two GitHub-style subjects differ, in the words of the usual cause.
fn subject_reason(expected: &str, actual: &str) -> Option<&'static str> {
    let has = |s: &str, part: &str| s.contains(part);
    if has(actual, ":environment:") && has(expected, ":ref:") {
        Some("jobs that use `environment:` get an environment subject, not a ref subject")
    } else if has(actual, ":ref:") && has(expected, ":environment:") {
        Some(
            "the job has no `environment:`, so its subject names the ref; add the environment to the job or a rule for the ref",
        )
    } else if actual.ends_with(":pull_request") {
        Some("pull request runs get the `pull_request` subject, not the branch's")
    } else if actual.starts_with("repo:")
        && actual.split(':').nth(1).is_some_and(|r| r.contains('@'))
        && !expected.contains('@')
    {
        Some(
            "GitHub issued the immutable-id subject (`owner@ID/repo@ID`); add a rule for that form, then retire the name-based one",
        )
    } else if expected.starts_with("repo:")
        && expected.split(':').nth(1).is_some_and(|r| r.contains('@'))
        && !actual.contains('@')
    {
        Some(
            "the rule expects the immutable-id subject but the token carries the name-based one: the repository has not opted in",
        )
    } else if actual.eq_ignore_ascii_case(expected) {
        Some("the values differ only in case, and the comparison is case-sensitive")
    } else {
        None
    }
}

/// The nearest configured value to `actual`, with the first difference, or `None` when
/// nothing was configured.
pub fn nearest(expected: &[String], actual: &str, dialect: Dialect) -> Option<NearMiss> {
    // How far each configured value agrees with the token's before a difference or a
    // wildcard. It stops at the first difference, so a policy with thousands of long
    // values costs only their common prefixes.
    let agreement = |e: &String| {
        e.chars()
            .zip(actual.chars())
            .take_while(|(x, y)| x == y && !(has_wildcard(x.encode_utf8(&mut [0; 4]), dialect)))
            .count()
    };
    let best = expected.iter().max_by_key(|e| agreement(e))?;
    let first_difference = common_prefix(best, actual);
    let position = if first_difference >= actual.chars().count()
        && first_difference >= best.chars().count()
    {
        "they are equal".to_owned()
    } else {
        let exp_rest: String = best.chars().skip(first_difference).take(24).collect();
        let act_rest: String = actual.chars().skip(first_difference).take(24).collect();
        format!(
            "they part at character {}: the configuration has `{exp_rest}`, the token `{act_rest}`",
            first_difference + 1
        )
    };
    let reason = subject_reason(best, actual)
        .map(|r| format!("; {r}"))
        .unwrap_or_default();
    let explanation = format!(
        "the token's value is `{actual}`; the configuration expects `{best}` — {position}{reason}. Change the configuration if this job should be trusted, or the job (its trigger, branch or environment) if it should not"
    );
    Some(NearMiss {
        expected: best.clone(),
        actual: actual.to_owned(),
        first_difference,
        explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_subject_against_a_branch_rule_is_explained() {
        let m = nearest(
            &["repo:acme/api:ref:refs/heads/main".to_owned()],
            "repo:acme/api:environment:prod",
            Dialect::StarAndQuestion,
        )
        .unwrap();
        assert_eq!(m.first_difference, "repo:acme/api:".len());
        assert!(
            m.explanation
                .contains("environment subject, not a ref subject"),
            "{}",
            m.explanation
        );
        assert!(m.explanation.contains("character 15"), "{}", m.explanation);
    }

    #[test]
    fn the_closest_of_several_values_is_chosen() {
        let expected = vec![
            "repo:other/x:ref:refs/heads/main".to_owned(),
            "repo:acme/api:ref:refs/heads/main".to_owned(),
        ];
        let m = nearest(
            &expected,
            "repo:acme/api:ref:refs/heads/mian",
            Dialect::StarAndQuestion,
        )
        .unwrap();
        assert_eq!(m.expected, expected[1]);
        assert_eq!(m.first_difference, "repo:acme/api:ref:refs/heads/m".len());
    }

    #[test]
    fn immutable_subjects_and_case_are_named() {
        let m = nearest(
            &["repo:acme/api:ref:refs/heads/main".to_owned()],
            "repo:acme@9120457/api@718230411:ref:refs/heads/main",
            Dialect::StarAndQuestion,
        )
        .unwrap();
        assert!(m.explanation.contains("immutable-id"), "{}", m.explanation);
        let m = nearest(
            &["repo:Acme/api:ref:refs/heads/main".to_owned()],
            "repo:acme/api:ref:refs/heads/main",
            Dialect::StarAndQuestion,
        )
        .unwrap();
        assert!(m.explanation.contains("case"), "{}", m.explanation);
    }

    #[test]
    fn nothing_configured_is_no_near_miss() {
        assert!(nearest(&[], "x", Dialect::StarAndQuestion).is_none());
    }
}
